/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window-search.c: the window's find bar (Ctrl+F, filters the open
 * page) and search page (Ctrl+Shift+F, every task and note), and opening
 * a search result where it lives. */
#define G_LOG_DOMAIN "cairn-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-window-private.h"

static void
on_visible_page_changed (CairnWindow *self)
{
  cairn_find_bar_set_page (self->find_bar, gtk_stack_get_visible_child (self->content_stack));
}

void
_cairn_window_search_init (CairnWindow *self)
{
  GtkWidget *header = gtk_widget_get_first_child (self->content_box);

  self->find_bar = CAIRN_FIND_BAR (cairn_find_bar_new ());
  gtk_box_insert_child_after (GTK_BOX (self->content_box), GTK_WIDGET (self->find_bar), header);
  g_signal_connect_object (self->content_stack, "notify::visible-child",
                           G_CALLBACK (on_visible_page_changed), self, G_CONNECT_SWAPPED);
  on_visible_page_changed (self);
}

/* A result chosen on the search page: a note opens on the Notes page, a
 * task in its list, where it gets the focus and its details open
 * (win.show-task, if this build has it). The find bar closes so that its
 * filter does not hide what was chosen. */
static void
on_open_result (CairnSearchPage *page,
                int              kind,
                const char      *id,
                CairnWindow     *self)
{
  g_autofree char *todo_id = g_strdup (id);

  if (self->pool == NULL)
    return;
  cairn_find_bar_close (self->find_bar);
  if (kind == CAIRN_OBJECT_NOTE)
    {
      if (cairn_pool_lookup_note (self->pool, id) == NULL)
        return;
      _cairn_window_show_page (self, "notes");
      cairn_notes_view_select_note (self->notes_view, id);
    }
  else if (kind == CAIRN_OBJECT_TODO)
    {
      CairnTodo *todo = cairn_pool_lookup_todo (self->pool, todo_id);

      if (todo == NULL)
        return;
      _cairn_window_show_page (self, cairn_todo_get_list_id (todo));
      cairn_todo_view_reveal_todo (self->todo_view, todo_id);
      /* The details pane (another part of the window); none: nothing. */
      gtk_widget_activate_action (GTK_WIDGET (self), "win.show-task", "s", todo_id);
    }
}

void
_cairn_window_search_bind (CairnWindow *self)
{
  self->search_page = CAIRN_SEARCH_PAGE (cairn_search_page_new (self->pool));
  g_signal_connect (self->search_page, "open-result", G_CALLBACK (on_open_result), self);
  gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->search_page), "search");
}

void
_cairn_window_search_unbind (CairnWindow *self)
{
  cairn_find_bar_close (self->find_bar);
  if (self->search_page != NULL)
    gtk_stack_remove (self->content_stack, GTK_WIDGET (self->search_page));
  self->search_page = NULL;
}

void
_cairn_window_show_search_page (CairnWindow *self)
{
  gtk_list_box_unselect_all (self->notes_listbox);
  gtk_list_box_unselect_all (self->lists_listbox);
  gtk_stack_set_visible_child_name (self->content_stack,
                                    self->search_page != NULL ? "search" : "none");
  adw_window_title_set_title (self->content_title, _("Search"));
  gtk_widget_set_visible (self->list_menu_button, FALSE);
}

/* Ctrl+F: the find bar over the open list or the notes; on the search
 * page, its entry. */
static void
win_find (GtkWidget  *widget,
          const char *action_name,
          GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);

  if (self->search_page != NULL &&
      gtk_stack_get_visible_child (self->content_stack) == GTK_WIDGET (self->search_page))
    cairn_search_page_focus_entry (self->search_page);
  else
    cairn_find_bar_open (self->find_bar);
}

/* What Escape in the find bar does; for the views (a task added while the
 * list is filtered). */
static void
win_close_find (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  cairn_find_bar_close (CAIRN_WINDOW (widget)->find_bar);
}

/* Ctrl+Shift+F and the sidebar's search button: the search page. */
static void
win_search (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);

  if (self->search_page == NULL)
    return;
  cairn_find_bar_close (self->find_bar);
  _cairn_window_show_page (self, "search");
  cairn_search_page_focus_entry (self->search_page);
}

void
_cairn_window_search_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.find", NULL, win_find);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, win_search);
  gtk_widget_class_install_action (widget_class, "win.close-find", NULL, win_close_find);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.find", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.search", NULL);
}

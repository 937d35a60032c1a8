/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-todo-view.c: a list's tasks bound to the pool's live model. */
#define G_LOG_DOMAIN "cairn-todo-view"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-ui.h"
#include "cairn-todo-row.h"
#include "cairn-todo-view.h"
#include "cairn-window.h"

struct _CairnTodoView
{
  GtkWidget      parent_instance;

  CairnPool     *pool;
  char          *list_id;
  GListModel    *todos;
  GtkFilterListModel *shown;   /* todos through the find bar's filter */
  GtkFilter     *filter;
  gulong         items_changed_id;
  guint          show_completed : 1;

  GtkEntry      *new_entry;
  GtkStack      *stack;
  AdwStatusPage *empty_page;
  GtkListView   *list_view;
};

G_DEFINE_FINAL_TYPE (CairnTodoView, cairn_todo_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_FILTER, N_PROPS };
static GParamSpec *properties [N_PROPS];

static void
update_placeholder (CairnTodoView *self)
{
  gboolean empty = self->shown == NULL || g_list_model_get_n_items (G_LIST_MODEL (self->shown)) == 0;
  gboolean filtered = self->filter != NULL &&
                      gtk_filter_get_strictness (self->filter) != GTK_FILTER_MATCH_ALL;

  /* Still filtering (a long list is filtered bit by bit): not "no match" yet. */
  if (empty && filtered && gtk_filter_list_model_get_pending (self->shown) > 0)
    return;
  if (empty && filtered && self->todos != NULL && g_list_model_get_n_items (self->todos) > 0)
    {
      adw_status_page_set_icon_name (self->empty_page, "system-search-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Matching Tasks"));
      adw_status_page_set_description (self->empty_page, _("Try a different search"));
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, "object-select-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Tasks Yet"));
      adw_status_page_set_description (self->empty_page, _("Type one above"));
    }
  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "list");
}

static void
on_new_entry_activate (GtkEntry      *entry,
                       CairnTodoView *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  g_autofree char *id = NULL;

  if (self->list_id == NULL)
    return;

  title = cairn_ui_clean_title (gtk_editable_get_text (GTK_EDITABLE (entry)));
  if (title[0] == '\0')
    return;

  id = cairn_store_create_todo (cairn_pool_get_store (self->pool), self->list_id,
                                title, NULL, NULL, &error);
  if (id == NULL)
    {
      /* Keep the text so that the user can fix it. */
      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      cairn_window_report_error (GTK_WIDGET (self), _("Could not add the task"), error);
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  /* Added while the find bar filters the list: the bar closes, so that
   * the new task is not hidden the moment it is made. */
  if (self->filter != NULL && gtk_filter_get_strictness (self->filter) != GTK_FILTER_MATCH_ALL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.close-find", NULL);
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           CairnTodoView            *self)
{
  gtk_list_item_set_child (item, cairn_todo_row_new (self->pool));
  gtk_list_item_set_activatable (item, FALSE);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          CairnTodoView            *self)
{
  cairn_todo_row_set_todo (CAIRN_TODO_ROW (gtk_list_item_get_child (item)),
                           gtk_list_item_get_item (item));
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            CairnTodoView            *self)
{
  cairn_todo_row_set_todo (CAIRN_TODO_ROW (gtk_list_item_get_child (item)), NULL);
}

static void
cairn_todo_view_dispose (GObject *object)
{
  CairnTodoView *self = CAIRN_TODO_VIEW (object);

  cairn_todo_view_set_list_id (self, NULL);
  cairn_todo_view_set_filter (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CAIRN_TYPE_TODO_VIEW);
  /* Not a container: children the template made without an id too. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (cairn_todo_view_parent_class)->dispose (object);
}

static void
cairn_todo_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CairnTodoView *self = CAIRN_TODO_VIEW (object);

  switch (prop_id)
    {
    case PROP_FILTER:
      g_value_set_object (value, self->filter);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_todo_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CairnTodoView *self = CAIRN_TODO_VIEW (object);

  switch (prop_id)
    {
    case PROP_FILTER:
      cairn_todo_view_set_filter (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_todo_view_class_init (CairnTodoViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cairn_todo_view_dispose;
  object_class->get_property = cairn_todo_view_get_property;
  object_class->set_property = cairn_todo_view_set_property;

  /* The find bar's (cairn-find-bar.h): the tasks shown are those it keeps. */
  properties[PROP_FILTER] =
    g_param_spec_object ("filter", NULL, NULL, GTK_TYPE_FILTER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/cairn/Cairn/cairn-todo-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CairnTodoView, new_entry);
  gtk_widget_class_bind_template_child (widget_class, CairnTodoView, stack);
  gtk_widget_class_bind_template_child (widget_class, CairnTodoView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, CairnTodoView, list_view);
  gtk_widget_class_bind_template_callback (widget_class, on_new_entry_activate);
}

static void
cairn_todo_view_init (CairnTodoView *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  self->show_completed = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  cairn_ui_limit_title_entry (self->new_entry);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), self);
  gtk_list_view_set_factory (self->list_view, factory);
  update_placeholder (self);
}

GtkWidget *
cairn_todo_view_new (CairnPool *pool)
{
  CairnTodoView *self;

  g_return_val_if_fail (CAIRN_IS_POOL (pool), NULL);

  self = g_object_new (CAIRN_TYPE_TODO_VIEW, NULL);
  self->pool = g_object_ref (pool);
  return GTK_WIDGET (self);
}

void
cairn_todo_view_set_list_id (CairnTodoView *self,
                             const char    *list_id)
{
  g_return_if_fail (CAIRN_IS_TODO_VIEW (self));

  if (g_strcmp0 (self->list_id, list_id) == 0)
    return;

  if (self->todos != NULL)
    {
      g_clear_signal_handler (&self->items_changed_id, self->shown);
      gtk_list_view_set_model (self->list_view, NULL);
      g_clear_object (&self->shown);
      g_clear_object (&self->todos);
    }
  g_clear_pointer (&self->list_id, g_free);

  if (list_id != NULL && self->pool != NULL)
    {
      g_autoptr(GtkNoSelection) selection = NULL;

      self->list_id = g_strdup (list_id);
      self->todos = cairn_pool_get_todos (self->pool, list_id);
      cairn_todo_model_set_show_completed (self->todos, self->show_completed);
      self->shown = gtk_filter_list_model_new (g_object_ref (self->todos),
                                               self->filter != NULL ? g_object_ref (self->filter) : NULL);
      /* A long list is filtered in steps, the main loop running between. */
      gtk_filter_list_model_set_incremental (self->shown, TRUE);
      self->items_changed_id =
        g_signal_connect_swapped (self->shown, "items-changed",
                                  G_CALLBACK (update_placeholder), self);
      g_signal_connect_object (self->shown, "notify::pending",
                               G_CALLBACK (update_placeholder), self, G_CONNECT_SWAPPED);
      selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->shown)));
      gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
    }

  gtk_editable_set_text (GTK_EDITABLE (self->new_entry), "");
  gtk_widget_remove_css_class (GTK_WIDGET (self->new_entry), "error");
  update_placeholder (self);
}

const char *
cairn_todo_view_get_list_id (CairnTodoView *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO_VIEW (self), NULL);

  return self->list_id;
}

void
cairn_todo_view_set_show_completed (CairnTodoView *self,
                                    gboolean       show_completed)
{
  g_return_if_fail (CAIRN_IS_TODO_VIEW (self));

  self->show_completed = !!show_completed;
  if (self->todos != NULL)
    cairn_todo_model_set_show_completed (self->todos, show_completed);
  update_placeholder (self);
}

void
cairn_todo_view_focus_entry (CairnTodoView *self)
{
  g_return_if_fail (CAIRN_IS_TODO_VIEW (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->new_entry));
}

void
cairn_todo_view_set_filter (CairnTodoView *self,
                            GtkFilter     *filter)
{
  g_return_if_fail (CAIRN_IS_TODO_VIEW (self));
  g_return_if_fail (filter == NULL || GTK_IS_FILTER (filter));

  if (self->filter == filter)
    return;
  if (self->filter != NULL)
    g_signal_handlers_disconnect_by_func (self->filter, update_placeholder, self);
  g_set_object (&self->filter, filter);
  if (self->shown != NULL)
    gtk_filter_list_model_set_filter (self->shown, filter);
  if (self->filter != NULL)
    g_signal_connect_object (self->filter, "changed",
                             G_CALLBACK (update_placeholder), self,
                             G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  update_placeholder (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
}

/* Scrolled to, a row is made at the next layout: focus it then. */
typedef struct
{
  CairnTodoView *view;
  char          *todo_id;
  guint          frames;
} Reveal;

static GtkWidget *
find_row (GtkWidget  *widget,
          const char *todo_id)
{
  if (CAIRN_IS_TODO_ROW (widget))
    {
      CairnTodo *todo = cairn_todo_row_get_todo (CAIRN_TODO_ROW (widget));

      return todo != NULL && g_str_equal (cairn_todo_get_id (todo), todo_id) ? widget : NULL;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = find_row (child, todo_id);

      if (row != NULL)
        return row;
    }
  return NULL;
}

static void
reveal_free (gpointer data)
{
  Reveal *reveal = data;

  g_free (reveal->todo_id);
  g_free (reveal);
}

static gboolean
reveal_tick (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       data)
{
  Reveal *reveal = data;
  GtkWidget *row = find_row (GTK_WIDGET (reveal->view->list_view), reveal->todo_id);

  if (row != NULL && gtk_widget_get_mapped (row))
    {
      /* The list item around the row: focused, it is the one selected. */
      gtk_widget_grab_focus (gtk_widget_get_parent (row));
      return G_SOURCE_REMOVE;
    }
  return ++reveal->frames < 10 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

gboolean
cairn_todo_view_reveal_todo (CairnTodoView *self,
                             const char    *todo_id)
{
  Reveal *reveal;
  guint n;

  g_return_val_if_fail (CAIRN_IS_TODO_VIEW (self), FALSE);
  g_return_val_if_fail (todo_id != NULL, FALSE);

  if (self->shown == NULL)
    return FALSE;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->shown));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CairnTodo) todo = g_list_model_get_item (G_LIST_MODEL (self->shown), i);

      if (!g_str_equal (cairn_todo_get_id (todo), todo_id))
        continue;
      gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", i);
      reveal = g_new0 (Reveal, 1);
      reveal->view = self;
      reveal->todo_id = g_strdup (todo_id);
      gtk_widget_add_tick_callback (GTK_WIDGET (self->list_view), reveal_tick, reveal, reveal_free);
      return TRUE;
    }
  return FALSE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window-details.c: the task details pane beside the content.
 *
 * The content stack goes into an AdwFlap whose flap, on the end side, is
 * the CairnTaskDetails (made when a task is first shown). Wide, the pane sits beside the list; when the
 * content area cannot hold both at their smallest (the list 360 px, the
 * pane 340 px), the flap
 * folds and the pane slides over the list, closed by its close button,
 * Escape or a swipe. win.show-task (a todo id) opens it, win.close-task
 * closes it. */
#define G_LOG_DOMAIN "cairn-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-window-private.h"

static void on_details_todo_changed (CairnWindow *self);
static void on_reveal_changed (CairnWindow *self);

/* The pane itself is made the first time a task is shown: most start-ups
 * show none, and its widgets (an editor, a calendar, a dozen rows) were a
 * sixth of building the window. */
static void
ensure_task_details (CairnWindow *self)
{
  if (self->task_details != NULL)
    return;
  self->task_details = CAIRN_TASK_DETAILS (cairn_task_details_new ());
  gtk_widget_set_name (GTK_WIDGET (self->task_details), "task_details");
  adw_flap_set_flap (self->details_flap, GTK_WIDGET (self->task_details));
  g_signal_connect_object (self->task_details, "notify::todo-id",
                           G_CALLBACK (on_details_todo_changed), self, G_CONNECT_SWAPPED);
  cairn_task_details_set_pool (self->task_details, self->pool);
}

static void
on_details_todo_changed (CairnWindow *self)
{
  if (cairn_task_details_get_todo_id (self->task_details) == NULL)
    adw_flap_set_reveal_flap (self->details_flap, FALSE);
}

/* Swiped away (folded): the pane lets go of the task, saving its notes. */
static void
on_reveal_changed (CairnWindow *self)
{
  if (!adw_flap_get_reveal_flap (self->details_flap) && self->task_details != NULL)
    cairn_task_details_set_todo_id (self->task_details, NULL);
}

static gboolean
on_escape (GtkWidget *widget,
           GVariant  *args,
           gpointer   user_data)
{
  CairnWindow *self = CAIRN_WINDOW (gtk_widget_get_root (widget));

  if (!adw_flap_get_reveal_flap (self->details_flap) || self->task_details == NULL)
    return FALSE;
  cairn_task_details_set_todo_id (self->task_details, NULL);
  return TRUE;
}

/* Another list or Notes was opened: a task of another list goes. The
 * other pages (Today, a tag, Search) show tasks of any list: it stays. */
static void
on_page_selected (CairnWindow *self)
{
  const char *id = self->task_details != NULL ? cairn_task_details_get_todo_id (self->task_details) : NULL;
  CairnTodo *todo = id != NULL && self->pool != NULL ? cairn_pool_lookup_todo (self->pool, id) : NULL;

  if (todo == NULL)
    return;
  if (g_str_equal (self->selected, "notes") || self->selected[0] == '\0' ||
      (cairn_pool_lookup_list (self->pool, self->selected) != NULL &&
       !g_str_equal (self->selected, cairn_todo_get_list_id (todo))))
    cairn_task_details_set_todo_id (self->task_details, NULL);
}

/* Made once, the first time a pool is bound (the template is built). */
static void
details_init (CairnWindow *self)
{
  GtkWidget *stack = GTK_WIDGET (self->content_stack);
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();

  self->details_flap = ADW_FLAP (adw_flap_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->details_flap), TRUE);
  adw_flap_set_flap_position (self->details_flap, GTK_PACK_END);
  adw_flap_set_locked (self->details_flap, TRUE);
  adw_flap_set_reveal_flap (self->details_flap, FALSE);
  adw_flap_set_swipe_to_open (self->details_flap, FALSE);
  adw_flap_set_fold_threshold_policy (self->details_flap, ADW_FOLD_THRESHOLD_POLICY_MINIMUM);
  adw_flap_set_separator (self->details_flap, gtk_separator_new (GTK_ORIENTATION_VERTICAL));

  g_object_ref (stack);
  gtk_box_insert_child_after (GTK_BOX (self->content_box), GTK_WIDGET (self->details_flap), stack);
  gtk_box_remove (GTK_BOX (self->content_box), stack);
  adw_flap_set_content (self->details_flap, stack);
  g_object_unref (stack);

  g_signal_connect_object (self->details_flap, "notify::reveal-flap",
                           G_CALLBACK (on_reveal_changed), self, G_CONNECT_SWAPPED);

  /* _cairn_window_select() keeps the page shown in the settings. */
  g_signal_connect_object (self->settings, "changed::last-selected",
                           G_CALLBACK (on_page_selected), self, G_CONNECT_SWAPPED);

  /* Bubble phase: an entry's or popover's own Escape comes first. */
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_BUBBLE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_callback_action_new (on_escape, NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self->details_flap), shortcuts);
}

void
_cairn_window_details_bind (CairnWindow *self)
{
  if (self->details_flap == NULL)
    details_init (self);
  if (self->task_details != NULL)
    cairn_task_details_set_pool (self->task_details, self->pool);
}

/* Opens the pane on the task; when the page shown cannot hold it (no
 * list, Notes, another list) its list is shown first. */
static void
win_show_task (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  CairnTodo *todo;
  const char *list_id;

  if (self->pool == NULL || self->details_flap == NULL)
    return;
  todo = cairn_pool_lookup_todo (self->pool, id);
  if (todo == NULL)
    {
      cairn_window_add_toast (self, adw_toast_new (_("This task no longer exists")));
      return;
    }
  list_id = cairn_todo_get_list_id (todo);
  if (self->selected[0] == '\0' || g_str_equal (self->selected, "notes") ||
      (cairn_pool_lookup_list (self->pool, self->selected) != NULL &&
       !g_str_equal (self->selected, list_id)))
    _cairn_window_show_page (self, list_id);
  else
    adw_leaflet_set_visible_child (self->leaflet, self->content_box);
  ensure_task_details (self);
  cairn_task_details_set_todo_id (self->task_details, id);
  adw_flap_set_reveal_flap (self->details_flap, TRUE);
}

static void
win_close_task (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);

  if (self->task_details != NULL)
    cairn_task_details_set_todo_id (self->task_details, NULL);
}

void
_cairn_window_details_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.show-task", "s", win_show_task);
  gtk_widget_class_install_action (widget_class, "win.close-task", NULL, win_close_task);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-todo-dnd.c: reordering the tasks of a list view: drag and drop
 * by a row's handle, and Alt+arrows on the focused task.
 *
 * A drag offers the CairnTodo itself (any drop target of the app takes
 * CAIRN_TYPE_TODO). Dropped on a row of this view it goes before the row
 * (upper third), after it (lower third), both under the row's parent, or
 * becomes the row's last subtask (the middle). A drop that the store would
 * refuse (onto the task itself or one of its subtasks, or a task of
 * another list) is refused while hovering: no indicator, no drop. Every
 * move is one store call (one event); the pool's models then move the row.
 */
#define G_LOG_DOMAIN "cairn-todo-view"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cairn-todo-row.h"
#include "cairn-todo-view-private.h"
#include "cairn-window-undo.h"
#include "cairn-window.h"

static const char *drop_classes[] = { "drop-before", "drop-into", "drop-after" };

/* The task an item of the view shows (transfer none), or NULL. */
static CairnTodo *
item_todo (GtkListItem *item)
{
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  g_autoptr(CairnTodo) todo = NULL;

  if (row == NULL)
    return NULL;
  todo = gtk_tree_list_row_get_item (row);
  return todo;  /* still held by the row */
}

static CairnDropPosition
position_for_y (double y,
                int    height)
{
  if (y < height / 3.0)
    return CAIRN_DROP_BEFORE;
  if (y > height * 2.0 / 3.0)
    return CAIRN_DROP_AFTER;
  return CAIRN_DROP_INTO;
}

/* Whether `todo` is `ancestor` or under it. */
static gboolean
is_in_subtree (CairnTodoView *self,
               CairnTodo     *todo,
               CairnTodo     *ancestor)
{
  const char *ancestor_id = cairn_todo_get_id (ancestor);

  for (guint depth = 0; todo != NULL && depth < 10000; depth++)
    {
      const char *parent_id;

      if (g_str_equal (cairn_todo_get_id (todo), ancestor_id))
        return TRUE;
      parent_id = cairn_todo_get_parent_id (todo);
      todo = parent_id != NULL ? cairn_pool_lookup_todo (self->pool, parent_id) : NULL;
    }
  return FALSE;
}

/* Whether dropping `dragged` at `position` of `target` moves it somewhere
 * the store accepts: same list, not into its own subtree, not onto
 * itself. Checked while hovering, so that a refused drop shows nothing. */
static gboolean
can_drop (CairnTodoView     *self,
          CairnTodo         *dragged,
          CairnTodo         *target,
          CairnDropPosition  position)
{
  if (dragged == NULL || target == NULL || self->list_id == NULL)
    return FALSE;
  if (g_strcmp0 (cairn_todo_get_list_id (dragged), self->list_id) != 0 ||
      g_strcmp0 (cairn_todo_get_list_id (target), self->list_id) != 0)
    return FALSE;
  /* Before, after or into itself, or anywhere in its own subtree. */
  return !is_in_subtree (self, target, dragged);
}

/* Tells the user why a move failed, in their words; the store's own
 * message goes to the debug log. */
static void
report_move_error (CairnTodoView *self,
                   const GError  *error)
{
  const char *text;

  g_debug ("Cannot move a task: %s", error->message);
  if (g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NO_SPACE))
    text = _("Could not move the task: the disk is full");
  else if (g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND))
    text = _("Could not move the task: it was deleted on another device");
  else
    text = _("Could not move the task there");

  if (CAIRN_IS_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))))
    cairn_window_add_toast (CAIRN_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                            adw_toast_new (text));
  else
    g_warning ("%s", text);
}

/* The one store call of a drop. */
static gboolean
drop_todo (CairnTodoView     *self,
           CairnTodo         *dragged,
           CairnTodo         *target,
           CairnDropPosition  position)
{
  g_autoptr(GError) error = NULL;
  const char *id = cairn_todo_get_id (dragged);
  const char *target_id = cairn_todo_get_id (target);
  gboolean ok;

  if (!can_drop (self, dragged, target, position))
    return FALSE;

  switch (position)
    {
    case CAIRN_DROP_BEFORE:
      ok = _cairn_undo_move_todo_under (GTK_WIDGET (self), self->pool, id, NULL, cairn_todo_get_parent_id (target),
                                        target_id, NULL, &error);
      break;
    case CAIRN_DROP_AFTER:
      ok = _cairn_undo_move_todo_under (GTK_WIDGET (self), self->pool, id, NULL, cairn_todo_get_parent_id (target),
                                        NULL, target_id, &error);
      break;
    case CAIRN_DROP_INTO:
    default:
      {
        g_autoptr(GtkTreeListRow) row = _cairn_todo_view_find_row (self, target_id, NULL);

        /* Open the new parent, so that the task stays in sight. */
        if (row != NULL)
          gtk_tree_list_row_set_expanded (row, TRUE);
        ok = _cairn_undo_move_todo_under (GTK_WIDGET (self), self->pool, id, NULL, target_id, NULL, NULL, &error);
      }
      break;
    }

  if (!ok)
    report_move_error (self, error);
  return ok;
}

/* ---- drop target ---- */

static void
clear_indicator (GtkWidget *item_box)
{
  for (guint i = 0; i < G_N_ELEMENTS (drop_classes); i++)
    gtk_widget_remove_css_class (item_box, drop_classes[i]);
}

/* Hovering `dragged` at `y` over an item: the indicator and the action
 * (0: refused, no indicator). */
GdkDragAction
_cairn_todo_dnd_hover (CairnTodoView *self,
                       GtkListItem   *item,
                       CairnTodo     *dragged,
                       double         y)
{
  GtkWidget *item_box = gtk_list_item_get_child (item);
  CairnDropPosition position = position_for_y (y, gtk_widget_get_height (item_box));

  clear_indicator (item_box);
  if (!can_drop (self, dragged, item_todo (item), position))
    return 0;
  gtk_widget_add_css_class (item_box, drop_classes[position]);
  return GDK_ACTION_MOVE;
}

gboolean
_cairn_todo_dnd_drop (CairnTodoView *self,
                      GtkListItem   *item,
                      CairnTodo     *dragged,
                      double         y)
{
  GtkWidget *item_box = gtk_list_item_get_child (item);
  CairnTodo *target = item_todo (item);

  clear_indicator (item_box);
  if (target == NULL)
    return FALSE;
  return drop_todo (self, dragged, target, position_for_y (y, gtk_widget_get_height (item_box)));
}

static CairnTodo *
dragged_todo (GtkDropTarget *target)
{
  const GValue *value = gtk_drop_target_get_value (target);

  return value != NULL && G_VALUE_HOLDS (value, CAIRN_TYPE_TODO) ? g_value_get_object (value) : NULL;
}

static GdkDragAction
on_drop_motion (GtkDropTarget *target,
                double         x,
                double         y,
                GtkListItem   *item)
{
  GtkWidget *item_box = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  CairnTodoView *self = CAIRN_TODO_VIEW (gtk_widget_get_ancestor (item_box, CAIRN_TYPE_TODO_VIEW));

  return _cairn_todo_dnd_hover (self, item, dragged_todo (target), y);
}

static void
on_drop_leave (GtkDropTarget *target,
               GtkListItem   *item)
{
  clear_indicator (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target)));
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         GtkListItem   *item)
{
  GtkWidget *item_box = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  CairnTodoView *self = CAIRN_TODO_VIEW (gtk_widget_get_ancestor (item_box, CAIRN_TYPE_TODO_VIEW));

  if (!G_VALUE_HOLDS (value, CAIRN_TYPE_TODO) || self == NULL)
    return FALSE;
  return _cairn_todo_dnd_drop (self, item, g_value_get_object (value), y);
}

/* ---- drag source ---- */

static GdkContentProvider *
on_drag_prepare (GtkDragSource *source,
                 double         x,
                 double         y,
                 GtkListItem   *item)
{
  CairnTodo *todo = item_todo (item);

  if (todo == NULL)
    return NULL;
  return gdk_content_provider_new_typed (CAIRN_TYPE_TODO, todo);
}

static void
on_drag_begin (GtkDragSource *source,
               GdkDrag       *drag,
               GtkListItem   *item)
{
  GtkWidget *item_box = gtk_list_item_get_child (item);
  g_autoptr(GdkPaintable) icon = gtk_widget_paintable_new (item_box);

  gtk_drag_source_set_icon (source, icon, 0, gtk_widget_get_height (item_box) / 2);
  gtk_widget_add_css_class (item_box, "dragging");
}

static void
on_drag_end (GtkDragSource *source,
             GdkDrag       *drag,
             gboolean       delete_data,
             GtkListItem   *item)
{
  gtk_widget_remove_css_class (gtk_list_item_get_child (item), "dragging");
}

void
_cairn_todo_dnd_setup_item (CairnTodoView *self,
                            GtkListItem   *item,
                            GtkWidget     *item_box,
                            GtkWidget     *handle)
{
  GtkDragSource *source = gtk_drag_source_new ();
  GtkDropTarget *target = gtk_drop_target_new (CAIRN_TYPE_TODO, GDK_ACTION_MOVE);

  /* The drag starts on the handle only: a press in the title entry
   * places the cursor and selects text as usual. */
  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
  g_signal_connect (source, "prepare", G_CALLBACK (on_drag_prepare), item);
  g_signal_connect (source, "drag-begin", G_CALLBACK (on_drag_begin), item);
  g_signal_connect (source, "drag-end", G_CALLBACK (on_drag_end), item);
  gtk_widget_add_controller (handle, GTK_EVENT_CONTROLLER (source));
  gtk_widget_set_cursor_from_name (handle, "grab");

  /* Loaded while hovering, so that a drop the store would refuse shows
   * no indicator. */
  gtk_drop_target_set_preload (target, TRUE);
  g_signal_connect (target, "motion", G_CALLBACK (on_drop_motion), item);
  g_signal_connect (target, "leave", G_CALLBACK (on_drop_leave), item);
  g_signal_connect (target, "drop", G_CALLBACK (on_drop), item);
  gtk_widget_add_controller (item_box, GTK_EVENT_CONTROLLER (target));
}

/* ---- keyboard: Alt+Up/Down among siblings, Alt+Right/Left in and out ---- */

typedef enum { MOVE_UP, MOVE_DOWN, MOVE_INDENT, MOVE_OUTDENT } Move;

/* The visible siblings of a task (completed ones as the view shows
 * them), in order; transfer full. */
static GListModel *
siblings_of (CairnTodoView *self,
             CairnTodo     *todo)
{
  const char *parent_id = cairn_todo_get_parent_id (todo);
  GListModel *siblings;

  if (parent_id == NULL)
    return g_object_ref (self->top);
  siblings = cairn_pool_get_subtasks (self->pool, parent_id);
  cairn_todo_model_set_show_completed (siblings, self->show_completed);
  return siblings;
}

/* The sibling `offset` (-1, +1) away from todo, or NULL; transfer full. */
static CairnTodo *
sibling_at (CairnTodoView *self,
            CairnTodo     *todo,
            int            offset)
{
  g_autoptr(GListModel) siblings = siblings_of (self, todo);
  guint n = g_list_model_get_n_items (siblings);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CairnTodo) item = g_list_model_get_item (siblings, i);

      if (item == todo)
        {
          if ((offset < 0 && i == 0) || (offset > 0 && i + 1 >= n))
            return NULL;
          return g_list_model_get_item (siblings, i + offset);
        }
    }
  return NULL;
}

/* The name of the row's part that holds the focus ("title_entry",
 * "menu_button", …: the nearest ancestor of the focus given a name), or
 * NULL. */
static const char *
focused_part (GtkWidget *row)
{
  GtkWidget *focus;

  focus = gtk_root_get_focus (gtk_widget_get_root (row));
  if (focus == NULL || !gtk_widget_is_ancestor (focus, row))
    return NULL;
  for (; focus != NULL && focus != row; focus = gtk_widget_get_parent (focus))
    if (!g_str_equal (gtk_widget_get_name (focus), G_OBJECT_TYPE_NAME (focus)))
      return gtk_widget_get_name (focus);
  return NULL;
}

static GtkWidget *
find_child_named (GtkWidget  *widget,
                  const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_child_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
_cairn_todo_view_find_row_widget (GtkWidget  *widget,
                                  const char *todo_id)
{
  if (CAIRN_IS_TODO_ROW (widget))
    {
      CairnTodo *todo = cairn_todo_row_get_todo (CAIRN_TODO_ROW (widget));

      return todo != NULL && gtk_widget_get_mapped (widget) &&
             g_str_equal (cairn_todo_get_id (todo), todo_id) ? widget : NULL;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = _cairn_todo_view_find_row_widget (child, todo_id);

      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  char  *todo_id;
  char  *part;
  guint  tries;
} Refocus;

static void
refocus_free (gpointer data)
{
  Refocus *refocus = data;

  g_free (refocus->todo_id);
  g_free (refocus->part);
  g_free (refocus);
}

/* Puts the focus back in the moved task's row, on the same part, once
 * the list view shows the row (it may take a frame or two). */
static gboolean
refocus_tick (GtkWidget     *widget,
              GdkFrameClock *clock,
              gpointer       user_data)
{
  CairnTodoView *self = CAIRN_TODO_VIEW (widget);
  Refocus *refocus = user_data;
  GtkWidget *row = _cairn_todo_view_find_row_widget (GTK_WIDGET (self->list_view), refocus->todo_id);
  GtkWidget *part = row != NULL && refocus->part != NULL ? find_child_named (row, refocus->part) : NULL;

  if (part == NULL && row != NULL)
    part = find_child_named (row, "title_entry");
  if (part != NULL && gtk_widget_get_mapped (part))
    {
      if (GTK_IS_ENTRY (part))
        gtk_entry_grab_focus_without_selecting (GTK_ENTRY (part));
      else
        gtk_widget_grab_focus (part);
      return G_SOURCE_REMOVE;
    }
  return ++refocus->tries < 30 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
keep_focus_on (CairnTodoView *self,
               const char    *todo_id,
               const char    *part)
{
  Refocus *refocus = g_new0 (Refocus, 1);
  guint position;
  g_autoptr(GtkTreeListRow) row = _cairn_todo_view_find_row (self, todo_id, &position);

  if (row != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
  refocus->todo_id = g_strdup (todo_id);
  refocus->part = g_strdup (part);
  if (refocus_tick (GTK_WIDGET (self), NULL, refocus) == G_SOURCE_REMOVE)
    refocus_free (refocus);
  else
    gtk_widget_add_tick_callback (GTK_WIDGET (self), refocus_tick, refocus, refocus_free);
}

/* Moves a task of this view's list; FALSE when there is nowhere to go
 * (first, last, no sibling above, top level) or the store refused. */
static gboolean
move_task (CairnTodoView *self,
           const char    *todo_id,
           Move           move)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnTodo) other = NULL;
  g_autofree char *part = NULL;
  CairnTodo *todo;
  gboolean ok = FALSE;

  if (self->pool == NULL || self->top == NULL)
    return FALSE;
  todo = cairn_pool_lookup_todo (self->pool, todo_id);
  if (todo == NULL || g_strcmp0 (cairn_todo_get_list_id (todo), self->list_id) != 0)
    return FALSE;
  g_object_ref (todo);

  {
    GtkWidget *row = _cairn_todo_view_find_row_widget (GTK_WIDGET (self->list_view), todo_id);

    if (row != NULL)
      part = g_strdup (focused_part (row));
  }

  switch (move)
    {
    case MOVE_UP:
    case MOVE_DOWN:
      other = sibling_at (self, todo, move == MOVE_UP ? -1 : +1);
      if (other != NULL)
        ok = _cairn_undo_move_todo_under (GTK_WIDGET (self), self->pool, todo_id, NULL, cairn_todo_get_parent_id (todo),
                                          move == MOVE_UP ? cairn_todo_get_id (other) : NULL,
                                          move == MOVE_DOWN ? cairn_todo_get_id (other) : NULL,
                                          &error);
      break;
    case MOVE_INDENT:
      other = sibling_at (self, todo, -1);
      if (other != NULL)
        {
          g_autoptr(GtkTreeListRow) row = _cairn_todo_view_find_row (self, cairn_todo_get_id (other), NULL);

          if (row != NULL)
            gtk_tree_list_row_set_expanded (row, TRUE);
          ok = _cairn_undo_move_todo_under (GTK_WIDGET (self), self->pool, todo_id, NULL, cairn_todo_get_id (other),
                                            NULL, NULL, &error);
        }
      break;
    case MOVE_OUTDENT:
      if (cairn_todo_get_parent_id (todo) != NULL)
        {
          CairnTodo *parent = cairn_pool_lookup_todo (self->pool, cairn_todo_get_parent_id (todo));

          if (parent != NULL)
            ok = _cairn_undo_move_todo_under (GTK_WIDGET (self), self->pool, todo_id, NULL, cairn_todo_get_parent_id (parent),
                                              NULL, cairn_todo_get_id (parent), &error);
        }
      break;
    default:
      g_assert_not_reached ();
    }

  if (error != NULL)
    report_move_error (self, error);
  else if (!ok)
    gtk_widget_error_bell (GTK_WIDGET (self));
  if (ok)
    keep_focus_on (self, todo_id, part);
  g_object_unref (todo);
  return ok;
}

static Move
move_of_action (const char *action_name)
{
  if (strstr (action_name, "-up") != NULL)
    return MOVE_UP;
  if (strstr (action_name, "-down") != NULL)
    return MOVE_DOWN;
  if (strstr (action_name, "outdent") != NULL)
    return MOVE_OUTDENT;
  return MOVE_INDENT;
}

/* view.move-task-up and its kind, with a task id. */
static void
view_move_task (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  move_task (CAIRN_TODO_VIEW (widget), g_variant_get_string (parameter, NULL),
             move_of_action (action_name));
}

/* The task whose row holds the keyboard focus, or NULL. */
static CairnTodo *
focused_todo (CairnTodoView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  for (; focus != NULL && focus != GTK_WIDGET (self); focus = gtk_widget_get_parent (focus))
    {
      if (CAIRN_IS_TODO_ROW (focus))
        return cairn_todo_row_get_todo (CAIRN_TODO_ROW (focus));
      if (GTK_IS_TREE_EXPANDER (focus) && gtk_tree_expander_get_item (GTK_TREE_EXPANDER (focus)) != NULL)
        {
          g_autoptr(CairnTodo) todo = gtk_tree_expander_get_item (GTK_TREE_EXPANDER (focus));

          return todo;  /* held by the row */
        }
    }
  return NULL;
}

/* view.move-focused-up and its kind: what Alt+arrows activate. */
static void
view_move_focused (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CairnTodoView *self = CAIRN_TODO_VIEW (widget);
  CairnTodo *todo = focused_todo (self);

  if (todo != NULL)
    move_task (self, cairn_todo_get_id (todo), move_of_action (action_name));
}

static const char *focused_actions[] = {
  "view.move-task-up-focused", "view.move-task-down-focused",
  "view.indent-task-focused", "view.outdent-task-focused",
};

static void
update_focused_actions (CairnTodoView *self)
{
  gboolean enabled = focused_todo (self) != NULL;

  for (guint i = 0; i < G_N_ELEMENTS (focused_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), focused_actions[i], enabled);
}

static void
follow_root (CairnTodoView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (root == self->root)
    return;
  if (self->root != NULL)
    {
      g_clear_signal_handler (&self->focus_id, self->root);
      g_object_remove_weak_pointer (G_OBJECT (self->root), (gpointer *) &self->root);
    }
  self->root = root;
  if (root != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (root), (gpointer *) &self->root);
      self->focus_id = g_signal_connect_swapped (root, "notify::focus-widget",
                                                 G_CALLBACK (update_focused_actions), self);
    }
  update_focused_actions (self);
}

/* ---- scrolling while dragging near an edge ---- */

#define AUTOSCROLL_EDGE 48.0   /* px from the top or bottom edge */
#define AUTOSCROLL_SPEED 16.0  /* px per frame at the very edge */

static GtkScrolledWindow *
scroller_of (CairnTodoView *self)
{
  return GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (GTK_WIDGET (self->list_view),
                                                       GTK_TYPE_SCROLLED_WINDOW));
}

static gboolean
autoscroll_tick (GtkWidget     *widget,
                 GdkFrameClock *clock,
                 gpointer       user_data)
{
  CairnTodoView *self = CAIRN_TODO_VIEW (widget);
  GtkScrolledWindow *scroller = scroller_of (self);
  GtkAdjustment *adjustment;
  double height, step = 0;

  if (scroller == NULL || self->drag_y < 0)
    {
      self->autoscroll_id = 0;
      return G_SOURCE_REMOVE;
    }
  height = gtk_widget_get_height (GTK_WIDGET (scroller));
  if (self->drag_y < AUTOSCROLL_EDGE)
    step = -AUTOSCROLL_SPEED * (1 - self->drag_y / AUTOSCROLL_EDGE);
  else if (self->drag_y > height - AUTOSCROLL_EDGE)
    step = AUTOSCROLL_SPEED * (1 - (height - self->drag_y) / AUTOSCROLL_EDGE);
  adjustment = gtk_scrolled_window_get_vadjustment (scroller);
  if (step != 0)
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_value (adjustment) + step);
  return G_SOURCE_CONTINUE;
}

static void
on_drag_motion (GtkDropControllerMotion *motion,
                double                   x,
                double                   y,
                CairnTodoView           *self)
{
  self->drag_y = y;
  if (self->autoscroll_id == 0)
    self->autoscroll_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), autoscroll_tick, NULL, NULL);
}

static void
on_drag_leave (GtkDropControllerMotion *motion,
               CairnTodoView           *self)
{
  self->drag_y = -1;
  if (self->autoscroll_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->autoscroll_id);
      self->autoscroll_id = 0;
    }
}

void
_cairn_todo_dnd_init (CairnTodoView *self)
{
  GtkScrolledWindow *scroller = scroller_of (self);
  GtkEventController *motion = gtk_drop_controller_motion_new ();

  g_signal_connect (self, "notify::root", G_CALLBACK (follow_root), NULL);
  update_focused_actions (self);

  /* GTK 4.8 does not scroll a list under a drag: without this, a task
   * could only go as far as the rows on screen. */
  self->drag_y = -1;
  g_signal_connect (motion, "enter", G_CALLBACK (on_drag_motion), self);
  g_signal_connect (motion, "motion", G_CALLBACK (on_drag_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_drag_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (scroller), motion);
}

void
_cairn_todo_dnd_dispose (CairnTodoView *self)
{
  g_signal_handlers_disconnect_by_func (self, follow_root, NULL);
  self->drag_y = -1;
  if (self->autoscroll_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->autoscroll_id);
      self->autoscroll_id = 0;
    }
  if (self->root != NULL)
    {
      g_clear_signal_handler (&self->focus_id, self->root);
      g_object_remove_weak_pointer (G_OBJECT (self->root), (gpointer *) &self->root);
      self->root = NULL;
    }
}

void
_cairn_todo_dnd_class_init (GtkWidgetClass *widget_class)
{
  static const struct { const char *name; guint key; } moves[] = {
    { "move-task-up", GDK_KEY_Up },
    { "move-task-down", GDK_KEY_Down },
    { "indent-task", GDK_KEY_Right },
    { "outdent-task", GDK_KEY_Left },
  };

  for (guint i = 0; i < G_N_ELEMENTS (moves); i++)
    {
      g_autofree char *by_id = g_strconcat ("view.", moves[i].name, NULL);
      g_autofree char *focused = g_strconcat ("view.", moves[i].name, "-focused", NULL);

      gtk_widget_class_install_action (widget_class, by_id, "s", view_move_task);
      gtk_widget_class_install_action (widget_class, focused, NULL, view_move_focused);
      gtk_widget_class_add_binding_action (widget_class, moves[i].key, GDK_ALT_MASK, focused, NULL);
    }
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-todo-view.c: a list's tasks bound to the pool's live models: the
 * top-level tasks, each with its subtasks under it (a GtkTreeListModel
 * whose children are the pool's live model of each task's subtasks),
 * indented by a GtkTreeExpander. */
#define G_LOG_DOMAIN "cairn-todo-view"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-first-rows.h"
#include "cairn-ui.h"
#include "cairn-todo-row.h"
#include "cairn-todo-view.h"
#include "cairn-todo-view-private.h"
#include "cairn-window.h"

G_DEFINE_FINAL_TYPE (CairnTodoView, cairn_todo_view, GTK_TYPE_WIDGET)

/* The find bar filters a list of more rows than this in steps. */
#define INCREMENTAL_ROWS 20000

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
  if (empty && filtered && self->top != NULL && g_list_model_get_n_items (self->top) > 0)
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

/* ---- rows: [drag handle] [expander: indentation, arrow [CairnTodoRow]] ---- */

/* What a bound item follows: its row's children model (while expanded)
 * and its task's subtask count, to show the expander's arrow only on
 * tasks that have subtasks. (A task that loses its last subtask keeps its
 * tree row: the pool does not announce it again, cairn-pool-subtasks.c.) */
typedef struct
{
  GtkTreeListRow *row;
  GListModel     *children;
  CairnTodo      *todo;
  gulong          expanded_id;
  gulong          children_id;
  gulong          subtasks_id;
  GtkWidget      *expander;
} ItemState;

static void
item_state_unbind (ItemState *state)
{
  if (state->children != NULL)
    g_clear_signal_handler (&state->children_id, state->children);
  if (state->row != NULL)
    g_clear_signal_handler (&state->expanded_id, state->row);
  if (state->todo != NULL)
    g_clear_signal_handler (&state->subtasks_id, state->todo);
  g_clear_object (&state->children);
  g_clear_object (&state->row);
  g_clear_object (&state->todo);
}

static void
item_state_free (gpointer data)
{
  ItemState *state = data;

  item_state_unbind (state);
  g_free (state);
}

/* A leaf shows no arrow: a task without subtasks (not expandable: the
 * expander keeps the arrow's place), one whose subtasks are all hidden
 * (completed), or a collapsed one that has lost its last subtask (its
 * count says so). A collapsed row with subtasks keeps its arrow; an empty
 * one that gets collapsed (a click where a leaf's arrow would be) is
 * opened again at once, so that a later subtask shows up under it. */
static void
item_state_update (ItemState *state)
{
  gboolean expandable = gtk_tree_list_row_is_expandable (state->row);
  gboolean expanded = gtk_tree_list_row_get_expanded (state->row);
  GListModel *children = expanded ? gtk_tree_list_row_get_children (state->row) : NULL;
  gboolean leaf;

  if (children != state->children)
    {
      if (state->children != NULL)
        g_clear_signal_handler (&state->children_id, state->children);
      g_set_object (&state->children, children);
      if (children != NULL)
        state->children_id = g_signal_connect_swapped (children, "items-changed",
                                                       G_CALLBACK (item_state_update), state);
    }

  leaf = !expandable ||
         (expanded ? children == NULL || g_list_model_get_n_items (children) == 0
                   : cairn_todo_get_n_subtasks (state->todo) == 0);
  if (leaf)
    gtk_widget_add_css_class (state->expander, "leaf");
  else
    gtk_widget_remove_css_class (state->expander, "leaf");
  /* The arrow (the expander's "expander" child, a button "Expand" to
   * AT-SPI) keeps its place but is neither drawn, clicked nor announced
   * on a leaf. */
  for (GtkWidget *child = gtk_widget_get_first_child (state->expander); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (gtk_widget_get_css_name (child), "expander") == 0)
      {
        gtk_widget_set_child_visible (child, !leaf);
        gtk_accessible_update_state (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_STATE_HIDDEN, leaf, -1);
      }
}

static void
on_row_expanded (GtkTreeListRow *row,
                 GParamSpec     *pspec,
                 ItemState      *state)
{
  if (!gtk_tree_list_row_get_expanded (row) && state->children != NULL &&
      g_list_model_get_n_items (state->children) == 0)
    {
      gtk_tree_list_row_set_expanded (row, TRUE);
      return;
    }
  item_state_update (state);
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           CairnTodoView            *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *handle = gtk_image_new_from_icon_name ("list-drag-handle-symbolic");
  GtkWidget *expander = gtk_tree_expander_new ();
  ItemState *state = g_new0 (ItemState, 1);
  GtkWidget *row;

  gtk_widget_add_css_class (box, "todo-item");
  gtk_widget_add_css_class (handle, "drag-handle");
  gtk_widget_set_valign (handle, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_start (handle, 6);
  gtk_widget_set_tooltip_text (handle, _("Drag to move the task"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (handle),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Drag to move the task"), -1);
  gtk_box_append (GTK_BOX (box), handle);

  row = cairn_todo_row_new (self->pool);
  gtk_widget_set_hexpand (row, TRUE);
  gtk_widget_set_hexpand (expander, TRUE);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), row);
  gtk_box_append (GTK_BOX (box), expander);

  state->expander = expander;
  g_object_set_data_full (G_OBJECT (box), "cairn-item-state", state, item_state_free);
  /* The item a box shows (tests reach the drop handling through it). */
  g_object_set_data (G_OBJECT (box), "cairn-list-item", item);
  _cairn_todo_dnd_setup_item (self, item, box, handle);
  gtk_list_item_set_child (item, box);
  gtk_list_item_set_activatable (item, FALSE);
}

static GtkWidget *
item_expander (GtkListItem *item)
{
  ItemState *state = g_object_get_data (G_OBJECT (gtk_list_item_get_child (item)), "cairn-item-state");

  return state->expander;
}

/* A row widget bound to a new item has its style computed here, hidden
 * for that moment, and not in the next frame.
 *
 * GTK 4.8 passes each row's pending style change on to every later row
 * (gtk_css_node_propagate_pending_changes(): a visible child's change is
 * added to its later siblings'), and a row widget the list view has just
 * made has every change pending. The list view makes one where a dropped
 * task lands on screen (it has no spare widget there), and one at the
 * end of its rows when a drop takes a task out, which it may then move
 * to where the task lands. Either way, in the drop's frame all ~200 rows
 * after it were styled again: some 1,400 style nodes, 5-8 ms
 * (BENCHMARKS.md, *Drag and drop, session 10*).
 *
 * Computing the row's style asks its parent to pass its pending changes
 * on first, so it must not be visible then: a hidden row's change is not
 * passed on. Shown again, it gives the later rows only the change of a
 * row appearing before them, which their styles do not depend on. A row
 * bound again to another item (GTK moves row widgets about) has its
 * style already: it is only hidden and shown. */
static void
style_new_row_now (GtkListItem *item)
{
  GtkWidget *list_row = gtk_widget_get_parent (gtk_list_item_get_child (item));
  GdkRGBA color;

  if (list_row == NULL || gtk_widget_get_root (list_row) == NULL ||
      !gtk_widget_get_visible (list_row))
    return;
  gtk_widget_set_visible (list_row, FALSE);
  gtk_style_context_get_color (gtk_widget_get_style_context (list_row), &color);
  gtk_widget_set_visible (list_row, TRUE);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          CairnTodoView            *self)
{
  GtkWidget *expander = item_expander (item);
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  ItemState *state = g_object_get_data (G_OBJECT (gtk_list_item_get_child (item)), "cairn-item-state");

  /* Bound again to the row it kept (see unbind_row()): nothing to do. */
  if (state->row == row)
    return;
  item_state_unbind (state);
  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (expander), row);
  state->todo = gtk_tree_list_row_get_item (row);
  cairn_todo_row_set_todo (CAIRN_TODO_ROW (gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander))),
                           state->todo);
  state->row = g_object_ref (row);
  style_new_row_now (item);
  state->expanded_id = g_signal_connect (row, "notify::expanded", G_CALLBACK (on_row_expanded), state);
  state->subtasks_id = g_signal_connect_swapped (state->todo, "notify::n-subtasks",
                                                 G_CALLBACK (item_state_update), state);
  item_state_update (state);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            CairnTodoView            *self)
{
  GtkWidget *expander = item_expander (item);
  ItemState *state = g_object_get_data (G_OBJECT (gtk_list_item_get_child (item)), "cairn-item-state");

  /* The row keeps its task, tree row and what it follows: GTK 4.8's
   * list view unbinds and binds again most rows on screen when one moves
   * (some 200 per drop), mostly to the same item, and binding the same
   * item again is then free, while setting a title or an expander's row
   * is not. */
  (void) expander;
  (void) state;
}

/* The subtasks of a task, live; hidden completed ones as the view says.
 * Only for a task that has some (the pool counts them): a model for each
 * of a thousand tasks was a third of the start-up. A task that gets its
 * first subtask is announced again by the pool's model, and the tree
 * asks again; one that loses its last keeps its (now empty) children
 * model, and its row hides the arrow (item_state_update()). */
static GListModel *
create_subtasks (gpointer item,
                 gpointer user_data)
{
  CairnTodoView *self = user_data;
  GListModel *children;

  if (cairn_todo_get_n_subtasks (item) == 0)
    return NULL;
  children = cairn_pool_get_subtasks (self->pool, cairn_todo_get_id (item));

  cairn_todo_model_set_show_completed (children, self->show_completed);
  return children;
}

/* Whatever needs every row (the find bar, looking a task up, a drop,
 * revealing a task) asks for them all first: the view's models start
 * with the first screenful (cairn-first-rows.h). */
void
_cairn_todo_view_show_all_rows (CairnTodoView *self)
{
  if (self->first_rows != NULL)
    cairn_first_rows_show_all (self->first_rows);
}

GtkTreeListRow *
_cairn_todo_view_find_row (CairnTodoView *self,
                           const char    *todo_id,
                           guint         *position)
{
  guint n;

  /* Positions are the list view's: in the rows the find bar shows. */
  if (self->shown == NULL)
    return NULL;
  _cairn_todo_view_show_all_rows (self);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->shown));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (self->shown), i);
      CairnTodo *todo = gtk_tree_list_row_get_item (row);
      gboolean found = g_str_equal (cairn_todo_get_id (todo), todo_id);

      g_object_unref (todo);
      if (found)
        {
          if (position != NULL)
            *position = i;
          return g_steal_pointer (&row);
        }
    }
  return NULL;
}

/* The find bar's filter is over todos; the list view shows tree rows. */
static gboolean
row_matches (gpointer item,
             gpointer user_data)
{
  CairnTodoView *self = user_data;
  g_autoptr(CairnTodo) todo = gtk_tree_list_row_get_item (item);

  return self->filter == NULL || gtk_filter_match (self->filter, todo);
}

/* The rows are filtered only while the find bar's filter can leave one
 * out: an empty find bar shows the list as it is, at once (a filter that
 * matches all would still be applied in steps, emptying the list first). */
static void
apply_filter (CairnTodoView   *self,
              GtkFilterChange  change)
{
  GtkFilter *want = NULL;

  if (self->shown == NULL)
    return;
  if (self->filter != NULL && gtk_filter_get_strictness (self->filter) != GTK_FILTER_MATCH_ALL)
    {
      want = self->row_filter;
      _cairn_todo_view_show_all_rows (self);
    }
  /* In one go up to INCREMENTAL_ROWS rows (well under a millisecond per
   * thousand): in steps of 512 between frames, 10,000 rows took some
   * 130 ms to the last step painted. A list longer than that is filtered
   * in steps, the main loop running between. */
  gtk_filter_list_model_set_incremental (self->shown,
                                         g_list_model_get_n_items (G_LIST_MODEL (self->tree)) > INCREMENTAL_ROWS);
  if (gtk_filter_list_model_get_filter (self->shown) != want)
    gtk_filter_list_model_set_filter (self->shown, want);
  else if (want != NULL)
    gtk_filter_changed (self->row_filter, change);
}

static void
on_filter_changed (GtkFilter       *filter,
                   GtkFilterChange  change,
                   CairnTodoView   *self)
{
  apply_filter (self, change);
}

static void
cairn_todo_view_dispose (GObject *object)
{
  CairnTodoView *self = CAIRN_TODO_VIEW (object);

  cairn_todo_view_set_list_id (self, NULL);
  cairn_todo_view_set_filter (self, NULL);
  g_clear_object (&self->row_filter);
  _cairn_todo_dnd_dispose (self);
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
  _cairn_todo_dnd_class_init (widget_class);
}

static void
cairn_todo_view_init (CairnTodoView *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  self->show_completed = TRUE;
  self->row_filter = GTK_FILTER (gtk_custom_filter_new (row_matches, self, NULL));
  gtk_widget_init_template (GTK_WIDGET (self));
  cairn_ui_limit_title_entry (self->new_entry);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), self);
  gtk_list_view_set_factory (self->list_view, factory);
  _cairn_todo_dnd_init (self);
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

  if (self->top != NULL)
    {
      g_clear_signal_handler (&self->items_changed_id, self->shown);
      gtk_list_view_set_model (self->list_view, NULL);
      g_clear_object (&self->shown);
      g_clear_object (&self->first_rows);
      g_clear_object (&self->tree);
      g_clear_object (&self->top);
    }
  g_clear_pointer (&self->list_id, g_free);

  if (list_id != NULL && self->pool != NULL)
    {
      g_autoptr(GtkNoSelection) selection = NULL;

      self->list_id = g_strdup (list_id);
      self->top = cairn_pool_get_top_todos (self->pool, list_id);
      cairn_todo_model_set_show_completed (self->top, self->show_completed);
      /* Every task open: a subtask is where its parent is, and moving a
       * task (which takes it out and puts it back) keeps it open. */
      self->tree = gtk_tree_list_model_new (g_object_ref (self->top), FALSE, TRUE,
                                            create_subtasks, self, NULL);
      /* The find bar's filter, over the tree's rows (a subtask that
       * matches shows under its place even when its parent does not). */
      /* The first screenful until it is painted, then the rest. */
      self->first_rows = cairn_first_rows_new (g_object_ref (G_LIST_MODEL (self->tree)),
                                               GTK_WIDGET (self->list_view));
      self->shown = gtk_filter_list_model_new (g_object_ref (self->first_rows), NULL);
      self->items_changed_id =
        g_signal_connect_swapped (self->shown, "items-changed",
                                  G_CALLBACK (update_placeholder), self);
      g_signal_connect_object (self->shown, "notify::pending",
                               G_CALLBACK (update_placeholder), self, G_CONNECT_SWAPPED);
      apply_filter (self, GTK_FILTER_CHANGE_DIFFERENT);
      selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->shown)));
      gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
    }

  gtk_editable_set_text (GTK_EDITABLE (self->new_entry), "");
  gtk_widget_remove_css_class (GTK_WIDGET (self->new_entry), "error");
  update_placeholder (self);
}

void
cairn_todo_view_park (CairnTodoView *self)
{
  g_return_if_fail (CAIRN_IS_TODO_VIEW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->new_entry), "");
  gtk_widget_remove_css_class (GTK_WIDGET (self->new_entry), "error");
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
  if (self->top != NULL)
    cairn_todo_model_set_show_completed (self->top, show_completed);
  /* And the subtasks of each open task: a model changed here inserts or
   * removes rows after its own, which the walk then reaches. */
  for (guint i = 0; self->tree != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (self->tree)); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (self->tree), i);
      GListModel *children = gtk_tree_list_row_get_children (row);

      if (children != NULL)
        cairn_todo_model_set_show_completed (children, show_completed);
    }
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
    {
      g_signal_handlers_disconnect_by_func (self->filter, update_placeholder, self);
      g_signal_handlers_disconnect_by_func (self->filter, on_filter_changed, self);
    }
  g_set_object (&self->filter, filter);
  apply_filter (self, GTK_FILTER_CHANGE_DIFFERENT);
  if (self->filter != NULL)
    {
      g_signal_connect_object (self->filter, "changed",
                               G_CALLBACK (on_filter_changed), self, 0);
      g_signal_connect_object (self->filter, "changed",
                               G_CALLBACK (update_placeholder), self,
                               G_CONNECT_SWAPPED | G_CONNECT_AFTER);
    }
  update_placeholder (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
}

/* Scrolled to, a row is made at the next layout: focus it then. */
typedef struct
{
  CairnTodoView *view;
  char          *todo_id;
  guint          position;
  guint          frames;
} Reveal;

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
  GtkWidget *row = _cairn_todo_view_find_row_widget (GTK_WIDGET (reveal->view->list_view),
                                                    reveal->todo_id);

  graphene_rect_t bounds;

  /* On screen: GTK 4.8's list view maps its 200 rows wherever they are. */
  if (row != NULL && gtk_widget_get_mapped (row) &&
      gtk_widget_compute_bounds (row, widget, &bounds) &&
      bounds.origin.y + bounds.size.height > 0 && bounds.origin.y < gtk_widget_get_height (widget))
    {
      /* The row itself takes the focus (it is focusable: Enter on it
       * opens its details); the list item around it follows. */
      gtk_widget_grab_focus (row);
      return G_SOURCE_REMOVE;
    }
  /* The list view scrolls only to an item whose place it knows: a list
   * opened just before had not been laid out. Again, now that it has. */
  if (reveal->view->shown != NULL &&
      reveal->position < g_list_model_get_n_items (G_LIST_MODEL (reveal->view->shown)))
    gtk_widget_activate_action (widget, "list.scroll-to-item", "u", reveal->position);
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
  _cairn_todo_view_show_all_rows (self);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->shown));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (G_LIST_MODEL (self->shown), i);
      g_autoptr(CairnTodo) todo = gtk_tree_list_row_get_item (row);

      if (!g_str_equal (cairn_todo_get_id (todo), todo_id))
        continue;
      gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", i);
      reveal = g_new0 (Reveal, 1);
      reveal->view = self;
      reveal->todo_id = g_strdup (todo_id);
      reveal->position = i;
      gtk_widget_add_tick_callback (GTK_WIDGET (self->list_view), reveal_tick, reveal, reveal_free);
      return TRUE;
    }
  return FALSE;
}

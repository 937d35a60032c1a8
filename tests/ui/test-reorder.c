/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-reorder.c: subtasks shown under their parent, and reordering by
 * drag and drop and Alt+arrows, through the real list view of the main
 * window over a real store. Drops are synthesised through the rows'
 * GtkDropTarget (its ::drop with the CairnTodo a drag brings) and the
 * hover handling its ::motion calls. */
#include "config.h"

#include <string.h>

#include "cairn-store-private.h"
#include "cairn-todo-row.h"
#include "cairn-todo-view.h"
#include "cairn-todo-view-private.h"
#include "cairn-ui.h"
#include "cairn-ui-test.h"
#include "cairn-window.h"
#include "store-test-util.h"

typedef struct
{
  char        *dir;
  CairnStore  *store;
  CairnPool   *pool;
  GSettings   *settings;
  CairnWindow *window;
  char        *list_id;
  /* A (A1, A2), B, C */
  char        *a, *a1, *a2, *b, *c;
} Fixture;

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static char *
add (Fixture    *f,
     const char *parent,
     const char *title)
{
  g_autoptr(GError) error = NULL;
  char *id = parent == NULL ? cairn_store_create_todo (f->store, f->list_id, title, NULL, NULL, &error)
                            : cairn_store_create_subtask (f->store, f->list_id, parent, title, NULL, NULL, &error);

  g_assert_no_error (error);
  return id;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("cairn-ui-reorder-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = test_store_open_at (f->dir, "local.db");
  f->pool = cairn_pool_new (f->store);
  f->settings = cairn_test_settings_new ();
  f->list_id = cairn_store_create_list (f->store, "Garden", &error);
  g_assert_no_error (error);
  f->a = add (f, NULL, "A");
  f->a1 = add (f, f->a, "A1");
  f->a2 = add (f, f->a, "A2");
  f->b = add (f, NULL, "B");
  f->c = add (f, NULL, "C");

  f->window = cairn_window_new (NULL, f->settings, f->pool);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (cairn_test_wait_until (is_mapped, f->window));
  cairn_window_select_page (f->window, f->list_id);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  cairn_test_spin (10);
  g_clear_object (&f->pool);
  g_clear_object (&f->store);
  g_clear_object (&f->settings);
  cairn_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->list_id);
  g_free (f->a);
  g_free (f->a1);
  g_free (f->a2);
  g_free (f->b);
  g_free (f->c);
}

/* ---- what the view shows ---- */

static CairnTodoView *
view_of (Fixture *f)
{
  GtkWidget *view = cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_TODO_VIEW, NULL);

  g_assert_nonnull (view);
  return CAIRN_TODO_VIEW (view);
}

/* The rows of the list view in order, ">" per level: "A >A1 >A2 B C". */
static char *
shown_order (Fixture *f)
{
  GListModel *rows = G_LIST_MODEL (gtk_list_view_get_model (view_of (f)->list_view));
  GString *out = g_string_new (NULL);

  for (guint i = 0; rows != NULL && i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (rows, i);
      g_autoptr(CairnTodo) todo = gtk_tree_list_row_get_item (row);

      if (i > 0)
        g_string_append_c (out, ' ');
      for (guint d = 0; d < gtk_tree_list_row_get_depth (row); d++)
        g_string_append_c (out, '>');
      g_string_append (out, cairn_todo_get_title (todo));
    }
  return g_string_free (out, FALSE);
}

typedef struct
{
  Fixture    *f;
  const char *expected;
} OrderQuery;

static gboolean
order_is (gpointer data)
{
  OrderQuery *q = data;
  g_autofree char *got = shown_order (q->f);

  return g_str_equal (got, q->expected);
}

#define assert_order(f, expected) G_STMT_START {                       \
    OrderQuery q__ = { (f), (expected) };                               \
    if (!cairn_test_wait_until (order_is, &q__))                        \
      {                                                                 \
        g_autofree char *got__ = shown_order (f);                       \
        g_assert_cmpstr (got__, ==, expected);                          \
      }                                                                 \
  } G_STMT_END

/* The item box (handle, expander, row) around a row. */
static GtkWidget *
item_box_of (GtkWidget *row)
{
  GtkWidget *box = row;

  while (box != NULL && !gtk_widget_has_css_class (box, "todo-item"))
    box = gtk_widget_get_parent (box);
  g_assert_nonnull (box);
  return box;
}

static GtkListItem *
list_item_of (GtkWidget *row)
{
  GtkListItem *item = g_object_get_data (G_OBJECT (item_box_of (row)), "cairn-list-item");

  g_assert_nonnull (item);
  return item;
}

static gpointer
controller_of (GtkWidget *widget,
               GType      type)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (controller, type))
        return controller;  /* held by the widget */
    }
  return NULL;
}

/* A drop of `dragged` on the row titled `title`, at `fraction` of its
 * height, through the row's GtkDropTarget as GTK emits it. */
static gboolean
drop_on (Fixture    *f,
         const char *dragged,
         const char *title,
         double      fraction)
{
  GtkWidget *box = item_box_of (cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), title));
  GtkDropTarget *target = controller_of (box, GTK_TYPE_DROP_TARGET);
  g_auto(GValue) value = G_VALUE_INIT;
  gboolean handled = FALSE;

  g_assert_nonnull (target);
  g_assert_cmpint (gtk_widget_get_height (box), >, 0);
  g_value_init (&value, CAIRN_TYPE_TODO);
  g_value_set_object (&value, cairn_pool_lookup_todo (f->pool, dragged));
  g_signal_emit_by_name (target, "drop", &value, 10.0, fraction * gtk_widget_get_height (box), &handled);
  return handled;
}

/* What hovering `dragged` there shows: "before", "into", "after" or ""
 * (refused: no indicator), checking the action agrees. */
static const char *
hover_on (Fixture    *f,
          const char *dragged,
          const char *title,
          double      fraction)
{
  GtkWidget *row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), title);
  GtkWidget *box = item_box_of (row);
  GdkDragAction action;
  const char *shown = "";

  action = _cairn_todo_dnd_hover (view_of (f), list_item_of (row),
                                  cairn_pool_lookup_todo (f->pool, dragged),
                                  fraction * gtk_widget_get_height (box));
  if (gtk_widget_has_css_class (box, "drop-before"))
    shown = "before";
  else if (gtk_widget_has_css_class (box, "drop-into"))
    shown = "into";
  else if (gtk_widget_has_css_class (box, "drop-after"))
    shown = "after";
  g_assert_cmpint (action == GDK_ACTION_MOVE, ==, shown[0] != '\0');
  return shown;
}

/* Whether the expander arrow of a row is drawn (and clickable): the
 * expander's "expander" child, mapped. */
static gboolean
arrow_shown (GtkWidget *row)
{
  GtkWidget *expander = gtk_widget_get_ancestor (row, GTK_TYPE_TREE_EXPANDER);

  for (GtkWidget *child = gtk_widget_get_first_child (expander); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (gtk_widget_get_css_name (child), "expander") == 0)
      return gtk_widget_get_mapped (child);
  return FALSE;
}

typedef struct
{
  Fixture    *f;
  const char *title;
  gboolean    shown;
} ArrowQuery;

static gboolean
arrow_is (gpointer data)
{
  ArrowQuery *q = data;
  GtkWidget *row = cairn_test_wait_for_todo_row (GTK_WIDGET (q->f->window), q->title);
  GtkWidget *expander = gtk_widget_get_ancestor (row, GTK_TYPE_TREE_EXPANDER);

  return arrow_shown (row) == q->shown &&
         gtk_widget_has_css_class (expander, "leaf") == !q->shown;
}

/* Waits until the row titled `title` shows its arrow (or shows none, and
 * is a leaf), as the next frames draw it. */
static gboolean
wait_for_arrow (Fixture    *f,
                const char *title,
                gboolean    shown)
{
  ArrowQuery q = { f, title, shown };

  return cairn_test_wait_until (arrow_is, &q);
}

/* ---- tests ---- */

/* Subtasks are listed under their parent, indented, with an expander
 * arrow on a task that has subtasks and none on one without. */
static void
test_subtasks_indented (Fixture       *f,
                        gconstpointer  data)
{
  GtkWidget *a, *a1, *b;
  graphene_point_t pa, pa1, pb;
  GtkWidget *list_view;
  g_autoptr(GError) error = NULL;
  g_autofree char *b1 = NULL;
  g_autofree char *b2 = NULL;

  assert_order (f, "A >A1 >A2 B C");
  a = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "A");
  a1 = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "A1");
  b = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "B");
  list_view = GTK_WIDGET (view_of (f)->list_view);
  g_assert_true (gtk_widget_compute_point (a, list_view, &GRAPHENE_POINT_INIT (0, 0), &pa));
  g_assert_true (gtk_widget_compute_point (a1, list_view, &GRAPHENE_POINT_INIT (0, 0), &pa1));
  g_assert_true (gtk_widget_compute_point (b, list_view, &GRAPHENE_POINT_INIT (0, 0), &pb));
  g_assert_cmpfloat (pa1.x, >=, pa.x + 12);
  g_assert_cmpfloat (pa.x, ==, pb.x);
  g_assert_cmpfloat (pa1.y, >, pa.y);
  g_assert_cmpfloat (pb.y, >, pa1.y);

  g_assert_false (gtk_widget_has_css_class (gtk_widget_get_ancestor (a, GTK_TYPE_TREE_EXPANDER), "leaf"));
  g_assert_true (gtk_widget_has_css_class (gtk_widget_get_ancestor (a1, GTK_TYPE_TREE_EXPANDER), "leaf"));
  g_assert_true (gtk_widget_has_css_class (gtk_widget_get_ancestor (b, GTK_TYPE_TREE_EXPANDER), "leaf"));
  g_assert_true (arrow_shown (a));
  g_assert_false (arrow_shown (a1));
  g_assert_false (arrow_shown (b));

  /* B gets its first subtask: its arrow appears, the subtask under it. */
  b1 = add (f, f->b, "B1");
  assert_order (f, "A >A1 >A2 B >B1 C");
  b = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "B");
  g_assert_false (gtk_widget_has_css_class (gtk_widget_get_ancestor (b, GTK_TYPE_TREE_EXPANDER), "leaf"));
  g_assert_true (arrow_shown (b));

  /* And loses it: the arrow goes (B is a leaf again; it keeps its row and
   * its empty children model), and a later subtask shows under it again. */
  g_assert_true (cairn_store_delete_todo (f->store, b1, &error));
  g_assert_no_error (error);
  assert_order (f, "A >A1 >A2 B C");
  g_assert_true (wait_for_arrow (f, "B", FALSE));
  b2 = add (f, f->b, "B2");
  assert_order (f, "A >A1 >A2 B >B2 C");
  g_assert_true (wait_for_arrow (f, "B", TRUE));

  /* Collapsed, it keeps its arrow; losing its subtask there takes the
   * arrow away too (its count says so: a collapsed row has no children
   * model to say it), and a new one brings it back. */
  b = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "B");
  g_assert_true (gtk_widget_activate_action (gtk_widget_get_ancestor (b, GTK_TYPE_TREE_EXPANDER),
                                             "listitem.collapse", NULL));
  assert_order (f, "A >A1 >A2 B C");
  g_assert_true (wait_for_arrow (f, "B", TRUE));
  g_assert_true (cairn_store_delete_todo (f->store, b2, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for_arrow (f, "B", FALSE));
  g_free (add (f, f->b, "B3"));
  g_assert_true (wait_for_arrow (f, "B", TRUE));
  /* Its arrow opens it, showing the new one. */
  b = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "B");
  g_assert_true (gtk_widget_activate_action (gtk_widget_get_ancestor (b, GTK_TYPE_TREE_EXPANDER),
                                             "listitem.expand", NULL));
  assert_order (f, "A >A1 >A2 B >B3 C");
}

static void
test_expand_collapse (Fixture       *f,
                      gconstpointer  data)
{
  GtkTreeExpander *expander;

  assert_order (f, "A >A1 >A2 B C");
  expander = GTK_TREE_EXPANDER (gtk_widget_get_ancestor (cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "A"), GTK_TYPE_TREE_EXPANDER));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (expander), "listitem.collapse", NULL));
  assert_order (f, "A B C");
  expander = GTK_TREE_EXPANDER (gtk_widget_get_ancestor (cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "A"), GTK_TYPE_TREE_EXPANDER));
  /* A collapsed task with subtasks keeps its arrow. */
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (expander), "leaf"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (expander), "listitem.expand", NULL));
  assert_order (f, "A >A1 >A2 B C");

  /* Collapsing a task without subtasks (a click where its hidden arrow
   * is) does nothing: it has no children to hide, and a subtask added
   * later shows under it. */
  expander = GTK_TREE_EXPANDER (gtk_widget_get_ancestor (cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "C"), GTK_TYPE_TREE_EXPANDER));
  g_assert_false (gtk_tree_list_row_is_expandable (gtk_tree_expander_get_list_row (expander)));
  gtk_widget_activate_action (GTK_WIDGET (expander), "listitem.collapse", NULL);
  g_free (add (f, f->c, "C1"));
  assert_order (f, "A >A1 >A2 B C >C1");
}

static void
test_drop_before_after_into (Fixture       *f,
                             gconstpointer  data)
{
  assert_order (f, "A >A1 >A2 B C");

  g_assert_true (drop_on (f, f->c, "A", 0.1));
  assert_order (f, "C A >A1 >A2 B");
  g_assert_true (drop_on (f, f->c, "B", 0.9));
  assert_order (f, "A >A1 >A2 B C");

  /* Before and after a subtask: under the same parent. */
  g_assert_true (drop_on (f, f->c, "A2", 0.1));
  assert_order (f, "A >A1 >C >A2 B");
  g_assert_cmpstr (cairn_todo_get_parent_id (cairn_pool_lookup_todo (f->pool, f->c)), ==, f->a);
  g_assert_true (drop_on (f, f->a1, "A2", 0.9));
  assert_order (f, "A >C >A2 >A1 B");

  /* The middle: its last subtask; a subtree moves whole. */
  g_assert_true (drop_on (f, f->b, "C", 0.5));
  assert_order (f, "A >C >>B >A2 >A1");
  g_assert_true (drop_on (f, f->a2, "B", 0.5));
  assert_order (f, "A >C >>B >>>A2 >A1");
  g_assert_true (drop_on (f, f->c, "A", 0.9));
  assert_order (f, "A >A1 C >B >>A2");
  g_assert_cmpstr (cairn_todo_get_parent_id (cairn_pool_lookup_todo (f->pool, f->a2)), ==, f->b);
  g_assert_null (cairn_todo_get_parent_id (cairn_pool_lookup_todo (f->pool, f->c)));
}

/* The indicator while hovering; drops that would make a cycle or come
 * from another list show none and change nothing. */
static void
test_refused_drops (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *other_list = cairn_store_create_list (f->store, "Elsewhere", &error);
  g_autofree char *stranger = cairn_store_create_todo (f->store, other_list, "Stranger", NULL, NULL, &error);
  g_autofree char *state = NULL;
  g_autofree char *after = NULL;

  g_assert_no_error (error);
  assert_order (f, "A >A1 >A2 B C");
  g_assert_cmpstr (hover_on (f, f->c, "A", 0.1), ==, "before");
  g_assert_cmpstr (hover_on (f, f->c, "A", 0.5), ==, "into");
  g_assert_cmpstr (hover_on (f, f->c, "A", 0.9), ==, "after");

  /* A onto its own subtask, or onto itself: a cycle, refused. */
  g_assert_cmpstr (hover_on (f, f->a, "A1", 0.5), ==, "");
  g_assert_cmpstr (hover_on (f, f->a, "A1", 0.1), ==, "");
  g_assert_cmpstr (hover_on (f, f->a, "A", 0.5), ==, "");
  /* A task of another list. */
  g_assert_cmpstr (hover_on (f, stranger, "B", 0.5), ==, "");

  state = cairn_store_dump_state (f->store, &error);
  g_assert_no_error (error);
  g_assert_false (drop_on (f, f->a, "A1", 0.5));
  g_assert_false (drop_on (f, f->a, "A2", 0.9));
  g_assert_false (drop_on (f, stranger, "B", 0.5));
  after = cairn_store_dump_state (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after, ==, state);
  assert_order (f, "A >A1 >A2 B C");
}

/* A move the store refuses (the task deleted meanwhile) is told in a
 * toast in the user's words, not the store's. */
static void
test_refused_move_toast (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnTodo) c = g_object_ref (cairn_pool_lookup_todo (f->pool, f->c));
  GtkWidget *box = item_box_of (cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "A"));
  CairnTestLabelQuery toast = { GTK_WIDGET (f->window), "Could not move the task: it was deleted on another device",
                                CAIRN_TEST_LABEL_IS };
  g_auto(GValue) value = G_VALUE_INIT;
  gboolean handled = TRUE;

  g_assert_true (cairn_store_delete_todo (f->store, f->c, &error));
  g_assert_no_error (error);
  g_value_init (&value, CAIRN_TYPE_TODO);
  g_value_set_object (&value, c);
  g_signal_emit_by_name (controller_of (box, GTK_TYPE_DROP_TARGET), "drop", &value,
                         10.0, 0.1 * gtk_widget_get_height (box), &handled);
  g_assert_false (handled);
  g_assert_true (cairn_test_wait_until (cairn_test_label_shown, &toast));
  assert_order (f, "A >A1 >A2 B");
}

typedef struct
{
  GtkWindow *window;
  GtkWidget *row;
} FocusQuery;

static gboolean
focus_in_row (gpointer data)
{
  FocusQuery *q = data;
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (q->window));

  return focus != NULL && gtk_widget_is_ancestor (focus, q->row);
}

/* The action of the view's shortcut Alt+key (transfer none), or NULL. */
static GtkShortcutAction *
shortcut_for (CairnTodoView *view,
              guint          key)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (view));

  for (guint c = 0; c < g_list_model_get_n_items (controllers); c++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, c);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (controller)); i++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), i);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == key &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == GDK_ALT_MASK)
            return gtk_shortcut_get_action (shortcut);  /* held by the shortcut */
        }
    }
  return NULL;
}

/* Alt+arrows: the actions they activate, and the shortcuts mapping them. */
static void
test_alt_arrows (Fixture       *f,
                 gconstpointer  data)
{
  CairnTodoView *view = view_of (f);
  static const struct { guint key; const char *action; } keys[] = {
    { GDK_KEY_Up, "view.move-task-up-focused" },
    { GDK_KEY_Down, "view.move-task-down-focused" },
    { GDK_KEY_Right, "view.indent-task-focused" },
    { GDK_KEY_Left, "view.outdent-task-focused" },
  };
  GtkShortcutController *shortcuts = NULL;
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (view));
  FocusQuery focus = { GTK_WINDOW (f->window), NULL };
  GtkWidget *entry;

  assert_order (f, "A >A1 >A2 B C");

  /* By id, as a menu or AT-SPI would. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.move-task-up", "s", f->c));
  assert_order (f, "A >A1 >A2 C B");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.move-task-down", "s", f->a));
  assert_order (f, "C A >A1 >A2 B");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.indent-task", "s", f->b));
  assert_order (f, "C A >A1 >A2 >B");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "view.outdent-task", "s", f->a1));
  assert_order (f, "C A >A2 >B A1");
  /* Nowhere to go: nothing changes. */
  gtk_widget_activate_action (GTK_WIDGET (view), "view.move-task-up", "s", f->c);
  gtk_widget_activate_action (GTK_WIDGET (view), "view.outdent-task", "s", f->c);
  gtk_widget_activate_action (GTK_WIDGET (view), "view.indent-task", "s", f->a2);
  gtk_widget_activate_action (GTK_WIDGET (view), "view.move-task-down", "s", f->b);
  cairn_test_spin (50);
  assert_order (f, "C A >A2 >B A1");

  /* The focused task, focus kept on it. */
  focus.row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "B");
  entry = cairn_test_find_widget (focus.row, GTK_TYPE_ENTRY, "title_entry");
  gtk_widget_grab_focus (entry);
  g_assert_true (cairn_test_wait_until (focus_in_row, &focus));
  g_assert_true (gtk_widget_activate_action (entry, "view.move-task-up-focused", NULL));
  assert_order (f, "C A >B >A2 A1");
  focus.row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "B");
  g_assert_true (cairn_test_wait_until (focus_in_row, &focus));
  g_assert_true (gtk_widget_activate_action (entry = gtk_root_get_focus (GTK_ROOT (f->window)),
                                             "view.outdent-task-focused", NULL));
  assert_order (f, "C A >A2 B A1");
  focus.row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "B");
  g_assert_true (cairn_test_wait_until (focus_in_row, &focus));
  g_assert_true (gtk_widget_activate_action (gtk_root_get_focus (GTK_ROOT (f->window)),
                                             "view.indent-task-focused", NULL));
  assert_order (f, "C A >A2 >B A1");
  focus.row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "B");
  g_assert_true (cairn_test_wait_until (focus_in_row, &focus));
  /* Moving did not select the title (typing would replace it). */
  {
    int start, end;

    entry = cairn_test_find_widget (focus.row, GTK_TYPE_ENTRY, "title_entry");
    g_assert_false (gtk_editable_get_selection_bounds (GTK_EDITABLE (entry), &start, &end));
  }

  /* With the focus out of the tasks (the new-task entry), the -focused
   * moves are off, so Alt+Left goes on to the leaflet's Back. */
  gtk_widget_grab_focus (GTK_WIDGET (view->new_entry));
  g_assert_false (gtk_shortcut_action_activate (shortcut_for (view, GDK_KEY_Left), 0, GTK_WIDGET (view), NULL));
  g_assert_false (gtk_shortcut_action_activate (shortcut_for (view, GDK_KEY_Up), 0, GTK_WIDGET (view), NULL));
  assert_order (f, "C A >A2 >B A1");
  /* Back in a task, the same shortcut action moves it. */
  entry = cairn_test_find_widget (cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "B"), GTK_TYPE_ENTRY, "title_entry");
  gtk_widget_grab_focus (entry);
  g_assert_true (gtk_shortcut_action_activate (shortcut_for (view, GDK_KEY_Left), 0, GTK_WIDGET (view), NULL));
  assert_order (f, "C A >A2 B A1");

  /* The view's shortcuts map Alt+arrows to those actions. */
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_SHORTCUT_CONTROLLER (controller))
        shortcuts = GTK_SHORTCUT_CONTROLLER (controller);
    }
  g_assert_nonnull (shortcuts);
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      gboolean found = FALSE;

      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (shortcuts)); i++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (shortcuts), i);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keys[k].key &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == GDK_ALT_MASK)
            {
              g_assert_true (GTK_IS_NAMED_ACTION (action));
              g_assert_cmpstr (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), ==, keys[k].action);
              found = TRUE;
            }
        }
      g_assert_true (found);
    }
}

/* The events pending in `from`, numbered as the server would. */
static GPtrArray *
take_as_server (CairnStore *from,
                gint64      first_seq)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *events = cairn_store_list_pending (from, 0, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    ((CairnEvent *) events->pdata[i])->seq = first_seq + i;
  return events;
}

/* Another device reorders and indents: the open list follows. */
static void
test_remote_reorder (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) remote = test_store_open_at (f->dir, "remote.db");
  g_autoptr(GPtrArray) ours = NULL;
  g_autoptr(GPtrArray) theirs = NULL;
  gint64 head;

  /* Our set-up reaches the server and the other device first. */
  ours = take_as_server (f->store, 1);
  head = ours->len;
  cairn_store_rebase (f->store, ours, "h1", &error);
  g_assert_no_error (error);
  cairn_store_rebase (remote, ours, "h1", &error);
  g_assert_no_error (error);
  assert_order (f, "A >A1 >A2 B C");

  g_assert_true (cairn_store_move_todo_under (remote, f->c, NULL, NULL, f->a, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (cairn_store_move_todo_under (remote, f->b, NULL, f->a, f->a2, NULL, &error));
  g_assert_no_error (error);
  theirs = take_as_server (remote, head + 1);
  cairn_store_rebase (f->store, theirs, NULL, &error);
  g_assert_no_error (error);
  assert_order (f, "C A >A1 >B >A2");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "B");
}

/* The drag starts on the handle, outside the title entry (so a press in
 * the title places the cursor and a drag there selects text, as in any
 * entry, and dragging by the handle selects nothing); what it offers is
 * the CairnTodo itself. */
static void
test_drag_source (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "B");
  GtkWidget *box = item_box_of (row);
  GtkWidget *entry = cairn_test_find_widget (row, GTK_TYPE_ENTRY, "title_entry");
  GtkWidget *handle = NULL;
  GtkDragSource *source;
  g_autoptr(GdkContentProvider) content = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  int start, end;

  for (GtkWidget *child = gtk_widget_get_first_child (box); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_has_css_class (child, "drag-handle"))
      handle = child;
  g_assert_nonnull (handle);
  g_assert_false (gtk_widget_is_ancestor (handle, entry));
  g_assert_false (gtk_widget_is_ancestor (entry, handle));
  source = controller_of (handle, GTK_TYPE_DRAG_SOURCE);
  g_assert_nonnull (source);
  g_assert_null (controller_of (row, GTK_TYPE_DRAG_SOURCE));
  g_assert_null (controller_of (entry, GTK_TYPE_DRAG_SOURCE));

  g_signal_emit_by_name (source, "prepare", 5.0, 5.0, &content);
  g_assert_nonnull (content);
  g_value_init (&value, CAIRN_TYPE_TODO);
  g_assert_true (gdk_content_provider_get_value (content, &value, &error));
  g_assert_no_error (error);
  g_assert_true (g_value_get_object (&value) == cairn_pool_lookup_todo (f->pool, f->b));

  /* Its drop lands, and the title shows no selection. */
  g_assert_true (drop_on (f, f->b, "A", 0.1));
  assert_order (f, "B A >A1 >A2 C");
  row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "B");
  entry = cairn_test_find_widget (row, GTK_TYPE_ENTRY, "title_entry");
  g_assert_false (gtk_editable_get_selection_bounds (GTK_EDITABLE (entry), &start, &end));
}

static gboolean
is_menu_item (GtkWidget     *widget,
              gconstpointer  text)
{
  g_autofree char *label = NULL;

  if (!g_str_equal (G_OBJECT_TYPE_NAME (widget), "GtkModelButton") || !gtk_widget_get_mapped (widget))
    return FALSE;
  g_object_get (widget, "text", &label, NULL);
  return g_strcmp0 (label, text) == 0;
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
  GtkWidget  *found;
} MenuItemQuery;

static gboolean
menu_item_shown (gpointer data)
{
  MenuItemQuery *q = data;

  q->found = cairn_test_find_first (q->root, is_menu_item, q->text);
  return q->found != NULL;
}

/* The task menu's Move Up, Move Down, Indent and Outdent act on that task. */
static void
test_task_menu (Fixture       *f,
                gconstpointer  data)
{
  static const struct { const char *item; const char *row; const char *order; } steps[] = {
    { "Move Up", "C", "A >A1 >A2 C B" },
    { "Indent", "C", "A >A1 >A2 >C B" },
    { "Move Down", "A1", "A >A2 >A1 >C B" },
    { "Outdent", "A1", "A >A2 >C A1 B" },
  };

  assert_order (f, "A >A1 >A2 B C");
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      GtkWidget *button = cairn_test_find_widget (cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), steps[i].row), GTK_TYPE_MENU_BUTTON, "menu_button");
      MenuItemQuery q = { NULL, steps[i].item, NULL };

      g_assert_nonnull (button);
      gtk_widget_grab_focus (button);
      gtk_menu_button_popup (GTK_MENU_BUTTON (button));
      q.root = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
      g_assert_true (cairn_test_wait_until (menu_item_shown, &q));
      g_assert_true (gtk_widget_is_sensitive (q.found));
      gtk_widget_activate (q.found);
      assert_order (f, steps[i].order);
      cairn_test_spin (50);
    }
}

typedef struct
{
  GtkAdjustment *adjustment;
  double         above;
} ScrollQuery;

static gboolean
scrolled_past (gpointer data)
{
  ScrollQuery *q = data;

  return gtk_adjustment_get_value (q->adjustment) > q->above;
}

/* A drag hovering near the bottom edge scrolls the list; leaving stops. */
static void
test_autoscroll (Fixture       *f,
                 gconstpointer  data)
{
  CairnTodoView *view;
  GtkWidget *scroller;
  GtkEventController *motion = NULL;
  g_autoptr(GListModel) controllers = NULL;
  ScrollQuery q;
  double stopped;

  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *title = g_strdup_printf ("Task %u", i);

      g_free (add (f, NULL, title));
    }
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "A");
  view = view_of (f);
  scroller = gtk_widget_get_ancestor (GTK_WIDGET (view->list_view), GTK_TYPE_SCROLLED_WINDOW);
  q.adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  g_assert_cmpfloat (gtk_adjustment_get_upper (q.adjustment), >, gtk_adjustment_get_page_size (q.adjustment));
  q.above = gtk_adjustment_get_value (q.adjustment);

  controllers = gtk_widget_observe_controllers (scroller);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_CONTROLLER_MOTION (controller))
        motion = GTK_EVENT_CONTROLLER (controller);
    }
  g_assert_nonnull (motion);

  /* In the middle: no scrolling. */
  g_signal_emit_by_name (motion, "motion", 10.0, gtk_widget_get_height (scroller) / 2.0);
  cairn_test_spin (200);
  g_assert_cmpfloat (gtk_adjustment_get_value (q.adjustment), ==, q.above);

  g_signal_emit_by_name (motion, "motion", 10.0, gtk_widget_get_height (scroller) - 4.0);
  g_assert_true (cairn_test_wait_until (scrolled_past, &q));
  g_signal_emit_by_name (motion, "leave");
  stopped = gtk_adjustment_get_value (q.adjustment);
  cairn_test_spin (200);
  g_assert_cmpfloat (gtk_adjustment_get_value (q.adjustment), ==, stopped);
}

int
main (int   argc,
      char *argv[])
{
  cairn_test_init_ui (&argc, &argv);

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/reorder/subtasks-indented", test_subtasks_indented);
  ADD ("/reorder/expand-collapse", test_expand_collapse);
  ADD ("/reorder/drop-before-after-into", test_drop_before_after_into);
  ADD ("/reorder/refused-drops", test_refused_drops);
  ADD ("/reorder/refused-move-toast", test_refused_move_toast);
  ADD ("/reorder/alt-arrows", test_alt_arrows);
  ADD ("/reorder/remote-reorder", test_remote_reorder);
  ADD ("/reorder/drag-source", test_drag_source);
  ADD ("/reorder/task-menu", test_task_menu);
  ADD ("/reorder/autoscroll", test_autoscroll);
#undef ADD

  return g_test_run ();
}

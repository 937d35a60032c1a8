/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-undo.c: the window's Undo and Redo (win.undo, win.redo; Ctrl+Z,
 * Ctrl+Shift+Z) through the real widgets over a real store: a task's
 * completion, rename, move to another list and deletion undone and redone
 * in turn, as new events; an undo whose task was deleted on another
 * device says so and changes nothing; the toast's own Undo and Ctrl+Z do
 * not undo one deletion twice; and a list and a note. */
#include "config.h"

#include <string.h>

#include "cairn-notes-view.h"
#include "cairn-todo-row.h"
#include "cairn-todo-view.h"
#include "cairn-ui.h"
#include "cairn-ui-test.h"
#include "cairn-window.h"
#include "cairn-window-private.h"
#include "cairn-window-undo.h"
#include "store-test-util.h"
#include "cairn-store-history.h"

typedef struct
{
  char        *dir;
  CairnStore  *store;
  CairnPool   *pool;
  GSettings   *settings;
  CairnWindow *window;
  char        *list_id;
  char        *other_id;
} Fixture;

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

/* The store keeps every commit on its undo stack: what a test sets up
 * directly is forgotten, so that the history starts with the test's own
 * gestures. */
static void
forget_history (Fixture *f)
{
  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (f->store),
                                 "DELETE FROM undo_fields; DELETE FROM undo_actions",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  _cairn_window_undo_clear (GTK_WIDGET (f->window));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("cairn-undo-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = test_store_open_at (f->dir, "local.db");
  f->pool = cairn_pool_new (f->store);
  f->settings = cairn_test_settings_new ();
  f->list_id = cairn_store_create_list (f->store, "Groceries", &error);
  g_assert_no_error (error);
  f->other_id = cairn_store_create_list (f->store, "Hardware", &error);
  g_assert_no_error (error);
  f->window = cairn_window_new (NULL, f->settings, f->pool);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (cairn_test_wait_until (is_mapped, f->window));
  cairn_window_select_page (f->window, f->list_id);
  forget_history (f);
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
  g_free (f->other_id);
}

static char *
add_task (Fixture    *f,
          const char *title)
{
  g_autoptr(GError) error = NULL;
  char *id = cairn_store_create_todo (f->store, f->list_id, title, NULL, NULL, &error);

  g_assert_no_error (error);
  forget_history (f);
  return id;
}

static gboolean
undo (Fixture *f)
{
  return gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL);
}

static gboolean
redo (Fixture *f)
{
  return gtk_widget_activate_action (GTK_WIDGET (f->window), "win.redo", NULL);
}

static gboolean
action_enabled (Fixture    *f,
                const char *name)
{
  /* A disabled action is not activated: count the history instead. */
  return g_str_equal (name, "undo") ? _cairn_window_undo_get_n_undo (GTK_WIDGET (f->window)) > 0
                                    : _cairn_window_undo_get_n_redo (GTK_WIDGET (f->window)) > 0;
}

/* The titles of the list's tasks, in order. */
static char *
titles_of (Fixture    *f,
           const char *list_id)
{
  g_autoptr(GListModel) todos = cairn_pool_get_todos (f->pool, list_id);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (todos); i++)
    {
      g_autoptr(CairnTodo) todo = g_list_model_get_item (todos, i);

      g_string_append_printf (out, "%s%s", i ? " " : "", cairn_todo_get_title (todo));
    }
  return g_string_free (out, FALSE);
}

#define assert_titles(f, list, want) G_STMT_START { \
    g_autofree char *got_ = titles_of (f, list); \
    g_assert_cmpstr (got_, ==, want); } G_STMT_END

/* Complete, rename, move, delete a task through the widgets; undo each
 * back, newest first; redo them all again. */
static void
test_task_changes (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *a = add_task (f, "a");
  g_autofree char *milk = add_task (f, "milk");
  g_autofree char *c = add_task (f, "c");
  CairnTodo *todo = cairn_pool_lookup_todo (f->pool, milk);
  GtkWidget *row, *check, *entry;
  guint pending;

  /* Nothing to undo yet: nothing happens. */
  g_assert_false (action_enabled (f, "undo"));
  pending = cairn_store_get_pending_count (f->store);
  undo (f);
  g_assert_cmpuint (cairn_store_get_pending_count (f->store), ==, pending);

  row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "milk");
  check = cairn_test_find_widget (row, GTK_TYPE_CHECK_BUTTON, "done_check");
  gtk_widget_activate (check);
  g_assert_true (cairn_test_wait_until ((gboolean (*)(gpointer)) cairn_todo_get_done, todo));

  entry = cairn_test_find_widget (row, GTK_TYPE_ENTRY, "title_entry");
  gtk_widget_grab_focus (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "oat milk");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpstr (cairn_todo_get_title (todo), ==, "oat milk");

  g_assert_true (gtk_widget_activate_action (row, "task.move-to", "s", f->other_id));
  assert_titles (f, f->list_id, "a c");
  assert_titles (f, f->other_id, "oat milk");

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.delete-task", "s", milk);
  g_assert_null (cairn_pool_lookup_todo (f->pool, milk));
  g_assert_cmpuint (_cairn_window_undo_get_n_undo (GTK_WIDGET (f->window)), ==, 4);

  /* Each undo is one new event, newest change first, and says what it
   * did in a toast that offers Redo. */
  pending = cairn_store_get_pending_count (f->store);
  g_assert_true (undo (f));
  /* Restored: the pool's object for it is a new one (the one of the
   * deleted task went with it). */
  todo = cairn_pool_lookup_todo (f->pool, milk);
  g_assert_nonnull (todo);
  {
    CairnTestLabelQuery toast = { GTK_WIDGET (f->window), "Task restored", CAIRN_TEST_LABEL_IS };
    CairnTestButtonQuery button = { GTK_WIDGET (f->window), "_Redo", NULL };

    g_assert_true (cairn_test_wait_until (cairn_test_label_shown, &toast));
    g_assert_true (cairn_test_wait_until (cairn_test_button_shown, &button));
  }
  g_assert_cmpuint (cairn_store_get_pending_count (f->store), ==, pending + 1);
  g_assert_true (undo (f));
  /* Back between a and c, where it was. */
  assert_titles (f, f->list_id, "a oat milk c");
  g_assert_true (undo (f));
  g_assert_cmpstr (cairn_todo_get_title (todo), ==, "milk");
  g_assert_true (undo (f));
  g_assert_false (cairn_todo_get_done (todo));
  g_assert_false (action_enabled (f, "undo"));
  g_assert_cmpuint (cairn_store_get_pending_count (f->store), ==, pending + 4);

  /* Redo, oldest first. */
  g_assert_true (redo (f));
  g_assert_true (cairn_todo_get_done (todo));
  g_assert_true (redo (f));
  g_assert_cmpstr (cairn_todo_get_title (todo), ==, "oat milk");
  g_assert_true (redo (f));
  assert_titles (f, f->other_id, "oat milk");
  g_assert_true (redo (f));
  g_assert_null (cairn_pool_lookup_todo (f->pool, milk));
  g_assert_false (action_enabled (f, "redo"));

  /* A new change after an undo forgets what could be redone. */
  g_assert_true (undo (f));
  g_assert_true (action_enabled (f, "redo"));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.delete-task", "s", a);
  g_assert_false (action_enabled (f, "redo"));
}

/* The task was deleted on another device before the undo: a toast says
 * so in words, and nothing changes. */
static void
test_undo_after_remote_delete (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = add_task (f, "bread");
  CairnTestLabelQuery toast = { NULL, "The task was deleted on another device",
                                CAIRN_TEST_LABEL_CONTAINS };
  GtkWidget *row, *entry;
  guint pending;

  row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "bread");
  entry = cairn_test_find_widget (row, GTK_TYPE_ENTRY, "title_entry");
  gtk_widget_grab_focus (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "rye bread");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpstr (cairn_todo_get_title (cairn_pool_lookup_todo (f->pool, id)), ==, "rye bread");

  /* On another device: the task is deleted (a deletion on this device,
   * from cairn-cli too, is this device's own action: undone first). */
  {
    g_autofree char *args = g_strdup_printf ("{\"todo_id\":\"%s\"}", id);
    g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

    g_ptr_array_add (events, test_event_new ("0123456789abcdef0123456789abcdef", 1,
                                             cairn_store_get_head (f->store) + 1,
                                             "todo.deleted", args));
    g_assert_true (cairn_store_rebase (f->store, events, NULL, &error));
    g_assert_no_error (error);
  }
  pending = cairn_store_get_pending_count (f->store);

  toast.root = GTK_WIDGET (f->window);
  g_assert_true (undo (f));
  g_assert_true (cairn_test_wait_until (cairn_test_label_shown, &toast));
  g_assert_cmpuint (cairn_store_get_pending_count (f->store), ==, pending);
  g_assert_null (cairn_pool_lookup_todo (f->pool, id));
  /* It cannot be redone either. */
  g_assert_false (action_enabled (f, "redo"));
}

/* The deletion toast's own Undo restores; Ctrl+Z then does not count that
 * deletion again but undoes the change before it. */
static void
test_toast_undo_then_ctrl_z (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *id = add_task (f, "eggs");
  GtkWidget *row, *check;
  CairnTodo *todo = cairn_pool_lookup_todo (f->pool, id);

  row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "eggs");
  check = cairn_test_find_widget (row, GTK_TYPE_CHECK_BUTTON, "done_check");
  gtk_widget_activate (check);
  g_assert_true (cairn_test_wait_until ((gboolean (*)(gpointer)) cairn_todo_get_done, todo));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.delete-task", "s", id);
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.restore-task", "s", id);
  todo = cairn_pool_lookup_todo (f->pool, id);
  g_assert_nonnull (todo);

  g_assert_true (undo (f));
  g_assert_nonnull (cairn_pool_lookup_todo (f->pool, id));
  g_assert_false (cairn_todo_get_done (todo));
}

/* Lists and notes: a list's rename and deletion, a note's rename. */
static void
test_list_and_note (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *note_id = cairn_store_create_note (f->store, "Ideas", &error);
  CairnNotesView *view;
  GtkWidget *title;

  /* A list moved (as the reorder engineer's drag will) goes back. */
  {
    g_autofree char *third = cairn_store_create_list (f->store, "Garden", &error);
    GListModel *lists = cairn_pool_get_lists (f->pool);
    g_autoptr(CairnList) last = NULL;

    g_assert_no_error (error);
    g_assert_true (_cairn_undo_move_list (GTK_WIDGET (f->window), f->pool, third,
                                          f->list_id, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (g_strcmp0 (cairn_list_get_position (cairn_pool_lookup_list (f->pool, third)),
                                cairn_list_get_position (cairn_pool_lookup_list (f->pool, f->list_id))),
                     <, 0);
    g_assert_true (undo (f));
    last = g_list_model_get_item (lists, g_list_model_get_n_items (lists) - 1);
    g_assert_cmpstr (cairn_list_get_id (last), ==, third);
  }

  /* Alt+Down in the sidebar (its move), undone. */
  {
    CairnList *groceries = cairn_pool_lookup_list (f->pool, f->list_id);
    CairnList *hardware = cairn_pool_lookup_list (f->pool, f->other_id);

    g_assert_cmpint (g_strcmp0 (cairn_list_get_position (groceries),
                                cairn_list_get_position (hardware)), <, 0);
    g_assert_true (_cairn_window_sidebar_move_list (f->window, f->list_id, 1));
    g_assert_cmpint (g_strcmp0 (cairn_list_get_position (groceries),
                                cairn_list_get_position (hardware)), >, 0);
    g_assert_true (undo (f));
    g_assert_cmpint (g_strcmp0 (cairn_list_get_position (groceries),
                                cairn_list_get_position (hardware)), <, 0);
  }

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.delete-list", "s", f->other_id);
  g_assert_null (cairn_pool_lookup_list (f->pool, f->other_id));
  g_assert_true (undo (f));
  g_assert_nonnull (cairn_pool_lookup_list (f->pool, f->other_id));

  cairn_window_select_page (f->window, "notes");
  view = CAIRN_NOTES_VIEW (cairn_test_find_widget (GTK_WIDGET (f->window),
                                                   CAIRN_TYPE_NOTES_VIEW, NULL));
  cairn_notes_view_select_note (view, note_id);
  title = cairn_test_find_widget (GTK_WIDGET (view), GTK_TYPE_ENTRY, "title_entry");
  gtk_editable_set_text (GTK_EDITABLE (title), "Better ideas");
  g_signal_emit_by_name (title, "activate");
  g_assert_cmpstr (cairn_note_get_title (cairn_pool_lookup_note (f->pool, note_id)), ==,
                   "Better ideas");
  g_assert_true (undo (f));
  g_assert_cmpstr (cairn_note_get_title (cairn_pool_lookup_note (f->pool, note_id)), ==, "Ideas");
  g_assert_true (redo (f));
  g_assert_cmpstr (cairn_note_get_title (cairn_pool_lookup_note (f->pool, note_id)), ==,
                   "Better ideas");
}

/* Runs the window's shortcut for @keyval with @mods as a key press would,
 * with the focus where it is. */
static gboolean
press_shortcut (Fixture         *f,
                guint            keyval,
                GdkModifierType  mods)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (f->window));
  g_autoptr(GtkShortcutTrigger) want = gtk_keyval_trigger_new (keyval, mods);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);

          if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), want))
            return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0,
                                                 GTK_WIDGET (f->window),
                                                 gtk_shortcut_get_arguments (shortcut));
        }
    }
  g_error ("no shortcut for that key");
  return FALSE;
}

/* Ctrl+Z and Ctrl+Shift+Z undo and redo, except in a text field, whose
 * Ctrl+Z is for its typing. */
static void
test_keys (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *id = add_task (f, "jam");
  CairnTodo *todo = cairn_pool_lookup_todo (f->pool, id);
  GtkWidget *row, *check, *entry;

  row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "jam");
  check = cairn_test_find_widget (row, GTK_TYPE_CHECK_BUTTON, "done_check");
  gtk_widget_activate (check);
  g_assert_true (cairn_test_wait_until ((gboolean (*)(gpointer)) cairn_todo_get_done, todo));

  entry = cairn_test_find_widget (row, GTK_TYPE_ENTRY, "title_entry");
  gtk_widget_grab_focus (entry);
  g_assert_false (press_shortcut (f, GDK_KEY_z, GDK_CONTROL_MASK));
  g_assert_true (cairn_todo_get_done (todo));

  gtk_widget_grab_focus (check);
  g_assert_true (press_shortcut (f, GDK_KEY_z, GDK_CONTROL_MASK));
  g_assert_false (cairn_todo_get_done (todo));
  g_assert_true (press_shortcut (f, GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK));
  g_assert_true (cairn_todo_get_done (todo));
}

/* Any field is on the store's stack (here a priority, as the details
 * pane sets it): Ctrl+Z puts it back, Redo again. */
static void
test_any_field (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = add_task (f, "tea");
  CairnTodo *todo = cairn_pool_lookup_todo (f->pool, id);
  CairnTestLabelQuery toast = { GTK_WIDGET (f->window), "Change undone", CAIRN_TEST_LABEL_IS };

  g_assert_true (cairn_store_set_todo_priority (f->store, id, "high", &error));
  g_assert_no_error (error);
  g_assert_true (undo (f));
  g_assert_cmpstr (cairn_todo_get_priority (todo), ==, "none");
  g_assert_true (cairn_test_wait_until (cairn_test_label_shown, &toast));
  g_assert_true (redo (f));
  g_assert_cmpstr (cairn_todo_get_priority (todo), ==, "high");
}

/* The title was changed on another device after this one renamed the
 * task: Ctrl+Z leaves it, and a toast says which field and which device. */
static void
test_changed_on_other_device (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = add_task (f, "tea");
  g_autofree char *args = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  CairnEvent *remote;
  CairnTestLabelQuery toast = { GTK_WIDGET (f->window),
                                "The title was changed on laptop since; left as it is",
                                CAIRN_TEST_LABEL_IS };
  guint pending;

  g_assert_true (cairn_store_rename_todo (f->store, id, "green tea", &error));
  g_assert_no_error (error);
  /* The server takes this rename, then the laptop's, which reaches this
   * device. */
  {
    g_autoptr(GPtrArray) pending_events = cairn_store_list_pending (f->store, 0, &error);

    g_assert_no_error (error);
    for (guint i = 0; i < pending_events->len; i++)
      g_ptr_array_add (events, test_event_confirmed (pending_events->pdata[i],
                                                     cairn_store_get_head (f->store) + 1 + i));
  }
  args = g_strdup_printf ("{\"todo_id\":\"%s\",\"title\":\"black tea\"}", id);
  remote = test_event_new ("0123456789abcdef0123456789abcdef", 1,
                           cairn_store_get_head (f->store) + 1 + events->len, "todo.renamed", args);
  remote->device = g_strdup ("laptop");
  g_ptr_array_add (events, remote);
  g_assert_true (cairn_store_rebase (f->store, events, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cairn_todo_get_title (cairn_pool_lookup_todo (f->pool, id)), ==, "black tea");

  pending = cairn_store_get_pending_count (f->store);
  g_assert_true (undo (f));
  g_assert_true (cairn_test_wait_until (cairn_test_label_shown, &toast));
  g_assert_cmpstr (cairn_todo_get_title (cairn_pool_lookup_todo (f->pool, id)), ==, "black tea");
  g_assert_cmpuint (cairn_store_get_pending_count (f->store), ==, pending);
}

/* A task moved with Alt+Down (the view's action, as a drop is) and
 * indented under the one above: each move is one undo, back to where it
 * was. */
static void
test_view_moves (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *a = add_task (f, "a");
  g_autofree char *b = add_task (f, "b");
  g_autofree char *c = add_task (f, "c");
  GtkWidget *view;

  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "c");
  view = cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_TODO_VIEW, NULL);
  g_assert_true (gtk_widget_activate_action (view, "view.move-task-down", "s", a));
  assert_titles (f, f->list_id, "b a c");
  g_assert_true (gtk_widget_activate_action (view, "view.indent-task", "s", c));
  g_assert_cmpstr (cairn_todo_get_parent_id (cairn_pool_lookup_todo (f->pool, c)), ==, a);

  g_assert_true (undo (f));
  g_assert_null (cairn_todo_get_parent_id (cairn_pool_lookup_todo (f->pool, c)));
  assert_titles (f, f->list_id, "b a c");
  g_assert_true (undo (f));
  assert_titles (f, f->list_id, "a b c");
  g_assert_true (redo (f));
  assert_titles (f, f->list_id, "b a c");
  (void) b;
}

/* An action of several fields (here a restored version: title and
 * priority back as the task was made) is undone as one, and the toast
 * names every field it put back, then every field a redo wrote again. */
static void
test_several_fields (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = cairn_store_create_todo (f->store, f->list_id, "tea", NULL, NULL, &error);
  CairnTodo *todo = NULL;
  CairnTestLabelQuery undone = { GTK_WIDGET (f->window), "Put back: title, priority", CAIRN_TEST_LABEL_IS };
  CairnTestLabelQuery redone = { GTK_WIDGET (f->window), "Redone: title, priority", CAIRN_TEST_LABEL_IS };
  gint64 made;

  g_assert_no_error (error);
  made = test_query_int (f->store, "SELECT max (client_seq) FROM pending");
  g_assert_true (cairn_store_rename_todo (f->store, id, "green tea", &error));
  g_assert_true (cairn_store_set_todo_priority (f->store, id, "high", &error));
  g_assert_no_error (error);
  forget_history (f);
  todo = cairn_pool_lookup_todo (f->pool, id);
  g_assert_true (cairn_store_revert_object_to_pending (f->store, id, made, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cairn_todo_get_title (todo), ==, "tea");
  g_assert_cmpstr (cairn_todo_get_priority (todo), ==, "none");

  g_assert_true (undo (f));
  g_assert_cmpstr (cairn_todo_get_title (todo), ==, "green tea");
  g_assert_cmpstr (cairn_todo_get_priority (todo), ==, "high");
  g_assert_true (cairn_test_wait_until (cairn_test_label_shown, &undone));
  g_assert_true (redo (f));
  g_assert_cmpstr (cairn_todo_get_title (todo), ==, "tea");
  g_assert_true (cairn_test_wait_until (cairn_test_label_shown, &redone));
}

int
main (int   argc,
      char *argv[])
{
  cairn_test_init_ui (&argc, &argv);

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/undo/task-changes", test_task_changes);
  ADD ("/undo/after-remote-delete", test_undo_after_remote_delete);
  ADD ("/undo/toast-undo-then-ctrl-z", test_toast_undo_then_ctrl_z);
  ADD ("/undo/list-and-note", test_list_and_note);
  ADD ("/undo/any-field", test_any_field);
  ADD ("/undo/changed-on-other-device", test_changed_on_other_device);
  ADD ("/undo/keys", test_keys);
  ADD ("/undo/view-moves", test_view_moves);
  ADD ("/undo/several-fields", test_several_fields);
#undef ADD

  return g_test_run ();
}

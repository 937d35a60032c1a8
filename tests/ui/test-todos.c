/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-todos.c: tasks, lists and notes through the real widgets of the
 * main window over a real store: add, complete, rename, delete and undo,
 * create a list, rename a note, remote changes arriving in place, and a
 * 1 MB paste into a note. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cairn-notes-view.h"
#include "cairn-store-private.h"
#include "cairn-todo-row.h"
#include "cairn-todo-view.h"
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
} Fixture;

static CairnStore *
open_store (Fixture    *f,
            const char *name)
{
  return test_store_open_at (f->dir, name);
}

static int
test_list_exists (CairnStore *store,
                  const char *list_id)
{
  sqlite3_stmt *stmt = NULL;
  int n;

  g_assert_cmpint (sqlite3_prepare_v2 (_cairn_store_get_db (store),
                                       "SELECT count(*) FROM lists WHERE id = ? AND NOT deleted",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, list_id, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("cairn-ui-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = open_store (f, "local.db");
  f->pool = cairn_pool_new (f->store);
  f->settings = cairn_test_settings_new ();
  /* The window makes the Inbox when there is none: first, as on a new
   * workspace. */
  g_assert_true (cairn_store_ensure_inbox (f->store, &error));
  f->list_id = cairn_store_create_list (f->store, "Groceries", &error);
  g_assert_no_error (error);

  f->window = cairn_window_new (NULL, f->settings, f->pool);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (cairn_test_wait_until (is_mapped, f->window));
  cairn_window_select_page (f->window, f->list_id);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  gtk_window_destroy (GTK_WINDOW (f->window));
  cairn_test_spin (10);
  g_clear_object (&f->pool);
  g_clear_object (&f->store);
  g_clear_object (&f->settings);

  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->list_id);
}

/* ---- Finding things on screen ------------------------------------------- */

static GtkWidget *
new_task_entry (Fixture *f)
{
  GtkWidget *entry = cairn_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_ENTRY,
                                             "new_entry");
  g_assert_nonnull (entry);
  return entry;
}

static void
type_task (Fixture    *f,
           const char *title)
{
  GtkWidget *entry = new_task_entry (f);

  gtk_editable_set_text (GTK_EDITABLE (entry), title);
  /* What Enter in the entry emits. */
  g_signal_emit_by_name (entry, "activate");
}

/* Presses the Undo button of the toast the window shows. */
static void
press_undo (Fixture *f)
{
  CairnTestButtonQuery q = { GTK_WIDGET (f->window), "_Undo", NULL };

  g_assert_true (cairn_test_wait_until (cairn_test_button_shown, &q));
  /* A click, not gtk_widget_activate(): that leaves a timeout behind on a
   * button the toast destroys when it is dismissed. */
  g_signal_emit_by_name (q.found, "clicked");
}

static CairnTodo *
only_todo (Fixture *f)
{
  g_autoptr(GListModel) todos = cairn_pool_get_todos (f->pool, f->list_id);

  g_assert_cmpuint (g_list_model_get_n_items (todos), ==, 1);
  return cairn_pool_lookup_todo (f->pool,
                                 cairn_todo_get_id (g_list_model_get_item (todos, 0)));
}

/* ---- Tests -------------------------------------------------------------- */

static void
test_add_complete_rename_delete_undo (Fixture       *f,
                                      gconstpointer  data)
{
  g_autoptr(GListModel) todos = cairn_pool_get_todos (f->pool, f->list_id);
  GtkWidget *row, *check, *label;
  CairnTodo *todo;
  g_autofree char *id = NULL;
  guint pending;

  /* Enter in the entry adds the task and clears the entry. */
  type_task (f, "  Buy milk ");
  g_assert_cmpuint (g_list_model_get_n_items (todos), ==, 1);
  todo = only_todo (f);
  id = g_strdup (cairn_todo_get_id (todo));
  g_assert_cmpstr (cairn_todo_get_title (todo), ==, "Buy milk");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (new_task_entry (f))), ==, "");
  row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Buy milk");

  /* A blank title adds nothing. */
  pending = cairn_store_get_pending_count (f->store);
  type_task (f, "   ");
  g_assert_cmpuint (cairn_store_get_pending_count (f->store), ==, pending);
  g_assert_cmpuint (g_list_model_get_n_items (todos), ==, 1);

  /* The check button completes it. */
  check = cairn_test_find_widget (row, GTK_TYPE_CHECK_BUTTON, "done_check");
  gtk_widget_activate (check);
  g_assert_true (cairn_test_wait_until ((gboolean (*)(gpointer)) cairn_todo_get_done, todo));

  /* Hiding completed tasks hides it and shows the placeholder. */
  g_object_set (f->window, "show-completed", FALSE, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (todos), ==, 1);  /* our own model is unfiltered */
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Buy milk");
  g_object_set (f->window, "show-completed", TRUE, NULL);
  row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Buy milk");

  /* Inline rename: type, then Enter. */
  label = cairn_test_find_widget (row, GTK_TYPE_ENTRY, "title_entry");
  gtk_widget_grab_focus (label);
  gtk_editable_set_text (GTK_EDITABLE (label), "Buy oat milk");
  g_signal_emit_by_name (label, "activate");
  g_assert_cmpstr (cairn_todo_get_title (todo), ==, "Buy oat milk");

  /* Renaming to blank keeps the title, when the focus moves on. */
  pending = cairn_store_get_pending_count (f->store);
  gtk_editable_set_text (GTK_EDITABLE (label), "  ");
  gtk_widget_grab_focus (cairn_test_find_widget (row, GTK_TYPE_MENU_BUTTON, "menu_button"));
  cairn_test_spin (20);
  g_assert_cmpuint (cairn_store_get_pending_count (f->store), ==, pending);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (label)), ==, "Buy oat milk");

  /* Delete from the row's menu, then Undo in the toast. */
  gtk_widget_activate_action (row, "task.delete", NULL);
  g_assert_null (cairn_pool_lookup_todo (f->pool, id));
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Buy oat milk");
  press_undo (f);
  g_assert_true (cairn_test_wait_until ((gboolean (*)(gpointer)) g_list_model_get_n_items, todos));
  g_assert_nonnull (cairn_pool_lookup_todo (f->pool, id));
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Buy oat milk");
}

static void
test_due_date_from_calendar (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GDateTime) date = g_date_time_new_local (2031, 3, 14, 0, 0, 0);
  GtkWidget *row, *calendar, *clear;
  CairnTodo *todo;

  type_task (f, "File taxes");
  todo = only_todo (f);
  row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "File taxes");
  g_assert_null (cairn_todo_get_due (todo));

  gtk_widget_activate_action (row, "task.pick-due", NULL);
  calendar = cairn_test_find_widget (row, GTK_TYPE_CALENDAR, "calendar");
  g_assert_nonnull (calendar);
  g_assert_true (cairn_test_wait_until (is_mapped, calendar));
  /* No date yet: nothing to remove. */
  clear = cairn_test_find_widget (row, GTK_TYPE_BUTTON, "clear_due_button");
  g_assert_false (gtk_widget_get_visible (clear));
  gtk_calendar_select_day (GTK_CALENDAR (calendar), date);
  g_signal_emit_by_name (calendar, "day-selected");
  g_assert_cmpstr (cairn_todo_get_due (todo), ==, "2031-03-14");

  gtk_widget_activate_action (row, "task.pick-due", NULL);
  clear = cairn_test_find_widget (row, GTK_TYPE_BUTTON, "clear_due_button");
  g_assert_true (cairn_test_wait_until (is_mapped, clear));
  g_signal_emit_by_name (clear, "clicked");
  g_assert_null (cairn_todo_get_due (todo));
}

/* A title longer than the store takes is cut as it is typed or pasted
 * (the entry holds at most CAIRN_TITLE_MAX_CHARS), and pasted line breaks
 * and tabs become spaces: the task is added, never refused with the
 * store's message. */
static void
test_long_or_pasted_title_is_cleaned (Fixture       *f,
                                      gconstpointer  data)
{
  g_autoptr(GListModel) todos = cairn_pool_get_todos (f->pool, f->list_id);
  g_autofree char *title = g_strnfill (600, 'x');
  g_autofree char *cut = g_strnfill (CAIRN_TITLE_MAX_CHARS, 'x');
  GtkWidget *entry = new_task_entry (f);

  gtk_editable_set_text (GTK_EDITABLE (entry), title);
  g_assert_cmpint (g_utf8_strlen (gtk_editable_get_text (GTK_EDITABLE (entry)), -1), ==,
                   CAIRN_TITLE_MAX_CHARS);
  type_task (f, title);
  g_assert_cmpuint (g_list_model_get_n_items (todos), ==, 1);
  g_assert_cmpstr (cairn_todo_get_title (only_todo (f)), ==, cut);
  g_assert_false (gtk_widget_has_css_class (entry, "error"));

  type_task (f, "  Buy\toat\nmilk\r\n");
  g_assert_cmpuint (g_list_model_get_n_items (todos), ==, 2);
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Buy oat milk");
}

/* What the title entries hand to the store. */
static void
test_clean_title (void)
{
  g_autofree char *long_title = g_strnfill (CAIRN_TITLE_MAX_CHARS - 1, 'x');
  g_autofree char *spaced = g_strconcat (long_title, "   y", NULL);
  struct { const char *in, *out; } cases[] = {
    { "Milk", "Milk" },
    { "  Milk \t", "Milk" },
    { "Oat\nmilk", "Oat milk" },
    { "\x01\x7f Milk", "Milk" },
    { "Café ☕", "Café ☕" },
    { " \t\n ", "" },
    { "", "" },
    { "\xff\xfe", "" },            /* not UTF-8: nothing to keep */
    { spaced, long_title },         /* cut at 500, then trailing space trimmed */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = cairn_ui_clean_title (cases[i].in);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

/* A due date reads "Dec 8" (one plain space), Today/Tomorrow/Yesterday
 * near now, and with the year when it is in another one. */
static void
test_format_due (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_local (2026, 6, 15, 12, 0, 0);
  struct { const char *due, *text; } cases[] = {
    { "2026-06-15", "Today" },
    { "2026-06-16", "Tomorrow" },
    { "2026-06-14", "Yesterday" },
    { "2026-12-08", "Dec 8" },
    { "2026-01-31", "Jan 31" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = cairn_format_due (cases[i].due, now);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
  {
    g_autofree char *other_year = cairn_format_due ("2027-01-02", now);
    g_assert_nonnull (strstr (other_year, "27"));
  }
}

/* Rows off screen (GTK 4.8's list view keeps 200 of them) stay empty until
 * they come on screen; every row on screen shows its task, also after
 * scrolling to the end. */
typedef struct
{
  guint rows;      /* CairnTodoRows in the list view */
  guint made;      /* of those, with their widgets */
  guint on_screen; /* mapped, laid out, bound */
  guint wrong;     /* on screen but not showing their own task's title */
} RowCount;

static void
count_rows (GtkWidget *widget,
            RowCount  *c)
{
  if (CAIRN_IS_TODO_ROW (widget))
    {
      CairnTodo *todo = cairn_todo_row_get_todo (CAIRN_TODO_ROW (widget));
      GtkWidget *entry = cairn_test_find_widget (widget, GTK_TYPE_ENTRY, "title_entry");

      c->rows++;
      c->made += entry != NULL;
      if (todo != NULL && gtk_widget_get_mapped (widget) && gtk_widget_get_child_visible (widget) &&
          gtk_widget_get_height (widget) > 0)
        {
          c->on_screen++;
          if (entry == NULL || !gtk_widget_get_mapped (entry) ||
              g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (entry)),
                         cairn_todo_get_title (todo)) != 0)
            c->wrong++;
        }
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    count_rows (child, c);
}

/* The list view has its 200 rows: the list shows its first screenful
 * first and grows after the first frame (ui/cairn-first-rows.h). */
static gboolean
has_all_rows (gpointer list_view)
{
  RowCount c = { 0 };

  count_rows (list_view, &c);
  return c.rows >= 200;
}

static void
test_long_list_makes_rows_on_screen (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *list_view, *scrolled, *last;
  GtkAdjustment *adjustment;
  graphene_rect_t bounds;
  RowCount c = { 0 };
  const int n = 300;

  for (int i = 1; i <= n; i++)
    {
      g_autofree char *title = g_strdup_printf ("Task %d", i);
      g_autofree char *id = cairn_store_create_todo (f->store, f->list_id, title, NULL, NULL, &error);

      g_assert_no_error (error);
    }
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Task 1");
  cairn_test_spin (50);

  list_view = cairn_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_LIST_VIEW, "list_view");
  g_assert_nonnull (list_view);
  g_assert_true (cairn_test_wait_until (has_all_rows, list_view));
  count_rows (list_view, &c);
  g_test_message ("%u rows, %u made, %u on screen", c.rows, c.made, c.on_screen);
  g_assert_cmpuint (c.rows, >=, 200);
  g_assert_cmpuint (c.on_screen, >, 0);
  g_assert_cmpuint (c.wrong, ==, 0);
  /* the ones on screen, and one made to measure */
  g_assert_cmpuint (c.made, <=, c.on_screen + 2);

  scrolled = gtk_widget_get_ancestor (list_view, GTK_TYPE_SCROLLED_WINDOW);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
  last = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Task 300");
  cairn_test_spin (50);

  /* The last row is wholly inside the view: the empty rows measured as
   * the made ones do, so the list's length was right. */
  g_assert_true (gtk_widget_compute_bounds (last, scrolled, &bounds));
  g_assert_cmpfloat (bounds.origin.y, >=, 0);
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, gtk_widget_get_height (scrolled));
  memset (&c, 0, sizeof c);
  count_rows (list_view, &c);
  g_test_message ("after scrolling: %u rows, %u made, %u on screen", c.rows, c.made, c.on_screen);
  g_assert_cmpuint (c.on_screen, >, 0);
  g_assert_cmpuint (c.wrong, ==, 0);
}

/* What a click on a response button does: respond, then close. */
static void
respond (GtkWidget  *dialog,
         const char *response)
{
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), response);
  gtk_window_close (GTK_WINDOW (dialog));
  cairn_test_spin (20);
}

/* The visible toplevel of this type; fails when there are several. */
static GtkWidget *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWidget *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (w))
        {
          g_assert_null (found);
          found = w;
        }
    }
  return found;
}

static void
test_create_rename_delete_list (Fixture       *f,
                                gconstpointer  data)
{
  GListModel *lists = cairn_pool_get_lists (f->pool);
  GtkWidget *dialog, *entry;
  g_autoptr(CairnList) list = NULL;
  g_autofree char *id = NULL;

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-list", NULL);
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  entry = cairn_test_find_widget (dialog, GTK_TYPE_ENTRY, NULL);
  g_assert_nonnull (entry);

  /* A blank name cannot be applied. */
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "apply"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "Work");
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "apply"));
  respond (dialog, "apply");

  g_assert_cmpuint (g_list_model_get_n_items (lists), ==, 3);
  list = g_list_model_get_item (lists, 2);
  id = g_strdup (cairn_list_get_id (list));
  g_assert_cmpstr (cairn_list_get_title (list), ==, "Work");
  /* The new list is open, ready for its first task. */
  g_assert_cmpstr (cairn_window_get_selected (f->window), ==, id);
  {
    g_autofree char *last = g_settings_get_string (f->settings, "last-selected");
    g_assert_cmpstr (last, ==, id);
  }

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.rename-current-list", NULL);
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_nonnull (dialog);
  entry = cairn_test_find_widget (dialog, GTK_TYPE_ENTRY, NULL);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "Work");
  gtk_editable_set_text (GTK_EDITABLE (entry), "Office");
  respond (dialog, "apply");
  g_assert_cmpstr (cairn_list_get_title (list), ==, "Office");

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.delete-current-list", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (lists), ==, 2);
  g_assert_cmpstr (cairn_window_get_selected (f->window), !=, "");
  press_undo (f);
  g_assert_cmpuint (g_list_model_get_n_items (lists), ==, 3);
  g_assert_nonnull (cairn_pool_lookup_list (f->pool, id));
}

static void
test_sidebar_list_menu (Fixture       *f,
                        gconstpointer  data)
{
  GListModel *lists = cairn_pool_get_lists (f->pool);
  GtkWidget *dialog, *entry;

  /* The sidebar's context menu acts on its row's list, not the open one. */
  g_autoptr(GError) error = NULL;
  g_autofree char *other = cairn_store_create_list (f->store, "Holidays", &error);
  g_assert_no_error (error);

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.rename-list", "s", other);
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  entry = cairn_test_find_widget (dialog, GTK_TYPE_ENTRY, NULL);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "Holidays");
  gtk_editable_set_text (GTK_EDITABLE (entry), "Trips");
  respond (dialog, "apply");
  g_assert_cmpstr (cairn_list_get_title (cairn_pool_lookup_list (f->pool, other)), ==, "Trips");

  /* Cancel changes nothing. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.rename-list", "s", other);
  dialog = find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  entry = cairn_test_find_widget (dialog, GTK_TYPE_ENTRY, NULL);
  gtk_editable_set_text (GTK_EDITABLE (entry), "Nope");
  respond (dialog, "cancel");
  g_assert_cmpstr (cairn_list_get_title (cairn_pool_lookup_list (f->pool, other)), ==, "Trips");

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.delete-list", "s", other);
  g_assert_null (cairn_pool_lookup_list (f->pool, other));
  g_assert_cmpuint (g_list_model_get_n_items (lists), ==, 2);
  /* The open list stays open. */
  g_assert_cmpstr (cairn_window_get_selected (f->window), ==, f->list_id);
  press_undo (f);
  g_assert_cmpuint (g_list_model_get_n_items (lists), ==, 3);
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

/* The server's answer: events, already taken, reach both stores (the
 * first answer also gives the history id). */
static void
rebase_both (Fixture    *f,
             CairnStore *remote,
             GPtrArray  *events,
             const char *history_id)
{
  g_autoptr(GError) error = NULL;

  cairn_store_rebase (f->store, events, history_id, &error);
  g_assert_no_error (error);
  cairn_store_rebase (remote, events, history_id, &error);
  g_assert_no_error (error);
}

/* A note made on the remote device, the first event the server takes,
 * reaches both stores; returns its id. */
static char *
share_remote_note (Fixture    *f,
                   CairnStore *remote,
                   const char *title)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) first = NULL;
  char *note_id = cairn_store_create_note (remote, title, &error);

  g_assert_no_error (error);
  first = take_as_server (remote, 1);
  rebase_both (f, remote, first, "h1");
  return note_id;
}

/* The Notes page with note_id open in the editor. */
static CairnNotesView *
open_note (Fixture    *f,
           const char *note_id)
{
  CairnNotesView *view;

  cairn_window_select_page (f->window, "notes");
  view = CAIRN_NOTES_VIEW (cairn_test_find_widget (GTK_WIDGET (f->window),
                                                   CAIRN_TYPE_NOTES_VIEW, NULL));
  cairn_notes_view_select_note (view, note_id);
  return view;
}

static gboolean
body_view_is (GtkTextBuffer *buffer,
              const char    *want)
{
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, TRUE);
  return g_str_equal (text, want);
}

static void
test_remote_change_in_open_list (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) remote = open_store (f, "remote.db");
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autofree char *list = NULL;
  g_autofree char *todo = NULL;
  GtkWidget *entry;

  /* Another device makes a shared list with a task; we receive it and
   * open the list. */
  list = cairn_store_create_list (remote, "Shared", &error);
  g_assert_no_error (error);
  todo = cairn_store_create_todo (remote, list, "Paint the fence", NULL, NULL, &error);
  g_assert_no_error (error);
  first = take_as_server (remote, 1);
  rebase_both (f, remote, first, "h1");

  cairn_window_select_page (f->window, list);
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Paint the fence");

  /* We are typing a new task, cursor in the middle, when the other device
   * renames the task and adds another. */
  entry = new_task_entry (f);
  gtk_widget_grab_focus (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "Buy brushes");
  gtk_editable_set_position (GTK_EDITABLE (entry), 4);

  cairn_store_rename_todo (remote, todo, "Paint the fence white", &error);
  g_assert_no_error (error);
  g_free (cairn_store_create_todo (remote, list, "Buy paint", NULL, NULL, &error));
  g_assert_no_error (error);
  /* Our own pending list is seq 1 on the server… here the server has
   * seq 1–2 from the remote; ours is still pending, so it rebases on top. */
  second = take_as_server (remote, 3);
  cairn_store_rebase (f->store, second, NULL, &error);
  g_assert_no_error (error);

  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Paint the fence white");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Buy paint");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Paint the fence");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "Buy brushes");
  g_assert_cmpint (gtk_editable_get_position (GTK_EDITABLE (entry)), ==, 4);
  /* The window's focus widget is still in the entry. Not
   * gtk_widget_has_focus(): that also needs the window to hold the X focus,
   * which another UI test's window (run in parallel, no window manager)
   * may take at any moment. */
  g_assert_nonnull (gtk_root_get_focus (GTK_ROOT (f->window)));
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (f->window)), entry));
}

/* The notes list is filled when the Notes page is first shown (not while
 * the window opens on a list): the notes are all there then. */
typedef struct
{
  GtkWidget  *root;
  const char *title;
} LabelQuery;

static gboolean
label_mapped (gpointer data)
{
  LabelQuery *q = data;
  GtkWidget *label = cairn_test_find_widget (q->root, GTK_TYPE_LABEL, q->title);

  return label != NULL && gtk_widget_get_mapped (label);
}

static void
test_notes_listed_when_shown (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *alpha = cairn_store_create_note (f->store, "Alpha", &error);
  g_autofree char *beta = NULL;
  GtkWidget *view = cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_NOTES_VIEW, NULL);
  LabelQuery q = { NULL, "Alpha" };

  g_assert_no_error (error);
  beta = cairn_store_create_note (f->store, "Beta", &error);
  g_assert_no_error (error);
  g_assert_nonnull (view);
  q.root = view;
  cairn_test_spin (20);
  g_assert_false (label_mapped (&q));   /* the window shows the list */

  cairn_window_select_page (f->window, "notes");
  g_assert_true (cairn_test_wait_until (label_mapped, &q));
  q.title = "Beta";
  g_assert_true (cairn_test_wait_until (label_mapped, &q));

  /* Later notes join the list that is now shown. */
  g_free (beta);
  beta = cairn_store_create_note (f->store, "Gamma", &error);
  g_assert_no_error (error);
  q.title = "Gamma";
  g_assert_true (cairn_test_wait_until (label_mapped, &q));
}

static void
test_new_note_and_rename (Fixture       *f,
                          gconstpointer  data)
{
  GListModel *notes = cairn_pool_get_notes (f->pool);
  GtkWidget *title;
  g_autoptr(CairnNote) note = NULL;

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-note", NULL);
  g_assert_cmpstr (cairn_window_get_selected (f->window), ==, "notes");
  g_assert_cmpuint (g_list_model_get_n_items (notes), ==, 1);
  note = g_list_model_get_item (notes, 0);

  title = cairn_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_ENTRY, "title_entry");
  g_assert_nonnull (title);
  g_assert_true (cairn_test_wait_until (is_mapped, title));
  gtk_editable_set_text (GTK_EDITABLE (title), "Ideas");
  g_signal_emit_by_name (title, "activate");
  g_assert_cmpstr (cairn_note_get_title (note), ==, "Ideas");

  /* Deleting it from the editor, then Undo. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.delete-note", "s",
                              cairn_note_get_id (note));
  g_assert_cmpuint (g_list_model_get_n_items (notes), ==, 0);
  press_undo (f);
  g_assert_cmpuint (g_list_model_get_n_items (notes), ==, 1);
}

static gboolean
body_is_hello (gpointer data)
{
  return g_strcmp0 (cairn_note_get_body (data), "Hello world") == 0;
}

static gboolean
body_view_says (gpointer data)
{
  return body_view_is (data, "Say: Hello world");
}

static void
test_note_typing_and_remote_edit (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) remote = open_store (f, "remote.db");
  g_autoptr(GPtrArray) mine = NULL;
  g_autoptr(GPtrArray) theirs = NULL;
  g_autoptr(CairnNoteBuffer) remote_body = NULL;
  g_autofree char *note_id = NULL;
  CairnNotesView *view;
  GtkTextBuffer *buffer;
  GtkTextIter iter;
  CairnNote *note;
  guint pending;

  /* A note made on another device reaches us. */
  note_id = share_remote_note (f, remote, "Shared note");

  view = open_note (f, note_id);
  note = cairn_pool_lookup_note (f->pool, note_id);
  buffer = gtk_text_view_get_buffer (cairn_notes_view_get_body_view (view));
  g_assert_true (gtk_text_view_get_editable (cairn_notes_view_get_body_view (view)));

  /* Typing is stored: one note.edited once the burst is over. */
  pending = cairn_store_get_pending_count (f->store);
  gtk_text_buffer_insert_at_cursor (buffer, "Hello", -1);
  gtk_text_buffer_insert_at_cursor (buffer, " world", -1);
  g_assert_true (cairn_test_wait_until (body_is_hello, note));
  g_assert_cmpuint (cairn_store_get_pending_count (f->store), ==, pending + 1);

  /* The server takes our events; the other device prepends text while our
   * cursor sits before "world". */
  mine = take_as_server (f->store, 2);
  rebase_both (f, remote, mine, NULL);
  gtk_text_buffer_get_iter_at_offset (buffer, &iter, 6);
  gtk_text_buffer_place_cursor (buffer, &iter);

  remote_body = cairn_note_buffer_new (remote, note_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cairn_note_buffer_get_text (remote_body), ==, "Hello world");
  g_assert_true (cairn_note_buffer_insert (remote_body, 0, "Say: ", -1, &error));
  g_assert_true (cairn_note_buffer_flush (remote_body, &error));
  theirs = take_as_server (remote, 2 + mine->len);
  cairn_store_rebase (f->store, theirs, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (cairn_test_wait_until (body_view_says, buffer));
  gtk_text_buffer_get_iter_at_mark (buffer, &iter, gtk_text_buffer_get_insert (buffer));
  g_assert_cmpint (gtk_text_iter_get_offset (&iter), ==, 11);  /* still before "world" */
  /* Applying their change is not an edit of ours. */
  g_assert_false (cairn_note_buffer_has_unflushed (cairn_notes_view_get_note_buffer (view)));
}

typedef struct
{
  CairnNote  *note;
  const char *want;
} BodyWait;

static gboolean
note_body_is (gpointer data)
{
  BodyWait *w = data;

  return g_strcmp0 (cairn_note_get_body (w->note), w->want) == 0;
}

/* A paste of 1 MB into the note editor (issue 10: one such event was over
 * the server's 64 KiB args limit and blocked every later change) commits
 * events each within the limit; another device replaying them gets the
 * same body, and a change made after the paste follows it. */
static void
test_note_large_paste (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) remote = open_store (f, "remote.db");
  g_autoptr(GPtrArray) mine = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GString) paste = g_string_new (NULL);
  g_autofree char *note_id = NULL;
  g_autofree char *list_id = NULL;
  g_autofree char *remote_body = NULL;
  CairnNotesView *view;
  GtkTextBuffer *buffer;
  BodyWait wait;
  guint before;
  guint n_edits = 0;

  note_id = share_remote_note (f, remote, "Pasted");

  view = open_note (f, note_id);
  buffer = gtk_text_view_get_buffer (cairn_notes_view_get_body_view (view));

  for (guint i = 0; paste->len < 1024 * 1024; i++)
    g_string_append (paste, i % 7 ? "pasted été 日本 🙂 " : "\n");
  before = cairn_store_get_pending_count (f->store);
  gtk_text_buffer_insert_at_cursor (buffer, paste->str, -1);
  wait = (BodyWait) { cairn_pool_lookup_note (f->pool, note_id), paste->str };
  for (guint i = 0; i < 12 && !note_body_is (&wait); i++)
    cairn_test_wait_until (note_body_is, &wait);
  g_assert_true (note_body_is (&wait));

  pending = cairn_store_list_pending (f->store, 0, &error);
  g_assert_no_error (error);
  for (guint i = before; i < pending->len; i++)
    {
      CairnEvent *ev = pending->pdata[i];
      g_autofree char *args = cairn_event_dup_args_json (ev);

      g_assert_cmpstr (ev->name, ==, "note.edited");
      g_assert_cmpuint (strlen (args), <=, CAIRN_EVENT_MAX_ARGS_BYTES);
      n_edits++;
    }
  g_assert_cmpuint (n_edits, >, 1);

  /* A change after the paste; the server takes everything in order. */
  list_id = cairn_store_create_list (f->store, "After the paste", &error);
  g_assert_no_error (error);
  mine = take_as_server (f->store, 2);
  rebase_both (f, remote, mine, NULL);
  remote_body = test_read_note_body (remote, note_id);
  g_assert_cmpstr (remote_body, ==, paste->str);
  g_assert_cmpint (test_list_exists (remote, list_id), ==, 1);
}

static gboolean
editor_read_only (gpointer data)
{
  CairnNotesView *view = data;
  GtkWidget *bar = cairn_test_find_widget (GTK_WIDGET (view), GTK_TYPE_INFO_BAR, "refusal_bar");

  return !gtk_text_view_get_editable (cairn_notes_view_get_body_view (view)) &&
         gtk_info_bar_get_revealed (GTK_INFO_BAR (bar));
}

static gboolean
editor_editable (gpointer data)
{
  CairnNotesView *view = data;
  GtkWidget *bar = cairn_test_find_widget (GTK_WIDGET (view), GTK_TYPE_INFO_BAR, "refusal_bar");

  return gtk_text_view_get_editable (cairn_notes_view_get_body_view (view)) &&
         !gtk_info_bar_get_revealed (GTK_INFO_BAR (bar));
}

static gboolean
body_is_final (gpointer data)
{
  return g_strcmp0 (cairn_note_get_body (data), "theirs+mine!") == 0;
}

/* While the note's text refuses this device's edits (an edit of ours
 * waits for another device's edit we do not have), the editor is
 * read-only, a bar says why, and text typed anyway is not kept on screen.
 * A server restore no longer leads here (the store takes a fresh text
 * client id then); the state is made by hand: an edit of ours typed on
 * the other device's text, committed before that text reached us. */
static void
test_note_refusing_edits_is_read_only (Fixture       *f,
                                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) remote = open_store (f, "remote.db");
  g_autoptr(GPtrArray) theirs = NULL;
  g_autoptr(CairnText) remote_text = NULL;
  g_autoptr(CairnText) ours = NULL;
  g_autoptr(CairnTextOps) their_ops = cairn_text_ops_new ();
  g_autoptr(CairnTextOps) our_ops = cairn_text_ops_new ();
  g_autofree char *note_id = NULL;
  CairnNotesView *view;
  GtkTextBuffer *buffer;
  GtkWidget *bar;
  CairnNote *note;
  guint pending;

  note_id = share_remote_note (f, remote, "Shared note");

  /* The other device types; our edit is typed on it and committed here
   * before their text arrives: it is held, and it is our own. */
  remote_text = cairn_store_load_note_text (remote, note_id, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_text_insert (remote_text, 0, "theirs", -1, their_ops, &error));
  ours = cairn_store_load_note_text (f->store, note_id, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_text_apply (ours, their_ops, 0, &error));
  g_assert_true (cairn_text_insert (ours, 6, "+mine", -1, our_ops, &error));
  g_assert_true (cairn_store_edit_note (f->store, note_id, our_ops, &error));
  g_assert_no_error (error);

  view = open_note (f, note_id);
  note = cairn_pool_lookup_note (f->pool, note_id);
  buffer = gtk_text_view_get_buffer (cairn_notes_view_get_body_view (view));
  bar = cairn_test_find_widget (GTK_WIDGET (view), GTK_TYPE_INFO_BAR, "refusal_bar");
  g_assert_nonnull (bar);

  g_assert_true (cairn_test_wait_until (editor_read_only, view));
  g_assert_false (cairn_note_buffer_get_editable (cairn_notes_view_get_note_buffer (view)));
  g_assert_true (body_view_is (buffer, ""));

  /* Text typed anyway (a paste, an input method) is refused and does not
   * stay on screen; nothing is stored. */
  pending = cairn_store_get_pending_count (f->store);
  gtk_text_buffer_insert_at_cursor (buffer, "not stored", -1);
  g_assert_true (body_view_is (buffer, ""));
  g_assert_false (cairn_note_buffer_has_unflushed (cairn_notes_view_get_note_buffer (view)));
  g_assert_true (cairn_note_buffer_flush (cairn_notes_view_get_note_buffer (view), &error));
  g_assert_cmpuint (cairn_store_get_pending_count (f->store), ==, pending);
  g_assert_true (editor_read_only (view));

  /* Their text arrives: ours joins it, and the editor takes typing again. */
  g_assert_true (cairn_store_edit_note (remote, note_id, their_ops, &error));
  theirs = take_as_server (remote, 2);
  cairn_store_rebase (f->store, theirs, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_test_wait_until (editor_editable, view));
  g_assert_true (body_view_is (buffer, "theirs+mine"));
  {
    GtkTextIter end;

    gtk_text_buffer_get_end_iter (buffer, &end);
    gtk_text_buffer_insert (buffer, &end, "!", -1);
  }
  g_assert_true (cairn_test_wait_until (body_is_final, note));
  g_assert_false (gtk_info_bar_get_revealed (GTK_INFO_BAR (bar)));
}

static gboolean
has_first_row (gpointer box)
{
  return gtk_list_box_get_row_at_index (box, 0) != NULL;
}

static gboolean
has_focus (gpointer widget)
{
  return gtk_widget_has_focus (widget);
}

/* The arrow keys go through every row of the sidebar as one column:
 * Inbox, Today, Upcoming, the tags, the lists, Notes, and back up. */
static void
test_sidebar_arrow_keys (Fixture       *f,
                         gconstpointer  data)
{
  const char *boxes[] = { "smart_listbox", "tags_listbox", "lists_listbox", "notes_listbox" };
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *tag = cairn_store_create_tag (f->store, "home", NULL, &error);
  GtkWidget *lists_box = cairn_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_LIST_BOX,
                                                 "lists_listbox");

  g_assert_no_error (error);
  g_assert_true (cairn_test_wait_until (has_first_row, lists_box));
  for (guint i = 0; i < G_N_ELEMENTS (boxes); i++)
    {
      GtkWidget *box = cairn_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_LIST_BOX,
                                               boxes[i]);
      GtkListBoxRow *row;

      g_assert_nonnull (box);
      for (int j = 0; (row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (box), j)) != NULL; j++)
        g_ptr_array_add (rows, row);
    }
  /* Inbox, Today, Upcoming, Activity, the tag, Groceries, Notes. */
  g_assert_cmpuint (rows->len, ==, 7);

  gtk_widget_grab_focus (rows->pdata[0]);
  g_assert_true (cairn_test_wait_until (has_focus, rows->pdata[0]));
  for (guint i = 1; i < rows->len; i++)
    {
      /* What the Down key binding of a list box emits. */
      g_signal_emit_by_name (gtk_widget_get_parent (rows->pdata[i - 1]), "move-cursor",
                             GTK_MOVEMENT_DISPLAY_LINES, 1, FALSE, FALSE);
      g_assert_true (cairn_test_wait_until (has_focus, rows->pdata[i]));
    }
  for (guint i = rows->len - 1; i > 0; i--)
    {
      g_signal_emit_by_name (gtk_widget_get_parent (rows->pdata[i]), "move-cursor",
                             GTK_MOVEMENT_DISPLAY_LINES, -1, FALSE, FALSE);
      g_assert_true (cairn_test_wait_until (has_focus, rows->pdata[i - 1]));
    }
}

/* The sidebar keeps its width when the workspace's name (its header's
 * subtitle) changes, short or long. */
static void
test_sidebar_width_stays (Fixture       *f,
                          gconstpointer  data)
{
  GtkWidget *sidebar = cairn_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_BOX, "sidebar_box");
  GtkWidget *title = cairn_test_find_widget (GTK_WIDGET (f->window), ADW_TYPE_WINDOW_TITLE,
                                             "sidebar_title");
  const char *names[] = { "Home", "Local Workspace",
                          "The Müller-Lüdenscheidt family and friends shared workspace" };
  int first = -1;

  g_assert_nonnull (sidebar);
  g_assert_nonnull (title);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      int min, nat;

      adw_window_title_set_subtitle (ADW_WINDOW_TITLE (title), names[i]);
      gtk_widget_measure (sidebar, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
      if (first < 0)
        first = nat;
      g_assert_cmpint (nat, ==, first);
    }
}

static gboolean
leaflet_folded (gpointer leaflet)
{
  return adw_leaflet_get_folded (leaflet);
}

/* At 360 px the notes page folds: the list, or the editor with a back
 * button, one at a time; opening a note shows the editor, Back the list.
 * Wide, both side by side and no back button. */
static void
test_notes_fold_when_narrow (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GSettings) settings = cairn_test_settings_new ();
  CairnWindow *window;
  GtkWidget *view, *leaflet, *back, *list, *editor;

  g_settings_set_int (settings, "window-width", 360);
  g_settings_set_int (settings, "window-height", 640);
  window = cairn_window_new (NULL, settings, f->pool);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cairn_test_wait_until (is_mapped, window));

  gtk_widget_activate_action (GTK_WIDGET (window), "win.new-note", NULL);
  view = cairn_test_find_widget (GTK_WIDGET (window), CAIRN_TYPE_NOTES_VIEW, NULL);
  leaflet = cairn_test_find_widget (view, ADW_TYPE_LEAFLET, "leaflet");
  back = cairn_test_find_widget (view, GTK_TYPE_BUTTON, "back_button");
  list = cairn_test_find_widget (view, GTK_TYPE_LIST_VIEW, "notes_list");
  editor = cairn_test_find_widget (view, GTK_TYPE_STACK, "editor_stack");
  g_assert_true (cairn_test_wait_until (leaflet_folded, leaflet));
  /* the new note is open: the editor, with a way back */
  g_assert_true (adw_leaflet_get_visible_child (ADW_LEAFLET (leaflet)) == editor);
  g_assert_true (cairn_test_wait_until (is_mapped, back));

  g_signal_emit_by_name (back, "clicked");
  g_assert_false (adw_leaflet_get_visible_child (ADW_LEAFLET (leaflet)) == editor);
  g_assert_true (cairn_test_wait_until (is_mapped, list));
  /* what a click on the note in the list emits */
  g_signal_emit_by_name (list, "activate", 0);
  g_assert_true (adw_leaflet_get_visible_child (ADW_LEAFLET (leaflet)) == editor);
  gtk_window_destroy (GTK_WINDOW (window));

  /* The fixture's window is wide: no fold, no back button. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-note", NULL);
  view = cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_NOTES_VIEW, NULL);
  leaflet = cairn_test_find_widget (view, ADW_TYPE_LEAFLET, "leaflet");
  back = cairn_test_find_widget (view, GTK_TYPE_BUTTON, "back_button");
  cairn_test_spin (20);
  g_assert_false (adw_leaflet_get_folded (ADW_LEAFLET (leaflet)));
  g_assert_false (gtk_widget_get_visible (back));
}

int
main (int   argc,
      char *argv[])
{
  cairn_test_init_ui (&argc, &argv);

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/todos/add-complete-rename-delete-undo", test_add_complete_rename_delete_undo);
  ADD ("/todos/due-date-from-calendar", test_due_date_from_calendar);
  ADD ("/todos/long-or-pasted-title-is-cleaned", test_long_or_pasted_title_is_cleaned);
  g_test_add_func ("/todos/clean-title", test_clean_title);
  g_test_add_func ("/todos/format-due", test_format_due);
  ADD ("/todos/long-list-makes-rows-on-screen", test_long_list_makes_rows_on_screen);
  ADD ("/lists/create-rename-delete", test_create_rename_delete_list);
  ADD ("/lists/sidebar-menu", test_sidebar_list_menu);
  ADD ("/lists/sidebar-arrow-keys", test_sidebar_arrow_keys);
  ADD ("/lists/sidebar-width-stays", test_sidebar_width_stays);
  ADD ("/todos/remote-change-in-open-list", test_remote_change_in_open_list);
  ADD ("/notes/listed-when-shown", test_notes_listed_when_shown);
  ADD ("/notes/new-and-rename", test_new_note_and_rename);
  ADD ("/notes/fold-when-narrow", test_notes_fold_when_narrow);
  ADD ("/notes/typing-and-remote-edit", test_note_typing_and_remote_edit);
  ADD ("/notes/refusing-edits-is-read-only", test_note_refusing_edits_is_read_only);
  ADD ("/notes/large-paste", test_note_large_paste);
#undef ADD

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-history.c: the History of a task (details pane) and of a note
 * (the editor's History popover), issue 15: not read while closed, who
 * and which device made each change, and "Restore This Version" through
 * its confirmation, over a real store with confirmed and remote events. */
#include "config.h"

#include <string.h>

#include "cairn-activity-page.h"
#include "cairn-history-section.h"
#include "cairn-notes-view.h"
#include "cairn-store-history.h"
#include "cairn-task-details.h"
#include "cairn-ui-test.h"
#include "cairn-window.h"
#include "store-test-util.h"

#define BOB_CLIENT "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"

typedef struct
{
  char        *dir;
  CairnStore  *store;
  CairnPool   *pool;
  GSettings   *settings;
  CairnWindow *window;
  char        *list_id;
  char        *todo_id;
  char        *note_id;
  gint64       seq;
} Fixture;

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

/* Every pending event confirmed as ann's laptop sent it. */
static void
confirm_pending (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = cairn_store_list_pending (f->store, 0, &error);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

  g_assert_no_error (error);
  for (guint i = 0; i < pending->len; i++)
    {
      CairnEvent *ev = test_event_confirmed (pending->pdata[i], ++f->seq);

      ev->user = g_strdup ("ann");
      ev->device = g_strdup ("laptop");
      g_ptr_array_add (out, ev);
    }
  test_rebase_ok (f->store, out, "h1");
}

static void
bob_does (Fixture    *f,
          gint64      client_seq,
          const char *name,
          const char *args_json)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  CairnEvent *ev = test_event_new (BOB_CLIENT, client_seq, ++f->seq, name, args_json);

  ev->user = g_strdup ("bob");
  ev->device = g_strdup ("phone");
  g_ptr_array_add (events, ev);
  test_rebase_ok (f->store, events, "h1");
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("cairn-ui-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = test_store_open_at (f->dir, "local.db");
  f->pool = cairn_pool_new (f->store);
  f->settings = cairn_test_settings_new ();
  f->list_id = cairn_store_create_list (f->store, "Groceries", &error);
  g_assert_no_error (error);
  f->todo_id = cairn_store_create_todo (f->store, f->list_id, "Buy milk", NULL, NULL, &error);
  g_assert_no_error (error);

  f->window = cairn_window_new (NULL, f->settings, f->pool);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1200, 800);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (cairn_test_wait_until (is_mapped, f->window));
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
  g_free (f->todo_id);
  g_free (f->note_id);
}

static gboolean
is_history_section (GtkWidget     *widget,
                    gconstpointer  data)
{
  return CAIRN_IS_HISTORY_SECTION (widget);
}

static gboolean
has_rows (gpointer data)
{
  return cairn_history_section_get_rows (data)->len > 0;
}

static const char *
row_title (CairnHistorySection *section,
           guint                i)
{
  return adw_preferences_row_get_title (cairn_history_section_get_rows (section)->pdata[i]);
}

static const char *
row_subtitle (CairnHistorySection *section,
              guint                i)
{
  return adw_action_row_get_subtitle (cairn_history_section_get_rows (section)->pdata[i]);
}

static gboolean
is_restore_button (GtkWidget     *widget,
                   gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_widget_get_tooltip_text (widget), "Restore This Version") == 0;
}

static AdwMessageDialog *
find_dialog (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL;
}

/* Restores the version of row i: its button, then the dialog's answer. */
static void
restore_row (CairnHistorySection *section,
             guint                i,
             const char          *response)
{
  GtkWidget *button = cairn_test_find_first (cairn_history_section_get_rows (section)->pdata[i],
                                             is_restore_button, NULL);
  AdwMessageDialog *dialog;

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (cairn_test_wait_until (dialog_shown, NULL));
  dialog = find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Restore This Version?");
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static char *
todo_title (Fixture *f)
{
  g_autofree char *sql = g_strdup_printf ("SELECT title FROM todos WHERE id = '%s'", f->todo_id);

  return test_query_text (f->store, sql);
}

static gboolean
title_is_buy_milk (gpointer data)
{
  g_autofree char *title = todo_title (data);

  return g_strcmp0 (title, "Buy milk") == 0;
}

static gboolean
pane_shows_todo (gpointer data)
{
  Fixture *f = data;
  CairnTaskDetails *pane = CAIRN_TASK_DETAILS (cairn_test_find_widget (GTK_WIDGET (f->window),
                                                                       CAIRN_TYPE_TASK_DETAILS, NULL));

  return g_strcmp0 (cairn_task_details_get_todo_id (pane), f->todo_id) == 0;
}

static gboolean
top_row_confirmed (gpointer data)
{
  GPtrArray *rows = cairn_history_section_get_rows (data);

  return rows->len > 0 && g_str_has_prefix (adw_action_row_get_subtitle (rows->pdata[0]), "ann on laptop · ");
}

/* The task's history: read only once opened (Ctrl+Shift+H), newest
 * first, with user and device; restoring the first version (after a
 * confirmation; Cancel changes nothing) puts the old title back. */
static void
test_task_history (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *args = g_strdup_printf ("{\"todo_id\":\"%s\",\"title\":\"Buy oat milk\"}", f->todo_id);
  g_autofree char *title = NULL;
  CairnTaskDetails *pane;
  CairnHistorySection *section;
  guint n, pending;

  confirm_pending (f);                      /* list 1, todo 2 */
  bob_does (f, 1, "todo.renamed", args);    /* 3 */
  cairn_window_select_page (f->window, f->list_id);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-task", "s", f->todo_id));
  g_assert_true (cairn_test_wait_until (pane_shows_todo, f));
  pane = CAIRN_TASK_DETAILS (cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_TASK_DETAILS, NULL));
  section = CAIRN_HISTORY_SECTION (cairn_test_find_first (GTK_WIDGET (pane), is_history_section, NULL));
  g_assert_nonnull (section);
  g_assert_cmpuint (cairn_history_section_get_rows (section)->len, ==, 0);   /* not read while closed */

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pane), "details.show-history", NULL));
  g_assert_true (cairn_test_wait_until (has_rows, section));
  n = cairn_history_section_get_rows (section)->len;
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpstr (row_title (section, 0), ==, "Title: Buy milk → Buy oat milk");
  g_assert_true (g_str_has_prefix (row_subtitle (section, 0), "bob on phone · "));
  g_assert_cmpstr (row_title (section, 1), ==, "Created");
  g_assert_true (g_str_has_prefix (row_subtitle (section, 1), "ann on laptop · "));

  /* Cancel: nothing changes. */
  pending = cairn_store_get_pending_count (f->store);
  restore_row (section, 1, "cancel");
  cairn_test_spin (50);
  g_assert_cmpuint (cairn_store_get_pending_count (f->store), ==, pending);

  restore_row (section, 1, "restore");
  g_assert_true (cairn_test_wait_until (title_is_buy_milk, f));
  g_assert_cmpuint (cairn_store_get_pending_count (f->store), ==, pending + 1);
  /* The restore is in the history at once, as this device's, not synced. */
  g_assert_true (cairn_test_wait_until (has_rows, section));
  cairn_test_spin (50);
  g_assert_cmpuint (cairn_history_section_get_rows (section)->len, ==, 3);
  g_assert_cmpstr (row_title (section, 0), ==, "Title: Buy oat milk → Buy milk");
  g_assert_true (g_str_has_prefix (row_subtitle (section, 0), "This device · not synced yet"));
  title = todo_title (f);
  g_assert_cmpstr (title, ==, "Buy milk");

  /* Once the server confirms it, the open history says who and where. */
  confirm_pending (f);
  g_assert_true (cairn_test_wait_until (top_row_confirmed, section));
}

static gboolean
body_is_first_version (gpointer data)
{
  Fixture *f = data;
  g_autofree char *body = test_read_note_body (f->store, f->note_id);

  return g_strcmp0 (body, "Monday: call Eve") == 0;
}

/* A note's history in the editor's popover: text edits with what they
 * inserted; restoring the first edit gives exactly that body. */
static void
test_note_history (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *note_id;
  CairnNotesView *view;
  CairnHistorySection *section;

  f->note_id = cairn_store_create_note (f->store, "Week", &error);
  note_id = f->note_id;
  g_assert_no_error (error);
  test_type_into_note (f->store, note_id, 0, "Monday: call Eve");
  confirm_pending (f);
  test_type_into_note (f->store, note_id, 0, "Sunday: rest. ");

  cairn_window_select_page (f->window, "notes");
  view = CAIRN_NOTES_VIEW (cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_NOTES_VIEW, NULL));
  cairn_notes_view_select_note (view, note_id);
  section = CAIRN_HISTORY_SECTION (cairn_test_find_first (GTK_WIDGET (view), is_history_section, NULL));
  g_assert_nonnull (section);
  g_assert_cmpuint (cairn_history_section_get_rows (section)->len, ==, 0);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "notes.show-history", NULL));
  g_assert_true (cairn_test_wait_until (has_rows, section));
  g_assert_cmpuint (cairn_history_section_get_rows (section)->len, ==, 3);
  g_assert_cmpstr (row_title (section, 0), ==, "Text edited +“Sunday: rest. ”");
  g_assert_cmpstr (row_title (section, 1), ==, "Text edited +“Monday: call Eve”");
  /* the pending edit offers no restore: only confirmed versions do */
  g_assert_null (cairn_test_find_first (cairn_history_section_get_rows (section)->pdata[0],
                                        is_restore_button, NULL));

  restore_row (section, 1, "restore");
  g_assert_true (cairn_test_wait_until (body_is_first_version, f));
}

static gboolean
is_activity_count (GtkWidget     *widget,
                   gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget)),
                                             "activity_count") == 0;
}

static GtkLabel *
activity_count (Fixture *f)
{
  GtkWidget *label = cairn_test_find_first (GTK_WIDGET (f->window), is_activity_count, NULL);

  g_assert_nonnull (label);
  return GTK_LABEL (label);
}

static gboolean
count_shows_one (gpointer data)
{
  GtkLabel *label = activity_count (data);

  return gtk_widget_get_visible (GTK_WIDGET (label)) && g_strcmp0 (gtk_label_get_label (label), "1") == 0;
}

static gboolean
count_hidden (gpointer data)
{
  return !gtk_widget_get_visible (GTK_WIDGET (activity_count (data)));
}

/* The Activity page: nothing is news on a first start; another device's
 * change after it shows as a count on the sidebar's row, the page lists
 * that task first (with who), and leaving the page marks it seen. */
static void
test_activity_page (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *args = g_strdup_printf ("{\"todo_id\":\"%s\",\"title\":\"Buy oat milk\"}", f->todo_id);
  g_autoptr(GError) error = NULL;
  CairnActivityPage *page;
  GPtrArray *rows;

  confirm_pending (f);
  cairn_test_spin (100);
  /* the window opened before these: its first mark was 0 events */
  g_assert_true (cairn_store_set_activity_mark (f->store, f->seq, &error));
  bob_does (f, 1, "todo.renamed", args);
  g_assert_true (cairn_test_wait_until (count_shows_one, f));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-view", "s", "activity"));
  page = CAIRN_ACTIVITY_PAGE (cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_ACTIVITY_PAGE, NULL));
  g_assert_true (cairn_test_wait_until (is_mapped, page));
  rows = cairn_activity_page_get_rows (page);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (adw_preferences_row_get_title (rows->pdata[0]), ==, "Buy oat milk");
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (rows->pdata[0]), "1 change by bob · "));

  /* leaving it: seen */
  cairn_window_select_page (f->window, f->list_id);
  g_assert_true (cairn_test_wait_until (count_hidden, f));
  g_assert_cmpint (cairn_store_get_activity_mark (f->store, &error), ==, f->seq);
}

int
main (int    argc,
      char **argv)
{
  cairn_test_init_ui (&argc, &argv);

  g_test_add ("/ui/history/task", Fixture, NULL, fixture_set_up, test_task_history, fixture_tear_down);
  g_test_add ("/ui/history/note", Fixture, NULL, fixture_set_up, test_note_history, fixture_tear_down);
  g_test_add ("/ui/history/activity", Fixture, NULL, fixture_set_up, test_activity_page, fixture_tear_down);
  return g_test_run ();
}

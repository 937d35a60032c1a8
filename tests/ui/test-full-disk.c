/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-full-disk.c: typing into a note while the disk is full, through the
 * real window over the fault VFS (tests/fault): the window says the typing
 * could not be saved, the editor keeps it, and it is saved once space
 * returns without another keystroke. */
#include "config.h"

#include <string.h>
#include <sqlite3.h>

#include "cairn-fault-vfs.h"
#include "fault-test-util.h"
#include "cairn-notes-view.h"
#include "cairn-todo-row.h"
#include "cairn-ui.h"
#include "cairn-ui-test.h"
#include "cairn-window.h"

/* Toasts queue up (one shown at a time, 5 s each): a toast may wait for
 * the ones before it longer than cairn_test_wait_until() waits. */
static gboolean
wait_for_toast (CairnTestLabelQuery *q)
{
  for (guint i = 0; i < 4; i++)
    if (cairn_test_wait_until (cairn_test_label_shown, q))
      return TRUE;
  return FALSE;
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static gboolean
saved (gpointer data)
{
  return !cairn_note_buffer_has_unflushed (CAIRN_NOTE_BUFFER (data));
}

typedef struct
{
  CairnPool  *pool;
  const char *id;
  const char *text;
} BodyQuery;

static gboolean
body_is (gpointer data)
{
  BodyQuery *q = data;
  CairnNote *note = cairn_pool_lookup_note (q->pool, q->id);

  return note != NULL && g_strcmp0 (cairn_note_get_body (note), q->text) == 0;
}

static gboolean
title_is (gpointer data)
{
  BodyQuery *q = data;
  CairnNote *note = cairn_pool_lookup_note (q->pool, q->id);

  return note != NULL && g_strcmp0 (cairn_note_get_title (note), q->text) == 0;
}

static char *
editor_text (GtkTextBuffer *buffer)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
test_typing_on_full_disk (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cairn-ui-full-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "local.db", NULL);
  g_autofree char *note_id = NULL, *other_id = NULL, *shown = NULL, *body = NULL;
  g_autofree char *list_id = NULL, *todo_id = NULL;
  CairnTestRowQuery rq = { NULL, NULL, NULL };
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(CairnPool) pool = NULL;
  g_autoptr(GSettings) settings = cairn_test_settings_new ();
  CairnNoteBuffer *note_buffer;
  CairnNotesView *view;
  GtkTextBuffer *buffer;
  CairnWindow *window;
  GtkWidget *title_entry;
  GtkWidget *row_entry;
  CairnTestLabelQuery q = { NULL, NULL, CAIRN_TEST_LABEL_CONTAINS };
  BodyQuery bq;

  g_assert_no_error (error);
  /* The store's lazy write of note bodies warns when it meets the full
   * disk (and is done again later). */
  fault_test_allow_storage_warnings ();
  store = cairn_store_open (path, &error);
  g_assert_no_error (error);
  other_id = cairn_store_create_note (store, "Recipes", &error);
  g_assert_no_error (error);
  note_id = cairn_store_create_note (store, "Diary", &error);
  g_assert_no_error (error);
  list_id = cairn_store_create_list (store, "Groceries", &error);
  g_assert_no_error (error);
  todo_id = cairn_store_create_todo (store, list_id, "Buy milk", NULL, NULL, &error);
  g_assert_no_error (error);
  pool = cairn_pool_new (store);
  window = cairn_window_new (NULL, settings, pool);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cairn_test_wait_until (is_mapped, window));
  cairn_window_select_page (window, "notes");
  view = CAIRN_NOTES_VIEW (cairn_test_find_widget (GTK_WIDGET (window), CAIRN_TYPE_NOTES_VIEW, NULL));
  cairn_notes_view_select_note (view, note_id);
  buffer = gtk_text_view_get_buffer (cairn_notes_view_get_body_view (view));
  note_buffer = cairn_notes_view_get_note_buffer (view);
  g_assert_nonnull (note_buffer);

  gtk_text_buffer_insert_at_cursor (buffer, "Dear diary, ", -1);
  g_assert_true (cairn_test_wait_until (saved, note_buffer));

  /* The disk fills up; the person goes on typing. */
  cairn_fault_vfs_fill_disk (1, SQLITE_FULL);
  gtk_text_buffer_insert_at_cursor (buffer, "today it rained.", -1);
  q.root = GTK_WIDGET (window);
  q.text = "Could not save the typing";
  g_assert_true (wait_for_toast (&q));
  q.text = "the disk is full";
  g_assert_true (cairn_test_label_shown (&q));
  shown = editor_text (buffer);
  g_assert_cmpstr (shown, ==, "Dear diary, today it rained.");
  g_assert_true (cairn_note_buffer_has_unflushed (note_buffer));
  g_assert_true (cairn_note_buffer_get_save_failing (note_buffer));

  /* Space returns: the typing is saved by itself. */
  cairn_fault_vfs_free_space ();
  g_assert_true (cairn_test_wait_until (saved, note_buffer));
  body = g_strdup (cairn_note_get_body (cairn_pool_lookup_note (pool, note_id)));
  g_assert_cmpstr (body, ==, "Dear diary, today it rained.");

  /* Full again, and the person goes to another note right after typing:
   * told so, and the typing is saved once there is space. */
  cairn_fault_vfs_fill_disk (1, SQLITE_FULL);
  gtk_text_buffer_insert_at_cursor (buffer, " Then sun.", -1);
  cairn_notes_view_select_note (view, other_id);
  q.text = "Could not save the note";
  g_assert_true (wait_for_toast (&q));
  cairn_fault_vfs_free_space ();
  bq.pool = pool;
  bq.id = note_id;
  bq.text = "Dear diary, today it rained. Then sun.";
  g_assert_true (cairn_test_wait_until (body_is, &bq));

  /* A new title on a full disk stays in the entry for another try. */
  title_entry = cairn_test_find_widget (GTK_WIDGET (view), GTK_TYPE_ENTRY, "title_entry");
  g_assert_nonnull (title_entry);
  cairn_fault_vfs_fill_disk (1, SQLITE_FULL);
  gtk_editable_set_text (GTK_EDITABLE (title_entry), "Cakes");
  g_signal_emit_by_name (title_entry, "activate");
  q.text = "Could not rename the note";
  g_assert_true (wait_for_toast (&q));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (title_entry)), ==, "Cakes");
  cairn_fault_vfs_free_space ();
  g_signal_emit_by_name (title_entry, "activate");
  bq.id = other_id;
  bq.text = "Cakes";
  g_assert_true (cairn_test_wait_until (title_is, &bq));

  /* A task renamed on a full disk keeps the new title in its entry. */
  cairn_window_select_page (window, list_id);
  rq.root = GTK_WIDGET (window);
  rq.text = "Buy milk";
  g_assert_true (cairn_test_wait_until (cairn_test_todo_row_shown, &rq));
  row_entry = cairn_test_find_widget (rq.found, GTK_TYPE_ENTRY, "title_entry");
  cairn_fault_vfs_fill_disk (1, SQLITE_FULL);
  gtk_widget_grab_focus (row_entry);
  gtk_editable_set_text (GTK_EDITABLE (row_entry), "Buy oat milk");
  g_signal_emit_by_name (row_entry, "activate");
  q.text = "Could not rename the task";
  g_assert_true (wait_for_toast (&q));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row_entry)), ==, "Buy oat milk");
  g_assert_cmpstr (cairn_todo_get_title (cairn_pool_lookup_todo (pool, todo_id)), ==, "Buy milk");
  cairn_fault_vfs_free_space ();
  g_signal_emit_by_name (row_entry, "activate");
  g_assert_cmpstr (cairn_todo_get_title (cairn_pool_lookup_todo (pool, todo_id)), ==, "Buy oat milk");

  gtk_window_destroy (GTK_WINDOW (window));
  cairn_test_spin (10);
  g_clear_object (&pool);
  g_clear_object (&store);
  cairn_test_remove_dir (dir);
}

int
main (int argc, char **argv)
{
  cairn_test_init_ui (&argc, &argv);
  cairn_fault_vfs_install ();
  g_test_add_func ("/full-disk/typing", test_typing_on_full_disk);
  return g_test_run ();
}

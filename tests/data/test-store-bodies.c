/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-bodies.c: note bodies as derived state (schema 4): a note edit
 * records only the note's version, notes.body is written lazily, rollback
 * restores the text byte for byte, a crash before the body write loses
 * nothing, another process sees the edit, and WAL checkpoints run on the
 * checkpoint thread. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cairn-pool.h"
#include "store-test-util.h"

#define FOREIGN "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NOTE    "01890a5d-ac96-774b-bcce-b30209900021"

/* notes.body as stored, and the body as readers see it. */
static char *
raw_body (CairnStore *store,
          const char *id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT body FROM notes WHERE id = '%s'", id);

  return test_query_text (store, sql);
}

/* An edit made on another device's replica, as the server delivers it. */
static CairnEvent *
foreign_edit (CairnText  *replica,
              gsize       pos,
              const char *text,
              gint64      seq)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *b64 = NULL;
  g_autofree char *args = NULL;

  g_assert_true (cairn_text_insert (replica, pos, text, -1, ops, &error));
  bytes = cairn_text_ops_encode (ops);
  b64 = g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  args = g_strdup_printf ("{\"note_id\":\"" NOTE "\",\"ops\":\"%s\"}", b64);
  return test_event_new (FOREIGN, seq, seq, "note.edited", args);
}

static GPtrArray *
events_of (CairnEvent *first,
           ...)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  va_list ap;

  va_start (ap, first);
  for (CairnEvent *e = first; e != NULL; e = va_arg (ap, CairnEvent *))
    g_ptr_array_add (events, e);
  va_end (ap);
  return events;
}

static void
save_bodies (CairnStore *store)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cairn_store_save_note_bodies (store, &error));
  g_assert_no_error (error);
}

/* A keystroke in a long note writes the ops and a small version, not the
 * note: notes.body is left as it was until the lazy write. */
static void
test_commit_writes_no_body (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(CairnPool) pool = NULL;
  g_autofree char *id = cairn_store_create_note (ts->store, "Long", &error);
  g_autofree char *raw = NULL, *current = NULL, *expected = NULL;
  gint64 changeset_size;

  g_assert_no_error (error);
  while (text->len < 100000)
    g_string_append (text, "lorem ipsum dolor sit amet, consectetur adipiscing elit. ");
  test_type_into_note (ts->store, id, 0, text->str);
  save_bodies (ts->store);
  raw = raw_body (ts->store, id);
  g_assert_cmpstr (raw, ==, text->str);
  g_clear_pointer (&raw, g_free);

  pool = cairn_pool_new (ts->store);
  test_type_into_note (ts->store, id, 50000, "x");
  g_string_insert_c (text, 50000, 'x');

  /* The event's changeset carries two versions, not two bodies. */
  changeset_size = test_query_int (ts->store, "SELECT length (changeset) FROM pending "
                                   "ORDER BY client_seq DESC LIMIT 1");
  g_assert_cmpint (changeset_size, >, 0);
  g_assert_cmpint (changeset_size, <, 200);
  g_assert_cmpint (test_query_int (ts->store, "SELECT instr (changeset, 'lorem') FROM pending "
                                   "ORDER BY client_seq DESC LIMIT 1"), ==, 0);

  /* Readers see the new text at once; the stored body is still the old. */
  raw = raw_body (ts->store, id);
  g_assert_cmpuint (strlen (raw), ==, text->len - 1);
  current = test_read_note_body (ts->store, id);
  g_assert_cmpstr (current, ==, text->str);
  g_assert_cmpstr (cairn_note_get_body (cairn_pool_lookup_note (pool, id)), ==, text->str);
  expected = test_dump (ts->store);
  g_assert_nonnull (strstr (expected, "elit. lorem ipsum"));

  /* The lazy write catches notes.body up, and changes nothing else. */
  save_bodies (ts->store);
  g_clear_pointer (&raw, g_free);
  raw = raw_body (ts->store, id);
  g_assert_cmpstr (raw, ==, text->str);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM note_versions v "
                                   "JOIN note_body_versions b ON b.note_id = v.id "
                                   "WHERE b.version = v.version"), ==, 1);
  {
    g_autofree char *after = test_dump (ts->store);

    g_assert_cmpstr (after, ==, expected);
  }

  /* Folding the appended ops into the state (the whole note again) waits
   * for the lazy write too, unless they outgrow the state itself. */
  {
    g_autoptr(GString) paste = g_string_new (NULL);
    g_autofree char *after = NULL;

    while (paste->len < 40000)
      g_string_append (paste, "pasted ");
    /* The state (its text compressed) is well over the paste's ops. */
    g_assert_cmpint (test_query_int (ts->store, "SELECT length (crdt) FROM note_bodies"), >,
                     2 * (gint64) paste->len);
    test_type_into_note (ts->store, id, 10, paste->str);
    g_string_insert (text, 10, paste->str);
    g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM note_body_ops"), >, 0);
    save_bodies (ts->store);
    g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM note_body_ops"), ==, 0);
    after = raw_body (ts->store, id);
    g_assert_cmpstr (after, ==, text->str);
  }
}

/* Rolling the pending edits back gives exactly the confirmed text, also
 * after notes.body was written with the pending text in it; a rebase over
 * them gives what a rebuild gives. */
static void
test_rollback_byte_for_byte (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) remote = cairn_text_new (FOREIGN, &error);
  g_autoptr(CairnStore) log_only = test_store_open_extra (ts, "log-only.db");
  g_autofree char *fresh_note = NULL, *without = NULL, *expected = NULL;
  g_autofree char *before_rebuild = NULL, *after_rebuild = NULL, *body = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      CairnStore *store = i == 0 ? ts->store : log_only;
      g_autoptr(CairnText) replica = cairn_text_new (FOREIGN, &error);
      g_autoptr(GPtrArray) events =
        events_of (test_event_new (FOREIGN, 1, 1, "note.created",
                                   "{\"note_id\":\"" NOTE "\",\"title\":\"Shared\"}"),
                   foreign_edit (i == 0 ? remote : replica, 0, "Confirmed text.", 2), NULL);

      test_rebase_ok (store, events, "h1");
    }

  /* Pending: an edit of the shared note, and a note made and typed in
   * here; then the lazy write puts their text into notes.body. */
  test_type_into_note (ts->store, NOTE, 15, " Pending text.");
  fresh_note = cairn_store_create_note (ts->store, "Mine", &error);
  g_assert_no_error (error);
  test_type_into_note (ts->store, fresh_note, 0, "Only here.");
  save_bodies (ts->store);
  body = raw_body (ts->store, NOTE);
  g_assert_cmpstr (body, ==, "Confirmed text. Pending text.");

  without = _cairn_store_dump_state_without_pending (ts->store, &error);
  g_assert_no_error (error);
  expected = test_dump (log_only);
  g_assert_cmpstr (without, ==, expected);

  /* Another device's edit arrives: pending rolls back (the body written
   * for the note made here differs from the one its creation recorded),
   * the edit applies, pending replays. */
  {
    g_autoptr(GPtrArray) events = events_of (foreign_edit (remote, 0, ">> ", 3), NULL);

    test_rebase_ok (ts->store, events, "h1");
  }
  g_clear_pointer (&body, g_free);
  body = test_read_note_body (ts->store, NOTE);
  g_assert_cmpstr (body, ==, ">> Confirmed text. Pending text.");
  g_clear_pointer (&body, g_free);
  body = test_read_note_body (ts->store, fresh_note);
  g_assert_cmpstr (body, ==, "Only here.");

  save_bodies (ts->store);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM notes "
                                   "WHERE body IS NOT cairn_note_body (id, body)"), ==, 0);
  g_clear_pointer (&body, g_free);
  body = raw_body (ts->store, fresh_note);
  g_assert_cmpstr (body, ==, "Only here.");

  before_rebuild = test_dump (ts->store);
  g_assert_true (cairn_store_rebuild (ts->store, &error));
  g_assert_no_error (error);
  after_rebuild = test_dump (ts->store);
  g_assert_cmpstr (before_rebuild, ==, after_rebuild);

  /* And the pending text rolls back once more, byte for byte. */
  g_clear_pointer (&without, g_free);
  without = _cairn_store_dump_state_without_pending (ts->store, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (without, "\">> Confirmed text.\""));
  g_assert_null (strstr (without, "Only here."));
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize size;

  g_assert_true (g_file_get_contents (from, &contents, &size, &error));
  g_assert_true (g_file_set_contents (to, contents, size, &error));
  g_assert_no_error (error);
}

/* A crash after the commit, before the lazy write: the next open writes
 * the body. The crash is a copy of the file and its WAL as they are on
 * disk while the store is still open. */
static void
test_crash_before_body_write (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = cairn_store_create_note (ts->store, "Note", &error);
  g_autofree char *copy = g_build_filename (ts->dir, "crashed.db", NULL);
  g_autofree char *copy_wal = g_strconcat (copy, "-wal", NULL);
  g_autofree char *wal = g_strconcat (cairn_store_get_path (ts->store), "-wal", NULL);
  g_autofree char *body = NULL;
  g_autoptr(CairnStore) reopened = NULL;

  g_assert_no_error (error);
  test_type_into_note (ts->store, id, 0, "Written before the crash.");
  save_bodies (ts->store);
  test_type_into_note (ts->store, id, 0, "Typed just before it. ");
  g_clear_pointer (&body, g_free);
  body = raw_body (ts->store, id);
  g_assert_cmpstr (body, ==, "Written before the crash.");

  copy_file (cairn_store_get_path (ts->store), copy);
  copy_file (wal, copy_wal);
  reopened = cairn_store_open (copy, &error);
  g_assert_no_error (error);
  g_clear_pointer (&body, g_free);
  body = raw_body (reopened, id);
  g_assert_cmpstr (body, ==, "Typed just before it. Written before the crash.");
  g_assert_cmpuint (cairn_store_get_pending_count (reopened), ==, 3);
}

/* A note whose stored text is damaged cannot have its body written; the
 * workspace opens all the same, and reading that body says what is wrong. */
static void
test_damaged_text_opens (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = cairn_store_create_note (ts->store, "Damaged", &error);
  g_autofree char *path = g_strdup (cairn_store_get_path (ts->store));
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_no_error (error);
  test_type_into_note (ts->store, id, 0, "Soon unreadable.");
  save_bodies (ts->store);
  /* Damage the appended ops and make the body look behind. */
  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (ts->store),
                                 "UPDATE note_body_ops SET ops = X'C1FF';"
                                 "DELETE FROM note_body_versions;", NULL, NULL, NULL), ==, SQLITE_OK);
  g_clear_object (&ts->store);

  g_test_expect_message ("cairn-store", G_LOG_LEVEL_WARNING, "*body of note*damaged*");
  ts->store = cairn_store_open (path, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_nonnull (ts->store);

  sql = g_strdup_printf ("SELECT cairn_note_body (id, body) FROM notes WHERE id = '%s'", id);
  g_assert_cmpint (sqlite3_prepare_v2 (_cairn_store_get_db (ts->store), sql, -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ERROR);
  g_assert_nonnull (strstr (sqlite3_errmsg (_cairn_store_get_db (ts->store)), "damaged"));
  sqlite3_finalize (stmt);

  /* The rest of the workspace works. */
  g_free (cairn_store_create_note (ts->store, "Fine", &error));
  g_assert_no_error (error);
}

static void
collect_changes (CairnStore   *store,
                 CairnChanges *changes,
                 gpointer      user_data)
{
  GHashTable *seen = user_data;
  GHashTableIter iter;
  gpointer id;

  g_hash_table_iter_init (&iter, changes->notes);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    g_hash_table_add (seen, g_strdup (id));
}

/* cairn-cli beside the app: an edit in one process is reported to the
 * other as a change of that note, which reads the new text, also when its
 * own decoded copy of the note is behind. */
static void
test_other_process (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) other = cairn_store_open (cairn_store_get_path (ts->store), &error);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *id = NULL, *body = NULL;

  g_assert_no_error (error);
  id = cairn_store_create_note (ts->store, "Shared file", &error);
  g_assert_no_error (error);
  test_type_into_note (ts->store, id, 0, "one");
  g_assert_true (cairn_store_check_external (other, &error));
  body = test_read_note_body (other, id);
  g_assert_cmpstr (body, ==, "one");

  g_signal_connect (other, "changed", G_CALLBACK (collect_changes), seen);
  test_type_into_note (ts->store, id, 3, " two");
  /* Not noticed yet: the other store reads the file anew all the same. */
  g_clear_pointer (&body, g_free);
  body = test_read_note_body (other, id);
  g_assert_cmpstr (body, ==, "one two");
  g_assert_true (cairn_store_check_external (other, &error));
  g_assert_no_error (error);
  g_assert_true (g_hash_table_contains (seen, id));
}

static void
record_note_sets (CairnStore   *store,
                  CairnChanges *changes,
                  gpointer      user_data)
{
  GString *out = user_data;

  /* One note in these tests: "notes rows" per emission. */
  g_string_append_printf (out, "%s%u %u", out->len ? "; " : "",
                          g_hash_table_size (changes->notes),
                          g_hash_table_size (changes->note_rows));
}

/* ::changed lists an edited note in `notes` but not in `note_rows` (its
 * row did not change: readers such as the pool skip it), and every change
 * of the row in both: from commits and from another process. */
static void
test_changes_note_rows (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) other = cairn_store_open (cairn_store_get_path (ts->store), &error);
  g_autoptr(GString) mine = g_string_new (NULL);
  g_autoptr(GString) theirs = g_string_new (NULL);
  g_autofree char *id = NULL;

  g_assert_no_error (error);
  g_signal_connect (ts->store, "changed", G_CALLBACK (record_note_sets), mine);
  id = cairn_store_create_note (ts->store, "Sets", &error);
  g_assert_no_error (error);
  test_type_into_note (ts->store, id, 0, "one");
  g_assert_true (cairn_store_rename_note (ts->store, id, "Renamed", &error));
  g_assert_true (cairn_store_delete_note (ts->store, id, &error));
  g_assert_true (cairn_store_restore_note (ts->store, id, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (mine->str, ==, "1 1; 1 0; 1 1; 1 1; 1 1");

  /* Another process sees the appended events' changesets. */
  g_assert_true (cairn_store_check_external (other, &error));
  g_assert_no_error (error);
  g_signal_connect (other, "changed", G_CALLBACK (record_note_sets), theirs);
  test_type_into_note (ts->store, id, 3, " two");
  g_assert_true (cairn_store_check_external (other, &error));
  g_assert_cmpstr (theirs->str, ==, "1 0");
  g_assert_true (cairn_store_rename_note (ts->store, id, "Again", &error));
  g_assert_true (cairn_store_check_external (other, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (theirs->str, ==, "1 0; 1 1");

}

/* An edit of a note is refused once the note is deleted, also right after
 * edits that were accepted (the store remembers the live note it checked
 * last), and once another process deleted it; nothing is recorded. */
static void
test_edit_deleted_refused (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) other = cairn_store_open (cairn_store_get_path (ts->store), &error);
  g_autoptr(CairnText) replica = NULL;
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  g_autofree char *id = NULL, *body = NULL;
  guint pending;

  g_assert_no_error (error);
  id = cairn_store_create_note (ts->store, "Short-lived", &error);
  g_assert_no_error (error);
  test_type_into_note (ts->store, id, 0, "a");
  replica = cairn_store_load_note_text (ts->store, id, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_text_insert (replica, 1, "b", -1, ops, &error));
  g_assert_true (cairn_store_edit_note (ts->store, id, ops, &error));
  g_assert_no_error (error);

  g_assert_true (cairn_store_delete_note (ts->store, id, &error));
  pending = cairn_store_get_pending_count (ts->store);
  g_assert_false (cairn_store_edit_note (ts->store, id, ops, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "deleted"));
  g_clear_error (&error);
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, pending);

  g_assert_true (cairn_store_restore_note (ts->store, id, &error));
  test_type_into_note (ts->store, id, 2, "c");

  /* Another process deletes it: refused once this store has noticed. */
  g_assert_true (cairn_store_delete_note (other, id, &error));
  g_assert_no_error (error);
  g_assert_true (cairn_store_check_external (ts->store, &error));
  g_assert_no_error (error);
  pending = cairn_store_get_pending_count (ts->store);
  g_assert_false (cairn_store_edit_note (ts->store, id, ops, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, pending);
  body = test_read_note_body (ts->store, id);
  g_assert_cmpstr (body, ==, "abc");
}

/* Past 1,000 WAL pages the checkpoint runs on the checkpoint thread's own
 * connection, and the committed data stays whole. */
static void
test_checkpoint_thread (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *id = cairn_store_create_note (ts->store, "Big", &error);
  g_autofree char *body = NULL;
  g_autofree char *path = g_strdup (cairn_store_get_path (ts->store));
  GStatBuf before, after;

  g_assert_no_error (error);
  g_assert_cmpint (g_stat (cairn_store_get_path (ts->store), &before), ==, 0);
  g_assert_cmpuint (_cairn_checkpointer_wait (ts->store->checkpointer, 0), ==, 0);
  while (text->len < 2000000)
    g_string_append (text, "a rather long note, ");
  test_type_into_note (ts->store, id, 0, text->str);

  g_assert_cmpuint (_cairn_checkpointer_wait (ts->store->checkpointer, 1), >=, 1);
  g_assert_cmpint (g_stat (cairn_store_get_path (ts->store), &after), ==, 0);
  g_assert_cmpint (after.st_size, >, before.st_size + 2000000);

  g_clear_object (&ts->store);
  ts->store = cairn_store_open (path, &error);
  g_assert_no_error (error);
  body = raw_body (ts->store, id);
  g_assert_cmpstr (body, ==, text->str);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store-bodies/commit-writes-no-body", test_commit_writes_no_body);
  g_test_add_func ("/store-bodies/rollback-byte-for-byte", test_rollback_byte_for_byte);
  g_test_add_func ("/store-bodies/crash-before-body-write", test_crash_before_body_write);
  g_test_add_func ("/store-bodies/other-process", test_other_process);
  g_test_add_func ("/store-bodies/damaged-text-opens", test_damaged_text_opens);
  g_test_add_func ("/store-bodies/checkpoint-thread", test_checkpoint_thread);
  g_test_add_func ("/store-bodies/changes-note-rows", test_changes_note_rows);
  g_test_add_func ("/store-bodies/edit-deleted-refused", test_edit_deleted_refused);
  return g_test_run ();
}

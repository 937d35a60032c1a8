/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-schema.c: opening workspace files: migrations from every
 * earlier schema (fixtures), newer files, foreign and corrupt files, and
 * places that cannot be written. A refused file is never changed. */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "cairn-chain.h"
#include "cairn-search.h"
#include "cairn-store-sync.h"
#include "store-test-util.h"

static char *
tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("cairn-schema-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

static void
exec_on_file (const char *path,
              const char *sql)
{
  sqlite3 *db = NULL;
  char *msg = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s", msg);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static char *
schema_of (CairnStore *store)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  /* Column definitions and indexes, independent of the CREATE text's spacing. */
  g_assert_cmpint (sqlite3_prepare_v2 (_cairn_store_get_db (store),
                                       "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk "
                                       "FROM sqlite_schema AS m, pragma_table_info (m.name) AS p "
                                       "WHERE m.type = 'table' ORDER BY m.name, p.cid",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    for (int i = 0; i < 6; i++)
      g_string_append_printf (out, "%s%c", sqlite3_column_text (stmt, i) ? (const char *) sqlite3_column_text (stmt, i) : "NULL",
                              i == 5 ? '\n' : '|');
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_prepare_v2 (_cairn_store_get_db (store),
                                       "SELECT m.name, i.name, i.\"unique\", group_concat (c.name) "
                                       "FROM sqlite_schema AS m, pragma_index_list (m.name) AS i, "
                                       "pragma_index_info (i.name) AS c WHERE m.type = 'table' "
                                       "GROUP BY m.name, i.name ORDER BY m.name, i.name",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "index %s %s %d %s\n", sqlite3_column_text (stmt, 0),
                            sqlite3_column_text (stmt, 1), sqlite3_column_int (stmt, 2),
                            sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

/* Every fixture tests/data/fixtures/vN.sql (a file as schema N wrote it)
 * opens, migrates to the current schema, and keeps its state, log, outbox
 * and cursor. */
static void
test_migrations (void)
{
  g_autofree char *dir = tmp_dir ();
  g_autofree char *fresh_path = g_build_filename (dir, "fresh.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) fresh = cairn_store_open (fresh_path, &error);
  g_autofree char *fresh_schema = NULL;
  guint n_fixtures = 0;

  g_assert_no_error (error);
  fresh_schema = schema_of (fresh);

  for (guint version = 1; version <= CAIRN_STORE_SCHEMA_VERSION; version++)
    {
      g_autofree char *name = g_strdup_printf ("v%u.sql", version);
      g_autofree char *expected_name = g_strdup_printf ("v%u.expected.json", version);
      g_autofree char *fixture = g_test_build_filename (G_TEST_DIST, "data", "fixtures", name, NULL);
      g_autofree char *expected_path = g_test_build_filename (G_TEST_DIST, "data", "fixtures", expected_name, NULL);
      g_autofree char *db_path = g_build_filename (dir, name, NULL);
      g_autofree char *sql = NULL, *expected = NULL, *dump = NULL, *schema = NULL, *rebuilt = NULL;
      g_autoptr(CairnStore) store = NULL;
      g_autoptr(GPtrArray) pending = NULL;
      g_autoptr(GPtrArray) log = NULL;

      if (version == CAIRN_STORE_SCHEMA_VERSION && !g_file_test (fixture, G_FILE_TEST_EXISTS))
        continue;   /* the current schema needs no fixture until it changes */

      g_file_get_contents (fixture, &sql, NULL, &error);
      g_assert_no_error (error);
      g_file_get_contents (expected_path, &expected, NULL, &error);
      g_assert_no_error (error);
      g_strchomp (expected);
      exec_on_file (db_path, sql);

      store = cairn_store_open (db_path, &error);
      g_assert_no_error (error);
      n_fixtures++;

      g_assert_cmpint (test_query_int (store, "PRAGMA user_version"), ==, CAIRN_STORE_SCHEMA_VERSION);
      schema = schema_of (store);
      g_assert_cmpstr (schema, ==, fresh_schema);

      dump = test_dump (store);
      g_assert_cmpstr (dump, ==, expected);
      g_assert_cmpstr (cairn_store_get_client_id (store), ==, "89b11b076c270ce33a71f470bc89e415");
      g_assert_cmpint (cairn_store_get_head (store), ==, 4);
      g_assert_cmpstr (cairn_store_get_history_id (store), ==, "fixture-history");
      pending = cairn_store_list_pending (store, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (pending->len, ==, 2);
      log = cairn_store_list_log (store, 0, 0, &error);
      g_assert_cmpuint (log->len, ==, 4);
      g_assert_cmpstr (((CairnEvent *) log->pdata[0])->device, ==, "laptop");

      /* schema 7 filled the log's chain, in seq order from chain(0) */
      {
        g_autofree char *chain = g_strdup (CAIRN_CHAIN_ZERO);

        for (guint i = 0; i < log->len; i++)
          {
            const CairnEvent *ev = g_ptr_array_index (log, i);
            g_autofree char *next = cairn_chain_next (chain, ev->client_id, ev->client_seq);
            g_autofree char *stored = NULL;

            g_assert_true (cairn_store_get_log_chain (store, ev->seq, &stored, &error));
            g_assert_no_error (error);
            g_assert_cmpstr (stored, ==, next);
            g_free (chain);
            chain = g_steal_pointer (&next);
          }
        /* the fixtures' log is aaaa…'s client_seqs 1..4 */
        g_assert_cmpstr (chain, ==, "0b65da4b1ec3305ec679c0fd898fb2ce");
      }

      /* the search index is made again by the first search, with the
       * posting lists of 1-letter prefixes (schema 15): a word being
       * typed finds the fixture's note */
      {
        g_autoptr(GPtrArray) hits = cairn_store_search (store, "f", 10, &error);
        g_autofree char *fts = test_query_text (store, "SELECT sql FROM sqlite_master WHERE name = 'search_fts'");

        g_assert_no_error (error);
        g_assert_nonnull (strstr (fts, "prefix = '1 2 3'"));
        g_assert_cmpuint (hits->len, >=, 1);
        g_assert_cmpstr (((CairnSearchHit *) hits->pdata[0])->title, ==, "Fixture note");
      }

      /* the old changesets still roll back, and the log still rebuilds */
      {
        g_autofree char *without = _cairn_store_dump_state_without_pending (store, &error);
        g_assert_no_error (error);
        g_assert_null (strstr (without, "Pending todo"));
      }
      g_assert_true (cairn_store_rebuild (store, &error));
      g_assert_no_error (error);
      rebuilt = test_dump (store);
      g_assert_cmpstr (rebuilt, ==, expected);

      /* and it takes new changes, numbering on from the stored cursor */
      {
        g_autofree char *id = cairn_store_create_note (store, "After migration", &error);
        g_assert_no_error (error);
        g_assert_cmpint (test_query_int (store, "SELECT max(client_seq) FROM pending"), ==, 3);
      }

      /* keys of that version stay neighbours of new keys: append after and
       * insert before and between the fixture's todos */
      {
        const char *list = "01890a5d-ac96-774b-bcce-b30209900001";
        const char *confirmed = "01890a5d-ac96-774b-bcce-b30209900011";
        g_autofree char *last = cairn_store_create_todo (store, list, "Last", NULL, NULL, &error);
        g_autofree char *first = NULL, *middle = NULL, *order = NULL;

        g_assert_no_error (error);
        first = cairn_store_create_todo (store, list, "First", confirmed, NULL, &error);
        g_assert_no_error (error);
        middle = cairn_store_create_todo (store, list, "Middle", NULL, confirmed, &error);
        g_assert_no_error (error);
        order = test_query_text (store, "SELECT group_concat (title, '|') FROM "
                                 "(SELECT title FROM todos WHERE NOT deleted ORDER BY position, id)");
        g_assert_cmpstr (order, ==, "First|Confirmed todo|Middle|Pending todo|Last");
      }
    }

  g_assert_cmpuint (n_fixtures, >=, 1);
  g_clear_object (&fresh);
  cairn_test_rm_rf (dir);
}

/* Schema 3 rewrote notes.body on every edit and recorded it in the
 * changeset. Opening such a file rebuilds it once: the notes get their
 * versions (schema 4), the pending edit's changeset is recorded anew
 * without the text, and rolling it back still gives the confirmed text. */
static void
test_v3_note_bodies (void)
{
  g_autofree char *dir = tmp_dir ();
  g_autofree char *fixture = g_test_build_filename (G_TEST_DIST, "data", "fixtures", "v3.sql", NULL);
  g_autofree char *db_path = g_build_filename (dir, "v3.db", NULL);
  g_autofree char *sql = NULL, *body = NULL, *without = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) store = NULL;
  const char *note = "01890a5d-ac96-774b-bcce-b30209900021";

  g_file_get_contents (fixture, &sql, NULL, &error);
  g_assert_no_error (error);
  exec_on_file (db_path, sql);
  store = cairn_store_open (db_path, &error);
  g_assert_no_error (error);

  g_assert_cmpint (test_query_int (store, "SELECT rebuild FROM meta"), ==, 0);
  g_assert_cmpint (test_query_int (store, "SELECT count(*) FROM note_versions"), ==, 1);
  body = test_query_text (store, "SELECT body FROM notes");
  g_assert_cmpstr (body, ==, "Confirmed text. Pending text.");
  g_assert_cmpint (test_query_int (store, "SELECT instr (changeset, 'Pending text.') FROM pending "
                                   "WHERE name = 'note.edited'"), ==, 0);
  g_assert_cmpint (test_query_int (store, "SELECT instr (changeset, 'note_versions') FROM pending "
                                   "WHERE name = 'note.edited'"), >, 0);

  without = _cairn_store_dump_state_without_pending (store, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (without, "\"body\" : \"Confirmed text.\""));

  /* Editing goes on from there, and a reopen does not rebuild again. */
  {
    g_autoptr(CairnText) text = cairn_store_load_note_text (store, note, &error);
    g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

    g_assert_no_error (error);
    g_assert_true (cairn_text_insert (text, 0, ">", -1, ops, &error));
    g_assert_true (cairn_store_edit_note (store, note, ops, &error));
    g_assert_no_error (error);
  }
  g_clear_object (&store);
  store = cairn_store_open (db_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (test_query_int (store, "SELECT rebuild FROM meta"), ==, 0);
  g_clear_pointer (&body, g_free);
  body = test_query_text (store, "SELECT body FROM notes");
  g_assert_cmpstr (body, ==, ">Confirmed text. Pending text.");

  g_clear_object (&store);
  cairn_test_rm_rf (dir);
}

static void
test_fresh_file (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autofree char *path = g_strdup (cairn_store_get_path (ts->store));
  g_autofree char *client_id = g_strdup (cairn_store_get_client_id (ts->store));
  g_autoptr(GError) error = NULL;

  g_assert_true (cairn_is_client_id (client_id));
  g_assert_cmpint (test_query_int (ts->store, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (test_query_int (ts->store, "PRAGMA application_id"), ==, CAIRN_STORE_APPLICATION_ID);
  g_assert_cmpint (cairn_store_get_head (ts->store), ==, 0);
  g_assert_null (cairn_store_get_history_id (ts->store));
  {
    sqlite3_stmt *stmt = NULL;
    g_assert_cmpint (sqlite3_prepare_v2 (_cairn_store_get_db (ts->store), "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
    sqlite3_finalize (stmt);
  }

  /* reopening keeps the client id: it identifies this device's events */
  g_clear_object (&ts->store);
  ts->store = cairn_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cairn_store_get_client_id (ts->store), ==, client_id);
}

/* Opening counts the outbox through an index (schema 5), not by reading
 * every pending row with its changeset, and what it scans goes through a
 * small page cache: a workspace with many unsent changes must not keep
 * them in memory from the start, and the cache is back to its normal size
 * afterwards. */
static void
test_open_large_outbox (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autofree char *path = g_strdup (cairn_store_get_path (ts->store));
  g_autofree char *list_id = NULL;
  g_autoptr(GError) error = NULL;
  gint64 normal_cache = test_query_int (ts->store, "PRAGMA cache_size");
  gint64 outbox_bytes;
  int used = 0, highwater = 0, misses = 0;
  gint64 outbox_pages;
  const int n = 6000;

  /* Filling is not what is tested: skip the fsyncs. */
  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (ts->store), "PRAGMA synchronous = OFF",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  list_id = cairn_store_create_list (ts->store, "Inbox", &error);
  g_assert_no_error (error);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *title = g_strdup_printf ("Task number %d with a title of ordinary length", i);
      g_autofree char *id = cairn_store_create_todo (ts->store, list_id, title, NULL, NULL, &error);

      g_assert_no_error (error);
    }
  g_clear_object (&ts->store);

  ts->store = cairn_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, n + 1);
  g_assert_cmpint (sqlite3_db_status (_cairn_store_get_db (ts->store), SQLITE_DBSTATUS_CACHE_USED,
                                      &used, &highwater, FALSE), ==, SQLITE_OK);
  /* Pages read from the file while opening (the connection's cache misses
   * so far), before anything below reads more. */
  g_assert_cmpint (sqlite3_db_status (_cairn_store_get_db (ts->store), SQLITE_DBSTATUS_CACHE_MISS,
                                      &misses, &highwater, FALSE), ==, SQLITE_OK);
  outbox_pages = test_query_int (ts->store, "SELECT count(*) FROM dbstat WHERE name = 'pending'");
  outbox_bytes = test_query_int (ts->store, "PRAGMA page_size") * outbox_pages;
  /* The outbox is well beyond the small cache, and did not stay in memory. */
  g_assert_cmpint (outbox_bytes, >, 2 * 1024 * 1024);
  g_assert_cmpint (used, <, 1024 * 1024);
  /* Counting it did not read it: the whole open read a small part of it. */
  g_assert_cmpint (misses, <, outbox_pages / 10);
  {
    sqlite3_stmt *stmt = NULL;

    g_assert_cmpint (sqlite3_prepare_v2 (_cairn_store_get_db (ts->store),
                                         "EXPLAIN QUERY PLAN SELECT count(*) FROM pending",
                                         -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 3), ==,
                     "SCAN pending USING COVERING INDEX pending_for_count");
    sqlite3_finalize (stmt);
  }
  g_assert_cmpint (test_query_int (ts->store, "PRAGMA cache_size"), ==, normal_cache);
  g_assert_cmpint (normal_cache, <, -1024);
}

static void
test_newer_schema (void)
{
  g_autofree char *dir = tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL, after = NULL;
  g_autoptr(CairnStore) store = cairn_store_open (path, &error);
  g_autofree char *id = NULL;

  g_assert_no_error (error);
  id = cairn_store_create_list (store, "From the future", &error);
  g_clear_object (&store);
  /* The next Cairn wrote this file (and went back to a rollback journal). */
  {
    g_autofree char *sql = g_strdup_printf ("PRAGMA journal_mode = DELETE; "
                                            "PRAGMA user_version = %d;",
                                            CAIRN_STORE_SCHEMA_VERSION + 1);
    exec_on_file (path, sql);
  }
  before = read_bytes (path);

  store = cairn_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NEWER_SCHEMA);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "newer"));

  after = read_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  }
  cairn_test_rm_rf (dir);
}

static void
test_newer_schema_wal (void)
{
  g_autofree char *dir = tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL, after = NULL;
  g_autoptr(CairnStore) store = cairn_store_open (path, &error);

  g_assert_no_error (error);
  g_clear_object (&store);
  exec_on_file (path, "PRAGMA user_version = 2000;");   /* stays in WAL mode */
  before = read_bytes (path);

  store = cairn_store_open (path, &error);
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NEWER_SCHEMA);
  after = read_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
  cairn_test_rm_rf (dir);
}

static void
assert_refused_untouched (const char *path,
                          const char *contents,
                          gsize       len,
                          const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(CairnStore) store = NULL;

  store = cairn_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, path));
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s” does not say “%s”", error->message, fragment);

  after = read_bytes (path);
  g_assert_cmpuint (g_bytes_get_size (after), ==, len);
  g_assert_cmpint (memcmp (g_bytes_get_data (after, NULL), contents, len), ==, 0);
}

static void
test_corrupt_file (void)
{
  g_autofree char *dir = tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autoptr(GString) garbage = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append (garbage, "This is not a database, it is a shopping list. ");
  g_file_set_contents (path, garbage->str, garbage->len, &error);
  g_assert_no_error (error);

  assert_refused_untouched (path, garbage->str, garbage->len, "not a database");
  cairn_test_rm_rf (dir);
}

static void
test_foreign_database (void)
{
  g_autofree char *dir = tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "other.db", NULL);
  g_autoptr(GBytes) before = NULL;

  exec_on_file (path, "CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');");
  before = read_bytes (path);
  assert_refused_untouched (path, g_bytes_get_data (before, NULL), g_bytes_get_size (before),
                            "not a Cairn workspace");

  /* same with another application's id and no tables */
  g_unlink (path);
  exec_on_file (path, "PRAGMA application_id = 42;");
  g_clear_pointer (&before, g_bytes_unref);
  before = read_bytes (path);
  assert_refused_untouched (path, g_bytes_get_data (before, NULL), g_bytes_get_size (before),
                            "not a Cairn workspace");
  cairn_test_rm_rf (dir);
}

static void
test_unwritable_location (void)
{
  g_autofree char *dir = tmp_dir ();
  g_autofree char *file = g_build_filename (dir, "a-file", NULL);
  g_autofree char *path = g_build_filename (file, "workspace.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) store = NULL;

  /* The parent is a regular file: no one, not even root, can create it. */
  g_file_set_contents (file, "x", 1, &error);
  g_assert_no_error (error);
  store = cairn_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  /* A folder where the file should be. */
  store = cairn_store_open (dir, &error);
  g_assert_null (store);
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "folder"));
  cairn_test_rm_rf (dir);
}

static void
test_read_only_directory (void)
{
  g_autofree char *dir = tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) store = NULL;

  if (geteuid () == 0)
    {
      cairn_test_rm_rf (dir);
      g_test_skip ("root ignores directory permissions (covered by /store/schema/unwritable-location)");
      return;
    }

  g_assert_cmpint (g_chmod (dir, 0500), ==, 0);
  store = cairn_store_open (path, &error);
  g_assert_null (store);
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  cairn_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/schema/migrations", test_migrations);
  g_test_add_func ("/store/schema/v3-note-bodies", test_v3_note_bodies);
  g_test_add_func ("/store/schema/fresh-file", test_fresh_file);
  g_test_add_func ("/store/schema/open-large-outbox", test_open_large_outbox);
  g_test_add_func ("/store/schema/newer-schema", test_newer_schema);
  g_test_add_func ("/store/schema/newer-schema-wal", test_newer_schema_wal);
  g_test_add_func ("/store/schema/corrupt-file", test_corrupt_file);
  g_test_add_func ("/store/schema/foreign-database", test_foreign_database);
  g_test_add_func ("/store/schema/unwritable-location", test_unwritable_location);
  g_test_add_func ("/store/schema/read-only-directory", test_read_only_directory);

  return g_test_run ();
}

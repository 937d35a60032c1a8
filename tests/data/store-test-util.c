/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store-test-util.c: helpers the store tests share. */
#include "config.h"

#include <glib/gstdio.h>

#include "cairn-test-util.h"
#include "store-test-util.h"

TestStore *
test_store_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  TestStore *ts = g_new0 (TestStore, 1);

  ts->dir = g_dir_make_tmp ("cairn-test-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (ts->dir, "workspace.db", NULL);
  ts->store = cairn_store_open (path, &error);
  g_assert_no_error (error);
  return ts;
}

CairnStore *
test_store_open_extra (TestStore  *ts,
                       const char *name)
{
  return test_store_open_at (ts->dir, name);
}

CairnStore *
test_store_open_at (const char *dir,
                    const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  CairnStore *store = cairn_store_open (path, &error);

  g_assert_no_error (error);
  return store;
}

void
test_store_free (TestStore *ts)
{
  g_clear_object (&ts->store);
  cairn_test_rm_rf (ts->dir);
  g_free (ts->dir);
  g_free (ts);
}

/* args_json, which must be JSON. */
static JsonNode *
parse_args (const char *args_json)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (args_json, &error);

  g_assert_no_error (error);
  return node;
}

CairnEvent *
test_event_new (const char *client_id,
                gint64      client_seq,
                gint64      seq,
                const char *name,
                const char *args_json)
{
  g_autoptr(JsonNode) node = parse_args (args_json);
  CairnEvent *event = cairn_event_new (name, 1, json_node_get_object (node));

  event->client_id = g_strdup (client_id);
  event->client_seq = client_seq;
  event->seq = seq;
  event->created_at = 1700000000000 + seq;
  return event;
}

CairnEvent *
test_event_confirmed (const CairnEvent *event,
                      gint64            seq)
{
  CairnEvent *copy = _cairn_event_copy (event);

  copy->seq = seq;
  return copy;
}

void
test_rebase_ok (CairnStore *store,
             GPtrArray  *events,
             const char *history_id)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (cairn_store_rebase (store, events, history_id, &error));
  g_assert_no_error (error);
}

void
test_type_into_note (CairnStore *store,
                     const char *note_id,
                     gsize       pos,
                     const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) replica = cairn_store_load_note_text (store, note_id, &error);
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

  g_assert_no_error (error);
  g_assert_true (cairn_text_insert (replica, pos, text, -1, ops, &error));
  g_assert_true (cairn_store_edit_note (store, note_id, ops, &error));
  g_assert_no_error (error);
}

char *
test_read_note_body (CairnStore *store,
                const char *note_id)
{
  sqlite3_stmt *stmt = NULL;
  char *body;

  g_assert_cmpint (sqlite3_prepare_v2 (_cairn_store_get_db (store),
                                       "SELECT cairn_note_body (id, body) FROM notes WHERE id = ?",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_bind_text (stmt, 1, note_id, -1, SQLITE_STATIC), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  body = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return body;
}

char *
test_dump (CairnStore *store)
{
  g_autoptr(GError) error = NULL;
  char *dump = cairn_store_dump_state (store, &error);

  g_assert_no_error (error);
  return dump;
}

gint64
test_query_int (CairnStore *store,
                const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (_cairn_store_get_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

char *
test_query_text (CairnStore *store,
                 const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value;

  g_assert_cmpint (sqlite3_prepare_v2 (_cairn_store_get_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

char *
test_fingerprint (CairnStore *store)
{
  g_autofree char *dump = test_dump (store);
  g_autofree char *pending = test_query_text (store,
      "SELECT group_concat(line, char(10)) FROM (SELECT client_seq || ' ' || name || ' ' || "
      "version || ' ' || args AS line FROM pending ORDER BY client_seq)");
  g_autofree char *log = test_query_text (store,
      "SELECT group_concat(line, char(10)) FROM (SELECT seq || ' ' || client_id || ' ' || "
      "client_seq || ' ' || name || ' ' || args AS line FROM log ORDER BY seq)");
  const char *history = cairn_store_get_history_id (store);

  return g_strdup_printf ("%s\npending:\n%s\nlog:\n%s\nhead %" G_GINT64_FORMAT " pending %u history %s",
                          dump, pending ? pending : "", log ? log : "",
                          cairn_store_get_head (store), cairn_store_get_pending_count (store),
                          history ? history : "-");
}

guint32
test_seed (void)
{
  const char *env = g_getenv ("CAIRN_TEST_SEED");
  guint32 seed = env != NULL ? (guint32) g_ascii_strtoull (env, NULL, 10) : g_random_int ();

  g_test_message ("seed %u (replay with CAIRN_TEST_SEED=%u)", seed, seed);
  return seed;
}

CairnEvent *
test_commit_json (CairnStore *store,
                  const char *name,
                  const char *args_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = parse_args (args_json);
  CairnEvent *event = cairn_store_commit (store, name, 1, json_node_get_object (node), &error);

  g_assert_no_error (error);
  return event;
}

char *
test_text_ops_b64 (void)
{
  g_autoptr(CairnText) text = cairn_text_new ("0123456789abcdef0123456789abcdef", NULL);
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  g_autoptr(GBytes) bytes = NULL;

  g_assert_true (cairn_text_insert (text, 0, "hi", -1, ops, NULL));
  bytes = cairn_text_ops_encode (ops);
  return g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

void
test_count_notify (GObject    *object,
                   GParamSpec *pspec,
                   guint      *count)
{
  (*count)++;
}

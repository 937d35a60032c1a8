/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-snapshots.c: server-made snapshots (issue 17) through the server's
 * handlers fed from memory: made with the clients' reducers, served to
 * members only, loaded by a new device into the state the log gives,
 * refused when damaged, made by themselves after enough pushes, dropped
 * when ahead of the log; and the history of one object before a seq.
 * Runs on the SQLite data folder and, under with-postgres.sh
 * (server-snapshots-pg), on PostgreSQL (pg-test-util.h). */
#include "config.h"

#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "cairn-server-in-process.h"
#include "cairn-snapshot.h"
#include "cairn-store-hash.h"
#include "cairn-test-util.h"
#include "pg-test-util.h"

static gint64
fixed_clock (gpointer user_data)
{
  return 1764000000000;
}

static guint
request (CairnServerInProcess *server,
         const char           *method,
         const char           *target,
         const char           *token,
         const char           *body,
         char                **answer,
         gsize                *len)
{
  g_autofree char *auth = token ? g_strdup_printf ("Authorization: Bearer %s", token) : NULL;
  const char *headers[] = { "Content-Type: application/json", auth, NULL };
  gsize n = 0;

  return cairn_server_in_process_request (server, method, target, headers,
                                          body ? body : "", body ? strlen (body) : 0,
                                          20000, answer, len != NULL ? len : &n);
}

static char *
login (CairnServerInProcess *server,
       const char           *user)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"secret-password\","
                                           "\"device\":\"desk\"}", user);
  g_autofree char *answer = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CairnSessionReply) session = NULL;

  g_assert_cmpuint (request (server, "POST", "/v1/session", NULL, body, &answer, NULL), ==, 201);
  node = cairn_protocol_parse (answer, strlen (answer), G_MAXSIZE, &error);
  g_assert_no_error (error);
  session = cairn_protocol_decode_session_reply (node, &error);
  g_assert_no_error (error);
  return g_strdup (session->token);
}

/* Pushes the device's pending events (all of them) as the sync would. */
static void
push_pending (CairnServerInProcess *server,
              const char           *token,
              const char           *ws,
              CairnStore           *device,
              guint                *pushed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = cairn_store_list_pending (device, 0, &error);
  g_autofree char *target = g_strdup_printf ("/v1/workspaces/%s/events", ws);

  g_assert_no_error (error);
  for (guint i = *pushed; i < pending->len; i += 100)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *body = NULL;
      g_autofree char *answer = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "events");
      json_builder_begin_array (b);
      for (guint j = i; j < MIN (i + 100, pending->len); j++)
        json_builder_add_value (b, cairn_event_to_json (pending->pdata[j]));
      json_builder_end_array (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      body = json_to_string (root, FALSE);
      g_assert_cmpuint (request (server, "POST", target, token, body, &answer, NULL), ==, 200);
    }
  *pushed = pending->len;
}

static CairnStore *
new_store (const char *dir,
           const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  CairnStore *store = cairn_store_open (path, &error);

  g_assert_no_error (error);
  return store;
}

static char *
dump (CairnStore *store)
{
  g_autoptr(GError) error = NULL;
  char *text = cairn_store_dump_state (store, &error);

  g_assert_no_error (error);
  return text;
}

static void
type_into_note (CairnStore *store,
                const char *note_id,
                const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) replica = cairn_store_load_note_text (store, note_id, &error);
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

  g_assert_no_error (error);
  g_assert_true (cairn_text_insert (replica, cairn_text_get_length (replica), text, -1, ops, &error));
  g_assert_true (cairn_store_edit_note (store, note_id, ops, &error));
}

typedef struct
{
  const char *location;
  char       *dir;
  const char *ws;
  gint64      now;
  gint64      seq;
  gboolean    ok;
  GError     *error;
} MakerRun;

static gpointer
maker_run (gpointer data)
{
  MakerRun *run = data;
  gsize bytes = 0;

  run->ok = cairn_server_snapshot_make (run->location, run->dir, run->now, run->ws,
                                        &run->seq, &bytes, NULL, &run->error);
  return NULL;
}

static void
test_snapshots (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cairn-snapshots-XXXXXX", &error);
  CairnServerCoreOptions options = { .clock = fixed_clock, .pwhash_opslimit = 1, .pwhash_memlimit = 8192 };
  g_autoptr(CairnServerCore) core = NULL;
  g_autoptr(CairnServerInProcess) server = NULL;
  g_autoptr(CairnStore) device = NULL;
  g_autoptr(CairnStore) fresh = NULL;
  g_autoptr(CairnStore) retry = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(CairnAuth) owner = NULL;
  g_autofree char *ws = NULL;
  g_autofree char *alice = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *target = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *list = NULL;
  g_autofree char *note = NULL;
  g_autofree char *todo = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *location = NULL;
  gsize len = 0;
  guint pushed = 0;
  gint64 seq = 0;
  gsize bytes = 0;

  g_assert_no_error (error);
  /* a maker after every 20 events, at once (the defaults: 10,000 and a minute) */
  g_setenv ("CAIRN_SERVER_SNAPSHOT_EVERY", "20", TRUE);
  g_setenv ("CAIRN_SERVER_SNAPSHOT_INTERVAL_MS", "0", TRUE);
  if (cairn_test_backend_is_postgresql ())
    {
      uri = cairn_test_pg_new_database ();
      core = cairn_server_core_open_database (uri, &options, &error);
    }
  else
    core = cairn_server_core_open (dir, &options, &error);
  g_assert_no_error (error);
  /* where the maker reads the log: the SQLite file or the database */
  location = g_strdup (uri != NULL ? uri : cairn_server_core_get_path (core));
  cairn_server_core_user_add (core, "alice", "secret-password", &ws, &error);
  g_assert_no_error (error);
  cairn_server_core_user_add (core, "bob", "secret-password", NULL, &error);
  g_assert_no_error (error);
  server = cairn_server_in_process_new (core);
  alice = login (server, "alice");
  bob = login (server, "bob");
  target = g_strdup_printf ("/v1/workspaces/%s/snapshot", ws);

  /* none yet */
  g_assert_cmpuint (request (server, "GET", target, alice, NULL, &answer, NULL), ==, 404);
  g_clear_pointer (&answer, g_free);

  /* a device makes lists, tasks and a note, and pushes 15 events */
  device = new_store (dir, "device.db");
  list = cairn_store_create_list (device, "Groceries", &error);
  g_assert_no_error (error);
  todo = cairn_store_create_todo (device, list, "Milk", NULL, NULL, &error);
  g_assert_no_error (error);
  note = cairn_store_create_note (device, "Plans", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 6; i++)
    type_into_note (device, note, "word ");
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *t = g_strdup_printf ("Item %u", i);
      g_autofree char *id = cairn_store_create_todo (device, list, t, NULL, NULL, &error);

      g_assert_no_error (error);
    }
  g_assert_true (cairn_store_rename_todo (device, todo, "Oat milk", &error));
  push_pending (server, alice, ws, device, &pushed);
  g_assert_cmpuint (pushed, ==, 16);

  /* cairn-server snapshot WORKSPACE */
  g_assert_true (cairn_server_snapshot_make (location, dir,
                                             cairn_server_core_now (core), ws,
                                             &seq, &bytes, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (seq, ==, 16);

  /* a non-member learns nothing: 404 as for any workspace route */
  g_assert_cmpuint (request (server, "GET", target, bob, NULL, &answer, NULL), ==, 404);
  g_clear_pointer (&answer, g_free);

  g_assert_cmpuint (request (server, "GET", target, alice, NULL, &answer, &len), ==, 200);
  g_assert_cmpuint (len, ==, bytes);
  blob = g_bytes_new_take (g_steal_pointer (&answer), len);

  /* a download cut short is refused, and the next one loads */
  fresh = new_store (dir, "fresh.db");
  {
    g_autoptr(GBytes) cut = g_bytes_new_from_bytes (blob, 0, len - 100);
    g_autofree char *before = dump (fresh);
    g_autofree char *after = NULL;

    g_assert_false (cairn_store_load_snapshot (fresh, cut, &error));
    g_assert_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_DAMAGED);
    g_clear_error (&error);
    after = dump (fresh);
    g_assert_cmpstr (after, ==, before);
  }
  g_assert_true (cairn_store_load_snapshot (fresh, blob, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cairn_store_get_head (fresh), ==, 16);
  {
    g_autofree char *expected = dump (device);
    g_autofree char *got = dump (fresh);

    g_assert_cmpstr (got, ==, expected);
  }

  /* the history of the todo, from a device whose log starts at 16 */
  {
    g_autofree char *history = g_strdup_printf ("/v1/workspaces/%s/events?object=%s&before=17", ws, todo);
    g_autoptr(CairnPullReply) reply = NULL;

    g_assert_cmpuint (request (server, "GET", history, alice, NULL, &answer, &len), ==, 200);
    reply = cairn_protocol_decode_pull_reply_text (answer, len, G_MAXSIZE, &error);
    g_assert_no_error (error);
    g_clear_pointer (&answer, g_free);
    /* created, renamed: in order */
    g_assert_cmpuint (reply->events->len, ==, 2);
    g_assert_cmpstr (((CairnWireEvent *) reply->events->pdata[0])->name, ==, "todo.created");
    g_assert_cmpstr (((CairnWireEvent *) reply->events->pdata[1])->name, ==, "todo.renamed");
    g_assert_cmpint (((CairnWireEvent *) reply->events->pdata[1])->seq, ==, 16);
    g_assert_cmpuint (request (server, "GET", history, bob, NULL, &answer, NULL), ==, 404);
    g_clear_pointer (&answer, g_free);
  }
  /* refusals: not an id, a seq that is not a number; another method */
  {
    g_autofree char *bad_id = g_strdup_printf ("/v1/workspaces/%s/events?object=x%%27&before=17", ws);
    g_autofree char *bad_seq = g_strdup_printf ("/v1/workspaces/%s/events?object=%s&before=z", ws, todo);

    g_assert_cmpuint (request (server, "GET", bad_id, alice, NULL, &answer, NULL), ==, 400);
    g_assert_nonnull (strstr (answer, "invalid_parameter"));
    g_clear_pointer (&answer, g_free);
    g_assert_cmpuint (request (server, "GET", bad_seq, alice, NULL, &answer, NULL), ==, 400);
    g_clear_pointer (&answer, g_free);
    g_assert_cmpuint (request (server, "POST", target, alice, "{}", &answer, NULL), ==, 405);
    g_clear_pointer (&answer, g_free);
    g_assert_cmpuint (request (server, "GET", target, NULL, NULL, &answer, NULL), ==, 401);
    g_clear_pointer (&answer, g_free);
  }

  /* 20 more events: the server makes the next one by itself, on a
   * thread of its own, while pushes go on */
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *t = g_strdup_printf ("More %u", i);
      g_autofree char *id = cairn_store_create_todo (device, list, t, NULL, NULL, &error);

      g_assert_no_error (error);
    }
  push_pending (server, alice, ws, device, &pushed);
  owner = cairn_server_core_admin_owner_auth (core, ws, &error);
  g_assert_no_error (error);
  for (guint tries = 0; tries < 400; tries++)
    {
      g_autoptr(GBytes) latest = cairn_server_core_snapshot_latest (core, owner, ws, &seq, NULL);

      (void) latest;
      if (seq == 36)
        break;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (25000);
    }
  g_assert_cmpint (seq, ==, 36);
  g_assert_cmpuint (request (server, "GET", target, alice, NULL, &answer, &len), ==, 200);
  retry = new_store (dir, "retry.db");
  {
    g_autoptr(GBytes) second = g_bytes_new_take (g_steal_pointer (&answer), len);
    g_autofree char *expected = dump (device);
    g_autofree char *got = NULL;

    g_assert_true (cairn_store_load_snapshot (retry, second, &error));
    g_assert_no_error (error);
    got = dump (retry);
    g_assert_cmpstr (got, ==, expected);
  }

  /* The maker hashed the state it made (the header says so) and handed
   * the hash to the core on the main thread: one device's report at seq
   * 36 is judged by it alone (without it, one device is never told
   * anything). */
  {
    g_autoptr(CairnAuth) auth = cairn_server_core_authenticate (core, alice, &error);
    g_autoptr(CairnSnapshotInfo) info = NULL;
    g_autoptr(CairnStateVerdict) good = NULL, bad = NULL;
    CairnStateHash hash, *mine = &hash;
    CairnStateReport rep = { 0 };

    g_assert_no_error (error);
    g_assert_true (cairn_store_confirmed_state_hash (retry, mine, &error));
    g_assert_no_error (error);
    g_assert_cmpint (mine->seq, ==, 36);
    rep.seq = 36;
    rep.format = mine->format;
    rep.hash = mine->hash;
    for (guint tries = 0; tries < 400; tries++)
      {
        g_clear_pointer (&good, cairn_state_verdict_free);
        good = cairn_server_core_report_state (core, auth, ws, &rep, &error);
        g_assert_no_error (error);
        if (good->verdict != CAIRN_STATE_VERDICT_UNKNOWN)
          break;
        g_main_context_iteration (NULL, FALSE);
        g_usleep (5000);
      }
    g_assert_cmpint (good->verdict, ==, CAIRN_STATE_VERDICT_AGREES);
    rep.hash = (char *) "0000000000000000000000000000000000000000000000000000000000000000";
    bad = cairn_server_core_report_state (core, auth, ws, &rep, &error);
    g_assert_no_error (error);
    g_assert_cmpint (bad->verdict, ==, CAIRN_STATE_VERDICT_DIVERGED);
    g_assert_cmpstr (bad->hash, ==, mine->hash);
    info = cairn_store_dup_snapshot_info (retry, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (info->state_hash, ==, mine->hash);
    g_assert_cmpstr (info->state_format, ==, mine->format);

    /* A restarted server has no report in memory: the stored snapshot's
     * header gives its own hash back, and one device is judged by it
     * again (else its verdict would be "unknown"). */
    g_clear_pointer (&server, cairn_server_in_process_free);
    g_clear_pointer (&core, cairn_server_core_close);
    if (uri != NULL)
      core = cairn_server_core_open_database (uri, &options, &error);
    else
      core = cairn_server_core_open (dir, &options, &error);
    g_assert_no_error (error);
    server = cairn_server_in_process_new (core);
    g_clear_pointer (&auth, cairn_auth_free);
    auth = cairn_server_core_authenticate (core, alice, &error);
    g_assert_no_error (error);
    g_clear_pointer (&bad, cairn_state_verdict_free);
    bad = cairn_server_core_report_state (core, auth, ws, &rep, &error);
    g_assert_no_error (error);
    g_assert_cmpint (bad->verdict, ==, CAIRN_STATE_VERDICT_DIVERGED);
    g_assert_cmpstr (bad->hash, ==, mine->hash);
    rep.hash = mine->hash;
    g_clear_pointer (&good, cairn_state_verdict_free);
    good = cairn_server_core_report_state (core, auth, ws, &rep, &error);
    g_assert_no_error (error);
    g_assert_cmpint (good->verdict, ==, CAIRN_STATE_VERDICT_AGREES);
  }

  /* restored from an older backup: snapshots ahead of the log are not
   * served (and are dropped) */
  if (uri != NULL)
    cairn_test_pg_exec (uri, "UPDATE snapshots SET seq = seq + 1000");
  else
    {
      sqlite3 *db = NULL;

      g_assert_cmpint (sqlite3_open (location, &db), ==, SQLITE_OK);
      sqlite3_busy_timeout (db, 5000);
      g_assert_cmpint (sqlite3_exec (db, "UPDATE snapshots SET seq = seq + 1000", NULL, NULL, NULL), ==, SQLITE_OK);
      sqlite3_close (db);
    }
  {
    g_test_expect_message ("cairn-server-core", G_LOG_LEVEL_WARNING, "Dropped 2 snapshots*ahead of its log*");
    g_assert_cmpuint (request (server, "GET", target, alice, NULL, &answer, NULL), ==, 404);
    g_test_assert_expected_messages ();
    g_clear_pointer (&answer, g_free);
  }

  /* Two instances make the same snapshot at once (each with its private
   * store): both succeed, it is stored once, and it loads. */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *t = g_strdup_printf ("Twice %u", i);
      g_autofree char *id = cairn_store_create_todo (device, list, t, NULL, NULL, &error);

      g_assert_no_error (error);
    }
  push_pending (server, alice, ws, device, &pushed);
  {
    MakerRun runs[2];
    GThread *threads[2];
    g_autoptr(CairnStore) twice = new_store (dir, "twice.db");
    g_autofree char *expected = dump (device);
    g_autofree char *got = NULL;

    for (guint i = 0; i < 2; i++)
      {
        runs[i] = (MakerRun) { location, g_strdup_printf ("%s/instance-%u", dir, i), ws,
                               cairn_server_core_now (core), 0, FALSE, NULL };
        g_mkdir (runs[i].dir, 0700);
        threads[i] = g_thread_new ("maker", maker_run, &runs[i]);
      }
    for (guint i = 0; i < 2; i++)
      {
        g_thread_join (threads[i]);
        g_assert_no_error (runs[i].error);
        g_assert_true (runs[i].ok);
        g_assert_cmpint (runs[i].seq, ==, 41);
        g_free (runs[i].dir);
      }
    g_assert_cmpuint (request (server, "GET", target, alice, NULL, &answer, &len), ==, 200);
    {
      g_autoptr(GBytes) third = g_bytes_new_take (g_steal_pointer (&answer), len);

      g_assert_true (cairn_store_load_snapshot (twice, third, &error));
      g_assert_no_error (error);
    }
    g_assert_cmpint (cairn_store_get_head (twice), ==, 41);
    got = dump (twice);
    g_assert_cmpstr (got, ==, expected);
    if (uri != NULL)
      g_assert_cmpint (cairn_test_pg_count (uri, "SELECT count(*) FROM snapshots WHERE seq = 41"), ==, 1);
  }

  /* The maker's work store is written without syncs and sealed after
   * each make. A store found unsealed (the machine went down during a
   * make) is not trusted: the next make starts again from the latest
   * snapshot. Here instance 0's store is altered behind the maker's back
   * and its seal removed; the next snapshot still equals the device. */
  {
    g_autofree char *work_dir = g_strdup_printf ("%s/instance-0", dir);
    g_autofree char *work_name = g_strconcat (ws, ".db", NULL);
    g_autofree char *work = g_build_filename (work_dir, "snapshots", work_name, NULL);
    g_autofree char *sealed = g_strconcat (work, ".sealed", NULL);
    g_autoptr(CairnStore) again = new_store (dir, "again.db");
    g_autofree char *expected = NULL;
    g_autofree char *got = NULL;
    sqlite3 *db = NULL;
    MakerRun run;

    g_assert_true (g_file_test (sealed, G_FILE_TEST_EXISTS));
    g_assert_cmpint (sqlite3_open (work, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "UPDATE todos SET title = 'Tampered' WHERE title = 'Twice 0'",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_changes (db), ==, 1);
    sqlite3_close (db);
    g_assert_cmpint (g_unlink (sealed), ==, 0);

    for (guint i = 0; i < 5; i++)
      {
        g_autofree char *t = g_strdup_printf ("Unsealed %u", i);
        g_autofree char *id = cairn_store_create_todo (device, list, t, NULL, NULL, &error);

        g_assert_no_error (error);
      }
    push_pending (server, alice, ws, device, &pushed);
    expected = dump (device);
    run = (MakerRun) { location, work_dir, ws, cairn_server_core_now (core), 0, FALSE, NULL };
    maker_run (&run);
    g_assert_no_error (run.error);
    g_assert_true (run.ok);
    g_assert_cmpint (run.seq, ==, 46);
    g_assert_true (g_file_test (sealed, G_FILE_TEST_EXISTS));
    g_assert_cmpuint (request (server, "GET", target, alice, NULL, &answer, &len), ==, 200);
    {
      g_autoptr(GBytes) latest = g_bytes_new_take (g_steal_pointer (&answer), len);

      g_assert_true (cairn_store_load_snapshot (again, latest, &error));
      g_assert_no_error (error);
    }
    g_assert_cmpint (cairn_store_get_head (again), ==, 46);
    got = dump (again);
    g_assert_cmpstr (got, ==, expected);
  }

  g_clear_pointer (&server, cairn_server_in_process_free);
  g_clear_pointer (&core, cairn_server_core_close);
  g_clear_object (&device);
  g_clear_object (&fresh);
  g_clear_object (&retry);
  cairn_test_rm_rf (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/snapshots", test_snapshots);

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-server.c: cairn-server ingest and fan-out latency, as JSON lines.
 *
 * 1. raw SQLite: batched inserts into an events table like the server's
 *    (WAL, synchronous=FULL, one transaction per batch), the ceiling;
 * 2. server ingest: several concurrent clients pushing batches of 1, 10, 100
 *    over loopback HTTP to one workspace of a real cairn-server;
 * 3. fan-out: one HTTP push of one event, time until each of N live
 *    WebSocket listeners has it (p50/p99 for N = 1, 10, 100).
 *
 * Ingest figures are medians of 3 interleaved rounds.
 * Run from the build tree: CAIRN_BUILD_ROOT=build build/bench/cairn-bench-server
 * [--quick]. Prints one JSON object per line on stdout.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cairn-test-server.h"

#define CLIENTS 4
#define ROUNDS 3

static gboolean quick = FALSE;

static int
cmp_double (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
emit (JsonBuilder *b)
{
  g_autoptr(JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = cairn_protocol_to_string (root, NULL);

  g_print ("%s\n", text);
}

/* ---- raw SQLite ---------------------------------------------------------- */

static double
raw_sqlite (guint batch,
            guint total)
{
  g_autofree char *dir = g_dir_make_tmp ("cairn-bench-raw-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "raw.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  gint64 start, seq = 0;
  double secs;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                     "CREATE TABLE events (workspace_id TEXT NOT NULL, seq INTEGER NOT NULL,"
                                     " client_id TEXT NOT NULL, client_seq INTEGER NOT NULL, name TEXT NOT NULL,"
                                     " version INTEGER NOT NULL, args TEXT NOT NULL, created_at INTEGER NOT NULL,"
                                     " device TEXT, PRIMARY KEY (workspace_id, seq),"
                                     " UNIQUE (workspace_id, client_id, client_seq)) WITHOUT ROWID;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                       -1, &st, NULL), ==, SQLITE_OK);
  start = g_get_monotonic_time ();
  while (seq < total)
    {
      g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
      for (guint i = 0; i < batch; i++)
        {
          g_autofree char *args = g_strdup_printf ("{\"todo_id\":\"t%" G_GINT64_FORMAT "\",\"title\":\"Item %" G_GINT64_FORMAT "\"}", seq + 1, seq + 1);

          seq++;
          sqlite3_bind_text (st, 1, "0190c2d8-6f1e-7a3b-8c4d-123456789abc", -1, SQLITE_STATIC);
          sqlite3_bind_int64 (st, 2, seq);
          sqlite3_bind_text (st, 3, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -1, SQLITE_STATIC);
          sqlite3_bind_int64 (st, 4, seq);
          sqlite3_bind_text (st, 5, "todo.created", -1, SQLITE_STATIC);
          sqlite3_bind_int64 (st, 6, 1);
          sqlite3_bind_text (st, 7, args, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (st, 8, 1764000000000 + seq);
          sqlite3_bind_text (st, 9, "bench", -1, SQLITE_STATIC);
          g_assert_cmpint (sqlite3_step (st), ==, SQLITE_DONE);
          sqlite3_reset (st);
        }
      g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
    }
  secs = (g_get_monotonic_time () - start) / 1e6;
  sqlite3_finalize (st);
  sqlite3_close (db);
  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (dir);
  return seq / secs;
}

/* ---- server ingest -------------------------------------------------------- */

typedef struct
{
  CairnTestServer *srv;
  const char      *token;
  const char      *ws;
  char             client[33];
  guint            batch;
  guint            pushes;
  GPtrArray       *bodies;   /* built before the clock starts */
} Pusher;

static gpointer
pusher_thread (gpointer user_data)
{
  Pusher *p = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", p->ws);

  for (guint i = 0; i < p->pushes; i++)
    {
      g_autoptr(JsonNode) answer = NULL;
      guint status;

      answer = cairn_test_http (p->srv, session, "POST", path, p->token,
                                g_ptr_array_index (p->bodies, i), -1, &status);
      g_assert_cmpuint (status, ==, 200);
    }
  return NULL;
}

static double
server_ingest (CairnTestServer *srv,
               const char      *token,
               const char      *ws,
               guint            batch,
               guint            total,
               guint            round)
{
  Pusher p[CLIENTS];
  GThread *threads[CLIENTS];
  gint64 start;
  double elapsed;

  for (guint i = 0; i < CLIENTS; i++)
    {
      p[i].srv = srv;
      p[i].token = token;
      p[i].ws = ws;
      p[i].batch = batch;
      p[i].pushes = MAX (1, total / CLIENTS / batch);
      /* A fresh client id per round and pusher. */
      g_snprintf (p[i].client, sizeof p[i].client, "%08x%08x%016x", round, i, 0xbe4c);
      p[i].bodies = g_ptr_array_new_with_free_func (g_free);
      for (guint k = 0; k < p[i].pushes; k++)
        g_ptr_array_add (p[i].bodies, cairn_test_push_body (p[i].client, (gint64) k * batch + 1,
                                                            (gint64) (k + 1) * batch));
    }
  start = g_get_monotonic_time ();
  for (guint i = 0; i < CLIENTS; i++)
    threads[i] = g_thread_new ("pusher", pusher_thread, &p[i]);
  for (guint i = 0; i < CLIENTS; i++)
    g_thread_join (threads[i]);
  elapsed = (g_get_monotonic_time () - start) / 1e6;
  for (guint i = 0; i < CLIENTS; i++)
    g_ptr_array_unref (p[i].bodies);
  return (double) (p[0].pushes * batch * CLIENTS) / elapsed;
}

/* ---- fan-out latency ------------------------------------------------------- */

typedef struct
{
  GArray  *arrivals;   /* gint64 monotonic time of each listener's receipt */
  gint64   want_seq;
} Probe;

static void
on_live (SoupWebsocketConnection *conn,
         gint                     type,
         GBytes                  *message,
         gpointer                 user_data)
{
  Probe *probe = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CairnLiveMessage) msg = NULL;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  node = cairn_protocol_parse (data, len, G_MAXSIZE, NULL);
  if (node == NULL || !(msg = cairn_protocol_decode_live_message (node, NULL)))
    g_error ("Bad live message");
  if (msg->type == CAIRN_LIVE_EVENTS && msg->head >= probe->want_seq)
    g_array_append_val (probe->arrivals, now);
}

typedef struct
{
  CairnTestServer *srv;
  const char      *token;
  const char      *ws;
  char            *body;
  gint64           sent_at;
  gboolean         done;
} OnePush;

static gpointer
one_push_thread (gpointer user_data)
{
  OnePush *op = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", op->ws);
  g_autoptr(JsonNode) answer = NULL;
  guint status;

  op->sent_at = g_get_monotonic_time ();
  answer = cairn_test_http (op->srv, session, "POST", path, op->token, op->body, -1, &status);
  g_assert_cmpuint (status, ==, 200);
  return NULL;
}


static void
fan_out (CairnTestServer *srv,
         const char      *token,
         const char      *ws,
         guint            listeners,
         guint            pushes,
         gint64          *seq,
         guint            round)
{
  g_autoptr(GPtrArray) conns = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) lat = g_array_new (FALSE, FALSE, sizeof (double));
  Probe probe = { g_array_new (FALSE, FALSE, sizeof (gint64)), 0 };
  char client[33];
  g_autoptr(JsonBuilder) b = json_builder_new ();
  double p50, p99;

  g_snprintf (client, sizeof client, "%08x%08x%016x", round, 0xfa, 0xfa);
  for (guint i = 0; i < listeners; i++)
    {
      guint status;
      SoupWebsocketConnection *conn = cairn_test_live_connect (srv, token, ws, *seq, &status);

      g_assert_nonnull (conn);
      g_signal_connect (conn, "message", G_CALLBACK (on_live), &probe);
      g_ptr_array_add (conns, conn);
    }
  /* Let the hellos arrive. */
  for (guint i = 0; i < 100; i++)
    g_main_context_iteration (NULL, FALSE);

  for (guint k = 0; k < pushes; k++)
    {
      OnePush op = { srv, token, ws, cairn_test_push_body (client, k + 1, k + 1), 0, FALSE };
      GThread *t;

      g_array_set_size (probe.arrivals, 0);
      probe.want_seq = ++(*seq);
      t = g_thread_new ("push", one_push_thread, &op);
      while (probe.arrivals->len < listeners)
        g_main_context_iteration (NULL, TRUE);
      g_thread_join (t);
      for (guint i = 0; i < probe.arrivals->len; i++)
        {
          double ms = (g_array_index (probe.arrivals, gint64, i) - op.sent_at) / 1000.0;
          g_array_append_val (lat, ms);
        }
      g_free (op.body);
    }
  for (guint i = 0; i < conns->len; i++)
    soup_websocket_connection_close (g_ptr_array_index (conns, i), SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);

  g_array_sort (lat, cmp_double);
  p50 = g_array_index (lat, double, lat->len / 2);
  p99 = g_array_index (lat, double, MIN (lat->len - 1, (guint) (lat->len * 0.99)));
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "bench");
  json_builder_add_string_value (b, "server");
  json_builder_set_member_name (b, "metric");
  json_builder_add_string_value (b, "fanout_latency_ms");
  json_builder_set_member_name (b, "listeners");
  json_builder_add_int_value (b, listeners);
  json_builder_set_member_name (b, "pushes");
  json_builder_add_int_value (b, pushes);
  json_builder_set_member_name (b, "p50_ms");
  json_builder_add_double_value (b, p50);
  json_builder_set_member_name (b, "p99_ms");
  json_builder_add_double_value (b, p99);
  json_builder_end_object (b);
  emit (b);
  g_array_unref (probe.arrivals);
}

int
main (int    argc,
      char **argv)
{
  const guint batches[] = { 1, 10, 100 };
  const guint fan[] = { 1, 10, 100 };
  const char * const args[] = { "--max-live-per-user", "1000", NULL };
  CairnTestServer *srv;
  g_autofree char *token = NULL;
  g_autofree char *ws = NULL;
  gint64 seq = 0;

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--quick"))
      quick = TRUE;

  srv = cairn_test_server_new ();
  cairn_test_server_add_user (srv, "bench", "bench-password");
  cairn_test_server_start_full (srv, NULL, args);
  token = cairn_test_login (srv, "bench", "bench-password", "bench");
  ws = cairn_test_personal_ws (srv, token);

  for (guint i = 0; i < G_N_ELEMENTS (batches); i++)
    {
      guint total = quick ? 400 : (batches[i] == 1 ? 2000 : 20000);
      double raws[ROUNDS], serveds[ROUNDS], raw, served;
      g_autoptr(JsonBuilder) b = json_builder_new ();

      /* Interleaved rounds and medians: the disk and the CPU are shared. */
      for (guint r = 0; r < ROUNDS; r++)
        {
          raws[r] = raw_sqlite (batches[i], total);
          serveds[r] = server_ingest (srv, token, ws, batches[i], total, i * ROUNDS + r);
        }
      qsort (raws, ROUNDS, sizeof (double), (GCompareFunc) cmp_double);
      qsort (serveds, ROUNDS, sizeof (double), (GCompareFunc) cmp_double);
      raw = raws[ROUNDS / 2];
      served = serveds[ROUNDS / 2];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "bench");
      json_builder_add_string_value (b, "server");
      json_builder_set_member_name (b, "metric");
      json_builder_add_string_value (b, "ingest_events_per_s");
      json_builder_set_member_name (b, "batch");
      json_builder_add_int_value (b, batches[i]);
      json_builder_set_member_name (b, "clients");
      json_builder_add_int_value (b, CLIENTS);
      json_builder_set_member_name (b, "server");
      json_builder_add_double_value (b, served);
      json_builder_set_member_name (b, "raw_sqlite");
      json_builder_add_double_value (b, raw);
      json_builder_set_member_name (b, "rounds");
      json_builder_add_int_value (b, ROUNDS);
      json_builder_set_member_name (b, "ratio");
      json_builder_add_double_value (b, served / raw);
      json_builder_end_object (b);
      emit (b);
    }

  {
    /* Start the fan-out from the real head. */
    g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events?after=9007199254740992", ws);
    guint status;
    g_autoptr(JsonNode) answer = cairn_test_http (srv, NULL, "GET", path, token, NULL, 0, &status);
    g_autoptr(CairnPullReply) reply = cairn_protocol_decode_pull_reply (answer, NULL);

    g_assert_nonnull (reply);
    seq = reply->head;
  }
  for (guint i = 0; i < G_N_ELEMENTS (fan); i++)
    fan_out (srv, token, ws, fan[i], quick ? 20 : (fan[i] == 100 ? 100 : 300), &seq, i);

  cairn_test_server_free (srv);
  return 0;
}

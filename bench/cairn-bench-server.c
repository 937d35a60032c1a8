/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-server.c: cairn-server ingest and fan-out latency, as JSON lines.
 *
 * 1. raw SQLite: batched inserts into an events table like the server's
 *    (event row and dedupe key; WAL, synchronous=FULL, one transaction per
 *    batch), the ceiling;
 * 2. server ingest: several concurrent clients pushing batches of 1, 10, 100
 *    over loopback HTTP to one workspace of a real cairn-server, each over
 *    one kept-alive socket with requests built before the clock starts;
 * 3. fan-out: one HTTP push of one event, time until each of N live
 *    WebSocket listeners has it (p50/p99 for N = 1, 10, 100).
 *
 * Ingest figures are medians of 3 interleaved rounds, with the CPU time per
 * event of the server process and of the raw loop beside them.
 * Run from the build tree: CAIRN_BUILD_ROOT=build build/bench/cairn-bench-server
 * [--quick] [--batch N]. Prints one JSON object per line on stdout.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cairn-test-server.h"

#include "bench-util.h"

#define CLIENTS 4
#define ROUNDS 3

static gboolean quick = FALSE;
static guint only_batch = 0;       /* --batch N: that ingest batch size only, no fan-out */

/* CPU time (user + system) of the server process so far, in µs. */
static double
server_cpu_us (CairnTestServer *srv)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", g_subprocess_get_identifier (srv->proc));
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_comm;

  if (!g_file_get_contents (path, &text, NULL, NULL) || !(after_comm = strrchr (text, ')')))
    g_error ("Cannot read %s", path);
  /* After "pid (comm)": state is field 3, utime 14 and stime 15. */
  fields = g_strsplit (after_comm + 2, " ", 0);
  g_assert_cmpuint (g_strv_length (fields), >, 13);
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) * 1e6 / sysconf (_SC_CLK_TCK);
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
raw_sqlite (guint   batch,
            guint   total,
            double *out_cpu_us_per_event)
{
  g_autofree char *dir = g_dir_make_tmp ("cairn-bench-raw-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "raw.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_autoptr(GPtrArray) all_args = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  gint64 start, seq = 0;
  double secs, cpu0;

  /* The same args text as the server's, built before the clock starts. */
  for (guint i = 1; i <= total; i++)
    g_ptr_array_add (all_args, g_strdup_printf ("{\"todo_id\":\"t%u\",\"title\":\"Item %u\"}", i, i));

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
  cpu0 = bench_thread_cpu_us ();
  while (seq < total)
    {
      g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
      for (guint i = 0; i < batch && seq < total; i++)
        {
          const char *args = g_ptr_array_index (all_args, seq);

          seq++;
          sqlite3_bind_text (st, 1, "0190c2d8-6f1e-7a3b-8c4d-123456789abc", -1, SQLITE_STATIC);
          sqlite3_bind_int64 (st, 2, seq);
          sqlite3_bind_text (st, 3, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", -1, SQLITE_STATIC);
          sqlite3_bind_int64 (st, 4, seq);
          sqlite3_bind_text (st, 5, "todo.created", -1, SQLITE_STATIC);
          sqlite3_bind_int64 (st, 6, 1);
          sqlite3_bind_text (st, 7, args, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (st, 8, 1764000000000 + seq);
          sqlite3_bind_text (st, 9, "bench", -1, SQLITE_STATIC);
          g_assert_cmpint (sqlite3_step (st), ==, SQLITE_DONE);
          sqlite3_reset (st);
        }
      g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
    }
  secs = (g_get_monotonic_time () - start) / 1e6;
  *out_cpu_us_per_event = (bench_thread_cpu_us () - cpu0) / seq;
  sqlite3_finalize (st);
  sqlite3_close (db);
  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (dir);
  return seq / secs;
}

/* ---- server ingest -------------------------------------------------------- */

/* The ingest clients speak HTTP/1.1 over one kept-alive socket each, with
 * every request (headers and body) built before the clock starts and only
 * the status line and Content-Length of each answer read, so that as much
 * of the shared CPU as possible goes to the server. */

typedef struct
{
  guint16      port;
  char         client[33];
  guint        pushes;
  GPtrArray   *requests;   /* GBytes*: whole HTTP requests */
} Pusher;

static guint16
server_port (CairnTestServer *srv)
{
  const char *colon = strrchr (srv->base, ':');

  g_assert_nonnull (colon);
  return (guint16) g_ascii_strtoull (colon + 1, NULL, 10);
}

static int
connect_loopback (guint16 port)
{
  struct sockaddr_in sa = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;

  g_assert_cmpint (fd, >=, 0);
  sa.sin_family = AF_INET;
  sa.sin_port = htons (port);
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *) &sa, sizeof sa) != 0)
    g_error ("Cannot connect to 127.0.0.1:%u: %s", port, g_strerror (errno));
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static GBytes *
build_request (const char *path,
               const char *token,
               const char *body)
{
  gsize len = strlen (body);
  char *text = g_strdup_printf ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                                "Content-Type: application/json\r\nContent-Length: %" G_GSIZE_FORMAT
                                "\r\n\r\n%s", path, token, len, body);

  return g_bytes_new_take (text, strlen (text));
}

static void
send_request (int     fd,
              GBytes *request)
{
  gsize len;
  const char *data = g_bytes_get_data (request, &len);
  gsize sent = 0;

  while (sent < len)
    {
      gssize n = write (fd, data + sent, len - sent);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("Cannot send a push: %s", g_strerror (errno));
      sent += n;
    }
}

/* Reads one answer to a push and checks it is a 200 with a head. */
static void
read_answer (int      fd,
             GString *buf)
{
  gsize header_end = 0, content_length = 0;
  const char *end;
  guint status;

  g_string_truncate (buf, 0);
  for (;;)
    {
      char chunk[16384];
      gssize n;

      if (header_end == 0 && (end = g_strstr_len (buf->str, buf->len, "\r\n\r\n")) != NULL)
        {
          const char *cl = g_strstr_len (buf->str, end - buf->str, "Content-Length:");

          header_end = end - buf->str + 4;
          if (cl == NULL)
            g_error ("Answer without Content-Length: %.*s", (int) header_end, buf->str);
          content_length = g_ascii_strtoull (cl + strlen ("Content-Length:"), NULL, 10);
        }
      if (header_end > 0 && buf->len >= header_end + content_length)
        break;
      n = read (fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("The server closed the connection (%s)", n < 0 ? g_strerror (errno) : "end of stream");
      g_string_append_len (buf, chunk, n);
    }
  if (sscanf (buf->str, "HTTP/1.%*d %u", &status) != 1)
    g_error ("Bad status line: %.40s", buf->str);
  if (status != 200)
    g_error ("Push answered %u: %.*s", status, (int) content_length, buf->str + header_end);
  if (g_strstr_len (buf->str + header_end, content_length, "\"head\":") == NULL)
    g_error ("Push answer without head: %.*s", (int) content_length, buf->str + header_end);
}

static gpointer
pusher_thread (gpointer user_data)
{
  Pusher *p = user_data;
  g_autoptr(GString) buf = g_string_sized_new (65536);
  int fd = connect_loopback (p->port);

  for (guint i = 0; i < p->pushes; i++)
    {
      send_request (fd, g_ptr_array_index (p->requests, i));
      read_answer (fd, buf);
    }
  close (fd);
  return NULL;
}

static double
server_ingest (CairnTestServer *srv,
               const char      *token,
               const char      *ws,
               guint            batch,
               guint            total,
               guint            round,
               double          *out_cpu_us_per_event)
{
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", ws);
  Pusher p[CLIENTS];
  GThread *threads[CLIENTS];
  gint64 start;
  double elapsed, cpu0;

  for (guint i = 0; i < CLIENTS; i++)
    {
      p[i].port = server_port (srv);
      p[i].pushes = MAX (1, total / CLIENTS / batch);
      /* A fresh client id per round and pusher. */
      g_snprintf (p[i].client, sizeof p[i].client, "%08x%08x%016x", round, i, 0xbe4c);
      p[i].requests = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      for (guint k = 0; k < p[i].pushes; k++)
        {
          g_autofree char *body = cairn_test_push_body (p[i].client, (gint64) k * batch + 1,
                                                        (gint64) (k + 1) * batch);

          g_ptr_array_add (p[i].requests, build_request (path, token, body));
        }
    }
  start = g_get_monotonic_time ();
  cpu0 = server_cpu_us (srv);
  for (guint i = 0; i < CLIENTS; i++)
    threads[i] = g_thread_new ("pusher", pusher_thread, &p[i]);
  for (guint i = 0; i < CLIENTS; i++)
    g_thread_join (threads[i]);
  elapsed = (g_get_monotonic_time () - start) / 1e6;
  *out_cpu_us_per_event = (server_cpu_us (srv) - cpu0) / (p[0].pushes * batch * CLIENTS);
  for (guint i = 0; i < CLIENTS; i++)
    g_ptr_array_unref (p[i].requests);
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
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", ws);
  g_autoptr(GString) buf = g_string_sized_new (4096);
  int fd = connect_loopback (server_port (srv));
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

  /* The pusher is a kept-alive socket on this thread: the request is
   * written, the listeners are served until each has the event, then the
   * push's own answer (already there) is read. */
  for (guint k = 0; k < pushes; k++)
    {
      g_autofree char *body = cairn_test_push_body (client, k + 1, k + 1);
      g_autoptr(GBytes) request = build_request (path, token, body);
      gint64 sent_at;

      g_array_set_size (probe.arrivals, 0);
      probe.want_seq = ++(*seq);
      sent_at = g_get_monotonic_time ();
      send_request (fd, request);
      while (probe.arrivals->len < listeners)
        g_main_context_iteration (NULL, TRUE);
      read_answer (fd, buf);
      for (guint i = 0; i < probe.arrivals->len; i++)
        {
          double ms = (g_array_index (probe.arrivals, gint64, i) - sent_at) / 1000.0;
          g_array_append_val (lat, ms);
        }
    }
  close (fd);
  for (guint i = 0; i < conns->len; i++)
    soup_websocket_connection_close (g_ptr_array_index (conns, i), SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);

  g_array_sort (lat, bench_cmp_double);
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
    else if (g_str_equal (argv[i], "--batch") && i + 1 < argc)
      only_batch = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
    else
      {
        g_printerr ("Usage: %s [--quick] [--batch 1|10|100]\n", argv[0]);
        return 2;
      }

  srv = cairn_test_server_new ();
  cairn_test_server_add_user (srv, "bench", "bench-password");
  cairn_test_server_start_full (srv, NULL, args);
  token = cairn_test_login (srv, "bench", "bench-password", "bench");
  ws = cairn_test_personal_ws (srv, token);

  for (guint i = 0; i < G_N_ELEMENTS (batches); i++)
    {
      guint total = quick ? 400 : (batches[i] == 1 ? 2000 : 20000);
      double raws[ROUNDS], serveds[ROUNDS], raw_cpu[ROUNDS], served_cpu[ROUNDS], raw, served;
      g_autoptr(JsonBuilder) b = json_builder_new ();

      if (only_batch != 0 && batches[i] != only_batch)
        continue;
      /* Interleaved rounds and medians: the disk and the CPU are shared. */
      for (guint r = 0; r < ROUNDS; r++)
        {
          raws[r] = raw_sqlite (batches[i], total, &raw_cpu[r]);
          serveds[r] = server_ingest (srv, token, ws, batches[i], total, i * ROUNDS + r, &served_cpu[r]);
        }
      qsort (raw_cpu, ROUNDS, sizeof (double), (GCompareFunc) bench_cmp_double);
      qsort (served_cpu, ROUNDS, sizeof (double), (GCompareFunc) bench_cmp_double);
      qsort (raws, ROUNDS, sizeof (double), (GCompareFunc) bench_cmp_double);
      qsort (serveds, ROUNDS, sizeof (double), (GCompareFunc) bench_cmp_double);
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
      /* CPU per event (medians): the server process (HTTP, JSON, SQLite,
       * logging) and the raw loop's thread; what the disk's fsync time
       * does not hide. */
      json_builder_set_member_name (b, "server_cpu_us_per_event");
      json_builder_add_double_value (b, served_cpu[ROUNDS / 2]);
      json_builder_set_member_name (b, "raw_cpu_us_per_event");
      json_builder_add_double_value (b, raw_cpu[ROUNDS / 2]);
      json_builder_end_object (b);
      emit (b);
    }

  if (only_batch != 0)
    {
      cairn_test_server_free (srv);
      return 0;
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

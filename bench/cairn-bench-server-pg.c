/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-server-pg.c: cairn-server on SQLite and on PostgreSQL with 1
 * and 2 instances, side by side in one run, as JSON lines.
 *
 * 1. ingest: 10 writers (each its own client and HTTP session, on instance
 *    i % n) push batches of 1, 10, 100 into one workspace at once; events/s
 *    and push p50/p99, with the CPU time of the server processes and of
 *    PostgreSQL per event and PostgreSQL's commits per push;
 * 2. fan-out: one push of one event on instance 0, time until 10 live
 *    listeners split over 2 instances all have it (p50/p99 of 50);
 * 3. catch-up: a live connection with after=0 to a log of 100,000 events,
 *    time until it has them all.
 *
 * Run under its own PostgreSQL with fsync on:
 *   CAIRN_PG_FSYNC=on CAIRN_BUILD_ROOT=build tests/server/with-postgres.sh \
 *     build/bench/cairn-bench-server-pg [--quick] [--fan-out] [--batch N]
 * --fan-out runs part 2 alone, on a near-empty log (no ingest before it):
 * the live path without the database's work on a large table. --batch N
 * runs part 1 at batch N (1, 10 or 100) alone, on every setup.
 */
#include "config.h"

#include <dirent.h>
#include <string.h>
#include <unistd.h>

#include "cairn-test-server.h"
#include "pg-test-util.h"

#include "bench-util.h"

#define WRITERS 10

static gboolean quick = FALSE;
static gboolean fan_out_only = FALSE;   /* --fan-out: that part alone */
static guint only_batch = 0;            /* --batch N: ingest at N alone */

static double
percentile (GArray *ms,
            double  p)
{
  g_array_sort (ms, bench_cmp_double);
  return g_array_index (ms, double, MIN (ms->len - 1, (guint) (p * ms->len)));
}

/* utime + stime of /proc/PID/stat, in µs. */
static double
pid_cpu_us (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_comm;

  if (!g_file_get_contents (path, &text, NULL, NULL) || !(after_comm = strrchr (text, ')')))
    return 0;
  fields = g_strsplit (after_comm + 2, " ", 0);
  if (g_strv_length (fields) < 14)
    return 0;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) * 1e6 / sysconf (_SC_CLK_TCK);
}

/* CPU of every postgres process (the database's side), µs; exited
 * backends' time is lost, so the server side keeps its connections. */
static double
postgres_cpu_us (void)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  double sum = 0;

  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *comm_path = NULL;
      g_autofree char *comm = NULL;

      if (!g_ascii_isdigit (name[0]))
        continue;
      comm_path = g_strdup_printf ("/proc/%s/comm", name);
      if (g_file_get_contents (comm_path, &comm, NULL, NULL) && g_str_has_prefix (comm, "postgres"))
        sum += pid_cpu_us (name);
    }
  return sum;
}

static gint64
pg_commits (const char *uri)
{
  /* Backends report their counts when idle, at most once a second. */
  g_usleep (1100 * 1000);
  return cairn_test_pg_count (uri, "SELECT sum(xact_commit)::bigint FROM pg_stat_database");
}

typedef struct
{
  const char      *name;       /* "sqlite", "postgresql-1", "postgresql-2" */
  CairnTestServer *srv[2];
  guint            n;
  char            *token;
  char            *ws;
} Setup;

static void
setup_start (Setup      *s,
             const char *name,
             gboolean    postgresql,
             guint       n)
{
  s->name = name;
  s->n = n;
  for (guint i = 0; i < n; i++)
    {
      s->srv[i] = cairn_test_server_new ();
      g_free (s->srv[i]->store);
      if (!postgresql)
        {
          s->srv[i]->store_option = "--data";
          s->srv[i]->store = g_strdup (s->srv[i]->data_dir);
        }
      else
        s->srv[i]->store = i == 0 ? cairn_test_pg_new_database () : g_strdup (s->srv[0]->store);
      if (i == 0)
        cairn_test_server_add_user (s->srv[0], "alice", CAIRN_TEST_ALICE_PW);
      cairn_test_server_start (s->srv[i], NULL);
    }
  s->token = cairn_test_login (s->srv[0], "alice", CAIRN_TEST_ALICE_PW, "bench");
  s->ws = cairn_test_personal_ws (s->srv[0], s->token);
}

static void
setup_stop (Setup *s)
{
  for (guint i = 0; i < s->n; i++)
    cairn_test_server_free (s->srv[i]);
  g_free (s->token);
  g_free (s->ws);
}

/* ---- ingest ------------------------------------------------------------ */

typedef struct
{
  Setup   *s;
  guint    instance;
  char     client[33];
  gint64   next_seq;
  guint    batch;
  guint    pushes;
  GArray  *ms;
} Writer;

static gpointer
writer_thread (gpointer user_data)
{
  Writer *w = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", w->s->ws);
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func (g_free);

  for (guint p = 0; p < w->pushes; p++)
    g_ptr_array_add (bodies, cairn_test_push_body (w->client, w->next_seq + p * w->batch,
                                                   w->next_seq + p * w->batch + w->batch - 1));
  for (guint p = 0; p < w->pushes; p++)
    {
      g_autoptr(JsonNode) answer = NULL;
      gint64 t0 = g_get_monotonic_time ();
      double ms;
      guint status = 0;

      answer = cairn_test_http (w->s->srv[w->instance], session, "POST", path, w->s->token,
                                g_ptr_array_index (bodies, p), -1, &status);
      if (status != 200)
        g_error ("push answered %u", status);
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (w->ms, ms);
    }
  w->next_seq += w->pushes * w->batch;
  return NULL;
}

static void
ingest (Setup  *s,
        guint   batch,
        Writer *writers)
{
  GThread *threads[WRITERS];
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  guint pushes = (quick ? 600 : 2000) / (batch == 1 ? 10 : batch == 10 ? 20 : 50);
  double server_cpu0 = 0, server_cpu1 = 0, pg_cpu0, pg_cpu1;
  gint64 commits0 = 0, commits1 = 0, start;
  double secs, events;
  gboolean pg = g_str_equal (s->srv[0]->store_option, "--database");

  if (pg)
    commits0 = pg_commits (s->srv[0]->store);
  for (guint i = 0; i < s->n; i++)
    server_cpu0 += pid_cpu_us (g_subprocess_get_identifier (s->srv[i]->proc));
  pg_cpu0 = postgres_cpu_us ();
  start = g_get_monotonic_time ();
  for (guint i = 0; i < WRITERS; i++)
    {
      writers[i].batch = batch;
      writers[i].pushes = pushes;
      writers[i].ms = g_array_new (FALSE, FALSE, sizeof (double));
      threads[i] = g_thread_new ("writer", writer_thread, &writers[i]);
    }
  for (guint i = 0; i < WRITERS; i++)
    {
      g_thread_join (threads[i]);
      g_array_append_vals (ms, writers[i].ms->data, writers[i].ms->len);
      g_array_unref (writers[i].ms);
    }
  secs = (g_get_monotonic_time () - start) / 1e6;
  for (guint i = 0; i < s->n; i++)
    server_cpu1 += pid_cpu_us (g_subprocess_get_identifier (s->srv[i]->proc));
  pg_cpu1 = postgres_cpu_us ();
  if (pg)
    commits1 = pg_commits (s->srv[0]->store);
  events = (double) WRITERS * pushes * batch;
  g_print ("{\"bench\":\"ingest\",\"setup\":\"%s\",\"writers\":%d,\"batch\":%u,\"events\":%.0f,"
           "\"events_per_s\":%.0f,\"push_p50_ms\":%.2f,\"push_p99_ms\":%.2f,"
           "\"server_cpu_us_per_event\":%.1f,\"postgres_cpu_us_per_event\":%.1f,\"commits_per_push\":%.2f}\n",
           s->name, WRITERS, batch, events, events / secs, percentile (ms, 0.5), percentile (ms, 0.99),
           (server_cpu1 - server_cpu0) / events, pg ? (pg_cpu1 - pg_cpu0) / events : 0.0,
           /* minus the two counting queries' own */
           pg ? (double) (commits1 - commits0 - 1) / (WRITERS * pushes) : 0.0);
}

/* ---- fan-out across instances ------------------------------------------ */

typedef struct
{
  Setup  *s;
  gint64  seq;
} FanPush;

static gpointer
fan_push_thread (gpointer user_data)
{
  FanPush *fp = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", fp->s->ws);
  g_autofree char *body = cairn_test_push_body ("ffffffffffffffffffffffffffffffff", fp->seq, fp->seq);
  g_autoptr(JsonNode) answer = NULL;
  guint status = 0;

  answer = cairn_test_http (fp->s->srv[0], session, "POST", path, fp->s->token, body, -1, &status);
  if (status != 200)
    g_error ("push answered %u", status);
  return NULL;
}

static void
fan_out (Setup *s)
{
  CairnTestListener *l[10];
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  guint rounds = quick ? 20 : 50;
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events?after=0&limit=1", s->ws);
  guint status = 0;
  g_autoptr(JsonNode) node = cairn_test_http (s->srv[0], NULL, "GET", path, s->token, NULL, 0, &status);
  g_autoptr(CairnPullReply) page = cairn_protocol_decode_pull_reply (node, NULL);

  g_assert_nonnull (page);
  for (guint i = 0; i < 10; i++)
    {
      SoupWebsocketConnection *conn = cairn_test_live_connect (s->srv[i % s->n], s->token, s->ws, page->head, &status);
      CairnLiveMessage *m;

      g_assert_nonnull (conn);
      l[i] = cairn_test_listener_new (conn);
      m = cairn_test_listener_next (l[i], 10000);
      g_assert_nonnull (m);
      cairn_live_message_free (m);
    }
  for (guint r = 0; r < rounds; r++)
    {
      FanPush fp = { s, r + 1 };
      gint64 t0 = g_get_monotonic_time ();
      GThread *t = g_thread_new ("push", fan_push_thread, &fp);
      double got;

      for (guint i = 0; i < 10; i++)
        {
          CairnLiveMessage *m = cairn_test_listener_next (l[i], 10000);

          g_assert_nonnull (m);
          g_assert_cmpint (m->type, ==, CAIRN_LIVE_EVENTS);
          cairn_live_message_free (m);
        }
      got = (g_get_monotonic_time () - t0) / 1000.0;
      g_array_append_val (ms, got);
      g_thread_join (t);
      g_usleep (20 * 1000);
    }
  g_print ("{\"bench\":\"fan-out\",\"setup\":\"%s\",\"listeners\":10,\"instances\":%u,\"rounds\":%u,"
           "\"p50_ms\":%.2f,\"p99_ms\":%.2f}\n", s->name, s->n, rounds,
           percentile (ms, 0.5), percentile (ms, 0.99));
  for (guint i = 0; i < 10; i++)
    cairn_test_listener_free (l[i]);
}

/* ---- catch-up ---------------------------------------------------------- */

static void
catch_up (Setup *s)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", s->ws);
  const char *client = "cccccccccccccccccccccccccccccccc";
  gint64 total = quick ? 20000 : 100000, got = 0, start;
  CairnTestListener *l;
  guint status = 0;

  for (gint64 from = 1; from <= total; from += 500)
    {
      g_autofree char *body = cairn_test_push_body (client, from, from + 499);
      g_autoptr(JsonNode) answer = cairn_test_http (s->srv[0], session, "POST", path, s->token, body, -1, &status);

      g_assert_cmpuint (status, ==, 200);
    }
  start = g_get_monotonic_time ();
  l = cairn_test_listener_new (cairn_test_live_connect (s->srv[s->n - 1], s->token, s->ws, 0, &status));
  while (got < total)
    {
      CairnLiveMessage *m = cairn_test_listener_next (l, 30000);

      g_assert_nonnull (m);
      if (m->type == CAIRN_LIVE_EVENTS)
        for (guint i = 0; i < m->events->len; i++)
          if (g_str_equal (((CairnWireEvent *) g_ptr_array_index (m->events, i))->client_id, client))
            got++;
      cairn_live_message_free (m);
    }
  g_print ("{\"bench\":\"catch-up\",\"setup\":\"%s\",\"events\":%" G_GINT64_FORMAT ",\"ms\":%.0f}\n",
           s->name, total, (g_get_monotonic_time () - start) / 1000.0);
  cairn_test_listener_free (l);
}

int
main (int    argc,
      char **argv)
{
  const struct { const char *name; gboolean pg; guint n; } setups[] = {
    { "sqlite", FALSE, 1 },
    { "postgresql-1", TRUE, 1 },
    { "postgresql-2", TRUE, 2 },
  };
  const guint batches[] = { 1, 10, 100 };

  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--quick"))
      quick = TRUE;
    else if (g_str_equal (argv[i], "--fan-out"))
      fan_out_only = TRUE;
    else if (g_str_equal (argv[i], "--batch") && i + 1 < argc)
      only_batch = atoi (argv[++i]);
  if (!cairn_test_backend_is_postgresql ())
    g_error ("Run under tests/server/with-postgres.sh (CAIRN_PG_FSYNC=on for real figures)");

  for (guint k = 0; k < G_N_ELEMENTS (setups); k++)
    {
      Setup s = { 0 };
      Writer writers[WRITERS];

      if (fan_out_only && setups[k].n != 2)
        continue;
      setup_start (&s, setups[k].name, setups[k].pg, setups[k].n);
      for (guint i = 0; i < WRITERS; i++)
        {
          writers[i].s = &s;
          writers[i].instance = i % s.n;
          writers[i].next_seq = 1;
          for (guint c = 0; c < 32; c++)
            writers[i].client[c] = "0123456789abcdef"[(i + 1 + c) % 16];
          writers[i].client[32] = '\0';
        }
      for (guint b = 0; b < G_N_ELEMENTS (batches) && !fan_out_only; b++)
        if (only_batch == 0 || batches[b] == only_batch)
          ingest (&s, batches[b], writers);
      if (s.n == 2 && only_batch == 0)
        fan_out (&s);
      if (s.n == 1 && !fan_out_only && only_batch == 0)
        catch_up (&s);
      setup_stop (&s);
    }
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-instances.c: several cairn-server processes on one PostgreSQL
 * database (run under with-postgres.sh only): one order per workspace,
 * live events across instances, retries on another instance, PostgreSQL
 * restarted under running instances. */
#include "config.h"

#include <string.h>

#include "cairn-chain.h"
#include "cairn-test-server.h"
#include "pg-test-util.h"

#define TIMEOUT 10000
#define CATCH_UP_ONLY 0x100
#define MAX_INSTANCES 3
#define RESTART_HARD 0x200

/* Notifications only: the periodic catch-up (2 s) would also deliver
 * other instances' events, and must not make a test pass on its own. */
static const char * const notify_only[] = { "CAIRN_SERVER_TEST_CATCH_UP_MS=600000", NULL };
/* The other way round: no LISTEN, the periodic catch-up every 200 ms. */
static const char * const catch_up_only[] = { "CAIRN_SERVER_TEST_NO_LISTEN=1",
                                              "CAIRN_SERVER_TEST_CATCH_UP_MS=200", NULL };

typedef struct
{
  CairnTestServer *srv[MAX_INSTANCES];
  guint            n;
  const char * const *env;
  char            *token;   /* alice's, valid on every instance */
  char            *ws;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->n = GPOINTER_TO_UINT (data) & 0xff;
  f->env = (GPOINTER_TO_UINT (data) & CATCH_UP_ONLY) ? catch_up_only : notify_only;
  g_assert_true (cairn_test_backend_is_postgresql ());
  f->srv[0] = cairn_test_server_new ();
  cairn_test_server_add_user (f->srv[0], "alice", CAIRN_TEST_ALICE_PW);
  for (guint i = 0; i < f->n; i++)
    {
      if (i > 0)
        {
          /* Another process on the same database. */
          f->srv[i] = cairn_test_server_new ();
          g_free (f->srv[i]->store);
          f->srv[i]->store = g_strdup (f->srv[0]->store);
        }
      cairn_test_server_start (f->srv[i], f->env);
    }
  f->token = cairn_test_login (f->srv[0], "alice", CAIRN_TEST_ALICE_PW, "laptop");
  f->ws = cairn_test_personal_ws (f->srv[f->n - 1], f->token);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  for (guint i = 0; i < f->n; i++)
    cairn_test_server_free (f->srv[i]);
  g_free (f->token);
  g_free (f->ws);
}

static CairnPushReply *
push_on (Fixture    *f,
         guint       instance,
         const char *client,
         gint64      from,
         gint64      to)
{
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", f->ws);
  g_autofree char *body = cairn_test_push_body (client, from, to);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = NULL;
  CairnPushReply *reply;
  guint status = 0;

  answer = cairn_test_http (f->srv[instance], NULL, "POST", path, f->token, body, -1, &status);
  g_assert_cmpuint (status, ==, 200);
  reply = cairn_protocol_decode_push_reply (answer, FALSE, &error);
  g_assert_no_error (error);
  return reply;
}

/* The whole log as one instance serves it: seqs 1..head without a gap,
 * each client's events once and in client_seq order, every event's chain
 * the one that follows its predecessor's (whichever instance stored it,
 * on a guess of the head or not). Returns head. */
static gint64
assert_log (Fixture *f,
            guint    instance,
            gint64   expected)
{
  g_autoptr(GHashTable) last = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *chain = g_strdup (CAIRN_CHAIN_ZERO);
  gint64 after = 0;

  for (;;)
    {
      g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events?after=%" G_GINT64_FORMAT "&limit=100",
                                               f->ws, after);
      g_autoptr(JsonNode) answer = NULL;
      g_autoptr(CairnPullReply) page = NULL;
      g_autoptr(GError) error = NULL;
      guint status = 0;

      answer = cairn_test_http (f->srv[instance], NULL, "GET", path, f->token, NULL, 0, &status);
      g_assert_cmpuint (status, ==, 200);
      page = cairn_protocol_decode_pull_reply (answer, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < page->events->len; i++)
        {
          CairnWireEvent *e = g_ptr_array_index (page->events, i);
          gint64 prev = GPOINTER_TO_SIZE (g_hash_table_lookup (last, e->client_id));
          char *next;

          g_assert_cmpint (e->seq, ==, ++after);
          g_assert_cmpint (e->client_seq, ==, prev + 1);
          next = cairn_chain_next (chain, e->client_id, e->client_seq);
          g_assert_cmpstr (e->chain, ==, next);
          g_free (chain);
          chain = next;
          g_hash_table_insert (last, (char *) g_intern_string (e->client_id), GSIZE_TO_POINTER (e->client_seq));
        }
      if (!page->more)
        {
          g_assert_cmpint (page->head, ==, after);
          break;
        }
    }
  if (expected >= 0)
    g_assert_cmpint (after, ==, expected);
  return after;
}

/* Reads live messages until the listener was sent every event up to
 * head, checking that they come in seq order without a gap. */
static void
listen_up_to (CairnTestListener *l,
              gint64            *sent,
              gint64             head)
{
  while (*sent < head)
    {
      CairnLiveMessage *m = cairn_test_listener_next (l, TIMEOUT);

      g_assert_nonnull (m);
      if (m->type == CAIRN_LIVE_EVENTS)
        for (guint i = 0; i < m->events->len; i++)
          g_assert_cmpint (((CairnWireEvent *) g_ptr_array_index (m->events, i))->seq, ==, ++*sent);
      cairn_live_message_free (m);
    }
}

static CairnTestListener *
listener_on (Fixture *f,
             guint    instance)
{
  guint status = 0;
  SoupWebsocketConnection *conn = cairn_test_live_connect (f->srv[instance], f->token, f->ws, 0, &status);
  CairnTestListener *l;
  CairnLiveMessage *m;

  g_assert_nonnull (conn);
  l = cairn_test_listener_new (conn);
  m = cairn_test_listener_next (l, TIMEOUT);
  g_assert_nonnull (m);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_HELLO);
  cairn_live_message_free (m);
  return l;
}

/* A push on one instance reaches a live socket on the other at once
 * (LISTEN/NOTIFY wakes it; it reads the events from the database). */
static void
test_live_across (Fixture       *f,
                  gconstpointer  data)
{
  CairnTestListener *on_b = listener_on (f, 1);
  CairnTestListener *on_a = listener_on (f, 0);
  g_autoptr(CairnPushReply) r1 = NULL;
  g_autoptr(CairnPushReply) r2 = NULL;
  gint64 sent_b = 0, sent_a = 0;
  gint64 start;

  start = g_get_monotonic_time ();
  r1 = push_on (f, 0, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1, 3);
  g_assert_cmpint (r1->head, ==, 3);
  listen_up_to (on_b, &sent_b, 3);
  g_test_message ("across instances in %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  r2 = push_on (f, 1, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 1, 2);
  g_assert_cmpint (r2->head, ==, 5);
  listen_up_to (on_a, &sent_a, 5);
  listen_up_to (on_b, &sent_b, 5);
  cairn_test_listener_free (on_a);
  cairn_test_listener_free (on_b);
}

#define N_CLIENTS 6
#define N_BATCHES 12
#define BATCH 4

typedef struct
{
  Fixture *f;
  guint    instance;
  char     client[33];
} PusherData;

static gpointer
pusher_thread (gpointer user_data)
{
  PusherData *d = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", d->f->ws);

  for (gint64 b = 0; b < N_BATCHES; b++)
    {
      g_autofree char *body = cairn_test_push_body (d->client, b * BATCH + 1, b * BATCH + BATCH);
      g_autoptr(JsonNode) answer = NULL;
      guint status;

      answer = cairn_test_http (d->f->srv[d->instance], session, "POST", path, d->f->token, body, -1, &status);
      g_assert_cmpuint (status, ==, 200);
      /* Now and then the previous batch again, on the next instance, as a
       * client whose answer was lost would after a load balancer moved it. */
      if (b > 0 && b % 3 == 0)
        {
          g_autofree char *again = cairn_test_push_body (d->client, (b - 1) * BATCH + 1, b * BATCH + BATCH);
          g_autoptr(JsonNode) answer2 = NULL;
          g_autoptr(CairnPushReply) r1 = NULL;
          g_autoptr(CairnPushReply) r2 = NULL;
          g_autoptr(GError) error = NULL;

          answer2 = cairn_test_http (d->f->srv[(d->instance + 1) % d->f->n], session, "POST", path,
                                     d->f->token, again, -1, &status);
          g_assert_cmpuint (status, ==, 200);
          r1 = cairn_protocol_decode_push_reply (answer, FALSE, &error);
          g_assert_no_error (error);
          r2 = cairn_protocol_decode_push_reply (answer2, FALSE, &error);
          g_assert_no_error (error);
          /* The batch's seqs are the ones it got the first time. */
          for (guint i = 0; i < BATCH; i++)
            g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (r1->results, i))->seq, ==,
                             ((CairnPushResult *) g_ptr_array_index (r2->results, BATCH + i))->seq);
        }
    }
  return NULL;
}

/* Devices on different instances push into one workspace at once: one
 * gap-free order, every event once, and live sockets on every instance
 * see that same order. */
static void
test_concurrent (Fixture       *f,
                 gconstpointer  data)
{
  PusherData d[N_CLIENTS];
  GThread *threads[N_CLIENTS];
  CairnTestListener *listeners[MAX_INSTANCES];
  gint64 sent[MAX_INSTANCES] = { 0 };
  gint64 total = N_CLIENTS * N_BATCHES * BATCH;

  for (guint i = 0; i < f->n; i++)
    listeners[i] = listener_on (f, i);
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      d[i].f = f;
      d[i].instance = i % f->n;
      for (guint k = 0; k < 32; k++)
        d[i].client[k] = "0123456789abcdef"[(i + 1) % 16];
      d[i].client[32] = '\0';
      threads[i] = g_thread_new ("pusher", pusher_thread, &d[i]);
    }
  for (guint i = 0; i < N_CLIENTS; i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < f->n; i++)
    {
      assert_log (f, i, total);
      listen_up_to (listeners[i], &sent[i], total);
      cairn_test_listener_free (listeners[i]);
    }
}

/* An instance killed with SIGKILL after it committed a push: the client
 * sends it again to another instance and gets the seqs it was given. */
static void
test_retry_after_kill (Fixture       *f,
                       gconstpointer  data)
{
  const char *client = "cccccccccccccccccccccccccccccccc";
  g_autoptr(CairnPushReply) first = push_on (f, 0, client, 1, 5);
  g_autoptr(CairnPushReply) again = NULL;
  g_autoptr(CairnPushReply) more = NULL;

  cairn_test_server_stop (f->srv[0], TRUE);
  again = push_on (f, 1, client, 1, 7);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (first->results, i))->seq, ==,
                     ((CairnPushResult *) g_ptr_array_index (again->results, i))->seq);
  g_assert_cmpint (again->head, ==, 7);
  /* The first instance, back, serves the same log and goes on from it. */
  cairn_test_server_start (f->srv[0], f->env);
  more = push_on (f, 0, client, 8, 8);
  g_assert_cmpint (more->head, ==, 8);
  assert_log (f, 0, 8);
  assert_log (f, 1, 8);
}

typedef struct
{
  Fixture *f;
  char     client[33];
  GArray  *acked;      /* gint64 seq of client_seq i + 1, as answered */
} KilledWriter;

/* POSTs body and returns the answer's JSON for 200, NULL for anything
 * else, a broken connection included (the server was killed). */
static JsonNode *
try_post (CairnTestServer *srv,
          SoupSession     *session,
          const char      *path,
          const char      *token,
          const char      *body)
{
  g_autofree char *url = g_strconcat (srv->base, path, NULL);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  answer = soup_session_send_and_read (session, msg, NULL, NULL);
  if (answer == NULL || soup_message_get_status (msg) != 200)
    return NULL;
  return cairn_protocol_parse (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), G_MAXSIZE, NULL);
}

/* Pushes batches of 5 to instance 0 until it stops answering. */
static gpointer
killed_writer_thread (gpointer user_data)
{
  KilledWriter *w = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 10, NULL);
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", w->f->ws);

  for (gint64 from = 1;; from += 5)
    {
      g_autofree char *body = cairn_test_push_body (w->client, from, from + 4);
      g_autoptr(JsonNode) answer = NULL;
      g_autoptr(CairnPushReply) reply = NULL;

      if (!(answer = try_post (w->f->srv[0], session, path, w->f->token, body)))
        return NULL;
      reply = cairn_protocol_decode_push_reply (answer, FALSE, NULL);
      g_assert_nonnull (reply);
      for (guint i = 0; i < reply->results->len; i++)
        g_array_append_val (w->acked, ((CairnPushResult *) g_ptr_array_index (reply->results, i))->seq);
    }
}

/* An instance killed with SIGKILL while writers push batches to it: every
 * push it acknowledged is in the log the other instance serves, with the
 * seqs it was answered with, and the writers go on there. */
static void
test_killed_mid_batch (Fixture       *f,
                       gconstpointer  data)
{
  KilledWriter w[4];
  GThread *threads[4];
  gint64 total = 0;

  for (guint i = 0; i < 4; i++)
    {
      w[i].f = f;
      w[i].acked = g_array_new (FALSE, FALSE, sizeof (gint64));
      for (guint k = 0; k < 32; k++)
        w[i].client[k] = "0123456789abcdef"[(i + 7) % 16];
      w[i].client[32] = '\0';
      threads[i] = g_thread_new ("writer", killed_writer_thread, &w[i]);
    }
  g_usleep (700 * 1000);
  cairn_test_server_stop (f->srv[0], TRUE);
  for (guint i = 0; i < 4; i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < 4; i++)
    {
      /* Everything again, to the other instance: the acknowledged part
       * gets its seqs back, the rest is stored now. */
      gint64 n = w[i].acked->len + 10;

      g_assert_cmpuint (w[i].acked->len, >, 0);
      /* At most 500 events a push. */
      for (gint64 from = 1; from <= n; from += 500)
        {
          g_autoptr(CairnPushReply) again = push_on (f, 1, w[i].client, from, MIN (n, from + 499));

          for (guint k = 0; k < again->results->len; k++)
            if (from + k <= (gint64) w[i].acked->len)
              g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (again->results, k))->seq, ==,
                               g_array_index (w[i].acked, gint64, from + k - 1));
        }
      total += n;
      g_array_unref (w[i].acked);
    }
  /* Pushes that were committed but never answered are there too, once:
   * the log holds at least every event now answered, gap-free. */
  g_assert_cmpint (assert_log (f, 1, -1), >=, total);
}

/* A device's live socket on instance 1 while instance 1 is stopped (hard:
 * SIGKILL, else SIGTERM) and started again on the same port, instance 0
 * taking pushes meanwhile: the device reconnects after the last seq it
 * got and receives every event pushed since, in order, once. */
static void
test_restarted_catches_up (Fixture       *f,
                           gconstpointer  data)
{
  gboolean hard = (GPOINTER_TO_UINT (data) & RESTART_HARD) != 0;
  const char *client = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
  g_autoptr(GUri) uri = g_uri_parse (f->srv[1]->base, G_URI_FLAGS_NONE, NULL);
  g_autofree char *listen = NULL;
  g_autofree char *old_base = g_strdup (f->srv[1]->base);
  const char *args[3] = { "--listen", NULL, NULL };
  CairnTestListener *on_b = listener_on (f, 1);
  g_autoptr(CairnPushReply) r1 = NULL;
  CairnLiveMessage *m;
  guint status = 0;
  gint64 sent = 0;

  g_assert_nonnull (uri);
  g_assert_cmpint (g_uri_get_port (uri), >, 0);
  listen = g_strdup_printf ("127.0.0.1:%d", g_uri_get_port (uri));
  args[1] = listen;

  r1 = push_on (f, 0, client, 1, 3);
  g_assert_cmpint (r1->head, ==, 3);
  listen_up_to (on_b, &sent, 3);

  cairn_test_server_stop (f->srv[1], hard);
  g_assert_true (cairn_test_listener_wait_closed (on_b, TIMEOUT));
  cairn_test_listener_free (on_b);
  /* Pushed while the device's instance is away, in several pushes. */
  for (gint64 from = 4; from <= 12; from += 3)
    {
      g_autoptr(CairnPushReply) r = push_on (f, 0, client, from, from + 2);
      g_assert_cmpint (r->head, ==, from + 2);
    }

  cairn_test_server_start_full (f->srv[1], f->env, args);
  g_assert_cmpstr (f->srv[1]->base, ==, old_base);
  /* The device comes back after the last event it was sent. */
  on_b = cairn_test_listener_new (cairn_test_live_connect (f->srv[1], f->token, f->ws, sent, &status));
  g_assert_nonnull (on_b->conn);
  m = cairn_test_listener_next (on_b, TIMEOUT);
  g_assert_nonnull (m);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_HELLO);
  cairn_live_message_free (m);
  listen_up_to (on_b, &sent, 12);

  /* And the restarted instance keeps fanning out A's pushes to it. */
  {
    g_autoptr(CairnPushReply) r = push_on (f, 0, client, 13, 14);
    g_assert_cmpint (r->head, ==, 14);
  }
  listen_up_to (on_b, &sent, 14);
  /* Nothing sent twice: no event after the head (a duplicate would have
   * broken listen_up_to()'s seq order already; a late one shows here). */
  while ((m = cairn_test_listener_next (on_b, 300)) != NULL)
    {
      g_assert_cmpint (m->type, !=, CAIRN_LIVE_EVENTS);
      cairn_live_message_free (m);
    }
  assert_log (f, 1, 14);
  cairn_test_listener_free (on_b);
}

/* A push, retried until it is answered 200: 503 (and connection errors)
 * while the database is away are what a client retries on. */
static CairnPushReply *
push_retrying (Fixture    *f,
               guint       instance,
               const char *client,
               gint64      from,
               gint64      to,
               guint      *out_refused)
{
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", f->ws);
  g_autofree char *body = cairn_test_push_body (client, from, to);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(JsonNode) answer = NULL;
      g_autoptr(GError) error = NULL;
      guint status = 0;

      answer = cairn_test_http (f->srv[instance], NULL, "POST", path, f->token, body, -1, &status);
      if (status == 200)
        {
          CairnPushReply *reply = cairn_protocol_decode_push_reply (answer, FALSE, &error);

          g_assert_no_error (error);
          return reply;
        }
      g_assert_cmpuint (status, ==, 503);
      (*out_refused)++;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100 * 1000);
    }
}

/* PostgreSQL restarted under running instances: they reconnect, clients
 * see 503 and retry meanwhile, nothing acknowledged is lost, and live
 * sockets on the other instance still get everything. */
static void
test_postgres_restart (Fixture       *f,
                       gconstpointer  data)
{
  const char *pg_ctl = g_getenv ("CAIRN_TEST_PG_CTL");
  const char *client = "dddddddddddddddddddddddddddddddd";
  g_autoptr(CairnPushReply) r1 = push_on (f, 0, client, 1, 3);
  g_autoptr(CairnPushReply) r2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cmd = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  CairnTestListener *on_b = listener_on (f, 1);
  gint64 sent = 0;
  guint refused = 0;
  int status;

  g_assert_nonnull (pg_ctl);
  listen_up_to (on_b, &sent, 3);
  /* The new server logs to its file and keeps no pipe of ours open (the
   * test's stdout is TAP, and a pipe would never see its end). */
  cmd = g_strdup_printf ("sh -c '%s -m fast -w -l %s/postgres.log restart >/dev/null 2>&1'",
                         pg_ctl, g_getenv ("CAIRN_TEST_PG_HOST"));
  g_assert_true (g_spawn_command_line_sync (cmd, &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  r2 = push_retrying (f, 0, client, 4, 6, &refused);
  g_assert_cmpint (r2->head, ==, 6);
  g_test_message ("%u pushes refused with 503 while the instance reconnected", refused);
  listen_up_to (on_b, &sent, 6);
  assert_log (f, 1, 6);
  cairn_test_listener_free (on_b);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, n, fn) g_test_add ("/server/instances/" name, Fixture, GUINT_TO_POINTER (n), \
                                     fixture_setup, fn, fixture_teardown)
  ADD ("live-across", 2, test_live_across);
  /* A lost notification costs latency, not the event. */
  ADD ("live-across-catch-up-only", 2 | CATCH_UP_ONLY, test_live_across);
  ADD ("concurrent-two", 2, test_concurrent);
  ADD ("concurrent-three", 3, test_concurrent);
  ADD ("retry-after-kill", 2, test_retry_after_kill);
  ADD ("killed-mid-batch", 2, test_killed_mid_batch);
  ADD ("postgres-restart", 2, test_postgres_restart);
  ADD ("restarted-catches-up-term", 2, test_restarted_catches_up);
  ADD ("restarted-catches-up-kill", 2 | RESTART_HARD, test_restarted_catches_up);
#undef ADD

  return g_test_run ();
}

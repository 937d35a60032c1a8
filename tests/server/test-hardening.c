/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-hardening.c: cairn-server against hostile or careless clients (review of issue 4). */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "cairn-test-server.h"

#define ALICE_PW "alice-password"

/* The server's log must never hold a secret. */
static void
assert_log_lacks (CairnTestServer *srv,
                  const char      *secret)
{
  g_autofree char *log = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (srv->log_path, &log, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (strstr (log, secret));
}

/* Reads until the server closes the connection; FALSE when it was still
 * open (a read timed out) after timeout_s seconds. */
static gboolean
server_closes (GSocketConnection *conn,
               guint              timeout_s)
{
  GSocket *socket = g_socket_connection_get_socket (conn);
  char buf[4096];

  g_socket_set_timeout (socket, timeout_s);
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, buf, sizeof buf, NULL, &error);

      if (n == 0)
        return TRUE;
      if (n < 0)
        return !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    }
}

/* A client that sends half a request, or a body slower than promised,
 * or nothing at all, loses its connection after --request-timeout; a
 * normal request on a kept-alive connection is still answered, and the
 * server keeps serving others. */
static void
test_slow_clients_cut_off (void)
{
  const char *args[] = { "--request-timeout", "1", NULL };
  g_autoptr(GSocketConnection) half_headers = NULL;
  g_autoptr(GSocketConnection) slow_body = NULL;
  g_autoptr(GSocketConnection) silent = NULL;
  CairnTestServer *srv = cairn_test_server_new ();
  const char *partial = "GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  const char *body_start = "POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n{\"user";
  guint status = 0;
  g_autoptr(JsonNode) health = NULL;

  cairn_test_server_start_full (srv, NULL, args);
  half_headers = cairn_test_server_connect_raw (srv);
  slow_body = cairn_test_server_connect_raw (srv);
  silent = cairn_test_server_connect_raw (srv);
  g_assert_cmpint (g_socket_send (g_socket_connection_get_socket (half_headers), partial,
                                  strlen (partial), NULL, NULL), ==, (gssize) strlen (partial));
  g_assert_cmpint (g_socket_send (g_socket_connection_get_socket (slow_body), body_start,
                                  strlen (body_start), NULL, NULL), ==, (gssize) strlen (body_start));

  /* Far longer than the timeout: the server must have hung up by then. */
  g_assert_true (server_closes (half_headers, 20));
  g_assert_true (server_closes (slow_body, 20));
  g_assert_true (server_closes (silent, 20));

  health = cairn_test_http (srv, NULL, "GET", "/v1/health", NULL, NULL, -1, &status);
  g_assert_cmpuint (status, ==, 200);
  cairn_test_server_free (srv);
}

/* `serve OPTION VALUE` exits with status 2 and names the option, for
 * each of the n_bad values. */
static void
assert_option_refused (const char        *option,
                       const char *const *bad,
                       guint              n_bad)
{
  for (guint i = 0; i < n_bad; i++)
    {
      CairnTestServer *srv = cairn_test_server_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) proc =
        g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                          srv->binary, "serve", srv->store_option, srv->store, "--listen", "127.0.0.1:0",
                          option, bad[i], NULL);
      g_autofree char *err = NULL;

      g_assert_no_error (error);
      g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &err, &error);
      g_assert_no_error (error);
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 2);
      g_assert_nonnull (strstr (err, option));
      cairn_test_server_free (srv);
    }
}

/* --request-timeout takes only sane values. */
static void
test_request_timeout_option (void)
{
  const char *bad[] = { "0", "-5", "3601" };

  assert_option_refused ("--request-timeout", bad, G_N_ELEMENTS (bad));
}

typedef struct
{
  guint done;
  guint ok;
  guint refused;
  GPtrArray *conns;
} ManyConnects;

static void
many_connected (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ManyConnects *mc = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);

  mc->done++;
  if (conn != NULL)
    {
      mc->ok++;
      g_ptr_array_add (mc->conns, conn);
    }
  else
    mc->refused++;
}

/* Many live upgrades of one user sent at once cannot get past the per-user
 * limit together: the limit is reserved when the request is accepted, not
 * when the handshake has been written. */
static void
test_live_limit_concurrent (void)
{
  const char *args[] = { "--max-live-per-user", "2", NULL };
  CairnTestServer *srv = cairn_test_server_new ();
  g_autofree char *token = NULL;
  g_autofree char *ws = NULL;
  g_autofree char *url = NULL;
  g_autofree char *auth = NULL;
  g_autoptr(SoupSession) session = NULL;
  ManyConnects mc = { 0 };
  const guint n = 12;
  guint status = 0;
  SoupWebsocketConnection *again;

  cairn_test_server_add_user (srv, "alice", ALICE_PW);
  cairn_test_server_start_full (srv, NULL, args);
  token = cairn_test_login (srv, "alice", ALICE_PW, "laptop");
  ws = cairn_test_personal_ws (srv, token);
  url = g_strdup_printf ("%s/v1/workspaces/%s/live?after=0", srv->base, ws);
  auth = g_strdup_printf ("Bearer %s", token);
  mc.conns = g_ptr_array_new_with_free_func (g_object_unref);
  /* All at once, not queued behind libsoup's default of 2 per host. */
  session = soup_session_new_with_options ("max-conns", 64, "max-conns-per-host", 64, NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
      soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                            NULL, many_connected, &mc);
    }
  while (mc.done < n)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (mc.ok, ==, 2);
  g_assert_cmpuint (mc.refused, ==, n - 2);

  /* Closing one frees its place (refused upgrades did not keep any). */
  soup_websocket_connection_close (g_ptr_array_index (mc.conns, 0), SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  while (soup_websocket_connection_get_state (g_ptr_array_index (mc.conns, 0)) != SOUP_WEBSOCKET_STATE_CLOSED)
    g_main_context_iteration (NULL, TRUE);
  /* The server counts the close once it has seen it: retry briefly. */
  again = NULL;
  for (guint attempt = 0; attempt < 50 && again == NULL; attempt++)
    {
      again = cairn_test_live_connect (srv, token, ws, 0, &status);
      if (again == NULL)
        {
          g_assert_cmpuint (status, ==, 429);
          g_usleep (20000);
        }
    }
  g_assert_nonnull (again);
  g_object_unref (again);

  g_ptr_array_unref (mc.conns);
  cairn_test_server_free (srv);
}

/* Runs `cairn-server ARGS… --data DIR` (an admin command beside the
 * running server) and checks that it succeeded. */
static void
admin (CairnTestServer    *srv,
       const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, srv->binary);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, (char *) srv->store_option);
  g_ptr_array_add (argv, srv->store);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (proc, NULL, &error);
  g_assert_no_error (error);
}

/* A member removed, or a user removed, by the admin CLI (another process)
 * while their live streams are open loses them with 1008 even though
 * nothing is pushed to the workspace afterwards; the owner's stream stays. */
static void
test_admin_removal_closes_quiet_streams (void)
{
  const char *args[] = { "--live-recheck", "1", NULL };
  CairnTestServer *srv = cairn_test_server_new ();
  g_autofree char *alice = NULL;
  g_autofree char *bob = NULL;
  g_autofree char *alice_ws = NULL;
  g_autofree char *bob_ws = NULL;
  g_autofree char *members = NULL;
  g_autofree char *add_bob = NULL;
  g_autoptr(JsonNode) added = NULL;
  CairnTestListener *owner, *shared, *personal;
  guint status = 0;

  cairn_test_server_add_user (srv, "alice", ALICE_PW);
  cairn_test_server_add_user (srv, "bob", "bob-password-1");
  cairn_test_server_start_full (srv, NULL, args);
  alice = cairn_test_login (srv, "alice", ALICE_PW, "laptop");
  bob = cairn_test_login (srv, "bob", "bob-password-1", "phone");
  alice_ws = cairn_test_personal_ws (srv, alice);
  bob_ws = cairn_test_personal_ws (srv, bob);
  members = g_strdup_printf ("/v1/workspaces/%s/members", alice_ws);
  added = cairn_test_http (srv, NULL, "POST", members, alice, "{\"username\":\"bob\"}", -1, &status);
  g_assert_cmpuint (status, ==, 200);

  owner = cairn_test_listener_new (cairn_test_live_connect (srv, alice, alice_ws, 0, &status));
  shared = cairn_test_listener_new (cairn_test_live_connect (srv, bob, alice_ws, 0, &status));
  personal = cairn_test_listener_new (cairn_test_live_connect (srv, bob, bob_ws, 0, &status));

  admin (srv, (const char *[]) { "member", "remove", alice_ws, "bob", NULL });
  g_assert_true (cairn_test_listener_wait_closed (shared, 20000));
  g_assert_cmpuint (shared->close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  g_assert_false (personal->closed);

  admin (srv, (const char *[]) { "user", "remove", "bob", NULL });
  g_assert_true (cairn_test_listener_wait_closed (personal, 20000));
  g_assert_cmpuint (personal->close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);

  assert_log_lacks (srv, alice);
  assert_log_lacks (srv, bob);
  assert_log_lacks (srv, ALICE_PW);

  /* The owner keeps listening all along. */
  g_assert_false (owner->closed);
  g_assert_cmpint (soup_websocket_connection_get_state (owner->conn), ==, SOUP_WEBSOCKET_STATE_OPEN);

  cairn_test_listener_free (owner);
  cairn_test_listener_free (shared);
  cairn_test_listener_free (personal);
  cairn_test_server_free (srv);
}

/* POST /v1/session with a wrong password and the given X-Forwarded-For
 * (NULL: none); returns the status. */
static guint
failed_login (CairnTestServer *srv,
              const char      *user,
              const char      *xff)
{
  g_autofree char *url = g_strconcat (srv->base, "/v1/session", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"not-the-password\","
                                           "\"device\":\"d\"}", user);
  g_autoptr(GBytes) req = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  if (xff != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Forwarded-For", xff);
  soup_message_set_request_body_from_bytes (msg, "application/json", req);
  answer = soup_session_send_and_read (srv->session, msg, NULL, &error);
  g_assert_no_error (error);
  return soup_message_get_status (msg);
}

/* The per-address login limit (20 failures a minute) counts the real peer:
 * without --trust-proxy a client cannot dodge it by inventing
 * X-Forwarded-For addresses; with it, only the last entry (the one the
 * proxy wrote) counts, not those the client put in front. */
static void
test_forwarded_for_not_trusted (void)
{
  const char *trust[] = { "--trust-proxy", NULL };

  for (guint mode = 0; mode < 2; mode++)
    {
      CairnTestServer *srv = cairn_test_server_new ();
      guint last = 0;

      cairn_test_server_start_full (srv, NULL, mode == 1 ? trust : NULL);
      for (guint i = 0; i < 21; i++)
        {
          /* A new user name each time: the per-user limit never applies. */
          g_autofree char *user = g_strdup_printf ("nobody%u", i);
          g_autofree char *xff = mode == 0 ? g_strdup_printf ("198.51.100.%u", i + 1)
                                           : g_strdup_printf ("198.51.100.%u, 192.0.2.7", i + 1);

          last = failed_login (srv, user, xff);
          if (i < 20)
            g_assert_cmpuint (last, ==, 401);
        }
      g_assert_cmpuint (last, ==, 429);
      if (mode == 1)
        /* Behind the proxy another client (another last entry) may still try. */
        g_assert_cmpuint (failed_login (srv, "nobody-else", "192.0.2.8"), ==, 401);
      assert_log_lacks (srv, "not-the-password");
      cairn_test_server_free (srv);
    }
}

/* One push over a live connection: events from..to of client, message id. */
static void
live_send_push (SoupWebsocketConnection *conn,
                const char              *client,
                gint64                   from,
                gint64                   to,
                const char              *id)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  for (gint64 i = from; i <= to; i++)
    {
      g_autofree char *args = g_strdup_printf ("{\"todo_id\":\"%s-%" G_GINT64_FORMAT "\"}", client, i);

      g_ptr_array_add (events, cairn_wire_event_new ("todo.created", 1, args, client, i, 1764000000000 + i));
    }
  node = cairn_protocol_encode_push_request (events, id);
  text = cairn_protocol_to_string (node, NULL);
  soup_websocket_connection_send_text (conn, text);
}

#define LIVE_CLIENTS 4
#define LIVE_BATCHES 10
#define LIVE_BATCH 5

typedef struct
{
  CairnTestListener *l;
  char               client[33];
  guint              sent;        /* batches acknowledged so far */
  GHashTable        *seen;        /* seqs received in events messages */
  gint64             first_seqs[LIVE_BATCH];
  gboolean           gap_answered;
} LivePusher;

/* Several clients pushing over their live connections at the same time
 * (their pushes share group commits): every push is acknowledged after
 * its events reached the pusher, the log is gap-free with each client's
 * events in client order, a re-sent batch gets its first seqs again, and a
 * skipped client seq is refused without disturbing the others. */
static void
test_live_pushes_concurrent (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  g_autofree char *token = NULL;
  g_autofree char *ws = NULL;
  LivePusher p[LIVE_CLIENTS] = { 0 };
  guint finished = 0;
  gint64 deadline;
  guint status = 0;

  cairn_test_server_add_user (srv, "alice", ALICE_PW);
  cairn_test_server_start (srv, NULL);
  token = cairn_test_login (srv, "alice", ALICE_PW, "laptop");
  ws = cairn_test_personal_ws (srv, token);
  for (guint k = 0; k < LIVE_CLIENTS; k++)
    {
      memset (p[k].client, 'a' + k, 32);
      p[k].l = cairn_test_listener_new (cairn_test_live_connect (srv, token, ws, 0, &status));
      p[k].seen = g_hash_table_new (g_direct_hash, g_direct_equal);
    }
  for (guint k = 0; k < LIVE_CLIENTS; k++)
    live_send_push (p[k].l->conn, p[k].client, 1, LIVE_BATCH, "b0");
  /* Client 1 also skips ahead: refused with the next expected seq, 1 or
   * LIVE_BATCH + 1 depending on whether its first batch is in already. */
  live_send_push (p[1].l->conn, p[1].client, 1000, 1000, "gap");

  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (finished < LIVE_CLIENTS || !p[1].gap_answered)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
      for (guint k = 0; k < LIVE_CLIENTS; k++)
        {
          CairnLiveMessage *m;

          while ((m = g_queue_pop_head (&p[k].l->messages)) != NULL)
            {
              if (m->type == CAIRN_LIVE_EVENTS)
                for (guint i = 0; i < m->events->len; i++)
                  {
                    CairnWireEvent *ev = g_ptr_array_index (m->events, i);

                    g_hash_table_add (p[k].seen, GSIZE_TO_POINTER ((gsize) ev->seq));
                  }
              else if (m->type == CAIRN_LIVE_ERROR)
                {
                  g_assert_cmpuint (k, ==, 1);
                  g_assert_cmpstr (m->id, ==, "gap");
                  g_assert_cmpstr (m->error->code, ==, "client_seq_gap");
                  g_assert_true (m->error->expected == 1 || m->error->expected == LIVE_BATCH + 1);
                  p[1].gap_answered = TRUE;
                }
              else if (m->type == CAIRN_LIVE_ACK)
                {
                  g_autofree char *want = g_strdup_printf ("b%u", p[k].sent);

                  g_assert_cmpstr (m->ack->id, ==, want);
                  g_assert_cmpuint (m->ack->results->len, ==, LIVE_BATCH);
                  for (guint i = 0; i < LIVE_BATCH; i++)
                    {
                      CairnPushResult *r = g_ptr_array_index (m->ack->results, i);

                      g_assert_cmpint (r->client_seq, ==, p[k].sent * LIVE_BATCH + i + 1);
                      /* The events came before their ack. */
                      g_assert_true (g_hash_table_contains (p[k].seen, GSIZE_TO_POINTER ((gsize) r->seq)));
                      if (p[k].sent == 0)
                        p[k].first_seqs[i] = r->seq;
                    }
                  p[k].sent++;
                  if (p[k].sent < LIVE_BATCHES)
                    {
                      g_autofree char *id = g_strdup_printf ("b%u", p[k].sent);

                      live_send_push (p[k].l->conn, p[k].client, p[k].sent * LIVE_BATCH + 1,
                                      (p[k].sent + 1) * LIVE_BATCH, id);
                    }
                  else
                    finished++;
                }
              cairn_live_message_free (m);
            }
        }
    }

  /* A re-sent first batch gets its stored seqs back and stores nothing. */
  live_send_push (p[0].l->conn, p[0].client, 1, LIVE_BATCH, "again");
  for (;;)
    {
      g_autoptr(CairnLiveMessage) m = cairn_test_listener_next (p[0].l, 10000);

      g_assert_nonnull (m);
      if (m->type != CAIRN_LIVE_ACK)
        continue;
      g_assert_cmpstr (m->ack->id, ==, "again");
      g_assert_cmpint (m->ack->head, ==, LIVE_CLIENTS * LIVE_BATCHES * LIVE_BATCH);
      for (guint i = 0; i < LIVE_BATCH; i++)
        g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (m->ack->results, i))->seq, ==,
                         p[0].first_seqs[i]);
      break;
    }

  /* The log: seq 1…N without gaps, each client in its own order. */
  {
    g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events?after=0&limit=1000", ws);
    g_autoptr(JsonNode) answer = cairn_test_http (srv, NULL, "GET", path, token, NULL, -1, &status);
    g_autoptr(GError) error = NULL;
    g_autoptr(CairnPullReply) pulled = cairn_protocol_decode_pull_reply (answer, &error);
    gint64 next[LIVE_CLIENTS] = { 0 };

    g_assert_no_error (error);
    g_assert_cmpuint (pulled->events->len, ==, LIVE_CLIENTS * LIVE_BATCHES * LIVE_BATCH);
    for (guint i = 0; i < pulled->events->len; i++)
      {
        CairnWireEvent *ev = g_ptr_array_index (pulled->events, i);
        guint k = ev->client_id[0] - 'a';

        g_assert_cmpint (ev->seq, ==, i + 1);
        g_assert_cmpuint (k, <, LIVE_CLIENTS);
        g_assert_cmpint (ev->client_seq, ==, ++next[k]);
      }
  }
  for (guint k = 0; k < LIVE_CLIENTS; k++)
    {
      cairn_test_listener_free (p[k].l);
      g_hash_table_unref (p[k].seen);
    }
  cairn_test_server_free (srv);
}

#define TERM_CLIENTS 3
#define TERM_PUSHES 20

/* SIGTERM while live pushes stream in (some of them waiting in an open
 * group): the server exits cleanly, every acknowledged push arrived before
 * the 1001 close and is stored with the acknowledged seqs, anything else is
 * refused with shutting_down or left unanswered, and the log stays
 * gap-free with each client's events a prefix of what it sent. */
static void
test_sigterm_during_live_pushes (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  g_autofree char *token = NULL;
  g_autofree char *ws = NULL;
  CairnTestListener *l[TERM_CLIENTS];
  char clients[TERM_CLIENTS][33] = { { 0 } };
  /* acked[k][j]: the seq of push j's first event, 0 when not acknowledged. */
  gint64 acked[TERM_CLIENTS][TERM_PUSHES] = { { 0 } };
  guint status = 0;
  guint closed = 0;
  gint64 deadline;

  cairn_test_server_add_user (srv, "alice", ALICE_PW);
  cairn_test_server_start (srv, NULL);
  token = cairn_test_login (srv, "alice", ALICE_PW, "laptop");
  ws = cairn_test_personal_ws (srv, token);
  for (guint k = 0; k < TERM_CLIENTS; k++)
    {
      memset (clients[k], 'a' + k, 32);
      l[k] = cairn_test_listener_new (cairn_test_live_connect (srv, token, ws, 0, &status));
    }
  for (guint j = 0; j < TERM_PUSHES; j++)
    for (guint k = 0; k < TERM_CLIENTS; k++)
      {
        g_autofree char *id = g_strdup_printf ("p%u", j);

        live_send_push (l[k]->conn, clients[k], j * 2 + 1, j * 2 + 2, id);
      }
  /* Let the first pushes leave this process, then stop the server. */
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_subprocess_send_signal (srv->proc, SIGTERM);

  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (closed < TERM_CLIENTS)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
      closed = 0;
      for (guint k = 0; k < TERM_CLIENTS; k++)
        {
          CairnLiveMessage *m;

          while ((m = g_queue_pop_head (&l[k]->messages)) != NULL)
            {
              if (m->type == CAIRN_LIVE_ACK)
                {
                  guint j = (guint) g_ascii_strtoull (m->ack->id + 1, NULL, 10);

                  g_assert_cmpuint (j, <, TERM_PUSHES);
                  acked[k][j] = ((CairnPushResult *) g_ptr_array_index (m->ack->results, 0))->seq;
                }
              else if (m->type == CAIRN_LIVE_ERROR)
                g_assert_cmpstr (m->error->code, ==, "shutting_down");
              cairn_live_message_free (m);
            }
          if (l[k]->closed)
            {
              g_assert_cmpuint (l[k]->close_code, ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
              closed++;
            }
        }
    }
  g_assert_cmpint (cairn_test_server_wait (srv), ==, 0);
  {
    guint n = 0;

    for (guint k = 0; k < TERM_CLIENTS; k++)
      for (guint j = 0; j < TERM_PUSHES; j++)
        n += acked[k][j] != 0;
    g_test_message ("%u of %u live pushes acknowledged before the close", n, TERM_CLIENTS * TERM_PUSHES);
  }

  cairn_test_server_start (srv, NULL);
  {
    g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events?after=0&limit=1000", ws);
    g_autoptr(JsonNode) answer = cairn_test_http (srv, NULL, "GET", path, token, NULL, -1, &status);
    g_autoptr(GError) error = NULL;
    g_autoptr(CairnPullReply) pulled = cairn_protocol_decode_pull_reply (answer, &error);
    gint64 next[TERM_CLIENTS] = { 0 };

    g_assert_no_error (error);
    g_assert_cmpint (pulled->head, ==, pulled->events->len);
    for (guint i = 0; i < pulled->events->len; i++)
      {
        CairnWireEvent *ev = g_ptr_array_index (pulled->events, i);
        guint k = ev->client_id[0] - 'a';
        guint j = (guint) (ev->client_seq - 1) / 2;

        g_assert_cmpint (ev->seq, ==, i + 1);
        g_assert_cmpint (ev->client_seq, ==, ++next[k]);
        if (ev->client_seq % 2 == 1 && acked[k][j] != 0)
          g_assert_cmpint (acked[k][j], ==, ev->seq);
      }
    /* Every acknowledged push is stored. */
    for (guint k = 0; k < TERM_CLIENTS; k++)
      for (guint j = 0; j < TERM_PUSHES; j++)
        if (acked[k][j] != 0)
          g_assert_cmpint (next[k], >=, j * 2 + 2);
  }
  for (guint k = 0; k < TERM_CLIENTS; k++)
    cairn_test_listener_free (l[k]);
  cairn_test_server_free (srv);
}

/* A request with megabytes of headers is cut off (libsoup's header limit)
 * without harm: the server keeps answering. */
static void
test_huge_headers (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GString) request = g_string_new ("GET /v1/health HTTP/1.1\r\nHost: x\r\n");
  g_autoptr(JsonNode) health = NULL;
  GSocket *socket;
  guint status = 0;
  gsize off = 0;

  cairn_test_server_start (srv, NULL);
  for (guint i = 0; i < 4096; i++)
    g_string_append_printf (request, "X-Filler-%u: %0512u\r\n", i, i);
  g_string_append (request, "\r\n");
  conn = cairn_test_server_connect_raw (srv);
  socket = g_socket_connection_get_socket (conn);
  g_socket_set_timeout (socket, 20);
  /* The server may hang up before all is sent. */
  while (off < request->len)
    {
      gssize n = g_socket_send (socket, request->str + off, request->len - off, NULL, NULL);

      if (n <= 0)
        break;
      off += n;
    }
  {
    char buf[256];
    g_autoptr(GError) error = NULL;
    gssize n = g_socket_receive (socket, buf, sizeof buf - 1, NULL, &error);

    /* Refused: no 200 for a 2 MiB header block. */
    if (n > 0)
      {
        buf[n] = '\0';
        g_assert_false (g_str_has_prefix (buf, "HTTP/1.1 200"));
      }
    else if (n < 0)
      g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
  }
  health = cairn_test_http (srv, NULL, "GET", "/v1/health", NULL, NULL, -1, &status);
  g_assert_cmpuint (status, ==, 200);
  cairn_test_server_free (srv);
}

typedef struct
{
  guint      done;
  guint      created;
  guint      refused;
  GPtrArray *retry_after;   /* Retry-After values of the refusals */
} LoginBurst;

typedef struct
{
  LoginBurst  *burst;
  SoupMessage *msg;
} LoginCall;

static void
login_answered (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LoginCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) answer = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  guint status = soup_message_get_status (call->msg);

  g_assert_no_error (error);
  call->burst->done++;
  if (status == 201)
    call->burst->created++;
  else
    {
      g_autoptr(JsonNode) node = NULL;
      JsonObject *obj;
      const char *ra = soup_message_headers_get_one (soup_message_get_response_headers (call->msg),
                                                     "Retry-After");

      g_assert_cmpuint (status, ==, 429);
      node = json_from_string (g_bytes_get_data (answer, NULL), &error);
      g_assert_no_error (error);
      obj = json_node_get_object (node);
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (obj, "error"), "code"),
                       ==, "rate_limited");
      g_assert_nonnull (ra);
      g_ptr_array_add (call->burst->retry_after, g_strdup (ra));
      call->burst->refused++;
    }
  g_object_unref (call->msg);
  g_free (call);
}

/* With both password checks busy and the login queue full, a further login
 * is refused at once with 429 rate_limited and Retry-After instead of
 * waiting; the queued ones still succeed, and once the burst is over
 * logging in works again (nothing was counted against the user). */
static void
test_login_queue_bounded (void)
{
  const char *env[] = { "CAIRN_SERVER_LOGIN_QUEUE=2", "CAIRN_SERVER_CHECK_DELAY_MS=1500", NULL };
  CairnTestServer *srv = cairn_test_server_new ();
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns-per-host", 16,
                                                                   "max-conns", 16, NULL);
  g_autofree char *url = NULL;
  g_autofree char *body = g_strdup ("{\"username\":\"alice\",\"password\":\"" ALICE_PW "\","
                                    "\"device\":\"d\"}");
  LoginBurst burst = { 0 };
  g_autofree char *token = NULL;

  cairn_test_server_add_user (srv, "alice", ALICE_PW);
  cairn_test_server_start (srv, env);
  url = g_strconcat (srv->base, "/v1/session", NULL);
  burst.retry_after = g_ptr_array_new_with_free_func (g_free);
  /* 2 running, 2 waiting, 3 refused. */
  for (guint i = 0; i < 7; i++)
    {
      LoginCall *call = g_new0 (LoginCall, 1);
      g_autoptr(GBytes) req = g_bytes_new (body, strlen (body));

      call->burst = &burst;
      call->msg = soup_message_new ("POST", url);
      soup_message_set_request_body_from_bytes (call->msg, "application/json", req);
      soup_session_send_and_read_async (session, call->msg, G_PRIORITY_DEFAULT, NULL, login_answered, call);
    }
  while (burst.done < 7)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (burst.created, ==, 4);
  g_assert_cmpuint (burst.refused, ==, 3);
  for (guint i = 0; i < burst.retry_after->len; i++)
    g_assert_cmpint (g_ascii_strtoll (g_ptr_array_index (burst.retry_after, i), NULL, 10), >=, 1);
  g_ptr_array_unref (burst.retry_after);

  token = cairn_test_login (srv, "alice", ALICE_PW, "after-burst");
  g_assert_nonnull (token);
  cairn_test_server_free (srv);
}

/* A client that only keeps its live WebSocket open is using its session:
 * the stream stays open past the idle limit and the token still works
 * over HTTP afterwards, while a session left unused expires. A live
 * stream whose session did expire (here: the recheck comes later than the
 * idle limit) is closed with 1008. */
static void
test_live_counts_as_use (void)
{
  const char *env[] = { "CAIRN_SERVER_SESSION_IDLE_SECONDS=4", NULL };
  const char *fast[] = { "--live-recheck", "1", NULL };
  const char *slow[] = { "--live-recheck", "6", NULL };

  for (guint mode = 0; mode < 2; mode++)
    {
      CairnTestServer *srv = cairn_test_server_new ();
      g_autofree char *live = NULL;
      g_autofree char *idle = NULL;
      g_autofree char *ws = NULL;
      g_autoptr(JsonNode) a = NULL;
      g_autoptr(JsonNode) b = NULL;
      CairnTestListener *listener;
      guint status = 0;

      cairn_test_server_add_user (srv, "alice", ALICE_PW);
      cairn_test_server_start_full (srv, env, mode == 0 ? fast : slow);
      live = cairn_test_login (srv, "alice", ALICE_PW, "live-only");
      idle = cairn_test_login (srv, "alice", ALICE_PW, "idle");
      ws = cairn_test_personal_ws (srv, live);
      listener = cairn_test_listener_new (cairn_test_live_connect (srv, live, ws, 0, &status));
      g_assert_nonnull (listener->conn);

      if (mode == 0)
        {
          /* Twice the idle limit with nothing but the open stream. */
          g_assert_false (cairn_test_listener_wait_closed (listener, 8000));
          a = cairn_test_http (srv, NULL, "GET", "/v1/sessions", live, NULL, 0, &status);
          g_assert_cmpuint (status, ==, 200);
          b = cairn_test_http (srv, NULL, "GET", "/v1/sessions", idle, NULL, 0, &status);
          g_assert_cmpuint (status, ==, 401);
        }
      else
        {
          g_assert_true (cairn_test_listener_wait_closed (listener, 20000));
          g_assert_cmpuint (listener->close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
          a = cairn_test_http (srv, NULL, "GET", "/v1/sessions", live, NULL, 0, &status);
          g_assert_cmpuint (status, ==, 401);
        }
      cairn_test_listener_free (listener);
      cairn_test_server_free (srv);
    }
}

/* Sends a whole request on a raw connection and returns the status line's
 * code (0 when the server closed without answering); the answer's body
 * goes to *out_text when asked. */
static guint
raw_request (GSocketConnection *conn,
             const char        *request,
             char             **out_text)
{
  GSocket *socket = g_socket_connection_get_socket (conn);
  g_autoptr(GString) got = g_string_new (NULL);
  char buf[4096];

  g_socket_set_timeout (socket, 20);
  if (g_socket_send (socket, request, strlen (request), NULL, NULL) != (gssize) strlen (request))
    return 0;
  /* Enough for the status line and the small JSON answers used here. */
  while (strstr (got->str, "\r\n\r\n") == NULL || strchr (strstr (got->str, "\r\n\r\n"), '}') == NULL)
    {
      gssize n = g_socket_receive (socket, buf, sizeof buf, NULL, NULL);

      if (n <= 0)
        break;
      g_string_append_len (got, buf, n);
    }
  if (out_text != NULL)
    *out_text = g_strdup (got->str);
  if (!g_str_has_prefix (got->str, "HTTP/1.1 "))
    return 0;
  return (guint) g_ascii_strtoull (got->str + 9, NULL, 10);
}

#define HEALTH "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"

/* A connection stays open for the next request (the server accepts its
 * connections itself, docs/server.md "Connections"): three requests, one
 * after the other, are answered on the same socket. */
static void
test_kept_alive (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  g_autoptr(GSocketConnection) conn = NULL;

  cairn_test_server_start_full (srv, NULL, NULL);
  conn = cairn_test_server_connect_raw (srv);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (raw_request (conn, HEALTH, NULL), ==, 200);
  cairn_test_server_free (srv);
}

/* Without a proxy, one address may hold --max-connections-per-address
 * connections; the next is answered 429 too_many_connections and closed,
 * and closing one frees its place. */
static void
test_connections_per_address (void)
{
  const char *args[] = { "--max-connections-per-address", "3", NULL };
  CairnTestServer *srv = cairn_test_server_new ();
  GSocketConnection *held[3];
  g_autoptr(GSocketConnection) extra = NULL;
  g_autofree char *text = NULL;
  guint status = 0;

  cairn_test_server_start_full (srv, NULL, args);
  /* Idle ones and one used for a request (kept alive) count alike. */
  for (guint i = 0; i < 3; i++)
    held[i] = cairn_test_server_connect_raw (srv);
  g_assert_cmpuint (raw_request (held[0], HEALTH, NULL), ==, 200);

  extra = cairn_test_server_connect_raw (srv);
  g_assert_cmpuint (raw_request (extra, HEALTH, &text), ==, 429);
  g_assert_nonnull (strstr (text, "too_many_connections"));
  g_assert_true (server_closes (extra, 20));
  g_clear_object (&extra);

  /* Still refused while all three stay open... */
  extra = cairn_test_server_connect_raw (srv);
  g_assert_cmpuint (raw_request (extra, HEALTH, NULL), ==, 429);
  g_clear_object (&extra);

  /* ...but once two are closed, new ones get through (the server notices
   * the close a moment later). */
  g_io_stream_close (G_IO_STREAM (held[1]), NULL, NULL);
  g_io_stream_close (G_IO_STREAM (held[2]), NULL, NULL);
  for (guint attempt = 0; attempt < 100 && status != 200; attempt++)
    {
      g_autoptr(GSocketConnection) again = cairn_test_server_connect_raw (srv);

      status = raw_request (again, HEALTH, NULL);
      if (status != 200)
        g_usleep (100 * 1000);
    }
  g_assert_cmpuint (status, ==, 200);
  /* The held connection still works. */
  g_assert_cmpuint (raw_request (held[0], HEALTH, NULL), ==, 200);
  for (guint i = 0; i < 3; i++)
    g_object_unref (held[i]);
  cairn_test_server_free (srv);
}

/* Behind --trust-proxy every connection comes from the proxy: what counts
 * is requests in progress per forwarded address (an IPv6 /64 as one), so
 * one client cannot hold more while others still get through. */
static void
test_connections_per_forwarded_address (void)
{
  const char *args[] = { "--trust-proxy", "--max-connections-per-address", "2", NULL };
  CairnTestServer *srv = cairn_test_server_new ();
  const char *held_from[] = { "2001:db8:1:2::1", "2001:db8:1:2::2" };
  GSocketConnection *held[2];
  g_autoptr(GSocketConnection) extra = NULL;
  g_autoptr(GSocketConnection) other = NULL;
  g_autofree char *text = NULL;
  g_autofree char *req = NULL;
  guint status = 0;

  cairn_test_server_start_full (srv, NULL, args);
  /* Two logins from one /64 whose bodies are still on their way. */
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *start =
        g_strdup_printf ("POST /v1/session HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: %s\r\n"
                         "Content-Length: 100\r\n\r\n{\"user", held_from[i]);

      held[i] = cairn_test_server_connect_raw (srv);
      g_assert_cmpint (g_socket_send (g_socket_connection_get_socket (held[i]), start, strlen (start),
                                      NULL, NULL), ==, (gssize) strlen (start));
    }
  /* Let the server read their headers. */
  for (guint attempt = 0; attempt < 100 && status != 429; attempt++)
    {
      g_autoptr(GSocketConnection) probe = cairn_test_server_connect_raw (srv);

      g_clear_pointer (&text, g_free);
      status = raw_request (probe, "GET /v1/health HTTP/1.1\r\nHost: x\r\n"
                                   "X-Forwarded-For: 2001:db8:1:2::3\r\n\r\n", &text);
      if (status != 429)
        g_usleep (50 * 1000);
    }
  g_assert_cmpuint (status, ==, 429);
  g_assert_nonnull (strstr (text, "too_many_connections"));

  /* Another client of the same proxy is not affected. */
  other = cairn_test_server_connect_raw (srv);
  g_assert_cmpuint (raw_request (other, "GET /v1/health HTTP/1.1\r\nHost: x\r\n"
                                        "X-Forwarded-For: 192.0.2.9\r\n\r\n", NULL), ==, 200);

  /* One held request ends (its client went away): the /64 may send again. */
  g_io_stream_close (G_IO_STREAM (held[0]), NULL, NULL);
  req = g_strdup ("GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 2001:db8:1:2::3\r\n\r\n");
  status = 0;
  for (guint attempt = 0; attempt < 100 && status != 200; attempt++)
    {
      g_autoptr(GSocketConnection) again = cairn_test_server_connect_raw (srv);

      status = raw_request (again, req, NULL);
      if (status != 200)
        g_usleep (100 * 1000);
    }
  g_assert_cmpuint (status, ==, 200);
  g_object_unref (held[0]);
  g_object_unref (held[1]);
  cairn_test_server_free (srv);
}

/* A kept-alive connection that a client closes after its requests frees
 * its place at once, and one left silent after its request is closed after
 * --request-timeout (libsoup alone would keep both in CLOSE_WAIT). */
static void
test_kept_alive_connections_end (void)
{
  const char *args[] = { "--max-connections-per-address", "2", "--request-timeout", "1", NULL };
  CairnTestServer *srv = cairn_test_server_new ();
  g_autoptr(GSocketConnection) a = NULL;
  g_autoptr(GSocketConnection) b = NULL;
  guint status = 0;

  cairn_test_server_start_full (srv, NULL, args);
  a = cairn_test_server_connect_raw (srv);
  g_assert_cmpuint (raw_request (a, HEALTH, NULL), ==, 200);
  g_assert_cmpuint (raw_request (a, HEALTH, NULL), ==, 200);
  g_io_stream_close (G_IO_STREAM (a), NULL, NULL);
  b = cairn_test_server_connect_raw (srv);
  g_assert_cmpuint (raw_request (b, HEALTH, NULL), ==, 200);
  /* a's place is free again (once the server saw the close). */
  for (guint attempt = 0; attempt < 50 && status != 200; attempt++)
    {
      g_autoptr(GSocketConnection) c = cairn_test_server_connect_raw (srv);

      status = raw_request (c, HEALTH, NULL);
      if (status != 200)
        g_usleep (20 * 1000);
    }
  g_assert_cmpuint (status, ==, 200);
  /* b, silent since its answer, is closed by the server. */
  g_assert_true (server_closes (b, 20));
  cairn_test_server_free (srv);
}

/* Live WebSockets, once upgraded, are counted per user, not against their
 * address: three of them do not use up a limit of two HTTP connections. */
static void
test_live_not_counted_per_address (void)
{
  const char *args[] = { "--max-connections-per-address", "2", NULL };
  CairnTestServer *srv = cairn_test_server_new ();
  g_autofree char *token = NULL;
  g_autofree char *ws = NULL;
  g_autoptr(GSocketConnection) raw = NULL;
  CairnTestListener *live[3];
  guint status = 0;

  cairn_test_server_add_user (srv, "alice", ALICE_PW);
  cairn_test_server_start_full (srv, NULL, args);
  token = cairn_test_login (srv, "alice", ALICE_PW, "laptop");
  ws = cairn_test_personal_ws (srv, token);
  for (guint i = 0; i < 3; i++)
    {
      live[i] = cairn_test_listener_new (cairn_test_live_connect (srv, token, ws, 0, &status));
      g_assert_nonnull (live[i]->conn);
    }
  /* The test's own kept-alive HTTP connection plus this one. */
  raw = cairn_test_server_connect_raw (srv);
  g_assert_cmpuint (raw_request (raw, HEALTH, NULL), ==, 200);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_false (live[i]->closed);
      cairn_test_listener_free (live[i]);
    }
  cairn_test_server_free (srv);
}

/* --max-connections-per-address takes only sane values. */
static void
test_connections_option (void)
{
  const char *bad[] = { "0", "-1", "1000001" };

  assert_option_refused ("--max-connections-per-address", bad, G_N_ELEMENTS (bad));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/hardening/slow-clients-cut-off", test_slow_clients_cut_off);
  g_test_add_func ("/server/hardening/request-timeout-option", test_request_timeout_option);
  g_test_add_func ("/server/hardening/live-limit-concurrent", test_live_limit_concurrent);
  g_test_add_func ("/server/hardening/admin-removal-closes-quiet-streams",
                   test_admin_removal_closes_quiet_streams);
  g_test_add_func ("/server/hardening/forwarded-for-not-trusted", test_forwarded_for_not_trusted);
  g_test_add_func ("/server/hardening/live-pushes-concurrent", test_live_pushes_concurrent);
  g_test_add_func ("/server/hardening/sigterm-during-live-pushes", test_sigterm_during_live_pushes);
  g_test_add_func ("/server/hardening/huge-headers", test_huge_headers);
  g_test_add_func ("/server/hardening/login-queue-bounded", test_login_queue_bounded);
  g_test_add_func ("/server/hardening/live-counts-as-use", test_live_counts_as_use);
  g_test_add_func ("/server/hardening/kept-alive", test_kept_alive);
  g_test_add_func ("/server/hardening/connections-per-address", test_connections_per_address);
  g_test_add_func ("/server/hardening/connections-per-forwarded-address",
                   test_connections_per_forwarded_address);
  g_test_add_func ("/server/hardening/kept-alive-connections-end", test_kept_alive_connections_end);
  g_test_add_func ("/server/hardening/live-not-counted-per-address", test_live_not_counted_per_address);
  g_test_add_func ("/server/hardening/connections-option", test_connections_option);
  return g_test_run ();
}

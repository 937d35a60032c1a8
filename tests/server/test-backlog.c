/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-backlog.c: clients cannot make cairn-server use memory without bound (slow suite: measures RSS). */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "cairn-test-server.h"

#define ALICE_PW "alice-password"
/* 40 pushes of 16 events with 60,000-byte args: about 38 MiB of log. */
#define PUSHES 40
#define PER_PUSH 16
#define ARGS_BYTES 60000
#define READERS 4

/* Resident memory (field "VmRSS:", or the peak "VmHWM:") of a process in
 * KiB, from /proc. */
static gsize
status_kib (GSubprocess *proc,
            const char  *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", g_subprocess_get_identifier (proc));
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  const char *line;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  line = strstr (text, field);
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen (field), NULL, 10);
}

static gsize
rss_kib (GSubprocess *proc)
{
  return status_kib (proc, "VmRSS:");
}

/* Opens a live connection with a raw socket and reads only the 101 answer
 * (up to the blank line), then nothing more. */
static GSocketConnection *
open_live_without_reading (CairnTestServer *srv,
                           const char      *token,
                           const char      *ws)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = g_uri_parse (srv->base, G_URI_FLAGS_NONE, &error);
  g_autofree char *request = NULL;
  g_autoptr(GString) head = g_string_new (NULL);
  GSocketConnection *conn;
  GSocket *socket;

  g_assert_no_error (error);
  conn = g_socket_client_connect_to_host (client, g_uri_get_host (uri), g_uri_get_port (uri), NULL, &error);
  g_assert_no_error (error);
  socket = g_socket_connection_get_socket (conn);
  /* A small receive window, so that the server's side fills quickly. */
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 16 * 1024, NULL);
  request = g_strdup_printf ("GET /v1/workspaces/%s/live?after=0 HTTP/1.1\r\nHost: x\r\n"
                             "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer %s\r\n\r\n",
                             ws, token);
  g_assert_cmpint (g_socket_send (socket, request, strlen (request), NULL, &error), ==, (gssize) strlen (request));
  g_assert_no_error (error);
  while (strstr (head->str, "\r\n\r\n") == NULL)
    {
      char c;

      g_assert_cmpint (g_socket_receive (socket, &c, 1, NULL, &error), ==, 1);
      g_string_append_c (head, c);
    }
  g_assert_true (g_str_has_prefix (head->str, "HTTP/1.1 101"));
  return conn;
}

/* Starts srv with alice signed in on "laptop": her token and personal
 * workspace. */
static void
start_with_alice (CairnTestServer  *srv,
                  char            **token,
                  char            **ws)
{
  cairn_test_server_add_user (srv, "alice", ALICE_PW);
  cairn_test_server_start (srv, NULL);
  *token = cairn_test_login (srv, "alice", ALICE_PW, "laptop");
  *ws = cairn_test_personal_ws (srv, *token);
}

/* Pushes PUSHES batches of big events (client c…c) over HTTP. */
static void
push_big_log (CairnTestServer *srv,
              const char      *token,
              const char      *ws)
{
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", ws);
  g_autofree char *filler = g_malloc (ARGS_BYTES + 1);
  guint status = 0;

  memset (filler, 'x', ARGS_BYTES);
  filler[ARGS_BYTES] = '\0';
  for (guint p = 0; p < PUSHES; p++)
    {
      g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(JsonNode) answer = NULL;
      g_autofree char *body = NULL;

      for (guint i = 0; i < PER_PUSH; i++)
        {
          gint64 seq = p * PER_PUSH + i + 1;
          g_autofree char *args = g_strdup_printf ("{\"todo_id\":\"t%" G_GINT64_FORMAT "\",\"title\":\"%s\"}",
                                                   seq, filler);

          g_ptr_array_add (events, cairn_wire_event_new ("todo.created", 1, args,
                                                         "cccccccccccccccccccccccccccccccc", seq,
                                                         1764000000000 + seq));
        }
      node = cairn_protocol_encode_push_request (events, NULL);
      body = cairn_protocol_to_string (node, NULL);
      answer = cairn_test_http (srv, NULL, "POST", path, token, body, -1, &status);
      g_assert_cmpuint (status, ==, 200);
    }
}

/* Reads the whole log over a new live connection, checking order. */
static void
read_whole_log (CairnTestServer *srv,
                const char      *token,
                const char      *ws)
{
  guint status = 0;
  SoupWebsocketConnection *conn = cairn_test_live_connect (srv, token, ws, 0, &status);
  CairnTestListener *l = cairn_test_listener_new (conn);
  gint64 next = 1;

  while (next <= PUSHES * PER_PUSH)
    {
      g_autoptr(CairnLiveMessage) m = cairn_test_listener_next (l, 20000);

      g_assert_nonnull (m);
      if (m->type != CAIRN_LIVE_EVENTS)
        continue;
      for (guint i = 0; i < m->events->len; i++)
        g_assert_cmpint (((CairnWireEvent *) g_ptr_array_index (m->events, i))->seq, ==, next++);
    }
  cairn_test_listener_free (l);
}

/* Live clients that are caught up and then stop reading while 38 MiB of
 * events are pushed do not make the server queue them: once a socket is
 * full the connection is fed from the database as it drains. */
static void
test_fan_out_to_stalled_clients (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  g_autofree char *token = NULL;
  g_autofree char *ws = NULL;
  GSocketConnection *idle[READERS];
  gsize before, after;

  start_with_alice (srv, &token, &ws);
  for (guint i = 0; i < READERS; i++)
    idle[i] = open_live_without_reading (srv, token, ws);
  before = rss_kib (srv->proc);
  push_big_log (srv, token, ws);
  after = rss_kib (srv->proc);
  g_test_message ("server RSS %zu KiB before, %zu KiB after pushing to %u stalled live clients",
                  before, after, READERS);
  g_assert_cmpuint (after, <, before + 40 * 1024);
  read_whole_log (srv, token, ws);
  for (guint i = 0; i < READERS; i++)
    g_object_unref (idle[i]);
  cairn_test_server_free (srv);
}

/* Several live connections asking for a 38 MiB backlog and never reading
 * it leave the server's memory about where it was (the backlog is sent a
 * page at a time as the socket drains, not queued whole); the server keeps
 * answering meanwhile, and a client that does read gets the whole log. */
static void
test_backlog_paced (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  g_autofree char *token = NULL;
  g_autofree char *ws = NULL;
  GSocketConnection *idle[READERS];
  gsize before, after;
  guint status = 0;

  start_with_alice (srv, &token, &ws);
  push_big_log (srv, token, ws);

  before = rss_kib (srv->proc);
  for (guint i = 0; i < READERS; i++)
    idle[i] = open_live_without_reading (srv, token, ws);
  /* The server answers others meanwhile (and has had time to queue). */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(JsonNode) health = cairn_test_http (srv, NULL, "GET", "/v1/health", NULL, NULL, -1, &status);

      g_assert_cmpuint (status, ==, 200);
      g_usleep (100 * 1000);
    }
  after = rss_kib (srv->proc);
  g_test_message ("server RSS %zu KiB before, %zu KiB with %u non-reading live clients", before, after, READERS);
  /* Queuing the backlog whole would add READERS x 38 MiB. */
  g_assert_cmpuint (after, <, before + 40 * 1024);

  /* A client that reads gets everything, in order and complete. */
  read_whole_log (srv, token, ws);
  for (guint i = 0; i < READERS; i++)
    g_object_unref (idle[i]);
  cairn_test_server_free (srv);
}

/* A burst of logins at the real Argon2id cost (64 MiB per check) is
 * checked a couple at a time: the server's peak memory stays far below
 * one 64 MiB check per login, and every login is still answered. */
static void
test_login_burst_memory (void)
{
  const char *env[] = { "CAIRN_SERVER_ARGON2_FAST=0", NULL };
  CairnTestServer *srv = cairn_test_server_new ();
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns", 64, "max-conns-per-host", 64,
                                                                  "timeout", 60, NULL);
  CairnTestBurst logins = { 0 };
  const guint n = 12;
  gsize base, peak;

  cairn_test_server_start (srv, env);
  base = status_kib (srv->proc, "VmHWM:");
  for (guint i = 0; i < n; i++)
    {
      /* Unknown users: each costs a full check of the dummy hash. */
      g_autofree char *body = g_strdup_printf ("{\"username\":\"ghost%u\",\"password\":\"wrong-password\","
                                               "\"device\":\"d\"}", i);

      cairn_test_post_counted (srv, session, "/v1/session", body, &logins);
    }
  cairn_test_burst_wait (&logins, n);
  g_assert_cmpuint (logins.unauthorized, ==, n);
  peak = status_kib (srv->proc, "VmHWM:");
  g_test_message ("server peak RSS %zu KiB before, %zu KiB after %u concurrent logins", base, peak, n);
  /* Four checks at once would already pass this. */
  g_assert_cmpuint (peak, <, base + 3 * 64 * 1024 + 16 * 1024);
  cairn_test_server_free (srv);
}

/* A live client that stalls (its socket full) and then pushes over its
 * connection still sees its push's events before the push's ack once it
 * reads again, with nothing skipped. */
static void
test_stalled_pusher_ack_order (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  g_autofree char *token = NULL;
  g_autofree char *ws = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  g_autoptr(JsonNode) push = NULL;
  g_autofree char *text = NULL;
  CairnTestListener *l;
  guint status = 0;
  gint64 next = 1;
  gboolean acked = FALSE;

  start_with_alice (srv, &token, &ws);
  l = cairn_test_listener_new (cairn_test_live_connect (srv, token, ws, 0, &status));
  /* While this process does not run the main context, l reads nothing. */
  push_big_log (srv, token, ws);
  g_ptr_array_add (events, cairn_wire_event_new ("todo.created", 1, "{\"todo_id\":\"mine\"}",
                                                 "dddddddddddddddddddddddddddddddd", 1, 1764000000000));
  push = cairn_protocol_encode_push_request (events, "mine");
  text = cairn_protocol_to_string (push, NULL);
  soup_websocket_connection_send_text (l->conn, text);

  while (!acked)
    {
      g_autoptr(CairnLiveMessage) m = cairn_test_listener_next (l, 20000);

      g_assert_nonnull (m);
      if (m->type == CAIRN_LIVE_EVENTS)
        for (guint i = 0; i < m->events->len; i++)
          g_assert_cmpint (((CairnWireEvent *) g_ptr_array_index (m->events, i))->seq, ==, next++);
      else if (m->type == CAIRN_LIVE_ACK)
        {
          gint64 seq = ((CairnPushResult *) g_ptr_array_index (m->ack->results, 0))->seq;

          g_assert_cmpstr (m->ack->id, ==, "mine");
          g_assert_cmpint (seq, ==, PUSHES * PER_PUSH + 1);
          /* Its event came first. */
          g_assert_cmpint (next, ==, seq + 1);
          acked = TRUE;
        }
      else
        g_assert_cmpint (m->type, !=, CAIRN_LIVE_ERROR);
    }
  cairn_test_listener_free (l);
  cairn_test_server_free (srv);
}

/* Sends len bytes of filler (masked WebSocket frames when ws) until the
 * server stops taking them; returns how many went out. */
static gsize
send_until_refused (GSocket *socket,
                    gsize    len)
{
  g_autofree char *chunk = g_malloc0 (64 * 1024);
  gsize sent = 0;

  g_socket_set_timeout (socket, 5);
  while (sent < len)
    {
      gssize n = g_socket_send (socket, chunk, MIN (64 * 1024, len - sent), NULL, NULL);

      if (n <= 0)
        break;
      sent += n;
    }
  return sent;
}

/* A 32 MiB body streamed to the server, or a 32 MiB WebSocket message in
 * 900 KB fragments, is refused without being held in memory: before, the
 * body was read whole before its 413 (RSS +25 MB) and the message
 * assembled whole (+33 MB) (issue 11). */
static void
test_big_bodies_memory (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  g_autofree char *token = NULL;
  g_autofree char *ws = NULL;
  gsize base, peak;

  start_with_alice (srv, &token, &ws);
  base = status_kib (srv->proc, "VmHWM:");

  {
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GUri) uri = g_uri_parse (srv->base, G_URI_FLAGS_NONE, NULL);
    g_autoptr(GSocketConnection) conn =
      g_socket_client_connect_to_host (client, g_uri_get_host (uri), g_uri_get_port (uri), NULL, NULL);
    const char *head = "POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 33554432\r\n\r\n";
    GSocket *socket = g_socket_connection_get_socket (conn);

    g_assert_cmpint (g_socket_send (socket, head, strlen (head), NULL, NULL), ==, (gssize) strlen (head));
    g_test_message ("%zu body bytes sent before the server stopped taking them",
                    send_until_refused (socket, 32 * 1024 * 1024));
  }
  {
    g_autoptr(GSocketConnection) conn = open_live_without_reading (srv, token, ws);
    GSocket *socket = g_socket_connection_get_socket (conn);
    const gsize fragment = 900 * 1000;
    g_autofree char *payload = g_malloc0 (fragment);
    gsize total = 0;

    for (guint i = 0; i < 37; i++)
      {
        guint8 h[14] = { i == 0 ? 0x01 : 0x00, 0x80 | 127 };

        for (guint k = 0; k < 8; k++)
          h[2 + k] = ((guint64) fragment >> (8 * (7 - k))) & 0xff;
        /* mask key 0: the payload goes as it is */
        if (g_socket_send (socket, (const char *) h, sizeof h, NULL, NULL) != sizeof h ||
            send_until_refused (socket, fragment) < fragment)
          break;
        total += fragment;
      }
    g_test_message ("%zu message bytes sent before the server stopped taking them", total);
  }
  peak = status_kib (srv->proc, "VmHWM:");
  g_test_message ("server peak RSS %zu KiB before, %zu KiB after", base, peak);
  g_assert_cmpuint (peak, <, base + 8 * 1024);
  cairn_test_server_free (srv);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/backlog/paced", test_backlog_paced);
  g_test_add_func ("/server/backlog/fan-out-to-stalled-clients", test_fan_out_to_stalled_clients);
  g_test_add_func ("/server/backlog/stalled-pusher-ack-order", test_stalled_pusher_ack_order);
  g_test_add_func ("/server/backlog/login-burst-memory", test_login_burst_memory);
  g_test_add_func ("/server/backlog/big-bodies-memory", test_big_bodies_memory);
  return g_test_run ();
}

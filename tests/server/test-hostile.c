/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-hostile.c: cairn-server against the defects found from outside (issue 11). */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <glib/gstdio.h>

#include "cairn-test-server.h"
#include "pg-test-util.h"

#define ALICE_PW "alice-password"
#define BOB_PW   "bob-password-1"
#define CLIENT_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void
send_all (GSocketConnection *conn,
          const void        *data,
          gsize              len)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), data, len, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Everything the server sends until it closes the connection; NULL when it
 * is still open after timeout_s seconds. */
static GByteArray *
read_until_closed (GSocketConnection *conn,
                   guint              timeout_s)
{
  GSocket *socket = g_socket_connection_get_socket (conn);
  g_autoptr(GByteArray) all = g_byte_array_new ();
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  g_socket_set_timeout (socket, 1);
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      guint8 buf[65536];
      gssize n = g_socket_receive (socket, (char *) buf, sizeof buf, NULL, &error);

      if (n > 0)
        g_byte_array_append (all, buf, n);
      else if (n == 0 || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        return g_steal_pointer (&all);   /* the end (or a reset) */
    }
  return NULL;
}

/* The HTTP answer in text: its status, and the body. */
static guint
answer_status (GByteArray  *answer,
               const char **body)
{
  const char *text = (const char *) answer->data;
  const char *end;

  g_byte_array_append (answer, (const guint8 *) "", 1);
  text = (const char *) answer->data;
  g_assert_true (g_str_has_prefix (text, "HTTP/1.1 "));
  end = strstr (text, "\r\n\r\n");
  g_assert_nonnull (end);
  if (body != NULL)
    *body = end + 4;
  return (guint) g_ascii_strtoull (text + 9, NULL, 10);
}

/* A body over 1 MiB is refused from its Content-Length at once, with the
 * JSON 413, and the connection closed, without waiting for the body: also
 * when the client keeps sending it. Chunked bodies and a Content-Length
 * given twice or not a number get their answer at once too. */
static void
test_refused_at_headers (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  static const struct { const char *head; guint status; const char *code; } cases[] = {
    { "POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413, "body_too_large" },
    { "POST /v1/workspaces HTTP/1.1\r\nHost: x\r\nContent-Length: 33554432\r\n\r\n", 413, "body_too_large" },
    { "POST /v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 411, "length_required" },
    { "POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n", 400, "invalid_request" },
    { "POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 400, "invalid_request" },
  };

  cairn_test_server_start (srv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GSocketConnection) conn = cairn_test_server_connect_raw (srv);
      g_autoptr(GByteArray) answer = NULL;
      const char *body;

      g_test_message ("case %u: %s", i, cases[i].head);
      send_all (conn, cases[i].head, strlen (cases[i].head));
      /* Some of the body, not all: the answer must not wait for it. */
      if (i == 1)
        {
          g_autofree char *part = g_malloc0 (256 * 1024);

          g_socket_set_timeout (g_socket_connection_get_socket (conn), 5);
          g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                     part, 256 * 1024, NULL, NULL, NULL);
        }
      /* Before: no answer until --request-timeout (30 s). */
      answer = read_until_closed (conn, 10);
      g_assert_nonnull (answer);
      g_assert_cmpuint (answer_status (answer, &body), ==, cases[i].status);
      g_assert_nonnull (strstr (body, cases[i].code));
    }
  /* A number libsoup cannot read is refused by libsoup at once. */
  {
    g_autoptr(GSocketConnection) conn = cairn_test_server_connect_raw (srv);
    g_autoptr(GByteArray) answer = NULL;
    const char *head = "POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n";

    send_all (conn, head, strlen (head));
    answer = read_until_closed (conn, 10);
    g_assert_nonnull (answer);
    g_assert_cmpuint (answer_status (answer, NULL), ==, 400);
  }
  {
    guint status = 0;
    g_autoptr(JsonNode) health = cairn_test_http (srv, NULL, "GET", "/v1/health", NULL, NULL, -1, &status);

    g_assert_cmpuint (status, ==, 200);
  }
  cairn_test_server_free (srv);
}

/* ---- a raw WebSocket client ------------------------------------------------ */

static GSocketConnection *
ws_open (CairnTestServer *srv,
         const char      *token,
         const char      *ws)
{
  GSocketConnection *conn = cairn_test_server_connect_raw (srv);
  g_autofree char *head = g_strdup_printf ("GET /v1/workspaces/%s/live?after=0 HTTP/1.1\r\nHost: x\r\n"
                                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                           "Sec-WebSocket-Version: 13\r\n"
                                           "Sec-WebSocket-Extensions: permessage-deflate\r\n"
                                           "Authorization: Bearer %s\r\n\r\n", ws, token);
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_autoptr(GString) got = g_string_new (NULL);

  send_all (conn, head, strlen (head));
  g_socket_set_timeout (g_socket_connection_get_socket (conn), 10);
  /* Byte by byte up to the end of the headers: the frames follow. */
  while (!g_str_has_suffix (got->str, "\r\n\r\n"))
    {
      char c;
      g_autoptr(GError) error = NULL;

      g_assert_cmpint (g_input_stream_read (in, &c, 1, NULL, &error), ==, 1);
      g_string_append_c (got, c);
    }
  g_assert_true (g_str_has_prefix (got->str, "HTTP/1.1 101"));
  /* No compression: it would let a small frame inflate past the limit. */
  g_assert_null (strstr (got->str, "deflate"));
  return conn;
}

/* One masked client frame; FALSE when it could not be sent. */
static gboolean
ws_try_send_frame (GSocketConnection *conn,
                   guint8             opcode,
                   gboolean           fin,
                   const char        *payload,
                   gsize              len)
{
  g_autoptr(GByteArray) f = g_byte_array_new ();
  guint8 head[14];
  guint n = 0;
  const guint8 mask[4] = { 0x12, 0x34, 0x56, 0x78 };

  head[n++] = (fin ? 0x80 : 0) | opcode;
  if (len < 126)
    head[n++] = 0x80 | len;
  else if (len <= G_MAXUINT16)
    {
      head[n++] = 0x80 | 126;
      head[n++] = len >> 8;
      head[n++] = len & 0xff;
    }
  else
    {
      head[n++] = 0x80 | 127;
      for (int i = 7; i >= 0; i--)
        head[n++] = ((guint64) len >> (8 * i)) & 0xff;
    }
  memcpy (head + n, mask, 4);
  n += 4;
  g_byte_array_append (f, head, n);
  if (payload != NULL)
    for (gsize i = 0; i < len; i++)
      {
        guint8 b = payload[i] ^ mask[i % 4];
        g_byte_array_append (f, &b, 1);
      }
  return g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), f->data, f->len,
                                    NULL, NULL, NULL);
}

static void
ws_send_frame (GSocketConnection *conn,
               guint8             opcode,
               gboolean           fin,
               const char        *payload,
               gsize              len)
{
  g_assert_true (ws_try_send_frame (conn, opcode, fin, payload, len));
}

static gboolean
contains (GByteArray *data,
          const char *text)
{
  gsize n = strlen (text);

  for (gsize i = 0; i + n <= data->len; i++)
    if (memcmp (data->data + i, text, n) == 0)
      return TRUE;
  return FALSE;
}

/* The server's frames in data: the close code of its close frame (0 when
 * there is none), and how many text frames came before. */
static guint
ws_close_code (GByteArray *data,
               guint      *n_text)
{
  gsize at = 0;

  *n_text = 0;
  while (at + 2 <= data->len)
    {
      guint8 opcode = data->data[at] & 0x0f;
      guint64 len = data->data[at + 1] & 0x7f;
      gsize head = 2;

      if (len == 126)
        {
          len = ((guint64) data->data[at + 2] << 8) | data->data[at + 3];
          head = 4;
        }
      else if (len == 127)
        {
          len = 0;
          for (guint i = 0; i < 8; i++)
            len = (len << 8) | data->data[at + 2 + i];
          head = 10;
        }
      if (at + head + len > data->len)
        break;
      if (opcode == 0x1)
        (*n_text)++;
      if (opcode == 0x8 && len >= 2)
        return (data->data[at + head] << 8) | data->data[at + head + 1];
      at += head + len;
    }
  return 0;
}

/* A message sent in fragments is limited to 1 MiB as a whole, not per
 * fragment: one that grows past it is closed with 1009 as soon as the
 * fragment that crosses the limit starts, before it is read. Fragments
 * within the limit still make one message. */
static void
test_websocket_fragments (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  g_autofree char *token = NULL;
  g_autofree char *ws = NULL;
  g_autofree char *push = NULL;
  gsize half;

  cairn_test_server_add_user (srv, "alice", ALICE_PW);
  cairn_test_server_start (srv, NULL);
  token = cairn_test_login (srv, "alice", ALICE_PW, "laptop");
  ws = cairn_test_personal_ws (srv, token);

  /* A push in three fragments (with a ping between them) is stored. */
  {
    g_autoptr(GSocketConnection) conn = ws_open (srv, token, ws);
    g_autoptr(GByteArray) got = NULL;
    g_autofree char *body = cairn_test_push_body (CLIENT_A, 1, 1);
    guint n_text = 0;

    push = g_strdup_printf ("{\"type\":\"push\",\"id\":\"p1\",%s", body + 1);
    half = strlen (push) / 2;
    ws_send_frame (conn, 0x1, FALSE, push, 10);
    ws_send_frame (conn, 0x9, TRUE, "ping", 4);
    ws_send_frame (conn, 0x0, FALSE, push + 10, half - 10);
    ws_send_frame (conn, 0x0, TRUE, push + half, strlen (push) - half);
    /* 80,000 levels of nesting crashed the server: now an error reply. */
    {
      g_autofree char *deep = g_strnfill (80000, '[');

      ws_send_frame (conn, 0x1, TRUE, deep, 80000);
    }
    /* The ack comes after the group commit: wait for it before closing. */
    got = g_byte_array_new ();
    g_socket_set_timeout (g_socket_connection_get_socket (conn), 10);
    while (!contains (got, "\"type\":\"ack\"") || !contains (got, "malformed_json"))
      {
        guint8 buf[4096];
        gssize n = g_socket_receive (g_socket_connection_get_socket (conn), (char *) buf, sizeof buf, NULL, NULL);

        g_assert_cmpint (n, >, 0);
        g_byte_array_append (got, buf, n);
      }
    ws_send_frame (conn, 0x8, TRUE, "\x03\xe8", 2);
    {
      g_autoptr(GByteArray) rest = read_until_closed (conn, 10);

      g_assert_nonnull (rest);
      g_byte_array_append (got, rest->data, rest->len);
    }
    g_assert_cmpuint (ws_close_code (got, &n_text), ==, 1000);
    /* hello, events, ack, error */
    g_assert_cmpuint (n_text, ==, 4);
    g_assert_true (contains (got, "\"type\":\"ack\""));
  }

  /* 600 KB, then a fragment that would make 1.2 MB: closed with 1009,
   * without the server waiting for (or reading) that fragment. */
  {
    g_autoptr(GSocketConnection) conn = ws_open (srv, token, ws);
    g_autoptr(GByteArray) got = NULL;
    g_autofree char *chunk = g_strnfill (600 * 1000, 'x');
    guint n_text = 0;

    ws_send_frame (conn, 0x1, FALSE, chunk, 600 * 1000);
    ws_send_frame (conn, 0x0, FALSE, NULL, 600 * 1000);   /* its header only */
    /* Before: the server waited for the rest and assembled it, however big. */
    got = read_until_closed (conn, 10);
    g_assert_nonnull (got);
    g_assert_cmpuint (ws_close_code (got, &n_text), ==, 1009);
  }

  /* Nothing of it was stored; the server still answers. */
  {
    guint status = 0;
    g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", ws);
    g_autoptr(JsonNode) answer = cairn_test_http (srv, NULL, "GET", path, token, NULL, -1, &status);
    g_autoptr(GError) error = NULL;
    g_autoptr(CairnPullReply) pull = cairn_protocol_decode_pull_reply (answer, &error);

    g_assert_cmpuint (status, ==, 200);
    g_assert_no_error (error);
    g_assert_cmpint (pull->head, ==, 1);
  }
  cairn_test_server_free (srv);
}

/* A WebSocket handshake libsoup cannot complete gets the JSON error like
 * every other refusal, not libsoup's HTML page. */
static void
test_websocket_bad_handshake (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  g_autofree char *token = NULL;
  g_autofree char *ws = NULL;
  const char *missing[] = { "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "Sec-WebSocket-Version: 13\r\n" };

  cairn_test_server_add_user (srv, "alice", ALICE_PW);
  cairn_test_server_start (srv, NULL);
  token = cairn_test_login (srv, "alice", ALICE_PW, "laptop");
  ws = cairn_test_personal_ws (srv, token);
  for (guint i = 0; i < G_N_ELEMENTS (missing); i++)
    {
      g_autoptr(GSocketConnection) conn = cairn_test_server_connect_raw (srv);
      g_autofree char *head = g_strdup_printf ("GET /v1/workspaces/%s/live HTTP/1.1\r\nHost: x\r\n"
                                               "Upgrade: websocket\r\nConnection: Upgrade, close\r\n%s"
                                               "Authorization: Bearer %s\r\n\r\n", ws, missing[i], token);
      g_autoptr(GByteArray) answer = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(CairnErrorReply) reply = NULL;
      const char *body;

      send_all (conn, head, strlen (head));
      answer = read_until_closed (conn, 10);
      g_assert_nonnull (answer);
      g_assert_cmpuint (answer_status (answer, &body), ==, 400);
      node = json_from_string (body, &error);
      g_assert_no_error (error);
      reply = cairn_protocol_decode_error (node, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (reply->code, ==, "invalid_request");
    }
  cairn_test_server_free (srv);
}

/* 40 wrong-password logins for one user sent at once get at most 5
 * password checks (the limit per user name), not one each: an attempt
 * counts from when it starts. Before, 34 were checked. */
static void
test_concurrent_logins (void)
{
  const char *env[] = { "CAIRN_SERVER_CHECK_DELAY_MS=200", NULL };
  CairnTestServer *srv = cairn_test_server_new ();
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns", 100, "max-conns-per-host", 100, NULL);
  CairnTestBurst burst = { 0 };

  cairn_test_server_add_user (srv, "bob", BOB_PW);
  cairn_test_server_start (srv, env);
  for (guint i = 0; i < 40; i++)
    cairn_test_post_counted (srv, session, "/v1/session",
                             "{\"username\":\"bob\",\"password\":\"wrong-guess\",\"device\":\"x\"}",
                             &burst);
  cairn_test_burst_wait (&burst, 40);
  g_assert_cmpuint (burst.other, ==, 0);
  g_assert_cmpuint (burst.unauthorized, <=, 5);
  g_assert_cmpuint (burst.unauthorized + burst.rate_limited, ==, 40);
  cairn_test_server_free (srv);
}

/* The database holds password hashes and every log: it and its -wal and
 * -shm files are the server user's only (0600), also when an older version
 * created them with the umask's mode. */
static void
test_file_modes (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  const char *files[] = { "cairn-server.db", "cairn-server.db-wal", "cairn-server.db-shm" };
  mode_t old = umask (022);

  cairn_test_server_add_user (srv, "alice", ALICE_PW);
  {
    g_autofree char *db = g_build_filename (srv->data_dir, "cairn-server.db", NULL);

    g_assert_cmpint (g_chmod (db, 0644), ==, 0);
  }
  cairn_test_server_start (srv, NULL);
  g_free (cairn_test_login (srv, "alice", ALICE_PW, "laptop"));
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (srv->data_dir, files[i], NULL);
      GStatBuf st;

      g_test_message ("%s", files[i]);
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    }
  cairn_test_server_free (srv);
  umask (old);
}

/* While the server does not accept (stopped for a moment), a burst of 40
 * connections waits in the listen queue instead of being dropped (the
 * backlog was 10). */
static void
test_listen_backlog (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = NULL;
  GSocket *sockets[40];
  pid_t pid;
  guint connected = 0;

  cairn_test_server_start (srv, NULL);
  uri = g_uri_parse (srv->base, G_URI_FLAGS_NONE, NULL);
  addr = g_inet_socket_address_new (loopback, g_uri_get_port (uri));
  pid = (pid_t) g_ascii_strtoll (g_subprocess_get_identifier (srv->proc), NULL, 10);
  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (sockets); i++)
    {
      g_autoptr(GError) error = NULL;

      sockets[i] = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
      g_assert_no_error (error);
      g_socket_set_blocking (sockets[i], FALSE);
      if (!g_socket_connect (sockets[i], addr, NULL, &error))
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
    }
  /* A connection the listen queue holds completes at once; one it drops
   * waits for a SYN retransmit (a second or more): look for 0.8 s. */
  for (guint round = 0; round < 8 && connected < G_N_ELEMENTS (sockets); round++)
    {
      g_usleep (100 * 1000);
      connected = 0;
      for (guint i = 0; i < G_N_ELEMENTS (sockets); i++)
        if (g_socket_condition_check (sockets[i], G_IO_OUT) & G_IO_OUT &&
            g_socket_check_connect_result (sockets[i], NULL))
          connected++;
    }
  for (guint i = 0; i < G_N_ELEMENTS (sockets); i++)
    g_object_unref (sockets[i]);
  g_assert_cmpint (kill (pid, SIGCONT), ==, 0);
  g_assert_cmpuint (connected, ==, G_N_ELEMENTS (sockets));
  cairn_test_server_free (srv);
}

/* A live client that keeps pushing without ever reading its replies is
 * closed (1008) once they pile up behind its full socket, instead of the
 * server queueing them in memory without bound. */
static void
test_unread_replies (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  g_autofree char *token = NULL;
  g_autofree char *ws = NULL;
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GByteArray) got = NULL;
  g_autofree char *id = g_strnfill (60, 'i');
  g_autofree char *bad = g_strdup_printf ("{\"type\":\"push\",\"id\":\"%s\",\"events\":[]}", id);
  GSocket *socket;
  guint n_text = 0;
  guint code = 0;

  cairn_test_server_add_user (srv, "alice", ALICE_PW);
  cairn_test_server_start (srv, NULL);
  token = cairn_test_login (srv, "alice", ALICE_PW, "laptop");
  ws = cairn_test_personal_ws (srv, token);
  conn = ws_open (srv, token, ws);
  socket = g_socket_connection_get_socket (conn);
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 4096, NULL);
  /* Each gets an error reply of about 200 bytes; none is read. Sent until
   * the server closes (the send fails) or plenty were sent. */
  g_socket_set_timeout (socket, 2);
  for (guint i = 0; i < 40000; i++)
    if (!ws_try_send_frame (conn, 0x1, TRUE, bad, strlen (bad)))
      break;
  /* Before: every reply was queued and the connection stayed open. */
  got = read_until_closed (conn, 20);
  g_assert_nonnull (got);
  code = ws_close_code (got, &n_text);
  g_test_message ("%u replies read, close code %u", n_text, code);
  /* The close frame waits behind the replies the client does not read, so
   * the server may drop the connection before it goes out. */
  if (code != 0)
    g_assert_cmpuint (code, ==, 1008);
  g_assert_cmpuint (n_text, <, 40000);
  cairn_test_server_free (srv);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/hostile/refused-at-headers", test_refused_at_headers);
  g_test_add_func ("/server/hostile/websocket-fragments", test_websocket_fragments);
  g_test_add_func ("/server/hostile/websocket-bad-handshake", test_websocket_bad_handshake);
  g_test_add_func ("/server/hostile/concurrent-logins", test_concurrent_logins);
  /* The data folder's files; on PostgreSQL the database's are its own. */
  if (!cairn_test_backend_is_postgresql ())
    g_test_add_func ("/server/hostile/file-modes", test_file_modes);
  g_test_add_func ("/server/hostile/listen-backlog", test_listen_backlog);
  g_test_add_func ("/server/hostile/unread-replies", test_unread_replies);
  return g_test_run ();
}

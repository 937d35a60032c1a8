/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ws-limit.c: the app's live WebSocket against a hostile server (issue 11). */
#include "config.h"

#include <string.h>

#include "cairn-ws-limit.h"

#define LIMIT (1024 * 1024)

typedef struct
{
  GSocket *listener;
  guint    peer_close_code;   /* the close code the app sent */
  gsize    fragment;          /* size of each of the two big fragments */
} FakeServer;

static gboolean
send_all (GSocket    *socket,
          const void *data,
          gsize       len)
{
  const char *p = data;

  while (len > 0)
    {
      gssize n = g_socket_send (socket, p, len, NULL, NULL);

      if (n <= 0)
        return FALSE;
      p += n;
      len -= n;
    }
  return TRUE;
}

/* One unmasked server frame. */
static gboolean
send_frame (GSocket    *socket,
            guint8      opcode,
            gboolean    fin,
            const char *payload,
            gsize       len)
{
  guint8 head[10];
  guint n = 0;

  head[n++] = (fin ? 0x80 : 0) | opcode;
  if (len < 126)
    head[n++] = len;
  else if (len <= G_MAXUINT16)
    {
      head[n++] = 126;
      head[n++] = len >> 8;
      head[n++] = len & 0xff;
    }
  else
    {
      head[n++] = 127;
      for (int i = 7; i >= 0; i--)
        head[n++] = ((guint64) len >> (8 * i)) & 0xff;
    }
  return send_all (socket, head, n) && (len == 0 || send_all (socket, payload, len));
}

/* Answers the handshake, sends a small message in two fragments, then one
 * whose two fragments make more than the limit, and records the close
 * code the app answers with. */
static gpointer
fake_server_run (gpointer data)
{
  FakeServer *fs = data;
  g_autoptr(GSocket) conn = g_socket_accept (fs->listener, NULL, NULL);
  g_autoptr(GString) head = g_string_new (NULL);
  g_autofree char *big = g_strnfill (fs->fragment, 'x');
  g_autofree char *accept = NULL;
  g_autofree char *answer = NULL;
  const char *key;
  char c;

  g_assert_nonnull (conn);
  g_socket_set_timeout (conn, 10);
  while (!g_str_has_suffix (head->str, "\r\n\r\n") && g_socket_receive (conn, &c, 1, NULL, NULL) == 1)
    g_string_append_c (head, c);
  /* The app offers no extension. */
  g_assert_null (strstr (head->str, "Sec-WebSocket-Extensions"));
  key = strstr (head->str, "Sec-WebSocket-Key: ");
  g_assert_nonnull (key);
  {
    g_autofree char *k = g_strndup (key + 19, strcspn (key + 19, "\r"));
    g_autofree char *concat = g_strconcat (k, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", NULL);
    g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
    guint8 digest[20];
    gsize len = sizeof digest;

    g_checksum_update (sha1, (const guchar *) concat, -1);
    g_checksum_get_digest (sha1, digest, &len);
    accept = g_base64_encode (digest, len);
  }
  answer = g_strdup_printf ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
  send_all (conn, answer, strlen (answer));
  send_frame (conn, 0x1, FALSE, "{\"a\":", 5);
  send_frame (conn, 0x0, TRUE, "1}", 2);
  send_frame (conn, 0x1, FALSE, big, fs->fragment);
  /* The app may stop reading (and close) before this one is all sent. */
  send_frame (conn, 0x0, FALSE, big, fs->fragment);
  /* The app's close frame: masked, 2 bytes of code. */
  for (;;)
    {
      guint8 h[2], mask[4], body[125];
      guint len;

      if (g_socket_receive (conn, (char *) h, 2, NULL, NULL) != 2)
        break;
      len = h[1] & 0x7f;
      if (len > 125 || g_socket_receive (conn, (char *) mask, 4, NULL, NULL) != 4 ||
          (len > 0 && g_socket_receive (conn, (char *) body, len, NULL, NULL) != (gssize) len))
        break;
      if ((h[0] & 0x0f) == 0x8 && len >= 2)
        {
          fs->peer_close_code = ((body[0] ^ mask[0]) << 8) | (body[1] ^ mask[1]);
          break;
        }
    }
  return NULL;
}

typedef struct
{
  SoupWebsocketConnection *ws;
  GError                  *error;
  gboolean                 done;
  gboolean                 closed;
  GPtrArray               *messages;
} Client;

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Client *cl = user_data;

  cl->ws = cairn_ws_limit_connect_finish (result, NULL, &cl->error);
  cl->done = TRUE;
}

static void
on_message (SoupWebsocketConnection *ws,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  Client *cl = user_data;

  g_ptr_array_add (cl->messages, g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message)));
}

static void
on_closed (SoupWebsocketConnection *ws,
           gpointer                 user_data)
{
  ((Client *) user_data)->closed = TRUE;
}

/* A server that sends a message in fragments each under the limit but
 * more than 1 MiB in all: the app closes with 1009 at the fragment that
 * crosses the limit instead of assembling it (libsoup 3.2 limits single
 * frames only); messages in fragments within the limit arrive whole. */
static void
test_fragments_from_server (void)
{
  FakeServer fs = { 0 };
  Client cl = { 0 };
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  GThread *thread;
  gint64 deadline;

  fs.fragment = 600 * 1000;
  fs.listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (fs.listener, any, TRUE, &error));
  g_assert_true (g_socket_listen (fs.listener, &error));
  bound = g_socket_get_local_address (fs.listener, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u/v1/live?after=0",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  thread = g_thread_new ("fake-server", fake_server_run, &fs);

  cl.messages = g_ptr_array_new_with_free_func (g_free);
  cairn_ws_limit_connect_async (url, "Bearer x", LIMIT, NULL, NULL, connected, &cl);
  while (!cl.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (cl.error);
  g_assert_nonnull (cl.ws);
  g_signal_connect (cl.ws, "message", G_CALLBACK (on_message), &cl);
  g_signal_connect (cl.ws, "closed", G_CALLBACK (on_closed), &cl);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!cl.closed && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (cl.closed);
  g_thread_join (thread);

  g_assert_cmpuint (cl.messages->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (cl.messages, 0), ==, "{\"a\":1}");
  g_assert_cmpuint (fs.peer_close_code, ==, SOUP_WEBSOCKET_CLOSE_TOO_BIG);

  g_object_unref (cl.ws);
  g_ptr_array_unref (cl.messages);
  g_object_unref (fs.listener);
}

/* A server that refuses the upgrade: the status reaches the caller. */
static gpointer
refusing_server_run (gpointer data)
{
  GSocket *listener = data;
  g_autoptr(GSocket) conn = g_socket_accept (listener, NULL, NULL);
  g_autoptr(GString) head = g_string_new (NULL);
  const char *answer = "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  char c;

  g_socket_set_timeout (conn, 10);
  while (!g_str_has_suffix (head->str, "\r\n\r\n") && g_socket_receive (conn, &c, 1, NULL, NULL) == 1)
    g_string_append_c (head, c);
  g_assert_nonnull (strstr (head->str, "Authorization: Bearer tok\r\n"));
  send_all (conn, answer, strlen (answer));
  return NULL;
}

static void
status_connected (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  guint *status = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *ws = cairn_ws_limit_connect_finish (result, status, &error);

  g_assert_null (ws);
  g_assert_error (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET);
  if (*status == 0)
    *status = 1;
}

static void
test_refused_upgrade (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                              G_SOCKET_PROTOCOL_DEFAULT, NULL);
  g_autofree char *url = NULL;
  GThread *thread;
  guint status = 0;

  g_assert_true (g_socket_bind (listener, any, TRUE, NULL));
  g_assert_true (g_socket_listen (listener, NULL));
  bound = g_socket_get_local_address (listener, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/v1/live",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  thread = g_thread_new ("refusing-server", refusing_server_run, listener);
  cairn_ws_limit_connect_async (url, "Bearer tok", LIMIT, NULL, NULL, status_connected, &status);
  while (status == 0)
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  g_assert_cmpuint (status, ==, 429);
}

/* Answers the handshake, then says nothing for 33 s (longer than the
 * connect timeout of 30 s), then closes. */
typedef struct
{
  GSocket *listener;
} QuietServer;

static gpointer
quiet_server_run (gpointer data)
{
  QuietServer *qs = data;
  g_autoptr(GSocket) conn = g_socket_accept (qs->listener, NULL, NULL);
  g_autoptr(GString) head = g_string_new (NULL);
  g_autofree char *accept = NULL;
  g_autofree char *answer = NULL;
  const char *key;
  char c;

  g_assert_nonnull (conn);
  g_socket_set_timeout (conn, 10);
  while (!g_str_has_suffix (head->str, "\r\n\r\n") && g_socket_receive (conn, &c, 1, NULL, NULL) == 1)
    g_string_append_c (head, c);
  key = strstr (head->str, "Sec-WebSocket-Key: ");
  g_assert_nonnull (key);
  {
    g_autofree char *k = g_strndup (key + 19, strcspn (key + 19, "\r"));
    g_autofree char *concat = g_strconcat (k, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", NULL);
    g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
    guint8 digest[20];
    gsize len = sizeof digest;

    g_checksum_update (sha1, (const guchar *) concat, -1);
    g_checksum_get_digest (sha1, digest, &len);
    accept = g_base64_encode (digest, len);
  }
  answer = g_strdup_printf ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
  send_all (conn, answer, strlen (answer));
  g_usleep (33 * G_USEC_PER_SEC);
  return NULL;
}

static gboolean
quiet_time_up (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* An open stream on which nothing comes for longer than the connect
 * timeout stays open: the app's live stream of an idle workspace was
 * closed after 30 s without a frame (the server's pings, every 30 s,
 * raced with it) and reopened, the sync icon going offline and back. */
static void
test_quiet_stream_stays_open (void)
{
  QuietServer qs = { 0 };
  Client cl = { 0 };
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  gboolean up = FALSE;
  GThread *thread;

  qs.listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (qs.listener, any, TRUE, &error));
  g_assert_true (g_socket_listen (qs.listener, &error));
  bound = g_socket_get_local_address (qs.listener, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u/v1/live?after=0",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  thread = g_thread_new ("quiet-server", quiet_server_run, &qs);

  cairn_ws_limit_connect_async (url, "Bearer x", LIMIT, NULL, NULL, connected, &cl);
  while (!cl.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (cl.error);
  g_assert_nonnull (cl.ws);
  g_signal_connect (cl.ws, "closed", G_CALLBACK (on_closed), &cl);
  g_timeout_add_seconds (32, quiet_time_up, &up);
  while (!up && !cl.closed)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (cl.closed);
  g_assert_cmpint (soup_websocket_connection_get_state (cl.ws), ==, SOUP_WEBSOCKET_STATE_OPEN);

  g_thread_join (thread);
  g_object_unref (cl.ws);
  g_object_unref (qs.listener);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/ws-limit/fragments-from-server", test_fragments_from_server);
  g_test_add_func ("/sync/ws-limit/refused-upgrade", test_refused_upgrade);
  g_test_add_func ("/sync/ws-limit/quiet-stream-stays-open", test_quiet_stream_stays_open);
  return g_test_run ();
}

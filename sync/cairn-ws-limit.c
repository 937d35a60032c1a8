/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-ws-limit.c: hold WebSocket messages assembled from fragments to a limit. */
#define G_LOG_DOMAIN "cairn-ws"
#include "config.h"

#include <string.h>

#include "cairn-ws-limit.h"
#include "cairn-tls-pin.h"

/* ---- the input side: follows frame headers ------------------------------ */

#define HEADER_MAX 14   /* 2 + 8 (64-bit length) + 4 (mask key) */

typedef struct
{
  GInputStream  parent_instance;
  GInputStream *base;
  guint64       max_message;
  guint8        header[HEADER_MAX];
  guint         header_len;     /* bytes of the next header read so far */
  guint64       remaining;      /* payload bytes of the current frame still to pass */
  gboolean      in_payload;
  guint64       message_size;   /* data bytes of the message being assembled */
  guint8        out[HEADER_MAX];/* a complete header, handed on from out_pos */
  guint         out_len;
  guint         out_pos;
  gboolean      tripped;
  gboolean      told;           /* "too-big" was emitted: reads see the end */
  GWeakRef      owner;          /* the CairnWsLimitStream, told in an idle */
} LimitInput;

typedef struct
{
  GInputStreamClass parent_class;
} LimitInputClass;

static GType limit_input_get_type (void);
static void  limit_input_pollable_iface_init (GPollableInputStreamInterface *iface);

G_DEFINE_TYPE_WITH_CODE (LimitInput, limit_input, G_TYPE_INPUT_STREAM,
                         G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                limit_input_pollable_iface_init))

/* Bytes of the header whose first header_len bytes are known. */
static guint
header_size (const guint8 *h,
             guint         len)
{
  guint size = 2;

  if (len < 2)
    return 2;
  if ((h[1] & 0x7f) == 126)
    size += 2;
  else if ((h[1] & 0x7f) == 127)
    size += 8;
  if (h[1] & 0x80)
    size += 4;
  return size;
}

static gboolean limit_input_tell_owner (gpointer data);

/* The header is complete: count the frame and queue the header to be
 * handed on, or, past the limit, stop. */
static void
header_done (LimitInput *self)
{
  const guint8 *h = self->header;
  guint8 opcode = h[0] & 0x0f;
  guint64 len = h[1] & 0x7f;

  if (len == 126)
    len = ((guint64) h[2] << 8) | h[3];
  else if (len == 127)
    {
      len = 0;
      for (guint i = 0; i < 8; i++)
        len = (len << 8) | h[2 + i];
    }

  /* Control frames (ping, pong, close) are not part of a message. */
  if ((opcode & 0x08) == 0)
    {
      if (opcode != 0)
        self->message_size = 0;   /* a new message starts */
      self->message_size = len > G_MAXUINT64 - self->message_size ? G_MAXUINT64 : self->message_size + len;
    }

  if ((opcode & 0x08) == 0 && self->message_size > self->max_message)
    {
      /* Nothing of this frame, header included, reaches libsoup; the
       * owner closes the connection with 1009 (from an idle: not inside
       * libsoup's read). */
      self->tripped = TRUE;
      self->header_len = 0;
      g_debug ("WebSocket message over %" G_GUINT64_FORMAT " bytes: refused", self->max_message);
      g_idle_add_full (G_PRIORITY_HIGH, limit_input_tell_owner, g_object_ref (self), g_object_unref);
      return;
    }

  memcpy (self->out, h, self->header_len);
  self->out_len = self->header_len;
  self->out_pos = 0;
  self->header_len = 0;
  self->remaining = len;
  self->in_payload = len > 0;
}

static gssize
limit_input_read_internal (LimitInput    *self,
                           void          *buffer,
                           gsize          count,
                           gboolean       blocking,
                           GCancellable  *cancellable,
                           GError       **error)
{
  if (count == 0)
    return 0;
  for (;;)
    {
      gssize n;
      guint need;

      if (self->out_pos < self->out_len)
        {
          gsize take = MIN (count, (gsize) (self->out_len - self->out_pos));

          memcpy (buffer, self->out + self->out_pos, take);
          self->out_pos += take;
          return take;
        }
      if (self->tripped)
        {
          /* Nothing until the owner was told (and sent its close frame),
           * then the end: libsoup closes the connection. */
          if (blocking || self->told)
            return 0;
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "Message over the size limit");
          return -1;
        }
      if (self->in_payload)
        {
          n = g_pollable_stream_read (self->base, buffer, MIN (count, self->remaining),
                                      blocking, cancellable, error);
          if (n > 0 && (self->remaining -= n) == 0)
            self->in_payload = FALSE;
          return n;
        }
      need = header_size (self->header, self->header_len);
      n = g_pollable_stream_read (self->base, self->header + self->header_len, need - self->header_len,
                                  blocking, cancellable, error);
      if (n <= 0)
        return n;   /* the end, an error, or nothing yet (the bytes so far are kept) */
      self->header_len += n;
      if (self->header_len == header_size (self->header, self->header_len))
        header_done (self);
    }
}

static gssize
limit_input_read (GInputStream  *stream,
                  void          *buffer,
                  gsize          count,
                  GCancellable  *cancellable,
                  GError       **error)
{
  return limit_input_read_internal ((LimitInput *) stream, buffer, count, TRUE, cancellable, error);
}

static gboolean
limit_input_close (GInputStream  *stream,
                   GCancellable  *cancellable,
                   GError       **error)
{
  /* The base stream is closed with the GIOStream. */
  return TRUE;
}

static gboolean
limit_input_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static gboolean
limit_input_is_readable (GPollableInputStream *stream)
{
  LimitInput *self = (LimitInput *) stream;

  if (self->out_pos < self->out_len)
    return TRUE;
  if (self->tripped)
    return self->told;
  return g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (self->base));
}

static GSource *
limit_input_create_source (GPollableInputStream *stream,
                           GCancellable         *cancellable)
{
  LimitInput *self = (LimitInput *) stream;
  g_autoptr(GSource) child = NULL;

  if (self->out_pos < self->out_len)
    child = g_timeout_source_new (0);
  else if (self->tripped)
    child = g_timeout_source_new (self->told ? 0 : 50);   /* looks again for "told" */
  else
    child = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (self->base), cancellable);
  return g_pollable_source_new_full (stream, child, cancellable);
}

static gssize
limit_input_read_nonblocking (GPollableInputStream  *stream,
                              void                  *buffer,
                              gsize                  count,
                              GError               **error)
{
  return limit_input_read_internal ((LimitInput *) stream, buffer, count, FALSE, NULL, error);
}

static void
limit_input_finalize (GObject *object)
{
  LimitInput *self = (LimitInput *) object;

  g_clear_object (&self->base);
  g_weak_ref_clear (&self->owner);
  G_OBJECT_CLASS (limit_input_parent_class)->finalize (object);
}

static void
limit_input_class_init (LimitInputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *input_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = limit_input_finalize;
  input_class->read_fn = limit_input_read;
  input_class->close_fn = limit_input_close;
}

static void
limit_input_pollable_iface_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = limit_input_can_poll;
  iface->is_readable = limit_input_is_readable;
  iface->create_source = limit_input_create_source;
  iface->read_nonblocking = limit_input_read_nonblocking;
}

static void
limit_input_init (LimitInput *self)
{
  g_weak_ref_init (&self->owner, NULL);
}

/* ---- the stream ---------------------------------------------------------- */

struct _CairnWsLimitStream
{
  GIOStream   parent_instance;
  GIOStream  *base;
  LimitInput *input;
};

G_DEFINE_FINAL_TYPE (CairnWsLimitStream, cairn_ws_limit_stream, G_TYPE_IO_STREAM)

enum { SIGNAL_TOO_BIG, N_SIGNALS };
static guint signals [N_SIGNALS];

static gboolean
limit_input_tell_owner (gpointer data)
{
  LimitInput *self = data;
  g_autoptr(CairnWsLimitStream) owner = g_weak_ref_get (&self->owner);

  if (owner != NULL)
    g_signal_emit (owner, signals[SIGNAL_TOO_BIG], 0);
  self->told = TRUE;
  return G_SOURCE_REMOVE;
}

static GInputStream *
cairn_ws_limit_stream_get_input_stream (GIOStream *stream)
{
  return G_INPUT_STREAM (CAIRN_WS_LIMIT_STREAM (stream)->input);
}

static GOutputStream *
cairn_ws_limit_stream_get_output_stream (GIOStream *stream)
{
  return g_io_stream_get_output_stream (CAIRN_WS_LIMIT_STREAM (stream)->base);
}

static gboolean
cairn_ws_limit_stream_close (GIOStream     *stream,
                             GCancellable  *cancellable,
                             GError       **error)
{
  return g_io_stream_close (CAIRN_WS_LIMIT_STREAM (stream)->base, cancellable, error);
}

static void
base_closed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_io_stream_close_finish (G_IO_STREAM (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Not the default (close_fn on a worker thread): the base closes on the
 * caller's main context. */
static void
cairn_ws_limit_stream_close_async (GIOStream           *stream,
                                   int                  io_priority,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, cairn_ws_limit_stream_close_async);
  g_io_stream_close_async (CAIRN_WS_LIMIT_STREAM (stream)->base, io_priority, cancellable,
                           base_closed, task);
}

static gboolean
cairn_ws_limit_stream_close_finish (GIOStream     *stream,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
cairn_ws_limit_stream_finalize (GObject *object)
{
  CairnWsLimitStream *self = CAIRN_WS_LIMIT_STREAM (object);

  g_clear_object (&self->input);
  g_clear_object (&self->base);
  G_OBJECT_CLASS (cairn_ws_limit_stream_parent_class)->finalize (object);
}

static void
cairn_ws_limit_stream_class_init (CairnWsLimitStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->finalize = cairn_ws_limit_stream_finalize;
  stream_class->get_input_stream = cairn_ws_limit_stream_get_input_stream;
  stream_class->get_output_stream = cairn_ws_limit_stream_get_output_stream;
  stream_class->close_fn = cairn_ws_limit_stream_close;
  stream_class->close_async = cairn_ws_limit_stream_close_async;
  stream_class->close_finish = cairn_ws_limit_stream_close_finish;

  /* A message grew past the limit: nothing more is read; the owner
   * closes the connection (1009). */
  signals[SIGNAL_TOO_BIG] = g_signal_new ("too-big", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cairn_ws_limit_stream_init (CairnWsLimitStream *self)
{
}

GIOStream *
cairn_ws_limit_stream_new (GIOStream *base,
                           guint64    max_message)
{
  CairnWsLimitStream *self;
  GInputStream *in;

  g_return_val_if_fail (G_IS_IO_STREAM (base), NULL);
  in = g_io_stream_get_input_stream (base);
  g_return_val_if_fail (G_IS_POLLABLE_INPUT_STREAM (in), NULL);

  self = g_object_new (CAIRN_TYPE_WS_LIMIT_STREAM, NULL);
  self->base = g_object_ref (base);
  self->input = g_object_new (limit_input_get_type (), NULL);
  self->input->base = g_object_ref (in);
  self->input->max_message = max_message;
  g_weak_ref_set (&self->input->owner, self);
  return G_IO_STREAM (self);
}

gboolean
cairn_ws_limit_stream_get_tripped (CairnWsLimitStream *self)
{
  g_return_val_if_fail (CAIRN_IS_WS_LIMIT_STREAM (self), FALSE);

  return self->input->tripped;
}

/* ---- a client connection ------------------------------------------------- */

#define HANDSHAKE_MAX 16384
#define WEBSOCKET_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

typedef struct
{
  GUri              *uri;
  char              *request;
  char              *accept;       /* the Sec-WebSocket-Accept we expect */
  guint64            max_message;
  GSocketConnection *conn;
  GString           *head;         /* the answer's headers as read so far */
  char               byte;
  guint              status;
  char              *pinned;       /* cairn-tls-pin.h; NULL: none */
  GIOStream         *tls;          /* the TLS connection, once there is one */
} Connect;

static void
connect_free (Connect *c)
{
  g_clear_pointer (&c->uri, g_uri_unref);
  g_free (c->request);
  g_free (c->accept);
  g_clear_object (&c->conn);
  if (c->head != NULL)
    g_string_free (c->head, TRUE);
  g_free (c->pinned);
  g_clear_object (&c->tls);
  g_free (c);
}

static void
on_client_too_big (GIOStream               *stream,
                   SoupWebsocketConnection *ws)
{
  if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "message over the limit");
}

/* The value of header name in the answer's headers, or NULL. */
static char *
find_header (const char *head,
             const char *name)
{
  g_auto(GStrv) lines = g_strsplit (head, "\r\n", -1);
  gsize n = strlen (name);

  for (guint i = 1; lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], name, n) == 0 && lines[i][n] == ':')
      return g_strstrip (g_strdup (lines[i] + n + 1));
  return NULL;
}

static void on_answer_byte (GObject *source, GAsyncResult *result, gpointer user_data);

static void
read_answer_byte (GTask *task)
{
  Connect *c = g_task_get_task_data (task);

  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (c->conn)), &c->byte, 1,
                             G_PRIORITY_DEFAULT, g_task_get_cancellable (task), on_answer_byte, task);
}

/* The answer's headers are in: a 101 with the right accept key becomes the
 * connection; anything else is an error with the status. */
static void
answer_done (GTask *task)
{
  Connect *c = g_task_get_task_data (task);
  g_autofree char *accept = NULL;
  g_autofree char *upgrade = NULL;
  g_autofree char *extensions = NULL;
  g_autoptr(GIOStream) stream = NULL;
  SoupWebsocketConnection *ws;

  if (!g_str_has_prefix (c->head->str, "HTTP/1.1 ") && !g_str_has_prefix (c->head->str, "HTTP/1.0 "))
    {
      g_task_return_new_error (task, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
                               "The server did not answer with HTTP");
      g_object_unref (task);
      return;
    }
  c->status = (guint) g_ascii_strtoull (c->head->str + 9, NULL, 10);
  if (c->status != 101)
    {
      g_task_return_new_error (task, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET,
                               "The server did not accept the WebSocket handshake (HTTP %u)", c->status);
      g_object_unref (task);
      return;
    }
  accept = find_header (c->head->str, "Sec-WebSocket-Accept");
  upgrade = find_header (c->head->str, "Upgrade");
  extensions = find_header (c->head->str, "Sec-WebSocket-Extensions");
  if (g_strcmp0 (accept, c->accept) != 0 || upgrade == NULL || g_ascii_strcasecmp (upgrade, "websocket") != 0 ||
      (extensions != NULL && *extensions != '\0'))
    {
      g_task_return_new_error (task, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
                               "The server's WebSocket handshake is not valid");
      g_object_unref (task);
      return;
    }
  /* The client's 30 s timeout is for connecting and the handshake. Left
   * on the socket, it failed any read that waited 30 s: an idle stream
   * (the server pings every 30 s) was closed and reopened every minute or
   * two. A dead connection is noticed by the engine (docs/sync.md). */
  g_socket_set_timeout (g_socket_connection_get_socket (c->conn), 0);
  stream = cairn_ws_limit_stream_new (G_IO_STREAM (c->conn), c->max_message);
  ws = soup_websocket_connection_new (stream, c->uri, SOUP_WEBSOCKET_CONNECTION_CLIENT, NULL, NULL, NULL);
  soup_websocket_connection_set_max_incoming_payload_size (ws, c->max_message);
  g_signal_connect_object (stream, "too-big", G_CALLBACK (on_client_too_big), ws, 0);
  g_task_return_pointer (task, ws, g_object_unref);
  g_object_unref (task);
}

static void
on_answer_byte (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Connect *c = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n <= 0)
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                     "The server closed the connection during the WebSocket handshake");
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_string_append_c (c->head, c->byte);
  if (g_str_has_suffix (c->head->str, "\r\n\r\n"))
    return answer_done (task);
  if (c->head->len > HANDSHAKE_MAX)
    {
      g_task_return_new_error (task, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
                               "The server's answer to the WebSocket handshake is too long");
      g_object_unref (task);
      return;
    }
  /* Byte by byte: nothing of the frames that follow may be read here. */
  read_answer_byte (task);
}

static void
on_request_written (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  read_answer_byte (task);
}

static void
on_client_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  Connect *c = g_task_get_task_data (task);
  GError *error = NULL;

  if (!(c->conn = g_socket_client_connect_to_uri_finish (G_SOCKET_CLIENT (source), result, &error)))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (c->conn)),
                                   c->request, strlen (c->request), G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_request_written, task);
}

/* The TLS connection, before its handshake: the pinned certificate is
 * taken there, and a refused one is remembered on it. */
static void
on_client_event (GSocketClient      *client,
                 GSocketClientEvent  event,
                 GSocketConnectable *connectable,
                 GIOStream          *connection,
                 gpointer            user_data)
{
  Connect *c = user_data;

  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && G_IS_TLS_CLIENT_CONNECTION (connection))
    {
      cairn_tls_pin (G_OBJECT (connection), c->pinned);
      g_set_object (&c->tls, connection);
    }
}

void
cairn_ws_limit_connect_async (const char          *url,
                              const char          *authorization,
                              guint64              max_message,
                              const char          *pinned_certificate,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *concat = NULL;
  g_autofree char *host = NULL;
  guint8 nonce[16];
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  Connect *c = g_new0 (Connect, 1);
  const char *scheme;
  gboolean tls;
  int port;

  g_task_set_source_tag (task, cairn_ws_limit_connect_async);
  g_task_set_task_data (task, c, (GDestroyNotify) connect_free);
  c->max_message = max_message;
  c->head = g_string_new (NULL);
  if (!(c->uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  scheme = g_uri_get_scheme (c->uri);
  tls = g_ascii_strcasecmp (scheme, "https") == 0 || g_ascii_strcasecmp (scheme, "wss") == 0;
  port = g_uri_get_port (c->uri);
  for (guint i = 0; i < sizeof nonce; i++)
    nonce[i] = g_random_int_range (0, 256);
  key = g_base64_encode (nonce, sizeof nonce);
  concat = g_strconcat (key, WEBSOCKET_GUID, NULL);
  {
    g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);

    g_checksum_update (sha1, (const guchar *) concat, -1);
    g_checksum_get_digest (sha1, digest, &digest_len);
  }
  c->accept = g_base64_encode (digest, digest_len);
  {
    const char *h = g_uri_get_host (c->uri) ? g_uri_get_host (c->uri) : "";
    gboolean v6 = strchr (h, ':') != NULL;

    host = port > 0 ? g_strdup_printf ("%s%s%s:%d", v6 ? "[" : "", h, v6 ? "]" : "", port)
                    : g_strdup_printf ("%s%s%s", v6 ? "[" : "", h, v6 ? "]" : "");
  }
  c->request = g_strdup_printf ("GET %s%s%s HTTP/1.1\r\n"
                                "Host: %s\r\n"
                                "Upgrade: websocket\r\n"
                                "Connection: Upgrade\r\n"
                                "Sec-WebSocket-Key: %s\r\n"
                                "Sec-WebSocket-Version: 13\r\n"
                                "%s%s%s"
                                "\r\n",
                                *g_uri_get_path (c->uri) ? g_uri_get_path (c->uri) : "/",
                                g_uri_get_query (c->uri) ? "?" : "",
                                g_uri_get_query (c->uri) ? g_uri_get_query (c->uri) : "",
                                host, key,
                                authorization ? "Authorization: " : "",
                                authorization ? authorization : "",
                                authorization ? "\r\n" : "");
  g_socket_client_set_tls (client, tls);
  g_socket_client_set_timeout (client, 30);
  c->pinned = g_strdup (pinned_certificate);
  /* The client goes away with the connection attempt, before the task
   * and its Connect. */
  if (tls)
    g_signal_connect (client, "event", G_CALLBACK (on_client_event), c);
  g_socket_client_connect_to_uri_async (client, url, tls ? 443 : 80, cancellable, on_client_connected, task);
}

char *
cairn_ws_limit_connect_dup_refused (GAsyncResult         *result,
                                    GTlsCertificateFlags *out_errors)
{
  Connect *c = g_task_get_task_data (G_TASK (result));

  if (out_errors != NULL)
    *out_errors = 0;
  return c->tls != NULL ? cairn_tls_dup_refused (G_OBJECT (c->tls), out_errors) : NULL;
}

SoupWebsocketConnection *
cairn_ws_limit_connect_finish (GAsyncResult  *result,
                               guint         *out_status,
                               GError       **error)
{
  Connect *c = g_task_get_task_data (G_TASK (result));

  if (out_status != NULL)
    *out_status = c->status;
  return g_task_propagate_pointer (G_TASK (result), error);
}

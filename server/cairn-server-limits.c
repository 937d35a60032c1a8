/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-limits.c: connections per client address, and requests refused
 * at their headers before any body is read. */
#define G_LOG_DOMAIN "cairn-server"
#include "config.h"

#include "cairn-server-private.h"

/* ---- connections per address ------------------------------------------- */

static GMutex addr_counts_lock;

/* For tests only (CAIRN_SERVER_TEST_MAX_ARGS_BYTES): a lower limit on one
 * event's args than the protocol's, so that a test can make the server
 * refuse an event that a client committed. 0: the protocol's limit only. */
gsize _cairn_server_test_max_args_bytes;

gboolean
_cairn_server_check_test_args_limit (GPtrArray  *events,
                       GError    **error)
{
  for (guint i = 0; _cairn_server_test_max_args_bytes > 0 && i < events->len; i++)
    {
      const CairnWireEvent *ev = g_ptr_array_index (events, i);
      gsize n = strlen (ev->args_json);

      if (n > _cairn_server_test_max_args_bytes)
        {
          g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ARGS_TOO_LARGE,
                       "event: \"args\" of %s is %" G_GSIZE_FORMAT " bytes, more than the "
                       "limit of %" G_GSIZE_FORMAT " (CAIRN_SERVER_TEST_MAX_ARGS_BYTES)",
                       ev->name, n, _cairn_server_test_max_args_bytes);
          return FALSE;
        }
    }
  return TRUE;
}

void
_cairn_server_addr_slot_free (AddrSlot *slot)
{
  guint n;

  g_mutex_lock (&addr_counts_lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (slot->counts, slot->key));
  if (n <= 1)
    g_hash_table_remove (slot->counts, slot->key);
  else
    g_hash_table_replace (slot->counts, g_strdup (slot->key), GUINT_TO_POINTER (n - 1));
  g_mutex_unlock (&addr_counts_lock);
  g_hash_table_unref (slot->counts);
  g_free (slot->key);
  g_free (slot);
}

/* Counts one more connection from address, or NULL when it already has
 * max_conns_per_address. */
AddrSlot *
_cairn_server_addr_slot_take (Server     *self,
                const char *address)
{
  g_autofree char *key = cairn_server_core_address_key (address ? address : "");
  AddrSlot *slot;
  guint n;

  g_mutex_lock (&addr_counts_lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->addr_counts, key));
  if (n < self->max_conns_per_address)
    g_hash_table_replace (self->addr_counts, g_strdup (key), GUINT_TO_POINTER (n + 1));
  g_mutex_unlock (&addr_counts_lock);
  if (n >= self->max_conns_per_address)
    return NULL;
  slot = g_new0 (AddrSlot, 1);
  slot->counts = g_hash_table_ref (self->addr_counts);
  slot->key = g_steal_pointer (&key);
  return slot;
}

static void
weak_socket_free (gpointer  data,
                  GClosure *closure)
{
  GWeakRef *ref = data;

  g_weak_ref_clear (ref);
  g_free (ref);
}

/* The connection closed: it no longer counts, although the socket object
 * may live on a while (the message no longer knows it by now, hence the
 * weak reference taken when the request started). */
static void
on_message_disconnected (SoupServerMessage *msg,
                         gpointer           user_data)
{
  g_autoptr(GSocket) socket = g_weak_ref_get (user_data);

  if (socket != NULL)
    g_object_set_data (G_OBJECT (socket), "cairn-addr-slot", NULL);
}

/* Directly (no proxy): a connection is counted under its peer's address
 * from its first request-started until it is disconnected (or, failing
 * that, its socket is finalized); one over
 * the limit is marked, answered too_many_connections once its request
 * headers are in, and closed. Returns whether msg's connection is over. */
static gboolean
count_connection (Server            *self,
                  SoupServerMessage *msg)
{
  GSocket *socket = cairn_soup_message_socket (msg);
  AddrSlot *slot;

  if (self->trust_proxy || socket == NULL)
    return FALSE;
  {
    GWeakRef *ref = g_new0 (GWeakRef, 1);

    g_weak_ref_init (ref, socket);
    g_signal_connect_data (msg, "disconnected", G_CALLBACK (on_message_disconnected), ref,
                           weak_socket_free, 0);
  }
  if (g_object_get_data (G_OBJECT (socket), "cairn-over-limit") != NULL)
    return TRUE;
  if (g_object_get_data (G_OBJECT (socket), "cairn-addr-slot") != NULL)
    return FALSE;
  if (!(slot = _cairn_server_addr_slot_take (self, soup_server_message_get_remote_host (msg))))
    {
      g_object_set_data (G_OBJECT (socket), "cairn-over-limit", GINT_TO_POINTER (1));
      return TRUE;
    }
  g_object_set_data_full (G_OBJECT (socket), "cairn-addr-slot", slot, (GDestroyNotify) _cairn_server_addr_slot_free);
  return FALSE;
}

/* Between two requests of a kept-alive connection libsoup (3.2) neither
 * announces the wait nor notices when the client closes: the socket would
 * stay in CLOSE_WAIT (and counted for its address) for ever, and an idle
 * one would escape --request-timeout. So the server
 * watches it itself from the end of one request to the start of the next:
 * a close (or error) ends the connection and frees its place, and so does
 * --request-timeout of silence. Object data of the socket. */
typedef struct
{
  GSource *io;
  guint    timeout;
} IdleWatch;

static void
idle_watch_free (IdleWatch *iw)
{
  if (iw->io != NULL)
    {
      g_source_destroy (iw->io);
      g_source_unref (iw->io);
    }
  if (iw->timeout != 0)
    g_source_remove (iw->timeout);
  g_free (iw);
}

/* Ends an idle connection: the peer closed it or was silent too long. */
static void
idle_connection_end (GSocket *socket)
{
  g_object_ref (socket);
  g_object_set_data (G_OBJECT (socket), "cairn-idle-watch", NULL);
  g_object_set_data (G_OBJECT (socket), "cairn-addr-slot", NULL);
  if (!g_socket_is_closed (socket))
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
  g_object_unref (socket);
}

static gboolean
on_idle_readable (GSocket      *socket,
                  GIOCondition  condition,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GInputVector v;
  char byte;
  gint flags = G_SOCKET_MSG_PEEK;
  gssize n;

  v.buffer = &byte;
  v.size = 1;
  /* Only looks: the bytes of a next request are libsoup's to read. */
  n = g_socket_receive_message (socket, NULL, &v, 1, NULL, NULL, &flags, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n > 0)
    /* A next request: libsoup takes over (and its read deadline). */
    g_object_set_data (G_OBJECT (socket), "cairn-idle-watch", NULL);
  else
    idle_connection_end (socket);
  return G_SOURCE_REMOVE;
}

static gboolean
on_idle_timeout (gpointer user_data)
{
  GSocket *socket = user_data;
  IdleWatch *iw = g_object_get_data (G_OBJECT (socket), "cairn-idle-watch");

  if (iw != NULL)
    iw->timeout = 0;
  idle_connection_end (socket);
  return G_SOURCE_REMOVE;
}

static void
watch_idle_connection (Server  *self,
                       GSocket *socket)
{
  IdleWatch *iw = g_new0 (IdleWatch, 1);

  iw->io = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (iw->io, G_SOURCE_FUNC (on_idle_readable), socket, NULL);
  g_source_attach (iw->io, NULL);
  /* The watch is the socket's data: it never outlives it. */
  iw->timeout = g_timeout_add_seconds (self->request_timeout_s, on_idle_timeout, socket);
  g_object_set_data_full (G_OBJECT (socket), "cairn-idle-watch", iw, (GDestroyNotify) idle_watch_free);
}

/* The deadline for reading one request; owned by the message (object
 * data), so that it never outlives it. */
typedef struct
{
  SoupServerMessage *msg;
  guint              source;
} ReadDeadline;

static void
read_deadline_free (ReadDeadline *rd)
{
  if (rd->source != 0)
    g_source_remove (rd->source);
  g_free (rd);
}

static gboolean
on_read_deadline (gpointer user_data)
{
  ReadDeadline *rd = user_data;
  GSocket *socket = cairn_soup_message_socket (rd->msg);

  rd->source = 0;
  /* libsoup sees the end of the stream and drops the connection and its
   * message itself; nothing was handled, so nothing changes. */
  if (socket != NULL && !g_socket_is_closed (socket))
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}


/* A body is refused from its Content-Length before it is read (see
 * _cairn_server_handle_early()); this holds the limit for any body libsoup reads all
 * the same, chunk by chunk, rather than once it is whole. */
static void
on_request_chunk (SoupServerMessage *msg,
                  GBytes            *chunk,
                  gpointer           user_data)
{
  Server *self = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (body != NULL && body->length > CAIRN_PROTOCOL_MAX_BODY_BYTES)
    {
      g_autofree char *text = g_strdup_printf ("Request body exceeds the limit of %d bytes",
                                               CAIRN_PROTOCOL_MAX_BODY_BYTES);

      g_signal_handlers_disconnect_by_func (msg, on_request_chunk, user_data);
      _cairn_server_refuse_and_close (self, msg, CAIRN_PROTOCOL_ERROR_BODY_TOO_LARGE, text);
    }
}

/* Emitted as soon as a connection waits for its next request (before any
 * byte of it has arrived). */
void
_cairn_server_on_request_started (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  Server *self = user_data;
  gint64 *start = g_new (gint64, 1);
  ReadDeadline *rd = g_new0 (ReadDeadline, 1);
  guint timeout = self->request_timeout_s;

  *start = g_get_monotonic_time ();
  g_object_set_data_full (G_OBJECT (msg), "cairn-start", start, g_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_request_chunk), self);
  if (cairn_soup_message_socket (msg) != NULL)
    g_object_set_data (G_OBJECT (cairn_soup_message_socket (msg)), "cairn-idle-watch", NULL);
  if (count_connection (self, msg))
    {
      g_object_set_data (G_OBJECT (msg), "cairn-over-limit", GINT_TO_POINTER (1));
      timeout = MIN (timeout, OVER_LIMIT_TIMEOUT_SECONDS);
    }
  rd->msg = msg;
  rd->source = g_timeout_add_seconds (timeout, on_read_deadline, rd);
  g_object_set_data_full (G_OBJECT (msg), "cairn-read-deadline", rd,
                          (GDestroyNotify) read_deadline_free);
}

/* The whole request is in: no deadline while it is handled (a paused
 * login or push may take longer). */
void
_cairn_server_on_request_read (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  g_object_set_data (G_OBJECT (msg), "cairn-read-deadline", NULL);
}

void
_cairn_server_on_request_done (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  Server *self = user_data;
  gint64 *start = g_object_get_data (G_OBJECT (msg), "cairn-start");
  GUri *uri = soup_server_message_get_uri (msg);
  double ms = start ? (g_get_monotonic_time () - *start) / 1000.0 : 0;
  GSocket *socket = cairn_soup_message_socket (msg);

  /* Behind a proxy: the request no longer counts for its address. */
  g_object_set_data (G_OBJECT (msg), "cairn-addr-slot", NULL);
  /* A connection that may now wait for its next request (not one that
   * became a live WebSocket, nor one refused over its address's limit). */
  if (socket != NULL && !g_socket_is_closed (socket) &&
      g_object_get_data (G_OBJECT (socket), "cairn-live-socket") == NULL &&
      g_object_get_data (G_OBJECT (socket), "cairn-over-limit") == NULL)
    watch_idle_connection (self, socket);
  _cairn_server_log_line ("request", soup_server_message_get_method (msg),
            uri ? g_uri_get_path (uri) : "",
            soup_server_message_get_status (msg), ms, _cairn_server_remote_address (self, msg));
}

/* ---- refusing at the headers -------------------------------------------- */

/* libsoup (3.2) reads a request's whole body even once a status is set in
 * an early handler, so a refusal meant to save reading the body (too
 * large, chunked, over the connection limit, a Content-Length that cannot
 * be trusted) takes the connection from libsoup, writes the answer itself,
 * then discards whatever the client still sends for at most
 * REFUSAL_LINGER_MS (so that the client can read the answer rather than
 * see its connection reset) and closes it. Nothing of the body is kept. */
#define REFUSAL_LINGER_MS 2000

typedef struct
{
  GIOStream    *stream;
  GCancellable *cancellable;
  GBytes       *answer;
  AddrSlot     *slot;         /* still counts for its address until closed */
  guint         timeout;
  char          buf[16384];
} Refusal;

static void
refusal_closed (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  g_object_unref (source);
}

static void
refusal_finish (Refusal *r)
{
  if (r->timeout != 0)
    g_source_remove (r->timeout);
  g_io_stream_close_async (r->stream, G_PRIORITY_DEFAULT, NULL, refusal_closed, NULL);
  g_clear_pointer (&r->slot, _cairn_server_addr_slot_free);
  g_object_unref (r->cancellable);
  g_bytes_unref (r->answer);
  g_free (r);
}

static gboolean
on_refusal_linger_over (gpointer user_data)
{
  Refusal *r = user_data;

  r->timeout = 0;
  g_cancellable_cancel (r->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_refusal_drained (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Refusal *r = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0)
    return refusal_finish (r);
  g_input_stream_read_async (G_INPUT_STREAM (source), r->buf, sizeof r->buf, G_PRIORITY_LOW,
                             r->cancellable, on_refusal_drained, r);
}

static void
on_refusal_written (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Refusal *r = user_data;
  GSocket *socket = g_object_get_data (G_OBJECT (r->stream), "GSocket");

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    return refusal_finish (r);
  /* The client sees the end of the answer; TLS needs its close_notify. */
  if (socket != NULL && !G_IS_TLS_CONNECTION (r->stream))
    g_socket_shutdown (socket, FALSE, TRUE, NULL);
  r->timeout = g_timeout_add (REFUSAL_LINGER_MS, on_refusal_linger_over, r);
  g_input_stream_read_async (g_io_stream_get_input_stream (r->stream), r->buf, sizeof r->buf,
                             G_PRIORITY_LOW, r->cancellable, on_refusal_drained, r);
}

/* Answers msg with the error at once, without reading its body, and
 * closes its connection; msg is done with after this. */
void
_cairn_server_refuse_and_close (Server             *self,
                  SoupServerMessage  *msg,
                  CairnProtocolError  code,
                  const char         *message)
{
  g_autoptr(JsonNode) node = cairn_protocol_encode_error (code, message, NULL, 0, 0);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = soup_date_time_to_string (now, SOUP_DATE_HTTP);
  g_autofree char *body = cairn_protocol_to_string (node, NULL);
  guint status = cairn_protocol_error_status (code);
  gint64 *start = g_object_get_data (G_OBJECT (msg), "cairn-start");
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *text = NULL;
  Refusal *r;

  text = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                          "Date: %s\r\n"
                          "Server: cairn-server/" PACKAGE_VERSION "\r\n"
                          "Content-Type: application/json\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                          "Connection: close\r\n"
                          "\r\n%s",
                          status, soup_status_get_phrase (status), date, strlen (body), body);
  _cairn_server_log_line ("request", soup_server_message_get_method (msg), uri ? g_uri_get_path (uri) : "", status,
            start ? (g_get_monotonic_time () - *start) / 1000.0 : 0, _cairn_server_remote_address (self, msg));
  r = g_new0 (Refusal, 1);
  r->cancellable = g_cancellable_new ();
  /* The connection keeps its place under its address while it lingers. */
  if (cairn_soup_message_socket (msg) != NULL)
    r->slot = g_object_steal_data (G_OBJECT (cairn_soup_message_socket (msg)), "cairn-addr-slot");
  {
    gsize len = strlen (text);

    r->answer = g_bytes_new_take (g_steal_pointer (&text), len);
  }
  r->stream = soup_server_message_steal_connection (msg);
  if (r->stream == NULL)
    {
      g_clear_pointer (&r->slot, _cairn_server_addr_slot_free);
      g_object_unref (r->cancellable);
      g_bytes_unref (r->answer);
      g_free (r);
      return;
    }
  g_output_stream_write_all_async (g_io_stream_get_output_stream (r->stream),
                                   g_bytes_get_data (r->answer, NULL), g_bytes_get_size (r->answer),
                                   G_PRIORITY_DEFAULT, r->cancellable, on_refusal_written, r);
}

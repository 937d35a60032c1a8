/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server.c: the cairn-server command: HTTP/WebSocket front end and admin CLI. */
#define G_LOG_DOMAIN "cairn-server"
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include <glib-unix.h>
#include <libsoup/soup.h>
#include <sodium.h>

#include "cairn-server-core.h"
#include "cairn-ws-limit.h"

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_MAX_LIVE_PER_USER 20
#define KEEPALIVE_SECONDS 30
#define SHUTDOWN_GRACE_MS 3000
/* A connection must deliver a whole request (headers and body) within this
 * many seconds of starting to wait for it, idle keep-alive time included;
 * otherwise it is closed (slow or idle clients cannot hold sockets). */
#define DEFAULT_REQUEST_TIMEOUT_SECONDS 30
/* Connections at once from one client address (an IPv6 /64); behind
 * --trust-proxy, requests in progress per forwarded address. */
#define DEFAULT_MAX_CONNECTIONS_PER_ADDRESS 64
/* A connection over that limit must send its request within this many
 * seconds to be told why it is refused; it is closed either way. */
#define OVER_LIMIT_TIMEOUT_SECONDS 2
/* Every live connection's session and membership are checked again this
 * often, so that one whose rights went away (also through an admin command
 * of another process) is closed even when its workspace stays quiet. */
#define DEFAULT_LIVE_RECHECK_SECONDS 10
/* A live connection's backlog is sent a page at a time, the next one only
 * once fewer than this many bytes wait in the socket's kernel send queue,
 * so that a client that does not read cannot make the server hold the
 * whole log in memory. Retried every BACKLOG_RETRY_MS while it is fuller. */
#define BACKLOG_LOW_WATER (256 * 1024)
#define BACKLOG_RETRY_MS 20
/* Argon2id checks running at once (each takes 64 MiB for a moment); further
 * logins wait their turn, so a burst of logins cannot exhaust memory. */
#define MAX_PASSWORD_CHECKS 2
/* Logins waiting for a turn at most; further ones are refused with
 * rate_limited at once, so that a flood of logins cannot pile up paused
 * requests (and their sockets) without bound. */
#define DEFAULT_MAX_CHECKS_WAITING 32
/* Time one check is assumed to take, for the Retry-After of a refusal. */
#define CHECK_ESTIMATE_MS 300
/* A group is committed at the latest when it holds this many pushes or
 * events, even while more requests are waiting to be read. */
/* A live client that pushes without reading its replies (acks, errors):
 * once its socket is full, this many more are queued in memory at most,
 * then it is closed with 1008; deferred acks likewise. */
#define MAX_REPLIES_UNREAD 64
#define MAX_DEFERRED_ACKS 1024
#define GROUP_MAX_PUSHES 64
#define GROUP_MAX_EVENTS 5000

typedef struct _Server Server;

/* One live WebSocket. The server holds the only strong reference to conn
 * (libsoup does not keep one) until "closed". */
typedef struct
{
  Server                  *server;
  SoupWebsocketConnection *conn;
  char                    *workspace_id;
  char                    *token;
  CairnAuth               *auth;
  GSocket                 *socket;      /* the TCP socket under conn (TLS included) */
  gboolean                 catching_up; /* backlog not all sent: no fan-out yet */
  gint64                   backlog_after;
  guint                    backlog_source;
  gint64                   sent_seq;    /* every event up to this one was sent */
  GQueue                   deferred;    /* DeferredAck* waiting for their events */
  gint64                   touched_at;  /* monotonic µs: session last marked used */
  guint                    replies_unread; /* replies queued while its socket was full */
} LiveConn;

/* An ack to a live push whose connection is catching up: sent once the
 * connection has been sent every event up to upto (events before acks). */
typedef struct
{
  gint64  upto;
  char   *text;
} DeferredAck;

static void
deferred_ack_free (DeferredAck *da)
{
  g_free (da->text);
  g_free (da);
}

struct _Server
{
  CairnServerCore *core;
  SoupServer      *soup;
  GMainLoop       *loop;
  GHashTable      *live;          /* workspace id -> GPtrArray of LiveConn* */
  GHashTable      *live_per_user; /* user id (gint64*) -> count */
  guint            max_live_per_user;
  GHashTable      *addr_counts;   /* address key -> connections (see AddrSlot) */
  guint            max_conns_per_address;
  guint            request_timeout_s;
  guint            live_recheck;  /* timeout source of recheck_live() */
  gboolean         trust_proxy;
  gboolean         shutting_down;
  guint            in_flight;     /* paused requests (logins, pushes waiting for their commit) */
  guint            shutdown_timeout;
  GPtrArray       *pending;       /* PendingPush* of the open group, in push order */
  guint            pending_events;
  guint            commit_source; /* idle that commits the open group */
  guint            checks_running; /* password checks on worker threads */
  GQueue           checks_waiting; /* GTask* of logins waiting for a turn */
  guint            max_checks_waiting;
  guint            check_delay_ms; /* test only: added to every password check */
};

/* A push stored in the open group, answered once the group commits: an
 * HTTP one (msg, paused) or one over a live WebSocket (conn and the push's
 * message id). */
typedef struct
{
  SoupServerMessage       *msg;
  SoupWebsocketConnection *conn;
  char                    *id;
  char                    *workspace_id;
  CairnPushReply    *reply;
  GPtrArray         *appended;
} PendingPush;

static void
pending_push_free (PendingPush *pp)
{
  g_clear_object (&pp->msg);
  g_clear_object (&pp->conn);
  g_free (pp->id);
  g_free (pp->workspace_id);
  g_clear_pointer (&pp->reply, cairn_push_reply_free);
  g_clear_pointer (&pp->appended, g_ptr_array_unref);
  g_free (pp);
}

/* ---- logging ------------------------------------------------------------ */

static void
log_line (const char *kind,
          const char *method,
          const char *path,
          guint       status,
          double      duration_ms,
          const char *remote)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *ts = g_date_time_format_iso8601 (now);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, ts);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, kind);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, method ? method : "");
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, path ? path : "");
  json_builder_set_member_name (b, "status");
  json_builder_add_int_value (b, status);
  json_builder_set_member_name (b, "duration_ms");
  json_builder_add_double_value (b, duration_ms);
  json_builder_set_member_name (b, "remote");
  json_builder_add_string_value (b, remote ? remote : "");
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = cairn_protocol_to_string (root, NULL);
  fprintf (stderr, "%s\n", text);
  fflush (stderr);
}

static const char *
remote_address (Server            *self,
                SoupServerMessage *msg)
{
  if (self->trust_proxy)
    {
      const char *xff = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                      "X-Forwarded-For");

      /* The proxy appends the peer it saw: the last entry is the one to trust. */
      if (xff != NULL && *xff != '\0')
        {
          const char *last = strrchr (xff, ',');
          const char *addr = last ? last + 1 : xff;

          while (*addr == ' ')
            addr++;
          if (*addr != '\0')
            return addr;
        }
    }
  return soup_server_message_get_remote_host (msg);
}

/* ---- connections per address ------------------------------------------- */

/* One connection (directly: a socket; behind a proxy: a request in
 * progress) counted under its client address, uncounted when freed. It
 * holds its own reference to the table, since a socket may be finalized
 * after the server let go of it, and perhaps on another thread (the last
 * reference to a paused login's message can be dropped by its worker). */
typedef struct
{
  GHashTable *counts;
  char       *key;
} AddrSlot;

static GMutex addr_counts_lock;

/* For tests only (CAIRN_SERVER_TEST_MAX_ARGS_BYTES): a lower limit on one
 * event's args than the protocol's, so that a test can make the server
 * refuse an event that a client committed. 0: the protocol's limit only. */
static gsize test_max_args_bytes;

static gboolean
check_test_args_limit (GPtrArray  *events,
                       GError    **error)
{
  for (guint i = 0; test_max_args_bytes > 0 && i < events->len; i++)
    {
      const CairnWireEvent *ev = g_ptr_array_index (events, i);
      gsize n = strlen (ev->args_json);

      if (n > test_max_args_bytes)
        {
          g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ARGS_TOO_LARGE,
                       "event: \"args\" of %s is %" G_GSIZE_FORMAT " bytes, more than the "
                       "limit of %" G_GSIZE_FORMAT " (CAIRN_SERVER_TEST_MAX_ARGS_BYTES)",
                       ev->name, n, test_max_args_bytes);
          return FALSE;
        }
    }
  return TRUE;
}

static void
addr_slot_free (AddrSlot *slot)
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
static AddrSlot *
addr_slot_take (Server     *self,
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
  GSocket *socket = soup_server_message_get_socket (msg);
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
  if (!(slot = addr_slot_take (self, soup_server_message_get_remote_host (msg))))
    {
      g_object_set_data (G_OBJECT (socket), "cairn-over-limit", GINT_TO_POINTER (1));
      return TRUE;
    }
  g_object_set_data_full (G_OBJECT (socket), "cairn-addr-slot", slot, (GDestroyNotify) addr_slot_free);
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
  GSocket *socket = soup_server_message_get_socket (rd->msg);

  rd->source = 0;
  /* libsoup sees the end of the stream and drops the connection and its
   * message itself; nothing was handled, so nothing changes. */
  if (socket != NULL && !g_socket_is_closed (socket))
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

static void refuse_and_close (Server             *self,
                              SoupServerMessage  *msg,
                              CairnProtocolError  code,
                              const char         *message);

/* A body is refused from its Content-Length before it is read (see
 * handle_early()); this holds the limit for any body libsoup reads all
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
      refuse_and_close (self, msg, CAIRN_PROTOCOL_ERROR_BODY_TOO_LARGE, text);
    }
}

/* Emitted as soon as a connection waits for its next request (before any
 * byte of it has arrived). */
static void
on_request_started (SoupServer        *soup,
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
  if (soup_server_message_get_socket (msg) != NULL)
    g_object_set_data (G_OBJECT (soup_server_message_get_socket (msg)), "cairn-idle-watch", NULL);
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
static void
on_request_read (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  g_object_set_data (G_OBJECT (msg), "cairn-read-deadline", NULL);
}

static void
on_request_done (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  Server *self = user_data;
  gint64 *start = g_object_get_data (G_OBJECT (msg), "cairn-start");
  GUri *uri = soup_server_message_get_uri (msg);
  double ms = start ? (g_get_monotonic_time () - *start) / 1000.0 : 0;
  GSocket *socket = soup_server_message_get_socket (msg);

  /* Behind a proxy: the request no longer counts for its address. */
  g_object_set_data (G_OBJECT (msg), "cairn-addr-slot", NULL);
  /* A connection that may now wait for its next request (not one that
   * became a live WebSocket, nor one refused over its address's limit). */
  if (socket != NULL && !g_socket_is_closed (socket) &&
      g_object_get_data (G_OBJECT (socket), "cairn-live-socket") == NULL &&
      g_object_get_data (G_OBJECT (socket), "cairn-over-limit") == NULL)
    watch_idle_connection (self, socket);
  log_line ("request", soup_server_message_get_method (msg),
            uri ? g_uri_get_path (uri) : "",
            soup_server_message_get_status (msg), ms, remote_address (self, msg));
}

/* ---- answers -------------------------------------------------------------- */

static void
answer_json (SoupServerMessage *msg,
             guint              status,
             JsonNode          *node)
{
  gsize len = 0;
  char *text = cairn_protocol_to_string (node, &len);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
}

static void
answer_error_full (SoupServerMessage  *msg,
                   CairnProtocolError  code,
                   const char         *message,
                   const char         *client_id,
                   gint64              expected,
                   gint64              retry_after)
{
  g_autoptr(JsonNode) node = cairn_protocol_encode_error (code, message, client_id, expected, retry_after);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (code == CAIRN_PROTOCOL_ERROR_UNAUTHORIZED)
    soup_message_headers_replace (headers, "WWW-Authenticate", "Bearer realm=\"cairn\"");
  if (retry_after > 0)
    {
      g_autofree char *s = g_strdup_printf ("%" G_GINT64_FORMAT, retry_after);
      soup_message_headers_replace (headers, "Retry-After", s);
    }
  answer_json (msg, cairn_protocol_error_status (code), node);
}

static void
answer_error (SoupServerMessage  *msg,
              CairnProtocolError  code,
              const char         *message)
{
  answer_error_full (msg, code, message, NULL, 0, 0);
}

/* What a client is told when the database cannot be written (a full disk,
 * an I/O error): nothing was stored, reads still work, and the same
 * request may succeed later. The detail (the file, SQLite's words) is for
 * the server log only. */
#define STORAGE_FULL_TEXT "The server cannot store anything right now (its disk is full or failing); try again later"
#define STORAGE_FULL_RETRY_AFTER 30

static gboolean
is_storage_full (const GError *error)
{
  return g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL);
}

/* Answers a GError; internal failures are logged with their detail and
 * answered without it. */
static void
answer_gerror (SoupServerMessage *msg,
               const GError      *error)
{
  if (is_storage_full (error))
    {
      g_warning ("Storage error: %s", error->message);
      answer_error_full (msg, CAIRN_PROTOCOL_ERROR_STORAGE_FULL, STORAGE_FULL_TEXT,
                         NULL, 0, STORAGE_FULL_RETRY_AFTER);
      return;
    }
  if (error->domain != CAIRN_PROTOCOL_ERROR || error->code == CAIRN_PROTOCOL_ERROR_INTERNAL)
    {
      g_warning ("Internal error: %s", error->message);
      answer_error (msg, CAIRN_PROTOCOL_ERROR_INTERNAL, "Internal server error; see the server log");
      return;
    }
  answer_error (msg, error->code, error->message);
}

static void
answer_method_not_allowed (SoupServerMessage *msg,
                           const char        *allow)
{
  g_autofree char *text = g_strdup_printf ("Method %s is not allowed here; use %s",
                                           soup_server_message_get_method (msg), allow);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
  answer_error (msg, CAIRN_PROTOCOL_ERROR_METHOD_NOT_ALLOWED, text);
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
  g_clear_pointer (&r->slot, addr_slot_free);
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
static void
refuse_and_close (Server             *self,
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
  log_line ("request", soup_server_message_get_method (msg), uri ? g_uri_get_path (uri) : "", status,
            start ? (g_get_monotonic_time () - *start) / 1000.0 : 0, remote_address (self, msg));
  r = g_new0 (Refusal, 1);
  r->cancellable = g_cancellable_new ();
  /* The connection keeps its place under its address while it lingers. */
  if (soup_server_message_get_socket (msg) != NULL)
    r->slot = g_object_steal_data (G_OBJECT (soup_server_message_get_socket (msg)), "cairn-addr-slot");
  {
    gsize len = strlen (text);

    r->answer = g_bytes_new_take (g_steal_pointer (&text), len);
  }
  r->stream = soup_server_message_steal_connection (msg);
  if (r->stream == NULL)
    {
      g_clear_pointer (&r->slot, addr_slot_free);
      g_object_unref (r->cancellable);
      g_bytes_unref (r->answer);
      g_free (r);
      return;
    }
  g_output_stream_write_all_async (g_io_stream_get_output_stream (r->stream),
                                   g_bytes_get_data (r->answer, NULL), g_bytes_get_size (r->answer),
                                   G_PRIORITY_DEFAULT, r->cancellable, on_refusal_written, r);
}

/* ---- request helpers -------------------------------------------------------- */

static JsonNode *
read_body (SoupServerMessage *msg,
           GError           **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  return cairn_protocol_parse (data ? data : "", len, CAIRN_PROTOCOL_MAX_BODY_BYTES, error);
}

static char *
bearer_token (SoupServerMessage *msg)
{
  const char *h = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                "Authorization");

  if (h == NULL || g_ascii_strncasecmp (h, "Bearer ", 7) != 0)
    return NULL;
  h += 7;
  while (*h == ' ')
    h++;
  return g_strdup (h);
}

static CairnAuth *
authenticate (Server            *self,
              SoupServerMessage *msg)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = bearer_token (msg);
  CairnAuth *auth;

  if (token == NULL)
    {
      answer_error (msg, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                    "Missing \"Authorization: Bearer TOKEN\" header; log in with POST /v1/session");
      return NULL;
    }
  if (!(auth = cairn_server_core_authenticate (self->core, token, &error)))
    answer_gerror (msg, error);
  return auth;
}

/* Ends the main loop once a shutdown has nothing left to wait for. */
static void
maybe_finish_shutdown (Server *self)
{
  if (self->shutting_down && self->live != NULL &&
      g_hash_table_size (self->live) == 0 && self->in_flight == 0 &&
      g_main_loop_is_running (self->loop))
    g_main_loop_quit (self->loop);
}

/* ---- live connections ----------------------------------------------------- */

static void
live_conn_free (LiveConn *lc)
{
  /* No callback may see lc after this, even if libsoup keeps conn alive
   * a little longer while it closes. */
  if (lc->conn != NULL)
    g_signal_handlers_disconnect_by_data (lc->conn, lc);
  if (lc->backlog_source != 0)
    g_source_remove (lc->backlog_source);
  if (lc->conn != NULL)
    g_object_set_data (G_OBJECT (lc->conn), "cairn-live-conn", NULL);
  g_queue_clear_full (&lc->deferred, (GDestroyNotify) deferred_ack_free);
  g_clear_object (&lc->socket);
  g_clear_object (&lc->conn);
  g_free (lc->workspace_id);
  if (lc->token != NULL)
    sodium_memzero (lc->token, strlen (lc->token));
  g_free (lc->token);
  g_clear_pointer (&lc->auth, cairn_auth_free);
  g_free (lc);
}

static guint
live_count_for_user (Server *self,
                     gint64  user_id)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->live_per_user, &user_id));
}

static void
live_count_add (Server *self,
                gint64  user_id,
                int     delta)
{
  guint n = live_count_for_user (self, user_id) + delta;

  if (n == 0)
    g_hash_table_remove (self->live_per_user, &user_id);
  else
    {
      gint64 *key = g_new (gint64, 1);

      *key = user_id;
      g_hash_table_replace (self->live_per_user, key, GUINT_TO_POINTER (n));
    }
}

static void
send_node (SoupWebsocketConnection *conn,
           JsonNode                *node)
{
  g_autofree char *text = cairn_protocol_to_string (node, NULL);

  if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (conn, text);
}

/* The "events" messages for events, each within MAX_PAGE_BYTES, as text. */
static GPtrArray *
encode_event_pages (GPtrArray *events,
                    gint64     head)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) page = g_ptr_array_new ();
  gsize bytes = 0;

  for (guint i = 0; i <= events->len; i++)
    {
      CairnWireEvent *ev = i < events->len ? g_ptr_array_index (events, i) : NULL;
      gsize size = ev ? cairn_wire_event_size_bound (ev) : 0;

      if (page->len > 0 && (ev == NULL || bytes + size > CAIRN_PROTOCOL_MAX_PAGE_BYTES - 4096))
        {
          g_ptr_array_add (texts, cairn_protocol_live_events_to_text (page, head, NULL));
          g_ptr_array_set_size (page, 0);
          bytes = 0;
        }
      if (ev != NULL)
        {
          g_ptr_array_add (page, ev);
          bytes += size;
        }
    }
  return texts;
}

static gboolean live_socket_full (LiveConn *lc);
static gboolean on_backlog_retry (gpointer user_data);

/* Sends newly committed events to every live connection of the workspace. */
static void
fan_out (Server     *self,
         const char *workspace_id,
         GPtrArray  *appended,
         gint64      head)
{
  GPtrArray *conns = g_hash_table_lookup (self->live, workspace_id);
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(GHashTable) allowed = NULL;   /* session id -> GINT (1 yes, 2 no) */

  if (conns == NULL || conns->len == 0 || appended == NULL || appended->len == 0)
    return;
  /* Encoded once; the same text goes to every listener. */
  texts = encode_event_pages (appended, head);
  allowed = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < conns->len; i++)
    {
      LiveConn *lc = g_ptr_array_index (conns, i);
      int verdict;

      if (soup_websocket_connection_get_state (lc->conn) != SOUP_WEBSOCKET_STATE_OPEN)
        continue;
      /* Still sending its backlog, which reads these events from the
       * database in their turn (they are committed already). */
      if (lc->catching_up)
        continue;
      /* The session may have been revoked or the user removed, also by an
       * admin command in another process: such a listener gets nothing more. */
      verdict = GPOINTER_TO_INT (g_hash_table_lookup (allowed, lc->auth->session_id));
      if (verdict == 0)
        {
          /* One check per session and fan-out, however many of its
           * connections listen. */
          verdict = cairn_server_core_still_allowed (self->core, lc->auth, workspace_id) ? 1 : 2;
          g_hash_table_insert (allowed, lc->auth->session_id, GINT_TO_POINTER (verdict));
        }
      if (verdict == 2)
        {
          g_ptr_array_add (refused, g_object_ref (lc->conn));
          continue;
        }
      if (live_socket_full (lc))
        {
          /* Not reading (or slow): rather than queue without bound, it
           * goes back to being sent pages from the database as its
           * socket drains, starting after what it was sent. */
          lc->catching_up = TRUE;
          lc->backlog_after = lc->sent_seq;
          if (lc->backlog_source == 0)
            lc->backlog_source = g_timeout_add (BACKLOG_RETRY_MS, on_backlog_retry, lc);
          continue;
        }
      for (guint k = 0; k < texts->len; k++)
        soup_websocket_connection_send_text (lc->conn, g_ptr_array_index (texts, k));
      lc->sent_seq = ((CairnWireEvent *) g_ptr_array_index (appended, appended->len - 1))->seq;
    }
  /* Closed after the loop: "closed" may change conns. */
  for (guint i = 0; i < refused->len; i++)
    soup_websocket_connection_close (g_ptr_array_index (refused, i),
                                     SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "no longer allowed");
}

/* Closes, with 1008, every live connection whose session is gone or
 * expired or whose user is no longer a member of its workspace; for the
 * others, an open live connection counts as use of its session (marked at
 * most once per cairn_server_core_live_touch_interval()). */
static gboolean
recheck_live (gpointer user_data)
{
  Server *self = user_data;
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) touched = g_hash_table_new (g_str_hash, g_str_equal);
  gint64 now = g_get_monotonic_time ();
  gint64 touch_us = cairn_server_core_live_touch_interval (self->core) * 1000;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->live);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *conns = value;
      /* One check per session and workspace. */
      g_autoptr(GHashTable) allowed = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint i = 0; i < conns->len; i++)
        {
          LiveConn *lc = g_ptr_array_index (conns, i);
          int verdict;

          if (lc->conn == NULL || soup_websocket_connection_get_state (lc->conn) != SOUP_WEBSOCKET_STATE_OPEN)
            continue;
          verdict = GPOINTER_TO_INT (g_hash_table_lookup (allowed, lc->auth->session_id));
          if (verdict == 0)
            {
              verdict = cairn_server_core_still_allowed (self->core, lc->auth, key) ? 1 : 2;
              g_hash_table_insert (allowed, lc->auth->session_id, GINT_TO_POINTER (verdict));
            }
          if (verdict == 2)
            {
              g_ptr_array_add (refused, g_object_ref (lc->conn));
              continue;
            }
          if (now - lc->touched_at >= touch_us)
            {
              g_autoptr(GError) error = NULL;

              /* Once per session and walk, however many connections it has. */
              if (!g_hash_table_contains (touched, lc->auth->session_id))
                {
                  if (!cairn_server_core_touch_session (self->core, lc->auth, &error))
                    {
                      g_warning ("Cannot mark a live session as used: %s", error->message);
                      continue;
                    }
                  g_hash_table_add (touched, lc->auth->session_id);
                }
              lc->touched_at = now;
            }
        }
    }
  /* Closed after the walk: "closed" changes the table. */
  for (guint i = 0; i < refused->len; i++)
    soup_websocket_connection_close (g_ptr_array_index (refused, i),
                                     SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "no longer allowed");
  return G_SOURCE_CONTINUE;
}

/* Closes the live connections that match (NULL matches anything). */
static void
close_live (Server     *self,
            const char *workspace_id,
            const char *username,
            const char *session_id,
            gushort     code,
            const char *reason)
{
  g_autoptr(GPtrArray) victims = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key, value;

  /* Collect first: "closed" may remove entries from the table. */
  g_hash_table_iter_init (&iter, self->live);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *conns = value;

      if (workspace_id != NULL && !g_str_equal (key, workspace_id))
        continue;
      for (guint i = 0; i < conns->len; i++)
        {
          LiveConn *lc = g_ptr_array_index (conns, i);

          if (username != NULL && !g_str_equal (lc->auth->username, username))
            continue;
          if (session_id != NULL && !g_str_equal (lc->auth->session_id, session_id))
            continue;
          g_ptr_array_add (victims, g_object_ref (lc->conn));
        }
    }
  for (guint i = 0; i < victims->len; i++)
    {
      SoupWebsocketConnection *conn = g_ptr_array_index (victims, i);

      if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (conn, code, reason);
    }
}

static void
on_live_closed (SoupWebsocketConnection *conn,
                gpointer                 user_data)
{
  LiveConn *lc = user_data;
  Server *self = lc->server;
  GPtrArray *conns = self->live ? g_hash_table_lookup (self->live, lc->workspace_id) : NULL;

  log_line ("live-closed", "WS", lc->workspace_id, soup_websocket_connection_get_close_code (conn),
            0, NULL);
  g_signal_handlers_disconnect_by_data (conn, lc);
  live_count_add (self, lc->auth->user_id, -1);
  if (conns != NULL)
    {
      g_autofree char *ws = g_strdup (lc->workspace_id);

      g_ptr_array_remove_fast (conns, lc);   /* frees lc */
      if (conns->len == 0)
        g_hash_table_remove (self->live, ws);
    }
  else
    live_conn_free (lc);

  maybe_finish_shutdown (self);
}

static void schedule_group_commit (Server *self);
static void live_reply (LiveConn   *lc,
                        const char *text);

static void
live_push (LiveConn *lc,
           GBytes   *message)
{
  Server *self = lc->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) appended = NULL;
  g_autoptr(CairnPushReply) reply = NULL;
  g_autoptr(CairnAuth) auth = NULL;
  g_autofree char *id = NULL;
  g_autofree char *gap_client = NULL;
  gint64 expected = 0;
  gsize len = 0;
  const char *data = g_bytes_get_data (message, &len);

  if (!(root = cairn_protocol_parse (data ? data : "", len, CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES, &error)))
    goto fail;
  if (!(events = cairn_protocol_decode_push_request (root, TRUE, &id, &error)) ||
      !check_test_args_limit (events, &error))
    {
      /* Answer with the id when the message got that far. */
      JsonObject *obj = json_node_get_object (root);
      JsonNode *idn = json_object_get_member (obj, "id");

      if (idn != NULL && JSON_NODE_HOLDS_VALUE (idn) && json_node_get_value_type (idn) == G_TYPE_STRING &&
          cairn_protocol_is_label (json_node_get_string (idn), CAIRN_PROTOCOL_MAX_MESSAGE_ID_BYTES))
        id = g_strdup (json_node_get_string (idn));
      goto fail;
    }
  if (self->shutting_down)
    {
      g_set_error_literal (&error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_SHUTTING_DOWN,
                           "The server is shutting down; push again after reconnecting");
      goto fail;
    }
  /* The token may have been revoked since the connection opened. */
  if (!(auth = cairn_server_core_authenticate (self->core, lc->token, &error)))
    goto fail;
  /* Joins the open group like an HTTP push; acknowledged (after its
   * events went to the listeners) once the group is committed. */
  if (!(reply = cairn_server_core_push_grouped (self->core, auth, lc->workspace_id, events,
                                                &appended, &gap_client, &expected, &error)))
    goto fail;
  {
    PendingPush *pp = g_new0 (PendingPush, 1);

    pp->conn = g_object_ref (lc->conn);
    pp->id = g_steal_pointer (&id);
    pp->workspace_id = g_strdup (lc->workspace_id);
    pp->reply = g_steal_pointer (&reply);
    pp->appended = g_steal_pointer (&appended);
    self->pending_events += pp->appended->len;
    g_ptr_array_add (self->pending, pp);
    self->in_flight++;
    schedule_group_commit (self);
  }
  return;

fail:
  {
    g_autoptr(JsonNode) node = NULL;
    CairnProtocolError code = CAIRN_PROTOCOL_ERROR_INTERNAL;
    const char *text = "Internal server error; see the server log";

    if (is_storage_full (error))
      {
        g_warning ("Storage error on a live push: %s", error->message);
        code = CAIRN_PROTOCOL_ERROR_STORAGE_FULL;
        text = STORAGE_FULL_TEXT;
      }
    else if (error->domain == CAIRN_PROTOCOL_ERROR && error->code != CAIRN_PROTOCOL_ERROR_INTERNAL)
      {
        code = error->code;
        text = error->message;
      }
    else
      g_warning ("Internal error on a live push: %s", error->message);
    node = cairn_protocol_encode_live_error (id, code, text, gap_client, expected);
    {
      g_autofree char *reply = cairn_protocol_to_string (node, NULL);

      live_reply (lc, reply);
    }
    if (code == CAIRN_PROTOCOL_ERROR_UNAUTHORIZED &&
        soup_websocket_connection_get_state (lc->conn) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (lc->conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "unauthorized");
  }
}

static void
on_live_message (SoupWebsocketConnection *conn,
                 gint                     type,
                 GBytes                  *message,
                 gpointer                 user_data)
{
  LiveConn *lc = user_data;

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_autoptr(JsonNode) node =
        cairn_protocol_encode_live_error (NULL, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                                          "Binary WebSocket messages are not accepted; send JSON text",
                                          NULL, 0);
      send_node (conn, node);
      soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA, "binary message");
      return;
    }
  live_push (lc, message);
}

static void
on_live_error (SoupWebsocketConnection *conn,
               GError                  *error,
               gpointer                 user_data)
{
  LiveConn *lc = user_data;

  g_message ("Live connection to %s failed: %s", lc->workspace_id, error->message);
}

/* Whether lc's socket is too full for another backlog page: its kernel
 * send queue holds BACKLOG_LOW_WATER bytes, or a quarter of the send
 * buffer when that is smaller (a buffer that never grows past 256 KiB
 * must still hold the pages back). FALSE when unknown. */
static gboolean
live_socket_full (LiveConn *lc)
{
  int queued = 0;
  gint sndbuf = 0;
  gsize limit = BACKLOG_LOW_WATER;

  if (lc->socket == NULL || ioctl (g_socket_get_fd (lc->socket), TIOCOUTQ, &queued) != 0 || queued < 0)
    return FALSE;
  /* Linux reports twice the data capacity (bookkeeping included). */
  if (g_socket_get_option (lc->socket, SOL_SOCKET, SO_SNDBUF, &sndbuf, NULL) && sndbuf > 0)
    limit = MIN (limit, (gsize) sndbuf / 4);
  return (gsize) queued >= limit;
}

/* Sends a reply to one of lc's pushes, unless lc does not read what it is
 * sent (see MAX_REPLIES_UNREAD): then it is closed instead. */
static void
live_reply (LiveConn   *lc,
            const char *text)
{
  if (soup_websocket_connection_get_state (lc->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  if (!live_socket_full (lc))
    lc->replies_unread = 0;
  else if (++lc->replies_unread > MAX_REPLIES_UNREAD)
    {
      soup_websocket_connection_close (lc->conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                                       "replies not read");
      return;
    }
  soup_websocket_connection_send_text (lc->conn, text);
}

/* Sends the deferred acks whose events lc has been sent. */
static void
flush_deferred_acks (LiveConn *lc)
{
  DeferredAck *da;

  while ((da = g_queue_peek_head (&lc->deferred)) != NULL && da->upto <= lc->sent_seq)
    {
      g_queue_pop_head (&lc->deferred);
      live_reply (lc, da->text);
      deferred_ack_free (da);
    }
}

/* Sends backlog pages while the socket keeps up; when all is sent the
 * connection joins the fan-out. Everything runs on the main loop, so no
 * event is committed between the last page and joining. */
static void
send_backlog (LiveConn *lc)
{
  Server *self = lc->server;
  g_autoptr(GError) error = NULL;

  while (soup_websocket_connection_get_state (lc->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_autoptr(CairnPullReply) page = NULL;
      g_autoptr(GPtrArray) texts = NULL;

      if (live_socket_full (lc))
        {
          lc->backlog_source = g_timeout_add (BACKLOG_RETRY_MS, on_backlog_retry, lc);
          return;
        }
      if (!(page = cairn_server_core_pull (self->core, lc->auth, lc->workspace_id, lc->backlog_after,
                                           CAIRN_PROTOCOL_DEFAULT_PULL_LIMIT, &error)))
        break;
      if (page->events->len == 0)
        {
          lc->catching_up = FALSE;
          lc->sent_seq = MAX (lc->sent_seq, page->head);
          flush_deferred_acks (lc);
          return;
        }
      texts = encode_event_pages (page->events, page->head);
      for (guint k = 0; k < texts->len; k++)
        soup_websocket_connection_send_text (lc->conn, g_ptr_array_index (texts, k));
      lc->backlog_after = ((CairnWireEvent *) g_ptr_array_index (page->events, page->events->len - 1))->seq;
      lc->sent_seq = lc->backlog_after;
      flush_deferred_acks (lc);
    }
  if (error == NULL)
    return;   /* closed meanwhile */
  if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND))
    {
      /* Removed from the workspace (or it was deleted) meanwhile. */
      soup_websocket_connection_close (lc->conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "no longer allowed");
      return;
    }
  {
    g_autoptr(JsonNode) node = cairn_protocol_encode_live_error (NULL, CAIRN_PROTOCOL_ERROR_INTERNAL,
                                                                 "Internal server error; see the server log",
                                                                 NULL, 0);
    g_warning ("Cannot send the live backlog of %s: %s", lc->workspace_id, error->message);
    send_node (lc->conn, node);
    soup_websocket_connection_close (lc->conn, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, "internal error");
  }
}

static gboolean
on_backlog_retry (gpointer user_data)
{
  LiveConn *lc = user_data;

  lc->backlog_source = 0;
  send_backlog (lc);
  return G_SOURCE_REMOVE;
}

/* After the upgrade: hello, the backlog after `after`, then membership of
 * the fan-out set. Everything runs on the main loop, so no event can be
 * committed between the backlog and joining the set. */
static void
on_websocket (Server                  *self,
              LiveConn                *lc,
              gint64                   after,
              GSocket                 *socket,
              SoupWebsocketConnection *conn)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) hello = NULL;
  g_autofree char *history_id = NULL;
  gint64 head = 0;
  GPtrArray *conns;

  /* Events of an open group are fanned out when it commits: commit it
   * before this connection joins, so that they reach it once, through the
   * backlog below, and after the hello. */
  cairn_server_core_commit_group (self->core, NULL);
  lc->conn = g_object_ref (conn);
  if (socket != NULL)
    lc->socket = g_object_ref (socket);
  /* No longer an HTTP connection: live ones are counted per user
   * (--max-live-per-user), not against the address. */
  if (lc->socket != NULL)
    {
      g_object_set_data (G_OBJECT (lc->socket), "cairn-live-socket", GINT_TO_POINTER (1));
      g_object_set_data (G_OBJECT (lc->socket), "cairn-addr-slot", NULL);
      g_object_set_data (G_OBJECT (lc->socket), "cairn-idle-watch", NULL);
    }
  soup_websocket_connection_set_max_incoming_payload_size (conn, CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES);
  soup_websocket_connection_set_keepalive_interval (conn, KEEPALIVE_SECONDS);
  g_signal_connect (conn, "message", G_CALLBACK (on_live_message), lc);
  g_signal_connect (conn, "error", G_CALLBACK (on_live_error), lc);
  g_signal_connect (conn, "closed", G_CALLBACK (on_live_closed), lc);

  conns = g_hash_table_lookup (self->live, lc->workspace_id);
  if (conns == NULL)
    {
      conns = g_ptr_array_new_with_free_func ((GDestroyNotify) live_conn_free);
      g_hash_table_insert (self->live, g_strdup (lc->workspace_id), conns);
    }
  g_ptr_array_add (conns, lc);
  live_count_add (self, lc->auth->user_id, 1);

  if (!cairn_server_core_head (self->core, lc->auth, lc->workspace_id, &head, &history_id, &error))
    goto fail;
  hello = cairn_protocol_encode_live_hello (head, history_id);
  send_node (conn, hello);

  lc->backlog_after = after;
  lc->sent_seq = MIN (after, head);
  g_object_set_data (G_OBJECT (conn), "cairn-live-conn", lc);
  lc->catching_up = after < head;
  if (lc->catching_up)
    send_backlog (lc);
  return;

fail:
  {
    g_autoptr(JsonNode) node = cairn_protocol_encode_live_error (NULL, CAIRN_PROTOCOL_ERROR_INTERNAL,
                                                                 "Internal server error; see the server log",
                                                                 NULL, 0);
    g_warning ("Cannot start the live stream of %s: %s", lc->workspace_id, error->message);
    send_node (conn, node);
    soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, "internal error");
  }
}

/* A message (in fragments) grew past the limit: close as the protocol says. */
static void
on_live_too_big (GIOStream               *stream,
                 SoupWebsocketConnection *conn)
{
  if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "message over 1 MiB");
}

/* The 101 answer is written: the connection becomes the live WebSocket,
 * read through the message size limit (cairn-ws-limit.h). */
static void
on_live_upgrade (SoupServerMessage *msg,
                 gpointer           user_data)
{
  Server *self = user_data;
  LiveConn *lc = g_object_steal_data (G_OBJECT (msg), "cairn-live");
  gint64 after = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg), "cairn-after")) - 1;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GIOStream) base = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(SoupWebsocketConnection) conn = NULL;

  g_signal_handlers_disconnect_by_func (msg, on_live_upgrade, user_data);
  if (lc == NULL)
    return;
  if (soup_server_message_get_socket (msg) != NULL)
    socket = g_object_ref (soup_server_message_get_socket (msg));
  uri = g_uri_ref (soup_server_message_get_uri (msg));
  /* msg may be gone after this. */
  if (!(base = soup_server_message_steal_connection (msg)))
    {
      live_conn_free (lc);
      return;
    }
  stream = cairn_ws_limit_stream_new (base, CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES);
  conn = soup_websocket_connection_new (stream, uri, SOUP_WEBSOCKET_CONNECTION_SERVER, NULL, NULL, NULL);
  g_signal_connect_object (stream, "too-big", G_CALLBACK (on_live_too_big), conn, 0);
  on_websocket (self, lc, after, socket, conn);
}

/* GET …/live: everything is checked before the upgrade, so that a refused
 * live request gets a plain HTTP error like every other call. */
static void
handle_live (Server            *self,
             SoupServerMessage *msg,
             CairnAuth         *auth,
             const char        *ws,
             GHashTable        *query)
{
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  LiveConn *lc;
  gint64 after;

  if (!g_str_equal (soup_server_message_get_method (msg), "GET"))
    return answer_method_not_allowed (msg, "GET");
  if (!cairn_protocol_parse_after (query ? g_hash_table_lookup (query, "after") : NULL, &after, &error) ||
      !cairn_server_core_check_member (self->core, auth, ws, &error))
    return answer_gerror (msg, error);
  if (!soup_message_headers_header_contains (headers, "Upgrade", "websocket"))
    return answer_error (msg, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                         "This endpoint needs a WebSocket upgrade (Upgrade: websocket)");
  {
    g_autoptr(GError) hs_error = NULL;

    /* Rather than libsoup's HTML answer to a broken handshake. */
    if (!soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, &hs_error))
      {
        g_autofree char *text = g_strdup_printf ("Bad WebSocket handshake: %s", hs_error->message);

        return answer_error (msg, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, text);
      }
  }
  if (live_count_for_user (self, auth->user_id) >= self->max_live_per_user)
    return answer_error (msg, CAIRN_PROTOCOL_ERROR_TOO_MANY_CONNECTIONS,
                         "Too many live connections for this user; close some first");

  lc = g_new0 (LiveConn, 1);
  lc->server = self;
  /* authenticate() has just marked the session used. */
  lc->touched_at = g_get_monotonic_time ();
  lc->workspace_id = g_strdup (ws);
  lc->token = bearer_token (msg);
  /* The caller owns auth; the connection outlives this request. */
  lc->auth = g_new0 (CairnAuth, 1);
  lc->auth->user_id = auth->user_id;
  lc->auth->username = g_strdup (auth->username);
  lc->auth->session_id = g_strdup (auth->session_id);
  lc->auth->device = g_strdup (auth->device);
  g_object_set_data_full (G_OBJECT (msg), "cairn-live", lc, (GDestroyNotify) live_conn_free);
  g_object_set_data (G_OBJECT (msg), "cairn-after", GSIZE_TO_POINTER ((gsize) after + 1));
  /* No extension is offered: permessage-deflate would let a small frame
   * inflate past any limit, and the size limit counts wire bytes. */
  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
    return answer_error (msg, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "Bad WebSocket handshake");
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (on_live_upgrade), self);
}

/* ---- login --------------------------------------------------------------------- */

typedef struct
{
  Server              *server;
  SoupServerMessage   *msg;
  CairnSessionRequest *req;
  char                *address;
  char                *hash;
  guint                delay_ms;
  gboolean             ok;
} LoginJob;

static void
login_job_free (LoginJob *job)
{
  g_clear_object (&job->msg);
  g_clear_pointer (&job->req, cairn_session_request_free);
  g_free (job->address);
  g_free (job->hash);
  g_free (job);
}

static void
login_verify_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  LoginJob *job = task_data;

  if (job->delay_ms > 0)
    g_usleep ((gulong) job->delay_ms * 1000);
  job->ok = cairn_server_core_verify_password (job->hash, job->req->password);
  g_task_return_boolean (task, TRUE);
}

static void
login_verified (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LoginJob *job = g_task_get_task_data (G_TASK (result));
  Server *self = job->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnSessionReply) reply = NULL;

  if (!cairn_server_core_login_finish (self->core, job->req->username, job->address,
                                       job->req->device, job->ok, &reply, &error))
    answer_gerror (job->msg, error);
  else
    {
      g_autoptr(JsonNode) node = cairn_protocol_encode_session_reply (reply->token, reply->user,
                                                                      reply->device, reply->session_id);
      answer_json (job->msg, 201, node);
    }
  soup_server_message_unpause (job->msg);
  self->in_flight--;
  self->checks_running--;
  if (!g_queue_is_empty (&self->checks_waiting))
    {
      g_autoptr(GTask) next = g_queue_pop_head (&self->checks_waiting);

      self->checks_running++;
      g_task_run_in_thread (next, login_verify_thread);
    }
  maybe_finish_shutdown (self);
}

static void
handle_login (Server            *self,
              SoupServerMessage *msg)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(CairnSessionRequest) req = NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *hash = NULL;
  const char *address = remote_address (self, msg);
  gint64 retry_after = 0;
  LoginJob *job;

  if (!(root = read_body (msg, &error)) ||
      !(req = cairn_protocol_decode_session_request (root, &error)))
    return answer_gerror (msg, error);
  /* Every check slot busy and the queue full: refuse now rather than hold
   * one more paused request. Nothing was counted against the user or the
   * address, and no password was looked at. */
  if (self->checks_running >= MAX_PASSWORD_CHECKS &&
      g_queue_get_length (&self->checks_waiting) >= self->max_checks_waiting)
    {
      guint rounds = g_queue_get_length (&self->checks_waiting) / MAX_PASSWORD_CHECKS + 1;
      gint64 wait_s = MAX (1, ((gint64) rounds * (CHECK_ESTIMATE_MS + self->check_delay_ms) + 999) / 1000);

      return answer_error_full (msg, CAIRN_PROTOCOL_ERROR_RATE_LIMITED,
                                "Too many logins are waiting for a password check; try again shortly",
                                NULL, 0, wait_s);
    }
  if (!(hash = cairn_server_core_login_begin (self->core, req->username, address, &retry_after, &error)))
    {
      if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_RATE_LIMITED))
        return answer_error_full (msg, CAIRN_PROTOCOL_ERROR_RATE_LIMITED, error->message, NULL, 0, retry_after);
      return answer_gerror (msg, error);
    }

  job = g_new0 (LoginJob, 1);
  job->server = self;
  job->msg = g_object_ref (msg);
  job->req = g_steal_pointer (&req);
  job->address = g_strdup (address);
  job->hash = g_steal_pointer (&hash);
  job->delay_ms = self->check_delay_ms;
  task = g_task_new (NULL, NULL, login_verified, NULL);
  g_task_set_source_tag (task, handle_login);
  g_task_set_task_data (task, job, (GDestroyNotify) login_job_free);
  self->in_flight++;
  soup_server_message_pause (msg);
  if (self->checks_running < MAX_PASSWORD_CHECKS)
    {
      self->checks_running++;
      g_task_run_in_thread (task, login_verify_thread);
    }
  else
    g_queue_push_tail (&self->checks_waiting, g_steal_pointer (&task));
}

/* ---- routes -------------------------------------------------------------------- */

static gboolean
on_commit_idle (gpointer user_data)
{
  Server *self = user_data;

  self->commit_source = 0;
  /* The outcome reaches on_group_done(), which answers. */
  cairn_server_core_commit_group (self->core, NULL);
  return G_SOURCE_REMOVE;
}

/* The open group ended (committed, or error says why nothing was stored):
 * answer its pushes and send their events to the listeners, in push order. */
static void
on_group_done (const GError *error,
               gpointer      user_data)
{
  Server *self = user_data;
  g_autoptr(GPtrArray) done = g_steal_pointer (&self->pending);

  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_push_free);
  self->pending_events = 0;
  if (self->commit_source != 0)
    {
      g_source_remove (self->commit_source);
      self->commit_source = 0;
    }
  if (error != NULL)
    g_warning ("%s: a group of %u pushes was not stored: %s",
               is_storage_full (error) ? "Storage error" : "Internal error", done->len, error->message);
  for (guint i = 0; i < done->len; i++)
    {
      PendingPush *pp = g_ptr_array_index (done, i);

      if (pp->conn != NULL)
        {
          g_autoptr(JsonNode) node = NULL;

          if (error == NULL)
            {
              LiveConn *lc = g_object_get_data (G_OBJECT (pp->conn), "cairn-live-conn");

              fan_out (self, pp->workspace_id, pp->appended, pp->reply->head);
              pp->reply->id = g_steal_pointer (&pp->id);
              node = cairn_protocol_encode_push_reply (pp->reply);
              if (lc != NULL && lc->catching_up)
                {
                  /* Its events are still to be sent to it: the ack waits. */
                  DeferredAck *da = g_new0 (DeferredAck, 1);

                  da->upto = pp->reply->head;
                  da->text = cairn_protocol_to_string (node, NULL);
                  g_queue_push_tail (&lc->deferred, da);
                  if (g_queue_get_length (&lc->deferred) > MAX_DEFERRED_ACKS &&
                      soup_websocket_connection_get_state (lc->conn) == SOUP_WEBSOCKET_STATE_OPEN)
                    soup_websocket_connection_close (lc->conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                                                     "replies not read");
                  self->in_flight--;
                  continue;
                }
            }
          else if (is_storage_full (error))
            node = cairn_protocol_encode_live_error (pp->id, CAIRN_PROTOCOL_ERROR_STORAGE_FULL,
                                                     STORAGE_FULL_TEXT, NULL, 0);
          else
            node = cairn_protocol_encode_live_error (pp->id, CAIRN_PROTOCOL_ERROR_INTERNAL,
                                                     "Internal server error; see the server log",
                                                     NULL, 0);
          /* Nothing to answer when the connection closed meanwhile: the
           * client pushes again and gets the stored seqs. */
          {
            LiveConn *lc = g_object_get_data (G_OBJECT (pp->conn), "cairn-live-conn");
            g_autofree char *reply = cairn_protocol_to_string (node, NULL);

            if (lc != NULL)
              live_reply (lc, reply);
            else if (soup_websocket_connection_get_state (pp->conn) == SOUP_WEBSOCKET_STATE_OPEN)
              soup_websocket_connection_send_text (pp->conn, reply);
          }
          self->in_flight--;
          continue;
        }
      if (error == NULL)
        {
          gsize len = 0;
          char *text;

          fan_out (self, pp->workspace_id, pp->appended, pp->reply->head);
          text = cairn_protocol_push_reply_to_text (pp->reply, &len);
          soup_server_message_set_status (pp->msg, 200, NULL);
          soup_server_message_set_response (pp->msg, "application/json", SOUP_MEMORY_TAKE, text, len);
        }
      else if (is_storage_full (error))
        answer_error_full (pp->msg, CAIRN_PROTOCOL_ERROR_STORAGE_FULL, STORAGE_FULL_TEXT,
                           NULL, 0, STORAGE_FULL_RETRY_AFTER);
      else
        answer_error (pp->msg, CAIRN_PROTOCOL_ERROR_INTERNAL, "Internal server error; see the server log");
      soup_server_message_unpause (pp->msg);
      self->in_flight--;
    }
  maybe_finish_shutdown (self);
}

/* A push joins the open group; it is answered by on_group_done() after the
 * commit, which runs once the requests that arrived together are all read
 * (an idle source), or at once when the group is full. */
static void
handle_push (Server            *self,
             SoupServerMessage *msg,
             CairnAuth         *auth,
             const char        *ws)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) appended = NULL;
  g_autoptr(CairnPushReply) reply = NULL;
  g_autofree char *gap_client = NULL;
  gint64 expected = 0;
  PendingPush *pp;

  /* Membership first: a stranger learns nothing from the body checks. */
  if (!cairn_server_core_check_member (self->core, auth, ws, &error))
    return answer_gerror (msg, error);
  {
    g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
    gsize len = 0;
    const char *data = g_bytes_get_data (bytes, &len);

    /* The common shape without a tree; anything else (including every
     * bad body) through the general parser, which says what is wrong. */
    events = cairn_protocol_decode_push_fast (data, len);
  }
  if (events == NULL &&
      (!(root = read_body (msg, &error)) ||
       !(events = cairn_protocol_decode_push_request (root, FALSE, NULL, &error))))
    return answer_gerror (msg, error);
  if (!check_test_args_limit (events, &error))
    return answer_gerror (msg, error);
  g_clear_pointer (&root, json_node_unref);
  if (!(reply = cairn_server_core_push_grouped (self->core, auth, ws, events, &appended,
                                                &gap_client, &expected, &error)))
    {
      if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP))
        return answer_error_full (msg, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP, error->message,
                                  gap_client, expected, 0);
      return answer_gerror (msg, error);
    }
  pp = g_new0 (PendingPush, 1);
  pp->msg = g_object_ref (msg);
  pp->workspace_id = g_strdup (ws);
  pp->reply = g_steal_pointer (&reply);
  pp->appended = g_steal_pointer (&appended);
  self->pending_events += pp->appended->len;
  g_ptr_array_add (self->pending, pp);
  self->in_flight++;
  /* A status now (the answer itself is set when the group ends). */
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_pause (msg);
  schedule_group_commit (self);
}

/* After a push joined the open group: commit it once the requests that
 * arrived meanwhile are read (an idle source), or at once when full. */
static void
schedule_group_commit (Server *self)
{
  if (self->pending->len >= GROUP_MAX_PUSHES || self->pending_events >= GROUP_MAX_EVENTS)
    {
      /* Full: commit in the next main loop iteration, before more reads. */
      if (self->commit_source != 0)
        g_source_remove (self->commit_source);
      self->commit_source = g_idle_add_full (G_PRIORITY_HIGH, on_commit_idle, self, NULL);
    }
  else if (self->commit_source == 0)
    /* Below the sockets' priority: runs once every request that arrived
     * meanwhile has been read (and joined the group). */
    self->commit_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, on_commit_idle, self, NULL);
}

static void
handle_pull (Server            *self,
             SoupServerMessage *msg,
             CairnAuth         *auth,
             const char        *ws,
             GHashTable        *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPullReply) reply = NULL;
  gint64 after;
  guint limit;
  gsize len = 0;
  char *text;

  if (!cairn_server_core_check_member (self->core, auth, ws, &error) ||
      !cairn_protocol_parse_after (query ? g_hash_table_lookup (query, "after") : NULL, &after, &error) ||
      !cairn_protocol_parse_limit (query ? g_hash_table_lookup (query, "limit") : NULL, &limit, &error) ||
      !(reply = cairn_server_core_pull (self->core, auth, ws, after, limit, &error)))
    return answer_gerror (msg, error);
  /* Written as text: a page of a long catch-up is up to 1 MiB. */
  text = cairn_protocol_pull_reply_to_text (reply, &len);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
}

static void
handle_workspace (Server            *self,
                  SoupServerMessage *msg,
                  CairnAuth         *auth,
                  char             **parts,
                  guint              n,
                  GHashTable        *query)
{
  g_autoptr(GError) error = NULL;
  const char *method = soup_server_message_get_method (msg);
  const char *ws = parts[2];

  /* parts: v1 workspaces WS … */
  if (!cairn_is_object_id (ws))
    return answer_error (msg, CAIRN_PROTOCOL_ERROR_NOT_FOUND, "No such workspace");

  if (n == 4 && g_str_equal (parts[3], "events"))
    {
      if (g_str_equal (method, "POST"))
        return handle_push (self, msg, auth, ws);
      if (g_str_equal (method, "GET"))
        return handle_pull (self, msg, auth, ws, query);
      return answer_method_not_allowed (msg, "GET, POST");
    }
  if (n == 4 && g_str_equal (parts[3], "live"))
    return handle_live (self, msg, auth, ws, query);
  if (n == 4 && g_str_equal (parts[3], "members"))
    {
      if (g_str_equal (method, "GET"))
        {
          g_autoptr(GPtrArray) members = cairn_server_core_members (self->core, auth, ws, &error);
          g_autoptr(JsonNode) node = NULL;

          if (members == NULL)
            return answer_gerror (msg, error);
          node = cairn_protocol_encode_members (members);
          return answer_json (msg, 200, node);
        }
      if (g_str_equal (method, "POST"))
        {
          g_autoptr(JsonNode) root = NULL;
          g_autofree char *username = NULL;
          g_autoptr(GPtrArray) members = NULL;
          g_autoptr(JsonNode) node = NULL;

          if (!cairn_server_core_check_member (self->core, auth, ws, &error) ||
              !(root = read_body (msg, &error)) ||
              !(username = cairn_protocol_decode_member_request (root, &error)) ||
              !cairn_server_core_member_add (self->core, auth, ws, username, &error) ||
              !(members = cairn_server_core_members (self->core, auth, ws, &error)))
            return answer_gerror (msg, error);
          node = cairn_protocol_encode_members (members);
          return answer_json (msg, 200, node);
        }
      return answer_method_not_allowed (msg, "GET, POST");
    }
  if (n == 5 && g_str_equal (parts[3], "members"))
    {
      if (!g_str_equal (method, "DELETE"))
        return answer_method_not_allowed (msg, "DELETE");
      if (!cairn_server_core_check_member (self->core, auth, ws, &error))
        return answer_gerror (msg, error);
      if (!cairn_protocol_is_username (parts[4]))
        return answer_error (msg, CAIRN_PROTOCOL_ERROR_NOT_FOUND, "No such member");
      if (!cairn_server_core_member_remove (self->core, auth, ws, parts[4], &error))
        return answer_gerror (msg, error);
      close_live (self, ws, parts[4], NULL, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "removed from workspace");
      return soup_server_message_set_status (msg, 204, NULL);
    }
  answer_error (msg, CAIRN_PROTOCOL_ERROR_NOT_FOUND, "No such endpoint");
}

static void
handle_request (SoupServer        *soup,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Server *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnAuth) auth = NULL;
  g_auto(GStrv) parts = NULL;
  guint n;

  if (!g_str_has_prefix (path, "/v1/"))
    return answer_error (msg, CAIRN_PROTOCOL_ERROR_NOT_FOUND, "No such endpoint; the API lives under /v1/");
  /* libsoup decodes the query into C strings: "after=1%00x" would read
   * as "1". */
  {
    const char *raw = g_uri_get_query (soup_server_message_get_uri (msg));

    if (raw != NULL && (strstr (raw, "%00") != NULL))
      return answer_error (msg, CAIRN_PROTOCOL_ERROR_INVALID_PARAMETER,
                           "The query string holds an encoded NUL (%00)");
  }
  parts = g_strsplit (path + 1, "/", 0);
  n = g_strv_length (parts);
  for (guint i = 0; i < n; i++)
    if (*parts[i] == '\0')
      return answer_error (msg, CAIRN_PROTOCOL_ERROR_NOT_FOUND, "No such endpoint");

  if (n == 2 && g_str_equal (parts[1], "health"))
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      if (!g_str_equal (method, "GET") && !g_str_equal (method, "HEAD"))
        return answer_method_not_allowed (msg, "GET");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, self->shutting_down ? "shutting_down" : "ok");
      json_builder_set_member_name (b, "version");
      json_builder_add_string_value (b, PACKAGE_VERSION);
      json_builder_set_member_name (b, "protocol");
      json_builder_add_string_value (b, CAIRN_PROTOCOL_VERSION);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      return answer_json (msg, self->shutting_down ? 503 : 200, node);
    }

  if (self->shutting_down)
    return answer_error (msg, CAIRN_PROTOCOL_ERROR_SHUTTING_DOWN, "The server is shutting down");

  if (n == 2 && g_str_equal (parts[1], "session") && g_str_equal (method, "POST"))
    return handle_login (self, msg);

  if (!((n == 2 && (g_str_equal (parts[1], "session") || g_str_equal (parts[1], "sessions") ||
                    g_str_equal (parts[1], "workspaces"))) ||
        (n == 3 && g_str_equal (parts[1], "sessions")) ||
        (n >= 4 && n <= 5 && g_str_equal (parts[1], "workspaces"))))
    return answer_error (msg, CAIRN_PROTOCOL_ERROR_NOT_FOUND, "No such endpoint");

  if (!(auth = authenticate (self, msg)))
    return;

  if (n == 2 && g_str_equal (parts[1], "session"))
    {
      if (!g_str_equal (method, "DELETE"))
        return answer_method_not_allowed (msg, "POST, DELETE");
      if (!cairn_server_core_revoke_session (self->core, auth, auth->session_id, &error))
        return answer_gerror (msg, error);
      close_live (self, NULL, NULL, auth->session_id, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "logged out");
      return soup_server_message_set_status (msg, 204, NULL);
    }
  if (n == 2 && g_str_equal (parts[1], "sessions"))
    {
      g_autoptr(GPtrArray) sessions = NULL;
      g_autoptr(JsonNode) node = NULL;

      if (!g_str_equal (method, "GET"))
        return answer_method_not_allowed (msg, "GET");
      if (!(sessions = cairn_server_core_sessions (self->core, auth, &error)))
        return answer_gerror (msg, error);
      node = cairn_protocol_encode_sessions (sessions);
      return answer_json (msg, 200, node);
    }
  if (n == 3 && g_str_equal (parts[1], "sessions"))
    {
      if (!g_str_equal (method, "DELETE"))
        return answer_method_not_allowed (msg, "DELETE");
      if (!cairn_is_object_id (parts[2]))
        return answer_error (msg, CAIRN_PROTOCOL_ERROR_NOT_FOUND, "No such session");
      if (!cairn_server_core_revoke_session (self->core, auth, parts[2], &error))
        return answer_gerror (msg, error);
      close_live (self, NULL, NULL, parts[2], SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "session revoked");
      return soup_server_message_set_status (msg, 204, NULL);
    }
  if (n == 2 && g_str_equal (parts[1], "workspaces"))
    {
      g_autoptr(JsonNode) node = NULL;

      if (g_str_equal (method, "GET"))
        {
          g_autoptr(GPtrArray) list = cairn_server_core_workspaces (self->core, auth, &error);

          if (list == NULL)
            return answer_gerror (msg, error);
          node = cairn_protocol_encode_workspaces (list);
          return answer_json (msg, 200, node);
        }
      if (g_str_equal (method, "POST"))
        {
          g_autoptr(JsonNode) root = NULL;
          g_autofree char *name = NULL;
          g_autoptr(CairnWorkspaceInfo) ws = NULL;

          if (!(root = read_body (msg, &error)) ||
              !(name = cairn_protocol_decode_workspace_request (root, &error)) ||
              !(ws = cairn_server_core_workspace_create (self->core, auth, name, &error)))
            return answer_gerror (msg, error);
          node = cairn_protocol_encode_workspace (ws);
          return answer_json (msg, 201, node);
        }
      return answer_method_not_allowed (msg, "GET, POST");
    }
  handle_workspace (self, msg, auth, parts, n, query);
}

/* Refuses a connection over its address's limit, and an oversized or
 * unsized body before libsoup reads it. */
static void
handle_early (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Server *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  gboolean over = g_object_get_data (G_OBJECT (msg), "cairn-over-limit") != NULL;

  /* Behind a proxy the client is known only now, from its request: count
   * the request (until it is answered) under the forwarded address. */
  if (!over && self->trust_proxy)
    {
      AddrSlot *slot = addr_slot_take (self, remote_address (self, msg));

      if (slot != NULL)
        g_object_set_data_full (G_OBJECT (msg), "cairn-addr-slot", slot, (GDestroyNotify) addr_slot_free);
      else
        over = TRUE;
    }
  if (over)
    {
      g_autofree char *text = g_strdup_printf ("Too many connections from your address (at most %u at a time); "
                                               "reuse or close some first", self->max_conns_per_address);

      /* The body, if any, is not read: the connection cannot carry on. */
      return refuse_and_close (self, msg, CAIRN_PROTOCOL_ERROR_TOO_MANY_CONNECTIONS, text);
    }

  /* Two Content-Length headers reach us joined by a comma; one that is
   * not a plain number would leave the body's end unknown. */
  {
    const char *cl = soup_message_headers_get_list (headers, "Content-Length");

    if (cl != NULL)
      {
        const char *p = cl;

        while (*p == ' ' || *p == '\t')
          p++;
        if (*p == '\0' || strspn (p, "0123456789") != strlen (p) || strlen (p) > 18)
          return refuse_and_close (self, msg, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                                   "The Content-Length header must be given once, as a decimal number");
      }
  }

  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_CONTENT_LENGTH:
      if (soup_message_headers_get_content_length (headers) > CAIRN_PROTOCOL_MAX_BODY_BYTES)
        {
          g_autofree char *text = g_strdup_printf ("Request body of %" G_GINT64_FORMAT
                                                   " bytes exceeds the limit of %d bytes",
                                                   soup_message_headers_get_content_length (headers),
                                                   CAIRN_PROTOCOL_MAX_BODY_BYTES);
          return refuse_and_close (self, msg, CAIRN_PROTOCOL_ERROR_BODY_TOO_LARGE, text);
        }
      break;
    case SOUP_ENCODING_CHUNKED:
      return refuse_and_close (self, msg, CAIRN_PROTOCOL_ERROR_LENGTH_REQUIRED,
                               "Chunked request bodies are not accepted; send Content-Length");
    default:
      break;
    }
}

/* ---- serve ------------------------------------------------------------------------ */

static gboolean
on_shutdown_timeout (gpointer user_data)
{
  Server *self = user_data;

  self->shutdown_timeout = 0;
  g_message ("Shutdown grace period over; closing what is left");
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_terminate (gpointer user_data)
{
  Server *self = user_data;

  if (self->shutting_down)
    return G_SOURCE_CONTINUE;
  g_message ("Shutting down: finishing requests and closing live connections");
  self->shutting_down = TRUE;
  /* Pushes waiting in the open group are committed and answered now, the
   * live ones before their connections get the close frame; paused logins
   * finish before the loop quits. */
  cairn_server_core_commit_group (self->core, NULL);
  close_live (self, NULL, NULL, NULL, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "server shutting down");
  if (g_hash_table_size (self->live) == 0 && self->in_flight == 0)
    maybe_finish_shutdown (self);
  else
    self->shutdown_timeout = g_timeout_add (SHUTDOWN_GRACE_MS, on_shutdown_timeout, self);
  return G_SOURCE_CONTINUE;
}

static gboolean
parse_listen (const char      *listen,
              GSocketAddress **out,
              GError         **error)
{
  g_autoptr(GSocketConnectable) na = NULL;
  g_autoptr(GInetAddress) addr = NULL;
  const char *host;
  guint16 port;

  if (!(na = g_network_address_parse (listen, 8080, error)))
    {
      g_prefix_error (error, "Bad --listen \"%s\": ", listen);
      return FALSE;
    }
  host = g_network_address_get_hostname (G_NETWORK_ADDRESS (na));
  port = g_network_address_get_port (G_NETWORK_ADDRESS (na));
  if (!(addr = g_inet_address_new_from_string (host)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Bad --listen \"%s\": \"%s\" is not an IP address (use e.g. 127.0.0.1:8080 or [::]:8080)",
                   listen, host);
      return FALSE;
    }
  *out = g_inet_socket_address_new (addr, port);
  return TRUE;
}

/* Like soup_server_listen(), but with the system's largest listen backlog
 * (SOMAXCONN; on Linux capped by net.core.somaxconn) instead of GLib's 10,
 * which drops connections from a burst of a few dozen clients. */
static gboolean
listen_on (SoupServer               *soup,
           GSocketAddress           *addr,
           SoupServerListenOptions   options,
           GError                  **error)
{
  GSocketFamily family = g_socket_address_get_family (addr);
  g_autoptr(GSocket) socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);

  if (socket == NULL)
    return FALSE;
  if (family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);
  g_socket_set_listen_backlog (socket, SOMAXCONN);
  return g_socket_bind (socket, addr, TRUE, error) &&
         g_socket_listen (socket, error) &&
         soup_server_listen_socket (soup, socket, options, error);
}

/* Takes DIR/serve.lock for the life of the process: two servers on one
 * folder would keep the log consistent (SQLite) but neither would fan out
 * the other's events. Returns the descriptor, or -1 after printing why. */
static int
lock_data_dir (const char *data_dir)
{
  g_autofree char *path = g_build_filename (data_dir, "serve.lock", NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int errsv = errno;
      g_printerr ("cairn-server serve: cannot open %s: %s\n", path, g_strerror (errsv));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int errsv = errno;
      if (errsv == EWOULDBLOCK)
        g_printerr ("cairn-server serve: another cairn-server is already serving %s\n", data_dir);
      else
        g_printerr ("cairn-server serve: cannot lock %s: %s\n", path, g_strerror (errsv));
      close (fd);
      return -1;
    }
  return fd;
}

static CairnServerCoreOptions
core_options_from_env (void)
{
  CairnServerCoreOptions opts = { 0 };
  const char *fast = g_getenv ("CAIRN_SERVER_ARGON2_FAST");
  const char *idle = g_getenv ("CAIRN_SERVER_SESSION_IDLE_SECONDS");
  const char *max_args = g_getenv ("CAIRN_SERVER_TEST_MAX_ARGS_BYTES");

  /* For tests only: the weakest Argon2id cost libsodium allows. */
  if (fast != NULL && g_str_equal (fast, "1"))
    {
      opts.pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN;
      opts.pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN;
    }
  if (idle != NULL)
    opts.session_idle_ms = g_ascii_strtoll (idle, NULL, 10) * 1000;
  if (max_args != NULL)
    test_max_args_bytes = g_ascii_strtoull (max_args, NULL, 10);
  return opts;
}

static int
cmd_serve (int    argc,
           char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  gboolean trust_proxy = FALSE;
  int max_live = DEFAULT_MAX_LIVE_PER_USER;
  int max_conns = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  int request_timeout = DEFAULT_REQUEST_TIMEOUT_SECONDS;
  int live_recheck = DEFAULT_LIVE_RECHECK_SECONDS;
  const GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, "Folder for the database (required)", "DIR" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, "Address and port (default " DEFAULT_LISTEN "; port 0 picks one)", "ADDR:PORT" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert, "PEM certificate (chain) for HTTPS", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, "PEM private key for HTTPS", "FILE" },
    { "trust-proxy", 0, 0, G_OPTION_ARG_NONE, &trust_proxy, "Take the client address from X-Forwarded-For (only behind a reverse proxy)", NULL },
    { "max-live-per-user", 0, 0, G_OPTION_ARG_INT, &max_live, "Live WebSocket connections allowed per user (default 20)", "N" },
    { "max-connections-per-address", 0, 0, G_OPTION_ARG_INT, &max_conns, "Connections allowed at once per client address, an IPv6 /64 (behind --trust-proxy: requests in progress per forwarded address; default 64)", "N" },
    { "live-recheck", 0, 0, G_OPTION_ARG_INT, &live_recheck, "Seconds between checks that live connections' sessions and memberships still hold (default 10)", "SECONDS" },
    { "request-timeout", 0, 0, G_OPTION_ARG_INT, &request_timeout, "Seconds a connection may take to send a whole request, idle keep-alive time included (default 30)", "SECONDS" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- run the Cairn sync server");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) addr = NULL;
  g_autoptr(GTlsCertificate) cert = NULL;
  CairnServerCoreOptions opts = core_options_from_env ();
  Server server = { 0 };
  Server *self = &server;
  int lock_fd;
  GSList *uris;
  guint sigterm, sigint;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("cairn-server serve: %s\n", error->message);
      return 2;
    }
  if (data_dir == NULL)
    {
      g_printerr ("cairn-server serve: --data DIR is required\n");
      return 2;
    }
  if ((tls_cert == NULL) != (tls_key == NULL))
    {
      g_printerr ("cairn-server serve: --tls-cert and --tls-key go together\n");
      return 2;
    }
  if (max_live < 1)
    {
      g_printerr ("cairn-server serve: --max-live-per-user must be at least 1\n");
      return 2;
    }
  if (max_conns < 1 || max_conns > 1000000)
    {
      g_printerr ("cairn-server serve: --max-connections-per-address must be 1 to 1000000\n");
      return 2;
    }
  if (live_recheck < 1 || live_recheck > 3600)
    {
      g_printerr ("cairn-server serve: --live-recheck must be 1 to 3600 seconds\n");
      return 2;
    }
  if (request_timeout < 1 || request_timeout > 3600)
    {
      g_printerr ("cairn-server serve: --request-timeout must be 1 to 3600 seconds\n");
      return 2;
    }
  if (!parse_listen (listen ? listen : DEFAULT_LISTEN, &addr, &error))
    {
      g_printerr ("cairn-server serve: %s\n", error->message);
      return 2;
    }
  if (tls_cert != NULL && !(cert = g_tls_certificate_new_from_files (tls_cert, tls_key, &error)))
    {
      g_printerr ("cairn-server serve: cannot load the TLS certificate %s / key %s: %s\n",
                  tls_cert, tls_key, error->message);
      return 1;
    }
  if (!(self->core = cairn_server_core_open (data_dir, &opts, &error)))
    {
      g_printerr ("cairn-server serve: %s\n", error->message);
      return 1;
    }
  if ((lock_fd = lock_data_dir (data_dir)) < 0)
    {
      cairn_server_core_close (self->core);
      return 1;
    }

  self->max_live_per_user = max_live;
  self->max_checks_waiting = DEFAULT_MAX_CHECKS_WAITING;
  self->max_conns_per_address = max_conns;
  self->addr_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* For tests only (see docs/server.md): a smaller login queue, and slow
   * password checks so that the queue can be filled. */
  {
    const char *queue = g_getenv ("CAIRN_SERVER_LOGIN_QUEUE");
    const char *delay = g_getenv ("CAIRN_SERVER_CHECK_DELAY_MS");

    if (queue != NULL)
      self->max_checks_waiting = (guint) CLAMP (g_ascii_strtoll (queue, NULL, 10), 0, 100000);
    if (delay != NULL)
      self->check_delay_ms = (guint) CLAMP (g_ascii_strtoll (delay, NULL, 10), 0, 60000);
  }
  self->request_timeout_s = request_timeout;
  self->trust_proxy = trust_proxy;
  self->live = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->live_per_user = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->loop = g_main_loop_new (NULL, FALSE);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_push_free);
  cairn_server_core_set_group_func (self->core, on_group_done, self);
  self->soup = soup_server_new ("server-header", "cairn-server/" PACKAGE_VERSION " ",
                                "tls-certificate", cert,
                                NULL);
  /* The live WebSocket upgrade is done by handle_live() itself (no
   * libsoup WebSocket handler), so that its stream can be wrapped. */
  soup_server_add_early_handler (self->soup, NULL, handle_early, self, NULL);
  soup_server_add_handler (self->soup, NULL, handle_request, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (on_request_started), self);
  g_signal_connect (self->soup, "request-read", G_CALLBACK (on_request_read), self);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (on_request_done), self);
  g_signal_connect (self->soup, "request-aborted", G_CALLBACK (on_request_done), self);

  if (!listen_on (self->soup, addr, cert ? SOUP_SERVER_LISTEN_HTTPS : 0, &error))
    {
      g_printerr ("cairn-server serve: cannot listen on %s: %s\n",
                  listen ? listen : DEFAULT_LISTEN, error->message);
      cairn_server_core_close (self->core);
      close (lock_fd);
      return 1;
    }

  uris = soup_server_get_uris (self->soup);
  for (GSList *l = uris; l != NULL; l = l->next)
    {
      GUri *uri = l->data;
      const char *host = g_uri_get_host (uri);
      gboolean v6 = strchr (host, ':') != NULL;

      g_print ("listening on %s://%s%s%s:%d\n", g_uri_get_scheme (uri),
               v6 ? "[" : "", host, v6 ? "]" : "", g_uri_get_port (uri));
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  fflush (stdout);

  self->live_recheck = g_timeout_add_seconds (live_recheck, recheck_live, self);
  sigterm = g_unix_signal_add (SIGTERM, on_terminate, self);
  sigint = g_unix_signal_add (SIGINT, on_terminate, self);
  g_main_loop_run (self->loop);

  g_source_remove (self->live_recheck);
  g_source_remove (sigterm);
  g_source_remove (sigint);
  if (self->shutdown_timeout != 0)
    g_source_remove (self->shutdown_timeout);
  /* Pushes still waiting (grace period over): commit and answer them. */
  cairn_server_core_commit_group (self->core, NULL);
  soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_pointer (&self->live, g_hash_table_unref);
  /* Let the closing sockets' pending I/O finish, so that nothing is
   * abandoned half way (about 100 ms at most). */
  for (guint i = 0; i < 50; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
  g_clear_pointer (&self->live_per_user, g_hash_table_unref);
  /* Sockets still alive hold their own references. */
  g_clear_pointer (&self->addr_counts, g_hash_table_unref);
  /* Logins still waiting for a password check when the grace period
   * ended: their clients saw the connection end and log in again. */
  g_queue_clear_full (&self->checks_waiting, g_object_unref);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  cairn_server_core_set_group_func (self->core, NULL, NULL);
  cairn_server_core_close (self->core);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  close (lock_fd);
  g_message ("Stopped");
  return 0;
}

/* ---- admin commands ----------------------------------------------------------------- */

/* One line from stdin, without echo when it is a terminal. */
static char *
read_password (const char *prompt)
{
  struct termios old, quiet;
  gboolean tty = isatty (STDIN_FILENO);
  char buf[CAIRN_PROTOCOL_MAX_PASSWORD_BYTES + 2];
  char *nl;

  if (tty)
    {
      fprintf (stderr, "%s", prompt);
      fflush (stderr);
      tcgetattr (STDIN_FILENO, &old);
      quiet = old;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (STDIN_FILENO, TCSANOW, &quiet);
    }
  if (fgets (buf, sizeof buf, stdin) == NULL)
    buf[0] = '\0';
  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSANOW, &old);
      fprintf (stderr, "\n");
    }
  if ((nl = strchr (buf, '\n')) != NULL)
    *nl = '\0';
  if ((nl = strchr (buf, '\r')) != NULL)
    *nl = '\0';
  return g_strdup (buf);
}

static char *
generate_password (void)
{
  static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  char pw[21];

  for (guint i = 0; i < 20; i++)
    pw[i] = alphabet[randombytes_uniform (sizeof alphabet - 1)];
  pw[20] = '\0';
  return g_strdup (pw);
}

static int
cmd_user (int    argc,
          char **argv)
{
  g_autofree char *data_dir = NULL;
  const GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, "Folder of the database (required)", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("add|passwd|remove NAME | list - manage users");
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnServerCore) core = NULL;
  CairnServerCoreOptions opts = core_options_from_env ();
  const char *sub, *name;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "add and passwd read the password from standard input (one line, at least 8 bytes);\n"
    "an empty line generates one and prints it.");
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("cairn-server user: %s\n", error->message);
      return 2;
    }
  if (data_dir == NULL || argc < 2)
    {
      g_printerr ("Usage: cairn-server user add|passwd|remove NAME --data DIR\n"
                  "       cairn-server user list --data DIR\n");
      return 2;
    }
  sub = argv[1];
  name = argc > 2 ? argv[2] : NULL;
  if ((g_str_equal (sub, "list") && argc != 2) || (!g_str_equal (sub, "list") && argc != 3))
    {
      g_printerr ("cairn-server user %s: wrong number of arguments\n", sub);
      return 2;
    }
  if (!(core = cairn_server_core_open (data_dir, &opts, &error)))
    {
      g_printerr ("cairn-server user: %s\n", error->message);
      return 1;
    }

  if (g_str_equal (sub, "list"))
    {
      g_autoptr(GPtrArray) users = cairn_server_core_user_list (core, &error);

      if (users == NULL)
        goto fail;
      for (guint i = 0; i < users->len; i++)
        g_print ("%s\n", (const char *) g_ptr_array_index (users, i));
      return 0;
    }
  if (g_str_equal (sub, "add") || g_str_equal (sub, "passwd"))
    {
      g_autofree char *password = read_password ("Password (empty: generate one): ");
      g_autofree char *ws = NULL;
      gboolean generated = FALSE;
      gboolean ok;

      if (*password == '\0')
        {
          g_free (password);
          password = generate_password ();
          generated = TRUE;
        }
      if (g_str_equal (sub, "add"))
        ok = cairn_server_core_user_add (core, name, password, &ws, &error);
      else
        ok = cairn_server_core_user_passwd (core, name, password, &error);
      if (ok && ws != NULL)
        g_print ("Added user %s with personal workspace %s\n", name, ws);
      else if (ok)
        g_print ("Changed the password of %s and logged out all their devices\n", name);
      if (ok && generated)
        g_print ("Password: %s\n", password);
      sodium_memzero (password, strlen (password));
      if (!ok)
        goto fail;
      return 0;
    }
  if (g_str_equal (sub, "remove"))
    {
      if (!cairn_server_core_user_remove (core, name, &error))
        goto fail;
      g_print ("Removed user %s\n", name);
      return 0;
    }
  g_printerr ("cairn-server user: unknown command \"%s\" (add, passwd, list, remove)\n", sub);
  return 2;

fail:
  g_printerr ("cairn-server user %s: %s\n", sub, error->message);
  return 1;
}

/* Opens the core for an admin command; NULL after printing the error. */
static CairnServerCore *
open_for_admin (const char  *what,
                int         *argc,
                char      ***argv,
                const char  *usage)
{
  g_autofree char *data_dir = NULL;
  const GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, "Folder of the database (required)", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new (usage);
  g_autoptr(GError) error = NULL;
  CairnServerCoreOptions opts = core_options_from_env ();
  CairnServerCore *core;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      g_printerr ("cairn-server %s: %s\n", what, error->message);
      return NULL;
    }
  if (data_dir == NULL)
    {
      g_printerr ("cairn-server %s: --data DIR is required\n", what);
      return NULL;
    }
  if (!(core = cairn_server_core_open (data_dir, &opts, &error)))
    g_printerr ("cairn-server %s: %s\n", what, error->message);
  return core;
}

static int
cmd_workspace (int    argc,
               char **argv)
{
  g_autoptr(CairnServerCore) core = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  if (!(core = open_for_admin ("workspace", &argc, &argv, "list - list every workspace")))
    return 2;
  if (argc != 2 || !g_str_equal (argv[1], "list"))
    {
      g_printerr ("Usage: cairn-server workspace list --data DIR\n");
      return 2;
    }
  if (!(list = cairn_server_core_admin_workspaces (core, &error)))
    {
      g_printerr ("cairn-server workspace list: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < list->len; i++)
    {
      CairnWorkspaceInfo *ws = g_ptr_array_index (list, i);

      g_print ("%s\t%s\t%s%s\n", ws->id, ws->owner, ws->name, ws->personal ? " (personal)" : "");
    }
  return 0;
}

static int
cmd_member (int    argc,
            char **argv)
{
  g_autoptr(CairnServerCore) core = NULL;
  g_autoptr(CairnAuth) owner = NULL;
  g_autoptr(GError) error = NULL;
  const char *sub, *ws;

  if (!(core = open_for_admin ("member", &argc, &argv, "list WS | add WS USER | remove WS USER - manage members")))
    return 2;
  if (argc < 3 ||
      !((g_str_equal (argv[1], "list") && argc == 3) ||
        ((g_str_equal (argv[1], "add") || g_str_equal (argv[1], "remove")) && argc == 4)))
    {
      g_printerr ("Usage: cairn-server member list WORKSPACE --data DIR\n"
                  "       cairn-server member add|remove WORKSPACE USER --data DIR\n");
      return 2;
    }
  sub = argv[1];
  ws = argv[2];
  /* The admin acts with the owner's rights. */
  if (!(owner = cairn_server_core_admin_owner_auth (core, ws, &error)))
    goto fail;
  if (g_str_equal (sub, "list"))
    {
      g_autoptr(GPtrArray) members = cairn_server_core_members (core, owner, ws, &error);

      if (members == NULL)
        goto fail;
      for (guint i = 0; i < members->len; i++)
        {
          CairnMemberInfo *m = g_ptr_array_index (members, i);
          g_print ("%s\t%s\n", m->username, m->role);
        }
      return 0;
    }
  if (g_str_equal (sub, "add") ? !cairn_server_core_member_add (core, owner, ws, argv[3], &error)
                               : !cairn_server_core_member_remove (core, owner, ws, argv[3], &error))
    goto fail;
  g_print ("%s %s %s workspace %s\n", g_str_equal (sub, "add") ? "Added" : "Removed", argv[3],
           g_str_equal (sub, "add") ? "to" : "from", ws);
  return 0;

fail:
  g_printerr ("cairn-server member %s: %s\n", sub, error->message);
  return 1;
}

int
main (int    argc,
      char **argv)
{
  if (sodium_init () < 0)
    {
      g_printerr ("cairn-server: cannot initialise libsodium\n");
      return 1;
    }
  if (argc >= 2 && g_str_equal (argv[1], "serve"))
    return cmd_serve (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "user"))
    return cmd_user (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "workspace"))
    return cmd_workspace (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "member"))
    return cmd_member (argc - 1, argv + 1);
  if (argc >= 2 && (g_str_equal (argv[1], "--version") || g_str_equal (argv[1], "version")))
    {
      g_print ("cairn-server %s (protocol %s)\n", PACKAGE_VERSION, CAIRN_PROTOCOL_VERSION);
      return 0;
    }
  g_printerr ("Usage: cairn-server serve --data DIR [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE]\n"
              "       cairn-server user add|passwd|remove NAME --data DIR\n"
              "       cairn-server user list --data DIR\n"
              "       cairn-server workspace list --data DIR\n"
              "       cairn-server member list WORKSPACE --data DIR\n"
              "       cairn-server member add|remove WORKSPACE USER --data DIR\n"
              "       cairn-server --version\n");
  return 2;
}

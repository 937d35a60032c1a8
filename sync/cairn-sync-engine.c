/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-engine.c: the sync core over libsoup (HTTP and the live
 * WebSocket), with sign-in, retries and the status model: the object,
 * its status, and HTTP calls. */
#define G_LOG_DOMAIN "cairn-sync-engine"
#include "config.h"

#include "cairn-sync-engine-private.h"
#include "cairn-snapshot.h"

/* The engine's HTTP sessions (its own, and each catch-up pipeline's): 30 s
 * for one read or write, idle connections kept a minute. */
SoupSession *
_cairn_sync_engine_new_session (void)
{
  return soup_session_new_with_options ("timeout", 30, "idle-timeout", 60, NULL);
}

G_DEFINE_FINAL_TYPE (CairnSyncEngine, cairn_sync_engine, G_TYPE_OBJECT)


/* ---- small helpers ------------------------------------------------------ */

gint64
_cairn_sync_engine_now_ms (CairnSyncEngine *self)
{
  return (g_get_real_time () + self->clock_offset) / 1000;
}

gint64
_cairn_sync_engine_monotonic (CairnSyncEngine *self)
{
  return g_get_monotonic_time () + self->clock_offset;
}

/* Writes last-sync to profile.ini if it moved since the last write. */
void
_cairn_sync_engine_save_last_sync (CairnSyncEngine *self)
{
  gint64 last = cairn_sync_status_get_last_sync (self->status);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (self->profile == NULL || self->server_url == NULL || last <= self->last_sync_saved)
    return;
  text = g_strdup_printf ("%" G_GINT64_FORMAT, last);
  if (!cairn_profile_set_setting (self->profile, "sync", "last-sync", text, &error))
    g_warning ("%s", error->message);
  self->last_sync_saved = last;
  self->last_sync_saved_head = self->store != NULL ? cairn_store_get_head (self->store) : 0;
}

void
_cairn_sync_engine_update_counts (CairnSyncEngine *self)
{
  g_autoptr(GPtrArray) conflicts = NULL;
  gint64 changed_at = 0;

  if (self->store == NULL)
    {
      _cairn_sync_status_set_pending_count (self->status, 0);
      _cairn_sync_status_set_conflicts (self->status, NULL);
      _cairn_sync_status_set_identity_changed_at (self->status, 0);
      return;
    }
  _cairn_sync_status_set_pending_count (self->status, cairn_store_get_pending_count (self->store));
  _cairn_sync_status_set_refused_count (self->status,
                                        (guint) MAX (0, cairn_store_count_refused (self->store, NULL)));
  conflicts = cairn_store_list_conflicts (self->store, NULL);
  _cairn_sync_status_set_conflicts (self->status, conflicts);
  if (!cairn_store_get_identity_change (self->store, NULL, NULL, &changed_at, NULL))
    changed_at = 0;
  _cairn_sync_status_set_identity_changed_at (self->status, changed_at);
}

void
_cairn_sync_engine_set_state (CairnSyncEngine *self,
           CairnSyncState   state,
           const char      *message)
{
  /* Everything else is on the server, but not what it refused (until
   * every refused change is dismissed). */
  if (self->refused_message != NULL &&
      (self->store == NULL || cairn_store_count_refused (self->store, NULL) <= 0))
    g_clear_pointer (&self->refused_message, g_free);
  if (state == CAIRN_SYNC_STATE_UP_TO_DATE && self->refused_message != NULL)
    _cairn_sync_status_set_state (self->status, CAIRN_SYNC_STATE_REFUSED, self->refused_message);
  else
    _cairn_sync_status_set_state (self->status, state, message);
  if (state == CAIRN_SYNC_STATE_UP_TO_DATE)
    {
      gint64 now = _cairn_sync_engine_now_ms (self);
      gint64 head = self->store != NULL ? cairn_store_get_head (self->store) : 0;

      _cairn_sync_status_set_last_sync (self->status, now);
      /* Kept in the profile for the next start, but written only when
       * something was synced since the last write (the head moved), at
       * most once a minute: an idle session checks the server every 30 s
       * and must not rewrite profile.ini (with an fsync) each time. The
       * latest time is written once more when the engine stops. */
      if (head != self->last_sync_saved_head && now - self->last_sync_saved >= 60 * 1000)
        _cairn_sync_engine_save_last_sync (self);
      /* Now and then, prove this copy agrees with the others'. */
      _cairn_sync_engine_state_idle (self);
    }
  _cairn_sync_engine_update_counts (self);
}

/* After a push the server refused for good: remembers what the core set
 * aside (if it has narrowed the push down to one change yet), to tell. */
void
_cairn_sync_engine_note_refused (CairnSyncEngine *self)
{
  g_autoptr(GPtrArray) refused = cairn_sync_core_take_refused (self->core);
  g_autofree char *first = NULL;

  if (refused == NULL || refused->len == 0)
    return;
  first = cairn_refused_change_describe (refused->pdata[0]);
  g_free (self->refused_message);
  if (refused->len == 1)
    self->refused_message = g_strdup_printf ("The server refused a change; it is set aside "
                                             "on this device: %s", first);
  else
    self->refused_message = g_strdup_printf ("The server refused a change; it is set aside "
                                             "on this device with %u later changes that depend "
                                             "on it: %s", refused->len - 1, first);
  g_message ("%s", self->refused_message);
}

gboolean
_cairn_sync_engine_is_auth_error (const GError *error)
{
  return g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
}

/* After a failure: what the user should see. */
void
_cairn_sync_engine_set_failure_state (CairnSyncEngine *self,
                   const GError    *error)
{
  if (_cairn_sync_engine_is_auth_error (error))
    {
      /* Keep every local change; a new sign-in sends the outbox. The
       * refused token is forgotten, so the profile says "needs sign-in"
       * from now on, in every process. */
      if (self->token != NULL && self->server_url != NULL && self->username != NULL)
        {
          g_autoptr(GError) local_error = NULL;

          if (!cairn_token_delete (cairn_profile_get_dir (self->profile), self->server_url,
                                   self->username, &local_error))
            g_warning ("%s", local_error->message);
        }
      g_clear_pointer (&self->token, g_free);
      _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_NEEDS_SIGN_IN, NULL);
    }
  else if (g_error_matches (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_NETWORK))
    _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_OFFLINE, NULL);
  else
    _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_ERROR, error->message);
}

void
_cairn_sync_engine_load_account (CairnSyncEngine *self)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->server_url, g_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->device, g_free);
  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->certificate, g_free);

  self->server_url = cairn_profile_dup_setting (self->profile, "sync", "server");
  self->username = cairn_profile_dup_setting (self->profile, "sync", "username");
  self->device = cairn_profile_dup_setting (self->profile, "sync", "device");
  {
    /* Anything but a fingerprint (a hand-edited profile.ini) trusts
     * nothing more. */
    g_autofree char *pinned = cairn_profile_dup_setting (self->profile, "sync", "certificate");
    self->certificate = cairn_tls_fingerprint_parse (pinned);
  }
  {
    g_autofree char *last = cairn_profile_dup_setting (self->profile, "sync", "last-sync");
    self->last_sync_saved = last ? g_ascii_strtoll (last, NULL, 10) : 0;
    _cairn_sync_status_set_last_sync (self->status, self->last_sync_saved);
  }
  if (self->server_url != NULL && self->username != NULL)
    {
      self->token = cairn_token_load (cairn_profile_get_dir (self->profile),
                                      self->server_url, self->username, &error);
      if (error != NULL)
        g_warning ("%s", error->message);
    }
  _cairn_sync_status_set_account (self->status, self->server_url, self->username,
                                  self->workspace_id);
  if (self->server_url != NULL && self->token == NULL)
    _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_NEEDS_SIGN_IN, NULL);
}

/* ---- HTTP --------------------------------------------------------------- */

typedef struct
{
  SoupMessage *msg;
  char        *what;
  gint64       expected;   /* client_seq_gap */
  gboolean     raw;        /* a successful answer's body is kept, not parsed */
  GBytes      *body;
  /* The answer's deadline (see answer_timeout_ms()): the request is sent
   * with a cancellable of its own, cancelled by the caller's or by the
   * deadline, which its headers arriving call off. */
  GCancellable *cancellable;
  GCancellable *outer;
  gulong        outer_id;
  guint         deadline_id;
  gboolean      timed_out;
} HttpCall;

static void
call_clear_deadline (HttpCall *call)
{
  g_clear_handle_id (&call->deadline_id, g_source_remove);
}

static void
http_call_free (HttpCall *call)
{
  call_clear_deadline (call);
  if (call->outer_id != 0)
    g_cancellable_disconnect (call->outer, call->outer_id);
  g_clear_object (&call->outer);
  g_clear_object (&call->cancellable);
  if (call->msg != NULL)
    g_signal_handlers_disconnect_by_data (call->msg, call);
  g_clear_object (&call->msg);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_free (call->what);
  g_free (call);
}

/* The error for a certificate the system refused (its fingerprint, what
 * was wrong with it), for the person to compare with the server's and
 * trust (docs/sync.md, "A server's certificate"); any thread. */
GError *
_cairn_sync_engine_certificate_error (const char           *refused,
                                      GTlsCertificateFlags  errors)
{
  g_autofree char *why = cairn_tls_describe_errors (errors);
  g_autofree char *shown = cairn_tls_fingerprint_display (refused);

  return g_error_new (CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_CERTIFICATE,
                      "The server's certificate is not trusted (%s). Its SHA-256 "
                      "fingerprint is %s: trust it only if your server shows the same",
                      why, shown);
}

/* The error for a request msg that got no answer (any thread): a
 * certificate refused on the way (its fingerprint to *out_refused, when
 * given), or the network. */
GError *
_cairn_sync_engine_send_error (GError      *send_error,
                               SoupMessage *msg,
                               const char  *what,
                               char       **out_refused)
{
  GTlsCertificateFlags errors = 0;
  g_autofree char *refused = NULL;
  GError *error;

  if (g_error_matches (send_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return send_error;
  if (msg != NULL)
    refused = cairn_tls_dup_refused (G_OBJECT (msg), &errors);
  if (refused != NULL)
    error = _cairn_sync_engine_certificate_error (refused, errors);
  else
    error = g_error_new (CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_NETWORK,
                         "Cannot reach the server for %s: %s", what, send_error->message);
  g_error_free (send_error);
  if (out_refused != NULL && refused != NULL)
    {
      g_free (*out_refused);
      *out_refused = g_steal_pointer (&refused);
    }
  return error;
}

/* What an answer (status, bytes) to a request for what says: its JSON
 * (a JSON_NODE_NULL node for none), or the error it reports. With raw, a
 * successful answer's body goes to *out_body instead, not parsed. Reads
 * nothing of the engine: any thread (the catch-up's pipeline). */
static JsonNode *
http_answer (guint         status,
             GBytes       *bytes,
             const char   *what,
             gboolean      raw,
             GBytes      **out_body,
             gint64       *out_expected,
             GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CairnErrorReply) reply = NULL;
  gsize len = 0;
  const char *data;

  data = g_bytes_get_data (bytes, &len);
  if (raw && status < 300 && status != SOUP_STATUS_NO_CONTENT)
    {
      /* Decoded by the caller (a pull answer, see _cairn_sync_engine_pull_finish). */
      *out_body = g_bytes_ref (bytes);
      return json_node_new (JSON_NODE_NULL);
    }
  if (status == SOUP_STATUS_NO_CONTENT || (len == 0 && status < 300))
    return json_node_new (JSON_NODE_NULL);

  node = cairn_protocol_parse (data, len, CAIRN_PROTOCOL_MAX_BODY_BYTES * 64, &local_error);
  if (node == NULL)
    {
      g_set_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL,
                   "The server's answer to %s (HTTP %u) is not readable: %s",
                   what, status, local_error->message);
      return NULL;
    }

  if (status >= 400)
    {
      reply = cairn_protocol_decode_error (node, &local_error);
      if (reply == NULL)
        {
          g_set_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL,
                       "%s failed with HTTP %u", what, status);
          return NULL;
        }
      *out_expected = reply->expected;
      g_propagate_error (error, cairn_error_reply_to_gerror (reply));
      return NULL;
    }

  return g_steal_pointer (&node);
}

/* How long a request may wait for the headers of its answer, in ms: 90 s,
 * three times the session's timeout for one read or write, or
 * CAIRN_SYNC_TEST_ANSWER_TIMEOUT_MS (tests). Reading the body after them
 * is bounded by that timeout instead, for each read. */
static guint
answer_timeout_ms (void)
{
  const char *env = g_getenv ("CAIRN_SYNC_TEST_ANSWER_TIMEOUT_MS");

  return env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : 90 * 1000;
}

static void
call_got_headers (SoupMessage *msg,
                  gpointer     user_data)
{
  call_clear_deadline (user_data);
}

static gboolean
call_deadline (gpointer user_data)
{
  HttpCall *call = user_data;

  call->deadline_id = 0;
  call->timed_out = TRUE;
  g_cancellable_cancel (call->cancellable);
  return G_SOURCE_REMOVE;
}

static void
call_outer_cancelled (GCancellable *outer,
                      gpointer      user_data)
{
  g_cancellable_cancel (user_data);
}

static void
http_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CairnSyncEngine *self = g_task_get_source_object (task);
  HttpCall *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  JsonNode *node;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  call_clear_deadline (call);
  if (bytes == NULL && call->timed_out &&
      !(call->outer != NULL && g_cancellable_is_cancelled (call->outer)))
    {
      /* No answer in time: whatever held the request back (a connection
       * that never came free, a server that took it and went quiet), the
       * round fails as for a network error and is tried again. The
       * session, and any connection of it stuck that way, is left behind:
       * the next request gets new ones. */
      if (self->session == SOUP_SESSION (source))
        {
          g_clear_object (&self->session);
          self->session = _cairn_sync_engine_new_session ();
        }
      g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_NETWORK,
                               "Cannot reach the server for %s: no answer within %u s",
                               call->what, (answer_timeout_ms () + 999) / 1000);
      return;
    }
  if (bytes == NULL)
    {
      g_task_return_error (task, _cairn_sync_engine_send_error (g_steal_pointer (&error), call->msg,
                                                                call->what,
                                                                &self->refused_certificate));
      return;
    }
  node = http_answer (soup_message_get_status (call->msg), bytes, call->what, call->raw,
                      &call->body, &call->expected, &error);
  if (node == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
}

static void
http_call_start (CairnSyncEngine     *self,
                 const char          *method,
                 const char          *path,
                 JsonNode            *body,
                 const char          *what,
                 gboolean             raw,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *url = g_strconcat (self->server_url, path, NULL);
  HttpCall *call = g_new0 (HttpCall, 1);

  g_task_set_source_tag (task, http_call_start);
  g_task_set_task_data (task, call, (GDestroyNotify) http_call_free);
  call->what = g_strdup (what);
  call->raw = raw;
  call->msg = soup_message_new (method, url);
  if (call->msg == NULL)
    {
      g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                               "“%s” is not a valid server address", self->server_url);
      return;
    }
  cairn_tls_pin (G_OBJECT (call->msg), self->certificate);
  if (self->token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", self->token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (call->msg),
                                    "Authorization", auth);
    }
  if (body != NULL)
    {
      gsize len = 0;
      char *text = cairn_protocol_to_string (body, &len);
      g_autoptr(GBytes) bytes = g_bytes_new_take (text, len);

      soup_message_set_request_body_from_bytes (call->msg, "application/json", bytes);
    }

  call->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      call->outer = g_object_ref (cancellable);
      /* Runs at once when it already is cancelled. */
      call->outer_id = g_cancellable_connect (cancellable, G_CALLBACK (call_outer_cancelled),
                                              call->cancellable, NULL);
    }
  g_signal_connect (call->msg, "got-headers", G_CALLBACK (call_got_headers), call);
  call->deadline_id = g_timeout_add (answer_timeout_ms (), call_deadline, call);
  soup_session_send_and_read_async (self->session, call->msg, G_PRIORITY_DEFAULT,
                                    call->cancellable, http_done, g_object_ref (task));
}

void
_cairn_sync_engine_http_call_async (CairnSyncEngine     *self,
                 const char          *method,
                 const char          *path,
                 JsonNode            *body,
                 const char          *what,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  http_call_start (self, method, path, body, what, FALSE, cancellable, callback, user_data);
}

/* Any GET whose answer is a page of events (the history of one object),
 * decoded by _cairn_sync_engine_pull_finish. */
void
_cairn_sync_engine_pull_path_async (CairnSyncEngine     *self,
                                    const char          *path,
                                    const char          *what,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  http_call_start (self, "GET", path, NULL, what, TRUE, cancellable, callback, user_data);
}

/* GET snapshot (issue 17): the blob as it came, checked by the store when
 * it loads it. An answer larger than a snapshot may be is refused. */
void
_cairn_sync_engine_snapshot_async (CairnSyncEngine     *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/snapshot", self->workspace_id);

  http_call_start (self, "GET", path, NULL, "loading the workspace", TRUE, cancellable,
                   callback, user_data);
}

GBytes *
_cairn_sync_engine_snapshot_finish (CairnSyncEngine  *self,
                                    GAsyncResult     *result,
                                    GError          **error)
{
  HttpCall *call = g_task_get_task_data (G_TASK (result));
  g_autoptr(JsonNode) node = NULL;

  if (!(node = _cairn_sync_engine_http_call_finish (self, result, NULL, error)))
    return NULL;
  if (call->body == NULL || (gint64) g_bytes_get_size (call->body) > CAIRN_SNAPSHOT_MAX_BYTES)
    {
      g_set_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL,
                   "The server's snapshot is empty or too large");
      return NULL;
    }
  return g_bytes_ref (call->body);
}

/* GET events?after=…: the answer is decoded from its text by _cairn_sync_engine_pull_finish,
 * without a JSON tree for the usual page (up to 1 MiB in a catch-up). */
void
_cairn_sync_engine_pull_async (CairnSyncEngine     *self,
            gint64               after,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events?after=%" G_GINT64_FORMAT
                                           "&limit=%u", self->workspace_id, after, PULL_PAGE);

  http_call_start (self, "GET", path, NULL, "pulling changes", TRUE, cancellable,
                   callback, user_data);
}

JsonNode *
_cairn_sync_engine_http_call_finish (CairnSyncEngine  *self,
                  GAsyncResult     *result,
                  gint64           *out_expected,
                  GError          **error)
{
  HttpCall *call = g_task_get_task_data (G_TASK (result));

  if (out_expected != NULL)
    *out_expected = call->expected;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* A pull answer's body (NULL: none came) decoded, with the errors a
 * caller sees (any thread). */
static CairnPullReply *
decode_pull_body (guint        status,
                  GBytes      *body,
                  const char  *what,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  CairnPullReply *reply;
  const char *data;
  gsize len = 0;

  if (body == NULL)
    {
      /* 204 No Content: not a pull answer. */
      g_set_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL,
                   "The server's answer to %s (HTTP %u) is empty", what, status);
      return NULL;
    }
  data = g_bytes_get_data (body, &len);
  reply = cairn_protocol_decode_pull_reply_text (data, len, CAIRN_PROTOCOL_MAX_BODY_BYTES * 64,
                                                 &local_error);
  if (reply == NULL)
    {
      if (local_error->domain == CAIRN_PROTOCOL_ERROR &&
          (local_error->code == CAIRN_PROTOCOL_ERROR_MALFORMED_JSON ||
           local_error->code == CAIRN_PROTOCOL_ERROR_INVALID_UTF8 ||
           local_error->code == CAIRN_PROTOCOL_ERROR_BODY_TOO_LARGE))
        g_set_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL,
                     "The server's answer to %s (HTTP %u) is not readable: %s", what,
                     status, local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return reply;
}

CairnPullReply *
_cairn_sync_engine_pull_finish (CairnSyncEngine  *self,
             GAsyncResult     *result,
             GError          **error)
{
  HttpCall *call = g_task_get_task_data (G_TASK (result));
  g_autoptr(JsonNode) node = NULL;

  if (!(node = _cairn_sync_engine_http_call_finish (self, result, NULL, error)))
    return NULL;
  return decode_pull_body (soup_message_get_status (call->msg), call->body, call->what, error);
}

/* A pull's answer (status and bytes as they came) as
 * _cairn_sync_engine_pull_finish() reads it: the same page or the same
 * error. Any thread (the catch-up's pipeline, cairn-sync-pipeline.c). */
CairnPullReply *
_cairn_sync_engine_pull_answer (guint         status,
                                GBytes       *bytes,
                                const char   *what,
                                GError      **error)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) node = NULL;
  gint64 expected = 0;

  if (!(node = http_answer (status, bytes, what, TRUE, &body, &expected, error)))
    return NULL;
  return decode_pull_body (status, body, what, error);
}

char *
_cairn_sync_engine_events_path (CairnSyncEngine *self)
{
  return g_strdup_printf ("/v1/workspaces/%s/events", self->workspace_id);
}

/* ---- GObject ------------------------------------------------------------ */

static void
cairn_sync_engine_dispose (GObject *object)
{
  CairnSyncEngine *self = (CairnSyncEngine *)object;

  cairn_sync_engine_stop (self);
  if (self->status != NULL)
    _cairn_sync_engine_save_last_sync (self);   /* a sync round (cairn-cli) */
  cairn_sync_engine_set_store (self, NULL, NULL);
  g_clear_object (&self->session);
  g_clear_object (&self->profile);
  g_clear_object (&self->status);

  G_OBJECT_CLASS (cairn_sync_engine_parent_class)->dispose (object);
}

static void
cairn_sync_engine_finalize (GObject *object)
{
  CairnSyncEngine *self = (CairnSyncEngine *)object;

  g_clear_pointer (&self->server_url, g_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->device, g_free);
  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->certificate, g_free);
  g_clear_pointer (&self->login_certificate, g_free);
  g_clear_pointer (&self->refused_certificate, g_free);
  g_clear_pointer (&self->workspace_id, g_free);
  cairn_backoff_clear (&self->backoff);

  g_clear_pointer (&self->refused_message, g_free);
  G_OBJECT_CLASS (cairn_sync_engine_parent_class)->finalize (object);
}

static void
cairn_sync_engine_class_init (CairnSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cairn_sync_engine_dispose;
  object_class->finalize = cairn_sync_engine_finalize;
}

static void
cairn_sync_engine_init (CairnSyncEngine *self)
{
  self->status = cairn_sync_status_new ();
  self->session = _cairn_sync_engine_new_session ();
  cairn_backoff_init (&self->backoff, 500, 60000, g_random_int ());
}

CairnSyncEngine *
cairn_sync_engine_new (CairnProfile *profile)
{
  CairnSyncEngine *self;

  g_return_val_if_fail (CAIRN_IS_PROFILE (profile), NULL);

  self = g_object_new (CAIRN_TYPE_SYNC_ENGINE, NULL);
  self->profile = g_object_ref (profile);
  _cairn_sync_engine_load_account (self);
  return self;
}

CairnSyncStatus *
cairn_sync_engine_get_status (CairnSyncEngine *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (self), NULL);
  return self->status;
}

gboolean
cairn_sync_engine_is_signed_in (CairnSyncEngine *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (self), FALSE);
  return self->server_url != NULL && self->username != NULL && self->token != NULL;
}

static void
store_changed (CairnStore      *store,
               gpointer         changes,
               CairnSyncEngine *self)
{
  _cairn_sync_engine_update_counts (self);
  if (self->running)
    _cairn_sync_engine_kick (self);
}

void
cairn_sync_engine_set_store (CairnSyncEngine *self,
                             CairnStore      *store,
                             const char      *workspace_id)
{
  gboolean was_running;

  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));
  g_return_if_fail (store == NULL || workspace_id != NULL);

  was_running = self->running;
  cairn_sync_engine_stop (self);

  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_pointer (&self->core, cairn_sync_core_free);
  _cairn_sync_engine_state_clear (self);
  g_clear_object (&self->store);
  g_clear_pointer (&self->workspace_id, g_free);

  if (store != NULL)
    {
      self->store = g_object_ref (store);
      self->workspace_id = g_strdup (workspace_id);
      self->core = cairn_sync_core_new (store);
      self->changed_id = g_signal_connect (store, "changed", G_CALLBACK (store_changed), self);
    }
  _cairn_sync_status_set_account (self->status, self->server_url, self->username,
                                  self->workspace_id);
  _cairn_sync_engine_update_counts (self);

  if (was_running && store != NULL)
    cairn_sync_engine_start (self);
}

CairnStore *
cairn_sync_engine_get_store (CairnSyncEngine *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (self), NULL);
  return self->store;
}

gboolean
_cairn_sync_engine_check_ready (CairnSyncEngine  *self,
             GError          **error)
{
  if (!cairn_sync_engine_is_signed_in (self))
    {
      g_set_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_NOT_SIGNED_IN,
                   self->server_url == NULL
                   ? "Not signed in: sign in to a Cairn server first"
                   : "Sign in again to %s: the sign-in is missing or no longer valid",
                   self->server_url);
      return FALSE;
    }
  return TRUE;
}

/* ---- conflicts ------------------------------------------------------------ */

/* Settles conflict in the store with action (the guards are the caller's),
 * then brings the counts up to date whether or not that worked. */
static gboolean
settle_conflict (CairnSyncEngine  *self,
                 CairnConflict    *conflict,
                 gboolean        (*action) (CairnStore *, gint64, GError **),
                 GError          **error)
{
  gboolean ok = action (self->store, cairn_conflict_get_id (conflict), error);

  _cairn_sync_engine_update_counts (self);
  return ok;
}

gboolean
cairn_sync_engine_keep_mine (CairnSyncEngine  *self,
                             CairnConflict    *conflict,
                             GError          **error)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (self), FALSE);
  g_return_val_if_fail (CAIRN_IS_CONFLICT (conflict), FALSE);
  g_return_val_if_fail (self->store != NULL, FALSE);

  return settle_conflict (self, conflict, cairn_store_keep_mine, error);
}

gboolean
cairn_sync_engine_dismiss (CairnSyncEngine  *self,
                           CairnConflict    *conflict,
                           GError          **error)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (self), FALSE);
  g_return_val_if_fail (CAIRN_IS_CONFLICT (conflict), FALSE);
  g_return_val_if_fail (self->store != NULL, FALSE);

  return settle_conflict (self, conflict, cairn_store_dismiss_conflict, error);
}

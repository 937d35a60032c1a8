/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-engine.c: the sync core over libsoup (HTTP and the live
 * WebSocket), with sign-in, retries and the status model. */
#define G_LOG_DOMAIN "cairn-sync-engine"
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "cairn-store-refused.h"
#include "cairn-store-sync.h"
#include "cairn-sync-backoff.h"
#include "cairn-sync-core.h"
#include "cairn-sync-engine.h"
#include "cairn-ws-limit.h"
#include "cairn-sync-status-private.h"
#include "cairn-sync-token.h"

#define PUSH_BATCH        500
#define PULL_PAGE         CAIRN_PROTOCOL_MAX_PULL_LIMIT
#define CATCH_UP_BATCH    (PULL_PAGE * 4)
#define PROBE_SECONDS     30
#define MAX_ROUND_STEPS   100000

struct _CairnSyncEngine
{
  GObject                  parent_instance;

  CairnProfile            *profile;
  CairnSyncStatus         *status;
  SoupSession             *session;

  char                    *server_url;
  char                    *username;
  char                    *device;
  char                    *token;

  CairnStore              *store;
  char                    *workspace_id;
  CairnSyncCore           *core;
  gulong                   changed_id;

  /* Continuous sync (start/stop). */
  GCancellable            *cancellable;
  gboolean                 running;
  SoupWebsocketConnection *ws;
  char                    *ws_push_id;
  guint64                  push_counter;
  gboolean                 pulling;
  gint64                   ws_last_message;
  guint                    reconnect_id;
  guint                    probe_id;
  CairnBackoff             backoff;

  /* One sync round at a time (sync_async). */
  GTask                   *round;

  gint64                   last_sync_saved;
  /* What the server refused for good since this engine started: shown
   * (state REFUSED) where the state would be UP_TO_DATE. */
  char                    *refused_message;
};

G_DEFINE_FINAL_TYPE (CairnSyncEngine, cairn_sync_engine, G_TYPE_OBJECT)

static void live_connect (CairnSyncEngine *self);
static void kick         (CairnSyncEngine *self);

/* ---- small helpers ------------------------------------------------------ */

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static void
update_counts (CairnSyncEngine *self)
{
  g_autoptr(GPtrArray) conflicts = NULL;

  if (self->store == NULL)
    {
      _cairn_sync_status_set_pending_count (self->status, 0);
      _cairn_sync_status_set_conflicts (self->status, NULL);
      return;
    }
  _cairn_sync_status_set_pending_count (self->status, cairn_store_get_pending_count (self->store));
  _cairn_sync_status_set_refused_count (self->status,
                                        (guint) MAX (0, cairn_store_count_refused (self->store, NULL)));
  conflicts = cairn_store_list_conflicts (self->store, NULL);
  _cairn_sync_status_set_conflicts (self->status, conflicts);
}

static void
set_state (CairnSyncEngine *self,
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
      gint64 now = now_ms ();

      _cairn_sync_status_set_last_sync (self->status, now);
      /* Kept in the profile for the next start, at most once a minute so
       * that a busy session does not rewrite profile.ini on every edit. */
      if (self->profile != NULL && now - self->last_sync_saved >= 60 * 1000)
        {
          g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, now);
          g_autoptr(GError) error = NULL;

          if (!cairn_profile_set_setting (self->profile, "sync", "last-sync", text, &error))
            g_warning ("%s", error->message);
          self->last_sync_saved = now;
        }
    }
  update_counts (self);
}

/* After a push the server refused for good: remembers what the core set
 * aside (if it has narrowed the push down to one change yet), to tell. */
static void
note_refused (CairnSyncEngine *self)
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

static gboolean
is_auth_error (const GError *error)
{
  return g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
}

/* After a failure: what the user should see. */
static void
set_failure_state (CairnSyncEngine *self,
                   const GError    *error)
{
  if (is_auth_error (error))
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
      set_state (self, CAIRN_SYNC_STATE_NEEDS_SIGN_IN, NULL);
    }
  else if (g_error_matches (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_NETWORK))
    set_state (self, CAIRN_SYNC_STATE_OFFLINE, NULL);
  else
    set_state (self, CAIRN_SYNC_STATE_ERROR, error->message);
}

static void
load_account (CairnSyncEngine *self)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->server_url, g_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->device, g_free);
  g_clear_pointer (&self->token, g_free);

  self->server_url = cairn_profile_dup_setting (self->profile, "sync", "server");
  self->username = cairn_profile_dup_setting (self->profile, "sync", "username");
  self->device = cairn_profile_dup_setting (self->profile, "sync", "device");
  {
    g_autofree char *last = cairn_profile_dup_setting (self->profile, "sync", "last-sync");
    _cairn_sync_status_set_last_sync (self->status, last ? g_ascii_strtoll (last, NULL, 10) : 0);
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
    set_state (self, CAIRN_SYNC_STATE_NEEDS_SIGN_IN, NULL);
}

/* ---- HTTP --------------------------------------------------------------- */

typedef struct
{
  SoupMessage *msg;
  char        *what;
  gint64       expected;   /* client_seq_gap */
  gboolean     raw;        /* a successful answer's body is kept, not parsed */
  GBytes      *body;
} HttpCall;

static void
http_call_free (HttpCall *call)
{
  g_clear_object (&call->msg);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_free (call->what);
  g_free (call);
}

static void
http_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HttpCall *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CairnErrorReply) reply = NULL;
  guint status;
  gsize len = 0;
  const char *data;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (bytes == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_NETWORK,
                                 "Cannot reach the server for %s: %s", call->what, error->message);
      return;
    }

  status = soup_message_get_status (call->msg);
  data = g_bytes_get_data (bytes, &len);
  if (call->raw && status < 300 && status != SOUP_STATUS_NO_CONTENT)
    {
      /* Decoded by the caller (a pull answer, see pull_finish). */
      call->body = g_steal_pointer (&bytes);
      g_task_return_pointer (task, json_node_new (JSON_NODE_NULL), (GDestroyNotify) json_node_unref);
      return;
    }
  if (status == SOUP_STATUS_NO_CONTENT || (len == 0 && status < 300))
    {
      g_task_return_pointer (task, json_node_new (JSON_NODE_NULL), (GDestroyNotify) json_node_unref);
      return;
    }

  node = cairn_protocol_parse (data, len, CAIRN_PROTOCOL_MAX_BODY_BYTES * 64, &error);
  if (node == NULL)
    {
      g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL,
                               "The server's answer to %s (HTTP %u) is not readable: %s",
                               call->what, status, error->message);
      return;
    }

  if (status >= 400)
    {
      reply = cairn_protocol_decode_error (node, &error);
      if (reply == NULL)
        {
          g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL,
                                   "%s failed with HTTP %u", call->what, status);
          return;
        }
      call->expected = reply->expected;
      g_task_return_error (task, cairn_error_reply_to_gerror (reply));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&node), (GDestroyNotify) json_node_unref);
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

  soup_session_send_and_read_async (self->session, call->msg, G_PRIORITY_DEFAULT,
                                    cancellable, http_done, g_object_ref (task));
}

static void
http_call_async (CairnSyncEngine     *self,
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

/* GET events?after=…: the answer is decoded from its text by pull_finish,
 * without a JSON tree for the usual page (up to 1 MiB in a catch-up). */
static void
pull_async (CairnSyncEngine     *self,
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

static JsonNode *
http_call_finish (CairnSyncEngine  *self,
                  GAsyncResult     *result,
                  gint64           *out_expected,
                  GError          **error)
{
  HttpCall *call = g_task_get_task_data (G_TASK (result));

  if (out_expected != NULL)
    *out_expected = call->expected;
  return g_task_propagate_pointer (G_TASK (result), error);
}

static CairnPullReply *
pull_finish (CairnSyncEngine  *self,
             GAsyncResult     *result,
             GError          **error)
{
  HttpCall *call = g_task_get_task_data (G_TASK (result));
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) local_error = NULL;
  CairnPullReply *reply;
  const char *data;
  gsize len = 0;

  if (!(node = http_call_finish (self, result, NULL, error)))
    return NULL;
  if (call->body == NULL)
    {
      /* 204 No Content: not a pull answer. */
      g_set_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL,
                   "The server's answer to %s (HTTP %u) is empty", call->what,
                   soup_message_get_status (call->msg));
      return NULL;
    }
  data = g_bytes_get_data (call->body, &len);
  reply = cairn_protocol_decode_pull_reply_text (data, len, CAIRN_PROTOCOL_MAX_BODY_BYTES * 64,
                                                 &local_error);
  if (reply == NULL)
    {
      if (local_error->domain == CAIRN_PROTOCOL_ERROR &&
          (local_error->code == CAIRN_PROTOCOL_ERROR_MALFORMED_JSON ||
           local_error->code == CAIRN_PROTOCOL_ERROR_INVALID_UTF8 ||
           local_error->code == CAIRN_PROTOCOL_ERROR_BODY_TOO_LARGE))
        g_set_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL,
                     "The server's answer to %s (HTTP %u) is not readable: %s", call->what,
                     soup_message_get_status (call->msg), local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return reply;
}

static char *
events_path (CairnSyncEngine *self)
{
  return g_strdup_printf ("/v1/workspaces/%s/events", self->workspace_id);
}

/* ---- GObject ------------------------------------------------------------ */

static void
cairn_sync_engine_dispose (GObject *object)
{
  CairnSyncEngine *self = (CairnSyncEngine *)object;

  cairn_sync_engine_stop (self);
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
  self->session = soup_session_new_with_options ("timeout", 30, "idle-timeout", 60, NULL);
  cairn_backoff_init (&self->backoff, 500, 60000, g_random_int ());
}

CairnSyncEngine *
cairn_sync_engine_new (CairnProfile *profile)
{
  CairnSyncEngine *self;

  g_return_val_if_fail (CAIRN_IS_PROFILE (profile), NULL);

  self = g_object_new (CAIRN_TYPE_SYNC_ENGINE, NULL);
  self->profile = g_object_ref (profile);
  load_account (self);
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
  update_counts (self);
  if (self->running)
    kick (self);
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
  update_counts (self);

  if (was_running && store != NULL)
    cairn_sync_engine_start (self);
}

CairnStore *
cairn_sync_engine_get_store (CairnSyncEngine *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (self), NULL);
  return self->store;
}

static gboolean
check_ready (CairnSyncEngine  *self,
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

/* ---- login / logout ----------------------------------------------------- */

typedef struct
{
  char *server_url;
  char *username;
  char *device;
  char *token;
} LoginData;

static void
login_data_free (LoginData *d)
{
  g_free (d->server_url);
  g_free (d->username);
  g_free (d->device);
  if (d->token)
    memset (d->token, 0, strlen (d->token));
  g_free (d->token);
  g_free (d);
}

/* The current workspace was never synced (no server has it): its
 * database becomes the personal workspace, keeping what was written
 * before signing in. */
static gboolean
adopt_local_workspace (CairnSyncEngine  *self,
                       GPtrArray        *workspaces,
                       GError          **error)
{
  const CairnWorkspaceInfo *personal = NULL;
  g_autofree char *current = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  guint i;

  /* Our own: another user's personal workspace shared with us is listed
   * with personal set too. */
  for (i = 0; i < workspaces->len && personal == NULL; i++)
    {
      const CairnWorkspaceInfo *ws = g_ptr_array_index (workspaces, i);
      if (ws->personal && g_strcmp0 (ws->owner, self->username) == 0)
        personal = ws;
    }
  if (personal == NULL)
    return TRUE;

  current = cairn_profile_dup_current_workspace (self->profile, error);
  if (current == NULL)
    return FALSE;
  for (i = 0; i < workspaces->len; i++)
    if (g_strcmp0 (((CairnWorkspaceInfo *) g_ptr_array_index (workspaces, i))->id, current) == 0)
      return TRUE;   /* already a server workspace */

  from = cairn_profile_dup_workspace_path (self->profile, current, error);
  to = cairn_profile_dup_workspace_path (self->profile, personal->id, error);
  if (from == NULL || to == NULL)
    return FALSE;

  if (g_file_test (from, G_FILE_TEST_EXISTS) && !g_file_test (to, G_FILE_TEST_EXISTS))
    {
      g_autoptr(CairnStore) probe = cairn_store_open (from, error);

      if (probe == NULL)
        return FALSE;
      /* Only a database that never synced can join another history. */
      if (cairn_store_get_head (probe) == 0 && cairn_store_get_history_id (probe) == NULL)
        {
          const char *suffixes[] = { "", "-wal", "-shm" };

          g_clear_object (&probe);
          for (i = 0; i < G_N_ELEMENTS (suffixes); i++)
            {
              g_autofree char *a = g_strconcat (from, suffixes[i], NULL);
              g_autofree char *b = g_strconcat (to, suffixes[i], NULL);

              if (g_file_test (a, G_FILE_TEST_EXISTS) && g_rename (a, b) != 0)
                {
                  int saved = errno;
                  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                               "Cannot move %s to %s: %s", a, b, g_strerror (saved));
                  return FALSE;
                }
            }
        }
    }
  return cairn_profile_set_current_workspace (self->profile, personal->id, error);
}

static void
login_workspaces_done (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CairnSyncEngine *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GPtrArray) workspaces = NULL;

  node = http_call_finish (self, result, NULL, &error);
  if (node != NULL)
    workspaces = cairn_protocol_decode_workspaces (node, &error);
  if (workspaces == NULL || !adopt_local_workspace (self, workspaces, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
login_session_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CairnSyncEngine *self = g_task_get_source_object (task);
  LoginData *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CairnSessionReply) reply = NULL;
  const char *dir = cairn_profile_get_dir (self->profile);

  node = http_call_finish (self, result, NULL, &error);
  if (node != NULL)
    reply = cairn_protocol_decode_session_reply (node, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!cairn_token_save (dir, d->server_url, d->username, reply->token, NULL, &error) ||
      !cairn_profile_set_setting (self->profile, "sync", "server", d->server_url, &error) ||
      !cairn_profile_set_setting (self->profile, "sync", "username", d->username, &error) ||
      !cairn_profile_set_setting (self->profile, "sync", "device", d->device, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  load_account (self);
  set_state (self, CAIRN_SYNC_STATE_OFFLINE, NULL);

  http_call_async (self, "GET", "/v1/workspaces", NULL, "listing workspaces",
                   g_task_get_cancellable (task), login_workspaces_done, g_object_ref (task));
}

void
cairn_sync_engine_login_async (CairnSyncEngine     *self,
                               const char          *server_url,
                               const char          *username,
                               const char          *password,
                               const char          *device_name,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(JsonNode) body = NULL;
  LoginData *d;

  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));
  g_return_if_fail (server_url != NULL && username != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cairn_sync_engine_login_async);

  uri = g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
       g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_host (uri) == NULL)
    {
      g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                               "“%s” is not a server address (expected http://HOST:PORT "
                               "or https://HOST)", server_url);
      return;
    }

  cairn_sync_engine_stop (self);
  d = g_new0 (LoginData, 1);
  d->server_url = g_strdup (server_url);
  while (g_str_has_suffix (d->server_url, "/"))
    d->server_url[strlen (d->server_url) - 1] = '\0';
  d->username = g_strdup (username);
  d->device = g_strdup (device_name && *device_name ? device_name : g_get_host_name ());
  g_task_set_task_data (task, d, (GDestroyNotify) login_data_free);

  /* The request goes to the new server, without any old token. */
  g_free (self->server_url);
  self->server_url = g_strdup (d->server_url);
  g_clear_pointer (&self->token, g_free);

  set_state (self, CAIRN_SYNC_STATE_CONNECTING, NULL);
  body = cairn_protocol_encode_session_request (username, password, d->device);
  http_call_async (self, "POST", "/v1/session", body, "signing in", cancellable,
                   login_session_done, g_steal_pointer (&task));
}

gboolean
cairn_sync_engine_login_finish (CairnSyncEngine  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    {
      load_account (self);
      if (self->server_url == NULL)
        set_state (self, CAIRN_SYNC_STATE_OFFLINE, NULL);
      return FALSE;
    }
  return TRUE;
}

static void
logout_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CairnSyncEngine *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char *dir = cairn_profile_get_dir (self->profile);

  /* Best effort: a server that cannot be reached does not keep the user
   * signed in here. */
  node = http_call_finish (self, result, NULL, &error);
  if (node == NULL)
    g_debug ("Could not revoke the session on the server: %s", error->message);
  g_clear_error (&error);

  if ((self->server_url && self->username &&
       !cairn_token_delete (dir, self->server_url, self->username, &error)) ||
      !cairn_profile_set_setting (self->profile, "sync", "server", NULL, &error) ||
      !cairn_profile_set_setting (self->profile, "sync", "username", NULL, &error) ||
      !cairn_profile_set_setting (self->profile, "sync", "device", NULL, &error) ||
      !cairn_profile_set_setting (self->profile, "sync", "last-sync", NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  load_account (self);
  set_state (self, CAIRN_SYNC_STATE_OFFLINE, NULL);
  g_task_return_boolean (task, TRUE);
}

void
cairn_sync_engine_logout_async (CairnSyncEngine     *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cairn_sync_engine_logout_async);
  cairn_sync_engine_stop (self);

  if (self->server_url == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  http_call_async (self, "DELETE", "/v1/session", NULL, "signing out", cancellable,
                   logout_done, g_steal_pointer (&task));
}

gboolean
cairn_sync_engine_logout_finish (CairnSyncEngine  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- one sync round (HTTP) ---------------------------------------------- */

typedef struct
{
  guint      steps;
  guint      pulls_in_flight;
  GPtrArray *held;   /* CairnWireEvent*: pages waiting to be rebased together */
} RoundData;

static void
round_data_free (RoundData *data)
{
  g_clear_pointer (&data->held, g_ptr_array_unref);
  g_free (data);
}

static void round_step      (GTask        *task);
static void round_pull_done (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data);

static void
round_fail (GTask  *task,
            GError *error)
{
  CairnSyncEngine *self = g_task_get_source_object (task);

  if (is_auth_error (error))
    g_prefix_error (&error, "Sign in again (local changes are kept): ");
  set_failure_state (self, error);
  g_task_return_error (task, error);
}

static void
round_push_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CairnSyncEngine *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) store_error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CairnPushReply) reply = NULL;
  gint64 expected = 0;

  node = http_call_finish (self, result, &expected, &error);
  if (node != NULL)
    reply = cairn_protocol_decode_push_reply (node, FALSE, &error);

  if (self->core == NULL)
    {
      g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                               "The workspace changed during the sync");
      return;
    }

  if (reply == NULL)
    {
      if (!cairn_sync_core_push_failed (self->core, error, expected, &store_error))
        round_fail (task, g_steal_pointer (&store_error));
      else if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP))
        round_step (g_steal_pointer (&task));
      else if (cairn_sync_core_is_refusal (error))
        {
          /* The core narrows the push down to the refused change and sets
           * it aside; the rest goes out. */
          note_refused (self);
          update_counts (self);
          round_step (g_steal_pointer (&task));
        }
      else
        round_fail (task, g_steal_pointer (&error));
      return;
    }
  if (!cairn_sync_core_push_done (self->core, reply, &store_error))
    {
      round_fail (task, g_steal_pointer (&store_error));
      return;
    }
  round_step (g_steal_pointer (&task));
}

static void
round_pull (GTask  *task,
            gint64  after)
{
  CairnSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);

  data->pulls_in_flight++;
  pull_async (self, after, g_task_get_cancellable (task), round_pull_done, g_object_ref (task));
}

static void
round_pull_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CairnSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPullReply) reply = NULL;

  data->pulls_in_flight--;
  if (g_task_get_completed (task))
    return;   /* the round already failed */
  reply = pull_finish (self, result, &error);
  if (reply == NULL)
    {
      round_fail (task, g_steal_pointer (&error));
      return;
    }
  if (self->core == NULL)
    {
      g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                               "The workspace changed during the sync");
      return;
    }

  /* A long catch-up: ask for the next page now, so that the server
   * prepares it while this one is rebased. If this page turns out not to
   * apply, the core ignores the next one and asks again. */
  if (reply->more && reply->events->len > 0 && data->pulls_in_flight == 0)
    round_pull (task, ((CairnWireEvent *) g_ptr_array_index (reply->events,
                                                             reply->events->len - 1))->seq);

  /* Several pages make one rebase (one transaction) of up to
   * CATCH_UP_BATCH events: each transaction has a fixed cost. */
  if (data->held == NULL)
    data->held = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  g_ptr_array_extend_and_steal (data->held, g_steal_pointer (&reply->events));
  reply->events = g_ptr_array_new ();
  if (data->pulls_in_flight > 0 && data->held->len + PULL_PAGE <= CATCH_UP_BATCH)
    return;
  if (!cairn_sync_core_receive (self->core, data->held, reply->head, reply->history_id, &error))
    {
      round_fail (task, g_steal_pointer (&error));
      return;
    }
  g_ptr_array_set_size (data->held, 0);
  update_counts (self);
  if (data->pulls_in_flight > 0)
    return;   /* the next page's answer carries on */
  round_step (g_steal_pointer (&task));
}

static void
round_step (GTask *task)
{
  CairnSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  g_autofree char *path = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (++data->steps > MAX_ROUND_STEPS)
    {
      round_fail (task, g_error_new (CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                                     "The sync made no progress after %u requests",
                                     MAX_ROUND_STEPS));
      g_object_unref (task);
      return;
    }

  batch = cairn_sync_core_next_push (self->core, PUSH_BATCH, &error);
  if (error != NULL)
    {
      round_fail (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  path = events_path (self);
  if (batch != NULL)
    {
      g_autoptr(JsonNode) body = cairn_protocol_encode_push_request (batch, NULL);
      http_call_async (self, "POST", path, body, "pushing changes",
                       g_task_get_cancellable (task), round_push_done, task);
    }
  else if (cairn_sync_core_wants_pull (self->core))
    {
      round_pull (task, cairn_sync_core_pull_after (self->core));
      g_object_unref (task);
    }
  else
    {
      set_state (self, CAIRN_SYNC_STATE_UP_TO_DATE, NULL);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

void
cairn_sync_engine_sync_async (CairnSyncEngine     *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cairn_sync_engine_sync_async);
  g_task_set_task_data (task, g_new0 (RoundData, 1), (GDestroyNotify) round_data_free);

  if (!check_ready (self, &error))
    {
      set_failure_state (self, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->store == NULL)
    {
      g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                               "No workspace to sync");
      return;
    }

  set_state (self, CAIRN_SYNC_STATE_SYNCING, NULL);
  /* A round is a connection of its own: check the server's history. */
  if (self->ws == NULL)
    cairn_sync_core_reset_connection (self->core);
  round_step (g_steal_pointer (&task));
}

gboolean
cairn_sync_engine_sync_finish (CairnSyncEngine  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- continuous sync (live WebSocket) ----------------------------------- */

static gboolean
reconnect_cb (gpointer user_data)
{
  CairnSyncEngine *self = user_data;

  self->reconnect_id = 0;
  live_connect (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (CairnSyncEngine *self)
{
  guint delay;

  if (!self->running || self->reconnect_id != 0)
    return;
  delay = cairn_backoff_next_delay (&self->backoff);
  g_debug ("Reconnecting in %u ms", delay);
  self->reconnect_id = g_timeout_add (delay, reconnect_cb, self);
}

static void
live_drop (CairnSyncEngine *self)
{
  if (self->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ws, self);
      if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&self->ws);
    }
  g_clear_pointer (&self->ws_push_id, g_free);
  if (self->core != NULL)
    cairn_sync_core_reset_connection (self->core);
}

static void
live_lost (CairnSyncEngine *self,
           const GError    *error)
{
  live_drop (self);
  if (error != NULL)
    set_failure_state (self, error);
  else
    set_state (self, CAIRN_SYNC_STATE_OFFLINE, NULL);
  if (self->running && cairn_sync_engine_is_signed_in (self))
    schedule_reconnect (self);
}

static void
live_pull_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CairnSyncEngine *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPullReply) reply = NULL;

  reply = pull_finish (self, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  self->pulling = FALSE;
  if (reply == NULL)
    live_lost (self, error);
  else if (self->core == NULL)
    ;
  else if (!cairn_sync_core_receive (self->core, reply->events, reply->head, reply->history_id, &error))
    live_lost (self, error);
  else
    kick (self);
  g_object_unref (self);
}

/* Sends what can be sent and pulls what is missing; says "up to date"
 * when there is nothing of either. */
static void
kick (CairnSyncEngine *self)
{
  g_autoptr(GError) error = NULL;

  if (!self->running || self->ws == NULL || self->core == NULL)
    return;

  if (self->ws_push_id == NULL)
    {
      g_autoptr(GPtrArray) batch = cairn_sync_core_next_push (self->core, PUSH_BATCH, &error);

      if (error != NULL)
        {
          live_lost (self, error);
          return;
        }
      if (batch != NULL)
        {
          g_autoptr(JsonNode) msg = NULL;
          g_autofree char *text = NULL;

          self->ws_push_id = g_strdup_printf ("p%" G_GUINT64_FORMAT, ++self->push_counter);
          msg = cairn_protocol_encode_push_request (batch, self->ws_push_id);
          text = cairn_protocol_to_string (msg, NULL);
          soup_websocket_connection_send_text (self->ws, text);
          set_state (self, CAIRN_SYNC_STATE_SYNCING, NULL);
        }
    }

  if (!self->pulling && cairn_sync_core_wants_pull (self->core))
    {
      self->pulling = TRUE;
      set_state (self, CAIRN_SYNC_STATE_SYNCING, NULL);
      /* Each page comes back through the main loop: a long catch-up never
       * blocks the UI. */
      pull_async (self, cairn_sync_core_pull_after (self->core), self->cancellable,
                  live_pull_done, g_object_ref (self));
    }

  if (self->ws_push_id == NULL && !self->pulling && cairn_sync_core_is_up_to_date (self->core))
    set_state (self, CAIRN_SYNC_STATE_UP_TO_DATE, NULL);
  else
    update_counts (self);
}

static void
live_message (SoupWebsocketConnection *ws,
              gint                     type,
              GBytes                  *message,
              CairnSyncEngine         *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnLiveMessage) msg = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (message, &len);
  gboolean ok = TRUE;

  self->ws_last_message = g_get_monotonic_time ();
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;
  msg = cairn_protocol_decode_live_message_text (data, len, CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES * 2,
                                                 &error);
  if (msg == NULL)
    {
      g_autoptr(GError) wrapped = g_error_new (CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL,
                                               "Unreadable message on the live stream: %s",
                                               error->message);
      live_lost (self, wrapped);
      return;
    }

  switch (msg->type)
    {
    case CAIRN_LIVE_HELLO:
      cairn_backoff_reset (&self->backoff);
      ok = cairn_sync_core_receive (self->core, NULL, msg->head, msg->history_id, &error);
      break;
    case CAIRN_LIVE_EVENTS:
      ok = cairn_sync_core_receive (self->core, msg->events, msg->head, NULL, &error);
      break;
    case CAIRN_LIVE_ACK:
      if (g_strcmp0 (msg->ack->id, self->ws_push_id) == 0)
        {
          g_clear_pointer (&self->ws_push_id, g_free);
          ok = cairn_sync_core_push_done (self->core, msg->ack, &error);
        }
      break;
    case CAIRN_LIVE_ERROR:
      {
        g_autoptr(GError) server_error = cairn_error_reply_to_gerror (msg->error);

        if (msg->id != NULL && g_strcmp0 (msg->id, self->ws_push_id) == 0)
          {
            g_clear_pointer (&self->ws_push_id, g_free);
            ok = cairn_sync_core_push_failed (self->core, server_error, msg->error->expected, &error);
            if (ok && cairn_sync_core_is_refusal (server_error))
              {
                note_refused (self);
                update_counts (self);
                break;   /* push the rest (kick) */
              }
          }
        if (ok && !g_error_matches (server_error, CAIRN_PROTOCOL_ERROR,
                                    CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP))
          {
            live_lost (self, server_error);
            return;
          }
      }
      break;
    default:
      break;
    }

  if (!ok)
    {
      live_lost (self, error);
      return;
    }
  kick (self);
}

static void
live_closed (SoupWebsocketConnection *ws,
             CairnSyncEngine         *self)
{
  gushort code = soup_websocket_connection_get_close_code (ws);

  if (code == SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION)
    {
      /* 1008: the session was revoked or we left the workspace. */
      g_autoptr(GError) error = g_error_new (CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                                             "The server ended this device's session");
      live_lost (self, error);
      return;
    }
  live_lost (self, NULL);
}

static void
http_fallback_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!cairn_sync_engine_sync_finish (CAIRN_SYNC_ENGINE (source), result, &error))
    g_debug ("Sync over HTTP failed: %s", error->message);
}

static void
live_connected (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CairnSyncEngine *self = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *ws;

  guint status = 0;

  ws = cairn_ws_limit_connect_finish (result, &status, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  if (ws == NULL)
    {
      g_autoptr(GError) why = NULL;

      if (status == SOUP_STATUS_UNAUTHORIZED)
        why = g_error_new (CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                           "The server refused this device's sign-in");
      else
        why = g_error_new (CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_NETWORK,
                           "Cannot open the live stream: %s", error->message);
      live_lost (self, why);
      /* The server answers HTTP but the stream cannot be opened (a proxy
       * without WebSocket support, too many connections): sync over plain
       * HTTP at every reconnection attempt meanwhile. */
      if (status >= 400 && status != SOUP_STATUS_UNAUTHORIZED && self->running)
        cairn_sync_engine_sync_async (self, self->cancellable, http_fallback_done, NULL);
      g_object_unref (self);
      return;
    }
  if (!self->running || self->core == NULL)
    {
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (ws);
      g_object_unref (self);
      return;
    }

  self->ws = ws;
  self->ws_last_message = g_get_monotonic_time ();
  soup_websocket_connection_set_keepalive_interval (ws, PROBE_SECONDS);
  g_signal_connect (ws, "message", G_CALLBACK (live_message), self);
  g_signal_connect (ws, "closed", G_CALLBACK (live_closed), self);
  set_state (self, CAIRN_SYNC_STATE_SYNCING, NULL);
  kick (self);
  g_object_unref (self);
}

static void
live_connect (CairnSyncEngine *self)
{
  g_autofree char *url = NULL;
  g_autofree char *auth = NULL;

  if (!self->running || self->core == NULL || self->ws != NULL)
    return;
  if (!cairn_sync_engine_is_signed_in (self))
    {
      set_state (self, self->server_url ? CAIRN_SYNC_STATE_NEEDS_SIGN_IN : CAIRN_SYNC_STATE_OFFLINE,
                 NULL);
      return;
    }

  cairn_sync_core_reset_connection (self->core);
  url = g_strdup_printf ("%s/v1/workspaces/%s/live?after=%" G_GINT64_FORMAT, self->server_url,
                         self->workspace_id, cairn_sync_core_pull_after (self->core));
  if (!g_uri_is_valid (url, G_URI_FLAGS_ENCODED, NULL))
    {
      set_state (self, CAIRN_SYNC_STATE_ERROR, "The server address is not valid");
      return;
    }
  auth = g_strconcat ("Bearer ", self->token, NULL);
  set_state (self, CAIRN_SYNC_STATE_CONNECTING, NULL);
  /* Opened by cairn-ws-limit rather than the session: libsoup 3.2 limits
   * each frame, not a message sent in many fragments, and does not let
   * the app read a session's WebSocket stream itself. */
  cairn_ws_limit_connect_async (url, auth, CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES, self->cancellable,
                                live_connected, g_object_ref (self));
}

/* Half-open connections: the server pings every 30 s, but libsoup 3.2
 * does not tell us about pings. So every PROBE_SECONDS we also pull over
 * HTTP; if the server has events the live stream did not bring while the
 * stream stayed silent, the stream is dead: reconnect. The pull doubles as
 * a gap filler. */
static gboolean
probe_cb (gpointer user_data)
{
  CairnSyncEngine *self = user_data;

  if (self->ws != NULL && self->core != NULL && !self->pulling)
    {
      gint64 silent = g_get_monotonic_time () - self->ws_last_message;

      if (silent > 3 * PROBE_SECONDS * G_USEC_PER_SEC)
        {
          g_debug ("Live stream silent for %" G_GINT64_FORMAT " s; reconnecting",
                   silent / G_USEC_PER_SEC);
          live_lost (self, NULL);
          return G_SOURCE_CONTINUE;
        }
      cairn_sync_core_reset_connection (self->core);
      kick (self);
    }
  return G_SOURCE_CONTINUE;
}

void
cairn_sync_engine_start (CairnSyncEngine *self)
{
  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));

  if (self->running)
    return;
  self->running = TRUE;
  self->cancellable = g_cancellable_new ();
  cairn_backoff_reset (&self->backoff);
  self->probe_id = g_timeout_add_seconds (PROBE_SECONDS, probe_cb, self);
  live_connect (self);
}

void
cairn_sync_engine_stop (CairnSyncEngine *self)
{
  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));

  if (!self->running)
    return;
  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  g_clear_handle_id (&self->probe_id, g_source_remove);
  self->pulling = FALSE;
  live_drop (self);
  if (cairn_sync_status_get_state (self->status) != CAIRN_SYNC_STATE_NEEDS_SIGN_IN)
    set_state (self, CAIRN_SYNC_STATE_OFFLINE, NULL);
}

/* ---- workspaces ---------------------------------------------------------- */

static void
list_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CairnSyncEngine *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = http_call_finish (self, result, NULL, &error);
  GPtrArray *list = NULL;

  if (node != NULL)
    list = cairn_protocol_decode_workspaces (node, &error);
  if (list == NULL)
    {
      if (is_auth_error (error))
        set_failure_state (self, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
}

void
cairn_sync_engine_list_workspaces_async (CairnSyncEngine     *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cairn_sync_engine_list_workspaces_async);
  if (!check_ready (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  http_call_async (self, "GET", "/v1/workspaces", NULL, "listing workspaces", cancellable,
                   list_done, g_steal_pointer (&task));
}

GPtrArray *
cairn_sync_engine_list_workspaces_finish (CairnSyncEngine  *self,
                                          GAsyncResult     *result,
                                          GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
share_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CairnSyncEngine *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = http_call_finish (self, result, NULL, &error);

  if (node == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
cairn_sync_engine_share_async (CairnSyncEngine     *self,
                               const char          *workspace_id,
                               const char          *username,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;
  GError *error = NULL;

  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));
  g_return_if_fail (workspace_id != NULL && username != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cairn_sync_engine_share_async);
  if (!check_ready (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!cairn_protocol_is_uuid (workspace_id))
    {
      g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                               "“%s” is not a workspace id", workspace_id);
      return;
    }
  path = g_strdup_printf ("/v1/workspaces/%s/members", workspace_id);
  body = cairn_protocol_encode_member_request (username);
  http_call_async (self, "POST", path, body, "sharing the workspace", cancellable,
                   share_done, g_steal_pointer (&task));
}

gboolean
cairn_sync_engine_share_finish (CairnSyncEngine  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- conflicts ------------------------------------------------------------ */

gboolean
cairn_sync_engine_keep_mine (CairnSyncEngine  *self,
                             CairnConflict    *conflict,
                             GError          **error)
{
  gboolean ok;

  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (self), FALSE);
  g_return_val_if_fail (CAIRN_IS_CONFLICT (conflict), FALSE);
  g_return_val_if_fail (self->store != NULL, FALSE);

  ok = cairn_store_keep_mine (self->store, cairn_conflict_get_id (conflict), error);
  update_counts (self);
  return ok;
}

gboolean
cairn_sync_engine_dismiss (CairnSyncEngine  *self,
                           CairnConflict    *conflict,
                           GError          **error)
{
  gboolean ok;

  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (self), FALSE);
  g_return_val_if_fail (CAIRN_IS_CONFLICT (conflict), FALSE);
  g_return_val_if_fail (self->store != NULL, FALSE);

  ok = cairn_store_dismiss_conflict (self->store, cairn_conflict_get_id (conflict), error);
  update_counts (self);
  return ok;
}

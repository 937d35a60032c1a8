/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-engine-login.c: signing in and out. */
#define G_LOG_DOMAIN "cairn-sync-engine"
#include "config.h"

#include "cairn-sync-engine-private.h"
#include "cairn-workspace.h"

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
 * database becomes the personal workspace's (in place, see
 * cairn_profile_adopt_workspace_file()), keeping what was written before
 * signing in. */
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
          /* The file is not renamed: the app (or another process) may
           * hold it open, and a store renamed under it loses its watch on
           * the file and its -wal and -shm. The personal workspace adopts
           * the file instead. */
          g_clear_object (&probe);
          if (!cairn_profile_adopt_workspace_file (self->profile, personal->id, current, error))
            return FALSE;
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

  node = _cairn_sync_engine_http_call_finish (self, result, NULL, &error);
  if (node != NULL)
    workspaces = cairn_protocol_decode_workspaces (node, &error);
  if (workspaces == NULL || !adopt_local_workspace (self, workspaces, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Whoever signs in (the app or cairn-cli), the app names the
   * workspaces from now on. */
  cairn_workspace_remember_names_in (self->profile, workspaces);
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

  node = _cairn_sync_engine_http_call_finish (self, result, NULL, &error);
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
      !cairn_profile_set_setting (self->profile, "sync", "device", d->device, &error) ||
      !cairn_profile_set_setting (self->profile, "sync", "certificate", self->certificate, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  _cairn_sync_engine_load_account (self);
  _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_OFFLINE, NULL);

  _cairn_sync_engine_http_call_async (self, "GET", "/v1/workspaces", NULL, "listing workspaces",
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

  /* The request goes to the new server, without any old token, trusting
   * the certificate the person chose for it (if any), not the old
   * server's. */
  g_free (self->server_url);
  self->server_url = g_strdup (d->server_url);
  g_clear_pointer (&self->token, g_free);
  g_free (self->certificate);
  self->certificate = g_steal_pointer (&self->login_certificate);
  g_clear_pointer (&self->refused_certificate, g_free);

  _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_CONNECTING, NULL);
  body = cairn_protocol_encode_session_request (username, password, d->device);
  _cairn_sync_engine_http_call_async (self, "POST", "/v1/session", body, "signing in", cancellable,
                   login_session_done, g_steal_pointer (&task));
}

void
cairn_sync_engine_set_login_certificate (CairnSyncEngine *self,
                                         const char      *fingerprint)
{
  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));

  g_free (self->login_certificate);
  self->login_certificate = cairn_tls_fingerprint_parse (fingerprint);
}

char *
cairn_sync_engine_dup_refused_certificate (CairnSyncEngine *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (self), NULL);
  return g_strdup (self->refused_certificate);
}

gboolean
cairn_sync_engine_trust_certificate (CairnSyncEngine  *self,
                                     const char       *fingerprint,
                                     GError          **error)
{
  g_autofree char *parsed = NULL;

  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (self), FALSE);

  if (!cairn_sync_engine_is_signed_in (self))
    {
      g_set_error_literal (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_NOT_SIGNED_IN,
                           "Not signed in: the certificate is trusted when signing in");
      return FALSE;
    }
  if ((parsed = cairn_tls_fingerprint_parse (fingerprint)) == NULL)
    {
      g_set_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                   "“%s” is not a SHA-256 fingerprint (64 hex digits, with or without colons)",
                   fingerprint != NULL ? fingerprint : "");
      return FALSE;
    }
  if (!cairn_profile_set_setting (self->profile, "sync", "certificate", parsed, error))
    return FALSE;
  g_free (self->certificate);
  self->certificate = g_steal_pointer (&parsed);
  g_clear_pointer (&self->refused_certificate, g_free);
  /* Running: connect again now rather than after the backoff. */
  if (self->running)
    {
      cairn_sync_engine_stop (self);
      cairn_sync_engine_start (self);
    }
  return TRUE;
}

const char *
cairn_sync_engine_get_certificate (CairnSyncEngine *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (self), NULL);
  return self->certificate;
}

gboolean
cairn_sync_engine_login_finish (CairnSyncEngine  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    {
      _cairn_sync_engine_load_account (self);
      if (self->server_url == NULL)
        _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_OFFLINE, NULL);
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
  node = _cairn_sync_engine_http_call_finish (self, result, NULL, &error);
  if (node == NULL)
    g_debug ("Could not revoke the session on the server: %s", error->message);
  g_clear_error (&error);

  if ((self->server_url && self->username &&
       !cairn_token_delete (dir, self->server_url, self->username, &error)) ||
      !cairn_profile_set_setting (self->profile, "sync", "server", NULL, &error) ||
      !cairn_profile_set_setting (self->profile, "sync", "username", NULL, &error) ||
      !cairn_profile_set_setting (self->profile, "sync", "device", NULL, &error) ||
      !cairn_profile_set_setting (self->profile, "sync", "certificate", NULL, &error) ||
      !cairn_profile_set_setting (self->profile, "sync", "last-sync", NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  _cairn_sync_engine_load_account (self);
  _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_OFFLINE, NULL);
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
  _cairn_sync_engine_http_call_async (self, "DELETE", "/v1/session", NULL, "signing out", cancellable,
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

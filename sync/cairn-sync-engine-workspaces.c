/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-engine-workspaces.c: listing workspaces and sharing them. */
#define G_LOG_DOMAIN "cairn-sync-engine"
#include "config.h"

#include "cairn-sync-engine-private.h"

/* ---- workspaces ---------------------------------------------------------- */

static void
list_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CairnSyncEngine *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = _cairn_sync_engine_http_call_finish (self, result, NULL, &error);
  GPtrArray *list = NULL;

  if (node != NULL)
    list = cairn_protocol_decode_workspaces (node, &error);
  if (list == NULL)
    {
      if (_cairn_sync_engine_is_auth_error (error))
        _cairn_sync_engine_set_failure_state (self, error);
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
  if (!_cairn_sync_engine_check_ready (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  _cairn_sync_engine_http_call_async (self, "GET", "/v1/workspaces", NULL, "listing workspaces", cancellable,
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
  g_autoptr(JsonNode) node = _cairn_sync_engine_http_call_finish (self, result, NULL, &error);

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
  if (!_cairn_sync_engine_check_ready (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!cairn_is_object_id (workspace_id))
    {
      g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                               "“%s” is not a workspace id", workspace_id);
      return;
    }
  path = g_strdup_printf ("/v1/workspaces/%s/members", workspace_id);
  body = cairn_protocol_encode_member_request (username);
  _cairn_sync_engine_http_call_async (self, "POST", path, body, "sharing the workspace", cancellable,
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

/* ---- creating workspaces, members, leaving -------------------------------- */

static void
create_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CairnSyncEngine *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = _cairn_sync_engine_http_call_finish (self, result, NULL, &error);
  CairnWorkspaceInfo *info = NULL;

  if (node != NULL)
    info = cairn_protocol_decode_workspace (node, &error);
  if (info == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, info, (GDestroyNotify) cairn_workspace_info_free);
}

void
cairn_sync_engine_create_workspace_async (CairnSyncEngine     *self,
                                          const char          *name,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *clean = NULL;
  GError *error = NULL;

  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));
  g_return_if_fail (name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cairn_sync_engine_create_workspace_async);
  if (!_cairn_sync_engine_check_ready (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* The server's own rule for names, checked here first: a bad name never
   * leaves the device. */
  body = cairn_protocol_encode_workspace_request (name);
  clean = cairn_protocol_decode_workspace_request (body, &error);
  if (clean == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  _cairn_sync_engine_http_call_async (self, "POST", "/v1/workspaces", body, "creating a workspace",
                                      cancellable, create_done, g_steal_pointer (&task));
}

CairnWorkspaceInfo *
cairn_sync_engine_create_workspace_finish (CairnSyncEngine  *self,
                                           GAsyncResult     *result,
                                           GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
members_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CairnSyncEngine *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = _cairn_sync_engine_http_call_finish (self, result, NULL, &error);
  GPtrArray *members = NULL;

  if (node != NULL)
    members = cairn_protocol_decode_members (node, &error);
  if (members == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, members, (GDestroyNotify) g_ptr_array_unref);
}

void
cairn_sync_engine_list_members_async (CairnSyncEngine     *self,
                                      const char          *workspace_id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  GError *error = NULL;

  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));
  g_return_if_fail (workspace_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cairn_sync_engine_list_members_async);
  if (!_cairn_sync_engine_check_ready (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!cairn_is_object_id (workspace_id))
    {
      g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                               "“%s” is not a workspace id", workspace_id);
      return;
    }
  path = g_strdup_printf ("/v1/workspaces/%s/members", workspace_id);
  _cairn_sync_engine_http_call_async (self, "GET", path, NULL, "listing the members", cancellable,
                                      members_done, g_steal_pointer (&task));
}

GPtrArray *
cairn_sync_engine_list_members_finish (CairnSyncEngine  *self,
                                       GAsyncResult     *result,
                                       GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
cairn_sync_engine_remove_member_async (CairnSyncEngine     *self,
                                       const char          *workspace_id,
                                       const char          *username,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  GError *error = NULL;

  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));
  g_return_if_fail (workspace_id != NULL && username != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cairn_sync_engine_remove_member_async);
  if (!_cairn_sync_engine_check_ready (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!cairn_is_object_id (workspace_id) || !cairn_protocol_is_username (username))
    {
      g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                               "“%s” is not a workspace id or “%s” not a user name",
                               workspace_id, username);
      return;
    }
  path = g_strdup_printf ("/v1/workspaces/%s/members/%s", workspace_id, username);
  /* A 204 answer: share_done reads it as success. */
  _cairn_sync_engine_http_call_async (self, "DELETE", path, NULL, "removing a member", cancellable,
                                      share_done, g_steal_pointer (&task));
}

gboolean
cairn_sync_engine_remove_member_finish (CairnSyncEngine  *self,
                                        GAsyncResult     *result,
                                        GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
cairn_sync_engine_get_username (CairnSyncEngine *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (self), NULL);
  return self->username;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-engine-history.c: an object's older events from the server,
 * for history on a device whose log starts at a snapshot (issue 17). */
#define G_LOG_DOMAIN "cairn-sync-engine"
#include "config.h"

#include "cairn-sync-core.h"
#include "cairn-sync-engine-private.h"

#define HISTORY_LIMIT 1000

static void
history_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CairnSyncEngine *self = CAIRN_SYNC_ENGINE (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPullReply) reply = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

  reply = _cairn_sync_engine_pull_finish (self, result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < reply->events->len; i++)
    {
      CairnEvent *event = cairn_sync_event_from_wire (reply->events->pdata[i], &error);

      if (event == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_ptr_array_add (events, event);
    }
  g_task_return_pointer (task, g_steal_pointer (&events), (GDestroyNotify) g_ptr_array_unref);
}

void
cairn_sync_engine_fetch_history_async (CairnSyncEngine     *self,
                                       const char          *object_id,
                                       gint64               before,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));
  g_return_if_fail (object_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cairn_sync_engine_fetch_history_async);
  if (!_cairn_sync_engine_check_ready (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!cairn_is_object_id (object_id))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "“%s” is not an object id", object_id);
      return;
    }
  path = g_strdup_printf ("/v1/workspaces/%s/events?object=%s&before=%" G_GINT64_FORMAT "&limit=%d",
                          self->workspace_id, object_id, before, HISTORY_LIMIT);
  _cairn_sync_engine_pull_path_async (self, path, "reading the history", cancellable,
                                      history_done, g_steal_pointer (&task));
}

GPtrArray *
cairn_sync_engine_fetch_history_finish (CairnSyncEngine  *self,
                                        GAsyncResult     *result,
                                        GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

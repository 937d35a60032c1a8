/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-engine-round.c: one sync round over HTTP (cairn-cli sync,
 * Sync Now). */
#define G_LOG_DOMAIN "cairn-sync-engine"
#include "config.h"

#include "cairn-sync-engine-private.h"
#include "cairn-snapshot.h"
#include "cairn-sync-pipeline.h"

/* ---- one sync round (HTTP) ---------------------------------------------- */

typedef struct
{
  guint      steps;
  guint      pulls_in_flight;
  GPtrArray *held;   /* CairnWireEvent*: pages waiting to be rebased together */
  CairnSyncPrepared *held_prepared;   /* their store events, made ahead or not */
  /* Issue 17, fourth round: the pages after the first of a long pull come
   * through a pipeline (cairn-sync-pipeline.c) that fetches, decodes and
   * makes their store events on a thread of its own; pipeline_after is
   * the seq it goes on from. */
  CairnSyncPipeline *pipeline;
  gint64     pipeline_after;
  /* Bootstrap from a snapshot (issue 17): downloads tried this round. */
  guint      snapshot_tries;
  gboolean   snapshot_done;
} RoundData;

static void
round_data_free (RoundData *data)
{
  g_clear_pointer (&data->pipeline, cairn_sync_pipeline_free);
  g_clear_pointer (&data->held, g_ptr_array_unref);
  g_clear_pointer (&data->held_prepared, cairn_sync_prepared_free);
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

  if (_cairn_sync_engine_is_auth_error (error))
    g_prefix_error (&error, "Sign in again (local changes are kept): ");
  _cairn_sync_engine_set_failure_state (self, error);
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

  node = _cairn_sync_engine_http_call_finish (self, result, &expected, &error);
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
          _cairn_sync_engine_note_refused (self);
          _cairn_sync_engine_update_counts (self);
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
  _cairn_sync_engine_pull_async (self, after, g_task_get_cancellable (task), round_pull_done, g_object_ref (task));
}

/* Adds a page's events (taken from reply) to those held for the next
 * rebase, with their store events when made ahead (prepared, emptied). */
static void
hold_page (RoundData         *data,
           CairnPullReply    *reply,
           CairnSyncPrepared *prepared)
{
  guint n = reply->events->len;

  if (data->held == NULL)
    {
      data->held = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
      data->held_prepared = cairn_sync_prepared_new (NULL);
    }
  g_ptr_array_extend_and_steal (data->held, g_steal_pointer (&reply->events));
  reply->events = g_ptr_array_new ();
  if (prepared != NULL)
    cairn_sync_prepared_extend (data->held_prepared, prepared);
  else
    cairn_sync_prepared_add_unmade (data->held_prepared, n);
}

/* Rebases what is held, in one transaction; what is left of it is freed
 * on the pipeline's thread when there is one. */
static gboolean
apply_held (CairnSyncEngine  *self,
            RoundData        *data,
            gint64            head,
            const char       *history_id,
            GError          **error)
{
  gboolean ok;

  ok = cairn_sync_core_receive_prepared (self->core, data->held, data->held_prepared,
                                         head, history_id, error);
  if (data->pipeline != NULL)
    {
      cairn_sync_pipeline_dispose_wire (data->pipeline, g_steal_pointer (&data->held));
      cairn_sync_pipeline_dispose_prepared (data->pipeline, g_steal_pointer (&data->held_prepared));
    }
  else
    {
      g_clear_pointer (&data->held, g_ptr_array_unref);
      g_clear_pointer (&data->held_prepared, cairn_sync_prepared_free);
    }
  return ok;
}

/* After a rebase: does the core want the very pages the pipeline goes on
 * with? Not after a gap, a probe, a restore: then the pipeline stops and
 * the round asks the core where to pull from, as without it. */
static gboolean
pipeline_continues (CairnSyncEngine *self,
                    RoundData       *data)
{
  return data->pipeline != NULL &&
         cairn_sync_core_wants_pull (self->core) &&
         cairn_sync_core_pull_after (self->core) == data->pipeline_after;
}

static void
stop_pipeline (RoundData *data)
{
  /* Drops the pipeline's reference to the task: the caller holds one. */
  cairn_sync_pipeline_stop (data->pipeline);
}

static gboolean
pipeline_wanted (void)
{
  /* CAIRN_SYNC_PIPELINE=0: every page on the main thread, as before
   * (benchmarks and tests compare both in one build). Read at each long
   * pull, never while a pipeline's thread runs. */
  return g_strcmp0 (g_getenv ("CAIRN_SYNC_PIPELINE"), "0") != 0;
}

static void
round_pipeline_ready (CairnSyncPipeline *pipeline,
                      gpointer           user_data)
{
  g_autoptr(GTask) task = g_object_ref (user_data);
  CairnSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  CairnSyncPage *next;

  while ((next = cairn_sync_pipeline_pop (pipeline)) != NULL)
    {
      g_autoptr(CairnSyncPage) page = next;
      g_autoptr(GError) error = NULL;
      gboolean last;

      if (g_task_get_completed (task))
        {
          stop_pipeline (data);
          return;
        }
      if (page->error != NULL)
        {
          stop_pipeline (data);
          round_fail (task, g_steal_pointer (&page->error));
          return;
        }
      if (self->core == NULL)
        {
          stop_pipeline (data);
          g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                                   "The workspace changed during the sync");
          return;
        }
      /* As a pull in flight would end, once the round is cancelled. */
      if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
        {
          stop_pipeline (data);
          round_fail (task, g_steal_pointer (&error));
          return;
        }

      last = !page->reply->more || page->reply->events->len == 0;
      if (!last)
        data->pipeline_after = ((CairnWireEvent *) g_ptr_array_index (page->reply->events,
                                                                      page->reply->events->len - 1))->seq;
      hold_page (data, page->reply, page->prepared);
      if (!last && data->held->len + PULL_PAGE <= CATCH_UP_BATCH)
        continue;
      if (!apply_held (self, data, page->reply->head, page->reply->history_id, &error))
        {
          stop_pipeline (data);
          round_fail (task, g_steal_pointer (&error));
          return;
        }
      _cairn_sync_engine_update_counts (self);
      /* One rebase per call: the main loop runs before the next. */
      if (!last && pipeline_continues (self, data))
        return;
      stop_pipeline (data);
      round_step (g_steal_pointer (&task));
      return;
    }
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
  reply = _cairn_sync_engine_pull_finish (self, result, &error);
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
   * prepares it while this one is rebased; with the pipeline, every next
   * page until the last. If this page turns out not to apply, the core
   * ignores the next one (the pipeline stops) and asks again. */
  if (reply->more && reply->events->len > 0 && data->pulls_in_flight == 0)
    {
      gint64 last = ((CairnWireEvent *) g_ptr_array_index (reply->events,
                                                           reply->events->len - 1))->seq;

      if (pipeline_wanted ())
        {
          g_autofree char *path = _cairn_sync_engine_events_path (self);
          g_autofree char *url = g_strconcat (self->server_url, path, NULL);

          g_clear_pointer (&data->pipeline, cairn_sync_pipeline_free);
          data->pipeline_after = last;
          data->pipeline = cairn_sync_pipeline_start (url, self->token, self->certificate, last,
                                                      PULL_PAGE, PIPELINE_AHEAD,
                                                      g_task_get_cancellable (task),
                                                      round_pipeline_ready, g_object_ref (task),
                                                      g_object_unref);
        }
      else
        round_pull (task, last);
    }

  /* Several pages make one rebase (one transaction) of up to
   * CATCH_UP_BATCH events: each transaction has a fixed cost. */
  hold_page (data, reply, NULL);
  if ((data->pulls_in_flight > 0 || data->pipeline != NULL) &&
      data->held->len + PULL_PAGE <= CATCH_UP_BATCH)
    return;
  if (!apply_held (self, data, reply->head, reply->history_id, &error))
    {
      stop_pipeline (data);
      round_fail (task, g_steal_pointer (&error));
      return;
    }
  _cairn_sync_engine_update_counts (self);
  if (data->pulls_in_flight > 0)
    return;   /* the next page's answer carries on */
  if (pipeline_continues (self, data))
    return;   /* the pipeline's pages carry on */
  stop_pipeline (data);
  round_step (g_steal_pointer (&task));
}

/* A new device (nothing confirmed yet) starts from the server's latest
 * snapshot instead of its whole log (docs/sync.md, "Bootstrap"). A
 * download refused as damaged is tried once more; no snapshot, one this
 * build may not use (FALLBACK), or any other failure: the full log, as
 * before. */
#define SNAPSHOT_TRIES 2

static void
round_snapshot_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CairnSyncEngine *self = g_task_get_source_object (task);
  RoundData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = NULL;

  blob = _cairn_sync_engine_snapshot_finish (self, result, &error);
  if (blob == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->core == NULL || self->store == NULL)
    {
      g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                               "The workspace changed during the sync");
      return;
    }
  if (blob != NULL && cairn_store_load_snapshot (self->store, blob, &error))
    {
      g_message ("Loaded the workspace from the server's snapshot at seq %" G_GINT64_FORMAT,
                 cairn_store_get_head (self->store));
      data->snapshot_done = TRUE;
      _cairn_sync_engine_update_counts (self);
    }
  else if (g_error_matches (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_DAMAGED) &&
           data->snapshot_tries < SNAPSHOT_TRIES)
    g_message ("The server's snapshot was damaged on the way (%s); asking again", error->message);
  else
    {
      if (error != NULL && !g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND))
        g_message ("Not starting from a snapshot (%s): reading the whole log", error->message);
      data->snapshot_done = TRUE;
    }
  round_step (g_steal_pointer (&task));
}

static gboolean
wants_snapshot (CairnSyncEngine *self,
                RoundData       *data)
{
  return !data->snapshot_done &&
         cairn_store_get_head (self->store) == 0 &&
         cairn_sync_core_pull_after (self->core) == 0 &&
         cairn_sync_core_wants_pull (self->core);
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

  path = _cairn_sync_engine_events_path (self);
  if (batch != NULL)
    {
      g_autoptr(JsonNode) body = cairn_protocol_encode_push_request (batch, NULL);
      _cairn_sync_engine_http_call_async (self, "POST", path, body, "pushing changes",
                       g_task_get_cancellable (task), round_push_done, task);
    }
  else if (wants_snapshot (self, data))
    {
      data->snapshot_tries++;
      _cairn_sync_engine_snapshot_async (self, g_task_get_cancellable (task), round_snapshot_done, task);
    }
  else if (cairn_sync_core_wants_pull (self->core))
    {
      round_pull (task, cairn_sync_core_pull_after (self->core));
      g_object_unref (task);
    }
  else
    {
      _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_UP_TO_DATE, NULL);
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

  if (!_cairn_sync_engine_check_ready (self, &error))
    {
      _cairn_sync_engine_set_failure_state (self, error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->store == NULL)
    {
      g_task_return_new_error (task, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                               "No workspace to sync");
      return;
    }

  _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_SYNCING, NULL);
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

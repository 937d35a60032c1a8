/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-state-check.c: when to report the state hash, and the repair
 * after a "diverged" verdict. */
#define G_LOG_DOMAIN "cairn-sync"

#include "config.h"

#include "cairn-state-check.h"
#include "cairn-store-hash.h"
#include "cairn-store-sync.h"

typedef enum
{
  STAGE_NONE,        /* no repair since the last agreement */
  STAGE_REBUILT,     /* rebuilt once; another "diverged" re-downloads */
  STAGE_DOWNLOADED,  /* downloaded again; another "diverged" gives up */
  STAGE_GAVE_UP,
} Stage;

struct _CairnStateCheck
{
  CairnStore *store;
  gint64      interval;
  gint64      last_seq;      /* the seq of the last report sent, 0 for none */
  gboolean    report_now;    /* a repair wants a new report */
  guint       retries;       /* reports left at last_seq while the verdict is unknown */
  Stage       stage;
  guint       repairs;
};

CairnStateCheck *
cairn_state_check_new (CairnStore *store)
{
  CairnStateCheck *self = g_new0 (CairnStateCheck, 1);

  g_return_val_if_fail (CAIRN_IS_STORE (store), NULL);

  self->store = g_object_ref (store);
  self->interval = CAIRN_STATE_CHECK_DEFAULT_INTERVAL;
  return self;
}

void
cairn_state_check_free (CairnStateCheck *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->store);
  g_free (self);
}

CairnStore *
cairn_state_check_get_store (CairnStateCheck *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->store;
}

void
cairn_state_check_set_interval (CairnStateCheck *self,
                                gint64           events)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (events > 0);
  self->interval = events;
}

/* Whether a report is due now (cairn-state-check.h). */
static gboolean
report_due (CairnStateCheck *self,
            gboolean         quiet)
{
  gint64 head = cairn_store_get_head (self->store);

  if (self->stage == STAGE_GAVE_UP || head <= 0)
    return FALSE;
  /* At the same head again only while the verdict was unknown: the
   * devices that report after us may make a majority. */
  if (head == self->last_seq && self->retries == 0)
    return FALSE;
  if (head != self->last_seq && !quiet && !self->report_now &&
      head < self->last_seq + self->interval)
    return FALSE;
  /* Only with an empty outbox: the state is then the confirmed state as
   * it is, with nothing to roll back. */
  return cairn_store_get_pending_count (self->store) == 0;
}

/* The report of hash, now sent. */
static CairnStateReport *
report_of (CairnStateCheck       *self,
           const CairnStateHash  *hash,
           GError               **error)
{
  g_autoptr(CairnStateReport) report = NULL;
  char *chain = NULL;

  if (!cairn_store_get_log_chain (self->store, hash->seq, &chain, error))
    return NULL;
  report = g_new0 (CairnStateReport, 1);
  report->seq = hash->seq;
  report->chain = chain;
  report->format = g_strdup (hash->format);
  report->hash = g_strdup (hash->hash);
  if (hash->seq == self->last_seq)
    self->retries--;
  else
    self->retries = CAIRN_STATE_CHECK_RETRIES;
  self->last_seq = hash->seq;
  self->report_now = FALSE;
  return g_steal_pointer (&report);
}

CairnStateReport *
cairn_state_check_next_report (CairnStateCheck  *self,
                               gboolean          quiet,
                               GError          **error)
{
  CairnStateHash hash;

  g_return_val_if_fail (self != NULL, NULL);

  if (!report_due (self, quiet) ||
      !cairn_store_confirmed_state_hash (self->store, &hash, error))
    return NULL;
  return report_of (self, &hash, error);
}

static void
hashed (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree CairnStateHash *hash = g_new0 (CairnStateHash, 1);

  if (cairn_store_confirmed_state_hash_finish (CAIRN_STORE (source), result, hash, &error))
    g_task_return_pointer (task, g_steal_pointer (&hash), g_free);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
    g_task_return_pointer (task, NULL, NULL);  /* not now: a later call */
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

void
cairn_state_check_next_report_async (CairnStateCheck     *self,
                                     gboolean             quiet,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (self != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, cairn_state_check_next_report_async);
  if (!report_due (self, quiet))
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  /* The task does not hold self: the caller may free the check before
   * the hash comes back, and then does not call _finish(). */
  cairn_store_confirmed_state_hash_async (self->store, cancellable, hashed, g_steal_pointer (&task));
}

CairnStateReport *
cairn_state_check_next_report_finish (CairnStateCheck  *self,
                                      GAsyncResult     *result,
                                      GError          **error)
{
  g_autofree CairnStateHash *hash = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cairn_state_check_next_report_async, NULL);

  hash = g_task_propagate_pointer (G_TASK (result), error);
  if (hash == NULL)
    return NULL;
  /* A repair since the hash was asked for: it is of the state before. */
  if (self->stage == STAGE_GAVE_UP)
    return NULL;
  return report_of (self, hash, error);
}

void
cairn_state_check_report_failed (CairnStateCheck *self)
{
  g_return_if_fail (self != NULL);
  self->last_seq = 0;
}

CairnStateCheckAction
cairn_state_check_handle_verdict (CairnStateCheck         *self,
                                  const CairnStateVerdict *verdict,
                                  GError                 **error)
{
  g_return_val_if_fail (self != NULL, CAIRN_STATE_CHECK_NOTHING);
  g_return_val_if_fail (verdict != NULL, CAIRN_STATE_CHECK_NOTHING);

  /* An answer about a report we no longer stand behind (a repair since)
   * says nothing about the state now. */
  if (verdict->seq != self->last_seq)
    return CAIRN_STATE_CHECK_NOTHING;
  if (verdict->verdict != CAIRN_STATE_VERDICT_UNKNOWN)
    self->retries = 0;
  if (verdict->verdict == CAIRN_STATE_VERDICT_AGREES)
    {
      self->stage = STAGE_NONE;
      return CAIRN_STATE_CHECK_NOTHING;
    }
  if (verdict->verdict != CAIRN_STATE_VERDICT_DIVERGED || self->stage == STAGE_GAVE_UP)
    return CAIRN_STATE_CHECK_NOTHING;

  if (self->stage == STAGE_NONE)
    {
      CairnStateHash hash;

      g_message ("This device's state at seq %" G_GINT64_FORMAT " differs from the other "
                 "devices': rebuilding it from the log", verdict->seq);
      if (!cairn_store_rebuild (self->store, error))
        return CAIRN_STATE_CHECK_NOTHING;
      self->repairs++;
      self->stage = STAGE_REBUILT;
      self->report_now = TRUE;
      self->last_seq = 0;
      /* Still at that seq (and nothing typed meanwhile): the rebuild's
       * hash says at once whether it repaired the state; else the next
       * report tells. */
      if (cairn_store_get_head (self->store) == verdict->seq &&
          cairn_store_get_pending_count (self->store) == 0 &&
          cairn_store_confirmed_state_hash (self->store, &hash, NULL) &&
          g_strcmp0 (hash.hash, verdict->hash) != 0)
        goto redownload;
      return CAIRN_STATE_CHECK_REBUILT;
    }
  if (self->stage == STAGE_REBUILT)
    goto redownload;

  g_message ("This device's state at seq %" G_GINT64_FORMAT " still differs from the "
             "other devices' after downloading the log again: giving up", verdict->seq);
  self->stage = STAGE_GAVE_UP;
  return CAIRN_STATE_CHECK_GAVE_UP;

redownload:
  g_message ("This device's state at seq %" G_GINT64_FORMAT " still differs after a "
             "rebuild: downloading the log again", verdict->seq);
  if (!cairn_store_forget_server_history (self->store, cairn_store_get_history_id (self->store),
                                          error))
    return CAIRN_STATE_CHECK_NOTHING;
  self->repairs++;
  self->stage = STAGE_DOWNLOADED;
  self->report_now = TRUE;
  self->last_seq = 0;
  return CAIRN_STATE_CHECK_REDOWNLOAD;
}

gboolean
cairn_state_check_wants_retry (CairnStateCheck *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->retries > 0 && self->stage != STAGE_GAVE_UP &&
         cairn_store_get_head (self->store) == self->last_seq;
}

guint
cairn_state_check_get_repairs (CairnStateCheck *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->repairs;
}

gboolean
cairn_state_check_gave_up (CairnStateCheck *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->stage == STAGE_GAVE_UP;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-core-states.c: devices' reports of their state hash, and
 * their comparison at equal seqs (docs/server.md, "State reports"). */
#define G_LOG_DOMAIN "cairn-server"

#include "config.h"

#include "cairn-chain.h"
#include "cairn-server-core-private.h"

/* The session id under which the server's own hash is kept. */
#define OWN_SESSION "server"

typedef struct
{
  char   *session_id;
  char   *device;
  gint64  seq;
  char   *format;
  char   *hash;
} StoredReport;

static void
stored_report_free (StoredReport *self)
{
  g_free (self->session_id);
  g_free (self->device);
  g_free (self->format);
  g_free (self->hash);
  g_free (self);
}

static void
report_queue_free (GQueue *queue)
{
  g_queue_free_full (queue, (GDestroyNotify) stored_report_free);
}

/* The workspace's seq and chain at seq (chain NULL when unknown). */
static gboolean
read_log_at (CairnServerCore  *self,
             const char       *workspace_id,
             gint64            seq,
             gboolean         *out_exists,
             char            **out_chain,
             GError          **error)
{
  sqlite3_stmt *st;
  gboolean row;

  *out_exists = FALSE;
  *out_chain = NULL;
  if (self->backend)
    return self->backend->chain_at (self, workspace_id, seq, out_exists, out_chain, error);
  if (!(st = _cairn_core_stmt (self, "SELECT chain FROM events WHERE workspace_id = ? AND seq = ?", error)) ||
      !_cairn_core_bind (self, st, error, "ti", workspace_id, seq) ||
      !_cairn_core_step_row (self, st, &row, error))
    return FALSE;
  if (row)
    {
      const char *chain = _cairn_core_col_text (st, 0);

      *out_exists = TRUE;
      if (sqlite3_column_type (st, 0) != SQLITE_NULL && cairn_chain_is_valid (chain))
        *out_chain = g_strdup (chain);
      sqlite3_reset (st);
    }
  return TRUE;
}

/* Keeps report as the session's one at its seq, newest last, at most
 * CAIRN_SERVER_CORE_MAX_STATE_REPORTS per workspace. */
static GQueue *
remember_report (CairnServerCore        *self,
                 const char             *session_id,
                 const char             *device,
                 const char             *workspace_id,
                 const CairnStateReport *report)
{
  GQueue *queue;
  StoredReport *stored;

  if (self->state_reports == NULL)
    self->state_reports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                 (GDestroyNotify) report_queue_free);
  queue = g_hash_table_lookup (self->state_reports, workspace_id);
  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (self->state_reports, g_strdup (workspace_id), queue);
    }
  for (GList *l = queue->head; l != NULL; l = l->next)
    {
      StoredReport *old = l->data;

      if (old->seq == report->seq && g_str_equal (old->session_id, session_id))
        {
          stored_report_free (old);
          g_queue_delete_link (queue, l);
          break;
        }
    }
  stored = g_new0 (StoredReport, 1);
  stored->session_id = g_strdup (session_id);
  stored->device = g_strdup (device);
  stored->seq = report->seq;
  stored->format = g_strdup (report->format);
  stored->hash = g_strdup (report->hash);
  g_queue_push_tail (queue, stored);
  while (g_queue_get_length (queue) > CAIRN_SERVER_CORE_MAX_STATE_REPORTS)
    stored_report_free (g_queue_pop_head (queue));
  return queue;
}

/* A restarted core has no own report in memory; the stored snapshots'
 * headers carry the hashes the makers computed. When the workspace's
 * reports hold none of ours, the latest snapshot at or below seq gives
 * it (one read of a blob, then remembered like a maker's hand-over). */
static void
recall_own_state (CairnServerCore *self,
                  const CairnAuth *auth,
                  const char      *workspace_id,
                  gint64           seq)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *history_id = NULL;
  GQueue *queue = self->state_reports != NULL ? g_hash_table_lookup (self->state_reports, workspace_id)
                                              : NULL;
  CairnStateHash own;
  gboolean found = FALSE;
  gint64 head = 0;

  for (GList *l = queue != NULL ? queue->head : NULL; l != NULL; l = l->next)
    if (g_str_equal (((StoredReport *) l->data)->session_id, OWN_SESSION))
      return;
  if (!cairn_server_core_head (self, auth, workspace_id, &head, &history_id, &error) ||
      !_cairn_core_snapshot_own_state (self, workspace_id, seq, history_id, &own, &found, &error))
    {
      g_warning ("%s: cannot read the server's own state hash back: %s", workspace_id, error->message);
      return;
    }
  if (found)
    {
      CairnStateReport report = { own.seq, NULL, own.format, own.hash };

      remember_report (self, OWN_SESSION, "the server", workspace_id, &report);
    }
}

CairnStateVerdict *
cairn_server_core_report_state (CairnServerCore        *self,
                                const CairnAuth        *auth,
                                const char             *workspace_id,
                                const CairnStateReport *report,
                                GError                **error)
{
  g_autoptr(CairnStateVerdict) verdict = g_new0 (CairnStateVerdict, 1);
  g_autoptr(GHashTable) counts = NULL;
  g_autofree char *chain = NULL;
  const char *best_other = NULL;
  StoredReport *own = NULL;
  guint mine = 0, best_other_count = 0;
  gboolean exists;
  GHashTableIter iter;
  gpointer key, value;
  GQueue *queue;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (auth != NULL, NULL);
  g_return_val_if_fail (report != NULL, NULL);

  _cairn_core_settle (self);
  if (!cairn_server_core_check_member (self, auth, workspace_id, error) ||
      !read_log_at (self, workspace_id, report->seq, &exists, &chain, error))
    return NULL;

  verdict->seq = report->seq;
  verdict->verdict = CAIRN_STATE_VERDICT_UNKNOWN;
  if (!exists)
    {
      g_message ("%s: state report of device \"%s\" ignored: seq %" G_GINT64_FORMAT
                 " is past the log", workspace_id, auth->device, report->seq);
      return g_steal_pointer (&verdict);
    }
  if (report->chain != NULL && chain != NULL && !g_str_equal (report->chain, chain))
    {
      g_message ("%s: state report of device \"%s\" at seq %" G_GINT64_FORMAT
                 " ignored: its log is not the server's", workspace_id, auth->device,
                 report->seq);
      return g_steal_pointer (&verdict);
    }

  recall_own_state (self, auth, workspace_id, report->seq);
  queue = remember_report (self, auth->session_id, auth->device, workspace_id, report);
  counts = g_hash_table_new (g_str_hash, g_str_equal);
  for (GList *l = queue->head; l != NULL; l = l->next)
    {
      StoredReport *other = l->data;

      if (other->seq != report->seq || !g_str_equal (other->format, report->format))
        continue;
      if (g_str_equal (other->session_id, OWN_SESSION))
        {
          own = other;
          continue;
        }
      g_hash_table_insert (counts, other->hash,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, other->hash)) + 1));
      verdict->devices++;
      if (!g_str_equal (other->hash, report->hash))
        {
          self->state_mismatches++;
          g_message ("%s: devices disagree on the state at seq %" G_GINT64_FORMAT
                     ": \"%s\" (session %s) has %.16s..., \"%s\" (session %s) has %.16s...",
                     workspace_id, report->seq, auth->device, auth->session_id, report->hash,
                     other->device, other->session_id, other->hash);
        }
    }

  /* The server's own hash, when it has one here, is the reference. */
  if (own != NULL)
    {
      if (g_str_equal (own->hash, report->hash))
        verdict->verdict = CAIRN_STATE_VERDICT_AGREES;
      else
        {
          self->state_mismatches++;
          verdict->verdict = CAIRN_STATE_VERDICT_DIVERGED;
          verdict->hash = g_strdup (own->hash);
          g_message ("%s: device \"%s\" (session %s) differs from the server's own state at seq %"
                     G_GINT64_FORMAT ": told to rebuild", workspace_id, auth->device,
                     auth->session_id, report->seq);
        }
      return g_steal_pointer (&verdict);
    }

  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint n = GPOINTER_TO_UINT (value);

      if (g_str_equal (key, report->hash))
        mine = n;
      else if (n > best_other_count)
        {
          best_other = key;
          best_other_count = n;
        }
    }
  if (best_other_count > mine)
    {
      verdict->verdict = CAIRN_STATE_VERDICT_DIVERGED;
      verdict->hash = g_strdup (best_other);
      g_message ("%s: device \"%s\" (session %s) diverged at seq %" G_GINT64_FORMAT
                 " (%u devices against %u): told to rebuild", workspace_id, auth->device,
                 auth->session_id, report->seq, best_other_count, mine);
    }
  else if (mine > best_other_count && verdict->devices > 1)
    verdict->verdict = CAIRN_STATE_VERDICT_AGREES;
  return g_steal_pointer (&verdict);
}

void
cairn_server_core_set_own_state (CairnServerCore *self,
                                 const char      *workspace_id,
                                 gint64           seq,
                                 const char      *format,
                                 const char      *hash)
{
  CairnStateReport report = { seq, NULL, (char *) format, (char *) hash };

  g_return_if_fail (self != NULL);
  g_return_if_fail (workspace_id != NULL && format != NULL && hash != NULL);

  remember_report (self, OWN_SESSION, "the server", workspace_id, &report);
}

guint
cairn_server_core_get_state_mismatches (CairnServerCore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->state_mismatches;
}

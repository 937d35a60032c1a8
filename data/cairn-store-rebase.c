/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-rebase.c: taking the server's order (rebase): rolling the
 * outbox back and replaying it. docs/design.md and docs/store.md. */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-store-history-private.h"
#include "cairn-store-private.h"
#include "cairn-store-sync-private.h"

typedef struct
{
  int         conflict;
  const char *table;
} ConflictInfo;

/* notes.body (column 2 of notes) is derived state written outside the
 * changesets (cairn-store-text.c), so the row a rollback deletes (a
 * pending note.created) may hold a body that its insertion did not. */
#define NOTES_BODY_COLUMN 2

/* A DELETE of a notes row whose values differ from the recorded ones in
 * the body alone. */
static gboolean
differs_in_body_only (sqlite3_changeset_iter *iter,
                      int                     n_cols)
{
  for (int i = 0; i < n_cols; i++)
    {
      sqlite3_value *recorded = NULL, *current = NULL;

      if (i == NOTES_BODY_COLUMN)
        continue;
      if (sqlite3changeset_old (iter, i, &recorded) != SQLITE_OK ||
          sqlite3changeset_conflict (iter, i, &current) != SQLITE_OK ||
          recorded == NULL || current == NULL || !cairn_sqlite_values_equal (recorded, current))
        return FALSE;
    }
  return TRUE;
}

static int
abort_on_conflict (void                   *user_data,
                   int                     conflict,
                   sqlite3_changeset_iter *iter)
{
  ConflictInfo *info = user_data;
  int n_cols, op;

  info->conflict = conflict;
  if (iter != NULL && conflict != SQLITE_CHANGESET_FOREIGN_KEY)
    {
      sqlite3changeset_op (iter, &info->table, &n_cols, &op, NULL);
      if (conflict == SQLITE_CHANGESET_DATA && op == SQLITE_DELETE &&
          g_strcmp0 (info->table, "notes") == 0 && n_cols > NOTES_BODY_COLUMN &&
          differs_in_body_only (iter, n_cols))
        {
          info->conflict = 0;
          return SQLITE_CHANGESET_REPLACE;
        }
    }
  return SQLITE_CHANGESET_ABORT;
}

/* The outbox without parsing any args: client seqs, and (if wanted) the
 * changesets, oldest first. */
static GArray *
load_pending_seqs (CairnStore  *self,
                   GPtrArray  **changesets,
                   GError     **error)
{
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt;
  int rc;

  stmt = _cairn_store_prepare (self, "SELECT client_seq, changeset FROM pending "
                                     "ORDER BY client_seq", error);
  if (stmt == NULL)
    return NULL;
  if (changesets != NULL)
    *changesets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (seqs, seq);
      if (changesets != NULL)
        g_ptr_array_add (*changesets, g_bytes_new (sqlite3_column_blob (stmt, 1),
                                                   sqlite3_column_bytes (stmt, 1)));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the outbox");
      if (changesets != NULL)
        g_clear_pointer (changesets, g_ptr_array_unref);
      return NULL;
    }
  return g_steal_pointer (&seqs);
}

/* Invariant: the state is exactly "log, then every pending event in
 * client_seq order", and each pending row's changeset is what its event
 * wrote on top of the ones before. Their concatenation, inverted, therefore
 * takes the state back to the log alone. Any conflict means the invariant
 * was broken, so it aborts rather than guessing. */
gboolean
_cairn_store_rollback_pending (CairnStore  *self,
                               GError     **error)
{
  g_autoptr(GArray) seqs = NULL;
  g_autoptr(GPtrArray) changesets = NULL;
  sqlite3_changegroup *group = NULL;
  ConflictInfo info = { 0, NULL };
  void *combined = NULL;
  int n_combined = 0;
  int rc;

  seqs = load_pending_seqs (self, &changesets, error);
  if (seqs == NULL)
    return FALSE;
  if (seqs->len == 0)
    return TRUE;

  self->rollback_count++;
  _cairn_store_tail_forget_lists (self);

  /* One combined changeset: one apply instead of one per event. */
  rc = sqlite3changegroup_new (&group);
  for (guint i = 0; rc == SQLITE_OK && i < changesets->len; i++)
    {
      gsize size;
      gconstpointer data = g_bytes_get_data (changesets->pdata[i], &size);

      if (size > 0)
        rc = sqlite3changegroup_add (group, (int) size, (void *) data);
    }
  if (rc == SQLITE_OK)
    rc = sqlite3changegroup_output (group, &n_combined, &combined);
  sqlite3changegroup_delete (group);
  if (rc != SQLITE_OK)
    {
      sqlite3_free (combined);
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT,
                   "Cannot combine the pending changesets in “%s”: %s",
                   self->path, sqlite3_errstr (rc));
      return FALSE;
    }

  rc = sqlite3changeset_apply_v2 (self->db, n_combined, combined, NULL,
                                  abort_on_conflict, &info, NULL, NULL,
                                  SQLITE_CHANGESETAPPLY_INVERT |
                                  SQLITE_CHANGESETAPPLY_NOSAVEPOINT);
  sqlite3_free (combined);
  /* The rollback may put back parked rows that a pending create had
   * released (a changeset writes them, not park()): the next create
   * replayed must look for them again, or they stay parked for good. */
  self->parked_maybe = TRUE;
  if (rc != SQLITE_OK || info.conflict != 0)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT,
                   "Cannot roll back the pending changes in “%s”: %s (conflict %d on %s)",
                   self->path, sqlite3_errstr (rc), info.conflict,
                   info.table ? info.table : "?");
      return FALSE;
    }

  /* note_versions went back; notes.body follows lazily. A body written
   * for a note the rollback removed must not pass for the body of a note
   * created again with the same id. */
  self->bodies_stale = TRUE;
  return _cairn_store_exec (self, "DELETE FROM note_body_versions WHERE note_id NOT IN "
                            "(SELECT id FROM notes);"
                            "DELETE FROM todo_notes WHERE todo_id NOT IN (SELECT id FROM todos)",
                            error);
}

gboolean
_cairn_store_replay_pending (CairnStore   *self,
                             CairnChanges *changes,
                             GError      **error)
{
  g_autoptr(GPtrArray) events = NULL;

  events = _cairn_store_load_pending (self, NULL, error);
  if (events == NULL)
    return FALSE;

  for (guint i = 0; i < events->len; i++)
    {
      CairnEvent *event = events->pdata[i];
      g_autoptr(GBytes) changeset = NULL;
      sqlite3_stmt *stmt;
      gboolean skipped;

      if (!_cairn_store_apply_event_recorded (self, event, changes, &skipped, &changeset, error))
        return FALSE;

      stmt = _cairn_store_prepare (self,
                                   "UPDATE pending SET changeset = ?1 WHERE client_seq = ?2",
                                   error);
      if (stmt == NULL)
        return FALSE;
      if (sqlite3_bind_blob (stmt, 1, g_bytes_get_size (changeset) > 0 ? g_bytes_get_data (changeset, NULL) : "",
                             (int) g_bytes_get_size (changeset), SQLITE_STATIC) != SQLITE_OK ||
          sqlite3_bind_int64 (stmt, 2, event->client_seq) != SQLITE_OK)
        {
          _cairn_store_set_error (self, error, "Cannot bind");
          return FALSE;
        }
      if (!_cairn_store_step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
delete_pending (CairnStore  *self,
                gint64       client_seq,
                GError     **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self, "DELETE FROM pending WHERE client_seq = ?",
                                             error);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_int64 (stmt, 1, client_seq) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return _cairn_store_step_done (self, stmt, error);
}

/* Ours: our client id, except, in a rebase that found the id shared,
 * from the client seq where the server's events differ from ours (they
 * are the other replica's). */
static gboolean
is_own (CairnStore       *self,
        const CairnEvent *event)
{
  return g_strcmp0 (event->client_id, self->client_id) == 0 &&
         (self->fork_seq == 0 || event->client_seq < self->fork_seq);
}

/* The one place where an event from the server changes the state, on top
 * of the log and with every pending event rolled back. Our own events that
 * were not moved by the fast path land here too and leave the outbox. */
static gboolean
apply_incoming (CairnStore       *self,
                const CairnEvent *event,
                GHashTable       *pending_fields,
                CairnChanges     *changes,
                gboolean         *any_skipped,
                GError          **error)
{
  gboolean skipped = FALSE;

  if (is_own (self, event))
    {
      if (!delete_pending (self, event->client_seq, error) ||
          !_cairn_store_sync_own_confirmed (self, event, error))
        return FALSE;
    }
  else if (!_cairn_store_sync_foreign_applied (self, event, pending_fields, error))
    return FALSE;
  if (!_cairn_store_apply_event (self, event, changes, &skipped, error) ||
      !_cairn_store_insert_log (self, event, skipped, error))
    return FALSE;
  if (skipped)
    *any_skipped = TRUE;
  if (skipped)
    g_debug ("Keeping event %" G_GINT64_FORMAT " (%s v%u) unapplied: unknown to this build",
             event->seq, event->name, event->version);
  return TRUE;
}

/* Whether the pending event with in's client seq is the same event as in
 * (name, version, args); *out_found says whether there is one. */
static gboolean
pending_is (CairnStore       *self,
            const CairnEvent *in,
            gboolean         *out_found,
            gboolean         *out_same,
            GError          **error)
{
  g_autofree char *args = NULL;
  sqlite3_stmt *stmt;
  int rc;

  stmt = _cairn_store_prepare (self, "SELECT name, version, args FROM pending WHERE client_seq = ?",
                               error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_int64 (stmt, 1, in->client_seq) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the outbox");
      sqlite3_reset (stmt);
      return FALSE;
    }
  *out_found = rc == SQLITE_ROW;
  *out_same = FALSE;
  if (*out_found)
    {
      /* Both sides are cairn_event_dup_args_json() text: canonical. */
      args = cairn_event_dup_args_json (in);
      *out_same = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), in->name) == 0 &&
                  sqlite3_column_int64 (stmt, 1) == in->version &&
                  g_strcmp0 ((const char *) sqlite3_column_text (stmt, 2), args) == 0;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* A power cut can lose local commits the server already has: the store
 * runs synchronous = NORMAL, and the sync engine pushes a commit as soon
 * as it is made (docs/store.md, "Power loss"). The next local change then
 * takes the lost one's client seq, and the server, which keys events by
 * (client id, client seq), answers its push with the lost event's seq.
 * So an incoming event of ours whose content differs from the pending
 * event of its client seq is not that event's confirmation: the pending
 * events from that client seq on are moved past every client seq of ours
 * in the batch (keeping their order; they are pushed again under the new
 * numbers), and the incoming ones are applied as log events. Without this
 * the fast path took the server's event for the new change's
 * confirmation: the new change was lost everywhere else, and the state no
 * longer matched the log. */
static gboolean
renumber_reused_seqs (CairnStore  *self,
                      GPtrArray   *events,
                      guint        first,
                      GArray     **pending,
                      GError     **error)
{
  g_autofree char *sql = NULL;
  gint64 reused = 0, max_own = 0;

  if ((*pending)->len == 0)
    return TRUE;
  for (guint i = first; i < events->len; i++)
    {
      const CairnEvent *in = events->pdata[i];
      gboolean found, same;

      if (!is_own (self, in))
        continue;
      max_own = MAX (max_own, in->client_seq);
      if (reused != 0 || in->client_seq < g_array_index (*pending, gint64, 0))
        continue;
      if (!pending_is (self, in, &found, &same, error))
        return FALSE;
      if (found && !same)
        reused = in->client_seq;
    }
  if (reused == 0)
    return TRUE;

  /* Another replica made events under our client id (a copied profile),
   * or a power cut lost some we had sent: our pending text ops may carry
   * the same op ids as theirs. They move to a new text client id now,
   * and the outbox to a new client id once the batch is in (see
   * cairn-store-fork.c). */
  if (!_cairn_store_fork_prepare (self, reused, error))
    return FALSE;
  /* Through negative numbers: the primary key is checked row by row. */
  sql = g_strdup_printf ("UPDATE pending SET client_seq = -client_seq WHERE client_seq >= %" G_GINT64_FORMAT ";"
                         "UPDATE pending SET client_seq = %" G_GINT64_FORMAT " - client_seq WHERE client_seq < 0;",
                         reused, max_own + 1 - reused);
  if (!_cairn_store_exec (self, sql, error))
    return FALSE;
  g_clear_pointer (pending, g_array_unref);
  *pending = load_pending_seqs (self, NULL, error);
  return *pending != NULL;
}

static gboolean
check_batch (CairnStore  *self,
             GPtrArray   *events,
             guint       *first,
             GError     **error)
{
  gint64 expected = self->head + 1;

  *first = 0;
  for (guint i = 0; i < events->len; i++)
    {
      const CairnEvent *event = events->pdata[i];

      if (event->seq <= 0 || !cairn_is_client_id (event->client_id) || event->client_seq < 1)
        {
          g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_OUT_OF_ORDER,
                       "Event %u of the batch has no server seq, client id or client seq", i);
          return FALSE;
        }
      if (event->seq <= self->head && *first == i)
        {
          /* Already applied: a re-delivery is harmless. */
          (*first)++;
          continue;
        }
      if (event->seq != expected)
        {
          g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_OUT_OF_ORDER,
                       "Batch does not continue the log: expected seq %" G_GINT64_FORMAT
                       ", got %" G_GINT64_FORMAT, expected, event->seq);
          return FALSE;
        }
      expected++;
    }
  return TRUE;
}

/* 1. The fast path: our own pending events at the front of the rest of
 * the batch (from @first), in order, are already applied; they just move
 * to the log. *n_fast: how many did. */
static gboolean
confirm_own_pending (CairnStore  *self,
                     GPtrArray   *events,
                     guint        first,
                     GArray      *pending,
                     guint       *n_fast,
                     GError     **error)
{
  *n_fast = 0;
  while (first + *n_fast < events->len && *n_fast < pending->len)
    {
      const CairnEvent *in = events->pdata[first + *n_fast];

      if (!is_own (self, in) || in->client_seq != g_array_index (pending, gint64, *n_fast))
        break;
      if (!delete_pending (self, in->client_seq, error) ||
          !_cairn_store_insert_log (self, in, FALSE, error) ||
          !_cairn_store_sync_own_confirmed (self, in, error))
        return FALSE;
      (*n_fast)++;
    }
  return TRUE;
}

/* 2. Otherwise: roll what is still pending back (@have_pending), apply the
 * incoming events from @from on the log, replay pending on top. @changes:
 * where the reducers report the rows they write, or NULL when a session
 * records them. */
static gboolean
apply_others (CairnStore    *self,
              GPtrArray     *events,
              guint          from,
              gboolean       have_pending,
              CairnChanges  *changes,
              gboolean      *any_skipped,
              GError       **error)
{
  g_autoptr(GHashTable) pending_fields = NULL;

  /* Which fields our pending events set, for conflict detection. */
  pending_fields = _cairn_store_sync_pending_fields (self, error);
  if (pending_fields == NULL)
    return FALSE;

  if (have_pending && !_cairn_store_rollback_pending (self, error))
    return FALSE;

  for (guint i = from; i < events->len; i++)
    if (!apply_incoming (self, events->pdata[i], pending_fields, changes, any_skipped, error))
      return FALSE;

  return !have_pending || _cairn_store_replay_pending (self, changes, error);
}

/* 3. Advance head (when events from @first were taken) and the history. */
static gboolean
advance_cursor (CairnStore  *self,
                GPtrArray   *events,
                guint        first,
                const char  *history_id,
                GError     **error)
{
  if (first < events->len)
    self->head = ((CairnEvent *) events->pdata[events->len - 1])->seq;
  if (history_id != NULL)
    {
      g_free (self->history_id);
      self->history_id = g_strdup (history_id);
    }
  return _cairn_store_save_cursor (self, error);
}

gboolean
cairn_store_rebase (CairnStore  *self,
                    GPtrArray   *events,
                    const char  *history_id,
                    GError     **error)
{
  g_autoptr(GArray) pending = NULL;
  g_autoptr(CairnChanges) changes = NULL;
  g_autoptr(CairnChanges) reported = NULL;
  CairnRowKind recorded = 0;
  g_autoptr(GPtrArray) triggers = NULL;
  g_autoptr(sqlite3_session) session = NULL;
  g_autoptr(GBytes) net = NULL;
  gint64 old_head = self->head;
  guint old_pending = self->pending_count;
  gboolean old_needs_update = self->needs_update;
  gboolean any_skipped = FALSE;
  guint first, n_fast = 0;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (events != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Inside the write transaction, so that head is current even when
   * another process shares the file. */
  if (!_cairn_store_begin (self, error))
    return FALSE;

  if (!check_batch (self, events, &first, error))
    goto fail;
  /* Events of a catch-up come without their JsonObject (issue 17, third
   * round): the other replicas' events are applied from their scanned
   * members (apply_incoming()); ours, which the outbox and the conflict
   * bookkeeping compare, get theirs. */
  for (guint i = first; i < events->len; i++)
    {
      const CairnEvent *event = events->pdata[i];

      if (_cairn_event_get_flat (event) != NULL && g_strcmp0 (event->client_id, self->client_id) == 0)
        _cairn_event_ensure_args (event);
    }

  if (first == events->len &&
      (history_id == NULL || g_strcmp0 (history_id, self->history_id) == 0))
    {
      _cairn_store_rollback (self);
      return TRUE;
    }

  pending = load_pending_seqs (self, NULL, error);
  if (pending == NULL || !renumber_reused_seqs (self, events, first, &pending, error))
    goto fail;

  /* With pending events, a session records the net effect of the whole
   * rebase, to tell the pool exactly which rows changed (a row rolled back
   * and replayed to the same values is no change). With none, nothing is
   * rolled back or replayed, and the reducers report the rows they write
   * (a row changed and changed back within the batch is reported too);
   * taking a changeset would cost a query per changed row, which was a
   * large part of catching up. */
  /* With pending events, the session records only the kinds of rows the
   * outbox touches (issue 17: a new device catching up has its own Inbox
   * pending, and taking a changeset of every row the catch-up wrote cost
   * a query per row); rows of other kinds are only written by the
   * reducers, which report them as when nothing is pending. */
  changes = _cairn_changes_new ();
  reported = _cairn_changes_new ();
  if (pending->len > 0)
    {
      recorded = _cairn_store_pending_kinds (self, error);
      if (recorded == CAIRN_ROW_KIND_ERROR ||
          (session = _cairn_store_session_new_for_kinds (self, recorded, error)) == NULL)
        goto fail;
    }

  if (!confirm_own_pending (self, events, first, pending, &n_fast, error))
    goto fail;
  if (first + n_fast < events->len &&
      (!_cairn_store_batch_begin (self, events->len - first - n_fast, &triggers, error) ||
       !apply_others (self, events, first + n_fast, n_fast < pending->len,
                      session == NULL ? changes : reported, &any_skipped, error) ||
       !_cairn_store_batch_end (self, triggers, error)))
    goto fail;
  if (!advance_cursor (self, events, first, history_id, error))
    goto fail;
  if (self->fork_client_id != NULL)
    {
      if (!_cairn_store_fork_finish (self, error))
        goto fail;
      /* Open editors hold replicas of the old text id: they reload. */
      changes->reset = TRUE;
    }
  if (session != NULL)
    {
      if (!_cairn_store_session_take (self, session, &net, error) ||
          !_cairn_changes_add_changeset (changes, net, error))
        goto fail;
      g_clear_pointer (&session, sqlite3session_delete);
      _cairn_changes_add_kinds (changes, reported, CAIRN_ROW_KIND_ALL & ~recorded);
    }

  if (!_cairn_store_load_meta_after_append (self, any_skipped, error) ||
      !_cairn_store_end (self, error))
    goto fail;

  if (self->history_gap_new)
    _cairn_store_history_schedule_fill (self);
  _cairn_store_notify_needs_update (self, old_needs_update);
  _cairn_store_notify_cursor (self, old_head, old_pending);
  _cairn_store_emit_changed (self, changes);
  return TRUE;

fail:
  g_clear_pointer (&session, sqlite3session_delete);
  _cairn_store_fork_clear (self);
  _cairn_store_tail_end (self);
  self->history_gap_new = FALSE;
  if (self->in_transaction)
    _cairn_store_rollback (self);
  return FALSE;
}

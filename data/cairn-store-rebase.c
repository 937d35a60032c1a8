/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-rebase.c: taking the server's order (rebase) and re-deriving
 * the state from the log (rebuild). docs/design.md and docs/store.md. */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

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
                            "(SELECT id FROM notes)", error);
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

static gboolean
is_own (CairnStore       *self,
        const CairnEvent *event)
{
  return g_strcmp0 (event->client_id, self->client_id) == 0;
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

  g_message ("The server has another event of this device as client seq %" G_GINT64_FORMAT
             " in “%s” (a change lost locally, by a power cut?): renumbering the outbox",
             reused, self->path);
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

gboolean
cairn_store_rebase (CairnStore  *self,
                    GPtrArray   *events,
                    const char  *history_id,
                    GError     **error)
{
  g_autoptr(GArray) pending = NULL;
  g_autoptr(CairnChanges) changes = NULL;
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
  changes = _cairn_changes_new ();
  if (pending->len > 0 && (session = _cairn_store_session_new (self, error)) == NULL)
    goto fail;

  /* 1. Fast path: our own pending events at the front of the batch, in
   * order, are already applied; they just move to the log. */
  while (first + n_fast < events->len && n_fast < pending->len)
    {
      const CairnEvent *in = events->pdata[first + n_fast];

      if (!is_own (self, in) || in->client_seq != g_array_index (pending, gint64, n_fast))
        break;
      if (!delete_pending (self, in->client_seq, error) ||
          !_cairn_store_insert_log (self, in, FALSE, error) ||
          !_cairn_store_sync_own_confirmed (self, in, error))
        goto fail;
      n_fast++;
    }

  /* 2. Otherwise: roll the rest of pending back, apply the remaining
   * incoming events on the log, replay what is still pending on top. */
  if (first + n_fast < events->len)
    {
      gboolean have_pending = n_fast < pending->len;
      g_autoptr(GHashTable) pending_fields = NULL;

      /* Which fields our pending events set, for conflict detection. */
      pending_fields = _cairn_store_sync_pending_fields (self, error);
      if (pending_fields == NULL)
        goto fail;

      if (have_pending && !_cairn_store_rollback_pending (self, error))
        goto fail;

      for (guint i = first + n_fast; i < events->len; i++)
        if (!apply_incoming (self, events->pdata[i], pending_fields,
                             session == NULL ? changes : NULL, &any_skipped, error))
          goto fail;

      if (have_pending && !_cairn_store_replay_pending (self, NULL, error))
        goto fail;
    }

  /* 3. Advance head. */
  if (first < events->len)
    self->head = ((CairnEvent *) events->pdata[events->len - 1])->seq;
  if (history_id != NULL)
    {
      g_free (self->history_id);
      self->history_id = g_strdup (history_id);
    }
  if (!_cairn_store_save_cursor (self, error))
    goto fail;
  if (session != NULL)
    {
      if (!_cairn_store_session_take (self, session, &net, error) ||
          !_cairn_changes_add_changeset (changes, net, error))
        goto fail;
      g_clear_pointer (&session, sqlite3session_delete);
    }

  if (!_cairn_store_load_meta_after_append (self, any_skipped, error) ||
      !_cairn_store_end (self, error))
    goto fail;

  if (self->needs_update != old_needs_update)
    {
      self->needs_update = old_needs_update;
      _cairn_store_set_needs_update (self, !old_needs_update);
    }
  if (self->head != old_head)
    g_object_notify (G_OBJECT (self), "head");
  if (self->pending_count != old_pending)
    g_object_notify (G_OBJECT (self), "pending-count");
  _cairn_store_emit_changed (self, changes);
  return TRUE;

fail:
  g_clear_pointer (&session, sqlite3session_delete);
  if (self->in_transaction)
    _cairn_store_rollback (self);
  return FALSE;
}

/* The state tables that rebuild empties, children first (todos refer to
 * lists). note_bodies and note_body_ops are emptied with DELETE: without a
 * foreign key, SQLite truncates them at once. */
static const char * const rebuilt_tables[] = { "todos", "notes", "lists" };

/* Empties the state tables by dropping and re-creating them from their own
 * CREATE text in sqlite_schema, so that the schema stays exactly as it was.
 * Why: with foreign keys on, SQLite deletes the rows of lists and todos
 * one by one (with their index entries), ~12 % of a rebuild; a dropped
 * table only frees its pages. Their indexes are not re-created here but
 * returned in *indexes, to be made after the replay: one sort instead of
 * an index insert per row. Triggers (none today) come back at once.
 *
 * DROP TABLE fails (SQLITE_LOCKED) while any statement is still running on
 * the connection. Ours are reset only when next used, so they are reset
 * here; if someone else's (e.g. a caller iterating rows) is running, the
 * rows are deleted one by one as before. */
static gboolean
empty_state_tables (CairnStore  *self,
                    GPtrArray  **indexes,
                    GError     **error)
{
  g_autoptr(GPtrArray) create = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) later = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer stmt;

  g_hash_table_iter_init (&iter, self->stmts);
  while (g_hash_table_iter_next (&iter, NULL, &stmt))
    sqlite3_reset (stmt);
  for (sqlite3_stmt *s = sqlite3_next_stmt (self->db, NULL); s != NULL;
       s = sqlite3_next_stmt (self->db, s))
    if (sqlite3_stmt_busy (s))
      {
        *indexes = g_steal_pointer (&later);
        /* children first, for the foreign key from todos to lists */
        return _cairn_store_exec (self, "DELETE FROM todos; DELETE FROM notes; "
                                  "DELETE FROM lists;", error);
      }

  for (gsize i = G_N_ELEMENTS (rebuilt_tables); i-- > 0;)
    {
      sqlite3_stmt *query;
      gboolean have_table = FALSE;
      int rc;

      query = _cairn_store_prepare (self,
                                    "SELECT type, sql FROM sqlite_schema "
                                    "WHERE tbl_name = ?1 AND sql IS NOT NULL "
                                    "ORDER BY type <> 'table', rowid", error);
      if (query == NULL)
        return FALSE;
      if (sqlite3_bind_text (query, 1, rebuilt_tables[i], -1, SQLITE_STATIC) != SQLITE_OK)
        {
          _cairn_store_set_error (self, error, "Cannot bind");
          return FALSE;
        }
      while ((rc = sqlite3_step (query)) == SQLITE_ROW)
        {
          const char *type = (const char *) sqlite3_column_text (query, 0);
          char *sql = g_strdup ((const char *) sqlite3_column_text (query, 1));

          if (g_strcmp0 (type, "table") == 0)
            have_table = TRUE;
          g_ptr_array_add (g_strcmp0 (type, "index") == 0 ? later : create, sql);
        }
      sqlite3_reset (query);
      if (rc != SQLITE_DONE)
        {
          _cairn_store_set_error (self, error, "Cannot read the schema");
          return FALSE;
        }
      if (!have_table)
        {
          g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT,
                       "Cannot rebuild “%s”: it has no table “%s”",
                       self->path, rebuilt_tables[i]);
          return FALSE;
        }
    }

  for (gsize i = 0; i < G_N_ELEMENTS (rebuilt_tables); i++)
    {
      g_autofree char *drop = g_strdup_printf ("DROP TABLE %s", rebuilt_tables[i]);

      if (!_cairn_store_exec (self, drop, error))
        return FALSE;
    }
  for (guint i = 0; i < create->len; i++)
    if (!_cairn_store_exec (self, create->pdata[i], error))
      return FALSE;

  *indexes = g_steal_pointer (&later);
  return TRUE;
}

/* PRAGMA temp_store (0 default, 1 file, 2 memory). */
#define TEMP_STORE_WHAT "the temporary storage mode"

static gboolean
get_temp_store (CairnStore  *self,
                gint64      *out,
                GError     **error)
{
  return _cairn_store_get_pragma (self, "temp_store", TEMP_STORE_WHAT, out, error);
}

static gboolean
set_temp_store (CairnStore  *self,
                gint64       mode,
                GError     **error)
{
  return _cairn_store_set_pragma (self, "temp_store", TEMP_STORE_WHAT, mode, error);
}

gboolean
cairn_store_rebuild (CairnStore  *self,
                     GError     **error)
{
  g_autoptr(CairnChanges) changes = NULL;
  g_autoptr(GArray) flipped = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) indexes = NULL;
  g_auto(CairnFlatArgs) flat = { 0 };
  gboolean old_needs_update = self->needs_update;
  gint64 temp_store;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Every reducer statement that may fail half-way (foreign keys, ON
   * CONFLICT) keeps a statement journal of the pages it changes that the
   * transaction had already changed. Once, early in the rebuild, that
   * journal outgrows the 64 KiB SQLite keeps in memory, and from then on it
   * is a temporary file for the rest of the transaction: ~160,000 writes
   * for 100,000 events, three quarters of the rebuild's system time. With
   * temp_store = MEMORY it stays in memory (a few pages per statement).
   * Set before BEGIN: SQLite reads it when a write transaction starts. */
  if (!get_temp_store (self, &temp_store, error) ||
      !set_temp_store (self, 2, error))
    return FALSE;
  if (!_cairn_store_begin (self, error))
    {
      set_temp_store (self, temp_store, NULL);
      return FALSE;
    }

  if (!empty_state_tables (self, &indexes, error) ||
      !_cairn_store_exec (self, "DELETE FROM note_bodies; DELETE FROM note_body_ops; "
                          "DELETE FROM note_versions; DELETE FROM note_body_versions; "
                          "DELETE FROM parked; "
                          "UPDATE meta SET rebuild = 0 WHERE rebuild;", error))
    goto fail;
  _cairn_store_text_cache_clear (self);

  stmt = _cairn_store_prepare (self,
                               "SELECT name, version, args, client_id, client_seq, "
                               "created_at, seq, device, skipped FROM log ORDER BY seq",
                               error);
  if (stmt == NULL)
    goto fail;

  /* The log holds only rows this store wrote (cairn_event_dup_args_json()),
   * so nearly every row takes the light path: args read into a reused
   * buffer, no CairnEvent, no JsonObject. Validation still runs: the log
   * keeps events of other clients that fail it (applied as no-ops), and
   * does not record which. */
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);
      guint version = (guint) sqlite3_column_int64 (stmt, 1);
      const char *args_json = (const char *) sqlite3_column_text (stmt, 2);
      gint64 seq = sqlite3_column_int64 (stmt, 6);
      gboolean skipped;
      gboolean ok;

      if (name != NULL && args_json != NULL &&
          _cairn_flat_args_scan (&flat, args_json, sqlite3_column_bytes (stmt, 2)))
        ok = _cairn_store_apply_flat (self, name, version, &flat,
                                      sqlite3_column_int64 (stmt, 5), seq,
                                      (const char *) sqlite3_column_text (stmt, 3),
                                      sqlite3_column_int64 (stmt, 4), &skipped, error);
      else
        {
          g_autoptr(CairnEvent) event = NULL;
          g_autoptr(JsonObject) args = NULL;

          args = _cairn_store_parse_args (self, args_json, error);
          if (args == NULL)
            {
              sqlite3_reset (stmt);
              goto fail;
            }
          event = cairn_event_new (name, version, args);
          event->client_id = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
          event->client_seq = sqlite3_column_int64 (stmt, 4);
          event->created_at = sqlite3_column_int64 (stmt, 5);
          event->seq = seq;
          ok = _cairn_store_apply_event (self, event, NULL, &skipped, error);
        }
      if (!ok)
        {
          sqlite3_reset (stmt);
          goto fail;
        }
      if (skipped != (sqlite3_column_int (stmt, 8) != 0))
        g_array_append_val (flipped, seq);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the log");
      goto fail;
    }

  for (guint i = 0; i < flipped->len; i++)
    {
      stmt = _cairn_store_prepare (self, "UPDATE log SET skipped = NOT skipped WHERE seq = ?",
                                   error);
      if (stmt == NULL)
        goto fail;
      if (sqlite3_bind_int64 (stmt, 1, g_array_index (flipped, gint64, i)) != SQLITE_OK)
        {
          _cairn_store_set_error (self, error, "Cannot bind");
          goto fail;
        }
      if (!_cairn_store_step_done (self, stmt, error))
        goto fail;
    }

  if (!_cairn_store_replay_pending (self, NULL, error))
    goto fail;
  for (guint i = 0; i < indexes->len; i++)
    if (!_cairn_store_exec (self, indexes->pdata[i], error))
      goto fail;
  /* Every note was made again with an empty body: write them now rather
   * than leave them all to the lazy write. */
  if (!_cairn_store_write_bodies (self, error) ||
      !_cairn_store_load_meta (self, error) ||
      !_cairn_store_end (self, error))
    goto fail;
  /* a failure here changes nothing the rebuild did */
  set_temp_store (self, temp_store, NULL);

  if (self->needs_update != old_needs_update)
    {
      self->needs_update = old_needs_update;
      _cairn_store_set_needs_update (self, !old_needs_update);
    }

  changes = _cairn_changes_new ();
  changes->reset = TRUE;
  _cairn_store_emit_changed (self, changes);
  return TRUE;

fail:
  if (self->in_transaction)
    _cairn_store_rollback (self);
  set_temp_store (self, temp_store, NULL);
  return FALSE;
}

char *
_cairn_store_dump_state_without_pending (CairnStore  *self,
                                         GError     **error)
{
  char *dump = NULL;

  if (!_cairn_store_begin (self, error))
    return NULL;
  if (_cairn_store_rollback_pending (self, error))
    dump = cairn_store_dump_state (self, error);
  _cairn_store_rollback (self);
  return dump;
}

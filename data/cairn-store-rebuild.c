/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-rebuild.c: re-deriving the whole state from the log (after
 * an update taught this build skipped events, or for schema 4's note
 * bodies). docs/design.md and docs/store.md. */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include "cairn-store-private.h"
#include "cairn-store-search-private.h"

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
 * an index insert per row. Their triggers (the search index's, which only
 * mark rows dirty) come back with the indexes, after the replay: the
 * rebuild resets the whole search index instead.
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
          g_ptr_array_add (g_strcmp0 (type, "index") == 0 ||
                           g_strcmp0 (type, "trigger") == 0 ? later : create, sql);
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

/* Takes the write lock with temp_store = MEMORY; *temp_store gets the mode
 * to restore afterwards.
 *
 * Why: every reducer statement that may fail half-way (foreign keys, ON
 * CONFLICT) keeps a statement journal of the pages it changes that the
 * transaction had already changed. Once, early in the rebuild, that
 * journal outgrows the 64 KiB SQLite keeps in memory, and from then on it
 * is a temporary file for the rest of the transaction: ~160,000 writes
 * for 100,000 events, three quarters of the rebuild's system time. With
 * temp_store = MEMORY it stays in memory (a few pages per statement).
 * Set before BEGIN: SQLite reads it when a write transaction starts. */
static gboolean
begin_rebuild (CairnStore  *self,
               gint64      *temp_store,
               GError     **error)
{
  if (!get_temp_store (self, temp_store, error) ||
      !set_temp_store (self, 2, error))
    return FALSE;
  if (!_cairn_store_begin (self, error))
    {
      set_temp_store (self, *temp_store, NULL);
      return FALSE;
    }
  return TRUE;
}

/* Empties every table the log is replayed into: the state tables (their
 * indexes, to be made again after the replay, in *indexes), note texts,
 * waiting events; and clears the schema 4 flag that asked for a rebuild. */
static gboolean
empty_derived_tables (CairnStore  *self,
                      GPtrArray  **indexes,
                      GError     **error)
{
  if (!empty_state_tables (self, indexes, error) ||
      !_cairn_store_exec (self, "DELETE FROM note_bodies; DELETE FROM note_body_ops; "
                          "DELETE FROM note_versions; DELETE FROM note_body_versions; "
                          "DELETE FROM parked; DELETE FROM todo_tags; DELETE FROM tags; "
                          "DELETE FROM todo_occurrences; "
                          "DELETE FROM todo_note_crdts; DELETE FROM todo_note_ops; "
                          "DELETE FROM todo_note_versions; DELETE FROM todo_notes; "
                          "UPDATE meta SET rebuild = 0 WHERE rebuild;", error))
    return FALSE;
  _cairn_store_text_cache_clear (self);
  return TRUE;
}

/* Columns of the log that replay_log() reads: those of
 * _cairn_store_event_from_row(), then skipped. */
enum { LOG_NAME, LOG_VERSION, LOG_ARGS, LOG_CLIENT_ID, LOG_CLIENT_SEQ,
       LOG_CREATED_AT, LOG_SEQ, LOG_DEVICE, LOG_SKIPPED };

/* The slow path of apply_log_row(): args that the light reader refused,
 * through a CairnEvent and json-glib. */
static gboolean
apply_log_row_parsed (CairnStore    *self,
                      sqlite3_stmt  *stmt,
                      gboolean      *skipped,
                      GError       **error)
{
  g_autoptr(CairnEvent) event = _cairn_store_event_from_row (self, stmt, error);

  return event != NULL && _cairn_store_apply_event (self, event, NULL, skipped, error);
}

/* Applies the log row @stmt is on, setting *skipped. The log holds only
 * rows this store wrote (cairn_event_dup_args_json()), so nearly every row
 * takes the light path: args read into a reused buffer (@flat), no
 * CairnEvent, no JsonObject. Validation still runs: the log keeps events
 * of other clients that fail it (applied as no-ops), and does not record
 * which. */
static gboolean
apply_log_row (CairnStore     *self,
               sqlite3_stmt   *stmt,
               CairnFlatArgs  *flat,
               gboolean       *skipped,
               GError        **error)
{
  const char *name = (const char *) sqlite3_column_text (stmt, LOG_NAME);
  guint version = (guint) sqlite3_column_int64 (stmt, LOG_VERSION);
  const char *args_json = (const char *) sqlite3_column_text (stmt, LOG_ARGS);

  if (name != NULL && args_json != NULL &&
      _cairn_flat_args_scan (flat, args_json, sqlite3_column_bytes (stmt, LOG_ARGS)))
    return _cairn_store_apply_flat (self, name, version, flat,
                                    sqlite3_column_int64 (stmt, LOG_CREATED_AT),
                                    sqlite3_column_int64 (stmt, LOG_SEQ),
                                    (const char *) sqlite3_column_text (stmt, LOG_CLIENT_ID),
                                    sqlite3_column_int64 (stmt, LOG_CLIENT_SEQ),
                                    skipped, error);
  return apply_log_row_parsed (self, stmt, skipped, error);
}

/* Applies every event of the log, oldest first, to the emptied tables.
 * @flipped gets the seqs of the events whose log.skipped no longer says
 * what happened (an update taught this build their name or version). */
static gboolean
replay_log (CairnStore  *self,
            gint64       after,
            GArray      *flipped,
            GError     **error)
{
  g_auto(CairnFlatArgs) flat = { 0 };
  sqlite3_stmt *stmt;
  int rc;

  /* after: the seq of the snapshot the state starts from (0: none); the
   * rows up to it that compaction kept are not replayed. */
  stmt = _cairn_store_prepare (self,
                               "SELECT name, version, args, client_id, client_seq, "
                               "created_at, seq, device, skipped FROM log WHERE seq > ?1 "
                               "ORDER BY seq",
                               error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_int64 (stmt, 1, after) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gboolean skipped;

      if (!apply_log_row (self, stmt, &flat, &skipped, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
      if (skipped != (sqlite3_column_int (stmt, LOG_SKIPPED) != 0))
        {
          gint64 seq = sqlite3_column_int64 (stmt, LOG_SEQ);

          g_array_append_val (flipped, seq);
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the log");
      return FALSE;
    }
  return TRUE;
}

static gboolean
flip_skipped (CairnStore  *self,
              GArray      *flipped,
              GError     **error)
{
  for (guint i = 0; i < flipped->len; i++)
    {
      sqlite3_stmt *stmt;

      stmt = _cairn_store_prepare (self, "UPDATE log SET skipped = NOT skipped WHERE seq = ?",
                                   error);
      if (stmt == NULL)
        return FALSE;
      if (sqlite3_bind_int64 (stmt, 1, g_array_index (flipped, gint64, i)) != SQLITE_OK)
        {
          _cairn_store_set_error (self, error, "Cannot bind");
          return FALSE;
        }
      if (!_cairn_store_step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* After the log: the pending events on top, the state tables' indexes,
 * the note bodies; then the commit. */
static gboolean
finish_rebuild (CairnStore  *self,
                GPtrArray   *indexes,
                GError     **error)
{
  if (!_cairn_store_replay_pending (self, NULL, error))
    return FALSE;
  for (guint i = 0; i < indexes->len; i++)
    {
      /* a fill may have made it already (a snapshot's load does) */
      int made = _cairn_store_query_finds (self, "SELECT 1 FROM main.sqlite_schema WHERE sql = ?1",
                                           indexes->pdata[i], "the schema", error);

      if (made < 0 || (made == 0 && !_cairn_store_exec (self, indexes->pdata[i], error)))
        return FALSE;
    }
  /* Every note was made again with an empty body: write them now rather
   * than leave them all to the lazy write. The search index is made again
   * by the next search (cairn-store-search.c). */
  return _cairn_store_write_bodies (self, error) &&
         _cairn_store_search_reset (self, error) &&
         _cairn_store_load_meta (self, error) &&
         _cairn_store_end (self, error);
}

/* The default fill: the snapshot base, if any, then the log after it. */
static gboolean
fill_from_log (CairnStore  *self,
               gpointer     user_data,
               GError     **error)
{
  GArray *flipped = user_data;
  gint64 base_seq = 0;

  return _cairn_store_fill_from_base (self, &base_seq, error) &&
         replay_log (self, base_seq, flipped, error) &&
         flip_skipped (self, flipped, error);
}

gboolean
_cairn_store_rebuild_with (CairnStore           *self,
                           CairnStoreRebuildFill fill,
                           gpointer              user_data,
                           GError              **error)
{
  g_autoptr(CairnChanges) changes = NULL;
  g_autoptr(GPtrArray) indexes = NULL;
  gboolean old_needs_update = self->needs_update;
  gint64 old_head = self->head;
  guint old_pending = self->pending_count;
  gint64 temp_store;

  if (!begin_rebuild (self, &temp_store, error))
    return FALSE;
  if (!empty_derived_tables (self, &indexes, error) ||
      !fill (self, user_data, error) ||
      !finish_rebuild (self, indexes, error))
    {
      if (self->in_transaction)
        _cairn_store_rollback (self);
      set_temp_store (self, temp_store, NULL);
      return FALSE;
    }
  /* a failure here changes nothing the rebuild did */
  set_temp_store (self, temp_store, NULL);

  _cairn_store_notify_needs_update (self, old_needs_update);
  if (self->head != old_head)
    _cairn_store_notify_cursor (self, old_head, old_pending);
  changes = _cairn_changes_new ();
  changes->reset = TRUE;
  _cairn_store_emit_changed (self, changes);
  return TRUE;
}

gboolean
cairn_store_rebuild (CairnStore  *self,
                     GError     **error)
{
  g_autoptr(GArray) flipped = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _cairn_store_rebuild_with (self, fill_from_log, flipped, error);
}

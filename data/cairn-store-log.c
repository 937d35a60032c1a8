/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-log.c: the log, the outbox and the cursor as rows: reading
 * and writing meta, events to and from rows, listing the log and outbox. */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include "cairn-chain.h"
#include "cairn-json-guard.h"
#include "cairn-store-private.h"
#include "cairn-store-sync.h"

/* Meta and rows */

#define META_COLUMNS \
  "SELECT client_id, head, history_id, max (next_client_seq, " \
  "  coalesce ((SELECT max (client_seq) + 1 FROM pending), 1), " \
  "  coalesce ((SELECT max (client_seq) + 1 FROM log " \
  "             WHERE log.client_id = meta.client_id), 1)), " \
  "(SELECT count(*) FROM pending), "

/* scan_skipped: whether to look for skipped events in the whole log (no
 * index: a scan of every row, so not after every rebased page).
 * keep_texts: the decoded notes still equal the database (a rebase that
 * commits: see _cairn_store_load_meta_after_append). */
static gboolean
load_meta (CairnStore  *self,
           gboolean     scan_skipped,
           gboolean     keep_texts,
           GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  /* Whatever made the cursor stale (a rollback, another process, a
   * rebuild) may have changed note bodies under the decoded ones. */
  if (keep_texts)
    self->note_rows_serial++;
  else
    _cairn_store_text_cache_clear (self);
  /* The change counter first: outside a transaction the counter and the
   * rows below are read in two snapshots, and another process's commit
   * between them must leave the counter older than the rows (the next
   * check reloads for nothing), never newer (the next check would miss
   * that commit and reuse its client_seq). */
  if (!_cairn_store_read_data_version (self, &self->data_version, error))
    return FALSE;
  if (scan_skipped)
    stmt = _cairn_store_prepare (self, META_COLUMNS "EXISTS (SELECT 1 FROM log WHERE skipped) "
                                 "FROM meta WHERE id = 1", error);
  else
    stmt = _cairn_store_prepare (self, META_COLUMNS "0 FROM meta WHERE id = 1", error);
  if (stmt == NULL)
    return FALSE;

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT,
                     "“%s” is damaged: its meta row is missing", self->path);
      else
        _cairn_store_set_error (self, error, "Cannot read");
      sqlite3_reset (stmt);
      return FALSE;
    }

  g_free (self->client_id);
  self->client_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  self->head = sqlite3_column_int64 (stmt, 1);
  g_free (self->history_id);
  self->history_id = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  self->next_client_seq = sqlite3_column_int64 (stmt, 3);
  self->pending_count = (guint) sqlite3_column_int64 (stmt, 4);
  if (scan_skipped)
    self->needs_update = sqlite3_column_int (stmt, 5) != 0;
  sqlite3_reset (stmt);

  if (!cairn_is_client_id (self->client_id))
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT,
                   "“%s” is damaged: its client id is not 32 hex digits", self->path);
      return FALSE;
    }
  return TRUE;
}

gboolean
_cairn_store_load_meta (CairnStore  *self,
                        GError     **error)
{
  return load_meta (self, TRUE, FALSE, error);
}

gboolean
_cairn_store_load_meta_after_append (CairnStore  *self,
                                     gboolean     appended_skipped,
                                     GError     **error)
{
  /* A rebase keeps the decoded notes (issue 17: decoding a note's whole
   * CRDT after every remote keystroke made each one cost time in
   * proportion to the note's history). They still equal the database:
   * the CRDT tables only ever grow by merges, which went through the
   * cache, and rollback and replay restore note_versions, never the
   * CRDT tables. A rebase that fails is rolled back and clears them (and
   * a shared client id clears them itself, cairn-store-fork.c). */
  if (!load_meta (self, FALSE, TRUE, error))
    return FALSE;
  if (appended_skipped)
    self->needs_update = TRUE;
  return TRUE;
}

gboolean
_cairn_store_save_cursor (CairnStore  *self,
                          GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = _cairn_store_prepare (self,
                               "UPDATE meta SET head = ?1, history_id = ?2, "
                               "next_client_seq = ?3 WHERE id = 1", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_int64 (stmt, 1, self->head) != SQLITE_OK ||
      sqlite3_bind_text (stmt, 2, self->history_id, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_bind_int64 (stmt, 3, self->next_client_seq) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return _cairn_store_step_done (self, stmt, error);
}

JsonObject *
_cairn_store_parse_args (CairnStore  *self,
                         const char  *json,
                         GError     **error)
{
  JsonNode *root;
  JsonObject *fast;
  CairnJsonGuardResult guard;
  gsize at = 0;

  /* What the store wrote itself, without json-glib's parser (about 15
   * times faster); anything else, and every error, through json-glib. */
  if (json != NULL && (fast = _cairn_event_args_scan (json, -1)) != NULL)
    return fast;
  /* The file may have been written by anyone: never hand json-glib (which
   * recurses without limit) deep nesting. Numbers are not checked here, so
   * that what an older version stored still reads. */
  if (json != NULL &&
      (guard = cairn_json_guard (json, -1, CAIRN_JSON_GUARD_NONE, &at)) != CAIRN_JSON_GUARD_OK)
    {
      g_autofree char *why = cairn_json_guard_message (guard, at);

      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT,
                   "Stored event in “%s” is damaged: its args are refused: %s", self->path, why);
      return NULL;
    }
  if (!json_parser_load_from_data (self->parser, json, -1, error))
    {
      g_prefix_error (error, "Stored event in “%s” is damaged: ", self->path);
      return NULL;
    }
  root = json_parser_get_root (self->parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT,
                   "Stored event in “%s” is damaged: its args are not an object",
                   self->path);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

gboolean
_cairn_store_bind_event (CairnStore       *self,
                         sqlite3_stmt     *stmt,
                         const CairnEvent *event,
                         const char       *args_json,
                         GError          **error)
{
  g_autofree char *own = args_json == NULL ? cairn_event_dup_args_json (event) : NULL;
  const char *args = args_json != NULL ? args_json : own;
  int rc = SQLITE_OK;

  /* Parameters by name; a statement uses any subset of them. */
  for (int i = 1; i <= sqlite3_bind_parameter_count (stmt) && rc == SQLITE_OK; i++)
    {
      const char *param = sqlite3_bind_parameter_name (stmt, i);

      if (g_strcmp0 (param, ":seq") == 0)
        rc = sqlite3_bind_int64 (stmt, i, event->seq);
      else if (g_strcmp0 (param, ":client_id") == 0)
        rc = sqlite3_bind_text (stmt, i, event->client_id, -1, SQLITE_STATIC);
      else if (g_strcmp0 (param, ":client_seq") == 0)
        rc = sqlite3_bind_int64 (stmt, i, event->client_seq);
      else if (g_strcmp0 (param, ":name") == 0)
        rc = sqlite3_bind_text (stmt, i, event->name, -1, SQLITE_STATIC);
      else if (g_strcmp0 (param, ":version") == 0)
        rc = sqlite3_bind_int64 (stmt, i, event->version);
      else if (g_strcmp0 (param, ":args") == 0)
        rc = sqlite3_bind_text (stmt, i, args, -1, SQLITE_TRANSIENT);
      else if (g_strcmp0 (param, ":created_at") == 0)
        rc = sqlite3_bind_int64 (stmt, i, event->created_at);
      else if (g_strcmp0 (param, ":device") == 0)
        rc = sqlite3_bind_text (stmt, i, event->device, -1, SQLITE_STATIC);
      else if (g_strcmp0 (param, ":user") == 0)
        rc = sqlite3_bind_text (stmt, i, event->user, -1, SQLITE_STATIC);
    }

  if (rc != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return TRUE;
}

gboolean
_cairn_store_insert_log (CairnStore       *self,
                         const CairnEvent *event,
                         gboolean          skipped,
                         GError          **error)
{
  sqlite3_stmt *stmt;

  /* A large rebase writes the history index itself (cairn-store-tail.c). */
  if (self->log_index_by_hand)
    return _cairn_store_insert_log_by_hand (self, event, skipped, error);

  /* The chain is computed here from the row before, never taken from the
   * wire: the log's chain says what this device holds. No row before a
   * seq > 1 gives NULL (unknown). */
  /* By address: hashing this text for the statement cache was 3 % of a
   * catch-up. */
  stmt = _cairn_store_prepare_static (self,
                               "INSERT INTO log (seq, client_id, client_seq, name, version, "
                               "args, created_at, device, user_name, chain, skipped) VALUES (:seq, :client_id, "
                               ":client_seq, :name, :version, :args, :created_at, :device, :user, "
                               "cairn_chain (CASE :seq WHEN 1 THEN '" CAIRN_CHAIN_ZERO "' "
                               "ELSE (SELECT chain FROM log WHERE seq = :seq - 1) END, "
                               ":client_id, :client_seq), ?)",
                               error);
  /* An event from the wire keeps its args text when it is already the
   * canonical one (issue 17: writing it again was ~5 % of a catch-up). */
  if (stmt == NULL || !_cairn_store_bind_event (self, stmt, event, event->args_text, error))
    return FALSE;
  if (sqlite3_bind_int (stmt, sqlite3_bind_parameter_count (stmt), skipped) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return _cairn_store_step_done (self, stmt, error);
}

CairnEvent *
_cairn_store_event_from_row (CairnStore    *self,
                             sqlite3_stmt  *stmt,
                             GError       **error)
{
  /* Columns: name, version, args, client_id, client_seq, created_at, seq, device */
  g_autoptr(JsonObject) args = NULL;
  CairnEvent *event;

  args = _cairn_store_parse_args (self, (const char *) sqlite3_column_text (stmt, 2), error);
  if (args == NULL)
    return NULL;

  event = cairn_event_new ((const char *) sqlite3_column_text (stmt, 0),
                           (guint) sqlite3_column_int64 (stmt, 1), args);
  event->client_id = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  event->client_seq = sqlite3_column_int64 (stmt, 4);
  event->created_at = sqlite3_column_int64 (stmt, 5);
  event->seq = sqlite3_column_int64 (stmt, 6);
  event->device = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
  return event;
}

static GPtrArray *
collect_events (CairnStore    *self,
                sqlite3_stmt  *stmt,
                GPtrArray    **changesets,
                GError       **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  int rc;

  if (changesets != NULL)
    *changesets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CairnEvent *event = _cairn_store_event_from_row (self, stmt, error);

      if (event == NULL)
        break;
      g_ptr_array_add (events, event);
      if (changesets != NULL)
        g_ptr_array_add (*changesets, g_bytes_new (sqlite3_column_blob (stmt, 8),
                                                   sqlite3_column_bytes (stmt, 8)));
    }

  if (rc != SQLITE_DONE)
    {
      if (rc != SQLITE_ROW)
        _cairn_store_set_error (self, error, "Cannot read events");
      sqlite3_reset (stmt);
      if (changesets != NULL)
        g_clear_pointer (changesets, g_ptr_array_unref);
      return NULL;
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&events);
}

GPtrArray *
_cairn_store_load_pending (CairnStore  *self,
                           GPtrArray  **changesets,
                           GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = _cairn_store_prepare (self,
                               "SELECT name, version, args, (SELECT client_id FROM meta), "
                               "client_seq, created_at, 0, NULL, changeset "
                               "FROM pending ORDER BY client_seq", error);
  if (stmt == NULL)
    return NULL;
  return collect_events (self, stmt, changesets, error);
}

GPtrArray *
cairn_store_list_pending (CairnStore  *self,
                          guint        limit,
                          GError     **error)
{
  g_autoptr(GPtrArray) events = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  events = _cairn_store_load_pending (self, NULL, error);
  if (events != NULL && limit > 0 && events->len > limit)
    g_ptr_array_set_size (events, limit);
  return g_steal_pointer (&events);
}

gboolean
cairn_store_get_log_chain (CairnStore  *self,
                           gint64       seq,
                           char       **out_chain,
                           GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_chain != NULL, FALSE);

  *out_chain = NULL;
  if (seq == 0)
    {
      *out_chain = g_strdup (CAIRN_CHAIN_ZERO);
      return TRUE;
    }
  stmt = _cairn_store_prepare (self, "SELECT chain FROM log WHERE seq = ?1", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_int64 (stmt, 1, seq) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    *out_chain = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the log's chain");
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
cairn_store_list_log (CairnStore  *self,
                      gint64       after,
                      guint        limit,
                      GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  stmt = _cairn_store_prepare (self,
                               "SELECT name, version, args, client_id, client_seq, "
                               "created_at, seq, device FROM log WHERE seq > ?1 "
                               "ORDER BY seq LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_bind_int64 (stmt, 1, after) != SQLITE_OK ||
      sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return NULL;
    }
  return collect_events (self, stmt, NULL, error);
}

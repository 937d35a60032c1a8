/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-fork.c: taking a new client id when the server shows that
 * another replica uses ours (a copied profile, or commits a power cut
 * lost after they were pushed). docs/sync.md, "A shared client id". */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include "cairn-store-private.h"

/* The last identity change, in a local table made on first use (never
 * synced; no schema step: like text_client, it is not state). */
static const char identity_sql[] =
  "CREATE TABLE IF NOT EXISTS identity_change ("
  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
  "  old_client_id TEXT NOT NULL,"
  "  new_client_id TEXT NOT NULL,"
  "  client_seq INTEGER NOT NULL,"
  "  changed_at INTEGER NOT NULL);";

static gboolean
bind_text (CairnStore    *self,
           sqlite3_stmt  *stmt,
           int            i,
           const char    *text,
           GError       **error)
{
  if (sqlite3_bind_text (stmt, i, text, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return TRUE;
}

static gboolean
bind_int (CairnStore    *self,
          sqlite3_stmt  *stmt,
          int            i,
          gint64         value,
          GError       **error)
{
  if (sqlite3_bind_int64 (stmt, i, value) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return TRUE;
}

static CairnTextOps *
decode_ops (const CairnEvent *event)
{
  const char *b64 = json_object_get_string_member_with_default (event->args, "ops", NULL);
  g_autoptr(GBytes) raw = NULL;
  guchar *data;
  gsize n;

  if (b64 == NULL)
    return NULL;
  data = g_base64_decode (b64, &n);
  raw = g_bytes_new_take (data, n);
  return cairn_text_ops_decode (raw, NULL);
}

static const char *
edited_note (const CairnEvent *event)
{
  if (g_strcmp0 (event->name, "note.edited") != 0)
    return NULL;
  return json_object_get_string_member_with_default (event->args, "note_id", NULL);
}

/* The note's CRDT again from the log alone: our pending ops leave it
 * (they come back re-keyed when the outbox is replayed). The state is
 * untouched: note_versions keeps what the pending changesets recorded,
 * so that the rollback that follows finds what it expects. */
static gboolean
rebuild_note_text (CairnStore  *self,
                   const char  *note_id,
                   GError     **error)
{
  g_autoptr(GBytes) version = NULL;
  sqlite3_stmt *stmt;
  int rc;

  stmt = _cairn_store_prepare (self, "SELECT version FROM note_versions WHERE id = ?1", error);
  if (stmt == NULL || !bind_text (self, stmt, 1, note_id, error))
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    version = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the version of a note");
      return FALSE;
    }

  _cairn_store_text_cache_clear (self);
  stmt = _cairn_store_prepare (self, "DELETE FROM note_bodies WHERE note_id = ?1", error);
  if (stmt == NULL || !bind_text (self, stmt, 1, note_id, error) ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;
  stmt = _cairn_store_prepare (self, "DELETE FROM note_body_ops WHERE note_id = ?1", error);
  if (stmt == NULL || !bind_text (self, stmt, 1, note_id, error) ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;

  stmt = _cairn_store_prepare (self,
                               "SELECT name, version, args, client_id, client_seq, created_at, "
                               "seq, device FROM log WHERE name = 'note.edited' AND NOT skipped "
                               "AND json_extract (args, '$.note_id') = ?1 ORDER BY seq", error);
  if (stmt == NULL || !bind_text (self, stmt, 1, note_id, error))
    return FALSE;
  {
    g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
      {
        CairnEvent *event = _cairn_store_event_from_row (self, stmt, error);

        if (event == NULL)
          {
            sqlite3_reset (stmt);
            return FALSE;
          }
        g_ptr_array_add (events, event);
      }
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE)
      {
        _cairn_store_set_error (self, error, "Cannot read the log");
        return FALSE;
      }
    for (guint i = 0; i < events->len; i++)
      {
        gboolean skipped;

        if (!_cairn_store_apply_event (self, events->pdata[i], NULL, &skipped, error))
          return FALSE;
      }
  }

  if (version == NULL)
    stmt = _cairn_store_prepare (self, "DELETE FROM note_versions WHERE id = ?1", error);
  else
    stmt = _cairn_store_prepare (self, "UPDATE note_versions SET version = ?2 WHERE id = ?1", error);
  if (stmt == NULL || !bind_text (self, stmt, 1, note_id, error))
    return FALSE;
  if (version != NULL &&
      sqlite3_bind_blob64 (stmt, 2, g_bytes_get_data (version, NULL), g_bytes_get_size (version),
                           SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  /* Cached from the log alone: not what the state shows. */
  _cairn_store_text_cache_clear (self);
  return _cairn_store_step_done (self, stmt, error);
}

static gboolean
rewrite_pending_args (CairnStore  *self,
                      CairnEvent  *event,
                      GError     **error)
{
  g_autofree char *json = cairn_event_dup_args_json (event);
  sqlite3_stmt *stmt;

  stmt = _cairn_store_prepare (self, "UPDATE pending SET args = ?1 WHERE client_seq = ?2", error);
  return stmt != NULL && bind_text (self, stmt, 1, json, error) &&
         bind_int (self, stmt, 2, event->client_seq, error) &&
         _cairn_store_step_done (self, stmt, error);
}

/* Moves the text ops of the pending events from @from on to @new_text:
 * per note, every id of @old_text from the first counter those events
 * made (docs/text-crdt.md, "Re-keying ops after a fork"). */
static gboolean
rekey_pending_text (CairnStore  *self,
                    gint64       from,
                    const char  *old_text,
                    const char  *new_text,
                    GHashTable  *firsts,
                    GError     **error)
{
  g_autoptr(GPtrArray) pending = _cairn_store_load_pending (self, NULL, error);
  GHashTableIter iter;
  gpointer key;

  if (pending == NULL)
    return FALSE;
  for (guint i = 0; i < pending->len; i++)
    {
      CairnEvent *event = pending->pdata[i];
      const char *note_id = edited_note (event);
      g_autoptr(CairnTextOps) ops = NULL;
      guint32 first, *known;

      if (event->client_seq < from || note_id == NULL || (ops = decode_ops (event)) == NULL ||
          !cairn_text_ops_get_first_counter (ops, old_text, &first))
        continue;
      known = g_hash_table_lookup (firsts, note_id);
      if (known == NULL)
        g_hash_table_insert (firsts, g_strdup (note_id), g_memdup2 (&first, sizeof first));
      else
        *known = MIN (*known, first);
    }

  for (guint i = 0; i < pending->len; i++)
    {
      CairnEvent *event = pending->pdata[i];
      const char *note_id = edited_note (event);
      g_autoptr(CairnTextOps) ops = NULL;
      g_autoptr(CairnTextOps) moved = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) inner = NULL;
      g_autofree char *b64 = NULL;
      guint32 *first;

      if (event->client_seq < from || note_id == NULL ||
          (first = g_hash_table_lookup (firsts, note_id)) == NULL ||
          (ops = decode_ops (event)) == NULL)
        continue;
      moved = cairn_text_ops_rekey (ops, old_text, *first, new_text, &inner);
      if (moved == NULL)
        {
          /* Not made by this store's editor: left as it is. */
          g_warning ("Cannot move pending edit %" G_GINT64_FORMAT " of note %s to the new text "
                     "id: %s", event->client_seq, note_id, inner->message);
          continue;
        }
      bytes = cairn_text_ops_encode (moved);
      b64 = g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      json_object_set_string_member (event->args, "ops", b64);
      g_clear_pointer (&event->args_text, g_free);
      if (!rewrite_pending_args (self, event, error))
        return FALSE;
    }

  g_hash_table_iter_init (&iter, firsts);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!rebuild_note_text (self, key, error))
      return FALSE;
  return TRUE;
}

gboolean
_cairn_store_fork_prepare (CairnStore  *self,
                           gint64       from,
                           GError     **error)
{
  g_autofree char *old_text = NULL;
  g_autofree char *new_text = NULL;

  g_assert (self->in_transaction);
  g_assert (self->fork_client_id == NULL);

  self->fork_prep_firsts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  old_text = cairn_store_dup_text_client_id (self, error);
  if (old_text == NULL ||
      !_cairn_store_renew_text_client (self, error) ||
      (new_text = cairn_store_dup_text_client_id (self, error)) == NULL ||
      !rekey_pending_text (self, from, old_text, new_text, self->fork_prep_firsts, error))
    return FALSE;
  self->fork_prep_text = g_steal_pointer (&old_text);
  self->fork_client_id = cairn_new_client_id ();
  self->fork_seq = from;
  return TRUE;
}

gboolean
_cairn_store_fork_finish (CairnStore  *self,
                          GError     **error)
{
  g_autoptr(GPtrArray) pending = NULL;
  g_autofree char *old_id = g_strdup (self->client_id);
  sqlite3_stmt *stmt;
  gint64 from = self->fork_seq;

  g_assert (self->in_transaction);
  g_assert (self->fork_client_id != NULL);

  /* What is still pending moves to the new id as client seqs 1, 2, …,
   * in order (through negative numbers: the key is checked row by row). */
  pending = _cairn_store_load_pending (self, NULL, error);
  if (pending == NULL || !_cairn_store_exec (self, "UPDATE pending SET client_seq = -client_seq", error))
    return FALSE;
  for (guint i = 0; i < pending->len; i++)
    {
      stmt = _cairn_store_prepare (self, "UPDATE pending SET client_seq = ?1 WHERE client_seq = ?2",
                                   error);
      if (stmt == NULL || !bind_int (self, stmt, 1, i + 1, error) ||
          !bind_int (self, stmt, 2, -((CairnEvent *) pending->pdata[i])->client_seq, error) ||
          !_cairn_store_step_done (self, stmt, error))
        return FALSE;
    }
  stmt = _cairn_store_prepare (self, "UPDATE meta SET client_id = ?1, next_client_seq = ?2 WHERE id = 1",
                               error);
  if (stmt == NULL || !bind_text (self, stmt, 1, self->fork_client_id, error) ||
      !bind_int (self, stmt, 2, pending->len + 1, error) ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;

  if (!_cairn_store_exec (self, identity_sql, error))
    return FALSE;
  stmt = _cairn_store_prepare (self,
                               "INSERT OR REPLACE INTO identity_change (id, old_client_id, "
                               "new_client_id, client_seq, changed_at) VALUES (1, ?1, ?2, ?3, ?4)",
                               error);
  if (stmt == NULL || !bind_text (self, stmt, 1, old_id, error) ||
      !bind_text (self, stmt, 2, self->fork_client_id, error) ||
      !bind_int (self, stmt, 3, from, error) ||
      !bind_int (self, stmt, 4, g_get_real_time () / 1000, error) ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;

  g_message ("The server has another event of client %s as client seq %" G_GINT64_FORMAT
             " in “%s”: another device uses this client id (a copied profile), or a power cut "
             "lost changes already sent. This device is now client %s; its %u unsent change(s) "
             "move there.", old_id, from, self->path, self->fork_client_id, pending->len);
  g_free (self->client_id);
  self->client_id = g_steal_pointer (&self->fork_client_id);
  self->next_client_seq = pending->len + 1;
  self->fork_seq = 0;
  g_free (self->forked_text);
  self->forked_text = g_steal_pointer (&self->fork_prep_text);
  g_clear_pointer (&self->forked_firsts, g_hash_table_unref);
  self->forked_firsts = g_steal_pointer (&self->fork_prep_firsts);
  return TRUE;
}

void
_cairn_store_fork_clear (CairnStore *self)
{
  g_clear_pointer (&self->fork_client_id, g_free);
  g_clear_pointer (&self->fork_prep_text, g_free);
  g_clear_pointer (&self->fork_prep_firsts, g_hash_table_unref);
  self->fork_seq = 0;
}

CairnTextOps *
cairn_store_rekey_unsaved_ops (CairnStore         *self,
                               const char         *note_id,
                               const CairnTextOps *ops)
{
  g_autofree char *new_text = NULL;
  g_autoptr(GError) error = NULL;
  CairnTextOps *moved;
  guint32 first, *known;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  g_return_val_if_fail (ops != NULL, NULL);

  if (self->forked_text == NULL ||
      !cairn_text_ops_get_first_counter (ops, self->forked_text, &first))
    return NULL;
  /* The note's pending ops moved from their first counter: typing made
   * after them continues their numbering, and names them. */
  known = g_hash_table_lookup (self->forked_firsts, note_id);
  if (known != NULL)
    first = MIN (first, *known);
  new_text = cairn_store_dup_text_client_id (self, &error);
  if (new_text == NULL ||
      (moved = cairn_text_ops_rekey (ops, self->forked_text, first, new_text, &error)) == NULL)
    {
      g_warning ("Cannot move the unsaved typing in note %s to the new text id: %s",
                 note_id, error->message);
      return NULL;
    }
  return moved;
}

gboolean
cairn_store_get_identity_change (CairnStore  *self,
                                 char       **out_old_client_id,
                                 gint64      *out_client_seq,
                                 gint64      *out_changed_at,
                                 GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);

  if (out_old_client_id != NULL)
    *out_old_client_id = NULL;
  stmt = _cairn_store_prepare (self, "SELECT 1 FROM sqlite_schema WHERE name = 'identity_change'",
                               error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc != SQLITE_DONE)
        _cairn_store_set_error (self, error, "Cannot read the schema");
      return FALSE;
    }
  stmt = _cairn_store_prepare (self, "SELECT old_client_id, client_seq, changed_at "
                                     "FROM identity_change WHERE id = 1", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if (out_old_client_id != NULL)
        *out_old_client_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      if (out_client_seq != NULL)
        *out_client_seq = sqlite3_column_int64 (stmt, 1);
      if (out_changed_at != NULL)
        *out_changed_at = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _cairn_store_set_error (self, error, "Cannot read the identity change");
  return rc == SQLITE_ROW;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-text.c: note bodies through the text CRDT (note.edited).
 *
 * Each note's CRDT lives in note_bodies, a table the changeset sessions do
 * not record: text operations commute and are idempotent, so a rebase never
 * rolls them back. Rolling back the pending events still restores
 * notes.body (it is recorded). Replaying a pending note.edited then merges
 * nothing new, because its ops are already in the CRDT, and writes the
 * merged text back. An incoming one merges directly. notes.body always
 * ends as the CRDT's text.
 */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include "cairn-position.h"
#include "cairn-store-private.h"

/* 0: no such note, 1: live, 2: deleted, -1: SQLite error. */
static int
note_state (CairnStore  *self,
            const char  *note_id,
            GError     **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self, "SELECT deleted FROM notes WHERE id = ?", error);
  int rc;
  int state;

  if (stmt == NULL)
    return -1;
  if (sqlite3_bind_text (stmt, 1, note_id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return -1;
    }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    state = 0;
  else if (rc == SQLITE_ROW)
    state = sqlite3_column_int (stmt, 0) ? 2 : 1;
  else
    {
      _cairn_store_set_error (self, error, "Cannot read note");
      state = -1;
    }
  sqlite3_reset (stmt);
  return state;
}

/* A decoded CRDT kept between commits, so that committing a burst costs
 * what the burst costs, not what the note costs. It always equals what
 * the database holds (note_bodies.crdt with the note's note_body_ops
 * applied), inside the open transaction too: the whole cache is dropped
 * whenever the store reloads its cursor, which it does on every rollback,
 * rebuild, rebase, sync and when another process has committed. */
typedef struct
{
  CairnText *text;
  gsize      state_bytes;   /* size of note_bodies.crdt (0: no row) */
  gsize      ops_bytes;     /* sum of the sizes of its note_body_ops */
} TextCacheEntry;

/* Decoded notes kept at most: an editor has one open, sync touches a few. */
#define TEXT_CACHE_MAX 8
/* The appended ops are folded into one state blob when they exceed this
 * fraction of the state (and a floor): a commit then writes the whole
 * state once per that many bytes of edits, instead of on every commit. */
#define COMPACT_RATIO 4
#define COMPACT_FLOOR 16384

static void
text_cache_entry_free (gpointer data)
{
  TextCacheEntry *entry = data;

  g_clear_pointer (&entry->text, cairn_text_free);
  g_free (entry);
}

void
_cairn_store_text_cache_clear (CairnStore *self)
{
  if (self->text_cache != NULL)
    g_hash_table_remove_all (self->text_cache);
}

static gboolean
bind_note_id (CairnStore    *self,
              sqlite3_stmt  *stmt,
              const char    *note_id,
              GError       **error)
{
  if (sqlite3_bind_text (stmt, 1, note_id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return TRUE;
}

static void
set_damaged (CairnStore  *self,
             GError     **error,
             const char  *note_id,
             const char  *what,
             GError      *inner)
{
  g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT,
               "The stored body of note %s in %s is damaged (%s): %s",
               note_id, self->path, what, inner->message);
}

/* The note's CRDT as this device's replica (empty when never edited), read
 * from the database: the state blob, then the ops appended since. */
static TextCacheEntry *
read_text (CairnStore  *self,
           const char  *note_id,
           const char  *replica_id,
           GError     **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self, "SELECT crdt FROM note_bodies WHERE note_id = ?",
                                             error);
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) inner = NULL;
  TextCacheEntry *entry;
  int rc;

  if (stmt == NULL || !bind_note_id (self, stmt, note_id, error))
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    blob = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  else if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read note body");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);

  entry = g_new0 (TextCacheEntry, 1);
  if (blob == NULL)
    entry->text = cairn_text_new (replica_id, &inner);
  else
    {
      entry->state_bytes = g_bytes_get_size (blob);
      entry->text = cairn_text_decode_state (blob, replica_id, &inner);
    }
  if (entry->text == NULL)
    {
      set_damaged (self, error, note_id, "state", inner);
      text_cache_entry_free (entry);
      return NULL;
    }

  stmt = _cairn_store_prepare (self, "SELECT ops FROM note_body_ops WHERE note_id = ? ORDER BY seq",
                               error);
  if (stmt == NULL || !bind_note_id (self, stmt, note_id, error))
    {
      text_cache_entry_free (entry);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(GBytes) raw = g_bytes_new (sqlite3_column_blob (stmt, 0),
                                           sqlite3_column_bytes (stmt, 0));
      g_autoptr(CairnTextOps) ops = cairn_text_ops_decode (raw, &inner);

      entry->ops_bytes += g_bytes_get_size (raw);
      if (ops == NULL || !cairn_text_apply (entry->text, ops, 0, &inner))
        {
          set_damaged (self, error, note_id, "appended ops", inner);
          sqlite3_reset (stmt);
          text_cache_entry_free (entry);
          return NULL;
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read note body ops");
      text_cache_entry_free (entry);
      return NULL;
    }
  return entry;
}

/* The cached CRDT of the note, read into the cache when missing. Owned by
 * the cache. */
static TextCacheEntry *
cached_text (CairnStore  *self,
             const char  *note_id,
             GError     **error)
{
  TextCacheEntry *entry;

  if (self->text_cache == NULL)
    self->text_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              text_cache_entry_free);
  entry = g_hash_table_lookup (self->text_cache, note_id);
  if (entry != NULL)
    return entry;
  /* The cache only merges; it never makes local edits. */
  entry = read_text (self, note_id, self->client_id, error);
  if (entry == NULL)
    return NULL;
  if (g_hash_table_size (self->text_cache) >= TEXT_CACHE_MAX)
    g_hash_table_remove_all (self->text_cache);
  g_hash_table_insert (self->text_cache, g_strdup (note_id), entry);
  return entry;
}

/* Writes the whole state and drops the appended ops. */
static gboolean
compact_text (CairnStore      *self,
              const char      *note_id,
              TextCacheEntry  *entry,
              GError         **error)
{
  g_autoptr(GBytes) state = cairn_text_encode_state (entry->text);
  sqlite3_stmt *stmt;

  stmt = _cairn_store_prepare (self,
                               "INSERT INTO note_bodies (note_id, crdt) VALUES (?, ?) "
                               "ON CONFLICT (note_id) DO UPDATE SET crdt = excluded.crdt", error);
  if (stmt == NULL || !bind_note_id (self, stmt, note_id, error))
    return FALSE;
  if (sqlite3_bind_blob64 (stmt, 2, g_bytes_get_data (state, NULL), g_bytes_get_size (state),
                           SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  if (!_cairn_store_step_done (self, stmt, error))
    return FALSE;
  stmt = _cairn_store_prepare (self, "DELETE FROM note_body_ops WHERE note_id = ?", error);
  if (stmt == NULL || !bind_note_id (self, stmt, note_id, error) ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;
  entry->state_bytes = g_bytes_get_size (state);
  entry->ops_bytes = 0;
  return TRUE;
}

/* Appends the event's encoded ops, or compacts when they have piled up. */
static gboolean
save_text (CairnStore      *self,
           const char      *note_id,
           TextCacheEntry  *entry,
           GBytes          *raw,
           GError         **error)
{
  gsize n = g_bytes_get_size (raw);
  sqlite3_stmt *stmt;

  if (entry->ops_bytes + n > MAX (entry->state_bytes / COMPACT_RATIO, COMPACT_FLOOR))
    return compact_text (self, note_id, entry, error);

  stmt = _cairn_store_prepare (self, "INSERT INTO note_body_ops (note_id, ops) VALUES (?, ?)", error);
  if (stmt == NULL || !bind_note_id (self, stmt, note_id, error))
    return FALSE;
  if (sqlite3_bind_blob64 (stmt, 2, g_bytes_get_data (raw, NULL), n, SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  if (!_cairn_store_step_done (self, stmt, error))
    return FALSE;
  entry->ops_bytes += n;
  return TRUE;
}

gboolean
_cairn_store_apply_note_edit (CairnStore       *self,
                              const CairnEvent *event,
                              CairnChanges     *changes,
                              GError          **error)
{
  const char *note_id = json_object_get_string_member (event->args, "note_id");
  const char *b64 = json_object_get_string_member (event->args, "ops");
  TextCacheEntry *entry = NULL;
  g_autoptr(CairnTextOps) ops = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GError) invalid = NULL;
  g_autofree char *body = NULL;
  sqlite3_stmt *stmt;
  guchar *data;
  gsize n;
  int exists;

  /* An edit of a note that does not exist is a no-op. A deleted note
   * still merges, so that restoring it brings back every edit. */
  exists = note_state (self, note_id, error);
  if (exists < 0)
    return FALSE;
  if (exists == 0)
    return TRUE;

  data = g_base64_decode (b64, &n);
  raw = g_bytes_new_take (data, n);
  ops = cairn_text_ops_decode (raw, &invalid);
  if (ops != NULL)
    {
      entry = cached_text (self, note_id, error);
      if (entry == NULL)
        return FALSE;
      /* On error nothing changed: the cache still equals the database. */
      cairn_text_apply (entry->text, ops, 0, &invalid);
    }
  if (invalid != NULL)
    {
      /* Validated already; what is left is ops that contradict this note's
       * history (another client's bug). Every replica skips them alike. */
      g_warning ("Skipping note.edited %" G_GINT64_FORMAT " on note %s: %s",
                 event->seq, note_id, invalid->message);
      return TRUE;
    }

  if (!save_text (self, note_id, entry, raw, error))
    {
      /* The transaction is rolled back, and the cache with it. */
      g_hash_table_remove (self->text_cache, note_id);
      return FALSE;
    }

  body = cairn_text_get_text (entry->text, NULL);
  stmt = _cairn_store_prepare (self, "UPDATE notes SET body = ?1 WHERE id = ?2 AND body IS NOT ?1",
                               error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_text (stmt, 1, body, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_bind_text (stmt, 2, note_id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  if (!_cairn_store_step_done (self, stmt, error))
    return FALSE;
  if (changes != NULL && sqlite3_changes (self->db) > 0)
    g_hash_table_add (changes->notes, g_strdup (note_id));
  return TRUE;
}

static gboolean
check_live_note (CairnStore  *self,
                 const char  *note_id,
                 GError     **error)
{
  int state;

  if (note_id == NULL || !cairn_is_object_id (note_id))
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "“%s” is not a note id", note_id ? note_id : "(null)");
      return FALSE;
    }
  state = note_state (self, note_id, error);
  if (state < 0)
    return FALSE;
  if (state != 1)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   state == 0 ? "No note with id %s" : "Note %s is deleted", note_id);
      return FALSE;
    }
  return TRUE;
}

/* The client id of this store's local text edits, kept in a local-only
 * table created on first use (no schema migration; never synced). It is a
 * fresh id, not the store's client id, and it is renewed by every reset
 * after a server restore: that reset may leave earlier text ops of this
 * store held (typed on other devices' ops the server lost), and new edits
 * under the same id would take their counters, or could not be made at
 * all. Under a fresh id they depend only on what the replica has
 * integrated. */
static const char text_client_sql[] =
  "CREATE TABLE IF NOT EXISTS text_client ("
  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
  "  client_id TEXT NOT NULL);";

static gboolean
ensure_text_client_table (CairnStore  *self,
                          GError     **error)
{
  if (g_object_get_data (G_OBJECT (self), "cairn-text-client-table") != NULL)
    return TRUE;
  if (!_cairn_store_exec (self, text_client_sql, error))
    return FALSE;
  /* Made inside a transaction, the table goes if that is rolled back. */
  if (!self->in_transaction)
    g_object_set_data (G_OBJECT (self), "cairn-text-client-table", GINT_TO_POINTER (1));
  return TRUE;
}

static gboolean
write_text_client (CairnStore  *self,
                   const char  *client_id,
                   GError     **error)
{
  sqlite3_stmt *stmt;

  if (!ensure_text_client_table (self, error))
    return FALSE;
  stmt = _cairn_store_prepare (self,
                               "INSERT INTO text_client (id, client_id) VALUES (1, ?) "
                               "ON CONFLICT (id) DO UPDATE SET client_id = excluded.client_id",
                               error);
  if (stmt == NULL || !bind_note_id (self, stmt, client_id, error))
    return FALSE;
  return _cairn_store_step_done (self, stmt, error);
}

gboolean
_cairn_store_renew_text_client (CairnStore  *self,
                                GError     **error)
{
  g_autofree char *client_id = cairn_new_client_id ();

  return write_text_client (self, client_id, error);
}

/* The current text client id; made on first use. */
static char *
dup_text_client (CairnStore  *self,
                 GError     **error)
{
  g_autofree char *client_id = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (!ensure_text_client_table (self, error))
    return NULL;
  stmt = _cairn_store_prepare (self, "SELECT client_id FROM text_client WHERE id = 1", error);
  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    client_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the text client id");
      return NULL;
    }
  if (client_id != NULL && cairn_is_client_id (client_id))
    return g_steal_pointer (&client_id);
  /* None yet (or damaged): a fresh one. */
  g_clear_pointer (&client_id, g_free);
  client_id = cairn_new_client_id ();
  if (!write_text_client (self, client_id, error))
    return NULL;
  return g_steal_pointer (&client_id);
}

char *
cairn_store_dup_text_client_id (CairnStore  *self,
                                GError     **error)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  return dup_text_client (self, error);
}

CairnText *
cairn_store_load_note_text (CairnStore  *self,
                            const char  *note_id,
                            GError     **error)
{
  TextCacheEntry *entry;
  CairnText *text;
  g_autofree char *replica_id = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  if (!check_live_note (self, note_id, error))
    return NULL;
  replica_id = dup_text_client (self, error);
  if (replica_id == NULL)
    return NULL;
  /* The caller gets a replica of its own: read it, leave the cache be. */
  entry = read_text (self, note_id, replica_id, error);
  if (entry == NULL)
    return NULL;
  text = g_steal_pointer (&entry->text);
  text_cache_entry_free (entry);
  return text;
}

gboolean
cairn_store_edit_note (CairnStore    *self,
                       const char    *note_id,
                       CairnTextOps  *ops,
                       GError       **error)
{
  g_autoptr(JsonObject) args = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CairnEvent) event = NULL;
  g_autofree char *b64 = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (ops != NULL, FALSE);

  if (!check_live_note (self, note_id, error))
    return FALSE;
  if (cairn_text_ops_is_empty (ops))
    return TRUE;
  bytes = cairn_text_ops_encode (ops);
  b64 = g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  args = json_object_new ();
  json_object_set_string_member (args, "note_id", note_id);
  json_object_set_string_member (args, "ops", b64);
  event = cairn_store_commit (self, "note.edited", 1, args, error);
  return event != NULL;
}

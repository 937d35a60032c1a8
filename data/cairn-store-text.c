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

/* The note's CRDT as this device's replica (empty when never edited). */
static CairnText *
load_text (CairnStore  *self,
           const char  *note_id,
           GError     **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self, "SELECT crdt FROM note_bodies WHERE note_id = ?",
                                             error);
  g_autoptr(GBytes) blob = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  if (sqlite3_bind_text (stmt, 1, note_id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return NULL;
    }
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

  if (blob == NULL)
    return cairn_text_new (self->client_id, error);
  {
    GError *inner = NULL;
    CairnText *text = cairn_text_decode_state (blob, self->client_id, &inner);
    if (text == NULL)
      {
        g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT,
                     "The stored body of note %s in %s is damaged: %s",
                     note_id, self->path, inner->message);
        g_error_free (inner);
      }
    return text;
  }
}

gboolean
_cairn_store_apply_note_edit (CairnStore       *self,
                              const CairnEvent *event,
                              CairnChanges     *changes,
                              GError          **error)
{
  const char *note_id = json_object_get_string_member (event->args, "note_id");
  const char *b64 = json_object_get_string_member (event->args, "ops");
  g_autoptr(CairnText) text = NULL;
  g_autoptr(CairnTextOps) ops = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GBytes) state = NULL;
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
      text = load_text (self, note_id, error);
      if (text == NULL)
        return FALSE;
      cairn_text_apply (text, ops, 0, &invalid);
    }
  if (invalid != NULL)
    {
      /* Validated already; what is left is ops that contradict this note's
       * history (another client's bug). Every replica skips them alike. */
      g_warning ("Skipping note.edited %" G_GINT64_FORMAT " on note %s: %s",
                 event->seq, note_id, invalid->message);
      return TRUE;
    }

  state = cairn_text_encode_state (text);
  stmt = _cairn_store_prepare (self,
                               "INSERT INTO note_bodies (note_id, crdt) VALUES (?, ?) "
                               "ON CONFLICT (note_id) DO UPDATE SET crdt = excluded.crdt", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_text (stmt, 1, note_id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
      sqlite3_bind_blob64 (stmt, 2, g_bytes_get_data (state, NULL), g_bytes_get_size (state),
                           SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  if (!_cairn_store_step_done (self, stmt, error))
    return FALSE;

  body = cairn_text_get_text (text, NULL);
  stmt = _cairn_store_prepare (self, "UPDATE notes SET body = ?1 WHERE id = ?2 AND body IS NOT ?1",
                               error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_text (stmt, 1, body, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
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

CairnText *
cairn_store_load_note_text (CairnStore  *self,
                            const char  *note_id,
                            GError     **error)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  if (!check_live_note (self, note_id, error))
    return NULL;
  return load_text (self, note_id, error);
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

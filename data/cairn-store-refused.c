/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-refused.c: changes the server refused for good, set aside
 * from the outbox into the local table sync_refused (docs/sync.md). */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-store-private.h"
#include "cairn-store-refused.h"
#include "cairn-text.h"

/* Local only, never synced, not state: made on first use (no migration). */
static const char refused_sql[] =
  "CREATE TABLE IF NOT EXISTS sync_refused ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  client_seq INTEGER NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,"
  "  args TEXT NOT NULL, created_at INTEGER NOT NULL,"
  "  refused_client_seq INTEGER NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL,"
  "  set_aside_at INTEGER NOT NULL);";

void
cairn_refused_change_free (CairnRefusedChange *change)
{
  if (change == NULL)
    return;
  g_clear_pointer (&change->event, cairn_event_unref);
  g_free (change->code);
  g_free (change->reason);
  g_free (change);
}

static gboolean
ensure_table (CairnStore  *self,
              GError     **error)
{
  if (g_object_get_data (G_OBJECT (self), "cairn-refused-table") != NULL)
    return TRUE;
  if (!_cairn_store_exec (self, refused_sql, error))
    return FALSE;
  /* Made inside a transaction, the table goes if that is rolled back. */
  if (!self->in_transaction)
    g_object_set_data (G_OBJECT (self), "cairn-refused-table", GINT_TO_POINTER (1));
  return TRUE;
}

/* Readers do not make the table: creating it takes the write lock, which
 * another process may hold (the status is read on the main thread).
 * 1: it exists, 0: not (nothing was ever set aside), -1: error. */
static int
table_exists (CairnStore  *self,
              GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (g_object_get_data (G_OBJECT (self), "cairn-refused-table") != NULL)
    return 1;
  stmt = _cairn_store_prepare (self, "SELECT 1 FROM sqlite_schema WHERE type = 'table' "
                               "AND name = 'sync_refused'", error);
  if (stmt == NULL)
    return -1;
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the schema");
      return -1;
    }
  return rc == SQLITE_ROW;
}

/* Adds the object ids the event names (its "…_id" arguments) to @ids;
 * TRUE when one of them was there already. */
static gboolean
names_any (const CairnEvent *event,
           GHashTable       *ids,
           gboolean          add)
{
  g_autoptr(GList) members = json_object_get_members (event->args);
  gboolean found = FALSE;

  for (const GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (event->args, l->data);
      const char *value;

      if (!g_str_has_suffix (l->data, "_id") || !JSON_NODE_HOLDS_VALUE (node) ||
          json_node_get_value_type (node) != G_TYPE_STRING)
        continue;
      value = json_node_get_string (node);
      if (g_hash_table_contains (ids, value))
        found = TRUE;
    }
  if (add)
    for (const GList *l = members; l != NULL; l = l->next)
      {
        JsonNode *node = json_object_get_member (event->args, l->data);

        if (g_str_has_suffix (l->data, "_id") && JSON_NODE_HOLDS_VALUE (node) &&
            json_node_get_value_type (node) == G_TYPE_STRING)
          g_hash_table_add (ids, g_strdup (json_node_get_string (node)));
      }
  return found;
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

static gboolean
bind_text (CairnStore    *self,
           sqlite3_stmt  *stmt,
           int            i,
           const char    *value,
           GError       **error)
{
  if (sqlite3_bind_text (stmt, i, value, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return TRUE;
}

static gboolean
move_out (CairnStore          *self,
          CairnRefusedChange  *change,
          GError             **error)
{
  const CairnEvent *ev = change->event;
  g_autofree char *args = cairn_event_dup_args_json (ev);
  sqlite3_stmt *stmt;

  stmt = _cairn_store_prepare (self,
                               "INSERT INTO sync_refused (client_seq, name, version, args, "
                               "created_at, refused_client_seq, code, reason, set_aside_at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", error);
  if (stmt == NULL ||
      !bind_int (self, stmt, 1, ev->client_seq, error) ||
      !bind_text (self, stmt, 2, ev->name, error) ||
      !bind_int (self, stmt, 3, ev->version, error) ||
      !bind_text (self, stmt, 4, args, error) ||
      !bind_int (self, stmt, 5, ev->created_at, error) ||
      !bind_int (self, stmt, 6, change->refused_client_seq, error) ||
      !bind_text (self, stmt, 7, change->code, error) ||
      !bind_text (self, stmt, 8, change->reason, error) ||
      !bind_int (self, stmt, 9, change->set_aside_at, error) ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;
  change->id = sqlite3_last_insert_rowid (self->db);

  stmt = _cairn_store_prepare (self, "DELETE FROM pending WHERE client_seq = ?1", error);
  return stmt != NULL && bind_int (self, stmt, 1, ev->client_seq, error) &&
         _cairn_store_step_done (self, stmt, error);
}

static gboolean
renumber (CairnStore  *self,
          gint64       from,
          gint64       to,
          GError     **error)
{
  sqlite3_stmt *stmt;

  if (from == to)
    return TRUE;
  stmt = _cairn_store_prepare (self, "UPDATE pending SET client_seq = ?2 WHERE client_seq = ?1",
                               error);
  return stmt != NULL && bind_int (self, stmt, 1, from, error) &&
         bind_int (self, stmt, 2, to, error) && _cairn_store_step_done (self, stmt, error);
}

GPtrArray *
cairn_store_set_aside_refused (CairnStore  *self,
                               gint64       client_seq,
                               const char  *expected_args,
                               const char  *code,
                               const char  *reason,
                               GError     **error)
{
  g_autoptr(GPtrArray) result = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GHashTable) ids = NULL;
  gboolean any_text = FALSE;
  gint64 removed = 0;
  gint64 now = g_get_real_time () / 1000;
  guint i;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  g_return_val_if_fail (code != NULL && reason != NULL, NULL);

  result = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_refused_change_free);
  if (!ensure_table (self, error) || !_cairn_store_begin (self, error))
    return NULL;
  if ((pending = _cairn_store_load_pending (self, NULL, error)) == NULL)
    goto fail;

  ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (i = 0; i < pending->len; i++)
    {
      CairnEvent *ev = pending->pdata[i];
      gboolean out;

      if (ev->client_seq < client_seq)
        continue;
      /* Not pending (any more): nothing to set aside. */
      if (removed == 0 && ev->client_seq != client_seq)
        break;
      if (removed == 0 && expected_args != NULL)
        {
          g_autofree char *args = cairn_event_dup_args_json (ev);

          if (!g_str_equal (args, expected_args))
            break;
        }
      /* The refused one, and what depends on it: a later event that names
       * an object one of them names (a todo in a refused list, an edit of
       * a refused note's text, a rename of a todo moved into it …).
       * Transitively, in outbox order. */
      out = removed == 0 || names_any (ev, ids, FALSE);
      if (out)
        {
          CairnRefusedChange *change = g_new0 (CairnRefusedChange, 1);

          names_any (ev, ids, TRUE);
          change->event = cairn_event_ref (ev);
          change->refused_client_seq = client_seq;
          change->code = g_strdup (code);
          change->reason = g_strdup (reason);
          change->set_aside_at = now;
          g_ptr_array_add (result, change);
          if (!move_out (self, change, error))
            goto fail;
          any_text |= _cairn_store_is_text_event (ev->name);
          removed++;
        }
      /* The server has none of these (it refused client_seq), so the
       * later ones may take the numbers left free. Ascending order never
       * meets a number still in use. */
      else if (!renumber (self, ev->client_seq, ev->client_seq - removed, error))
        goto fail;
    }

  if (removed == 0)
    {
      /* Not pending: already confirmed or set aside by another process. */
      _cairn_store_rollback (self);
      return g_steal_pointer (&result);
    }

  self->next_client_seq -= removed;
  if (!_cairn_store_save_cursor (self, error) ||
      /* The state still shows what was set aside: rebuilt below, or at
       * the next open after a crash. */
      !_cairn_store_exec (self, "UPDATE meta SET rebuild = 1 WHERE id = 1", error) ||
      /* Our text ops set aside leave their counters unused in the notes;
       * new typing takes a fresh text client id rather than reuse them
       * (as after a server restore, docs/text-crdt.md). */
      (any_text && !_cairn_store_renew_text_client (self, error)))
    goto fail;
  if (!_cairn_store_end (self, error) ||
      !_cairn_store_load_meta (self, error))
    return NULL;
  g_message ("Set aside %" G_GINT64_FORMAT " change(s) the server refused (%s: %s)",
             removed, code, reason);
  if (!cairn_store_rebuild (self, error))
    return NULL;
  return g_steal_pointer (&result);

fail:
  if (self->in_transaction)
    _cairn_store_rollback (self);
  return NULL;
}

gint
cairn_store_split_pending_edit (CairnStore  *self,
                                gint64       client_seq,
                                const char  *expected_args,
                                GError     **error)
{
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) parts = NULL;
  g_autoptr(CairnTextOps) ops = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autofree char *args = NULL;
  CairnEvent *edit = NULL;
  const char *b64;
  guchar *data;
  gsize n;
  gint64 shift;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CAIRN_IS_STORE (self), -1);

  if (!_cairn_store_begin (self, error))
    return -1;
  if ((pending = _cairn_store_load_pending (self, NULL, error)) == NULL)
    goto fail;
  for (guint i = 0; i < pending->len && edit == NULL; i++)
    if (((CairnEvent *) pending->pdata[i])->client_seq == client_seq)
      edit = pending->pdata[i];
  if (edit != NULL)
    args = cairn_event_dup_args_json (edit);
  if (edit == NULL || !g_str_equal (edit->name, "note.edited") || edit->version != 1 ||
      strlen (args) <= CAIRN_EVENT_MAX_ARGS_BYTES ||
      (expected_args != NULL && !g_str_equal (args, expected_args)) ||
      !cairn_event_validate (edit, NULL))
    {
      _cairn_store_rollback (self);
      return 0;
    }

  b64 = json_object_get_string_member (edit->args, "ops");
  data = g_base64_decode (b64, &n);
  raw = g_bytes_new_take (data, n);
  ops = cairn_text_ops_decode (raw, NULL);
  if (ops == NULL)
    {
      _cairn_store_rollback (self);
      return 0;
    }
  parts = _cairn_store_note_edit_args (json_object_get_string_member (edit->args, "note_id"), ops);
  shift = (gint64) parts->len - 1;

  /* Make room: the later events move up, the last first. */
  for (guint i = pending->len; i-- > 0;)
    {
      CairnEvent *ev = pending->pdata[i];

      if (ev->client_seq <= client_seq)
        break;
      if (!renumber (self, ev->client_seq, ev->client_seq + shift, error))
        goto fail;
    }
  stmt = _cairn_store_prepare (self, "DELETE FROM pending WHERE client_seq = ?1", error);
  if (stmt == NULL || !bind_int (self, stmt, 1, client_seq, error) ||
      !_cairn_store_step_done (self, stmt, error))
    goto fail;
  for (guint i = 0; i < parts->len; i++)
    {
      g_autoptr(CairnEvent) part = cairn_event_new ("note.edited", 1, parts->pdata[i]);
      g_autofree char *part_args = cairn_event_dup_args_json (part);

      /* Its changeset is written again by the rebuild below. */
      stmt = _cairn_store_prepare (self,
                                   "INSERT INTO pending (client_seq, name, version, args, "
                                   "created_at, changeset) VALUES (?1, 'note.edited', 1, ?2, ?3, X'')",
                                   error);
      if (stmt == NULL || !bind_int (self, stmt, 1, client_seq + i, error) ||
          !bind_text (self, stmt, 2, part_args, error) ||
          !bind_int (self, stmt, 3, edit->created_at, error) ||
          !_cairn_store_step_done (self, stmt, error))
        goto fail;
    }

  self->next_client_seq += shift;
  if (!_cairn_store_save_cursor (self, error) ||
      !_cairn_store_exec (self, "UPDATE meta SET rebuild = 1 WHERE id = 1", error))
    goto fail;
  if (!_cairn_store_end (self, error) ||
      !_cairn_store_load_meta (self, error))
    return -1;
  g_message ("Split a pending note edit of %" G_GSIZE_FORMAT " bytes into %u events the "
             "server accepts", strlen (args), parts->len);
  if (!cairn_store_rebuild (self, error))
    return -1;
  return (gint) parts->len;

fail:
  if (self->in_transaction)
    _cairn_store_rollback (self);
  return -1;
}

GPtrArray *
cairn_store_list_refused (CairnStore  *self,
                          GError     **error)
{
  g_autoptr(GPtrArray) result = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  result = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_refused_change_free);
  if ((rc = table_exists (self, error)) <= 0)
    return rc < 0 ? NULL : g_steal_pointer (&result);
  stmt = _cairn_store_prepare (self,
                               "SELECT id, client_seq, name, version, args, created_at, "
                               "refused_client_seq, code, reason, set_aside_at "
                               "FROM sync_refused ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(CairnRefusedChange) change = g_new0 (CairnRefusedChange, 1);
      g_autoptr(JsonObject) args = _cairn_store_parse_args (self, (const char *) sqlite3_column_text (stmt, 4),
                                                            error);

      if (args == NULL)
        {
          sqlite3_reset (stmt);
          return NULL;
        }
      change->id = sqlite3_column_int64 (stmt, 0);
      change->event = cairn_event_new ((const char *) sqlite3_column_text (stmt, 2),
                                       (guint) sqlite3_column_int64 (stmt, 3), args);
      change->event->client_id = g_strdup (cairn_store_get_client_id (self));
      change->event->client_seq = sqlite3_column_int64 (stmt, 1);
      change->event->created_at = sqlite3_column_int64 (stmt, 5);
      change->refused_client_seq = sqlite3_column_int64 (stmt, 6);
      change->code = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
      change->reason = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
      change->set_aside_at = sqlite3_column_int64 (stmt, 9);
      g_ptr_array_add (result, g_steal_pointer (&change));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the refused changes");
      return NULL;
    }
  return g_steal_pointer (&result);
}

gint64
cairn_store_count_refused (CairnStore  *self,
                           GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 n = -1;
  int exists;

  g_return_val_if_fail (CAIRN_IS_STORE (self), -1);

  if ((exists = table_exists (self, error)) <= 0)
    return exists;
  stmt = _cairn_store_prepare (self, "SELECT count(*) FROM sync_refused", error);
  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  else
    _cairn_store_set_error (self, error, "Cannot count the refused changes");
  sqlite3_reset (stmt);
  return n;
}

gboolean
cairn_store_dismiss_refused (CairnStore  *self,
                             gint64       id,
                             GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);

  if (!ensure_table (self, error))
    return FALSE;
  stmt = _cairn_store_prepare (self, "DELETE FROM sync_refused WHERE id = ?1", error);
  if (stmt == NULL || !bind_int (self, stmt, 1, id, error) ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "No refused change with id %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  return TRUE;
}

char *
cairn_refused_change_describe (const CairnRefusedChange *change)
{
  const CairnEvent *ev;
  const char *object = NULL;
  const char *kind = NULL;

  g_return_val_if_fail (change != NULL, NULL);

  ev = change->event;
  /* The object it is about: the first of list, todo, note it names. */
  for (guint i = 0; i < 3 && object == NULL; i++)
    {
      static const char * const keys[] = { "todo_id", "note_id", "list_id" };
      JsonNode *node = json_object_get_member (ev->args, keys[i]);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_STRING)
        {
          object = json_node_get_string (node);
          kind = i == 0 ? "todo" : i == 1 ? "note" : "list";
        }
    }
  if (change->refused_client_seq != ev->client_seq)
    return g_strdup_printf ("%s of %s %s (it depends on change %" G_GINT64_FORMAT
                            ", which the server refused)",
                            ev->name, kind ? kind : "object", object ? object : "?",
                            change->refused_client_seq);
  return g_strdup_printf ("%s of %s %s (%s: %s)", ev->name, kind ? kind : "object",
                          object ? object : "?", change->code, change->reason);
}

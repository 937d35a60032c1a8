/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-changes.c: what changed: the sets of CairnChanges, read from
 * changesets, and the commits of other connections to the same file. */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-store-private.h"

/* Other connections' commits */

gboolean
_cairn_store_read_data_version (CairnStore  *self,
                                gint64      *out,
                                GError     **error)
{
  return _cairn_store_get_pragma (self, "data_version", "the database's change counter", out, error);
}

/* What another connection changed since the cursor was read, from the
 * cursor (still the old one) and the rows now in the file: when it only
 * appended pending events (local edits through cairn-cli), their
 * changesets name the rows; anything else (it rebased, rebuilt, or rewrote
 * pending) is a reset. */
static gboolean
external_changes (CairnStore    *self,
                  CairnChanges **out,
                  GError       **error)
{
  g_autoptr(CairnChanges) changes = _cairn_changes_new ();
  g_autofree char *old_history = g_strdup (self->history_id);
  gint64 old_head = self->head, old_next = self->next_client_seq;
  guint old_pending = self->pending_count, n_new = 0;
  sqlite3_stmt *stmt;
  int rc;

  if (!_cairn_store_load_meta (self, error))
    return FALSE;

  if (self->head != old_head || g_strcmp0 (self->history_id, old_history) != 0)
    {
      changes->reset = TRUE;
      *out = g_steal_pointer (&changes);
      return TRUE;
    }

  stmt = _cairn_store_prepare (self, "SELECT changeset FROM pending WHERE client_seq >= ?1 "
                               "ORDER BY client_seq", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_int64 (stmt, 1, old_next) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(GBytes) changeset = g_bytes_new (sqlite3_column_blob (stmt, 0),
                                                 sqlite3_column_bytes (stmt, 0));

      n_new++;
      if (!_cairn_changes_add_changeset (changes, changeset, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the outbox");
      return FALSE;
    }

  if (self->pending_count != old_pending + n_new)
    {
      /* pending events went away or were rewritten: not only appends */
      g_hash_table_remove_all (changes->lists);
      g_hash_table_remove_all (changes->todos);
      g_hash_table_remove_all (changes->notes);
      g_hash_table_remove_all (changes->note_rows);
      g_hash_table_remove_all (changes->tags);
      changes->reset = TRUE;
    }
  *out = g_steal_pointer (&changes);
  return TRUE;
}

static void
merge_changes (CairnChanges *into,
               CairnChanges *from)
{
  GHashTable *sets[][2] = {
    { into->lists, from->lists }, { into->todos, from->todos }, { into->notes, from->notes },
    { into->note_rows, from->note_rows }, { into->tags, from->tags },
  };

  into->reset |= from->reset;
  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      GHashTableIter iter;
      gpointer id;

      g_hash_table_iter_init (&iter, sets[i][1]);
      while (g_hash_table_iter_next (&iter, &id, NULL))
        g_hash_table_add (sets[i][0], g_strdup (id));
    }
}

gboolean
_cairn_store_check_data_version (CairnStore  *self,
                                 GError     **error)
{
  g_autoptr(CairnChanges) changes = NULL;
  gint64 version;

  if (!_cairn_store_read_data_version (self, &version, error))
    return FALSE;
  if (version == self->data_version)
    return TRUE;
  self->parked_maybe = TRUE;
  if (!external_changes (self, &changes, error))
    return FALSE;
  if (changes->reset || !_cairn_changes_is_empty (changes))
    {
      if (self->external == NULL)
        self->external = g_steal_pointer (&changes);
      else
        merge_changes (self->external, changes);
    }
  return TRUE;
}

void
_cairn_store_flush_external (CairnStore *self)
{
  g_autoptr(CairnChanges) changes = NULL;

  if (self->in_transaction || self->external == NULL)
    return;
  changes = g_steal_pointer (&self->external);
  g_object_notify (G_OBJECT (self), "head");
  g_object_notify (G_OBJECT (self), "pending-count");
  _cairn_store_emit_changed (self, changes);
}

gboolean
cairn_store_check_external (CairnStore  *self,
                            GError     **error)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* From a handler of our own ::changed inside a transaction: later. */
  if (self->in_transaction)
    return TRUE;
  if (!_cairn_store_check_data_version (self, error))
    return FALSE;
  _cairn_store_flush_external (self);
  return TRUE;
}

static void
wal_changed_cb (GFileMonitor      *monitor,
                GFile             *file,
                GFile             *other,
                GFileMonitorEvent  event,
                gpointer           user_data)
{
  CairnStore *self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cairn_store_check_external (self, &error))
    g_warning ("Cannot read what another program changed: %s", error->message);
}

gboolean
cairn_store_watch_external (CairnStore  *self,
                            GError     **error)
{
  g_autofree char *wal_path = NULL;
  g_autoptr(GFile) wal = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->wal_monitor != NULL)
    return TRUE;
  wal_path = g_strconcat (self->path, "-wal", NULL);
  wal = g_file_new_for_path (wal_path);
  self->wal_monitor = g_file_monitor_file (wal, G_FILE_MONITOR_NONE, NULL, error);
  if (self->wal_monitor == NULL)
    {
      g_prefix_error (error, "Cannot watch “%s” for other programs' changes: ", wal_path);
      return FALSE;
    }
  /* A burst of writes (a sync of many events) makes one check. */
  g_file_monitor_set_rate_limit (self->wal_monitor, 50);
  g_signal_connect (self->wal_monitor, "changed", G_CALLBACK (wal_changed_cb), self);
  return TRUE;
}

/* Changes */

CairnChanges *
_cairn_changes_new (void)
{
  CairnChanges *changes = g_new0 (CairnChanges, 1);

  changes->lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  changes->todos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  changes->notes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  changes->note_rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  changes->tags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return changes;
}

void
_cairn_changes_free (CairnChanges *changes)
{
  g_clear_pointer (&changes->lists, g_hash_table_unref);
  g_clear_pointer (&changes->todos, g_hash_table_unref);
  g_clear_pointer (&changes->notes, g_hash_table_unref);
  g_clear_pointer (&changes->note_rows, g_hash_table_unref);
  g_clear_pointer (&changes->tags, g_hash_table_unref);
  g_free (changes);
}

gboolean
_cairn_changes_is_empty (CairnChanges *changes)
{
  return !changes->reset &&
         g_hash_table_size (changes->lists) == 0 &&
         g_hash_table_size (changes->todos) == 0 &&
         g_hash_table_size (changes->notes) == 0 &&
         g_hash_table_size (changes->tags) == 0;
}

static GHashTable *
changes_set_for_table (CairnChanges *changes,
                       const char   *table)
{
  if (g_str_equal (table, "lists"))
    return changes->lists;
  if (g_str_equal (table, "todos") || g_str_equal (table, "todo_note_versions"))
    return changes->todos;
  if (g_str_equal (table, "notes") || g_str_equal (table, "note_versions"))
    return changes->notes;
  if (g_str_equal (table, "tags"))
    return changes->tags;
  if (g_str_equal (table, "todo_tags") || g_str_equal (table, "todo_occurrences"))
    return changes->todos;   /* keyed "TODO-ID/…": the todo's prefix */
  return NULL;
}

gboolean
_cairn_changes_add_changeset (CairnChanges  *changes,
                              GBytes        *changeset,
                              GError       **error)
{
  sqlite3_changeset_iter *iter = NULL;
  gsize size;
  gconstpointer data = g_bytes_get_data (changeset, &size);
  int rc;

  rc = sqlite3changeset_start (&iter, (int) size, (void *) data);
  while (rc == SQLITE_OK && (rc = sqlite3changeset_next (iter)) == SQLITE_ROW)
    {
      const char *table;
      int n_cols, op, indirect;
      sqlite3_value *pk = NULL;
      gboolean changed = TRUE;
      GHashTable *set;

      if ((rc = sqlite3changeset_op (iter, &table, &n_cols, &op, &indirect)) != SQLITE_OK)
        break;

      if (op == SQLITE_UPDATE)
        {
          /* A row changed and changed back is no change for the screen. */
          changed = FALSE;
          for (int i = 0; i < n_cols && !changed; i++)
            {
              sqlite3_value *old_value = NULL, *new_value = NULL;

              if ((rc = sqlite3changeset_new (iter, i, &new_value)) != SQLITE_OK ||
                  (rc = sqlite3changeset_old (iter, i, &old_value)) != SQLITE_OK)
                break;
              if (new_value != NULL && old_value != NULL && !cairn_sqlite_values_equal (old_value, new_value))
                changed = TRUE;
            }
          if (rc != SQLITE_OK)
            break;
          rc = sqlite3changeset_old (iter, 0, &pk);
        }
      else if (op == SQLITE_INSERT)
        rc = sqlite3changeset_new (iter, 0, &pk);
      else
        rc = sqlite3changeset_old (iter, 0, &pk);
      if (rc != SQLITE_OK)
        break;

      set = changes_set_for_table (changes, table);
      if (changed && set != NULL && pk != NULL && sqlite3_value_type (pk) == SQLITE_TEXT)
        {
          const char *key = (const char *) sqlite3_value_text (pk);

          if (g_str_equal (table, "todo_tags") || g_str_equal (table, "todo_occurrences"))
            g_hash_table_add (set, g_strndup (key, strcspn (key, "/")));
          else
            g_hash_table_add (set, g_strdup (key));
          if (g_str_equal (table, "notes"))
            g_hash_table_add (changes->note_rows, g_strdup ((const char *) sqlite3_value_text (pk)));
        }
    }

  if (rc == SQLITE_DONE)
    rc = SQLITE_OK;
  if (iter != NULL)
    {
      int rc2 = sqlite3changeset_finalize (iter);
      if (rc == SQLITE_OK)
        rc = rc2;
    }
  if (rc != SQLITE_OK)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
                   "Cannot read a changeset: %s", sqlite3_errstr (rc));
      return FALSE;
    }
  return TRUE;
}

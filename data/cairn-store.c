/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store.c: the workspace store object, local commits and reading. */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-json-guard.h"
#include "cairn-store-private.h"

G_DEFINE_QUARK (cairn-store-error-quark, cairn_store_error)
G_DEFINE_FINAL_TYPE (CairnStore, cairn_store, G_TYPE_OBJECT)

enum { PROP_0, PROP_PATH, PROP_HEAD, PROP_PENDING_COUNT, PROP_NEEDS_UPDATE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
cairn_store_dispose (GObject *object)
{
  CairnStore *self = CAIRN_STORE (object);

  /* What typing left behind goes to notes.body now (a crash instead is
   * caught up by the next open). In dispose, not finalize: the write may
   * report another process's changes (::changed, notify). */
  if (self->db != NULL && self->bodies_stale && !self->in_transaction)
    {
      g_autoptr(GError) error = NULL;

      if (!cairn_store_save_note_bodies (self, &error))
        g_warning ("%s", error->message);
    }
  if (self->body_source != NULL)
    {
      g_source_destroy (self->body_source);
      g_clear_pointer (&self->body_source, g_source_unref);
    }

  G_OBJECT_CLASS (cairn_store_parent_class)->dispose (object);
}

static void
cairn_store_finalize (GObject *object)
{
  CairnStore *self = CAIRN_STORE (object);

  if (self->body_source != NULL)
    {
      g_source_destroy (self->body_source);
      g_clear_pointer (&self->body_source, g_source_unref);
    }
  g_clear_pointer (&self->checkpointer, _cairn_checkpointer_free);

  /* Statements must be finalized before the connection closes. */
  g_clear_pointer (&self->static_stmts, g_hash_table_unref);
  g_clear_pointer (&self->stmts, g_hash_table_unref);
  g_clear_pointer (&self->table_keys, g_hash_table_unref);
  if (self->wal_monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->wal_monitor, self);
      g_file_monitor_cancel (self->wal_monitor);
      g_clear_object (&self->wal_monitor);
    }
  g_clear_pointer (&self->external, _cairn_changes_free);
  if (self->db != NULL)
    {
      int rc = sqlite3_close (self->db);

      if (rc != SQLITE_OK)
        g_warning ("Cannot close “%s”: %s", self->path, sqlite3_errstr (rc));
      self->db = NULL;
    }
  g_clear_object (&self->parser);
  g_clear_pointer (&self->text_cache, g_hash_table_unref);
  g_clear_pointer (&self->live_note, g_free);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->client_id, g_free);
  g_clear_pointer (&self->history_id, g_free);

  G_OBJECT_CLASS (cairn_store_parent_class)->finalize (object);
}

static void
cairn_store_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  CairnStore *self = CAIRN_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_HEAD:
      g_value_set_int64 (value, self->head);
      break;
    case PROP_PENDING_COUNT:
      g_value_set_uint (value, self->pending_count);
      break;
    case PROP_NEEDS_UPDATE:
      g_value_set_boolean (value, self->needs_update);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_store_class_init (CairnStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cairn_store_dispose;
  object_class->finalize = cairn_store_finalize;
  object_class->get_property = cairn_store_get_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_HEAD] =
    g_param_spec_int64 ("head", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PENDING_COUNT] =
    g_param_spec_uint ("pending-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* TRUE when the log holds events this build does not understand: they
   * are kept but not shown; the user should update Cairn. */
  properties[PROP_NEEDS_UPDATE] =
    g_param_spec_boolean ("needs-update", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CairnStore::changed:
   * @changes: (type gpointer): a CairnChanges, valid during the emission
   *
   * Emitted after every committed local change, rebase or rebuild. The
   * sets hold exactly the rows whose content changed (they may be empty,
   * e.g. for an event that no longer applied).
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
finalize_stmt (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
cairn_store_init (CairnStore *self)
{
  self->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, finalize_stmt);
  self->static_stmts = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->table_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_bytes_unref);
  self->parser = json_parser_new_immutable ();
  self->parked_maybe = TRUE;
}

/* Errors and statements */

void
_cairn_store_set_error (CairnStore  *self,
                        GError     **error,
                        const char  *what)
{
  int rc = sqlite3_errcode (self->db) & 0xff;   /* extended codes are on */
  int code = CAIRN_STORE_ERROR_FAILED;

  if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
    code = CAIRN_STORE_ERROR_CORRUPT;
  if (rc == SQLITE_FULL)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NO_SPACE,
                   "%s in “%s”: the disk is full", what, self->path);
      return;
    }
  g_set_error (error, CAIRN_STORE_ERROR, code, "%s in “%s”: %s",
               what, self->path, sqlite3_errmsg (self->db));
}

sqlite3_stmt *
_cairn_store_prepare (CairnStore  *self,
                      const char  *sql,
                      GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->stmts, sql);

  if (stmt != NULL)
    {
      /* reset's return value repeats the last step's error, already reported */
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot prepare a query");
      return NULL;
    }
  g_hash_table_insert (self->stmts, g_strdup (sql), stmt);
  return stmt;
}

sqlite3_stmt *
_cairn_store_prepare_static (CairnStore  *self,
                             const char  *sql,
                             GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->static_stmts, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  /* owned by self->stmts; this table only finds it by address */
  stmt = _cairn_store_prepare (self, sql, error);
  if (stmt != NULL)
    g_hash_table_insert (self->static_stmts, (gpointer) sql, stmt);
  return stmt;
}

gboolean
_cairn_store_exec (CairnStore  *self,
                   const char  *sql,
                   GError     **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot write");
      return FALSE;
    }
  return TRUE;
}

gboolean
_cairn_store_step_done (CairnStore    *self,
                        sqlite3_stmt  *stmt,
                        GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot write");
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

static void flush_external (CairnStore *self);

/* notes.body is written this long after the first change that left it
 * behind: typing commits every burst, the body is written once per this
 * interval at most, in a transaction of its own. */
#define BODY_WRITE_DELAY_MS 2000

static gboolean
write_bodies_cb (gpointer user_data)
{
  CairnStore *self = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->body_source, g_source_unref);
  /* From a ::changed handler inside a transaction: the end of that
   * transaction schedules it again. */
  if (self->in_transaction)
    return G_SOURCE_REMOVE;
  if (!cairn_store_save_note_bodies (self, &error))
    g_warning ("%s", error->message);
  return G_SOURCE_REMOVE;
}

static void
schedule_body_write (CairnStore *self)
{
  if (self->body_source != NULL)
    return;
  self->body_source = g_timeout_source_new (BODY_WRITE_DELAY_MS);
  g_source_set_callback (self->body_source, write_bodies_cb, self, NULL);
  g_source_set_static_name (self->body_source, "[cairn] write note bodies");
  g_source_attach (self->body_source, g_main_context_get_thread_default ());
}

gboolean
cairn_store_save_note_bodies (CairnStore  *self,
                              GError     **error)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->body_source != NULL)
    {
      g_source_destroy (self->body_source);
      g_clear_pointer (&self->body_source, g_source_unref);
    }
  if (!_cairn_store_begin (self, error))
    return FALSE;
  if (!_cairn_store_write_bodies (self, error))
    {
      _cairn_store_rollback (self);
      return FALSE;
    }
  self->bodies_stale = FALSE;
  return _cairn_store_end (self, error);
}

gboolean
_cairn_store_begin (CairnStore  *self,
                    GError     **error)
{
  sqlite3_stmt *stmt;

  g_assert (!self->in_transaction);
  /* IMMEDIATE: take the write lock now, so a second process makes us wait
   * (busy_timeout) here rather than fail half-way through. */
  if ((stmt = _cairn_store_prepare (self, "BEGIN IMMEDIATE", error)) == NULL ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;
  self->in_transaction = TRUE;

  /* Another process (cairn-cli beside the app) may have committed since we
   * last looked: then the cached cursor is stale, and a stale
   * next_client_seq would reuse a number. data_version changes only for
   * other connections' commits, so this costs one cheap query. */
  if (!_cairn_store_check_data_version (self, error))
    {
      _cairn_store_rollback (self);
      return FALSE;
    }
  return TRUE;
}

gboolean
_cairn_store_end (CairnStore  *self,
                  GError     **error)
{
  sqlite3_stmt *stmt;

  g_assert (self->in_transaction);
  if ((stmt = _cairn_store_prepare (self, "COMMIT", error)) == NULL ||
      !_cairn_store_step_done (self, stmt, error))
    {
      _cairn_store_rollback (self);
      return FALSE;
    }
  self->in_transaction = FALSE;
  self->n_commits++;
  if (self->bodies_stale)
    schedule_body_write (self);
  flush_external (self);
  return TRUE;
}

gboolean
_cairn_store_get_pragma (CairnStore  *self,
                         const char  *name,
                         const char  *what,
                         gint64      *out,
                         GError     **error)
{
  g_autofree char *sql = g_strconcat ("PRAGMA ", name, NULL);
  sqlite3_stmt *stmt = _cairn_store_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_autofree char *msg = g_strconcat ("Cannot read ", what, NULL);

      _cairn_store_set_error (self, error, msg);
      sqlite3_reset (stmt);
      return FALSE;
    }
  *out = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return TRUE;
}

gboolean
_cairn_store_set_pragma (CairnStore  *self,
                         const char  *name,
                         const char  *what,
                         gint64       value,
                         GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA %s = %" G_GINT64_FORMAT, name, value);

  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      g_autofree char *msg = g_strconcat ("Cannot set ", what, NULL);

      _cairn_store_set_error (self, error, msg);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_data_version (CairnStore  *self,
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
    { into->note_rows, from->note_rows },
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

  if (!read_data_version (self, &version, error))
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

/* Emits what other connections changed, once no transaction is open. */
static void
flush_external (CairnStore *self)
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
  flush_external (self);
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

/* Rolls the open transaction back and reloads the cached cursor, which
 * the transaction may have changed in memory. */
void
_cairn_store_rollback (CairnStore *self)
{
  g_autoptr(GError) error = NULL;

  g_assert (self->in_transaction);
  if (sqlite3_get_autocommit (self->db) == 0 &&
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
    g_warning ("Cannot roll back in “%s”: %s", self->path, sqlite3_errmsg (self->db));
  self->in_transaction = FALSE;
  self->sync_tables_ready = FALSE;
  self->parked_maybe = TRUE;
  self->note_rows_serial++;

  if (!_cairn_store_load_meta (self, &error))
    g_warning ("%s", error->message);
  flush_external (self);
}

/* Sessions */

sqlite3_session *
_cairn_store_session_new (CairnStore  *self,
                          GError     **error)
{
  static const char * const tables[] = { "lists", "todos", "notes", "note_versions", "parked" };
  g_autoptr(sqlite3_session) session = NULL;

  if (sqlite3session_create (self->db, "main", &session) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot record changes");
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    if (sqlite3session_attach (session, tables[i]) != SQLITE_OK)
      {
        _cairn_store_set_error (self, error, "Cannot record changes");
        return NULL;
      }
  return g_steal_pointer (&session);
}

gboolean
_cairn_store_session_take (CairnStore       *self,
                           sqlite3_session  *session,
                           GBytes          **changeset,
                           GError          **error)
{
  int n = 0;
  void *data = NULL;
  int rc = sqlite3session_changeset (session, &n, &data);

  if (rc != SQLITE_OK)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
                   "Cannot record changes in “%s”: %s", self->path, sqlite3_errstr (rc));
      return FALSE;
    }
  *changeset = g_bytes_new_with_free_func (data, n, sqlite3_free, data);
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
  return changes;
}

void
_cairn_changes_free (CairnChanges *changes)
{
  g_clear_pointer (&changes->lists, g_hash_table_unref);
  g_clear_pointer (&changes->todos, g_hash_table_unref);
  g_clear_pointer (&changes->notes, g_hash_table_unref);
  g_clear_pointer (&changes->note_rows, g_hash_table_unref);
  g_free (changes);
}

gboolean
_cairn_changes_is_empty (CairnChanges *changes)
{
  return !changes->reset &&
         g_hash_table_size (changes->lists) == 0 &&
         g_hash_table_size (changes->todos) == 0 &&
         g_hash_table_size (changes->notes) == 0;
}

static GHashTable *
changes_set_for_table (CairnChanges *changes,
                       const char   *table)
{
  if (g_str_equal (table, "lists"))
    return changes->lists;
  if (g_str_equal (table, "todos"))
    return changes->todos;
  if (g_str_equal (table, "notes") || g_str_equal (table, "note_versions"))
    return changes->notes;
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
          g_hash_table_add (set, g_strdup ((const char *) sqlite3_value_text (pk)));
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

void
_cairn_store_emit_changed (CairnStore   *self,
                           CairnChanges *changes)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, changes);
}

void
_cairn_store_set_needs_update (CairnStore *self,
                               gboolean    needs_update)
{
  needs_update = !!needs_update;
  if (self->needs_update == (guint) needs_update)
    return;
  self->needs_update = needs_update;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEEDS_UPDATE]);
}

static void
notify_cursor (CairnStore *self,
               gint64      old_head,
               guint       old_pending)
{
  if (self->head != old_head)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEAD]);
  if (self->pending_count != old_pending)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_COUNT]);
}

/* Meta and rows */

#define META_COLUMNS \
  "SELECT client_id, head, history_id, max (next_client_seq, " \
  "  coalesce ((SELECT max (client_seq) + 1 FROM pending), 1), " \
  "  coalesce ((SELECT max (client_seq) + 1 FROM log " \
  "             WHERE log.client_id = meta.client_id), 1)), " \
  "(SELECT count(*) FROM pending), "

/* scan_skipped: whether to look for skipped events in the whole log (no
 * index: a scan of every row, so not after every rebased page). */
static gboolean
load_meta (CairnStore  *self,
           gboolean     scan_skipped,
           GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  /* Whatever made the cursor stale (a rollback, a rebase, another
   * process) may have changed note bodies under the decoded ones. */
  _cairn_store_text_cache_clear (self);
  /* The change counter first: outside a transaction the counter and the
   * rows below are read in two snapshots, and another process's commit
   * between them must leave the counter older than the rows (the next
   * check reloads for nothing), never newer (the next check would miss
   * that commit and reuse its client_seq). */
  if (!read_data_version (self, &self->data_version, error))
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
  return load_meta (self, TRUE, error);
}

gboolean
_cairn_store_load_meta_after_append (CairnStore  *self,
                                     gboolean     appended_skipped,
                                     GError     **error)
{
  if (!load_meta (self, FALSE, error))
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

/* @args_json: the event's args as cairn_event_dup_args_json() writes them,
 * or NULL to have them written here. */
static gboolean
bind_event_args (CairnStore       *self,
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
    }

  if (rc != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return TRUE;
}

static gboolean
bind_event (CairnStore       *self,
            sqlite3_stmt     *stmt,
            const CairnEvent *event,
            GError          **error)
{
  return bind_event_args (self, stmt, event, NULL, error);
}

gboolean
_cairn_store_insert_log (CairnStore       *self,
                         const CairnEvent *event,
                         gboolean          skipped,
                         GError          **error)
{
  sqlite3_stmt *stmt;

  stmt = _cairn_store_prepare (self,
                               "INSERT INTO log (seq, client_id, client_seq, name, version, "
                               "args, created_at, device, skipped) VALUES (:seq, :client_id, "
                               ":client_seq, :name, :version, :args, :created_at, :device, ?)",
                               error);
  if (stmt == NULL || !bind_event (self, stmt, event, error))
    return FALSE;
  if (sqlite3_bind_int (stmt, sqlite3_bind_parameter_count (stmt), skipped) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return _cairn_store_step_done (self, stmt, error);
}

static CairnEvent *
event_from_row (CairnStore    *self,
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
      CairnEvent *event = event_from_row (self, stmt, error);

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

/* Public API */

/* The page cache opening may fill, in KiB. */
#define OPEN_SCAN_CACHE_KIB 256

/* Opening counts the outbox and looks for skipped events in the log: whole
 * scans of tables that grow with every change (some 40 MB of pending rows
 * after 100,000 changes). Through the page cache of normal use (16 MiB)
 * the pages scanned would stay in memory for nothing, so the scan goes
 * through a small cache, and the normal size comes back after it. */
static gboolean
load_meta_through_small_cache (CairnStore  *self,
                               GError     **error)
{
  const char *what = "the size of the page cache";
  gint64 normal;
  gboolean ok;

  if (!_cairn_store_get_pragma (self, "cache_size", what, &normal, error) ||
      !_cairn_store_set_pragma (self, "cache_size", what, -OPEN_SCAN_CACHE_KIB, error))
    return FALSE;
  ok = _cairn_store_load_meta (self, error);
  /* The first error is the one to report. */
  if (!_cairn_store_set_pragma (self, "cache_size", what, normal, ok ? error : NULL))
    return FALSE;
  return ok;
}

CairnStore *
cairn_store_open (const char  *path,
                  GError     **error)
{
  g_autoptr(CairnStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (CAIRN_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->db = _cairn_store_open_db (path, error);
  if (self->db == NULL)
    return NULL;

  if (!_cairn_store_text_register (self, error) ||
      !load_meta_through_small_cache (self, error))
    return NULL;
  self->checkpointer = _cairn_checkpointer_new (self->db, self->path);

  /* Schema 4 re-derives note bodies of older files (schema.c). */
  {
    sqlite3_stmt *stmt = _cairn_store_prepare (self, "SELECT rebuild FROM meta", error);
    gboolean rebuild;

    if (stmt == NULL)
      return NULL;
    if (sqlite3_step (stmt) != SQLITE_ROW)
      {
        _cairn_store_set_error (self, error, "Cannot read");
        sqlite3_reset (stmt);
        return NULL;
      }
    rebuild = sqlite3_column_int (stmt, 0) != 0;
    sqlite3_reset (stmt);
    if (rebuild && !cairn_store_rebuild (self, error))
      return NULL;
  }

  /* A crash (or another process) may have left note bodies unwritten.
   * Not fatal: a note whose stored CRDT is damaged must not keep the
   * whole workspace from opening (its readers get the error). */
  {
    g_autoptr(GError) bodies_error = NULL;

    if (!cairn_store_save_note_bodies (self, &bodies_error))
      g_warning ("%s", bodies_error->message);
  }

  /* An update may have taught this build events that an older one stored
   * but skipped: the state is rebuilt from the log to show them. */
  if (self->needs_update)
    {
      sqlite3_stmt *stmt;
      gboolean any_known = FALSE;
      int rc;

      stmt = _cairn_store_prepare (self, "SELECT DISTINCT name, version FROM log WHERE skipped",
                                   error);
      if (stmt == NULL)
        return NULL;
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        if (_cairn_event_lookup_spec ((const char *) sqlite3_column_text (stmt, 0),
                                      (guint) sqlite3_column_int64 (stmt, 1)) != NULL)
          any_known = TRUE;
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          _cairn_store_set_error (self, error, "Cannot read the log");
          return NULL;
        }
      if (any_known && !cairn_store_rebuild (self, error))
        return NULL;
    }

  return g_steal_pointer (&self);
}

const char *
cairn_store_get_path (CairnStore *self)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  return self->path;
}

const char *
cairn_store_get_client_id (CairnStore *self)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  return self->client_id;
}

sqlite3 *
cairn_store_get_db (CairnStore *self)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  return self->db;
}

gint64
cairn_store_get_head (CairnStore *self)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), 0);
  return self->head;
}

const char *
cairn_store_get_history_id (CairnStore *self)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  return self->history_id;
}

guint
cairn_store_get_pending_count (CairnStore *self)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), 0);
  return self->pending_count;
}

gboolean
cairn_store_get_needs_update (CairnStore *self)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  return self->needs_update;
}

guint
_cairn_store_get_rollback_count (CairnStore *self)
{
  return self->rollback_count;
}

/* A new local event: valid, and one the server will accept. *args_json
 * gets its args as stored (written once, for the check and the row). */
static CairnEvent *
new_local_event (CairnStore  *self,
                 const char  *name,
                 guint        version,
                 JsonObject  *args,
                 char       **args_json,
                 GError     **error)
{
  g_autoptr(CairnEvent) event = cairn_event_new (name, version, args);
  g_autofree char *json = NULL;

  if (!cairn_event_validate (event, error))
    return NULL;
  json = cairn_event_dup_args_json (event);
  if (!_cairn_event_check_limits_args (event, json, error))
    return NULL;
  event->client_id = g_strdup (self->client_id);
  event->created_at = g_get_real_time () / 1000;
  *args_json = g_steal_pointer (&json);
  return g_steal_pointer (&event);
}

/* Inside a transaction: applies @event, adds it to the outbox with its
 * changeset under the next client_seq, and advances the cursor (a
 * rollback reloads it). */
static gboolean
commit_in_transaction (CairnStore    *self,
                       CairnEvent    *event,
                       const char    *args_json,
                       CairnChanges  *changes,
                       GError       **error)
{
  g_autoptr(GBytes) changeset = NULL;
  sqlite3_stmt *stmt;
  gboolean skipped = FALSE;

  g_assert (self->in_transaction);

  event->client_seq = self->next_client_seq;
  if (!_cairn_store_apply_event_recorded (self, event, changes, &skipped, &changeset, error))
    return FALSE;

  stmt = _cairn_store_prepare (self,
                               "INSERT INTO pending (client_seq, name, version, args, "
                               "created_at, changeset) VALUES (:client_seq, :name, "
                               ":version, :args, :created_at, ?)", error);
  if (stmt == NULL || !bind_event_args (self, stmt, event, args_json, error))
    return FALSE;
  if (sqlite3_bind_blob (stmt, sqlite3_bind_parameter_count (stmt),
                         g_bytes_get_size (changeset) > 0 ? g_bytes_get_data (changeset, NULL) : "",
                         (int) g_bytes_get_size (changeset), SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  if (!_cairn_store_step_done (self, stmt, error))
    return FALSE;

  /* meta.next_client_seq is not written here (one page less per change):
   * the outbox and the log already say which numbers are used, and
   * _cairn_store_load_meta() takes the larger. */
  self->next_client_seq++;
  self->pending_count++;
  return TRUE;
}

CairnEvent *
cairn_store_commit (CairnStore  *self,
                    const char  *name,
                    guint        version,
                    JsonObject  *args,
                    GError     **error)
{
  g_autoptr(CairnEvent) event = NULL;
  g_autoptr(CairnChanges) changes = NULL;
  g_autofree char *args_json = NULL;
  gint64 old_head = self->head;
  guint old_pending = self->pending_count;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (args != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((event = new_local_event (self, name, version, args, &args_json, error)) == NULL)
    return NULL;
  changes = _cairn_changes_new ();

  if (!_cairn_store_begin (self, error))
    return NULL;
  if (!commit_in_transaction (self, event, args_json, changes, error) ||
      !_cairn_store_end (self, error))
    {
      if (self->in_transaction)
        _cairn_store_rollback (self);
      return NULL;
    }

  notify_cursor (self, old_head, old_pending);
  _cairn_store_emit_changed (self, changes);
  return g_steal_pointer (&event);
}

gboolean
_cairn_store_commit_several (CairnStore  *self,
                             const char  *name,
                             guint        version,
                             GPtrArray   *args,
                             GError     **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CairnChanges) changes = NULL;
  gint64 old_head = self->head;
  guint old_pending = self->pending_count;

  g_assert (!self->in_transaction);

  /* Every one is checked before anything is written. */
  for (guint i = 0; i < args->len; i++)
    {
      char *json = NULL;
      CairnEvent *event = new_local_event (self, name, version, args->pdata[i], &json, error);

      if (event == NULL)
        return FALSE;
      g_ptr_array_add (events, event);
      g_ptr_array_add (texts, json);
    }
  changes = _cairn_changes_new ();

  if (!_cairn_store_begin (self, error))
    return FALSE;
  for (guint i = 0; i < events->len; i++)
    if (!commit_in_transaction (self, events->pdata[i], texts->pdata[i], changes, error))
      {
        _cairn_store_rollback (self);
        return FALSE;
      }
  if (!_cairn_store_end (self, error))
    {
      if (self->in_transaction)
        _cairn_store_rollback (self);
      return FALSE;
    }

  notify_cursor (self, old_head, old_pending);
  _cairn_store_emit_changed (self, changes);
  return TRUE;
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

/* The canonical dump: rows sorted by id, columns in a fixed order, through
 * one JSON generator, so equal state gives equal bytes. */
static gboolean
dump_table (CairnStore   *self,
            JsonBuilder  *builder,
            const char   *table,
            const char   *sql,
            GError      **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  json_builder_set_member_name (builder, table);
  json_builder_begin_array (builder);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        {
          json_builder_set_member_name (builder, sqlite3_column_name (stmt, i));
          switch (sqlite3_column_type (stmt, i))
            {
            case SQLITE_NULL:
              json_builder_add_null_value (builder);
              break;
            case SQLITE_INTEGER:
              json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, i));
              break;
            default:
              json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, i));
              break;
            }
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  sqlite3_reset (stmt);

  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the state");
      return FALSE;
    }
  return TRUE;
}

static const struct
{
  const char *noun;
  const char *sql;
} object_kinds[] = {
  [CAIRN_OBJECT_LIST] = { "list", "SELECT id, title, position, deleted FROM lists WHERE id = ?1" },
  [CAIRN_OBJECT_TODO] = { "todo", "SELECT id, list_id, title, position, done, due, deleted "
                                  "FROM todos WHERE id = ?1" },
  /* notes.body is written lazily: cairn_note_body() is always current */
  [CAIRN_OBJECT_NOTE] = { "note", "SELECT id, title, cairn_note_body (id, body) AS body, deleted "
                                  "FROM notes WHERE id = ?1" },
};

JsonNode *
cairn_store_read_object (CairnStore      *self,
                         CairnObjectKind  kind,
                         const char      *id,
                         gboolean        *deleted,
                         GError         **error)
{
  g_autoptr(JsonBuilder) builder = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (object_kinds), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  if (deleted != NULL)
    *deleted = FALSE;
  stmt = _cairn_store_prepare (self, object_kinds[kind].sql, error);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return NULL;
    }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "No %s with id %s", object_kinds[kind].noun, id);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      g_autofree char *what = g_strdup_printf ("Cannot read %s %s", object_kinds[kind].noun, id);

      _cairn_store_set_error (self, error, what);
      sqlite3_reset (stmt);
      return NULL;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  for (int col = 0; col < sqlite3_column_count (stmt); col++)
    {
      const char *name = sqlite3_column_name (stmt, col);
      gboolean flag = strcmp (name, "done") == 0 || strcmp (name, "deleted") == 0;

      json_builder_set_member_name (builder, name);
      if (flag)
        json_builder_add_boolean_value (builder, sqlite3_column_int (stmt, col) != 0);
      else if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
        json_builder_add_null_value (builder);
      else
        json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, col));
      if (deleted != NULL && strcmp (name, "deleted") == 0)
        *deleted = sqlite3_column_int (stmt, col) != 0;
    }
  json_builder_end_object (builder);
  sqlite3_reset (stmt);
  return json_builder_get_root (builder);
}

static gboolean
has_rows (CairnStore *self,
          const char *sql)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self, sql, NULL);
  gboolean any;

  if (stmt == NULL)
    return FALSE;
  any = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  return any;
}

char *
cairn_store_dump_state (CairnStore  *self,
                        GError     **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  /* Columns in alphabetical order within each row, rows by id. */
  json_builder_begin_object (builder);
  if (!dump_table (self, builder, "lists",
                   "SELECT deleted, id, position, title FROM lists ORDER BY id", error) ||
      !dump_table (self, builder, "notes",
                   "SELECT cairn_note_body (id, body) AS body, created_at, deleted, id, "
                   "title FROM notes ORDER BY id", error) ||
      !dump_table (self, builder, "todos",
                   "SELECT deleted, done, due, id, list_id, position, title FROM todos "
                   "ORDER BY id", error))
    return NULL;
  /* Events still waiting for their object: part of the state (every
   * replica has the same), shown only when there are any. */
  if (has_rows (self, "SELECT 1 FROM parked") &&
      !dump_table (self, builder, "waiting",
                   "SELECT args, client_id, client_seq, name, target FROM parked "
                   "ORDER BY target, client_id, client_seq", error))
    return NULL;
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, TRUE);
}

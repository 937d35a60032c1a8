/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store.c: the workspace store object: its life, statements,
 * transactions and sessions, opening, the lazy write of note bodies. */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include "cairn-store-private.h"
#include "cairn-store-history-private.h"
#include "cairn-store-search-private.h"

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
  _cairn_store_history_cancel_fill (self);

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
  g_clear_pointer (&self->undo_columns, g_hash_table_unref);
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
  _cairn_store_fork_clear (self);
  g_clear_pointer (&self->forked_text, g_free);
  g_clear_pointer (&self->forked_firsts, g_hash_table_unref);
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

int
_cairn_store_query_finds (CairnStore  *self,
                          const char  *sql,
                          const char  *id,
                          const char  *what,
                          GError     **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return -1;
  if (sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return -1;
    }
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _cairn_store_set_error (self, error, what);
  sqlite3_reset (stmt);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

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
  _cairn_store_flush_external (self);
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
  _cairn_store_flush_external (self);
}

/* Sessions */

sqlite3_session *
_cairn_store_session_new (CairnStore  *self,
                          GError     **error)
{
  static const char * const tables[] = { "lists", "todos", "notes", "note_versions", "parked",
                                         "tags", "todo_tags", "todo_occurrences",
                                         "todo_note_versions" };
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

/* Signals and notifications */

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

void
_cairn_store_notify_needs_update (CairnStore *self,
                                  gboolean    old_needs_update)
{
  if (self->needs_update != old_needs_update)
    {
      self->needs_update = old_needs_update;
      _cairn_store_set_needs_update (self, !old_needs_update);
    }
}

void
_cairn_store_notify_cursor (CairnStore *self,
                            gint64      old_head,
                            guint       old_pending)
{
  if (self->head != old_head)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEAD]);
  if (self->pending_count != old_pending)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_COUNT]);
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

  /* The search functions after the schema is read: registering them
   * prepares a statement, which would report a damaged file as their
   * failure. */
  if (!_cairn_store_text_register (self, error) ||
      !load_meta_through_small_cache (self, error) ||
      !_cairn_store_search_register (self, error))
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

void
cairn_store_set_idle_work (CairnStore *self,
                           gboolean    allowed)
{
  g_autoptr(GError) error = NULL;
  int gap;

  g_return_if_fail (CAIRN_IS_STORE (self));

  self->idle_work = allowed;
  if (!allowed)
    {
      _cairn_store_history_cancel_fill (self);
      return;
    }
  /* What a large batch left to fill before the last close. */
  gap = _cairn_store_query_finds (self, "SELECT 1 FROM meta WHERE coalesce (history_gap_from, ?1) IS NOT NULL",
                                  NULL, "Cannot read the history index’s state", &error);
  if (gap < 0)
    g_warning ("%s", error->message);
  else if (gap == 1 && self->history_source == NULL)
    _cairn_store_history_schedule_fill (self);
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
_cairn_store_get_db (CairnStore *self)
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

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-hash-reader.c: the state hash off the main thread, on a
 * read-only connection of its own.
 *
 * At 100,000 todos a hash reads the whole state (~0.2 s of CPU,
 * BENCHMARKS.md): on the store's connection that is the GTK main loop's
 * time. The reader opens the file read-only on a worker thread; WAL gives
 * it one consistent snapshot of the file while the store goes on
 * writing, and the head it reports is read in that same snapshot, so the
 * (seq, hash) pair is always of one state. It reads texts as written in
 * the file (CairnWrittenTexts): the store writes its stale ones before
 * the thread starts, and a text made stale meanwhile (or an event made
 * pending) makes this attempt fail with G_IO_ERROR_BUSY, to be tried
 * again later. docs/sync.md, "State hashes".
 */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-sqlite.h"
#include "cairn-store-hash-private.h"
#include "cairn-store-private.h"

/* ---- texts as written ------------------------------------------------- */

struct _CairnWrittenTexts
{
  sqlite3      *db;
  sqlite3_stmt *note_versions;
  sqlite3_stmt *todo_notes;
  gboolean      stale;
};

#define STALE_MESSAGE "a text of the state is not written yet"

static gboolean
same_blob (sqlite3_stmt *stmt,
           int           a,
           int           b)
{
  int type_a = sqlite3_column_type (stmt, a);
  int type_b = sqlite3_column_type (stmt, b);
  int len;

  if (type_a == SQLITE_NULL || type_b == SQLITE_NULL)
    return type_a == type_b;
  len = sqlite3_column_bytes (stmt, a);
  return len == sqlite3_column_bytes (stmt, b) &&
         memcmp (sqlite3_column_blob (stmt, a), sqlite3_column_blob (stmt, b), len) == 0;
}

/* Steps stmt with id bound; FALSE (the result set to the error) when
 * SQLite fails. */
static gboolean
step_for (sqlite3_context *ctx,
          sqlite3_stmt    *stmt,
          sqlite3_value   *id)
{
  sqlite3_reset (stmt);
  if (sqlite3_bind_value (stmt, 1, id) != SQLITE_OK || sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_result_error (ctx, sqlite3_errmsg (sqlite3_db_handle (stmt)), -1);
      sqlite3_reset (stmt);
      return FALSE;
    }
  return TRUE;
}

static void
written_note_body (sqlite3_context  *ctx,
                   int               argc,
                   sqlite3_value   **argv)
{
  CairnWrittenTexts *self = sqlite3_user_data (ctx);

  g_assert (argc == 2);
  if (!step_for (ctx, self->note_versions, argv[0]))
    return;
  if (same_blob (self->note_versions, 0, 1))
    sqlite3_result_value (ctx, argv[1]);
  else
    {
      self->stale = TRUE;
      sqlite3_result_error (ctx, STALE_MESSAGE, -1);
    }
  sqlite3_reset (self->note_versions);
}

static void
written_todo_notes (sqlite3_context  *ctx,
                    int               argc,
                    sqlite3_value   **argv)
{
  CairnWrittenTexts *self = sqlite3_user_data (ctx);
  sqlite3_stmt *stmt = self->todo_notes;

  g_assert (argc == 1);
  if (sqlite3_value_type (argv[0]) == SQLITE_NULL)
    {
      sqlite3_result_null (ctx);
      return;
    }
  if (!step_for (ctx, stmt, argv[0]))
    return;
  if (!same_blob (stmt, 0, 1))
    {
      self->stale = TRUE;
      sqlite3_result_error (ctx, STALE_MESSAGE, -1);
    }
  else if (sqlite3_column_type (stmt, 0) == SQLITE_NULL)
    sqlite3_result_text (ctx, "", 0, SQLITE_STATIC);
  else
    sqlite3_result_text (ctx, (const char *) sqlite3_column_text (stmt, 2),
                         sqlite3_column_bytes (stmt, 2), SQLITE_TRANSIENT);
  sqlite3_reset (stmt);
}

CairnWrittenTexts *
_cairn_written_texts_new (sqlite3  *db,
                          GError  **error)
{
  g_autoptr(CairnWrittenTexts) self = g_new0 (CairnWrittenTexts, 1);

  self->db = db;
  /* the state's version, the written text's version (cairn-store-text.c) */
  if (sqlite3_prepare_v2 (db, "SELECT (SELECT version FROM note_versions WHERE id = ?1), "
                          "(SELECT version FROM note_body_versions WHERE note_id = ?1)",
                          -1, &self->note_versions, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "SELECT (SELECT version FROM todo_note_versions WHERE id = ?1), "
                          "t.version, t.notes FROM (SELECT 1) "
                          "LEFT JOIN todo_notes t ON t.todo_id = ?1",
                          -1, &self->todo_notes, NULL) != SQLITE_OK ||
      sqlite3_create_function_v2 (db, "cairn_note_body", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                  self, written_note_body, NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_create_function_v2 (db, "cairn_todo_notes", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                  self, written_todo_notes, NULL, NULL, NULL) != SQLITE_OK)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
                   "Cannot read the texts of the state: %s", sqlite3_errmsg (db));
      return NULL;
    }
  return g_steal_pointer (&self);
}

gboolean
_cairn_written_texts_found_stale (CairnWrittenTexts *self)
{
  return self->stale;
}

void
_cairn_written_texts_free (CairnWrittenTexts *self)
{
  if (self == NULL)
    return;
  /* The functions go first: nothing may call into freed memory. */
  if (self->db != NULL)
    {
      sqlite3_create_function_v2 (self->db, "cairn_note_body", 2, SQLITE_UTF8, NULL, NULL, NULL, NULL, NULL);
      sqlite3_create_function_v2 (self->db, "cairn_todo_notes", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL, NULL);
    }
  sqlite3_finalize (self->note_versions);
  sqlite3_finalize (self->todo_notes);
  g_free (self);
}

/* ---- the reader ------------------------------------------------------- */

static gboolean
reader_fail (sqlite3     *db,
             GError     **error,
             const char  *what)
{
  g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED, "%s: %s", what,
               db != NULL ? sqlite3_errmsg (db) : "out of memory");
  return FALSE;
}

static void
busy (GError     **error,
      const char  *why)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, "The state cannot be hashed now: %s", why);
}

static CairnHashReaderHook test_hook;
static gpointer            test_hook_data;

void
_cairn_store_hash_reader_set_test_hook (CairnHashReaderHook hook,
                                        gpointer            user_data)
{
  test_hook = hook;
  test_hook_data = user_data;
}

/* In one read transaction: the head, the outbox's size, the hash. */
static gboolean
hash_in_snapshot (sqlite3            *db,
                  CairnWrittenTexts  *texts,
                  CairnStateHash     *out,
                  GError            **error)
{
  g_autoptr(sqlite3_stmt) meta = NULL;
  gint64 pending;

  /* The first read starts the transaction's snapshot. */
  if (sqlite3_prepare_v2 (db, "SELECT head, (SELECT count(*) FROM pending) FROM meta WHERE id = 1",
                          -1, &meta, NULL) != SQLITE_OK ||
      sqlite3_step (meta) != SQLITE_ROW)
    return reader_fail (db, error, "Cannot read the head");
  out->seq = sqlite3_column_int64 (meta, 0);
  pending = sqlite3_column_int64 (meta, 1);
  if (pending > 0)
    {
      busy (error, "events are waiting to be sent");
      return FALSE;
    }
  if (test_hook != NULL)
    test_hook (test_hook_data);
  if (!_cairn_state_hash_db (db, out, error))
    {
      if (_cairn_written_texts_found_stale (texts))
        {
          g_clear_error (error);
          busy (error, STALE_MESSAGE);
        }
      return FALSE;
    }
  return TRUE;
}

/* Hashes the confirmed state of the file at path as one read snapshot
 * sees it. Any thread. */
static gboolean
hash_file (const char      *path,
           CairnStateHash  *out,
           GError         **error)
{
  g_autoptr(CairnWrittenTexts) texts = NULL;
  sqlite3 *db = NULL;
  gboolean ok;

  memset (out, 0, sizeof *out);
  g_strlcpy (out->format, cairn_state_hash_format (), sizeof out->format);
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      reader_fail (db, error, "Cannot open the workspace to hash it");
      sqlite3_close (db);
      return FALSE;
    }
  sqlite3_busy_timeout (db, 5000);
  /* A fresh connection has no page cache: mapped, the file's pages are
   * read from the kernel's cache without a copy each. */
  sqlite3_exec (db, "PRAGMA mmap_size = 1073741824", NULL, NULL, NULL);
  texts = _cairn_written_texts_new (db, error);
  ok = texts != NULL;
  if (ok && sqlite3_exec (db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    ok = reader_fail (db, error, "Cannot read the workspace to hash it");
  if (ok)
    {
      ok = hash_in_snapshot (db, texts, out, error);
      sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
    }
  g_clear_pointer (&texts, _cairn_written_texts_free);
  sqlite3_close (db);
  return ok;
}

static void
hash_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *path = task_data;
  CairnStateHash *hash = g_new0 (CairnStateHash, 1);
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      g_free (hash);
      return;
    }
  if (!hash_file (path, hash, &error))
    {
      g_free (hash);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, hash, g_free);
}

void
cairn_store_confirmed_state_hash_async (CairnStore          *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (CAIRN_IS_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cairn_store_confirmed_state_hash_async);
  if (self->pending_count > 0)
    {
      busy (&error, "events are waiting to be sent");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Texts the store has not written yet: now, so that the reader finds
   * them (a few notes edited since the last write, usually none). */
  if (self->bodies_stale && !cairn_store_save_note_bodies (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_set_task_data (task, g_strdup (self->path), g_free);
  g_task_run_in_thread (task, hash_thread);
}

gboolean
cairn_store_confirmed_state_hash_finish (CairnStore      *self,
                                         GAsyncResult    *result,
                                         CairnStateHash  *out,
                                         GError         **error)
{
  g_autofree CairnStateHash *hash = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  hash = g_task_propagate_pointer (G_TASK (result), error);
  if (hash == NULL)
    return FALSE;
  *out = *hash;
  return TRUE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-core.c: the core's SQLite helpers, clock and randomness,
 * opening and closing the store. */
#define G_LOG_DOMAIN "cairn-server-core"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "cairn-server-core-private.h"

/* ---- SQLite helpers -------------------------------------------------- */

static void
finalize_stmt (gpointer st)
{
  sqlite3_finalize (st);
}

gboolean
_cairn_core_db_error (CairnServerCore *self,
                      GError         **error,
                      const char      *what)
{
  int rc = sqlite3_errcode (self->db) & 0xff;
  /* A full disk or a failing one: nothing was written, and the server
   * can still read; the front end answers 503 storage_full. */
  int code = rc == SQLITE_FULL || rc == SQLITE_IOERR ? CAIRN_PROTOCOL_ERROR_STORAGE_FULL
                                                     : CAIRN_PROTOCOL_ERROR_INTERNAL;

  g_set_error (error, CAIRN_PROTOCOL_ERROR, code,
               "%s in %s: %s", what, self->path, sqlite3_errmsg (self->db));
  return FALSE;
}

sqlite3_stmt *
_cairn_core_stmt (CairnServerCore *self,
                  const char      *sql,
                  GError         **error)
{
  sqlite3_stmt *st = g_hash_table_lookup (self->stmts, sql);

  if (st == NULL)
    {
      if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        {
          _cairn_core_db_error (self, error, "Cannot prepare a statement");
          return NULL;
        }
      g_hash_table_insert (self->stmts, (char *) sql, st);
    }
  else
    {
      sqlite3_reset (st);
      sqlite3_clear_bindings (st);
    }
  return st;
}

gboolean
_cairn_core_exec (CairnServerCore *self,
                  const char      *sql,
                  GError         **error)
{
  char *msg = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                   "SQL failed in %s (%s): %s", self->path, sql, msg ? msg : "unknown error");
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

gboolean
_cairn_core_bind (CairnServerCore *self,
                  sqlite3_stmt    *st,
                  GError         **error,
                  const char      *types,
                  ...)
{
  va_list ap;
  int rc = SQLITE_OK;

  va_start (ap, types);
  for (int i = 0; types[i] && rc == SQLITE_OK; i++)
    {
      if (types[i] == 't')
        rc = sqlite3_bind_text (st, i + 1, va_arg (ap, const char *), -1, SQLITE_TRANSIENT);
      else if (types[i] == 's')
        rc = sqlite3_bind_text (st, i + 1, va_arg (ap, const char *), -1, SQLITE_STATIC);
      else
        rc = sqlite3_bind_int64 (st, i + 1, va_arg (ap, gint64));
    }
  va_end (ap);
  if (rc != SQLITE_OK)
    return _cairn_core_db_error (self, error, "Cannot bind a parameter");
  return TRUE;
}

gboolean
_cairn_core_step_done (CairnServerCore *self,
                       sqlite3_stmt    *st,
                       GError         **error)
{
  int rc = sqlite3_step (st);

  sqlite3_reset (st);
  if (rc != SQLITE_DONE)
    return _cairn_core_db_error (self, error, "Cannot write");
  return TRUE;
}

gboolean
_cairn_core_step_row (CairnServerCore *self,
                      sqlite3_stmt    *st,
                      gboolean        *has_row,
                      GError         **error)
{
  int rc = sqlite3_step (st);

  if (rc == SQLITE_ROW)
    {
      *has_row = TRUE;
      return TRUE;
    }
  *has_row = FALSE;
  sqlite3_reset (st);
  if (rc != SQLITE_DONE)
    return _cairn_core_db_error (self, error, "Cannot read");
  return TRUE;
}

gboolean
_cairn_core_begin (CairnServerCore *self,
                   GError         **error)
{
  sqlite3_stmt *st;

  /* Every other transaction waits until an open group is committed. */
  _cairn_core_settle (self);
  return (st = _cairn_core_stmt (self, "BEGIN IMMEDIATE", error)) != NULL && _cairn_core_step_done (self, st, error);
}

gboolean
_cairn_core_commit (CairnServerCore *self,
                    GError         **error)
{
  sqlite3_stmt *st = _cairn_core_stmt (self, "COMMIT", error);

  if (st == NULL || !_cairn_core_step_done (self, st, error))
    {
      if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

void
_cairn_core_rollback (CairnServerCore *self)
{
  if (!sqlite3_get_autocommit (self->db))
    {
      if (sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
        g_warning ("ROLLBACK failed in %s: %s", self->path, sqlite3_errmsg (self->db));
    }
}

const char *
_cairn_core_col_text (sqlite3_stmt *st,
                      int           col)
{
  const char *t = (const char *) sqlite3_column_text (st, col);

  return t ? t : "";
}

/* ---- clock, randomness, ids ------------------------------------------- */

gint64
cairn_server_core_now (CairnServerCore *self)
{
  if (self->options.clock != NULL)
    return self->options.clock (self->options.user_data);
  return g_get_real_time () / 1000;
}

static void
random_bytes (CairnServerCore *self,
              guint8          *buf,
              gsize            len)
{
  if (self->options.random != NULL)
    self->options.random (buf, len, self->options.user_data);
  else
    randombytes_buf (buf, len);
}

char *
_cairn_core_random_hex (CairnServerCore *self,
                        gsize            nbytes)
{
  g_autofree guint8 *buf = g_malloc (nbytes);
  GString *s = g_string_sized_new (nbytes * 2);

  random_bytes (self, buf, nbytes);
  for (gsize i = 0; i < nbytes; i++)
    g_string_append_printf (s, "%02x", buf[i]);
  return g_string_free (s, FALSE);
}

char *
_cairn_core_random_uuid (CairnServerCore *self)
{
  guint8 b[16];

  random_bytes (self, b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                          b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* ---- open / close ----------------------------------------------------- */

/* Password hashes and the log are for this user only: the file is
 * created 0600 (SQLite gives -wal and -shm the database's mode), and
 * files an older version created with the umask's mode are narrowed. */
static gboolean
make_private (const char  *path,
              GError     **error)
{
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd >= 0)
    close (fd);
  for (guint i = 0; i < 3; i++)
    {
      static const char *const suffix[] = { "", "-wal", "-shm" };
      g_autofree char *file = g_strconcat (path, suffix[i], NULL);

      if (g_chmod (file, 0600) != 0 && errno != ENOENT)
        {
          int errsv = errno;
          g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                       "Cannot make %s private (mode 0600): %s", file, g_strerror (errsv));
          return FALSE;
        }
    }
  return TRUE;
}

CairnServerCore *
_cairn_core_new (const CairnServerCoreOptions  *options,
                 GError                       **error)
{
  g_autoptr(CairnServerCore) self = g_new0 (CairnServerCore, 1);

  if (sodium_init () < 0)
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                           "Cannot initialise libsodium");
      return NULL;
    }
  if (options != NULL)
    self->options = *options;
  if (self->options.pwhash_opslimit == 0)
    self->options.pwhash_opslimit = CAIRN_CORE_PWHASH_OPSLIMIT;
  if (self->options.pwhash_memlimit == 0)
    self->options.pwhash_memlimit = CAIRN_CORE_PWHASH_MEMLIMIT;
  if (self->options.session_idle_ms <= 0)
    self->options.session_idle_ms = CAIRN_CORE_DEFAULT_SESSION_IDLE_MS;
  if (self->options.login_failures_per_user == 0)
    self->options.login_failures_per_user = 5;
  if (self->options.login_failures_per_address == 0)
    self->options.login_failures_per_address = 20;
  if (self->options.login_window_ms <= 0)
    self->options.login_window_ms = 60 * 1000;

  /* Keyed by the address of the SQL literal: every call site passes a
   * string constant, so hashing the text on every call is wasted work. */
  self->stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, finalize_stmt);
  self->login_user = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->login_addr = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return g_steal_pointer (&self);
}

CairnServerCore *
cairn_server_core_open (const char                   *data_dir,
                        const CairnServerCoreOptions *options,
                        GError                      **error)
{
  g_autoptr(CairnServerCore) self = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);

  if (!(self = _cairn_core_new (options, error)))
    return NULL;
  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                   "Cannot create the data folder %s: %s", data_dir, g_strerror (errsv));
      return NULL;
    }
  self->path = g_build_filename (data_dir, "cairn-server.db", NULL);
  if (!make_private (self->path, error))
    return NULL;
  if (sqlite3_open_v2 (self->path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      if (self->db == NULL)
        g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                     "Cannot open %s: out of memory", self->path);
      else
        _cairn_core_db_error (self, error, "Cannot open the database");
      return NULL;
    }
  if (sqlite3_busy_timeout (self->db, 5000) != SQLITE_OK)
    {
      _cairn_core_db_error (self, error, "Cannot set the busy timeout");
      return NULL;
    }
  if (!_cairn_core_exec (self, "PRAGMA journal_mode = WAL", error) ||
      !_cairn_core_exec (self, "PRAGMA synchronous = FULL", error) ||
      !_cairn_core_exec (self, "PRAGMA foreign_keys = ON", error) ||
      !_cairn_core_prepare_schema (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
cairn_server_core_close (CairnServerCore *self)
{
  if (self == NULL)
    return;
  _cairn_core_settle (self);
  g_clear_pointer (&self->state_reports, g_hash_table_unref);
  g_clear_pointer (&self->stmts, g_hash_table_unref);
  if (self->backend != NULL)
    self->backend->close (self);
  if (self->db != NULL && sqlite3_close (self->db) != SQLITE_OK)
    g_warning ("Cannot close %s: %s", self->path, sqlite3_errmsg (self->db));
  g_clear_pointer (&self->login_user, g_hash_table_unref);
  g_clear_pointer (&self->login_addr, g_hash_table_unref);
  if (self->dummy_hash != NULL)
    sodium_memzero (self->dummy_hash, strlen (self->dummy_hash));
  g_free (self->dummy_hash);
  g_free (self->path);
  g_free (self);
}

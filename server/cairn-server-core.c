/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-core.c: users, sessions, workspaces and event logs in SQLite. */
#define G_LOG_DOMAIN "cairn-server-core"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <sqlite3.h>

#include "cairn-sqlite.h"
#include "cairn-json-guard.h"
#include "cairn-server-core.h"


#define SCHEMA_VERSION 1

typedef struct
{
  gint64 window_start;
  guint  failures;
} LoginCounter;

struct _CairnServerCore
{
  sqlite3                *db;
  char                   *path;
  CairnServerCoreOptions  options;
  GHashTable             *stmts;        /* SQL literal (by address) -> sqlite3_stmt* */
  GHashTable             *login_user;   /* name -> LoginCounter* */
  GHashTable             *login_addr;   /* address -> LoginCounter* */
  char                   *dummy_hash;   /* verified when the user is unknown */
  /* Group commit: pushes left in one open transaction until
   * cairn_server_core_commit_group(). */
  gboolean                in_group;
  CairnCoreGroupFunc      group_done;
  gpointer                group_done_data;
};

/* ---- SQLite helpers -------------------------------------------------- */

static void
finalize_stmt (gpointer st)
{
  sqlite3_finalize (st);
}

static gboolean
db_error (CairnServerCore *self,
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

/* A cached prepared statement, reset and with bindings cleared. Owned by
 * the cache: do not finalize. sql must be a string literal (it is the key). */
static sqlite3_stmt *
stmt (CairnServerCore *self,
      const char      *sql,
      GError         **error)
{
  sqlite3_stmt *st = g_hash_table_lookup (self->stmts, sql);

  if (st == NULL)
    {
      if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        {
          db_error (self, error, "Cannot prepare a statement");
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

static gboolean
exec (CairnServerCore *self,
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

/* Binds text/int parameters from a format: 't' text (copied), 's' text
 * that outlives the statement's next reset (not copied), 'i' int64. */
static gboolean
bind (CairnServerCore *self,
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
    return db_error (self, error, "Cannot bind a parameter");
  return TRUE;
}

/* Steps a statement that returns no row. */
static gboolean
step_done (CairnServerCore *self,
           sqlite3_stmt    *st,
           GError         **error)
{
  int rc = sqlite3_step (st);

  sqlite3_reset (st);
  if (rc != SQLITE_DONE)
    return db_error (self, error, "Cannot write");
  return TRUE;
}

/* Steps once: TRUE with *has_row for SQLITE_ROW/DONE, FALSE on error. */
static gboolean
step_row (CairnServerCore *self,
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
    return db_error (self, error, "Cannot read");
  return TRUE;
}

static void settle (CairnServerCore *self);

static gboolean
begin (CairnServerCore *self,
       GError         **error)
{
  sqlite3_stmt *st;

  /* Every other transaction waits until an open group is committed. */
  settle (self);
  return (st = stmt (self, "BEGIN IMMEDIATE", error)) != NULL && step_done (self, st, error);
}

static gboolean
commit (CairnServerCore *self,
        GError         **error)
{
  sqlite3_stmt *st = stmt (self, "COMMIT", error);

  if (st == NULL || !step_done (self, st, error))
    {
      if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

static void
rollback (CairnServerCore *self)
{
  if (!sqlite3_get_autocommit (self->db))
    {
      if (sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
        g_warning ("ROLLBACK failed in %s: %s", self->path, sqlite3_errmsg (self->db));
    }
}

static const char *
col_text (sqlite3_stmt *st,
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

static char *
random_hex (CairnServerCore *self,
            gsize            nbytes)
{
  g_autofree guint8 *buf = g_malloc (nbytes);
  GString *s = g_string_sized_new (nbytes * 2);

  random_bytes (self, buf, nbytes);
  for (gsize i = 0; i < nbytes; i++)
    g_string_append_printf (s, "%02x", buf[i]);
  return g_string_free (s, FALSE);
}

/* A random (version 4) UUID, lowercase. */
static char *
random_uuid (CairnServerCore *self)
{
  guint8 b[16];

  random_bytes (self, b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                          b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static char *
hash_token (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

/* ---- open / close ----------------------------------------------------- */

static const char schema_sql[] =
  "CREATE TABLE users ("
  "  id INTEGER PRIMARY KEY,"
  "  username TEXT NOT NULL UNIQUE,"
  "  pwhash TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL);"
  "CREATE TABLE sessions ("
  "  id TEXT PRIMARY KEY,"
  "  user_id INTEGER NOT NULL REFERENCES users (id),"
  "  token_hash TEXT NOT NULL UNIQUE,"
  "  device TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  last_used_at INTEGER NOT NULL);"
  "CREATE INDEX sessions_user ON sessions (user_id);"
  "CREATE TABLE workspaces ("
  "  id TEXT PRIMARY KEY,"
  "  name TEXT NOT NULL,"
  "  personal INTEGER NOT NULL,"
  "  history_id TEXT NOT NULL,"
  "  head INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL);"
  "CREATE TABLE members ("
  "  workspace_id TEXT NOT NULL REFERENCES workspaces (id),"
  "  user_id INTEGER NOT NULL REFERENCES users (id),"
  "  role TEXT NOT NULL CHECK (role IN ('owner', 'member')),"
  "  added_at INTEGER NOT NULL,"
  "  PRIMARY KEY (workspace_id, user_id));"
  "CREATE INDEX members_user ON members (user_id);"
  "CREATE TABLE events ("
  "  workspace_id TEXT NOT NULL,"
  "  seq INTEGER NOT NULL,"
  "  client_id TEXT NOT NULL,"
  "  client_seq INTEGER NOT NULL,"
  "  name TEXT NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  args TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  device TEXT,"
  "  PRIMARY KEY (workspace_id, seq),"
  "  UNIQUE (workspace_id, client_id, client_seq)) WITHOUT ROWID;"
  "CREATE TABLE clients ("
  "  workspace_id TEXT NOT NULL,"
  "  client_id TEXT NOT NULL,"
  "  last_seq INTEGER NOT NULL,"
  "  PRIMARY KEY (workspace_id, client_id)) WITHOUT ROWID;";

static gboolean
migrate (CairnServerCore *self,
         GError         **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  gint64 version;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
      sqlite3_step (st) != SQLITE_ROW)
    return db_error (self, error, "Cannot read the schema version");
  version = sqlite3_column_int64 (st, 0);

  if (version == SCHEMA_VERSION)
    return TRUE;
  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                   "%s has schema version %" G_GINT64_FORMAT ", newer than this server (%d); "
                   "run a newer cairn-server", self->path, version, SCHEMA_VERSION);
      return FALSE;
    }
  if (!begin (self, error))
    return FALSE;
  if (!exec (self, schema_sql, error) ||
      !exec (self, "PRAGMA user_version = 1", error) ||
      !commit (self, error))
    {
      rollback (self);
      return FALSE;
    }
  return TRUE;
}

/* ---- repairing args stored by older versions ------------------------- */

static gboolean
is_token_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '+' || c == '.';
}

/* Args stored before issue 11 went through json-glib's generator, which
 * wrote a number with an exponent as "1e+20.0" and infinities and NaN as
 * "inf.0", "-inf.0", "nan.0": not JSON, so every pull page and live
 * message holding one failed to parse, for every device. Such a number,
 * and any other with a fraction or exponent (no longer accepted), becomes
 * a string of its text without that ".0": "1e+20", "inf", "1.5". Strings
 * are copied as they are. Returns NULL when args need no change. */
static char *
repair_args_text (const char *args)
{
  g_autoptr(GString) out = g_string_sized_new (strlen (args) + 16);
  gboolean changed = FALSE;
  const char *p = args;

  while (*p != '\0')
    {
      if (*p == '"')
        {
          const char *start = p++;

          while (*p != '\0' && *p != '"')
            p += (*p == '\\' && p[1] != '\0') ? 2 : 1;
          if (*p == '"')
            p++;
          g_string_append_len (out, start, p - start);
        }
      else if (*p == '-' || g_ascii_isalnum (*p))
        {
          const char *start = p;
          gsize n;
          gboolean integer = TRUE;

          while (is_token_char (*p))
            p++;
          n = p - start;
          for (gsize i = 0; i < n; i++)
            if (!(g_ascii_isdigit (start[i]) || (i == 0 && start[i] == '-')))
              integer = FALSE;
          if (integer ||
              (n == 4 && (memcmp (start, "true", 4) == 0 || memcmp (start, "null", 4) == 0)) ||
              (n == 5 && memcmp (start, "false", 5) == 0))
            {
              g_string_append_len (out, start, n);
              continue;
            }
          /* json-glib appended ".0" to whatever %g gave without a dot. */
          if (n > 2 && memcmp (start + n - 2, ".0", 2) == 0 &&
              memchr (start, '.', n - 2) == NULL)
            n -= 2;
          g_string_append_c (out, '"');
          g_string_append_len (out, start, n);
          g_string_append_c (out, '"');
          changed = TRUE;
        }
      else
        g_string_append_c (out, *p++);
    }
  return changed ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

/* Rewrites every stored args text that repair_args_text() changes, in one
 * transaction; *n_repaired says how many. */
static gboolean
repair_stored_args (CairnServerCore  *self,
                    guint            *n_repaired,
                    GError          **error)
{
  g_autoptr(sqlite3_stmt) scan = NULL;
  g_autoptr(GPtrArray) fixes = g_ptr_array_new_with_free_func (g_free);
  int rc;

  *n_repaired = 0;
  /* Only args with a number that is not a plain integer can need it: a
   * digit or "inf"/"nan" next to a dot or a letter. */
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT workspace_id, seq, args FROM events "
                          "WHERE args GLOB '*[0-9][.eE]*' OR args GLOB '*inf.0*' OR args GLOB '*nan.0*'",
                          -1, &scan, NULL) != SQLITE_OK)
    return db_error (self, error, "Cannot look for args to repair");
  while ((rc = sqlite3_step (scan)) == SQLITE_ROW)
    {
      char *fixed = repair_args_text ((const char *) sqlite3_column_text (scan, 2));

      if (fixed == NULL)
        continue;
      if (cairn_json_guard (fixed, -1, CAIRN_JSON_GUARD_INTEGERS, NULL) != CAIRN_JSON_GUARD_OK)
        {
          g_warning ("Cannot repair the args of event %" G_GINT64_FORMAT " of workspace %s; left as they are",
                     (gint64) sqlite3_column_int64 (scan, 1), sqlite3_column_text (scan, 0));
          g_free (fixed);
          continue;
        }
      g_ptr_array_add (fixes, g_strdup ((const char *) sqlite3_column_text (scan, 0)));
      g_ptr_array_add (fixes, g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) sqlite3_column_int64 (scan, 1)));
      g_ptr_array_add (fixes, fixed);
    }
  if (rc != SQLITE_DONE)
    return db_error (self, error, "Cannot look for args to repair");
  if (fixes->len == 0)
    return TRUE;
  if (!begin (self, error))
    return FALSE;
  for (guint i = 0; i < fixes->len; i += 3)
    {
      g_autoptr(sqlite3_stmt) up = NULL;

      if (sqlite3_prepare_v2 (self->db, "UPDATE events SET args = ? WHERE workspace_id = ? AND seq = ?",
                              -1, &up, NULL) != SQLITE_OK ||
          sqlite3_bind_text (up, 1, g_ptr_array_index (fixes, i + 2), -1, SQLITE_STATIC) != SQLITE_OK ||
          sqlite3_bind_text (up, 2, g_ptr_array_index (fixes, i), -1, SQLITE_STATIC) != SQLITE_OK ||
          sqlite3_bind_int64 (up, 3, g_ascii_strtoll (g_ptr_array_index (fixes, i + 1), NULL, 10)) != SQLITE_OK ||
          sqlite3_step (up) != SQLITE_DONE)
        {
          db_error (self, error, "Cannot repair stored args");
          rollback (self);
          return FALSE;
        }
    }
  if (!commit (self, error))
    {
      rollback (self);
      return FALSE;
    }
  *n_repaired = fixes->len / 3;
  return TRUE;
}

CairnServerCore *
cairn_server_core_open (const char                   *data_dir,
                        const CairnServerCoreOptions *options,
                        GError                      **error)
{
  g_autoptr(CairnServerCore) self = g_new0 (CairnServerCore, 1);

  g_return_val_if_fail (data_dir != NULL, NULL);

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

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                   "Cannot create the data folder %s: %s", data_dir, g_strerror (errsv));
      return NULL;
    }
  self->path = g_build_filename (data_dir, "cairn-server.db", NULL);
  /* Password hashes and the log are for this user only: the file is
   * created 0600 (SQLite gives -wal and -shm the database's mode), and
   * files an older version created with the umask's mode are narrowed. */
  {
    int fd = open (self->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    if (fd >= 0)
      close (fd);
    for (guint i = 0; i < 3; i++)
      {
        static const char *const suffix[] = { "", "-wal", "-shm" };
        g_autofree char *file = g_strconcat (self->path, suffix[i], NULL);

        if (g_chmod (file, 0600) != 0 && errno != ENOENT)
          {
            int errsv = errno;
            g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                         "Cannot make %s private (mode 0600): %s", file, g_strerror (errsv));
            return NULL;
          }
      }
  }
  if (sqlite3_open_v2 (self->path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      if (self->db == NULL)
        g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                     "Cannot open %s: out of memory", self->path);
      else
        db_error (self, error, "Cannot open the database");
      return NULL;
    }
  if (sqlite3_busy_timeout (self->db, 5000) != SQLITE_OK)
    {
      db_error (self, error, "Cannot set the busy timeout");
      return NULL;
    }
  if (!exec (self, "PRAGMA journal_mode = WAL", error) ||
      !exec (self, "PRAGMA synchronous = FULL", error) ||
      !exec (self, "PRAGMA foreign_keys = ON", error) ||
      !migrate (self, error))
    return NULL;
  {
    guint n = 0;

    if (!repair_stored_args (self, &n, error))
      return NULL;
    if (n > 0)
      g_message ("Repaired the args of %u stored events (numbers written as text that is not JSON; "
                 "see docs/protocol.md)", n);
  }
  return g_steal_pointer (&self);
}

void
cairn_server_core_close (CairnServerCore *self)
{
  if (self == NULL)
    return;
  settle (self);
  g_clear_pointer (&self->stmts, g_hash_table_unref);
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

/* ---- users ------------------------------------------------------------ */

static char *
hash_password (CairnServerCore *self,
               const char      *password,
               GError         **error)
{
  char out[crypto_pwhash_STRBYTES];

  if (crypto_pwhash_str (out, password, strlen (password),
                         self->options.pwhash_opslimit,
                         self->options.pwhash_memlimit) != 0)
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                           "Cannot hash the password: out of memory for Argon2id");
      return NULL;
    }
  return g_strdup (out);
}

static gboolean
check_new_password (const char *password,
                    GError    **error)
{
  gsize len = strlen (password);

  if (len < 8 || len > CAIRN_PROTOCOL_MAX_PASSWORD_BYTES || !g_utf8_validate (password, len, NULL))
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                           "A password must be 8 to 1024 bytes of UTF-8 text");
      return FALSE;
    }
  return TRUE;
}

/* The user's id, or 0 with NOT_FOUND. */
static gint64
user_id (CairnServerCore *self,
         const char      *username,
         GError         **error)
{
  sqlite3_stmt *st;
  gboolean row;
  gint64 id;

  if (!(st = stmt (self, "SELECT id FROM users WHERE username = ?", error)) ||
      !bind (self, st, error, "t", username) ||
      !step_row (self, st, &row, error))
    return 0;
  if (!row)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No user named \"%s\"", username);
      return 0;
    }
  id = sqlite3_column_int64 (st, 0);
  sqlite3_reset (st);
  return id;
}

/* Inserts a workspace owned by owner_id; in a transaction. */
static char *
insert_workspace (CairnServerCore *self,
                  gint64           owner_id,
                  const char      *name,
                  gboolean         personal,
                  GError         **error)
{
  g_autofree char *id = random_uuid (self);
  g_autofree char *history_id = random_hex (self, 16);
  gint64 now = cairn_server_core_now (self);
  sqlite3_stmt *st;

  if (!(st = stmt (self, "INSERT INTO workspaces (id, name, personal, history_id, created_at) "
                         "VALUES (?, ?, ?, ?, ?)", error)) ||
      !bind (self, st, error, "ttiti", id, name, (gint64) personal, history_id, now) ||
      !step_done (self, st, error) ||
      !(st = stmt (self, "INSERT INTO members (workspace_id, user_id, role, added_at) "
                         "VALUES (?, ?, 'owner', ?)", error)) ||
      !bind (self, st, error, "tii", id, owner_id, now) ||
      !step_done (self, st, error))
    return NULL;
  return g_steal_pointer (&id);
}

gboolean
cairn_server_core_user_add (CairnServerCore  *self,
                            const char       *username,
                            const char       *password,
                            char            **out_workspace_id,
                            GError          **error)
{
  g_autofree char *hash = NULL;
  g_autofree char *ws = NULL;
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *st;
  gint64 uid;

  if (!cairn_protocol_is_username (username))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                   "\"%s\" is not a valid user name: use 1 to 64 of a-z, 0-9, '.', '_', '-', "
                   "starting with a letter or digit", username);
      return FALSE;
    }
  if (!check_new_password (password, error))
    return FALSE;
  if (!(hash = hash_password (self, password, error)))
    return FALSE;

  if (!begin (self, error))
    return FALSE;
  if (user_id (self, username, &local_error) != 0)
    {
      rollback (self);
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ALREADY_EXISTS,
                   "A user named \"%s\" exists already", username);
      return FALSE;
    }
  if (!g_error_matches (local_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND))
    {
      rollback (self);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!(st = stmt (self, "INSERT INTO users (username, pwhash, created_at) VALUES (?, ?, ?)", error)) ||
      !bind (self, st, error, "tti", username, hash, cairn_server_core_now (self)) ||
      !step_done (self, st, error))
    goto fail;
  uid = sqlite3_last_insert_rowid (self->db);
  if (!(ws = insert_workspace (self, uid, username, TRUE, error)) ||
      !commit (self, error))
    goto fail;
  if (out_workspace_id != NULL)
    *out_workspace_id = g_steal_pointer (&ws);
  return TRUE;

fail:
  rollback (self);
  return FALSE;
}

gboolean
cairn_server_core_user_passwd (CairnServerCore  *self,
                               const char       *username,
                               const char       *password,
                               GError          **error)
{
  g_autofree char *hash = NULL;
  sqlite3_stmt *st;
  gint64 uid;

  if (!check_new_password (password, error))
    return FALSE;
  if (!(hash = hash_password (self, password, error)))
    return FALSE;
  if (!begin (self, error))
    return FALSE;
  if (!(uid = user_id (self, username, error)) ||
      !(st = stmt (self, "UPDATE users SET pwhash = ? WHERE id = ?", error)) ||
      !bind (self, st, error, "ti", hash, uid) ||
      !step_done (self, st, error) ||
      !(st = stmt (self, "DELETE FROM sessions WHERE user_id = ?", error)) ||
      !bind (self, st, error, "i", uid) ||
      !step_done (self, st, error) ||
      !commit (self, error))
    {
      rollback (self);
      return FALSE;
    }
  return TRUE;
}

static gboolean
delete_workspace (CairnServerCore *self,
                  const char      *ws,
                  GError         **error)
{
  static const char * const sql[] = {
    "DELETE FROM events WHERE workspace_id = ?",
    "DELETE FROM clients WHERE workspace_id = ?",
    "DELETE FROM members WHERE workspace_id = ?",
    "DELETE FROM workspaces WHERE id = ?",
  };

  for (guint i = 0; i < G_N_ELEMENTS (sql); i++)
    {
      sqlite3_stmt *st;

      if (!(st = stmt (self, sql[i], error)) ||
          !bind (self, st, error, "t", ws) ||
          !step_done (self, st, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
cairn_server_core_user_remove (CairnServerCore  *self,
                               const char       *username,
                               GError          **error)
{
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *st;
  gboolean row;
  gint64 uid;

  if (!begin (self, error))
    return FALSE;
  if (!(uid = user_id (self, username, error)))
    goto fail;

  if (!(st = stmt (self, "SELECT workspace_id FROM members WHERE user_id = ? AND role = 'owner'", error)) ||
      !bind (self, st, error, "i", uid))
    goto fail;
  for (;;)
    {
      if (!step_row (self, st, &row, error))
        goto fail;
      if (!row)
        break;
      g_ptr_array_add (owned, g_strdup (col_text (st, 0)));
    }

  for (guint i = 0; i < owned->len; i++)
    {
      const char *ws = g_ptr_array_index (owned, i);
      gint64 heir = 0;

      if (!(st = stmt (self, "SELECT user_id FROM members WHERE workspace_id = ? AND user_id != ? "
                             "ORDER BY added_at, user_id LIMIT 1", error)) ||
          !bind (self, st, error, "ti", ws, uid) ||
          !step_row (self, st, &row, error))
        goto fail;
      if (row)
        {
          heir = sqlite3_column_int64 (st, 0);
          sqlite3_reset (st);
        }
      if (heir == 0)
        {
          if (!delete_workspace (self, ws, error))
            goto fail;
        }
      else if (!(st = stmt (self, "UPDATE members SET role = 'owner' WHERE workspace_id = ? AND user_id = ?", error)) ||
               !bind (self, st, error, "ti", ws, heir) ||
               !step_done (self, st, error) ||
               !(st = stmt (self, "UPDATE workspaces SET personal = 0 WHERE id = ?", error)) ||
               !bind (self, st, error, "t", ws) ||
               !step_done (self, st, error))
        goto fail;
    }

  if (!(st = stmt (self, "DELETE FROM members WHERE user_id = ?", error)) ||
      !bind (self, st, error, "i", uid) || !step_done (self, st, error) ||
      !(st = stmt (self, "DELETE FROM sessions WHERE user_id = ?", error)) ||
      !bind (self, st, error, "i", uid) || !step_done (self, st, error) ||
      !(st = stmt (self, "DELETE FROM users WHERE id = ?", error)) ||
      !bind (self, st, error, "i", uid) || !step_done (self, st, error) ||
      !commit (self, error))
    goto fail;
  return TRUE;

fail:
  rollback (self);
  return FALSE;
}

GPtrArray *
cairn_server_core_user_list (CairnServerCore  *self,
                             GError          **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *st;
  gboolean row;

  if (!(st = stmt (self, "SELECT username FROM users ORDER BY username", error)))
    return NULL;
  for (;;)
    {
      if (!step_row (self, st, &row, error))
        return NULL;
      if (!row)
        break;
      g_ptr_array_add (out, g_strdup (col_text (st, 0)));
    }
  return g_steal_pointer (&out);
}

/* ---- login ------------------------------------------------------------- */

/* The key failed logins from @address are counted under. An IPv6 host
 * usually owns a whole /64, so counting per exact address would let it try
 * 2^64 times as often: count per /64 instead. IPv4 (also written as an
 * IPv4-mapped IPv6 address) counts per address. Anything that does not parse
 * is counted as written. */
char *
cairn_server_core_address_key (const char *address)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  const guint8 *b;

  if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV6)
    return g_strdup (address);
  b = g_inet_address_to_bytes (inet);
  if (memcmp (b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
    return g_strdup_printf ("%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
  return g_strdup_printf ("%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
}

/* Seconds until the counter's window ends if it is over limit, else 0. */
static gint64
counter_blocked (CairnServerCore *self,
                 GHashTable      *table,
                 const char      *key,
                 guint            limit,
                 gint64           now)
{
  LoginCounter *c = g_hash_table_lookup (table, key);
  gint64 end;

  if (c == NULL)
    return 0;
  end = c->window_start + self->options.login_window_ms;
  if (now >= end || c->failures < limit)
    return 0;
  return MAX (1, (end - now + 999) / 1000);
}

static void
counter_fail (CairnServerCore *self,
              GHashTable      *table,
              const char      *key,
              gint64           now)
{
  LoginCounter *c = g_hash_table_lookup (table, key);

  /* Forget stale counters now and then so that the table stays small. */
  if (c == NULL && g_hash_table_size (table) > 10000)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, table);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (now - ((LoginCounter *) value)->window_start >= self->options.login_window_ms)
          g_hash_table_iter_remove (&iter);
    }
  if (c == NULL)
    {
      c = g_new0 (LoginCounter, 1);
      c->window_start = now;
      g_hash_table_insert (table, g_strdup (key), c);
    }
  if (now - c->window_start >= self->options.login_window_ms)
    {
      c->window_start = now;
      c->failures = 0;
    }
  c->failures++;
}

/* Gives back an attempt counted by login_begin() that succeeded. */
static void
counter_release (GHashTable *table,
                 const char *key)
{
  LoginCounter *c = g_hash_table_lookup (table, key);

  if (c != NULL && c->failures > 0)
    c->failures--;
}

char *
cairn_server_core_login_begin (CairnServerCore  *self,
                               const char       *username,
                               const char       *address,
                               gint64           *out_retry_after,
                               GError          **error)
{
  gint64 now = cairn_server_core_now (self);
  gint64 wait_user, wait_addr;
  g_autofree char *addr_key = address ? cairn_server_core_address_key (address) : NULL;
  sqlite3_stmt *st;
  gboolean row;
  char *hash;

  *out_retry_after = 0;
  wait_user = counter_blocked (self, self->login_user, username,
                               self->options.login_failures_per_user, now);
  wait_addr = addr_key ? counter_blocked (self, self->login_addr, addr_key,
                                         self->options.login_failures_per_address, now) : 0;
  if (wait_user > 0 || wait_addr > 0)
    {
      *out_retry_after = MAX (wait_user, wait_addr);
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_RATE_LIMITED,
                   "Too many failed logins; try again in %" G_GINT64_FORMAT " s",
                   *out_retry_after);
      return NULL;
    }

  /* Counted now, as if it failed, and given back by login_finish() when
   * it succeeds: counting only after the slow password check would let a
   * burst of concurrent logins all pass the check above. */
  counter_fail (self, self->login_user, username, now);
  if (addr_key != NULL)
    counter_fail (self, self->login_addr, addr_key, now);

  if (!(st = stmt (self, "SELECT pwhash FROM users WHERE username = ?", error)) ||
      !bind (self, st, error, "t", username) ||
      !step_row (self, st, &row, error))
    return NULL;
  if (row)
    {
      hash = g_strdup (col_text (st, 0));
      sqlite3_reset (st);
      return hash;
    }
  if (self->dummy_hash == NULL)
    {
      g_autofree char *pw = random_hex (self, 16);

      if (!(self->dummy_hash = hash_password (self, pw, error)))
        return NULL;
    }
  return g_strdup (self->dummy_hash);
}

gboolean
cairn_server_core_verify_password (const char *hash,
                                   const char *password)
{
  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

gboolean
cairn_server_core_login_finish (CairnServerCore    *self,
                                const char         *username,
                                const char         *address,
                                const char         *device,
                                gboolean            password_ok,
                                CairnSessionReply **out_reply,
                                GError            **error)
{
  g_autofree char *token = NULL;
  g_autofree char *token_hash = NULL;
  g_autofree char *session_id = NULL;
  gint64 now = cairn_server_core_now (self);
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *st;
  gint64 uid = 0;

  settle (self);

  /* The user may have been removed while the hash was checked. */
  if (password_ok)
    uid = user_id (self, username, &local_error);
  if (uid == 0)
    {
      if (local_error != NULL &&
          !g_error_matches (local_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* Already counted by login_begin(). */
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                           "Wrong user name or password");
      return FALSE;
    }

  token = random_hex (self, 32);
  token_hash = hash_token (token);
  session_id = random_uuid (self);
  if (!(st = stmt (self, "INSERT INTO sessions (id, user_id, token_hash, device, created_at, last_used_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)", error)) ||
      !bind (self, st, error, "tittii", session_id, uid, token_hash, device, now, now) ||
      !step_done (self, st, error))
    return FALSE;
  g_hash_table_remove (self->login_user, username);
  if (address != NULL)
    {
      g_autofree char *addr_key = cairn_server_core_address_key (address);

      counter_release (self->login_addr, addr_key);
    }
  *out_reply = g_new0 (CairnSessionReply, 1);
  (*out_reply)->token = g_steal_pointer (&token);
  (*out_reply)->user = g_strdup (username);
  (*out_reply)->device = g_strdup (device);
  (*out_reply)->session_id = g_steal_pointer (&session_id);
  return TRUE;
}

CairnSessionReply *
cairn_server_core_login (CairnServerCore  *self,
                         const char       *username,
                         const char       *password,
                         const char       *device,
                         const char       *address,
                         gint64           *out_retry_after,
                         GError          **error)
{
  g_autofree char *hash = NULL;
  CairnSessionReply *reply = NULL;
  gboolean ok;

  if (!(hash = cairn_server_core_login_begin (self, username, address, out_retry_after, error)))
    return NULL;
  ok = cairn_server_core_verify_password (hash, password);
  if (!cairn_server_core_login_finish (self, username, address, device, ok, &reply, error))
    return NULL;
  return reply;
}

/* ---- sessions ---------------------------------------------------------- */

void
cairn_auth_free (CairnAuth *self)
{
  if (self == NULL)
    return;
  g_free (self->username);
  g_free (self->session_id);
  g_free (self->device);
  g_free (self);
}

CairnAuth *
cairn_server_core_authenticate (CairnServerCore  *self,
                                const char       *token,
                                GError          **error)
{
  g_autofree char *token_hash = NULL;
  g_autoptr(CairnAuth) auth = NULL;
  gint64 now = cairn_server_core_now (self);
  gint64 last_used;
  sqlite3_stmt *st;
  gboolean row;

  if (token == NULL || *token == '\0')
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                           "Missing bearer token");
      return NULL;
    }
  token_hash = hash_token (token);
  if (!(st = stmt (self, "SELECT s.id, s.user_id, u.username, s.device, s.last_used_at "
                         "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?", error)) ||
      !bind (self, st, error, "t", token_hash) ||
      !step_row (self, st, &row, error))
    return NULL;
  if (!row)
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                           "Unknown or revoked token; log in again");
      return NULL;
    }
  auth = g_new0 (CairnAuth, 1);
  auth->session_id = g_strdup (col_text (st, 0));
  auth->user_id = sqlite3_column_int64 (st, 1);
  auth->username = g_strdup (col_text (st, 2));
  auth->device = g_strdup (col_text (st, 3));
  last_used = sqlite3_column_int64 (st, 4);
  sqlite3_reset (st);

  if (now - last_used > self->options.session_idle_ms)
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                           "Token expired after a long time unused; log in again");
      return NULL;
    }
  if (now - last_used >= 60 * 1000)
    {
      g_autoptr(GError) touch_error = NULL;

      /* Bookkeeping only: when it cannot be written (a full disk) the
       * request goes on, so that reads keep being served. */
      if (!(st = stmt (self, "UPDATE sessions SET last_used_at = ? WHERE id = ?", &touch_error)) ||
          !bind (self, st, &touch_error, "it", now, auth->session_id) ||
          !step_done (self, st, &touch_error))
        {
          if (!g_error_matches (touch_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL))
            {
              g_propagate_error (error, g_steal_pointer (&touch_error));
              return NULL;
            }
          g_debug ("Not recording the use of session %s: %s", auth->session_id, touch_error->message);
        }
    }
  return g_steal_pointer (&auth);
}

gboolean
cairn_server_core_still_allowed (CairnServerCore *self,
                                 const CairnAuth *auth,
                                 const char      *workspace_id)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *st;
  gboolean row = FALSE;
  gint64 last_used;

  if (!(st = stmt (self, "SELECT s.last_used_at FROM sessions s JOIN members m ON m.user_id = s.user_id "
                         "WHERE s.id = ? AND m.workspace_id = ?", &error)) ||
      !bind (self, st, &error, "tt", auth->session_id, workspace_id) ||
      !step_row (self, st, &row, &error))
    {
      g_warning ("Cannot check a live connection's rights: %s", error->message);
      return FALSE;
    }
  if (!row)
    return FALSE;
  last_used = sqlite3_column_int64 (st, 0);
  sqlite3_reset (st);
  /* Expired like a token that authenticate() would refuse. */
  return cairn_server_core_now (self) - last_used <= self->options.session_idle_ms;
}

gint64
cairn_server_core_live_touch_interval (CairnServerCore *self)
{
  return MIN (CAIRN_CORE_LIVE_TOUCH_MS, self->options.session_idle_ms / 4);
}

gboolean
cairn_server_core_touch_session (CairnServerCore  *self,
                                 const CairnAuth  *auth,
                                 GError          **error)
{
  gint64 now = cairn_server_core_now (self);
  sqlite3_stmt *st;

  /* An expired session stays expired: use cannot bring it back. */
  if (!(st = stmt (self, "UPDATE sessions SET last_used_at = ? WHERE id = ? AND last_used_at >= ?", error)) ||
      !bind (self, st, error, "iti", now, auth->session_id, now - self->options.session_idle_ms) ||
      !step_done (self, st, error))
    return FALSE;
  return TRUE;
}

GPtrArray *
cairn_server_core_sessions (CairnServerCore  *self,
                            const CairnAuth  *auth,
                            GError          **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_session_info_free);
  sqlite3_stmt *st;
  gboolean row;

  if (!(st = stmt (self, "SELECT id, device, created_at, last_used_at FROM sessions "
                         "WHERE user_id = ? ORDER BY created_at DESC, id", error)) ||
      !bind (self, st, error, "i", auth->user_id))
    return NULL;
  for (;;)
    {
      CairnSessionInfo *s;

      if (!step_row (self, st, &row, error))
        return NULL;
      if (!row)
        break;
      s = g_new0 (CairnSessionInfo, 1);
      s->id = g_strdup (col_text (st, 0));
      s->device = g_strdup (col_text (st, 1));
      s->created_at = sqlite3_column_int64 (st, 2);
      s->last_used_at = sqlite3_column_int64 (st, 3);
      s->current = g_str_equal (s->id, auth->session_id);
      g_ptr_array_add (out, s);
    }
  return g_steal_pointer (&out);
}

gboolean
cairn_server_core_revoke_session (CairnServerCore *self,
                                  const CairnAuth *auth,
                                  const char      *session_id,
                                  GError         **error)
{
  sqlite3_stmt *st;

  settle (self);

  if (!(st = stmt (self, "DELETE FROM sessions WHERE id = ? AND user_id = ?", error)) ||
      !bind (self, st, error, "ti", session_id, auth->user_id) ||
      !step_done (self, st, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No session %s", session_id);
      return FALSE;
    }
  return TRUE;
}

/* ---- workspaces --------------------------------------------------------- */

#define WORKSPACE_SELECT \
  "SELECT w.id, w.name, o.username, w.personal FROM workspaces w " \
  "JOIN members mo ON mo.workspace_id = w.id AND mo.role = 'owner' " \
  "JOIN users o ON o.id = mo.user_id "

static CairnWorkspaceInfo *
workspace_from_row (sqlite3_stmt *st)
{
  CairnWorkspaceInfo *ws = g_new0 (CairnWorkspaceInfo, 1);

  ws->id = g_strdup (col_text (st, 0));
  ws->name = g_strdup (col_text (st, 1));
  ws->owner = g_strdup (col_text (st, 2));
  ws->personal = sqlite3_column_int (st, 3) != 0;
  return ws;
}

GPtrArray *
cairn_server_core_workspaces (CairnServerCore  *self,
                              const CairnAuth  *auth,
                              GError          **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_workspace_info_free);
  sqlite3_stmt *st;
  gboolean row;

  if (!(st = stmt (self, WORKSPACE_SELECT
                         "JOIN members m ON m.workspace_id = w.id AND m.user_id = ? "
                         "ORDER BY (w.personal AND mo.user_id = m.user_id) DESC, w.name, w.id", error)) ||
      !bind (self, st, error, "i", auth->user_id))
    return NULL;
  for (;;)
    {
      if (!step_row (self, st, &row, error))
        return NULL;
      if (!row)
        break;
      g_ptr_array_add (out, workspace_from_row (st));
    }
  return g_steal_pointer (&out);
}

CairnWorkspaceInfo *
cairn_server_core_workspace_create (CairnServerCore *self,
                                    const CairnAuth *auth,
                                    const char      *name,
                                    GError         **error)
{
  g_autofree char *id = NULL;
  CairnWorkspaceInfo *ws;

  if (!cairn_protocol_is_label (name, CAIRN_PROTOCOL_MAX_WORKSPACE_NAME_BYTES))
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                           "A workspace name must be 1 to 200 bytes of text without control characters");
      return NULL;
    }
  if (!begin (self, error))
    return NULL;
  if (!(id = insert_workspace (self, auth->user_id, name, FALSE, error)) ||
      !commit (self, error))
    {
      rollback (self);
      return NULL;
    }
  ws = g_new0 (CairnWorkspaceInfo, 1);
  ws->id = g_steal_pointer (&id);
  ws->name = g_strdup (name);
  ws->owner = g_strdup (auth->username);
  ws->personal = FALSE;
  return ws;
}

/* The user's role in the workspace, or NULL with NOT_FOUND: a workspace
 * the user is not in looks exactly like one that does not exist. */
static char *
member_role (CairnServerCore *self,
             gint64           uid,
             const char      *workspace_id,
             GError         **error)
{
  sqlite3_stmt *st;
  gboolean row;
  char *role;

  if (!(st = stmt (self, "SELECT role FROM members WHERE workspace_id = ? AND user_id = ?", error)) ||
      !bind (self, st, error, "ti", workspace_id, uid) ||
      !step_row (self, st, &row, error))
    return NULL;
  if (!row)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No workspace %s", workspace_id);
      return NULL;
    }
  role = g_strdup (col_text (st, 0));
  sqlite3_reset (st);
  return role;
}

gboolean
cairn_server_core_check_member (CairnServerCore  *self,
                                const CairnAuth  *auth,
                                const char       *workspace_id,
                                GError          **error)
{
  g_autofree char *role = member_role (self, auth->user_id, workspace_id, error);

  return role != NULL;
}

GPtrArray *
cairn_server_core_members (CairnServerCore  *self,
                           const CairnAuth  *auth,
                           const char       *workspace_id,
                           GError          **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_member_info_free);
  sqlite3_stmt *st;
  gboolean row;

  if (!cairn_server_core_check_member (self, auth, workspace_id, error))
    return NULL;
  if (!(st = stmt (self, "SELECT u.username, m.role FROM members m JOIN users u ON u.id = m.user_id "
                         "WHERE m.workspace_id = ? ORDER BY m.role = 'owner' DESC, u.username", error)) ||
      !bind (self, st, error, "t", workspace_id))
    return NULL;
  for (;;)
    {
      CairnMemberInfo *m;

      if (!step_row (self, st, &row, error))
        return NULL;
      if (!row)
        break;
      m = g_new0 (CairnMemberInfo, 1);
      m->username = g_strdup (col_text (st, 0));
      m->role = g_strdup (col_text (st, 1));
      g_ptr_array_add (out, m);
    }
  return g_steal_pointer (&out);
}

static gboolean
check_owner (CairnServerCore *self,
             const CairnAuth *auth,
             const char      *workspace_id,
             GError         **error)
{
  g_autofree char *role = member_role (self, auth->user_id, workspace_id, error);

  if (role == NULL)
    return FALSE;
  if (!g_str_equal (role, "owner"))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_FORBIDDEN,
                   "Only the owner of workspace %s can change its members", workspace_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
cairn_server_core_member_add (CairnServerCore  *self,
                              const CairnAuth  *auth,
                              const char       *workspace_id,
                              const char       *username,
                              GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *role = NULL;
  sqlite3_stmt *st;
  gint64 uid;

  if (!begin (self, error))
    return FALSE;
  if (!check_owner (self, auth, workspace_id, error) ||
      !(uid = user_id (self, username, error)))
    goto fail;
  role = member_role (self, uid, workspace_id, &local_error);
  if (role != NULL)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ALREADY_EXISTS,
                   "%s is a member of workspace %s already", username, workspace_id);
      goto fail;
    }
  if (!g_error_matches (local_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      goto fail;
    }
  if (!(st = stmt (self, "INSERT INTO members (workspace_id, user_id, role, added_at) "
                         "VALUES (?, ?, 'member', ?)", error)) ||
      !bind (self, st, error, "tii", workspace_id, uid, cairn_server_core_now (self)) ||
      !step_done (self, st, error) ||
      !commit (self, error))
    goto fail;
  return TRUE;

fail:
  rollback (self);
  return FALSE;
}

gboolean
cairn_server_core_member_remove (CairnServerCore  *self,
                                 const CairnAuth  *auth,
                                 const char       *workspace_id,
                                 const char       *username,
                                 GError          **error)
{
  g_autofree char *role = NULL;
  sqlite3_stmt *st;
  gint64 uid;

  if (!begin (self, error))
    return FALSE;
  if (!check_owner (self, auth, workspace_id, error) ||
      !(uid = user_id (self, username, error)))
    goto fail;
  if (!(role = member_role (self, uid, workspace_id, NULL)))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "%s is not a member of workspace %s", username, workspace_id);
      goto fail;
    }
  if (g_str_equal (role, "owner"))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_FORBIDDEN,
                   "The owner cannot be removed from workspace %s", workspace_id);
      goto fail;
    }
  if (!(st = stmt (self, "DELETE FROM members WHERE workspace_id = ? AND user_id = ?", error)) ||
      !bind (self, st, error, "ti", workspace_id, uid) ||
      !step_done (self, st, error) ||
      !commit (self, error))
    goto fail;
  return TRUE;

fail:
  rollback (self);
  return FALSE;
}

GPtrArray *
cairn_server_core_admin_workspaces (CairnServerCore  *self,
                                    GError          **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_workspace_info_free);
  sqlite3_stmt *st;
  gboolean row;

  if (!(st = stmt (self, WORKSPACE_SELECT "ORDER BY o.username, w.name, w.id", error)))
    return NULL;
  for (;;)
    {
      if (!step_row (self, st, &row, error))
        return NULL;
      if (!row)
        break;
      g_ptr_array_add (out, workspace_from_row (st));
    }
  return g_steal_pointer (&out);
}

CairnAuth *
cairn_server_core_admin_owner_auth (CairnServerCore  *self,
                                    const char       *workspace_id,
                                    GError          **error)
{
  sqlite3_stmt *st;
  gboolean row;
  CairnAuth *auth;

  if (!(st = stmt (self, "SELECT u.id, u.username FROM members m JOIN users u ON u.id = m.user_id "
                         "WHERE m.workspace_id = ? AND m.role = 'owner'", error)) ||
      !bind (self, st, error, "t", workspace_id) ||
      !step_row (self, st, &row, error))
    return NULL;
  if (!row)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No workspace %s", workspace_id);
      return NULL;
    }
  auth = g_new0 (CairnAuth, 1);
  auth->user_id = sqlite3_column_int64 (st, 0);
  auth->username = g_strdup (col_text (st, 1));
  sqlite3_reset (st);
  return auth;
}

/* ---- event log ------------------------------------------------------------ */

static gboolean
workspace_head (CairnServerCore *self,
                const char      *workspace_id,
                gint64          *out_head,
                char           **out_history_id,
                GError         **error)
{
  sqlite3_stmt *st;
  gboolean row;

  if (!(st = stmt (self, "SELECT head, history_id FROM workspaces WHERE id = ?", error)) ||
      !bind (self, st, error, "t", workspace_id) ||
      !step_row (self, st, &row, error))
    return FALSE;
  if (!row)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No workspace %s", workspace_id);
      return FALSE;
    }
  *out_head = sqlite3_column_int64 (st, 0);
  if (out_history_id != NULL)
    *out_history_id = g_strdup (col_text (st, 1));
  sqlite3_reset (st);
  return TRUE;
}

gboolean
cairn_server_core_head (CairnServerCore  *self,
                        const CairnAuth  *auth,
                        const char       *workspace_id,
                        gint64           *out_head,
                        char            **out_history_id,
                        GError          **error)
{
  settle (self);
  return cairn_server_core_check_member (self, auth, workspace_id, error) &&
         workspace_head (self, workspace_id, out_head, out_history_id, error);
}

typedef struct
{
  gint64 last;     /* last client_seq stored for this client */
} ClientState;

/* The push itself, inside a transaction the caller opened and ends
 * (rolled back by the caller when this fails). */
static CairnPushReply *
push_locked (CairnServerCore  *self,
             const CairnAuth  *auth,
             const char       *workspace_id,
             GPtrArray        *events,
             GPtrArray       **out_appended,
             char            **out_gap_client_id,
             gint64           *out_expected,
             GError          **error)
{
  g_autoptr(CairnPushReply) reply = g_new0 (CairnPushReply, 1);
  g_autoptr(GPtrArray) appended = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  g_autoptr(GHashTable) clients = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  gint64 head;
  sqlite3_stmt *st;
  gboolean row;

  reply->results = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_push_result_free);
  if (!cairn_server_core_check_member (self, auth, workspace_id, error) ||
      !workspace_head (self, workspace_id, &head, &reply->history_id, error))
    goto fail;

  for (guint i = 0; i < events->len; i++)
    {
      CairnWireEvent *ev = g_ptr_array_index (events, i);
      ClientState *cs = g_hash_table_lookup (clients, ev->client_id);
      CairnPushResult *r;

      if (cs == NULL)
        {
          cs = g_new0 (ClientState, 1);
          g_hash_table_insert (clients, ev->client_id, cs);
          if (!(st = stmt (self, "SELECT last_seq FROM clients WHERE workspace_id = ? AND client_id = ?", error)) ||
              !bind (self, st, error, "tt", workspace_id, ev->client_id) ||
              !step_row (self, st, &row, error))
            goto fail;
          if (row)
            {
              cs->last = sqlite3_column_int64 (st, 0);
              sqlite3_reset (st);
            }
        }

      r = g_new0 (CairnPushResult, 1);
      r->client_id = g_strdup (ev->client_id);
      r->client_seq = ev->client_seq;
      g_ptr_array_add (reply->results, r);

      if (ev->client_seq <= cs->last)
        {
          /* A re-send: answer with the seq it got the first time. */
          if (!(st = stmt (self, "SELECT seq FROM events WHERE workspace_id = ? AND client_id = ? "
                                 "AND client_seq = ?", error)) ||
              !bind (self, st, error, "tti", workspace_id, ev->client_id, ev->client_seq) ||
              !step_row (self, st, &row, error))
            goto fail;
          if (!row)
            {
              g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                           "Event %s/%" G_GINT64_FORMAT " is counted but missing from the log of %s",
                           ev->client_id, ev->client_seq, workspace_id);
              goto fail;
            }
          r->seq = sqlite3_column_int64 (st, 0);
          sqlite3_reset (st);
        }
      else if (ev->client_seq == cs->last + 1)
        {
          CairnWireEvent *stored = cairn_wire_event_copy (ev);

          stored->seq = r->seq = ++head;
          g_clear_pointer (&stored->device, g_free);
          stored->device = g_strdup (auth->device);
          g_ptr_array_add (appended, stored);
          cs->last = ev->client_seq;
          if (!(st = stmt (self, "INSERT INTO events (workspace_id, seq, client_id, client_seq, name, "
                                 "version, args, created_at, device) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error)) ||
              /* The strings live until step_done() has reset the statement. */
              !bind (self, st, error, "sisisisis", workspace_id, stored->seq, stored->client_id,
                     stored->client_seq, stored->name, stored->version, stored->args_json,
                     stored->created_at, stored->device) ||
              !step_done (self, st, error))
            goto fail;
        }
      else
        {
          g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP,
                       "Client %s sent client_seq %" G_GINT64_FORMAT " but the server expects %" G_GINT64_FORMAT
                       "; re-send from there", ev->client_id, ev->client_seq, cs->last + 1);
          if (out_gap_client_id != NULL)
            *out_gap_client_id = g_strdup (ev->client_id);
          if (out_expected != NULL)
            *out_expected = cs->last + 1;
          goto fail;
        }
    }

  if (appended->len > 0)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, clients);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (!(st = stmt (self, "INSERT INTO clients (workspace_id, client_id, last_seq) VALUES (?, ?, ?) "
                               "ON CONFLICT (workspace_id, client_id) DO UPDATE SET last_seq = excluded.last_seq", error)) ||
            !bind (self, st, error, "tti", workspace_id, (const char *) key, ((ClientState *) value)->last) ||
            !step_done (self, st, error))
          goto fail;
      if (!(st = stmt (self, "UPDATE workspaces SET head = ? WHERE id = ?", error)) ||
          !bind (self, st, error, "it", head, workspace_id) ||
          !step_done (self, st, error))
        goto fail;
    }

  reply->head = head;
  *out_appended = g_steal_pointer (&appended);
  return g_steal_pointer (&reply);

fail:
  return NULL;
}

static void
push_outputs_init (GPtrArray **out_appended,
                   char      **out_gap_client_id,
                   gint64     *out_expected)
{
  *out_appended = NULL;
  if (out_gap_client_id != NULL)
    *out_gap_client_id = NULL;
  if (out_expected != NULL)
    *out_expected = 0;
}

CairnPushReply *
cairn_server_core_push (CairnServerCore  *self,
                        const CairnAuth  *auth,
                        const char       *workspace_id,
                        GPtrArray        *events,
                        GPtrArray       **out_appended,
                        char            **out_gap_client_id,
                        gint64           *out_expected,
                        GError          **error)
{
  g_autoptr(CairnPushReply) reply = NULL;

  g_return_val_if_fail (events != NULL && events->len > 0, NULL);

  push_outputs_init (out_appended, out_gap_client_id, out_expected);
  if (!begin (self, error))
    return NULL;
  if (!(reply = push_locked (self, auth, workspace_id, events, out_appended,
                             out_gap_client_id, out_expected, error)) ||
      !commit (self, error))
    {
      g_clear_pointer (out_appended, g_ptr_array_unref);
      rollback (self);
      return NULL;
    }
  return g_steal_pointer (&reply);
}

void
cairn_server_core_set_group_func (CairnServerCore    *self,
                                  CairnCoreGroupFunc  func,
                                  gpointer            user_data)
{
  self->group_done = func;
  self->group_done_data = user_data;
}

gboolean
cairn_server_core_group_open (CairnServerCore *self)
{
  return self->in_group;
}

CairnPushReply *
cairn_server_core_push_grouped (CairnServerCore  *self,
                                const CairnAuth  *auth,
                                const char       *workspace_id,
                                GPtrArray        *events,
                                GPtrArray       **out_appended,
                                char            **out_gap_client_id,
                                gint64           *out_expected,
                                GError          **error)
{
  g_autoptr(CairnPushReply) reply = NULL;
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *st;

  g_return_val_if_fail (events != NULL && events->len > 0, NULL);
  g_return_val_if_fail (self->group_done != NULL, NULL);

  push_outputs_init (out_appended, out_gap_client_id, out_expected);
  if (self->in_group && sqlite3_get_autocommit (self->db))
    {
      /* SQLite rolled the group's transaction back by itself (an I/O
       * error, say): its pushes are lost and must be answered so, before
       * a savepoint here would quietly start a new transaction. */
      g_autoptr(GError) group_error = NULL;

      self->in_group = FALSE;
      /* SQLite does so after an I/O error or a full disk. */
      g_set_error (&group_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL,
                   "The open group's transaction in %s was rolled back by SQLite", self->path);
      self->group_done (group_error, self->group_done_data);
    }
  if (!self->in_group)
    {
      if (!begin (self, error))
        return NULL;
      self->in_group = TRUE;
    }
  /* A savepoint per push: a refused push undoes only its own writes and
   * leaves the others of the group in place. */
  if (!(st = stmt (self, "SAVEPOINT cairn_push", error)) || !step_done (self, st, error))
    return NULL;
  reply = push_locked (self, auth, workspace_id, events, out_appended,
                       out_gap_client_id, out_expected, &local_error);
  if (reply == NULL)
    {
      g_clear_pointer (out_appended, g_ptr_array_unref);
      if (sqlite3_get_autocommit (self->db) ||
          !(st = stmt (self, "ROLLBACK TO cairn_push", NULL)) || !step_done (self, st, NULL))
        {
          /* Cannot undo this push alone (or SQLite rolled the whole
           * transaction back itself, as after a full disk): give up the
           * whole group. */
          if (!sqlite3_get_autocommit (self->db))
            g_warning ("Cannot roll back to a savepoint in %s: %s", self->path, sqlite3_errmsg (self->db));
          self->in_group = FALSE;
          rollback (self);
          if (self->group_done != NULL)
            {
              g_autoptr(GError) group_error = NULL;

              g_set_error (&group_error, CAIRN_PROTOCOL_ERROR,
                           g_error_matches (local_error, CAIRN_PROTOCOL_ERROR,
                                            CAIRN_PROTOCOL_ERROR_STORAGE_FULL)
                             ? CAIRN_PROTOCOL_ERROR_STORAGE_FULL : CAIRN_PROTOCOL_ERROR_INTERNAL,
                           "Cannot roll back a refused push in %s; the pending group was dropped",
                           self->path);
              self->group_done (group_error, self->group_done_data);
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  if (!(st = stmt (self, "RELEASE cairn_push", error)) || !step_done (self, st, error))
    {
      g_clear_pointer (out_appended, g_ptr_array_unref);
      g_clear_pointer (&reply, cairn_push_reply_free);
      return NULL;
    }
  if (reply == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return g_steal_pointer (&reply);
}

gboolean
cairn_server_core_commit_group (CairnServerCore  *self,
                                GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  if (!self->in_group)
    return TRUE;
  self->in_group = FALSE;
  if (sqlite3_get_autocommit (self->db))
    {
      /* Rolled back by SQLite itself (an I/O error or a full disk):
       * nothing of the group is stored. */
      g_set_error (&local_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL,
                   "The open group's transaction in %s was rolled back by SQLite", self->path);
      ok = FALSE;
    }
  else
    ok = commit (self, &local_error);
  if (self->group_done != NULL)
    self->group_done (ok ? NULL : local_error, self->group_done_data);
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* Commits an open group before anything else touches the database, so that
 * no other answer can show (or depend on) what is not committed yet. */
static void
settle (CairnServerCore *self)
{
  g_autoptr(GError) error = NULL;

  if (self->in_group && !cairn_server_core_commit_group (self, &error))
    g_warning ("Group commit failed: %s", error->message);
}

CairnPullReply *
cairn_server_core_pull (CairnServerCore  *self,
                        const CairnAuth  *auth,
                        const char       *workspace_id,
                        gint64            after,
                        guint             limit,
                        GError          **error)
{
  g_autoptr(CairnPullReply) reply = g_new0 (CairnPullReply, 1);
  sqlite3_stmt *st;
  gboolean row;
  gsize bytes = 0;

  g_return_val_if_fail (limit > 0, NULL);

  settle (self);

  if (!cairn_server_core_check_member (self, auth, workspace_id, error) ||
      !workspace_head (self, workspace_id, &reply->head, &reply->history_id, error))
    return NULL;
  reply->events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  if (!(st = stmt (self, "SELECT seq, client_id, client_seq, name, version, args, created_at, device "
                         "FROM events WHERE workspace_id = ? AND seq > ? ORDER BY seq LIMIT ?", error)) ||
      !bind (self, st, error, "tii", workspace_id, after, (gint64) limit + 1))
    return NULL;
  for (;;)
    {
      CairnWireEvent *ev;
      gsize size;

      if (!step_row (self, st, &row, error))
        return NULL;
      if (!row)
        break;
      if (reply->events->len == limit)
        {
          reply->more = TRUE;
          sqlite3_reset (st);
          break;
        }
      ev = cairn_wire_event_new (col_text (st, 3), sqlite3_column_int64 (st, 4), col_text (st, 5),
                                 col_text (st, 1), sqlite3_column_int64 (st, 2),
                                 sqlite3_column_int64 (st, 6));
      ev->seq = sqlite3_column_int64 (st, 0);
      if (sqlite3_column_type (st, 7) != SQLITE_NULL)
        ev->device = g_strdup (col_text (st, 7));
      /* Keep the page within MAX_PAGE_BYTES (one event always fits). */
      size = cairn_wire_event_size_bound (ev);
      if (reply->events->len > 0 && bytes + size > CAIRN_PROTOCOL_MAX_PAGE_BYTES - 4096)
        {
          cairn_wire_event_free (ev);
          reply->more = TRUE;
          sqlite3_reset (st);
          break;
        }
      bytes += size;
      g_ptr_array_add (reply->events, ev);
    }
  return g_steal_pointer (&reply);
}

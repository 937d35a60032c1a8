/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-core-pg.c: the core's storage in PostgreSQL (libpq), for
 * several cairn-server instances sharing one database
 * (cairn-server-core-backend.h; docs/server.md, "PostgreSQL").
 *
 * One connection per core, statements prepared once per connection. The
 * guarantees of docs/protocol.md hold across instances because the
 * database gives them, not the process: a push locks its workspace's row
 * (SELECT … FOR UPDATE) for the whole transaction and takes its seqs from
 * that row's head, so pushes into one workspace are serialised and commit
 * in seq order with no gap; (workspace_id, client_id, client_seq) is
 * unique, and the clients row (locked behind the workspace row) gives a
 * retry the seq its first push got. */
#define G_LOG_DOMAIN "cairn-server-core"
#include "config.h"

#include <string.h>
#include <glib-unix.h>
#include <libpq-fe.h>

#include "cairn-chain.h"
#include "cairn-server-core-private.h"

#define PG_SCHEMA_VERSION 2

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

typedef struct
{
  PGconn     *conn;
  char       *uri;
  GHashTable *prepared;   /* SQL literal (by address) -> statement name */
  guint       n_prepared;
  /* The workspace the open group pushes into: a group holds one
   * workspace's row lock only, so two instances' groups cannot deadlock. */
  char       *group_ws;
  /* The memberships in group_ws that the open group's transaction read
   * (user id -> role); see pg_member_role(). */
  GHashTable *group_roles;
  /* What this instance last saw of each workspace it pushed into
   * (workspace id -> PushGuess): a push tries these guesses in one
   * statement that checks them under the row lock (push_guessed()). */
  GHashTable *guesses;
  gboolean    guessed_in_txn;   /* the open transaction pushed: its rollback drops them */
  /* cairn_server_core_watch_commits(): the LISTEN connection, its fd
   * source, the reconnect and catch-up timers. */
  PGconn             *listen_conn;
  guint               listen_source;
  guint               reconnect_source;
  guint               catch_up_source;
  CairnCoreCommitFunc commit_func;
  gpointer            commit_data;
} Pg;

/* A workspace as this instance last saw it in a push: its head, that
 * event's chain (NULL: unknown), its history id and the last client_seq
 * of each client that pushed through this instance (client id -> gint64*).
 * Only guesses: another instance may have pushed since, so a push checks
 * them in the database under the row lock before it relies on them. */
typedef struct
{
  gint64      head;
  char       *chain;
  char       *history_id;
  GHashTable *clients;
} PushGuess;

static void
push_guess_free (gpointer data)
{
  PushGuess *g = data;

  g_free (g->chain);
  g_free (g->history_id);
  g_hash_table_unref (g->clients);
  g_free (g);
}

static const CairnCoreBackend pg_backend;

static Pg *
pg_of (CairnServerCore *self)
{
  return self->backend_data;
}

/* ---- connection and queries ------------------------------------------- */

/* What a client may retry: the database is unreachable, shutting down,
 * out of resources or failing (SQLSTATE classes 08, 53, 57, 58); no
 * SQLSTATE at all means the connection broke. */
static int
error_code_for (const char *sqlstate)
{
  if (sqlstate == NULL ||
      g_str_has_prefix (sqlstate, "08") || g_str_has_prefix (sqlstate, "53") ||
      g_str_has_prefix (sqlstate, "57") || g_str_has_prefix (sqlstate, "58"))
    return CAIRN_PROTOCOL_ERROR_STORAGE_FULL;
  return CAIRN_PROTOCOL_ERROR_INTERNAL;
}

/* The connection's settings: a push is durable before it is answered,
 * whatever the database's default. */
static gboolean
set_session (PGconn *conn)
{
  g_autoptr(PGresult) res = PQexec (conn, "SET synchronous_commit = on; SET client_min_messages = warning");

  return PQresultStatus (res) == PGRES_COMMAND_OK;
}

/* Reconnects a broken connection. A transaction it held is gone with it:
 * an open group notices (pg_push(), pg_commit_group()) and reports it lost. */
static gboolean
pg_ensure (CairnServerCore  *self,
           GError          **error)
{
  Pg *pg = pg_of (self);

  if (PQstatus (pg->conn) == CONNECTION_OK)
    return TRUE;
  PQreset (pg->conn);
  g_hash_table_remove_all (pg->prepared);
  if (PQstatus (pg->conn) != CONNECTION_OK || !set_session (pg->conn))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL,
                   "Cannot reach the PostgreSQL database: %s", PQerrorMessage (pg->conn));
      return FALSE;
    }
  return TRUE;
}

/* After a statement failed outside a transaction: when the connection
 * turns out broken (PostgreSQL restarted since it was last used), opens a
 * new one so that the statement can run once more. Nothing was lost: no
 * transaction was open. */
static gboolean
reconnected (CairnServerCore *self)
{
  Pg *pg = pg_of (self);

  if (PQstatus (pg->conn) == CONNECTION_OK)
    return FALSE;
  return pg_ensure (self, NULL);
}

/* Runs sql (a string literal: prepared once per connection, keyed by its
 * address) with parameters from types: 't' text, 'i' gint64. Returns the
 * result of a command or query, NULL with the error (naming what) else. */
static PGresult *
pg_query (CairnServerCore  *self,
          GError          **error,
          const char       *what,
          const char       *sql,
          const char       *types,
          ...)
{
  Pg *pg = pg_of (self);
  const char *values[20];
  char numbers[20][24];
  int n = strlen (types);
  const char *name;
  PGresult *res;
  ExecStatusType status;
  gboolean was_idle;
  va_list ap;

  g_assert (n <= 20);
  va_start (ap, types);
  for (int i = 0; i < n; i++)
    {
      if (types[i] == 't')
        values[i] = va_arg (ap, const char *);
      else
        {
          g_snprintf (numbers[i], sizeof numbers[i], "%" G_GINT64_FORMAT, va_arg (ap, gint64));
          values[i] = numbers[i];
        }
    }
  va_end (ap);

  if (!pg_ensure (self, error))
    return NULL;
  was_idle = PQtransactionStatus (pg->conn) == PQTRANS_IDLE;
retry:
  name = g_hash_table_lookup (pg->prepared, sql);
  if (name == NULL)
    {
      g_autofree char *new_name = g_strdup_printf ("cairn_%u", ++pg->n_prepared);
      g_autoptr(PGresult) prep = PQprepare (pg->conn, new_name, sql, n, NULL);

      if (PQresultStatus (prep) != PGRES_COMMAND_OK)
        {
          if (was_idle && reconnected (self))
            {
              was_idle = FALSE;
              goto retry;
            }
          g_set_error (error, CAIRN_PROTOCOL_ERROR,
                       error_code_for (PQresultErrorField (prep, PG_DIAG_SQLSTATE)),
                       "%s in PostgreSQL: %s", what, PQerrorMessage (pg->conn));
          return NULL;
        }
      name = new_name;
      g_hash_table_insert (pg->prepared, (char *) sql, g_steal_pointer (&new_name));
    }
  res = PQexecPrepared (pg->conn, name, n, values, NULL, NULL, 0);
  status = PQresultStatus (res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK &&
      was_idle && reconnected (self))
    {
      PQclear (res);
      was_idle = FALSE;
      goto retry;
    }
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR,
                   error_code_for (PQresultErrorField (res, PG_DIAG_SQLSTATE)),
                   "%s in PostgreSQL: %s", what,
                   res ? PQresultErrorMessage (res) : PQerrorMessage (pg->conn));
      PQclear (res);
      return NULL;
    }
  return res;
}

/* Runs SQL without parameters (not prepared). */
static gboolean
pg_exec (CairnServerCore  *self,
         const char       *sql,
         GError          **error)
{
  Pg *pg = pg_of (self);
  g_autoptr(PGresult) res = NULL;
  ExecStatusType status;
  gboolean was_idle;

  if (!pg_ensure (self, error))
    return FALSE;
  was_idle = PQtransactionStatus (pg->conn) == PQTRANS_IDLE;
  res = PQexec (pg->conn, sql);
  status = PQresultStatus (res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK &&
      was_idle && reconnected (self))
    {
      g_clear_pointer (&res, PQclear);
      res = PQexec (pg->conn, sql);
      status = PQresultStatus (res);
    }
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR,
                   error_code_for (PQresultErrorField (res, PG_DIAG_SQLSTATE)),
                   "SQL failed in PostgreSQL (%.60s…): %s", sql,
                   res ? PQresultErrorMessage (res) : PQerrorMessage (pg->conn));
      return FALSE;
    }
  return TRUE;
}

static gboolean
pg_begin (CairnServerCore  *self,
          GError          **error)
{
  /* Every other transaction waits until an open group is committed. */
  _cairn_core_settle (self);
  return pg_exec (self, "BEGIN", error);
}

static gboolean
pg_commit (CairnServerCore  *self,
           GError          **error)
{
  if (!pg_exec (self, "COMMIT", error))
    {
      g_hash_table_remove_all (pg_of (self)->guesses);
      pg_of (self)->guessed_in_txn = FALSE;
      pg_exec (self, "ROLLBACK", NULL);
      return FALSE;
    }
  pg_of (self)->guessed_in_txn = FALSE;
  return TRUE;
}

static void
pg_rollback (CairnServerCore *self)
{
  Pg *pg = pg_of (self);

  /* What a rolled-back push wrote is no guess of anything. */
  if (pg->guessed_in_txn)
    g_hash_table_remove_all (pg->guesses);
  pg->guessed_in_txn = FALSE;
  if (PQtransactionStatus (pg->conn) != PQTRANS_IDLE &&
      PQstatus (pg->conn) == CONNECTION_OK)
    pg_exec (self, "ROLLBACK", NULL);
}

static gint64
col_int (PGresult *res,
         int       row,
         int       col)
{
  return g_ascii_strtoll (PQgetvalue (res, row, col), NULL, 10);
}

static const char *
col_text (PGresult *res,
          int       row,
          int       col)
{
  return PQgetvalue (res, row, col);
}

/* ---- schema ------------------------------------------------------------- */

/* The SQLite schema's tables (cairn-server-core-schema.c), with byte-order
 * ("C") collation on the names the server sorts, so that lists come out
 * in the same order as from SQLite. */
static const char schema_sql[] =
  "CREATE TABLE cairn_schema (version INTEGER NOT NULL);"
  "CREATE TABLE users ("
  "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
  "  username TEXT COLLATE \"C\" NOT NULL UNIQUE,"
  "  pwhash TEXT NOT NULL,"
  "  created_at BIGINT NOT NULL);"
  "CREATE TABLE sessions ("
  "  id TEXT COLLATE \"C\" PRIMARY KEY,"
  "  user_id BIGINT NOT NULL REFERENCES users (id),"
  "  token_hash TEXT NOT NULL UNIQUE,"
  "  device TEXT NOT NULL,"
  "  created_at BIGINT NOT NULL,"
  "  last_used_at BIGINT NOT NULL);"
  "CREATE INDEX sessions_user ON sessions (user_id);"
  "CREATE TABLE workspaces ("
  "  id TEXT COLLATE \"C\" PRIMARY KEY,"
  "  name TEXT COLLATE \"C\" NOT NULL,"
  "  personal INTEGER NOT NULL,"
  "  history_id TEXT NOT NULL,"
  "  head BIGINT NOT NULL DEFAULT 0,"
  "  created_at BIGINT NOT NULL);"
  "CREATE TABLE members ("
  "  workspace_id TEXT NOT NULL REFERENCES workspaces (id),"
  "  user_id BIGINT NOT NULL REFERENCES users (id),"
  "  role TEXT NOT NULL CHECK (role IN ('owner', 'member')),"
  "  added_at BIGINT NOT NULL,"
  "  PRIMARY KEY (workspace_id, user_id));"
  "CREATE INDEX members_user ON members (user_id);"
  "CREATE TABLE events ("
  "  workspace_id TEXT NOT NULL,"
  "  seq BIGINT NOT NULL,"
  "  client_id TEXT NOT NULL,"
  "  client_seq BIGINT NOT NULL,"
  "  name TEXT NOT NULL,"
  "  version BIGINT NOT NULL,"
  "  args TEXT NOT NULL,"
  "  created_at BIGINT NOT NULL,"
  "  device TEXT,"
  "  chain TEXT,"
  "  username TEXT,"
  "  PRIMARY KEY (workspace_id, seq),"
  "  UNIQUE (workspace_id, client_id, client_seq));"
  "CREATE TABLE clients ("
  "  workspace_id TEXT NOT NULL,"
  "  client_id TEXT NOT NULL,"
  "  last_seq BIGINT NOT NULL,"
  "  PRIMARY KEY (workspace_id, client_id));"
  "INSERT INTO cairn_schema (version) VALUES (1);";

/* Step 1 -> 2: server-made snapshots (as the SQLite schema's step 2 -> 3,
 * cairn-server-core-snapshots.c). UNIQUE (workspace_id, seq): two
 * instances that make the same one store it once. */
static gboolean
step_1_to_2 (CairnServerCore  *self,
             GError          **error)
{
  return pg_exec (self,
                  "CREATE TABLE snapshots ("
                  "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
                  "  workspace_id TEXT NOT NULL,"
                  "  seq BIGINT NOT NULL,"
                  "  history_id TEXT NOT NULL,"
                  "  made_at BIGINT NOT NULL,"
                  "  bytes BIGINT NOT NULL,"
                  "  blob BYTEA NOT NULL,"
                  "  UNIQUE (workspace_id, seq));"
                  "UPDATE cairn_schema SET version = 2;", error);
}

/* Creates the schema in an empty database, or checks its version; under
 * an advisory lock so that instances starting together do it once. */
static gboolean
prepare_schema (CairnServerCore  *self,
                GError          **error)
{
  g_autoptr(PGresult) res = NULL;
  gint64 version = 0;

  if (!pg_exec (self, "BEGIN", error))
    return FALSE;
  if (!pg_exec (self, "SELECT pg_advisory_xact_lock(7370596178)", error) ||
      !(res = pg_query (self, error, "Cannot read the schema version",
                        "SELECT to_regclass('cairn_schema') IS NOT NULL", "")))
    goto fail;
  if (g_str_equal (col_text (res, 0, 0), "t"))
    {
      g_clear_pointer (&res, PQclear);
      if (!(res = pg_query (self, error, "Cannot read the schema version",
                            "SELECT max(version) FROM cairn_schema", "")))
        goto fail;
      version = col_int (res, 0, 0);
    }
  if (version > PG_SCHEMA_VERSION)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                   "The PostgreSQL database %s has schema version %" G_GINT64_FORMAT
                   ", newer than this server (%d); run a newer cairn-server",
                   PQdb (pg_of (self)->conn), version, PG_SCHEMA_VERSION);
      goto fail;
    }
  if (version == 0)
    {
      if (!pg_exec (self, schema_sql, error))
        goto fail;
      version = 1;
    }
  if ((version == 1 && !step_1_to_2 (self, error)) ||
      !pg_commit (self, error))
    goto fail;
  return TRUE;

fail:
  pg_rollback (self);
  return FALSE;
}

/* ---- users ---------------------------------------------------------------- */

static char *
insert_workspace (CairnServerCore  *self,
                  gint64            owner_id,
                  const char       *name,
                  gboolean          personal,
                  GError          **error)
{
  g_autofree char *id = _cairn_core_random_uuid (self);
  g_autofree char *history_id = _cairn_core_random_hex (self, 16);
  gint64 now = cairn_server_core_now (self);
  g_autoptr(PGresult) a = NULL;
  g_autoptr(PGresult) b = NULL;

  if (!(a = pg_query (self, error, "Cannot create a workspace",
                      "INSERT INTO workspaces (id, name, personal, history_id, created_at) "
                      "VALUES ($1, $2, $3, $4, $5)", "ttiti", id, name, (gint64) personal, history_id, now)) ||
      !(b = pg_query (self, error, "Cannot create a workspace",
                      "INSERT INTO members (workspace_id, user_id, role, added_at) "
                      "VALUES ($1, $2, 'owner', $3)", "tii", id, owner_id, now)))
    return NULL;
  return g_steal_pointer (&id);
}

static gboolean
pg_user_add (CairnServerCore  *self,
             const char       *username,
             const char       *hash,
             char            **out_workspace_id,
             GError          **error)
{
  g_autoptr(PGresult) res = NULL;
  g_autofree char *ws = NULL;

  if (!pg_begin (self, error))
    return FALSE;
  if (!(res = pg_query (self, error, "Cannot add a user",
                        "INSERT INTO users (username, pwhash, created_at) VALUES ($1, $2, $3) "
                        "ON CONFLICT (username) DO NOTHING RETURNING id",
                        "tti", username, hash, cairn_server_core_now (self))))
    goto fail;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ALREADY_EXISTS,
                   "A user named \"%s\" exists already", username);
      goto fail;
    }
  if (!(ws = insert_workspace (self, col_int (res, 0, 0), username, TRUE, error)) ||
      !pg_commit (self, error))
    goto fail;
  if (out_workspace_id != NULL)
    *out_workspace_id = g_steal_pointer (&ws);
  return TRUE;

fail:
  pg_rollback (self);
  return FALSE;
}

static gint64
pg_user_id (CairnServerCore  *self,
            const char       *username,
            GError          **error)
{
  g_autoptr(PGresult) res = pg_query (self, error, "Cannot read a user",
                                      "SELECT id FROM users WHERE username = $1", "t", username);

  if (res == NULL)
    return 0;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No user named \"%s\"", username);
      return 0;
    }
  return col_int (res, 0, 0);
}

static gboolean
pg_user_passwd (CairnServerCore  *self,
                const char       *username,
                const char       *hash,
                GError          **error)
{
  g_autoptr(PGresult) a = NULL;
  g_autoptr(PGresult) b = NULL;
  gint64 uid;

  if (!pg_begin (self, error))
    return FALSE;
  if (!(uid = pg_user_id (self, username, error)) ||
      !(a = pg_query (self, error, "Cannot change a password",
                      "UPDATE users SET pwhash = $1 WHERE id = $2", "ti", hash, uid)) ||
      !(b = pg_query (self, error, "Cannot change a password",
                      "DELETE FROM sessions WHERE user_id = $1", "i", uid)) ||
      !pg_commit (self, error))
    {
      pg_rollback (self);
      return FALSE;
    }
  return TRUE;
}

static gboolean
delete_workspace (CairnServerCore  *self,
                  const char       *ws,
                  GError          **error)
{
  static const char * const sql[] = {
    "DELETE FROM events WHERE workspace_id = $1",
    "DELETE FROM snapshots WHERE workspace_id = $1",
    "DELETE FROM clients WHERE workspace_id = $1",
    "DELETE FROM members WHERE workspace_id = $1",
    "DELETE FROM workspaces WHERE id = $1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (sql); i++)
    {
      g_autoptr(PGresult) res = pg_query (self, error, "Cannot delete a workspace", sql[i], "t", ws);

      if (res == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
pg_user_remove (CairnServerCore  *self,
                const char       *username,
                GError          **error)
{
  g_autoptr(PGresult) owned = NULL;
  gint64 uid;

  if (!pg_begin (self, error))
    return FALSE;
  if (!(uid = pg_user_id (self, username, error)) ||
      !(owned = pg_query (self, error, "Cannot remove a user",
                          "SELECT workspace_id FROM members WHERE user_id = $1 AND role = 'owner' "
                          "ORDER BY workspace_id COLLATE \"C\"", "i", uid)))
    goto fail;
  for (int i = 0; i < PQntuples (owned); i++)
    {
      const char *ws = col_text (owned, i, 0);
      g_autoptr(PGresult) heir = NULL;
      g_autoptr(PGresult) a = NULL;
      g_autoptr(PGresult) b = NULL;

      if (!(heir = pg_query (self, error, "Cannot remove a user",
                             "SELECT user_id FROM members WHERE workspace_id = $1 AND user_id != $2 "
                             "ORDER BY added_at, user_id LIMIT 1", "ti", ws, uid)))
        goto fail;
      if (PQntuples (heir) == 0)
        {
          if (!delete_workspace (self, ws, error))
            goto fail;
        }
      else if (!(a = pg_query (self, error, "Cannot remove a user",
                               "UPDATE members SET role = 'owner' WHERE workspace_id = $1 AND user_id = $2",
                               "ti", ws, col_int (heir, 0, 0))) ||
               !(b = pg_query (self, error, "Cannot remove a user",
                               "UPDATE workspaces SET personal = 0 WHERE id = $1", "t", ws)))
        goto fail;
    }
  {
    g_autoptr(PGresult) a = NULL;
    g_autoptr(PGresult) b = NULL;
    g_autoptr(PGresult) c = NULL;

    if (!(a = pg_query (self, error, "Cannot remove a user", "DELETE FROM members WHERE user_id = $1", "i", uid)) ||
        !(b = pg_query (self, error, "Cannot remove a user", "DELETE FROM sessions WHERE user_id = $1", "i", uid)) ||
        !(c = pg_query (self, error, "Cannot remove a user", "DELETE FROM users WHERE id = $1", "i", uid)) ||
        !pg_commit (self, error))
      goto fail;
  }
  return TRUE;

fail:
  pg_rollback (self);
  return FALSE;
}

static GPtrArray *
pg_user_list (CairnServerCore  *self,
              GError          **error)
{
  g_autoptr(PGresult) res = pg_query (self, error, "Cannot list the users",
                                      "SELECT username FROM users ORDER BY username COLLATE \"C\"", "");
  GPtrArray *out;

  if (res == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < PQntuples (res); i++)
    g_ptr_array_add (out, g_strdup (col_text (res, i, 0)));
  return out;
}

static char *
pg_user_pwhash (CairnServerCore  *self,
                const char       *username,
                GError          **error)
{
  g_autoptr(PGresult) res = pg_query (self, error, "Cannot read a user",
                                      "SELECT pwhash FROM users WHERE username = $1", "t", username);

  if (res == NULL || PQntuples (res) == 0)
    return NULL;
  return g_strdup (col_text (res, 0, 0));
}

/* ---- sessions --------------------------------------------------------------- */

static gboolean
pg_session_insert (CairnServerCore  *self,
                   const char       *session_id,
                   gint64            user_id,
                   const char       *token_hash,
                   const char       *device,
                   gint64            now,
                   GError          **error)
{
  g_autoptr(PGresult) res = pg_query (self, error, "Cannot create a session",
                                      "INSERT INTO sessions (id, user_id, token_hash, device, created_at, last_used_at) "
                                      "VALUES ($1, $2, $3, $4, $5, $6)",
                                      "tittii", session_id, user_id, token_hash, device, now, now);

  return res != NULL;
}

static CairnAuth *
pg_session_find (CairnServerCore  *self,
                 const char       *token_hash,
                 gint64           *out_last_used,
                 GError          **error)
{
  g_autoptr(PGresult) res = pg_query (self, error, "Cannot read a session",
                                      "SELECT s.id, s.user_id, u.username, s.device, s.last_used_at "
                                      "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
                                      "t", token_hash);
  CairnAuth *auth;

  if (res == NULL || PQntuples (res) == 0)
    return NULL;
  auth = g_new0 (CairnAuth, 1);
  auth->session_id = g_strdup (col_text (res, 0, 0));
  auth->user_id = col_int (res, 0, 1);
  auth->username = g_strdup (col_text (res, 0, 2));
  auth->device = g_strdup (col_text (res, 0, 3));
  *out_last_used = col_int (res, 0, 4);
  return auth;
}

static gboolean
pg_session_touch (CairnServerCore  *self,
                  const char       *session_id,
                  gint64            now,
                  gint64            not_before,
                  GError          **error)
{
  g_autoptr(PGresult) res = pg_query (self, error, "Cannot record the use of a session",
                                      "UPDATE sessions SET last_used_at = $1 WHERE id = $2 AND last_used_at >= $3",
                                      "iti", now, session_id, not_before);

  return res != NULL;
}

static gint64
pg_session_allowed (CairnServerCore  *self,
                    const char       *session_id,
                    const char       *workspace_id,
                    GError          **error)
{
  g_autoptr(PGresult) res = pg_query (self, error, "Cannot check a session",
                                      "SELECT s.last_used_at FROM sessions s JOIN members m ON m.user_id = s.user_id "
                                      "WHERE s.id = $1 AND m.workspace_id = $2", "tt", session_id, workspace_id);

  if (res == NULL || PQntuples (res) == 0)
    return -1;
  return col_int (res, 0, 0);
}

static GPtrArray *
pg_sessions (CairnServerCore  *self,
             const CairnAuth  *auth,
             GError          **error)
{
  g_autoptr(PGresult) res = pg_query (self, error, "Cannot list sessions",
                                      "SELECT id, device, created_at, last_used_at FROM sessions "
                                      "WHERE user_id = $1 ORDER BY created_at DESC, id", "i", auth->user_id);
  GPtrArray *out;

  if (res == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_session_info_free);
  for (int i = 0; i < PQntuples (res); i++)
    {
      CairnSessionInfo *s = g_new0 (CairnSessionInfo, 1);

      s->id = g_strdup (col_text (res, i, 0));
      s->device = g_strdup (col_text (res, i, 1));
      s->created_at = col_int (res, i, 2);
      s->last_used_at = col_int (res, i, 3);
      s->current = g_str_equal (s->id, auth->session_id);
      g_ptr_array_add (out, s);
    }
  return out;
}

static gboolean
pg_session_revoke (CairnServerCore  *self,
                   const CairnAuth  *auth,
                   const char       *session_id,
                   GError          **error)
{
  g_autoptr(PGresult) res = pg_query (self, error, "Cannot revoke a session",
                                      "DELETE FROM sessions WHERE id = $1 AND user_id = $2",
                                      "ti", session_id, auth->user_id);

  if (res == NULL)
    return FALSE;
  if (g_str_equal (PQcmdTuples (res), "0"))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No session %s", session_id);
      return FALSE;
    }
  return TRUE;
}

/* ---- workspaces and members ------------------------------------------- */

/* Every list (users, workspaces, members) sorts names in byte order, as
 * SQLite's BINARY does: the columns are COLLATE "C" already, and the ORDER
 * BYs say it too, so that the order never follows the database's default
 * collation (an "en_US" database puts "a" before "B"; test-core's
 * listing-byte-order). */

#define WORKSPACE_SELECT \
  "SELECT w.id, w.name, o.username, w.personal FROM workspaces w " \
  "JOIN members mo ON mo.workspace_id = w.id AND mo.role = 'owner' " \
  "JOIN users o ON o.id = mo.user_id "

static GPtrArray *
read_workspaces (PGresult *res)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_workspace_info_free);

  for (int i = 0; i < PQntuples (res); i++)
    {
      CairnWorkspaceInfo *ws = g_new0 (CairnWorkspaceInfo, 1);

      ws->id = g_strdup (col_text (res, i, 0));
      ws->name = g_strdup (col_text (res, i, 1));
      ws->owner = g_strdup (col_text (res, i, 2));
      ws->personal = col_int (res, i, 3) != 0;
      g_ptr_array_add (out, ws);
    }
  return out;
}

static GPtrArray *
pg_workspaces (CairnServerCore  *self,
               const CairnAuth  *auth,
               GError          **error)
{
  g_autoptr(PGresult) res = pg_query (self, error, "Cannot list workspaces",
                                      WORKSPACE_SELECT
                                      "JOIN members m ON m.workspace_id = w.id AND m.user_id = $1 "
                                      "ORDER BY (w.personal <> 0 AND mo.user_id = m.user_id) DESC, "
                                      "w.name COLLATE \"C\", w.id COLLATE \"C\"",
                                      "i", auth->user_id);

  return res ? read_workspaces (res) : NULL;
}

static GPtrArray *
pg_admin_workspaces (CairnServerCore  *self,
                     GError          **error)
{
  g_autoptr(PGresult) res = pg_query (self, error, "Cannot list workspaces",
                                      WORKSPACE_SELECT "ORDER BY o.username COLLATE \"C\", w.name COLLATE \"C\", "
                                      "w.id COLLATE \"C\"", "");

  return res ? read_workspaces (res) : NULL;
}

static char *
pg_workspace_create (CairnServerCore  *self,
                     const CairnAuth  *auth,
                     const char       *name,
                     GError          **error)
{
  g_autofree char *id = NULL;

  if (!pg_begin (self, error))
    return NULL;
  if (!(id = insert_workspace (self, auth->user_id, name, FALSE, error)) ||
      !pg_commit (self, error))
    {
      pg_rollback (self);
      return NULL;
    }
  return g_steal_pointer (&id);
}

static char *
pg_member_role (CairnServerCore  *self,
                gint64            user_id,
                const char       *workspace_id,
                GError          **error)
{
  Pg *pg = pg_of (self);
  gboolean in_group_ws = self->in_group && g_strcmp0 (pg->group_ws, workspace_id) == 0;
  g_autoptr(PGresult) res = NULL;
  const char *known;

  /* Each push into the open group's workspace checks its membership
   * first (the route, before it reads the body): a membership the group's
   * transaction already read is not read again. The push's own statement
   * checks it once more before it writes anything. */
  if (in_group_ws && (known = g_hash_table_lookup (pg->group_roles, &user_id)) != NULL)
    return g_strdup (known);
  res = pg_query (self, error, "Cannot read a membership",
                  "SELECT role FROM members WHERE workspace_id = $1 AND user_id = $2",
                  "ti", workspace_id, user_id);
  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No workspace %s", workspace_id);
      return NULL;
    }
  if (in_group_ws && PQtransactionStatus (pg->conn) == PQTRANS_INTRANS)
    g_hash_table_insert (pg->group_roles, g_memdup2 (&user_id, sizeof user_id),
                         g_strdup (col_text (res, 0, 0)));
  return g_strdup (col_text (res, 0, 0));
}

static GPtrArray *
pg_members (CairnServerCore  *self,
            const char       *workspace_id,
            GError          **error)
{
  g_autoptr(PGresult) res = pg_query (self, error, "Cannot list members",
                                      "SELECT u.username, m.role FROM members m JOIN users u ON u.id = m.user_id "
                                      "WHERE m.workspace_id = $1 ORDER BY m.role = 'owner' DESC, u.username COLLATE \"C\"",
                                      "t", workspace_id);
  GPtrArray *out;

  if (res == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_member_info_free);
  for (int i = 0; i < PQntuples (res); i++)
    {
      CairnMemberInfo *m = g_new0 (CairnMemberInfo, 1);

      m->username = g_strdup (col_text (res, i, 0));
      m->role = g_strdup (col_text (res, i, 1));
      g_ptr_array_add (out, m);
    }
  return out;
}

static gboolean
check_owner (CairnServerCore  *self,
             const CairnAuth  *auth,
             const char       *workspace_id,
             GError          **error)
{
  g_autofree char *role = pg_member_role (self, auth->user_id, workspace_id, error);

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

static gboolean
pg_member_add (CairnServerCore  *self,
               const CairnAuth  *auth,
               const char       *workspace_id,
               const char       *username,
               GError          **error)
{
  g_autoptr(PGresult) res = NULL;
  gint64 uid;

  if (!pg_begin (self, error))
    return FALSE;
  if (!check_owner (self, auth, workspace_id, error) ||
      !(uid = pg_user_id (self, username, error)) ||
      !(res = pg_query (self, error, "Cannot add a member",
                        "INSERT INTO members (workspace_id, user_id, role, added_at) "
                        "VALUES ($1, $2, 'member', $3) ON CONFLICT DO NOTHING",
                        "tii", workspace_id, uid, cairn_server_core_now (self))))
    goto fail;
  if (g_str_equal (PQcmdTuples (res), "0"))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ALREADY_EXISTS,
                   "%s is a member of workspace %s already", username, workspace_id);
      goto fail;
    }
  if (!pg_commit (self, error))
    goto fail;
  return TRUE;

fail:
  pg_rollback (self);
  return FALSE;
}

static gboolean
pg_member_remove (CairnServerCore  *self,
                  const CairnAuth  *auth,
                  const char       *workspace_id,
                  const char       *username,
                  GError          **error)
{
  g_autofree char *role = NULL;
  g_autoptr(PGresult) res = NULL;
  gint64 uid;

  if (!pg_begin (self, error))
    return FALSE;
  /* The owner removes members; a member may remove themself (leave). */
  if ((g_strcmp0 (auth->username, username) != 0 &&
       !check_owner (self, auth, workspace_id, error)) ||
      !(uid = pg_user_id (self, username, error)))
    goto fail;
  if (!(role = pg_member_role (self, uid, workspace_id, NULL)))
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
  if (!(res = pg_query (self, error, "Cannot remove a member",
                        "DELETE FROM members WHERE workspace_id = $1 AND user_id = $2",
                        "ti", workspace_id, uid)) ||
      !pg_commit (self, error))
    goto fail;
  return TRUE;

fail:
  pg_rollback (self);
  return FALSE;
}

static CairnAuth *
pg_admin_owner_auth (CairnServerCore  *self,
                     const char       *workspace_id,
                     GError          **error)
{
  g_autoptr(PGresult) res = pg_query (self, error, "Cannot read a workspace",
                                      "SELECT u.id, u.username FROM members m JOIN users u ON u.id = m.user_id "
                                      "WHERE m.workspace_id = $1 AND m.role = 'owner'", "t", workspace_id);
  CairnAuth *auth;

  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No workspace %s", workspace_id);
      return NULL;
    }
  auth = g_new0 (CairnAuth, 1);
  auth->user_id = col_int (res, 0, 0);
  auth->username = g_strdup (col_text (res, 0, 1));
  return auth;
}

/* ---- the event log ---------------------------------------------------- */

/* Head and history id; with lock, the workspace's row stays locked until
 * the transaction ends: this is what orders pushes into one workspace. */
static gboolean
workspace_head (CairnServerCore  *self,
                const char       *workspace_id,
                gboolean          lock,
                gint64           *out_head,
                char            **out_history_id,
                GError          **error)
{
  g_autoptr(PGresult) res = lock
    ? pg_query (self, error, "Cannot read a workspace's head",
                "SELECT head, history_id FROM workspaces WHERE id = $1 FOR UPDATE", "t", workspace_id)
    : pg_query (self, error, "Cannot read a workspace's head",
                "SELECT head, history_id FROM workspaces WHERE id = $1", "t", workspace_id);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No workspace %s", workspace_id);
      return FALSE;
    }
  *out_head = col_int (res, 0, 0);
  if (out_history_id != NULL)
    *out_history_id = g_strdup (col_text (res, 0, 1));
  return TRUE;
}

static gboolean
pg_head (CairnServerCore  *self,
         const CairnAuth  *auth,
         const char       *workspace_id,
         gint64           *out_head,
         char            **out_history_id,
         GError          **error)
{
  return cairn_server_core_check_member (self, auth, workspace_id, error) &&
         workspace_head (self, workspace_id, FALSE, out_head, out_history_id, error);
}

/* As read_log_at() in cairn-server-core-states.c. */
static gboolean
pg_chain_at (CairnServerCore  *self,
             const char       *workspace_id,
             gint64            seq,
             gboolean         *out_exists,
             char            **out_chain,
             GError          **error)
{
  g_autoptr(PGresult) res = NULL;

  *out_exists = FALSE;
  *out_chain = NULL;
  if (!(res = pg_query (self, error, "Cannot read the log",
                        "SELECT chain FROM events WHERE workspace_id = $1 AND seq = $2",
                        "ti", workspace_id, seq)))
    return FALSE;
  if (PQntuples (res) == 0)
    return TRUE;
  *out_exists = TRUE;
  if (!PQgetisnull (res, 0, 0) && cairn_chain_is_valid (col_text (res, 0, 0)))
    *out_chain = g_strdup (col_text (res, 0, 0));
  return TRUE;
}

/* Appends text to a PostgreSQL array literal being built in arr ("{"
 * already there): quoted, NULL for NULL. */
static void
array_add_text (GString    *arr,
                const char *text)
{
  if (arr->len > 1)
    g_string_append_c (arr, ',');
  if (text == NULL)
    {
      g_string_append (arr, "NULL");
      return;
    }
  g_string_append_c (arr, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (arr, '\\');
      g_string_append_c (arr, *p);
    }
  g_string_append_c (arr, '"');
}

static void
array_add_int (GString *arr,
               gint64   value)
{
  if (arr->len > 1)
    g_string_append_c (arr, ',');
  g_string_append_printf (arr, "%" G_GINT64_FORMAT, value);
}

/* Records what a push left in workspace_id as the next push's guesses
 * (clients: client id -> gint64* last client_seq). */
static void
remember_push (Pg         *pg,
               const char *workspace_id,
               const char *history_id,
               gint64      head,
               const char *chain,
               GHashTable *clients)
{
  PushGuess *g = g_hash_table_lookup (pg->guesses, workspace_id);
  GHashTableIter iter;
  gpointer key, value;

  pg->guessed_in_txn = TRUE;
  if (g == NULL)
    {
      /* Bounded: an instance serving many workspaces starts over. */
      if (g_hash_table_size (pg->guesses) >= 1024)
        g_hash_table_remove_all (pg->guesses);
      g = g_new0 (PushGuess, 1);
      g->clients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (pg->guesses, g_strdup (workspace_id), g);
    }
  g->head = head;
  if (g_strcmp0 (g->chain, chain) != 0)
    {
      g_free (g->chain);
      g->chain = g_strdup (chain);
    }
  if (g_strcmp0 (g->history_id, history_id) != 0)
    {
      g_free (g->history_id);
      g->history_id = g_strdup (history_id);
    }
  if (g_hash_table_size (g->clients) >= 4096)
    g_hash_table_remove_all (g->clients);
  g_hash_table_iter_init (&iter, clients);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint64 *last = g_hash_table_lookup (g->clients, key);

      if (last == NULL)
        {
          last = g_new (gint64, 1);
          g_hash_table_insert (g->clients, g_strdup (key), last);
        }
      *last = *(gint64 *) value;
    }
}

/* The push in one statement, on this instance's guesses (PushGuess): the
 * statement locks the workspace's row and writes only if, under that
 * lock, the head, the head's chain, the membership and every client's
 * last client_seq are what was guessed; so it stores exactly what
 * push_read_first() would. Returns NULL without an error when it cannot
 * be tried (no guess, a re-send or a gap in the batch) or the guesses
 * were wrong (nothing was written; the row stays locked, which the full
 * path takes anyway); NULL with the error when the statement failed. */
static CairnPushReply *
push_guessed (CairnServerCore  *self,
              const CairnAuth  *auth,
              const char       *workspace_id,
              GPtrArray        *events,
              GPtrArray       **out_appended,
              GError          **error)
{
  enum { SEQ, CLIENT, CLIENT_SEQ, NAME, VERSION, ARGS, CREATED, DEVICE, CHAIN, USER, N_COLS };
  Pg *pg = pg_of (self);
  PushGuess *g = g_hash_table_lookup (pg->guesses, workspace_id);
  g_autoptr(GHashTable) clients = NULL;   /* client id -> gint64*, not owned keys */
  g_autoptr(GPtrArray) order = NULL;      /* the client ids, first seen first */
  g_autoptr(GPtrArray) appended = NULL;
  g_autoptr(CairnPushReply) reply = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GString) cl_ids = NULL;
  g_autoptr(GString) cl_prev = NULL;
  g_autoptr(GString) cl_last = NULL;
  g_autofree char *chain = NULL;
  GString *col[N_COLS];
  gint64 head;

  if (g == NULL || events->len == 0)
    return NULL;
  clients = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  order = g_ptr_array_new ();
  cl_ids = g_string_new ("{");
  cl_prev = g_string_new ("{");
  for (guint i = 0; i < events->len; i++)
    {
      CairnWireEvent *ev = g_ptr_array_index (events, i);
      gint64 *last = g_hash_table_lookup (clients, ev->client_id);

      if (last == NULL)
        {
          gint64 *known = g_hash_table_lookup (g->clients, ev->client_id);

          last = g_new (gint64, 1);
          *last = known != NULL ? *known : 0;
          g_hash_table_insert (clients, ev->client_id, last);
          g_ptr_array_add (order, ev->client_id);
          array_add_text (cl_ids, ev->client_id);
          array_add_int (cl_prev, *last);
        }
      /* A re-send or a gap: the full path answers it. */
      if (ev->client_seq != *last + 1)
        return NULL;
      *last = ev->client_seq;
    }
  g_string_append_c (cl_ids, '}');
  g_string_append_c (cl_prev, '}');
  cl_last = g_string_new ("{");
  for (guint i = 0; i < order->len; i++)
    array_add_int (cl_last, *(gint64 *) g_hash_table_lookup (clients, order->pdata[i]));
  g_string_append_c (cl_last, '}');

  head = g->head;
  chain = g_strdup (g->chain);
  reply = g_new0 (CairnPushReply, 1);
  reply->results = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_push_result_free);
  appended = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  for (guint c = 0; c < N_COLS; c++)
    col[c] = g_string_new ("{");
  for (guint i = 0; i < events->len; i++)
    {
      CairnWireEvent *ev = g_ptr_array_index (events, i);
      CairnWireEvent *stored;
      CairnPushResult *r = g_new0 (CairnPushResult, 1);

      r->client_id = g_strdup (ev->client_id);
      r->client_seq = ev->client_seq;
      r->seq = ++head;
      g_ptr_array_add (reply->results, r);
      stored = _cairn_core_stored_event (ev, auth, r->seq, &chain);
      g_ptr_array_add (appended, stored);
      array_add_int (col[SEQ], stored->seq);
      array_add_text (col[CLIENT], stored->client_id);
      array_add_int (col[CLIENT_SEQ], stored->client_seq);
      array_add_text (col[NAME], stored->name);
      array_add_int (col[VERSION], stored->version);
      array_add_text (col[ARGS], stored->args_json);
      array_add_int (col[CREATED], stored->created_at);
      array_add_text (col[DEVICE], stored->device);
      array_add_text (col[CHAIN], stored->chain);
      array_add_text (col[USER], stored->user);
    }
  for (guint c = 0; c < N_COLS; c++)
    g_string_append_c (col[c], '}');

  /* "ok" is evaluated once, before any write (every write is conditioned
   * on it), and its first scan of w takes the row lock. If the head under
   * the lock is the guessed one, nothing was pushed into this workspace
   * since the guess (every push that writes moves the head), so the
   * statement's snapshot is that state and the other checks read it. */
  res = pg_query (self, error, "Cannot store the events",
                  "WITH w AS (SELECT head FROM workspaces WHERE id = $1 FOR UPDATE), "
                  "ok AS (SELECT EXISTS (SELECT 1 FROM w WHERE w.head = $15::bigint) "
                  " AND EXISTS (SELECT 1 FROM members m WHERE m.workspace_id = $1 AND m.user_id = $16::bigint) "
                  " AND ($15::bigint = 0 OR EXISTS (SELECT 1 FROM (SELECT e.seq, e.chain FROM events e "
                  "  WHERE e.workspace_id = $1 AND e.seq <= $15::bigint ORDER BY e.seq DESC LIMIT 1) AS x "
                  "  WHERE x.seq = $15::bigint AND x.chain IS NOT DISTINCT FROM $17::text)) "
                  " AND NOT EXISTS (SELECT 1 FROM unnest ($11::text[], $18::bigint[]) AS g (c, p) "
                  "  LEFT JOIN clients cl ON cl.workspace_id = $1 AND cl.client_id = g.c "
                  "  WHERE coalesce (cl.last_seq, 0) <> g.p) AS ok), "
                  "e AS (INSERT INTO events (workspace_id, seq, client_id, client_seq, name, version, "
                  "args, created_at, device, chain, username) SELECT $1, s.* FROM unnest ($2::bigint[], "
                  "$3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::bigint[], $9::text[], "
                  "$10::text[], $14::text[]) AS s WHERE (SELECT ok FROM ok)), "
                  "c AS (INSERT INTO clients (workspace_id, client_id, last_seq) "
                  "SELECT $1, s.* FROM unnest ($11::text[], $12::bigint[]) AS s WHERE (SELECT ok FROM ok) "
                  "ON CONFLICT (workspace_id, client_id) DO UPDATE SET last_seq = excluded.last_seq), "
                  "h AS (UPDATE workspaces SET head = $13::bigint WHERE id = $1 AND (SELECT ok FROM ok)) "
                  "SELECT ok, CASE WHEN ok THEN pg_notify ('cairn_commits', $1 || ' ' || $13::bigint) END FROM ok",
                  "ttttttttttttitiitt", workspace_id, col[SEQ]->str, col[CLIENT]->str,
                  col[CLIENT_SEQ]->str, col[NAME]->str, col[VERSION]->str, col[ARGS]->str,
                  col[CREATED]->str, col[DEVICE]->str, col[CHAIN]->str, cl_ids->str, cl_last->str, head,
                  col[USER]->str, g->head, auth->user_id, g->chain, cl_prev->str);
  for (guint c = 0; c < N_COLS; c++)
    g_string_free (col[c], TRUE);
  if (res == NULL)
    return NULL;
  if (PQntuples (res) != 1 || !g_str_equal (col_text (res, 0, 0), "t"))
    return NULL;
  reply->history_id = g_strdup (g->history_id);
  reply->head = head;
  remember_push (pg, workspace_id, reply->history_id, head, chain, clients);
  *out_appended = g_steal_pointer (&appended);
  return g_steal_pointer (&reply);
}

/* The push itself, in a transaction the caller opened and ends; the same
 * steps as push_locked() in cairn-server-core-log.c, in two round trips
 * to the database whatever the batch's size: the workspace row locked,
 * with the membership check, the chain at head and the clients' last
 * client_seqs; then every new event, the clients, the head and the
 * notification in one statement (and one more, for all of them, when
 * some events are re-sends). A refused push (gap, not a member) has
 * written nothing: it fails before the second statement. */
static CairnPushReply *
push_read_first (CairnServerCore  *self,
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
  g_autoptr(PGresult) ws = NULL;
  g_autoptr(GString) ids = g_string_new ("{");
  g_autoptr(GString) resent_ids = g_string_new ("{");
  g_autoptr(GString) resent_seqs = g_string_new ("{");
  g_autoptr(GPtrArray) resent = g_ptr_array_new ();   /* CairnPushResult*, owned by reply */
  g_autofree char *chain = NULL;
  gint64 head;

  reply->results = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_push_result_free);
  for (guint i = 0; i < events->len; i++)
    {
      CairnWireEvent *ev = g_ptr_array_index (events, i);

      if (!g_hash_table_contains (clients, ev->client_id))
        {
          g_hash_table_insert (clients, ev->client_id, g_new0 (gint64, 1));
          array_add_text (ids, ev->client_id);
        }
    }
  g_string_append_c (ids, '}');
  /* The row lock orders pushes into this workspace (docs/server.md).
   * The other tables are matched with $1, not w.id: workspaces.id is
   * COLLATE "C" and their workspace_id columns are not, and a comparison
   * of the two cannot use their indexes (a sequential scan of events
   * took 4.4 ms at 52,000 events; BENCHMARKS.md). The head's chain is
   * read as "the last event up to head" so that the primary key's order
   * is what the planner uses even before events has statistics (after a
   * bulk load it otherwise took the (client_id, client_seq) index and
   * filtered the whole workspace: 8 ms); NULL, as before, when the
   * head's event is not there. */
  /* The last column is the head in the statement's snapshot: when the
   * statement waited for the lock, the row it locked is the newer one
   * another push committed meanwhile, but the chain, the clients and the
   * membership were read in the older snapshot (READ COMMITTED), which
   * stored a NULL chain (or failed on the unique index) when pushes met
   * across instances. Then it is read again, now under the lock. */
  for (guint attempt = 0;; attempt++)
    {
      g_clear_pointer (&ws, PQclear);
      if (!(ws = pg_query (self, error, "Cannot read a workspace's head",
                           "SELECT w.head, w.history_id, m.role, "
                           "(SELECT CASE WHEN e.seq = w.head THEN e.chain END FROM events e "
                           " WHERE e.workspace_id = $1 AND e.seq <= w.head ORDER BY e.seq DESC LIMIT 1), "
                           "(SELECT string_agg (c.client_id || ' ' || c.last_seq, ',') FROM clients c "
                           " WHERE c.workspace_id = $1 AND c.client_id = ANY ($3::text[])), "
                           "(SELECT s.head FROM workspaces s WHERE s.id = $1) "
                           "FROM workspaces w LEFT JOIN members m ON m.workspace_id = $1 AND m.user_id = $2 "
                           "WHERE w.id = $1 FOR UPDATE OF w", "tit", workspace_id, auth->user_id, ids->str)))
        return NULL;
      if (PQntuples (ws) == 0 || col_int (ws, 0, 0) == col_int (ws, 0, 5))
        break;
      if (attempt == 2)
        {
          g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                       "The head of %s moved while it was locked", workspace_id);
          return NULL;
        }
    }
  if (PQntuples (ws) == 0 || PQgetisnull (ws, 0, 2))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No workspace %s", workspace_id);
      return NULL;
    }
  head = col_int (ws, 0, 0);
  reply->history_id = g_strdup (col_text (ws, 0, 1));
  if (head == 0)
    chain = g_strdup (CAIRN_CHAIN_ZERO);
  else if (!PQgetisnull (ws, 0, 3) && cairn_chain_is_valid (col_text (ws, 0, 3)))
    chain = g_strdup (col_text (ws, 0, 3));

  if (!PQgetisnull (ws, 0, 4))
    {
      /* "client_id last_seq,…" (client ids are hex). */
      g_auto(GStrv) pairs = g_strsplit (col_text (ws, 0, 4), ",", -1);

      for (guint i = 0; pairs[i] != NULL; i++)
        {
          char *space = strchr (pairs[i], ' ');
          gint64 *last;

          if (space == NULL)
            continue;
          *space = '\0';
          if ((last = g_hash_table_lookup (clients, pairs[i])) != NULL)
            *last = g_ascii_strtoll (space + 1, NULL, 10);
        }
    }

  for (guint i = 0; i < events->len; i++)
    {
      CairnWireEvent *ev = g_ptr_array_index (events, i);
      gint64 *last = g_hash_table_lookup (clients, ev->client_id);
      CairnPushResult *r;

      r = g_new0 (CairnPushResult, 1);
      r->client_id = g_strdup (ev->client_id);
      r->client_seq = ev->client_seq;
      g_ptr_array_add (reply->results, r);

      if (ev->client_seq <= *last)
        {
          /* A re-send: answered with the seq it got the first time, read
           * below for all of the push's re-sends at once. */
          array_add_text (resent_ids, ev->client_id);
          array_add_int (resent_seqs, ev->client_seq);
          g_ptr_array_add (resent, r);
        }
      else if (ev->client_seq == *last + 1)
        {
          r->seq = ++head;
          *last = ev->client_seq;
          g_ptr_array_add (appended, _cairn_core_stored_event (ev, auth, r->seq, &chain));
        }
      else
        {
          g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP,
                       "Client %s sent client_seq %" G_GINT64_FORMAT " but the server expects %" G_GINT64_FORMAT
                       "; re-send from there", ev->client_id, ev->client_seq, *last + 1);
          if (out_gap_client_id != NULL)
            *out_gap_client_id = g_strdup (ev->client_id);
          if (out_expected != NULL)
            *out_expected = *last + 1;
          return NULL;
        }
    }

  if (resent->len > 0)
    {
      /* One statement for every re-sent event (a retried batch of 500
       * was 500 round trips); each a lookup in the unique index. */
      g_autoptr(PGresult) res = NULL;

      g_string_append_c (resent_ids, '}');
      g_string_append_c (resent_seqs, '}');
      if (!(res = pg_query (self, error, "Cannot read a stored event",
                            "SELECT (SELECT e.seq FROM events e WHERE e.workspace_id = $1 AND e.client_id = s.c "
                            " AND e.client_seq = s.cs) FROM unnest ($2::text[], $3::bigint[]) "
                            "WITH ORDINALITY AS s (c, cs, i) ORDER BY s.i",
                            "ttt", workspace_id, resent_ids->str, resent_seqs->str)))
        return NULL;
      for (guint i = 0; i < resent->len; i++)
        {
          CairnPushResult *r = g_ptr_array_index (resent, i);

          if ((guint) PQntuples (res) != resent->len || PQgetisnull (res, i, 0))
            {
              g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                           "Event %s/%" G_GINT64_FORMAT " is counted but missing from the log of %s",
                           r->client_id, r->client_seq, workspace_id);
              return NULL;
            }
          r->seq = col_int (res, i, 0);
        }
    }

  if (appended->len > 0)
    {
      enum { SEQ, CLIENT, CLIENT_SEQ, NAME, VERSION, ARGS, CREATED, DEVICE, CHAIN, USER, N_COLS };
      GString *col[N_COLS];
      g_autoptr(GString) cl_ids = g_string_new ("{");
      g_autoptr(GString) cl_last = g_string_new ("{");
      g_autoptr(PGresult) save = NULL;
      GHashTableIter iter;
      gpointer key, value;

      for (guint c = 0; c < N_COLS; c++)
        col[c] = g_string_new ("{");
      for (guint i = 0; i < appended->len; i++)
        {
          CairnWireEvent *e = g_ptr_array_index (appended, i);

          array_add_int (col[SEQ], e->seq);
          array_add_text (col[CLIENT], e->client_id);
          array_add_int (col[CLIENT_SEQ], e->client_seq);
          array_add_text (col[NAME], e->name);
          array_add_int (col[VERSION], e->version);
          array_add_text (col[ARGS], e->args_json);
          array_add_int (col[CREATED], e->created_at);
          array_add_text (col[DEVICE], e->device);
          array_add_text (col[CHAIN], e->chain);
          array_add_text (col[USER], e->user);
        }
      for (guint c = 0; c < N_COLS; c++)
        g_string_append_c (col[c], '}');
      g_hash_table_iter_init (&iter, clients);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          array_add_text (cl_ids, key);
          array_add_int (cl_last, *(gint64 *) value);
        }
      g_string_append_c (cl_ids, '}');
      g_string_append_c (cl_last, '}');
      /* The events, the clients, the head, and a wake-up for the other
       * instances (delivered at commit, dropped with a rolled-back push). */
      save = pg_query (self, error, "Cannot store the events",
                       "WITH e AS (INSERT INTO events (workspace_id, seq, client_id, client_seq, name, version, "
                       "args, created_at, device, chain, username) SELECT $1, s.* FROM unnest ($2::bigint[], "
                       "$3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::bigint[], $9::text[], "
                       "$10::text[], $14::text[]) AS s), "
                       "c AS (INSERT INTO clients (workspace_id, client_id, last_seq) "
                       "SELECT $1, s.* FROM unnest ($11::text[], $12::bigint[]) AS s "
                       "ON CONFLICT (workspace_id, client_id) DO UPDATE SET last_seq = excluded.last_seq), "
                       "h AS (UPDATE workspaces SET head = $13 WHERE id = $1) "
                       "SELECT pg_notify ('cairn_commits', $1 || ' ' || $13)",
                       "ttttttttttttit", workspace_id, col[SEQ]->str, col[CLIENT]->str,
                       col[CLIENT_SEQ]->str, col[NAME]->str, col[VERSION]->str, col[ARGS]->str,
                       col[CREATED]->str, col[DEVICE]->str, col[CHAIN]->str, cl_ids->str, cl_last->str, head,
                       col[USER]->str);
      for (guint c = 0; c < N_COLS; c++)
        g_string_free (col[c], TRUE);
      if (save == NULL)
        return NULL;
    }
  reply->head = head;
  remember_push (pg_of (self), workspace_id, reply->history_id, head, chain, clients);
  *out_appended = g_steal_pointer (&appended);
  return g_steal_pointer (&reply);
}

/* The push in one round trip when this instance's guesses hold (the
 * workspace's head and its chain, the clients' last client_seqs: what its
 * previous push there left), else in two or three (push_read_first()).
 * Within a group every push after the first one guesses right (the group
 * holds the row lock); with one instance nearly every push does. */
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
  CairnPushReply *reply;
  GError *local_error = NULL;

  if ((reply = push_guessed (self, auth, workspace_id, events, out_appended, &local_error)) != NULL)
    return reply;
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return push_read_first (self, auth, workspace_id, events, out_appended,
                          out_gap_client_id, out_expected, error);
}

/* Ends the open group when its transaction is gone (the connection broke
 * or PostgreSQL aborted it): its pushes are lost and answered so. */
static void
drop_group (CairnServerCore *self,
            const char      *why)
{
  Pg *pg = pg_of (self);
  g_autoptr(GError) group_error = NULL;

  self->in_group = FALSE;
  g_clear_pointer (&pg->group_ws, g_free);
  g_hash_table_remove_all (pg->group_roles);
  pg_rollback (self);
  g_set_error (&group_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL,
               "The open group's transaction was lost: %s", why);
  if (self->group_done != NULL)
    self->group_done (group_error, self->group_done_data);
}

static CairnPushReply *
pg_push (CairnServerCore  *self,
         const CairnAuth  *auth,
         const char       *workspace_id,
         GPtrArray        *events,
         gboolean          grouped,
         GPtrArray       **out_appended,
         char            **out_gap_client_id,
         gint64           *out_expected,
         GError          **error)
{
  Pg *pg = pg_of (self);
  g_autoptr(CairnPushReply) reply = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!grouped)
    {
      if (!pg_begin (self, error))
        return NULL;
      if (!(reply = push_locked (self, auth, workspace_id, events, out_appended,
                                 out_gap_client_id, out_expected, error)) ||
          !pg_commit (self, error))
        {
          g_clear_pointer (out_appended, g_ptr_array_unref);
          pg_rollback (self);
          return NULL;
        }
      return g_steal_pointer (&reply);
    }

  if (self->in_group && PQtransactionStatus (pg->conn) != PQTRANS_INTRANS)
    drop_group (self, PQerrorMessage (pg->conn));
  /* One workspace per group (see group_ws): a push into another one
   * commits the group first, unless it is refused anyway. */
  if (self->in_group && g_strcmp0 (pg->group_ws, workspace_id) != 0)
    {
      if (!cairn_server_core_check_member (self, auth, workspace_id, error))
        return NULL;
      _cairn_core_settle (self);
    }
  if (!self->in_group)
    {
      if (!pg_begin (self, error))
        return NULL;
      self->in_group = TRUE;
      g_free (pg->group_ws);
      pg->group_ws = g_strdup (workspace_id);
      g_hash_table_remove_all (pg->group_roles);
    }
  /* No savepoint: a push refused for what it asks (a gap, not a member)
   * fails before it writes anything, so it leaves the group as it was. A
   * statement that failed (the database's error) aborted the transaction:
   * the whole group is lost and reported so, and its clients push again. */
  reply = push_locked (self, auth, workspace_id, events, out_appended,
                       out_gap_client_id, out_expected, &local_error);
  if (reply == NULL)
    {
      g_clear_pointer (out_appended, g_ptr_array_unref);
      if (PQtransactionStatus (pg->conn) != PQTRANS_INTRANS)
        drop_group (self, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&reply);
}

static gboolean
pg_commit_group (CairnServerCore  *self,
                 GError          **error)
{
  Pg *pg = pg_of (self);

  g_clear_pointer (&pg->group_ws, g_free);
  g_hash_table_remove_all (pg->group_roles);
  if (PQtransactionStatus (pg->conn) != PQTRANS_INTRANS)
    {
      pg_rollback (self);
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL,
                   "The open group's transaction was lost: %s", PQerrorMessage (pg->conn));
      return FALSE;
    }
  return pg_commit (self, error);
}

/* The columns an event is read from, and the reader of one row of them
 * (pull and object_events). */
#define EVENT_COLUMNS "seq, client_id, client_seq, name, version, args, created_at, device, chain, username"

static CairnWireEvent *
read_event (PGresult *res,
            int       row)
{
  CairnWireEvent *ev = cairn_wire_event_new (col_text (res, row, 3), col_int (res, row, 4),
                                             col_text (res, row, 5), col_text (res, row, 1),
                                             col_int (res, row, 2), col_int (res, row, 6));

  ev->seq = col_int (res, row, 0);
  if (!PQgetisnull (res, row, 7))
    ev->device = g_strdup (col_text (res, row, 7));
  if (!PQgetisnull (res, row, 8))
    ev->chain = g_strdup (col_text (res, row, 8));
  if (!PQgetisnull (res, row, 9))
    ev->user = g_strdup (col_text (res, row, 9));
  return ev;
}

static CairnPullReply *
pg_pull (CairnServerCore  *self,
         const CairnAuth  *auth,
         const char       *workspace_id,
         gint64            after,
         guint             limit,
         GError          **error)
{
  g_autoptr(CairnPullReply) reply = g_new0 (CairnPullReply, 1);
  g_autoptr(PGresult) res = NULL;
  gsize bytes = 0;
  int n;

  g_autoptr(PGresult) ws = NULL;

  /* Two round trips: the head (with the membership check), then the page
   * up to that head. Events up to a head are committed with it, so the
   * page is the log as it was at that head, whatever commits meanwhile. */
  if (!(ws = pg_query (self, error, "Cannot read a workspace's head",
                       "SELECT w.head, w.history_id, m.role FROM workspaces w "
                       "LEFT JOIN members m ON m.workspace_id = $1 AND m.user_id = $2 WHERE w.id = $1",
                       "ti", workspace_id, auth->user_id)))
    return NULL;
  if (PQntuples (ws) == 0 || PQgetisnull (ws, 0, 2))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No workspace %s", workspace_id);
      return NULL;
    }
  reply->head = col_int (ws, 0, 0);
  reply->history_id = g_strdup (col_text (ws, 0, 1));
  if (!(res = pg_query (self, error, "Cannot read the log",
                        "SELECT " EVENT_COLUMNS " FROM events WHERE workspace_id = $1 AND seq > $2 AND seq <= $4 "
                        "ORDER BY seq LIMIT $3",
                        "tiii", workspace_id, after, (gint64) limit + 1, reply->head)))
    return NULL;
  reply->events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  n = PQntuples (res);
  for (int i = 0; i < n; i++)
    {
      CairnWireEvent *ev;
      gsize size;

      if (reply->events->len == limit)
        {
          reply->more = TRUE;
          break;
        }
      ev = read_event (res, i);
      /* Keep the page within MAX_PAGE_BYTES (one event always fits). */
      size = cairn_wire_event_size_bound (ev);
      if (reply->events->len > 0 && bytes + size > CAIRN_PROTOCOL_MAX_PAGE_BYTES - 4096)
        {
          cairn_wire_event_free (ev);
          reply->more = TRUE;
          break;
        }
      bytes += size;
      g_ptr_array_add (reply->events, ev);
    }
  return g_steal_pointer (&reply);
}

/* ---- watching other instances' commits ------------------------------- */

static void listen_lost (CairnServerCore *self);

static gboolean
on_listen_readable (int           fd,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  CairnServerCore *self = user_data;
  Pg *pg = pg_of (self);
  PGnotify *n;

  if (!PQconsumeInput (pg->listen_conn) || PQstatus (pg->listen_conn) != CONNECTION_OK)
    {
      pg->listen_source = 0;
      listen_lost (self);
      return G_SOURCE_REMOVE;
    }
  while ((n = PQnotifies (pg->listen_conn)) != NULL)
    {
      const char *space = strrchr (n->extra, ' ');

      if (space != NULL)
        {
          g_autofree char *ws = g_strndup (n->extra, space - n->extra);

          pg->commit_func (ws, g_ascii_strtoll (space + 1, NULL, 10), pg->commit_data);
        }
      PQfreemem (n);
    }
  return G_SOURCE_CONTINUE;
}

/* Opens the LISTEN connection; FALSE with the error when it cannot. */
static gboolean
listen_open (CairnServerCore  *self,
             GError          **error)
{
  Pg *pg = pg_of (self);
  g_autoptr(PGresult) res = NULL;

  g_clear_pointer (&pg->listen_conn, PQfinish);
  pg->listen_conn = PQconnectdb (pg->uri);
  if (PQstatus (pg->listen_conn) == CONNECTION_OK)
    res = PQexec (pg->listen_conn, "LISTEN cairn_commits");
  if (PQstatus (pg->listen_conn) != CONNECTION_OK || PQresultStatus (res) != PGRES_COMMAND_OK ||
      PQsetnonblocking (pg->listen_conn, 1) != 0)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL,
                   "Cannot listen for other instances' commits: %s", PQerrorMessage (pg->listen_conn));
      g_clear_pointer (&pg->listen_conn, PQfinish);
      return FALSE;
    }
  pg->listen_source = g_unix_fd_add (PQsocket (pg->listen_conn), G_IO_IN | G_IO_ERR | G_IO_HUP,
                                     on_listen_readable, self);
  return TRUE;
}

static gboolean
on_listen_reconnect (gpointer user_data)
{
  CairnServerCore *self = user_data;
  Pg *pg = pg_of (self);
  g_autoptr(GError) error = NULL;

  if (!listen_open (self, &error))
    return G_SOURCE_CONTINUE;
  g_message ("Listening for other instances' commits again");
  pg->reconnect_source = 0;
  /* What was committed while nobody listened. */
  pg->commit_func (NULL, 0, pg->commit_data);
  return G_SOURCE_REMOVE;
}

/* The LISTEN connection broke (PostgreSQL restarted, say): retried every
 * second; meanwhile the periodic catch-up keeps live sockets fed. */
static void
listen_lost (CairnServerCore *self)
{
  Pg *pg = pg_of (self);

  g_warning ("Lost the connection that listens for other instances' commits: %s",
             PQerrorMessage (pg->listen_conn));
  g_clear_pointer (&pg->listen_conn, PQfinish);
  if (pg->reconnect_source == 0)
    pg->reconnect_source = g_timeout_add_seconds (1, on_listen_reconnect, self);
}

static gboolean
on_catch_up (gpointer user_data)
{
  CairnServerCore *self = user_data;
  Pg *pg = pg_of (self);

  pg->commit_func (NULL, 0, pg->commit_data);
  return G_SOURCE_CONTINUE;
}

gboolean
cairn_server_core_watch_commits (CairnServerCore     *self,
                                 CairnCoreCommitFunc  func,
                                 gpointer             user_data,
                                 guint                catch_up_ms,
                                 GError             **error)
{
  Pg *pg;

  if (self->backend != &pg_backend)
    return TRUE;
  pg = pg_of (self);
  g_return_val_if_fail (pg->commit_func == NULL, FALSE);
  pg->commit_func = func;
  pg->commit_data = user_data;
  /* For tests only: no notifications, so that the periodic catch-up is
   * all that feeds live sockets with other instances' events. */
  if (g_strcmp0 (g_getenv ("CAIRN_SERVER_TEST_NO_LISTEN"), "1") != 0 &&
      !listen_open (self, error))
    return FALSE;
  if (catch_up_ms > 0)
    pg->catch_up_source = g_timeout_add (catch_up_ms, on_catch_up, self);
  return TRUE;
}

/* ---- open / close --------------------------------------------------------- */

/* ---- snapshots (cairn-server-core-snapshots.c has the SQLite twins) ------ */

/* Runs sql (not prepared) with n parameters, text but for those whose
 * format is 1 (binary: a bytea's bytes, lengths[i] long), every column of
 * the result in binary: a bytea as its bytes, a text as its characters
 * (so the queries select numbers ::text). For the snapshots' blobs, which
 * the hex text form would double. */
static PGresult *
pg_query_binary (CairnServerCore    *self,
                 GError            **error,
                 const char         *what,
                 const char         *sql,
                 int                 n,
                 const char * const *values,
                 const int          *lengths,
                 const int          *formats)
{
  Pg *pg = pg_of (self);
  PGresult *res;
  ExecStatusType status;

  if (!pg_ensure (self, error))
    return NULL;
  res = PQexecParams (pg->conn, sql, n, NULL, values, lengths, formats, 1);
  status = PQresultStatus (res);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR,
                   error_code_for (PQresultErrorField (res, PG_DIAG_SQLSTATE)),
                   "%s in PostgreSQL: %s", what,
                   res ? PQresultErrorMessage (res) : PQerrorMessage (pg->conn));
      PQclear (res);
      return NULL;
    }
  return res;
}

/* The seq (::text) and blob (bytea) columns of a binary result's row 0. */
static GBytes *
read_seq_blob (PGresult *res,
               gint64   *out_seq)
{
  *out_seq = g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
  return g_bytes_new (PQgetvalue (res, 0, 1), PQgetlength (res, 0, 1));
}

static gboolean
pg_snapshot_due (CairnServerCore  *self,
                 const char       *workspace_id,
                 gint64            every_events,
                 gint64            min_interval_ms,
                 gint64            now,
                 gboolean         *out_due,
                 GError          **error)
{
  g_autoptr(PGresult) res = NULL;

  *out_due = FALSE;
  if (!(res = pg_query (self, error, "Cannot read the snapshots",
                        "SELECT w.head - coalesce (max (s.seq), 0), coalesce (max (s.made_at), 0) "
                        "FROM workspaces w LEFT JOIN snapshots s ON s.workspace_id = $1 "
                        "AND s.history_id = w.history_id WHERE w.id = $1 GROUP BY w.head",
                        "t", workspace_id)))
    return FALSE;
  if (PQntuples (res) == 1)
    *out_due = col_int (res, 0, 0) >= every_events && now - col_int (res, 0, 1) >= min_interval_ms;
  return TRUE;
}

static GBytes *
pg_snapshot_latest (CairnServerCore  *self,
                    const char       *workspace_id,
                    gint64            head,
                    const char       *history_id,
                    guint            *out_dropped,
                    gint64           *out_seq,
                    GError          **error)
{
  g_autoptr(PGresult) del = NULL;
  g_autoptr(PGresult) res = NULL;

  *out_dropped = 0;
  if (!(del = pg_query (self, error, "Cannot drop snapshots ahead of the log",
                        "DELETE FROM snapshots WHERE workspace_id = $1 AND (seq > $2 OR history_id <> $3)",
                        "tit", workspace_id, head, history_id)))
    return NULL;
  *out_dropped = (guint) g_ascii_strtoull (PQcmdTuples (del), NULL, 10);
  {
    const char *values[] = { workspace_id };

    if (!(res = pg_query_binary (self, error, "Cannot read the snapshots",
                                 "SELECT seq::text, blob FROM snapshots WHERE workspace_id = $1 "
                                 "ORDER BY seq DESC LIMIT 1", 1, values, NULL, NULL)))
      return NULL;
  }
  if (PQntuples (res) == 0)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "This workspace has no snapshot yet");
      return NULL;
    }
  return read_seq_blob (res, out_seq);
}

static GBytes *
pg_snapshot_base (CairnServerCore  *self,
                  const char       *workspace_id,
                  gint64            head,
                  const char       *history_id,
                  gint64           *out_seq,
                  GError          **error)
{
  g_autoptr(PGresult) res = NULL;
  g_autofree char *head_text = g_strdup_printf ("%" G_GINT64_FORMAT, head);
  const char *values[] = { workspace_id, head_text, history_id };

  *out_seq = 0;
  if (!(res = pg_query_binary (self, error, "Cannot read the snapshots",
                               "SELECT seq::text, blob FROM snapshots WHERE workspace_id = $1 "
                               "AND seq <= $2::bigint AND history_id = $3 ORDER BY seq DESC LIMIT 1",
                               3, values, NULL, NULL)))
    return NULL;
  if (PQntuples (res) == 0)
    return NULL;
  return read_seq_blob (res, out_seq);
}

static gboolean
pg_snapshot_store (CairnServerCore  *self,
                   const char       *workspace_id,
                   gint64            seq,
                   const char       *history_id,
                   gint64            made_at,
                   GBytes           *blob,
                   guint             kept,
                   GError          **error)
{
  g_autoptr(PGresult) ins = NULL;
  g_autoptr(PGresult) prune = NULL;
  g_autofree char *seq_text = g_strdup_printf ("%" G_GINT64_FORMAT, seq);
  g_autofree char *made_text = g_strdup_printf ("%" G_GINT64_FORMAT, made_at);
  g_autofree char *bytes_text = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (blob));
  const char *values[] = { workspace_id, seq_text, history_id, made_text, bytes_text,
                           g_bytes_get_data (blob, NULL) };
  const int lengths[] = { 0, 0, 0, 0, 0, (int) g_bytes_get_size (blob) };
  const int formats[] = { 0, 0, 0, 0, 0, 1 };

  g_return_val_if_fail (g_bytes_get_size (blob) <= G_MAXINT, FALSE);

  if (!pg_begin (self, error))
    return FALSE;
  /* Another instance may have stored the same one: it is the same state
   * (the same log, the same reducers), and the first stays. */
  if (!(ins = pg_query_binary (self, error, "Cannot store the snapshot",
                               "INSERT INTO snapshots (workspace_id, seq, history_id, made_at, bytes, blob) "
                               "VALUES ($1, $2::bigint, $3, $4::bigint, $5::bigint, $6::bytea) "
                               "ON CONFLICT (workspace_id, seq) DO NOTHING",
                               6, values, lengths, formats)) ||
      !(prune = pg_query (self, error, "Cannot store the snapshot",
                          "DELETE FROM snapshots WHERE workspace_id = $1 AND seq NOT IN "
                          "(SELECT seq FROM snapshots WHERE workspace_id = $1 ORDER BY seq DESC LIMIT $2)",
                          "ti", workspace_id, (gint64) kept)) ||
      !pg_commit (self, error))
    {
      pg_rollback (self);
      return FALSE;
    }
  return TRUE;
}

static gboolean
pg_object_events (CairnServerCore  *self,
                  const char       *workspace_id,
                  const char       *object_id,
                  gint64            before,
                  guint             limit,
                  CairnPullReply   *reply,
                  GError          **error)
{
  g_autoptr(PGresult) res = NULL;
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", object_id);
  int n;

  if (!(res = pg_query (self, error, "Cannot read the log",
                        "SELECT " EVENT_COLUMNS " FROM events WHERE workspace_id = $1 AND seq < $2 "
                        "AND strpos (args, $3) > 0 ORDER BY seq DESC LIMIT $4",
                        "titi", workspace_id, before, quoted, (gint64) limit + 1)))
    return FALSE;
  reply->events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  n = PQntuples (res);
  for (int i = 0; i < n; i++)
    {
      if (reply->events->len == limit)
        {
          reply->more = TRUE;
          break;
        }
      g_ptr_array_insert (reply->events, 0, read_event (res, i));
    }
  return TRUE;
}

const char *
cairn_server_core_get_database_uri (CairnServerCore *self)
{
  return self->backend == &pg_backend ? pg_of (self)->uri : NULL;
}

static void
pg_close (CairnServerCore *self)
{
  Pg *pg = pg_of (self);

  if (pg == NULL)
    return;
  g_clear_handle_id (&pg->listen_source, g_source_remove);
  g_clear_handle_id (&pg->reconnect_source, g_source_remove);
  g_clear_handle_id (&pg->catch_up_source, g_source_remove);
  g_clear_pointer (&pg->listen_conn, PQfinish);
  if (pg->conn != NULL)
    PQfinish (pg->conn);
  g_clear_pointer (&pg->prepared, g_hash_table_unref);
  g_clear_pointer (&pg->guesses, g_hash_table_unref);
  g_clear_pointer (&pg->group_roles, g_hash_table_unref);
  g_free (pg->group_ws);
  g_free (pg->uri);
  g_free (pg);
  self->backend_data = NULL;
}

static const CairnCoreBackend pg_backend = {
  .name = "postgresql",
  .close = pg_close,
  .user_add = pg_user_add,
  .user_passwd = pg_user_passwd,
  .user_remove = pg_user_remove,
  .user_list = pg_user_list,
  .user_id = pg_user_id,
  .user_pwhash = pg_user_pwhash,
  .session_insert = pg_session_insert,
  .session_find = pg_session_find,
  .session_touch = pg_session_touch,
  .session_allowed = pg_session_allowed,
  .sessions = pg_sessions,
  .session_revoke = pg_session_revoke,
  .workspaces = pg_workspaces,
  .workspace_create = pg_workspace_create,
  .member_role = pg_member_role,
  .members = pg_members,
  .member_add = pg_member_add,
  .member_remove = pg_member_remove,
  .admin_workspaces = pg_admin_workspaces,
  .admin_owner_auth = pg_admin_owner_auth,
  .push = pg_push,
  .commit_group = pg_commit_group,
  .pull = pg_pull,
  .head = pg_head,
  .chain_at = pg_chain_at,
  .snapshot_due = pg_snapshot_due,
  .snapshot_latest = pg_snapshot_latest,
  .snapshot_base = pg_snapshot_base,
  .snapshot_store = pg_snapshot_store,
  .object_events = pg_object_events,
};

gboolean
cairn_server_core_is_database_uri (const char *location)
{
  return location != NULL &&
         (g_str_has_prefix (location, "postgresql://") || g_str_has_prefix (location, "postgres://"));
}

CairnServerCore *
cairn_server_core_open_database (const char                   *uri,
                                 const CairnServerCoreOptions *options,
                                 GError                      **error)
{
  g_autoptr(CairnServerCore) self = NULL;
  Pg *pg;

  g_return_val_if_fail (uri != NULL, NULL);

  if (!cairn_server_core_is_database_uri (uri))
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                           "The database must be a PostgreSQL connection URI "
                           "(postgresql://USER@HOST/DATABASE)");
      return NULL;
    }
  if (!(self = _cairn_core_new (options, error)))
    return NULL;
  pg = g_new0 (Pg, 1);
  pg->uri = g_strdup (uri);
  pg->prepared = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  pg->guesses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, push_guess_free);
  pg->group_roles = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->backend = &pg_backend;
  self->backend_data = pg;
  self->path = g_strdup ("the PostgreSQL database");
  pg->conn = PQconnectdb (uri);
  if (PQstatus (pg->conn) != CONNECTION_OK)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL,
                   "Cannot connect to PostgreSQL: %s", PQerrorMessage (pg->conn));
      return NULL;
    }
  if (!set_session (pg->conn))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL,
                   "Cannot set up the PostgreSQL session: %s", PQerrorMessage (pg->conn));
      return NULL;
    }
  if (!prepare_schema (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
cairn_server_core_backend_name (CairnServerCore *self)
{
  return self->backend != NULL ? self->backend->name : "sqlite";
}

/* ---- migrate: a data folder into an empty database ------------------------ */

/* Appends text as a field of COPY's text format. */
static void
copy_field (GString    *line,
            const char *text)
{
  if (text == NULL)
    {
      g_string_append (line, "\\N");
      return;
    }
  for (const char *p = text; *p != '\0'; p++)
    switch (*p)
      {
      case '\\': g_string_append (line, "\\\\"); break;
      case '\t': g_string_append (line, "\\t"); break;
      case '\n': g_string_append (line, "\\n"); break;
      case '\r': g_string_append (line, "\\r"); break;
      default: g_string_append_c (line, *p);
      }
}

/* Copies every row of an SQLite query into a PostgreSQL table with COPY
 * (in the open transaction); *out_rows says how many. */
static gboolean
copy_table (CairnServerCore  *from,
            CairnServerCore  *to,
            const char       *select_sql,
            const char       *copy_sql,
            guint64          *out_rows,
            GError          **error)
{
  PGconn *conn = pg_of (to)->conn;
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autoptr(GString) buf = g_string_sized_new (1 << 20);
  g_autoptr(PGresult) res = NULL;
  int rc, cols;

  *out_rows = 0;
  if (sqlite3_prepare_v2 (from->db, select_sql, -1, &st, NULL) != SQLITE_OK)
    return _cairn_core_db_error (from, error, "Cannot read the data folder");
  res = PQexec (conn, copy_sql);
  if (PQresultStatus (res) != PGRES_COPY_IN)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                   "Cannot copy into PostgreSQL (%s): %s", copy_sql, PQerrorMessage (conn));
      return FALSE;
    }
  g_clear_pointer (&res, PQclear);
  cols = sqlite3_column_count (st);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      for (int c = 0; c < cols; c++)
        {
          if (c > 0)
            g_string_append_c (buf, '\t');
          copy_field (buf, (const char *) sqlite3_column_text (st, c));
        }
      g_string_append_c (buf, '\n');
      (*out_rows)++;
      if (buf->len > (1 << 20) - 4096 || (*out_rows % 10000) == 0)
        {
          if (PQputCopyData (conn, buf->str, buf->len) != 1)
            break;
          g_string_truncate (buf, 0);
        }
    }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      PQputCopyEnd (conn, "the data folder could not be read");
      while ((res = PQgetResult (conn)) != NULL)
        PQclear (res);
      return _cairn_core_db_error (from, error, "Cannot read the data folder");
    }
  if ((buf->len > 0 && PQputCopyData (conn, buf->str, buf->len) != 1) ||
      PQputCopyEnd (conn, NULL) != 1)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                   "Cannot copy into PostgreSQL: %s", PQerrorMessage (conn));
      return FALSE;
    }
  res = PQgetResult (conn);
  if (PQresultStatus (res) != PGRES_COMMAND_OK)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                   "Cannot copy into PostgreSQL (%s): %s", copy_sql, PQresultErrorMessage (res));
      PQclear (res);
      while ((res = PQgetResult (conn)) != NULL)
        PQclear (res);
      return FALSE;
    }
  PQclear (res);
  while ((res = PQgetResult (conn)) != NULL)
    PQclear (res);
  return TRUE;
}

/* Copies the data folder's snapshots (in the open transaction), blob for
 * blob: their headers carry the state hash (docs/protocol.md,
 * "Snapshots"), so a migrated server offers bootstrap at once, exactly as
 * the folder did, instead of waiting for a maker to re-make them from a
 * log that may be long. One INSERT per row with the blob as a binary
 * parameter (COPY's text format would escape every byte); the rows are
 * few (CAIRN_CORE_SNAPSHOTS_KEPT per workspace). Their ids are not kept:
 * nothing refers to them. */
static gboolean
copy_snapshots (CairnServerCore  *from,
                CairnServerCore  *to,
                guint64          *out_rows,
                GError          **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  *out_rows = 0;
  if (sqlite3_prepare_v2 (from->db, "SELECT workspace_id, seq, history_id, made_at, bytes, blob "
                                    "FROM snapshots ORDER BY workspace_id, seq", -1, &st, NULL) != SQLITE_OK)
    return _cairn_core_db_error (from, error, "Cannot read the data folder's snapshots");
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      g_autoptr(PGresult) res = NULL;
      const char *values[6];
      int lengths[6] = { 0 };
      const int formats[6] = { 0, 0, 0, 0, 0, 1 };

      for (int c = 0; c < 5; c++)
        values[c] = (const char *) sqlite3_column_text (st, c);
      values[5] = sqlite3_column_blob (st, 5);
      lengths[5] = sqlite3_column_bytes (st, 5);
      if (values[5] == NULL)
        values[5] = "";
      if (!(res = pg_query_binary (to, error, "Cannot copy a snapshot",
                                   "INSERT INTO snapshots (workspace_id, seq, history_id, made_at, bytes, blob) "
                                   "VALUES ($1, $2::bigint, $3, $4::bigint, $5::bigint, $6::bytea)",
                                   6, values, lengths, formats)))
        return FALSE;
      (*out_rows)++;
    }
  if (rc != SQLITE_DONE)
    return _cairn_core_db_error (from, error, "Cannot read the data folder's snapshots");
  return TRUE;
}

gboolean
cairn_server_core_migrate_to_database (const char  *data_dir,
                                       const char  *uri,
                                       GString     *report,
                                       GError     **error)
{
  static const struct { const char *name, *select_sql, *copy_sql; } tables[] = {
    { "users", "SELECT id, username, pwhash, created_at FROM users ORDER BY id",
      "COPY users (id, username, pwhash, created_at) FROM STDIN" },
    { "sessions", "SELECT id, user_id, token_hash, device, created_at, last_used_at FROM sessions",
      "COPY sessions (id, user_id, token_hash, device, created_at, last_used_at) FROM STDIN" },
    { "workspaces", "SELECT id, name, personal, history_id, head, created_at FROM workspaces",
      "COPY workspaces (id, name, personal, history_id, head, created_at) FROM STDIN" },
    { "members", "SELECT workspace_id, user_id, role, added_at FROM members",
      "COPY members (workspace_id, user_id, role, added_at) FROM STDIN" },
    { "events", "SELECT workspace_id, seq, client_id, client_seq, name, version, args, created_at, device, chain, "
                "username FROM events ORDER BY workspace_id, seq",
      "COPY events (workspace_id, seq, client_id, client_seq, name, version, args, created_at, device, chain, "
      "username) FROM STDIN" },
    { "clients", "SELECT workspace_id, client_id, last_seq FROM clients",
      "COPY clients (workspace_id, client_id, last_seq) FROM STDIN" },
  };
  g_autoptr(CairnServerCore) from = NULL;
  g_autoptr(CairnServerCore) to = NULL;
  g_autoptr(PGresult) count = NULL;
  g_autoptr(PGresult) seq = NULL;

  /* Opening runs the data folder's own migrations and repairs first. */
  if (!(from = cairn_server_core_open (data_dir, NULL, error)) ||
      !(to = cairn_server_core_open_database (uri, NULL, error)))
    return FALSE;
  if (!pg_exec (to, "BEGIN", error) ||
      /* No instance may write while the copy runs. */
      !pg_exec (to, "LOCK TABLE users, sessions, workspaces, members, events, clients, snapshots "
                "IN EXCLUSIVE MODE", error) ||
      !(count = pg_query (to, error, "Cannot check that the database is empty",
                          "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM workspaces) + "
                          "(SELECT count(*) FROM events) + (SELECT count(*) FROM sessions) + "
                          "(SELECT count(*) FROM snapshots)", "")))
    goto fail;
  if (col_int (count, 0, 0) != 0)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ALREADY_EXISTS,
                   "The PostgreSQL database %s is not empty (it has users, workspaces or events); "
                   "migrate only into a new, empty database", PQdb (pg_of (to)->conn));
      goto fail;
    }
  if (sqlite3_exec (from->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    {
      _cairn_core_db_error (from, error, "Cannot read the data folder");
      goto fail;
    }
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      guint64 rows;

      if (!copy_table (from, to, tables[i].select_sql, tables[i].copy_sql, &rows, error))
        {
          sqlite3_exec (from->db, "ROLLBACK", NULL, NULL, NULL);
          goto fail;
        }
      if (report != NULL)
        g_string_append_printf (report, "%s%" G_GUINT64_FORMAT " %s", i > 0 ? ", " : "", rows, tables[i].name);
    }
  {
    guint64 rows;

    if (!copy_snapshots (from, to, &rows, error))
      {
        sqlite3_exec (from->db, "ROLLBACK", NULL, NULL, NULL);
        goto fail;
      }
    if (report != NULL)
      g_string_append_printf (report, ", %" G_GUINT64_FORMAT " snapshots", rows);
  }
  sqlite3_exec (from->db, "ROLLBACK", NULL, NULL, NULL);
  /* New users go on after the copied ids. */
  if (!(seq = pg_query (to, error, "Cannot set the next user id",
                        "SELECT setval(pg_get_serial_sequence('users', 'id'), "
                        "(SELECT COALESCE(max(id), 0) + 1 FROM users), false)", "")) ||
      !pg_commit (to, error))
    goto fail;
  return TRUE;

fail:
  if (to != NULL)
    pg_rollback (to);
  return FALSE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-core-schema.c: the schema, its version, and repairing
 * what older versions stored. */
#define G_LOG_DOMAIN "cairn-server-core"
#include "config.h"

#include <string.h>

#include "cairn-chain.h"
#include "cairn-json-guard.h"
#include "cairn-server-core-private.h"

#define SCHEMA_VERSION 3

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
  "  chain TEXT,"
  "  username TEXT,"
  "  PRIMARY KEY (workspace_id, seq),"
  "  UNIQUE (workspace_id, client_id, client_seq)) WITHOUT ROWID;"
  "CREATE TABLE clients ("
  "  workspace_id TEXT NOT NULL,"
  "  client_id TEXT NOT NULL,"
  "  last_seq INTEGER NOT NULL,"
  "  PRIMARY KEY (workspace_id, client_id)) WITHOUT ROWID;";

/* Schema 1 -> 2: every stored event gets the chain of its workspace's log
 * up to it (cairn-chain.h), computed in seq order per workspace. */
static gboolean
fill_chains (CairnServerCore  *self,
             GError          **error)
{
  g_autoptr(sqlite3_stmt) scan = NULL;
  g_autoptr(sqlite3_stmt) up = NULL;
  g_autofree char *workspace = NULL;
  g_autofree char *chain = NULL;
  int rc;

  if (sqlite3_prepare_v2 (self->db, "SELECT workspace_id, seq, client_id, client_seq FROM events "
                          "ORDER BY workspace_id, seq", -1, &scan, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (self->db, "UPDATE events SET chain = ? WHERE workspace_id = ? AND seq = ?",
                          -1, &up, NULL) != SQLITE_OK)
    return _cairn_core_db_error (self, error, "Cannot compute the chains of the stored logs");
  while ((rc = sqlite3_step (scan)) == SQLITE_ROW)
    {
      const char *ws = (const char *) sqlite3_column_text (scan, 0);
      char *next;

      if (g_strcmp0 (ws, workspace) != 0)
        {
          g_free (workspace);
          workspace = g_strdup (ws);
          g_free (chain);
          chain = g_strdup (CAIRN_CHAIN_ZERO);
        }
      next = cairn_chain_next (chain, (const char *) sqlite3_column_text (scan, 2),
                               sqlite3_column_int64 (scan, 3));
      g_free (chain);
      chain = next;
      if (sqlite3_bind_text (up, 1, chain, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
          sqlite3_bind_text (up, 2, workspace, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
          sqlite3_bind_int64 (up, 3, sqlite3_column_int64 (scan, 1)) != SQLITE_OK ||
          sqlite3_step (up) != SQLITE_DONE ||
          sqlite3_reset (up) != SQLITE_OK)
        return _cairn_core_db_error (self, error, "Cannot store the chain of a stored event");
    }
  if (rc != SQLITE_DONE)
    return _cairn_core_db_error (self, error, "Cannot compute the chains of the stored logs");
  return TRUE;
}

/* Schema 2 -> 3 (issue 15): the name of the user who pushed each event,
 * sent as "user". Events stored before stay without it (NULL): who pushed
 * them was never recorded. */
static gboolean
add_event_users (CairnServerCore  *self,
                 GError          **error)
{
  return _cairn_core_exec (self, "ALTER TABLE events ADD COLUMN username TEXT", error);
}

static gboolean
migrate (CairnServerCore *self,
         GError         **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  gint64 version;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
      sqlite3_step (st) != SQLITE_ROW)
    return _cairn_core_db_error (self, error, "Cannot read the schema version");
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
  if (!_cairn_core_begin (self, error))
    return FALSE;
  if ((version == 0 && !_cairn_core_exec (self, schema_sql, error)) ||
      (version == 1 && (!_cairn_core_exec (self, "ALTER TABLE events ADD COLUMN chain TEXT", error) ||
                        !fill_chains (self, error))) ||
      ((version == 1 || version == 2) && !add_event_users (self, error)) ||
      !_cairn_core_exec (self, "PRAGMA user_version = 3", error) ||
      !_cairn_core_commit (self, error))
    {
      _cairn_core_rollback (self);
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
    return _cairn_core_db_error (self, error, "Cannot look for args to repair");
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
    return _cairn_core_db_error (self, error, "Cannot look for args to repair");
  if (fixes->len == 0)
    return TRUE;
  if (!_cairn_core_begin (self, error))
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
          _cairn_core_db_error (self, error, "Cannot repair stored args");
          _cairn_core_rollback (self);
          return FALSE;
        }
    }
  if (!_cairn_core_commit (self, error))
    {
      _cairn_core_rollback (self);
      return FALSE;
    }
  *n_repaired = fixes->len / 3;
  return TRUE;
}

gboolean
_cairn_core_prepare_schema (CairnServerCore *self,
                            GError         **error)
{
  guint n = 0;

  if (!migrate (self, error) ||
      !repair_stored_args (self, &n, error))
    return FALSE;
  if (n > 0)
    g_message ("Repaired the args of %u stored events (numbers written as text that is not JSON; "
               "see docs/protocol.md)", n);
  return TRUE;
}

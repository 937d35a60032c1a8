/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-schema.c: opening a workspace file, refusing foreign or newer
 * ones untouched, and migrating older ones with PRAGMA user_version. */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "cairn-chain.h"
#include "cairn-store-private.h"
#include "cairn-store-history-private.h"
#include "cairn-store-search-private.h"

/* The state tables are WITHOUT ROWID: their key is the object id, and one
 * b-tree instead of two means fewer pages written per change.
 *
 * migrations[i] takes a database from user_version i to i + 1. Never edit
 * a step that has shipped: add a new one, and keep a fixture of the old
 * schema under tests/data/fixtures/ (test-store-schema.c migrates each). */
static const char * const migrations[] = {
  /* 0 -> 1: the first schema. */
  "CREATE TABLE meta ("
  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
  "  client_id TEXT NOT NULL,"
  "  head INTEGER NOT NULL DEFAULT 0,"
  "  history_id TEXT,"
  "  next_client_seq INTEGER NOT NULL DEFAULT 1"
  ");"
  "CREATE TABLE lists ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  title TEXT NOT NULL,"
  "  position TEXT NOT NULL,"
  "  deleted INTEGER NOT NULL DEFAULT 0"
  ") WITHOUT ROWID;"
  "CREATE INDEX lists_by_position ON lists (position, id);"
  "CREATE TABLE todos ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  list_id TEXT NOT NULL REFERENCES lists (id),"
  "  title TEXT NOT NULL,"
  "  position TEXT NOT NULL,"
  "  done INTEGER NOT NULL DEFAULT 0,"
  "  due TEXT,"
  "  deleted INTEGER NOT NULL DEFAULT 0"
  ") WITHOUT ROWID;"
  "CREATE INDEX todos_by_list ON todos (list_id, position, id);"
  "CREATE TABLE notes ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  title TEXT NOT NULL,"
  "  body TEXT NOT NULL DEFAULT '',"
  "  created_at INTEGER NOT NULL,"
  "  deleted INTEGER NOT NULL DEFAULT 0"
  ") WITHOUT ROWID;"
  "CREATE TABLE log ("
  "  seq INTEGER PRIMARY KEY,"
  "  client_id TEXT NOT NULL,"
  "  client_seq INTEGER NOT NULL,"
  "  name TEXT NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  args TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  device TEXT,"
  "  skipped INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX log_by_client ON log (client_id, client_seq);"
  "CREATE TABLE pending ("
  "  client_seq INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  args TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  changeset BLOB NOT NULL"
  ");",
  /* 1 -> 2: the text CRDT of each note body (data/text/, note.edited). Not
   * recorded in changesets: text merges, it never needs rolling back. */
  "CREATE TABLE note_bodies ("
  "  note_id TEXT PRIMARY KEY NOT NULL,"
  "  crdt BLOB NOT NULL"
  ");",
  /* 2 -> 3: text ops merged since a note's CRDT was last written whole.
   * A note's body is note_bodies.crdt with these applied in seq order;
   * cairn-store-text.c folds them back into crdt from time to time. */
  "CREATE TABLE note_body_ops ("
  "  seq INTEGER PRIMARY KEY,"
  "  note_id TEXT NOT NULL,"
  "  ops BLOB NOT NULL"
  ");"
  "CREATE INDEX note_body_ops_by_note ON note_body_ops (note_id, seq);",
  /* 3 -> 4: notes.body becomes derived state, written lazily. A note.edited
   * records only the note's new CRDT version in note_versions (a state
   * table, in changesets); note_body_versions (not in changesets) says
   * which version the text in notes.body is of. A file that has text is
   * rebuilt once when opened (meta.rebuild), so that its notes get their
   * versions and its pending changesets the new form. */
  "CREATE TABLE note_versions ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  version BLOB NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE note_body_versions ("
  "  note_id TEXT PRIMARY KEY NOT NULL,"
  "  version BLOB NOT NULL"
  ") WITHOUT ROWID;"
  "ALTER TABLE meta ADD COLUMN rebuild INTEGER NOT NULL DEFAULT 0;"
  "UPDATE meta SET rebuild = EXISTS (SELECT 1 FROM note_bodies) OR "
  "  EXISTS (SELECT 1 FROM note_body_ops);",
  /* 4 -> 5: an index for counting the outbox. The pending rows carry their
   * changesets, so count(*) over the table reads every one of them (40 MB
   * after 100,000 changes); SQLite counts through the smallest index
   * instead, and one on version (the same small integer in every row) is a
   * few bytes an entry. No query looks pending up by version. */
  "CREATE INDEX pending_for_count ON pending (version);",
  /* 5 -> 6: events from the log whose object does not exist yet (a rename
   * before its create, a todo before its list) wait here and are applied
   * when the object appears (cairn-store-reducers.c). State: emptied by
   * rebuild, recorded by sessions. A file with a log is rebuilt once, so
   * that a log an older client left with effects before their causes
   * (pushed again after a server restore) gets them back. */
  "CREATE TABLE parked ("
  "  target TEXT NOT NULL,"
  "  ord INTEGER NOT NULL,"
  "  client_id TEXT NOT NULL,"
  "  client_seq INTEGER NOT NULL,"
  "  name TEXT NOT NULL,"
  "  version INTEGER NOT NULL,"
  "  args TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  PRIMARY KEY (target, ord, client_id, client_seq)"
  ") WITHOUT ROWID;"
  "UPDATE meta SET rebuild = 1 WHERE EXISTS (SELECT 1 FROM log);",
  /* 6 -> 7 (subtasks): a todo's parent todo, always in the same list (NULL:
   * top level), and gone_with, the deletion root a todo was deleted with
   * (set on the descendants a todo.deleted carried; todo.restored of that
   * root brings back exactly those). No rebuild: before schema 7 no event
   * could set either, so NULL is what every existing row means. */
  "ALTER TABLE todos ADD COLUMN parent_id TEXT;"
  "ALTER TABLE todos ADD COLUMN gone_with TEXT;"
  "CREATE INDEX todos_by_parent ON todos (parent_id, position, id);",
  /* 7 -> 8: the chained digest of the log up to each event (cairn-chain.h,
   * computed with the SQL function cairn_chain() that every connection of
   * the store registers), so that one comparison with the server's chain
   * proves a whole prefix of the log the same (docs/sync.md, "Server
   * restored from an older backup"). Existing rows get it in seq order
   * from 1; a row after a gap in seq (none expected) keeps NULL, which
   * means "unknown" and falls back to comparing events. */
  "ALTER TABLE log ADD COLUMN chain TEXT;"
  "WITH RECURSIVE c (seq, chain) AS ("
  "  SELECT 0, '" CAIRN_CHAIN_ZERO "'"
  "  UNION ALL"
  "  SELECT log.seq, cairn_chain (c.chain, log.client_id, log.client_seq)"
  "  FROM c JOIN log ON log.seq = c.seq + 1)"
  "UPDATE log SET chain = c.chain FROM c WHERE c.seq = log.seq;",
  /* 8 -> 9: priorities and tags. todos.priority (none, low,
   * medium, high); tags of the workspace (tombstoned like lists); which
   * todo carries which tag, one row per pair ever tagged, keyed
   * "TODO-ID/TAG-ID" so that a reducer writes one row by its id (tagged 0
   * after todo.untagged). A file with pending events is rebuilt once, so
   * that their changesets have the todos table's new column count. */
  "ALTER TABLE todos ADD COLUMN priority TEXT NOT NULL DEFAULT 'none';"
  "CREATE TABLE tags ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  name TEXT NOT NULL,"
  "  color TEXT NOT NULL,"
  "  deleted INTEGER NOT NULL DEFAULT 0"
  ") WITHOUT ROWID;"
  "CREATE TABLE todo_tags ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  todo_id TEXT NOT NULL,"
  "  tag_id TEXT NOT NULL,"
  "  tagged INTEGER NOT NULL DEFAULT 1"
  ") WITHOUT ROWID;"
  "CREATE INDEX todo_tags_by_todo ON todo_tags (todo_id, tag_id);"
  "CREATE INDEX todo_tags_by_tag ON todo_tags (tag_id, todo_id);"
  "UPDATE meta SET rebuild = 1 WHERE EXISTS (SELECT 1 FROM pending);",
  /* 9 -> 10: due times, reminders and repeats (issue 13). due_time
   * (HH:MM, wall clock), due_anchor (the due date a person last set; the
   * repeat rule counts from it, so a monthly rule on the 31st keeps the
   * 31st), reminder (a moment with its offset) and whether it was
   * dismissed, the repeat rule; and the completed occurrences of
   * repeating todos, keyed "TODO-ID/YYYY-MM-DD". Every due until now was
   * set by a person: it is its own anchor. A file with pending events is
   * rebuilt once, for the todos table's new column count. */
  "ALTER TABLE todos ADD COLUMN due_time TEXT;"
  "ALTER TABLE todos ADD COLUMN due_anchor TEXT;"
  "ALTER TABLE todos ADD COLUMN reminder TEXT;"
  "ALTER TABLE todos ADD COLUMN reminder_dismissed INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE todos ADD COLUMN repeat TEXT;"
  "UPDATE todos SET due_anchor = due WHERE due IS NOT NULL;"
  "CREATE TABLE todo_occurrences ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  todo_id TEXT NOT NULL,"
  "  occurrence TEXT NOT NULL,"
  "  completed_at INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE INDEX todo_occurrences_by_todo ON todo_occurrences (todo_id, occurrence);"
  "UPDATE meta SET rebuild = 1 WHERE EXISTS (SELECT 1 FROM pending);"
  /* (9 -> 10, continued) Notes on a task, on the same text CRDT as note bodies
   * (todo.notes_edited, cairn-store-text.c). Tables of their own, not the
   * notes' tables keyed by todo id: ids are unique per table only, and a
   * todo sharing a note's id must not share its text. todo_note_crdts and
   * todo_note_ops are the CRDT (outside changesets); todo_note_versions
   * is state (in changesets); todo_notes holds the text written lazily
   * and the version it is of (derived, outside changesets). These
   * tables add no column to any existing table. */
  "CREATE TABLE todo_note_crdts ("
  "  todo_id TEXT PRIMARY KEY NOT NULL,"
  "  crdt BLOB NOT NULL"
  ");"
  "CREATE TABLE todo_note_ops ("
  "  seq INTEGER PRIMARY KEY,"
  "  todo_id TEXT NOT NULL,"
  "  ops BLOB NOT NULL"
  ");"
  "CREATE INDEX todo_note_ops_by_todo ON todo_note_ops (todo_id, seq);"
  "CREATE TABLE todo_note_versions ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  version BLOB NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE todo_notes ("
  "  todo_id TEXT PRIMARY KEY NOT NULL,"
  "  version BLOB NOT NULL,"
  "  notes TEXT NOT NULL"
  ");"
  /* (9 -> 10, continued) The search index (cairn-store-search-private.h): derived,
   * local, outside changesets. Made stale here, so that the first search
   * builds it; the triggers mark every later change of a todo or a note.
   * And the open todos by due date, for the Today and Upcoming views
   * (cairn-pool-views.c): a partial index, so a todo without a due date,
   * done or deleted costs nothing. */
  CAIRN_SEARCH_TABLES_SQL
  CAIRN_SEARCH_TRIGGERS_SQL
  "CREATE INDEX todos_by_due ON todos (due) "
  "  WHERE due IS NOT NULL AND done = 0 AND deleted = 0;",
  /* 10 -> 11: pinned notes (note.pinned, note.unpinned) and when a note
   * was last edited, for the notes list (issue 14): notes.edited_at is
   * the latest created_at of the note's created and renamed events,
   * note_versions.edited_at that of its note.edited events (each table
   * in the changesets of the events that write it); the note's time is
   * the larger. A file with notes is rebuilt once, so that the times
   * come from its log (and pending changesets get the new column count). */
  "ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE notes ADD COLUMN edited_at INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE note_versions ADD COLUMN edited_at INTEGER NOT NULL DEFAULT 0;"
  "UPDATE notes SET edited_at = created_at;"
  "UPDATE meta SET rebuild = 1 WHERE EXISTS (SELECT 1 FROM notes) "
  "  OR EXISTS (SELECT 1 FROM pending);",
  /* 11 -> 12: the date views' sort keys, read from the index alone: the
   * open todos by (due, due_time, position, id) with their list, so that
   * building Today or Upcoming reads no row of todos (cairn-pool-views.c
   * makes a todo's object only when a row shows it). done and deleted
   * too, though the WHERE fixes them: SQLite 3.40 reads the row for the
   * columns of a partial index's WHERE that the index lacks. It replaces
   * todos_by_due, its first column. */
  "DROP INDEX todos_by_due;"
  "CREATE INDEX todos_by_date ON todos (due, due_time, position, id, list_id, done, deleted) "
  "  WHERE due IS NOT NULL AND done = 0 AND deleted = 0;",
  /* 12 -> 13 (issue 15, history): the user who pushed each confirmed
   * event (the server's "user"; NULL before, and from older servers), and
   * the log's index by object id (cairn-store-history-private.h), filled
   * from the log here; and activity_mark, the seq up to which this device
   * has seen the workspace's activity (local, never synced). */
  "ALTER TABLE log ADD COLUMN user_name TEXT;"
  "CREATE TABLE activity_mark ("
  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
  "  seq INTEGER NOT NULL"
  ");"
  CAIRN_HISTORY_INDEX_SQL,
  /* 13 -> 14: this device's undo stack (cairn-store-undo.c, issue 15):
   * the actions, newest last, and what each wrote and replaced, field by
   * field (a note's or a task's typing as the text ops it made). Local
   * only, never in changesets: rollback, rebase and rebuild leave it be. */
  CAIRN_STORE_UNDO_TABLES_SQL,
  /* 14 -> 15 (issue 14, perf14b): the search index with the posting
   * lists of 1-letter prefixes (cairn-store-search-private.h), made again
   * by the next search. */
  CAIRN_SEARCH_PREFIX_1_MIGRATION_SQL,
  /* 15 -> 16 (issue 17, the catch-up's fourth round): todos_by_parent
   * holds subtasks only (every query that uses it asks for one parent;
   * the top level is read through todos_by_list), so that a top-level
   * todo, nearly every todo, costs one index insert fewer; and the range
   * of log seqs a large batch left out of log_objects, filled later
   * (cairn-store-history.c, "the index's gap"; NULL: none). */
  "DROP INDEX todos_by_parent;"
  "CREATE INDEX todos_by_parent ON todos (parent_id, position, id) WHERE parent_id IS NOT NULL;"
  "ALTER TABLE meta ADD COLUMN history_gap_from INTEGER;"
  "ALTER TABLE meta ADD COLUMN history_gap_to INTEGER;",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == CAIRN_STORE_SCHEMA_VERSION);

static void
set_db_error (GError     **error,
              sqlite3     *db,
              int          rc,
              const char  *path,
              const char  *what)
{
  const char *msg = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc);
  int code = CAIRN_STORE_ERROR_FAILED;

  rc &= 0xff;   /* extended codes are on */
  if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
    code = CAIRN_STORE_ERROR_CORRUPT;
  if (rc == SQLITE_FULL)
    {
      code = CAIRN_STORE_ERROR_NO_SPACE;
      msg = "the disk is full";
    }

  g_set_error (error, CAIRN_STORE_ERROR, code,
               "%s “%s”: %s", what, path, msg);
}

static gboolean
query_int (sqlite3     *db,
           const char  *path,
           const char  *sql,
           gint64      *out,
           GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *out = sqlite3_column_int64 (stmt, 0);
          rc = SQLITE_OK;
        }
      else if (rc == SQLITE_DONE)
        {
          *out = 0;
          rc = SQLITE_OK;
        }
    }

  if (rc != SQLITE_OK)
    set_db_error (error, db, rc, path, "Cannot read");
  sqlite3_finalize (stmt);
  return rc == SQLITE_OK;
}

/* Reads what the file is without writing anything to it: read-only
 * connections never create, checkpoint or roll back anything. */
static gboolean
probe_existing (const char  *path,
                GError     **error)
{
  sqlite3 *db = NULL;
  gint64 version = 0, app_id = 0, n_tables = 0;
  gboolean ok = FALSE;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL);
  /* Even a read waits for locks: another process may be creating the
   * file, or checkpointing and resetting the WAL as it closes it. */
  if (rc == SQLITE_OK)
    rc = sqlite3_busy_timeout (db, CAIRN_STORE_BUSY_TIMEOUT_MS);
  if (rc != SQLITE_OK)
    {
      set_db_error (error, db, rc, path, "Cannot open");
      goto out;
    }

  if (!query_int (db, path, "PRAGMA user_version", &version, error) ||
      !query_int (db, path, "PRAGMA application_id", &app_id, error) ||
      !query_int (db, path, "SELECT count(*) FROM sqlite_schema", &n_tables, error))
    goto out;

  if ((app_id != 0 && app_id != CAIRN_STORE_APPLICATION_ID) ||
      (app_id == 0 && n_tables > 0))
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT,
                   "“%s” is an SQLite database but not a Cairn workspace", path);
      goto out;
    }

  if (version > CAIRN_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NEWER_SCHEMA,
                   "“%s” was written by a newer version of Cairn (schema %"
                   G_GINT64_FORMAT ", this version knows up to %d); "
                   "update Cairn to open it", path, version, CAIRN_STORE_SCHEMA_VERSION);
      goto out;
    }

  ok = TRUE;

out:
  rc = sqlite3_close (db);
  if (ok && rc != SQLITE_OK)
    {
      set_db_error (error, NULL, rc, path, "Cannot close");
      ok = FALSE;
    }
  return ok;
}

static gboolean
exec (sqlite3     *db,
      const char  *path,
      const char  *sql,
      GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      set_db_error (error, db, rc, path, "Cannot set up");
      return FALSE;
    }
  return TRUE;
}

static gboolean
migrate (sqlite3     *db,
         const char  *path,
         GError     **error)
{
  gint64 version = 0;

  if (!exec (db, path, "BEGIN IMMEDIATE", error))
    return FALSE;

  /* Read again inside the write lock: another process may have migrated. */
  if (!query_int (db, path, "PRAGMA user_version", &version, error))
    goto fail;

  if (version > CAIRN_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NEWER_SCHEMA,
                   "“%s” was written by a newer version of Cairn", path);
      goto fail;
    }

  for (; version < CAIRN_STORE_SCHEMA_VERSION; version++)
    {
      g_autofree char *bump = NULL;

      g_debug ("Migrating %s from schema %" G_GINT64_FORMAT, path, version);
      if (!exec (db, path, migrations[version], error))
        {
          g_prefix_error (error, "Migration to schema %" G_GINT64_FORMAT " failed: ",
                          version + 1);
          goto fail;
        }

      if (version == 0)
        {
          g_autofree char *client_id = cairn_new_client_id ();
          g_autofree char *sql = g_strdup_printf (
              "INSERT INTO meta (id, client_id) VALUES (1, '%s');"
              "PRAGMA application_id = %d;",
              client_id, CAIRN_STORE_APPLICATION_ID);

          if (!exec (db, path, sql, error))
            goto fail;
        }

      bump = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT, version + 1);
      if (!exec (db, path, bump, error))
        goto fail;
    }

  return exec (db, path, "COMMIT", error);

fail:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* cairn_chain(prev, client_id, client_seq): the chain after that event
 * (cairn-chain.h); NULL when prev is NULL or not a chain (unknown). */
static void
sql_chain (sqlite3_context  *ctx,
           int               argc,
           sqlite3_value   **argv)
{
  const char *prev = (const char *) sqlite3_value_text (argv[0]);
  const char *client_id = (const char *) sqlite3_value_text (argv[1]);
  char *chain;

  if (prev == NULL || client_id == NULL || !cairn_chain_is_valid (prev))
    {
      sqlite3_result_null (ctx);
      return;
    }
  chain = cairn_chain_next (prev, client_id, sqlite3_value_int64 (argv[2]));
  sqlite3_result_text (ctx, chain, -1, g_free);
}

/* SQLite keeps memory statistics by default, taking a global mutex for
 * every allocation and free (about 3 % of a catch-up's instructions,
 * issue 17); nothing here reads them. Process-wide, and only possible
 * before SQLite's first use: later it is refused, harmlessly. */
static void
config_sqlite_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
      g_once_init_leave (&done, 1);
    }
}

sqlite3 *
_cairn_store_open_db (const char  *path,
                      GError     **error)
{
  sqlite3 *db = NULL;
  int rc;

  config_sqlite_once ();

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
                       "Cannot open “%s”: it is a folder", path);
          return NULL;
        }
      if (!probe_existing (path, error))
        return NULL;
    }

  /* NOMUTEX: a store (its statement cache, its cursor) is used by one
   * thread at a time anyway, and every other thread (the checkpointer,
   * the compactor, the server's snapshot makers) opens its own
   * connection; SQLite's per-call connection mutex was another 2 % of a
   * catch-up (issue 17). */
  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      set_db_error (error, db, rc, path, "Cannot open");
      sqlite3_close (db);
      return NULL;
    }

  sqlite3_extended_result_codes (db, 1);

  /* WAL with synchronous=NORMAL: a commit is durable against application
   * crashes at once and against power loss from the next checkpoint on;
   * events not yet confirmed by the server are in the outbox either way and
   * a lost local commit can only lose the last moments of typing, while
   * FULL would put an fsync on every keystroke-sized change. The busy
   * timeout lets cairn-cli and the app share the file. A 16 MiB page cache
   * keeps a rebuild of a large log from spilling to the WAL mid-way. */
  rc = sqlite3_busy_timeout (db, CAIRN_STORE_BUSY_TIMEOUT_MS);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function (db, "cairn_chain", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                  NULL, sql_chain, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      set_db_error (error, db, rc, path, "Cannot set up");
      sqlite3_close (db);
      return NULL;
    }
  if (!exec (db, path, "PRAGMA journal_mode = WAL", error) ||
      !exec (db, path, "PRAGMA synchronous = NORMAL", error) ||
      !exec (db, path, "PRAGMA foreign_keys = ON", error) ||
      !exec (db, path, "PRAGMA cache_size = -16384", error) ||
      !migrate (db, path, error))
    {
      sqlite3_close (db);
      return NULL;
    }

  return db;
}

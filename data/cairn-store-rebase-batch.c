/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-rebase-batch.c: what makes a large rebase cheaper (issue
 * 17): the kinds of rows its session must record when events are pending,
 * and the search triggers set aside while a stale index would not use
 * them. docs/store.md, "Rebase". */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-store-private.h"
#include "cairn-store-search-private.h"

/* The state tables of each kind, as CairnChanges reports them. */
static const struct
{
  const char   *table;
  CairnRowKind  kind;
} kind_tables[] = {
  { "lists",              CAIRN_ROW_KIND_LISTS },
  { "todos",              CAIRN_ROW_KIND_TODOS },
  { "todo_tags",          CAIRN_ROW_KIND_TODOS },
  { "todo_occurrences",   CAIRN_ROW_KIND_TODOS },
  { "todo_note_versions", CAIRN_ROW_KIND_TODOS },
  { "notes",              CAIRN_ROW_KIND_NOTES },
  { "note_versions",      CAIRN_ROW_KIND_NOTES },
  { "tags",               CAIRN_ROW_KIND_TAGS },
};

static CairnRowKind
kind_of_table (const char *table)
{
  if (g_str_equal (table, "parked"))
    return 0;   /* always recorded */
  for (guint i = 0; i < G_N_ELEMENTS (kind_tables); i++)
    if (g_str_equal (kind_tables[i].table, table))
      return kind_tables[i].kind;
  return CAIRN_ROW_KIND_ALL;
}

/* The kind an event of @name writes (its reducer's table, or the tables of
 * its several statements): "todo.*" rows are todos, and so on. An unknown
 * family may write anything. */
static CairnRowKind
kind_of_event (const char *name)
{
  if (g_str_has_prefix (name, "list."))
    return CAIRN_ROW_KIND_LISTS;
  if (g_str_has_prefix (name, "todo."))
    return CAIRN_ROW_KIND_TODOS;
  if (g_str_has_prefix (name, "note."))
    return CAIRN_ROW_KIND_NOTES;
  if (g_str_has_prefix (name, "tag."))
    return CAIRN_ROW_KIND_TAGS;
  return CAIRN_ROW_KIND_ALL;
}

static CairnRowKind
kinds_of_changeset (const void *data,
                    int         size)
{
  sqlite3_changeset_iter *iter = NULL;
  CairnRowKind kinds = 0;
  int rc;

  if (size == 0)
    return 0;
  rc = sqlite3changeset_start (&iter, size, (void *) data);
  while (rc == SQLITE_OK && (rc = sqlite3changeset_next (iter)) == SQLITE_ROW)
    {
      const char *table;
      int n_cols, op;

      if ((rc = sqlite3changeset_op (iter, &table, &n_cols, &op, NULL)) != SQLITE_OK)
        break;
      kinds |= kind_of_table (table);
    }
  if (iter != NULL)
    sqlite3changeset_finalize (iter);
  /* A changeset this code cannot read: record everything. */
  return rc == SQLITE_DONE ? kinds : CAIRN_ROW_KIND_ALL;
}

CairnRowKind
_cairn_store_pending_kinds (CairnStore  *self,
                            GError     **error)
{
  CairnRowKind kinds = 0;
  sqlite3_stmt *stmt;
  int rc;

  stmt = _cairn_store_prepare (self, "SELECT name, changeset FROM pending", error);
  if (stmt == NULL)
    return CAIRN_ROW_KIND_ERROR;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    kinds |= kind_of_event ((const char *) sqlite3_column_text (stmt, 0)) |
             kinds_of_changeset (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the outbox");
      return CAIRN_ROW_KIND_ERROR;
    }
  return kinds;
}

sqlite3_session *
_cairn_store_session_new_for_kinds (CairnStore    *self,
                                    CairnRowKind   kinds,
                                    GError       **error)
{
  g_autoptr(sqlite3_session) session = NULL;

  if (kinds == CAIRN_ROW_KIND_ALL)
    return _cairn_store_session_new (self, error);
  if (sqlite3session_create (self->db, "main", &session) != SQLITE_OK ||
      sqlite3session_attach (session, "parked") != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot record changes");
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (kind_tables); i++)
    if ((kinds & kind_tables[i].kind) != 0 &&
        sqlite3session_attach (session, kind_tables[i].table) != SQLITE_OK)
      {
        _cairn_store_set_error (self, error, "Cannot record changes");
        return NULL;
      }
  return g_steal_pointer (&session);
}

static void
add_all (GHashTable *to,
         GHashTable *from)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, from);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (to, g_strdup (key));
}

void
_cairn_changes_add_kinds (CairnChanges       *changes,
                          const CairnChanges *reported,
                          CairnRowKind        kinds)
{
  if ((kinds & CAIRN_ROW_KIND_LISTS) != 0)
    add_all (changes->lists, reported->lists);
  if ((kinds & CAIRN_ROW_KIND_TODOS) != 0)
    add_all (changes->todos, reported->todos);
  if ((kinds & CAIRN_ROW_KIND_NOTES) != 0)
    {
      add_all (changes->notes, reported->notes);
      add_all (changes->note_rows, reported->note_rows);
    }
  if ((kinds & CAIRN_ROW_KIND_TAGS) != 0)
    add_all (changes->tags, reported->tags);
  changes->reset |= reported->reset;
}

/* ---- The search triggers during a large batch ------------------------ */

/* A batch of at least this many events, and at least a quarter of the log
 * it lands on, resets a current search index instead of marking each row
 * it writes (the next search indexes everything again, as after a
 * rebuild). A stale index is made again whole anyway: its triggers only
 * mark rows nobody will look at. */
#define SEARCH_RESET_MIN_EVENTS 1000

/* A batch of at least this many events writes its history index rows
 * itself (cairn-store-tail.c): dropping and making the trigger again
 * changes the schema, which makes SQLite prepare every cached statement
 * again, a cost a small batch would not win back. */
#define TAIL_BY_HAND_MIN_EVENTS SEARCH_RESET_MIN_EVENTS

static int
search_is_stale (CairnStore  *self,
                 GError     **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare_static (self, "SELECT stale FROM search_meta", error);
  int rc, stale = 0;

  if (stmt == NULL)
    return -1;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    stale = sqlite3_column_int (stmt, 0) != 0;
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the search index's state");
      return -1;
    }
  return stale;
}

gboolean
_cairn_store_batch_begin (CairnStore  *self,
                          guint        n_events,
                          GPtrArray  **triggers,
                          GError     **error)
{
  g_autoptr(GPtrArray) sqls = NULL;
  g_autoptr(GPtrArray) names = NULL;
  sqlite3_stmt *stmt;
  int stale, rc;

  g_assert (self->in_transaction);
  *triggers = NULL;
  if (n_events < SEARCH_RESET_MIN_EVENTS)
    return TRUE;
  /* DROP TRIGGER fails while a statement runs (a caller iterating rows):
   * then the triggers stay. */
  for (sqlite3_stmt *s = sqlite3_next_stmt (self->db, NULL); s != NULL;
       s = sqlite3_next_stmt (self->db, s))
    if (sqlite3_stmt_busy (s))
      return TRUE;

  sqls = g_ptr_array_new_with_free_func (g_free);
  /* The history index's insert trigger (issue 17, second round): the
   * log rows of the batch write their index rows themselves. */
  if (n_events >= TAIL_BY_HAND_MIN_EVENTS && !_cairn_store_tail_begin (self, sqls, error))
    return FALSE;

  if ((stale = search_is_stale (self, error)) < 0)
    return FALSE;
  if (!stale && (gint64) n_events * 4 < self->head)
    {
      *triggers = sqls->len > 0 ? g_steal_pointer (&sqls) : NULL;
      return TRUE;
    }

  names = g_ptr_array_new_with_free_func (g_free);
  stmt = _cairn_store_prepare (self, "SELECT name, sql FROM sqlite_schema "
                               "WHERE type = 'trigger' AND name LIKE 'search\\_%' ESCAPE '\\' "
                               "ORDER BY name", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (names, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_ptr_array_add (sqls, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the schema");
      return FALSE;
    }
  if (!stale && !_cairn_store_search_reset (self, error))
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *sql = g_strdup_printf ("DROP TRIGGER \"%s\"", (char *) names->pdata[i]);

      if (!_cairn_store_exec (self, sql, error))
        return FALSE;
    }
  *triggers = sqls->len > 0 ? g_steal_pointer (&sqls) : NULL;
  return TRUE;
}

gboolean
_cairn_store_batch_end (CairnStore  *self,
                        GPtrArray   *triggers,
                        GError     **error)
{
  if (triggers == NULL)
    return TRUE;
  if (!_cairn_store_tail_record_gap (self, error))
    return FALSE;
  for (guint i = 0; i < triggers->len; i++)
    if (!_cairn_store_exec (self, triggers->pdata[i], error))
      return FALSE;
  _cairn_store_tail_end (self);
  return TRUE;
}

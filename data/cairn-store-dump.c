/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-dump.c: the state as JSON: one object (cairn_store_read_object())
 * and the canonical dump of the whole state (`cairn-cli state --json`). */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-store-private.h"

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
  [CAIRN_OBJECT_LIST] = { "list", "SELECT id, title, position, deleted, id = '" CAIRN_INBOX_ID
                                  "' AS inbox FROM lists WHERE id = ?1" },
  [CAIRN_OBJECT_TODO] = { "todo", "SELECT id, list_id, parent_id, gone_with, title, position, "
                                  "done, due, due_time, priority, reminder, reminder_dismissed, "
                                  "repeat, deleted, cairn_todo_notes (id) AS notes FROM todos WHERE id = ?1" },
  /* notes.body is written lazily: cairn_note_body() is always current */
  [CAIRN_OBJECT_NOTE] = { "note", "SELECT id, title, cairn_note_body (id, body) AS body, pinned, "
                                  "deleted FROM notes WHERE id = ?1" },
  [CAIRN_OBJECT_TAG]  = { "tag", "SELECT id, name, color, deleted FROM tags WHERE id = ?1" },
};

/* The names of a todo's live tags, sorted, as an array member "tags". */
static gboolean
add_todo_tags (CairnStore   *self,
               JsonBuilder  *builder,
               const char   *todo_id,
               GError      **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self,
                                             "SELECT tags.name FROM todo_tags JOIN tags "
                                             "ON tags.id = todo_tags.tag_id "
                                             "WHERE todo_tags.todo_id = ?1 AND tagged "
                                             "AND NOT tags.deleted ORDER BY tags.name, tags.id",
                                             error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_text (stmt, 1, todo_id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  json_builder_set_member_name (builder, "tags");
  json_builder_begin_array (builder);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, 0));
  json_builder_end_array (builder);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read a todo's tags");
      return FALSE;
    }
  return TRUE;
}

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
      gboolean flag = strcmp (name, "done") == 0 || strcmp (name, "deleted") == 0 ||
                      strcmp (name, "inbox") == 0 || strcmp (name, "reminder_dismissed") == 0 ||
                      strcmp (name, "pinned") == 0;

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
  sqlite3_reset (stmt);
  if (kind == CAIRN_OBJECT_TODO && !add_todo_tags (self, builder, id, error))
    return NULL;
  json_builder_end_object (builder);
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

/* The state tables of the canonical dump, in its order; the state hash
 * (cairn-store-hash.c) reads the same rows and columns. */
const CairnStateTable _cairn_store_state_tables[] = {
  { "lists", "SELECT deleted, id, position, title FROM lists ORDER BY id" },
  { "notes", "SELECT cairn_note_body (id, body) AS body, created_at, deleted, "
             "max (edited_at, coalesce ((SELECT edited_at FROM note_versions v "
             "WHERE v.id = notes.id), 0)) AS edited_at, id, pinned, "
             "title FROM notes ORDER BY id" },
  { "tags", "SELECT color, deleted, id, name FROM tags ORDER BY id" },
  { "todo_tags", "SELECT id, tag_id, tagged, todo_id FROM todo_tags ORDER BY id" },
  /* A todo whose notes were never written has none: only the others go
   * through cairn_todo_notes() (the same text, a third of the time at
   * 100,000 todos). */
  { "todos", "SELECT deleted, done, due, due_anchor, due_time, gone_with, id, list_id, "
             "CASE WHEN EXISTS (SELECT 1 FROM todo_note_versions v WHERE v.id = todos.id "
             "AND v.version IS NOT NULL) THEN cairn_todo_notes (id) ELSE '' END AS notes, "
             "parent_id, position, priority, reminder, "
             "reminder_dismissed, repeat, title FROM todos ORDER BY id" },
  { "todo_occurrences", "SELECT completed_at, id, occurrence, todo_id FROM todo_occurrences "
                        "ORDER BY id" },
  { NULL, NULL }
};

/* Events still waiting for their object (shown only when there are any). */
const CairnStateTable _cairn_store_state_waiting = {
  "waiting", "SELECT args, client_id, client_seq, name, target FROM parked "
             "ORDER BY target, client_id, client_seq"
};

char *
cairn_store_dump_state (CairnStore  *self,
                        GError     **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  /* Columns in alphabetical order within each row, rows by id. */
  json_builder_begin_object (builder);
  for (guint i = 0; _cairn_store_state_tables[i].name != NULL; i++)
    if (!dump_table (self, builder, _cairn_store_state_tables[i].name,
                     _cairn_store_state_tables[i].sql, error))
      return NULL;
  /* Events still waiting for their object: part of the state (every
   * replica has the same), shown only when there are any. */
  if (has_rows (self, "SELECT 1 FROM parked") &&
      !dump_table (self, builder, _cairn_store_state_waiting.name,
                   _cairn_store_state_waiting.sql, error))
    return NULL;
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, TRUE);
}

char *
_cairn_store_dump_state_without_pending (CairnStore  *self,
                                         GError     **error)
{
  char *dump = NULL;

  if (!_cairn_store_begin (self, error))
    return NULL;
  if (_cairn_store_rollback_pending (self, error))
    dump = cairn_store_dump_state (self, error);
  _cairn_store_rollback (self);
  return dump;
}

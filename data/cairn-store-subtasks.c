/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-subtasks.c: the todo events that act on a whole subtree
 * (todo.moved, todo.deleted, todo.restored), and reading a todo's children.
 *
 * Invariants these reducers keep, on every replica alike (docs/events.md,
 * "Subtasks"):
 *   - parent_id forms a forest: a move that would make a cycle (the new
 *     parent is the todo itself or one of its descendants, deleted ones
 *     included) is a no-op;
 *   - a child is in its parent's list: a move carries the subtree;
 *   - a live todo's parent is live: deleting a todo deletes its live
 *     descendants with gone_with = that todo, and a todo that arrives under
 *     a deleted parent is deleted with the parent's deletion root
 *     (coalesce (gone_with, id)), so restoring that root brings it back.
 * Each reducer reads the event and the state tables only; it is several
 * statements, so the store records it with a session (like a create that
 * releases parked events).
 */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include "cairn-store-private.h"

/* The descendants of ?1 (not ?1 itself). UNION, not UNION ALL: it stops
 * even on a cycle, which the reducers never make. */
#define DESCENDANTS(param) \
  "WITH RECURSIVE sub (id) AS (SELECT id FROM todos WHERE parent_id = " param \
  " UNION SELECT t.id FROM todos AS t JOIN sub ON t.parent_id = sub.id) "

typedef struct
{
  char    *list_id;
  char    *parent_id;
  char    *position;
  char    *root;       /* deletion root: coalesce (gone_with, id) */
  gboolean deleted;
} TodoRow;

static void
todo_row_clear (TodoRow *row)
{
  g_clear_pointer (&row->list_id, g_free);
  g_clear_pointer (&row->parent_id, g_free);
  g_clear_pointer (&row->position, g_free);
  g_clear_pointer (&row->root, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TodoRow, todo_row_clear)

static gboolean
bind_texts (CairnStore    *self,
            sqlite3_stmt  *stmt,
            const char    *a,
            const char    *b,
            const char    *c,
            GError       **error)
{
  const char *values[] = { a, b, c };

  for (int i = 0; i < sqlite3_bind_parameter_count (stmt) && i < 3; i++)
    if (sqlite3_bind_text (stmt, i + 1, values[i], -1, SQLITE_TRANSIENT) != SQLITE_OK)
      {
        _cairn_store_set_error (self, error, "Cannot bind");
        return FALSE;
      }
  return TRUE;
}

/* 1 and *row filled when the todo exists, 0 when not, -1 on error. */
static int
read_todo (CairnStore  *self,
           const char  *id,
           TodoRow     *row,
           GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _cairn_store_prepare (self,
                               "SELECT list_id, parent_id, position, deleted, "
                               "coalesce (gone_with, id) FROM todos WHERE id = ?1", error);
  if (stmt == NULL || !bind_texts (self, stmt, id, NULL, NULL, error))
    return -1;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      row->list_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      row->parent_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      row->position = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      row->deleted = sqlite3_column_int (stmt, 3) != 0;
      row->root = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read a todo");
      return -1;
    }
  return rc == SQLITE_ROW;
}

/* Runs a write "… RETURNING id" and adds every id to changes->todos. */
static gboolean
write_rows (CairnStore    *self,
            const char    *sql,
            const char    *a,
            const char    *b,
            const char    *c,
            CairnChanges  *changes,
            GError       **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare_static (self, sql, error);
  int rc;

  if (stmt == NULL || !bind_texts (self, stmt, a, b, c, error))
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    if (changes != NULL)
      g_hash_table_add (changes->todos, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot write a todo");
      return FALSE;
    }
  return TRUE;
}

int
_cairn_store_todo_is_in_subtree (CairnStore  *self,
                                 const char  *root_id,
                                 const char  *id,
                                 GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (g_strcmp0 (root_id, id) == 0)
    return 1;
  /* Walk up from id: its ancestors are few, the subtree may be many. */
  stmt = _cairn_store_prepare (self,
                               "WITH RECURSIVE up (id) AS (SELECT parent_id FROM todos WHERE id = ?2 "
                               " UNION SELECT t.parent_id FROM todos AS t JOIN up ON t.id = up.id) "
                               "SELECT 1 FROM up WHERE id = ?1", error);
  if (stmt == NULL || !bind_texts (self, stmt, root_id, id, NULL, error))
    return -1;
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the parents of a todo");
      return -1;
    }
  return rc == SQLITE_ROW;
}

/* todo.moved v2 {todo_id, position, list_id?, parent_id?}. */
static CairnTreeResult
apply_moved (CairnStore        *self,
             const CairnEvent  *event,
             CairnChanges      *changes,
             GError           **error)
{
  g_auto(TodoRow) todo = { 0 };
  g_auto(TodoRow) parent = { 0 };
  const char *id = _cairn_store_json_arg (event->args, "todo_id");
  const char *parent_id = _cairn_store_json_arg (event->args, "parent_id");
  const char *list_id = _cairn_store_json_arg (event->args, "list_id");
  const char *position = _cairn_store_json_arg (event->args, "position");
  const char *target_list;
  int found;

  if ((found = read_todo (self, id, &todo, error)) < 0)
    return CAIRN_TREE_ERROR;
  if (!found)
    return CAIRN_TREE_MISSING;
  if (todo.deleted)
    return CAIRN_TREE_NO_OP;

  if (parent_id != NULL)
    {
      int cycle;

      if (g_str_equal (parent_id, id))
        return CAIRN_TREE_NO_OP;
      if ((found = read_todo (self, parent_id, &parent, error)) < 0)
        return CAIRN_TREE_ERROR;
      if (!found)
        return CAIRN_TREE_MISSING;
      if ((cycle = _cairn_store_todo_is_in_subtree (self, id, parent_id, error)) < 0)
        return CAIRN_TREE_ERROR;
      if (cycle)
        return CAIRN_TREE_NO_OP;
      /* Under the parent, wherever it is now: "put T under P" survives a
       * concurrent move of P to another list. */
      target_list = parent.list_id;
    }
  else if (list_id != NULL)
    {
      int exists = _cairn_store_query_finds (self, "SELECT 1 FROM lists WHERE id = ?1", list_id,
                                             "Cannot look up a list", error);
      if (exists < 0)
        return CAIRN_TREE_ERROR;
      if (!exists)
        return CAIRN_TREE_MISSING;
      target_list = list_id;
    }
  else
    target_list = todo.list_id;

  if (g_strcmp0 (target_list, todo.list_id) == 0 && g_strcmp0 (parent_id, todo.parent_id) == 0 &&
      g_strcmp0 (position, todo.position) == 0)
    return CAIRN_TREE_NO_OP;

  {
    sqlite3_stmt *stmt = _cairn_store_prepare (self,
                                               "UPDATE todos SET list_id = ?2, parent_id = ?3, "
                                               "position = ?4 WHERE id = ?1", error);
    if (stmt == NULL ||
        sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
        sqlite3_bind_text (stmt, 2, target_list, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
        sqlite3_bind_text (stmt, 3, parent_id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
        sqlite3_bind_text (stmt, 4, position, -1, SQLITE_TRANSIENT) != SQLITE_OK)
      {
        if (stmt != NULL)
          _cairn_store_set_error (self, error, "Cannot bind");
        return CAIRN_TREE_ERROR;
      }
    if (!_cairn_store_step_done (self, stmt, error))
      return CAIRN_TREE_ERROR;
    if (changes != NULL)
      g_hash_table_add (changes->todos, g_strdup (id));
  }

  /* The subtree follows to the new list. */
  if (g_strcmp0 (target_list, todo.list_id) != 0 &&
      !write_rows (self, DESCENDANTS ("?1")
                   "UPDATE todos SET list_id = ?2 WHERE id IN sub AND list_id IS NOT ?2 RETURNING id",
                   id, target_list, NULL, changes, error))
    return CAIRN_TREE_ERROR;

  /* Under a deleted parent: deleted with it, the subtree too, so that
   * restoring the parent's deletion root brings them back. */
  if (parent.deleted &&
      !write_rows (self, DESCENDANTS ("?1")
                   "UPDATE todos SET deleted = 1, gone_with = ?2 "
                   "WHERE (id = ?1 OR id IN sub) AND NOT deleted RETURNING id",
                   id, parent.root, NULL, changes, error))
    return CAIRN_TREE_ERROR;
  return CAIRN_TREE_CHANGED;
}

/* todo.deleted: the todo, and its live descendants with gone_with = it. */
static CairnTreeResult
apply_deleted (CairnStore        *self,
               const CairnEvent  *event,
               CairnChanges      *changes,
               GError           **error)
{
  g_auto(TodoRow) todo = { 0 };
  const char *id = _cairn_store_json_arg (event->args, "todo_id");
  int found;

  if ((found = read_todo (self, id, &todo, error)) < 0)
    return CAIRN_TREE_ERROR;
  if (!found)
    return CAIRN_TREE_MISSING;
  if (todo.deleted)
    return CAIRN_TREE_NO_OP;
  if (!write_rows (self, "UPDATE todos SET deleted = 1, gone_with = NULL WHERE id = ?1 RETURNING id",
                   id, NULL, NULL, changes, error) ||
      !write_rows (self, DESCENDANTS ("?1")
                   "UPDATE todos SET deleted = 1, gone_with = ?1 WHERE id IN sub AND NOT deleted "
                   "RETURNING id", id, NULL, NULL, changes, error))
    return CAIRN_TREE_ERROR;
  return CAIRN_TREE_CHANGED;
}

/* todo.restored: the todo and exactly the descendants deleted with it.
 * Under a parent that is still deleted, it joins the parent's deletion
 * instead (stays deleted, comes back with the parent's root): a live todo
 * never has a deleted parent. */
static CairnTreeResult
apply_restored (CairnStore        *self,
                const CairnEvent  *event,
                CairnChanges      *changes,
                GError           **error)
{
  g_auto(TodoRow) todo = { 0 };
  g_auto(TodoRow) parent = { 0 };
  const char *id = _cairn_store_json_arg (event->args, "todo_id");
  int found;

  if ((found = read_todo (self, id, &todo, error)) < 0)
    return CAIRN_TREE_ERROR;
  if (!found)
    return CAIRN_TREE_MISSING;
  if (!todo.deleted)
    return CAIRN_TREE_NO_OP;
  if (todo.parent_id != NULL &&
      (found = read_todo (self, todo.parent_id, &parent, error)) < 0)
    return CAIRN_TREE_ERROR;

  if (todo.parent_id != NULL && found && parent.deleted)
    {
      if (g_strcmp0 (todo.root, parent.root) == 0)
        return CAIRN_TREE_NO_OP;
      if (!write_rows (self, DESCENDANTS ("?1")
                       "UPDATE todos SET gone_with = ?2 "
                       "WHERE id = ?1 OR (id IN sub AND gone_with = ?1) RETURNING id",
                       id, parent.root, NULL, changes, error))
        return CAIRN_TREE_ERROR;
      return CAIRN_TREE_CHANGED;
    }

  if (!write_rows (self, DESCENDANTS ("?1")
                   "UPDATE todos SET deleted = 0, gone_with = NULL "
                   "WHERE id = ?1 OR (id IN sub AND gone_with = ?1) RETURNING id",
                   id, NULL, NULL, changes, error))
    return CAIRN_TREE_ERROR;
  return CAIRN_TREE_CHANGED;
}

gboolean
_cairn_store_is_tree_event (const char *name)
{
  return g_str_equal (name, "todo.moved") || g_str_equal (name, "todo.deleted") ||
         g_str_equal (name, "todo.restored");
}

CairnTreeResult
_cairn_store_apply_tree_event (CairnStore        *self,
                               const CairnEvent  *event,
                               CairnChanges      *changes,
                               GError           **error)
{
  g_assert (_cairn_store_is_tree_event (event->name));

  if (g_str_equal (event->name, "todo.moved"))
    return apply_moved (self, event, changes, error);
  if (g_str_equal (event->name, "todo.deleted"))
    return apply_deleted (self, event, changes, error);
  return apply_restored (self, event, changes, error);
}

GPtrArray *
_cairn_store_list_children (CairnStore  *self,
                            const char  *todo_id,
                            gboolean     deleted_too,
                            GError     **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _cairn_store_prepare (self,
                               "SELECT id FROM todos WHERE parent_id = ?1 AND (?2 OR NOT deleted) "
                               "ORDER BY position, id", error);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_bind_text (stmt, 1, todo_id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
      sqlite3_bind_int (stmt, 2, deleted_too) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the subtasks of a todo");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

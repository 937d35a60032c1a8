/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-actions.c: the convenience wrappers (create a todo, move a
 * list …) that check ids, compute positions and commit one event. */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-position.h"
#include "cairn-store-private.h"

typedef struct
{
  const char *table;
  const char *noun;      /* for messages */
  const char *capital;
  /* Queries, written out so that no commit formats SQL: the row check
   * (deleted, and the list of a todo), and for ordered kinds the
   * neighbour queries of compute_position() (?1 scope: the list id of a
   * todo, NULL for lists; ?2 pivot position or id; ?3 id to ignore). */
  const char *check_sql;
  const char *pivot_sql;
  const char *next_sql;
  const char *prev_sql;
  const char *last_sql;
} Kind;

#define NEIGHBOUR_SQL(table, scope) \
  "SELECT position FROM " table " WHERE " scope " AND id = ?2 AND NOT deleted AND id IS NOT ?3", \
  "SELECT min(position) FROM " table " WHERE " scope " AND position > ?2 AND NOT deleted AND id IS NOT ?3", \
  "SELECT max(position) FROM " table " WHERE " scope " AND position < ?2 AND NOT deleted AND id IS NOT ?3", \
  "SELECT max(position) FROM " table " WHERE " scope " AND ?2 IS NULL AND NOT deleted AND id IS NOT ?3"

static const Kind list_kind = { "lists", "list", "List",
                                "SELECT deleted, NULL FROM lists WHERE id = ?",
                                NEIGHBOUR_SQL ("lists", "?1 IS NULL") };
static const Kind todo_kind = { "todos", "todo", "Todo",
                                "SELECT deleted, list_id FROM todos WHERE id = ?",
                                NEIGHBOUR_SQL ("todos", "list_id = ?1") };
/* The subtasks of one parent: ?1 is the parent's id. */
static const Kind child_kind = { "todos", "todo", "Todo",
                                 "SELECT deleted, list_id FROM todos WHERE id = ?",
                                 NEIGHBOUR_SQL ("todos", "parent_id = ?1") };
static const Kind note_kind = { "notes", "note", "Note",
                                "SELECT deleted, NULL FROM notes WHERE id = ?",
                                NULL, NULL, NULL, NULL };

/* Looks a row up. live: the caller needs it not deleted. On success
 * *list_id (todos only, optional) gets the todo's list. */
static gboolean
check_object (CairnStore  *self,
              const Kind  *kind,
              const char  *id,
              gboolean     live,
              gboolean    *deleted,
              char       **list_id,
              GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (id == NULL || !cairn_is_object_id (id))
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "“%s” is not a %s id", id ? id : "(null)", kind->noun);
      return FALSE;
    }

  stmt = _cairn_store_prepare (self, kind->check_sql, error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "No %s with id %s", kind->noun, id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      _cairn_store_set_error (self, error, "Cannot read");
      sqlite3_reset (stmt);
      return FALSE;
    }

  if (deleted != NULL)
    *deleted = sqlite3_column_int (stmt, 0) != 0;
  if (live && sqlite3_column_int (stmt, 0) != 0)
    {
      sqlite3_reset (stmt);
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "%s %s is deleted", kind->capital, id);
      return FALSE;
    }
  if (list_id != NULL)
    *list_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  sqlite3_reset (stmt);
  return TRUE;
}

/* *parent_id: the todo's parent, NULL at the top level (a todo the
 * caller checked exists). */
static gboolean
read_parent_id (CairnStore  *self,
                const char  *todo_id,
                char       **parent_id,
                GError     **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self, "SELECT parent_id FROM todos WHERE id = ?1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_text (stmt, 1, todo_id, -1, SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *parent_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                     "No todo with id %s", todo_id);
      else
        _cairn_store_set_error (self, error, "Cannot read a todo's parent");
      return FALSE;
    }
  return TRUE;
}

gboolean
_cairn_store_check_todo (CairnStore  *self,
                         const char  *todo_id,
                         gboolean     live,
                         gboolean    *deleted,
                         char       **list_id,
                         GError     **error)
{
  return check_object (self, &todo_kind, todo_id, live, deleted, list_id, error);
}

static gboolean
query_position (CairnStore  *self,
                const char  *sql,
                const char  *scope,
                const char  *pivot,
                const char  *exclude,
                char       **out,
                GError     **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  /* ?1 scope (list id or NULL), ?2 pivot position or id, ?3 excluded id */
  if (sqlite3_bind_text (stmt, 1, scope, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_bind_text (stmt, 2, pivot, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_bind_text (stmt, 3, exclude, -1, SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read");
      sqlite3_reset (stmt);
      return FALSE;
    }
  *out = rc == SQLITE_ROW ? g_strdup ((const char *) sqlite3_column_text (stmt, 0)) : NULL;
  sqlite3_reset (stmt);
  return TRUE;
}

/* A key right after after_id, right before before_id, or (both NULL) after
 * the last live item of the scope (all lists, or the todos of list_id),
 * ignoring the item being moved. Neighbours are looked up by position, so
 * items with equal keys (never generated, but possible in theory) are
 * stepped over rather than producing an impossible "between". */
static char *
compute_position (CairnStore  *self,
                  const Kind  *kind,
                  const char  *list_id,
                  const char  *moving_id,
                  const char  *before_id,
                  const char  *after_id,
                  GError     **error)
{
  g_autofree char *lo = NULL, *hi = NULL, *pivot = NULL;
  const char *anchor = after_id != NULL ? after_id : before_id;

  g_assert (kind->pivot_sql != NULL);
  if (before_id != NULL && after_id != NULL)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "Give the %s to go before or the one to go after, not both", kind->noun);
      return NULL;
    }

  if (anchor != NULL)
    {
      if (!query_position (self, kind->pivot_sql, list_id, anchor, moving_id, &pivot, error))
        return NULL;
      if (pivot == NULL)
        {
          g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                       "No live %s with id %s%s to place it next to", kind->noun, anchor,
                       kind == &todo_kind ? " in that list" :
                       kind == &child_kind ? " under that parent" : "");
          return NULL;
        }
      if (after_id != NULL)
        {
          lo = g_steal_pointer (&pivot);
          if (!query_position (self, kind->next_sql, list_id, lo, moving_id, &hi, error))
            return NULL;
        }
      else
        {
          hi = g_steal_pointer (&pivot);
          if (!query_position (self, kind->prev_sql, list_id, hi, moving_id, &lo, error))
            return NULL;
        }
    }
  else if (!query_position (self, kind->last_sql, list_id, NULL, moving_id, &lo, error))
    return NULL;

  return cairn_position_between (lo, hi);
}

static char *
trim_title (const char *title)
{
  const char *start = title, *end;

  if (title == NULL || !g_utf8_validate (title, -1, NULL))
    return g_strdup (title);   /* validation reports it */

  while (*start && g_unichar_isspace (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);
  end = start + strlen (start);
  while (end > start && g_unichar_isspace (g_utf8_get_char (g_utf8_prev_char (end))))
    end = g_utf8_prev_char (end);
  return g_strndup (start, end - start);
}

static gboolean
commit_args (CairnStore  *self,
             const char  *name,
             JsonObject  *args,
             GError     **error)
{
  g_autoptr(CairnEvent) event = cairn_store_commit (self, name, _cairn_event_current_version (name),
                                                    args, error);

  return event != NULL;
}

static JsonObject *
args_new (const char *key,
          const char *value)
{
  JsonObject *args = json_object_new ();

  json_object_set_string_member (args, key, value);
  return args;
}

static gboolean
require_title (const char  *title,
               GError     **error)
{
  if (title == NULL)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID, "“title” is missing");
      return FALSE;
    }
  return TRUE;
}

/* Lists */

char *
cairn_store_create_list (CairnStore  *self,
                         const char  *title,
                         GError     **error)
{
  g_autoptr(JsonObject) args = NULL;
  g_autofree char *id = cairn_new_object_id ();
  g_autofree char *trimmed = NULL;
  g_autofree char *position = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  if (!require_title (title, error))
    return NULL;
  trimmed = trim_title (title);
  if ((position = compute_position (self, &list_kind, NULL, NULL, NULL, NULL, error)) == NULL)
    return NULL;

  args = args_new ("list_id", id);
  json_object_set_string_member (args, "title", trimmed);
  json_object_set_string_member (args, "position", position);
  return commit_args (self, "list.created", args, error) ? g_steal_pointer (&id) : NULL;
}

/* An event {id_arg: id, field: value} on a live object (value NULL
 * commits "", which the event's validation refuses naming the field). */
static gboolean
set_field (CairnStore  *self,
           const Kind  *kind,
           const char  *event_name,
           const char  *id_arg,
           const char  *id,
           const char  *field,
           const char  *value,
           GError     **error)
{
  g_autoptr(JsonObject) args = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  if (!check_object (self, kind, id, TRUE, NULL, NULL, error))
    return FALSE;
  args = args_new (id_arg, id);
  json_object_set_string_member (args, field, value != NULL ? value : "");
  return commit_args (self, event_name, args, error);
}

static gboolean
rename_object (CairnStore  *self,
               const Kind  *kind,
               const char  *event_name,
               const char  *id_arg,
               const char  *id,
               const char  *title,
               GError     **error)
{
  g_autofree char *trimmed = NULL;

  if (!require_title (title, error))
    return FALSE;
  trimmed = trim_title (title);
  return set_field (self, kind, event_name, id_arg, id, "title", trimmed, error);
}

/* Deleting a deleted object or restoring a live one changes nothing and
 * stores no event. */
static gboolean
set_deleted (CairnStore  *self,
             const Kind  *kind,
             const char  *event_name,
             const char  *id_arg,
             const char  *id,
             gboolean     deleted,
             GError     **error)
{
  g_autoptr(JsonObject) args = NULL;
  gboolean is_deleted;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  if (!check_object (self, kind, id, FALSE, &is_deleted, NULL, error))
    return FALSE;
  if (is_deleted == deleted)
    return TRUE;
  args = args_new (id_arg, id);
  return commit_args (self, event_name, args, error);
}

gboolean
cairn_store_rename_list (CairnStore  *self,
                         const char  *list_id,
                         const char  *title,
                         GError     **error)
{
  return rename_object (self, &list_kind, "list.renamed", "list_id", list_id, title, error);
}

gboolean
cairn_store_move_list (CairnStore  *self,
                       const char  *list_id,
                       const char  *before_id,
                       const char  *after_id,
                       GError     **error)
{
  g_autoptr(JsonObject) args = NULL;
  g_autofree char *position = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  if (!check_object (self, &list_kind, list_id, TRUE, NULL, NULL, error))
    return FALSE;
  position = compute_position (self, &list_kind, NULL, list_id, before_id, after_id, error);
  if (position == NULL)
    return FALSE;
  args = args_new ("list_id", list_id);
  json_object_set_string_member (args, "position", position);
  return commit_args (self, "list.moved", args, error);
}

gboolean
cairn_store_delete_list (CairnStore  *self,
                         const char  *list_id,
                         GError     **error)
{
  return set_deleted (self, &list_kind, "list.deleted", "list_id", list_id, TRUE, error);
}

gboolean
cairn_store_restore_list (CairnStore  *self,
                          const char  *list_id,
                          GError     **error)
{
  return set_deleted (self, &list_kind, "list.restored", "list_id", list_id, FALSE, error);
}

/* Todos */

char *
cairn_store_create_todo (CairnStore  *self,
                         const char  *list_id,
                         const char  *title,
                         const char  *before_id,
                         const char  *after_id,
                         GError     **error)
{
  return cairn_store_create_subtask (self, list_id, NULL, title, before_id, after_id, error);
}

/* A parent for todo_id (NULL for a new todo) in list_id: live, in that
 * list, and not the todo or one of its subtasks. Errors name the field. */
static gboolean
check_parent (CairnStore  *self,
              const char  *parent_id,
              const char  *list_id,
              const char  *todo_id,
              GError     **error)
{
  g_autofree char *parent_list = NULL;
  int inside;

  if (!check_object (self, &todo_kind, parent_id, TRUE, NULL, &parent_list, error))
    {
      g_prefix_error (error, "“parent_id”: ");
      return FALSE;
    }
  if (list_id != NULL && g_strcmp0 (list_id, parent_list) != 0)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "“parent_id”: todo %s is in list %s, not in list %s",
                   parent_id, parent_list, list_id);
      return FALSE;
    }
  if (todo_id == NULL)
    return TRUE;
  if ((inside = _cairn_store_todo_is_in_subtree (self, todo_id, parent_id, error)) < 0)
    return FALSE;
  if (inside)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "“parent_id”: %s is %s", parent_id,
                   g_str_equal (parent_id, todo_id) ? "the todo itself"
                                                    : "one of the todo's subtasks");
      return FALSE;
    }
  return TRUE;
}

char *
cairn_store_create_subtask (CairnStore  *self,
                            const char  *list_id,
                            const char  *parent_id,
                            const char  *title,
                            const char  *before_id,
                            const char  *after_id,
                            GError     **error)
{
  g_autoptr(JsonObject) args = NULL;
  g_autofree char *id = cairn_new_object_id ();
  g_autofree char *trimmed = NULL;
  g_autofree char *position = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  if (!require_title (title, error) ||
      !check_object (self, &list_kind, list_id, TRUE, NULL, NULL, error))
    return NULL;
  if (parent_id != NULL && !check_parent (self, parent_id, list_id, NULL, error))
    return NULL;
  trimmed = trim_title (title);
  if (parent_id != NULL)
    position = compute_position (self, &child_kind, parent_id, NULL, before_id, after_id, error);
  else
    position = compute_position (self, &todo_kind, list_id, NULL, before_id, after_id, error);
  if (position == NULL)
    return NULL;

  args = args_new ("todo_id", id);
  json_object_set_string_member (args, "list_id", list_id);
  json_object_set_string_member (args, "title", trimmed);
  json_object_set_string_member (args, "position", position);
  if (parent_id != NULL)
    json_object_set_string_member (args, "parent_id", parent_id);
  return commit_args (self, "todo.created", args, error) ? g_steal_pointer (&id) : NULL;
}

gboolean
cairn_store_rename_todo (CairnStore  *self,
                         const char  *todo_id,
                         const char  *title,
                         GError     **error)
{
  return rename_object (self, &todo_kind, "todo.renamed", "todo_id", todo_id, title, error);
}

gboolean
cairn_store_set_todo_done (CairnStore  *self,
                           const char  *todo_id,
                           gboolean     done,
                           GError     **error)
{
  g_autoptr(JsonObject) args = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  if (!check_object (self, &todo_kind, todo_id, TRUE, NULL, NULL, error))
    return FALSE;
  args = args_new ("todo_id", todo_id);
  if (done && !_cairn_store_add_occurrence_arg (self, todo_id, args, error))
    return FALSE;
  return commit_args (self, done ? "todo.completed" : "todo.reopened", args, error);
}

gboolean
cairn_store_set_todo_due (CairnStore  *self,
                          const char  *todo_id,
                          const char  *due,
                          GError     **error)
{
  /* A date without a time (cairn-store-times.c) */
  return cairn_store_set_todo_due_time (self, todo_id, due, NULL, error);
}

/* keep_parent: list_id NULL or the todo's own list keeps its parent
 * (cairn_store_move_todo()); else parent_id is the new one (NULL: top). */
static gboolean
move_todo (CairnStore  *self,
           const char  *todo_id,
           const char  *list_id,
           gboolean     keep_parent,
           const char  *parent_id,
           const char  *before_id,
           const char  *after_id,
           GError     **error)
{
  g_autoptr(JsonObject) args = NULL;
  g_autofree char *current_list = NULL;
  g_autofree char *current_parent = NULL;
  g_autofree char *parent_list = NULL;
  g_autofree char *position = NULL;
  const char *target_list;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);

  if (!check_object (self, &todo_kind, todo_id, TRUE, NULL, &current_list, error))
    return FALSE;
  if (list_id != NULL && !check_object (self, &list_kind, list_id, TRUE, NULL, NULL, error))
    return FALSE;
  if (keep_parent)
    {
      /* Its parent only: the whole row as JSON (cairn_store_read_object())
       * read its tags and the text of its notes too, a sixth of a move. */
      if ((list_id == NULL || g_strcmp0 (list_id, current_list) == 0) &&
          !read_parent_id (self, todo_id, &current_parent, error))
        return FALSE;
      parent_id = current_parent;
    }
  if (parent_id != NULL)
    {
      if (!check_parent (self, parent_id, list_id, todo_id, error))
        return FALSE;
      if (!check_object (self, &todo_kind, parent_id, TRUE, NULL, &parent_list, error))
        return FALSE;
      target_list = parent_list;
    }
  else
    target_list = list_id != NULL ? list_id : current_list;

  if (parent_id != NULL)
    position = compute_position (self, &child_kind, parent_id, todo_id, before_id, after_id, error);
  else
    position = compute_position (self, &todo_kind, target_list, todo_id, before_id, after_id, error);
  if (position == NULL)
    return FALSE;

  args = args_new ("todo_id", todo_id);
  if (g_strcmp0 (target_list, current_list) != 0)
    json_object_set_string_member (args, "list_id", target_list);
  if (parent_id != NULL)
    json_object_set_string_member (args, "parent_id", parent_id);
  json_object_set_string_member (args, "position", position);
  return commit_args (self, "todo.moved", args, error);
}

gboolean
cairn_store_move_todo (CairnStore  *self,
                       const char  *todo_id,
                       const char  *list_id,
                       const char  *before_id,
                       const char  *after_id,
                       GError     **error)
{
  return move_todo (self, todo_id, list_id, TRUE, NULL, before_id, after_id, error);
}

gboolean
cairn_store_move_todo_under (CairnStore  *self,
                             const char  *todo_id,
                             const char  *list_id,
                             const char  *parent_id,
                             const char  *before_id,
                             const char  *after_id,
                             GError     **error)
{
  return move_todo (self, todo_id, list_id, FALSE, parent_id, before_id, after_id, error);
}

GPtrArray *
cairn_store_list_subtasks (CairnStore  *self,
                           const char  *todo_id,
                           GError     **error)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  if (!check_object (self, &todo_kind, todo_id, FALSE, NULL, NULL, error))
    return NULL;
  return _cairn_store_list_children (self, todo_id, FALSE, error);
}

gboolean
cairn_store_delete_todo (CairnStore  *self,
                         const char  *todo_id,
                         GError     **error)
{
  return set_deleted (self, &todo_kind, "todo.deleted", "todo_id", todo_id, TRUE, error);
}

gboolean
cairn_store_restore_todo (CairnStore  *self,
                          const char  *todo_id,
                          GError     **error)
{
  g_autoptr(JsonNode) row = NULL;
  const char *parent_id;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);

  /* Under a deleted parent it would stay deleted (it joins the parent's
   * deletion): say so rather than store an event that does nothing. */
  if (todo_id != NULL && cairn_is_object_id (todo_id) &&
      (row = cairn_store_read_object (self, CAIRN_OBJECT_TODO, todo_id, NULL, NULL)) != NULL &&
      (parent_id = json_object_get_string_member_with_default (json_node_get_object (row),
                                                               "parent_id", NULL)) != NULL)
    {
      gboolean parent_deleted = FALSE;

      if (!check_object (self, &todo_kind, parent_id, FALSE, &parent_deleted, NULL, error))
        return FALSE;
      if (parent_deleted && json_object_get_boolean_member (json_node_get_object (row), "deleted"))
        {
          g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                       "Todo %s is a subtask of %s, which is deleted: restore that first",
                       todo_id, parent_id);
          return FALSE;
        }
    }
  return set_deleted (self, &todo_kind, "todo.restored", "todo_id", todo_id, FALSE, error);
}

/* Notes */

char *
cairn_store_create_note (CairnStore  *self,
                         const char  *title,
                         GError     **error)
{
  g_autoptr(JsonObject) args = NULL;
  g_autofree char *id = cairn_new_object_id ();
  g_autofree char *trimmed = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  if (!require_title (title, error))
    return NULL;
  trimmed = trim_title (title);
  args = args_new ("note_id", id);
  json_object_set_string_member (args, "title", trimmed);
  return commit_args (self, "note.created", args, error) ? g_steal_pointer (&id) : NULL;
}

gboolean
cairn_store_rename_note (CairnStore  *self,
                         const char  *note_id,
                         const char  *title,
                         GError     **error)
{
  return rename_object (self, &note_kind, "note.renamed", "note_id", note_id, title, error);
}

gboolean
cairn_store_delete_note (CairnStore  *self,
                         const char  *note_id,
                         GError     **error)
{
  return set_deleted (self, &note_kind, "note.deleted", "note_id", note_id, TRUE, error);
}

gboolean
cairn_store_restore_note (CairnStore  *self,
                          const char  *note_id,
                          GError     **error)
{
  return set_deleted (self, &note_kind, "note.restored", "note_id", note_id, FALSE, error);
}

/* Pinning a pinned note or unpinning one that is not changes nothing and
 * stores no event; a deleted note is refused. */
gboolean
cairn_store_set_note_pinned (CairnStore  *self,
                             const char  *note_id,
                             gboolean     pinned,
                             GError     **error)
{
  g_autoptr(JsonObject) args = NULL;
  sqlite3_stmt *stmt;
  gboolean is_pinned;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  if (!check_object (self, &note_kind, note_id, TRUE, NULL, NULL, error))
    return FALSE;
  stmt = _cairn_store_prepare (self, "SELECT pinned FROM notes WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_text (stmt, 1, note_id, -1, SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      _cairn_store_set_error (self, error, "Cannot read a note");
      sqlite3_reset (stmt);
      return FALSE;
    }
  is_pinned = sqlite3_column_int (stmt, 0) != 0;
  sqlite3_reset (stmt);
  if (is_pinned == !!pinned)
    return TRUE;
  args = args_new ("note_id", note_id);
  return commit_args (self, pinned ? "note.pinned" : "note.unpinned", args, error);
}

/* Priorities, tags and the Inbox */

gboolean
cairn_store_set_todo_priority (CairnStore  *self,
                               const char  *todo_id,
                               const char  *priority,
                               GError     **error)
{
  return set_field (self, &todo_kind, "todo.priority_set", "todo_id", todo_id, "priority", priority,
                    error);
}

static const Kind tag_kind = { "tags", "tag", "Tag",
                               "SELECT deleted, NULL FROM tags WHERE id = ?",
                               NULL, NULL, NULL, NULL };

char *
cairn_store_dup_tag_id (CairnStore  *self,
                        const char  *name,
                        GError     **error)
{
  g_autofree char *trimmed = trim_title (name);
  g_autofree char *folded = NULL;
  g_autofree char *found = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  folded = g_utf8_casefold (trimmed, -1);
  /* Names are unique at commit; two devices may still make the same name
   * concurrently: then the smallest id, the same choice on every device. */
  stmt = _cairn_store_prepare (self, "SELECT id, name FROM tags WHERE NOT deleted ORDER BY id",
                               error);
  if (stmt == NULL)
    return NULL;
  while (found == NULL && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *other = g_utf8_casefold ((const char *) sqlite3_column_text (stmt, 1), -1);

      if (g_str_equal (other, folded))
        found = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
    }
  sqlite3_reset (stmt);
  if (found == NULL && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the tags");
      return NULL;
    }
  if (found == NULL)
    g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                 "No tag named “%s”", trimmed);
  return g_steal_pointer (&found);
}

char *
cairn_store_create_tag (CairnStore  *self,
                        const char  *name,
                        const char  *color,
                        GError     **error)
{
  g_autoptr(JsonObject) args = NULL;
  g_autofree char *trimmed = NULL;
  g_autofree char *id = NULL;
  int taken;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  if (name == NULL)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID, "“name” is missing");
      return NULL;
    }
  trimmed = trim_title (name);
  id = g_utf8_validate (trimmed, -1, NULL) ? cairn_tag_id_for_name (trimmed) : cairn_new_object_id ();
  /* The name's own id is taken by a tag renamed or deleted since: this
   * one gets a random id (two devices doing so offline make two tags). */
  if ((taken = _cairn_store_query_finds (self, "SELECT 1 FROM tags WHERE id = ?1", id,
                                         "Cannot look up a tag", error)) < 0)
    return NULL;
  if (taken)
    {
      g_free (id);
      id = cairn_new_object_id ();
    }
  /* No colour given: one chosen by the name's id, so that devices that
   * create the same name offline choose the same. */
  if (color == NULL)
    color = cairn_tag_colors[g_ascii_xdigit_value (id[0]) % g_strv_length ((char **) cairn_tag_colors)];
  args = args_new ("tag_id", id);
  json_object_set_string_member (args, "name", trimmed);
  json_object_set_string_member (args, "color", color);
  return commit_args (self, "tag.created", args, error) ? g_steal_pointer (&id) : NULL;
}

gboolean
cairn_store_rename_tag (CairnStore  *self,
                        const char  *tag_id,
                        const char  *name,
                        GError     **error)
{
  g_autofree char *trimmed = trim_title (name != NULL ? name : "");

  return set_field (self, &tag_kind, "tag.renamed", "tag_id", tag_id, "name", trimmed, error);
}

gboolean
cairn_store_recolor_tag (CairnStore  *self,
                         const char  *tag_id,
                         const char  *color,
                         GError     **error)
{
  return set_field (self, &tag_kind, "tag.recolored", "tag_id", tag_id, "color", color, error);
}

gboolean
cairn_store_delete_tag (CairnStore  *self,
                        const char  *tag_id,
                        GError     **error)
{
  return set_deleted (self, &tag_kind, "tag.deleted", "tag_id", tag_id, TRUE, error);
}

gboolean
cairn_store_set_todo_tagged (CairnStore  *self,
                             const char  *todo_id,
                             const char  *tag_id,
                             gboolean     tagged,
                             GError     **error)
{
  g_autoptr(JsonObject) args = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  if (!check_object (self, &todo_kind, todo_id, TRUE, NULL, NULL, error) ||
      !check_object (self, &tag_kind, tag_id, TRUE, NULL, NULL, error))
    return FALSE;
  args = args_new ("todo_id", todo_id);
  json_object_set_string_member (args, "tag_id", tag_id);
  return commit_args (self, tagged ? "todo.tagged" : "todo.untagged", args, error);
}

gboolean
cairn_store_ensure_inbox (CairnStore  *self,
                          GError     **error)
{
  g_autoptr(JsonObject) args = NULL;
  g_autofree char *first = NULL;
  g_autofree char *position = NULL;
  int exists;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);

  if ((exists = _cairn_store_query_finds (self, "SELECT 1 FROM lists WHERE id = ?1", CAIRN_INBOX_ID,
                                          "Cannot look up the Inbox", error)) != 0)
    return exists > 0;
  /* First in the sidebar; where it lands when another device's Inbox
   * comes first in the server's order is that one's place. */
  if (!query_position (self, "SELECT min(position) FROM lists WHERE ?1 IS NULL AND ?2 IS NULL "
                       "AND id IS NOT ?3 AND NOT deleted", NULL, NULL, NULL, &first, error))
    return FALSE;
  position = cairn_position_between (NULL, first);
  args = args_new ("list_id", CAIRN_INBOX_ID);
  json_object_set_string_member (args, "title", CAIRN_INBOX_TITLE);
  json_object_set_string_member (args, "position", position);
  /* Not a person's action: not on the undo stack (cairn-store-undo.c). */
  {
    gboolean was = self->undo_applying, ok;

    self->undo_applying = TRUE;
    ok = commit_args (self, "list.created", args, error);
    self->undo_applying = was;
    return ok;
  }
}

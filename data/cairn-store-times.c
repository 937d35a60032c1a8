/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-times.c: due times, reminders and repeats (issue 13): the
 * reducer of todo.completed, which moves a repeating todo to its next
 * occurrence, the wrappers that commit the new events, and the queries
 * the app uses (which reminders ring now, a todo's completed occurrences).
 * docs/events.md, "Due times, reminders and repeats", says the rules. */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include "cairn-store-private.h"
#include "cairn-times.h"

typedef struct
{
  gboolean  deleted;
  gboolean  done;
  char     *due;
  char     *anchor;
  char     *reminder;
  char     *repeat;
} TimesRow;

static void
times_row_clear (TimesRow *row)
{
  g_clear_pointer (&row->due, g_free);
  g_clear_pointer (&row->anchor, g_free);
  g_clear_pointer (&row->reminder, g_free);
  g_clear_pointer (&row->repeat, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TimesRow, times_row_clear)

/* 1 found, 0 no such todo, -1 error */
static int
read_times (CairnStore  *self,
            const char  *id,
            TimesRow    *row,
            GError     **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self,
                                             "SELECT deleted, done, due, due_anchor, reminder, repeat "
                                             "FROM todos WHERE id = ?1", error);
  int rc;

  if (stmt == NULL)
    return -1;
  if (sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return -1;
    }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      row->deleted = sqlite3_column_int (stmt, 0) != 0;
      row->done = sqlite3_column_int (stmt, 1) != 0;
      row->due = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      row->anchor = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      row->reminder = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      row->repeat = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read a todo");
      return -1;
    }
  return rc == SQLITE_ROW;
}

/* Binds ?1.. to the strings (NULL binds NULL) and steps to the end. */
static gboolean
run (CairnStore  *self,
     const char  *sql,
     GError     **error,
     guint        n,
     ...)
{
  sqlite3_stmt *stmt = _cairn_store_prepare_static (self, sql, error);
  va_list ap;

  if (stmt == NULL)
    return FALSE;
  va_start (ap, n);
  for (guint i = 1; i <= n; i++)
    {
      const char *value = va_arg (ap, const char *);

      if (sqlite3_bind_text (stmt, (int) i, value, -1, SQLITE_TRANSIENT) != SQLITE_OK)
        {
          va_end (ap);
          _cairn_store_set_error (self, error, "Cannot bind");
          return FALSE;
        }
    }
  va_end (ap);
  return _cairn_store_step_done (self, stmt, error);
}

/* todo.completed v2 {todo_id, occurrence?}.
 *
 * Without an occurrence, or on a todo that does not repeat (any more):
 * done = 1, a no-op when done already. With one on a repeating todo: the
 * occurrence is recorded in todo_occurrences (a no-op when it is there
 * already: another device completed the same occurrence), and when it is
 * still the todo's due date, due moves to the rule's next date after it
 * (counted from due_anchor), the reminder by as many days, armed again;
 * the todo stays open. When due is no longer that occurrence (someone
 * rescheduled it meanwhile), only the record is made: the new due date is
 * somebody's later intent. A rule with no date left before 10000 closes
 * the todo. */
CairnTreeResult
_cairn_store_apply_completion (CairnStore        *self,
                               const CairnEvent  *event,
                               CairnChanges      *changes,
                               GError           **error)
{
  g_auto(TimesRow) row = { 0 };
  g_autofree char *occurrence_id = NULL;
  g_autofree char *created_at = NULL;
  g_autofree char *next = NULL;
  g_autofree char *reminder = NULL;
  const char *id = _cairn_store_json_arg (event->args, "todo_id");
  const char *occurrence = _cairn_store_json_arg (event->args, "occurrence");
  int found;

  if ((found = read_times (self, id, &row, error)) < 0)
    return CAIRN_TREE_ERROR;
  if (!found)
    return CAIRN_TREE_MISSING;
  if (row.deleted)
    return CAIRN_TREE_NO_OP;

  if (occurrence == NULL || row.repeat == NULL)
    {
      if (row.done)
        return CAIRN_TREE_NO_OP;
      if (!run (self, "UPDATE todos SET done = 1 WHERE id = ?1", error, 1, id))
        return CAIRN_TREE_ERROR;
      goto changed;
    }

  occurrence_id = g_strconcat (id, "/", occurrence, NULL);
  found = _cairn_store_query_finds (self, "SELECT 1 FROM todo_occurrences WHERE id = ?1",
                                    occurrence_id, "Cannot read a todo's occurrences", error);
  if (found < 0)
    return CAIRN_TREE_ERROR;
  if (found)
    return CAIRN_TREE_NO_OP;

  created_at = g_strdup_printf ("%" G_GINT64_FORMAT, event->created_at);
  if (!run (self, "INSERT INTO todo_occurrences (id, todo_id, occurrence, completed_at) "
                  "VALUES (?1, ?2, ?3, CAST (?4 AS INTEGER))",
            error, 4, occurrence_id, id, occurrence, created_at))
    return CAIRN_TREE_ERROR;

  if (g_strcmp0 (row.due, occurrence) == 0)
    {
      next = cairn_repeat_next (row.repeat, row.anchor, occurrence);
      if (next == NULL)
        {
          if (!run (self, "UPDATE todos SET done = 1 WHERE id = ?1 AND NOT done", error, 1, id))
            return CAIRN_TREE_ERROR;
          goto changed;
        }
      if (row.reminder != NULL)
        reminder = cairn_moment_add_days (row.reminder, cairn_date_diff_days (occurrence, next));
      if (!run (self, "UPDATE todos SET due = ?2, reminder = ?3, reminder_dismissed = 0 "
                      "WHERE id = ?1", error, 3, id, next, reminder))
        return CAIRN_TREE_ERROR;
    }

changed:
  if (changes != NULL)
    g_hash_table_add (changes->todos, g_strdup (id));
  return CAIRN_TREE_CHANGED;
}

int
_cairn_store_completion_is_one_row (CairnStore        *self,
                                    const CairnEvent  *event,
                                    GError           **error)
{
  g_auto(TimesRow) row = { 0 };
  const char *id = _cairn_store_json_arg (event->args, "todo_id");
  int found;

  if (_cairn_store_json_arg (event->args, "occurrence") == NULL)
    return 1;
  if (id == NULL || (found = read_times (self, id, &row, error)) < 0)
    return id == NULL ? 0 : -1;
  return found && row.repeat == NULL;
}

/* Wrappers */

static gboolean
commit (CairnStore  *self,
        const char  *name,
        JsonObject  *args,
        GError     **error)
{
  g_autoptr(CairnEvent) event = cairn_store_commit (self, name, _cairn_event_current_version (name),
                                                    args, error);
  return event != NULL;
}

gboolean
cairn_store_set_todo_due_time (CairnStore  *self,
                               const char  *todo_id,
                               const char  *due,
                               const char  *time,
                               GError     **error)
{
  g_autoptr(JsonObject) args = json_object_new ();

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  if (!_cairn_store_check_todo (self, todo_id, TRUE, NULL, NULL, error))
    return FALSE;
  if (due == NULL && time != NULL)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "todo.due_set: “time” needs a “due” date");
      return FALSE;
    }
  json_object_set_string_member (args, "todo_id", todo_id);
  if (due == NULL)
    return commit (self, "todo.due_cleared", args, error);
  json_object_set_string_member (args, "due", due);
  if (time != NULL)
    json_object_set_string_member (args, "time", time);
  return commit (self, "todo.due_set", args, error);
}

/* {todo_id, field: value} as set_name on a live todo, or {todo_id} as
 * clear_name when value is NULL. */
static gboolean
set_or_clear (CairnStore  *self,
              const char  *todo_id,
              const char  *set_name,
              const char  *clear_name,
              const char  *field,
              const char  *value,
              GError     **error)
{
  g_autoptr(JsonObject) args = json_object_new ();

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  if (!_cairn_store_check_todo (self, todo_id, TRUE, NULL, NULL, error))
    return FALSE;
  json_object_set_string_member (args, "todo_id", todo_id);
  if (value == NULL)
    return commit (self, clear_name, args, error);
  json_object_set_string_member (args, field, value);
  return commit (self, set_name, args, error);
}

gboolean
cairn_store_set_todo_reminder (CairnStore  *self,
                               const char  *todo_id,
                               const char  *at,
                               GError     **error)
{
  return set_or_clear (self, todo_id, "todo.reminder_set", "todo.reminder_cleared", "at", at, error);
}

gboolean
cairn_store_dismiss_todo_reminder (CairnStore  *self,
                                   const char  *todo_id,
                                   GError     **error)
{
  g_auto(TimesRow) row = { 0 };
  g_autoptr(JsonObject) args = json_object_new ();

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  if (!_cairn_store_check_todo (self, todo_id, TRUE, NULL, NULL, error))
    return FALSE;
  if (read_times (self, todo_id, &row, error) < 0)
    return FALSE;
  if (row.reminder == NULL)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "todo.reminder_dismissed: todo %s has no reminder", todo_id);
      return FALSE;
    }
  json_object_set_string_member (args, "todo_id", todo_id);
  json_object_set_string_member (args, "at", row.reminder);
  return commit (self, "todo.reminder_dismissed", args, error);
}

gboolean
cairn_store_set_todo_repeat (CairnStore  *self,
                             const char  *todo_id,
                             const char  *rule,
                             GError     **error)
{
  return set_or_clear (self, todo_id, "todo.repeat_set", "todo.repeat_cleared", "rule", rule, error);
}

gboolean
_cairn_store_add_occurrence_arg (CairnStore  *self,
                                 const char  *todo_id,
                                 JsonObject  *args,
                                 GError     **error)
{
  g_auto(TimesRow) row = { 0 };
  int found;

  if ((found = read_times (self, todo_id, &row, error)) < 0)
    return FALSE;
  /* The occurrence on screen: the due date of a repeating todo */
  if (found && row.repeat != NULL && row.due != NULL)
    json_object_set_string_member (args, "occurrence", row.due);
  return TRUE;
}

/* Queries */

typedef struct
{
  gint64  instant;
  char   *id;
} Due;

static int
compare_due (gconstpointer a,
             gconstpointer b)
{
  const Due *x = a, *y = b;

  if (x->instant != y->instant)
    return x->instant < y->instant ? -1 : 1;
  return g_strcmp0 (x->id, y->id);
}

GPtrArray *
cairn_store_list_due_reminders (CairnStore  *self,
                                gint64       now_unix,
                                GError     **error)
{
  g_autoptr(GArray) due = g_array_new (FALSE, FALSE, sizeof (Due));
  GPtrArray *ids;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  stmt = _cairn_store_prepare (self,
                               "SELECT id, reminder FROM todos WHERE reminder IS NOT NULL "
                               "AND NOT reminder_dismissed AND NOT deleted AND NOT done", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *moment = (const char *) sqlite3_column_text (stmt, 1);
      Due d;

      if (!cairn_is_moment (moment))
        continue;
      d.instant = cairn_moment_to_unix (moment);
      if (d.instant > now_unix)
        continue;
      d.id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      g_array_append_val (due, d);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      for (guint i = 0; i < due->len; i++)
        g_free (g_array_index (due, Due, i).id);
      _cairn_store_set_error (self, error, "Cannot read the reminders");
      return NULL;
    }
  g_array_sort (due, compare_due);
  ids = g_ptr_array_new_full (due->len, g_free);
  for (guint i = 0; i < due->len; i++)
    g_ptr_array_add (ids, g_array_index (due, Due, i).id);
  return ids;
}

GPtrArray *
cairn_store_list_occurrences (CairnStore  *self,
                              const char  *todo_id,
                              GError     **error)
{
  g_autoptr(GPtrArray) dates = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  g_return_val_if_fail (todo_id != NULL, NULL);

  stmt = _cairn_store_prepare (self,
                               "SELECT occurrence FROM todo_occurrences WHERE todo_id = ?1 "
                               "ORDER BY occurrence", error);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_bind_text (stmt, 1, todo_id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (dates, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read a todo's occurrences");
      return NULL;
    }
  return g_steal_pointer (&dates);
}

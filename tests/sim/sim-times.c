/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sim-times.c: the simulation's oracle for due times, reminders and
 * repeats.
 *
 * Completing a repeating todo moves its due date and reminder, and a
 * second completion of the same occurrence does nothing, so "the last
 * device that set the field wins" does not describe due, done or the
 * reminder of a repeating todo. This file replays the server's log
 * through a small model written from the rules of docs/events.md ("Due
 * times, reminders and repeats"), not from the store's code: what each
 * person did must have survived, in the server's order. In particular:
 * every occurrence someone completed while the todo repeated is in its
 * history exactly once (the table's key makes "once" hold; the model
 * checks "every one, and nothing else"); a repeating todo's due date is
 * the rule's next date after the last completed occurrence that still was
 * its due date, unless someone set a due date later; the last reminder set
 * in the log is the reminder (moved with completions); a dismissed
 * reminder stays dismissed until someone sets a reminder again.
 *
 * Todos that were ever deleted (their events may have been no-ops) and
 * todos an event named before its create (the store parks such events)
 * are left out, as in the other oracles. The calendar (cairn-times.c)
 * has its own unit tests.
 */
#include "config.h"

#include <string.h>

#include "cairn-times.h"
#include "sim-times.h"

typedef struct
{
  char       *due;
  char       *time;
  char       *anchor;
  char       *reminder;
  char       *repeat;
  gboolean    dismissed;
  gboolean    done;
  gboolean    repeated;   /* a rule was set at some point */
  gboolean    unsure;     /* an event named it before its create */
  GHashTable *occurrences;  /* set of dates */
} TTodo;

struct _SimTimes
{
  GHashTable *todos;    /* id -> TTodo */
  GHashTable *unsure;   /* ids named before their create */
  guint       n_occurrences;
};

static void
ttodo_free (TTodo *t)
{
  g_free (t->due);
  g_free (t->time);
  g_free (t->anchor);
  g_free (t->reminder);
  g_free (t->repeat);
  g_hash_table_unref (t->occurrences);
  g_free (t);
}

static const char *
arg (const CairnEvent *e,
     const char       *name)
{
  return json_object_get_string_member_with_default (e->args, name, NULL);
}

static void
set (char       **field,
     const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static void
apply (SimTimes         *times,
       const CairnEvent *e)
{
  const char *id = arg (e, "todo_id");
  TTodo *t;

  if (id == NULL || !g_str_has_prefix (e->name, "todo."))
    return;
  t = g_hash_table_lookup (times->todos, id);
  if (g_str_equal (e->name, "todo.created"))
    {
      if (t == NULL && !g_hash_table_contains (times->unsure, id))
        {
          t = g_new0 (TTodo, 1);
          t->occurrences = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          g_hash_table_insert (times->todos, g_strdup (id), t);
        }
      return;
    }
  if (t == NULL)
    {
      /* before its create: the store parks it; not modelled */
      g_hash_table_add (times->unsure, g_strdup (id));
      return;
    }

  if (g_str_equal (e->name, "todo.due_set"))
    {
      set (&t->due, arg (e, "due"));
      set (&t->time, arg (e, "time"));
      set (&t->anchor, arg (e, "due"));
    }
  else if (g_str_equal (e->name, "todo.due_cleared"))
    {
      set (&t->due, NULL);
      set (&t->time, NULL);
      set (&t->anchor, NULL);
    }
  else if (g_str_equal (e->name, "todo.reminder_set"))
    {
      set (&t->reminder, arg (e, "at"));
      t->dismissed = FALSE;
    }
  else if (g_str_equal (e->name, "todo.reminder_cleared"))
    {
      set (&t->reminder, NULL);
      t->dismissed = FALSE;
    }
  else if (g_str_equal (e->name, "todo.reminder_dismissed"))
    {
      if (g_strcmp0 (t->reminder, arg (e, "at")) == 0)
        t->dismissed = TRUE;
    }
  else if (g_str_equal (e->name, "todo.repeat_set"))
    {
      set (&t->repeat, arg (e, "rule"));
      t->repeated = TRUE;
    }
  else if (g_str_equal (e->name, "todo.repeat_cleared"))
    set (&t->repeat, NULL);
  else if (g_str_equal (e->name, "todo.reopened"))
    t->done = FALSE;
  else if (g_str_equal (e->name, "todo.completed"))
    {
      const char *occurrence = arg (e, "occurrence");

      if (occurrence == NULL || t->repeat == NULL)
        t->done = TRUE;
      else if (!g_hash_table_contains (t->occurrences, occurrence))
        {
          /* done: in the history, once */
          g_hash_table_add (t->occurrences, g_strdup (occurrence));
          times->n_occurrences++;
          /* still the due date: on to the rule's next one, the reminder
           * by as many days, ringing again */
          if (g_strcmp0 (t->due, occurrence) == 0)
            {
              g_autofree char *next = cairn_repeat_next (t->repeat, t->anchor, occurrence);

              if (next == NULL)
                t->done = TRUE;
              else
                {
                  if (t->reminder != NULL)
                    {
                      char *moved = cairn_moment_add_days (t->reminder,
                                                           cairn_date_diff_days (occurrence, next));
                      g_free (t->reminder);
                      t->reminder = moved;
                    }
                  t->dismissed = FALSE;
                  set (&t->due, next);
                }
            }
        }
    }
}

SimTimes *
sim_times_new (GPtrArray *log)
{
  SimTimes *times = g_new0 (SimTimes, 1);

  times->todos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) ttodo_free);
  times->unsure = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < log->len; i++)
    {
      g_autoptr(CairnEvent) current = cairn_event_upcast (log->pdata[i]);

      apply (times, current);
    }
  return times;
}

void
sim_times_free (SimTimes *times)
{
  g_hash_table_unref (times->todos);
  g_hash_table_unref (times->unsure);
  g_free (times);
}

gboolean
sim_times_repeated (SimTimes   *times,
                    const char *id)
{
  TTodo *t = g_hash_table_lookup (times->todos, id);

  return t == NULL || t->repeated || g_hash_table_contains (times->unsure, id);
}

guint
sim_times_count_occurrences (SimTimes *times)
{
  return times->n_occurrences;
}

static char *
column (sqlite3    *db,
        const char *sql,
        const char *id)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

static int
compare_dates (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

char *
sim_times_check (SimTimes *times,
                 SimTree  *tree,
                 sqlite3  *db)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, times->todos);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *id = key;
      TTodo *t = value;
      g_autofree char *exists = NULL;
      g_autofree char *history = NULL;
      g_autoptr(GPtrArray) dates = g_ptr_array_new ();
      const struct { const char *what; const char *sql; char *expected; } fields[] = {
        { "due", "SELECT due FROM todos WHERE id = ?1", t->due },
        { "due time", "SELECT due_time FROM todos WHERE id = ?1", t->time },
        { "reminder", "SELECT reminder FROM todos WHERE id = ?1", t->reminder },
        { "dismissed", "SELECT reminder_dismissed FROM todos WHERE id = ?1", t->dismissed ? "1" : "0" },
        { "repeat", "SELECT repeat FROM todos WHERE id = ?1", t->repeat },
        { "done", "SELECT done FROM todos WHERE id = ?1", t->done ? "1" : "0" },
      };

      if (g_hash_table_contains (times->unsure, id) || sim_tree_ever_deleted (tree, id))
        continue;
      exists = column (db, "SELECT id FROM todos WHERE id = ?1", id);
      if (exists == NULL)
        continue;   /* its create waits for its list or parent */
      for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
        {
          g_autofree char *actual = column (db, fields[i].sql, id);

          if (g_strcmp0 (actual, fields[i].expected) != 0)
            return g_strdup_printf ("intent (times): todo %s's %s is “%s”, but the log makes it “%s”%s",
                                    id, fields[i].what, actual ? actual : "NULL",
                                    fields[i].expected ? fields[i].expected : "NULL",
                                    t->repeated ? " (a repeating todo)" : "");
        }

      {
        GHashTableIter occ;
        gpointer date;

        g_hash_table_iter_init (&occ, t->occurrences);
        while (g_hash_table_iter_next (&occ, &date, NULL))
          g_ptr_array_add (dates, date);
      }
      g_ptr_array_sort (dates, compare_dates);
      g_ptr_array_add (dates, NULL);
      history = column (db, "SELECT group_concat (occurrence, ' ') FROM (SELECT occurrence FROM "
                            "todo_occurrences WHERE todo_id = ?1 ORDER BY occurrence)", id);
      {
        g_autofree char *expected = g_strjoinv (" ", (char **) dates->pdata);

        if (g_strcmp0 (history != NULL ? history : "", expected) != 0)
          return g_strdup_printf ("intent (times): todo %s's completed occurrences are “%s”, but "
                                  "those completed in the log are “%s”", id,
                                  history != NULL ? history : "", expected);
      }
    }
  return NULL;
}

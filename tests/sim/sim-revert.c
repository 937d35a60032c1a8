/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sim-revert.c: the oracle of "restore this version" (issue 15).
 *
 * A version of an object is what its history says: the object's own
 * events in the device's order (confirmed by seq, then pending by
 * client_seq) up to the chosen one, without those the reducers refused
 * (skipped). This file reduces them again with its own model of
 * docs/events.md (a second creation and a change of a deleted object are
 * no-ops, text still merges),
 * straight to the row's columns (titles, done, due date and time,
 * priority, reminder, repeat, place, pinned, name, colour, deleted), the
 * todo's live tags and the text (note body, todo notes: the events' ops
 * applied to a fresh replica), and compares that with the device's row
 * right after the revert. What a version is not, by design (the object's
 * own events do not say it), is excused and said where it is. */
#include "config.h"

#include <string.h>

#include "cairn-store.h"
#include "cairn-text.h"
#include "sim-revert.h"

/* The replica the model replays a text on (never makes ops). */
#define MODEL_TEXT_CLIENT "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"

struct _SimVersion
{
  char       *kind;
  char       *id;
  GHashTable *cols;         /* column -> value (NULL: SQL NULL) */
  GHashTable *tags;         /* tag ids on it */
  CairnText  *text;         /* todos and notes */
  gboolean    exists;       /* created at the version */
  gboolean    repeats;      /* a repeat rule or a completed occurrence in any of its events */
  gboolean    was_deleted;  /* the row before the revert */
  gboolean    gone_with;    /* deleted with an ancestor before the revert */
  gboolean    under_deleted; /* a todo some ancestor of which was ever deleted */
  gboolean    maybe_cycle;   /* a todo moved under one that was ever in its subtree */
};

void
sim_version_free (SimVersion *v)
{
  if (v == NULL)
    return;
  g_free (v->kind);
  g_free (v->id);
  g_clear_pointer (&v->cols, g_hash_table_unref);
  g_clear_pointer (&v->tags, g_hash_table_unref);
  g_clear_pointer (&v->text, cairn_text_free);
  g_free (v);
}

static void
set_col (SimVersion *v,
         const char *col,
         const char *value)
{
  g_hash_table_insert (v->cols, g_strdup (col), g_strdup (value));
}

/* @member of @args as text, NULL when absent or null. */
static const char *
arg (JsonObject *args,
     const char *member)
{
  JsonNode *node = json_object_get_member (args, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return json_node_get_string (node);
}

static void
apply_ops (SimVersion *v,
           JsonObject *args)
{
  g_autoptr(GError) error = NULL;
  g_autofree guchar *raw = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CairnTextOps) ops = NULL;
  gsize len = 0;

  if (arg (args, "ops") == NULL)
    return;
  raw = g_base64_decode (arg (args, "ops"), &len);
  bytes = g_bytes_new (raw, len);
  ops = cairn_text_ops_decode (bytes, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_text_apply (v->text, ops, CAIRN_TEXT_APPLY_DEFAULT, &error));
  g_assert_no_error (error);
}

/* One event of the object, by docs/events.md's reducers (the object's
 * own columns only). */
static void
reduce (SimVersion *v,
        const char *name,
        JsonObject *a)
{
  const char *n = strchr (name, '.') + 1;

  if (g_str_equal (n, "created"))
    {
      /* no-op when the row exists (every device makes the Inbox; two
       * devices make a tag of one name) */
      if (v->exists)
        return;
      v->exists = TRUE;
      set_col (v, "deleted", "0");
      if (g_str_equal (v->kind, "tag"))
        {
          set_col (v, "name", arg (a, "name"));
          set_col (v, "color", arg (a, "color"));
          return;
        }
      set_col (v, "title", arg (a, "title"));
      if (g_str_equal (v->kind, "note"))
        set_col (v, "pinned", "0");
      if (g_str_equal (v->kind, "list"))
        set_col (v, "position", arg (a, "position"));
      if (g_str_equal (v->kind, "todo"))
        {
          set_col (v, "list_id", arg (a, "list_id"));
          set_col (v, "parent_id", arg (a, "parent_id"));
          set_col (v, "position", arg (a, "position"));
          set_col (v, "done", "0");
        }
    }
  else if (g_str_equal (n, "deleted") || g_str_equal (n, "restored"))
    set_col (v, "deleted", n[0] == 'd' ? "1" : "0");
  else if (g_str_equal (n, "edited") || g_str_equal (n, "notes_edited"))
    apply_ops (v, a);   /* a deleted note or todo still merges */
  /* every other change of a deleted object is a no-op */
  else if (g_strcmp0 (g_hash_table_lookup (v->cols, "deleted"), "1") == 0)
    return;
  else if (g_str_equal (n, "renamed"))
    set_col (v, g_str_equal (v->kind, "tag") ? "name" : "title", arg (a, g_str_equal (v->kind, "tag") ? "name" : "title"));
  else if (g_str_equal (n, "recolored"))
    set_col (v, "color", arg (a, "color"));
  else if (g_str_equal (n, "pinned") || g_str_equal (n, "unpinned"))
    set_col (v, "pinned", n[0] == 'p' ? "1" : "0");
  else if (g_str_equal (n, "moved"))
    {
      set_col (v, "position", arg (a, "position"));
      if (g_str_equal (v->kind, "todo"))
        {
          set_col (v, "parent_id", arg (a, "parent_id"));
          if (arg (a, "list_id") != NULL && arg (a, "parent_id") == NULL)
            set_col (v, "list_id", arg (a, "list_id"));
        }
    }
  else if (g_str_equal (n, "completed"))
    {
      if (json_object_has_member (a, "occurrence"))
        v->repeats = TRUE;
      else
        set_col (v, "done", "1");
    }
  else if (g_str_equal (n, "reopened"))
    set_col (v, "done", "0");
  else if (g_str_equal (n, "due_set"))
    {
      set_col (v, "due", arg (a, "due"));
      set_col (v, "due_time", arg (a, "time"));
    }
  else if (g_str_equal (n, "due_cleared"))
    {
      set_col (v, "due", NULL);
      set_col (v, "due_time", NULL);
    }
  else if (g_str_equal (n, "priority_set"))
    set_col (v, "priority", arg (a, "priority"));
  else if (g_str_equal (n, "tagged"))
    g_hash_table_add (v->tags, g_strdup (arg (a, "tag_id")));
  else if (g_str_equal (n, "untagged"))
    g_hash_table_remove (v->tags, arg (a, "tag_id"));
  else if (g_str_equal (n, "reminder_set"))
    set_col (v, "reminder", arg (a, "at"));
  else if (g_str_equal (n, "reminder_cleared"))
    set_col (v, "reminder", NULL);
  else if (g_str_equal (n, "repeat_set") || g_str_equal (n, "repeat_cleared"))
    {
      v->repeats = TRUE;
      set_col (v, "repeat", n[7] == 's' ? arg (a, "rule") : NULL);
    }
}

static char *
query_text (sqlite3    *db,
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

/* The object's events: @pending FALSE the confirmed ones (up to @upto
 * when > 0), TRUE the pending ones (up to client_seq @upto when > 0).
 * @after: whether they come after the version (only noted for repeats). */
static void
walk (SimVersion *v,
      sqlite3    *db,
      gboolean    pending,
      gint64      upto,
      gboolean    after)
{
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt = NULL;

  if (pending)
    sql = g_strdup_printf ("SELECT name, args, 0 FROM pending WHERE name LIKE '%s.%%' "
                           "AND json_extract (args, '$.%s_id') = ?1 AND (?2 <= 0 OR client_seq %s ?2) "
                           "ORDER BY client_seq", v->kind, v->kind, after ? ">" : "<=");
  else
    sql = g_strdup_printf ("SELECT name, args, skipped FROM log WHERE name LIKE '%s.%%' "
                           "AND json_extract (args, '$.%s_id') = ?1 AND (?2 <= 0 OR seq %s ?2) "
                           "ORDER BY seq", v->kind, v->kind, after ? ">" : "<=");
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, v->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, upto);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);
      g_autoptr(JsonNode) node = json_from_string ((const char *) sqlite3_column_text (stmt, 1), NULL);

      if (sqlite3_column_int (stmt, 2) != 0 || node == NULL)
        continue;
      if (after)
        {
          if (strstr (name, "repeat_") != NULL ||
              (g_str_equal (name, "todo.completed") &&
               json_object_has_member (json_node_get_object (node), "occurrence")))
            v->repeats = TRUE;
          continue;
        }
      reduce (v, name, json_node_get_object (node));
    }
  sqlite3_finalize (stmt);
}

/* Whether some todo @id was ever under (any parent its events name, and
 * theirs) has a deletion in @db's log or outbox. */
static gboolean
ancestor_ever_deleted (sqlite3    *db,
                       const char *id,
                       GHashTable *seen)
{
  g_autoptr(GPtrArray) parents = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT json_extract (args, '$.parent_id') FROM log "
                                           "WHERE name IN ('todo.created', 'todo.moved') AND json_extract (args, '$.todo_id') = ?1 "
                                           "UNION SELECT json_extract (args, '$.parent_id') FROM pending "
                                           "WHERE name IN ('todo.created', 'todo.moved') AND json_extract (args, '$.todo_id') = ?1",
                                   -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    if (sqlite3_column_type (stmt, 0) != SQLITE_NULL)
      g_ptr_array_add (parents, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  for (guint i = 0; i < parents->len; i++)
    {
      const char *parent = parents->pdata[i];
      g_autofree char *deleted = NULL;

      if (!g_hash_table_add (seen, g_strdup (parent)))
        continue;
      deleted = query_text (db, "SELECT 1 FROM log WHERE name = 'todo.deleted' AND json_extract (args, '$.todo_id') = ?1 "
                                "UNION SELECT 1 FROM pending WHERE name = 'todo.deleted' "
                                "AND json_extract (args, '$.todo_id') = ?1", parent);
      if (deleted != NULL || ancestor_ever_deleted (db, parent, seen))
        return TRUE;
    }
  return FALSE;
}

/* Whether a parent @id's events name was ever in @id's subtree (some
 * events put it under @id, or under a todo they put there): a move of
 * @id under it may then have been a cycle, a no-op that @id's own events
 * do not show. */
static gboolean
parent_ever_below (sqlite3    *db,
                   const char *id)
{
  static const char *children_sql =
    "SELECT json_extract (args, '$.todo_id') FROM log WHERE name IN ('todo.created', 'todo.moved') "
    "AND json_extract (args, '$.parent_id') = ?1 UNION SELECT json_extract (args, '$.todo_id') FROM pending "
    "WHERE name IN ('todo.created', 'todo.moved') AND json_extract (args, '$.parent_id') = ?1";
  static const char *parents_sql =
    "SELECT json_extract (args, '$.parent_id') FROM log WHERE name IN ('todo.created', 'todo.moved') "
    "AND json_extract (args, '$.todo_id') = ?1 UNION SELECT json_extract (args, '$.parent_id') FROM pending "
    "WHERE name IN ('todo.created', 'todo.moved') AND json_extract (args, '$.todo_id') = ?1";
  g_autoptr(GHashTable) below = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) queue = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  gboolean found = FALSE;

  g_ptr_array_add (queue, g_strdup (id));
  g_assert_cmpint (sqlite3_prepare_v2 (db, children_sql, -1, &stmt, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < queue->len; i++)
    {
      sqlite3_bind_text (stmt, 1, queue->pdata[i], -1, SQLITE_TRANSIENT);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *child = (const char *) sqlite3_column_text (stmt, 0);

          if (child != NULL && !g_str_equal (child, id) && g_hash_table_add (below, g_strdup (child)))
            g_ptr_array_add (queue, g_strdup (child));
        }
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_prepare_v2 (db, parents_sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  while (!found && sqlite3_step (stmt) == SQLITE_ROW)
    found = sqlite3_column_type (stmt, 0) != SQLITE_NULL &&
            g_hash_table_contains (below, sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return found;
}

SimVersion *
sim_version_new (CairnStore *store,
                 const char *kind,
                 const char *id,
                 gint64      seq,
                 gint64      client_seq)
{
  sqlite3 *db = _cairn_store_get_db (store);
  SimVersion *v = g_new0 (SimVersion, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *deleted = NULL;
  g_autofree char *gone_with = NULL;

  v->kind = g_strdup (kind);
  v->id = g_strdup (id);
  v->cols = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  v->tags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (g_str_equal (kind, "todo"))
    {
      set_col (v, "priority", "none");
      set_col (v, "due", NULL);
      set_col (v, "due_time", NULL);
      set_col (v, "reminder", NULL);
      set_col (v, "repeat", NULL);
    }
  if (g_str_equal (kind, "todo") || g_str_equal (kind, "note"))
    {
      v->text = cairn_text_new (MODEL_TEXT_CLIENT, &error);
      g_assert_no_error (error);
    }
  walk (v, db, FALSE, seq, FALSE);
  if (seq <= 0)
    walk (v, db, TRUE, client_seq, FALSE);
  /* a rule or a completion at any time: below */
  if (seq > 0)
    walk (v, db, FALSE, seq, TRUE);
  walk (v, db, TRUE, seq > 0 ? 0 : client_seq, TRUE);

  sql = g_strdup_printf ("SELECT deleted FROM %ss WHERE id = ?1", kind);
  deleted = query_text (db, sql, id);
  v->was_deleted = g_strcmp0 (deleted, "1") == 0;
  if (g_str_equal (kind, "todo"))
    {
      g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      gone_with = query_text (db, "SELECT gone_with FROM todos WHERE id = ?1", id);
      v->gone_with = gone_with != NULL;
      v->under_deleted = ancestor_ever_deleted (db, id, seen);
      v->maybe_cycle = parent_ever_below (db, id);
    }
  return v;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char *
live_tags (sqlite3    *db,
           const char *todo_id,
           GHashTable *only)   /* nullable: tags the model has */
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;
  GHashTableIter iter;
  gpointer key;

  if (only == NULL)
    {
      g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT tt.tag_id FROM todo_tags tt JOIN tags t ON t.id = tt.tag_id "
                                               "WHERE tt.todo_id = ?1 AND tt.tagged AND NOT t.deleted "
                                               "ORDER BY tt.tag_id", -1, &stmt, NULL), ==, SQLITE_OK);
      sqlite3_bind_text (stmt, 1, todo_id, -1, SQLITE_TRANSIENT);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_string_append_printf (out, "%s ", sqlite3_column_text (stmt, 0));
      sqlite3_finalize (stmt);
      return g_string_free (out, FALSE);
    }
  /* The model's tags that are live tags now (tagging a deleted tag, or
   * one this device has not heard of, is a no-op). */
  g_hash_table_iter_init (&iter, only);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autofree char *dead = query_text (db, "SELECT deleted FROM tags WHERE id = ?1", key);

      if (g_strcmp0 (dead, "0") == 0)
        g_ptr_array_add (ids, g_strdup (key));
    }
  g_ptr_array_sort (ids, compare_strings);
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (out, "%s ", (char *) ids->pdata[i]);
  return g_string_free (out, FALSE);
}

/* CAIRN_SIM_EXPLAIN: the object's events as the device has them. */
static void
explain (SimVersion *v,
         sqlite3    *db)
{
  g_autofree char *sql = g_strdup_printf ("SELECT seq, client_id, client_seq, name, substr (args, 1, 160), skipped FROM log "
                                          "WHERE name LIKE '%s.%%' AND json_extract (args, '$.%s_id') = ?1 UNION ALL "
                                          "SELECT 0, 'pending', client_seq, name, substr (args, 1, 160), 0 FROM pending "
                                          "WHERE name LIKE '%s.%%' AND json_extract (args, '$.%s_id') = ?1", v->kind, v->kind, v->kind, v->kind);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, v->id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_printerr ("  %s %s/%s %s %s%s\n", sqlite3_column_text (stmt, 0), sqlite3_column_text (stmt, 1),
                sqlite3_column_text (stmt, 2), sqlite3_column_text (stmt, 3), sqlite3_column_text (stmt, 4),
                sqlite3_column_int (stmt, 5) ? " (skipped)" : "");
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT seq, name, substr (args, 1, 200) FROM log WHERE json_extract (args, '$.parent_id') = ?1 "
                                           "UNION ALL SELECT 0, name, substr (args, 1, 200) FROM pending "
                                           "WHERE json_extract (args, '$.parent_id') = ?1", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, v->id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_printerr ("  child: %s %s %s\n", sqlite3_column_text (stmt, 0), sqlite3_column_text (stmt, 1),
                sqlite3_column_text (stmt, 2));
  sqlite3_finalize (stmt);
}

static char *check (SimVersion *v, CairnStore *store);

char *
sim_version_check (SimVersion *v,
                   CairnStore *store)
{
  char *failure = check (v, store);

  if (failure != NULL && g_getenv ("CAIRN_SIM_EXPLAIN") != NULL)
    explain (v, _cairn_store_get_db (store));
  return failure;
}

static char *
check (SimVersion *v,
       CairnStore *store)
{
  sqlite3 *db = _cairn_store_get_db (store);
  g_autoptr(GError) error = NULL;
  const char *deleted = g_hash_table_lookup (v->cols, "deleted");
  GHashTableIter iter;
  gpointer key, value;

  if (!v->exists)
    return NULL;   /* a version before the object was made: cannot be picked */
  /* A todo deleted with an ancestor: its own events do not hold that
   * deletion, so no version brings it back (restore the ancestor); the
   * events the revert makes on a deleted todo are no-ops. */
  if (v->gone_with)
    return NULL;
  /* A todo under a deleted parent cannot come back alone: its restore
   * joins the parent's deletion (docs/events.md, todo.restored). */
  if (g_str_equal (v->kind, "todo"))
    {
      g_autofree char *parent_deleted = query_text (db, "SELECT p.deleted FROM todos t JOIN todos p "
                                                        "ON p.id = t.parent_id WHERE t.id = ?1", v->id);

      if (g_strcmp0 (parent_deleted, "1") == 0)
        return NULL;
    }
  /* Deleted then and now: the revert writes no restore, and changes of a
   * deleted object are no-ops (docs/events.md); only `deleted` holds. */
  if (v->was_deleted && g_strcmp0 (deleted, "1") == 0)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT deleted FROM %ss WHERE id = ?1", v->kind);
      g_autofree char *now = query_text (db, sql, v->id);

      return g_strcmp0 (now, "1") == 0 ? NULL
             : g_strdup_printf ("revert: %s %s is live, its version deleted", v->kind, v->id);
    }

  g_hash_table_iter_init (&iter, v->cols);
  while (!v->under_deleted && g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *col = key;
      g_autofree char *sql = g_strdup_printf ("SELECT %s FROM %ss WHERE id = ?1", col, v->kind);
      g_autofree char *now = NULL;

      /* A subtask's list is its parent's (moves of an ancestor carry it,
       * with no event about it). */
      if (g_str_equal (col, "list_id") && g_hash_table_lookup (v->cols, "parent_id") != NULL)
        continue;
      /* A repeating todo's done and due, and its reminder, follow its
       * completions by the rule, which the history does not replay
       * (docs/store.md, “History”: the limits of a revert). */
      if (v->repeats && (g_str_equal (col, "done") || g_str_equal (col, "due") ||
                         g_str_equal (col, "due_time") || g_str_equal (col, "reminder")))
        continue;
      /* A move under a todo that was then in its subtree was a cycle,
       * a no-op its own events do not show. */
      if (v->maybe_cycle && (g_str_equal (col, "parent_id") || g_str_equal (col, "position") ||
                             g_str_equal (col, "list_id")))
        continue;
      now = query_text (db, sql, v->id);
      if (g_strcmp0 (now, value) != 0)
        return g_strdup_printf ("revert: %s %s has %s “%s”, its version “%s”", v->kind, v->id, col,
                                now ? now : "NULL", value ? (char *) value : "NULL");
    }
  /* A subtask whose ancestor was deleted at some point: its changes
   * meanwhile were no-ops, which its own events do not show (the history
   * and so the version count them): only its text is sure. */
  if (g_str_equal (v->kind, "todo") && !v->under_deleted)
    {
      g_autofree char *want = live_tags (db, v->id, v->tags);
      g_autofree char *have = live_tags (db, v->id, NULL);

      if (!g_str_equal (want, have))
        return g_strdup_printf ("revert: todo %s has the tags [%s], its version [%s]", v->id, have, want);
    }
  if (v->text != NULL)
    {
      g_autofree char *want = cairn_text_get_text (v->text, NULL);
      g_autofree char *have = NULL;

      if (g_str_equal (v->kind, "todo"))
        have = cairn_store_dup_todo_notes (store, v->id, &error);
      else
        {
          g_autoptr(CairnText) text = _cairn_store_load_text_any (store, TRUE, v->id, &error);

          if (text != NULL)
            have = cairn_text_get_text (text, NULL);
        }
      g_assert_no_error (error);
      if (g_strcmp0 (want, have) != 0)
        return g_strdup_printf ("revert: the text of %s %s is “%s”, its version “%s”", v->kind, v->id,
                                have, want);
    }
  return NULL;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-reducers.c: what each event does to the state tables.
 *
 * Every reducer is one SQL statement whose named parameters are the event's
 * args (":title" binds args.title, NULL when absent) plus ":created_at"
 * (the event's own timestamp, part of the event, so still deterministic).
 * The WHERE clauses make an event that no longer applies a no-op: a rename
 * of a deleted object, a create of an existing id, a change to the value
 * the row already has. An event from the log whose object does not exist
 * yet (a rename before the create, a todo before its list: an order a
 * broken or older client left in the server's log) is parked instead and
 * applied, in log order, right after the object's create (see "Parking"
 * below). No clock, no randomness, no local-only tables: every replica
 * that applies the same events gets the same rows. docs/events.md
 * describes each one.
 */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include "cairn-store-private.h"

typedef struct
{
  const char *name;     /* event name; reducers see only the newest version */
  const char *table;    /* state table it writes */
  const char *id_arg;   /* arg holding the primary key of the row written */
  const char *sql;
  const char *id_arg2;  /* with it, the key is "ID_ARG/ID_ARG2" (todo_tags) */
} CairnReducer;

/* The key of the row a reducer writes, newly allocated. */
static char *
reducer_row_id (const char *id,
                const char *id2)
{
  return id2 != NULL ? g_strconcat (id, "/", id2, NULL) : g_strdup (id);
}

static const CairnReducer reducers[] = {
  { "list.created", "lists", "list_id",
    "INSERT INTO lists (id, title, position) VALUES (:list_id, :title, :position) "
    "ON CONFLICT (id) DO NOTHING" },
  { "list.renamed", "lists", "list_id",
    "UPDATE lists SET title = :title "
    "WHERE id = :list_id AND NOT deleted AND title IS NOT :title" },
  { "list.moved", "lists", "list_id",
    "UPDATE lists SET position = :position "
    "WHERE id = :list_id AND NOT deleted AND position IS NOT :position" },
  /* The Inbox cannot be deleted: a local commit refuses it, and one from
   * elsewhere (an older build) changes nothing. */
  { "list.deleted", "lists", "list_id",
    "UPDATE lists SET deleted = 1 WHERE id = :list_id AND NOT deleted "
    "AND id <> '" CAIRN_INBOX_ID "'" },
  { "list.restored", "lists", "list_id",
    "UPDATE lists SET deleted = 0 WHERE id = :list_id AND deleted" },

  /* A todo created in a list that is deleted is still created (restoring
   * the list brings it back); in a list that does not exist, it is not.
   * Under a parent (v2): in the parent's list, wherever the parent is now,
   * and under a deleted parent deleted with the parent's deletion root, so
   * that restoring that brings it back (cairn-store-subtasks.c). A parent
   * that does not exist: it waits; itself as parent: no-op. */
  { "todo.created", "todos", "todo_id",
    "INSERT INTO todos (id, list_id, title, position, parent_id, deleted, gone_with) "
    "SELECT :todo_id, coalesce (p.list_id, :list_id), :title, :position, :parent_id, "
    "  coalesce (p.deleted, 0), CASE WHEN p.deleted THEN coalesce (p.gone_with, p.id) END "
    "FROM (SELECT 1) LEFT JOIN todos AS p ON p.id = :parent_id "
    "WHERE EXISTS (SELECT 1 FROM lists WHERE id = :list_id) "
    "AND (:parent_id IS NULL OR (p.id IS NOT NULL AND :parent_id IS NOT :todo_id)) "
    "ON CONFLICT (id) DO NOTHING" },
  { "todo.renamed", "todos", "todo_id",
    "UPDATE todos SET title = :title "
    "WHERE id = :todo_id AND NOT deleted AND title IS NOT :title" },
  /* todo.completed (v2) may move a repeating todo to its next occurrence:
   * several statements, in cairn-store-times.c. */
  { "todo.reopened", "todos", "todo_id",
    "UPDATE todos SET done = 0 WHERE id = :todo_id AND NOT deleted AND done" },
  /* v2: the time too (absent: date only); the date a person sets is the
   * anchor a repeat rule counts from. */
  { "todo.due_set", "todos", "todo_id",
    "UPDATE todos SET due = :due, due_time = :time, due_anchor = :due "
    "WHERE id = :todo_id AND NOT deleted "
    "AND (due IS NOT :due OR due_time IS NOT :time OR due_anchor IS NOT :due)" },
  { "todo.due_cleared", "todos", "todo_id",
    "UPDATE todos SET due = NULL, due_time = NULL, due_anchor = NULL "
    "WHERE id = :todo_id AND NOT deleted AND (due IS NOT NULL OR due_time IS NOT NULL)" },
  /* todo.moved, todo.deleted and todo.restored carry a subtree: several
   * statements, in cairn-store-subtasks.c. */

  /* edited_at: the latest timestamp of the note's creates and renames
   * (max: the same whatever order the events came in); with
   * note_versions.edited_at, the note's "last edited" (docs/events.md). */
  { "note.created", "notes", "note_id",
    "INSERT INTO notes (id, title, created_at, edited_at) "
    "VALUES (:note_id, :title, :created_at, :created_at) "
    "ON CONFLICT (id) DO NOTHING" },
  { "note.renamed", "notes", "note_id",
    "UPDATE notes SET title = :title, edited_at = max (edited_at, :created_at) "
    "WHERE id = :note_id AND NOT deleted AND title IS NOT :title" },
  /* Pinned notes stay at the top of the list; the last in the log wins. */
  { "note.pinned", "notes", "note_id",
    "UPDATE notes SET pinned = 1 WHERE id = :note_id AND NOT deleted AND NOT pinned" },
  { "note.unpinned", "notes", "note_id",
    "UPDATE notes SET pinned = 0 WHERE id = :note_id AND NOT deleted AND pinned" },
  { "note.deleted", "notes", "note_id",
    "UPDATE notes SET deleted = 1 WHERE id = :note_id AND NOT deleted" },
  { "note.restored", "notes", "note_id",
    "UPDATE notes SET deleted = 0 WHERE id = :note_id AND deleted" },

  /* Priorities and tags (issue 13). A deleted tag is final: it ignores
   * every later event, and todos no longer show it (readers join on
   * tags.deleted); tagging with it is a no-op. The set of a todo's tags:
   * the last of todo.tagged / todo.untagged in the log's order wins. */
  { "todo.priority_set", "todos", "todo_id",
    "UPDATE todos SET priority = :priority "
    "WHERE id = :todo_id AND NOT deleted AND priority IS NOT :priority" },
  { "tag.created", "tags", "tag_id",
    "INSERT INTO tags (id, name, color) VALUES (:tag_id, :name, :color) "
    "ON CONFLICT (id) DO NOTHING" },
  { "tag.renamed", "tags", "tag_id",
    "UPDATE tags SET name = :name WHERE id = :tag_id AND NOT deleted AND name IS NOT :name" },
  { "tag.recolored", "tags", "tag_id",
    "UPDATE tags SET color = :color WHERE id = :tag_id AND NOT deleted AND color IS NOT :color" },
  { "tag.deleted", "tags", "tag_id",
    "UPDATE tags SET deleted = 1 WHERE id = :tag_id AND NOT deleted" },
  { "todo.tagged", "todo_tags", "todo_id",
    "INSERT INTO todo_tags (id, todo_id, tag_id) "
    "SELECT :todo_id || '/' || :tag_id, :todo_id, :tag_id "
    "WHERE EXISTS (SELECT 1 FROM todos WHERE id = :todo_id AND NOT deleted) "
    "AND EXISTS (SELECT 1 FROM tags WHERE id = :tag_id AND NOT deleted) "
    "ON CONFLICT (id) DO UPDATE SET tagged = 1 WHERE NOT tagged", "tag_id" },
  { "todo.untagged", "todo_tags", "todo_id",
    "UPDATE todo_tags SET tagged = 0 WHERE id = :todo_id || '/' || :tag_id AND tagged "
    "AND EXISTS (SELECT 1 FROM todos WHERE id = :todo_id AND NOT deleted) "
    "AND EXISTS (SELECT 1 FROM tags WHERE id = :tag_id AND NOT deleted)", "tag_id" },

  /* Reminders and repeats (issue 13). Setting a reminder arms it (again,
   * when the same moment was dismissed: a person asked for it); a
   * dismissal names the moment it dismisses and is a no-op once the
   * reminder changed, so a new reminder rings. */
  { "todo.reminder_set", "todos", "todo_id",
    "UPDATE todos SET reminder = :at, reminder_dismissed = 0 "
    "WHERE id = :todo_id AND NOT deleted AND (reminder IS NOT :at OR reminder_dismissed)" },
  { "todo.reminder_cleared", "todos", "todo_id",
    "UPDATE todos SET reminder = NULL, reminder_dismissed = 0 "
    "WHERE id = :todo_id AND NOT deleted AND reminder IS NOT NULL" },
  { "todo.reminder_dismissed", "todos", "todo_id",
    "UPDATE todos SET reminder_dismissed = 1 "
    "WHERE id = :todo_id AND NOT deleted AND reminder IS :at AND NOT reminder_dismissed" },
  { "todo.repeat_set", "todos", "todo_id",
    "UPDATE todos SET repeat = :rule "
    "WHERE id = :todo_id AND NOT deleted AND repeat IS NOT :rule" },
  { "todo.repeat_cleared", "todos", "todo_id",
    "UPDATE todos SET repeat = NULL "
    "WHERE id = :todo_id AND NOT deleted AND repeat IS NOT NULL" },
};

/* todo.created at the top level (no parent_id), the common case: the same
 * row as the reducer above writes, by a statement that does not read
 * todos. An INSERT … SELECT that reads the table it writes makes SQLite
 * copy the SELECT's result into a temporary table first (one b-tree
 * opened, filled and freed per event: some 15 % of a catch-up's
 * instructions, issue 17). */
/* Its list is looked for first (step_reducer()): a single-row INSERT …
 * VALUES with no trigger needs no statement journal, where an INSERT …
 * SELECT makes SQLite copy every page it changes for the statement's
 * rollback (issue 17, second round). */
static const char todo_created_top_sql[] =
  "INSERT INTO todos (id, list_id, title, position, parent_id, deleted, gone_with) "
  "VALUES (:todo_id, :list_id, :title, :position, NULL, 0, NULL) "
  "ON CONFLICT (id) DO NOTHING";

/* Steps @stmt, made from @sql, the reducer's statement; 1 when it wrote
 * a row, 0 when not, -1 on error. The top-level todo.created of a list
 * that does not exist writes nothing (its INSERT would fail the foreign
 * key): the list is looked for first. */
static int
step_reducer (CairnStore    *self,
              sqlite3_stmt  *stmt,
              const char    *sql,
              const char    *list_id,
              GError       **error)
{
  if (sql == todo_created_top_sql && !_cairn_store_tail_knows_list (self, list_id))
    {
      sqlite3_stmt *find = _cairn_store_prepare_static (self, "SELECT 1 FROM lists WHERE id = ?1",
                                                        error);
      int rc;

      if (find == NULL)
        return -1;
      if (sqlite3_bind_text (find, 1, list_id, -1, SQLITE_STATIC) != SQLITE_OK)
        {
          _cairn_store_set_error (self, error, "Cannot bind");
          return -1;
        }
      rc = sqlite3_step (find);
      sqlite3_reset (find);
      if (rc == SQLITE_DONE)
        return 0;
      if (rc != SQLITE_ROW)
        {
          _cairn_store_set_error (self, error, "Cannot read");
          return -1;
        }
      _cairn_store_tail_remember_list (self, list_id);
    }
  if (!_cairn_store_step_done (self, stmt, error))
    return -1;
  return sqlite3_changes (self->db) > 0;
}

/* The statement of @reducer for an event whose parent_id is @parent_id. */
static const char *
reducer_sql (const CairnReducer *reducer,
             const char         *parent_id)
{
  if (parent_id == NULL && g_str_equal (reducer->name, "todo.created"))
    return todo_created_top_sql;
  return reducer->sql;
}

static const CairnReducer *
lookup_reducer (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (reducers); i++)
    if (g_str_equal (reducers[i].name, name))
      return &reducers[i];
  return NULL;
}

static gboolean
bind_args (CairnStore       *self,
           sqlite3_stmt     *stmt,
           const CairnEvent *event,
           GError          **error)
{
  for (int i = 1; i <= sqlite3_bind_parameter_count (stmt); i++)
    {
      const char *param = sqlite3_bind_parameter_name (stmt, i) + 1;  /* skip ':' */
      JsonNode *value;
      int rc;

      if (g_str_equal (param, "created_at"))
        rc = sqlite3_bind_int64 (stmt, i, event->created_at);
      else if ((value = json_object_get_member (event->args, param)) != NULL)
        rc = sqlite3_bind_text (stmt, i, json_node_get_string (value), -1, SQLITE_STATIC);
      else
        rc = sqlite3_bind_null (stmt, i);

      if (rc != SQLITE_OK)
        {
          _cairn_store_set_error (self, error, "Cannot bind");
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- Parking ---------------------------------------------------------
 *
 * Which object an event needs, in the order checked: the first one that
 * does not exist is the one it waits for. A create needs nothing of its
 * own (a todo needs its list). */
static const struct
{
  const char *name;
  const char *table;
  const char *arg;
} needs[] = {
  { "list.renamed",     "lists", "list_id" },
  { "list.moved",       "lists", "list_id" },
  { "list.deleted",     "lists", "list_id" },
  { "list.restored",    "lists", "list_id" },
  { "todo.created",     "lists", "list_id" },
  { "todo.created",     "todos", "parent_id" },
  { "todo.renamed",     "todos", "todo_id" },
  { "todo.completed",   "todos", "todo_id" },
  { "todo.reopened",    "todos", "todo_id" },
  { "todo.due_set",     "todos", "todo_id" },
  { "todo.due_cleared", "todos", "todo_id" },
  { "todo.moved",       "todos", "todo_id" },
  { "todo.moved",       "lists", "list_id" },
  { "todo.moved",       "todos", "parent_id" },
  { "todo.deleted",     "todos", "todo_id" },
  { "todo.restored",    "todos", "todo_id" },
  { "note.renamed",     "notes", "note_id" },
  { "note.deleted",     "notes", "note_id" },
  { "note.restored",    "notes", "note_id" },
  { "note.edited",      "notes", "note_id" },
  { "note.pinned",      "notes", "note_id" },
  { "note.unpinned",    "notes", "note_id" },
  { "todo.notes_edited", "todos", "todo_id" },
  { "todo.priority_set", "todos", "todo_id" },
  { "tag.renamed",      "tags",  "tag_id" },
  { "tag.recolored",    "tags",  "tag_id" },
  { "tag.deleted",      "tags",  "tag_id" },
  { "todo.tagged",      "todos", "todo_id" },
  { "todo.tagged",      "tags",  "tag_id" },
  { "todo.untagged",    "todos", "todo_id" },
  { "todo.untagged",    "tags",  "tag_id" },
  { "todo.reminder_set",       "todos", "todo_id" },
  { "todo.reminder_cleared",   "todos", "todo_id" },
  { "todo.reminder_dismissed", "todos", "todo_id" },
  { "todo.repeat_set",         "todos", "todo_id" },
  { "todo.repeat_cleared",     "todos", "todo_id" },
};

/* Parked events of our own outbox (no seq yet) sort after every logged one. */
#define PARKED_PENDING_ORD (G_GINT64_CONSTANT (1) << 62)

typedef const char *(*ArgLookup) (gconstpointer args, const char *member);

const char *
_cairn_store_json_arg (gconstpointer  args,
                       const char    *member)
{
  JsonNode *node = json_object_get_member ((JsonObject *) args, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
}

static const char *
flat_arg (gconstpointer  args,
          const char    *member)
{
  const CairnFlatMember *m = _cairn_flat_args_lookup (args, member);

  return m != NULL ? m->string : NULL;
}

static int
row_exists (CairnStore  *self,
            const char  *table,
            const char  *id,
            GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT 1 FROM %s WHERE id = ?1", table);

  return _cairn_store_query_finds (self, sql, id, "Cannot look up an object", error);
}

/* For an event that changed nothing: the object it needs that does not
 * exist (*target, pointing into args), else *target NULL. */
static gboolean
missing_target (CairnStore    *self,
                const char    *name,
                ArgLookup      lookup,
                gconstpointer  args,
                const char   **target,
                GError       **error)
{
  *target = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (needs); i++)
    {
      const char *id;
      int exists;

      if (!g_str_equal (needs[i].name, name) || (id = lookup (args, needs[i].arg)) == NULL)
        continue;
      /* A todo as its own parent is a no-op, not a wait for itself. */
      if (g_str_equal (needs[i].arg, "parent_id") && g_strcmp0 (id, lookup (args, "todo_id")) == 0)
        continue;
      if ((exists = row_exists (self, needs[i].table, id, error)) < 0)
        return FALSE;
      if (!exists)
        {
          *target = id;
          return TRUE;
        }
    }
  return TRUE;
}

static gboolean
park (CairnStore  *self,
      const char  *target,
      gint64       seq,
      const char  *client_id,
      gint64       client_seq,
      const char  *name,
      guint        version,
      const char  *args_json,
      gint64       created_at,
      GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = _cairn_store_prepare (self,
                               "INSERT OR IGNORE INTO parked (target, ord, client_id, client_seq, "
                               "name, version, args, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                               error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_text (stmt, 1, target, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
      sqlite3_bind_int64 (stmt, 2, seq > 0 ? seq : PARKED_PENDING_ORD + client_seq) != SQLITE_OK ||
      sqlite3_bind_text (stmt, 3, client_id != NULL ? client_id : self->client_id, -1,
                         SQLITE_TRANSIENT) != SQLITE_OK ||
      sqlite3_bind_int64 (stmt, 4, client_seq) != SQLITE_OK ||
      sqlite3_bind_text (stmt, 5, name, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
      sqlite3_bind_int64 (stmt, 6, version) != SQLITE_OK ||
      sqlite3_bind_text (stmt, 7, args_json, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
      sqlite3_bind_int64 (stmt, 8, created_at) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  g_debug ("Parking %s (seq %" G_GINT64_FORMAT ") until %s exists", name, seq, target);
  self->parked_maybe = TRUE;
  return _cairn_store_step_done (self, stmt, error);
}

/* 1 when events wait for @id, 0 when none, -1 on error. */
static int
has_parked (CairnStore  *self,
            const char  *id,
            GError     **error)
{
  if (!self->parked_maybe)
    return 0;
  /* Most of the time nothing waits at all: say so once, and skip the
   * look-up for every create after it. */
  {
    sqlite3_stmt *any = _cairn_store_prepare (self, "SELECT 1 FROM parked LIMIT 1", error);
    int rc;

    if (any == NULL)
      return -1;
    rc = sqlite3_step (any);
    sqlite3_reset (any);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      {
        _cairn_store_set_error (self, error, "Cannot read the parked events");
        return -1;
      }
    if (rc == SQLITE_DONE)
      {
        self->parked_maybe = FALSE;
        return 0;
      }
  }
  return _cairn_store_query_finds (self, "SELECT 1 FROM parked WHERE target = ?1", id,
                                   "Cannot look up an object", error);
}

static gboolean park_event_if_orphan (CairnStore *self, const CairnEvent *event, GError **error);
static gboolean apply (CairnStore *self, const CairnEvent *event, CairnChanges *changes,
                       gboolean *skipped, GBytes **changeset, GError **error);

/* The object @id was just created: the events that waited for it follow,
 * in log order (each may wait again, for another object). */
static gboolean
unpark (CairnStore    *self,
        const char    *id,
        CairnChanges  *changes,
        GError       **error)
{
  g_autoptr(GPtrArray) events = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if ((rc = has_parked (self, id, error)) <= 0)
    return rc == 0;
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  stmt = _cairn_store_prepare (self,
                               /* In the log's order: ord is the seq an event had
                                * when it parked, or past every seq for one of our
                                * pending events, which may be in the log by now
                                * (confirmed by the rebase's fast path, without
                                * being applied again). */
                               "SELECT coalesce ((SELECT seq FROM log WHERE log.client_id = "
                               "  parked.client_id AND log.client_seq = parked.client_seq), ord) AS o, "
                               "client_id, client_seq, name, version, args, created_at "
                               "FROM parked WHERE target = ?1 ORDER BY o, client_id, client_seq",
                               error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonObject) args = NULL;
      CairnEvent *event;
      gint64 ord = sqlite3_column_int64 (stmt, 0);

      args = _cairn_store_parse_args (self, (const char *) sqlite3_column_text (stmt, 5), error);
      if (args == NULL)
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
      event = cairn_event_new ((const char *) sqlite3_column_text (stmt, 3),
                               (guint) sqlite3_column_int64 (stmt, 4), args);
      event->seq = ord < PARKED_PENDING_ORD ? ord : 0;
      event->client_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      event->client_seq = sqlite3_column_int64 (stmt, 2);
      event->created_at = sqlite3_column_int64 (stmt, 6);
      g_ptr_array_add (events, event);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the parked events");
      return FALSE;
    }
  if (events->len == 0)
    return TRUE;

  stmt = _cairn_store_prepare (self, "DELETE FROM parked WHERE target = ?1", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  if (!_cairn_store_step_done (self, stmt, error))
    return FALSE;

  for (guint i = 0; i < events->len; i++)
    {
      gboolean skipped;

      g_debug ("Applying parked %s (seq %" G_GINT64_FORMAT ") now that %s exists",
               ((CairnEvent *) events->pdata[i])->name, ((CairnEvent *) events->pdata[i])->seq, id);
      if (!apply (self, events->pdata[i], changes, &skipped, NULL, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
park_event_if_orphan (CairnStore        *self,
                      const CairnEvent  *event,
                      GError           **error)
{
  g_autofree char *args_json = NULL;
  const char *target;

  if (!missing_target (self, event->name, _cairn_store_json_arg, event->args, &target, error))
    return FALSE;
  if (target == NULL)
    return TRUE;
  args_json = cairn_event_dup_args_json (event);
  return park (self, target, event->seq, event->client_id, event->client_seq,
               event->name, event->version, args_json, event->created_at, error);
}

/* After a reducer's statement: a create that made its row lets the events
 * that waited for it follow; an event that changed nothing because its
 * object does not exist waits for it. Only where nothing records a
 * one-row changeset (events from the log, rebuild): our own events are
 * made on objects that exist here, and nobody else can know an object of
 * ours before its create is in the log. */
static gboolean
after_reducer (CairnStore        *self,
               const CairnEvent  *event,
               const char        *id,
               gboolean           changed,
               CairnChanges      *changes,
               GError           **error)
{
  if (changed)
    return !g_str_has_suffix (event->name, ".created") || unpark (self, id, changes, error);
  return park_event_if_orphan (self, event, error);
}

/* A one-row reducer wrote the row of object @id: tell @changes (when
 * not NULL) which object changed. */
static void
report_row (CairnStore         *self,
            const CairnReducer *reducer,
            const char         *id,
            CairnChanges       *changes)
{
  if (g_str_equal (reducer->table, "notes"))
    self->note_rows_serial++;
  if (changes != NULL)
    {
      /* todo_tags: the todo's tags changed (id is its todo_id) */
      GHashTable *set = g_str_equal (reducer->table, "lists") ? changes->lists :
                        g_str_equal (reducer->table, "todos") ? changes->todos :
                        g_str_equal (reducer->table, "todo_tags") ? changes->todos :
                        g_str_equal (reducer->table, "tags") ? changes->tags :
                        changes->notes;

      g_hash_table_add (set, g_strdup (id));
      if (set == changes->notes)
        g_hash_table_add (changes->note_rows, g_strdup (id));
    }
}

/* changeset NULL: do not record; else *changeset receives the changeset
 * of what the reducer wrote (the event must have a one-row reducer). */
static gboolean
apply (CairnStore       *self,
       const CairnEvent *event,
       CairnChanges     *changes,
       gboolean         *skipped,
       GBytes          **changeset,
       GError          **error)
{
  g_autoptr(CairnEvent) current = NULL;
  g_autoptr(GError) invalid = NULL;
  g_autoptr(CairnRowImage) before = NULL;
  g_autoptr(CairnRowImage) after = NULL;
  g_autofree char *row_id = NULL;
  const CairnReducer *reducer;
  const char *id;
  const char *sql;
  sqlite3_stmt *stmt;
  int wrote;

  *skipped = FALSE;
  if (changeset != NULL)
    *changeset = g_bytes_new (NULL, 0);
  _cairn_event_ensure_args (event);
  if (_cairn_event_lookup_spec (event->name, event->version) == NULL)
    {
      *skipped = TRUE;
      return TRUE;
    }

  current = cairn_event_upcast (event);
  if (!cairn_event_validate (current, &invalid))
    {
      /* The server does not look inside args, so another (buggy) client's
       * event may be malformed: every replica skips it the same way. */
      g_warning ("Skipping event %" G_GINT64_FORMAT " from %s: %s",
                 event->seq, event->client_id ? event->client_id : "this device",
                 invalid->message);
      return TRUE;
    }

  /* Text merges through the CRDT instead of one SQL statement; what the
   * state records is one row of note_versions, encoded like the others. */
  if (_cairn_store_is_text_event (current->name))
    {
      gboolean todo = g_str_equal (current->name, "todo.notes_edited");
      const char *table = todo ? "todo_note_versions" : "note_versions";

      id = json_object_get_string_member (current->args, todo ? "todo_id" : "note_id");
      if (changeset != NULL &&
          (before = _cairn_row_image_read (self, table, id, error)) == NULL)
        return FALSE;
      if (!(todo ? _cairn_store_apply_todo_notes_edit (self, current, changes, error)
                 : _cairn_store_apply_note_edit (self, current, changes, error)))
        return FALSE;
      if (changeset == NULL && !park_event_if_orphan (self, current, error))
        return FALSE;
      if (changeset != NULL)
        {
          if ((after = _cairn_row_image_read (self, table, id, error)) == NULL)
            return FALSE;
          g_bytes_unref (*changeset);
          *changeset = _cairn_changeset_encode (self, table, before, after);
        }
      return TRUE;
    }

  if (_cairn_store_is_tree_event (current->name) || g_str_equal (current->name, "todo.completed"))
    {
      CairnTreeResult result;

      /* With a changeset: the caller knows it writes the todo's row only
       * (a todo with no children, that exists). */
      id = json_object_get_string_member (current->args, "todo_id");
      if (changeset != NULL &&
          (before = _cairn_row_image_read (self, "todos", id, error)) == NULL)
        return FALSE;
      result = g_str_equal (current->name, "todo.completed") ?
               _cairn_store_apply_completion (self, current, changes, error) :
               _cairn_store_apply_tree_event (self, current, changes, error);
      if (result == CAIRN_TREE_ERROR)
        return FALSE;
      if (changeset != NULL)
        {
          g_assert (result != CAIRN_TREE_MISSING);
          if ((after = _cairn_row_image_read (self, "todos", id, error)) == NULL)
            return FALSE;
          g_bytes_unref (*changeset);
          *changeset = _cairn_changeset_encode (self, "todos", before, after);
          return TRUE;
        }
      if (result == CAIRN_TREE_MISSING)
        return park_event_if_orphan (self, current, error);
      return TRUE;
    }

  reducer = lookup_reducer (current->name);
  g_assert (reducer != NULL);
  id = json_object_get_string_member (current->args, reducer->id_arg);
  row_id = reducer_row_id (id, reducer->id_arg2 != NULL ?
                           json_object_get_string_member (current->args, reducer->id_arg2) : NULL);

  if (changeset != NULL &&
      (before = _cairn_row_image_read (self, reducer->table, row_id, error)) == NULL)
    return FALSE;

  sql = reducer_sql (reducer, _cairn_store_json_arg (current->args, "parent_id"));
  stmt = _cairn_store_prepare_static (self, sql, error);
  if (stmt == NULL ||
      !bind_args (self, stmt, current, error) ||
      (wrote = step_reducer (self, stmt, sql, _cairn_store_json_arg (current->args, "list_id"),
                             error)) < 0)
    return FALSE;

  if (!wrote)
    return changeset != NULL || after_reducer (self, current, id, FALSE, changes, error);

  if (changeset != NULL)
    {
      if ((after = _cairn_row_image_read (self, reducer->table, row_id, error)) == NULL)
        return FALSE;
      g_bytes_unref (*changeset);
      *changeset = _cairn_changeset_encode (self, reducer->table, before, after);
    }

  report_row (self, reducer, id, changes);
  return changeset != NULL || after_reducer (self, current, id, TRUE, changes, error);
}

/* _cairn_store_apply_flat() for rebuild (@event NULL, @changes NULL)
 * and for an event of a catch-up that has no JsonObject (@event, whose
 * members @args are: the events it does not take are applied by apply()
 * once the event has its args, and the rows it writes are reported to
 * @changes as apply() reports them). */
static gboolean
apply_flat (CairnStore          *self,
            const CairnEvent    *event,
            const char          *name,
            guint                version,
            const CairnFlatArgs *args,
            gint64               created_at,
            gint64               seq,
            const char          *client_id,
            gint64               client_seq,
            CairnChanges        *changes,
            gboolean            *skipped,
            GError             **error)
{
  g_autoptr(GError) invalid = NULL;
  const CairnEventSpec *spec, *newest;
  const CairnReducer *reducer;
  const CairnFlatMember *id;
  const char *sql;
  sqlite3_stmt *stmt;
  int wrote;

  *skipped = FALSE;
  if ((spec = _cairn_event_lookup_spec (name, version)) == NULL)
    {
      *skipped = TRUE;
      return TRUE;
    }

  /* An older version that upcasting takes to the newest with the same
   * args (todo.created v1, …) is applied as that version, as apply() does
   * after cairn_event_upcast(). */
  if (!_cairn_event_spec_is_newest (spec) && (newest = _cairn_event_spec_upcast_as_is (spec)) != NULL)
    {
      spec = newest;
      version = newest->version;
    }

  /* To be upcast otherwise, or not a one-row reducer of the table above
   * (note.edited, which apply() sends to the text CRDT before it looks at
   * the table): as usual. */
  reducer = lookup_reducer (name);
  if (reducer == NULL || _cairn_store_is_text_event (name) ||
      !_cairn_event_spec_is_newest (spec))
    {
      g_autoptr(JsonObject) object = NULL;
      g_autoptr(CairnEvent) made = NULL;

      if (event != NULL)
        return apply (self, event, changes, skipped, NULL, error);
      object = _cairn_flat_args_to_object (args);
      made = cairn_event_new (name, version, object);
      made->created_at = created_at;
      made->seq = seq;
      made->client_id = g_strdup (client_id);
      made->client_seq = client_seq;
      return apply (self, made, NULL, skipped, NULL, error);
    }

  /* The same steps as apply() for an event of the newest version (its
   * args already checked if it was made from the wire) */
  if (!(event != NULL && event->flat == args && event->flat_valid_as == version) &&
      !_cairn_event_validate_flat (name, version, args, &invalid))
    {
      g_warning ("Skipping event %" G_GINT64_FORMAT " from %s: %s",
                 seq, client_id ? client_id : "this device", invalid->message);
      return TRUE;
    }

  id = _cairn_flat_args_lookup (args, reducer->id_arg);
  g_assert (id != NULL && id->string != NULL);
  sql = reducer_sql (reducer, flat_arg (args, "parent_id"));
  stmt = _cairn_store_prepare_static (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  for (int i = 1; i <= sqlite3_bind_parameter_count (stmt); i++)
    {
      const char *param = sqlite3_bind_parameter_name (stmt, i) + 1;  /* skip ':' */
      const CairnFlatMember *value;
      int rc;

      if (g_str_equal (param, "created_at"))
        rc = sqlite3_bind_int64 (stmt, i, created_at);
      else if ((value = _cairn_flat_args_lookup (args, param)) != NULL)
        rc = sqlite3_bind_text (stmt, i, value->string, -1, SQLITE_STATIC);
      else
        rc = sqlite3_bind_null (stmt, i);
      if (rc != SQLITE_OK)
        {
          _cairn_store_set_error (self, error, "Cannot bind");
          return FALSE;
        }
    }
  if ((wrote = step_reducer (self, stmt, sql, flat_arg (args, "list_id"), error)) < 0)
    return FALSE;

  /* As after_reducer(), without building the event unless it waits. */
  if (wrote)
    {
      if (event != NULL)
        report_row (self, reducer, id->string, changes);
      return !g_str_has_suffix (name, ".created") || unpark (self, id->string, changes, error);
    }
  {
    const char *target;

    if (!missing_target (self, name, flat_arg, args, &target, error))
      return FALSE;
    if (target != NULL)
      {
        g_autoptr(JsonObject) object = _cairn_flat_args_to_object (args);
        g_autoptr(CairnEvent) made = cairn_event_new (name, version, object);
        g_autofree char *args_json = cairn_event_dup_args_json (made);

        return park (self, target, seq, client_id, client_seq, name, version, args_json,
                     created_at, error);
      }
  }
  return TRUE;
}

gboolean
_cairn_store_apply_event (CairnStore       *self,
                          const CairnEvent *event,
                          CairnChanges     *changes,
                          gboolean         *skipped,
                          GError          **error)
{
  const CairnFlatArgs *flat = _cairn_event_get_flat (event);

  /* An event of a catch-up, made without its JsonObject (issue 17). */
  if (flat != NULL)
    return apply_flat (self, event, event->name, event->version, flat, event->created_at,
                       event->seq, event->client_id, event->client_seq, changes, skipped,
                       error);
  return apply (self, event, changes, skipped, NULL, error);
}

gboolean
_cairn_store_apply_flat (CairnStore          *self,
                         const char          *name,
                         guint                version,
                         const CairnFlatArgs *args,
                         gint64               created_at,
                         gint64               seq,
                         const char          *client_id,
                         gint64               client_seq,
                         gboolean            *skipped,
                         GError             **error)
{
  return apply_flat (self, NULL, name, version, args, created_at, seq, client_id, client_seq,
                     NULL, skipped, error);
}

gboolean
_cairn_store_apply_event_recorded (CairnStore       *self,
                                   const CairnEvent *event,
                                   CairnChanges     *changes,
                                   gboolean         *skipped,
                                   GBytes          **changeset,
                                   GError          **error)
{
  g_autoptr(sqlite3_session) session = NULL;

  int waiting = 0;

  _cairn_event_ensure_args (event);
  /* A create that parked events wait for writes their rows too, and an
   * event whose object does not exist here parks itself (the same as it
   * will once it is in the log): the session records all of it. */
  if (g_str_has_suffix (event->name, ".created") && lookup_reducer (event->name) != NULL)
    {
      const char *id = _cairn_store_json_arg (event->args, lookup_reducer (event->name)->id_arg);

      if (id != NULL && (waiting = has_parked (self, id, error)) < 0)
        return FALSE;
    }
  if (!waiting && _cairn_event_lookup_spec (event->name, event->version) != NULL)
    {
      const char *target = NULL;

      if (!missing_target (self, event->name, _cairn_store_json_arg, event->args, &target, error))
        return FALSE;
      waiting = target != NULL;
    }

  /* A subtree event on a todo without children (deleted ones count)
   * writes that todo's row only: the commonest case, a one-row changeset
   * (a session costs about as much again as the whole commit). */
  if (!waiting && _cairn_store_is_tree_event (event->name) &&
      _cairn_event_lookup_spec (event->name, event->version) != NULL)
    {
      const char *id = _cairn_store_json_arg (event->args, "todo_id");
      int has_children;

      if (id != NULL &&
          (has_children = _cairn_store_query_finds (self, "SELECT 1 FROM todos WHERE parent_id = ?1",
                                                    id, "Cannot look up a todo's subtasks",
                                                    error)) < 0)
        return FALSE;
      if (id != NULL && !has_children)
        return apply (self, event, changes, skipped, changeset, error);
    }

  /* A completion that moves no repeating todo writes the todo's row
   * only: a one-row changeset, as before repeats (cairn-store-times.c). */
  if (!waiting && g_str_equal (event->name, "todo.completed") &&
      _cairn_event_lookup_spec (event->name, event->version) != NULL)
    {
      int one_row = _cairn_store_completion_is_one_row (self, event, error);

      if (one_row < 0)
        return FALSE;
      if (one_row)
        return apply (self, event, changes, skipped, changeset, error);
    }

  /* Upcasting keeps an event's name, so the name says whether it has a
   * one-row reducer (note.edited writes one row of note_versions).
   * Anything else is recorded by a session. */
  if (!waiting && (lookup_reducer (event->name) != NULL || _cairn_store_is_text_event (event->name)))
    return apply (self, event, changes, skipped, changeset, error);

  *changeset = NULL;
  if ((session = _cairn_store_session_new (self, error)) == NULL ||
      !_cairn_store_apply_event (self, event, changes, skipped, error) ||
      !_cairn_store_session_take (self, session, changeset, error))
    {
      g_clear_pointer (changeset, g_bytes_unref);
      return FALSE;
    }
  return TRUE;
}

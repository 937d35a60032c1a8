/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-reducers.c: what each event does to the state tables.
 *
 * Every reducer is one SQL statement whose named parameters are the event's
 * args (":title" binds args.title, NULL when absent) plus ":created_at"
 * (the event's own timestamp, part of the event, so still deterministic).
 * The WHERE clauses make an event that no longer applies a no-op: a rename
 * of a missing or deleted object, a create of an existing id, a change to
 * the value the row already has. No clock, no randomness, no local-only
 * tables: every replica that applies the same events gets the same rows.
 * docs/events.md describes each one.
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
} CairnReducer;

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
  { "list.deleted", "lists", "list_id",
    "UPDATE lists SET deleted = 1 WHERE id = :list_id AND NOT deleted" },
  { "list.restored", "lists", "list_id",
    "UPDATE lists SET deleted = 0 WHERE id = :list_id AND deleted" },

  /* A todo created in a list that is deleted is still created (restoring
   * the list brings it back); in a list that does not exist, it is not. */
  { "todo.created", "todos", "todo_id",
    "INSERT INTO todos (id, list_id, title, position) "
    "SELECT :todo_id, :list_id, :title, :position "
    "WHERE EXISTS (SELECT 1 FROM lists WHERE id = :list_id) "
    "ON CONFLICT (id) DO NOTHING" },
  { "todo.renamed", "todos", "todo_id",
    "UPDATE todos SET title = :title "
    "WHERE id = :todo_id AND NOT deleted AND title IS NOT :title" },
  { "todo.completed", "todos", "todo_id",
    "UPDATE todos SET done = 1 WHERE id = :todo_id AND NOT deleted AND NOT done" },
  { "todo.reopened", "todos", "todo_id",
    "UPDATE todos SET done = 0 WHERE id = :todo_id AND NOT deleted AND done" },
  { "todo.due_set", "todos", "todo_id",
    "UPDATE todos SET due = :due "
    "WHERE id = :todo_id AND NOT deleted AND due IS NOT :due" },
  { "todo.due_cleared", "todos", "todo_id",
    "UPDATE todos SET due = NULL "
    "WHERE id = :todo_id AND NOT deleted AND due IS NOT NULL" },
  /* list_id absent: stay in the current list. A target list that does not
   * exist makes the whole move a no-op. */
  { "todo.moved", "todos", "todo_id",
    "UPDATE todos SET list_id = coalesce (:list_id, list_id), position = :position "
    "WHERE id = :todo_id AND NOT deleted "
    "AND (:list_id IS NULL OR EXISTS (SELECT 1 FROM lists WHERE id = :list_id)) "
    "AND (position IS NOT :position OR list_id IS NOT coalesce (:list_id, list_id))" },
  { "todo.deleted", "todos", "todo_id",
    "UPDATE todos SET deleted = 1 WHERE id = :todo_id AND NOT deleted" },
  { "todo.restored", "todos", "todo_id",
    "UPDATE todos SET deleted = 0 WHERE id = :todo_id AND deleted" },

  { "note.created", "notes", "note_id",
    "INSERT INTO notes (id, title, created_at) VALUES (:note_id, :title, :created_at) "
    "ON CONFLICT (id) DO NOTHING" },
  { "note.renamed", "notes", "note_id",
    "UPDATE notes SET title = :title "
    "WHERE id = :note_id AND NOT deleted AND title IS NOT :title" },
  { "note.deleted", "notes", "note_id",
    "UPDATE notes SET deleted = 1 WHERE id = :note_id AND NOT deleted" },
  { "note.restored", "notes", "note_id",
    "UPDATE notes SET deleted = 0 WHERE id = :note_id AND deleted" },
};

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
  const CairnReducer *reducer;
  const char *id;
  sqlite3_stmt *stmt;

  *skipped = FALSE;
  if (changeset != NULL)
    *changeset = g_bytes_new (NULL, 0);
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
  if (g_str_equal (current->name, "note.edited"))
    {
      id = json_object_get_string_member (current->args, "note_id");
      if (changeset != NULL &&
          (before = _cairn_row_image_read (self, "note_versions", id, error)) == NULL)
        return FALSE;
      if (!_cairn_store_apply_note_edit (self, current, changes, error))
        return FALSE;
      if (changeset != NULL)
        {
          if ((after = _cairn_row_image_read (self, "note_versions", id, error)) == NULL)
            return FALSE;
          g_bytes_unref (*changeset);
          *changeset = _cairn_changeset_encode (self, "note_versions", before, after);
        }
      return TRUE;
    }

  reducer = lookup_reducer (current->name);
  g_assert (reducer != NULL);
  id = json_object_get_string_member (current->args, reducer->id_arg);

  if (changeset != NULL &&
      (before = _cairn_row_image_read (self, reducer->table, id, error)) == NULL)
    return FALSE;

  stmt = _cairn_store_prepare_static (self, reducer->sql, error);
  if (stmt == NULL ||
      !bind_args (self, stmt, current, error) ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    return TRUE;

  if (changeset != NULL)
    {
      if ((after = _cairn_row_image_read (self, reducer->table, id, error)) == NULL)
        return FALSE;
      g_bytes_unref (*changeset);
      *changeset = _cairn_changeset_encode (self, reducer->table, before, after);
    }

  if (changes != NULL)
    {
      GHashTable *set = g_str_equal (reducer->table, "lists") ? changes->lists :
                        g_str_equal (reducer->table, "todos") ? changes->todos :
                        changes->notes;

      g_hash_table_add (set, g_strdup (id));
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
                         gboolean            *skipped,
                         GError             **error)
{
  g_autoptr(GError) invalid = NULL;
  const CairnEventSpec *spec;
  const CairnReducer *reducer;
  const CairnFlatMember *id;
  sqlite3_stmt *stmt;

  *skipped = FALSE;
  if ((spec = _cairn_event_lookup_spec (name, version)) == NULL)
    {
      *skipped = TRUE;
      return TRUE;
    }

  /* To be upcast, or not a one-row reducer of the table above (note.edited,
   * which apply() sends to the text CRDT before it looks at the table):
   * as usual. */
  reducer = lookup_reducer (name);
  if (reducer == NULL || g_str_equal (name, "note.edited") ||
      !_cairn_event_spec_is_newest (spec))
    {
      g_autoptr(JsonObject) object = _cairn_flat_args_to_object (args);
      g_autoptr(CairnEvent) event = cairn_event_new (name, version, object);

      event->created_at = created_at;
      event->seq = seq;
      event->client_id = g_strdup (client_id);
      return apply (self, event, NULL, skipped, NULL, error);
    }

  /* The same steps as apply() for an event of the newest version */
  if (!_cairn_event_validate_flat (name, version, args, &invalid))
    {
      g_warning ("Skipping event %" G_GINT64_FORMAT " from %s: %s",
                 seq, client_id ? client_id : "this device", invalid->message);
      return TRUE;
    }

  id = _cairn_flat_args_lookup (args, reducer->id_arg);
  g_assert (id != NULL && id->string != NULL);
  stmt = _cairn_store_prepare_static (self, reducer->sql, error);
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
  return _cairn_store_step_done (self, stmt, error);
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

  /* Upcasting keeps an event's name, so the name says whether it has a
   * one-row reducer (note.edited writes one row of note_versions).
   * Anything else is recorded by a session. */
  if (lookup_reducer (event->name) != NULL || g_str_equal (event->name, "note.edited"))
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

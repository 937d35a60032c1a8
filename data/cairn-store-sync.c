/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-sync.c: outbox range, reset after a server restore, and
 * conflict detection for the rebase. */
#define G_LOG_DOMAIN "cairn-store-sync"
#include "config.h"

#include "cairn-store-private.h"
#include "cairn-store-sync-private.h"

/* Local-only tables, never part of the synced state: created on first use
 * (CREATE ... IF NOT EXISTS) so that they need no schema migration of
 * their own; a database without them is simply one without reports.
 *
 * sync_origin: for each field whose current value one of OUR confirmed
 *   events set, that value and when we saw it confirmed. An event from
 *   another device on that field removes the row (and may report).
 * sync_conflicts: the reports.
 * sync_archive: other devices' events forgotten by a server restore. */
static const char sync_tables_sql[] =
  "CREATE TABLE IF NOT EXISTS sync_origin ("
  "  kind TEXT NOT NULL, object_id TEXT NOT NULL, field TEXT NOT NULL,"
  "  value TEXT NOT NULL, seq INTEGER NOT NULL, confirmed_at INTEGER NOT NULL,"
  "  PRIMARY KEY (kind, object_id, field)) WITHOUT ROWID;"
  "CREATE TABLE IF NOT EXISTS sync_conflicts ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  kind TEXT NOT NULL, object_id TEXT NOT NULL, field TEXT NOT NULL,"
  "  ours TEXT NOT NULL, theirs TEXT NOT NULL, their_device TEXT,"
  "  their_client_id TEXT NOT NULL, seq INTEGER NOT NULL,"
  "  detected_at INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS sync_archive ("
  "  seq INTEGER NOT NULL, client_id TEXT NOT NULL, client_seq INTEGER NOT NULL,"
  "  name TEXT NOT NULL, version INTEGER NOT NULL, args TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL, device TEXT, archived_at INTEGER NOT NULL);";

static gboolean
ensure_tables (CairnStore  *self,
               GError     **error)
{
  if (self->sync_tables_ready)
    return TRUE;
  if (!_cairn_store_exec (self, sync_tables_sql, error))
    return FALSE;
  /* Forgotten by _cairn_store_rollback(): created inside a transaction
   * that fails later (a full disk), the tables are gone again. */
  self->sync_tables_ready = TRUE;
  return TRUE;
}

/* Which field of which object an event sets, and to what (as text). */
typedef struct
{
  const char *name;
  const char *kind;
  const char *id_arg;
  const char *field;
  const char *value_arg;   /* NULL: the value is fixed_value */
  const char *fixed_value; /* with value_arg: the value when it is absent
                            * (NULL: no write then) */
} FieldSetter;

/* An event may write several fields (todo.moved: list and parent), each
 * with a row of its own here; at most this many. */
#define MAX_FIELD_WRITES 2

static const FieldSetter setters[] = {
  { "list.renamed",     "list", "list_id", "title", "title",   NULL },
  { "todo.renamed",     "todo", "todo_id", "title", "title",   NULL },
  { "todo.completed",   "todo", "todo_id", "done",  NULL,      "true" },
  { "todo.reopened",    "todo", "todo_id", "done",  NULL,      "false" },
  { "todo.due_set",     "todo", "todo_id", "due",   "due",     NULL },
  { "todo.due_cleared", "todo", "todo_id", "due",   NULL,      "" },
  { "todo.moved",       "todo", "todo_id", "list",  "list_id", NULL },
  /* Absent parent_id: the top level (""). Always written, a reorder
   * among siblings too (it names the same parent again). */
  { "todo.moved",       "todo", "todo_id", "parent", "parent_id", "" },
  { "note.renamed",     "note", "note_id", "title", "title",   NULL },
  { "todo.priority_set", "todo", "todo_id", "priority", "priority", NULL },
  { "tag.renamed",      "tag",  "tag_id",  "name",  "name",    NULL },
  { "tag.recolored",    "tag",  "tag_id",  "color", "color",   NULL },
  /* Reminders and repeats (issue 13) */
  { "todo.reminder_set",     "todo", "todo_id", "reminder", "at",   NULL },
  { "todo.reminder_cleared", "todo", "todo_id", "reminder", NULL,   "" },
  { "todo.repeat_set",       "todo", "todo_id", "repeat",   "rule", NULL },
  { "todo.repeat_cleared",   "todo", "todo_id", "repeat",   NULL,   "" },
};

typedef struct
{
  const char *kind;
  const char *object_id;
  const char *field;
  const char *value;
} FieldWrite;

/* What json-glib says of member @name of @event's args, read from the
 * scanned members when the event has no JsonObject (issue 17): whether
 * there is one, whether it is null, and its string (NULL when it is
 * not a string, as json_object_get_string_member_with_default() gives). */
static gboolean
arg_lookup (const CairnEvent  *event,
            const char        *name,
            gboolean          *is_null,
            const char       **string)
{
  const CairnFlatArgs *flat = _cairn_event_get_flat (event);

  if (flat != NULL)
    {
      const CairnFlatMember *m = _cairn_flat_args_lookup (flat, name);

      if (m == NULL)
        return FALSE;
      *is_null = m->node_type == JSON_NODE_NULL;
      *string = m->node_type == JSON_NODE_VALUE ? m->string : NULL;
      return TRUE;
    }
  if (!json_object_has_member (event->args, name))
    return FALSE;
  *is_null = json_object_get_null_member (event->args, name);
  *string = json_object_get_string_member_with_default (event->args, name, NULL);
  return TRUE;
}

/* The fields an event writes, into out[MAX_FIELD_WRITES]: how many. */
static guint
event_field_writes (const CairnEvent *event,
                    FieldWrite       *out)
{
  guint i, n = 0;

  /* Older versions of todo.moved and todo.created have the same args. */
  if (event->version > _cairn_event_current_version (event->name))
    return 0;
  for (i = 0; i < G_N_ELEMENTS (setters) && n < MAX_FIELD_WRITES; i++)
    {
      const FieldSetter *s = &setters[i];
      FieldWrite *w = &out[n];
      gboolean is_null = FALSE, has_value = FALSE;
      const char *value = NULL;

      if (strcmp (s->name, event->name) != 0)
        continue;
      if (!arg_lookup (event, s->id_arg, &is_null, &w->object_id))
        return 0;
      w->kind = s->kind;
      w->field = s->field;
      if (s->value_arg != NULL)
        has_value = arg_lookup (event, s->value_arg, &is_null, &value);
      if (s->value_arg != NULL && (!has_value || is_null))
        {
          /* A move within the same list sets no list: no conflict on it;
           * a move without a parent sets the top level. */
          if (s->fixed_value == NULL)
            continue;
          w->value = s->fixed_value;
        }
      else if (s->value_arg != NULL)
        w->value = value;
      else
        w->value = s->fixed_value;
      if (w->object_id != NULL && w->value != NULL)
        n++;
    }
  return n;
}

static gboolean
bind_text (CairnStore    *self,
           sqlite3_stmt  *stmt,
           int            index,
           const char    *value,
           GError       **error)
{
  if (sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return TRUE;
}

static gboolean
bind_int (CairnStore    *self,
          sqlite3_stmt  *stmt,
          int            index,
          gint64         value,
          GError       **error)
{
  if (sqlite3_bind_int64 (stmt, index, value) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return TRUE;
}

gboolean
_cairn_store_sync_own_confirmed (CairnStore       *self,
                                 const CairnEvent *event,
                                 GError          **error)
{
  FieldWrite writes[MAX_FIELD_WRITES];
  guint n = event_field_writes (event, writes);

  if (n == 0)
    return TRUE;
  if (!ensure_tables (self, error))
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      const FieldWrite *w = &writes[i];
      sqlite3_stmt *stmt;

      stmt = _cairn_store_prepare (self,
                                   "INSERT OR REPLACE INTO sync_origin (kind, object_id, field, "
                                   "value, seq, confirmed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                   error);
      if (stmt == NULL ||
          !bind_text (self, stmt, 1, w->kind, error) ||
          !bind_text (self, stmt, 2, w->object_id, error) ||
          !bind_text (self, stmt, 3, w->field, error) ||
          !bind_text (self, stmt, 4, w->value, error) ||
          !bind_int (self, stmt, 5, event->seq, error) ||
          !bind_int (self, stmt, 6, g_get_real_time () / 1000, error) ||
          !_cairn_store_step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static char *
field_key (const FieldWrite *w)
{
  return g_strconcat (w->kind, "/", w->object_id, "/", w->field, NULL);
}

GHashTable *
_cairn_store_sync_pending_fields (CairnStore  *self,
                                  GError     **error)
{
  g_autoptr(GHashTable) fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3_stmt *stmt;
  int rc;

  /* Only the ids are needed, so SQLite reads them out of the JSON: no
   * parsing of the whole outbox in C. */
  stmt = _cairn_store_prepare (self,
                               "SELECT name, version, client_seq, json_extract (args, '$.list_id'), "
                               "json_extract (args, '$.todo_id'), json_extract (args, '$.note_id'), "
                               "json_extract (args, '$.tag_id') "
                               "FROM pending WHERE name IN ('list.renamed', 'todo.renamed', "
                               "'todo.completed', 'todo.reopened', 'todo.due_set', "
                               "'todo.due_cleared', 'todo.moved', 'note.renamed', "
                               "'todo.priority_set', 'tag.renamed', 'tag.recolored', "
                               "'todo.reminder_set', 'todo.reminder_cleared', "
                               "'todo.repeat_set', 'todo.repeat_cleared') "
                               "ORDER BY client_seq", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);
      gint64 client_seq = sqlite3_column_int64 (stmt, 2);
      const char *list_id = (const char *) sqlite3_column_text (stmt, 3);
      const char *todo_id = (const char *) sqlite3_column_text (stmt, 4);
      const char *note_id = (const char *) sqlite3_column_text (stmt, 5);
      const char *tag_id = (const char *) sqlite3_column_text (stmt, 6);

      /* every version this build knows sets the same field (todo.due_set
       * v2 adds a time to the date, todo.completed v2 an occurrence) */
      if (sqlite3_column_int64 (stmt, 1) > _cairn_event_current_version (name))
        continue;
      for (guint i = 0; i < G_N_ELEMENTS (setters); i++)
        {
          const FieldSetter *st = &setters[i];
          FieldWrite w = { st->kind, NULL, st->field, NULL };

          /* several rows may match: todo.moved sets list and parent */
          if (strcmp (st->name, name) != 0)
            continue;
          w.object_id = strcmp (st->kind, "list") == 0 ? list_id
                        : strcmp (st->kind, "todo") == 0 ? todo_id
                        : strcmp (st->kind, "tag") == 0 ? tag_id : note_id;
          /* A move within the same list sets no list (but a parent,
           * the top level included). */
          if (strcmp (st->field, "list") == 0 && list_id == NULL)
            continue;
          if (w.object_id != NULL)
            g_hash_table_replace (fields, field_key (&w), g_memdup2 (&client_seq, sizeof client_seq));
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the outbox");
      return NULL;
    }
  return g_steal_pointer (&fields);
}

/* Will a pending event of ours set this field again? Those at or below
 * confirmed_upto were confirmed earlier in this rebase: they no longer
 * count. */
static gboolean
pending_sets_field (GHashTable       *pending_fields,
                    gint64            confirmed_upto,
                    const FieldWrite *w)
{
  g_autofree char *key = NULL;
  gint64 *last;

  if (pending_fields == NULL)
    return FALSE;
  key = field_key (w);
  last = g_hash_table_lookup (pending_fields, key);
  return last != NULL && *last > confirmed_upto;
}

/* Our events with a client_seq up to this one are confirmed: the outbox
 * starts after it. */
static gint64
confirmed_upto (CairnStore *self)
{
  gint64 first = 0, last = 0;

  if (!cairn_store_get_pending_range (self, &first, &last, NULL) || first == 0)
    return G_MAXINT64;
  return first - 1;
}

static gboolean
foreign_field_applied (CairnStore       *self,
                       const CairnEvent *event,
                       const FieldWrite *wp,
                       GHashTable       *pending_fields,
                       GError          **error)
{
  FieldWrite w = *wp;
  sqlite3_stmt *stmt;
  g_autofree char *ours = NULL;
  gint64 confirmed_at = 0;
  int rc;

  stmt = _cairn_store_prepare_static (self,
                               "SELECT value, confirmed_at FROM sync_origin "
                               "WHERE kind = ?1 AND object_id = ?2 AND field = ?3", error);
  if (stmt == NULL ||
      !bind_text (self, stmt, 1, w.kind, error) ||
      !bind_text (self, stmt, 2, w.object_id, error) ||
      !bind_text (self, stmt, 3, w.field, error))
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      ours = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      confirmed_at = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read sync_origin");
      return FALSE;
    }
  if (ours == NULL)
    return TRUE;

  /* From now on the field holds their value, not ours. */
  stmt = _cairn_store_prepare (self,
                               "DELETE FROM sync_origin "
                               "WHERE kind = ?1 AND object_id = ?2 AND field = ?3", error);
  if (stmt == NULL ||
      !bind_text (self, stmt, 1, w.kind, error) ||
      !bind_text (self, stmt, 2, w.object_id, error) ||
      !bind_text (self, stmt, 3, w.field, error) ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;

  /* Same value on both sides, a pending change of ours that wins anyway,
   * or an old value of ours: nothing the user needs to hear about. */
  if (strcmp (ours, w.value) == 0 ||
      pending_sets_field (pending_fields, confirmed_upto (self), &w) ||
      g_get_real_time () / 1000 - confirmed_at > CAIRN_CONFLICT_WINDOW_MS)
    return TRUE;

  stmt = _cairn_store_prepare (self,
                               "INSERT INTO sync_conflicts (kind, object_id, field, ours, theirs, "
                               "their_device, their_client_id, seq, detected_at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", error);
  if (stmt == NULL ||
      !bind_text (self, stmt, 1, w.kind, error) ||
      !bind_text (self, stmt, 2, w.object_id, error) ||
      !bind_text (self, stmt, 3, w.field, error) ||
      !bind_text (self, stmt, 4, ours, error) ||
      !bind_text (self, stmt, 5, w.value, error) ||
      !bind_text (self, stmt, 6, event->device, error) ||
      !bind_text (self, stmt, 7, event->client_id, error) ||
      !bind_int (self, stmt, 8, event->seq, error) ||
      !bind_int (self, stmt, 9, g_get_real_time () / 1000, error))
    return FALSE;
  return _cairn_store_step_done (self, stmt, error);
}

gboolean
_cairn_store_sync_foreign_applied (CairnStore       *self,
                                   const CairnEvent *event,
                                   GHashTable       *pending_fields,
                                   GError          **error)
{
  FieldWrite writes[MAX_FIELD_WRITES];
  guint n = event_field_writes (event, writes);

  if (n == 0)
    return TRUE;
  if (!ensure_tables (self, error))
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!foreign_field_applied (self, event, &writes[i], pending_fields, error))
      return FALSE;
  return TRUE;
}

gboolean
cairn_store_sync_to_disk (CairnStore  *self,
                          GError     **error)
{
  sqlite3_file *wal = NULL;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);

  if (self->n_commits == self->n_commits_synced)
    return TRUE;
  /* The WAL holds every commit (written, not yet synced): syncing it is
   * enough, no checkpoint needed. */
  rc = sqlite3_file_control (self->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
  if (rc == SQLITE_OK && wal != NULL && wal->pMethods != NULL)
    rc = wal->pMethods->xSync (wal, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, CAIRN_STORE_ERROR,
                   (rc & 0xff) == SQLITE_FULL ? CAIRN_STORE_ERROR_NO_SPACE : CAIRN_STORE_ERROR_FAILED,
                   "Cannot write “%s” to the disk: %s", self->path, sqlite3_errstr (rc));
      return FALSE;
    }
  self->n_commits_synced = self->n_commits;
  return TRUE;
}

gboolean
cairn_store_get_last_own_confirmed (CairnStore  *self,
                                    gint64      *out,
                                    GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);

  *out = 0;
  stmt = _cairn_store_prepare (self, "SELECT ifnull (max (client_seq), 0) FROM log WHERE client_id = ?",
                               error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_text (stmt, 1, self->client_id, -1, SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      _cairn_store_set_error (self, error, "Cannot read the log");
      return FALSE;
    }
  return TRUE;
}

gboolean
cairn_store_get_pending_range (CairnStore  *self,
                               gint64      *first,
                               gint64      *last,
                               GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);

  *first = *last = 0;
  stmt = _cairn_store_prepare (self,
                               "SELECT ifnull (min (client_seq), 0), ifnull (max (client_seq), 0) "
                               "FROM pending", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *first = sqlite3_column_int64 (stmt, 0);
      *last = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      _cairn_store_set_error (self, error, "Cannot read the outbox");
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
cairn_store_list_pending_after (CairnStore  *self,
                                gint64       after,
                                guint        limit,
                                GError     **error)
{
  g_autoptr(GPtrArray) events = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  stmt = _cairn_store_prepare (self,
                               "SELECT name, version, args, client_seq, created_at FROM pending "
                               "WHERE client_seq > ?1 ORDER BY client_seq LIMIT ?2", error);
  if (stmt == NULL ||
      !bind_int (self, stmt, 1, after, error) ||
      !bind_int (self, stmt, 2, limit > 0 ? (gint64) limit : -1, error))
    return NULL;

  events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonObject) args = NULL;
      CairnEvent *event;

      args = _cairn_store_parse_args (self, (const char *) sqlite3_column_text (stmt, 2), error);
      if (args == NULL)
        {
          sqlite3_reset (stmt);
          return NULL;
        }
      event = cairn_event_new ((const char *) sqlite3_column_text (stmt, 0),
                               (guint) sqlite3_column_int64 (stmt, 1), args);
      event->client_id = g_strdup (cairn_store_get_client_id (self));
      event->client_seq = sqlite3_column_int64 (stmt, 3);
      event->created_at = sqlite3_column_int64 (stmt, 4);
      g_ptr_array_add (events, event);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the outbox");
      return NULL;
    }
  return g_steal_pointer (&events);
}

static gint64
count_rows (CairnStore  *self,
            const char  *sql,
            GError     **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self, sql, error);
  gint64 n = -1;
  int rc;

  if (stmt == NULL)
    return -1;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    _cairn_store_set_error (self, error, "Cannot count rows");
  return n;
}

/* Applies the kept log (after < seq <= upto) again to the emptied state
 * tables (or to the snapshot base, whose seq is after), page by page. */
static gboolean
replay_log (CairnStore  *self,
            gint64       after,
            gint64       upto,
            GError     **error)
{

  while (after < upto)
    {
      g_autoptr(GPtrArray) page = cairn_store_list_log (self, after, 1000, error);

      if (page == NULL)
        return FALSE;
      if (page->len == 0)
        break;
      for (guint i = 0; i < page->len; i++)
        {
          CairnEvent *event = g_ptr_array_index (page, i);
          gboolean skipped;

          if (event->seq > upto)
            return TRUE;
          /* Same events, same order, from the same empty state: each is
           * skipped (or not) as it was the first time. */
          if (!_cairn_store_apply_event (self, event, NULL, &skipped, error))
            return FALSE;
          after = event->seq;
        }
    }
  return TRUE;
}

/* "client_id/client_seq": an event's identity in every log. */
static char *
event_key (const CairnEvent *event)
{
  return g_strdup_printf ("%s/%" G_GINT64_FORMAT, event->client_id, event->client_seq);
}

static GHashTable *
event_keys (GPtrArray *events)
{
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; events != NULL && i < events->len; i++)
    g_hash_table_add (keys, event_key (events->pdata[i]));
  return keys;
}

static gboolean
has_event (GHashTable       *keys,
           const CairnEvent *event)
{
  g_autofree char *key = event_key (event);

  return g_hash_table_contains (keys, key);
}

/* The server's events after keep_upto: seqs keep_upto + 1, + 2, … */
static gboolean
check_server_events (CairnStore  *self,
                     gint64       keep_upto,
                     GPtrArray   *events,
                     GError     **error)
{
  if (keep_upto < 0 || keep_upto > self->head)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot keep the log of %s up to seq %" G_GINT64_FORMAT
                   ": its head is %" G_GINT64_FORMAT, self->path, keep_upto, self->head);
      return FALSE;
    }
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      const CairnEvent *event = events->pdata[i];

      if (event->seq != keep_upto + 1 + (gint64) i ||
          !cairn_is_client_id (event->client_id) || event->client_seq < 1)
        {
          g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_OUT_OF_ORDER,
                       "Event %u of the server's log after seq %" G_GINT64_FORMAT
                       " has seq %" G_GINT64_FORMAT ", client id “%s”, client seq %"
                       G_GINT64_FORMAT, i, keep_upto, event->seq,
                       event->client_id ? event->client_id : "", event->client_seq);
          return FALSE;
        }
    }
  return TRUE;
}

/* Our events of the old tail that the server's log lacks go back to the
 * outbox; the other devices' go to sync_archive. */
static gboolean
set_aside_missing (CairnStore  *self,
                   GPtrArray   *tail,
                   GHashTable  *server_keys,
                   GError     **error)
{
  gint64 now = g_get_real_time () / 1000;

  for (guint i = 0; i < tail->len; i++)
    {
      const CairnEvent *event = tail->pdata[i];
      g_autofree char *args = NULL;
      sqlite3_stmt *stmt;

      if (has_event (server_keys, event))
        continue;
      args = cairn_event_dup_args_json (event);
      if (g_strcmp0 (event->client_id, self->client_id) == 0)
        {
          /* Our confirmed events all have smaller client_seqs than the
           * pending ones (the server stores a client's events in
           * client_seq order). Their changesets are recomputed below. */
          stmt = _cairn_store_prepare (self,
                                       "INSERT INTO pending (client_seq, name, version, args, "
                                       "created_at, changeset) VALUES (?1, ?2, ?3, ?4, ?5, X'')",
                                       error);
          if (stmt == NULL ||
              !bind_int (self, stmt, 1, event->client_seq, error) ||
              !bind_text (self, stmt, 2, event->name, error) ||
              !bind_int (self, stmt, 3, event->version, error) ||
              !bind_text (self, stmt, 4, args, error) ||
              !bind_int (self, stmt, 5, event->created_at, error) ||
              !_cairn_store_step_done (self, stmt, error))
            return FALSE;
          continue;
        }
      stmt = _cairn_store_prepare (self,
                                   "INSERT INTO sync_archive (seq, client_id, client_seq, name, "
                                   "version, args, created_at, device, archived_at) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", error);
      if (stmt == NULL ||
          !bind_int (self, stmt, 1, event->seq, error) ||
          !bind_text (self, stmt, 2, event->client_id, error) ||
          !bind_int (self, stmt, 3, event->client_seq, error) ||
          !bind_text (self, stmt, 4, event->name, error) ||
          !bind_int (self, stmt, 5, event->version, error) ||
          !bind_text (self, stmt, 6, args, error) ||
          !bind_int (self, stmt, 7, event->created_at, error) ||
          !bind_text (self, stmt, 8, event->device, error) ||
          !bind_int (self, stmt, 9, now, error) ||
          !_cairn_store_step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* The server's events after keep_upto on top of the replayed log. Those
 * this device already had in its old tail are not news: the conflict
 * hooks saw them the first time (and sync_origin still says what they
 * left), so only the new ones go through the hooks. */
static gboolean
apply_server_events (CairnStore  *self,
                     GPtrArray   *events,
                     GHashTable  *old_keys,
                     gboolean    *any_skipped,
                     GError     **error)
{
  g_autoptr(GHashTable) pending_fields = NULL;

  if (events == NULL || events->len == 0)
    return TRUE;
  pending_fields = _cairn_store_sync_pending_fields (self, error);
  if (pending_fields == NULL)
    return FALSE;

  for (guint i = 0; i < events->len; i++)
    {
      const CairnEvent *event = events->pdata[i];
      gboolean known = has_event (old_keys, event);
      gboolean skipped = FALSE;

      if (g_strcmp0 (event->client_id, self->client_id) == 0)
        {
          sqlite3_stmt *stmt = _cairn_store_prepare (self, "DELETE FROM pending WHERE client_seq = ?1",
                                                     error);

          if (stmt == NULL || !bind_int (self, stmt, 1, event->client_seq, error) ||
              !_cairn_store_step_done (self, stmt, error))
            return FALSE;
          if (!known && !_cairn_store_sync_own_confirmed (self, event, error))
            return FALSE;
        }
      else if (!known && !_cairn_store_sync_foreign_applied (self, event, pending_fields, error))
        return FALSE;
      if (!_cairn_store_apply_event (self, event, NULL, &skipped, error) ||
          !_cairn_store_insert_log (self, event, skipped, error))
        return FALSE;
      *any_skipped = *any_skipped || skipped;
    }
  return TRUE;
}

gboolean
cairn_store_replace_server_history_after (CairnStore  *self,
                                          gint64       keep_upto,
                                          GPtrArray   *events,
                                          const char  *history_id,
                                          GError     **error)
{
  g_autoptr(CairnChanges) changes = NULL;
  g_autoptr(GPtrArray) tail = NULL;
  g_autoptr(GHashTable) server_keys = NULL;
  g_autoptr(GHashTable) old_keys = NULL;
  gboolean any_skipped = FALSE;
  gint64 base_seq = 0;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);

  if (!check_server_events (self, keep_upto, events, error) ||
      !ensure_tables (self, error) ||
      !_cairn_store_begin (self, error))
    return FALSE;
  /* Inside the transaction: head is current. */
  if (!check_server_events (self, keep_upto, events, error))
    goto fail;

  tail = cairn_store_list_log (self, keep_upto, G_MAXUINT, error);
  if (tail == NULL)
    goto fail;
  server_keys = event_keys (events);
  old_keys = event_keys (tail);
  if (!set_aside_missing (self, tail, server_keys, error))
    goto fail;

  stmt = _cairn_store_prepare (self, "DELETE FROM log WHERE seq > ?1", error);
  if (stmt == NULL || !bind_int (self, stmt, 1, keep_upto, error) ||
      !_cairn_store_step_done (self, stmt, error))
    goto fail;
  /* sync_origin stays: what our events set is still ours, they are in
   * the outbox or in the server's new log, and reports about the fields
   * must not be lost. */
  if (!_cairn_store_exec (self,
                          "DELETE FROM todos;"
                          "DELETE FROM note_bodies;"
                          "DELETE FROM note_body_ops;"
                          "DELETE FROM note_versions;"
                          "DELETE FROM note_body_versions;"
                          "DELETE FROM notes;"
                          "DELETE FROM lists;"
                          "DELETE FROM parked;"
                          "DELETE FROM todo_tags;"
                          "DELETE FROM tags;"
                          "DELETE FROM todo_occurrences;"
                          "DELETE FROM todo_note_crdts;"
                          "DELETE FROM todo_note_ops;"
                          "DELETE FROM todo_note_versions;"
                          "DELETE FROM todo_notes;", error))
    goto fail;
  /* The decoded bodies still hold the forgotten events' ops. */
  _cairn_store_text_cache_clear (self);
  if (!_cairn_store_get_base_seq (self, &base_seq, error))
    goto fail;
  /* Our replayed text ops that were typed on ops the server's log lacks
   * will be held: new edits take a new text client id, so they neither
   * reuse the held ops' counters nor wait for them (docs/text-crdt.md). */
  if (!_cairn_store_renew_text_client (self, error))
    goto fail;

  /* A store that started from a snapshot (cairn-snapshot.h) has no log
   * before it: the kept part starts from the snapshot when the server
   * still has it; when the server lost even the snapshot's seq, the base
   * goes too and the state is what is left of the log, the server's
   * events and the outbox (the other devices push again what they have). */
  if (keep_upto >= base_seq)
    {
      if (!_cairn_store_fill_from_base (self, &base_seq, error))
        goto fail;
    }
  else if (!_cairn_store_drop_snapshot_base (self, error))
    goto fail;
  else
    base_seq = 0;

  /* The state as the kept log left it, the server's events after it,
   * then the outbox on top. */
  if (!replay_log (self, base_seq, keep_upto, error) ||
      !apply_server_events (self, events, old_keys, &any_skipped, error))
    goto fail;
  self->head = events != NULL && events->len > 0
               ? ((CairnEvent *) events->pdata[events->len - 1])->seq : keep_upto;
  {
    /* history_id may be our own (a repair that downloads the log again). */
    char *new_id = g_strdup (history_id);

    g_free (self->history_id);
    self->history_id = new_id;
  }
  if (!_cairn_store_save_cursor (self, error))
    goto fail;

  changes = _cairn_changes_new ();
  changes->reset = TRUE;
  if (!_cairn_store_replay_pending (self, changes, error))
    goto fail;

  if (!_cairn_store_end (self, error) ||
      !_cairn_store_load_meta (self, error))
    goto fail;

  g_object_notify (G_OBJECT (self), "head");
  g_object_notify (G_OBJECT (self), "pending-count");
  _cairn_store_emit_changed (self, changes);
  return TRUE;

fail:
  /* Rolling back reloads the cursor, head included. */
  if (self->in_transaction)
    _cairn_store_rollback (self);
  return FALSE;
}

gboolean
cairn_store_forget_server_history_after (CairnStore  *self,
                                         gint64       keep_upto,
                                         const char  *history_id,
                                         GError     **error)
{
  return cairn_store_replace_server_history_after (self, keep_upto, NULL, history_id, error);
}

gboolean
cairn_store_forget_server_history (CairnStore  *self,
                                   const char  *history_id,
                                   GError     **error)
{
  return cairn_store_forget_server_history_after (self, 0, history_id, error);
}

gint64
cairn_store_count_archived (CairnStore  *self,
                            GError     **error)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), -1);

  if (!ensure_tables (self, error))
    return -1;
  return count_rows (self, "SELECT count(*) FROM sync_archive", error);
}

GPtrArray *
cairn_store_list_conflicts (CairnStore  *self,
                            GError     **error)
{
  g_autoptr(GPtrArray) result = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  if (!ensure_tables (self, error))
    return NULL;
  stmt = _cairn_store_prepare (self,
                               "SELECT id, kind, object_id, field, ours, theirs, their_device, "
                               "seq, detected_at FROM sync_conflicts ORDER BY id DESC", error);
  if (stmt == NULL)
    return NULL;

  result = g_ptr_array_new_with_free_func (g_object_unref);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (result,
                     cairn_conflict_new (sqlite3_column_int64 (stmt, 0),
                                         (const char *) sqlite3_column_text (stmt, 1),
                                         (const char *) sqlite3_column_text (stmt, 2),
                                         (const char *) sqlite3_column_text (stmt, 3),
                                         (const char *) sqlite3_column_text (stmt, 4),
                                         (const char *) sqlite3_column_text (stmt, 5),
                                         (const char *) sqlite3_column_text (stmt, 6),
                                         sqlite3_column_int64 (stmt, 7),
                                         sqlite3_column_int64 (stmt, 8)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the conflict reports");
      return NULL;
    }
  return g_steal_pointer (&result);
}

static CairnConflict *
lookup_conflict (CairnStore  *self,
                 gint64       conflict_id,
                 GError     **error)
{
  g_autoptr(GPtrArray) all = cairn_store_list_conflicts (self, error);
  guint i;

  if (all == NULL)
    return NULL;
  for (i = 0; i < all->len; i++)
    if (cairn_conflict_get_id (g_ptr_array_index (all, i)) == conflict_id)
      return g_object_ref (g_ptr_array_index (all, i));

  g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
               "No conflict report with id %" G_GINT64_FORMAT " in %s",
               conflict_id, cairn_store_get_path (self));
  return NULL;
}

gboolean
cairn_store_dismiss_conflict (CairnStore  *self,
                              gint64       conflict_id,
                              GError     **error)
{
  g_autoptr(CairnConflict) conflict = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);

  conflict = lookup_conflict (self, conflict_id, error);
  if (conflict == NULL)
    return FALSE;
  stmt = _cairn_store_prepare (self, "DELETE FROM sync_conflicts WHERE id = ?1", error);
  if (stmt == NULL || !bind_int (self, stmt, 1, conflict_id, error))
    return FALSE;
  return _cairn_store_step_done (self, stmt, error);
}

/* "Keep mine" of a parent: back under it (ours: its id, "" for the top
 * level of the todo's list), after its last child. A parent deleted or
 * gone meanwhile is refused: the todo stays where the other device put it. */
static gboolean
keep_parent (CairnStore  *self,
             const char  *todo_id,
             const char  *parent_id,
             GError     **error)
{
  if (*parent_id != '\0')
    {
      g_autoptr(JsonNode) parent = NULL;
      gboolean deleted = FALSE;

      parent = cairn_store_read_object (self, CAIRN_OBJECT_TODO, parent_id, &deleted, NULL);
      if (parent == NULL || deleted)
        {
          g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                       "Todo %s cannot go back under %s: that todo is deleted",
                       todo_id, parent_id);
          return FALSE;
        }
    }
  return cairn_store_move_todo_under (self, todo_id, NULL, *parent_id ? parent_id : NULL,
                                      NULL, NULL, error);
}

gboolean
cairn_store_keep_mine (CairnStore  *self,
                       gint64       conflict_id,
                       GError     **error)
{
  g_autoptr(CairnConflict) c = NULL;
  const char *kind, *field, *id, *ours;
  gboolean ok = FALSE;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);

  c = lookup_conflict (self, conflict_id, error);
  if (c == NULL)
    return FALSE;

  kind = cairn_conflict_get_kind (c);
  field = cairn_conflict_get_field (c);
  id = cairn_conflict_get_object_id (c);
  ours = cairn_conflict_get_ours (c);

  if (strcmp (field, "title") == 0 && strcmp (kind, "list") == 0)
    ok = cairn_store_rename_list (self, id, ours, error);
  else if (strcmp (field, "title") == 0 && strcmp (kind, "todo") == 0)
    ok = cairn_store_rename_todo (self, id, ours, error);
  else if (strcmp (field, "title") == 0 && strcmp (kind, "note") == 0)
    ok = cairn_store_rename_note (self, id, ours, error);
  else if (strcmp (field, "done") == 0)
    ok = cairn_store_set_todo_done (self, id, strcmp (ours, "true") == 0, error);
  else if (strcmp (field, "due") == 0)
    ok = cairn_store_set_todo_due (self, id, *ours ? ours : NULL, error);
  else if (strcmp (field, "list") == 0)
    ok = cairn_store_move_todo (self, id, ours, NULL, NULL, error);
  else if (strcmp (field, "parent") == 0 && strcmp (kind, "todo") == 0)
    ok = keep_parent (self, id, ours, error);
  else if (strcmp (field, "priority") == 0)
    ok = cairn_store_set_todo_priority (self, id, ours, error);
  else if (strcmp (field, "name") == 0 && strcmp (kind, "tag") == 0)
    ok = cairn_store_rename_tag (self, id, ours, error);
  else if (strcmp (field, "color") == 0 && strcmp (kind, "tag") == 0)
    ok = cairn_store_recolor_tag (self, id, ours, error);
  else if (strcmp (field, "reminder") == 0)
    ok = cairn_store_set_todo_reminder (self, id, *ours ? ours : NULL, error);
  else if (strcmp (field, "repeat") == 0)
    ok = cairn_store_set_todo_repeat (self, id, *ours ? ours : NULL, error);
  else
    g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
                 "Conflict report %" G_GINT64_FORMAT " is about %s.%s, which cannot be restored",
                 conflict_id, kind, field);

  if (!ok)
    return FALSE;
  return cairn_store_dismiss_conflict (self, conflict_id, error);
}

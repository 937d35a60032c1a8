/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-history.c: an object's history, activity and restoring a
 * version, all read from the log through its index by object id. */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-event-private.h"
#include "cairn-store-history.h"
#include "cairn-store-history-private.h"

/* How much of an inserted or deleted text a change shows. */
#define SHORT_TEXT_CHARS 60
/* The replica that replays a text for display only. */
#define DISPLAY_TEXT_CLIENT "ffffffffffffffffffffffffffffffff"

void
cairn_history_change_free (CairnHistoryChange *self)
{
  if (self == NULL)
    return;
  g_free (self->old_value);
  g_free (self->new_value);
  g_free (self->inserted);
  g_free (self->deleted);
  g_free (self);
}

void
cairn_history_entry_free (CairnHistoryEntry *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->changes, g_ptr_array_unref);
  g_free (self);
}

void
cairn_activity_item_free (CairnActivityItem *self)
{
  if (self == NULL)
    return;
  g_free (self->object_id);
  g_free (self->kind);
  g_free (self->title);
  g_clear_pointer (&self->users, g_ptr_array_unref);
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  g_free (self);
}

/* ---- the index ---------------------------------------------------------- */

gboolean
_cairn_store_history_ensure_index (CairnStore  *self,
                                   GError     **error)
{
  int found = _cairn_store_query_finds (self, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                                        "log_objects", "the history index", error);

  if (found < 0)
    return FALSE;
  if (found == 1)
    return TRUE;
  g_message ("Rebuilding the history index of the log");
  if (!_cairn_store_begin (self, error))
    return FALSE;
  if (!_cairn_store_exec (self, "DROP TRIGGER IF EXISTS log_objects_add;"
                                "DROP TRIGGER IF EXISTS log_objects_skip;"
                                "DROP TRIGGER IF EXISTS log_objects_remove;"
                                CAIRN_HISTORY_INDEX_SQL
                                "UPDATE meta SET history_gap_from = NULL, history_gap_to = NULL;",
                                error) ||
      !_cairn_store_end (self, error))
    {
      if (self->in_transaction)
        _cairn_store_rollback (self);
      return FALSE;
    }
  return TRUE;
}

/* ---- the index's gap ------------------------------------------------------ */

/* A step of the fill when the main loop is idle: about 6 ms here (the
 * object id read by json_extract(), as the trigger reads it). */
#define FILL_STEP_EVENTS 2000
/* The first step waits this long after the last large batch, so that a
 * catch-up in progress is not slowed by it. */
#define FILL_DELAY_MS 1000

/* The gap, from..to (0, 0: none). */
static gboolean
read_gap (CairnStore  *self,
          gint64      *from,
          gint64      *to,
          GError     **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self, "SELECT coalesce (history_gap_from, 0), "
                                             "coalesce (history_gap_to, 0) FROM meta", error);
  int rc;

  *from = *to = 0;
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *from = sqlite3_column_int64 (stmt, 0);
      *to = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the history index's state");
      return FALSE;
    }
  return TRUE;
}

gboolean
_cairn_store_history_fill (CairnStore  *self,
                           gint64       max_events,
                           gboolean    *out_done,
                           GError     **error)
{
  gboolean own = !self->in_transaction;
  gint64 from, to, last;
  sqlite3_stmt *stmt;
  int indexed;

  g_return_val_if_fail (max_events > 0, FALSE);

  /* Most of the time there is no gap: said without taking the write
   * lock (a history asks this every time). */
  *out_done = FALSE;
  if (!read_gap (self, &from, &to, error))
    return FALSE;
  if (from == 0)
    {
      *out_done = TRUE;
      return TRUE;
    }
  if (own && (!_cairn_store_begin (self, error) || !read_gap (self, &from, &to, error)))
    goto fail;
  if (from == 0)
    {
      *out_done = TRUE;
      return !own || _cairn_store_end (self, error);
    }

  /* Without the index (dropped) the whole gap closes: the index is made
   * whole, from the log, when a history is asked for. */
  indexed = _cairn_store_query_finds (self, "SELECT 1 FROM sqlite_schema WHERE type = 'table' "
                                      "AND name = ?1", "log_objects", "the history index", error);
  if (indexed < 0)
    goto fail;
  last = indexed == 0 || to - from < max_events ? to : from + max_events - 1;
  /* Rows the triggers indexed inside the range meanwhile are written
   * again, the same. */
  if (indexed == 1 &&
      ((stmt = _cairn_store_prepare (self, "INSERT OR REPLACE INTO log_objects SELECT "
                                     CAIRN_HISTORY_INDEX_COLUMNS ("log") " FROM log "
                                     "WHERE seq BETWEEN ?1 AND ?2 AND "
                                     CAIRN_HISTORY_OBJECT_OF ("log") " IS NOT NULL", error)) == NULL ||
       sqlite3_bind_int64 (stmt, 1, from) != SQLITE_OK ||
       sqlite3_bind_int64 (stmt, 2, last) != SQLITE_OK ||
       !_cairn_store_step_done (self, stmt, error)))
    goto fail;
  /* The rest of the gap, or none (?1 = 0). */
  stmt = _cairn_store_prepare (self, "UPDATE meta SET history_gap_from = nullif (?1, 0), "
                               "history_gap_to = CASE WHEN ?1 <> 0 THEN history_gap_to END", error);
  if (stmt == NULL ||
      sqlite3_bind_int64 (stmt, 1, last < to ? last + 1 : 0) != SQLITE_OK ||
      !_cairn_store_step_done (self, stmt, error))
    goto fail;
  if (own && !_cairn_store_end (self, error))
    goto fail;
  *out_done = last >= to;
  return TRUE;

fail:
  if (own && self->in_transaction)
    _cairn_store_rollback (self);
  return FALSE;
}

static gboolean fill_step_cb (gpointer user_data);

static void
attach_fill_source (CairnStore   *self,
                    GSource      *source,
                    GMainContext *context)
{
  self->history_source = source;
  g_source_set_priority (source, G_PRIORITY_LOW);
  g_source_set_callback (source, fill_step_cb, self, NULL);
  g_source_set_static_name (source, "[cairn] fill the history index");
  g_source_attach (source, context);
}

static gboolean
fill_step_cb (gpointer user_data)
{
  CairnStore *self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  /* From a ::changed handler inside a transaction: the next idle. */
  if (self->in_transaction)
    return G_SOURCE_CONTINUE;
  if (!_cairn_store_history_fill (self, FILL_STEP_EVENTS, &done, &error))
    {
      /* Left for the next history, which fills the gap itself. */
      g_warning ("Cannot fill the history index: %s", error->message);
      done = TRUE;
    }
  if (done)
    {
      g_clear_pointer (&self->history_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  if (self->history_idle)
    return G_SOURCE_CONTINUE;
  /* After the first step, the next ones as soon as the loop is idle. */
  {
    GMainContext *context = g_source_get_context (self->history_source);

    g_clear_pointer (&self->history_source, g_source_unref);
    self->history_idle = TRUE;
    attach_fill_source (self, g_idle_source_new (), context);
  }
  return G_SOURCE_REMOVE;
}

void
_cairn_store_history_schedule_fill (CairnStore *self)
{
  GMainContext *context = g_main_context_get_thread_default ();

  self->history_gap_new = FALSE;
  if (!self->idle_work)
    return;
  _cairn_store_history_cancel_fill (self);
  self->history_idle = FALSE;
  attach_fill_source (self, g_timeout_source_new (FILL_DELAY_MS), context);
}

void
_cairn_store_history_cancel_fill (CairnStore *self)
{
  if (self->history_source != NULL)
    {
      g_source_destroy (self->history_source);
      g_clear_pointer (&self->history_source, g_source_unref);
    }
}

/* ---- an object's fields, reduced as its events go by ---------------------- */

typedef struct
{
  CairnStore *store;
  GHashTable *fields;     /* field -> value (NULL: none) */
  GHashTable *tags;       /* set of tag ids */
  CairnText  *text;       /* body or notes, NULL until a text event */
  char       *text_client;
  gboolean    exists;
} ObjState;

static void
obj_state_clear (ObjState *st)
{
  g_clear_pointer (&st->fields, g_hash_table_unref);
  g_clear_pointer (&st->tags, g_hash_table_unref);
  g_clear_pointer (&st->text, cairn_text_free);
  g_clear_pointer (&st->text_client, g_free);
}

static void
obj_state_init (ObjState   *st,
                CairnStore *store,
                const char *text_client)
{
  st->store = store;
  /* Field names are string literals: keys are not copied. */
  st->fields = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  st->tags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  st->text = NULL;
  st->text_client = g_strdup (text_client);
  st->exists = FALSE;
}

static const char *
get_field (ObjState   *st,
           const char *field)
{
  return g_hash_table_lookup (st->fields, field);
}

/* Sets @field, recording the change in @changes (nullable) when the value
 * differs. */
static char *current_title (CairnStore *self, const char *kind, const char *object_id);

/* What a person reads for a value: a list or parent todo by its title. */
static char *
shown_value (ObjState   *st,
             const char *field,
             const char *value)
{
  char *title = NULL;

  if (value != NULL && g_str_equal (field, "list"))
    title = current_title (st->store, "list", value);
  else if (value != NULL && g_str_equal (field, "parent"))
    title = current_title (st->store, "todo", value);
  return title != NULL ? title : g_strdup (value);
}

static void
set_field (ObjState   *st,
           GPtrArray  *changes,
           const char *field,
           const char *value)
{
  const char *old = get_field (st, field);

  if (g_hash_table_contains (st->fields, field) && g_strcmp0 (old, value) == 0)
    return;
  if (changes != NULL && g_strcmp0 (old, value) != 0)
    {
      CairnHistoryChange *c = g_new0 (CairnHistoryChange, 1);

      c->field = field;
      c->old_value = shown_value (st, field, old);
      c->new_value = shown_value (st, field, value);
      g_ptr_array_add (changes, c);
    }
  g_hash_table_insert (st->fields, (char *) field, g_strdup (value));
}

/* An event's args: read without json-glib when flat (nearly always: the
 * store and the server write compact flat objects), else parsed. */
typedef struct
{
  const CairnFlatArgs *flat;
  JsonObject          *obj;
} Args;

static gboolean
arg_has (const Args *a,
         const char *name)
{
  return a->flat != NULL ? _cairn_flat_args_lookup (a->flat, name) != NULL
                         : json_object_has_member (a->obj, name);
}

/* A string member, NULL when absent or not a string. */
static const char *
arg_string (const Args *a,
            const char *name)
{
  if (a->flat != NULL)
    {
      const CairnFlatMember *m = _cairn_flat_args_lookup (a->flat, name);

      return m != NULL && m->node_type == JSON_NODE_VALUE && m->value_type == G_TYPE_STRING ? m->string : NULL;
    }
  return json_object_get_string_member_with_default (a->obj, name, NULL);
}

/* A member as text: strings as they are, other values as JSON; NULL when
 * absent or null. */
static char *
arg_text (const Args *a,
          const char *name)
{
  JsonNode *node;

  if (a->flat != NULL)
    {
      const CairnFlatMember *m = _cairn_flat_args_lookup (a->flat, name);

      if (m == NULL || m->node_type == JSON_NODE_NULL)
        return NULL;
      if (m->value_type == G_TYPE_STRING)
        return g_strdup (m->string);
      if (m->value_type == G_TYPE_BOOLEAN)
        return g_strdup (m->number ? "true" : "false");
      return g_strdup_printf ("%" G_GINT64_FORMAT, m->number);
    }
  node = json_object_get_member (a->obj, name);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return json_to_string (node, FALSE);
}

static void
set_member (ObjState   *st,
            GPtrArray  *changes,
            const char *field,
            const Args *args,
            const char *member)
{
  g_autofree char *value = arg_text (args, member);

  set_field (st, changes, field, value);
}

/* The name of a tag now (its id when the tag is unknown). */
static char *
tag_name (CairnStore *store,
          const char *tag_id)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (store, "SELECT name FROM tags WHERE id = ?1", NULL);
  char *name = NULL;

  if (stmt == NULL)
    return g_strdup (tag_id);
  sqlite3_bind_text (stmt, 1, tag_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return name != NULL ? name : g_strdup (tag_id);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The tags as a person reads them: names, sorted, joined; NULL for none. */
static char *
tags_text (ObjState *st)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) out = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, st->tags);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, tag_name (st->store, key));
  if (names->len == 0)
    return NULL;
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", (const char *) names->pdata[i]);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* At most SHORT_TEXT_CHARS code points of @text, "…" marking a cut. */
static char *
shorten (const char *text,
         gsize       bytes)
{
  g_autofree char *copy = g_strndup (text, bytes);
  glong n = g_utf8_strlen (copy, -1);
  const char *end;

  if (n <= SHORT_TEXT_CHARS)
    return g_steal_pointer (&copy);
  end = g_utf8_offset_to_pointer (copy, SHORT_TEXT_CHARS - 1);
  return g_strdup_printf ("%.*s…", (int) (end - copy), copy);
}

/* The common prefix and suffix of @a and @b in bytes, on character
 * boundaries, not overlapping. */
static void
common_ends (const char *a,
             const char *b,
             gsize      *prefix,
             gsize      *suffix)
{
  gsize la = strlen (a), lb = strlen (b), p = 0, s = 0;

  while (p < la && p < lb && a[p] == b[p])
    p++;
  while (p > 0 && (a[p] & 0xc0) == 0x80)
    p--;
  while (s < la - p && s < lb - p && a[la - 1 - s] == b[lb - 1 - s])
    s++;
  while (s > 0 && (a[la - s] & 0xc0) == 0x80)
    s--;
  *prefix = p;
  *suffix = s;
}

/* Applies a text event's ops to the object's replica; records what it
 * inserted and deleted as a change of @field. */
static void
apply_text (ObjState   *st,
            GPtrArray  *changes,
            const char *field,
            const Args *args)
{
  const char *b64 = arg_string (args, "ops");
  g_autofree guchar *raw = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(CairnTextOps) ops = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize len = 0, prefix, suffix, lb, la;

  if (b64 == NULL)
    return;
  if (st->text == NULL && (st->text = cairn_text_new (st->text_client, &error)) == NULL)
    {
      g_warning ("History: %s", error->message);
      return;
    }
  raw = g_base64_decode (b64, &len);
  bytes = g_bytes_new (raw, len);
  if ((ops = cairn_text_ops_decode (bytes, &error)) == NULL)
    {
      g_debug ("History: text ops that do not decode: %s", error->message);
      return;
    }
  before = cairn_text_get_text (st->text, NULL);
  if (!cairn_text_apply (st->text, ops, CAIRN_TEXT_APPLY_DEFAULT, &error))
    {
      g_debug ("History: text ops skipped: %s", error->message);
      return;
    }
  after = cairn_text_get_text (st->text, NULL);
  g_hash_table_insert (st->fields, (char *) field, g_strdup (after));
  if (changes == NULL || g_str_equal (before, after))
    return;
  common_ends (before, after, &prefix, &suffix);
  lb = strlen (before) - prefix - suffix;
  la = strlen (after) - prefix - suffix;
  {
    CairnHistoryChange *c = g_new0 (CairnHistoryChange, 1);

    c->field = field;
    c->inserted = la > 0 ? shorten (after + prefix, la) : NULL;
    c->deleted = lb > 0 ? shorten (before + prefix, lb) : NULL;
    g_ptr_array_add (changes, c);
  }
}

static const char *
yes_no (gboolean b)
{
  return b ? "yes" : "no";
}

/* Reduces one event of the object into @st; @changes (nullable) gets
 * what it changed. */
static void
reduce (ObjState   *st,
        const char *name,
        const Args *a,
        GPtrArray  *changes)
{
  const char *n = name;

  /* A creation of an object that exists is a no-op (every device makes
   * the Inbox; two devices make a tag of one name): the first one in the
   * order stands. */
  if (st->exists && g_str_has_suffix (n, ".created"))
    return;
  /* Every other change of a deleted object is a no-op too, but for its
   * text, which still merges (docs/events.md). What the object's own
   * events cannot show: a todo deleted with an ancestor. */
  if (g_strcmp0 (get_field (st, "deleted"), "yes") == 0 &&
      !g_str_has_suffix (n, ".deleted") && !g_str_has_suffix (n, ".restored") &&
      !g_str_has_suffix (n, "edited"))
    return;
  if (g_str_has_prefix (n, "todo."))
    {
      n += 5;
      if (g_str_equal (n, "created"))
        {
          st->exists = TRUE;
          set_member (st, changes, "title", a, "title");
          set_member (st, changes, "list", a, "list_id");
          set_member (st, changes, "parent", a, "parent_id");
          set_member (st, changes, "position", a, "position");
          set_field (st, changes, "done", "no");
          set_field (st, changes, "deleted", "no");
        }
      else if (g_str_equal (n, "renamed"))
        set_member (st, changes, "title", a, "title");
      else if (g_str_equal (n, "completed"))
        {
          if (arg_has (a, "occurrence"))
            set_member (st, changes, "completed occurrence", a, "occurrence");
          else
            set_field (st, changes, "done", "yes");
        }
      else if (g_str_equal (n, "reopened"))
        set_field (st, changes, "done", "no");
      else if (g_str_equal (n, "due_set"))
        {
          set_member (st, changes, "due", a, "due");
          set_member (st, changes, "due time", a, "time");
        }
      else if (g_str_equal (n, "due_cleared"))
        {
          set_field (st, changes, "due", NULL);
          set_field (st, changes, "due time", NULL);
        }
      else if (g_str_equal (n, "moved"))
        {
          if (arg_has (a, "list_id") && !arg_has (a, "parent_id"))
            set_member (st, changes, "list", a, "list_id");
          set_member (st, changes, "parent", a, "parent_id");
          set_member (st, changes, "position", a, "position");
        }
      else if (g_str_equal (n, "deleted"))
        set_field (st, changes, "deleted", "yes");
      else if (g_str_equal (n, "restored"))
        set_field (st, changes, "deleted", "no");
      else if (g_str_equal (n, "priority_set"))
        set_member (st, changes, "priority", a, "priority");
      else if (g_str_equal (n, "tagged") || g_str_equal (n, "untagged"))
        {
          const char *tag = arg_string (a, "tag_id");
          g_autofree char *shown = NULL;

          if (tag == NULL)
            return;
          if (!g_hash_table_contains (st->fields, "tags"))
            g_hash_table_insert (st->fields, (char *) "tags", tags_text (st));
          if (n[0] == 't')
            g_hash_table_add (st->tags, g_strdup (tag));
          else
            g_hash_table_remove (st->tags, tag);
          shown = tags_text (st);
          set_field (st, changes, "tags", shown);
        }
      else if (g_str_equal (n, "reminder_set"))
        set_member (st, changes, "reminder", a, "at");
      else if (g_str_equal (n, "reminder_cleared"))
        set_field (st, changes, "reminder", NULL);
      else if (g_str_equal (n, "reminder_dismissed"))
        set_field (st, changes, "reminder dismissed", "yes");
      else if (g_str_equal (n, "repeat_set"))
        set_member (st, changes, "repeat", a, "rule");
      else if (g_str_equal (n, "repeat_cleared"))
        set_field (st, changes, "repeat", NULL);
      else if (g_str_equal (n, "notes_edited"))
        apply_text (st, changes, "notes", a);
      if (g_str_equal (n, "reminder_set"))
        set_field (st, NULL, "reminder dismissed", "no");
    }
  else if (g_str_has_prefix (n, "list."))
    {
      n += 5;
      if (g_str_equal (n, "created"))
        {
          st->exists = TRUE;
          set_member (st, changes, "title", a, "title");
          set_member (st, changes, "position", a, "position");
          set_field (st, changes, "deleted", "no");
        }
      else if (g_str_equal (n, "renamed"))
        set_member (st, changes, "title", a, "title");
      else if (g_str_equal (n, "moved"))
        set_member (st, changes, "position", a, "position");
      else if (g_str_equal (n, "deleted") || g_str_equal (n, "restored"))
        set_field (st, changes, "deleted", yes_no (n[0] == 'd'));
    }
  else if (g_str_has_prefix (n, "note."))
    {
      n += 5;
      if (g_str_equal (n, "created"))
        {
          st->exists = TRUE;
          set_member (st, changes, "title", a, "title");
          set_field (st, changes, "pinned", "no");
          set_field (st, changes, "deleted", "no");
        }
      else if (g_str_equal (n, "renamed"))
        set_member (st, changes, "title", a, "title");
      else if (g_str_equal (n, "pinned") || g_str_equal (n, "unpinned"))
        set_field (st, changes, "pinned", yes_no (n[0] == 'p'));
      else if (g_str_equal (n, "deleted") || g_str_equal (n, "restored"))
        set_field (st, changes, "deleted", yes_no (n[0] == 'd'));
      else if (g_str_equal (n, "edited"))
        apply_text (st, changes, "body", a);
    }
  else if (g_str_has_prefix (n, "tag."))
    {
      n += 4;
      if (g_str_equal (n, "created"))
        {
          st->exists = TRUE;
          set_member (st, changes, "name", a, "name");
          set_member (st, changes, "color", a, "color");
          set_field (st, changes, "deleted", "no");
        }
      else if (g_str_equal (n, "renamed"))
        set_member (st, changes, "name", a, "name");
      else if (g_str_equal (n, "recolored"))
        set_member (st, changes, "color", a, "color");
      else if (g_str_equal (n, "deleted"))
        set_field (st, changes, "deleted", "yes");
    }
}

/* ---- walking an object's events ------------------------------------------ */

/* Calls @visit on every event about @object_id: confirmed ones in seq
 * order, then pending ones. Columns: name, version, args, client_id,
 * client_seq, created_at, seq, device, user_name, skipped. */
typedef struct
{
  const char *name;
  Args        args;
  const char *client_id;
  gint64      client_seq;
  gint64      created_at;
  gint64      seq;
  const char *device;
  const char *user;
  gboolean    skipped;
} Row;

typedef gboolean (*VisitFunc) (const Row  *row,
                               gpointer    data,
                               GError    **error);

static gboolean
walk_rows (CairnStore   *self,
           sqlite3_stmt *stmt,
           VisitFunc     visit,
           gpointer      data,
           guint        *n_visited,
           GError      **error)
{
  g_auto(CairnFlatArgs) flat;
  int rc;

  _cairn_flat_args_init (&flat);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *args_json = (const char *) sqlite3_column_text (stmt, 2);
      g_autoptr(JsonObject) parsed = NULL;
      Row row = { 0 };

      row.name = (const char *) sqlite3_column_text (stmt, 0);
      if (row.name == NULL || args_json == NULL)
        continue;
      if (_cairn_flat_args_scan (&flat, args_json, sqlite3_column_bytes (stmt, 2)))
        row.args.flat = &flat;
      else if ((row.args.obj = parsed = _cairn_store_parse_args (self, args_json, NULL)) == NULL)
        continue;   /* args the log keeps but nobody can read */
      row.client_id = (const char *) sqlite3_column_text (stmt, 3);
      row.client_seq = sqlite3_column_int64 (stmt, 4);
      row.created_at = sqlite3_column_int64 (stmt, 5);
      row.seq = sqlite3_column_int64 (stmt, 6);
      row.device = (const char *) sqlite3_column_text (stmt, 7);
      row.user = (const char *) sqlite3_column_text (stmt, 8);
      row.skipped = sqlite3_column_int (stmt, 9) != 0;
      (*n_visited)++;
      if (!visit (&row, data, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the history");
      return FALSE;
    }
  return TRUE;
}

static gboolean
walk_object (CairnStore  *self,
             const char  *object_id,
             VisitFunc    visit,
             gpointer     data,
             guint       *n_visited,
             GError     **error)
{
  sqlite3_stmt *stmt;

  *n_visited = 0;
  if (!_cairn_store_history_ensure_index (self, error))
    return FALSE;
  {
    gboolean done;

    if (!_cairn_store_history_fill (self, G_MAXINT64, &done, error))
      return FALSE;
  }
  stmt = _cairn_store_prepare (self,
                               "SELECT name, 0, coalesce (args, (SELECT args FROM log WHERE log.seq = o.seq)), "
                               "client_id, client_seq, created_at, seq, device, user_name, skipped "
                               "FROM log_objects o WHERE object_id = ?1 ORDER BY seq",
                               error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, object_id, -1, SQLITE_TRANSIENT);
  if (!walk_rows (self, stmt, visit, data, n_visited, error))
    return FALSE;
  stmt = _cairn_store_prepare (self,
                               "SELECT name, version, args, (SELECT client_id FROM meta), client_seq, "
                               "created_at, 0, NULL, NULL, 0 FROM pending WHERE "
                               CAIRN_HISTORY_OBJECT_OF ("pending") " = ?1 ORDER BY client_seq",
                               error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, object_id, -1, SQLITE_TRANSIENT);
  return walk_rows (self, stmt, visit, data, n_visited, error);
}

/* ---- history ---------------------------------------------------------------- */

typedef struct
{
  ObjState   state;
  GPtrArray *entries;
} HistoryWalk;

static gboolean
history_visit (const Row  *row,
               gpointer    data,
               GError    **error)
{
  HistoryWalk *w = data;
  CairnHistoryEntry *e = g_new0 (CairnHistoryEntry, 1);

  e->seq = row->seq;
  e->client_seq = row->client_seq;
  e->created_at = row->created_at;
  e->client_id = g_intern_string (row->client_id);
  e->user = g_intern_string (row->user);
  e->device = g_intern_string (row->device);
  e->own = g_strcmp0 (row->client_id, w->state.store->client_id) == 0;
  e->event = g_intern_string (row->name);
  e->changes = g_ptr_array_new_full (1, (GDestroyNotify) cairn_history_change_free);
  if (!row->skipped)
    reduce (&w->state, row->name, &row->args, e->changes);
  g_ptr_array_add (w->entries, e);
  return TRUE;
}

GPtrArray *
cairn_store_get_history (CairnStore  *self,
                         const char  *object_id,
                         GError     **error)
{
  HistoryWalk w = { 0 };
  guint n = 0;
  gboolean ok;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  g_return_val_if_fail (object_id != NULL, NULL);

  obj_state_init (&w.state, self, DISPLAY_TEXT_CLIENT);
  w.entries = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_history_entry_free);
  ok = walk_object (self, object_id, history_visit, &w, &n, error);
  obj_state_clear (&w.state);
  if (!ok)
    {
      g_ptr_array_unref (w.entries);
      return NULL;
    }
  if (n == 0)
    {
      g_ptr_array_unref (w.entries);
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "No todo, list, note or tag with id %s", object_id);
      return NULL;
    }
  return w.entries;
}

/* ---- activity ---------------------------------------------------------------- */

static char *
current_title (CairnStore *self,
               const char *kind,
               const char *object_id)
{
  const char *sql = g_str_equal (kind, "todo") ? "SELECT title FROM todos WHERE id = ?1" :
                    g_str_equal (kind, "list") ? "SELECT title FROM lists WHERE id = ?1" :
                    g_str_equal (kind, "note") ? "SELECT title FROM notes WHERE id = ?1" :
                    g_str_equal (kind, "tag") ? "SELECT name FROM tags WHERE id = ?1" : NULL;
  sqlite3_stmt *stmt;
  char *title = NULL;

  if (sql == NULL || (stmt = _cairn_store_prepare_static (self, sql, NULL)) == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, object_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    title = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return title;
}

static void
add_distinct (GPtrArray  *array,
              const char *value)
{
  if (value == NULL)
    return;
  for (guint i = 0; i < array->len; i++)
    if (g_str_equal (array->pdata[i], value))
      return;
  g_ptr_array_add (array, g_strdup (value));
}

static int
compare_activity (gconstpointer a,
                  gconstpointer b)
{
  const CairnActivityItem *x = *(const CairnActivityItem * const *) a;
  const CairnActivityItem *y = *(const CairnActivityItem * const *) b;

  if (x->others != y->others)
    return x->others ? -1 : 1;
  return x->last_seq > y->last_seq ? -1 : x->last_seq < y->last_seq ? 1 : 0;
}

GPtrArray *
cairn_store_get_activity (CairnStore  *self,
                          gint64       since_seq,
                          GError     **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_activity_item_free);
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  stmt = _cairn_store_prepare (self,
                               "SELECT seq, client_id, created_at, device, user_name, name, "
                               CAIRN_HISTORY_OBJECT_OF ("log") " FROM log WHERE seq > ?1 ORDER BY seq",
                               error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, MAX (since_seq, 0));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *object_id = (const char *) sqlite3_column_text (stmt, 6);
      const char *name = (const char *) sqlite3_column_text (stmt, 5);
      CairnActivityItem *item;

      if (object_id == NULL)
        continue;
      item = g_hash_table_lookup (by_id, object_id);
      if (item == NULL)
        {
          item = g_new0 (CairnActivityItem, 1);
          item->object_id = g_strdup (object_id);
          item->kind = g_strndup (name, strcspn (name, "."));
          item->first_seq = sqlite3_column_int64 (stmt, 0);
          item->users = g_ptr_array_new_with_free_func (g_free);
          item->devices = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (items, item);
          g_hash_table_insert (by_id, item->object_id, item);
        }
      item->n_changes++;
      item->last_seq = sqlite3_column_int64 (stmt, 0);
      item->last_at = sqlite3_column_int64 (stmt, 2);
      if (g_strcmp0 ((const char *) sqlite3_column_text (stmt, 1), self->client_id) != 0)
        item->others = TRUE;
      add_distinct (item->users, (const char *) sqlite3_column_text (stmt, 4));
      add_distinct (item->devices, (const char *) sqlite3_column_text (stmt, 3));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the activity");
      return NULL;
    }
  for (guint i = 0; i < items->len; i++)
    {
      CairnActivityItem *item = items->pdata[i];

      item->title = current_title (self, item->kind, item->object_id);
    }
  g_ptr_array_sort (items, compare_activity);
  return g_steal_pointer (&items);
}

gint64
cairn_store_get_activity_mark (CairnStore  *self,
                               GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 seq = 0;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), -1);

  stmt = _cairn_store_prepare_static (self, "SELECT seq FROM activity_mark WHERE id = 1", error);
  if (stmt == NULL)
    return -1;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    seq = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read when the app was last open");
      return -1;
    }
  return seq;
}

gboolean
cairn_store_set_activity_mark (CairnStore  *self,
                               gint64       seq,
                               GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);

  if (!_cairn_store_begin (self, error))
    return FALSE;
  stmt = _cairn_store_prepare_static (self, "INSERT OR REPLACE INTO activity_mark (id, seq) VALUES (1, ?1)", error);
  if (stmt == NULL || sqlite3_bind_int64 (stmt, 1, MAX (seq, 0)) != SQLITE_OK ||
      !_cairn_store_step_done (self, stmt, error) ||
      !_cairn_store_end (self, error))
    {
      if (self->in_transaction)
        _cairn_store_rollback (self);
      return FALSE;
    }
  return TRUE;
}

/* ---- restoring a version ---------------------------------------------------- */

typedef struct
{
  ObjState    state;
  gint64      target;
  gint64      target_pending;  /* > 0: a pending event's client_seq instead */
  gboolean    found;       /* the target event is an event of the object */
  GHashTable *old_fields;  /* a copy of state.fields right after the target */
  GHashTable *old_tags;
  char       *old_text;    /* NULL: no text yet */
  char       *kind;
} RevertWalk;

static GHashTable *
copy_set (GHashTable *src,
          gboolean    with_values)
{
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, with_values ? g_free : NULL);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, src);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy, g_strdup (key), with_values ? g_strdup (value) : NULL);
  return copy;
}

static gboolean
revert_visit (const Row  *row,
              gpointer    data,
              GError    **error)
{
  RevertWalk *w = data;

  if (w->kind == NULL)
    w->kind = g_strndup (row->name, strcspn (row->name, "."));
  if (!row->skipped)
    reduce (&w->state, row->name, &row->args, NULL);
  if ((row->seq > 0 && row->seq == w->target) ||
      (w->target_pending > 0 && row->seq == 0 && row->client_seq == w->target_pending))
    {
      w->found = TRUE;
      w->old_fields = copy_set (w->state.fields, TRUE);
      w->old_tags = copy_set (w->state.tags, FALSE);
      w->old_text = w->state.text != NULL ? cairn_text_get_text (w->state.text, NULL) : NULL;
    }
  return TRUE;
}

static gboolean
differs (RevertWalk *w,
         const char *field)
{
  return g_strcmp0 (g_hash_table_lookup (w->old_fields, field), get_field (&w->state, field)) != 0;
}

static const char *
old_field (RevertWalk *w,
           const char *field)
{
  return g_hash_table_lookup (w->old_fields, field);
}

static JsonObject *
args_with_id (const char *id_member,
              const char *id)
{
  JsonObject *args = json_object_new ();

  json_object_set_string_member (args, id_member, id);
  return args;
}

static void
add_event (GPtrArray  *batch,
           const char *name,
           guint       version,
           JsonObject *args)   /* transfer full */
{
  g_ptr_array_add (batch, cairn_event_new (name, version, args));
  json_object_unref (args);
}

/* Adds "NAME" {id_member: id, member: old value of field} when @field
 * differs. */
static void
add_set_event (RevertWalk *w,
               GPtrArray  *batch,
               const char *field,
               const char *name,
               const char *id_member,
               const char *id,
               const char *member)
{
  JsonObject *args;

  if (!differs (w, field) || old_field (w, field) == NULL)
    return;
  args = args_with_id (id_member, id);
  json_object_set_string_member (args, member, old_field (w, field));
  add_event (batch, name, 1, args);
}

/* The text events that turn the current text into the old one, made on
 * the replica (which has this store's text client id). */
static gboolean
add_text_events (RevertWalk  *w,
                 GPtrArray   *batch,
                 const char  *name,
                 const char  *id_member,
                 const char  *id,
                 GError     **error)
{
  g_autofree char *now = NULL;
  const char *old = w->old_text != NULL ? w->old_text : "";
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  g_autoptr(GPtrArray) args = NULL;
  gsize prefix, suffix;
  glong at, n_del;

  if (w->state.text == NULL && (w->state.text = cairn_text_new (w->state.text_client, error)) == NULL)
    return FALSE;
  now = cairn_text_get_text (w->state.text, NULL);
  if (g_str_equal (now, old))
    return TRUE;
  common_ends (now, old, &prefix, &suffix);
  at = g_utf8_strlen (now, prefix);
  n_del = g_utf8_strlen (now + prefix, strlen (now) - prefix - suffix);
  if (n_del > 0 && !cairn_text_delete (w->state.text, at, n_del, ops, error))
    return FALSE;
  if (strlen (old) - prefix - suffix > 0 &&
      !cairn_text_insert (w->state.text, at, old + prefix, strlen (old) - prefix - suffix, ops, error))
    return FALSE;
  args = _cairn_store_note_edit_args (id, ops);
  for (guint i = 0; i < args->len; i++)
    {
      JsonObject *a = args->pdata[i];

      if (!g_str_equal (id_member, "note_id"))
        {
          /* The same args under the todo's member (as long as note_id). */
          JsonObject *t = args_with_id (id_member, id);

          json_object_set_string_member (t, "ops", json_object_get_string_member (a, "ops"));
          add_event (batch, name, 1, t);
        }
      else
        add_event (batch, name, 1, json_object_ref (a));
    }
  return TRUE;
}

static gboolean
revert_events (RevertWalk  *w,
               const char  *id,
               GPtrArray   *batch,
               GError     **error)
{
  const char *k = w->kind;
  g_autofree char *id_member = g_strdup_printf ("%s_id", k);
  g_autofree char *deleted_name = g_strdup_printf ("%s.deleted", k);
  g_autofree char *restored_name = g_strdup_printf ("%s.restored", k);
  gboolean restore = differs (w, "deleted") && g_strcmp0 (old_field (w, "deleted"), "no") == 0;
  gboolean delete_last = differs (w, "deleted") && g_strcmp0 (old_field (w, "deleted"), "yes") == 0;

  if (g_str_equal (k, "tag") && g_strcmp0 (get_field (&w->state, "deleted"), "yes") == 0)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "Tag %s is deleted; a deleted tag cannot come back", id);
      return FALSE;
    }
  if (restore)
    add_event (batch, restored_name, 1, args_with_id (id_member, id));

  if (g_str_equal (k, "todo"))
    {
      add_set_event (w, batch, "title", "todo.renamed", id_member, id, "title");
      if (differs (w, "list") || differs (w, "parent") || differs (w, "position"))
        {
          JsonObject *a = args_with_id (id_member, id);

          json_object_set_string_member (a, "position", old_field (w, "position"));
          if (old_field (w, "parent") != NULL)
            json_object_set_string_member (a, "parent_id", old_field (w, "parent"));
          else if (old_field (w, "list") != NULL)
            json_object_set_string_member (a, "list_id", old_field (w, "list"));
          add_event (batch, "todo.moved", 2, a);
        }
      if (differs (w, "done"))
        add_event (batch, g_strcmp0 (old_field (w, "done"), "yes") == 0 ? "todo.completed" : "todo.reopened",
                   g_strcmp0 (old_field (w, "done"), "yes") == 0 ? 2 : 1, args_with_id (id_member, id));
      if (differs (w, "due") || differs (w, "due time"))
        {
          if (old_field (w, "due") == NULL)
            add_event (batch, "todo.due_cleared", 1, args_with_id (id_member, id));
          else
            {
              JsonObject *a = args_with_id (id_member, id);

              json_object_set_string_member (a, "due", old_field (w, "due"));
              if (old_field (w, "due time") != NULL)
                json_object_set_string_member (a, "time", old_field (w, "due time"));
              add_event (batch, "todo.due_set", 2, a);
            }
        }
      if (differs (w, "priority"))
        {
          JsonObject *a = args_with_id (id_member, id);

          json_object_set_string_member (a, "priority", old_field (w, "priority") ? old_field (w, "priority") : "none");
          add_event (batch, "todo.priority_set", 1, a);
        }
      {
        GHashTableIter iter;
        gpointer tag;

        g_hash_table_iter_init (&iter, w->old_tags);
        while (g_hash_table_iter_next (&iter, &tag, NULL))
          if (!g_hash_table_contains (w->state.tags, tag))
            {
              JsonObject *a = args_with_id (id_member, id);

              json_object_set_string_member (a, "tag_id", tag);
              add_event (batch, "todo.tagged", 1, a);
            }
        g_hash_table_iter_init (&iter, w->state.tags);
        while (g_hash_table_iter_next (&iter, &tag, NULL))
          if (!g_hash_table_contains (w->old_tags, tag))
            {
              JsonObject *a = args_with_id (id_member, id);

              json_object_set_string_member (a, "tag_id", tag);
              add_event (batch, "todo.untagged", 1, a);
            }
      }
      if (differs (w, "reminder"))
        {
          if (old_field (w, "reminder") == NULL)
            add_event (batch, "todo.reminder_cleared", 1, args_with_id (id_member, id));
          else
            add_set_event (w, batch, "reminder", "todo.reminder_set", id_member, id, "at");
        }
      if (differs (w, "repeat"))
        {
          if (old_field (w, "repeat") == NULL)
            add_event (batch, "todo.repeat_cleared", 1, args_with_id (id_member, id));
          else
            add_set_event (w, batch, "repeat", "todo.repeat_set", id_member, id, "rule");
        }
      if (!add_text_events (w, batch, "todo.notes_edited", id_member, id, error))
        return FALSE;
    }
  else if (g_str_equal (k, "list"))
    {
      add_set_event (w, batch, "title", "list.renamed", id_member, id, "title");
      add_set_event (w, batch, "position", "list.moved", id_member, id, "position");
    }
  else if (g_str_equal (k, "note"))
    {
      add_set_event (w, batch, "title", "note.renamed", id_member, id, "title");
      if (differs (w, "pinned"))
        add_event (batch, g_strcmp0 (old_field (w, "pinned"), "yes") == 0 ? "note.pinned" : "note.unpinned",
                   1, args_with_id (id_member, id));
      if (!add_text_events (w, batch, "note.edited", id_member, id, error))
        return FALSE;
    }
  else if (g_str_equal (k, "tag"))
    {
      add_set_event (w, batch, "name", "tag.renamed", id_member, id, "name");
      add_set_event (w, batch, "color", "tag.recolored", id_member, id, "color");
    }

  if (delete_last)
    add_event (batch, deleted_name, 1, args_with_id (id_member, id));
  return TRUE;
}

static gboolean
revert_to (CairnStore  *self,
           const char  *object_id,
           gint64       seq,
           gint64       client_seq,
           guint       *out_n_events,
           GError     **error)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autofree char *text_client = NULL;
  RevertWalk w = { 0 };
  guint n = 0;
  gboolean ok = FALSE;

  if (out_n_events != NULL)
    *out_n_events = 0;
  /* The replica replays the object's text under this store's text client
   * id, so that the ops it makes continue this device's own. */
  if ((text_client = cairn_store_dup_text_client_id (self, error)) == NULL)
    return FALSE;
  obj_state_init (&w.state, self, text_client);
  w.target = seq;
  w.target_pending = client_seq;
  if (!walk_object (self, object_id, revert_visit, &w, &n, error))
    goto out;
  if (n == 0)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "No todo, list, note or tag with id %s", object_id);
      goto out;
    }
  if (!w.found && client_seq > 0)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "%" G_GINT64_FORMAT " is not the client seq of a change of %s "
                   "waiting to be sent (see its history)", client_seq, object_id);
      goto out;
    }
  if (!w.found)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "%" G_GINT64_FORMAT " is not the seq of a confirmed change of %s "
                   "(see its history for the seqs)", seq, object_id);
      goto out;
    }
  if (!revert_events (&w, object_id, batch, error) ||
      !_cairn_store_commit_events (self, batch, error))
    goto out;
  if (out_n_events != NULL)
    *out_n_events = batch->len;
  ok = TRUE;

out:
  obj_state_clear (&w.state);
  g_clear_pointer (&w.old_fields, g_hash_table_unref);
  g_clear_pointer (&w.old_tags, g_hash_table_unref);
  g_free (w.old_text);
  g_free (w.kind);
  return ok;
}

gboolean
cairn_store_revert_object (CairnStore  *self,
                           const char  *object_id,
                           gint64       seq,
                           guint       *out_n_events,
                           GError     **error)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (object_id != NULL, FALSE);

  return revert_to (self, object_id, seq, 0, out_n_events, error);
}

gboolean
cairn_store_revert_object_to_pending (CairnStore  *self,
                                      const char  *object_id,
                                      gint64       client_seq,
                                      guint       *out_n_events,
                                      GError     **error)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (object_id != NULL, FALSE);

  if (client_seq <= 0)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "%" G_GINT64_FORMAT " is not the client seq of a change of %s "
                   "waiting to be sent (see its history)", client_seq, object_id);
      return FALSE;
    }
  return revert_to (self, object_id, 0, client_seq, out_n_events, error);
}

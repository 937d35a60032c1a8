/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-undo.c: undo and redo of this device's own actions
 * (cairn-store-undo.h, docs/store.md "Undo and redo").
 *
 * Recording: every local event is recorded, inside its commit's
 * transaction, into the current action (undo_actions) as the fields its
 * changeset wrote, each with the value it replaced and the one it wrote
 * (undo_fields); a typing event as the text ops it made. A creation is
 * recorded as its `deleted` field going from 1 (there was nothing) to 0.
 *
 * Undo and redo read an action's fields back, grouped into units (one
 * event's worth: a title, a place, a due date …), and for every unit whose
 * fields all still hold what the action wrote (undo) or what it replaced
 * (redo) emit the event that writes the other value; the rest is left
 * and reported. Text: the CRDT-level inverse of the ops recorded
 * (cairn_text_invert()), which then replace them, so that redo inverts
 * the undo's own ops. */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-store-private.h"
#include "cairn-store-undo.h"

/* ---- Results ------------------------------------------------------------ */

static void
item_free (gpointer data)
{
  CairnUndoItem *item = data;

  g_free (item->kind);
  g_free (item->id);
  g_free (item->field);
  g_free (item->device);
  g_free (item);
}

void
cairn_undo_result_free (CairnUndoResult *result)
{
  if (result == NULL)
    return;
  g_ptr_array_unref (result->changed);
  g_ptr_array_unref (result->left);
  g_free (result);
}

static const char *
reason_name (CairnUndoReason reason)
{
  switch (reason)
    {
    case CAIRN_UNDO_LEFT_CHANGED: return "changed";
    case CAIRN_UNDO_LEFT_DELETED: return "deleted";
    case CAIRN_UNDO_LEFT_GONE:    return "gone";
    case CAIRN_UNDO_LEFT_FINAL:   return "final";
    default:                      g_return_val_if_reached ("changed");
    }
}

static const char *
kind_word (const char *kind)
{
  return g_str_equal (kind, "todo") ? "task" : kind;
}

static const char *
field_word (const char *field)
{
  static const struct { const char *field, *word; } words[] = {
    { "title", "Title" }, { "done", "Completion" }, { "place", "Place" },
    { "due", "Due date" }, { "priority", "Priority" }, { "reminder", "Reminder" },
    { "repeat", "Repeat" }, { "deleted", "Deletion" }, { "pinned", "Pin" },
    { "name", "Name" }, { "color", "Colour" }, { "tag", "Tag" }, { "text", "Text" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_str_equal (words[i].field, field))
      return words[i].word;
  return field;
}

char *
cairn_undo_item_describe (const CairnUndoItem *item,
                          gboolean             left)
{
  g_autofree char *what = g_strdup_printf ("%s of %s %s", field_word (item->field),
                                           kind_word (item->kind), item->id);

  if (!left && (g_str_equal (item->field, "deleted") || g_str_equal (item->field, "restored")))
    return g_strdup_printf ("%c%s %s %s", g_ascii_toupper (kind_word (item->kind)[0]),
                            kind_word (item->kind) + 1, item->id, item->field);
  if (!left)
    return g_strdup_printf ("%s: put back", what);
  switch (item->reason)
    {
    case CAIRN_UNDO_LEFT_CHANGED:
      return g_strdup_printf ("%s was changed on %s since; left as it is", what,
                              item->device != NULL ? item->device : "another device");
    case CAIRN_UNDO_LEFT_DELETED:
      return g_strdup_printf ("%s: the %s was deleted since; nothing restored", what,
                              kind_word (item->kind));
    case CAIRN_UNDO_LEFT_GONE:
      return g_strdup_printf ("%s: where it was is deleted since; left as it is", what);
    case CAIRN_UNDO_LEFT_FINAL:
    default:
      return g_strdup_printf ("%s: cannot be put back", what);
    }
}

char *
cairn_undo_result_to_json (const CairnUndoResult *result)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "action");
  json_builder_add_int_value (builder, result->action_id);
  json_builder_set_member_name (builder, "redo");
  json_builder_add_boolean_value (builder, result->redo);
  for (guint l = 0; l < 2; l++)
    {
      GPtrArray *items = l ? result->left : result->changed;

      json_builder_set_member_name (builder, l ? "left" : "changed");
      json_builder_begin_array (builder);
      for (guint i = 0; i < items->len; i++)
        {
          const CairnUndoItem *item = items->pdata[i];

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "kind");
          json_builder_add_string_value (builder, item->kind);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, item->id);
          json_builder_set_member_name (builder, "field");
          json_builder_add_string_value (builder, item->field);
          if (l)
            {
              g_autofree char *message = cairn_undo_item_describe (item, TRUE);

              json_builder_set_member_name (builder, "reason");
              json_builder_add_string_value (builder, reason_name (item->reason));
              json_builder_set_member_name (builder, "device");
              if (item->device != NULL)
                json_builder_add_string_value (builder, item->device);
              else
                json_builder_add_null_value (builder);
              json_builder_set_member_name (builder, "message");
              json_builder_add_string_value (builder, message);
            }
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

/* ---- Grouping ------------------------------------------------------------ */

void
cairn_store_begin_action (CairnStore *self)
{
  g_return_if_fail (CAIRN_IS_STORE (self));

  if (self->undo_depth++ == 0)
    self->undo_action = 0;
}

void
cairn_store_end_action (CairnStore *self)
{
  g_return_if_fail (CAIRN_IS_STORE (self));
  g_return_if_fail (self->undo_depth > 0);

  if (--self->undo_depth == 0)
    self->undo_action = 0;
}

void
cairn_store_break_typing (CairnStore *self)
{
  g_return_if_fail (CAIRN_IS_STORE (self));
  self->undo_break = TRUE;
}

void
_cairn_store_undo_commit_end (CairnStore *self)
{
  if (self->undo_depth == 0)
    self->undo_action = 0;
}

/* ---- Recording ----------------------------------------------------------- */

/* The state tables undo knows, and whether each has a `deleted` column. */
static gboolean
known_table (const char *table,
             gboolean   *has_deleted)
{
  *has_deleted = g_str_equal (table, "lists") || g_str_equal (table, "todos") ||
                 g_str_equal (table, "notes") || g_str_equal (table, "tags");
  return *has_deleted || g_str_equal (table, "todo_tags");
}

static GPtrArray *
table_columns (CairnStore  *self,
               const char  *table,
               GError     **error)
{
  GPtrArray *cols;
  g_autofree char *sql = NULL;
  sqlite3_stmt *stmt = NULL;

  if (self->undo_columns == NULL)
    self->undo_columns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify) g_ptr_array_unref);
  cols = g_hash_table_lookup (self->undo_columns, table);
  if (cols != NULL)
    return cols;

  sql = g_strdup_printf ("PRAGMA table_info(%s)", table);
  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot read the columns of a table");
      return NULL;
    }
  cols = g_ptr_array_new_with_free_func (g_free);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (cols, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
  sqlite3_finalize (stmt);
  g_hash_table_insert (self->undo_columns, g_strdup (table), cols);
  return cols;
}

/* Makes the action this event goes into, or finds it: the open one, or
 * for typing (@kind not NULL) the newest one when it is typing in the
 * same text, not undone, and no pause or break came between. */
static gboolean
ensure_action (CairnStore        *self,
               const CairnEvent  *event,
               const char        *kind,
               GError           **error)
{
  sqlite3_stmt *stmt;
  gint64 top = 0;
  gboolean top_undone = FALSE;

  if (self->undo_action != 0)
    {
      stmt = _cairn_store_prepare_static (self,
          "INSERT INTO undo_actions (id, kind, head, created_at, last_at) "
          "VALUES (?1, ?2, ?3, ?4, ?4) "
          "ON CONFLICT (id) DO UPDATE SET last_at = max(last_at, excluded.last_at)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, self->undo_action);
      sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 3, self->head);
      sqlite3_bind_int64 (stmt, 4, event->created_at);
      return _cairn_store_step_done (self, stmt, error);
    }

  stmt = _cairn_store_prepare_static (self,
      "SELECT id, undone, kind, last_at FROM undo_actions ORDER BY id DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      top = sqlite3_column_int64 (stmt, 0);
      /* The undone actions are always the newest ones (undo takes the
       * newest not undone): any, and the newest is. */
      top_undone = sqlite3_column_int (stmt, 1) != 0;
      if (kind != NULL && !self->undo_break &&
          sqlite3_column_int (stmt, 1) == 0 &&
          g_strcmp0 ((const char *) sqlite3_column_text (stmt, 2), kind) == 0 &&
          event->created_at >= sqlite3_column_int64 (stmt, 3) &&
          event->created_at - sqlite3_column_int64 (stmt, 3) <= CAIRN_UNDO_TYPING_PAUSE_MS)
        {
          self->undo_action = top;
          sqlite3_reset (stmt);
          return ensure_action (self, event, kind, error);
        }
    }
  sqlite3_reset (stmt);

  /* A new action: what could be redone goes, and every 32nd action
   * the oldest beyond the limit (so the stack holds at least
   * CAIRN_UNDO_MAX_ACTIONS, and most commits run neither). */
  self->undo_break = FALSE;
  self->undo_action = top + 1;
  if (top_undone &&
      ((stmt = _cairn_store_prepare_static (self,
           "DELETE FROM undo_fields WHERE action_id IN "
           "(SELECT id FROM undo_actions WHERE undone)", error)) == NULL ||
       !_cairn_store_step_done (self, stmt, error) ||
       (stmt = _cairn_store_prepare_static (self,
           "DELETE FROM undo_actions WHERE undone", error)) == NULL ||
       !_cairn_store_step_done (self, stmt, error)))
    return FALSE;
  if (self->undo_action % 32 == 0)
    {
      if ((stmt = _cairn_store_prepare_static (self,
              "DELETE FROM undo_fields WHERE action_id <= ?1", error)) == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, self->undo_action - CAIRN_UNDO_MAX_ACTIONS);
      if (!_cairn_store_step_done (self, stmt, error))
        return FALSE;
      if ((stmt = _cairn_store_prepare_static (self,
              "DELETE FROM undo_actions WHERE id <= ?1", error)) == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, self->undo_action - CAIRN_UNDO_MAX_ACTIONS);
      if (!_cairn_store_step_done (self, stmt, error))
        return FALSE;
    }
  return ensure_action (self, event, kind, error);
}

static gboolean
insert_field (CairnStore     *self,
              const char     *table,
              sqlite3_value  *row_id,
              const char     *col,
              sqlite3_value  *old_value,
              sqlite3_value  *new_value,
              gint64          old_int,
              GError        **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare_static (self,
      "INSERT INTO undo_fields (action_id, n, tbl, row_id, col, old, new) "
      "VALUES (?1, (SELECT coalesce(max(n), -1) + 1 FROM undo_fields WHERE action_id = ?1), "
      "?2, ?3, ?4, ?5, ?6)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->undo_action);
  sqlite3_bind_text (stmt, 2, table, -1, SQLITE_STATIC);
  sqlite3_bind_value (stmt, 3, row_id);
  sqlite3_bind_text (stmt, 4, col, -1, SQLITE_STATIC);
  if (old_value != NULL)
    sqlite3_bind_value (stmt, 5, old_value);
  else
    sqlite3_bind_int64 (stmt, 5, old_int);
  sqlite3_bind_value (stmt, 6, new_value);
  return _cairn_store_step_done (self, stmt, error);
}

static gboolean
record_text (CairnStore        *self,
             const CairnEvent  *event,
             GError           **error)
{
  gboolean is_note = g_str_equal (event->name, "note.edited");
  const char *id = json_object_get_string_member (event->args, is_note ? "note_id" : "todo_id");
  const char *b64 = json_object_get_string_member (event->args, "ops");
  g_autofree char *kind = g_strconcat (is_note ? "notes/" : "todos/", id, NULL);
  g_autofree guchar *ops = NULL;
  gsize size = 0;
  sqlite3_stmt *stmt;

  if (!ensure_action (self, event, kind, error))
    return FALSE;
  ops = g_base64_decode (b64, &size);
  stmt = _cairn_store_prepare_static (self,
      "INSERT INTO undo_fields (action_id, n, tbl, row_id, col, old, new) "
      "VALUES (?1, (SELECT coalesce(max(n), -1) + 1 FROM undo_fields WHERE action_id = ?1), "
      "?2, ?3, 'text', NULL, ?4)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->undo_action);
  sqlite3_bind_text (stmt, 2, is_note ? "notes" : "todos", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, id, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 4, ops, (int) size, SQLITE_STATIC);
  return _cairn_store_step_done (self, stmt, error);
}

gboolean
_cairn_store_undo_record (CairnStore        *self,
                          const CairnEvent  *event,
                          GBytes            *changeset,
                          GError           **error)
{
  sqlite3_changeset_iter *iter = NULL;
  gsize size = 0;
  gconstpointer data;
  int rc;
  gboolean ok = TRUE;
  /* An event that changed nothing (a title set to what it is) is no
   * action: the action is made with its first field. */
  gboolean made = FALSE;

  if (self->undo_applying)
    return TRUE;
  if (_cairn_store_is_text_event (event->name))
    return record_text (self, event, error);

  data = changeset != NULL ? g_bytes_get_data (changeset, &size) : NULL;
  if (size == 0)
    return TRUE;
  rc = sqlite3changeset_start (&iter, (int) size, (void *) data);
  while (ok && rc == SQLITE_OK && (rc = sqlite3changeset_next (iter)) == SQLITE_ROW)
    {
      const char *table;
      int n_cols, op, indirect;
      gboolean has_deleted;
      GPtrArray *cols;
      sqlite3_value *pk = NULL;

      if ((rc = sqlite3changeset_op (iter, &table, &n_cols, &op, &indirect)) != SQLITE_OK)
        break;
      if (!known_table (table, &has_deleted))
        continue;
      if ((cols = table_columns (self, table, error)) == NULL)
        {
          ok = FALSE;
          break;
        }
      rc = op == SQLITE_INSERT ? sqlite3changeset_new (iter, 0, &pk)
                               : sqlite3changeset_old (iter, 0, &pk);
      if (rc != SQLITE_OK || pk == NULL)
        break;

      if (op == SQLITE_INSERT)
        {
          /* A creation: `deleted` (`tagged`) was 1 (0), as nothing was. */
          const char *col = has_deleted ? "deleted" : "tagged";

          for (guint i = 0; i < cols->len && i < (guint) n_cols; i++)
            {
              sqlite3_value *nv = NULL;

              if (!g_str_equal (cols->pdata[i], col))
                continue;
              if ((rc = sqlite3changeset_new (iter, (int) i, &nv)) != SQLITE_OK)
                break;
              if (nv != NULL && sqlite3_value_int64 (nv) != (has_deleted ? 1 : 0))
                ok = (made || (made = ensure_action (self, event, NULL, error))) &&
                     insert_field (self, table, pk, col, NULL, nv, has_deleted ? 1 : 0, error);
            }
        }
      else if (op == SQLITE_UPDATE)
        {
          for (guint i = 1; ok && i < cols->len && i < (guint) n_cols; i++)
            {
              sqlite3_value *nv = NULL, *ov = NULL;

              if ((rc = sqlite3changeset_new (iter, (int) i, &nv)) != SQLITE_OK ||
                  (rc = sqlite3changeset_old (iter, (int) i, &ov)) != SQLITE_OK)
                break;
              if (nv != NULL && ov != NULL)
                ok = (made || (made = ensure_action (self, event, NULL, error))) &&
                     insert_field (self, table, pk, cols->pdata[i], ov, nv, 0, error);
            }
        }
    }
  if (iter != NULL)
    {
      int rc2 = sqlite3changeset_finalize (iter);

      if (rc == SQLITE_OK || rc == SQLITE_DONE)
        rc = rc2;
    }
  if (ok && rc != SQLITE_OK && rc != SQLITE_DONE)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
                   "Cannot record the change for undo: %s", sqlite3_errstr (rc));
      return FALSE;
    }
  return ok;
}

/* ---- Counting ------------------------------------------------------------ */

static guint
count_actions (CairnStore *self,
               gboolean    undone)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = _cairn_store_prepare_static (self,
      "SELECT count(*) FROM undo_actions WHERE undone = ?1", &error);
  guint n = 0;

  if (stmt == NULL)
    {
      g_warning ("%s", error->message);
      return 0;
    }
  sqlite3_bind_int (stmt, 1, undone);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

guint
cairn_store_get_n_undo (CairnStore *self)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), 0);
  return count_actions (self, FALSE);
}

guint
cairn_store_get_n_redo (CairnStore *self)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), 0);
  return count_actions (self, TRUE);
}

/* ---- Undo and redo ------------------------------------------------------- */

typedef struct
{
  char          *tbl;
  char          *row_id;
  char          *col;
  sqlite3_value *old;
  sqlite3_value *new;
} Field;

static void
field_free (gpointer data)
{
  Field *f = data;

  g_free (f->tbl);
  g_free (f->row_id);
  g_free (f->col);
  sqlite3_value_free (f->old);
  sqlite3_value_free (f->new);
  g_free (f);
}

/* An event undo or redo makes, and the item that reports it. */
typedef struct
{
  const char    *name;   /* interned */
  guint          version;
  JsonObject    *args;
  CairnUndoItem *item;
} Ev;

static void
ev_free (gpointer data)
{
  Ev *ev = data;

  json_object_unref (ev->args);
  g_free (ev);
}

/* What one undo or redo is making. */
typedef struct
{
  CairnStore      *store;
  gboolean         redo;
  gint64           action;
  gint64           head;
  GPtrArray       *first;     /* Ev*: restorations, which come first */
  GPtrArray       *events;    /* Ev*: the rest */
  GPtrArray       *last;      /* Ev*: deletions, which come last */
  CairnUndoResult *result;
  GPtrArray       *texts;     /* TextRedo*: the inverse ops, stored after */
  GHashTable      *restoring; /* "tbl/id" of rows this run brings back */
} Run;

typedef struct
{
  char       *tbl;
  char       *row_id;
  GBytes     *ops;
  GHashTable *aliases;  /* the text's aliases, with the copies just made */
} TextRedo;

static void
text_redo_free (gpointer data)
{
  TextRedo *t = data;

  g_free (t->tbl);
  g_free (t->row_id);
  g_bytes_unref (t->ops);
  g_hash_table_unref (t->aliases);
  g_free (t);
}

/* Characters an undo typed again, and the ones they stand for
 * (cairn_text_invert()), of one text. */
static GHashTable *
load_aliases (CairnStore  *self,
              const char  *tbl,
              const char  *id,
              GError     **error)
{
  g_autoptr(GHashTable) aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3_stmt *stmt = _cairn_store_prepare_static (self,
      "SELECT orig, copy FROM undo_text_aliases WHERE tbl = ?1 AND row_id = ?2", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, tbl, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (aliases, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the undo history");
      return NULL;
    }
  return g_steal_pointer (&aliases);
}

static sqlite3_value *
want (const Run *run, const Field *f)
{
  return run->redo ? f->new : f->old;
}

static sqlite3_value *
expect (const Run *run, const Field *f)
{
  return run->redo ? f->old : f->new;
}

static const char *
kind_of_table (const char *tbl)
{
  return g_str_equal (tbl, "lists") ? "list" : g_str_equal (tbl, "notes") ? "note" :
         g_str_equal (tbl, "tags") ? "tag" : "todo";
}

static void
add_event (Run        *run,
           const char *name,
           guint       version,
           JsonObject *args,
           guint       when)
{
  Ev *ev = g_new0 (Ev, 1);

  ev->name = name;
  ev->version = version;
  ev->args = args;
  g_ptr_array_add (when == 0 ? run->first : when == 2 ? run->last : run->events, ev);
}

/* The events added since the unit began are this changed item's. */
static void
claim_events (Run           *run,
              CairnUndoItem *item)
{
  for (guint l = 0; l < 3; l++)
    {
      GPtrArray *events = l == 0 ? run->first : l == 1 ? run->events : run->last;

      for (guint i = 0; i < events->len; i++)
        if (((Ev *) events->pdata[i])->item == NULL)
          ((Ev *) events->pdata[i])->item = item;
    }
}

static CairnUndoItem *
add_item (Run             *run,
          gboolean         left,
          const char      *tbl,
          const char      *id,
          const char      *field,
          CairnUndoReason  reason,
          const char      *device)
{
  CairnUndoItem *item = g_new0 (CairnUndoItem, 1);

  item->kind = g_strdup (kind_of_table (tbl));
  item->id = g_strdup (id);
  item->field = g_strdup (field);
  item->reason = reason;
  item->device = g_strdup (device);
  g_ptr_array_add (left ? run->result->left : run->result->changed, item);
  if (!left)
    claim_events (run, item);
  return item;
}

/* 1 when row @id of @tbl has @value in @col, 0 when it does not (or there
 * is no such row), -1 on error. */
static int
holds (CairnStore     *self,
       const char     *tbl,
       const char     *id,
       const char     *col,
       sqlite3_value  *value,
       GError        **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT %s IS ?2 FROM %s WHERE id = ?1", col, tbl);
  sqlite3_stmt *stmt = _cairn_store_prepare (self, sql, error);
  int rc, found = 0;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_value (stmt, 2, value);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    found = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the state");
      return -1;
    }
  return found;
}

/* The current value of a column as text (NULL for NULL or no row). */
static char *
current_text (CairnStore *self,
              const char *tbl,
              const char *id,
              const char *col)
{
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM %s WHERE id = ?1", col, tbl);
  sqlite3_stmt *stmt = _cairn_store_prepare (self, sql, NULL);
  char *text = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return text;
}

/* 1 when the live object @id of @tbl (lists, todos, notes, tags) is
 * deleted or missing, 0 when live, -1 on error. */
static int
is_gone (CairnStore  *self,
         const char  *tbl,
         const char  *id,
         GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT deleted FROM %s WHERE id = ?1", tbl);
  sqlite3_stmt *stmt = _cairn_store_prepare (self, sql, error);
  int rc, gone = 1;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    gone = sqlite3_column_int (stmt, 0) != 0;
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the state");
      return -1;
    }
  return gone;
}

/* As is_gone(), but a row this same undo or redo brings back counts as
 * there: its restoration is committed first, with the rest (a redo of a
 * restore-a-version: the task comes back and is untagged again). */
static int
is_gone_in_run (Run         *run,
                const char  *tbl,
                const char  *id,
                GError     **error)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", tbl, id);

  if (g_hash_table_contains (run->restoring, key))
    return 0;
  return is_gone (run->store, tbl, id, error);
}

/* The device that last changed @id by one of @names since the action
 * (a confirmed event of another client): its name, or NULL. */
static char *
find_changer (Run                *run,
              const char         *id,
              const char * const *names)
{
  CairnStore *self = run->store;
  sqlite3_stmt *stmt = _cairn_store_prepare_static (self,
      "SELECT name, device FROM log WHERE seq > ?1 AND client_id <> ?2 "
      "AND instr(args, ?3) > 0 ORDER BY seq DESC", NULL);
  char *device = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run->head);
  sqlite3_bind_text (stmt, 2, self->client_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, id, -1, SQLITE_STATIC);
  while (device == NULL && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 0);

      if (names == NULL || g_strv_contains (names, name))
        device = g_strdup (sqlite3_column_type (stmt, 1) != SQLITE_NULL
                           ? (const char *) sqlite3_column_text (stmt, 1) : "");
    }
  sqlite3_reset (stmt);
  if (device != NULL && *device == '\0')
    g_clear_pointer (&device, g_free);
  return device;
}

static Field *
find_field (GPtrArray  *fields,
            const char *col)
{
  for (guint i = 0; i < fields->len; i++)
    if (g_str_equal (((Field *) fields->pdata[i])->col, col))
      return fields->pdata[i];
  return NULL;
}

/* The value a unit puts in @col: the recorded one, else the current. */
static char *
target_text (Run        *run,
             GPtrArray  *fields,
             const char *tbl,
             const char *id,
             const char *col)
{
  Field *f = find_field (fields, col);

  if (f != NULL)
    {
      sqlite3_value *v = want (run, f);

      return sqlite3_value_type (v) == SQLITE_NULL ? NULL
                                                   : g_strdup ((const char *) sqlite3_value_text (v));
    }
  return current_text (run->store, tbl, id, col);
}

static const char *
intern2 (const char *a,
         const char *b)
{
  g_autofree char *name = g_strconcat (a, b, NULL);

  return g_intern_string (name);
}

static JsonObject *
args_with_id (const char *member,
              const char *id)
{
  JsonObject *args = json_object_new ();

  json_object_set_string_member (args, member, id);
  return args;
}

/* The units one event puts a value back with, and (when there is one)
 * another clears it with: field -> events and args. A unit without a
 * clearing event whose value would be none is left, final. */
typedef struct
{
  const char *field;
  const char *set;          /* NULL: KIND.renamed */
  guint       set_version;
  const char *cleared;      /* NULL: none */
  const char *col;          /* the value's column and its member in the args */
  const char *member;
  const char *col2;         /* an optional second value (NULL: none) */
  const char *member2;
} ValueUnit;

static const ValueUnit value_units[] = {
  { "title",    NULL,                1, NULL,                    "title",    "title" },
  { "name",     "tag.renamed",       1, NULL,                    "name",     "name" },
  { "color",    "tag.recolored",     1, NULL,                    "color",    "color" },
  { "priority", "todo.priority_set", 1, NULL,                    "priority", "priority" },
  { "due",      "todo.due_set",      2, "todo.due_cleared",      "due",      "due", "due_time", "time" },
  { "reminder", "todo.reminder_set", 1, "todo.reminder_cleared", "reminder", "at" },
  { "repeat",   "todo.repeat_set",   1, "todo.repeat_cleared",   "repeat",   "rule" },
};

static const ValueUnit *
find_value_unit (const char *field)
{
  for (guint i = 0; i < G_N_ELEMENTS (value_units); i++)
    if (g_str_equal (value_units[i].field, field))
      return &value_units[i];
  return NULL;
}

/* One unit: @cols of row @id of @tbl, reported as @field. Checks that
 * every recorded one still holds what the action wrote (redo: replaced),
 * and adds its events; else says why it is left. */
static gboolean
do_unit (Run                *run,
         const char         *tbl,
         const char         *id,
         GPtrArray          *all,
         const char * const *cols,
         const char         *field,
         const char * const *names,
         GError            **error)
{
  CairnStore *self = run->store;
  g_autoptr(GPtrArray) fields = g_ptr_array_new ();
  gboolean all_hold = TRUE, all_there = TRUE;
  const char *kind = kind_of_table (tbl);
  const char *member = g_str_equal (kind, "list") ? "list_id" : g_str_equal (kind, "note") ? "note_id" :
                       g_str_equal (kind, "tag") ? "tag_id" : "todo_id";
  const ValueUnit *unit;

  for (guint i = 0; cols[i] != NULL; i++)
    {
      Field *f = find_field (all, cols[i]);

      if (f != NULL)
        g_ptr_array_add (fields, f);
    }
  if (fields->len == 0)
    return TRUE;

  for (guint i = 0; i < fields->len; i++)
    {
      Field *f = fields->pdata[i];
      int h = holds (self, tbl, id, f->col, expect (run, f), error);
      int t;

      if (h < 0)
        return FALSE;
      all_hold = all_hold && h;
      if ((t = holds (self, tbl, id, f->col, want (run, f), error)) < 0)
        return FALSE;
      all_there = all_there && t;
    }

  /* Gone now, unless this same undo brings it back (the action deleted
   * it, with its parent or itself, after changing it). */
  if (!g_str_equal (field, "deleted") && !g_str_equal (field, "tag") &&
      !(find_field (all, "deleted") != NULL &&
        sqlite3_value_int64 (want (run, find_field (all, "deleted"))) == 0))
    {
      int gone = is_gone (self, tbl, id, error);

      if (gone < 0)
        return FALSE;
      if (gone)
        {
          add_item (run, TRUE, tbl, id, field, CAIRN_UNDO_LEFT_DELETED, NULL);
          return TRUE;
        }
    }

  if (all_there)
    return TRUE;   /* already as it would become: nothing to do */

  if (!all_hold)
    {
      g_autofree char *device = find_changer (run, id, names);

      add_item (run, TRUE, tbl, id, field, CAIRN_UNDO_LEFT_CHANGED, device);
      return TRUE;
    }

  if (g_str_equal (field, "deleted"))
    {
      Field *f = fields->pdata[0];
      gboolean del = sqlite3_value_int64 (want (run, f)) != 0;

      if ((!del && g_str_equal (kind, "tag")) ||
          (del && g_str_equal (kind, "list") && g_str_equal (id, CAIRN_INBOX_ID)))
        {
          add_item (run, TRUE, tbl, id, field, CAIRN_UNDO_LEFT_FINAL, NULL);
          return TRUE;
        }
      add_event (run, intern2 (kind, del ? ".deleted" : ".restored"),
                 1, args_with_id (member, id), del ? 2 : 0);
      add_item (run, FALSE, tbl, id, del ? "deleted" : "restored", 0, NULL);
      return TRUE;
    }
  else if ((unit = find_value_unit (field)) != NULL)
    {
      g_autofree char *value = target_text (run, fields, tbl, id, unit->col);
      JsonObject *args;

      if (value == NULL && unit->cleared == NULL)
        {
          add_item (run, TRUE, tbl, id, field, CAIRN_UNDO_LEFT_FINAL, NULL);
          return TRUE;
        }
      args = args_with_id (member, id);
      if (value == NULL)
        add_event (run, unit->cleared, 1, args, 1);
      else
        {
          json_object_set_string_member (args, unit->member, value);
          if (unit->col2 != NULL)
            {
              g_autofree char *value2 = target_text (run, fields, tbl, id, unit->col2);

              if (value2 != NULL)
                json_object_set_string_member (args, unit->member2, value2);
            }
          add_event (run, unit->set != NULL ? unit->set : intern2 (kind, ".renamed"),
                     unit->set_version, args, 1);
          /* A reminder that was dismissed is put back dismissed. */
          if (g_str_equal (field, "reminder"))
            {
              g_autofree char *dismissed = target_text (run, fields, tbl, id, "reminder_dismissed");

              if (g_strcmp0 (dismissed, "1") == 0)
                {
                  args = args_with_id (member, id);
                  json_object_set_string_member (args, "at", value);
                  add_event (run, "todo.reminder_dismissed", 1, args, 1);
                }
            }
        }
    }
  else if (g_str_equal (field, "done") || g_str_equal (field, "pinned"))
    {
      gboolean on = sqlite3_value_int64 (want (run, fields->pdata[0])) != 0;

      if (g_str_equal (field, "done"))
        add_event (run, on ? "todo.completed" : "todo.reopened", on ? 2 : 1,
                   args_with_id (member, id), 1);
      else
        add_event (run, on ? "note.pinned" : "note.unpinned", 1, args_with_id (member, id), 1);
    }
  else if (g_str_equal (field, "place") && g_str_equal (kind, "list"))
    {
      g_autofree char *position = target_text (run, fields, tbl, id, "position");
      JsonObject *args = args_with_id (member, id);

      json_object_set_string_member (args, "position", position);
      add_event (run, "list.moved", 1, args, 1);
    }
  else if (g_str_equal (field, "place"))
    {
      g_autofree char *position = target_text (run, fields, tbl, id, "position");
      g_autofree char *list_id = target_text (run, fields, tbl, id, "list_id");
      g_autofree char *parent_id = target_text (run, fields, tbl, id, "parent_id");
      JsonObject *args;
      int gone = list_id != NULL ? is_gone_in_run (run, "lists", list_id, error) : 0;

      if (gone < 0 || (parent_id != NULL && gone == 0 &&
                       (gone = is_gone_in_run (run, "todos", parent_id, error)) < 0))
        return FALSE;
      if (gone)
        {
          add_item (run, TRUE, tbl, id, field, CAIRN_UNDO_LEFT_GONE, NULL);
          return TRUE;
        }
      args = args_with_id (member, id);
      json_object_set_string_member (args, "position", position);
      if (parent_id != NULL)
        json_object_set_string_member (args, "parent_id", parent_id);
      else if (list_id != NULL)
        json_object_set_string_member (args, "list_id", list_id);
      add_event (run, "todo.moved", 2, args, 1);
    }
  else if (g_str_equal (field, "tag"))
    {
      /* todo_tags: id is TODO-ID/TAG-ID. */
      g_auto(GStrv) parts = g_strsplit (id, "/", 2);
      gboolean on = sqlite3_value_int64 (want (run, fields->pdata[0])) != 0;
      JsonObject *args;
      int gone;

      if (g_strv_length (parts) != 2)
        return TRUE;
      if ((gone = is_gone_in_run (run, "todos", parts[0], error)) < 0 ||
          (!gone && (gone = is_gone_in_run (run, "tags", parts[1], error)) < 0))
        return FALSE;
      if (gone)
        {
          add_item (run, TRUE, "todos", parts[0], field, CAIRN_UNDO_LEFT_DELETED, NULL);
          return TRUE;
        }
      args = args_with_id ("todo_id", parts[0]);
      json_object_set_string_member (args, "tag_id", parts[1]);
      add_event (run, on ? "todo.tagged" : "todo.untagged", 1, args, 1);
      add_item (run, FALSE, "todos", parts[0], field, 0, NULL);
      return TRUE;
    }
  else
    return TRUE;

  add_item (run, FALSE, tbl, id, field, 0, NULL);
  return TRUE;
}

/* The text of a note or of a task's notes: the inverse of the ops the
 * action's typing made (or of those its last undo/redo made). */
static gboolean
do_text (Run         *run,
         const char  *tbl,
         const char  *id,
         GPtrArray   *all,
         GError     **error)
{
  CairnStore *self = run->store;
  gboolean is_note = g_str_equal (tbl, "notes");
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  g_autoptr(CairnTextOps) out = cairn_text_ops_new ();
  g_autoptr(CairnText) text = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GHashTable) aliases = NULL;
  TextRedo *redo;
  gboolean any = FALSE;
  int gone;

  for (guint i = 0; i < all->len; i++)
    {
      Field *f = all->pdata[i];
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(CairnTextOps) one = NULL;

      if (!g_str_equal (f->col, "text"))
        continue;
      any = TRUE;
      bytes = g_bytes_new (sqlite3_value_blob (f->new), sqlite3_value_bytes (f->new));
      if ((one = cairn_text_ops_decode (bytes, error)) == NULL)
        return FALSE;
      cairn_text_ops_append (ops, one);
    }
  if (!any)
    return TRUE;

  /* Gone, unless this same undo restores it. */
  if (find_field (all, "deleted") != NULL &&
      sqlite3_value_int64 (want (run, find_field (all, "deleted"))) == 0)
    gone = 0;
  else if ((gone = is_gone (self, tbl, id, error)) < 0)
    return FALSE;
  if (gone)
    {
      add_item (run, TRUE, tbl, id, "text", CAIRN_UNDO_LEFT_DELETED, NULL);
      return TRUE;
    }
  if ((aliases = load_aliases (self, tbl, id, error)) == NULL)
    return FALSE;
  text = _cairn_store_load_text_any (self, is_note, id, &local);
  if (text != NULL)
    cairn_text_invert (text, ops, aliases, out, &local);
  /* The text cannot be edited now (this device's own ops are held until
   * others arrive, docs/text-crdt.md): left, said so. */
  if (g_error_matches (local, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_NOT_READY))
    {
      add_item (run, TRUE, tbl, id, "text", CAIRN_UNDO_LEFT_FINAL, NULL);
      return TRUE;
    }
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (cairn_text_ops_is_empty (out))
    {
      const char * const names[] = { "note.edited", "todo.notes_edited", NULL };
      g_autofree char *device = find_changer (run, id, names);

      add_item (run, TRUE, tbl, id, "text", CAIRN_UNDO_LEFT_CHANGED, device);
      return TRUE;
    }
  args = is_note ? _cairn_store_note_edit_args (id, out) : _cairn_store_todo_notes_edit_args (id, out);
  for (guint i = 0; i < args->len; i++)
    add_event (run, is_note ? "note.edited" : "todo.notes_edited", 1,
               json_object_ref (args->pdata[i]), 1);
  redo = g_new0 (TextRedo, 1);
  redo->tbl = g_strdup (tbl);
  redo->row_id = g_strdup (id);
  redo->ops = cairn_text_ops_encode (out);
  redo->aliases = g_steal_pointer (&aliases);
  g_ptr_array_add (run->texts, redo);
  add_item (run, FALSE, tbl, id, "text", 0, NULL);
  return TRUE;
}

static gboolean
do_row (Run         *run,
        const char  *tbl,
        const char  *id,
        GPtrArray   *all,
        GError     **error)
{
  static const char * const title[] = { "title", NULL };
  static const char * const deleted[] = { "deleted", NULL };
  static const char * const position[] = { "position", NULL };
  static const char * const place[] = { "position", "parent_id", "list_id", NULL };
  static const char * const done[] = { "done", NULL };
  static const char * const due[] = { "due", "due_time", NULL };
  static const char * const priority[] = { "priority", NULL };
  static const char * const reminder[] = { "reminder", "reminder_dismissed", NULL };
  static const char * const repeat[] = { "repeat", NULL };
  static const char * const pinned[] = { "pinned", NULL };
  static const char * const name[] = { "name", NULL };
  static const char * const color[] = { "color", NULL };
  static const char * const tagged[] = { "tagged", NULL };
  static const char * const n_list_title[] = { "list.renamed", NULL };
  static const char * const n_list_place[] = { "list.moved", NULL };
  static const char * const n_todo_title[] = { "todo.renamed", NULL };
  static const char * const n_todo_place[] = { "todo.moved", NULL };
  static const char * const n_done[] = { "todo.completed", "todo.reopened", NULL };
  static const char * const n_due[] = { "todo.due_set", "todo.due_cleared", "todo.completed", NULL };
  static const char * const n_priority[] = { "todo.priority_set", NULL };
  static const char * const n_reminder[] = { "todo.reminder_set", "todo.reminder_cleared",
                                             "todo.reminder_dismissed", NULL };
  static const char * const n_repeat[] = { "todo.repeat_set", "todo.repeat_cleared", NULL };
  static const char * const n_note_title[] = { "note.renamed", NULL };
  static const char * const n_pinned[] = { "note.pinned", "note.unpinned", NULL };
  static const char * const n_name[] = { "tag.renamed", NULL };
  static const char * const n_color[] = { "tag.recolored", NULL };
  static const char * const n_tagged[] = { "todo.tagged", "todo.untagged", NULL };

  if (g_str_equal (tbl, "lists"))
    return do_unit (run, tbl, id, all, deleted, "deleted", NULL, error) &&
           do_unit (run, tbl, id, all, title, "title", n_list_title, error) &&
           do_unit (run, tbl, id, all, position, "place", n_list_place, error);
  if (g_str_equal (tbl, "notes"))
    return do_unit (run, tbl, id, all, deleted, "deleted", NULL, error) &&
           do_unit (run, tbl, id, all, title, "title", n_note_title, error) &&
           do_unit (run, tbl, id, all, pinned, "pinned", n_pinned, error) &&
           do_text (run, tbl, id, all, error);
  if (g_str_equal (tbl, "tags"))
    return do_unit (run, tbl, id, all, deleted, "deleted", NULL, error) &&
           do_unit (run, tbl, id, all, name, "name", n_name, error) &&
           do_unit (run, tbl, id, all, color, "color", n_color, error);
  if (g_str_equal (tbl, "todo_tags"))
    return do_unit (run, tbl, id, all, tagged, "tag", n_tagged, error);

  /* todos. A row whose gone_with changed went with another todo's
   * deletion or restoration (or move under a deleted parent), and a row
   * whose list alone changed followed its ancestor's move: the ancestor's
   * own undo brings them back. */
  if (find_field (all, "gone_with") == NULL &&
      !do_unit (run, tbl, id, all, deleted, "deleted", NULL, error))
    return FALSE;
  if ((find_field (all, "position") != NULL || find_field (all, "parent_id") != NULL) &&
      find_field (all, "gone_with") == NULL &&
      !do_unit (run, tbl, id, all, place, "place", n_todo_place, error))
    return FALSE;
  return do_unit (run, tbl, id, all, title, "title", n_todo_title, error) &&
         do_unit (run, tbl, id, all, done, "done", n_done, error) &&
         do_unit (run, tbl, id, all, due, "due", n_due, error) &&
         do_unit (run, tbl, id, all, priority, "priority", n_priority, error) &&
         do_unit (run, tbl, id, all, reminder, "reminder", n_reminder, error) &&
         do_unit (run, tbl, id, all, repeat, "repeat", n_repeat, error) &&
         do_text (run, tbl, id, all, error);
}

/* Inside the commit of the undo's events: the action is now undone (or
 * redone), and its typing is the ops just made. */
static gboolean
finish_in_transaction (CairnStore  *self,
                       gpointer     data,
                       GError     **error)
{
  Run *run = data;
  sqlite3_stmt *stmt;

  /* An undo or redo that could put nothing back forgets the action: the
   * next one goes to the action before (after) it. */
  if (run->result->changed->len == 0)
    {
      if ((stmt = _cairn_store_prepare_static (self, "DELETE FROM undo_fields WHERE action_id = ?1",
                                               error)) == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, run->action);
      if (!_cairn_store_step_done (self, stmt, error))
        return FALSE;
      stmt = _cairn_store_prepare_static (self, "DELETE FROM undo_actions WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, run->action);
      return _cairn_store_step_done (self, stmt, error);
    }
  stmt = _cairn_store_prepare_static (self, "UPDATE undo_actions SET undone = ?2 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, run->action);
  sqlite3_bind_int (stmt, 2, !run->redo);
  if (!_cairn_store_step_done (self, stmt, error))
    return FALSE;
  for (guint i = 0; i < run->texts->len; i++)
    {
      TextRedo *t = run->texts->pdata[i];

      stmt = _cairn_store_prepare_static (self,
          "DELETE FROM undo_fields WHERE action_id = ?1 AND tbl = ?2 AND row_id = ?3 "
          "AND col = 'text'", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, run->action);
      sqlite3_bind_text (stmt, 2, t->tbl, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, t->row_id, -1, SQLITE_STATIC);
      if (!_cairn_store_step_done (self, stmt, error))
        return FALSE;
      stmt = _cairn_store_prepare_static (self,
          "INSERT INTO undo_fields (action_id, n, tbl, row_id, col, old, new) "
          "VALUES (?1, (SELECT coalesce(max(n), -1) + 1 FROM undo_fields WHERE action_id = ?1), "
          "?2, ?3, 'text', NULL, ?4)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, run->action);
      sqlite3_bind_text (stmt, 2, t->tbl, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, t->row_id, -1, SQLITE_STATIC);
      sqlite3_bind_blob (stmt, 4, g_bytes_get_data (t->ops, NULL),
                         (int) g_bytes_get_size (t->ops), SQLITE_STATIC);
      if (!_cairn_store_step_done (self, stmt, error))
        return FALSE;
      {
        GHashTableIter iter;
        gpointer orig, copy;

        g_hash_table_iter_init (&iter, t->aliases);
        while (g_hash_table_iter_next (&iter, &orig, &copy))
          {
            stmt = _cairn_store_prepare_static (self,
                "INSERT OR IGNORE INTO undo_text_aliases (tbl, row_id, orig, copy) "
                "VALUES (?1, ?2, ?3, ?4)", error);
            if (stmt == NULL)
              return FALSE;
            sqlite3_bind_text (stmt, 1, t->tbl, -1, SQLITE_STATIC);
            sqlite3_bind_text (stmt, 2, t->row_id, -1, SQLITE_STATIC);
            sqlite3_bind_text (stmt, 3, orig, -1, SQLITE_STATIC);
            sqlite3_bind_text (stmt, 4, copy, -1, SQLITE_STATIC);
            if (!_cairn_store_step_done (self, stmt, error))
              return FALSE;
          }
      }
    }
  return TRUE;
}

static CairnUndoResult *
undo_or_redo (CairnStore  *self,
              gboolean     redo,
              GError     **error)
{
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (field_free);
  g_autoptr(GPtrArray) first = g_ptr_array_new_with_free_func (ev_free);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (ev_free);
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (text_redo_free);
  g_autoptr(CairnUndoResult) result = g_new0 (CairnUndoResult, 1);
  g_autoptr(GPtrArray) last = g_ptr_array_new_with_free_func (ev_free);
  g_autoptr(GHashTable) restoring = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Run run = { self, redo, 0, 0, first, events, last, result, texts, restoring };
  sqlite3_stmt *stmt;
  gboolean ok;
  int rc;

  result->redo = redo;
  result->changed = g_ptr_array_new_with_free_func (item_free);
  result->left = g_ptr_array_new_with_free_func (item_free);

  /* Another process (cairn-cli) may have recorded or undone since. */
  if (!cairn_store_check_external (self, error))
    return NULL;

  stmt = _cairn_store_prepare_static (self, redo
      ? "SELECT id, head FROM undo_actions WHERE undone = 1 ORDER BY id ASC LIMIT 1"
      : "SELECT id, head FROM undo_actions WHERE undone = 0 ORDER BY id DESC LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      run.action = sqlite3_column_int64 (stmt, 0);
      run.head = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the undo history");
      return NULL;
    }
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   redo ? "Nothing to redo" : "Nothing to undo");
      return NULL;
    }
  result->action_id = run.action;

  stmt = _cairn_store_prepare_static (self,
      "SELECT tbl, row_id, col, old, new FROM undo_fields WHERE action_id = ?1 ORDER BY n", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, run.action);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *tbl = (const char *) sqlite3_column_text (stmt, 0);
      const char *col = (const char *) sqlite3_column_text (stmt, 2);
      gboolean has_deleted;
      Field *f;

      /* Table and column names go into SQL text: only the state tables
       * undo knows, and plain column names. */
      if (tbl == NULL || col == NULL || !known_table (tbl, &has_deleted) ||
          strspn (col, "abcdefghijklmnopqrstuvwxyz_") != strlen (col))
        continue;
      f = g_new0 (Field, 1);
      f->tbl = g_strdup (tbl);
      f->row_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      f->col = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      f->old = sqlite3_value_dup (sqlite3_column_value (stmt, 3));
      f->new = sqlite3_value_dup (sqlite3_column_value (stmt, 4));
      g_ptr_array_add (fields, f);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the undo history");
      return NULL;
    }
  /* The rows this run will bring back (a restoration it wants), so that
   * their tags and the tasks moved under them are not taken as gone. A
   * restoration refused after all leaves those events refused too. */
  for (guint i = 0; i < fields->len; i++)
    {
      Field *f = fields->pdata[i];

      if (g_str_equal (f->col, "deleted") && sqlite3_value_int64 (want (&run, f)) == 0)
        g_hash_table_add (restoring, g_strdup_printf ("%s/%s", f->tbl, f->row_id));
    }

  /* Row by row, in the order the action first wrote them; a later write
   * of the same field in the same action: the first one's old value and
   * the last one's new value. Undo walks the rows backwards. */
  {
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

    for (guint i = 0; i < fields->len; i++)
      {
        Field *f = fields->pdata[i];
        GPtrArray *row = NULL;

        for (guint r = 0; r < rows->len && row == NULL; r++)
          {
            Field *g = ((GPtrArray *) rows->pdata[r])->pdata[0];

            if (g_str_equal (g->tbl, f->tbl) && g_str_equal (g->row_id, f->row_id))
              row = rows->pdata[r];
          }
        if (row == NULL)
          {
            row = g_ptr_array_new ();
            g_ptr_array_add (rows, row);
          }
        if (!g_str_equal (f->col, "text"))
          {
            Field *same = find_field (row, f->col);

            if (same != NULL)
              {
                sqlite3_value_free (same->new);
                same->new = sqlite3_value_dup (f->new);
                continue;
              }
          }
        g_ptr_array_add (row, f);
      }
    for (guint k = 0; k < rows->len; k++)
      {
        GPtrArray *row = rows->pdata[redo ? k : rows->len - 1 - k];
        Field *g = row->pdata[0];

        if (!do_row (&run, g->tbl, g->row_id, row, error))
          return NULL;
      }
  }

  /* Restorations first and deletions last (a deleted object takes no
   * other change), the rest between. An event the store refuses (a move that would put a task
   * under its own subtask, a tag name another tag took since) is left:
   * it cannot be put back. */
  {
    g_autoptr(GPtrArray) names = g_ptr_array_new ();
    g_autoptr(GArray) versions = g_array_new (FALSE, FALSE, sizeof (guint));
    g_autoptr(GPtrArray) args = g_ptr_array_new ();
    g_autoptr(GPtrArray) all = g_ptr_array_new ();
    g_autoptr(GArray) refused = g_array_new (FALSE, FALSE, sizeof (guint));

    g_ptr_array_extend (all, first, NULL, NULL);
    g_ptr_array_extend (all, events, NULL, NULL);
    g_ptr_array_extend (all, last, NULL, NULL);
    for (guint i = 0; i < all->len; i++)
      {
        Ev *ev = all->pdata[i];

        g_ptr_array_add (names, (gpointer) ev->name);
        g_array_append_val (versions, ev->version);
        g_ptr_array_add (args, ev->args);
      }
    self->undo_applying = TRUE;
    ok = _cairn_store_commit_batch (self, names, versions, args, refused,
                                    finish_in_transaction, &run, error);
    self->undo_applying = FALSE;
    if (!ok)
      return NULL;
    for (guint i = 0; i < refused->len; i++)
      {
        CairnUndoItem *item = ((Ev *) all->pdata[g_array_index (refused, guint, i)])->item;
        guint at;

        if (item != NULL && g_ptr_array_find (result->changed, item, &at))
          {
            g_ptr_array_steal_index (result->changed, at);
            item->reason = CAIRN_UNDO_LEFT_FINAL;
            g_ptr_array_add (result->left, item);
          }
      }
  }
  return g_steal_pointer (&result);
}

CairnUndoResult *
cairn_store_undo (CairnStore  *self,
                  GError     **error)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return undo_or_redo (self, FALSE, error);
}

CairnUndoResult *
cairn_store_redo (CairnStore  *self,
                  GError     **error)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return undo_or_redo (self, TRUE, error);
}

gboolean
cairn_store_undo_top_is (CairnStore *self,
                         const char *object_id)
{
  sqlite3_stmt *stmt;
  gboolean found = FALSE;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);

  stmt = _cairn_store_prepare_static (self,
      "SELECT EXISTS (SELECT 1 FROM undo_fields WHERE row_id = ?1 AND action_id = "
      "(SELECT id FROM undo_actions WHERE undone = 0 ORDER BY id DESC LIMIT 1))", NULL);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, object_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    found = sqlite3_column_int (stmt, 0) != 0;
  sqlite3_reset (stmt);
  return found;
}

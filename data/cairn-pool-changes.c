/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-pool-changes.c: following the store's ::changed: only the changed
 * rows are read again, and each object moves out of, within or into its
 * models in the three phases that cairn-pool.c describes. */
#define G_LOG_DOMAIN "cairn-pool"

#include "config.h"

#include "cairn-pool-private.h"
#include "cairn-store-private.h"

typedef struct
{
  gpointer obj;          /* strong; the live object before the change, or NULL */
  gboolean reinsert;     /* put back into the models in phase 3 */
} Pending;

static void
pending_clear (gpointer data)
{
  Pending *p = data;

  g_clear_object (&p->obj);
}

gboolean
_cairn_pool_fetch_row (CairnPool     *self,
                       sqlite3_stmt  *stmt,
                       const char    *id,
                       int            deleted_col,
                       gboolean      *live,
                       GError       **error)
{
  int rc;

  sqlite3_reset (stmt);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      *live = FALSE;
      return TRUE;
    }
  if (rc != SQLITE_ROW)
    {
      _cairn_pool_step_failed (self, stmt, error);
      return FALSE;
    }
  *live = sqlite3_column_int (stmt, deleted_col) == 0;
  return TRUE;
}

/* A changed todo the pool has no object for: new, restored, or a no-op
 * on a deleted row; or a todo of a list not loaded, which needs no
 * object. select_todo holds its row when live. */
static void
take_in_new_todo (CairnPool  *self,
                  const char *id,
                  gboolean    live,
                  GArray     *work,
                  GPtrArray  *frozen)
{
  Pending p = { NULL, live };
  CairnTodo *todo;
  gboolean created;

  /* Of a list not loaded: only when a tag view shows it (column 7: its
   * tags) or a children model its parent's; followed from now on. The
   * date views need no object (apply_todo_changes()). */
  if (!live || (!_cairn_pool_todo_loaded (self, id, _cairn_pool_column_text (self->select_todo, 0)) &&
                 /* column 8: its parent, whose children a model may show */
                 (_cairn_pool_column_text (self->select_todo, 8) == NULL ||
                  !g_hash_table_contains (self->child_models, _cairn_pool_column_text (self->select_todo, 8))) &&
                !_cairn_pool_tag_views_want (self, _cairn_pool_column_text (self->select_todo, 7))))
    return;
  todo = _cairn_row_map_obtain (&self->todos, id, _cairn_pool_create_todo, &created);
  p.obj = g_object_ref (todo);
  /* A revived ghost is not in any model yet. */
  g_object_freeze_notify (G_OBJECT (todo));
  g_ptr_array_add (frozen, g_object_ref (todo));
  _cairn_pool_update_todo (todo, self->select_todo, 0);
  g_array_append_val (work, p);
}

/* Phase 1 for a todo the models may hold: out of every model it is in,
 * by its old key, unless it stays where it is. */
static void
take_out_todo (CairnPool *self,
               CairnTodo *todo,
               gboolean   live)
{
  const char *new_list = live ? _cairn_pool_column_text (self->select_todo, 0) : NULL;
  gboolean new_done = live && sqlite3_column_int (self->select_todo, 3) != 0;
  gboolean key_same;
  GPtrArray *models;

  /* The parent is part of the key: it chooses the top-level and children
   * models a todo is in. */
  key_same = live &&
             g_strcmp0 (cairn_todo_get_list_id (todo), new_list) == 0 &&
             g_strcmp0 (cairn_todo_get_position (todo), _cairn_pool_column_text (self->select_todo, 2)) == 0 &&
             g_strcmp0 (cairn_todo_get_parent_id (todo), _cairn_pool_column_text (self->select_todo, 8)) == 0;
  models = _cairn_pool_todo_models_snapshot (self, cairn_todo_get_list_id (todo));
  {
    g_autoptr(GPtrArray) children = _cairn_pool_child_models_snapshot (self, cairn_todo_get_parent_id (todo));

    for (guint i = 0; i < children->len; i++)
      g_ptr_array_add (models, g_object_ref (g_ptr_array_index (children, i)));
  }
  for (guint i = 0; i < models->len; i++)
    {
      CairnTodoModel *model = g_ptr_array_index (models, i);
      gboolean stays = key_same && (_cairn_todo_model_get_show_completed (model) || !new_done);

      /* A completed todo in a model that shows completed ones stays. */
      if (!stays && _cairn_todo_model_wants (model, todo))
        _cairn_row_model_remove (CAIRN_ROW_MODEL (model), todo);
    }
  g_ptr_array_unref (models);
}

/* Phase 3: insert at the new keys, only where the todo is missing. */
static void
put_back_todos (CairnPool *self,
                GArray    *work)
{
  for (guint w = 0; w < work->len; w++)
    {
      Pending *p = &g_array_index (work, Pending, w);
      GPtrArray *models;

      if (!p->reinsert)
        continue;
      models = _cairn_pool_todo_models_snapshot (self, cairn_todo_get_list_id (p->obj));
      {
        g_autoptr(GPtrArray) children = _cairn_pool_child_models_snapshot (self, cairn_todo_get_parent_id (p->obj));

        for (guint i = 0; i < children->len; i++)
          g_ptr_array_add (models, g_object_ref (g_ptr_array_index (children, i)));
      }
      for (guint i = 0; i < models->len; i++)
        {
          CairnTodoModel *model = g_ptr_array_index (models, i);

          if (_cairn_todo_model_wants (model, p->obj))
            _cairn_row_model_insert (CAIRN_ROW_MODEL (model), p->obj);
        }
      g_ptr_array_unref (models);
    }
}

static gboolean
apply_todo_changes (CairnPool   *self,
                    GHashTable  *ids,
                    GPtrArray   *frozen,
                    GError     **error)
{
  g_autoptr(GArray) work = g_array_new (FALSE, TRUE, sizeof (Pending));
  /* The parents the changed todos leave or join: their subtask counts. */
  g_autoptr(GHashTable) parents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key;

  g_array_set_clear_func (work, pending_clear);

  g_hash_table_iter_init (&iter, ids);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      const char *id = key;
      CairnTodo *todo = g_hash_table_lookup (self->todos.live, id);
      Pending p;
      gboolean live;

      if (!_cairn_pool_fetch_row (self, self->select_todo, id, 5, &live, error))
        return FALSE;
      if (todo != NULL && cairn_todo_get_parent_id (todo) != NULL)
        g_hash_table_add (parents, g_strdup (cairn_todo_get_parent_id (todo)));
      if (live && _cairn_pool_column_text (self->select_todo, 8) != NULL)
        g_hash_table_add (parents, g_strdup (_cairn_pool_column_text (self->select_todo, 8)));
      /* The date views follow it by id, object or not (flushed below). */
      _cairn_pool_date_views_change (self, id, live,
                                     _cairn_pool_column_text (self->select_todo, 0),
                                     _cairn_pool_column_text (self->select_todo, 4),
                                     _cairn_pool_column_text (self->select_todo, 9),
                                     _cairn_pool_column_text (self->select_todo, 2),
                                     sqlite3_column_int (self->select_todo, 3) != 0);
      if (todo == NULL)
        {
          take_in_new_todo (self, id, live, work, frozen);
          continue;
        }

      take_out_todo (self, todo, live);
      p.obj = g_object_ref (todo);
      p.reinsert = live;
      /* Phase 2 for this row: new values, notifications held back. */
      g_object_freeze_notify (G_OBJECT (todo));
      g_ptr_array_add (frozen, g_object_ref (todo));
      if (live)
        _cairn_pool_update_todo (todo, self->select_todo, 0);
      else
        _cairn_row_map_bury (&self->todos, todo);
      g_array_append_val (work, p);
    }

  put_back_todos (self, work);
  if (g_hash_table_size (parents) > 0)
    _cairn_pool_recount_subtasks (self, parents, frozen);
  _cairn_pool_date_views_flush (self);
  if (g_hash_table_size (self->tag_views) > 0)
    {
      g_autoptr(GPtrArray) todos = g_ptr_array_new ();
      g_autoptr(GArray) live = g_array_new (FALSE, FALSE, sizeof (gboolean));

      for (guint w = 0; w < work->len; w++)
        {
          Pending *p = &g_array_index (work, Pending, w);

          g_ptr_array_add (todos, p->obj);
          g_array_append_val (live, p->reinsert);
        }
      _cairn_pool_update_tag_views (self, todos, live);
    }
  return TRUE;
}

/* Lists and notes: one model each, every live row in it. */
static gboolean
apply_simple_changes (CairnPool      *self,
                      GHashTable     *ids,
                      CairnRowMap    *map,
                      CairnRowModel  *model,
                      sqlite3_stmt   *stmt,
                      int             deleted_col,
                      gpointer      (*create) (CairnPool *pool, const char *id),
                      void          (*update) (gpointer obj, sqlite3_stmt *stmt, int first),
                      GCompareFunc    compare,    /* NULL: the key never changes */
                      GPtrArray      *frozen,
                      GError        **error)
{
  g_autoptr(GPtrArray) reinsert = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, ids);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      const char *id = key;
      gpointer obj = g_hash_table_lookup (map->live, id);
      gboolean live;

      if (!_cairn_pool_fetch_row (self, stmt, id, deleted_col, &live, error))
        return FALSE;

      if (obj == NULL)
        {
          gboolean created;

          if (!live)
            continue;
          obj = _cairn_row_map_obtain (map, id, create, &created);
          g_object_freeze_notify (obj);
          g_ptr_array_add (frozen, g_object_ref (obj));
          update (obj, stmt, 0);
          g_ptr_array_add (reinsert, g_object_ref (obj));
          continue;
        }

      g_object_freeze_notify (obj);
      g_ptr_array_add (frozen, g_object_ref (obj));
      if (!live)
        {
          _cairn_row_model_remove (model, obj);
          _cairn_row_map_bury (map, obj);
          continue;
        }

      /* Compare the old and new key on a probe: only a changed key moves.
       * No compare: the key never changes (notes are ordered by id). */
      if (compare != NULL)
        {
          g_autoptr(GObject) probe = create (NULL, id);

          update (probe, stmt, 0);
          if (compare (obj, probe) != 0 && !_cairn_row_model_keeps_place (model, obj, probe))
            {
              _cairn_row_model_remove (model, obj);
              g_ptr_array_add (reinsert, g_object_ref (obj));
            }
        }
      update (obj, stmt, 0);
    }

  for (guint i = 0; i < reinsert->len; i++)
    _cairn_row_model_insert (model, g_ptr_array_index (reinsert, i));
  return TRUE;
}

/* Notes whose row changed are read again like lists; those whose text
 * alone changed (note.edited: the usual case, once per burst of typing)
 * only get their new version, without reading their notes row, whose
 * lookup by id copies the whole row (the body) once it overflows a page.
 * A text change leaves a note live or not as it was, so one the pool does
 * not show needs nothing. */
static gboolean
apply_note_changes (CairnPool     *self,
                    CairnChanges  *changes,
                    GPtrArray     *frozen,
                    GError       **error)
{
  g_autoptr(GHashTable) rows = NULL;
  g_autoptr(GPtrArray) moved = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key;

  if (changes->note_rows == NULL)
    return apply_simple_changes (self, changes->notes, &self->notes, self->note_model,
                                 self->select_note, 2, _cairn_pool_create_note, _cairn_pool_update_note,
                                 _cairn_pool_compare_note, frozen, error);

  rows = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_iter_init (&iter, changes->notes);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      CairnNote *note;
      gint64 edited_at;
      int rc;

      if (g_hash_table_contains (changes->note_rows, key))
        {
          g_hash_table_add (rows, key);
          continue;
        }
      if ((note = g_hash_table_lookup (self->notes.live, key)) == NULL)
        continue;

      sqlite3_reset (self->select_note_version);
      sqlite3_bind_text (self->select_note_version, 1, key, -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (self->select_note_version);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          _cairn_pool_step_failed (self, self->select_note_version, error);
          sqlite3_reset (self->select_note_version);
          return FALSE;
        }
      g_object_freeze_notify (G_OBJECT (note));
      g_ptr_array_add (frozen, g_object_ref (note));
      /* A later edit moves the note up: out of the model before its key
       * changes, back in after. */
      edited_at = rc == SQLITE_DONE ? 0 : sqlite3_column_int64 (self->select_note_version, 1);
      if (_cairn_note_edited_at_with_text (note, edited_at) != cairn_note_get_edited_at (note))
        {
          g_autoptr(CairnNote) probe = _cairn_note_new (NULL, cairn_note_get_id (note));

          _cairn_note_set_pinned (probe, cairn_note_get_pinned (note));
          _cairn_note_set_edited_at (probe, TRUE, _cairn_note_edited_at_with_text (note, edited_at));
          if (!_cairn_row_model_keeps_place (self->note_model, note, probe) &&
              _cairn_row_model_remove (self->note_model, note))
            g_ptr_array_add (moved, g_object_ref (note));
        }
      if (rc == SQLITE_DONE)
        _cairn_note_set_version (note, NULL, 0);
      else
        _cairn_pool_set_note_version (note, self->select_note_version, 0);
      _cairn_note_set_edited_at (note, FALSE, edited_at);
      sqlite3_reset (self->select_note_version);
    }

  for (guint i = 0; i < moved->len; i++)
    _cairn_row_model_insert (self->note_model, g_ptr_array_index (moved, i));
  return apply_simple_changes (self, rows, &self->notes, self->note_model,
                               self->select_note, 2, _cairn_pool_create_note, _cairn_pool_update_note,
                               _cairn_pool_compare_note, frozen, error);
}

static gboolean
add_todos_of_tags (CairnPool     *self,
                   CairnChanges  *changes,
                   GError       **error)
{
  sqlite3 *db = _cairn_store_get_db (self->store);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GHashTableIter iter;
  gpointer tag_id;

  if (sqlite3_prepare_v2 (db, "SELECT todo_id FROM todo_tags WHERE tag_id = ?1",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
                   "Cannot read the todos of a tag: %s", sqlite3_errmsg (db));
      return FALSE;
    }
  g_hash_table_iter_init (&iter, changes->tags);
  while (g_hash_table_iter_next (&iter, &tag_id, NULL))
    {
      int rc;

      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, tag_id, -1, SQLITE_TRANSIENT);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_hash_table_add (changes->todos, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      if (rc != SQLITE_DONE)
        {
          _cairn_pool_step_failed (self, stmt, error);
          return FALSE;
        }
    }
  return TRUE;
}

void
_cairn_pool_store_changed (CairnPool    *self,
                           CairnChanges *changes,
                           CairnStore   *store)
{
  g_autoptr(GPtrArray) frozen = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  g_assert (CAIRN_IS_POOL (self));

  /* cairn_pool_new() already warned that this store cannot be read. */
  if (self->select_list == NULL || self->select_todo == NULL || self->select_note == NULL ||
      self->select_note_version == NULL)
    return;

  if (changes == NULL || changes->reset)
    {
      if (!_cairn_pool_load_all (self, &error))
        g_warning ("Cannot reload the pool: %s", error->message);
      _cairn_pool_refresh_searches (self, NULL);
      return;
    }

  g_object_ref (self);

  /* A tag renamed or deleted changes what its todos show (a deleted tag
   * leaves their tag-ids): read them again. */
  if (changes->tags != NULL && g_hash_table_size (changes->tags) > 0)
    ok = add_todos_of_tags (self, changes, &error);

  if (ok && changes->lists != NULL)
    ok = apply_simple_changes (self, changes->lists, &self->lists, self->list_model,
                               self->select_list, 2, _cairn_pool_create_list, _cairn_pool_update_list,
                               _cairn_pool_compare_list, frozen, &error);
  if (ok && changes->tags != NULL && self->select_tag != NULL)
    ok = apply_simple_changes (self, changes->tags, &self->tags, self->tag_model,
                               self->select_tag, 2, _cairn_pool_create_tag, _cairn_pool_update_tag,
                               _cairn_pool_compare_tag, frozen, &error);
  if (ok && changes->todos != NULL)
    ok = apply_todo_changes (self, changes->todos, frozen, &error);
  if (ok && changes->notes != NULL)
    ok = apply_note_changes (self, changes, frozen, &error);
  /* A list deleted or restored takes its todos out of the date views or
   * brings them back: rare enough to read the views again. */
  if (ok && changes->lists != NULL && g_hash_table_size (changes->lists) > 0)
    _cairn_pool_reload_date_views (self);
  if (!ok)
    {
      g_autoptr(GError) reload_error = NULL;

      /* Part of the change may be applied: start again from the tables. */
      g_warning ("Cannot update the pool: %s", error->message);
      if (!_cairn_pool_load_all (self, &reload_error))
        g_warning ("Cannot reload the pool: %s", reload_error->message);
    }

  sqlite3_reset (self->select_list);
  if (self->select_tag != NULL)
    sqlite3_reset (self->select_tag);
  sqlite3_reset (self->select_todo);
  sqlite3_reset (self->select_note);

  /* The models are consistent now: let the property notifications out. */
  for (guint i = 0; i < frozen->len; i++)
    g_object_thaw_notify (g_ptr_array_index (frozen, i));
  _cairn_pool_refresh_searches (self, changes);

  g_object_unref (self);
}

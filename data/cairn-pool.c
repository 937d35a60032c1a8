/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-pool.c: one GObject per live row and the sorted models over them.
 *
 * The pool owns every live (not deleted) row as an object in a hash table by
 * id. A row that is deleted while someone else still holds its object stays
 * reachable as a "ghost" (a weak pointer), so that restoring it brings back
 * the very same object (cairn-row-map.c). The models are sorted arrays of those objects
 * (cairn-row-model.c): lists by (position, id), notes by id descending
 * (UUIDv7 ids grow with time, so this is newest first), the todos of one
 * list by (position, id) (cairn-todo-model.c, which can hide completed ones).
 *
 * On the store's ::changed the pool re-reads only the changed rows and, in
 * three phases, (1) removes every object whose sort key or visibility
 * changed from the models it was in, found by binary search on its old key,
 * (2) stores the new values in the objects with notifications frozen,
 * (3) inserts the objects at their new places; then thaws notifications.
 * So a rename notifies only "title", a move is one removal plus one
 * insertion, and nothing costs more than O(log n) plus an array shift.
 *
 * Todos are loaded per list, the first time a model of that list is asked
 * for (or one todo, by cairn_pool_lookup_todo()): start-up reads only lists
 * and notes. Once loaded, a list's todos are followed like every other
 * row; changes to todos of lists not loaded create no objects.
 */
#define G_LOG_DOMAIN "cairn-pool"

#include "config.h"

#include <string.h>

#include "cairn-sqlite.h"
#include "cairn-pool.h"
#include "cairn-pool-private.h"
#include "cairn-row-map.h"
#include "cairn-row-model.h"
#include "cairn-store-private.h"
#include "cairn-todo-model.h"

/* The only place that knows the state tables' columns. */
#define SELECT_LISTS "SELECT id, title, position FROM lists WHERE deleted = 0"
#define SELECT_LIST  "SELECT title, position, deleted FROM lists WHERE id = ?1"
#define SELECT_TODOS "SELECT id, list_id, title, position, done, due FROM todos WHERE deleted = 0"
#define SELECT_TODO  "SELECT list_id, title, position, done, due, deleted FROM todos WHERE id = ?1"
#define SELECT_TODOS_OF_LIST "SELECT id FROM todos WHERE list_id = ?1 AND deleted = 0 ORDER BY position, id"
#define LOAD_TODOS_OF_LIST "SELECT id, list_id, title, position, done, due FROM todos " \
                           "WHERE list_id = ?1 AND deleted = 0"
/* A note's body is read only when asked for (cairn_note_get_body()); what
 * the pool follows is the note's text version, a few dozen bytes. The text
 * goes through cairn_note_body(), as notes.body is written lazily. */
#define SELECT_NOTES "SELECT n.id, n.title, v.version FROM notes n " \
                     "LEFT JOIN note_versions v ON v.id = n.id WHERE n.deleted = 0"
#define SELECT_NOTE  "SELECT n.title, v.version, n.deleted FROM notes n " \
                     "LEFT JOIN note_versions v ON v.id = n.id WHERE n.id = ?1"
#define SELECT_NOTE_VERSION "SELECT version FROM note_versions WHERE id = ?1"
#define SELECT_NOTE_BODY "SELECT cairn_note_body (id, body) FROM notes WHERE id = ?1"


struct _CairnPool
{
  GObject         parent_instance;
  CairnStore     *store;
  gulong          changed_handler;
  CairnRowMap     lists;
  CairnRowMap     todos;
  CairnRowMap     notes;
  CairnRowModel  *list_model;
  CairnRowModel  *note_model;
  GHashTable     *todo_models;  /* list id -> GPtrArray of CairnTodoModel (weak) */
  GHashTable     *loaded_lists; /* list ids whose todos are all in todos.live */
  sqlite3_stmt   *select_list;
  sqlite3_stmt   *select_todo;
  sqlite3_stmt   *select_note;
  sqlite3_stmt   *select_note_version;
  sqlite3_stmt   *select_note_body;  /* prepared when first needed */
};

G_DEFINE_FINAL_TYPE (CairnPool, cairn_pool, G_TYPE_OBJECT)

static int
compare_list (gconstpointer a,
              gconstpointer b)
{
  CairnList *la = (CairnList *)a, *lb = (CairnList *)b;
  int c = g_strcmp0 (cairn_list_get_position (la), cairn_list_get_position (lb));

  return c != 0 ? c : g_strcmp0 (cairn_list_get_id (la), cairn_list_get_id (lb));
}

static int
compare_note (gconstpointer a,
              gconstpointer b)
{
  /* Newest first: larger UUIDv7 first. */
  return g_strcmp0 (cairn_note_get_id ((CairnNote *)b), cairn_note_get_id ((CairnNote *)a));
}

static const char *list_id_of (gpointer obj) { return cairn_list_get_id (obj); }
static const char *todo_id_of (gpointer obj) { return cairn_todo_get_id (obj); }
static const char *note_id_of (gpointer obj) { return cairn_note_get_id (obj); }

static gpointer create_list (CairnPool *p, const char *id) { return _cairn_list_new (id); }
static gpointer create_todo (CairnPool *p, const char *id) { return _cairn_todo_new (id); }
static gpointer create_note (CairnPool *p, const char *id) { return _cairn_note_new (p, id); }

static gboolean
prepare (CairnPool     *self,
         const char    *sql,
         sqlite3_stmt **stmt,
         GError       **error)
{
  sqlite3 *db = _cairn_store_get_db (self->store);

  if (sqlite3_prepare_v2 (db, sql, -1, stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
                   "Cannot read the state of %s (%s): %s",
                   cairn_store_get_path (self->store), sql, sqlite3_errmsg (db));
      return FALSE;
    }
  return TRUE;
}

static void
step_failed (CairnPool    *self,
             sqlite3_stmt *stmt,
             GError      **error)
{
  sqlite3 *db = _cairn_store_get_db (self->store);

  g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
               "Cannot read the state of %s (%s): %s",
               cairn_store_get_path (self->store), sqlite3_sql (stmt),
               sqlite3_errmsg (db));
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           col)
{
  return (const char *)sqlite3_column_text (stmt, col);
}

/* ---- applying rows to objects ---- */

static void
update_todo (CairnTodo    *todo,
             sqlite3_stmt *stmt,
             int           first)
{
  _cairn_todo_set_list_id (todo, column_text (stmt, first));
  _cairn_todo_set_title (todo, column_text (stmt, first + 1));
  _cairn_todo_set_position (todo, column_text (stmt, first + 2));
  _cairn_todo_set_done (todo, sqlite3_column_int (stmt, first + 3) != 0);
  _cairn_todo_set_due (todo, column_text (stmt, first + 4));
}

static void
update_list (CairnList    *list,
             sqlite3_stmt *stmt,
             int           first)
{
  _cairn_list_set_title (list, column_text (stmt, first));
  _cairn_list_set_position (list, column_text (stmt, first + 1));
}

static void
set_note_version (CairnNote    *note,
                  sqlite3_stmt *stmt,
                  int           col)
{
  gconstpointer version = NULL;

  /* A zero-length blob reads as NULL data: keep it apart from no version. */
  if (sqlite3_column_type (stmt, col) != SQLITE_NULL)
    {
      version = sqlite3_column_blob (stmt, col);
      if (version == NULL)
        version = "";
    }
  _cairn_note_set_version (note, version, sqlite3_column_bytes (stmt, col));
}

static void
update_note (CairnNote    *note,
             sqlite3_stmt *stmt,
             int           first)
{
  _cairn_note_set_title (note, column_text (stmt, first));
  set_note_version (note, stmt, first + 1);
}

/* ---- todo models ---- */

/* The models showing todos of list_id (may be NULL: none). */
static GPtrArray *
todo_models_of (CairnPool  *self,
                const char *list_id)
{
  if (list_id == NULL)
    return NULL;
  return g_hash_table_lookup (self->todo_models, list_id);
}

/* The same as a new array holding references: a signal handler may drop a
 * model (and so change the pool's array) while we emit on another. */
static GPtrArray *
todo_models_snapshot (CairnPool  *self,
                      const char *list_id)
{
  GPtrArray *models = todo_models_of (self, list_id);
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; models != NULL && i < models->len; i++)
    g_ptr_array_add (copy, g_object_ref (g_ptr_array_index (models, i)));
  return copy;
}

static gboolean todo_loaded (CairnPool *self, const char *id, const char *list_id);

/* Reads the todos of list_id into objects the first time it is needed. */
static void
ensure_list_loaded (CairnPool  *self,
                    const char *list_id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  int rc;

  if (g_hash_table_contains (self->loaded_lists, list_id))
    return;
  if (!prepare (self, LOAD_TODOS_OF_LIST, &stmt, &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  sqlite3_bind_text (stmt, 1, list_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gboolean created;
      gpointer obj = _cairn_row_map_obtain (&self->todos, column_text (stmt, 0),
                                            create_todo, &created);

      /* An object someone already holds is up to date: changes to it are
       * followed. A new one gets its values. */
      if (created)
        update_todo (obj, stmt, 1);
    }
  if (rc != SQLITE_DONE)
    {
      step_failed (self, stmt, &error);
      g_warning ("%s", error->message);
      return;
    }
  g_hash_table_add (self->loaded_lists, g_strdup (list_id));
}

GPtrArray *
_cairn_pool_list_todos (CairnPool  *self,
                        const char *list_id)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  int rc;

  if (!prepare (self, SELECT_TODOS_OF_LIST, &stmt, &error))
    {
      g_warning ("%s", error->message);
      return g_steal_pointer (&items);
    }
  sqlite3_bind_text (stmt, 1, list_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      CairnTodo *todo = g_hash_table_lookup (self->todos.live, column_text (stmt, 0));

      if (todo != NULL)
        g_ptr_array_add (items, g_object_ref (todo));
    }
  if (rc != SQLITE_DONE)
    {
      step_failed (self, stmt, &error);
      g_warning ("%s", error->message);
    }
  /* SQLite's BINARY collation is memcmp, the same order as strcmp on these
   * ASCII keys, so the array is normally sorted already: check in one pass
   * and sort only if not. */
  for (guint i = 1; i < items->len; i++)
    if (_cairn_todo_compare (items->pdata[i - 1], items->pdata[i]) > 0)
      {
        _cairn_row_model_sort (items, _cairn_todo_compare);
        break;
      }
  return g_steal_pointer (&items);
}

void
_cairn_pool_forget_todo_model (CairnPool      *self,
                               CairnTodoModel *model)
{
  const char *list_id = _cairn_todo_model_get_list_id (model);
  GPtrArray *models = todo_models_of (self, list_id);

  if (models != NULL)
    {
      g_ptr_array_remove_fast (models, model);
      if (models->len == 0)
        g_hash_table_remove (self->todo_models, list_id);
    }
}

/* ---- loading ---- */

static gboolean
load_all (CairnPool  *self,
          GError    **error);

static void
reload_todo_model (CairnPool      *self,
                   CairnTodoModel *model)
{
  g_autoptr(GPtrArray) all = NULL;
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);

  ensure_list_loaded (self, _cairn_todo_model_get_list_id (model));
  all = _cairn_pool_list_todos (self, _cairn_todo_model_get_list_id (model));
  for (guint i = 0; i < all->len; i++)
    if (_cairn_todo_model_wants (model, g_ptr_array_index (all, i)))
      g_ptr_array_add (items, g_object_ref (g_ptr_array_index (all, i)));
  _cairn_row_model_replace_all (CAIRN_ROW_MODEL (model), items);
}

/* Reads every live row of one kind, updating kept objects, creating new
 * ones and burying the ones that are gone. Returns the live objects in a
 * new array, unsorted. */
static GPtrArray *
load_kind (CairnPool   *self,
           CairnRowMap *map,
           const char  *sql,
           gpointer   (*create) (CairnPool *pool, const char *id),
           void       (*update) (gpointer obj, sqlite3_stmt *stmt, int first),
           gboolean   (*wanted) (CairnPool *self, const char *id, const char *parent_id),
           GPtrArray   *frozen,
           GError     **error)
{
  g_autoptr(GPtrArray) objs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  int rc;

  if (!prepare (self, sql, &stmt, error))
    return NULL;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gboolean created;
      gpointer obj;

      if (wanted != NULL && !wanted (self, column_text (stmt, 0), column_text (stmt, 1)))
        continue;
      obj = _cairn_row_map_obtain (map, column_text (stmt, 0), create, &created);
      if (!created)
        {
          g_object_freeze_notify (obj);
          g_ptr_array_add (frozen, g_object_ref (obj));
        }
      update (obj, stmt, 1);
      g_hash_table_add (seen, obj);
      g_ptr_array_add (objs, g_object_ref (obj));
    }
  if (rc != SQLITE_DONE)
    {
      step_failed (self, stmt, error);
      return NULL;
    }

  g_hash_table_iter_init (&iter, map->live);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!g_hash_table_contains (seen, value))
      g_ptr_array_add (gone, value);
  for (guint i = 0; i < gone->len; i++)
    _cairn_row_map_bury (map, g_ptr_array_index (gone, i));

  return g_steal_pointer (&objs);
}

static void update_list_cb (gpointer o, sqlite3_stmt *s, int f) { update_list (o, s, f); }
static void update_todo_cb (gpointer o, sqlite3_stmt *s, int f) { update_todo (o, s, f); }
static void update_note_cb (gpointer o, sqlite3_stmt *s, int f) { update_note (o, s, f); }

/* Whether the pool follows this todo: its list is loaded, or it has an
 * object already (live, or a ghost someone still holds). */
static gboolean
todo_loaded (CairnPool  *self,
             const char *id,
             const char *list_id)
{
  return (list_id != NULL && g_hash_table_contains (self->loaded_lists, list_id)) ||
         g_hash_table_contains (self->todos.live, id) ||
         g_hash_table_contains (self->todos.ghosts, id);
}

/* Everything from scratch: at start and after a rebuild. Objects that stay
 * keep their identity and notify only for values that changed. */
static gboolean
load_all (CairnPool  *self,
          GError    **error)
{
  g_autoptr(GPtrArray) frozen = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) lists = NULL;
  g_autoptr(GPtrArray) todos = NULL;
  g_autoptr(GPtrArray) notes = NULL;
  g_autoptr(GPtrArray) models = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  gboolean ok = FALSE;

  lists = load_kind (self, &self->lists, SELECT_LISTS, create_list, update_list_cb, NULL,
                     frozen, error);
  if (lists == NULL)
    goto out;
  /* Only the todos already loaded (none at start-up): of loaded lists,
   * and single ones looked up. */
  if (g_hash_table_size (self->loaded_lists) > 0 || g_hash_table_size (self->todos.live) > 0)
    {
      todos = load_kind (self, &self->todos, SELECT_TODOS, create_todo, update_todo_cb,
                         todo_loaded, frozen, error);
      if (todos == NULL)
        goto out;
    }
  notes = load_kind (self, &self->notes, SELECT_NOTES, create_note, update_note_cb, NULL,
                     frozen, error);
  if (notes == NULL)
    goto out;

  _cairn_row_model_replace_all (self->list_model, g_steal_pointer (&lists));
  _cairn_row_model_replace_all (self->note_model, g_steal_pointer (&notes));

  /* Collect first: a handler may drop a model while we emit. */
  g_hash_table_iter_init (&iter, self->todo_models);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GPtrArray *of_list = value;

      for (guint i = 0; i < of_list->len; i++)
        g_ptr_array_add (models, g_object_ref (g_ptr_array_index (of_list, i)));
    }
  for (guint i = 0; i < models->len; i++)
    {
      reload_todo_model (self, g_ptr_array_index (models, i));
      g_object_unref (g_ptr_array_index (models, i));
    }
  ok = TRUE;

out:
  for (guint i = 0; i < frozen->len; i++)
    g_object_thaw_notify (g_ptr_array_index (frozen, i));
  return ok;
}

/* ---- incremental changes ---- */

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

/* Steps a "one row by id" statement; TRUE with *live set on success. */
static gboolean
fetch_row (CairnPool     *self,
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
      step_failed (self, stmt, error);
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

  if (!live || !todo_loaded (self, id, column_text (self->select_todo, 0)))
    return;
  todo = _cairn_row_map_obtain (&self->todos, id, create_todo, &created);
  p.obj = g_object_ref (todo);
  /* A revived ghost is not in any model yet. */
  g_object_freeze_notify (G_OBJECT (todo));
  g_ptr_array_add (frozen, g_object_ref (todo));
  update_todo (todo, self->select_todo, 0);
  g_array_append_val (work, p);
}

/* Phase 1 for a todo the models may hold: out of every model it is in,
 * by its old key, unless it stays where it is. */
static void
take_out_todo (CairnPool *self,
               CairnTodo *todo,
               gboolean   live)
{
  const char *new_list = live ? column_text (self->select_todo, 0) : NULL;
  gboolean new_done = live && sqlite3_column_int (self->select_todo, 3) != 0;
  gboolean key_same;
  GPtrArray *models;

  key_same = live &&
             g_strcmp0 (cairn_todo_get_list_id (todo), new_list) == 0 &&
             g_strcmp0 (cairn_todo_get_position (todo), column_text (self->select_todo, 2)) == 0;
  models = todo_models_snapshot (self, cairn_todo_get_list_id (todo));
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
      models = todo_models_snapshot (self, cairn_todo_get_list_id (p->obj));
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

      if (!fetch_row (self, self->select_todo, id, 5, &live, error))
        return FALSE;
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
        update_todo (todo, self->select_todo, 0);
      else
        _cairn_row_map_bury (&self->todos, todo);
      g_array_append_val (work, p);
    }

  put_back_todos (self, work);
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

      if (!fetch_row (self, stmt, id, deleted_col, &live, error))
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
          if (compare (obj, probe) != 0)
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
  GHashTableIter iter;
  gpointer key;

  if (changes->note_rows == NULL)
    return apply_simple_changes (self, changes->notes, &self->notes, self->note_model,
                                 self->select_note, 2, create_note, update_note_cb,
                                 NULL, frozen, error);

  rows = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_iter_init (&iter, changes->notes);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      CairnNote *note;
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
          step_failed (self, self->select_note_version, error);
          sqlite3_reset (self->select_note_version);
          return FALSE;
        }
      g_object_freeze_notify (G_OBJECT (note));
      g_ptr_array_add (frozen, g_object_ref (note));
      if (rc == SQLITE_DONE)
        _cairn_note_set_version (note, NULL, 0);
      else
        set_note_version (note, self->select_note_version, 0);
      sqlite3_reset (self->select_note_version);
    }

  return apply_simple_changes (self, rows, &self->notes, self->note_model,
                               self->select_note, 2, create_note, update_note_cb,
                               NULL, frozen, error);
}

static void
store_changed_cb (CairnPool    *self,
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
      if (!load_all (self, &error))
        g_warning ("Cannot reload the pool: %s", error->message);
      return;
    }

  g_object_ref (self);

  if (ok && changes->lists != NULL)
    ok = apply_simple_changes (self, changes->lists, &self->lists, self->list_model,
                               self->select_list, 2, create_list, update_list_cb,
                               compare_list, frozen, &error);
  if (ok && changes->todos != NULL)
    ok = apply_todo_changes (self, changes->todos, frozen, &error);
  if (ok && changes->notes != NULL)
    ok = apply_note_changes (self, changes, frozen, &error);
  if (!ok)
    {
      g_autoptr(GError) reload_error = NULL;

      /* Part of the change may be applied: start again from the tables. */
      g_warning ("Cannot update the pool: %s", error->message);
      if (!load_all (self, &reload_error))
        g_warning ("Cannot reload the pool: %s", reload_error->message);
    }

  sqlite3_reset (self->select_list);
  sqlite3_reset (self->select_todo);
  sqlite3_reset (self->select_note);

  /* The models are consistent now: let the property notifications out. */
  for (guint i = 0; i < frozen->len; i++)
    g_object_thaw_notify (g_ptr_array_index (frozen, i));

  g_object_unref (self);
}

static void
cairn_pool_dispose (GObject *object)
{
  CairnPool *self = (CairnPool *)object;

  g_clear_signal_handler (&self->changed_handler, self->store);

  G_OBJECT_CLASS (cairn_pool_parent_class)->dispose (object);
}

/* Notes that outlive the pool keep the body they have read, if any. */
static void
detach_notes (GHashTable *notes)
{
  GHashTableIter iter;
  gpointer value;

  if (notes == NULL)
    return;
  g_hash_table_iter_init (&iter, notes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    _cairn_note_detach (value);
}

static void
cairn_pool_finalize (GObject *object)
{
  CairnPool *self = (CairnPool *)object;

  g_clear_pointer (&self->select_list, sqlite3_finalize);
  g_clear_pointer (&self->select_todo, sqlite3_finalize);
  g_clear_pointer (&self->select_note, sqlite3_finalize);
  g_clear_pointer (&self->select_note_version, sqlite3_finalize);
  g_clear_pointer (&self->select_note_body, sqlite3_finalize);
  g_clear_object (&self->list_model);
  g_clear_object (&self->note_model);
  /* Todo models hold a reference on the pool, so none is left here. */
  g_clear_pointer (&self->todo_models, g_hash_table_unref);
  g_clear_pointer (&self->loaded_lists, g_hash_table_unref);
  _cairn_row_map_clear (&self->lists);
  _cairn_row_map_clear (&self->todos);
  detach_notes (self->notes.live);
  detach_notes (self->notes.ghosts);
  _cairn_row_map_clear (&self->notes);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (cairn_pool_parent_class)->finalize (object);
}

static void
cairn_pool_class_init (CairnPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cairn_pool_dispose;
  object_class->finalize = cairn_pool_finalize;
}

static void
cairn_pool_init (CairnPool *self)
{
  _cairn_row_map_init (&self->lists, self, list_id_of);
  _cairn_row_map_init (&self->todos, self, todo_id_of);
  _cairn_row_map_init (&self->notes, self, note_id_of);
  self->todo_models = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify)g_ptr_array_unref);
  self->loaded_lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->list_model = _cairn_row_model_new (CAIRN_TYPE_LIST, compare_list);
  self->note_model = _cairn_row_model_new (CAIRN_TYPE_NOTE, compare_note);
}

/**
 * cairn_pool_new:
 * @store: the store to mirror
 *
 * Loads the lists and notes of @store (todos per list, when first asked
 * for) and follows its ::changed signal. A store
 * whose state cannot be read gives an empty pool and a warning.
 */
CairnPool *
cairn_pool_new (CairnStore *store)
{
  g_autoptr(GError) error = NULL;
  CairnPool *self;

  g_return_val_if_fail (CAIRN_IS_STORE (store), NULL);

  self = g_object_new (CAIRN_TYPE_POOL, NULL);
  self->store = g_object_ref (store);

  if (!prepare (self, SELECT_LIST, &self->select_list, &error) ||
      !prepare (self, SELECT_TODO, &self->select_todo, &error) ||
      !prepare (self, SELECT_NOTE, &self->select_note, &error) ||
      !prepare (self, SELECT_NOTE_VERSION, &self->select_note_version, &error) ||
      !load_all (self, &error))
    g_warning ("%s", error->message);

  self->changed_handler = g_signal_connect_object (store, "changed",
                                                   G_CALLBACK (store_changed_cb),
                                                   self, G_CONNECT_SWAPPED);
  return self;
}

/* The note's current text (see cairn_note_get_body()). */
char *
_cairn_pool_dup_note_body (CairnPool   *self,
                           const char  *id,
                           GError     **error)
{
  char *body = NULL;
  int rc;

  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  if (self->select_note_body == NULL &&
      !prepare (self, SELECT_NOTE_BODY, &self->select_note_body, error))
    return NULL;
  if (sqlite3_bind_text (self->select_note_body, 1, id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      step_failed (self, self->select_note_body, error);
      sqlite3_reset (self->select_note_body);
      return NULL;
    }
  rc = sqlite3_step (self->select_note_body);
  if (rc == SQLITE_ROW)
    body = g_strdup (column_text (self->select_note_body, 0));
  else if (rc == SQLITE_DONE)
    g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                 "No note %s in %s", id, cairn_store_get_path (self->store));
  else
    step_failed (self, self->select_note_body, error);
  sqlite3_reset (self->select_note_body);
  if (rc == SQLITE_ROW && body == NULL)
    body = g_strdup ("");
  return body;
}

CairnStore *
cairn_pool_get_store (CairnPool *self)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  return self->store;
}

GListModel *
cairn_pool_get_lists (CairnPool *self)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  return G_LIST_MODEL (self->list_model);
}

GListModel *
cairn_pool_get_notes (CairnPool *self)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  return G_LIST_MODEL (self->note_model);
}

GListModel *
cairn_pool_get_todos (CairnPool  *self,
                      const char *list_id)
{
  CairnTodoModel *model;
  GPtrArray *models;

  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (list_id != NULL, NULL);

  model = _cairn_todo_model_new (self, list_id);

  models = g_hash_table_lookup (self->todo_models, list_id);
  if (models == NULL)
    {
      models = g_ptr_array_new ();
      g_hash_table_insert (self->todo_models, g_strdup (list_id), models);
    }
  g_ptr_array_add (models, model);

  reload_todo_model (self, model);
  return G_LIST_MODEL (model);
}

CairnList *
cairn_pool_lookup_list (CairnPool  *self,
                        const char *id)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return g_hash_table_lookup (self->lists.live, id);
}

CairnTodo *
cairn_pool_lookup_todo (CairnPool  *self,
                        const char *id)
{
  g_autoptr(GError) error = NULL;
  CairnTodo *todo;
  gboolean live;

  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  todo = g_hash_table_lookup (self->todos.live, id);
  if (todo != NULL)
    return todo;
  /* Of a list not loaded yet: this one todo, followed from now on. */
  if (!fetch_row (self, self->select_todo, id, 5, &live, &error))
    {
      g_warning ("%s", error->message);
      return NULL;
    }
  if (live)
    {
      gboolean created;

      todo = _cairn_row_map_obtain (&self->todos, id, create_todo, &created);
      update_todo (todo, self->select_todo, 0);
    }
  sqlite3_reset (self->select_todo);
  return todo;
}

CairnNote *
cairn_pool_lookup_note (CairnPool  *self,
                        const char *id)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return g_hash_table_lookup (self->notes.live, id);
}

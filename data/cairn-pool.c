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

#include "cairn-pool.h"
#include "cairn-pool-private.h"
#include "cairn-store-private.h"

/* The only place that knows the state tables' columns. */
#define SELECT_LISTS "SELECT id, title, position FROM lists WHERE deleted = 0"
#define SELECT_LIST  "SELECT title, position, deleted FROM lists WHERE id = ?1"
#define SELECT_TAGS  "SELECT id, name, color FROM tags WHERE deleted = 0"
#define SELECT_TAG   "SELECT name, color, deleted FROM tags WHERE id = ?1"
/* A todo's tags: the ids of its live tags, by name, space-separated.
 * Read as the range of todo_tags keys "TODO-ID/…" (ids have no '/', and
 * '0' follows '/'): the table alone, its rows of one todo side by side,
 * where todo_tags_by_todo needed a look-up in the table per row for
 * "tagged" (twice the pages: the tags were half of building a date view).
 * "+": not through todo_tags_by_todo, which the planner would prefer. */
#define TODO_TAGS "(SELECT group_concat (tag_id, ' ') FROM (SELECT tt.tag_id FROM todo_tags tt " \
                  "JOIN tags g ON g.id = tt.tag_id WHERE tt.id > todos.id || '/' " \
                  "AND tt.id < todos.id || '0' AND +tt.todo_id = todos.id AND tt.tagged " \
                  "AND NOT g.deleted ORDER BY g.name, g.id))"
/* Columns after the id: as _cairn_pool_update_todo() reads them (deleted
 * is 0 where only live rows are read). */
/* A todo's notes version: the notes are read only when asked for. */
#define TODO_NOTES_VERSION "(SELECT version FROM todo_note_versions WHERE id = todos.id)"
#define TODO_COLUMNS "list_id, title, position, done, due, deleted, priority, " TODO_TAGS ", parent_id, " \
                     "due_time, reminder, reminder_dismissed, repeat, " TODO_NOTES_VERSION
#define SELECT_TODOS "SELECT id, " TODO_COLUMNS " FROM todos WHERE deleted = 0"
#define SELECT_TODO  "SELECT " TODO_COLUMNS " FROM todos WHERE id = ?1"
#define SELECT_TODOS_OF_LIST "SELECT id FROM todos WHERE list_id = ?1 AND deleted = 0 ORDER BY position, id"
#define LOAD_TODOS_OF_LIST "SELECT id, " TODO_COLUMNS " FROM todos " \
                           "WHERE list_id = ?1 AND deleted = 0"
/* A note's body is read only when asked for (cairn_note_get_body()); what
 * the pool follows is the note's text version, a few dozen bytes. The text
 * goes through cairn_note_body(), as notes.body is written lazily. */
/* Columns from the title on: title, version, deleted, pinned, the row's
 * edited_at, the text's edited_at (_cairn_pool_update_note()). */
#define SELECT_NOTES "SELECT n.id, n.title, v.version, 0, n.pinned, n.edited_at, " \
                     "coalesce (v.edited_at, 0) FROM notes n " \
                     "LEFT JOIN note_versions v ON v.id = n.id WHERE n.deleted = 0"
#define SELECT_NOTE  "SELECT n.title, v.version, n.deleted, n.pinned, n.edited_at, " \
                     "coalesce (v.edited_at, 0) FROM notes n " \
                     "LEFT JOIN note_versions v ON v.id = n.id WHERE n.id = ?1"
#define SELECT_NOTE_VERSION "SELECT version, edited_at FROM note_versions WHERE id = ?1"
#define SELECT_NOTE_BODY "SELECT cairn_note_body (id, body) FROM notes WHERE id = ?1"



G_DEFINE_FINAL_TYPE (CairnPool, cairn_pool, G_TYPE_OBJECT)

int
_cairn_pool_compare_list (gconstpointer a,
              gconstpointer b)
{
  CairnList *la = (CairnList *)a, *lb = (CairnList *)b;
  int c = g_strcmp0 (cairn_list_get_position (la), cairn_list_get_position (lb));

  return c != 0 ? c : g_strcmp0 (cairn_list_get_id (la), cairn_list_get_id (lb));
}

int
_cairn_pool_compare_tag (gconstpointer a,
                         gconstpointer b)
{
  CairnTag *ta = (CairnTag *)a, *tb = (CairnTag *)b;
  int c = g_strcmp0 (cairn_tag_get_name (ta), cairn_tag_get_name (tb));

  return c != 0 ? c : g_strcmp0 (cairn_tag_get_id (ta), cairn_tag_get_id (tb));
}

/* Pinned notes first, then the last edited first, then the newest
 * (larger UUIDv7) first: a total order. */
int
_cairn_pool_compare_note (gconstpointer a,
                          gconstpointer b)
{
  CairnNote *na = (CairnNote *)a, *nb = (CairnNote *)b;
  gint64 ea = cairn_note_get_edited_at (na), eb = cairn_note_get_edited_at (nb);

  if (cairn_note_get_pinned (na) != cairn_note_get_pinned (nb))
    return cairn_note_get_pinned (na) ? -1 : 1;
  if (ea != eb)
    return ea > eb ? -1 : 1;
  return g_strcmp0 (cairn_note_get_id (nb), cairn_note_get_id (na));
}

static const char *list_id_of (gpointer obj) { return cairn_list_get_id (obj); }
static const char *todo_id_of (gpointer obj) { return cairn_todo_get_id (obj); }
static const char *note_id_of (gpointer obj) { return cairn_note_get_id (obj); }
static const char *tag_id_of (gpointer obj) { return cairn_tag_get_id (obj); }

gpointer _cairn_pool_create_list (CairnPool *p, const char *id) { return _cairn_list_new (id); }
gpointer _cairn_pool_create_todo (CairnPool *p, const char *id) { return _cairn_todo_new (p, id); }
gpointer _cairn_pool_create_note (CairnPool *p, const char *id) { return _cairn_note_new (p, id); }
gpointer _cairn_pool_create_tag (CairnPool *p, const char *id) { return _cairn_tag_new (id); }

void
_cairn_pool_update_tag (gpointer      tag,
                        sqlite3_stmt *stmt,
                        int           first)
{
  _cairn_tag_set_name (tag, _cairn_pool_column_text (stmt, first));
  _cairn_tag_set_color (tag, _cairn_pool_column_text (stmt, first + 1));
}

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

void
_cairn_pool_step_failed (CairnPool    *self,
             sqlite3_stmt *stmt,
             GError      **error)
{
  sqlite3 *db = _cairn_store_get_db (self->store);

  g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
               "Cannot read the state of %s (%s): %s",
               cairn_store_get_path (self->store), sqlite3_sql (stmt),
               sqlite3_errmsg (db));
}

/* ---- applying rows to objects ---- */

void
_cairn_pool_update_todo (gpointer      todo,
                         sqlite3_stmt *stmt,
                         int           first)
{
  _cairn_todo_set_list_id (todo, _cairn_pool_column_text (stmt, first));
  _cairn_todo_set_title (todo, _cairn_pool_column_text (stmt, first + 1));
  _cairn_todo_set_position (todo, _cairn_pool_column_text (stmt, first + 2));
  _cairn_todo_set_done (todo, sqlite3_column_int (stmt, first + 3) != 0);
  _cairn_todo_set_due (todo, _cairn_pool_column_text (stmt, first + 4));
  _cairn_todo_set_priority (todo, _cairn_pool_column_text (stmt, first + 6));
  _cairn_todo_set_tag_ids (todo, _cairn_pool_column_text (stmt, first + 7));
  _cairn_todo_set_parent_id (todo, _cairn_pool_column_text (stmt, first + 8));
  _cairn_todo_set_times (todo, _cairn_pool_column_text (stmt, first + 9),
                         _cairn_pool_column_text (stmt, first + 10),
                         sqlite3_column_int (stmt, first + 11) != 0,
                         _cairn_pool_column_text (stmt, first + 12));
  _cairn_todo_set_notes_version (todo, sqlite3_column_blob (stmt, first + 13),
                                 sqlite3_column_bytes (stmt, first + 13));
}

void
_cairn_pool_update_list (gpointer      list,
                         sqlite3_stmt *stmt,
                         int           first)
{
  _cairn_list_set_title (list, _cairn_pool_column_text (stmt, first));
  _cairn_list_set_position (list, _cairn_pool_column_text (stmt, first + 1));
}

void
_cairn_pool_set_note_version (CairnNote    *note,
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

void
_cairn_pool_update_note (gpointer      note,
                         sqlite3_stmt *stmt,
                         int           first)
{
  _cairn_note_set_title (note, _cairn_pool_column_text (stmt, first));
  _cairn_pool_set_note_version (note, stmt, first + 1);
  _cairn_note_set_pinned (note, sqlite3_column_int (stmt, first + 3));
  _cairn_note_set_edited_at (note, TRUE, sqlite3_column_int64 (stmt, first + 4));
  _cairn_note_set_edited_at (note, FALSE, sqlite3_column_int64 (stmt, first + 5));
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
GPtrArray *
_cairn_pool_todo_models_snapshot (CairnPool  *self,
                                  const char *list_id)
{
  GPtrArray *models = todo_models_of (self, list_id);
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; models != NULL && i < models->len; i++)
    g_ptr_array_add (copy, g_object_ref (g_ptr_array_index (models, i)));
  return copy;
}

GPtrArray *
_cairn_pool_child_models_snapshot (CairnPool  *self,
                                   const char *parent_id)
{
  GPtrArray *models = parent_id != NULL ? g_hash_table_lookup (self->child_models, parent_id) : NULL;
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; models != NULL && i < models->len; i++)
    g_ptr_array_add (copy, g_object_ref (g_ptr_array_index (models, i)));
  return copy;
}

/* Reads the todos of list_id into objects the first time it is needed. */
static void
ensure_list_loaded (CairnPool  *self,
                    const char *list_id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) todos = NULL;
  int rc;

  if (g_hash_table_contains (self->loaded_lists, list_id))
    return;
  todos = g_ptr_array_new_with_free_func (g_object_unref);
  if (!prepare (self, LOAD_TODOS_OF_LIST, &stmt, &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  sqlite3_bind_text (stmt, 1, list_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gboolean created;
      gpointer obj = _cairn_row_map_obtain (&self->todos, _cairn_pool_column_text (stmt, 0),
                                            _cairn_pool_create_todo, &created);

      /* An object someone already holds is up to date: changes to it are
       * followed. A new one gets its values. */
      if (created)
        _cairn_pool_update_todo (obj, stmt, 1);
      g_ptr_array_add (todos, g_object_ref (obj));
    }
  if (rc != SQLITE_DONE)
    {
      _cairn_pool_step_failed (self, stmt, &error);
      g_warning ("%s", error->message);
      return;
    }
  g_hash_table_add (self->loaded_lists, g_strdup (list_id));
  /* Every todo of the list has its object now: its subtasks counted in
   * the same pass, rather than one read per row shown. */
  _cairn_pool_count_list_subtasks (self, todos);
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
      CairnTodo *todo = g_hash_table_lookup (self->todos.live, _cairn_pool_column_text (stmt, 0));

      if (todo != NULL)
        g_ptr_array_add (items, g_object_ref (todo));
    }
  if (rc != SQLITE_DONE)
    {
      _cairn_pool_step_failed (self, stmt, &error);
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

static GHashTable *
table_of (CairnPool      *self,
          CairnTodoModel *model)
{
  return _cairn_todo_model_get_kind (model) == CAIRN_TODO_MODEL_CHILDREN ? self->child_models
                                                                         : self->todo_models;
}

void
_cairn_pool_forget_todo_model (CairnPool      *self,
                               CairnTodoModel *model)
{
  const char *key = _cairn_todo_model_get_key (model);
  GHashTable *table = table_of (self, model);
  GPtrArray *models = table != NULL ? g_hash_table_lookup (table, key) : NULL;

  if (models != NULL)
    {
      g_ptr_array_remove_fast (models, model);
      if (models->len == 0)
        g_hash_table_remove (table, key);
    }
}

GPtrArray *
_cairn_pool_todo_model_candidates (CairnPool      *self,
                                   CairnTodoModel *model)
{
  const char *list_id = _cairn_todo_model_get_list_id (model);

  if (list_id == NULL)
    {
      /* Children: through the parent index, not the whole list: a tree
       * view makes one such model per task it shows. */
      const char *parent_id = _cairn_todo_model_get_key (model);
      CairnTodo *parent = cairn_pool_lookup_todo (self, parent_id);
      GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
      g_autoptr(GPtrArray) ids = NULL;
      g_autoptr(GError) error = NULL;

      if (parent == NULL)
        return items;
      ensure_list_loaded (self, cairn_todo_get_list_id (parent));
      ids = _cairn_store_list_children (self->store, parent_id, FALSE, &error);
      if (ids == NULL)
        {
          g_warning ("Cannot read the subtasks of %s: %s", parent_id, error->message);
          return items;
        }
      for (guint i = 0; i < ids->len; i++)
        {
          CairnTodo *todo = g_hash_table_lookup (self->todos.live, ids->pdata[i]);

          if (todo != NULL)
            g_ptr_array_add (items, g_object_ref (todo));
        }
      return items;
    }
  ensure_list_loaded (self, list_id);
  return _cairn_pool_list_todos (self, list_id);
}

/* ---- tag views ---- */

#define SELECT_TAGGED_TODOS "SELECT tt.todo_id FROM todo_tags tt " \
                            "JOIN tags g ON g.id = tt.tag_id JOIN todos t ON t.id = tt.todo_id " \
                            "WHERE tt.tag_id = ?1 AND tt.tagged AND NOT g.deleted AND NOT t.deleted"

static int
compare_todo_id (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (cairn_todo_get_id ((CairnTodo *)a), cairn_todo_get_id ((CairnTodo *)b));
}

/* Fills a tag view from the tables: its todos are followed one by one
 * (cairn_pool_lookup_todo()), as they may be in lists not loaded. */
static void
reload_tag_view (CairnPool     *self,
                 const char    *tag_id,
                 CairnRowModel *view)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  int rc;

  if (!prepare (self, SELECT_TAGGED_TODOS, &stmt, &error))
    {
      g_warning ("%s", error->message);
      g_ptr_array_unref (items);
      return;
    }
  sqlite3_bind_text (stmt, 1, tag_id, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    g_warning ("Cannot read the todos of tag %s: %s", tag_id,
               sqlite3_errmsg (_cairn_store_get_db (self->store)));
  for (guint i = 0; i < ids->len; i++)
    {
      CairnTodo *todo = cairn_pool_lookup_todo (self, ids->pdata[i]);

      if (todo != NULL)
        g_ptr_array_add (items, g_object_ref (todo));
    }
  _cairn_row_model_replace_all (view, items);
}

static void
reload_tag_views (CairnPool *self)
{
  g_autoptr(GPtrArray) views = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) tag_ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key, value;

  /* Collect first: a handler may drop a view while we emit. */
  g_hash_table_iter_init (&iter, self->tag_views);
  while (g_hash_table_iter_next (&iter, &key, &value))
    for (guint i = 0; i < ((GPtrArray *) value)->len; i++)
      {
        g_ptr_array_add (views, g_object_ref (g_ptr_array_index ((GPtrArray *) value, i)));
        g_ptr_array_add (tag_ids, g_strdup (key));
      }
  for (guint i = 0; i < views->len; i++)
    reload_tag_view (self, tag_ids->pdata[i], views->pdata[i]);
}

gboolean
_cairn_pool_tag_views_want (CairnPool  *self,
                            const char *tag_ids)
{
  g_auto(GStrv) ids = NULL;

  if (tag_ids == NULL || g_hash_table_size (self->tag_views) == 0)
    return FALSE;
  ids = g_strsplit (tag_ids, " ", -1);
  for (guint i = 0; ids[i] != NULL; i++)
    if (g_hash_table_contains (self->tag_views, ids[i]))
      return TRUE;
  return FALSE;
}

void
_cairn_pool_update_tag_views (CairnPool *self,
                              GPtrArray *todos,
                              GArray    *live)
{
  g_autoptr(GPtrArray) views = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) tag_ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->tag_views);
  while (g_hash_table_iter_next (&iter, &key, &value))
    for (guint i = 0; i < ((GPtrArray *) value)->len; i++)
      {
        g_ptr_array_add (views, g_object_ref (g_ptr_array_index ((GPtrArray *) value, i)));
        g_ptr_array_add (tag_ids, g_strdup (key));
      }
  /* The key (the id) never changes: a todo only enters or leaves. */
  for (guint v = 0; v < views->len; v++)
    for (guint i = 0; i < todos->len; i++)
      {
        CairnTodo *todo = todos->pdata[i];

        if (g_array_index (live, gboolean, i) &&
            g_strv_contains (cairn_todo_get_tag_ids (todo), tag_ids->pdata[v]))
          _cairn_row_model_insert (views->pdata[v], todo);
        else
          _cairn_row_model_remove (views->pdata[v], todo);
      }
}

typedef struct
{
  CairnPool *pool;
  char      *tag_id;
} TagViewOwner;

/* The view is going away: the pool stops following it (the view held
 * the pool until now). */
static void
tag_view_gone (gpointer  data,
               GObject  *where_the_view_was)
{
  TagViewOwner *owner = data;
  GPtrArray *views = g_hash_table_lookup (owner->pool->tag_views, owner->tag_id);

  if (views != NULL)
    {
      g_ptr_array_remove_fast (views, where_the_view_was);
      if (views->len == 0)
        g_hash_table_remove (owner->pool->tag_views, owner->tag_id);
    }
  g_object_unref (owner->pool);
  g_free (owner->tag_id);
  g_free (owner);
}

GListModel *
cairn_pool_get_tagged_todos (CairnPool  *self,
                             const char *tag_id)
{
  CairnRowModel *view;
  TagViewOwner *owner;
  GPtrArray *views;

  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (tag_id != NULL, NULL);

  view = _cairn_row_model_new (CAIRN_TYPE_TODO, compare_todo_id);
  owner = g_new0 (TagViewOwner, 1);
  owner->pool = g_object_ref (self);
  owner->tag_id = g_strdup (tag_id);
  g_object_weak_ref (G_OBJECT (view), tag_view_gone, owner);
  views = g_hash_table_lookup (self->tag_views, tag_id);
  if (views == NULL)
    {
      views = g_ptr_array_new ();
      g_hash_table_insert (self->tag_views, g_strdup (tag_id), views);
    }
  g_ptr_array_add (views, view);
  reload_tag_view (self, tag_id, view);
  return G_LIST_MODEL (view);
}

/* ---- loading ---- */

static void
reload_todo_model (CairnPool      *self,
                   CairnTodoModel *model)
{
  g_autoptr(GPtrArray) all = NULL;
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);

  all = _cairn_pool_todo_model_candidates (self, model);
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

      if (wanted != NULL && !wanted (self, _cairn_pool_column_text (stmt, 0), _cairn_pool_column_text (stmt, 1)))
        continue;
      obj = _cairn_row_map_obtain (map, _cairn_pool_column_text (stmt, 0), create, &created);
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
      _cairn_pool_step_failed (self, stmt, error);
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

/* Whether the pool follows this todo: its list is loaded, or it has an
 * object already (live, or a ghost someone still holds). */
gboolean
_cairn_pool_todo_loaded (CairnPool  *self,
                         const char *id,
                         const char *list_id)
{
  return (list_id != NULL && g_hash_table_contains (self->loaded_lists, list_id)) ||
         g_hash_table_contains (self->todos.live, id) ||
         g_hash_table_contains (self->todos.ghosts, id);
}

/* Everything from scratch: at start and after a rebuild. Objects that stay
 * keep their identity and notify only for values that changed. */
gboolean
_cairn_pool_load_all (CairnPool  *self,
                      GError    **error)
{
  g_autoptr(GPtrArray) frozen = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) lists = NULL;
  g_autoptr(GPtrArray) todos = NULL;
  g_autoptr(GPtrArray) notes = NULL;
  g_autoptr(GPtrArray) tags = NULL;
  g_autoptr(GPtrArray) models = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  gboolean ok = FALSE;

  lists = load_kind (self, &self->lists, SELECT_LISTS, _cairn_pool_create_list, _cairn_pool_update_list, NULL,
                     frozen, error);
  if (lists == NULL)
    goto out;
  /* Only the todos already loaded (none at start-up): of loaded lists,
   * and single ones looked up. */
  if (g_hash_table_size (self->loaded_lists) > 0 || g_hash_table_size (self->todos.live) > 0)
    {
      todos = load_kind (self, &self->todos, SELECT_TODOS, _cairn_pool_create_todo, _cairn_pool_update_todo,
                         _cairn_pool_todo_loaded, frozen, error);
      if (todos == NULL)
        goto out;
    }
  notes = load_kind (self, &self->notes, SELECT_NOTES, _cairn_pool_create_note, _cairn_pool_update_note, NULL,
                     frozen, error);
  if (notes == NULL)
    goto out;
  tags = load_kind (self, &self->tags, SELECT_TAGS, _cairn_pool_create_tag, _cairn_pool_update_tag, NULL,
                    frozen, error);
  if (tags == NULL)
    goto out;

  _cairn_row_model_replace_all (self->list_model, g_steal_pointer (&lists));
  _cairn_row_model_replace_all (self->tag_model, g_steal_pointer (&tags));
  _cairn_row_model_replace_all (self->note_model, g_steal_pointer (&notes));

  /* Collect first: a handler may drop a model while we emit. */
  g_hash_table_iter_init (&iter, self->todo_models);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GPtrArray *of_list = value;

      for (guint i = 0; i < of_list->len; i++)
        g_ptr_array_add (models, g_object_ref (g_ptr_array_index (of_list, i)));
    }
  g_hash_table_iter_init (&iter, self->child_models);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GPtrArray *of_parent = value;

      for (guint i = 0; i < of_parent->len; i++)
        g_ptr_array_add (models, g_object_ref (g_ptr_array_index (of_parent, i)));
    }
  /* The counts first: the tree models ask them as they are filled. */
  _cairn_pool_reload_subtask_counts (self);
  for (guint i = 0; i < models->len; i++)
    {
      reload_todo_model (self, g_ptr_array_index (models, i));
      g_object_unref (g_ptr_array_index (models, i));
    }
  reload_tag_views (self);
  _cairn_pool_reload_date_views (self);
  ok = TRUE;

out:
  for (guint i = 0; i < frozen->len; i++)
    g_object_thaw_notify (g_ptr_array_index (frozen, i));
  return ok;
}

static void
cairn_pool_dispose (GObject *object)
{
  CairnPool *self = (CairnPool *)object;

  g_clear_signal_handler (&self->changed_handler, self->store);

  G_OBJECT_CLASS (cairn_pool_parent_class)->dispose (object);
}

/* Todos that outlive the pool keep the notes they have read, if any. */
static void
detach_todos (GHashTable *todos)
{
  GHashTableIter iter;
  gpointer value;

  if (todos == NULL)
    return;
  g_hash_table_iter_init (&iter, todos);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    _cairn_todo_detach (value);
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
  g_clear_pointer (&self->select_tag, sqlite3_finalize);
  g_clear_pointer (&self->select_todo, sqlite3_finalize);
  g_clear_pointer (&self->select_note, sqlite3_finalize);
  g_clear_pointer (&self->select_note_version, sqlite3_finalize);
  g_clear_pointer (&self->select_note_body, sqlite3_finalize);
  g_clear_pointer (&self->select_todo_shown, sqlite3_finalize);
  g_clear_object (&self->list_model);
  g_clear_object (&self->tag_model);
  g_clear_object (&self->note_model);
  /* Todo models hold a reference on the pool, so none is left here. */
  g_clear_pointer (&self->todo_models, g_hash_table_unref);
  g_clear_pointer (&self->child_models, g_hash_table_unref);
  g_clear_pointer (&self->tag_views, g_hash_table_unref);
  g_clear_pointer (&self->date_views, g_ptr_array_unref);
  g_clear_pointer (&self->searches, g_ptr_array_unref);
  g_clear_pointer (&self->today, g_free);
  g_clear_pointer (&self->loaded_lists, g_hash_table_unref);
  _cairn_row_map_clear (&self->lists);
  _cairn_row_map_clear (&self->tags);
  detach_todos (self->todos.live);
  detach_todos (self->todos.ghosts);
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
  _cairn_row_map_init (&self->tags, self, tag_id_of);
  _cairn_row_map_init (&self->todos, self, todo_id_of);
  _cairn_row_map_init (&self->notes, self, note_id_of);
  self->todo_models = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify)g_ptr_array_unref);
  self->child_models = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify)g_ptr_array_unref);
  self->loaded_lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->tag_views = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify)g_ptr_array_unref);
  self->list_model = _cairn_row_model_new (CAIRN_TYPE_LIST, _cairn_pool_compare_list);
  self->tag_model = _cairn_row_model_new (CAIRN_TYPE_TAG, _cairn_pool_compare_tag);
  self->note_model = _cairn_row_model_new (CAIRN_TYPE_NOTE, _cairn_pool_compare_note);
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
      !prepare (self, SELECT_TAG, &self->select_tag, &error) ||
      !prepare (self, SELECT_TODO, &self->select_todo, &error) ||
      !prepare (self, SELECT_NOTE, &self->select_note, &error) ||
      !prepare (self, SELECT_NOTE_VERSION, &self->select_note_version, &error) ||
      !_cairn_pool_load_all (self, &error))
    g_warning ("%s", error->message);

  self->changed_handler = g_signal_connect_object (store, "changed",
                                                   G_CALLBACK (_cairn_pool_store_changed),
                                                   self, G_CONNECT_SWAPPED);
  return self;
}

/* The note's current text (see cairn_note_get_body()). */
char *
_cairn_pool_dup_todo_notes (CairnPool   *self,
                            const char  *id,
                            GError     **error)
{
  return cairn_store_dup_todo_notes (self->store, id, error);
}

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
      _cairn_pool_step_failed (self, self->select_note_body, error);
      sqlite3_reset (self->select_note_body);
      return NULL;
    }
  rc = sqlite3_step (self->select_note_body);
  if (rc == SQLITE_ROW)
    body = g_strdup (_cairn_pool_column_text (self->select_note_body, 0));
  else if (rc == SQLITE_DONE)
    g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                 "No note %s in %s", id, cairn_store_get_path (self->store));
  else
    _cairn_pool_step_failed (self, self->select_note_body, error);
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

static GListModel *
make_todo_model (CairnPool          *self,
                 CairnTodoModelKind  kind,
                 const char         *key)
{
  CairnTodoModel *model = _cairn_todo_model_new (self, kind, key);
  GHashTable *table = table_of (self, model);
  GPtrArray *models;

  models = g_hash_table_lookup (table, key);
  if (models == NULL)
    {
      models = g_ptr_array_new ();
      g_hash_table_insert (table, g_strdup (key), models);
    }
  g_ptr_array_add (models, model);

  reload_todo_model (self, model);
  return G_LIST_MODEL (model);
}

GListModel *
cairn_pool_get_todos (CairnPool  *self,
                      const char *list_id)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (list_id != NULL, NULL);

  return make_todo_model (self, CAIRN_TODO_MODEL_ALL, list_id);
}

GListModel *
cairn_pool_get_top_todos (CairnPool  *self,
                          const char *list_id)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (list_id != NULL, NULL);

  return make_todo_model (self, CAIRN_TODO_MODEL_TOP, list_id);
}

GListModel *
cairn_pool_get_subtasks (CairnPool  *self,
                         const char *todo_id)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (todo_id != NULL, NULL);

  return make_todo_model (self, CAIRN_TODO_MODEL_CHILDREN, todo_id);
}

CairnList *
cairn_pool_lookup_list (CairnPool  *self,
                        const char *id)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return g_hash_table_lookup (self->lists.live, id);
}

/* The todo @id from @stmt (SELECT_TODO), made and followed from now on
 * when it has no object yet (of a list not loaded). */
static CairnTodo *
obtain_todo (CairnPool    *self,
             sqlite3_stmt *stmt,
             const char   *id)
{
  g_autoptr(GError) error = NULL;
  CairnTodo *todo;
  gboolean live;

  todo = g_hash_table_lookup (self->todos.live, id);
  if (todo != NULL || stmt == NULL)
    return todo;
  if (!_cairn_pool_fetch_row (self, stmt, id, 5, &live, &error))
    {
      g_warning ("%s", error->message);
      sqlite3_reset (stmt);
      return NULL;
    }
  if (live)
    {
      gboolean created;

      todo = _cairn_row_map_obtain (&self->todos, id, _cairn_pool_create_todo, &created);
      _cairn_pool_update_todo (todo, stmt, 0);
    }
  sqlite3_reset (stmt);
  return todo;
}

CairnTodo *
cairn_pool_lookup_todo (CairnPool  *self,
                        const char *id)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return obtain_todo (self, self->select_todo, id);
}

/* A date view's item (cairn-pool-views.c), when a row shows it. */
CairnTodo *
_cairn_pool_obtain_todo (CairnPool  *self,
                         const char *id)
{
  if (self->select_todo_shown == NULL && !g_hash_table_contains (self->todos.live, id))
    {
      g_autoptr(GError) error = NULL;

      if (!prepare (self, SELECT_TODO, &self->select_todo_shown, &error))
        g_warning ("%s", error->message);
    }
  return obtain_todo (self, self->select_todo_shown, id);
}

CairnNote *
cairn_pool_lookup_note (CairnPool  *self,
                        const char *id)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return g_hash_table_lookup (self->notes.live, id);
}

GListModel *
cairn_pool_get_tags (CairnPool *self)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  return G_LIST_MODEL (self->tag_model);
}

CairnTag *
cairn_pool_lookup_tag (CairnPool  *self,
                       const char *id)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return g_hash_table_lookup (self->tags.live, id);
}

GPtrArray *
cairn_pool_list_subtasks (CairnPool  *self,
                          const char *todo_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  GPtrArray *todos;

  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (todo_id != NULL, NULL);

  ids = _cairn_store_list_children (cairn_pool_get_store (self), todo_id, FALSE, &error);
  if (ids == NULL)
    {
      g_warning ("Cannot read the subtasks of %s: %s", todo_id, error->message);
      return NULL;
    }
  todos = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < ids->len; i++)
    {
      CairnTodo *todo = cairn_pool_lookup_todo (self, ids->pdata[i]);

      if (todo != NULL)
        g_ptr_array_add (todos, g_object_ref (todo));
    }
  return todos;
}

/* The siblings of a todo by (position, id), from the index of its list
 * (top level) or of its parent, one row each way. The one before is the
 * last position before it and, among equal positions, the lowest id (as
 * a walk over the list in order keeps the first it meets). */
#define NEIGHBOUR_SQL(scope, cmp, order) \
  "SELECT id FROM todos WHERE " scope " AND NOT deleted AND " cmp " ORDER BY " order " LIMIT 1"
#define TOP_SCOPE "list_id = ?1 AND parent_id IS NULL"
#define CHILD_SCOPE "parent_id = ?2"
#define AFTER "(position > ?3 OR (position = ?3 AND id > ?4))"
#define BEFORE "(position < ?3 OR (position = ?3 AND id < ?4))"

static char *
read_neighbour (CairnPool  *self,
                const char *sql,
                CairnTodo  *todo)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  int rc;

  if (!prepare (self, sql, &stmt, &error))
    {
      g_warning ("%s", error->message);
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, cairn_todo_get_list_id (todo), -1, SQLITE_STATIC);
  if (cairn_todo_get_parent_id (todo) != NULL)
    sqlite3_bind_text (stmt, 2, cairn_todo_get_parent_id (todo), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, cairn_todo_get_position (todo), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, cairn_todo_get_id (todo), -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      _cairn_pool_step_failed (self, stmt, &error);
      g_warning ("%s", error->message);
    }
  return NULL;
}

void
cairn_pool_find_todo_neighbours (CairnPool  *self,
                                 CairnTodo  *todo,
                                 char      **before_id,
                                 char      **after_id)
{
  gboolean top;

  g_return_if_fail (CAIRN_IS_POOL (self));
  g_return_if_fail (CAIRN_IS_TODO (todo));

  top = cairn_todo_get_parent_id (todo) == NULL;
  if (before_id != NULL)
    *before_id = read_neighbour (self, top ? NEIGHBOUR_SQL (TOP_SCOPE, BEFORE, "position DESC, id ASC")
                                           : NEIGHBOUR_SQL (CHILD_SCOPE, BEFORE, "position DESC, id ASC"),
                                 todo);
  if (after_id != NULL)
    *after_id = read_neighbour (self, top ? NEIGHBOUR_SQL (TOP_SCOPE, AFTER, "position, id")
                                          : NEIGHBOUR_SQL (CHILD_SCOPE, AFTER, "position, id"),
                                todo);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-pool-private.h: how the pool creates and updates its row objects,
 * what it shares with its todo models, and what its own two files share
 * (cairn-pool.c: objects, loading, look-ups; cairn-pool-changes.c:
 * following the store's ::changed).
 *
 * The row objects are read-only to everyone else. Each setter stores the new
 * value and emits ::notify for that property only when the value really
 * changed; it returns whether it did. Callers that set several properties
 * wrap them in g_object_freeze_notify()/g_object_thaw_notify().
 */
#pragma once

#include "cairn-list.h"
#include "cairn-tag.h"
#include "cairn-todo.h"
#include "cairn-note.h"
#include "cairn-pool.h"
#include "cairn-search-model.h"
#include "cairn-todo-model.h"
#include "cairn-row-map.h"
#include "cairn-row-model.h"
#include "cairn-sqlite.h"

G_BEGIN_DECLS

CairnList *_cairn_list_new           (const char *id);
gboolean   _cairn_list_set_title     (CairnList *self, const char *title);
gboolean   _cairn_list_set_position  (CairnList *self, const char *position);
CairnTag  *_cairn_tag_new            (const char *id);
gboolean   _cairn_tag_set_name       (CairnTag *self, const char *name);
gboolean   _cairn_tag_set_color      (CairnTag *self, const char *color);

/* A todo reads its notes through its pool, as a note reads its body. */
CairnTodo *_cairn_todo_new           (CairnPool *pool, const char *id);
void       _cairn_todo_detach        (CairnTodo *self);
gboolean   _cairn_todo_set_notes_version (CairnTodo *self, gconstpointer version, gsize size);
char      *_cairn_pool_dup_todo_notes (CairnPool *self, const char *id, GError **error);
gboolean   _cairn_todo_set_list_id   (CairnTodo *self, const char *list_id);
gboolean   _cairn_todo_set_title     (CairnTodo *self, const char *title);
gboolean   _cairn_todo_set_position  (CairnTodo *self, const char *position);
gboolean   _cairn_todo_set_done      (CairnTodo *self, gboolean done);
gboolean   _cairn_todo_set_due       (CairnTodo *self, const char *due);
gboolean   _cairn_todo_set_priority  (CairnTodo *self, const char *priority);
/* tag_ids: space-separated, NULL for none */
gboolean   _cairn_todo_set_tag_ids   (CairnTodo *self, const char *tag_ids);
gboolean   _cairn_todo_set_parent_id (CairnTodo *self, const char *parent_id);
gboolean   _cairn_todo_set_times     (CairnTodo *self, const char *due_time, const char *reminder,
                                      gboolean reminder_dismissed, const char *repeat);
/* The subtask counts (cairn-pool-subtasks.c): whether they are known;
 * set them (known from now on; notified when they changed from known
 * ones); forget them (notified: read again when next asked for). */
gboolean   _cairn_todo_get_subtasks_known (CairnTodo *self);
gboolean   _cairn_todo_set_subtask_counts (CairnTodo *self, guint n, guint n_done);
void       _cairn_todo_forget_subtask_counts (CairnTodo *self);

/* A note reads its body through its pool, when asked for it. The version
 * is the note's text version as note_versions holds it (NULL: never
 * edited); a new one drops the cached body and notifies "body". */
CairnNote *_cairn_note_new           (CairnPool *pool, const char *id);
void       _cairn_note_detach        (CairnNote *self);
gboolean   _cairn_note_set_title     (CairnNote *self, const char *title);
gboolean   _cairn_note_set_version   (CairnNote *self, gconstpointer version, gsize size);
gboolean   _cairn_note_set_pinned    (CairnNote *self, gboolean pinned);
/* row: notes.edited_at, else note_versions.edited_at (the larger counts) */
gboolean   _cairn_note_set_edited_at (CairnNote *self, gboolean row, gint64 edited_at);
/* What "edited-at" would be with this text edited_at. */
gint64     _cairn_note_edited_at_with_text (CairnNote *self, gint64 text_edited_at);
char      *_cairn_pool_dup_note_body (CairnPool *self, const char *id, GError **error);

/* For the todo models (cairn-todo-model.c): a model leaving its pool, and
 * the live todos of list_id, sorted by (position, id), in a new array. */
void       _cairn_pool_forget_todo_model (CairnPool *self, CairnTodoModel *model);
GPtrArray *_cairn_pool_list_todos    (CairnPool *self, const char *list_id);
/* What a model picks its items from, sorted by (position, id), in a new
 * array: the todos of its list (the parent's list for CHILDREN; none when
 * the parent is not live), read first if need be. */
GPtrArray *_cairn_pool_todo_model_candidates (CairnPool *self, CairnTodoModel *model);

/* Replaces *field with a copy of value and returns TRUE when they differ
 * (NULL equals only NULL). */
gboolean   _cairn_set_string         (char **field, const char *value);

/* Inside the pool (cairn-pool.c, cairn-pool-changes.c) */

struct _CairnPool
{
  GObject         parent_instance;
  CairnStore     *store;
  gulong          changed_handler;
  CairnRowMap     lists;
  CairnRowMap     todos;
  CairnRowMap     notes;
  CairnRowMap     tags;
  CairnRowModel  *tag_model;
  sqlite3_stmt   *select_tag;
  CairnRowModel  *list_model;
  CairnRowModel  *note_model;
  GHashTable     *todo_models;  /* list id -> GPtrArray of CairnTodoModel (weak) */
  GHashTable     *child_models; /* parent todo id -> GPtrArray of CairnTodoModel (weak) */
  GHashTable     *tag_views;    /* tag id -> GPtrArray of CairnRowModel of todos (weak) */
  GHashTable     *loaded_lists; /* list ids whose todos are all in todos.live */
  sqlite3_stmt   *select_list;
  sqlite3_stmt   *select_todo;
  sqlite3_stmt   *select_note;
  sqlite3_stmt   *select_note_version;
  sqlite3_stmt   *select_note_body;  /* prepared when first needed */
  /* The date views (cairn-pool-views.c): CairnDateView * (weak), NULL
   * until one is made; the date they count from ("YYYY-MM-DD", NULL: the
   * clock's); the statement their items are read with. */
  GPtrArray      *date_views;
  sqlite3_stmt   *select_todo_shown;
  char           *today;
  GPtrArray      *searches;  /* CairnSearchModel (weak), NULL until one is made */
};

/* The date views, Today and Upcoming (cairn-pool-views.c), models of
 * their own (CairnDateView, sort keys and ids) that need no object of
 * the todos they hold. For each changed todo, whether it has an object
 * or not, its new values (live FALSE: deleted or gone), remembered by
 * the views it was in or now belongs in; flushed (out at the old keys,
 * in at the new ones, one ::items-changed each) in phase 3; and
 * everything read again (a reset, a list deleted or restored). */
void       _cairn_pool_date_views_change   (CairnPool *self, const char *id, gboolean live,
                                            const char *list_id, const char *due,
                                            const char *due_time, const char *position,
                                            gboolean done);
void       _cairn_pool_date_views_flush    (CairnPool *self);
void       _cairn_pool_reload_date_views   (CairnPool *self);
/* (cairn-pool.c) The todo @id, made and followed from now on if need be
 * (as cairn_pool_lookup_todo()), with a statement of its own, so that a
 * view may ask while the pool is reading a change; NULL when not live. */
CairnTodo *_cairn_pool_obtain_todo         (CairnPool *self, const char *id);

/* The Search views (cairn-search-model.c, cairn-pool-views.c): made, run
 * again after a change of todos, notes or lists (changes NULL: a reset)
 * once the thread-default main context of their making is next idle,
 * and forgotten when disposed. */
CairnSearchModel *_cairn_search_model_new     (CairnPool *pool, guint limit);
void       _cairn_search_model_queue_refresh (CairnSearchModel *self);
/* Whether a refresh is queued (tests). */
gboolean   _cairn_search_model_is_pending  (CairnSearchModel *self);
void       _cairn_pool_refresh_searches    (CairnPool *self, CairnChanges *changes);
void       _cairn_pool_forget_search       (CairnPool *self, CairnSearchModel *model);

/* Lists by (position, id). */
int        _cairn_pool_compare_list  (gconstpointer a, gconstpointer b);

/* A new object for the row @id (the pool's CairnRowMap constructors). */
gpointer   _cairn_pool_create_list   (CairnPool *p, const char *id);
gpointer   _cairn_pool_create_todo   (CairnPool *p, const char *id);
gpointer   _cairn_pool_create_note   (CairnPool *p, const char *id);
gpointer   _cairn_pool_create_tag    (CairnPool *p, const char *id);
void       _cairn_pool_update_tag    (gpointer tag, sqlite3_stmt *stmt, int first);
/* The views of the todos carrying a tag (cairn_pool_get_tagged_todos()):
 * whether one of the tags in @tag_ids (space-separated, as the pool's
 * SELECT_TODO reads them) has a view; and, after a change of the todos in
 * @work (an array of (CairnTodo *, gboolean live) pairs), each view takes
 * in or lets go of them. */
gboolean   _cairn_pool_tag_views_want (CairnPool *self, const char *tag_ids);
void       _cairn_pool_update_tag_views (CairnPool *self, GPtrArray *todos, GArray *live);
/* Tags by (name, id). */
int        _cairn_pool_compare_tag   (gconstpointer a, gconstpointer b);
/* Stores the values of a row into its object; the row's columns start at
 * @first, in the order of the pool's SELECT_* statements. */
void       _cairn_pool_update_list   (gpointer list, sqlite3_stmt *stmt, int first);
void       _cairn_pool_update_todo   (gpointer todo, sqlite3_stmt *stmt, int first);
void       _cairn_pool_update_note   (gpointer note, sqlite3_stmt *stmt, int first);
/* The notes model's order: pinned, last edited, id (all descending). */
int        _cairn_pool_compare_note  (gconstpointer a, gconstpointer b);
/* A note's text version from column @col (NULL: never edited). */
void       _cairn_pool_set_note_version (CairnNote *note, sqlite3_stmt *stmt, int col);

static inline const char *
_cairn_pool_column_text (sqlite3_stmt *stmt,
                         int           col)
{
  return (const char *) sqlite3_column_text (stmt, col);
}

/* Sets @error to a failed read of @stmt. */
void       _cairn_pool_step_failed   (CairnPool *self, sqlite3_stmt *stmt, GError **error);
/* Steps a "one row by id" statement; TRUE with *live set on success. */
gboolean   _cairn_pool_fetch_row     (CairnPool *self, sqlite3_stmt *stmt, const char *id,
                                      int deleted_col, gboolean *live, GError **error);

/* The models showing todos of @list_id, in a new array holding references:
 * a signal handler may drop a model while we emit on another. */
GPtrArray *_cairn_pool_todo_models_snapshot (CairnPool *self, const char *list_id);
/* The same for the models of a todo's children (parent_id NULL: none). */
GPtrArray *_cairn_pool_child_models_snapshot (CairnPool *self, const char *parent_id);
/* Whether the pool follows this todo: its list is loaded, or it has an
 * object already (live, or a ghost someone still holds). */
gboolean   _cairn_pool_todo_loaded   (CairnPool *self, const char *id, const char *list_id);
/* Everything from scratch: at start and after a rebuild. */
gboolean   _cairn_pool_load_all      (CairnPool *self, GError **error);

/* Subtask counts (cairn-pool-subtasks.c). Counts @todo's live children
 * (each gets its object, followed from then on). */
void       _cairn_pool_count_subtasks (CairnPool *self, CairnTodo *todo);
/* Counts every todo of @todos (all the live todos of one list) in one
 * pass over them. */
void       _cairn_pool_count_list_subtasks (CairnPool *self, GPtrArray *todos);
/* After a change: counts again those of @parents (ids) whose counts are
 * known, freezing their notifications into @frozen; one that gained its
 * first child is announced again in its tree models (one that lost its
 * last is not: cairn-pool-subtasks.c says why). */
void       _cairn_pool_recount_subtasks (CairnPool *self, GHashTable *parents, GPtrArray *frozen);
/* After a reset: the todos of loaded lists counted again, the others'
 * counts forgotten. */
void       _cairn_pool_reload_subtask_counts (CairnPool *self);

/* The handler of the store's ::changed (connected swapped). */
void       _cairn_pool_store_changed (CairnPool *self, CairnChanges *changes, CairnStore *store);

G_END_DECLS

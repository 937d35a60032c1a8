/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-pool.h: the object pool over a CairnStore.
 *
 * One GObject per live row (identity map: the same id gives the same object
 * for as long as anyone holds it) and GListModels the UI binds to. After each
 * store commit, rebase or rebuild exactly the changed objects notify and
 * exactly the changed ranges emit ::items-changed. Lists and notes are read
 * at once; a list's todos when a model of that list (or one of its todos by
 * id) is first asked for.
 */
#pragma once

#include <gio/gio.h>
#include "cairn-store.h"
#include "cairn-list.h"
#include "cairn-tag.h"
#include "cairn-todo.h"
#include "cairn-note.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_POOL (cairn_pool_get_type ())
G_DECLARE_FINAL_TYPE (CairnPool, cairn_pool, CAIRN, POOL, GObject)

CairnPool  *cairn_pool_new          (CairnStore *store);
CairnStore *cairn_pool_get_store    (CairnPool  *self);

/* Live models, transfer none, owned by the pool. */
GListModel *cairn_pool_get_lists    (CairnPool  *self);  /* CairnList, by position, not deleted */
GListModel *cairn_pool_get_notes    (CairnPool  *self);  /* CairnNote, newest first, not deleted */

/* The todos of one list, by position, not deleted; transfer full. The model
 * has a boolean property "show-completed" (default TRUE). */
GListModel *cairn_pool_get_todos    (CairnPool  *self,
                                     const char *list_id);
void        cairn_todo_model_set_show_completed (GListModel *todos,
                                                 gboolean    show_completed);
/* The same for a tree: the top-level todos of a list, and the children
 * (subtasks) of one todo, wherever it goes (empty while it is not live;
 * a todo that gets children later fills it). Both by position, live,
 * updated on commit, rebase and rebuild like cairn_pool_get_todos();
 * transfer full, with "show-completed". */
GListModel *cairn_pool_get_top_todos (CairnPool *self, const char *list_id);
GListModel *cairn_pool_get_subtasks  (CairnPool *self, const char *todo_id);

/* Transfer none; NULL when there is no live row with that id. */
CairnList  *cairn_pool_lookup_list  (CairnPool  *self, const char *id);
/* The workspace's tags, not deleted, by (name, id); updated on commit and
 * rebase like the lists. */
GListModel *cairn_pool_get_tags     (CairnPool  *self);
CairnTag   *cairn_pool_lookup_tag   (CairnPool  *self, const char *id);
/* The "Tag" view: every live todo that carries the tag (completed ones
 * too), from every list, oldest first (by id); transfer full. Updated on
 * commit and rebase by the todos that changed, as the lists' models are. */
GListModel *cairn_pool_get_tagged_todos (CairnPool *self, const char *tag_id);
CairnTodo  *cairn_pool_lookup_todo  (CairnPool  *self, const char *id);
CairnNote  *cairn_pool_lookup_note  (CairnPool  *self, const char *id);

/* The live subtasks (children) of a todo in position order: a new array
 * holding a reference to each CairnTodo, read once (not followed; see
 * cairn_pool_get_subtasks() for a live model); NULL with a warning when
 * the store cannot be read. */
GPtrArray  *cairn_pool_list_subtasks (CairnPool *self, const char *todo_id);

/* The live todos just before and after @todo among its siblings (same
 * list and parent, completed ones included) by (position, id), as new
 * ids (NULL: none), read from the store's index (a few rows, however
 * long the list): what recording a todo's place needs. Of equal
 * positions before it, the lowest id. */
void        cairn_pool_find_todo_neighbours (CairnPool  *self,
                                             CairnTodo  *todo,
                                             char      **before_id,
                                             char      **after_id);

/* The date views (cairn-pool-views.c), transfer full, of the open todos
 * of live lists, by (due date, position, id), updated on commit and rebase
 * change by change. "Today": due today or before (overdue first).
 * "Upcoming": due in the @days days after today (1 … 366; the app shows
 * 14); each item's "due" is the day it is listed under, so a UI without
 * list sections puts a header where "due" changes. Today is the local
 * date when the pool first needs it, or the one set here ("YYYY-MM-DD";
 * NULL: read the clock again): the app calls this at midnight and the
 * views move on to the new day (each view emits one ::items-changed over
 * what differs). A view holds sort keys and ids, not objects: an item is
 * the pool's CairnTodo, made when first asked for (a row showing it) and
 * followed from then on, so building a view of thousands costs little
 * and iterating over all of it costs an object each. */
GListModel *cairn_pool_get_today_todos    (CairnPool *self);
GListModel *cairn_pool_get_upcoming_todos (CairnPool *self, guint days);
const char *cairn_pool_get_today          (CairnPool *self);
void        cairn_pool_set_today          (CairnPool *self, const char *date);

/* The Search view: a CairnSearchModel (cairn-search-model.h) of
 * CairnSearchResult, best first, at most @limit (0: all), for @text
 * (cairn_store_search()); transfer full. Run again after a commit,
 * rebase or rebuild that changes a todo, a note or a list, once per idle
 * of the thread-default main context it was made in (however many
 * changes came before), emitting one ::items-changed over the part that
 * differs. */
GListModel *cairn_pool_search             (CairnPool *self, const char *text, guint limit);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-todo-model.h: the todos of one list, by (position, id), optionally
 * without the completed ones.
 *
 * Internal to data/: others get one from cairn_pool_get_todos() and see a
 * GListModel (cairn_todo_model_set_show_completed() is in cairn-pool.h).
 * The model holds its pool; the pool holds its models weakly and keeps
 * them up to date (cairn-pool.c). */
#pragma once

#include "cairn-pool.h"
#include "cairn-row-model.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_TODO_MODEL (cairn_todo_model_get_type ())
G_DECLARE_FINAL_TYPE (CairnTodoModel, cairn_todo_model, CAIRN, TODO_MODEL, CairnRowModel)

/* An empty model of list_id's todos; the pool fills it. */
CairnTodoModel *_cairn_todo_model_new                (CairnPool      *pool,
                                                      const char     *list_id);
const char     *_cairn_todo_model_get_list_id        (CairnTodoModel *self);
gboolean        _cairn_todo_model_get_show_completed (CairnTodoModel *self);
/* Whether todo, with its current values, belongs in the model. */
gboolean        _cairn_todo_model_wants              (CairnTodoModel *self,
                                                      CairnTodo      *todo);
/* The order of the model: (position, id). */
int             _cairn_todo_compare                  (gconstpointer   a,
                                                      gconstpointer   b);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-todo-model.h: the todos of one list, by (position, id), optionally
 * without the completed ones: all of them, only the top-level ones, or the
 * children of one todo (wherever that todo goes).
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

typedef enum
{
  CAIRN_TODO_MODEL_ALL,       /* every todo of a list */
  CAIRN_TODO_MODEL_TOP,       /* the todos of a list with no parent */
  CAIRN_TODO_MODEL_CHILDREN,  /* the children of one todo */
} CairnTodoModelKind;

/* An empty model of list_id's todos (ALL, TOP) or of the children of the
 * todo key (CHILDREN); the pool fills it. */
CairnTodoModel *_cairn_todo_model_new                (CairnPool          *pool,
                                                      CairnTodoModelKind  kind,
                                                      const char         *key);
CairnTodoModelKind _cairn_todo_model_get_kind        (CairnTodoModel *self);
/* The list id (ALL, TOP), or the parent todo's id (CHILDREN). */
const char     *_cairn_todo_model_get_key            (CairnTodoModel *self);
/* The list id; NULL for a CHILDREN model. */
const char     *_cairn_todo_model_get_list_id        (CairnTodoModel *self);
gboolean        _cairn_todo_model_get_show_completed (CairnTodoModel *self);
/* Whether todo, with its current values, belongs in the model. */
gboolean        _cairn_todo_model_wants              (CairnTodoModel *self,
                                                      CairnTodo      *todo);
/* The order of the model: (position, id). */
int             _cairn_todo_compare                  (gconstpointer   a,
                                                      gconstpointer   b);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-pool-private.h: how the pool creates and updates its row objects,
 * and what it shares with its todo models.
 *
 * The row objects are read-only to everyone else. Each setter stores the new
 * value and emits ::notify for that property only when the value really
 * changed; it returns whether it did. Callers that set several properties
 * wrap them in g_object_freeze_notify()/g_object_thaw_notify().
 */
#pragma once

#include "cairn-list.h"
#include "cairn-todo.h"
#include "cairn-note.h"
#include "cairn-pool.h"
#include "cairn-todo-model.h"

G_BEGIN_DECLS

CairnList *_cairn_list_new           (const char *id);
gboolean   _cairn_list_set_title     (CairnList *self, const char *title);
gboolean   _cairn_list_set_position  (CairnList *self, const char *position);

CairnTodo *_cairn_todo_new           (const char *id);
gboolean   _cairn_todo_set_list_id   (CairnTodo *self, const char *list_id);
gboolean   _cairn_todo_set_title     (CairnTodo *self, const char *title);
gboolean   _cairn_todo_set_position  (CairnTodo *self, const char *position);
gboolean   _cairn_todo_set_done      (CairnTodo *self, gboolean done);
gboolean   _cairn_todo_set_due       (CairnTodo *self, const char *due);

/* A note reads its body through its pool, when asked for it. The version
 * is the note's text version as note_versions holds it (NULL: never
 * edited); a new one drops the cached body and notifies "body". */
CairnNote *_cairn_note_new           (CairnPool *pool, const char *id);
void       _cairn_note_detach        (CairnNote *self);
gboolean   _cairn_note_set_title     (CairnNote *self, const char *title);
gboolean   _cairn_note_set_version   (CairnNote *self, gconstpointer version, gsize size);
char      *_cairn_pool_dup_note_body (CairnPool *self, const char *id, GError **error);

/* For the todo models (cairn-todo-model.c): a model leaving its pool, and
 * the live todos of list_id, sorted by (position, id), in a new array. */
void       _cairn_pool_forget_todo_model (CairnPool *self, CairnTodoModel *model);
GPtrArray *_cairn_pool_list_todos    (CairnPool *self, const char *list_id);

/* Replaces *field with a copy of value and returns TRUE when they differ
 * (NULL equals only NULL). */
gboolean   _cairn_set_string         (char **field, const char *value);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-todo-view.h: the tasks of one list: an entry that adds a task on
 * Enter above a GtkListView bound to the pool's model of the list, or a
 * placeholder when there is nothing to show. */
#pragma once

#include <adwaita.h>

#include "cairn-pool.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_TODO_VIEW (cairn_todo_view_get_type ())
G_DECLARE_FINAL_TYPE (CairnTodoView, cairn_todo_view, CAIRN, TODO_VIEW, GtkWidget)

GtkWidget  *cairn_todo_view_new               (CairnPool     *pool);
/* NULL: show nothing. */
void        cairn_todo_view_set_list_id       (CairnTodoView *self,
                                               const char    *list_id);
const char *cairn_todo_view_get_list_id       (CairnTodoView *self);
void        cairn_todo_view_set_show_completed (CairnTodoView *self,
                                                gboolean       show_completed);
/* Puts the keyboard focus in the new-task entry. */
void        cairn_todo_view_focus_entry       (CairnTodoView *self);

G_END_DECLS

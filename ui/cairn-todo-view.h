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
/* The view leaves the screen for another page (Today, a tag…): its list
 * stays bound, so that coming back to it costs nothing (taking 200 rows
 * down and making them again was a fifth of switching to Today), and its
 * new-task entry is emptied as when another list is opened. */
void        cairn_todo_view_park              (CairnTodoView *self);
void        cairn_todo_view_set_show_completed (CairnTodoView *self,
                                                gboolean       show_completed);
/* Shows only the tasks filter keeps (NULL: all); also the writable
 * property "filter", which the find bar sets (cairn-find-bar.h). */
void        cairn_todo_view_set_filter        (CairnTodoView *self,
                                               GtkFilter     *filter);
/* Scrolls to the task todo_id and gives its row the keyboard focus (at
 * the next frame, once the row is made); FALSE when the view does not
 * show it. */
gboolean    cairn_todo_view_reveal_todo       (CairnTodoView *self,
                                               const char    *todo_id);
/* Puts the keyboard focus in the new-task entry. */
void        cairn_todo_view_focus_entry       (CairnTodoView *self);

G_END_DECLS

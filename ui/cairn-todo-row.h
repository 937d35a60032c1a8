/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-todo-row.h: one task in a list: done check, title renamed inline,
 * due date with a calendar popover, and a menu (due date, move, delete).
 * Changes go to the store; the row follows the CairnTodo it shows. */
#pragma once

#include <adwaita.h>

#include "cairn-pool.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_TODO_ROW (cairn_todo_row_get_type ())
G_DECLARE_FINAL_TYPE (CairnTodoRow, cairn_todo_row, CAIRN, TODO_ROW, GtkWidget)

GtkWidget *cairn_todo_row_new      (CairnPool    *pool);
CairnTodo *cairn_todo_row_get_todo (CairnTodoRow *self);
void       cairn_todo_row_set_todo (CairnTodoRow *self,
                                    CairnTodo    *todo);
/* Smart views (Today, Upcoming, a tag) gather tasks from every list: the
 * row then names the task's list under its title. Call before the row is
 * shown; default FALSE. */
void       cairn_todo_row_set_show_list (CairnTodoRow *self,
                                         gboolean      show_list);
/* Makes the row's widgets now rather than when it is first laid out on
 * screen: for the rows a hidden page will show first (perf14b). */
void       cairn_todo_row_prepare  (CairnTodoRow *self);
/* "Today", "Tomorrow", … or a date, for "YYYY-MM-DD"; NULL for bad input. */
char      *cairn_format_due        (const char   *due,
                                    GDateTime    *now);

G_END_DECLS

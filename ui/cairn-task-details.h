/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-task-details.h: the details pane of one task: title, subtasks,
 * tags, priority, due date and time, reminder, repeat and notes. Every
 * edit is one store call (one event); the pane follows the task's live
 * CairnTodo and closes itself (todo-id becomes NULL) when the task goes. */
#pragma once

#include <adwaita.h>

#include "cairn-note-buffer.h"
#include "cairn-pool.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_TASK_DETAILS (cairn_task_details_get_type ())
G_DECLARE_FINAL_TYPE (CairnTaskDetails, cairn_task_details, CAIRN, TASK_DETAILS, GtkWidget)

GtkWidget       *cairn_task_details_new         (void);
/* The pool shown (NULL: none); closes the task shown. */
void             cairn_task_details_set_pool    (CairnTaskDetails *self,
                                                 CairnPool        *pool);
/* Shows the live todo todo_id (NULL closes; the notes typed so far are
 * committed). FALSE when there is no such live todo (nothing changes).
 * Property "todo-id". */
gboolean         cairn_task_details_set_todo_id (CairnTaskDetails *self,
                                                 const char       *todo_id);
const char      *cairn_task_details_get_todo_id (CairnTaskDetails *self);
/* The notes being edited (for tests), NULL when closed. */
CairnNoteBuffer *cairn_task_details_get_notes_buffer (CairnTaskDetails *self);

/* "H:MM" or "HH:MM" as "HH:MM" (00:00 to 23:59); NULL for anything else. */
char            *cairn_parse_time_of_day        (const char *text);
/* A repeat rule (cairn-times.h) in words: "Every 2 weeks on Mon, Wed". */
char            *cairn_format_repeat            (const char *rule);

G_END_DECLS

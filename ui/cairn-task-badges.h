/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-task-badges.h: the small line under a task row's title: subtask
 * progress ("2/5"), priority, up to three tag chips ("+2" for the rest),
 * repeat and due time, each with an accessible name. Hidden when there is
 * nothing to show. It follows the todo, its subtasks and its tags. */
#pragma once

#include <adwaita.h>

#include "cairn-pool.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_TASK_BADGES (cairn_task_badges_get_type ())
G_DECLARE_FINAL_TYPE (CairnTaskBadges, cairn_task_badges, CAIRN, TASK_BADGES, GtkWidget)

GtkWidget *cairn_task_badges_new      (CairnPool       *pool);
void       cairn_task_badges_set_todo (CairnTaskBadges *self,
                                       CairnTodo       *todo);

G_END_DECLS

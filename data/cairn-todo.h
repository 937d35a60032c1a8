/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-todo.h: one todo row, as the pool keeps it. Read-only properties:
 * "id", "list-id", "title", "position", "done", "due" (YYYY-MM-DD or NULL),
 * "priority" (none, low, medium, high), "tag-ids" (its live tags' ids,
 * ordered by the tags' names; cairn_pool_lookup_tag() gives the tag),
 * "parent-id" (the parent todo, NULL at the top level of its list),
 * "due-time" (HH:MM or NULL), "reminder" (YYYY-MM-DDTHH:MM±HH:MM or NULL),
 * "reminder-dismissed", "repeat" (a repeat rule, cairn-times.h, or NULL),
 * "notes" (the task's notes, read when asked for; notified when they
 * change), "n-subtasks" and "n-subtasks-done" (its live subtasks, and
 * how many of them are done; kept by the pool, notified when they
 * change). */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CAIRN_TYPE_TODO (cairn_todo_get_type ())
G_DECLARE_FINAL_TYPE (CairnTodo, cairn_todo, CAIRN, TODO, GObject)

const char *cairn_todo_get_id       (CairnTodo *self);
const char *cairn_todo_get_list_id  (CairnTodo *self);
const char *cairn_todo_get_title    (CairnTodo *self);
const char *cairn_todo_get_position (CairnTodo *self);
gboolean    cairn_todo_get_done     (CairnTodo *self);
const char *cairn_todo_get_due      (CairnTodo *self);
const char *cairn_todo_get_priority (CairnTodo *self);
/* NULL-terminated, never NULL */
const char * const *cairn_todo_get_tag_ids (CairnTodo *self);
/* The parent todo (same list), NULL at the top level. */
const char *cairn_todo_get_parent_id (CairnTodo *self);
/* Due times, reminders and repeats (docs/events.md) */
const char *cairn_todo_get_due_time  (CairnTodo *self);
const char *cairn_todo_get_reminder  (CairnTodo *self);
gboolean    cairn_todo_get_reminder_dismissed (CairnTodo *self);
const char *cairn_todo_get_repeat    (CairnTodo *self);
/* The todo's notes ("" when none), as cairn_note_get_body() reads a body. */
const char *cairn_todo_get_notes    (CairnTodo *self);
/* Its live subtasks (children, completed ones included) and how many of
 * them are done: the pool counts them with the todo's list, or the first
 * time they are asked for, and keeps them up to date on commit, rebase
 * and rebuild, so that reading them costs nothing. */
guint       cairn_todo_get_n_subtasks      (CairnTodo *self);
guint       cairn_todo_get_n_subtasks_done (CairnTodo *self);

G_END_DECLS

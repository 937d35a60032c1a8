/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-undo.h: undo and redo of this device's own actions, in the
 * store (docs/store.md, "Undo and redo"; issue 15).
 *
 * Every local commit is recorded as an action on a persistent stack (per
 * device and workspace: the workspace file), with what it wrote and what
 * it replaced, field by field. Undo emits new, ordinary events that put
 * back what the action replaced, only for fields that still hold what the
 * action wrote; a field changed elsewhere since is left and reported.
 * Typing (note bodies, a task's notes) is undone at the text CRDT level.
 * Redo re-applies an undone action with the same rule. */
#pragma once

#include "cairn-store.h"

G_BEGIN_DECLS

/* At least this many actions are kept (older ones are forgotten). */
#define CAIRN_UNDO_MAX_ACTIONS 200
/* Typing in one note (or one task's notes) is one action until a pause of
 * more than this (event times, ms) or cairn_store_break_typing(). */
#define CAIRN_UNDO_TYPING_PAUSE_MS 1500

typedef enum
{
  CAIRN_UNDO_LEFT_CHANGED,  /* changed since, elsewhere: left as it is */
  CAIRN_UNDO_LEFT_DELETED,  /* the object was deleted since: nothing restored */
  CAIRN_UNDO_LEFT_GONE,     /* where it would go back (a list, a parent) is deleted */
  CAIRN_UNDO_LEFT_FINAL,    /* cannot be put back (a deleted tag) */
} CairnUndoReason;

typedef struct
{
  char            *kind;    /* "todo", "list", "note", "tag" */
  char            *id;
  char            *field;   /* "title", "done", "place", "due", "priority",
                             * "reminder", "repeat", "pinned",
                             * "name", "color", "tag", "text"; "deleted" or
                             * "restored" for what undo deleted or restored
                             * (in changed), "deleted" (in left) */
  CairnUndoReason  reason;  /* in left only */
  char            *device;  /* CHANGED: the device's name as the server
                             * gave it, or NULL when not known */
} CairnUndoItem;

typedef struct
{
  gboolean   redo;
  gint64     action_id;
  GPtrArray *changed;       /* CairnUndoItem*: what was put back */
  GPtrArray *left;          /* CairnUndoItem*: what was left, and why */
} CairnUndoResult;

void             cairn_undo_result_free    (CairnUndoResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnUndoResult, cairn_undo_result_free)
/* {"action":N,"redo":b,"changed":[{kind,id,field}],"left":[{kind,id,
 * field,reason,device,message}]}, one line. */
char            *cairn_undo_result_to_json (const CairnUndoResult *result);
/* An English sentence for cairn-cli ("Title was changed on laptop since;
 * left as it is"). The app says it in its own translated words. */
char            *cairn_undo_item_describe  (const CairnUndoItem *item,
                                            gboolean             left);

/* Groups every commit until the matching end into one action (nests). */
void             cairn_store_begin_action  (CairnStore *self);
void             cairn_store_end_action    (CairnStore *self);
/* The next typing starts a new action (a cursor jump in the editor). */
void             cairn_store_break_typing  (CairnStore *self);

/* How many actions can be undone / redone now (0 on error). */
guint            cairn_store_get_n_undo    (CairnStore *self);
guint            cairn_store_get_n_redo    (CairnStore *self);

/* Whether the newest action not undone changed @object_id (a deletion's
 * Undo toast undoes it only then). */
gboolean         cairn_store_undo_top_is   (CairnStore *self,
                                            const char *object_id);

/* Undoes the newest action not undone / redoes the oldest undone one, as
 * one commit. NULL with CAIRN_STORE_ERROR_NOT_FOUND when there is nothing
 * to undo / redo. An undo (redo) that puts nothing back (all left) forgets
 * the action. */
CairnUndoResult *cairn_store_undo          (CairnStore  *self,
                                            GError     **error);
CairnUndoResult *cairn_store_redo          (CairnStore  *self,
                                            GError     **error);

G_END_DECLS

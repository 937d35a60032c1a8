/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window-undo.h: the window's undo history (Ctrl+Z, Ctrl+Shift+Z).
 *
 * Every change a person makes in the window is pushed here as "field F of
 * object ID was BEFORE, is now AFTER". Undo puts BEFORE back through the
 * store's API (a new event, like any change), Redo puts AFTER back; when
 * that is no longer possible (the object was deleted on another device)
 * a toast says so and the history moves on. Typing in a text field or a
 * note's body is left to that widget's own undo. */
#pragma once

#include <gtk/gtk.h>

#include "cairn-pool.h"

G_BEGIN_DECLS

/* What changed, and the GVariant type of its values. */
typedef enum
{
  CAIRN_UNDO_TODO_TITLE,    /* "s" */
  CAIRN_UNDO_TODO_DONE,     /* "b" */
  CAIRN_UNDO_TODO_DELETED,  /* "b" */
  CAIRN_UNDO_TODO_DUE,      /* "ms": the due date, nothing for none */
  /* "(msmsmsms)": list id, parent id (nothing: top level), and the
   * sibling it was right before, or right after (either may be nothing;
   * both nothing: the end). A sibling that is gone puts it at the end. */
  CAIRN_UNDO_TODO_PLACE,
  CAIRN_UNDO_LIST_TITLE,    /* "s" */
  CAIRN_UNDO_LIST_DELETED,  /* "b" */
  /* "(msms)": the list it was right before, or right after (both
   * nothing: the end). A neighbour that is gone puts it at the end. */
  CAIRN_UNDO_LIST_PLACE,
  CAIRN_UNDO_NOTE_TITLE,    /* "s" */
  CAIRN_UNDO_NOTE_DELETED,  /* "b" */
  CAIRN_UNDO_NOTE_PINNED,   /* "b" */
  CAIRN_UNDO_CUSTOM,        /* any: _cairn_window_push_undo_custom() */
} CairnUndoField;

/* Puts @value (a "before" to undo, an "after" to redo) back through the
 * store, as a new event; FALSE with @error when the store refuses. */
typedef gboolean (*CairnUndoApply) (CairnStore  *store,
                                    const char  *id,
                                    GVariant    *value,
                                    GError     **error);

/* Records a change just made (after the store took it) in the history of
 * the window @widget is in (nothing when it is in none). @before and
 * @after are kept with g_variant_ref_sink() (a floating one is taken, the
 * caller keeps its own reference to another). Forgets what could be
 * redone. */
void     _cairn_window_push_undo         (GtkWidget      *widget,
                                          CairnUndoField  field,
                                          const char     *id,
                                          GVariant       *before,
                                          GVariant       *after);

/* Any other field (a priority, tags, a reminder…): @apply_func puts a
 * value back; @kind and @id name the object, so that an undo of an object
 * deleted meanwhile says so instead of calling it. */
void     _cairn_window_push_undo_custom  (GtkWidget       *widget,
                                          CairnObjectKind  kind,
                                          const char      *id,
                                          CairnUndoApply   apply_func,
                                          GVariant        *before,
                                          GVariant        *after);

/* Shorthands for the hooks in the actions and rows. */
void     _cairn_window_push_undo_deleted (GtkWidget      *widget,
                                          CairnUndoField  field,
                                          const char     *id);
void     _cairn_window_push_undo_title   (GtkWidget      *widget,
                                          CairnUndoField  field,
                                          const char     *id,
                                          const char     *before,
                                          const char     *after);
void     _cairn_window_push_undo_pin     (GtkWidget      *widget,
                                          const char     *note_id,
                                          gboolean        was_pinned);

/* The store's calls (cairn-store.h) that also record the change in the
 * history of @widget's window: drop-in replacements for the calls, the
 * value they replace read from @pool before. */
gboolean _cairn_undo_set_todo_done (GtkWidget *widget, CairnPool *pool, const char *todo_id,
                                    gboolean done, GError **error);
gboolean _cairn_undo_rename_todo   (GtkWidget *widget, CairnPool *pool, const char *todo_id,
                                    const char *title, GError **error);
gboolean _cairn_undo_set_todo_due  (GtkWidget *widget, CairnPool *pool, const char *todo_id,
                                    const char *due, GError **error);
gboolean _cairn_undo_move_todo     (GtkWidget *widget, CairnPool *pool, const char *todo_id,
                                    const char *list_id, const char *before_id,
                                    const char *after_id, GError **error);
gboolean _cairn_undo_move_todo_under (GtkWidget *widget, CairnPool *pool, const char *todo_id,
                                      const char *list_id, const char *parent_id,
                                      const char *before_id, const char *after_id,
                                      GError **error);
gboolean _cairn_undo_rename_list   (GtkWidget *widget, CairnPool *pool, const char *list_id,
                                    const char *title, GError **error);
gboolean _cairn_undo_move_list     (GtkWidget *widget, CairnPool *pool, const char *list_id,
                                    const char *before_id, const char *after_id,
                                    GError **error);
gboolean _cairn_undo_rename_note   (GtkWidget *widget, CairnPool *pool, const char *note_id,
                                    const char *title, GError **error);
/* After a deletion offered with an Undo toast (restore_action
 * "win.restore-task", "-list" or "-note"). */
void     _cairn_window_push_undo_restorable (GtkWidget *widget, const char *restore_action,
                                             const char *id);
/* The place of a todo now, as CAIRN_UNDO_TODO_PLACE records it. */
GVariant *_cairn_undo_todo_place   (CairnPool *pool, CairnTodo *todo);

/* For the window (cairn-window.c): installs win.undo and win.redo with
 * their shortcuts; sets their enabled state from the history; forgets it
 * (another workspace opened); frees it. */
void     _cairn_window_class_install_undo (GtkWidgetClass *widget_class);
void     _cairn_window_undo_clear         (GtkWidget      *window);

/* How many changes can be undone / redone (for tests). */
guint    _cairn_window_undo_get_n_undo    (GtkWidget      *window);
guint    _cairn_window_undo_get_n_redo    (GtkWidget      *window);

G_END_DECLS

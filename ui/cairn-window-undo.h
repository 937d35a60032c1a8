/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window-undo.h: Undo and Redo in the window (Ctrl+Z, Ctrl+Shift+Z,
 * the primary menu's Edit items, a deletion's Undo toast).
 *
 * The history is the store's (data/cairn-store-undo.h): every commit is
 * an action on this device's undo stack, which survives restarts, and
 * undo puts back only what another device has not changed since; what it
 * left is said in a toast, in words. Typing in a text field or a note's
 * body is left to that widget's own undo while it has focus. */
#pragma once

#include <gtk/gtk.h>

#include "cairn-pool.h"

G_BEGIN_DECLS

/* The store's calls, kept for the rows, views and drag and drop that
 * call them: each is one commit, so one action on the store's stack. */
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

/* A deletion's Undo toast: undoes through the store when that deletion
 * is still the newest action, else restores @id directly. FALSE when it
 * was not the newest (the caller restores). */
gboolean _cairn_window_undo_deletion (GtkWidget *window, const char *id);

/* For the window (cairn-window.c): installs win.undo and win.redo with
 * their shortcuts; follows the store of the workspace opened (their
 * enabled state). */
void     _cairn_window_class_install_undo (GtkWidgetClass *widget_class);
void     _cairn_window_undo_clear         (GtkWidget      *window);

/* How many actions can be undone / redone (the store's counts). */
guint    _cairn_window_undo_get_n_undo    (GtkWidget      *window);
guint    _cairn_window_undo_get_n_redo    (GtkWidget      *window);

G_END_DECLS

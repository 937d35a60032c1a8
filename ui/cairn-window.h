/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window.h: the main window: a sidebar with the workspace's lists and
 * a Notes entry beside the open list or the notes; folds on a narrow window.
 *
 * The window restores and saves its size and the last selected page through
 * the GSettings given at construction (schema org.cairn.Cairn; NULL: the
 * default). application may be NULL (tests). */
#pragma once

#include <adwaita.h>

#include "cairn-pool.h"
#include "cairn-sync-engine.h"
#include "cairn-workspace.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_WINDOW (cairn_window_get_type ())
G_DECLARE_FINAL_TYPE (CairnWindow, cairn_window, CAIRN, WINDOW, AdwApplicationWindow)

/* Two ways to build one; both are construct properties underneath:
 *
 * - over one pool ("pool"; NULL: the workspace could not be opened, and
 *   the window says so), with no sync: tests, benchmarks, and the app
 *   when it has no workspace at all;
 * - over a workspace ("workspace"), as the app does: the window takes the
 *   pool and "sync-engine" from it and follows the workspace when it opens
 *   another workspace (the content, sidebar, notes and conflicts rebind in
 *   place; the old store is let go). The account dialog can then switch
 *   workspace.
 *
 * With a sync engine the window has the sync button, Sync Now, the account
 * dialog and conflict toasts, and emits ::account-changed after a sign-in
 * or sign-out. A test may pair a pool with an engine through g_object_new()
 * ("pool" and "sync-engine"); with "workspace" both are ignored. */
CairnWindow *cairn_window_new               (GtkApplication *application,
                                             GSettings      *settings,
                                             CairnPool      *pool);
CairnWindow *cairn_window_new_for_workspace (GtkApplication *application,
                                             GSettings      *settings,
                                             CairnWorkspace *workspace);
CairnPool   *cairn_window_get_pool          (CairnWindow    *self);
GSettings   *cairn_window_get_settings      (CairnWindow    *self);
/* Shows a toast over the content; transfer full of toast. */
void         cairn_window_add_toast         (CairnWindow    *self,
                                             AdwToast       *toast);
/* Tells the user "what: error's message" in a toast of the CairnWindow that
 * widget is in (or is); logs a warning when widget is in none. */
void         cairn_window_report_error      (GtkWidget      *widget,
                                             const char     *what,
                                             const GError   *error);
/* "notes", a list id, or "" when nothing is selected. */
const char  *cairn_window_get_selected      (CairnWindow    *self);
/* Shows "notes", the list with this id, or (for "") the placeholder. */
void         cairn_window_select_page       (CairnWindow    *self,
                                             const char     *selected);

/* The day changed ("YYYY-MM-DD"): Today and Upcoming move on to it. The
 * window calls it at local midnight and when a 60 s check sees a new
 * date (after a resume); tests call it with a fake date. */
void            cairn_window_set_today          (CairnWindow    *self,
                                                 const char     *date);

G_END_DECLS

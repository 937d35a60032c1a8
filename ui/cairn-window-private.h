/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window-private.h: the window's state, shared by its parts.
 *
 * cairn-window.c          the class: construction, properties, the page
 *                         shown, the workspace shown (pool, CairnWorkspace)
 *                         and its rebinding
 * cairn-window-actions.c  every win.* action, installed in one place
 * cairn-window-sidebar.c  the sidebar: list rows, their menus, selection
 * cairn-window-toasts.c   error, Undo and conflict toasts
 * cairn-window-views.c    the smart views' pages (Today, Upcoming, a tag),
 *                         Today's count and the midnight timer
 * cairn-window-details.c  the task details pane beside the content
 * cairn-window-search.c   the find bar (Ctrl+F) and the search page
 */
#pragma once

#include "cairn-activity-page.h"
#include "cairn-find-bar.h"
#include "cairn-notes-view.h"
#include "cairn-smart-view.h"
#include "cairn-search-page.h"
#include "cairn-sync-indicator.h"
#include "cairn-task-details.h"
#include "cairn-todo-view.h"
#include "cairn-window.h"
#include "cairn-workspace.h"

G_BEGIN_DECLS

struct _CairnWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  CairnPool            *pool;
  CairnSyncEngine      *engine;
  CairnWorkspace       *workspace;
  GHashTable           *conflict_toasts;   /* gint64* report id -> AdwToast* or NULL */
  GPtrArray            *undo_toasts;       /* AdwToast*, not dismissed yet */
  GCancellable         *cancellable;
  char                 *selected;
  GBinding             *title_binding;
  guint                 show_completed : 1;
  guint                 selecting : 1;

  AdwToastOverlay      *toast_overlay;
  GListModel           *overlay_children;  /* to see when a toast is shown */
  AdwHeaderBar         *sidebar_header;
  AdwWindowTitle       *sidebar_title;
  CairnSyncIndicator   *sync_indicator;
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar_box;
  GtkWidget            *content_box;
  GtkListBox           *notes_listbox;
  GtkListBoxRow        *notes_row;
  GtkListBox           *lists_listbox;
  AdwWindowTitle       *content_title;
  GtkWidget            *list_menu_button;
  GtkStack             *content_stack;
  AdwStatusPage        *none_page;
  CairnTodoView        *todo_view;
  CairnNotesView       *notes_view;

  /* The sidebar's views and tags, the smart views' pages (cairn-window-views.c). */
  GtkListBox           *smart_listbox;
  GtkListBoxRow        *inbox_row;
  GtkListBoxRow        *today_row;
  GtkListBoxRow        *upcoming_row;
  GtkLabel             *today_count;
  GtkWidget            *tags_heading;
  GtkListBox           *tags_listbox;
  GtkWidget            *lists_heading;
  GListModel           *sidebar_lists;     /* the pool's lists but the Inbox */
  GtkEventController   *lists_keys;        /* Alt+Up / Alt+Down */
  CairnSmartView       *today_view;
  CairnSmartView       *upcoming_view;
  CairnSmartView       *tag_view;
  GListModel           *today_todos;
  GListModel           *upcoming_todos;    /* made when Upcoming is first shown */
  char                 *tag_id;            /* the tag whose todos tag_view shows */
  guint                 date_check_id;     /* every 60 s: has the date changed? */
  guint                 midnight_id;       /* at the next local midnight */
  guint                 today_tick_id;     /* the first frame: then ... */
  guint                 today_idle_id;     /* ... Today's count is read */

  /* The Activity page and its row's count (issue 15, cairn-window-views.c) */
  GtkListBoxRow        *activity_row;
  GtkLabel             *activity_count;
  CairnActivityPage    *activity_page;
  gulong                activity_leave_id; /* content_stack's visible child */

  /* The task details pane (cairn-window-details.c) */
  AdwFlap              *details_flap;
  CairnTaskDetails     *task_details;
  /* cairn-window-search.c */
  CairnFindBar         *find_bar;
  CairnSearchPage      *search_page;
};

/* cairn-window.c */

/* Shows page `selected` ("notes", a list id, or "") in the content area,
 * remembers it in the settings and keeps the sidebar selection in step. A
 * list id that names no live list shows the placeholder. */
void           _cairn_window_select                 (CairnWindow *self,
                                                     const char  *selected);
/* Whether page `selected` is a list's: not "", not the name of a page of
 * the content stack ("notes", "today", "upcoming" …), not "tag:…". */
gboolean       _cairn_window_is_list_page           (CairnWindow *self,
                                                     const char  *selected);
/* Shows `selected` and, on a folded window, the content instead of the
 * sidebar. */
void           _cairn_window_show_page              (CairnWindow *self,
                                                     const char  *selected);
/* After a sign-in or sign-out: reopens the profile's current workspace
 * and emits ::account-changed. */
void           _cairn_window_account_changed        (CairnWindow *self);

/* cairn-window-actions.c */

void           _cairn_window_class_install_actions  (GtkWidgetClass *widget_class);

/* cairn-window-details.c */

/* The details pane around the content stack (made on the first call) over
 * self->pool: call whenever the pool changes (it closes the pane). */
void           _cairn_window_details_bind            (CairnWindow *self);
/* win.show-task (a todo id) and win.close-task. */
void           _cairn_window_details_install_actions (GtkWidgetClass *widget_class);

/* cairn-window-sidebar.c */

/* Connects the sidebar's rows to the window (once, at init). */
void           _cairn_window_sidebar_init           (CairnWindow *self);
/* Shows the lists of self->pool (none when NULL); call before the pool
 * changes with the old one still set, and after with the new one. */
void           _cairn_window_sidebar_unbind         (CairnWindow *self);
void           _cairn_window_sidebar_bind           (CairnWindow *self);
/* The sidebar row of list_id (the Inbox's too), or NULL. */
GtkListBoxRow *_cairn_window_sidebar_find_row       (CairnWindow *self,
                                                     const char  *list_id);
/* The sidebar row of a page ("notes", "today", "tag:ID", a list id), or NULL. */
GtkListBoxRow *_cairn_window_sidebar_find_page_row  (CairnWindow *self,
                                                     const char  *page);
/* Selects row (NULL: none) and unselects the rows of the other list boxes. */
void           _cairn_window_sidebar_select_row     (CairnWindow   *self,
                                                     GtkListBoxRow *row);
/* What dropping value (a CairnTodo or a CairnList) at height y on a sidebar
 * row does: a todo moves to the end of the row's list, a list moves before
 * (upper half) or after the row's list. FALSE when nothing was done. The
 * rows' GtkDropTargets call it; tests may too. */
gboolean       _cairn_window_sidebar_drop           (CairnWindow   *self,
                                                     GtkListBoxRow *row,
                                                     const GValue  *value,
                                                     double         y);
/* Alt+Up (-1) / Alt+Down (+1) on a list's row: the list moves one place
 * and keeps the focus. FALSE when it cannot move. */
gboolean       _cairn_window_sidebar_move_list      (CairnWindow *self,
                                                     const char  *list_id,
                                                     int          delta);

/* cairn-window-views.c */

/* Makes the pages of self->pool's smart views / lets them go. */
void           _cairn_window_views_bind             (CairnWindow *self);
void           _cairn_window_views_unbind           (CairnWindow *self);
/* Shows page `selected` if it is a smart view's ("today", "upcoming",
 * "tag:ID" of a live tag); FALSE otherwise. */
gboolean       _cairn_window_views_show             (CairnWindow *self,
                                                     const char  *selected);
/* What the timers run, at `now`: the 60 s check (the day of `now` becomes
 * the pool's today), and the wait to the next midnight in `now`'s zone. */
void           _cairn_window_check_date             (CairnWindow *self,
                                                     GDateTime   *now);
guint          _cairn_window_ms_to_midnight         (GDateTime   *now);
/* The midnight timer (at init) and its end (dispose). */
void           _cairn_window_views_init             (CairnWindow *self);
void           _cairn_window_views_dispose          (CairnWindow *self);

/* cairn-window-toasts.c */

/* Shows "“title” deleted" with an Undo that activates restore_action with
 * id, in the store open now. */
/* Watches the toast overlay, for the toasts' guard (cairn-window-toasts.c). */
void           _cairn_window_toasts_init            (CairnWindow *self);
void           _cairn_window_add_undo_toast         (CairnWindow *self,
                                                     const char  *title,
                                                     const char  *restore_action,
                                                     const char  *id);
/* Another workspace was opened: the Undo toasts of another file go. */
void           _cairn_window_drop_undo_toasts       (CairnWindow *self);
/* Follows the engine's conflict reports with one toast each. */
void           _cairn_window_watch_conflicts        (CairnWindow *self);
/* Report ids are per workspace: after opening another one, start over. */
void           _cairn_window_reset_conflict_toasts  (CairnWindow *self);
/* The toast of report id is going by itself (its Keep Mine was clicked):
 * forget it without dismissing it again. */
void           _cairn_window_release_conflict_toast (CairnWindow *self,
                                                     gint64       id);

/* cairn-window-search.c */

/* The find bar under the content's header (once, at init). */
void           _cairn_window_search_init            (CairnWindow *self);
/* The search page of self->pool, in content_stack as "search"; unbind
 * takes it out (with the pool it searches). */
void           _cairn_window_search_bind            (CairnWindow *self);
void           _cairn_window_search_unbind          (CairnWindow *self);
/* _cairn_window_select()'s page "search". */
void           _cairn_window_show_search_page       (CairnWindow *self);
/* win.find, win.search (with their shortcuts) and win.close-find. */
void           _cairn_window_search_class_init      (GtkWidgetClass *widget_class);

G_END_DECLS

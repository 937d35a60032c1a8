/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-smart-view.h: a page of tasks gathered from every list (Today,
 * Upcoming, a tag): the pool's live model in a GtkListView of task rows
 * that name their list, a header above each day (Upcoming), an entry that
 * adds a task due today to the Inbox (Today), or an empty state. */
#pragma once

#include <adwaita.h>

#include "cairn-pool.h"

G_BEGIN_DECLS

typedef enum
{
  CAIRN_SMART_VIEW_TODAY,
  CAIRN_SMART_VIEW_UPCOMING,
  CAIRN_SMART_VIEW_TAG,
} CairnSmartViewKind;

#define CAIRN_TYPE_SMART_VIEW (cairn_smart_view_get_type ())
G_DECLARE_FINAL_TYPE (CairnSmartView, cairn_smart_view, CAIRN, SMART_VIEW, GtkWidget)

GtkWidget  *cairn_smart_view_new       (CairnPool          *pool,
                                        CairnSmartViewKind  kind);
/* The todos shown (a live model of the pool; NULL: none). The view holds
 * a reference. */
void        cairn_smart_view_set_model (CairnSmartView     *self,
                                        GListModel         *todos);
GListModel *cairn_smart_view_get_model (CairnSmartView     *self);
/* Puts the keyboard focus in Today's new-task entry (nothing elsewhere). */
void        cairn_smart_view_focus_entry (CairnSmartView   *self);
/* The header above the tasks of day `due` in Upcoming: "Tomorrow" or
 * "Wednesday 9 December", relative to `today` (both YYYY-MM-DD). */
char       *cairn_smart_view_format_day (const char        *due,
                                         const char        *today);

G_END_DECLS

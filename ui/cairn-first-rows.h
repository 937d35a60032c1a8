/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-first-rows.h: a list view's model that holds only the first
 * screenful of rows until the view has painted them, then grows a step
 * per frame to every row. GTK 4.8's list view makes, binds and measures
 * a row widget for up to 200 items as soon as it has them, however few
 * are on screen; this keeps that work out of the frame that shows a
 * list first (start-up, switching to a page). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Rows held before the first frame, and added per frame after it. */
#define CAIRN_FIRST_ROWS 48

/* A GtkSliceListModel over @model (transfer full) from 0: its first
 * CAIRN_FIRST_ROWS items until @widget (the list view) has painted a
 * frame while mapped, then CAIRN_FIRST_ROWS more each frame it stays
 * mapped, then all of them. Positions are @model's. Transfer full. */
GListModel *cairn_first_rows_new      (GListModel *model,
                                       GtkWidget  *widget);
/* Every item of the model from now on: for what needs all of them at
 * once (a filter, looking an item up, scrolling to one). */
void        cairn_first_rows_show_all (GListModel *first_rows);
/* Whether every item is in (no more growing to come). */
gboolean    cairn_first_rows_is_complete (GListModel *first_rows);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-activity-page.h: the Activity page (issue 15): what changed in the
 * workspace since this device last looked, one row per task, list or
 * note, the objects other devices changed first. "unread" counts those
 * objects for the sidebar; leaving the page marks everything seen
 * (cairn_store_set_activity_mark()). */
#pragma once

#include <adwaita.h>

#include "cairn-store.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_ACTIVITY_PAGE (cairn_activity_page_get_type ())
G_DECLARE_FINAL_TYPE (CairnActivityPage, cairn_activity_page, CAIRN, ACTIVITY_PAGE, GtkWidget)

/* A store whose mark was never set starts with it at the head: on a first
 * start nothing is news. */
GtkWidget *cairn_activity_page_new        (CairnStore        *store);
/* Objects other devices changed since the mark (property "unread"). */
guint      cairn_activity_page_get_unread (CairnActivityPage *self);
/* Reads the activity since the mark into the rows. */
void       cairn_activity_page_refresh    (CairnActivityPage *self);
/* Everything up to the head is seen: the mark moves there, unread is 0. */
void       cairn_activity_page_mark_seen  (CairnActivityPage *self);
/* The rows shown (AdwActionRow*), for tests. */
GPtrArray *cairn_activity_page_get_rows   (CairnActivityPage *self);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-indicator.h: the header bar's sync status button: an icon for
 * offline / syncing / up to date / needs sign-in / error, and a popover with
 * pending changes, last sync, server, "Sync Now" and the account. */
#pragma once

#include <adwaita.h>

#include "cairn-sync-status.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_SYNC_INDICATOR (cairn_sync_indicator_get_type ())
G_DECLARE_FINAL_TYPE (CairnSyncIndicator, cairn_sync_indicator, CAIRN, SYNC_INDICATOR, GtkWidget)

GtkWidget  *cairn_sync_indicator_new           (void);
void        cairn_sync_indicator_set_status    (CairnSyncIndicator *self,
                                                CairnSyncStatus    *status);
/* What the button shows now: its icon name and its accessible label. */
const char *cairn_sync_indicator_get_icon_name (CairnSyncIndicator *self);
const char *cairn_sync_indicator_get_summary   (CairnSyncIndicator *self);
/* Closes the popover (when a dialog opens from it). */
void        cairn_sync_indicator_popdown       (CairnSyncIndicator *self);
/* "trying again at 14:05:31" when the engine of status could not reach
 * the server and has its next try scheduled, else NULL. */
char       *cairn_sync_retry_text              (CairnSyncStatus    *status);

G_END_DECLS

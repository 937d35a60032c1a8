/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-compactor.h: client log compaction when enabled (the app's
 * Preferences switch, off by default): once the confirmed log has grown
 * by min-events since the store's snapshot base, compacts it
 * (cairn_store_compact_log()) on a worker thread, through a connection
 * of its own, so that the main loop never waits for it. */
#pragma once

#include "cairn-store.h"

G_BEGIN_DECLS

/* How many confirmed events past the base make a compaction worthwhile. */
#define CAIRN_COMPACTOR_MIN_EVENTS 10000

#define CAIRN_TYPE_COMPACTOR (cairn_compactor_get_type ())
G_DECLARE_FINAL_TYPE (CairnCompactor, cairn_compactor, CAIRN, COMPACTOR, GObject)

/* Follows store's head; "enabled" FALSE until set. */
CairnCompactor *cairn_compactor_new             (CairnStore     *store);
void            cairn_compactor_set_min_events  (CairnCompactor *self,
                                                 gint64          min_events);
/* How many compactions finished (test hook). */
guint           cairn_compactor_get_runs        (CairnCompactor *self);

G_END_DECLS

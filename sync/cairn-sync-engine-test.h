/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-engine-test.h: hooks for tests only, to show in seconds what
 * the engine does over minutes (liveness of the live stream, writes while
 * idle). Not for the app. */
#pragma once

#include "cairn-sync-engine.h"

G_BEGIN_DECLS

/* Moves every clock the engine reads (monotonic and wall) forward. */
void     _cairn_sync_engine_advance_clock     (CairnSyncEngine *self,
                                               gint64           usec);
/* Runs the periodic liveness check now (it runs every 30 s). */
void     _cairn_sync_engine_probe_now         (CairnSyncEngine *self);
/* Whether a probe's pull is still under way. */
gboolean _cairn_sync_engine_probe_pending     (CairnSyncEngine *self);
/* How many times the live stream was opened since the engine was made. */
guint    _cairn_sync_engine_get_connect_count (CairnSyncEngine *self);
/* The stream stays open but its messages are dropped, as on a half-open
 * connection that the server no longer writes to. */
void     _cairn_sync_engine_mute_stream       (CairnSyncEngine *self);

G_END_DECLS

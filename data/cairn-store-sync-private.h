/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-sync-private.h: the hooks cairn_store_rebase() calls so that
 * conflicts are detected where incoming events are applied. */
#pragma once

#include "cairn-store-sync.h"

G_BEGIN_DECLS

/* One of our own events became confirmed (fast path or general path): the
 * fields it sets now hold our acknowledged value. Inside the rebase
 * transaction. */
gboolean _cairn_store_sync_own_confirmed   (CairnStore       *self,
                                            const CairnEvent *event,
                                            GError          **error);
/* The fields our pending events set, for
 * _cairn_store_sync_foreign_applied(): key "kind/object_id/field", value
 * the highest client_seq setting it (a gint64 box). Reads the outbox as it
 * is now (call after the fast path moved confirmed events out). */
GHashTable *_cairn_store_sync_pending_fields (CairnStore  *self,
                                              GError     **error);
/* An event from another device is about to be applied (pending rolled
 * back): if it overwrites a field whose value our recent confirmed event
 * set and no pending event of ours sets that field again, record a
 * conflict. Our own events confirmed earlier in the same rebase are no
 * longer pending: they are skipped by client_seq. Inside the rebase
 * transaction, before the reducer. */
gboolean _cairn_store_sync_foreign_applied (CairnStore       *self,
                                            const CairnEvent *event,
                                            GHashTable       *pending_fields,
                                            GError          **error);

G_END_DECLS

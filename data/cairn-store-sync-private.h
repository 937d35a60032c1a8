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
/* An event from another device is about to be applied (pending rolled back):
 * if it overwrites a field our recent confirmed event set and no pending
 * event of ours (pending: CairnEvent*, may be NULL) sets that field again,
 * record a conflict. Inside the rebase transaction, before the reducer. */
gboolean _cairn_store_sync_foreign_applied (CairnStore       *self,
                                            const CairnEvent *event,
                                            GPtrArray        *pending,
                                            GError          **error);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-sync.h: what the sync engine needs from the store beyond
 * cairn-store.h: the outbox range, the reset after a server restore, and
 * the conflict reports (local to this device, never synced).
 */
#pragma once

#include "cairn-store.h"
#include "cairn-conflict.h"

G_BEGIN_DECLS

/* client_seqs of the oldest and newest pending event; both 0 when the
 * outbox is empty. One indexed query. */
gboolean   cairn_store_get_pending_range       (CairnStore  *self,
                                                gint64      *first,
                                                gint64      *last,
                                                GError     **error);

/* Makes every change this store committed durable: one fsync of the
 * write-ahead log, nothing when there was no commit since the last call.
 * The store commits with synchronous = NORMAL (docs/store.md), so a power
 * cut can lose its last commits; a change pushed to the server must not
 * be among them, or the server would hold events this device lost (and
 * the device would reuse their client seqs and text operation ids). The
 * sync core calls it before every push. */
gboolean   cairn_store_sync_to_disk            (CairnStore  *self,
                                                GError     **error);

/* The largest client_seq of this store's own events in the log (0: none).
 * One indexed query. */
gboolean   cairn_store_get_last_own_confirmed  (CairnStore  *self,
                                                gint64      *out,
                                                GError     **error);

/* The chain of the log up to seq (cairn-chain.h), computed by this store
 * from its own log: CAIRN_CHAIN_ZERO for seq 0, NULL in *out_chain when
 * there is no such row or its chain is unknown. */
gboolean   cairn_store_get_log_chain           (CairnStore  *self,
                                                gint64       seq,
                                                char       **out_chain,
                                                GError     **error);

/* Pending events with client_seq > after, oldest first, at most limit
 * (element: CairnEvent). Reads only those rows. */
GPtrArray *cairn_store_list_pending_after      (CairnStore  *self,
                                                gint64       after,
                                                guint        limit,
                                                GError     **error);

/* The server lost history this store had confirmed (restored from a
 * backup). In one transaction: our own confirmed events go back to the
 * outbox (before the pending ones, in client_seq order) to be pushed again;
 * the other devices' confirmed events move to a local archive table
 * (sync_archive: nothing is deleted; their devices push them again); the
 * log empties, head becomes 0, history_id becomes history_id (NULL: none)
 * and the state is rebuilt from the outbox. The caller then pulls from 0
 * and pushes: the server answers events it still has with their seq. */
gboolean   cairn_store_forget_server_history   (CairnStore  *self,
                                                const char  *history_id,
                                                GError     **error);
/* The same, keeping the confirmed events with seq <= keep_upto: the part of
 * the log the server still has (the caller checked). Only the events after
 * it are given back to the outbox or archived; head becomes keep_upto and
 * the state is rebuilt from the kept log plus the outbox, so the caller
 * pulls after keep_upto instead of from 0. keep_upto 0 is
 * cairn_store_forget_server_history(). A keep_upto below 0 or above head
 * is refused (G_IO_ERROR_INVALID_ARGUMENT) and changes nothing. */
gboolean   cairn_store_forget_server_history_after (CairnStore  *self,
                                                    gint64       keep_upto,
                                                    const char  *history_id,
                                                    GError     **error);
/* The server's log after keep_upto is not the one this store has (a
 * restore from a backup, after which the devices pushed again what the
 * server lost). In one transaction: events (CairnEvent, the server's
 * events with seqs keep_upto + 1, + 2, … in order, as pulled) replace the
 * log after keep_upto; our events of the old tail that events lacks go
 * back to the outbox, the other devices' to sync_archive; the state is
 * rebuilt from the new log plus the outbox, and events of ours in it leave
 * the outbox. Events already in the old tail skip the conflict hooks
 * (they were seen once); sync_origin is kept. events NULL or empty is
 * cairn_store_forget_server_history_after(). Changes nothing on error. */
gboolean   cairn_store_replace_server_history_after (CairnStore  *self,
                                                     gint64       keep_upto,
                                                     GPtrArray   *events,
                                                     const char  *history_id,
                                                     GError     **error);
/* Events kept in the archive by cairn_store_forget_server_history(). */
gint64     cairn_store_count_archived          (CairnStore  *self,
                                                GError     **error);

/* Conflict reports not dismissed, newest first (element: CairnConflict). */
GPtrArray *cairn_store_list_conflicts          (CairnStore  *self,
                                                GError     **error);
/* Forgets one report. NOT_FOUND when there is no such report. */
gboolean   cairn_store_dismiss_conflict        (CairnStore  *self,
                                                gint64       conflict_id,
                                                GError     **error);
/* "Keep mine": commits a new event that sets our value again, then forgets
 * the report. Fails (changing nothing) when the object is gone. */
gboolean   cairn_store_keep_mine               (CairnStore  *self,
                                                gint64       conflict_id,
                                                GError     **error);

/* How long after our change was confirmed another device overwriting it is
 * reported (ms). Older values being changed is ordinary editing. */
#define CAIRN_CONFLICT_WINDOW_MS (G_GINT64_CONSTANT (24) * 3600 * 1000)

G_END_DECLS

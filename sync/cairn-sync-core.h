/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-core.h: the sync algorithm of one client, without any I/O.
 *
 * The core decides what to push and from where to pull, and turns what the
 * server says into store operations (rebase, restore). It never talks to
 * the network and never looks at a clock: the libsoup engine
 * (cairn-sync-engine.c) and the deterministic simulation (tests/sim/) both
 * drive it, so the simulation tests the very code the app runs.
 *
 * Invariants it keeps:
 * - at most one push is in flight, and pushes go out in client_seq order,
 *   so the server never sees a client_seq gap from us in normal operation;
 * - events are handed to cairn_store_rebase() only as a contiguous run that
 *   continues the store's head; anything else makes the core ask for a pull;
 * - the server's history is checked once per connection: its chain at our
 *   head (the digest of its log up to there) must be the one our store
 *   computed, or, from a server that sends no chain, the event at our head
 *   must be the one we have there (client_id, client_seq); the chain is
 *   compared again after every batch applied. If it is not, or the
 *   server's head or history_id went backwards, or the server expects a
 *   client_seq of ours we already consider confirmed, the server lost
 *   history (restored from a backup). The core then pulls to compare
 *   (not apply) until it knows the last seq where the server's log and
 *   ours agree; the store keeps its log up to there, our own later events
 *   go back to the outbox (nothing deleted), and syncing continues from
 *   there (docs/sync.md).
 */
#pragma once

#include "cairn-store.h"
#include "cairn-protocol.h"

G_BEGIN_DECLS

typedef struct _CairnSyncCore CairnSyncCore;

CairnSyncCore *cairn_sync_core_new             (CairnStore    *store);
void           cairn_sync_core_free            (CairnSyncCore *self);
CairnStore    *cairn_sync_core_get_store       (CairnSyncCore *self);

/* A new connection (or a lost one): what was in flight is forgotten and
 * the server's history is checked again at the next receive. */
void           cairn_sync_core_reset_connection (CairnSyncCore *self);

/* The next batch to push (CairnWireEvent*, client_seq order, at most max
 * events and about 1 MiB of them, the protocol's request limit), or NULL when there is nothing to push or a push is in flight.
 * The batch is then in flight until push_done or push_failed. */
GPtrArray     *cairn_sync_core_next_push       (CairnSyncCore *self,
                                                guint          max,
                                                GError       **error);
gboolean       cairn_sync_core_push_done       (CairnSyncCore        *self,
                                                const CairnPushReply *reply,
                                                GError              **error);
/* push_error is what the server or transport said; for client_seq_gap,
 * expected is the client_seq the server wants next (else 0). FALSE only
 * when the store fails. */
gboolean       cairn_sync_core_push_failed     (CairnSyncCore *self,
                                                const GError  *push_error,
                                                gint64         expected,
                                                GError       **error);
gboolean       cairn_sync_core_push_in_flight  (CairnSyncCore *self);
/* Whether @error is the server refusing the pushed events themselves for
 * good (their size or shape): the same events would be refused again.
 * push_failed() then narrows the batch down to the refused event and sets
 * it aside (docs/sync.md, "Changes the server refuses"); push again. */
gboolean       cairn_sync_core_is_refusal      (const GError  *error);
/* Changes set aside since the last call (CairnRefusedChange*, the refused
 * one first, transfer full), or NULL when none. */
GPtrArray     *cairn_sync_core_take_refused    (CairnSyncCore *self);

/* Server events from a pull page or the live stream (CairnWireEvent*, seq
 * ascending), with the server's head and history_id (NULL: unknown). An
 * empty events array with a head is a valid "hello". */
gboolean       cairn_sync_core_receive         (CairnSyncCore *self,
                                                GPtrArray     *events,
                                                gint64         server_head,
                                                const char    *history_id,
                                                GError       **error);

/* Issue 17, fourth round: the store events of server events made ahead,
 * in any thread (nothing here reads the store or the core), so that a
 * catch-up's main thread only rebases (docs/sync.md, "The catch-up's
 * pipeline"). One slot per wire event, in their order: the event, or the
 * error cairn_sync_core_receive() would report for it. */
typedef struct _CairnSyncPrepared CairnSyncPrepared;

CairnSyncPrepared *cairn_sync_prepared_new    (const GPtrArray   *events);
/* Moves other's slots to the end of self (other is then empty). */
void               cairn_sync_prepared_extend (CairnSyncPrepared *self,
                                               CairnSyncPrepared *other);
/* Adds n slots whose events are made when applied, as receive() makes
 * them (events that came without being made ahead). */
void               cairn_sync_prepared_add_unmade (CairnSyncPrepared *self,
                                                   guint              n);
guint              cairn_sync_prepared_get_length (const CairnSyncPrepared *self);
void               cairn_sync_prepared_free   (CairnSyncPrepared *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnSyncPrepared, cairn_sync_prepared_free)

/* cairn_sync_core_receive() with the store events made ahead: prepared
 * (NULL: none) has a slot for each of events. The events it applies are
 * taken out of prepared; what is left there was never touched by this
 * thread and may be freed in any. The same result as receive(). */
gboolean       cairn_sync_core_receive_prepared (CairnSyncCore     *self,
                                                 GPtrArray         *events,
                                                 CairnSyncPrepared *prepared,
                                                 gint64             server_head,
                                                 const char        *history_id,
                                                 GError           **error);

/* Pull from here (seq > after). One below head while the server's history
 * is unverified, so that the answer starts with the event at our head. */
gint64         cairn_sync_core_pull_after      (CairnSyncCore *self);
/* TRUE when the server is known to have events we have not applied, or a
 * gap or history check needs a pull. */
gboolean       cairn_sync_core_wants_pull      (CairnSyncCore *self);
/* TRUE when there are pending events not yet acknowledged. */
gboolean       cairn_sync_core_wants_push      (CairnSyncCore *self);
/* Nothing to push, nothing known to pull, history verified. */
gboolean       cairn_sync_core_is_up_to_date   (CairnSyncCore *self);
/* How many times the server was found to have lost history. */
guint          cairn_sync_core_get_restore_count (CairnSyncCore *self);
/* Server events handed to receive() so far (pulled or streamed), for
 * tests and benchmarks. */
gint64         cairn_sync_core_get_events_received (CairnSyncCore *self);

/* Conversions between the store's events and the wire form. */
CairnWireEvent *cairn_sync_wire_from_event     (const CairnEvent     *event);
CairnEvent     *cairn_sync_event_from_wire     (const CairnWireEvent *wire,
                                                GError              **error);

G_END_DECLS

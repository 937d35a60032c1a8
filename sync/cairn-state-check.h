/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-state-check.h: a device's side of "replicas prove they agree",
 * without any I/O or clock.
 *
 * It decides when the device reports the hash of its confirmed state
 * (cairn-store-hash.h) and what to do with the server's verdict: on
 * "diverged", rebuild the state from the log and hash again; if the hash
 * is still not the majority's, download the log again (the path taken
 * when the server's history_id changes); if even that does not help, give
 * up and say so. The libsoup engine and the simulation both drive it
 * (docs/sync.md, "State hashes"). */
#pragma once

#include "cairn-store.h"
#include "cairn-protocol.h"

G_BEGIN_DECLS

/* Confirmed events between two reports, unless the caller says the device
 * has been quiet long enough (docs/sync.md). */
#define CAIRN_STATE_CHECK_DEFAULT_INTERVAL 1000
/* After an "unknown" verdict (nobody to compare with yet, or a tie), the
 * same head is reported again this many times, a quiet wait apart, so
 * that a device that reported first also hears the majority. */
#define CAIRN_STATE_CHECK_RETRIES 2

typedef enum
{
  CAIRN_STATE_CHECK_NOTHING,     /* agrees, unknown, or not about our state */
  CAIRN_STATE_CHECK_REBUILT,     /* rebuilt from the log: the state now hashes as the majority's, or a new report will tell */
  CAIRN_STATE_CHECK_REDOWNLOAD,  /* the log was forgotten: the caller pulls it again from 0 */
  CAIRN_STATE_CHECK_GAVE_UP,     /* still different after both: nothing more is tried */
} CairnStateCheckAction;

typedef struct _CairnStateCheck CairnStateCheck;

CairnStateCheck  *cairn_state_check_new          (CairnStore      *store);
void              cairn_state_check_free         (CairnStateCheck *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnStateCheck, cairn_state_check_free)
CairnStore       *cairn_state_check_get_store    (CairnStateCheck *self);
void              cairn_state_check_set_interval (CairnStateCheck *self,
                                                  gint64           events);

/* The report to send now, or NULL (error unset) when none is due: due
 * when the outbox is empty, the store's head is past 0 and differs from
 * the last reported one, and either interval events arrived since the
 * last report, or quiet is TRUE (the caller's device has been up to date
 * for a while), or a repair asks for a new report; or, at the same head,
 * while cairn_state_check_wants_retry(). Costs a full hash of the state. */
CairnStateReport *cairn_state_check_next_report  (CairnStateCheck *self,
                                                  gboolean         quiet,
                                                  GError         **error);
/* The same off the main thread: the hash is made on a worker thread of
 * the store (cairn_store_confirmed_state_hash_async()), and the report is
 * of the seq the worker read, which may be past the store's head when
 * the call was made. _finish() gives NULL (error unset) when none is due
 * or the store could not be hashed just then (events waiting to be sent
 * by the time the worker read): ask again later. The caller may free the
 * check before the callback runs; it then must not call _finish(). */
void              cairn_state_check_next_report_async  (CairnStateCheck     *self,
                                                        gboolean             quiet,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
CairnStateReport *cairn_state_check_next_report_finish (CairnStateCheck     *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);
/* TRUE when the last verdict was unknown and the same head may be
 * reported again (cairn_state_check_next_report() gives it). */
gboolean          cairn_state_check_wants_retry  (CairnStateCheck *self);
/* The report could not be sent (network): it is due again. */
void              cairn_state_check_report_failed (CairnStateCheck *self);

/* What the server answered to our last report. history_id is the store's
 * (kept by a re-download). */
CairnStateCheckAction cairn_state_check_handle_verdict (CairnStateCheck         *self,
                                                        const CairnStateVerdict *verdict,
                                                        GError                 **error);

/* Repairs so far (rebuilds and re-downloads), for tests and the status. */
guint             cairn_state_check_get_repairs  (CairnStateCheck *self);
/* TRUE once it gave up. */
gboolean          cairn_state_check_gave_up      (CairnStateCheck *self);

G_END_DECLS

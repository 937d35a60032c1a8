/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-pipeline.h: a catch-up's pages fetched, decoded and made
 * into store events on a thread of their own (issue 17, fourth round), so
 * that the main thread only rebases (docs/sync.md, "The catch-up's
 * pipeline"). Nothing here touches the store. */
#pragma once

#include <gio/gio.h>
#include "cairn-protocol.h"
#include "cairn-sync-core.h"

G_BEGIN_DECLS

typedef struct _CairnSyncPipeline CairnSyncPipeline;

/* One page, in the order they were asked for: the answer with its store
 * events made ahead (a slot for each of reply->events), or error (the
 * page did not come, or does not decode: the last page then). */
typedef struct
{
  CairnPullReply    *reply;
  CairnSyncPrepared *prepared;
  GError            *error;
  gint64             after;    /* the page's events follow this seq */
} CairnSyncPage;

void cairn_sync_page_free (CairnSyncPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnSyncPage, cairn_sync_page_free)

/* Called in the thread-default main context of _start() when pages are
 * ready (take them with _pop()); never after _stop(). */
typedef void (*CairnSyncPipelineReady) (CairnSyncPipeline *pipeline,
                                        gpointer           user_data);

/* Pulls pages of up to limit events after after from base_url + path
 * ("…/events"), with token (NULL: none) and trusting the certificate
 * whose fingerprint is certificate besides the system's (NULL: none;
 * cairn-tls-pin.h), each after the last seq of the
 * one before, until one has no more, at most max_ahead pages ahead of
 * _pop(). cancellable (may be NULL) stops it as _stop() does, the page
 * being fetched then ending in G_IO_ERROR_CANCELLED. */
CairnSyncPipeline *cairn_sync_pipeline_start (const char             *url,
                                              const char             *token,
                                              const char             *certificate,
                                              gint64                  after,
                                              guint                   limit,
                                              guint                   max_ahead,
                                              GCancellable           *cancellable,
                                              CairnSyncPipelineReady  ready,
                                              gpointer                user_data,
                                              GDestroyNotify          destroy);
/* The next page in order, or NULL when none is ready yet. */
CairnSyncPage     *cairn_sync_pipeline_pop   (CairnSyncPipeline      *self);
/* Hands what the caller is done with (a GPtrArray of CairnWireEvent*, a
 * CairnSyncPrepared, a CairnPullReply: see the type) to the pipeline's
 * thread to free. */
void               cairn_sync_pipeline_dispose_wire     (CairnSyncPipeline *self,
                                                         GPtrArray         *wire);
void               cairn_sync_pipeline_dispose_prepared (CairnSyncPipeline *self,
                                                         CairnSyncPrepared *prepared);
/* Stops the thread without waiting for it (it frees what is left) and
 * drops user_data (destroy, in this thread). NULL-safe, idempotent. */
void               cairn_sync_pipeline_stop  (CairnSyncPipeline      *self);
/* _stop() and the caller's reference. */
void               cairn_sync_pipeline_free  (CairnSyncPipeline      *self);

G_END_DECLS

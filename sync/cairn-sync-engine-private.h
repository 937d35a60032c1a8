/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-engine-private.h: the engine's state and the helpers its
 * parts share: cairn-sync-engine.c (object, status, HTTP),
 * -login.c, -round.c (one HTTP sync round), -live.c (the live
 * WebSocket) and -workspaces.c. */
#pragma once

#include <errno.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include "cairn-store-refused.h"
#include "cairn-store-sync.h"
#include "cairn-sync-backoff.h"
#include "cairn-sync-core.h"
#include "cairn-sync-engine.h"
#include "cairn-ws-limit.h"
#include "cairn-tls-pin.h"
#include "cairn-sync-status-private.h"
#include "cairn-sync-token.h"

G_BEGIN_DECLS

#define PUSH_BATCH        500
#define PULL_PAGE         CAIRN_PROTOCOL_MAX_PULL_LIMIT
#define CATCH_UP_BATCH    (PULL_PAGE * 4)
/* Pages a catch-up's pipeline may have ready ahead of the rebases: one
 * transaction's worth, ready when the one before ends (each page ahead
 * costs about 1.5 MB at its peak). */
#define PIPELINE_AHEAD    (CATCH_UP_BATCH / PULL_PAGE)
#define PROBE_SECONDS     30
#define MAX_ROUND_STEPS   100000

struct _CairnSyncEngine
{
  GObject                  parent_instance;

  CairnProfile            *profile;
  CairnSyncStatus         *status;
  SoupSession             *session;

  char                    *server_url;
  char                    *username;
  char                    *device;
  char                    *token;
  /* TLS (cairn-tls-pin.h): the certificate trusted besides the system's,
   * the one the next sign-in trusts, and the last one refused. */
  char                    *certificate;
  char                    *login_certificate;
  char                    *refused_certificate;

  CairnStore              *store;
  char                    *workspace_id;
  CairnSyncCore           *core;
  gulong                   changed_id;

  /* Continuous sync (start/stop). */
  GCancellable            *cancellable;
  gboolean                 running;
  SoupWebsocketConnection *ws;
  char                    *ws_push_id;
  guint64                  push_counter;
  gboolean                 pulling;
  gint64                   ws_last_message;
  /* Liveness (probe_cb in -live.c): when the push in flight went out;
   * when a probe's pull found events the stream had not brought (0:
   * none since the stream's last message); whether the pull under way is
   * a probe's (it does not show "syncing"). */
  gint64                   ws_push_sent;
  gint64                   ws_missed_at;
  gboolean                 probe_pull;
  /* A device with nothing confirmed runs one sync round before its first
   * live stream, so that it starts from the server's snapshot (issue 17). */
  gboolean                 live_bootstrap_tried;
  guint                    connect_count;
  /* Tests: simulated time added to every clock the engine reads (µs). */
  gint64                   clock_offset;
  guint                    reconnect_id;
  guint                    probe_id;
  CairnBackoff             backoff;

  /* One sync round at a time (sync_async). */
  GTask                   *round;

  gint64                   last_sync_saved;
  gint64                   last_sync_saved_head;
  /* What the server refused for good since this engine started: shown
   * (state REFUSED) where the state would be UP_TO_DATE. */
  char                    *refused_message;

  /* State hashes (cairn-sync-engine-states.c): the check of the current
   * store, the quiet timer, the report in flight, when the last went out
   * (monotonic µs, 0: none yet). */
  struct _CairnStateCheck *state_check;
  guint                    state_timer_id;
  gboolean                 state_in_flight;
  guint                    state_generation;   /* bumped when the check is dropped */
  gint64                   state_last_report;
};

gboolean     _cairn_sync_engine_check_ready (CairnSyncEngine *self, GError **error);
char *       _cairn_sync_engine_events_path (CairnSyncEngine *self);
void         _cairn_sync_engine_http_call_async (CairnSyncEngine *self, const char *method, const char *path, JsonNode *body, const char *what, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
JsonNode *   _cairn_sync_engine_http_call_finish (CairnSyncEngine *self, GAsyncResult *result, gint64 *out_expected, GError **error);
gboolean     _cairn_sync_engine_is_auth_error (const GError *error);
void         _cairn_sync_engine_kick (CairnSyncEngine *self);
gint64       _cairn_sync_engine_monotonic (CairnSyncEngine *self);
gint64       _cairn_sync_engine_now_ms (CairnSyncEngine *self);
void         _cairn_sync_engine_save_last_sync (CairnSyncEngine *self);
void         _cairn_sync_engine_load_account (CairnSyncEngine *self);
void         _cairn_sync_engine_note_refused (CairnSyncEngine *self);
void         _cairn_sync_engine_pull_async (CairnSyncEngine *self, gint64 after, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
CairnPullReply * _cairn_sync_engine_pull_finish (CairnSyncEngine *self, GAsyncResult *result, GError **error);
void         _cairn_sync_engine_pull_path_async (CairnSyncEngine *self, const char *path, const char *what, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* The workspace's latest snapshot (cairn-snapshot.h), as downloaded. */
void         _cairn_sync_engine_snapshot_async (CairnSyncEngine *self, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
GBytes *     _cairn_sync_engine_snapshot_finish (CairnSyncEngine *self, GAsyncResult *result, GError **error);
void         _cairn_sync_engine_set_failure_state (CairnSyncEngine *self, const GError *error);
void         _cairn_sync_engine_set_state (CairnSyncEngine *self, CairnSyncState state, const char *message);
void         _cairn_sync_engine_update_counts (CairnSyncEngine *self);

/* Issue 17, fourth round (the catch-up's pipeline, cairn-sync-pipeline.c):
 * what a request that got no answer, or a pull's answer, says; any thread. */
GError *     _cairn_sync_engine_send_error (GError *send_error, SoupMessage *msg, const char *what,
                                           char **out_refused);
SoupSession *_cairn_sync_engine_new_session (void);
GError *     _cairn_sync_engine_certificate_error (const char *refused, GTlsCertificateFlags errors);
CairnPullReply * _cairn_sync_engine_pull_answer (guint status, GBytes *bytes, const char *what, GError **error);

/* cairn-sync-engine-states.c */
void         _cairn_sync_engine_state_idle (CairnSyncEngine *self);
void         _cairn_sync_engine_state_clear (CairnSyncEngine *self);

G_END_DECLS

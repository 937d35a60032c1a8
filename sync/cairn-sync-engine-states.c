/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-engine-states.c: the engine's side of state hashes. When the
 * device is up to date, it reports the hash of its confirmed state
 * (POST /v1/workspaces/{ws}/state) now and then, and repairs the store
 * when the server says the other devices agree on another hash
 * (CairnStateCheck; docs/sync.md, "State hashes"). */
#define G_LOG_DOMAIN "cairn-sync"

#include "config.h"

#include "cairn-state-check.h"
#include "cairn-sync-engine-private.h"

/* Up to date for this long before a report, so that the devices of a
 * workspace that went quiet report at the same head. */
#define STATE_QUIET_SECONDS        30
/* A quiet device reports at most this often (a report costs a full hash of
 * the state: BENCHMARKS.md); a busy one every
 * CAIRN_STATE_CHECK_DEFAULT_INTERVAL events. */
#define STATE_MIN_REPORT_SECONDS   (10 * 60)

/* Tests shorten the waits (tests/sync/test-sync-state.c); nothing else
 * should. */
static guint
quiet_ms (void)
{
  const char *env = g_getenv ("CAIRN_SYNC_STATE_QUIET_MS");

  return env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : STATE_QUIET_SECONDS * 1000;
}

static gint64
min_report_us (void)
{
  const char *env = g_getenv ("CAIRN_SYNC_STATE_MIN_REPORT_MS");

  return env != NULL ? (gint64) g_ascii_strtoull (env, NULL, 10) * 1000
                     : (gint64) STATE_MIN_REPORT_SECONDS * G_USEC_PER_SEC;
}

static gboolean quiet_elapsed (gpointer user_data);

void
_cairn_sync_engine_state_clear (CairnSyncEngine *self)
{
  g_clear_handle_id (&self->state_timer_id, g_source_remove);
  g_clear_pointer (&self->state_check, cairn_state_check_free);
  self->state_in_flight = FALSE;
  self->state_generation++;
}

/* A report in flight: its answer counts only for the check that sent it. */
typedef struct
{
  CairnSyncEngine *engine;
  guint            generation;
} ReportCall;

static void
report_call_free (ReportCall *call)
{
  g_object_unref (call->engine);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReportCall, report_call_free)

static void report_async (CairnSyncEngine *self,
                          gboolean         quiet);

static void
report_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ReportCall) call = user_data;
  CairnSyncEngine *self = call->engine;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CairnStateVerdict) verdict = NULL;
  CairnStateCheckAction action;

  node = _cairn_sync_engine_http_call_finish (self, result, NULL, &error);
  if (call->generation != self->state_generation || !self->state_in_flight)
    return;  /* the store changed meanwhile */
  self->state_in_flight = FALSE;
  if (self->state_check == NULL)
    return;
  if (node == NULL)
    {
      /* A server older than state reports answers not_found: nothing to
       * compare with, and nothing wrong. Anything else: try later. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("State report not answered: %s", error->message);
      return;
    }
  if (!(verdict = cairn_protocol_decode_state_verdict (node, &error)))
    {
      g_message ("The server's answer to a state report is malformed, ignored: %s", error->message);
      return;
    }
  action = cairn_state_check_handle_verdict (self->state_check, verdict, &error);
  if (error != NULL)
    {
      g_warning ("Cannot repair this device's copy of the workspace: %s", error->message);
      return;
    }
  switch (action)
    {
    case CAIRN_STATE_CHECK_REDOWNLOAD:
      if (self->core != NULL)
        cairn_sync_core_reset_connection (self->core);
      G_GNUC_FALLTHROUGH;
    case CAIRN_STATE_CHECK_REBUILT:
      _cairn_sync_status_set_state_repaired_at (self->status, _cairn_sync_engine_now_ms (self));
      _cairn_sync_engine_update_counts (self);
      _cairn_sync_engine_kick (self);
      /* Report again at once: the server's next answer says whether the
       * repair worked. */
      if (action == CAIRN_STATE_CHECK_REBUILT)
        report_async (self, TRUE);
      break;
    case CAIRN_STATE_CHECK_NOTHING:
      /* Unknown: report the same head again after another quiet wait. */
      if (cairn_state_check_wants_retry (self->state_check))
        {
          g_clear_handle_id (&self->state_timer_id, g_source_remove);
          self->state_timer_id = g_timeout_add (quiet_ms (), quiet_elapsed, self);
        }
      break;
    case CAIRN_STATE_CHECK_GAVE_UP:
    default:
      break;
    }
}

/* The hash came back from the store's worker thread: the report, if
 * any, goes to the server. */
static void
report_hashed (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ReportCall) call = user_data;
  CairnSyncEngine *self = call->engine;
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStateReport) report = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *path = NULL;

  /* the store (and its check) changed meanwhile, or the engine stopped */
  if (call->generation != self->state_generation || !self->state_in_flight ||
      self->state_check == NULL)
    return;
  report = cairn_state_check_next_report_finish (self->state_check, result, &error);
  if (report == NULL || self->workspace_id == NULL || self->token == NULL)
    {
      self->state_in_flight = FALSE;
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot hash this device's copy of the workspace: %s", error->message);
      return;
    }
  self->state_last_report = _cairn_sync_engine_monotonic (self);
  body = cairn_protocol_encode_state_report (report);
  path = g_strdup_printf ("/v1/workspaces/%s/state", self->workspace_id);
  _cairn_sync_engine_http_call_async (self, "POST", path, body, "checking this device's copy",
                                      self->cancellable, report_done, g_steal_pointer (&call));
}

/* The hash is made on the store's worker thread (it reads the whole
 * state: BENCHMARKS.md), the report sent when it comes back; one at a
 * time (state_in_flight covers both). */
static void
report_async (CairnSyncEngine *self,
              gboolean         quiet)
{
  ReportCall *call;

  if (self->state_check == NULL || self->state_in_flight || self->workspace_id == NULL ||
      self->token == NULL)
    return;
  self->state_in_flight = TRUE;
  call = g_new0 (ReportCall, 1);
  call->engine = g_object_ref (self);
  call->generation = self->state_generation;
  cairn_state_check_next_report_async (self->state_check, quiet, self->cancellable,
                                       report_hashed, call);
}

static gboolean
quiet_elapsed (gpointer user_data)
{
  CairnSyncEngine *self = user_data;
  gboolean due_by_time;

  self->state_timer_id = 0;
  due_by_time = self->state_last_report == 0 ||
                _cairn_sync_engine_monotonic (self) - self->state_last_report >= min_report_us ();
  /* A stopped engine sends nothing. */
  if (self->running && self->core != NULL && cairn_sync_core_is_up_to_date (self->core))
    report_async (self, due_by_time);
  return G_SOURCE_REMOVE;
}

void
_cairn_sync_engine_state_idle (CairnSyncEngine *self)
{
  /* Continuous mode only (the app): a sync round (cairn-cli sync) would
   * pay a full hash and end before the answer. */
  if (!self->running || self->store == NULL || self->core == NULL)
    return;
  if (self->state_check != NULL && cairn_state_check_get_store (self->state_check) != self->store)
    _cairn_sync_engine_state_clear (self);
  if (self->state_check == NULL)
    self->state_check = cairn_state_check_new (self->store);

  /* Many events since the last report: now. */
  report_async (self, FALSE);
  /* Else when the workspace has been quiet for a while. */
  g_clear_handle_id (&self->state_timer_id, g_source_remove);
  self->state_timer_id = g_timeout_add (quiet_ms (), quiet_elapsed, self);
}

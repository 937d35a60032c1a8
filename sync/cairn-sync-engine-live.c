/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-engine-live.c: continuous sync over the live WebSocket. */
#define G_LOG_DOMAIN "cairn-sync-engine"
#include "config.h"

#include "cairn-sync-engine-private.h"
#include "cairn-sync-engine-test.h"

static void live_connect (CairnSyncEngine *self);

/* ---- continuous sync (live WebSocket) ----------------------------------- */

static gboolean
reconnect_cb (gpointer user_data)
{
  CairnSyncEngine *self = user_data;

  self->reconnect_id = 0;
  _cairn_sync_status_set_next_retry (self->status, 0);
  live_connect (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (CairnSyncEngine *self)
{
  guint delay;

  if (!self->running || self->reconnect_id != 0)
    return;
  delay = cairn_backoff_next_delay (&self->backoff);
  g_debug ("Reconnecting in %u ms", delay);
  self->reconnect_id = g_timeout_add (delay, reconnect_cb, self);
  _cairn_sync_status_set_next_retry (self->status, g_get_real_time () / 1000 + delay);
}

static void
live_drop (CairnSyncEngine *self)
{
  if (self->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ws, self);
      if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&self->ws);
    }
  g_clear_pointer (&self->ws_push_id, g_free);
  self->ws_missed_at = 0;
  if (self->core != NULL)
    cairn_sync_core_reset_connection (self->core);
}

static void
live_lost (CairnSyncEngine *self,
           const GError    *error)
{
  live_drop (self);
  if (error != NULL)
    _cairn_sync_engine_set_failure_state (self, error);
  else
    _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_OFFLINE, NULL);
  if (self->running && cairn_sync_engine_is_signed_in (self))
    schedule_reconnect (self);
}

static void
live_pull_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CairnSyncEngine *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPullReply) reply = NULL;

  gboolean probe;
  gint64 head_before;

  reply = _cairn_sync_engine_pull_finish (self, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  self->pulling = FALSE;
  probe = self->probe_pull;
  self->probe_pull = FALSE;
  if (reply == NULL)
    live_lost (self, error);
  else if (self->core == NULL)
    ;
  else
    {
      head_before = cairn_store_get_head (self->store);
      if (!cairn_sync_core_receive (self->core, reply->events, reply->head, reply->history_id, &error))
        {
          live_lost (self, error);
          g_object_unref (self);
          return;
        }
      /* The check brought events the stream had not: unless the stream
       * says something before the next check, it is dead (probe_cb). */
      if (probe && self->ws != NULL && self->ws_missed_at == 0 &&
          cairn_store_get_head (self->store) > head_before)
        self->ws_missed_at = _cairn_sync_engine_monotonic (self);
      _cairn_sync_engine_kick (self);
    }
  g_object_unref (self);
}

/* Sends what can be sent and pulls what is missing; says "up to date"
 * when there is nothing of either. */
void
_cairn_sync_engine_kick (CairnSyncEngine *self)
{
  g_autoptr(GError) error = NULL;

  if (!self->running || self->ws == NULL || self->core == NULL)
    return;

  if (self->ws_push_id == NULL)
    {
      g_autoptr(GPtrArray) batch = cairn_sync_core_next_push (self->core, PUSH_BATCH, &error);

      if (error != NULL)
        {
          live_lost (self, error);
          return;
        }
      if (batch != NULL)
        {
          g_autoptr(JsonNode) msg = NULL;
          g_autofree char *text = NULL;

          self->ws_push_id = g_strdup_printf ("p%" G_GUINT64_FORMAT, ++self->push_counter);
          msg = cairn_protocol_encode_push_request (batch, self->ws_push_id);
          text = cairn_protocol_to_string (msg, NULL);
          soup_websocket_connection_send_text (self->ws, text);
          self->ws_push_sent = _cairn_sync_engine_monotonic (self);
          _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_SYNCING, NULL);
        }
    }

  if (!self->pulling && cairn_sync_core_wants_pull (self->core))
    {
      self->pulling = TRUE;
      /* The periodic check is not shown: an idle app's indicator stays
       * still. What it finds is shown as it is applied. */
      if (!self->probe_pull)
        _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_SYNCING, NULL);
      /* Each page comes back through the main loop: a long catch-up never
       * blocks the UI. */
      _cairn_sync_engine_pull_async (self, cairn_sync_core_pull_after (self->core), self->cancellable,
                  live_pull_done, g_object_ref (self));
    }

  if (self->ws_push_id == NULL && !self->pulling && cairn_sync_core_is_up_to_date (self->core))
    _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_UP_TO_DATE, NULL);
  else
    _cairn_sync_engine_update_counts (self);
}

static void
live_message (SoupWebsocketConnection *ws,
              gint                     type,
              GBytes                  *message,
              CairnSyncEngine         *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnLiveMessage) msg = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (message, &len);
  gboolean ok = TRUE;

  self->ws_last_message = _cairn_sync_engine_monotonic (self);
  self->ws_missed_at = 0;
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;
  msg = cairn_protocol_decode_live_message_text (data, len, CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES * 2,
                                                 &error);
  if (msg == NULL)
    {
      g_autoptr(GError) wrapped = g_error_new (CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL,
                                               "Unreadable message on the live stream: %s",
                                               error->message);
      live_lost (self, wrapped);
      return;
    }

  switch (msg->type)
    {
    case CAIRN_LIVE_HELLO:
      cairn_backoff_reset (&self->backoff);
      ok = cairn_sync_core_receive (self->core, NULL, msg->head, msg->history_id, &error);
      break;
    case CAIRN_LIVE_EVENTS:
      ok = cairn_sync_core_receive (self->core, msg->events, msg->head, NULL, &error);
      break;
    case CAIRN_LIVE_ACK:
      if (g_strcmp0 (msg->ack->id, self->ws_push_id) == 0)
        {
          g_clear_pointer (&self->ws_push_id, g_free);
          ok = cairn_sync_core_push_done (self->core, msg->ack, &error);
        }
      break;
    case CAIRN_LIVE_ERROR:
      {
        g_autoptr(GError) server_error = cairn_error_reply_to_gerror (msg->error);

        if (msg->id != NULL && g_strcmp0 (msg->id, self->ws_push_id) == 0)
          {
            g_clear_pointer (&self->ws_push_id, g_free);
            ok = cairn_sync_core_push_failed (self->core, server_error, msg->error->expected, &error);
            if (ok && cairn_sync_core_is_refusal (server_error))
              {
                _cairn_sync_engine_note_refused (self);
                _cairn_sync_engine_update_counts (self);
                break;   /* push the rest (_cairn_sync_engine_kick) */
              }
          }
        if (ok && !g_error_matches (server_error, CAIRN_PROTOCOL_ERROR,
                                    CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP))
          {
            live_lost (self, server_error);
            return;
          }
      }
      break;
    default:
      break;
    }

  if (!ok)
    {
      live_lost (self, error);
      return;
    }
  _cairn_sync_engine_kick (self);
}

static void
live_closed (SoupWebsocketConnection *ws,
             CairnSyncEngine         *self)
{
  gushort code = soup_websocket_connection_get_close_code (ws);

  if (code == SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION)
    {
      /* 1008: the session was revoked or we left the workspace. */
      g_autoptr(GError) error = g_error_new (CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                                             "The server ended this device's session");
      live_lost (self, error);
      return;
    }
  live_lost (self, NULL);
}

static void
http_fallback_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!cairn_sync_engine_sync_finish (CAIRN_SYNC_ENGINE (source), result, &error))
    g_debug ("Sync over HTTP failed: %s", error->message);
}

static void
live_connected (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CairnSyncEngine *self = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *ws;

  guint status = 0;

  ws = cairn_ws_limit_connect_finish (result, &status, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  if (ws == NULL)
    {
      g_autoptr(GError) why = NULL;
      GTlsCertificateFlags cert_errors = 0;
      g_autofree char *refused = cairn_ws_limit_connect_dup_refused (result, &cert_errors);

      if (refused != NULL)
        {
          /* Not the network: the server's certificate (a new key, another
           * machine at the address) is not the one trusted. */
          why = _cairn_sync_engine_certificate_error (refused, cert_errors);
          g_free (self->refused_certificate);
          self->refused_certificate = g_steal_pointer (&refused);
        }
      else if (status == SOUP_STATUS_UNAUTHORIZED)
        why = g_error_new (CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                           "The server refused this device's sign-in");
      else
        why = g_error_new (CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_NETWORK,
                           "Cannot open the live stream: %s", error->message);
      live_lost (self, why);
      /* The server answers HTTP but the stream cannot be opened (a proxy
       * without WebSocket support, too many connections): sync over plain
       * HTTP at every reconnection attempt meanwhile. */
      if (status >= 400 && status != SOUP_STATUS_UNAUTHORIZED && self->running)
        cairn_sync_engine_sync_async (self, self->cancellable, http_fallback_done, NULL);
      g_object_unref (self);
      return;
    }
  if (!self->running || self->core == NULL)
    {
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (ws);
      g_object_unref (self);
      return;
    }

  self->ws = ws;
  self->connect_count++;
  self->ws_last_message = _cairn_sync_engine_monotonic (self);
  self->ws_missed_at = 0;
  soup_websocket_connection_set_keepalive_interval (ws, PROBE_SECONDS);
  g_signal_connect (ws, "message", G_CALLBACK (live_message), self);
  g_signal_connect (ws, "closed", G_CALLBACK (live_closed), self);
  _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_SYNCING, NULL);
  _cairn_sync_engine_kick (self);
  g_object_unref (self);
}

/* The first round of a device with nothing confirmed is over (loaded from
 * the snapshot and pulled, or not): the live stream goes on from there. */
static void
live_bootstrap_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  CairnSyncEngine *self = CAIRN_SYNC_ENGINE (source);
  g_autoptr(GError) error = NULL;

  if (!cairn_sync_engine_sync_finish (self, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* The stream's own connection reports and retries whatever it was. */
      g_message ("The first sync before the live stream failed: %s", error->message);
    }
  live_connect (self);
}

static void
live_connect (CairnSyncEngine *self)
{
  g_autofree char *url = NULL;
  g_autofree char *auth = NULL;

  if (!self->running || self->core == NULL || self->ws != NULL)
    return;
  if (!cairn_sync_engine_is_signed_in (self))
    {
      _cairn_sync_engine_set_state (self, self->server_url ? CAIRN_SYNC_STATE_NEEDS_SIGN_IN : CAIRN_SYNC_STATE_OFFLINE,
                 NULL);
      return;
    }
  /* A new device (nothing confirmed yet): the stream would replay the
   * whole log from seq 1; a sync round starts from the server's snapshot
   * instead when there is one (docs/sync.md, "Bootstrap"), then the
   * stream goes on from its head. Once per engine. */
  if (!self->live_bootstrap_tried &&
      cairn_store_get_head (self->store) == 0 && cairn_sync_core_pull_after (self->core) == 0)
    {
      self->live_bootstrap_tried = TRUE;
      cairn_sync_engine_sync_async (self, self->cancellable, live_bootstrap_done, NULL);
      return;
    }

  cairn_sync_core_reset_connection (self->core);
  url = g_strdup_printf ("%s/v1/workspaces/%s/live?after=%" G_GINT64_FORMAT, self->server_url,
                         self->workspace_id, cairn_sync_core_pull_after (self->core));
  if (!g_uri_is_valid (url, G_URI_FLAGS_ENCODED, NULL))
    {
      _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_ERROR, "The server address is not valid");
      return;
    }
  auth = g_strconcat ("Bearer ", self->token, NULL);
  _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_CONNECTING, NULL);
  /* Opened by cairn-ws-limit rather than the session: libsoup 3.2 limits
   * each frame, not a message sent in many fragments, and does not let
   * the app read a session's WebSocket stream itself. */
  cairn_ws_limit_connect_async (url, auth, CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES, self->certificate,
                                self->cancellable, live_connected, g_object_ref (self));
}

/* Liveness of the live stream. An idle workspace's stream is silent:
 * the server pings every 30 s, but libsoup 3.2 answers pings without
 * telling us, so silence proves nothing, and dropping a silent stream made
 * an idle app reconnect every two minutes. The stream counts as gone only
 * when
 * - libsoup closes it ("closed": a read or a write failed; our own
 *   keepalive pings, every PROBE_SECONDS, make a write fail on a dead
 *   connection, and the server closes on a missed pong);
 * - a push of ours stays unanswered for 3 * PROBE_SECONDS;
 * - the HTTP check below brought events the stream had not, and the
 *   stream still said nothing by the next check (one period, so an event
 *   that the pull and the stream bring at about the same time does not
 *   count).
 * The check: every PROBE_SECONDS the server's history is checked again
 * and anything missing pulled over HTTP, quietly (the state stays as it
 * is unless something is found). It doubles as a gap filler and notices
 * a restored server. */
static gboolean
probe_cb (gpointer user_data)
{
  CairnSyncEngine *self = user_data;
  gint64 now;

  if (self->ws == NULL || self->core == NULL)
    return G_SOURCE_CONTINUE;
  now = _cairn_sync_engine_monotonic (self);
  if (self->ws_push_id != NULL && now - self->ws_push_sent > 3 * PROBE_SECONDS * G_USEC_PER_SEC)
    {
      g_debug ("No answer to a push for %" G_GINT64_FORMAT " s; reconnecting",
               (now - self->ws_push_sent) / G_USEC_PER_SEC);
      live_lost (self, NULL);
      return G_SOURCE_CONTINUE;
    }
  if (self->ws_missed_at != 0 && now - self->ws_missed_at >= PROBE_SECONDS * G_USEC_PER_SEC / 2)
    {
      g_debug ("The live stream missed events the server has; reconnecting");
      live_lost (self, NULL);
      return G_SOURCE_CONTINUE;
    }
  if (!self->pulling)
    {
      cairn_sync_core_reset_connection (self->core);
      self->probe_pull = TRUE;
      _cairn_sync_engine_kick (self);
      if (!self->pulling)
        self->probe_pull = FALSE;
    }
  return G_SOURCE_CONTINUE;
}

void
_cairn_sync_engine_advance_clock (CairnSyncEngine *self,
                                  gint64           usec)
{
  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));
  self->clock_offset += usec;
}

void
_cairn_sync_engine_probe_now (CairnSyncEngine *self)
{
  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));
  probe_cb (self);
}

gboolean
_cairn_sync_engine_probe_pending (CairnSyncEngine *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (self), FALSE);
  return self->probe_pull;
}

guint
_cairn_sync_engine_get_connect_count (CairnSyncEngine *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (self), 0);
  return self->connect_count;
}

void
_cairn_sync_engine_mute_stream (CairnSyncEngine *self)
{
  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));
  if (self->ws != NULL)
    g_signal_handlers_disconnect_by_func (self->ws, live_message, self);
}

void
cairn_sync_engine_start (CairnSyncEngine *self)
{
  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));

  if (self->running)
    return;
  self->running = TRUE;
  self->cancellable = g_cancellable_new ();
  cairn_backoff_reset (&self->backoff);
  self->probe_id = g_timeout_add_seconds (PROBE_SECONDS, probe_cb, self);
  live_connect (self);
}

void
cairn_sync_engine_stop (CairnSyncEngine *self)
{
  g_return_if_fail (CAIRN_IS_SYNC_ENGINE (self));

  if (!self->running)
    return;
  self->running = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  _cairn_sync_status_set_next_retry (self->status, 0);
  g_clear_handle_id (&self->probe_id, g_source_remove);
  self->pulling = FALSE;
  self->probe_pull = FALSE;
  live_drop (self);
  _cairn_sync_engine_save_last_sync (self);
  if (cairn_sync_status_get_state (self->status) != CAIRN_SYNC_STATE_NEEDS_SIGN_IN)
    _cairn_sync_engine_set_state (self, CAIRN_SYNC_STATE_OFFLINE, NULL);
}

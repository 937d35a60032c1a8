/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-live.c: live WebSockets: upgrade, backlog, fan-out, pushes
 * over the socket, rechecks. */
#define G_LOG_DOMAIN "cairn-server"
#include "config.h"

#include "cairn-server-private.h"

/* ---- live connections ----------------------------------------------------- */

static void
deferred_ack_free (DeferredAck *da)
{
  g_free (da->text);
  g_free (da);
}


static void
live_conn_free (LiveConn *lc)
{
  /* No callback may see lc after this, even if libsoup keeps conn alive
   * a little longer while it closes. */
  if (lc->conn != NULL)
    g_signal_handlers_disconnect_by_data (lc->conn, lc);
  if (lc->backlog_source != 0)
    g_source_remove (lc->backlog_source);
  if (lc->conn != NULL)
    g_object_set_data (G_OBJECT (lc->conn), "cairn-live-conn", NULL);
  g_queue_clear_full (&lc->deferred, (GDestroyNotify) deferred_ack_free);
  g_clear_object (&lc->socket);
  g_clear_object (&lc->conn);
  g_free (lc->workspace_id);
  if (lc->token != NULL)
    sodium_memzero (lc->token, strlen (lc->token));
  g_free (lc->token);
  g_clear_pointer (&lc->auth, cairn_auth_free);
  g_free (lc);
}

static guint
live_count_for_user (Server *self,
                     gint64  user_id)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->live_per_user, &user_id));
}

static void
live_count_add (Server *self,
                gint64  user_id,
                int     delta)
{
  guint n = live_count_for_user (self, user_id) + delta;

  if (n == 0)
    g_hash_table_remove (self->live_per_user, &user_id);
  else
    {
      gint64 *key = g_new (gint64, 1);

      *key = user_id;
      g_hash_table_replace (self->live_per_user, key, GUINT_TO_POINTER (n));
    }
}

static void
send_node (SoupWebsocketConnection *conn,
           JsonNode                *node)
{
  g_autofree char *text = cairn_protocol_to_string (node, NULL);

  if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (conn, text);
}

/* The "events" messages for events, each within MAX_PAGE_BYTES, as text. */
static GPtrArray *
encode_event_pages (GPtrArray *events,
                    gint64     head)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) page = g_ptr_array_new ();
  gsize bytes = 0;

  for (guint i = 0; i <= events->len; i++)
    {
      CairnWireEvent *ev = i < events->len ? g_ptr_array_index (events, i) : NULL;
      gsize size = ev ? cairn_wire_event_size_bound (ev) : 0;

      if (page->len > 0 && (ev == NULL || bytes + size > CAIRN_PROTOCOL_MAX_PAGE_BYTES - 4096))
        {
          g_ptr_array_add (texts, cairn_protocol_live_events_to_text (page, head, NULL));
          g_ptr_array_set_size (page, 0);
          bytes = 0;
        }
      if (ev != NULL)
        {
          g_ptr_array_add (page, ev);
          bytes += size;
        }
    }
  return texts;
}

static gboolean live_socket_full (LiveConn *lc);
static gboolean on_backlog_retry (gpointer user_data);

/* ---- several instances on one database ----------------------------------- */

/* Puts lc back on being fed from the database after what it was sent (as
 * a connection with a full socket is): soon, from the main loop. */
static void
catch_up (LiveConn *lc)
{
  if (lc->catching_up)
    return;   /* its backlog reads up to the head anyway */
  lc->catching_up = TRUE;
  lc->backlog_after = lc->sent_seq;
  if (lc->backlog_source == 0)
    lc->backlog_source = g_timeout_add (0, on_backlog_retry, lc);
}

/* One read from the database for every live connection of workspace_id
 * that waits for events up to head, sent on by _cairn_server_fan_out() as
 * this instance's own pushes are (encoded once, the same text to each;
 * one whose sent_seq is not where the read starts catches up by itself).
 * FALSE when that read cannot be done (too many events for one page, the
 * database away, the reader no longer a member): then each connection
 * reads for itself, as it would after a full socket. */
/* The first connection of workspace_id that waits for events up to head
 * (one catching up reads them anyway), and the least seq any was sent. */
static LiveConn *
find_waiting (Server     *self,
              const char *workspace_id,
              gint64      head,
              gint64     *out_after)
{
  GPtrArray *conns = g_hash_table_lookup (self->live, workspace_id);
  LiveConn *reader = NULL;

  *out_after = G_MAXINT64;
  for (guint i = 0; conns != NULL && i < conns->len; i++)
    {
      LiveConn *lc = g_ptr_array_index (conns, i);

      if (lc->conn == NULL || lc->catching_up || lc->sent_seq >= head ||
          soup_websocket_connection_get_state (lc->conn) != SOUP_WEBSOCKET_STATE_OPEN)
        continue;
      if (reader == NULL)
        reader = lc;
      *out_after = MIN (*out_after, lc->sent_seq);
    }
  return reader;
}

static gboolean
read_once_for_all (Server     *self,
                   const char *workspace_id,
                   gint64      head)
{
  g_autoptr(CairnPullReply) page = NULL;
  g_autoptr(GError) error = NULL;
  LiveConn *reader;
  gint64 after;

  /* This instance's own commits wake it too: nobody waits, and its open
   * group (if any) is left to commit in its time. */
  if (find_waiting (self, workspace_id, head, &after) == NULL)
    return TRUE;
  /* An open group is committed first (the read would do that anyway):
   * its own fan-out runs now, not inside the read; then look again. */
  if (cairn_server_core_group_open (self->core))
    cairn_server_core_commit_group (self->core, NULL);
  if ((reader = find_waiting (self, workspace_id, head, &after)) == NULL)
    return TRUE;
  page = cairn_server_core_pull (self->core, reader->auth, workspace_id, after,
                                 CAIRN_PROTOCOL_DEFAULT_PULL_LIMIT, &error);
  if (page == NULL || page->more || page->events->len == 0)
    return FALSE;
  _cairn_server_fan_out (self, workspace_id, page->events, page->head);
  return TRUE;
}

/* Another instance (or this one) committed workspace_id up to head
 * (cairn_server_core_watch_commits()): the connections of it that were
 * sent less get the rest from one read (read_once_for_all()), else each
 * reads it from the database. With workspace_id NULL (the periodic
 * catch-up), every workspace's head is read first. */
void
_cairn_server_on_commit (const char *workspace_id,
                         gint64      head,
                         gpointer    user_data)
{
  Server *self = user_data;
  GHashTableIter iter;
  gpointer key, value;

  if (self->live == NULL)
    return;   /* torn down */
  if (workspace_id != NULL)
    {
      GPtrArray *conns;

      if (read_once_for_all (self, workspace_id, head))
        return;
      conns = g_hash_table_lookup (self->live, workspace_id);
      for (guint i = 0; conns != NULL && i < conns->len; i++)
        {
          LiveConn *lc = g_ptr_array_index (conns, i);

          if (lc->conn != NULL && lc->sent_seq < head &&
              soup_websocket_connection_get_state (lc->conn) == SOUP_WEBSOCKET_STATE_OPEN)
            catch_up (lc);
        }
      return;
    }
  g_hash_table_iter_init (&iter, self->live);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *conns = value;
      g_autoptr(GError) error = NULL;
      gint64 ws_head = 0;

      /* Any member's view of the head will do. */
      if (conns->len == 0 ||
          !cairn_server_core_head (self->core, ((LiveConn *) g_ptr_array_index (conns, 0))->auth,
                                   key, &ws_head, NULL, &error))
        continue;
      for (guint i = 0; i < conns->len; i++)
        {
          LiveConn *lc = g_ptr_array_index (conns, i);

          if (lc->conn != NULL && lc->sent_seq < ws_head &&
              soup_websocket_connection_get_state (lc->conn) == SOUP_WEBSOCKET_STATE_OPEN)
            catch_up (lc);
        }
    }
}

/* Sends newly committed events to every live connection of the workspace. */
void
_cairn_server_fan_out (Server     *self,
         const char *workspace_id,
         GPtrArray  *appended,
         gint64      head)
{
  GPtrArray *conns = g_hash_table_lookup (self->live, workspace_id);
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(GHashTable) allowed = NULL;   /* session id -> GINT (1 yes, 2 no) */

  if (conns == NULL || conns->len == 0 || appended == NULL || appended->len == 0)
    return;
  /* Encoded once; the same text goes to every listener. */
  texts = encode_event_pages (appended, head);
  allowed = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < conns->len; i++)
    {
      LiveConn *lc = g_ptr_array_index (conns, i);
      int verdict;

      if (soup_websocket_connection_get_state (lc->conn) != SOUP_WEBSOCKET_STATE_OPEN)
        continue;
      /* Still sending its backlog, which reads these events from the
       * database in their turn (they are committed already). */
      if (lc->catching_up)
        continue;
      /* The session may have been revoked or the user removed, also by an
       * admin command in another process: such a listener gets nothing more. */
      verdict = GPOINTER_TO_INT (g_hash_table_lookup (allowed, lc->auth->session_id));
      if (verdict == 0)
        {
          /* One check per session and fan-out, however many of its
           * connections listen. */
          verdict = cairn_server_core_still_allowed (self->core, lc->auth, workspace_id) ? 1 : 2;
          g_hash_table_insert (allowed, lc->auth->session_id, GINT_TO_POINTER (verdict));
        }
      if (verdict == 2)
        {
          g_ptr_array_add (refused, g_object_ref (lc->conn));
          continue;
        }
      /* Not the next events for it: another instance committed some in
       * between (PostgreSQL), or it was sent these already. */
      if (((CairnWireEvent *) g_ptr_array_index (appended, 0))->seq != lc->sent_seq + 1)
        {
          if (((CairnWireEvent *) g_ptr_array_index (appended, appended->len - 1))->seq > lc->sent_seq)
            catch_up (lc);
          continue;
        }
      if (live_socket_full (lc))
        {
          /* Not reading (or slow): rather than queue without bound, it
           * goes back to being sent pages from the database as its
           * socket drains, starting after what it was sent. */
          lc->catching_up = TRUE;
          lc->backlog_after = lc->sent_seq;
          if (lc->backlog_source == 0)
            lc->backlog_source = g_timeout_add (BACKLOG_RETRY_MS, on_backlog_retry, lc);
          continue;
        }
      for (guint k = 0; k < texts->len; k++)
        soup_websocket_connection_send_text (lc->conn, g_ptr_array_index (texts, k));
      lc->sent_seq = ((CairnWireEvent *) g_ptr_array_index (appended, appended->len - 1))->seq;
    }
  /* Closed after the loop: "closed" may change conns. */
  for (guint i = 0; i < refused->len; i++)
    soup_websocket_connection_close (g_ptr_array_index (refused, i),
                                     SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "no longer allowed");
}

/* Closes, with 1008, every live connection whose session is gone or
 * expired or whose user is no longer a member of its workspace; for the
 * others, an open live connection counts as use of its session (marked at
 * most once per cairn_server_core_live_touch_interval()). */
gboolean
_cairn_server_recheck_live (gpointer user_data)
{
  Server *self = user_data;
  g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) touched = g_hash_table_new (g_str_hash, g_str_equal);
  gint64 now = g_get_monotonic_time ();
  gint64 touch_us = cairn_server_core_live_touch_interval (self->core) * 1000;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->live);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *conns = value;
      /* One check per session and workspace. */
      g_autoptr(GHashTable) allowed = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint i = 0; i < conns->len; i++)
        {
          LiveConn *lc = g_ptr_array_index (conns, i);
          int verdict;

          if (lc->conn == NULL || soup_websocket_connection_get_state (lc->conn) != SOUP_WEBSOCKET_STATE_OPEN)
            continue;
          verdict = GPOINTER_TO_INT (g_hash_table_lookup (allowed, lc->auth->session_id));
          if (verdict == 0)
            {
              verdict = cairn_server_core_still_allowed (self->core, lc->auth, key) ? 1 : 2;
              g_hash_table_insert (allowed, lc->auth->session_id, GINT_TO_POINTER (verdict));
            }
          if (verdict == 2)
            {
              g_ptr_array_add (refused, g_object_ref (lc->conn));
              continue;
            }
          if (now - lc->touched_at >= touch_us)
            {
              g_autoptr(GError) error = NULL;

              /* Once per session and walk, however many connections it has. */
              if (!g_hash_table_contains (touched, lc->auth->session_id))
                {
                  if (!cairn_server_core_touch_session (self->core, lc->auth, &error))
                    {
                      g_warning ("Cannot mark a live session as used: %s", error->message);
                      continue;
                    }
                  g_hash_table_add (touched, lc->auth->session_id);
                }
              lc->touched_at = now;
            }
        }
    }
  /* Closed after the walk: "closed" changes the table. */
  for (guint i = 0; i < refused->len; i++)
    soup_websocket_connection_close (g_ptr_array_index (refused, i),
                                     SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "no longer allowed");
  return G_SOURCE_CONTINUE;
}

/* Closes the live connections that match (NULL matches anything). */
void
_cairn_server_close_live (Server     *self,
            const char *workspace_id,
            const char *username,
            const char *session_id,
            gushort     code,
            const char *reason)
{
  g_autoptr(GPtrArray) victims = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key, value;

  /* Collect first: "closed" may remove entries from the table. */
  g_hash_table_iter_init (&iter, self->live);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GPtrArray *conns = value;

      if (workspace_id != NULL && !g_str_equal (key, workspace_id))
        continue;
      for (guint i = 0; i < conns->len; i++)
        {
          LiveConn *lc = g_ptr_array_index (conns, i);

          if (username != NULL && !g_str_equal (lc->auth->username, username))
            continue;
          if (session_id != NULL && !g_str_equal (lc->auth->session_id, session_id))
            continue;
          g_ptr_array_add (victims, g_object_ref (lc->conn));
        }
    }
  for (guint i = 0; i < victims->len; i++)
    {
      SoupWebsocketConnection *conn = g_ptr_array_index (victims, i);

      if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (conn, code, reason);
    }
}

static void
on_live_closed (SoupWebsocketConnection *conn,
                gpointer                 user_data)
{
  LiveConn *lc = user_data;
  Server *self = lc->server;
  GPtrArray *conns = self->live ? g_hash_table_lookup (self->live, lc->workspace_id) : NULL;

  _cairn_server_log_line ("live-closed", "WS", lc->workspace_id, soup_websocket_connection_get_close_code (conn),
            0, NULL);
  g_signal_handlers_disconnect_by_data (conn, lc);
  live_count_add (self, lc->auth->user_id, -1);
  if (conns != NULL)
    {
      g_autofree char *ws = g_strdup (lc->workspace_id);

      g_ptr_array_remove_fast (conns, lc);   /* frees lc */
      if (conns->len == 0)
        g_hash_table_remove (self->live, ws);
    }
  else
    live_conn_free (lc);

  _cairn_server_maybe_finish_shutdown (self);
}


static void
live_push (LiveConn *lc,
           GBytes   *message)
{
  Server *self = lc->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) appended = NULL;
  g_autoptr(CairnPushReply) reply = NULL;
  g_autoptr(CairnAuth) auth = NULL;
  g_autofree char *id = NULL;
  g_autofree char *gap_client = NULL;
  gint64 expected = 0;
  gsize len = 0;
  const char *data = g_bytes_get_data (message, &len);

  if (!(root = cairn_protocol_parse (data ? data : "", len, CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES, &error)))
    goto fail;
  if (!(events = cairn_protocol_decode_push_request (root, TRUE, &id, &error)) ||
      !_cairn_server_check_test_args_limit (events, &error))
    {
      /* Answer with the id when the message got that far. */
      JsonObject *obj = json_node_get_object (root);
      JsonNode *idn = json_object_get_member (obj, "id");

      if (idn != NULL && JSON_NODE_HOLDS_VALUE (idn) && json_node_get_value_type (idn) == G_TYPE_STRING &&
          cairn_protocol_is_label (json_node_get_string (idn), CAIRN_PROTOCOL_MAX_MESSAGE_ID_BYTES))
        id = g_strdup (json_node_get_string (idn));
      goto fail;
    }
  if (self->shutting_down)
    {
      g_set_error_literal (&error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_SHUTTING_DOWN,
                           "The server is shutting down; push again after reconnecting");
      goto fail;
    }
  /* The token may have been revoked since the connection opened. */
  if (!(auth = cairn_server_core_authenticate (self->core, lc->token, &error)))
    goto fail;
  /* Joins the open group like an HTTP push; acknowledged (after its
   * events went to the listeners) once the group is committed. */
  if (!(reply = cairn_server_core_push_grouped (self->core, auth, lc->workspace_id, events,
                                                &appended, &gap_client, &expected, &error)))
    goto fail;
  {
    PendingPush *pp = g_new0 (PendingPush, 1);

    pp->conn = g_object_ref (lc->conn);
    pp->id = g_steal_pointer (&id);
    pp->workspace_id = g_strdup (lc->workspace_id);
    pp->reply = g_steal_pointer (&reply);
    pp->appended = g_steal_pointer (&appended);
    self->pending_events += pp->appended->len;
    g_ptr_array_add (self->pending, pp);
    self->in_flight++;
    _cairn_server_schedule_group_commit (self);
  }
  return;

fail:
  {
    g_autoptr(JsonNode) node = NULL;
    CairnProtocolError code = CAIRN_PROTOCOL_ERROR_INTERNAL;
    const char *text = "Internal server error; see the server log";

    if (_cairn_server_is_storage_full (error))
      {
        g_warning ("Storage error on a live push: %s", error->message);
        code = CAIRN_PROTOCOL_ERROR_STORAGE_FULL;
        text = STORAGE_FULL_TEXT;
      }
    else if (error->domain == CAIRN_PROTOCOL_ERROR && error->code != CAIRN_PROTOCOL_ERROR_INTERNAL)
      {
        code = error->code;
        text = error->message;
      }
    else
      g_warning ("Internal error on a live push: %s", error->message);
    node = cairn_protocol_encode_live_error (id, code, text, gap_client, expected);
    {
      g_autofree char *reply = cairn_protocol_to_string (node, NULL);

      _cairn_server_live_reply (lc, reply);
    }
    if (code == CAIRN_PROTOCOL_ERROR_UNAUTHORIZED &&
        soup_websocket_connection_get_state (lc->conn) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (lc->conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "unauthorized");
  }
}

static void
on_live_message (SoupWebsocketConnection *conn,
                 gint                     type,
                 GBytes                  *message,
                 gpointer                 user_data)
{
  LiveConn *lc = user_data;

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_autoptr(JsonNode) node =
        cairn_protocol_encode_live_error (NULL, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                                          "Binary WebSocket messages are not accepted; send JSON text",
                                          NULL, 0);
      send_node (conn, node);
      soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA, "binary message");
      return;
    }
  live_push (lc, message);
}

static void
on_live_error (SoupWebsocketConnection *conn,
               GError                  *error,
               gpointer                 user_data)
{
  LiveConn *lc = user_data;

  g_message ("Live connection to %s failed: %s", lc->workspace_id, error->message);
}

/* Whether lc's socket is too full for another backlog page: its kernel
 * send queue holds BACKLOG_LOW_WATER bytes, or a quarter of the send
 * buffer when that is smaller (a buffer that never grows past 256 KiB
 * must still hold the pages back). FALSE when unknown. */
static gboolean
live_socket_full (LiveConn *lc)
{
  int queued = 0;
  gint sndbuf = 0;
  gsize limit = BACKLOG_LOW_WATER;

  if (lc->socket == NULL || ioctl (g_socket_get_fd (lc->socket), TIOCOUTQ, &queued) != 0 || queued < 0)
    return FALSE;
  /* Linux reports twice the data capacity (bookkeeping included). */
  if (g_socket_get_option (lc->socket, SOL_SOCKET, SO_SNDBUF, &sndbuf, NULL) && sndbuf > 0)
    limit = MIN (limit, (gsize) sndbuf / 4);
  return (gsize) queued >= limit;
}

/* Sends a reply to one of lc's pushes, unless lc does not read what it is
 * sent (see MAX_REPLIES_UNREAD): then it is closed instead. */
void
_cairn_server_live_reply (LiveConn   *lc,
            const char *text)
{
  if (soup_websocket_connection_get_state (lc->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  if (!live_socket_full (lc))
    lc->replies_unread = 0;
  else if (++lc->replies_unread > MAX_REPLIES_UNREAD)
    {
      soup_websocket_connection_close (lc->conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                                       "replies not read");
      return;
    }
  soup_websocket_connection_send_text (lc->conn, text);
}

/* Sends the deferred acks whose events lc has been sent. */
static void
flush_deferred_acks (LiveConn *lc)
{
  DeferredAck *da;

  while ((da = g_queue_peek_head (&lc->deferred)) != NULL && da->upto <= lc->sent_seq)
    {
      g_queue_pop_head (&lc->deferred);
      _cairn_server_live_reply (lc, da->text);
      deferred_ack_free (da);
    }
}

/* Sends backlog pages while the socket keeps up; when all is sent the
 * connection joins the fan-out. Everything runs on the main loop, so no
 * event is committed between the last page and joining. */
static void
send_backlog (LiveConn *lc)
{
  Server *self = lc->server;
  g_autoptr(GError) error = NULL;

  while (soup_websocket_connection_get_state (lc->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_autoptr(CairnPullReply) page = NULL;
      g_autoptr(GPtrArray) texts = NULL;

      if (live_socket_full (lc))
        {
          lc->backlog_source = g_timeout_add (BACKLOG_RETRY_MS, on_backlog_retry, lc);
          return;
        }
      if (!(page = cairn_server_core_pull (self->core, lc->auth, lc->workspace_id, lc->backlog_after,
                                           CAIRN_PROTOCOL_DEFAULT_PULL_LIMIT, &error)))
        break;
      if (page->events->len == 0)
        {
          lc->catching_up = FALSE;
          lc->sent_seq = MAX (lc->sent_seq, page->head);
          flush_deferred_acks (lc);
          return;
        }
      texts = encode_event_pages (page->events, page->head);
      for (guint k = 0; k < texts->len; k++)
        soup_websocket_connection_send_text (lc->conn, g_ptr_array_index (texts, k));
      lc->backlog_after = ((CairnWireEvent *) g_ptr_array_index (page->events, page->events->len - 1))->seq;
      lc->sent_seq = lc->backlog_after;
      flush_deferred_acks (lc);
    }
  if (error == NULL)
    return;   /* closed meanwhile */
  if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL))
    {
      /* The database is away for a moment (PostgreSQL restarting): the
       * client keeps its socket and gets the rest once it is back. */
      g_debug ("Live backlog of %s waits for the database: %s", lc->workspace_id, error->message);
      lc->backlog_source = g_timeout_add (LIVE_STORAGE_RETRY_MS, on_backlog_retry, lc);
      return;
    }
  if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND))
    {
      /* Removed from the workspace (or it was deleted) meanwhile. */
      soup_websocket_connection_close (lc->conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "no longer allowed");
      return;
    }
  {
    g_autoptr(JsonNode) node = cairn_protocol_encode_live_error (NULL, CAIRN_PROTOCOL_ERROR_INTERNAL,
                                                                 "Internal server error; see the server log",
                                                                 NULL, 0);
    g_warning ("Cannot send the live backlog of %s: %s", lc->workspace_id, error->message);
    send_node (lc->conn, node);
    soup_websocket_connection_close (lc->conn, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, "internal error");
  }
}

static gboolean
on_backlog_retry (gpointer user_data)
{
  LiveConn *lc = user_data;

  lc->backlog_source = 0;
  send_backlog (lc);
  return G_SOURCE_REMOVE;
}

/* After the upgrade: hello, the backlog after `after`, then membership of
 * the fan-out set. Everything runs on the main loop, so no event can be
 * committed between the backlog and joining the set. */
static void
on_websocket (Server                  *self,
              LiveConn                *lc,
              gint64                   after,
              GSocket                 *socket,
              SoupWebsocketConnection *conn)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) hello = NULL;
  g_autofree char *history_id = NULL;
  gint64 head = 0;
  GPtrArray *conns;

  /* Events of an open group are fanned out when it commits: commit it
   * before this connection joins, so that they reach it once, through the
   * backlog below, and after the hello. */
  cairn_server_core_commit_group (self->core, NULL);
  lc->conn = g_object_ref (conn);
  if (socket != NULL)
    lc->socket = g_object_ref (socket);
  /* No longer an HTTP connection: live ones are counted per user
   * (--max-live-per-user), not against the address. */
  if (lc->socket != NULL)
    {
      g_object_set_data (G_OBJECT (lc->socket), "cairn-live-socket", GINT_TO_POINTER (1));
      g_object_set_data (G_OBJECT (lc->socket), "cairn-addr-slot", NULL);
      g_object_set_data (G_OBJECT (lc->socket), "cairn-idle-watch", NULL);
    }
  soup_websocket_connection_set_max_incoming_payload_size (conn, CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES);
  soup_websocket_connection_set_keepalive_interval (conn, KEEPALIVE_SECONDS);
  g_signal_connect (conn, "message", G_CALLBACK (on_live_message), lc);
  g_signal_connect (conn, "error", G_CALLBACK (on_live_error), lc);
  g_signal_connect (conn, "closed", G_CALLBACK (on_live_closed), lc);

  conns = g_hash_table_lookup (self->live, lc->workspace_id);
  if (conns == NULL)
    {
      conns = g_ptr_array_new_with_free_func ((GDestroyNotify) live_conn_free);
      g_hash_table_insert (self->live, g_strdup (lc->workspace_id), conns);
    }
  g_ptr_array_add (conns, lc);
  live_count_add (self, lc->auth->user_id, 1);

  if (!cairn_server_core_head (self->core, lc->auth, lc->workspace_id, &head, &history_id, &error))
    goto fail;
  hello = cairn_protocol_encode_live_hello (head, history_id);
  send_node (conn, hello);

  lc->backlog_after = after;
  lc->sent_seq = MIN (after, head);
  g_object_set_data (G_OBJECT (conn), "cairn-live-conn", lc);
  lc->catching_up = after < head;
  if (lc->catching_up)
    send_backlog (lc);
  return;

fail:
  {
    g_autoptr(JsonNode) node = cairn_protocol_encode_live_error (NULL, CAIRN_PROTOCOL_ERROR_INTERNAL,
                                                                 "Internal server error; see the server log",
                                                                 NULL, 0);
    g_warning ("Cannot start the live stream of %s: %s", lc->workspace_id, error->message);
    send_node (conn, node);
    soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR, "internal error");
  }
}

/* A message (in fragments) grew past the limit: close as the protocol says. */
static void
on_live_too_big (GIOStream               *stream,
                 SoupWebsocketConnection *conn)
{
  if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "message over 1 MiB");
}

/* The 101 answer is written: the connection becomes the live WebSocket,
 * read through the message size limit (cairn-ws-limit.h). */
static void
on_live_upgrade (SoupServerMessage *msg,
                 gpointer           user_data)
{
  Server *self = user_data;
  LiveConn *lc = g_object_steal_data (G_OBJECT (msg), "cairn-live");
  gint64 after = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg), "cairn-after")) - 1;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GIOStream) base = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(SoupWebsocketConnection) conn = NULL;

  g_signal_handlers_disconnect_by_func (msg, on_live_upgrade, user_data);
  if (lc == NULL)
    return;
  if (cairn_soup_message_socket (msg) != NULL)
    socket = g_object_ref (cairn_soup_message_socket (msg));
  uri = g_uri_ref (soup_server_message_get_uri (msg));
  /* msg may be gone after this. */
  if (!(base = soup_server_message_steal_connection (msg)))
    {
      live_conn_free (lc);
      return;
    }
  stream = cairn_ws_limit_stream_new (base, CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES);
  conn = soup_websocket_connection_new (stream, uri, SOUP_WEBSOCKET_CONNECTION_SERVER, NULL, NULL, NULL);
  g_signal_connect_object (stream, "too-big", G_CALLBACK (on_live_too_big), conn, 0);
  on_websocket (self, lc, after, socket, conn);
}

/* GET …/live: everything is checked before the upgrade, so that a refused
 * live request gets a plain HTTP error like every other call. */
void
_cairn_server_handle_live (Server            *self,
             SoupServerMessage *msg,
             CairnAuth         *auth,
             const char        *ws,
             GHashTable        *query)
{
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  LiveConn *lc;
  gint64 after;

  if (!g_str_equal (soup_server_message_get_method (msg), "GET"))
    return _cairn_server_answer_method_not_allowed (msg, "GET");
  if (!cairn_protocol_parse_after (query ? g_hash_table_lookup (query, "after") : NULL, &after, &error) ||
      !cairn_server_core_check_member (self->core, auth, ws, &error))
    return _cairn_server_answer_gerror (msg, error);
  if (!soup_message_headers_header_contains (headers, "Upgrade", "websocket"))
    return _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                         "This endpoint needs a WebSocket upgrade (Upgrade: websocket)");
  {
    g_autoptr(GError) hs_error = NULL;

    /* Rather than libsoup's HTML answer to a broken handshake. */
    if (!soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, &hs_error))
      {
        g_autofree char *text = g_strdup_printf ("Bad WebSocket handshake: %s", hs_error->message);

        return _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, text);
      }
  }
  if (live_count_for_user (self, auth->user_id) >= self->max_live_per_user)
    return _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_TOO_MANY_CONNECTIONS,
                         "Too many live connections for this user; close some first");

  lc = g_new0 (LiveConn, 1);
  lc->server = self;
  /* _cairn_server_authenticate() has just marked the session used. */
  lc->touched_at = g_get_monotonic_time ();
  lc->workspace_id = g_strdup (ws);
  lc->token = _cairn_server_bearer_token (msg);
  /* The caller owns auth; the connection outlives this request. */
  lc->auth = g_new0 (CairnAuth, 1);
  lc->auth->user_id = auth->user_id;
  lc->auth->username = g_strdup (auth->username);
  lc->auth->session_id = g_strdup (auth->session_id);
  lc->auth->device = g_strdup (auth->device);
  g_object_set_data_full (G_OBJECT (msg), "cairn-live", lc, (GDestroyNotify) live_conn_free);
  g_object_set_data (G_OBJECT (msg), "cairn-after", GSIZE_TO_POINTER ((gsize) after + 1));
  /* No extension is offered: permessage-deflate would let a small frame
   * inflate past any limit, and the size limit counts wire bytes. */
  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
    return _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "Bad WebSocket handshake");
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (on_live_upgrade), self);
}

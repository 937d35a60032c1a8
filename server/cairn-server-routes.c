/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-routes.c: login with its password-check queue, the API's
 * routes, and the group commit of pushes. */
#define G_LOG_DOMAIN "cairn-server"
#include "config.h"

#include "cairn-server-private.h"

/* ---- login --------------------------------------------------------------------- */

typedef struct
{
  Server              *server;
  SoupServerMessage   *msg;
  CairnSessionRequest *req;
  char                *address;
  char                *hash;
  guint                delay_ms;
  gboolean             ok;
} LoginJob;

static void
login_job_free (LoginJob *job)
{
  g_clear_object (&job->msg);
  g_clear_pointer (&job->req, cairn_session_request_free);
  g_free (job->address);
  g_free (job->hash);
  g_free (job);
}

static void
login_verify_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  LoginJob *job = task_data;

  if (job->delay_ms > 0)
    g_usleep ((gulong) job->delay_ms * 1000);
  job->ok = cairn_server_core_verify_password (job->hash, job->req->password);
  g_task_return_boolean (task, TRUE);
}

static void
login_verified (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LoginJob *job = g_task_get_task_data (G_TASK (result));
  Server *self = job->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnSessionReply) reply = NULL;

  if (!cairn_server_core_login_finish (self->core, job->req->username, job->address,
                                       job->req->device, job->ok, &reply, &error))
    _cairn_server_answer_gerror (job->msg, error);
  else
    {
      g_autoptr(JsonNode) node = cairn_protocol_encode_session_reply (reply->token, reply->user,
                                                                      reply->device, reply->session_id);
      _cairn_server_answer_json (job->msg, 201, node);
    }
  soup_server_message_unpause (job->msg);
  self->in_flight--;
  self->checks_running--;
  if (!g_queue_is_empty (&self->checks_waiting))
    {
      g_autoptr(GTask) next = g_queue_pop_head (&self->checks_waiting);

      self->checks_running++;
      g_task_run_in_thread (next, login_verify_thread);
    }
  _cairn_server_maybe_finish_shutdown (self);
}

static void
handle_login (Server            *self,
              SoupServerMessage *msg)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(CairnSessionRequest) req = NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *hash = NULL;
  const char *address = _cairn_server_remote_address (self, msg);
  gint64 retry_after = 0;
  LoginJob *job;

  if (!(root = _cairn_server_read_body (msg, &error)) ||
      !(req = cairn_protocol_decode_session_request (root, &error)))
    return _cairn_server_answer_gerror (msg, error);
  /* Every check slot busy and the queue full: refuse now rather than hold
   * one more paused request. Nothing was counted against the user or the
   * address, and no password was looked at. */
  if (self->checks_running >= MAX_PASSWORD_CHECKS &&
      g_queue_get_length (&self->checks_waiting) >= self->max_checks_waiting)
    {
      guint rounds = g_queue_get_length (&self->checks_waiting) / MAX_PASSWORD_CHECKS + 1;
      gint64 wait_s = MAX (1, ((gint64) rounds * (CHECK_ESTIMATE_MS + self->check_delay_ms) + 999) / 1000);

      return _cairn_server_answer_error_full (msg, CAIRN_PROTOCOL_ERROR_RATE_LIMITED,
                                "Too many logins are waiting for a password check; try again shortly",
                                NULL, 0, wait_s);
    }
  if (!(hash = cairn_server_core_login_begin (self->core, req->username, address, &retry_after, &error)))
    {
      if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_RATE_LIMITED))
        return _cairn_server_answer_error_full (msg, CAIRN_PROTOCOL_ERROR_RATE_LIMITED, error->message, NULL, 0, retry_after);
      return _cairn_server_answer_gerror (msg, error);
    }

  job = g_new0 (LoginJob, 1);
  job->server = self;
  job->msg = g_object_ref (msg);
  job->req = g_steal_pointer (&req);
  job->address = g_strdup (address);
  job->hash = g_steal_pointer (&hash);
  job->delay_ms = self->check_delay_ms;
  task = g_task_new (NULL, NULL, login_verified, NULL);
  g_task_set_source_tag (task, handle_login);
  g_task_set_task_data (task, job, (GDestroyNotify) login_job_free);
  self->in_flight++;
  soup_server_message_pause (msg);
  if (self->checks_running < MAX_PASSWORD_CHECKS)
    {
      self->checks_running++;
      g_task_run_in_thread (task, login_verify_thread);
    }
  else
    g_queue_push_tail (&self->checks_waiting, g_steal_pointer (&task));
}

/* ---- routes -------------------------------------------------------------------- */

void
_cairn_server_pending_push_free (PendingPush *pp)
{
  g_clear_object (&pp->msg);
  g_clear_object (&pp->conn);
  g_free (pp->id);
  g_free (pp->workspace_id);
  g_clear_pointer (&pp->reply, cairn_push_reply_free);
  g_clear_pointer (&pp->appended, g_ptr_array_unref);
  g_free (pp);
}


static gboolean
on_commit_idle (gpointer user_data)
{
  Server *self = user_data;

  self->commit_source = 0;
  /* The outcome reaches _cairn_server_on_group_done(), which answers. */
  cairn_server_core_commit_group (self->core, NULL);
  return G_SOURCE_REMOVE;
}

/* The open group ended (committed, or error says why nothing was stored):
 * answer its pushes and send their events to the listeners, in push order. */
void
_cairn_server_on_group_done (const GError *error,
               gpointer      user_data)
{
  Server *self = user_data;
  g_autoptr(GPtrArray) done = g_steal_pointer (&self->pending);

  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) _cairn_server_pending_push_free);
  self->pending_events = 0;
  if (self->commit_source != 0)
    {
      g_source_remove (self->commit_source);
      self->commit_source = 0;
    }
  if (error != NULL)
    g_warning ("%s: a group of %u pushes was not stored: %s",
               _cairn_server_is_storage_full (error) ? "Storage error" : "Internal error", done->len, error->message);
  for (guint i = 0; i < done->len; i++)
    {
      PendingPush *pp = g_ptr_array_index (done, i);

      if (pp->conn != NULL)
        {
          g_autoptr(JsonNode) node = NULL;

          if (error == NULL)
            {
              LiveConn *lc = g_object_get_data (G_OBJECT (pp->conn), "cairn-live-conn");

              _cairn_server_fan_out (self, pp->workspace_id, pp->appended, pp->reply->head);
              pp->reply->id = g_steal_pointer (&pp->id);
              node = cairn_protocol_encode_push_reply (pp->reply);
              if (lc != NULL && lc->catching_up)
                {
                  /* Its events are still to be sent to it: the ack waits. */
                  DeferredAck *da = g_new0 (DeferredAck, 1);

                  da->upto = pp->reply->head;
                  da->text = cairn_protocol_to_string (node, NULL);
                  g_queue_push_tail (&lc->deferred, da);
                  if (g_queue_get_length (&lc->deferred) > MAX_DEFERRED_ACKS &&
                      soup_websocket_connection_get_state (lc->conn) == SOUP_WEBSOCKET_STATE_OPEN)
                    soup_websocket_connection_close (lc->conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                                                     "replies not read");
                  self->in_flight--;
                  continue;
                }
            }
          else if (_cairn_server_is_storage_full (error))
            node = cairn_protocol_encode_live_error (pp->id, CAIRN_PROTOCOL_ERROR_STORAGE_FULL,
                                                     STORAGE_FULL_TEXT, NULL, 0);
          else
            node = cairn_protocol_encode_live_error (pp->id, CAIRN_PROTOCOL_ERROR_INTERNAL,
                                                     "Internal server error; see the server log",
                                                     NULL, 0);
          /* Nothing to answer when the connection closed meanwhile: the
           * client pushes again and gets the stored seqs. */
          {
            LiveConn *lc = g_object_get_data (G_OBJECT (pp->conn), "cairn-live-conn");
            g_autofree char *reply = cairn_protocol_to_string (node, NULL);

            if (lc != NULL)
              _cairn_server_live_reply (lc, reply);
            else if (soup_websocket_connection_get_state (pp->conn) == SOUP_WEBSOCKET_STATE_OPEN)
              soup_websocket_connection_send_text (pp->conn, reply);
          }
          self->in_flight--;
          continue;
        }
      if (error == NULL)
        {
          gsize len = 0;
          char *text;

          _cairn_server_fan_out (self, pp->workspace_id, pp->appended, pp->reply->head);
          text = cairn_protocol_push_reply_to_text (pp->reply, &len);
          soup_server_message_set_status (pp->msg, 200, NULL);
          soup_server_message_set_response (pp->msg, "application/json", SOUP_MEMORY_TAKE, text, len);
        }
      else if (_cairn_server_is_storage_full (error))
        _cairn_server_answer_error_full (pp->msg, CAIRN_PROTOCOL_ERROR_STORAGE_FULL, STORAGE_FULL_TEXT,
                           NULL, 0, STORAGE_FULL_RETRY_AFTER);
      else
        _cairn_server_answer_error (pp->msg, CAIRN_PROTOCOL_ERROR_INTERNAL, "Internal server error; see the server log");
      soup_server_message_unpause (pp->msg);
      self->in_flight--;
    }
  /* Server-made snapshots: a maker starts when enough events arrived. */
  for (guint i = 0; error == NULL && i < done->len; i++)
    {
      PendingPush *pp = g_ptr_array_index (done, i);

      if (pp->appended != NULL)
        _cairn_server_snapshots_pushed (self, pp->workspace_id, pp->appended->len);
    }
  _cairn_server_maybe_finish_shutdown (self);
}

/* A push joins the open group; it is answered by _cairn_server_on_group_done() after the
 * commit, which runs once the requests that arrived together are all read
 * (an idle source), or at once when the group is full. */
static void
handle_push (Server            *self,
             SoupServerMessage *msg,
             CairnAuth         *auth,
             const char        *ws)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) appended = NULL;
  g_autoptr(CairnPushReply) reply = NULL;
  g_autofree char *gap_client = NULL;
  gint64 expected = 0;
  PendingPush *pp;

  /* Membership first: a stranger learns nothing from the body checks. */
  if (!cairn_server_core_check_member (self->core, auth, ws, &error))
    return _cairn_server_answer_gerror (msg, error);
  {
    g_autoptr(GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
    gsize len = 0;
    const char *data = g_bytes_get_data (bytes, &len);

    /* The common shape without a tree; anything else (including every
     * bad body) through the general parser, which says what is wrong. */
    events = cairn_protocol_decode_push_fast (data, len);
  }
  if (events == NULL &&
      (!(root = _cairn_server_read_body (msg, &error)) ||
       !(events = cairn_protocol_decode_push_request (root, FALSE, NULL, &error))))
    return _cairn_server_answer_gerror (msg, error);
  if (!_cairn_server_check_test_args_limit (events, &error))
    return _cairn_server_answer_gerror (msg, error);
  g_clear_pointer (&root, json_node_unref);
  if (!(reply = cairn_server_core_push_grouped (self->core, auth, ws, events, &appended,
                                                &gap_client, &expected, &error)))
    {
      if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP))
        return _cairn_server_answer_error_full (msg, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP, error->message,
                                  gap_client, expected, 0);
      return _cairn_server_answer_gerror (msg, error);
    }
  pp = g_new0 (PendingPush, 1);
  pp->msg = g_object_ref (msg);
  pp->workspace_id = g_strdup (ws);
  pp->reply = g_steal_pointer (&reply);
  pp->appended = g_steal_pointer (&appended);
  self->pending_events += pp->appended->len;
  g_ptr_array_add (self->pending, pp);
  self->in_flight++;
  /* A status now (the answer itself is set when the group ends). */
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_pause (msg);
  _cairn_server_schedule_group_commit (self);
}

/* After a push joined the open group: commit it once the requests that
 * arrived meanwhile are read (an idle source), or at once when full. */
void
_cairn_server_schedule_group_commit (Server *self)
{
  if (self->pending->len >= GROUP_MAX_PUSHES || self->pending_events >= GROUP_MAX_EVENTS)
    {
      /* Full: commit in the next main loop iteration, before more reads. */
      if (self->commit_source != 0)
        g_source_remove (self->commit_source);
      self->commit_source = g_idle_add_full (G_PRIORITY_HIGH, on_commit_idle, self, NULL);
    }
  else if (self->commit_source == 0)
    /* Below the sockets' priority: runs once every request that arrived
     * meanwhile has been read (and joined the group). */
    self->commit_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, on_commit_idle, self, NULL);
}

static void
handle_pull (Server            *self,
             SoupServerMessage *msg,
             CairnAuth         *auth,
             const char        *ws,
             GHashTable        *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPullReply) reply = NULL;
  gint64 after;
  guint limit;
  gsize len = 0;
  char *text;

  if (!cairn_server_core_check_member (self->core, auth, ws, &error) ||
      !cairn_protocol_parse_after (query ? g_hash_table_lookup (query, "after") : NULL, &after, &error) ||
      !cairn_protocol_parse_limit (query ? g_hash_table_lookup (query, "limit") : NULL, &limit, &error) ||
      !(reply = cairn_server_core_pull (self->core, auth, ws, after, limit, &error)))
    return _cairn_server_answer_gerror (msg, error);
  /* Written as text: a page of a long catch-up is up to 1 MiB. */
  text = cairn_protocol_pull_reply_to_text (reply, &len);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
}

/* POST /v1/workspaces/{ws}/state: a device's state hash at a seq
 * (cairn-server-core-states.c). A report that does not decode (a hash
 * missing or malformed) is refused and logged; it is never compared. */
static void
handle_state_report (Server            *self,
                     SoupServerMessage *msg,
                     CairnAuth         *auth,
                     const char        *ws)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(CairnStateReport) report = NULL;
  g_autoptr(CairnStateVerdict) verdict = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (!cairn_server_core_check_member (self->core, auth, ws, &error) ||
      !(root = _cairn_server_read_body (msg, &error)))
    return _cairn_server_answer_gerror (msg, error);
  if (!(report = cairn_protocol_decode_state_report (root, &error)))
    {
      g_message ("%s: state report of device \"%s\" ignored: %s", ws, auth->device, error->message);
      return _cairn_server_answer_gerror (msg, error);
    }
  if (!(verdict = cairn_server_core_report_state (self->core, auth, ws, report, &error)))
    return _cairn_server_answer_gerror (msg, error);
  node = cairn_protocol_encode_state_verdict (verdict);
  _cairn_server_answer_json (msg, 200, node);
}

static void
handle_workspace (Server            *self,
                  SoupServerMessage *msg,
                  CairnAuth         *auth,
                  char             **parts,
                  guint              n,
                  GHashTable        *query)
{
  g_autoptr(GError) error = NULL;
  const char *method = soup_server_message_get_method (msg);
  const char *ws = parts[2];

  /* parts: v1 workspaces WS … */
  if (!cairn_is_object_id (ws))
    return _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_NOT_FOUND, "No such workspace");

  if (n == 4 && g_str_equal (parts[3], "events"))
    {
      if (g_str_equal (method, "POST"))
        return handle_push (self, msg, auth, ws);
      if (g_str_equal (method, "GET") && query != NULL && g_hash_table_contains (query, "object"))
        return _cairn_server_handle_object_events (self, msg, auth, ws, query);
      if (g_str_equal (method, "GET"))
        return handle_pull (self, msg, auth, ws, query);
      return _cairn_server_answer_method_not_allowed (msg, "GET, POST");
    }
  if (n == 4 && g_str_equal (parts[3], "live"))
    return _cairn_server_handle_live (self, msg, auth, ws, query);
  if (n == 4 && g_str_equal (parts[3], "state"))
    {
      if (g_str_equal (method, "POST"))
        return handle_state_report (self, msg, auth, ws);
      return _cairn_server_answer_method_not_allowed (msg, "POST");
    }
  if (n == 4 && g_str_equal (parts[3], "snapshot"))
    return _cairn_server_handle_snapshot (self, msg, auth, ws);
  if (n == 4 && g_str_equal (parts[3], "members"))
    {
      if (g_str_equal (method, "GET"))
        {
          g_autoptr(GPtrArray) members = cairn_server_core_members (self->core, auth, ws, &error);
          g_autoptr(JsonNode) node = NULL;

          if (members == NULL)
            return _cairn_server_answer_gerror (msg, error);
          node = cairn_protocol_encode_members (members);
          return _cairn_server_answer_json (msg, 200, node);
        }
      if (g_str_equal (method, "POST"))
        {
          g_autoptr(JsonNode) root = NULL;
          g_autofree char *username = NULL;
          g_autoptr(GPtrArray) members = NULL;
          g_autoptr(JsonNode) node = NULL;

          if (!cairn_server_core_check_member (self->core, auth, ws, &error) ||
              !(root = _cairn_server_read_body (msg, &error)) ||
              !(username = cairn_protocol_decode_member_request (root, &error)) ||
              !cairn_server_core_member_add (self->core, auth, ws, username, &error) ||
              !(members = cairn_server_core_members (self->core, auth, ws, &error)))
            return _cairn_server_answer_gerror (msg, error);
          node = cairn_protocol_encode_members (members);
          return _cairn_server_answer_json (msg, 200, node);
        }
      return _cairn_server_answer_method_not_allowed (msg, "GET, POST");
    }
  if (n == 5 && g_str_equal (parts[3], "members"))
    {
      if (!g_str_equal (method, "DELETE"))
        return _cairn_server_answer_method_not_allowed (msg, "DELETE");
      if (!cairn_server_core_check_member (self->core, auth, ws, &error))
        return _cairn_server_answer_gerror (msg, error);
      if (!cairn_protocol_is_username (parts[4]))
        return _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_NOT_FOUND, "No such member");
      if (!cairn_server_core_member_remove (self->core, auth, ws, parts[4], &error))
        return _cairn_server_answer_gerror (msg, error);
      _cairn_server_close_live (self, ws, parts[4], NULL, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "removed from workspace");
      return soup_server_message_set_status (msg, 204, NULL);
    }
  _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_NOT_FOUND, "No such endpoint");
}

/* GET /v1/health: answered also while shutting down (with 503), and
 * without a token. */
static void
handle_health (Server            *self,
               SoupServerMessage *msg)
{
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  if (!g_str_equal (method, "GET") && !g_str_equal (method, "HEAD"))
    return _cairn_server_answer_method_not_allowed (msg, "GET");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, self->shutting_down ? "shutting_down" : "ok");
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, PACKAGE_VERSION);
  json_builder_set_member_name (b, "protocol");
  json_builder_add_string_value (b, CAIRN_PROTOCOL_VERSION);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  _cairn_server_answer_json (msg, self->shutting_down ? 503 : 200, node);
}

/* Revokes a session of auth's user (its own with DELETE /v1/session) and
 * closes the live connections it had. */
static void
revoke_session (Server            *self,
                SoupServerMessage *msg,
                const CairnAuth   *auth,
                const char        *session_id,
                const char        *reason)
{
  g_autoptr(GError) error = NULL;

  if (!cairn_server_core_revoke_session (self->core, auth, session_id, &error))
    return _cairn_server_answer_gerror (msg, error);
  _cairn_server_close_live (self, NULL, NULL, session_id, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, reason);
  soup_server_message_set_status (msg, 204, NULL);
}

/* /v1/session (logging out; logging in needs no token and is answered
 * before), /v1/sessions and /v1/sessions/ID. */
static void
handle_sessions (Server            *self,
                 SoupServerMessage *msg,
                 const CairnAuth   *auth,
                 char             **parts,
                 guint              n)
{
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GError) error = NULL;

  if (n == 2 && g_str_equal (parts[1], "session"))
    {
      if (!g_str_equal (method, "DELETE"))
        return _cairn_server_answer_method_not_allowed (msg, "POST, DELETE");
      return revoke_session (self, msg, auth, auth->session_id, "logged out");
    }
  if (n == 2)
    {
      g_autoptr(GPtrArray) sessions = NULL;
      g_autoptr(JsonNode) node = NULL;

      if (!g_str_equal (method, "GET"))
        return _cairn_server_answer_method_not_allowed (msg, "GET");
      if (!(sessions = cairn_server_core_sessions (self->core, auth, &error)))
        return _cairn_server_answer_gerror (msg, error);
      node = cairn_protocol_encode_sessions (sessions);
      return _cairn_server_answer_json (msg, 200, node);
    }
  if (!g_str_equal (method, "DELETE"))
    return _cairn_server_answer_method_not_allowed (msg, "DELETE");
  if (!cairn_is_object_id (parts[2]))
    return _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_NOT_FOUND, "No such session");
  revoke_session (self, msg, auth, parts[2], "session revoked");
}

/* /v1/workspaces: the user's workspaces, or a new one. */
static void
handle_workspaces (Server            *self,
                   SoupServerMessage *msg,
                   const CairnAuth   *auth)
{
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (g_str_equal (method, "GET"))
    {
      g_autoptr(GPtrArray) list = cairn_server_core_workspaces (self->core, auth, &error);

      if (list == NULL)
        return _cairn_server_answer_gerror (msg, error);
      node = cairn_protocol_encode_workspaces (list);
      return _cairn_server_answer_json (msg, 200, node);
    }
  if (g_str_equal (method, "POST"))
    {
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *name = NULL;
      g_autoptr(CairnWorkspaceInfo) ws = NULL;

      if (!(root = _cairn_server_read_body (msg, &error)) ||
          !(name = cairn_protocol_decode_workspace_request (root, &error)) ||
          !(ws = cairn_server_core_workspace_create (self->core, auth, name, &error)))
        return _cairn_server_answer_gerror (msg, error);
      node = cairn_protocol_encode_workspace (ws);
      return _cairn_server_answer_json (msg, 201, node);
    }
  _cairn_server_answer_method_not_allowed (msg, "GET, POST");
}

/* The path's parts after the leading "/" (parts[0] is "v1"), or NULL
 * after answering a path that names no endpoint. */
static char **
split_path (SoupServerMessage *msg,
            const char        *path)
{
  g_auto(GStrv) parts = NULL;
  const char *raw;

  if (!g_str_has_prefix (path, "/v1/"))
    {
      _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_NOT_FOUND, "No such endpoint; the API lives under /v1/");
      return NULL;
    }
  /* libsoup decodes the query into C strings: "after=1%00x" would read
   * as "1". */
  raw = g_uri_get_query (soup_server_message_get_uri (msg));
  if (raw != NULL && (strstr (raw, "%00") != NULL))
    {
      _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_INVALID_PARAMETER,
                                  "The query string holds an encoded NUL (%00)");
      return NULL;
    }
  parts = g_strsplit (path + 1, "/", 0);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] == '\0')
      {
        _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_NOT_FOUND, "No such endpoint");
        return NULL;
      }
  return g_steal_pointer (&parts);
}

/* Whether the path (of n parts) is one of the endpoints that need a
 * token; only those get to authenticate. */
static gboolean
is_authenticated_endpoint (char **parts,
                           guint  n)
{
  return (n == 2 && (g_str_equal (parts[1], "session") || g_str_equal (parts[1], "sessions") ||
                     g_str_equal (parts[1], "workspaces"))) ||
         (n == 3 && g_str_equal (parts[1], "sessions")) ||
         (n >= 4 && n <= 5 && g_str_equal (parts[1], "workspaces"));
}

void
_cairn_server_handle_request (SoupServer        *soup,
                              SoupServerMessage *msg,
                              const char        *path,
                              GHashTable        *query,
                              gpointer           user_data)
{
  Server *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(CairnAuth) auth = NULL;
  g_auto(GStrv) parts = NULL;
  guint n;

  if (!(parts = split_path (msg, path)))
    return;
  n = g_strv_length (parts);

  if (n == 2 && g_str_equal (parts[1], "health"))
    return handle_health (self, msg);

  if (self->shutting_down)
    return _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_SHUTTING_DOWN, "The server is shutting down");

  if (n == 2 && g_str_equal (parts[1], "session") && g_str_equal (method, "POST"))
    return handle_login (self, msg);

  if (!is_authenticated_endpoint (parts, n))
    return _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_NOT_FOUND, "No such endpoint");

  if (!(auth = _cairn_server_authenticate (self, msg)))
    return;

  if (g_str_equal (parts[1], "session") || g_str_equal (parts[1], "sessions"))
    return handle_sessions (self, msg, auth, parts, n);
  if (n == 2)
    return handle_workspaces (self, msg, auth);
  handle_workspace (self, msg, auth, parts, n, query);
}

/* Refuses a connection over its address's limit, and an oversized or
 * unsized body before libsoup reads it. */
void
_cairn_server_handle_early (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Server *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  gboolean over = g_object_get_data (G_OBJECT (msg), "cairn-over-limit") != NULL;

  /* Behind a proxy the client is known only now, from its request: count
   * the request (until it is answered) under the forwarded address. */
  if (!over && self->trust_proxy)
    {
      AddrSlot *slot = _cairn_server_addr_slot_take (self, _cairn_server_remote_address (self, msg));

      if (slot != NULL)
        g_object_set_data_full (G_OBJECT (msg), "cairn-addr-slot", slot, (GDestroyNotify) _cairn_server_addr_slot_free);
      else
        over = TRUE;
    }
  if (over)
    {
      g_autofree char *text = g_strdup_printf ("Too many connections from your address (at most %u at a time); "
                                               "reuse or close some first", self->max_conns_per_address);

      /* The body, if any, is not read: the connection cannot carry on. */
      return _cairn_server_refuse_and_close (self, msg, CAIRN_PROTOCOL_ERROR_TOO_MANY_CONNECTIONS, text);
    }

  /* Two Content-Length headers reach us joined by a comma; one that is
   * not a plain number would leave the body's end unknown. */
  {
    const char *cl = soup_message_headers_get_list (headers, "Content-Length");

    if (cl != NULL)
      {
        const char *p = cl;

        while (*p == ' ' || *p == '\t')
          p++;
        if (*p == '\0' || strspn (p, "0123456789") != strlen (p) || strlen (p) > 18)
          return _cairn_server_refuse_and_close (self, msg, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                                   "The Content-Length header must be given once, as a decimal number");
      }
  }

  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_CONTENT_LENGTH:
      if (soup_message_headers_get_content_length (headers) > CAIRN_PROTOCOL_MAX_BODY_BYTES)
        {
          g_autofree char *text = g_strdup_printf ("Request body of %" G_GINT64_FORMAT
                                                   " bytes exceeds the limit of %d bytes",
                                                   soup_message_headers_get_content_length (headers),
                                                   CAIRN_PROTOCOL_MAX_BODY_BYTES);
          return _cairn_server_refuse_and_close (self, msg, CAIRN_PROTOCOL_ERROR_BODY_TOO_LARGE, text);
        }
      break;
    case SOUP_ENCODING_CHUNKED:
      return _cairn_server_refuse_and_close (self, msg, CAIRN_PROTOCOL_ERROR_LENGTH_REQUIRED,
                               "Chunked request bodies are not accepted; send Content-Length");
    default:
      break;
    }
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-protocol-messages.c: the json-glib codecs of the v1 messages:
 * sessions, workspaces and members, push and pull, the live WebSocket. */
#define G_LOG_DOMAIN "cairn-protocol"
#include "config.h"

#include <string.h>

#include "cairn-json-guard.h"
#include "cairn-protocol-private.h"

/* ---- sessions -------------------------------------------------------- */

void
cairn_session_request_free (CairnSessionRequest *self)
{
  if (self == NULL)
    return;
  g_free (self->username);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->device);
  g_free (self);
}

JsonNode *
cairn_protocol_encode_session_request (const char *username,
                                       const char *password,
                                       const char *device)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "username");
  json_builder_add_string_value (b, username);
  json_builder_set_member_name (b, "password");
  json_builder_add_string_value (b, password);
  json_builder_set_member_name (b, "device");
  json_builder_add_string_value (b, device);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

CairnSessionRequest *
cairn_protocol_decode_session_request (JsonNode  *node,
                                       GError   **error)
{
  static const char * const fields[] = { "username", "password", "device", NULL };
  g_autoptr(CairnSessionRequest) req = g_new0 (CairnSessionRequest, 1);
  const char *username, *password, *device;
  JsonObject *obj;

  if (!(obj = _cairn_protocol_want_object (node, "session request", error)) ||
      !_cairn_protocol_only_fields (obj, fields, "session request", error) ||
      !_cairn_protocol_get_string (obj, "username", "session request", TRUE, &username, error) ||
      !_cairn_protocol_get_string (obj, "password", "session request", TRUE, &password, error) ||
      !_cairn_protocol_get_string (obj, "device", "session request", TRUE, &device, error))
    return NULL;
  /* The username is not checked against the user name rules here: a bad
   * one must fail like a wrong password, not reveal anything. */
  if (*username == '\0' || strlen (username) > CAIRN_PROTOCOL_MAX_USERNAME_BYTES)
    {
      _cairn_protocol_invalid (error, "session request", "username", "must be 1 to 64 bytes");
      return NULL;
    }
  if (*password == '\0' || strlen (password) > CAIRN_PROTOCOL_MAX_PASSWORD_BYTES)
    {
      _cairn_protocol_invalid (error, "session request", "password", "must be 1 to 1024 bytes");
      return NULL;
    }
  if (!cairn_protocol_is_label (device, CAIRN_PROTOCOL_MAX_DEVICE_BYTES))
    {
      _cairn_protocol_invalid (error, "session request", "device", "must be 1 to 128 bytes of text without control characters");
      return NULL;
    }
  req->username = g_strdup (username);
  req->password = g_strdup (password);
  req->device = g_strdup (device);
  return g_steal_pointer (&req);
}

void
cairn_session_reply_free (CairnSessionReply *self)
{
  if (self == NULL)
    return;
  g_free (self->token);
  g_free (self->user);
  g_free (self->device);
  g_free (self->session_id);
  g_free (self);
}

JsonNode *
cairn_protocol_encode_session_reply (const char *token,
                                     const char *user,
                                     const char *device,
                                     const char *session_id)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "token");
  json_builder_add_string_value (b, token);
  json_builder_set_member_name (b, "user");
  json_builder_add_string_value (b, user);
  json_builder_set_member_name (b, "device");
  json_builder_add_string_value (b, device);
  json_builder_set_member_name (b, "session_id");
  json_builder_add_string_value (b, session_id);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

CairnSessionReply *
cairn_protocol_decode_session_reply (JsonNode  *node,
                                     GError   **error)
{
  g_autoptr(CairnSessionReply) reply = g_new0 (CairnSessionReply, 1);
  const char *token, *user, *device, *session_id;
  JsonObject *obj;

  if (!(obj = _cairn_protocol_want_object (node, "session answer", error)) ||
      !_cairn_protocol_get_string (obj, "token", "session answer", TRUE, &token, error) ||
      !_cairn_protocol_get_string (obj, "user", "session answer", TRUE, &user, error) ||
      !_cairn_protocol_get_string (obj, "device", "session answer", TRUE, &device, error) ||
      !_cairn_protocol_get_string (obj, "session_id", "session answer", TRUE, &session_id, error))
    return NULL;
  if (*token == '\0')
    {
      _cairn_protocol_invalid (error, "session answer", "token", "is empty");
      return NULL;
    }
  if (!cairn_is_object_id (session_id))
    {
      _cairn_protocol_invalid (error, "session answer", "session_id", "must be a UUID");
      return NULL;
    }
  reply->token = g_strdup (token);
  reply->user = g_strdup (user);
  reply->device = g_strdup (device);
  reply->session_id = g_strdup (session_id);
  return g_steal_pointer (&reply);
}

void
cairn_session_info_free (CairnSessionInfo *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->device);
  g_free (self);
}

JsonNode *
cairn_protocol_encode_sessions (GPtrArray *sessions)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sessions");
  json_builder_begin_array (b);
  for (guint i = 0; i < sessions->len; i++)
    {
      CairnSessionInfo *s = g_ptr_array_index (sessions, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, s->id);
      json_builder_set_member_name (b, "device");
      json_builder_add_string_value (b, s->device);
      json_builder_set_member_name (b, "created_at");
      json_builder_add_int_value (b, s->created_at);
      json_builder_set_member_name (b, "last_used_at");
      json_builder_add_int_value (b, s->last_used_at);
      json_builder_set_member_name (b, "current");
      json_builder_add_boolean_value (b, s->current);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

GPtrArray *
cairn_protocol_decode_sessions (JsonNode  *node,
                                GError   **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_session_info_free);
  JsonObject *obj;
  JsonArray *array;

  if (!(obj = _cairn_protocol_want_object (node, "sessions answer", error)) ||
      !(array = _cairn_protocol_get_array (obj, "sessions", "sessions answer", error)))
    return NULL;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autoptr(CairnSessionInfo) s = g_new0 (CairnSessionInfo, 1);
      const char *id, *device;
      JsonObject *o;

      if (!(o = _cairn_protocol_want_object (json_array_get_element (array, i), "session", error)) ||
          !_cairn_protocol_get_string (o, "id", "session", TRUE, &id, error) ||
          !_cairn_protocol_get_string (o, "device", "session", TRUE, &device, error) ||
          !_cairn_protocol_get_int (o, "created_at", "session", TRUE, 0, CAIRN_PROTOCOL_MAX_INT, &s->created_at, error) ||
          !_cairn_protocol_get_int (o, "last_used_at", "session", TRUE, 0, CAIRN_PROTOCOL_MAX_INT, &s->last_used_at, error) ||
          !_cairn_protocol_get_bool (o, "current", "session", &s->current, error))
        return NULL;
      s->id = g_strdup (id);
      s->device = g_strdup (device);
      g_ptr_array_add (out, g_steal_pointer (&s));
    }
  return g_steal_pointer (&out);
}

/* ---- workspaces and members ------------------------------------------ */

void
cairn_workspace_info_free (CairnWorkspaceInfo *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->name);
  g_free (self->owner);
  g_free (self);
}

static void
build_workspace (JsonBuilder              *b,
                 const CairnWorkspaceInfo *ws)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, ws->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, ws->name);
  json_builder_set_member_name (b, "owner");
  json_builder_add_string_value (b, ws->owner);
  json_builder_set_member_name (b, "personal");
  json_builder_add_boolean_value (b, ws->personal);
  json_builder_end_object (b);
}

JsonNode *
cairn_protocol_encode_workspace (const CairnWorkspaceInfo *ws)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  build_workspace (b, ws);
  return json_builder_get_root (b);
}

CairnWorkspaceInfo *
cairn_protocol_decode_workspace (JsonNode  *node,
                                 GError   **error)
{
  g_autoptr(CairnWorkspaceInfo) ws = g_new0 (CairnWorkspaceInfo, 1);
  const char *id, *name, *owner;
  JsonObject *o;

  if (!(o = _cairn_protocol_want_object (node, "workspace", error)) ||
      !_cairn_protocol_get_string (o, "id", "workspace", TRUE, &id, error) ||
      !_cairn_protocol_get_string (o, "name", "workspace", TRUE, &name, error) ||
      !_cairn_protocol_get_string (o, "owner", "workspace", TRUE, &owner, error) ||
      !_cairn_protocol_get_bool (o, "personal", "workspace", &ws->personal, error))
    return NULL;
  if (!cairn_is_object_id (id))
    {
      _cairn_protocol_invalid (error, "workspace", "id", "must be a UUID");
      return NULL;
    }
  ws->id = g_strdup (id);
  ws->name = g_strdup (name);
  ws->owner = g_strdup (owner);
  return g_steal_pointer (&ws);
}

JsonNode *
cairn_protocol_encode_workspaces (GPtrArray *workspaces)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "workspaces");
  json_builder_begin_array (b);
  for (guint i = 0; i < workspaces->len; i++)
    build_workspace (b, g_ptr_array_index (workspaces, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

GPtrArray *
cairn_protocol_decode_workspaces (JsonNode  *node,
                                  GError   **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_workspace_info_free);
  JsonObject *obj;
  JsonArray *array;

  if (!(obj = _cairn_protocol_want_object (node, "workspaces answer", error)) ||
      !(array = _cairn_protocol_get_array (obj, "workspaces", "workspaces answer", error)))
    return NULL;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      CairnWorkspaceInfo *ws = cairn_protocol_decode_workspace (json_array_get_element (array, i), error);

      if (ws == NULL)
        return NULL;
      g_ptr_array_add (out, ws);
    }
  return g_steal_pointer (&out);
}

static JsonNode *
encode_single_string (const char *field,
                      const char *value)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, field);
  json_builder_add_string_value (b, value);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
cairn_protocol_encode_workspace_request (const char *name)
{
  return encode_single_string ("name", name);
}

char *
cairn_protocol_decode_workspace_request (JsonNode  *node,
                                         GError   **error)
{
  static const char * const fields[] = { "name", NULL };
  const char *name;
  JsonObject *obj;

  if (!(obj = _cairn_protocol_want_object (node, "workspace request", error)) ||
      !_cairn_protocol_only_fields (obj, fields, "workspace request", error) ||
      !_cairn_protocol_get_string (obj, "name", "workspace request", TRUE, &name, error))
    return NULL;
  if (!cairn_protocol_is_label (name, CAIRN_PROTOCOL_MAX_WORKSPACE_NAME_BYTES))
    {
      _cairn_protocol_invalid (error, "workspace request", "name", "must be 1 to 200 bytes of text without control characters");
      return NULL;
    }
  return g_strdup (name);
}

void
cairn_member_info_free (CairnMemberInfo *self)
{
  if (self == NULL)
    return;
  g_free (self->username);
  g_free (self->role);
  g_free (self);
}

JsonNode *
cairn_protocol_encode_members (GPtrArray *members)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "members");
  json_builder_begin_array (b);
  for (guint i = 0; i < members->len; i++)
    {
      CairnMemberInfo *m = g_ptr_array_index (members, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "username");
      json_builder_add_string_value (b, m->username);
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, m->role);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

GPtrArray *
cairn_protocol_decode_members (JsonNode  *node,
                               GError   **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_member_info_free);
  JsonObject *obj;
  JsonArray *array;

  if (!(obj = _cairn_protocol_want_object (node, "members answer", error)) ||
      !(array = _cairn_protocol_get_array (obj, "members", "members answer", error)))
    return NULL;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autoptr(CairnMemberInfo) m = g_new0 (CairnMemberInfo, 1);
      const char *username, *role;
      JsonObject *o;

      if (!(o = _cairn_protocol_want_object (json_array_get_element (array, i), "member", error)) ||
          !_cairn_protocol_get_string (o, "username", "member", TRUE, &username, error) ||
          !_cairn_protocol_get_string (o, "role", "member", TRUE, &role, error))
        return NULL;
      if (!g_str_equal (role, "owner") && !g_str_equal (role, "member"))
        {
          _cairn_protocol_invalid (error, "member", "role", "must be \"owner\" or \"member\"");
          return NULL;
        }
      m->username = g_strdup (username);
      m->role = g_strdup (role);
      g_ptr_array_add (out, g_steal_pointer (&m));
    }
  return g_steal_pointer (&out);
}

JsonNode *
cairn_protocol_encode_member_request (const char *username)
{
  return encode_single_string ("username", username);
}

char *
cairn_protocol_decode_member_request (JsonNode  *node,
                                      GError   **error)
{
  static const char * const fields[] = { "username", NULL };
  const char *username;
  JsonObject *obj;

  if (!(obj = _cairn_protocol_want_object (node, "member request", error)) ||
      !_cairn_protocol_only_fields (obj, fields, "member request", error) ||
      !_cairn_protocol_get_string (obj, "username", "member request", TRUE, &username, error))
    return NULL;
  if (!cairn_protocol_is_username (username))
    {
      _cairn_protocol_invalid (error, "member request", "username", "is not a valid user name");
      return NULL;
    }
  return g_strdup (username);
}

/* ---- push and pull --------------------------------------------------- */

JsonNode *
cairn_protocol_encode_push_request (GPtrArray  *events,
                                    const char *id)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  if (id != NULL)
    {
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "push");
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, id);
    }
  _cairn_protocol_add_events (b, events);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

GPtrArray *
cairn_protocol_decode_push_request (JsonNode  *node,
                                    gboolean   websocket,
                                    char     **out_id,
                                    GError   **error)
{
  static const char * const http_fields[] = { "events", NULL };
  static const char * const ws_fields[] = { "type", "id", "events", NULL };
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  g_autoptr(GHashTable) last_seq = g_hash_table_new (g_str_hash, g_str_equal);
  const char *where = websocket ? "push message" : "push request";
  JsonObject *obj;
  JsonArray *array;
  guint n;

  if (out_id != NULL)
    *out_id = NULL;
  if (!(obj = _cairn_protocol_want_object (node, where, error)) ||
      !_cairn_protocol_only_fields (obj, websocket ? ws_fields : http_fields, where, error))
    return NULL;
  if (websocket)
    {
      const char *type, *id;

      if (!_cairn_protocol_get_string (obj, "type", where, TRUE, &type, error))
        return NULL;
      if (!g_str_equal (type, "push"))
        {
          _cairn_protocol_invalid (error, where, "type", "must be \"push\"");
          return NULL;
        }
      if (!_cairn_protocol_get_string (obj, "id", where, TRUE, &id, error))
        return NULL;
      if (!cairn_protocol_is_label (id, CAIRN_PROTOCOL_MAX_MESSAGE_ID_BYTES))
        {
          _cairn_protocol_invalid (error, where, "id", "must be 1 to 64 bytes of text");
          return NULL;
        }
      if (out_id != NULL)
        *out_id = g_strdup (id);
    }
  if (!(array = _cairn_protocol_get_array (obj, "events", where, error)))
    goto fail;
  n = json_array_get_length (array);
  if (n == 0)
    {
      _cairn_protocol_invalid (error, where, "events", "must not be empty");
      goto fail;
    }
  if (n > CAIRN_PROTOCOL_MAX_EVENTS_PER_PUSH)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_TOO_MANY_EVENTS,
                   "%s: %u events, more than the limit of %d per push",
                   where, n, CAIRN_PROTOCOL_MAX_EVENTS_PER_PUSH);
      goto fail;
    }
  for (guint i = 0; i < n; i++)
    {
      CairnWireEvent *ev = cairn_protocol_decode_event (json_array_get_element (array, i), FALSE, error);
      gpointer prev;

      if (ev == NULL)
        goto fail;
      g_ptr_array_add (events, ev);
      if (g_hash_table_lookup_extended (last_seq, ev->client_id, NULL, &prev))
        {
          CairnWireEvent *p = prev;

          if (ev->client_seq != p->client_seq + 1)
            {
              g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                           "%s: event %u of client %s has client_seq %" G_GINT64_FORMAT
                           " after %" G_GINT64_FORMAT "; a client's events must be consecutive and in order",
                           where, i, ev->client_id, ev->client_seq, p->client_seq);
              goto fail;
            }
        }
      g_hash_table_insert (last_seq, ev->client_id, ev);
    }
  return g_steal_pointer (&events);

fail:
  if (out_id != NULL)
    g_clear_pointer (out_id, g_free);
  return NULL;
}

void
cairn_push_result_free (CairnPushResult *self)
{
  if (self == NULL)
    return;
  g_free (self->client_id);
  g_free (self);
}

void
cairn_push_reply_free (CairnPushReply *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->results, g_ptr_array_unref);
  g_free (self->history_id);
  g_free (self->id);
  g_free (self);
}

JsonNode *
cairn_protocol_encode_push_reply (const CairnPushReply *reply)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  if (reply->id != NULL)
    {
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "ack");
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, reply->id);
    }
  json_builder_set_member_name (b, "results");
  json_builder_begin_array (b);
  for (guint i = 0; reply->results != NULL && i < reply->results->len; i++)
    {
      CairnPushResult *r = g_ptr_array_index (reply->results, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "client_id");
      json_builder_add_string_value (b, r->client_id);
      json_builder_set_member_name (b, "client_seq");
      json_builder_add_int_value (b, r->client_seq);
      json_builder_set_member_name (b, "seq");
      json_builder_add_int_value (b, r->seq);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "head");
  json_builder_add_int_value (b, reply->head);
  json_builder_set_member_name (b, "history_id");
  json_builder_add_string_value (b, reply->history_id);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
decode_history_id (JsonObject  *obj,
                   const char  *where,
                   char       **out,
                   GError     **error)
{
  const char *history_id;

  if (!_cairn_protocol_get_string (obj, "history_id", where, TRUE, &history_id, error))
    return FALSE;
  if (!cairn_is_client_id (history_id))
    return _cairn_protocol_invalid (error, where, "history_id", "must be 32 lowercase hex digits");
  *out = g_strdup (history_id);
  return TRUE;
}

CairnPushReply *
cairn_protocol_decode_push_reply (JsonNode  *node,
                                  gboolean   websocket,
                                  GError   **error)
{
  g_autoptr(CairnPushReply) reply = g_new0 (CairnPushReply, 1);
  const char *where = websocket ? "ack" : "push answer";
  JsonObject *obj;
  JsonArray *array;

  if (!(obj = _cairn_protocol_want_object (node, where, error)))
    return NULL;
  if (websocket)
    {
      const char *id;

      if (!_cairn_protocol_get_string (obj, "id", where, TRUE, &id, error))
        return NULL;
      reply->id = g_strdup (id);
    }
  if (!(array = _cairn_protocol_get_array (obj, "results", where, error)) ||
      !_cairn_protocol_get_int (obj, "head", where, TRUE, 0, CAIRN_PROTOCOL_MAX_INT, &reply->head, error) ||
      !decode_history_id (obj, where, &reply->history_id, error))
    return NULL;
  reply->results = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_push_result_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      CairnPushResult *r = g_new0 (CairnPushResult, 1);
      const char *client_id;
      JsonObject *o;

      g_ptr_array_add (reply->results, r);
      if (!(o = _cairn_protocol_want_object (json_array_get_element (array, i), "result", error)) ||
          !_cairn_protocol_get_string (o, "client_id", "result", TRUE, &client_id, error) ||
          !_cairn_protocol_get_int (o, "client_seq", "result", TRUE, 1, CAIRN_PROTOCOL_MAX_INT, &r->client_seq, error) ||
          !_cairn_protocol_get_int (o, "seq", "result", TRUE, 1, reply->head, &r->seq, error))
        return NULL;
      if (!cairn_is_client_id (client_id))
        {
          _cairn_protocol_invalid (error, "result", "client_id", "must be 32 lowercase hex digits");
          return NULL;
        }
      r->client_id = g_strdup (client_id);
    }
  return g_steal_pointer (&reply);
}

void
cairn_pull_reply_free (CairnPullReply *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->events, g_ptr_array_unref);
  g_free (self->history_id);
  g_free (self);
}

JsonNode *
cairn_protocol_encode_pull_reply (const CairnPullReply *reply)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  _cairn_protocol_add_events (b, reply->events);
  json_builder_set_member_name (b, "head");
  json_builder_add_int_value (b, reply->head);
  json_builder_set_member_name (b, "history_id");
  json_builder_add_string_value (b, reply->history_id);
  json_builder_set_member_name (b, "more");
  json_builder_add_boolean_value (b, reply->more);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
check_events_within_head (GPtrArray   *events,
                          gint64       head,
                          const char  *where,
                          GError     **error)
{
  if (events->len > 0)
    {
      CairnWireEvent *last = g_ptr_array_index (events, events->len - 1);

      if (last->seq > head)
        {
          g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                       "%s: event seq %" G_GINT64_FORMAT " is past head %" G_GINT64_FORMAT,
                       where, last->seq, head);
          return FALSE;
        }
    }
  return TRUE;
}

CairnPullReply *
cairn_protocol_decode_pull_reply (JsonNode  *node,
                                  GError   **error)
{
  g_autoptr(CairnPullReply) reply = g_new0 (CairnPullReply, 1);
  JsonObject *obj;
  JsonArray *array;

  if (!(obj = _cairn_protocol_want_object (node, "pull answer", error)) ||
      !(array = _cairn_protocol_get_array (obj, "events", "pull answer", error)) ||
      !_cairn_protocol_get_int (obj, "head", "pull answer", TRUE, 0, CAIRN_PROTOCOL_MAX_INT, &reply->head, error) ||
      !decode_history_id (obj, "pull answer", &reply->history_id, error) ||
      !_cairn_protocol_get_bool (obj, "more", "pull answer", &reply->more, error))
    return NULL;
  if (!(reply->events = _cairn_protocol_decode_server_events (array, error)) ||
      !check_events_within_head (reply->events, reply->head, "pull answer", error))
    return NULL;
  return g_steal_pointer (&reply);
}

static gboolean
parse_decimal (const char  *name,
               const char  *value,
               gint64       min,
               gint64       max,
               gint64      *out,
               GError     **error)
{
  guint64 v;

  if (*value == '\0' || strlen (value) > 16)
    goto bad;
  for (const char *p = value; *p; p++)
    if (!g_ascii_isdigit (*p))
      goto bad;
  v = g_ascii_strtoull (value, NULL, 10);
  if (v < (guint64) min || v > (guint64) max)
    goto bad;
  *out = (gint64) v;
  return TRUE;

bad:
  g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_PARAMETER,
               "Query parameter \"%s\" must be a decimal integer from %" G_GINT64_FORMAT
               " to %" G_GINT64_FORMAT, name, min, max);
  return FALSE;
}

gboolean
cairn_protocol_parse_after (const char *value,
                            gint64     *out,
                            GError    **error)
{
  *out = 0;
  if (value == NULL)
    return TRUE;
  return parse_decimal ("after", value, 0, CAIRN_PROTOCOL_MAX_INT, out, error);
}

gboolean
cairn_protocol_parse_limit (const char *value,
                            guint      *out,
                            GError    **error)
{
  gint64 v;

  *out = CAIRN_PROTOCOL_DEFAULT_PULL_LIMIT;
  if (value == NULL)
    return TRUE;
  if (!parse_decimal ("limit", value, 1, CAIRN_PROTOCOL_MAX_PULL_LIMIT, &v, error))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

/* ---- live WebSocket -------------------------------------------------- */

void
cairn_live_message_free (CairnLiveMessage *self)
{
  if (self == NULL)
    return;
  g_free (self->history_id);
  g_clear_pointer (&self->events, g_ptr_array_unref);
  g_clear_pointer (&self->ack, cairn_push_reply_free);
  g_free (self->id);
  g_clear_pointer (&self->error, cairn_error_reply_free);
  g_free (self);
}

JsonNode *
cairn_protocol_encode_live_hello (gint64      head,
                                  const char *history_id)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "hello");
  json_builder_set_member_name (b, "head");
  json_builder_add_int_value (b, head);
  json_builder_set_member_name (b, "history_id");
  json_builder_add_string_value (b, history_id);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
cairn_protocol_encode_live_events (GPtrArray *events,
                                   gint64     head)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "events");
  _cairn_protocol_add_events (b, events);
  json_builder_set_member_name (b, "head");
  json_builder_add_int_value (b, head);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
cairn_protocol_encode_live_error (const char         *id,
                                  CairnProtocolError  error,
                                  const char         *message,
                                  const char         *client_id,
                                  gint64              expected)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "error");
  json_builder_set_member_name (b, "id");
  if (id != NULL)
    json_builder_add_string_value (b, id);
  else
    json_builder_add_null_value (b);
  _cairn_protocol_build_error_object (b, error, message, client_id, expected, 0);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

CairnLiveMessage *
cairn_protocol_decode_live_message (JsonNode  *node,
                                    GError   **error)
{
  g_autoptr(CairnLiveMessage) msg = g_new0 (CairnLiveMessage, 1);
  const char *type;
  JsonObject *obj;

  if (!(obj = _cairn_protocol_want_object (node, "live message", error)) ||
      !_cairn_protocol_get_string (obj, "type", "live message", TRUE, &type, error))
    return NULL;

  if (g_str_equal (type, "hello"))
    {
      msg->type = CAIRN_LIVE_HELLO;
      if (!_cairn_protocol_get_int (obj, "head", "hello", TRUE, 0, CAIRN_PROTOCOL_MAX_INT, &msg->head, error) ||
          !decode_history_id (obj, "hello", &msg->history_id, error))
        return NULL;
    }
  else if (g_str_equal (type, "events"))
    {
      JsonArray *array;

      msg->type = CAIRN_LIVE_EVENTS;
      if (!(array = _cairn_protocol_get_array (obj, "events", "events message", error)) ||
          !_cairn_protocol_get_int (obj, "head", "events message", TRUE, 0, CAIRN_PROTOCOL_MAX_INT, &msg->head, error) ||
          !(msg->events = _cairn_protocol_decode_server_events (array, error)) ||
          !check_events_within_head (msg->events, msg->head, "events message", error))
        return NULL;
    }
  else if (g_str_equal (type, "ack"))
    {
      msg->type = CAIRN_LIVE_ACK;
      if (!(msg->ack = cairn_protocol_decode_push_reply (node, TRUE, error)))
        return NULL;
      msg->head = msg->ack->head;
      msg->history_id = g_strdup (msg->ack->history_id);
      msg->id = g_strdup (msg->ack->id);
    }
  else if (g_str_equal (type, "error"))
    {
      const char *id;

      msg->type = CAIRN_LIVE_ERROR;
      if (!_cairn_protocol_get_string (obj, "id", "error message", FALSE, &id, error) ||
          !(msg->error = _cairn_protocol_decode_error_object (json_object_get_member (obj, "error"), error)))
        return NULL;
      msg->id = g_strdup (id);
    }
  else
    {
      _cairn_protocol_invalid (error, "live message", "type", "is not one of hello, events, ack, error");
      return NULL;
    }
  return g_steal_pointer (&msg);
}

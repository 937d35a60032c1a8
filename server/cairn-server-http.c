/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-http.c: the request log, JSON answers and request helpers. */
#define G_LOG_DOMAIN "cairn-server"
#include "config.h"

#include "cairn-server-private.h"

gboolean _cairn_server_quiet_log;

/* ---- logging ------------------------------------------------------------ */

void
_cairn_server_log_line (const char *kind,
          const char *method,
          const char *path,
          guint       status,
          double      duration_ms,
          const char *remote)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *ts = g_date_time_format_iso8601 (now);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, ts);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, kind);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, method ? method : "");
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, path ? path : "");
  json_builder_set_member_name (b, "status");
  json_builder_add_int_value (b, status);
  json_builder_set_member_name (b, "duration_ms");
  json_builder_add_double_value (b, duration_ms);
  json_builder_set_member_name (b, "remote");
  json_builder_add_string_value (b, remote ? remote : "");
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = cairn_protocol_to_string (root, NULL);
  if (_cairn_server_quiet_log)
    return;
  fprintf (stderr, "%s\n", text);
  fflush (stderr);
}

const char *
_cairn_server_remote_address (Server            *self,
                SoupServerMessage *msg)
{
  if (self->trust_proxy)
    {
      const char *xff = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                      "X-Forwarded-For");

      /* The proxy appends the peer it saw: the last entry is the one to trust. */
      if (xff != NULL && *xff != '\0')
        {
          const char *last = strrchr (xff, ',');
          const char *addr = last ? last + 1 : xff;

          while (*addr == ' ')
            addr++;
          if (*addr != '\0')
            return addr;
        }
    }
  return soup_server_message_get_remote_host (msg);
}

/* ---- answers -------------------------------------------------------------- */

void
_cairn_server_answer_json (SoupServerMessage *msg,
             guint              status,
             JsonNode          *node)
{
  gsize len = 0;
  char *text = cairn_protocol_to_string (node, &len);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
}

void
_cairn_server_answer_error_full (SoupServerMessage  *msg,
                   CairnProtocolError  code,
                   const char         *message,
                   const char         *client_id,
                   gint64              expected,
                   gint64              retry_after)
{
  g_autoptr(JsonNode) node = cairn_protocol_encode_error (code, message, client_id, expected, retry_after);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (code == CAIRN_PROTOCOL_ERROR_UNAUTHORIZED)
    soup_message_headers_replace (headers, "WWW-Authenticate", "Bearer realm=\"cairn\"");
  if (retry_after > 0)
    {
      g_autofree char *s = g_strdup_printf ("%" G_GINT64_FORMAT, retry_after);
      soup_message_headers_replace (headers, "Retry-After", s);
    }
  _cairn_server_answer_json (msg, cairn_protocol_error_status (code), node);
}

void
_cairn_server_answer_error (SoupServerMessage  *msg,
              CairnProtocolError  code,
              const char         *message)
{
  _cairn_server_answer_error_full (msg, code, message, NULL, 0, 0);
}

/* What a client is told when the database cannot be written (a full disk,
 * an I/O error): nothing was stored, reads still work, and the same
 * request may succeed later. The detail (the file, SQLite's words) is for
 * the server log only. */

gboolean
_cairn_server_is_storage_full (const GError *error)
{
  return g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL);
}

/* Answers a GError; internal failures are logged with their detail and
 * answered without it. */
void
_cairn_server_answer_gerror (SoupServerMessage *msg,
               const GError      *error)
{
  if (_cairn_server_is_storage_full (error))
    {
      g_warning ("Storage error: %s", error->message);
      _cairn_server_answer_error_full (msg, CAIRN_PROTOCOL_ERROR_STORAGE_FULL, STORAGE_FULL_TEXT,
                         NULL, 0, STORAGE_FULL_RETRY_AFTER);
      return;
    }
  if (error->domain != CAIRN_PROTOCOL_ERROR || error->code == CAIRN_PROTOCOL_ERROR_INTERNAL)
    {
      g_warning ("Internal error: %s", error->message);
      _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_INTERNAL, "Internal server error; see the server log");
      return;
    }
  _cairn_server_answer_error (msg, error->code, error->message);
}

void
_cairn_server_answer_method_not_allowed (SoupServerMessage *msg,
                           const char        *allow)
{
  g_autofree char *text = g_strdup_printf ("Method %s is not allowed here; use %s",
                                           soup_server_message_get_method (msg), allow);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
  _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_METHOD_NOT_ALLOWED, text);
}

/* ---- request helpers -------------------------------------------------------- */

JsonNode *
_cairn_server_read_body (SoupServerMessage *msg,
           GError           **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  return cairn_protocol_parse (data ? data : "", len, CAIRN_PROTOCOL_MAX_BODY_BYTES, error);
}

char *
_cairn_server_bearer_token (SoupServerMessage *msg)
{
  const char *h = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                "Authorization");

  if (h == NULL || g_ascii_strncasecmp (h, "Bearer ", 7) != 0)
    return NULL;
  h += 7;
  while (*h == ' ')
    h++;
  return g_strdup (h);
}

CairnAuth *
_cairn_server_authenticate (Server            *self,
              SoupServerMessage *msg)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *token = _cairn_server_bearer_token (msg);
  CairnAuth *auth;

  if (token == NULL)
    {
      _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                    "Missing \"Authorization: Bearer TOKEN\" header; log in with POST /v1/session");
      return NULL;
    }
  if (!(auth = cairn_server_core_authenticate (self->core, token, &error)))
    _cairn_server_answer_gerror (msg, error);
  return auth;
}

/* Ends the main loop once a shutdown has nothing left to wait for. */
void
_cairn_server_maybe_finish_shutdown (Server *self)
{
  if (self->shutting_down && self->live != NULL &&
      g_hash_table_size (self->live) == 0 && self->in_flight == 0 &&
      g_main_loop_is_running (self->loop))
    g_main_loop_quit (self->loop);
}

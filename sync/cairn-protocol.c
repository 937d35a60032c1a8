/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-protocol.c: encode and strictly decode the v1 wire messages
 * through json-glib trees. The fast path for the messages that carry
 * events is in cairn-protocol-scan.c. */
#define G_LOG_DOMAIN "cairn-protocol"
#include "config.h"

#include <string.h>

#include "cairn-chain.h"
#include "cairn-json-guard.h"
#include "cairn-protocol-private.h"

G_DEFINE_QUARK (cairn-protocol-error-quark, cairn_protocol_error)

static const struct
{
  const char *code;
  guint       status;
} error_table[] = {
  [CAIRN_PROTOCOL_ERROR_MALFORMED_JSON]       = { "malformed_json", 400 },
  [CAIRN_PROTOCOL_ERROR_INVALID_UTF8]         = { "invalid_utf8", 400 },
  [CAIRN_PROTOCOL_ERROR_INVALID_REQUEST]      = { "invalid_request", 400 },
  [CAIRN_PROTOCOL_ERROR_INVALID_PARAMETER]    = { "invalid_parameter", 400 },
  [CAIRN_PROTOCOL_ERROR_UNAUTHORIZED]         = { "unauthorized", 401 },
  [CAIRN_PROTOCOL_ERROR_FORBIDDEN]            = { "forbidden", 403 },
  [CAIRN_PROTOCOL_ERROR_NOT_FOUND]            = { "not_found", 404 },
  [CAIRN_PROTOCOL_ERROR_METHOD_NOT_ALLOWED]   = { "method_not_allowed", 405 },
  [CAIRN_PROTOCOL_ERROR_ALREADY_EXISTS]       = { "already_exists", 409 },
  [CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP]       = { "client_seq_gap", 409 },
  [CAIRN_PROTOCOL_ERROR_LENGTH_REQUIRED]      = { "length_required", 411 },
  [CAIRN_PROTOCOL_ERROR_BODY_TOO_LARGE]       = { "body_too_large", 413 },
  [CAIRN_PROTOCOL_ERROR_TOO_MANY_EVENTS]      = { "too_many_events", 413 },
  [CAIRN_PROTOCOL_ERROR_ARGS_TOO_LARGE]       = { "args_too_large", 413 },
  [CAIRN_PROTOCOL_ERROR_RATE_LIMITED]         = { "rate_limited", 429 },
  [CAIRN_PROTOCOL_ERROR_TOO_MANY_CONNECTIONS] = { "too_many_connections", 429 },
  [CAIRN_PROTOCOL_ERROR_INTERNAL]             = { "internal", 500 },
  [CAIRN_PROTOCOL_ERROR_SHUTTING_DOWN]        = { "shutting_down", 503 },
  [CAIRN_PROTOCOL_ERROR_STORAGE_FULL]         = { "storage_full", 503 },
  [CAIRN_PROTOCOL_ERROR_UNKNOWN]              = { "unknown", 500 },
};

const char *
cairn_protocol_error_code (CairnProtocolError error)
{
  if ((guint) error >= G_N_ELEMENTS (error_table))
    return "unknown";
  return error_table[error].code;
}

guint
cairn_protocol_error_status (CairnProtocolError error)
{
  if ((guint) error >= G_N_ELEMENTS (error_table))
    return 500;
  return error_table[error].status;
}

CairnProtocolError
cairn_protocol_error_from_code (const char *code)
{
  if (code == NULL)
    return CAIRN_PROTOCOL_ERROR_UNKNOWN;
  for (guint i = 0; i < CAIRN_PROTOCOL_ERROR_UNKNOWN; i++)
    if (g_str_equal (error_table[i].code, code))
      return i;
  return CAIRN_PROTOCOL_ERROR_UNKNOWN;
}

/* ---- validators ------------------------------------------------------ */

gboolean
cairn_protocol_is_username (const char *str)
{
  gsize len;

  if (str == NULL)
    return FALSE;
  len = strlen (str);
  if (len == 0 || len > CAIRN_PROTOCOL_MAX_USERNAME_BYTES)
    return FALSE;
  if (!g_ascii_isdigit (str[0]) && !g_ascii_islower (str[0]))
    return FALSE;
  for (const char *p = str; *p; p++)
    if (!g_ascii_isdigit (*p) && !g_ascii_islower (*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

gboolean
cairn_protocol_is_event_name (const char *str)
{
  gboolean at_start = TRUE;
  gsize len;

  if (str == NULL)
    return FALSE;
  len = strlen (str);
  if (len == 0 || len > CAIRN_PROTOCOL_MAX_EVENT_NAME_BYTES)
    return FALSE;
  for (const char *p = str; *p; p++)
    {
      if (at_start)
        {
          if (!g_ascii_islower (*p))
            return FALSE;
          at_start = FALSE;
        }
      else if (*p == '.')
        at_start = TRUE;
      else if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '_')
        return FALSE;
    }
  return !at_start;
}

gboolean
cairn_protocol_is_label (const char *str,
                         gsize       max_bytes)
{
  gsize len;

  if (str == NULL)
    return FALSE;
  len = strlen (str);
  if (len == 0 || len > max_bytes || !g_utf8_validate (str, len, NULL))
    return FALSE;
  for (const char *p = str; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* ---- parsing --------------------------------------------------------- */

static gboolean
read_hex4 (const char *p,
           guint      *out)
{
  guint v = 0;

  for (guint i = 0; i < 4; i++)
    {
      if (!g_ascii_isxdigit (p[i]))
        return FALSE;
      v = v * 16 + g_ascii_xdigit_value (p[i]);
    }
  *out = v;
  return TRUE;
}

/* A \u escape of a UTF-16 surrogate that is not a high one followed by a
 * low one: no character at all. json-glib 1.6 lets some through (as bytes
 * that are not UTF-8) and leaks memory on others, so they are refused before
 * it sees them. Every backslash starts an escape (outside strings, the text
 * is not JSON anyway). *at: the offset of the first one. */
static gboolean
find_bad_surrogate (const char *data,
                    gsize       length,
                    gsize      *at)
{
  const char *p = data, *end = data + length;

  while ((p = memchr (p, '\\', end - p)) != NULL)
    {
      guint hi, lo;

      if (end - p >= 6 && p[1] == 'u' && read_hex4 (p + 2, &hi) && hi >= 0xd800 && hi <= 0xdfff)
        {
          if (hi <= 0xdbff && end - p >= 12 && p[6] == '\\' && p[7] == 'u' &&
              read_hex4 (p + 8, &lo) && lo >= 0xdc00 && lo <= 0xdfff)
            {
              p += 12;
              continue;
            }
          *at = p - data;
          return TRUE;
        }
      p += end - p >= 2 ? 2 : 1;
    }
  return FALSE;
}

static inline gboolean
is_json_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether anything but white space follows the first JSON value of data
 * (*at: its offset). json-glib 1.6 leaks the token it reads after a
 * complete root value, a whole string included: "[1]" and then a string
 * of a megabyte leaked that megabyte per message (found by tests/fuzz).
 * So such text never reaches it. Text that is not JSON in other ways is
 * left to json-glib, which says what is wrong. */
static gboolean
find_trailing_data (const char *data,
                    gsize       length,
                    gsize      *at)
{
  const char *p = data, *end = data + length;
  guint depth = 0;

  while (p < end && is_json_space (*p))
    p++;
  if (p == end)
    return FALSE;
  do
    {
      if (*p == '"')
        {
          for (p++; p < end && *p != '"'; p++)
            if (*p == '\\')
              p++;
          if (p >= end)
            return FALSE;
          p++;
        }
      else if (*p == '{' || *p == '[')
        {
          depth++;
          p++;
        }
      else if (*p == '}' || *p == ']')
        {
          if (depth == 0)
            return FALSE;
          depth--;
          p++;
        }
      else if (depth > 0)
        p++;
      else
        {
          /* A number or a word at the top. */
          while (p < end && !is_json_space (*p) && strchr ("{}[],:\"", *p) == NULL)
            p++;
        }
    }
  while (p < end && depth > 0);
  if (depth > 0)
    return FALSE;
  while (p < end && is_json_space (*p))
    p++;
  if (p == end)
    return FALSE;
  *at = p - data;
  return TRUE;
}

JsonNode *
cairn_protocol_parse (const char  *data,
                      gsize        length,
                      gsize        max_bytes,
                      GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *end = NULL;
  JsonNode *root;
  CairnJsonGuardResult guard;
  gsize at = 0;

  if (length > max_bytes)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_BODY_TOO_LARGE,
                   "Message of %" G_GSIZE_FORMAT " bytes exceeds the limit of %" G_GSIZE_FORMAT " bytes",
                   length, max_bytes);
      return NULL;
    }
  if (length == 0)
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON,
                           "Message body is empty; expected a JSON object");
      return NULL;
    }
  if (!g_utf8_validate (data, length, &end))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_UTF8,
                   "Message is not valid UTF-8 (at byte %" G_GSIZE_FORMAT ")",
                   (gsize) (end - data));
      return NULL;
    }

  /* Before json-glib, which recurses without limit and returns strings
   * cut at an escaped NUL. */
  guard = cairn_json_guard (data, length, CAIRN_JSON_GUARD_INTEGERS, &at);
  switch (guard)
    {
    case CAIRN_JSON_GUARD_OK:
      break;
    case CAIRN_JSON_GUARD_NUL:
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_UTF8,
                   "Message holds an escaped NUL character (\\u0000) at byte %" G_GSIZE_FORMAT
                   "; text may not contain NUL", at);
      return NULL;
    case CAIRN_JSON_GUARD_NUMBER:
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                   "The integer at byte %" G_GSIZE_FORMAT " does not fit in 64 bits", at);
      return NULL;
    case CAIRN_JSON_GUARD_TOO_DEEP:
    case CAIRN_JSON_GUARD_NOT_JSON:
    default:
      {
        g_autofree char *why = cairn_json_guard_message (guard, at);

        g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON,
                     "Message is not valid JSON: %s", why);
        return NULL;
      }
    }

  if (find_bad_surrogate (data, length, &at))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON,
                   "Message is not valid JSON: the \\u escape at byte %" G_GSIZE_FORMAT
                   " is a lone UTF-16 surrogate", at);
      return NULL;
    }

  if (find_trailing_data (data, length, &at))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON,
                   "Message is not valid JSON: more text after the value, at byte %" G_GSIZE_FORMAT, at);
      return NULL;
    }

  /* Not immutable: sealing every node costs more than it gives here. */
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON,
                   "Message is not valid JSON: %s", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON,
                           "Message holds only white space; expected a JSON object");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                           "Message must be a JSON object");
      return NULL;
    }
  return json_node_ref (root);
}

static void
generator_free (gpointer gen)
{
  g_object_unref (gen);
}

/* One generator per thread: creating a GObject for every event's args
 * showed up in the server's ingest profile. */
static GPrivate thread_generator = G_PRIVATE_INIT (generator_free);

char *
cairn_protocol_to_string (JsonNode *node,
                          gsize    *length)
{
  JsonGenerator *gen = g_private_get (&thread_generator);
  char *text;

  if (gen == NULL)
    {
      gen = json_generator_new ();
      g_private_set (&thread_generator, gen);
    }
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, length);
  json_generator_set_root (gen, NULL);
  return text;
}

/* ---- strict field access -------------------------------------------- */

gboolean
_cairn_protocol_invalid (GError    **error,
         const char *where,
         const char *field,
         const char *what)
{
  g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
               "%s: \"%s\" %s", where, field, what);
  return FALSE;
}

JsonObject *
_cairn_protocol_want_object (JsonNode    *node,
             const char  *where,
             GError     **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                   "%s must be a JSON object", where);
      return NULL;
    }
  return json_node_get_object (node);
}

/* Refuses members not in allowed (a NULL-terminated list). */
gboolean
_cairn_protocol_only_fields (JsonObject         *obj,
             const char * const *allowed,
             const char         *where,
             GError            **error)
{
  JsonObjectIter iter;
  const char *member;

  json_object_iter_init (&iter, obj);
  while (json_object_iter_next (&iter, &member, NULL))
    if (!g_strv_contains (allowed, member))
      return _cairn_protocol_invalid (error, where, member, "is not a known field");
  return TRUE;
}

gboolean
_cairn_protocol_get_string (JsonObject  *obj,
            const char  *field,
            const char  *where,
            gboolean     required,
            const char **out,
            GError     **error)
{
  JsonNode *node = json_object_get_member (obj, field);
  const char *str;

  *out = NULL;
  if (node == NULL)
    return required ? _cairn_protocol_invalid (error, where, field, "is missing") : TRUE;
  if (JSON_NODE_HOLDS_NULL (node) && !required)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return _cairn_protocol_invalid (error, where, field, "must be a string");
  str = json_node_get_string (node);
  if (!g_utf8_validate (str, -1, NULL))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_UTF8,
                   "%s: \"%s\" is not valid UTF-8", where, field);
      return FALSE;
    }
  *out = str;
  return TRUE;
}

gboolean
_cairn_protocol_get_int (JsonObject  *obj,
         const char  *field,
         const char  *where,
         gboolean     required,
         gint64       min,
         gint64       max,
         gint64      *out,
         GError     **error)
{
  JsonNode *node = json_object_get_member (obj, field);
  gint64 v;

  *out = 0;
  if (node == NULL)
    return required ? _cairn_protocol_invalid (error, where, field, "is missing") : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return _cairn_protocol_invalid (error, where, field, "must be an integer");
  v = json_node_get_int (node);
  if (v < min || v > max)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                   "%s: \"%s\" is %" G_GINT64_FORMAT ", outside %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT,
                   where, field, v, min, max);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

gboolean
_cairn_protocol_get_bool (JsonObject  *obj,
          const char  *field,
          const char  *where,
          gboolean    *out,
          GError     **error)
{
  JsonNode *node = json_object_get_member (obj, field);

  *out = FALSE;
  if (node == NULL)
    return _cairn_protocol_invalid (error, where, field, "is missing");
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return _cairn_protocol_invalid (error, where, field, "must be true or false");
  *out = json_node_get_boolean (node);
  return TRUE;
}

JsonArray *
_cairn_protocol_get_array (JsonObject  *obj,
           const char  *field,
           const char  *where,
           GError     **error)
{
  JsonNode *node = json_object_get_member (obj, field);

  if (node == NULL)
    {
      _cairn_protocol_invalid (error, where, field, "is missing");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      _cairn_protocol_invalid (error, where, field, "must be an array");
      return NULL;
    }
  return json_node_get_array (node);
}

/* ---- events ---------------------------------------------------------- */

CairnWireEvent *
cairn_wire_event_new (const char *name,
                      gint64      version,
                      const char *args_json,
                      const char *client_id,
                      gint64      client_seq,
                      gint64      created_at)
{
  CairnWireEvent *self = g_new0 (CairnWireEvent, 1);

  self->name = g_strdup (name);
  self->version = version;
  self->args_json = g_strdup (args_json ? args_json : "{}");
  self->client_id = g_strdup (client_id);
  self->client_seq = client_seq;
  self->created_at = created_at;
  return self;
}

CairnWireEvent *
cairn_wire_event_copy (const CairnWireEvent *self)
{
  CairnWireEvent *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = cairn_wire_event_new (self->name, self->version, self->args_json,
                               self->client_id, self->client_seq, self->created_at);
  copy->seq = self->seq;
  copy->device = g_strdup (self->device);
  copy->chain = g_strdup (self->chain);
  copy->user = g_strdup (self->user);
  return copy;
}

gsize
cairn_wire_event_size_bound (const CairnWireEvent *self)
{
  /* args is re-emitted byte for byte (the same generator wrote it); name
   * and client_id need no escapes; a device name at most doubles; the
   * member names, numbers, the chain and punctuation take under 250 bytes. */
  return strlen (self->args_json) + strlen (self->name) + strlen (self->client_id) +
         (self->device ? 2 * strlen (self->device) : 0) +
         (self->user ? strlen (self->user) + 10 : 0) + 250;
}

void
cairn_wire_event_free (CairnWireEvent *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->args_json);
  g_free (self->client_id);
  g_free (self->device);
  g_free (self->chain);
  g_free (self->user);
  g_free (self);
}

CairnWireEvent *
cairn_protocol_decode_event (JsonNode  *node,
                             gboolean   from_server,
                             GError   **error)
{
  static const char * const client_fields[] = {
    "name", "version", "args", "client_id", "client_seq", "created_at", NULL
  };
  static const char * const server_fields[] = {
    "name", "version", "args", "client_id", "client_seq", "created_at", "seq", "device", "chain", "user", NULL
  };
  g_autoptr(CairnWireEvent) ev = g_new0 (CairnWireEvent, 1);
  JsonObject *obj;
  JsonNode *args;
  const char *name, *client_id, *device, *chain, *user;
  gsize args_len = 0;

  if (!(obj = _cairn_protocol_want_object (node, "event", error)))
    return NULL;
  if (!_cairn_protocol_only_fields (obj, from_server ? server_fields : client_fields, "event", error))
    return NULL;

  if (!_cairn_protocol_get_string (obj, "name", "event", TRUE, &name, error))
    return NULL;
  if (!cairn_protocol_is_event_name (name))
    {
      _cairn_protocol_invalid (error, "event", "name", "must look like \"todo.renamed\" (lowercase words joined by dots, at most 64 bytes)");
      return NULL;
    }
  if (!_cairn_protocol_get_int (obj, "version", "event", TRUE, 1, G_MAXINT32, &ev->version, error))
    return NULL;

  args = json_object_get_member (obj, "args");
  if (args == NULL)
    {
      _cairn_protocol_invalid (error, "event", "args", "is missing");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (args))
    {
      _cairn_protocol_invalid (error, "event", "args", "must be a JSON object");
      return NULL;
    }
  /* json-glib writes such numbers back as text that is not JSON
   * ("1e+20.0", "inf.0"), which would break every later page. */
  if (cairn_json_node_has_fraction (args))
    {
      _cairn_protocol_invalid (error, "event", "args", "holds a number with a fraction or exponent; "
               "numbers in args must be integers");
      return NULL;
    }
  ev->args_json = cairn_protocol_to_string (args, &args_len);
  if (args_len > CAIRN_PROTOCOL_MAX_ARGS_BYTES)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ARGS_TOO_LARGE,
                   "event: \"args\" of %s is %" G_GSIZE_FORMAT " bytes, more than the limit of %d",
                   name, args_len, CAIRN_PROTOCOL_MAX_ARGS_BYTES);
      return NULL;
    }
  /* Escapes such as "\ud800" decode to bytes that are not UTF-8. */
  if (!g_utf8_validate (ev->args_json, args_len, NULL))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_UTF8,
                   "event: \"args\" of %s contains a string that is not valid UTF-8", name);
      return NULL;
    }

  if (!_cairn_protocol_get_string (obj, "client_id", "event", TRUE, &client_id, error))
    return NULL;
  if (!cairn_is_client_id (client_id))
    {
      _cairn_protocol_invalid (error, "event", "client_id", "must be 32 lowercase hex digits");
      return NULL;
    }
  if (!_cairn_protocol_get_int (obj, "client_seq", "event", TRUE, 1, CAIRN_PROTOCOL_MAX_INT, &ev->client_seq, error))
    return NULL;
  if (!_cairn_protocol_get_int (obj, "created_at", "event", TRUE, 0, CAIRN_PROTOCOL_MAX_INT, &ev->created_at, error))
    return NULL;

  if (from_server)
    {
      if (!_cairn_protocol_get_int (obj, "seq", "event", TRUE, 1, CAIRN_PROTOCOL_MAX_INT, &ev->seq, error))
        return NULL;
      if (!_cairn_protocol_get_string (obj, "device", "event", FALSE, &device, error))
        return NULL;
      ev->device = g_strdup (device);
      if (!_cairn_protocol_get_string (obj, "chain", "event", FALSE, &chain, error))
        return NULL;
      if (chain != NULL && !cairn_chain_is_valid (chain))
        {
          _cairn_protocol_invalid (error, "event", "chain", "must be 32 lowercase hex digits");
          return NULL;
        }
      ev->chain = g_strdup (chain);
      /* "user" came with issue 15: older servers send none. */
      if (!_cairn_protocol_get_string (obj, "user", "event", FALSE, &user, error))
        return NULL;
      if (user != NULL && !cairn_protocol_is_username (user))
        {
          _cairn_protocol_invalid (error, "event", "user", "must be a user name (1 to 64 of a-z 0-9 . _ -)");
          return NULL;
        }
      ev->user = g_strdup (user);
    }

  ev->name = g_strdup (name);
  ev->client_id = g_strdup (client_id);
  return g_steal_pointer (&ev);
}

JsonNode *
cairn_protocol_encode_event (const CairnWireEvent *event)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) args = NULL;

  g_return_val_if_fail (event != NULL, NULL);

  /* Never hand json-glib (which recurses without limit) deep nesting. */
  if (cairn_json_guard (event->args_json, -1, CAIRN_JSON_GUARD_INTEGERS, NULL) == CAIRN_JSON_GUARD_OK)
    args = json_from_string (event->args_json, NULL);
  if (args == NULL || !JSON_NODE_HOLDS_OBJECT (args))
    {
      g_clear_pointer (&args, json_node_unref);
      args = json_node_init_object (json_node_alloc (), json_object_new ());
      json_object_unref (json_node_get_object (args));
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, event->name);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, event->version);
  json_builder_set_member_name (b, "args");
  json_builder_add_value (b, g_steal_pointer (&args));
  json_builder_set_member_name (b, "client_id");
  json_builder_add_string_value (b, event->client_id);
  json_builder_set_member_name (b, "client_seq");
  json_builder_add_int_value (b, event->client_seq);
  json_builder_set_member_name (b, "created_at");
  json_builder_add_int_value (b, event->created_at);
  if (event->seq > 0)
    {
      json_builder_set_member_name (b, "seq");
      json_builder_add_int_value (b, event->seq);
    }
  if (event->device != NULL)
    {
      json_builder_set_member_name (b, "device");
      json_builder_add_string_value (b, event->device);
    }
  if (event->chain != NULL)
    {
      json_builder_set_member_name (b, "chain");
      json_builder_add_string_value (b, event->chain);
    }
  if (event->user != NULL)
    {
      json_builder_set_member_name (b, "user");
      json_builder_add_string_value (b, event->user);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

void
_cairn_protocol_add_events (JsonBuilder *b,
            GPtrArray   *events)
{
  json_builder_set_member_name (b, "events");
  json_builder_begin_array (b);
  for (guint i = 0; events != NULL && i < events->len; i++)
    json_builder_add_value (b, cairn_protocol_encode_event (g_ptr_array_index (events, i)));
  json_builder_end_array (b);
}

/* Decodes an array of events and checks that their seqs ascend. */
GPtrArray *
_cairn_protocol_decode_server_events (JsonArray   *array,
                      GError     **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  gint64 last = 0;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      CairnWireEvent *ev = cairn_protocol_decode_event (json_array_get_element (array, i), TRUE, error);

      if (ev == NULL)
        return NULL;
      g_ptr_array_add (events, ev);
      if (ev->seq <= last)
        {
          g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                       "events: seq %" G_GINT64_FORMAT " follows %" G_GINT64_FORMAT "; seqs must ascend",
                       ev->seq, last);
          return NULL;
        }
      last = ev->seq;
    }
  return g_steal_pointer (&events);
}

/* ---- errors ---------------------------------------------------------- */

void
cairn_error_reply_free (CairnErrorReply *self)
{
  if (self == NULL)
    return;
  g_free (self->code);
  g_free (self->message);
  g_free (self->client_id);
  g_free (self);
}

void
_cairn_protocol_build_error_object (JsonBuilder        *b,
                    CairnProtocolError  error,
                    const char         *message,
                    const char         *client_id,
                    gint64              expected,
                    gint64              retry_after)
{
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, cairn_protocol_error_code (error));
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message ? message : "");
  if (client_id != NULL)
    {
      json_builder_set_member_name (b, "client_id");
      json_builder_add_string_value (b, client_id);
    }
  if (expected > 0)
    {
      json_builder_set_member_name (b, "expected");
      json_builder_add_int_value (b, expected);
    }
  if (retry_after > 0)
    {
      json_builder_set_member_name (b, "retry_after");
      json_builder_add_int_value (b, retry_after);
    }
  json_builder_end_object (b);
}

JsonNode *
cairn_protocol_encode_error (CairnProtocolError  error,
                             const char         *message,
                             const char         *client_id,
                             gint64              expected,
                             gint64              retry_after)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  _cairn_protocol_build_error_object (b, error, message, client_id, expected, retry_after);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

CairnErrorReply *
_cairn_protocol_decode_error_object (JsonNode  *node,
                     GError   **error)
{
  g_autoptr(CairnErrorReply) reply = g_new0 (CairnErrorReply, 1);
  JsonObject *obj;
  const char *code, *message, *client_id;

  if (!(obj = _cairn_protocol_want_object (node, "error", error)))
    return NULL;
  if (!_cairn_protocol_get_string (obj, "code", "error", TRUE, &code, error) ||
      !_cairn_protocol_get_string (obj, "message", "error", TRUE, &message, error) ||
      !_cairn_protocol_get_string (obj, "client_id", "error", FALSE, &client_id, error) ||
      !_cairn_protocol_get_int (obj, "expected", "error", FALSE, 0, CAIRN_PROTOCOL_MAX_INT, &reply->expected, error) ||
      !_cairn_protocol_get_int (obj, "retry_after", "error", FALSE, 0, CAIRN_PROTOCOL_MAX_INT, &reply->retry_after, error))
    return NULL;
  reply->error = cairn_protocol_error_from_code (code);
  reply->code = g_strdup (code);
  reply->message = g_strdup (message);
  reply->client_id = g_strdup (client_id);
  return g_steal_pointer (&reply);
}

CairnErrorReply *
cairn_protocol_decode_error (JsonNode  *node,
                             GError   **error)
{
  JsonObject *obj;

  if (!(obj = _cairn_protocol_want_object (node, "error answer", error)))
    return NULL;
  return _cairn_protocol_decode_error_object (json_object_get_member (obj, "error"), error);
}

GError *
cairn_error_reply_to_gerror (const CairnErrorReply *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_error_new (CAIRN_PROTOCOL_ERROR, self->error, "%s (%s)",
                      self->message, self->code);
}

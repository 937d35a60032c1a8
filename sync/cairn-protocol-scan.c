/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-protocol-scan.c: the hand-written fast path for the messages that
 * carry events (push requests, pull pages, live events), in both
 * directions: text written without a JSON tree, and a scanner that takes
 * the shape the other side writes and hands anything else to the json-glib
 * codec in cairn-protocol.c, which gives the same result or error. */
#define G_LOG_DOMAIN "cairn-protocol"
#include "config.h"

#include <string.h>

#include "cairn-chain.h"
#include "cairn-json-guard.h"
#include "cairn-protocol.h"

/* ---- push fast path ------------------------------------------------- */

typedef struct
{
  const char *p;
  const char *end;
} Scan;

static void
scan_space (Scan *sc)
{
  while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\n' || *sc->p == '\r'))
    sc->p++;
}

static gboolean
scan_char (Scan *sc,
           char  c)
{
  scan_space (sc);
  if (sc->p < sc->end && *sc->p == c)
    {
      sc->p++;
      return TRUE;
    }
  return FALSE;
}

/* A string of printable ASCII without escapes; *out points at its first
 * byte, *out_len its length. No leading space is skipped. */
static gboolean
scan_plain_string (Scan        *sc,
                   const char **out,
                   gsize       *out_len)
{
  const char *start;

  if (sc->p >= sc->end || *sc->p != '"')
    return FALSE;
  start = ++sc->p;
  while (sc->p < sc->end && *sc->p != '"')
    {
      guchar c = *sc->p;

      if (c < 0x20 || c >= 0x7f || c == '\\')
        return FALSE;
      sc->p++;
    }
  if (sc->p >= sc->end)
    return FALSE;
  *out = start;
  *out_len = sc->p - start;
  sc->p++;
  return TRUE;
}

/* An integer as the generator writes one: -?(0|[1-9][0-9]*), at most 18
 * digits, not "-0", not followed by a fraction or exponent. */
static gboolean
scan_int (Scan   *sc,
          gint64 *out)
{
  gboolean neg = FALSE;
  guint digits = 0;
  gint64 v = 0;

  if (sc->p < sc->end && *sc->p == '-')
    {
      neg = TRUE;
      sc->p++;
    }
  if (sc->p >= sc->end || !g_ascii_isdigit (*sc->p))
    return FALSE;
  if (*sc->p == '0' && sc->p + 1 < sc->end && g_ascii_isdigit (sc->p[1]))
    return FALSE;
  while (sc->p < sc->end && g_ascii_isdigit (*sc->p))
    {
      if (++digits > 18)
        return FALSE;
      v = v * 10 + (*sc->p - '0');
      sc->p++;
    }
  if (sc->p < sc->end && (*sc->p == '.' || *sc->p == 'e' || *sc->p == 'E'))
    return FALSE;
  if (neg && v == 0)
    return FALSE;
  *out = neg ? -v : v;
  return TRUE;
}

static gboolean
scan_word (Scan       *sc,
           const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (sc->end - sc->p) < n || memcmp (sc->p, word, n) != 0)
    return FALSE;
  sc->p += n;
  return TRUE;
}

/* A string as the server writes one: any UTF-8 text, with the escapes \" \\ \/ \b
 * \f \n \r \t, and \uXXXX for anything but NUL and surrogates (those
 * take the general path, which refuses them); no raw control characters
 * but 0x1f (json-glib writes that one raw) and no raw DEL. Read back and
 * written by the generator, such a string never grows. *out and *out_len
 * give the raw bytes between the quotes; *escaped whether there was an
 * escape. */
static gboolean
scan_text_string (Scan        *sc,
                  const char **out,
                  gsize       *out_len,
                  gboolean    *escaped)
{
  const char *start;

  *escaped = FALSE;
  if (sc->p >= sc->end || *sc->p != '"')
    return FALSE;
  start = ++sc->p;
  while (sc->p < sc->end && *sc->p != '"')
    {
      guchar c = *sc->p;

      /* Raw controls: only 0x1f, which json-glib's generator writes so.
       * DEL: the generator would write it back as 6 bytes. */
      if ((c < 0x20 && c != 0x1f) || c == 0x7f)
        return FALSE;
      if (c >= 0x80)
        {
          /* The only place where bytes above ASCII may be: check them here
           * rather than the whole message. */
          gunichar u = g_utf8_get_char_validated (sc->p, sc->end - sc->p);

          if (u == (gunichar) -1 || u == (gunichar) -2)
            return FALSE;
          sc->p = g_utf8_next_char (sc->p);
          continue;
        }
      if (c == '\\')
        {
          *escaped = TRUE;
          if (++sc->p >= sc->end)
            return FALSE;
          switch (*sc->p)
            {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
              break;
            case 'u':
              {
                guint v = 0;

                for (guint i = 1; i <= 4; i++)
                  {
                    if (sc->p + i >= sc->end || !g_ascii_isxdigit (sc->p[i]))
                      return FALSE;
                    v = v * 16 + g_ascii_xdigit_value (sc->p[i]);
                  }
                if (v == 0 || (v >= 0xd800 && v <= 0xdfff))
                  return FALSE;
                sc->p += 4;
              }
              break;
            default:
              return FALSE;
            }
        }
      sc->p++;
    }
  if (sc->p >= sc->end)
    return FALSE;
  *out = start;
  *out_len = sc->p - start;
  sc->p++;
  return TRUE;
}

/* A value in compact form: no whitespace, integers, no repeated key within
 * an object. With text FALSE, strings must be plain (then it is what the
 * generator would write back byte for byte); with text TRUE, they may be
 * any string scan_text_string() takes (then json-glib reads it back as the
 * same value). */
static gboolean
scan_value (Scan     *sc,
            guint     depth,
            gboolean  text)
{
  const char *s;
  gsize n;
  gint64 v;
  gboolean escaped;

  if (sc->p >= sc->end || depth > 32)
    return FALSE;
  switch (*sc->p)
    {
    case '{':
      {
        /* Key spans, to refuse repeats (json-glib keeps the last one). */
        const char *keys[64];
        gsize key_lens[64];
        guint nkeys = 0;

        sc->p++;
        if (sc->p < sc->end && *sc->p == '}')
          {
            sc->p++;
            return TRUE;
          }
        for (;;)
          {
            /* Empty member names: declined, json-glib versions differ on
             * them. Escaped ones too: their spans could differ and match. */
            if (!(text ? scan_text_string (sc, &s, &n, &escaped) && !escaped
                       : scan_plain_string (sc, &s, &n)) ||
                n == 0 || nkeys == G_N_ELEMENTS (keys))
              return FALSE;
            for (guint i = 0; i < nkeys; i++)
              if (key_lens[i] == n && memcmp (keys[i], s, n) == 0)
                return FALSE;
            keys[nkeys] = s;
            key_lens[nkeys++] = n;
            if (sc->p >= sc->end || *sc->p++ != ':' || !scan_value (sc, depth + 1, text))
              return FALSE;
            if (sc->p < sc->end && *sc->p == ',')
              {
                sc->p++;
                continue;
              }
            if (sc->p < sc->end && *sc->p == '}')
              {
                sc->p++;
                return TRUE;
              }
            return FALSE;
          }
      }
    case '[':
      sc->p++;
      if (sc->p < sc->end && *sc->p == ']')
        {
          sc->p++;
          return TRUE;
        }
      for (;;)
        {
          if (!scan_value (sc, depth + 1, text))
            return FALSE;
          if (sc->p < sc->end && *sc->p == ',')
            {
              sc->p++;
              continue;
            }
          if (sc->p < sc->end && *sc->p == ']')
            {
              sc->p++;
              return TRUE;
            }
          return FALSE;
        }
    case '"':
      return text ? scan_text_string (sc, &s, &n, &escaped) : scan_plain_string (sc, &s, &n);
    case 't':
      return scan_word (sc, "true");
    case 'f':
      return scan_word (sc, "false");
    case 'n':
      return scan_word (sc, "null");
    default:
      return scan_int (sc, &v);
    }
}

/* What the generator would write back byte for byte. */
static gboolean
scan_canonical (Scan *sc,
                guint depth)
{
  return scan_value (sc, depth, FALSE);
}

static gboolean
span_is (const char *s,
         gsize       n,
         const char *word)
{
  return strlen (word) == n && memcmp (s, word, n) == 0;
}

/* One event object with exactly the six client members. */
static CairnWireEvent *
scan_event (Scan *sc)
{
  enum { NAME = 1, VERSION = 2, ARGS = 4, CLIENT_ID = 8, CLIENT_SEQ = 16, CREATED_AT = 32, ALL = 63 };
  g_autofree char *name = NULL;
  g_autofree char *args = NULL;
  g_autofree char *client_id = NULL;
  gint64 version = 0, client_seq = 0, created_at = 0;
  guint seen = 0;
  CairnWireEvent *ev;

  if (!scan_char (sc, '{'))
    return NULL;
  do
    {
      const char *key, *s;
      gsize key_len, n;
      guint bit;

      scan_space (sc);
      if (!scan_plain_string (sc, &key, &key_len) || !scan_char (sc, ':'))
        return NULL;
      scan_space (sc);
      if (span_is (key, key_len, "name"))
        {
          bit = NAME;
          if (!scan_plain_string (sc, &s, &n))
            return NULL;
          g_free (name);
          name = g_strndup (s, n);
          if (!cairn_protocol_is_event_name (name))
            return NULL;
        }
      else if (span_is (key, key_len, "version"))
        {
          bit = VERSION;
          if (!scan_int (sc, &version) || version < 1 || version > G_MAXINT32)
            return NULL;
        }
      else if (span_is (key, key_len, "args"))
        {
          const char *start = sc->p;

          bit = ARGS;
          if (sc->p >= sc->end || *sc->p != '{' || !scan_canonical (sc, 0) ||
              (gsize) (sc->p - start) > CAIRN_PROTOCOL_MAX_ARGS_BYTES)
            return NULL;
          g_free (args);
          args = g_strndup (start, sc->p - start);
        }
      else if (span_is (key, key_len, "client_id"))
        {
          bit = CLIENT_ID;
          if (!scan_plain_string (sc, &s, &n))
            return NULL;
          g_free (client_id);
          client_id = g_strndup (s, n);
          if (!cairn_is_client_id (client_id))
            return NULL;
        }
      else if (span_is (key, key_len, "client_seq"))
        {
          bit = CLIENT_SEQ;
          if (!scan_int (sc, &client_seq) || client_seq < 1 || client_seq > CAIRN_PROTOCOL_MAX_INT)
            return NULL;
        }
      else if (span_is (key, key_len, "created_at"))
        {
          bit = CREATED_AT;
          if (!scan_int (sc, &created_at) || created_at < 0 || created_at > CAIRN_PROTOCOL_MAX_INT)
            return NULL;
        }
      else
        return NULL;
      if (seen & bit)
        return NULL;
      seen |= bit;
    }
  while (scan_char (sc, ','));
  if (seen != ALL || !scan_char (sc, '}'))
    return NULL;
  ev = g_new0 (CairnWireEvent, 1);
  ev->name = g_steal_pointer (&name);
  ev->version = version;
  ev->args_json = g_steal_pointer (&args);
  ev->client_id = g_steal_pointer (&client_id);
  ev->client_seq = client_seq;
  ev->created_at = created_at;
  return ev;
}

GPtrArray *
cairn_protocol_decode_push_fast (const char *data,
                                 gsize       len)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  g_autoptr(GHashTable) last_seq = g_hash_table_new (g_str_hash, g_str_equal);
  Scan sc = { data, data + len };
  const char *key;
  gsize key_len;

  if (data == NULL || len == 0 || len > CAIRN_PROTOCOL_MAX_BODY_BYTES)
    return NULL;
  if (!scan_char (&sc, '{'))
    return NULL;
  scan_space (&sc);
  if (!scan_plain_string (&sc, &key, &key_len) || !span_is (key, key_len, "events") ||
      !scan_char (&sc, ':') || !scan_char (&sc, '['))
    return NULL;
  do
    {
      CairnWireEvent *ev, *prev;

      if (events->len == CAIRN_PROTOCOL_MAX_EVENTS_PER_PUSH || !(ev = scan_event (&sc)))
        return NULL;
      g_ptr_array_add (events, ev);
      /* A client's events must be consecutive: else the general path says so. */
      prev = g_hash_table_lookup (last_seq, ev->client_id);
      if (prev != NULL && ev->client_seq != prev->client_seq + 1)
        return NULL;
      g_hash_table_insert (last_seq, ev->client_id, ev);
    }
  while (scan_char (&sc, ','));
  if (!scan_char (&sc, ']') || !scan_char (&sc, '}'))
    return NULL;
  scan_space (&sc);
  if (sc.p != sc.end)
    return NULL;
  return g_steal_pointer (&events);
}

/* Whether text can be written between quotes as it is (no escapes). */
static gboolean
is_plain_text (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (*p == '"' || *p == '\\' || (guchar) *p < 0x20 || (guchar) *p >= 0x7f)
      return FALSE;
  return TRUE;
}

char *
cairn_protocol_push_reply_to_text (const CairnPushReply *reply,
                                   gsize                *out_length)
{
  GString *s;
  gboolean plain;

  /* client_id and history_id are hex by the time a reply exists; anything
   * else (a WebSocket message id, say) takes the general path, which
   * escapes. */
  plain = reply->id == NULL && reply->history_id != NULL && is_plain_text (reply->history_id);
  for (guint i = 0; plain && reply->results != NULL && i < reply->results->len; i++)
    plain = is_plain_text (((CairnPushResult *) g_ptr_array_index (reply->results, i))->client_id);
  if (!plain)
    {
      g_autoptr(JsonNode) node = cairn_protocol_encode_push_reply (reply);

      return cairn_protocol_to_string (node, out_length);
    }

  s = g_string_sized_new (64 + (reply->results ? reply->results->len : 0) * 80);
  g_string_append (s, "{\"results\":[");
  for (guint i = 0; reply->results != NULL && i < reply->results->len; i++)
    {
      CairnPushResult *r = g_ptr_array_index (reply->results, i);

      g_string_append_printf (s, "%s{\"client_id\":\"%s\",\"client_seq\":%" G_GINT64_FORMAT
                              ",\"seq\":%" G_GINT64_FORMAT "}",
                              i > 0 ? "," : "", r->client_id, r->client_seq, r->seq);
    }
  g_string_append_printf (s, "],\"head\":%" G_GINT64_FORMAT ",\"history_id\":\"%s\"}",
                          reply->head, reply->history_id);
  if (out_length != NULL)
    *out_length = s->len;
  return g_string_free (s, FALSE);
}

/* ---- event pages as text --------------------------------------------- */

/* A JSON string: the escapes json-glib's generator writes, except that
 * every control character is escaped (the generator leaves 0x1f raw). */
static void
append_json_string (GString    *s,
                    const char *text)
{
  const char *run = text;
  const char *p;

  g_string_append_c (s, '"');
  for (p = text; *p != '\0'; p++)
    {
      guchar c = *p;
      const char *esc = NULL;

      if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
        continue;
      g_string_append_len (s, run, p - run);
      run = p + 1;
      switch (c)
        {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default: break;
        }
      if (esc != NULL)
        g_string_append (s, esc);
      else
        g_string_append_printf (s, "\\u%04x", c);
    }
  g_string_append_len (s, run, p - run);
  g_string_append_c (s, '"');
}

/* The members in the order cairn_protocol_encode_event() uses; args are
 * written as stored (the server only stores compact JSON objects). */
static void
append_event_text (GString              *s,
                   const CairnWireEvent *ev)
{
  g_string_append (s, "{\"name\":");
  append_json_string (s, ev->name);
  g_string_append_printf (s, ",\"version\":%" G_GINT64_FORMAT ",\"args\":", ev->version);
  g_string_append (s, ev->args_json != NULL ? ev->args_json : "{}");
  g_string_append (s, ",\"client_id\":");
  append_json_string (s, ev->client_id);
  g_string_append_printf (s, ",\"client_seq\":%" G_GINT64_FORMAT ",\"created_at\":%" G_GINT64_FORMAT,
                          ev->client_seq, ev->created_at);
  if (ev->seq > 0)
    g_string_append_printf (s, ",\"seq\":%" G_GINT64_FORMAT, ev->seq);
  if (ev->device != NULL)
    {
      g_string_append (s, ",\"device\":");
      append_json_string (s, ev->device);
    }
  if (ev->chain != NULL)
    {
      g_string_append (s, ",\"chain\":");
      append_json_string (s, ev->chain);
    }
  if (ev->user != NULL)
    {
      g_string_append (s, ",\"user\":");
      append_json_string (s, ev->user);
    }
  g_string_append_c (s, '}');
}

static GString *
events_text (const char *prefix,
             GPtrArray  *events)
{
  gsize size = 64;
  GString *s;

  for (guint i = 0; events != NULL && i < events->len; i++)
    size += cairn_wire_event_size_bound (g_ptr_array_index (events, i));
  s = g_string_sized_new (size);
  g_string_append (s, prefix);
  g_string_append (s, "\"events\":[");
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      if (i > 0)
        g_string_append_c (s, ',');
      append_event_text (s, g_ptr_array_index (events, i));
    }
  g_string_append_c (s, ']');
  return s;
}

char *
cairn_protocol_pull_reply_to_text (const CairnPullReply *reply,
                                   gsize                *out_length)
{
  GString *s;

  g_return_val_if_fail (reply != NULL, NULL);

  s = events_text ("{", reply->events);
  g_string_append_printf (s, ",\"head\":%" G_GINT64_FORMAT ",\"history_id\":", reply->head);
  append_json_string (s, reply->history_id != NULL ? reply->history_id : "");
  g_string_append (s, reply->more ? ",\"more\":true}" : ",\"more\":false}");
  if (out_length != NULL)
    *out_length = s->len;
  return g_string_free (s, FALSE);
}

char *
cairn_protocol_live_events_to_text (GPtrArray *events,
                                    gint64     head,
                                    gsize     *out_length)
{
  GString *s = events_text ("{\"type\":\"events\",", events);

  g_string_append_printf (s, ",\"head\":%" G_GINT64_FORMAT "}", head);
  if (out_length != NULL)
    *out_length = s->len;
  return g_string_free (s, FALSE);
}

/* A string member without escapes (anything else: NULL, general path). */
static char *
scan_unescaped (Scan *sc)
{
  const char *s;
  gsize n;
  gboolean escaped;

  if (!scan_text_string (sc, &s, &n, &escaped) || escaped)
    return NULL;
  return g_strndup (s, n);
}

/* One event from the server: the six client members, seq, an optional
 * device, an optional chain and an optional user, in any order; the same checks as
 * cairn_protocol_decode_event(). */
static CairnWireEvent *
scan_server_event (Scan *sc)
{
  enum { NAME = 1, VERSION = 2, ARGS = 4, CLIENT_ID = 8, CLIENT_SEQ = 16, CREATED_AT = 32,
         SEQ = 64, DEVICE = 128, CHAIN = 256, USER = 512, REQUIRED = 127 };
  g_autoptr(CairnWireEvent) ev = g_new0 (CairnWireEvent, 1);
  guint seen = 0;

  if (!scan_char (sc, '{'))
    return NULL;
  do
    {
      const char *key;
      gsize key_len;
      guint bit;

      scan_space (sc);
      if (!scan_plain_string (sc, &key, &key_len) || !scan_char (sc, ':'))
        return NULL;
      scan_space (sc);
      if (span_is (key, key_len, "name"))
        {
          bit = NAME;
          if ((seen & bit) || !(ev->name = scan_unescaped (sc)) ||
              !cairn_protocol_is_event_name (ev->name))
            return NULL;
        }
      else if (span_is (key, key_len, "version"))
        {
          bit = VERSION;
          if (!scan_int (sc, &ev->version) || ev->version < 1 || ev->version > G_MAXINT32)
            return NULL;
        }
      else if (span_is (key, key_len, "args"))
        {
          const char *start = sc->p;

          bit = ARGS;
          if ((seen & bit) || sc->p >= sc->end || *sc->p != '{' || !scan_value (sc, 0, TRUE) ||
              (gsize) (sc->p - start) > CAIRN_PROTOCOL_MAX_ARGS_BYTES)
            return NULL;
          ev->args_json = g_strndup (start, sc->p - start);
        }
      else if (span_is (key, key_len, "client_id"))
        {
          bit = CLIENT_ID;
          if ((seen & bit) || !(ev->client_id = scan_unescaped (sc)) ||
              !cairn_is_client_id (ev->client_id))
            return NULL;
        }
      else if (span_is (key, key_len, "client_seq"))
        {
          bit = CLIENT_SEQ;
          if (!scan_int (sc, &ev->client_seq) || ev->client_seq < 1 ||
              ev->client_seq > CAIRN_PROTOCOL_MAX_INT)
            return NULL;
        }
      else if (span_is (key, key_len, "created_at"))
        {
          bit = CREATED_AT;
          if (!scan_int (sc, &ev->created_at) || ev->created_at < 0 ||
              ev->created_at > CAIRN_PROTOCOL_MAX_INT)
            return NULL;
        }
      else if (span_is (key, key_len, "seq"))
        {
          bit = SEQ;
          if (!scan_int (sc, &ev->seq) || ev->seq < 1 || ev->seq > CAIRN_PROTOCOL_MAX_INT)
            return NULL;
        }
      else if (span_is (key, key_len, "device"))
        {
          bit = DEVICE;
          if ((seen & bit) || !(ev->device = scan_unescaped (sc)))
            return NULL;
        }
      else if (span_is (key, key_len, "chain"))
        {
          bit = CHAIN;
          if ((seen & bit) || !(ev->chain = scan_unescaped (sc)) ||
              !cairn_chain_is_valid (ev->chain))
            return NULL;
        }
      else if (span_is (key, key_len, "user"))
        {
          bit = USER;
          if ((seen & bit) || !(ev->user = scan_unescaped (sc)) ||
              !cairn_protocol_is_username (ev->user))
            return NULL;
        }
      else
        return NULL;
      if (seen & bit)
        return NULL;
      seen |= bit;
    }
  while (scan_char (sc, ','));
  if ((seen & REQUIRED) != REQUIRED || !scan_char (sc, '}'))
    return NULL;
  return g_steal_pointer (&ev);
}

/* The "events" array; seqs must ascend. */
static GPtrArray *
scan_server_events (Scan *sc)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  gint64 last = 0;

  if (!scan_char (sc, '['))
    return NULL;
  if (scan_char (sc, ']'))
    return g_steal_pointer (&events);
  do
    {
      CairnWireEvent *ev = scan_server_event (sc);

      if (ev == NULL)
        return NULL;
      g_ptr_array_add (events, ev);
      if (ev->seq <= last)
        return NULL;
      last = ev->seq;
    }
  while (scan_char (sc, ','));
  if (!scan_char (sc, ']'))
    return NULL;
  return g_steal_pointer (&events);
}

/* {"events":[…],"head":H,"history_id":"…","more":B} (pull) or
 * {"type":"events","events":[…],"head":H} (live), members in any order. */
static gboolean
scan_events_message (const char  *data,
                     gsize        len,
                     gboolean     live,
                     GPtrArray  **out_events,
                     gint64      *out_head,
                     char       **out_history_id,
                     gboolean    *out_more)
{
  enum { TYPE = 1, EVENTS = 2, HEAD = 4, HISTORY = 8, MORE = 16 };
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *history_id = NULL;
  Scan sc = { data, data + len };
  guint seen = 0, want = live ? (TYPE | EVENTS | HEAD) : (EVENTS | HEAD | HISTORY | MORE);
  gint64 head = 0;
  gboolean more = FALSE;

  /* Bytes above ASCII are checked where the scan allows them, in strings
   * (scan_text_string); anywhere else they end the scan. */
  if (len == 0 || !scan_char (&sc, '{'))
    return FALSE;
  do
    {
      const char *key;
      gsize key_len;
      guint bit;

      scan_space (&sc);
      if (!scan_plain_string (&sc, &key, &key_len) || !scan_char (&sc, ':'))
        return FALSE;
      scan_space (&sc);
      if (live && span_is (key, key_len, "type"))
        {
          g_autofree char *type = scan_unescaped (&sc);

          bit = TYPE;
          if (g_strcmp0 (type, "events") != 0)
            return FALSE;
        }
      else if (span_is (key, key_len, "events"))
        {
          bit = EVENTS;
          if ((seen & bit) || !(events = scan_server_events (&sc)))
            return FALSE;
        }
      else if (span_is (key, key_len, "head"))
        {
          bit = HEAD;
          if (!scan_int (&sc, &head) || head < 0 || head > CAIRN_PROTOCOL_MAX_INT)
            return FALSE;
        }
      else if (!live && span_is (key, key_len, "history_id"))
        {
          bit = HISTORY;
          if ((seen & bit) || !(history_id = scan_unescaped (&sc)) ||
              !cairn_is_client_id (history_id))
            return FALSE;
        }
      else if (!live && span_is (key, key_len, "more"))
        {
          bit = MORE;
          if (scan_word (&sc, "true"))
            more = TRUE;
          else if (scan_word (&sc, "false"))
            more = FALSE;
          else
            return FALSE;
        }
      else
        return FALSE;
      if (seen & bit)
        return FALSE;
      seen |= bit;
    }
  while (scan_char (&sc, ','));
  if (seen != want || !scan_char (&sc, '}'))
    return FALSE;
  scan_space (&sc);
  if (sc.p != sc.end)
    return FALSE;
  if (events->len > 0 &&
      ((CairnWireEvent *) g_ptr_array_index (events, events->len - 1))->seq > head)
    return FALSE;
  *out_events = g_steal_pointer (&events);
  *out_head = head;
  if (out_history_id != NULL)
    *out_history_id = g_steal_pointer (&history_id);
  if (out_more != NULL)
    *out_more = more;
  return TRUE;
}

CairnPullReply *
cairn_protocol_decode_pull_reply_fast (const char *data,
                                       gsize       len)
{
  g_autoptr(CairnPullReply) reply = g_new0 (CairnPullReply, 1);

  if (data == NULL ||
      !scan_events_message (data, len, FALSE, &reply->events, &reply->head,
                            &reply->history_id, &reply->more))
    return NULL;
  return g_steal_pointer (&reply);
}

CairnPullReply *
cairn_protocol_decode_pull_reply_text (const char  *data,
                                       gsize        len,
                                       gsize        max_bytes,
                                       GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  CairnPullReply *reply;

  if (len <= max_bytes && (reply = cairn_protocol_decode_pull_reply_fast (data, len)) != NULL)
    return reply;
  if (!(node = cairn_protocol_parse (data, len, max_bytes, error)))
    return NULL;
  return cairn_protocol_decode_pull_reply (node, error);
}

CairnLiveMessage *
cairn_protocol_decode_live_events_fast (const char *data,
                                        gsize       len)
{
  g_autoptr(CairnLiveMessage) msg = g_new0 (CairnLiveMessage, 1);

  msg->type = CAIRN_LIVE_EVENTS;
  if (data == NULL ||
      !scan_events_message (data, len, TRUE, &msg->events, &msg->head, NULL, NULL))
    return NULL;
  return g_steal_pointer (&msg);
}

CairnLiveMessage *
cairn_protocol_decode_live_message_text (const char  *data,
                                         gsize        len,
                                         gsize        max_bytes,
                                         GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  CairnLiveMessage *msg;

  if (len <= max_bytes && (msg = cairn_protocol_decode_live_events_fast (data, len)) != NULL)
    return msg;
  if (!(node = cairn_protocol_parse (data, len, max_bytes, error)))
    return NULL;
  return cairn_protocol_decode_live_message (node, error);
}

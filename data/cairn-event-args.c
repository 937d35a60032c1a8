/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-event-args.c: reading stored event args (flat JSON objects) without
 * json-glib's parser, which costs ~27,000 instructions per event.
 *
 * The store writes args itself (cairn_event_dup_args_json()): a compact
 * object whose members are strings, and in general integers, booleans or
 * null. This reads exactly that subset and builds the same JsonObject that
 * a json_parser_new_immutable() parser would (members in the same order,
 * the same node types and values, sealed). Everything it is not sure about
 * it declines (returns NULL), and the caller parses with json-glib, which
 * then also gives any error: whitespace, nested values, floats, numbers of
 * more than 18 digits, leading zeros, "-0", escapes of NUL or of UTF-16
 * surrogates, raw control characters or DEL, invalid UTF-8, empty or
 * repeated member names, anything after the closing brace.
 * tests/data/test-event-args.c compares it with json-glib.
 */
#define G_LOG_DOMAIN "cairn-event"

#include "config.h"

#include <string.h>

#include "cairn-event-private.h"

/* *pp at the opening quote of a string: decodes it into buf and leaves *pp
 * after the closing quote. FALSE for anything outside the subset. */
static gboolean
scan_string (const char **pp,
             const char  *end,
             GString     *buf)
{
  const char *p = *pp + 1;

  g_string_truncate (buf, 0);
  for (;;)
    {
      const char *run = p;
      gunichar c = 0;

      while (p < end && *p != '"' && *p != '\\' && (guchar) *p >= 0x20 && *p != 0x7f)
        p++;
      g_string_append_len (buf, run, p - run);
      if (p >= end || *p == 0x7f || (guchar) *p < 0x20)
        return FALSE;
      if (*p == '"')
        {
          *pp = p + 1;
          return TRUE;
        }

      /* a backslash */
      if (end - p < 2)
        return FALSE;
      switch (p[1])
        {
        case '"':  g_string_append_c (buf, '"');  break;
        case '\\': g_string_append_c (buf, '\\'); break;
        case '/':  g_string_append_c (buf, '/');  break;
        case 'b':  g_string_append_c (buf, '\b'); break;
        case 'f':  g_string_append_c (buf, '\f'); break;
        case 'n':  g_string_append_c (buf, '\n'); break;
        case 'r':  g_string_append_c (buf, '\r'); break;
        case 't':  g_string_append_c (buf, '\t'); break;
        case 'u':
          if (end - p < 6)
            return FALSE;
          for (int i = 2; i < 6; i++)
            {
              int digit = g_ascii_xdigit_value (p[i]);

              if (digit < 0)
                return FALSE;
              c = c * 16 + (gunichar) digit;
            }
          if (c == 0 || (c >= 0xd800 && c <= 0xdfff))
            return FALSE;
          g_string_append_unichar (buf, c);
          p += 4;
          break;
        default:
          return FALSE;
        }
      p += 2;
    }
}

/* *pp at a '-' or a digit: an integer of 1 to 18 digits. */
static gboolean
scan_int (const char **pp,
          const char  *end,
          gint64      *out)
{
  const char *p = *pp;
  gboolean negative = FALSE;
  const char *digits;
  gint64 value = 0;

  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }
  digits = p;
  while (p < end && g_ascii_isdigit (*p))
    value = value * 10 + (*p++ - '0');
  if (p == digits || p - digits > 18 || (digits[0] == '0' && (p - digits > 1 || negative)))
    return FALSE;
  *out = negative ? -value : value;
  *pp = p;
  return TRUE;
}

static gboolean
scan_word (const char **pp,
           const char  *end,
           const char  *word)
{
  size_t n = strlen (word);

  if ((size_t) (end - *pp) < n || memcmp (*pp, word, n) != 0)
    return FALSE;
  *pp += n;
  return TRUE;
}

JsonObject *
_cairn_event_args_scan (const char *json,
                        gssize      length)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GString) key = NULL;
  g_autoptr(GString) value = NULL;
  const char *p, *end;

  g_return_val_if_fail (json != NULL, NULL);

  if (length < 0)
    length = strlen (json);
  end = json + length;
  if (length < 2 || json[0] != '{' || !g_utf8_validate (json, length, NULL))
    return NULL;

  object = json_object_new ();
  p = json + 1;
  if (*p == '}')
    p++;
  else
    {
      key = g_string_sized_new (32);
      value = g_string_sized_new (64);
      for (;;)
        {
          gint64 number;

          if (*p != '"' || !scan_string (&p, end, key) || key->len == 0 ||
              json_object_has_member (object, key->str) ||
              p >= end || *p != ':' || ++p >= end)
            return NULL;

          if (*p == '"')
            {
              if (!scan_string (&p, end, value))
                return NULL;
              json_object_set_string_member (object, key->str, value->str);
            }
          else if (*p == '-' || g_ascii_isdigit (*p))
            {
              if (!scan_int (&p, end, &number))
                return NULL;
              json_object_set_int_member (object, key->str, number);
            }
          else if (scan_word (&p, end, "true"))
            json_object_set_boolean_member (object, key->str, TRUE);
          else if (scan_word (&p, end, "false"))
            json_object_set_boolean_member (object, key->str, FALSE);
          else if (scan_word (&p, end, "null"))
            json_object_set_null_member (object, key->str);
          else
            return NULL;

          if (p >= end)
            return NULL;
          if (*p == '}')
            {
              p++;
              break;
            }
          if (*p != ',' || ++p >= end)
            return NULL;
        }
    }

  if (p != end)
    return NULL;
  json_object_seal (object);
  return g_steal_pointer (&object);
}

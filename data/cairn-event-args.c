/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-event-args.c: reading stored event args (flat JSON objects) without
 * json-glib's parser, which costs ~27,000 instructions per event.
 *
 * The store writes args itself (cairn_event_dup_args_json()): a compact
 * object whose members are strings, and in general integers, booleans or
 * null. This reads exactly that subset, into a CairnFlatArgs (no allocation
 * once its buffer is big enough) or into the same JsonObject that a
 * json_parser_new_immutable() parser would build (members in the same
 * order, the same node types and values, sealed). Everything it is not sure
 * about it declines, and the caller parses with json-glib, which then also
 * gives any error: whitespace, nested values, floats, numbers of more than
 * 18 digits, leading zeros, "-0", escapes of NUL or of UTF-16 surrogates,
 * raw control characters or DEL, invalid UTF-8, empty or repeated member
 * names, more than CAIRN_FLAT_ARGS_MAX members, anything after the closing
 * brace. tests/data/test-event-args.c compares it with json-glib.
 */
#define G_LOG_DOMAIN "cairn-event"

#include "config.h"

#include <string.h>

#include "cairn-event-private.h"

/* *pp at the opening quote of a string: decodes it to *out (NUL-terminated;
 * never longer than the quoted text) and leaves *pp after the closing
 * quote. FALSE for anything outside the subset. */
static gboolean
scan_string (const char **pp,
             const char  *end,
             char       **out)
{
  const char *p = *pp + 1;
  char *start = *out, *o = *out;
  guchar high = 0;

  for (;;)
    {
      gunichar c = 0;

      while (p < end && *p != '"' && *p != '\\' && (guchar) *p >= 0x20 && *p != 0x7f)
        {
          high |= (guchar) *p & 0x80;
          *o++ = *p++;
        }
      if (p >= end || *p == 0x7f || (guchar) *p < 0x20)
        return FALSE;
      if (*p == '"')
        {
          /* Raw non-ASCII bytes must be valid UTF-8. Escapes only add
           * whole characters (never a lone continuation byte, never cut
           * one short), so checking the decoded text is the same as
           * checking the raw bytes. Outside strings only ASCII passes. */
          if (high != 0 && !g_utf8_validate (start, o - start, NULL))
            return FALSE;
          *o++ = '\0';
          *out = o;
          *pp = p + 1;
          return TRUE;
        }

      /* a backslash */
      if (end - p < 2)
        return FALSE;
      switch (p[1])
        {
        case '"':  *o++ = '"';  break;
        case '\\': *o++ = '\\'; break;
        case '/':  *o++ = '/';  break;
        case 'b':  *o++ = '\b'; break;
        case 'f':  *o++ = '\f'; break;
        case 'n':  *o++ = '\n'; break;
        case 'r':  *o++ = '\r'; break;
        case 't':  *o++ = '\t'; break;
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
          /* at most 3 bytes for the 6 of the escape */
          o += g_unichar_to_utf8 (c, o);
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
    {
      if (p - digits < 18)   /* past that it is declined anyway */
        value = value * 10 + (*p - '0');
      p++;
    }
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

void
_cairn_flat_args_init (CairnFlatArgs *args)
{
  memset (args, 0, sizeof *args);
}

void
_cairn_flat_args_clear (CairnFlatArgs *args)
{
  g_clear_pointer (&args->text, g_free);
  args->text_size = 0;
  args->n_members = 0;
}

const CairnFlatMember *
_cairn_flat_args_lookup (const CairnFlatArgs *args,
                         const char          *name)
{
  for (guint i = 0; i < args->n_members; i++)
    if (strcmp (args->members[i].name, name) == 0)
      return &args->members[i];
  return NULL;
}

static gboolean
scan_object (CairnFlatArgs *args,
             const char    *json,
             gssize         length)
{
  const char *end = json + length;
  const char *p;
  char *out;

  if (length < 2 || json[0] != '{')
    return FALSE;

  /* Decoded names and strings, each with its NUL, never take more room
   * than their quoted text. */
  if (args->text_size < (gsize) length)
    {
      g_free (args->text);
      args->text_size = MAX ((gsize) length, 256);
      args->text = g_malloc (args->text_size);
    }
  out = args->text;

  p = json + 1;
  if (*p == '}')
    p++;
  else
    for (;;)
      {
        CairnFlatMember *member;

        if (args->n_members == CAIRN_FLAT_ARGS_MAX)
          return FALSE;
        member = &args->members[args->n_members];
        member->name = out;
        if (*p != '"' || !scan_string (&p, end, &out) || *member->name == '\0' ||
            _cairn_flat_args_lookup (args, member->name) != NULL ||
            p >= end || *p != ':' || ++p >= end)
          return FALSE;

        member->node_type = JSON_NODE_VALUE;
        member->string = NULL;
        member->number = 0;
        if (*p == '"')
          {
            member->value_type = G_TYPE_STRING;
            member->string = out;
            if (!scan_string (&p, end, &out))
              return FALSE;
          }
        else if (*p == '-' || g_ascii_isdigit (*p))
          {
            member->value_type = G_TYPE_INT64;
            if (!scan_int (&p, end, &member->number))
              return FALSE;
          }
        else if (scan_word (&p, end, "true"))
          {
            member->value_type = G_TYPE_BOOLEAN;
            member->number = TRUE;
          }
        else if (scan_word (&p, end, "false"))
          member->value_type = G_TYPE_BOOLEAN;
        else if (scan_word (&p, end, "null"))
          {
            member->node_type = JSON_NODE_NULL;
            member->value_type = G_TYPE_INVALID;
          }
        else
          return FALSE;
        args->n_members++;

        if (p >= end)
          return FALSE;
        if (*p == '}')
          {
            p++;
            break;
          }
        if (*p != ',' || ++p >= end)
          return FALSE;
      }

  return p == end;
}

gboolean
_cairn_flat_args_scan (CairnFlatArgs *args,
                       const char    *json,
                       gssize         length)
{
  g_return_val_if_fail (args != NULL, FALSE);
  g_return_val_if_fail (json != NULL, FALSE);

  args->n_members = 0;
  if (length < 0)
    length = strlen (json);
  if (!scan_object (args, json, length))
    {
      args->n_members = 0;
      return FALSE;
    }
  return TRUE;
}

JsonObject *
_cairn_flat_args_to_object (const CairnFlatArgs *args)
{
  JsonObject *object = json_object_new ();

  for (guint i = 0; i < args->n_members; i++)
    {
      const CairnFlatMember *m = &args->members[i];

      if (m->node_type == JSON_NODE_NULL)
        json_object_set_null_member (object, m->name);
      else if (m->value_type == G_TYPE_STRING)
        json_object_set_string_member (object, m->name, m->string);
      else if (m->value_type == G_TYPE_INT64)
        json_object_set_int_member (object, m->name, m->number);
      else
        json_object_set_boolean_member (object, m->name, m->number != 0);
    }
  json_object_seal (object);
  return object;
}

JsonObject *
_cairn_event_args_scan (const char *json,
                        gssize      length)
{
  CairnFlatArgs args;
  JsonObject *object = NULL;

  g_return_val_if_fail (json != NULL, NULL);

  _cairn_flat_args_init (&args);
  if (_cairn_flat_args_scan (&args, json, length))
    object = _cairn_flat_args_to_object (&args);
  _cairn_flat_args_clear (&args);
  return object;
}

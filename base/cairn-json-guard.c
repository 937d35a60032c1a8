/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-json-guard.c: the nesting, NUL and number pre-scan of untrusted JSON. */
#define G_LOG_DOMAIN "cairn-json"
#include "config.h"

#include <string.h>

#include "cairn-json-guard.h"

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether the number token [p, end) is within the rule: a fraction or
 * exponent is left to cairn_json_node_has_fraction(), an integer must fit
 * in 64 bits (json-glib would wrap it silently). */
static gboolean
integer_in_range (const char *p,
                  const char *end)
{
  const char *max_digits = "9223372036854775807";
  gsize n;

  if (p < end && *p == '-')
    {
      max_digits = "9223372036854775808";
      p++;
    }
  if (p == end)
    return TRUE;   /* not a number: the parser says so */
  for (const char *q = p; q < end; q++)
    if (!g_ascii_isdigit (*q))
      return TRUE;
  while (end - p > 1 && *p == '0')
    p++;
  n = end - p;
  if (n != strlen (max_digits))
    return n < strlen (max_digits);
  return memcmp (p, max_digits, n) <= 0;
}

/* The invariant: outside strings only JSON tokens pass, so that the
 * strings this scan skips are exactly the ones json-glib reads, and every
 * bracket json-glib sees is counted here. */
CairnJsonGuardResult
cairn_json_guard (const char          *data,
                  gssize               length,
                  CairnJsonGuardFlags  flags,
                  gsize               *offset)
{
  const char *p = data, *end;
  guint depth = 0;
  CairnJsonGuardResult result = CAIRN_JSON_GUARD_OK;
  const char *at = data;

  if (data == NULL)
    goto out;
  end = data + (length < 0 ? strlen (data) : (gsize) length);
  while (p < end)
    {
      char c = *p;

      if (is_space (c) || c == ',' || c == ':')
        p++;
      else if (c == '[' || c == '{')
        {
          if (++depth > CAIRN_JSON_MAX_DEPTH)
            {
              at = p;
              result = CAIRN_JSON_GUARD_TOO_DEEP;
              goto out;
            }
          p++;
        }
      else if (c == ']' || c == '}')
        {
          if (depth > 0)
            depth--;
          p++;
        }
      else if (c == '"')
        {
          for (p++; p < end && *p != '"'; p++)
            {
              if (*p != '\\')
                continue;
              if (end - p >= 6 && memcmp (p + 1, "u0000", 5) == 0)
                {
                  at = p;
                  result = CAIRN_JSON_GUARD_NUL;
                  goto out;
                }
              /* Skips the escaped character: \" does not end the string. */
              if (p + 1 < end)
                p++;
            }
          if (p < end)
            p++;
        }
      else if (c == '-' || g_ascii_isdigit (c))
        {
          const char *start = p;

          while (p < end && (g_ascii_isdigit (*p) || *p == '-' || *p == '+' || *p == '.' ||
                             *p == 'e' || *p == 'E'))
            p++;
          if ((flags & CAIRN_JSON_GUARD_INTEGERS) && !integer_in_range (start, p))
            {
              at = start;
              result = CAIRN_JSON_GUARD_NUMBER;
              goto out;
            }
        }
      else if (g_ascii_isalpha (c))
        {
          const char *start = p;
          gsize n;

          while (p < end && (g_ascii_isalnum (*p) || *p == '_'))
            p++;
          n = p - start;
          if (!((n == 4 && memcmp (start, "true", 4) == 0) ||
                (n == 5 && memcmp (start, "false", 5) == 0) ||
                (n == 4 && memcmp (start, "null", 4) == 0)))
            {
              at = start;
              result = CAIRN_JSON_GUARD_NOT_JSON;
              goto out;
            }
        }
      else
        {
          at = p;
          result = CAIRN_JSON_GUARD_NOT_JSON;
          goto out;
        }
    }

out:
  if (offset != NULL)
    *offset = result == CAIRN_JSON_GUARD_OK ? 0 : (gsize) (at - data);
  return result;
}

char *
cairn_json_guard_message (CairnJsonGuardResult result,
                          gsize                offset)
{
  switch (result)
    {
    case CAIRN_JSON_GUARD_OK:
      return g_strdup ("no problem");
    case CAIRN_JSON_GUARD_TOO_DEEP:
      return g_strdup_printf ("arrays and objects are nested deeper than the limit of %d levels "
                              "(at byte %" G_GSIZE_FORMAT ")", CAIRN_JSON_MAX_DEPTH, offset);
    case CAIRN_JSON_GUARD_NUL:
      return g_strdup_printf ("a string holds an escaped NUL character (\\u0000) at byte %"
                              G_GSIZE_FORMAT, offset);
    case CAIRN_JSON_GUARD_NOT_JSON:
      return g_strdup_printf ("unexpected character at byte %" G_GSIZE_FORMAT
                              " (only RFC 8259 JSON is accepted)", offset);
    case CAIRN_JSON_GUARD_NUMBER:
      return g_strdup_printf ("the integer at byte %" G_GSIZE_FORMAT " does not fit in 64 bits",
                              offset);
    default:
      g_assert_not_reached ();
    }
}

gboolean
cairn_json_node_has_fraction (JsonNode *node)
{
  if (node == NULL)
    return FALSE;
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_VALUE:
      return json_node_get_value_type (node) == G_TYPE_DOUBLE;
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          if (cairn_json_node_has_fraction (json_array_get_element (array, i)))
            return TRUE;
        return FALSE;
      }
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, NULL, &member))
          if (cairn_json_node_has_fraction (member))
            return TRUE;
        return FALSE;
      }
    case JSON_NODE_NULL:
    default:
      return FALSE;
    }
}

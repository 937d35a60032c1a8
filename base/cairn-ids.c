/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-ids.c: checking and making ids. */
#include "config.h"

#include "cairn-ids.h"

static gboolean
is_lower_hex (char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

gboolean
cairn_is_client_id (const char *str)
{
  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < 32; i++)
    if (!is_lower_hex (str[i]))
      return FALSE;
  return str[32] == '\0';
}

gboolean
cairn_is_object_id (const char *str)
{
  if (str == NULL)
    return FALSE;
  for (guint i = 0; i < 36; i++)
    {
      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (str[i] != '-')
            return FALSE;
        }
      else if (!is_lower_hex (str[i]))
        return FALSE;
    }
  return str[36] == '\0';
}

char *
cairn_new_client_id (void)
{
  GString *s = g_string_sized_new (32);

  for (guint i = 0; i < 4; i++)
    g_string_append_printf (s, "%08x", g_random_int ());
  return g_string_free (s, FALSE);
}

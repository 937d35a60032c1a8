/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-position.c: fractional position keys (see cairn-position.h). */
#define G_LOG_DOMAIN "cairn-position"

#include "config.h"

#include <string.h>

#include "cairn-position.h"

#define BASE 62
#define SUFFIX_LENGTH 3

static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int
digit_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'Z')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 36;
  return -1;
}

gboolean
cairn_position_is_valid (const char *key)
{
  gsize len;

  if (key == NULL)
    return FALSE;
  len = strlen (key);
  if (len == 0 || len > CAIRN_POSITION_MAX_LENGTH || key[len - 1] == '0')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (digit_value (key[i]) < 0)
      return FALSE;
  return TRUE;
}

/* The shortest digit string m with a < m < b, as fractions (a "" means 0,
 * b NULL means 1). Invariant: the last digit of m is not 0, and m is not a
 * prefix of b, so any digits appended to m keep it between a and b. */
static void
midpoint (GString    *out,
          const char *a,
          const char *b)
{
  gsize la = strlen (a);
  gsize lb = b != NULL ? strlen (b) : 0;
  gboolean tight = b != NULL;   /* still equal to b's prefix so far */

  for (gsize i = 0; ; i++)
    {
      int da = i < la ? digit_value (a[i]) : 0;
      int db = tight ? (i < lb ? digit_value (b[i]) : 0) : BASE;

      g_assert (da <= db);

      if (db - da >= 2)
        {
          g_string_append_c (out, digits[(da + db) / 2]);
          return;
        }
      g_string_append_c (out, digits[da]);
      if (db - da == 1)
        tight = FALSE;
    }
}

char *
cairn_position_between_with_rand (const char *before,
                                  const char *after,
                                  GRand      *rand)
{
  GString *key = g_string_new (NULL);

  g_return_val_if_fail (before == NULL || cairn_position_is_valid (before), NULL);
  g_return_val_if_fail (after == NULL || cairn_position_is_valid (after), NULL);
  g_return_val_if_fail (before == NULL || after == NULL || strcmp (before, after) < 0, NULL);

  if (before != NULL && after == NULL)
    {
      /* Appending is the common case: bump the first digit that can be
       * bumped rather than halving the gap, so keys grow by one character
       * per ~61 appends instead of one per ~6. */
      gsize len = strlen (before);
      gsize i;

      for (i = 0; i < len && digit_value (before[i]) == BASE - 1; i++)
        ;
      g_string_append_len (key, before, i);
      if (i < len)
        g_string_append_c (key, digits[digit_value (before[i]) + 1]);
      /* On reaching the top digit, start the next level low ourselves:
       * otherwise it starts at a random suffix digit and wastes half of it. */
      if (i == len || key->str[key->len - 1] == digits[BASE - 1])
        g_string_append_c (key, digits[1]);
    }
  else if (before == NULL && after != NULL)
    {
      /* Prepending, likewise: lower the first digit that can go down
       * without reaching 0. */
      gsize len = strlen (after);
      gsize i;

      for (i = 0; i < len && digit_value (after[i]) <= 1; i++)
        ;
      if (i < len)
        {
          g_string_append_len (key, after, i);
          g_string_append_c (key, digits[digit_value (after[i]) - 1]);
          if (key->str[key->len - 1] == digits[1])
            g_string_append_c (key, digits[BASE - 2]);
        }
      else
        midpoint (key, "", after);
    }
  else
    midpoint (key, before != NULL ? before : "", after);

  /* The random suffix: the last digit is never 0 (keeps the invariant that
   * no key ends in 0, without which "A" and "A0" would have nothing between). */
  for (guint i = 0; i < SUFFIX_LENGTH; i++)
    {
      int lo = i + 1 == SUFFIX_LENGTH ? 1 : 0;
      int d = rand != NULL ? g_rand_int_range (rand, lo, BASE) : g_random_int_range (lo, BASE);

      g_string_append_c (key, digits[d]);
    }

  if (key->len > CAIRN_POSITION_MAX_LENGTH)
    {
      /* Only reachable after thousands of inserts into one gap. Keep the key
       * valid by dropping the suffix; order is still total by (position, id). */
      g_string_truncate (key, key->len - SUFFIX_LENGTH);
      if (key->len > CAIRN_POSITION_MAX_LENGTH)
        g_warning ("Position key between “%.20s…” and “%.20s…” is too long",
                   before ? before : "", after ? after : "");
    }

  return g_string_free (key, FALSE);
}

char *
cairn_position_between (const char *before,
                        const char *after)
{
  return cairn_position_between_with_rand (before, after, NULL);
}

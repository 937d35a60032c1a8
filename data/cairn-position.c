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

/* Appending and prepending. A key is read as a header digit h, then an
 * "integer" of n(h) digits, then anything. n grows away from the middle
 * header 'V' and is capped: V and U take 1 digit, W and T 2, X and S 3,
 * every other header 4. Counting up within a header and then moving to the
 * next header (whose integer starts at its lowest value) gives
 * 62 + 62^2 + 62^3 + ... keys before the key gets longer, so the length of
 * the n-th appended key grows with log62(n), not with n. Keys stay plain
 * base-62 fractions compared as bytes, so any valid key (including keys
 * written by earlier versions, which are not laid out this way) works as a
 * neighbour: the prefix of length 1 + n(h), padded with '0', is incremented
 * or decremented, which moves past the neighbour whatever follows it. */
#define START_HEADER 31   /* 'V' */
#define INTEGER_CAP 4

static gsize
integer_digits (int header)
{
  int n = header >= START_HEADER ? header - START_HEADER + 1 : START_HEADER - header;

  return MIN (n, INTEGER_CAP);
}

/* The first key of an empty list: header 'V', integer 'V' (the middle). */
static void
append_start (GString *out)
{
  g_string_append_c (out, digits[START_HEADER]);
  g_string_append_c (out, digits[START_HEADER]);
}

/* Appends to out a digit string greater than key, ignoring the suffix
 * to come. */
static void
successor (GString    *out,
           const char *key)
{
  gsize len = strlen (key);
  gsize n, start = out->len;
  int header;

  if (len == 0)
    {
      append_start (out);
      return;
    }
  header = digit_value (key[0]);
  n = integer_digits (header);
  g_string_append_len (out, key, MIN (len, n + 1));
  while (out->len - start < n + 1)
    g_string_append_c (out, '0');

  /* Increment the integer part, carrying. */
  for (gsize i = n; i >= 1; i--)
    {
      int d = digit_value (out->str[start + i]);

      if (d < BASE - 1)
        {
          out->str[start + i] = digits[d + 1];
          return;
        }
      out->str[start + i] = '0';
    }

  /* The integer was the largest of its header. */
  if (header < BASE - 1)
    {
      g_string_truncate (out, start);
      g_string_append_c (out, digits[header + 1]);
      for (gsize i = 0; i < integer_digits (header + 1); i++)
        g_string_append_c (out, '0');
      return;
    }
  /* Top header, top integer ('z' x 5): keep that prefix and go on with what
   * follows it (only after ~400 million appends, or after a key of an
   * earlier version that starts with many 'z'). */
  g_string_truncate (out, start);
  g_string_append_len (out, key, n + 1);
  successor (out, key + n + 1);
}

/* Appends to out a digit string smaller than key (a valid key); with any
 * suffix after it, it stays smaller. */
static void
predecessor (GString    *out,
             const char *key)
{
  gsize len = strlen (key);
  gsize n, start = out->len;
  int header;

  g_assert (len > 0);
  header = digit_value (key[0]);
  n = integer_digits (header);
  g_string_append_len (out, key, MIN (len, n + 1));
  while (out->len - start < n + 1)
    g_string_append_c (out, '0');

  /* Decrement the integer part, borrowing. The prefix is at most the key
   * (padding adds '0' after a key that does not end in '0'), and the
   * decremented one differs from it within the key's own digits. */
  for (gsize i = n; i >= 1; i--)
    {
      int d = digit_value (out->str[start + i]);

      if (d > 0)
        {
          out->str[start + i] = digits[d - 1];
          return;
        }
      out->str[start + i] = digits[BASE - 1];
    }

  if (header > 0)
    {
      g_string_truncate (out, start);
      g_string_append_c (out, digits[header - 1]);
      for (gsize i = 0; i < integer_digits (header - 1); i++)
        g_string_append_c (out, digits[BASE - 1]);
      return;
    }
  /* Bottom header, bottom integer ('0' x 5): the key goes on after it (it
   * does not end in '0'), so keep the prefix and go below the rest. */
  g_assert (len > n + 1);
  g_string_truncate (out, start);
  g_string_append_len (out, key, n + 1);
  predecessor (out, key + n + 1);
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

  if (before == NULL && after == NULL)
    append_start (key);
  else if (after == NULL)
    successor (key, before);
  else if (before == NULL)
    predecessor (key, after);
  else
    midpoint (key, before, after);

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
       * valid by dropping the suffix if what is left does not end in '0';
       * order is still total by (position, id). */
      if (key->str[key->len - SUFFIX_LENGTH - 1] != '0')
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

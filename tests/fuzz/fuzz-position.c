/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-position.c: fractional position keys (data/cairn-position.c).
 *
 * Input: a byte that seeds the random suffix, then two keys separated by
 * a newline (an empty one stands for "nothing there": NULL). Validity must
 * match the definition in cairn-position.h, and for two valid keys in
 * order, the key made between them must sort strictly between them (and
 * be valid itself when it is not longer than CAIRN_POSITION_MAX_LENGTH,
 * which only thousands of inserts into one gap reach).
 */
#include "config.h"

#include <string.h>

#include "cairn-position.h"
#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  cairn_fuzz_init ();
  return 0;
}

/* The definition: 1..MAX characters of 0-9A-Za-z, not ending in '0'. */
static gboolean
is_key (const char *key)
{
  gsize len = strlen (key);

  if (len == 0 || len > CAIRN_POSITION_MAX_LENGTH || key[len - 1] == '0')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (key[i]))
      return FALSE;
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *text = NULL;
  g_autoptr(GRand) rand = NULL;
  g_autofree char *key = NULL;
  const char *before, *after;
  char *newline;

  if (size < 1)
    return -1;
  rand = g_rand_new_with_seed (data[0]);
  text = g_strndup ((const char *) data + 1, size - 1);
  newline = strchr (text, '\n');
  if (newline == NULL)
    return -1;
  *newline = '\0';
  before = text;
  after = newline + 1;

  g_assert_cmpint (cairn_position_is_valid (before), ==, is_key (before));
  g_assert_cmpint (cairn_position_is_valid (after), ==, is_key (after));
  if ((*before != '\0' && !is_key (before)) || (*after != '\0' && !is_key (after)) ||
      (*before != '\0' && *after != '\0' && strcmp (before, after) >= 0))
    return 0;

  key = cairn_position_between_with_rand (*before ? before : NULL, *after ? after : NULL, rand);
  g_assert_nonnull (key);
  if (strlen (key) <= CAIRN_POSITION_MAX_LENGTH && !is_key (key))
    g_error ("“%s” between “%s” and “%s” is not a valid key", key, before, after);
  if (*before != '\0' && strcmp (before, key) >= 0)
    g_error ("“%s” does not sort after “%s”", key, before);
  if (*after != '\0' && strcmp (key, after) >= 0)
    g_error ("“%s” does not sort before “%s”", key, after);
  return 0;
}

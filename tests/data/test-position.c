/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-position.c: property tests of fractional position keys. */
#include "config.h"

#include <string.h>

#include "cairn-position.h"
#include "store-test-util.h"


static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Random inserts at random places: after each one the list, kept in insert
 * order by construction, must be strictly sorted by key. */
static void
test_random_inserts (void)
{
  guint32 seed = test_seed ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  for (guint round = 0; round < 20; round++)
    {
      g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);

      for (guint i = 0; i < 300; i++)
        {
          guint at = g_rand_int_range (rand, 0, keys->len + 1);   /* insert before index at */
          const char *lo = at > 0 ? keys->pdata[at - 1] : NULL;
          const char *hi = at < keys->len ? keys->pdata[at] : NULL;
          char *key;

          /* Bias towards the ends and towards one hot spot, the common cases. */
          if (g_rand_int_range (rand, 0, 4) == 0)
            {
              at = keys->len;
              lo = at > 0 ? keys->pdata[at - 1] : NULL;
              hi = NULL;
            }

          key = cairn_position_between_with_rand (lo, hi, rand);
          if (!cairn_position_is_valid (key) ||
              (lo != NULL && strcmp (lo, key) >= 0) ||
              (hi != NULL && strcmp (key, hi) >= 0))
            g_error ("seed %u: key “%s” not strictly between “%s” and “%s”",
                     seed, key, lo ? lo : "(start)", hi ? hi : "(end)");
          g_ptr_array_insert (keys, at, key);
        }

      for (guint i = 1; i < keys->len; i++)
        if (strcmp (keys->pdata[i - 1], keys->pdata[i]) >= 0)
          g_error ("seed %u: order broken at %u", seed, i);
    }
}

/* Two devices inserting at the same spot get different keys, both in the
 * gap, so the order is total without relying on the id tie-break. */
static void
test_concurrent_same_spot (void)
{
  g_autofree char *a = cairn_position_between (NULL, NULL);
  g_autofree char *b = cairn_position_between (a, NULL);
  guint ties = 0;

  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *x = cairn_position_between (a, b);
      g_autofree char *y = cairn_position_between (a, b);

      g_assert_cmpstr (a, <, x);
      g_assert_cmpstr (x, <, b);
      g_assert_cmpstr (a, <, y);
      g_assert_cmpstr (y, <, b);
      if (g_str_equal (x, y))
        ties++;
    }
  /* 62^2 * 61 = 234,484 possible suffixes: a pair ties with probability
   * 1/234,484, so 2000 pairs give one tie about once in 117 runs, and three
   * or more about once in 10^7 (a generator with little randomness, or a
   * fixed suffix, ties in most pairs). */
  g_assert_cmpuint (ties, <=, 2);
}

#define SUFFIX 3

/* n appends (or prepends) starting from start (NULL: an empty list): every
 * key sorts strictly after (before) the previous one; returns the longest. */
static gsize
grow (const char *start,
      gboolean    append,
      guint       n,
      GRand      *rand)
{
  g_autofree char *last = g_strdup (start);
  gsize longest = 0;

  for (guint i = 0; i < n; i++)
    {
      char *key = append ? cairn_position_between_with_rand (last, NULL, rand)
                         : cairn_position_between_with_rand (NULL, last, rand);

      if (!cairn_position_is_valid (key) ||
          (last != NULL && (append ? strcmp (last, key) >= 0 : strcmp (key, last) >= 0)))
        g_error ("%s %u: key “%s” does not sort %s “%s”", append ? "append" : "prepend",
                 i, key, append ? "after" : "before", last);
      longest = MAX (longest, strlen (key));
      g_free (last);
      last = key;
    }
  return longest;
}

/* Appending and prepending are the common cases: keys must grow with the
 * logarithm of the list's length, not linearly. */
static void
test_growth (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (test_seed ());
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpuint (grow (NULL, TRUE, 100000, rand), <=, 5 + SUFFIX);
  g_assert_cmpuint (grow (NULL, FALSE, 100000, rand), <=, 5 + SUFFIX);
  /* Both ways from one list's first key. */
  g_assert_cmpuint (grow ("VVabc", TRUE, 1000, rand), <=, 3 + SUFFIX);
  g_assert_cmpuint (grow ("VVabc", FALSE, 1000, rand), <=, 3 + SUFFIX);

  /* Sorting keys sorts by binary comparison (what SQLite does). */
  for (guint i = 0; i < 50; i++)
    g_ptr_array_add (all, cairn_position_between (NULL, NULL));
  g_ptr_array_sort (all, compare_keys);
  for (guint i = 1; i < all->len; i++)
    g_assert_cmpint (memcmp (all->pdata[i - 1], all->pdata[i],
                             MIN (strlen (all->pdata[i - 1]), strlen (all->pdata[i])) + 1), <=, 0);
}

/* Keys written by earlier versions (any base-62 fraction: "V", "k", long
 * runs of 'z' from many appends, runs of '1' from many prepends, keys from
 * inserts between neighbours) stay valid neighbours: new keys sort after or
 * before them, and growth from them is logarithmic too. */
static void
test_old_keys (void)
{
  static const char * const old_keys[] = {
    "V", "k", "Vabc", "z", "zz", "zzzzzzzzzzzzzzzzzzzz1xy", "1", "11y", "1111111111y",
    "0V", "01", "00000000001", "0z", "W1", "X", "zzzzzy", "yzzzz", "zzzzz1", "000001",
    "Uzzzz1", "V0001",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (test_seed ());

  for (guint i = 0; i < G_N_ELEMENTS (old_keys); i++)
    {
      const char *old = old_keys[i];
      gsize bound = strlen (old) + 5 + SUFFIX;

      g_assert_true (cairn_position_is_valid (old));
      if (grow (old, TRUE, 5000, rand) > bound)
        g_error ("appending after “%s” grew past %" G_GSIZE_FORMAT, old, bound);
      if (grow (old, FALSE, 5000, rand) > bound)
        g_error ("prepending before “%s” grew past %" G_GSIZE_FORMAT, old, bound);
    }
}

static void
test_edges (void)
{
  /* Neighbours that leave no digit between them still have keys between. */
  static const char * const pairs[][2] = {
    { "A", "B" }, { "A", "A1" }, { "Az", "B" }, { "zzzz", NULL }, { NULL, "1" },
    { NULL, "01" }, { "1", "11" }, { "V", "Vz" }, { "0001", "0002" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_autofree char *key = cairn_position_between (pairs[i][0], pairs[i][1]);

      g_assert_true (cairn_position_is_valid (key));
      if (pairs[i][0] != NULL)
        g_assert_cmpstr (pairs[i][0], <, key);
      if (pairs[i][1] != NULL)
        g_assert_cmpstr (key, <, pairs[i][1]);
    }

  g_assert_false (cairn_position_is_valid ("A0"));
  g_assert_false (cairn_position_is_valid (""));
  g_assert_false (cairn_position_is_valid ("a b"));
  g_assert_true (cairn_position_is_valid ("0z"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/position/random-inserts", test_random_inserts);
  g_test_add_func ("/position/concurrent-same-spot", test_concurrent_same_spot);
  g_test_add_func ("/position/growth", test_growth);
  g_test_add_func ("/position/old-keys", test_old_keys);
  g_test_add_func ("/position/edges", test_edges);

  return g_test_run ();
}

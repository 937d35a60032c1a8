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
  /* 62^2 * 61 possible suffixes: a tie in 2000 tries would be a broken generator */
  g_assert_cmpuint (ties, ==, 0);
}

static void
test_growth (void)
{
  g_autofree char *last = NULL;
  g_autofree char *first = NULL;
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_free);

  /* Appending is the common case and must stay short. */
  for (guint i = 0; i < 10000; i++)
    {
      char *key = cairn_position_between (last, NULL);

      g_assert_true (last == NULL || strcmp (last, key) < 0);
      g_free (last);
      last = key;
    }
  g_assert_cmpuint (strlen (last), <=, 10000 / 61 + 8);

  for (guint i = 0; i < 1000; i++)
    {
      char *key = cairn_position_between (NULL, first);

      g_assert_true (first == NULL || strcmp (key, first) < 0);
      g_free (first);
      first = key;
    }
  g_assert_cmpuint (strlen (first), <=, 1000 / 30 + 8);

  /* Sorting keys sorts by binary comparison (what SQLite does). */
  for (guint i = 0; i < 50; i++)
    g_ptr_array_add (all, cairn_position_between (NULL, NULL));
  g_ptr_array_sort (all, compare_keys);
  for (guint i = 1; i < all->len; i++)
    g_assert_cmpint (memcmp (all->pdata[i - 1], all->pdata[i],
                             MIN (strlen (all->pdata[i - 1]), strlen (all->pdata[i])) + 1), <=, 0);
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
  g_test_add_func ("/position/edges", test_edges);

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-compactor.c: the log compaction behind the Preferences switch
 * (sync/cairn-compactor.h): nothing while off, then a compaction on its
 * own thread once the confirmed log has grown enough, the state as it was. */
#include "config.h"

#include <string.h>

#include "cairn-compactor.h"
#include "cairn-snapshot.h"
#include "cairn-test-util.h"

static GPtrArray *
remote_events (guint n)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *list = g_strdup_printf ("0190a000-0000-7000-8000-%012u", i + 1);
      g_autofree char *args = g_strdup_printf ("{\"list_id\":\"%s\",\"title\":\"List %u\","
                                               "\"position\":\"a%03u1\"}", list, i, i);
      CairnEvent *e = cairn_event_new_from_args_json ("list.created", 1, args, &error);

      g_assert_no_error (error);
      e->client_id = g_strdup ("0123456789abcdef0123456789abcdef");
      e->client_seq = i + 1;
      e->seq = i + 1;
      e->created_at = 1;
      g_ptr_array_add (events, e);
    }
  return events;
}

/* Runs the main loop until the compactor has run once (20 s at most). */
static gboolean
wait_for_run (CairnCompactor *compactor)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (cairn_compactor_get_runs (compactor) == 0 && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  return cairn_compactor_get_runs (compactor) > 0;
}

static void
test_compactor (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cairn-compactor-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "ws.db", NULL);
  g_autoptr(CairnStore) store = cairn_store_open (path, &error);
  g_autoptr(CairnCompactor) compactor = NULL;
  g_autoptr(GPtrArray) events = remote_events (50);
  g_autoptr(GPtrArray) log = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gint64 base = 0;

  g_assert_no_error (error);
  compactor = cairn_compactor_new (store);
  cairn_compactor_set_min_events (compactor, 20);

  /* off (the default): nothing happens however long the log grows */
  g_assert_true (cairn_store_rebase (store, events, "h", &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (cairn_compactor_get_runs (compactor), ==, 0);
  before = cairn_store_dump_state (store, &error);

  /* on: the 50 confirmed events are past the threshold */
  g_object_set (compactor, "enabled", TRUE, NULL);
  g_assert_true (wait_for_run (compactor));
  g_assert_true (cairn_store_get_snapshot_seq (store, &base, &error));
  g_assert_cmpint (base, ==, 50);
  log = cairn_store_list_log (store, 0, 0, &error);
  g_assert_cmpuint (log->len, ==, 1);   /* the base's own event */
  after = cairn_store_dump_state (store, &error);
  g_assert_cmpstr (after, ==, before);

  g_clear_object (&compactor);
  g_clear_object (&store);
  cairn_test_rm_rf (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync/compactor", test_compactor);

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync-state.c: state hashes end to end: three devices with running
 * engines (the app's continuous mode) against the real cairn-server; a
 * confirmed row of one is damaged with SQL; after the next change the
 * engines report their hashes, the server tells the damaged one, which
 * rebuilds itself and says so in its status; the others are untouched. */
#include "config.h"

#include <string.h>

#include "cairn-store-private.h"
#include "cairn-sync-engine.h"
#include "cairn-test-device.h"
#include "cairn-test-server.h"
#include "cairn-test-util.h"

typedef struct
{
  CairnTestDevice *devices;
  const char      *needle;
} Wait;

static gboolean
all_have (gpointer data)
{
  Wait *w = data;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *dump = cairn_store_dump_state (w->devices[i].store, NULL);
      CairnSyncStatus *status = cairn_sync_engine_get_status (w->devices[i].engine);

      if (dump == NULL || strstr (dump, w->needle) == NULL ||
          cairn_store_get_pending_count (w->devices[i].store) > 0 ||
          cairn_sync_status_get_state (status) != CAIRN_SYNC_STATE_UP_TO_DATE)
        return FALSE;
    }
  return TRUE;
}

static gboolean
repaired (gpointer data)
{
  CairnTestDevice *d = data;
  g_autofree char *dump = cairn_store_dump_state (d->store, NULL);

  return cairn_sync_status_get_state_repaired_at (cairn_sync_engine_get_status (d->engine)) > 0 &&
         dump != NULL && strstr (dump, "Damaged") == NULL;
}

static void
test_damaged_device_repairs (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = g_dir_make_tmp ("cairn-sync-state-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL, *milk = NULL, *eggs = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *dump_a = NULL, *dump_b = NULL, *dump_c = NULL;
  CairnTestDevice d[3] = { 0 };
  Wait wait = { d, NULL };
  static const char * const names[] = { "a", "b", "c" };

  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", CAIRN_TEST_DEVICE_PASSWORD);
  for (guint i = 0; i < 3; i++)
    {
      cairn_test_device_open (&d[i], dir, names[i], server);
      cairn_sync_engine_start (d[i].engine);
    }

  list = cairn_store_create_list (d[0].store, "Groceries", &error);
  g_assert_no_error (error);
  milk = cairn_store_create_todo (d[0].store, list, "Milk", NULL, NULL, &error);
  g_assert_no_error (error);
  wait.needle = "Milk";
  g_assert_true (cairn_test_loop_until (all_have, &wait, 30));

  /* b's copy of a confirmed row changes behind its store's back. */
  sql = g_strdup_printf ("UPDATE todos SET title = 'Damaged' WHERE id = '%s'", milk);
  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (d[1].store), sql, NULL, NULL, NULL), ==, SQLITE_OK);

  /* The next change gives a new head; once quiet, all three report it. */
  eggs = cairn_store_create_todo (d[0].store, list, "Eggs", NULL, NULL, &error);
  g_assert_no_error (error);
  wait.needle = "Eggs";
  g_assert_true (cairn_test_loop_until (all_have, &wait, 30));
  g_assert_true (cairn_test_loop_until (repaired, &d[1], 30));

  dump_a = cairn_store_dump_state (d[0].store, &error);
  dump_b = cairn_store_dump_state (d[1].store, &error);
  dump_c = cairn_store_dump_state (d[2].store, &error);
  g_assert_cmpstr (dump_b, ==, dump_a);
  g_assert_cmpstr (dump_c, ==, dump_a);
  g_assert_nonnull (strstr (dump_a, "Milk"));
  g_assert_cmpint (cairn_sync_status_get_state_repaired_at (cairn_sync_engine_get_status (d[0].engine)), ==, 0);
  g_assert_cmpint (cairn_sync_status_get_state_repaired_at (cairn_sync_engine_get_status (d[2].engine)), ==, 0);

  for (guint i = 0; i < 3; i++)
    {
      cairn_sync_engine_stop (d[i].engine);
      cairn_test_device_close (&d[i]);
    }
  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  /* The engine's waits before a report, shortened (30 s of quiet, 10
   * minutes between reports in the app). */
  g_setenv ("CAIRN_SYNC_STATE_QUIET_MS", "200", TRUE);
  g_setenv ("CAIRN_SYNC_STATE_MIN_REPORT_MS", "0", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/state/damaged-device-repairs", test_damaged_device_repairs);
  return g_test_run ();
}

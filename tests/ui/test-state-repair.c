/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-state-repair.c: when the sync engine has repaired this device's
 * copy (its state hash disagreed with the other devices'), the window
 * says so in a toast; nothing is shown before. */
#include "config.h"

#include "cairn-profile.h"
#include "cairn-sync-status-private.h"
#include "cairn-test-util.h"
#include "cairn-ui.h"
#include "cairn-ui-test.h"
#include "cairn-window.h"

static void
test_repair_toast (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cairn-ui-repair-XXXXXX", &error);
  g_autoptr(CairnProfile) profile = NULL;
  g_autoptr(CairnSyncEngine) engine = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(CairnPool) pool = NULL;
  g_autoptr(GSettings) settings = cairn_test_settings_new ();
  CairnWindow *window;
  CairnTestLabelQuery q = { NULL, "disagreed with the server and was rebuilt", CAIRN_TEST_LABEL_CONTAINS };

  g_assert_no_error (error);
  profile = cairn_profile_open (dir, &error);
  g_assert_no_error (error);
  store = cairn_profile_open_store (profile, NULL, &error);
  g_assert_no_error (error);
  pool = cairn_pool_new (store);
  engine = cairn_sync_engine_new (profile);
  window = g_object_new (CAIRN_TYPE_WINDOW,
                         "settings", settings, "pool", pool, "sync-engine", engine,
                         NULL);
  gtk_window_present (GTK_WINDOW (window));
  q.root = GTK_WIDGET (window);
  cairn_test_spin (20);
  g_assert_null (cairn_test_find_label (q.root, q.text, CAIRN_TEST_LABEL_CONTAINS));

  /* The engine repaired the store. */
  _cairn_sync_status_set_state_repaired_at (cairn_sync_engine_get_status (engine), 1764000000000);
  g_assert_true (cairn_test_wait_until (cairn_test_label_shown, &q));

  gtk_window_destroy (GTK_WINDOW (window));
  cairn_test_spin (20);
  cairn_test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  cairn_test_init_ui_for_sync (&argc, &argv);
  g_test_add_func ("/sync/state-repair-toast", test_repair_toast);
  return g_test_run ();
}

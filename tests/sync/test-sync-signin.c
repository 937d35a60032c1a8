/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync-signin.c: signing in turns the local workspace into the
 * personal one without renaming its database, so a store open on it (the
 * app's) keeps its file, and the workspaces are named at once. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "cairn-sync-engine.h"
#include "cairn-test-server.h"
#include "cairn-test-util.h"
#include "cairn-workspace.h"

#define PASSWORD "ann-password-1"

static void
login (CairnSyncEngine *engine,
       CairnTestServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  cairn_sync_engine_login_async (engine, server->base, "ann", PASSWORD, "laptop", NULL,
                                 cairn_test_got_result, &result);
  g_assert_true (cairn_sync_engine_login_finish (engine, cairn_test_wait_result (&result), &error));
  g_assert_no_error (error);
}

static gboolean
has_list (CairnStore *store,
          const char *title)
{
  g_autofree char *dump = cairn_store_dump_state (store, NULL);
  return dump != NULL && strstr (dump, title) != NULL;
}

static void
test_open_store_keeps_its_file (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = g_dir_make_tmp ("cairn-signin-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnProfile) profile = NULL;
  g_autoptr(CairnSyncEngine) engine = NULL;
  g_autoptr(CairnStore) held = NULL;
  g_autoptr(CairnStore) personal_store = NULL;
  g_autofree char *local = NULL;
  g_autofree char *personal = NULL;
  g_autofree char *held_path = NULL;
  g_autofree char *personal_path = NULL;
  g_autofree char *name = NULL;
  g_auto(GStrv) ids = NULL;

  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", PASSWORD);

  /* The app, not signed in, holds the local workspace's store. */
  profile = cairn_profile_open (dir, &error);
  g_assert_no_error (error);
  local = cairn_profile_dup_current_workspace (profile, &error);
  g_assert_no_error (error);
  held = cairn_profile_open_store (profile, local, &error);
  g_assert_no_error (error);
  held_path = g_strdup (cairn_store_get_path (held));
  g_free (cairn_store_create_list (held, "Before signing in", &error));
  g_assert_no_error (error);

  engine = cairn_sync_engine_new (profile);
  login (engine, server);

  /* The personal workspace is current, and its database is the very file
   * the app holds: still there, and what is written through the held
   * store is in the personal workspace. */
  personal = cairn_profile_dup_current_workspace (profile, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (personal, !=, local);
  g_assert_true (g_file_test (held_path, G_FILE_TEST_EXISTS));
  personal_path = cairn_profile_dup_workspace_path (profile, personal, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (personal_path, ==, held_path);
  g_free (cairn_store_create_list (held, "After signing in", &error));
  g_assert_no_error (error);
  personal_store = cairn_profile_open_store (profile, personal, &error);
  g_assert_no_error (error);
  g_assert_true (has_list (personal_store, "Before signing in"));
  g_assert_true (has_list (personal_store, "After signing in"));

  /* Named at once, for the app's sidebar. */
  name = cairn_profile_dup_setting (profile, "workspace-names", personal);
  g_assert_cmpstr (name, ==, "ann");

  /* Another process reading the profile sees the personal workspace,
   * not the local one, and syncs it: both lists reach the server. */
  g_clear_object (&personal_store);
  {
    g_autoptr(CairnProfile) again = cairn_profile_open (dir, &error);
    g_autoptr(CairnSyncEngine) other = NULL;
    g_autoptr(CairnStore) store = NULL;
    g_autoptr(GAsyncResult) result = NULL;

    g_assert_no_error (error);
    ids = cairn_profile_list_workspaces (again);
    g_assert_cmpuint (g_strv_length (ids), ==, 1);
    g_assert_cmpstr (ids[0], ==, personal);
    store = cairn_profile_open_store (again, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (cairn_store_get_path (store), ==, held_path);
    other = cairn_sync_engine_new (again);
    cairn_sync_engine_set_store (other, store, personal);
    cairn_sync_engine_sync_async (other, NULL, cairn_test_got_result, &result);
    g_assert_true (cairn_sync_engine_sync_finish (other, cairn_test_wait_result (&result), &error));
    g_assert_no_error (error);
    g_assert_cmpuint (cairn_store_get_pending_count (store), ==, 0);
    cairn_sync_engine_set_store (other, NULL, NULL);
  }

  /* A second device of ann's pulls them from the personal workspace. */
  {
    g_autofree char *dir_b = g_build_filename (dir, "b", NULL);
    g_autoptr(CairnProfile) b = cairn_profile_open (dir_b, &error);
    g_autoptr(CairnSyncEngine) engine_b = NULL;
    g_autoptr(CairnStore) store_b = NULL;
    g_autofree char *ws_b = NULL;
    g_autoptr(GAsyncResult) result = NULL;

    g_assert_no_error (error);
    /* b has no local database yet: the personal workspace is current. */
    engine_b = cairn_sync_engine_new (b);
    login (engine_b, server);
    ws_b = cairn_profile_dup_current_workspace (b, &error);
    g_assert_cmpstr (ws_b, ==, personal);
    store_b = cairn_profile_open_store (b, NULL, &error);
    g_assert_no_error (error);
    cairn_sync_engine_set_store (engine_b, store_b, ws_b);
    cairn_sync_engine_sync_async (engine_b, NULL, cairn_test_got_result, &result);
    g_assert_true (cairn_sync_engine_sync_finish (engine_b, cairn_test_wait_result (&result), &error));
    g_assert_no_error (error);
    g_assert_true (has_list (store_b, "Before signing in"));
    g_assert_true (has_list (store_b, "After signing in"));
    cairn_sync_engine_set_store (engine_b, NULL, NULL);
  }

  g_clear_object (&engine);
  g_clear_object (&held);
  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync/signin/open-store-keeps-its-file", test_open_store_keeps_its_file);
  return g_test_run ();
}

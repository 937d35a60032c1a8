/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync-units.c: backoff policy, token storage and the status model. */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "cairn-conflict.h"
#include "cairn-sync-backoff.h"
#include "cairn-sync-status-private.h"
#include "cairn-sync-token.h"
#include "cairn-test-util.h"
#include "cairn-workspace.h"

static void
test_backoff_grows_with_jitter (void)
{
  CairnBackoff b;
  guint prev_cap = 0;
  guint i;

  cairn_backoff_init (&b, 100, 10000, 42);
  for (i = 0; i < 12; i++)
    {
      guint cap = MIN (10000u, 100u << i);
      guint d = cairn_backoff_next_delay (&b);

      /* Equal jitter: within [cap/2, cap], never zero. */
      g_assert_cmpuint (d, >=, cap / 2);
      g_assert_cmpuint (d, <=, cap);
      g_assert_cmpuint (cap, >=, prev_cap);
      prev_cap = cap;
    }
  /* Capped for good, even after very many failures. */
  for (i = 0; i < 100; i++)
    g_assert_cmpuint (cairn_backoff_next_delay (&b), <=, 10000);

  cairn_backoff_reset (&b);
  g_assert_cmpuint (cairn_backoff_next_delay (&b), <=, 100);
  cairn_backoff_clear (&b);
}

static void
test_backoff_jitter_spreads_clients (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  guint seed;

  /* Twenty clients failing at the same moment must not all retry at the
   * same moment. */
  for (seed = 1; seed <= 20; seed++)
    {
      CairnBackoff b;
      guint d;

      cairn_backoff_init (&b, 1000, 60000, seed);
      cairn_backoff_next_delay (&b);
      cairn_backoff_next_delay (&b);
      d = cairn_backoff_next_delay (&b);
      g_hash_table_add (seen, GUINT_TO_POINTER (d));
      cairn_backoff_clear (&b);
    }
  g_assert_cmpuint (g_hash_table_size (seen), >=, 15);
}

static void
test_backoff_deterministic (void)
{
  CairnBackoff a, b;
  guint i;

  cairn_backoff_init (&a, 50, 5000, 7);
  cairn_backoff_init (&b, 50, 5000, 7);
  for (i = 0; i < 20; i++)
    g_assert_cmpuint (cairn_backoff_next_delay (&a), ==, cairn_backoff_next_delay (&b));
  cairn_backoff_clear (&a);
  cairn_backoff_clear (&b);
}

static void
test_token_file_fallback (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cairn-token-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "token", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;
  g_autofree char *other = NULL;
  CairnTokenBackend backend = CAIRN_TOKEN_BACKEND_KEYRING;
  struct stat st;

  /* Nothing stored yet: NULL and no error. */
  got = cairn_token_load (dir, "http://a", "ann", &error);
  g_assert_no_error (error);
  g_assert_null (got);

  g_assert_true (cairn_token_save (dir, "http://a", "ann", "tok-1", &backend, &error));
  g_assert_no_error (error);
  g_assert_cmpint (backend, ==, CAIRN_TOKEN_BACKEND_FILE);

  /* Readable only by the owner. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_assert_true (cairn_token_save (dir, "http://b", "ann", "tok-2", NULL, &error));
  g_assert_true (cairn_token_save (dir, "http://a", "ann", "tok-3", NULL, &error));
  g_assert_no_error (error);

  got = cairn_token_load (dir, "http://a", "ann", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, "tok-3");
  other = cairn_token_load (dir, "http://b", "ann", &error);
  g_assert_cmpstr (other, ==, "tok-2");

  g_assert_true (cairn_token_delete (dir, "http://a", "ann", &error));
  g_assert_no_error (error);
  g_clear_pointer (&got, g_free);
  got = cairn_token_load (dir, "http://a", "ann", &error);
  g_assert_no_error (error);
  g_assert_null (got);
  g_clear_pointer (&other, g_free);
  other = cairn_token_load (dir, "http://b", "ann", &error);
  g_assert_cmpstr (other, ==, "tok-2");

  /* Deleting what is not there is fine. */
  g_assert_true (cairn_token_delete (dir, "http://zzz", "bob", &error));
  g_assert_no_error (error);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_token_unreadable_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cairn-token-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "token", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;
  g_autofree char *after = NULL;

  /* A damaged token file is an error naming the file, and saving does not
   * silently overwrite it. */
  g_assert_true (g_file_set_contents (path, "\xff\xfe not a key file [", -1, NULL));
  got = cairn_token_load (dir, "http://a", "ann", &error);
  g_assert_null (got);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  g_assert_false (cairn_token_save (dir, "http://a", "ann", "tok", NULL, &error));
  g_assert_nonnull (error);
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, "\xff\xfe not a key file [");

  g_unlink (path);
  g_rmdir (dir);
}

/* With no secret service reachable at all, the keyring path fails and the
 * token still gets stored, in the file, with the reason logged once. */
static void
test_token_no_secret_service (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *dir = g_dir_make_tmp ("cairn-token-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "token", NULL);
      g_autoptr(GError) error = NULL;
      g_autofree char *got = NULL;
      CairnTokenBackend backend = CAIRN_TOKEN_BACKEND_KEYRING;

      g_assert_true (cairn_token_save (dir, "http://a", "ann", "tok-1", &backend, &error));
      g_assert_no_error (error);
      g_assert_cmpint (backend, ==, CAIRN_TOKEN_BACKEND_FILE);
      got = cairn_token_load (dir, "http://a", "ann", &error);
      g_assert_no_error (error);
      g_assert_cmpstr (got, ==, "tok-1");
      g_assert_true (cairn_token_delete (dir, "http://a", "ann", &error));
      g_assert_no_error (error);
      g_unlink (path);
      g_rmdir (dir);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* Said once, not once per call. */
  g_test_trap_assert_stderr ("*No secret service available*");
  g_test_trap_assert_stderr_unmatched ("*No secret service*No secret service*");
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
count_items_changed (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_status_notifies_real_changes (void)
{
  g_autoptr(CairnSyncStatus) status = cairn_sync_status_new ();
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *json = NULL;
  guint n_state = 0, n_pending = 0, n_message = 0, n_items = 0;

  g_assert_cmpint (cairn_sync_status_get_state (status), ==, CAIRN_SYNC_STATE_OFFLINE);
  g_signal_connect (status, "notify::state", G_CALLBACK (count_notify), &n_state);
  g_signal_connect (status, "notify::pending-count", G_CALLBACK (count_notify), &n_pending);
  g_signal_connect (status, "notify::message", G_CALLBACK (count_notify), &n_message);
  g_signal_connect (cairn_sync_status_get_conflicts (status), "items-changed",
                    G_CALLBACK (count_items_changed), &n_items);

  _cairn_sync_status_set_state (status, CAIRN_SYNC_STATE_OFFLINE, NULL);
  g_assert_cmpuint (n_state, ==, 0);
  _cairn_sync_status_set_state (status, CAIRN_SYNC_STATE_SYNCING, "ignored");
  g_assert_cmpuint (n_state, ==, 1);
  g_assert_null (cairn_sync_status_get_message (status));
  _cairn_sync_status_set_state (status, CAIRN_SYNC_STATE_ERROR, "Server said no");
  g_assert_cmpuint (n_state, ==, 2);
  g_assert_cmpuint (n_message, ==, 1);
  g_assert_cmpstr (cairn_sync_status_get_message (status), ==, "Server said no");
  _cairn_sync_status_set_state (status, CAIRN_SYNC_STATE_UP_TO_DATE, NULL);
  g_assert_cmpuint (n_message, ==, 2);
  g_assert_null (cairn_sync_status_get_message (status));

  _cairn_sync_status_set_pending_count (status, 3);
  _cairn_sync_status_set_pending_count (status, 3);
  g_assert_cmpuint (n_pending, ==, 1);

  g_ptr_array_add (conflicts, cairn_conflict_new (1, "todo", "id", "title", "a", "b", "laptop", 5, 1));
  _cairn_sync_status_set_conflicts (status, conflicts);
  _cairn_sync_status_set_conflicts (status, conflicts);
  g_assert_cmpuint (n_items, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (cairn_sync_status_get_conflicts (status)), ==, 1);
  _cairn_sync_status_set_conflicts (status, NULL);
  g_assert_cmpuint (n_items, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (cairn_sync_status_get_conflicts (status)), ==, 0);

  _cairn_sync_status_set_account (status, "http://h:1", "ann", NULL);
  json = cairn_sync_status_to_json (status);
  g_assert_nonnull (strstr (json, "\"state\":\"up-to-date\""));
  g_assert_nonnull (strstr (json, "\"pending\":3"));
  g_assert_nonnull (strstr (json, "\"server\":\"http://h:1\""));
}

/* What cairn-cli opens: the current workspace's store as it is, the pool
 * on first use, and profile.ini not written (the app's open() makes the
 * workspace current, which saves it). */
static void
test_workspace_open_store (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cairn-workspace-XXXXXX", NULL);
  g_autofree char *ini = g_build_filename (dir, "profile.ini", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnProfile) profile = NULL;
  g_autoptr(CairnWorkspace) workspace = NULL;
  g_autofree char *current = NULL;
  CairnStore *store;
  CairnPool *pool;
  GStatBuf before, after;

  profile = cairn_profile_open (dir, &error);
  g_assert_no_error (error);
  current = cairn_profile_dup_current_workspace (profile, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_profile_set_setting (profile, "app", "local-only-workspace",
                                            current, &error));
  g_assert_cmpint (g_stat (ini, &before), ==, 0);

  workspace = cairn_workspace_new (profile);
  g_assert_null (cairn_workspace_get_store (workspace));
  g_assert_null (cairn_workspace_get_pool (workspace));
  g_assert_true (cairn_workspace_open_store (workspace, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cairn_workspace_get_id (workspace), ==, current);
  g_assert_true (cairn_workspace_is_local_only (workspace));
  store = cairn_workspace_get_store (workspace);
  g_assert_nonnull (store);
  pool = cairn_workspace_get_pool (workspace);
  g_assert_nonnull (pool);
  g_assert_true (cairn_workspace_get_pool (workspace) == pool);

  /* A second call keeps what is open. */
  g_assert_true (cairn_workspace_open_store (workspace, &error));
  g_assert_true (cairn_workspace_get_store (workspace) == store);

  /* profile.ini is replaced whenever it is saved: the same file is still
   * there. */
  g_assert_cmpint (g_stat (ini, &after), ==, 0);
  g_assert_cmpuint (after.st_ino, ==, before.st_ino);

  g_clear_object (&workspace);
  g_clear_object (&profile);
  cairn_test_rm_rf (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (g_test_subprocess ())
    {
      /* No session bus anywhere: libsecret must fail, not hang. */
      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/cairn-test-bus", TRUE);
      g_unsetenv ("DISPLAY");
      g_unsetenv ("CAIRN_TOKEN_STORE");
    }

  g_test_add_func ("/sync/backoff/grows-with-jitter", test_backoff_grows_with_jitter);
  g_test_add_func ("/sync/backoff/jitter-spreads-clients", test_backoff_jitter_spreads_clients);
  g_test_add_func ("/sync/backoff/deterministic", test_backoff_deterministic);
  g_test_add_func ("/sync/token/file-fallback", test_token_file_fallback);
  g_test_add_func ("/sync/token/unreadable-file", test_token_unreadable_file);
  g_test_add_func ("/sync/token/no-secret-service", test_token_no_secret_service);
  g_test_add_func ("/sync/status/notifies-real-changes", test_status_notifies_real_changes);
  g_test_add_func ("/sync/workspace/open-store", test_workspace_open_store);

  return g_test_run ();
}

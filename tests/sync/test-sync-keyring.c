/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync-keyring.c: the sign-in token in a real Secret Service.
 *
 * Runs through with-keyring.sh, which starts gnome-keyring-daemon on a
 * private session bus: signing in puts the token in the keyring and not in
 * the profile's token file, a new engine on the same profile finds it and
 * syncs with it, and signing out removes it from the keyring.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "cairn-test-server.h"
#include "cairn-sync-engine.h"
#include "cairn-test-util.h"

#define PASSWORD "ann-password-1"

/* Spelled out here rather than taken from the code under test: this is
 * the schema other programs (seahorse, secret-tool) see. */
static const SecretSchema test_schema = {
  "org.cairn.Cairn.Token", SECRET_SCHEMA_NONE,
  {
    { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "username", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
  0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

static char *
keyring_lookup (const char *server_url,
                const char *username)
{
  g_autoptr(GError) error = NULL;
  char *secret = secret_password_lookup_sync (&test_schema, NULL, &error,
                                              "server", server_url,
                                              "username", username,
                                              NULL);
  char *copy;

  g_assert_no_error (error);
  copy = g_strdup (secret);
  secret_password_free (secret);
  return copy;
}

/* Whether the profile's token file holds the token (it may not exist). */
static gboolean
token_file_contains (const char *profile_dir,
                     const char *token)
{
  g_autofree char *path = g_build_filename (profile_dir, "token", NULL);
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  return strstr (contents, token) != NULL;
}

static void
sync_once (CairnSyncEngine *engine)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  cairn_sync_engine_sync_async (engine, NULL, cairn_test_got_result, &result);
  g_assert_true (cairn_sync_engine_sync_finish (engine, cairn_test_wait_result (&result), &error));
  g_assert_no_error (error);
}

static void
test_token_in_keyring (void)
{
  CairnTestServer *server = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *profile_dir = NULL;
  g_autofree char *token = NULL;
  g_autofree char *ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnProfile) profile = NULL;
  g_autoptr(CairnSyncEngine) engine = NULL;
  g_autoptr(CairnStore) store = NULL;
  guint status = 0;

  if (g_strcmp0 (g_getenv ("CAIRN_KEYRING_SESSION"), "1") != 0)
    {
      g_test_skip ("needs the private keyring of tests/sync/with-keyring.sh");
      return;
    }
  g_assert_null (g_getenv ("CAIRN_TOKEN_STORE"));

  server = cairn_test_server_new ();
  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", PASSWORD);
  dir = g_dir_make_tmp ("cairn-keyring-XXXXXX", NULL);
  profile_dir = g_build_filename (dir, "profile", NULL);

  /* Sign in: the token goes to the keyring, not to the file. */
  profile = cairn_profile_open (profile_dir, &error);
  g_assert_no_error (error);
  engine = cairn_sync_engine_new (profile);
  {
    g_autoptr(GAsyncResult) result = NULL;
    cairn_sync_engine_login_async (engine, server->base, "ann", PASSWORD, "laptop", NULL,
                                   cairn_test_got_result, &result);
    g_assert_true (cairn_sync_engine_login_finish (engine, cairn_test_wait_result (&result), &error));
    g_assert_no_error (error);
  }
  token = keyring_lookup (server->base, "ann");
  g_assert_nonnull (token);
  g_assert_cmpuint (strlen (token), >, 0);
  g_assert_false (token_file_contains (profile_dir, token));
  /* It is the real token: the server takes it. */
  {
    g_autoptr(JsonNode) node = cairn_test_http (server, NULL, "GET", "/v1/workspaces", token,
                                                NULL, 0, &status);
    g_assert_cmpuint (status, ==, 200);
  }

  /* A new engine on the same profile (the app started again) finds it in
   * the keyring and syncs with it. */
  g_clear_object (&engine);
  g_clear_object (&profile);
  profile = cairn_profile_open (profile_dir, &error);
  g_assert_no_error (error);
  engine = cairn_sync_engine_new (profile);
  g_assert_true (cairn_sync_engine_is_signed_in (engine));
  g_assert_cmpint (cairn_sync_status_get_state (cairn_sync_engine_get_status (engine)), !=,
                   CAIRN_SYNC_STATE_NEEDS_SIGN_IN);
  ws = cairn_profile_dup_current_workspace (profile, &error);
  g_assert_no_error (error);
  store = cairn_profile_open_store (profile, NULL, &error);
  g_assert_no_error (error);
  cairn_sync_engine_set_store (engine, store, ws);
  g_free (cairn_store_create_list (store, "Kept in the keyring", &error));
  g_assert_no_error (error);
  sync_once (engine);
  g_assert_cmpuint (cairn_store_get_pending_count (store), ==, 0);
  g_assert_false (token_file_contains (profile_dir, token));

  /* Signing out removes it from the keyring, and the server forgets it. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    cairn_sync_engine_logout_async (engine, NULL, cairn_test_got_result, &result);
    g_assert_true (cairn_sync_engine_logout_finish (engine, cairn_test_wait_result (&result), &error));
    g_assert_no_error (error);
  }
  g_assert_false (cairn_sync_engine_is_signed_in (engine));
  g_assert_null (keyring_lookup (server->base, "ann"));
  g_assert_false (token_file_contains (profile_dir, token));
  {
    g_autoptr(JsonNode) node = cairn_test_http (server, NULL, "GET", "/v1/workspaces", token,
                                                NULL, 0, &status);
    g_assert_cmpuint (status, ==, 401);
  }

  g_clear_object (&engine);
  g_clear_object (&store);
  g_clear_object (&profile);
  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/token/keyring", test_token_in_keyring);
  return g_test_run ();
}

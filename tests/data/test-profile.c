/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-profile.c: where a profile lives, its workspaces and profile.ini. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cairn-profile.h"
#include "cairn-test-util.h"

static char *
make_tmp (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("cairn-test-profile-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
test_locations (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = make_tmp ();
  g_autofree char *explicit_dir = g_build_filename (tmp, "a", "b", NULL);
  g_autofree char *env_dir = g_build_filename (tmp, "env", NULL);
  g_autoptr(CairnProfile) p1 = NULL;
  g_autoptr(CairnProfile) p2 = NULL;
  g_autoptr(CairnProfile) p3 = NULL;

  g_setenv ("CAIRN_PROFILE", env_dir, TRUE);

  /* An explicit directory wins over the environment and is created. */
  p1 = cairn_profile_open (explicit_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cairn_profile_get_dir (p1), ==, explicit_dir);
  g_assert_true (g_file_test (explicit_dir, G_FILE_TEST_IS_DIR));

  p2 = cairn_profile_open (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cairn_profile_get_dir (p2), ==, env_dir);

  /* Neither: the XDG data directory (main() points it at a temporary one). */
  g_unsetenv ("CAIRN_PROFILE");
  {
    g_autofree char *xdg = g_build_filename (g_get_user_data_dir (), "cairn", NULL);

    p3 = cairn_profile_open (NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (cairn_profile_get_dir (p3), ==, xdg);
  }

  cairn_test_rm_rf (tmp);
}

static void
test_workspaces (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = make_tmp ();
  g_autoptr(CairnProfile) profile = cairn_profile_open (tmp, &error);
  g_autoptr(CairnProfile) again = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autofree char *ws = NULL;
  g_autofree char *ws2 = NULL;
  g_autofree char *path = NULL;
  g_autofree char *expected = NULL;
  g_auto(GStrv) ids = NULL;
  const char *other = "0e2b3c4d-1111-4222-8333-444455556666";

  g_assert_no_error (error);
  ids = cairn_profile_list_workspaces (profile);
  g_assert_cmpuint (g_strv_length (ids), ==, 0);
  g_clear_pointer (&ids, g_strfreev);

  /* The first use creates the local workspace and remembers it. */
  ws = cairn_profile_dup_current_workspace (profile, &error);
  g_assert_no_error (error);
  g_assert_true (g_uuid_string_is_valid (ws));
  ws2 = cairn_profile_dup_current_workspace (profile, &error);
  g_assert_cmpstr (ws, ==, ws2);

  store = cairn_profile_open_store (profile, NULL, &error);
  g_assert_no_error (error);
  path = cairn_profile_dup_workspace_path (profile, ws, &error);
  expected = g_strdup_printf ("%s/workspaces/%s.db", tmp, ws);
  g_assert_cmpstr (path, ==, expected);
  g_assert_cmpstr (cairn_store_get_path (store), ==, path);
  ids = cairn_profile_list_workspaces (profile);
  g_assert_cmpuint (g_strv_length (ids), ==, 1);
  g_assert_cmpstr (ids[0], ==, ws);
  g_clear_pointer (&ids, g_strfreev);

  /* Switching is saved: a new CairnProfile over the directory sees it. */
  g_assert_true (cairn_profile_set_current_workspace (profile, other, &error));
  g_assert_no_error (error);
  again = cairn_profile_open (tmp, &error);
  g_assert_no_error (error);
  g_clear_pointer (&ws2, g_free);
  ws2 = cairn_profile_dup_current_workspace (again, &error);
  g_assert_cmpstr (ws2, ==, other);

  /* Ids become file names: anything but a UUID is refused, nothing saved. */
  g_assert_false (cairn_profile_set_current_workspace (profile, "../../etc/passwd", &error));
  g_assert_error (error, CAIRN_PROFILE_ERROR, CAIRN_PROFILE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "../../etc/passwd"));
  g_clear_error (&error);
  g_assert_null (cairn_profile_dup_workspace_path (profile, "x.db", &error));
  g_assert_error (error, CAIRN_PROFILE_ERROR, CAIRN_PROFILE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (cairn_profile_open_store (profile, "", &error));
  g_assert_error (error, CAIRN_PROFILE_ERROR, CAIRN_PROFILE_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&again);
  again = cairn_profile_open (tmp, &error);
  g_clear_pointer (&ws2, g_free);
  ws2 = cairn_profile_dup_current_workspace (again, &error);
  g_assert_cmpstr (ws2, ==, other);

  g_clear_object (&store);
  cairn_test_rm_rf (tmp);
}

static void
test_settings (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = make_tmp ();
  g_autoptr(CairnProfile) profile = cairn_profile_open (tmp, &error);
  g_autoptr(CairnProfile) again = NULL;
  g_autofree char *value = NULL;

  g_assert_no_error (error);
  g_assert_null (cairn_profile_dup_setting (profile, "sync", "server"));
  g_assert_true (cairn_profile_set_setting (profile, "sync", "server", "https://example.org", &error));
  g_assert_no_error (error);
  again = cairn_profile_open (tmp, &error);
  value = cairn_profile_dup_setting (again, "sync", "server");
  g_assert_cmpstr (value, ==, "https://example.org");

  g_assert_true (cairn_profile_set_setting (profile, "sync", "server", NULL, &error));
  g_clear_object (&again);
  again = cairn_profile_open (tmp, &error);
  g_assert_null (cairn_profile_dup_setting (again, "sync", "server"));
  cairn_test_rm_rf (tmp);
}

static void
test_bad_profiles (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = make_tmp ();
  g_autofree char *file = g_build_filename (tmp, "file", NULL);
  g_autofree char *under_file = g_build_filename (file, "profile", NULL);
  g_autofree char *bad = g_build_filename (tmp, "bad", NULL);
  g_autofree char *bad_ini = g_build_filename (bad, "profile.ini", NULL);
  g_autofree char *bad_ws = g_build_filename (tmp, "badws", NULL);
  g_autofree char *bad_ws_ini = g_build_filename (bad_ws, "profile.ini", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(CairnProfile) profile = NULL;

  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  g_assert_null (cairn_profile_open (file, &error));
  g_assert_error (error, CAIRN_PROFILE_ERROR, CAIRN_PROFILE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, file));
  g_clear_error (&error);

  /* Its parent is a regular file: cannot be created (even as root). */
  g_assert_null (cairn_profile_open (under_file, &error));
  g_assert_error (error, CAIRN_PROFILE_ERROR, CAIRN_PROFILE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, under_file));
  g_clear_error (&error);

  /* A damaged profile.ini is reported and left as it was. */
  g_assert_cmpint (g_mkdir (bad, 0700), ==, 0);
  g_assert_true (g_file_set_contents (bad_ini, "[profile\nnot ini", -1, NULL));
  g_assert_null (cairn_profile_open (bad, &error));
  g_assert_error (error, CAIRN_PROFILE_ERROR, CAIRN_PROFILE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, bad_ini));
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (bad_ini, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "[profile\nnot ini");

  /* A current workspace that is not an id is an error, not a new one. */
  g_assert_cmpint (g_mkdir (bad_ws, 0700), ==, 0);
  g_assert_true (g_file_set_contents (bad_ws_ini, "[profile]\ncurrent-workspace=../x\n", -1, NULL));
  profile = cairn_profile_open (bad_ws, &error);
  g_assert_no_error (error);
  g_assert_null (cairn_profile_dup_current_workspace (profile, &error));
  g_assert_error (error, CAIRN_PROFILE_ERROR, CAIRN_PROFILE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (cairn_profile_open_store (profile, NULL, &error));
  g_assert_error (error, CAIRN_PROFILE_ERROR, CAIRN_PROFILE_ERROR_INVALID);

  cairn_test_rm_rf (tmp);
}

int
main (int argc, char **argv)
{
  g_autofree char *xdg = make_tmp ();
  int status;

  /* Our own XDG data directory (G_TEST_OPTION_ISOLATE_DIRS leaks under
   * LeakSanitizer); set before GLib first reads it. */
  g_setenv ("XDG_DATA_HOME", xdg, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/profile/locations", test_locations);
  g_test_add_func ("/profile/workspaces", test_workspaces);
  g_test_add_func ("/profile/settings", test_settings);
  g_test_add_func ("/profile/bad-profiles", test_bad_profiles);

  status = g_test_run ();
  cairn_test_rm_rf (xdg);
  return status;
}

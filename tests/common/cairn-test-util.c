/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-test-util.c: temporary folders and async results for every test. */
#include "config.h"

#include <glib/gstdio.h>

#include "cairn-test-util.h"

void
cairn_test_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_chmod (path, 0700);
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          cairn_test_rm_rf (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

void
cairn_test_got_result (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

GAsyncResult *
cairn_test_wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

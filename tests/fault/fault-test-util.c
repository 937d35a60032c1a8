/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fault-test-util.c: helpers the power-loss and full-disk tests share. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "fault-test-util.h"

char *
fault_test_tmpdir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("cairn-fault-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
fault_test_assert_integrity (sqlite3 *db)
{
  sqlite3_stmt *st = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (st, 0), ==, "ok");
  sqlite3_finalize (st);
}

void
fault_test_assert_file_integrity (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  fault_test_assert_integrity (db);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static guint storage_warnings;

static gboolean
fatal_handler (const char     *domain,
               GLogLevelFlags  level,
               const char     *message,
               gpointer        user_data)
{
  if ((level & G_LOG_LEVEL_WARNING) != 0 && message != NULL &&
      (strstr (message, "disk is full") != NULL || strstr (message, "disk I/O error") != NULL ||
       strstr (message, "rolled back by SQLite") != NULL))
    {
      storage_warnings++;
      return FALSE;
    }
  return TRUE;
}

void
fault_test_allow_storage_warnings (void)
{
  g_test_log_set_fatal_handler (fatal_handler, NULL);
}

guint
fault_test_get_storage_warnings (void)
{
  return storage_warnings;
}

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

void
fault_test_write_fixture (const char *path,
                          const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_test_build_filename (G_TEST_DIST, "data", "fixtures", name, NULL);
  g_autofree char *sql = NULL;
  sqlite3 *db = NULL;
  char *msg = NULL;

  g_file_get_contents (file, &sql, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s", msg);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

char *
fault_test_expected_dump (const char *version)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("%s.expected.json", version);
  g_autofree char *file = g_test_build_filename (G_TEST_DIST, "data", "fixtures", name, NULL);
  char *expected = NULL;

  g_file_get_contents (file, &expected, NULL, &error);
  g_assert_no_error (error);
  return g_strchomp (expected);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-fault-vfs.c: the fault VFS itself loses what it should and only that. */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cairn-fault-vfs.h"
#include "fault-test-util.h"

static sqlite3 *
open_db (const char *path,
         const char *synchronous)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA journal_mode = WAL; PRAGMA synchronous = %s;"
                                          "CREATE TABLE IF NOT EXISTS t (x INTEGER PRIMARY KEY, y BLOB);",
                                          synchronous);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), ==, SQLITE_OK);
  g_assert_cmpstr (sqlite3_vfs_find (NULL)->zName, ==, "cairn-fault");
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  return db;
}

static gint64
count_rows (sqlite3 *db)
{
  sqlite3_stmt *st = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM t", -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return n;
}

static void
insert (sqlite3 *db,
        int      rows)
{
  for (int i = 0; i < rows; i++)
    g_assert_cmpint (sqlite3_exec (db, "INSERT INTO t (y) VALUES (randomblob(3000))",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
}

/* A commit without a sync (synchronous = NORMAL, no checkpoint) is gone
 * after a power cut; with FULL it stays. Proves the VFS really drops. */
static void
test_unsynced_lost (void)
{
  g_autofree char *dir = fault_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "t.db", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  sqlite3 *db;

  db = open_db (path, "NORMAL");
  insert (db, 1);
  sqlite3_close (db);        /* checkpoints: synced */
  cairn_fault_vfs_reset ();

  db = open_db (path, "NORMAL");
  insert (db, 5);
  g_assert_cmpint (count_rows (db), ==, 6);
  cairn_fault_vfs_power_cut ();
  insert (db, 2);            /* after the cut: never reaches the disk */
  sqlite3_close (db);        /* its checkpoint neither */
  g_assert_true (g_file_test (shm, G_FILE_TEST_EXISTS) ||
                 g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (cairn_fault_vfs_reboot (0), >, 0);
  g_assert_false (g_file_test (shm, G_FILE_TEST_EXISTS));

  db = open_db (path, "FULL");
  fault_test_assert_integrity (db);
  g_assert_cmpint (count_rows (db), ==, 1);
  insert (db, 3);            /* FULL: each commit syncs the WAL */
  g_assert_cmpuint (cairn_fault_vfs_get_sync_count (), >=, 3);
  cairn_fault_vfs_power_cut ();
  insert (db, 1);
  sqlite3_close (db);
  cairn_fault_vfs_reboot (0);

  db = open_db (path, "NORMAL");
  fault_test_assert_integrity (db);
  g_assert_cmpint (count_rows (db), ==, 4);
  sqlite3_close (db);
  cairn_test_rm_rf (dir);
}

/* A cut armed at the n-th sync happens before that sync: the commit that
 * asked for it is lost, the ones before it are kept. */
static void
test_cut_at_sync (void)
{
  g_autofree char *dir = fault_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "t.db", NULL);
  sqlite3 *db;
  guint before;

  db = open_db (path, "FULL");
  sqlite3_close (db);
  cairn_fault_vfs_reset ();
  db = open_db (path, "FULL");
  insert (db, 1);
  before = cairn_fault_vfs_get_sync_count ();
  insert (db, 1);
  g_assert_cmpuint (cairn_fault_vfs_get_sync_count (), >, before);
  cairn_fault_vfs_cut_at_sync (cairn_fault_vfs_get_sync_count () + 1);
  insert (db, 1);
  g_assert_true (cairn_fault_vfs_is_dead ());
  sqlite3_close (db);
  cairn_fault_vfs_reboot (0);

  db = open_db (path, "FULL");
  fault_test_assert_integrity (db);
  g_assert_cmpint (count_rows (db), ==, 2);
  sqlite3_close (db);
  cairn_test_rm_rf (dir);
}

/* With a seed, some unsynced blocks reach the disk and some do not; the
 * WAL's checksums make SQLite keep a prefix of the commits either way. */
static void
test_random_subset (void)
{
  g_autofree char *dir = fault_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "t.db", NULL);
  guint n_partial = 0;

  for (guint32 seed = 1; seed <= 20; seed++)
    {
      sqlite3 *db = open_db (path, "NORMAL");
      gint64 before = count_rows (db), after;
      guint lost;

      sqlite3_close (db);
      cairn_fault_vfs_reset ();
      db = open_db (path, "NORMAL");
      insert (db, 10);
      cairn_fault_vfs_power_cut ();
      sqlite3_close (db);
      lost = cairn_fault_vfs_reboot (seed);
      g_assert_cmpuint (lost, >, 0);

      db = open_db (path, "NORMAL");
      fault_test_assert_integrity (db);
      after = count_rows (db);
      g_assert_cmpint (after, >=, before);
      g_assert_cmpint (after, <=, before + 10);
      if (after > before && after < before + 10)
        n_partial++;
      sqlite3_close (db);
    }
  /* Some seeds must keep part of the unsynced commits, or the subset is
   * not random at all. */
  g_assert_cmpuint (n_partial, >, 0);
  cairn_test_rm_rf (dir);
}

static void
test_full_disk (void)
{
  g_autofree char *dir = fault_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "t.db", NULL);
  sqlite3 *db = open_db (path, "NORMAL");

  insert (db, 2);
  cairn_fault_vfs_fill_disk (1, SQLITE_FULL);
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO t (y) VALUES (randomblob(3000))", NULL, NULL, NULL),
                   ==, SQLITE_FULL);
  g_assert_cmpuint (cairn_fault_vfs_get_refused (), >, 0);
  g_assert_cmpint (count_rows (db), ==, 2);
  cairn_fault_vfs_fill_disk (1, SQLITE_IOERR_WRITE);
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO t (y) VALUES (randomblob(3000))", NULL, NULL, NULL)
                   & 0xff, ==, SQLITE_IOERR);
  cairn_fault_vfs_free_space ();
  insert (db, 1);
  g_assert_cmpint (count_rows (db), ==, 3);
  fault_test_assert_integrity (db);
  sqlite3_close (db);
  cairn_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cairn_fault_vfs_install ();
  g_test_add_func ("/fault-vfs/unsynced-lost", test_unsynced_lost);
  g_test_add_func ("/fault-vfs/cut-at-sync", test_cut_at_sync);
  g_test_add_func ("/fault-vfs/random-subset", test_random_subset);
  g_test_add_func ("/fault-vfs/full-disk", test_full_disk);
  return g_test_run ();
}

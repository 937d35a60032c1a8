/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-fault-sync.c: sync across a full disk, on either side.
 *
 * The server's disk (cairn-server-fault, full while a flag file exists):
 * a device's live push is refused with storage_full, the engine says so,
 * keeps the change in its outbox and sends it by itself once the server
 * has space. The device's own disk (this process's fault VFS): events
 * from another device cannot be stored, the engine says so, and it
 * catches up by itself once there is space. And a power cut that loses a
 * change the device had pushed. All end with equal stores.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cairn-fault-vfs.h"
#include "cairn-sync-engine.h"
#include "cairn-test-server.h"
#include "fault-test-util.h"
#include "cairn-test-device.h"

#define PASSWORD CAIRN_TEST_DEVICE_PASSWORD

static CairnSyncState
state_of (CairnTestDevice *d)
{
  return cairn_sync_status_get_state (cairn_sync_engine_get_status (d->engine));
}

static gboolean
says_storage_full (gpointer data)
{
  CairnTestDevice *d = data;
  const char *message = cairn_sync_status_get_message (cairn_sync_engine_get_status (d->engine));

  return state_of (d) == CAIRN_SYNC_STATE_ERROR && message != NULL &&
         (strstr (message, "disk is full") != NULL || strstr (message, "the disk is full") != NULL);
}

static gboolean
all_sent (gpointer data)
{
  CairnTestDevice *d = data;

  return cairn_store_get_pending_count (d->store) == 0 && state_of (d) == CAIRN_SYNC_STATE_UP_TO_DATE;
}

typedef struct
{
  CairnTestDevice *device;
  gint64  head;
} HeadQuery;

static gboolean
has_head (gpointer data)
{
  HeadQuery *q = data;

  return cairn_store_get_head (q->device->store) >= q->head &&
         state_of (q->device) == CAIRN_SYNC_STATE_UP_TO_DATE;
}

static void
sync_once (CairnTestDevice *d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  cairn_sync_engine_sync_async (d->engine, NULL, cairn_test_got_result, &result);
  g_assert_true (cairn_sync_engine_sync_finish (d->engine, cairn_test_wait_result (&result), &error));
  g_assert_no_error (error);
}

/* The server with its one user, ann. */
static void
start_server (CairnTestServer    *server,
              const char * const *env)
{
  cairn_test_server_start (server, env);
  cairn_test_server_add_user (server, "ann", PASSWORD);
}

/* b's state, asserted to be a's too. */
static char *
same_state (CairnTestDevice *a,
            CairnTestDevice *b)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dump_a = cairn_store_dump_state (a->store, &error);
  char *dump_b = cairn_store_dump_state (b->store, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (dump_a, ==, dump_b);
  return dump_b;
}

/* Every test's end: both devices closed, the server stopped cleanly. */
static void
finish (CairnTestServer *server,
        CairnTestDevice *a,
        CairnTestDevice *b,
        const char      *dir)
{
  cairn_test_device_close (a);
  cairn_test_device_close (b);
  g_assert_cmpint (cairn_test_server_stop (server, FALSE), ==, 0);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
}

static void
test_server_disk_full (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = fault_test_tmpdir ();
  g_autofree char *flag = g_build_filename (server->dir, "disk-full", NULL);
  g_autofree char *env_flag = g_strconcat ("CAIRN_FAULT_FULL_FLAG=", flag, NULL);
  const char *env[] = { env_flag, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *dump_b = NULL;
  CairnTestDevice a = { 0 }, b = { 0 };

  g_free (server->binary);
  server->binary = g_build_filename (g_getenv ("CAIRN_BUILD_ROOT"), "tests", "fault",
                                     "cairn-server-fault", NULL);
  start_server (server, env);
  cairn_test_device_open (&a, dir, "a", server);
  cairn_test_device_open (&b, dir, "b", server);
  cairn_sync_engine_start (a.engine);
  /* The Inbox, made as the workspace opened, goes out first. */
  g_assert_true (cairn_test_loop_until (all_sent, &a, 60));

  g_assert_true (g_file_set_contents (flag, "", 0, NULL));
  g_free (cairn_store_create_list (a.store, "Written while the server was full", &error));
  g_assert_no_error (error);
  /* Refused, said so, and kept. */
  g_assert_true (cairn_test_loop_until (says_storage_full, &a, 20));
  g_assert_cmpuint (cairn_store_get_pending_count (a.store), ==, 1);

  /* The server has space again: the engine sends it by itself. */
  g_assert_cmpint (g_unlink (flag), ==, 0);
  g_assert_true (cairn_test_loop_until (all_sent, &a, 60));
  sync_once (&b);
  dump_b = same_state (&a, &b);
  g_assert_nonnull (strstr (dump_b, "Written while the server was full"));

  finish (server, &a, &b, dir);
}

static void
test_device_disk_full (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = fault_test_tmpdir ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dump_b = NULL;
  CairnTestDevice a = { 0 }, b = { 0 };
  HeadQuery q;

  fault_test_allow_storage_warnings ();
  start_server (server, NULL);
  cairn_test_device_open (&a, dir, "a", server);
  cairn_test_device_open (&b, dir, "b", server);
  q.device = &b;

  /* b's disk is full when a's change reaches it (the fault VFS fills the
   * disk of this whole process: a is done writing by then). */
  g_free (cairn_store_create_list (a.store, "From A", &error));
  g_assert_no_error (error);
  sync_once (&a);
  cairn_fault_vfs_reset ();
  cairn_fault_vfs_fill_disk (1, SQLITE_FULL);
  cairn_sync_engine_start (b.engine);
  g_assert_true (cairn_test_loop_until (says_storage_full, &b, 20));
  g_assert_cmpint (cairn_store_get_head (b.store), ==, 0);

  /* Space returns: b catches up by itself. */
  cairn_fault_vfs_free_space ();
  q.head = cairn_store_get_head (a.store);
  g_assert_cmpint (q.head, >, 0);
  g_assert_true (cairn_test_loop_until (has_head, &q, 60));
  dump_b = same_state (&a, &b);

  finish (server, &a, &b, dir);
}

static gint64
count_titled (CairnStore *store,
              const char *title)
{
  g_autofree char *dump = cairn_store_dump_state (store, NULL);
  g_autofree char *needle = g_strdup_printf ("\"title\" : \"%s\"", title);
  gint64 n = 0;

  for (const char *p = dump; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

/* A change the device pushed survives a power cut on the device: the
 * store is synced before every push. (Without that the server would hold
 * an event the device lost, as below.) */
static void
test_power_loss_after_push (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = fault_test_tmpdir ();
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL, *dump_b = NULL;
  CairnTestDevice a = { 0 }, b = { 0 };

  start_server (server, NULL);
  cairn_test_device_open (&a, dir, "a", server);
  list = cairn_store_create_list (a.store, "Groceries", &error);
  g_assert_no_error (error);
  sync_once (&a);
  cairn_test_device_close (&a);
  cairn_test_device_open (&a, dir, "a", server);

  cairn_fault_vfs_reset ();
  g_free (cairn_store_create_todo (a.store, list, "milk", NULL, NULL, &error));
  g_assert_no_error (error);
  sync_once (&a);
  g_assert_cmpuint (cairn_fault_vfs_get_sync_count (), >, 0);
  cairn_fault_vfs_power_cut ();
  cairn_test_device_close (&a);
  g_assert_cmpuint (cairn_fault_vfs_reboot (0), >, 0);   /* something was lost … */

  cairn_test_device_open (&a, dir, "a", server);
  g_assert_cmpint (count_titled (a.store, "milk"), ==, 1);   /* … but not the change */
  g_free (cairn_store_create_todo (a.store, list, "bread", NULL, NULL, &error));
  g_assert_no_error (error);
  sync_once (&a);
  g_assert_cmpuint (cairn_store_get_pending_count (a.store), ==, 0);
  cairn_test_device_open (&b, dir, "b", server);
  sync_once (&b);
  dump_b = same_state (&a, &b);
  g_assert_cmpint (count_titled (b.store, "milk"), ==, 1);
  g_assert_cmpint (count_titled (b.store, "bread"), ==, 1);

  finish (server, &a, &b, dir);
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *bytes = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (from, &bytes, &len, &error));
  g_assert_true (g_file_set_contents (to, bytes, len, &error));
  g_assert_no_error (error);
}

/* The device's workspace file is put back from an older copy (a backup),
 * so the server holds a change of this device that the device lost; the
 * next change may take its client seq. After a sync both changes are on
 * the server and on every device (the store renumbers the outbox, the
 * sync core applies the lost change instead of taking it for a server
 * restore). */
static void
test_device_file_restored (gconstpointer data)
{
  gboolean change_after = GPOINTER_TO_INT (data);
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = fault_test_tmpdir ();
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL, *dump_b = NULL;
  g_autofree char *path = NULL, *backup = NULL, *wal = NULL, *shm = NULL;
  CairnTestDevice a = { 0 }, b = { 0 };

  start_server (server, NULL);
  cairn_test_device_open (&a, dir, "a", server);
  list = cairn_store_create_list (a.store, "Groceries", &error);
  g_assert_no_error (error);
  sync_once (&a);
  path = g_strdup (cairn_store_get_path (a.store));
  backup = g_strconcat (path, ".backup", NULL);
  wal = g_strconcat (path, "-wal", NULL);
  shm = g_strconcat (path, "-shm", NULL);
  cairn_test_device_close (&a);            /* checkpointed: the file is whole */
  copy_file (path, backup);

  cairn_test_device_open (&a, dir, "a", server);
  g_free (cairn_store_create_todo (a.store, list, "milk", NULL, NULL, &error));
  g_assert_no_error (error);
  sync_once (&a);
  g_assert_cmpuint (cairn_store_get_pending_count (a.store), ==, 0);
  cairn_test_device_close (&a);
  copy_file (backup, path);
  g_unlink (wal);
  g_unlink (shm);

  cairn_test_device_open (&a, dir, "a", server);
  g_assert_cmpint (count_titled (a.store, "milk"), ==, 0);
  if (change_after)
    {
      g_free (cairn_store_create_todo (a.store, list, "bread", NULL, NULL, &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < 3 && (i == 0 || cairn_store_get_pending_count (a.store) > 0 ||
                              count_titled (a.store, "milk") == 0); i++)
    sync_once (&a);   /* a renumbered change goes out in the next round */
  g_assert_cmpuint (cairn_store_get_pending_count (a.store), ==, 0);
  g_assert_cmpint (count_titled (a.store, "milk"), ==, 1);
  g_assert_cmpint (count_titled (a.store, "bread"), ==, change_after ? 1 : 0);

  cairn_test_device_open (&b, dir, "b", server);
  sync_once (&b);
  dump_b = same_state (&a, &b);

  finish (server, &a, &b, dir);
}

static void
type_into (CairnStore *store,
           const char *note,
           const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) replica = cairn_store_load_note_text (store, note, &error);
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

  g_assert_no_error (error);
  g_assert_true (cairn_text_insert (replica, cairn_text_get_length (replica), text, -1, ops, &error));
  g_assert_true (cairn_store_edit_note (store, note, ops, &error));
  g_assert_no_error (error);
}

/* The same for typing: had the pushed commit been lost, the next typing
 * would have taken its text operations' ids (text client id, counter)
 * again, and the devices' texts would differ. */
static void
test_power_loss_after_typing (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = fault_test_tmpdir ();
  g_autoptr(GError) error = NULL;
  g_autofree char *note = NULL, *dump_b = NULL;
  CairnTestDevice a = { 0 }, b = { 0 };

  start_server (server, NULL);
  cairn_test_device_open (&a, dir, "a", server);
  note = cairn_store_create_note (a.store, "Diary", &error);
  g_assert_no_error (error);
  type_into (a.store, note, "Dear diary. ");
  sync_once (&a);
  cairn_test_device_close (&a);
  cairn_test_device_open (&a, dir, "a", server);

  cairn_fault_vfs_reset ();
  type_into (a.store, note, "Lost words. ");
  sync_once (&a);
  cairn_fault_vfs_power_cut ();
  cairn_test_device_close (&a);
  cairn_fault_vfs_reboot (0);

  cairn_test_device_open (&a, dir, "a", server);
  g_assert_cmpuint (cairn_store_get_pending_count (a.store), <=, 1);
  type_into (a.store, note, "New words.");
  for (guint i = 0; i < 3; i++)
    sync_once (&a);
  g_assert_cmpuint (cairn_store_get_pending_count (a.store), ==, 0);
  cairn_test_device_open (&b, dir, "b", server);
  sync_once (&b);
  dump_b = same_state (&a, &b);
  g_assert_nonnull (strstr (dump_b, "Dear diary. Lost words. New words."));

  finish (server, &a, &b, dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cairn_fault_vfs_install ();
  g_test_add_func ("/fault/sync/server-disk-full", test_server_disk_full);
  g_test_add_func ("/fault/sync/device-disk-full", test_device_disk_full);
  g_test_add_func ("/fault/sync/power-loss-after-push", test_power_loss_after_push);
  g_test_add_data_func ("/fault/sync/device-file-restored/new-change", GINT_TO_POINTER (TRUE),
                        test_device_file_restored);
  g_test_add_data_func ("/fault/sync/device-file-restored/no-change", GINT_TO_POINTER (FALSE),
                        test_device_file_restored);
  g_test_add_func ("/fault/sync/power-loss-after-typing", test_power_loss_after_typing);
  return g_test_run ();
}

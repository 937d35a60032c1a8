/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync-bootstrap.c: a new device starts from the server's snapshot
 * (issue 17): `cairn-server snapshot WS` makes one, a second device's
 * first sync loads it and pulls only what came after, and ends with the
 * state of the device that has the whole log. */
#include "config.h"

#include <string.h>

#include "cairn-snapshot.h"
#include "cairn-test-device.h"
#include "cairn-test-util.h"

#define PASSWORD CAIRN_TEST_DEVICE_PASSWORD

static void
sync_once (CairnTestDevice *d)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  cairn_sync_engine_sync_async (d->engine, NULL, cairn_test_got_result, &result);
  g_assert_true (cairn_sync_engine_sync_finish (d->engine, cairn_test_wait_result (&result), &error));
  g_assert_no_error (error);
}

static char *
run_server_command (CairnTestServer    *server,
                    const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;

  g_ptr_array_add (argv, server->binary);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  /* --data DIR, or --database URI under with-postgres.sh */
  g_ptr_array_add (argv, (gpointer) server->store_option);
  g_ptr_array_add (argv, server->store);
  g_ptr_array_add (argv, NULL);
  p = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (p));
  return out;
}

static gint64
log_rows (CairnStore *store)
{
  g_autoptr(GPtrArray) log = cairn_store_list_log (store, 0, 0, NULL);

  return log->len;
}

static gint64 target_head;

/* c has every event up to target_head (its own Inbox comes on top). */
static gboolean
c_caught_up (gpointer data)
{
  CairnTestDevice *c = data;

  return cairn_store_get_head (c->store) >= target_head;
}

static void
test_bootstrap (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = g_dir_make_tmp ("cairn-bootstrap-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;
  g_autofree char *workspaces = NULL;
  g_autofree char *made = NULL;
  g_autofree char *dump_a = NULL, *dump_b = NULL;
  g_auto(GStrv) fields = NULL;
  g_autoptr(CairnSnapshotInfo) info = NULL;
  CairnTestDevice a = { 0 }, b = { 0 };

  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", PASSWORD);
  cairn_test_device_open (&a, dir, "a", server);

  list = cairn_store_create_list (a.store, "Groceries", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *title = g_strdup_printf ("Item %u", i);
      g_autofree char *id = cairn_store_create_todo (a.store, list, title, NULL, NULL, &error);

      g_assert_no_error (error);
    }
  sync_once (&a);

  /* cairn-server snapshot WORKSPACE, while the server runs */
  {
    const char *args[] = { "workspace", "list", NULL };

    workspaces = run_server_command (server, args);
    fields = g_strsplit (workspaces, "\t", 2);
  }
  {
    const char *args[] = { "snapshot", fields[0], NULL };

    made = run_server_command (server, args);
    g_assert_nonnull (strstr (made, "Snapshot of workspace"));
  }

  /* more after it */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *title = g_strdup_printf ("Later %u", i);
      g_autofree char *id = cairn_store_create_todo (a.store, list, title, NULL, NULL, &error);

      g_assert_no_error (error);
    }
  sync_once (&a);

  /* a new device: its first sync starts from the snapshot */
  cairn_test_device_open (&b, dir, "b", server);
  sync_once (&b);
  info = cairn_store_dup_snapshot_info (b.store, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  /* (b pushed its Inbox first, which a takes now) */
  sync_once (&a);
  g_assert_cmpint (cairn_store_get_head (b.store), ==, cairn_store_get_head (a.store));
  /* its log: the snapshot's event, then only what came after it */
  g_assert_cmpint (log_rows (b.store), ==, cairn_store_get_head (b.store) - info->seq + 1);
  g_assert_cmpint (log_rows (b.store), <=, 7);
  g_assert_cmpint (log_rows (a.store), >, 30);
  dump_a = cairn_store_dump_state (a.store, &error);
  dump_b = cairn_store_dump_state (b.store, &error);
  g_assert_cmpstr (dump_a, ==, dump_b);

  /* history from before its log: the list's events, fetched on demand */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) history = NULL;

    cairn_sync_engine_fetch_history_async (b.engine, list, info->seq, NULL, cairn_test_got_result, &result);
    history = cairn_sync_engine_fetch_history_finish (b.engine, cairn_test_wait_result (&result), &error);
    g_assert_no_error (error);
    /* list.created, then the todo.created that name it, up to the one
     * at the snapshot's seq, which b's log has (its first row) */
    g_assert_cmpuint (history->len, ==, 30);
    g_assert_cmpstr (((CairnEvent *) history->pdata[0])->name, ==, "list.created");
    g_assert_cmpint (((CairnEvent *) history->pdata[29])->seq, ==, info->seq - 1);
  }

  /* and it goes on syncing as any device */
  g_free (cairn_store_create_list (b.store, "From B", &error));
  g_assert_no_error (error);
  sync_once (&b);
  sync_once (&a);
  g_clear_pointer (&dump_a, g_free);
  g_clear_pointer (&dump_b, g_free);
  dump_a = cairn_store_dump_state (a.store, &error);
  dump_b = cairn_store_dump_state (b.store, &error);
  g_assert_cmpstr (dump_a, ==, dump_b);
  g_assert_nonnull (strstr (dump_a, "From B"));

  /* A new device in continuous sync (the app's way): it too starts from
   * the snapshot, then follows the live stream. */
  {
    g_autoptr(CairnSnapshotInfo) info_c = NULL;
    CairnTestDevice c = { 0 };
    g_autofree char *dump_c = NULL;

    target_head = cairn_store_get_head (a.store);
    cairn_test_device_open (&c, dir, "c", server);
    cairn_sync_engine_start (c.engine);
    g_assert_true (cairn_test_loop_until (c_caught_up, &c, 20));
    info_c = cairn_store_dup_snapshot_info (c.store, &error);
    g_assert_no_error (error);
    g_assert_nonnull (info_c);
    g_assert_cmpint (info_c->seq, ==, info->seq);
    /* and an event pushed now arrives over the stream */
    g_free (cairn_store_create_list (a.store, "After C", &error));
    g_assert_no_error (error);
    sync_once (&a);
    target_head = cairn_store_get_head (a.store);
    g_assert_true (cairn_test_loop_until (c_caught_up, &c, 20));
    cairn_sync_engine_stop (c.engine);
    sync_once (&a);   /* c's Inbox */
    g_clear_pointer (&dump_a, g_free);
    dump_a = cairn_store_dump_state (a.store, &error);
    dump_c = cairn_store_dump_state (c.store, &error);
    g_assert_cmpstr (dump_a, ==, dump_c);
    cairn_test_device_close (&c);
  }

  cairn_test_device_close (&a);
  cairn_test_device_close (&b);
  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
}

int
main (int argc, char *argv[])
{
  /* Tokens kept in a file: no keyring (and no prompt that
   * waits for ever) under the tests' dbus-run-session. */
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync/bootstrap-from-snapshot", test_bootstrap);

  return g_test_run ();
}

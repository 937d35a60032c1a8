/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-idle.c: what a signed-in app's sync engine costs while nobody
 * does anything, against the real cairn-server over loopback, as one JSON
 * line: CPU time of this process and of the server, live-stream reconnects,
 * changes of the sync state, and rewrites of profile.ini, over real time
 * (the engine's own 30 s check included).
 *
 * Usage: cairn-bench-idle [--quick | SECONDS]   (default 120 s, --quick
 * 35 s; CAIRN_BUILD_ROOT must point at the build folder, as
 * `meson test --benchmark` sets it).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cairn-sync-engine-test.h"
#include "cairn-test-device.h"
#include "cairn-test-util.h"

#include "bench-util.h"

#define PASSWORD CAIRN_TEST_DEVICE_PASSWORD

static gboolean
is_up_to_date (gpointer data)
{
  CairnTestDevice *d = data;
  return cairn_sync_status_get_state (cairn_sync_engine_get_status (d->engine))
         == CAIRN_SYNC_STATE_UP_TO_DATE;
}

static void
count (GObject    *object,
       GParamSpec *pspec,
       guint      *counter)
{
  (*counter)++;
}

static char *
ini_stamp (CairnTestDevice *d)
{
  g_autofree char *path = g_build_filename (cairn_profile_get_dir (d->profile), "profile.ini", NULL);
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return g_strdup ("");
  return g_strdup_printf ("%lu:%ld.%09ld", (gulong) st.st_ino, (long) st.st_mtim.tv_sec,
                          (long) st.st_mtim.tv_nsec);
}

static gboolean
time_up (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Samples profile.ini once a second: how often it was replaced. */
typedef struct
{
  CairnTestDevice *device;
  char            *stamp;
  guint            rewrites;
} IniWatch;

static gboolean
watch_ini (gpointer data)
{
  IniWatch *w = data;
  g_autofree char *now = ini_stamp (w->device);

  if (g_strcmp0 (now, w->stamp) != 0)
    {
      w->rewrites++;
      g_free (w->stamp);
      w->stamp = g_steal_pointer (&now);
    }
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char *argv[])
{
  gboolean quick = argc > 1 && g_strcmp0 (argv[1], "--quick") == 0;
  guint seconds = quick ? 35 : (argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 120);
  g_autofree char *dir = g_dir_make_tmp ("cairn-bench-idle-XXXXXX", NULL);
  CairnTestServer *server;
  CairnTestDevice a = { 0 };
  IniWatch watch = { &a, NULL, 0 };
  guint state_changes = 0, watch_id;
  gboolean done = FALSE;
  double cpu0, server0;
  gint64 t0;

  g_setenv ("CAIRN_TOKEN_STORE", "file", TRUE);
  server = cairn_test_server_new ();
  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", PASSWORD);
  cairn_test_device_open (&a, dir, "idle", server);
  for (guint i = 0; i < 100; i++)
    g_free (cairn_store_create_list (a.store, "A list", NULL));

  cairn_sync_engine_start (a.engine);
  if (!cairn_test_loop_until (is_up_to_date, &a, 30))
    g_error ("the engine did not get up to date");
  /* Settle: the first write of last-sync happens now, not while idle. */
  cairn_test_loop_until (time_up, &done, 2);

  watch.stamp = ini_stamp (&a);
  watch_id = g_timeout_add_seconds (1, watch_ini, &watch);
  g_signal_connect (cairn_sync_engine_get_status (a.engine), "notify::state",
                    G_CALLBACK (count), &state_changes);
  cpu0 = bench_process_cpu_seconds ();
  server0 = bench_pid_cpu_seconds (g_subprocess_get_identifier (server->proc));
  t0 = g_get_monotonic_time ();
  done = FALSE;
  g_timeout_add_seconds (seconds, time_up, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);

  g_print ("{\"bench\":\"sync-idle\",\"seconds\":%.1f,\"client_cpu_s\":%.3f,"
           "\"server_cpu_s\":%.3f,\"reconnects\":%u,\"state_changes\":%u,"
           "\"profile_ini_rewrites\":%u}\n",
           (g_get_monotonic_time () - t0) / 1e6, bench_process_cpu_seconds () - cpu0,
           bench_pid_cpu_seconds (g_subprocess_get_identifier (server->proc)) - server0,
           _cairn_sync_engine_get_connect_count (a.engine) - 1, state_changes, watch.rewrites);

  g_source_remove (watch_id);
  g_signal_handlers_disconnect_by_func (cairn_sync_engine_get_status (a.engine), count,
                                        &state_changes);
  g_free (watch.stamp);
  cairn_test_device_close (&a);
  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
  return 0;
}

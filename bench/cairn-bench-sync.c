/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-sync.c: sync over loopback with the real cairn-server, as JSON
 * lines: edit-to-other-device latency (p50/p99), catch-up of a new device,
 * and a device returning with pending events over new remote ones.
 *
 * Usage: cairn-bench-sync [--quick]   (CAIRN_BUILD_ROOT must point at the
 * build folder, as `meson test --benchmark` sets it).
 */
#define _GNU_SOURCE   /* RUSAGE_THREAD */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cairn-test-device.h"
#include "cairn-test-util.h"

#include "bench-util.h"

/* The devices sign in with cairn_test_device_open(). */
#define PASSWORD CAIRN_TEST_DEVICE_PASSWORD

typedef CairnTestDevice Device;

static void
device_sync (Device *d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  cairn_sync_engine_sync_async (d->engine, NULL, cairn_test_got_result, &result);
  if (!cairn_sync_engine_sync_finish (d->engine, cairn_test_wait_result (&result), &error))
    g_error ("sync: %s", error->message);
}

static int
cmp_gint64 (gconstpointer a,
            gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : (x > y);
}

typedef struct
{
  const char *list_id;
  gboolean    seen;
} Waiting;

static void
on_changed (CairnStore *store,
            gpointer    changes,
            Waiting    *w)
{
  CairnChanges *c = changes;

  if (w->list_id != NULL && (c->reset || g_hash_table_contains (c->lists, w->list_id)))
    w->seen = TRUE;
}

/* One device renames a list; how long until the other's store has it. */
static void
bench_latency (CairnTestServer *server,
               const char      *dir,
               guint            samples)
{
  g_autoptr(GArray) lat = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;
  Device a = { 0 }, b = { 0 };
  Waiting w = { 0 };
  gulong id;

  cairn_test_device_open (&a, dir, "lat-a", server);
  cairn_test_device_open (&b, dir, "lat-b", server);
  list = cairn_store_create_list (a.store, "Latency", &error);
  g_assert_no_error (error);
  device_sync (&a);
  device_sync (&b);
  cairn_sync_engine_start (a.engine);
  cairn_sync_engine_start (b.engine);
  /* Let both streams settle. */
  for (gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC; g_get_monotonic_time () < until;)
    g_main_context_iteration (NULL, FALSE);

  id = g_signal_connect (b.store, "changed", G_CALLBACK (on_changed), &w);
  for (guint i = 0; i < samples; i++)
    {
      g_autofree char *title = g_strdup_printf ("Latency %u", i);
      gint64 start, elapsed;
      gint64 deadline;

      w.list_id = list;
      w.seen = FALSE;
      start = g_get_monotonic_time ();
      g_assert_true (cairn_store_rename_list (a.store, list, title, &error));
      deadline = start + 5 * G_USEC_PER_SEC;
      while (!w.seen && g_get_monotonic_time () < deadline)
        g_main_context_iteration (NULL, TRUE);
      g_assert_true (w.seen);
      elapsed = g_get_monotonic_time () - start;
      g_array_append_val (lat, elapsed);
    }
  g_signal_handler_disconnect (b.store, id);
  g_array_sort (lat, cmp_gint64);
  g_print ("{\"bench\":\"sync-edit-latency\",\"samples\":%u,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
           "\"max_ms\":%.3f,\"target_p50_ms\":5,\"target_p99_ms\":20}\n",
           samples,
           g_array_index (lat, gint64, lat->len / 2) / 1000.0,
           g_array_index (lat, gint64, (lat->len * 99) / 100) / 1000.0,
           g_array_index (lat, gint64, lat->len - 1) / 1000.0);
  cairn_sync_engine_stop (a.engine);
  cairn_sync_engine_stop (b.engine);
  cairn_test_device_close (&a);
  cairn_test_device_close (&b);
}

/* With CAIRN_BENCH_PERF_CTL=FIFO, writes "enable" or "disable" to that
 * FIFO, to profile the catch-up alone:
 *   mkfifo /tmp/ctl; CAIRN_BENCH_PERF_CTL=/tmp/ctl perf record -D -1 \
 *     --control fifo:/tmp/ctl -g … cairn-bench-sync */
static void
perf_control (const char *command)
{
  const char *path = g_getenv ("CAIRN_BENCH_PERF_CTL");
  FILE *f;

  if (path == NULL || (f = fopen (path, "w")) == NULL)
    return;
  fprintf (f, "%s\n", command);
  fclose (f);
}

/* CPU seconds (user + system) the calling thread has used: the main
 * thread's share of a catch-up (the pipeline's thread is the rest). */
static double
thread_cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_THREAD, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
bench_catch_up (CairnTestServer *server,
                const char      *dir,
                guint            n)
{
  g_autofree char *token = cairn_test_login (server, "ann", PASSWORD, "seeder");
  g_autofree char *ws = cairn_test_personal_ws (server, token);
  Device d = { 0 };
  gint64 start, elapsed;
  gint64 base_head;
  double client_cpu, main_cpu, server_cpu;

  cairn_test_device_open (&d, dir, "catch-up-probe", server);
  device_sync (&d);
  base_head = cairn_store_get_head (d.store);
  cairn_test_device_close (&d);

  cairn_test_seed_todos (server, token, ws, 100, n);

  cairn_test_device_open (&d, dir, "catch-up", server);
  client_cpu = bench_process_cpu_seconds ();
  main_cpu = thread_cpu_seconds ();
  server_cpu = bench_pid_cpu_seconds (g_subprocess_get_identifier (server->proc));
  perf_control ("enable");
  start = g_get_monotonic_time ();
  device_sync (&d);
  elapsed = g_get_monotonic_time () - start;
  perf_control ("disable");
  client_cpu = bench_process_cpu_seconds () - client_cpu;
  main_cpu = thread_cpu_seconds () - main_cpu;
  server_cpu = server_cpu >= 0 ? bench_pid_cpu_seconds (g_subprocess_get_identifier (server->proc)) - server_cpu : -1;
  /* + the new device's own Inbox, made as it opened (a no-op on every
   * replica, as the workspace has one, but an event all the same) */
  g_assert_cmpint (cairn_store_get_head (d.store), ==, base_head + n + 1);
  g_print ("{\"bench\":\"sync-catch-up\",\"events\":%u,\"seconds\":%.3f,"
           "\"events_per_s\":%.0f,\"client_cpu_s\":%.3f,\"client_main_cpu_s\":%.3f,"
           "\"server_cpu_s\":%.3f,\"target_seconds_for_100000\":5}\n",
           n, elapsed / 1e6, n / (elapsed / 1e6), client_cpu, main_cpu, server_cpu);
  cairn_test_device_close (&d);
}

/* A device comes back with `n` pending events while `n` new ones wait on
 * the server. */
static void
bench_return (CairnTestServer *server,
              const char      *dir,
              guint            n)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;
  Device a = { 0 }, b = { 0 };
  gint64 start, elapsed;

  cairn_test_device_open (&a, dir, "ret-a", server);
  cairn_test_device_open (&b, dir, "ret-b", server);
  device_sync (&a);
  list = cairn_store_create_list (a.store, "Return", &error);
  device_sync (&a);
  device_sync (&b);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *title = g_strdup_printf ("remote %u", i);
      g_free (cairn_store_create_todo (a.store, list, title, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  device_sync (&a);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *title = g_strdup_printf ("local %u", i);
      g_free (cairn_store_create_todo (b.store, list, title, NULL, NULL, &error));
      g_assert_no_error (error);
    }

  start = g_get_monotonic_time ();
  device_sync (&b);
  elapsed = g_get_monotonic_time () - start;
  g_assert_cmpuint (cairn_store_get_pending_count (b.store), ==, 0);
  g_print ("{\"bench\":\"sync-return\",\"pending\":%u,\"remote\":%u,\"seconds\":%.3f,"
           "\"target_seconds\":1}\n", n, n, elapsed / 1e6);
  cairn_test_device_close (&a);
  cairn_test_device_close (&b);
}

int
main (int argc, char *argv[])
{
  gboolean quick = argc > 1 && g_strcmp0 (argv[1], "--quick") == 0;
  g_autofree char *dir = g_dir_make_tmp ("cairn-bench-sync-XXXXXX", NULL);
  CairnTestServer *server;

  g_setenv ("CAIRN_TOKEN_STORE", "file", TRUE);
  server = cairn_test_server_new ();
  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", PASSWORD);

  if (g_getenv ("CAIRN_BENCH_ONLY_CATCH_UP") == NULL)
    {
      bench_latency (server, dir, quick ? 20 : 500);
      bench_return (server, dir, quick ? 100 : 1000);
    }
  bench_catch_up (server, dir, quick ? 2000 :
                  (guint) g_ascii_strtoull (g_getenv ("CAIRN_BENCH_CATCH_UP_EVENTS") ?
                                            g_getenv ("CAIRN_BENCH_CATCH_UP_EVENTS") : "100000",
                                            NULL, 10));

  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
  return 0;
}

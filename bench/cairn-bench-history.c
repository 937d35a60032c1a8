/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-history.c: an object's history and the activity since a
 * point over a large log, as JSON lines (BENCHMARKS.md, "History").
 *
 * Usage: cairn-bench-history [N-EVENTS] (default 1000000). The log is
 * written straight into the log table in one transaction (its triggers
 * keep the index by object id, as they do for synced events): one todo
 * created, then renamed 9,999 times spread evenly through the log, the
 * other events renames of 10,000 other todos by two other devices.
 * Printed: how long writing the log took, cairn_store_get_history() of the
 * todo with 10,000 changes, and cairn_store_get_activity() since 1,000
 * events before the head (p50 and p99 of 50 runs each). */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cairn-store-history.h"
#include "cairn-store-private.h"

#include "bench-util.h"

#define N_OBJECT_CHANGES 10000
#define N_OTHERS 10000
#define N_RUNS 50

static double
percentile (GArray *us,
            double  p)
{
  guint i;

  g_array_sort (us, bench_cmp_gint64);
  i = (guint) (p * (us->len - 1) + 0.5);
  return g_array_index (us, gint64, i) / 1000.0;
}

static void
fill_log (CairnStore *store,
          gint64      n_events,
          char       *target)
{
  sqlite3 *db = _cairn_store_get_db (store);
  sqlite3_stmt *st = NULL;
  gint64 every = n_events / N_OBJECT_CHANGES;
  gint64 own_seq = 0, other_seq[2] = { 0, 0 };
  static const char * const clients[] = {
    "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0", "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0",
  };
  static const char * const devices[] = { "laptop", "phone", "tablet" };
  static const char * const users[] = { "ann", "bob", "ann" };

  bench_check_sqlite (db, sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), "begin");
  bench_check_sqlite (db, sqlite3_prepare_v2 (db, "INSERT INTO log (seq, client_id, client_seq, name, version, args, "
                                              "created_at, device, user_name, chain, skipped) "
                                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)", -1, &st, NULL), "prepare");
  for (gint64 seq = 1; seq <= n_events; seq++)
    {
      g_autofree char *args = NULL;
      const char *name = "todo.renamed";
      guint who;
      gint64 client_seq;

      if (seq % every == 1 || every == 1)
        {
          who = 0;
          client_seq = ++own_seq;
          if (client_seq == 1)
            {
              name = "todo.created";
              args = g_strdup_printf ("{\"list_id\":\"01890a5d-ac96-774b-bcce-b30209900001\",\"position\":\"V\","
                                      "\"title\":\"Change 0\",\"todo_id\":\"%s\"}", target);
            }
          else
            args = g_strdup_printf ("{\"title\":\"Change %" G_GINT64_FORMAT "\",\"todo_id\":\"%s\"}",
                                    client_seq, target);
        }
      else
        {
          who = 1 + (guint) (seq % 2);
          client_seq = ++other_seq[who - 1];
          args = g_strdup_printf ("{\"title\":\"Other %" G_GINT64_FORMAT "\",\"todo_id\":"
                                  "\"01890a5d-ac96-774b-bcce-%012" G_GINT64_MODIFIER "x\"}",
                                  seq, seq % N_OTHERS);
        }
      sqlite3_bind_int64 (st, 1, seq);
      sqlite3_bind_text (st, 2, clients[who], -1, SQLITE_STATIC);
      sqlite3_bind_int64 (st, 3, client_seq);
      sqlite3_bind_text (st, 4, name, -1, SQLITE_STATIC);
      sqlite3_bind_int (st, 5, 1);
      sqlite3_bind_text (st, 6, args, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (st, 7, 1764000000000 + seq * 1000);
      sqlite3_bind_text (st, 8, devices[who], -1, SQLITE_STATIC);
      sqlite3_bind_text (st, 9, users[who], -1, SQLITE_STATIC);
      bench_check_sqlite (db, sqlite3_step (st), "insert");
      sqlite3_reset (st);
    }
  sqlite3_finalize (st);
  bench_check_sqlite (db, sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), "commit");
  if (own_seq != N_OBJECT_CHANGES)
    g_error ("wrote %" G_GINT64_FORMAT " changes of the todo, not %d", own_seq, N_OBJECT_CHANGES);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cairn-bench-history-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(GArray) history_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) activity_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) history_cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) activity_cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 n_events = argc > 1 ? g_ascii_strtoll (argv[1], NULL, 10) : 1000000;
  char target[] = "01890a5d-ac96-774b-bcce-ffffffffffff";
  gint64 t0, c0;
  guint n_history = 0, n_activity = 0;

  g_assert_no_error (error);
  if (n_events < N_OBJECT_CHANGES)
    g_error ("at least %d events", N_OBJECT_CHANGES);
  path = g_build_filename (dir, "workspace.db", NULL);
  store = cairn_store_open (path, &error);
  g_assert_no_error (error);

  /* What the index costs the writer: the same log into a store without
   * its triggers (BENCH_NO_INDEX=1), nothing else measured then. */
  if (g_getenv ("BENCH_NO_INDEX") != NULL)
    g_assert_true (_cairn_store_exec (store, "DROP TRIGGER log_objects_add", &error));
  t0 = g_get_monotonic_time ();
  c0 = bench_thread_cpu_us ();
  fill_log (store, n_events, target);
  printf ("{\"bench\":\"history\",\"what\":\"write log\",\"index\":%s,\"events\":%" G_GINT64_FORMAT
          ",\"ms\":%.0f,\"cpu_ms\":%.0f}\n", g_getenv ("BENCH_NO_INDEX") != NULL ? "false" : "true",
          n_events, (g_get_monotonic_time () - t0) / 1000.0, (bench_thread_cpu_us () - c0) / 1000.0);

  for (guint i = 0; g_getenv ("BENCH_NO_INDEX") == NULL && i < N_RUNS; i++)
    {
      g_autoptr(GPtrArray) h = NULL;
      g_autoptr(GPtrArray) a = NULL;
      gint64 t, c;

      t = g_get_monotonic_time ();
      c = bench_thread_cpu_us ();
      h = cairn_store_get_history (store, target, &error);
      g_assert_no_error (error);
      c = bench_thread_cpu_us () - c;
      t = g_get_monotonic_time () - t;
      g_array_append_val (history_us, t);
      g_array_append_val (history_cpu, c);
      n_history = h->len;

      t = g_get_monotonic_time ();
      c = bench_thread_cpu_us ();
      a = cairn_store_get_activity (store, n_events - 1000, &error);
      g_assert_no_error (error);
      c = bench_thread_cpu_us () - c;
      t = g_get_monotonic_time () - t;
      g_array_append_val (activity_us, t);
      g_array_append_val (activity_cpu, c);
      n_activity = a->len;
    }
  if (g_getenv ("BENCH_NO_INDEX") != NULL)
    return 0;
  if (n_history != N_OBJECT_CHANGES)
    g_error ("history has %u entries, not %d", n_history, N_OBJECT_CHANGES);
  printf ("{\"bench\":\"history\",\"what\":\"history of one todo\",\"log\":%" G_GINT64_FORMAT
          ",\"changes\":%u,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"cpu_p50_ms\":%.2f,\"cpu_p99_ms\":%.2f,"
          "\"target_ms\":20}\n",
          n_events, n_history, percentile (history_us, 0.5), percentile (history_us, 0.99),
          percentile (history_cpu, 0.5), percentile (history_cpu, 0.99));
  printf ("{\"bench\":\"history\",\"what\":\"activity since 1000 events back\",\"log\":%" G_GINT64_FORMAT
          ",\"objects\":%u,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"cpu_p50_ms\":%.2f,\"cpu_p99_ms\":%.2f,"
          "\"target_ms\":10}\n",
          n_events, n_activity, percentile (activity_us, 0.5), percentile (activity_us, 0.99),
          percentile (activity_cpu, 0.5), percentile (activity_cpu, 0.99));

  g_clear_object (&store);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
    g_unlink (path);
    g_rmdir (dir);
  }
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-pool.c: cost of loading the pool and of one change, as JSON lines.
 *
 * Usage: cairn-bench-pool [N-TODOS] (default 100000). The todos are written
 * straight into the state tables of a temporary store in one transaction
 * (the pool reads only those; committing 100,000 events one by one would
 * measure the store, which cairn-bench-store does), at evenly spaced
 * position keys. Every change measured
 * afterwards is a real cairn_store_commit(); its pool cost is the time
 * between a ::changed handler connected before the pool's and one after.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn-pool.h"
#include "cairn-store-private.h"

#include "bench-util.h"

#define N_CHANGES 200

static gint64 handler_start;
static gint64 handler_end;

static void
before_pool (void)
{
  handler_start = g_get_monotonic_time ();
}

static void
after_pool (void)
{
  handler_end = g_get_monotonic_time ();
}

static long
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

static void
fill (CairnStore *store, const char *list_id, guint n, GPtrArray *ids)
{
  sqlite3 *db = _cairn_store_get_db (store);
  sqlite3_stmt *stmt = NULL;
  g_autofree char *pos = NULL;

  bench_check_sqlite (db, sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), "begin");
  bench_check_sqlite (db, sqlite3_prepare_v2 (db,
                        "INSERT INTO todos (id, list_id, title, position) VALUES (?1, ?2, ?3, ?4)",
                        -1, &stmt, NULL), "prepare");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = cairn_new_object_id ();
      g_autofree char *title = g_strdup_printf ("Todo number %u", i);
      static const char digits[] =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

      /* Evenly spaced keys of one length (base-62 i, then a non-zero
       * digit): appending 100,000 times with cairn_position_between()
       * would test the key generator, not the pool. */
      g_free (pos);
      pos = g_strdup_printf ("%c%c%cV", digits[(i / (62 * 62)) % 62],
                             digits[(i / 62) % 62], digits[i % 62]);
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, list_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, title, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, pos, -1, SQLITE_TRANSIENT);
      bench_check_sqlite (db, sqlite3_step (stmt), "insert");
      sqlite3_reset (stmt);
      g_ptr_array_add (ids, g_steal_pointer (&id));
    }
  sqlite3_finalize (stmt);
  bench_check_sqlite (db, sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), "commit");
}

static void
report_change (const char *op, GArray *pool_us, GArray *total_us, guint n_rows,
               guint n_items_changed)
{
  g_array_sort (pool_us, bench_cmp_gint64);
  g_array_sort (total_us, bench_cmp_gint64);
  printf ("{\"bench\":\"pool_change\",\"op\":\"%s\",\"rows\":%u,\"n\":%u,"
          "\"pool_p50_us\":%" G_GINT64_FORMAT ",\"pool_p99_us\":%" G_GINT64_FORMAT ","
          "\"commit_total_p50_us\":%" G_GINT64_FORMAT ",\"items_changed_signals\":%u}\n",
          op, n_rows, pool_us->len,
          g_array_index (pool_us, gint64, pool_us->len / 2),
          g_array_index (pool_us, gint64, (pool_us->len * 99) / 100),
          g_array_index (total_us, gint64, total_us->len / 2),
          n_items_changed);
}

static void
count_items_changed (GListModel *model, guint pos, guint removed, guint added, guint *n)
{
  (*n)++;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *list_id = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(CairnPool) pool = NULL;
  g_autoptr(GListModel) todos = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  guint n = argc > 1 ? (guint)strtoul (argv[1], NULL, 10) : 100000;
  const char *ops[] = { "rename", "complete", "move" };
  gint64 t0;
  long rss0;

  dir = g_dir_make_tmp ("cairn-bench-pool-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "bench.db", NULL);
  store = cairn_store_open (path, &error);
  g_assert_no_error (error);
  list_id = cairn_store_create_list (store, "Bench", &error);
  g_assert_no_error (error);
  fill (store, list_id, n, ids);

  g_signal_connect (store, "changed", G_CALLBACK (before_pool), NULL);
  rss0 = rss_kib ();
  t0 = g_get_monotonic_time ();
  pool = cairn_pool_new (store);
  printf ("{\"bench\":\"pool_load\",\"todos\":%u,\"ms\":%.1f,\"rss_delta_mib\":%.1f}\n",
          n, (g_get_monotonic_time () - t0) / 1000.0, (rss_kib () - rss0) / 1024.0);
  g_signal_connect (store, "changed", G_CALLBACK (after_pool), NULL);

  t0 = g_get_monotonic_time ();
  todos = cairn_pool_get_todos (pool, list_id);
  printf ("{\"bench\":\"pool_todo_model\",\"todos\":%u,\"ms\":%.1f}\n",
          g_list_model_get_n_items (todos), (g_get_monotonic_time () - t0) / 1000.0);

  for (guint o = 0; o < G_N_ELEMENTS (ops); o++)
    {
      g_autoptr(GArray) pool_us = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(GArray) total_us = g_array_new (FALSE, FALSE, sizeof (gint64));
      guint n_changed = 0;
      gulong handler = g_signal_connect (todos, "items-changed",
                                         G_CALLBACK (count_items_changed), &n_changed);

      for (guint i = 0; i < N_CHANGES; i++)
        {
          const char *id = g_ptr_array_index (ids, g_random_int_range (0, ids->len));
          gint64 start, pool_cost, total;
          gboolean ok;

          handler_start = handler_end = 0;
          start = g_get_monotonic_time ();

          if (o == 0)
            {
              g_autofree char *title = g_strdup_printf ("Renamed %u", i);
              ok = cairn_store_rename_todo (store, id, title, &error);
            }
          else if (o == 1)
            ok = cairn_store_set_todo_done (store, id,
                                            !cairn_todo_get_done (cairn_pool_lookup_todo (pool, id)),
                                            &error);
          else
            {
              const char *anchor = g_ptr_array_index (ids, g_random_int_range (0, ids->len));
              ok = anchor == id || cairn_store_move_todo (store, id, NULL, anchor, NULL, &error);
            }
          g_assert_no_error (error);
          g_assert_true (ok);
          total = g_get_monotonic_time () - start;
          if (handler_start == 0 || handler_end == 0)
            continue;  /* nothing changed (a move onto itself): no sample */
          pool_cost = handler_end - handler_start;
          g_array_append_val (pool_us, pool_cost);
          g_array_append_val (total_us, total);
        }
      g_signal_handler_disconnect (todos, handler);
      report_change (ops[o], pool_us, total_us, n, n_changed);
    }

  g_clear_object (&todos);
  g_clear_object (&pool);
  g_clear_object (&store);
  {
    const char *suffixes[] = { "", "-wal", "-shm" };
    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *f = g_strconcat (path, suffixes[i], NULL);
        g_remove (f);
      }
    g_rmdir (dir);
  }
  return 0;
}

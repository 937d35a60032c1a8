/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-store.c: store throughput and latency, rebase and rebuild
 * times, beside raw SQLite in the same mode. Prints JSON lines. */
#define _GNU_SOURCE  /* RUSAGE_THREAD */
#include "config.h"

#include <sys/resource.h>
#include <time.h>
#include <glib/gstdio.h>

#include "cairn-store.h"
#include "cairn-store-private.h"

#include "bench-util.h"

static void
report_cpu (const char *bench,
            GArray     *us)
{
  g_array_sort (us, bench_cmp_gint64);
  g_print ("{\"bench\":\"%s\",\"n\":%u,\"cpu_p50_us\":%" G_GINT64_FORMAT
           ",\"cpu_p99_us\":%" G_GINT64_FORMAT "}\n", bench, us->len,
           g_array_index (us, gint64, us->len / 2),
           g_array_index (us, gint64, us->len * 99 / 100));
}

static void
report_latencies (const char *bench,
                  GArray     *us,
                  gint64      total_us,
                  double     *per_sec_out)
{
  double per_sec;

  g_array_sort (us, bench_cmp_gint64);
  per_sec = us->len / (total_us / 1e6);
  g_print ("{\"bench\":\"%s\",\"n\":%u,\"per_sec\":%.0f,\"p50_us\":%" G_GINT64_FORMAT
           ",\"p99_us\":%" G_GINT64_FORMAT ",\"max_us\":%" G_GINT64_FORMAT "}\n",
           bench, us->len, per_sec,
           g_array_index (us, gint64, us->len / 2),
           g_array_index (us, gint64, us->len * 99 / 100),
           g_array_index (us, gint64, us->len - 1));
  if (per_sec_out != NULL)
    *per_sec_out = per_sec;
}

static void
check_rc (sqlite3    *db,
          int         rc,
          int         expected,
          const char *what)
{
  if (rc != expected)
    g_error ("%s: %s", what, sqlite3_errmsg (db));
}

typedef struct
{
  double per_sec;
  double cpu_mean_us;   /* thread CPU time per transaction */
} Throughput;

static double
mean_us (GArray *us)
{
  gint64 sum = 0;

  for (guint i = 0; i < us->len; i++)
    sum += g_array_index (us, gint64, i);
  return us->len > 0 ? (double) sum / us->len : 0;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_double);
  return g_array_index (values, double, values->len / 2);
}

/* The physical limit: one-row write transactions on a connection set up
 * exactly like the store's (cairn-store-schema.c: WAL, synchronous=NORMAL,
 * foreign keys, 16 MiB cache, busy timeout). */
static Throughput
bench_raw (const char *dir,
           guint       round,
           guint       n)
{
  g_autofree char *name = g_strdup_printf ("raw-%u.db", round);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GArray) us = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  g_autoptr(GArray) cpu = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  Throughput result;
  sqlite3 *db = NULL;
  sqlite3_stmt *begin, *insert, *commit;
  gint64 start;

  check_rc (db, sqlite3_open (path, &db), SQLITE_OK, "open");
  check_rc (db, sqlite3_exec (db, "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; "
                              "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; "
                              "PRAGMA cache_size = -16384;"
                              "CREATE TABLE t (id TEXT PRIMARY KEY, title TEXT NOT NULL, n INTEGER)",
                              NULL, NULL, NULL), SQLITE_OK, "setup");
  check_rc (db, sqlite3_prepare_v2 (db, "BEGIN IMMEDIATE", -1, &begin, NULL), SQLITE_OK, "prepare");
  check_rc (db, sqlite3_prepare_v2 (db, "INSERT INTO t VALUES (?, 'a title of some length', ?)",
                                    -1, &insert, NULL), SQLITE_OK, "prepare");
  check_rc (db, sqlite3_prepare_v2 (db, "COMMIT", -1, &commit, NULL), SQLITE_OK, "prepare");

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%08u-row", i);
      gint64 t0 = g_get_monotonic_time (), c0 = bench_thread_cpu_us (), dt, dc;

      check_rc (db, sqlite3_step (begin), SQLITE_DONE, "begin");
      sqlite3_reset (begin);
      sqlite3_bind_text (insert, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_int (insert, 2, i);
      check_rc (db, sqlite3_step (insert), SQLITE_DONE, "insert");
      sqlite3_reset (insert);
      check_rc (db, sqlite3_step (commit), SQLITE_DONE, "commit");
      sqlite3_reset (commit);
      dt = g_get_monotonic_time () - t0;
      dc = bench_thread_cpu_us () - c0;
      g_array_append_val (us, dt);
      g_array_append_val (cpu, dc);
    }
  report_latencies ("sqlite.raw_single_row_tx", us, g_get_monotonic_time () - start, &result.per_sec);
  result.cpu_mean_us = mean_us (cpu);
  report_cpu ("sqlite.raw_single_row_tx_cpu", cpu);

  sqlite3_finalize (begin);
  sqlite3_finalize (insert);
  sqlite3_finalize (commit);
  sqlite3_close (db);
  return result;
}

static CairnStore *
open_store (const char *dir,
            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  CairnStore *store = cairn_store_open (path, &error);

  if (store == NULL)
    g_error ("%s", error->message);
  return store;
}

/* A realistic mix of local mutations, each one committed transaction. */
static Throughput
bench_mutations (const char *dir,
                 guint       round,
                 guint       n)
{
  g_autofree char *name = g_strdup_printf ("mutations-%u.db", round);
  g_autoptr(CairnStore) store = open_store (dir, name);
  g_autoptr(GArray) us = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  g_autoptr(GPtrArray) todos = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *list = cairn_store_create_list (store, "Bench", &error);
  g_autoptr(GArray) cpu = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  gint64 start;
  Throughput result;

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      gint64 t0 = g_get_monotonic_time (), c0 = bench_thread_cpu_us (), dt, dc;
      gboolean ok = TRUE;

      if (i % 4 == 0 || todos->len == 0)
        {
          char *id = cairn_store_create_todo (store, list, "A todo of some length", NULL, NULL, &error);
          ok = id != NULL;
          if (ok)
            g_ptr_array_add (todos, id);
        }
      else if (i % 4 == 1)
        ok = cairn_store_rename_todo (store, todos->pdata[todos->len - 1], i % 8 ? "Renamed" : "Again", &error);
      else if (i % 4 == 2)
        ok = cairn_store_set_todo_done (store, todos->pdata[i % todos->len], i % 8 > 4, &error);
      else
        ok = cairn_store_set_todo_due (store, todos->pdata[i % todos->len], "2025-06-30", &error);
      if (!ok)
        g_error ("%s", error->message);
      dt = g_get_monotonic_time () - t0;
      dc = bench_thread_cpu_us () - c0;
      g_array_append_val (us, dt);
      g_array_append_val (cpu, dc);
    }
  report_latencies ("store.local_mutation", us, g_get_monotonic_time () - start, &result.per_sec);
  result.cpu_mean_us = mean_us (cpu);
  report_cpu ("store.local_mutation_cpu", cpu);
  return result;
}

static CairnEvent *
remote_event (const char *name,
              gint64      client_seq,
              gint64      seq,
              JsonObject *args)
{
  CairnEvent *event = cairn_event_new (name, 1, args);

  event->client_id = g_strdup ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  event->client_seq = client_seq;
  event->seq = seq;
  event->created_at = 1700000000000 + seq;
  return event;
}

/* n remote events: a list, then todos created in it and renamed. */
static GPtrArray *
remote_batch (gint64      first_seq,
              guint       n,
              const char *list_id,
              gboolean    create_list)
{
  GPtrArray *batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autofree char *last = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonObject) args = json_object_new ();
      const char *name;
      gint64 seq = first_seq + i;

      if (i == 0 && create_list)
        {
          name = "list.created";
          json_object_set_string_member (args, "list_id", list_id);
          json_object_set_string_member (args, "title", "Remote");
          json_object_set_string_member (args, "position", "V");
        }
      else if (i % 2 == 1 || last == NULL)
        {
          static const char digits[] = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
          char position[3] = { 'V', digits[i % 61], '\0' };

          g_free (last);
          last = cairn_new_object_id ();
          name = "todo.created";
          json_object_set_string_member (args, "todo_id", last);
          json_object_set_string_member (args, "list_id", list_id);
          json_object_set_string_member (args, "title", "Remote todo");
          json_object_set_string_member (args, "position", position);
        }
      else
        {
          name = "todo.renamed";
          json_object_set_string_member (args, "todo_id", last);
          json_object_set_string_member (args, "title", i % 4 ? "Renamed remotely" : "Again");
        }
      g_ptr_array_add (batch, remote_event (name, seq, seq, args));
    }
  return batch;
}

static void
bench_rebase (const char *dir,
              guint       n_pending,
              guint       n_incoming)
{
  g_autoptr(CairnStore) store = open_store (dir, "rebase.db");
  g_autoptr(GPtrArray) incoming = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *list_id = cairn_new_object_id ();
  g_autofree char *mine = NULL;
  g_autofree char *last = NULL;
  gint64 t0, dt, c0, dc;

  /* The remote list first, so our pending todos can live in it. */
  {
    g_autoptr(GPtrArray) base = remote_batch (1, 1, list_id, TRUE);
    if (!cairn_store_rebase (store, base, "bench", &error))
      g_error ("%s", error->message);
  }
  for (guint i = 0; i < n_pending; i++)
    {
      gboolean ok;

      if (i % 2 == 0)
        {
          g_free (last);
          last = cairn_store_create_todo (store, list_id, "Local todo", NULL, NULL, &error);
          ok = last != NULL;
        }
      else
        ok = cairn_store_rename_todo (store, last, "Local rename", &error);
      if (!ok)
        g_error ("%s", error->message);
    }

  incoming = remote_batch (2, n_incoming, list_id, FALSE);
  c0 = bench_thread_cpu_us ();
  t0 = g_get_monotonic_time ();
  if (!cairn_store_rebase (store, incoming, NULL, &error))
    g_error ("%s", error->message);
  dt = g_get_monotonic_time () - t0;
  dc = bench_thread_cpu_us () - c0;
  g_print ("{\"bench\":\"store.rebase\",\"pending\":%u,\"incoming\":%u,\"ms\":%.1f,"
           "\"cpu_ms\":%.1f}\n", n_pending, n_incoming, dt / 1000.0, dc / 1000.0);
}

/* User and system CPU time of this thread (ms): a rebuild's system time
 * is mostly writing the WAL and checkpointing it. */
static void
thread_times (double *user_ms,
              double *sys_ms)
{
  struct rusage ru;

  getrusage (RUSAGE_THREAD, &ru);
  *user_ms = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3;
  *sys_ms = ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
}

/* SQLite's page cache counters, per connection: pages read from the file
 * (misses), written (to the WAL), and written early because the cache was
 * full of dirty pages (spills). */
static const struct { int op; const char *name; } page_counters[] = {
  { SQLITE_DBSTATUS_CACHE_MISS, "pages_read" },
  { SQLITE_DBSTATUS_CACHE_WRITE, "pages_written" },
  { SQLITE_DBSTATUS_CACHE_SPILL, "pages_spilled" },
};

static void
bench_rebuild (const char *dir,
               guint       n_events)
{
  g_autoptr(CairnStore) store = open_store (dir, "rebuild.db");
  g_autoptr(GError) error = NULL;
  g_autofree char *list_id = cairn_new_object_id ();
  guint done = 0, chunk = 10000;
  gint64 t0, dt, c0, dc;
  double u0, s0, u1, s1;

  while (done < n_events)
    {
      guint n = MIN (chunk, n_events - done);
      g_autoptr(GPtrArray) batch = remote_batch (done + 1, n, list_id, done == 0);

      if (!cairn_store_rebase (store, batch, NULL, &error))
        g_error ("%s", error->message);
      done += n;
    }

  /* reset SQLite's page counters of this connection */
  for (guint i = 0; i < G_N_ELEMENTS (page_counters); i++)
    {
      int cur, hi;

      sqlite3_db_status (_cairn_store_get_db (store), page_counters[i].op, &cur, &hi, 1);
    }
  thread_times (&u0, &s0);
  c0 = bench_thread_cpu_us ();
  t0 = g_get_monotonic_time ();
  if (!cairn_store_rebuild (store, &error))
    g_error ("%s", error->message);
  dt = g_get_monotonic_time () - t0;
  dc = bench_thread_cpu_us () - c0;
  thread_times (&u1, &s1);
  g_print ("{\"bench\":\"store.rebuild\",\"events\":%u,\"ms\":%.1f,\"cpu_ms\":%.1f,"
           "\"user_ms\":%.0f,\"sys_ms\":%.0f,\"events_per_sec\":%.0f",
           n_events, dt / 1000.0, dc / 1000.0, u1 - u0, s1 - s0, n_events / (dt / 1e6));
  for (guint i = 0; i < G_N_ELEMENTS (page_counters); i++)
    {
      int cur = 0, hi;

      sqlite3_db_status (_cairn_store_get_db (store), page_counters[i].op, &cur, &hi, 0);
      g_print (",\"%s\":%d", page_counters[i].name, cur);
    }
  g_print ("}\n");
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  gboolean quick = FALSE;
  g_autofree char *only = NULL;
  int rebuild_events = 0;
  GOptionEntry entries[] = {
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick, "Tiny sizes, for a smoke run", NULL },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Run one of: mutation, rebase, rebuild", "NAME" },
    { "events", 0, 0, G_OPTION_ARG_INT, &rebuild_events, "Events in the rebuild (default 100000)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— store benchmarks (JSON lines)");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  guint scale;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  scale = quick ? 100 : 1;

  dir = g_dir_make_tmp ("cairn-bench-XXXXXX", &error);
  if (dir == NULL)
    g_error ("%s", error->message);

  if (only == NULL || g_str_equal (only, "mutation"))
    {
      /* Interleaved rounds, so that both sides see the same machine load;
       * the ratio is of the medians. cpu_ratio compares thread CPU time
       * per transaction, which other processes do not inflate. */
      guint rounds = quick ? 1 : 3;
      g_autoptr(GArray) raw = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) store = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) raw_cpu = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) store_cpu = g_array_new (FALSE, FALSE, sizeof (double));

      for (guint r = 0; r < rounds; r++)
        {
          Throughput a = bench_raw (dir, r, 5000 / scale);
          Throughput b = bench_mutations (dir, r, 5000 / scale);

          g_array_append_val (raw, a.per_sec);
          g_array_append_val (raw_cpu, a.cpu_mean_us);
          g_array_append_val (store, b.per_sec);
          g_array_append_val (store_cpu, b.cpu_mean_us);
        }
      g_print ("{\"bench\":\"store.mutation_vs_raw\",\"rounds\":%u,\"raw_per_sec\":%.0f,"
               "\"store_per_sec\":%.0f,\"ratio\":%.2f,\"raw_cpu_us\":%.1f,"
               "\"store_cpu_us\":%.1f,\"cpu_ratio\":%.2f}\n",
               rounds, median (raw), median (store), median (store) / median (raw),
               median (raw_cpu), median (store_cpu), median (raw_cpu) / median (store_cpu));
    }
  if (only == NULL || g_str_equal (only, "rebase"))
    bench_rebase (dir, 1000 / scale, 1000 / scale);
  if (only == NULL || g_str_equal (only, "rebuild"))
    bench_rebuild (dir, rebuild_events > 0 ? (guint) rebuild_events : 100000 / scale);

  remove_dir (dir);
  return 0;
}

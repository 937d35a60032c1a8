/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-views-ui.c: the window's start-up and its smart views over a
 * large workspace, as JSON lines (BENCHMARKS.md, "Sidebar views").
 *
 * The workspace is written straight into the state tables in one
 * transaction (as cairn-bench-search does), in a child process: N todos
 * (default 100,000) in 100 lists, one in ten a subtask, 3 tags each on
 * average out of 10, --dated percent of them (default 1) due within 30
 * days either side of today, and the Inbox. Then per run, in a fresh
 * process: GTK initialisation, store open, pool, window (showing the
 * first list, the sidebar with Today's count) and its first frame; the
 * resident memory half a second later; then the time from selecting
 * Today, and then Upcoming, to the next frame painted (the page shown
 * with its rows).
 * Usage: cairn-bench-views-ui [--todos N] [--dated PERCENT] [--runs N] [--keep PATH]
 * Needs a display (xvfb-run or Xvfb). */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cairn-store-private.h"
/* Under `valgrind --tool=callgrind` each phase is dumped on its own
 * (instructions do not depend on the machine's load); no-ops otherwise. */
#if defined(__has_include) && __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_DUMP_STATS_AT(name) do { } while (0)
#endif
#include "cairn-ui.h"
#include "cairn-window.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "bench-util.h"

#define N_LISTS 100
#define N_TAGS 10

static guint frames_painted;

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       data)
{
  frames_painted++;
}

static void
on_realize (GtkWidget *widget,
            gpointer   data)
{
  g_signal_connect (gtk_widget_get_frame_clock (widget), "after-paint",
                    G_CALLBACK (on_after_paint), NULL);
}

static char *
date_from_today (int days)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, days);

  return g_date_time_format (then, "%Y-%m-%d");
}

/* The first list's id. */
static char *
fill (const char *path,
      guint       n,
      guint       dated_percent)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) store = cairn_store_open (path, &error);
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (14);
  static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  sqlite3_stmt *todo = NULL, *tag = NULL, *list = NULL, *tagrow = NULL;
  sqlite3 *db;

  if (store == NULL || !cairn_store_ensure_inbox (store, &error))
    g_error ("Cannot create %s: %s", path, error->message);
  db = _cairn_store_get_db (store);
  bench_check_sqlite (db, sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), "begin");
  bench_check_sqlite (db, sqlite3_prepare_v2 (db, "INSERT INTO lists (id, title, position) VALUES (?1, ?2, ?3)",
                                              -1, &list, NULL), "prepare");
  for (guint l = 0; l < N_LISTS; l++)
    {
      char *id = cairn_new_object_id ();
      g_autofree char *title = g_strdup_printf ("List %u", l + 1);
      g_autofree char *pos = g_strdup_printf ("%c%cV", digits[1 + l / 62], digits[l % 62]);

      sqlite3_bind_text (list, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (list, 2, title, -1, SQLITE_STATIC);
      sqlite3_bind_text (list, 3, pos, -1, SQLITE_STATIC);
      bench_check_sqlite (db, sqlite3_step (list), "insert list");
      sqlite3_reset (list);
      g_ptr_array_add (lists, id);
    }
  bench_check_sqlite (db, sqlite3_prepare_v2 (db, "INSERT INTO tags (id, name, color) VALUES (?1, ?2, 'blue')",
                                              -1, &tag, NULL), "prepare");
  for (guint t = 0; t < N_TAGS; t++)
    {
      char *id = cairn_new_object_id ();
      g_autofree char *name = g_strdup_printf ("tag%u", t);

      sqlite3_bind_text (tag, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (tag, 2, name, -1, SQLITE_STATIC);
      bench_check_sqlite (db, sqlite3_step (tag), "insert tag");
      sqlite3_reset (tag);
      g_ptr_array_add (tags, id);
    }
  bench_check_sqlite (db, sqlite3_prepare_v2 (db,
                        "INSERT INTO todos (id, list_id, title, position, done, due, parent_id) "
                        "VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)", -1, &todo, NULL), "prepare");
  bench_check_sqlite (db, sqlite3_prepare_v2 (db,
                        "INSERT INTO todo_tags (id, todo_id, tag_id) VALUES (?1 || '/' || ?2, ?1, ?2)",
                        -1, &tagrow, NULL), "prepare");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = cairn_new_object_id ();
      g_autofree char *title = g_strdup_printf ("Task number %u with a title of ordinary length", i + 1);
      g_autofree char *due = NULL;
      g_autofree char *pos = g_strdup_printf ("%c%c%cV", digits[1 + (i / (62 * 62)) % 61],
                                              digits[(i / 62) % 62], digits[i % 62]);
      guint n_tags = g_rand_int_range (rand, 0, 7);

      if ((guint) g_rand_int_range (rand, 0, 100) < dated_percent)
        due = date_from_today (g_rand_int_range (rand, -30, 31));
      sqlite3_bind_text (todo, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (todo, 2, lists->pdata[i % N_LISTS], -1, SQLITE_STATIC);
      sqlite3_bind_text (todo, 3, title, -1, SQLITE_STATIC);
      sqlite3_bind_text (todo, 4, pos, -1, SQLITE_STATIC);
      sqlite3_bind_text (todo, 5, due, -1, SQLITE_STATIC);
      /* one in ten a subtask of the todo made N_LISTS before (same list) */
      if (i >= N_LISTS && i % 10 == 5)
        sqlite3_bind_text (todo, 6, ids->pdata[i - N_LISTS], -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (todo, 6);
      bench_check_sqlite (db, sqlite3_step (todo), "insert todo");
      sqlite3_reset (todo);
      for (guint t = 0; t < n_tags && t < tags->len; t++)
        {
          sqlite3_bind_text (tagrow, 1, id, -1, SQLITE_STATIC);
          sqlite3_bind_text (tagrow, 2, tags->pdata[(i + t) % tags->len], -1, SQLITE_STATIC);
          bench_check_sqlite (db, sqlite3_step (tagrow), "insert todo tag");
          sqlite3_reset (tagrow);
        }
      g_ptr_array_add (ids, g_steal_pointer (&id));
    }
  sqlite3_finalize (list);
  sqlite3_finalize (tag);
  sqlite3_finalize (todo);
  sqlite3_finalize (tagrow);
  bench_check_sqlite (db, sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), "commit");
  return g_strdup (lists->pdata[0]);
}

/* The whole process's CPU time, ms: the main thread's and GTK's worker
 * threads' (icons are loaded in a thread pool). */
static double
process_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Selects page and waits for the frame that shows it: ms (and the main
 * thread's CPU ms in *cpu). */
static double
switch_to (CairnWindow *window,
           const char  *page,
           double      *cpu)
{
  gint64 start = g_get_monotonic_time ();
  double cpu_start = bench_thread_cpu_ms ();
  guint frame = frames_painted;

  cairn_window_select_page (window, page);
  while (frames_painted == frame)
    g_main_context_iteration (NULL, TRUE);
  if (cpu != NULL)
    *cpu = bench_thread_cpu_ms () - cpu_start;
  return (g_get_monotonic_time () - start) / 1000.0;
}

static guint
model_size (CairnPool *pool,
            gboolean   upcoming)
{
  g_autoptr(GListModel) model = upcoming ? cairn_pool_get_upcoming_todos (pool, 14)
                                         : cairn_pool_get_today_todos (pool);

  return g_list_model_get_n_items (model);
}

static void
run_once (const char *path,
          const char *list_id,
          int         run,
          guint       n_todos)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(CairnPool) pool = NULL;
  CairnWindow *window;
  gint64 start, opened, pooled, built, first_frame;
  double rss, today_ms, upcoming_ms, today_again_ms;
  double cpu_start, first_frame_cpu, today_cpu, upcoming_cpu;
  double process_start, first_frame_process;

  gtk_init ();
  adw_init ();
  cairn_ui_init ();
  settings = bench_app_settings (list_id);

  CALLGRIND_DUMP_STATS_AT ("init");
  start = g_get_monotonic_time ();
  cpu_start = bench_thread_cpu_ms ();
  process_start = process_cpu_ms ();
  store = cairn_store_open (path, &error);
  if (store == NULL)
    g_error ("Cannot open %s: %s", path, error->message);
  opened = g_get_monotonic_time ();
  pool = cairn_pool_new (store);
  pooled = g_get_monotonic_time ();
  window = cairn_window_new (NULL, settings, pool);
  built = g_get_monotonic_time ();
  CALLGRIND_DUMP_STATS_AT ("window");
  g_signal_connect (window, "realize", G_CALLBACK (on_realize), NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  while (frames_painted == 0)
    g_main_context_iteration (NULL, TRUE);
  first_frame = g_get_monotonic_time ();
  first_frame_cpu = bench_thread_cpu_ms () - cpu_start;
  first_frame_process = process_cpu_ms () - process_start;
  CALLGRIND_DUMP_STATS_AT ("first-frame");
  for (gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC / 2; g_get_monotonic_time () < end;)
    g_main_context_iteration (NULL, FALSE);
  rss = bench_status_mb ("VmRSS");
  CALLGRIND_DUMP_STATS_AT ("idle");

  today_ms = switch_to (window, "today", &today_cpu);
  CALLGRIND_DUMP_STATS_AT ("today");
  upcoming_ms = switch_to (window, "upcoming", &upcoming_cpu);
  CALLGRIND_DUMP_STATS_AT ("upcoming");
  switch_to (window, list_id, NULL);
  today_again_ms = switch_to (window, "today", NULL);

  printf ("{\"bench\":\"views-ui\",\"run\":%d,\"todos\":%u,\"today_todos\":%u,"
          "\"upcoming_todos\":%u,\"renderer\":\"%s\",\"store_open_ms\":%.1f,"
          "\"pool_ms\":%.1f,\"window_ms\":%.1f,"
          "\"first_frame_ms\":%.1f,\"rss_mb\":%.1f,\"today_ms\":%.1f,"
          "\"upcoming_ms\":%.1f,\"today_again_ms\":%.1f,\"rss_after_views_mb\":%.1f,"
          "\"first_frame_cpu_ms\":%.1f,\"first_frame_process_cpu_ms\":%.1f,"
          "\"today_cpu_ms\":%.1f,\"upcoming_cpu_ms\":%.1f}\n",
          run, n_todos, model_size (pool, FALSE), model_size (pool, TRUE),
          G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))),
          (opened - start) / 1000.0, (pooled - opened) / 1000.0,
          (built - pooled) / 1000.0, (first_frame - start) / 1000.0, rss,
          today_ms, upcoming_ms, today_again_ms, bench_status_mb ("VmRSS"),
          first_frame_cpu, first_frame_process, today_cpu, upcoming_cpu);
  fflush (stdout);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int n_todos = 100000, dated = 1, runs = 3;
  g_autofree char *keep = NULL;
  g_autofree char *workspace = NULL;
  GOptionEntry entries[] = {
    { "todos", 0, 0, G_OPTION_ARG_INT, &n_todos, "Todos in the workspace", "N" },
    { "dated", 0, 0, G_OPTION_ARG_INT, &dated, "Percent of todos with a due date (±30 days)", "PERCENT" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Start-ups to measure", "N" },
    { "keep", 0, 0, G_OPTION_ARG_FILENAME, &keep, "Copy the filled workspace to PATH (for profiling)", "PATH" },
    { "workspace", 0, 0, G_OPTION_ARG_FILENAME, &workspace,
      "Use the workspace at PATH (filled there first if it does not exist; kept)", "PATH" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- Cairn sidebar views benchmark");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *wal = NULL;
  g_autofree char *shm = NULL;
  char list_id[128] = { 0 };
  int fds[2], status;
  gssize got = 0, n;
  pid_t pid;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || n_todos < 0 ||
      dated < 0 || dated > 100 || runs < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "bad counts");
      return 2;
    }
  dir = g_dir_make_tmp ("cairn-bench-views-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "workspace.db", NULL);

  if (workspace != NULL)
    {
      g_clear_pointer (&path, g_free);
      path = g_strdup (workspace);
    }
  /* Filled in a child, so that its memory does not count. */
  if (workspace != NULL && g_file_test (workspace, G_FILE_TEST_EXISTS))
    {
      /* Filled before (under callgrind, filling takes long): its first list. */
      sqlite3 *db = NULL;
      sqlite3_stmt *stmt = NULL;

      if (sqlite3_open_v2 (workspace, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
          sqlite3_prepare_v2 (db, "SELECT id FROM lists WHERE title = 'List 1'", -1, &stmt, NULL) != SQLITE_OK ||
          sqlite3_step (stmt) != SQLITE_ROW)
        g_error ("Cannot read %s: %s", workspace, sqlite3_errmsg (db));
      g_strlcpy (list_id, (const char *) sqlite3_column_text (stmt, 0), sizeof list_id);
      sqlite3_finalize (stmt);
      sqlite3_close (db);
    }
  else
    {
      if (pipe (fds) != 0 || (pid = fork ()) < 0)
        g_error ("fork: %s", g_strerror (errno));
      if (pid == 0)
        {
          g_autofree char *first = fill (path, n_todos, dated);

          close (fds[0]);
          _exit (write (fds[1], first, strlen (first)) == (gssize) strlen (first) ? 0 : 1);
        }
      close (fds[1]);
      while (got < (gssize) sizeof list_id - 1 &&
             (n = read (fds[0], list_id + got, sizeof list_id - 1 - got)) > 0)
        got += n;
      close (fds[0]);
      if (waitpid (pid, &status, 0) != pid || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
        g_error ("Filling failed");
    }

  if (keep != NULL)
    {
      g_autoptr(GFile) from = g_file_new_for_path (path);
      g_autoptr(GFile) to = g_file_new_for_path (keep);

      if (!g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
        g_error ("Cannot keep the workspace: %s", error->message);
    }
  for (int run = 1; run <= runs; run++)
    {
      fflush (stdout);
      if ((pid = fork ()) == 0)
        {
          run_once (path, list_id, run, n_todos);
          _exit (0);
        }
      if (pid < 0 || waitpid (pid, &status, 0) != pid || !WIFEXITED (status) ||
          WEXITSTATUS (status) != 0)
        g_error ("Run %d failed", run);
    }

  if (workspace != NULL)
    {
      g_rmdir (dir);
      return 0;
    }
  wal = g_strconcat (path, "-wal", NULL);
  shm = g_strconcat (path, "-shm", NULL);
  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (dir);
  return 0;
}

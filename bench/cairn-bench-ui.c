/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-ui.c: start-up of the main window over a large workspace.
 *
 * Fills a workspace (default 100,000 todos in 100 lists and 1,000 notes)
 * in a child process (so the filling does not count in the RSS), then
 * starts up once per run, each run in a fresh process as a user's start
 * is: GTK initialisation, store open, pool load, window construction and
 * the first frame the window paints with a list open (and its rows made),
 * and the resident memory half a second later, split into anonymous,
 * file-backed and shared memory; then, apart from the start-up, the
 * resident memory after scrolling through the open list a page a frame,
 * and what each page took from the scroll to its frame painted (p50, p99,
 * max) and of the main thread's CPU (mean): each page binds a screenful
 * of rows to new tasks.
 * Prints one JSON line per measurement.
 * Needs a display (xvfb-run). --workspace PATH keeps the filled workspace
 * there and reuses it next time; --in-process runs one start-up in this
 * process, for profilers.
 * Then types into a note of --note-chars characters (default 100,000, in
 * paragraphs of ~570) in the open editor: per keystroke, the time from the
 * GtkTextBuffer insertion to the note buffer having it (key_*), the time
 * to commit a burst of --burst keys as one note.edited event (commit_*),
 * and the full path, key press to buffer updated and event committed, of
 * the keys that end a burst (full_*: the key plus the commit after it),
 * and once at the end the lazy write of the note's body (body_write_us).
 * Usage: cairn-bench-ui [--todos N] [--notes N] [--lists N] [--runs N]
 *                       [--note-chars N] [--keys N] [--burst N] [--key-gap-ms MS]
 * Keys come --key-gap-ms apart (default 20) with the main loop idle in
 * between, as when someone types; 0 sends them back to back.
 */
#define _GNU_SOURCE   /* RUSAGE_THREAD */
#include "config.h"

#include <sys/resource.h>

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cairn-note-buffer.h"
#include "cairn-notes-view.h"
#include "cairn-store-private.h"
#include "cairn-todo-row.h"
#include "cairn-todo-view.h"
#include "cairn-ui.h"
#include "cairn-window.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "bench-util.h"

/* The todo rows on screen showing their task (shown), and those on screen
 * still empty (empty): the first frame must show the list, not an empty
 * view or rows that fill in later. */
static void
count_todo_rows (GtkWidget *widget,
                 guint     *shown,
                 guint     *empty)
{
  if (CAIRN_IS_TODO_ROW (widget) && gtk_widget_get_mapped (widget) &&
      gtk_widget_get_child_visible (widget) &&
      cairn_todo_row_get_todo (CAIRN_TODO_ROW (widget)) != NULL)
    {
      GtkWidget *child = gtk_widget_get_first_child (widget);

      /* a row that was made has its widgets, allocated */
      if (child != NULL && gtk_widget_get_mapped (child) && gtk_widget_get_height (child) > 0)
        (*shown)++;
      else
        (*empty)++;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    count_todo_rows (child, shown, empty);
}

static gint64 first_frame_at;
static guint frames_painted;
static guint rows_at_first_frame;
static guint empty_rows_at_first_frame;

static void
on_after_paint (GdkFrameClock *clock,
                GtkWidget     *window)
{
  frames_painted++;
  if (first_frame_at == 0)
    {
      first_frame_at = g_get_monotonic_time ();
      rows_at_first_frame = empty_rows_at_first_frame = 0;
      count_todo_rows (window, &rows_at_first_frame, &empty_rows_at_first_frame);
    }
}

static void
on_realize (GtkWidget *widget,
            gpointer   data)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), widget);
}

static char *
fill (const char *path,
      int         n_todos,
      int         n_lists,
      int         n_notes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) store = cairn_store_open (path, &error);
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func (g_free);
  char *first;

  if (store == NULL)
    g_error ("Cannot create %s: %s", path, error->message);
  /* Filling is not what is measured: skip the fsyncs. */
  if (sqlite3_exec (_cairn_store_get_db (store), "PRAGMA synchronous=OFF", NULL, NULL, NULL) != SQLITE_OK)
    g_error ("PRAGMA synchronous failed: %s", sqlite3_errmsg (_cairn_store_get_db (store)));

  for (int i = 0; i < n_lists; i++)
    {
      g_autofree char *title = g_strdup_printf ("List %d", i + 1);
      char *id = cairn_store_create_list (store, title, &error);

      if (id == NULL)
        g_error ("create list: %s", error->message);
      g_ptr_array_add (lists, id);
    }
  for (int i = 0; i < n_todos; i++)
    {
      g_autofree char *title = g_strdup_printf ("Task number %d with a title of ordinary length", i + 1);
      g_autofree char *id = cairn_store_create_todo (store, lists->pdata[i % n_lists],
                                                     title, NULL, NULL, &error);
      if (id == NULL)
        g_error ("create todo: %s", error->message);
    }
  for (int i = 0; i < n_notes; i++)
    {
      g_autofree char *title = g_strdup_printf ("Note %d", i + 1);
      g_autofree char *id = cairn_store_create_note (store, title, &error);

      if (id == NULL)
        g_error ("create note: %s", error->message);
    }
  first = g_strdup (lists->pdata[0]);
  return first;
}

/* The first list and the counts of a workspace an earlier run kept. */
static char *
reuse_workspace (const char *path,
                 int        *n_todos,
                 int        *n_lists,
                 int        *n_notes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) store = cairn_store_open (path, &error);
  sqlite3_stmt *stmt = NULL;
  char *first;

  if (store == NULL)
    g_error ("Cannot open %s: %s", path, error->message);
  if (sqlite3_prepare_v2 (_cairn_store_get_db (store),
                          /* the first list with tasks: the app's first start made an
                           * Inbox, which sorts before the filled lists */
                          "SELECT coalesce ((SELECT id FROM lists AS l WHERE deleted = 0 AND EXISTS "
                          "  (SELECT 1 FROM todos WHERE list_id = l.id AND deleted = 0) "
                          "  ORDER BY position, id LIMIT 1), "
                          "  (SELECT id FROM lists WHERE deleted = 0 ORDER BY position, id LIMIT 1)), "
                          "(SELECT count(*) FROM todos WHERE deleted = 0), "
                          "(SELECT count(*) FROM lists WHERE deleted = 0), "
                          "(SELECT count(*) FROM notes WHERE deleted = 0)",
                          -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW || sqlite3_column_text (stmt, 0) == NULL)
    g_error ("Cannot read the lists of %s: %s", path,
             sqlite3_errmsg (_cairn_store_get_db (store)));
  first = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  *n_todos = sqlite3_column_int (stmt, 1);
  *n_lists = sqlite3_column_int (stmt, 2);
  *n_notes = sqlite3_column_int (stmt, 3);
  sqlite3_finalize (stmt);
  return first;
}

/* Fills in a child process, so that the memory the filling used is not
 * counted in the measured process's resident set. The child hands back the
 * first list's id through a pipe. */
static char *
fill_in_child (const char *path,
               int         n_todos,
               int         n_lists,
               int         n_notes)
{
  int fds[2];
  pid_t pid;
  int status;
  char id[128] = { 0 };
  gssize n, got = 0;

  if (pipe (fds) != 0)
    g_error ("pipe: %s", g_strerror (errno));
  pid = fork ();
  if (pid < 0)
    g_error ("fork: %s", g_strerror (errno));
  if (pid == 0)
    {
      g_autofree char *first = NULL;

      close (fds[0]);
      first = fill (path, n_todos, n_lists, n_notes);
      if (write (fds[1], first, strlen (first)) != (gssize) strlen (first))
        _exit (1);
      _exit (0);
    }
  close (fds[1]);
  while (got < (gssize) sizeof id - 1 && (n = read (fds[0], id + got, sizeof id - 1 - got)) > 0)
    got += n;
  close (fds[0]);
  if (waitpid (pid, &status, 0) != pid || !WIFEXITED (status) || WEXITSTATUS (status) != 0 ||
      got == 0)
    g_error ("Filling %s failed in the child process", path);
  return g_strdup (id);
}

static double
percentile_us (GArray *samples,
               double  p)
{
  g_array_sort (samples, bench_cmp_gint64);
  return g_array_index (samples, gint64, MIN (samples->len - 1, (guint) (p * samples->len)));
}

/* Types `keys` characters at the middle of a note of `chars` characters
 * through the editor's GtkTextBuffer; every `burst` keys the burst is
 * committed. */
static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
bench_typing (const char *path,
              int         chars,
              int         keys,
              int         burst,
              int         gap_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) store = cairn_store_open (path, &error);
  g_autoptr(CairnPool) pool = NULL;
  g_autoptr(GSettings) settings = bench_app_settings ("notes");
  g_autoptr(GArray) key_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) commit_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) full_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *id = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  CairnNotesView *view;
  CairnWindow *window;
  GtkTextBuffer *buffer;
  GtkTextIter iter;
  gint64 body_write_us;

  if (store == NULL)
    g_error ("Cannot open %s: %s", path, error->message);
  /* The start-ups ran in child processes: GTK is not set up here yet. */
  gtk_init ();
  adw_init ();
  cairn_ui_init ();
  id = cairn_store_create_note (store, "Long note", &error);
  if (id == NULL)
    g_error ("create note: %s", error->message);
  {
    g_autoptr(CairnNoteBuffer) nb = cairn_note_buffer_new (store, id, &error);
    const char *words = "lorem ipsum dolor sit amet, consectetur adipiscing elit. ";

    /* Paragraphs of ten sentences (~570 characters), as notes have. */
    for (int n = 1; (int) text->len < chars; n++)
      g_string_append (text, n % 10 == 0 ? "lorem ipsum dolor sit amet.\n" : words);
    g_string_truncate (text, chars);
    if (nb == NULL || !cairn_note_buffer_insert (nb, 0, text->str, -1, &error) ||
        !cairn_note_buffer_flush (nb, &error))
      g_error ("fill note: %s", error->message);
  }

  pool = cairn_pool_new (store);
  window = cairn_window_new (NULL, settings, pool);
  gtk_window_present (GTK_WINDOW (window));
  view = NULL;
  for (GtkWidget *w = GTK_WIDGET (window); w != NULL && view == NULL;)
    {
      /* depth-first search for the notes view */
      GtkWidget *next = gtk_widget_get_first_child (w);
      if (CAIRN_IS_NOTES_VIEW (w))
        view = CAIRN_NOTES_VIEW (w);
      while (next == NULL && w != NULL && w != GTK_WIDGET (window))
        {
          next = gtk_widget_get_next_sibling (w);
          if (next == NULL)
            w = gtk_widget_get_parent (w);
        }
      w = next;
    }
  g_assert (view != NULL);
  cairn_notes_view_select_note (view, id);
  buffer = gtk_text_view_get_buffer (cairn_notes_view_get_body_view (view));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  gtk_text_buffer_get_iter_at_offset (buffer, &iter, chars / 2);
  gtk_text_buffer_place_cursor (buffer, &iter);

  for (int i = 0; i < keys; i++)
    {
      gint64 t0 = g_get_monotonic_time (), t1, dt;

      gtk_text_buffer_insert_at_cursor (buffer, "x", 1);
      t1 = g_get_monotonic_time ();
      dt = t1 - t0;
      g_array_append_val (key_us, dt);
      if ((i + 1) % burst == 0)
        {
          gint64 t2;

          if (!cairn_note_buffer_flush (cairn_notes_view_get_note_buffer (view), &error))
            g_error ("flush: %s", error->message);
          t2 = g_get_monotonic_time ();
          dt = t2 - t1;
          g_array_append_val (commit_us, dt);
          dt = t2 - t0;
          g_array_append_val (full_us, dt);
        }
      /* A typist's keys come tens of milliseconds apart, and the main
       * loop sleeps in between (what it has to do meanwhile, e.g. the
       * lazy write of notes.body, runs then). Back to back (0), the
       * process never sleeps, and on a loaded machine the scheduler
       * preempts it in the middle of keys. */
      if (gap_ms > 0)
        {
          gboolean done = FALSE;

          g_timeout_add (gap_ms, set_flag, &done);
          while (!done)
            g_main_context_iteration (NULL, TRUE);
        }
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }

  /* notes.body is written lazily, in a main-loop callback of its own (at
   * most every two seconds while typing goes on): its cost, once. */
  {
    gint64 t0 = g_get_monotonic_time ();

    if (!cairn_store_save_note_bodies (store, &error))
      g_error ("save bodies: %s", error->message);
    body_write_us = g_get_monotonic_time () - t0;
  }

  printf ("{\"bench\":\"ui-typing\",\"note_chars\":%d,\"keys\":%d,\"burst\":%d,\"key_gap_ms\":%d,"
          "\"key_p50_us\":%.0f,\"key_p99_us\":%.0f,"
          "\"commit_p50_us\":%.0f,\"commit_p99_us\":%.0f,"
          "\"full_p50_us\":%.0f,\"full_p99_us\":%.0f,\"full_max_us\":%.0f,\"commits\":%u,"
          "\"body_write_us\":%" G_GINT64_FORMAT "}\n",
          chars, keys, burst, gap_ms, percentile_us (key_us, 0.5), percentile_us (key_us, 0.99),
          percentile_us (commit_us, 0.5), percentile_us (commit_us, 0.99),
          percentile_us (full_us, 0.5), percentile_us (full_us, 0.99),
          percentile_us (full_us, 1.0), commit_us->len, body_write_us);
  fflush (stdout);
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
first_frame_seen (void)
{
  return first_frame_at != 0;
}

/* What scrolling cost, a page a frame: each page brings a screenful of
 * rows bound to new tasks. */
typedef struct
{
  guint  pages;
  double wall_p50_ms, wall_p99_ms, wall_max_ms;   /* scroll to its frame painted */
  double cpu_mean_ms;                             /* the main thread's, per page */
} ScrollCost;

/* Scrolls the open list a page at a time to its end, a frame for each
 * page, as someone reading through it would; every row the list view keeps
 * then has been on screen. */
static ScrollCost
scroll_through (GtkWidget *window)
{
  GtkWidget *list_view = NULL;
  GtkAdjustment *adjustment;
  ScrollCost cost = { 0 };
  g_autoptr(GArray) walls = g_array_new (FALSE, FALSE, sizeof (double));
  double cpu = 0;

  for (GtkWidget *w = window; w != NULL && list_view == NULL;)
    {
      /* depth-first search for the tasks' list view */
      GtkWidget *next = gtk_widget_get_first_child (w);

      if (GTK_IS_LIST_VIEW (w) && gtk_widget_get_ancestor (w, CAIRN_TYPE_TODO_VIEW) != NULL)
        list_view = w;
      while (next == NULL && w != NULL && w != window)
        {
          next = gtk_widget_get_next_sibling (w);
          if (next == NULL)
            w = gtk_widget_get_parent (w);
        }
      w = next;
    }
  if (list_view == NULL)
    return cost;
  adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list_view));
  while (gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) <
         gtk_adjustment_get_upper (adjustment))
    {
      guint frame = frames_painted;
      gint64 start = g_get_monotonic_time ();
      double cpu_start = bench_thread_cpu_ms ();
      double wall;

      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_value (adjustment) +
                                            gtk_adjustment_get_page_size (adjustment));
      cost.pages++;
      while (frames_painted == frame)
        g_main_context_iteration (NULL, TRUE);
      wall = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (walls, wall);
      cpu += bench_thread_cpu_ms () - cpu_start;
    }
  if (walls->len > 0)
    {
      g_array_sort (walls, bench_cmp_double);
      cost.wall_p50_ms = g_array_index (walls, double, walls->len / 2);
      cost.wall_p99_ms = g_array_index (walls, double, MIN (walls->len - 1, walls->len * 99 / 100));
      cost.wall_max_ms = g_array_index (walls, double, walls->len - 1);
      cost.cpu_mean_ms = cpu / walls->len;
    }
  return cost;
}

/* One start-up, in this process: GTK must not be initialised yet. */
static void
startup_run (const char *path,
             const char *list_id,
             int         run,
             int         n_todos,
             int         n_lists,
             int         n_notes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(CairnPool) pool = NULL;
  CairnWindow *window;
  gint64 init_start, start, opened, pooled, built;
  double rss_init, rss, rss_anon, rss_file, rss_shmem;
  ScrollCost scrolled;
  double anon[5];   /* after GTK init, store open, pool, window, first frame */

  init_start = g_get_monotonic_time ();
  gtk_init ();
  adw_init ();
  cairn_ui_init ();
  settings = bench_app_settings (list_id);
  rss_init = bench_status_mb ("VmRSS");
  anon[0] = bench_status_mb ("RssAnon");

  first_frame_at = 0;
  start = g_get_monotonic_time ();
  store = cairn_store_open (path, &error);
  if (store == NULL)
    g_error ("Cannot open %s: %s", path, error->message);
  opened = g_get_monotonic_time ();
  anon[1] = bench_status_mb ("RssAnon");
  pool = cairn_pool_new (store);
  pooled = g_get_monotonic_time ();
  anon[2] = bench_status_mb ("RssAnon");
  window = cairn_window_new (NULL, settings, pool);
  built = g_get_monotonic_time ();
  anon[3] = bench_status_mb ("RssAnon");
  g_signal_connect (window, "realize", G_CALLBACK (on_realize), NULL);
  gtk_window_present (GTK_WINDOW (window));
  while (!first_frame_seen ())
    g_main_context_iteration (NULL, TRUE);
  anon[4] = bench_status_mb ("RssAnon");

  /* Let it settle, then see what it holds. */
  for (gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC / 2; g_get_monotonic_time () < end;)
    g_main_context_iteration (NULL, FALSE);
  rss = bench_status_mb ("VmRSS");
  rss_anon = bench_status_mb ("RssAnon");
  rss_file = bench_status_mb ("RssFile");
  rss_shmem = bench_status_mb ("RssShmem");
  /* And after reading through the list (not part of the start-up). */
  scrolled = scroll_through (GTK_WIDGET (window));

  printf ("{\"bench\":\"ui-startup\",\"run\":%d,\"todos\":%d,\"lists\":%d,\"notes\":%d,"
          "\"renderer\":\"%s\",\"gtk_init_ms\":%.1f,"
          "\"store_open_ms\":%.1f,\"pool_ms\":%.1f,\"window_ms\":%.1f,\"present_ms\":%.1f,"
          "\"first_frame_ms\":%.1f,\"rows_shown\":%u,\"rows_empty\":%u,"
          "\"rss_init_mb\":%.1f,\"rss_mb\":%.1f,\"anon_mb\":%.1f,\"file_mb\":%.1f,"
          "\"shmem_mb\":%.1f,\"anon_phases_mb\":[%.1f,%.1f,%.1f,%.1f,%.1f],"
          "\"pages_scrolled\":%u,\"scroll_frame_ms_p50\":%.1f,\"scroll_frame_ms_p99\":%.1f,"
          "\"scroll_frame_ms_max\":%.1f,\"scroll_cpu_ms_mean\":%.1f,\"rss_scrolled_mb\":%.1f}\n",
          run, n_todos, n_lists, n_notes,
          G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window))),
          (start - init_start) / 1000.0,
          (opened - start) / 1000.0, (pooled - opened) / 1000.0, (built - pooled) / 1000.0,
          (first_frame_at - built) / 1000.0, (first_frame_at - start) / 1000.0,
          rows_at_first_frame, empty_rows_at_first_frame, rss_init, rss, rss_anon,
          rss_file, rss_shmem, anon[0], anon[1], anon[2], anon[3], anon[4],
          scrolled.pages, scrolled.wall_p50_ms, scrolled.wall_p99_ms, scrolled.wall_max_ms,
          scrolled.cpu_mean_ms, bench_status_mb ("VmRSS"));
  fflush (stdout);
  /* Todos go round the lists, so the first one has some when any exist. */
  if (g_strcmp0 (cairn_window_get_selected (window), list_id) != 0 ||
      (n_todos > 0 && rows_at_first_frame == 0) || empty_rows_at_first_frame > 0)
    g_error ("The first frame did not show the list %s", list_id);

  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Each start-up in a fresh process, as a user's is: nothing GTK, fontconfig
 * or GL set up in an earlier run is reused, and no run's memory counts in
 * the next one. The file system cache stays warm after the first. */
static void
startup_in_child (const char *path,
                  const char *list_id,
                  int         run,
                  int         n_todos,
                  int         n_lists,
                  int         n_notes)
{
  pid_t pid;
  int status;

  fflush (stdout);
  pid = fork ();
  if (pid < 0)
    g_error ("fork: %s", g_strerror (errno));
  if (pid == 0)
    {
      startup_run (path, list_id, run, n_todos, n_lists, n_notes);
      _exit (0);
    }
  if (waitpid (pid, &status, 0) != pid || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("Start-up run %d failed in its child process", run);
}

int
main (int   argc,
      char *argv[])
{
  int n_todos = 100000, n_notes = 1000, n_lists = 100, runs = 3;
  int note_chars = 100000, keys = 1000, burst = 1, key_gap_ms = 20;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *list_id = NULL;
  g_autofree char *workspace = NULL;
  gboolean in_process = FALSE;
  GOptionEntry entries[] = {
    { "todos", 0, 0, G_OPTION_ARG_INT, &n_todos, "Todos in the workspace", "N" },
    { "notes", 0, 0, G_OPTION_ARG_INT, &n_notes, "Notes in the workspace", "N" },
    { "lists", 0, 0, G_OPTION_ARG_INT, &n_lists, "Lists the todos are spread over", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Start-ups to measure", "N" },
    { "in-process", 0, 0, G_OPTION_ARG_NONE, &in_process,
      "One start-up in this process, no typing (for profilers)", NULL },
    { "workspace", 0, 0, G_OPTION_ARG_FILENAME, &workspace,
      "Keep the workspace in PATH, and reuse it if it exists (its own counts apply)", "PATH" },
    { "note-chars", 0, 0, G_OPTION_ARG_INT, &note_chars, "Characters in the typed-in note", "N" },
    { "keys", 0, 0, G_OPTION_ARG_INT, &keys, "Keystrokes to measure (0: skip)", "N" },
    { "burst", 0, 0, G_OPTION_ARG_INT, &burst, "Keystrokes per committed note.edited (1: every key)", "N" },
    { "key-gap-ms", 0, 0, G_OPTION_ARG_INT, &key_gap_ms,
      "Idle main loop between keystrokes, as between a typist's keys (0: back to back)", "MS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- Cairn UI start-up benchmark");
  gint64 fill_start;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (n_lists < 1 || n_todos < 0 || n_notes < 0 || runs < 1 || burst < 1)
    {
      g_printerr ("--lists, --runs and --burst must be at least 1, counts not negative\n");
      return 2;
    }

  if (workspace != NULL)
    path = g_strdup (workspace);
  else
    {
      dir = g_dir_make_tmp ("cairn-bench-ui-XXXXXX", &error);
      g_assert_no_error (error);
      path = g_build_filename (dir, "workspace.db", NULL);
    }
  if (workspace != NULL && g_file_test (path, G_FILE_TEST_EXISTS))
    list_id = reuse_workspace (path, &n_todos, &n_lists, &n_notes);
  else
    {
      fill_start = g_get_monotonic_time ();
      list_id = fill_in_child (path, n_todos, n_lists, n_notes);
      g_printerr ("filled in %.1f s\n", (g_get_monotonic_time () - fill_start) / 1e6);
    }

  if (in_process)
    {
      startup_run (path, list_id, 1, n_todos, n_lists, n_notes);
      runs = 0;
      keys = 0;
    }
  for (int run = 0; run < runs; run++)
    startup_in_child (path, list_id, run + 1, n_todos, n_lists, n_notes);

  if (keys > 0)
    bench_typing (path, MAX (note_chars, 1), keys, burst, MAX (key_gap_ms, 0));

  if (dir != NULL)
    {
      g_autofree char *wal = g_strconcat (path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (path, "-shm", NULL);
      g_unlink (path);
      g_unlink (wal);
      g_unlink (shm);
      g_rmdir (dir);
    }
  return 0;
}

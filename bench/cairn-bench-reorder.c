/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-reorder.c: drag and drop, drop to repaint, in a long list.
 *
 * Opens the main window on a list of --todos tasks (default 1,000; every
 * tenth has two subtasks), then --drops times takes a task shown some rows
 * down and drops it on the upper third of the --target-row'th row on
 * screen (default 0, the first: the list view keeps that row where it is,
 * so the task lands just above the top; 3 puts it on screen), after
 * scrolling down --scroll-rows rows (default 0: at the list's top, where
 * GTK 4.8's list view makes a new row widget for the task's new place),
 * through
 * that row's GtkDropTarget ::drop as GTK emits it (the drop handler: the
 * store's todo.moved commit, the pool's models, the tree list model), and
 * measures the time from the drop to the end of the next frame painted
 * with the task in its new place (the first row on screen showing it).
 * The main loop idles --gap-ms between drops, as between a person's drags.
 * That time splits in two: the frame clock's wait for its next slot (it
 * paints at most once per 16.7 ms at 60 Hz, and a frame had just been
 * painted) and the drop's own work, its handler plus the frame from its
 * start (::before-paint, before its update and layout phases; until
 * session 9 from its layout phase, which left the update phase out) to
 * the end of its paint (`work_*`); `frames_to_paint_max`
 * 1 says every drop was shown by the first frame after it.
 * Also the CPU time of opening the list (cairn_window_select_page(): the
 * models and the tree; the rows are made in the first frame after).
 * The first --warmup drops (default 2) after opening the list are made
 * and measured but kept apart (`warmup_work_ms`): GTK styles every row
 * of the list view again in them (about 1,400 style nodes, ~5 ms), once;
 * the percentiles are over the --drops after them.
 * Prints one JSON line. Needs a display (xvfb-run).
 * Usage: cairn-bench-reorder [--todos N] [--drops N] [--warmup N] [--gap-ms MS]
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cairn-todo-row.h"
/* Under `valgrind --tool=callgrind`, the drops are dumped on their own
 * (instructions do not depend on the machine's load); no-ops otherwise. */
#if defined(__has_include) && __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_DUMP_STATS_AT(name) do { } while (0)
#endif
#include "cairn-todo-view.h"
#include "cairn-todo-view-private.h"
#include "cairn-ui.h"
#include "cairn-window.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "bench-util.h"

/* The mapped task rows under widget, in no particular order. */
static void
collect_rows (GtkWidget *widget,
              GPtrArray *rows)
{
  if (CAIRN_IS_TODO_ROW (widget))
    {
      if (gtk_widget_get_mapped (widget) && gtk_widget_get_child_visible (widget) &&
          cairn_todo_row_get_todo (CAIRN_TODO_ROW (widget)) != NULL)
        g_ptr_array_add (rows, widget);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_get_child_visible (child))
      collect_rows (child, rows);
}

static GtkWidget *list_view;

static double
row_y (GtkWidget *row)
{
  graphene_point_t p;

  if (!gtk_widget_compute_point (row, list_view, &GRAPHENE_POINT_INIT (0, 0), &p))
    return G_MAXDOUBLE;
  return p.y;
}

static int
compare_y (gconstpointer a,
           gconstpointer b)
{
  double ya = row_y (*(GtkWidget **) a), yb = row_y (*(GtkWidget **) b);

  return ya < yb ? -1 : ya > yb;
}

/* The rows on screen, top to bottom (those scrolled above the top
 * excluded). */
static GPtrArray *
rows_on_screen (void)
{
  GPtrArray *rows = g_ptr_array_new ();

  collect_rows (list_view, rows);
  g_ptr_array_sort (rows, compare_y);
  while (rows->len > 0 && row_y (g_ptr_array_index (rows, 0)) < 0)
    g_ptr_array_remove_index (rows, 0);
  return rows;
}

static CairnTodo *moving;     /* the task dropped, until it is painted in place */
static CairnTodo *anchor;     /* the task it was dropped before */
static gint64 dropped_at;
static GArray *samples;       /* µs */
static GArray *cpu_samples;   /* µs of this thread's CPU over the same span */
static GArray *work_samples;  /* µs of the drop's own work: handler + the frame's */
static GArray *frames_samples;/* frames painted from the drop to the one showing it */
static gint64 cpu_at;
static gint64 handler_done_at;
static gint64 frame_started_at;  /* the first frame after the drop: its start */
static guint frames_since_drop;

/* A frame starts (::before-paint, before its update and layout phases):
 * the first one after a drop starts the drop's frame work; the time
 * before it is the frame clock's wait for its next slot (a 60 Hz clock
 * paints at most every 16.7 ms, whatever the app does). */
static void
on_frame_start (GdkFrameClock *clock,
                gpointer       data)
{
  if (moving != NULL && frame_started_at == 0)
    frame_started_at = g_get_monotonic_time ();
}

/* Whether the rows just before rows[at] are the moved task and then only
 * its subtasks. */
static gboolean
moved_before (GPtrArray *rows,
              guint      at)
{
  for (guint i = at; i-- > 0;)
    {
      CairnTodo *todo = cairn_todo_row_get_todo (g_ptr_array_index (rows, i));

      if (todo == moving)
        return TRUE;
      if (g_strcmp0 (cairn_todo_get_parent_id (todo), cairn_todo_get_id (moving)) != 0)
        return FALSE;
    }
  return FALSE;
}

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       data)
{
  g_autoptr(GPtrArray) rows = NULL;

  if (moving == NULL)
    return;
  frames_since_drop++;
  /* In place: the row just above the anchor's shows it, or its last
   * subtask (a task moves with its subtasks; the list view keeps the
   * anchor where it was, so the row may be above the top). */
  rows = g_ptr_array_new ();
  collect_rows (list_view, rows);
  g_ptr_array_sort (rows, compare_y);
  for (guint i = 1; i < rows->len; i++)
    if (cairn_todo_row_get_todo (g_ptr_array_index (rows, i)) == anchor &&
        moved_before (rows, i))
    {
      gint64 us = g_get_monotonic_time () - dropped_at;

      gint64 cpu = bench_thread_cpu_us () - cpu_at;

      gint64 work = (handler_done_at - dropped_at) +
                    (g_get_monotonic_time () - MAX (frame_started_at, handler_done_at));
      gint64 frames = frames_since_drop;

      g_array_append_val (samples, us);
      g_array_append_val (cpu_samples, cpu);
      g_array_append_val (work_samples, work);
      g_array_append_val (frames_samples, frames);
      moving = NULL;
      break;
    }
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
moving_painted (gpointer data)
{
  return moving == NULL;
}

static gboolean
wait_until (gboolean (*predicate) (gpointer), gpointer data, guint seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!predicate (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (200), TRUE);
  return predicate (data);
}

static gboolean
rows_shown (gpointer data)
{
  g_autoptr(GPtrArray) rows = rows_on_screen ();

  return rows->len >= 12;
}

static double
percentile_ms (GArray *values,
               double  p)
{
  gint64 *v = (gint64 *) values->data;
  guint i;

  if (values->len == 0)
    return -1;
  i = (guint) (p * (values->len - 1) + 0.5);
  return v[MIN (i, values->len - 1)] / 1000.0;
}

int
main (int   argc,
      char *argv[])
{
  int n_todos = 1000, drops = 200, gap_ms = 50, warmup = 2, target_row = 0, scroll_rows = 0;
  g_autoptr(GString) warmup_json = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *list_id = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(CairnPool) pool = NULL;
  g_autoptr(GSettings) settings = NULL;
  GOptionEntry entries[] = {
    { "todos", 0, 0, G_OPTION_ARG_INT, &n_todos, "Top-level tasks in the list", "N" },
    { "drops", 0, 0, G_OPTION_ARG_INT, &drops, "Drops to measure", "N" },
    { "gap-ms", 0, 0, G_OPTION_ARG_INT, &gap_ms, "Idle main loop between drops", "MS" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Drops made first, reported apart", "N" },
    { "target-row", 0, 0, G_OPTION_ARG_INT, &target_row, "Drop before this row on screen (0: the first)", "N" },
    { "scroll-rows", 0, 0, G_OPTION_ARG_INT, &scroll_rows, "Scroll the list down by about this many rows first", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- Cairn drop-to-repaint benchmark");
  gboolean started = FALSE;
  CairnWindow *window;
  guint missed = 0;
  gint64 handler_us = 0, handler_cpu_us = 0, open_cpu;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (n_todos < 20 || drops < 1 || gap_ms < 0 || warmup < 0 || target_row < 0 || target_row > 5)
    {
      g_printerr ("--todos must be at least 20, --drops at least 1, --target-row 0 to 5, --warmup and --gap-ms not negative\n");
      return 2;
    }

  gtk_init ();
  adw_init ();
  cairn_ui_init ();

  dir = g_dir_make_tmp ("cairn-bench-reorder-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "workspace.db", NULL);
  store = cairn_store_open (path, &error);
  if (store == NULL)
    g_error ("Cannot open %s: %s", path, error->message);
  list_id = cairn_store_create_list (store, "Long", &error);
  g_assert_no_error (error);
  for (int i = 0; i < n_todos; i++)
    {
      g_autofree char *title = g_strdup_printf ("Task %d", i + 1);
      g_autofree char *id = cairn_store_create_todo (store, list_id, title, NULL, NULL, &error);

      g_assert_no_error (error);
      for (int j = 0; i % 10 == 0 && j < 2; j++)
        {
          g_autofree char *sub = g_strdup_printf ("Task %d.%d", i + 1, j + 1);

          g_free (cairn_store_create_subtask (store, list_id, id, sub, NULL, NULL, &error));
          g_assert_no_error (error);
        }
    }

  pool = cairn_pool_new (store);
  settings = bench_app_settings (list_id);
  window = cairn_window_new (NULL, settings, pool);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 800);
  gtk_window_present (GTK_WINDOW (window));
  /* Opening the list: its top-level model and, every task being open, a
   * children model per task. */
  cairn_window_select_page (window, NULL);
  open_cpu = bench_thread_cpu_us ();
  cairn_window_select_page (window, list_id);
  open_cpu = bench_thread_cpu_us () - open_cpu;
  {
    GtkWidget *view = GTK_WIDGET (window);

    while (view != NULL && !CAIRN_IS_TODO_VIEW (view))
      {
        GtkWidget *next = gtk_widget_get_first_child (view);

        /* depth first, the first todo view */
        if (next == NULL)
          {
            while (view != NULL && gtk_widget_get_next_sibling (view) == NULL)
              view = gtk_widget_get_parent (view);
            next = view != NULL ? gtk_widget_get_next_sibling (view) : NULL;
          }
        view = next;
      }
    g_assert_nonnull (view);
    list_view = GTK_WIDGET (CAIRN_TODO_VIEW (view)->list_view);
  }
  if (!wait_until (rows_shown, NULL, 20))
    g_error ("The list did not show its rows");
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                    G_CALLBACK (on_after_paint), NULL);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "before-paint",
                    G_CALLBACK (on_frame_start), NULL);
  if (scroll_rows > 0)
    {
      GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list_view));
      g_autoptr(GPtrArray) shown = rows_on_screen ();
      graphene_rect_t bounds;

      /* Rows are as tall as the first one shown. */
      if (!gtk_widget_compute_bounds (g_ptr_array_index (shown, 0), list_view, &bounds))
        g_error ("The first row has no place");
      gtk_adjustment_set_value (adjustment, scroll_rows * bounds.size.height);
    }
  g_timeout_add (300, set_flag, &started);
  wait_until (flag_set, &started, 5);

  samples = g_array_new (FALSE, FALSE, sizeof (gint64));
  cpu_samples = g_array_new (FALSE, FALSE, sizeof (gint64));
  work_samples = g_array_new (FALSE, FALSE, sizeof (gint64));
  frames_samples = g_array_new (FALSE, FALSE, sizeof (gint64));
  CALLGRIND_DUMP_STATS_AT ("open");
  for (int d = 0; d < warmup + drops; d++)
    {
      g_autoptr(GPtrArray) rows = rows_on_screen ();
      GtkWidget *first, *box;
      GtkDropTarget *target = NULL;
      g_autoptr(GListModel) controllers = NULL;
      g_auto(GValue) value = G_VALUE_INIT;
      gboolean handled = FALSE;

      if (rows->len < 12 + (guint) target_row)
        g_error ("Only %u rows on screen", rows->len);
      first = g_ptr_array_index (rows, target_row);
      for (box = first; box != NULL && !gtk_widget_has_css_class (box, "todo-item");
           box = gtk_widget_get_parent (box))
        ;
      controllers = gtk_widget_observe_controllers (box);
      for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
        {
          g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

          if (GTK_IS_DROP_TARGET (controller))
            target = GTK_DROP_TARGET (controller);
        }
      g_assert_nonnull (target);
      /* A top-level task some rows down (a subtask would stay under its
       * parent when dropped before a top-level row, which is fine too). */
      moving = cairn_todo_row_get_todo (g_ptr_array_index (rows, target_row + 5 + d % 6));
      anchor = cairn_todo_row_get_todo (CAIRN_TODO_ROW (first));
      g_value_init (&value, CAIRN_TYPE_TODO);
      g_value_set_object (&value, moving);

      cpu_at = bench_thread_cpu_us ();
      frame_started_at = 0;
      frames_since_drop = 0;
      dropped_at = g_get_monotonic_time ();
      g_signal_emit_by_name (target, "drop", &value, 10.0, 2.0, &handled);
      handler_done_at = g_get_monotonic_time ();
      if (!handled)
        g_error ("The drop was refused");
      handler_us += g_get_monotonic_time () - dropped_at;
      handler_cpu_us += bench_thread_cpu_us () - cpu_at;
      if (!wait_until (moving_painted, NULL, 5))
        {
          missed++;
          moving = NULL;
        }
      spin (gap_ms);
      if (d == warmup - 1)
        {
          /* The drops so far were the warm-up: reported apart. */
          for (guint i = 0; i < work_samples->len; i++)
            g_string_append_printf (warmup_json, "%s%.2f", i > 0 ? ", " : "",
                                    g_array_index (work_samples, gint64, i) / 1000.0);
          g_array_set_size (samples, 0);
          g_array_set_size (cpu_samples, 0);
          g_array_set_size (work_samples, 0);
          g_array_set_size (frames_samples, 0);
          handler_us = handler_cpu_us = 0;
        }
    }

  CALLGRIND_DUMP_STATS_AT ("drops");
  g_array_sort (samples, bench_cmp_gint64);
  g_array_sort (cpu_samples, bench_cmp_gint64);
  g_array_sort (work_samples, bench_cmp_gint64);
  g_array_sort (frames_samples, bench_cmp_gint64);
  printf ("{\"bench\": \"ui-drop-to-repaint\", \"todos\": %d, \"rows\": %d, \"target_row\": %d, \"scroll_rows\": %d, \"drops\": %u, "
          "\"missed\": %u, \"open_list_cpu_ms\": %.1f, \"handler_mean_ms\": %.2f, \"handler_cpu_mean_ms\": %.2f, \"p50_ms\": %.2f, \"p90_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f, "
          "\"cpu_p50_ms\": %.2f, \"cpu_p99_ms\": %.2f, \"work_p50_ms\": %.2f, \"work_p99_ms\": %.2f, "
          "\"frames_to_paint_max\": %" G_GINT64_FORMAT ", \"warmup_work_ms\": [%s], \"renderer\": \"%s\"}\n",
          n_todos, n_todos + 2 * ((n_todos + 9) / 10), target_row, scroll_rows, samples->len, missed, open_cpu / 1000.0, handler_us / 1000.0 / drops,
          handler_cpu_us / 1000.0 / drops,
          percentile_ms (samples, 0.5), percentile_ms (samples, 0.9), percentile_ms (samples, 0.99),
          percentile_ms (samples, 1.0),
          percentile_ms (cpu_samples, 0.5), percentile_ms (cpu_samples, 0.99),
          percentile_ms (work_samples, 0.5), percentile_ms (work_samples, 0.99),
          frames_samples->len > 0 ? g_array_index (frames_samples, gint64, frames_samples->len - 1) : 0,
          warmup_json->str,
          g_getenv ("GSK_RENDERER") != NULL ? g_getenv ("GSK_RENDERER") : "default");

  gtk_window_destroy (GTK_WINDOW (window));
  g_array_unref (samples);
  g_array_unref (cpu_samples);
  g_array_unref (work_samples);
  g_array_unref (frames_samples);
  g_clear_object (&pool);
  g_clear_object (&store);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
    g_rmdir (dir);
  }
  return missed == 0 ? 0 : 1;
}

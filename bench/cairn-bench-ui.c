/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-ui.c: start-up of the main window over a large workspace.
 *
 * Fills a workspace (default 100,000 todos in 100 lists and 1,000 notes),
 * then measures, from opening the store to the first frame the window
 * paints with a list open, and the resident memory once it is shown.
 * Prints one JSON line per measurement. Needs a display (xvfb-run).
 * Usage: cairn-bench-ui [--todos N] [--notes N] [--lists N] [--runs N]
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>

#include "cairn-ui.h"
#include "cairn-window.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

static gint64 first_frame_at;

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       data)
{
  if (first_frame_at == 0)
    first_frame_at = g_get_monotonic_time ();
}

static void
on_realize (GtkWidget *widget,
            gpointer   data)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);
}

static double
rss_mb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? g_ascii_strtod (line + 6, NULL) / 1024.0 : -1;
}

static GSettings *
bench_settings (const char *list_id)
{
  g_autofree char *dir = g_build_filename (CAIRN_BUILD_ROOT, "app", NULL);
  g_autoptr(GSettingsSchemaSource) source = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(GError) error = NULL;
  GSettings *settings;

  source = g_settings_schema_source_new_from_directory (dir, NULL, TRUE, &error);
  if (source == NULL)
    g_error ("Cannot read the settings schema in %s: %s", dir, error->message);
  schema = g_settings_schema_source_lookup (source, APP_ID, FALSE);
  settings = g_settings_new_full (schema, backend, NULL);
  g_settings_set_string (settings, "last-selected", list_id);
  return settings;
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
  if (sqlite3_exec (cairn_store_get_db (store), "PRAGMA synchronous=OFF", NULL, NULL, NULL) != SQLITE_OK)
    g_error ("PRAGMA synchronous failed: %s", sqlite3_errmsg (cairn_store_get_db (store)));

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

static gboolean
first_frame_seen (void)
{
  return first_frame_at != 0;
}

int
main (int   argc,
      char *argv[])
{
  int n_todos = 100000, n_notes = 1000, n_lists = 100, runs = 3;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *list_id = NULL;
  GOptionEntry entries[] = {
    { "todos", 0, 0, G_OPTION_ARG_INT, &n_todos, "Todos in the workspace", "N" },
    { "notes", 0, 0, G_OPTION_ARG_INT, &n_notes, "Notes in the workspace", "N" },
    { "lists", 0, 0, G_OPTION_ARG_INT, &n_lists, "Lists the todos are spread over", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Start-ups to measure", "N" },
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
  if (n_lists < 1 || n_todos < 0 || n_notes < 0 || runs < 1)
    {
      g_printerr ("--lists and --runs must be at least 1, counts not negative\n");
      return 2;
    }

  gtk_init ();
  adw_init ();
  cairn_ui_init ();

  dir = g_dir_make_tmp ("cairn-bench-ui-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "workspace.db", NULL);
  fill_start = g_get_monotonic_time ();
  list_id = fill (path, n_todos, n_lists, n_notes);
  g_printerr ("filled in %.1f s\n", (g_get_monotonic_time () - fill_start) / 1e6);

  for (int run = 0; run < runs; run++)
    {
      g_autoptr(GSettings) settings = bench_settings (list_id);
      g_autoptr(CairnStore) store = NULL;
      g_autoptr(CairnPool) pool = NULL;
      CairnWindow *window;
      gint64 start, opened, pooled;
      double rss;

      first_frame_at = 0;
      start = g_get_monotonic_time ();
      store = cairn_store_open (path, &error);
      if (store == NULL)
        g_error ("Cannot open %s: %s", path, error->message);
      opened = g_get_monotonic_time ();
      pool = cairn_pool_new (store);
      pooled = g_get_monotonic_time ();
      window = cairn_window_new (NULL, settings, pool);
      g_signal_connect (window, "realize", G_CALLBACK (on_realize), NULL);
      gtk_window_present (GTK_WINDOW (window));
      while (!first_frame_seen ())
        g_main_context_iteration (NULL, TRUE);

      /* Let it settle, then see what it holds. */
      for (gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC / 2; g_get_monotonic_time () < end;)
        g_main_context_iteration (NULL, FALSE);
      rss = rss_mb ();

      printf ("{\"bench\":\"ui-startup\",\"run\":%d,\"todos\":%d,\"lists\":%d,\"notes\":%d,"
              "\"store_open_ms\":%.1f,\"pool_ms\":%.1f,"
              "\"first_frame_ms\":%.1f,\"rss_mb\":%.1f}\n",
              run + 1, n_todos, n_lists, n_notes,
              (opened - start) / 1000.0, (pooled - opened) / 1000.0,
              (first_frame_at - start) / 1000.0, rss);
      fflush (stdout);

      gtk_window_destroy (GTK_WINDOW (window));
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }

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

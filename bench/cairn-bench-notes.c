/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-notes.c: the notes list and the Markdown editor (issue 14).
 *
 * Prints two JSON lines:
 *  - notes-page: a workspace of --notes N notes (default 1,000) whose
 *    bodies are --chars C characters (default 10,000) of Markdown-ish
 *    text; the window opens on a list, then the Notes page is shown: the
 *    time until its rows are drawn (page_ms), how many note bodies the
 *    page read (bodies_read: the rows the list view made, not N) and the
 *    resident memory before and after (MB).
 *  - markdown-typing: --keys K keystrokes (default 500) in the middle of
 *    one such note in a GtkTextView with the Markdown tags attached: the
 *    time per key (key_p50_us, key_p99_us), against the same keys in a
 *    view without them (plain_p50_us), and what tagging the whole note
 *    once costs (full_retag_us: what each key would cost if an edit
 *    re-tagged the note instead of its line).
 *
 * Needs a display (xvfb-run -a). Usage:
 *   cairn-bench-notes [--notes N] [--chars C] [--keys K]
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cairn-markdown.h"
#include "cairn-note-row.h"
#include "cairn-notes-view.h"
#include "cairn-store-private.h"
#include "cairn-ui.h"
#include "cairn-window.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "bench-util.h"

#define APP_ID "org.cairn.Cairn"

static double
rss_mb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "\nVmRSS:");
  return line != NULL ? g_ascii_strtod (line + strlen ("\nVmRSS:"), NULL) / 1024.0 : -1;
}

/* Markdown-ish text of about @chars characters: a heading, paragraphs
 * with emphasis, a checklist, a link. */
static char *
make_body (int chars)
{
  GString *text = g_string_new ("# A note\n");
  static const char * const lines[] = {
    "Some **bold** words, some *italic* ones and a _few_ more in a line of prose.\n",
    "- [ ] a thing to do\n",
    "- [x] a thing done\n",
    "1. a numbered item with https://gnome.org in it\n",
    "Plain text, the most of what a note holds, without any marks at all.\n",
  };

  for (guint i = 0; (int) text->len < chars; i++)
    g_string_append (text, lines[i % G_N_ELEMENTS (lines)]);
  g_string_truncate (text, chars);
  return g_string_free (text, FALSE);
}

static double
percentile (GArray *samples,
            double  p)
{
  g_array_sort (samples, bench_cmp_gint64);
  return g_array_index (samples, gint64, MIN (samples->len - 1, (guint) (p * samples->len)));
}

/* Visits every widget under @w. */
static void
count_rows (GtkWidget *w,
            guint     *rows)
{
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      if (CAIRN_IS_NOTE_ROW (c) && cairn_note_row_get_preview_read (CAIRN_NOTE_ROW (c)))
        (*rows)++;
      count_rows (c, rows);
    }
}

static gboolean drawn;

static void
on_frame (GdkFrameClock *clock,
          gpointer       data)
{
  drawn = TRUE;
}

static void
bench_page (const char *dir,
            int         n_notes,
            const char *body)
{
  g_autofree char *path = g_build_filename (dir, "notes.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(CairnPool) pool = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *list = NULL;
  CairnWindow *window;
  GdkFrameClock *clock;
  double rss_before, rss_after;
  gint64 t0, t1;
  guint rows = 0;

  store = cairn_store_open (path, &error);
  if (store == NULL)
    g_error ("open: %s", error->message);
  sqlite3_exec (_cairn_store_get_db (store), "PRAGMA synchronous=OFF", NULL, NULL, NULL);
  list = cairn_store_create_list (store, "A list", &error);
  for (int i = 0; i < n_notes; i++)
    {
      g_autofree char *title = g_strdup_printf ("Note %d", i + 1);
      g_autofree char *id = cairn_store_create_note (store, title, &error);
      g_autoptr(CairnNoteBuffer) nb = NULL;

      if (id == NULL || (nb = cairn_note_buffer_new (store, id, &error)) == NULL ||
          !cairn_note_buffer_insert (nb, 0, body, -1, &error) ||
          !cairn_note_buffer_flush (nb, &error))
        g_error ("fill: %s", error->message);
    }
  if (!cairn_store_save_note_bodies (store, &error))
    g_error ("save bodies: %s", error->message);

  pool = cairn_pool_new (store);
  settings = bench_app_settings (list);
  window = cairn_window_new (NULL, settings, pool);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 800);
  gtk_window_present (GTK_WINDOW (window));
  for (int i = 0; i < 50; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
  g_usleep (200000);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  rss_before = rss_mb ();
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  t0 = g_get_monotonic_time ();
  cairn_window_select_page (window, "notes");
  drawn = FALSE;
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_frame), NULL);
  while (!drawn)
    g_main_context_iteration (NULL, TRUE);
  t1 = g_get_monotonic_time ();
  g_signal_handlers_disconnect_by_func (clock, on_frame, NULL);
  rss_after = rss_mb ();
  count_rows (GTK_WIDGET (window), &rows);

  printf ("{\"bench\":\"notes-page\",\"notes\":%d,\"chars\":%d,\"page_ms\":%.1f,"
          "\"bodies_read\":%u,\"rss_before_mb\":%.1f,\"rss_after_mb\":%.1f}\n",
          n_notes, (int) strlen (body), (t1 - t0) / 1000.0, rows, rss_before, rss_after);
  fflush (stdout);
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Per-key time of @keys insertions in the middle of @body. */
static GArray *
type_keys (const char *body,
           int         keys,
           gboolean    markdown,
           gint64     *full_retag_us)
{
  GtkWidget *view = gtk_text_view_new ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  GArray *samples = g_array_new (FALSE, FALSE, sizeof (gint64));
  GtkTextIter iter;

  g_object_ref_sink (view);
  gtk_text_buffer_set_text (buffer, body, -1);
  if (markdown)
    {
      gint64 t0 = g_get_monotonic_time ();

      cairn_markdown_attach (GTK_TEXT_VIEW (view));  /* tags the whole note */
      *full_retag_us = g_get_monotonic_time () - t0;
    }
  gtk_text_buffer_get_iter_at_offset (buffer, &iter, (int) g_utf8_strlen (body, -1) / 2);
  gtk_text_buffer_place_cursor (buffer, &iter);
  for (int i = 0; i < keys; i++)
    {
      gint64 t0 = g_get_monotonic_time (), dt;

      gtk_text_buffer_insert_at_cursor (buffer, i % 40 == 39 ? "\n" : "x", 1);
      dt = g_get_monotonic_time () - t0;
      g_array_append_val (samples, dt);
    }
  g_object_unref (view);
  return samples;
}

int
main (int   argc,
      char *argv[])
{
  int n_notes = 1000, chars = 10000, keys = 500;
  GOptionEntry entries[] = {
    { "notes", 0, 0, G_OPTION_ARG_INT, &n_notes, "Notes in the workspace", "N" },
    { "chars", 0, 0, G_OPTION_ARG_INT, &chars, "Characters in each body", "C" },
    { "keys", 0, 0, G_OPTION_ARG_INT, &keys, "Keystrokes typed", "K" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GArray) with = NULL;
  g_autoptr(GArray) without = NULL;
  gint64 full_us = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  gtk_init ();
  adw_init ();
  cairn_ui_init ();

  dir = g_dir_make_tmp ("cairn-bench-notes-XXXXXX", &error);
  body = make_body (chars);
  bench_page (dir, n_notes, body);

  without = type_keys (body, keys, FALSE, NULL);
  with = type_keys (body, keys, TRUE, &full_us);
  printf ("{\"bench\":\"markdown-typing\",\"chars\":%d,\"keys\":%d,\"key_p50_us\":%.0f,"
          "\"key_p99_us\":%.0f,\"plain_p50_us\":%.0f,\"plain_p99_us\":%.0f,"
          "\"full_retag_us\":%" G_GINT64_FORMAT "}\n",
          chars, keys, percentile (with, 0.5), percentile (with, 0.99),
          percentile (without, 0.5), percentile (without, 0.99), full_us);

  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    if (system (cmd) != 0)
      g_warning ("Cannot remove %s", dir);
  }
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-typing.c: typing into a long text through the store, with
 * a pool following it, as one JSON line per kind of text: a note's body
 * (note.edited) and a todo's notes (todo.notes_edited).
 *
 * Usage: cairn-bench-typing [--chars N] [--keys N] [--runs N] [--text note|todo|both]
 *
 * Per text: a fresh store in a temporary folder with an Inbox and 100
 * todos; the text (N characters, default 100,000, in paragraphs of ~570)
 * is committed and written, then a replica of it is loaded once (as an
 * editor holds one) and --keys (default 1,000) characters are typed in
 * its middle, each key committed as one event through
 * cairn_store_edit_note() / cairn_store_edit_todo_notes() while a pool
 * holds the note or todo. commit_*: the whole commit of a key (validation,
 * reducer, log and pending rows, changeset, COMMIT, ::changed and the
 * pool's update of the object); read_us: cairn_note_get_body() /
 * cairn_todo_get_notes() once after the keys (the lazy read of the whole
 * text); write_us: cairn_store_save_note_bodies() after the keys (the lazy
 * write); commit_cpu_*: the thread's CPU time per commit, which other
 * work on the machine moves less than wall time. No GTK: cairn-bench-ui measures the editor around a note's
 * commit. --runs: the run with the smallest commit p50 is printed.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cairn-pool.h"
#include "cairn-store.h"
#include "cairn-text.h"

#include "bench-util.h"

static double
percentile (GArray *samples,
            double  p)
{
  guint i;

  g_array_sort (samples, bench_cmp_gint64);
  i = (guint) (p * (samples->len - 1) + 0.5);
  return (double) g_array_index (samples, gint64, i);
}

static char *
long_text (guint chars)
{
  GString *s = g_string_new (NULL);

  while (s->len < chars)
    {
      if (s->len > 0 && s->len % 570 < 8)
        g_string_append_c (s, '\n');
      g_string_append (s, "lorem ipsum ");
    }
  g_string_truncate (s, chars);
  return g_string_free (s, FALSE);
}

typedef struct
{
  double commit_p50, commit_p99, commit_max, read_us, write_us;
  double cpu_p50, cpu_p99;
} Figures;

static gboolean
edit (CairnStore    *store,
      gboolean       todo,
      const char    *id,
      CairnTextOps  *ops,
      GError       **error)
{
  return todo ? cairn_store_edit_todo_notes (store, id, ops, error)
              : cairn_store_edit_note (store, id, ops, error);
}

static CairnText *
load (CairnStore  *store,
      gboolean     todo,
      const char  *id,
      GError     **error)
{
  return todo ? cairn_store_load_todo_notes (store, id, error)
              : cairn_store_load_note_text (store, id, error);
}

static Figures
run_once (gboolean todo,
          guint    chars,
          guint    keys)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cairn-bench-typing-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autoptr(CairnStore) store = cairn_store_open (path, &error);
  g_autoptr(CairnPool) pool = NULL;
  g_autoptr(GObject) object = NULL;
  g_autoptr(CairnText) text = NULL;
  g_autoptr(GArray) commit_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) commit_cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *id = NULL;
  g_autofree char *body = long_text (chars);
  Figures f = { 0 };
  gint64 t0;

  if (store == NULL || !cairn_store_ensure_inbox (store, &error))
    g_error ("%s", error->message);
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *title = g_strdup_printf ("Todo %u", i);
      g_autofree char *made = cairn_store_create_todo (store, CAIRN_INBOX_ID, title, NULL, NULL, &error);

      if (made == NULL)
        g_error ("%s", error->message);
      if (i == 50)
        id = g_steal_pointer (&made);
    }
  if (!todo)
    {
      g_free (id);
      if ((id = cairn_store_create_note (store, "Long", &error)) == NULL)
        g_error ("%s", error->message);
    }

  /* The long text, committed and written. */
  {
    g_autoptr(CairnText) initial = load (store, todo, id, &error);
    g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

    if (initial == NULL || !cairn_text_insert (initial, 0, body, -1, ops, &error) ||
        !edit (store, todo, id, ops, &error) || !cairn_store_save_note_bodies (store, &error))
      g_error ("%s", error->message);
  }

  pool = cairn_pool_new (store);
  object = todo ? G_OBJECT (g_object_ref (cairn_pool_lookup_todo (pool, id)))
                : G_OBJECT (g_object_ref (cairn_pool_lookup_note (pool, id)));
  if ((text = load (store, todo, id, &error)) == NULL)
    g_error ("%s", error->message);
  for (guint k = 0; k < keys; k++)
    {
      g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
      gint64 us, cpu0, cpu;

      if (!cairn_text_insert (text, chars / 2 + k, "k", 1, ops, &error))
        g_error ("%s", error->message);
      cpu0 = bench_thread_cpu_us ();
      t0 = g_get_monotonic_time ();
      if (!edit (store, todo, id, ops, &error))
        g_error ("%s", error->message);
      us = g_get_monotonic_time () - t0;
      cpu = bench_thread_cpu_us () - cpu0;
      g_array_append_val (commit_us, us);
      g_array_append_val (commit_cpu, cpu);
    }

  t0 = g_get_monotonic_time ();
  {
    const char *now = todo ? cairn_todo_get_notes (CAIRN_TODO (object))
                           : cairn_note_get_body (CAIRN_NOTE (object));

    if (strlen (now) != chars + keys)
      g_error ("The %s holds %zu bytes, not %u", todo ? "todo's notes" : "note's body",
               strlen (now), chars + keys);
  }
  f.read_us = (double) (g_get_monotonic_time () - t0);
  t0 = g_get_monotonic_time ();
  if (!cairn_store_save_note_bodies (store, &error))
    g_error ("%s", error->message);
  f.write_us = (double) (g_get_monotonic_time () - t0);

  f.commit_p50 = percentile (commit_us, 0.5);
  f.commit_p99 = percentile (commit_us, 0.99);
  f.commit_max = percentile (commit_us, 1.0);
  f.cpu_p50 = percentile (commit_cpu, 0.5);
  f.cpu_p99 = percentile (commit_cpu, 0.99);

  g_clear_object (&object);
  g_clear_object (&pool);
  g_clear_object (&store);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_remove (wal);
    g_remove (shm);
    g_remove (path);
    g_rmdir (dir);
  }
  return f;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *which = NULL;
  int chars = 100000, keys = 1000, runs = 3;
  GOptionEntry entries[] = {
    { "chars", 0, 0, G_OPTION_ARG_INT, &chars, "Length of the text", "N" },
    { "keys", 0, 0, G_OPTION_ARG_INT, &keys, "Keys typed, each one commit", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs per text (the fastest is printed)", "N" },
    { "text", 0, 0, G_OPTION_ARG_STRING, &which, "note, todo or both (default)", "KIND" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || chars < 1 || keys < 1 || runs < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "--chars, --keys and --runs must be positive");
      return 2;
    }
  g_log_set_handler ("cairn-store", G_LOG_LEVEL_DEBUG, (GLogFunc) g_log_default_handler, NULL);

  for (guint kind = 0; kind < 2; kind++)
    {
      gboolean todo = kind == 1;
      Figures best = { 0 };

      if (which != NULL && !g_str_equal (which, "both") &&
          !g_str_equal (which, todo ? "todo" : "note"))
        continue;
      for (int r = 0; r < runs; r++)
        {
          Figures f = run_once (todo, (guint) chars, (guint) keys);

          if (r == 0 || f.commit_p50 < best.commit_p50)
            best = f;
        }
      printf ("{\"bench\":\"typing\",\"text\":\"%s\",\"chars\":%d,\"keys\":%d,\"runs\":%d,"
              "\"commit_p50_us\":%.0f,\"commit_p99_us\":%.0f,\"commit_max_us\":%.0f,"
              "\"commit_cpu_p50_us\":%.0f,\"commit_cpu_p99_us\":%.0f,"
              "\"read_us\":%.0f,\"write_us\":%.0f}\n",
              todo ? "todo-notes" : "note-body", chars, keys, runs, best.commit_p50,
              best.commit_p99, best.commit_max, best.cpu_p50, best.cpu_p99,
              best.read_us, best.write_us);
      fflush (stdout);
    }
  return 0;
}

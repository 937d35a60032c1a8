/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-undo.c: the store's undo (issue 15: p99 ≤ 2 ms).
 *
 * A workspace of --todos tasks (default 10,000) and a note of --note-chars
 * characters (default 20,000). Then --rounds times (default 1,000): one
 * action (a rename of a random task, or every fourth round a burst of 40
 * characters typed in the middle of the note), and its undo, timed: the
 * whole cairn_store_undo() call (reading the action, checking each field,
 * the inverse text ops, the commit of the new events). The undo stack is
 * full (CAIRN_UNDO_MAX_ACTIONS) from the start. Also the commit of the
 * rename itself, which now records its fields. Times: wall clock, and
 * this thread's CPU time (what the undo itself costs when the machine is
 * shared); wall figures need a quiet machine. Prints one JSON line.
 * Usage: cairn-bench-undo [--todos N] [--note-chars N] [--rounds N]
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cairn-store-undo.h"
#include "cairn-text.h"

#include "bench-util.h"

static int
cmp_i64 (gconstpointer a,
         gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
pct (GArray *v,
     double  p)
{
  guint i;

  g_array_sort (v, cmp_i64);
  i = (guint) (p * (v->len - 1) + 0.5);
  return g_array_index (v, gint64, i) / 1000.0;
}

static void
check (gboolean      ok,
       const GError *error)
{
  if (!ok)
    g_error ("%s", error != NULL ? error->message : "failed");
}

static void
type_into (CairnStore *store,
           const char *note_id,
           gsize       pos,
           const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) replica = cairn_store_load_note_text (store, note_id, &error);
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

  check (replica != NULL, error);
  for (const char *p = text; *p; p++, pos++)
    check (cairn_text_insert (replica, pos, p, 1, ops, &error), error);
  check (cairn_store_edit_note (store, note_id, ops, &error), error);
}

int
main (int argc, char **argv)
{
  int n_todos = 10000, note_chars = 20000, rounds = 1000;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  GOptionEntry entries[] = {
    { "todos", 0, 0, G_OPTION_ARG_INT, &n_todos, "Tasks in the workspace", "N" },
    { "note-chars", 0, 0, G_OPTION_ARG_INT, &note_chars, "Characters in the note", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Actions undone", "N" },
    { NULL }
  };
  g_autofree char *dir = NULL, *path = NULL, *note = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) field_undo = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) text_undo = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) commits = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) field_cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) text_cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GRand) rand = g_rand_new_with_seed (15);
  GString *filler;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);

  dir = g_dir_make_tmp ("cairn-bench-undo-XXXXXX", &error);
  check (dir != NULL, error);
  path = g_build_filename (dir, "workspace.db", NULL);
  store = cairn_store_open (path, &error);
  check (store != NULL, error);
  check (cairn_store_ensure_inbox (store, &error), error);

  cairn_store_begin_action (store);
  for (int i = 0; i < n_todos; i++)
    {
      g_autofree char *title = g_strdup_printf ("Task %d", i);
      char *id = cairn_store_create_todo (store, CAIRN_INBOX_ID, title, NULL, NULL, &error);

      check (id != NULL, error);
      g_ptr_array_add (ids, id);
    }
  note = cairn_store_create_note (store, "Long note", &error);
  check (note != NULL, error);
  filler = g_string_new (NULL);
  while ((int) filler->len < note_chars)
    g_string_append (filler, "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ");
  g_string_truncate (filler, note_chars);
  type_into (store, note, 0, filler->str);
  g_string_free (filler, TRUE);
  cairn_store_end_action (store);
  /* A full stack. */
  for (int i = 0; i < CAIRN_UNDO_MAX_ACTIONS; i++)
    {
      g_autofree char *title = g_strdup_printf ("Filled %d", i);
      check (cairn_store_rename_todo (store, ids->pdata[i % ids->len], title, &error), error);
    }

  for (int r = 0; r < rounds; r++)
    {
      g_autoptr(CairnUndoResult) result = NULL;
      gboolean typing = r % 4 == 3;
      gint64 t0, t1, c0, c1;

      cairn_store_break_typing (store);
      if (typing)
        type_into (store, note, (gsize) g_rand_int_range (rand, 0, note_chars),
                   "and then some more words typed here. ");
      else
        {
          g_autofree char *title = g_strdup_printf ("Renamed %d", r);

          t0 = g_get_monotonic_time ();
          check (cairn_store_rename_todo (store, ids->pdata[g_rand_int_range (rand, 0, (gint32) ids->len)],
                                          title, &error), error);
          t1 = g_get_monotonic_time ();
          g_array_append_val (commits, ((gint64) { t1 - t0 }));
        }
      c0 = bench_thread_cpu_us ();
      t0 = g_get_monotonic_time ();
      result = cairn_store_undo (store, &error);
      t1 = g_get_monotonic_time ();
      c1 = bench_thread_cpu_us ();
      g_array_append_val (typing ? text_cpu : field_cpu, ((gint64) { c1 - c0 }));
      check (result != NULL && result->changed->len == 1, error);
      g_array_append_val (typing ? text_undo : field_undo, ((gint64) { t1 - t0 }));
    }

  printf ("{\"bench\":\"undo\",\"todos\":%d,\"note_chars\":%d,\"rounds\":%d,"
          "\"undo_field_p50_ms\":%.3f,\"undo_field_p99_ms\":%.3f,"
          "\"undo_typing_p50_ms\":%.3f,\"undo_typing_p99_ms\":%.3f,"
          "\"undo_field_cpu_p50_ms\":%.3f,\"undo_field_cpu_p99_ms\":%.3f,"
          "\"undo_typing_cpu_p50_ms\":%.3f,\"undo_typing_cpu_p99_ms\":%.3f,"
          "\"rename_commit_p50_ms\":%.3f,\"rename_commit_p99_ms\":%.3f}\n",
          n_todos, note_chars, rounds,
          pct (field_undo, 0.5), pct (field_undo, 0.99),
          pct (text_undo, 0.5), pct (text_undo, 0.99),
          pct (field_cpu, 0.5), pct (field_cpu, 0.99),
          pct (text_cpu, 0.5), pct (text_cpu, 0.99),
          pct (commits, 0.5), pct (commits, 0.99));

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

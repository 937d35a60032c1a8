/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-remote-edit.c: what one remote change costs the receiving
 * device's store (rebase of one event, with a pool following it, as the
 * app has), at the start and at the end of a long history: a note edited
 * N times by another device (one keystroke per event), and a todo renamed
 * N times. Prints JSON lines.
 *
 * Usage: cairn-bench-remote-edit [N]   (default 10000)
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <time.h>

#include "cairn-pool.h"
#include "cairn-store.h"
#include "text/cairn-text.h"

#include "bench-util.h"

/* Keystroke events are timed in windows of this many at each end. */
#define WINDOW 200

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

/* Moves the sender's pending events into its log (as the server's echo
 * would), and returns copies numbered for the receiver from *seq on. */
static GPtrArray *
take_pending (CairnStore *sender,
              gint64     *seq)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = cairn_store_list_pending (sender, 0, &error);
  GPtrArray *out;

  if (pending == NULL)
    g_error ("%s", error->message);
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  for (guint i = 0; i < pending->len; i++)
    {
      CairnEvent *event = pending->pdata[i];

      event->seq = ++*seq;
      g_ptr_array_add (out, cairn_event_ref (event));
    }
  if (!cairn_store_rebase (sender, pending, NULL, &error))
    g_error ("sender rebase: %s", error->message);
  return out;
}

static void
rebase_one (CairnStore *receiver,
            CairnEvent *event)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) one = g_ptr_array_new ();

  g_ptr_array_add (one, event);
  if (!cairn_store_rebase (receiver, one, NULL, &error))
    g_error ("receiver rebase: %s", error->message);
}

/* Applies every event one rebase each; prints the mean cost (wall clock
 * and this thread's CPU time: on a loaded machine the wall clock mostly
 * measures the others) of the first and the last WINDOW. */
static void
replay (const char *bench,
        CairnStore *receiver,
        GPtrArray  *events)
{
  gint64 first = 0, last = 0, first_cpu = 0, last_cpu = 0;
  guint n = events->len;

  for (guint i = 0; i < n; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      gint64 c0 = bench_thread_cpu_us ();

      rebase_one (receiver, events->pdata[i]);
      c0 = bench_thread_cpu_us () - c0;
      t0 = g_get_monotonic_time () - t0;
      if (i < WINDOW)
        {
          first += t0;
          first_cpu += c0;
        }
      if (i >= n - WINDOW)
        {
          last += t0;
          last_cpu += c0;
        }
      /* What the app's main loop would run meanwhile (the lazy write). */
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  g_print ("{\"bench\":\"%s\",\"events\":%u,\"ms_first_%u\":%.3f,\"ms_last_%u\":%.3f,"
           "\"cpu_ms_first\":%.3f,\"cpu_ms_last\":%.3f,\"target_ms\":1}\n",
           bench, n, WINDOW, first / 1e3 / WINDOW, WINDOW, last / 1e3 / WINDOW,
           first_cpu / 1e3 / WINDOW, last_cpu / 1e3 / WINDOW);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cairn-bench-remote-edit-XXXXXX", NULL);
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 10000;
  g_autoptr(CairnStore) sender = open_store (dir, "sender.db");
  g_autoptr(CairnStore) receiver = open_store (dir, "receiver.db");
  g_autoptr(CairnPool) pool = cairn_pool_new (receiver);
  g_autoptr(GPtrArray) setup = NULL;
  g_autoptr(GPtrArray) edits = NULL;
  g_autoptr(GPtrArray) renames = NULL;
  g_autoptr(CairnText) text = NULL;
  g_autofree char *note = NULL;
  g_autofree char *list = NULL;
  g_autofree char *todo = NULL;
  gint64 seq = 0;
  GListModel *notes;
  g_autoptr(GListModel) todos = NULL;

  if (n < 2 * WINDOW)
    n = 2 * WINDOW;
  /* The sender's own Inbox, a list, a todo and a note. */
  list = cairn_store_create_list (sender, "Bench", &error);
  g_assert_no_error (error);
  todo = cairn_store_create_todo (sender, list, "Task", NULL, NULL, &error);
  g_assert_no_error (error);
  note = cairn_store_create_note (sender, "Note", &error);
  g_assert_no_error (error);
  setup = take_pending (sender, &seq);

  /* n keystrokes: each one event, as a remote device streaming typing. */
  text = cairn_store_load_note_text (sender, note, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
      char c[2] = { (char) ('a' + i % 26), '\0' };

      if (i % 61 == 60)
        c[0] = ' ';
      if (!cairn_text_insert (text, cairn_text_get_length (text), c, 1, ops, &error) ||
          !cairn_store_edit_note (sender, note, ops, &error))
        g_error ("%s", error->message);
    }
  edits = take_pending (sender, &seq);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *title = g_strdup_printf ("Task %u", i);

      if (!cairn_store_rename_todo (sender, todo, title, &error))
        g_error ("%s", error->message);
    }
  renames = take_pending (sender, &seq);

  /* The receiver: the app's pool, holding the note (its body read) and
   * the todo's list. */
  if (!cairn_store_rebase (receiver, setup, NULL, &error))
    g_error ("%s", error->message);
  notes = cairn_pool_get_notes (pool);
  g_assert_cmpuint (g_list_model_get_n_items (notes), ==, 1);
  todos = cairn_pool_get_todos (pool, list);
  g_assert_cmpuint (cairn_store_get_pending_count (receiver), ==, 0);

  replay ("remote-note-edit", receiver, edits);
  replay ("remote-todo-rename", receiver, renames);

  {
    g_autofree char *a = cairn_text_get_text (text, NULL);
    g_autoptr(CairnNote) item = g_list_model_get_item (notes, 0);

    if (g_strcmp0 (a, cairn_note_get_body (item)) != 0)
      g_error ("the receiver's note differs from the sender's");
  }
  g_clear_object (&todos);
  g_clear_object (&pool);
  g_clear_object (&receiver);
  g_clear_object (&sender);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    if (system (cmd) != 0)
      g_warning ("could not remove %s", dir);
  }
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-hash.c: the cost of the confirmed-state hash
 * (data/cairn-store-hash.c) on a store of N todos (default 100,000),
 * beside the canonical JSON dump it stands for, with no pending event and
 * with pending events (then the pending changesets are rolled back inside
 * an abandoned transaction), and off the calling thread (the store's
 * reader: the caller's CPU and the wall time to the answer). Prints JSON
 * lines. */
#include "config.h"

#include <time.h>
#include <glib/gstdio.h>

#include "cairn-store-hash.h"
#include "cairn-store-private.h"

#include "bench-util.h"

static CairnEvent *
remote_event (const char *name,
              gint64      seq,
              JsonObject *args)
{
  CairnEvent *event = cairn_event_new (name, 1, args);

  event->client_id = g_strdup ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  event->client_seq = seq;
  event->seq = seq;
  event->created_at = 1700000000000 + seq;
  return event;
}

/* Events first_seq… : a list (at seq 1), then todos in it. */
static GPtrArray *
remote_batch (gint64      first_seq,
              guint       n,
              const char *list_id)
{
  GPtrArray *batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonObject) args = json_object_new ();
      gint64 seq = first_seq + i;

      if (seq == 1)
        {
          json_object_set_string_member (args, "list_id", list_id);
          json_object_set_string_member (args, "title", "Remote");
          json_object_set_string_member (args, "position", "V");
          g_ptr_array_add (batch, remote_event ("list.created", seq, args));
        }
      else
        {
          static const char digits[] = "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
          char position[4] = { 'V', digits[seq % 61], digits[(seq / 61) % 61], '\0' };
          g_autofree char *todo_id = cairn_new_object_id ();

          json_object_set_string_member (args, "todo_id", todo_id);
          json_object_set_string_member (args, "list_id", list_id);
          json_object_set_string_member (args, "title", "A remote todo of some length");
          json_object_set_string_member (args, "position", position);
          g_ptr_array_add (batch, remote_event ("todo.created", seq, args));
        }
    }
  return batch;
}

static double last_cpu_ms;

static double
time_hash (CairnStore     *store,
           CairnStateHash *out)
{
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  double c0 = bench_thread_cpu_ms ();

  if (!cairn_store_confirmed_state_hash (store, out, &error))
    g_error ("%s", error->message);
  last_cpu_ms = bench_thread_cpu_ms () - c0;
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* The hash off the main thread (cairn_store_confirmed_state_hash_async()):
 * the wall time until the answer, and the CPU the calling thread spent
 * (what the GTK main loop would pay), the main loop iterated meanwhile. */
static double
time_hash_async (CairnStore     *store,
                 CairnStateHash *out,
                 double         *caller_cpu_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  gint64 t0 = g_get_monotonic_time ();
  double c0 = bench_thread_cpu_ms ();

  cairn_store_confirmed_state_hash_async (store, NULL, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!cairn_store_confirmed_state_hash_finish (store, result, out, &error))
    g_error ("%s", error->message);
  *caller_cpu_ms = bench_thread_cpu_ms () - c0;
  return (g_get_monotonic_time () - t0) / 1000.0;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cairn-bench-hash-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *list_id = cairn_new_object_id ();
  g_autoptr(CairnStore) store = NULL;
  guint n_todos = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 100000;
  guint done = 0;
  CairnStateHash hash, again, off_main;
  double ms, dump_ms, pending_ms, hash_cpu_ms, async_ms, async_caller_cpu_ms;
  gint64 t0;

  if (dir == NULL)
    g_error ("%s", error->message);
  path = g_build_filename (dir, "hash.db", NULL);
  store = cairn_store_open (path, &error);
  if (store == NULL)
    g_error ("%s", error->message);
  while (done < n_todos + 1)
    {
      guint n = MIN (10000, n_todos + 1 - done);
      g_autoptr(GPtrArray) batch = remote_batch (done + 1, n, list_id);

      if (!cairn_store_rebase (store, batch, NULL, &error))
        g_error ("%s", error->message);
      done += n;
    }

  time_hash (store, &hash);  /* warm the page cache, as a running app has it */
  ms = time_hash (store, &hash);
  hash_cpu_ms = last_cpu_ms;

  async_ms = time_hash_async (store, &off_main, &async_caller_cpu_ms);
  if (g_strcmp0 (hash.hash, off_main.hash) != 0 || off_main.seq != hash.seq)
    g_error ("the hash off the main thread differs");

  t0 = g_get_monotonic_time ();
  g_free (cairn_store_dump_state (store, &error));
  dump_ms = (g_get_monotonic_time () - t0) / 1000.0;

  /* 100 local edits waiting in the outbox: the hash is of the state
   * without them, so it must not change. */
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *id = cairn_store_create_todo (store, list_id, "A local todo", NULL, NULL, &error);

      if (id == NULL)
        g_error ("%s", error->message);
    }
  pending_ms = time_hash (store, &again);
  if (g_strcmp0 (hash.hash, again.hash) != 0)
    g_error ("the confirmed hash changed with pending events");

  g_print ("{\"bench\":\"store.state_hash\",\"todos\":%u,\"hash_ms\":%.1f,\"hash_cpu_ms\":%.1f,"
           "\"thread_hash_ms\":%.1f,\"thread_hash_caller_cpu_ms\":%.1f,"
           "\"dump_json_ms\":%.1f,\"hash_with_100_pending_ms\":%.1f,\"pending_cpu_ms\":%.1f}\n",
           n_todos, ms, hash_cpu_ms, async_ms, async_caller_cpu_ms, dump_ms, pending_ms, last_cpu_ms);

  g_clear_object (&store);
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

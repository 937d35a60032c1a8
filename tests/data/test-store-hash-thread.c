/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-hash-thread.c: the state hash on a worker thread
 * (cairn_store_confirmed_state_hash_async()) reports a seq and the hash
 * of the state at that seq, even when the store writes while the worker
 * reads; it refuses (BUSY) while events wait to be sent. */
#include "config.h"

#include "cairn-store-hash-private.h"
#include "cairn-store-sync.h"
#include "store-test-util.h"

/* A workspace of todos and typed notes, as confirmed events. */
static GPtrArray *
make_events (TestStore *ts,
             guint      n_todos)
{
  g_autoptr(CairnStore) gen = test_store_open_extra (ts, "gen.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  g_autofree char *list = cairn_store_create_list (gen, "Everything", &error);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

  g_assert_no_error (error);
  for (guint i = 0; i < n_todos; i++)
    {
      g_autofree char *title = g_strdup_printf ("Todo %u", i);
      g_autofree char *id = cairn_store_create_todo (gen, list, title, NULL, NULL, &error);

      g_assert_no_error (error);
      if (i % 50 == 0)
        {
          g_autofree char *note = cairn_store_create_note (gen, title, &error);

          g_assert_no_error (error);
          test_type_into_note (gen, note, 0, "typed ");
          test_type_into_note (gen, note, 6, "and more");
        }
    }
  pending = cairn_store_list_pending (gen, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < pending->len; i++)
    g_ptr_array_add (out, test_event_confirmed (pending->pdata[i], i + 1));
  return out;
}

static GPtrArray *
slice (GPtrArray *events,
       guint      from,
       guint      to)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

  for (guint i = from; i < to; i++)
    g_ptr_array_add (out, cairn_event_ref (events->pdata[i]));
  return out;
}

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* The worker stops once its snapshot has begun; the test writes, then
 * lets it go on. */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean reading;
  gboolean go;
} Gate;

static void
gate_hook (gpointer user_data)
{
  Gate *gate = user_data;

  g_mutex_lock (&gate->lock);
  gate->reading = TRUE;
  g_cond_broadcast (&gate->cond);
  while (!gate->go)
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);
}

/* A hash asked for at head h, while h+1… are rebased and a note typed
 * into (its text then unwritten) between the worker's first read and its
 * hash: it reports h and the hash a store at h gives, not the store's
 * state when it answers. Then, without writes, the head and its hash. */
static void
test_hash_while_writing (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) events = make_events (ts, 400);
  guint half = events->len / 2;
  g_autoptr(GPtrArray) first = slice (events, 0, half);
  g_autoptr(GPtrArray) rest = slice (events, half, events->len);
  g_autoptr(CairnStore) at_half = test_store_open_extra (ts, "reference.db");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) again = NULL;
  g_autoptr(GError) error = NULL;
  CairnStateHash expected, got, now;
  Gate gate = { 0 };

  test_rebase_ok (at_half, first, "h");
  g_assert_true (cairn_store_confirmed_state_hash (at_half, &expected, &error));
  g_assert_no_error (error);

  test_rebase_ok (ts->store, first, "h");
  g_mutex_init (&gate.lock);
  g_cond_init (&gate.cond);
  _cairn_store_hash_reader_set_test_hook (gate_hook, &gate);
  cairn_store_confirmed_state_hash_async (ts->store, NULL, got_result, &result);

  g_mutex_lock (&gate.lock);
  while (!gate.reading)
    g_cond_wait (&gate.cond, &gate.lock);
  g_mutex_unlock (&gate.lock);
  /* the writes, committed while the worker holds its snapshot */
  test_rebase_ok (ts->store, rest, "h");
  g_assert_cmpint (cairn_store_get_head (ts->store), ==, events->len);
  g_mutex_lock (&gate.lock);
  gate.go = TRUE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);

  g_assert_true (cairn_store_confirmed_state_hash_finish (ts->store, wait_result (&result), &got, &error));
  g_assert_no_error (error);
  _cairn_store_hash_reader_set_test_hook (NULL, NULL);
  g_assert_cmpint (got.seq, ==, half);
  g_assert_cmpstr (got.format, ==, expected.format);
  g_assert_cmpstr (got.hash, ==, expected.hash);

  /* The store moved on: its hash now differs, and a new call gives it. */
  g_assert_true (cairn_store_confirmed_state_hash (ts->store, &now, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (now.hash, !=, expected.hash);
  cairn_store_confirmed_state_hash_async (ts->store, NULL, got_result, &again);
  g_assert_true (cairn_store_confirmed_state_hash_finish (ts->store, wait_result (&again), &got, &error));
  g_assert_no_error (error);
  g_assert_cmpint (got.seq, ==, events->len);
  g_assert_cmpstr (got.hash, ==, now.hash);
  g_mutex_clear (&gate.lock);
  g_cond_clear (&gate.cond);
}

/* Events waiting to be sent: the state is not confirmed state as it is,
 * so the worker does not hash it (BUSY: ask later), and says so without
 * changing anything. */
static void
test_busy_with_pending (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) events = make_events (ts, 20);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;
  CairnStateHash got;

  test_rebase_ok (ts->store, events, "h");
  list = cairn_store_create_list (ts->store, "Mine", &error);
  g_assert_no_error (error);
  cairn_store_confirmed_state_hash_async (ts->store, NULL, got_result, &result);
  g_assert_false (cairn_store_confirmed_state_hash_finish (ts->store, wait_result (&result), &got, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, 1);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/state-hash-thread/while-writing", test_hash_while_writing);
  g_test_add_func ("/state-hash-thread/busy-with-pending", test_busy_with_pending);
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-rebase.c: rebase (fast path, rollback and replay), rebuild,
 * unknown events, and a seeded property test tying them together. */
#include "config.h"

#include <string.h>

#include "cairn-position.h"
#include "cairn-text.h"
#include "store-test-util.h"

#define OTHER "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define THIRD "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define L1 "01890a5d-ac96-774b-bcce-b30209900001"
#define L2 "01890a5d-ac96-774b-bcce-b30209900002"
#define T1 "01890a5d-ac96-774b-bcce-b30209900011"
#define T2 "01890a5d-ac96-774b-bcce-b30209900012"

typedef struct
{
  guint         n_emissions;
  CairnChanges *last;   /* copy of the sets of the last emission */
} Recorder;

static void
copy_set (GHashTable *from,
          GHashTable *to)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, from);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (to, g_strdup (key));
}

static void
on_changed (CairnStore   *store,
            CairnChanges *changes,
            Recorder     *rec)
{
  rec->n_emissions++;
  g_clear_pointer (&rec->last, _cairn_changes_free);
  rec->last = _cairn_changes_new ();
  rec->last->reset = changes->reset;
  copy_set (changes->lists, rec->last->lists);
  copy_set (changes->todos, rec->last->todos);
  copy_set (changes->notes, rec->last->notes);
}

static GPtrArray *
batch_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
}

static void
extend (GPtrArray *to,
        GPtrArray *from)
{
  for (guint i = 0; i < from->len; i++)
    g_ptr_array_add (to, cairn_event_ref (from->pdata[i]));
}

/* The state a fresh store reaches by applying `confirmed`, then `pending`,
 * through the reducers alone (pending events keep their own created_at,
 * which a new local commit would not). */
static char *
fresh_replay (TestStore *ts,
              GPtrArray *confirmed,
              GPtrArray *pending)
{
  static guint counter;
  g_autofree char *name = g_strdup_printf ("fresh-%u.db", counter++);
  g_autoptr(CairnStore) fresh = test_store_open_extra (ts, name);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GError) error = NULL;

  if (confirmed != NULL)
    extend (all, confirmed);
  for (guint i = 0; pending != NULL && i < pending->len; i++)
    g_ptr_array_add (all, test_event_confirmed (pending->pdata[i], all->len + 1));

  if (all->len > 0)
    {
      g_assert_true (cairn_store_rebase (fresh, all, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (cairn_store_get_pending_count (fresh), ==, 0);
  return test_dump (fresh);
}

static void
test_no_pending (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) batch = batch_new ();
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dump = NULL, *expected = NULL;
  Recorder rec = { 0 };

  g_signal_connect (ts->store, "changed", G_CALLBACK (on_changed), &rec);
  g_ptr_array_add (batch, test_event_new (OTHER, 1, 1, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}"));
  g_ptr_array_add (batch, test_event_new (OTHER, 2, 2, "todo.created", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L1 "\",\"title\":\"Milk\",\"position\":\"V\"}"));
  g_ptr_array_add (batch, test_event_new (THIRD, 1, 3, "todo.completed", "{\"todo_id\":\"" T1 "\"}"));
  test_rebase_ok (ts->store, batch, "history-1");

  g_assert_cmpint (cairn_store_get_head (ts->store), ==, 3);
  g_assert_cmpstr (cairn_store_get_history_id (ts->store), ==, "history-1");
  g_assert_cmpuint (_cairn_store_get_rollback_count (ts->store), ==, 0);
  g_assert_cmpuint (rec.n_emissions, ==, 1);
  g_assert_true (g_hash_table_contains (rec.last->lists, L1));
  g_assert_true (g_hash_table_contains (rec.last->todos, T1));
  g_assert_cmpuint (g_hash_table_size (rec.last->todos), ==, 1);

  log = cairn_store_list_log (ts->store, 1, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (log->len, ==, 2);
  g_assert_cmpint (((CairnEvent *) log->pdata[0])->seq, ==, 2);
  g_assert_cmpstr (((CairnEvent *) log->pdata[1])->client_id, ==, THIRD);

  dump = test_dump (ts->store);
  expected = fresh_replay (ts, batch, NULL);
  g_assert_cmpstr (dump, ==, expected);

  /* re-delivery of what is already applied changes nothing and is no error */
  test_rebase_ok (ts->store, batch, "history-1");
  g_assert_cmpint (cairn_store_get_head (ts->store), ==, 3);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log"), ==, 3);

  /* events that leave their rows as they were are no change on screen;
   * only the renamed list is */
  {
    g_autoptr(GPtrArray) more = batch_new ();

    g_ptr_array_add (more, test_event_new (OTHER, 3, 4, "list.renamed", "{\"list_id\":\"" L1 "\",\"title\":\"Home\"}"));
    g_ptr_array_add (more, test_event_new (THIRD, 2, 5, "todo.completed", "{\"todo_id\":\"" T1 "\"}"));
    g_ptr_array_add (more, test_event_new (OTHER, 4, 6, "todo.created", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L1 "\",\"title\":\"Other\",\"position\":\"W\"}"));
    test_rebase_ok (ts->store, more, "history-1");
    g_assert_cmpuint (rec.n_emissions, ==, 2);
    g_assert_cmpuint (g_hash_table_size (rec.last->lists), ==, 0);
    g_assert_cmpuint (g_hash_table_size (rec.last->todos), ==, 0);

    g_ptr_array_set_size (more, 0);
    g_ptr_array_add (more, test_event_new (OTHER, 5, 7, "list.renamed", "{\"list_id\":\"" L1 "\",\"title\":\"House\"}"));
    test_rebase_ok (ts->store, more, "history-1");
    g_assert_cmpuint (rec.n_emissions, ==, 3);
    g_assert_true (g_hash_table_contains (rec.last->lists, L1));
    g_assert_cmpuint (g_hash_table_size (rec.last->lists), ==, 1);
    g_assert_cmpuint (g_hash_table_size (rec.last->todos), ==, 0);
  }
  g_clear_pointer (&rec.last, _cairn_changes_free);
}

static void
test_fast_path (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) batch = batch_new ();
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL, *after = NULL;
  Recorder rec = { 0 };

  g_autofree char *list = cairn_store_create_list (ts->store, "Home", &error);
  g_autofree char *todo = cairn_store_create_todo (ts->store, list, "Milk", NULL, NULL, &error);
  g_assert_true (cairn_store_set_todo_done (ts->store, todo, TRUE, &error));
  g_assert_no_error (error);
  before = test_dump (ts->store);

  pending = cairn_store_list_pending (ts->store, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < pending->len; i++)
    g_ptr_array_add (batch, test_event_confirmed (pending->pdata[i], i + 1));

  g_signal_connect (ts->store, "changed", G_CALLBACK (on_changed), &rec);
  test_rebase_ok (ts->store, batch, "history-1");

  /* no rollback, nothing on screen changed, the outbox is empty */
  g_assert_cmpuint (_cairn_store_get_rollback_count (ts->store), ==, 0);
  after = test_dump (ts->store);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (rec.n_emissions, ==, 1);
  g_assert_cmpuint (g_hash_table_size (rec.last->lists) + g_hash_table_size (rec.last->todos), ==, 0);
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, 0);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM pending"), ==, 0);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log"), ==, 3);
  g_assert_cmpint (cairn_store_get_head (ts->store), ==, 3);

  /* local changes go on with the next client_seq */
  g_assert_true (cairn_store_rename_todo (ts->store, todo, "Oat milk", &error));
  g_assert_cmpint (test_query_int (ts->store, "SELECT client_seq FROM pending"), ==, 4);
  g_clear_pointer (&rec.last, _cairn_changes_free);
}

/* Own events first, then another client's: the front moves without
 * rollback; the rest needs one. */
static void
test_fast_path_then_remote (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) batch = batch_new ();
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) rest = batch_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dump = NULL, *expected = NULL;

  g_autofree char *list = cairn_store_create_list (ts->store, "Home", &error);
  g_autofree char *todo = cairn_store_create_todo (ts->store, list, "Milk", NULL, NULL, &error);
  g_assert_true (cairn_store_rename_todo (ts->store, todo, "Mine", &error));
  g_assert_no_error (error);
  pending = cairn_store_list_pending (ts->store, 0, &error);

  g_ptr_array_add (batch, test_event_confirmed (pending->pdata[0], 1));
  g_ptr_array_add (batch, test_event_confirmed (pending->pdata[1], 2));
  {
    g_autofree char *args = g_strdup_printf ("{\"todo_id\":\"%s\",\"title\":\"Theirs\"}", todo);
    g_ptr_array_add (batch, test_event_new (OTHER, 1, 3, "todo.renamed", args));
  }
  test_rebase_ok (ts->store, batch, "history-1");

  g_assert_cmpuint (_cairn_store_get_rollback_count (ts->store), ==, 1);
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, 1);
  /* our pending rename is replayed last: the screen keeps our value */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT title = 'Mine' FROM todos WHERE id = '%s'", todo);
    g_assert_cmpint (test_query_int (ts->store, sql), ==, 1);
  }
  g_ptr_array_add (rest, cairn_event_ref (pending->pdata[2]));
  dump = test_dump (ts->store);
  expected = fresh_replay (ts, batch, rest);
  g_assert_cmpstr (dump, ==, expected);
}

static void
test_interleaved (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) batch = batch_new ();
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) rest = batch_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dump = NULL, *expected = NULL, *rebuilt = NULL;
  g_autoptr(CairnEvent) p1 = NULL, p2 = NULL, p3 = NULL;

  p1 = test_commit_json (ts->store, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}");
  p2 = test_commit_json (ts->store, "todo.created", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L1 "\",\"title\":\"Milk\",\"position\":\"V\"}");
  p3 = test_commit_json (ts->store, "list.renamed", "{\"list_id\":\"" L1 "\",\"title\":\"Mine\"}");

  /* the server put another client's events before and between ours */
  g_ptr_array_add (batch, test_event_new (OTHER, 1, 1, "list.created", "{\"list_id\":\"" L2 "\",\"title\":\"Work\",\"position\":\"V\"}"));
  g_ptr_array_add (batch, test_event_confirmed (p1, 2));
  g_ptr_array_add (batch, test_event_new (OTHER, 2, 3, "list.renamed", "{\"list_id\":\"" L1 "\",\"title\":\"Theirs\"}"));
  g_ptr_array_add (batch, test_event_new (OTHER, 3, 4, "todo.created", "{\"todo_id\":\"" T2 "\",\"list_id\":\"" L1 "\",\"title\":\"Bread\",\"position\":\"V\"}"));
  test_rebase_ok (ts->store, batch, "history-1");

  g_assert_cmpuint (_cairn_store_get_rollback_count (ts->store), ==, 1);
  g_assert_cmpint (cairn_store_get_head (ts->store), ==, 4);
  pending = cairn_store_list_pending (ts->store, 0, &error);
  g_assert_cmpuint (pending->len, ==, 2);
  g_assert_cmpint (((CairnEvent *) pending->pdata[0])->client_seq, ==, 2);
  g_assert_cmpint (test_query_int (ts->store, "SELECT title = 'Mine' FROM lists WHERE id = '" L1 "'"), ==, 1);
  /* the position tie between the two todos is broken by id */
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM todos"), ==, 2);

  g_ptr_array_add (rest, cairn_event_ref (p2));
  g_ptr_array_add (rest, cairn_event_ref (p3));
  dump = test_dump (ts->store);
  expected = fresh_replay (ts, batch, rest);
  g_assert_cmpstr (dump, ==, expected);

  g_assert_true (cairn_store_rebuild (ts->store, &error));
  g_assert_no_error (error);
  rebuilt = test_dump (ts->store);
  g_assert_cmpstr (rebuilt, ==, dump);
}

static void
test_remote_delete_pending_rename (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) confirmed = batch_new ();
  g_autoptr(GPtrArray) batch = batch_new ();
  g_autoptr(GPtrArray) all = batch_new ();
  g_autoptr(GPtrArray) rest = batch_new ();
  g_autoptr(CairnEvent) rename = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dump = NULL, *expected = NULL;
  Recorder rec = { 0 };

  g_ptr_array_add (confirmed, test_event_new (OTHER, 1, 1, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}"));
  g_ptr_array_add (confirmed, test_event_new (OTHER, 2, 2, "todo.created", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L1 "\",\"title\":\"Milk\",\"position\":\"V\"}"));
  g_ptr_array_add (confirmed, test_event_new (OTHER, 3, 3, "todo.created", "{\"todo_id\":\"" T2 "\",\"list_id\":\"" L1 "\",\"title\":\"Eggs\",\"position\":\"k\"}"));
  test_rebase_ok (ts->store, confirmed, "history-1");

  rename = test_commit_json (ts->store, "todo.renamed", "{\"todo_id\":\"" T1 "\",\"title\":\"Oat milk\"}");
  g_signal_connect (ts->store, "changed", G_CALLBACK (on_changed), &rec);

  g_ptr_array_add (batch, test_event_new (OTHER, 4, 4, "todo.deleted", "{\"todo_id\":\"" T1 "\"}"));
  test_rebase_ok (ts->store, batch, "history-1");

  /* deleted, and the pending rename became a no-op (it stays in the
   * outbox: it is still our event and the server will order it) */
  g_assert_cmpint (test_query_int (ts->store, "SELECT deleted FROM todos WHERE id = '" T1 "'"), ==, 1);
  g_assert_cmpint (test_query_int (ts->store, "SELECT title = 'Milk' FROM todos WHERE id = '" T1 "'"), ==, 1);
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, 1);
  /* exactly the deleted todo changed on screen; Eggs was untouched */
  g_assert_cmpuint (rec.n_emissions, ==, 1);
  g_assert_cmpuint (g_hash_table_size (rec.last->todos), ==, 1);
  g_assert_true (g_hash_table_contains (rec.last->todos, T1));
  g_assert_cmpuint (g_hash_table_size (rec.last->lists), ==, 0);

  extend (all, confirmed);
  extend (all, batch);
  g_ptr_array_add (rest, cairn_event_ref (rename));
  dump = test_dump (ts->store);
  expected = fresh_replay (ts, all, rest);
  g_assert_cmpstr (dump, ==, expected);

  /* restore: the rename stays lost (it no longer applied), the todo returns */
  g_assert_true (cairn_store_restore_todo (ts->store, T1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (test_query_int (ts->store, "SELECT title = 'Milk' AND NOT deleted FROM todos WHERE id = '" T1 "'"), ==, 1);
  g_clear_pointer (&rec.last, _cairn_changes_free);
}

/* A row rolled back and replayed to the same values is not reported. */
static void
test_changes_are_exact (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) confirmed = batch_new ();
  g_autoptr(GPtrArray) batch = batch_new ();
  g_autoptr(CairnEvent) mine = NULL;
  Recorder rec = { 0 };

  g_ptr_array_add (confirmed, test_event_new (OTHER, 1, 1, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}"));
  g_ptr_array_add (confirmed, test_event_new (OTHER, 2, 2, "todo.created", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L1 "\",\"title\":\"Milk\",\"position\":\"V\"}"));
  g_ptr_array_add (confirmed, test_event_new (OTHER, 3, 3, "todo.created", "{\"todo_id\":\"" T2 "\",\"list_id\":\"" L1 "\",\"title\":\"Eggs\",\"position\":\"k\"}"));
  test_rebase_ok (ts->store, confirmed, "history-1");
  mine = test_commit_json (ts->store, "todo.renamed", "{\"todo_id\":\"" T1 "\",\"title\":\"Mine\"}");

  g_signal_connect (ts->store, "changed", G_CALLBACK (on_changed), &rec);
  g_ptr_array_add (batch, test_event_new (OTHER, 4, 4, "todo.completed", "{\"todo_id\":\"" T2 "\"}"));
  g_ptr_array_add (batch, test_event_new (OTHER, 5, 5, "todo.renamed", "{\"todo_id\":\"" T1 "\",\"title\":\"Theirs\"}"));
  test_rebase_ok (ts->store, batch, "history-1");

  g_assert_cmpuint (_cairn_store_get_rollback_count (ts->store), ==, 1);
  g_assert_cmpuint (g_hash_table_size (rec.last->todos), ==, 1);
  g_assert_true (g_hash_table_contains (rec.last->todos, T2));
  g_assert_cmpint (test_query_int (ts->store, "SELECT title = 'Mine' FROM todos WHERE id = '" T1 "'"), ==, 1);
  g_clear_pointer (&rec.last, _cairn_changes_free);
}

static void
test_out_of_order (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) first = batch_new ();
  g_autoptr(GPtrArray) gap = batch_new ();
  g_autoptr(GPtrArray) holes = batch_new ();
  g_autoptr(GPtrArray) no_seq = batch_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL, *after = NULL;
  g_autofree char *list = NULL;
  Recorder rec = { 0 };

  g_ptr_array_add (first, test_event_new (OTHER, 1, 1, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}"));
  test_rebase_ok (ts->store, first, "history-1");
  list = cairn_store_create_list (ts->store, "Mine", &error);
  before = test_dump (ts->store);
  g_signal_connect (ts->store, "changed", G_CALLBACK (on_changed), &rec);

  g_ptr_array_add (gap, test_event_new (OTHER, 2, 3, "list.renamed", "{\"list_id\":\"" L1 "\",\"title\":\"X\"}"));
  g_assert_false (cairn_store_rebase (ts->store, gap, "history-2", &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_OUT_OF_ORDER);
  g_assert_nonnull (strstr (error->message, "expected seq 2"));
  g_clear_error (&error);

  g_ptr_array_add (holes, test_event_new (OTHER, 2, 2, "list.renamed", "{\"list_id\":\"" L1 "\",\"title\":\"X\"}"));
  g_ptr_array_add (holes, test_event_new (OTHER, 3, 4, "list.renamed", "{\"list_id\":\"" L1 "\",\"title\":\"Y\"}"));
  g_assert_false (cairn_store_rebase (ts->store, holes, NULL, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_OUT_OF_ORDER);
  g_clear_error (&error);

  g_ptr_array_add (no_seq, test_event_new (OTHER, 2, 0, "list.renamed", "{\"list_id\":\"" L1 "\",\"title\":\"X\"}"));
  g_assert_false (cairn_store_rebase (ts->store, no_seq, NULL, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_OUT_OF_ORDER);
  g_clear_error (&error);

  /* nothing changed at all */
  after = test_dump (ts->store);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (rec.n_emissions, ==, 0);
  g_assert_cmpint (cairn_store_get_head (ts->store), ==, 1);
  g_assert_cmpstr (cairn_store_get_history_id (ts->store), ==, "history-1");
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log"), ==, 1);
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, 1);
}

static void
test_many_pending (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) batch = batch_new ();
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) own = batch_new ();
  g_autoptr(GPtrArray) all = batch_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dump = NULL, *expected = NULL, *list = NULL, *after_own = NULL;
  g_autofree char *last = NULL;

  list = cairn_store_create_list (ts->store, "Big", &error);
  for (guint i = 0; i < 999; i++)
    {
      g_autofree char *title = g_strdup_printf ("Todo %u", i);

      if (i % 3 == 2)
        g_assert_true (cairn_store_rename_todo (ts->store, last, title, &error));
      else
        {
          g_free (last);
          last = cairn_store_create_todo (ts->store, list, title, NULL, NULL, &error);
        }
      g_assert_no_error (error);
    }
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, 1000);

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *args = g_strdup_printf ("{\"list_id\":\"%s\",\"title\":\"Remote %u\"}", list, i);
      /* they refer to a list the server has not seen yet: they wait for it
       * (parked) and apply once our list.created is in the log */
      g_ptr_array_add (batch, test_event_new (OTHER, i + 1, i + 1, "list.renamed", args));
    }
  test_rebase_ok (ts->store, batch, "history-1");
  pending = cairn_store_list_pending (ts->store, 0, &error);
  g_assert_cmpuint (pending->len, ==, 1000);
  dump = test_dump (ts->store);
  expected = fresh_replay (ts, batch, pending);
  g_assert_cmpstr (dump, ==, expected);

  /* then the server confirms all 1000 in order: fast path only */
  for (guint i = 0; i < pending->len; i++)
    g_ptr_array_add (own, test_event_confirmed (pending->pdata[i], 11 + i));
  g_assert_true (cairn_store_rebase (ts->store, own, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (_cairn_store_get_rollback_count (ts->store), ==, 1);
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, 0);
  after_own = test_dump (ts->store);
  g_assert_cmpstr (after_own, ==, dump);

  extend (all, batch);
  extend (all, own);
  g_clear_pointer (&expected, g_free);
  expected = fresh_replay (ts, all, NULL);
  g_assert_cmpstr (after_own, ==, expected);
}

/* Inverting the pending changesets gives back the confirmed state, byte
 * for byte. */
static void
test_rollback_restores_state (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) confirmed = batch_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *confirmed_dump = NULL, *rolled = NULL, *still = NULL, *with_pending = NULL;

  g_ptr_array_add (confirmed, test_event_new (OTHER, 1, 1, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}"));
  g_ptr_array_add (confirmed, test_event_new (OTHER, 2, 2, "todo.created", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L1 "\",\"title\":\"Milk\",\"position\":\"V\"}"));
  g_ptr_array_add (confirmed, test_event_new (OTHER, 3, 3, "todo.due_set", "{\"todo_id\":\"" T1 "\",\"due\":\"2025-05-05\"}"));
  test_rebase_ok (ts->store, confirmed, "history-1");
  confirmed_dump = test_dump (ts->store);

  /* every kind of write: insert, update of each column, tombstone */
  g_clear_pointer (&with_pending, g_free);
  {
    g_autofree char *l2 = cairn_store_create_list (ts->store, "Work", &error);
    g_autofree char *t = cairn_store_create_todo (ts->store, L1, "Bread", NULL, T1, &error);
    g_autofree char *n = cairn_store_create_note (ts->store, "Note", &error);

    g_assert_true (cairn_store_rename_todo (ts->store, T1, "Oat milk", &error));
    g_assert_true (cairn_store_set_todo_done (ts->store, T1, TRUE, &error));
    g_assert_true (cairn_store_set_todo_due (ts->store, T1, NULL, &error));
    g_assert_true (cairn_store_move_todo (ts->store, T1, l2, NULL, NULL, &error));
    g_assert_true (cairn_store_delete_list (ts->store, L1, &error));
    g_assert_true (cairn_store_rename_list (ts->store, l2, "Job", &error));
    g_assert_true (cairn_store_delete_todo (ts->store, t, &error));
    g_assert_true (cairn_store_delete_note (ts->store, n, &error));
    g_assert_no_error (error);
  }
  with_pending = test_dump (ts->store);
  g_assert_cmpstr (with_pending, !=, confirmed_dump);

  rolled = _cairn_store_dump_state_without_pending (ts->store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rolled, ==, confirmed_dump);

  /* and the test hook itself left the store as it was */
  still = test_dump (ts->store);
  g_assert_cmpstr (still, ==, with_pending);
}

static void
test_unknown_events (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) batch = batch_new ();
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup (cairn_store_get_path (ts->store));
  g_autofree char *dump = NULL, *expected = NULL, *reopened_dump = NULL;
  g_autoptr(GPtrArray) known = batch_new ();
  guint notified = 0;

  g_signal_connect (ts->store, "notify::needs-update", G_CALLBACK (test_count_notify), &notified);
  g_assert_false (cairn_store_get_needs_update (ts->store));

  g_ptr_array_add (batch, test_event_new (OTHER, 1, 1, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}"));
  g_ptr_array_add (batch, test_event_new (OTHER, 2, 2, "list.archived", "{\"list_id\":\"" L1 "\"}"));
  g_ptr_array_add (batch, test_event_new (OTHER, 3, 3, "list.renamed", "{\"list_id\":\"" L1 "\",\"title\":\"New\",\"emoji\":\"x\"}"));
  ((CairnEvent *) batch->pdata[2])->version = 2;
  /* known name and version but bad args (the server does not check): skipped the same way everywhere */
  g_ptr_array_add (batch, test_event_new (OTHER, 4, 4, "list.renamed", "{\"list_id\":\"" L1 "\",\"title\":\"\"}"));
  g_test_expect_message ("cairn-store", G_LOG_LEVEL_WARNING, "*Skipping event 4*");
  test_rebase_ok (ts->store, batch, "history-1");
  g_test_assert_expected_messages ();

  g_assert_true (cairn_store_get_needs_update (ts->store));
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpint (cairn_store_get_head (ts->store), ==, 4);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log WHERE skipped"), ==, 2);
  log = cairn_store_list_log (ts->store, 0, 0, &error);
  g_assert_cmpuint (log->len, ==, 4);
  g_assert_cmpstr (((CairnEvent *) log->pdata[1])->name, ==, "list.archived");

  g_ptr_array_add (known, cairn_event_ref (batch->pdata[0]));
  dump = test_dump (ts->store);
  expected = fresh_replay (ts, known, NULL);
  g_assert_cmpstr (dump, ==, expected);

  /* Simulate the upgrade: a build that knows the skipped event. Rewrite
   * the stored unknown v2 rename as a v1 rename, as if v2 were known
   * now; opening the file rebuilds and applies it. */
  g_clear_object (&ts->store);
  {
    sqlite3 *db = NULL;
    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "UPDATE log SET version = 1, args = '{\"list_id\":\"" L1 "\",\"title\":\"New\"}' WHERE seq = 3",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  g_test_expect_message ("cairn-store", G_LOG_LEVEL_WARNING, "*Skipping event 4*");
  ts->store = cairn_store_open (path, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_true (cairn_store_get_needs_update (ts->store));   /* list.archived is still unknown */
  g_assert_cmpint (test_query_int (ts->store, "SELECT title = 'New' FROM lists"), ==, 1);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log WHERE skipped"), ==, 1);

  /* once nothing unknown is left, needs-update goes back to FALSE */
  g_clear_object (&ts->store);
  {
    sqlite3 *db = NULL;
    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "UPDATE log SET name = 'list.deleted' WHERE seq = 2", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  g_test_expect_message ("cairn-store", G_LOG_LEVEL_WARNING, "*Skipping event 4*");
  ts->store = cairn_store_open (path, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_false (cairn_store_get_needs_update (ts->store));
  reopened_dump = test_dump (ts->store);
  g_assert_nonnull (strstr (reopened_dump, "\"deleted\" : 1"));
}

/* Property test: random events (valid, many no longer applying) from
 * several clients, split at random into confirmed / pending / remote. */

static const char * const list_ids[] = {
  "01890a5d-ac96-774b-bcce-b30209900101", "01890a5d-ac96-774b-bcce-b30209900102",
  "01890a5d-ac96-774b-bcce-b30209900103",
};
static const char * const todo_ids[] = {
  "01890a5d-ac96-774b-bcce-b30209900201", "01890a5d-ac96-774b-bcce-b30209900202",
  "01890a5d-ac96-774b-bcce-b30209900203", "01890a5d-ac96-774b-bcce-b30209900204",
  "01890a5d-ac96-774b-bcce-b30209900205",
};
static const char * const note_ids[] = {
  "01890a5d-ac96-774b-bcce-b30209900301", "01890a5d-ac96-774b-bcce-b30209900302",
};
static const char * const titles[] = { "A", "B", "Groceries", "Ünïcödé", "x y" };
static const char * const positions[] = { "1", "V", "VV", "k", "z", "Vz" };
static const char * const dates[] = { "2024-02-29", "2025-01-01", "1999-12-31" };

#define PICK(rand, array) (array[g_rand_int_range (rand, 0, G_N_ELEMENTS (array))])

static CairnEvent *
random_event (GRand *rand)
{
  g_autoptr(JsonObject) args = json_object_new ();
  static const char * const kinds[] = {
    "list.created", "list.renamed", "list.moved", "list.deleted", "list.restored",
    "todo.created", "todo.created", "todo.renamed", "todo.completed", "todo.reopened",
    "todo.due_set", "todo.due_cleared", "todo.moved", "todo.moved", "todo.deleted",
    "todo.restored", "note.created", "note.renamed", "note.deleted", "note.restored",
  };
  const char *name = PICK (rand, kinds);

  if (g_str_has_prefix (name, "list."))
    json_object_set_string_member (args, "list_id", PICK (rand, list_ids));
  else if (g_str_has_prefix (name, "todo."))
    json_object_set_string_member (args, "todo_id", PICK (rand, todo_ids));
  else
    json_object_set_string_member (args, "note_id", PICK (rand, note_ids));

  if (g_str_has_suffix (name, ".created") || g_str_has_suffix (name, ".renamed"))
    json_object_set_string_member (args, "title", PICK (rand, titles));
  if (g_str_equal (name, "list.created") || g_str_equal (name, "todo.created") ||
      g_str_has_suffix (name, ".moved"))
    json_object_set_string_member (args, "position", PICK (rand, positions));
  if (g_str_equal (name, "todo.created") ||
      (g_str_equal (name, "todo.moved") && g_rand_boolean (rand)))
    json_object_set_string_member (args, "list_id", PICK (rand, list_ids));
  if (g_str_equal (name, "todo.due_set"))
    json_object_set_string_member (args, "due", PICK (rand, dates));

  return cairn_event_new (name, 1, args);
}

static void
check_equal (guint32     seed,
             guint       round,
             const char *what,
             const char *a,
             const char *b)
{
  if (g_strcmp0 (a, b) != 0)
    g_error ("seed %u round %u: %s differ (replay with CAIRN_TEST_SEED=%u)\n%s\n---\n%s",
             seed, round, what, seed, a, b);
}

static void
run_property (guint32 seed,
              guint   rounds)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  for (guint round = 0; round < rounds; round++)
    {
      g_autoptr(TestStore) ts = test_store_new ();
      g_autoptr(GPtrArray) confirmed = batch_new ();
      g_autoptr(GPtrArray) mine = batch_new ();
      g_autoptr(GPtrArray) remote = batch_new ();
      g_autoptr(GPtrArray) all = batch_new ();
      g_autoptr(GPtrArray) still_pending = batch_new ();
      g_autoptr(GPtrArray) pending_now = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *incremental = NULL, *fresh = NULL, *rebuilt = NULL;
      g_autofree char *rolled = NULL, *fresh_confirmed = NULL;
      guint n_confirmed = g_rand_int_range (rand, 0, 25);
      guint n_mine = g_rand_int_range (rand, 0, 25);
      guint n_other = g_rand_int_range (rand, 0, 25);
      guint n_mine_confirmed = g_rand_int_range (rand, 0, n_mine + 1);
      gint64 seq = 0, other_seq = 0;
      guint mi = 0, oi = 0;

      for (guint i = 0; i < n_confirmed; i++)
        {
          CairnEvent *e = random_event (rand);

          e->client_id = g_strdup (g_rand_boolean (rand) ? OTHER : THIRD);
          e->client_seq = ++other_seq;
          e->seq = ++seq;
          e->created_at = 1700000000000 + seq;
          g_ptr_array_add (confirmed, e);
        }
      if (confirmed->len > 0)
        test_rebase_ok (ts->store, confirmed, "history-1");

      for (guint i = 0; i < n_mine; i++)
        {
          g_autoptr(CairnEvent) e = random_event (rand);
          CairnEvent *stored = cairn_store_commit (ts->store, e->name, 1, e->args, &error);

          g_assert_no_error (error);
          g_ptr_array_add (mine, stored);
        }

      /* The server's order: a prefix of ours, interleaved with others. */
      while (mi < n_mine_confirmed || oi < n_other)
        {
          gboolean take_mine = mi < n_mine_confirmed && (oi == n_other || g_rand_boolean (rand));

          if (take_mine)
            g_ptr_array_add (remote, test_event_confirmed (mine->pdata[mi++], ++seq));
          else
            {
              CairnEvent *e = random_event (rand);

              e->client_id = g_strdup (OTHER);
              e->client_seq = ++other_seq;
              e->seq = ++seq;
              e->created_at = 1700000000000 + seq;
              g_ptr_array_add (remote, e);
              oi++;
            }
        }

      /* Delivered in one to three chunks, sometimes with a re-delivery. */
      {
        guint start = 0;

        while (start < remote->len)
          {
            g_autoptr(GPtrArray) chunk = batch_new ();
            guint step = 1 + g_rand_int_range (rand, 0, remote->len);
            guint end = MIN (remote->len, start + step);
            guint from = start > 0 && g_rand_boolean (rand) ? start - 1 : start;

            for (guint i = from; i < end; i++)
              g_ptr_array_add (chunk, cairn_event_ref (remote->pdata[i]));
            test_rebase_ok (ts->store, chunk, "history-1");
            start = end;
          }
      }

      for (guint i = n_mine_confirmed; i < n_mine; i++)
        g_ptr_array_add (still_pending, cairn_event_ref (mine->pdata[i]));
      extend (all, confirmed);
      extend (all, remote);

      g_assert_cmpint (cairn_store_get_head (ts->store), ==, seq);
      pending_now = cairn_store_list_pending (ts->store, 0, &error);
      g_assert_cmpuint (pending_now->len, ==, still_pending->len);
      for (guint i = 0; i < pending_now->len; i++)
        g_assert_cmpint (((CairnEvent *) pending_now->pdata[i])->client_seq, ==,
                         ((CairnEvent *) still_pending->pdata[i])->client_seq);

      incremental = test_dump (ts->store);
      fresh = fresh_replay (ts, all, still_pending);
      check_equal (seed, round, "incremental and fresh replay", incremental, fresh);

      rolled = _cairn_store_dump_state_without_pending (ts->store, &error);
      g_assert_no_error (error);
      fresh_confirmed = fresh_replay (ts, all, NULL);
      check_equal (seed, round, "rolled back and confirmed-only", rolled, fresh_confirmed);

      g_assert_true (cairn_store_rebuild (ts->store, &error));
      g_assert_no_error (error);
      rebuilt = test_dump (ts->store);
      check_equal (seed, round, "rebuild and incremental", rebuilt, incremental);
    }
}

static void
test_property (void)
{
  run_property (test_seed (), g_test_slow () ? 300 : 60);
}

/* Seeds that once failed, replayed every run (while random_event() draws
 * the same events). 2358319592 and 116574623, round 15 and later: a create
 * replayed after a rollback did not release the events that waited for it
 * again, because the store had noted that nothing waited, and the rollback
 * put the parked rows back through a changeset, not through park(). The
 * incremental state kept them waiting; a replay from scratch did not. */
static void
test_property_regressions (void)
{
  static const guint32 seeds[] = { 2358319592u, 116574623u };

  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    run_property (seeds[i], 60);
}

/* Effects before their causes in the server's log (an older client's
 * pushes after a server restore, or a broken one): each event waits for
 * its object and applies, in log order, right after the object's create.
 * Nothing a person did is lost; rebuild and a fresh replay agree. */
static void
test_effects_before_causes (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(CairnStore) other = test_store_open_extra (ts, "other.db");
  g_autoptr(CairnStore) fresh = test_store_open_extra (ts, "fresh.db");
  g_autoptr(GPtrArray) made = NULL;
  g_autoptr(GPtrArray) first = batch_new ();
  g_autoptr(GPtrArray) second = batch_new ();
  g_autoptr(GPtrArray) all = batch_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) text = NULL;
  g_autoptr(CairnTextOps) ops = NULL;
  g_autofree char *list = NULL, *todo = NULL, *note = NULL;
  g_autofree char *want = NULL, *waiting = NULL, *dump = NULL, *rebuilt = NULL, *replayed = NULL;
  g_autofree char *body = NULL;
  gint64 seq = 0;

  /* What a person did on another device, in this order. */
  list = cairn_store_create_list (other, "Groceries", &error);
  todo = cairn_store_create_todo (other, list, "milk", NULL, NULL, &error);
  g_assert_true (cairn_store_rename_todo (other, todo, "oat milk", &error));
  g_assert_true (cairn_store_set_todo_done (other, todo, TRUE, &error));
  note = cairn_store_create_note (other, "Plan", &error);
  g_assert_no_error (error);
  text = cairn_store_load_note_text (other, note, &error);
  ops = cairn_text_ops_new ();
  g_assert_true (cairn_text_insert (text, 0, "hello", -1, ops, &error));
  g_assert_true (cairn_store_edit_note (other, note, ops, &error));
  g_assert_true (cairn_store_rename_note (other, note, "Plan B", &error));
  g_assert_no_error (error);
  want = test_dump (other);
  made = cairn_store_list_pending (other, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (made->len, ==, 7);

  /* The server's log has them backwards; the list comes last, alone. */
  for (guint i = made->len; i-- > 1;)
    {
      CairnEvent *e = test_event_confirmed (made->pdata[i], ++seq);

      g_ptr_array_add (first, e);
      g_ptr_array_add (all, cairn_event_ref (e));
    }
  g_ptr_array_add (second, test_event_confirmed (made->pdata[0], ++seq));
  g_ptr_array_add (all, cairn_event_ref (second->pdata[0]));

  test_rebase_ok (ts->store, first, "history-1");
  waiting = test_dump (ts->store);
  /* The note came with its create: renamed and typed into after it. */
  g_assert_nonnull (strstr (waiting, "\"Plan B\""));
  body = test_query_text (ts->store, "SELECT cairn_note_body (id, body) FROM notes");
  g_assert_cmpstr (body, ==, "hello");
  /* The todo waits for its list, and its rename and completion for it. */
  g_assert_null (strstr (waiting, "\"oat milk\""));
  g_assert_nonnull (strstr (waiting, "\"waiting\""));
  g_assert_nonnull (strstr (waiting, "todo.renamed"));

  test_rebase_ok (ts->store, second, "history-1");
  dump = test_dump (ts->store);
  g_assert_cmpstr (dump, ==, want);
  g_assert_null (strstr (dump, "\"waiting\""));

  g_assert_true (cairn_store_rebuild (ts->store, &error));
  g_assert_no_error (error);
  rebuilt = test_dump (ts->store);
  g_assert_cmpstr (rebuilt, ==, want);
  test_rebase_ok (fresh, all, "history-1");
  replayed = test_dump (fresh);
  g_assert_cmpstr (replayed, ==, want);
}

static char *
schema_text (CairnStore *store)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (_cairn_store_get_db (store),
                                       "SELECT type, name, tbl_name, sql FROM sqlite_schema "
                                       "ORDER BY type, name", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%s %s %s: %s\n", sqlite3_column_text (stmt, 0),
                            sqlite3_column_text (stmt, 1), sqlite3_column_text (stmt, 2),
                            sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

/* Rebuild re-creates the state tables and their indexes exactly as they
 * were, also when one of the store's statements was left running; when
 * someone else's statement is running (DROP TABLE would fail) it deletes
 * the rows instead, with the same result. */
static void
test_rebuild_schema (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) batch = batch_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnEvent) p1 = NULL, p2 = NULL, p3 = NULL;
  g_autofree char *schema = NULL, *dump = NULL;
  sqlite3 *db = _cairn_store_get_db (ts->store);
  sqlite3_stmt *ours, *theirs = NULL;
  gint64 version;

  g_ptr_array_add (batch, test_event_new (OTHER, 1, 1, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Work\",\"position\":\"V\"}"));
  g_ptr_array_add (batch, test_event_new (OTHER, 2, 2, "todo.created", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L1 "\",\"title\":\"Bread\",\"position\":\"V\"}"));
  g_ptr_array_add (batch, test_event_new (OTHER, 3, 3, "note.created", "{\"note_id\":\"" T2 "\",\"title\":\"Idea\"}"));
  test_rebase_ok (ts->store, batch, "history-1");
  p1 = test_commit_json (ts->store, "list.created", "{\"list_id\":\"" L2 "\",\"title\":\"Home\",\"position\":\"W\"}");
  p2 = test_commit_json (ts->store, "todo.moved", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L2 "\",\"position\":\"k\"}");
  p3 = test_commit_json (ts->store, "note.renamed", "{\"note_id\":\"" T2 "\",\"title\":\"Plan\"}");
  schema = schema_text (ts->store);
  dump = test_dump (ts->store);
  g_assert_nonnull (strstr (schema, "index todos_by_list todos: CREATE INDEX"));

  ours = _cairn_store_prepare (ts->store, "SELECT id FROM todos", &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (ours), ==, SQLITE_ROW);
  version = test_query_int (ts->store, "PRAGMA schema_version");
  g_assert_true (cairn_store_rebuild (ts->store, &error));
  g_assert_no_error (error);
  /* the tables were dropped and made again... */
  g_assert_cmpint (test_query_int (ts->store, "PRAGMA schema_version"), >, version);
  /* (the rebuild's in-memory temporary storage is the connection's own again) */
  g_assert_cmpint (test_query_int (ts->store, "PRAGMA temp_store"), ==, 0);
  /* ...as they were, with the same rows */
  {
    g_autofree char *schema_after = schema_text (ts->store);
    g_autofree char *dump_after = test_dump (ts->store);

    g_assert_cmpstr (schema_after, ==, schema);
    g_assert_cmpstr (dump_after, ==, dump);
  }
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM todos WHERE list_id = '" L2 "'"), ==, 1);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT id FROM lists", -1, &theirs, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (theirs), ==, SQLITE_ROW);
  version = test_query_int (ts->store, "PRAGMA schema_version");
  g_assert_true (cairn_store_rebuild (ts->store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (test_query_int (ts->store, "PRAGMA schema_version"), ==, version);
  sqlite3_finalize (theirs);
  {
    g_autofree char *schema_after = schema_text (ts->store);
    g_autofree char *dump_after = test_dump (ts->store);

    g_assert_cmpstr (schema_after, ==, schema);
    g_assert_cmpstr (dump_after, ==, dump);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/rebase/no-pending", test_no_pending);
  g_test_add_func ("/store/rebase/fast-path", test_fast_path);
  g_test_add_func ("/store/rebase/fast-path-then-remote", test_fast_path_then_remote);
  g_test_add_func ("/store/rebase/interleaved", test_interleaved);
  g_test_add_func ("/store/rebase/remote-delete-pending-rename", test_remote_delete_pending_rename);
  g_test_add_func ("/store/rebase/changes-are-exact", test_changes_are_exact);
  g_test_add_func ("/store/rebase/out-of-order", test_out_of_order);
  g_test_add_func ("/store/rebase/many-pending", test_many_pending);
  g_test_add_func ("/store/rebase/rollback-restores-state", test_rollback_restores_state);
  g_test_add_func ("/store/rebase/unknown-events", test_unknown_events);
  g_test_add_func ("/store/rebase/property", test_property);
  g_test_add_func ("/store/rebase/property-regressions", test_property_regressions);
  g_test_add_func ("/store/rebase/effects-before-causes", test_effects_before_causes);
  g_test_add_func ("/store/rebuild/schema", test_rebuild_schema);

  return g_test_run ();
}

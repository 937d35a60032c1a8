/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-external.c: two stores on one file (the app and cairn-cli):
 * each learns what the other committed and says so with ::changed. */
#include "config.h"

#include <string.h>

#include "store-test-util.h"

typedef struct
{
  guint       n_signals;
  gboolean    reset;
  GHashTable *lists;    /* ids seen, over all signals */
  GHashTable *todos;
  GPtrArray  *order;    /* per signal: "reset", or the number of ids */
} Seen;

static void
changed_cb (CairnStore   *store,
            CairnChanges *changes,
            Seen         *seen)
{
  GHashTableIter iter;
  gpointer id;

  seen->n_signals++;
  seen->reset |= changes->reset;
  g_hash_table_iter_init (&iter, changes->lists);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    g_hash_table_add (seen->lists, g_strdup (id));
  g_hash_table_iter_init (&iter, changes->todos);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    g_hash_table_add (seen->todos, g_strdup (id));
  g_ptr_array_add (seen->order, changes->reset ? g_strdup ("reset") :
                   g_strdup_printf ("%u", g_hash_table_size (changes->lists) +
                                    g_hash_table_size (changes->todos) +
                                    g_hash_table_size (changes->notes)));
}

static void
seen_clear (Seen *seen)
{
  seen->n_signals = 0;
  seen->reset = FALSE;
  g_hash_table_remove_all (seen->lists);
  g_hash_table_remove_all (seen->todos);
  g_ptr_array_set_size (seen->order, 0);
}

static void
seen_init (Seen *seen)
{
  seen->lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  seen->todos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  seen->order = g_ptr_array_new_with_free_func (g_free);
  seen_clear (seen);
}

static void
seen_free (Seen *seen)
{
  g_hash_table_unref (seen->lists);
  g_hash_table_unref (seen->todos);
  g_ptr_array_unref (seen->order);
}

/* Local edits in the other store: the exact rows, once, then nothing more
 * until something else changes. */
static void
test_other_store_edits (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) other = cairn_store_open (cairn_store_get_path (ts->store), &error);
  g_autofree char *list = NULL, *todo = NULL, *mine = NULL, *dump_app = NULL, *dump_cli = NULL;
  g_autoptr(CairnEvent) done = NULL;
  Seen seen;

  g_assert_no_error (error);
  seen_init (&seen);
  g_signal_connect (ts->store, "changed", G_CALLBACK (changed_cb), &seen);

  /* nothing happened yet */
  g_assert_true (cairn_store_check_external (ts->store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen.n_signals, ==, 0);

  list = cairn_store_create_list (other, "From the cli", &error);
  g_assert_no_error (error);
  todo = cairn_store_create_todo (other, list, "Buy milk", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (seen.n_signals, ==, 0);   /* not noticed before asked */

  g_assert_true (cairn_store_check_external (ts->store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen.n_signals, ==, 1);
  g_assert_false (seen.reset);
  g_assert_cmpuint (g_hash_table_size (seen.lists), ==, 1);
  g_assert_true (g_hash_table_contains (seen.lists, list));
  g_assert_cmpuint (g_hash_table_size (seen.todos), ==, 1);
  g_assert_true (g_hash_table_contains (seen.todos, todo));
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, 2);

  /* asking again finds nothing new */
  seen_clear (&seen);
  g_assert_true (cairn_store_check_external (ts->store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen.n_signals, ==, 0);

  /* the other store completes the todo, then this one adds a todo without
   * asking first: the other's change comes first, then our own */
  g_assert_true (cairn_store_set_todo_done (other, todo, TRUE, &error));
  g_assert_no_error (error);
  mine = cairn_store_create_todo (ts->store, list, "Mine", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (seen.n_signals, ==, 2);
  g_assert_cmpstr (seen.order->pdata[0], ==, "1");
  g_assert_true (g_hash_table_contains (seen.todos, todo));
  g_assert_true (g_hash_table_contains (seen.todos, mine));
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, 4);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count (DISTINCT client_seq) FROM pending"), ==, 4);

  /* and the other store sees ours */
  g_assert_true (cairn_store_check_external (other, &error));
  g_assert_no_error (error);
  dump_app = test_dump (ts->store);
  dump_cli = test_dump (other);
  g_assert_cmpstr (dump_app, ==, dump_cli);

  seen_free (&seen);
}

/* A rebase in the other store (its sync engine) is a reset here. */
static void
test_other_store_rebase (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) other = cairn_store_open (cairn_store_get_path (ts->store), &error);
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autofree char *list = NULL;
  Seen seen;

  g_assert_no_error (error);
  seen_init (&seen);
  list = cairn_store_create_list (ts->store, "Local", &error);
  g_assert_no_error (error);
  g_signal_connect (ts->store, "changed", G_CALLBACK (changed_cb), &seen);

  g_ptr_array_add (batch, test_event_new ("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 1, 1, "list.created",
                                          "{\"list_id\":\"01890a5d-ac96-774b-bcce-b30209900001\","
                                          "\"title\":\"Remote\",\"position\":\"k\"}"));
  g_assert_true (cairn_store_rebase (other, batch, "history-1", &error));
  g_assert_no_error (error);

  g_assert_true (cairn_store_check_external (ts->store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen.n_signals, ==, 1);
  g_assert_true (seen.reset);
  g_assert_cmpint (cairn_store_get_head (ts->store), ==, 1);
  g_assert_cmpstr (cairn_store_get_history_id (ts->store), ==, "history-1");
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, 1);

  seen_free (&seen);
}

/* A rebuild in the other store drops and re-creates the state tables:
 * this store's prepared statements still work (SQLite prepares them again
 * for the new schema), and both see the same rows. */
static void
test_other_store_rebuild (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) other = cairn_store_open (cairn_store_get_path (ts->store), &error);
  g_autofree char *list = NULL, *todo = NULL, *dump_app = NULL, *dump_cli = NULL;
  g_autofree char *before = NULL;

  g_assert_no_error (error);
  list = cairn_store_create_list (ts->store, "Home", &error);
  g_assert_no_error (error);
  todo = cairn_store_create_todo (ts->store, list, "Bread", NULL, NULL, &error);
  g_assert_no_error (error);
  before = test_dump (ts->store);

  g_assert_true (cairn_store_check_external (other, &error));
  g_assert_no_error (error);
  g_assert_true (cairn_store_rebuild (other, &error));
  g_assert_no_error (error);

  /* this store's cached statements meet the new tables */
  g_assert_true (cairn_store_check_external (ts->store, &error));
  g_assert_no_error (error);
  dump_app = test_dump (ts->store);
  g_assert_cmpstr (dump_app, ==, before);
  g_assert_true (cairn_store_rename_todo (ts->store, todo, "Rye bread", &error));
  g_assert_no_error (error);
  g_assert_true (cairn_store_set_todo_done (ts->store, todo, TRUE, &error));
  g_assert_no_error (error);

  g_assert_true (cairn_store_check_external (other, &error));
  g_assert_no_error (error);
  g_clear_pointer (&dump_app, g_free);
  dump_app = test_dump (ts->store);
  dump_cli = test_dump (other);
  g_assert_cmpstr (dump_app, ==, dump_cli);
  g_assert_nonnull (strstr (dump_cli, "Rye bread"));
  g_assert_cmpint (test_query_int (other, "SELECT count(*) FROM todos WHERE done"), ==, 1);
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Watching: the other store's commit arrives through the main loop. */
static void
test_watch (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) other = cairn_store_open (cairn_store_get_path (ts->store), &error);
  g_autofree char *list = NULL;
  gboolean timed_out = FALSE;
  guint timeout;
  Seen seen;

  g_assert_no_error (error);
  seen_init (&seen);
  g_signal_connect (ts->store, "changed", G_CALLBACK (changed_cb), &seen);
  g_assert_true (cairn_store_watch_external (ts->store, &error));
  g_assert_no_error (error);
  g_assert_true (cairn_store_watch_external (ts->store, &error));   /* idempotent */
  g_assert_no_error (error);

  list = cairn_store_create_list (other, "Watched", &error);
  g_assert_no_error (error);

  timeout = g_timeout_add_seconds (10, timeout_cb, &timed_out);
  while (seen.n_signals == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  g_assert_false (timed_out);
  g_assert_true (g_hash_table_contains (seen.lists, list));

  seen_free (&seen);
}

int
main (int   argc,
      char *argv[])
{
  /* The first GFile makes GIO load its extension modules, and GLib 2.74
   * never frees the module objects: under LeakSanitizer that is a leak we
   * cannot suppress (the fast unwinder stops inside GLib, before any name
   * a suppression could match). The file monitor this test needs is built
   * into GIO, so load no modules at all. */
  g_setenv ("GIO_MODULE_DIR", "/nonexistent", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/external/edits", test_other_store_edits);
  g_test_add_func ("/store/external/rebase", test_other_store_rebase);
  g_test_add_func ("/store/external/rebuild", test_other_store_rebuild);
  g_test_add_func ("/store/external/watch", test_watch);

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-tail-log.c: a large rebase writes its log rows' chain
 * itself and leaves their history index rows to a later fill (issue 17,
 * cairn-store-tail.c, cairn-store-history.c); the chain must be exactly
 * what cairn_chain() writes for a small batch, and the index, once
 * filled, what the log_objects_add trigger writes and what the index is
 * when made again from the log. */
#include "config.h"

#include <string.h>

#include "cairn-store-history.h"
#include "cairn-store-history-private.h"
#include "store-test-util.h"

#define FOREIGN "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define OTHER   "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define N_EVENTS 1500

static char *
object_id (guint i)
{
  return g_strdup_printf ("01890a5d-ac96-774b-bcce-%012u", i);
}

/* N_EVENTS events from two devices: lists, todos (one in a list that
 * does not exist), renames, a todo.created with a long title (its args
 * are not kept in the index) and one whose title is short in characters
 * but long in bytes (they are), unknown events (skipped, still indexed:
 * one about a "gadget" by a string id, one by a number, one whose name
 * has no family, one with an escaped id), with and without a device and
 * user. */
static GPtrArray *
make_events (void)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GString) accents = g_string_new (NULL);
  g_autoptr(GString) long_title = g_string_new (NULL);

  for (guint i = 0; i < 120; i++)
    g_string_append (accents, "é");   /* 120 characters, 240 bytes */
  for (guint i = 0; i < 300; i++)
    g_string_append_c (long_title, 'x');

  for (guint seq = 1; seq <= N_EVENTS; seq++)
    {
      g_autofree char *list = object_id (seq % 10 + 1);
      g_autofree char *todo = object_id (1000 + seq);
      g_autofree char *earlier = object_id (1000 + seq / 2);
      g_autofree char *args = NULL;
      const char *name;
      CairnEvent *event;

      if (seq <= 10)
        {
          name = "list.created";
          args = g_strdup_printf ("{\"list_id\":\"%s\",\"position\":\"P%04u1\",\"title\":\"L%u\"}",
                                  list, seq, seq);
        }
      else if (seq == 11)
        {
          name = "todo.created";
          args = g_strdup_printf ("{\"list_id\":\"%s\",\"position\":\"P1\",\"title\":\"lost\","
                                  "\"todo_id\":\"%s\"}", "01890a5d-ac96-774b-bcce-999999999999",
                                  todo);
        }
      else if (seq == 12 || seq == 13)
        {
          name = "todo.created";
          args = g_strdup_printf ("{\"list_id\":\"%s\",\"position\":\"P1\",\"title\":\"%s\","
                                  "\"todo_id\":\"%s\"}", list,
                                  seq == 12 ? long_title->str : accents->str, todo);
        }
      else if (seq % 97 == 0)
        {
          name = "gadget.made";
          args = g_strdup_printf ("{\"gadget_id\":\"g%u\",\"size\":%u}", seq % 3, seq);
        }
      else if (seq % 89 == 0)
        {
          name = "gadget.moved";
          args = g_strdup_printf ("{\"gadget_id\":%u}", seq % 5);
        }
      else if (seq % 83 == 0)
        {
          name = "ping";
          args = g_strdup ("{\"_id\":\"p\"}");
        }
      else if (seq % 79 == 0)
        {
          name = "gadget.named";
          args = g_strdup ("{\"gadget_id\":\"a\\\"b\\u00e9\"}");
        }
      else if (seq % 3 == 0)
        {
          name = "todo.renamed";
          args = g_strdup_printf ("{\"title\":\"T%u\",\"todo_id\":\"%s\"}", seq, earlier);
        }
      else
        {
          name = "todo.created";
          args = g_strdup_printf ("{\"list_id\":\"%s\",\"position\":\"P%05u1\",\"title\":\"T%u\","
                                  "\"todo_id\":\"%s\"}", list, seq, seq, todo);
        }
      event = test_event_new (seq % 2 ? FOREIGN : OTHER, (seq + 1) / 2, seq, name, args);
      if (seq % 5 != 0)
        event->device = g_strdup_printf ("Laptop %u", seq % 3);
      if (seq % 7 != 0)
        event->user = g_strdup (seq % 2 ? "ann" : "bob");
      g_ptr_array_add (events, event);
    }
  return events;
}

/* Rebases @events in batches of at most @batch events. */
static void
rebase_in_batches (CairnStore *store,
                   GPtrArray  *events,
                   guint       batch)
{
  for (guint i = 0; i < events->len; i += batch)
    {
      g_autoptr(GPtrArray) part = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

      for (guint j = i; j < MIN (i + batch, events->len); j++)
        g_ptr_array_add (part, cairn_event_ref (events->pdata[j]));
      test_rebase_ok (store, part, NULL);
    }
}

/* Every row of @sql's result, every column quoted, one line per row. */
static char *
dump (CairnStore *store,
      const char *sql)
{
  g_autoptr(GString) out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_assert_cmpint (sqlite3_prepare_v2 (store->db, sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        {
          const char *text = (const char *) sqlite3_column_text (stmt, i);

          g_string_append_printf (out, "%d:%s|", sqlite3_column_type (stmt, i),
                                  text != NULL ? text : "NULL");
        }
      g_string_append_c (out, '\n');
    }
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

#define INDEX_ROWS "SELECT * FROM log_objects ORDER BY object_id, seq"

static gint64
gap_from (CairnStore *store)
{
  return test_query_int (store, "SELECT coalesce (history_gap_from, -1) FROM meta");
}

static gint64
gap_to (CairnStore *store)
{
  return test_query_int (store, "SELECT coalesce (history_gap_to, -1) FROM meta");
}

static void
fill_all (CairnStore *store)
{
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  g_assert_true (_cairn_store_history_fill (store, G_MAXINT64, &done, &error));
  g_assert_no_error (error);
  g_assert_true (done);
  g_assert_cmpint (gap_from (store), ==, -1);
  g_assert_cmpint (gap_to (store), ==, -1);
}
#define LOG_ROWS "SELECT seq, client_id, client_seq, name, args, device, user_name, chain, " \
                 "skipped FROM log ORDER BY seq"

/* One large batch (index and chain written by hand) and the same events
 * one at a time (the trigger and cairn_chain()): the same log, chain and
 * index, which also equals the index made again from the log. */
static void
test_large_batch_index_and_chain (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(CairnStore) small = test_store_open_extra (ts, "small.db");
  g_autoptr(GPtrArray) events = make_events ();
  g_autoptr(GError) error = NULL;
  g_autofree char *index_large = NULL;
  g_autofree char *index_small = NULL;
  g_autofree char *index_rebuilt = NULL;
  g_autofree char *log_large = NULL;
  g_autofree char *log_small = NULL;

  rebase_in_batches (ts->store, events, N_EVENTS);
  rebase_in_batches (small, events, 1);
  g_assert_false (ts->store->log_index_by_hand);

  /* The batch's rows are the gap, not yet in the index; the small
   * batches' are, and leave none. */
  g_assert_cmpint (gap_from (ts->store), ==, 1);
  g_assert_cmpint (gap_to (ts->store), ==, N_EVENTS);
  g_assert_cmpint (gap_from (small), ==, -1);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log_objects"), ==, 0);
  /* An update of a row in the gap (an event this build learns, or no
   * longer knows) is what the fill reads: the trigger has no row to
   * change yet. */
  g_assert_true (_cairn_store_exec (ts->store, "UPDATE log SET skipped = 1 - skipped WHERE seq = 700",
                                    &error));
  g_assert_true (_cairn_store_exec (small, "UPDATE log SET skipped = 1 - skipped WHERE seq = 700",
                                    &error));
  g_assert_no_error (error);
  fill_all (ts->store);

  index_large = dump (ts->store, INDEX_ROWS);
  index_small = dump (small, INDEX_ROWS);
  log_large = dump (ts->store, LOG_ROWS);
  log_small = dump (small, LOG_ROWS);
  g_assert_cmpstr (log_large, ==, log_small);
  g_assert_cmpstr (index_large, ==, index_small);

  /* What was checked: every kind of row is there. */
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log WHERE chain IS NULL"), ==, 0);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log_objects WHERE skipped"), >, 10);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log_objects WHERE args IS NULL"), ==, 1);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log_objects WHERE "
                                              "object_id IN ('0', '1', '2', '3', '4')"), >, 0);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log_objects WHERE "
                                              "object_id = 'a\"bé'"), >, 0);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log_objects WHERE "
                                              "object_id = 'p'"), >, 0);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log_objects WHERE "
                                              "device IS NULL OR user_name IS NULL"), >, 0);

  /* The trigger is back: a small rebase after the batch is indexed. */
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM sqlite_schema WHERE "
                                              "name = 'log_objects_add'"), ==, 1);
  {
    g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

    g_ptr_array_add (one, test_event_new (FOREIGN, 10000, N_EVENTS + 1, "todo.renamed",
                                          "{\"title\":\"Later\",\"todo_id\":\"01890a5d-ac96-774b-bcce-000000001020\"}"));
    test_rebase_ok (ts->store, one, NULL);
    g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log_objects WHERE seq = "
                                                G_STRINGIFY (N_EVENTS) " + 1"), ==, 1);
  }

  /* The index made again from the log is the same. */
  g_clear_pointer (&index_large, g_free);
  index_large = dump (ts->store, INDEX_ROWS);
  g_assert_true (_cairn_store_exec (ts->store, "DROP TABLE log_objects", &error));
  g_assert_no_error (error);
  g_assert_true (_cairn_store_history_ensure_index (ts->store, &error));
  g_assert_no_error (error);
  index_rebuilt = dump (ts->store, INDEX_ROWS);
  g_assert_cmpstr (index_large, ==, index_rebuilt);
}

/* A batch that lands after a gap in what this store knows of the chain
 * (the row before has no chain): NULL from there on, as cairn_chain()
 * gives. */
static void
test_large_batch_after_unknown_chain (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) events = make_events ();
  g_autoptr(GPtrArray) first = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GPtrArray) rest = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < events->len; i++)
    g_ptr_array_add (i < 100 ? first : rest, cairn_event_ref (events->pdata[i]));
  test_rebase_ok (ts->store, first, NULL);
  g_assert_true (_cairn_store_exec (ts->store, "UPDATE log SET chain = NULL WHERE seq = 100", &error));
  g_assert_no_error (error);
  test_rebase_ok (ts->store, rest, NULL);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log WHERE chain IS NULL"), ==,
                   N_EVENTS - 99);
}

/* A large batch that fails half-way (a log row refused) changes nothing:
 * the trigger is there again, the store writes log rows as usual, and
 * the same batch afterwards gives the index a one-by-one rebase gives. */
static void
test_failed_large_batch (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(CairnStore) small = test_store_open_extra (ts, "small.db");
  g_autoptr(GPtrArray) events = make_events ();
  g_autoptr(GError) error = NULL;
  g_autofree char *index_large = NULL;
  g_autofree char *index_small = NULL;

  g_assert_true (_cairn_store_exec (ts->store, "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.log "
                                    "WHEN NEW.seq = 1200 BEGIN SELECT RAISE (ABORT, 'refused'); END",
                                    &error));
  g_assert_no_error (error);
  g_assert_false (cairn_store_rebase (ts->store, events, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (ts->store->log_index_by_hand);
  g_assert_null (ts->store->tail_lists);
  g_assert_cmpint (cairn_store_get_head (ts->store), ==, 0);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log"), ==, 0);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM sqlite_schema WHERE "
                                              "name = 'log_objects_add'"), ==, 1);

  g_assert_true (_cairn_store_exec (ts->store, "DROP TRIGGER temp.refuse", &error));
  g_assert_no_error (error);
  /* and no gap */
  g_assert_cmpint (gap_from (ts->store), ==, -1);
  rebase_in_batches (ts->store, events, N_EVENTS);
  rebase_in_batches (small, events, 1);
  fill_all (ts->store);
  index_large = dump (ts->store, INDEX_ROWS);
  index_small = dump (small, INDEX_ROWS);
  g_assert_cmpstr (index_large, ==, index_small);
}

/* Without the index (table and triggers dropped; made again when a
 * history is asked for) a large batch has no trigger to set aside: it
 * writes the log as usual. */
static void
test_large_batch_without_index (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) events = make_events ();
  g_autoptr(GError) error = NULL;

  g_assert_true (_cairn_store_exec (ts->store, "DROP TRIGGER log_objects_add;"
                                    "DROP TRIGGER log_objects_skip;"
                                    "DROP TRIGGER log_objects_remove;"
                                    "DROP TABLE log_objects", &error));
  g_assert_no_error (error);
  rebase_in_batches (ts->store, events, N_EVENTS);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log"), ==, N_EVENTS);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM sqlite_schema WHERE "
                                              "name = 'log_objects_add'"), ==, 0);
  g_assert_cmpint (gap_from (ts->store), ==, -1);
  g_assert_true (_cairn_store_history_ensure_index (ts->store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log_objects"), >, N_EVENTS / 2);
}

/* The gap filled a few rows at a time, with small batches (indexed by
 * the trigger) and a second large batch landing in between: the same
 * index as the one-by-one store, and each step moves the gap's start. */
static void
test_gap_filled_in_steps (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(CairnStore) small = test_store_open_extra (ts, "small.db");
  g_autoptr(GPtrArray) events = make_events ();
  g_autoptr(GPtrArray) first = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GPtrArray) middle = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GPtrArray) last = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *index_steps = NULL;
  g_autofree char *index_small = NULL;
  gboolean done = FALSE;
  guint steps = 0;

  /* 1..1200 large (no index rows), 1201..1300 one by one (trigger),
   * then 1301..1500 as a batch of 200 (the trigger again: below the
   * large-batch size). */
  for (guint i = 0; i < events->len; i++)
    g_ptr_array_add (i < 1200 ? first : i < 1300 ? middle : last, cairn_event_ref (events->pdata[i]));
  test_rebase_ok (ts->store, first, NULL);
  g_assert_cmpint (gap_from (ts->store), ==, 1);
  g_assert_cmpint (gap_to (ts->store), ==, 1200);
  /* a step, then more events, then steps to the end */
  g_assert_true (_cairn_store_history_fill (ts->store, 500, &done, &error));
  g_assert_no_error (error);
  g_assert_false (done);
  g_assert_cmpint (gap_from (ts->store), ==, 501);
  g_assert_cmpint (gap_to (ts->store), ==, 1200);
  rebase_in_batches (ts->store, middle, 1);
  test_rebase_ok (ts->store, last, NULL);
  g_assert_cmpint (gap_from (ts->store), ==, 501);
  g_assert_cmpint (gap_to (ts->store), ==, 1200);
  do
    {
      g_assert_true (_cairn_store_history_fill (ts->store, 300, &done, &error));
      g_assert_no_error (error);
      steps++;
    }
  while (!done);
  g_assert_cmpuint (steps, ==, 3);
  g_assert_cmpint (gap_from (ts->store), ==, -1);

  rebase_in_batches (small, events, 1);
  index_steps = dump (ts->store, INDEX_ROWS);
  index_small = dump (small, INDEX_ROWS);
  g_assert_cmpstr (index_steps, ==, index_small);

  /* Nothing left: a fill does nothing and says so. */
  g_assert_true (_cairn_store_history_fill (ts->store, 10, &done, &error));
  g_assert_no_error (error);
  g_assert_true (done);
}

/* A history asked for right after a large batch fills the gap first:
 * the object's changes are all there. */
static void
test_history_fills_gap (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(CairnStore) small = test_store_open_extra (ts, "small.db");
  g_autoptr(GPtrArray) events = make_events ();
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(GPtrArray) expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = object_id (1022);

  rebase_in_batches (ts->store, events, N_EVENTS);
  rebase_in_batches (small, events, 1);
  g_assert_cmpint (gap_to (ts->store), ==, N_EVENTS);
  history = cairn_store_get_history (ts->store, id, &error);
  g_assert_no_error (error);
  expected = cairn_store_get_history (small, id, &error);
  g_assert_no_error (error);
  /* created, then renamed */
  g_assert_cmpuint (expected->len, >=, 2);
  g_assert_cmpuint (history->len, ==, expected->len);
  for (guint i = 0; i < history->len; i++)
    g_assert_cmpint (((CairnHistoryEntry *) history->pdata[i])->seq, ==,
                     ((CairnHistoryEntry *) expected->pdata[i])->seq);
  g_assert_cmpint (gap_from (ts->store), ==, -1);
}

/* A gap over an index that was dropped closes at once: the next history
 * makes the whole index again from the log. */
static void
test_gap_without_index (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) events = make_events ();
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  rebase_in_batches (ts->store, events, N_EVENTS);
  g_assert_cmpint (gap_to (ts->store), ==, N_EVENTS);
  g_assert_true (_cairn_store_exec (ts->store, "DROP TRIGGER log_objects_add;"
                                    "DROP TRIGGER log_objects_skip;"
                                    "DROP TRIGGER log_objects_remove;"
                                    "DROP TABLE log_objects", &error));
  g_assert_no_error (error);
  g_assert_true (_cairn_store_history_fill (ts->store, 10, &done, &error));
  g_assert_no_error (error);
  g_assert_true (done);
  g_assert_cmpint (gap_from (ts->store), ==, -1);
  g_assert_true (_cairn_store_history_ensure_index (ts->store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log_objects"), ==,
                   test_query_int (ts->store, "SELECT count(*) FROM log WHERE "
                                   CAIRN_HISTORY_OBJECT_OF ("log") " IS NOT NULL"));
}

static void
wait_for_gap_closed (CairnStore *store)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (gap_from (store) != -1)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* With its idle work on, the store fills the gap by itself while the
 * main loop is idle, a step at a time; with it off (the default, and a
 * store used from a worker thread), it leaves it to the next history. */
static void
test_gap_filled_when_idle (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(CairnStore) quiet = test_store_open_extra (ts, "quiet.db");
  g_autoptr(GPtrArray) events = make_events ();
  g_autoptr(GPtrArray) more = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GError) error = NULL;

  rebase_in_batches (quiet, events, N_EVENTS);
  cairn_store_set_idle_work (ts->store, TRUE);
  rebase_in_batches (ts->store, events, N_EVENTS);
  g_assert_nonnull (ts->store->history_source);
  g_assert_null (quiet->history_source);
  g_assert_cmpint (gap_to (ts->store), ==, N_EVENTS);
  wait_for_gap_closed (ts->store);
  g_assert_null (ts->store->history_source);
  g_assert_cmpint (gap_to (quiet), ==, N_EVENTS);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log_objects"), ==,
                   test_query_int (ts->store, "SELECT count(*) FROM log WHERE "
                                   CAIRN_HISTORY_OBJECT_OF ("log") " IS NOT NULL"));
  /* turned on later, it starts on what is left */
  cairn_store_set_idle_work (quiet, TRUE);
  g_assert_nonnull (quiet->history_source);
  wait_for_gap_closed (quiet);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store-tail-log/large-batch-index-and-chain", test_large_batch_index_and_chain);
  g_test_add_func ("/store-tail-log/large-batch-after-unknown-chain",
                   test_large_batch_after_unknown_chain);
  g_test_add_func ("/store-tail-log/failed-large-batch", test_failed_large_batch);
  g_test_add_func ("/store-tail-log/large-batch-without-index", test_large_batch_without_index);
  g_test_add_func ("/store-tail-log/gap-filled-in-steps", test_gap_filled_in_steps);
  g_test_add_func ("/store-tail-log/history-fills-gap", test_history_fills_gap);
  g_test_add_func ("/store-tail-log/gap-without-index", test_gap_without_index);
  g_test_add_func ("/store-tail-log/gap-filled-when-idle", test_gap_filled_when_idle);
  return g_test_run ();
}

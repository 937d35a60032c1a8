/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-tail.c: issue 17's speed work must not change what a rebase
 * gives. A remote note edit merges into the store's decoded CRDT without
 * decoding the note again (its cost must not grow with the note's
 * history), and the text stays what the file holds, with pending edits
 * rolled back and replayed around the remote ones. */
#include "config.h"

#include <string.h>

#include "cairn-search.h"
#include "store-test-util.h"

#define FOREIGN "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define OTHER   "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define LIST    "01890a5d-ac96-774b-bcce-b30209900001"
#define NOTE    "01890a5d-ac96-774b-bcce-b30209900021"

static CairnEvent *
foreign_edit (CairnText  *replica,
              const char *text,
              gint64      seq)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *b64 = NULL;
  g_autofree char *args = NULL;

  g_assert_true (cairn_text_insert (replica, cairn_text_get_length (replica), text, -1, ops,
                                    &error));
  g_assert_no_error (error);
  bytes = cairn_text_ops_encode (ops);
  b64 = g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  args = g_strdup_printf ("{\"note_id\":\"" NOTE "\",\"ops\":\"%s\"}", b64);
  return test_event_new (FOREIGN, seq, seq, "note.edited", args);
}

static void
rebase_one (CairnStore *store,
            CairnEvent *event)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

  g_ptr_array_add (one, event);
  test_rebase_ok (store, one, NULL);
}

/* 300 remote keystrokes, one rebase each, with a local edit pending every
 * 25th (so that some rebases roll it back and replay it): no rebase
 * decodes the note, and the text equals what a store opened afterwards
 * on the file reads. */
static void
test_remote_edits_keep_decoded_note (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) replica = cairn_text_new (FOREIGN, &error);
  g_autoptr(CairnStore) other = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *theirs = NULL;
  gint64 seq = 1;
  guint n_local = 0;

  g_assert_no_error (error);
  rebase_one (ts->store, test_event_new (FOREIGN, 1, 1, "note.created",
                                         "{\"note_id\":\"" NOTE "\",\"title\":\"N\"}"));
  /* The first edit decodes the (empty) note once. */
  rebase_one (ts->store, foreign_edit (replica, "a", ++seq));

  for (guint i = 0; i < 300; i++)
    {
      guint reads;

      if (i % 25 == 0)
        {
          test_type_into_note (ts->store, NOTE, 0, "L");
          n_local++;
        }
      reads = _cairn_store_get_text_reads (ts->store);
      rebase_one (ts->store, foreign_edit (replica, i % 7 == 6 ? " " : "b", ++seq));
      g_assert_cmpuint (_cairn_store_get_text_reads (ts->store), ==, reads);
    }
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, n_local);
  g_assert_cmpint (cairn_store_get_head (ts->store), ==, seq);

  ours = test_read_note_body (ts->store, NOTE);
  g_assert_cmpuint (strlen (ours), ==, 301 + n_local);
  other = test_store_open_extra (ts, "workspace.db");
  theirs = test_read_note_body (other, NOTE);
  g_assert_cmpstr (ours, ==, theirs);
}

/* A rebase that fails half-way (here: a trigger refuses its second log
 * row) changes nothing, the decoded notes included, though its first
 * event had merged into them: the next edit gives the file's text. */
static void
test_failed_rebase_forgets_decoded_note (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) a = cairn_text_new (FOREIGN, &error);
  g_autoptr(CairnText) b = cairn_text_new (OTHER, &error);
  g_autoptr(CairnTextOps) so_far = NULL;
  g_autoptr(GPtrArray) bad = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(CairnStore) other = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *theirs = NULL;
  CairnEvent *edit;

  g_assert_no_error (error);
  rebase_one (ts->store, test_event_new (FOREIGN, 1, 1, "note.created",
                                         "{\"note_id\":\"" NOTE "\",\"title\":\"N\"}"));
  rebase_one (ts->store, foreign_edit (a, "abc", 2));
  so_far = cairn_text_ops_since (a, NULL);
  g_assert_true (cairn_text_apply (b, so_far, 0, &error));

  /* B's edit merges into the store's decoded note, then the batch fails. */
  edit = foreign_edit (b, "XYZ", 3);
  g_free (edit->client_id);
  edit->client_id = g_strdup (OTHER);
  edit->client_seq = 1;
  g_ptr_array_add (bad, edit);
  g_ptr_array_add (bad, test_event_new (FOREIGN, 4, 4, "note.renamed",
                                        "{\"note_id\":\"" NOTE "\",\"title\":\"M\"}"));
  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (ts->store),
                                 "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.log "
                                 "WHEN new.seq = 4 BEGIN SELECT RAISE (ABORT, 'refused'); END",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_false (cairn_store_rebase (ts->store, bad, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (ts->store), "DROP TRIGGER temp.refuse",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (cairn_store_get_head (ts->store), ==, 2);

  /* The server's seq 3 is A's edit instead. */
  rebase_one (ts->store, foreign_edit (a, "def", 3));
  ours = test_read_note_body (ts->store, NOTE);
  g_assert_cmpstr (ours, ==, "abcdef");
  other = test_store_open_extra (ts, "workspace.db");
  theirs = test_read_note_body (other, NOTE);
  g_assert_cmpstr (theirs, ==, ours);
}

static void
on_changed (CairnStore    *store,
            CairnChanges  *changes,
            CairnChanges **last)
{
  g_clear_pointer (last, _cairn_changes_free);
  *last = _cairn_changes_new ();
  _cairn_changes_add_kinds (*last, changes, CAIRN_ROW_KIND_ALL);
}

/* With a rename of a list pending, the rebase's session records lists
 * only: the list rolled back and replayed to the same title is no change,
 * and the todos the batch created are reported by the reducers. */
static void
test_pending_kinds_exact (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GError) error = NULL;
  CairnChanges *last = NULL;

  rebase_one (ts->store, test_event_new (FOREIGN, 1, 1, "list.created",
                                         "{\"list_id\":\"" LIST "\",\"title\":\"Home\","
                                         "\"position\":\"V\"}"));
  g_assert_true (cairn_store_rename_list (ts->store, LIST, "Mine", &error));
  g_assert_cmpint (_cairn_store_pending_kinds (ts->store, &error), ==, CAIRN_ROW_KIND_LISTS);
  g_signal_connect (ts->store, "changed", G_CALLBACK (on_changed), &last);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *args = g_strdup_printf ("{\"list_id\":\"" LIST "\",\"position\":\"V%u\","
                                               "\"title\":\"T%u\",\"todo_id\":"
                                               "\"01890a5d-ac96-774b-bcce-b3020990010%u\"}",
                                               i + 1, i, i);

      g_ptr_array_add (batch, test_event_new (FOREIGN, 2 + i, 2 + i, "todo.created", args));
    }
  test_rebase_ok (ts->store, batch, NULL);
  g_assert_nonnull (last);
  g_assert_cmpuint (g_hash_table_size (last->lists), ==, 0);
  g_assert_cmpuint (g_hash_table_size (last->todos), ==, 3);
  g_assert_true (g_hash_table_contains (last->todos, "01890a5d-ac96-774b-bcce-b30209900102"));
  g_assert_cmpuint (_cairn_store_get_rollback_count (ts->store), ==, 1);
  g_clear_pointer (&last, _cairn_changes_free);
}

static char *
trigger_sql (CairnStore *store)
{
  return test_query_text (store, "SELECT group_concat (name || ':' || sql, ';') FROM "
                          "(SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name)");
}

static guint
n_hits (CairnStore *store,
        const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = cairn_store_search (store, text, 0, &error);

  g_assert_no_error (error);
  return hits->len;
}

/* A large batch leaves the search index stale instead of marking every
 * row: the triggers are back after it, unchanged, the next search finds
 * what the batch made, and a small batch after it is indexed as before. */
static void
test_large_batch_search (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autofree char *before = trigger_sql (ts->store);
  g_autofree char *after = NULL;
  g_autofree char *one = NULL;

  g_assert_nonnull (strstr (before, "search_todos_ins"));
  /* Searched once: the index is current, so only the size resets it. */
  g_assert_cmpuint (n_hits (ts->store, "apples"), ==, 0);
  g_assert_cmpint (test_query_int (ts->store, "SELECT stale FROM search_meta"), ==, 0);

  g_ptr_array_add (batch, test_event_new (FOREIGN, 1, 1, "list.created",
                                          "{\"list_id\":\"" LIST "\",\"title\":\"Home\","
                                          "\"position\":\"V\"}"));
  for (guint i = 0; i < 1200; i++)
    {
      g_autofree char *args = g_strdup_printf ("{\"list_id\":\"" LIST "\",\"position\":\"W%04uV\","
                                               "\"title\":\"%s %u\",\"todo_id\":"
                                               "\"01890a5d-ac96-774b-bcce-b3020991%04u\"}",
                                               i + 1, i % 2 ? "apples" : "pears", i, i);

      g_ptr_array_add (batch, test_event_new (FOREIGN, 2 + i, 2 + i, "todo.created", args));
    }
  test_rebase_ok (ts->store, batch, NULL);
  after = trigger_sql (ts->store);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpint (test_query_int (ts->store, "SELECT stale FROM search_meta"), ==, 1);
  g_assert_cmpuint (n_hits (ts->store, "apples"), ==, 600);
  g_assert_cmpint (test_query_int (ts->store, "SELECT stale FROM search_meta"), ==, 0);

  /* A small batch: the triggers mark the renamed todo. */
  g_ptr_array_set_size (batch, 0);
  g_ptr_array_add (batch, test_event_new (FOREIGN, 1202, 1202, "todo.renamed",
                                          "{\"title\":\"quinces\",\"todo_id\":"
                                          "\"01890a5d-ac96-774b-bcce-b30209910001\"}"));
  test_rebase_ok (ts->store, batch, NULL);
  g_assert_cmpint (test_query_int (ts->store, "SELECT stale FROM search_meta"), ==, 0);
  g_assert_cmpuint (n_hits (ts->store, "quinces"), ==, 1);
  g_assert_cmpuint (n_hits (ts->store, "apples"), ==, 599);
}

/* An event made from args text keeps the text for the log only when it
 * is byte for byte the canonical form; either way the log holds that. */
static void
test_args_text_kept_when_canonical (void)
{
  static const struct { const char *args; gboolean kept; } cases[] = {
    { "{\"list_id\":\"" LIST "\",\"position\":\"V\",\"title\":\"Home\"}", TRUE },
    /* members out of order */
    { "{\"position\":\"V\",\"list_id\":\"" LIST "\",\"title\":\"Home\"}", FALSE },
    /* an escape the canonical form does not write */
    { "{\"list_id\":\"" LIST "\",\"position\":\"V\",\"title\":\"H\\u006fme\"}", FALSE },
    /* an escaped quote: canonical in fact, but not kept (any backslash
     * makes the text go the usual way) */
    { "{\"list_id\":\"" LIST "\",\"position\":\"V\",\"title\":\"say \\\"hi\\\"\"}", FALSE },
    /* not a string */
    { "{\"list_id\":\"" LIST "\",\"position\":\"V\",\"title\":7}", FALSE },
    /* a prefix sorts first */
    { "{\"a\":\"1\",\"ab\":\"2\"}", TRUE },
    { "{\"ab\":\"1\",\"a\":\"2\"}", FALSE },
    { "{}", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CairnEvent) event = cairn_event_new_from_args_json ("list.created", 1,
                                                                    cases[i].args, &error);
      g_autofree char *canonical = NULL;

      g_assert_no_error (error);
      canonical = cairn_event_dup_args_json (event);
      if (cases[i].kept)
        {
          g_assert_cmpstr (event->args_text, ==, cases[i].args);
          g_assert_cmpstr (canonical, ==, cases[i].args);
        }
      else
        g_assert_null (event->args_text);   /* the log gets `canonical` */
    }

  /* Through a rebase: the log holds the canonical text either way. */
  {
    g_autoptr(TestStore) ts = test_store_new ();
    g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
    g_autoptr(GError) error = NULL;
    CairnEvent *event = cairn_event_new_from_args_json ("list.created", 1, cases[1].args, &error);
    g_autofree char *logged = NULL;

    g_assert_no_error (error);
    event->client_id = g_strdup (FOREIGN);
    event->client_seq = 1;
    event->seq = 1;
    g_ptr_array_add (batch, event);
    test_rebase_ok (ts->store, batch, NULL);
    logged = test_query_text (ts->store, "SELECT args FROM log WHERE seq = 1");
    g_assert_cmpstr (logged, ==, cases[0].args);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store-tail/remote-edits-keep-decoded-note",
                   test_remote_edits_keep_decoded_note);
  g_test_add_func ("/store-tail/failed-rebase-forgets-decoded-note",
                   test_failed_rebase_forgets_decoded_note);
  g_test_add_func ("/store-tail/pending-kinds-exact", test_pending_kinds_exact);
  g_test_add_func ("/store-tail/large-batch-search", test_large_batch_search);
  g_test_add_func ("/store-tail/args-text-kept-when-canonical", test_args_text_kept_when_canonical);
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-reducers.c: every reducer, its no-op cases, local commits,
 * ::changed, and refusals that must write nothing. */
#include "config.h"

#include <string.h>

#include "cairn-position.h"
#include "store-test-util.h"

#define L1 "01890a5d-ac96-774b-bcce-b30209900001"
#define L2 "01890a5d-ac96-774b-bcce-b30209900002"
#define T1 "01890a5d-ac96-774b-bcce-b30209900011"
#define N1 "01890a5d-ac96-774b-bcce-b30209900021"
#define G1 "01890a5d-ac96-774b-bcce-b30209900031"
#define G2 "01890a5d-ac96-774b-bcce-b30209900032"
#define MISSING "01890a5d-ac96-774b-bcce-b30209900099"

typedef struct
{
  guint       n_emissions;
  GHashTable *lists;
  GHashTable *todos;
  GHashTable *notes;
  GHashTable *tags;
} Recorder;

static void
on_changed (CairnStore   *store,
            CairnChanges *changes,
            Recorder     *rec)
{
  GHashTableIter iter;
  gpointer key;

  rec->n_emissions++;
  g_hash_table_remove_all (rec->lists);
  g_hash_table_remove_all (rec->todos);
  g_hash_table_remove_all (rec->notes);
  g_hash_table_remove_all (rec->tags);
  g_hash_table_iter_init (&iter, changes->tags);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (rec->tags, g_strdup (key));
  g_hash_table_iter_init (&iter, changes->lists);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (rec->lists, g_strdup (key));
  g_hash_table_iter_init (&iter, changes->todos);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (rec->todos, g_strdup (key));
  g_hash_table_iter_init (&iter, changes->notes);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (rec->notes, g_strdup (key));
}

typedef struct
{
  TestStore *ts;
  Recorder   rec;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->ts = test_store_new ();
  f->rec.lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->rec.todos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->rec.notes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->rec.tags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect (f->ts->store, "changed", G_CALLBACK (on_changed), &f->rec);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->ts, test_store_free);
  g_hash_table_unref (f->rec.lists);
  g_hash_table_unref (f->rec.todos);
  g_hash_table_unref (f->rec.notes);
  g_hash_table_unref (f->rec.tags);
}

/* Commits name(args) and checks that exactly `changed_id` (or nothing,
 * when NULL) was reported changed, with one emission. */
static void
commit_expect (Fixture    *f,
               const char *name,
               const char *args_json,
               const char *changed_id)
{
  g_autoptr(CairnEvent) event = NULL;
  guint before = f->rec.n_emissions;
  guint n_changed;

  event = test_commit_json (f->ts->store, name, args_json);
  g_assert_nonnull (event);
  g_assert_cmpuint (f->rec.n_emissions, ==, before + 1);

  n_changed = g_hash_table_size (f->rec.lists) + g_hash_table_size (f->rec.todos) +
              g_hash_table_size (f->rec.notes) + g_hash_table_size (f->rec.tags);
  if (changed_id == NULL)
    {
      if (n_changed != 0)
        g_error ("%s %s should have been a no-op", name, args_json);
    }
  else
    {
      g_assert_cmpuint (n_changed, ==, 1);
      g_assert_true (g_hash_table_contains (f->rec.lists, changed_id) ||
                     g_hash_table_contains (f->rec.todos, changed_id) ||
                     g_hash_table_contains (f->rec.notes, changed_id) ||
                     g_hash_table_contains (f->rec.tags, changed_id));
    }
}

static char *
column (Fixture    *f,
        const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (_cairn_store_get_db (f->ts->store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

#define assert_column(f, sql, expected) \
  G_STMT_START { g_autofree char *v_ = column (f, sql); g_assert_cmpstr (v_, ==, expected); } G_STMT_END

static void
test_list_reducers (Fixture       *f,
                    gconstpointer  data)
{
  commit_expect (f, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}", L1);
  assert_column (f, "SELECT title || '|' || position || '|' || deleted FROM lists", "Home|V|0");
  /* create of an existing id: no-op, the first one wins */
  commit_expect (f, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Other\",\"position\":\"X\"}", NULL);
  assert_column (f, "SELECT title FROM lists", "Home");

  commit_expect (f, "list.renamed", "{\"list_id\":\"" L1 "\",\"title\":\"House\"}", L1);
  assert_column (f, "SELECT title FROM lists", "House");
  commit_expect (f, "list.renamed", "{\"list_id\":\"" L1 "\",\"title\":\"House\"}", NULL);
  commit_expect (f, "list.renamed", "{\"list_id\":\"" MISSING "\",\"title\":\"House\"}", NULL);

  commit_expect (f, "list.moved", "{\"list_id\":\"" L1 "\",\"position\":\"k\"}", L1);
  assert_column (f, "SELECT position FROM lists", "k");
  commit_expect (f, "list.moved", "{\"list_id\":\"" L1 "\",\"position\":\"k\"}", NULL);
  commit_expect (f, "list.moved", "{\"list_id\":\"" MISSING "\",\"position\":\"k\"}", NULL);

  commit_expect (f, "list.deleted", "{\"list_id\":\"" L1 "\"}", L1);
  assert_column (f, "SELECT deleted FROM lists", "1");
  commit_expect (f, "list.deleted", "{\"list_id\":\"" L1 "\"}", NULL);
  commit_expect (f, "list.deleted", "{\"list_id\":\"" MISSING "\"}", NULL);
  /* a deleted list ignores renames and moves: the row is a tombstone */
  commit_expect (f, "list.renamed", "{\"list_id\":\"" L1 "\",\"title\":\"Gone\"}", NULL);
  commit_expect (f, "list.moved", "{\"list_id\":\"" L1 "\",\"position\":\"z\"}", NULL);

  commit_expect (f, "list.restored", "{\"list_id\":\"" L1 "\"}", L1);
  assert_column (f, "SELECT title || '|' || position || '|' || deleted FROM lists", "House|k|0");
  commit_expect (f, "list.restored", "{\"list_id\":\"" L1 "\"}", NULL);
  commit_expect (f, "list.restored", "{\"list_id\":\"" MISSING "\"}", NULL);

  /* every event, no-op or not, is in the outbox in order */
  g_assert_cmpuint (cairn_store_get_pending_count (f->ts->store), ==, 16);
  g_assert_cmpint (test_query_int (f->ts->store, "SELECT max(client_seq) - min(client_seq) + 1 FROM pending"), ==, 16);
  g_assert_cmpint (test_query_int (f->ts->store, "SELECT count(*) FROM lists"), ==, 1);
}

static void
test_todo_reducers (Fixture       *f,
                    gconstpointer  data)
{
  /* in a list that does not exist yet: it waits (parked), and the list's
   * create brings it along, in one change */
  commit_expect (f, "todo.created", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L1 "\",\"title\":\"Milk\",\"position\":\"V\"}", NULL);
  g_assert_cmpint (test_query_int (f->ts->store, "SELECT count(*) FROM parked"), ==, 1);
  {
    guint before = f->rec.n_emissions;

    g_autoptr(CairnEvent) list = test_commit_json (f->ts->store, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}");
    g_assert_cmpuint (f->rec.n_emissions, ==, before + 1);
    g_assert_true (g_hash_table_contains (f->rec.lists, L1));
    g_assert_true (g_hash_table_contains (f->rec.todos, T1));
    g_assert_cmpint (test_query_int (f->ts->store, "SELECT count(*) FROM parked"), ==, 0);
  }
  commit_expect (f, "list.created", "{\"list_id\":\"" L2 "\",\"title\":\"Work\",\"position\":\"W\"}", L2);
  /* made already, by the one that waited */
  commit_expect (f, "todo.created", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L1 "\",\"title\":\"Milk\",\"position\":\"V\"}", NULL);
  assert_column (f, "SELECT list_id || '|' || title || '|' || position || '|' || done || '|' || deleted || '|' || coalesce (due, '-') FROM todos",
                 L1 "|Milk|V|0|0|-");
  commit_expect (f, "todo.created", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L2 "\",\"title\":\"Eggs\",\"position\":\"V\"}", NULL);

  commit_expect (f, "todo.renamed", "{\"todo_id\":\"" T1 "\",\"title\":\"Oat milk\"}", T1);
  commit_expect (f, "todo.renamed", "{\"todo_id\":\"" T1 "\",\"title\":\"Oat milk\"}", NULL);
  commit_expect (f, "todo.renamed", "{\"todo_id\":\"" MISSING "\",\"title\":\"x\"}", NULL);
  assert_column (f, "SELECT title FROM todos", "Oat milk");

  commit_expect (f, "todo.completed", "{\"todo_id\":\"" T1 "\"}", T1);
  commit_expect (f, "todo.completed", "{\"todo_id\":\"" T1 "\"}", NULL);
  assert_column (f, "SELECT done FROM todos", "1");
  commit_expect (f, "todo.reopened", "{\"todo_id\":\"" T1 "\"}", T1);
  commit_expect (f, "todo.reopened", "{\"todo_id\":\"" T1 "\"}", NULL);
  commit_expect (f, "todo.reopened", "{\"todo_id\":\"" MISSING "\"}", NULL);
  assert_column (f, "SELECT done FROM todos", "0");

  commit_expect (f, "todo.due_set", "{\"todo_id\":\"" T1 "\",\"due\":\"2025-12-31\"}", T1);
  commit_expect (f, "todo.due_set", "{\"todo_id\":\"" T1 "\",\"due\":\"2025-12-31\"}", NULL);
  assert_column (f, "SELECT due FROM todos", "2025-12-31");
  commit_expect (f, "todo.due_cleared", "{\"todo_id\":\"" T1 "\"}", T1);
  commit_expect (f, "todo.due_cleared", "{\"todo_id\":\"" T1 "\"}", NULL);
  assert_column (f, "SELECT due FROM todos", NULL);

  /* move within the list, to another list, to a list that does not exist */
  commit_expect (f, "todo.moved", "{\"todo_id\":\"" T1 "\",\"position\":\"a\"}", T1);
  assert_column (f, "SELECT list_id || position FROM todos", L1 "a");
  commit_expect (f, "todo.moved", "{\"todo_id\":\"" T1 "\",\"position\":\"a\"}", NULL);
  commit_expect (f, "todo.moved", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L2 "\",\"position\":\"a\"}", T1);
  assert_column (f, "SELECT list_id || position FROM todos", L2 "a");
  commit_expect (f, "todo.moved", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" MISSING "\",\"position\":\"b\"}", NULL);
  assert_column (f, "SELECT list_id || position FROM todos", L2 "a");

  commit_expect (f, "todo.deleted", "{\"todo_id\":\"" T1 "\"}", T1);
  commit_expect (f, "todo.deleted", "{\"todo_id\":\"" T1 "\"}", NULL);
  /* a deleted todo ignores every change but restore */
  commit_expect (f, "todo.renamed", "{\"todo_id\":\"" T1 "\",\"title\":\"Gone\"}", NULL);
  commit_expect (f, "todo.completed", "{\"todo_id\":\"" T1 "\"}", NULL);
  commit_expect (f, "todo.due_set", "{\"todo_id\":\"" T1 "\",\"due\":\"2025-01-01\"}", NULL);
  commit_expect (f, "todo.moved", "{\"todo_id\":\"" T1 "\",\"position\":\"c\"}", NULL);
  commit_expect (f, "todo.restored", "{\"todo_id\":\"" T1 "\"}", T1);
  commit_expect (f, "todo.restored", "{\"todo_id\":\"" T1 "\"}", NULL);
  assert_column (f, "SELECT title || '|' || done || '|' || position || '|' || deleted FROM todos",
                 "Oat milk|0|a|0");

  /* a todo created in a deleted list is kept (restoring the list shows it) */
  commit_expect (f, "list.deleted", "{\"list_id\":\"" L2 "\"}", L2);
  commit_expect (f, "todo.created", "{\"todo_id\":\"" MISSING "\",\"list_id\":\"" L2 "\",\"title\":\"Late\",\"position\":\"z\"}", MISSING);
  /* deleting a list leaves its todos as they are */
  assert_column (f, "SELECT count(*) FROM todos WHERE list_id = '" L2 "' AND NOT deleted", "2");
}

static void
test_note_reducers (Fixture       *f,
                    gconstpointer  data)
{
  commit_expect (f, "note.created", "{\"note_id\":\"" N1 "\",\"title\":\"Ideas\"}", N1);
  assert_column (f, "SELECT title || '|' || body || '|' || deleted FROM notes", "Ideas||0");
  commit_expect (f, "note.created", "{\"note_id\":\"" N1 "\",\"title\":\"Again\"}", NULL);
  commit_expect (f, "note.renamed", "{\"note_id\":\"" N1 "\",\"title\":\"Plans\"}", N1);
  commit_expect (f, "note.renamed", "{\"note_id\":\"" N1 "\",\"title\":\"Plans\"}", NULL);
  commit_expect (f, "note.renamed", "{\"note_id\":\"" MISSING "\",\"title\":\"Plans\"}", NULL);
  commit_expect (f, "note.deleted", "{\"note_id\":\"" N1 "\"}", N1);
  commit_expect (f, "note.deleted", "{\"note_id\":\"" N1 "\"}", NULL);
  commit_expect (f, "note.renamed", "{\"note_id\":\"" N1 "\",\"title\":\"Nope\"}", NULL);
  commit_expect (f, "note.restored", "{\"note_id\":\"" N1 "\"}", N1);
  commit_expect (f, "note.restored", "{\"note_id\":\"" N1 "\"}", NULL);
  commit_expect (f, "note.restored", "{\"note_id\":\"" MISSING "\"}", NULL);
  assert_column (f, "SELECT title || '|' || deleted FROM notes", "Plans|0");
  /* created_at comes from the event, not the clock at replay time */
  g_assert_cmpint (test_query_int (f->ts->store, "SELECT created_at FROM notes"), ==,
                   test_query_int (f->ts->store, "SELECT created_at FROM pending ORDER BY client_seq LIMIT 1"));
  /* edited_at: the latest of the create's and the renames' own times */
  g_assert_cmpint (test_query_int (f->ts->store, "SELECT edited_at FROM notes"), ==,
                   test_query_int (f->ts->store, "SELECT created_at FROM pending "
                                                 "WHERE name = 'note.renamed' ORDER BY client_seq LIMIT 1"));

  /* Pinning (issue 14): each sets the flag; again, on a deleted or a
   * missing note: no-op. Neither counts as an edit. */
  commit_expect (f, "note.pinned", "{\"note_id\":\"" N1 "\"}", N1);
  commit_expect (f, "note.pinned", "{\"note_id\":\"" N1 "\"}", NULL);
  commit_expect (f, "note.pinned", "{\"note_id\":\"" MISSING "\"}", NULL);
  assert_column (f, "SELECT pinned FROM notes", "1");
  commit_expect (f, "note.unpinned", "{\"note_id\":\"" N1 "\"}", N1);
  commit_expect (f, "note.unpinned", "{\"note_id\":\"" N1 "\"}", NULL);
  commit_expect (f, "note.unpinned", "{\"note_id\":\"" MISSING "\"}", NULL);
  commit_expect (f, "note.deleted", "{\"note_id\":\"" N1 "\"}", N1);
  commit_expect (f, "note.pinned", "{\"note_id\":\"" N1 "\"}", NULL);
  assert_column (f, "SELECT pinned FROM notes", "0");
  g_assert_cmpint (test_query_int (f->ts->store, "SELECT edited_at FROM notes"), ==,
                   test_query_int (f->ts->store, "SELECT created_at FROM pending "
                                                 "WHERE name = 'note.renamed' ORDER BY client_seq LIMIT 1"));

  /* A rebuild from the events gives the same flag and time. */
  commit_expect (f, "note.restored", "{\"note_id\":\"" N1 "\"}", N1);
  commit_expect (f, "note.pinned", "{\"note_id\":\"" N1 "\"}", N1);
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *before = test_dump (f->ts->store);
    g_autofree char *after = NULL;

    g_assert_nonnull (strstr (before, "\"pinned\" : 1"));
    g_assert_true (cairn_store_rebuild (f->ts->store, &error));
    g_assert_no_error (error);
    after = test_dump (f->ts->store);
    g_assert_cmpstr (before, ==, after);
  }
}

/* A refused event writes nothing: no state, no pending row, no client_seq
 * used, no signal. */
static void
test_refused_writes_nothing (Fixture       *f,
                             gconstpointer  data)
{
  static const char * const bad[][2] = {
    { "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"\",\"position\":\"V\"}" },
    { "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"x\"}" },
    { "list.created", "{\"list_id\":\"nope\",\"title\":\"x\",\"position\":\"V\"}" },
    { "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"x\",\"position\":\"V0\"}" },
    { "todo.due_set", "{\"todo_id\":\"" T1 "\",\"due\":\"2025-02-30\"}" },
    { "todo.renamed", "{\"todo_id\":\"" T1 "\",\"title\":[\"x\"]}" },
    { "list.exploded", "{}" },
  };
  g_autofree char *before = NULL, *after = NULL;

  commit_expect (f, "list.created", "{\"list_id\":\"" L2 "\",\"title\":\"Home\",\"position\":\"V\"}", L2);
  before = test_dump (f->ts->store);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (bad[i][1], NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(CairnEvent) event = NULL;

      event = cairn_store_commit (f->ts->store, bad[i][0], 1, json_node_get_object (node), &error);
      g_assert_null (event);
      g_assert_true (error->domain == CAIRN_EVENT_ERROR);
    }

  after = test_dump (f->ts->store);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (f->rec.n_emissions, ==, 1);
  g_assert_cmpuint (cairn_store_get_pending_count (f->ts->store), ==, 1);
  g_assert_cmpint (test_query_int (f->ts->store, "SELECT count(*) FROM pending"), ==, 1);
  /* the next event gets the next number: no gap in client_seq */
  commit_expect (f, "list.renamed", "{\"list_id\":\"" L2 "\",\"title\":\"Home 2\"}", L2);
  g_assert_cmpint (test_query_int (f->ts->store, "SELECT max(client_seq) FROM pending"), ==, 2);
}

static void
test_commit_event_fields (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  g_autofree char *list = cairn_store_create_list (f->ts->store, "A", &error);
  g_autofree char *list2 = NULL;
  g_autofree char *args = NULL;
  CairnEvent *e;

  g_assert_no_error (error);
  list2 = cairn_store_create_list (f->ts->store, "B", &error);
  g_assert_no_error (error);

  pending = cairn_store_list_pending (f->ts->store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pending->len, ==, 2);
  e = pending->pdata[1];
  g_assert_cmpstr (e->name, ==, "list.created");
  g_assert_cmpstr (e->client_id, ==, cairn_store_get_client_id (f->ts->store));
  g_assert_cmpint (e->client_seq, ==, 2);
  g_assert_cmpint (e->seq, ==, 0);
  g_assert_cmpint (e->created_at, >, 1700000000000);
  args = cairn_event_dup_args_json (e);
  g_assert_nonnull (strstr (args, list2));

  g_clear_pointer (&pending, g_ptr_array_unref);
  pending = cairn_store_list_pending (f->ts->store, 1, &error);
  g_assert_cmpuint (pending->len, ==, 1);

  /* the pending row keeps the changeset of what its reducer wrote */
  g_assert_cmpint (test_query_int (f->ts->store, "SELECT min(length(changeset)) FROM pending"), >, 0);
}

/* The wrappers: trimming, positions, unknown ids. */
static void
test_wrappers (Fixture       *f,
               gconstpointer  data)
{
  CairnStore *s = f->ts->store;
  g_autoptr(GError) error = NULL;
  g_autofree char *home = NULL, *work = NULL, *a = NULL, *b = NULL, *c = NULL, *note = NULL;
  g_autofree char *order = NULL;

  home = cairn_store_create_list (s, "  Home\t", &error);
  g_assert_no_error (error);
  work = cairn_store_create_list (s, "Work", &error);
  g_assert_no_error (error);
  assert_column (f, "SELECT group_concat (title, ',') FROM (SELECT title FROM lists ORDER BY position, id)", "Home,Work");

  a = cairn_store_create_todo (s, home, "a", NULL, NULL, &error);
  g_assert_no_error (error);
  c = cairn_store_create_todo (s, home, "c", NULL, a, &error);
  g_assert_no_error (error);
  b = cairn_store_create_todo (s, home, "b", NULL, a, &error);   /* right after a, before c */
  g_assert_no_error (error);
  g_clear_pointer (&order, g_free);
  assert_column (f, "SELECT group_concat (title, '') FROM (SELECT title FROM todos ORDER BY position, id)", "abc");

  g_assert_true (cairn_store_move_todo (s, a, NULL, NULL, c, &error));   /* after c */
  g_assert_no_error (error);
  assert_column (f, "SELECT group_concat (title, '') FROM (SELECT title FROM todos ORDER BY position, id)", "bca");
  g_assert_true (cairn_store_move_todo (s, a, NULL, b, NULL, &error));   /* before b */
  g_assert_no_error (error);
  assert_column (f, "SELECT group_concat (title, '') FROM (SELECT title FROM todos ORDER BY position, id)", "abc");
  g_assert_true (cairn_store_move_todo (s, b, work, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_column (f, "SELECT list_id FROM todos WHERE title = 'b'", work);
  g_assert_true (cairn_store_move_list (s, work, home, NULL, &error));
  g_assert_no_error (error);
  assert_column (f, "SELECT group_concat (title, ',') FROM (SELECT title FROM lists ORDER BY position, id)", "Work,Home");

  g_assert_true (cairn_store_set_todo_due (s, a, "2024-02-29", &error));
  g_assert_true (cairn_store_set_todo_due (s, a, NULL, &error));
  g_assert_true (cairn_store_set_todo_done (s, a, TRUE, &error));
  g_assert_true (cairn_store_rename_todo (s, a, " A ", &error));
  g_assert_no_error (error);
  assert_column (f, "SELECT title || done || coalesce (due, '-') FROM todos WHERE id = (SELECT id FROM todos WHERE title = 'A')", "A1-");

  /* unknown and deleted ids are refused with NOT_FOUND and nothing stored */
  {
    guint pending = cairn_store_get_pending_count (s);

    g_assert_false (cairn_store_rename_todo (s, MISSING, "x", &error));
    g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, MISSING));
    g_clear_error (&error);
    g_assert_false (cairn_store_create_todo (s, MISSING, "x", NULL, NULL, &error));
    g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_false (cairn_store_create_todo (s, home, "x", NULL, MISSING, &error));
    g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_false (cairn_store_set_todo_done (s, "not-an-id", TRUE, &error));
    g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_false (cairn_store_set_todo_due (s, a, "2023-02-29", &error));
    g_assert_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_false (cairn_store_rename_list (s, home, "   ", &error));
    g_assert_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_false (cairn_store_move_todo (s, a, NULL, b, c, &error));
    g_assert_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_cmpuint (cairn_store_get_pending_count (s), ==, pending);
  }

  g_assert_true (cairn_store_delete_todo (s, c, &error));
  g_assert_false (cairn_store_rename_todo (s, c, "x", &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (cairn_store_restore_todo (s, c, &error));
  g_assert_true (cairn_store_rename_todo (s, c, "C", &error));
  g_assert_no_error (error);

  note = cairn_store_create_note (s, "Ideas", &error);
  g_assert_no_error (error);
  g_assert_true (cairn_store_rename_note (s, note, "Plans", &error));
  g_assert_true (cairn_store_delete_note (s, note, &error));
  g_assert_true (cairn_store_restore_note (s, note, &error));
  g_assert_true (cairn_store_delete_list (s, home, &error));
  g_assert_true (cairn_store_restore_list (s, home, &error));
  g_assert_no_error (error);
  assert_column (f, "SELECT title || deleted FROM notes", "Plans0");
}

/* The app and cairn-cli may have the same file open: numbers and the
 * cursor must follow what the other process committed. */
static void
test_two_processes (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) other = cairn_store_open (cairn_store_get_path (ts->store), &error);
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autofree char *a = NULL, *b = NULL, *c = NULL;

  g_assert_no_error (error);
  a = cairn_store_create_list (ts->store, "From the app", &error);
  g_assert_no_error (error);
  b = cairn_store_create_list (other, "From the cli", &error);
  g_assert_no_error (error);
  c = cairn_store_create_list (ts->store, "From the app again", &error);
  g_assert_no_error (error);

  pending = cairn_store_list_pending (ts->store, 0, &error);
  g_assert_cmpuint (pending->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (((CairnEvent *) pending->pdata[i])->client_seq, ==, i + 1);
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, 3);

  /* the other one confirms them all; this one's head follows */
  for (guint i = 0; i < 3; i++)
    {
      CairnEvent *e = _cairn_event_copy (pending->pdata[i]);
      e->seq = i + 1;
      g_ptr_array_add (batch, e);
    }
  g_assert_true (cairn_store_rebase (other, batch, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&c, g_free);
  c = cairn_store_create_list (ts->store, "After the rebase", &error);
  g_assert_no_error (error);
  g_assert_cmpint (cairn_store_get_head (ts->store), ==, 3);
  g_assert_cmpint (test_query_int (ts->store, "SELECT client_seq FROM pending"), ==, 4);
  /* a re-delivery through this one is recognised as already applied */
  g_assert_true (cairn_store_rebase (ts->store, batch, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log"), ==, 3);
}

/* cairn_store_read_object(): what cairn-cli prints for one object. */
static void
test_read_object (Fixture       *f,
                  gconstpointer  data)
{
  CairnStore *s = f->ts->store;
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL, *todo = NULL, *note = NULL, *text = NULL;
  g_autoptr(JsonNode) row = NULL;
  g_autoptr(JsonNode) missing = NULL;
  gboolean deleted = TRUE;

  list = cairn_store_create_list (s, "Home", &error);
  todo = cairn_store_create_todo (s, list, "Milk", NULL, NULL, &error);
  g_assert_true (cairn_store_set_todo_due (s, todo, "2026-12-24", &error));
  note = cairn_store_create_note (s, "Plan", &error);
  g_assert_no_error (error);

  row = cairn_store_read_object (s, CAIRN_OBJECT_TODO, todo, &deleted, &error);
  g_assert_no_error (error);
  g_assert_false (deleted);
  text = json_to_string (row, FALSE);
  g_assert_true (g_str_has_prefix (text, "{\"id\":\""));
  g_assert_nonnull (strstr (text, "\"title\":\"Milk\""));
  g_assert_nonnull (strstr (text, "\"done\":false,\"due\":\"2026-12-24\",\"due_time\":null,"
                                     "\"priority\":\"none\",\"reminder\":null,"
                                     "\"reminder_dismissed\":false,\"repeat\":null,"
                                     "\"deleted\":false,\"notes\":\"\",\"tags\":[]}"));
  g_clear_pointer (&row, json_node_unref);
  g_clear_pointer (&text, g_free);

  g_assert_true (cairn_store_delete_list (s, list, &error));
  row = cairn_store_read_object (s, CAIRN_OBJECT_LIST, list, &deleted, &error);
  g_assert_no_error (error);
  g_assert_true (deleted);
  g_clear_pointer (&row, json_node_unref);

  row = cairn_store_read_object (s, CAIRN_OBJECT_NOTE, note, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (row), "body"), ==, "");

  /* a todo id is not a note; an unknown id is NOT_FOUND */
  missing = cairn_store_read_object (s, CAIRN_OBJECT_NOTE, todo, NULL, &error);
  g_assert_null (missing);
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
}

static void
test_priority_reducer (Fixture       *f,
                       gconstpointer  data)
{
  commit_expect (f, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}", L1);
  commit_expect (f, "todo.created", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L1 "\",\"title\":\"Milk\",\"position\":\"V\"}", T1);
  assert_column (f, "SELECT priority FROM todos", "none");

  commit_expect (f, "todo.priority_set", "{\"todo_id\":\"" T1 "\",\"priority\":\"high\"}", T1);
  assert_column (f, "SELECT priority FROM todos", "high");
  /* the same priority; a missing todo (it waits for it: nothing changes here) */
  commit_expect (f, "todo.priority_set", "{\"todo_id\":\"" T1 "\",\"priority\":\"high\"}", NULL);
  commit_expect (f, "todo.priority_set", "{\"todo_id\":\"" MISSING "\",\"priority\":\"low\"}", NULL);
  commit_expect (f, "todo.priority_set", "{\"todo_id\":\"" T1 "\",\"priority\":\"none\"}", T1);
  assert_column (f, "SELECT priority FROM todos", "none");
  /* a deleted todo ignores it */
  commit_expect (f, "todo.deleted", "{\"todo_id\":\"" T1 "\"}", T1);
  commit_expect (f, "todo.priority_set", "{\"todo_id\":\"" T1 "\",\"priority\":\"low\"}", NULL);
  assert_column (f, "SELECT priority FROM todos", "none");
}

static void
test_tag_reducers (Fixture       *f,
                   gconstpointer  data)
{
  commit_expect (f, "tag.created", "{\"tag_id\":\"" G1 "\",\"name\":\"Work\",\"color\":\"blue\"}", G1);
  assert_column (f, "SELECT name || '|' || color || '|' || deleted FROM tags", "Work|blue|0");
  /* create of an existing id: no-op, the first one wins (colour too) */
  commit_expect (f, "tag.created", "{\"tag_id\":\"" G1 "\",\"name\":\"Job\",\"color\":\"red\"}", NULL);
  assert_column (f, "SELECT name || '|' || color FROM tags", "Work|blue");

  commit_expect (f, "tag.renamed", "{\"tag_id\":\"" G1 "\",\"name\":\"Office\"}", G1);
  commit_expect (f, "tag.renamed", "{\"tag_id\":\"" G1 "\",\"name\":\"Office\"}", NULL);
  commit_expect (f, "tag.renamed", "{\"tag_id\":\"" MISSING "\",\"name\":\"X\"}", NULL);
  commit_expect (f, "tag.recolored", "{\"tag_id\":\"" G1 "\",\"color\":\"slate\"}", G1);
  commit_expect (f, "tag.recolored", "{\"tag_id\":\"" G1 "\",\"color\":\"slate\"}", NULL);
  commit_expect (f, "tag.recolored", "{\"tag_id\":\"" MISSING "\",\"color\":\"red\"}", NULL);
  assert_column (f, "SELECT name || '|' || color FROM tags", "Office|slate");

  commit_expect (f, "tag.deleted", "{\"tag_id\":\"" G1 "\"}", G1);
  commit_expect (f, "tag.deleted", "{\"tag_id\":\"" G1 "\"}", NULL);
  commit_expect (f, "tag.deleted", "{\"tag_id\":\"" MISSING "\"}", NULL);
  /* final: a deleted tag ignores renames and colours, and there is no
   * tag.restored */
  commit_expect (f, "tag.renamed", "{\"tag_id\":\"" G1 "\",\"name\":\"Back\"}", NULL);
  commit_expect (f, "tag.recolored", "{\"tag_id\":\"" G1 "\",\"color\":\"red\"}", NULL);
  assert_column (f, "SELECT name || '|' || color || '|' || deleted FROM tags", "Office|slate|1");
  g_assert_null (_cairn_event_lookup_spec ("tag.restored", 1));
}

static void
test_tagging_reducers (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) row = NULL;
  g_autofree char *text = NULL;

  commit_expect (f, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}", L1);
  commit_expect (f, "todo.created", "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L1 "\",\"title\":\"Milk\",\"position\":\"V\"}", T1);
  commit_expect (f, "tag.created", "{\"tag_id\":\"" G1 "\",\"name\":\"Work\",\"color\":\"blue\"}", G1);
  commit_expect (f, "tag.created", "{\"tag_id\":\"" G2 "\",\"name\":\"Home\",\"color\":\"green\"}", G2);

  /* a todo's tags are reported as a change of the todo */
  commit_expect (f, "todo.tagged", "{\"todo_id\":\"" T1 "\",\"tag_id\":\"" G1 "\"}", T1);
  commit_expect (f, "todo.tagged", "{\"todo_id\":\"" T1 "\",\"tag_id\":\"" G1 "\"}", NULL);
  commit_expect (f, "todo.tagged", "{\"todo_id\":\"" MISSING "\",\"tag_id\":\"" G1 "\"}", NULL);
  commit_expect (f, "todo.tagged", "{\"todo_id\":\"" T1 "\",\"tag_id\":\"" MISSING "\"}", NULL);
  commit_expect (f, "todo.untagged", "{\"todo_id\":\"" T1 "\",\"tag_id\":\"" G2 "\"}", NULL);   /* never tagged */
  commit_expect (f, "todo.tagged", "{\"todo_id\":\"" T1 "\",\"tag_id\":\"" G2 "\"}", T1);
  commit_expect (f, "todo.untagged", "{\"todo_id\":\"" T1 "\",\"tag_id\":\"" G2 "\"}", T1);
  commit_expect (f, "todo.untagged", "{\"todo_id\":\"" T1 "\",\"tag_id\":\"" G2 "\"}", NULL);
  commit_expect (f, "todo.untagged", "{\"todo_id\":\"" MISSING "\",\"tag_id\":\"" G2 "\"}", NULL);
  /* tagged again after an untag: the row comes back */
  commit_expect (f, "todo.tagged", "{\"todo_id\":\"" T1 "\",\"tag_id\":\"" G2 "\"}", T1);
  assert_column (f, "SELECT group_concat (tag_id || ':' || tagged, ' ') FROM (SELECT * FROM todo_tags ORDER BY id)",
                 G1 ":1 " G2 ":1");

  /* deleting a tag takes it off every todo (readers join on tags.deleted);
   * tagging with it, or untagging it, is then a no-op */
  commit_expect (f, "tag.deleted", "{\"tag_id\":\"" G1 "\"}", G1);
  commit_expect (f, "todo.tagged", "{\"todo_id\":\"" T1 "\",\"tag_id\":\"" G1 "\"}", NULL);
  commit_expect (f, "todo.untagged", "{\"todo_id\":\"" T1 "\",\"tag_id\":\"" G1 "\"}", NULL);
  row = cairn_store_read_object (f->ts->store, CAIRN_OBJECT_TODO, T1, NULL, &error);
  g_assert_no_error (error);
  text = json_to_string (row, FALSE);
  g_assert_nonnull (strstr (text, "\"tags\":[\"Home\"]"));

  /* a deleted todo ignores tagging */
  commit_expect (f, "todo.deleted", "{\"todo_id\":\"" T1 "\"}", T1);
  commit_expect (f, "todo.untagged", "{\"todo_id\":\"" T1 "\",\"tag_id\":\"" G2 "\"}", NULL);
  commit_expect (f, "todo.tagged", "{\"todo_id\":\"" T1 "\",\"tag_id\":\"" G2 "\"}", NULL);
}

/* What a local commit refuses beyond the catalogue, each naming the
 * field, and writing nothing. */
static void
test_tag_refusals (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *long_name = g_strnfill (10000, 'x');
  g_autofree char *id = NULL;
  g_autofree char *work = NULL;
  g_autofree char *dump = NULL;
  g_autofree char *after = NULL;
  g_autofree char *list = NULL;
  g_autofree char *todo = NULL;
  g_autoptr(GError) error = NULL;
  struct { const char *name, *args, *field; } bad[] = {
    { "tag.created", "{\"tag_id\":\"" G1 "\",\"name\":\"%s\",\"color\":\"blue\"}", "“name” is 10000 characters" },
    { "tag.created", "{\"tag_id\":\"" G1 "\",\"name\":\"\",\"color\":\"blue\"}", "“name” is empty" },
    { "tag.created", "{\"tag_id\":\"" G1 "\",\"name\":\"a\\u0007b\",\"color\":\"blue\"}", "“name” contains a control character" },
    { "tag.created", "{\"tag_id\":\"" G1 "\",\"name\":\"Work\",\"color\":\"pink\"}", "“color” is not a tag colour" },
    { "tag.recolored", "{\"tag_id\":\"" G1 "\",\"color\":\"Blue\"}", "“color” is not a tag colour" },
    { "todo.priority_set", "{\"todo_id\":\"" T1 "\",\"priority\":\"urgent\"}", "“priority” is not a priority" },
    { "todo.priority_set", "{\"todo_id\":\"" T1 "\",\"priority\":\"HIGH\"}", "“priority” is not a priority" },
    { "todo.tagged", "{\"todo_id\":\"" T1 "\",\"tag_id\":\"Work\"}", "“tag_id” is not an object id" },
  };

  work = cairn_store_create_tag (f->ts->store, "Work", NULL, &error);
  g_assert_no_error (error);
  list = cairn_store_create_list (f->ts->store, "L", &error);
  todo = cairn_store_create_todo (f->ts->store, list, "t", NULL, NULL, &error);
  g_assert_no_error (error);
  dump = test_dump (f->ts->store);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *args = g_strdup_printf (bad[i].args, long_name);
      g_autoptr(JsonObject) object = NULL;
      g_autoptr(CairnEvent) event = NULL;
      g_autoptr(GError) e = NULL;
      g_autoptr(JsonNode) node = json_from_string (args, &e);

      g_assert_no_error (e);
      object = json_object_ref (json_node_get_object (node));
      event = cairn_store_commit (f->ts->store, bad[i].name, 1, object, &e);
      g_assert_null (event);
      g_assert_error (e, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID);
      if (strstr (e->message, bad[i].field) == NULL)
        g_error ("%s: “%s” does not say %s", bad[i].name, e->message, bad[i].field);
    }

  /* the wrappers: a name another tag has (case-insensitively), deleting
   * the Inbox */
  id = cairn_store_create_tag (f->ts->store, "wORK", NULL, &error);
  g_assert_null (id);
  g_assert_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "“name”"));
  g_clear_error (&error);
  id = cairn_store_create_tag (f->ts->store, "Home", "green", &error);
  g_assert_no_error (error);
  g_assert_false (cairn_store_rename_tag (f->ts->store, id, "work", &error));
  g_assert_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (cairn_store_rename_tag (f->ts->store, work, "WORK", &error));   /* its own name */
  g_assert_no_error (error);
  g_assert_true (cairn_store_ensure_inbox (f->ts->store, &error));
  g_assert_no_error (error);
  g_clear_pointer (&dump, g_free);
  dump = test_dump (f->ts->store);
  g_assert_false (cairn_store_delete_list (f->ts->store, CAIRN_INBOX_ID, &error));
  g_assert_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "“list_id” is the Inbox"));
  after = test_dump (f->ts->store);
  g_assert_cmpstr (after, ==, dump);
}

/* Tag ids come from the case-folded name, unless that id is taken by a
 * renamed or deleted tag; the Inbox is made once. */
static void
test_tag_ids_and_inbox (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *work = cairn_store_create_tag (f->ts->store, "Work", NULL, &error);
  g_autofree char *expected = cairn_tag_id_for_name ("wORK");
  g_autofree char *again = NULL;
  g_autofree char *found = NULL;
  guint pending;

  g_assert_no_error (error);
  g_assert_cmpstr (work, ==, expected);
  g_assert_true (cairn_is_object_id (work));
  found = cairn_store_dup_tag_id (f->ts->store, "  work ", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, work);
  g_assert_true (cairn_store_delete_tag (f->ts->store, work, &error));
  g_assert_true (cairn_store_delete_tag (f->ts->store, work, &error));   /* no event */
  g_assert_null (cairn_store_dup_tag_id (f->ts->store, "Work", &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  again = cairn_store_create_tag (f->ts->store, "Work", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, !=, work);   /* a random id: the derived one is taken */

  g_assert_true (cairn_store_ensure_inbox (f->ts->store, &error));
  pending = cairn_store_get_pending_count (f->ts->store);
  g_assert_true (cairn_store_ensure_inbox (f->ts->store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cairn_store_get_pending_count (f->ts->store), ==, pending);
  assert_column (f, "SELECT title FROM lists WHERE id = '" CAIRN_INBOX_ID "'", "Inbox");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/store/reducers/lists", test_list_reducers);
  ADD ("/store/reducers/priority", test_priority_reducer);
  ADD ("/store/reducers/tags", test_tag_reducers);
  ADD ("/store/reducers/tagging", test_tagging_reducers);
  ADD ("/store/tags/refusals", test_tag_refusals);
  ADD ("/store/tags/ids-and-inbox", test_tag_ids_and_inbox);
  ADD ("/store/reducers/todos", test_todo_reducers);
  ADD ("/store/reducers/notes", test_note_reducers);
  ADD ("/store/commit/refused-writes-nothing", test_refused_writes_nothing);
  ADD ("/store/commit/event-fields", test_commit_event_fields);
  ADD ("/store/wrappers", test_wrappers);
  g_test_add_func ("/store/two-processes", test_two_processes);
  ADD ("/store/read-object", test_read_object);

  return g_test_run ();
}

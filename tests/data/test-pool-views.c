/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-pool-views.c: the date views (Today, Upcoming): their contents and
 * order, and exactly which ::items-changed they emit after commits, after
 * a rebase that brings another device's change, after a list is deleted,
 * and at midnight; and that they make a todo's object only when asked
 * for one, following the others by id. */
#include "config.h"

#include "cairn-pool.h"
#include "cairn-pool-private.h"
#include "cairn-search-model.h"
#include "store-test-util.h"

#define OTHER "0123456789abcdef0123456789abcdef"

/* The titles in a model, joined by ",". */
static char *
titles (GListModel *model)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(CairnTodo) todo = g_list_model_get_item (model, i);

      g_string_append_printf (out, "%s%s", i > 0 ? "," : "", cairn_todo_get_title (todo));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

#define assert_titles(model, expected) \
  G_STMT_START { g_autofree char *t_ = titles (model); g_assert_cmpstr (t_, ==, expected); } G_STMT_END

static void
on_items_changed (GListModel *model, guint pos, guint removed, guint added, GString *log)
{
  g_string_append_printf (log, "(%u,%u,%u)", pos, removed, added);
}

#define assert_log(log, expected) \
  G_STMT_START { g_assert_cmpstr ((log)->str, ==, expected); g_string_truncate (log, 0); } G_STMT_END

static char *
todo_due (CairnStore *store, const char *list, const char *title, const char *due)
{
  g_autoptr(GError) error = NULL;
  char *id = cairn_store_create_todo (store, list, title, NULL, NULL, &error);

  g_assert_no_error (error);
  if (due != NULL)
    g_assert_true (cairn_store_set_todo_due (store, id, due, &error));
  g_assert_no_error (error);
  return id;
}

static void
test_today_and_upcoming (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPool) pool = cairn_pool_new (ts->store);
  g_autoptr(GListModel) today = NULL;
  g_autoptr(GListModel) upcoming = NULL;
  g_autoptr(GString) tlog = g_string_new (NULL);
  g_autoptr(GString) ulog = g_string_new (NULL);
  g_autofree char *list = cairn_store_create_list (ts->store, "Home", &error);
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL;

  cairn_pool_set_today (pool, "2026-03-10");
  a = todo_due (ts->store, list, "a-today", "2026-03-10");
  b = todo_due (ts->store, list, "b-overdue", "2026-03-01");
  c = todo_due (ts->store, list, "c-tomorrow", "2026-03-11");
  d = todo_due (ts->store, list, "d-in-14", "2026-03-24");
  e = todo_due (ts->store, list, "e-in-15", "2026-03-25");
  f = todo_due (ts->store, list, "f-undated", NULL);

  today = cairn_pool_get_today_todos (pool);
  upcoming = cairn_pool_get_upcoming_todos (pool, 14);
  g_assert_true (g_list_model_get_item_type (today) == CAIRN_TYPE_TODO);
  assert_titles (today, "b-overdue,a-today");
  assert_titles (upcoming, "c-tomorrow,d-in-14");
  g_signal_connect (today, "items-changed", G_CALLBACK (on_items_changed), tlog);
  g_signal_connect (upcoming, "items-changed", G_CALLBACK (on_items_changed), ulog);

  /* completing one takes it out of Today at its place, and only that */
  g_assert_true (cairn_store_set_todo_done (ts->store, a, TRUE, &error));
  assert_titles (today, "b-overdue");
  assert_log (tlog, "(1,1,0)");
  assert_log (ulog, "");
  g_assert_true (cairn_store_set_todo_done (ts->store, a, FALSE, &error));
  assert_log (tlog, "(1,0,1)");

  /* a new due date moves it from one view to the other */
  g_assert_true (cairn_store_set_todo_due (ts->store, e, "2026-03-12", &error));
  assert_titles (upcoming, "c-tomorrow,e-in-15,d-in-14");
  assert_log (ulog, "(1,0,1)");
  assert_log (tlog, "");
  g_assert_true (cairn_store_set_todo_due (ts->store, c, "2026-02-01", &error));
  assert_titles (today, "c-tomorrow,b-overdue,a-today");
  assert_log (tlog, "(0,0,1)");
  assert_log (ulog, "(0,1,0)");

  /* a rename notifies the todo; the views do not move */
  g_assert_true (cairn_store_rename_todo (ts->store, b, "b-renamed", &error));
  assert_log (tlog, "");
  assert_titles (today, "c-tomorrow,b-renamed,a-today");

  /* deleted, restored, undated */
  g_assert_true (cairn_store_delete_todo (ts->store, b, &error));
  assert_log (tlog, "(1,1,0)");
  g_assert_true (cairn_store_restore_todo (ts->store, b, &error));
  assert_log (tlog, "(1,0,1)");
  g_assert_true (cairn_store_set_todo_due (ts->store, f, "2026-03-10", &error));
  assert_titles (today, "c-tomorrow,b-renamed,a-today,f-undated");
  assert_log (tlog, "(3,0,1)");

  /* a deleted list's todos are shown nowhere */
  g_assert_true (cairn_store_delete_list (ts->store, list, &error));
  assert_titles (today, "");
  assert_titles (upcoming, "");
  g_assert_true (cairn_store_restore_list (ts->store, list, &error));
  assert_titles (today, "c-tomorrow,b-renamed,a-today,f-undated");
  assert_titles (upcoming, "e-in-15,d-in-14");
  g_string_truncate (tlog, 0);
  g_string_truncate (ulog, 0);

  /* midnight: the views move on by a day */
  cairn_pool_set_today (pool, "2026-03-11");
  g_assert_cmpstr (cairn_pool_get_today (pool), ==, "2026-03-11");
  assert_titles (today, "c-tomorrow,b-renamed,a-today,f-undated");
  assert_titles (upcoming, "e-in-15,d-in-14");
  cairn_pool_set_today (pool, "2026-03-12");
  assert_titles (today, "c-tomorrow,b-renamed,a-today,f-undated,e-in-15");
  assert_titles (upcoming, "d-in-14");
  g_assert_cmpuint (tlog->len, >, 0);
  g_assert_no_error (error);
}

/* Another device's change arrives by rebase, under a pending one here:
 * the views change by exactly that todo, with no reload. */
static void
test_rebase (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPool) pool = cairn_pool_new (ts->store);
  g_autoptr(GListModel) today = NULL;
  g_autoptr(GString) tlog = g_string_new (NULL);
  g_autoptr(GPtrArray) remote = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autofree char *list = NULL, *mine = NULL;

#define L "01890a5d-ac96-774b-bcce-b30209900001"
#define T1 "01890a5d-ac96-774b-bcce-b30209900011"
#define T2 "01890a5d-ac96-774b-bcce-b30209900012"
  cairn_pool_set_today (pool, "2026-03-10");
  g_ptr_array_add (remote, test_event_new (OTHER, 1, 1, "list.created",
                                           "{\"list_id\":\"" L "\",\"title\":\"Shared\",\"position\":\"V\"}"));
  g_ptr_array_add (remote, test_event_new (OTHER, 2, 2, "todo.created",
                                           "{\"todo_id\":\"" T1 "\",\"list_id\":\"" L "\",\"title\":\"t1\",\"position\":\"V\"}"));
  g_ptr_array_add (remote, test_event_new (OTHER, 3, 3, "todo.due_set",
                                           "{\"todo_id\":\"" T1 "\",\"due\":\"2026-03-09\"}"));
  test_rebase_ok (ts->store, remote, "h1");
  g_ptr_array_set_size (remote, 0);

  today = cairn_pool_get_today_todos (pool);
  assert_titles (today, "t1");
  g_signal_connect (today, "items-changed", G_CALLBACK (on_items_changed), tlog);
  mine = todo_due (ts->store, L, "mine", "2026-03-10");
  assert_log (tlog, "(1,0,1)");

  g_ptr_array_add (remote, test_event_new (OTHER, 4, 4, "todo.created",
                                           "{\"todo_id\":\"" T2 "\",\"list_id\":\"" L "\",\"title\":\"t2\",\"position\":\"W\"}"));
  g_ptr_array_add (remote, test_event_new (OTHER, 5, 5, "todo.due_set",
                                           "{\"todo_id\":\"" T2 "\",\"due\":\"2026-03-10\"}"));
  g_ptr_array_add (remote, test_event_new (OTHER, 6, 6, "todo.completed", "{\"todo_id\":\"" T1 "\"}"));
  test_rebase_ok (ts->store, remote, "h1");
  /* t2 (position W) after mine (its position is the list's first) */
  assert_titles (today, "mine,t2");
  /* t1 left at 0; t2 came in after mine: no reload of the whole view */
  {
    g_autofree char *expected1 = g_strdup ("(0,1,0)(1,0,1)");

    g_assert_cmpstr (tlog->str, ==, expected1);
  }
  g_assert_no_error (error);
}

/* A view makes no object for its todos until one is asked for (a row
 * shows it), and follows the others by id: a todo without an object
 * moves, leaves and is deleted under an open view with the same
 * ::items-changed as one with an object, and stays without one. */
static void
test_objects_on_demand (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPool) pool = cairn_pool_new (ts->store);
  g_autoptr(GListModel) today = NULL;
  g_autoptr(GString) tlog = g_string_new (NULL);
  g_autoptr(CairnTodo) shown = NULL;
  g_autofree char *list = cairn_store_create_list (ts->store, "Home", &error);
  g_autofree char *a = NULL, *b = NULL, *c = NULL;
  guint notified = 0;

  cairn_pool_set_today (pool, "2026-03-10");
  a = todo_due (ts->store, list, "a", "2026-03-08");
  b = todo_due (ts->store, list, "b", "2026-03-09");
  c = todo_due (ts->store, list, "c", "2026-03-10");

  today = cairn_pool_get_today_todos (pool);
  g_assert_cmpuint (g_list_model_get_n_items (today), ==, 3);
  g_assert_false (g_hash_table_contains (pool->todos.live, a));
  g_assert_false (g_hash_table_contains (pool->todos.live, b));
  g_assert_false (g_hash_table_contains (pool->todos.live, c));
  g_signal_connect (today, "items-changed", G_CALLBACK (on_items_changed), tlog);

  /* a new due date: out at its old place, in at its new one */
  g_assert_true (cairn_store_set_todo_due (ts->store, b, "2026-03-07", &error));
  assert_log (tlog, "(1,1,0)(0,0,1)");
  /* renamed: the view does not move */
  g_assert_true (cairn_store_rename_todo (ts->store, c, "c-renamed", &error));
  assert_log (tlog, "");
  /* completed: out */
  g_assert_true (cairn_store_set_todo_done (ts->store, a, TRUE, &error));
  assert_log (tlog, "(1,1,0)");
  g_assert_false (g_hash_table_contains (pool->todos.live, a));
  g_assert_false (g_hash_table_contains (pool->todos.live, b));
  g_assert_false (g_hash_table_contains (pool->todos.live, c));

  /* the item a row shows is made now, with its latest values, and it is
   * the pool's object for that id */
  shown = g_list_model_get_item (today, 0);
  g_assert_cmpstr (cairn_todo_get_title (shown), ==, "b");
  g_assert_cmpstr (cairn_todo_get_due (shown), ==, "2026-03-07");
  g_assert_true (shown == cairn_pool_lookup_todo (pool, b));
  g_assert_false (g_hash_table_contains (pool->todos.live, c));
  assert_titles (today, "b,c-renamed");

  /* made, it is followed: a change moves it and notifies it */
  g_signal_connect (shown, "notify::due", G_CALLBACK (test_count_notify), &notified);
  g_assert_true (cairn_store_set_todo_due (ts->store, b, "2026-03-01", &error));
  assert_log (tlog, "(0,1,0)(0,0,1)");
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpstr (cairn_todo_get_due (shown), ==, "2026-03-01");

  /* deleted without ever being shown: out, still no object */
  g_clear_object (&shown);
  g_free (c);
  c = todo_due (ts->store, list, "d", "2026-03-09");
  assert_log (tlog, "(1,0,1)");
  g_assert_false (g_hash_table_contains (pool->todos.live, c));
  g_assert_true (cairn_store_delete_todo (ts->store, c, &error));
  assert_log (tlog, "(1,1,0)");
  g_assert_false (g_hash_table_contains (pool->todos.live, c));
  g_assert_cmpuint (g_list_model_get_n_items (today), ==, 2);
  g_assert_no_error (error);
}

static char *
result_titles (GListModel *model)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(CairnSearchResult) r = g_list_model_get_item (model, i);

      g_string_append_printf (out, "%s%s", i > 0 ? "," : "", cairn_search_result_get_title (r));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

#define assert_results(model, expected) \
  G_STMT_START { g_autofree char *t_ = result_titles (model); g_assert_cmpstr (t_, ==, expected); } G_STMT_END

/* The deferred refresh of the Search view: it runs when the main
 * context is idle. Asserts one was queued, so a change that should
 * reach the view cannot pass by a synchronous path unnoticed. */
static void
settle (GListModel *model)
{
  g_assert_true (_cairn_search_model_is_pending (CAIRN_SEARCH_MODEL (model)));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_false (_cairn_search_model_is_pending (CAIRN_SEARCH_MODEL (model)));
}

/* The Search view follows commits and rebases with one ::items-changed
 * over what differs, and nothing for changes that do not touch it; the
 * changes until the main loop is idle make one search. */
static void
test_search_model (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPool) pool = cairn_pool_new (ts->store);
  g_autoptr(GListModel) found = NULL;
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(GPtrArray) remote = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autofree char *list = cairn_store_create_list (ts->store, "Home", &error);
  g_autofree char *a = todo_due (ts->store, list, "Zebra crossing", NULL);
  g_autofree char *b = todo_due (ts->store, list, "Zebra zebra zebra", NULL);
  g_autofree char *c = todo_due (ts->store, list, "Walk the dog", NULL);
  g_autoptr(CairnSearchResult) first = NULL;
  guint notified = 0;

  found = cairn_pool_search (pool, "zebra", 0);
  g_assert_true (g_list_model_get_item_type (found) == CAIRN_TYPE_SEARCH_RESULT);
  assert_results (found, "Zebra zebra zebra,Zebra crossing");
  g_signal_connect (found, "items-changed", G_CALLBACK (on_items_changed), log);
  first = g_list_model_get_item (found, 0);
  g_signal_connect (first, "notify::snippet", G_CALLBACK (test_count_notify), &notified);

  /* not a match, before or after: nothing */
  g_assert_true (cairn_store_rename_todo (ts->store, c, "Walk the cat", &error));
  g_assert_true (cairn_store_set_todo_done (ts->store, a, TRUE, &error));
  settle (found);
  assert_log (log, "");
  /* a new match: in at its rank, the others kept as they are; not before
   * the main loop is idle */
  g_free (c);
  c = todo_due (ts->store, list, "Zebra zebra zebra zebra", NULL);
  assert_results (found, "Zebra zebra zebra,Zebra crossing");
  assert_log (log, "");
  settle (found);
  assert_results (found, "Zebra zebra zebra zebra,Zebra zebra zebra,Zebra crossing");
  assert_log (log, "(0,0,1)");
  g_assert_true (g_list_model_get_item (found, 1) == (gpointer) g_object_ref (first));
  g_object_unref (first);
  /* deleted: out */
  g_assert_true (cairn_store_delete_todo (ts->store, a, &error));
  settle (found);
  assert_results (found, "Zebra zebra zebra zebra,Zebra zebra zebra");
  assert_log (log, "(2,1,0)");
  /* a burst of changes: one search, one ::items-changed */
  {
    g_autofree char *d = todo_due (ts->store, list, "Zebra one", NULL);
    g_autofree char *e = todo_due (ts->store, list, "Zebra two", NULL);

    g_assert_true (cairn_store_delete_todo (ts->store, d, &error));
    g_assert_true (cairn_store_delete_todo (ts->store, e, &error));
    settle (found);
    assert_results (found, "Zebra zebra zebra zebra,Zebra zebra zebra");
    assert_log (log, "");
  }
  /* another device's match arrives by rebase */
  {
    g_autofree char *args = g_strdup_printf ("{\"todo_id\":\"01890a5d-ac96-774b-bcce-b30209900077\","
                                             "\"list_id\":\"%s\",\"title\":\"A zebra\",\"position\":\"V\"}",
                                             list);

    g_ptr_array_add (remote, test_event_new (OTHER, 1, 1, "todo.created", args));
  }
  test_rebase_ok (ts->store, remote, "h1");
  settle (found);
  assert_results (found, "Zebra zebra zebra zebra,Zebra zebra zebra,A zebra");
  assert_log (log, "(2,0,1)");
  /* reordered (the last becomes the first): the same result objects, in
   * their new places, so that a list view keeps their rows */
  {
    g_autoptr(GObject) was_first = g_list_model_get_item (found, 0);
    g_autoptr(GObject) was_last = g_list_model_get_item (found, 2);
    g_autoptr(GObject) now_first = NULL;
    g_autoptr(GObject) now_second = NULL;

    g_assert_true (cairn_store_rename_todo (ts->store, "01890a5d-ac96-774b-bcce-b30209900077",
                                            "Zebra zebra zebra zebra zebra", &error));
    settle (found);
    assert_results (found, "Zebra zebra zebra zebra zebra,Zebra zebra zebra zebra,Zebra zebra zebra");
    assert_log (log, "(0,3,3)");
    now_first = g_list_model_get_item (found, 0);
    now_second = g_list_model_get_item (found, 1);
    g_assert_true (now_first == was_last);
    g_assert_true (now_second == was_first);
    g_assert_cmpstr (cairn_search_result_get_title (CAIRN_SEARCH_RESULT (now_first)), ==,
                     "Zebra zebra zebra zebra zebra");
  }
  /* renamed but still found: the object stays and notifies */
  g_assert_true (cairn_store_rename_todo (ts->store, b, "Zebra zebra zebra!", &error));
  settle (found);
  assert_log (log, "");
  g_assert_cmpuint (notified, ==, 1);
  /* new text: at once, and a queued refresh goes with it */
  g_assert_true (cairn_store_rename_todo (ts->store, b, "Zebra zebra zebra?", &error));
  cairn_search_model_set_text (CAIRN_SEARCH_MODEL (found), "crossing");
  g_assert_false (_cairn_search_model_is_pending (CAIRN_SEARCH_MODEL (found)));
  assert_results (found, "");
  /* back to a text searched before a change: searched again, not the
   * hits kept from before the change */
  cairn_search_model_set_text (CAIRN_SEARCH_MODEL (found), "zebra");
  assert_results (found, "Zebra zebra zebra zebra zebra,Zebra zebra zebra zebra,Zebra zebra zebra?");
  cairn_search_model_set_text (CAIRN_SEARCH_MODEL (found), "crossing");
  g_assert_true (cairn_store_rename_todo (ts->store, b, "Zebra crossing", &error));
  settle (found);
  assert_results (found, "Zebra crossing");
  cairn_search_model_set_text (CAIRN_SEARCH_MODEL (found), "zebra");
  assert_results (found, "Zebra zebra zebra zebra zebra,Zebra zebra zebra zebra,Zebra crossing");
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/views/today-and-upcoming", test_today_and_upcoming);
  g_test_add_func ("/views/rebase", test_rebase);
  g_test_add_func ("/views/objects-on-demand", test_objects_on_demand);
  g_test_add_func ("/views/search-model", test_search_model);
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-first-rows.c: a long list shown first with a screenful of rows
 * (ui/cairn-first-rows.h) still has every task within reach: the rest
 * come after the first frame; revealing a task or the find bar reach any
 * task at once; Today grows when shown, not while hidden. The pool's day
 * is pinned. */
#include "config.h"

#include "cairn-find-bar.h"
#include "cairn-first-rows.h"
#include "cairn-smart-view.h"
#include "cairn-text-filter.h"
#include "cairn-todo-view.h"
#include "cairn-ui.h"
#include "cairn-ui-test.h"
#include "cairn-window.h"
#include "store-test-util.h"

#define TODAY "2026-03-10"
/* Well past a screenful, under the 200 rows GTK 4.8's list view keeps. */
#define N_TODOS 150

typedef struct
{
  char        *dir;
  CairnStore  *store;
  CairnPool   *pool;
  GSettings   *settings;
  CairnWindow *window;
  char        *list_id;
  char        *last_id;
} Fixture;

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("cairn-first-rows-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = test_store_open_at (f->dir, "local.db");
  g_assert_true (cairn_store_ensure_inbox (f->store, &error));
  g_assert_no_error (error);
  f->list_id = cairn_store_create_list (f->store, "Long", &error);
  g_assert_no_error (error);
  for (guint i = 1; i <= N_TODOS; i++)
    {
      g_autofree char *title = g_strdup_printf ("Task %03u", i);
      g_autofree char *id = cairn_store_create_todo (f->store, f->list_id, title, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_true (cairn_store_set_todo_due (f->store, id, TODAY, &error));
      g_assert_no_error (error);
      if (i == N_TODOS)
        f->last_id = g_steal_pointer (&id);
    }
  f->pool = cairn_pool_new (f->store);
  cairn_pool_set_today (f->pool, TODAY);
  f->settings = cairn_test_settings_new ();
  g_settings_set_string (f->settings, "last-selected", f->list_id);
  f->window = cairn_window_new (NULL, f->settings, f->pool);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 900, 700);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  cairn_test_spin (10);
  g_clear_object (&f->pool);
  g_clear_object (&f->store);
  g_clear_object (&f->settings);
  cairn_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->list_id);
  g_free (f->last_id);
}

static void
present (Fixture *f)
{
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (cairn_test_wait_until (is_mapped, f->window));
}

static CairnTodoView *
todo_view (Fixture *f)
{
  GtkWidget *view = cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_TODO_VIEW, NULL);

  g_assert_nonnull (view);
  return CAIRN_TODO_VIEW (view);
}

/* The rows a list view has (in its model) under root. */
static guint
n_rows (GtkWidget *root)
{
  GtkWidget *view = cairn_test_find_widget (root, GTK_TYPE_LIST_VIEW, NULL);

  g_assert_nonnull (view);
  return g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (view))));
}

typedef struct
{
  GtkWidget *root;
  guint      n;
} RowsQuery;

static gboolean
has_rows (gpointer data)
{
  RowsQuery *q = data;

  return n_rows (q->root) == q->n;
}

static gboolean
has_model (gpointer data)
{
  return cairn_smart_view_get_model (data) != NULL;
}

static GtkWidget *
content_page (Fixture    *f,
              const char *name)
{
  GtkWidget *stack = cairn_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_STACK, "content_stack");

  g_assert_nonnull (stack);
  return gtk_stack_get_child_by_name (GTK_STACK (stack), name);
}

/* Built, not shown yet: a screenful; shown: every task, the last one
 * reached by scrolling to it. */
static void
test_list_grows (Fixture       *f,
                 gconstpointer  data)
{
  RowsQuery all = { GTK_WIDGET (todo_view (f)), N_TODOS };

  g_assert_cmpuint (n_rows (GTK_WIDGET (todo_view (f))), ==, CAIRN_FIRST_ROWS);
  present (f);
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Task 001");
  g_assert_true (cairn_test_wait_until (has_rows, &all));
  g_assert_true (cairn_todo_view_reveal_todo (todo_view (f), f->last_id));
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Task 150");
}

/* The list opened, as a search result opens it, and its last task
 * revealed before the list's first frame: found, and scrolled to. */
static void
test_reveal_at_once (Fixture       *f,
                     gconstpointer  data)
{
  cairn_window_select_page (f->window, CAIRN_INBOX_ID);
  present (f);
  cairn_test_spin (100);
  cairn_window_select_page (f->window, f->list_id);
  g_assert_cmpuint (n_rows (GTK_WIDGET (todo_view (f))), ==, CAIRN_FIRST_ROWS);
  g_assert_true (cairn_todo_view_reveal_todo (todo_view (f), f->last_id));
  g_assert_cmpuint (n_rows (GTK_WIDGET (todo_view (f))), ==, N_TODOS);
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Task 150");
}

/* The find bar's filter, set the moment a list opens (before its first
 * frame), looks at every task: "1" is the start of a word in tasks 100
 * to 150 only, all past the first screenful. Then the find bar itself. */
static void
test_find_at_once (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GtkFilter) filter = cairn_text_filter_new ();
  CairnFindBar *bar;

  cairn_window_select_page (f->window, CAIRN_INBOX_ID);
  present (f);
  cairn_test_spin (100);
  cairn_window_select_page (f->window, f->list_id);
  g_assert_cmpuint (n_rows (GTK_WIDGET (todo_view (f))), ==, CAIRN_FIRST_ROWS);
  cairn_text_filter_set_text (CAIRN_TEXT_FILTER (filter), "1");
  cairn_todo_view_set_filter (todo_view (f), filter);
  g_assert_cmpuint (n_rows (GTK_WIDGET (todo_view (f))), ==, 51);
  cairn_todo_view_set_filter (todo_view (f), NULL);

  bar = CAIRN_FIND_BAR (cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_FIND_BAR, NULL));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.find", NULL);
  g_assert_true (cairn_find_bar_is_open (bar));
  gtk_editable_set_text (cairn_find_bar_get_entry (bar), "150");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Task 150");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Task 001");
}

/* Today's page gets its model hidden (after the first frame): it stays
 * at a screenful while hidden (nothing ticks for it), and has every task
 * once shown. */
static void
test_today_grows_when_shown (Fixture       *f,
                             gconstpointer  data)
{
  GtkWidget *today;
  RowsQuery all = { NULL, N_TODOS };

  present (f);
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Task 001");
  today = content_page (f, "today");
  g_assert_nonnull (today);
  all.root = today;
  /* The model comes in an idle after the first frame. */
  g_assert_true (cairn_test_wait_until (has_model, today));
  cairn_test_spin (300);
  g_assert_false (gtk_widget_get_mapped (today));
  g_assert_cmpuint (n_rows (today), ==, CAIRN_FIRST_ROWS);

  cairn_window_select_page (f->window, "today");
  g_assert_true (cairn_test_wait_until (has_rows, &all));
}

int
main (int   argc,
      char *argv[])
{
  cairn_test_init_ui (&argc, &argv);

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/first-rows/list-grows", test_list_grows);
  ADD ("/first-rows/reveal-at-once", test_reveal_at_once);
  ADD ("/first-rows/find-at-once", test_find_at_once);
  ADD ("/first-rows/today-grows-when-shown", test_today_grows_when_shown);
#undef ADD
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-search.c: the find bar (Ctrl+F) over a list and over the notes, and
 * the search page (Ctrl+Shift+F) over every task and note, through the
 * real widgets of the main window over a real store. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cairn-find-bar.h"
#include "cairn-notes-view.h"
#include "cairn-search-model.h"
#include "cairn-search-page.h"
#include "cairn-task-details.h"
#include "cairn-text-filter.h"
#include "cairn-todo-row.h"
#include "cairn-todo-view.h"
#include "cairn-ui.h"
#include "cairn-ui-test.h"
#include "cairn-window.h"
#include "store-test-util.h"

typedef struct
{
  char        *dir;
  CairnStore  *store;
  CairnPool   *pool;
  GSettings   *settings;
  CairnWindow *window;
  char        *list_id;     /* Groceries */
  char        *work_id;     /* Work */
  char        *cafe_id;     /* "Café au lait", in Groceries */
  char        *recipes_id;  /* a note */
} Fixture;

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static gboolean
is_unmapped (gpointer data)
{
  return !gtk_widget_get_mapped (GTK_WIDGET (data));
}

static char *
add_todo (Fixture    *f,
          const char *list_id,
          const char *title)
{
  g_autoptr(GError) error = NULL;
  char *id = cairn_store_create_todo (f->store, list_id, title, NULL, NULL, &error);

  g_assert_no_error (error);
  return id;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *meeting = NULL;

  f->dir = g_dir_make_tmp ("cairn-ui-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = test_store_open_at (f->dir, "local.db");
  f->pool = cairn_pool_new (f->store);
  f->settings = cairn_test_settings_new ();
  f->list_id = cairn_store_create_list (f->store, "Groceries", &error);
  g_assert_no_error (error);
  f->work_id = cairn_store_create_list (f->store, "Work", &error);
  g_assert_no_error (error);
  f->cafe_id = add_todo (f, f->list_id, "Café au lait");
  g_free (add_todo (f, f->list_id, "Buy milk"));
  g_free (add_todo (f, f->list_id, "Bread & <b>butter</b>"));
  g_free (add_todo (f, f->work_id, "Quarterly planning"));
  f->recipes_id = cairn_store_create_note (f->store, "Recipes", &error);
  g_assert_no_error (error);
  test_type_into_note (f->store, f->recipes_id, 0,
                       "Pancakes: flour, milk and eggs. Whisk them until smooth.");
  meeting = cairn_store_create_note (f->store, "Meeting", &error);
  g_assert_no_error (error);

  f->window = cairn_window_new (NULL, f->settings, f->pool);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (cairn_test_wait_until (is_mapped, f->window));
  cairn_window_select_page (f->window, f->list_id);
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
  g_free (f->work_id);
  g_free (f->cafe_id);
  g_free (f->recipes_id);
}

/* ---- Helpers ------------------------------------------------------------ */

static CairnFindBar *
find_bar (Fixture *f)
{
  GtkWidget *bar = cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_FIND_BAR, NULL);

  g_assert_nonnull (bar);
  return CAIRN_FIND_BAR (bar);
}

static CairnSearchPage *
search_page (Fixture *f)
{
  GtkWidget *page = cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_SEARCH_PAGE, NULL);

  g_assert_nonnull (page);
  return CAIRN_SEARCH_PAGE (page);
}

/* A mapped label under root whose label (its text or markup) matches. */
static GtkWidget *
wait_for_label (GtkWidget           *root,
                const char          *text,
                CairnTestLabelMatch  match)
{
  CairnTestLabelQuery q = { root, text, match };

  if (!cairn_test_wait_until (cairn_test_label_shown, &q))
    g_error ("no label reads “%s”", text);
  return cairn_test_find_label (root, text, match);
}

static void
wait_for_no_label (GtkWidget  *root,
                   const char *text)
{
  CairnTestLabelQuery q = { root, text, CAIRN_TEST_LABEL_IS };

  if (!cairn_test_wait_until (cairn_test_label_gone, &q))
    g_error ("a label still reads “%s”", text);
}

/* The label of the notes list reading text (not the editor's title). */
static GtkWidget *
notes_list (Fixture *f)
{
  GtkWidget *list = cairn_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_LIST_VIEW, "notes_list");

  g_assert_nonnull (list);
  return list;
}

/* Whether the window's shortcuts map keyval+mods to action_name. */
static gboolean
has_shortcut (GtkWidget       *widget,
              guint            keyval,
              GdkModifierType  mods,
              const char      *action_name)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

          if (GTK_IS_KEYVAL_TRIGGER (trigger) &&
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == mods &&
              GTK_IS_NAMED_ACTION (action) &&
              g_str_equal (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), action_name))
            return TRUE;
        }
    }
  return FALSE;
}

static gboolean
has_focus_within (gpointer data)
{
  GtkWidget *widget = data;
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (widget));

  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

static gboolean
find_bar_closed (gpointer data)
{
  return !cairn_find_bar_is_open (CAIRN_FIND_BAR (data));
}

/* Opens the search page as Ctrl+Shift+F does and types text. */
static CairnSearchPage *
search_for (Fixture    *f,
            const char *text)
{
  CairnSearchPage *page;

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL);
  page = search_page (f);
  g_assert_cmpstr (cairn_window_get_selected (f->window), ==, "search");
  g_assert_true (cairn_test_wait_until (is_mapped, page));
  g_assert_true (cairn_test_wait_until (has_focus_within, cairn_search_page_get_entry (page)));
  gtk_editable_set_text (cairn_search_page_get_entry (page), text);
  return page;
}

/* ---- The find bar -------------------------------------------------------- */

static void
test_find_bar_filters_list (Fixture       *f,
                            gconstpointer  data)
{
  CairnFindBar *bar = find_bar (f);
  GtkEditable *entry = cairn_find_bar_get_entry (bar);

  g_assert_true (has_shortcut (GTK_WIDGET (f->window), GDK_KEY_f, GDK_CONTROL_MASK, "win.find"));
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Buy milk");
  g_assert_false (cairn_find_bar_is_open (bar));

  /* Ctrl+F: the bar, the focus in it. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.find", NULL);
  g_assert_true (cairn_find_bar_is_open (bar));
  g_assert_true (cairn_test_wait_until (has_focus_within, entry));

  /* A word's start, without its accent. */
  gtk_editable_set_text (entry, "cafe");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Buy milk");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Café au lait");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Bread & <b>butter</b>");

  /* A second word narrows; case does not matter. */
  gtk_editable_set_text (entry, "BUT bre");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Bread & <b>butter</b>");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Café au lait");

  /* Inside a word is not a word's start. */
  gtk_editable_set_text (entry, "ilk");
  wait_for_label (GTK_WIDGET (f->window), "No Matching Tasks", CAIRN_TEST_LABEL_IS);
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Buy milk");

  /* The filter stays with the bar when another list opens. */
  cairn_window_select_page (f->window, f->work_id);
  gtk_editable_set_text (entry, "quart");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Quarterly planning");
  cairn_window_select_page (f->window, f->list_id);
  wait_for_label (GTK_WIDGET (f->window), "No Matching Tasks", CAIRN_TEST_LABEL_IS);

  /* Escape in the entry (what GtkSearchEntry emits for it): closed, and
   * the whole list is back. */
  g_signal_emit_by_name (entry, "stop-search");
  g_assert_true (cairn_test_wait_until (find_bar_closed, bar));
  g_assert_cmpstr (gtk_editable_get_text (entry), ==, "");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Buy milk");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Café au lait");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Bread & <b>butter</b>");
  wait_for_no_label (GTK_WIDGET (f->window), "No Matching Tasks");
}

static void
test_find_bar_filters_notes (Fixture       *f,
                             gconstpointer  data)
{
  CairnFindBar *bar = find_bar (f);
  GtkEditable *entry = cairn_find_bar_get_entry (bar);

  cairn_window_select_page (f->window, "notes");
  wait_for_label (notes_list (f), "Meeting", CAIRN_TEST_LABEL_IS);
  wait_for_label (notes_list (f), "Recipes", CAIRN_TEST_LABEL_IS);

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.find", NULL);
  g_assert_true (cairn_find_bar_is_open (bar));
  /* A word of the body finds its note. */
  gtk_editable_set_text (entry, "whisk");
  wait_for_no_label (notes_list (f), "Meeting");
  wait_for_label (notes_list (f), "Recipes", CAIRN_TEST_LABEL_IS);
  gtk_editable_set_text (entry, "nothing-like-this");
  wait_for_label (GTK_WIDGET (f->window), "No Matching Notes", CAIRN_TEST_LABEL_IS);

  g_signal_emit_by_name (entry, "stop-search");
  g_assert_true (cairn_test_wait_until (find_bar_closed, bar));
  wait_for_label (notes_list (f), "Meeting", CAIRN_TEST_LABEL_IS);
  wait_for_label (notes_list (f), "Recipes", CAIRN_TEST_LABEL_IS);
}

static gboolean
untitled_note_open (gpointer data)
{
  Fixture *f = data;
  GtkWidget *view = cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_NOTES_VIEW, NULL);
  CairnNote *note = cairn_notes_view_get_note (CAIRN_NOTES_VIEW (view));

  return note != NULL && g_str_equal (cairn_note_get_title (note), "Untitled Note");
}

/* Something new while the view is filtered: the bar closes, so that the
 * new task or note is not hidden as it is made. */
static void
test_find_bar_closes_for_new (Fixture       *f,
                              gconstpointer  data)
{
  CairnFindBar *bar = find_bar (f);
  GtkWidget *entry = cairn_test_find_widget (GTK_WIDGET (f->window), GTK_TYPE_ENTRY, "new_entry");

  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Buy milk");
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.find", NULL);
  gtk_editable_set_text (cairn_find_bar_get_entry (bar), "cafe");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Buy milk");
  gtk_editable_set_text (GTK_EDITABLE (entry), "Buy eggs");
  g_signal_emit_by_name (entry, "activate");
  g_assert_true (cairn_test_wait_until (find_bar_closed, bar));
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Buy eggs");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Buy milk");

  cairn_window_select_page (f->window, "notes");
  wait_for_label (notes_list (f), "Meeting", CAIRN_TEST_LABEL_IS);
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.find", NULL);
  gtk_editable_set_text (cairn_find_bar_get_entry (bar), "whisk");
  wait_for_no_label (notes_list (f), "Meeting");
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-note", NULL);
  g_assert_false (cairn_find_bar_is_open (bar));
  g_assert_true (cairn_test_wait_until (untitled_note_open, f));
}

/* The placeholder, where Ctrl+F has nothing to filter, opens no bar. */
static void
test_find_bar_needs_a_view (Fixture       *f,
                            gconstpointer  data)
{
  cairn_window_select_page (f->window, "");
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.find", NULL);
  g_assert_false (cairn_find_bar_is_open (find_bar (f)));
}

static void
test_fold (void)
{
  g_autofree char *a = cairn_text_filter_fold ("Café  au-LAIT!");
  g_autofree char *b = cairn_text_filter_fold ("Ærø ﬁsh");

  g_assert_cmpstr (a, ==, " cafe au lait");
  g_assert_cmpstr (b, ==, " ærø fish");
}

/* ---- The search page ----------------------------------------------------- */

static void
test_search_page_states (Fixture       *f,
                         gconstpointer  data)
{
  CairnSearchPage *page;

  /* (a keyval trigger keeps the lower case keyval, with Shift) */
  g_assert_true (has_shortcut (GTK_WIDGET (f->window), GDK_KEY_f,
                               GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.search"));
  page = search_for (f, "");
  /* Not where the next start lands: the list is still the last page. */
  {
    g_autofree char *last = g_settings_get_string (f->settings, "last-selected");

    g_assert_cmpstr (last, ==, f->list_id);
  }
  /* Before typing. */
  wait_for_label (GTK_WIDGET (page), "Search Tasks and Notes", CAIRN_TEST_LABEL_IS);

  /* Nothing matches: said so. */
  gtk_editable_set_text (cairn_search_page_get_entry (page), "zeppelin");
  wait_for_label (GTK_WIDGET (page), "No Results", CAIRN_TEST_LABEL_IS);

  /* The results are live: a matching task added elsewhere appears. */
  g_free (add_todo (f, f->work_id, "Zeppelin ride"));
  wait_for_label (GTK_WIDGET (page), "<b>Zeppelin</b> ride", CAIRN_TEST_LABEL_IS);
  wait_for_no_label (GTK_WIDGET (page), "No Results");
  wait_for_label (GTK_WIDGET (page), "Work", CAIRN_TEST_LABEL_IS);

  /* Hidden, the page follows no search (the pool would run it after every
   * change); shown again, it searches what the entry says. */
  cairn_window_select_page (f->window, f->list_id);
  g_assert_true (cairn_test_wait_until (is_unmapped, page));
  g_assert_null (cairn_search_page_get_results (page));
  g_free (add_todo (f, f->work_id, "Zeppelin museum"));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL);
  g_assert_cmpstr (gtk_editable_get_text (cairn_search_page_get_entry (page)), ==, "zeppelin");
  wait_for_label (GTK_WIDGET (page), "<b>Zeppelin</b> museum", CAIRN_TEST_LABEL_IS);
  wait_for_label (GTK_WIDGET (page), "<b>Zeppelin</b> ride", CAIRN_TEST_LABEL_IS);

  /* Escape in the entry (its stop-search): emptied, back to the start. */
  g_signal_emit_by_name (cairn_search_page_get_entry (page), "stop-search");
  g_assert_cmpstr (gtk_editable_get_text (cairn_search_page_get_entry (page)), ==, "");
  wait_for_label (GTK_WIDGET (page), "Search Tasks and Notes", CAIRN_TEST_LABEL_IS);
}

static void
test_search_page_finds (Fixture       *f,
                        gconstpointer  data)
{
  CairnSearchPage *page = search_for (f, "cafe");

  /* By a word's start, accents ignored; the match highlighted, the list
   * named. */
  wait_for_label (GTK_WIDGET (page), "<b>Café</b> au lait", CAIRN_TEST_LABEL_IS);
  wait_for_label (GTK_WIDGET (page), "Groceries", CAIRN_TEST_LABEL_IS);

  /* The list renamed meanwhile: its new name. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (cairn_store_rename_list (f->store, f->list_id, "Shopping", &error));
    g_assert_no_error (error);
    wait_for_label (GTK_WIDGET (page), "Shopping", CAIRN_TEST_LABEL_IS);
  }

  /* A note by a word of its body, the words around it shown. */
  gtk_editable_set_text (cairn_search_page_get_entry (page), "whis");
  wait_for_label (GTK_WIDGET (page), "Recipes", CAIRN_TEST_LABEL_IS);
  wait_for_label (GTK_WIDGET (page), "<b>Whisk</b> them", CAIRN_TEST_LABEL_CONTAINS);

  /* Markup in a title is text. */
  gtk_editable_set_text (cairn_search_page_get_entry (page), "butter");
  {
    GtkWidget *label = wait_for_label (GTK_WIDGET (page), "<b>butter</b>", CAIRN_TEST_LABEL_CONTAINS);

    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, "Bread & <b>butter</b>");
    g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (label)), ==,
                     "Bread &amp; &lt;b&gt;<b>butter</b>&lt;/b&gt;");
  }
}

static gboolean
eleven_results (gpointer data)
{
  return g_list_model_get_n_items (cairn_search_page_get_results (data)) == 11;
}

/* The best 20, and a line saying there are more. */
static void
test_search_page_limit (Fixture       *f,
                        gconstpointer  data)
{
  CairnSearchPage *page;
  const char *more = "Only the best 20 results are shown: type more to narrow the search";

  for (guint i = 1; i <= 25; i++)
    {
      g_autofree char *title = g_strdup_printf ("Plum %u", i);

      g_free (add_todo (f, f->work_id, title));
    }
  page = search_for (f, "plum");
  wait_for_label (GTK_WIDGET (page), more, CAIRN_TEST_LABEL_IS);
  g_assert_cmpuint (g_list_model_get_n_items (cairn_search_page_get_results (page)), ==, 20);

  /* "Plum 1" and "Plum 10" … "Plum 19": all of them, and no such line. */
  gtk_editable_set_text (cairn_search_page_get_entry (page), "plum 1");
  g_assert_true (cairn_test_wait_until (eleven_results, page));
  wait_for_no_label (GTK_WIDGET (page), more);
}

static void
test_search_markup (void)
{
  g_autofree char *a = cairn_search_markup ("a \002<b>\003 & \002x\003");
  g_autofree char *b = cairn_search_markup ("stray \003end \002open");

  g_assert_cmpstr (a, ==, "a <b>&lt;b&gt;</b> &amp; <b>x</b>");
  g_assert_cmpstr (b, ==, "stray end <b>open</b>");
}

static gboolean
note_open (gpointer data)
{
  Fixture *f = data;
  GtkWidget *view = cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_NOTES_VIEW, NULL);
  CairnNote *note = cairn_notes_view_get_note (CAIRN_NOTES_VIEW (view));

  return note != NULL && g_str_equal (cairn_note_get_id (note), f->recipes_id);
}

static void
test_search_enter_opens_note (Fixture       *f,
                              gconstpointer  data)
{
  CairnSearchPage *page = search_for (f, "pancakes");

  wait_for_label (GTK_WIDGET (page), "Recipes", CAIRN_TEST_LABEL_IS);
  /* Enter, before the search-as-you-type delay: the text as typed counts. */
  g_signal_emit_by_name (cairn_search_page_get_entry (page), "activate");
  g_assert_cmpstr (cairn_window_get_selected (f->window), ==, "notes");
  g_assert_true (cairn_test_wait_until (note_open, f));
}

/* The task's row is in sight and its details are open beside it (the
 * pane takes the focus, to edit the task found). */
static gboolean
cafe_shown_in_details (gpointer data)
{
  Fixture *f = data;
  GtkWidget *row = cairn_test_find_todo_row (GTK_WIDGET (f->window), "Café au lait");
  GtkWidget *details = cairn_test_find_widget (GTK_WIDGET (f->window), CAIRN_TYPE_TASK_DETAILS, NULL);

  return row != NULL && gtk_widget_get_mapped (row) && details != NULL &&
         gtk_widget_get_mapped (details) &&
         g_strcmp0 (cairn_task_details_get_todo_id (CAIRN_TASK_DETAILS (details)), f->cafe_id) == 0;
}

static void
test_search_enter_opens_task (Fixture       *f,
                              gconstpointer  data)
{
  CairnSearchPage *page;

  cairn_window_select_page (f->window, f->work_id);
  page = search_for (f, "lait");
  wait_for_label (GTK_WIDGET (page), "Café au <b>lait</b>", CAIRN_TEST_LABEL_IS);
  g_signal_emit_by_name (cairn_search_page_get_entry (page), "activate");
  /* Its list, with the task's row in sight and its details open. */
  g_assert_cmpstr (cairn_window_get_selected (f->window), ==, f->list_id);
  g_assert_true (cairn_test_wait_until (cafe_shown_in_details, f));
}

/* Presses keyval in the search entry, as its key controller sees it. */
static gboolean
press_in_entry (CairnSearchPage *page,
                guint            keyval)
{
  g_autoptr(GListModel) controllers =
    gtk_widget_observe_controllers (GTK_WIDGET (cairn_search_page_get_entry (page)));
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (g_strcmp0 (gtk_event_controller_get_name (controller), "cairn-search-entry-keys") == 0)
        {
          g_signal_emit_by_name (controller, "key-pressed", keyval, 0, 0, &handled);
          return handled;
        }
    }
  g_error ("the search entry has no key controller of its own");
}

static void
test_search_arrows_into_results (Fixture       *f,
                                 gconstpointer  data)
{
  CairnSearchPage *page = search_for (f, "milk");
  GtkWidget *results;
  g_autoptr(CairnSearchResult) second = NULL;

  /* "Buy milk" and the note whose body has "milk" */
  wait_for_label (GTK_WIDGET (page), "Buy <b>milk</b>", CAIRN_TEST_LABEL_IS);
  wait_for_label (GTK_WIDGET (page), "Recipes", CAIRN_TEST_LABEL_IS);
  results = cairn_test_find_widget (GTK_WIDGET (page), GTK_TYPE_LIST_VIEW, "results_view");
  g_assert_nonnull (results);
  g_assert_false (has_focus_within (results));

  /* Up is the entry's own; Down goes into the results. */
  g_assert_false (press_in_entry (page, GDK_KEY_Up));
  g_assert_true (press_in_entry (page, GDK_KEY_Down));
  g_assert_true (cairn_test_wait_until (has_focus_within, results));

  /* The second result chosen there (what Enter or a click emits). */
  g_assert_cmpuint (g_list_model_get_n_items (cairn_search_page_get_results (page)), ==, 2);
  second = g_list_model_get_item (cairn_search_page_get_results (page), 1);
  g_signal_emit_by_name (results, "activate", 1);
  if (cairn_search_result_get_kind (second) == CAIRN_OBJECT_NOTE)
    {
      g_assert_cmpstr (cairn_window_get_selected (f->window), ==, "notes");
      g_assert_true (cairn_test_wait_until (note_open, f));
    }
  else
    g_assert_cmpstr (cairn_window_get_selected (f->window), ==, f->list_id);
}

/* The row (the widget with the "search-result" class) holding widget. */
static GtkWidget *
result_row_of (GtkWidget *widget)
{
  while (widget != NULL && !gtk_widget_has_css_class (widget, "search-result"))
    widget = gtk_widget_get_parent (widget);
  g_assert_nonnull (widget);
  return widget;
}

/* Typing changes what the rows show, not which rows there are: the
 * results of the next text are shown in the row widgets of the last
 * (GTK 4.8 makes a new row for every new item of a model; making them
 * was most of a keystroke's work), and no row shows a result that is
 * gone, even while no list is shown. */
static void
test_search_rows_kept (Fixture       *f,
                       gconstpointer  data)
{
  CairnSearchPage *page = search_for (f, "milk");
  GtkWidget *first, *second, *row;

  /* "Buy milk" and the note whose body has "milk" */
  first = result_row_of (wait_for_label (GTK_WIDGET (page), "Buy <b>milk</b>", CAIRN_TEST_LABEL_IS));
  second = result_row_of (wait_for_label (GTK_WIDGET (page), "Recipes", CAIRN_TEST_LABEL_IS));
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);
  g_object_add_weak_pointer (G_OBJECT (second), (gpointer *) &second);

  /* Another result: in one of the rows there were. */
  gtk_editable_set_text (cairn_search_page_get_entry (page), "cafe");
  row = result_row_of (wait_for_label (GTK_WIDGET (page), "<b>Café</b> au lait", CAIRN_TEST_LABEL_IS));
  g_assert_nonnull (first);
  g_assert_true (row == first || row == second);
  wait_for_no_label (GTK_WIDGET (page), "Buy <b>milk</b>");

  /* Nothing typed: the start; the rows kept show nothing of before. */
  gtk_editable_set_text (cairn_search_page_get_entry (page), "");
  wait_for_label (GTK_WIDGET (page), "Search Tasks and Notes", CAIRN_TEST_LABEL_IS);
  g_assert_null (cairn_test_find_label (GTK_WIDGET (page), "<b>Café</b> au lait", CAIRN_TEST_LABEL_IS));
  g_assert_null (cairn_test_find_label (GTK_WIDGET (page), "Groceries", CAIRN_TEST_LABEL_IS));

  /* Typed again: the same rows. */
  gtk_editable_set_text (cairn_search_page_get_entry (page), "whis");
  row = result_row_of (wait_for_label (GTK_WIDGET (page), "Recipes", CAIRN_TEST_LABEL_IS));
  g_assert_true (row == first);
  wait_for_label (GTK_WIDGET (page), "<b>Whisk</b> them", CAIRN_TEST_LABEL_CONTAINS);
  if (first != NULL)
    g_object_remove_weak_pointer (G_OBJECT (first), (gpointer *) &first);
  if (second != NULL)
    g_object_remove_weak_pointer (G_OBJECT (second), (gpointer *) &second);
}

int
main (int   argc,
      char *argv[])
{
  cairn_test_init_ui (&argc, &argv);

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  g_test_add_func ("/search/fold", test_fold);
  g_test_add_func ("/search/markup", test_search_markup);
  ADD ("/search/find-bar/list", test_find_bar_filters_list);
  ADD ("/search/find-bar/notes", test_find_bar_filters_notes);
  ADD ("/search/find-bar/needs-a-view", test_find_bar_needs_a_view);
  ADD ("/search/find-bar/closes-for-new", test_find_bar_closes_for_new);
  ADD ("/search/page/states-and-live", test_search_page_states);
  ADD ("/search/page/finds", test_search_page_finds);
  ADD ("/search/page/limit", test_search_page_limit);
  ADD ("/search/page/enter-opens-note", test_search_enter_opens_note);
  ADD ("/search/page/enter-opens-task", test_search_enter_opens_task);
  ADD ("/search/page/arrows-into-results", test_search_arrows_into_results);
  ADD ("/search/page/rows-kept", test_search_rows_kept);
#undef ADD

  return g_test_run ();
}

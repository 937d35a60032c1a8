/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-views.c: the sidebar's views through the real window over a real
 * store: Inbox, Today (its count, its entry), Upcoming (a header per day),
 * a tag's page, each live after a commit and with its empty state; the
 * day changing at midnight (a fake date); lists reordered by Alt+Down and
 * by a drop; a task dropped on a list; the remembered page; 360 px. The
 * pool's day is pinned to Tuesday 10 March 2026. */
#include "config.h"

#include "cairn-smart-view.h"
#include "cairn-todo-row.h"
#include "cairn-ui.h"
#include "cairn-ui-test.h"
#include "cairn-window.h"
#include "cairn-window-private.h"
#include "store-test-util.h"

#define TODAY    "2026-03-10"
#define TOMORROW "2026-03-11"
#define THURSDAY "2026-03-12"

typedef struct
{
  char        *dir;
  CairnStore  *store;
  CairnPool   *pool;
  GSettings   *settings;
  CairnWindow *window;
  char        *work;
  char        *home;
} Fixture;

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static char *
add_todo (Fixture    *f,
          const char *list_id,
          const char *title,
          const char *due)
{
  g_autoptr(GError) error = NULL;
  char *id = cairn_store_create_todo (f->store, list_id, title, NULL, NULL, &error);

  g_assert_no_error (error);
  if (due != NULL)
    g_assert_true (cairn_store_set_todo_due (f->store, id, due, &error));
  g_assert_no_error (error);
  return id;
}

static void
open_window (Fixture *f)
{
  f->window = cairn_window_new (NULL, f->settings, f->pool);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 900, 700);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (cairn_test_wait_until (is_mapped, f->window));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("cairn-views-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = test_store_open_at (f->dir, "local.db");
  f->pool = cairn_pool_new (f->store);
  cairn_pool_set_today (f->pool, TODAY);
  f->settings = cairn_test_settings_new ();
  f->work = cairn_store_create_list (f->store, "Work", &error);
  g_assert_no_error (error);
  f->home = cairn_store_create_list (f->store, "Home", &error);
  g_assert_no_error (error);
  /* No Inbox yet: the window makes it. */
  if (data == NULL)
    open_window (f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  cairn_test_spin (10);
  g_clear_object (&f->pool);
  g_clear_object (&f->store);
  g_clear_object (&f->settings);
  cairn_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->work);
  g_free (f->home);
}

/* ---- Finding things on screen ------------------------------------------- */

static GtkWidget *
find (Fixture    *f,
      GType       type,
      const char *name)
{
  GtkWidget *widget = cairn_test_find_widget (GTK_WIDGET (f->window), type, name);

  if (widget == NULL)
    g_error ("no %s “%s” in the window", g_type_name (type), name);
  return widget;
}

static GtkWidget *
page (Fixture    *f,
      const char *name)
{
  GtkStack *stack = GTK_STACK (find (f, GTK_TYPE_STACK, "content_stack"));

  return gtk_stack_get_child_by_name (stack, name);
}

static const char *
visible_page (Fixture *f)
{
  return gtk_stack_get_visible_child_name (GTK_STACK (find (f, GTK_TYPE_STACK, "content_stack")));
}

static void
wait_for_label (Fixture    *f,
                const char *text)
{
  CairnTestLabelQuery q = { GTK_WIDGET (f->window), text, CAIRN_TEST_LABEL_IS };

  if (!cairn_test_wait_until (cairn_test_label_shown, &q))
    g_error ("no label reads “%s”", text);
}

static void
wait_for_no_label (Fixture    *f,
                   const char *text)
{
  CairnTestLabelQuery q = { GTK_WIDGET (f->window), text, CAIRN_TEST_LABEL_IS };

  if (!cairn_test_wait_until (cairn_test_label_gone, &q))
    g_error ("a label still reads “%s”", text);
}

/* The titles of a model's todos, joined by ", ". */
static char *
titles (GListModel *model)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(CairnTodo) todo = g_list_model_get_item (model, i);

      g_string_append_printf (s, "%s%s", i > 0 ? ", " : "", cairn_todo_get_title (todo));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static char *
list_titles (GListModel *lists)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (lists); i++)
    {
      g_autoptr(CairnList) list = g_list_model_get_item (lists, i);

      if (!g_str_equal (cairn_list_get_id (list), CAIRN_INBOX_ID))
        g_string_append_printf (s, "%s%s", s->len > 0 ? ", " : "", cairn_list_get_title (list));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static const char *
count_text (Fixture *f)
{
  GtkWidget *count = find (f, GTK_TYPE_LABEL, "today_count");

  return gtk_widget_get_visible (count) ? gtk_label_get_label (GTK_LABEL (count)) : "";
}

static gboolean
has_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (w))
        return TRUE;
    }
  return FALSE;
}

static void
close_dialogs (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = g_list_model_get_n_items (toplevels); i > 0; i--)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i - 1);

      if (ADW_IS_MESSAGE_DIALOG (w))
        gtk_window_destroy (GTK_WINDOW (w));
    }
}

static gboolean
count_is_two (gpointer f)
{
  return g_str_equal (count_text (f), "2");
}

/* ---- Inbox ------------------------------------------------------------------ */

/* The window makes the Inbox; it has its own row, first, and is not among
 * the lists; its page is a list's, but neither renamable nor deletable. */
static void
test_inbox (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *lists_box = find (f, GTK_TYPE_LIST_BOX, "lists_listbox");
  GtkWidget *inbox_row = find (f, GTK_TYPE_LIST_BOX_ROW, "inbox_row");

  g_assert_nonnull (cairn_pool_lookup_list (f->pool, CAIRN_INBOX_ID));
  /* No page remembered: the Inbox is open. */
  g_assert_cmpstr (cairn_window_get_selected (f->window), ==, CAIRN_INBOX_ID);
  cairn_window_select_page (f->window, "notes");
  g_assert_nonnull (gtk_list_box_get_row_at_index (GTK_LIST_BOX (lists_box), 1));
  g_assert_null (gtk_list_box_get_row_at_index (GTK_LIST_BOX (lists_box), 2));

  gtk_widget_activate (inbox_row);
  g_assert_cmpstr (cairn_window_get_selected (f->window), ==, CAIRN_INBOX_ID);
  g_assert_cmpstr (visible_page (f), ==, "todos");
  g_assert_true (gtk_list_box_row_is_selected (GTK_LIST_BOX_ROW (inbox_row)));
  g_assert_cmpstr (adw_window_title_get_title (ADW_WINDOW_TITLE (find (f, ADW_TYPE_WINDOW_TITLE,
                                                                      "content_title"))),
                   ==, "Inbox");
  g_assert_false (gtk_widget_get_visible (find (f, GTK_TYPE_MENU_BUTTON, "list_menu_button")));
  /* Disabled: Rename opens no dialog. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.rename-current-list", NULL);
  cairn_test_spin (50);
  g_assert_false (has_dialog ());
  /* (A list's page has it.) */
  cairn_window_select_page (f->window, f->work);
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.rename-current-list", NULL);
  cairn_test_spin (50);
  g_assert_true (has_dialog ());

  close_dialogs ();
  /* Ctrl+1, 2, 3 (win.show-view). */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-view", "s", "today");
  g_assert_cmpstr (cairn_window_get_selected (f->window), ==, "today");
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-view", "s", "upcoming");
  g_assert_cmpstr (cairn_window_get_selected (f->window), ==, "upcoming");
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-view", "s", "inbox");
  g_assert_cmpstr (cairn_window_get_selected (f->window), ==, CAIRN_INBOX_ID);
}

/* Back from Today to the list: its rows are the same widgets (the list
 * stayed bound while away, nothing made again), and what was typed in
 * its new-task entry is gone, as when another list is opened. */
static void
test_back_from_view (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *id = add_todo (f, f->work, "Stays bound", NULL);
  GtkWidget *entry, *row, *again;

  cairn_window_select_page (f->window, f->work);
  row = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Stays bound");
  entry = cairn_test_find_widget (GTK_WIDGET (f->window->todo_view), GTK_TYPE_ENTRY, "new_entry");
  gtk_editable_set_text (GTK_EDITABLE (entry), "half typed");

  cairn_window_select_page (f->window, "today");
  g_assert_cmpstr (visible_page (f), ==, "today");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Stays bound");
  cairn_window_select_page (f->window, f->work);
  again = cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Stays bound");
  g_assert_true (again == row);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
}

/* ---- Today ------------------------------------------------------------------ */

static void
test_today (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *late = add_todo (f, f->work, "Send the report", "2026-03-09");
  g_autofree char *now = add_todo (f, f->home, "Call the plumber", TODAY);
  g_autofree char *later = add_todo (f, f->home, "Water the plants", TOMORROW);
  g_autofree char *undated = add_todo (f, f->work, "Someday", NULL);
  CairnSmartView *view;
  GtkWidget *entry;
  g_autofree char *order = NULL;

  /* The sidebar counts Today's tasks without its page being opened. */
  g_assert_true (cairn_test_wait_until (count_is_two, f));
  cairn_window_select_page (f->window, "today");
  g_assert_cmpstr (visible_page (f), ==, "today");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Send the report");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Call the plumber");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Water the plants");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Someday");
  view = CAIRN_SMART_VIEW (page (f, "today"));
  order = titles (cairn_smart_view_get_model (view));
  g_assert_cmpstr (order, ==, "Send the report, Call the plumber");
  /* Each row names its list, and follows its renames. */
  wait_for_label (f, "Work");
  wait_for_label (f, "Home");
  g_assert_true (cairn_store_rename_list (f->store, f->work, "Office", &error));
  wait_for_label (f, "Office");
  wait_for_no_label (f, "Work");
  g_assert_cmpstr (count_text (f), ==, "2");

  /* Live: a commit brings a task in, another takes one out. */
  g_assert_true (cairn_store_set_todo_due (f->store, later, TODAY, &error));
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Water the plants");
  g_assert_cmpstr (count_text (f), ==, "3");
  g_assert_true (cairn_store_set_todo_done (f->store, late, TRUE, &error));
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Send the report");
  g_assert_cmpstr (count_text (f), ==, "2");

  /* The entry adds a task due today to the Inbox; blank input adds nothing. */
  entry = cairn_test_find_widget (GTK_WIDGET (view), GTK_TYPE_ENTRY, "new_entry");
  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "   ");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpstr (count_text (f), ==, "2");
  gtk_editable_set_text (GTK_EDITABLE (entry), "Buy stamps");
  g_signal_emit_by_name (entry, "activate");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Buy stamps");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  g_assert_cmpstr (count_text (f), ==, "3");
  {
    g_autoptr(GListModel) inbox = cairn_pool_get_todos (f->pool, CAIRN_INBOX_ID);
    g_autoptr(CairnTodo) todo = g_list_model_get_item (inbox, 0);

    g_assert_cmpuint (g_list_model_get_n_items (inbox), ==, 1);
    g_assert_cmpstr (cairn_todo_get_title (todo), ==, "Buy stamps");
    g_assert_cmpstr (cairn_todo_get_due (todo), ==, TODAY);
  }
  wait_for_label (f, "Inbox");
}

/* ---- Upcoming --------------------------------------------------------------- */

static void
test_upcoming (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = add_todo (f, f->work, "Prepare slides", THURSDAY);
  g_autofree char *b = add_todo (f, f->home, "Buy oat milk", TOMORROW);
  g_autofree char *c = add_todo (f, f->home, "Water the plants", TOMORROW);
  g_autofree char *d = add_todo (f, f->home, "Call the plumber", TODAY);
  g_autofree char *far = add_todo (f, f->home, "Renew passport", "2026-06-01");
  g_autofree char *order = NULL;
  g_autofree char *e = NULL;

  cairn_window_select_page (f->window, "upcoming");
  g_assert_cmpstr (visible_page (f), ==, "upcoming");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Prepare slides");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Buy oat milk");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Call the plumber");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Renew passport");
  order = titles (cairn_smart_view_get_model (CAIRN_SMART_VIEW (page (f, "upcoming"))));
  g_assert_cmpstr (order, ==, "Buy oat milk, Water the plants, Prepare slides");
  /* One header per day. */
  wait_for_label (f, "Tomorrow");
  wait_for_label (f, "Thursday 12 March");

  /* Live: a new day gets its header, a day without tasks loses it. */
  e = add_todo (f, f->work, "Team lunch", "2026-03-13");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Team lunch");
  wait_for_label (f, "Friday 13 March");
  g_assert_true (cairn_store_delete_todo (f->store, a, &error));
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Prepare slides");
  wait_for_no_label (f, "Thursday 12 March");
  g_assert_no_error (error);
}

static void
test_format_day (void)
{
  g_autofree char *tomorrow = cairn_smart_view_format_day (TOMORROW, TODAY);
  g_autofree char *thursday = cairn_smart_view_format_day (THURSDAY, TODAY);
  g_autofree char *next_year = cairn_smart_view_format_day ("2027-01-05", "2026-12-31");
  g_autofree char *bad = cairn_smart_view_format_day ("2026-02-30", TODAY);

  g_assert_cmpstr (tomorrow, ==, "Tomorrow");
  g_assert_cmpstr (thursday, ==, "Thursday 12 March");
  g_assert_cmpstr (next_year, ==, "Tuesday 5 January 2027");
  g_assert_null (bad);
}

/* ---- Tags ------------------------------------------------------------------- */

static void
test_tag_page (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *milk = add_todo (f, f->home, "Buy oat milk", NULL);
  g_autofree char *bread = add_todo (f, f->home, "Buy bread", NULL);
  g_autofree char *tag = cairn_store_create_tag (f->store, "errands", "green", &error);
  g_autofree char *page_name = g_strconcat ("tag:", tag, NULL);
  GtkWidget *tags_box = find (f, GTK_TYPE_LIST_BOX, "tags_listbox");
  GtkListBoxRow *row;
  GtkWidget *dot;

  g_assert_no_error (error);
  g_assert_true (cairn_store_set_todo_tagged (f->store, milk, tag, TRUE, &error));

  /* The tag's row, with its colour as a dot. */
  g_assert_true (gtk_widget_get_visible (tags_box));
  row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (tags_box), 0);
  g_assert_nonnull (row);
  dot = cairn_test_find_first (GTK_WIDGET (row), (gpointer) gtk_widget_has_css_class, "tag-dot");
  g_assert_nonnull (dot);
  g_assert_true (gtk_widget_has_css_class (dot, "tag-green"));
  g_assert_true (cairn_store_recolor_tag (f->store, tag, "red", &error));
  g_assert_true (gtk_widget_has_css_class (dot, "tag-red"));
  g_assert_false (gtk_widget_has_css_class (dot, "tag-green"));

  gtk_widget_activate (GTK_WIDGET (row));
  g_assert_cmpstr (cairn_window_get_selected (f->window), ==, page_name);
  g_assert_cmpstr (visible_page (f), ==, "tag");
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Buy oat milk");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Buy bread");

  /* Live both ways. */
  g_assert_true (cairn_store_set_todo_tagged (f->store, bread, tag, TRUE, &error));
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Buy bread");
  g_assert_true (cairn_store_set_todo_tagged (f->store, milk, tag, FALSE, &error));
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Buy oat milk");

  /* A deleted tag takes its row and page along. */
  g_assert_true (cairn_store_delete_tag (f->store, tag, &error));
  g_assert_false (gtk_widget_get_visible (tags_box));
  g_assert_cmpstr (visible_page (f), ==, "none");
  g_assert_no_error (error);
}

/* ---- Empty states ------------------------------------------------------------ */

static void
test_empty_states (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tag = cairn_store_create_tag (f->store, "someday", NULL, &error);
  g_autofree char *tag_page = g_strconcat ("tag:", tag, NULL);
  g_autofree char *id = NULL;

  cairn_window_select_page (f->window, "today");
  wait_for_label (f, "Nothing Due Today");
  g_assert_cmpstr (count_text (f), ==, "");
  cairn_window_select_page (f->window, "upcoming");
  wait_for_label (f, "Nothing Upcoming");
  cairn_window_select_page (f->window, tag_page);
  wait_for_label (f, "No Tagged Tasks");

  /* The empty state goes with the first task, and comes back. */
  cairn_window_select_page (f->window, "today");
  id = add_todo (f, f->work, "Call the plumber", TODAY);
  wait_for_no_label (f, "Nothing Due Today");
  g_assert_true (cairn_store_set_todo_due (f->store, id, NULL, &error));
  wait_for_label (f, "Nothing Due Today");
  g_assert_no_error (error);
}

/* ---- Midnight ------------------------------------------------------------------ */

static void
test_midnight (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *a = add_todo (f, f->work, "Water the plants", TOMORROW);
  g_autofree char *b = add_todo (f, f->work, "Prepare slides", THURSDAY);

  cairn_window_select_page (f->window, "upcoming");
  wait_for_label (f, "Tomorrow");
  wait_for_label (f, "Thursday 12 March");
  cairn_window_select_page (f->window, "today");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Water the plants");
  g_assert_cmpstr (count_text (f), ==, "");

  /* What the window's midnight timer does, on a fake date. */
  cairn_window_set_today (f->window, TOMORROW);
  g_assert_cmpstr (cairn_pool_get_today (f->pool), ==, TOMORROW);
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Water the plants");
  g_assert_cmpstr (count_text (f), ==, "1");
  cairn_window_select_page (f->window, "upcoming");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Water the plants");
  /* Thursday is tomorrow now. */
  wait_for_label (f, "Tomorrow");
  wait_for_no_label (f, "Thursday 12 March");
}

/* What the timers compute and do, on a fake clock. */
static void
test_midnight_timer (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GTimeZone) berlin = g_time_zone_new_identifier ("Europe/Berlin");
  g_autoptr(GDateTime) late = g_date_time_new (berlin, 2026, 3, 10, 23, 59, 0);
  g_autoptr(GDateTime) dst_night = g_date_time_new (berlin, 2026, 3, 29, 1, 0, 0);
  g_autoptr(GDateTime) next_day = g_date_time_new (berlin, 2026, 3, 11, 0, 0, 30);
  g_autoptr(GDateTime) same_day = g_date_time_new (berlin, 2026, 3, 10, 8, 0, 0);
  g_autofree char *id = add_todo (f, f->work, "Water the plants", TOMORROW);

  g_assert_nonnull (berlin);
  g_assert_cmpuint (_cairn_window_ms_to_midnight (late), ==, 60 * 1000);
  /* The day the clocks go forward (at 02:00) is an hour shorter: from 01:00
   * to midnight is 22 hours. */
  g_assert_cmpuint (_cairn_window_ms_to_midnight (dst_night), ==, 22 * 60 * 60 * 1000);

  cairn_window_select_page (f->window, "today");
  cairn_test_wait_for_no_todo_row (GTK_WIDGET (f->window), "Water the plants");
  _cairn_window_check_date (f->window, same_day);
  g_assert_cmpstr (cairn_pool_get_today (f->pool), ==, TODAY);
  /* After a resume the 60 s check sees the new day. */
  _cairn_window_check_date (f->window, next_day);
  g_assert_cmpstr (cairn_pool_get_today (f->pool), ==, TOMORROW);
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Water the plants");
}

/* ---- Reordering lists, dropping tasks --------------------------------------- */

static GtkEventController *
controller_of (GtkWidget *widget,
               GType      type)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (c, type))
        return c;
    }
  return NULL;
}

static GtkEventController *
key_controller (GtkWidget *widget)
{
  return controller_of (widget, GTK_TYPE_EVENT_CONTROLLER_KEY);
}

static gboolean
has_focus (gpointer widget)
{
  return gtk_widget_has_focus (widget);
}

static GtkWidget *
list_row (Fixture    *f,
          const char *title)
{
  GtkWidget *lists_box = find (f, GTK_TYPE_LIST_BOX, "lists_listbox");
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (lists_box), i)) != NULL; i++)
    if (g_strcmp0 (gtk_widget_get_tooltip_text (GTK_WIDGET (row)), title) == 0)
      return GTK_WIDGET (row);
  g_error ("no list row “%s”", title);
}

static void
test_reorder_keys (Fixture       *f,
                   gconstpointer  data)
{
  GListModel *lists = cairn_pool_get_lists (f->pool);
  GtkWidget *lists_box = find (f, GTK_TYPE_LIST_BOX, "lists_listbox");
  GtkEventController *keys = key_controller (lists_box);
  g_autoptr(GError) error = NULL;
  g_autofree char *garden = cairn_store_create_list (f->store, "Garden", &error);
  g_autofree char *order = NULL;
  gboolean handled = FALSE;
  GtkWidget *row;

  g_assert_nonnull (keys);
  order = list_titles (lists);
  g_assert_cmpstr (order, ==, "Work, Home, Garden");

  row = list_row (f, "Work");
  gtk_widget_grab_focus (row);
  g_assert_true (cairn_test_wait_until (has_focus, row));
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Down, 0, GDK_ALT_MASK, &handled);
  g_assert_true (handled);
  g_free (order);
  order = list_titles (lists);
  g_assert_cmpstr (order, ==, "Home, Work, Garden");
  /* The moved list keeps the focus: Alt+Down again takes it further. */
  row = list_row (f, "Work");
  g_assert_true (cairn_test_wait_until (has_focus, row));
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Down, 0, GDK_ALT_MASK, &handled);
  g_free (order);
  order = list_titles (lists);
  g_assert_cmpstr (order, ==, "Home, Garden, Work");
  /* At the end it stays. */
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Down, 0, GDK_ALT_MASK, &handled);
  g_free (order);
  order = list_titles (lists);
  g_assert_cmpstr (order, ==, "Home, Garden, Work");
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Up, 0, GDK_ALT_MASK, &handled);
  g_free (order);
  order = list_titles (lists);
  g_assert_cmpstr (order, ==, "Home, Work, Garden");
  /* Up without Alt is the list box's own (the focus moves). */
  handled = TRUE;
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Up, 0, 0, &handled);
  g_assert_false (handled);
}

static gboolean
drop (GtkWidget *row,
      GType      type,
      gpointer   object,
      double     y)
{
  GtkDropTarget *target = g_object_get_data (G_OBJECT (row), "cairn-drop-target");
  g_auto(GValue) value = G_VALUE_INIT;
  gboolean done = FALSE;

  g_assert_nonnull (target);
  g_value_init (&value, type);
  g_value_set_object (&value, object);
  g_signal_emit_by_name (target, "drop", &value, 10.0, y, &done);
  return done;
}

static gboolean
is_allocated (gpointer widget)
{
  return gtk_widget_get_height (widget) > 0;
}

static void
test_reorder_drop (Fixture       *f,
                   gconstpointer  data)
{
  GListModel *lists = cairn_pool_get_lists (f->pool);
  g_autoptr(GError) error = NULL;
  g_autofree char *garden = cairn_store_create_list (f->store, "Garden", &error);
  g_autofree char *order = NULL;
  GtkWidget *work_row = list_row (f, "Work");

  g_assert_true (cairn_test_wait_until (is_allocated, work_row));
  /* Garden dropped on the upper half of Work: before it. */
  g_assert_true (drop (work_row, CAIRN_TYPE_LIST, cairn_pool_lookup_list (f->pool, garden), 1));
  order = list_titles (lists);
  g_assert_cmpstr (order, ==, "Garden, Work, Home");
  /* Garden dropped on the lower half of Home: after it. */
  g_assert_true (cairn_test_wait_until (is_allocated, list_row (f, "Home")));
  g_assert_true (drop (list_row (f, "Home"), CAIRN_TYPE_LIST,
                       cairn_pool_lookup_list (f->pool, garden),
                       gtk_widget_get_height (list_row (f, "Home")) - 1));
  g_free (order);
  order = list_titles (lists);
  g_assert_cmpstr (order, ==, "Work, Home, Garden");
  /* On itself: nothing. */
  g_assert_false (drop (list_row (f, "Garden"), CAIRN_TYPE_LIST,
                        cairn_pool_lookup_list (f->pool, garden), 1));

  /* What a list's row offers when dragged is its CairnList. */
  {
    GtkDragSource *source = GTK_DRAG_SOURCE (controller_of (list_row (f, "Home"),
                                                            GTK_TYPE_DRAG_SOURCE));
    g_autoptr(GdkContentProvider) provider = NULL;
    g_auto(GValue) value = G_VALUE_INIT;

    g_signal_emit_by_name (source, "prepare", 5.0, 5.0, &provider);
    g_assert_nonnull (provider);
    g_value_init (&value, CAIRN_TYPE_LIST);
    g_assert_true (gdk_content_provider_get_value (provider, &value, NULL));
    g_assert_true (g_value_get_object (&value) == (gpointer) cairn_pool_lookup_list (f->pool, f->home));
  }
}

static void
test_drop_task (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *first = add_todo (f, f->home, "Water the plants", NULL);
  g_autofree char *moved = add_todo (f, f->work, "Buy oat milk", NULL);
  g_autoptr(GListModel) home = cairn_pool_get_todos (f->pool, f->home);
  g_autoptr(GListModel) inbox = cairn_pool_get_todos (f->pool, CAIRN_INBOX_ID);
  CairnTodo *todo = cairn_pool_lookup_todo (f->pool, moved);
  g_autofree char *order = NULL;

  g_assert_true (drop (list_row (f, "Home"), CAIRN_TYPE_TODO, todo, 5));
  g_assert_cmpstr (cairn_todo_get_list_id (todo), ==, f->home);
  order = titles (home);
  g_assert_cmpstr (order, ==, "Water the plants, Buy oat milk");
  /* Dropped on its own list: nothing. */
  g_assert_false (drop (list_row (f, "Home"), CAIRN_TYPE_TODO, todo, 5));
  /* On the Inbox. */
  g_assert_true (drop (find (f, GTK_TYPE_LIST_BOX_ROW, "inbox_row"), CAIRN_TYPE_TODO, todo, 5));
  g_assert_cmpstr (cairn_todo_get_list_id (todo), ==, CAIRN_INBOX_ID);
  g_assert_cmpuint (g_list_model_get_n_items (inbox), ==, 1);
  /* The Inbox takes no lists. */
  g_assert_false (drop (find (f, GTK_TYPE_LIST_BOX_ROW, "inbox_row"), CAIRN_TYPE_LIST,
                        cairn_pool_lookup_list (f->pool, f->work), 5));
}

/* ---- The remembered page, 360 px ---------------------------------------------- */

static void
test_remembered_page (Fixture       *f,
                      gconstpointer  data)
{
  const char *pages[] = { "today", "upcoming", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *tag = cairn_store_create_tag (f->store, "errands", NULL, &error);

  pages[2] = g_strconcat ("tag:", tag, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autofree char *last = NULL;

      g_settings_set_string (f->settings, "last-selected", "");
      open_window (f);
      cairn_window_select_page (f->window, pages[i]);
      last = g_settings_get_string (f->settings, "last-selected");
      g_assert_cmpstr (last, ==, pages[i]);
      gtk_window_destroy (GTK_WINDOW (f->window));

      /* The next window opens on it. */
      open_window (f);
      g_assert_cmpstr (cairn_window_get_selected (f->window), ==, pages[i]);
      g_assert_cmpstr (visible_page (f), ==, i < 2 ? pages[i] : "tag");
      gtk_window_destroy (GTK_WINDOW (f->window));
      f->window = NULL;
    }
  g_free ((char *) pages[2]);
}

static gboolean
is_folded (gpointer leaflet)
{
  return adw_leaflet_get_folded (leaflet);
}

static gboolean
shows_sidebar (gpointer leaflet)
{
  GtkWidget *child = adw_leaflet_get_visible_child (leaflet);

  return g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (child)), "sidebar_box") == 0;
}

static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *id = add_todo (f, f->work, "Call the plumber", TODAY);
  AdwLeaflet *leaflet;
  GtkWidget *back;

  gtk_window_set_default_size (GTK_WINDOW (f->window), 360, 600);
  leaflet = ADW_LEAFLET (find (f, ADW_TYPE_LEAFLET, "leaflet"));
  g_assert_true (cairn_test_wait_until (is_folded, leaflet));
  adw_leaflet_set_visible_child (leaflet, find (f, GTK_TYPE_BOX, "sidebar_box"));
  cairn_test_spin (50);

  gtk_widget_activate (find (f, GTK_TYPE_LIST_BOX_ROW, "today_row"));
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == find (f, GTK_TYPE_BOX, "content_box"));
  back = find (f, GTK_TYPE_BUTTON, "back_button");
  g_assert_true (gtk_widget_get_visible (back));
  cairn_test_wait_for_todo_row (GTK_WIDGET (f->window), "Call the plumber");
  gtk_widget_activate (back);
  g_assert_true (cairn_test_wait_until (shows_sidebar, leaflet));
}

int
main (int   argc,
      char *argv[])
{
  cairn_test_init_ui (&argc, &argv);

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  g_test_add_func ("/views/format-day", test_format_day);
  ADD ("/views/inbox", test_inbox);
  ADD ("/views/today", test_today);
  ADD ("/views/back-from-view", test_back_from_view);
  ADD ("/views/upcoming", test_upcoming);
  ADD ("/views/tag", test_tag_page);
  ADD ("/views/empty-states", test_empty_states);
  ADD ("/views/midnight", test_midnight);
  ADD ("/views/midnight-timer", test_midnight_timer);
  ADD ("/views/reorder-keys", test_reorder_keys);
  ADD ("/views/reorder-drop", test_reorder_drop);
  ADD ("/views/drop-task", test_drop_task);
  ADD ("/views/narrow", test_narrow);
  g_test_add ("/views/remembered-page", Fixture, "no window", fixture_set_up,
              test_remembered_page, fixture_tear_down);
#undef ADD

  return g_test_run ();
}

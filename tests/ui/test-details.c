/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-details.c: the task details pane and the rows' decorations,
 * through the real widgets over a real store: opening it (win.show-task,
 * a row), every field edited there reaching the store and store changes
 * reaching it, notes kept through a change from another connection, bad
 * input refused with a message, a deleted task closing it, and a narrow
 * window. */
#include "config.h"

#include <string.h>

#include "cairn-event.h"
#include "cairn-task-badges.h"
#include "cairn-task-details.h"
#include "cairn-todo-row.h"
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
  char        *list_id;
  char        *todo_id;
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

  f->dir = g_dir_make_tmp ("cairn-ui-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = test_store_open_at (f->dir, "local.db");
  f->pool = cairn_pool_new (f->store);
  f->settings = cairn_test_settings_new ();
  f->list_id = cairn_store_create_list (f->store, "Groceries", &error);
  g_assert_no_error (error);
  f->todo_id = cairn_store_create_todo (f->store, f->list_id, "Buy milk", NULL, NULL, &error);
  g_assert_no_error (error);

  f->window = cairn_window_new (NULL, f->settings, f->pool);
  gtk_window_set_default_size (GTK_WINDOW (f->window), GPOINTER_TO_INT (data) ? 360 : 1200, 800);
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
  g_free (f->todo_id);
}

/* ---- Helpers ------------------------------------------------------------- */

static gboolean
named (GtkWidget     *widget,
       gconstpointer  name)
{
  const char *id = GTK_IS_BUILDABLE (widget) ? gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget)) : NULL;

  return g_strcmp0 (gtk_widget_get_name (widget), name) == 0 || g_strcmp0 (id, name) == 0;
}

static GtkWidget *
find (GtkWidget  *root,
      const char *name)
{
  GtkWidget *w = cairn_test_find_first (root, named, name);

  if (w == NULL)
    g_error ("no widget %s", name);
  return w;
}

static CairnTaskDetails *
pane (Fixture *f)
{
  return CAIRN_TASK_DETAILS (find (GTK_WIDGET (f->window), "task_details"));
}

static AdwFlap *
flap (Fixture *f)
{
  return ADW_FLAP (gtk_widget_get_ancestor (GTK_WIDGET (pane (f)), ADW_TYPE_FLAP));
}

static CairnTodo *
todo (Fixture *f)
{
  return cairn_pool_lookup_todo (f->pool, f->todo_id);
}

static gboolean
pane_open (gpointer data)
{
  Fixture *f = data;

  return adw_flap_get_reveal_flap (flap (f)) &&
         g_strcmp0 (cairn_task_details_get_todo_id (pane (f)), f->todo_id) == 0;
}

/* Closed, or never opened (the pane is made when a task is first shown). */
static gboolean
pane_closed (gpointer data)
{
  Fixture *f = data;

  if (cairn_test_find_first (GTK_WIDGET (f->window), named, "task_details") == NULL)
    return TRUE;
  return !adw_flap_get_reveal_flap (flap (f)) && cairn_task_details_get_todo_id (pane (f)) == NULL;
}

static void
open_pane (Fixture *f)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-task", "s", f->todo_id));
  g_assert_true (cairn_test_wait_until (pane_open, f));
}

static void
set_text (GtkWidget  *entry,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
}

static void
activate_entry (GtkWidget  *entry,
                const char *text)
{
  set_text (entry, text);
  g_signal_emit_by_name (entry, "activate");
}

static void
click (GtkWidget *button)
{
  g_signal_emit_by_name (button, "clicked");
}

static void
pick_day (GtkWidget  *calendar,
          int         y,
          int         m,
          int         d)
{
  g_autoptr(GDateTime) date = g_date_time_new_local (y, m, d, 0, 0, 0);

  gtk_calendar_select_day (GTK_CALENDAR (calendar), date);
}

static const char *
label_text (GtkWidget *label)
{
  return gtk_label_get_text (GTK_LABEL (label));
}

typedef struct
{
  Fixture    *f;
  const char *want;
} TitleWait;

static gboolean
title_entry_says (gpointer data)
{
  TitleWait *w = data;

  return g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (find (GTK_WIDGET (pane (w->f)), "title_entry"))),
                    w->want) == 0;
}

static void
wait_label (GtkWidget  *root,
            const char *text)
{
  CairnTestLabelQuery q = { root, text, CAIRN_TEST_LABEL_IS };

  if (!cairn_test_wait_until (cairn_test_label_shown, &q))
    g_error ("no label says %s", text);
}

/* What a key does on widget: the first of its shortcuts for that trigger
 * (by its text: "Escape", "<Alt>Return") that takes it. */
static gboolean
press_key (GtkWidget  *widget,
           const char *key)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);
  gboolean done = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (c))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (c)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (c), j);
          g_autofree char *trigger = gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut));

          if (!done && g_str_equal (trigger, key))
            done = gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, widget, NULL);
        }
    }
  return done;
}

/* What Escape does in the content area: the flap's shortcuts (AdwFlap
 * has one of its own, for folded only; ours closes the pane). */
static void
press_escape (Fixture *f)
{
  g_assert_true (press_key (GTK_WIDGET (flap (f)), "Escape"));
}

/* ---- Opening and closing ------------------------------------------------- */

static void
test_open_and_close (Fixture       *f,
                     gconstpointer  data)
{
  CairnTestRowQuery q = { GTK_WIDGET (f->window), "Buy milk", NULL };

  g_assert_true (pane_closed (f));

  /* By the action, from another page: the task's list comes with it. */
  cairn_window_select_page (f->window, "notes");
  open_pane (f);
  g_assert_cmpstr (cairn_window_get_selected (f->window), ==, f->list_id);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find (GTK_WIDGET (pane (f)), "title_entry"))),
                   ==, "Buy milk");

  /* The close button. */
  click (find (GTK_WIDGET (pane (f)), "close_button"));
  g_assert_true (cairn_test_wait_until (pane_closed, f));

  /* A row's activation (Alt+Enter, a click, the menu's Details). */
  g_assert_true (cairn_test_wait_until (cairn_test_todo_row_shown, &q));
  g_assert_true (gtk_widget_activate_action (q.found, "task.show-details", NULL));
  g_assert_true (cairn_test_wait_until (pane_open, f));

  /* Escape, through the pane's shortcut (the flap's controller). */
  press_escape (f);
  g_assert_true (cairn_test_wait_until (pane_closed, f));

  /* Enter on the row (a list view gives it the focus), Alt+Enter. */
  g_assert_true (press_key (q.found, "Return"));
  g_assert_true (cairn_test_wait_until (pane_open, f));
  press_escape (f);
  g_assert_true (cairn_test_wait_until (pane_closed, f));
  g_assert_true (gtk_widget_get_focusable (q.found));
  g_assert_true (press_key (q.found, "<Alt>Return"));
  g_assert_true (cairn_test_wait_until (pane_open, f));
  press_escape (f);
  g_assert_true (cairn_test_wait_until (pane_closed, f));

  /* A click on the row (not on its controls). */
  {
    g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (q.found);
    gboolean clicked = FALSE;

    for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
      {
        g_autoptr(GObject) c = g_list_model_get_item (controllers, i);

        if (GTK_IS_GESTURE_CLICK (c))
          {
            g_signal_emit_by_name (c, "released", 1, 5.0, 5.0);
            clicked = TRUE;
          }
      }
    g_assert_true (clicked);
  }
  g_assert_true (cairn_test_wait_until (pane_open, f));

  /* Another list shown: the pane of this list's task goes. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *other = cairn_store_create_list (f->store, "Hardware", &error);

    g_assert_no_error (error);
    cairn_window_select_page (f->window, other);
    g_assert_true (cairn_test_wait_until (pane_closed, f));
    cairn_window_select_page (f->window, f->list_id);
    open_pane (f);
  }

  /* Its Delete button deletes the task (Undo in a toast) and closes it. */
  click (find (GTK_WIDGET (pane (f)), "delete_button"));
  g_assert_true (cairn_test_wait_until (pane_closed, f));
  g_assert_null (cairn_pool_lookup_todo (f->pool, f->todo_id));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.restore-task", "s", f->todo_id));
  g_assert_nonnull (cairn_pool_lookup_todo (f->pool, f->todo_id));

  /* A task that does not exist opens nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.close-task", NULL));
  g_assert_true (cairn_test_wait_until (pane_closed, f));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-task", "s", "no-such-task");
  cairn_test_spin (50);
  g_assert_true (pane_closed (f));
}

/* ---- Every field: pane to store ------------------------------------------ */

static void
test_edit_fields (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) subs = NULL;
  GtkWidget *p;
  GtkWidget *entry;

  open_pane (f);
  p = GTK_WIDGET (pane (f));

  /* Title */
  activate_entry (find (p, "title_entry"), "  Buy oat milk ");
  g_assert_cmpstr (cairn_todo_get_title (todo (f)), ==, "Buy oat milk");

  /* Priority */
  adw_combo_row_set_selected (ADW_COMBO_ROW (find (p, "priority_row")), 3);
  g_assert_cmpstr (cairn_todo_get_priority (todo (f)), ==, "high");

  /* Due date and time; a bad time changes nothing and says why. */
  pick_day (find (p, "due_calendar"), 2027, 3, 14);
  set_text (find (p, "due_time_entry"), "25:00");
  click (find (p, "due_set_button"));
  g_assert_null (cairn_todo_get_due (todo (f)));
  g_assert_true (gtk_widget_get_visible (find (p, "due_error")));
  g_assert_nonnull (strstr (label_text (find (p, "due_error")), "“25:00” is not a time of day"));
  set_text (find (p, "due_time_entry"), "9:05");
  click (find (p, "due_set_button"));
  g_assert_cmpstr (cairn_todo_get_due (todo (f)), ==, "2027-03-14");
  g_assert_cmpstr (cairn_todo_get_due_time (todo (f)), ==, "09:05");
  g_assert_false (gtk_widget_get_visible (find (p, "due_error")));
  click (find (p, "due_clear_button"));
  g_assert_null (cairn_todo_get_due (todo (f)));
  g_assert_null (cairn_todo_get_due_time (todo (f)));

  /* Reminder */
  pick_day (find (p, "reminder_calendar"), 2027, 3, 13);
  set_text (find (p, "reminder_time_entry"), "");
  click (find (p, "reminder_set_button"));
  g_assert_null (cairn_todo_get_reminder (todo (f)));
  g_assert_true (gtk_widget_get_visible (find (p, "reminder_error")));
  set_text (find (p, "reminder_time_entry"), "08:30");
  click (find (p, "reminder_set_button"));
  g_assert_true (g_str_has_prefix (cairn_todo_get_reminder (todo (f)), "2027-03-13T08:30"));
  g_assert_true (cairn_store_dismiss_todo_reminder (f->store, f->todo_id, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find (p, "reminder_row"))),
                            "Dismissed"));
  click (find (p, "reminder_clear_button"));
  g_assert_null (cairn_todo_get_reminder (todo (f)));

  /* Repeat: every 2 weeks on Monday and Wednesday, then clear. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find (p, "repeat_every")), 2);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (find (p, "repeat_unit")), 1);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find (p, "mon")), TRUE);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (find (p, "wed")), TRUE);
  click (find (p, "repeat_set_button"));
  g_assert_cmpstr (cairn_todo_get_repeat (todo (f)), ==, "weekly:mon,wed/2");
  {
    g_autofree char *words = cairn_format_repeat ("weekly:mon,wed/2");

    g_assert_cmpstr (words, ==, "Every 2 weeks on Mon, Wed");
    g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find (p, "repeat_row"))), ==, words);
  }
  click (find (p, "repeat_clear_button"));
  g_assert_null (cairn_todo_get_repeat (todo (f)));

  /* Tags: a new name creates the tag; the chip's button takes it off;
   * a 10,000-character name is refused with a message. */
  entry = find (p, "tag_entry");
  activate_entry (entry, "Errands");
  g_assert_cmpuint (g_strv_length ((char **) cairn_todo_get_tag_ids (todo (f))), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (cairn_pool_get_tags (f->pool)), ==, 1);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  click (find (find (p, "tag_chip"), "remove_tag_button"));
  g_assert_cmpuint (g_strv_length ((char **) cairn_todo_get_tag_ids (todo (f))), ==, 0);
  activate_entry (entry, "errands");    /* the same tag, not a second one */
  g_assert_cmpuint (g_list_model_get_n_items (cairn_pool_get_tags (f->pool)), ==, 1);
  g_assert_cmpuint (g_strv_length ((char **) cairn_todo_get_tag_ids (todo (f))), ==, 1);
  {
    g_autofree char *huge = g_strnfill (10000, 'x');

    activate_entry (entry, huge);
    g_assert_true (gtk_widget_get_visible (find (p, "tag_error")));
    g_assert_cmpstr (label_text (find (p, "tag_error")), ==, "A tag name can have at most 64 characters");
    g_assert_cmpuint (g_list_model_get_n_items (cairn_pool_get_tags (f->pool)), ==, 1);
    g_assert_cmpuint (g_strv_length ((char **) cairn_todo_get_tag_ids (todo (f))), ==, 1);
  }

  /* Subtasks: add three, complete one, move the last up with Alt+Up. */
  entry = find (p, "subtask_entry");
  activate_entry (entry, "Oat");
  activate_entry (entry, "Soy");
  activate_entry (entry, "Almond");
  subs = cairn_pool_list_subtasks (f->pool, f->todo_id);
  g_assert_cmpuint (subs->len, ==, 3);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (find (p, "subtask_check")), TRUE);
  g_assert_true (cairn_todo_get_done (subs->pdata[0]));
  {
    GtkWidget *row = gtk_widget_get_last_child (find (p, "subtasks_list"));
    g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (row);
    gboolean handled = FALSE;

    g_assert_cmpstr (gtk_widget_get_name (row), ==, "subtask_row");
    for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
      {
        g_autoptr(GObject) c = g_list_model_get_item (controllers, i);

        if (GTK_IS_EVENT_CONTROLLER_KEY (c))
          g_signal_emit_by_name (c, "key-pressed", GDK_KEY_Up, 0, GDK_ALT_MASK, &handled);
      }
    g_assert_true (handled);
  }
  g_clear_pointer (&subs, g_ptr_array_unref);
  subs = cairn_pool_list_subtasks (f->pool, f->todo_id);
  g_assert_cmpstr (cairn_todo_get_title (subs->pdata[1]), ==, "Almond");
  g_assert_cmpstr (cairn_todo_get_title (subs->pdata[2]), ==, "Soy");

  /* A subtask opens in the pane, with a way back up to its parent. */
  g_assert_false (gtk_widget_get_visible (find (p, "parent_button")));
  g_signal_emit_by_name (find (p, "subtasks_list"), "row-activated",
                         gtk_widget_get_last_child (find (p, "subtasks_list")));
  g_assert_cmpstr (cairn_task_details_get_todo_id (pane (f)), ==, cairn_todo_get_id (subs->pdata[2]));
  g_assert_true (gtk_widget_get_visible (find (p, "parent_button")));
  g_assert_cmpstr (label_text (find (p, "parent_label")), ==, "In “Buy oat milk”");
  click (find (p, "parent_button"));
  g_assert_cmpstr (cairn_task_details_get_todo_id (pane (f)), ==, f->todo_id);
}

/* ---- Store to pane ------------------------------------------------------- */

static void
test_follows_store (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tag = NULL;
  g_autofree char *sub = NULL;
  TitleWait w = { f, "Buy oat milk" };
  GtkWidget *p;

  open_pane (f);
  p = GTK_WIDGET (pane (f));

  g_assert_true (cairn_store_rename_todo (f->store, f->todo_id, "Buy oat milk", &error));
  g_assert_true (cairn_test_wait_until (title_entry_says, &w));
  g_assert_true (cairn_store_set_todo_priority (f->store, f->todo_id, "medium", &error));
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (find (p, "priority_row"))), ==, 2);
  g_assert_true (cairn_store_set_todo_due_time (f->store, f->todo_id, "2027-01-02", "07:15", &error));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find (p, "due_row"))), "07:15"));
  g_assert_true (cairn_store_set_todo_repeat (f->store, f->todo_id, "daily/3", &error));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (find (p, "repeat_row"))), ==, "Every 3 days");
  tag = cairn_store_create_tag (f->store, "Shop", NULL, &error);
  g_assert_true (cairn_store_set_todo_tagged (f->store, f->todo_id, tag, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (gtk_widget_get_visible (find (p, "tags_box")));
  wait_label (p, "Shop");
  g_assert_true (cairn_store_rename_tag (f->store, tag, "Shopping", &error));
  wait_label (p, "Shopping");
  sub = cairn_store_create_subtask (f->store, f->list_id, f->todo_id, "Oat", NULL, NULL, &error);
  g_assert_no_error (error);
  wait_label (find (p, "subtasks_list"), "Oat");

  /* Deleting the task closes the pane. */
  g_assert_true (cairn_store_delete_todo (f->store, f->todo_id, &error));
  g_assert_true (cairn_test_wait_until (pane_closed, f));
}

/* ---- Notes --------------------------------------------------------------- */

static gboolean
notes_saved (gpointer data)
{
  Fixture *f = data;
  g_autofree char *notes = cairn_store_dup_todo_notes (f->store, f->todo_id, NULL);

  return g_strcmp0 (notes, "Lactose free") == 0;
}

static void
test_notes_and_remote_rename (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) other = test_store_open_at (f->dir, "local.db");
  TitleWait w = { f, "Buy oat milk" };
  GtkTextView *view;
  GtkTextBuffer *buffer;
  GtkTextIter iter;
  guint pending;

  open_pane (f);
  view = GTK_TEXT_VIEW (find (GTK_WIDGET (pane (f)), "notes_view"));
  buffer = gtk_text_view_get_buffer (view);
  g_assert_true (gtk_text_view_get_editable (view));

  /* Typing is one todo.notes_edited once the burst is over. */
  pending = cairn_store_get_pending_count (f->store);
  gtk_text_buffer_insert_at_cursor (buffer, "Lactose", -1);
  gtk_text_buffer_insert_at_cursor (buffer, " free", -1);
  g_assert_true (cairn_test_wait_until (notes_saved, f));
  g_assert_cmpuint (cairn_store_get_pending_count (f->store), ==, pending + 1);

  /* Typing more, then another connection renames the task before it is
   * saved: the text and the cursor stay. */
  gtk_text_buffer_get_iter_at_offset (buffer, &iter, 7);
  gtk_text_buffer_place_cursor (buffer, &iter);
  gtk_text_buffer_insert_at_cursor (buffer, ",", -1);
  g_assert_true (cairn_note_buffer_has_unflushed (cairn_task_details_get_notes_buffer (pane (f))));
  g_assert_true (cairn_store_rename_todo (other, f->todo_id, "Buy oat milk", &error));
  g_assert_true (cairn_store_check_external (f->store, &error));
  g_assert_no_error (error);
  g_assert_true (cairn_test_wait_until (title_entry_says, &w));
  {
    g_autofree char *text = NULL;
    GtkTextIter start, end;

    gtk_text_buffer_get_bounds (buffer, &start, &end);
    text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    g_assert_cmpstr (text, ==, "Lactose, free");
  }
  gtk_text_buffer_get_iter_at_mark (buffer, &iter, gtk_text_buffer_get_insert (buffer));
  g_assert_cmpint (gtk_text_iter_get_offset (&iter), ==, 8);

  /* Closing saves what was typed. */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.close-task", NULL);
  {
    g_autofree char *notes = cairn_store_dup_todo_notes (f->store, f->todo_id, &error);
    g_assert_cmpstr (notes, ==, "Lactose, free");
  }
}

/* The events pending in `from`, numbered as the server would. */
static GPtrArray *
take_as_server (CairnStore *from,
                gint64      first_seq)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *events = cairn_store_list_pending (from, 0, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    ((CairnEvent *) events->pdata[i])->seq = first_seq + i;
  return events;
}

/* Another device, through the server's order (a rebase): while typing in
 * the notes is unsaved here, it renames the task, tags it and writes at
 * the start of the notes; the pane shows all of it, the typing stays and
 * the cursor stays before the same word. */
static void
test_remote_device (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) remote = test_store_open_at (f->dir, "remote.db");
  g_autoptr(GPtrArray) ours = NULL;
  g_autoptr(GPtrArray) theirs = NULL;
  g_autoptr(CairnText) text = NULL;
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  g_autofree char *tag = NULL;
  TitleWait w = { f, "Buy oat milk" };
  GtkTextBuffer *buffer;
  GtkTextIter iter;
  GtkWidget *p;

  /* The notes start as "Buy:" on both: so that the typing here and the
   * other device's insertion have different places in the text (two
   * insertions into an empty text at once are ordered by the devices'
   * ids, which are random here). */
  {
    g_autoptr(CairnText) base = cairn_store_load_todo_notes (f->store, f->todo_id, &error);
    g_autoptr(CairnTextOps) base_ops = cairn_text_ops_new ();

    g_assert_no_error (error);
    g_assert_true (cairn_text_insert (base, 0, "Buy:", -1, base_ops, &error));
    g_assert_true (cairn_store_edit_todo_notes (f->store, f->todo_id, base_ops, &error));
  }
  /* The server takes what this device made; the other device has it. */
  ours = take_as_server (f->store, 1);
  g_assert_true (cairn_store_rebase (f->store, ours, "h1", &error));
  g_assert_true (cairn_store_rebase (remote, ours, "h1", &error));
  g_assert_no_error (error);

  open_pane (f);
  p = GTK_WIDGET (pane (f));
  cairn_note_buffer_set_flush_delay (cairn_task_details_get_notes_buffer (pane (f)), 60000);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (find (p, "notes_view")));
  gtk_text_buffer_get_end_iter (buffer, &iter);
  gtk_text_buffer_insert (buffer, &iter, " soy milk", -1);
  gtk_text_buffer_get_iter_at_offset (buffer, &iter, 9);   /* before "milk" */
  gtk_text_buffer_place_cursor (buffer, &iter);

  g_assert_true (cairn_store_rename_todo (remote, f->todo_id, "Buy oat milk", &error));
  tag = cairn_store_create_tag (remote, "Dairy", NULL, &error);
  g_assert_true (cairn_store_set_todo_tagged (remote, f->todo_id, tag, TRUE, &error));
  text = cairn_store_load_todo_notes (remote, f->todo_id, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_text_insert (text, 0, "No ", -1, ops, &error));
  g_assert_true (cairn_store_edit_todo_notes (remote, f->todo_id, ops, &error));
  theirs = take_as_server (remote, 1 + ours->len);
  g_assert_true (cairn_store_rebase (f->store, theirs, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (cairn_test_wait_until (title_entry_says, &w));
  wait_label (find (p, "tags_box"), "Dairy");
  {
    g_autofree char *shown = NULL;
    GtkTextIter start, end;

    gtk_text_buffer_get_bounds (buffer, &start, &end);
    shown = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    g_assert_cmpstr (shown, ==, "No Buy: soy milk");
  }
  gtk_text_buffer_get_iter_at_mark (buffer, &iter, gtk_text_buffer_get_insert (buffer));
  g_assert_cmpint (gtk_text_iter_get_offset (&iter), ==, 12);    /* still before "milk" */
  g_assert_true (cairn_note_buffer_has_unflushed (cairn_task_details_get_notes_buffer (pane (f))));
}

/* ---- Narrow window ------------------------------------------------------- */

static gboolean
flap_folded (gpointer data)
{
  Fixture *f = data;

  return adw_flap_get_folded (flap (f)) && gtk_widget_get_mapped (GTK_WIDGET (pane (f)));
}

static void
test_narrow (Fixture       *f,
             gconstpointer  data)
{
  open_pane (f);
  /* At 360 px the pane slides over the list, with its close button. */
  g_assert_true (cairn_test_wait_until (flap_folded, f));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->window)), ==, 360);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (pane (f))));
  g_assert_true (gtk_widget_get_mapped (find (GTK_WIDGET (pane (f)), "close_button")));
  click (find (GTK_WIDGET (pane (f)), "close_button"));
  g_assert_true (cairn_test_wait_until (pane_closed, f));
}

/* ---- Row decorations ----------------------------------------------------- */

typedef struct
{
  Fixture    *f;
  const char *name;
  const char *tooltip;
} BadgeWait;

static gboolean
badge_says (gpointer data)
{
  BadgeWait *w = data;
  GtkWidget *row = cairn_test_find_todo_row (GTK_WIDGET (w->f->window), "Buy milk");
  GtkWidget *badge = row != NULL ? cairn_test_find_first (row, named, w->name) : NULL;

  if (w->tooltip == NULL)
    return row != NULL && (badge == NULL || !gtk_widget_get_mapped (badge));
  return badge != NULL && gtk_widget_get_mapped (badge) &&
         g_strcmp0 (gtk_widget_get_tooltip_text (badge), w->tooltip) == 0;
}

static void
wait_badge (Fixture    *f,
            const char *name,
            const char *tooltip)
{
  BadgeWait w = { f, name, tooltip };

  if (!cairn_test_wait_until (badge_says, &w))
    g_error ("badge %s does not say %s", name, tooltip);
}

static void
test_row_decorations (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL;
  const char *names[] = { "Alpha", "Beta", "Gamma", "Delta", "Epsilon" };

  wait_badge (f, "priority_badge", NULL);
  g_assert_true (cairn_store_set_todo_priority (f->store, f->todo_id, "high", &error));
  wait_badge (f, "priority_badge", "High priority");

  a = cairn_store_create_subtask (f->store, f->list_id, f->todo_id, "Oat", NULL, NULL, &error);
  g_free (cairn_store_create_subtask (f->store, f->list_id, f->todo_id, "Soy", NULL, NULL, &error));
  g_assert_no_error (error);
  wait_badge (f, "subtasks_badge", "0 of 2 subtasks done");
  g_assert_true (cairn_store_set_todo_done (f->store, a, TRUE, &error));
  wait_badge (f, "subtasks_badge", "1 of 2 subtasks done");
  g_assert_nonnull (cairn_test_find_label (cairn_test_find_todo_row (GTK_WIDGET (f->window), "Buy milk"),
                                           "1/2", CAIRN_TEST_LABEL_IS));

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *tag = cairn_store_create_tag (f->store, names[i], NULL, &error);
      g_assert_true (cairn_store_set_todo_tagged (f->store, f->todo_id, tag, TRUE, &error));
    }
  /* By name: Alpha, Beta, Delta, then "+2". */
  wait_badge (f, "more_tags_badge", "2 more tags");
  wait_badge (f, "tag_badge", "Tag Alpha");

  g_assert_true (cairn_store_set_todo_repeat (f->store, f->todo_id, "weekly", &error));
  wait_badge (f, "repeat_badge", "Repeats");
  g_assert_true (cairn_store_set_todo_due_time (f->store, f->todo_id, "2027-01-02", "18:45", &error));
  wait_badge (f, "time_badge", "Due at 18:45");
  g_assert_true (cairn_store_set_todo_due_time (f->store, f->todo_id, NULL, NULL, &error));
  wait_badge (f, "time_badge", NULL);
}

static void
test_parse_time (void)
{
  const char *good[][2] = { { "9:05", "09:05" }, { "23:59", "23:59" }, { " 00:00 ", "00:00" } };
  const char *bad[] = { "25:00", "12:60", "", "12", "1:5", "12:30x", "-1:00", "+1:00", "ab:cd" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *t = cairn_parse_time_of_day (good[i][0]);
      g_assert_cmpstr (t, ==, good[i][1]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *t = cairn_parse_time_of_day (bad[i]);
      g_assert_null (t);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  cairn_test_init_ui (&argc, &argv);

#define ADD(path, fn, narrow) \
  g_test_add (path, Fixture, GINT_TO_POINTER (narrow), fixture_set_up, fn, fixture_tear_down)
  g_test_add_func ("/details/parse-time", test_parse_time);
  ADD ("/details/open-and-close", test_open_and_close, FALSE);
  ADD ("/details/edit-fields", test_edit_fields, FALSE);
  ADD ("/details/follows-store", test_follows_store, FALSE);
  ADD ("/details/notes-and-remote-rename", test_notes_and_remote_rename, FALSE);
  ADD ("/details/remote-device", test_remote_device, FALSE);
  ADD ("/details/narrow", test_narrow, TRUE);
  ADD ("/details/row-decorations", test_row_decorations, FALSE);
#undef ADD

  return g_test_run ();
}

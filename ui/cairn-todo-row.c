/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-todo-row.c: one task row; edits become store events.
 *
 * GTK 4.8's GtkListView keeps 200 rows alive whatever its height, most of
 * them off screen, and a row's widgets (an entry and two menu buttons) are
 * what starting up with a long list cost: some 11 MB and 80 ms for 200
 * rows. So a row makes its widgets the first time it is laid out: the list
 * view allocates only the rows on screen, so those are made in the frame
 * that shows them. Until then a row is an empty shell that measures like
 * the last row that was made (the first row measured makes itself for
 * that). */
#define G_LOG_DOMAIN "cairn-todo-row"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-task-badges.h"
#include "cairn-ui.h"
#include "cairn-todo-row.h"
#include "cairn-window-undo.h"
#include "cairn-window.h"

struct _CairnTodoRow
{
  GtkWidget       parent_instance;

  CairnPool      *pool;
  CairnTodo      *todo;
  gulong          notify_id;
  GMenu          *move_menu;
  guint           updating : 1;

  GtkWidget      *content;       /* NULL until made (cairn_todo_row_build()) */
  GtkCheckButton *done_check;
  GtkEntry       *title_entry;
  GtkEventControllerFocus *title_focus;
  GtkMenuButton  *due_button;
  GtkPopover     *due_popover;
  GtkWidget      *clear_due_button;   /* shown only when a due date is set */
  GtkCalendar    *calendar;
  GtkMenuButton  *menu_button;
  GtkLabel       *list_label;    /* the task's list, in smart views only */
  CairnList      *list;          /* followed for its title (list_label) */
  gulong          list_notify_id;
  guint           show_list : 1;
  GtkWidget      *badges;        /* CairnTaskBadges, under the title */
};

G_DEFINE_FINAL_TYPE (CairnTodoRow, cairn_todo_row, GTK_TYPE_WIDGET)

static void on_menu_shown         (CairnTodoRow *self);
static void cairn_todo_row_build  (CairnTodoRow *self);
static void on_due_popover_closed (GtkPopover   *popover,
                                   CairnTodoRow *self);

char *
cairn_format_due (const char *due,
                  GDateTime  *now)
{
  g_autoptr(GDateTime) date = NULL;
  g_autofree char *iso = NULL;
  int days;
  int y, m, d;

  if (due == NULL || sscanf (due, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
      !g_date_valid_dmy (d, m, y))
    return NULL;

  date = g_date_time_new_local (y, m, d, 0, 0, 0);
  {
    g_autoptr(GDateTime) today =
      g_date_time_new_local (g_date_time_get_year (now),
                             g_date_time_get_month (now),
                             g_date_time_get_day_of_month (now), 0, 0, 0);
    days = (int) (g_date_time_difference (date, today) / G_TIME_SPAN_DAY);
  }

  if (days == 0)
    return g_strdup (_("Today"));
  if (days == 1)
    return g_strdup (_("Tomorrow"));
  if (days == -1)
    return g_strdup (_("Yesterday"));
  if (g_date_time_get_year (date) == g_date_time_get_year (now))
    /* Translators: a due date in this year, as strftime() format */
    return g_date_time_format (date, C_("due date", "%b %-d"));
  return g_date_time_format (date, "%x");
}

static void
sync_list_label (CairnTodoRow *self)
{
  if (self->list_label == NULL)
    return;
  gtk_label_set_label (self->list_label, self->list == NULL ? "" :
                       g_str_equal (cairn_list_get_id (self->list), CAIRN_INBOX_ID) ?
                       _("Inbox") : cairn_list_get_title (self->list));
}

/* Smart views: the row names the task's list and follows its renames. */
static void
follow_list (CairnTodoRow *self,
             CairnList    *list)
{
  if (self->list != list)
    {
      if (self->list != NULL)
        g_clear_signal_handler (&self->list_notify_id, self->list);
      g_set_object (&self->list, list);
      if (list != NULL)
        self->list_notify_id = g_signal_connect_swapped (list, "notify::title",
                                                         G_CALLBACK (sync_list_label), self);
    }
  sync_list_label (self);
}

static void
cairn_todo_row_sync (CairnTodoRow *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *due_text = NULL;
  g_autofree char *done_label = NULL;
  const char *title;
  const char *due;
  gboolean done;

  if (self->todo == NULL || self->content == NULL)
    return;

  title = cairn_todo_get_title (self->todo);
  due = cairn_todo_get_due (self->todo);
  done = cairn_todo_get_done (self->todo);

  self->updating = TRUE;

  gtk_check_button_set_active (self->done_check, done);
  /* Never overwrite what the user is typing; the next sync catches up. */
  if (!gtk_event_controller_focus_contains_focus (self->title_focus) &&
      g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->title_entry)), title) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->title_entry), title);

  if (done)
    gtk_widget_add_css_class (GTK_WIDGET (self->title_entry), "done-title");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->title_entry), "done-title");

  due_text = cairn_format_due (due, now);
  gtk_widget_set_visible (GTK_WIDGET (self->due_button), due_text != NULL);
  if (due_text != NULL)
    {
      g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
      g_autofree char *due_label = g_strdup_printf (_("Due %s"), due_text);

      gtk_menu_button_set_label (self->due_button, due_text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->due_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, due_label,
                                      -1);
      if (!done && strcmp (due, today) < 0)
        gtk_widget_add_css_class (GTK_WIDGET (self->due_button), "overdue");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self->due_button), "overdue");
    }

  if (self->list_label != NULL)
    follow_list (self, cairn_pool_lookup_list (self->pool, cairn_todo_get_list_id (self->todo)));

  done_label = g_strdup_printf (_("“%s” done"), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->done_check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, done_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->title_entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Task title"),
                                  -1);

  self->updating = FALSE;
}

static void
on_todo_notify (CairnTodoRow *self)
{
  cairn_todo_row_sync (self);
}

static void
on_done_toggled (GtkCheckButton *check,
                 CairnTodoRow   *self)
{
  g_autoptr(GError) error = NULL;
  gboolean active = gtk_check_button_get_active (check);

  if (self->updating || self->todo == NULL ||
      active == cairn_todo_get_done (self->todo))
    return;

  if (!_cairn_undo_set_todo_done (GTK_WIDGET (self), self->pool,
                                  cairn_todo_get_id (self->todo), active, &error))
    {
      cairn_window_report_error (GTK_WIDGET (self), _("Could not change the task"), error);
      cairn_todo_row_sync (self);
    }
}

/* Renames the task to what the title entry says (on Enter or when the
 * focus leaves it). A blank title would hide the task: the old one stays. */
static void
commit_title (CairnTodoRow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;

  if (self->updating || self->todo == NULL)
    return;

  title = cairn_ui_clean_title (gtk_editable_get_text (GTK_EDITABLE (self->title_entry)));
  if (title[0] != '\0' && !g_str_equal (title, cairn_todo_get_title (self->todo)) &&
      !_cairn_undo_rename_todo (GTK_WIDGET (self), self->pool,
                                cairn_todo_get_id (self->todo), title, &error))
    {
      cairn_window_report_error (GTK_WIDGET (self), _("Could not rename the task"), error);
      /* A full disk: keep what was typed, for the next Enter. */
      if (g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NO_SPACE))
        return;
    }

  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->title_entry)),
                 cairn_todo_get_title (self->todo)) != 0)
    {
      self->updating = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->title_entry), cairn_todo_get_title (self->todo));
      self->updating = FALSE;
    }
}

static void
on_title_activate (GtkEntry     *entry,
                   CairnTodoRow *self)
{
  commit_title (self);
}

static void
on_title_focus_leave (CairnTodoRow *self)
{
  commit_title (self);
}

static void
set_due (CairnTodoRow *self,
         const char   *due)
{
  g_autoptr(GError) error = NULL;

  if (self->todo == NULL || g_strcmp0 (due, cairn_todo_get_due (self->todo)) == 0)
    return;

  if (!_cairn_undo_set_todo_due (GTK_WIDGET (self), self->pool,
                                 cairn_todo_get_id (self->todo), due, &error))
    cairn_window_report_error (GTK_WIDGET (self), _("Could not set the due date"), error);
}

static void
on_day_selected (GtkCalendar  *calendar,
                 CairnTodoRow *self)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (calendar);
  g_autofree char *due = g_date_time_format (date, "%Y-%m-%d");

  if (self->updating)
    return;

  set_due (self, due);
  gtk_popover_popdown (self->due_popover);
}

/* Shows the task's due date (or today) in the calendar. */
static void
sync_calendar (CairnTodoRow *self)
{
  g_autoptr(GDateTime) date = NULL;
  const char *due;
  int y, m, d;

  if (self->todo == NULL || self->calendar == NULL)
    return;

  due = cairn_todo_get_due (self->todo);
  if (due != NULL && sscanf (due, "%4d-%2d-%2d", &y, &m, &d) == 3 &&
      g_date_valid_dmy (d, m, y))
    date = g_date_time_new_local (y, m, d, 0, 0, 0);
  else
    date = g_date_time_new_now_local ();

  self->updating = TRUE;
  gtk_calendar_select_day (self->calendar, date);
  self->updating = FALSE;
  gtk_widget_set_visible (self->clear_due_button, due != NULL);
}

/* The popovers are made on first use: a list shows many rows, and a
 * calendar and a menu for each would make scrolling and start-up slow. */
static void
create_due_popover (GtkMenuButton *button,
                    gpointer       user_data)
{
  CairnTodoRow *self = user_data;
  GtkWidget *box, *clear;

  if (self->due_popover != NULL)
    return;

  self->calendar = GTK_CALENDAR (gtk_calendar_new ());
  gtk_widget_set_name (GTK_WIDGET (self->calendar), "calendar");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->calendar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Due Date"), -1);
  g_signal_connect (self->calendar, "day-selected", G_CALLBACK (on_day_selected), self);
  clear = gtk_button_new_with_mnemonic (_("_Remove Due Date"));
  gtk_widget_set_name (clear, "clear_due_button");
  self->clear_due_button = clear;
  gtk_actionable_set_action_name (GTK_ACTIONABLE (clear), "task.clear-due");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->calendar));
  gtk_box_append (GTK_BOX (box), clear);
  self->due_popover = GTK_POPOVER (gtk_popover_new ());
  gtk_popover_set_child (self->due_popover, box);
  g_signal_connect (self->due_popover, "closed", G_CALLBACK (on_due_popover_closed), self);
  gtk_menu_button_set_popover (self->due_button, GTK_WIDGET (self->due_popover));
  sync_calendar (self);
}

static void
create_menu (GtkMenuButton *button,
             gpointer       user_data)
{
  CairnTodoRow *self = user_data;
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) first = g_menu_new ();
  g_autoptr(GMenu) last = g_menu_new ();

  self->move_menu = g_menu_new ();
  g_menu_append (first, _("_Details"), "task.show-details");
  g_menu_append (first, _("Set _Due Date…"), "task.pick-due");
  g_menu_append_submenu (first, _("_Move To"), G_MENU_MODEL (self->move_menu));
  g_menu_append (last, _("_Delete"), "task.delete");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (first));
  /* Reordering (ui/cairn-todo-dnd.c): the list view's moves of the task
   * holding the focus, which this menu's button does while it is open. */
  {
    g_autoptr(GMenu) order = g_menu_new ();

    g_menu_append (order, _("Move _Up"), "view.move-task-up-focused");
    g_menu_append (order, _("Move Do_wn"), "view.move-task-down-focused");
    g_menu_append (order, _("_Indent"), "view.indent-task-focused");
    g_menu_append (order, _("_Outdent"), "view.outdent-task-focused");
    g_menu_append_section (menu, NULL, G_MENU_MODEL (order));
  }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (last));
  gtk_menu_button_set_menu_model (self->menu_button, G_MENU_MODEL (menu));
  g_signal_connect_swapped (gtk_menu_button_get_popover (self->menu_button), "show",
                            G_CALLBACK (on_menu_shown), self);
  on_menu_shown (self);
}

static void
task_clear_due (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CairnTodoRow *self = CAIRN_TODO_ROW (widget);

  set_due (self, NULL);
  gtk_popover_popdown (self->due_popover);
}

static void
popup_when_mapped (GtkMenuButton *button,
                   CairnTodoRow  *self)
{
  g_signal_handlers_disconnect_by_func (button, popup_when_mapped, self);
  gtk_menu_button_popup (button);
}

static void
task_pick_due (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CairnTodoRow *self = CAIRN_TODO_ROW (widget);

  if (self->todo == NULL)
    return;

  cairn_todo_row_build (self);
  create_due_popover (self->due_button, self);
  sync_calendar (self);
  /* The popover hangs off the due button, shown while it is open; a
   * button that was hidden can only pop up once it is on screen. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self->due_button)))
    gtk_menu_button_popup (self->due_button);
  else
    {
      g_signal_connect (self->due_button, "map", G_CALLBACK (popup_when_mapped), self);
      gtk_widget_set_visible (GTK_WIDGET (self->due_button), TRUE);
    }
}

static void
on_due_popover_closed (GtkPopover   *popover,
                       CairnTodoRow *self)
{
  cairn_todo_row_sync (self);
}

static void
task_delete (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CairnTodoRow *self = CAIRN_TODO_ROW (widget);

  if (self->todo == NULL)
    return;

  /* The window deletes and offers Undo in a toast. */
  gtk_widget_activate_action (widget, "win.delete-task", "s",
                              cairn_todo_get_id (self->todo));
}

static void
task_move_to (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CairnTodoRow *self = CAIRN_TODO_ROW (widget);
  g_autoptr(GError) error = NULL;
  const char *list_id = g_variant_get_string (parameter, NULL);

  if (self->todo == NULL || g_str_equal (list_id, cairn_todo_get_list_id (self->todo)))
    return;

  if (!_cairn_undo_move_todo (widget, self->pool,
                              cairn_todo_get_id (self->todo), list_id,
                              NULL, NULL, &error))
    cairn_window_report_error (widget, _("Could not move the task"), error);
}

/* Fills "Move To" with the other lists each time the menu opens. */
static void
on_menu_shown (CairnTodoRow *self)
{
  GListModel *lists;

  if (self->todo == NULL)
    return;

  g_menu_remove_all (self->move_menu);
  lists = cairn_pool_get_lists (self->pool);
  for (guint i = 0; i < g_list_model_get_n_items (lists); i++)
    {
      g_autoptr(CairnList) list = g_list_model_get_item (lists, i);
      g_autoptr(GMenuItem) item = NULL;

      if (g_str_equal (cairn_list_get_id (list), cairn_todo_get_list_id (self->todo)))
        continue;
      item = g_menu_item_new (g_str_equal (cairn_list_get_id (list), CAIRN_INBOX_ID) ?
                              _("Inbox") : cairn_list_get_title (list), NULL);
      g_menu_item_set_action_and_target (item, "task.move-to", "s",
                                         cairn_list_get_id (list));
      g_menu_append_item (self->move_menu, item);
    }
}

/* The widgets of a row that comes on screen (see the top of the file). */
static void
cairn_todo_row_build (CairnTodoRow *self)
{
  GtkWidget *box;

  if (self->content != NULL)
    return;

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->done_check = GTK_CHECK_BUTTON (gtk_check_button_new ());
  gtk_widget_set_name (GTK_WIDGET (self->done_check), "done_check");
  gtk_widget_set_valign (GTK_WIDGET (self->done_check), GTK_ALIGN_CENTER);
  g_signal_connect (self->done_check, "toggled", G_CALLBACK (on_done_toggled), self);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->done_check));

  self->title_entry = GTK_ENTRY (gtk_entry_new ());
  cairn_ui_limit_title_entry (self->title_entry);
  gtk_widget_set_name (GTK_WIDGET (self->title_entry), "title_entry");
  gtk_widget_set_hexpand (GTK_WIDGET (self->title_entry), TRUE);
  gtk_widget_set_valign (GTK_WIDGET (self->title_entry), GTK_ALIGN_CENTER);
  gtk_entry_set_has_frame (self->title_entry, FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->title_entry), "title-entry");
  g_signal_connect (self->title_entry, "activate", G_CALLBACK (on_title_activate), self);
  self->title_focus = GTK_EVENT_CONTROLLER_FOCUS (gtk_event_controller_focus_new ());
  g_signal_connect_swapped (self->title_focus, "leave", G_CALLBACK (on_title_focus_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self->title_entry),
                             GTK_EVENT_CONTROLLER (self->title_focus));
  {
    /* Under the title: the task's list in smart views, then the task
     * details' decorations (CairnTaskBadges), on one line. */
    GtkWidget *title_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
    GtkWidget *meta_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);

    gtk_widget_set_hexpand (title_box, TRUE);
    gtk_widget_set_valign (title_box, GTK_ALIGN_CENTER);
    gtk_box_append (GTK_BOX (title_box), GTK_WIDGET (self->title_entry));
    if (self->show_list)
      {
        self->list_label = GTK_LABEL (gtk_label_new (NULL));
        gtk_widget_set_name (GTK_WIDGET (self->list_label), "list_label");
        gtk_label_set_xalign (self->list_label, 0);
        gtk_label_set_ellipsize (self->list_label, PANGO_ELLIPSIZE_END);
        /* Beside the decorations it keeps a few letters, as tags do. */
        gtk_label_set_width_chars (self->list_label, 6);
        gtk_widget_add_css_class (GTK_WIDGET (self->list_label), "caption");
        gtk_widget_add_css_class (GTK_WIDGET (self->list_label), "dim-label");
        gtk_widget_add_css_class (GTK_WIDGET (self->list_label), "list-name");
        gtk_box_append (GTK_BOX (meta_box), GTK_WIDGET (self->list_label));
      }
    self->badges = cairn_task_badges_new (self->pool);
    gtk_widget_set_name (self->badges, "badges");
    gtk_box_append (GTK_BOX (meta_box), self->badges);
    gtk_box_append (GTK_BOX (title_box), meta_box);
    gtk_box_append (GTK_BOX (box), title_box);
  }

  self->due_button = GTK_MENU_BUTTON (gtk_menu_button_new ());
  gtk_widget_set_name (GTK_WIDGET (self->due_button), "due_button");
  gtk_widget_set_valign (GTK_WIDGET (self->due_button), GTK_ALIGN_CENTER);
  gtk_widget_set_visible (GTK_WIDGET (self->due_button), FALSE);
  gtk_widget_add_css_class (GTK_WIDGET (self->due_button), "flat");
  gtk_widget_add_css_class (GTK_WIDGET (self->due_button), "due");
  gtk_menu_button_set_create_popup_func (self->due_button, create_due_popover, self, NULL);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->due_button));

  self->menu_button = GTK_MENU_BUTTON (gtk_menu_button_new ());
  gtk_widget_set_name (GTK_WIDGET (self->menu_button), "menu_button");
  gtk_widget_set_valign (GTK_WIDGET (self->menu_button), GTK_ALIGN_CENTER);
  gtk_menu_button_set_icon_name (self->menu_button, "view-more-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->menu_button), _("Task Menu"));
  gtk_widget_add_css_class (GTK_WIDGET (self->menu_button), "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Task Menu"), -1);
  gtk_menu_button_set_create_popup_func (self->menu_button, create_menu, self, NULL);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->menu_button));

  self->content = box;
  gtk_widget_set_parent (box, GTK_WIDGET (self));

  if (self->todo != NULL)
    {
      self->updating = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->title_entry), cairn_todo_get_title (self->todo));
      self->updating = FALSE;
      cairn_todo_row_sync (self);
      cairn_task_badges_set_todo (CAIRN_TASK_BADGES (self->badges), self->todo);
    }
}

void
cairn_todo_row_prepare (CairnTodoRow *self)
{
  g_return_if_fail (CAIRN_IS_TODO_ROW (self));

  cairn_todo_row_build (self);
}

/* What the last row made measured, per orientation and per kind (with
 * its list named under the title or not): what a shell says. */
static int made_minimum[2][2] = { { -1, -1 }, { -1, -1 } };
static int made_natural[2][2] = { { -1, -1 }, { -1, -1 } };

static void
cairn_todo_row_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  CairnTodoRow *self = CAIRN_TODO_ROW (widget);

  if (self->content == NULL && made_minimum[self->show_list][orientation] < 0)
    cairn_todo_row_build (self);

  if (self->content == NULL)
    {
      *minimum = made_minimum[self->show_list][orientation];
      *natural = made_natural[self->show_list][orientation];
      return;
    }

  gtk_widget_measure (self->content, orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
  made_minimum[self->show_list][orientation] = *minimum;
  made_natural[self->show_list][orientation] = *natural;
}

/* The list view allocates only the rows on screen: those are made here,
 * in the frame that shows them. */
static void
cairn_todo_row_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  CairnTodoRow *self = CAIRN_TODO_ROW (widget);

  if (self->content == NULL)
    {
      int minimum, natural;

      cairn_todo_row_build (self);
      /* Measured before it is allocated, as GTK wants. */
      gtk_widget_measure (self->content, GTK_ORIENTATION_HORIZONTAL, -1,
                          &minimum, &natural, NULL, NULL);
      gtk_widget_measure (self->content, GTK_ORIENTATION_VERTICAL, width,
                          &minimum, &natural, NULL, NULL);
    }
  gtk_widget_allocate (self->content, width, height, baseline, NULL);
}

static void
cairn_todo_row_dispose (GObject *object)
{
  CairnTodoRow *self = CAIRN_TODO_ROW (object);

  cairn_todo_row_set_todo (self, NULL);
  if (self->list != NULL)
    g_clear_signal_handler (&self->list_notify_id, self->list);
  g_clear_object (&self->list);
  g_clear_pointer (&self->content, gtk_widget_unparent);
  g_clear_object (&self->move_menu);
  self->done_check = NULL;
  self->title_entry = NULL;
  self->title_focus = NULL;
  self->due_button = NULL;
  self->menu_button = NULL;
  self->due_popover = NULL;
  self->calendar = NULL;
  self->clear_due_button = NULL;
  self->list_label = NULL;
  self->badges = NULL;
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (cairn_todo_row_parent_class)->dispose (object);
}

/* ---- Task details --------------------------------------------------------- */

/* The row's activation: the window's win.show-task opens the details
 * pane (nothing happens where the window has no such action). */
static void
task_show_details (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CairnTodoRow *self = CAIRN_TODO_ROW (widget);

  if (self->todo != NULL)
    gtk_widget_activate_action (widget, "win.show-task", "s", cairn_todo_get_id (self->todo));
}

static void
on_row_clicked (CairnTodoRow *self)
{
  task_show_details (GTK_WIDGET (self), "task.show-details", NULL);
}

static void
cairn_todo_row_class_init (CairnTodoRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cairn_todo_row_dispose;
  widget_class->measure = cairn_todo_row_measure;
  widget_class->size_allocate = cairn_todo_row_size_allocate;

  gtk_widget_class_set_css_name (widget_class, "todorow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);

  gtk_widget_class_install_action (widget_class, "task.delete", NULL, task_delete);
  gtk_widget_class_install_action (widget_class, "task.move-to", "s", task_move_to);
  gtk_widget_class_install_action (widget_class, "task.pick-due", NULL, task_pick_due);
  gtk_widget_class_install_action (widget_class, "task.clear-due", NULL, task_clear_due);
  /* Task details: a click beside the title, Enter where no control takes
   * it (the title entry renames), Alt+Enter anywhere in the row, or the
   * menu. */
  gtk_widget_class_install_action (widget_class, "task.show-details", NULL, task_show_details);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, 0,
                                       "task.show-details", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_ALT_MASK,
                                       "task.show-details", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_ALT_MASK,
                                       "task.show-details", NULL);
}

static void
cairn_todo_row_init (CairnTodoRow *self)
{
  gtk_widget_set_margin_start (GTK_WIDGET (self), 6);
  gtk_widget_set_margin_end (GTK_WIDGET (self), 6);
  gtk_widget_set_margin_top (GTK_WIDGET (self), 3);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self), 3);
  gtk_widget_add_css_class (GTK_WIDGET (self), "todo-row");
  /* Task details: a click on the row that no control took opens them;
   * the row takes the focus a list view gives its item, so that Enter
   * there opens them too. */
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  {
    GtkGesture *click = gtk_gesture_click_new ();

    g_signal_connect_swapped (click, "released", G_CALLBACK (on_row_clicked), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  }
}

GtkWidget *
cairn_todo_row_new (CairnPool *pool)
{
  CairnTodoRow *self;

  g_return_val_if_fail (CAIRN_IS_POOL (pool), NULL);

  self = g_object_new (CAIRN_TYPE_TODO_ROW, NULL);
  self->pool = g_object_ref (pool);
  return GTK_WIDGET (self);
}

CairnTodo *
cairn_todo_row_get_todo (CairnTodoRow *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO_ROW (self), NULL);

  return self->todo;
}

void
cairn_todo_row_set_todo (CairnTodoRow *self,
                         CairnTodo    *todo)
{
  g_return_if_fail (CAIRN_IS_TODO_ROW (self));
  g_return_if_fail (todo == NULL || CAIRN_IS_TODO (todo));

  if (self->todo == todo)
    return;

  if (self->todo != NULL)
    {
      g_clear_signal_handler (&self->notify_id, self->todo);
      g_clear_object (&self->todo);
    }

  if (todo != NULL)
    {
      self->todo = g_object_ref (todo);
      self->notify_id = g_signal_connect_swapped (todo, "notify",
                                                  G_CALLBACK (on_todo_notify), self);
      if (self->content != NULL)
        {
          self->updating = TRUE;
          gtk_editable_set_text (GTK_EDITABLE (self->title_entry), cairn_todo_get_title (todo));
          self->updating = FALSE;
          cairn_todo_row_sync (self);
        }
    }
  if (self->badges != NULL)
    cairn_task_badges_set_todo (CAIRN_TASK_BADGES (self->badges), todo);
}

void
cairn_todo_row_set_show_list (CairnTodoRow *self,
                              gboolean      show_list)
{
  g_return_if_fail (CAIRN_IS_TODO_ROW (self));
  g_return_if_fail (self->content == NULL);

  self->show_list = !!show_list;
}

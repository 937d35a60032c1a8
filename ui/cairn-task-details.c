/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-task-details.c: the details pane of one task (see the header).
 *
 * The pane shows the pool's CairnTodo and follows its notifications; the
 * subtasks and the tags' names and colours live in other objects, so it
 * also looks at each store ::changed (after the pool has applied it) for
 * the todos and tags it shows. Nothing the person is typing (the title,
 * a new subtask or tag, the notes) is overwritten by a remote change: the
 * notes go through a CairnNoteBuffer, whose remote changes are applied in
 * place so that the cursor stays with its text. */
#define G_LOG_DOMAIN "cairn-task-details"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-event.h"
#include "cairn-history-section.h"
#include "cairn-window-undo.h"
#include "cairn-task-details.h"
#include "cairn-todo-row.h"
#include "cairn-times.h"
#include "cairn-ui.h"
#include "cairn-window.h"

#define TAG_NAME_MAX_CHARS 64

struct _CairnTaskDetails
{
  GtkWidget        parent_instance;

  CairnPool       *pool;
  CairnStore      *store;
  gulong           store_changed_id;
  CairnTodo       *todo;
  gulong           todo_notify_id;
  CairnNoteBuffer *notes_buffer;
  CairnHistorySection *history_section;   /* issue 15 */
  GPtrArray       *subtasks;          /* CairnTodo, as shown */
  GtkListStore    *tag_names;         /* for the tag entry's completion */
  guint            updating : 1;
  guint            applying_remote : 1;

  GtkWidget       *delete_button;
  GtkWidget       *parent_button;
  GtkLabel        *parent_label;
  GtkEntry        *title_entry;
  GtkListBox      *subtasks_list;
  GtkEntry        *subtask_entry;
  GtkFlowBox      *tags_box;
  GtkEntry        *tag_entry;
  GtkLabel        *tag_error;
  AdwComboRow     *priority_row;
  AdwActionRow    *due_row;
  GtkPopover      *due_popover;
  GtkCalendar     *due_calendar;
  GtkEntry        *due_time_entry;
  GtkLabel        *due_error;
  GtkWidget       *due_clear_button;
  GtkWidget       *due_set_button;
  AdwActionRow    *reminder_row;
  GtkPopover      *reminder_popover;
  GtkCalendar     *reminder_calendar;
  GtkEntry        *reminder_time_entry;
  GtkLabel        *reminder_error;
  GtkWidget       *reminder_clear_button;
  GtkWidget       *reminder_set_button;
  AdwActionRow    *repeat_row;
  GtkPopover      *repeat_popover;
  GtkSpinButton   *repeat_every;
  GtkDropDown     *repeat_unit;
  GtkBox          *weekdays_box;
  GtkToggleButton *weekdays[7];
  GtkWidget       *repeat_clear_button;
  GtkWidget       *repeat_set_button;
  GtkTextView     *notes_view;
};

G_DEFINE_FINAL_TYPE (CairnTaskDetails, cairn_task_details, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_TODO_ID, N_PROPS };
static GParamSpec *properties[N_PROPS];

static const char * const priorities[] = { "none", "low", "medium", "high" };
static const char * const weekday_ids[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
static const char * const units[] = { "daily", "weekly", "monthly", "yearly" };

/* ---- Helpers --------------------------------------------------------------- */

char *
cairn_parse_time_of_day (const char *text)
{
  int h, m, n = 0;

  if (text == NULL)
    return NULL;
  while (g_ascii_isspace (*text))
    text++;
  if (!g_ascii_isdigit (*text) ||
      sscanf (text, "%2d:%2d%n", &h, &m, &n) != 2 || n < 4 ||
      !g_ascii_isdigit (text[n - 1]) || !g_ascii_isdigit (text[n - 2]))
    return NULL;
  for (const char *p = text + n; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return NULL;
  if (h < 0 || h > 23 || m < 0 || m > 59)
    return NULL;
  return g_strdup_printf ("%02d:%02d", h, m);
}

char *
cairn_format_repeat (const char *rule)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *days = NULL;
  const char *unit;
  int every = 1;
  const char *slash;
  g_autofree char *base = NULL;

  if (rule == NULL || !cairn_is_repeat_rule (rule))
    return NULL;
  slash = strchr (rule, '/');
  if (slash != NULL)
    every = atoi (slash + 1);
  base = slash != NULL ? g_strndup (rule, slash - rule) : g_strdup (rule);
  parts = g_strsplit (base, ":", 2);
  unit = parts[0];
  if (parts[1] != NULL)
    {
      g_auto(GStrv) ids = g_strsplit (parts[1], ",", -1);
      g_autoptr(GString) names = g_string_new (NULL);
      /* 2026-12-07 is a Monday: the locale's short weekday names. */
      for (guint i = 0; ids[i] != NULL; i++)
        for (guint d = 0; d < 7; d++)
          if (g_str_equal (ids[i], weekday_ids[d]))
            {
              g_autoptr(GDateTime) date = g_date_time_new_utc (2026, 12, 7 + d, 0, 0, 0);
              g_autofree char *name = g_date_time_format (date, "%a");

              if (names->len > 0)
                g_string_append (names, ", ");
              g_string_append (names, name);
            }
      days = g_string_free (g_steal_pointer (&names), FALSE);
    }

  {
    g_autofree char *head = NULL;

    if (g_str_equal (unit, "daily"))
      head = every == 1 ? g_strdup (_("Every day"))
                        : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %d day", "Every %d days", every), every);
    else if (g_str_equal (unit, "weekly"))
      head = every == 1 ? g_strdup (_("Every week"))
                        : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %d week", "Every %d weeks", every), every);
    else if (g_str_equal (unit, "monthly"))
      head = every == 1 ? g_strdup (_("Every month"))
                        : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %d month", "Every %d months", every), every);
    else
      head = every == 1 ? g_strdup (_("Every year"))
                        : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Every %d year", "Every %d years", every), every);
    if (days != NULL)
      /* Translators: a repeat: "Every 2 weeks" on "Mon, Wed" */
      return g_strdup_printf (C_("repeat", "%s on %s"), head, days);
    return g_steal_pointer (&head);
  }
}

static GDateTime *
date_from_iso (const char *date)
{
  int y, m, d;

  if (date == NULL || sscanf (date, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
      !g_date_valid_dmy (d, m, y))
    return NULL;
  return g_date_time_new_local (y, m, d, 0, 0, 0);
}

static void
report (CairnTaskDetails *self,
        const char       *what,
        const GError     *error)
{
  cairn_window_report_error (GTK_WIDGET (self), what, error);
}

static const char *
todo_id (CairnTaskDetails *self)
{
  return self->todo != NULL ? cairn_todo_get_id (self->todo) : NULL;
}

/* ---- Title ----------------------------------------------------------------- */

static gboolean
title_has_focus (CairnTaskDetails *self)
{
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (GTK_WIDGET (self)));

  return focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->title_entry));
}

static void
commit_title (CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;

  if (self->updating || self->todo == NULL)
    return;
  title = cairn_ui_clean_title (gtk_editable_get_text (GTK_EDITABLE (self->title_entry)));
  if (title[0] != '\0' && !g_str_equal (title, cairn_todo_get_title (self->todo)) &&
      !_cairn_undo_rename_todo (GTK_WIDGET (self), self->pool, todo_id (self), title, &error))
    {
      report (self, _("Could not rename the task"), error);
      if (g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NO_SPACE))
        return;
    }
  if (self->todo != NULL &&
      g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->title_entry)),
                 cairn_todo_get_title (self->todo)) != 0)
    {
      self->updating = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->title_entry), cairn_todo_get_title (self->todo));
      self->updating = FALSE;
    }
}

/* ---- Subtasks -------------------------------------------------------------- */

static void rebuild_subtasks (CairnTaskDetails *self, int focus_index);

static void
on_subtask_toggled (GtkCheckButton   *check,
                    CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;
  CairnTodo *sub = g_object_get_data (G_OBJECT (check), "todo");
  gboolean active = gtk_check_button_get_active (check);

  if (self->updating || sub == NULL || active == cairn_todo_get_done (sub))
    return;
  if (!_cairn_undo_set_todo_done (GTK_WIDGET (self), self->pool, cairn_todo_get_id (sub), active, &error))
    {
      report (self, _("Could not change the subtask"), error);
      rebuild_subtasks (self, -1);
    }
}

/* Alt+Up / Alt+Down on a subtask: one todo.moved among its siblings. */
static gboolean
move_subtask (CairnTaskDetails *self,
              int               index,
              int               delta)
{
  g_autoptr(GError) error = NULL;
  int to = index + delta;
  CairnTodo *sub, *other;

  if (self->todo == NULL || index < 0 || to < 0 || to >= (int) self->subtasks->len)
    return TRUE;
  sub = self->subtasks->pdata[index];
  other = self->subtasks->pdata[to];
  if (!_cairn_undo_move_todo_under (GTK_WIDGET (self), self->pool, cairn_todo_get_id (sub), NULL, todo_id (self),
                                    delta < 0 ? cairn_todo_get_id (other) : NULL,
                                    delta > 0 ? cairn_todo_get_id (other) : NULL, &error))
    {
      report (self, _("Could not move the subtask"), error);
      return TRUE;
    }
  rebuild_subtasks (self, to);
  return TRUE;
}

static gboolean
on_subtask_key (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                CairnTaskDetails      *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));

  if ((state & GDK_MODIFIER_MASK & ~GDK_LOCK_MASK) != GDK_ALT_MASK)
    return FALSE;
  if (keyval == GDK_KEY_Up || keyval == GDK_KEY_KP_Up)
    return move_subtask (self, gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row)), -1);
  if (keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down)
    return move_subtask (self, gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row)), +1);
  return FALSE;
}

static void
on_subtask_activated (GtkListBox       *list,
                      GtkListBoxRow    *row,
                      CairnTaskDetails *self)
{
  CairnTodo *sub = g_object_get_data (G_OBJECT (row), "todo");

  if (sub != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.show-task", "s", cairn_todo_get_id (sub));
}

static GtkWidget *
make_subtask_row (CairnTaskDetails *self,
                  CairnTodo        *sub)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *label = gtk_label_new (cairn_todo_get_title (sub));
  GtkEventController *keys = gtk_event_controller_key_new ();
  g_autofree char *done_label = g_strdup_printf (_("“%s” done"), cairn_todo_get_title (sub));

  gtk_widget_set_name (row, "subtask_row");
  g_object_set_data_full (G_OBJECT (row), "todo", g_object_ref (sub), g_object_unref);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  cairn_todo_get_title (sub), -1);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);

  gtk_widget_set_name (check, "subtask_check");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), cairn_todo_get_done (sub));
  g_object_set_data_full (G_OBJECT (check), "todo", g_object_ref (sub), g_object_unref);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  done_label, -1);
  g_signal_connect (check, "toggled", G_CALLBACK (on_subtask_toggled), self);
  gtk_box_append (GTK_BOX (box), check);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  if (cairn_todo_get_done (sub))
    gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (box), label);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_subtask_key), self);
  gtk_widget_add_controller (row, keys);
  return row;
}

/* Shows the subtasks again; focus_index >= 0 focuses that row (after a
 * move), else the focus stays in the row of the same subtask if it had it. */
static void
rebuild_subtasks (CairnTaskDetails *self,
                  int               focus_index)
{
  GtkWidget *child;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  const char *focused_id = NULL;
  g_autofree char *keep_id = NULL;

  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->subtasks_list)))
    {
      GtkWidget *row = gtk_widget_get_ancestor (focus, GTK_TYPE_LIST_BOX_ROW);
      CairnTodo *sub = row != NULL ? g_object_get_data (G_OBJECT (row), "todo") : NULL;

      if (sub != NULL)
        keep_id = g_strdup (cairn_todo_get_id (sub));
    }
  focused_id = keep_id;

  self->updating = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->subtasks_list))) != NULL)
    gtk_list_box_remove (self->subtasks_list, child);
  g_ptr_array_set_size (self->subtasks, 0);

  if (self->todo != NULL)
    {
      g_autoptr(GPtrArray) subs = cairn_pool_list_subtasks (self->pool, todo_id (self));

      for (guint i = 0; subs != NULL && i < subs->len; i++)
        {
          CairnTodo *sub = subs->pdata[i];
          GtkWidget *row = make_subtask_row (self, sub);

          g_ptr_array_add (self->subtasks, g_object_ref (sub));
          gtk_list_box_append (self->subtasks_list, row);
          if ((int) i == focus_index ||
              (focus_index < 0 && g_strcmp0 (focused_id, cairn_todo_get_id (sub)) == 0))
            gtk_widget_grab_focus (row);
        }
    }
  gtk_widget_set_visible (GTK_WIDGET (self->subtasks_list), self->subtasks->len > 0);
  self->updating = FALSE;
}

static void
on_subtask_entry_activate (GtkEntry         *entry,
                           CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  g_autofree char *id = NULL;

  if (self->todo == NULL)
    return;
  title = cairn_ui_clean_title (gtk_editable_get_text (GTK_EDITABLE (entry)));
  if (title[0] == '\0')
    return;
  id = cairn_store_create_subtask (self->store, cairn_todo_get_list_id (self->todo),
                                   todo_id (self), title, NULL, NULL, &error);
  if (id == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
      report (self, _("Could not add the subtask"), error);
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

/* ---- Tags ------------------------------------------------------------------ */

static void
on_remove_tag_clicked (GtkButton        *button,
                       CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;
  const char *tag_id = g_object_get_data (G_OBJECT (button), "tag-id");

  if (self->todo == NULL || tag_id == NULL)
    return;
  if (!cairn_store_set_todo_tagged (self->store, todo_id (self), tag_id, FALSE, &error))
    report (self, _("Could not remove the tag"), error);
}

static GtkWidget *
make_tag_chip (CairnTaskDetails *self,
               CairnTag         *tag)
{
  GtkWidget *chip = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *dot = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *name = gtk_label_new (cairn_tag_get_name (tag));
  GtkWidget *remove = gtk_button_new_from_icon_name ("window-close-symbolic");
  g_autofree char *dot_class = g_strdup_printf ("tag-%s", cairn_tag_get_color (tag));
  g_autofree char *remove_label = g_strdup_printf (_("Remove tag “%s”"), cairn_tag_get_name (tag));

  gtk_widget_set_name (chip, "tag_chip");
  gtk_widget_set_halign (chip, GTK_ALIGN_START);
  gtk_widget_add_css_class (chip, "tag-chip");
  gtk_accessible_update_property (GTK_ACCESSIBLE (chip), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  cairn_tag_get_name (tag), -1);
  gtk_widget_add_css_class (dot, "tag-dot");
  gtk_widget_add_css_class (dot, dot_class);
  gtk_widget_set_valign (dot, GTK_ALIGN_CENTER);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (name), 20);
  gtk_widget_set_name (remove, "remove_tag_button");
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_add_css_class (remove, "circular");
  gtk_widget_set_tooltip_text (remove, remove_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  remove_label, -1);
  g_object_set_data_full (G_OBJECT (remove), "tag-id", g_strdup (cairn_tag_get_id (tag)), g_free);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_tag_clicked), self);
  gtk_box_append (GTK_BOX (chip), dot);
  gtk_box_append (GTK_BOX (chip), name);
  gtk_box_append (GTK_BOX (chip), remove);
  return chip;
}

static void
sync_tags (CairnTaskDetails *self)
{
  const char * const *ids;

  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self->tags_box))) != NULL;)
    gtk_flow_box_remove (self->tags_box, child);
  if (self->todo == NULL)
    return;
  ids = cairn_todo_get_tag_ids (self->todo);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      CairnTag *tag = cairn_pool_lookup_tag (self->pool, ids[i]);

      if (tag != NULL)
        gtk_flow_box_append (self->tags_box, make_tag_chip (self, tag));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->tags_box), ids[0] != NULL);
}

static void
show_tag_error (CairnTaskDetails *self,
                const char       *message)
{
  gtk_label_set_text (self->tag_error, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->tag_error), message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->tag_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->tag_entry), "error");
}

/* Enter in the tag entry: the tag of that name (case-insensitively), made
 * when there is none, goes on the task. */
static void
on_tag_entry_activate (GtkEntry         *entry,
                       CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *tag_id = NULL;

  if (self->todo == NULL)
    return;
  name = cairn_ui_clean_title (gtk_editable_get_text (GTK_EDITABLE (entry)));
  if (name[0] == '\0')
    {
      show_tag_error (self, NULL);
      return;
    }
  if (g_utf8_strlen (name, -1) > TAG_NAME_MAX_CHARS)
    {
      g_autofree char *message =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "A tag name can have at most %d character",
                                      "A tag name can have at most %d characters",
                                      TAG_NAME_MAX_CHARS), TAG_NAME_MAX_CHARS);
      show_tag_error (self, message);
      return;
    }
  tag_id = cairn_store_dup_tag_id (self->store, name, &error);
  if (tag_id == NULL && g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND))
    {
      g_clear_error (&error);
      tag_id = cairn_store_create_tag (self->store, name, NULL, &error);
    }
  if (tag_id == NULL ||
      (!g_strv_contains (cairn_todo_get_tag_ids (self->todo), tag_id) &&
       !cairn_store_set_todo_tagged (self->store, todo_id (self), tag_id, TRUE, &error)))
    {
      show_tag_error (self, _("Could not add the tag"));
      report (self, _("Could not add the tag"), error);
      return;
    }
  show_tag_error (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static void
on_tag_entry_changed (CairnTaskDetails *self)
{
  if (gtk_widget_get_visible (GTK_WIDGET (self->tag_error)))
    show_tag_error (self, NULL);
}

/* The completion's names: the workspace's tags, kept in step. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static void
sync_tag_names (CairnTaskDetails *self)
{
  gtk_list_store_clear (self->tag_names);
  if (self->pool != NULL)
    {
      GListModel *tags = cairn_pool_get_tags (self->pool);

      for (guint i = 0; i < g_list_model_get_n_items (tags); i++)
        {
          g_autoptr(CairnTag) tag = g_list_model_get_item (tags, i);

          gtk_list_store_insert_with_values (self->tag_names, NULL, -1,
                                             0, cairn_tag_get_name (tag), -1);
        }
    }
}
G_GNUC_END_IGNORE_DEPRECATIONS

/* ---- Priority, due, reminder, repeat -------------------------------------- */

static void
on_priority_selected (CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;
  guint selected = adw_combo_row_get_selected (self->priority_row);

  if (self->updating || self->todo == NULL || selected >= G_N_ELEMENTS (priorities) ||
      g_strcmp0 (priorities[selected], cairn_todo_get_priority (self->todo)) == 0)
    return;
  if (!cairn_store_set_todo_priority (self->store, todo_id (self), priorities[selected], &error))
    {
      report (self, _("Could not set the priority"), error);
      self->updating = TRUE;
      for (guint i = 0; i < G_N_ELEMENTS (priorities); i++)
        if (g_strcmp0 (priorities[i], cairn_todo_get_priority (self->todo)) == 0)
          adw_combo_row_set_selected (self->priority_row, i);
      self->updating = FALSE;
    }
}

static void
show_error (GtkLabel   *label,
            GtkEntry   *entry,
            const char *message)
{
  gtk_label_set_text (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
}

static char *
bad_time_message (const char *text)
{
  /* Translators: the time a person typed, that is not one */
  return g_strdup_printf (_("“%s” is not a time of day: use hours 0 to 23 and minutes 0 to 59, like 14:30"),
                          text);
}

static void
select_calendar_day (CairnTaskDetails *self,
                     GtkCalendar      *calendar,
                     const char       *date)
{
  g_autoptr(GDateTime) day = date_from_iso (date);

  if (day == NULL)
    day = g_date_time_new_now_local ();
  self->updating = TRUE;
  gtk_calendar_select_day (calendar, day);
  self->updating = FALSE;
}

static void
on_due_popover_show (CairnTaskDetails *self)
{
  const char *time;

  if (self->todo == NULL)
    return;
  select_calendar_day (self, self->due_calendar, cairn_todo_get_due (self->todo));
  time = cairn_todo_get_due_time (self->todo);
  gtk_editable_set_text (GTK_EDITABLE (self->due_time_entry), time != NULL ? time : "");
  show_error (self->due_error, self->due_time_entry, NULL);
  gtk_widget_set_visible (self->due_clear_button, cairn_todo_get_due (self->todo) != NULL);
}

static void
on_due_set_clicked (CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) day = gtk_calendar_get_date (self->due_calendar);
  g_autofree char *due = g_date_time_format (day, "%Y-%m-%d");
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->due_time_entry));
  g_autofree char *time = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (self->todo == NULL)
    return;
  if (stripped[0] != '\0' && (time = cairn_parse_time_of_day (stripped)) == NULL)
    {
      g_autofree char *message = bad_time_message (stripped);
      show_error (self->due_error, self->due_time_entry, message);
      return;
    }
  show_error (self->due_error, self->due_time_entry, NULL);
  if ((g_strcmp0 (due, cairn_todo_get_due (self->todo)) != 0 ||
       g_strcmp0 (time, cairn_todo_get_due_time (self->todo)) != 0) &&
      !cairn_store_set_todo_due_time (self->store, todo_id (self), due, time, &error))
    {
      report (self, _("Could not set the due date"), error);
      return;
    }
  gtk_popover_popdown (self->due_popover);
}

static void
on_due_clear_clicked (CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;

  if (self->todo == NULL)
    return;
  if (cairn_todo_get_due (self->todo) != NULL &&
      !cairn_store_set_todo_due_time (self->store, todo_id (self), NULL, NULL, &error))
    report (self, _("Could not remove the due date"), error);
  gtk_popover_popdown (self->due_popover);
}

/* A reminder's moment, "2026-12-08T09:00+01:00", as "Dec 8, 09:00". */
static char *
format_moment (const char *moment)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *day = NULL;
  g_autofree char *date = NULL;

  if (moment == NULL || strlen (moment) < 16)
    return NULL;
  date = g_strndup (moment, 10);
  day = cairn_format_due (date, now);
  if (day == NULL)
    return NULL;
  /* Translators: a reminder: "Tomorrow, 09:00" */
  return g_strdup_printf (C_("reminder", "%s, %.5s"), day, moment + 11);
}

static void
on_reminder_popover_show (CairnTaskDetails *self)
{
  const char *reminder;
  g_autofree char *date = NULL;

  if (self->todo == NULL)
    return;
  reminder = cairn_todo_get_reminder (self->todo);
  if (reminder != NULL)
    date = g_strndup (reminder, 10);
  else
    date = g_strdup (cairn_todo_get_due (self->todo));
  select_calendar_day (self, self->reminder_calendar, date);
  if (reminder != NULL && strlen (reminder) >= 16)
    {
      g_autofree char *time = g_strndup (reminder + 11, 5);
      gtk_editable_set_text (GTK_EDITABLE (self->reminder_time_entry), time);
    }
  else
    gtk_editable_set_text (GTK_EDITABLE (self->reminder_time_entry), "09:00");
  show_error (self->reminder_error, self->reminder_time_entry, NULL);
  gtk_widget_set_visible (self->reminder_clear_button, reminder != NULL);
}

static void
on_reminder_set_clicked (CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) day = gtk_calendar_get_date (self->reminder_calendar);
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autofree char *date = g_date_time_format (day, "%Y-%m-%d");
  g_autofree char *stripped =
    g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->reminder_time_entry))));
  g_autofree char *time = NULL;
  g_autofree char *local = NULL;
  g_autofree char *moment = NULL;

  if (self->todo == NULL)
    return;
  if ((time = cairn_parse_time_of_day (stripped)) == NULL)
    {
      g_autofree char *message = stripped[0] == '\0'
                                 ? g_strdup (_("A reminder needs a time, like 09:00"))
                                 : bad_time_message (stripped);
      show_error (self->reminder_error, self->reminder_time_entry, message);
      return;
    }
  show_error (self->reminder_error, self->reminder_time_entry, NULL);
  local = g_strdup_printf ("%sT%s", date, time);
  moment = cairn_moment_from_local (local, tz);
  if (moment == NULL)
    {
      show_error (self->reminder_error, self->reminder_time_entry,
                  _("That moment does not exist here (a clock change)"));
      return;
    }
  if (g_strcmp0 (moment, cairn_todo_get_reminder (self->todo)) != 0 &&
      !cairn_store_set_todo_reminder (self->store, todo_id (self), moment, &error))
    {
      report (self, _("Could not set the reminder"), error);
      return;
    }
  gtk_popover_popdown (self->reminder_popover);
}

static void
on_reminder_clear_clicked (CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;

  if (self->todo == NULL)
    return;
  if (cairn_todo_get_reminder (self->todo) != NULL &&
      !cairn_store_set_todo_reminder (self->store, todo_id (self), NULL, &error))
    report (self, _("Could not remove the reminder"), error);
  gtk_popover_popdown (self->reminder_popover);
}

static void
sync_weekdays_visible (CairnTaskDetails *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->weekdays_box),
                          gtk_drop_down_get_selected (self->repeat_unit) == 1);
}

static void
on_repeat_popover_show (CairnTaskDetails *self)
{
  const char *rule;
  int every = 1;
  guint unit = 0;

  if (self->todo == NULL)
    return;
  rule = cairn_todo_get_repeat (self->todo);
  for (guint d = 0; d < 7; d++)
    gtk_toggle_button_set_active (self->weekdays[d], FALSE);
  if (rule != NULL)
    {
      const char *slash = strchr (rule, '/');
      const char *colon = strchr (rule, ':');

      if (slash != NULL)
        every = atoi (slash + 1);
      for (guint u = 0; u < G_N_ELEMENTS (units); u++)
        if (g_str_has_prefix (rule, units[u]))
          unit = u;
      if (colon != NULL)
        for (guint d = 0; d < 7; d++)
          {
            g_autofree char *days = g_strndup (colon + 1, slash != NULL ? slash - colon - 1 : (gssize) strlen (colon + 1));
            g_auto(GStrv) ids = g_strsplit (days, ",", -1);

            gtk_toggle_button_set_active (self->weekdays[d], g_strv_contains ((const char * const *) ids, weekday_ids[d]));
          }
    }
  gtk_spin_button_set_value (self->repeat_every, every);
  gtk_drop_down_set_selected (self->repeat_unit, unit);
  sync_weekdays_visible (self);
  gtk_widget_set_visible (self->repeat_clear_button, rule != NULL);
}

static void
on_repeat_set_clicked (CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) rule = g_string_new (NULL);
  guint unit = gtk_drop_down_get_selected (self->repeat_unit);
  int every = gtk_spin_button_get_value_as_int (self->repeat_every);

  if (self->todo == NULL || unit >= G_N_ELEMENTS (units))
    return;
  g_string_append (rule, units[unit]);
  if (unit == 1)
    {
      gboolean first = TRUE;

      for (guint d = 0; d < 7; d++)
        if (gtk_toggle_button_get_active (self->weekdays[d]))
          {
            g_string_append (rule, first ? ":" : ",");
            g_string_append (rule, weekday_ids[d]);
            first = FALSE;
          }
    }
  if (every > 1)
    g_string_append_printf (rule, "/%d", every);
  if (g_strcmp0 (rule->str, cairn_todo_get_repeat (self->todo)) != 0 &&
      !cairn_store_set_todo_repeat (self->store, todo_id (self), rule->str, &error))
    {
      report (self, _("Could not set the repeat"), error);
      return;
    }
  gtk_popover_popdown (self->repeat_popover);
}

static void
on_repeat_clear_clicked (CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;

  if (self->todo == NULL)
    return;
  if (cairn_todo_get_repeat (self->todo) != NULL &&
      !cairn_store_set_todo_repeat (self->store, todo_id (self), NULL, &error))
    report (self, _("Could not stop the repeat"), error);
  gtk_popover_popdown (self->repeat_popover);
}

/* ---- Notes ----------------------------------------------------------------- */

static void
on_notes_insert_text (GtkTextBuffer    *buffer,
                      GtkTextIter      *location,
                      const char       *text,
                      int               len,
                      CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;

  if (self->applying_remote || self->notes_buffer == NULL)
    return;
  if (!cairn_note_buffer_insert (self->notes_buffer, gtk_text_iter_get_offset (location),
                                 text, len, &error))
    {
      g_signal_stop_emission_by_name (buffer, "insert-text");
      if (cairn_note_buffer_get_editable (self->notes_buffer))
        report (self, _("Could not save the typing"), error);
    }
}

static void
on_notes_delete_range (GtkTextBuffer    *buffer,
                       GtkTextIter      *start,
                       GtkTextIter      *end,
                       CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;
  int from = gtk_text_iter_get_offset (start);
  int to = gtk_text_iter_get_offset (end);

  if (self->applying_remote || self->notes_buffer == NULL || to == from)
    return;
  if (!cairn_note_buffer_delete (self->notes_buffer, MIN (from, to), ABS (to - from), &error))
    {
      g_signal_stop_emission_by_name (buffer, "delete-range");
      if (cairn_note_buffer_get_editable (self->notes_buffer))
        report (self, _("Could not save the deletion"), error);
    }
}

static void
on_notes_remote_changed (CairnNoteBuffer  *notes,
                         guint             position,
                         guint             deleted,
                         const char       *inserted,
                         CairnTaskDetails *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->notes_view);
  GtkTextIter start, end;

  self->applying_remote = TRUE;
  if (deleted > 0)
    {
      gtk_text_buffer_get_iter_at_offset (buffer, &start, position);
      gtk_text_buffer_get_iter_at_offset (buffer, &end, position + deleted);
      gtk_text_buffer_delete (buffer, &start, &end);
    }
  if (inserted != NULL && inserted[0] != '\0')
    {
      gtk_text_buffer_get_iter_at_offset (buffer, &start, position);
      gtk_text_buffer_insert (buffer, &start, inserted, -1);
    }
  self->applying_remote = FALSE;
}

static void
on_notes_save_failed (CairnNoteBuffer  *notes,
                      const GError     *error,
                      CairnTaskDetails *self)
{
  report (self, _("Could not save the notes (Cairn keeps the typing and tries again)"), error);
}

/* The notes take typing only while the text can store it (this device's
 * earlier edits may wait for others'); the reason is the tooltip. */
static void
sync_notes_editable (CairnTaskDetails *self)
{
  gboolean editable = self->notes_buffer != NULL &&
                      cairn_note_buffer_get_editable (self->notes_buffer);

  gtk_text_view_set_editable (self->notes_view, editable);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->notes_view),
                               self->notes_buffer != NULL
                               ? cairn_note_buffer_get_refusal (self->notes_buffer) : NULL);
}

static void
close_notes (CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;

  if (self->notes_buffer == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->notes_buffer, self);
  /* A failed flush keeps trying while the buffer lives: the last
   * reference goes with its final attempt in dispose. */
  if (!cairn_note_buffer_flush (self->notes_buffer, &error))
    report (self, _("Could not save the notes"), error);
  g_clear_object (&self->notes_buffer);
  sync_notes_editable (self);
}

static void
open_notes (CairnTaskDetails *self)
{
  g_autoptr(GError) error = NULL;
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->notes_view);

  self->notes_buffer = cairn_note_buffer_new_for_todo (self->store, todo_id (self), &error);
  self->applying_remote = TRUE;
  gtk_text_buffer_set_text (buffer, self->notes_buffer != NULL
                                    ? cairn_note_buffer_get_text (self->notes_buffer) : "", -1);
  self->applying_remote = FALSE;
  sync_notes_editable (self);
  if (self->notes_buffer == NULL)
    {
      report (self, _("Could not open the task’s notes"), error);
      return;
    }
  g_signal_connect (self->notes_buffer, "remote-changed", G_CALLBACK (on_notes_remote_changed), self);
  g_signal_connect (self->notes_buffer, "save-failed", G_CALLBACK (on_notes_save_failed), self);
  g_signal_connect_swapped (self->notes_buffer, "notify::editable",
                            G_CALLBACK (sync_notes_editable), self);
}

/* ---- Following the task ---------------------------------------------------- */

static void
sync_fields (CairnTaskDetails *self)
{
  const char *priority, *due, *time, *reminder, *repeat;
  g_autofree char *due_text = NULL;
  g_autofree char *reminder_text = NULL;
  g_autofree char *repeat_text = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (self->todo == NULL)
    return;
  self->updating = TRUE;

  if (!title_has_focus (self) &&
      g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->title_entry)),
                 cairn_todo_get_title (self->todo)) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->title_entry), cairn_todo_get_title (self->todo));

  /* A subtask: a way up to its parent. */
  {
    const char *parent_id = cairn_todo_get_parent_id (self->todo);
    CairnTodo *parent = parent_id != NULL ? cairn_pool_lookup_todo (self->pool, parent_id) : NULL;

    gtk_widget_set_visible (self->parent_button, parent != NULL);
    if (parent != NULL)
      {
        /* Translators: the button to a subtask's parent task */
        g_autofree char *text = g_strdup_printf (_("In “%s”"), cairn_todo_get_title (parent));

        gtk_label_set_text (self->parent_label, text);
        gtk_accessible_update_property (GTK_ACCESSIBLE (self->parent_button),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
      }
  }

  priority = cairn_todo_get_priority (self->todo);
  for (guint i = 0; i < G_N_ELEMENTS (priorities); i++)
    if (g_strcmp0 (priority, priorities[i]) == 0 && adw_combo_row_get_selected (self->priority_row) != i)
      adw_combo_row_set_selected (self->priority_row, i);

  due = cairn_todo_get_due (self->todo);
  time = cairn_todo_get_due_time (self->todo);
  due_text = cairn_format_due (due, now);
  if (due_text != NULL && time != NULL)
    {
      /* Translators: a due date with its time: "Tomorrow, 14:30" */
      g_autofree char *with_time = g_strdup_printf (C_("due", "%s, %s"), due_text, time);
      g_free (due_text);
      due_text = g_steal_pointer (&with_time);
    }
  adw_action_row_set_subtitle (self->due_row, due_text != NULL ? due_text : _("None"));

  reminder = cairn_todo_get_reminder (self->todo);
  reminder_text = format_moment (reminder);
  if (reminder_text != NULL && cairn_todo_get_reminder_dismissed (self->todo))
    {
      /* Translators: a reminder that was dismissed: "Tomorrow, 09:00 · Dismissed" */
      g_autofree char *dismissed = g_strdup_printf (_("%s · Dismissed"), reminder_text);
      g_free (reminder_text);
      reminder_text = g_steal_pointer (&dismissed);
    }
  adw_action_row_set_subtitle (self->reminder_row, reminder_text != NULL ? reminder_text : _("None"));

  repeat = cairn_todo_get_repeat (self->todo);
  repeat_text = cairn_format_repeat (repeat);
  adw_action_row_set_subtitle (self->repeat_row, repeat_text != NULL ? repeat_text : _("Never"));

  self->updating = FALSE;
}

static void
on_todo_notify (CairnTaskDetails *self,
                GParamSpec       *pspec)
{
  if (g_str_equal (pspec->name, "tag-ids"))
    sync_tags (self);
  else if (!g_str_equal (pspec->name, "notes"))
    sync_fields (self);
}

/* After the pool applied a change: the task gone closes the pane; its
 * subtasks or tags changed show again. */
static void
on_store_changed (CairnStore       *store,
                  CairnChanges     *changes,
                  CairnTaskDetails *self)
{
  gboolean subtasks_changed = changes->reset;
  GHashTableIter iter;
  gpointer key;

  if (self->todo == NULL)
    return;
  if (cairn_pool_lookup_todo (self->pool, todo_id (self)) != self->todo)
    {
      cairn_task_details_set_todo_id (self, NULL);
      return;
    }
  g_hash_table_iter_init (&iter, changes->todos);
  while (!subtasks_changed && g_hash_table_iter_next (&iter, &key, NULL))
    {
      CairnTodo *todo = cairn_pool_lookup_todo (self->pool, key);

      if (todo != NULL && g_strcmp0 (cairn_todo_get_parent_id (todo), todo_id (self)) == 0)
        subtasks_changed = TRUE;
      for (guint i = 0; !subtasks_changed && i < self->subtasks->len; i++)
        if (g_str_equal (key, cairn_todo_get_id (self->subtasks->pdata[i])))
          subtasks_changed = TRUE;
    }
  if (subtasks_changed)
    rebuild_subtasks (self, -1);
  if (changes->reset || g_hash_table_size (changes->tags) > 0)
    {
      sync_tags (self);
      sync_tag_names (self);
    }
}

static void
close_todo (CairnTaskDetails *self)
{
  if (self->todo == NULL)
    return;
  gtk_popover_popdown (self->due_popover);
  gtk_popover_popdown (self->reminder_popover);
  gtk_popover_popdown (self->repeat_popover);
  commit_title (self);
  close_notes (self);
  g_clear_signal_handler (&self->todo_notify_id, self->todo);
  g_clear_object (&self->todo);
  rebuild_subtasks (self, -1);
  sync_tags (self);
  gtk_editable_set_text (GTK_EDITABLE (self->subtask_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->tag_entry), "");
  show_tag_error (self, NULL);
}

gboolean
cairn_task_details_set_todo_id (CairnTaskDetails *self,
                                const char       *id)
{
  CairnTodo *todo = NULL;

  g_return_val_if_fail (CAIRN_IS_TASK_DETAILS (self), FALSE);

  if (id != NULL)
    {
      if (self->pool == NULL || (todo = cairn_pool_lookup_todo (self->pool, id)) == NULL)
        return FALSE;
      if (todo == self->todo)
        return TRUE;
    }
  else if (self->todo == NULL)
    return TRUE;

  close_todo (self);
  if (todo != NULL)
    {
      self->todo = g_object_ref (todo);
      self->todo_notify_id = g_signal_connect_swapped (todo, "notify",
                                                       G_CALLBACK (on_todo_notify), self);
      self->updating = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (self->title_entry), cairn_todo_get_title (todo));
      self->updating = FALSE;
      /* The window deletes it and offers Undo; the pane then closes. */
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->delete_button), "s", id);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->delete_button), "win.delete-task");
      sync_fields (self);
      sync_tags (self);
      rebuild_subtasks (self, -1);
      open_notes (self);
    }
  cairn_history_section_set_object (self->history_section, self->store, todo != NULL ? id : NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TODO_ID]);
  return TRUE;
}

const char *
cairn_task_details_get_todo_id (CairnTaskDetails *self)
{
  g_return_val_if_fail (CAIRN_IS_TASK_DETAILS (self), NULL);

  return todo_id (self);
}

CairnNoteBuffer *
cairn_task_details_get_notes_buffer (CairnTaskDetails *self)
{
  g_return_val_if_fail (CAIRN_IS_TASK_DETAILS (self), NULL);

  return self->notes_buffer;
}

void
cairn_task_details_set_pool (CairnTaskDetails *self,
                             CairnPool        *pool)
{
  g_return_if_fail (CAIRN_IS_TASK_DETAILS (self));
  g_return_if_fail (pool == NULL || CAIRN_IS_POOL (pool));

  cairn_task_details_set_todo_id (self, NULL);
  if (self->pool == pool)
    return;
  if (self->pool != NULL)
    {
      g_signal_handlers_disconnect_by_data (cairn_pool_get_tags (self->pool), self);
      g_clear_signal_handler (&self->store_changed_id, self->store);
    }
  g_set_object (&self->pool, pool);
  {
    CairnStore *store = pool != NULL ? cairn_pool_get_store (pool) : NULL;
    g_set_object (&self->store, store);
  }
  if (pool != NULL)
    {
      self->store_changed_id = g_signal_connect (self->store, "changed",
                                                 G_CALLBACK (on_store_changed), self);
      g_signal_connect_swapped (cairn_pool_get_tags (pool), "items-changed",
                                G_CALLBACK (sync_tag_names), self);
    }
  sync_tag_names (self);
}

/* ---- The class ------------------------------------------------------------- */

static void
cairn_task_details_dispose (GObject *object)
{
  CairnTaskDetails *self = CAIRN_TASK_DETAILS (object);

  cairn_task_details_set_pool (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CAIRN_TYPE_TASK_DETAILS);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_pointer (&self->subtasks, g_ptr_array_unref);
  g_clear_object (&self->tag_names);

  G_OBJECT_CLASS (cairn_task_details_parent_class)->dispose (object);
}

static void
cairn_task_details_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  CairnTaskDetails *self = CAIRN_TASK_DETAILS (object);

  switch (prop_id)
    {
    case PROP_TODO_ID:
      g_value_set_string (value, todo_id (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Ctrl+Shift+H: the task's history (issue 15). */
static void
details_show_history (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CairnTaskDetails *self = CAIRN_TASK_DETAILS (widget);

  if (self->todo != NULL)
    cairn_history_section_open (self->history_section);
}

static void
cairn_task_details_class_init (CairnTaskDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cairn_task_details_dispose;
  object_class->get_property = cairn_task_details_get_property;

  properties[PROP_TODO_ID] =
    g_param_spec_string ("todo-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "taskdetails");
  g_type_ensure (CAIRN_TYPE_HISTORY_SECTION);
  gtk_widget_class_install_action (widget_class, "details.show-history", NULL, details_show_history);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_h, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "details.show-history", NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/cairn/Cairn/cairn-task-details.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CairnTaskDetails, name)
  BIND (delete_button);
  BIND (parent_button);
  BIND (parent_label);
  BIND (title_entry);
  BIND (subtasks_list);
  BIND (subtask_entry);
  BIND (tags_box);
  BIND (tag_entry);
  BIND (tag_error);
  BIND (priority_row);
  BIND (due_row);
  BIND (due_popover);
  BIND (due_calendar);
  BIND (due_time_entry);
  BIND (due_error);
  BIND (due_clear_button);
  BIND (due_set_button);
  BIND (reminder_row);
  BIND (reminder_popover);
  BIND (reminder_calendar);
  BIND (reminder_time_entry);
  BIND (reminder_error);
  BIND (reminder_clear_button);
  BIND (reminder_set_button);
  BIND (repeat_row);
  BIND (repeat_popover);
  BIND (repeat_every);
  BIND (repeat_unit);
  BIND (weekdays_box);
  BIND (repeat_clear_button);
  BIND (repeat_set_button);
  BIND (notes_view);
  BIND (history_section);
#undef BIND
}

static void
on_parent_clicked (CairnTaskDetails *self)
{
  const char *parent_id = self->todo != NULL ? cairn_todo_get_parent_id (self->todo) : NULL;

  if (parent_id != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.show-task", "s", parent_id);
}

static void
on_title_activate (CairnTaskDetails *self)
{
  commit_title (self);
}

static void
cairn_task_details_init (CairnTaskDetails *self)
{
  GtkEventController *title_focus = gtk_event_controller_focus_new ();
  GtkTextBuffer *notes = NULL;
  GtkEntryCompletion *completion;

  self->subtasks = g_ptr_array_new_with_free_func (g_object_unref);

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);

  cairn_ui_limit_title_entry (self->title_entry);
  cairn_ui_limit_title_entry (self->subtask_entry);
  g_signal_connect_swapped (self->title_entry, "activate", G_CALLBACK (on_title_activate), self);
  g_signal_connect_swapped (title_focus, "leave", G_CALLBACK (on_title_activate), self);
  gtk_widget_add_controller (GTK_WIDGET (self->title_entry), title_focus);

  g_signal_connect_swapped (self->parent_button, "clicked", G_CALLBACK (on_parent_clicked), self);
  g_signal_connect (self->subtask_entry, "activate", G_CALLBACK (on_subtask_entry_activate), self);
  g_signal_connect (self->subtasks_list, "row-activated", G_CALLBACK (on_subtask_activated), self);
  gtk_widget_set_visible (GTK_WIDGET (self->subtasks_list), FALSE);

  g_signal_connect (self->tag_entry, "activate", G_CALLBACK (on_tag_entry_activate), self);
  g_signal_connect_swapped (self->tag_entry, "changed", G_CALLBACK (on_tag_entry_changed), self);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  {
    /* GtkEntryCompletion is what GTK 4.8 has for an entry's suggestions. */
    self->tag_names = gtk_list_store_new (1, G_TYPE_STRING);
    completion = gtk_entry_completion_new ();
    gtk_entry_completion_set_model (completion, GTK_TREE_MODEL (self->tag_names));
    gtk_entry_completion_set_text_column (completion, 0);
    gtk_entry_completion_set_inline_completion (completion, TRUE);
    gtk_entry_completion_set_popup_single_match (completion, FALSE);
    gtk_entry_set_completion (self->tag_entry, completion);
    g_object_unref (completion);
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
  gtk_widget_set_visible (GTK_WIDGET (self->tags_box), FALSE);

  g_signal_connect_swapped (self->priority_row, "notify::selected",
                            G_CALLBACK (on_priority_selected), self);

  g_signal_connect_swapped (self->due_popover, "show", G_CALLBACK (on_due_popover_show), self);
  g_signal_connect_swapped (self->due_set_button, "clicked", G_CALLBACK (on_due_set_clicked), self);
  g_signal_connect_swapped (self->due_time_entry, "activate", G_CALLBACK (on_due_set_clicked), self);
  g_signal_connect_swapped (self->due_clear_button, "clicked", G_CALLBACK (on_due_clear_clicked), self);

  g_signal_connect_swapped (self->reminder_popover, "show", G_CALLBACK (on_reminder_popover_show), self);
  g_signal_connect_swapped (self->reminder_set_button, "clicked", G_CALLBACK (on_reminder_set_clicked), self);
  g_signal_connect_swapped (self->reminder_time_entry, "activate", G_CALLBACK (on_reminder_set_clicked), self);
  g_signal_connect_swapped (self->reminder_clear_button, "clicked", G_CALLBACK (on_reminder_clear_clicked), self);

  for (guint d = 0; d < 7; d++)
    {
      g_autoptr(GDateTime) date = g_date_time_new_utc (2026, 12, 7 + d, 0, 0, 0);
      g_autofree char *shortname = g_date_time_format (date, "%a");
      g_autofree char *name = g_date_time_format (date, "%A");

      self->weekdays[d] = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_label (shortname));
      gtk_widget_set_name (GTK_WIDGET (self->weekdays[d]), weekday_ids[d]);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->weekdays[d]),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      gtk_box_append (self->weekdays_box, GTK_WIDGET (self->weekdays[d]));
    }
  g_signal_connect_swapped (self->repeat_popover, "show", G_CALLBACK (on_repeat_popover_show), self);
  g_signal_connect_swapped (self->repeat_unit, "notify::selected", G_CALLBACK (sync_weekdays_visible), self);
  g_signal_connect_swapped (self->repeat_set_button, "clicked", G_CALLBACK (on_repeat_set_clicked), self);
  g_signal_connect_swapped (self->repeat_clear_button, "clicked", G_CALLBACK (on_repeat_clear_clicked), self);

  notes = gtk_text_view_get_buffer (self->notes_view);
  g_signal_connect (notes, "insert-text", G_CALLBACK (on_notes_insert_text), self);
  g_signal_connect (notes, "delete-range", G_CALLBACK (on_notes_delete_range), self);
  gtk_text_view_set_editable (self->notes_view, FALSE);
}

GtkWidget *
cairn_task_details_new (void)
{
  return g_object_new (CAIRN_TYPE_TASK_DETAILS, NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window-sidebar.c: the window's sidebar: Inbox, Today, Upcoming, the
 * tags, the lists (their menus, reordering, task drops), Notes. */
#define G_LOG_DOMAIN "cairn-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-window-private.h"
#include "cairn-window-undo.h"

static void     add_drop_target      (CairnWindow *self,
                                      GtkWidget   *row,
                                      gboolean     lists_too);
static gboolean on_lists_key_pressed (GtkEventControllerKey *keys,
                                      guint                  keyval,
                                      guint                  keycode,
                                      GdkModifierType        state,
                                      CairnWindow           *self);

/* The sidebar is four list boxes, top to bottom. */
#define N_SIDEBAR_BOXES 4

static void
sidebar_boxes (CairnWindow *self,
               GtkListBox  *boxes[N_SIDEBAR_BOXES])
{
  boxes[0] = self->smart_listbox;
  boxes[1] = self->tags_listbox;
  boxes[2] = self->lists_listbox;
  boxes[3] = self->notes_listbox;
}

/* The page a sidebar row shows: a list id, "notes", "today", "tag:ID" … */
static const char *
row_page (GtkListBoxRow *row)
{
  const char *page = g_object_get_data (G_OBJECT (row), "cairn-page");

  return page != NULL ? page : g_object_get_data (G_OBJECT (row), "cairn-list-id");
}

static GtkListBoxRow *
find_row_in (GtkListBox *box,
             const char *key,
             const char *value)
{
  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (box, i);

      if (row == NULL)
        return NULL;
      if (g_strcmp0 (g_object_get_data (G_OBJECT (row), key), value) == 0)
        return row;
    }
}

GtkListBoxRow *
_cairn_window_sidebar_find_row (CairnWindow *self,
                                const char  *list_id)
{
  if (g_strcmp0 (list_id, CAIRN_INBOX_ID) == 0)
    return self->inbox_row;
  return find_row_in (self->lists_listbox, "cairn-list-id", list_id);
}

GtkListBoxRow *
_cairn_window_sidebar_find_page_row (CairnWindow *self,
                                     const char  *page)
{
  if (page == NULL || page[0] == '\0')
    return NULL;
  if (g_str_equal (page, "notes"))
    return self->notes_row;
  if (g_str_equal (page, "today"))
    return self->today_row;
  if (g_str_equal (page, "upcoming"))
    return self->upcoming_row;
  if (g_str_equal (page, "activity"))
    return self->activity_row;
  if (g_str_has_prefix (page, "tag:"))
    return find_row_in (self->tags_listbox, "cairn-page", page);
  return _cairn_window_sidebar_find_row (self, page);
}

void
_cairn_window_sidebar_select_row (CairnWindow   *self,
                                  GtkListBoxRow *row)
{
  GtkListBox *boxes[N_SIDEBAR_BOXES];

  sidebar_boxes (self, boxes);
  for (guint i = 0; i < N_SIDEBAR_BOXES; i++)
    if (row == NULL || gtk_widget_get_parent (GTK_WIDGET (row)) != GTK_WIDGET (boxes[i]))
      gtk_list_box_unselect_all (boxes[i]);
  if (row != NULL)
    gtk_list_box_select_row (GTK_LIST_BOX (gtk_widget_get_parent (GTK_WIDGET (row))), row);
}

static void
on_row_activated (GtkListBox    *box,
                  GtkListBoxRow *row,
                  CairnWindow   *self)
{
  _cairn_window_show_page (self, row_page (row));
}

static void
on_row_selected (GtkListBox    *box,
                 GtkListBoxRow *row,
                 CairnWindow   *self)
{
  /* Keyboard navigation selects without activating. */
  if (row != NULL && !self->selecting)
    _cairn_window_select (self, row_page (row));
}

/* The sidebar's list boxes are one column for the arrow keys: past the
 * last row of one the focus goes to the first of the next that has rows
 * (the tags' box is empty without tags), and back up likewise. */
static gboolean
on_keynav_failed (GtkWidget        *box,
                  GtkDirectionType  direction,
                  CairnWindow      *self)
{
  GtkListBox *boxes[N_SIDEBAR_BOXES];
  guint n = N_SIDEBAR_BOXES, at = 0;

  sidebar_boxes (self, boxes);
  if (direction != GTK_DIR_DOWN && direction != GTK_DIR_UP)
    return FALSE;
  while (at < n && GTK_WIDGET (boxes[at]) != box)
    at++;
  for (int i = (int) at + (direction == GTK_DIR_DOWN ? 1 : -1);
       i >= 0 && i < (int) n; i += direction == GTK_DIR_DOWN ? 1 : -1)
    {
      GtkListBoxRow *row = NULL;

      if (!gtk_widget_get_visible (GTK_WIDGET (boxes[i])))
        continue;
      if (direction == GTK_DIR_DOWN)
        row = gtk_list_box_get_row_at_index (boxes[i], 0);
      else
        for (int j = 0; gtk_list_box_get_row_at_index (boxes[i], j) != NULL; j++)
          row = gtk_list_box_get_row_at_index (boxes[i], j);
      if (row != NULL)
        {
          gtk_widget_grab_focus (GTK_WIDGET (row));
          return TRUE;
        }
    }
  return FALSE;
}

/* The sidebar keeps one width whatever the workspace is called: the
 * header's title and subtitle labels (inside the AdwWindowTitle, which
 * ellipsizes them but asks for their whole text) ask for a fixed number
 * of characters, so a long name is ellipsized instead of widening the
 * sidebar, and a short one does not narrow it. The title is "Cairn"; the
 * subtitle, in a smaller font, the workspace ("Local Workspace" fits). */
static void
fix_title_width (GtkWidget *widget,
                 guint     *n_labels)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child))
        {
          int chars = (*n_labels)++ == 0 ? 8 : 16;

          gtk_label_set_width_chars (GTK_LABEL (child), chars);
          gtk_label_set_max_width_chars (GTK_LABEL (child), chars);
        }
      else
        fix_title_width (child, n_labels);
    }
}

void
_cairn_window_sidebar_init (CairnWindow *self)
{
  GtkListBox *boxes[N_SIDEBAR_BOXES];
  guint n_labels = 0;

  sidebar_boxes (self, boxes);
  fix_title_width (GTK_WIDGET (self->sidebar_title), &n_labels);
  for (guint i = 0; i < N_SIDEBAR_BOXES; i++)
    {
      g_signal_connect (boxes[i], "keynav-failed", G_CALLBACK (on_keynav_failed), self);
      g_signal_connect (boxes[i], "row-activated", G_CALLBACK (on_row_activated), self);
      g_signal_connect (boxes[i], "row-selected", G_CALLBACK (on_row_selected), self);
    }
  g_object_set_data (G_OBJECT (self->notes_row), "cairn-page", (gpointer) "notes");
  g_object_set_data (G_OBJECT (self->inbox_row), "cairn-page", (gpointer) CAIRN_INBOX_ID);
  g_object_set_data (G_OBJECT (self->today_row), "cairn-page", (gpointer) "today");
  g_object_set_data (G_OBJECT (self->upcoming_row), "cairn-page", (gpointer) "upcoming");
  g_object_set_data (G_OBJECT (self->activity_row), "cairn-page", (gpointer) "activity");
  add_drop_target (self, GTK_WIDGET (self->inbox_row), FALSE);
  self->lists_keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (self->lists_keys, GTK_PHASE_CAPTURE);
  g_signal_connect (self->lists_keys, "key-pressed", G_CALLBACK (on_lists_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->lists_listbox), self->lists_keys);
}

/* ---- A list's row --------------------------------------------------------- */

/* Right click or long press on a list in the sidebar: Rename, Delete. */
static void
show_list_context_menu (GtkWidget *row)
{
  const char *id = g_object_get_data (G_OBJECT (row), "cairn-list-id");
  GtkWidget *popover = g_object_get_data (G_OBJECT (row), "cairn-popover");

  if (popover == NULL)
    {
      g_autoptr(GMenu) menu = g_menu_new ();
      g_autoptr(GMenuItem) rename = g_menu_item_new (_("_Rename…"), NULL);
      g_autoptr(GMenuItem) delete = g_menu_item_new (_("_Delete"), NULL);

      g_menu_item_set_action_and_target (rename, "win.rename-list", "s", id);
      g_menu_item_set_action_and_target (delete, "win.delete-list", "s", id);
      g_menu_append_item (menu, rename);
      g_menu_append_item (menu, delete);
      popover = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
      gtk_popover_set_has_arrow (GTK_POPOVER (popover), FALSE);
      gtk_widget_set_halign (popover, GTK_ALIGN_START);
      gtk_widget_set_parent (popover, row);
      g_object_set_data (G_OBJECT (row), "cairn-popover", popover);
    }
  gtk_popover_popup (GTK_POPOVER (popover));
}

static void
on_list_row_pressed (GtkGestureClick *gesture,
                     int              n_press,
                     double           x,
                     double           y,
                     GtkWidget       *row)
{
  show_list_context_menu (row);
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
on_list_row_long_pressed (GtkGestureLongPress *gesture,
                          double               x,
                          double               y,
                          GtkWidget           *row)
{
  show_list_context_menu (row);
}

static void
on_list_row_destroy (GtkWidget *row)
{
  GtkWidget *popover = g_object_steal_data (G_OBJECT (row), "cairn-popover");

  if (popover != NULL)
    gtk_widget_unparent (popover);
}

/* The context menu opens on a right click, or a long press on a touch screen. */
static void
list_row_add_gestures (GtkWidget *row)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkGesture *long_press = gtk_gesture_long_press_new ();

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_list_row_pressed), row);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (click));
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (long_press), TRUE);
  g_signal_connect (long_press, "pressed", G_CALLBACK (on_list_row_long_pressed), row);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (long_press));
  g_signal_connect (row, "destroy", G_CALLBACK (on_list_row_destroy), NULL);
}

/* ---- Drag and drop, Alt+Up / Alt+Down --------------------------------- */

/* A list's row drags its CairnList (to reorder the lists). */
static GdkContentProvider *
on_list_drag_prepare (GtkDragSource *source,
                      double         x,
                      double         y,
                      CairnList     *list)
{
  return gdk_content_provider_new_typed (CAIRN_TYPE_LIST, list);
}

static void
on_list_drag_begin (GtkDragSource *source,
                    GdkDrag       *drag,
                    GtkWidget     *row)
{
  g_autoptr(GdkPaintable) icon = gtk_widget_paintable_new (row);

  gtk_drag_source_set_icon (source, icon, 12, 12);
}

static void
add_drag_source (GtkWidget *row,
                 CairnList *list)
{
  GtkDragSource *source = gtk_drag_source_new ();

  gtk_drag_source_set_actions (source, GDK_ACTION_MOVE);
  g_signal_connect_data (source, "prepare", G_CALLBACK (on_list_drag_prepare),
                         g_object_ref (list), (GClosureNotify) (void (*) (void)) g_object_unref, 0);
  g_signal_connect (source, "drag-begin", G_CALLBACK (on_list_drag_begin), row);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (source));
}

static void
clear_drop_indicator (GtkWidget *row)
{
  gtk_widget_remove_css_class (row, "drop-above");
  gtk_widget_remove_css_class (row, "drop-below");
}

/* While a list is dragged over a list's row, a line above or below it
 * shows where it will go; a task dragged over a row highlights the row
 * (GTK's :drop(active)). */
static GdkDragAction
on_drop_motion (GtkDropTarget *target,
                double         x,
                double         y,
                CairnWindow   *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));
  const GValue *value = gtk_drop_target_get_value (target);
  GdkDrop *drop = gtk_drop_target_get_current_drop (target);
  GdkDragAction actions = drop != NULL ? gdk_drop_get_actions (drop) : GDK_ACTION_MOVE;

  clear_drop_indicator (row);
  if (value != NULL && G_VALUE_HOLDS (value, CAIRN_TYPE_LIST))
    gtk_widget_add_css_class (row, y < gtk_widget_get_height (row) / 2.0 ? "drop-above"
                                                                          : "drop-below");
  return actions & GDK_ACTION_MOVE ? GDK_ACTION_MOVE : actions & GDK_ACTION_COPY;
}

static void
on_drop_leave (GtkDropTarget *target,
               CairnWindow   *self)
{
  clear_drop_indicator (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target)));
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         CairnWindow   *self)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (target));

  clear_drop_indicator (row);
  return _cairn_window_sidebar_drop (self, GTK_LIST_BOX_ROW (row), value, y);
}

/* Tasks can be dropped on the Inbox and the lists; lists (reordering) on
 * the lists only. The target is the row's "cairn-drop-target". */
static void
add_drop_target (CairnWindow *self,
                 GtkWidget   *row,
                 gboolean     lists_too)
{
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_MOVE | GDK_ACTION_COPY);
  GType types[] = { CAIRN_TYPE_TODO, CAIRN_TYPE_LIST };

  gtk_drop_target_set_gtypes (target, types, lists_too ? 2 : 1);
  gtk_drop_target_set_preload (target, TRUE);
  g_signal_connect (target, "motion", G_CALLBACK (on_drop_motion), self);
  g_signal_connect (target, "leave", G_CALLBACK (on_drop_leave), self);
  g_signal_connect (target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (target));
  g_object_set_data (G_OBJECT (row), "cairn-drop-target", target);
}

static const char *
row_list_id (CairnWindow   *self,
             GtkListBoxRow *row)
{
  if (row == self->inbox_row)
    return CAIRN_INBOX_ID;
  return g_object_get_data (G_OBJECT (row), "cairn-list-id");
}

gboolean
_cairn_window_sidebar_drop (CairnWindow   *self,
                            GtkListBoxRow *row,
                            const GValue  *value,
                            double         y)
{
  g_autoptr(GError) error = NULL;
  const char *list_id;

  g_return_val_if_fail (CAIRN_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (GTK_IS_LIST_BOX_ROW (row), FALSE);

  list_id = row_list_id (self, row);
  if (self->pool == NULL || list_id == NULL || value == NULL)
    return FALSE;

  if (G_VALUE_HOLDS (value, CAIRN_TYPE_TODO) && g_value_get_object (value) != NULL)
    {
      CairnTodo *todo = g_value_get_object (value);

      /* Already there: nothing to do (dropping a task back where it came from). */
      if (g_str_equal (cairn_todo_get_list_id (todo), list_id))
        return FALSE;
      if (!_cairn_undo_move_todo (GTK_WIDGET (self), self->pool, cairn_todo_get_id (todo),
                                  list_id, NULL, NULL, &error))
        {
          cairn_window_report_error (GTK_WIDGET (self), _("Could not move the task"), error);
          return FALSE;
        }
      return TRUE;
    }

  if (G_VALUE_HOLDS (value, CAIRN_TYPE_LIST) && g_value_get_object (value) != NULL &&
      row != self->inbox_row)
    {
      CairnList *list = g_value_get_object (value);
      gboolean above = y < gtk_widget_get_height (GTK_WIDGET (row)) / 2.0;

      if (g_str_equal (cairn_list_get_id (list), list_id))
        return FALSE;
      if (!_cairn_undo_move_list (GTK_WIDGET (self), self->pool, cairn_list_get_id (list),
                                  above ? list_id : NULL, above ? NULL : list_id, &error))
        {
          cairn_window_report_error (GTK_WIDGET (self), _("Could not move the list"), error);
          return FALSE;
        }
      return TRUE;
    }
  return FALSE;
}

gboolean
_cairn_window_sidebar_move_list (CairnWindow *self,
                                 const char  *list_id,
                                 int          delta)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnList) other = NULL;
  GListModel *lists = self->sidebar_lists;
  GtkListBoxRow *row;
  guint n, at;

  if (lists == NULL || list_id == NULL)
    return FALSE;
  n = g_list_model_get_n_items (lists);
  for (at = 0; at < n; at++)
    {
      g_autoptr(CairnList) list = g_list_model_get_item (lists, at);

      if (g_str_equal (cairn_list_get_id (list), list_id))
        break;
    }
  if (at >= n || (delta < 0 && at == 0) || (delta > 0 && at + 1 >= n))
    return FALSE;
  other = g_list_model_get_item (lists, delta < 0 ? at - 1 : at + 1);
  if (!_cairn_undo_move_list (GTK_WIDGET (self), self->pool, list_id,
                              delta < 0 ? cairn_list_get_id (other) : NULL,
                              delta < 0 ? NULL : cairn_list_get_id (other), &error))
    {
      cairn_window_report_error (GTK_WIDGET (self), _("Could not move the list"), error);
      return FALSE;
    }
  /* The row was made again in its new place: it keeps the focus. */
  row = _cairn_window_sidebar_find_row (self, list_id);
  if (row != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (row));
  return TRUE;
}

static gboolean
on_lists_key_pressed (GtkEventControllerKey *keys,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      CairnWindow           *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  GtkWidget *row;
  int delta;

  if ((state & gtk_accelerator_get_default_mod_mask ()) != GDK_ALT_MASK)
    return FALSE;
  if (keyval == GDK_KEY_Up || keyval == GDK_KEY_KP_Up)
    delta = -1;
  else if (keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down)
    delta = 1;
  else
    return FALSE;
  row = focus != NULL ? gtk_widget_get_ancestor (focus, GTK_TYPE_LIST_BOX_ROW) : NULL;
  if (row == NULL || gtk_widget_get_parent (row) != GTK_WIDGET (self->lists_listbox))
    return FALSE;
  _cairn_window_sidebar_move_list (self, g_object_get_data (G_OBJECT (row), "cairn-list-id"),
                                   delta);
  return TRUE;
}

static GtkWidget *
create_list_row (gpointer item,
                 gpointer user_data)
{
  CairnList *list = item;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *icon = gtk_image_new_from_icon_name ("view-list-symbolic");
  GtkWidget *label = gtk_label_new (NULL);

  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  g_object_bind_property (list, "title", label, "label", G_BINDING_SYNC_CREATE);
  g_object_bind_property (list, "title", row, "tooltip-text", G_BINDING_SYNC_CREATE);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL,
                                  -1);
  g_object_set_data_full (G_OBJECT (row), "cairn-list-id",
                          g_strdup (cairn_list_get_id (list)), g_free);
  list_row_add_gestures (row);
  add_drag_source (row, list);
  add_drop_target (user_data, row, TRUE);
  return row;
}

/* ---- The lists ------------------------------------------------------------ */

/* After lists come or go: the selected list may be gone (deleted here or
 * elsewhere), and a new row must show as selected. */
static void
update_lists_heading (CairnWindow *self)
{
  gboolean any = self->sidebar_lists != NULL && g_list_model_get_n_items (self->sidebar_lists) > 0;

  gtk_widget_set_visible (self->lists_heading, any);
  gtk_widget_set_visible (GTK_WIDGET (self->lists_listbox), any);
}

static void
on_lists_changed (GListModel  *lists,
                  guint        position,
                  guint        removed,
                  guint        added,
                  CairnWindow *self)
{
  /* No list but the Inbox: no "Lists" heading over nothing. */
  update_lists_heading (self);
  if (_cairn_window_is_list_page (self, self->selected))
    {
      if (cairn_pool_lookup_list (self->pool, self->selected) == NULL)
        {
          /* Keep the setting: an Undo brings the list back. */
          g_autofree char *keep = g_strdup (self->selected);
          _cairn_window_select (self, "");
          g_free (self->selected);
          self->selected = g_steal_pointer (&keep);
        }
      else
        _cairn_window_select (self, self->selected);
    }
}

/* ---- The tags ------------------------------------------------------------- */

static void
sync_tag_color (CairnTag  *tag,
                GParamSpec *pspec,
                GtkWidget  *dot)
{
  for (const char * const *c = cairn_tag_colors; *c != NULL; c++)
    {
      g_autofree char *name = g_strconcat ("tag-", *c, NULL);

      if (g_str_equal (*c, cairn_tag_get_color (tag)))
        gtk_widget_add_css_class (dot, name);
      else
        gtk_widget_remove_css_class (dot, name);
    }
}

static GtkWidget *
create_tag_row (gpointer item,
                gpointer user_data)
{
  CairnTag *tag = item;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *dot = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_add_css_class (dot, "tag-dot");
  gtk_widget_set_valign (dot, GTK_ALIGN_CENTER);
  gtk_widget_set_halign (dot, GTK_ALIGN_CENTER);
  gtk_widget_set_size_request (dot, 10, 10);
  /* The dot sits where the other rows have their 16 px icon. */
  gtk_widget_set_margin_start (dot, 3);
  gtk_widget_set_margin_end (dot, 3);
  sync_tag_color (tag, NULL, dot);
  g_signal_connect_object (tag, "notify::color", G_CALLBACK (sync_tag_color), dot, 0);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  g_object_bind_property (tag, "name", label, "label", G_BINDING_SYNC_CREATE);
  gtk_box_append (GTK_BOX (box), dot);
  gtk_box_append (GTK_BOX (box), label);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL,
                                  -1);
  g_object_set_data_full (G_OBJECT (row), "cairn-page",
                          g_strconcat ("tag:", cairn_tag_get_id (tag), NULL), g_free);
  return row;
}

/* No tags, no "Tags" heading. A shown tag page whose tag went shows the
 * placeholder (as a deleted list's does). */
static void
on_tags_changed (GListModel  *tags,
                 guint        position,
                 guint        removed,
                 guint        added,
                 CairnWindow *self)
{
  gboolean any = g_list_model_get_n_items (tags) > 0;

  gtk_widget_set_visible (self->tags_heading, any);
  gtk_widget_set_visible (GTK_WIDGET (self->tags_listbox), any);
  if (removed > 0 && g_str_has_prefix (self->selected, "tag:"))
    _cairn_window_select (self, self->selected);
}

static gboolean
is_not_inbox (gpointer item,
              gpointer user_data)
{
  return !g_str_equal (cairn_list_get_id (item), CAIRN_INBOX_ID);
}

void
_cairn_window_sidebar_unbind (CairnWindow *self)
{
  if (self->pool != NULL)
    {
      g_signal_handlers_disconnect_by_func (cairn_pool_get_lists (self->pool),
                                            on_lists_changed, self);
      g_signal_handlers_disconnect_by_func (cairn_pool_get_tags (self->pool),
                                            on_tags_changed, self);
    }
  gtk_list_box_bind_model (self->lists_listbox, NULL, NULL, NULL, NULL);
  gtk_list_box_bind_model (self->tags_listbox, NULL, NULL, NULL, NULL);
  g_clear_object (&self->sidebar_lists);
}

void
_cairn_window_sidebar_bind (CairnWindow *self)
{
  GListModel *lists;
  GListModel *tags;

  if (self->pool == NULL)
    return;
  lists = cairn_pool_get_lists (self->pool);
  /* The Inbox has its own row at the top. */
  self->sidebar_lists =
    G_LIST_MODEL (gtk_filter_list_model_new (g_object_ref (lists),
                                             GTK_FILTER (gtk_custom_filter_new (is_not_inbox,
                                                                                NULL, NULL))));
  gtk_list_box_bind_model (self->lists_listbox, self->sidebar_lists, create_list_row, self, NULL);
  g_signal_connect_object (lists, "items-changed",
                           G_CALLBACK (on_lists_changed), self, G_CONNECT_AFTER);
  update_lists_heading (self);
  tags = cairn_pool_get_tags (self->pool);
  gtk_list_box_bind_model (self->tags_listbox, tags, create_tag_row, self, NULL);
  g_signal_connect_object (tags, "items-changed",
                           G_CALLBACK (on_tags_changed), self, G_CONNECT_AFTER);
  on_tags_changed (tags, 0, 0, 0, self);
}

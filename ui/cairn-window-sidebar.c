/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window-sidebar.c: the window's sidebar: Notes, the lists, their menus. */
#define G_LOG_DOMAIN "cairn-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-window-private.h"

GtkListBoxRow *
_cairn_window_sidebar_find_row (CairnWindow *self,
                                const char  *list_id)
{
  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->lists_listbox, i);

      if (row == NULL)
        return NULL;
      if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "cairn-list-id"), list_id) == 0)
        return row;
    }
}

static void
on_notes_row_activated (GtkListBox    *box,
                        GtkListBoxRow *row,
                        CairnWindow   *self)
{
  _cairn_window_show_page (self, "notes");
}

static void
on_list_row_activated (GtkListBox    *box,
                       GtkListBoxRow *row,
                       CairnWindow   *self)
{
  _cairn_window_show_page (self, g_object_get_data (G_OBJECT (row), "cairn-list-id"));
}

static void
on_list_row_selected (GtkListBox    *box,
                      GtkListBoxRow *row,
                      CairnWindow   *self)
{
  /* Keyboard navigation selects without activating. */
  if (row != NULL && !self->selecting)
    _cairn_window_select (self, g_object_get_data (G_OBJECT (row), "cairn-list-id"));
}

/* The Notes row and the lists are two list boxes: the arrow keys go from
 * one to the other as if they were one (Down past Notes to the first
 * list, Up past the first list to Notes). */
static gboolean
on_notes_keynav_failed (GtkWidget        *box,
                        GtkDirectionType  direction,
                        CairnWindow      *self)
{
  GtkListBoxRow *first = gtk_list_box_get_row_at_index (self->lists_listbox, 0);

  if (direction != GTK_DIR_DOWN || first == NULL)
    return FALSE;
  gtk_widget_grab_focus (GTK_WIDGET (first));
  return TRUE;
}

static gboolean
on_lists_keynav_failed (GtkWidget        *box,
                        GtkDirectionType  direction,
                        CairnWindow      *self)
{
  if (direction != GTK_DIR_UP)
    return FALSE;
  gtk_widget_grab_focus (GTK_WIDGET (self->notes_row));
  return TRUE;
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
  guint n_labels = 0;

  fix_title_width (GTK_WIDGET (self->sidebar_title), &n_labels);
  g_signal_connect (self->notes_listbox, "keynav-failed",
                    G_CALLBACK (on_notes_keynav_failed), self);
  g_signal_connect (self->lists_listbox, "keynav-failed",
                    G_CALLBACK (on_lists_keynav_failed), self);
  g_signal_connect (self->notes_listbox, "row-activated",
                    G_CALLBACK (on_notes_row_activated), self);
  g_signal_connect (self->lists_listbox, "row-activated",
                    G_CALLBACK (on_list_row_activated), self);
  g_signal_connect (self->lists_listbox, "row-selected",
                    G_CALLBACK (on_list_row_selected), self);
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
  return row;
}

/* ---- The lists ------------------------------------------------------------ */

/* After lists come or go: the selected list may be gone (deleted here or
 * elsewhere), and a new row must show as selected. */
static void
on_lists_changed (GListModel  *lists,
                  guint        position,
                  guint        removed,
                  guint        added,
                  CairnWindow *self)
{
  if (self->selected[0] != '\0' && !g_str_equal (self->selected, "notes"))
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

void
_cairn_window_sidebar_unbind (CairnWindow *self)
{
  if (self->pool != NULL)
    g_signal_handlers_disconnect_by_func (cairn_pool_get_lists (self->pool),
                                          on_lists_changed, self);
  gtk_list_box_bind_model (self->lists_listbox, NULL, NULL, NULL, NULL);
}

void
_cairn_window_sidebar_bind (CairnWindow *self)
{
  GListModel *lists;

  if (self->pool == NULL)
    return;
  lists = cairn_pool_get_lists (self->pool);
  gtk_list_box_bind_model (self->lists_listbox, lists, create_list_row, self, NULL);
  g_signal_connect_object (lists, "items-changed",
                           G_CALLBACK (on_lists_changed), self, G_CONNECT_AFTER);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window.c: the main window (sidebar, content pages, window actions). */
#define G_LOG_DOMAIN "cairn-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-account-dialog.h"
#include "cairn-notes-view.h"
#include "cairn-session.h"
#include "cairn-sync-indicator.h"
#include "cairn-todo-view.h"
#include "cairn-window.h"

struct _CairnWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  CairnPool            *pool;
  CairnSyncEngine      *engine;
  CairnSession         *session;
  GHashTable           *conflict_toasts;   /* gint64* report id -> AdwToast* or NULL */
  GPtrArray            *undo_toasts;       /* AdwToast*, not dismissed yet */
  GCancellable         *cancellable;
  char                 *selected;
  GBinding             *title_binding;
  guint                 show_completed : 1;
  guint                 selecting : 1;

  AdwToastOverlay      *toast_overlay;
  AdwHeaderBar         *sidebar_header;
  AdwWindowTitle       *sidebar_title;
  CairnSyncIndicator   *sync_indicator;
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar_box;
  GtkWidget            *content_box;
  GtkListBox           *notes_listbox;
  GtkListBoxRow        *notes_row;
  GtkListBox           *lists_listbox;
  AdwWindowTitle       *content_title;
  GtkWidget            *list_menu_button;
  GtkStack             *content_stack;
  AdwStatusPage        *none_page;
  CairnTodoView        *todo_view;
  CairnNotesView       *notes_view;
};

G_DEFINE_FINAL_TYPE (CairnWindow, cairn_window, ADW_TYPE_APPLICATION_WINDOW)

enum { PROP_0, PROP_SETTINGS, PROP_POOL, PROP_SYNC_ENGINE, PROP_SESSION, PROP_SHOW_COMPLETED,
       N_PROPS };
static GParamSpec *properties [N_PROPS];

enum { ACCOUNT_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- Toasts ------------------------------------------------------------- */

/* libadwaita 1.2 frees a toast's bookkeeping when its hide animation ends
 * but leaves its show animation (300 or 500 ms) running: a toast dismissed
 * while it is still sliding in crashes the app a moment later. So a toast
 * is dismissed from here no sooner than this after it was added. */
#define TOAST_SETTLE_MS 700

static gboolean
dismiss_toast_cb (gpointer data)
{
  if (g_object_get_data (data, "cairn-dismissed") == NULL)
    adw_toast_dismiss (data);
  return G_SOURCE_REMOVE;
}

/* Dismisses a toast made by toast_track(), once it has settled. */
static void
dismiss_toast_later (AdwToast *toast)
{
  gint64 added = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (toast), "cairn-added-ms"));
  gint64 wait = added + TOAST_SETTLE_MS - g_get_monotonic_time () / 1000;

  g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) CLAMP (wait, 0, TOAST_SETTLE_MS),
                      dismiss_toast_cb, g_object_ref (toast), g_object_unref);
}

static void
on_toast_dismissed (AdwToast *toast)
{
  g_object_set_data (G_OBJECT (toast), "cairn-dismissed", GINT_TO_POINTER (TRUE));
}

/* Notes when a toast that is about to be added was added, and when it goes,
 * for dismiss_toast_later(). */
static void
toast_track (AdwToast *toast)
{
  g_signal_connect (toast, "dismissed", G_CALLBACK (on_toast_dismissed), NULL);
  g_object_set_data (G_OBJECT (toast), "cairn-added-ms",
                     GSIZE_TO_POINTER ((gsize) (g_get_monotonic_time () / 1000)));
}

static void
cairn_window_set_show_completed (CairnWindow *self,
                                 gboolean     show_completed)
{
  show_completed = !!show_completed;
  if (self->show_completed == show_completed)
    return;
  self->show_completed = show_completed;
  if (self->todo_view != NULL)
    cairn_todo_view_set_show_completed (self->todo_view, show_completed);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_COMPLETED]);
}

static GtkListBoxRow *
find_list_row (CairnWindow *self,
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

/* Shows page `selected` ("notes", a list id, or "") in the content area,
 * remembers it in the settings and keeps the sidebar selection in step.
 * A list id that names no live list shows the placeholder. */
static void
cairn_window_select (CairnWindow *self,
                     const char  *selected)
{
  CairnList *list = NULL;

  g_assert (CAIRN_IS_WINDOW (self));

  if (selected == NULL)
    selected = "";

  if (g_strcmp0 (self->selected, selected) != 0)
    {
      g_free (self->selected);
      self->selected = g_strdup (selected);
      g_settings_set_string (self->settings, "last-selected", selected);
    }

  g_clear_pointer (&self->title_binding, g_binding_unbind);
  self->selecting = TRUE;

  if (self->pool != NULL && selected[0] != '\0' && !g_str_equal (selected, "notes"))
    list = cairn_pool_lookup_list (self->pool, selected);

  if (g_str_equal (selected, "notes"))
    {
      gtk_list_box_unselect_all (self->lists_listbox);
      gtk_list_box_select_row (self->notes_listbox, self->notes_row);
      gtk_stack_set_visible_child_name (self->content_stack,
                                        self->notes_view != NULL ? "notes" : "none");
      adw_window_title_set_title (self->content_title, _("Notes"));
      gtk_widget_set_visible (self->list_menu_button, FALSE);
    }
  else if (list != NULL)
    {
      GtkListBoxRow *row = find_list_row (self, selected);

      gtk_list_box_unselect_all (self->notes_listbox);
      if (row != NULL)
        gtk_list_box_select_row (self->lists_listbox, row);
      cairn_todo_view_set_list_id (self->todo_view, selected);
      gtk_stack_set_visible_child_name (self->content_stack, "todos");
      self->title_binding = g_object_bind_property (list, "title",
                                                    self->content_title, "title",
                                                    G_BINDING_SYNC_CREATE);
      /* The binding goes with the list object (a pool drops a deleted list's
       * object, and a whole pool's when another workspace is opened). */
      g_object_add_weak_pointer (G_OBJECT (self->title_binding),
                                 (gpointer *) &self->title_binding);
      gtk_widget_set_visible (self->list_menu_button, TRUE);
    }
  else
    {
      gtk_list_box_unselect_all (self->notes_listbox);
      gtk_list_box_unselect_all (self->lists_listbox);
      if (self->todo_view != NULL)
        cairn_todo_view_set_list_id (self->todo_view, NULL);
      gtk_stack_set_visible_child_name (self->content_stack, "none");
      adw_window_title_set_title (self->content_title, "");
      gtk_widget_set_visible (self->list_menu_button, FALSE);
    }

  self->selecting = FALSE;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.rename-current-list", list != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-current-list", list != NULL);
}

static void
on_notes_row_activated (GtkListBox    *box,
                        GtkListBoxRow *row,
                        CairnWindow   *self)
{
  cairn_window_select (self, "notes");
  adw_leaflet_set_visible_child (self->leaflet, self->content_box);
}

static void
on_list_row_activated (GtkListBox    *box,
                       GtkListBoxRow *row,
                       CairnWindow   *self)
{
  cairn_window_select (self, g_object_get_data (G_OBJECT (row), "cairn-list-id"));
  adw_leaflet_set_visible_child (self->leaflet, self->content_box);
}

static void
on_list_row_selected (GtkListBox    *box,
                      GtkListBoxRow *row,
                      CairnWindow   *self)
{
  /* Keyboard navigation selects without activating. */
  if (row != NULL && !self->selecting)
    cairn_window_select (self, g_object_get_data (G_OBJECT (row), "cairn-list-id"));
}

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
  return row;
}

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
          cairn_window_select (self, "");
          g_free (self->selected);
          self->selected = g_steal_pointer (&keep);
        }
      else
        cairn_window_select (self, self->selected);
    }
}

static void
cairn_window_go_back (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* ---- Lists -------------------------------------------------------------- */

typedef struct
{
  CairnWindow *window;
  GtkEntry    *entry;
  char        *list_id;   /* NULL: create */
} ListDialog;

static void
list_dialog_free (gpointer data)
{
  ListDialog *d = data;

  g_free (d->list_id);
  g_free (d);
}

static void
on_list_dialog_response (AdwMessageDialog *dialog,
                         const char       *response,
                         ListDialog       *d)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  CairnStore *store;

  if (!g_str_equal (response, "apply"))
    return;

  store = cairn_pool_get_store (d->window->pool);
  title = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (d->entry))));
  if (d->list_id == NULL)
    {
      g_autofree char *id = cairn_store_create_list (store, title, &error);

      if (id == NULL)
        cairn_window_report_error (GTK_WIDGET (d->window), _("Could not create the list"), error);
      else
        {
          cairn_window_select (d->window, id);
          adw_leaflet_set_visible_child (d->window->leaflet, d->window->content_box);
          cairn_todo_view_focus_entry (d->window->todo_view);
        }
    }
  else if (!cairn_store_rename_list (store, d->list_id, title, &error))
    cairn_window_report_error (GTK_WIDGET (d->window), _("Could not rename the list"), error);
}

static void
on_list_entry_changed (GtkEditable      *entry,
                       AdwMessageDialog *dialog)
{
  g_autofree char *title = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "apply", title[0] != '\0');
}

static void
show_list_dialog (CairnWindow *self,
                  const char  *list_id)
{
  CairnList *list = list_id != NULL ? cairn_pool_lookup_list (self->pool, list_id) : NULL;
  AdwMessageDialog *dialog;
  GtkWidget *entry;
  ListDialog *d;

  if (list_id != NULL && list == NULL)
    return;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                       list != NULL ? _("Rename List") : _("New List"),
                                                       NULL));
  entry = gtk_entry_new ();
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("List name"), -1);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("List name"));
  if (list != NULL)
    gtk_editable_set_text (GTK_EDITABLE (entry), cairn_list_get_title (list));
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "apply", list != NULL ? _("_Rename") : _("_Create"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "apply", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "apply");
  adw_message_dialog_set_close_response (dialog, "cancel");
  on_list_entry_changed (GTK_EDITABLE (entry), dialog);

  d = g_new0 (ListDialog, 1);
  d->window = self;
  d->entry = GTK_ENTRY (entry);
  d->list_id = g_strdup (list_id);
  g_signal_connect (entry, "changed", G_CALLBACK (on_list_entry_changed), dialog);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_list_dialog_response),
                         d, (GClosureNotify) (void (*) (void)) list_dialog_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
win_new_list (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);

  if (self->pool != NULL)
    show_list_dialog (self, NULL);
}

static void
win_rename_current_list (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);
  const char *id = parameter != NULL ? g_variant_get_string (parameter, NULL) : self->selected;

  if (self->pool != NULL)
    show_list_dialog (self, id);
}

static void
on_undo_toast_dismissed (AdwToast    *toast,
                         CairnWindow *self)
{
  g_ptr_array_remove (self->undo_toasts, toast);
}

/* An Undo toast restores by id in the store of the workspace it was shown
 * in: the file's path goes with it (see cairn_window_drop_undo_toasts()). */
static void
add_undo_toast (CairnWindow *self,
                const char  *title,
                const char  *restore_action,
                const char  *id)
{
  g_autofree char *text = NULL;
  AdwToast *toast;

  /* Translators: %s is the title of what was deleted */
  text = g_strdup_printf (_("“%s” deleted"), title);
  toast = adw_toast_new (text);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, restore_action);
  adw_toast_set_action_target_value (toast, g_variant_new_string (id));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_object_set_data_full (G_OBJECT (toast), "cairn-store-path",
                          g_strdup (cairn_store_get_path (cairn_pool_get_store (self->pool))),
                          g_free);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_undo_toast_dismissed), self, 0);
  toast_track (toast);
  g_ptr_array_add (self->undo_toasts, g_object_ref (toast));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Another workspace was opened: the Undo toasts of the one before would
 * restore by id in a store where those ids mean nothing ("Could not
 * undo"). They lose their button's action at once and go as soon as they
 * may. Toasts of the same file (reopened after a sign-in) stay. */
static void
cairn_window_drop_undo_toasts (CairnWindow *self)
{
  const char *path = NULL;

  if (self->pool != NULL)
    path = cairn_store_get_path (cairn_pool_get_store (self->pool));
  for (guint i = self->undo_toasts->len; i-- > 0;)
    {
      AdwToast *toast = self->undo_toasts->pdata[i];

      if (g_strcmp0 (g_object_get_data (G_OBJECT (toast), "cairn-store-path"), path) == 0)
        continue;
      adw_toast_set_action_name (toast, NULL);
      dismiss_toast_later (toast);
      g_ptr_array_remove_index (self->undo_toasts, i);
    }
}

typedef gboolean (*CairnDeleteFunc) (CairnStore  *store,
                                     const char  *id,
                                     GError     **error);

/* Deletes a list, task or note with delete_func and offers its Undo
 * (restore_action with the id); title names it in the toast, failure
 * the error. Both strings are copied first: the object they may belong
 * to (and the window's selection) can change with the delete. */
static void
delete_with_undo (CairnWindow     *self,
                  CairnDeleteFunc  delete_func,
                  const char      *id,
                  const char      *title,
                  const char      *failure,
                  const char      *restore_action)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id_copy = g_strdup (id);
  g_autofree char *title_copy = g_strdup (title);

  if (!delete_func (cairn_pool_get_store (self->pool), id_copy, &error))
    cairn_window_report_error (GTK_WIDGET (self), failure, error);
  else
    add_undo_toast (self, title_copy, restore_action, id_copy);
}

static void
win_delete_current_list (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);
  const char *id = parameter != NULL ? g_variant_get_string (parameter, NULL) : self->selected;
  CairnList *list;

  if (self->pool != NULL && (list = cairn_pool_lookup_list (self->pool, id)) != NULL)
    delete_with_undo (self, cairn_store_delete_list, id, cairn_list_get_title (list),
                      _("Could not delete the list"), "win.restore-list");
}

static void
win_restore (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  const char *id = g_variant_get_string (parameter, NULL);
  CairnStore *store;
  gboolean ok;

  if (self->pool == NULL)
    return;

  store = cairn_pool_get_store (self->pool);
  if (g_str_equal (action_name, "win.restore-list"))
    {
      ok = cairn_store_restore_list (store, id, &error);
      if (ok && g_str_equal (self->selected, id))
        cairn_window_select (self, id);
    }
  else if (g_str_equal (action_name, "win.restore-task"))
    ok = cairn_store_restore_todo (store, id, &error);
  else
    ok = cairn_store_restore_note (store, id, &error);

  if (!ok)
    cairn_window_report_error (GTK_WIDGET (self), _("Could not undo"), error);
}

/* ---- Tasks and notes ---------------------------------------------------- */

static void
win_delete_task (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  CairnTodo *todo;

  if (self->pool != NULL && (todo = cairn_pool_lookup_todo (self->pool, id)) != NULL)
    delete_with_undo (self, cairn_store_delete_todo, id, cairn_todo_get_title (todo),
                      _("Could not delete the task"), "win.restore-task");
}

static void
win_new_task (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);
  GListModel *lists;

  if (self->pool == NULL)
    return;

  if (cairn_pool_lookup_list (self->pool, self->selected) == NULL)
    {
      g_autoptr(CairnList) first = NULL;

      lists = cairn_pool_get_lists (self->pool);
      if (g_list_model_get_n_items (lists) == 0)
        {
          /* A task needs a list: make one first. */
          show_list_dialog (self, NULL);
          return;
        }
      first = g_list_model_get_item (lists, 0);
      cairn_window_select (self, cairn_list_get_id (first));
    }

  adw_leaflet_set_visible_child (self->leaflet, self->content_box);
  cairn_todo_view_focus_entry (self->todo_view);
}

static void
win_new_note (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (self->pool == NULL)
    return;

  /* Titles cannot be empty; focusing the title selects it for typing over. */
  id = cairn_store_create_note (cairn_pool_get_store (self->pool), _("Untitled Note"), &error);
  if (id == NULL)
    {
      cairn_window_report_error (GTK_WIDGET (self), _("Could not create the note"), error);
      return;
    }
  cairn_window_select (self, "notes");
  adw_leaflet_set_visible_child (self->leaflet, self->content_box);
  cairn_notes_view_select_note (self->notes_view, id);
  cairn_notes_view_focus_title (self->notes_view);
}

static void
win_delete_note (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  CairnNote *note;

  if (self->pool != NULL && (note = cairn_pool_lookup_note (self->pool, id)) != NULL)
    delete_with_undo (self, cairn_store_delete_note, id,
                      cairn_note_get_title (note)[0] != '\0' ? cairn_note_get_title (note)
                                                             : _("Untitled Note"),
                      _("Could not delete the note"), "win.restore-note");
}

/* ---- Sync ---------------------------------------------------------------- */

static void
sync_now_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CairnWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cairn_sync_engine_sync_finish (CAIRN_SYNC_ENGINE (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = cairn_account_error_text (error);
      cairn_window_report_error (GTK_WIDGET (self), _("Could not sync"), &(GError) { error->domain, error->code, text });
    }
}

static void
win_sync_now (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);

  if (self->engine != NULL)
    cairn_sync_engine_sync_async (self->engine, self->cancellable, sync_now_done,
                                  g_object_ref (self));
}

/* After a sign-in or sign-out the profile's current workspace may be
 * another one (signing in makes the personal one current): open it here. */
static void
on_account_changed (CairnWindow *self)
{
  if (self->session != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!cairn_session_open (self->session, NULL, FALSE, &error))
        cairn_window_report_error (GTK_WIDGET (self), _("Could not open the workspace"), error);
    }
  g_signal_emit (self, signals[ACCOUNT_CHANGED], 0);
}

static void
win_accounts (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);
  CairnAccountDialog *dialog;

  if (self->engine == NULL)
    return;
  if (self->session != NULL)
    dialog = cairn_account_dialog_new_for_session (GTK_WINDOW (self), self->session);
  else
    dialog = cairn_account_dialog_new (GTK_WINDOW (self), self->engine);
  g_signal_connect_object (dialog, "signed-in", G_CALLBACK (on_account_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (dialog, "signed-out", G_CALLBACK (on_account_changed),
                           self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static const char *
conflict_field_text (CairnConflict *conflict)
{
  const char *field = cairn_conflict_get_field (conflict);

  if (g_str_equal (field, "title"))
    return _("title");
  if (g_str_equal (field, "done"))
    return _("done state");
  if (g_str_equal (field, "due"))
    return _("due date");
  if (g_str_equal (field, "list"))
    return _("list");
  return _("position");
}

static void
on_conflict_toast_dismissed (AdwToast    *toast,
                             CairnWindow *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->conflict_toasts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value == toast)
      g_hash_table_iter_replace (&iter, NULL);
}


/* Say what changed and offer to keep our value. */
static AdwToast *
conflict_toast_new (CairnWindow   *self,
                    CairnConflict *conflict)
{
  g_autofree char *text = NULL;
  const char *device = cairn_conflict_get_their_device (conflict);
  AdwToast *toast;

  /* Translators: "title of “Buy milk” changed to “Buy oat milk” on laptop" */
  text = g_strdup_printf (_("The %s of “%s” was changed to “%s” on %s"),
                          conflict_field_text (conflict),
                          cairn_conflict_get_ours (conflict),
                          cairn_conflict_get_theirs (conflict),
                          device != NULL && device[0] != '\0' ? device
                                                               : _("another device"));
  toast = adw_toast_new (text);
  adw_toast_set_button_label (toast, _("_Keep Mine"));
  adw_toast_set_action_name (toast, "win.keep-mine");
  adw_toast_set_action_target_value (toast,
                                     g_variant_new_int64 (cairn_conflict_get_id (conflict)));
  adw_toast_set_timeout (toast, 10);
  g_signal_connect_object (toast, "dismissed",
                           G_CALLBACK (on_conflict_toast_dismissed), self, 0);
  toast_track (toast);
  return toast;
}

/* Each report in the status's conflicts gets one toast; a report that is
 * gone (kept, dismissed, another workspace opened) takes its toast along. */
static void
cairn_window_update_conflict_toasts (CairnWindow *self)
{
  GListModel *conflicts;
  g_autoptr(GHashTable) present = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                         g_free, NULL);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  if (self->engine == NULL)
    return;
  conflicts = cairn_sync_status_get_conflicts (cairn_sync_engine_get_status (self->engine));
  for (guint i = 0; i < g_list_model_get_n_items (conflicts); i++)
    {
      g_autoptr(CairnConflict) conflict = g_list_model_get_item (conflicts, i);
      gint64 id = cairn_conflict_get_id (conflict);

      g_hash_table_add (present, g_memdup2 (&id, sizeof id));
      if (!g_hash_table_contains (self->conflict_toasts, &id))
        {
          AdwToast *toast = conflict_toast_new (self, conflict);

          g_hash_table_insert (self->conflict_toasts, g_memdup2 (&id, sizeof id), toast);
          adw_toast_overlay_add_toast (self->toast_overlay, toast);
        }
    }

  g_hash_table_iter_init (&iter, self->conflict_toasts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (present, key))
      {
        if (value != NULL)
          g_ptr_array_add (gone, g_object_ref (value));
        g_hash_table_iter_remove (&iter);
      }
  for (guint i = 0; i < gone->len; i++)
    dismiss_toast_later (gone->pdata[i]);
}

static void
on_conflicts_changed (GListModel  *conflicts,
                      guint        position,
                      guint        removed,
                      guint        added,
                      CairnWindow *self)
{
  cairn_window_update_conflict_toasts (self);
}

/* Report ids are per workspace: after opening another one, start over. */
static void
cairn_window_reset_conflict_toasts (CairnWindow *self)
{
  g_autoptr(GPtrArray) shown = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->conflict_toasts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value != NULL)
      g_ptr_array_add (shown, g_object_ref (value));
  g_hash_table_remove_all (self->conflict_toasts);
  for (guint i = 0; i < shown->len; i++)
    dismiss_toast_later (shown->pdata[i]);
  cairn_window_update_conflict_toasts (self);
}

static void
win_keep_mine (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);
  gint64 id = g_variant_get_int64 (parameter);
  GListModel *conflicts;

  if (self->engine == NULL)
    return;
  conflicts = cairn_sync_status_get_conflicts (cairn_sync_engine_get_status (self->engine));
  for (guint i = 0; i < g_list_model_get_n_items (conflicts); i++)
    {
      g_autoptr(CairnConflict) conflict = g_list_model_get_item (conflicts, i);
      g_autoptr(GError) error = NULL;

      if (cairn_conflict_get_id (conflict) != id)
        continue;
      /* The toast whose button this was goes away by itself; dismissing it
       * here too, from inside its own click, would be once too often. */
      if (g_hash_table_contains (self->conflict_toasts, &id))
        g_hash_table_insert (self->conflict_toasts, g_memdup2 (&id, sizeof id), NULL);
      if (!cairn_sync_engine_keep_mine (self->engine, conflict, &error))
        cairn_window_report_error (GTK_WIDGET (self), _("Could not restore your change"), error);
      return;
    }
}

/* ---- Workspace ---------------------------------------------------------- */

/* Builds the content over pool (NULL: the workspace could not be opened),
 * first letting go of the views, rows and bindings of the pool shown so far,
 * so that nothing keeps the old store alive. */
static void
cairn_window_bind_pool (CairnWindow *self,
                        CairnPool   *pool)
{
  g_autoptr(CairnPool) keep = pool != NULL ? g_object_ref (pool) : NULL;

  g_clear_pointer (&self->title_binding, g_binding_unbind);
  if (self->pool != NULL)
    g_signal_handlers_disconnect_by_func (cairn_pool_get_lists (self->pool),
                                          on_lists_changed, self);
  gtk_list_box_bind_model (self->lists_listbox, NULL, NULL, NULL, NULL);
  if (self->todo_view != NULL)
    gtk_stack_remove (self->content_stack, GTK_WIDGET (self->todo_view));
  if (self->notes_view != NULL)
    gtk_stack_remove (self->content_stack, GTK_WIDGET (self->notes_view));
  self->todo_view = NULL;
  self->notes_view = NULL;
  g_set_object (&self->pool, pool);
  cairn_window_drop_undo_toasts (self);

  if (self->pool != NULL)
    {
      GListModel *lists = cairn_pool_get_lists (self->pool);

      self->todo_view = CAIRN_TODO_VIEW (cairn_todo_view_new (self->pool));
      cairn_todo_view_set_show_completed (self->todo_view, self->show_completed);
      gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->todo_view), "todos");
      self->notes_view = CAIRN_NOTES_VIEW (cairn_notes_view_new (self->pool));
      gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->notes_view), "notes");

      gtk_list_box_bind_model (self->lists_listbox, lists, create_list_row, self, NULL);
      g_signal_connect_object (lists, "items-changed",
                               G_CALLBACK (on_lists_changed), self, G_CONNECT_AFTER);
      adw_status_page_set_title (self->none_page, _("No List Selected"));
      adw_status_page_set_description (self->none_page,
                                       _("Create a list with the + button, or pick one from the sidebar"));
      gtk_widget_set_visible (adw_status_page_get_child (self->none_page), TRUE);
    }
  else
    {
      adw_status_page_set_title (self->none_page, _("Workspace Not Available"));
      adw_status_page_set_description (self->none_page,
                                       _("Your lists and notes could not be opened"));
      gtk_widget_set_visible (adw_status_page_get_child (self->none_page), FALSE);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-list", self->pool != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-task", self->pool != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-note", self->pool != NULL);
}

/* The sidebar's subtitle names the open workspace. */
static void
on_session_name_changed (CairnWindow *self)
{
  const char *name = cairn_session_get_workspace_name (self->session);

  adw_window_title_set_subtitle (self->sidebar_title,
                                 name != NULL ? name : _("Local Workspace"));
}

/* Another workspace was opened: show it in place. Notes stay open; a list
 * of the old workspace does not exist in the new one, so the new one's
 * first list is shown instead (or the placeholder). */
static void
on_session_pool_changed (CairnWindow *self)
{
  g_autofree char *selected = g_strdup (self->selected);

  cairn_window_bind_pool (self, cairn_session_get_pool (self->session));
  cairn_window_reset_conflict_toasts (self);
  if (self->pool != NULL && !g_str_equal (selected, "notes") &&
      cairn_pool_lookup_list (self->pool, selected) == NULL)
    {
      g_autoptr(CairnList) first = g_list_model_get_item (cairn_pool_get_lists (self->pool), 0);

      g_free (selected);
      selected = g_strdup (first != NULL ? cairn_list_get_id (first) : "");
    }
  cairn_window_select (self, selected);
}

/* ---- Window ------------------------------------------------------------- */

static void
cairn_window_save_geometry (CairnWindow *self)
{
  int width = 0;
  int height = 0;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  if (!gtk_window_is_maximized (GTK_WINDOW (self)) && width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", MAX (width, 360));
      g_settings_set_int (self->settings, "window-height", MAX (height, 294));
    }
  g_settings_apply (self->settings);
}

static gboolean
cairn_window_close_request (GtkWindow *window)
{
  cairn_window_save_geometry (CAIRN_WINDOW (window));

  return GTK_WINDOW_CLASS (cairn_window_parent_class)->close_request (window);
}

static void
cairn_window_constructed (GObject *object)
{
  CairnWindow *self = CAIRN_WINDOW (object);
  g_autofree char *last = NULL;

  G_OBJECT_CLASS (cairn_window_parent_class)->constructed (object);

  if (self->settings == NULL)
    self->settings = g_settings_new (APP_ID);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  /* With a session the window follows it to whichever workspace it opens. */
  if (self->session != NULL)
    {
      g_set_object (&self->pool, cairn_session_get_pool (self->session));
      g_set_object (&self->engine, cairn_session_get_engine (self->session));
      g_signal_connect_object (self->session, "notify::pool",
                               G_CALLBACK (on_session_pool_changed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->session, "notify::workspace-name",
                               G_CALLBACK (on_session_name_changed), self, G_CONNECT_SWAPPED);
      on_session_name_changed (self);
    }

  cairn_window_bind_pool (self, self->pool);

  g_settings_bind (self->settings, "show-completed",
                   self, "show-completed", G_SETTINGS_BIND_DEFAULT);

  /* With no engine (tests, or sync not built) there is simply no button. */
  if (self->engine != NULL)
    {
      CairnSyncStatus *status = cairn_sync_engine_get_status (self->engine);

      self->sync_indicator = CAIRN_SYNC_INDICATOR (cairn_sync_indicator_new ());
      cairn_sync_indicator_set_status (self->sync_indicator, status);
      adw_header_bar_pack_end (self->sidebar_header, GTK_WIDGET (self->sync_indicator));
      g_signal_connect_object (cairn_sync_status_get_conflicts (status), "items-changed",
                               G_CALLBACK (on_conflicts_changed), self, 0);
      cairn_window_update_conflict_toasts (self);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sync-now", self->engine != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.accounts", self->engine != NULL);

  last = g_settings_get_string (self->settings, "last-selected");
  cairn_window_select (self, last);
}

static void
cairn_window_dispose (GObject *object)
{
  CairnWindow *self = CAIRN_WINDOW (object);

  g_clear_pointer (&self->title_binding, g_binding_unbind);
  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (object), CAIRN_TYPE_WINDOW);

  G_OBJECT_CLASS (cairn_window_parent_class)->dispose (object);
}

static void
cairn_window_finalize (GObject *object)
{
  CairnWindow *self = CAIRN_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->pool);
  g_clear_object (&self->engine);
  g_clear_object (&self->session);
  g_clear_pointer (&self->conflict_toasts, g_hash_table_unref);
  g_clear_pointer (&self->undo_toasts, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->selected, g_free);

  G_OBJECT_CLASS (cairn_window_parent_class)->finalize (object);
}

static void
cairn_window_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  CairnWindow *self = CAIRN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_POOL:
      g_value_set_object (value, self->pool);
      break;
    case PROP_SYNC_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_SHOW_COMPLETED:
      g_value_set_boolean (value, self->show_completed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_window_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  CairnWindow *self = CAIRN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    case PROP_POOL:
      self->pool = g_value_dup_object (value);
      break;
    case PROP_SYNC_ENGINE:
      self->engine = g_value_dup_object (value);
      break;
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    case PROP_SHOW_COMPLETED:
      cairn_window_set_show_completed (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_window_class_init (CairnWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = cairn_window_constructed;
  object_class->dispose = cairn_window_dispose;
  object_class->finalize = cairn_window_finalize;
  object_class->get_property = cairn_window_get_property;
  object_class->set_property = cairn_window_set_property;
  window_class->close_request = cairn_window_close_request;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);
  properties[PROP_POOL] =
    g_param_spec_object ("pool", NULL, NULL, CAIRN_TYPE_POOL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);
  properties[PROP_SYNC_ENGINE] =
    g_param_spec_object ("sync-engine", NULL, NULL, CAIRN_TYPE_SYNC_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, CAIRN_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_COMPLETED] =
    g_param_spec_boolean ("show-completed", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* After a sign-in or sign-out: the current workspace may have changed. */
  signals[ACCOUNT_CHANGED] = g_signal_new ("account-changed", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/cairn/Cairn/cairn-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, sidebar_header);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, sidebar_title);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, sidebar_box);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, content_box);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, notes_listbox);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, notes_row);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, lists_listbox);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, list_menu_button);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, none_page);

  gtk_widget_class_install_action (widget_class, "win.go-back", NULL, cairn_window_go_back);
  gtk_widget_class_install_property_action (widget_class, "win.show-completed",
                                            "show-completed");
  gtk_widget_class_install_action (widget_class, "win.new-list", NULL, win_new_list);
  gtk_widget_class_install_action (widget_class, "win.rename-current-list", NULL,
                                   win_rename_current_list);
  gtk_widget_class_install_action (widget_class, "win.delete-current-list", NULL,
                                   win_delete_current_list);
  gtk_widget_class_install_action (widget_class, "win.rename-list", "s",
                                   win_rename_current_list);
  gtk_widget_class_install_action (widget_class, "win.delete-list", "s",
                                   win_delete_current_list);
  gtk_widget_class_install_action (widget_class, "win.restore-list", "s", win_restore);
  gtk_widget_class_install_action (widget_class, "win.new-task", NULL, win_new_task);
  gtk_widget_class_install_action (widget_class, "win.delete-task", "s", win_delete_task);
  gtk_widget_class_install_action (widget_class, "win.restore-task", "s", win_restore);
  gtk_widget_class_install_action (widget_class, "win.new-note", NULL, win_new_note);
  gtk_widget_class_install_action (widget_class, "win.delete-note", "s", win_delete_note);
  gtk_widget_class_install_action (widget_class, "win.restore-note", "s", win_restore);
  gtk_widget_class_install_action (widget_class, "win.sync-now", NULL, win_sync_now);
  gtk_widget_class_install_action (widget_class, "win.accounts", NULL, win_accounts);
  gtk_widget_class_install_action (widget_class, "win.keep-mine", "x", win_keep_mine);
}

static void
cairn_window_init (CairnWindow *self)
{
  self->show_completed = TRUE;
  self->selected = g_strdup ("");
  self->cancellable = g_cancellable_new ();
  self->conflict_toasts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->undo_toasts = g_ptr_array_new_with_free_func (g_object_unref);

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (self->notes_listbox, "row-activated",
                    G_CALLBACK (on_notes_row_activated), self);
  g_signal_connect (self->lists_listbox, "row-activated",
                    G_CALLBACK (on_list_row_activated), self);
  g_signal_connect (self->lists_listbox, "row-selected",
                    G_CALLBACK (on_list_row_selected), self);
}

CairnWindow *
cairn_window_new (GtkApplication *application,
                  GSettings      *settings,
                  CairnPool      *pool)
{
  return cairn_window_new_full (application, settings, pool, NULL);
}

CairnWindow *
cairn_window_new_full (GtkApplication  *application,
                       GSettings       *settings,
                       CairnPool       *pool,
                       CairnSyncEngine *engine)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (pool == NULL || CAIRN_IS_POOL (pool), NULL);
  g_return_val_if_fail (engine == NULL || CAIRN_IS_SYNC_ENGINE (engine), NULL);

  return g_object_new (CAIRN_TYPE_WINDOW,
                       "application", application,
                       "settings", settings,
                       "pool", pool,
                       "sync-engine", engine,
                       NULL);
}

CairnWindow *
cairn_window_new_for_session (GtkApplication *application,
                              GSettings      *settings,
                              CairnSession   *session)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (CAIRN_IS_SESSION (session), NULL);

  return g_object_new (CAIRN_TYPE_WINDOW,
                       "application", application,
                       "settings", settings,
                       "session", session,
                       NULL);
}

GSettings *
cairn_window_get_settings (CairnWindow *self)
{
  g_return_val_if_fail (CAIRN_IS_WINDOW (self), NULL);

  return self->settings;
}

CairnPool *
cairn_window_get_pool (CairnWindow *self)
{
  g_return_val_if_fail (CAIRN_IS_WINDOW (self), NULL);

  return self->pool;
}

void
cairn_window_add_toast (CairnWindow *self,
                        AdwToast    *toast)
{
  g_return_if_fail (CAIRN_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
cairn_window_report_error (GtkWidget    *widget,
                           const char   *what,
                           const GError *error)
{
  GtkRoot *root;
  g_autofree char *message = NULL;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (what != NULL);
  g_return_if_fail (error != NULL);

  root = gtk_widget_get_root (widget);
  message = g_strdup_printf ("%s: %s", what, error->message);
  if (CAIRN_IS_WINDOW (root))
    cairn_window_add_toast (CAIRN_WINDOW (root), adw_toast_new (message));
  else
    g_warning ("%s", message);
}

const char *
cairn_window_get_selected (CairnWindow *self)
{
  g_return_val_if_fail (CAIRN_IS_WINDOW (self), NULL);

  return self->selected;
}

void
cairn_window_select_page (CairnWindow *self,
                          const char  *selected)
{
  g_return_if_fail (CAIRN_IS_WINDOW (self));

  cairn_window_select (self, selected);
}

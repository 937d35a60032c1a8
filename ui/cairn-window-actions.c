/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window-actions.c: the window's win.* actions and the list dialog. */
#define G_LOG_DOMAIN "cairn-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-ui.h"
#include "cairn-account-dialog.h"
#include "cairn-window-private.h"
#include "cairn-window-undo.h"

static void
win_go_back (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* ---- The list dialog: New List, Rename List ------------------------------ */

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
  title = cairn_ui_clean_title (gtk_editable_get_text (GTK_EDITABLE (d->entry)));
  if (d->list_id == NULL)
    {
      g_autofree char *id = cairn_store_create_list (store, title, &error);

      if (id == NULL)
        cairn_window_report_error (GTK_WIDGET (d->window), _("Could not create the list"), error);
      else
        {
          _cairn_window_show_page (d->window, id);
          cairn_todo_view_focus_entry (d->window->todo_view);
        }
    }
  else if (!_cairn_undo_rename_list (GTK_WIDGET (d->window), d->window->pool, d->list_id, title, &error))
    cairn_window_report_error (GTK_WIDGET (d->window), _("Could not rename the list"), error);
}

static void
on_list_entry_changed (GtkEditable      *entry,
                       AdwMessageDialog *dialog)
{
  g_autofree char *title = cairn_ui_clean_title (gtk_editable_get_text (entry));

  adw_message_dialog_set_response_enabled (dialog, "apply", title[0] != '\0');
}

/* Asks for a name: of a new list (list NULL), or list's new one. */
static AdwMessageDialog *
list_dialog_new (CairnWindow *self,
                 CairnList   *list,
                 GtkWidget   *entry)
{
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                       list != NULL ? _("Rename List") : _("New List"),
                                                       NULL));
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
  return dialog;
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

  entry = gtk_entry_new ();
  dialog = list_dialog_new (self, list, entry);
  d = g_new0 (ListDialog, 1);
  d->window = self;
  d->entry = GTK_ENTRY (entry);
  cairn_ui_limit_title_entry (d->entry);
  d->list_id = g_strdup (list_id);
  g_signal_connect (entry, "changed", G_CALLBACK (on_list_entry_changed), dialog);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_list_dialog_response),
                         d, (GClosureNotify) (void (*) (void)) list_dialog_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

/* ---- Lists ---------------------------------------------------------------- */

static void
win_new_list (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);

  if (self->pool != NULL)
    show_list_dialog (self, NULL);
}

/* win.rename-current-list, and win.rename-list with a list id. */
static void
win_rename_list (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);
  const char *id = parameter != NULL ? g_variant_get_string (parameter, NULL) : self->selected;

  if (self->pool != NULL)
    show_list_dialog (self, id);
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
    {
      _cairn_window_add_undo_toast (self, title_copy, restore_action, id_copy);
    }
}

/* win.delete-current-list, and win.delete-list with a list id. */
static void
win_delete_list (GtkWidget  *widget,
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

/* win.restore-list, win.restore-task and win.restore-note: an Undo. */
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

  /* The store's undo when the deletion is still the newest action, so
   * that it is not undone twice (and Redo can delete it again). */
  if (_cairn_window_undo_deletion (widget, id))
    {
      if (g_str_equal (action_name, "win.restore-list") && g_str_equal (self->selected, id))
        _cairn_window_select (self, id);
      return;
    }
  store = cairn_pool_get_store (self->pool);
  if (g_str_equal (action_name, "win.restore-list"))
    {
      ok = cairn_store_restore_list (store, id, &error);
      if (ok && g_str_equal (self->selected, id))
        _cairn_window_select (self, id);
    }
  else if (g_str_equal (action_name, "win.restore-task"))
    ok = cairn_store_restore_todo (store, id, &error);
  else
    ok = cairn_store_restore_note (store, id, &error);

  if (!ok)
    cairn_window_report_error (GTK_WIDGET (self), _("Could not undo"), error);
}

/* ---- Tasks and notes ------------------------------------------------------ */

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

  /* Today has its own entry (a task due today, in the Inbox). */
  if (g_str_equal (self->selected, "today") && self->today_view != NULL)
    {
      adw_leaflet_set_visible_child (self->leaflet, self->content_box);
      cairn_smart_view_focus_entry (self->today_view);
      return;
    }

  /* Elsewhere but in a list, the task goes to the Inbox. */
  if (cairn_pool_lookup_list (self->pool, self->selected) == NULL &&
      cairn_pool_lookup_list (self->pool, CAIRN_INBOX_ID) != NULL)
    _cairn_window_select (self, CAIRN_INBOX_ID);

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
      _cairn_window_select (self, cairn_list_get_id (first));
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

  /* A filter of the find bar would hide the new note. */
  cairn_find_bar_close (self->find_bar);
  /* Titles cannot be empty; focusing the title selects it for typing over. */
  id = cairn_store_create_note (cairn_pool_get_store (self->pool), _("Untitled Note"), &error);
  if (id == NULL)
    {
      cairn_window_report_error (GTK_WIDGET (self), _("Could not create the note"), error);
      return;
    }
  _cairn_window_show_page (self, "notes");
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

/* ---- Sync ----------------------------------------------------------------- */

static void
sync_now_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CairnWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cairn_sync_engine_sync_finish (CAIRN_SYNC_ENGINE (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      (g_error_matches (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_NETWORK) ||
       g_error_matches (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_TIMED_OUT) ||
       error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR))
    {
      /* The server is down or the network is: not a fault to report in
       * its technical words, but what it means and what happens next. */
      CairnSyncStatus *status = cairn_sync_engine_get_status (CAIRN_SYNC_ENGINE (source));
      g_autofree char *retry = cairn_sync_retry_text (status);
      g_autofree char *text = NULL;

      if (retry != NULL)
        /* Translators: %s is "trying again at 14:05:31" */
        text = g_strdup_printf (_("Could not connect to the server. Changes are kept on this "
                                  "device; %s."), retry);
      else
        text = g_strdup (_("Could not connect to the server. Changes are kept on this device."));
      g_debug ("Sync Now: %s", error->message);
      cairn_window_add_toast (self, adw_toast_new (text));
    }
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = cairn_account_error_text (error);

      cairn_window_report_error (GTK_WIDGET (self), _("Could not sync"),
                                 &(GError) { error->domain, error->code, text });
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

static void
win_accounts (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);
  CairnAccountDialog *dialog;

  if (self->engine == NULL)
    return;
  /* Opened from the sync popover: it would stay on top of the dialog. */
  if (self->sync_indicator != NULL)
    cairn_sync_indicator_popdown (self->sync_indicator);
  if (self->workspace != NULL)
    dialog = cairn_account_dialog_new_for_workspace (GTK_WINDOW (self), self->workspace);
  else
    dialog = cairn_account_dialog_new (GTK_WINDOW (self), self->engine);
  g_signal_connect_object (dialog, "signed-in", G_CALLBACK (_cairn_window_account_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (dialog, "signed-out", G_CALLBACK (_cairn_window_account_changed),
                           self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
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
      _cairn_window_release_conflict_toast (self, id);
      if (!cairn_sync_engine_keep_mine (self->engine, conflict, &error))
        cairn_window_report_error (GTK_WIDGET (self), _("Could not restore your change"), error);
      return;
    }
}

/* ---- Installing them ------------------------------------------------------ */

/* Every action of the window. Which are enabled follows the window's
 * state: a pool (the new-* actions), a list shown (the *-current-list
 * ones), a sync engine (sync-now, accounts); see cairn-window.c. */
/* ---- The sidebar's views: Ctrl+1 Inbox, Ctrl+2 Today, Ctrl+3 Upcoming ---- */

static void
win_show_view (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  const char *view = g_variant_get_string (parameter, NULL);

  if (g_str_equal (view, "inbox"))
    view = CAIRN_INBOX_ID;
  else if (!g_str_equal (view, "today") && !g_str_equal (view, "upcoming") &&
           !g_str_equal (view, "activity"))
    return;
  _cairn_window_show_page (CAIRN_WINDOW (widget), view);
}

static void
install_view_actions (GtkWidgetClass *widget_class)
{
  const struct { guint key; const char *view; } keys[] = {
    { GDK_KEY_1, "inbox" }, { GDK_KEY_2, "today" }, { GDK_KEY_3, "upcoming" },
    { GDK_KEY_4, "activity" },   /* issue 15 */
  };

  gtk_widget_class_install_action (widget_class, "win.show-view", "s", win_show_view);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    gtk_widget_class_add_binding_action (widget_class, keys[i].key, GDK_CONTROL_MASK,
                                         "win.show-view", "s", keys[i].view);
}

void
_cairn_window_class_install_actions (GtkWidgetClass *widget_class)
{
  install_view_actions (widget_class);
  gtk_widget_class_install_action (widget_class, "win.go-back", NULL, win_go_back);
  gtk_widget_class_install_property_action (widget_class, "win.show-completed",
                                            "show-completed");
  gtk_widget_class_install_action (widget_class, "win.new-list", NULL, win_new_list);
  gtk_widget_class_install_action (widget_class, "win.rename-current-list", NULL,
                                   win_rename_list);
  gtk_widget_class_install_action (widget_class, "win.delete-current-list", NULL,
                                   win_delete_list);
  gtk_widget_class_install_action (widget_class, "win.rename-list", "s", win_rename_list);
  gtk_widget_class_install_action (widget_class, "win.delete-list", "s", win_delete_list);
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

  /* The task details pane (cairn-window-details.c) */
  _cairn_window_details_install_actions (widget_class);
}

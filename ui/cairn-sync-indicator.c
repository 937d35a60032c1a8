/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-indicator.c: sync status button and popover. */
#define G_LOG_DOMAIN "cairn-sync-indicator"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-sync-indicator.h"

struct _CairnSyncIndicator
{
  GtkWidget        parent_instance;

  CairnSyncStatus *status;
  gulong           notify_id;
  char            *summary;

  GtkMenuButton   *button;
  GtkLabel        *state_label;
  GtkLabel        *pending_label;
  GtkLabel        *last_sync_label;
  GtkLabel        *server_label;
  GtkWidget       *sync_now_button;
  GtkWidget       *account_button;
};

G_DEFINE_FINAL_TYPE (CairnSyncIndicator, cairn_sync_indicator, GTK_TYPE_WIDGET)

/* The state in a few words, and its icon. */
static const char *
state_text (CairnSyncIndicator  *self,
            gboolean             signed_in,
            gboolean             unsynced,
            const char         **icon)
{
  CairnSyncState state = self->status != NULL ? cairn_sync_status_get_state (self->status)
                                              : CAIRN_SYNC_STATE_OFFLINE;

  if (unsynced)
    {
      *icon = "network-offline-symbolic";
      return _("Not syncing: this workspace is only on this device");
    }
  switch (state)
    {
    case CAIRN_SYNC_STATE_CONNECTING:
      *icon = "network-transmit-receive-symbolic";
      return _("Connecting");
    case CAIRN_SYNC_STATE_SYNCING:
      *icon = "emblem-synchronizing-symbolic";
      return _("Syncing");
    case CAIRN_SYNC_STATE_UP_TO_DATE:
      *icon = "emblem-ok-symbolic";
      return _("Up to date");
    case CAIRN_SYNC_STATE_NEEDS_SIGN_IN:
      *icon = "dialog-password-symbolic";
      return _("Sign in to sync");
    case CAIRN_SYNC_STATE_REFUSED:
    case CAIRN_SYNC_STATE_ERROR:
      *icon = "dialog-warning-symbolic";
      return cairn_sync_status_get_message (self->status) != NULL
             ? cairn_sync_status_get_message (self->status) : _("Sync failed");
    case CAIRN_SYNC_STATE_OFFLINE:
    default:
      *icon = "network-offline-symbolic";
      return signed_in ? _("Offline") : _("Not syncing: no account");
    }
}

char *
cairn_sync_retry_text (CairnSyncStatus *status)
{
  gint64 next = status != NULL ? cairn_sync_status_get_next_retry (status) : 0;
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *time = NULL;

  if (next <= 0)
    return NULL;
  when = g_date_time_new_from_unix_local (next / 1000);
  time = g_date_time_format (when, "%X");
  /* Translators: %s is a time of day */
  return g_strdup_printf (_("trying again at %s"), time);
}

/* "3 changes not yet on the server", and what the server refused. */
static char *
pending_text (CairnSyncIndicator *self)
{
  guint n_pending = self->status != NULL ? cairn_sync_status_get_pending_count (self->status) : 0;
  guint n_refused = self->status != NULL ? cairn_sync_status_get_refused_count (self->status) : 0;
  g_autofree char *pending = NULL;

  if (n_pending == 0)
    pending = g_strdup (_("All changes saved on the server"));
  else
    pending = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%u change not yet on the server",
                                            "%u changes not yet on the server",
                                            n_pending), n_pending);
  if (n_refused == 0)
    return g_steal_pointer (&pending);
  /* Translators: %s is the line above ("3 changes not yet on the
   * server"), %u how many changes the server refused for good */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "%s; %u change refused by the server is kept on this device",
                                       "%s; %u changes refused by the server are kept on this device",
                                       n_refused), pending, n_refused);
}

static char *
last_sync_text (CairnSyncIndicator *self)
{
  gint64 last_sync = self->status != NULL ? cairn_sync_status_get_last_sync (self->status) : 0;
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *when = NULL;

  if (last_sync <= 0)
    return g_strdup (_("Never synced"));
  dt = g_date_time_new_from_unix_local (last_sync / 1000);
  when = g_date_time_format (dt, "%x %X");
  return g_strdup_printf (_("Last synced %s"), when);
}

static void
sync_ui (CairnSyncIndicator *self)
{
  const char *icon = NULL;
  const char *text;
  g_autofree char *pending = NULL;
  g_autofree char *last = NULL;
  g_autofree char *server = NULL;
  g_autofree char *retry = NULL;
  g_autofree char *with_retry = NULL;
  gboolean signed_in = FALSE;
  gboolean unsynced = FALSE;

  if (self->status != NULL)
    {
      signed_in = cairn_sync_status_get_server_url (self->status) != NULL;
      /* Signed in, but the open workspace is one the engine does not sync
       * (only on this device). */
      unsynced = signed_in && cairn_sync_status_get_workspace_id (self->status) == NULL;
    }
  text = state_text (self, signed_in, unsynced, &icon);
  /* Could not reach the server: say when the next try is. */
  if (signed_in && !unsynced &&
      (cairn_sync_status_get_state (self->status) == CAIRN_SYNC_STATE_OFFLINE ||
       cairn_sync_status_get_state (self->status) == CAIRN_SYNC_STATE_ERROR) &&
      (retry = cairn_sync_retry_text (self->status)) != NULL)
    {
      /* Translators: a sync state ("Offline"), then "trying again at 14:05:31" */
      with_retry = g_strdup_printf (_("%s, %s"), text, retry);
      text = with_retry;
    }

  g_free (self->summary);
  /* Translators: the sync button's accessible name, %s is its state */
  self->summary = g_strdup_printf (_("Sync: %s"), text);
  gtk_menu_button_set_icon_name (self->button, icon);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), self->summary);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->summary, -1);

  gtk_label_set_label (self->state_label, text);
  pending = pending_text (self);
  gtk_label_set_label (self->pending_label, signed_in && !unsynced
                                            ? pending : _("Changes are kept on this device"));
  last = last_sync_text (self);
  gtk_label_set_label (self->last_sync_label, last);
  gtk_widget_set_visible (GTK_WIDGET (self->last_sync_label), signed_in);

  if (signed_in)
    server = g_strdup_printf (_("%s on %s"),
                              cairn_sync_status_get_username (self->status) != NULL
                              ? cairn_sync_status_get_username (self->status) : "",
                              cairn_sync_status_get_server_url (self->status));
  gtk_label_set_label (self->server_label, server != NULL ? server : "");
  gtk_widget_set_visible (GTK_WIDGET (self->server_label), signed_in);
  gtk_widget_set_visible (self->sync_now_button, signed_in && !unsynced);
  gtk_button_set_label (GTK_BUTTON (self->account_button),
                        signed_in ? _("_Account…") : _("_Sign In…"));
}

static void
cairn_sync_indicator_dispose (GObject *object)
{
  CairnSyncIndicator *self = CAIRN_SYNC_INDICATOR (object);

  cairn_sync_indicator_set_status (self, NULL);
  if (self->button != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->button));
      self->button = NULL;
    }
  g_clear_pointer (&self->summary, g_free);

  G_OBJECT_CLASS (cairn_sync_indicator_parent_class)->dispose (object);
}

static void
cairn_sync_indicator_class_init (CairnSyncIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cairn_sync_indicator_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static GtkLabel *
popover_label (GtkWidget *box)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 30);
  gtk_box_append (GTK_BOX (box), label);
  return GTK_LABEL (label);
}

static void
cairn_sync_indicator_init (CairnSyncIndicator *self)
{
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);

  self->state_label = popover_label (box);
  gtk_widget_add_css_class (GTK_WIDGET (self->state_label), "heading");
  self->pending_label = popover_label (box);
  self->last_sync_label = popover_label (box);
  self->server_label = popover_label (box);
  gtk_widget_add_css_class (GTK_WIDGET (self->last_sync_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->server_label), "dim-label");

  self->sync_now_button = gtk_button_new_with_mnemonic (_("Sync _Now"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->sync_now_button), "win.sync-now");
  gtk_widget_set_hexpand (self->sync_now_button, TRUE);
  self->account_button = gtk_button_new_with_mnemonic (_("_Sign In…"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->account_button), "win.accounts");
  gtk_widget_set_hexpand (self->account_button, TRUE);
  gtk_box_append (GTK_BOX (buttons), self->sync_now_button);
  gtk_box_append (GTK_BOX (buttons), self->account_button);
  gtk_widget_set_margin_top (buttons, 6);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_popover_set_child (GTK_POPOVER (popover), box);

  self->button = GTK_MENU_BUTTON (gtk_menu_button_new ());
  gtk_menu_button_set_popover (self->button, popover);
  gtk_widget_set_parent (GTK_WIDGET (self->button), GTK_WIDGET (self));
  sync_ui (self);
}

GtkWidget *
cairn_sync_indicator_new (void)
{
  return g_object_new (CAIRN_TYPE_SYNC_INDICATOR, NULL);
}

void
cairn_sync_indicator_set_status (CairnSyncIndicator *self,
                                 CairnSyncStatus    *status)
{
  g_return_if_fail (CAIRN_IS_SYNC_INDICATOR (self));
  g_return_if_fail (status == NULL || CAIRN_IS_SYNC_STATUS (status));

  if (self->status == status)
    return;
  if (self->status != NULL)
    {
      g_clear_signal_handler (&self->notify_id, self->status);
      g_clear_object (&self->status);
    }
  if (status != NULL)
    {
      self->status = g_object_ref (status);
      self->notify_id = g_signal_connect_swapped (status, "notify",
                                                  G_CALLBACK (sync_ui), self);
    }
  if (self->button != NULL)
    sync_ui (self);
}

const char *
cairn_sync_indicator_get_icon_name (CairnSyncIndicator *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_INDICATOR (self), NULL);

  return gtk_menu_button_get_icon_name (self->button);
}

const char *
cairn_sync_indicator_get_summary (CairnSyncIndicator *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_INDICATOR (self), NULL);

  return self->summary;
}

void
cairn_sync_indicator_popdown (CairnSyncIndicator *self)
{
  g_return_if_fail (CAIRN_IS_SYNC_INDICATOR (self));
  gtk_menu_button_popdown (self->button);
}

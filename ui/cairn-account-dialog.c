/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-account-dialog.c: sign in / sign out. */
#define G_LOG_DOMAIN "cairn-account-dialog"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "cairn-account-dialog.h"
#include "cairn-protocol.h"
#include "cairn-workspace-dialog.h"
#include "cairn-tls-pin.h"

struct _CairnAccountDialog
{
  AdwWindow        parent_instance;

  CairnSyncEngine *engine;
  CairnWorkspace  *workspace;    /* NULL: workspaces are listed, not opened */
  GCancellable    *cancellable;
  guint            busy : 1;

  GtkStack        *stack;
  AdwEntryRow     *server_row;
  AdwEntryRow     *username_row;
  AdwPasswordEntryRow *password_row;
  GtkLabel        *error_label;
  GtkButton       *sign_in_button;
  GtkSpinner      *spinner;
  AdwStatusPage   *signed_in_page;
  AdwEntryRow     *share_row;
  GtkLabel        *share_label;
  AdwPreferencesGroup *workspaces_group;
  GPtrArray       *workspace_rows;
  AdwPreferencesGroup *local_group;
  GPtrArray       *local_rows;
  GtkLabel        *workspace_label;
  AdwPreferencesGroup *device_group;   /* signed out: the profile's databases */
  GPtrArray       *device_rows;
  GtkLabel        *device_label;
  /* Shared workspaces (cairn-workspace-dialog.c): the last list, the
   * personal workspace's id, the row that creates one. */
  GPtrArray       *listed;
  char            *personal_id;
  AdwEntryRow     *create_row;
  GtkLabel        *create_label;
};

G_DEFINE_FINAL_TYPE (CairnAccountDialog, cairn_account_dialog, ADW_TYPE_WINDOW)

enum { SIGNED_IN, SIGNED_OUT, SHARED, WORKSPACE_OPENED, N_SIGNALS };
static guint signals[N_SIGNALS];

char *
cairn_account_error_text (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED))
    return g_strdup (_("Wrong username or password"));
  if (g_error_matches (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_NETWORK) ||
      g_error_matches (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_TIMED_OUT) ||
      error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR)
    return g_strdup_printf (_("Cannot reach the server: %s"), error->message);
  if (g_error_matches (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL))
    return g_strdup (_("This is not a Cairn server, or one this version cannot talk to"));
  return g_strdup (error->message);
}

static void
show_error (CairnAccountDialog *self,
            const char         *text)
{
  gtk_label_set_label (self->error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static void
set_busy (CairnAccountDialog *self,
          gboolean            busy)
{
  self->busy = !!busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->server_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->username_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), !busy);
  if (self->share_row != NULL)
    gtk_widget_set_sensitive (GTK_WIDGET (self->share_row), !busy);
  if (self->create_row != NULL)
    gtk_widget_set_sensitive (GTK_WIDGET (self->create_row), !busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
}

static void sync_page (CairnAccountDialog *self);
static void emit_workspace_opened (CairnAccountDialog *self);

static void
show_workspace_error (CairnAccountDialog *self,
                      const char         *text)
{
  GtkLabel *label = g_str_equal (gtk_stack_get_visible_child_name (self->stack), "sign-in")
                    ? self->device_label : self->workspace_label;

  gtk_label_set_label (self->workspace_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->workspace_label), FALSE);
  gtk_label_set_label (self->device_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->device_label), FALSE);
  gtk_label_set_label (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL);
}

/* "Open" on a workspace row: this device switches to it. */
static void
on_open_workspace (GtkButton          *button,
                   CairnAccountDialog *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "cairn-workspace-id");
  gboolean local_only = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button),
                                                            "cairn-local-only"));
  g_autoptr(GError) error = NULL;

  if (self->busy || self->workspace == NULL)
    return;
  if (!cairn_workspace_open (self->workspace, id, local_only, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not open the workspace: %s"),
                                               error->message);
      show_workspace_error (self, text);
      return;
    }
  show_workspace_error (self, NULL);
  g_signal_emit (self, signals[WORKSPACE_OPENED], 0);
  sync_page (self);
}

static void
emit_workspace_opened (CairnAccountDialog *self)
{
  g_signal_emit (self, signals[WORKSPACE_OPENED], 0);
}

static GtkWidget *
workspace_row_new (CairnAccountDialog *self,
                   const char         *id,
                   const char         *title,
                   const char         *subtitle,
                   gboolean            local_only,
                   const char         *current)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (g_strcmp0 (id, current) == 0)
    {
      /* Translators: "Personal — open now" */
      g_autofree char *text = g_strdup_printf (_("%s — open now"), subtitle);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), text);
    }
  else
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      if (self->workspace != NULL)
        {
          GtkWidget *open = gtk_button_new_with_mnemonic (_("_Open"));
          g_autofree char *name = g_strdup_printf (_("Open “%s”"), title);

          gtk_widget_set_valign (open, GTK_ALIGN_CENTER);
          gtk_accessible_update_property (GTK_ACCESSIBLE (open),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
          g_object_set_data_full (G_OBJECT (open), "cairn-workspace-id", g_strdup (id), g_free);
          g_object_set_data (G_OBJECT (open), "cairn-local-only", GINT_TO_POINTER (local_only));
          g_signal_connect (open, "clicked", G_CALLBACK (on_open_workspace), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), open);
          adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), open);
        }
    }
  return row;
}

static void
clear_rows (AdwPreferencesGroup *group,
            GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, rows->pdata[i]);
  g_ptr_array_set_size (rows, 0);
}

/* Signed out: every workspace database of the profile, when there is more
 * than one, so that any of them can still be opened. */
static void
fill_device_workspaces (CairnAccountDialog *self)
{
  g_auto(GStrv) ids = NULL;

  clear_rows (self->device_group, self->device_rows);
  if (self->workspace != NULL)
    ids = cairn_profile_list_workspaces (cairn_workspace_get_profile (self->workspace));
  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    {
      g_autofree char *name = cairn_workspace_dup_name_of (self->workspace, ids[i]);
      g_autofree char *subtitle = g_strdup_printf (_("Not synced · %.8s"), ids[i]);
      GtkWidget *row = workspace_row_new (self, ids[i],
                                          name != NULL ? name : _("Local Workspace"),
                                          subtitle, FALSE,
                                          cairn_workspace_get_id (self->workspace));

      adw_preferences_group_add (self->device_group, row);
      g_ptr_array_add (self->device_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->device_group), self->device_rows->len > 1);
}

/* ---- Shared workspaces: members, invite, leave, create -------------------- */

static void
open_workspace_dialog (CairnAccountDialog       *self,
                       const CairnWorkspaceInfo *info)
{
  CairnWorkspaceDialog *dialog;

  dialog = cairn_workspace_dialog_new (GTK_WINDOW (self), self->workspace, info, self->personal_id);
  /* Leaving may have opened another workspace; the list changes. */
  g_signal_connect_object (dialog, "left", G_CALLBACK (sync_page), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (dialog, "left", G_CALLBACK (emit_workspace_opened), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_members (GtkButton          *button,
            CairnAccountDialog *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "cairn-workspace-id");

  for (guint i = 0; self->listed != NULL && i < self->listed->len; i++)
    {
      CairnWorkspaceInfo *info = self->listed->pdata[i];

      if (g_strcmp0 (info->id, id) == 0)
        {
          open_workspace_dialog (self, info);
          return;
        }
    }
}

static void
add_members_button (CairnAccountDialog       *self,
                    GtkWidget                *row,
                    const CairnWorkspaceInfo *info)
{
  GtkWidget *button;
  g_autofree char *label = NULL;

  if (self->workspace == NULL)
    return;
  button = gtk_button_new_from_icon_name ("system-users-symbolic");
  /* Translators: %s is a workspace's name */
  label = g_strdup_printf (_("Members of “%s”"), info->name);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_object_set_data_full (G_OBJECT (button), "cairn-workspace-id", g_strdup (info->id), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (on_members), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
}

static void
create_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CairnAccountDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnWorkspaceInfo) info = NULL;
  g_autoptr(GPtrArray) one = NULL;
  g_autofree char *text = NULL;

  info = cairn_sync_engine_create_workspace_finish (CAIRN_SYNC_ENGINE (source), result, &error);
  if (info == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      text = cairn_account_error_text (error);
      gtk_label_set_label (self->create_label, text);
      gtk_widget_add_css_class (GTK_WIDGET (self->create_label), "error");
      gtk_widget_set_visible (GTK_WIDGET (self->create_label), TRUE);
      return;
    }
  set_busy (self, FALSE);
  /* Translators: %s is the new workspace's name */
  text = g_strdup_printf (_("“%s” is ready: invite people to it"), info->name);
  gtk_label_set_label (self->create_label, text);
  gtk_widget_remove_css_class (GTK_WIDGET (self->create_label), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->create_label), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->create_row), "");
  one = g_ptr_array_new ();
  g_ptr_array_add (one, info);
  if (self->workspace != NULL)
    cairn_workspace_remember_names (self->workspace, one);
  sync_page (self);
  if (self->workspace != NULL)
    open_workspace_dialog (self, info);
}

static void
on_create (CairnAccountDialog *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->create_row))));

  if (self->busy)
    return;
  if (name[0] == '\0' || !cairn_protocol_is_label (name, CAIRN_PROTOCOL_MAX_WORKSPACE_NAME_BYTES))
    {
      gtk_label_set_label (self->create_label,
                           _("A workspace needs a name of one line, at most 200 bytes"));
      gtk_widget_add_css_class (GTK_WIDGET (self->create_label), "error");
      gtk_widget_set_visible (GTK_WIDGET (self->create_label), TRUE);
      return;
    }
  set_busy (self, TRUE);
  cairn_sync_engine_create_workspace_async (self->engine, name, self->cancellable, create_done,
                                            g_object_ref (self));
}

static void ask_to_trust (CairnAccountDialog *self,
                          const char         *fingerprint);

static void
workspaces_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CairnAccountDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) workspaces = NULL;
  g_auto(GStrv) on_device = NULL;
  const char *current;
  const char *username = cairn_sync_status_get_username (cairn_sync_engine_get_status (self->engine));

  workspaces = cairn_sync_engine_list_workspaces_finish (CAIRN_SYNC_ENGINE (source), result, &error);
  if (workspaces == NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = cairn_account_error_text (error);
      adw_preferences_group_set_description (self->workspaces_group, text);
      /* Signed in, and the server's certificate changed (a new key). */
      if (g_error_matches (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_CERTIFICATE))
        {
          g_autofree char *refused = cairn_sync_engine_dup_refused_certificate (self->engine);

          if (refused != NULL)
            ask_to_trust (self, refused);
        }
      return;
    }
  adw_preferences_group_set_description (self->workspaces_group, NULL);
  if (self->workspace != NULL)
    cairn_workspace_remember_names (self->workspace, workspaces);
  g_clear_pointer (&self->listed, g_ptr_array_unref);
  self->listed = g_ptr_array_ref (workspaces);

  clear_rows (self->workspaces_group, self->workspace_rows);
  clear_rows (self->local_group, self->local_rows);

  if (self->workspace != NULL)
    current = cairn_workspace_get_id (self->workspace);
  else
    current = cairn_sync_status_get_workspace_id (cairn_sync_engine_get_status (self->engine));
  for (guint i = 0; i < workspaces->len; i++)
    {
      CairnWorkspaceInfo *ws = workspaces->pdata[i];
      g_autofree char *subtitle = NULL;
      GtkWidget *row;

      if (ws->personal && g_strcmp0 (ws->owner, username) == 0)
        subtitle = g_strdup (_("Personal"));
      else if (g_strcmp0 (ws->owner, username) == 0)
        /* One the user made (New Shared Workspace). */
        subtitle = g_strdup (_("Shared, yours"));
      else
        subtitle = g_strdup_printf (_("Shared by %s"), ws->owner);
      row = workspace_row_new (self, ws->id, ws->name, subtitle, FALSE, current);
      if (ws->personal && g_strcmp0 (ws->owner, username) == 0)
        {
          g_free (self->personal_id);
          self->personal_id = g_strdup (ws->id);
        }
      add_members_button (self, row, ws);
      adw_preferences_group_add (self->workspaces_group, row);
      g_ptr_array_add (self->workspace_rows, row);
    }

  /* Databases on this device that the server does not have: still
   * reachable, never synced. */
  if (self->workspace != NULL)
    on_device = cairn_profile_list_workspaces (cairn_workspace_get_profile (self->workspace));
  for (guint i = 0; on_device != NULL && on_device[i] != NULL; i++)
    {
      gboolean on_server = FALSE;
      g_autofree char *subtitle = NULL;
      GtkWidget *row;

      for (guint j = 0; j < workspaces->len && !on_server; j++)
        on_server = g_strcmp0 (((CairnWorkspaceInfo *) workspaces->pdata[j])->id,
                               on_device[i]) == 0;
      if (on_server)
        continue;
      /* Translators: %s is the start of the workspace's id */
      subtitle = g_strdup_printf (_("Not synced · %.8s"), on_device[i]);
      row = workspace_row_new (self, on_device[i], _("Local Workspace"), subtitle, TRUE, current);
      adw_preferences_group_add (self->local_group, row);
      g_ptr_array_add (self->local_rows, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->local_group), self->local_rows->len > 0);
}

static void
share_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CairnAccountDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *who = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->share_row))));

  if (!cairn_sync_engine_share_finish (CAIRN_SYNC_ENGINE (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND))
        text = g_strdup_printf (_("There is no user named “%s” on this server"), who);
      else if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_FORBIDDEN))
        text = g_strdup (_("Only the owner of this workspace can share it"));
      else
        text = cairn_account_error_text (error);
      gtk_widget_add_css_class (GTK_WIDGET (self->share_label), "error");
    }
  else
    {
      text = g_strdup_printf (_("Shared with %s"), who);
      gtk_widget_remove_css_class (GTK_WIDGET (self->share_label), "error");
      gtk_editable_set_text (GTK_EDITABLE (self->share_row), "");
      g_signal_emit (self, signals[SHARED], 0);
    }
  set_busy (self, FALSE);
  gtk_label_set_label (self->share_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->share_label), TRUE);
}

static void
on_share (CairnAccountDialog *self)
{
  g_autofree char *who = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->share_row))));
  const char *ws = cairn_sync_status_get_workspace_id (cairn_sync_engine_get_status (self->engine));

  if (self->busy || who[0] == '\0')
    return;
  if (ws == NULL)
    {
      gtk_label_set_label (self->share_label, _("No workspace is being synced yet"));
      gtk_widget_add_css_class (GTK_WIDGET (self->share_label), "error");
      gtk_widget_set_visible (GTK_WIDGET (self->share_label), TRUE);
      return;
    }
  set_busy (self, TRUE);
  cairn_sync_engine_share_async (self->engine, ws, who, self->cancellable, share_done,
                                 g_object_ref (self));
}

static void
sync_page (CairnAccountDialog *self)
{
  CairnSyncStatus *status = cairn_sync_engine_get_status (self->engine);

  if (cairn_sync_engine_is_signed_in (self->engine))
    {
      g_autofree char *who =
        g_strdup_printf (_("Signed in as %s on %s"),
                         cairn_sync_status_get_username (status) != NULL
                         ? cairn_sync_status_get_username (status) : "",
                         cairn_sync_status_get_server_url (status) != NULL
                         ? cairn_sync_status_get_server_url (status) : "");
      adw_status_page_set_description (self->signed_in_page, who);
      gtk_stack_set_visible_child_name (self->stack, "signed-in");
      clear_rows (self->device_group, self->device_rows);
      cairn_sync_engine_list_workspaces_async (self->engine, self->cancellable,
                                               workspaces_done, g_object_ref (self));
    }
  else
    {
      gtk_stack_set_visible_child_name (self->stack, "sign-in");
      fill_device_workspaces (self);
    }
}

static void on_sign_in (CairnAccountDialog *self);

static void
on_trust_response (AdwMessageDialog   *dialog,
                   const char         *response,
                   CairnAccountDialog *self)
{
  const char *fingerprint = g_object_get_data (G_OBJECT (dialog), "fingerprint");

  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "trust") != 0)
    return;
  if (!cairn_sync_engine_is_signed_in (self->engine))
    {
      /* The same sign-in again, trusting that one certificate. */
      cairn_sync_engine_set_login_certificate (self->engine, fingerprint);
      on_sign_in (self);
      return;
    }
  /* Signed in: the new certificate replaces the old one, and the page
   * lists the workspaces again through it. */
  if (!cairn_sync_engine_trust_certificate (self->engine, fingerprint, &error))
    {
      adw_preferences_group_set_description (self->workspaces_group, error->message);
      return;
    }
  sync_page (self);
}

/* The server's certificate is not one this computer trusts (a self-hosted
 * server's self-signed one): the person compares its fingerprint with the
 * one cairn-server printed and may trust it. */
static void
ask_to_trust (CairnAccountDialog *self,
              const char         *fingerprint)
{
  g_autofree char *shown = cairn_tls_fingerprint_display (fingerprint);
  CairnSyncStatus *status = cairn_sync_engine_get_status (self->engine);
  const char *address = cairn_sync_engine_is_signed_in (self->engine) &&
                        cairn_sync_status_get_server_url (status) != NULL
                        ? cairn_sync_status_get_server_url (status)
                        : gtk_editable_get_text (GTK_EDITABLE (self->server_row));
  g_autofree char *server = g_strstrip (g_strdup (address));
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;

  /* Four lines of 8 bytes, in a fixed-width font: read pair by pair,
   * never wrapped inside one. */
  for (gsize i = 23; i < strlen (shown); i += 24)
    shown[i] = '\n';
  body = g_markup_printf_escaped (_("This computer does not trust the certificate of %s. If it "
                                    "is your own server, compare this SHA-256 fingerprint with "
                                    "the one cairn-server printed when it started, and trust "
                                    "the certificate only if they are the same:\n\n<tt>%s</tt>"),
                                  server, shown);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                       _("Trust This Server's Certificate?"),
                                                       NULL));
  adw_message_dialog_set_body_use_markup (dialog, TRUE);
  adw_message_dialog_set_body (dialog, body);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"),
                                    "trust", _("_Trust Certificate"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "trust", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "fingerprint", g_strdup (fingerprint), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_trust_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
login_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CairnAccountDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cairn_sync_engine_login_finish (CAIRN_SYNC_ENGINE (source), result, &error))
    {
      g_autofree char *text = NULL;
      g_autofree char *refused = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      text = cairn_account_error_text (error);
      show_error (self, text);
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      if (g_error_matches (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_CERTIFICATE) &&
          (refused = cairn_sync_engine_dup_refused_certificate (self->engine)) != NULL)
        ask_to_trust (self, refused);
      return;
    }

  set_busy (self, FALSE);
  show_error (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  sync_page (self);
  g_signal_emit (self, signals[SIGNED_IN], 0);
}

static void
on_sign_in (CairnAccountDialog *self)
{
  g_autofree char *server = NULL;
  g_autofree char *username = NULL;
  const char *password;
  const char *device = g_get_host_name ();

  if (self->busy)
    return;

  server = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_row))));
  username = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->username_row))));
  password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  if (server[0] == '\0' || username[0] == '\0' || password[0] == '\0')
    {
      show_error (self, _("Enter the server address, your username and your password"));
      return;
    }
  if (!g_str_has_prefix (server, "https://") && !g_str_has_prefix (server, "http://"))
    {
      show_error (self, _("The server address starts with https:// (or http://)"));
      return;
    }

  show_error (self, NULL);
  set_busy (self, TRUE);
  cairn_sync_engine_login_async (self->engine, server, username, password, device,
                                 self->cancellable, login_done, g_object_ref (self));
}

static void
logout_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CairnAccountDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  /* Best effort on the server; the local sign-out happened either way. */
  if (!cairn_sync_engine_logout_finish (CAIRN_SYNC_ENGINE (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  sync_page (self);
  g_signal_emit (self, signals[SIGNED_OUT], 0);
}

static void
on_sign_out (CairnAccountDialog *self)
{
  if (self->busy)
    return;
  set_busy (self, TRUE);
  cairn_sync_engine_logout_async (self->engine, self->cancellable, logout_done,
                                  g_object_ref (self));
}

static GtkWidget *
group_with (GtkWidget *first, ...)
{
  GtkWidget *group = adw_preferences_group_new ();
  va_list args;

  va_start (args, first);
  for (GtkWidget *w = first; w != NULL; w = va_arg (args, GtkWidget *))
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), w);
  va_end (args);
  return group;
}

static void
cairn_account_dialog_dispose (GObject *object)
{
  CairnAccountDialog *self = CAIRN_ACCOUNT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->engine);
  g_clear_object (&self->workspace);
  g_clear_pointer (&self->workspace_rows, g_ptr_array_unref);
  g_clear_pointer (&self->local_rows, g_ptr_array_unref);
  g_clear_pointer (&self->device_rows, g_ptr_array_unref);
  g_clear_pointer (&self->listed, g_ptr_array_unref);
  g_clear_pointer (&self->personal_id, g_free);

  G_OBJECT_CLASS (cairn_account_dialog_parent_class)->dispose (object);
}

static void
cairn_account_dialog_class_init (CairnAccountDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cairn_account_dialog_dispose;
  signals[SIGNED_IN] = g_signal_new ("signed-in", G_TYPE_FROM_CLASS (klass),
                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                     G_TYPE_NONE, 0);
  signals[SIGNED_OUT] = g_signal_new ("signed-out", G_TYPE_FROM_CLASS (klass),
                                      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                      G_TYPE_NONE, 0);
  signals[WORKSPACE_OPENED] = g_signal_new ("workspace-opened", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 0);
  signals[SHARED] = g_signal_new ("shared", G_TYPE_FROM_CLASS (klass),
                                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

/* A hidden, wrapping label under a form, for what went wrong (error) or
 * what was done. */
static GtkLabel *
message_label_new (gboolean error)
{
  GtkLabel *label = GTK_LABEL (gtk_label_new (NULL));

  gtk_label_set_xalign (label, 0);
  gtk_label_set_wrap (label, TRUE);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (label), "error");
  gtk_widget_set_visible (GTK_WIDGET (label), FALSE);
  return label;
}

/* Server, username, password and Sign In; below, the workspaces kept on
 * this device. Scrolls: signed out, the list can be taller than the dialog. */
static GtkWidget *
sign_in_page_new (CairnAccountDialog *self)
{
  GtkWidget *form = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *button_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  self->server_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->server_row), _("Server Address"));
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), "https://");
  self->username_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->username_row), _("Username"));
  self->password_row = ADW_PASSWORD_ENTRY_ROW (adw_password_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->password_row), _("Password"));
  g_signal_connect_swapped (self->password_row, "entry-activated", G_CALLBACK (on_sign_in), self);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (self->password_row), TRUE);

  self->error_label = message_label_new (TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->error_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Sign-in error"), -1);

  self->sign_in_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Sign In")));
  gtk_widget_add_css_class (GTK_WIDGET (self->sign_in_button), "suggested-action");
  gtk_widget_add_css_class (GTK_WIDGET (self->sign_in_button), "pill");
  g_signal_connect_swapped (self->sign_in_button, "clicked", G_CALLBACK (on_sign_in), self);
  self->spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  gtk_widget_set_halign (button_box, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (button_box), GTK_WIDGET (self->sign_in_button));
  gtk_box_append (GTK_BOX (button_box), GTK_WIDGET (self->spinner));

  gtk_box_append (GTK_BOX (form),
                  group_with (GTK_WIDGET (self->server_row), GTK_WIDGET (self->username_row),
                              GTK_WIDGET (self->password_row), NULL));
  gtk_box_append (GTK_BOX (form), GTK_WIDGET (self->error_label));
  gtk_box_append (GTK_BOX (form), button_box);

  self->device_rows = g_ptr_array_new ();
  self->device_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->device_group, _("Workspaces on This Device"));
  gtk_widget_set_visible (GTK_WIDGET (self->device_group), FALSE);
  gtk_widget_set_margin_top (GTK_WIDGET (self->device_group), 12);
  self->device_label = message_label_new (TRUE);
  gtk_box_append (GTK_BOX (form), GTK_WIDGET (self->device_group));
  gtk_box_append (GTK_BOX (form), GTK_WIDGET (self->device_label));
  gtk_widget_set_margin_top (form, 18);
  gtk_widget_set_margin_bottom (form, 18);
  gtk_widget_set_margin_start (form, 12);
  gtk_widget_set_margin_end (form, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), form);

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  return scrolled;
}

/* Sign Out, the account's workspaces, those only on this device, and
 * sharing the open one. */
static void
signed_in_page_init (CairnAccountDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  GtkWidget *share_group = adw_preferences_group_new ();
  GtkWidget *sign_out = gtk_button_new_with_mnemonic (_("Sign _Out"));

  self->signed_in_page = ADW_STATUS_PAGE (adw_status_page_new ());
  adw_status_page_set_icon_name (self->signed_in_page, "emblem-ok-symbolic");
  adw_status_page_set_title (self->signed_in_page, _("Syncing This Workspace"));
  gtk_widget_add_css_class (sign_out, "destructive-action");
  gtk_widget_add_css_class (sign_out, "pill");
  gtk_widget_set_halign (sign_out, GTK_ALIGN_CENTER);
  g_signal_connect_swapped (sign_out, "clicked", G_CALLBACK (on_sign_out), self);

  self->workspace_rows = g_ptr_array_new ();
  self->workspaces_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->workspaces_group, _("Your Workspaces"));
  self->local_rows = g_ptr_array_new ();
  self->local_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->local_group, _("Only on This Device"));
  gtk_widget_set_visible (GTK_WIDGET (self->local_group), FALSE);
  self->workspace_label = message_label_new (TRUE);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (share_group),
                                   _("Share This Workspace"));
  self->share_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->share_row),
                                 _("Username to share with"));
  adw_entry_row_set_show_apply_button (self->share_row, TRUE);
  g_signal_connect_swapped (self->share_row, "apply", G_CALLBACK (on_share), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (share_group), GTK_WIDGET (self->share_row));
  self->share_label = message_label_new (FALSE);

  gtk_box_append (GTK_BOX (box), sign_out);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->workspaces_group));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->local_group));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->workspace_label));
  gtk_box_append (GTK_BOX (box), share_group);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->share_label));

  /* A new shared workspace (its members: the button on its row). */
  {
    GtkWidget *create_group = adw_preferences_group_new ();

    adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (create_group),
                                     _("New Shared Workspace"));
    self->create_row = ADW_ENTRY_ROW (adw_entry_row_new ());
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->create_row), _("Name"));
    adw_entry_row_set_show_apply_button (self->create_row, TRUE);
    g_signal_connect_swapped (self->create_row, "apply", G_CALLBACK (on_create), self);
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (create_group), GTK_WIDGET (self->create_row));
    self->create_label = message_label_new (FALSE);
    gtk_box_append (GTK_BOX (box), create_group);
    gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->create_label));
  }
  adw_status_page_set_child (self->signed_in_page, box);
}

static void
cairn_account_dialog_init (CairnAccountDialog *self)
{
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  self->cancellable = g_cancellable_new ();
  gtk_window_set_title (GTK_WINDOW (self), _("Sync Account"));
  gtk_window_set_default_size (GTK_WINDOW (self), 420, 420);

  signed_in_page_init (self);
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_stack_add_named (self->stack, sign_in_page_new (self), "sign-in");
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->signed_in_page), "signed-in");
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);

  gtk_box_append (GTK_BOX (toolbar), adw_header_bar_new ());
  gtk_box_append (GTK_BOX (toolbar), GTK_WIDGET (self->stack));
  adw_window_set_content (ADW_WINDOW (self), toolbar);
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->sign_in_button));
}

/* The dialog for engine, before its page is chosen. */
static CairnAccountDialog *
dialog_new (GtkWindow       *parent,
            CairnSyncEngine *engine)
{
  CairnAccountDialog *self = g_object_new (CAIRN_TYPE_ACCOUNT_DIALOG,
                                           "transient-for", parent,
                                           "modal", parent != NULL,
                                           NULL);

  self->engine = g_object_ref (engine);
  return self;
}

CairnAccountDialog *
cairn_account_dialog_new (GtkWindow       *parent,
                          CairnSyncEngine *engine)
{
  CairnAccountDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CAIRN_IS_SYNC_ENGINE (engine), NULL);

  self = dialog_new (parent, engine);
  sync_page (self);
  return self;
}

CairnAccountDialog *
cairn_account_dialog_new_for_workspace (GtkWindow      *parent,
                                        CairnWorkspace *workspace)
{
  CairnAccountDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CAIRN_IS_WORKSPACE (workspace), NULL);

  self = dialog_new (parent, cairn_workspace_get_engine (workspace));
  self->workspace = g_object_ref (workspace);
  sync_page (self);
  return self;
}

const char *
cairn_account_dialog_get_error (CairnAccountDialog *self)
{
  g_return_val_if_fail (CAIRN_IS_ACCOUNT_DIALOG (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
         ? gtk_label_get_label (self->error_label) : NULL;
}

gboolean
cairn_account_dialog_is_busy (CairnAccountDialog *self)
{
  g_return_val_if_fail (CAIRN_IS_ACCOUNT_DIALOG (self), FALSE);

  return self->busy;
}

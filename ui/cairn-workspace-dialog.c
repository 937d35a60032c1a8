/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-workspace-dialog.c: members of a shared workspace, invite, leave. */
#define G_LOG_DOMAIN "cairn-workspace-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-account-dialog.h"
#include "cairn-workspace-dialog.h"

struct _CairnWorkspaceDialog
{
  AdwWindow            parent_instance;

  CairnWorkspace      *workspace;
  CairnSyncEngine     *engine;
  GCancellable        *cancellable;
  char                *id;
  char                *name;
  char                *owner;
  char                *fallback_id;
  guint                busy : 1;

  AdwPreferencesGroup *members_group;
  GPtrArray           *member_rows;
  GtkWidget           *invite_group;
  AdwEntryRow         *invite_row;
  GtkLabel            *message_label;
  GtkWidget           *leave_button;
  GtkSpinner          *spinner;
};

G_DEFINE_FINAL_TYPE (CairnWorkspaceDialog, cairn_workspace_dialog, ADW_TYPE_WINDOW)

enum { MEMBERS_CHANGED, LEFT, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean
is_owner (CairnWorkspaceDialog *self)
{
  return g_strcmp0 (self->owner, cairn_sync_engine_get_username (self->engine)) == 0;
}

static void
set_busy (CairnWorkspaceDialog *self,
          gboolean              busy)
{
  self->busy = !!busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->invite_row), !busy);
  gtk_widget_set_sensitive (self->leave_button, !busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
}

/* text NULL hides the message. */
static void
show_message (CairnWorkspaceDialog *self,
              const char           *text,
              gboolean              error)
{
  gtk_label_set_label (self->message_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), text != NULL);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->message_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->message_label), "error");
}

/* What went wrong, in the user's words; who is the user name concerned. */
static char *
error_text (CairnWorkspaceDialog *self,
            const GError         *error,
            const char           *who)
{
  if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND) && who != NULL)
    return g_strdup_printf (_("There is no user named “%s” on this server"), who);
  if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND))
    /* Translators: %s is a workspace's name */
    return g_strdup_printf (_("You are no longer a member of “%s”"), self->name);
  if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_FORBIDDEN))
    return g_strdup_printf (_("Only the owner of “%s” can change who is in it"), self->name);
  if (g_error_matches (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ALREADY_EXISTS) && who != NULL)
    return g_strdup_printf (_("%s is a member already"), who);
  return cairn_account_error_text (error);
}

static void refresh_members (CairnWorkspaceDialog *self);

static void
remove_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CairnWorkspaceDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cairn_sync_engine_remove_member_finish (CAIRN_SYNC_ENGINE (source), result, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      text = error_text (self, error, NULL);
      show_message (self, text, TRUE);
      return;
    }
  set_busy (self, FALSE);
  show_message (self, NULL, FALSE);
  g_signal_emit (self, signals[MEMBERS_CHANGED], 0);
  refresh_members (self);
}

static void
on_remove_member (GtkButton            *button,
                  CairnWorkspaceDialog *self)
{
  const char *who = g_object_get_data (G_OBJECT (button), "cairn-username");

  if (self->busy)
    return;
  set_busy (self, TRUE);
  cairn_sync_engine_remove_member_async (self->engine, self->id, who, self->cancellable,
                                         remove_done, g_object_ref (self));
}

static GtkWidget *
member_row_new (CairnWorkspaceDialog  *self,
                const CairnMemberInfo *member)
{
  GtkWidget *row = adw_action_row_new ();
  gboolean owner = g_strcmp0 (member->role, "owner") == 0;
  const char *role = owner ? _("Owner") : _("Member");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), member->username);
  if (g_strcmp0 (member->username, cairn_sync_engine_get_username (self->engine)) == 0)
    {
      /* Translators: "Member (you)" */
      g_autofree char *text = g_strdup_printf (_("%s (you)"), role);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), text);
    }
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), role);

  if (is_owner (self) && !owner)
    {
      GtkWidget *remove = gtk_button_new_from_icon_name ("list-remove-symbolic");
      /* Translators: %s is a user name */
      g_autofree char *label = g_strdup_printf (_("Remove %s"), member->username);

      gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (remove),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      g_object_set_data_full (G_OBJECT (remove), "cairn-username",
                              g_strdup (member->username), g_free);
      g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_member), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
    }
  return row;
}

static void
members_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CairnWorkspaceDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) members = NULL;

  members = cairn_sync_engine_list_members_finish (CAIRN_SYNC_ENGINE (source), result, &error);
  if (members == NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      text = error_text (self, error, NULL);
      adw_preferences_group_set_description (self->members_group, text);
      return;
    }
  adw_preferences_group_set_description (self->members_group, NULL);
  for (guint i = 0; i < self->member_rows->len; i++)
    adw_preferences_group_remove (self->members_group, self->member_rows->pdata[i]);
  g_ptr_array_set_size (self->member_rows, 0);
  for (guint i = 0; i < members->len; i++)
    {
      GtkWidget *row = member_row_new (self, members->pdata[i]);

      adw_preferences_group_add (self->members_group, row);
      g_ptr_array_add (self->member_rows, row);
    }
}

static void
refresh_members (CairnWorkspaceDialog *self)
{
  cairn_sync_engine_list_members_async (self->engine, self->id, self->cancellable,
                                        members_done, g_object_ref (self));
}

static void
invite_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CairnWorkspaceDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *who = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->invite_row))));
  g_autofree char *text = NULL;

  if (!cairn_sync_engine_share_finish (CAIRN_SYNC_ENGINE (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      text = error_text (self, error, who);
      show_message (self, text, TRUE);
      /* Insensitive while busy, the row lost the focus: give it back to
       * correct the name. */
      gtk_widget_grab_focus (GTK_WIDGET (self->invite_row));
      return;
    }
  set_busy (self, FALSE);
  /* Translators: %s is a user name */
  text = g_strdup_printf (_("%s can now use this workspace"), who);
  show_message (self, text, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->invite_row), "");
  gtk_widget_grab_focus (GTK_WIDGET (self->invite_row));
  g_signal_emit (self, signals[MEMBERS_CHANGED], 0);
  refresh_members (self);
}

static void
on_invite (CairnWorkspaceDialog *self)
{
  g_autofree char *who = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->invite_row))));

  if (self->busy || who[0] == '\0')
    return;
  if (!cairn_protocol_is_username (who))
    {
      g_autofree char *text =
        g_strdup_printf (_("“%s” is not a user name: use lowercase letters, digits, “.”, “_” or “-”"),
                         who);
      show_message (self, text, TRUE);
      return;
    }
  set_busy (self, TRUE);
  cairn_sync_engine_share_async (self->engine, self->id, who, self->cancellable, invite_done,
                                 g_object_ref (self));
}

static void
leave_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CairnWorkspaceDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!cairn_sync_engine_remove_member_finish (CAIRN_SYNC_ENGINE (source), result, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      text = error_text (self, error, NULL);
      show_message (self, text, TRUE);
      return;
    }
  set_busy (self, FALSE);
  g_signal_emit (self, signals[LEFT], 0);
  gtk_window_close (GTK_WINDOW (self));
}

static void
leave (CairnWorkspaceDialog *self)
{
  if (self->busy)
    return;
  /* The engine must not sync a workspace it is leaving: the server would
   * end the stream as for a revoked sign-in. The other one opens first. */
  if (g_strcmp0 (cairn_workspace_get_id (self->workspace), self->id) == 0)
    {
      g_autoptr(GError) error = NULL;

      if (self->fallback_id == NULL ||
          !cairn_workspace_open (self->workspace, self->fallback_id, FALSE, &error))
        {
          g_autofree char *text =
            g_strdup_printf (_("Could not open another workspace before leaving this one: %s"),
                             error != NULL ? error->message : _("there is no other"));
          show_message (self, text, TRUE);
          return;
        }
    }
  set_busy (self, TRUE);
  cairn_sync_engine_remove_member_async (self->engine, self->id,
                                         cairn_sync_engine_get_username (self->engine),
                                         self->cancellable, leave_done, g_object_ref (self));
}

static void
on_leave_response (AdwMessageDialog     *dialog,
                   const char           *response,
                   CairnWorkspaceDialog *self)
{
  if (g_strcmp0 (response, "leave") == 0)
    leave (self);
}

static void
on_leave (CairnWorkspaceDialog *self)
{
  GtkWidget *dialog;

  if (self->busy)
    return;
  /* Translators: %s is a workspace's name */
  dialog = adw_message_dialog_new (GTK_WINDOW (self), NULL, NULL);
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Leave “%s”?"), self->name);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("Its changes will no longer reach this device. What is on "
                                 "this device stays, unsynced, and only the owner can invite "
                                 "you again."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "leave", _("_Leave"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "leave",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_leave_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
cairn_workspace_dialog_dispose (GObject *object)
{
  CairnWorkspaceDialog *self = CAIRN_WORKSPACE_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->workspace);
  g_clear_object (&self->engine);
  g_clear_pointer (&self->member_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (cairn_workspace_dialog_parent_class)->dispose (object);
}

static void
cairn_workspace_dialog_finalize (GObject *object)
{
  CairnWorkspaceDialog *self = CAIRN_WORKSPACE_DIALOG (object);

  g_free (self->id);
  g_free (self->name);
  g_free (self->owner);
  g_free (self->fallback_id);

  G_OBJECT_CLASS (cairn_workspace_dialog_parent_class)->finalize (object);
}

static void
cairn_workspace_dialog_class_init (CairnWorkspaceDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cairn_workspace_dialog_dispose;
  object_class->finalize = cairn_workspace_dialog_finalize;

  signals[MEMBERS_CHANGED] = g_signal_new ("members-changed", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);
  signals[LEFT] = g_signal_new ("left", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
cairn_workspace_dialog_init (CairnWorkspaceDialog *self)
{
  self->cancellable = g_cancellable_new ();
  self->member_rows = g_ptr_array_new ();
  gtk_window_set_default_size (GTK_WINDOW (self), 420, 480);
}

/* Members, then Invite (the owner) or Leave (a member). */
static void
build (CairnWorkspaceDialog *self)
{
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);

  gtk_window_set_title (GTK_WINDOW (self), self->name);
  self->spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), GTK_WIDGET (self->spinner));

  self->members_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->members_group, _("Members"));

  self->invite_group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->invite_group), _("Invite"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->invite_group),
                                         _("Everyone in a workspace sees and changes all of it"));
  self->invite_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->invite_row), _("User name to invite"));
  adw_entry_row_set_show_apply_button (self->invite_row, TRUE);
  g_signal_connect_swapped (self->invite_row, "apply", G_CALLBACK (on_invite), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->invite_group), GTK_WIDGET (self->invite_row));
  gtk_widget_set_visible (self->invite_group, is_owner (self));

  self->message_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->message_label, TRUE);
  gtk_label_set_xalign (self->message_label, 0);
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), FALSE);

  self->leave_button = gtk_button_new_with_mnemonic (_("_Leave Workspace"));
  gtk_widget_add_css_class (self->leave_button, "destructive-action");
  gtk_widget_add_css_class (self->leave_button, "pill");
  gtk_widget_set_halign (self->leave_button, GTK_ALIGN_CENTER);
  gtk_widget_set_visible (self->leave_button, !is_owner (self));
  g_signal_connect_swapped (self->leave_button, "clicked", G_CALLBACK (on_leave), self);

  gtk_widget_set_margin_top (box, 24);
  gtk_widget_set_margin_bottom (box, 24);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->members_group));
  gtk_box_append (GTK_BOX (box), self->invite_group);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->message_label));
  gtk_box_append (GTK_BOX (box), self->leave_button);
  adw_clamp_set_child (ADW_CLAMP (clamp), box);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);

  gtk_box_append (GTK_BOX (toolbar), header);
  gtk_box_append (GTK_BOX (toolbar), scrolled);
  adw_window_set_content (ADW_WINDOW (self), toolbar);
}

CairnWorkspaceDialog *
cairn_workspace_dialog_new (GtkWindow                *parent,
                            CairnWorkspace           *workspace,
                            const CairnWorkspaceInfo *info,
                            const char               *fallback_id)
{
  CairnWorkspaceDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (CAIRN_IS_WORKSPACE (workspace), NULL);
  g_return_val_if_fail (info != NULL, NULL);

  self = g_object_new (CAIRN_TYPE_WORKSPACE_DIALOG,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       NULL);
  self->workspace = g_object_ref (workspace);
  self->engine = g_object_ref (cairn_workspace_get_engine (workspace));
  self->id = g_strdup (info->id);
  self->name = g_strdup (info->name);
  self->owner = g_strdup (info->owner);
  self->fallback_id = g_strdup (fallback_id);
  build (self);
  refresh_members (self);
  return self;
}

const char *
cairn_workspace_dialog_get_message (CairnWorkspaceDialog *self)
{
  g_return_val_if_fail (CAIRN_IS_WORKSPACE_DIALOG (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->message_label))
         ? gtk_label_get_label (self->message_label) : NULL;
}

gboolean
cairn_workspace_dialog_is_busy (CairnWorkspaceDialog *self)
{
  g_return_val_if_fail (CAIRN_IS_WORKSPACE_DIALOG (self), FALSE);

  return self->busy;
}

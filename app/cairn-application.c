/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-application.c: app actions, accelerators and the main window. */
#define G_LOG_DOMAIN "cairn-application"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-application.h"
#include "cairn-pool.h"
#include "cairn-profile.h"
#include "cairn-preferences-window.h"
#include "cairn-reminders.h"
#include "cairn-ui.h"
#include "cairn-window.h"
#include "cairn-workspace.h"

struct _CairnApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  CairnWorkspace *workspace;

  /* Reminders (cairn-reminders.h); `cairn --background` starts with no window. */
  CairnReminders *reminders;
  gboolean        background;
};

G_DEFINE_FINAL_TYPE (CairnApplication, cairn_application, ADW_TYPE_APPLICATION)

static GtkWindow *cairn_application_new_window (CairnApplication *self);

/* The installed schema, or, for `build/app/cairn` run before it is
 * installed, the one compiled into the build directory. */
static GSettings *
cairn_application_create_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
#ifdef CAIRN_BUILD_SCHEMADIR
  if (schema == NULL)
    {
      g_autoptr(GSettingsSchemaSource) build_source =
        g_settings_schema_source_new_from_directory (CAIRN_BUILD_SCHEMADIR,
                                                     source, FALSE, NULL);
      if (build_source != NULL)
        schema = g_settings_schema_source_lookup (build_source, APP_ID, FALSE);
    }
#endif
  if (schema == NULL)
    g_error ("The settings schema %s is not installed; install Cairn "
             "(meson install) or set GSETTINGS_SCHEMA_DIR", APP_ID);

  return g_settings_new_full (schema, NULL, NULL);
}

static void
apply_color_scheme (CairnApplication *self)
{
  AdwStyleManager *manager = adw_style_manager_get_default ();
  AdwColorScheme scheme;

  switch (g_settings_get_enum (self->settings, "color-scheme"))
    {
    case 1:
      scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
      break;
    case 2:
      scheme = ADW_COLOR_SCHEME_FORCE_DARK;
      break;
    default:
      scheme = ADW_COLOR_SCHEME_DEFAULT;
      break;
    }
  adw_style_manager_set_color_scheme (manager, scheme);
}

static void
on_color_scheme_changed (GSettings        *settings,
                         const char       *key,
                         CairnApplication *self)
{
  apply_color_scheme (self);
}

static GtkWindow *
cairn_application_get_main_window (CairnApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self));
       l != NULL; l = l->next)
    {
      if (CAIRN_IS_WINDOW (l->data))
        return l->data;
    }
  return NULL;
}

static void
cairn_application_activate (GApplication *app)
{
  CairnApplication *self = CAIRN_APPLICATION (app);
  GtkWindow *window = cairn_application_get_main_window (self);

  /* `cairn --background`: its first activation opens no window. */
  if (self->background)
    {
      self->background = FALSE;
      return;
    }

  if (window == NULL)
    window = cairn_application_new_window (self);

  gtk_window_present (window);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CairnApplication *self = user_data;
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (self)));

  /* Closing, rather than quitting at once, lets the window save its state. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free (windows);
  g_application_quit (G_APPLICATION (self));
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  CairnApplication *self = user_data;
  CairnPreferencesWindow *prefs;

  prefs = cairn_preferences_window_new (cairn_application_get_main_window (self),
                                        self->settings);
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  CairnApplication *self = user_data;
  static const char *developers[] = { "The Cairn developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", cairn_application_get_main_window (self),
                        "modal", TRUE,
                        "application-name", _("Cairn"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Cairn developers"),
                        "developers", developers,
                        "version", PACKAGE_VERSION,
                        "comments", _("Keep your tasks and notes, offline and in sync"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* Translators: put your name here */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_entries[] = {
  { "quit", quit_activated, NULL, NULL, NULL },
  { "preferences", preferences_activated, NULL, NULL, NULL },
  { "about", about_activated, NULL, NULL, NULL },
};

/* The current workspace of the profile ($CAIRN_PROFILE or the XDG data
 * directory), kept in sync when an account is set up. On failure the
 * window shows that the workspace is not available; the reason is logged.
 * The window follows the CairnWorkspace when another one is opened (from
 * the account dialog, or after a sign-in). */
static void
cairn_application_open_workspace (CairnApplication *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnProfile) profile = cairn_profile_open (NULL, &error);

  if (profile == NULL)
    {
      g_warning ("Cannot open the workspace: %s", error->message);
      return;
    }
  self->workspace = cairn_workspace_new (profile);
  if (!cairn_workspace_open (self->workspace, NULL, FALSE, &error))
    g_warning ("Cannot open the workspace: %s", error->message);
}

static GtkWindow *
cairn_application_new_window (CairnApplication *self)
{
  if (self->workspace == NULL)
    return GTK_WINDOW (cairn_window_new (GTK_APPLICATION (self), self->settings, NULL));
  return GTK_WINDOW (cairn_window_new_for_workspace (GTK_APPLICATION (self), self->settings,
                                                     self->workspace));
}

static void
cairn_application_startup (GApplication *app)
{
  CairnApplication *self = CAIRN_APPLICATION (app);
  static const char *quit_accels[] = { "<Primary>q", NULL };
  static const char *prefs_accels[] = { "<Primary>comma", NULL };
  static const char *new_task_accels[] = { "<Primary>n", NULL };
  static const char *new_note_accels[] = { "<Primary><Shift>n", NULL };
  static const char *new_list_accels[] = { "<Primary>l", NULL };

  /* Before chaining up: AdwApplication loads style.css from the resources
   * during its startup. */
  cairn_ui_init ();

  G_APPLICATION_CLASS (cairn_application_parent_class)->startup (app);
  /* Again, now that GTK has opened the display: picks the renderer. */
  cairn_ui_init ();

  self->settings = cairn_application_create_settings ();
  g_signal_connect_object (self->settings, "changed::color-scheme",
                           G_CALLBACK (on_color_scheme_changed), self, 0);
  apply_color_scheme (self);

  cairn_application_open_workspace (self);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries,
                                   G_N_ELEMENTS (app_entries), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", prefs_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.new-task", new_task_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.new-note", new_note_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.new-list", new_list_accels);

  /* Reminders: notifications, their actions, running in the background. */
  self->reminders = cairn_reminders_new (app, self->workspace, self->settings);
}

/* `cairn --background`: start (at login) with no window, for the
 * reminders; an instance already running is left as it is. */
static int
cairn_application_handle_local_options (GApplication *app,
                                        GVariantDict *options)
{
  CairnApplication *self = CAIRN_APPLICATION (app);
  g_autoptr(GError) error = NULL;

  if (!g_variant_dict_contains (options, "background"))
    return -1;
  if (!g_application_register (app, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (g_application_get_is_remote (app))
    return 0;
  self->background = TRUE;
  return -1;
}

/* The reminders let go of their hold before the application goes. */
static void
cairn_application_shutdown (GApplication *app)
{
  CairnApplication *self = CAIRN_APPLICATION (app);

  g_clear_object (&self->reminders);

  G_APPLICATION_CLASS (cairn_application_parent_class)->shutdown (app);
}

static void
cairn_application_finalize (GObject *object)
{
  CairnApplication *self = CAIRN_APPLICATION (object);

  g_clear_object (&self->reminders);
  g_clear_object (&self->workspace);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cairn_application_parent_class)->finalize (object);
}

static void
cairn_application_class_init (CairnApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = cairn_application_finalize;
  app_class->activate = cairn_application_activate;
  app_class->startup = cairn_application_startup;
  app_class->handle_local_options = cairn_application_handle_local_options;
  app_class->shutdown = cairn_application_shutdown;
}

static void
cairn_application_init (CairnApplication *self)
{
  g_application_add_main_option (G_APPLICATION (self), "background", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE,
                                 _("Start without a window, to ring reminders"), NULL);
}

CairnApplication *
cairn_application_new (void)
{
  return g_object_new (CAIRN_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/org/cairn/Cairn",
                       NULL);
}

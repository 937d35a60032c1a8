/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-preferences-window.c: preferences bound to GSettings. */
#define G_LOG_DOMAIN "cairn-preferences"

#include "config.h"

#include "cairn-preferences-window.h"

struct _CairnPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;

  GtkSwitch            *show_completed_switch;
  GtkSwitch            *run_in_background_switch;
  GtkSwitch            *compact_log_switch;
};

G_DEFINE_FINAL_TYPE (CairnPreferencesWindow, cairn_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum { PROP_0, PROP_SETTINGS, N_PROPS };
static GParamSpec *properties [N_PROPS];

static void
cairn_preferences_window_constructed (GObject *object)
{
  CairnPreferencesWindow *self = CAIRN_PREFERENCES_WINDOW (object);
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GAction) color_scheme = NULL;

  G_OBJECT_CLASS (cairn_preferences_window_parent_class)->constructed (object);

  if (self->settings == NULL)
    self->settings = g_settings_new (APP_ID);

  /* A stateful string action drives the three radio check buttons. */
  color_scheme = g_settings_create_action (self->settings, "color-scheme");
  g_action_map_add_action (G_ACTION_MAP (group), color_scheme);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "prefs",
                                  G_ACTION_GROUP (group));

  g_settings_bind (self->settings, "show-completed",
                   self->show_completed_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "run-in-background",
                   self->run_in_background_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "compact-log",
                   self->compact_log_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
}

static void
cairn_preferences_window_dispose (GObject *object)
{
  CairnPreferencesWindow *self = CAIRN_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CAIRN_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cairn_preferences_window_parent_class)->dispose (object);
}

static void
cairn_preferences_window_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  CairnPreferencesWindow *self = CAIRN_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_preferences_window_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  CairnPreferencesWindow *self = CAIRN_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_preferences_window_class_init (CairnPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = cairn_preferences_window_constructed;
  object_class->dispose = cairn_preferences_window_dispose;
  object_class->get_property = cairn_preferences_window_get_property;
  object_class->set_property = cairn_preferences_window_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/cairn/Cairn/cairn-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CairnPreferencesWindow,
                                        show_completed_switch);
  gtk_widget_class_bind_template_child (widget_class, CairnPreferencesWindow,
                                        run_in_background_switch);
  gtk_widget_class_bind_template_child (widget_class, CairnPreferencesWindow,
                                        compact_log_switch);
}

static void
cairn_preferences_window_init (CairnPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CairnPreferencesWindow *
cairn_preferences_window_new (GtkWindow *parent,
                              GSettings *settings)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  return g_object_new (CAIRN_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       "settings", settings,
                       NULL);
}

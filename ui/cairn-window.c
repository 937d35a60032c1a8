/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window.c: the main window (sidebar, content pages, window actions). */
#define G_LOG_DOMAIN "cairn-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-window.h"

struct _CairnWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  char                 *selected;
  guint                 show_completed : 1;

  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar_box;
  GtkWidget            *content_box;
  GtkListBox           *notes_listbox;
  GtkListBoxRow        *notes_row;
  GtkListBox           *lists_listbox;
  AdwWindowTitle       *content_title;
  GtkWidget            *list_menu_button;
  GtkStack             *content_stack;
};

G_DEFINE_FINAL_TYPE (CairnWindow, cairn_window, ADW_TYPE_APPLICATION_WINDOW)

enum { PROP_0, PROP_SETTINGS, PROP_SHOW_COMPLETED, N_PROPS };
static GParamSpec *properties [N_PROPS];

static void
cairn_window_set_show_completed (CairnWindow *self,
                                 gboolean     show_completed)
{
  show_completed = !!show_completed;
  if (self->show_completed == show_completed)
    return;
  self->show_completed = show_completed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_COMPLETED]);
}

/* Shows page `selected` ("notes", a list id, or "") in the content area,
 * remembers it in the settings and keeps the sidebar selection in step. */
static void
cairn_window_select (CairnWindow *self,
                     const char  *selected)
{
  g_assert (CAIRN_IS_WINDOW (self));

  if (selected == NULL)
    selected = "";

  if (g_strcmp0 (self->selected, selected) != 0)
    {
      g_free (self->selected);
      self->selected = g_strdup (selected);
      g_settings_set_string (self->settings, "last-selected", selected);
    }

  if (g_str_equal (selected, "notes"))
    {
      gtk_list_box_unselect_all (self->lists_listbox);
      gtk_list_box_select_row (self->notes_listbox, self->notes_row);
      if (gtk_stack_get_child_by_name (self->content_stack, "notes") != NULL)
        gtk_stack_set_visible_child_name (self->content_stack, "notes");
      else
        gtk_stack_set_visible_child_name (self->content_stack, "none");
      adw_window_title_set_title (self->content_title, _("Notes"));
      gtk_widget_set_visible (self->list_menu_button, FALSE);
    }
  else
    {
      gtk_list_box_unselect_all (self->notes_listbox);
      gtk_stack_set_visible_child_name (self->content_stack, "none");
      adw_window_title_set_title (self->content_title, "");
      gtk_widget_set_visible (self->list_menu_button, FALSE);
    }
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
cairn_window_go_back (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);

  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

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

  G_OBJECT_CLASS (cairn_window_parent_class)->constructed (object);

  if (self->settings == NULL)
    self->settings = g_settings_new (APP_ID);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_settings_bind (self->settings, "show-completed",
                   self, "show-completed", G_SETTINGS_BIND_DEFAULT);

  {
    g_autofree char *last = g_settings_get_string (self->settings, "last-selected");
    cairn_window_select (self, last);
  }
}

static void
cairn_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CAIRN_TYPE_WINDOW);

  G_OBJECT_CLASS (cairn_window_parent_class)->dispose (object);
}

static void
cairn_window_finalize (GObject *object)
{
  CairnWindow *self = CAIRN_WINDOW (object);

  g_clear_object (&self->settings);
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
  properties[PROP_SHOW_COMPLETED] =
    g_param_spec_boolean ("show-completed", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/cairn/Cairn/cairn-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, sidebar_box);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, content_box);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, notes_listbox);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, notes_row);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, lists_listbox);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, list_menu_button);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, content_stack);

  gtk_widget_class_install_action (widget_class, "win.go-back", NULL,
                                   cairn_window_go_back);
  gtk_widget_class_install_property_action (widget_class, "win.show-completed",
                                            "show-completed");
}

static void
cairn_window_init (CairnWindow *self)
{
  self->show_completed = TRUE;
  self->selected = g_strdup ("");

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (self->notes_listbox, "row-activated",
                    G_CALLBACK (on_notes_row_activated), self);
}

CairnWindow *
cairn_window_new (GtkApplication *application,
                  GSettings      *settings)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  return g_object_new (CAIRN_TYPE_WINDOW,
                       "application", application,
                       "settings", settings,
                       NULL);
}

GSettings *
cairn_window_get_settings (CairnWindow *self)
{
  g_return_val_if_fail (CAIRN_IS_WINDOW (self), NULL);

  return self->settings;
}

void
cairn_window_add_toast (CairnWindow *self,
                        AdwToast    *toast)
{
  g_return_if_fail (CAIRN_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

const char *
cairn_window_get_selected (CairnWindow *self)
{
  g_return_val_if_fail (CAIRN_IS_WINDOW (self), NULL);

  return self->selected;
}

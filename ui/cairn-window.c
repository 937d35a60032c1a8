/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window.c: the main window: construction, properties, the page shown
 * and the workspace it shows. The parts: see cairn-window-private.h. */
#define G_LOG_DOMAIN "cairn-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-window-private.h"
#include "cairn-window-undo.h"

G_DEFINE_FINAL_TYPE (CairnWindow, cairn_window, ADW_TYPE_APPLICATION_WINDOW)

enum { PROP_0, PROP_SETTINGS, PROP_POOL, PROP_SYNC_ENGINE, PROP_WORKSPACE, PROP_SHOW_COMPLETED,
       N_PROPS };
static GParamSpec *properties [N_PROPS];

enum { ACCOUNT_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

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

/* ---- The page shown ------------------------------------------------------ */

gboolean
_cairn_window_is_list_page (CairnWindow *self,
                            const char  *selected)
{
  /* A page of its own ("notes", "today", "upcoming", "search" …) has a
   * name in the content stack, where a list's id is never one. */
  return selected != NULL && selected[0] != '\0' &&
         gtk_stack_get_child_by_name (self->content_stack, selected) == NULL &&
         !g_str_has_prefix (selected, "tag:");
}

static void
show_notes_page (CairnWindow *self)
{
  _cairn_window_sidebar_select_row (self, self->notes_row);
  gtk_stack_set_visible_child_name (self->content_stack,
                                    self->notes_view != NULL ? "notes" : "none");
  adw_window_title_set_title (self->content_title, _("Notes"));
  gtk_widget_set_visible (self->list_menu_button, FALSE);
}

static void
show_list_page (CairnWindow *self,
                CairnList   *list)
{
  GtkListBoxRow *row = _cairn_window_sidebar_find_row (self, cairn_list_get_id (list));

  gboolean inbox = g_str_equal (cairn_list_get_id (list), CAIRN_INBOX_ID);

  _cairn_window_sidebar_select_row (self, row);
  cairn_todo_view_set_list_id (self->todo_view, cairn_list_get_id (list));
  gtk_stack_set_visible_child_name (self->content_stack, "todos");
  if (inbox)
    /* The Inbox is the app's: its name is translated, not the stored one. */
    adw_window_title_set_title (self->content_title, _("Inbox"));
  else
    {
      self->title_binding = g_object_bind_property (list, "title",
                                                    self->content_title, "title",
                                                    G_BINDING_SYNC_CREATE);
      /* The binding goes with the list object (a pool drops a deleted list's
       * object, and a whole pool's when another workspace is opened). */
      g_object_add_weak_pointer (G_OBJECT (self->title_binding),
                                 (gpointer *) &self->title_binding);
    }
  /* The Inbox can be neither renamed nor deleted. */
  gtk_widget_set_visible (self->list_menu_button, !inbox);
}

static void
show_placeholder_page (CairnWindow *self)
{
  _cairn_window_sidebar_select_row (self, NULL);
  if (self->todo_view != NULL)
    cairn_todo_view_set_list_id (self->todo_view, NULL);
  gtk_stack_set_visible_child_name (self->content_stack, "none");
  adw_window_title_set_title (self->content_title, "");
  gtk_widget_set_visible (self->list_menu_button, FALSE);
}

void
_cairn_window_select (CairnWindow *self,
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
      /* The search page is not where a start should land. */
      if (!g_str_equal (selected, "search"))
        g_settings_set_string (self->settings, "last-selected", selected);
    }

  g_clear_pointer (&self->title_binding, g_binding_unbind);
  self->selecting = TRUE;

  if (self->pool != NULL && _cairn_window_is_list_page (self, selected))
    list = cairn_pool_lookup_list (self->pool, selected);

  if (g_str_equal (selected, "notes"))
    show_notes_page (self);
  else if (g_str_equal (selected, "search"))
    _cairn_window_show_search_page (self);
  else if (list != NULL)
    show_list_page (self, list);
  else if (_cairn_window_views_show (self, selected))
    gtk_widget_set_visible (self->list_menu_button, FALSE);
  else
    show_placeholder_page (self);

  self->selecting = FALSE;

  if (list != NULL && g_str_equal (cairn_list_get_id (list), CAIRN_INBOX_ID))
    list = NULL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.rename-current-list", list != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-current-list", list != NULL);
}

void
_cairn_window_show_page (CairnWindow *self,
                         const char  *selected)
{
  _cairn_window_select (self, selected);
  adw_leaflet_set_visible_child (self->leaflet, self->content_box);
}

/* ---- The workspace shown ------------------------------------------------- */

/* Lets go of the views, rows and bindings of the pool shown so far, so that
 * nothing keeps the old store alive. */
static void
unbind_pool (CairnWindow *self)
{
  g_clear_pointer (&self->title_binding, g_binding_unbind);
  _cairn_window_sidebar_unbind (self);
  _cairn_window_views_unbind (self);
  _cairn_window_search_unbind (self);
  if (self->todo_view != NULL)
    gtk_stack_remove (self->content_stack, GTK_WIDGET (self->todo_view));
  if (self->notes_view != NULL)
    gtk_stack_remove (self->content_stack, GTK_WIDGET (self->notes_view));
  self->todo_view = NULL;
  self->notes_view = NULL;
}

/* The views of self->pool, and the placeholder for when no list is open. */
static void
add_views (CairnWindow *self)
{
  self->todo_view = CAIRN_TODO_VIEW (cairn_todo_view_new (self->pool));
  cairn_todo_view_set_show_completed (self->todo_view, self->show_completed);
  gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->todo_view), "todos");
  self->notes_view = CAIRN_NOTES_VIEW (cairn_notes_view_new (self->pool));
  gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->notes_view), "notes");
  _cairn_window_search_bind (self);
  adw_status_page_set_title (self->none_page, _("No List Selected"));
  adw_status_page_set_description (self->none_page,
                                   _("Create a list with the + button, or pick one from the sidebar"));
  gtk_widget_set_visible (adw_status_page_get_child (self->none_page), TRUE);
}

static void
show_unavailable (CairnWindow *self)
{
  adw_status_page_set_title (self->none_page, _("Workspace Not Available"));
  adw_status_page_set_description (self->none_page,
                                   _("Your lists and notes could not be opened"));
  gtk_widget_set_visible (adw_status_page_get_child (self->none_page), FALSE);
}

/* Every workspace has an Inbox (the first list in the sidebar, where
 * Today adds its tasks): made when the window first shows a workspace
 * without one. */
static void
ensure_inbox (CairnWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (cairn_pool_lookup_list (self->pool, CAIRN_INBOX_ID) == NULL &&
      !cairn_store_ensure_inbox (cairn_pool_get_store (self->pool), &error))
    g_warning ("Cannot make the Inbox: %s", error->message);
}

/* Builds the content over pool (NULL: the workspace could not be opened),
 * first letting go of the pool shown so far. */
static void
cairn_window_bind_pool (CairnWindow *self,
                        CairnPool   *pool)
{
  g_autoptr(CairnPool) keep = pool != NULL ? g_object_ref (pool) : NULL;

  unbind_pool (self);
  g_set_object (&self->pool, pool);
  _cairn_window_drop_undo_toasts (self);
  _cairn_window_undo_clear (GTK_WIDGET (self));

  if (self->pool != NULL)
    {
      ensure_inbox (self);
      add_views (self);
      _cairn_window_views_bind (self);
      _cairn_window_sidebar_bind (self);
    }
  else
    show_unavailable (self);
  _cairn_window_details_bind (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-list", self->pool != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-task", self->pool != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-note", self->pool != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", self->pool != NULL);
}

/* The sidebar's subtitle names the open workspace. */
static void
on_workspace_name_changed (CairnWindow *self)
{
  const char *name = cairn_workspace_get_name (self->workspace);

  adw_window_title_set_subtitle (self->sidebar_title,
                                 name != NULL ? name : _("Local Workspace"));
}

/* Another workspace was opened: show it in place. Notes stay open; a list
 * of the old workspace does not exist in the new one, so the new one's
 * first list is shown instead (or the placeholder). */
static void
on_workspace_pool_changed (CairnWindow *self)
{
  g_autofree char *selected = g_strdup (self->selected);

  cairn_window_bind_pool (self, cairn_workspace_get_pool (self->workspace));
  _cairn_window_reset_conflict_toasts (self);
  if (self->pool != NULL && _cairn_window_is_list_page (self, selected) &&
      cairn_pool_lookup_list (self->pool, selected) == NULL)
    {
      g_autoptr(CairnList) first = g_list_model_get_item (cairn_pool_get_lists (self->pool), 0);

      g_free (selected);
      selected = g_strdup (first != NULL ? cairn_list_get_id (first) : "");
    }
  _cairn_window_select (self, selected);
}

/* Over a CairnWorkspace the window follows it to whichever workspace it
 * opens. */
static void
follow_workspace (CairnWindow *self)
{
  g_set_object (&self->pool, cairn_workspace_get_pool (self->workspace));
  g_set_object (&self->engine, cairn_workspace_get_engine (self->workspace));
  g_signal_connect_object (self->workspace, "notify::pool",
                           G_CALLBACK (on_workspace_pool_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->workspace, "notify::name",
                           G_CALLBACK (on_workspace_name_changed), self, G_CONNECT_SWAPPED);
  on_workspace_name_changed (self);
}

/* After a sign-in or sign-out the profile's current workspace may be
 * another one (signing in makes the personal one current): open it here. */
void
_cairn_window_account_changed (CairnWindow *self)
{
  if (self->workspace != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!cairn_workspace_open (self->workspace, NULL, FALSE, &error))
        cairn_window_report_error (GTK_WIDGET (self), _("Could not open the workspace"), error);
    }
  g_signal_emit (self, signals[ACCOUNT_CHANGED], 0);
}

/* The sync button and conflict toasts. With no engine (tests, or sync not
 * built) there is simply no button. */
static void
add_sync (CairnWindow *self)
{
  if (self->engine != NULL)
    {
      self->sync_indicator = CAIRN_SYNC_INDICATOR (cairn_sync_indicator_new ());
      cairn_sync_indicator_set_status (self->sync_indicator,
                                       cairn_sync_engine_get_status (self->engine));
      adw_header_bar_pack_end (self->sidebar_header, GTK_WIDGET (self->sync_indicator));
      _cairn_window_watch_conflicts (self);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sync-now", self->engine != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.accounts", self->engine != NULL);
}

/* ---- Window -------------------------------------------------------------- */

static void
cairn_window_restore_geometry (CairnWindow *self)
{
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
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
  g_autofree char *last = NULL;

  G_OBJECT_CLASS (cairn_window_parent_class)->constructed (object);

  if (self->settings == NULL)
    self->settings = g_settings_new (APP_ID);
  cairn_window_restore_geometry (self);

  if (self->workspace != NULL)
    follow_workspace (self);
  cairn_window_bind_pool (self, self->pool);

  g_settings_bind (self->settings, "show-completed",
                   self, "show-completed", G_SETTINGS_BIND_DEFAULT);
  add_sync (self);

  last = g_settings_get_string (self->settings, "last-selected");
  /* The first start opens the Inbox. */
  if (last[0] == '\0' && self->pool != NULL &&
      cairn_pool_lookup_list (self->pool, CAIRN_INBOX_ID) != NULL)
    {
      g_free (last);
      last = g_strdup (CAIRN_INBOX_ID);
    }
  _cairn_window_select (self, last);
}

static void
cairn_window_dispose (GObject *object)
{
  CairnWindow *self = CAIRN_WINDOW (object);

  g_clear_pointer (&self->title_binding, g_binding_unbind);
  _cairn_window_views_dispose (self);
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
  g_clear_object (&self->workspace);
  g_clear_pointer (&self->conflict_toasts, g_hash_table_unref);
  g_clear_pointer (&self->undo_toasts, g_ptr_array_unref);
  g_clear_object (&self->overlay_children);
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
    case PROP_WORKSPACE:
      g_value_set_object (value, self->workspace);
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
    case PROP_WORKSPACE:
      self->workspace = g_value_dup_object (value);
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
  properties[PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, CAIRN_TYPE_WORKSPACE,
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
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, smart_listbox);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, inbox_row);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, today_row);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, upcoming_row);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, today_count);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, activity_row);    /* issue 15 */
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, activity_count);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, tags_heading);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, tags_listbox);
  gtk_widget_class_bind_template_child (widget_class, CairnWindow, lists_heading);

  _cairn_window_class_install_actions (widget_class);
  _cairn_window_search_class_init (widget_class);
  _cairn_window_class_install_undo (widget_class);
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
  _cairn_window_sidebar_init (self);
  _cairn_window_toasts_init (self);
  _cairn_window_views_init (self);
  _cairn_window_search_init (self);
}

CairnWindow *
cairn_window_new (GtkApplication *application,
                  GSettings      *settings,
                  CairnPool      *pool)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (pool == NULL || CAIRN_IS_POOL (pool), NULL);

  return g_object_new (CAIRN_TYPE_WINDOW,
                       "application", application,
                       "settings", settings,
                       "pool", pool,
                       NULL);
}

CairnWindow *
cairn_window_new_for_workspace (GtkApplication *application,
                                GSettings      *settings,
                                CairnWorkspace *workspace)
{
  g_return_val_if_fail (application == NULL || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (CAIRN_IS_WORKSPACE (workspace), NULL);

  return g_object_new (CAIRN_TYPE_WINDOW,
                       "application", application,
                       "settings", settings,
                       "workspace", workspace,
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

  _cairn_window_select (self, selected);
}

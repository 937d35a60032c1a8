/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-activity-page.c: what changed since this device last looked. */
#define G_LOG_DOMAIN "cairn-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-activity-page.h"
#include "cairn-note-row.h"
#include "cairn-store-history.h"
#include "cairn-window.h"

struct _CairnActivityPage
{
  GtkWidget      parent_instance;

  GtkStack      *stack;
  GtkListBox    *list;
  GPtrArray     *rows;
  CairnStore    *store;
  gulong         changed_id;
  guint          count_id;
  guint          unread;
};

G_DEFINE_FINAL_TYPE (CairnActivityPage, cairn_activity_page, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_UNREAD, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
set_unread (CairnActivityPage *self,
            guint              unread)
{
  if (self->unread == unread)
    return;
  self->unread = unread;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
}

static GPtrArray *
read_activity (CairnActivityPage *self)
{
  g_autoptr(GError) error = NULL;
  gint64 mark;
  GPtrArray *items;

  if (self->store == NULL)
    return NULL;
  if ((mark = cairn_store_get_activity_mark (self->store, &error)) < 0 ||
      (items = cairn_store_get_activity (self->store, mark, &error)) == NULL)
    {
      g_debug ("Activity: %s", error->message);
      return NULL;
    }
  return items;
}

static void
count_unread (CairnActivityPage *self)
{
  g_autoptr(GPtrArray) items = read_activity (self);
  guint n = 0;

  for (guint i = 0; items != NULL && i < items->len; i++)
    if (((CairnActivityItem *) items->pdata[i])->others)
      n++;
  set_unread (self, n);
}

static gboolean
count_idle (gpointer data)
{
  CairnActivityPage *self = data;

  self->count_id = 0;
  count_unread (self);
  return G_SOURCE_REMOVE;
}

/* Confirmed events arrive with a rebase (a sync): count again once the
 * burst of ::changed is over. */
static void
on_store_changed (CairnStore        *store,
                  CairnChanges      *changes,
                  CairnActivityPage *self)
{
  if (self->count_id == 0)
    self->count_id = g_idle_add_full (G_PRIORITY_LOW, count_idle, self, NULL);
}

static char *
describe_item (const CairnActivityItem *item)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *when = cairn_note_format_edited (item->last_at, now);
  g_autofree char *changes = g_strdup_printf (ngettext ("%u change", "%u changes", item->n_changes),
                                              item->n_changes);
  g_autoptr(GString) who = g_string_new (NULL);

  for (guint i = 0; i < item->users->len; i++)
    g_string_append_printf (who, "%s%s", i > 0 ? ", " : "", (const char *) item->users->pdata[i]);
  if (who->len == 0)
    for (guint i = 0; i < item->devices->len; i++)
      g_string_append_printf (who, "%s%s", i > 0 ? ", " : "", (const char *) item->devices->pdata[i]);
  if (who->len == 0)
    /* Translators: "3 changes · 5 minutes ago" */
    return g_strdup_printf (_("%s · %s"), changes, when);
  /* Translators: "3 changes by bob, ann · 5 minutes ago" */
  return g_strdup_printf (_("%s by %s · %s"), changes, who->str, when);
}

static const char *
kind_icon (const char *kind)
{
  if (g_str_equal (kind, "todo"))
    return "object-select-symbolic";
  if (g_str_equal (kind, "list"))
    return "view-list-bullet-symbolic";
  if (g_str_equal (kind, "note"))
    return "document-edit-symbolic";
  return "tag-symbolic";
}

static const char *
untitled (const char *kind)
{
  if (g_str_equal (kind, "todo"))
    return _("A task");
  if (g_str_equal (kind, "list"))
    return _("A list");
  if (g_str_equal (kind, "note"))
    return _("A note");
  return _("A tag");
}

static void
on_row_activated (GtkListBox        *box,
                  GtkListBoxRow     *row,
                  CairnActivityPage *self)
{
  const char *id = g_object_get_data (G_OBJECT (row), "cairn-object-id");
  const char *kind = g_object_get_data (G_OBJECT (row), "cairn-kind");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (id == NULL || !CAIRN_IS_WINDOW (root))
    return;
  if (g_str_equal (kind, "todo"))
    gtk_widget_activate_action (GTK_WIDGET (self), "win.show-task", "s", id);
  else if (g_str_equal (kind, "list"))
    cairn_window_select_page (CAIRN_WINDOW (root), id);
  else if (g_str_equal (kind, "note"))
    cairn_window_select_page (CAIRN_WINDOW (root), "notes");
}

void
cairn_activity_page_refresh (CairnActivityPage *self)
{
  g_autoptr(GPtrArray) items = NULL;
  guint n_others = 0;

  g_return_if_fail (CAIRN_IS_ACTIVITY_PAGE (self));

  for (guint i = 0; i < self->rows->len; i++)
    gtk_list_box_remove (self->list, self->rows->pdata[i]);
  g_ptr_array_set_size (self->rows, 0);
  items = read_activity (self);
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      const CairnActivityItem *item = items->pdata[i];
      g_autofree char *subtitle = describe_item (item);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name (kind_icon (item->kind));

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     item->title != NULL ? item->title : untitled (item->kind));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      if (g_str_equal (item->kind, "todo") || g_str_equal (item->kind, "list") ||
          g_str_equal (item->kind, "note"))
        {
          gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
        }
      g_object_set_data_full (G_OBJECT (row), "cairn-object-id", g_strdup (item->object_id), g_free);
      g_object_set_data_full (G_OBJECT (row), "cairn-kind", g_strdup (item->kind), g_free);
      gtk_list_box_append (self->list, row);
      g_ptr_array_add (self->rows, row);
      if (item->others)
        n_others++;
    }
  gtk_stack_set_visible_child_name (self->stack, self->rows->len > 0 ? "list" : "empty");
  set_unread (self, n_others);
}

void
cairn_activity_page_mark_seen (CairnActivityPage *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (CAIRN_IS_ACTIVITY_PAGE (self));

  if (self->store == NULL)
    return;
  if (!cairn_store_set_activity_mark (self->store, cairn_store_get_head (self->store), &error))
    g_debug ("Activity mark: %s", error->message);
  set_unread (self, 0);
}

guint
cairn_activity_page_get_unread (CairnActivityPage *self)
{
  g_return_val_if_fail (CAIRN_IS_ACTIVITY_PAGE (self), 0);
  return self->unread;
}

GPtrArray *
cairn_activity_page_get_rows (CairnActivityPage *self)
{
  g_return_val_if_fail (CAIRN_IS_ACTIVITY_PAGE (self), NULL);
  return self->rows;
}

GtkWidget *
cairn_activity_page_new (CairnStore *store)
{
  g_autoptr(GError) error = NULL;
  CairnActivityPage *self = g_object_new (CAIRN_TYPE_ACTIVITY_PAGE, NULL);

  if (store != NULL)
    {
      self->store = g_object_ref (store);
      self->changed_id = g_signal_connect (store, "changed", G_CALLBACK (on_store_changed), self);
      if (cairn_store_get_activity_mark (store, &error) == 0 &&
          !cairn_store_set_activity_mark (store, cairn_store_get_head (store), &error))
        g_debug ("Activity mark: %s", error->message);
      /* Counted after start-up, not during it. */
      self->count_id = g_idle_add_full (G_PRIORITY_LOW, count_idle, self, NULL);
    }
  return GTK_WIDGET (self);
}

static void
cairn_activity_page_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  CairnActivityPage *self = CAIRN_ACTIVITY_PAGE (object);

  switch (prop_id)
    {
    case PROP_UNREAD:
      g_value_set_uint (value, self->unread);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_activity_page_dispose (GObject *object)
{
  CairnActivityPage *self = CAIRN_ACTIVITY_PAGE (object);
  GtkWidget *child;

  g_clear_handle_id (&self->count_id, g_source_remove);
  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (cairn_activity_page_parent_class)->dispose (object);
}

static void
cairn_activity_page_finalize (GObject *object)
{
  CairnActivityPage *self = CAIRN_ACTIVITY_PAGE (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  G_OBJECT_CLASS (cairn_activity_page_parent_class)->finalize (object);
}

static void
cairn_activity_page_class_init (CairnActivityPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cairn_activity_page_get_property;
  object_class->dispose = cairn_activity_page_dispose;
  object_class->finalize = cairn_activity_page_finalize;
  properties[PROP_UNREAD] =
    g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
cairn_activity_page_init (CairnActivityPage *self)
{
  GtkWidget *status = adw_status_page_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *hint = gtk_label_new (_("Changes made since you last looked, other devices’ first"));

  self->rows = g_ptr_array_new ();
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_parent (GTK_WIDGET (self->stack), GTK_WIDGET (self));

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (status), "document-open-recent-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (status), _("Nothing New"));
  adw_status_page_set_description (ADW_STATUS_PAGE (status),
                                   _("Changes from your other devices and the people you share with show here"));
  gtk_stack_add_named (self->stack, status, "empty");

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Activity"), -1);
  g_signal_connect (self->list, "row-activated", G_CALLBACK (on_row_activated), self);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_box_append (GTK_BOX (box), hint);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->list));
  gtk_widget_set_margin_top (box, 24);
  gtk_widget_set_margin_bottom (box, 24);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), box);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), clamp);
  gtk_stack_add_named (self->stack, scroller, "list");
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

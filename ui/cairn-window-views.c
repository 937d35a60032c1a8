/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window-views.c: the smart views' pages (Today, Upcoming, a tag),
 * Today's count in the sidebar, and the day changing at midnight.
 *
 * Each page is a CairnSmartView over one of the pool's live models, made
 * once per workspace (Upcoming's model when it is first shown, a tag's
 * when that tag is opened): a commit changes rows, never a whole page. */
#define G_LOG_DOMAIN "cairn-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-window-private.h"

/* How far Upcoming looks ahead, in days after today. */
#define UPCOMING_DAYS 14

static void
update_today_count (CairnWindow *self)
{
  guint n = self->today_todos != NULL ? g_list_model_get_n_items (self->today_todos) : 0;
  g_autofree char *text = g_strdup_printf ("%u", n);
  g_autofree char *label = NULL;

  gtk_label_set_label (self->today_count, text);
  gtk_widget_set_visible (GTK_WIDGET (self->today_count), n > 0);
  if (n > 0)
    /* Translators: the Today row of the sidebar, read by a screen reader */
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Today, %u task", "Today, %u tasks", n), n);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->today_row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label != NULL ? label : _("Today"), -1);
}

/* ---- Activity (issue 15) ---- */

static void
update_activity_count (CairnWindow *self)
{
  guint n = self->activity_page != NULL ? cairn_activity_page_get_unread (self->activity_page) : 0;
  g_autofree char *text = g_strdup_printf ("%u", n);
  g_autofree char *label = NULL;

  gtk_label_set_label (self->activity_count, text);
  gtk_widget_set_visible (GTK_WIDGET (self->activity_count), n > 0);
  if (n > 0)
    /* Translators: the Activity row of the sidebar, read by a screen reader */
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Activity, %u changed elsewhere",
                                          "Activity, %u changed elsewhere", n), n);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->activity_row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label != NULL ? label : _("Activity"), -1);
}

/* Leaving the Activity page marks what it showed as seen. */
static void
on_visible_page (CairnWindow *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->content_stack);

  if (self->activity_page != NULL && g_strcmp0 (name, "activity") != 0 &&
      g_object_get_data (G_OBJECT (self->activity_page), "cairn-shown") != NULL)
    {
      g_object_set_data (G_OBJECT (self->activity_page), "cairn-shown", NULL);
      cairn_activity_page_mark_seen (self->activity_page);
    }
}

static void
bind_activity (CairnWindow *self)
{
  self->activity_page = CAIRN_ACTIVITY_PAGE (cairn_activity_page_new (cairn_pool_get_store (self->pool)));
  gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->activity_page), "activity");
  g_signal_connect_object (self->activity_page, "notify::unread",
                           G_CALLBACK (update_activity_count), self, G_CONNECT_SWAPPED);
  if (self->activity_leave_id == 0)
    self->activity_leave_id = g_signal_connect_swapped (self->content_stack, "notify::visible-child",
                                                        G_CALLBACK (on_visible_page), self);
}

static void
unbind_activity (CairnWindow *self)
{
  if (self->activity_page != NULL)
    {
      gtk_stack_remove (self->content_stack, GTK_WIDGET (self->activity_page));
      self->activity_page = NULL;
    }
  update_activity_count (self);
}

/* Today's model, for its page and the sidebar's count. */
static void
ensure_today (CairnWindow *self)
{
  if (self->today_todos != NULL || self->pool == NULL || self->today_view == NULL)
    return;
  self->today_todos = cairn_pool_get_today_todos (self->pool);
  g_signal_connect_object (self->today_todos, "items-changed",
                           G_CALLBACK (update_today_count), self, G_CONNECT_SWAPPED);
  cairn_smart_view_set_model (self->today_view, self->today_todos);
  update_today_count (self);
}

static void
ensure_upcoming (CairnWindow *self)
{
  if (self->upcoming_todos != NULL || self->pool == NULL || self->upcoming_view == NULL)
    return;
  self->upcoming_todos = cairn_pool_get_upcoming_todos (self->pool, UPCOMING_DAYS);
  cairn_smart_view_set_model (self->upcoming_view, self->upcoming_todos);
}

/* After the first frame: Today for its count, then Upcoming, so that
 * switching to either only makes the rows on screen. */
static gboolean
on_today_idle (gpointer user_data)
{
  CairnWindow *self = user_data;

  if (self->today_todos == NULL)
    {
      ensure_today (self);
      return G_SOURCE_CONTINUE;
    }
  self->today_idle_id = 0;
  ensure_upcoming (self);
  return G_SOURCE_REMOVE;
}

/* The first frame's update phase: an idle then runs once it is painted. */
static gboolean
on_first_tick (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  CairnWindow *self = CAIRN_WINDOW (widget);

  self->today_tick_id = 0;
  if (self->today_idle_id == 0)
    self->today_idle_id = g_idle_add_full (G_PRIORITY_LOW, on_today_idle, self, NULL);
  return G_SOURCE_REMOVE;
}

void
_cairn_window_views_bind (CairnWindow *self)
{
  if (self->pool == NULL)
    return;

  self->today_view = CAIRN_SMART_VIEW (cairn_smart_view_new (self->pool, CAIRN_SMART_VIEW_TODAY));
  gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->today_view), "today");
  self->upcoming_view = CAIRN_SMART_VIEW (cairn_smart_view_new (self->pool,
                                                                CAIRN_SMART_VIEW_UPCOMING));
  gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->upcoming_view), "upcoming");
  self->tag_view = CAIRN_SMART_VIEW (cairn_smart_view_new (self->pool, CAIRN_SMART_VIEW_TAG));
  gtk_stack_add_named (self->content_stack, GTK_WIDGET (self->tag_view), "tag");
  bind_activity (self);
  /* Today's count is read after the first frame (its page, when shown
   * first, reads it at once): start-up does not wait for it. */
  self->today_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_first_tick,
                                                      NULL, NULL);
}

void
_cairn_window_views_unbind (CairnWindow *self)
{
  if (self->today_tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->today_tick_id);
  self->today_tick_id = 0;
  CairnSmartView **views[] = { &self->today_view, &self->upcoming_view, &self->tag_view };

  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    if (*views[i] != NULL)
      {
        gtk_stack_remove (self->content_stack, GTK_WIDGET (*views[i]));
        *views[i] = NULL;
      }
  g_clear_handle_id (&self->today_idle_id, g_source_remove);
  if (self->today_todos != NULL)
    g_signal_handlers_disconnect_by_func (self->today_todos, update_today_count, self);
  g_clear_object (&self->today_todos);
  g_clear_object (&self->upcoming_todos);
  g_clear_pointer (&self->tag_id, g_free);
  update_today_count (self);
  unbind_activity (self);
}

/* The tag of that id in the sidebar's model: while the tags' model tells
 * of a deletion the pool may still know the tag by its id. */
static CairnTag *
live_tag (CairnWindow *self,
          const char  *tag_id)
{
  GListModel *tags = cairn_pool_get_tags (self->pool);

  for (guint i = 0; i < g_list_model_get_n_items (tags); i++)
    {
      g_autoptr(CairnTag) tag = g_list_model_get_item (tags, i);

      if (g_str_equal (cairn_tag_get_id (tag), tag_id))
        return tag;   /* the model holds it */
    }
  return NULL;
}

gboolean
_cairn_window_views_show (CairnWindow *self,
                          const char  *selected)
{
  if (self->pool == NULL || self->today_view == NULL)
    return FALSE;

  if (g_str_equal (selected, "today"))
    {
      ensure_today (self);
      adw_window_title_set_title (self->content_title, _("Today"));
    }
  else if (g_str_equal (selected, "upcoming"))
    {
      ensure_upcoming (self);
      adw_window_title_set_title (self->content_title, _("Upcoming"));
    }
  else if (g_str_equal (selected, "activity") && self->activity_page != NULL)
    {
      cairn_activity_page_refresh (self->activity_page);
      g_object_set_data (G_OBJECT (self->activity_page), "cairn-shown", GINT_TO_POINTER (1));
      adw_window_title_set_title (self->content_title, _("Activity"));
    }
  else if (g_str_has_prefix (selected, "tag:"))
    {
      const char *tag_id = selected + strlen ("tag:");
      CairnTag *tag = live_tag (self, tag_id);

      if (tag == NULL)
        return FALSE;
      if (g_strcmp0 (self->tag_id, tag_id) != 0)
        {
          g_autoptr(GListModel) todos = cairn_pool_get_tagged_todos (self->pool, tag_id);

          g_free (self->tag_id);
          self->tag_id = g_strdup (tag_id);
          cairn_smart_view_set_model (self->tag_view, todos);
        }
      self->title_binding = g_object_bind_property (tag, "name", self->content_title, "title",
                                                    G_BINDING_SYNC_CREATE);
      g_object_add_weak_pointer (G_OBJECT (self->title_binding),
                                 (gpointer *) &self->title_binding);
      selected = "tag";
    }
  else
    return FALSE;

  _cairn_window_sidebar_select_row (self, _cairn_window_sidebar_find_page_row (self,
                                                                              self->selected));
  if (self->todo_view != NULL)
    cairn_todo_view_park (self->todo_view);
  gtk_stack_set_visible_child_name (self->content_stack, selected);
  return TRUE;
}

/* ---- The day changing ------------------------------------------------------ */

void
cairn_window_set_today (CairnWindow *self,
                        const char  *date)
{
  g_return_if_fail (CAIRN_IS_WINDOW (self));
  g_return_if_fail (date != NULL);

  if (self->pool != NULL && g_strcmp0 (cairn_pool_get_today (self->pool), date) != 0)
    {
      g_debug ("The day is now %s", date);
      cairn_pool_set_today (self->pool, date);
    }
}

void
_cairn_window_check_date (CairnWindow *self,
                          GDateTime   *now)
{
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");

  cairn_window_set_today (self, today);
}

static void
check_date (CairnWindow *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  _cairn_window_check_date (self, now);
}

static gboolean
on_date_check (gpointer user_data)
{
  check_date (user_data);
  return G_SOURCE_CONTINUE;
}

static void arm_midnight (CairnWindow *self);

static gboolean
on_midnight (gpointer user_data)
{
  CairnWindow *self = user_data;

  self->midnight_id = 0;
  check_date (self);
  arm_midnight (self);
  return G_SOURCE_REMOVE;
}

guint
_cairn_window_ms_to_midnight (GDateTime *now)
{
  g_autoptr(GDateTime) start = g_date_time_new (g_date_time_get_timezone (now),
                                                g_date_time_get_year (now),
                                                g_date_time_get_month (now),
                                                g_date_time_get_day_of_month (now),
                                                0, 0, 0);
  g_autoptr(GDateTime) next = g_date_time_add_days (start, 1);
  GTimeSpan wait = g_date_time_difference (next, now);

  return (guint) (MAX (wait, 0) / 1000);
}

/* A timeout to just after the next local midnight. Timeouts run on the
 * monotonic clock, which stands still while the machine sleeps: after a
 * resume (or a change of time zone) the 60 s check notices the new day. */
static void
arm_midnight (CairnWindow *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  self->midnight_id = g_timeout_add (_cairn_window_ms_to_midnight (now) + 500, on_midnight, self);
}

void
_cairn_window_views_init (CairnWindow *self)
{
  self->date_check_id = g_timeout_add_seconds (60, on_date_check, self);
  arm_midnight (self);
}

void
_cairn_window_views_dispose (CairnWindow *self)
{
  if (self->activity_leave_id != 0 && self->content_stack != NULL)
    g_clear_signal_handler (&self->activity_leave_id, self->content_stack);
  self->activity_page = NULL;
  g_clear_handle_id (&self->date_check_id, g_source_remove);
  g_clear_handle_id (&self->midnight_id, g_source_remove);
  g_clear_handle_id (&self->today_idle_id, g_source_remove);
  if (self->today_tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->today_tick_id);
  self->today_tick_id = 0;
  if (self->today_todos != NULL)
    g_signal_handlers_disconnect_by_func (self->today_todos, update_today_count, self);
  g_clear_object (&self->today_todos);
  g_clear_object (&self->upcoming_todos);
  g_clear_pointer (&self->tag_id, g_free);
}

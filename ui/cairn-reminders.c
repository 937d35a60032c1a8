/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-reminders.c: the reminder scheduler, its notifications and the
 * app actions of their buttons. */
#define G_LOG_DOMAIN "cairn-reminders"

#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "cairn-background.h"
#include "cairn-reminders-private.h"
#include "cairn-times.h"
#include "cairn-window.h"

/* How often the wall clock is compared with the monotonic one: a timeout
 * does not run during a suspend, so after waking a reminder that came due
 * meanwhile would wait for the rest of its timeout. */
#define WAKE_CHECK_SECONDS 60
/* A jump of the wall clock against the monotonic one beyond this is a
 * suspend or a clock change: look again. */
#define WAKE_JUMP_SECONDS 5
/* How long an action run with no window keeps the application for the
 * engine to push its change. */
#define PUSH_HOLD_SECONDS 30
/* The longest timeout armed at once (a later one is armed again then). */
#define MAX_TIMEOUT_SECONDS (24 * 60 * 60)

struct _CairnReminders
{
  GObject                 parent_instance;

  GApplication           *app;        /* weak: it owns us */
  CairnWorkspace         *workspace;
  GSettings              *settings;

  CairnRemindersClock     clock;
  gpointer                clock_data;
  CairnRemindersSendFunc  send;
  gpointer                send_data;

  CairnStore             *store;      /* the one ::changed is connected to */
  gulong                  changed_id;
  guint                   refresh_idle_id;
  guint                   load_idle_id;  /* the first read, held meanwhile */

  /* todo id -> the moment its shown notification rings for */
  GHashTable             *shown;
  /* todo id -> its armed reminder's moment, for every armed reminder */
  GHashTable             *armed;
  guint                   timeout_id;
  gint64                  next_at;
  guint                   wake_id;
  gint64                  last_wall;
  gint64                  last_mono;
  GFileMonitor           *tz_monitor;

  guint                   holding : 1;
  guint                   push_holding : 1;
  int                     autostart;  /* -1: not yet set, else wanted */
  guint                   push_hold_id;
  gulong                  pending_id;
};

G_DEFINE_FINAL_TYPE (CairnReminders, cairn_reminders, G_TYPE_OBJECT)

static void schedule_refresh (CairnReminders *self);

static gint64
real_clock (gpointer user_data)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gint64
now_unix (CairnReminders *self)
{
  return self->clock (self->clock_data);
}

char *
cairn_reminders_notification_id (const char *todo_id)
{
  g_return_val_if_fail (todo_id != NULL, NULL);

  return g_strconcat ("reminder-", todo_id, NULL);
}

static void
send_notification (CairnReminders *self,
                   const char     *id,
                   GNotification  *notification)
{
  if (self->send != NULL)
    self->send (self->app, id, notification, self->send_data);
  else if (notification != NULL)
    g_application_send_notification (self->app, id, notification);
  else
    g_application_withdraw_notification (self->app, id);
}

static void
withdraw (CairnReminders *self,
          const char     *todo_id)
{
  g_autofree char *id = cairn_reminders_notification_id (todo_id);

  send_notification (self, id, NULL);
}

/* ---- The notification ---------------------------------------------------- */

/* "today", "tomorrow" or the date in the locale's words. */
static char *
format_day (CairnReminders *self,
            const char     *date)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (now_unix (self));
  g_autoptr(GDateTime) day = NULL;
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  int y, m, d;

  if (sscanf (date, "%d-%d-%d", &y, &m, &d) != 3)
    return g_strdup (date);
  day = g_date_time_new (tz, y, m, d, 12, 0, 0);
  if (day == NULL)
    return g_strdup (date);
  switch (cairn_date_diff_days (today, date))
    {
    case 0:
      return g_strdup (_("today"));
    case 1:
      return g_strdup (_("tomorrow"));
    case -1:
      return g_strdup (_("yesterday"));
    default:
      /* Translators: a date in a reminder, see g_date_time_format() */
      return g_date_time_format (day, _("%A, %B %-d"));
    }
}

static char *
build_body (CairnReminders *self,
            CairnTodo      *todo)
{
  const char *due = cairn_todo_get_due (todo);
  const char *time = cairn_todo_get_due_time (todo);
  const char *reminder = cairn_todo_get_reminder (todo);
  g_autofree char *day = NULL;

  if (due != NULL)
    {
      day = format_day (self, due);
      if (time != NULL)
        /* Translators: "Due today at 17:00": a day, then a time of day */
        return g_strdup_printf (_("Due %s at %s"), day, time);
      /* Translators: "Due today", "Due tomorrow", "Due Monday, May 4" */
      return g_strdup_printf (C_("reminder", "Due %s"), day);
    }
  if (reminder != NULL && cairn_is_moment (reminder))
    {
      g_autoptr(GDateTime) at =
        g_date_time_new_from_unix_local (cairn_moment_to_unix (reminder));
      g_autofree char *hhmm = g_date_time_format (at, "%H:%M");

      /* Translators: %s is a time of day */
      return g_strdup_printf (_("Reminder for %s"), hhmm);
    }
  return g_strdup (_("Reminder"));
}

GNotification *
cairn_reminders_build_notification (CairnReminders *self,
                                    CairnTodo      *todo)
{
  const char *id;
  GNotification *notification;
  g_autofree char *body = NULL;

  g_return_val_if_fail (CAIRN_IS_REMINDERS (self), NULL);
  g_return_val_if_fail (CAIRN_IS_TODO (todo), NULL);

  id = cairn_todo_get_id (todo);
  body = build_body (self, todo);
  notification = g_notification_new (cairn_todo_get_title (todo));
  g_notification_set_body (notification, body);
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_set_default_action_and_target (notification, "app.open-task", "s", id);
  g_notification_add_button_with_target (notification, _("Complete"),
                                         "app.complete-task", "s", id);
  g_notification_add_button_with_target (notification, _("Snooze"),
                                         "app.snooze-task", "s", id);
  return notification;
}

/* ---- Holding the application and starting at login ------------------- */

static gboolean
background_allowed (CairnReminders *self)
{
  return self->settings == NULL
         || g_settings_get_boolean (self->settings, "run-in-background");
}

static void
set_pending (CairnReminders *self,
             gboolean        pending)
{
  gboolean wanted = pending && background_allowed (self);

  if (wanted != self->holding)
    {
      self->holding = wanted;
      if (wanted)
        g_application_hold (self->app);
      else
        g_application_release (self->app);
    }
  if (self->autostart != wanted)
    {
      g_autoptr(GError) error = NULL;

      self->autostart = wanted;
      if (!cairn_background_set_autostart (wanted, &error))
        g_warning ("Cannot change whether Cairn starts at login: %s", error->message);
    }
}

/* ---- The scheduler --------------------------------------------------- */

static gboolean
on_timeout (gpointer user_data)
{
  CairnReminders *self = user_data;

  self->timeout_id = 0;
  cairn_reminders_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
arm (CairnReminders *self,
     gint64          at,
     gint64          now)
{
  gint64 seconds;

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  self->next_at = at;
  if (at == 0)
    return;
  seconds = CLAMP (at - now, 0, MAX_TIMEOUT_SECONDS);
  /* Whole seconds are enough: a moment names a minute. */
  self->timeout_id = g_timeout_add_seconds (seconds, on_timeout, self);
  g_source_set_name_by_id (self->timeout_id, "[cairn] next reminder");
}

static CairnStore *
current_store (CairnReminders *self)
{
  return self->workspace != NULL ? cairn_workspace_get_store (self->workspace) : NULL;
}

static CairnPool *
current_pool (CairnReminders *self)
{
  return self->workspace != NULL ? cairn_workspace_get_pool (self->workspace) : NULL;
}

static void
withdraw_all (CairnReminders *self)
{
  GHashTableIter iter;
  const char *todo_id;

  g_hash_table_iter_init (&iter, self->shown);
  while (g_hash_table_iter_next (&iter, (gpointer *) &todo_id, NULL))
    {
      withdraw (self, todo_id);
      g_hash_table_iter_remove (&iter);
    }
}

/* Whether the todo's reminder is armed now, as
 * cairn_store_list_due_reminders() counts it: set, not dismissed, the todo
 * live and open. Keeps self->armed so; TRUE when that changed it. */
static gboolean
update_armed (CairnReminders *self,
              CairnPool      *pool,
              const char     *todo_id)
{
  CairnTodo *todo = cairn_pool_lookup_todo (pool, todo_id);
  const char *moment = todo != NULL ? cairn_todo_get_reminder (todo) : NULL;
  const char *was = g_hash_table_lookup (self->armed, todo_id);

  if (moment != NULL && cairn_is_moment (moment)
      && !cairn_todo_get_reminder_dismissed (todo) && !cairn_todo_get_done (todo))
    {
      if (g_strcmp0 (was, moment) == 0)
        return FALSE;
      g_hash_table_replace (self->armed, g_strdup (todo_id), g_strdup (moment));
      return TRUE;
    }
  return g_hash_table_remove (self->armed, todo_id);
}

/* The one read of every reminder: at start, for another workspace and
 * after a rebuild. Afterwards the changes keep self->armed up to date. */
static void
load_armed (CairnReminders *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  CairnStore *store = current_store (self);
  CairnPool *pool = current_pool (self);

  g_hash_table_remove_all (self->armed);
  if (store == NULL || pool == NULL)
    return;
  ids = cairn_store_list_due_reminders (store, G_MAXINT64, &error);
  if (ids == NULL)
    {
      g_warning ("Cannot read the reminders: %s", error->message);
      return;
    }
  for (guint i = 0; i < ids->len; i++)
    update_armed (self, pool, g_ptr_array_index (ids, i));
}

/* Invariant afterwards: exactly the armed reminders whose instant is not
 * after now have a notification, each sent once for its moment; the
 * timeout is armed for the first later one. Reads no database. */
void
cairn_reminders_refresh (CairnReminders *self)
{
  g_autoptr(GHashTable) due = NULL;
  CairnPool *pool;
  GHashTableIter iter;
  const char *todo_id;
  const char *moment;
  gint64 now, next = 0;

  g_return_if_fail (CAIRN_IS_REMINDERS (self));

  g_clear_handle_id (&self->refresh_idle_id, g_source_remove);
  now = now_unix (self);
  pool = current_pool (self);

  due = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_iter_init (&iter, self->armed);
  while (pool != NULL && g_hash_table_iter_next (&iter, (gpointer *) &todo_id, (gpointer *) &moment))
    {
      gint64 at = cairn_moment_to_unix (moment);

      if (at > now)
        {
          if (next == 0 || at < next)
            next = at;
          continue;
        }
      g_hash_table_add (due, (gpointer) todo_id);
      if (g_strcmp0 (g_hash_table_lookup (self->shown, todo_id), moment) != 0)
        {
          CairnTodo *todo = cairn_pool_lookup_todo (pool, todo_id);
          g_autoptr(GNotification) notification = NULL;
          g_autofree char *nid = cairn_reminders_notification_id (todo_id);

          if (todo == NULL)
            continue;
          notification = cairn_reminders_build_notification (self, todo);
          send_notification (self, nid, notification);
          g_hash_table_insert (self->shown, g_strdup (todo_id), g_strdup (moment));
        }
    }

  /* Dismissed, completed, deleted or moved (here or elsewhere). */
  g_hash_table_iter_init (&iter, self->shown);
  while (g_hash_table_iter_next (&iter, (gpointer *) &todo_id, NULL))
    {
      if (!g_hash_table_contains (due, todo_id))
        {
          withdraw (self, todo_id);
          g_hash_table_iter_remove (&iter);
        }
    }

  arm (self, next, now);
  set_pending (self, g_hash_table_size (self->armed) > 0);
}

static gboolean
refresh_idle (gpointer user_data)
{
  CairnReminders *self = user_data;

  self->refresh_idle_id = 0;
  cairn_reminders_refresh (self);
  return G_SOURCE_REMOVE;
}

/* Many changes in a row (a rebase) make one look. */
static void
schedule_refresh (CairnReminders *self)
{
  if (self->refresh_idle_id == 0)
    {
      self->refresh_idle_id = g_idle_add (refresh_idle, self);
      g_source_set_name_by_id (self->refresh_idle_id, "[cairn] reminders changed");
    }
}

/* The changed todos, as the pool has them now (it connected to ::changed
 * first): a change to a todo whose reminder stays as it was (a rename,
 * typing in its notes) costs a lookup. */
static void
on_store_changed (CairnStore   *store,
                  CairnChanges *changes,
                  gpointer      user_data)
{
  CairnReminders *self = user_data;
  CairnPool *pool = current_pool (self);
  GHashTableIter iter;
  const char *todo_id;
  gboolean changed = FALSE;

  if (pool == NULL)
    return;
  if (changes->reset)
    {
      load_armed (self);
      schedule_refresh (self);
      return;
    }
  g_hash_table_iter_init (&iter, changes->todos);
  while (g_hash_table_iter_next (&iter, (gpointer *) &todo_id, NULL))
    changed |= update_armed (self, pool, todo_id);
  if (changed)
    schedule_refresh (self);
}

static void
follow_store (CairnReminders *self)
{
  CairnStore *store = current_store (self);

  if (store == self->store)
    return;
  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_set_object (&self->store, store);
  if (store != NULL)
    self->changed_id = g_signal_connect_object (store, "changed",
                                                G_CALLBACK (on_store_changed), self, 0);
}

static gboolean
first_load (gpointer user_data)
{
  CairnReminders *self = user_data;

  self->load_idle_id = 0;
  load_armed (self);
  cairn_reminders_refresh (self);
  g_application_release (self->app);
  return G_SOURCE_REMOVE;
}

static void
on_pool_changed (CairnWorkspace *workspace,
                 GParamSpec     *pspec,
                 gpointer        user_data)
{
  CairnReminders *self = user_data;

  /* Another workspace: its reminders replace the old one's. */
  follow_store (self);
  withdraw_all (self);
  load_armed (self);
  cairn_reminders_refresh (self);
}

gboolean
_cairn_reminders_wake_check (CairnReminders *self)
{
  gint64 wall = now_unix (self);
  gint64 mono = g_get_monotonic_time () / G_USEC_PER_SEC;
  gint64 drift = (wall - self->last_wall) - (mono - self->last_mono);

  self->last_wall = wall;
  self->last_mono = mono;
  if (ABS (drift) > WAKE_JUMP_SECONDS || (self->next_at != 0 && wall >= self->next_at))
    {
      cairn_reminders_refresh (self);
      return TRUE;
    }
  return FALSE;
}

static gboolean
on_wake_check (gpointer user_data)
{
  _cairn_reminders_wake_check (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_tz_changed (GFileMonitor      *monitor,
               GFile             *file,
               GFile             *other,
               GFileMonitorEvent  event,
               gpointer           user_data)
{
  /* A reminder is a moment: it rings at the same instant in any zone,
   * so this only re-arms and formats later notifications anew. */
  schedule_refresh (user_data);
}

static void
on_run_in_background_changed (GSettings  *settings,
                              const char *key,
                              gpointer    user_data)
{
  cairn_reminders_refresh (user_data);
}

/* ---- Actions ----------------------------------------------------------- */

static GtkWindow *
find_window (CairnReminders *self)
{
  if (!GTK_IS_APPLICATION (self->app))
    return NULL;
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self->app));
       l != NULL; l = l->next)
    if (CAIRN_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

/* The workspace's store, opened here when nothing has it open (an action
 * from a notification may start the application with no window). */
static CairnStore *
ensure_store (CairnReminders  *self,
              GError         **error)
{
  CairnStore *store = current_store (self);

  if (store != NULL)
    return store;
  if (self->workspace == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No workspace");
      return NULL;
    }
  if (!cairn_workspace_open (self->workspace, NULL, FALSE, error))
    return NULL;
  return cairn_workspace_get_store (self->workspace);
}

static void
report_failure (CairnReminders *self,
                const char     *what,
                const GError   *error)
{
  GtkWindow *window = find_window (self);
  g_autoptr(GNotification) notification = NULL;

  g_message ("%s: %s", what, error->message);
  if (window != NULL)
    {
      cairn_window_report_error (GTK_WIDGET (window), what, error);
      return;
    }
  notification = g_notification_new (what);
  if (g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND))
    g_notification_set_body (notification, _("The task was deleted, perhaps on another device."));
  else if (g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NO_SPACE))
    g_notification_set_body (notification, _("The disk is full. Nothing was changed."));
  else
    g_notification_set_body (notification, _("Your tasks could not be opened. Nothing was changed."));
  send_notification (self, "reminder-error", notification);
}

static gboolean
release_push_hold (gpointer user_data)
{
  CairnReminders *self = user_data;

  self->push_hold_id = 0;
  if (self->pending_id != 0)
    {
      CairnSyncStatus *status =
        cairn_sync_engine_get_status (cairn_workspace_get_engine (self->workspace));

      g_clear_signal_handler (&self->pending_id, status);
    }
  if (self->push_holding)
    {
      self->push_holding = FALSE;
      g_application_release (self->app);
    }
  return G_SOURCE_REMOVE;
}

static void
on_pending_count (CairnSyncStatus *status,
                  GParamSpec      *pspec,
                  gpointer         user_data)
{
  CairnReminders *self = user_data;

  if (cairn_sync_status_get_pending_count (status) == 0)
    {
      g_clear_handle_id (&self->push_hold_id, g_source_remove);
      release_push_hold (self);
    }
}

/* A change made with no window open: keep running until the engine has
 * pushed it (or PUSH_HOLD_SECONDS passed), then go as usual. */
static void
hold_for_push (CairnReminders *self)
{
  CairnSyncEngine *engine;
  CairnSyncStatus *status;

  if (self->push_holding || find_window (self) != NULL || self->workspace == NULL
      || cairn_workspace_is_local_only (self->workspace))
    return;
  engine = cairn_workspace_get_engine (self->workspace);
  if (!cairn_sync_engine_is_signed_in (engine))
    return;
  status = cairn_sync_engine_get_status (engine);
  if (cairn_sync_status_get_pending_count (status) == 0)
    return;
  self->push_holding = TRUE;
  g_application_hold (self->app);
  self->pending_id = g_signal_connect_object (status, "notify::pending-count",
                                              G_CALLBACK (on_pending_count), self, 0);
  self->push_hold_id = g_timeout_add_seconds (PUSH_HOLD_SECONDS, release_push_hold, self);
}

/* Dismisses the todo's reminder when it is armed: what "seen" means for
 * the other devices. */
static gboolean
dismiss (CairnReminders  *self,
         CairnStore      *store,
         const char      *todo_id,
         GError         **error)
{
  CairnPool *pool = current_pool (self);
  CairnTodo *todo = pool != NULL ? cairn_pool_lookup_todo (pool, todo_id) : NULL;

  if (todo == NULL)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "No todo %s", todo_id);
      return FALSE;
    }
  if (cairn_todo_get_reminder (todo) == NULL || cairn_todo_get_reminder_dismissed (todo))
    return TRUE;
  return cairn_store_dismiss_todo_reminder (store, todo_id, error);
}

/* Completed meanwhile (on another device, say): nothing more to do. */
static gboolean
todo_is_done (CairnReminders *self,
              const char     *todo_id)
{
  CairnPool *pool = current_pool (self);
  CairnTodo *todo = pool != NULL ? cairn_pool_lookup_todo (pool, todo_id) : NULL;

  return todo != NULL && cairn_todo_get_done (todo);
}

static void
complete_task_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  CairnReminders *self = user_data;
  const char *todo_id = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;
  CairnStore *store = ensure_store (self, &error);

  /* Dismissed first: completing a repeating todo arms its next reminder,
   * which must not be the one dismissed. */
  if (store == NULL
      || !dismiss (self, store, todo_id, &error)
      || (!todo_is_done (self, todo_id)
          && !cairn_store_set_todo_done (store, todo_id, TRUE, &error)))
    {
      report_failure (self, _("Could not complete the task"), error);
      return;
    }
  cairn_reminders_refresh (self);
  hold_for_push (self);
}

static void
snooze_task_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  CairnReminders *self = user_data;
  const char *todo_id = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(GDateTime) at = NULL;
  g_autofree char *local = NULL;
  g_autofree char *moment = NULL;
  CairnStore *store = ensure_store (self, &error);
  gint64 later;

  /* Up to the next whole minute (a moment names a minute), so that it
   * never rings sooner than promised, in this device's zone. */
  later = now_unix (self) + CAIRN_REMINDERS_SNOOZE_MINUTES * 60;
  later = (later + 59) / 60 * 60;
  at = g_date_time_new_from_unix_local (later);
  local = g_date_time_format (at, "%Y-%m-%dT%H:%M");
  moment = cairn_moment_from_local (local, tz);

  if (store == NULL
      || !dismiss (self, store, todo_id, &error)
      || !cairn_store_set_todo_reminder (store, todo_id, moment, &error))
    {
      report_failure (self, _("Could not snooze the reminder"), error);
      return;
    }
  cairn_reminders_refresh (self);
  hold_for_push (self);
}

static void
open_task_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  CairnReminders *self = user_data;
  const char *todo_id = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;
  CairnStore *store = ensure_store (self, &error);
  GtkWindow *window;

  if (store == NULL || !dismiss (self, store, todo_id, &error))
    report_failure (self, _("Could not open the task"), error);
  else
    cairn_reminders_refresh (self);

  /* A window on the task, whatever happened to the reminder. */
  g_application_activate (self->app);
  window = find_window (self);
  if (window != NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.show-task", "s", todo_id);
}

static const GActionEntry action_entries[] = {
  { "complete-task", complete_task_activated, "s", NULL, NULL },
  { "snooze-task", snooze_task_activated, "s", NULL, NULL },
  { "open-task", open_task_activated, "s", NULL, NULL },
};

/* ---- Object -------------------------------------------------------- */

static void
cairn_reminders_dispose (GObject *object)
{
  CairnReminders *self = CAIRN_REMINDERS (object);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_handle_id (&self->wake_id, g_source_remove);
  g_clear_handle_id (&self->refresh_idle_id, g_source_remove);
  if (self->load_idle_id != 0)
    {
      g_clear_handle_id (&self->load_idle_id, g_source_remove);
      g_application_release (self->app);
    }
  if (self->push_hold_id != 0)
    {
      g_clear_handle_id (&self->push_hold_id, g_source_remove);
      release_push_hold (self);
    }
  if (self->holding)
    {
      self->holding = FALSE;
      g_application_release (self->app);
    }
  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);
  if (self->tz_monitor != NULL)
    g_file_monitor_cancel (self->tz_monitor);
  g_clear_object (&self->tz_monitor);
  g_clear_object (&self->workspace);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cairn_reminders_parent_class)->dispose (object);
}

static void
cairn_reminders_finalize (GObject *object)
{
  CairnReminders *self = CAIRN_REMINDERS (object);

  g_clear_pointer (&self->shown, g_hash_table_unref);
  g_clear_pointer (&self->armed, g_hash_table_unref);

  G_OBJECT_CLASS (cairn_reminders_parent_class)->finalize (object);
}

static void
cairn_reminders_class_init (CairnRemindersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cairn_reminders_dispose;
  object_class->finalize = cairn_reminders_finalize;
}

static void
cairn_reminders_init (CairnReminders *self)
{
  self->clock = real_clock;
  self->shown = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->armed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->autostart = -1;
}

CairnReminders *
cairn_reminders_new (GApplication   *app,
                     CairnWorkspace *workspace,
                     GSettings      *settings)
{
  CairnReminders *self;
  g_autoptr(GFile) localtime = g_file_new_for_path ("/etc/localtime");

  g_return_val_if_fail (G_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (workspace == NULL || CAIRN_IS_WORKSPACE (workspace), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (CAIRN_TYPE_REMINDERS, NULL);
  self->app = app;
  g_set_object (&self->workspace, workspace);
  g_set_object (&self->settings, settings);

  g_action_map_add_action_entries (G_ACTION_MAP (app), action_entries,
                                   G_N_ELEMENTS (action_entries), self);
  if (workspace != NULL)
    g_signal_connect_object (workspace, "notify::pool", G_CALLBACK (on_pool_changed), self, 0);
  if (settings != NULL)
    g_signal_connect_object (settings, "changed::run-in-background",
                             G_CALLBACK (on_run_in_background_changed), self, 0);

  self->last_wall = now_unix (self);
  self->last_mono = g_get_monotonic_time () / G_USEC_PER_SEC;
  self->wake_id = g_timeout_add_seconds (WAKE_CHECK_SECONDS, on_wake_check, self);
  g_source_set_name_by_id (self->wake_id, "[cairn] reminders wake-up check");
  /* The zone changed (timedated rewrites the link). */
  self->tz_monitor = g_file_monitor_file (localtime, G_FILE_MONITOR_NONE, NULL, NULL);
  if (self->tz_monitor != NULL)
    g_signal_connect_object (self->tz_monitor, "changed", G_CALLBACK (on_tz_changed), self, 0);

  /* The first read of every reminder waits until the window has drawn
   * (see docs/app.md); held meanwhile, or `cairn --background` would be
   * done before it looked. */
  follow_store (self);
  g_application_hold (app);
  self->load_idle_id = g_idle_add_full (G_PRIORITY_LOW, first_load, self, NULL);
  g_source_set_name_by_id (self->load_idle_id, "[cairn] reminders first read");
  return self;
}

void
cairn_reminders_set_clock (CairnReminders      *self,
                           CairnRemindersClock  clock,
                           gpointer             user_data)
{
  g_return_if_fail (CAIRN_IS_REMINDERS (self));

  self->clock = clock != NULL ? clock : real_clock;
  self->clock_data = user_data;
  self->last_wall = now_unix (self);
  self->last_mono = g_get_monotonic_time () / G_USEC_PER_SEC;
  cairn_reminders_refresh (self);
}

void
cairn_reminders_set_send_func (CairnReminders         *self,
                               CairnRemindersSendFunc  func,
                               gpointer                user_data)
{
  g_return_if_fail (CAIRN_IS_REMINDERS (self));

  self->send = func;
  self->send_data = user_data;
  cairn_reminders_refresh (self);
}

gint64
cairn_reminders_get_next_at (CairnReminders *self)
{
  g_return_val_if_fail (CAIRN_IS_REMINDERS (self), 0);

  return self->next_at;
}

gboolean
_cairn_reminders_is_holding_for_push (CairnReminders *self)
{
  g_return_val_if_fail (CAIRN_IS_REMINDERS (self), FALSE);

  return self->push_holding;
}

gboolean
cairn_reminders_get_holding (CairnReminders *self)
{
  g_return_val_if_fail (CAIRN_IS_REMINDERS (self), FALSE);

  return self->holding;
}

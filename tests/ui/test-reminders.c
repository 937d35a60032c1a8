/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-reminders.c: reminders with a fake clock. A reminder rings once
 * when the clock passes it (in any UTC offset), through the real timeout
 * too; Complete, Snooze and opening the task work with no window open
 * (opening the workspace themselves) and are dismissals; a dismissal
 * synced from another device withdraws the notification; the application
 * is held and the autostart entry written exactly while a reminder is
 * armed; the GNotification sent has the title, the due date, the buttons
 * and their actions and targets. */
#include "config.h"

#include <glib/gstdio.h>

#include "cairn-background.h"
#include "cairn-preferences-window.h"
#include "cairn-profile.h"
#include "cairn-reminders-private.h"
#include "cairn-test-device.h"
#include "cairn-ui-test.h"
#include "cairn-window.h"
#include "cairn-workspace.h"

/* 2030-03-01 09:00:00 UTC, a Friday */
#define T0 G_GINT64_CONSTANT (1898586000)

typedef struct
{
  char           *dir;
  CairnProfile   *profile;
  CairnWorkspace *workspace;
  GtkApplication *app;
  GSettings      *settings;
  CairnReminders *reminders;
  gint64          now;
  GPtrArray      *log;       /* "show ID TITLE" and "withdraw ID" */
  char           *list_id;
  char           *shown_task; /* what win.show-task was given */
} Fixture;

static gint64
fake_clock (gpointer user_data)
{
  Fixture *f = user_data;

  return f->now;
}

static void
capture (GApplication  *app,
         const char    *id,
         GNotification *notification,
         gpointer       user_data)
{
  Fixture *f = user_data;

  if (notification != NULL)
    g_ptr_array_add (f->log, g_strdup_printf ("show %s", id));
  else
    g_ptr_array_add (f->log, g_strdup_printf ("withdraw %s", id));
}

static guint
count_log (Fixture    *f,
           const char *verb,
           const char *todo_id)
{
  g_autofree char *entry = g_strdup_printf ("%s reminder-%s", verb, todo_id);
  guint n = 0;

  for (guint i = 0; i < f->log->len; i++)
    if (g_strcmp0 (f->log->pdata[i], entry) == 0)
      n++;
  return n;
}

/* A moment naming the instant unix in the fixed offset ("+05:30"). */
static char *
moment_at (gint64      unix_time,
           const char *offset)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (offset);
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_time);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, tz);

  return g_date_time_format (local, "%Y-%m-%dT%H:%M%:z");
}

static void
fixture_set_up (Fixture  *f,
                gboolean  open_workspace)
{
  g_autoptr(GError) error = NULL;
  static guint n_apps;
  g_autofree char *app_id = NULL;

  f->dir = g_dir_make_tmp ("cairn-ui-reminders-XXXXXX", &error);
  g_assert_no_error (error);
  f->profile = cairn_profile_open (f->dir, &error);
  g_assert_no_error (error);
  f->workspace = cairn_workspace_new (f->profile);
  if (open_workspace)
    {
      g_assert_true (cairn_workspace_open (f->workspace, NULL, TRUE, &error));
      g_assert_no_error (error);
      f->list_id = cairn_store_create_list (cairn_workspace_get_store (f->workspace),
                                            "Errands", &error);
      g_assert_no_error (error);
    }
  /* One id per test: a registered application's objects stay exported
   * on the bus for as long as GTK keeps it. */
  app_id = g_strdup_printf ("org.cairn.Cairn.TestReminders%u", ++n_apps);
  f->app = gtk_application_new (app_id, G_APPLICATION_NON_UNIQUE);
  f->settings = cairn_test_settings_new ();
  f->log = g_ptr_array_new_with_free_func (g_free);
  f->now = T0;
}

/* The scheduler, with the fake clock and the capture. */
static void
fixture_start (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  /* Its actions are activated as the notification server does: on a
   * registered application. */
  g_assert_true (g_application_register (G_APPLICATION (f->app), NULL, &error));
  g_assert_no_error (error);
  f->reminders = cairn_reminders_new (G_APPLICATION (f->app), f->workspace, f->settings);
  cairn_reminders_set_send_func (f->reminders, capture, f);
  cairn_reminders_set_clock (f->reminders, fake_clock, f);
  /* Its first read of the store (an idle) done: later changes reach it
   * as changes. */
  cairn_test_spin (50);
}

static void
fixture_tear_down (Fixture *f)
{
  g_clear_object (&f->reminders);
  g_clear_object (&f->workspace);
  g_clear_object (&f->profile);
  g_clear_object (&f->app);
  g_clear_object (&f->settings);
  g_clear_pointer (&f->log, g_ptr_array_unref);
  g_clear_pointer (&f->list_id, g_free);
  g_clear_pointer (&f->shown_task, g_free);
  cairn_test_remove_dir (f->dir);
  g_clear_pointer (&f->dir, g_free);
}

static CairnStore *
store_of (Fixture *f)
{
  return cairn_workspace_get_store (f->workspace);
}

static CairnTodo *
todo_of (Fixture    *f,
         const char *id)
{
  return cairn_pool_lookup_todo (cairn_workspace_get_pool (f->workspace), id);
}

/* A todo titled title in store, with the reminder (and due date) given. */
static char *
add_todo (CairnStore *store,
          const char *list_id,
          const char *title,
          const char *due,
          const char *time,
          const char *reminder)
{
  g_autoptr(GError) error = NULL;
  char *id = cairn_store_create_todo (store, list_id, title, NULL, NULL, &error);

  g_assert_no_error (error);
  if (due != NULL)
    {
      g_assert_true (cairn_store_set_todo_due_time (store, id, due, time, &error));
      g_assert_no_error (error);
    }
  if (reminder != NULL)
    {
      g_assert_true (cairn_store_set_todo_reminder (store, id, reminder, &error));
      g_assert_no_error (error);
    }
  return id;
}

typedef struct
{
  Fixture *f;
  gint64   at;
} NextQuery;

static gboolean
armed_for (gpointer data)
{
  NextQuery *q = data;

  return cairn_reminders_get_next_at (q->f->reminders) == q->at;
}

static void
assert_armed_for (Fixture *f,
                  gint64   at)
{
  NextQuery q = { f, at };

  g_assert_true (cairn_test_wait_until (armed_for, &q));
}

typedef struct
{
  Fixture    *f;
  const char *verb;
  const char *todo_id;
  guint       count;
} LogQuery;

static gboolean
logged (gpointer data)
{
  LogQuery *q = data;

  return count_log (q->f, q->verb, q->todo_id) >= q->count;
}

static void
test_fires_once (void)
{
  Fixture f = { 0 };
  g_autofree char *at = moment_at (T0 + 60, "+00:00");
  g_autofree char *id = NULL;
  g_autofree char *other = NULL;
  g_autoptr(GError) error = NULL;
  LogQuery shown = { &f, "show", NULL, 1 };

  fixture_set_up (&f, TRUE);
  fixture_start (&f);
  g_assert_cmpint (cairn_reminders_get_next_at (f.reminders), ==, 0);

  /* Set one minute ahead: armed by the commit alone, nothing shown. */
  id = add_todo (store_of (&f), f.list_id, "Call the dentist", "2030-03-01", "17:00", at);
  assert_armed_for (&f, T0 + 60);
  g_assert_cmpuint (f.log->len, ==, 0);

  f.now = T0 + 59;
  cairn_reminders_refresh (f.reminders);
  g_assert_cmpuint (f.log->len, ==, 0);
  g_assert_cmpint (cairn_reminders_get_next_at (f.reminders), ==, T0 + 60);

  /* The armed timeout (one second now) rings it when the clock passed. */
  f.now = T0 + 60;
  shown.todo_id = id;
  g_assert_true (cairn_test_wait_until (logged, &shown));
  g_assert_cmpuint (f.log->len, ==, 1);
  g_assert_cmpuint (count_log (&f, "show", id), ==, 1);
  g_assert_cmpint (cairn_reminders_get_next_at (f.reminders), ==, 0);

  /* Exactly once: looking again, later, or after other changes. */
  f.now = T0 + 3600;
  cairn_reminders_refresh (f.reminders);
  other = add_todo (store_of (&f), f.list_id, "Buy stamps", NULL, NULL, NULL);
  g_assert_true (cairn_store_rename_todo (store_of (&f), id, "Call the dentist now", &error));
  g_assert_no_error (error);
  cairn_test_spin (100);
  cairn_reminders_refresh (f.reminders);
  g_assert_cmpuint (f.log->len, ==, 1);

  fixture_tear_down (&f);
}

/* TZ is America/New_York (main): the device's zone does not matter. */
static void
test_other_offset (void)
{
  Fixture f = { 0 };
  g_autofree char *id = NULL;
  LogQuery shown = { &f, "show", NULL, 1 };

  fixture_set_up (&f, TRUE);
  fixture_start (&f);
  /* 14:30 in India is 09:00 UTC, 04:00 in New York. */
  id = add_todo (store_of (&f), f.list_id, "Join the call", NULL, NULL, "2030-03-01T14:30+05:30");
  shown.todo_id = id;
  f.now = T0 - 3600;
  cairn_reminders_refresh (f.reminders);
  g_assert_cmpint (cairn_reminders_get_next_at (f.reminders), ==, T0);

  f.now = T0 - 1;
  cairn_reminders_refresh (f.reminders);
  g_assert_cmpuint (count_log (&f, "show", id), ==, 0);
  f.now = T0;
  cairn_reminders_refresh (f.reminders);
  g_assert_true (logged (&shown));

  fixture_tear_down (&f);
}

/* A suspend: the wall clock moves on, the armed timeout (monotonic
 * time) does not; the minute's check sees it and rings. */
static void
test_after_suspend (void)
{
  Fixture f = { 0 };
  g_autofree char *at = moment_at (T0 + 3600, "+00:00");
  g_autofree char *id = NULL;

  fixture_set_up (&f, TRUE);
  fixture_start (&f);
  id = add_todo (store_of (&f), f.list_id, "Pick up the kids", NULL, NULL, at);
  assert_armed_for (&f, T0 + 3600);
  g_assert_false (_cairn_reminders_wake_check (f.reminders));

  f.now = T0 + 7200;
  g_assert_true (_cairn_reminders_wake_check (f.reminders));
  g_assert_cmpuint (count_log (&f, "show", id), ==, 1);
  g_assert_false (_cairn_reminders_wake_check (f.reminders));
  g_assert_cmpuint (count_log (&f, "show", id), ==, 1);

  fixture_tear_down (&f);
}

static void
activate (Fixture    *f,
          const char *action,
          const char *todo_id)
{
  g_action_group_activate_action (G_ACTION_GROUP (f->app), action, g_variant_new_string (todo_id));
}

/* A todo with a reminder due at T0, written before the app looks. */
static char *
prepare_profile (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) store = cairn_profile_open_store (f->profile, NULL, &error);
  g_autofree char *at = moment_at (T0, "+01:00");
  g_autofree char *list = NULL;

  g_assert_no_error (error);
  list = cairn_store_create_list (store, "Home", &error);
  g_assert_no_error (error);
  return add_todo (store, list, "Water the plants", NULL, NULL, at);
}

/* A reminder set before the app started (on another device, or one not
 * dismissed before it quit) rings at start. */
static void
test_read_at_start (void)
{
  Fixture f = { 0 };
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;

  fixture_set_up (&f, FALSE);
  id = prepare_profile (&f);
  g_assert_true (cairn_workspace_open (f.workspace, NULL, TRUE, &error));
  g_assert_no_error (error);
  fixture_start (&f);
  g_assert_cmpuint (count_log (&f, "show", id), ==, 1);
  g_assert_true (cairn_reminders_get_holding (f.reminders));

  fixture_tear_down (&f);
}

static void
test_complete_with_no_window (void)
{
  Fixture f = { 0 };
  g_autofree char *id = NULL;
  CairnTodo *todo;

  fixture_set_up (&f, FALSE);
  id = prepare_profile (&f);
  fixture_start (&f);
  /* Nothing has the workspace open: the action opens it. */
  g_assert_null (store_of (&f));

  activate (&f, "complete-task", id);
  g_assert_nonnull (store_of (&f));
  todo = todo_of (&f, id);
  g_assert_nonnull (todo);
  g_assert_true (cairn_todo_get_done (todo));
  g_assert_true (cairn_todo_get_reminder_dismissed (todo));
  /* Events, so that they sync: the dismissal and the completion. */
  g_assert_cmpuint (cairn_store_get_pending_count (store_of (&f)), >=, 2);
  g_assert_false (cairn_reminders_get_holding (f.reminders));
  /* (Opening the workspace rang it again; the completion withdrew it.) */
  g_assert_cmpuint (count_log (&f, "withdraw", id), ==, 1);
  g_assert_true (g_str_has_prefix (f.log->pdata[f.log->len - 1], "withdraw "));

  fixture_tear_down (&f);
}

static void
test_snooze (void)
{
  Fixture f = { 0 };
  g_autofree char *id = NULL;
  g_autofree char *at = moment_at (T0, "+00:00");
  LogQuery withdrawn = { &f, "withdraw", NULL, 1 };
  CairnTodo *todo;

  fixture_set_up (&f, TRUE);
  fixture_start (&f);
  id = add_todo (store_of (&f), f.list_id, "Take the cake out", NULL, NULL, at);
  withdrawn.todo_id = id;
  f.now = T0 + 20;
  cairn_reminders_refresh (f.reminders);
  g_assert_cmpuint (count_log (&f, "show", id), ==, 1);

  /* Ten minutes from now, up to the whole minute, in the device's zone. */
  activate (&f, "snooze-task", id);
  todo = todo_of (&f, id);
  g_assert_cmpstr (cairn_todo_get_reminder (todo), ==, "2030-03-01T04:11-05:00");
  g_assert_false (cairn_todo_get_reminder_dismissed (todo));
  g_assert_true (logged (&withdrawn));
  g_assert_cmpint (cairn_reminders_get_next_at (f.reminders), ==, T0 + 660);
  g_assert_true (cairn_reminders_get_holding (f.reminders));

  f.now = T0 + 660;
  cairn_reminders_refresh (f.reminders);
  g_assert_cmpuint (count_log (&f, "show", id), ==, 2);

  /* A todo that is gone: said in words, nothing changes. */
  activate (&f, "snooze-task", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  g_assert_cmpuint (count_log (&f, "show", id), ==, 2);
  g_assert_cmpstr (f.log->pdata[f.log->len - 1], ==, "show reminder-error");

  fixture_tear_down (&f);
}

static void
show_task_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  Fixture *f = user_data;

  g_free (f->shown_task);
  f->shown_task = g_variant_dup_string (parameter, NULL);
}

static gboolean
window_has_show_task (void)
{
  GType type = CAIRN_TYPE_WINDOW;
  gpointer klass = g_type_class_ref (type);
  const char *name, *property;
  const GVariantType *parameter;
  GType owner;
  gboolean found = FALSE;

  for (guint i = 0;
       gtk_widget_class_query_action (klass, i, &owner, &name, &parameter, &property);
       i++)
    if (g_strcmp0 (name, "win.show-task") == 0)
      found = TRUE;
  g_type_class_unref (klass);
  return found;
}

static void
on_activate (GApplication *app,
             Fixture      *f)
{
  CairnWindow *window = cairn_window_new_for_workspace (GTK_APPLICATION (app), f->settings,
                                                        f->workspace);
  static const GActionEntry entries[] = {
    { "show-task", show_task_activated, "s", NULL, NULL },
  };

  /* The details pane answers win.show-task where it is built; here a
   * stand-in records what it was given. */
  if (!window_has_show_task ())
    g_action_map_add_action_entries (G_ACTION_MAP (window), entries, 1, f);
  gtk_window_present (GTK_WINDOW (window));
}

static void
test_open_task (void)
{
  Fixture f = { 0 };
  g_autofree char *id = NULL;
  g_autofree char *at = moment_at (T0, "+00:00");
  CairnTodo *todo;
  GtkWindow *window;

  fixture_set_up (&f, TRUE);
  g_signal_connect (f.app, "activate", G_CALLBACK (on_activate), &f);
  fixture_start (&f);
  id = add_todo (store_of (&f), f.list_id, "Read the letter", NULL, NULL, at);
  cairn_reminders_refresh (f.reminders);
  g_assert_cmpuint (count_log (&f, "show", id), ==, 1);

  activate (&f, "open-task", id);
  window = gtk_application_get_active_window (f.app);
  g_assert_true (CAIRN_IS_WINDOW (window));
  todo = todo_of (&f, id);
  g_assert_true (cairn_todo_get_reminder_dismissed (todo));
  g_assert_false (cairn_todo_get_done (todo));
  g_assert_cmpuint (count_log (&f, "withdraw", id), ==, 1);
  if (!window_has_show_task ())
    g_assert_cmpstr (f.shown_task, ==, id);

  gtk_window_destroy (window);
  fixture_tear_down (&f);
}

static gboolean
autostart_exists (void)
{
  g_autofree char *path = cairn_background_dup_autostart_path ();

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
test_hold_and_autostart (void)
{
  Fixture f = { 0 };
  g_autofree char *id = NULL;
  g_autofree char *at = moment_at (T0 + 3600, "+00:00");
  g_autofree char *path = cairn_background_dup_autostart_path ();
  g_autofree char *entry = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_str_has_prefix (path, g_getenv ("XDG_CONFIG_HOME")));
  fixture_set_up (&f, TRUE);
  fixture_start (&f);
  g_assert_false (cairn_reminders_get_holding (f.reminders));
  g_assert_false (autostart_exists ());

  /* Armed, in an hour: held, started at login. */
  id = add_todo (store_of (&f), f.list_id, "Leave for the train", NULL, NULL, at);
  assert_armed_for (&f, T0 + 3600);
  g_assert_true (cairn_reminders_get_holding (f.reminders));
  g_assert_true (g_file_get_contents (path, &entry, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (entry, "\nExec=cairn --background\n"));

  /* Turned off in Preferences: let go, and not started at login. */
  g_settings_set_boolean (f.settings, "run-in-background", FALSE);
  g_assert_false (cairn_reminders_get_holding (f.reminders));
  g_assert_false (autostart_exists ());
  g_settings_set_boolean (f.settings, "run-in-background", TRUE);
  g_assert_true (cairn_reminders_get_holding (f.reminders));
  g_assert_true (autostart_exists ());

  /* Rung and still not dismissed: still held. Cleared: released. */
  f.now = T0 + 3600;
  cairn_reminders_refresh (f.reminders);
  g_assert_true (cairn_reminders_get_holding (f.reminders));
  g_assert_true (cairn_store_set_todo_reminder (store_of (&f), id, NULL, &error));
  g_assert_no_error (error);
  assert_armed_for (&f, 0);
  cairn_test_spin (50);
  g_assert_false (cairn_reminders_get_holding (f.reminders));
  g_assert_false (autostart_exists ());
  g_assert_cmpuint (count_log (&f, "withdraw", id), ==, 1);

  fixture_tear_down (&f);
}

/* Preferences › Reminders › Run in Background writes the setting the
 * scheduler follows. */
static void
test_preferences_switch (void)
{
  g_autoptr(GSettings) settings = cairn_test_settings_new ();
  CairnPreferencesWindow *prefs = cairn_preferences_window_new (NULL, settings);
  GtkWidget *row_switch = cairn_test_find_widget (GTK_WIDGET (prefs), GTK_TYPE_SWITCH,
                                                  "run_in_background_switch");

  g_assert_nonnull (row_switch);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (row_switch)));
  gtk_switch_set_active (GTK_SWITCH (row_switch), FALSE);
  g_assert_false (g_settings_get_boolean (settings, "run-in-background"));
  g_settings_set_boolean (settings, "run-in-background", TRUE);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (row_switch)));
  gtk_window_destroy (GTK_WINDOW (prefs));
}

/* ---- The GNotification, through GApplication to org.gtk.Notifications */

typedef struct
{
  GVariant *added;     /* the last AddNotification's a{sv} */
  char     *added_id;
  char     *removed_id;
} FakeNotifications;

static void
fake_method_call (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *path,
                  const char            *interface,
                  const char            *method,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  FakeNotifications *fake = user_data;

  if (g_str_equal (method, "AddNotification"))
    {
      g_clear_pointer (&fake->added, g_variant_unref);
      g_clear_pointer (&fake->added_id, g_free);
      g_variant_get (parameters, "(s&s@a{sv})", NULL, NULL, NULL);
      g_variant_get_child (parameters, 1, "s", &fake->added_id);
      fake->added = g_variant_get_child_value (parameters, 2);
    }
  else if (g_str_equal (method, "RemoveNotification"))
    {
      g_clear_pointer (&fake->removed_id, g_free);
      g_variant_get_child (parameters, 1, "s", &fake->removed_id);
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static const char fake_xml[] =
  "<node><interface name='org.gtk.Notifications'>"
  "<method name='AddNotification'><arg type='s' direction='in'/>"
  "<arg type='s' direction='in'/><arg type='a{sv}' direction='in'/></method>"
  "<method name='RemoveNotification'><arg type='s' direction='in'/>"
  "<arg type='s' direction='in'/></method>"
  "</interface></node>";

static gboolean
fake_added (gpointer data)
{
  return ((FakeNotifications *) data)->added != NULL;
}

static gboolean
fake_removed (gpointer data)
{
  return ((FakeNotifications *) data)->removed_id != NULL;
}

static gboolean
name_owned (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_name_acquired (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
test_notification_sent (void)
{
  static const GDBusInterfaceVTable vtable = { fake_method_call, NULL, NULL, { 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autofree char *address = NULL;
  g_autofree char *id = NULL;
  g_autofree char *at = moment_at (T0, "+00:00");
  g_autofree char *nid = NULL;
  g_autoptr(GVariant) buttons = NULL;
  g_autoptr(GVariant) target = NULL;
  FakeNotifications fake = { 0 };
  Fixture f = { 0 };
  const char *str;
  gboolean owned = FALSE;
  guint reg, own;

  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (address == NULL)
    {
      g_test_skip ("No session bus (run under dbus-run-session)");
      return;
    }
  /* The notification server, on a connection of its own. */
  bus = g_dbus_connection_new_for_address_sync (address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  g_assert_no_error (error);
  info = g_dbus_node_info_new_for_xml (fake_xml, &error);
  g_assert_no_error (error);
  reg = g_dbus_connection_register_object (bus, "/org/gtk/Notifications", info->interfaces[0],
                                           &vtable, &fake, NULL, &error);
  g_assert_no_error (error);
  own = g_bus_own_name_on_connection (bus, "org.gtk.Notifications", G_BUS_NAME_OWNER_FLAGS_NONE,
                                      on_name_acquired, NULL, &owned, NULL);
  g_assert_true (cairn_test_wait_until (name_owned, &owned));

  fixture_set_up (&f, TRUE);
  g_object_set (f.app, "flags", G_APPLICATION_DEFAULT_FLAGS, NULL);
  g_assert_true (g_application_register (G_APPLICATION (f.app), NULL, &error));
  g_assert_no_error (error);
  /* The real sending, only the clock is fake. */
  f.reminders = cairn_reminders_new (G_APPLICATION (f.app), f.workspace, f.settings);
  cairn_reminders_set_clock (f.reminders, fake_clock, &f);
  id = add_todo (store_of (&f), f.list_id, "Submit the report", "2030-03-01", "17:00", at);
  nid = g_strconcat ("reminder-", id, NULL);
  cairn_test_spin (50);
  cairn_reminders_refresh (f.reminders);
  g_assert_true (cairn_test_wait_until (fake_added, &fake));

  g_assert_cmpstr (fake.added_id, ==, nid);
  g_assert_true (g_variant_lookup (fake.added, "title", "&s", &str));
  g_assert_cmpstr (str, ==, "Submit the report");
  g_assert_true (g_variant_lookup (fake.added, "body", "&s", &str));
  g_assert_cmpstr (str, ==, "Due today at 17:00");
  g_assert_true (g_variant_lookup (fake.added, "default-action", "&s", &str));
  g_assert_cmpstr (str, ==, "app.open-task");
  target = g_variant_lookup_value (fake.added, "default-action-target", G_VARIANT_TYPE_STRING);
  g_assert_nonnull (target);
  g_assert_cmpstr (g_variant_get_string (target, NULL), ==, id);
  g_clear_pointer (&target, g_variant_unref);

  buttons = g_variant_lookup_value (fake.added, "buttons", G_VARIANT_TYPE ("aa{sv}"));
  g_assert_nonnull (buttons);
  g_assert_cmpuint (g_variant_n_children (buttons), ==, 2);
  for (gsize i = 0; i < 2; i++)
    {
      g_autoptr(GVariant) button = g_variant_get_child_value (buttons, i);
      const char *labels[] = { "Complete", "Snooze" };
      const char *actions[] = { "app.complete-task", "app.snooze-task" };

      g_assert_true (g_variant_lookup (button, "label", "&s", &str));
      g_assert_cmpstr (str, ==, labels[i]);
      g_assert_true (g_variant_lookup (button, "action", "&s", &str));
      g_assert_cmpstr (str, ==, actions[i]);
      target = g_variant_lookup_value (button, "target", G_VARIANT_TYPE_STRING);
      g_assert_nonnull (target);
      g_assert_cmpstr (g_variant_get_string (target, NULL), ==, id);
      g_clear_pointer (&target, g_variant_unref);
    }

  /* Completed: withdrawn by the same id. */
  activate (&f, "complete-task", id);
  g_assert_true (cairn_test_wait_until (fake_removed, &fake));
  g_assert_cmpstr (fake.removed_id, ==, nid);

  fixture_tear_down (&f);
  g_bus_unown_name (own);
  g_dbus_connection_unregister_object (bus, reg);
  g_clear_pointer (&fake.added, g_variant_unref);
  g_free (fake.added_id);
  g_free (fake.removed_id);
}

/* ---- A dismissal from another device ----------------------------------- */

static gboolean
not_holding_for_push (gpointer data)
{
  return !_cairn_reminders_is_holding_for_push (data);
}

static void
test_dismissed_elsewhere (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *at = moment_at (T0, "+00:00");
  CairnTestServer *server = cairn_test_server_new ();
  CairnTestDevice a = { 0 }, b = { 0 };
  LogQuery withdrawn = { NULL, "withdraw", NULL, 1 };
  Fixture f = { 0 };
  CairnTodo *on_b;
  g_autoptr(CairnPool) pool_b = NULL;
  g_autofree char *snoozed = NULL;

  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", CAIRN_TEST_DEVICE_PASSWORD);

  /* The app's device: signed in, then its workspace opened as the app
   * does (the engine follows it). */
  fixture_set_up (&f, FALSE);
  cairn_test_device_open (&a, f.dir, "a", server);
  g_clear_object (&f.workspace);
  f.workspace = cairn_workspace_new (a.profile);
  cairn_test_device_close (&a);
  g_assert_true (cairn_workspace_open (f.workspace, NULL, FALSE, &error));
  g_assert_no_error (error);
  fixture_start (&f);
  withdrawn.f = &f;

  f.list_id = cairn_store_create_list (store_of (&f), "Work", &error);
  g_assert_no_error (error);
  id = add_todo (store_of (&f), f.list_id, "Send the invoice", NULL, NULL, at);
  withdrawn.todo_id = id;
  cairn_test_spin (50);
  cairn_reminders_refresh (f.reminders);
  g_assert_cmpuint (count_log (&f, "show", id), ==, 1);
  cairn_test_engine_sync (cairn_workspace_get_engine (f.workspace));

  /* The phone gets it and dismisses it. */
  cairn_test_device_open (&b, f.dir, "b", server);
  cairn_test_engine_sync (b.engine);
  pool_b = cairn_pool_new (b.store);
  on_b = cairn_pool_lookup_todo (pool_b, id);
  g_assert_nonnull (on_b);
  g_assert_false (cairn_todo_get_reminder_dismissed (on_b));
  g_assert_true (cairn_store_dismiss_todo_reminder (b.store, id, &error));
  g_assert_no_error (error);
  cairn_test_engine_sync (b.engine);

  /* Here it is withdrawn as the sync brings the dismissal. */
  cairn_test_engine_sync (cairn_workspace_get_engine (f.workspace));
  g_assert_true (cairn_test_wait_until (logged, &withdrawn));
  g_assert_true (cairn_todo_get_reminder_dismissed (todo_of (&f, id)));
  g_assert_false (cairn_reminders_get_holding (f.reminders));

  /* Snooze with no window: the app stays until the engine pushed it, and
   * the phone gets the new reminder. */
  snoozed = add_todo (store_of (&f), f.list_id, "Book the table", NULL, NULL, at);
  cairn_test_spin (50);
  g_assert_cmpuint (count_log (&f, "show", snoozed), ==, 1);
  activate (&f, "snooze-task", snoozed);
  g_assert_true (_cairn_reminders_is_holding_for_push (f.reminders));
  g_assert_true (cairn_test_wait_until (not_holding_for_push, f.reminders));
  g_assert_cmpuint (cairn_store_get_pending_count (store_of (&f)), ==, 0);
  cairn_test_engine_sync (b.engine);
  on_b = cairn_pool_lookup_todo (pool_b, snoozed);
  g_assert_nonnull (on_b);
  g_assert_cmpstr (cairn_todo_get_reminder (on_b), ==, "2030-03-01T04:10-05:00");

  g_clear_object (&pool_b);
  cairn_test_device_close (&b);
  fixture_tear_down (&f);
  cairn_test_server_free (server);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *config = g_dir_make_tmp ("cairn-ui-reminders-config-XXXXXX", NULL);
  int ret;

  /* Before GLib reads them: the autostart entry goes to a temporary
   * folder, and the device is in New York. */
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("TZ", "America/New_York", TRUE);
  cairn_test_init_ui_for_sync (&argc, &argv);

  g_test_add_func ("/reminders/fires-once", test_fires_once);
  g_test_add_func ("/reminders/other-offset", test_other_offset);
  g_test_add_func ("/reminders/after-suspend", test_after_suspend);
  g_test_add_func ("/reminders/read-at-start", test_read_at_start);
  g_test_add_func ("/reminders/complete-with-no-window", test_complete_with_no_window);
  g_test_add_func ("/reminders/snooze", test_snooze);
  g_test_add_func ("/reminders/open-task", test_open_task);
  g_test_add_func ("/reminders/hold-and-autostart", test_hold_and_autostart);
  g_test_add_func ("/reminders/preferences-switch", test_preferences_switch);
  g_test_add_func ("/reminders/notification-sent", test_notification_sent);
  g_test_add_func ("/reminders/dismissed-elsewhere", test_dismissed_elsewhere);
  ret = g_test_run ();
  cairn_test_remove_dir (config);
  return ret;
}

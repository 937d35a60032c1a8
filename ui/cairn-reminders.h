/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-reminders.h: reminders that ring as desktop notifications.
 *
 * One CairnReminders per application follows the open workspace's store:
 * it arms one timeout for the next reminder (again after every commit,
 * rebase or rebuild, after a suspend and on a time-zone change), sends a
 * GNotification (id "reminder-<todo id>") for each reminder that comes due,
 * withdraws it when the reminder stops ringing (dismissed, completed or
 * changed, here or on another device), holds the application while any
 * reminder is armed and keeps `cairn --background` starting at login
 * meanwhile (setting "run-in-background"). It adds the app actions the
 * notification's buttons name, each taking the todo id:
 * app.complete-task, app.snooze-task and app.open-task (opens a window on
 * the task through win.show-task). See docs/app.md, *Reminders*. */
#pragma once

#include <gio/gio.h>

#include "cairn-todo.h"
#include "cairn-workspace.h"

G_BEGIN_DECLS

/* How much later Snooze rings again. */
#define CAIRN_REMINDERS_SNOOZE_MINUTES 10

#define CAIRN_TYPE_REMINDERS (cairn_reminders_get_type ())
G_DECLARE_FINAL_TYPE (CairnReminders, cairn_reminders, CAIRN, REMINDERS, GObject)

/* The wall clock, in Unix seconds. */
typedef gint64 (*CairnRemindersClock)    (gpointer user_data);
/* Shows (notification set) or withdraws (NULL) the notification id. */
typedef void   (*CairnRemindersSendFunc) (GApplication  *app,
                                          const char    *id,
                                          GNotification *notification,
                                          gpointer       user_data);

/* settings: org.cairn.Cairn ("run-in-background"), or NULL for its
 * default (on). Reads the store's reminders in a low-priority idle (the
 * application held until then), after a window's first frame;
 * cairn_reminders_refresh() before that sees none. */
CairnReminders *cairn_reminders_new             (GApplication           *app,
                                                 CairnWorkspace         *workspace,
                                                 GSettings              *settings);
/* For tests: a fake clock, and notifications captured instead of sent
 * (g_application_send/withdraw_notification). Both look again at once
 * (at what was read). */
void            cairn_reminders_set_clock       (CairnReminders         *self,
                                                 CairnRemindersClock     clock,
                                                 gpointer                user_data);
void            cairn_reminders_set_send_func   (CairnReminders         *self,
                                                 CairnRemindersSendFunc  func,
                                                 gpointer                user_data);
/* Looks at the store and the clock now: what the armed timeout and the
 * wake-up check run. */
void            cairn_reminders_refresh         (CairnReminders         *self);
/* The instant (Unix seconds) the armed timeout is for; 0 when none is. */
gint64          cairn_reminders_get_next_at     (CairnReminders         *self);
/* Whether it holds the application (a reminder is armed and running in
 * the background is allowed). */
gboolean        cairn_reminders_get_holding     (CairnReminders         *self);
/* "reminder-" + todo id: the notification's id. */
char           *cairn_reminders_notification_id (const char             *todo_id);
/* The notification of a todo's reminder: its title, when it is due (or
 * the reminder's time), the buttons Complete and Snooze and the default
 * action opening the task. */
GNotification  *cairn_reminders_build_notification (CairnReminders      *self,
                                                    CairnTodo           *todo);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-times.h: due times, reminder moments and repeat rules (issue 13):
 * their text forms, validation, and the calendar arithmetic the reducers
 * use. Pure functions: no clock, no time zone database. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CAIRN_REPEAT_EVERY_MAX 999

/* "HH:MM", 00:00 to 23:59: a wall-clock time of day. */
gboolean  cairn_is_time_of_day    (const char *str);

/* "YYYY-MM-DDTHH:MM+HH:MM" (or -HH:MM): a local time as entered and its
 * UTC offset, from -12:00 to +14:00 ("-00:00" is written "+00:00"). */
gboolean  cairn_is_moment         (const char *str);
/* The absolute instant a moment names, in Unix seconds. */
gint64    cairn_moment_to_unix    (const char *moment);
/* The same local time and offset, days later (or earlier); NULL past the
 * years 0001-9999. */
char     *cairn_moment_add_days   (const char *moment,
                                   gint        days);
/* A moment for a local "YYYY-MM-DDTHH:MM" in zone tz (the device's). */
char     *cairn_moment_from_local (const char *local,
                                   GTimeZone  *tz);

/* A repeat rule: "daily", "weekly", "weekly:mon,wed", "monthly" or
 * "yearly", then "/N" for every N (2 to CAIRN_REPEAT_EVERY_MAX; every 1
 * has no suffix). Weekdays are written in the order mon..sun, each once.
 * One rule has one spelling, so equal rules are equal strings. */
gboolean  cairn_is_repeat_rule    (const char *str);
/* Why str is not a rule, for an error message (NULL when it is one). */
char     *cairn_repeat_rule_check (const char *str);
/* The first date of the rule strictly after "after", counted from anchor
 * (the due date a person set: a monthly rule on the 31st stays on the 31st,
 * or the month's last day). NULL when there is none before 9999-12-31. */
char     *cairn_repeat_next       (const char *rule,
                                   const char *anchor,
                                   const char *after);
/* Days from date a to date b (both YYYY-MM-DD). */
gint      cairn_date_diff_days    (const char *a,
                                   const char *b);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-cli-times.c: cairn-cli's commands for reminders and repeats
 * (`remind`, `repeat`), and the helpers `due`, `add --due`, `todos` and
 * `details` use to read and show due times, reminders and repeats. */
#define G_LOG_DOMAIN "cairn-cli"

#include "config.h"

#include <string.h>

#include "cairn-cli-private.h"
#include "cairn-times.h"

gboolean
cairn_cli_split_due (const char  *arg,
                     char       **date,
                     char       **time)
{
  const char *t = strchr (arg, 'T');

  *date = t != NULL ? g_strndup (arg, (gsize) (t - arg)) : g_strdup (arg);
  *time = t != NULL ? g_strdup (t + 1) : NULL;
  return TRUE;
}

char *
cairn_cli_format_moment (const char *moment)
{
  g_autoptr(GTimeZone) here = g_time_zone_new_local ();
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *shown = NULL;
  gint offset;

  if (moment == NULL || !cairn_is_moment (moment))
    return g_strdup (moment);
  utc = g_date_time_new_from_unix_utc (cairn_moment_to_unix (moment));
  local = g_date_time_to_timezone (utc, here);
  shown = g_date_time_format (local, "%Y-%m-%d %H:%M");
  offset = (gint) (g_date_time_get_utc_offset (local) / G_TIME_SPAN_SECOND);
  /* Set in another zone: say what it was there too */
  if (offset != (moment[16] == '+' ? 1 : -1) *
                ((moment[17] - '0') * 36000 + (moment[18] - '0') * 3600 +
                 (moment[20] - '0') * 600 + (moment[21] - '0') * 60))
    return g_strdup_printf ("%s (%.5s %s where set)", shown, moment + 11, moment + 16);
  return g_steal_pointer (&shown);
}

void
cairn_cli_append_times (GString    *line,
                        const char *reminder,
                        gboolean    dismissed,
                        const char *repeat)
{
  if (reminder != NULL)
    {
      g_autofree char *shown = cairn_cli_format_moment (reminder);

      g_string_append_printf (line, "  remind %s%s", shown, dismissed ? " (dismissed)" : "");
    }
  if (repeat != NULL)
    g_string_append_printf (line, "  repeat %s", repeat);
}

/* The todo's row after a change in --json mode, else nothing. */
static int
report (CairnCli   *cli,
        CairnStore *store,
        const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) row = NULL;

  if (!cli->json)
    return CAIRN_CLI_OK;
  if ((row = cairn_store_read_object (store, CAIRN_OBJECT_TODO, id, NULL, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  cairn_cli_print_json (cli, row);
  return CAIRN_CLI_OK;
}

/* The store, with id a live todo; NULL after printing why. */
static CairnStore *
live_todo (CairnCli   *cli,
           const char *id,
           int        *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) row = NULL;
  CairnStore *store;
  gboolean deleted;

  if ((store = cairn_cli_get_store (cli, &error)) == NULL)
    {
      *status = cairn_cli_fail (cli, error);
      return NULL;
    }
  row = cairn_store_read_object (store, CAIRN_OBJECT_TODO, id, &deleted, &error);
  if (row == NULL)
    {
      *status = g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND) ?
                cairn_cli_failf (cli, "no todo with id %s", id) : cairn_cli_fail (cli, error);
      return NULL;
    }
  if (deleted)
    {
      *status = cairn_cli_failf (cli, "todo %s is deleted (restore it first)", id);
      return NULL;
    }
  return store;
}

static int
cmd_remind (CairnCli  *cli,
            int        argc,
            char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *at = NULL;
  gboolean clear = FALSE, dismiss = FALSE;
  CairnCliOption options[] = {
    { "--clear", FALSE, &clear },
    { "--dismiss", FALSE, &dismiss },
    { NULL }
  };
  const char *args[2];
  CairnStore *store;
  int status;

  if (!cairn_cli_parse (cli, argc, argv, options, 1, 2, args))
    return CAIRN_CLI_USAGE;
  if ((args[1] != NULL) + clear + dismiss != 1)
    return cairn_cli_usage (cli, "give one of a moment (YYYY-MM-DDTHH:MM[±HH:MM]), --clear or --dismiss");
  if ((store = live_todo (cli, args[0], &status)) == NULL)
    return status;

  if (dismiss)
    {
      if (!cairn_store_dismiss_todo_reminder (store, args[0], &error))
        return cairn_cli_fail (cli, error);
      return report (cli, store, args[0]);
    }
  if (args[1] != NULL && strlen (args[1]) == 16)
    {
      /* no offset: the device's current one for that local time */
      g_autofree char *probe = g_strconcat (args[1], "+00:00", NULL);
      g_autoptr(GTimeZone) here = g_time_zone_new_local ();

      if (cairn_is_moment (probe))
        at = cairn_moment_from_local (args[1], here);
    }
  if (!cairn_store_set_todo_reminder (store, args[0], at != NULL ? at : args[1], &error))
    return cairn_cli_fail (cli, error);
  return report (cli, store, args[0]);
}

/* Weekdays in the rule's one order (mon..sun), each once; NULL when one
 * is not a weekday (the store's check then names it). */
static char *
canonical_weekdays (const char *days)
{
  static const char * const names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
  g_auto(GStrv) parts = g_strsplit (days, ",", -1);
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean seen[7] = { FALSE };

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *lower = g_ascii_strdown (g_strstrip (parts[i]), -1);
      guint d;

      for (d = 0; d < 7 && !g_str_equal (lower, names[d]); d++)
        ;
      if (d == 7)
        return NULL;
      seen[d] = TRUE;
    }
  for (guint d = 0; d < 7; d++)
    if (seen[d])
      g_string_append_printf (out, "%s%s", out->len > 0 ? "," : "", names[d]);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static int
cmd_repeat (CairnCli  *cli,
            int        argc,
            char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) rule = NULL;
  gboolean clear = FALSE;
  const char *every = NULL;
  CairnCliOption options[] = {
    { "--clear", FALSE, &clear },
    { "--every", TRUE, &every },
    { NULL }
  };
  const char *args[2];
  CairnStore *store;
  const char *colon;
  int status;

  if (!cairn_cli_parse (cli, argc, argv, options, 1, 2, args))
    return CAIRN_CLI_USAGE;
  if (clear == (args[1] != NULL))
    return cairn_cli_usage (cli, "give either a rule (daily, weekly[:mon,wed], monthly, yearly) or --clear");
  if (clear && every != NULL)
    return cairn_cli_usage (cli, "--every goes with a rule, not --clear");
  if (every != NULL)
    {
      guint64 n = 0;

      if (!g_ascii_string_to_unsigned (every, 10, 1, CAIRN_REPEAT_EVERY_MAX, &n, NULL))
        return cairn_cli_failf (cli, "todo.repeat_set: “every” must be a whole number from 1 to %d, not “%s”",
                                CAIRN_REPEAT_EVERY_MAX, every);
    }
  if ((store = live_todo (cli, args[0], &status)) == NULL)
    return status;

  if (!clear)
    {
      g_autofree char *days = NULL;

      rule = g_string_new (args[1]);
      if ((colon = strchr (args[1], ':')) != NULL &&
          (days = canonical_weekdays (colon + 1)) != NULL)
        {
          g_string_truncate (rule, (gsize) (colon - args[1]) + 1);
          g_string_append (rule, days);
        }
      if (every != NULL && strtoul (every, NULL, 10) > 1)
        g_string_append_printf (rule, "/%s", every + strspn (every, "0"));
    }
  if (!cairn_store_set_todo_repeat (store, args[0], rule != NULL ? rule->str : NULL, &error))
    return cairn_cli_fail (cli, error);
  return report (cli, store, args[0]);
}

const CairnCliCommand cairn_cli_times_commands[] = {
  { "remind", "ID YYYY-MM-DDTHH:MM[±HH:MM]|--clear|--dismiss",
    "Set a todo's reminder (without an offset: this device's), clear it, or dismiss it everywhere",
    cmd_remind },
  { "repeat", "ID daily|weekly[:mon,wed…]|monthly|yearly [--every N]|--clear",
    "Make a todo repeat (completing it moves it to the next date), or stop", cmd_repeat },
  { NULL }
};

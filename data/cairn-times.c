/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-times.c: due times, reminder moments and repeat rules. */
#define G_LOG_DOMAIN "cairn-times"

#include "config.h"

#include <string.h>

#include "cairn-event.h"
#include "cairn-times.h"

static const char * const weekdays[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static gboolean
digits (const char *s,
        guint       n,
        guint      *out)
{
  guint v = 0;

  for (guint i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return FALSE;
      v = v * 10 + (guint) (s[i] - '0');
    }
  *out = v;
  return TRUE;
}

gboolean
cairn_is_time_of_day (const char *str)
{
  guint h, m;

  return str != NULL && strlen (str) == 5 && str[2] == ':' &&
         digits (str, 2, &h) && digits (str + 3, 2, &m) && h < 24 && m < 60;
}

/* offset in seconds east of UTC */
static gboolean
parse_moment (const char *str,
              GDate      *date,
              guint      *hour,
              guint      *minute,
              gint       *offset)
{
  g_autofree char *day = NULL;
  guint y, mo, d, oh, om;

  if (str == NULL || strlen (str) != 22 || str[10] != 'T' ||
      (str[16] != '+' && str[16] != '-') || str[19] != ':')
    return FALSE;
  day = g_strndup (str, 10);
  if (!cairn_is_date (day) || !cairn_is_time_of_day ((char[]) { str[11], str[12], ':', str[14], str[15], 0 }) ||
      str[13] != ':' || !digits (str + 17, 2, &oh) || !digits (str + 20, 2, &om) || om >= 60)
    return FALSE;
  if (str[16] == '+' ? (oh * 60 + om > 14 * 60) : (oh * 60 + om > 12 * 60 || oh + om == 0))
    return FALSE;
  digits (str, 4, &y);
  digits (str + 5, 2, &mo);
  digits (str + 8, 2, &d);
  if (date != NULL)
    g_date_set_dmy (date, (GDateDay) d, (GDateMonth) mo, (GDateYear) y);
  if (hour != NULL)
    digits (str + 11, 2, hour);
  if (minute != NULL)
    digits (str + 14, 2, minute);
  if (offset != NULL)
    *offset = (str[16] == '+' ? 1 : -1) * (gint) (oh * 3600 + om * 60);
  return TRUE;
}

gboolean
cairn_is_moment (const char *str)
{
  return parse_moment (str, NULL, NULL, NULL, NULL);
}

gint64
cairn_moment_to_unix (const char *moment)
{
  GDate date;
  guint hour, minute;
  gint offset;
  gint64 days;

  g_date_clear (&date, 1);
  if (!parse_moment (moment, &date, &hour, &minute, &offset))
    g_return_val_if_reached (0);
  /* 1970-01-01 is Julian day 719163 in GDate's count */
  days = (gint64) g_date_get_julian (&date) - 719163;
  return days * 86400 + hour * 3600 + minute * 60 - offset;
}

char *
cairn_moment_add_days (const char *moment,
                       gint        days)
{
  GDate date;
  char buf[16];
  gint64 julian;

  g_date_clear (&date, 1);
  if (!parse_moment (moment, &date, NULL, NULL, NULL))
    g_return_val_if_reached (NULL);
  julian = (gint64) g_date_get_julian (&date) + days;
  if (julian < 1 || julian > 3652059)   /* 9999-12-31 */
    return NULL;
  g_date_set_julian (&date, (guint32) julian);
  g_snprintf (buf, sizeof buf, "%04u-%02u-%02u", g_date_get_year (&date),
              g_date_get_month (&date), g_date_get_day (&date));
  return g_strconcat (buf, moment + 10, NULL);
}

char *
cairn_moment_from_local (const char *local,
                         GTimeZone  *tz)
{
  g_autoptr(GDateTime) dt = NULL;
  guint y, mo, d, h, mi;
  gint offset;
  char sign;

  g_return_val_if_fail (local != NULL && tz != NULL, NULL);
  if (strlen (local) != 16 || local[10] != 'T' || local[4] != '-' || local[7] != '-' ||
      local[13] != ':' || !digits (local, 4, &y) || !digits (local + 5, 2, &mo) ||
      !digits (local + 8, 2, &d) || !digits (local + 11, 2, &h) || !digits (local + 14, 2, &mi))
    return NULL;
  dt = g_date_time_new (tz, (gint) y, (gint) mo, (gint) d, (gint) h, (gint) mi, 0);
  if (dt == NULL)
    return NULL;
  offset = (gint) (g_date_time_get_utc_offset (dt) / G_TIME_SPAN_SECOND) / 60;
  sign = offset < 0 ? '-' : '+';
  offset = ABS (offset);
  return g_strdup_printf ("%.16s%c%02d:%02d", local, sign, offset / 60, offset % 60);
}

/* Repeat rules */

typedef enum { FREQ_DAILY, FREQ_WEEKLY, FREQ_MONTHLY, FREQ_YEARLY } Freq;

typedef struct
{
  Freq  freq;
  guint days;     /* weekly: bit 0 Monday .. bit 6 Sunday; 0: the anchor's */
  guint every;
} Rule;

/* NULL when str is a rule (then *rule is filled), else why not. */
static char *
parse_rule (const char *str,
            Rule       *rule)
{
  static const char * const freqs[] = { "daily", "weekly", "monthly", "yearly" };
  const char *p = str, *slash;
  gsize n;
  guint i;

  if (str == NULL)
    return g_strdup ("it is missing");
  rule->days = 0;
  rule->every = 1;
  for (i = 0; i < G_N_ELEMENTS (freqs); i++)
    if (g_str_has_prefix (p, freqs[i]))
      break;
  if (i == G_N_ELEMENTS (freqs))
    return g_strdup ("it does not start with daily, weekly, monthly or yearly");
  rule->freq = (Freq) i;
  p += strlen (freqs[i]);

  if (*p == ':')
    {
      int last = -1;

      if (rule->freq != FREQ_WEEKLY)
        return g_strdup ("only a weekly rule names weekdays");
      p++;
      for (;;)
        {
          guint d;

          for (d = 0; d < 7; d++)
            if (strncmp (p, weekdays[d], 3) == 0)
              break;
          if (d == 7)
            return g_strdup_printf ("“%.*s” is not a weekday (mon, tue, wed, thu, fri, sat, sun)",
                                    (int) strcspn (p, ",/"), p);
          if ((int) d <= last)
            return g_strdup ("the weekdays must be written once each, in the order mon to sun");
          last = (int) d;
          rule->days |= 1u << d;
          p += 3;
          if (*p != ',')
            break;
          p++;
        }
    }
  if (*p == '/')
    {
      guint every = 0;

      slash = ++p;
      n = strspn (p, "0123456789");
      if (n == 0 || p[n] != '\0')
        return g_strdup ("“/” must be followed by a number");
      if (n > 4 || *slash == '0')
        return g_strdup_printf ("every %.*s: it must be 2 to %d (every 1 is written without “/”)",
                                (int) MIN (n, 12), slash, CAIRN_REPEAT_EVERY_MAX);
      for (i = 0; i < n; i++)
        every = every * 10 + (guint) (p[i] - '0');
      if (every < 2 || every > CAIRN_REPEAT_EVERY_MAX)
        return g_strdup_printf ("every %u: it must be 2 to %d (every 1 is written without “/”)",
                                every, CAIRN_REPEAT_EVERY_MAX);
      rule->every = every;
      p += n;
    }
  if (*p != '\0')
    return g_strdup_printf ("unexpected “%s”", p);
  return NULL;
}

char *
cairn_repeat_rule_check (const char *str)
{
  Rule rule;

  return parse_rule (str, &rule);
}

gboolean
cairn_is_repeat_rule (const char *str)
{
  g_autofree char *why = cairn_repeat_rule_check (str);

  return why == NULL;
}

static gboolean
date_parse (const char *str,
            GDate      *date)
{
  g_date_clear (date, 1);
  if (!cairn_is_date (str))
    return FALSE;
  g_date_set_dmy (date, (GDateDay) g_ascii_strtoull (str + 8, NULL, 10),
                  (GDateMonth) g_ascii_strtoull (str + 5, NULL, 10),
                  (GDateYear) g_ascii_strtoull (str, NULL, 10));
  return TRUE;
}

static char *
date_format (guint32 julian)
{
  GDate date;

  if (julian < 1 || julian > 3652059)
    return NULL;
  g_date_clear (&date, 1);
  g_date_set_julian (&date, julian);
  return g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (&date),
                          g_date_get_month (&date), g_date_get_day (&date));
}

gint
cairn_date_diff_days (const char *a,
                      const char *b)
{
  GDate da, db;

  if (!date_parse (a, &da) || !date_parse (b, &db))
    g_return_val_if_reached (0);
  return g_date_days_between (&da, &db);
}

/* The month index (year * 12 + month - 1) + k, on the anchor's day or the
 * month's last; 0 past 9999. */
static guint32
month_day (guint index,
           guint day)
{
  GDate date;
  guint year = index / 12, month = index % 12 + 1;

  if (year > 9999)
    return 0;
  day = MIN (day, g_date_get_days_in_month ((GDateMonth) month, (GDateYear) year));
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, (GDateDay) day, (GDateMonth) month, (GDateYear) year);
  return g_date_get_julian (&date);
}

char *
cairn_repeat_next (const char *rule_str,
                   const char *anchor,
                   const char *after)
{
  Rule rule;
  GDate a, t;
  g_autofree char *why = NULL;
  guint32 ja, jt;

  if ((why = parse_rule (rule_str, &rule)) != NULL || !date_parse (after, &t))
    g_return_val_if_reached (NULL);
  if (anchor == NULL || !date_parse (anchor, &a))
    a = t;
  ja = g_date_get_julian (&a);
  jt = g_date_get_julian (&t);

  switch (rule.freq)
    {
    case FREQ_DAILY:
    case FREQ_WEEKLY:
      if (rule.freq == FREQ_DAILY || rule.days == 0)
        {
          guint step = rule.every * (rule.freq == FREQ_DAILY ? 1 : 7);

          if (jt < ja)
            return date_format (ja);
          return date_format (ja + ((jt - ja) / step + 1) * step);
        }
      else
        {
          /* Weeks counted from the Monday of the anchor's week */
          guint32 week0 = ja - (g_date_get_weekday (&a) - 1);
          guint32 d = MAX (jt + 1, week0);

          for (guint i = 0; i < 7 * rule.every + 7; i++, d++)
            if (((d - week0) / 7) % rule.every == 0 && (rule.days & (1u << ((d - week0) % 7))))
              return date_format (d);
          g_return_val_if_reached (NULL);
        }

    case FREQ_MONTHLY:
    case FREQ_YEARLY:
      {
        guint step = rule.every * (rule.freq == FREQ_YEARLY ? 12 : 1);
        guint ia = g_date_get_year (&a) * 12 + g_date_get_month (&a) - 1;
        guint it = g_date_get_year (&t) * 12 + g_date_get_month (&t) - 1;
        guint k = it > ia ? (it - ia) / step : 0;

        for (;; k++)
          {
            guint32 j = month_day (ia + k * step, g_date_get_day (&a));

            if (j == 0)
              return NULL;
            if (j > jt)
              return date_format (j);
          }
      }
    default:
      g_assert_not_reached ();
    }
}

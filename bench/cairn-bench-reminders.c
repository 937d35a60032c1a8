/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-reminders.c: what the reminder scheduler costs, as JSON lines.
 *
 * Usage: cairn-bench-reminders [N-TODOS] (default 100000). The todos are
 * written straight into the state tables of a temporary workspace in one
 * transaction, one in a hundred with a reminder in the coming month. Then:
 * the start (the one read of every armed reminder), one look
 * (cairn_reminders_refresh(): from memory, the due ones shown, the next
 * one armed) and, with the scheduler following the store, a rename of
 * a todo without a reminder and one of a todo with one, each a real
 * commit, timed until the main loop is idle again (the scheduler looks
 * again only after the second, and only if the reminder changed: here
 * not). No display needed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cairn-profile.h"
#include "cairn-reminders.h"
#include "cairn-store-private.h"
#include "cairn-workspace.h"

#include "bench-util.h"

#define N_RUNS 200

static gint64 fake_now;

static gint64
fake_clock (gpointer user_data)
{
  return fake_now;
}

static void
no_send (GApplication  *app,
         const char    *id,
         GNotification *notification,
         gpointer       user_data)
{
}

/* n todos, every 100th with a reminder in the 30 days after now; the ids
 * of one of each kind in plain / reminded. */
static void
fill (CairnStore *store,
      const char *list_id,
      guint       n,
      gint64      now,
      char      **plain,
      char      **reminded)
{
  sqlite3 *db = _cairn_store_get_db (store);
  sqlite3_stmt *stmt = NULL;

  bench_check_sqlite (db, sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), "begin");
  bench_check_sqlite (db, sqlite3_prepare_v2 (db,
                        "INSERT INTO todos (id, list_id, title, position, reminder) "
                        "VALUES (?1, ?2, ?3, ?4, ?5)", -1, &stmt, NULL), "prepare");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = cairn_new_object_id ();
      g_autofree char *title = g_strdup_printf ("Todo number %u", i);
      g_autofree char *pos = g_strdup_printf ("a%07uV", i);
      g_autofree char *moment = NULL;

      if (i % 100 == 0)
        {
          g_autoptr(GDateTime) at =
            g_date_time_new_from_unix_utc (now + 60 + (gint64) (i / 100) * 2591);

          moment = g_date_time_format (at, "%Y-%m-%dT%H:%M+00:00");
          if (*reminded == NULL)
            *reminded = g_strdup (id);
        }
      else if (*plain == NULL)
        *plain = g_strdup (id);
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, list_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, title, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, pos, -1, SQLITE_TRANSIENT);
      if (moment != NULL)
        sqlite3_bind_text (stmt, 5, moment, -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_null (stmt, 5);
      bench_check_sqlite (db, sqlite3_step (stmt), "insert");
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  bench_check_sqlite (db, sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), "commit");
}

static void
report (const char *op,
        guint       todos,
        GArray     *us)
{
  g_array_sort (us, bench_cmp_gint64);
  printf ("{\"bench\":\"reminders\",\"op\":\"%s\",\"todos\":%u,\"n\":%u,"
          "\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n", op, todos, us->len,
          g_array_index (us, gint64, us->len / 2) / 1000.0,
          g_array_index (us, gint64, us->len * 99 / 100) / 1000.0);
}

/* A rename, committed, and everything the main loop does after it. */
static gint64
timed_rename (CairnStore *store,
              const char *id,
              guint       i)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *title = g_strdup_printf ("Renamed %u", i);
  gint64 start = g_get_monotonic_time ();

  if (!cairn_store_rename_todo (store, id, title, &error))
    g_error ("%s", error->message);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return g_get_monotonic_time () - start;
}

int
main (int   argc,
      char *argv[])
{
  guint n = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 100000;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cairn-bench-reminders-XXXXXX", &error);
  g_autoptr(CairnProfile) profile = NULL;
  g_autoptr(CairnWorkspace) workspace = NULL;
  g_autoptr(GApplication) app = NULL;
  g_autoptr(CairnReminders) reminders = NULL;
  g_autoptr(GArray) look = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) plain_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) reminded_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *list = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *reminded = NULL;
  g_autofree char *rm = NULL;

  g_assert_no_error (error);
  fake_now = g_get_real_time () / G_USEC_PER_SEC;
  profile = cairn_profile_open (dir, &error);
  g_assert_no_error (error);
  workspace = cairn_workspace_new (profile);
  if (!cairn_workspace_open (workspace, NULL, TRUE, &error))
    g_error ("%s", error->message);
  list = cairn_store_create_list (cairn_workspace_get_store (workspace), "Bench", &error);
  g_assert_no_error (error);
  fill (cairn_workspace_get_store (workspace), list, n, fake_now, &plain, &reminded);

  app = g_application_new ("org.cairn.Cairn.BenchReminders", G_APPLICATION_NON_UNIQUE);
  {
    gint64 start = g_get_monotonic_time ();

    reminders = cairn_reminders_new (app, workspace, NULL);
    while (cairn_reminders_get_next_at (reminders) == 0)
      g_main_context_iteration (NULL, TRUE);
    printf ("{\"bench\":\"reminders\",\"op\":\"start\",\"todos\":%u,\"armed\":%u,\"ms\":%.1f}\n",
            n, (n + 99) / 100, (g_get_monotonic_time () - start) / 1000.0);
  }
  cairn_reminders_set_send_func (reminders, no_send, NULL);
  cairn_reminders_set_clock (reminders, fake_clock, NULL);
  if (cairn_reminders_get_next_at (reminders) == 0)
    g_error ("no reminder armed");

  for (guint i = 0; i < N_RUNS; i++)
    {
      gint64 start = g_get_monotonic_time ();
      gint64 us;

      cairn_reminders_refresh (reminders);
      us = g_get_monotonic_time () - start;
      g_array_append_val (look, us);
    }
  report ("look", n, look);

  for (guint i = 0; i < N_RUNS; i++)
    {
      gint64 us = timed_rename (cairn_workspace_get_store (workspace), plain, i);

      g_array_append_val (plain_us, us);
      us = timed_rename (cairn_workspace_get_store (workspace), reminded, i);
      g_array_append_val (reminded_us, us);
    }
  report ("rename_without_reminder", n, plain_us);
  report ("rename_with_reminder", n, reminded_us);

  g_clear_object (&reminders);
  g_clear_object (&workspace);
  rm = g_strdup_printf ("rm -rf '%s'", dir);
  if (system (rm) != 0)
    g_warning ("Cannot remove %s", dir);
  return 0;
}

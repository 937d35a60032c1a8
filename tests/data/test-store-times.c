/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-times.c: due times, reminders and repeats (issue 13): the
 * calendar rules, every event's effect and no-op cases, the wrappers'
 * refusals of bad input, repeats completed on two devices through rebase
 * in both orders, a dismissal on one device silencing the other, older
 * clients' v1 events, a newer version reaching this build, and rebuild
 * byte for byte. */
#include "config.h"

#include <string.h>

#include "cairn-pool.h"
#include "cairn-times.h"
#include "store-test-util.h"

#define L1 "01890a5d-ac96-774b-bcce-b30209900001"
#define T  "01890a5d-ac96-774b-bcce-b30209900011"
#define U  "01890a5d-ac96-774b-bcce-b30209900012"
#define OTHER "0123456789abcdef0123456789abcdef"

static void
commit2 (CairnStore *store,
         const char *name,
         const char *args_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (args_json, &error);
  g_autoptr(CairnEvent) event = NULL;

  g_assert_no_error (error);
  event = cairn_store_commit (store, name, _cairn_event_current_version (name),
                              json_node_get_object (node), &error);
  g_assert_no_error (error);
  g_assert_nonnull (event);
}

/* "due|time|reminder|dismissed|repeat|done|deleted", "-" for NULL. */
static char *
row (CairnStore *store,
     const char *id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT coalesce (due, '-') || '|' || coalesce (due_time, '-') "
                                          "|| '|' || coalesce (reminder, '-') || '|' || reminder_dismissed "
                                          "|| '|' || coalesce (repeat, '-') || '|' || done || '|' || deleted "
                                          "FROM todos WHERE id = '%s'", id);
  return test_query_text (store, sql);
}

#define assert_row(store, id, expected) \
  G_STMT_START { g_autofree char *r_ = row (store, id); g_assert_cmpstr (r_, ==, expected); } G_STMT_END

static char *
occurrences (CairnStore *store,
             const char *id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT coalesce (group_concat (occurrence, ','), '-') FROM "
                                          "(SELECT occurrence FROM todo_occurrences WHERE todo_id = '%s' "
                                          "ORDER BY occurrence)", id);
  return test_query_text (store, sql);
}

#define assert_occurrences(store, id, expected) \
  G_STMT_START { g_autofree char *o_ = occurrences (store, id); g_assert_cmpstr (o_, ==, expected); } G_STMT_END

static gint64
n_events (CairnStore *store)
{
  return test_query_int (store, "SELECT count(*) FROM pending") +
         test_query_int (store, "SELECT count(*) FROM log");
}

static void
assert_rebuild_same (CairnStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = test_dump (store);
  g_autofree char *after = NULL;

  g_assert_true (cairn_store_rebuild (store, &error));
  g_assert_no_error (error);
  after = test_dump (store);
  g_assert_cmpstr (after, ==, before);
}

#define TODO(id) "{\"todo_id\":\"" id "\",\"list_id\":\"" L1 "\",\"title\":\"t\",\"position\":\"V\"}"

static void
base (CairnStore *s)
{
  commit2 (s, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}");
  commit2 (s, "todo.created", TODO (T));
}

/* ---- the calendar ---- */

static void
assert_next (const char *rule,
             const char *anchor,
             const char *after,
             const char *expected)
{
  g_autofree char *next = cairn_repeat_next (rule, anchor, after);

  g_assert_cmpstr (next, ==, expected);
}

static void
test_rules (void)
{
  assert_next ("daily", "2026-12-07", "2026-12-07", "2026-12-08");
  assert_next ("daily/3", "2026-12-07", "2026-12-07", "2026-12-10");
  assert_next ("daily/3", "2026-12-07", "2026-12-11", "2026-12-13");
  assert_next ("weekly", "2026-12-07", "2026-12-07", "2026-12-14");
  /* 2026-12-07 is a Monday */
  assert_next ("weekly:mon,wed", "2026-12-07", "2026-12-07", "2026-12-09");
  assert_next ("weekly:mon,wed", "2026-12-07", "2026-12-09", "2026-12-14");
  assert_next ("weekly:mon,wed/2", "2026-12-07", "2026-12-09", "2026-12-21");
  assert_next ("weekly:sun", "2026-12-07", "2026-12-07", "2026-12-13");
  /* monthly on the 31st: the month's last day, then the 31st again */
  assert_next ("monthly", "2027-01-31", "2027-01-31", "2027-02-28");
  assert_next ("monthly", "2027-01-31", "2027-02-28", "2027-03-31");
  assert_next ("monthly", "2027-01-31", "2027-03-31", "2027-04-30");
  assert_next ("monthly/2", "2027-01-31", "2027-01-31", "2027-03-31");
  assert_next ("monthly", "2028-01-31", "2028-01-31", "2028-02-29");
  assert_next ("yearly", "2028-02-29", "2028-02-29", "2029-02-28");
  assert_next ("yearly", "2028-02-29", "2029-02-28", "2030-02-28");
  assert_next ("yearly/4", "2028-02-29", "2028-02-29", "2032-02-29");
  assert_next ("daily", "9999-12-31", "9999-12-31", NULL);

  g_assert_true (cairn_is_repeat_rule ("weekly:mon,tue,wed,thu,fri,sat,sun/999"));
  for (guint i = 0; i < 9; i++)
    {
      static const char * const bad[] = { "", "hourly", "daily/0", "daily/1", "daily/10000",
                                          "weekly:wed,mon", "weekly:mon,mon", "monthly:mon", "weekly:" };
      g_assert_false (cairn_is_repeat_rule (bad[i]));
    }
  {
    g_autofree char *why = cairn_repeat_rule_check ("weekly:mon,fun");
    g_assert_nonnull (strstr (why, "“fun” is not a weekday"));
  }

  g_assert_true (cairn_is_time_of_day ("00:00"));
  g_assert_true (cairn_is_time_of_day ("23:59"));
  g_assert_false (cairn_is_time_of_day ("25:00"));
  g_assert_false (cairn_is_time_of_day ("24:60"));
  g_assert_false (cairn_is_time_of_day ("24:00"));
  g_assert_false (cairn_is_time_of_day ("9:00"));

  g_assert_true (cairn_is_moment ("2026-12-07T09:00+01:00"));
  g_assert_true (cairn_is_moment ("2026-12-07T09:00-12:00"));
  g_assert_true (cairn_is_moment ("2026-12-07T09:00+14:00"));
  g_assert_false (cairn_is_moment ("2026-12-07T09:00+15:00"));
  g_assert_false (cairn_is_moment ("2026-12-07T09:00-13:00"));
  g_assert_false (cairn_is_moment ("2026-12-07T09:00-00:00"));
  g_assert_false (cairn_is_moment ("2026-12-07T25:00+01:00"));
  g_assert_false (cairn_is_moment ("2026-02-30T09:00+01:00"));
  g_assert_false (cairn_is_moment ("2026-12-07T09:00"));
  /* the instant: 09:00 at +01:00 is 08:00 UTC */
  g_assert_cmpint (cairn_moment_to_unix ("2026-12-07T09:00+01:00"), ==,
                   cairn_moment_to_unix ("2026-12-07T08:00+00:00"));
  g_assert_cmpint (cairn_moment_to_unix ("1970-01-01T00:00+00:00"), ==, 0);
  g_assert_cmpint (cairn_moment_to_unix ("1970-01-02T01:00+01:00"), ==, 86400);
  {
    g_autofree char *later = cairn_moment_add_days ("2027-02-28T09:00+01:00", 31);
    g_autoptr(GTimeZone) tz = g_time_zone_new_offset (-5 * 3600);
    g_autofree char *local = cairn_moment_from_local ("2026-12-07T09:00", tz);

    g_assert_cmpstr (later, ==, "2027-03-31T09:00+01:00");
    g_assert_cmpstr (local, ==, "2026-12-07T09:00-05:00");
  }
}

/* ---- each event and its no-op cases ---- */

static void
test_due_time (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  CairnStore *s = ts->store;
  gint64 n;

  base (s);
  commit2 (s, "todo.due_set", "{\"todo_id\":\"" T "\",\"due\":\"2026-12-07\",\"time\":\"17:00\"}");
  assert_row (s, T, "2026-12-07|17:00|-|0|-|0|0");
  /* the same date and time: no-op (the row is unchanged, the event kept) */
  n = test_query_int (s, "SELECT count(*) FROM pending");
  commit2 (s, "todo.due_set", "{\"todo_id\":\"" T "\",\"due\":\"2026-12-07\",\"time\":\"17:00\"}");
  g_assert_cmpint (test_query_int (s, "SELECT count(*) FROM pending"), ==, n + 1);
  assert_row (s, T, "2026-12-07|17:00|-|0|-|0|0");
  /* the same date without a time: the time goes (date only) */
  commit2 (s, "todo.due_set", "{\"todo_id\":\"" T "\",\"due\":\"2026-12-07\"}");
  assert_row (s, T, "2026-12-07|-|-|0|-|0|0");
  commit2 (s, "todo.due_set", "{\"todo_id\":\"" T "\",\"due\":\"2026-12-08\",\"time\":\"08:30\"}");
  commit2 (s, "todo.due_cleared", "{\"todo_id\":\"" T "\"}");
  assert_row (s, T, "-|-|-|0|-|0|0");
  /* no due: clearing is a no-op */
  commit2 (s, "todo.due_cleared", "{\"todo_id\":\"" T "\"}");
  assert_row (s, T, "-|-|-|0|-|0|0");
  /* deleted: every change is a no-op */
  commit2 (s, "todo.deleted", "{\"todo_id\":\"" T "\"}");
  commit2 (s, "todo.due_set", "{\"todo_id\":\"" T "\",\"due\":\"2026-12-09\",\"time\":\"08:30\"}");
  commit2 (s, "todo.reminder_set", "{\"todo_id\":\"" T "\",\"at\":\"2026-12-07T09:00+01:00\"}");
  commit2 (s, "todo.repeat_set", "{\"todo_id\":\"" T "\",\"rule\":\"daily\"}");
  commit2 (s, "todo.completed", "{\"todo_id\":\"" T "\",\"occurrence\":\"2026-12-09\"}");
  assert_row (s, T, "-|-|-|0|-|0|1");
  assert_rebuild_same (s);
}

static void
test_reminders (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GError) error = NULL;
  CairnStore *s = ts->store;
  gint64 at = cairn_moment_to_unix ("2026-12-07T09:00+01:00");

  base (s);
  commit2 (s, "todo.created", TODO (U));
  commit2 (s, "todo.reminder_set", "{\"todo_id\":\"" T "\",\"at\":\"2026-12-07T09:00+01:00\"}");
  commit2 (s, "todo.reminder_set", "{\"todo_id\":\"" U "\",\"at\":\"2026-12-07T08:30+00:00\"}");
  assert_row (s, T, "-|-|2026-12-07T09:00+01:00|0|-|0|0");

  /* rings at the instant it names, wherever this device is */
  due = cairn_store_list_due_reminders (s, at - 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 0);
  g_clear_pointer (&due, g_ptr_array_unref);
  due = cairn_store_list_due_reminders (s, at, &error);
  g_assert_cmpuint (due->len, ==, 1);
  g_assert_cmpstr (due->pdata[0], ==, T);
  g_clear_pointer (&due, g_ptr_array_unref);
  due = cairn_store_list_due_reminders (s, at + 3600, &error);
  g_assert_cmpuint (due->len, ==, 2);
  g_assert_cmpstr (due->pdata[0], ==, T);   /* 08:00 UTC rings before 08:30 UTC */
  g_assert_cmpstr (due->pdata[1], ==, U);
  g_clear_pointer (&due, g_ptr_array_unref);

  /* a dismissal of another moment: no-op */
  commit2 (s, "todo.reminder_dismissed", "{\"todo_id\":\"" T "\",\"at\":\"2026-12-07T09:00+00:00\"}");
  assert_row (s, T, "-|-|2026-12-07T09:00+01:00|0|-|0|0");
  g_assert_true (cairn_store_dismiss_todo_reminder (s, T, &error));
  g_assert_no_error (error);
  assert_row (s, T, "-|-|2026-12-07T09:00+01:00|1|-|0|0");
  /* already dismissed: no-op */
  commit2 (s, "todo.reminder_dismissed", "{\"todo_id\":\"" T "\",\"at\":\"2026-12-07T09:00+01:00\"}");
  assert_row (s, T, "-|-|2026-12-07T09:00+01:00|1|-|0|0");
  due = cairn_store_list_due_reminders (s, at + 3600, &error);
  g_assert_cmpuint (due->len, ==, 1);
  g_assert_cmpstr (due->pdata[0], ==, U);
  g_clear_pointer (&due, g_ptr_array_unref);

  /* set again, the same moment: a person asked for it, it rings again */
  commit2 (s, "todo.reminder_set", "{\"todo_id\":\"" T "\",\"at\":\"2026-12-07T09:00+01:00\"}");
  assert_row (s, T, "-|-|2026-12-07T09:00+01:00|0|-|0|0");
  /* set again, armed: no-op */
  commit2 (s, "todo.reminder_set", "{\"todo_id\":\"" T "\",\"at\":\"2026-12-07T09:00+01:00\"}");
  assert_row (s, T, "-|-|2026-12-07T09:00+01:00|0|-|0|0");

  /* a done todo does not ring */
  commit2 (s, "todo.completed", "{\"todo_id\":\"" U "\"}");
  due = cairn_store_list_due_reminders (s, at + 3600, &error);
  g_assert_cmpuint (due->len, ==, 1);
  g_clear_pointer (&due, g_ptr_array_unref);

  commit2 (s, "todo.reminder_cleared", "{\"todo_id\":\"" T "\"}");
  assert_row (s, T, "-|-|-|0|-|0|0");
  /* no reminder: clearing, dismissing are no-ops; the wrapper refuses */
  commit2 (s, "todo.reminder_cleared", "{\"todo_id\":\"" T "\"}");
  commit2 (s, "todo.reminder_dismissed", "{\"todo_id\":\"" T "\",\"at\":\"2026-12-07T09:00+01:00\"}");
  assert_row (s, T, "-|-|-|0|-|0|0");
  g_assert_false (cairn_store_dismiss_todo_reminder (s, T, &error));
  g_assert_nonnull (strstr (error->message, "has no reminder"));
  assert_rebuild_same (s);
}

static void
test_repeat_events (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  CairnStore *s = ts->store;

  base (s);
  commit2 (s, "todo.repeat_set", "{\"todo_id\":\"" T "\",\"rule\":\"weekly:mon,wed\"}");
  assert_row (s, T, "-|-|-|0|weekly:mon,wed|0|0");
  commit2 (s, "todo.repeat_set", "{\"todo_id\":\"" T "\",\"rule\":\"weekly:mon,wed\"}");
  assert_row (s, T, "-|-|-|0|weekly:mon,wed|0|0");
  commit2 (s, "todo.repeat_cleared", "{\"todo_id\":\"" T "\"}");
  assert_row (s, T, "-|-|-|0|-|0|0");
  commit2 (s, "todo.repeat_cleared", "{\"todo_id\":\"" T "\"}");
  assert_row (s, T, "-|-|-|0|-|0|0");
  assert_rebuild_same (s);
}

static void
test_complete_repeating (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) dates = NULL;
  CairnStore *s = ts->store;

  base (s);
  g_assert_true (cairn_store_set_todo_due_time (s, T, "2027-01-31", "09:00", &error));
  g_assert_true (cairn_store_set_todo_repeat (s, T, "monthly", &error));
  g_assert_true (cairn_store_set_todo_reminder (s, T, "2027-01-31T08:00+01:00", &error));
  g_assert_true (cairn_store_dismiss_todo_reminder (s, T, &error));
  g_assert_no_error (error);

  /* completing moves due (and the reminder, armed again) to the next
   * occurrence; the todo stays open; the occurrence is recorded */
  g_assert_true (cairn_store_set_todo_done (s, T, TRUE, &error));
  g_assert_no_error (error);
  assert_row (s, T, "2027-02-28|09:00|2027-02-28T08:00+01:00|0|monthly|0|0");
  g_assert_true (cairn_store_set_todo_done (s, T, TRUE, &error));
  /* no drift: the anchor's 31st */
  assert_row (s, T, "2027-03-31|09:00|2027-03-31T08:00+01:00|0|monthly|0|0");
  dates = cairn_store_list_occurrences (s, T, &error);
  g_assert_cmpuint (dates->len, ==, 2);
  g_assert_cmpstr (dates->pdata[0], ==, "2027-01-31");
  g_assert_cmpstr (dates->pdata[1], ==, "2027-02-28");

  /* an occurrence completed already: no-op */
  commit2 (s, "todo.completed", "{\"todo_id\":\"" T "\",\"occurrence\":\"2027-02-28\"}");
  assert_row (s, T, "2027-03-31|09:00|2027-03-31T08:00+01:00|0|monthly|0|0");
  assert_occurrences (s, T, "2027-01-31,2027-02-28");

  /* an occurrence that is not the due date (rescheduled meanwhile):
   * recorded, due left as the later intent put it */
  commit2 (s, "todo.completed", "{\"todo_id\":\"" T "\",\"occurrence\":\"2027-03-15\"}");
  assert_row (s, T, "2027-03-31|09:00|2027-03-31T08:00+01:00|0|monthly|0|0");
  assert_occurrences (s, T, "2027-01-31,2027-02-28,2027-03-15");

  /* reopening an open todo: no-op; the history stays */
  commit2 (s, "todo.reopened", "{\"todo_id\":\"" T "\"}");
  assert_row (s, T, "2027-03-31|09:00|2027-03-31T08:00+01:00|0|monthly|0|0");

  /* setting the due date sets the anchor: now the 15th */
  g_assert_true (cairn_store_set_todo_due_time (s, T, "2027-04-15", NULL, &error));
  g_assert_true (cairn_store_set_todo_done (s, T, TRUE, &error));
  assert_row (s, T, "2027-05-15|-|2027-04-30T08:00+01:00|0|monthly|0|0");

  /* v1 (no occurrence), or a todo that no longer repeats: it is done */
  g_assert_true (cairn_store_set_todo_repeat (s, T, NULL, &error));
  commit2 (s, "todo.completed", "{\"todo_id\":\"" T "\",\"occurrence\":\"2027-05-15\"}");
  assert_row (s, T, "2027-05-15|-|2027-04-30T08:00+01:00|0|-|1|0");
  commit2 (s, "todo.completed", "{\"todo_id\":\"" T "\"}");   /* done already: no-op */
  assert_row (s, T, "2027-05-15|-|2027-04-30T08:00+01:00|0|-|1|0");
  assert_occurrences (s, T, "2027-01-31,2027-02-28,2027-03-15,2027-04-15");

  /* repeating without a due date: completing closes it (nothing to move) */
  commit2 (s, "todo.created", TODO (U));
  g_assert_true (cairn_store_set_todo_repeat (s, U, "daily", &error));
  g_assert_true (cairn_store_set_todo_done (s, U, TRUE, &error));
  assert_row (s, U, "-|-|-|0|daily|1|0");
  assert_occurrences (s, U, "-");
  assert_rebuild_same (s);
}

/* ---- bad input: refused, naming the field, nothing written ---- */

static void
assert_refused (gboolean    ok,
                GError     *error,
                const char *field)
{
  g_assert_false (ok);
  g_assert_nonnull (error);
  if (strstr (error->message, field) == NULL)
    g_error ("“%s” is not named in: %s", field, error->message);
}

static void
test_bad_input (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  CairnStore *s = ts->store;
  g_autofree char *before = NULL, *after = NULL;
  static const struct { const char *due, *time; } dues[] = {
    { "2026-12-07", "25:00" }, { "2026-12-07", "24:60" }, { "2026-12-07", "9:00" },
    { "2026-13-01", NULL }, { "07-12-2026", NULL }, { "2026-02-29", NULL }, { NULL, "09:00" },
  };
  static const char * const moments[] = {
    "2026-12-07T09:00+15:00", "2026-12-07T25:00+01:00", "2026-12-07T24:60+01:00",
    "2026-12-07T09:00", "2026-12-32T09:00+01:00", "tomorrow",
  };
  static const char * const rules[] = {
    "weekly:mon,fun", "daily/0", "daily/10000", "fortnightly", "monthly:mon", "daily/",
  };
  gint64 n;

  base (s);
  before = test_dump (s);
  n = n_events (s);
  for (guint i = 0; i < G_N_ELEMENTS (dues); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = cairn_store_set_todo_due_time (s, T, dues[i].due, dues[i].time, &error);

      assert_refused (ok, error, dues[i].time != NULL && cairn_is_date (dues[i].due) ? "“time”" :
                                 dues[i].due == NULL ? "“time”" : "“due”");
    }
  for (guint i = 0; i < G_N_ELEMENTS (moments); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = cairn_store_set_todo_reminder (s, T, moments[i], &error);

      assert_refused (ok, error, "“at”");
    }
  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = cairn_store_set_todo_repeat (s, T, rules[i], &error);

      assert_refused (ok, error, "“rule”");
    }
  {
    g_autoptr(GError) error = NULL;
    gboolean ok;

    ok = cairn_store_set_todo_repeat (s, T, "weekly:mon,fun", &error);
    assert_refused (ok, error, "“fun” is not a weekday");
    g_clear_error (&error);
    ok = cairn_store_set_todo_repeat (s, T, "daily/10000", &error);
    assert_refused (ok, error, "every 10000");
    g_clear_error (&error);
    ok = cairn_store_set_todo_reminder (s, U, "2026-12-07T09:00+01:00", &error);
    assert_refused (ok, error, "No todo");
  }
  after = test_dump (s);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpint (n_events (s), ==, n);
}

/* ---- two devices, through rebase ---- */

static GPtrArray *
batch_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
}

static CairnEvent *
take_pending (CairnStore *store,
              gint64      seq)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = cairn_store_list_pending (store, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (pending->len, ==, 1);
  return test_event_confirmed (pending->pdata[0], seq);
}

/* Both devices have T, due 2026-12-07 09:00, repeating daily/2, with a
 * reminder, from another device (seq 1..5). */
static void
shared_todo (CairnStore *a,
             CairnStore *b)
{
  g_autoptr(GPtrArray) shared = batch_new ();

  g_ptr_array_add (shared, test_event_new (OTHER, 1, 1, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}"));
  g_ptr_array_add (shared, test_event_new (OTHER, 2, 2, "todo.created", TODO (T)));
  g_ptr_array_add (shared, test_event_new (OTHER, 3, 3, "todo.due_set", "{\"todo_id\":\"" T "\",\"due\":\"2026-12-07\",\"time\":\"09:00\"}"));
  ((CairnEvent *) shared->pdata[2])->version = 2;
  g_ptr_array_add (shared, test_event_new (OTHER, 4, 4, "todo.repeat_set", "{\"todo_id\":\"" T "\",\"rule\":\"daily/2\"}"));
  g_ptr_array_add (shared, test_event_new (OTHER, 5, 5, "todo.reminder_set", "{\"todo_id\":\"" T "\",\"at\":\"2026-12-07T08:45+01:00\"}"));
  test_rebase_ok (a, shared, "history-1");
  test_rebase_ok (b, shared, "history-1");
}

/* A and B each act offline; the server orders A's event first or B's;
 * both take the order. Their states must be equal, and equal to a
 * rebuild. */
static void
race (CairnStore *a,
      CairnStore *b,
      gboolean    a_first)
{
  g_autoptr(GPtrArray) order = batch_new ();
  g_autoptr(CairnEvent) ea = take_pending (a, a_first ? 6 : 7);
  g_autoptr(CairnEvent) eb = take_pending (b, a_first ? 7 : 6);
  g_autofree char *dump_a = NULL, *dump_b = NULL;

  g_ptr_array_add (order, cairn_event_ref (a_first ? ea : eb));
  g_ptr_array_add (order, cairn_event_ref (a_first ? eb : ea));
  test_rebase_ok (a, order, "history-1");
  test_rebase_ok (b, order, "history-1");
  g_assert_cmpuint (cairn_store_get_pending_count (a), ==, 0);
  g_assert_cmpuint (cairn_store_get_pending_count (b), ==, 0);
  dump_a = test_dump (a);
  dump_b = test_dump (b);
  g_assert_cmpstr (dump_a, ==, dump_b);
  assert_rebuild_same (b);
}

static void
test_race_complete_same_occurrence (void)
{
  for (guint order = 0; order < 2; order++)
    {
      g_autoptr(TestStore) ta = test_store_new ();
      g_autoptr(TestStore) tb = test_store_new ();
      g_autoptr(GError) error = NULL;

      shared_todo (ta->store, tb->store);
      g_assert_true (cairn_store_set_todo_done (ta->store, T, TRUE, &error));
      g_assert_true (cairn_store_set_todo_done (tb->store, T, TRUE, &error));
      g_assert_no_error (error);
      /* each moved on alone */
      assert_row (ta->store, T, "2026-12-09|09:00|2026-12-09T08:45+01:00|0|daily/2|0|0");
      race (ta->store, tb->store, order == 0);
      /* exactly one next occurrence, the completed one in the history once */
      assert_row (ta->store, T, "2026-12-09|09:00|2026-12-09T08:45+01:00|0|daily/2|0|0");
      assert_occurrences (ta->store, T, "2026-12-07");
      assert_occurrences (tb->store, T, "2026-12-07");
    }
}

static void
test_race_complete_and_reschedule (void)
{
  /* A completes the occurrence, B moves the due date: whichever the
   * server orders first, the occurrence is in the history and B's date
   * (a later intent when second; when first, A's completion no longer
   * names the due date, so it only records) is the due date. */
  for (guint order = 0; order < 2; order++)
    {
      g_autoptr(TestStore) ta = test_store_new ();
      g_autoptr(TestStore) tb = test_store_new ();
      g_autoptr(GError) error = NULL;

      shared_todo (ta->store, tb->store);
      g_assert_true (cairn_store_set_todo_done (ta->store, T, TRUE, &error));
      g_assert_true (cairn_store_set_todo_due_time (tb->store, T, "2026-12-20", "10:00", &error));
      g_assert_no_error (error);
      race (ta->store, tb->store, order == 0);
      assert_occurrences (ta->store, T, "2026-12-07");
      {
        g_autofree char *due = test_query_text (ta->store, "SELECT due || ' ' || due_time FROM todos");
        g_assert_cmpstr (due, ==, "2026-12-20 10:00");
      }
    }
}

static void
test_race_dismiss (void)
{
  for (guint order = 0; order < 2; order++)
    {
      g_autoptr(TestStore) ta = test_store_new ();
      g_autoptr(TestStore) tb = test_store_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) due = NULL;
      gint64 now = cairn_moment_to_unix ("2026-12-07T09:00+01:00");

      shared_todo (ta->store, tb->store);
      due = cairn_store_list_due_reminders (tb->store, now, &error);
      g_assert_cmpuint (due->len, ==, 1);
      g_clear_pointer (&due, g_ptr_array_unref);

      /* A dismisses; B renames (an unrelated change, so that both push) */
      g_assert_true (cairn_store_dismiss_todo_reminder (ta->store, T, &error));
      g_assert_true (cairn_store_rename_todo (tb->store, T, "Water the plants", &error));
      g_assert_no_error (error);
      race (ta->store, tb->store, order == 0);
      due = cairn_store_list_due_reminders (tb->store, now, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (due->len, ==, 0);
    }
}

static void
test_race_dismiss_and_new_reminder (void)
{
  /* A dismisses 08:45 while B sets 10:00: when B's comes first, A's
   * dismissal names a moment that is gone (no-op); when A's comes first,
   * B's new reminder arms again. Either way the new reminder rings. */
  for (guint order = 0; order < 2; order++)
    {
      g_autoptr(TestStore) ta = test_store_new ();
      g_autoptr(TestStore) tb = test_store_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) due = NULL;

      shared_todo (ta->store, tb->store);
      g_assert_true (cairn_store_dismiss_todo_reminder (ta->store, T, &error));
      g_assert_true (cairn_store_set_todo_reminder (tb->store, T, "2026-12-07T10:00+01:00", &error));
      g_assert_no_error (error);
      race (ta->store, tb->store, order == 0);
      assert_row (ta->store, T, "2026-12-07|09:00|2026-12-07T10:00+01:00|0|daily/2|0|0");
      due = cairn_store_list_due_reminders (ta->store, cairn_moment_to_unix ("2026-12-07T10:00+01:00"), &error);
      g_assert_cmpuint (due->len, ==, 1);
    }
}

/* ---- versions ---- */

static void
test_older_client (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) batch = batch_new ();

  /* v1 events of an older build: due_set (date only), completed (closes) */
  g_ptr_array_add (batch, test_event_new (OTHER, 1, 1, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}"));
  g_ptr_array_add (batch, test_event_new (OTHER, 2, 2, "todo.created", TODO (T)));
  g_ptr_array_add (batch, test_event_new (OTHER, 3, 3, "todo.due_set", "{\"todo_id\":\"" T "\",\"due\":\"2026-12-07\"}"));
  g_ptr_array_add (batch, test_event_new (OTHER, 4, 4, "todo.completed", "{\"todo_id\":\"" T "\"}"));
  test_rebase_ok (ts->store, batch, "history-1");
  g_assert_false (cairn_store_get_needs_update (ts->store));
  assert_row (ts->store, T, "2026-12-07|-|-|0|-|1|0");
  assert_rebuild_same (ts->store);
}

static void
test_newer_version (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) batch = batch_new ();
  CairnEvent *newer;

  /* todo.reminder_set v2 and todo.completed v3 are to this build what v1
   * of them is to a schema 9 build: stored, skipped, needs-update */
  g_ptr_array_add (batch, test_event_new (OTHER, 1, 1, "list.created", "{\"list_id\":\"" L1 "\",\"title\":\"Home\",\"position\":\"V\"}"));
  g_ptr_array_add (batch, test_event_new (OTHER, 2, 2, "todo.created", TODO (T)));
  newer = test_event_new (OTHER, 3, 3, "todo.reminder_set", "{\"todo_id\":\"" T "\",\"at\":\"2026-12-07T09:00+01:00\",\"zone\":\"Europe/Paris\"}");
  newer->version = 2;
  g_ptr_array_add (batch, newer);
  newer = test_event_new (OTHER, 4, 4, "todo.completed", "{\"todo_id\":\"" T "\",\"occurrence\":\"2026-12-07\",\"count\":\"2\"}");
  newer->version = 3;
  g_ptr_array_add (batch, newer);
  test_rebase_ok (ts->store, batch, "history-1");
  g_assert_true (cairn_store_get_needs_update (ts->store));
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log WHERE skipped"), ==, 2);
  assert_row (ts->store, T, "-|-|-|0|-|0|0");
  assert_rebuild_same (ts->store);
}

/* ---- the pool ---- */

static void
test_pool (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPool) pool = cairn_pool_new (ts->store);
  g_autoptr(GListModel) todos = NULL;
  g_autofree char *l1 = NULL, *id = NULL;
  guint n_due = 0, n_time = 0, n_reminder = 0, n_dismissed = 0, n_repeat = 0, n_done = 0;
  CairnTodo *todo;

  l1 = cairn_store_create_list (ts->store, "Home", &error);
  todos = cairn_pool_get_todos (pool, l1);
  id = cairn_store_create_todo (ts->store, l1, "Water the plants", NULL, NULL, &error);
  g_assert_no_error (error);
  todo = cairn_pool_lookup_todo (pool, id);
  g_signal_connect (todo, "notify::due", G_CALLBACK (test_count_notify), &n_due);
  g_signal_connect (todo, "notify::due-time", G_CALLBACK (test_count_notify), &n_time);
  g_signal_connect (todo, "notify::reminder", G_CALLBACK (test_count_notify), &n_reminder);
  g_signal_connect (todo, "notify::reminder-dismissed", G_CALLBACK (test_count_notify), &n_dismissed);
  g_signal_connect (todo, "notify::repeat", G_CALLBACK (test_count_notify), &n_repeat);
  g_signal_connect (todo, "notify::done", G_CALLBACK (test_count_notify), &n_done);

  g_assert_true (cairn_store_set_todo_due_time (ts->store, id, "2026-12-07", "17:00", &error));
  g_assert_cmpstr (cairn_todo_get_due_time (todo), ==, "17:00");
  g_assert_cmpuint (n_due, ==, 1);
  g_assert_cmpuint (n_time, ==, 1);
  g_assert_cmpuint (n_reminder + n_dismissed + n_repeat, ==, 0);

  g_assert_true (cairn_store_set_todo_reminder (ts->store, id, "2026-12-07T16:30+01:00", &error));
  g_assert_cmpstr (cairn_todo_get_reminder (todo), ==, "2026-12-07T16:30+01:00");
  g_assert_cmpuint (n_reminder, ==, 1);
  g_assert_cmpuint (n_due + n_time, ==, 2);
  g_assert_true (cairn_store_dismiss_todo_reminder (ts->store, id, &error));
  g_assert_true (cairn_todo_get_reminder_dismissed (todo));
  g_assert_cmpuint (n_dismissed, ==, 1);
  g_assert_cmpuint (n_reminder, ==, 1);

  g_assert_true (cairn_store_set_todo_repeat (ts->store, id, "weekly:mon,wed", &error));
  g_assert_cmpstr (cairn_todo_get_repeat (todo), ==, "weekly:mon,wed");
  g_assert_cmpuint (n_repeat, ==, 1);

  /* completing moves it on: due, reminder (armed again) change; done does not */
  g_assert_true (cairn_store_set_todo_done (ts->store, id, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cairn_todo_get_due (todo), ==, "2026-12-09");
  g_assert_cmpstr (cairn_todo_get_reminder (todo), ==, "2026-12-09T16:30+01:00");
  g_assert_false (cairn_todo_get_reminder_dismissed (todo));
  g_assert_false (cairn_todo_get_done (todo));
  g_assert_cmpuint (n_due, ==, 2);
  g_assert_cmpuint (n_time, ==, 1);
  g_assert_cmpuint (n_reminder, ==, 2);
  g_assert_cmpuint (n_dismissed, ==, 2);
  g_assert_cmpuint (n_repeat, ==, 1);
  g_assert_cmpuint (n_done, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/times/rules", test_rules);
  g_test_add_func ("/times/due-time", test_due_time);
  g_test_add_func ("/times/reminders", test_reminders);
  g_test_add_func ("/times/repeat-events", test_repeat_events);
  g_test_add_func ("/times/complete-repeating", test_complete_repeating);
  g_test_add_func ("/times/bad-input", test_bad_input);
  g_test_add_func ("/times/race-complete-same-occurrence", test_race_complete_same_occurrence);
  g_test_add_func ("/times/race-complete-and-reschedule", test_race_complete_and_reschedule);
  g_test_add_func ("/times/race-dismiss", test_race_dismiss);
  g_test_add_func ("/times/race-dismiss-and-new-reminder", test_race_dismiss_and_new_reminder);
  g_test_add_func ("/times/older-client", test_older_client);
  g_test_add_func ("/times/newer-version", test_newer_version);
  g_test_add_func ("/times/pool", test_pool);
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync-liveness.c: the live stream of an idle app, in simulated time
 * (cairn-sync-engine-test.h) against the real cairn-server: an idle stream
 * is kept (no reconnect, the state never leaves "up to date", profile.ini
 * not rewritten), and a stream that misses events is noticed and reopened.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cairn-sync-engine-test.h"
#include "cairn-test-device.h"
#include "cairn-test-server.h"
#include "cairn-test-util.h"

#define PASSWORD CAIRN_TEST_DEVICE_PASSWORD
#define PROBE_USEC (30 * G_USEC_PER_SEC)

static gboolean
is_up_to_date (gpointer data)
{
  CairnTestDevice *d = data;
  return cairn_sync_status_get_state (cairn_sync_engine_get_status (d->engine))
         == CAIRN_SYNC_STATE_UP_TO_DATE;
}

static gboolean
probe_settled (gpointer data)
{
  CairnTestDevice *d = data;
  return !_cairn_sync_engine_probe_pending (d->engine) && is_up_to_date (d);
}

static gboolean
reconnected_with_b_list (gpointer data)
{
  CairnTestDevice *d = data;
  g_autofree char *dump = cairn_store_dump_state (d->store, NULL);

  return _cairn_sync_engine_get_connect_count (d->engine) == 2 && is_up_to_date (d) &&
         dump != NULL && strstr (dump, "Missed by the stream") != NULL;
}

static void
count_state_changes (GObject    *status,
                     GParamSpec *pspec,
                     guint      *changes)
{
  (*changes)++;
}

/* Identity of profile.ini as written (it is always replaced whole). */
static char *
ini_stamp (CairnTestDevice *d)
{
  g_autofree char *path = g_build_filename (cairn_profile_get_dir (d->profile), "profile.ini", NULL);
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return g_strdup_printf ("%lu:%ld.%09ld", (gulong) st.st_ino, (long) st.st_mtim.tv_sec,
                          (long) st.st_mtim.tv_nsec);
}

static void
device_sync (CairnTestDevice *d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  cairn_sync_engine_sync_async (d->engine, NULL, cairn_test_got_result, &result);
  g_assert_true (cairn_sync_engine_sync_finish (d->engine, cairn_test_wait_result (&result), &error));
  g_assert_no_error (error);
}

/* Five minutes of an idle, signed-in app: ten checks, 30 s apart. The
 * stream stays the one opened first, the indicator never moves, and
 * profile.ini is not written; when the engine stops, the last sync time is
 * written once. Before: a stream silent for 90 s was dropped, so the app
 * went offline and back every two minutes, and profile.ini was rewritten
 * every minute. */
static void
test_idle_five_minutes (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = g_dir_make_tmp ("cairn-liveness-XXXXXX", NULL);
  g_autofree char *before = NULL, *after = NULL, *saved = NULL;
  g_autoptr(GError) error = NULL;
  CairnTestDevice a = { 0 };
  CairnSyncStatus *status;
  guint changes = 0;
  gint64 last_sync;

  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", PASSWORD);
  cairn_test_device_open (&a, dir, "a", server);
  g_free (cairn_store_create_list (a.store, "Before idling", &error));
  g_assert_no_error (error);
  status = cairn_sync_engine_get_status (a.engine);

  cairn_sync_engine_start (a.engine);
  g_assert_true (cairn_test_loop_until (is_up_to_date, &a, 10));
  g_assert_true (cairn_test_loop_until (probe_settled, &a, 10));
  g_assert_cmpuint (_cairn_sync_engine_get_connect_count (a.engine), ==, 1);
  /* Whatever the first minute writes is written: idling starts now. */
  _cairn_sync_engine_advance_clock (a.engine, 2 * PROBE_USEC);
  _cairn_sync_engine_probe_now (a.engine);
  g_assert_true (cairn_test_loop_until (probe_settled, &a, 10));
  before = ini_stamp (&a);
  g_signal_connect (status, "notify::state", G_CALLBACK (count_state_changes), &changes);

  for (guint i = 0; i < 10; i++)
    {
      _cairn_sync_engine_advance_clock (a.engine, PROBE_USEC);
      _cairn_sync_engine_probe_now (a.engine);
      g_assert_true (cairn_test_loop_until (probe_settled, &a, 10));
    }

  g_assert_cmpuint (_cairn_sync_engine_get_connect_count (a.engine), ==, 1);
  g_assert_cmpuint (changes, ==, 0);
  g_assert_cmpint (cairn_sync_status_get_state (status), ==, CAIRN_SYNC_STATE_UP_TO_DATE);
  after = ini_stamp (&a);
  g_assert_cmpstr (before, ==, after);
  /* The checks did confirm it: the time shown moved on. */
  last_sync = cairn_sync_status_get_last_sync (status);
  g_assert_cmpint (last_sync, >=, (g_get_real_time () + 12 * PROBE_USEC) / 1000 - 60 * 1000);

  g_signal_handlers_disconnect_by_func (status, count_state_changes, &changes);
  cairn_sync_engine_stop (a.engine);
  saved = cairn_profile_dup_setting (a.profile, "sync", "last-sync");
  g_assert_cmpint (g_ascii_strtoll (saved, NULL, 10), ==, last_sync);

  cairn_test_device_close (&a);
  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
}

/* A stream that stays open but no longer brings anything (half-open: the
 * server's side is gone): the check pulls what it missed at once, and
 * when the stream still says nothing by the next check, it is reopened. */
static void
test_stream_that_misses_events (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = g_dir_make_tmp ("cairn-liveness-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  CairnTestDevice a = { 0 }, b = { 0 };

  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", PASSWORD);
  cairn_test_device_open (&a, dir, "a", server);
  cairn_test_device_open (&b, dir, "b", server);

  cairn_sync_engine_start (a.engine);
  g_assert_true (cairn_test_loop_until (is_up_to_date, &a, 10));
  g_assert_true (cairn_test_loop_until (probe_settled, &a, 10));
  _cairn_sync_engine_mute_stream (a.engine);

  g_free (cairn_store_create_list (b.store, "Missed by the stream", &error));
  g_assert_no_error (error);
  device_sync (&b);

  /* The first check brings it; the stream is given one period. */
  _cairn_sync_engine_advance_clock (a.engine, PROBE_USEC);
  _cairn_sync_engine_probe_now (a.engine);
  g_assert_true (cairn_test_loop_until (probe_settled, &a, 10));
  g_assert_cmpuint (_cairn_sync_engine_get_connect_count (a.engine), ==, 1);
  {
    g_autofree char *dump = cairn_store_dump_state (a.store, NULL);
    g_assert_nonnull (strstr (dump, "Missed by the stream"));
  }

  _cairn_sync_engine_advance_clock (a.engine, PROBE_USEC);
  _cairn_sync_engine_probe_now (a.engine);
  g_assert_true (cairn_test_loop_until (reconnected_with_b_list, &a, 20));

  cairn_test_device_close (&a);
  cairn_test_device_close (&b);
  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
}

static gboolean
push_in_flight (gpointer data)
{
  CairnTestDevice *d = data;
  return cairn_sync_status_get_state (cairn_sync_engine_get_status (d->engine))
         == CAIRN_SYNC_STATE_SYNCING;
}

static gboolean
reconnected_and_sent (gpointer data)
{
  CairnTestDevice *d = data;

  return _cairn_sync_engine_get_connect_count (d->engine) == 2 &&
         cairn_store_get_pending_count (d->store) == 0 && is_up_to_date (d);
}

/* A push whose answer never comes (the stream stopped delivering): after
 * 90 s without it the stream is reopened and the change goes out again. */
static void
test_unanswered_push (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = g_dir_make_tmp ("cairn-liveness-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  CairnTestDevice a = { 0 };

  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", PASSWORD);
  cairn_test_device_open (&a, dir, "a", server);
  cairn_sync_engine_start (a.engine);
  g_assert_true (cairn_test_loop_until (is_up_to_date, &a, 10));
  g_assert_true (cairn_test_loop_until (probe_settled, &a, 10));
  _cairn_sync_engine_mute_stream (a.engine);

  g_free (cairn_store_create_list (a.store, "Unanswered", &error));
  g_assert_no_error (error);
  g_assert_true (cairn_test_loop_until (push_in_flight, &a, 10));
  cairn_test_loop_until (is_up_to_date, &a, 1);   /* no answer comes */
  g_assert_cmpuint (cairn_store_get_pending_count (a.store), ==, 1);

  /* 91 s later the check gives up on the stream at once, before any
   * pull (which would also show that the stream missed our own event). */
  _cairn_sync_engine_advance_clock (a.engine, 91 * G_USEC_PER_SEC);
  _cairn_sync_engine_probe_now (a.engine);
  g_assert_cmpint (cairn_sync_status_get_state (cairn_sync_engine_get_status (a.engine)), ==,
                   CAIRN_SYNC_STATE_OFFLINE);
  g_assert_true (cairn_test_loop_until (reconnected_and_sent, &a, 20));

  cairn_test_device_close (&a);
  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync/liveness/idle-five-minutes", test_idle_five_minutes);
  g_test_add_func ("/sync/liveness/stream-that-misses-events", test_stream_that_misses_events);
  g_test_add_func ("/sync/liveness/unanswered-push", test_unanswered_push);
  return g_test_run ();
}

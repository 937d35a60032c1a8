/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-test-device.c: signed-in test devices for the engine tests. */
#include "config.h"

#include "cairn-test-device.h"
#include "cairn-test-util.h"

void
cairn_test_device_open (CairnTestDevice *d,
                        const char      *dir,
                        const char      *name,
                        CairnTestServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *ws = NULL;

  d->profile = cairn_profile_open (path, &error);
  g_assert_no_error (error);
  d->engine = cairn_sync_engine_new (d->profile);
  cairn_sync_engine_login_async (d->engine, server->base, "ann", CAIRN_TEST_DEVICE_PASSWORD,
                                 name, NULL, cairn_test_got_result, &result);
  g_assert_true (cairn_sync_engine_login_finish (d->engine, cairn_test_wait_result (&result), &error));
  g_assert_no_error (error);
  ws = cairn_profile_dup_current_workspace (d->profile, &error);
  d->store = cairn_profile_open_store (d->profile, NULL, &error);
  g_assert_no_error (error);
  cairn_sync_engine_set_store (d->engine, d->store, ws);
}

void
cairn_test_device_close (CairnTestDevice *d)
{
  g_clear_object (&d->engine);
  g_clear_object (&d->store);
  g_clear_object (&d->profile);
}

static gboolean
timed_out (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
cairn_test_loop_until (gboolean (*check) (gpointer),
                       gpointer  data,
                       guint     seconds)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (seconds, timed_out, &expired);

  while (!check (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return check (data);
}

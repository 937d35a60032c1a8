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

void
cairn_test_seed_todos (CairnTestServer *server,
                       const char      *token,
                       const char      *ws,
                       guint            n_lists,
                       guint            n)
{
  g_autofree char *client_id = cairn_new_client_id ();
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", ws);
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func (g_free);
  gint64 seq = 1;

  for (guint i = 0; i < n_lists; i++)
    g_ptr_array_add (lists, cairn_new_object_id ());

  while (seq <= n)
    {
      g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
      g_autoptr(JsonNode) body = NULL;
      g_autoptr(JsonNode) reply = NULL;
      g_autofree char *text = NULL;
      guint status = 0;

      for (guint i = 0; i < 500 && seq <= n; i++, seq++)
        {
          g_autofree char *args = NULL;
          /* Keys of one width sort by number; they must not end in 0. */
          g_autofree char *pos = g_strdup_printf ("P%07" G_GINT64_FORMAT "1", seq);
          const char *name;

          if (seq <= (gint64) lists->len)
            {
              name = "list.created";
              args = g_strdup_printf ("{\"list_id\":\"%s\",\"position\":\"%s\",\"title\":\"List %"
                                      G_GINT64_FORMAT "\"}", (char *) lists->pdata[seq - 1], pos, seq);
            }
          else
            {
              g_autofree char *todo = cairn_new_object_id ();
              name = "todo.created";
              args = g_strdup_printf ("{\"list_id\":\"%s\",\"position\":\"%s\","
                                      "\"title\":\"Item %" G_GINT64_FORMAT "\",\"todo_id\":\"%s\"}",
                                      (char *) lists->pdata[seq % lists->len], pos, seq, todo);
            }
          g_ptr_array_add (events, cairn_wire_event_new (name, 1, args, client_id, seq,
                                                         1764000000000 + seq));
        }
      body = cairn_protocol_encode_push_request (events, NULL);
      text = cairn_protocol_to_string (body, NULL);
      reply = cairn_test_http (server, NULL, "POST", path, token, text, -1, &status);
      if (status != 200)
        g_error ("seeding failed with HTTP %u", status);
    }
}

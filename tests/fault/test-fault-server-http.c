/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-fault-server-http.c: what cairn-server answers when its disk is full.
 *
 * Runs cairn-server-fault (cairn-server over the fault VFS) and fills its
 * disk by creating a flag file: a push over HTTP and over the live
 * WebSocket, and a login, are answered 503 storage_full with Retry-After
 * and store nothing; pulls, the live stream and the health check go on;
 * once the flag is gone the same pushes are stored.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "cairn-test-server.h"

#define CLIENT_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TIMEOUT 10000

typedef struct
{
  guint   status;
  char   *retry_after;
  char   *code;
} Answer;

static void
answer_clear (Answer *a)
{
  g_clear_pointer (&a->retry_after, g_free);
  g_clear_pointer (&a->code, g_free);
}

/* One request, with the status, the Retry-After header and the error code. */
static Answer
request (CairnTestServer *srv,
         const char      *method,
         const char      *path,
         const char      *token,
         const char      *body)
{
  g_autofree char *url = g_strconcat (srv->base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  Answer a = { 0 };

  if (token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) req = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", req);
    }
  bytes = soup_session_send_and_read (srv->session, msg, NULL, &error);
  g_assert_no_error (error);
  a.status = soup_message_get_status (msg);
  a.retry_after = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                          "Retry-After"));
  if (a.status >= 400)
    {
      g_autoptr(JsonNode) node = json_from_string (g_bytes_get_data (bytes, NULL), &error);
      JsonObject *err;

      g_assert_no_error (error);
      err = json_object_get_object_member (json_node_get_object (node), "error");
      a.code = g_strdup (json_object_get_string_member (err, "code"));
      if (g_str_equal (a.code, "storage_full"))
        {
          const char *message = json_object_get_string_member (err, "message");

          /* Nothing of the server's own (the file's path) is told. */
          g_assert_null (strstr (message, srv->data_dir));
          g_assert_cmpint (json_object_get_int_member (err, "retry_after"), ==, 30);
        }
    }
  return a;
}

static gint64
pulled (CairnTestServer *srv,
        const char      *token,
        const char      *ws)
{
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events?after=0", ws);
  g_autoptr(JsonNode) node = NULL;
  guint status = 0;

  node = cairn_test_http (srv, srv->session, "GET", path, token, NULL, -1, &status);
  g_assert_cmpuint (status, ==, 200);
  return json_array_get_length (json_object_get_array_member (json_node_get_object (node), "events"));
}

static void
live_push (CairnTestListener *l,
           gint64             client_seq,
           const char        *id)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  g_ptr_array_add (events, cairn_wire_event_new ("todo.created", 1, "{\"x\":1}", CLIENT_A, client_seq, 0));
  node = cairn_protocol_encode_push_request (events, id);
  text = cairn_protocol_to_string (node, NULL);
  soup_websocket_connection_send_text (l->conn, text);
}

static void
test_storage_full (void)
{
  CairnTestServer *srv = cairn_test_server_new ();
  g_autofree char *flag = g_build_filename (srv->dir, "disk-full", NULL);
  g_autofree char *env_flag = g_strconcat ("CAIRN_FAULT_FULL_FLAG=", flag, NULL);
  const char *env[] = { env_flag, NULL };
  g_autofree char *token = NULL, *ws = NULL, *path = NULL, *body = NULL, *log = NULL;
  CairnTestListener *l;
  CairnLiveMessage *m;
  guint status = 0;
  Answer a;

  g_free (srv->binary);
  srv->binary = g_build_filename (g_getenv ("CAIRN_BUILD_ROOT"), "tests", "fault", "cairn-server-fault", NULL);
  cairn_test_server_add_user (srv, "alice", "correct horse");
  cairn_test_server_start (srv, env);
  token = cairn_test_login (srv, "alice", "correct horse", "laptop");
  ws = cairn_test_personal_ws (srv, token);
  path = g_strdup_printf ("/v1/workspaces/%s/events", ws);

  body = cairn_test_push_body (CLIENT_A, 1, 3);
  a = request (srv, "POST", path, token, body);
  g_assert_cmpuint (a.status, ==, 200);
  answer_clear (&a);
  l = cairn_test_listener_new (cairn_test_live_connect (srv, token, ws, 3, &status));
  m = cairn_test_listener_next (l, TIMEOUT);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_HELLO);
  cairn_live_message_free (m);

  /* The disk fills up. */
  g_assert_true (g_file_set_contents (flag, "", 0, NULL));
  g_free (body);
  body = cairn_test_push_body (CLIENT_A, 4, 5);
  a = request (srv, "POST", path, token, body);
  g_assert_cmpuint (a.status, ==, 503);
  g_assert_cmpstr (a.code, ==, "storage_full");
  g_assert_cmpstr (a.retry_after, ==, "30");
  answer_clear (&a);

  live_push (l, 4, "p-4");
  m = cairn_test_listener_next (l, TIMEOUT);
  g_assert_nonnull (m);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_ERROR);
  g_assert_cmpstr (m->id, ==, "p-4");
  g_assert_cmpstr (m->error->code, ==, "storage_full");
  cairn_live_message_free (m);

  a = request (srv, "POST", "/v1/session", NULL,
               "{\"username\":\"alice\",\"password\":\"correct horse\",\"device\":\"phone\"}");
  g_assert_cmpuint (a.status, ==, 503);
  g_assert_cmpstr (a.code, ==, "storage_full");
  answer_clear (&a);

  /* Reads go on, and show only what was stored. */
  g_assert_cmpint (pulled (srv, token, ws), ==, 3);
  a = request (srv, "GET", "/v1/health", NULL, NULL);
  g_assert_cmpuint (a.status, ==, 200);
  answer_clear (&a);
  a = request (srv, "GET", "/v1/workspaces", token, NULL);
  g_assert_cmpuint (a.status, ==, 200);
  answer_clear (&a);

  /* Space returns: the same pushes are stored, and the live stream that
   * stayed open gets them. */
  g_assert_cmpint (g_unlink (flag), ==, 0);
  a = request (srv, "POST", path, token, body);
  g_assert_cmpuint (a.status, ==, 200);
  answer_clear (&a);
  m = cairn_test_listener_next (l, TIMEOUT);
  g_assert_nonnull (m);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_EVENTS);
  g_assert_cmpint (((CairnWireEvent *) g_ptr_array_index (m->events, 0))->seq, ==, 4);
  cairn_live_message_free (m);
  g_assert_cmpint (pulled (srv, token, ws), ==, 5);

  g_file_get_contents (srv->log_path, &log, NULL, NULL);
  g_assert_nonnull (strstr (log, "Storage error"));
  cairn_test_listener_free (l);
  g_assert_cmpint (cairn_test_server_stop (srv, FALSE), ==, 0);
  cairn_test_server_free (srv);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fault/server-http/storage-full", test_storage_full);
  return g_test_run ();
}

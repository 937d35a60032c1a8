/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-test-server.c: start a real cairn-server and drive it over libsoup. */
#include "config.h"

#include <string.h>
#include <signal.h>
#include <glib/gstdio.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "cairn-test-server.h"
#include "cairn-test-util.h"
#include "pg-test-util.h"

static char *
server_binary (void)
{
  const char *root = g_getenv ("CAIRN_BUILD_ROOT");

  if (root == NULL)
    g_error ("CAIRN_BUILD_ROOT is not set; run through meson test");
  return g_build_filename (root, "server", "cairn-server", NULL);
}

CairnTestServer *
cairn_test_server_new (void)
{
  g_autoptr(GError) error = NULL;
  CairnTestServer *self = g_new0 (CairnTestServer, 1);

  self->binary = server_binary ();
  self->dir = g_dir_make_tmp ("cairn-server-test-XXXXXX", &error);
  g_assert_no_error (error);
  g_debug ("server folder: %s", self->dir);
  self->data_dir = g_build_filename (self->dir, "data", NULL);
  if (cairn_test_backend_is_postgresql ())
    {
      self->store_option = "--database";
      self->store = cairn_test_pg_new_database ();
    }
  else
    {
      self->store_option = "--data";
      self->store = g_strdup (self->data_dir);
    }
  self->log_path = g_build_filename (self->dir, "server.log", NULL);
  self->session = soup_session_new_with_options ("timeout", 30, NULL);
  return self;
}

/* In the child, before exec: a test that aborts (a failed assertion) must
 * not leave its server running, so the server goes when the test does. */
static void
die_with_parent (gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

static GSubprocessLauncher *
launcher (CairnTestServer    *self,
          GSubprocessFlags    flags,
          const char * const *extra_env)
{
  GSubprocessLauncher *l = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);

  /* The weakest Argon2id cost keeps logins fast in tests. */
  g_subprocess_launcher_setenv (l, "CAIRN_SERVER_ARGON2_FAST", "1", TRUE);
  /* Under AddressSanitizer, unwind through GLib (built without frame
   * pointers) so that the libsoup leak suppressions in
   * build-aux/lsan.supp can match the server's stacks. */
  if (g_getenv ("ASAN_OPTIONS") != NULL)
    {
      g_autofree char *opts = g_strconcat (g_getenv ("ASAN_OPTIONS"), ":fast_unwind_on_malloc=0", NULL);
      g_subprocess_launcher_setenv (l, "ASAN_OPTIONS", opts, TRUE);
    }
  for (guint i = 0; extra_env != NULL && extra_env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (extra_env[i], "=", 2);
      g_subprocess_launcher_setenv (l, kv[0], kv[1], TRUE);
    }
  return l;
}

static void
copy_dir (const char *from,
          const char *to)
{
  g_autoptr(GDir) dir = g_dir_open (from, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir_with_parents (to, 0700), ==, 0);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);
      g_autofree char *contents = NULL;
      gsize len;

      if (g_file_test (src, G_FILE_TEST_IS_DIR))
        {
          copy_dir (src, dst);
          continue;
        }
      g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
      g_assert_true (g_file_set_contents (dst, contents, len, NULL));
    }
}

/* Runs a PostgreSQL client program (pg_dump, pg_restore) and checks it
 * succeeded. */
static void
run_pg_tool (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);

  g_assert_no_error (error);
  g_subprocess_wait_check (p, NULL, &error);
  g_assert_no_error (error);
}

void
cairn_test_server_save_store (CairnTestServer *self,
                              const char      *path)
{
  g_assert_null (self->proc);
  if (cairn_test_backend_is_postgresql ())
    {
      const char *argv[] = { "pg_dump", "--format=custom", "--file", path, "--dbname", self->store, NULL };

      run_pg_tool (argv);
    }
  else
    copy_dir (self->data_dir, path);
}

void
cairn_test_server_load_store (CairnTestServer *self,
                              const char      *path)
{
  g_assert_null (self->proc);
  if (cairn_test_backend_is_postgresql ())
    {
      g_autofree char *empty = cairn_test_pg_new_database ();
      const char *argv[] = { "pg_restore", "--exit-on-error", "--dbname", empty, path, NULL };

      run_pg_tool (argv);
      g_free (self->store);
      self->store = g_steal_pointer (&empty);
    }
  else
    {
      cairn_test_rm_rf (self->data_dir);
      copy_dir (path, self->data_dir);
    }
}

gboolean
cairn_test_make_certificate (const char  *dir,
                             const char  *name,
                             char       **out_cert,
                             char       **out_key)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autoptr(GError) error = NULL;
  g_autofree char *cert_name = g_strconcat (name, "-cert.pem", NULL);
  g_autofree char *key_name = g_strconcat (name, "-key.pem", NULL);
  int status = -1;

  if (openssl == NULL)
    return FALSE;
  *out_cert = g_build_filename (dir, cert_name, NULL);
  *out_key = g_build_filename (dir, key_name, NULL);
  {
    const char *argv[] = { openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", *out_key,
                           "-out", *out_cert, "-days", "2", "-subj", "/CN=127.0.0.1", NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                                 G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                 NULL, NULL, NULL, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, &error));
    g_assert_no_error (error);
  }
  return TRUE;
}

void
cairn_test_server_add_user (CairnTestServer *self,
                            const char      *name,
                            const char      *password)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) l = launcher (self, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                               G_SUBPROCESS_FLAGS_STDOUT_SILENCE, NULL);
  g_autoptr(GSubprocess) p = NULL;
  g_autofree char *input = g_strdup_printf ("%s\n", password);

  p = g_subprocess_launcher_spawn (l, &error, self->binary, "user", "add", name,
                                   self->store_option, self->store, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, input, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait (p, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (p));
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
}

void
cairn_test_server_start (CairnTestServer    *self,
                         const char * const *extra_env)
{
  cairn_test_server_start_full (self, extra_env, NULL);
}

void
cairn_test_server_start_full (CairnTestServer    *self,
                              const char * const *extra_env,
                              const char * const *extra_args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) l = launcher (self, G_SUBPROCESS_FLAGS_STDOUT_PIPE, extra_env);
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  const char *prefix = "listening on ";

  g_assert_null (self->proc);
  g_subprocess_launcher_set_stderr_file_path (l, self->log_path);
  g_ptr_array_add (argv, self->binary);
  g_ptr_array_add (argv, (char *) "serve");
  g_ptr_array_add (argv, (char *) self->store_option);
  g_ptr_array_add (argv, self->store);
  g_ptr_array_add (argv, (char *) "--listen");
  g_ptr_array_add (argv, (char *) "127.0.0.1:0");
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) extra_args[i]);
  g_ptr_array_add (argv, NULL);
  self->proc = g_subprocess_launcher_spawnv (l, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->proc));
  line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, prefix));
  g_free (self->base);
  self->base = g_strdup (line + strlen (prefix));
}

static int
stop (CairnTestServer *self,
      gboolean         hard,
      gboolean         signal)
{
  g_autoptr(GError) error = NULL;
  int status;

  if (self->proc == NULL)
    return -1;
  if (hard)
    g_subprocess_force_exit (self->proc);
  else if (signal)
    g_subprocess_send_signal (self->proc, SIGTERM);
  g_subprocess_wait (self->proc, NULL, &error);
  g_assert_no_error (error);
  status = g_subprocess_get_status (self->proc);
  g_clear_object (&self->proc);
  /* Drop kept-alive connections to the old process. */
  g_clear_object (&self->session);
  self->session = soup_session_new_with_options ("timeout", 30, NULL);
  return status;
}

int
cairn_test_server_stop (CairnTestServer *self,
                        gboolean         hard)
{
  return stop (self, hard, TRUE);
}

int
cairn_test_server_wait (CairnTestServer *self)
{
  return stop (self, FALSE, FALSE);
}

void
cairn_test_server_free (CairnTestServer *self)
{
  if (self == NULL)
    return;
  if (self->proc != NULL)
    cairn_test_server_stop (self, TRUE);
  g_clear_object (&self->session);
  cairn_test_rm_rf (self->dir);
  g_free (self->binary);
  g_free (self->dir);
  g_free (self->data_dir);
  g_free (self->store);
  g_free (self->log_path);
  g_free (self->base);
  g_free (self);
}

static gboolean
accept_certificate (SoupMessage          *msg,
                    GTlsCertificate      *certificate,
                    GTlsCertificateFlags  errors,
                    gpointer              user_data)
{
  return TRUE;
}

void
cairn_test_users_start (CairnTestUsers     *users,
                        const char * const *extra_env,
                        const char         *alice_device,
                        const char         *bob_device)
{
  users->srv = cairn_test_server_new ();
  cairn_test_server_add_user (users->srv, "alice", CAIRN_TEST_ALICE_PW);
  cairn_test_server_add_user (users->srv, "bob", CAIRN_TEST_BOB_PW);
  cairn_test_server_start (users->srv, extra_env);
  users->alice = cairn_test_login (users->srv, "alice", CAIRN_TEST_ALICE_PW, alice_device);
  users->bob = cairn_test_login (users->srv, "bob", CAIRN_TEST_BOB_PW, bob_device);
  users->alice_ws = cairn_test_personal_ws (users->srv, users->alice);
  users->bob_ws = cairn_test_personal_ws (users->srv, users->bob);
}

void
cairn_test_users_clear (CairnTestUsers *users)
{
  g_clear_pointer (&users->srv, cairn_test_server_free);
  g_clear_pointer (&users->alice, g_free);
  g_clear_pointer (&users->bob, g_free);
  g_clear_pointer (&users->alice_ws, g_free);
  g_clear_pointer (&users->bob_ws, g_free);
}

static void
burst_answered (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CairnTestBurst *burst = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) answer = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  g_assert_no_error (error);
  burst->done++;
  switch ((guint) soup_message_get_status (msg))
    {
    case 401:
      burst->unauthorized++;
      break;
    case 429:
      burst->rate_limited++;
      break;
    default:
      burst->other++;
    }
}

void
cairn_test_post_counted (CairnTestServer *self,
                         SoupSession     *session,
                         const char      *path,
                         const char      *body,
                         CairnTestBurst  *burst)
{
  g_autofree char *url = g_strconcat (self->base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, burst_answered, burst);
}

void
cairn_test_burst_wait (CairnTestBurst *burst,
                       guint           n)
{
  while (burst->done < n)
    g_main_context_iteration (NULL, TRUE);
}

GSocketConnection *
cairn_test_server_connect_raw (CairnTestServer *self)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = g_uri_parse (self->base, G_URI_FLAGS_NONE, &error);
  GSocketConnection *conn;

  g_assert_no_error (error);
  conn = g_socket_client_connect_to_host (client, g_uri_get_host (uri), g_uri_get_port (uri), NULL, &error);
  g_assert_no_error (error);
  return conn;
}

JsonNode *
cairn_test_http (CairnTestServer *self,
                 SoupSession     *session,
                 const char      *method,
                 const char      *path,
                 const char      *token,
                 const char      *body,
                 gssize           body_len,
                 guint           *out_status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strconcat (self->base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  gsize len = 0;
  const char *data;
  JsonNode *node;

  g_assert_nonnull (msg);
  if (self->accept_any_certificate)
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate), NULL);
  if (token != NULL)
    {
      g_autofree char *h = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", h);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, body_len < 0 ? strlen (body) : (gsize) body_len);
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  answer = soup_session_send_and_read (session ? session : self->session, msg, NULL, &error);
  g_assert_no_error (error);
  *out_status = soup_message_get_status (msg);
  data = g_bytes_get_data (answer, &len);
  if (len == 0)
    return NULL;
  node = json_from_string (data, &error);
  g_assert_no_error (error);
  return node;
}

char *
cairn_test_login (CairnTestServer *self,
                  const char      *user,
                  const char      *password,
                  const char      *device)
{
  g_autoptr(JsonNode) req = cairn_protocol_encode_session_request (user, password, device);
  g_autofree char *body = cairn_protocol_to_string (req, NULL);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(CairnSessionReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  answer = cairn_test_http (self, NULL, "POST", "/v1/session", NULL, body, -1, &status);
  g_assert_cmpuint (status, ==, 201);
  reply = cairn_protocol_decode_session_reply (answer, &error);
  g_assert_no_error (error);
  return g_strdup (reply->token);
}

char *
cairn_test_personal_ws (CairnTestServer *self,
                        const char      *token)
{
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  answer = cairn_test_http (self, NULL, "GET", "/v1/workspaces", token, NULL, 0, &status);
  g_assert_cmpuint (status, ==, 200);
  list = cairn_protocol_decode_workspaces (answer, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, >=, 1);
  g_assert_true (((CairnWorkspaceInfo *) g_ptr_array_index (list, 0))->personal);
  return g_strdup (((CairnWorkspaceInfo *) g_ptr_array_index (list, 0))->id);
}

char *
cairn_test_push_body (const char *client_id,
                      gint64      from,
                      gint64      to)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  g_autoptr(JsonNode) node = NULL;

  for (gint64 i = from; i <= to; i++)
    {
      g_autofree char *args = g_strdup_printf ("{\"todo_id\":\"t%" G_GINT64_FORMAT "\",\"title\":\"Item %" G_GINT64_FORMAT "\"}", i, i);
      g_ptr_array_add (events, cairn_wire_event_new ("todo.created", 1, args, client_id, i, 1764000000000 + i));
    }
  node = cairn_protocol_encode_push_request (events, NULL);
  return cairn_protocol_to_string (node, NULL);
}

typedef struct
{
  SoupWebsocketConnection *conn;
  GError                  *error;
  gboolean                 done;
} ConnectState;

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  ConnectState *st = user_data;

  st->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &st->error);
  st->done = TRUE;
}

SoupWebsocketConnection *
cairn_test_live_connect (CairnTestServer *self,
                         const char      *token,
                         const char      *ws,
                         gint64           after,
                         guint           *out_status)
{
  g_autofree char *url = g_strdup_printf ("%s/v1/workspaces/%s/live?after=%" G_GINT64_FORMAT,
                                          self->base, ws, after);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  ConnectState st = { 0 };

  if (self->accept_any_certificate)
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate), NULL);
  if (token != NULL)
    {
      g_autofree char *h = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", h);
    }
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, connected, &st);
  while (!st.done)
    g_main_context_iteration (NULL, TRUE);
  *out_status = soup_message_get_status (msg);
  if (st.error != NULL)
    {
      g_error_free (st.error);
      return NULL;
    }
  soup_websocket_connection_set_max_incoming_payload_size (st.conn, 16 * 1024 * 1024);
  return st.conn;
}

static void
on_message (SoupWebsocketConnection *conn,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  CairnTestListener *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  CairnLiveMessage *msg;

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  node = cairn_protocol_parse (data, len, G_MAXSIZE, &error);
  g_assert_no_error (error);
  msg = cairn_protocol_decode_live_message (node, &error);
  g_assert_no_error (error);
  if (msg->type == CAIRN_LIVE_ERROR)
    g_test_message ("live error %s: %s", msg->error->code, msg->error->message);
  g_queue_push_tail (&self->messages, msg);
}

static void
on_closed (SoupWebsocketConnection *conn,
           gpointer                 user_data)
{
  CairnTestListener *self = user_data;

  self->closed = TRUE;
  self->close_code = soup_websocket_connection_get_close_code (conn);
}

CairnTestListener *
cairn_test_listener_new (SoupWebsocketConnection *conn)
{
  CairnTestListener *self = g_new0 (CairnTestListener, 1);

  self->conn = conn;
  g_queue_init (&self->messages);
  g_signal_connect (conn, "message", G_CALLBACK (on_message), self);
  g_signal_connect (conn, "closed", G_CALLBACK (on_closed), self);
  return self;
}

void
cairn_test_listener_free (CairnTestListener *self)
{
  if (self == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->conn, self);
  if (soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_object_unref (self->conn);
  g_queue_clear_full (&self->messages, (GDestroyNotify) cairn_live_message_free);
  g_free (self);
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

CairnLiveMessage *
cairn_test_listener_next (CairnTestListener *self,
                          guint              timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, set_flag, &timed_out);

  while (g_queue_is_empty (&self->messages) && !timed_out && !self->closed)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return g_queue_pop_head (&self->messages);
}

gboolean
cairn_test_listener_wait_closed (CairnTestListener *self,
                                 guint              timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, set_flag, &timed_out);

  while (!self->closed && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return self->closed;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-in-process.c: cairn-server's handlers fed from memory
 * (server/cairn-server-in-process.h, what the server fuzz target drives)
 * answer as the real server does. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "cairn-server-in-process.h"
#include "pg-test-util.h"

static gint64
fixed_clock (gpointer user_data)
{
  return 1764000000000;
}

static guint
request (CairnServerInProcess *server,
         const char           *method,
         const char           *target,
         const char           *token,
         const char           *body,
         char                **answer)
{
  g_autofree char *auth = token ? g_strdup_printf ("Authorization: Bearer %s", token) : NULL;
  const char *headers[] = { "Content-Type: application/json", auth, NULL };
  gsize len = 0;
  guint status = cairn_server_in_process_request (server, method, target, headers,
                                                  body ? body : "", body ? strlen (body) : 0,
                                                  10000, answer, &len);

  g_assert_cmpuint (strlen (*answer), ==, len);
  return status;
}

static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cairn-in-process-XXXXXX", &error);
  CairnServerCoreOptions options = { .clock = fixed_clock, .pwhash_opslimit = 1, .pwhash_memlimit = 8192 };
  /* the data folder, or a fresh database under with-postgres.sh */
  g_autofree char *uri = cairn_test_backend_is_postgresql () ? cairn_test_pg_new_database () : NULL;
  g_autoptr(CairnServerCore) core = uri != NULL ? cairn_server_core_open_database (uri, &options, &error)
                                                : cairn_server_core_open (dir, &options, &error);
  g_autoptr(CairnServerInProcess) server = NULL;
  g_autofree char *ws = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *target = NULL;
  g_autofree char *push = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CairnSessionReply) session = NULL;
  g_autoptr(CairnPullReply) pull = NULL;

  g_assert_no_error (error);
  cairn_server_core_user_add (core, "alice", "secret-password", &ws, &error);
  g_assert_no_error (error);
  server = cairn_server_in_process_new (core);

  g_assert_cmpuint (request (server, "GET", "/v1/health", NULL, NULL, &answer), ==, 200);
  g_assert_nonnull (strstr (answer, "\"status\":\"ok\""));
  g_clear_pointer (&answer, g_free);

  g_assert_cmpuint (request (server, "POST", "/v1/session", NULL,
                             "{\"username\":\"alice\",\"password\":\"secret-password\",\"device\":\"desk\"}", &answer), ==, 201);
  node = cairn_protocol_parse (answer, strlen (answer), G_MAXSIZE, &error);
  g_assert_no_error (error);
  session = cairn_protocol_decode_session_reply (node, &error);
  g_assert_no_error (error);
  g_clear_pointer (&answer, g_free);

  target = g_strdup_printf ("/v1/workspaces/%s/events", ws);
  push = g_strdup ("{\"events\":[{\"name\":\"todo.created\",\"version\":1,\"args\":{\"title\":\"Milk\"},"
                   "\"client_id\":\"0123456789abcdef0123456789abcdef\",\"client_seq\":1,\"created_at\":5}]}");
  g_assert_cmpuint (request (server, "POST", target, session->token, push, &answer), ==, 200);
  g_assert_nonnull (strstr (answer, "\"seq\":1"));
  g_clear_pointer (&answer, g_free);

  g_assert_cmpuint (request (server, "GET", target, session->token, NULL, &answer), ==, 200);
  pull = cairn_protocol_decode_pull_reply_text (answer, strlen (answer), G_MAXSIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pull->events->len, ==, 1);
  g_clear_pointer (&answer, g_free);

  /* Errors are the protocol's JSON, as over a socket. */
  g_assert_cmpuint (request (server, "GET", target, "wrong", NULL, &answer), ==, 401);
  g_assert_nonnull (strstr (answer, "\"code\":\"unauthorized\""));
  g_clear_pointer (&answer, g_free);
  g_assert_cmpuint (request (server, "PUT", target, session->token, NULL, &answer), ==, 405);
  g_clear_pointer (&answer, g_free);

  g_clear_pointer (&server, cairn_server_in_process_free);
  g_clear_pointer (&core, cairn_server_core_close);
  for (const char *const *f = (const char *const[]) { "cairn-server.db", "cairn-server.db-wal", "cairn-server.db-shm", NULL }; *f; f++)
    {
      g_autofree char *path = g_build_filename (dir, *f, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/in-process/round-trip", test_round_trip);
  return g_test_run ();
}

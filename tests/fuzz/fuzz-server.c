/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-server.c: cairn-server's request handling end to end, without a
 * socket: a request's bytes in, through libsoup, the handlers and the core
 * (SQLite included), its answer out (server/cairn-server-in-process.h).
 *
 * Input: up to four requests separated by a line "@@". Each is a line
 * "METHOD TARGET", header lines, an empty line and the body. $TOKEN and
 * $TOKEN2 stand for a session of alice and of bob, $WS for alice's
 * personal workspace and $SHARED for a workspace alice owns and bob is a
 * member of (set up once, then copied for every input, so each input
 * starts from the same server). The harness writes Host, Content-Length
 * and Connection itself.
 *
 * Every request must be answered (no hang), never with 500; an answer's
 * body is empty or a JSON object, an error status carries the protocol's
 * error object for that status, and the client can read the server's pull
 * and push answers (sync/cairn-protocol.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "cairn-server-core.h"
#include "cairn-server-in-process.h"
#include "fuzz-common.h"

#define MAX_REQUESTS 4

static char *template_db;
static const char *work_dir;
static char *token_alice;
static char *token_bob;
static char *ws_alice;
static char *ws_shared;
static gint64 fake_now;

/* A minute passes between two reads of the clock, so that no failed-login
 * window or rate limit carries over from one request to the next. */
static gint64
fake_clock (gpointer user_data)
{
  return fake_now += 60 * 1000;
}

/* Not random at all: each input sees the same tokens and ids. */
static void
fake_random (guint8  *buf,
             gsize    len,
             gpointer user_data)
{
  static guint32 state = 20261206;

  for (gsize i = 0; i < len; i++)
    {
      state = state * 1103515245 + 12345;
      buf[i] = state >> 16;
    }
}

static CairnServerCore *
open_core (const char *dir)
{
  g_autoptr(GError) error = NULL;
  CairnServerCoreOptions options = {
    .clock = fake_clock,
    .random = fake_random,
    /* libsodium's least Argon2id cost: a login takes no time. */
    .pwhash_opslimit = 1,
    .pwhash_memlimit = 8192,
  };
  CairnServerCore *core = cairn_server_core_open (dir, &options, &error);

  g_assert_no_error (error);
  return core;
}

/* The server every input starts from, written once to template_db. */
static void
make_template (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (work_dir, "template", NULL);
  CairnServerCore *core = open_core (dir);
  g_autoptr(CairnSessionReply) alice = NULL;
  g_autoptr(CairnSessionReply) bob = NULL;
  g_autoptr(CairnAuth) auth = NULL;
  g_autoptr(CairnWorkspaceInfo) shared = NULL;
  gint64 retry_after = 0;

  g_assert_true (cairn_server_core_user_add (core, "alice", "alice-password", &ws_alice, &error));
  g_assert_true (cairn_server_core_user_add (core, "bob", "bob-password", NULL, &error));
  alice = cairn_server_core_login (core, "alice", "alice-password", "laptop", "127.0.0.1", &retry_after, &error);
  g_assert_no_error (error);
  bob = cairn_server_core_login (core, "bob", "bob-password", "phone", "127.0.0.1", &retry_after, &error);
  g_assert_no_error (error);
  token_alice = g_strdup (alice->token);
  token_bob = g_strdup (bob->token);
  auth = cairn_server_core_authenticate (core, token_alice, &error);
  g_assert_no_error (error);
  shared = cairn_server_core_workspace_create (core, auth, "Shared", &error);
  g_assert_no_error (error);
  ws_shared = g_strdup (shared->id);
  g_assert_true (cairn_server_core_member_add (core, auth, ws_shared, "bob", &error));
  cairn_server_core_close (core);
  template_db = g_build_filename (dir, "cairn-server.db", NULL);
  g_assert_true (g_file_test (template_db, G_FILE_TEST_EXISTS));
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  cairn_fuzz_init ();
  work_dir = cairn_fuzz_make_work_dir ("server");
  make_template ();
  return 0;
}

static char *
substitute (const char *text)
{
  g_autoptr(GString) s = g_string_new (text);

  /* TOKEN2 before TOKEN, which it contains. */
  g_string_replace (s, "$TOKEN2", token_bob, 0);
  g_string_replace (s, "$TOKEN", token_alice, 0);
  g_string_replace (s, "$SHARED", ws_shared, 0);
  g_string_replace (s, "$WS", ws_alice, 0);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Framing headers are the harness's: the fuzzer's own would only make
 * libsoup wait for bytes that never come. */
static gboolean
is_framing_header (const char *line)
{
  static const char *const names[] = { "content-length", "transfer-encoding", "connection", "host", "expect" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strncasecmp (line, names[i], strlen (names[i])) == 0)
      return TRUE;
  return FALSE;
}

/* Whether target's path (before any query) is a workspace's events. */
static gboolean
is_events (const char *target)
{
  g_autofree char *path = g_strndup (target, strcspn (target, "?#"));

  return g_str_has_prefix (path, "/v1/workspaces/") && g_str_has_suffix (path, "/events");
}

static void
check_answer (const char *method,
              const char *target,
              guint       status,
              const char *body,
              gsize       body_len,
              gboolean    compare)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (status == 0)
    g_error ("no answer to %s %s", method, target);
  if (status == 500)
    g_error ("500 to %s %s: %s", method, target, body);
  if (body_len == 0)
    return;
  node = cairn_protocol_parse (body, body_len, G_MAXSIZE, &error);
  if (node == NULL)
    {
      if (!compare)
        return;
      g_error ("%u to %s %s is not a JSON object (%s): %s", status, method, target, error->message, body);
    }
  if (status >= 400)
    {
      g_autoptr(CairnErrorReply) reply = cairn_protocol_decode_error (node, &error);

      if (reply == NULL)
        g_error ("%u to %s %s is not an error object (%s): %s", status, method, target, error->message, body);
      g_assert_cmpuint (cairn_protocol_error_status (reply->error), ==, status);
      return;
    }
  if (status == 200 && g_str_equal (method, "GET") && is_events (target) && compare)
    {
      g_autoptr(CairnPullReply) pull = cairn_protocol_decode_pull_reply_text (body, body_len, G_MAXSIZE, &error);

      if (pull == NULL)
        g_error ("the client cannot read the pull answer (%s): %s", error->message, body);
    }
  if (status == 200 && g_str_equal (method, "POST") && is_events (target))
    {
      g_autoptr(CairnPushReply) push = cairn_protocol_decode_push_reply (node, FALSE, &error);

      if (push == NULL)
        g_error ("the client cannot read the push answer (%s): %s", error->message, body);
    }
}

static void
run_request (CairnServerInProcess *server,
             const char           *text,
             gsize                 len,
             gboolean              compare)
{
  const char *end = text + len;
  const char *eol = memchr (text, '\n', len);
  const char *body;
  g_autofree char *line = NULL;
  g_autofree char *method = NULL;
  g_autofree char *target = NULL;
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *answer = NULL;
  gsize answer_len = 0;
  guint status;
  char *space;

  if (eol == NULL)
    return;
  line = g_strndup (text, eol - text);
  space = strchr (line, ' ');
  if (space == NULL)
    return;
  method = g_strndup (line, space - line);
  target = substitute (space + 1);
  /* A request line libsoup would refuse is its business, not ours. */
  if (*method == '\0' || *target != '/' || strpbrk (method, " \r\t") || strpbrk (target, " \r\t") ||
      !g_str_is_ascii (method) || !g_str_is_ascii (target))
    return;

  body = eol + 1;
  while (body < end)
    {
      const char *next = memchr (body, '\n', end - body);
      g_autofree char *header = NULL;

      if (next == NULL)
        next = end;
      header = g_strndup (body, next - body);
      body = next < end ? next + 1 : end;
      if (*header == '\0')
        break;
      if (strchr (header, ':') == NULL || strchr (header, '\r') != NULL || is_framing_header (header) ||
          headers->len >= 16)
        continue;
      g_ptr_array_add (headers, substitute (header));
    }
  g_ptr_array_add (headers, NULL);

  {
    g_autofree char *sent = g_strndup (body, end - body);
    gsize sent_len = end - body;

    /* The body may hold NULs: substitute only in a body without any. */
    if (strlen (sent) == sent_len)
      {
        char *s = substitute (sent);

        g_free (sent);
        sent = s;
        sent_len = strlen (s);
      }
    status = cairn_server_in_process_request (server, method, target,
                                              (const char * const *) headers->pdata,
                                              sent, sent_len, 10000, &answer, &answer_len);
  }
  check_answer (method, target, status, answer, answer_len, compare);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const char *text = (const char *) data;
  g_autofree char *dir = g_build_filename (work_dir, "run", NULL);
  g_autofree char *db = g_build_filename (dir, "cairn-server.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize contents_len;
  CairnServerCore *core;
  CairnServerInProcess *server;
  /* The checks of the answers hand them to json-glib themselves. */
  gboolean compare = !cairn_fuzz_too_deep (text, size);
  guint n = 0;

  g_mkdir_with_parents (dir, 0700);
  if (!g_file_get_contents (template_db, &contents, &contents_len, &error) ||
      !g_file_set_contents (db, contents, contents_len, &error))
    g_error ("%s", error->message);
  core = open_core (dir);
  server = cairn_server_in_process_new (core);

  for (const char *p = text, *end = text + size; p < end && n < MAX_REQUESTS; n++)
    {
      const char *sep = g_strstr_len (p, end - p, "\n@@\n");
      const char *stop = sep ? sep : end;

      run_request (server, p, stop - p, compare);
      p = sep ? sep + 4 : end;
    }

  cairn_server_in_process_free (server);
  cairn_server_core_close (core);
  for (const char *const *suffix = (const char *const[]) { "", "-wal", "-shm", "-journal", NULL }; *suffix; suffix++)
    {
      g_autofree char *path = g_strconcat (db, *suffix, NULL);

      g_unlink (path);
    }
  return 0;
}

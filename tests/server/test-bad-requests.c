/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-bad-requests.c: every kind of refused request gets its status and code and changes nothing. */
#include "config.h"

#include <string.h>

#include "cairn-test-server.h"

#define ALICE_PW CAIRN_TEST_ALICE_PW
#define BOB_PW   CAIRN_TEST_BOB_PW
#define CLIENT_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TIMEOUT  5000

#define EV(fields) "{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CLIENT_A "\"," fields "}"
#define EV4 EV ("\"client_seq\":4,\"created_at\":0")

typedef struct
{
  CairnTestUsers u;
  char          *revoked;   /* alice's token of a session she ended */
} Fixture;

static void
setup_with_env (Fixture            *f,
                const char * const *env)
{
  guint status;
  g_autoptr(JsonNode) answer = NULL;

  cairn_test_users_start (&f->u, env, "laptop", "phone");
  f->revoked = cairn_test_login (f->u.srv, "alice", ALICE_PW, "old tablet");
  answer = cairn_test_http (f->u.srv, NULL, "DELETE", "/v1/session", f->revoked, NULL, 0, &status);
  g_assert_cmpuint (status, ==, 204);
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) answer = NULL;
  guint status;

  setup_with_env (f, NULL);
  /* Three events in alice's log, so that "unchanged" means something. */
  body = cairn_test_push_body (CLIENT_A, 1, 3);
  path = g_strdup_printf ("/v1/workspaces/%s/events", f->u.alice_ws);
  answer = cairn_test_http (f->u.srv, NULL, "POST", path, f->u.alice, body, -1, &status);
  g_assert_cmpuint (status, ==, 200);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  cairn_test_users_clear (&f->u);
  g_free (f->revoked);
}

/* Everything a refused request could have changed, as one string. */
static char *
snapshot (Fixture *f)
{
  GString *s = g_string_new (NULL);
  const char *paths[] = { "/v1/workspaces/%s/events?limit=1000", "/v1/workspaces/%s/members" };
  guint status;

  for (guint who = 0; who < 2; who++)
    {
      const char *token = who == 0 ? f->u.alice : f->u.bob;
      const char *ws = who == 0 ? f->u.alice_ws : f->u.bob_ws;

      for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
        {
          g_autofree char *path = g_strdup_printf (paths[i], ws);
          g_autoptr(JsonNode) node = cairn_test_http (f->u.srv, NULL, "GET", path, token, NULL, 0, &status);
          g_autofree char *text = json_to_string (node, FALSE);

          g_assert_cmpuint (status, ==, 200);
          g_string_append_printf (s, "%s\n", text);
        }
      {
        g_autoptr(JsonNode) node = cairn_test_http (f->u.srv, NULL, "GET", "/v1/workspaces", token, NULL, 0, &status);
        g_autofree char *text = json_to_string (node, FALSE);
        g_string_append_printf (s, "%s\n", text);
      }
    }
  return g_string_free (s, FALSE);
}

typedef enum { TOK_NONE, TOK_ALICE, TOK_BOB, TOK_GARBAGE, TOK_REVOKED, TOK_BASIC } Tok;
typedef enum { BODY_TEXT, BODY_MANY_EVENTS, BODY_BIG_ARGS, BODY_HUGE, BODY_DEEP } BodyKind;

typedef struct
{
  const char *what;
  const char *method;
  const char *path;      /* "WS" becomes alice's workspace, "BOBWS" bob's */
  Tok         token;
  BodyKind    kind;
  const char *body;      /* BODY_TEXT; NULL for none */
  gssize      body_len;  /* -1: strlen */
  guint       status;
  const char *code;
} BadCase;

#define PUSH "/v1/workspaces/WS/events"

static const BadCase cases[] = {
  /* malformed JSON, each kind */
  { "empty body", "POST", PUSH, TOK_ALICE, BODY_TEXT, "", -1, 400, "malformed_json" },
  { "truncated object", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":[", -1, 400, "malformed_json" },
  { "trailing comma", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":[1,]}", -1, 400, "malformed_json" },
  { "unterminated string", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":\"abc}", -1, 400, "malformed_json" },
  { "missing colon", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\" []}", -1, 400, "malformed_json" },
  { "garbage after the object", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":[" EV4 "]} x", -1, 400, "malformed_json" },
  { "bare word", "POST", PUSH, TOK_ALICE, BODY_TEXT, "events", -1, 400, "malformed_json" },
  { "lone surrogate escape", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":[{\"name\":\"\\udc00\"}]}", -1, 400, "malformed_json" },
  { "invalid UTF-8", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":\"\xc3\x28\"}", -1, 400, "invalid_utf8" },
  { "NUL byte", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":\"a\0b\"}", 16, 400, "invalid_utf8" },
  /* hostile JSON (issue 11): json-glib 1.6 recursed without limit (80,000
   * levels crashed the server), cut strings at an escaped NUL (logging in
   * with "<password>\u0000junk" or as "alice\u0000x"), and wrote numbers
   * back as text that is not JSON */
  { "white space only", "POST", PUSH, TOK_ALICE, BODY_TEXT, " \r\n\t ", -1, 400, "malformed_json" },
  { "80,000 levels pushed", "POST", PUSH, TOK_ALICE, BODY_DEEP, NULL, 0, 400, "malformed_json" },
  { "80,000 levels to the login", "POST", "/v1/session", TOK_NONE, BODY_DEEP, NULL, 0, 400, "malformed_json" },
  { "80,000 levels as a new workspace", "POST", "/v1/workspaces", TOK_ALICE, BODY_DEEP, NULL, 0, 400, "malformed_json" },
  { "password with an escaped NUL", "POST", "/v1/session", TOK_NONE, BODY_TEXT,
    "{\"username\":\"alice\",\"password\":\"" ALICE_PW "\\u0000junk\",\"device\":\"x\"}", -1, 400, "invalid_utf8" },
  { "user name with an escaped NUL", "POST", "/v1/session", TOK_NONE, BODY_TEXT,
    "{\"username\":\"alice\\u0000x\",\"password\":\"" ALICE_PW "\",\"device\":\"x\"}", -1, 400, "invalid_utf8" },
  { "device name with an escaped NUL", "POST", "/v1/session", TOK_NONE, BODY_TEXT,
    "{\"username\":\"alice\",\"password\":\"" ALICE_PW "\",\"device\":\"x\\u0000y\"}", -1, 400, "invalid_utf8" },
  { "args string with an escaped NUL", "POST", PUSH, TOK_ALICE, BODY_TEXT,
    "{\"events\":[{\"name\":\"todo.created\",\"version\":1,\"args\":{\"title\":\"a\\u0000b\"},\"client_id\":\"" CLIENT_A "\",\"client_seq\":4,\"created_at\":0}]}", -1, 400, "invalid_utf8" },
  { "args with 1e20", "POST", PUSH, TOK_ALICE, BODY_TEXT,
    "{\"events\":[{\"name\":\"todo.created\",\"version\":1,\"args\":{\"n\":1e20},\"client_id\":\"" CLIENT_A "\",\"client_seq\":4,\"created_at\":0}]}", -1, 400, "invalid_request" },
  { "args with 1e400", "POST", PUSH, TOK_ALICE, BODY_TEXT,
    "{\"events\":[{\"name\":\"todo.created\",\"version\":1,\"args\":{\"n\":1e400},\"client_id\":\"" CLIENT_A "\",\"client_seq\":4,\"created_at\":0}]}", -1, 400, "invalid_request" },
  { "args with an integer past 64 bits", "POST", PUSH, TOK_ALICE, BODY_TEXT,
    "{\"events\":[{\"name\":\"todo.created\",\"version\":1,\"args\":{\"n\":99999999999999999999},\"client_id\":\"" CLIENT_A "\",\"client_seq\":4,\"created_at\":0}]}", -1, 400, "invalid_request" },
  { "args with 2^63", "POST", PUSH, TOK_ALICE, BODY_TEXT,
    "{\"events\":[{\"name\":\"todo.created\",\"version\":1,\"args\":{\"n\":9223372036854775808},\"client_id\":\"" CLIENT_A "\",\"client_seq\":4,\"created_at\":0}]}", -1, 400, "invalid_request" },
  { "after with an encoded NUL", "GET", PUSH "?after=1%00", TOK_ALICE, BODY_TEXT, NULL, 0, 400, "invalid_parameter" },
  { "live after with an encoded NUL", "GET", "/v1/workspaces/WS/live?after=1%00", TOK_ALICE, BODY_TEXT, NULL, 0, 400, "invalid_parameter" },
  /* wrong shapes and types */
  { "root is an array", "POST", PUSH, TOK_ALICE, BODY_TEXT, "[" EV4 "]", -1, 400, "invalid_request" },
  { "root is a string", "POST", PUSH, TOK_ALICE, BODY_TEXT, "\"hello\"", -1, 400, "invalid_request" },
  { "events is an object", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":{}}", -1, 400, "invalid_request" },
  { "events is empty", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":[]}", -1, 400, "invalid_request" },
  { "unknown top-level field", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":[" EV4 "],\"force\":true}", -1, 400, "invalid_request" },
  { "event is a number", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":[4]}", -1, 400, "invalid_request" },
  { "event without name", "POST", PUSH, TOK_ALICE, BODY_TEXT,
    "{\"events\":[{\"version\":1,\"args\":{},\"client_id\":\"" CLIENT_A "\",\"client_seq\":4,\"created_at\":0}]}", -1, 400, "invalid_request" },
  { "version is a string", "POST", PUSH, TOK_ALICE, BODY_TEXT,
    "{\"events\":[{\"name\":\"todo.created\",\"version\":\"1\",\"args\":{},\"client_id\":\"" CLIENT_A "\",\"client_seq\":4,\"created_at\":0}]}", -1, 400, "invalid_request" },
  { "version is fractional", "POST", PUSH, TOK_ALICE, BODY_TEXT,
    "{\"events\":[{\"name\":\"todo.created\",\"version\":1.5,\"args\":{},\"client_id\":\"" CLIENT_A "\",\"client_seq\":4,\"created_at\":0}]}", -1, 400, "invalid_request" },
  { "args is a string", "POST", PUSH, TOK_ALICE, BODY_TEXT,
    "{\"events\":[{\"name\":\"todo.created\",\"version\":1,\"args\":\"{}\",\"client_id\":\"" CLIENT_A "\",\"client_seq\":4,\"created_at\":0}]}", -1, 400, "invalid_request" },
  { "client_id in capitals", "POST", PUSH, TOK_ALICE, BODY_TEXT,
    "{\"events\":[{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"client_seq\":4,\"created_at\":0}]}", -1, 400, "invalid_request" },
  { "client_seq zero", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":[" EV ("\"client_seq\":0,\"created_at\":0") "]}", -1, 400, "invalid_request" },
  { "client_seq negative", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":[" EV ("\"client_seq\":-4,\"created_at\":0") "]}", -1, 400, "invalid_request" },
  { "created_at is a string", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":[" EV ("\"client_seq\":4,\"created_at\":\"now\"") "]}", -1, 400, "invalid_request" },
  { "client sends seq", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":[" EV ("\"client_seq\":4,\"created_at\":0,\"seq\":1") "]}", -1, 400, "invalid_request" },
  { "bad event name", "POST", PUSH, TOK_ALICE, BODY_TEXT,
    "{\"events\":[{\"name\":\"DROP TABLE\",\"version\":1,\"args\":{},\"client_id\":\"" CLIENT_A "\",\"client_seq\":4,\"created_at\":0}]}", -1, 400, "invalid_request" },
  { "client seqs not consecutive in a batch", "POST", PUSH, TOK_ALICE, BODY_TEXT,
    "{\"events\":[" EV4 "," EV ("\"client_seq\":6,\"created_at\":0") "]}", -1, 400, "invalid_request" },
  /* oversize */
  { "501 events", "POST", PUSH, TOK_ALICE, BODY_MANY_EVENTS, NULL, 0, 413, "too_many_events" },
  { "args over 64 KiB", "POST", PUSH, TOK_ALICE, BODY_BIG_ARGS, NULL, 0, 413, "args_too_large" },
  { "body over 1 MiB", "POST", PUSH, TOK_ALICE, BODY_HUGE, NULL, 0, 413, "body_too_large" },
  /* authentication */
  { "no token", "POST", PUSH, TOK_NONE, BODY_TEXT, "{\"events\":[" EV4 "]}", -1, 401, "unauthorized" },
  { "garbage token", "POST", PUSH, TOK_GARBAGE, BODY_TEXT, "{\"events\":[" EV4 "]}", -1, 401, "unauthorized" },
  { "Basic instead of Bearer", "GET", "/v1/workspaces", TOK_BASIC, BODY_TEXT, NULL, 0, 401, "unauthorized" },
  { "revoked token", "POST", PUSH, TOK_REVOKED, BODY_TEXT, "{\"events\":[" EV4 "]}", -1, 401, "unauthorized" },
  { "revoked token pulls", "GET", PUSH, TOK_REVOKED, BODY_TEXT, NULL, 0, 401, "unauthorized" },
  /* someone else's workspace */
  { "push to another user's workspace", "POST", PUSH, TOK_BOB, BODY_TEXT, "{\"events\":[" EV4 "]}", -1, 404, "not_found" },
  { "pull another user's workspace", "GET", PUSH, TOK_BOB, BODY_TEXT, NULL, 0, 404, "not_found" },
  { "malformed push to another user's workspace", "POST", PUSH, TOK_BOB, BODY_TEXT, "{", -1, 404, "not_found" },
  { "members of another user's workspace", "GET", "/v1/workspaces/WS/members", TOK_BOB, BODY_TEXT, NULL, 0, 404, "not_found" },
  { "add oneself to another user's workspace", "POST", "/v1/workspaces/WS/members", TOK_BOB, BODY_TEXT, "{\"username\":\"bob\"}", -1, 404, "not_found" },
  { "live on another user's workspace", "GET", "/v1/workspaces/WS/live", TOK_BOB, BODY_TEXT, NULL, 0, 404, "not_found" },
  { "workspace that does not exist", "GET", "/v1/workspaces/0190c2d8-6f1e-7a3b-8c4d-123456789abc/events", TOK_ALICE, BODY_TEXT, NULL, 0, 404, "not_found" },
  { "workspace id that is no UUID", "GET", "/v1/workspaces/not-a-uuid/events", TOK_ALICE, BODY_TEXT, NULL, 0, 404, "not_found" },
  /* client seq gap */
  { "skipped client seq", "POST", PUSH, TOK_ALICE, BODY_TEXT, "{\"events\":[" EV ("\"client_seq\":6,\"created_at\":0") "]}", -1, 409, "client_seq_gap" },
  /* query parameters */
  { "after is not a number", "GET", PUSH "?after=abc", TOK_ALICE, BODY_TEXT, NULL, 0, 400, "invalid_parameter" },
  { "after is negative", "GET", PUSH "?after=-1", TOK_ALICE, BODY_TEXT, NULL, 0, 400, "invalid_parameter" },
  { "after is fractional", "GET", PUSH "?after=1.5", TOK_ALICE, BODY_TEXT, NULL, 0, 400, "invalid_parameter" },
  { "after is empty", "GET", PUSH "?after=", TOK_ALICE, BODY_TEXT, NULL, 0, 400, "invalid_parameter" },
  { "limit is zero", "GET", PUSH "?limit=0", TOK_ALICE, BODY_TEXT, NULL, 0, 400, "invalid_parameter" },
  { "limit is too large", "GET", PUSH "?limit=100000", TOK_ALICE, BODY_TEXT, NULL, 0, 400, "invalid_parameter" },
  { "live with a bad after", "GET", "/v1/workspaces/WS/live?after=x", TOK_ALICE, BODY_TEXT, NULL, 0, 400, "invalid_parameter" },
  { "live without WebSocket upgrade", "GET", "/v1/workspaces/WS/live", TOK_ALICE, BODY_TEXT, NULL, 0, 400, "invalid_request" },
  /* routes and methods */
  { "PUT on events", "PUT", PUSH, TOK_ALICE, BODY_TEXT, "{}", -1, 405, "method_not_allowed" },
  { "unknown endpoint", "GET", "/v1/nope", TOK_ALICE, BODY_TEXT, NULL, 0, 404, "not_found" },
  { "outside /v1", "GET", "/", TOK_NONE, BODY_TEXT, NULL, 0, 404, "not_found" },
  { "unknown sub-resource", "GET", "/v1/workspaces/WS/secrets", TOK_ALICE, BODY_TEXT, NULL, 0, 404, "not_found" },
  /* sessions, workspaces, members */
  { "login with a wrong password", "POST", "/v1/session", TOK_NONE, BODY_TEXT,
    "{\"username\":\"alice\",\"password\":\"wrong\",\"device\":\"x\"}", -1, 401, "unauthorized" },
  { "login of an unknown user", "POST", "/v1/session", TOK_NONE, BODY_TEXT,
    "{\"username\":\"mallory\",\"password\":\"wrong\",\"device\":\"x\"}", -1, 401, "unauthorized" },
  { "login without device", "POST", "/v1/session", TOK_NONE, BODY_TEXT,
    "{\"username\":\"alice\",\"password\":\"" ALICE_PW "\"}", -1, 400, "invalid_request" },
  { "login with an unknown field", "POST", "/v1/session", TOK_NONE, BODY_TEXT,
    "{\"username\":\"alice\",\"password\":\"" ALICE_PW "\",\"device\":\"x\",\"admin\":true}", -1, 400, "invalid_request" },
  { "login with password as number", "POST", "/v1/session", TOK_NONE, BODY_TEXT,
    "{\"username\":\"alice\",\"password\":1234,\"device\":\"x\"}", -1, 400, "invalid_request" },
  { "revoke a session id that is no UUID", "DELETE", "/v1/sessions/xyz", TOK_ALICE, BODY_TEXT, NULL, 0, 404, "not_found" },
  { "revoke an unknown session", "DELETE", "/v1/sessions/0190c2d8-6f1e-7a3b-8c4d-123456789abc", TOK_ALICE, BODY_TEXT, NULL, 0, 404, "not_found" },
  { "workspace with an empty name", "POST", "/v1/workspaces", TOK_ALICE, BODY_TEXT, "{\"name\":\"\"}", -1, 400, "invalid_request" },
  { "workspace name with a newline", "POST", "/v1/workspaces", TOK_ALICE, BODY_TEXT, "{\"name\":\"a\\nb\"}", -1, 400, "invalid_request" },
  { "add an unknown member", "POST", "/v1/workspaces/WS/members", TOK_ALICE, BODY_TEXT, "{\"username\":\"mallory\"}", -1, 404, "not_found" },
  { "add a member with a bad name", "POST", "/v1/workspaces/WS/members", TOK_ALICE, BODY_TEXT, "{\"username\":\"Bad Name\"}", -1, 400, "invalid_request" },
  { "add oneself again", "POST", "/v1/workspaces/WS/members", TOK_ALICE, BODY_TEXT, "{\"username\":\"alice\"}", -1, 409, "already_exists" },
  { "remove the owner", "DELETE", "/v1/workspaces/WS/members/alice", TOK_ALICE, BODY_TEXT, NULL, 0, 403, "forbidden" },
};

static char *
big_body (BodyKind kind)
{
  GString *s = g_string_new ("{\"events\":[");

  if (kind == BODY_DEEP)
    {
      g_string_truncate (s, 0);
      for (guint i = 0; i < 80000; i++)
        g_string_append_c (s, '[');
      return g_string_free (s, FALSE);
    }

  switch (kind)
    {
    case BODY_MANY_EVENTS:
      for (guint i = 0; i < CAIRN_PROTOCOL_MAX_EVENTS_PER_PUSH + 1; i++)
        g_string_append_printf (s, "%s" EV ("\"client_seq\":%u,\"created_at\":0"), i ? "," : "", i + 4);
      break;
    case BODY_BIG_ARGS:
      g_string_append (s, "{\"name\":\"note.edited\",\"version\":1,\"args\":{\"text\":\"");
      for (guint i = 0; i < CAIRN_PROTOCOL_MAX_ARGS_BYTES / 8 + 1; i++)
        g_string_append (s, "abcdefgh");
      g_string_append (s, "\"},\"client_id\":\"" CLIENT_A "\",\"client_seq\":4,\"created_at\":0}");
      break;
    case BODY_HUGE:
      g_string_append (s, EV4);
      while (s->len <= CAIRN_PROTOCOL_MAX_BODY_BYTES)
        g_string_append (s, "                                                                ");
      break;
    case BODY_TEXT:
    default:
      g_assert_not_reached ();
    }
  g_string_append (s, "]}");
  return g_string_free (s, FALSE);
}

static void
test_catalogue (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *before = snapshot (f);
  g_autofree char *after = NULL;

  g_assert_cmpuint (G_N_ELEMENTS (cases), >=, 30);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const BadCase *c = &cases[i];
      g_autofree char *p1 = NULL;
      g_autofree char *path = NULL;
      g_autofree char *body = NULL;
      g_autoptr(JsonNode) answer = NULL;
      g_autoptr(CairnErrorReply) reply = NULL;
      g_autoptr(GError) error = NULL;
      const char *token = NULL;
      guint status = 0;
      g_auto(GStrv) pieces = NULL;

      g_test_message ("case %u: %s", i, c->what);
      pieces = g_strsplit (c->path, "BOBWS", -1);
      p1 = g_strjoinv (f->u.bob_ws, pieces);
      g_strfreev (pieces);
      pieces = g_strsplit (p1, "WS", -1);
      path = g_strjoinv (f->u.alice_ws, pieces);

      switch (c->token)
        {
        case TOK_NONE: token = NULL; break;
        case TOK_ALICE: token = f->u.alice; break;
        case TOK_BOB: token = f->u.bob; break;
        case TOK_GARBAGE: token = "0000000000000000000000000000000000000000000000000000000000000000"; break;
        case TOK_REVOKED: token = f->revoked; break;
        case TOK_BASIC: token = NULL; break;
        default: g_assert_not_reached ();
        }

      if (c->token == TOK_BASIC)
        {
          g_autofree char *url = g_strconcat (f->u.srv->base, path, NULL);
          g_autoptr(SoupMessage) msg = soup_message_new (c->method, url);
          g_autoptr(GBytes) bytes = NULL;

          soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                        "Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQ=");
          bytes = soup_session_send_and_read (f->u.srv->session, msg, NULL, &error);
          g_assert_no_error (error);
          status = soup_message_get_status (msg);
          answer = json_from_string (g_bytes_get_data (bytes, NULL), &error);
          g_assert_no_error (error);
        }
      else if (c->kind == BODY_TEXT)
        answer = cairn_test_http (f->u.srv, NULL, c->method, path, token, c->body, c->body_len, &status);
      else
        {
          body = big_body (c->kind);
          answer = cairn_test_http (f->u.srv, NULL, c->method, path, token, body, -1, &status);
        }

      g_assert_cmpuint (status, ==, c->status);
      reply = cairn_protocol_decode_error (answer, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (reply->code, ==, c->code);
      g_assert_cmpuint (strlen (reply->message), >, 0);
      if (g_str_equal (c->code, "client_seq_gap"))
        {
          g_assert_cmpstr (reply->client_id, ==, CLIENT_A);
          g_assert_cmpint (reply->expected, ==, 4);
        }
    }

  after = snapshot (f);
  g_assert_cmpstr (after, ==, before);
}

static void
test_expired_token (Fixture       *f,
                    gconstpointer  data)
{
  const char * const env[] = { "CAIRN_SERVER_SESSION_IDLE_SECONDS=1", NULL };
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(CairnErrorReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  setup_with_env (f, env);
  g_usleep (1500 * 1000);
  answer = cairn_test_http (f->u.srv, NULL, "GET", "/v1/workspaces", f->u.alice, NULL, 0, &status);
  g_assert_cmpuint (status, ==, 401);
  reply = cairn_protocol_decode_error (answer, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply->code, ==, "unauthorized");
  g_assert_nonnull (strstr (reply->message, "expired"));
}

static void
test_login_rate_limit (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(CairnErrorReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(JsonNode) a = cairn_test_http (f->u.srv, NULL, "POST", "/v1/session", NULL,
                                               "{\"username\":\"bob\",\"password\":\"guess\",\"device\":\"x\"}",
                                               -1, &status);
      g_assert_cmpuint (status, ==, 401);
    }
  /* Now even the right password waits. */
  answer = cairn_test_http (f->u.srv, NULL, "POST", "/v1/session", NULL,
                            "{\"username\":\"bob\",\"password\":\"" BOB_PW "\",\"device\":\"x\"}", -1, &status);
  g_assert_cmpuint (status, ==, 429);
  reply = cairn_protocol_decode_error (answer, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply->code, ==, "rate_limited");
  g_assert_cmpint (reply->retry_after, >, 0);
  /* Alice is not affected. */
  g_free (cairn_test_login (f->u.srv, "alice", ALICE_PW, "another"));
}

/* ---- WebSocket ---------------------------------------------------------------- */

static CairnLiveMessage *
expect_live (CairnTestListener *l,
             CairnLiveType      type)
{
  CairnLiveMessage *m = cairn_test_listener_next (l, TIMEOUT);

  g_assert_nonnull (m);
  g_assert_cmpint (m->type, ==, type);
  return m;
}

static void
expect_live_error (CairnTestListener *l,
                   const char        *id,
                   const char        *code)
{
  g_autoptr(CairnLiveMessage) m = expect_live (l, CAIRN_LIVE_ERROR);

  g_assert_cmpstr (m->id, ==, id);
  g_assert_cmpstr (m->error->code, ==, code);
}

static void
test_websocket_bad_frames (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *before = snapshot (f);
  g_autofree char *after = NULL;
  CairnTestListener *l;
  CairnLiveMessage *m;
  guint status;

  l = cairn_test_listener_new (cairn_test_live_connect (f->u.srv, f->u.alice, f->u.alice_ws, 3, &status));
  m = expect_live (l, CAIRN_LIVE_HELLO);
  g_assert_cmpint (m->head, ==, 3);
  cairn_live_message_free (m);

  soup_websocket_connection_send_text (l->conn, "this is not json");
  expect_live_error (l, NULL, "malformed_json");
  soup_websocket_connection_send_text (l->conn, "[1,2,3]");
  expect_live_error (l, NULL, "invalid_request");
  soup_websocket_connection_send_text (l->conn, "{\"type\":\"pull\",\"id\":\"w1\",\"events\":[" EV4 "]}");
  expect_live_error (l, "w1", "invalid_request");
  soup_websocket_connection_send_text (l->conn, "{\"type\":\"push\",\"id\":\"w2\",\"events\":[{\"name\":1}]}");
  expect_live_error (l, "w2", "invalid_request");
  soup_websocket_connection_send_text (l->conn, "{\"type\":\"push\",\"events\":[" EV4 "]}");
  expect_live_error (l, NULL, "invalid_request");
  soup_websocket_connection_send_text (l->conn, "{\"type\":\"push\",\"id\":\"w3\",\"events\":[" EV ("\"client_seq\":9,\"created_at\":0") "]}");
  {
    g_autoptr(CairnLiveMessage) gap = expect_live (l, CAIRN_LIVE_ERROR);

    g_assert_cmpstr (gap->id, ==, "w3");
    g_assert_cmpstr (gap->error->code, ==, "client_seq_gap");
    g_assert_cmpint (gap->error->expected, ==, 4);
  }
  {
    g_autofree char *many = big_body (BODY_MANY_EVENTS);
    g_autofree char *msg = g_strdup_printf ("{\"type\":\"push\",\"id\":\"w4\",%s", many + 1);

    soup_websocket_connection_send_text (l->conn, msg);
    expect_live_error (l, "w4", "too_many_events");
  }

  after = snapshot (f);
  g_assert_cmpstr (after, ==, before);

  /* The connection still works. */
  soup_websocket_connection_send_text (l->conn, "{\"type\":\"push\",\"id\":\"ok\",\"events\":[" EV4 "]}");
  m = expect_live (l, CAIRN_LIVE_EVENTS);
  cairn_live_message_free (m);
  m = expect_live (l, CAIRN_LIVE_ACK);
  g_assert_cmpstr (m->id, ==, "ok");
  g_assert_cmpint (m->head, ==, 4);
  cairn_live_message_free (m);

  /* A binary frame ends the connection with 1003. */
  soup_websocket_connection_send_binary (l->conn, "\x01\x02", 2);
  expect_live_error (l, NULL, "invalid_request");
  g_assert_true (cairn_test_listener_wait_closed (l, TIMEOUT));
  g_assert_cmpint (l->close_code, ==, SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA);
  cairn_test_listener_free (l);

  /* A message over 1 MiB ends it with 1009. */
  l = cairn_test_listener_new (cairn_test_live_connect (f->u.srv, f->u.alice, f->u.alice_ws, 4, &status));
  m = expect_live (l, CAIRN_LIVE_HELLO);
  cairn_live_message_free (m);
  {
    g_autofree char *huge = big_body (BODY_HUGE);
    soup_websocket_connection_send_text (l->conn, huge);
  }
  g_assert_true (cairn_test_listener_wait_closed (l, TIMEOUT));
  /* libsoup sends 1009 and drops the stream while our 1 MiB is still in
   * flight, so the close frame may be lost (code 0). */
  if (l->close_code != 0)
    g_assert_cmpint (l->close_code, ==, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  cairn_test_listener_free (l);

  /* Only the one good push got in. */
  {
    g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", f->u.alice_ws);
    g_autoptr(JsonNode) answer = cairn_test_http (f->u.srv, NULL, "GET", path, f->u.alice, NULL, 0, &status);
    g_autoptr(GError) error = NULL;
    g_autoptr(CairnPullReply) all = cairn_protocol_decode_pull_reply (answer, &error);

    g_assert_no_error (error);
    g_assert_cmpint (all->head, ==, 4);
    g_assert_cmpuint (all->events->len, ==, 4);
  }
}

static void
test_websocket_refused (Fixture       *f,
                        gconstpointer  data)
{
  CairnTestListener *open[20];
  SoupWebsocketConnection *conn;
  guint status = 0;

  conn = cairn_test_live_connect (f->u.srv, NULL, f->u.alice_ws, 0, &status);
  g_assert_null (conn);
  g_assert_cmpuint (status, ==, 401);
  conn = cairn_test_live_connect (f->u.srv, f->revoked, f->u.alice_ws, 0, &status);
  g_assert_null (conn);
  g_assert_cmpuint (status, ==, 401);
  conn = cairn_test_live_connect (f->u.srv, f->u.bob, f->u.alice_ws, 0, &status);
  g_assert_null (conn);
  g_assert_cmpuint (status, ==, 404);

  /* 20 live connections per user, the 21st is refused. */
  for (guint i = 0; i < G_N_ELEMENTS (open); i++)
    {
      conn = cairn_test_live_connect (f->u.srv, f->u.alice, f->u.alice_ws, 3, &status);
      g_assert_nonnull (conn);
      open[i] = cairn_test_listener_new (conn);
      cairn_live_message_free (expect_live (open[i], CAIRN_LIVE_HELLO));
    }
  conn = cairn_test_live_connect (f->u.srv, f->u.alice, f->u.alice_ws, 3, &status);
  g_assert_null (conn);
  g_assert_cmpuint (status, ==, 429);
  /* Bob has his own allowance. */
  conn = cairn_test_live_connect (f->u.srv, f->u.bob, f->u.bob_ws, 0, &status);
  g_assert_nonnull (conn);
  g_object_unref (conn);

  /* Revoking the session closes its sockets with 1008. */
  {
    g_autoptr(JsonNode) answer = cairn_test_http (f->u.srv, NULL, "DELETE", "/v1/session", f->u.alice, NULL, 0, &status);
    g_assert_cmpuint (status, ==, 204);
  }
  for (guint i = 0; i < G_N_ELEMENTS (open); i++)
    {
      g_assert_true (cairn_test_listener_wait_closed (open[i], TIMEOUT));
      g_assert_cmpint (open[i]->close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
      cairn_test_listener_free (open[i]);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/server/bad/catalogue", Fixture, NULL, setup, test_catalogue, teardown);
  g_test_add ("/server/bad/expired-token", Fixture, NULL, NULL, test_expired_token, teardown);
  g_test_add ("/server/bad/login-rate-limit", Fixture, NULL, setup, test_login_rate_limit, teardown);
  g_test_add ("/server/bad/websocket-frames", Fixture, NULL, setup, test_websocket_bad_frames, teardown);
  g_test_add ("/server/bad/websocket-refused", Fixture, NULL, setup, test_websocket_refused, teardown);

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-protocol.c: the wire codec: round trips and refusal of every bad shape. */
#include "config.h"

#include <string.h>

#include "protocol-test-util.h"
#include "core-test-util.h"
#include "cairn-test-util.h"

#define CID "0123456789abcdef0123456789abcdef"

static JsonNode *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = cairn_protocol_parse (text, strlen (text), CAIRN_PROTOCOL_MAX_BODY_BYTES, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static void
test_ids (void)
{
  g_assert_true (cairn_is_client_id (CID));
  g_assert_false (cairn_is_client_id ("0123456789ABCDEF0123456789abcdef"));
  g_assert_false (cairn_is_client_id ("0123456789abcdef0123456789abcde"));
  g_assert_false (cairn_is_client_id ("0123456789abcdef0123456789abcdef0"));
  g_assert_true (cairn_is_object_id ("0190c2d8-6f1e-7a3b-8c4d-123456789abc"));
  g_assert_false (cairn_is_object_id ("0190c2d86f1e7a3b8c4d123456789abc"));
  g_assert_false (cairn_is_object_id ("0190C2D8-6F1E-7A3B-8C4D-123456789ABC"));
  g_assert_true (cairn_protocol_is_event_name ("todo.renamed"));
  g_assert_true (cairn_protocol_is_event_name ("note.text_edited2"));
  g_assert_false (cairn_protocol_is_event_name ("Todo.renamed"));
  g_assert_false (cairn_protocol_is_event_name ("todo..renamed"));
  g_assert_false (cairn_protocol_is_event_name ("todo."));
  g_assert_false (cairn_protocol_is_event_name (""));
  g_assert_true (cairn_protocol_is_username ("alice.b-c_d"));
  g_assert_false (cairn_protocol_is_username ("-alice"));
  g_assert_false (cairn_protocol_is_username ("Alice"));
  g_assert_true (cairn_protocol_is_label ("Ana’s laptop", 128));
  g_assert_false (cairn_protocol_is_label ("tab\there", 128));
  g_assert_false (cairn_protocol_is_label ("", 128));
}

static void
test_parse_errors (void)
{
  static const struct { const char *text; gsize len; CairnProtocolError code; } cases[] = {
    { "", 0, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON },
    { "{", 1, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON },
    { "{\"a\":}", 6, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON },
    { "{\"a\":1}x", 8, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON },
    { "[1,2]", 5, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST },
    { "42", 2, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST },
    { "{\"a\":\"\xff\"}", 9, CAIRN_PROTOCOL_ERROR_INVALID_UTF8 },
    { "{\"a\":\"x\0y\"}", 11, CAIRN_PROTOCOL_ERROR_INVALID_UTF8 },
    /* A lone surrogate escape is no character at all. */
    { "{\"a\":\"\\ud800\"}", 14, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON },
    { "{\"a\":\"\\ud800x\"}", 15, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON },
    { "{\"a\":\"\\udc00\\ud800\"}", 20, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON },
    { "{\"a\":\"\\ud800\\u0041\"}", 20, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON },
    { "{\"a\":\"\\uDBFF\"}", 14, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = cairn_protocol_parse (cases[i].text, cases[i].len, 1024, &error);

      g_test_message ("case %u", i);
      g_assert_null (node);
      g_assert_error (error, CAIRN_PROTOCOL_ERROR, (int) cases[i].code);
    }

  /* Nothing may follow the value: json-glib 1.6 leaked the token it read
   * there (a whole string). Refused before json-glib sees it, so the
   * message is ours. Found by tests/fuzz (corpus/protocol/regress-*). */
  {
    static const char *const trailing[] = {
      "[1]{\"a\":\"a long string that json-glib would keep\"}", "{\"a\":1} {}",
      "{\"a\":\"}\"}\"b\"", "{\"a\":[{}]}]", "1 2", "\"s\" \"t\"",
    };

    for (guint i = 0; i < G_N_ELEMENTS (trailing); i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) node = cairn_protocol_parse (trailing[i], strlen (trailing[i]), 1024, &error);

        g_test_message ("trailing %u: %s", i, trailing[i]);
        g_assert_null (node);
        g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON);
        g_assert_nonnull (strstr (error->message, "more text after the value"));
      }
    /* A word there is no JSON token: the guard says so first. */
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = cairn_protocol_parse ("{\"a\":1}x", 8, 1024, &error);

      g_assert_null (node);
      g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON);
    }
    {
      g_autoptr(JsonNode) spaced = parse_ok (" {\"a\":\"]\\\"}\",\"b\":[[],{}]} \r\n\t");
    }
  }

  /* A pair is one character; an escaped backslash before "ud800" is text. */
  {
    g_autoptr(JsonNode) pair = parse_ok ("{\"a\":\"\\ud83d\\ude00\",\"b\":\"\\\\ud800\"}");
    JsonObject *obj = json_node_get_object (pair);

    g_assert_cmpstr (json_object_get_string_member (obj, "a"), ==, "\xf0\x9f\x98\x80");
    g_assert_cmpstr (json_object_get_string_member (obj, "b"), ==, "\\ud800");
  }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = cairn_protocol_parse ("{\"a\":1}", 7, 6, &error);

    g_assert_null (node);
    g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_BODY_TOO_LARGE);
  }
}

/* Text that json-glib 1.6 would crash on (deep nesting), read cut short
 * (an escaped NUL), wrap (integers past 64 bits) or write back as text that
 * is not JSON (fractions, exponents) is refused before or right after it
 * is parsed, in every decoder the server and the app use (issue 11). */
static void
test_hostile_json (void)
{
  g_autoptr(GString) deep = g_string_new ("{\"events\":");
  g_autoptr(GString) deep_pull = g_string_new ("{\"events\":[],\"head\":0,\"history_id\":\"" CID "\",\"more\":false,\"x\":");
  static const struct { const char *text; CairnProtocolError code; const char *words; } cases[] = {
    { "{\"username\":\"alice\\u0000x\",\"password\":\"p\",\"device\":\"d\"}",
      CAIRN_PROTOCOL_ERROR_INVALID_UTF8, "NUL" },
    { "{\"a\\u0000\":1}", CAIRN_PROTOCOL_ERROR_INVALID_UTF8, "NUL" },
    { "{\"a\":99999999999999999999}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "64 bits" },
    { "{\"a\":-9223372036854775809}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "64 bits" },
    { " \t\r\n ", CAIRN_PROTOCOL_ERROR_MALFORMED_JSON, "white space" },
    /* json-glib extensions that a pre-scan could read differently. */
    { "{'a':1}", CAIRN_PROTOCOL_ERROR_MALFORMED_JSON, "RFC 8259" },
    { "{\"a\":/*\"*/1}", CAIRN_PROTOCOL_ERROR_MALFORMED_JSON, "RFC 8259" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = cairn_protocol_parse (cases[i].text, strlen (cases[i].text),
                                                       CAIRN_PROTOCOL_MAX_BODY_BYTES, &error);

      g_test_message ("hostile %u: %s", i, cases[i].text);
      g_assert_null (node);
      g_assert_error (error, CAIRN_PROTOCOL_ERROR, (int) cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].words));
    }

  /* 80,000 levels (160 KB) ended the server with SIGSEGV. */
  for (guint i = 0; i < 80000; i++)
    {
      g_string_append_c (deep, '[');
      g_string_append_c (deep_pull, '[');
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = cairn_protocol_parse (deep->str, deep->len, CAIRN_PROTOCOL_MAX_BODY_BYTES, &error);
    g_autoptr(GPtrArray) fast = cairn_protocol_decode_push_fast (deep->str, deep->len);

    g_assert_null (node);
    g_assert_null (fast);
    g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON);
    g_assert_nonnull (strstr (error->message, "64 levels"));
  }
  /* The app's decoders of server answers, fast path first. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CairnPullReply) pull = cairn_protocol_decode_pull_reply_text (deep_pull->str, deep_pull->len,
                                                                           deep_pull->len, &error);

    g_assert_null (pull);
    g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(CairnLiveMessage) live = cairn_protocol_decode_live_message_text (deep->str, deep->len,
                                                                               deep->len, &error);

    g_assert_null (live);
    g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON);
  }
  /* 64 levels are allowed, 65 are not; brackets inside strings and
   * escaped quotes do not count. */
  for (guint depth = 64; depth <= 65; depth++)
    {
      g_autoptr(GString) text = g_string_new ("{\"s\":\"[[[[\\\"{{{{\",\"a\":");
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;

      for (guint i = 1; i < depth; i++)
        g_string_append_c (text, '[');
      for (guint i = 1; i < depth; i++)
        g_string_append_c (text, ']');
      g_string_append_c (text, '}');
      node = cairn_protocol_parse (text->str, text->len, CAIRN_PROTOCOL_MAX_BODY_BYTES, &error);
      if (depth == 64)
        g_assert_no_error (error);
      else
        g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON);
    }

  /* Args with a fraction or exponent: refused, naming args (the server
   * wrote 1e20 back as "1e+20.0" and 1e400 as "inf.0"). */
  {
    const char *bad_args[] = { "{\"x\":1e20}", "{\"x\":1e400}", "{\"x\":[0.5]}", "{\"x\":{\"y\":-1E2}}" };

    for (guint i = 0; i < G_N_ELEMENTS (bad_args); i++)
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *body = g_strdup_printf ("{\"name\":\"todo.x\",\"version\":1,\"args\":%s,"
                                                 "\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":0}",
                                                 bad_args[i]);
        g_autoptr(JsonNode) node = parse_ok (body);
        g_autoptr(CairnWireEvent) ev = cairn_protocol_decode_event (node, FALSE, &error);

        g_test_message ("args %s", bad_args[i]);
        g_assert_null (ev);
        g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
        g_assert_nonnull (strstr (error->message, "args"));
      }
  }
}

static void
test_event_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnWireEvent) ev = cairn_wire_event_new ("todo.renamed", 2, "{\"todo_id\":\"x\",\"title\":\"Milk ü\"}",
                                                       CID, 7, 1764000000000);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(CairnWireEvent) back = NULL;
  g_autoptr(CairnWireEvent) as_server = NULL;
  g_autofree char *text = NULL;

  node = cairn_protocol_encode_event (ev);
  back = cairn_protocol_decode_event (node, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->name, ==, "todo.renamed");
  g_assert_cmpint (back->version, ==, 2);
  g_assert_cmpstr (back->args_json, ==, ev->args_json);
  g_assert_cmpstr (back->client_id, ==, CID);
  g_assert_cmpint (back->client_seq, ==, 7);
  g_assert_cmpint (back->created_at, ==, 1764000000000);

  /* A client event has no seq: the server-side decoder wants one. */
  g_assert_null (cairn_protocol_decode_event (node, TRUE, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
  g_clear_error (&error);

  ev->seq = 12;
  ev->device = g_strdup ("laptop");
  g_clear_pointer (&node, json_node_unref);
  node = cairn_protocol_encode_event (ev);
  as_server = cairn_protocol_decode_event (node, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (as_server->seq, ==, 12);
  g_assert_cmpstr (as_server->device, ==, "laptop");
  g_assert_null (as_server->chain);
  /* …and a client may not send seq or device. */
  g_assert_null (cairn_protocol_decode_event (node, FALSE, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
  g_clear_error (&error);

  /* The server's chain travels too; a client may not send one. */
  g_clear_pointer (&as_server, cairn_wire_event_free);
  g_clear_pointer (&node, json_node_unref);
  ev->chain = g_strdup ("0123456789abcdef0123456789abcdef");
  node = cairn_protocol_encode_event (ev);
  as_server = cairn_protocol_decode_event (node, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (as_server->chain, ==, ev->chain);
  g_assert_null (as_server->user);

  /* So does the pushing user (issue 15); a client may not send one, and a
   * server's must be a user name. */
  g_clear_pointer (&as_server, cairn_wire_event_free);
  g_clear_pointer (&node, json_node_unref);
  ev->user = g_strdup ("alice");
  node = cairn_protocol_encode_event (ev);
  as_server = cairn_protocol_decode_event (node, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (as_server->user, ==, "alice");
  g_assert_cmpstr (as_server->device, ==, "laptop");
  g_clear_pointer (&as_server, cairn_wire_event_free);
  g_clear_pointer (&node, json_node_unref);
  g_free (ev->user);
  ev->user = g_strdup ("Not A Name");
  node = cairn_protocol_encode_event (ev);
  g_assert_null (cairn_protocol_decode_event (node, TRUE, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
  g_assert_nonnull (strstr (error->message, "user"));
  g_clear_error (&error);
  g_clear_pointer (&ev->user, g_free);

  ev->seq = 0;
  g_clear_pointer (&ev->device, g_free);
  g_clear_pointer (&node, json_node_unref);
  node = cairn_protocol_encode_event (ev);
  g_assert_null (cairn_protocol_decode_event (node, FALSE, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
}

static void
test_event_refusals (void)
{
  static const struct { const char *json; CairnProtocolError code; const char *field; } cases[] = {
    { "{\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":0}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "name" },
    { "{\"name\":7,\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":0}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "name" },
    { "{\"name\":\"Todo\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":0}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "name" },
    { "{\"name\":\"todo.x\",\"version\":\"1\",\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":0}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "version" },
    { "{\"name\":\"todo.x\",\"version\":0,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":0}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "version" },
    { "{\"name\":\"todo.x\",\"version\":1.5,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":0}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "version" },
    { "{\"name\":\"todo.x\",\"version\":1,\"args\":[],\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":0}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "args" },
    { "{\"name\":\"todo.x\",\"version\":1,\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":0}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "args" },
    { "{\"name\":\"todo.x\",\"version\":1,\"args\":{},\"client_id\":\"XYZ\",\"client_seq\":1,\"created_at\":0}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "client_id" },
    { "{\"name\":\"todo.x\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":0,\"created_at\":0}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "client_seq" },
    { "{\"name\":\"todo.x\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":null,\"created_at\":0}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "client_seq" },
    { "{\"name\":\"todo.x\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":-1}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "created_at" },
    { "{\"name\":\"todo.x\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":0,\"extra\":1}", CAIRN_PROTOCOL_ERROR_INVALID_REQUEST, "extra" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = parse_ok (cases[i].json);
      g_autoptr(CairnWireEvent) ev = cairn_protocol_decode_event (node, FALSE, &error);

      g_test_message ("case %u: %s", i, cases[i].json);
      g_assert_null (ev);
      g_assert_error (error, CAIRN_PROTOCOL_ERROR, (int) cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].field));
    }
}

static GPtrArray *
make_events (const char *client,
             gint64      from,
             guint       n)
{
  GPtrArray *a = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (a, cairn_wire_event_new ("todo.created", 1, "{}", client, from + i, 0));
  return a;
}

static void
test_push_request (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = make_events (CID, 1, 3);
  g_autoptr(JsonNode) http = cairn_protocol_encode_push_request (events, NULL);
  g_autoptr(JsonNode) ws = cairn_protocol_encode_push_request (events, "p1");
  g_autoptr(GPtrArray) back = NULL;
  g_autoptr(GPtrArray) back_ws = NULL;
  g_autofree char *id = NULL;

  back = cairn_protocol_decode_push_request (http, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, 3);
  back_ws = cairn_protocol_decode_push_request (ws, TRUE, &id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (id, ==, "p1");
  g_assert_cmpuint (back_ws->len, ==, 3);

  /* The WebSocket form is not an HTTP body and the other way round. */
  g_assert_null (cairn_protocol_decode_push_request (ws, FALSE, NULL, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
  g_clear_error (&error);
  g_assert_null (cairn_protocol_decode_push_request (http, TRUE, NULL, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
  g_clear_error (&error);
}

static void
test_push_request_refusals (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) too_many = make_events (CID, 1, CAIRN_PROTOCOL_MAX_EVENTS_PER_PUSH + 1);
  g_autoptr(GPtrArray) out_of_order = make_events (CID, 1, 3);
  g_autoptr(GPtrArray) empty = g_ptr_array_new ();
  g_autoptr(GPtrArray) big = make_events (CID, 1, 1);
  g_autoptr(JsonNode) n1 = NULL;
  g_autoptr(JsonNode) n2 = NULL;
  g_autoptr(JsonNode) n3 = NULL;
  g_autoptr(JsonNode) n4 = NULL;
  GString *args = g_string_new ("{\"t\":\"");

  n1 = cairn_protocol_encode_push_request (too_many, NULL);
  g_assert_null (cairn_protocol_decode_push_request (n1, FALSE, NULL, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_TOO_MANY_EVENTS);
  g_clear_error (&error);

  ((CairnWireEvent *) g_ptr_array_index (out_of_order, 2))->client_seq = 5;
  n2 = cairn_protocol_encode_push_request (out_of_order, NULL);
  g_assert_null (cairn_protocol_decode_push_request (n2, FALSE, NULL, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
  g_clear_error (&error);

  n3 = cairn_protocol_encode_push_request (empty, NULL);
  g_assert_null (cairn_protocol_decode_push_request (n3, FALSE, NULL, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
  g_clear_error (&error);

  while (args->len <= CAIRN_PROTOCOL_MAX_ARGS_BYTES)
    g_string_append (args, "xxxxxxxxxxxxxxxx");
  g_string_append (args, "\"}");
  g_free (((CairnWireEvent *) g_ptr_array_index (big, 0))->args_json);
  ((CairnWireEvent *) g_ptr_array_index (big, 0))->args_json = g_string_free (args, FALSE);
  n4 = cairn_protocol_encode_push_request (big, NULL);
  g_assert_null (cairn_protocol_decode_push_request (n4, FALSE, NULL, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ARGS_TOO_LARGE);
}

static void
test_replies (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPushReply) reply = g_new0 (CairnPushReply, 1);
  g_autoptr(CairnPushReply) back = NULL;
  g_autoptr(CairnPullReply) pull = g_new0 (CairnPullReply, 1);
  g_autoptr(CairnPullReply) pull_back = NULL;
  g_autoptr(JsonNode) n1 = NULL;
  g_autoptr(JsonNode) n2 = NULL;
  g_autoptr(JsonNode) n3 = NULL;
  g_autoptr(JsonNode) bad = NULL;
  g_autoptr(CairnErrorReply) err = NULL;
  CairnPushResult *r = g_new0 (CairnPushResult, 1);

  reply->results = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_push_result_free);
  r->client_id = g_strdup (CID);
  r->client_seq = 4;
  r->seq = 9;
  g_ptr_array_add (reply->results, r);
  reply->head = 9;
  reply->history_id = g_strdup (CID);
  n1 = cairn_protocol_encode_push_reply (reply);
  back = cairn_protocol_decode_push_reply (n1, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (back->results, 0))->seq, ==, 9);
  g_assert_cmpint (back->head, ==, 9);

  pull->events = make_events (CID, 1, 2);
  ((CairnWireEvent *) g_ptr_array_index (pull->events, 0))->seq = 3;
  ((CairnWireEvent *) g_ptr_array_index (pull->events, 1))->seq = 4;
  pull->head = 4;
  pull->history_id = g_strdup (CID);
  pull->more = TRUE;
  n2 = cairn_protocol_encode_pull_reply (pull);
  pull_back = cairn_protocol_decode_pull_reply (n2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pull_back->events->len, ==, 2);
  g_assert_true (pull_back->more);

  /* A server answer whose seqs do not ascend is refused by the client. */
  bad = parse_ok ("{\"events\":[{\"name\":\"a.b\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\","
                  "\"client_seq\":1,\"created_at\":0,\"seq\":5},{\"name\":\"a.b\",\"version\":1,\"args\":{},"
                  "\"client_id\":\"" CID "\",\"client_seq\":2,\"created_at\":0,\"seq\":5}],"
                  "\"head\":5,\"history_id\":\"" CID "\",\"more\":false}");
  g_assert_null (cairn_protocol_decode_pull_reply (bad, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
  g_clear_error (&error);

  n3 = cairn_protocol_encode_error (CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP, "gap", CID, 6, 0);
  err = cairn_protocol_decode_error (n3, &error);
  g_assert_no_error (error);
  g_assert_cmpint (err->error, ==, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP);
  g_assert_cmpstr (err->code, ==, "client_seq_gap");
  g_assert_cmpstr (err->client_id, ==, CID);
  g_assert_cmpint (err->expected, ==, 6);
  g_assert_cmpuint (cairn_protocol_error_status (err->error), ==, 409);
}

static void
test_live_messages (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) hello = cairn_protocol_encode_live_hello (7, CID);
  g_autoptr(GPtrArray) events = make_events (CID, 1, 1);
  g_autoptr(JsonNode) evn = NULL;
  g_autoptr(JsonNode) errn = cairn_protocol_encode_live_error ("p9", CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP, "gap", CID, 3);
  g_autoptr(JsonNode) unknown = parse_ok ("{\"type\":\"bogus\"}");
  g_autoptr(CairnLiveMessage) m1 = NULL;
  g_autoptr(CairnLiveMessage) m2 = NULL;
  g_autoptr(CairnLiveMessage) m3 = NULL;

  ((CairnWireEvent *) g_ptr_array_index (events, 0))->seq = 7;
  evn = cairn_protocol_encode_live_events (events, 7);
  m1 = cairn_protocol_decode_live_message (hello, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m1->type, ==, CAIRN_LIVE_HELLO);
  g_assert_cmpint (m1->head, ==, 7);
  m2 = cairn_protocol_decode_live_message (evn, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m2->type, ==, CAIRN_LIVE_EVENTS);
  g_assert_cmpuint (m2->events->len, ==, 1);
  m3 = cairn_protocol_decode_live_message (errn, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m3->type, ==, CAIRN_LIVE_ERROR);
  g_assert_cmpstr (m3->id, ==, "p9");
  g_assert_cmpint (m3->error->expected, ==, 3);
  g_assert_null (cairn_protocol_decode_live_message (unknown, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
}

static void
test_query_params (void)
{
  g_autoptr(GError) error = NULL;
  gint64 after;
  guint limit;
  const char *bad_after[] = { "", "-1", "1.5", "abc", "1e3", "0x10", " 1", "99999999999999999999" };
  const char *bad_limit[] = { "0", "1001", "-5", "ten" };

  g_assert_true (cairn_protocol_parse_after (NULL, &after, &error));
  g_assert_cmpint (after, ==, 0);
  g_assert_true (cairn_protocol_parse_after ("42", &after, &error));
  g_assert_cmpint (after, ==, 42);
  g_assert_true (cairn_protocol_parse_limit (NULL, &limit, &error));
  g_assert_cmpuint (limit, ==, CAIRN_PROTOCOL_DEFAULT_PULL_LIMIT);
  g_assert_true (cairn_protocol_parse_limit ("1000", &limit, &error));
  g_assert_cmpuint (limit, ==, 1000);
  for (guint i = 0; i < G_N_ELEMENTS (bad_after); i++)
    {
      g_assert_false (cairn_protocol_parse_after (bad_after[i], &after, &error));
      g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_PARAMETER);
      g_clear_error (&error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_limit); i++)
    {
      g_assert_false (cairn_protocol_parse_limit (bad_limit[i], &limit, &error));
      g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_PARAMETER);
      g_clear_error (&error);
    }
}

static void
test_session_request (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ok = cairn_protocol_encode_session_request ("alice", "pw", "laptop");
  g_autoptr(CairnSessionRequest) req = cairn_protocol_decode_session_request (ok, &error);
  g_autoptr(JsonNode) extra = parse_ok ("{\"username\":\"a\",\"password\":\"b\",\"device\":\"c\",\"admin\":true}");
  g_autoptr(JsonNode) ctrl = parse_ok ("{\"username\":\"a\",\"password\":\"b\",\"device\":\"c\\nd\"}");

  g_assert_no_error (error);
  g_assert_cmpstr (req->device, ==, "laptop");
  g_assert_null (cairn_protocol_decode_session_request (extra, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
  g_clear_error (&error);
  g_assert_null (cairn_protocol_decode_session_request (ctrl, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
}

/* The fast push decoder either declines or returns exactly what the
 * general path (parse + decode) returns. */
static GPtrArray *
decode_general (const char *body,
                GError    **error)
{
  g_autoptr(JsonNode) node = cairn_protocol_parse (body, strlen (body), CAIRN_PROTOCOL_MAX_BODY_BYTES, error);

  if (node == NULL)
    return NULL;
  return cairn_protocol_decode_push_request (node, FALSE, NULL, error);
}

/* The same events as a push sends them: no seq and no device yet. */
static void
assert_same_events (GPtrArray *a,
                    GPtrArray *b)
{
  protocol_test_assert_same_events (a, b);
  for (guint i = 0; i < a->len; i++)
    {
      CairnWireEvent *x = g_ptr_array_index (a, i);

      g_assert_cmpint (x->seq, ==, 0);
      g_assert_null (x->device);
    }
}

#define EV(args, seq) "{\"name\":\"todo.created\",\"version\":1,\"args\":" args ",\"client_id\":\"" CID "\",\"client_seq\":" seq ",\"created_at\":1764000000000}"

static void
test_push_fast (void)
{
  /* Taken by the fast path (what clients send), and equal to the general one. */
  const char *fast[] = {
    "{\"events\":[" EV ("{\"todo_id\":\"t1\",\"title\":\"Item 1\"}", "1") "]}",
    "{\"events\":[" EV ("{}", "7") "," EV ("{\"a\":[]}", "8") "," EV ("{\"a\":[1,-2,0,true,false,null,\"x\"]}", "9") "]}",
    " { \"events\" : [ " EV ("{\"nested\":{\"deep\":{\"list\":[{},[],{\"k\":\"v\"}]}}}", "1") " ] } \n",
    "{\"events\":[" EV ("{\"text\":\"a/b <c> & 'd' ~`!@#$%^*()_+=|;:?.,\"}", "1") "]}",
    "{\"events\":[{\"client_seq\":3,\"created_at\":0,\"client_id\":\"" CID "\",\"args\":{\"b\":1,\"a\":2},\"version\":2147483647,\"name\":\"note.body_set\"}]}",
    "{\"events\":[" EV ("{\"n\":123456789012345678}", "1") "]}",
  };
  /* Declined: valid but not compact or not plain, or refused by the general
   * path (which then gives the error). */
  const char *slow[] = {
    "{\"events\":[" EV ("{\"title\": \"spaced\"}", "1") "]}",
    "{\"events\":[" EV ("{\"title\":\"tab\\tescaped\"}", "1") "]}",
    "{\"events\":[" EV ("{\"title\":\"caf\xc3\xa9\"}", "1") "]}",
    "{\"events\":[" EV ("{\"x\":1.5}", "1") "]}",
    "{\"events\":[" EV ("{\"x\":1e3}", "1") "]}",
    "{\"events\":[" EV ("{\"x\":-0}", "1") "]}",
    "{\"events\":[" EV ("{\"x\":0123}", "1") "]}",
    "{\"events\":[" EV ("{\"x\":1234567890123456789}", "1") "]}",
    "{\"events\":[" EV ("{\"x\":1,\"x\":2}", "1") "]}",
    "{\"events\":[" EV ("{\"\":1}", "1") "]}",
    "{\"events\":[" EV ("{\"a\":{\"\":1}}", "1") "]}",
    "{\"events\":[" EV ("[1]", "1") "]}",
    "{\"events\":[" EV ("{\"x\":1}", "1") "," EV ("{\"x\":1}", "3") "]}",
    "{\"events\":[" EV ("{\"x\":1}", "0") "]}",
    "{\"events\":[]}",
    "{\"events\":[" EV ("{}", "1") "],\"more\":1}",
    "{\"events\":[" EV ("{}", "1") "]} x",
    "{\"events\":[" EV ("{}", "1") "]",
    "{\"events\":[{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1}]}",
    "{\"events\":[{\"name\":\"Todo\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1}]}",
    "{\"events\":[{\"name\":\"todo.created\",\"version\":0,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1}]}",
    "{\"events\":[{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"ABC\",\"client_seq\":1,\"created_at\":1}]}",
    "{\"events\":[{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1,\"seq\":4}]}",
    "{\"events\":[{\"name\":\"todo.created\",\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1}]}",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (fast); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) quick = cairn_protocol_decode_push_fast (fast[i], strlen (fast[i]));
      g_autoptr(GPtrArray) general = decode_general (fast[i], &error);

      g_test_message ("fast body %u", i);
      g_assert_no_error (error);
      g_assert_nonnull (quick);
      assert_same_events (quick, general);
    }
  for (guint i = 0; i < G_N_ELEMENTS (slow); i++)
    {
      g_test_message ("slow body %u", i);
      g_assert_null (cairn_protocol_decode_push_fast (slow[i], strlen (slow[i])));
    }

  /* What the client's own encoder writes is always taken by the fast path. */
  {
    g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GPtrArray) quick = NULL;
    g_autoptr(GPtrArray) general = NULL;
    g_autoptr(GError) error = NULL;

    for (gint64 i = 1; i <= CAIRN_PROTOCOL_MAX_EVENTS_PER_PUSH; i++)
      {
        g_autofree char *args = g_strdup_printf ("{\"todo_id\":\"t%" G_GINT64_FORMAT "\",\"done\":%s,\"tags\":[\"a\",\"b\"],\"n\":%" G_GINT64_FORMAT "}",
                                                 i, i % 2 ? "true" : "false", -i * 1000);

        g_ptr_array_add (events, cairn_wire_event_new ("todo.created", 1, args, CID, i, 1764000000000 + i));
      }
    node = cairn_protocol_encode_push_request (events, NULL);
    text = cairn_protocol_to_string (node, NULL);
    quick = cairn_protocol_decode_push_fast (text, strlen (text));
    general = decode_general (text, &error);
    g_assert_no_error (error);
    g_assert_nonnull (quick);
    assert_same_events (quick, general);
    assert_same_events (quick, events);
  }
}

/* Random JSON text (compact, or not when loose is TRUE). */
static void
random_value (GRand   *r,
              GString *out,
              guint    depth,
              gboolean loose)
{
  static const char *const words[] = { "a", "todo_id", "title", "x", "b/c", "it's", "<t>", "~", "" };
  guint kind = g_rand_int_range (r, 0, depth > 3 ? 4 : 6);

  switch (kind)
    {
    case 0:
      g_string_append_printf (out, "\"%s\"", words[g_rand_int_range (r, 0, G_N_ELEMENTS (words))]);
      break;
    case 1:
      g_string_append_printf (out, "%" G_GINT64_FORMAT,
                              (gint64) g_rand_int_range (r, -1000000, 1000000) * g_rand_int_range (r, 1, 1000));
      break;
    case 2:
      g_string_append (out, g_rand_boolean (r) ? "true" : "null");
      break;
    case 3:
      g_string_append (out, loose && g_rand_int_range (r, 0, 4) == 0 ? "1.5" : "false");
      break;
    case 4:
      {
        guint n = g_rand_int_range (r, 0, 4);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append (out, loose && g_rand_boolean (r) ? ", " : ",");
            random_value (r, out, depth + 1, loose);
          }
        g_string_append_c (out, ']');
        break;
      }
    default:
      {
        guint n = g_rand_int_range (r, 0, 4);

        g_string_append_c (out, '{');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            /* Sometimes a repeated key. */
            g_string_append_printf (out, "\"%s\":%s", words[g_rand_int_range (r, 0, 4)],
                                    loose && g_rand_boolean (r) ? " " : "");
            random_value (r, out, depth + 1, loose);
          }
        g_string_append_c (out, '}');
        break;
      }
    }
}

/* Differential check: on random bodies, and on random corruptions of them,
 * the fast path declines or agrees with the general one, and never accepts
 * what the general path refuses. */
static void
test_push_fast_random (void)
{
  g_autoptr(GRand) r = g_rand_new_with_seed (20261121);
  guint taken = 0, refused = 0;

  for (guint round = 0; round < 3000; round++)
    {
      g_autoptr(GString) body = g_string_new ("{\"events\":[");
      gboolean loose = g_rand_int_range (r, 0, 4) == 0;
      guint n = g_rand_int_range (r, 1, 5);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) general = NULL;
      g_autoptr(GPtrArray) quick = NULL;

      for (guint i = 0; i < n; i++)
        {
          g_string_append_printf (body, "%s{\"name\":\"todo.created\",\"version\":%d,\"args\":{\"v\":",
                                  i > 0 ? "," : "", g_rand_int_range (r, 1, 3));
          random_value (r, body, 0, loose);
          g_string_append_printf (body, "},\"client_id\":\"" CID "\",\"client_seq\":%u,\"created_at\":%u}",
                                  i + 1, g_rand_int_range (r, 0, 100000));
        }
      g_string_append (body, "]}");
      /* A quarter of the bodies get one byte changed or cut short. */
      if (g_rand_int_range (r, 0, 4) == 0)
        {
          static const char junk[] = "{}[]\":,0-9 \\ae";
          guint at = g_rand_int_range (r, 0, body->len);

          if (g_rand_boolean (r))
            body->str[at] = junk[g_rand_int_range (r, 0, sizeof junk - 1)];
          else
            g_string_truncate (body, at);
        }

      general = decode_general (body->str, &error);
      quick = cairn_protocol_decode_push_fast (body->str, body->len);
      if (general == NULL)
        {
          refused++;
          if (quick != NULL)
            g_error ("Fast path accepted a body the general path refuses (%s): %s", error->message, body->str);
        }
      else if (quick != NULL)
        {
          taken++;
          assert_same_events (quick, general);
        }
    }
  g_test_message ("fast path took %u of 3000 bodies; the general path refused %u", taken, refused);
  /* Not vacuous: both outcomes happened many times. */
  g_assert_cmpuint (taken, >, 1000);
  g_assert_cmpuint (refused, >, 300);
}


/* ---- pull answers and live events as text ------------------------------ */

/* Same events as the client reads them (protocol_test_assert_same_pulled()),
 * and a's args never shorter than b's (a keeps them as sent). */
static void
assert_same_pulled (GPtrArray *a,
                    GPtrArray *b)
{
  protocol_test_assert_same_pulled (a, b);
  for (guint i = 0; i < a->len; i++)
    {
      CairnWireEvent *x = g_ptr_array_index (a, i), *y = g_ptr_array_index (b, i);

      g_assert_cmpuint (strlen (x->args_json), >=, strlen (y->args_json));
    }
}

static CairnPullReply *
pull_general (const char  *text,
              GError     **error)
{
  g_autoptr(JsonNode) node = cairn_protocol_parse (text, strlen (text), CAIRN_PROTOCOL_MAX_BODY_BYTES, error);

  if (node == NULL)
    return NULL;
  return cairn_protocol_decode_pull_reply (node, error);
}

/* decode_pull_reply_text() gives what parse + decode give, result or error;
 * returns whether the fast path took the text. */
static gboolean
check_pull_text (const char *text)
{
  g_autoptr(GError) general_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPullReply) general = pull_general (text, &general_error);
  g_autoptr(CairnPullReply) fast = cairn_protocol_decode_pull_reply_fast (text, strlen (text));
  g_autoptr(CairnPullReply) reply = cairn_protocol_decode_pull_reply_text (text, strlen (text),
                                                                           CAIRN_PROTOCOL_MAX_BODY_BYTES,
                                                                           &error);

  if (general == NULL)
    {
      if (fast != NULL)
        g_error ("Fast path accepted a pull answer the general path refuses (%s): %s",
                 general_error->message, text);
      g_assert_null (reply);
      g_assert_error (error, general_error->domain, general_error->code);
      g_assert_cmpstr (error->message, ==, general_error->message);
      return FALSE;
    }
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  assert_same_pulled (reply->events, general->events);
  g_assert_cmpint (reply->head, ==, general->head);
  g_assert_cmpstr (reply->history_id, ==, general->history_id);
  g_assert_cmpint (reply->more, ==, general->more);
  if (fast != NULL)
    {
      assert_same_pulled (fast->events, general->events);
      g_assert_cmpint (fast->head, ==, general->head);
      g_assert_cmpstr (fast->history_id, ==, general->history_id);
      g_assert_cmpint (fast->more, ==, general->more);
    }
  return fast != NULL;
}

/* Events as the server stores them: args from the generator (UTF-8 as is,
 * escapes for quotes, backslashes and controls). */
static GPtrArray *
server_events (const char * const *devices,
               guint               n)
{
  static const char *const titles[] = {
    "Milk", "Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "say \"hi\" \\ back/slash",
    "line\nbreak\ttab\x01\x1f\x7f", "<b>&amp;</b> 'quoted'",
  };
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) args = NULL;
      g_autofree char *args_json = NULL;
      CairnWireEvent *ev;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "todo_id");
      json_builder_add_string_value (b, "0190f1c2-0000-7000-8000-000000000001");
      json_builder_set_member_name (b, "title");
      json_builder_add_string_value (b, titles[i % G_N_ELEMENTS (titles)]);
      json_builder_set_member_name (b, "n");
      json_builder_add_int_value (b, -(gint64) i * 1000);
      json_builder_set_member_name (b, "nested");
      json_builder_begin_array (b);
      json_builder_add_boolean_value (b, i % 2);
      json_builder_add_null_value (b);
      json_builder_begin_object (b);
      json_builder_end_object (b);
      json_builder_end_array (b);
      json_builder_end_object (b);
      args = json_builder_get_root (b);
      args_json = cairn_protocol_to_string (args, NULL);
      ev = cairn_wire_event_new ("todo.created", 1 + i % 3, args_json, CID, i + 1, 1764000000000 + i);
      ev->seq = 10 + i;
      ev->device = g_strdup (devices[i % g_strv_length ((char **) devices)]);
      if (i % 2 == 0)
        ev->chain = g_strdup_printf ("%032x", i * 2654435761u);
      g_ptr_array_add (events, ev);
    }
  return events;
}

static void
test_pull_text (void)
{
  static const char *const plain_devices[] = { "laptop", "Zo\xc3\xab's phone", "Work PC (old)", NULL };
  static const char *const odd_devices[] = { "say \"hi\"", "back\\slash", "ctl\x01\x1f\x7f" "end", NULL };
  g_autoptr(CairnPullReply) pull = g_new0 (CairnPullReply, 1);
  g_autoptr(CairnPullReply) odd = g_new0 (CairnPullReply, 1);
  g_autoptr(CairnPullReply) empty = g_new0 (CairnPullReply, 1);

  pull->events = server_events (plain_devices, 20);
  pull->head = 40;
  pull->history_id = g_strdup (CID);
  pull->more = TRUE;
  odd->events = server_events (odd_devices, 6);
  odd->head = 15;
  odd->history_id = g_strdup (CID);
  empty->events = g_ptr_array_new ();
  empty->head = 3;
  empty->history_id = g_strdup (CID);

  /* Written as text: byte for byte what the generator writes, except that
   * 0x1f is escaped (json-glib writes it raw); the same JSON either way. */
  for (guint k = 0; k < 3; k++)
    {
      CairnPullReply *reply = k == 0 ? pull : k == 1 ? odd : empty;
      g_autoptr(JsonNode) node = cairn_protocol_encode_pull_reply (reply);
      g_autofree char *general = cairn_protocol_to_string (node, NULL);
      gsize len = 0;
      g_autofree char *text = cairn_protocol_pull_reply_to_text (reply, &len);
      g_autoptr(JsonNode) back = parse_ok (text);

      g_assert_cmpuint (len, ==, strlen (text));
      g_assert_true (json_node_equal (back, node));
      if (k != 1)
        g_assert_cmpstr (text, ==, general);
      /* The client reads it back as it was; plain devices take the fast path. */
      g_assert_cmpint (check_pull_text (text), ==, k != 1);
      {
        g_autoptr(CairnPullReply) read = cairn_protocol_decode_pull_reply_text (text, len, CAIRN_PROTOCOL_MAX_BODY_BYTES, NULL);

        assert_same_pulled (read->events, reply->events);
        g_assert_cmpint (read->more, ==, reply->more);
      }
    }

  /* The live "events" message likewise. */
  {
    g_autoptr(JsonNode) node = cairn_protocol_encode_live_events (pull->events, 40);
    g_autofree char *general = cairn_protocol_to_string (node, NULL);
    g_autofree char *text = cairn_protocol_live_events_to_text (pull->events, 40, NULL);
    g_autoptr(CairnLiveMessage) fast = cairn_protocol_decode_live_events_fast (text, strlen (text));
    g_autoptr(CairnLiveMessage) read = NULL;
    g_autoptr(CairnLiveMessage) other = NULL;
    g_autoptr(JsonNode) hello = cairn_protocol_encode_live_hello (7, CID);
    g_autofree char *hello_text = cairn_protocol_to_string (hello, NULL);
    g_autofree char *odd_text = cairn_protocol_live_events_to_text (odd->events, 15, NULL);
    g_autoptr(GError) error = NULL;

    g_assert_cmpstr (text, ==, general);
    g_assert_nonnull (fast);
    g_assert_cmpint (fast->type, ==, CAIRN_LIVE_EVENTS);
    g_assert_cmpint (fast->head, ==, 40);
    assert_same_pulled (fast->events, pull->events);
    /* Other messages, and events the scanner declines, take the general path. */
    g_assert_null (cairn_protocol_decode_live_events_fast (hello_text, strlen (hello_text)));
    g_assert_null (cairn_protocol_decode_live_events_fast (odd_text, strlen (odd_text)));
    read = cairn_protocol_decode_live_message_text (hello_text, strlen (hello_text),
                                                    CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES, &error);
    g_assert_no_error (error);
    g_assert_cmpint (read->type, ==, CAIRN_LIVE_HELLO);
    other = cairn_protocol_decode_live_message_text (odd_text, strlen (odd_text),
                                                     CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES, &error);
    g_assert_no_error (error);
    g_assert_cmpint (other->type, ==, CAIRN_LIVE_EVENTS);
    assert_same_pulled (other->events, odd->events);
    g_assert_null (cairn_protocol_decode_live_message_text ("{\"type\":\"events\",\"events\":[],\"head\":-1}", 39,
                                                            CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES, &error));
    g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
  }
}

#define SEV(args, seq) "{\"name\":\"todo.created\",\"version\":1,\"args\":" args ",\"client_id\":\"" CID "\",\"client_seq\":" seq ",\"created_at\":1,\"seq\":" seq "}"
#define PULL(events, head, more) "{\"events\":[" events "],\"head\":" head ",\"history_id\":\"" CID "\",\"more\":" more "}"

static void
test_pull_fast (void)
{
  /* Taken by the fast path, and equal to the general one. */
  const char *fast[] = {
    PULL (SEV ("{\"t\":\"x\"}", "1"), "1", "false"),
    PULL ("", "0", "false"),
    PULL (SEV ("{}", "1") "," SEV ("{\"a\":[1,-2,true,null,{}]}", "2"), "9", "true"),
    PULL (SEV ("{\"t\":\"caf\xc3\xa9 \\u00e9 \\/ \\\" \\\\ \\b\\f\\n\\r\\t \\u0001 \x1f\"}", "1"), "1", "false"),
    " {\"more\":true, \"head\":5, \"history_id\":\"" CID "\", \"events\":[ " SEV ("{}", "5") " ]} ",
    PULL ("{\"seq\":3,\"chain\":\"" CID "\",\"created_at\":0,\"client_seq\":9,\"client_id\":\"" CID "\",\"args\":{},\"version\":1,\"name\":\"note.edited\"}", "3", "false"),
    PULL ("{\"seq\":3,\"user\":\"bob\",\"device\":\"phone\",\"created_at\":0,\"client_seq\":9,\"client_id\":\"" CID "\",\"args\":{},\"version\":1,\"name\":\"note.edited\"}", "3", "false"),
    PULL ("{\"seq\":3,\"device\":\"Zo\xc3\xab\",\"created_at\":0,\"client_seq\":9,\"client_id\":\"" CID "\",\"args\":{\"b\":1,\"a\":2},\"version\":2147483647,\"name\":\"note.edited\"}", "3", "false"),
  };
  /* Declined (valid or not): the general path decides. */
  const char *slow[] = {
    PULL (SEV ("{\"t\": \"spaced\"}", "1"), "1", "false"),
    PULL (SEV ("{\"x\":1.5}", "1"), "1", "false"),
    PULL (SEV ("{\"x\":1,\"x\":2}", "1"), "1", "false"),
    PULL (SEV ("{\"\\u0074\":1}", "1"), "1", "false"),
    PULL (SEV ("{\"t\":\"\\ud800\"}", "1"), "1", "false"),
    /* Surrogate pairs are valid, just left to the general path. */
    PULL (SEV ("{\"t\":\"\\ud83d\\ude00\"}", "1"), "1", "false"),
    PULL (SEV ("{\"t\":\"\\udc00\\ud800\"}", "1"), "1", "false"),
    PULL (SEV ("{\"t\":\"\\u0000\"}", "1"), "1", "false"),
    PULL (SEV ("{\"t\":\"\\x\"}", "1"), "1", "false"),
    PULL (SEV ("{\"t\":\"del\x7f\"}", "1"), "1", "false"),
    PULL (SEV ("{\"t\":\"raw\ttab\"}", "1"), "1", "false"),
    PULL (SEV ("[1]", "1"), "1", "false"),
    PULL (SEV ("{}", "2") "," SEV ("{}", "2"), "2", "false"),
    PULL (SEV ("{}", "3"), "2", "false"),
    PULL (SEV ("{}", "1"), "1", "1"),
    PULL (SEV ("{}", "1"), "-1", "false"),
    "{\"events\":[],\"head\":0,\"history_id\":\"XYZ\",\"more\":false}",
    "{\"events\":[],\"head\":0,\"more\":false}",
    "{\"events\":[],\"head\":0,\"history_id\":\"" CID "\",\"more\":false,\"extra\":1}",
    "{\"events\":[],\"events\":[],\"head\":0,\"history_id\":\"" CID "\",\"more\":false}",
    PULL ("{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1}", "1", "false"),
    PULL ("{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1,\"seq\":1,\"device\":null}", "1", "false"),
    PULL ("{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1,\"seq\":1,\"device\":\"a\\\"b\"}", "1", "false"),
    PULL ("{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1,\"seq\":1,\"extra\":1}", "1", "false"),
    PULL ("{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1,\"seq\":1,\"chain\":\"ABCDEF0123456789abcdef0123456789\"}", "1", "false"),
    PULL ("{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1,\"seq\":1,\"chain\":\"abc\"}", "1", "false"),
    PULL ("{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1,\"seq\":1,\"chain\":7}", "1", "false"),
    PULL ("{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1,\"seq\":1,\"user\":\"Bob\"}", "1", "false"),
    PULL ("{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1,\"seq\":1,\"user\":\"bob\",\"user\":\"bob\"}", "1", "false"),
    PULL ("{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1,\"seq\":1,\"user\":null}", "1", "false"),
    PULL ("{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1,\"seq\":1,\"chain\":\"" CID "\",\"chain\":\"" CID "\"}", "1", "false"),
    PULL ("{\"name\":\"Todo\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1,\"seq\":1}", "1", "false"),
    PULL ("{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":0,\"created_at\":1,\"seq\":1}", "1", "false"),
    PULL ("{\"name\":\"todo.created\",\"version\":1,\"args\":{},\"client_id\":\"" CID "\",\"client_seq\":1,\"created_at\":1,\"seq\":0}", "1", "false"),
    PULL (SEV ("{}", "1"), "1", "false") " x",
    PULL (SEV ("{}", "1"), "1", "false") "]",
    "{\"events\":[" SEV ("{}", "1"),
    "not json",
    "",
    "{\"events\":[" SEV ("{\"t\":\"\xff\"}", "1") "],\"head\":1,\"history_id\":\"" CID "\",\"more\":false}",
    /* Not UTF-8: overlong, an encoded surrogate, cut short, a stray byte outside strings. */
    PULL (SEV ("{\"t\":\"\xc0\xaf\"}", "1"), "1", "false"),
    PULL (SEV ("{\"t\":\"\xed\xa0\x80\"}", "1"), "1", "false"),
    PULL (SEV ("{\"t\":\"\xe2\x82\"}", "1"), "1", "false"),
    PULL (SEV ("{}", "1"), "1", "false") "\xc3\xa9",
  };

  for (guint i = 0; i < G_N_ELEMENTS (fast); i++)
    {
      g_test_message ("fast answer %u", i);
      g_assert_true (check_pull_text (fast[i]));
    }
  for (guint i = 0; i < G_N_ELEMENTS (slow); i++)
    {
      g_test_message ("slow answer %u", i);
      g_assert_false (check_pull_text (slow[i]));
    }
}

/* Random args text for pull answers: any string the server may hold. */
static void
random_text_value (GRand   *r,
                   GString *out,
                   guint    depth)
{
  static const char *const strings[] = {
    "a", "todo_id", "caf\xc3\xa9", "\\u00e9", "\\\"q\\\"", "\\\\", "\\/", "\\n\\t", "\\u001f",
    "\xf0\x9f\x98\x80", "\\ud83d\\ude00", "\\ud800", "\\u0000", "", "<t>", "it's",
  };
  guint kind = g_rand_int_range (r, 0, depth > 3 ? 4 : 6);

  switch (kind)
    {
    case 0:
    case 3:
      g_string_append_printf (out, "\"%s%s\"", strings[g_rand_int_range (r, 0, G_N_ELEMENTS (strings))],
                              strings[g_rand_int_range (r, 0, G_N_ELEMENTS (strings))]);
      break;
    case 1:
      g_string_append_printf (out, "%" G_GINT64_FORMAT,
                              (gint64) g_rand_int_range (r, -1000000, 1000000) * g_rand_int_range (r, 1, 1000));
      break;
    case 2:
      g_string_append (out, g_rand_boolean (r) ? "true" : "null");
      break;
    case 4:
      {
        guint n = g_rand_int_range (r, 0, 4);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            random_text_value (r, out, depth + 1);
          }
        g_string_append_c (out, ']');
        break;
      }
    default:
      {
        guint n = g_rand_int_range (r, 0, 4);

        g_string_append_c (out, '{');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            g_string_append_printf (out, "\"%s\":", strings[g_rand_int_range (r, 0, 3)]);
            random_text_value (r, out, depth + 1);
          }
        g_string_append_c (out, '}');
        break;
      }
    }
}

/* Differential check as for pushes: on random answers and corruptions of
 * them, the fast path declines or agrees with the general one. */
static void
test_pull_fast_random (void)
{
  g_autoptr(GRand) r = g_rand_new_with_seed (20261122);
  guint taken = 0, declined = 0;

  for (guint round = 0; round < 3000; round++)
    {
      g_autoptr(GString) body = g_string_new ("{\"events\":[");
      guint n = g_rand_int_range (r, 0, 5);

      for (guint i = 0; i < n; i++)
        {
          g_string_append_printf (body, "%s{\"name\":\"todo.created\",\"version\":%d,\"args\":{\"v\":",
                                  i > 0 ? "," : "", g_rand_int_range (r, 1, 3));
          random_text_value (r, body, 0);
          g_string_append_printf (body, "},\"client_id\":\"" CID "\",\"client_seq\":%u,\"created_at\":%u,"
                                  "\"seq\":%u%s%s%s}", i + 1, g_rand_int_range (r, 0, 100000), i + 7,
                                  g_rand_boolean (r) ? ",\"device\":\"d\xc3\xa9v\"" : "",
                                  g_rand_boolean (r) ? ",\"user\":\"a.b_c-1\"" : "",
                                  g_rand_boolean (r) ? ",\"chain\":\"" CID "\"" : "");
        }
      g_string_append_printf (body, "],\"head\":%u,\"history_id\":\"" CID "\",\"more\":%s}",
                              n + 6 + g_rand_int_range (r, 0, 3), g_rand_boolean (r) ? "true" : "false");
      if (g_rand_int_range (r, 0, 4) == 0)
        {
          static const char junk[] = "{}[]\":,0-9 \\aeu\xc3\xff\x01";
          guint at = g_rand_int_range (r, 0, body->len);

          if (g_rand_boolean (r))
            body->str[at] = junk[g_rand_int_range (r, 0, sizeof junk - 1)];
          else
            g_string_truncate (body, at);
        }
      if (check_pull_text (body->str))
        taken++;
      else
        declined++;
    }
  g_test_message ("fast path took %u of 3000 answers, declined %u", taken, declined);
  g_assert_cmpuint (taken, >, 1000);
  g_assert_cmpuint (declined, >, 300);
}

/* The same texts through the server's store: args as random as above
 * (escapes, \u0000, lone surrogates, 4-byte UTF-8, quotes), and devices
 * with quotes, backslashes and non-ASCII, pushed through the core and
 * pulled back byte for byte, then written as the pull answer and read by
 * the client. On the run's backend: a data folder, or a database under
 * with-postgres.sh (protocol-pg), where the text crosses libpq. */
static void
test_stored_text (void)
{
  static const char *const devices[] = { "laptop", "Zo\xc3\xab's phone", "say \"hi\" \\ \xf0\x9f\x98\x80" };
  g_autoptr(GRand) r = g_rand_new_with_seed (20261207);
  g_autofree char *dir = g_dir_make_tmp ("cairn-protocol-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *ws = NULL;
  CoreTestWorld world = CORE_TEST_WORLD_INIT;
  CairnServerCore *core;
  gint64 after = 0;
  guint got = 0;

  core = core_test_open (dir, &world, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_server_core_user_add (core, "ann", "correct horse", &ws, &error));
  g_assert_no_error (error);
  for (guint d = 0; d < G_N_ELEMENTS (devices); d++)
    {
      g_autoptr(CairnSessionReply) session = NULL;
      g_autoptr(CairnAuth) auth = NULL;
      g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
      g_autoptr(GPtrArray) appended = NULL;
      g_autoptr(CairnPushReply) reply = NULL;
      gint64 retry = 0;
      char client[33];

      session = cairn_server_core_login (core, "ann", "correct horse", devices[d], "10.0.0.1", &retry, &error);
      g_assert_no_error (error);
      auth = cairn_server_core_authenticate (core, session->token, &error);
      g_assert_no_error (error);
      g_snprintf (client, sizeof client, "%032x", d + 1);
      for (guint i = 0; i < 100; i++)
        {
          GString *args = g_string_new ("{\"v\":");

          random_text_value (r, args, 0);
          g_string_append_c (args, '}');
          g_ptr_array_add (events, cairn_wire_event_new ("todo.created", 1, args->str, client, i + 1, 1764000000000 + i));
          g_ptr_array_add (sent, g_string_free (args, FALSE));
        }
      reply = cairn_server_core_push (core, auth, ws, events, &appended, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (appended->len, ==, 100);
    }

  for (;;)
    {
      g_autoptr(CairnAuth) auth = cairn_server_core_admin_owner_auth (core, ws, &error);
      g_autoptr(CairnPullReply) pulled = cairn_server_core_pull (core, auth, ws, after, 128, &error);
      g_autofree char *text = NULL;
      g_autoptr(CairnPullReply) fast = NULL;
      gsize len = 0;

      g_assert_no_error (error);
      for (guint i = 0; i < pulled->events->len; i++, got++)
        {
          CairnWireEvent *ev = g_ptr_array_index (pulled->events, i);

          g_assert_cmpint (ev->seq, ==, got + 1);
          g_assert_cmpstr (ev->args_json, ==, g_ptr_array_index (sent, got));
          g_assert_cmpstr (ev->device, ==, devices[got / 100]);
          g_assert_cmpstr (ev->user, ==, "ann");
        }
      /* the answer as the server writes it, read by the fast path */
      text = cairn_protocol_pull_reply_to_text (pulled, &len);
      fast = cairn_protocol_decode_pull_reply_fast (text, len);
      if (fast != NULL)
        for (guint i = 0; i < fast->events->len; i++)
          g_assert_cmpstr (((CairnWireEvent *) g_ptr_array_index (fast->events, i))->args_json, ==,
                           ((CairnWireEvent *) g_ptr_array_index (pulled->events, i))->args_json);
      if (!pulled->more)
        break;
      after = ((CairnWireEvent *) g_ptr_array_index (pulled->events, pulled->events->len - 1))->seq;
    }
  g_assert_cmpuint (got, ==, 300);
  cairn_server_core_close (core);
  cairn_test_rm_rf (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/protocol/ids", test_ids);
  g_test_add_func ("/server/protocol/parse-errors", test_parse_errors);
  g_test_add_func ("/server/protocol/hostile-json", test_hostile_json);
  g_test_add_func ("/server/protocol/event-round-trip", test_event_round_trip);
  g_test_add_func ("/server/protocol/event-refusals", test_event_refusals);
  g_test_add_func ("/server/protocol/push-request", test_push_request);
  g_test_add_func ("/server/protocol/push-request-refusals", test_push_request_refusals);
  g_test_add_func ("/server/protocol/push-fast", test_push_fast);
  g_test_add_func ("/server/protocol/push-fast-random", test_push_fast_random);
  g_test_add_func ("/server/protocol/pull-text", test_pull_text);
  g_test_add_func ("/server/protocol/pull-fast", test_pull_fast);
  g_test_add_func ("/server/protocol/pull-fast-random", test_pull_fast_random);
  g_test_add_func ("/server/protocol/replies", test_replies);
  g_test_add_func ("/server/protocol/live-messages", test_live_messages);
  g_test_add_func ("/server/protocol/query-params", test_query_params);
  g_test_add_func ("/server/protocol/session-request", test_session_request);
  g_test_add_func ("/server/protocol/stored-text", test_stored_text);

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-protocol.c: every decoder of the wire protocol on the same bytes,
 * the fast scanners checked against the general json-glib path.
 *
 * The input is one request body, pull answer or WebSocket message. A fast
 * path (decode_push_fast, decode_pull_reply_fast, decode_live_events_fast)
 * must either decline or give exactly what cairn_protocol_parse() plus the
 * general decoder give; the *_text decoders must give the general path's
 * result or its very error; and what decodes must encode and decode again
 * to the same thing. Any other decoder only has to survive the input.
 */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "protocol-test-util.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  cairn_fuzz_init ();
  return 0;
}

/* The text of node, parsed back. */
static JsonNode *
reparse (JsonNode *node)
{
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  g_autofree char *text = cairn_protocol_to_string (node, &len);
  JsonNode *back = cairn_protocol_parse (text, len, G_MAXSIZE, &error);

  g_assert_no_error (error);
  return back;
}

static void
check_push (const char *data,
            gsize       len,
            JsonNode   *root,
            gboolean    compare)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) general = NULL;
  g_autoptr(GPtrArray) fast = cairn_protocol_decode_push_fast (data, len);
  g_autoptr(GPtrArray) ws = NULL;
  g_autofree char *id = NULL;

  if (root != NULL)
    general = cairn_protocol_decode_push_request (root, FALSE, NULL, &error);
  if (fast != NULL)
    {
      if (general == NULL)
        g_error ("the fast push path took a body the general path refuses: %s",
                 error ? error->message : "not JSON");
      if (compare)
        protocol_test_assert_same_events (fast, general);
    }
  if (general != NULL && compare)
    {
      g_autoptr(JsonNode) node = cairn_protocol_encode_push_request (general, NULL);
      g_autoptr(JsonNode) back = reparse (node);
      g_autoptr(GPtrArray) again = cairn_protocol_decode_push_request (back, FALSE, NULL, &error);

      g_assert_no_error (error);
      protocol_test_assert_same_events (again, general);
    }
  g_clear_error (&error);
  if (root != NULL && (ws = cairn_protocol_decode_push_request (root, TRUE, &id, &error)) != NULL)
    g_assert_nonnull (id);
}

/* The verdicts of the three paths on one input: where the general one
 * refused, the fast one must have declined and the text one refused with
 * the very same error; else the text one must have taken it too. Returns
 * whether there are results to compare. */
static gboolean
check_verdicts (gboolean      general_took,
                gboolean      fast_took,
                gboolean      text_took,
                const GError *error,
                const GError *general_error,
                const char   *what)
{
  if (!general_took)
    {
      if (fast_took)
        g_error ("the fast %s the general path refuses: %s", what, general_error->message);
      g_assert_false (text_took);
      protocol_test_assert_same_error (error, general_error);
      return FALSE;
    }
  g_assert_no_error (error);
  g_assert_true (text_took);
  return TRUE;
}

static void
check_pull (const char *data,
            gsize       len,
            JsonNode   *root,
            GError     *parse_error,
            gboolean    compare)
{
  g_autoptr(GError) general_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPullReply) general = NULL;
  g_autoptr(CairnPullReply) fast = cairn_protocol_decode_pull_reply_fast (data, len);
  g_autoptr(CairnPullReply) text = cairn_protocol_decode_pull_reply_text (data, len,
                                                                          CAIRN_PROTOCOL_MAX_BODY_BYTES,
                                                                          &error);

  if (root != NULL)
    general = cairn_protocol_decode_pull_reply (root, &general_error);
  else
    general_error = g_error_copy (parse_error);

  if (!check_verdicts (general != NULL, fast != NULL, text != NULL, error, general_error,
                       "pull path took an answer") ||
      !compare)
    return;
  protocol_test_assert_same_pulled (text->events, general->events);
  g_assert_cmpint (text->head, ==, general->head);
  g_assert_cmpstr (text->history_id, ==, general->history_id);
  g_assert_cmpint (text->more, ==, general->more);
  if (fast != NULL)
    {
      protocol_test_assert_same_pulled (fast->events, general->events);
      g_assert_cmpint (fast->head, ==, general->head);
      g_assert_cmpstr (fast->history_id, ==, general->history_id);
      g_assert_cmpint (fast->more, ==, general->more);
    }

  /* What the server writes as text, the client reads back the same. */
  {
    gsize out_len = 0;
    g_autofree char *out = cairn_protocol_pull_reply_to_text (general, &out_len);
    g_autoptr(CairnPullReply) back = cairn_protocol_decode_pull_reply_text (out, out_len, G_MAXSIZE, &error);

    g_assert_no_error (error);
    protocol_test_assert_same_pulled (back->events, general->events);
    g_assert_cmpint (back->head, ==, general->head);
    g_assert_cmpint (back->more, ==, general->more);
  }
}

static void
check_live (const char *data,
            gsize       len,
            JsonNode   *root,
            GError     *parse_error,
            gboolean    compare)
{
  g_autoptr(GError) general_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnLiveMessage) general = NULL;
  g_autoptr(CairnLiveMessage) fast = cairn_protocol_decode_live_events_fast (data, len);
  g_autoptr(CairnLiveMessage) text = cairn_protocol_decode_live_message_text (data, len,
                                                                              CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES,
                                                                              &error);

  if (root != NULL)
    general = cairn_protocol_decode_live_message (root, &general_error);
  else
    general_error = g_error_copy (parse_error);

  if (!check_verdicts (general != NULL, fast != NULL, text != NULL, error, general_error,
                       "live path took a message"))
    return;
  g_assert_cmpint (text->type, ==, general->type);
  if (fast != NULL)
    {
      g_assert_cmpint (general->type, ==, CAIRN_LIVE_EVENTS);
      g_assert_cmpint (fast->type, ==, CAIRN_LIVE_EVENTS);
      g_assert_cmpint (fast->head, ==, general->head);
      if (compare)
        protocol_test_assert_same_pulled (fast->events, general->events);
    }
  if (general->type == CAIRN_LIVE_EVENTS && compare)
    {
      g_autofree char *out = cairn_protocol_live_events_to_text (general->events, general->head, NULL);
      g_autoptr(CairnLiveMessage) back = cairn_protocol_decode_live_message_text (out, strlen (out), G_MAXSIZE, &error);

      g_assert_no_error (error);
      g_assert_cmpint (back->type, ==, CAIRN_LIVE_EVENTS);
      protocol_test_assert_same_pulled (back->events, general->events);
    }
}

/* Decodes and frees: the decoder only has to survive. */
#define DROP(expr, free_func) G_STMT_START { \
    gpointer dropped_ = (expr);               \
    if (dropped_ != NULL)                     \
      free_func (dropped_);                   \
  } G_STMT_END

/* The decoders without a fast twin: they must survive anything, and what
 * they accept must encode and decode to the same. */
static void
check_others (JsonNode *root)
{
  g_autoptr(GError) error = NULL;

  DROP (cairn_protocol_decode_event (root, FALSE, NULL), cairn_wire_event_free);
  DROP (cairn_protocol_decode_event (root, TRUE, NULL), cairn_wire_event_free);
  DROP (cairn_protocol_decode_session_reply (root, NULL), cairn_session_reply_free);
  DROP (cairn_protocol_decode_sessions (root, NULL), g_ptr_array_unref);
  DROP (cairn_protocol_decode_workspace (root, NULL), cairn_workspace_info_free);
  DROP (cairn_protocol_decode_workspace_request (root, NULL), g_free);
  DROP (cairn_protocol_decode_members (root, NULL), g_ptr_array_unref);
  DROP (cairn_protocol_decode_member_request (root, NULL), g_free);
  DROP (cairn_protocol_decode_push_reply (root, TRUE, NULL), cairn_push_reply_free);
  /* State reports and verdicts: what decodes encodes and decodes to the same. */
  {
    g_autoptr(CairnStateReport) rep = cairn_protocol_decode_state_report (root, NULL);
    g_autoptr(CairnStateVerdict) verdict = cairn_protocol_decode_state_verdict (root, NULL);

    if (rep != NULL)
      {
        g_autoptr(JsonNode) node = cairn_protocol_encode_state_report (rep);
        g_autoptr(JsonNode) back = reparse (node);
        g_autoptr(CairnStateReport) again = cairn_protocol_decode_state_report (back, &error);

        g_assert_no_error (error);
        g_assert_cmpint (again->seq, ==, rep->seq);
        g_assert_cmpstr (again->chain, ==, rep->chain);
        g_assert_cmpstr (again->format, ==, rep->format);
        g_assert_cmpstr (again->hash, ==, rep->hash);
      }
    if (verdict != NULL)
      {
        g_autoptr(JsonNode) node = cairn_protocol_encode_state_verdict (verdict);
        g_autoptr(JsonNode) back = reparse (node);
        g_autoptr(CairnStateVerdict) again = cairn_protocol_decode_state_verdict (back, &error);

        g_assert_no_error (error);
        g_assert_cmpint (again->seq, ==, verdict->seq);
        g_assert_cmpint (again->verdict, ==, verdict->verdict);
        g_assert_cmpint (again->devices, ==, verdict->devices);
        g_assert_cmpstr (again->hash, ==, verdict->hash);
      }
  }
  {
    g_autoptr(CairnErrorReply) reply = cairn_protocol_decode_error (root, NULL);

    if (reply != NULL)
      {
        g_autoptr(GError) as_error = cairn_error_reply_to_gerror (reply);

        g_assert_nonnull (as_error);
      }
  }
  {
    g_autoptr(CairnSessionRequest) req = cairn_protocol_decode_session_request (root, NULL);

    if (req != NULL)
      {
        g_autoptr(JsonNode) node = cairn_protocol_encode_session_request (req->username, req->password, req->device);
        g_autoptr(JsonNode) back = reparse (node);
        g_autoptr(CairnSessionRequest) again = cairn_protocol_decode_session_request (back, &error);

        g_assert_no_error (error);
        g_assert_cmpstr (again->username, ==, req->username);
        g_assert_cmpstr (again->password, ==, req->password);
        g_assert_cmpstr (again->device, ==, req->device);
      }
  }
  {
    g_autoptr(GPtrArray) list = cairn_protocol_decode_workspaces (root, NULL);
    g_autoptr(CairnPushReply) push = cairn_protocol_decode_push_reply (root, FALSE, NULL);

    if (push != NULL)
      {
        gsize len = 0;
        g_autofree char *text = cairn_protocol_push_reply_to_text (push, &len);
        g_autoptr(JsonNode) node = cairn_protocol_encode_push_reply (push);
        g_autoptr(JsonNode) back = cairn_protocol_parse (text, len, G_MAXSIZE, &error);

        g_assert_no_error (error);
        g_assert_true (json_node_equal (back, node));
      }
    if (list != NULL)
      {
        g_autoptr(JsonNode) node = cairn_protocol_encode_workspaces (list);
        g_autoptr(JsonNode) back = reparse (node);
        g_autoptr(GPtrArray) again = cairn_protocol_decode_workspaces (back, &error);

        g_assert_no_error (error);
        g_assert_cmpuint (again->len, ==, list->len);
      }
  }
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const char *text = (const char *) data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  /* The checks hand re-written args to json-glib themselves. */
  gboolean compare = !cairn_fuzz_too_deep (text, size);

  root = cairn_protocol_parse (text, size, CAIRN_PROTOCOL_MAX_BODY_BYTES, &error);
  g_assert_true ((root == NULL) != (error == NULL));
  if (root != NULL)
    g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  check_push (text, size, root, compare);
  check_pull (text, size, root, error, compare);
  check_live (text, size, root, error, compare);
  if (root != NULL)
    check_others (root);
  return 0;
}

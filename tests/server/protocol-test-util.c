/* SPDX-License-Identifier: GPL-3.0-or-later */
/* protocol-test-util.c: comparisons of decoded protocol values. */
#include "config.h"

#include "protocol-test-util.h"

/* args compared as text, or (args_as_json) as the JSON they parse to. */
static void
assert_same_event (const CairnWireEvent *x,
                   const CairnWireEvent *y,
                   gboolean              args_as_json)
{
  g_assert_cmpstr (x->name, ==, y->name);
  g_assert_cmpint (x->version, ==, y->version);
  if (args_as_json)
    {
      g_autoptr(JsonNode) xa = json_from_string (x->args_json, NULL);
      g_autoptr(JsonNode) ya = json_from_string (y->args_json, NULL);

      g_assert_nonnull (xa);
      g_assert_nonnull (ya);
      g_assert_true (json_node_equal (xa, ya));
    }
  else
    g_assert_cmpstr (x->args_json, ==, y->args_json);
  g_assert_cmpstr (x->client_id, ==, y->client_id);
  g_assert_cmpint (x->client_seq, ==, y->client_seq);
  g_assert_cmpint (x->created_at, ==, y->created_at);
  g_assert_cmpint (x->seq, ==, y->seq);
  g_assert_cmpstr (x->device, ==, y->device);
  g_assert_cmpstr (x->chain, ==, y->chain);
  g_assert_cmpstr (x->user, ==, y->user);
}

static void
assert_same_list (GPtrArray *a,
                  GPtrArray *b,
                  gboolean   args_as_json)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    assert_same_event (g_ptr_array_index (a, i), g_ptr_array_index (b, i), args_as_json);
}

void
protocol_test_assert_same_events (GPtrArray *a,
                                  GPtrArray *b)
{
  assert_same_list (a, b, FALSE);
}

void
protocol_test_assert_same_pulled (GPtrArray *a,
                                  GPtrArray *b)
{
  assert_same_list (a, b, TRUE);
}

void
protocol_test_assert_same_error (const GError *a,
                                 const GError *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_true (a->domain == b->domain);
  g_assert_cmpint (a->code, ==, b->code);
  g_assert_cmpstr (a->message, ==, b->message);
}

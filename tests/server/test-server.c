/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-server.c: the real cairn-server process over HTTP and WebSocket. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cairn-test-server.h"
#include "pg-test-util.h"

#define ALICE_PW CAIRN_TEST_ALICE_PW
#define CLIENT_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define CLIENT_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define TIMEOUT  5000

typedef CairnTestUsers Fixture;

static void
setup_env (Fixture            *f,
           const char * const *env)
{
  cairn_test_users_start (f, env, "alice-laptop", "bob-phone");
}

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  setup_env (f, NULL);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  cairn_test_users_clear (f);
}

static JsonNode *
call (Fixture    *f,
      const char *method,
      const char *path,
      const char *token,
      const char *body,
      guint       expect_status)
{
  guint status = 0;
  JsonNode *node = cairn_test_http (f->srv, NULL, method, path, token, body, -1, &status);

  if (status != expect_status)
    {
      g_autofree char *text = node ? json_to_string (node, FALSE) : g_strdup ("(empty)");
      g_test_message ("%s %s answered %u: %s", method, path, status, text);
    }
  g_assert_cmpuint (status, ==, expect_status);
  return node;
}

static CairnPushReply *
push (Fixture    *f,
      const char *token,
      const char *ws,
      const char *client,
      gint64      from,
      gint64      to)
{
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", ws);
  g_autofree char *body = cairn_test_push_body (client, from, to);
  g_autoptr(JsonNode) answer = call (f, "POST", path, token, body, 200);
  g_autoptr(GError) error = NULL;
  CairnPushReply *reply = cairn_protocol_decode_push_reply (answer, FALSE, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (reply->results->len, ==, to - from + 1);
  return reply;
}

static CairnPullReply *
pull (Fixture    *f,
      const char *token,
      const char *ws,
      gint64      after,
      guint       limit)
{
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events?after=%" G_GINT64_FORMAT "&limit=%u",
                                           ws, after, limit);
  g_autoptr(JsonNode) answer = call (f, "GET", path, token, NULL, 200);
  g_autoptr(GError) error = NULL;
  CairnPullReply *reply = cairn_protocol_decode_pull_reply (answer, &error);

  g_assert_no_error (error);
  return reply;
}

/* Every event of the workspace as one string, to compare states. */
static char *
dump_log (Fixture    *f,
          const char *token,
          const char *ws)
{
  g_autoptr(CairnPullReply) r = pull (f, token, ws, 0, 1000);
  g_autoptr(JsonNode) node = NULL;

  g_assert_false (r->more);
  node = cairn_protocol_encode_pull_reply (r);
  return cairn_protocol_to_string (node, NULL);
}

static void
expect_error (JsonNode   *answer,
              const char *code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnErrorReply) reply = NULL;

  g_assert_nonnull (answer);
  reply = cairn_protocol_decode_error (answer, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply->code, ==, code);
  g_assert_cmpstr (reply->message, !=, "");
}

/* ---- happy path ---------------------------------------------------------- */

static void
test_health (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(JsonNode) answer = call (f, "GET", "/v1/health", NULL, NULL, 200);
  JsonObject *obj = json_node_get_object (answer);

  g_assert_cmpstr (json_object_get_string_member (obj, "status"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (obj, "version"), ==, PACKAGE_VERSION);
}

static void
test_push_pull (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(CairnPushReply) r1 = push (f, f->alice, f->alice_ws, CLIENT_A, 1, 3);
  g_autoptr(CairnPushReply) r2 = push (f, f->alice, f->alice_ws, CLIENT_A, 4, 5);
  g_autoptr(CairnPullReply) page1 = pull (f, f->alice, f->alice_ws, 0, 2);
  g_autoptr(CairnPullReply) rest = pull (f, f->alice, f->alice_ws, 2, 100);
  CairnWireEvent *e;

  g_assert_cmpint (r1->head, ==, 3);
  g_assert_cmpint (r2->head, ==, 5);
  g_assert_cmpstr (r1->history_id, ==, r2->history_id);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (r1->results, i))->seq, ==, i + 1);

  g_assert_cmpuint (page1->events->len, ==, 2);
  g_assert_true (page1->more);
  g_assert_cmpuint (rest->events->len, ==, 3);
  g_assert_false (rest->more);
  e = g_ptr_array_index (rest->events, 2);
  g_assert_cmpint (e->seq, ==, 5);
  g_assert_cmpint (e->client_seq, ==, 5);
  g_assert_cmpstr (e->device, ==, "alice-laptop");
  g_assert_cmpstr (e->user, ==, "alice");   /* issue 15: the pushing user, on pull */
  g_assert_cmpstr (e->name, ==, "todo.created");
  g_assert_cmpstr (e->args_json, ==, "{\"todo_id\":\"t5\",\"title\":\"Item 5\"}");
  g_assert_cmpstr (rest->history_id, ==, r1->history_id);
}

static void
test_sessions (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *phone = cairn_test_login (f->srv, "alice", ALICE_PW, "alice-phone");
  g_autoptr(JsonNode) list = call (f, "GET", "/v1/sessions", f->alice, NULL, 200);
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  const char *phone_id = NULL;

  sessions = cairn_protocol_decode_sessions (list, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 2);
  for (guint i = 0; i < sessions->len; i++)
    {
      CairnSessionInfo *s = g_ptr_array_index (sessions, i);

      if (g_str_equal (s->device, "alice-phone"))
        {
          g_assert_false (s->current);
          phone_id = s->id;
        }
      else
        g_assert_true (s->current);
    }
  g_assert_nonnull (phone_id);

  /* The laptop logs the phone out; the phone's token stops working. */
  path = g_strdup_printf ("/v1/sessions/%s", phone_id);
  g_clear_pointer (&list, json_node_unref);
  list = call (f, "DELETE", path, f->alice, NULL, 204);
  g_clear_pointer (&list, json_node_unref);
  list = call (f, "GET", "/v1/workspaces", phone, NULL, 401);
  expect_error (list, "unauthorized");

  /* Logging out revokes the laptop's own token. */
  g_clear_pointer (&list, json_node_unref);
  list = call (f, "DELETE", "/v1/session", f->alice, NULL, 204);
  g_clear_pointer (&list, json_node_unref);
  list = call (f, "GET", "/v1/workspaces", f->alice, NULL, 401);
}

static void
test_live_two_connections (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(CairnPushReply) before = push (f, f->alice, f->alice_ws, CLIENT_A, 1, 2);
  g_autofree char *phone = cairn_test_login (f->srv, "alice", ALICE_PW, "alice-phone");
  CairnTestListener *l1, *l2;
  CairnLiveMessage *m;
  guint status;

  /* The laptop has seen seq 1, the phone nothing. */
  l1 = cairn_test_listener_new (cairn_test_live_connect (f->srv, f->alice, f->alice_ws, 1, &status));
  l2 = cairn_test_listener_new (cairn_test_live_connect (f->srv, phone, f->alice_ws, 0, &status));

  m = cairn_test_listener_next (l1, TIMEOUT);
  g_assert_nonnull (m);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_HELLO);
  g_assert_cmpint (m->head, ==, 2);
  g_assert_cmpstr (m->history_id, ==, before->history_id);
  cairn_live_message_free (m);
  m = cairn_test_listener_next (l1, TIMEOUT);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_EVENTS);
  g_assert_cmpuint (m->events->len, ==, 1);
  g_assert_cmpint (((CairnWireEvent *) g_ptr_array_index (m->events, 0))->seq, ==, 2);
  cairn_live_message_free (m);

  m = cairn_test_listener_next (l2, TIMEOUT);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_HELLO);
  cairn_live_message_free (m);
  m = cairn_test_listener_next (l2, TIMEOUT);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_EVENTS);
  g_assert_cmpuint (m->events->len, ==, 2);
  cairn_live_message_free (m);

  /* A new HTTP push reaches both. */
  {
    g_autoptr(CairnPushReply) r = push (f, f->alice, f->alice_ws, CLIENT_A, 3, 4);
  }
  for (guint i = 0; i < 2; i++)
    {
      m = cairn_test_listener_next (i == 0 ? l1 : l2, TIMEOUT);
      g_assert_nonnull (m);
      g_assert_cmpint (m->type, ==, CAIRN_LIVE_EVENTS);
      g_assert_cmpuint (m->events->len, ==, 2);
      g_assert_cmpint (m->head, ==, 4);
      g_assert_cmpint (((CairnWireEvent *) g_ptr_array_index (m->events, 0))->seq, ==, 3);
      cairn_live_message_free (m);
    }

  /* A push over the phone's WebSocket: the laptop gets the events, the
   * phone gets the events and then its ack. */
  {
    g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *text = NULL;

    g_ptr_array_add (events, cairn_wire_event_new ("todo.created", 1, "{\"x\":1}", CLIENT_B, 1, 0));
    node = cairn_protocol_encode_push_request (events, "p-1");
    text = cairn_protocol_to_string (node, NULL);
    soup_websocket_connection_send_text (l2->conn, text);
  }
  m = cairn_test_listener_next (l1, TIMEOUT);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_EVENTS);
  g_assert_cmpint (((CairnWireEvent *) g_ptr_array_index (m->events, 0))->seq, ==, 5);
  g_assert_cmpstr (((CairnWireEvent *) g_ptr_array_index (m->events, 0))->device, ==, "alice-phone");
  cairn_live_message_free (m);
  m = cairn_test_listener_next (l2, TIMEOUT);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_EVENTS);
  cairn_live_message_free (m);
  m = cairn_test_listener_next (l2, TIMEOUT);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_ACK);
  g_assert_cmpstr (m->id, ==, "p-1");
  g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (m->ack->results, 0))->seq, ==, 5);
  cairn_live_message_free (m);

  cairn_test_listener_free (l1);
  cairn_test_listener_free (l2);
}

static void
test_sharing (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(JsonNode) created = call (f, "POST", "/v1/workspaces", f->alice, "{\"name\":\"Groceries\"}", 201);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnWorkspaceInfo) shared = cairn_protocol_decode_workspace (created, &error);
  g_autofree char *members_path = NULL;
  g_autofree char *events_path = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(CairnPushReply) r = NULL;
  CairnTestListener *alice_live;
  CairnLiveMessage *m;
  guint status;

  g_assert_no_error (error);
  g_assert_cmpstr (shared->owner, ==, "alice");
  g_assert_false (shared->personal);
  members_path = g_strdup_printf ("/v1/workspaces/%s/members", shared->id);
  events_path = g_strdup_printf ("/v1/workspaces/%s/events", shared->id);

  /* Before sharing, bob sees nothing of it. */
  answer = call (f, "GET", events_path, f->bob, NULL, 404);
  expect_error (answer, "not_found");
  g_clear_pointer (&answer, json_node_unref);

  answer = call (f, "POST", members_path, f->alice, "{\"username\":\"bob\"}", 200);
  list = cairn_protocol_decode_members (answer, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_clear_pointer (&answer, json_node_unref);
  g_clear_pointer (&list, g_ptr_array_unref);

  answer = call (f, "GET", "/v1/workspaces", f->bob, NULL, 200);
  list = cairn_protocol_decode_workspaces (answer, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((CairnWorkspaceInfo *) g_ptr_array_index (list, 0))->id, ==, f->bob_ws);
  g_assert_cmpstr (((CairnWorkspaceInfo *) g_ptr_array_index (list, 1))->id, ==, shared->id);
  g_clear_pointer (&answer, json_node_unref);

  /* Bob's push reaches alice live. */
  alice_live = cairn_test_listener_new (cairn_test_live_connect (f->srv, f->alice, shared->id, 0, &status));
  m = cairn_test_listener_next (alice_live, TIMEOUT);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_HELLO);
  g_assert_cmpint (m->head, ==, 0);
  cairn_live_message_free (m);
  r = push (f, f->bob, shared->id, CLIENT_B, 1, 1);
  m = cairn_test_listener_next (alice_live, TIMEOUT);
  g_assert_nonnull (m);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_EVENTS);
  g_assert_cmpstr (((CairnWireEvent *) g_ptr_array_index (m->events, 0))->device, ==, "bob-phone");
  /* issue 15: and over the live WebSocket, another user's events say who */
  g_assert_cmpstr (((CairnWireEvent *) g_ptr_array_index (m->events, 0))->user, ==, "bob");
  cairn_live_message_free (m);
  cairn_test_listener_free (alice_live);

  /* Bob may not manage members; alice removes him and he is out. */
  answer = call (f, "POST", members_path, f->bob, "{\"username\":\"alice\"}", 403);
  expect_error (answer, "forbidden");
  g_clear_pointer (&answer, json_node_unref);
  {
    g_autofree char *del = g_strdup_printf ("%s/bob", members_path);
    answer = call (f, "DELETE", del, f->alice, NULL, 204);
  }
  g_clear_pointer (&answer, json_node_unref);
  answer = call (f, "GET", events_path, f->bob, NULL, 404);
}

/* A push of n events of one client, each with about 60 KiB of args. */
static char *
big_push_body (const char *client,
               gint64      from,
               guint       n)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *filler = g_strnfill (60 * 1024, 'x');

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *args = g_strdup_printf ("{\"note_id\":\"n%u\",\"text\":\"%s\"}", i, filler);
      g_ptr_array_add (events, cairn_wire_event_new ("note.edited", 1, args, client, from + i, 0));
    }
  node = cairn_protocol_encode_push_request (events, NULL);
  return cairn_protocol_to_string (node, NULL);
}

static void
test_big_events_paged (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", f->alice_ws);
  CairnTestListener *early, *late;
  gint64 after = 0;
  guint pages = 0, received = 0;
  guint status;

  /* A listener that keeps libsoup's limit at the protocol's 1 MiB. */
  early = cairn_test_listener_new (cairn_test_live_connect (f->srv, f->alice, f->alice_ws, 0, &status));
  soup_websocket_connection_set_max_incoming_payload_size (early->conn, CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES);
  cairn_live_message_free (cairn_test_listener_next (early, TIMEOUT));

  for (guint b = 0; b < 3; b++)
    {
      g_autofree char *body = big_push_body (CLIENT_A, b * 15 + 1, 15);
      g_autoptr(JsonNode) answer = NULL;

      g_assert_cmpuint (strlen (body), <, CAIRN_PROTOCOL_MAX_BODY_BYTES);
      answer = call (f, "POST", path, f->alice, body, 200);
    }

  /* HTTP pages stay within 1 MiB even with limit=1000. */
  for (;;)
    {
      g_autofree char *p = g_strdup_printf ("%s?after=%" G_GINT64_FORMAT "&limit=1000", path, after);
      g_autoptr(JsonNode) answer = call (f, "GET", p, f->alice, NULL, 200);
      g_autofree char *text = json_to_string (answer, FALSE);
      g_autoptr(GError) error = NULL;
      g_autoptr(CairnPullReply) page = cairn_protocol_decode_pull_reply (answer, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (strlen (text), <=, CAIRN_PROTOCOL_MAX_PAGE_BYTES);
      g_assert_cmpuint (page->events->len, >, 0);
      pages++;
      after = ((CairnWireEvent *) g_ptr_array_index (page->events, page->events->len - 1))->seq;
      if (!page->more)
        break;
    }
  g_assert_cmpint (after, ==, 45);
  g_assert_cmpuint (pages, >=, 3);

  /* The live listener got every event without hitting its limit, and so
   * does a late one catching up from 0. */
  late = cairn_test_listener_new (cairn_test_live_connect (f->srv, f->alice, f->alice_ws, 0, &status));
  soup_websocket_connection_set_max_incoming_payload_size (late->conn, CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES);
  for (guint k = 0; k < 2; k++)
    {
      CairnTestListener *l = k == 0 ? early : late;

      received = 0;
      while (received < 45)
        {
          CairnLiveMessage *m = cairn_test_listener_next (l, TIMEOUT);

          g_assert_nonnull (m);
          if (m->type == CAIRN_LIVE_EVENTS)
            {
              g_assert_cmpint (((CairnWireEvent *) g_ptr_array_index (m->events, 0))->seq, ==, received + 1);
              received += m->events->len;
            }
          cairn_live_message_free (m);
        }
      g_assert_cmpuint (received, ==, 45);
      g_assert_false (l->closed);
    }
  cairn_test_listener_free (early);
  cairn_test_listener_free (late);
}

/* ---- exactly once ----------------------------------------------------------- */

static void
test_exactly_once (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(CairnPushReply) first = push (f, f->alice, f->alice_ws, CLIENT_A, 1, 4);
  /* The same batch again (as after a lost answer): same seqs, nothing new. */
  g_autoptr(CairnPushReply) again = push (f, f->alice, f->alice_ws, CLIENT_A, 1, 4);
  /* Overlapping: 3, 4 known, 5, 6 new. */
  g_autoptr(CairnPushReply) overlap = push (f, f->alice, f->alice_ws, CLIENT_A, 3, 6);
  g_autoptr(CairnPullReply) all = NULL;

  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (again->results, i))->seq, ==,
                     ((CairnPushResult *) g_ptr_array_index (first->results, i))->seq);
  g_assert_cmpint (again->head, ==, 4);
  g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (overlap->results, 0))->seq, ==, 3);
  g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (overlap->results, 3))->seq, ==, 6);
  g_assert_cmpint (overlap->head, ==, 6);

  all = pull (f, f->alice, f->alice_ws, 0, 100);
  g_assert_cmpuint (all->events->len, ==, 6);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpint (((CairnWireEvent *) g_ptr_array_index (all->events, i))->client_seq, ==, i + 1);
}

#define N_CLIENTS 4
#define N_BATCHES 15
#define BATCH 3

typedef struct
{
  Fixture *f;
  char     client[33];
} PusherData;

static gpointer
pusher_thread (gpointer user_data)
{
  PusherData *d = user_data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/events", d->f->alice_ws);

  for (gint64 b = 0; b < N_BATCHES; b++)
    {
      g_autofree char *body = cairn_test_push_body (d->client, b * BATCH + 1, b * BATCH + BATCH);
      g_autoptr(JsonNode) answer = NULL;
      guint status;

      answer = cairn_test_http (d->f->srv, session, "POST", path, d->f->alice, body, -1, &status);
      g_assert_cmpuint (status, ==, 200);
      /* Every few batches, re-send the previous one as a flaky network would. */
      if (b > 0 && b % 4 == 0)
        {
          g_autofree char *again = cairn_test_push_body (d->client, (b - 1) * BATCH + 1, b * BATCH + BATCH);
          g_autoptr(JsonNode) answer2 = cairn_test_http (d->f->srv, session, "POST", path, d->f->alice,
                                                          again, -1, &status);
          g_assert_cmpuint (status, ==, 200);
        }
    }
  return NULL;
}

/* N_CLIENTS threads push N_BATCHES each, all at once (so that the server
 * commits several of them together); returns once all are acknowledged. */
static void
push_concurrently (Fixture *f)
{
  PusherData d[N_CLIENTS];
  GThread *threads[N_CLIENTS];

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      d[i].f = f;
      for (guint k = 0; k < 32; k++)
        d[i].client[k] = "0123456789abcdef"[(i + 1) % 16];
      d[i].client[32] = '\0';
      threads[i] = g_thread_new ("pusher", pusher_thread, &d[i]);
    }
  for (guint i = 0; i < N_CLIENTS; i++)
    g_thread_join (threads[i]);
}

/* The whole log: every pushed event exactly once, seqs gap-free, each
 * client's events in client order. */
static void
assert_concurrent_log (Fixture *f)
{
  g_autoptr(GHashTable) last = g_hash_table_new (g_str_hash, g_str_equal);
  gint64 after = 0, n = 0;

  /* Gap-free seqs, every event exactly once, each client in its order. */
  for (;;)
    {
      g_autoptr(CairnPullReply) page = pull (f, f->alice, f->alice_ws, after, 37);

      for (guint i = 0; i < page->events->len; i++)
        {
          CairnWireEvent *e = g_ptr_array_index (page->events, i);
          gint64 prev = GPOINTER_TO_SIZE (g_hash_table_lookup (last, e->client_id));

          g_assert_cmpint (e->seq, ==, ++after);
          g_assert_cmpint (e->client_seq, ==, prev + 1);
          g_hash_table_insert (last, (char *) g_intern_string (e->client_id), GSIZE_TO_POINTER (e->client_seq));
          n++;
        }
      if (!page->more)
        {
          g_assert_cmpint (page->head, ==, after);
          break;
        }
    }
  g_assert_cmpint (n, ==, N_CLIENTS * N_BATCHES * BATCH);
}

static void
test_concurrent_pushes (Fixture       *f,
                        gconstpointer  data)
{
  push_concurrently (f);
  assert_concurrent_log (f);
}

/* Pushes committed together (group commit) are each acknowledged only
 * after their commit: kill -9 right after the last answer loses none. */
static void
test_kill_after_concurrent_acks (Fixture       *f,
                                 gconstpointer  data)
{
  push_concurrently (f);
  g_assert_cmpint (cairn_test_server_stop (f->srv, TRUE), !=, 0);
  cairn_test_server_start (f->srv, NULL);
  assert_concurrent_log (f);
}

/* ---- durability ---------------------------------------------------------------- */

static void
test_kill_after_ack (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(CairnPullReply) all = NULL;
  int status;

  for (gint64 i = 0; i < 10; i++)
    {
      g_autoptr(CairnPushReply) r = push (f, f->alice, f->alice_ws, CLIENT_A, i * 5 + 1, i * 5 + 5);
      g_assert_cmpint (r->head, ==, i * 5 + 5);
    }
  before = dump_log (f, f->alice, f->alice_ws);
  {
    /* The last acknowledged push, then kill -9 at once. */
    g_autoptr(CairnPushReply) r = push (f, f->alice, f->alice_ws, CLIENT_B, 1, 1);
    status = cairn_test_server_stop (f->srv, TRUE);
  }
  g_assert_cmpint (status, !=, 0);
  cairn_test_server_start (f->srv, NULL);

  all = pull (f, f->alice, f->alice_ws, 0, 1000);
  g_assert_cmpuint (all->events->len, ==, 51);
  g_assert_cmpint (all->head, ==, 51);
  g_assert_cmpstr (((CairnWireEvent *) g_ptr_array_index (all->events, 50))->client_id, ==, CLIENT_B);
  /* …and the exactly-once state survived too. */
  {
    g_autoptr(CairnPushReply) r = push (f, f->alice, f->alice_ws, CLIENT_B, 1, 2);
    g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (r->results, 0))->seq, ==, 51);
    g_assert_cmpint (r->head, ==, 52);
  }
}

static void
test_sigterm (Fixture       *f,
              gconstpointer  data)
{
  CairnTestListener *l;
  CairnLiveMessage *m;
  guint status;

  l = cairn_test_listener_new (cairn_test_live_connect (f->srv, f->alice, f->alice_ws, 0, &status));
  m = cairn_test_listener_next (l, TIMEOUT);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_HELLO);
  cairn_live_message_free (m);
  g_subprocess_send_signal (f->srv->proc, SIGTERM);
  g_assert_true (cairn_test_listener_wait_closed (l, TIMEOUT));
  g_assert_cmpint (l->close_code, ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
  g_assert_cmpint (cairn_test_server_wait (f->srv), ==, 0);
  cairn_test_listener_free (l);
}

/* ---- admin command line ------------------------------------------------------ */

/* Runs `cairn-server user …` and returns its stdout; asserts the exit code. */
static char *
run_user_cmd (Fixture    *f,
              const char *input,
              int         expect_exit,
              const char *sub,
              const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) p = NULL;
  char *out = NULL;

  g_subprocess_launcher_setenv (l, "CAIRN_SERVER_ARGON2_FAST", "1", TRUE);
  if (name != NULL)
    p = g_subprocess_launcher_spawn (l, &error, f->srv->binary, "user", sub, name, f->srv->store_option, f->srv->store, NULL);
  else
    p = g_subprocess_launcher_spawn (l, &error, f->srv->binary, "user", sub, f->srv->store_option, f->srv->store, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, input, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (p));
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, expect_exit);
  return out;
}

/* Runs `cairn-server CMD SUB [A] [B] --data DIR` with no input. */
static char *
run_user_cmd_argv (Fixture    *f,
                   int         expect_exit,
                   const char *cmd,
                   const char *sub,
                   const char *a,
                   const char *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) p = NULL;
  char *out = NULL;

  g_ptr_array_add (argv, f->srv->binary);
  g_ptr_array_add (argv, (char *) cmd);
  g_ptr_array_add (argv, (char *) sub);
  if (a != NULL)
    g_ptr_array_add (argv, (char *) a);
  if (b != NULL)
    g_ptr_array_add (argv, (char *) b);
  g_ptr_array_add (argv, (char *) f->srv->store_option);
  g_ptr_array_add (argv, f->srv->store);
  g_ptr_array_add (argv, NULL);
  p = g_subprocess_launcher_spawnv (l, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (p));
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, expect_exit);
  return out;
}

static void
test_admin_cli (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *added = run_user_cmd (f, "\n", 0, "add", "carol");
  g_autofree char *list = NULL;
  g_autofree char *token = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *dup = NULL;
  g_autofree char *removed = NULL;
  g_autofree char *gone = NULL;
  g_autoptr(JsonNode) answer = NULL;
  const char *pw;
  char password[64];
  guint status;

  /* An empty line: the server generates and prints a password (the running
   * server sees the new user at once). */
  pw = strstr (added, "Password: ");
  g_assert_nonnull (pw);
  g_assert_true (sscanf (pw, "Password: %63s", password) == 1);
  g_assert_cmpuint (strlen (password), ==, 20);
  token = cairn_test_login (f->srv, "carol", password, "carol-laptop");

  list = run_user_cmd (f, "", 0, "list", NULL);
  g_assert_cmpstr (list, ==, "alice\nbob\ncarol\n");
  dup = run_user_cmd (f, "another-password\n", 1, "add", "carol");
  g_free (run_user_cmd (f, "short\n", 1, "passwd", "carol"));

  /* A new password logs carol's devices out. */
  changed = run_user_cmd (f, "carols-new-password\n", 0, "passwd", "carol");
  answer = call (f, "GET", "/v1/workspaces", token, NULL, 401);
  g_clear_pointer (&answer, json_node_unref);
  g_free (token);
  token = cairn_test_login (f->srv, "carol", "carols-new-password", "carol-laptop");

  removed = run_user_cmd (f, "", 0, "remove", "carol");
  answer = call (f, "GET", "/v1/workspaces", token, NULL, 401);
  g_clear_pointer (&answer, json_node_unref);
  answer = cairn_test_http (f->srv, NULL, "POST", "/v1/session", NULL,
                            "{\"username\":\"carol\",\"password\":\"carols-new-password\",\"device\":\"x\"}",
                            -1, &status);
  g_assert_cmpuint (status, ==, 401);
  gone = run_user_cmd (f, "", 1, "remove", "carol");
}

static void
test_admin_member_cli (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) created = call (f, "POST", "/v1/workspaces", f->alice, "{\"name\":\"Trip\"}", 201);
  g_autoptr(CairnWorkspaceInfo) ws = cairn_protocol_decode_workspace (created, &error);
  g_autoptr(CairnPushReply) r = NULL;
  g_autofree char *list = NULL;
  g_autofree char *members = NULL;
  CairnTestListener *bob_live;
  CairnLiveMessage *m;
  guint status;

  g_assert_no_error (error);
  list = run_user_cmd_argv (f, 0, "workspace", "list", NULL, NULL);
  g_assert_nonnull (strstr (list, ws->id));
  g_free (run_user_cmd_argv (f, 0, "member", "add", ws->id, "bob"));
  g_free (run_user_cmd_argv (f, 1, "member", "add", ws->id, "bob"));
  members = run_user_cmd_argv (f, 0, "member", "list", ws->id, NULL);
  g_assert_cmpstr (members, ==, "alice\towner\nbob\tmember\n");

  bob_live = cairn_test_listener_new (cairn_test_live_connect (f->srv, f->bob, ws->id, 0, &status));
  m = cairn_test_listener_next (bob_live, TIMEOUT);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_HELLO);
  cairn_live_message_free (m);

  /* Removed by the admin in another process: the next event does not
   * reach bob, his socket is closed with 1008. */
  g_free (run_user_cmd_argv (f, 0, "member", "remove", ws->id, "bob"));
  r = push (f, f->alice, ws->id, CLIENT_A, 1, 1);
  g_assert_true (cairn_test_listener_wait_closed (bob_live, TIMEOUT));
  g_assert_cmpint (bob_live->close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  g_assert_true (g_queue_is_empty (&bob_live->messages));
  cairn_test_listener_free (bob_live);
}

static void
test_one_server_per_folder (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) second = NULL;
  g_autofree char *err = NULL;

  second = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                             f->srv->binary, "serve", f->srv->store_option, f->srv->store,
                             "--listen", "127.0.0.1:0", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (second, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (second));
  g_assert_cmpint (g_subprocess_get_exit_status (second), ==, 1);
  g_assert_nonnull (strstr (err, "already serving"));
  /* The first one is unharmed. */
  g_clear_pointer (&err, g_free);
  {
    g_autoptr(JsonNode) answer = call (f, "GET", "/v1/health", NULL, NULL, 200);
  }
}

/* ---- TLS ------------------------------------------------------------------ */

static void
test_tls (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *token = NULL;
  g_autofree char *ws = NULL;
  g_autoptr(JsonNode) answer = NULL;
  CairnTestServer *srv;
  CairnTestListener *l;
  CairnLiveMessage *m;
  guint http_status;

  srv = cairn_test_server_new ();
  if (!cairn_test_make_certificate (srv->dir, "server", &cert, &key))
    {
      g_test_skip ("openssl is not installed; cannot make a test certificate");
      cairn_test_server_free (srv);
      return;
    }
  cairn_test_server_add_user (srv, "alice", ALICE_PW);
  {
    const char * const args[] = { "--tls-cert", cert, "--tls-key", key, NULL };
    cairn_test_server_start_full (srv, NULL, args);
  }
  g_assert_true (g_str_has_prefix (srv->base, "https://127.0.0.1:"));
  /* The certificate is self-signed: skip verification in this session. */
  srv->accept_any_certificate = TRUE;

  token = cairn_test_login (srv, "alice", ALICE_PW, "laptop");
  ws = cairn_test_personal_ws (srv, token);
  l = cairn_test_listener_new (cairn_test_live_connect (srv, token, ws, 0, &http_status));
  m = cairn_test_listener_next (l, TIMEOUT);
  g_assert_nonnull (m);
  g_assert_cmpint (m->type, ==, CAIRN_LIVE_HELLO);
  cairn_live_message_free (m);
  cairn_test_listener_free (l);

  /* Plain HTTP to the TLS port gets nowhere. */
  {
    g_autofree char *plain = g_strdup_printf ("http://%s/v1/health", srv->base + strlen ("https://"));
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", plain);
    g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 5, NULL);
    g_autoptr(GBytes) bytes = soup_session_send_and_read (session, msg, NULL, &error);

    g_assert_nonnull (error);
  }
  cairn_test_server_free (srv);
}

/* ---- logging ------------------------------------------------------------------ */

static void
test_log_lines (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *log = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonNode) a = call (f, "GET", "/v1/health", NULL, NULL, 200);
  g_autoptr(JsonNode) b = call (f, "POST", "/v1/session", NULL,
                                "{\"username\":\"alice\",\"password\":\"not-her-password\",\"device\":\"d\"}", 401);
  guint requests = 0;

  cairn_test_server_stop (f->srv, FALSE);
  g_assert_true (g_file_get_contents (f->srv->log_path, &log, NULL, NULL));
  g_assert_null (strstr (log, ALICE_PW));
  g_assert_null (strstr (log, "not-her-password"));
  g_assert_null (strstr (log, f->alice));
  lines = g_strsplit (log, "\n", 0);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = NULL;
      JsonObject *obj;

      if (lines[i][0] != '{')
        continue;
      node = json_from_string (lines[i], NULL);
      g_assert_nonnull (node);
      obj = json_node_get_object (node);
      if (!g_str_equal (json_object_get_string_member (obj, "event"), "request"))
        continue;
      g_assert_true (json_object_has_member (obj, "method"));
      g_assert_true (json_object_has_member (obj, "path"));
      g_assert_true (json_object_has_member (obj, "status"));
      g_assert_true (json_object_has_member (obj, "duration_ms"));
      requests++;
    }
  /* Two logins and two workspace lists in setup, and the two calls here. */
  g_assert_cmpuint (requests, ==, 6);
}

/* POST /v1/workspaces/{ws}/state: two devices agree; a report with a
 * malformed or missing hash is refused (and only logged), never compared;
 * other methods, other people's workspaces. */
static void
test_state_report (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *path = g_strdup_printf ("/v1/workspaces/%s/state", f->alice_ws);
  g_autofree char *phone = cairn_test_login (f->srv, "alice", CAIRN_TEST_ALICE_PW, "alice-phone");
  g_autoptr(CairnPushReply) pushed = push (f, f->alice, f->alice_ws, "0123456789abcdef0123456789abcdef", 1, 3);
  const char *good = "{\"seq\":3,\"format\":\"0123abcd\",\"hash\":"
                     "\"abababababababababababababababababababababababababababababababab\"}";
  g_autoptr(JsonNode) first = call (f, "POST", path, f->alice, good, 200);
  g_autoptr(JsonNode) second = call (f, "POST", path, phone, good, 200);
  g_autoptr(CairnStateVerdict) v1 = cairn_protocol_decode_state_verdict (first, NULL);
  g_autoptr(CairnStateVerdict) v2 = cairn_protocol_decode_state_verdict (second, NULL);
  g_autoptr(JsonNode) answer = NULL;

  g_assert_cmpint (v1->verdict, ==, CAIRN_STATE_VERDICT_UNKNOWN);
  g_assert_cmpint (v2->verdict, ==, CAIRN_STATE_VERDICT_AGREES);
  g_assert_cmpint (v2->devices, ==, 2);

  answer = call (f, "POST", path, phone, "{\"seq\":3,\"format\":\"0123abcd\"}", 400);
  expect_error (answer, "invalid_request");
  g_clear_pointer (&answer, json_node_unref);
  answer = call (f, "POST", path, phone, "{\"seq\":3,\"format\":\"0123abcd\",\"hash\":\"zz\"}", 400);
  expect_error (answer, "invalid_request");
  g_clear_pointer (&answer, json_node_unref);
  answer = call (f, "GET", path, f->alice, NULL, 405);
  g_clear_pointer (&answer, json_node_unref);
  answer = call (f, "POST", path, f->bob, good, 404);
  expect_error (answer, "not_found");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, fn) g_test_add ("/server/http/" name, Fixture, NULL, setup, fn, teardown)
  ADD ("health", test_health);
  ADD ("push-pull", test_push_pull);
  ADD ("sessions", test_sessions);
  ADD ("live-two-connections", test_live_two_connections);
  ADD ("sharing", test_sharing);
  ADD ("big-events-paged", test_big_events_paged);
  ADD ("exactly-once", test_exactly_once);
  ADD ("concurrent-pushes", test_concurrent_pushes);
  ADD ("kill-after-ack", test_kill_after_ack);
  ADD ("kill-after-concurrent-acks", test_kill_after_concurrent_acks);
  ADD ("sigterm", test_sigterm);
  ADD ("log-lines", test_log_lines);
  ADD ("admin-cli", test_admin_cli);
  ADD ("admin-member-cli", test_admin_member_cli);
  /* A data folder has one server; a PostgreSQL database has any number
   * (test-instances). */
  if (!cairn_test_backend_is_postgresql ())
    ADD ("one-server-per-folder", test_one_server_per_folder);
  ADD ("state-report", test_state_report);
#undef ADD
  g_test_add_func ("/server/http/tls", test_tls);

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync-engine.c: the engine in-process against the real cairn-server:
 * the live stream brings another device's change without polling, local
 * changes go out over the WebSocket, and after the server goes away the
 * engine says so, reconnects by itself and sends what was written meanwhile.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "cairn-test-server.h"
#include "cairn-sync-engine.h"
#include "cairn-text.h"
#include "cairn-test-util.h"
#include "cairn-test-device.h"

#define PASSWORD CAIRN_TEST_DEVICE_PASSWORD

static gboolean
has_two_lists (gpointer data)
{
  CairnTestDevice *d = data;
  g_autofree char *dump = cairn_store_dump_state (d->store, NULL);
  return dump != NULL && strstr (dump, "From B") != NULL && strstr (dump, "From A") != NULL;
}

static gboolean
has_list_from_b (gpointer data)
{
  CairnTestDevice *d = data;
  g_autofree char *dump = cairn_store_dump_state (d->store, NULL);
  return dump != NULL && strstr (dump, "From B") != NULL;
}

static gboolean
has_list_named_over_http (gpointer data)
{
  CairnTestDevice *d = data;
  g_autofree char *dump = cairn_store_dump_state (d->store, NULL);
  return dump != NULL && strstr (dump, "Over HTTP") != NULL;
}

static gboolean
is_up_to_date (gpointer data)
{
  CairnTestDevice *d = data;
  return cairn_sync_status_get_state (cairn_sync_engine_get_status (d->engine))
         == CAIRN_SYNC_STATE_UP_TO_DATE;
}

static gboolean
is_offline (gpointer data)
{
  CairnTestDevice *d = data;
  return cairn_sync_status_get_state (cairn_sync_engine_get_status (d->engine))
         == CAIRN_SYNC_STATE_OFFLINE;
}

static gboolean
nothing_pending (gpointer data)
{
  CairnTestDevice *d = data;
  return cairn_store_get_pending_count (d->store) == 0 && is_up_to_date (d);
}

static void
test_live_stream_and_reconnect (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = g_dir_make_tmp ("cairn-engine-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;
  g_autofree char *dump_a = NULL, *dump_b = NULL;
  g_autofree char *listen = NULL;
  CairnTestDevice a = { 0 }, b = { 0 };
  CairnSyncStatus *status;

  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", PASSWORD);
  cairn_test_device_open (&a, dir, "a", server);
  cairn_test_device_open (&b, dir, "b", server);
  status = cairn_sync_engine_get_status (a.engine);
  g_assert_cmpstr (cairn_sync_status_get_server_url (status), ==, server->base);

  /* a streams; b writes and syncs once: a gets it without asking. */
  cairn_sync_engine_start (a.engine);
  g_assert_true (cairn_test_loop_until (is_up_to_date, &a, 10));
  list = cairn_store_create_list (b.store, "From B", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GAsyncResult) result = NULL;
    cairn_sync_engine_sync_async (b.engine, NULL, cairn_test_got_result, &result);
    g_assert_true (cairn_sync_engine_sync_finish (b.engine, cairn_test_wait_result (&result), &error));
    g_assert_no_error (error);
  }
  g_assert_true (cairn_test_loop_until (has_list_from_b, &a, 10));

  /* a's own change goes out over the WebSocket by itself. */
  g_free (cairn_store_create_list (a.store, "From A", &error));
  g_assert_no_error (error);
  g_assert_true (cairn_test_loop_until (nothing_pending, &a, 10));
  g_assert_cmpint (cairn_sync_status_get_last_sync (status), >, 0);

  /* The server goes away: a says offline and keeps working. */
  listen = g_strdup_printf ("127.0.0.1:%s", strrchr (server->base, ':') + 1);
  cairn_test_server_stop (server, TRUE);
  g_assert_true (cairn_test_loop_until (is_offline, &a, 10));
  g_free (cairn_store_create_list (a.store, "Written offline", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cairn_sync_status_get_pending_count (status), ==, 1);   /* the Inbox went out */

  /* It comes back on the same address: a reconnects and sends. */
  {
    const char *args[] = { "--listen", listen, NULL };
    cairn_test_server_start_full (server, NULL, args);
  }
  g_assert_true (cairn_test_loop_until (nothing_pending, &a, 30));

  {
    g_autoptr(GAsyncResult) result = NULL;
    cairn_sync_engine_sync_async (b.engine, NULL, cairn_test_got_result, &result);
    g_assert_true (cairn_sync_engine_sync_finish (b.engine, cairn_test_wait_result (&result), &error));
  }
  g_assert_true (has_two_lists (&b));
  dump_a = cairn_store_dump_state (a.store, &error);
  dump_b = cairn_store_dump_state (b.store, &error);
  g_assert_cmpstr (dump_a, ==, dump_b);
  g_assert_nonnull (strstr (dump_b, "Written offline"));

  cairn_sync_engine_stop (a.engine);
  g_assert_cmpint (cairn_sync_status_get_state (status), ==, CAIRN_SYNC_STATE_OFFLINE);
  cairn_test_device_close (&a);
  cairn_test_device_close (&b);
  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
}

static gboolean
pending_zero (gpointer data)
{
  CairnTestDevice *d = data;
  return cairn_store_get_pending_count (d->store) == 0;
}

/* A server (or proxy) that refuses the WebSocket but answers HTTP: the
 * engine keeps syncing over HTTP. */
static void
test_http_fallback (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = g_dir_make_tmp ("cairn-engine-XXXXXX", NULL);
  const char *args[] = { "--max-live-per-user", "1", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *dump_a = NULL, *dump_b = NULL;
  CairnTestDevice a = { 0 }, b = { 0 };

  cairn_test_server_start_full (server, NULL, args);
  cairn_test_server_add_user (server, "ann", PASSWORD);
  cairn_test_device_open (&a, dir, "a", server);
  cairn_test_device_open (&b, dir, "b", server);

  /* b holds the user's only live connection. */
  cairn_sync_engine_start (b.engine);
  g_assert_true (cairn_test_loop_until (is_up_to_date, &b, 10));

  g_free (cairn_store_create_list (a.store, "Over HTTP", &error));
  g_assert_no_error (error);
  cairn_sync_engine_start (a.engine);
  g_assert_true (cairn_test_loop_until (pending_zero, &a, 15));
  g_assert_true (cairn_test_loop_until (has_list_named_over_http, &b, 10));

  dump_a = cairn_store_dump_state (a.store, &error);
  dump_b = cairn_store_dump_state (b.store, &error);
  g_assert_cmpstr (dump_a, ==, dump_b);

  cairn_test_device_close (&a);
  cairn_test_device_close (&b);
  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
}


static void
device_sync (CairnTestDevice *d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  cairn_sync_engine_sync_async (d->engine, NULL, cairn_test_got_result, &result);
  g_assert_true (cairn_sync_engine_sync_finish (d->engine, cairn_test_wait_result (&result), &error));
  g_assert_no_error (error);
}

/* pair[1] has what pair[0] has and its own Inbox (a no-op) after it. */
static gboolean
has_head_of_a (gpointer data)
{
  CairnTestDevice **pair = data;
  return cairn_store_get_head (pair[1]->store) == cairn_store_get_head (pair[0]->store) + 1;
}

/* A new device catches up on a log of several pages, by a sync round
 * (pages rebased several at a time) and by the live stream (its backlog),
 * with titles and a device name that need escapes in JSON: every device
 * ends with the same state and log. */
static void
test_long_catch_up (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = g_dir_make_tmp ("cairn-engine-XXXXXX", NULL);
  static const char *const titles[] = {
    "Milk", "Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "say \"hi\" \\ back/slash", "<b>&amp;</b> 'q'",
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;
  g_autofree char *dump_a = NULL, *dump_b = NULL, *dump_c = NULL;
  g_autoptr(GPtrArray) log_b = NULL;
  g_autoptr(GPtrArray) log_c = NULL;
  CairnTestDevice a = { 0 }, b = { 0 }, c = { 0 }, q = { 0 };
  CairnTestDevice *pair[2] = { &b, &c };
  guint n = 3000;

  cairn_test_server_start (server, NULL);
  cairn_test_server_add_user (server, "ann", PASSWORD);
  cairn_test_device_open (&a, dir, "a", server);
  cairn_test_device_open (&q, dir, "q \"quoted\" \xc3\xa9", server);

  list = cairn_store_create_list (a.store, "Long", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *title = g_strdup_printf ("%s %u", titles[i % G_N_ELEMENTS (titles)], i);

      g_free (cairn_store_create_todo (a.store, list, title, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  device_sync (&a);
  /* A few events from a device whose name needs escapes, in the middle. */
  device_sync (&q);
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *title = g_strdup_printf ("From q %u", i);

      g_free (cairn_store_create_todo (q.store, list, title, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  device_sync (&q);
  for (guint i = 0; i < 1100; i++)
    {
      g_autofree char *title = g_strdup_printf ("Late %u", i);

      g_free (cairn_store_create_todo (a.store, list, title, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  device_sync (&a);
  /* + the Inbox of each of a and q (q's changes nothing) */
  g_assert_cmpint (cairn_store_get_head (a.store), ==, n + 1 + 3 + 1100 + 2);

  cairn_test_device_open (&b, dir, "b", server);
  device_sync (&b);
  /* + b's own Inbox, sent as it opened (a no-op) */
  g_assert_cmpint (cairn_store_get_head (b.store), ==, cairn_store_get_head (a.store) + 1);

  cairn_test_device_open (&c, dir, "c", server);
  cairn_sync_engine_start (c.engine);
  g_assert_true (cairn_test_loop_until (has_head_of_a, pair, 60));

  dump_a = cairn_store_dump_state (a.store, &error);
  dump_b = cairn_store_dump_state (b.store, &error);
  dump_c = cairn_store_dump_state (c.store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dump_b, ==, dump_a);
  g_assert_cmpstr (dump_c, ==, dump_a);
  g_assert_nonnull (strstr (dump_a, "back/slash"));

  log_b = cairn_store_list_log (b.store, 0, 0, &error);
  g_assert_no_error (error);
  log_c = cairn_store_list_log (c.store, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (log_b->len, ==, cairn_store_get_head (b.store));
  g_assert_cmpuint (log_c->len, ==, log_b->len + 1);
  for (guint i = 0; i < log_b->len; i++)
    {
      CairnEvent *x = log_b->pdata[i], *y = log_c->pdata[i];
      g_autofree char *xa = cairn_event_dup_args_json (x);
      g_autofree char *ya = cairn_event_dup_args_json (y);

      g_assert_cmpint (x->seq, ==, i + 1);
      g_assert_cmpint (y->seq, ==, i + 1);
      g_assert_cmpstr (x->client_id, ==, y->client_id);
      g_assert_cmpint (x->client_seq, ==, y->client_seq);
      g_assert_cmpstr (xa, ==, ya);
      g_assert_cmpstr (x->device, ==, y->device);
      /* a: its Inbox, the list, n todos; q: its Inbox, 3 todos; a: 1100
       * todos; b: its Inbox */
      g_assert_cmpstr (x->device, ==, i >= n + 2 && i < n + 6 ? "q \"quoted\" \xc3\xa9" :
                                      i == log_b->len - 1 ? "b" : "a");
    }

  cairn_sync_engine_stop (c.engine);
  cairn_test_device_close (&a);
  cairn_test_device_close (&b);
  cairn_test_device_close (&c);
  cairn_test_device_close (&q);
  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
}

static gboolean
refused_and_sent (gpointer data)
{
  CairnTestDevice *d = data;
  CairnSyncStatus *status = cairn_sync_engine_get_status (d->engine);

  return cairn_sync_status_get_state (status) == CAIRN_SYNC_STATE_REFUSED &&
         cairn_store_get_pending_count (d->store) == 0;
}

/* A change the server refuses for good (a server with a lower args limit,
 * for tests) over the live WebSocket: the engine sets it aside, sends what
 * came after it, and says so in its status (state "refused", message and
 * refused-count) instead of staying stuck or saying "offline". */
static void
test_refused_over_websocket (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  const char * const env[] = { "CAIRN_SERVER_TEST_MAX_ARGS_BYTES=2000", NULL };
  g_autofree char *dir = g_dir_make_tmp ("cairn-engine-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *note = NULL;
  g_autofree char *dump_a = NULL, *dump_b = NULL;
  g_autoptr(CairnText) text = NULL;
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  g_autofree char *long_text = g_strnfill (3000, 'x');
  CairnTestDevice a = { 0 }, b = { 0 };
  CairnSyncStatus *status;

  cairn_test_server_start (server, env);
  cairn_test_server_add_user (server, "ann", PASSWORD);
  cairn_test_device_open (&a, dir, "a", server);
  cairn_test_device_open (&b, dir, "b", server);
  status = cairn_sync_engine_get_status (a.engine);
  cairn_sync_engine_start (a.engine);
  g_assert_true (cairn_test_loop_until (is_up_to_date, &a, 10));

  note = cairn_store_create_note (a.store, "Too long", &error);
  g_free (cairn_store_create_list (a.store, "Before", &error));
  text = cairn_store_load_note_text (a.store, note, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_text_insert (text, 0, long_text, -1, ops, &error));
  g_assert_true (cairn_store_edit_note (a.store, note, ops, &error));
  g_free (cairn_store_create_list (a.store, "After", &error));
  g_assert_no_error (error);

  g_assert_true (cairn_test_loop_until (refused_and_sent, &a, 20));
  g_assert_nonnull (strstr (cairn_sync_status_get_message (status), "note.edited"));
  g_assert_nonnull (strstr (cairn_sync_status_get_message (status), "args_too_large"));
  g_assert_cmpuint (cairn_sync_status_get_refused_count (status), ==, 1);

  {
    g_autoptr(GAsyncResult) result = NULL;
    cairn_sync_engine_sync_async (b.engine, NULL, cairn_test_got_result, &result);
    g_assert_true (cairn_sync_engine_sync_finish (b.engine, cairn_test_wait_result (&result), &error));
    g_assert_no_error (error);
  }
  dump_a = cairn_store_dump_state (a.store, &error);
  dump_b = cairn_store_dump_state (b.store, &error);
  g_assert_cmpstr (dump_a, ==, dump_b);
  g_assert_nonnull (strstr (dump_b, "\"After\""));
  g_assert_null (strstr (dump_b, long_text));

  cairn_sync_engine_stop (a.engine);
  cairn_test_device_close (&a);
  cairn_test_device_close (&b);
  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
}

/* ---- a hostile server ------------------------------------------------------ */

typedef struct
{
  GSocket    *listener;
  const char *body;     /* the answer to every request */
  gsize       len;
  guint       status;
} HostileServer;

/* Answers one request with the body it was given. */
static gpointer
hostile_server_run (gpointer data)
{
  HostileServer *hs = data;
  g_autoptr(GSocket) conn = g_socket_accept (hs->listener, NULL, NULL);
  g_autoptr(GString) head = g_string_new (NULL);
  g_autofree char *answer = NULL;
  const char *cl;
  gsize body_left;
  char c;

  g_assert_nonnull (conn);
  g_socket_set_timeout (conn, 10);
  while (!g_str_has_suffix (head->str, "\r\n\r\n") && g_socket_receive (conn, &c, 1, NULL, NULL) == 1)
    g_string_append_c (head, c);
  cl = strstr (head->str, "Content-Length: ");
  body_left = cl ? g_ascii_strtoull (cl + 16, NULL, 10) : 0;
  while (body_left > 0 && g_socket_receive (conn, &c, 1, NULL, NULL) == 1)
    body_left--;
  answer = g_strdup_printf ("HTTP/1.1 %u X\r\nContent-Type: application/json\r\n"
                            "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n",
                            hs->status, hs->len);
  g_socket_send (conn, answer, strlen (answer), NULL, NULL);
  for (gsize off = 0; off < hs->len;)
    {
      gssize n = g_socket_send (conn, hs->body + off, hs->len - off, NULL, NULL);

      if (n <= 0)
        break;
      off += n;
    }
  g_socket_shutdown (conn, FALSE, TRUE, NULL);
  while (g_socket_receive (conn, &c, 1, NULL, NULL) > 0)
    ;
  return NULL;
}

/* A broken or hostile server cannot crash the app with its answers
 * (issue 11): 80,000 levels of nesting (json-glib 1.6 recursed until the
 * stack ran out) or a token holding an escaped NUL (cut short) in a login
 * answer are a protocol error, and nothing is signed in. */
static void
test_hostile_login_answers (void)
{
  g_autofree char *deep = g_strnfill (80000, '[');
  const char *nul = "{\"token\":\"abc\\u0000def\",\"user\":\"ann\",\"device\":\"x\","
                    "\"session_id\":\"0190c2d8-6f1e-7a3b-8c4d-123456789abc\"}";
  const struct { const char *body; gsize len; } answers[] = {
    { deep, 80000 },
    { nul, strlen (nul) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (answers); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
      g_autoptr(GSocketAddress) bound = NULL;
      g_autoptr(CairnProfile) profile = NULL;
      g_autoptr(CairnSyncEngine) engine = NULL;
      g_autofree char *dir = g_dir_make_tmp ("hostile-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "profile", NULL);
      g_autofree char *url = NULL;
      HostileServer hs = { 0 };
      GThread *thread;

      hs.body = answers[i].body;
      hs.len = answers[i].len;
      hs.status = 201;
      hs.listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
      g_assert_no_error (error);
      g_assert_true (g_socket_bind (hs.listener, any, TRUE, &error));
      g_assert_true (g_socket_listen (hs.listener, &error));
      bound = g_socket_get_local_address (hs.listener, &error);
      url = g_strdup_printf ("http://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
      thread = g_thread_new ("hostile-server", hostile_server_run, &hs);

      g_test_message ("answer %u", i);
      profile = cairn_profile_open (path, &error);
      g_assert_no_error (error);
      engine = cairn_sync_engine_new (profile);
      cairn_sync_engine_login_async (engine, url, "ann", PASSWORD, "laptop", NULL, cairn_test_got_result, &result);
      g_assert_false (cairn_sync_engine_login_finish (engine, cairn_test_wait_result (&result), &error));
      g_assert_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL);
      g_assert_false (cairn_sync_engine_is_signed_in (engine));
      g_thread_join (thread);
      g_object_unref (hs.listener);
    }
}

/* A listening socket on 127.0.0.1 (port picked) and its URL. */
static GSocket *
listen_loopback (char **out_url)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                    G_SOCKET_PROTOCOL_DEFAULT, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (listener, any, TRUE, &error));
  g_assert_true (g_socket_listen (listener, &error));
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);
  *out_url = g_strdup_printf ("http://127.0.0.1:%u",
                              g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  return listener;
}

/* A request the server takes and never answers (as one held back by a
 * connection that never comes free) does not hold the engine for ever:
 * with no answer within the deadline the call fails as a network error
 * that says so, well before the session's 30 s timeout for a read, and
 * the engine's next request is sent and answered. */
static void
test_answer_deadline (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *dir = g_dir_make_tmp ("deadline-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "profile", NULL);
  g_autofree char *silent_url = NULL, *answering_url = NULL;
  g_autoptr(GSocket) silent = listen_loopback (&silent_url);   /* never accepts: the kernel does */
  g_autoptr(CairnProfile) profile = cairn_profile_open (path, &error);
  g_autoptr(CairnSyncEngine) engine = NULL;
  const char *refusal = "{\"error\":{\"code\":\"unauthorized\",\"message\":\"Wrong password\"}}";
  HostileServer hs = { 0 };
  GThread *thread;

  g_assert_no_error (error);
  g_setenv ("CAIRN_SYNC_TEST_ANSWER_TIMEOUT_MS", "500", TRUE);
  engine = cairn_sync_engine_new (profile);
  cairn_sync_engine_login_async (engine, silent_url, "ann", PASSWORD, "laptop", NULL,
                                 cairn_test_got_result, &result);
  g_assert_false (cairn_sync_engine_login_finish (engine, cairn_test_wait_result (&result), &error));
  g_assert_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "signing in"));
  g_assert_nonnull (strstr (error->message, "no answer within 1 s"));
  g_assert_false (cairn_sync_engine_is_signed_in (engine));
  g_clear_error (&error);
  g_clear_object (&result);

  /* The next request, to a server that answers, gets its answer. */
  hs.listener = listen_loopback (&answering_url);
  hs.body = refusal;
  hs.len = strlen (refusal);
  hs.status = 401;
  thread = g_thread_new ("answering-server", hostile_server_run, &hs);
  cairn_sync_engine_login_async (engine, answering_url, "ann", "not-the-password", "laptop", NULL,
                                 cairn_test_got_result, &result);
  g_assert_false (cairn_sync_engine_login_finish (engine, cairn_test_wait_result (&result), &error));
  g_assert_nonnull (error);
  g_assert_false (g_error_matches (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_NETWORK));
  g_assert_nonnull (strstr (error->message, "Wrong password"));
  g_thread_join (thread);
  g_object_unref (hs.listener);
  g_unsetenv ("CAIRN_SYNC_TEST_ANSWER_TIMEOUT_MS");
  cairn_test_rm_rf (dir);
}

int
main (int argc, char *argv[])
{
  char base[] = "/tmp/cairn-sync-engine-XXXXXX";
  int status;

  g_assert_nonnull (g_mkdtemp (base));
  g_setenv ("TMPDIR", base, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/engine/live-stream-and-reconnect", test_live_stream_and_reconnect);
  g_test_add_func ("/sync/engine/http-fallback", test_http_fallback);
  g_test_add_func ("/sync/engine/long-catch-up", test_long_catch_up);
  g_test_add_func ("/sync/engine/refused-over-websocket", test_refused_over_websocket);
  g_test_add_func ("/sync/engine/hostile-login-answers", test_hostile_login_answers);
  g_test_add_func ("/sync/engine/answer-deadline", test_answer_deadline);
  status = g_test_run ();
  cairn_test_rm_rf (base);
  return status;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-core.c: the server core in-process: accounts, sessions, workspaces, the log. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cairn-chain.h"
#include "core-test-util.h"
#include "pg-test-util.h"
#include "cairn-test-util.h"

typedef struct
{
  char            *dir;
  CoreTestWorld    world;
  CairnServerCore *core;
} Fixture;

static CairnServerCore *
open_core (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  CairnServerCore *core = core_test_open (f->dir, &f->world, &error);

  g_assert_no_error (error);
  g_assert_nonnull (core);
  return core;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("cairn-core-XXXXXX", &error);
  g_assert_no_error (error);
  f->world = (CoreTestWorld) CORE_TEST_WORLD_INIT;
  f->core = open_core (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->core, cairn_server_core_close);
  cairn_test_rm_rf (f->dir);
  g_free (f->dir);
}

static char *
add_user (Fixture    *f,
          const char *name)
{
  g_autoptr(GError) error = NULL;
  char *ws = NULL;

  g_assert_true (cairn_server_core_user_add (f->core, name, "correct horse", &ws, &error));
  g_assert_no_error (error);
  g_assert_true (cairn_is_object_id (ws));
  return ws;
}

static CairnAuth *
login (Fixture    *f,
       const char *name,
       const char *device)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnSessionReply) reply = NULL;
  gint64 retry = 0;
  CairnAuth *auth;

  reply = cairn_server_core_login (f->core, name, "correct horse", device, "10.0.0.1", &retry, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  auth = cairn_server_core_authenticate (f->core, reply->token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (auth->username, ==, name);
  g_assert_cmpstr (auth->device, ==, device);
  return auth;
}

static CairnWireEvent *
ev (const char *client,
    gint64      client_seq)
{
  g_autofree char *args = g_strdup_printf ("{\"n\":%" G_GINT64_FORMAT "}", client_seq);

  return cairn_wire_event_new ("todo.created", 1, args, client, client_seq, 1000 + client_seq);
}

static GPtrArray *
batch (const char *client,
       gint64      from,
       gint64      to)
{
  GPtrArray *a = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);

  for (gint64 i = from; i <= to; i++)
    g_ptr_array_add (a, ev (client, i));
  return a;
}

#define CLIENT_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define CLIENT_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static CairnPushReply *
push_ok (Fixture    *f,
         CairnAuth  *auth,
         const char *ws,
         GPtrArray  *events,
         guint       expect_appended)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) appended = NULL;
  CairnPushReply *reply;

  reply = cairn_server_core_push (f->core, auth, ws, events, &appended, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  g_assert_cmpuint (reply->results->len, ==, events->len);
  g_assert_cmpuint (appended->len, ==, expect_appended);
  return reply;
}

static gint64
head_of (Fixture    *f,
         CairnAuth  *auth,
         const char *ws)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *history = NULL;
  gint64 head = -1;

  g_assert_true (cairn_server_core_head (f->core, auth, ws, &head, &history, &error));
  g_assert_no_error (error);
  return head;
}

static void
test_users (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws = add_user (f, "alice");
  g_autoptr(GPtrArray) users = NULL;

  g_assert_false (cairn_server_core_user_add (f->core, "alice", "another password", NULL, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  g_assert_false (cairn_server_core_user_add (f->core, "Bad Name", "another password", NULL, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
  g_clear_error (&error);
  g_assert_false (cairn_server_core_user_add (f->core, "carol", "short", NULL, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
  g_clear_error (&error);

  users = cairn_server_core_user_list (f->core, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (users, 0), ==, "alice");
}

static void
test_login (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autofree char *ws = add_user (f, "alice");
  g_autoptr(CairnAuth) auth = login (f, "alice", "laptop");
  g_autoptr(GPtrArray) sessions = NULL;
  gint64 retry = 0;

  /* Wrong password and unknown user fail alike. */
  g_assert_null (cairn_server_core_login (f->core, "alice", "wrong horse", "x", "10.0.0.2", &retry, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
  g_assert_null (cairn_server_core_login (f->core, "nobody", "wrong horse", "x", "10.0.0.2", &retry, &error2));
  g_assert_error (error2, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, error2->message);
  g_clear_error (&error);

  g_assert_null (cairn_server_core_authenticate (f->core, "not-a-token", &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  sessions = cairn_server_core_sessions (f->core, auth, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sessions->len, ==, 1);
  g_assert_true (((CairnSessionInfo *) g_ptr_array_index (sessions, 0))->current);
}

static void
test_rate_limit (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnSessionReply) reply = NULL;
  g_autofree char *ws = add_user (f, "alice");
  gint64 retry = 0;

  for (int i = 0; i < 5; i++)
    {
      g_assert_null (cairn_server_core_login (f->core, "alice", "wrong horse", "x", "10.0.0.3", &retry, &error));
      g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
      g_clear_error (&error);
    }
  /* Even the right password is refused while the user is locked. */
  g_assert_null (cairn_server_core_login (f->core, "alice", "correct horse", "x", "10.0.0.4", &retry, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_RATE_LIMITED);
  g_assert_cmpint (retry, >, 0);
  g_assert_cmpint (retry, <=, 60);
  g_clear_error (&error);

  f->world.now += 61 * 1000;
  reply = cairn_server_core_login (f->core, "alice", "correct horse", "x", "10.0.0.4", &retry, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
}

static void
test_rate_limit_address (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 retry = 0;

  /* 20 failures from one address, spread over names so no name locks. */
  for (int i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("user%d", i);

      g_assert_null (cairn_server_core_login (f->core, name, "wrong horse", "x", "10.9.9.9", &retry, &error));
      g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
      g_clear_error (&error);
    }
  g_assert_null (cairn_server_core_login (f->core, "fresh", "wrong horse", "x", "10.9.9.9", &retry, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_RATE_LIMITED);
  g_clear_error (&error);
  /* Another address is not affected. */
  g_assert_null (cairn_server_core_login (f->core, "fresh", "wrong horse", "x", "10.9.9.8", &retry, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
}

/* Failed logins from one IPv6 /64 count together, whatever the host part;
 * another /64 and IPv4 (also IPv4-mapped) keep their own counts. */
static void
test_rate_limit_ipv6_prefix (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 retry = 0;

  for (int i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("user%d", i);
      g_autofree char *addr = g_strdup_printf ("2001:db8:1:2::%x", 0x100 + i * 3001);

      g_assert_null (cairn_server_core_login (f->core, name, "wrong horse", "x", addr, &retry, &error));
      g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
      g_clear_error (&error);
    }
  /* A new host in the same /64, written differently, is blocked. */
  g_assert_null (cairn_server_core_login (f->core, "fresh", "wrong horse", "x",
                                          "2001:0db8:0001:0002:ffff:1:2:3", &retry, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_RATE_LIMITED);
  g_assert_cmpint (retry, >, 0);
  g_clear_error (&error);
  /* The neighbouring /64 is not. */
  g_assert_null (cairn_server_core_login (f->core, "fresh", "wrong horse", "x", "2001:db8:1:3::1", &retry, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  /* An IPv4 address and its IPv4-mapped form share one count. */
  for (int i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("v4user%d", i);

      g_assert_null (cairn_server_core_login (f->core, name, "wrong horse", "x",
                                              i % 2 ? "192.0.2.7" : "::ffff:192.0.2.7", &retry, &error));
      g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
      g_clear_error (&error);
    }
  g_assert_null (cairn_server_core_login (f->core, "fresh", "wrong horse", "x", "192.0.2.7", &retry, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_RATE_LIMITED);
  g_clear_error (&error);
  g_assert_null (cairn_server_core_login (f->core, "fresh", "wrong horse", "x", "192.0.2.8", &retry, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
}

static void
test_session_expiry_and_revoke (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws = add_user (f, "alice");
  g_autoptr(CairnSessionReply) a = NULL;
  g_autoptr(CairnSessionReply) b = NULL;
  g_autoptr(CairnAuth) auth = NULL;
  gint64 retry;

  a = cairn_server_core_login (f->core, "alice", "correct horse", "phone", NULL, &retry, &error);
  g_assert_no_error (error);
  b = cairn_server_core_login (f->core, "alice", "correct horse", "laptop", NULL, &retry, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a->token, !=, b->token);

  /* Revoke the phone from the laptop. */
  auth = cairn_server_core_authenticate (f->core, b->token, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_server_core_revoke_session (f->core, auth, a->session_id, &error));
  g_assert_no_error (error);
  g_assert_null (cairn_server_core_authenticate (f->core, a->token, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
  g_assert_false (cairn_server_core_revoke_session (f->core, auth, a->session_id, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Idle for longer than the limit: expired. */
  f->world.now += CAIRN_CORE_DEFAULT_SESSION_IDLE_MS + 1000;
  g_assert_null (cairn_server_core_authenticate (f->core, b->token, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  /* A new password logs every device out. */
  g_clear_pointer (&a, cairn_session_reply_free);
  a = cairn_server_core_login (f->core, "alice", "correct horse", "phone", NULL, &retry, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_server_core_user_passwd (f->core, "alice", "battery staple", &error));
  g_assert_no_error (error);
  g_assert_null (cairn_server_core_authenticate (f->core, a->token, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
}

/* A live connection's session: still allowed while it is used (touched),
 * not once it was left unused past the idle limit, and a touch cannot
 * bring an expired session back. */
static void
test_live_session_use (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws = add_user (f, "alice");
  g_autoptr(CairnSessionReply) a = NULL;
  g_autoptr(CairnAuth) auth = NULL;
  gint64 interval = cairn_server_core_live_touch_interval (f->core);
  gint64 retry;

  g_assert_cmpint (interval, ==, CAIRN_CORE_LIVE_TOUCH_MS);
  a = cairn_server_core_login (f->core, "alice", "correct horse", "phone", NULL, &retry, &error);
  g_assert_no_error (error);
  auth = cairn_server_core_authenticate (f->core, a->token, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_server_core_still_allowed (f->core, auth, ws));

  /* Touched every hour for longer than the idle limit: still fine, and
   * the token still works over HTTP. */
  for (gint64 t = 0; t < CAIRN_CORE_DEFAULT_SESSION_IDLE_MS + 10 * interval; t += interval)
    {
      f->world.now += interval;
      g_assert_true (cairn_server_core_still_allowed (f->core, auth, ws));
      g_assert_true (cairn_server_core_touch_session (f->core, auth, &error));
      g_assert_no_error (error);
    }
  {
    g_autoptr(CairnAuth) again = cairn_server_core_authenticate (f->core, a->token, &error);

    g_assert_no_error (error);
    g_assert_nonnull (again);
  }

  /* Unused past the limit: no longer allowed, and a late touch does not
   * revive it. */
  f->world.now += CAIRN_CORE_DEFAULT_SESSION_IDLE_MS + 1000;
  g_assert_false (cairn_server_core_still_allowed (f->core, auth, ws));
  g_assert_true (cairn_server_core_touch_session (f->core, auth, &error));
  g_assert_no_error (error);
  g_assert_false (cairn_server_core_still_allowed (f->core, auth, ws));
  g_assert_null (cairn_server_core_authenticate (f->core, a->token, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED);
}

static void
test_workspaces_members (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *alice_ws = add_user (f, "alice");
  g_autofree char *bob_ws = add_user (f, "bob");
  g_autofree char *carol_ws = add_user (f, "carol");
  g_autoptr(CairnAuth) alice = login (f, "alice", "a");
  g_autoptr(CairnAuth) bob = login (f, "bob", "b");
  g_autoptr(CairnAuth) carol = login (f, "carol", "c");
  g_autoptr(CairnWorkspaceInfo) shared = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(GPtrArray) events = batch (CLIENT_A, 1, 1);
  g_autoptr(GPtrArray) appended = NULL;

  list = cairn_server_core_workspaces (f->core, alice, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((CairnWorkspaceInfo *) g_ptr_array_index (list, 0))->id, ==, alice_ws);
  g_assert_true (((CairnWorkspaceInfo *) g_ptr_array_index (list, 0))->personal);
  g_clear_pointer (&list, g_ptr_array_unref);

  shared = cairn_server_core_workspace_create (f->core, alice, "Family", &error);
  g_assert_no_error (error);
  g_assert_false (shared->personal);

  /* Bob is a stranger: not found, and his push changes nothing. */
  g_assert_false (cairn_server_core_check_member (f->core, bob, shared->id, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (cairn_server_core_push (f->core, bob, shared->id, events, &appended, NULL, NULL, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (head_of (f, alice, shared->id), ==, 0);

  g_assert_true (cairn_server_core_member_add (f->core, alice, shared->id, "bob", &error));
  g_assert_no_error (error);
  g_assert_false (cairn_server_core_member_add (f->core, alice, shared->id, "bob", &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  g_assert_false (cairn_server_core_member_add (f->core, alice, shared->id, "nobody", &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* Bob is a member but not the owner. */
  g_assert_false (cairn_server_core_member_add (f->core, bob, shared->id, "carol", &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_false (cairn_server_core_member_remove (f->core, alice, shared->id, "alice", &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_FORBIDDEN);
  g_clear_error (&error);

  members = cairn_server_core_members (f->core, bob, shared->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (members->len, ==, 2);
  g_assert_cmpstr (((CairnMemberInfo *) g_ptr_array_index (members, 0))->username, ==, "alice");
  g_assert_cmpstr (((CairnMemberInfo *) g_ptr_array_index (members, 0))->role, ==, "owner");
  g_assert_cmpstr (((CairnMemberInfo *) g_ptr_array_index (members, 1))->role, ==, "member");

  g_assert_true (cairn_server_core_check_member (f->core, bob, shared->id, &error));
  g_assert_false (cairn_server_core_check_member (f->core, carol, shared->id, &error));
  g_clear_error (&error);
  g_assert_true (cairn_server_core_still_allowed (f->core, bob, shared->id));
  g_assert_false (cairn_server_core_still_allowed (f->core, carol, shared->id));
  g_assert_true (cairn_server_core_revoke_session (f->core, carol, carol->session_id, &error));
  g_assert_false (cairn_server_core_still_allowed (f->core, carol, carol_ws));

  /* Removing alice hands the shared workspace to bob and deletes her
   * personal one. */
  g_assert_true (cairn_server_core_user_remove (f->core, "alice", &error));
  g_assert_no_error (error);
  list = cairn_server_core_workspaces (f->core, bob, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((CairnWorkspaceInfo *) g_ptr_array_index (list, 1))->owner, ==, "bob");
  g_assert_true (cairn_server_core_member_add (f->core, bob, shared->id, "carol", &error));
  g_assert_no_error (error);

  /* A member leaves by removing themself, but not another member; the
   * owner cannot leave. */
  g_assert_false (cairn_server_core_member_remove (f->core, carol, shared->id, "bob", &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_false (cairn_server_core_member_remove (f->core, bob, shared->id, "bob", &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_clear_pointer (&carol, cairn_auth_free);
  carol = login (f, "carol", "phone");
  g_assert_true (cairn_server_core_member_remove (f->core, carol, shared->id, "carol", &error));
  g_assert_no_error (error);
  g_assert_false (cairn_server_core_check_member (f->core, carol, shared->id, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND);
  g_clear_error (&error);
}

static void
test_push_exactly_once (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws = add_user (f, "alice");
  g_autoptr(CairnAuth) auth = login (f, "alice", "laptop");
  g_autoptr(GPtrArray) b1 = batch (CLIENT_A, 1, 3);
  g_autoptr(GPtrArray) b2 = batch (CLIENT_A, 2, 5);
  g_autoptr(GPtrArray) gap = batch (CLIENT_A, 7, 8);
  g_autoptr(GPtrArray) other = batch (CLIENT_B, 1, 2);
  g_autoptr(GPtrArray) appended = NULL;
  g_autoptr(CairnPushReply) r1 = push_ok (f, auth, ws, b1, 3);
  g_autoptr(CairnPushReply) again = push_ok (f, auth, ws, b1, 0);
  g_autoptr(CairnPushReply) r2 = NULL;
  g_autoptr(CairnPushReply) r3 = NULL;
  g_autoptr(CairnPullReply) pull = NULL;
  g_autofree char *gap_client = NULL;
  gint64 expected = 0;

  for (guint i = 0; i < 3; i++)
    {
      CairnPushResult *a = g_ptr_array_index (r1->results, i);
      CairnPushResult *b = g_ptr_array_index (again->results, i);

      g_assert_cmpint (a->seq, ==, i + 1);
      g_assert_cmpint (b->seq, ==, a->seq);
    }
  g_assert_cmpint (again->head, ==, 3);
  g_assert_cmpstr (again->history_id, ==, r1->history_id);

  /* Overlapping: 2, 3 are known, 4, 5 new. */
  r2 = push_ok (f, auth, ws, b2, 2);
  g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (r2->results, 0))->seq, ==, 2);
  g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (r2->results, 3))->seq, ==, 5);
  g_assert_cmpint (r2->head, ==, 5);

  /* Skipping 6: refused, nothing stored. */
  g_assert_null (cairn_server_core_push (f->core, auth, ws, gap, &appended, &gap_client, &expected, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP);
  g_assert_cmpstr (gap_client, ==, CLIENT_A);
  g_assert_cmpint (expected, ==, 6);
  g_clear_error (&error);
  g_assert_cmpint (head_of (f, auth, ws), ==, 5);

  /* A new client starting at 1 interleaves fine. */
  r3 = push_ok (f, auth, ws, other, 2);
  g_assert_cmpint (r3->head, ==, 7);

  pull = cairn_server_core_pull (f->core, auth, ws, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pull->events->len, ==, 7);
  for (guint i = 0; i < pull->events->len; i++)
    {
      CairnWireEvent *e = g_ptr_array_index (pull->events, i);

      g_assert_cmpint (e->seq, ==, i + 1);
      g_assert_cmpstr (e->device, ==, "laptop");
    }
  g_assert_cmpstr (((CairnWireEvent *) g_ptr_array_index (pull->events, 4))->args_json, ==, "{\"n\":5}");
}

static void
test_pull_pages (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws = add_user (f, "alice");
  g_autoptr(CairnAuth) auth = login (f, "alice", "laptop");
  g_autoptr(GPtrArray) b = batch (CLIENT_A, 1, 25);
  g_autoptr(CairnPushReply) r = push_ok (f, auth, ws, b, 25);
  gint64 after = 0;
  guint pages = 0;

  for (;;)
    {
      g_autoptr(CairnPullReply) page = cairn_server_core_pull (f->core, auth, ws, after, 10, &error);

      g_assert_no_error (error);
      g_assert_cmpint (page->head, ==, 25);
      pages++;
      for (guint i = 0; i < page->events->len; i++)
        g_assert_cmpint (((CairnWireEvent *) g_ptr_array_index (page->events, i))->seq, ==, ++after);
      if (!page->more)
        break;
    }
  g_assert_cmpuint (pages, ==, 3);
  g_assert_cmpint (after, ==, 25);
}

/* Copies the store of a stopped core: its folder, or (PostgreSQL) the
 * database that stands for it. */
static void
copy_dir (const char *from,
          const char *to)
{
  g_autoptr(GDir) d = g_dir_open (from, 0, NULL);
  const char *name;

  if (cairn_test_backend_is_postgresql ())
    core_test_copy_database (from, to);
  g_assert_nonnull (d);
  g_mkdir_with_parents (to, 0700);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);
      g_autofree char *contents = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (src, &contents, &len, NULL));
      g_assert_true (g_file_set_contents (dst, contents, len, NULL));
    }
}

static void
test_restore_snapshot (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws = add_user (f, "alice");
  g_autofree char *snapshot = g_strconcat (f->dir, "-snapshot", NULL);
  g_autoptr(CairnSessionReply) session = NULL;
  g_autoptr(CairnAuth) auth = NULL;
  g_autoptr(GPtrArray) b1 = batch (CLIENT_A, 1, 3);
  g_autoptr(GPtrArray) b2 = batch (CLIENT_A, 4, 6);
  g_autoptr(GPtrArray) all = batch (CLIENT_A, 1, 6);
  g_autoptr(CairnPushReply) r1 = NULL;
  g_autoptr(CairnPushReply) r2 = NULL;
  g_autoptr(CairnPushReply) r3 = NULL;
  gint64 retry;

  session = cairn_server_core_login (f->core, "alice", "correct horse", "laptop", NULL, &retry, &error);
  g_assert_no_error (error);
  auth = cairn_server_core_authenticate (f->core, session->token, &error);
  r1 = push_ok (f, auth, ws, b1, 3);

  /* Stop, back up, run on, stop, restore the backup, start. */
  g_clear_pointer (&f->core, cairn_server_core_close);
  copy_dir (f->dir, snapshot);
  f->core = open_core (f);
  r2 = push_ok (f, auth, ws, b2, 3);
  g_assert_cmpint (r2->head, ==, 6);
  g_clear_pointer (&f->core, cairn_server_core_close);
  cairn_test_rm_rf (f->dir);
  core_test_forget_database (f->dir);
  copy_dir (snapshot, f->dir);
  cairn_test_rm_rf (snapshot);
  f->core = open_core (f);

  g_assert_cmpint (head_of (f, auth, ws), ==, 3);
  /* The client re-pushes everything it has: 1-3 are known, 4-6 are
   * stored again with the same history. */
  r3 = push_ok (f, auth, ws, all, 3);
  g_assert_cmpint (r3->head, ==, 6);
  g_assert_cmpstr (r3->history_id, ==, r1->history_id);
  g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (r3->results, 2))->seq, ==, 3);
}

static void
test_deterministic (Fixture       *f,
                    gconstpointer  data)
{
  /* Same clock and seed, same ids: the simulation can replay runs. */
  g_autofree char *ws1 = add_user (f, "alice");
  g_autofree char *dir2 = NULL;
  g_autofree char *ws2 = NULL;
  g_autoptr(GError) error = NULL;
  CoreTestWorld saved = CORE_TEST_WORLD_INIT;

  g_clear_pointer (&f->core, cairn_server_core_close);
  cairn_test_rm_rf (f->dir);
  core_test_forget_database (f->dir);
  f->world = saved;
  f->core = open_core (f);
  ws2 = add_user (f, "alice");
  g_assert_cmpstr (ws1, ==, ws2);
}

/* A log written before issue 11 may hold args that json-glib's generator
 * wrote as text that is not JSON (1e20 as "1e+20.0", 1e400 as "inf.0"),
 * which broke every later page for every device: opening the database
 * rewrites them to strings of their text, so the pages parse again, and
 * leaves everything else as it was. */
static void
test_repair_stored_args (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws = add_user (f, "alice");
  g_autoptr(CairnAuth) auth = login (f, "alice", "laptop");
  g_autoptr(GPtrArray) events = batch (CLIENT_A, 1, 3);
  g_autoptr(CairnPushReply) pushed = push_ok (f, auth, ws, events, 3);
  g_autoptr(CairnPullReply) pull = NULL;
  g_autoptr(CairnPullReply) parsed = NULL;
  g_autofree char *db_path = g_build_filename (f->dir, "cairn-server.db", NULL);
  g_autofree char *text = NULL;
  const char *broken = "{\"a\":1e+20.0,\"b\":inf.0,\"c\":-inf.0,\"d\":nan.0,\"e\":1.5,\"f\":-2,"
                       "\"g\":[1e-07,{\"h\":1.0}],\"s\":\"1e+20.0 \\\" inf.0\",\"t\":true}";
  const char *repaired = "{\"a\":\"1e+20\",\"b\":\"inf\",\"c\":\"-inf\",\"d\":\"nan\",\"e\":\"1.5\",\"f\":-2,"
                         "\"g\":[\"1e-07\",{\"h\":\"1\"}],\"s\":\"1e+20.0 \\\" inf.0\",\"t\":true}";

  /* As an older server stored it. */
  {
    sqlite3 *db = NULL;
    g_autofree char *sql = g_strdup_printf ("UPDATE events SET args = '%s' WHERE seq = 2", broken);

    g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  pull = cairn_server_core_pull (f->core, auth, ws, 0, 100, &error);
  g_assert_no_error (error);
  text = cairn_protocol_pull_reply_to_text (pull, NULL);
  parsed = cairn_protocol_decode_pull_reply_text (text, strlen (text), CAIRN_PROTOCOL_MAX_PAGE_BYTES, &error);
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_MALFORMED_JSON);
  g_clear_error (&error);
  g_clear_pointer (&pull, cairn_pull_reply_free);
  g_clear_pointer (&text, g_free);

  g_clear_pointer (&f->core, cairn_server_core_close);
  f->core = open_core (f);
  pull = cairn_server_core_pull (f->core, auth, ws, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pull->events->len, ==, 3);
  g_assert_cmpstr (((CairnWireEvent *) g_ptr_array_index (pull->events, 1))->args_json, ==, repaired);
  g_assert_cmpstr (((CairnWireEvent *) g_ptr_array_index (pull->events, 0))->args_json, ==, "{\"n\":1}");
  text = cairn_protocol_pull_reply_to_text (pull, NULL);
  parsed = cairn_protocol_decode_pull_reply_text (text, strlen (text), CAIRN_PROTOCOL_MAX_PAGE_BYTES, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->events->len, ==, 3);
}

/* ---- the log's chain --------------------------------------------------------- */

static void
assert_chains (Fixture    *f,
               CairnAuth  *auth,
               const char *ws,
               guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPullReply) pull = cairn_server_core_pull (f->core, auth, ws, 0, 1000, &error);
  g_autoptr(CairnPullReply) parsed = NULL;
  g_autofree char *chain = g_strdup (CAIRN_CHAIN_ZERO);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (pull->events->len, ==, n);
  for (guint i = 0; i < pull->events->len; i++)
    {
      const CairnWireEvent *w = g_ptr_array_index (pull->events, i);
      char *next = cairn_chain_next (chain, w->client_id, w->client_seq);

      g_assert_cmpstr (w->chain, ==, next);
      g_free (chain);
      chain = next;
    }
  /* and it travels: the page's text carries it back */
  text = cairn_protocol_pull_reply_to_text (pull, NULL);
  parsed = cairn_protocol_decode_pull_reply_text (text, strlen (text), CAIRN_PROTOCOL_MAX_PAGE_BYTES, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((CairnWireEvent *) parsed->events->pdata[n - 1])->chain, ==, chain);
}

/* Every appended event gets chain(seq) = H(chain(seq - 1), client_id,
 * client_seq), across pushes of several clients; re-sends change
 * nothing; what the push hands to the live stream carries it too. */
static void
test_chain (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws = add_user (f, "alice");
  g_autoptr(CairnAuth) auth = login (f, "alice", "laptop");
  g_autoptr(GPtrArray) a = batch (CLIENT_A, 1, 3);
  g_autoptr(GPtrArray) b = batch (CLIENT_B, 1, 2);
  g_autoptr(GPtrArray) again = batch (CLIENT_A, 2, 4);
  g_autoptr(CairnPushReply) r1 = push_ok (f, auth, ws, a, 3);
  g_autoptr(CairnPushReply) r2 = push_ok (f, auth, ws, b, 2);
  g_autoptr(GPtrArray) appended = NULL;
  g_autoptr(CairnPushReply) r3 = NULL;
  g_autoptr(CairnPullReply) last = NULL;

  r3 = cairn_server_core_push (f->core, auth, ws, again, &appended, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (appended->len, ==, 1);
  g_assert_nonnull (((CairnWireEvent *) appended->pdata[0])->chain);
  assert_chains (f, auth, ws, 6);
  last = cairn_server_core_pull (f->core, auth, ws, 5, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (((CairnWireEvent *) appended->pdata[0])->chain, ==,
                   ((CairnWireEvent *) last->events->pdata[0])->chain);
}

/* Schema 1 had no chain: opening such a file computes it for every
 * stored event, per workspace in seq order. */
static void
test_chain_migration (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *ws = add_user (f, "alice");
  g_autofree char *ws2 = add_user (f, "bob");
  g_autoptr(CairnAuth) auth = login (f, "alice", "laptop");
  g_autoptr(CairnAuth) auth2 = login (f, "bob", "phone");
  g_autoptr(GPtrArray) a = batch (CLIENT_A, 1, 4);
  g_autoptr(GPtrArray) b = batch (CLIENT_B, 1, 3);
  g_autoptr(GPtrArray) a2 = batch (CLIENT_B, 1, 2);
  g_autoptr(CairnPushReply) r1 = push_ok (f, auth, ws, a, 4);
  g_autoptr(CairnPushReply) r2 = push_ok (f, auth, ws, b, 3);
  g_autoptr(CairnPushReply) r3 = push_ok (f, auth2, ws2, a2, 2);
  g_autofree char *db_path = g_build_filename (f->dir, "cairn-server.db", NULL);

  g_clear_pointer (&f->core, cairn_server_core_close);
  /* As schema 1 stored it. */
  {
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "ALTER TABLE events DROP COLUMN chain; ALTER TABLE events DROP COLUMN username; "
                                   "PRAGMA user_version = 1",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  f->core = open_core (f);
  assert_chains (f, auth, ws, 7);
  assert_chains (f, auth2, ws2, 2);
  /* and new events go on from the migrated chain */
  {
    g_autoptr(GPtrArray) more = batch (CLIENT_A, 5, 5);
    g_autoptr(CairnPushReply) r4 = push_ok (f, auth, ws, more, 1);

    assert_chains (f, auth, ws, 8);
  }
}

/* ---- the pushing user on events (issue 15) ------------------------------------ */

/* Every stored event carries the name of the user whose session pushed
 * it, next to the device, in the push's appended events and on pull. */
static void
test_event_users (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws_a = add_user (f, "alice");
  g_autofree char *ws_b = add_user (f, "bob");
  g_autoptr(CairnAuth) alice = login (f, "alice", "laptop");
  g_autoptr(CairnAuth) bob = login (f, "bob", "phone");
  g_autoptr(CairnWorkspaceInfo) shared = cairn_server_core_workspace_create (f->core, alice, "Family", &error);
  g_autoptr(GPtrArray) a = batch (CLIENT_A, 1, 2);
  g_autoptr(GPtrArray) b = batch (CLIENT_B, 1, 1);
  g_autoptr(GPtrArray) appended = NULL;
  g_autoptr(CairnPushReply) r1 = NULL;
  g_autoptr(CairnPushReply) r2 = NULL;
  g_autoptr(CairnPullReply) pull = NULL;

  g_assert_no_error (error);
  g_assert_true (cairn_server_core_member_add (f->core, alice, shared->id, "bob", &error));
  g_assert_no_error (error);
  r1 = push_ok (f, alice, shared->id, a, 2);
  r2 = cairn_server_core_push (f->core, bob, shared->id, b, &appended, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (appended->len, ==, 1);
  g_assert_cmpstr (((CairnWireEvent *) appended->pdata[0])->user, ==, "bob");

  pull = cairn_server_core_pull (f->core, bob, shared->id, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pull->events->len, ==, 3);
  g_assert_cmpstr (((CairnWireEvent *) pull->events->pdata[0])->user, ==, "alice");
  g_assert_cmpstr (((CairnWireEvent *) pull->events->pdata[0])->device, ==, "laptop");
  g_assert_cmpstr (((CairnWireEvent *) pull->events->pdata[1])->user, ==, "alice");
  g_assert_cmpstr (((CairnWireEvent *) pull->events->pdata[2])->user, ==, "bob");
  g_assert_cmpstr (((CairnWireEvent *) pull->events->pdata[2])->device, ==, "phone");
}

/* Schema 2 stored no user: opening such a file keeps its events (without
 * a user: nobody knows who pushed them) and stamps the new ones. */
static void
test_event_users_migration (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws = add_user (f, "alice");
  g_autoptr(CairnAuth) auth = login (f, "alice", "laptop");
  g_autoptr(GPtrArray) a = batch (CLIENT_A, 1, 2);
  g_autoptr(GPtrArray) more = batch (CLIENT_A, 3, 3);
  g_autoptr(CairnPushReply) r1 = push_ok (f, auth, ws, a, 2);
  g_autoptr(CairnPushReply) r2 = NULL;
  g_autoptr(CairnPullReply) pull = NULL;
  g_autofree char *db_path = g_build_filename (f->dir, "cairn-server.db", NULL);

  g_clear_pointer (&f->core, cairn_server_core_close);
  {
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "ALTER TABLE events DROP COLUMN username; PRAGMA user_version = 2",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  f->core = open_core (f);
  r2 = push_ok (f, auth, ws, more, 1);
  pull = cairn_server_core_pull (f->core, auth, ws, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pull->events->len, ==, 3);
  g_assert_null (((CairnWireEvent *) pull->events->pdata[0])->user);
  g_assert_cmpstr (((CairnWireEvent *) pull->events->pdata[0])->device, ==, "laptop");
  g_assert_cmpstr (((CairnWireEvent *) pull->events->pdata[2])->user, ==, "alice");
}

/* ---- group commit ------------------------------------------------------------ */

typedef struct
{
  guint   calls;
  guint   failures;
  gint64  events_seen_by_other;   /* counted from another connection in the callback */
  char   *db_path;
} GroupRecord;

/* Events in the file as another connection (another process) sees them. */
static gint64
count_from_outside (const char *db_path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  gint64 n;

  if (cairn_test_backend_is_postgresql ())
    {
      g_autofree char *dir = g_path_get_dirname (db_path);

      return cairn_test_pg_count (core_test_database (dir), "SELECT count(*) FROM events");
    }
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM events", -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  sqlite3_close (db);
  return n;
}

static void
on_group (const GError *error,
          gpointer      user_data)
{
  GroupRecord *rec = user_data;

  rec->calls++;
  if (error != NULL)
    rec->failures++;
  /* Reported only once the commit is done: the group is visible outside. */
  rec->events_seen_by_other = count_from_outside (rec->db_path);
}

static CairnPushReply *
push_grouped (Fixture    *f,
              CairnAuth  *auth,
              const char *ws,
              GPtrArray  *events,
              GPtrArray **appended,
              GError    **error)
{
  g_autofree char *gap_client = NULL;
  gint64 expected = 0;
  CairnPushReply *reply;

  reply = cairn_server_core_push_grouped (f->core, auth, ws, events, appended, &gap_client, &expected, error);
  if (reply == NULL && g_error_matches (*error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP))
    {
      g_assert_cmpstr (gap_client, ==, CLIENT_B);
      g_assert_cmpint (expected, ==, 3);
    }
  return reply;
}

static void
test_group_commit (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *ws = add_user (f, "alice");
  g_autofree char *other_ws = add_user (f, "bob");
  g_autoptr(CairnAuth) alice = login (f, "alice", "laptop");
  GroupRecord rec = { 0, 0, -1, g_build_filename (f->dir, "cairn-server.db", NULL) };
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPullReply) page = NULL;

  cairn_server_core_set_group_func (f->core, on_group, &rec);
  g_assert_false (cairn_server_core_group_open (f->core));
  {
    g_autoptr(GPtrArray) a = batch (CLIENT_A, 1, 3);
    g_autoptr(GPtrArray) b = batch (CLIENT_B, 1, 2);
    g_autoptr(GPtrArray) gap = batch (CLIENT_B, 4, 5);
    g_autoptr(GPtrArray) stranger = batch (CLIENT_A, 4, 4);
    g_autoptr(GPtrArray) again = batch (CLIENT_A, 2, 4);
    g_autoptr(GPtrArray) app1 = NULL, app2 = NULL, app3 = NULL, app4 = NULL, app5 = NULL;
    g_autoptr(CairnPushReply) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL;

    r1 = push_grouped (f, alice, ws, a, &app1, &error);
    g_assert_no_error (error);
    g_assert_true (cairn_server_core_group_open (f->core));
    r2 = push_grouped (f, alice, ws, b, &app2, &error);
    g_assert_no_error (error);
    g_assert_cmpint (r1->head, ==, 3);
    g_assert_cmpint (r2->head, ==, 5);
    g_assert_cmpuint (app2->len, ==, 2);
    g_assert_cmpint (((CairnWireEvent *) g_ptr_array_index (app2, 0))->seq, ==, 4);

    /* Refused pushes in the middle of a group undo only themselves. */
    r3 = push_grouped (f, alice, ws, gap, &app3, &error);
    g_assert_null (r3);
    g_assert_null (app3);
    g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP);
    g_clear_error (&error);
    r4 = push_grouped (f, alice, other_ws, stranger, &app4, &error);
    g_assert_null (r4);
    g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_true (cairn_server_core_group_open (f->core));

    /* A re-send within the group sees the group's own events. */
    r5 = push_grouped (f, alice, ws, again, &app5, &error);
    g_assert_no_error (error);
    g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (r5->results, 0))->seq, ==, 2);
    g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (r5->results, 2))->seq, ==, 6);
    g_assert_cmpuint (app5->len, ==, 1);

    /* Nothing of the group is visible to anyone else before the commit. */
    g_assert_cmpint (count_from_outside (rec.db_path), ==, 0);
    g_assert_cmpuint (rec.calls, ==, 0);
    g_assert_true (cairn_server_core_commit_group (f->core, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (rec.calls, ==, 1);
    g_assert_cmpuint (rec.failures, ==, 0);
    g_assert_cmpint (rec.events_seen_by_other, ==, 6);
    g_assert_false (cairn_server_core_group_open (f->core));
    /* Committing with no open group does nothing. */
    g_assert_true (cairn_server_core_commit_group (f->core, &error));
    g_assert_cmpuint (rec.calls, ==, 1);
  }

  /* A read of the log commits an open group first (and reports it). */
  {
    g_autoptr(GPtrArray) more = batch (CLIENT_B, 3, 3);
    g_autoptr(GPtrArray) app = NULL;
    g_autoptr(CairnPushReply) r = push_grouped (f, alice, ws, more, &app, &error);

    g_assert_no_error (error);
    g_assert_cmpint (r->head, ==, 7);
    page = cairn_server_core_pull (f->core, alice, ws, 0, 100, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (rec.calls, ==, 2);
    g_assert_cmpint (rec.events_seen_by_other, ==, 7);
    g_assert_cmpuint (page->events->len, ==, 7);
    g_assert_cmpint (page->head, ==, 7);
    for (guint i = 0; i < 7; i++)
      g_assert_cmpint (((CairnWireEvent *) g_ptr_array_index (page->events, i))->seq, ==, i + 1);
  }

  /* So does any other write, and a grouped push left open at close is kept. */
  {
    g_autoptr(GPtrArray) more = batch (CLIENT_A, 5, 5);
    g_autoptr(GPtrArray) app = NULL;
    g_autoptr(CairnPushReply) r = push_grouped (f, alice, ws, more, &app, &error);

    g_assert_no_error (error);
    g_assert_true (cairn_server_core_revoke_session (f->core, alice, "00000000-0000-4000-8000-000000000000", &error) == FALSE);
    g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_cmpuint (rec.calls, ==, 3);
    g_assert_cmpint (rec.events_seen_by_other, ==, 8);
  }
  {
    g_autoptr(GPtrArray) more = batch (CLIENT_A, 6, 6);
    g_autoptr(GPtrArray) app = NULL;
    g_autoptr(CairnPushReply) r = push_grouped (f, alice, ws, more, &app, &error);

    g_assert_no_error (error);
    g_assert_cmpint (count_from_outside (rec.db_path), ==, 8);
  }
  cairn_server_core_set_group_func (f->core, NULL, NULL);
  g_clear_pointer (&f->core, cairn_server_core_close);
  g_assert_cmpint (count_from_outside (rec.db_path), ==, 9);
  g_free (rec.db_path);
}

/* Every list the server gives out is in byte order (SQLite's BINARY),
 * whatever the database's default collation: on PostgreSQL the core runs
 * on a database whose default collation is ICU's English one, where
 * "a" < "ä" < "B" and "a_b" < "a-b" (in byte order "B" < "a" < "ä" and
 * "a-b" < "a_b"). */
static void
test_listing_byte_order (Fixture       *f,
                         gconstpointer  data)
{
  static const char *const users[] = { "a-b", "a.b", "a_b", "ab", "a0" };
  static const char *const names[] = { "a", "B", "\xc3\xa4", "Z", "a b", "a-b" };
  static const char *const users_sorted[] = { "a-b", "a.b", "a0", "a_b", "ab" };
  static const char *const mine_sorted[] = { "ab", "B", "Z", "a", "a b", "a-b", "\xc3\xa4" };
  static const char *const members_sorted[] = { "ab", "a-b", "a.b", "a0", "a_b" };
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnAuth) owner = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GPtrArray) mine = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autofree char *shared = NULL;

  if (cairn_test_backend_is_postgresql ())
    {
      g_autofree char *uri = cairn_test_pg_new_database_icu ("en");

      /* the database really sorts otherwise: the test can fail */
      g_assert_cmpint (cairn_test_pg_count (uri, "SELECT ('B' < 'a' OR 'a-b' < 'a_b')::int"), ==, 0);
      g_clear_pointer (&f->core, cairn_server_core_close);
      f->core = core_test_open_at (NULL, uri, &f->world, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    g_free (add_user (f, users[i]));
  owner = login (f, "ab", "laptop");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(CairnWorkspaceInfo) ws = cairn_server_core_workspace_create (f->core, owner, names[i], &error);

      g_assert_no_error (error);
      if (i == 0)
        shared = g_strdup (ws->id);
    }
  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    if (!g_str_equal (users[i], "ab"))
      {
        g_assert_true (cairn_server_core_member_add (f->core, owner, shared, users[i], &error));
        g_assert_no_error (error);
      }

  /* user list */
  listed = cairn_server_core_user_list (f->core, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 5);
  for (guint i = 0; i < listed->len; i++)
    g_assert_cmpstr (g_ptr_array_index (listed, i), ==, users_sorted[i]);
  /* the owner's workspaces: personal first, then by name */
  mine = cairn_server_core_workspaces (f->core, owner, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mine->len, ==, 7);
  for (guint i = 0; i < mine->len; i++)
    g_assert_cmpstr (((CairnWorkspaceInfo *) g_ptr_array_index (mine, i))->name, ==, mine_sorted[i]);
  /* every workspace, by owner then name (each user's personal one is named after them) */
  all = cairn_server_core_admin_workspaces (f->core, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 11);
  for (guint i = 0; i < all->len; i++)
    {
      CairnWorkspaceInfo *ws = g_ptr_array_index (all, i);
      static const char *const expected[][2] = {
        { "a-b", "a-b" }, { "a.b", "a.b" }, { "a0", "a0" }, { "a_b", "a_b" },
        { "ab", "B" }, { "ab", "Z" }, { "ab", "a" }, { "ab", "a b" }, { "ab", "a-b" }, { "ab", "ab" },
        { "ab", "\xc3\xa4" },
      };

      g_assert_cmpstr (ws->owner, ==, expected[i][0]);
      g_assert_cmpstr (ws->name, ==, expected[i][1]);
    }
  /* members: the owner first, then by name */
  members = cairn_server_core_members (f->core, owner, shared, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (members->len, ==, 5);
  for (guint i = 0; i < members->len; i++)
    g_assert_cmpstr (((CairnMemberInfo *) g_ptr_array_index (members, i))->username, ==, members_sorted[i]);
}

/* Snapshots written straight into a data folder's file (the maker needs
 * real events; the log here is made up): two of the team workspace, at
 * 97,000 and at its head, and one of alice's at its head, all made_at. Their blobs
 * hold every byte value, as a real (compressed) one may. */
static void
add_snapshots_from_outside (const char *db_path,
                            gint64      made_at,
                            const char *team,
                            const char *alice_ws)
{
  static const struct { int which; gint64 seq; } rows[] = { { 0, 97000 }, { 0, 98000 }, { 1, 2000 } };
  sqlite3 *db = NULL;
  guint8 blob[1024];

  for (guint i = 0; i < sizeof blob; i++)
    blob[i] = (guint8) (i * 7);
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  for (guint r = 0; r < G_N_ELEMENTS (rows); r++)
    {
      sqlite3_stmt *st = NULL;

      blob[0] = (guint8) r;
      g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO snapshots (workspace_id, seq, history_id, made_at, "
                                               "bytes, blob) SELECT id, ?2, history_id, ?3, ?4, ?5 "
                                               "FROM workspaces WHERE id = ?1", -1, &st, NULL), ==, SQLITE_OK);
      sqlite3_bind_text (st, 1, rows[r].which == 0 ? team : alice_ws, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (st, 2, rows[r].seq);
      sqlite3_bind_int64 (st, 3, made_at);
      sqlite3_bind_int64 (st, 4, sizeof blob);
      sqlite3_bind_blob (st, 5, blob, sizeof blob, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (st), ==, SQLITE_DONE);
      g_assert_cmpint (sqlite3_changes (db), ==, 1);
      sqlite3_finalize (st);
    }
  sqlite3_close (db);
}

/* `cairn-server migrate` at the core: 3 users, a shared workspace and
 * 100,000 events in a data folder, copied into an empty PostgreSQL
 * database, give the same answers there: every page of every log (seqs,
 * chains, devices), heads, history ids, and tokens that still work; the
 * next push goes on from the head, and a re-send gets its first seq. */
static void
test_migrate (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = cairn_test_pg_new_database ();
  g_autofree char *alice_ws = NULL, *bob_ws = NULL;
  g_autoptr(CairnWorkspaceInfo) team = NULL;
  g_autoptr(CairnAuth) alice = NULL;
  g_autoptr(CairnAuth) bob = NULL;
  g_autoptr(GString) report = g_string_new (NULL);
  g_autoptr(CairnServerCore) sq = NULL;
  const char *spaces[3];
  gint64 n = 0;

  /* This test's own data folder, whatever the run's backend. */
  g_clear_pointer (&f->core, cairn_server_core_close);
  f->core = core_test_open_at (f->dir, NULL, &f->world, &error);
  g_assert_no_error (error);
  alice_ws = add_user (f, "alice");
  bob_ws = add_user (f, "bob");
  g_free (add_user (f, "cy"));
  alice = login (f, "alice", "laptop");
  bob = login (f, "bob", "phone");
  team = cairn_server_core_workspace_create (f->core, alice, "Team", &error);
  g_assert_no_error (error);
  g_assert_true (cairn_server_core_member_add (f->core, alice, team->id, "bob", &error));
  g_assert_true (cairn_server_core_member_add (f->core, alice, team->id, "cy", &error));
  g_assert_no_error (error);
  for (gint64 b = 0; b < 196; b++)
    {
      g_autoptr(GPtrArray) events = batch (b % 2 ? CLIENT_B : CLIENT_A, (b / 2) * 500 + 1, (b / 2) * 500 + 500);
      g_autoptr(CairnPushReply) r = push_ok (f, b % 2 ? bob : alice, team->id, events, 500);
    }
  {
    g_autoptr(GPtrArray) a = batch (CLIENT_A, 1, 2000);
    g_autoptr(GPtrArray) b = batch (CLIENT_B, 1, 2000);

    for (guint i = 0; i < 4; i++)
      {
        g_autoptr(GPtrArray) pa = g_ptr_array_new ();
        g_autoptr(GPtrArray) pb = g_ptr_array_new ();
        g_autoptr(CairnPushReply) ra = NULL;
        g_autoptr(CairnPushReply) rb = NULL;

        for (guint k = 0; k < 500; k++)
          {
            g_ptr_array_add (pa, g_ptr_array_index (a, i * 500 + k));
            g_ptr_array_add (pb, g_ptr_array_index (b, i * 500 + k));
          }
        ra = push_ok (f, alice, alice_ws, pa, 500);
        rb = push_ok (f, bob, bob_ws, pb, 500);
      }
  }
  /* made two hours ago */
  add_snapshots_from_outside (cairn_server_core_get_path (f->core), f->world.now - 2 * 3600000,
                              team->id, alice_ws);
  g_clear_pointer (&f->core, cairn_server_core_close);

  g_assert_true (cairn_server_core_migrate_to_database (f->dir, uri, report, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (report->str, ==,
                   "3 users, 2 sessions, 4 workspaces, 6 members, 102000 events, 4 clients, 3 snapshots");
  /* Not into a database that holds something. */
  g_assert_false (cairn_server_core_migrate_to_database (f->dir, uri, NULL, &error));
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);

  sq = core_test_open_at (f->dir, NULL, &f->world, &error);
  g_assert_no_error (error);
  f->core = core_test_open_at (NULL, uri, &f->world, &error);
  g_assert_no_error (error);
  spaces[0] = team->id;
  spaces[1] = alice_ws;
  spaces[2] = bob_ws;
  for (guint s = 0; s < 3; s++)
    {
      CairnAuth *who = s == 2 ? bob : alice;
      gint64 after = 0;

      for (;;)
        {
          g_autoptr(CairnPullReply) p1 = cairn_server_core_pull (sq, who, spaces[s], after, 1000, &error);
          g_autoptr(CairnPullReply) p2 = cairn_server_core_pull (f->core, who, spaces[s], after, 1000, &error);
          g_autofree char *t1 = NULL, *t2 = NULL;

          g_assert_no_error (error);
          t1 = cairn_protocol_pull_reply_to_text (p1, NULL);
          t2 = cairn_protocol_pull_reply_to_text (p2, NULL);
          g_assert_cmpstr (t1, ==, t2);
          n += p2->events->len;
          if (!p2->more)
            break;
          after = ((CairnWireEvent *) g_ptr_array_index (p2->events, p2->events->len - 1))->seq;
        }
    }
  g_assert_cmpint (n, ==, 102000);
  /* The snapshots came along, blob for blob (their headers carry the
   * state hash): served at once, and none is due to be made again. */
  for (guint s = 0; s < 3; s++)
    {
      g_autoptr(GBytes) b1 = NULL, b2 = NULL;
      gint64 seq1 = -1, seq2 = -2;
      gboolean due = TRUE;

      b1 = cairn_server_core_snapshot_latest (sq, alice, spaces[s], &seq1, s == 2 ? NULL : &error);
      b2 = cairn_server_core_snapshot_latest (f->core, alice, spaces[s], &seq2, s == 2 ? NULL : &error);
      g_assert_no_error (error);
      if (s == 2)
        {
          /* bob's workspace has none (and alice is no member): no answer on either */
          g_assert_null (b1);
          g_assert_null (b2);
          continue;
        }
      g_assert_nonnull (b2);
      g_assert_cmpint (seq2, ==, seq1);
      g_assert_cmpint (seq2, ==, s == 0 ? 98000 : 2000);
      g_assert_true (g_bytes_equal (b1, b2));
      g_assert_true (cairn_server_core_snapshot_due (f->core, spaces[s], 1, G_GINT64_CONSTANT (3600000),
                                                     &due, &error));
      g_assert_no_error (error);
      g_assert_false (due);
    }
  {
    g_autoptr(GPtrArray) again = batch (CLIENT_A, 49000, 49001);
    g_autoptr(CairnPushReply) r = push_ok (f, alice, team->id, again, 1);
    g_autoptr(GPtrArray) users = cairn_server_core_user_list (f->core, &error);
    g_autofree char *dave_ws = NULL;

    g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (r->results, 0))->seq, ==, 97500);
    g_assert_cmpint (((CairnPushResult *) g_ptr_array_index (r->results, 1))->seq, ==, 98001);
    g_assert_cmpuint (users->len, ==, 3);
    /* New users get ids after the copied ones. */
    dave_ws = add_user (f, "dave");
  }
}

/* ---- two cores on one PostgreSQL database, randomised ------------------ */

#define RANDOM_SEEDS 50
#define RANDOM_STEPS 60
#define RANDOM_CLIENTS 4

typedef struct
{
  char    id[33];
  gint64  sent;        /* highest client_seq pushed (answered or not) */
  GArray *acked;       /* seq of client_seq i + 1 once its push is committed */
} RandomClient;

typedef struct
{
  gboolean failed;
} RandomGroup;

static void
on_random_group (const GError *error,
                 gpointer      user_data)
{
  if (error != NULL)
    ((RandomGroup *) user_data)->failed = TRUE;
}

/* Records a push's answer: a re-sent event must get the seq it was first
 * answered with; a new one becomes acknowledged. */
static void
random_record (RandomClient   *c,
               CairnPushReply *reply)
{
  for (guint i = 0; i < reply->results->len; i++)
    {
      CairnPushResult *r = g_ptr_array_index (reply->results, i);

      if (r->client_seq <= (gint64) c->acked->len)
        g_assert_cmpint (g_array_index (c->acked, gint64, r->client_seq - 1), ==, r->seq);
      else
        {
          g_assert_cmpint (r->client_seq, ==, c->acked->len + 1);
          g_array_append_val (c->acked, r->seq);
        }
    }
}

/* Commits core's open group and records its answers, kept in pending
 * as (RandomClient*, CairnPushReply*) pairs. */
static void
random_flush (CairnServerCore *core,
              RandomGroup     *group,
              GPtrArray       *pending)
{
  g_assert_true (cairn_server_core_commit_group (core, NULL));
  g_assert_false (group->failed);
  for (guint i = 0; i < pending->len; i += 2)
    {
      random_record (g_ptr_array_index (pending, i), g_ptr_array_index (pending, i + 1));
      cairn_push_reply_free (g_ptr_array_index (pending, i + 1));
    }
  g_ptr_array_set_size (pending, 0);
}

/* Two server cores (two instances, in one process) on one database, for
 * RANDOM_SEEDS seeds: random clients push batches through either core,
 * alone or grouped, re-send what they sent before, and sometimes skip a
 * client_seq. Whatever the interleaving, both cores serve one identical
 * log: seqs 1..head without a gap, each event once, each client's events
 * in order, every event's chain following its predecessor's, and every
 * re-send answered with the first seq. (The
 * simulation's properties, against real PostgreSQL; a core's open group
 * is committed before the other core pushes, as two processes would wait
 * for each other's row lock.) */
static void
test_two_cores_random (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CoreTestWorld world_b = { G_GINT64_CONSTANT (1764000000000), 0x2545f4914f6cdd1dull };
  g_autoptr(CairnServerCore) b = core_test_open_at (NULL, core_test_database (f->dir), &world_b, &error);
  g_autoptr(CairnAuth) auth_a = NULL;
  g_autoptr(CairnAuth) auth_b = NULL;
  g_autoptr(CairnSessionReply) session = NULL;
  RandomGroup group_a = { FALSE }, group_b = { FALSE };
  gint64 retry;

  g_assert_no_error (error);
  g_free (add_user (f, "alice"));
  session = cairn_server_core_login (f->core, "alice", "correct horse", "laptop", NULL, &retry, &error);
  g_assert_no_error (error);
  auth_a = cairn_server_core_authenticate (f->core, session->token, &error);
  auth_b = cairn_server_core_authenticate (b, session->token, &error);
  g_assert_no_error (error);
  cairn_server_core_set_group_func (f->core, on_random_group, &group_a);
  cairn_server_core_set_group_func (b, on_random_group, &group_b);

  for (guint seed = 1; seed <= RANDOM_SEEDS; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      g_autoptr(CairnWorkspaceInfo) ws = cairn_server_core_workspace_create (f->core, auth_a, "Random", &error);
      RandomClient clients[RANDOM_CLIENTS];
      /* Grouped answers wait for their group's commit. */
      g_autoptr(GPtrArray) pending_a = g_ptr_array_new ();
      g_autoptr(GPtrArray) pending_b = g_ptr_array_new ();
      GPtrArray *pending[2] = { pending_a, pending_b };
      gint64 expected_head = 0;

      g_assert_no_error (error);
      for (guint i = 0; i < RANDOM_CLIENTS; i++)
        {
          for (guint k = 0; k < 32; k++)
            clients[i].id[k] = "0123456789abcdef"[(seed * 7 + i * 3 + k) % 16];
          clients[i].id[32] = '\0';
          clients[i].sent = 0;
          clients[i].acked = g_array_new (FALSE, FALSE, sizeof (gint64));
        }
      for (guint step = 0; step < RANDOM_STEPS; step++)
        {
          guint which = g_rand_int_range (rand, 0, 2);
          CairnServerCore *core = which == 0 ? f->core : b;
          CairnServerCore *other = which == 0 ? b : f->core;
          RandomGroup *own_group = which == 0 ? &group_a : &group_b;
          RandomGroup *other_group = which == 0 ? &group_b : &group_a;
          CairnAuth *auth = which == 0 ? auth_a : auth_b;
          RandomClient *c = &clients[g_rand_int_range (rand, 0, RANDOM_CLIENTS)];
          gint64 from, to;
          gboolean grouped = g_rand_boolean (rand);
          gboolean gap = g_rand_int_range (rand, 0, 10) == 0;
          g_autoptr(GPtrArray) events = NULL;
          g_autoptr(GPtrArray) appended = NULL;
          g_autoptr(CairnPushReply) reply = NULL;
          g_autoptr(GError) push_error = NULL;

          /* The other core's open group first (it holds the row lock). */
          random_flush (other, other_group, pending[1 - which]);
          /* Now and then the last few again (a lost answer), plus new ones;
           * or a batch that skips a client_seq. */
          from = c->sent + 1 - g_rand_int_range (rand, 0, 4);
          from = MAX (1, from);
          to = c->sent + g_rand_int_range (rand, 1, 6);
          if (gap)
            from = to = c->sent + 2;
          events = batch (c->id, from, to);
          /* A push alone commits the core's open group first. */
          if (!grouped)
            random_flush (core, own_group, pending[which]);
          if (grouped)
            reply = cairn_server_core_push_grouped (core, auth, ws->id, events, &appended, NULL, NULL, &push_error);
          else
            reply = cairn_server_core_push (core, auth, ws->id, events, &appended, NULL, NULL, &push_error);
          if (gap)
            {
              g_assert_null (reply);
              g_assert_error (push_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP);
              continue;
            }
          g_assert_no_error (push_error);
          g_assert_nonnull (reply);
          expected_head += appended->len;
          g_assert_cmpint (reply->head, ==, expected_head);
          c->sent = MAX (c->sent, to);
          if (grouped)
            {
              g_ptr_array_add (pending[which], c);
              g_ptr_array_add (pending[which], g_steal_pointer (&reply));
              if (g_rand_int_range (rand, 0, 3) == 0)
                random_flush (core, own_group, pending[which]);
            }
          else
            random_record (c, reply);
        }
      random_flush (f->core, &group_a, pending_a);
      random_flush (b, &group_b, pending_b);

      /* One log, the same from both cores, matching every answer. */
      {
        g_autoptr(CairnPullReply) pa = cairn_server_core_pull (f->core, auth_a, ws->id, 0, 1000, &error);
        g_autoptr(CairnPullReply) pb = cairn_server_core_pull (b, auth_b, ws->id, 0, 1000, &error);
        g_autofree char *ta = NULL, *tb = NULL;
        g_autoptr(GHashTable) last = g_hash_table_new (g_str_hash, g_str_equal);
        g_autofree char *chain = g_strdup (CAIRN_CHAIN_ZERO);

        g_assert_no_error (error);
        ta = cairn_protocol_pull_reply_to_text (pa, NULL);
        tb = cairn_protocol_pull_reply_to_text (pb, NULL);
        g_assert_cmpstr (ta, ==, tb);
        g_assert_false (pa->more);
        g_assert_cmpint (pa->head, ==, expected_head);
        g_assert_cmpuint (pa->events->len, ==, expected_head);
        for (guint i = 0; i < pa->events->len; i++)
          {
            CairnWireEvent *e = g_ptr_array_index (pa->events, i);
            gint64 prev = GPOINTER_TO_SIZE (g_hash_table_lookup (last, e->client_id));
            char *next;

            g_assert_cmpint (e->seq, ==, i + 1);
            g_assert_cmpint (e->client_seq, ==, prev + 1);
            /* each core stored its events on a guess of the head and
             * chain the other core may have moved: the chain holds */
            next = cairn_chain_next (chain, e->client_id, e->client_seq);
            g_assert_cmpstr (e->chain, ==, next);
            g_free (chain);
            chain = next;
            g_hash_table_insert (last, e->client_id, GSIZE_TO_POINTER (e->client_seq));
            for (guint k = 0; k < RANDOM_CLIENTS; k++)
              if (g_str_equal (clients[k].id, e->client_id))
                g_assert_cmpint (g_array_index (clients[k].acked, gint64, e->client_seq - 1), ==, e->seq);
          }
      }
      for (guint i = 0; i < RANDOM_CLIENTS; i++)
        g_array_unref (clients[i].acked);
    }
  cairn_server_core_set_group_func (b, NULL, NULL);
  cairn_server_core_set_group_func (f->core, NULL, NULL);
}

/* PostgreSQL: a member removed (by another instance) while this core's
 * group is open, after the group already checked their membership, is
 * refused at their next push into it, which writes nothing; the pushes
 * before stay. */
static void
test_group_member_removed (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *alice_ws = add_user (f, "alice");
  g_autofree char *bob_ws = add_user (f, "bob");
  g_autoptr(CairnAuth) alice = login (f, "alice", "laptop");
  g_autoptr(CairnAuth) bob = login (f, "bob", "phone");
  g_autoptr(CairnWorkspaceInfo) shared = cairn_server_core_workspace_create (f->core, alice, "Shared", &error);
  g_autoptr(GPtrArray) a = batch (CLIENT_A, 1, 2);
  g_autoptr(GPtrArray) b1 = batch (CLIENT_B, 1, 1);
  g_autoptr(GPtrArray) b2 = batch (CLIENT_B, 2, 2);
  g_autoptr(GPtrArray) app1 = NULL, app2 = NULL, app3 = NULL;
  g_autoptr(CairnPushReply) r1 = NULL, r2 = NULL, r3 = NULL;
  g_autoptr(CairnPullReply) page = NULL;
  RandomGroup group = { FALSE };

  g_assert_no_error (error);
  g_assert_true (cairn_server_core_member_add (f->core, alice, shared->id, "bob", &error));
  cairn_server_core_set_group_func (f->core, on_random_group, &group);
  r1 = push_grouped (f, alice, shared->id, a, &app1, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_server_core_check_member (f->core, bob, shared->id, &error));
  r2 = push_grouped (f, bob, shared->id, b1, &app2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r2->head, ==, 3);
  cairn_test_pg_exec (core_test_database (f->dir),
                      "DELETE FROM members WHERE user_id = (SELECT id FROM users WHERE username = 'bob')");
  r3 = push_grouped (f, bob, shared->id, b2, &app3, &error);
  g_assert_null (r3);
  g_assert_null (app3);
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (cairn_server_core_commit_group (f->core, &error));
  g_assert_no_error (error);
  g_assert_false (group.failed);
  cairn_server_core_set_group_func (f->core, NULL, NULL);
  page = cairn_server_core_pull (f->core, alice, shared->id, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpint (page->head, ==, 3);
  g_assert_cmpuint (page->events->len, ==, 3);
}

/* A store written by a newer server is refused with a message that says
 * so, and left as it is. */
static void
test_newer_schema_refused (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws = add_user (f, "alice");
  g_autofree char *db_path = g_build_filename (f->dir, "cairn-server.db", NULL);
  CairnServerCore *core;

  g_clear_pointer (&f->core, cairn_server_core_close);
  if (cairn_test_backend_is_postgresql ())
    cairn_test_pg_exec (core_test_database (f->dir), "UPDATE cairn_schema SET version = 99");
  else
    {
      sqlite3 *db = NULL;

      g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
      sqlite3_close (db);
    }
  core = core_test_open (f->dir, &f->world, &error);
  g_assert_null (core);
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL);
  g_assert_nonnull (strstr (error->message, "newer than this server"));
  g_assert_nonnull (strstr (error->message, "99"));
  /* Put back, the store opens as before. On PostgreSQL, as schema 1 (no
   * snapshots table): the step 1 -> 2 makes it. */
  if (cairn_test_backend_is_postgresql ())
    cairn_test_pg_exec (core_test_database (f->dir),
                        "DROP TABLE snapshots; UPDATE cairn_schema SET version = 1");
  else
    {
      sqlite3 *db = NULL;

      g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 4", NULL, NULL, NULL), ==, SQLITE_OK);
      sqlite3_close (db);
    }
  f->core = open_core (f);
  g_assert_nonnull (f->core);
  if (cairn_test_backend_is_postgresql ())
    {
      g_assert_cmpint (cairn_test_pg_count (core_test_database (f->dir),
                                            "SELECT max(version) FROM cairn_schema"), ==, 2);
      g_assert_cmpint (cairn_test_pg_count (core_test_database (f->dir),
                                            "SELECT count(*) FROM snapshots"), ==, 0);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, fn) g_test_add ("/server/core/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("users", test_users);
  ADD ("listing-byte-order", test_listing_byte_order);
  ADD ("login", test_login);
  ADD ("rate-limit-user", test_rate_limit);
  ADD ("rate-limit-address", test_rate_limit_address);
  ADD ("rate-limit-ipv6-prefix", test_rate_limit_ipv6_prefix);
  ADD ("session-expiry-revoke", test_session_expiry_and_revoke);
  ADD ("live-session-use", test_live_session_use);
  ADD ("workspaces-members", test_workspaces_members);
  ADD ("push-exactly-once", test_push_exactly_once);
  ADD ("pull-pages", test_pull_pages);
  ADD ("restore-snapshot", test_restore_snapshot);
  ADD ("deterministic", test_deterministic);
  ADD ("group-commit", test_group_commit);
  ADD ("chain", test_chain);
  ADD ("newer-schema-refused", test_newer_schema_refused);
  ADD ("event-users", test_event_users);
  /* Data that only older SQLite servers wrote (args before issue 11, the
   * schema 1 log, events before issue 15): a PostgreSQL database never
   * held them. */
  if (!cairn_test_backend_is_postgresql ())
    {
      ADD ("repair-stored-args", test_repair_stored_args);
      ADD ("chain-migration", test_chain_migration);
      ADD ("event-users-migration", test_event_users_migration);
    }
  else
    {
      ADD ("migrate-to-postgresql", test_migrate);
      ADD ("two-cores-random", test_two_cores_random);
      ADD ("group-member-removed", test_group_member_removed);
    }
#undef ADD

  return g_test_run ();
}

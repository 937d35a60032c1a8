/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-state-check.c: replicas prove they agree. Three devices sync
 * through the real server core (in-process); one device's confirmed row
 * (or its log) is damaged on purpose with SQL, the server's comparison of
 * state hashes finds it, the device repairs itself and the others are
 * untouched. Also: reports the server must ignore, a tie, the codecs. */
#include "config.h"

#include <glib/gstdio.h>

#include "cairn-snapshot.h"
#include "cairn-state-check.h"
#include "cairn-store-hash.h"
#include "cairn-store-private.h"
#include "cairn-store-sync.h"
#include "cairn-sync-core.h"
#include "cairn-test-util.h"
#include "cairn-text.h"
#include "core-test-util.h"

#define N_DEVICES 3

typedef struct
{
  char            *token;
  CairnStore      *store;
  CairnSyncCore   *core;
  CairnStateCheck *check;
} Device;

typedef struct
{
  char            *dir;
  CoreTestWorld    world;
  CairnServerCore *server;
  char            *workspace;
  Device           dev[N_DEVICES];
  char            *list_id;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *server_dir = NULL;

  f->dir = g_dir_make_tmp ("cairn-state-check-XXXXXX", NULL);
  f->world = (CoreTestWorld) CORE_TEST_WORLD_INIT;
  server_dir = g_build_filename (f->dir, "server", NULL);
  g_mkdir (server_dir, 0700);
  f->server = core_test_open (server_dir, &f->world, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_server_core_user_add (f->server, "ann", "secret-password", &f->workspace, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_autofree char *device = g_strdup_printf ("device-%u", i);
      g_autofree char *name = g_strdup_printf ("device-%u.db", i);
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_autoptr(CairnSessionReply) session = NULL;
      gint64 retry_after = 0;

      session = cairn_server_core_login (f->server, "ann", "secret-password", device,
                                         "127.0.0.1", &retry_after, &error);
      g_assert_no_error (error);
      f->dev[i].token = g_strdup (session->token);
      f->dev[i].store = cairn_store_open (path, &error);
      g_assert_no_error (error);
      f->dev[i].core = cairn_sync_core_new (f->dev[i].store);
      f->dev[i].check = cairn_state_check_new (f->dev[i].store);
      cairn_state_check_set_interval (f->dev[i].check, 1);
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_clear_pointer (&f->dev[i].check, cairn_state_check_free);
      g_clear_pointer (&f->dev[i].core, cairn_sync_core_free);
      g_clear_object (&f->dev[i].store);
      g_free (f->dev[i].token);
    }
  g_clear_pointer (&f->server, cairn_server_core_close);
  cairn_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->workspace);
  g_free (f->list_id);
}

static CairnAuth *
auth_for (Fixture *f,
          guint    i)
{
  g_autoptr(GError) error = NULL;
  CairnAuth *auth = cairn_server_core_authenticate (f->server, f->dev[i].token, &error);

  g_assert_no_error (error);
  return auth;
}

/* Pushes and pulls until device i is up to date. */
static void
sync_device (Fixture *f,
             guint    i)
{
  Device *d = &f->dev[i];
  g_autoptr(CairnAuth) auth = auth_for (f, i);
  g_autoptr(GError) error = NULL;

  cairn_sync_core_reset_connection (d->core);
  for (guint round = 0; round < 100 && !cairn_sync_core_is_up_to_date (d->core); round++)
    {
      g_autoptr(GPtrArray) batch = cairn_sync_core_next_push (d->core, 500, &error);
      g_autoptr(CairnPullReply) page = NULL;

      g_assert_no_error (error);
      if (batch != NULL)
        {
          g_autoptr(CairnPushReply) reply = NULL;
          g_autoptr(GPtrArray) appended = NULL;
          g_autofree char *gap = NULL;
          gint64 expected = 0;

          reply = cairn_server_core_push (f->server, auth, f->workspace, batch, &appended,
                                          &gap, &expected, &error);
          g_assert_no_error (error);
          g_assert_true (cairn_sync_core_push_done (d->core, reply, &error));
          g_assert_no_error (error);
        }
      page = cairn_server_core_pull (f->server, auth, f->workspace,
                                     cairn_sync_core_pull_after (d->core), 1000, &error);
      g_assert_no_error (error);
      g_assert_true (cairn_sync_core_receive (d->core, page->events, page->head,
                                              page->history_id, &error));
      g_assert_no_error (error);
    }
  g_assert_true (cairn_sync_core_is_up_to_date (d->core));
}

static void
sync_all (Fixture *f)
{
  for (guint i = 0; i < N_DEVICES; i++)
    sync_device (f, i);
  sync_device (f, 0);
}

/* Device i reports its state if one is due; returns the verdict (NULL
 * when nothing was due) and what the device did with it. */
static CairnStateVerdict *
report (Fixture               *f,
        guint                  i,
        CairnStateCheckAction *out_action)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnAuth) auth = auth_for (f, i);
  g_autoptr(CairnStateReport) rep = cairn_state_check_next_report (f->dev[i].check, TRUE, &error);
  CairnStateVerdict *verdict;

  g_assert_no_error (error);
  *out_action = CAIRN_STATE_CHECK_NOTHING;
  if (rep == NULL)
    return NULL;
  verdict = cairn_server_core_report_state (f->server, auth, f->workspace, rep, &error);
  g_assert_no_error (error);
  *out_action = cairn_state_check_handle_verdict (f->dev[i].check, verdict, &error);
  g_assert_no_error (error);
  return verdict;
}

static char *
dump (Fixture *f,
      guint    i)
{
  g_autoptr(GError) error = NULL;
  char *text = cairn_store_dump_state (f->dev[i].store, &error);

  g_assert_no_error (error);
  return text;
}

/* A list with three todos made on device 0, everyone synced and agreeing. */
static char *
set_up_agreeing (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  char *first = NULL;
  CairnStateCheckAction action;

  f->list_id = cairn_store_create_list (f->dev[0].store, "Groceries", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *title = g_strdup_printf ("Todo %u", i);
      char *id = cairn_store_create_todo (f->dev[0].store, f->list_id, title, NULL, NULL, &error);

      g_assert_no_error (error);
      if (first == NULL)
        first = id;
      else
        g_free (id);
    }
  sync_all (f);
  for (guint i = 0; i < N_DEVICES; i++)
    {
      g_autoptr(CairnStateVerdict) v = report (f, i, &action);

      g_assert_nonnull (v);
      g_assert_cmpint (v->devices, ==, i + 1);
      g_assert_cmpint (v->verdict, ==, i == 0 ? CAIRN_STATE_VERDICT_UNKNOWN : CAIRN_STATE_VERDICT_AGREES);
      g_assert_cmpint (action, ==, CAIRN_STATE_CHECK_NOTHING);
    }
  g_assert_cmpuint (cairn_server_core_get_state_mismatches (f->server), ==, 0);
  return first;
}

/* One more change on device 0, synced everywhere: a new seq to compare at. */
static void
another_change (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = cairn_store_create_todo (f->dev[0].store, f->list_id, "Later", NULL, NULL, &error);

  g_assert_no_error (error);
  sync_all (f);
}

static void
test_corrupt_row (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *todo_id = set_up_agreeing (f);
  g_autofree char *sql = g_strdup_printf ("UPDATE todos SET title = 'Damaged' WHERE id = '%s'", todo_id);
  g_autofree char *dump_a = NULL, *dump_c = NULL, *dump_b = NULL;
  g_autoptr(CairnStateVerdict) va = NULL, vc = NULL, vb = NULL, again = NULL;
  CairnStateCheckAction action;

  /* A confirmed row of device 1 changes behind the store's back. */
  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (f->dev[1].store), sql, NULL, NULL, NULL), ==, SQLITE_OK);
  another_change (f);
  dump_a = dump (f, 0);
  dump_c = dump (f, 2);
  dump_b = dump (f, 1);
  g_assert_true (strstr (dump_b, "Damaged") != NULL);

  va = report (f, 0, &action);
  g_assert_cmpint (action, ==, CAIRN_STATE_CHECK_NOTHING);
  vc = report (f, 2, &action);
  g_assert_cmpint (vc->verdict, ==, CAIRN_STATE_VERDICT_AGREES);
  g_assert_cmpint (action, ==, CAIRN_STATE_CHECK_NOTHING);
  g_assert_cmpuint (cairn_server_core_get_state_mismatches (f->server), ==, 0);

  /* The server compares: two devices against one. */
  vb = report (f, 1, &action);
  g_assert_cmpint (vb->verdict, ==, CAIRN_STATE_VERDICT_DIVERGED);
  g_assert_cmpint (vb->devices, ==, 3);
  g_assert_cmpuint (cairn_server_core_get_state_mismatches (f->server), >, 0);
  g_assert_cmpint (action, ==, CAIRN_STATE_CHECK_REBUILT);
  g_assert_cmpuint (cairn_state_check_get_repairs (f->dev[1].check), ==, 1);

  /* Repaired: the same state as the others, which were not touched. */
  g_clear_pointer (&dump_b, g_free);
  dump_b = dump (f, 1);
  g_assert_cmpstr (dump_b, ==, dump_a);
  {
    g_autofree char *now_a = dump (f, 0), *now_c = dump (f, 2);

    g_assert_cmpstr (now_a, ==, dump_a);
    g_assert_cmpstr (now_c, ==, dump_c);
  }
  g_assert_cmpuint (cairn_state_check_get_repairs (f->dev[0].check), ==, 0);
  g_assert_cmpuint (cairn_state_check_get_repairs (f->dev[2].check), ==, 0);

  /* Its new report at the same seq now agrees. */
  again = report (f, 1, &action);
  g_assert_nonnull (again);
  g_assert_cmpint (again->seq, ==, vb->seq);
  g_assert_cmpint (again->verdict, ==, CAIRN_STATE_VERDICT_AGREES);
}

/* The damaged device reports first (nobody to compare with), then the two
 * others: its report again at the same head, after the unknown verdict,
 * hears the majority. */
static void
test_first_reporter_learns (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *todo_id = set_up_agreeing (f);
  g_autofree char *sql = g_strdup_printf ("UPDATE todos SET title = 'Damaged' WHERE id = '%s'", todo_id);
  g_autoptr(CairnStateVerdict) first = NULL, va = NULL, vc = NULL, again = NULL;
  CairnStateCheckAction action;

  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (f->dev[1].store), sql, NULL, NULL, NULL), ==, SQLITE_OK);
  another_change (f);
  first = report (f, 1, &action);
  g_assert_cmpint (first->verdict, ==, CAIRN_STATE_VERDICT_UNKNOWN);
  g_assert_true (cairn_state_check_wants_retry (f->dev[1].check));
  va = report (f, 0, &action);
  g_assert_cmpint (va->verdict, ==, CAIRN_STATE_VERDICT_UNKNOWN);  /* a tie */
  vc = report (f, 2, &action);
  g_assert_cmpint (vc->verdict, ==, CAIRN_STATE_VERDICT_AGREES);
  again = report (f, 1, &action);
  g_assert_nonnull (again);
  g_assert_cmpint (again->seq, ==, first->seq);
  g_assert_cmpint (again->verdict, ==, CAIRN_STATE_VERDICT_DIVERGED);
  g_assert_cmpint (action, ==, CAIRN_STATE_CHECK_REBUILT);
  {
    g_autofree char *repaired = dump (f, 1);

    g_assert_null (strstr (repaired, "Damaged"));
  }
}

/* The damage is in the device's log: a rebuild gives the same wrong state,
 * so the device downloads the log again. */
static void
test_corrupt_log (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *todo_id = set_up_agreeing (f);
  g_autoptr(CairnStateVerdict) vb = NULL, again = NULL;
  g_autoptr(GError) error = NULL;
  CairnStateCheckAction action;
  g_autofree char *dump_a = NULL, *dump_b = NULL;

  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (f->dev[1].store),
                                 "UPDATE log SET args = replace (args, 'Todo 1', 'Damaged') "
                                 "WHERE name = 'todo.created'; "
                                 "UPDATE todos SET title = 'Damaged' WHERE title = 'Todo 1'",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  another_change (f);
  { g_autoptr(CairnStateVerdict) v = report (f, 0, &action); }
  { g_autoptr(CairnStateVerdict) v = report (f, 2, &action); }
  vb = report (f, 1, &action);
  g_assert_cmpint (vb->verdict, ==, CAIRN_STATE_VERDICT_DIVERGED);
  /* Rebuilt, hashed again at the same seq, still different: downloaded. */
  g_assert_cmpint (action, ==, CAIRN_STATE_CHECK_REDOWNLOAD);
  g_assert_cmpint (cairn_store_get_head (f->dev[1].store), ==, 0);
  sync_device (f, 1);
  dump_a = dump (f, 0);
  dump_b = dump (f, 1);
  g_assert_cmpstr (dump_b, ==, dump_a);
  again = report (f, 1, &action);
  g_assert_nonnull (again);
  g_assert_cmpint (again->verdict, ==, CAIRN_STATE_VERDICT_AGREES);
  g_assert_cmpint (action, ==, CAIRN_STATE_CHECK_NOTHING);
  g_assert_false (cairn_state_check_gave_up (f->dev[1].check));
}

/* With the server's own hash at a seq (what snapshots will give), one
 * device is judged against it alone: a damaged device reporting first is
 * told at once, with nobody else to compare with. */
static void
test_own_state (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *todo_id = set_up_agreeing (f);
  g_autofree char *sql = g_strdup_printf ("UPDATE todos SET title = 'Damaged' WHERE id = '%s'", todo_id);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStateVerdict) vb = NULL, va = NULL;
  CairnStateCheckAction action;
  CairnStateHash truth;

  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (f->dev[1].store), sql, NULL, NULL, NULL), ==, SQLITE_OK);
  another_change (f);
  g_assert_true (cairn_store_confirmed_state_hash (f->dev[2].store, &truth, &error));
  g_assert_no_error (error);
  cairn_server_core_set_own_state (f->server, f->workspace, truth.seq, truth.format, truth.hash);

  vb = report (f, 1, &action);
  g_assert_cmpint (vb->verdict, ==, CAIRN_STATE_VERDICT_DIVERGED);
  g_assert_cmpstr (vb->hash, ==, truth.hash);
  g_assert_cmpint (action, ==, CAIRN_STATE_CHECK_REBUILT);
  va = report (f, 0, &action);
  g_assert_cmpint (va->verdict, ==, CAIRN_STATE_VERDICT_AGREES);
  g_assert_cmpint (action, ==, CAIRN_STATE_CHECK_NOTHING);
}

/* The server's own hash comes from its snapshot: the maker materialises
 * the log with data/'s reducers, hashes that state, writes the hash into
 * the snapshot's header and hands it to the core. Then two devices are
 * enough, one of them damaged, and only it reporting (one against one
 * would be a tie): it is told it diverged and repairs; the healthy one is
 * told it agrees. */
static void
test_snapshot_own_state (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *todo_id = set_up_agreeing (f);
  g_autofree char *sql = g_strdup_printf ("UPDATE todos SET title = 'Damaged' WHERE id = '%s'", todo_id);
  g_autofree char *data_dir = g_build_filename (f->dir, "server", NULL);
  /* the SQLite file, or the database under with-postgres.sh */
  const char *location = cairn_server_core_get_database_uri (f->server) != NULL
                         ? cairn_server_core_get_database_uri (f->server)
                         : cairn_server_core_get_path (f->server);
  g_autofree char *dump_a = NULL, *dump_b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStateVerdict) vb = NULL, va = NULL, again = NULL;
  g_autoptr(CairnAuth) a0 = auth_for (f, 0);
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(CairnSnapshotInfo) info = NULL;
  CairnStateCheckAction action;
  CairnStateHash made = { 0 }, healthy, damaged;
  gint64 seq = 0, served_seq = 0;
  gsize bytes = 0;

  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (f->dev[1].store), sql, NULL, NULL, NULL), ==, SQLITE_OK);
  another_change (f);
  g_assert_true (cairn_store_confirmed_state_hash (f->dev[0].store, &healthy, &error));
  g_assert_true (cairn_store_confirmed_state_hash (f->dev[1].store, &damaged, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (healthy.hash, !=, damaged.hash);

  g_assert_true (cairn_server_snapshot_make (location, data_dir,
                                             cairn_server_core_now (f->server), f->workspace,
                                             &seq, &bytes, &made, &error));
  g_assert_no_error (error);
  /* the server's materialised state hashes as a healthy replica's */
  g_assert_cmpint (seq, ==, healthy.seq);
  g_assert_cmpint (made.seq, ==, seq);
  g_assert_cmpstr (made.hash, ==, healthy.hash);
  g_assert_cmpstr (made.format, ==, healthy.format);
  /* and the header says so */
  blob = cairn_server_core_snapshot_latest (f->server, a0, f->workspace, &served_seq, &error);
  g_assert_no_error (error);
  g_assert_cmpint (served_seq, ==, seq);
  info = cairn_snapshot_parse (blob, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->state_hash, ==, healthy.hash);
  g_assert_cmpstr (info->state_format, ==, healthy.format);
  cairn_server_core_set_own_state (f->server, f->workspace, made.seq, made.format, made.hash);

  /* only the damaged device reports */
  vb = report (f, 1, &action);
  g_assert_nonnull (vb);
  g_assert_cmpint (vb->verdict, ==, CAIRN_STATE_VERDICT_DIVERGED);
  g_assert_cmpint (vb->devices, ==, 1);
  g_assert_cmpstr (vb->hash, ==, healthy.hash);
  g_assert_cmpint (action, ==, CAIRN_STATE_CHECK_REBUILT);
  dump_a = dump (f, 0);
  dump_b = dump (f, 1);
  g_assert_cmpstr (dump_b, ==, dump_a);
  g_assert_null (strstr (dump_b, "Damaged"));
  again = report (f, 1, &action);
  g_assert_nonnull (again);
  g_assert_cmpint (again->verdict, ==, CAIRN_STATE_VERDICT_AGREES);
  /* the healthy one */
  va = report (f, 0, &action);
  g_assert_nonnull (va);
  g_assert_cmpint (va->verdict, ==, CAIRN_STATE_VERDICT_AGREES);
  g_assert_cmpint (action, ==, CAIRN_STATE_CHECK_NOTHING);
}

/* Two devices against each other: no majority, nobody is told to rebuild,
 * the difference is still logged. */
static void
test_tie (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnAuth) a0 = auth_for (f, 0), a1 = auth_for (f, 1);
  g_autofree char *id = NULL;
  CairnStateReport rep = { 0 };
  g_autoptr(CairnStateVerdict) v0 = NULL, v1 = NULL;

  f->list_id = cairn_store_create_list (f->dev[0].store, "Groceries", &error);
  g_assert_no_error (error);
  sync_all (f);
  rep.seq = 1;
  rep.format = (char *) cairn_state_hash_format ();
  rep.hash = (char *) "0000000000000000000000000000000000000000000000000000000000000000";
  v0 = cairn_server_core_report_state (f->server, a0, f->workspace, &rep, &error);
  g_assert_no_error (error);
  rep.hash = (char *) "1111111111111111111111111111111111111111111111111111111111111111";
  v1 = cairn_server_core_report_state (f->server, a1, f->workspace, &rep, &error);
  g_assert_no_error (error);
  g_assert_cmpint (v0->verdict, ==, CAIRN_STATE_VERDICT_UNKNOWN);
  g_assert_cmpint (v1->verdict, ==, CAIRN_STATE_VERDICT_UNKNOWN);
  g_assert_cmpint (v1->devices, ==, 2);
  g_assert_cmpuint (cairn_server_core_get_state_mismatches (f->server), ==, 1);
}

/* Reports the server must not compare: past its head, of another log
 * (chain), in another format; a non-member. No false alarm. */
static void
test_ignored_reports (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnAuth) a0 = auth_for (f, 0), a1 = auth_for (f, 1), a2 = auth_for (f, 2);
  CairnStateReport rep = { 0 };
  CairnStateVerdict *v;
  char *other_hash = (char *) "2222222222222222222222222222222222222222222222222222222222222222";

  f->list_id = cairn_store_create_list (f->dev[0].store, "Groceries", &error);
  g_assert_no_error (error);
  sync_all (f);

  rep.seq = 1;
  rep.format = (char *) cairn_state_hash_format ();
  rep.hash = (char *) "3333333333333333333333333333333333333333333333333333333333333333";
  v = cairn_server_core_report_state (f->server, a0, f->workspace, &rep, &error);
  g_assert_no_error (error);
  cairn_state_verdict_free (v);

  /* past the log */
  rep.seq = 2;
  rep.hash = other_hash;
  v = cairn_server_core_report_state (f->server, a1, f->workspace, &rep, &error);
  g_assert_no_error (error);
  g_assert_cmpint (v->verdict, ==, CAIRN_STATE_VERDICT_UNKNOWN);
  g_assert_cmpint (v->devices, ==, 0);
  cairn_state_verdict_free (v);

  /* another log up to seq 1 */
  rep.seq = 1;
  rep.chain = (char *) "0123456789abcdef0123456789abcdef";
  v = cairn_server_core_report_state (f->server, a1, f->workspace, &rep, &error);
  g_assert_no_error (error);
  g_assert_cmpint (v->verdict, ==, CAIRN_STATE_VERDICT_UNKNOWN);
  g_assert_cmpint (v->devices, ==, 0);
  cairn_state_verdict_free (v);

  /* another canonical form (an older or newer build) */
  rep.chain = NULL;
  rep.format = (char *) "ffffffff";
  v = cairn_server_core_report_state (f->server, a2, f->workspace, &rep, &error);
  g_assert_no_error (error);
  g_assert_cmpint (v->verdict, ==, CAIRN_STATE_VERDICT_UNKNOWN);
  g_assert_cmpint (v->devices, ==, 1);
  cairn_state_verdict_free (v);
  g_assert_cmpuint (cairn_server_core_get_state_mismatches (f->server), ==, 0);

  /* a workspace that is not ann's */
  v = cairn_server_core_report_state (f->server, a0, "00000000-0000-4000-8000-000000000000", &rep, &error);
  g_assert_null (v);
  g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND);
}

/* The hash follows the confirmed state only, equals across devices, and
 * changes with every field of the dump. */
static void
test_hash (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CairnStateHash h0, h1, h2, h3;
  g_autofree char *id = NULL;

  g_assert_true (cairn_store_confirmed_state_hash (f->dev[0].store, &h0, &error));
  g_assert_no_error (error);
  g_assert_true (cairn_state_hash_is_valid (h0.hash));
  g_assert_true (cairn_state_format_is_valid (h0.format));
  g_assert_cmpint (h0.seq, ==, 0);

  f->list_id = cairn_store_create_list (f->dev[0].store, "Groceries", &error);
  g_assert_no_error (error);
  /* pending only: the confirmed state has not changed */
  g_assert_true (cairn_store_confirmed_state_hash (f->dev[0].store, &h1, &error));
  g_assert_cmpstr (h1.hash, ==, h0.hash);
  sync_all (f);
  g_assert_true (cairn_store_confirmed_state_hash (f->dev[0].store, &h1, &error));
  g_assert_true (cairn_store_confirmed_state_hash (f->dev[2].store, &h2, &error));
  g_assert_cmpint (h1.seq, ==, 1);
  g_assert_cmpstr (h1.hash, !=, h0.hash);
  g_assert_cmpstr (h1.hash, ==, h2.hash);

  id = cairn_store_create_todo (f->dev[2].store, f->list_id, "Milk", NULL, NULL, &error);
  g_assert_no_error (error);
  sync_all (f);
  g_assert_true (cairn_store_confirmed_state_hash (f->dev[0].store, &h2, &error));
  g_assert_cmpstr (h2.hash, !=, h1.hash);
  /* one character of one field */
  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (f->dev[0].store),
                                 "UPDATE todos SET title = 'Milj'", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (cairn_store_confirmed_state_hash (f->dev[0].store, &h3, &error));
  g_assert_cmpstr (h3.hash, !=, h2.hash);
}

/* A todo's notes are part of the hash: typed on one device, synced, the
 * same hash on the other; a change of one character of the notes (on the
 * device that has them in its outbox, then confirmed) changes it. */
static void
test_hash_todo_notes (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *todo = NULL;
  g_autoptr(CairnText) notes = NULL;
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  CairnStateHash before, h0, h2;

  f->list_id = cairn_store_create_list (f->dev[0].store, "Groceries", &error);
  todo = cairn_store_create_todo (f->dev[0].store, f->list_id, "Milk", NULL, NULL, &error);
  g_assert_no_error (error);
  sync_all (f);
  g_assert_true (cairn_store_confirmed_state_hash (f->dev[0].store, &before, &error));

  notes = cairn_store_load_todo_notes (f->dev[0].store, todo, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_text_insert (notes, 0, "oat", 3, ops, &error));
  g_assert_true (cairn_store_edit_todo_notes (f->dev[0].store, todo, ops, &error));
  g_assert_no_error (error);
  sync_all (f);
  g_assert_true (cairn_store_confirmed_state_hash (f->dev[0].store, &h0, &error));
  g_assert_true (cairn_store_confirmed_state_hash (f->dev[2].store, &h2, &error));
  g_assert_cmpstr (h0.hash, ==, h2.hash);
  g_assert_cmpstr (h0.hash, !=, before.hash);
  {
    g_autofree char *d = dump (f, 2);

    g_assert_nonnull (strstr (d, "\"notes\" : \"oat\""));
  }

  /* More typing, not pushed yet: the confirmed state has not changed. */
  {
    g_autoptr(CairnText) again = cairn_store_load_todo_notes (f->dev[0].store, todo, &error);
    g_autoptr(CairnTextOps) more = cairn_text_ops_new ();
    CairnStateHash pending;

    g_assert_no_error (error);
    g_assert_true (cairn_text_insert (again, 3, " milk", 5, more, &error));
    g_assert_true (cairn_store_edit_todo_notes (f->dev[0].store, todo, more, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (cairn_store_get_pending_count (f->dev[0].store), >, 0);
    g_assert_true (cairn_store_confirmed_state_hash (f->dev[0].store, &pending, &error));
    g_assert_no_error (error);
    if (g_strcmp0 (pending.hash, h0.hash) != 0)
      {
        g_autofree char *d = _cairn_store_dump_state_without_pending (f->dev[0].store, NULL);
        g_test_message ("%s", d);
      }
    g_assert_cmpstr (pending.hash, ==, h0.hash);
  }
}

/* The codecs: a report missing its hash or with a malformed one is
 * refused (the server then logs and ignores it); a verdict from a newer
 * server with fields or a verdict this build does not know is read as
 * unknown; a malformed verdict is an error, never a repair. */
static void
test_codecs (void)
{
  static const char * const bad_reports[] = {
    "{\"seq\":5,\"format\":\"0123abcd\"}",
    "{\"seq\":5,\"format\":\"0123abcd\",\"hash\":\"xyz\"}",
    "{\"seq\":5,\"format\":\"0123abcd\",\"hash\":\"ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789\"}",
    "{\"seq\":5,\"format\":\"0123abcd\",\"hash\":7}",
    "{\"seq\":0,\"format\":\"0123abcd\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
    "{\"seq\":5,\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
    "{\"seq\":5,\"format\":\"0123abcd\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"x\":1}",
    "{\"seq\":5,\"chain\":\"00\",\"format\":\"0123abcd\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
  };
  static const char * const bad_verdicts[] = {
    "{\"seq\":5,\"verdict\":\"diverged\",\"devices\":3}",
    "{\"seq\":5,\"verdict\":\"diverged\",\"devices\":3,\"hash\":\"nothex\"}",
    "{\"seq\":\"5\",\"verdict\":\"agrees\",\"devices\":3}",
    "[]",
  };
  CairnStateReport rep = { 7, (char *) "0123456789abcdef0123456789abcdef", (char *) "0123abcd",
                           (char *) "abababababababababababababababababababababababababababababababab" };
  g_autoptr(JsonNode) node = cairn_protocol_encode_state_report (&rep);
  g_autoptr(CairnStateReport) back = cairn_protocol_decode_state_report (node, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (back);
  g_assert_cmpint (back->seq, ==, 7);
  g_assert_cmpstr (back->chain, ==, rep.chain);
  g_assert_cmpstr (back->hash, ==, rep.hash);
  for (guint i = 0; i < G_N_ELEMENTS (bad_reports); i++)
    {
      g_autoptr(JsonNode) bad = cairn_protocol_parse (bad_reports[i], strlen (bad_reports[i]), 4096, &error);
      g_autoptr(CairnStateReport) r = NULL;

      g_assert_no_error (error);
      r = cairn_protocol_decode_state_report (bad, &error);
      g_assert_null (r);
      g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST);
      g_clear_error (&error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_verdicts); i++)
    {
      g_autoptr(JsonNode) bad = json_from_string (bad_verdicts[i], NULL);
      g_autoptr(CairnStateVerdict) v = cairn_protocol_decode_state_verdict (bad, &error);

      g_assert_null (v);
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  {
    const char *newer = "{\"seq\":5,\"verdict\":\"suspicious\",\"devices\":3,\"server_hash\":\"x\"}";
    g_autoptr(JsonNode) n = json_from_string (newer, NULL);
    g_autoptr(CairnStateVerdict) v = cairn_protocol_decode_state_verdict (n, &error);

    g_assert_no_error (error);
    g_assert_cmpint (v->verdict, ==, CAIRN_STATE_VERDICT_UNKNOWN);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/state-check/hash", test_hash);
  ADD ("/state-check/hash-todo-notes", test_hash_todo_notes);
  ADD ("/state-check/corrupt-row", test_corrupt_row);
  ADD ("/state-check/corrupt-log", test_corrupt_log);
  ADD ("/state-check/first-reporter-learns", test_first_reporter_learns);
  ADD ("/state-check/own-state", test_own_state);
  ADD ("/state-check/snapshot-own-state", test_snapshot_own_state);
  ADD ("/state-check/tie", test_tie);
  ADD ("/state-check/ignored-reports", test_ignored_reports);
  g_test_add_func ("/state-check/codecs", test_codecs);
  return g_test_run ();
}

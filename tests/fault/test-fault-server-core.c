/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-fault-server-core.c: the server core through power cuts and a full disk.
 *
 * A scenario of single pushes and group commits (and a restart) runs once
 * to count its syncs and writes. Power: it runs again with the power cut
 * at every sync (all unsynced blocks lost, or a random subset kept) and
 * before every write; after the reboot the file must open and be sound,
 * every push that was acknowledged (its call returned before the cut) must
 * be there with the seqs it was given, no push may be there in part, the
 * log's seqs run 1..head, and every push sent again is answered with its
 * stored seqs or stored now. Full disk: from the n-th write on, for every
 * n; the push that meets it is refused with STORAGE_FULL and stores
 * nothing; while the disk stays full the session still authenticates
 * (even when its use is due to be recorded) and pulls still answer; once
 * space returns the same push is stored.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include "cairn-fault-vfs.h"
#include "core-test-util.h"
#include "fault-test-util.h"

#define CLIENT_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define CLIENT_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* One push of the scenario: a client's events from..to. */
typedef struct
{
  const char *client;
  gint64      from, to;
  gboolean    grouped;    /* joins a group (committed by the next COMMIT) */
} Push;

/* COMMIT ends the group before it; RESTART closes and opens the core. */
#define COMMIT  { NULL, 0, 0, FALSE }
#define RESTART { NULL, 1, 0, FALSE }

static const Push pushes[] = {
  { CLIENT_A, 1, 3, FALSE },
  { CLIENT_A, 4, 5, TRUE },
  { CLIENT_B, 1, 2, TRUE },
  COMMIT,
  { CLIENT_B, 3, 3, FALSE },
  { CLIENT_A, 6, 8, TRUE },
  { CLIENT_B, 4, 4, TRUE },
  { CLIENT_A, 9, 9, TRUE },
  COMMIT,
  { CLIENT_A, 10, 12, FALSE },
  RESTART,
  { CLIENT_A, 13, 13, TRUE },
  { CLIENT_B, 5, 6, TRUE },
  COMMIT,
};

typedef struct
{
  char            *dir;
  CoreTestWorld    world;
  CairnServerCore *core;
  char            *ws;
  char            *token;
  CairnAuth       *auth;
  /* per push: the seqs it was acknowledged with (first event), or 0 */
  gint64           acked[G_N_ELEMENTS (pushes)];
  gint64           stored[G_N_ELEMENTS (pushes)];  /* stored, acknowledged or not */
  GArray          *group;  /* indices of the pushes in the open group */
} Ctx;

static CairnServerCore *
open_core (Ctx     *c,
           GError **error)
{
  return core_test_open (c->dir, &c->world, error);
}

static void
on_group (const GError *error,
          gpointer      user_data)
{
  Ctx *c = user_data;

  /* Acknowledged only if the commit took effect before the power went. */
  if (error == NULL && !cairn_fault_vfs_is_dead ())
    for (guint i = 0; i < c->group->len; i++)
      {
        guint p = g_array_index (c->group, guint, i);

        c->acked[p] = c->stored[p];
      }
  g_array_set_size (c->group, 0);
}

static void
ctx_open (Ctx *c)
{
  g_autoptr(GError) error = NULL;

  c->core = open_core (c, &error);
  g_assert_no_error (error);
  cairn_server_core_set_group_func (c->core, on_group, c);
}

static Ctx *
ctx_new (void)
{
  Ctx *c = g_new0 (Ctx, 1);

  c->dir = fault_test_tmpdir ();
  c->world = (CoreTestWorld) CORE_TEST_WORLD_INIT;
  c->group = g_array_new (FALSE, FALSE, sizeof (guint));
  return c;
}

static void
ctx_free (Ctx *c)
{
  g_clear_pointer (&c->auth, cairn_auth_free);
  g_clear_pointer (&c->core, cairn_server_core_close);
  cairn_test_rm_rf (c->dir);
  g_free (c->dir);
  g_free (c->ws);
  g_free (c->token);
  g_array_unref (c->group);
  g_free (c);
}

/* A user and a session to push with. */
static void
setup_account (Ctx *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnSessionReply) reply = NULL;
  gint64 retry = 0;

  g_assert_true (cairn_server_core_user_add (c->core, "alice", "correct horse", &c->ws, &error));
  g_assert_no_error (error);
  reply = cairn_server_core_login (c->core, "alice", "correct horse", "laptop", "10.0.0.1", &retry, &error);
  g_assert_no_error (error);
  c->token = g_strdup (reply->token);
  c->auth = cairn_server_core_authenticate (c->core, c->token, &error);
  g_assert_no_error (error);
}

static GPtrArray *
events_of (guint p)
{
  GPtrArray *a = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);

  for (gint64 s = pushes[p].from; s <= pushes[p].to; s++)
    {
      g_autofree char *args = g_strdup_printf ("{\"push\":%u,\"n\":%" G_GINT64_FORMAT "}", p, s);

      g_ptr_array_add (a, cairn_wire_event_new ("todo.created", 1, args, pushes[p].client, s, 1000 + s));
    }
  return a;
}

/* Sends push p; returns FALSE with error when refused. */
static gboolean
send_push (Ctx      *c,
           guint     p,
           GError  **error)
{
  g_autoptr(GPtrArray) events = events_of (p);
  g_autoptr(GPtrArray) appended = NULL;
  g_autoptr(CairnPushReply) reply = NULL;
  g_autofree char *gap = NULL;
  gint64 expected = 0;

  if (pushes[p].grouped)
    reply = cairn_server_core_push_grouped (c->core, c->auth, c->ws, events, &appended,
                                            &gap, &expected, error);
  else
    reply = cairn_server_core_push (c->core, c->auth, c->ws, events, &appended,
                                    &gap, &expected, error);
  if (reply == NULL)
    return FALSE;
  g_assert_cmpuint (reply->results->len, ==, events->len);
  c->stored[p] = ((CairnPushResult *) reply->results->pdata[0])->seq;
  for (guint i = 1; i < reply->results->len; i++)
    g_assert_cmpint (((CairnPushResult *) reply->results->pdata[i])->seq, ==, c->stored[p] + i);
  if (pushes[p].grouped)
    g_array_append_val (c->group, p);
  else if (!cairn_fault_vfs_is_dead ())
    c->acked[p] = c->stored[p];
  return TRUE;
}

static gboolean
step (Ctx     *c,
      guint    p,
      GError **error)
{
  if (pushes[p].client != NULL)
    return send_push (c, p, error);
  if (pushes[p].from == 1)
    {
      g_clear_pointer (&c->auth, cairn_auth_free);
      g_clear_pointer (&c->core, cairn_server_core_close);
      c->core = open_core (c, error);
      if (c->core == NULL)
        return FALSE;
      cairn_server_core_set_group_func (c->core, on_group, c);
      c->auth = cairn_server_core_authenticate (c->core, c->token, error);
      return c->auth != NULL;
    }
  return cairn_server_core_commit_group (c->core, error);
}

/* The log of the workspace as a fresh core (after a reboot) reads it:
 * every acknowledged push with its seqs, each push whole or absent, seqs
 * 1..head. */
static void
check_log (Ctx *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPullReply) page = NULL;
  guint present[G_N_ELEMENTS (pushes)] = { 0 };
  gint64 first[G_N_ELEMENTS (pushes)] = { 0 };

  page = cairn_server_core_pull (c->core, c->auth, c->ws, 0, 1000, &error);
  g_assert_no_error (error);
  g_assert_false (page->more);
  g_assert_cmpint (page->head, ==, page->events->len);
  for (guint i = 0; i < page->events->len; i++)
    {
      CairnWireEvent *e = page->events->pdata[i];
      guint p;

      g_assert_cmpint (e->seq, ==, i + 1);
      g_assert_true (sscanf (e->args_json, "{\"push\":%u,", &p) == 1);
      g_assert_cmpuint (p, <, G_N_ELEMENTS (pushes));
      g_assert_cmpstr (e->client_id, ==, pushes[p].client);
      if (present[p]++ == 0)
        first[p] = e->seq;
      g_assert_cmpint (e->seq, ==, first[p] + (e->client_seq - pushes[p].from));
    }
  for (guint p = 0; p < G_N_ELEMENTS (pushes); p++)
    {
      if (pushes[p].client == NULL)
        continue;
      /* Whole or absent. */
      g_assert_true (present[p] == 0 || present[p] == pushes[p].to - pushes[p].from + 1);
      if (c->acked[p] != 0)
        g_assert_cmpint (first[p], ==, c->acked[p]);
    }
}

/* ---- power -------------------------------------------------------------- */

static guint
scenario (Ctx *c)
{
  g_autoptr(GError) error = NULL;
  guint n = 0;

  ctx_open (c);
  setup_account (c);
  for (guint p = 0; p < G_N_ELEMENTS (pushes); p++)
    {
      g_assert_true (step (c, p, &error));
      g_assert_no_error (error);
      n++;
    }
  return n;
}

static void
crash_run (guint    at_sync,
           guint    at_write,
           guint32  seed,
           guint   *lost_acks_possible)
{
  g_autoptr(GError) error = NULL;
  Ctx *c = ctx_new ();
  g_autofree char *db_path = g_build_filename (c->dir, "cairn-server.db", NULL);
  gboolean account_durable;

  fault_test_allow_storage_warnings ();
  cairn_fault_vfs_reset ();
  cairn_fault_vfs_cut_at_sync (at_sync);
  cairn_fault_vfs_cut_at_write (at_write);
  ctx_open (c);
  setup_account (c);
  account_durable = !cairn_fault_vfs_is_dead ();
  for (guint p = 0; p < G_N_ELEMENTS (pushes); p++)
    {
      g_assert_true (step (c, p, &error));
      g_assert_no_error (error);
    }
  cairn_fault_vfs_power_cut ();
  g_clear_pointer (&c->auth, cairn_auth_free);
  g_clear_pointer (&c->core, cairn_server_core_close);
  cairn_fault_vfs_reboot (seed);

  fault_test_assert_file_integrity (db_path);
  c->core = open_core (c, &error);
  g_assert_no_error (error);
  cairn_server_core_set_group_func (c->core, on_group, c);
  c->auth = cairn_server_core_authenticate (c->core, c->token, &error);
  if (!account_durable)
    {
      /* The login was never answered: it may or may not be there. */
      if (c->auth == NULL)
        {
          g_clear_error (&error);
          ctx_free (c);
          return;
        }
    }
  g_assert_no_error (error);
  check_log (c);

  /* Every device pushes again what it has not seen acknowledged: stored
   * once, with the acknowledged seqs unchanged. */
  for (guint p = 0; p < G_N_ELEMENTS (pushes); p++)
    if (pushes[p].client != NULL)
      {
        gint64 acked = c->acked[p];

        g_assert_true (send_push (c, p, &error));
        g_assert_no_error (error);
        if (acked != 0)
          g_assert_cmpint (c->stored[p], ==, acked);
        else
          (*lost_acks_possible)++;
        if (pushes[p].grouped)
          {
            g_assert_true (cairn_server_core_commit_group (c->core, &error));
            g_assert_no_error (error);
          }
      }
  check_log (c);
  ctx_free (c);
}

static void
test_power (void)
{
  guint syncs, writes, runs = 0, unacked = 0;

  {
    Ctx *c = ctx_new ();

    cairn_fault_vfs_reset ();
    scenario (c);
    syncs = cairn_fault_vfs_get_sync_count ();
    writes = cairn_fault_vfs_get_write_count ();
    ctx_free (c);
  }
  /* synchronous = FULL: at least one sync per commit. */
  g_assert_cmpuint (syncs, >=, 10);
  for (guint k = 1; k <= syncs + 1; k++)
    {
      crash_run (k, 0, 0, &unacked);
      crash_run (k, 0, 77 * k, &unacked);
      runs += 2;
    }
  for (guint w = 1; w <= writes; w += writes / 200 + 1)
    {
      crash_run (0, w, w, &unacked);
      runs++;
    }
  g_test_message ("%u syncs, %u writes, %u runs, %u pushes unacknowledged at the cut",
                  syncs, writes, runs, unacked);
  g_assert_cmpuint (unacked, >, 0);
}

/* ---- full disk ---------------------------------------------------------- */

/* Reads while the disk is full: the session authenticates even when its
 * use is due to be written down, and the log is served. */
static void
check_reads (Ctx *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnAuth) auth = NULL;
  g_autofree char *history = NULL;
  gint64 head = -1;

  c->world.now += 2 * 60 * 1000;
  auth = cairn_server_core_authenticate (c->core, c->token, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_server_core_head (c->core, auth, c->ws, &head, &history, &error));
  g_assert_no_error (error);
  check_log (c);
}

static guint
full_run (guint  n,
          int    rc,
          guint *out_refused_pushes)
{
  g_autoptr(GError) error = NULL;
  Ctx *c = ctx_new ();
  g_autofree char *db_path = g_build_filename (c->dir, "cairn-server.db", NULL);
  guint writes;

  cairn_fault_vfs_reset ();
  ctx_open (c);
  setup_account (c);
  cairn_fault_vfs_reset ();
  if (n > 0)
    cairn_fault_vfs_fill_disk (n, rc);

  for (guint p = 0; p < G_N_ELEMENTS (pushes); p++)
    {
      /* The group a COMMIT ends, for sending it again. */
      g_autoptr(GArray) group = g_array_copy (c->group);

      if (step (c, p, &error))
        {
          g_assert_no_error (error);
          continue;
        }
      g_assert_cmpuint (cairn_fault_vfs_get_refused (), >, 0);
      g_assert_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL);
      g_clear_error (&error);
      (*out_refused_pushes)++;

      if (c->core == NULL)
        {
          /* The restart could not open the database: once there is
           * space, it can. */
          cairn_fault_vfs_free_space ();
          g_assert_true (step (c, p, &error));
          g_assert_no_error (error);
          continue;
        }

      /* A refused push, or a group that could not be committed, left
       * nothing: the reads show exactly what was acknowledged. */
      if (pushes[p].client != NULL)
        c->stored[p] = 0;
      for (guint i = 0; i < group->len; i++)
        c->stored[g_array_index (group, guint, i)] = 0;
      g_array_set_size (c->group, 0);
      check_reads (c);

      cairn_fault_vfs_free_space ();
      /* Space is back: the same pushes are stored. */
      for (guint i = 0; i < group->len; i++)
        {
          g_assert_true (send_push (c, g_array_index (group, guint, i), &error));
          g_assert_no_error (error);
        }
      if (pushes[p].client != NULL)
        {
          g_assert_true (send_push (c, p, &error));
          g_assert_no_error (error);
        }
      g_assert_true (cairn_server_core_commit_group (c->core, &error));
      g_assert_no_error (error);
    }
  cairn_fault_vfs_free_space ();
  writes = cairn_fault_vfs_get_write_count ();
  g_assert_true (cairn_server_core_commit_group (c->core, &error));
  g_assert_no_error (error);

  /* Everything is there, once, and stays there. */
  for (guint p = 0; p < G_N_ELEMENTS (pushes); p++)
    if (pushes[p].client != NULL)
      g_assert_cmpint (c->acked[p], !=, 0);
  check_log (c);
  g_clear_pointer (&c->auth, cairn_auth_free);
  g_clear_pointer (&c->core, cairn_server_core_close);
  fault_test_assert_file_integrity (db_path);
  ctx_open (c);
  c->auth = cairn_server_core_authenticate (c->core, c->token, &error);
  g_assert_no_error (error);
  check_log (c);
  ctx_free (c);
  return writes;
}

static void
test_full_disk (void)
{
  guint writes, refused = 0;

  fault_test_allow_storage_warnings ();
  writes = full_run (0, 0, &refused);
  g_assert_cmpuint (refused, ==, 0);
  for (guint n = 1; n <= writes; n++)
    full_run (n, n % 3 == 0 ? SQLITE_IOERR_WRITE : SQLITE_FULL, &refused);
  g_test_message ("%u writes, %u refused pushes, commits or restarts", writes, refused);
  g_assert_cmpuint (refused, >=, writes / 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cairn_fault_vfs_install ();
  g_test_add_func ("/fault/server-core/power", test_power);
  g_test_add_func ("/fault/server-core/full-disk", test_full_disk);
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-fault-store.c: the client store through power cuts.
 *
 * A scenario of local commits, text edits, two rebases (the fast path and
 * the rollback/replay path), a rebuild, a checkpoint and restarts runs once
 * to count its syncs and writes, then again with the power cut at every
 * sync (dropping everything unsynced, and keeping a random subset of it)
 * and before every write (keeping a random subset). After each cut the
 * file must open, pass PRAGMA integrity_check and hold exactly the state,
 * outbox, log and cursor of one moment of the scenario (nothing half
 * applied): at least everything committed before the last sync, since
 * the store runs synchronous = NORMAL (docs/store.md), and no more than
 * what was committed before the cut. Schema migrations from the v3 and
 * v5 fixtures, and the checkpoint thread, get the same treatment.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "cairn-fault-vfs.h"
#include "fault-test-util.h"
#include "cairn-store-sync.h"
#include "store-test-util.h"

#define OTHER "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define REMOTE_LIST "01890a5d-ac96-774b-bcce-b30209900001"
#define REMOTE_TODO "01890a5d-ac96-774b-bcce-b30209900021"

typedef struct
{
  char       *dir;
  char       *path;
  CairnStore *store;
  GPtrArray  *fps;       /* fingerprint after each step (step 0: opened) */
  GArray     *syncs;     /* syncs that had taken effect after each step */
  guint       cut_step;  /* the step during which the power went, or G_MAXUINT */
  gint64      next_seq;  /* the next seq the "server" gives */
} Run;

static Run *
run_new (void)
{
  Run *r = g_new0 (Run, 1);

  r->dir = fault_test_tmpdir ();
  r->path = g_build_filename (r->dir, "workspace.db", NULL);
  r->fps = g_ptr_array_new_with_free_func (g_free);
  r->syncs = g_array_new (FALSE, FALSE, sizeof (guint));
  r->cut_step = G_MAXUINT;
  r->next_seq = 1;
  return r;
}

static void
run_free (Run *r)
{
  g_clear_object (&r->store);
  cairn_test_rm_rf (r->dir);
  g_free (r->dir);
  g_free (r->path);
  g_ptr_array_unref (r->fps);
  g_array_unref (r->syncs);
  g_free (r);
}

static void
step (Run *r)
{
  guint syncs = cairn_fault_vfs_get_sync_count ();

  g_ptr_array_add (r->fps, test_fingerprint (r->store));
  g_array_append_val (r->syncs, syncs);
  if (r->cut_step == G_MAXUINT && cairn_fault_vfs_is_dead ())
    r->cut_step = r->fps->len - 1;
}

static void
open_store (Run *r)
{
  g_autoptr(GError) error = NULL;

  r->store = cairn_store_open (r->path, &error);
  g_assert_no_error (error);
}

static void
reopen (Run *r)
{
  g_clear_object (&r->store);
  open_store (r);
}

static void
edit_note (Run        *r,
           const char *note_id,
           gsize       pos,
           const char *insert,
           gsize       delete)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) text = cairn_store_load_note_text (r->store, note_id, &error);
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

  g_assert_no_error (error);
  if (delete > 0)
    g_assert_true (cairn_text_delete (text, pos, delete, ops, &error));
  if (insert != NULL)
    g_assert_true (cairn_text_insert (text, pos, insert, -1, ops, &error));
  g_assert_no_error (error);
  g_assert_true (cairn_store_edit_note (r->store, note_id, ops, &error));
  g_assert_no_error (error);
}

/* The server confirms our n oldest pending events, after the remote
 * events given (NULL-terminated JSON args of list.renamed/created …). */
static void
confirm (Run        *r,
         guint       n,
         const char *remote_name,
         const char *remote_args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = cairn_store_list_pending (r->store, n, &error);
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

  g_assert_no_error (error);
  if (remote_name != NULL)
    g_ptr_array_add (batch, test_event_new (OTHER, r->next_seq, r->next_seq, remote_name, remote_args)),
      r->next_seq++;
  for (guint i = 0; i < pending->len; i++)
    g_ptr_array_add (batch, test_event_confirmed (pending->pdata[i], r->next_seq++));
  g_assert_true (cairn_store_rebase (r->store, batch, "history-1", &error));
  g_assert_no_error (error);
}

/* One event of another device, alone in a batch. */
static void
remote (Run        *r,
        const char *name,
        const char *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

  g_ptr_array_add (batch, test_event_new (OTHER, r->next_seq, r->next_seq, name, args));
  r->next_seq++;
  g_assert_true (cairn_store_rebase (r->store, batch, "history-1", &error));
  g_assert_no_error (error);
}

static void
scenario (Run *r)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL, *t1 = NULL, *t2 = NULL, *t3 = NULL, *note = NULL;

  open_store (r);
  step (r);

  g_assert_nonnull ((list = cairn_store_create_list (r->store, "Groceries", &error)));
  step (r);
  g_assert_nonnull ((t1 = cairn_store_create_todo (r->store, list, "milk", NULL, NULL, &error)));
  step (r);
  g_assert_nonnull ((t2 = cairn_store_create_todo (r->store, list, "bread", NULL, NULL, &error)));
  step (r);
  g_assert_true (cairn_store_rename_todo (r->store, t1, "oat milk", &error));
  step (r);
  g_assert_true (cairn_store_set_todo_done (r->store, t2, TRUE, &error));
  step (r);
  g_assert_nonnull ((note = cairn_store_create_note (r->store, "Diary", &error)));
  step (r);
  edit_note (r, note, 0, "Dear diary, ", 0);
  step (r);
  edit_note (r, note, 12, "today it rained.", 0);
  step (r);
  reopen (r);                                   /* a restart: checkpoint */
  step (r);

  g_assert_true (cairn_store_move_todo (r->store, t2, NULL, t1, NULL, &error));
  step (r);
  /* A remote event before ours: rollback, apply, replay. */
  confirm (r, 3, "list.created",
           "{\"list_id\":\"" REMOTE_LIST "\",\"title\":\"Shared\",\"position\":\"U\"}");
  step (r);
  edit_note (r, note, 0, NULL, 5);
  step (r);
  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (r->store), "PRAGMA wal_checkpoint(PASSIVE)",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  step (r);
  /* Only ours: the fast path. */
  confirm (r, 2, NULL, NULL);
  step (r);
  g_assert_true (cairn_store_delete_todo (r->store, t1, &error));
  step (r);
  /* A rename before its todo's create waits (parked), until the create. */
  remote (r, "todo.renamed", "{\"todo_id\":\"" REMOTE_TODO "\",\"title\":\"cups\"}");
  step (r);
  remote (r, "todo.created", "{\"todo_id\":\"" REMOTE_TODO "\",\"list_id\":\"" REMOTE_LIST "\","
                             "\"title\":\"plates\",\"position\":\"V\"}");
  {
    g_autofree char *title = test_query_text (r->store, "SELECT title FROM todos WHERE id = '" REMOTE_TODO "'");

    g_assert_cmpstr (title, ==, "cups");
  }
  step (r);
  g_assert_true (cairn_store_rebuild (r->store, &error));
  step (r);
  g_assert_true (cairn_store_set_todo_due (r->store, t2, "2026-12-24", &error));
  step (r);
  g_assert_true (cairn_store_save_note_bodies (r->store, &error));
  step (r);
  g_assert_nonnull ((t3 = cairn_store_create_todo (r->store, REMOTE_LIST, "plates", NULL, NULL, &error)));
  step (r);
  edit_note (r, note, 7, " and sunny", 0);
  step (r);
  reopen (r);
  step (r);
  g_assert_true (cairn_store_rename_note (r->store, note, "Weather", &error));
  step (r);
  g_assert_no_error (error);
}

/* After the reboot: the file opens and is sound, it holds one moment of
 * the scenario between lo and hi, the invariant state = log + pending
 * holds (a rebuild changes nothing) and the next commit works. Returns
 * the step found. */
static guint
check_recovered (Run   *r,
                 guint  lo,
                 guint  hi)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fp = NULL, *again = NULL, *list = NULL;
  guint found = G_MAXUINT;

  fault_test_assert_file_integrity (r->path);
  open_store (r);
  fault_test_assert_integrity (_cairn_store_get_db (r->store));
  fp = test_fingerprint (r->store);
  for (guint j = hi + 1; j-- > lo;)
    if (g_str_equal (fp, r->fps->pdata[j]))
      {
        found = j;
        break;
      }
  if (found == G_MAXUINT)
    {
      for (guint j = 0; j < r->fps->len; j++)
        if (g_str_equal (fp, r->fps->pdata[j]))
          g_printerr ("matches step %u, outside %u..%u\n", j, lo, hi);
      g_printerr ("recovered:\n%s\n", fp);
      g_error ("After the power cut the store holds no state of steps %u..%u", lo, hi);
    }

  g_assert_true (cairn_store_rebuild (r->store, &error));
  g_assert_no_error (error);
  again = test_fingerprint (r->store);
  g_assert_cmpstr (again, ==, fp);
  list = cairn_store_create_list (r->store, "After the reboot", &error);
  g_assert_no_error (error);
  g_assert_nonnull (list);
  g_clear_object (&r->store);
  return found;
}

typedef struct
{
  guint runs;
  guint lost;      /* runs that lost a step committed before the cut */
} Tally;

/* One scenario with the power cut at sync `at_sync` or before write
 * `at_write` (or at the end, when neither comes), rebooted with seed. */
typedef void (*ScenarioFunc) (Run *r);

static void
crash_run (ScenarioFunc scenario,
           guint        at_sync,
           guint        at_write,
           guint32      seed,
           Tally       *tally)
{
  Run *r = run_new ();
  guint durable, lo = 0, hi, found;

  cairn_fault_vfs_reset ();
  cairn_fault_vfs_cut_at_sync (at_sync);
  cairn_fault_vfs_cut_at_write (at_write);
  scenario (r);
  if (!cairn_fault_vfs_is_dead ())
    {
      cairn_fault_vfs_power_cut ();
      r->cut_step = r->fps->len - 1;
    }
  durable = cairn_fault_vfs_get_sync_count ();
  g_clear_object (&r->store);
  cairn_fault_vfs_reboot (seed);

  /* A step is durable once a sync took effect after it. */
  for (guint j = 0; j < r->syncs->len; j++)
    if (g_array_index (r->syncs, guint, j) < durable)
      lo = j;
  hi = r->cut_step;
  g_assert_cmpuint (lo, <=, hi);
  found = check_recovered (r, lo, hi);
  if (found < hi)
    tally->lost++;
  tally->runs++;
  run_free (r);
}

static void
count_scenario (ScenarioFunc scenario,
                guint       *out_syncs,
                guint       *out_writes)
{
  Run *r = run_new ();

  cairn_fault_vfs_reset ();
  scenario (r);
  *out_syncs = cairn_fault_vfs_get_sync_count ();
  *out_writes = cairn_fault_vfs_get_write_count ();
  run_free (r);
}

static void
test_power_at_every_sync (void)
{
  Tally tally = { 0 };
  guint syncs, writes;

  count_scenario (scenario, &syncs, &writes);
  g_assert_cmpuint (syncs, >=, 6);
  for (guint k = 1; k <= syncs + 1; k++)
    {
      crash_run (scenario, k, 0, 0, &tally);
      crash_run (scenario, k, 0, 1000 + k, &tally);
    }
  g_test_message ("%u syncs, %u runs, %u lost unsynced steps", syncs, tally.runs, tally.lost);
  /* The cuts must really lose something (synchronous = NORMAL), or the
   * test proves nothing. */
  g_assert_cmpuint (tally.lost, >, 0);
}

static void
test_power_before_every_write (void)
{
  Tally tally = { 0 };
  guint syncs, writes, stride = 1;

  count_scenario (scenario, &syncs, &writes);
  /* Every write of today's scenario (about 300); a longer one is sampled. */
  if (!g_test_slow () && writes > 400)
    stride = writes / 400 + 1;
  for (guint w = 1; w <= writes; w += stride)
    crash_run (scenario, 0, w, w, &tally);
  g_test_message ("%u writes, %u runs (every %u), %u lost unsynced steps",
                  writes, tally.runs, stride, tally.lost);
  g_assert_cmpuint (tally.lost, >, 0);
}

/* ---- a lost commit the server has ----------------------------------------- */

static gint64
count_todos_titled (CairnStore *store,
                    const char *title)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM todos WHERE title = '%s'", title);

  return test_query_int (store, sql);
}

/* The power cut loses a local commit (synchronous = NORMAL) that the sync
 * engine had already pushed: the server has it. The next local change,
 * made before the device caught up, takes the same client seq. When the
 * server's event comes back it is not the confirmation of that change:
 * both must end up in the state, the log and the outbox agree with it,
 * and the new change waits in the outbox under a new client id, as its
 * client seq 1. */
static void
test_power_loss_then_reused_client_seq (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sent = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GPtrArray) pending = NULL;
  g_autofree char *list = NULL, *milk = NULL, *bread = NULL, *before = NULL, *after = NULL;
  gint64 reused = 0;
  Run *r = run_new ();

  cairn_fault_vfs_reset ();
  open_store (r);
  g_assert_nonnull ((list = cairn_store_create_list (r->store, "Groceries", &error)));
  reopen (r);                   /* the list is on disk */
  g_assert_nonnull ((milk = cairn_store_create_todo (r->store, list, "milk", NULL, NULL, &error)));
  /* Pushed and stored by the server as seqs 1 and 2 … */
  sent = cairn_store_list_pending (r->store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sent->len, ==, 2);
  for (guint i = 0; i < sent->len; i++)
    g_ptr_array_add (batch, test_event_confirmed (sent->pdata[i], i + 1));
  /* … and then the power goes before the commit of "milk" was synced. */
  cairn_fault_vfs_power_cut ();
  g_clear_object (&r->store);
  cairn_fault_vfs_reboot (0);
  open_store (r);
  g_assert_cmpuint (cairn_store_get_pending_count (r->store), ==, 1);
  g_assert_cmpint (count_todos_titled (r->store, "milk"), ==, 0);

  /* A new change takes the lost one's client seq. */
  g_assert_nonnull ((bread = cairn_store_create_todo (r->store, list, "bread", NULL, NULL, &error)));
  pending = cairn_store_list_pending (r->store, 0, &error);
  g_assert_cmpint (((CairnEvent *) pending->pdata[1])->client_seq, ==,
                   ((CairnEvent *) sent->pdata[1])->client_seq);

  /* The server's log arrives. */
  g_assert_true (cairn_store_rebase (r->store, batch, "history-1", &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_todos_titled (r->store, "milk"), ==, 1);
  g_assert_cmpint (count_todos_titled (r->store, "bread"), ==, 1);
  g_assert_cmpuint (cairn_store_get_pending_count (r->store), ==, 1);
  /* The device took a new client id (docs/sync.md, "A shared client
   * id"): the new change is its first. */
  g_assert_cmpstr (cairn_store_get_client_id (r->store), !=, ((CairnEvent *) sent->pdata[1])->client_id);
  g_assert_true (cairn_store_get_identity_change (r->store, NULL, &reused, NULL, &error));
  g_assert_cmpint (reused, ==, ((CairnEvent *) sent->pdata[1])->client_seq);
  g_assert_cmpint (test_query_int (r->store, "SELECT client_seq FROM pending"), ==, 1);
  g_assert_cmpint (cairn_store_get_head (r->store), ==, 2);
  before = test_fingerprint (r->store);
  g_assert_true (cairn_store_rebuild (r->store, &error));
  g_assert_no_error (error);
  after = test_fingerprint (r->store);
  g_assert_cmpstr (after, ==, before);

  /* Its confirmation under the new number is an ordinary fast path. */
  g_clear_pointer (&pending, g_ptr_array_unref);
  pending = cairn_store_list_pending (r->store, 0, &error);
  g_ptr_array_set_size (batch, 0);
  g_ptr_array_add (batch, test_event_confirmed (pending->pdata[0], 3));
  g_assert_true (cairn_store_rebase (r->store, batch, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cairn_store_get_pending_count (r->store), ==, 0);
  g_assert_cmpint (count_todos_titled (r->store, "bread"), ==, 1);
  g_assert_cmpint (count_todos_titled (r->store, "milk"), ==, 1);
  run_free (r);
}

/* cairn_store_sync_to_disk() (called before every push) makes the
 * commits before it durable; one after it is not, until the next call. */
static void
test_sync_to_disk (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL, *kept = NULL, *lost = NULL;
  Run *r = run_new ();
  guint syncs;

  cairn_fault_vfs_reset ();
  open_store (r);
  g_assert_nonnull ((list = cairn_store_create_list (r->store, "Groceries", &error)));
  g_assert_nonnull ((kept = cairn_store_create_todo (r->store, list, "kept", NULL, NULL, &error)));
  syncs = cairn_fault_vfs_get_sync_count ();
  g_assert_true (cairn_store_sync_to_disk (r->store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cairn_fault_vfs_get_sync_count (), ==, syncs + 1);
  /* Nothing committed since: no second fsync. */
  g_assert_true (cairn_store_sync_to_disk (r->store, &error));
  g_assert_cmpuint (cairn_fault_vfs_get_sync_count (), ==, syncs + 1);
  g_assert_nonnull ((lost = cairn_store_create_todo (r->store, list, "lost", NULL, NULL, &error)));
  cairn_fault_vfs_power_cut ();
  g_clear_object (&r->store);
  cairn_fault_vfs_reboot (0);

  open_store (r);
  fault_test_assert_integrity (_cairn_store_get_db (r->store));
  g_assert_cmpint (test_query_int (r->store, "SELECT count(*) FROM todos WHERE title = 'kept'"), ==, 1);
  g_assert_cmpint (test_query_int (r->store, "SELECT count(*) FROM todos WHERE title = 'lost'"), ==, 0);
  g_assert_cmpuint (cairn_store_get_pending_count (r->store), ==, 2);
  run_free (r);
}

/* ---- the checkpoint thread ---------------------------------------------- */

/* One commit large enough (over 1,000 WAL pages) to wake the store's
 * checkpoint thread, which then checkpoints on its own connection while
 * the main thread waits; then the commits that start the WAL over. */
static void
scenario_thread_checkpoint (Run *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) big = g_string_new (NULL);
  g_autofree char *list = NULL, *note = NULL;

  open_store (r);
  step (r);
  g_assert_nonnull ((list = cairn_store_create_list (r->store, "Groceries", &error)));
  step (r);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *todo = cairn_store_create_todo (r->store, list, "milk", NULL, NULL, &error);

      g_assert_nonnull (todo);
      step (r);
    }
  g_assert_nonnull ((note = cairn_store_create_note (r->store, "Long", &error)));
  step (r);
  while (big->len < 2000000)
    g_string_append (big, "a long note for a checkpoint; ");
  edit_note (r, note, 0, big->str, 0);
  g_assert_cmpuint (_cairn_checkpointer_wait (r->store->checkpointer, 1), >=, 1);
  step (r);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *todo = cairn_store_create_todo (r->store, list, "bread", NULL, NULL, &error);

      g_assert_nonnull (todo);
      step (r);
    }
  g_assert_no_error (error);
}

static void
test_power_in_thread_checkpoint (void)
{
  Tally tally = { 0 };
  guint syncs, writes;

  count_scenario (scenario_thread_checkpoint, &syncs, &writes);
  /* The thread's checkpoint syncs the WAL and the database. */
  g_assert_cmpuint (syncs, >=, 2);
  for (guint k = 1; k <= syncs + 1; k++)
    {
      crash_run (scenario_thread_checkpoint, k, 0, 0, &tally);
      crash_run (scenario_thread_checkpoint, k, 0, 2000 + k, &tally);
    }
  g_test_message ("checkpoint thread: %u syncs, %u runs, %u lost unsynced steps",
                  syncs, tally.runs, tally.lost);
}

/* ---- migration ---------------------------------------------------------- */

/* Opens (migrates to the current schema; from v3 that rebuilds and writes
 * bodies) a fixture with the power cut at sync k / before write w; after
 * the reboot the next open must give exactly the store a clean migration
 * gives. */
static void
test_power_in_migration (gconstpointer data)
{
  const char *version = data;
  g_autofree char *expected = NULL, *clean = NULL;
  g_autofree char *fixture = g_strdup_printf ("%s.sql", version);
  guint syncs, writes, runs = 0;

  expected = fault_test_expected_dump (version);

  {
    Run *r = run_new ();

    fault_test_write_fixture (r->path, fixture);
    cairn_fault_vfs_reset ();
    open_store (r);
    g_clear_object (&r->store);
    syncs = cairn_fault_vfs_get_sync_count ();
    writes = cairn_fault_vfs_get_write_count ();
    open_store (r);
    clean = test_fingerprint (r->store);
    run_free (r);
  }
  g_assert_cmpuint (syncs, >, 0);

  for (guint i = 0; i < syncs + writes; i++)
    for (guint32 seed = 0; seed < 2; seed++)
      {
        Run *r = run_new ();
        g_autofree char *fp = NULL, *dump = NULL;

        fault_test_write_fixture (r->path, fixture);
        cairn_fault_vfs_reset ();
        if (i < syncs)
          cairn_fault_vfs_cut_at_sync (i + 1);
        else
          cairn_fault_vfs_cut_at_write (i - syncs + 1);
        open_store (r);
        g_clear_object (&r->store);
        g_assert_true (cairn_fault_vfs_is_dead ());
        cairn_fault_vfs_reboot (seed ? 7 * i + 1 : 0);

        fault_test_assert_file_integrity (r->path);
        open_store (r);
        g_assert_cmpint (test_query_int (r->store, "PRAGMA user_version"), ==, CAIRN_STORE_SCHEMA_VERSION);
        fault_test_assert_integrity (_cairn_store_get_db (r->store));
        dump = test_dump (r->store);
        g_assert_cmpstr (dump, ==, expected);
        fp = test_fingerprint (r->store);
        g_assert_cmpstr (fp, ==, clean);
        run_free (r);
        runs++;
      }
  g_test_message ("migration from %s: %u syncs, %u writes, %u runs", version, syncs, writes, runs);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cairn_fault_vfs_install ();
  g_test_add_func ("/fault/store/power-at-every-sync", test_power_at_every_sync);
  g_test_add_func ("/fault/store/power-before-every-write", test_power_before_every_write);
  g_test_add_data_func ("/fault/store/power-in-migration/v3", "v3", test_power_in_migration);
  g_test_add_data_func ("/fault/store/power-in-migration/v5", "v5", test_power_in_migration);
  g_test_add_func ("/fault/store/power-in-thread-checkpoint", test_power_in_thread_checkpoint);
  g_test_add_func ("/fault/store/power-loss-then-reused-client-seq", test_power_loss_then_reused_client_seq);
  g_test_add_func ("/fault/store/sync-to-disk", test_sync_to_disk);
  return g_test_run ();
}

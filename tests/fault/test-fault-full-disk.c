/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-fault-full-disk.c: the client store on a disk that fills up.
 *
 * A scenario of local commits, typing through a CairnNoteBuffer, rebases,
 * a rebuild and a restart runs once to count its writes, then again with
 * the disk full from the n-th write on, for every n (SQLITE_FULL, and an
 * I/O error for every third n). The operation that meets the full disk
 * must fail with a clear error and change nothing, neither in the file nor
 * in what the store shows; the typed text stays in the note buffer; once
 * space returns the same operation succeeds, and the store that results,
 * reopened, is sound and whole.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "cairn-fault-vfs.h"
#include "cairn-note-buffer.h"
#include "fault-test-util.h"
#include "store-test-util.h"

#define OTHER "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define REMOTE_LIST "01890a5d-ac96-774b-bcce-b30209900001"
#define REMOTE_TODO "01890a5d-ac96-774b-bcce-b30209900021"

typedef struct
{
  char            *dir;
  char            *path;
  CairnStore      *store;
  CairnNoteBuffer *buffer;
  char            *list, *t1, *t2, *note;
  GPtrArray       *batch;      /* the rebase being tried, kept for the retry */
  gint64           next_seq;
  GString         *typed;      /* what the person typed into the note */
} Ctx;

typedef gboolean (*OpFunc) (Ctx *c, GError **error);

static gboolean
op_create_list (Ctx *c, GError **error)
{
  return (c->list = cairn_store_create_list (c->store, "Groceries", error)) != NULL;
}

static gboolean
op_create_t1 (Ctx *c, GError **error)
{
  return (c->t1 = cairn_store_create_todo (c->store, c->list, "milk", NULL, NULL, error)) != NULL;
}

static gboolean
op_create_t2 (Ctx *c, GError **error)
{
  return (c->t2 = cairn_store_create_todo (c->store, c->list, "bread", NULL, NULL, error)) != NULL;
}

static gboolean
op_rename (Ctx *c, GError **error)
{
  return cairn_store_rename_todo (c->store, c->t1, "oat milk", error);
}

static gboolean
op_done (Ctx *c, GError **error)
{
  return cairn_store_set_todo_done (c->store, c->t2, TRUE, error);
}

static gboolean
op_create_note (Ctx *c, GError **error)
{
  return (c->note = cairn_store_create_note (c->store, "Diary", error)) != NULL;
}

/* The first note opened for editing gives the store its text client id
 * (a write). */
static gboolean
op_open_editor (Ctx *c, GError **error)
{
  c->buffer = cairn_note_buffer_new (c->store, c->note, error);
  return c->buffer != NULL;
}

/* Typing is taken by the buffer at once, whatever the disk; the flush
 * (a burst's commit) is what may fail. */
static gboolean
type (Ctx        *c,
      const char *text,
      GError    **error)
{
  if (!cairn_note_buffer_has_unflushed (c->buffer))
    {
      g_assert_true (cairn_note_buffer_insert (c->buffer, cairn_note_buffer_get_length (c->buffer),
                                               text, -1, NULL));
      g_string_append (c->typed, text);
    }
  g_assert_cmpstr (cairn_note_buffer_get_text (c->buffer), ==, c->typed->str);
  return cairn_note_buffer_flush (c->buffer, error);
}

static gboolean
op_type1 (Ctx *c, GError **error)
{
  return type (c, "Dear diary, ", error);
}

static gboolean
op_type2 (Ctx *c, GError **error)
{
  return type (c, "today it rained.", error);
}

static gboolean
op_move (Ctx *c, GError **error)
{
  return cairn_store_move_todo (c->store, c->t2, NULL, c->t1, NULL, error);
}

static gboolean
rebase (Ctx        *c,
        guint       n,
        const char *remote_name,
        const char *remote_args,
        GError    **error)
{
  gboolean ok;

  if (c->batch == NULL)
    {
      g_autoptr(GPtrArray) pending = cairn_store_list_pending (c->store, n, error);

      if (pending == NULL)
        return FALSE;
      c->batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
      if (remote_name != NULL)
        {
          g_ptr_array_add (c->batch, test_event_new (OTHER, c->next_seq, c->next_seq,
                                                     remote_name, remote_args));
          c->next_seq++;
        }
      for (guint i = 0; i < pending->len; i++)
        g_ptr_array_add (c->batch, test_event_confirmed (pending->pdata[i], c->next_seq++));
    }
  ok = cairn_store_rebase (c->store, c->batch, "history-1", error);
  if (ok)
    g_clear_pointer (&c->batch, g_ptr_array_unref);
  return ok;
}

static gboolean
op_rebase_replay (Ctx *c, GError **error)
{
  return rebase (c, 3, "list.created",
                 "{\"list_id\":\"" REMOTE_LIST "\",\"title\":\"Shared\",\"position\":\"U\"}", error);
}

static gboolean
op_rebase_fast (Ctx *c, GError **error)
{
  return rebase (c, 2, NULL, NULL, error);
}

/* Another device's event alone in a batch (kept for the retry). */
static gboolean
remote (Ctx        *c,
        const char *name,
        const char *args,
        GError    **error)
{
  gboolean ok;

  if (c->batch == NULL)
    {
      c->batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
      g_ptr_array_add (c->batch, test_event_new (OTHER, c->next_seq, c->next_seq, name, args));
      c->next_seq++;
    }
  ok = cairn_store_rebase (c->store, c->batch, "history-1", error);
  if (ok)
    g_clear_pointer (&c->batch, g_ptr_array_unref);
  return ok;
}

/* A rename before its todo's create waits (parked) until the create. */
static gboolean
op_remote_parked (Ctx *c, GError **error)
{
  return remote (c, "todo.renamed", "{\"todo_id\":\"" REMOTE_TODO "\",\"title\":\"cups\"}", error);
}

static gboolean
op_remote_release (Ctx *c, GError **error)
{
  return remote (c, "todo.created", "{\"todo_id\":\"" REMOTE_TODO "\",\"list_id\":\"" REMOTE_LIST "\","
                                    "\"title\":\"plates\",\"position\":\"V\"}", error);
}

static gboolean
op_type3 (Ctx *c, GError **error)
{
  return type (c, " Then sun.", error);
}

static gboolean
op_delete (Ctx *c, GError **error)
{
  return cairn_store_delete_todo (c->store, c->t1, error);
}

static gboolean
op_rebuild (Ctx *c, GError **error)
{
  return cairn_store_rebuild (c->store, error);
}

static gboolean
op_bodies (Ctx *c, GError **error)
{
  return cairn_store_save_note_bodies (c->store, error);
}

static gboolean
op_due (Ctx *c, GError **error)
{
  return cairn_store_set_todo_due (c->store, c->t2, "2026-12-24", error);
}

static gboolean
op_restart (Ctx *c, GError **error)
{
  g_clear_object (&c->buffer);
  g_clear_object (&c->store);
  c->store = cairn_store_open (c->path, error);
  if (c->store == NULL)
    return FALSE;
  c->buffer = cairn_note_buffer_new (c->store, c->note, error);
  return c->buffer != NULL;
}

static gboolean
op_rename_note (Ctx *c, GError **error)
{
  return cairn_store_rename_note (c->store, c->note, "Weather", error);
}

static const struct { const char *name; OpFunc func; } ops[] = {
  { "create list", op_create_list },
  { "create todo", op_create_t1 },
  { "create todo", op_create_t2 },
  { "rename todo", op_rename },
  { "complete todo", op_done },
  { "create note", op_create_note },
  { "open editor", op_open_editor },
  { "type", op_type1 },
  { "type", op_type2 },
  { "write bodies", op_bodies },
  { "move todo", op_move },
  { "rebase (replay)", op_rebase_replay },
  { "type", op_type3 },
  { "rebase (fast)", op_rebase_fast },
  { "delete todo", op_delete },
  { "remote event that waits", op_remote_parked },
  { "remote create that releases it", op_remote_release },
  { "rebuild", op_rebuild },
  { "due date", op_due },
  { "restart", op_restart },
  { "rename note", op_rename_note },
};

static Ctx *
ctx_new (void)
{
  g_autoptr(GError) error = NULL;
  Ctx *c = g_new0 (Ctx, 1);

  c->dir = fault_test_tmpdir ();
  c->path = g_build_filename (c->dir, "workspace.db", NULL);
  c->store = cairn_store_open (c->path, &error);
  g_assert_no_error (error);
  c->next_seq = 1;
  c->typed = g_string_new (NULL);
  return c;
}

static void
ctx_free (Ctx *c)
{
  g_clear_object (&c->buffer);
  g_clear_object (&c->store);
  cairn_test_rm_rf (c->dir);
  g_free (c->dir);
  g_free (c->path);
  g_free (c->list);
  g_free (c->t1);
  g_free (c->t2);
  g_free (c->note);
  g_clear_pointer (&c->batch, g_ptr_array_unref);
  g_string_free (c->typed, TRUE);
  g_free (c);
}

/* Our client seqs, in the log and the outbox, are 1..n without a gap or a
 * repeat: a failed commit used no number. */
static void
assert_client_seqs (CairnStore *store)
{
  g_autofree char *sql = g_strdup_printf (
      "SELECT count(*) = coalesce(max(client_seq), 0) AND count(DISTINCT client_seq) = count(*) FROM "
      "(SELECT client_seq FROM pending UNION ALL SELECT client_seq FROM log WHERE client_id = '%s')",
      cairn_store_get_client_id (store));

  g_assert_cmpint (test_query_int (store, sql), ==, 1);
}

static guint silent_runs;

/* Runs the scenario with the disk full from write n on (0: never). */
static guint
run (guint  n,
     int    rc,
     guint *out_failed_op)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *final = NULL, *reopened = NULL, *body = NULL;
  Ctx *c;
  guint failures = 0, writes;

  cairn_fault_vfs_reset ();
  c = ctx_new ();
  if (n > 0)
    cairn_fault_vfs_fill_disk (n, rc);

  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      g_autofree char *before = test_fingerprint (c->store);
      g_autofree char *after = NULL;

      if (ops[i].func (c, &error))
        {
          g_assert_no_error (error);
          continue;
        }

      /* It failed because of the disk, and says so. */
      g_assert_cmpuint (cairn_fault_vfs_get_refused (), >, 0);
      g_assert_nonnull (error);
      g_assert_true (error->domain == CAIRN_STORE_ERROR);
      if (rc == SQLITE_FULL)
        {
          g_assert_cmpint (error->code, ==, CAIRN_STORE_ERROR_NO_SPACE);
          g_assert_nonnull (strstr (error->message, "the disk is full"));
        }
      else
        g_assert_nonnull (strstr (error->message, "disk I/O error"));
      g_assert_nonnull (strstr (error->message, c->path));
      g_clear_error (&error);
      failures++;
      *out_failed_op = i;

      cairn_fault_vfs_free_space ();
      if (c->store == NULL)
        {
          /* The restart could not open the file: the next one can. */
          g_assert_true (op_restart (c, &error));
          g_assert_no_error (error);
        }
      /* Nothing changed: not on disk, not in what the store shows. */
      after = test_fingerprint (c->store);
      g_assert_cmpstr (after, ==, before);
      assert_client_seqs (c->store);
      if (c->buffer != NULL)
        g_assert_cmpstr (cairn_note_buffer_get_text (c->buffer), ==, c->typed->str);

      /* Space is back: the same operation now succeeds. */
      if (!ops[i].func (c, &error))
        g_error ("%s failed again after space returned: %s", ops[i].name, error->message);
    }
  if (failures == 0 && cairn_fault_vfs_get_refused () > 0)
    {
      /* Only writes whose failure is no one's loss met the full disk: a
       * checkpoint (the WAL keeps the commits) or the lazy write of note
       * bodies (derived; done again later), each with a warning. */
      silent_runs++;
    }
  cairn_fault_vfs_free_space ();
  writes = cairn_fault_vfs_get_write_count ();

  /* The waiting rename was applied after its create. */
  g_free (body);
  body = test_query_text (c->store, "SELECT title FROM todos WHERE id = '" REMOTE_TODO "'");
  g_assert_cmpstr (body, ==, "cups");
  g_clear_pointer (&body, g_free);

  /* What typing the person did is in the note. */
  body = test_query_text (c->store, "SELECT cairn_note_body (id, body) FROM notes");
  g_assert_cmpstr (body, ==, c->typed->str);

  final = test_fingerprint (c->store);
  assert_client_seqs (c->store);
  g_clear_object (&c->buffer);
  g_clear_object (&c->store);
  fault_test_assert_file_integrity (c->path);
  c->store = cairn_store_open (c->path, &error);
  g_assert_no_error (error);
  reopened = test_fingerprint (c->store);
  g_assert_cmpstr (reopened, ==, final);
  g_assert_true (cairn_store_rebuild (c->store, &error));
  g_assert_no_error (error);
  g_free (reopened);
  reopened = test_fingerprint (c->store);
  g_assert_cmpstr (reopened, ==, final);
  ctx_free (c);
  return writes;
}

static void
test_full_at_every_write (void)
{
  guint writes, failed_op = 0, hits[G_N_ELEMENTS (ops)] = { 0 };
  g_autoptr(GString) covered = g_string_new (NULL);

  fault_test_allow_storage_warnings ();
  writes = run (0, 0, &failed_op);
  g_assert_cmpuint (writes, >, 20);
  for (guint n = 1; n <= writes; n++)
    {
      failed_op = G_MAXUINT;
      run (n, n % 3 == 0 ? SQLITE_IOERR_WRITE : SQLITE_FULL, &failed_op);
      if (failed_op != G_MAXUINT)
        hits[failed_op]++;
    }
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    g_string_append_printf (covered, " %s:%u", ops[i].name, hits[i]);
  g_test_message ("%u writes; failures per operation:%s; %u runs with no failed operation; %u warnings",
                  writes, covered->str, silent_runs, fault_test_get_storage_warnings ());
  g_assert_cmpuint (silent_runs, <=, fault_test_get_storage_warnings ());
  /* Every operation that writes met the full disk at least once. */
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    if (ops[i].func != op_restart)
      g_assert_cmpuint (hits[i], >, 0);
}

/* Opening a fixture (migration to the current schema; from v3 also a
 * rebuild and note bodies) on a disk that fills at every write in turn: the open fails
 * with a clear error or succeeds, and once there is space the file opens
 * as a clean migration leaves it. */
static void
test_full_in_migration (gconstpointer data)
{
  const char *version = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *fixture = g_strdup_printf ("%s.sql", version);
  g_autofree char *expected = NULL, *clean = NULL;
  guint writes, refused_opens = 0;

  fault_test_allow_storage_warnings ();
  expected = fault_test_expected_dump (version);
  {
    Ctx *c = ctx_new ();

    g_clear_object (&c->store);
    g_unlink (c->path);
    fault_test_write_fixture (c->path, fixture);
    cairn_fault_vfs_reset ();
    c->store = cairn_store_open (c->path, &error);
    g_assert_no_error (error);
    writes = cairn_fault_vfs_get_write_count ();
    clean = test_fingerprint (c->store);
    ctx_free (c);
  }

  for (guint n = 1; n <= writes; n++)
    {
      Ctx *c = ctx_new ();
      g_autofree char *dump = NULL, *fp = NULL;

      g_clear_object (&c->store);
      g_unlink (c->path);
      fault_test_write_fixture (c->path, fixture);
      cairn_fault_vfs_reset ();
      cairn_fault_vfs_fill_disk (n, n % 3 == 0 ? SQLITE_IOERR_WRITE : SQLITE_FULL);
      c->store = cairn_store_open (c->path, &error);
      if (c->store == NULL)
        {
          g_assert_true (error->domain == CAIRN_STORE_ERROR);
          g_assert_true (strstr (error->message, "the disk is full") != NULL ||
                         strstr (error->message, "disk I/O error") != NULL);
          g_assert_nonnull (strstr (error->message, c->path));
          g_clear_error (&error);
          refused_opens++;
        }
      g_clear_object (&c->store);
      cairn_fault_vfs_free_space ();

      fault_test_assert_file_integrity (c->path);
      c->store = cairn_store_open (c->path, &error);
      g_assert_no_error (error);
      dump = test_dump (c->store);
      g_assert_cmpstr (dump, ==, expected);
      fp = test_fingerprint (c->store);
      g_assert_cmpstr (fp, ==, clean);
      g_assert_cmpint (test_query_int (c->store, "PRAGMA user_version"), ==, CAIRN_STORE_SCHEMA_VERSION);
      ctx_free (c);
    }
  g_test_message ("migration from %s: %u writes, %u opens refused", version, writes, refused_opens);
  g_assert_cmpuint (refused_opens, >, 0);
}

static void
on_save_failed (CairnNoteBuffer *buffer,
                const GError    *error,
                guint           *count)
{
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NO_SPACE);
  (*count)++;
}

/* A burst committed on the flush delay that meets a full disk: the buffer
 * says so once, keeps the text and tries again until it is stored, with
 * no further keystroke. */
static void
test_note_buffer_retries (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnNoteBuffer) buffer = NULL;
  g_autofree char *body = NULL;
  Ctx *c = ctx_new ();
  guint failed = 0;

  cairn_fault_vfs_reset ();
  g_assert_true (op_create_note (c, &error));
  buffer = cairn_note_buffer_new (c->store, c->note, &error);
  g_assert_no_error (error);
  cairn_note_buffer_set_flush_delay (buffer, 10);
  g_signal_connect (buffer, "save-failed", G_CALLBACK (on_save_failed), &failed);

  cairn_fault_vfs_fill_disk (1, SQLITE_FULL);
  g_assert_true (cairn_note_buffer_insert (buffer, 0, "Dear diary", -1, &error));
  while (failed == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (cairn_note_buffer_has_unflushed (buffer));
  g_assert_true (cairn_note_buffer_get_save_failing (buffer));
  g_assert_cmpstr (cairn_note_buffer_get_text (buffer), ==, "Dear diary");
  /* One retry that fails again: no second report. */
  g_usleep (CAIRN_NOTE_BUFFER_RETRY_MS * 1000);
  g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (failed, ==, 1);

  cairn_fault_vfs_free_space ();
  while (cairn_note_buffer_has_unflushed (buffer))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (cairn_note_buffer_get_save_failing (buffer));
  body = test_query_text (c->store, "SELECT cairn_note_body (id, body) FROM notes");
  g_assert_cmpstr (body, ==, "Dear diary");

  /* A flush asked for (leaving the note) that fails: the caller hears of
   * it, and the buffer, kept alive by the editor, tries again itself. */
  cairn_fault_vfs_fill_disk (1, SQLITE_FULL);
  g_assert_true (cairn_note_buffer_insert (buffer, 10, "!", -1, &error));
  g_assert_false (cairn_note_buffer_flush (buffer, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NO_SPACE);
  g_clear_error (&error);
  cairn_fault_vfs_free_space ();
  while (cairn_note_buffer_has_unflushed (buffer))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (failed, ==, 1);
  g_free (body);
  body = test_query_text (c->store, "SELECT cairn_note_body (id, body) FROM notes");
  g_assert_cmpstr (body, ==, "Dear diary!");
  g_clear_object (&buffer);
  ctx_free (c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cairn_fault_vfs_install ();
  g_test_add_func ("/fault/store/full-at-every-write", test_full_at_every_write);
  g_test_add_func ("/fault/store/note-buffer-retries", test_note_buffer_retries);
  g_test_add_data_func ("/fault/store/full-in-migration/v3", "v3", test_full_in_migration);
  g_test_add_data_func ("/fault/store/full-in-migration/v5", "v5", test_full_in_migration);
  return g_test_run ();
}

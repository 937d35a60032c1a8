/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-sync.c: the store side of sync without a network: the sync
 * core against an in-test log, the reset after a server restore, and
 * conflict detection in the rebase. */
#include "config.h"

#include <glib/gstdio.h>

#include "cairn-chain.h"
#include "cairn-note-buffer.h"
#include "cairn-store-sync.h"
#include "cairn-sync-core.h"
#include "store-test-util.h"
#include "cairn-store-undo.h"

typedef struct
{
  char          *dir;
  GPtrArray     *log;     /* CairnWireEvent*: the "server" log */
  /* Devices "a" and "b", in every test; "c" after add_device_c(). */
  CairnStore    *a, *b, *c;
  CairnSyncCore *ca, *cb, *cc;
  gboolean       no_chain; /* the "server" sends no chains (an older one) */
} Fixture;

static CairnStore *
open_store (Fixture    *f,
            const char *name)
{
  return test_store_open_at (f->dir, name);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = g_dir_make_tmp ("cairn-store-sync-XXXXXX", NULL);
  f->log = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  f->a = open_store (f, "a.db");
  f->b = open_store (f, "b.db");
  f->ca = cairn_sync_core_new (f->a);
  f->cb = cairn_sync_core_new (f->b);
}

/* A third device, on a fresh store. */
static void
add_device_c (Fixture *f)
{
  f->c = open_store (f, "c.db");
  f->cc = cairn_sync_core_new (f->c);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_clear_pointer (&f->ca, cairn_sync_core_free);
  g_clear_pointer (&f->cb, cairn_sync_core_free);
  g_clear_pointer (&f->cc, cairn_sync_core_free);
  g_clear_object (&f->a);
  g_clear_object (&f->b);
  g_clear_object (&f->c);
  dir = g_dir_open (f->dir, 0, NULL);
  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *p = g_build_filename (f->dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_ptr_array_unref (f->log);
}

/* The "server": appends what the core pushes, answering re-sends with
 * their seq, like cairn-server. */
static void
push_all (Fixture       *f,
          CairnSyncCore *core,
          const char    *device)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *batch;

  while ((batch = cairn_sync_core_next_push (core, 7, &error)) != NULL)
    {
      g_autoptr(CairnPushReply) reply = g_new0 (CairnPushReply, 1);

      reply->results = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_push_result_free);
      for (guint i = 0; i < batch->len; i++)
        {
          CairnWireEvent *w = g_ptr_array_index (batch, i);
          CairnPushResult *r = g_new0 (CairnPushResult, 1);
          guint j;

          for (j = 0; j < f->log->len; j++)
            {
              CairnWireEvent *have = g_ptr_array_index (f->log, j);
              if (strcmp (have->client_id, w->client_id) == 0 && have->client_seq == w->client_seq)
                break;
            }
          if (j == f->log->len)
            {
              CairnWireEvent *copy = cairn_wire_event_copy (w);
              const CairnWireEvent *prev = f->log->len > 0 ? f->log->pdata[f->log->len - 1] : NULL;

              copy->seq = f->log->len + 1;
              copy->device = g_strdup (device);
              if (!f->no_chain)
                copy->chain = cairn_chain_next (prev != NULL ? prev->chain : CAIRN_CHAIN_ZERO,
                                                copy->client_id, copy->client_seq);
              g_ptr_array_add (f->log, copy);
            }
          r->client_id = g_strdup (w->client_id);
          r->client_seq = w->client_seq;
          r->seq = j + 1;
          g_ptr_array_add (reply->results, r);
        }
      reply->head = f->log->len;
      reply->history_id = g_strdup ("0123456789abcdef0123456789abcdef");
      g_assert_true (cairn_sync_core_push_done (core, reply, &error));
      g_ptr_array_unref (batch);
    }
  g_assert_no_error (error);
}

static void
pull_all (Fixture       *f,
          CairnSyncCore *core)
{
  g_autoptr(GError) error = NULL;
  guint guard = 0;

  while (cairn_sync_core_wants_pull (core))
    {
      g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
      gint64 after = cairn_sync_core_pull_after (core);

      for (gint64 s = after + 1; s <= (gint64) f->log->len && page->len < 5; s++)
        g_ptr_array_add (page, cairn_wire_event_copy (g_ptr_array_index (f->log, s - 1)));
      g_assert_true (cairn_sync_core_receive (core, page, f->log->len,
                                              "0123456789abcdef0123456789abcdef", &error));
      g_assert_no_error (error);
      g_assert_cmpuint (++guard, <, 1000);
    }
}

static void
sync_device (Fixture       *f,
             CairnSyncCore *core,
             const char    *device)
{
  cairn_sync_core_reset_connection (core);
  /* As the engine does: push and pull until neither has work (a restore
   * found while pulling puts events back in the outbox). */
  for (guint round = 0; !cairn_sync_core_is_up_to_date (core); round++)
    {
      g_assert_cmpuint (round, <, 10);
      push_all (f, core, device);
      pull_all (f, core);
    }
}

/* Numbers the "server" log 1..n again and recomputes its chains, as the
 * server would have them after it got the events in this order. */
static void
relink_log (Fixture *f)
{
  const char *prev = CAIRN_CHAIN_ZERO;

  for (guint i = 0; i < f->log->len; i++)
    {
      CairnWireEvent *w = g_ptr_array_index (f->log, i);

      w->seq = i + 1;
      g_free (w->chain);
      w->chain = f->no_chain ? NULL : cairn_chain_next (prev, w->client_id, w->client_seq);
      prev = w->chain;
    }
}

/* Whether store's log is the "server" log, event for event. */
static gboolean
log_is_servers (Fixture    *f,
                CairnStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) mine = cairn_store_list_log (store, 0, 0, &error);

  g_assert_no_error (error);
  if (mine->len != f->log->len)
    return FALSE;
  for (guint i = 0; i < mine->len; i++)
    {
      const CairnEvent *ev = g_ptr_array_index (mine, i);
      const CairnWireEvent *w = g_ptr_array_index (f->log, i);

      if (ev->seq != w->seq || ev->client_seq != w->client_seq ||
          g_strcmp0 (ev->client_id, w->client_id) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
test_core_converges (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CairnStore *a = f->a, *b = f->b;
  CairnSyncCore *ca = f->ca, *cb = f->cb;
  g_autofree char *list = NULL, *todo = NULL, *da = NULL, *db = NULL;

  list = cairn_store_create_list (a, "Home", &error);
  todo = cairn_store_create_todo (a, list, "milk", NULL, NULL, &error);
  g_assert_no_error (error);
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");

  g_assert_true (cairn_store_set_todo_done (b, todo, TRUE, &error));
  g_assert_true (cairn_store_rename_list (a, list, "House", &error));
  sync_device (f, cb, "b");
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");

  da = cairn_store_dump_state (a, &error);
  db = cairn_store_dump_state (b, &error);
  g_assert_cmpstr (da, ==, db);
  g_assert_cmpuint (f->log->len, ==, 4);
  g_assert_cmpint (cairn_store_get_head (a), ==, 4);
  g_assert_cmpuint (cairn_store_get_pending_count (a), ==, 0);
}

static void
test_restore_keeps_everything (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CairnStore *a = f->a, *b = f->b;
  CairnSyncCore *ca = f->ca, *cb = f->cb;
  g_autofree char *list = NULL, *da = NULL, *db = NULL;
  gint64 first = 0, last = 0;

  list = cairn_store_create_list (a, "Home", &error);
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");
  g_free (cairn_store_create_todo (a, list, "a1", NULL, NULL, &error));
  g_free (cairn_store_create_todo (a, list, "a2", NULL, NULL, &error));
  sync_device (f, ca, "a");
  g_free (cairn_store_create_todo (b, list, "b1", NULL, NULL, &error));
  sync_device (f, cb, "b");
  sync_device (f, ca, "a");
  g_assert_cmpint (cairn_store_get_head (a), ==, 4);
  g_free (cairn_store_create_todo (a, list, "a3 pending", NULL, NULL, &error));
  g_assert_no_error (error);

  /* The server comes back from a backup holding only the first event. */
  g_ptr_array_set_size (f->log, 1);

  /* Restore by hand: own confirmed back to pending before the pending one,
   * the other device's event archived, head 0, nothing lost. */
  g_assert_true (cairn_store_forget_server_history (a, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cairn_store_get_head (a), ==, 0);
  g_assert_cmpuint (cairn_store_get_pending_count (a), ==, 4);
  g_assert_true (cairn_store_get_pending_range (a, &first, &last, &error));
  g_assert_cmpint (first, ==, 1);
  g_assert_cmpint (last, ==, 4);
  g_assert_cmpint (cairn_store_count_archived (a, &error), ==, 1);
  da = cairn_store_dump_state (a, &error);
  g_assert_nonnull (strstr (da, "a3 pending"));
  g_assert_null (strstr (da, "\"b1\""));   /* the title (ids are hex and may hold "b1"); b pushes it again */

  /* The core finds the same on b by itself, and both re-push. */
  sync_device (f, cb, "b");
  g_assert_cmpuint (cairn_sync_core_get_restore_count (cb), ==, 1);
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");
  g_free (da);
  da = cairn_store_dump_state (a, &error);
  db = cairn_store_dump_state (b, &error);
  g_assert_cmpstr (da, ==, db);
  for (const char *t = "\"a1\"\0\"a2\"\0\"b1\"\0\"a3 pending\"\0"; *t; t += strlen (t) + 1)
    g_assert_nonnull (strstr (da, t));
  g_assert_cmpuint (f->log->len, ==, 5);
}

static char *
note_body (CairnStore *store,
           const char *note_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) text = cairn_store_load_note_text (store, note_id, &error);

  g_assert_no_error (error);
  return cairn_text_get_text (text, NULL);
}

/* a writes a note "mine", b adds "+theirs", and each syncs after its
 * edit: returns the note's id. */
static char *
share_note_typed_by_both (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  char *note = cairn_store_create_note (f->a, "Plan", &error);

  g_assert_no_error (error);
  test_type_into_note (f->a, note, 0, "mine");
  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");
  test_type_into_note (f->b, note, 4, "+theirs");
  sync_device (f, f->cb, "b");
  sync_device (f, f->ca, "a");
  return note;
}

/* A restore forgets another device's note.edited: its ops must leave the
 * body too (they were once kept in note_body_ops and in the decoded-text
 * cache), and come back exactly once when that device pushes them again.
 * Sim seeds 34, 53, 70, 80 with CAIRN_SIM_NOTE_TYPING found this. */
static void
test_restore_forgets_note_ops (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CairnStore *a = f->a, *b = f->b;
  CairnSyncCore *ca = f->ca, *cb = f->cb;
  g_autofree char *note = NULL, *body = NULL, *da = NULL, *db = NULL, *dc = NULL;

  note = share_note_typed_by_both (f);
  body = note_body (a, note);
  g_assert_cmpstr (body, ==, "mine+theirs");
  test_type_into_note (a, note, 0, "!");   /* pending, and cached on a */

  /* The server comes back holding only note.created. */
  g_ptr_array_set_size (f->log, 1);
  g_assert_true (cairn_store_forget_server_history (a, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&body, g_free);
  body = note_body (a, note);
  g_assert_cmpstr (body, ==, "!mine");
  da = cairn_store_dump_state (a, &error);
  g_assert_null (strstr (da, "theirs"));

  /* b re-pushes; everyone, and a fresh device, ends with each edit once. */
  sync_device (f, cb, "b");
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");
  add_device_c (f);
  sync_device (f, f->cc, "c");
  g_clear_pointer (&body, g_free);
  body = note_body (a, note);
  g_assert_cmpstr (body, ==, "!mine+theirs");
  g_clear_pointer (&da, g_free);
  da = cairn_store_dump_state (a, &error);
  db = cairn_store_dump_state (b, &error);
  dc = cairn_store_dump_state (f->c, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (da, ==, db);
  g_assert_cmpstr (da, ==, dc);
}

/* After a restore the client keeps the part of its log the server still
 * has: it pulls only a window around the point where the two logs part
 * (and what came after it), not the whole log, and ends in the same state
 * as a device that pulled everything. */
static void
test_restore_pulls_from_agreement (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CairnStore *a = f->a, *b = f->b;
  CairnSyncCore *ca = f->ca, *cb = f->cb;
  g_autofree char *list = NULL, *da = NULL, *db = NULL, *dc = NULL, *before = NULL;
  gint64 received;

  list = cairn_store_create_list (a, "Home", &error);
  for (guint i = 0; i < 79; i++)
    {
      g_autofree char *title = g_strdup_printf ("a%u", i);
      g_free (cairn_store_create_todo (a, list, title, NULL, NULL, &error));
    }
  g_assert_no_error (error);
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *title = g_strdup_printf ("b%u", i);
      g_free (cairn_store_create_todo (b, list, title, NULL, NULL, &error));
    }
  g_assert_no_error (error);
  sync_device (f, cb, "b");
  sync_device (f, ca, "a");
  g_assert_cmpint (cairn_store_get_head (a), ==, 100);

  /* Bad input: nothing changes. */
  before = cairn_store_dump_state (a, &error);
  g_assert_false (cairn_store_forget_server_history_after (a, 101, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (cairn_store_forget_server_history_after (a, -1, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpint (cairn_store_get_head (a), ==, 100);
  g_assert_cmpuint (cairn_store_get_pending_count (a), ==, 0);
  da = cairn_store_dump_state (a, &error);
  g_assert_cmpstr (da, ==, before);
  g_clear_pointer (&da, g_free);

  /* The server comes back without b's last ten events; a writes one more
   * and syncs first. */
  g_ptr_array_set_size (f->log, 90);
  g_free (cairn_store_create_todo (a, list, "a after", NULL, NULL, &error));
  g_assert_no_error (error);
  received = cairn_sync_core_get_events_received (ca);
  /* Step by step: the probe finds the agreement at 90, then a pushes its
   * tail again; b's todos never leave a's screen meanwhile. */
  cairn_sync_core_reset_connection (ca);
  pull_all (f, ca);
  g_assert_cmpuint (cairn_sync_core_get_restore_count (ca), ==, 1);
  da = cairn_store_dump_state (a, &error);
  g_assert_nonnull (strstr (da, "\"b15\""));
  g_clear_pointer (&da, g_free);
  push_all (f, ca, "a");
  da = cairn_store_dump_state (a, &error);
  g_assert_nonnull (strstr (da, "\"b15\""));
  g_clear_pointer (&da, g_free);
  sync_device (f, ca, "a");
  g_assert_cmpuint (cairn_sync_core_get_restore_count (ca), ==, 1);
  /* a pushed b's ten events again, in their order, then its own. */
  g_assert_cmpuint (f->log->len, ==, 101);
  for (guint i = 90; i < 100; i++)
    g_assert_cmpstr (((CairnWireEvent *) f->log->pdata[i])->client_id, ==,
                     cairn_store_get_client_id (b));
  g_assert_cmpstr (((CairnWireEvent *) f->log->pdata[100])->client_id, ==,
                   cairn_store_get_client_id (a));
  /* The whole log is 101 events; a compared a window below 90 and took
   * the eleven after it. */
  received = cairn_sync_core_get_events_received (ca) - received;
  g_test_message ("pulled %" G_GINT64_FORMAT " of %u events after the restore",
                  received, f->log->len);
  g_assert_cmpint (received, <=, 50);
  g_assert_cmpint (cairn_store_get_head (a), ==, 101);
  g_assert_cmpint (cairn_store_count_archived (a, &error), ==, 0);
  da = cairn_store_dump_state (a, &error);
  /* Never gone from a, not even for a moment. */
  g_assert_nonnull (strstr (da, "\"b15\""));
  g_assert_nonnull (strstr (da, "\"b5\""));

  /* The server's log is b's again up to b's head: nothing for b to redo. */
  sync_device (f, cb, "b");
  g_assert_cmpuint (cairn_sync_core_get_restore_count (cb), ==, 0);
  sync_device (f, ca, "a");
  add_device_c (f);
  sync_device (f, f->cc, "c");
  g_assert_cmpint (cairn_sync_core_get_events_received (f->cc), ==, 101);
  g_clear_pointer (&da, g_free);
  da = cairn_store_dump_state (a, &error);
  db = cairn_store_dump_state (b, &error);
  dc = cairn_store_dump_state (f->c, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (da, ==, dc);
  g_assert_cmpstr (db, ==, dc);
  g_assert_nonnull (strstr (dc, "\"b15\""));
  g_assert_nonnull (strstr (dc, "\"a after\""));
}

static guint
held_ops (CairnStore *store,
          const char *note_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) text = cairn_store_load_note_text (store, note_id, &error);

  g_assert_no_error (error);
  return cairn_text_get_n_pending (text);
}

/* Case 5d: a's own pending text edit was typed on b's edit, the server is
 * restored to a backup without b's edit, and b never comes back. a pushes
 * b's edit again before its own (it knows it, in the server's old order),
 * so nothing is held and nobody loses text: b's typing survives b. */
static void
test_restore_keeps_others_text (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CairnStore *a = f->a, *b = f->b;
  CairnSyncCore *ca = f->ca;
  g_autofree char *note = NULL, *body = NULL, *da = NULL, *dc = NULL;

  note = share_note_typed_by_both (f);
  test_type_into_note (a, note, 11, "!");   /* pending, typed after b's text */

  /* The server comes back holding a's two events, not b's. a finds out
   * by itself, pushes b's edit again, then its pending one, and pulls. */
  g_assert_cmpuint (f->log->len, ==, 3);
  g_ptr_array_set_size (f->log, 2);
  sync_device (f, ca, "a");
  g_assert_cmpuint (cairn_sync_core_get_restore_count (ca), ==, 1);
  g_assert_cmpuint (f->log->len, ==, 4);
  g_assert_cmpstr (((CairnWireEvent *) f->log->pdata[2])->client_id, ==,
                   cairn_store_get_client_id (b));
  body = note_body (a, note);
  g_assert_cmpstr (body, ==, "mine+theirs!");
  g_assert_cmpuint (held_ops (a, note), ==, 0);

  /* b never comes back; a and a new device go on editing. */
  test_type_into_note (a, note, 0, "new ");
  sync_device (f, ca, "a");
  add_device_c (f);
  sync_device (f, f->cc, "c");
  test_type_into_note (f->c, note, 0, "c: ");
  sync_device (f, f->cc, "c");
  sync_device (f, ca, "a");
  g_clear_pointer (&body, g_free);
  body = note_body (a, note);
  g_assert_cmpstr (body, ==, "c: new mine+theirs!");
  g_assert_cmpuint (held_ops (a, note), ==, 0);
  g_assert_cmpuint (held_ops (f->c, note), ==, 0);
  da = cairn_store_dump_state (a, &error);
  dc = cairn_store_dump_state (f->c, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (da, ==, dc);
}

static guint
n_conflicts (CairnStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = cairn_store_list_conflicts (store, &error);

  g_assert_no_error (error);
  return list->len;
}

static void
test_conflicts (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CairnStore *a = f->a, *b = f->b;
  CairnSyncCore *ca = f->ca, *cb = f->cb;
  g_autoptr(GPtrArray) list_a = NULL;
  g_autofree char *list = NULL, *todo = NULL, *before = NULL, *after = NULL;
  CairnConflict *c;

  list = cairn_store_create_list (a, "Home", &error);
  todo = cairn_store_create_todo (a, list, "milk", NULL, NULL, &error);
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");

  /* Same value on both sides: nothing to report. */
  g_assert_true (cairn_store_rename_todo (a, todo, "oat milk", &error));
  g_assert_true (cairn_store_rename_todo (b, todo, "oat milk", &error));
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");
  sync_device (f, ca, "a");
  g_assert_cmpuint (n_conflicts (a) + n_conflicts (b), ==, 0);

  /* b overwrites a's done and a's due date, but a has a pending change of
   * the due date: only "done" is reported, on a. */
  g_assert_true (cairn_store_set_todo_done (a, todo, TRUE, &error));
  g_assert_true (cairn_store_set_todo_due (a, todo, "2026-01-02", &error));
  sync_device (f, ca, "a");
  g_assert_true (cairn_store_set_todo_done (b, todo, FALSE, &error));
  g_assert_true (cairn_store_set_todo_due (b, todo, "2026-03-04", &error));
  g_assert_true (cairn_store_set_todo_due (a, todo, "2026-05-06", &error));
  sync_device (f, cb, "b");
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");
  g_assert_cmpuint (n_conflicts (b), ==, 1);   /* a's last due date overwrote b's */
  g_assert_cmpuint (n_conflicts (a), ==, 1);
  list_a = cairn_store_list_conflicts (a, &error);
  c = g_ptr_array_index (list_a, 0);
  g_assert_cmpstr (cairn_conflict_get_field (c), ==, "done");
  g_assert_cmpstr (cairn_conflict_get_ours (c), ==, "true");
  g_assert_cmpstr (cairn_conflict_get_theirs (c), ==, "false");
  g_assert_cmpstr (cairn_conflict_get_their_device (c), ==, "b");

  /* Unknown ids: a clear error, nothing changes. */
  before = cairn_store_dump_state (a, &error);
  g_assert_false (cairn_store_dismiss_conflict (a, 4242, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (cairn_store_keep_mine (a, 4242, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  after = cairn_store_dump_state (a, &error);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (n_conflicts (a), ==, 1);

  /* Keep mine: a new pending event with our value; the report goes. */
  g_assert_true (cairn_store_keep_mine (a, cairn_conflict_get_id (c), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_conflicts (a), ==, 0);
  g_assert_cmpuint (cairn_store_get_pending_count (a), ==, 1);
  g_free (after);
  after = cairn_store_dump_state (a, &error);
  g_assert_nonnull (strstr (after, "\"done\" : 1"));
}

/* A restore keeps what says which values are ours (sync_origin): a's
 * rename, lost by the server and pushed again, is still a's, so another
 * device overwriting it afterwards is reported on a, once. */
static void
test_restore_keeps_conflict_origin (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CairnStore *a = f->a, *b = f->b;
  CairnSyncCore *ca = f->ca, *cb = f->cb;
  g_autoptr(GPtrArray) reports = NULL;
  g_autofree char *list = NULL, *todo = NULL;
  CairnConflict *c;
  guint kept;

  list = cairn_store_create_list (a, "Home", &error);
  todo = cairn_store_create_todo (a, list, "milk", NULL, NULL, &error);
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");
  kept = f->log->len;
  g_assert_true (cairn_store_rename_todo (a, todo, "oat milk", &error));
  sync_device (f, ca, "a");

  /* The server comes back without a's rename; a pushes it again. */
  g_ptr_array_set_size (f->log, kept);
  sync_device (f, ca, "a");
  g_assert_cmpuint (cairn_sync_core_get_restore_count (ca), ==, 1);
  g_assert_cmpuint (f->log->len, ==, kept + 1);

  /* Then b renames the same todo: a hears of it as a conflict. */
  sync_device (f, cb, "b");
  g_assert_true (cairn_store_rename_todo (b, todo, "soy milk", &error));
  sync_device (f, cb, "b");
  sync_device (f, ca, "a");
  g_assert_no_error (error);
  g_assert_cmpuint (n_conflicts (b), ==, 0);
  reports = cairn_store_list_conflicts (a, &error);
  g_assert_cmpuint (reports->len, ==, 1);
  c = g_ptr_array_index (reports, 0);
  g_assert_cmpstr (cairn_conflict_get_ours (c), ==, "oat milk");
  g_assert_cmpstr (cairn_conflict_get_theirs (c), ==, "soy milk");
}

/* The store's chain is the server's: computed locally at each insert
 * (never copied from the wire), with the same definition. */
static void
test_chain_matches_server (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;

  /* The definition (cairn-chain.h), fixed: SHA-256 of the previous
   * chain's 16 bytes, client_id, NUL, client_seq as 8 bytes big-endian,
   * cut to 16 bytes. */
  {
    g_autofree char *c1 = cairn_chain_next (CAIRN_CHAIN_ZERO, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1);
    g_autofree char *c2 = cairn_chain_next (c1, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 7);

    g_assert_cmpstr (c1, ==, "d76bbc403e56a2469f008d819b0a8726");
    g_assert_cmpstr (c2, ==, "c7ee18b184985334e9603ad1df116756");
    g_assert_true (cairn_chain_is_valid (c2));
    g_assert_false (cairn_chain_is_valid ("C7EE18B184985334E9603AD1DF116756"));
  }

  list = cairn_store_create_list (f->a, "Home", &error);
  g_free (cairn_store_create_todo (f->a, list, "a1", NULL, NULL, &error));
  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");
  g_free (cairn_store_create_todo (f->b, list, "b1", NULL, NULL, &error));
  sync_device (f, f->cb, "b");
  sync_device (f, f->ca, "a");
  g_assert_no_error (error);
  g_assert_cmpuint (f->log->len, ==, 3);
  for (guint i = 0; i < f->log->len; i++)
    {
      const CairnWireEvent *w = g_ptr_array_index (f->log, i);
      g_autofree char *ca = NULL, *cb = NULL;

      g_assert_true (cairn_store_get_log_chain (f->a, w->seq, &ca, &error));
      g_assert_true (cairn_store_get_log_chain (f->b, w->seq, &cb, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (ca, ==, w->chain);
      g_assert_cmpstr (cb, ==, w->chain);
    }
}

/* After a restore, other devices' pushes may put the same events at our
 * head with another order below it: a's log is a1 a2 b1 a3, the server's
 * a1 b1 a2 a3. The event at a's head is the same; the chain there is
 * not, and a takes the server's order. (Before the chain, a kept its
 * order for good: its state could differ from every other device's.) */
static void
test_restore_same_head_other_prefix (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL, *da = NULL, *db = NULL;
  gpointer a2, b1;

  f->no_chain = data != NULL;
  list = cairn_store_create_list (f->a, "Home", &error);
  g_free (cairn_store_create_todo (f->a, list, "a2", NULL, NULL, &error));
  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");
  g_free (cairn_store_create_todo (f->b, list, "b1", NULL, NULL, &error));
  sync_device (f, f->cb, "b");
  sync_device (f, f->ca, "a");
  g_free (cairn_store_create_todo (f->a, list, "a3", NULL, NULL, &error));
  sync_device (f, f->ca, "a");
  g_assert_no_error (error);
  g_assert_cmpuint (f->log->len, ==, 4);
  g_assert_true (log_is_servers (f, f->a));

  /* The server's log after the restore and the devices' pushes. */
  a2 = f->log->pdata[1];
  b1 = f->log->pdata[2];
  f->log->pdata[1] = b1;
  f->log->pdata[2] = a2;
  relink_log (f);
  g_assert_false (log_is_servers (f, f->a));

  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");
  if (f->no_chain)
    {
      /* An older server: only the event at the head is compared, and it
       * is the same, so a keeps its order: the limit the chain closes
       * (docs/sync.md), and what every client did before it. */
      g_assert_cmpuint (cairn_sync_core_get_restore_count (f->ca), ==, 0);
      g_assert_false (log_is_servers (f, f->a));
      return;
    }
  g_assert_cmpuint (cairn_sync_core_get_restore_count (f->ca), ==, 1);
  g_assert_cmpuint (f->log->len, ==, 4);   /* nothing was appended again */
  g_assert_true (log_is_servers (f, f->a));
  g_assert_true (log_is_servers (f, f->b));
  da = cairn_store_dump_state (f->a, &error);
  db = cairn_store_dump_state (f->b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (da, ==, db);
  g_assert_cmpuint (cairn_store_get_pending_count (f->a), ==, 0);
}

/* Priorities: the later in the server's order wins, and the person whose
 * priority was overwritten hears of it, and can keep theirs. */
static void
test_priority_conflict (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CairnStore *a = f->a, *b = f->b;
  CairnSyncCore *ca = f->ca, *cb = f->cb;
  g_autoptr(GPtrArray) reports = NULL;
  g_autofree char *list = NULL, *todo = NULL, *da = NULL, *db = NULL;
  CairnConflict *c;

  list = cairn_store_create_list (a, "Home", &error);
  todo = cairn_store_create_todo (a, list, "milk", NULL, NULL, &error);
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");

  g_assert_true (cairn_store_set_todo_priority (a, todo, "high", &error));
  sync_device (f, ca, "a");
  g_assert_true (cairn_store_set_todo_priority (b, todo, "low", &error));
  sync_device (f, cb, "b");
  sync_device (f, ca, "a");
  da = cairn_store_dump_state (a, &error);
  db = cairn_store_dump_state (b, &error);
  g_assert_cmpstr (da, ==, db);
  g_assert_nonnull (strstr (da, "\"priority\" : \"low\""));   /* b's, later in the log */
  g_assert_cmpuint (n_conflicts (b), ==, 0);
  reports = cairn_store_list_conflicts (a, &error);
  g_assert_cmpuint (reports->len, ==, 1);
  c = g_ptr_array_index (reports, 0);
  g_assert_cmpstr (cairn_conflict_get_kind (c), ==, "todo");
  g_assert_cmpstr (cairn_conflict_get_field (c), ==, "priority");
  g_assert_cmpstr (cairn_conflict_get_ours (c), ==, "high");
  g_assert_cmpstr (cairn_conflict_get_theirs (c), ==, "low");
  g_assert_true (cairn_store_keep_mine (a, cairn_conflict_get_id (c), &error));
  g_assert_no_error (error);
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");
  g_free (db);
  db = cairn_store_dump_state (b, &error);
  g_assert_nonnull (strstr (db, "\"priority\" : \"high\""));
}

/* One todo tagged on one device and untagged on another, concurrently:
 * the later of the two in the server's order wins, both ways round. */
static void
test_tag_add_remove_concurrent (Fixture       *f,
                                gconstpointer  data)
{
  for (guint order = 0; order < 2; order++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *an = g_strdup_printf ("a%u.db", order);
      g_autofree char *bn = g_strdup_printf ("b%u.db", order);
      g_autoptr(CairnStore) a = open_store (f, an);
      g_autoptr(CairnStore) b = open_store (f, bn);
      CairnSyncCore *ca = cairn_sync_core_new (a);
      CairnSyncCore *cb = cairn_sync_core_new (b);
      g_autofree char *list = NULL, *todo = NULL, *tag = NULL, *da = NULL, *db = NULL;
      g_autoptr(JsonNode) row = NULL;
      g_autofree char *text = NULL;

      g_ptr_array_set_size (f->log, 0);
      list = cairn_store_create_list (a, "Home", &error);
      todo = cairn_store_create_todo (a, list, "milk", NULL, NULL, &error);
      tag = cairn_store_create_tag (a, "Errands", NULL, &error);
      g_assert_true (cairn_store_set_todo_tagged (a, todo, tag, TRUE, &error));
      g_assert_no_error (error);
      sync_device (f, ca, "a");
      sync_device (f, cb, "b");

      /* a takes the tag off and puts it on again, b takes it off */
      g_assert_true (cairn_store_set_todo_tagged (a, todo, tag, FALSE, &error));
      g_assert_true (cairn_store_set_todo_tagged (a, todo, tag, TRUE, &error));
      g_assert_true (cairn_store_set_todo_tagged (b, todo, tag, FALSE, &error));
      g_assert_no_error (error);
      if (order == 0)
        {
          sync_device (f, ca, "a");   /* a's add first, b's remove last */
          sync_device (f, cb, "b");
          sync_device (f, ca, "a");
        }
      else
        {
          sync_device (f, cb, "b");   /* b's remove first, a's add last */
          sync_device (f, ca, "a");
          sync_device (f, cb, "b");
        }
      da = cairn_store_dump_state (a, &error);
      db = cairn_store_dump_state (b, &error);
      g_assert_cmpstr (da, ==, db);
      row = cairn_store_read_object (a, CAIRN_OBJECT_TODO, todo, NULL, &error);
      g_assert_no_error (error);
      text = json_to_string (row, FALSE);
      g_assert_nonnull (strstr (text, order == 0 ? "\"tags\":[]" : "\"tags\":[\"Errands\"]"));

      cairn_sync_core_free (ca);
      cairn_sync_core_free (cb);
    }
}

/* ---- notes on a task ---- */

static void
type_into_todo (CairnStore *store,
                const char *todo_id,
                gsize       pos,
                const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) notes = cairn_store_load_todo_notes (store, todo_id, &error);
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

  g_assert_no_error (error);
  for (const char *p = text; *p; p = g_utf8_next_char (p), pos++)
    g_assert_true (cairn_text_insert (notes, pos, p, g_utf8_next_char (p) - p, ops, &error));
  g_assert_true (cairn_store_edit_todo_notes (store, todo_id, ops, &error));
  g_assert_no_error (error);
}

static char *
todo_notes (CairnStore *store,
            const char *todo_id)
{
  g_autoptr(GError) error = NULL;
  char *notes = cairn_store_dup_todo_notes (store, todo_id, &error);

  g_assert_no_error (error);
  return notes;
}

/* Two devices type into one todo's notes at the same place through the
 * sync core, in both server orders: each run whole, the same text and
 * state on both. */
static void
test_todo_notes_concurrent (Fixture       *f,
                            gconstpointer  data)
{
  for (guint order = 0; order < 2; order++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *an = g_strdup_printf ("na%u.db", order);
      g_autofree char *bn = g_strdup_printf ("nb%u.db", order);
      g_autoptr(CairnStore) a = open_store (f, an);
      g_autoptr(CairnStore) b = open_store (f, bn);
      CairnSyncCore *ca = cairn_sync_core_new (a);
      CairnSyncCore *cb = cairn_sync_core_new (b);
      g_autofree char *list = NULL, *todo = NULL, *da = NULL, *db = NULL;
      g_autofree char *na = NULL, *nb = NULL;

      g_ptr_array_set_size (f->log, 0);
      list = cairn_store_create_list (a, "Home", &error);
      todo = cairn_store_create_todo (a, list, "trip", NULL, NULL, &error);
      g_assert_no_error (error);
      type_into_todo (a, todo, 0, "[]");
      sync_device (f, ca, "a");
      sync_device (f, cb, "b");

      type_into_todo (a, todo, 1, "alpha");
      type_into_todo (b, todo, 1, "BETA");
      g_assert_true (cairn_store_rename_todo (b, todo, "trip!", &error));
      if (order == 0)
        {
          sync_device (f, ca, "a");
          sync_device (f, cb, "b");
          sync_device (f, ca, "a");
        }
      else
        {
          sync_device (f, cb, "b");
          sync_device (f, ca, "a");
          sync_device (f, cb, "b");
        }
      na = todo_notes (a, todo);
      nb = todo_notes (b, todo);
      g_assert_cmpstr (na, ==, nb);
      /* which run goes first is the CRDT's choice (by replica), not the
       * server's order; that neither is split is what matters */
      g_assert_true (g_str_equal (na, "[alphaBETA]") || g_str_equal (na, "[BETAalpha]"));
      da = cairn_store_dump_state (a, &error);
      db = cairn_store_dump_state (b, &error);
      g_assert_cmpstr (da, ==, db);

      cairn_sync_core_free (ca);
      cairn_sync_core_free (cb);
    }
}

/* A restore forgets another device's todo.notes_edited: its ops leave the
 * notes, and come back exactly once when that device pushes them again
 * (as /sync/store/restore-forgets-note-ops for a note's body). */
static void
test_restore_forgets_todo_notes_ops (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CairnStore *a = f->a, *b = f->b;
  g_autofree char *list = NULL, *todo = NULL, *notes = NULL, *da = NULL, *db = NULL, *dc = NULL;

  list = cairn_store_create_list (a, "Home", &error);
  todo = cairn_store_create_todo (a, list, "plan", NULL, NULL, &error);
  g_assert_no_error (error);
  type_into_todo (a, todo, 0, "mine");
  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");
  type_into_todo (b, todo, 4, "+theirs");
  sync_device (f, f->cb, "b");
  sync_device (f, f->ca, "a");
  notes = todo_notes (a, todo);
  g_assert_cmpstr (notes, ==, "mine+theirs");
  type_into_todo (a, todo, 0, "!");   /* pending, and cached on a */

  /* The server comes back holding only the list and the todo. */
  g_ptr_array_set_size (f->log, 2);
  g_assert_true (cairn_store_forget_server_history (a, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&notes, g_free);
  notes = todo_notes (a, todo);
  g_assert_cmpstr (notes, ==, "!mine");

  sync_device (f, f->cb, "b");
  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");
  add_device_c (f);
  sync_device (f, f->cc, "c");
  g_clear_pointer (&notes, g_free);
  notes = todo_notes (f->c, todo);
  g_assert_cmpstr (notes, ==, "!mine+theirs");
  da = cairn_store_dump_state (a, &error);
  db = cairn_store_dump_state (b, &error);
  dc = cairn_store_dump_state (f->c, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (da, ==, db);
  g_assert_cmpstr (da, ==, dc);
}

/* Two devices that create the same tag name (any case) offline, and their
 * Inboxes, end with one tag and one Inbox; a tag deleted meanwhile on one
 * side leaves every todo. */
static void
test_same_tag_offline (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CairnStore *a = f->a, *b = f->b;
  CairnSyncCore *ca = f->ca, *cb = f->cb;
  g_autofree char *ta = NULL, *tb = NULL, *da = NULL, *db = NULL;
  g_autofree char *la = NULL, *lb = NULL, *todo_a = NULL, *todo_b = NULL;

  g_assert_true (cairn_store_ensure_inbox (a, &error));
  g_assert_true (cairn_store_ensure_inbox (b, &error));
  ta = cairn_store_create_tag (a, "Work", "blue", &error);
  tb = cairn_store_create_tag (b, "work", "red", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ta, ==, tb);
  todo_a = cairn_store_create_todo (a, CAIRN_INBOX_ID, "from a", NULL, NULL, &error);
  todo_b = cairn_store_create_todo (b, CAIRN_INBOX_ID, "from b", NULL, NULL, &error);
  g_assert_true (cairn_store_set_todo_tagged (a, todo_a, ta, TRUE, &error));
  g_assert_true (cairn_store_set_todo_tagged (b, todo_b, tb, TRUE, &error));
  g_assert_no_error (error);

  sync_device (f, ca, "a");
  sync_device (f, cb, "b");
  sync_device (f, ca, "a");
  da = cairn_store_dump_state (a, &error);
  db = cairn_store_dump_state (b, &error);
  g_assert_cmpstr (da, ==, db);
  g_assert_cmpint (test_query_int (a, "SELECT count(*) FROM tags"), ==, 1);
  g_assert_cmpint (test_query_int (a, "SELECT count(*) FROM lists"), ==, 1);
  g_assert_cmpint (test_query_int (a, "SELECT count(*) FROM todo_tags WHERE tagged"), ==, 2);
  /* the first in the server's order named it and chose its colour */
  g_assert_nonnull (strstr (da, "\"name\" : \"Work\""));
  g_assert_nonnull (strstr (da, "\"color\" : \"blue\""));

  /* b deletes it: it leaves both todos, on both devices */
  g_assert_true (cairn_store_delete_tag (b, tb, &error));
  sync_device (f, cb, "b");
  sync_device (f, ca, "a");
  {
    g_autoptr(JsonNode) na = cairn_store_read_object (a, CAIRN_OBJECT_TODO, todo_a, NULL, &error);
    g_autoptr(JsonNode) nb = cairn_store_read_object (a, CAIRN_OBJECT_TODO, todo_b, NULL, &error);

    g_assert_no_error (error);
    la = json_to_string (na, FALSE);
    lb = json_to_string (nb, FALSE);
  }
  g_assert_nonnull (strstr (la, "\"tags\":[]"));
  g_assert_nonnull (strstr (lb, "\"tags\":[]"));
}

/* An older build gets these events from a newer one: stored, skipped,
 * needs-update; modelled by a name this build does not know, as
 * tests/data/test-store-rebase.c does, and by a newer version of ours. */
static void
test_newer_tag_events_skipped (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CairnStore *a = f->a;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(JsonObject) args = json_object_new ();
  g_autoptr(JsonObject) args2 = json_object_new ();
  g_autofree char *before = cairn_store_dump_state (a, &error);
  g_autofree char *after = NULL;
  CairnEvent *e;

  json_object_set_string_member (args, "tag_id", "01890a5d-ac96-774b-bcce-b30209900031");
  json_object_set_string_member (args, "name", "Work");
  json_object_set_string_member (args, "color", "teal");
  json_object_set_string_member (args, "icon", "briefcase");
  e = cairn_event_new ("tag.created", 2, args);
  e->seq = 1; e->client_id = g_strdup ("0123456789abcdef0123456789abcdef"); e->client_seq = 1;
  g_ptr_array_add (batch, e);
  json_object_set_string_member (args2, "tag_id", "01890a5d-ac96-774b-bcce-b30209900031");
  e = cairn_event_new ("tag.merged", 1, args2);
  e->seq = 2; e->client_id = g_strdup ("0123456789abcdef0123456789abcdef"); e->client_seq = 2;
  g_ptr_array_add (batch, e);
  g_assert_true (cairn_store_rebase (a, batch, "0123456789abcdef0123456789abcdef", &error));
  g_assert_no_error (error);
  g_assert_true (cairn_store_get_needs_update (a));
  g_assert_cmpint (cairn_store_get_head (a), ==, 2);
  g_assert_cmpint (test_query_int (a, "SELECT count(*) FROM log WHERE skipped"), ==, 2);
  after = cairn_store_dump_state (a, &error);
  g_assert_cmpstr (after, ==, before);
}

/* ---- due times, reminders and repeats (issue 13) ---- */

/* A repeating todo's occurrence completed on both devices offline: one
 * next occurrence, the completed one once in the history, both orders. */
static void
test_repeat_completed_twice (Fixture       *f,
                             gconstpointer  data)
{
  for (guint order = 0; order < 2; order++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *an = g_strdup_printf ("ra%u.db", order);
      g_autofree char *bn = g_strdup_printf ("rb%u.db", order);
      g_autoptr(CairnStore) a = open_store (f, an);
      g_autoptr(CairnStore) b = open_store (f, bn);
      CairnSyncCore *ca = cairn_sync_core_new (a);
      CairnSyncCore *cb = cairn_sync_core_new (b);
      CairnSyncCore *first = order == 0 ? ca : cb, *second = order == 0 ? cb : ca;
      g_autofree char *list = NULL, *todo = NULL, *da = NULL, *db = NULL;
      g_autoptr(GPtrArray) dates = NULL;

      g_ptr_array_set_size (f->log, 0);
      list = cairn_store_create_list (a, "Home", &error);
      todo = cairn_store_create_todo (a, list, "Water the plants", NULL, NULL, &error);
      g_assert_true (cairn_store_set_todo_due_time (a, todo, "2026-12-07", "18:00", &error));
      g_assert_true (cairn_store_set_todo_repeat (a, todo, "weekly:mon,thu", &error));
      g_assert_no_error (error);
      sync_device (f, ca, "a");
      sync_device (f, cb, "b");

      g_assert_true (cairn_store_set_todo_done (a, todo, TRUE, &error));
      g_assert_true (cairn_store_set_todo_done (b, todo, TRUE, &error));
      g_assert_no_error (error);
      sync_device (f, first, "first");
      sync_device (f, second, "second");
      sync_device (f, first, "first");

      da = cairn_store_dump_state (a, &error);
      db = cairn_store_dump_state (b, &error);
      g_assert_cmpstr (da, ==, db);
      g_assert_nonnull (strstr (da, "\"due\" : \"2026-12-10\""));   /* the Thursday, once */
      dates = cairn_store_list_occurrences (b, todo, &error);
      g_assert_cmpuint (dates->len, ==, 1);
      g_assert_cmpstr (dates->pdata[0], ==, "2026-12-07");
      g_assert_cmpuint (n_conflicts (a), ==, 0);
      g_assert_cmpuint (n_conflicts (b), ==, 0);
      cairn_sync_core_free (ca);
      cairn_sync_core_free (cb);
    }
}

/* A reminder dismissed on one device does not ring on the other; one set
 * again afterwards rings on both. */
static void
test_reminder_dismissed_elsewhere (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL, *todo = NULL;
  g_autoptr(GPtrArray) due = NULL;
  gint64 now = 1796630400 + 3600;   /* 2026-12-07T10:00+01:00 */

  list = cairn_store_create_list (f->a, "Home", &error);
  todo = cairn_store_create_todo (f->a, list, "Train", NULL, NULL, &error);
  g_assert_true (cairn_store_set_todo_reminder (f->a, todo, "2026-12-07T09:00+01:00", &error));
  g_assert_no_error (error);
  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");
  due = cairn_store_list_due_reminders (f->b, now, &error);
  g_assert_cmpuint (due->len, ==, 1);
  g_clear_pointer (&due, g_ptr_array_unref);

  g_assert_true (cairn_store_dismiss_todo_reminder (f->a, todo, &error));
  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");
  due = cairn_store_list_due_reminders (f->b, now, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (due->len, ==, 0);
  g_clear_pointer (&due, g_ptr_array_unref);

  g_assert_true (cairn_store_set_todo_reminder (f->b, todo, "2026-12-07T09:30+01:00", &error));
  sync_device (f, f->cb, "b");
  sync_device (f, f->ca, "a");
  due = cairn_store_list_due_reminders (f->a, now, &error);
  g_assert_cmpuint (due->len, ==, 1);
}

/* Reminders and repeat rules are reported like titles when another
 * device overwrote ours; keeping mine sets it again. */
static void
test_reminder_conflict (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) reports = NULL;
  g_autofree char *list = NULL, *todo = NULL, *db = NULL;
  CairnConflict *c;

  list = cairn_store_create_list (f->a, "Home", &error);
  todo = cairn_store_create_todo (f->a, list, "Dentist", NULL, NULL, &error);
  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");
  g_assert_true (cairn_store_set_todo_reminder (f->a, todo, "2026-12-07T09:00+01:00", &error));
  g_assert_true (cairn_store_set_todo_repeat (f->a, todo, "monthly", &error));
  sync_device (f, f->ca, "a");
  g_assert_true (cairn_store_set_todo_reminder (f->b, todo, "2026-12-08T09:00+01:00", &error));
  g_assert_true (cairn_store_set_todo_repeat (f->b, todo, "yearly", &error));
  g_assert_no_error (error);
  sync_device (f, f->cb, "b");
  sync_device (f, f->ca, "a");
  g_assert_cmpuint (n_conflicts (f->b), ==, 0);
  reports = cairn_store_list_conflicts (f->a, &error);
  g_assert_cmpuint (reports->len, ==, 2);
  for (guint i = 0; i < reports->len; i++)
    {
      c = g_ptr_array_index (reports, i);
      if (g_str_equal (cairn_conflict_get_field (c), "reminder"))
        {
          g_assert_cmpstr (cairn_conflict_get_ours (c), ==, "2026-12-07T09:00+01:00");
          g_assert_cmpstr (cairn_conflict_get_theirs (c), ==, "2026-12-08T09:00+01:00");
          g_assert_true (cairn_store_keep_mine (f->a, cairn_conflict_get_id (c), &error));
          g_assert_no_error (error);
        }
      else
        {
          g_assert_cmpstr (cairn_conflict_get_field (c), ==, "repeat");
          g_assert_cmpstr (cairn_conflict_get_theirs (c), ==, "yearly");
        }
    }
  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");
  db = cairn_store_dump_state (f->b, &error);
  g_assert_nonnull (strstr (db, "\"reminder\" : \"2026-12-07T09:00+01:00\""));
  g_assert_nonnull (strstr (db, "\"repeat\" : \"yearly\""));
}

/* The parent of a todo ("" for the top level), as the store has it. */
static char *
parent_of (CairnStore *store,
           const char *todo_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) row = cairn_store_read_object (store, CAIRN_OBJECT_TODO, todo_id, NULL, &error);

  g_assert_no_error (error);
  return g_strdup (json_object_get_string_member_with_default (json_node_get_object (row),
                                                               "parent_id", ""));
}

static CairnConflict *
only_conflict (CairnStore *store,
               const char *field)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) reports = cairn_store_list_conflicts (store, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (reports->len, ==, 1);
  g_assert_cmpstr (cairn_conflict_get_field (g_ptr_array_index (reports, 0)), ==, field);
  return g_object_ref (g_ptr_array_index (reports, 0));
}

/* Two devices move one todo under different parents: the later move in
 * the server's order wins on both, and the device whose move was
 * overwritten (the one ordered first) gets a "parent" report; same
 * parent, or a reorder among the same siblings, reports nothing. */
static void
test_parent_conflict (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CairnStore *a = f->a, *b = f->b;
  CairnSyncCore *ca = f->ca, *cb = f->cb;
  g_autoptr(CairnConflict) c = NULL;
  g_autoptr(GPtrArray) kids = NULL;
  g_autofree char *list = NULL, *other = NULL, *third = NULL;
  g_autofree char *pa = NULL, *pb = NULL, *x = NULL, *y = NULL;
  g_autofree char *before = NULL, *after = NULL, *da = NULL, *db = NULL, *p = NULL;

  list = cairn_store_create_list (a, "Home", &error);
  other = cairn_store_create_list (a, "Work", &error);
  third = cairn_store_create_list (a, "Garden", &error);
  pa = cairn_store_create_todo (a, list, "Shopping", NULL, NULL, &error);
  pb = cairn_store_create_todo (a, list, "Cooking", NULL, NULL, &error);
  x = cairn_store_create_todo (a, list, "milk", NULL, NULL, &error);
  y = cairn_store_create_todo (a, list, "eggs", NULL, NULL, &error);
  g_assert_no_error (error);
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");

  /* a's move first, b's last: b's parent wins, a is told. */
  g_assert_true (cairn_store_move_todo_under (a, x, NULL, pa, NULL, NULL, &error));
  sync_device (f, ca, "a");
  g_assert_true (cairn_store_move_todo_under (b, x, NULL, pb, NULL, NULL, &error));
  g_assert_no_error (error);
  sync_device (f, cb, "b");
  sync_device (f, ca, "a");
  da = cairn_store_dump_state (a, &error);
  db = cairn_store_dump_state (b, &error);
  g_assert_cmpstr (da, ==, db);
  p = parent_of (a, x);
  g_assert_cmpstr (p, ==, pb);
  g_assert_cmpuint (n_conflicts (b), ==, 0);
  c = only_conflict (a, "parent");
  g_assert_cmpstr (cairn_conflict_get_kind (c), ==, "todo");
  g_assert_cmpstr (cairn_conflict_get_object_id (c), ==, x);
  g_assert_cmpstr (cairn_conflict_get_ours (c), ==, pa);
  g_assert_cmpstr (cairn_conflict_get_theirs (c), ==, pb);
  g_assert_cmpstr (cairn_conflict_get_their_device (c), ==, "b");

  /* Keep mine: back under a's parent, after its last child, on both. */
  g_assert_true (cairn_store_move_todo_under (a, y, NULL, pa, NULL, NULL, &error));
  g_assert_true (cairn_store_keep_mine (a, cairn_conflict_get_id (c), &error));
  g_assert_no_error (error);
  g_clear_object (&c);
  g_assert_cmpuint (n_conflicts (a), ==, 0);
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");
  kids = cairn_store_list_subtasks (b, pa, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kids->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (kids, 0), ==, y);
  g_assert_cmpstr (g_ptr_array_index (kids, 1), ==, x);
  /* which overwrote b's move in turn: b is told, as with every field */
  g_assert_cmpuint (n_conflicts (a), ==, 0);
  c = only_conflict (b, "parent");
  g_assert_cmpstr (cairn_conflict_get_ours (c), ==, pb);
  g_assert_cmpstr (cairn_conflict_get_theirs (c), ==, pa);
  g_assert_true (cairn_store_dismiss_conflict (b, cairn_conflict_get_id (c), &error));
  g_clear_object (&c);

  /* The other order: b's move first, a's (to the top level) last. b is
   * told, with "" for the top level. */
  g_assert_true (cairn_store_move_todo_under (b, x, NULL, pb, NULL, NULL, &error));
  sync_device (f, cb, "b");
  g_assert_true (cairn_store_move_todo_under (a, x, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");
  g_assert_cmpuint (n_conflicts (a), ==, 0);
  g_free (p);
  p = parent_of (b, x);
  g_assert_cmpstr (p, ==, "");
  c = only_conflict (b, "parent");
  g_assert_cmpstr (cairn_conflict_get_ours (c), ==, pb);
  g_assert_cmpstr (cairn_conflict_get_theirs (c), ==, "");
  g_assert_cmpstr (cairn_conflict_get_their_device (c), ==, "a");

  /* Its parent deleted meanwhile: keep mine is refused, nothing changes. */
  g_assert_true (cairn_store_delete_todo (a, pb, &error));
  sync_device (f, ca, "a");
  sync_device (f, cb, "b");
  before = cairn_store_dump_state (b, &error);
  g_assert_false (cairn_store_keep_mine (b, cairn_conflict_get_id (c), &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  after = cairn_store_dump_state (b, &error);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (n_conflicts (b), ==, 1);
  g_assert_true (cairn_store_dismiss_conflict (b, cairn_conflict_get_id (c), &error));
  g_clear_object (&c);

  /* The same parent on both: no report. */
  g_assert_true (cairn_store_move_todo_under (a, x, NULL, pa, NULL, NULL, &error));
  sync_device (f, ca, "a");
  g_assert_true (cairn_store_move_todo_under (b, x, NULL, pa, y, NULL, &error));
  g_assert_no_error (error);
  sync_device (f, cb, "b");
  sync_device (f, ca, "a");
  g_assert_cmpuint (n_conflicts (a) + n_conflicts (b), ==, 0);

  /* A reorder among the same siblings on both (todo.moved naming the
   * same parent again): no report. */
  g_assert_true (cairn_store_move_todo (a, x, NULL, NULL, y, &error));
  sync_device (f, ca, "a");
  g_assert_true (cairn_store_move_todo (b, y, NULL, NULL, x, &error));
  g_assert_no_error (error);
  sync_device (f, cb, "b");
  sync_device (f, ca, "a");
  g_assert_cmpuint (n_conflicts (a) + n_conflicts (b), ==, 0);

  /* Moves to two other lists (top level on both): the list is reported
   * as before, the parent (top level on both) is not. */
  g_assert_true (cairn_store_move_todo (a, x, other, NULL, NULL, &error));
  sync_device (f, ca, "a");
  g_assert_true (cairn_store_move_todo (b, x, third, NULL, NULL, &error));
  g_assert_no_error (error);
  sync_device (f, cb, "b");
  sync_device (f, ca, "a");
  g_assert_cmpuint (n_conflicts (b), ==, 0);
  c = only_conflict (a, "list");
  g_assert_cmpstr (cairn_conflict_get_ours (c), ==, other);
  g_assert_cmpstr (cairn_conflict_get_theirs (c), ==, third);
}

/* Closes a and opens a copy of its file as device c: a copied profile. */
static void
copy_a_to_c (Fixture *f)
{
  g_autofree char *from = g_build_filename (f->dir, "a.db", NULL);
  g_autofree char *to = g_build_filename (f->dir, "c.db", NULL);
  g_autofree char *contents = NULL;
  gsize len;

  g_clear_pointer (&f->ca, cairn_sync_core_free);
  g_clear_object (&f->a);
  g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (to, contents, len, NULL));
  f->a = open_store (f, "a.db");
  f->ca = cairn_sync_core_new (f->a);
  add_device_c (f);
}

/* a's store copied to c and both used (a and c share the client id and
 * the text client id). Each renames the shared list, adds a todo and
 * types at one place of a note; in both orders of sync, every device
 * ends with the same state, both todos, both typings whole, the server's
 * log; the second to sync took a new client id and says so; the first,
 * whose rename was overwritten, has a conflict report; later typing on
 * both converges. data: "copy-first" when c syncs first. */
static void
test_copied_store (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gboolean copy_first = data != NULL;
  g_autofree char *list = NULL, *note = NULL, *old_id = NULL, *old_again = NULL;
  g_autofree char *da = NULL, *db = NULL, *dc = NULL, *ta = NULL, *tb = NULL, *tc = NULL;
  g_autofree char *t1 = NULL, *t2 = NULL;
  CairnStore *first, *second;
  CairnSyncCore *cfirst, *csecond;
  gint64 from = 0, at = 0;

  list = cairn_store_create_list (f->a, "Home", &error);
  g_assert_no_error (error);
  note = cairn_store_create_note (f->a, "Plan", &error);
  g_assert_no_error (error);
  test_type_into_note (f->a, note, 0, "Base.");
  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");
  copy_a_to_c (f);
  old_id = g_strdup (cairn_store_get_client_id (f->a));
  g_assert_cmpstr (cairn_store_get_client_id (f->c), ==, old_id);

  test_type_into_note (f->a, note, 5, " from a");
  t1 = cairn_store_create_todo (f->a, list, "todo of a", NULL, NULL, &error);
  g_assert_true (cairn_store_rename_list (f->a, list, "Home of a", &error));
  test_type_into_note (f->c, note, 5, " from c");
  t2 = cairn_store_create_todo (f->c, list, "todo of c", NULL, NULL, &error);
  g_assert_true (cairn_store_rename_list (f->c, list, "Home of c", &error));
  g_assert_no_error (error);

  first = copy_first ? f->c : f->a;
  second = copy_first ? f->a : f->c;
  cfirst = copy_first ? f->cc : f->ca;
  csecond = copy_first ? f->ca : f->cc;
  sync_device (f, cfirst, "first");
  sync_device (f, csecond, "second");
  sync_device (f, cfirst, "first");
  sync_device (f, f->cb, "b");

  ta = test_read_note_body (f->a, note);
  tb = test_read_note_body (f->b, note);
  tc = test_read_note_body (f->c, note);
  g_assert_true (g_str_equal (ta, "Base. from a from c") || g_str_equal (ta, "Base. from c from a"));
  g_assert_cmpstr (tb, ==, ta);
  g_assert_cmpstr (tc, ==, ta);
  da = test_dump (f->a);
  db = test_dump (f->b);
  dc = test_dump (f->c);
  g_assert_cmpstr (db, ==, da);
  g_assert_cmpstr (dc, ==, da);
  g_assert_nonnull (strstr (da, "todo of a"));
  g_assert_nonnull (strstr (da, "todo of c"));
  /* The second's rename came last in the server's order. */
  g_assert_nonnull (strstr (da, copy_first ? "Home of a" : "Home of c"));
  g_assert_true (log_is_servers (f, f->a));
  g_assert_true (log_is_servers (f, f->b));
  g_assert_true (log_is_servers (f, f->c));
  g_assert_cmpuint (cairn_store_get_pending_count (f->a), ==, 0);
  g_assert_cmpuint (cairn_store_get_pending_count (f->c), ==, 0);

  /* The second took a new identity, the first kept its own. */
  g_assert_cmpstr (cairn_store_get_client_id (first), ==, old_id);
  g_assert_cmpstr (cairn_store_get_client_id (second), !=, old_id);
  g_assert_true (cairn_is_client_id (cairn_store_get_client_id (second)));
  g_assert_false (cairn_store_get_identity_change (first, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (cairn_store_get_identity_change (second, &old_again, &from, &at, &error));
  g_assert_cmpstr (old_again, ==, old_id);
  g_assert_cmpint (from, ==, 4);   /* list, note, the typing, then ours */
  g_assert_cmpint (at, >, 0);
  /* The first's rename was overwritten by the other device. */
  g_assert_cmpuint (n_conflicts (first), ==, 1);
  g_assert_cmpuint (n_conflicts (second), ==, 0);

  /* Later typing on both converges. */
  test_type_into_note (f->c, note, 0, "X");
  test_type_into_note (f->a, note, 0, "Y");
  sync_device (f, f->cc, "c");
  sync_device (f, f->ca, "a");
  sync_device (f, f->cc, "c");
  sync_device (f, f->cb, "b");
  g_clear_pointer (&ta, g_free);
  g_clear_pointer (&tb, g_free);
  g_clear_pointer (&tc, g_free);
  ta = test_read_note_body (f->a, note);
  tb = test_read_note_body (f->b, note);
  tc = test_read_note_body (f->c, note);
  g_assert_true (g_str_has_prefix (ta, "XYBase. from ") || g_str_has_prefix (ta, "YXBase. from "));
  g_assert_cmpstr (tb, ==, ta);
  g_assert_cmpstr (tc, ==, ta);
  g_assert_true (log_is_servers (f, f->c));
}

/* An editor open on c when c takes a new identity, with typing it has
 * not saved yet (after a saved and still pending edit): the typing moves
 * to the new text id with the store's pending ops, and every device ends
 * with a's typing and both of c's, whole. */
static void
test_copied_store_unsaved_typing (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnNoteBuffer) buffer = NULL;
  g_autofree char *note = NULL, *ta = NULL, *tb = NULL, *tc = NULL;

  note = cairn_store_create_note (f->a, "Plan", &error);
  g_assert_no_error (error);
  test_type_into_note (f->a, note, 0, "Base.");
  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");
  copy_a_to_c (f);

  test_type_into_note (f->a, note, 5, " from a");
  buffer = cairn_note_buffer_new (f->c, note, &error);
  g_assert_no_error (error);
  cairn_note_buffer_set_flush_delay (buffer, 1000000);
  g_assert_true (cairn_note_buffer_insert (buffer, 5, " saved", -1, &error));
  g_assert_true (cairn_note_buffer_flush (buffer, &error));
  g_assert_true (cairn_note_buffer_insert (buffer, 11, " unsaved", -1, &error));
  g_assert_no_error (error);
  g_assert_true (cairn_note_buffer_has_unflushed (buffer));

  sync_device (f, f->ca, "a");
  sync_device (f, f->cc, "c");
  g_assert_cmpstr (cairn_store_get_client_id (f->c), !=, cairn_store_get_client_id (f->a));
  g_assert_true (cairn_note_buffer_flush (buffer, &error));
  g_assert_no_error (error);
  sync_device (f, f->cc, "c");
  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");

  ta = test_read_note_body (f->a, note);
  tb = test_read_note_body (f->b, note);
  tc = test_read_note_body (f->c, note);
  g_assert_true (g_str_equal (ta, "Base. from a saved unsaved") ||
                 g_str_equal (ta, "Base. saved unsaved from a"));
  g_assert_cmpstr (tb, ==, ta);
  g_assert_cmpstr (tc, ==, ta);
  g_assert_cmpstr (cairn_note_buffer_get_text (buffer), ==, ta);
}

/* The copy has more unsent changes than the original pushed, and makes
 * more after its first push: the core checks the server's log before it
 * pushes, so the copy finds the collision at its first change and all
 * its changes move to the new id (none under the old one on the
 * server); the ones made later follow them. Every character once, the
 * same everywhere, and later typing on both converges. */
static void
test_copied_store_more_changes (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL, *note = NULL, *ta = NULL, *tb = NULL, *tc = NULL;
  g_autofree char *da = NULL, *db = NULL, *dc = NULL, *t1 = NULL, *t2 = NULL;

  list = cairn_store_create_list (f->a, "Home", &error);
  note = cairn_store_create_note (f->a, "Plan", &error);
  g_assert_no_error (error);
  test_type_into_note (f->a, note, 0, "Base.");
  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");
  copy_a_to_c (f);

  test_type_into_note (f->a, note, 5, " A");
  test_type_into_note (f->c, note, 5, " C1");
  t1 = cairn_store_create_todo (f->c, list, "todo of c", NULL, NULL, &error);
  test_type_into_note (f->c, note, 8, " C2");
  sync_device (f, f->ca, "a");
  push_all (f, f->cc, "c");
  test_type_into_note (f->c, note, 11, " C3");
  t2 = cairn_store_create_todo (f->c, list, "later todo of c", NULL, NULL, &error);
  g_assert_no_error (error);
  sync_device (f, f->cc, "c");
  sync_device (f, f->ca, "a");
  sync_device (f, f->cc, "c");
  sync_device (f, f->cb, "b");

  ta = test_read_note_body (f->a, note);
  tb = test_read_note_body (f->b, note);
  tc = test_read_note_body (f->c, note);
  g_test_message ("a: %s / c: %s", ta, tc);
  g_assert_cmpstr (tb, ==, ta);
  g_assert_cmpstr (tc, ==, ta);
  g_assert_nonnull (strstr (ta, " A"));
  g_assert_nonnull (strstr (ta, " C3"));
  /* Each character once. */
  g_assert_cmpuint (strlen (ta), ==, strlen ("Base. A C1 C2 C3"));
  da = test_dump (f->a);
  db = test_dump (f->b);
  dc = test_dump (f->c);
  g_assert_cmpstr (db, ==, da);
  g_assert_cmpstr (dc, ==, da);
  g_assert_nonnull (strstr (da, "later todo of c"));
  g_assert_true (log_is_servers (f, f->c));

  /* Both keep typing, and converge. */
  test_type_into_note (f->a, note, 0, "Y");
  test_type_into_note (f->c, note, 0, "X");
  sync_device (f, f->ca, "a");
  sync_device (f, f->cc, "c");
  sync_device (f, f->ca, "a");
  sync_device (f, f->cb, "b");
  g_clear_pointer (&ta, g_free);
  g_clear_pointer (&tb, g_free);
  g_clear_pointer (&tc, g_free);
  ta = test_read_note_body (f->a, note);
  tb = test_read_note_body (f->b, note);
  tc = test_read_note_body (f->c, note);
  g_test_message ("a: %s / c: %s", ta, tc);
  g_assert_cmpstr (tb, ==, ta);
  g_assert_cmpstr (tc, ==, ta);
  g_assert_cmpuint (strlen (ta), ==, strlen ("XYBase. A C1 C2 C3"));
}

/* ---- Undo with two devices through the sync core (issue 15) ---- */

/* A's rename undone after B ("laptop") renamed the task too: B's title
 * stays and the undo names the field and the device; A's typing undone
 * after B typed in the same sentence: only A's characters go, and both
 * devices show the same text after sync. */
static void
test_undo_two_devices (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *todo = NULL, *note = NULL, *title = NULL, *body_a = NULL, *body_b = NULL;
  g_autoptr(CairnUndoResult) renamed = NULL;
  g_autoptr(CairnUndoResult) typed = NULL;
  CairnUndoItem *item;

  g_assert_true (cairn_store_ensure_inbox (f->a, &error));
  todo = cairn_store_create_todo (f->a, CAIRN_INBOX_ID, "Milk", NULL, NULL, &error);
  note = cairn_store_create_note (f->a, "Diary", &error);
  g_assert_no_error (error);
  test_type_into_note (f->a, note, 0, "The cat sat.");
  sync_device (f, f->ca, "desktop");
  sync_device (f, f->cb, "laptop");

  g_assert_true (cairn_store_rename_todo (f->a, todo, "Oat milk", &error));
  sync_device (f, f->ca, "desktop");
  sync_device (f, f->cb, "laptop");
  g_assert_true (cairn_store_rename_todo (f->b, todo, "Soy milk", &error));
  g_assert_no_error (error);
  sync_device (f, f->cb, "laptop");
  sync_device (f, f->ca, "desktop");

  renamed = cairn_store_undo (f->a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (renamed->changed->len, ==, 0);
  g_assert_cmpuint (renamed->left->len, ==, 1);
  item = renamed->left->pdata[0];
  g_assert_cmpstr (item->field, ==, "title");
  g_assert_cmpint (item->reason, ==, CAIRN_UNDO_LEFT_CHANGED);
  g_assert_cmpstr (item->device, ==, "laptop");
  title = test_query_text (f->a, "SELECT title FROM todos");
  g_assert_cmpstr (title, ==, "Soy milk");

  /* Typing in the same sentence on both, at the same time. */
  cairn_store_break_typing (f->a);
  test_type_into_note (f->a, note, 4, "black ");
  test_type_into_note (f->b, note, 11, " on the mat");
  sync_device (f, f->ca, "desktop");
  sync_device (f, f->cb, "laptop");
  sync_device (f, f->ca, "desktop");
  typed = cairn_store_undo (f->a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (typed->changed->len, ==, 1);
  g_assert_cmpstr (((CairnUndoItem *) typed->changed->pdata[0])->field, ==, "text");
  sync_device (f, f->ca, "desktop");
  sync_device (f, f->cb, "laptop");
  body_a = test_read_note_body (f->a, note);
  body_b = test_read_note_body (f->b, note);
  g_assert_cmpstr (body_a, ==, "The cat sat on the mat.");
  g_assert_cmpstr (body_b, ==, body_a);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_handler ("cairn-sync-core", G_LOG_LEVEL_MESSAGE, g_log_default_handler, NULL);

  g_test_add ("/sync/store/core-converges", Fixture, NULL, fixture_set_up,
              test_core_converges, fixture_tear_down);
  g_test_add ("/sync/store/restore-keeps-everything", Fixture, NULL, fixture_set_up,
              test_restore_keeps_everything, fixture_tear_down);
  g_test_add ("/sync/store/restore-forgets-note-ops", Fixture, NULL, fixture_set_up,
              test_restore_forgets_note_ops, fixture_tear_down);
  g_test_add ("/sync/store/restore-pulls-from-agreement", Fixture, NULL, fixture_set_up,
              test_restore_pulls_from_agreement, fixture_tear_down);
  g_test_add ("/sync/store/restore-keeps-others-text", Fixture, NULL, fixture_set_up,
              test_restore_keeps_others_text, fixture_tear_down);
  g_test_add ("/sync/store/restore-keeps-conflict-origin", Fixture, NULL, fixture_set_up,
              test_restore_keeps_conflict_origin, fixture_tear_down);
  g_test_add ("/sync/store/priority-conflict", Fixture, NULL, fixture_set_up,
              test_priority_conflict, fixture_tear_down);
  g_test_add ("/sync/store/tag-add-remove-concurrent", Fixture, NULL, fixture_set_up,
              test_tag_add_remove_concurrent, fixture_tear_down);
  g_test_add ("/sync/store/same-tag-offline", Fixture, NULL, fixture_set_up,
              test_same_tag_offline, fixture_tear_down);
  g_test_add ("/sync/store/newer-tag-events-skipped", Fixture, NULL, fixture_set_up,
              test_newer_tag_events_skipped, fixture_tear_down);
  g_test_add ("/sync/store/todo-notes-concurrent", Fixture, NULL, fixture_set_up,
              test_todo_notes_concurrent, fixture_tear_down);
  g_test_add ("/sync/store/restore-forgets-todo-notes-ops", Fixture, NULL, fixture_set_up,
              test_restore_forgets_todo_notes_ops, fixture_tear_down);
  g_test_add ("/sync/store/conflicts", Fixture, NULL, fixture_set_up,
              test_conflicts, fixture_tear_down);
  g_test_add ("/sync/store/chain-matches-server", Fixture, NULL, fixture_set_up,
              test_chain_matches_server, fixture_tear_down);
  g_test_add ("/sync/store/restore-same-head-other-prefix", Fixture, NULL, fixture_set_up,
              test_restore_same_head_other_prefix, fixture_tear_down);
  g_test_add ("/sync/store/restore-same-head-other-prefix-no-chain", Fixture, "no-chain",
              fixture_set_up, test_restore_same_head_other_prefix, fixture_tear_down);
  g_test_add ("/sync/store/repeat-completed-twice", Fixture, NULL, fixture_set_up,
              test_repeat_completed_twice, fixture_tear_down);
  g_test_add ("/sync/store/reminder-dismissed-elsewhere", Fixture, NULL, fixture_set_up,
              test_reminder_dismissed_elsewhere, fixture_tear_down);
  g_test_add ("/sync/store/parent-conflict", Fixture, NULL, fixture_set_up,
              test_parent_conflict, fixture_tear_down);
  g_test_add ("/sync/store/reminder-conflict", Fixture, NULL, fixture_set_up,
              test_reminder_conflict, fixture_tear_down);
  g_test_add ("/sync/store/fork/copied-store", Fixture, NULL, fixture_set_up,
              test_copied_store, fixture_tear_down);
  g_test_add ("/sync/store/fork/copied-store-copy-first", Fixture, "copy-first", fixture_set_up,
              test_copied_store, fixture_tear_down);
  g_test_add ("/sync/store/fork/unsaved-typing", Fixture, NULL, fixture_set_up,
              test_copied_store_unsaved_typing, fixture_tear_down);
  g_test_add ("/sync/store/fork/more-changes", Fixture, NULL, fixture_set_up,
              test_copied_store_more_changes, fixture_tear_down);
  g_test_add ("/sync/store/undo-two-devices", Fixture, NULL, fixture_set_up,
              test_undo_two_devices, fixture_tear_down);
  return g_test_run ();
}

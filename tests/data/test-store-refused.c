/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-refused.c: setting aside a change the server refused for good
 * (cairn-store-refused.c, docs/sync.md "Changes the server refuses"): what
 * depends on it goes with it, the rest stays in order with no gap in the
 * client seqs, the state is rebuilt without it, and nothing is lost. */
#include "config.h"

#include <string.h>

#include "store-test-util.h"
#include "cairn-store-refused.h"
#include "cairn-text.h"

static GPtrArray *
pending_of (CairnStore *store)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *pending = cairn_store_list_pending (store, 0, &error);

  g_assert_no_error (error);
  return pending;
}

static void
test_dependents_and_renumbering (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  CairnStore *s = ts->store;
  g_autoptr(GError) error = NULL;
  g_autofree char *one = cairn_store_create_list (s, "One", &error);           /* 1 */
  g_autofree char *two = cairn_store_create_list (s, "Two", &error);           /* 2: refused */
  g_autofree char *a = cairn_store_create_todo (s, one, "a", NULL, NULL, &error);  /* 3 */
  g_autofree char *b = cairn_store_create_todo (s, two, "b", NULL, NULL, &error);  /* 4: in Two */
  g_autoptr(GPtrArray) refused = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  g_autofree char *note = NULL;
  g_autofree char *dump = NULL;
  g_autofree char *rebuilt = NULL;
  g_autofree char *c = NULL;
  g_autoptr(CairnStore) fresh = NULL;
  const char *names[4];

  g_assert_no_error (error);
  g_assert_true (cairn_store_move_todo (s, a, two, NULL, NULL, &error));  /* 5: into Two (and a with it) */
  g_assert_true (cairn_store_rename_todo (s, b, "bee", &error));          /* 6: b */
  note = cairn_store_create_note (s, "Note", &error);                     /* 7: independent */
  g_assert_true (cairn_store_rename_todo (s, a, "aa", &error));           /* 8: a, moved by 5 */
  g_assert_true (cairn_store_rename_list (s, one, "Uno", &error));        /* 9: independent */
  g_assert_no_error (error);

  /* Not pending: nothing happens. */
  refused = cairn_store_set_aside_refused (s, 42, NULL, "args_too_large", "too large", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (refused->len, ==, 0);
  g_assert_cmpuint (cairn_store_get_pending_count (s), ==, 9);
  g_clear_pointer (&refused, g_ptr_array_unref);

  /* Another event under that number (another process renumbered): no. */
  refused = cairn_store_set_aside_refused (s, 2, "{\"list_id\":\"x\"}", "args_too_large",
                                           "too large", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (refused->len, ==, 0);
  g_assert_cmpuint (cairn_store_get_pending_count (s), ==, 9);
  g_clear_pointer (&refused, g_ptr_array_unref);

  {
    g_autoptr(GPtrArray) all = pending_of (s);
    g_autofree char *args = cairn_event_dup_args_json (all->pdata[1]);

    refused = cairn_store_set_aside_refused (s, 2, args, "args_too_large", "event: too large",
                                             &error);
  }
  g_assert_no_error (error);
  g_assert_cmpuint (refused->len, ==, 5);
  for (guint i = 0; i < refused->len; i++)
    {
      CairnRefusedChange *r = refused->pdata[i];
      static const gint64 seqs[] = { 2, 4, 5, 6, 8 };

      g_assert_cmpint (r->event->client_seq, ==, seqs[i]);
      g_assert_cmpint (r->refused_client_seq, ==, 2);
      g_assert_cmpstr (r->code, ==, "args_too_large");
    }

  /* The rest, in order, renumbered without a gap; the next commit follows. */
  pending = pending_of (s);
  g_assert_cmpuint (pending->len, ==, 4);
  for (guint i = 0; i < pending->len; i++)
    {
      CairnEvent *ev = pending->pdata[i];

      g_assert_cmpint (ev->client_seq, ==, i + 1);
      names[i] = ev->name;
    }
  g_assert_cmpstr (names[0], ==, "list.created");
  g_assert_cmpstr (names[1], ==, "todo.created");
  g_assert_cmpstr (names[2], ==, "note.created");
  g_assert_cmpstr (names[3], ==, "list.renamed");
  c = cairn_store_create_todo (s, one, "c", NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&pending, g_ptr_array_unref);
  pending = pending_of (s);
  g_assert_cmpint (((CairnEvent *) pending->pdata[4])->client_seq, ==, 5);

  /* The state is the log plus what stayed: a rebuild changes nothing, and
   * the rebuild flag is cleared. */
  dump = test_dump (s);
  g_assert_null (strstr (dump, "\"Two\""));
  g_assert_null (strstr (dump, "\"bee\""));
  g_assert_nonnull (strstr (dump, "\"Uno\""));
  g_assert_nonnull (strstr (dump, "\"title\" : \"a\""));
  g_assert_cmpint (test_query_int (s, "SELECT rebuild FROM meta"), ==, 0);
  g_assert_true (cairn_store_rebuild (s, &error));
  rebuilt = test_dump (s);
  g_assert_cmpstr (rebuilt, ==, dump);

  /* Kept, and read back after reopening. */
  g_clear_pointer (&ts->store, g_object_unref);
  fresh = test_store_open_extra (ts, "workspace.db");
  listed = cairn_store_list_refused (fresh, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, 5);
  g_assert_cmpint (cairn_store_count_refused (fresh, NULL), ==, 5);
  g_assert_cmpstr (((CairnRefusedChange *) listed->pdata[0])->event->name, ==, "list.created");
  g_assert_cmpstr (json_object_get_string_member (((CairnRefusedChange *) listed->pdata[0])->event->args,
                                                  "title"), ==, "Two");
  g_assert_cmpstr (((CairnRefusedChange *) listed->pdata[0])->reason, ==, "event: too large");
  {
    g_autofree char *line = cairn_refused_change_describe (listed->pdata[0]);
    g_autofree char *dep = cairn_refused_change_describe (listed->pdata[1]);

    g_assert_nonnull (strstr (line, "list.created of list"));
    g_assert_nonnull (strstr (line, "args_too_large: event: too large"));
    g_assert_nonnull (strstr (dep, "depends on change 2"));
  }
}

/* A refused text edit leaves the body with what depends on it (later
 * edits of the note); new typing takes a fresh text client id, so it
 * never reuses the counters of the ops set aside. */
static void
test_text_edit (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  CairnStore *s = ts->store;
  g_autoptr(GError) error = NULL;
  g_autofree char *note = cairn_store_create_note (s, "Note", &error);
  g_autofree char *other = cairn_store_create_note (s, "Other", &error);
  g_autofree char *client_before = NULL;
  g_autofree char *client_after = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GPtrArray) refused = NULL;

  g_assert_no_error (error);
  test_type_into_note (s, note, 0, "kept ");                  /* 3 */
  test_type_into_note (s, note, 5, "refused");                /* 4 */
  test_type_into_note (s, note, 12, " typed after");          /* 5: same note */
  test_type_into_note (s, other, 0, "elsewhere");             /* 6 */
  client_before = cairn_store_dup_text_client_id (s, &error);

  refused = cairn_store_set_aside_refused (s, 4, NULL, "args_too_large", "too large", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (refused->len, ==, 2);
  body = test_read_note_body (s, note);
  g_assert_cmpstr (body, ==, "kept ");
  g_free (body);
  body = test_read_note_body (s, other);
  g_assert_cmpstr (body, ==, "elsewhere");
  client_after = cairn_store_dup_text_client_id (s, &error);
  g_assert_cmpstr (client_after, !=, client_before);

  test_type_into_note (s, note, 5, "again");
  g_free (body);
  body = test_read_note_body (s, note);
  g_assert_cmpstr (body, ==, "kept again");
  g_assert_true (cairn_store_rebuild (s, &error));
  g_free (body);
  body = test_read_note_body (s, note);
  g_assert_cmpstr (body, ==, "kept again");
}

/* A note.edited over the args limit, as a build that did not split large
 * edits left it in the outbox (the server refuses it with
 * args_too_large): split into events within the limit, in its place, the
 * later events moved up, the text the same. */
static void
test_split_old_oversized_edit (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *note = cairn_store_create_note (ts->store, "Pasted", &error);
  g_autofree char *path = g_build_filename (ts->dir, "workspace.db", NULL);
  g_autofree char *paste = NULL;
  g_autofree char *b64 = NULL;
  g_autofree char *body = NULL;
  g_autofree char *list = NULL;
  g_autofree char *dump = NULL;
  g_autofree char *rebuilt = NULL;
  g_autofree char *later = NULL;
  g_autoptr(CairnText) text = NULL;
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(CairnStore) store = NULL;
  GString *s = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint parts;

  g_assert_no_error (error);
  while (s->len < 200000)
    g_string_append (s, "ancien collage 🙂 ");
  paste = g_string_free (s, FALSE);
  text = cairn_store_load_note_text (ts->store, note, &error);
  g_assert_true (cairn_text_insert (text, 0, paste, -1, ops, &error));
  bytes = cairn_text_ops_encode (ops);
  b64 = g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_clear_object (&ts->store);

  /* What the old build wrote: one event, and the state from it. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO pending (client_seq, name, version, args, "
                                       "created_at, changeset) VALUES (2, 'note.edited', 1, "
                                       "json_object('note_id', ?1, 'ops', ?2), 1, X'')",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, note, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, b64, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE meta SET rebuild = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = test_store_open_extra (ts, "workspace.db");
  list = cairn_store_create_list (store, "After", &error);       /* 3 */
  g_assert_no_error (error);
  body = test_read_note_body (store, note);
  g_assert_cmpstr (body, ==, paste);

  /* Not such an event: nothing happens. */
  g_assert_cmpint (cairn_store_split_pending_edit (store, 3, NULL, &error), ==, 0);
  g_assert_cmpint (cairn_store_split_pending_edit (store, 2, "{}", &error), ==, 0);
  g_assert_no_error (error);

  parts = cairn_store_split_pending_edit (store, 2, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (parts, >, 2);
  pending = pending_of (store);
  g_assert_cmpuint (pending->len, ==, 2 + parts);
  for (guint i = 0; i < pending->len; i++)
    {
      CairnEvent *ev = pending->pdata[i];
      g_autofree char *args = cairn_event_dup_args_json (ev);

      g_assert_cmpint (ev->client_seq, ==, i + 1);
      g_assert_cmpuint (strlen (args), <=, CAIRN_EVENT_MAX_ARGS_BYTES);
      if (i >= 1 && i <= (guint) parts)
        g_assert_cmpstr (ev->name, ==, "note.edited");
    }
  g_assert_cmpstr (((CairnEvent *) pending->pdata[pending->len - 1])->name, ==, "list.created");
  g_free (body);
  body = test_read_note_body (store, note);
  g_assert_cmpstr (body, ==, paste);
  dump = test_dump (store);
  g_assert_true (cairn_store_rebuild (store, &error));
  rebuilt = test_dump (store);
  g_assert_cmpstr (rebuilt, ==, dump);
  g_assert_cmpint (cairn_store_split_pending_edit (store, 2, NULL, &error), ==, 0);

  later = cairn_store_create_list (store, "Later", &error);
  g_assert_no_error (error);
  g_clear_pointer (&pending, g_ptr_array_unref);
  pending = pending_of (store);
  g_assert_cmpint (((CairnEvent *) pending->pdata[pending->len - 1])->client_seq, ==, 3 + parts);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/refused/dependents-and-renumbering", test_dependents_and_renumbering);
  g_test_add_func ("/store/refused/text-edit", test_text_edit);
  g_test_add_func ("/store/refused/split-old-oversized-edit", test_split_old_oversized_edit);
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-history.c: an object's history from the log, the log's index
 * by object id, activity, and restoring a version (issue 15). */
#include "config.h"

#include "cairn-store-history.h"
#include "cairn-store-undo.h"
#include "store-test-util.h"

#define BOB_CLIENT "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"

/* Confirms every pending event of @store as the server would (as user
 * "ann" from device "laptop"), seqs after *seq. */
static void
confirm_pending (CairnStore *store,
                 gint64     *seq)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = cairn_store_list_pending (store, 0, &error);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

  g_assert_no_error (error);
  for (guint i = 0; i < pending->len; i++)
    {
      CairnEvent *ev = test_event_confirmed (pending->pdata[i], ++*seq);

      ev->user = g_strdup ("ann");
      ev->device = g_strdup ("laptop");
      g_ptr_array_add (out, ev);
    }
  test_rebase_ok (store, out, "h1");
}

/* One event from bob's phone, confirmed at ++*seq. */
static void
bob_does (CairnStore *store,
          gint64     *seq,
          gint64      client_seq,
          const char *name,
          const char *args_json)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  CairnEvent *ev = test_event_new (BOB_CLIENT, client_seq, ++*seq, name, args_json);

  ev->user = g_strdup ("bob");
  ev->device = g_strdup ("phone");
  g_ptr_array_add (events, ev);
  test_rebase_ok (store, events, "h1");
}

static char *
new_todo (CairnStore *store,
          const char *title)
{
  g_autoptr(GError) error = NULL;
  char *id;

  g_assert_true (cairn_store_ensure_inbox (store, &error));
  id = cairn_store_create_todo (store, CAIRN_INBOX_ID, title, NULL, NULL, &error);
  g_assert_no_error (error);
  return id;
}

static GPtrArray *
history_of (CairnStore *store,
            const char *id)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *h = cairn_store_get_history (store, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (h);
  return h;
}

static const CairnHistoryChange *
change_of (const CairnHistoryEntry *e,
           const char              *field)
{
  for (guint i = 0; i < e->changes->len; i++)
    {
      const CairnHistoryChange *c = e->changes->pdata[i];

      if (g_str_equal (c->field, field))
        return c;
    }
  return NULL;
}

static char *
todo_field (CairnStore *store,
            const char *id,
            const char *column)
{
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM todos WHERE id = '%s'", column, id);

  return test_query_text (store, sql);
}

/* Every change of a todo in order, confirmed then pending, field by field
 * with old and new values, and who made it. */
static void
test_history_fields (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (ts->store, "Buy milk");
  g_autofree char *args = NULL;
  g_autoptr(GPtrArray) h = NULL;
  const CairnHistoryEntry *e;
  const CairnHistoryChange *c;
  gint64 seq = 0;

  g_assert_true (cairn_store_set_todo_due (ts->store, id, "2026-12-24", &error));
  confirm_pending (ts->store, &seq);          /* inbox 1, created 2, due 3 */
  args = g_strdup_printf ("{\"todo_id\":\"%s\",\"title\":\"Buy oat milk\"}", id);
  bob_does (ts->store, &seq, 1, "todo.renamed", args);   /* 4 */
  g_assert_true (cairn_store_set_todo_done (ts->store, id, TRUE, &error));
  g_assert_true (cairn_store_rename_todo (ts->store, id, "Buy oat milk!", &error));
  g_assert_no_error (error);

  h = history_of (ts->store, id);
  g_assert_cmpuint (h->len, ==, 5);

  e = h->pdata[0];
  g_assert_cmpstr (e->event, ==, "todo.created");
  g_assert_cmpint (e->seq, ==, 2);
  g_assert_cmpstr (e->user, ==, "ann");
  g_assert_cmpstr (e->device, ==, "laptop");
  g_assert_true (e->own);
  c = change_of (e, "title");
  g_assert_null (c->old_value);
  g_assert_cmpstr (c->new_value, ==, "Buy milk");

  e = h->pdata[1];
  g_assert_cmpstr (e->event, ==, "todo.due_set");
  c = change_of (e, "due");
  g_assert_null (c->old_value);
  g_assert_cmpstr (c->new_value, ==, "2026-12-24");

  e = h->pdata[2];
  g_assert_cmpint (e->seq, ==, 4);
  g_assert_cmpstr (e->user, ==, "bob");
  g_assert_cmpstr (e->device, ==, "phone");
  g_assert_false (e->own);
  g_assert_cmpuint (e->changes->len, ==, 1);
  c = change_of (e, "title");
  g_assert_cmpstr (c->old_value, ==, "Buy milk");
  g_assert_cmpstr (c->new_value, ==, "Buy oat milk");

  /* pending: no seq, no user or device yet, ours */
  e = h->pdata[3];
  g_assert_cmpint (e->seq, ==, 0);
  g_assert_null (e->user);
  g_assert_true (e->own);
  c = change_of (e, "done");
  g_assert_cmpstr (c->old_value, ==, "no");
  g_assert_cmpstr (c->new_value, ==, "yes");
  e = h->pdata[4];
  c = change_of (e, "title");
  g_assert_cmpstr (c->old_value, ==, "Buy oat milk");
  g_assert_cmpstr (c->new_value, ==, "Buy oat milk!");

  /* The list has its own history, without the todo's events. */
  g_clear_pointer (&h, g_ptr_array_unref);
  h = history_of (ts->store, CAIRN_INBOX_ID);
  g_assert_cmpuint (h->len, ==, 1);
}

/* A note's text: what each edit inserted and deleted, shortened. */
static void
test_history_text (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = cairn_store_create_note (ts->store, "Plan", &error);
  g_autoptr(GPtrArray) h = NULL;
  g_autoptr(CairnText) replica = NULL;
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  g_autofree char *long_text = g_strnfill (200, 'x');
  const CairnHistoryChange *c;

  g_assert_no_error (error);
  test_type_into_note (ts->store, id, 0, "hello world");
  replica = cairn_store_load_note_text (ts->store, id, &error);
  g_assert_true (cairn_text_delete (replica, 5, 6, ops, &error));
  g_assert_true (cairn_text_insert (replica, 5, ", you", -1, ops, &error));
  g_assert_true (cairn_store_edit_note (ts->store, id, ops, &error));
  test_type_into_note (ts->store, id, 0, long_text);
  g_assert_no_error (error);

  h = history_of (ts->store, id);
  g_assert_cmpuint (h->len, ==, 4);
  c = change_of (h->pdata[1], "body");
  g_assert_cmpstr (c->inserted, ==, "hello world");
  g_assert_null (c->deleted);
  c = change_of (h->pdata[2], "body");
  g_assert_cmpstr (c->inserted, ==, ", you");
  g_assert_cmpstr (c->deleted, ==, " world");
  c = change_of (h->pdata[3], "body");
  g_assert_cmpuint (g_utf8_strlen (c->inserted, -1), ==, 60);
  g_assert_true (g_str_has_suffix (c->inserted, "…"));
}

static void
test_history_unknown (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;

  g_assert_null (cairn_store_get_history (ts->store, "01890a5d-ac96-774b-bcce-b30209900011", &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
}

/* The index follows the log in the same transaction (a sync reset that
 * deletes log rows takes their entries), and is made again from the log
 * when missing. */
static void
test_index (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (ts->store, "One");
  g_autoptr(GPtrArray) h = NULL;
  gint64 seq = 0;

  g_assert_true (cairn_store_rename_todo (ts->store, id, "Two", &error));
  confirm_pending (ts->store, &seq);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log_objects"), ==, 3);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log"), ==, 3);

  g_assert_true (_cairn_store_exec (ts->store, "DROP TABLE log_objects", &error));
  g_assert_no_error (error);
  h = history_of (ts->store, id);
  g_assert_cmpuint (h->len, ==, 2);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log_objects"), ==, 3);

  g_assert_true (_cairn_store_exec (ts->store, "DELETE FROM log WHERE seq = 3", &error));
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log_objects"), ==, 2);
}

/* Restoring a version: the todo as it was right after that change, as
 * new events in one commit; bad input changes nothing. */
static void
test_revert_todo (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (ts->store, "Draft");
  g_autofree char *tag = cairn_store_create_tag (ts->store, "work", NULL, &error);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *title = NULL;
  g_autofree char *done = NULL;
  g_autofree char *due = NULL;
  guint n = 99;
  guint pending;
  gint64 seq = 0;

  g_assert_no_error (error);
  g_assert_true (cairn_store_set_todo_due (ts->store, id, "2026-01-02", &error));
  confirm_pending (ts->store, &seq);   /* inbox 1, todo 2, tag 3, due 4 */
  g_assert_true (cairn_store_rename_todo (ts->store, id, "Final", &error));
  g_assert_true (cairn_store_set_todo_done (ts->store, id, TRUE, &error));
  g_assert_true (cairn_store_set_todo_due (ts->store, id, NULL, &error));
  g_assert_true (cairn_store_set_todo_tagged (ts->store, id, tag, TRUE, &error));
  g_assert_true (cairn_store_delete_todo (ts->store, id, &error));
  g_assert_no_error (error);
  pending = cairn_store_get_pending_count (ts->store);

  /* Bad input: unknown object, a seq that is not one of its changes. */
  before = test_dump (ts->store);
  g_assert_false (cairn_store_revert_object (ts->store, "01890a5d-ac96-774b-bcce-b30209900099", 2, &n, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (cairn_store_revert_object (ts->store, id, 3, &n, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (cairn_store_revert_object (ts->store, id, 999, &n, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  after = test_dump (ts->store);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, pending);

  /* As it was after seq 2: "Draft", no due date, open, untagged, live. */
  g_assert_true (cairn_store_revert_object (ts->store, id, 2, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 4);   /* restored, renamed, reopened, untagged (due stays cleared) */
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, pending + n);
  title = todo_field (ts->store, id, "title");
  done = todo_field (ts->store, id, "done || '/' || deleted");
  due = todo_field (ts->store, id, "due");
  g_assert_cmpstr (title, ==, "Draft");
  g_assert_cmpstr (done, ==, "0/0");
  g_assert_null (due);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM todo_tags WHERE tagged = 1"), ==, 0);

  /* The restore is one action: one undo takes all of it back, one redo
   * makes it again. */
  {
    g_autofree char *reverted = test_dump (ts->store);
    g_autofree char *undone = NULL;
    g_autofree char *redone = NULL;
    g_autofree char *title_back = NULL;
    g_autoptr(CairnUndoResult) u = cairn_store_undo (ts->store, &error);
    g_autoptr(CairnUndoResult) r = NULL;

    g_assert_no_error (error);
    g_assert_nonnull (u);
    g_assert_cmpuint (u->changed->len, >=, 4);
    g_assert_cmpuint (u->left->len, ==, 0);
    title_back = todo_field (ts->store, id, "title");
    g_assert_cmpstr (title_back, !=, "Draft");
    undone = todo_field (ts->store, id, "done || '/' || deleted");
    g_assert_cmpstr (undone, !=, "0/0");
    r = cairn_store_redo (ts->store, &error);
    g_assert_no_error (error);
    g_assert_nonnull (r);
    redone = test_dump (ts->store);
    g_assert_cmpstr (redone, ==, reverted);
  }

  /* Then after seq 4: the due date comes back; nothing else changes. */
  g_assert_true (cairn_store_revert_object (ts->store, id, 4, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_clear_pointer (&due, g_free);
  due = todo_field (ts->store, id, "due");
  g_assert_cmpstr (due, ==, "2026-01-02");
  /* and again: it already is */
  g_assert_true (cairn_store_revert_object (ts->store, id, 4, &n, &error));
  g_assert_cmpuint (n, ==, 0);
}

/* A note's title and body, with its text as it was after that edit. */
static void
test_revert_note (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = cairn_store_create_note (ts->store, "Plan", &error);
  g_autofree char *body = NULL;
  g_autofree char *title = NULL;
  g_autofree char *sql = NULL;
  guint n = 0;
  gint64 seq = 0;

  test_type_into_note (ts->store, id, 0, "Monday: call Eve");
  confirm_pending (ts->store, &seq);        /* created 1, edited 2 */
  test_type_into_note (ts->store, id, 0, "Sunday: rest. ");
  test_type_into_note (ts->store, id, 30, " and Mallory");
  g_assert_true (cairn_store_rename_note (ts->store, id, "Week", &error));
  g_assert_true (cairn_store_set_note_pinned (ts->store, id, TRUE, &error));

  g_assert_true (cairn_store_revert_object (ts->store, id, 2, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3);      /* renamed, unpinned, edited */
  body = test_read_note_body (ts->store, id);
  g_assert_cmpstr (body, ==, "Monday: call Eve");
  sql = g_strdup_printf ("SELECT title || '/' || pinned FROM notes WHERE id = '%s'", id);
  title = test_query_text (ts->store, sql);
  g_assert_cmpstr (title, ==, "Plan/0");

  /* to the empty note it was made as */
  g_clear_pointer (&body, g_free);
  g_assert_true (cairn_store_revert_object (ts->store, id, 1, &n, &error));
  g_assert_no_error (error);
  body = test_read_note_body (ts->store, id);
  g_assert_cmpstr (body, ==, "");
}

/* A version that is still pending: its history entry has seq 0 and the
 * client_seq that names it. A bad client_seq (not pending, or pending
 * but about another object) changes nothing. */
static void
test_revert_pending (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = cairn_store_create_note (ts->store, "Plan", &error);
  g_autofree char *other = cairn_store_create_note (ts->store, "Other", &error);
  g_autoptr(GPtrArray) history = NULL;
  g_autofree char *before = NULL, *after = NULL, *body = NULL, *title = NULL, *sql = NULL;
  const CairnHistoryEntry *typed;
  guint n = 0;
  gint64 seq = 0;

  confirm_pending (ts->store, &seq);        /* created 1, 2 */
  test_type_into_note (ts->store, id, 0, "Monday");
  g_assert_true (cairn_store_rename_note (ts->store, id, "Week", &error));
  test_type_into_note (ts->store, id, 6, ": call Eve");
  g_assert_true (cairn_store_set_note_pinned (ts->store, id, TRUE, &error));
  history = history_of (ts->store, id);
  g_assert_cmpuint (history->len, ==, 5);
  typed = history->pdata[1];
  g_assert_cmpint (typed->seq, ==, 0);
  g_assert_cmpstr (typed->event, ==, "note.edited");

  before = test_dump (ts->store);
  g_assert_false (cairn_store_revert_object_to_pending (ts->store, id, 999, &n, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (cairn_store_revert_object_to_pending (ts->store, other, typed->client_seq, &n, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (cairn_store_revert_object_to_pending (ts->store, id, 0, &n, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  after = test_dump (ts->store);
  g_assert_cmpstr (before, ==, after);

  /* As it was right after the first typing: "Monday", titled Plan, not pinned. */
  g_assert_true (cairn_store_revert_object_to_pending (ts->store, id, typed->client_seq, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3);      /* renamed, unpinned, edited */
  body = test_read_note_body (ts->store, id);
  g_assert_cmpstr (body, ==, "Monday");
  sql = g_strdup_printf ("SELECT title || '/' || pinned FROM notes WHERE id = '%s'", id);
  title = test_query_text (ts->store, sql);
  g_assert_cmpstr (title, ==, "Plan/0");
}

/* Events the reducers take as no-ops show no change and do not count
 * towards a version: a second creation of an object (every device makes
 * the Inbox) and a change of a deleted object (a rename). */
static void
test_history_noops (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (ts->store, "Draft");
  g_autofree char *args = NULL;
  g_autofree char *position = NULL;
  g_autofree char *title = NULL;
  g_autoptr(GPtrArray) inbox = NULL;
  g_autoptr(GPtrArray) todo = NULL;
  gint64 seq = 0;
  guint n = 0;

  confirm_pending (ts->store, &seq);     /* inbox 1, todo 2 */
  bob_does (ts->store, &seq, 1, "list.created",
            "{\"list_id\":\"" CAIRN_INBOX_ID "\",\"title\":\"Inbox\",\"position\":\"VVzzz1\"}");   /* 3 */
  g_assert_true (cairn_store_delete_todo (ts->store, id, &error));
  confirm_pending (ts->store, &seq);     /* deleted 4 */
  args = g_strdup_printf ("{\"todo_id\":\"%s\",\"title\":\"Other\"}", id);
  bob_does (ts->store, &seq, 2, "todo.renamed", args);   /* 5 */

  inbox = history_of (ts->store, CAIRN_INBOX_ID);
  g_assert_cmpuint (inbox->len, ==, 2);
  g_assert_cmpuint (((CairnHistoryEntry *) inbox->pdata[1])->changes->len, ==, 0);
  todo = history_of (ts->store, id);
  g_assert_cmpuint (todo->len, ==, 3);
  g_assert_cmpstr (((CairnHistoryEntry *) todo->pdata[2])->event, ==, "todo.renamed");
  g_assert_cmpuint (((CairnHistoryEntry *) todo->pdata[2])->changes->len, ==, 0);

  /* The Inbox as it was after bob's creation: where it was made first
   * (nothing to write); the todo after bob's rename: deleted, "Draft". */
  position = test_query_text (ts->store, "SELECT position FROM lists WHERE id = '" CAIRN_INBOX_ID "'");
  g_assert_true (cairn_store_revert_object (ts->store, CAIRN_INBOX_ID, 3, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 0);
  g_assert_true (cairn_store_restore_todo (ts->store, id, &error));
  g_assert_true (cairn_store_revert_object (ts->store, id, 5, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);   /* deleted again; no rename */
  title = todo_field (ts->store, id, "title || '/' || deleted");
  g_assert_cmpstr (title, ==, "Draft/1");
  g_clear_pointer (&title, g_free);
  title = test_query_text (ts->store, "SELECT position FROM lists WHERE id = '" CAIRN_INBOX_ID "'");
  g_assert_cmpstr (title, ==, position);
}

/* A todo's notes come back as they were too (todo.notes_edited ops), and
 * a list's title and position. */
static void
test_revert_todo_notes_and_list (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *list = cairn_store_create_list (ts->store, "Home", &error);
  g_autofree char *id = NULL;
  g_autofree char *notes = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *title = NULL;
  guint n = 0;
  gint64 seq = 0;

  g_assert_no_error (error);
  id = cairn_store_create_todo (ts->store, list, "Paint", NULL, NULL, &error);
  {
    g_autoptr(CairnText) replica = cairn_store_load_todo_notes (ts->store, id, &error);
    g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

    g_assert_true (cairn_text_insert (replica, 0, "white, two coats", -1, ops, &error));
    g_assert_true (cairn_store_edit_todo_notes (ts->store, id, ops, &error));
  }
  confirm_pending (ts->store, &seq);     /* list 1, todo 2, notes 3 */
  {
    g_autoptr(CairnText) replica = cairn_store_load_todo_notes (ts->store, id, &error);
    g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

    g_assert_true (cairn_text_delete (replica, 0, 5, ops, &error));
    g_assert_true (cairn_text_insert (replica, 0, "blue", -1, ops, &error));
    g_assert_true (cairn_store_edit_todo_notes (ts->store, id, ops, &error));
  }
  g_assert_true (cairn_store_rename_list (ts->store, list, "House", &error));
  g_assert_no_error (error);

  g_assert_true (cairn_store_revert_object (ts->store, id, 3, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  notes = cairn_store_dup_todo_notes (ts->store, id, &error);
  g_assert_cmpstr (notes, ==, "white, two coats");

  g_assert_true (cairn_store_revert_object (ts->store, list, 1, &n, &error));
  g_assert_cmpuint (n, ==, 1);
  sql = g_strdup_printf ("SELECT title FROM lists WHERE id = '%s'", list);
  title = test_query_text (ts->store, sql);
  g_assert_cmpstr (title, ==, "Home");
}

/* What changed since a point, by object, other devices' changes first. */
static void
test_activity (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *a = new_todo (ts->store, "Mine");
  g_autofree char *b = new_todo (ts->store, "Shared");
  g_autofree char *args = NULL;
  g_autoptr(GPtrArray) act = NULL;
  const CairnActivityItem *item;
  gint64 seq = 0;

  confirm_pending (ts->store, &seq);        /* inbox 1, a 2, b 3 */
  g_assert_cmpint (cairn_store_get_activity_mark (ts->store, &error), ==, 0);
  g_assert_true (cairn_store_set_activity_mark (ts->store, seq, &error));
  g_assert_cmpint (cairn_store_get_activity_mark (ts->store, &error), ==, 3);

  args = g_strdup_printf ("{\"todo_id\":\"%s\",\"title\":\"Shared!\"}", b);
  bob_does (ts->store, &seq, 1, "todo.renamed", args);     /* 4 */
  g_assert_true (cairn_store_rename_todo (ts->store, a, "Mine!", &error));
  g_assert_true (cairn_store_rename_todo (ts->store, a, "Mine!!", &error));
  confirm_pending (ts->store, &seq);                         /* 5, 6 */

  act = cairn_store_get_activity (ts->store, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (act->len, ==, 2);
  item = act->pdata[0];
  g_assert_cmpstr (item->object_id, ==, b);
  g_assert_true (item->others);
  g_assert_cmpstr (item->title, ==, "Shared!");
  g_assert_cmpuint (item->users->len, ==, 1);
  g_assert_cmpstr (item->users->pdata[0], ==, "bob");
  g_assert_cmpstr (item->devices->pdata[0], ==, "phone");
  item = act->pdata[1];
  g_assert_cmpstr (item->object_id, ==, a);
  g_assert_false (item->others);
  g_assert_cmpuint (item->n_changes, ==, 2);
  g_assert_cmpint (item->first_seq, ==, 5);
  g_assert_cmpint (item->last_seq, ==, 6);
  g_clear_pointer (&act, g_ptr_array_unref);

  act = cairn_store_get_activity (ts->store, 6, &error);
  g_assert_cmpuint (act->len, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/history/fields", test_history_fields);
  g_test_add_func ("/store/history/text", test_history_text);
  g_test_add_func ("/store/history/unknown", test_history_unknown);
  g_test_add_func ("/store/history/index", test_index);
  g_test_add_func ("/store/history/revert-todo", test_revert_todo);
  g_test_add_func ("/store/history/revert-note", test_revert_note);
  g_test_add_func ("/store/history/revert-todo-notes-and-list", test_revert_todo_notes_and_list);
  g_test_add_func ("/store/history/activity", test_activity);
  g_test_add_func ("/store/history/revert-pending", test_revert_pending);
  g_test_add_func ("/store/history/noops", test_history_noops);
  return g_test_run ();
}

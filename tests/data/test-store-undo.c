/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-undo.c: undo and redo in the store (cairn-store-undo.h):
 * chains, grouping, the stack across reopening, and two devices: a field
 * changed elsewhere is left and reported with the device's name, typing
 * in the same paragraph as another device is taken back exactly, a move
 * into or out of a list deleted elsewhere, an object deleted elsewhere. */
#include "config.h"

#include <string.h>

#include "store-test-util.h"
#include "cairn-store-undo.h"
#include "cairn-note-buffer.h"

#define HISTORY "h1"

typedef struct
{
  char       *dir;
  CairnStore *a;      /* this device */
  CairnStore *b;      /* the other one, "laptop" */
  gint64      seq;
} Pair;

static Pair *
pair_new (void)
{
  Pair *p = g_new0 (Pair, 1);
  g_autoptr(GError) error = NULL;

  p->dir = g_dir_make_tmp ("cairn-undo-XXXXXX", &error);
  g_assert_no_error (error);
  p->a = test_store_open_at (p->dir, "a.db");
  p->b = test_store_open_at (p->dir, "b.db");
  return p;
}

static void
pair_free (Pair *p)
{
  g_clear_object (&p->a);
  g_clear_object (&p->b);
  cairn_test_rm_rf (p->dir);
  g_free (p->dir);
  g_free (p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pair, pair_free)

/* @from's pending events go to the server (named @device) and to both. */
static void
push (Pair       *p,
      CairnStore *from,
      const char *device)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = cairn_store_list_pending (from, 0, &error);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

  g_assert_no_error (error);
  if (pending->len == 0)
    return;
  for (guint i = 0; i < pending->len; i++)
    {
      CairnEvent *event = test_event_confirmed (pending->pdata[i], ++p->seq);

      g_free (event->device);
      event->device = g_strdup (device);
      g_ptr_array_add (events, event);
    }
  test_rebase_ok (p->a, events, HISTORY);
  test_rebase_ok (p->b, events, HISTORY);
}

static void
sync_both (Pair *p)
{
  push (p, p->a, "desktop");
  push (p, p->b, "laptop");
}

static char *
title_of (CairnStore *store,
          const char *table,
          const char *id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT title FROM %s WHERE id = '%s'", table, id);

  return test_query_text (store, sql);
}

static CairnUndoResult *
undo_ok (CairnStore *store,
         gboolean    redo)
{
  g_autoptr(GError) error = NULL;
  CairnUndoResult *result = redo ? cairn_store_redo (store, &error) : cairn_store_undo (store, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
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

static void
test_chain (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (ts->store, "Milk");
  g_autofree char *t = NULL;
  CairnUndoResult *r;

  g_assert_true (cairn_store_rename_todo (ts->store, id, "Oat milk", &error));
  g_assert_true (cairn_store_set_todo_done (ts->store, id, TRUE, &error));
  g_assert_no_error (error);
  /* create, rename, done: the Inbox the store made is no one's action */
  g_assert_cmpuint (cairn_store_get_n_undo (ts->store), ==, 3);

  r = undo_ok (ts->store, FALSE);
  g_assert_cmpuint (r->changed->len, ==, 1);
  g_assert_cmpstr (((CairnUndoItem *) r->changed->pdata[0])->field, ==, "done");
  g_assert_cmpuint (r->left->len, ==, 0);
  cairn_undo_result_free (r);
  g_assert_cmpint (test_query_int (ts->store, "SELECT done FROM todos"), ==, 0);

  cairn_undo_result_free (undo_ok (ts->store, FALSE));
  g_assert_cmpstr ((t = title_of (ts->store, "todos", id)), ==, "Milk");
  g_clear_pointer (&t, g_free);
  g_assert_cmpuint (cairn_store_get_n_redo (ts->store), ==, 2);

  cairn_undo_result_free (undo_ok (ts->store, TRUE));
  g_assert_cmpstr ((t = title_of (ts->store, "todos", id)), ==, "Oat milk");
  g_clear_pointer (&t, g_free);
  cairn_undo_result_free (undo_ok (ts->store, FALSE));
  g_assert_cmpstr ((t = title_of (ts->store, "todos", id)), ==, "Milk");
  g_clear_pointer (&t, g_free);
  cairn_undo_result_free (undo_ok (ts->store, TRUE));
  cairn_undo_result_free (undo_ok (ts->store, TRUE));
  g_assert_cmpint (test_query_int (ts->store, "SELECT done FROM todos"), ==, 1);
  g_assert_cmpuint (cairn_store_get_n_redo (ts->store), ==, 0);

  /* Nothing to redo: an error that says so, nothing changed. */
  g_assert_null (cairn_store_redo (ts->store, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "Nothing to redo");
  g_clear_error (&error);

  /* Undo of the creation deletes it; a new change drops what could be redone. */
  cairn_undo_result_free (undo_ok (ts->store, FALSE));
  cairn_undo_result_free (undo_ok (ts->store, FALSE));
  cairn_undo_result_free (undo_ok (ts->store, FALSE));
  g_assert_cmpint (test_query_int (ts->store, "SELECT deleted FROM todos"), ==, 1);
  g_assert_true (cairn_store_rename_list (ts->store, CAIRN_INBOX_ID, "In", &error));
  g_assert_cmpuint (cairn_store_get_n_redo (ts->store), ==, 0);
  g_assert_cmpuint (cairn_store_get_n_undo (ts->store), ==, 1);
}

static void
test_nothing (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;

  g_assert_null (cairn_store_undo (ts->store, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "Nothing to undo");
  g_assert_cmpuint (cairn_store_get_pending_count (ts->store), ==, 0);
}

static void
test_group (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (ts->store, "Milk");
  g_autofree char *list = cairn_store_create_list (ts->store, "Shop", &error);
  g_autofree char *t = NULL;

  /* A drop that moves and renames: one action. */
  cairn_store_begin_action (ts->store);
  g_assert_true (cairn_store_move_todo (ts->store, id, list, NULL, NULL, &error));
  g_assert_true (cairn_store_rename_todo (ts->store, id, "Oat milk", &error));
  cairn_store_end_action (ts->store);
  g_assert_no_error (error);

  cairn_undo_result_free (undo_ok (ts->store, FALSE));
  g_assert_cmpstr ((t = title_of (ts->store, "todos", id)), ==, "Milk");
  g_clear_pointer (&t, g_free);
  t = test_query_text (ts->store, "SELECT list_id FROM todos");
  g_assert_cmpstr (t, ==, CAIRN_INBOX_ID);
  /* The list is still there: that was an action of its own. */
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM lists WHERE NOT deleted"), ==, 2);
}

static void
test_reopen (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = cairn_store_create_note (ts->store, "Plans", &error);
  g_autofree char *t = NULL;

  g_assert_true (cairn_store_rename_note (ts->store, id, "Summer plans", &error));
  g_assert_no_error (error);
  g_clear_object (&ts->store);
  ts->store = test_store_open_at (ts->dir, "workspace.db");
  g_assert_cmpuint (cairn_store_get_n_undo (ts->store), ==, 2);
  cairn_undo_result_free (undo_ok (ts->store, FALSE));
  g_assert_cmpstr ((t = title_of (ts->store, "notes", id)), ==, "Plans");
  g_clear_object (&ts->store);
  ts->store = test_store_open_at (ts->dir, "workspace.db");
  g_assert_cmpuint (cairn_store_get_n_redo (ts->store), ==, 1);
  cairn_undo_result_free (undo_ok (ts->store, TRUE));
  g_clear_pointer (&t, g_free);
  g_assert_cmpstr ((t = title_of (ts->store, "notes", id)), ==, "Summer plans");
}

/* Undo after another device changed the same field: its value stays, and
 * the result names the field and the device. */
static void
test_changed_elsewhere (void)
{
  g_autoptr(Pair) p = pair_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (p->a, "Milk");
  g_autofree char *t = NULL, *msg = NULL, *json = NULL;
  g_autoptr(CairnUndoResult) r = NULL;
  CairnUndoItem *item;

  g_assert_true (cairn_store_rename_todo (p->a, id, "Oat milk", &error));
  g_assert_true (cairn_store_set_todo_done (p->a, id, TRUE, &error));
  /* Undo the completion first, so that the rename is on top. */
  cairn_undo_result_free (undo_ok (p->a, FALSE));
  sync_both (p);
  g_assert_true (cairn_store_rename_todo (p->b, id, "Soy milk", &error));
  g_assert_no_error (error);
  sync_both (p);

  r = undo_ok (p->a, FALSE);
  g_assert_cmpstr ((t = title_of (p->a, "todos", id)), ==, "Soy milk");
  g_assert_cmpuint (r->changed->len, ==, 0);
  g_assert_cmpuint (r->left->len, ==, 1);
  item = r->left->pdata[0];
  g_assert_cmpstr (item->field, ==, "title");
  g_assert_cmpstr (item->kind, ==, "todo");
  g_assert_cmpint (item->reason, ==, CAIRN_UNDO_LEFT_CHANGED);
  g_assert_cmpstr (item->device, ==, "laptop");
  msg = cairn_undo_item_describe (item, TRUE);
  g_assert_true (g_str_has_prefix (msg, "Title of task "));
  g_assert_true (g_str_has_suffix (msg, " was changed on laptop since; left as it is"));
  json = cairn_undo_result_to_json (r);
  g_assert_nonnull (strstr (json, "\"reason\":\"changed\""));
  g_assert_nonnull (strstr (json, "\"device\":\"laptop\""));
  /* Nothing was emitted. */
  g_assert_cmpuint (cairn_store_get_pending_count (p->a), ==, 0);
}

static void
test_deleted_elsewhere (void)
{
  g_autoptr(Pair) p = pair_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (p->a, "Milk");
  g_autoptr(CairnUndoResult) r = NULL;

  g_assert_true (cairn_store_rename_todo (p->a, id, "Oat milk", &error));
  sync_both (p);
  g_assert_true (cairn_store_delete_todo (p->b, id, &error));
  sync_both (p);
  r = undo_ok (p->a, FALSE);
  g_assert_cmpuint (r->changed->len, ==, 0);
  g_assert_cmpuint (r->left->len, ==, 1);
  g_assert_cmpint (((CairnUndoItem *) r->left->pdata[0])->reason, ==, CAIRN_UNDO_LEFT_DELETED);
  g_assert_cmpuint (cairn_store_get_pending_count (p->a), ==, 0);
}

/* A move into a list that another device deleted: undo takes it back out;
 * a move out of one: undo leaves it where it is, and says why. */
static void
test_move_deleted_list (void)
{
  g_autoptr(Pair) p = pair_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (p->a, "Milk");
  g_autofree char *other = new_todo (p->a, "Bread");
  g_autofree char *list = cairn_store_create_list (p->a, "Shop", &error);
  g_autofree char *old = cairn_store_create_list (p->a, "Old", &error);
  g_autofree char *t = NULL;
  g_autoptr(CairnUndoResult) r = NULL;
  g_autoptr(CairnUndoResult) r2 = NULL;
  CairnUndoItem *item;

  g_assert_true (cairn_store_move_todo (p->a, other, old, NULL, NULL, &error));
  g_assert_true (cairn_store_move_todo (p->a, other, CAIRN_INBOX_ID, NULL, NULL, &error));
  g_assert_true (cairn_store_move_todo (p->a, id, list, NULL, NULL, &error));
  g_assert_no_error (error);
  sync_both (p);
  g_assert_true (cairn_store_delete_list (p->b, list, &error));
  g_assert_true (cairn_store_delete_list (p->b, old, &error));
  g_assert_no_error (error);
  sync_both (p);

  r = undo_ok (p->a, FALSE);
  g_assert_cmpuint (r->changed->len, ==, 1);
  g_assert_cmpstr (((CairnUndoItem *) r->changed->pdata[0])->field, ==, "place");
  t = test_query_text (p->a, "SELECT list_id FROM todos WHERE title = 'Milk'");
  g_assert_cmpstr (t, ==, CAIRN_INBOX_ID);

  /* Bread's move from Old to the Inbox: Old is gone. */
  r2 = undo_ok (p->a, FALSE);
  g_assert_cmpuint (r2->changed->len, ==, 0);
  g_assert_cmpuint (r2->left->len, ==, 1);
  item = r2->left->pdata[0];
  g_assert_cmpstr (item->field, ==, "place");
  g_assert_cmpint (item->reason, ==, CAIRN_UNDO_LEFT_GONE);
  g_clear_pointer (&t, g_free);
  t = test_query_text (p->a, "SELECT list_id FROM todos WHERE title = 'Bread'");
  g_assert_cmpstr (t, ==, CAIRN_INBOX_ID);

  sync_both (p);
  {
    g_autofree char *da = test_dump (p->a), *db = test_dump (p->b);
    g_assert_cmpstr (da, ==, db);
  }
}

static void
delete_in_note (CairnStore *store,
                const char *note_id,
                gsize       pos,
                gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) replica = cairn_store_load_note_text (store, note_id, &error);
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

  g_assert_no_error (error);
  g_assert_true (cairn_text_delete (replica, pos, len, ops, &error));
  g_assert_true (cairn_store_edit_note (store, note_id, ops, &error));
  g_assert_no_error (error);
}

/* Typing undone after another device typed in the same paragraph: only
 * this device's characters go; a deletion comes back where it was. */
static void
test_typing (void)
{
  g_autoptr(Pair) p = pair_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = cairn_store_create_note (p->a, "Diary", &error);
  g_autofree char *body = NULL, *body_b = NULL;

  test_type_into_note (p->a, id, 0, "The cat sat.");
  cairn_store_break_typing (p->a);
  sync_both (p);

  /* This device: "The black cat sat." and deletes "sat"; the laptop, at
   * the same time: "The cat sat on the mat." */
  test_type_into_note (p->a, id, 4, "black ");
  test_type_into_note (p->b, id, 11, " on the mat");
  sync_both (p);
  body = test_read_note_body (p->a, id);
  g_assert_cmpstr (body, ==, "The black cat sat on the mat.");
  g_clear_pointer (&body, g_free);

  /* One typing action (quick succession, same note), undone at once. */
  cairn_undo_result_free (undo_ok (p->a, FALSE));
  body = test_read_note_body (p->a, id);
  g_assert_cmpstr (body, ==, "The cat sat on the mat.");
  sync_both (p);
  body_b = test_read_note_body (p->b, id);
  g_assert_cmpstr (body_b, ==, body);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&body_b, g_free);

  /* Redo puts it back, then a deletion and its undo. */
  cairn_undo_result_free (undo_ok (p->a, TRUE));
  body = test_read_note_body (p->a, id);
  g_assert_cmpstr (body, ==, "The black cat sat on the mat.");
  g_clear_pointer (&body, g_free);
  cairn_store_break_typing (p->a);
  delete_in_note (p->a, id, 14, 3);   /* "sat" */
  sync_both (p);
  test_type_into_note (p->b, id, 14, "slept and ");
  sync_both (p);
  body = test_read_note_body (p->a, id);
  g_assert_cmpstr (body, ==, "The black cat slept and  on the mat.");
  g_clear_pointer (&body, g_free);
  cairn_undo_result_free (undo_ok (p->a, FALSE));
  body = test_read_note_body (p->a, id);
  /* "sat" comes back where its tombstone is: after what the laptop typed
   * at its place (the laptop's text was typed after "sat" went). */
  g_assert_cmpstr (body, ==, "The black cat slept and sat on the mat.");
  sync_both (p);
  body_b = test_read_note_body (p->b, id);
  g_assert_cmpstr (body_b, ==, body);
}

static void
test_typing_groups (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = cairn_store_create_note (ts->store, "Diary", &error);
  g_autofree char *body = NULL;

  test_type_into_note (ts->store, id, 0, "one");
  test_type_into_note (ts->store, id, 3, " two");
  g_assert_cmpuint (cairn_store_get_n_undo (ts->store), ==, 2);   /* create, typing */
  cairn_store_break_typing (ts->store);
  test_type_into_note (ts->store, id, 0, "zero ");
  g_assert_cmpuint (cairn_store_get_n_undo (ts->store), ==, 3);
  cairn_undo_result_free (undo_ok (ts->store, FALSE));
  body = test_read_note_body (ts->store, id);
  g_assert_cmpstr (body, ==, "one two");
  g_clear_pointer (&body, g_free);
  cairn_undo_result_free (undo_ok (ts->store, FALSE));
  body = test_read_note_body (ts->store, id);
  g_assert_cmpstr (body, ==, "");
}

/* The editor's buffer: a cursor jump ends the typing action (the next
 * burst is another action, even within the store's typing pause). */
static void
test_cursor_jump (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = cairn_store_create_note (ts->store, "Diary", &error);
  g_autoptr(CairnNoteBuffer) buffer = cairn_note_buffer_new (ts->store, id, &error);
  g_autofree char *body = NULL;

  g_assert_no_error (error);
  g_assert_true (cairn_note_buffer_insert (buffer, 0, "abc", -1, &error));
  g_assert_true (cairn_note_buffer_insert (buffer, 3, "d", -1, &error));
  g_assert_true (cairn_note_buffer_delete (buffer, 3, 1, &error));   /* backspace */
  g_assert_true (cairn_note_buffer_insert (buffer, 3, "e", -1, &error));
  g_assert_true (cairn_note_buffer_flush (buffer, &error));   /* the burst's pause */
  g_assert_true (cairn_note_buffer_insert (buffer, 0, "X", -1, &error));   /* a jump */
  g_assert_true (cairn_note_buffer_flush (buffer, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cairn_store_get_n_undo (ts->store), ==, 3);   /* create, "abce", "X" */
  cairn_undo_result_free (undo_ok (ts->store, FALSE));
  body = test_read_note_body (ts->store, id);
  g_assert_cmpstr (body, ==, "abce");
  g_clear_pointer (&body, g_free);
  cairn_undo_result_free (undo_ok (ts->store, FALSE));
  body = test_read_note_body (ts->store, id);
  g_assert_cmpstr (body, ==, "");
}

/* The stack keeps at least CAIRN_UNDO_MAX_ACTIONS actions, and forgets
 * older ones. */
static void
test_limit (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (ts->store, "t");
  g_autofree char *t = NULL;
  guint n = CAIRN_UNDO_MAX_ACTIONS + 40;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *title = g_strdup_printf ("t%u", i);
      g_assert_true (cairn_store_rename_todo (ts->store, id, title, &error));
    }
  g_assert_no_error (error);
  g_assert_cmpuint (cairn_store_get_n_undo (ts->store), >=, CAIRN_UNDO_MAX_ACTIONS);
  g_assert_cmpuint (cairn_store_get_n_undo (ts->store), <, n);
  for (guint i = 0; i < CAIRN_UNDO_MAX_ACTIONS; i++)
    cairn_undo_result_free (undo_ok (ts->store, FALSE));
  t = test_query_text (ts->store, "SELECT title FROM todos");
  g_assert_cmpstr (t, ==, "t39");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store-undo/chain", test_chain);
  g_test_add_func ("/store-undo/nothing", test_nothing);
  g_test_add_func ("/store-undo/group", test_group);
  g_test_add_func ("/store-undo/reopen", test_reopen);
  g_test_add_func ("/store-undo/changed-elsewhere", test_changed_elsewhere);
  g_test_add_func ("/store-undo/deleted-elsewhere", test_deleted_elsewhere);
  g_test_add_func ("/store-undo/move-deleted-list", test_move_deleted_list);
  g_test_add_func ("/store-undo/typing", test_typing);
  g_test_add_func ("/store-undo/typing-groups", test_typing_groups);
  g_test_add_func ("/store-undo/cursor-jump", test_cursor_jump);
  g_test_add_func ("/store-undo/limit", test_limit);
  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-todo-notes.c: notes on a task (todo.notes_edited) on the text
 * CRDT of note bodies: local edits written lazily, two devices merging by
 * rebase in both server orders, delete and restore, rebuild, bad input,
 * the pool's "notes", and a newer version of the event. */
#include "config.h"

#include <string.h>

#include "store-test-util.h"
#include "cairn-pool.h"
#include "cairn-todo.h"

#define OTHER "0123456789abcdef0123456789abcdef"

/* Types @text at @pos of the todo's notes as a device does: its replica,
 * then one event. */
static void
type_into (CairnStore *store,
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
read_notes (CairnStore *store,
            const char *todo_id)
{
  g_autoptr(GError) error = NULL;
  char *notes = cairn_store_dup_todo_notes (store, todo_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (notes);
  return notes;
}

static GPtrArray *
confirm_all (CairnStore *from,
             gint64     *seq)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = cairn_store_list_pending (from, 0, &error);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

  g_assert_no_error (error);
  for (guint i = 0; i < pending->len; i++)
    g_ptr_array_add (out, test_event_confirmed (pending->pdata[i], ++*seq));
  return out;
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
test_local_edit (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (ts->store, "Trip");
  g_autofree char *notes = NULL, *written = NULL, *dump = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  g_autofree char *sql = NULL;

  g_assert_true (cairn_store_save_note_bodies (ts->store, &error));
  type_into (ts->store, id, 0, "été à Paris");
  type_into (ts->store, id, 4, "!");
  notes = read_notes (ts->store, id);
  g_assert_cmpstr (notes, ==, "été !à Paris");

  pending = cairn_store_list_pending (ts->store, 0, &error);
  g_assert_cmpstr (((CairnEvent *) pending->pdata[pending->len - 1])->name, ==, "todo.notes_edited");
  g_assert_cmpstr (json_object_get_string_member (((CairnEvent *) pending->pdata[pending->len - 1])->args,
                                                  "todo_id"), ==, id);

  /* Written lazily: the commit stored the version, not the text. */
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM todo_notes"), ==, 0);
  dump = cairn_store_dump_state (ts->store, &error);
  g_assert_nonnull (strstr (dump, "\"notes\" : \"été !à Paris\""));
  g_assert_true (cairn_store_save_note_bodies (ts->store, &error));
  sql = g_strdup_printf ("SELECT notes FROM todo_notes WHERE todo_id = '%s'", id);
  written = test_query_text (ts->store, sql);
  g_assert_cmpstr (written, ==, "été !à Paris");
  /* A note body is not touched by a todo's notes. */
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM note_versions"), ==, 0);

  /* Deleting text. */
  {
    g_autoptr(CairnText) text = cairn_store_load_todo_notes (ts->store, id, &error);
    g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
    g_autofree char *after = NULL;

    g_assert_true (cairn_text_delete (text, 3, 2, ops, &error));
    g_assert_true (cairn_store_edit_todo_notes (ts->store, id, ops, &error));
    after = read_notes (ts->store, id);
    g_assert_cmpstr (after, ==, "étéà Paris");
  }
}

/* Concurrent typing at the same place on two devices, in the server order
 * given: each device's run of characters stays whole (no interleaving),
 * both replicas agree, and a rebuild reproduces the state byte for byte. */
static void
two_devices (gboolean a_first)
{
  g_autoptr(TestStore) ts = test_store_new ();
  CairnStore *a = ts->store;
  g_autoptr(CairnStore) b = test_store_open_extra (ts, "b.db");
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (a, "Shared");
  g_autoptr(GPtrArray) first = NULL, from_a = NULL, from_b = NULL, base = NULL;
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  g_autofree char *notes_a = NULL, *notes_b = NULL, *dump_a = NULL, *dump_b = NULL;
  g_autofree char *rebuilt = NULL;
  gint64 seq = 0;

  first = confirm_all (a, &seq);
  test_rebase_ok (a, first, "h1");
  test_rebase_ok (b, first, "h1");
  type_into (a, id, 0, "base text");
  base = confirm_all (a, &seq);
  test_rebase_ok (a, base, "h1");
  test_rebase_ok (b, base, "h1");

  type_into (a, id, 4, " AAA");
  type_into (a, id, 8, "aa");
  type_into (b, id, 4, " BBB");
  type_into (b, id, 8, "bb");
  from_a = confirm_all (a, &seq);
  from_b = confirm_all (b, &seq);
  if (!a_first)
    {
      /* the server took b's first: renumber */
      seq -= from_a->len + from_b->len;
      g_ptr_array_unref (from_b);
      from_b = confirm_all (b, &seq);
      g_ptr_array_unref (from_a);
      from_a = confirm_all (a, &seq);
    }
  for (guint i = 0; i < (a_first ? from_a : from_b)->len; i++)
    g_ptr_array_add (order, (a_first ? from_a : from_b)->pdata[i]);
  for (guint i = 0; i < (a_first ? from_b : from_a)->len; i++)
    g_ptr_array_add (order, (a_first ? from_b : from_a)->pdata[i]);
  test_rebase_ok (a, order, "h1");
  test_rebase_ok (b, order, "h1");
  g_assert_cmpuint (_cairn_store_get_rollback_count (a_first ? b : a), >, 0);
  g_assert_cmpuint (cairn_store_get_pending_count (a), ==, 0);
  g_assert_cmpuint (cairn_store_get_pending_count (b), ==, 0);

  notes_a = read_notes (a, id);
  notes_b = read_notes (b, id);
  g_assert_cmpstr (notes_a, ==, notes_b);
  g_assert_true (g_str_equal (notes_a, "base AAAaa BBBbb text") ||
                 g_str_equal (notes_a, "base BBBbb AAAaa text"));

  dump_a = cairn_store_dump_state (a, &error);
  dump_b = cairn_store_dump_state (b, &error);
  g_assert_cmpstr (dump_a, ==, dump_b);
  g_assert_nonnull (strstr (dump_a, notes_a));
  g_assert_true (cairn_store_rebuild (b, &error));
  g_assert_no_error (error);
  rebuilt = cairn_store_dump_state (b, &error);
  g_assert_cmpstr (rebuilt, ==, dump_a);
}

static void
test_two_devices_a_first (void)
{
  two_devices (TRUE);
}

static void
test_two_devices_b_first (void)
{
  two_devices (FALSE);
}

/* Deleting a todo with its subtree keeps every todo's notes; an edit
 * another device made while they were deleted merges (as a deleted note's
 * does) and shows once restored; this device cannot type into a deleted
 * todo. */
static void
test_delete_restore (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  CairnStore *a = ts->store;
  g_autoptr(CairnStore) b = test_store_open_extra (ts, "b.db");
  g_autoptr(GError) error = NULL;
  g_autofree char *parent = new_todo (a, "Parent");
  g_autofree char *child = cairn_store_create_subtask (a, CAIRN_INBOX_ID, parent, "Child",
                                                       NULL, NULL, &error);
  g_autoptr(GPtrArray) first = NULL, edit = NULL, deleted = NULL;
  g_autoptr(CairnText) text = NULL;
  g_autofree char *notes = NULL, *before = NULL, *after = NULL;
  gint64 seq = 0;

  g_assert_no_error (error);
  type_into (a, parent, 0, "parent notes");
  type_into (a, child, 0, "child notes");
  first = confirm_all (a, &seq);
  test_rebase_ok (a, first, "h1");
  test_rebase_ok (b, first, "h1");

  /* b edits the child while a deletes the parent; the server takes a's
   * delete first. */
  g_assert_true (cairn_store_delete_todo (a, parent, &error));
  type_into (b, child, 0, "B: ");
  deleted = confirm_all (a, &seq);
  edit = confirm_all (b, &seq);
  test_rebase_ok (a, deleted, "h1");
  test_rebase_ok (a, edit, "h1");
  test_rebase_ok (b, deleted, "h1");
  test_rebase_ok (b, edit, "h1");

  notes = read_notes (a, child);
  g_assert_cmpstr (notes, ==, "B: child notes");
  text = cairn_store_load_todo_notes (a, child, &error);
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "deleted"));
  g_assert_null (text);
  g_clear_error (&error);

  before = cairn_store_dump_state (a, &error);
  g_assert_true (cairn_store_restore_todo (a, parent, &error));
  g_assert_no_error (error);
  g_free (notes);
  notes = read_notes (a, child);
  g_assert_cmpstr (notes, ==, "B: child notes");
  g_free (notes);
  notes = read_notes (a, parent);
  g_assert_cmpstr (notes, ==, "parent notes");
  type_into (a, child, 14, "!");
  g_free (notes);
  notes = read_notes (a, child);
  g_assert_cmpstr (notes, ==, "B: child notes!");

  /* Rolling the restore and the edit back (a rebase) and replaying them. */
  after = cairn_store_dump_state (a, &error);
  {
    g_autoptr(GPtrArray) none = g_ptr_array_new ();
    g_autofree char *rebased = NULL;

    test_rebase_ok (a, none, "h1");
    rebased = cairn_store_dump_state (a, &error);
    g_assert_cmpstr (rebased, ==, after);
    g_assert_cmpstr (before, !=, after);
  }
}

/* Bad ops are refused naming the field, and nothing changes. */
static void
test_bad_input (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (ts->store, "Todo");
  g_autofree char *before = NULL, *after = NULL;
  g_autofree char *ops = test_text_ops_b64 ();
  static const struct { const char *ops; const char *message; } bad[] = {
    { "\"not base64!\"", "“ops” is not base64" },
    { "\"aGVsbG8=\"", "“ops” does not hold text operations" },
    { "\"wQAA\"", "holds no text operation" },
    { "3", "“ops” must be a string" },
  };
  gint64 pending;

  type_into (ts->store, id, 0, "kept");
  before = cairn_store_dump_state (ts->store, &error);
  pending = cairn_store_get_pending_count (ts->store);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"todo_id\":\"%s\",\"ops\":%s}", id, bad[i].ops);
      g_autoptr(JsonNode) node = json_from_string (json, &error);
      g_autoptr(CairnEvent) ev = NULL;

      g_assert_no_error (error);
      ev = cairn_store_commit (ts->store, "todo.notes_edited", 1, json_node_get_object (node), &error);
      g_assert_null (ev);
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, bad[i].message));
      g_clear_error (&error);
    }
  {
    g_autofree char *json = g_strdup_printf ("{\"todo_id\":\"nope\",\"ops\":\"%s\"}", ops);
    g_autoptr(JsonNode) node = json_from_string (json, &error);
    g_autoptr(CairnEvent) ev = cairn_store_commit (ts->store, "todo.notes_edited", 1,
                                                   json_node_get_object (node), &error);

    g_assert_null (ev);
    g_assert_nonnull (strstr (error->message, "“todo_id”"));
    g_clear_error (&error);
  }
  /* No such todo, for the typed edit. */
  {
    g_autoptr(CairnText) text = cairn_store_load_todo_notes (ts->store, "01890a5d-ac96-774b-bcce-b30209909999",
                                                             &error);

    g_assert_null (text);
    g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "No todo"));
    g_clear_error (&error);
  }

  after = cairn_store_dump_state (ts->store, &error);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpint (cairn_store_get_pending_count (ts->store), ==, pending);
}

/* A note and a todo with the same id (ids are unique per kind only) keep
 * texts of their own. */
static void
test_same_id_as_note (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autofree char *ops = test_text_ops_b64 ();
  g_autofree char *note_edit = NULL, *todo_edit = NULL, *notes = NULL, *body = NULL;
#define SAME "01890a5d-ac96-774b-bcce-b30209900077"

  note_edit = g_strdup_printf ("{\"note_id\":\"" SAME "\",\"ops\":\"%s\"}", ops);
  todo_edit = g_strdup_printf ("{\"todo_id\":\"" SAME "\",\"ops\":\"%s\"}", ops);
  g_ptr_array_add (batch, test_event_new (OTHER, 1, 1, "list.created",
                                          "{\"list_id\":\"" CAIRN_INBOX_ID "\",\"title\":\"Inbox\",\"position\":\"V\"}"));
  g_ptr_array_add (batch, test_event_new (OTHER, 2, 2, "todo.created",
                                          "{\"todo_id\":\"" SAME "\",\"list_id\":\"" CAIRN_INBOX_ID "\","
                                          "\"title\":\"T\",\"position\":\"V\"}"));
  g_ptr_array_add (batch, test_event_new (OTHER, 3, 3, "note.created",
                                          "{\"note_id\":\"" SAME "\",\"title\":\"N\"}"));
  g_ptr_array_add (batch, test_event_new (OTHER, 4, 4, "todo.notes_edited", todo_edit));
  g_ptr_array_add (batch, test_event_new (OTHER, 5, 5, "note.edited", note_edit));
  test_rebase_ok (ts->store, batch, "h1");
  notes = read_notes (ts->store, SAME);
  body = test_read_note_body (ts->store, SAME);
  g_assert_cmpstr (notes, ==, "hi");
  g_assert_cmpstr (body, ==, "hi");
  g_assert_cmpint (cairn_store_get_head (ts->store), ==, 5);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log WHERE skipped"), ==, 0);
#undef SAME
}

/* CairnTodo:notes is read when asked for and notified once per change of
 * the notes, not when another field of the todo changes. */
static void
test_pool_notes (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (ts->store, "Pool");
  g_autoptr(CairnPool) pool = cairn_pool_new (ts->store);
  g_autoptr(CairnTodo) todo = NULL;
  guint notified = 0;

  todo = g_object_ref (cairn_pool_lookup_todo (pool, id));
  g_assert_cmpstr (cairn_todo_get_notes (todo), ==, "");
  g_signal_connect (todo, "notify::notes", G_CALLBACK (test_count_notify), &notified);
  type_into (ts->store, id, 0, "first line");
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpstr (cairn_todo_get_notes (todo), ==, "first line");
  g_assert_true (cairn_store_rename_todo (ts->store, id, "Renamed", &error));
  g_assert_cmpuint (notified, ==, 1);
  /* The lazy write changes no version: no notification. */
  g_assert_true (cairn_store_save_note_bodies (ts->store, &error));
  g_assert_cmpuint (notified, ==, 1);
  type_into (ts->store, id, 10, "\nsecond");
  g_assert_cmpuint (notified, ==, 2);
  g_assert_cmpstr (cairn_todo_get_notes (todo), ==, "first line\nsecond");
  {
    g_autofree char *notes = NULL;

    g_object_get (todo, "notes", &notes, NULL);
    g_assert_cmpstr (notes, ==, "first line\nsecond");
  }
}

/* A todo.notes_edited of a version this build does not know (as a v1 one
 * reaches a build before notes on a task): stored, skipped, needs-update;
 * once the file holds a version it knows, opening it applies it. */
static void
test_newer_version (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup (cairn_store_get_path (ts->store));
  g_autofree char *ops = test_text_ops_b64 ();
  g_autofree char *args = NULL, *notes = NULL, *update = NULL;
  CairnEvent *newer;
#define T "01890a5d-ac96-774b-bcce-b30209900021"

  args = g_strdup_printf ("{\"todo_id\":\"" T "\",\"ops\":\"%s\",\"format\":\"markdown\"}", ops);
  g_ptr_array_add (batch, test_event_new (OTHER, 1, 1, "list.created",
                                          "{\"list_id\":\"" CAIRN_INBOX_ID "\",\"title\":\"Inbox\",\"position\":\"V\"}"));
  g_ptr_array_add (batch, test_event_new (OTHER, 2, 2, "todo.created",
                                          "{\"todo_id\":\"" T "\",\"list_id\":\"" CAIRN_INBOX_ID "\","
                                          "\"title\":\"T\",\"position\":\"V\"}"));
  newer = test_event_new (OTHER, 3, 3, "todo.notes_edited", args);
  newer->version = 2;
  g_ptr_array_add (batch, newer);
  test_rebase_ok (ts->store, batch, "h1");
  g_assert_true (cairn_store_get_needs_update (ts->store));
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log WHERE skipped"), ==, 1);
  notes = read_notes (ts->store, T);
  g_assert_cmpstr (notes, ==, "");

  g_clear_object (&ts->store);
  {
    sqlite3 *db = NULL;

    update = g_strdup_printf ("UPDATE log SET version = 1, args = '{\"ops\":\"%s\",\"todo_id\":\"" T "\"}' "
                              "WHERE seq = 3", ops);
    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, update, NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  ts->store = cairn_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_false (cairn_store_get_needs_update (ts->store));
  g_free (notes);
  notes = read_notes (ts->store, T);
  g_assert_cmpstr (notes, ==, "hi");
#undef T
}

/* Damaged stored notes: the workspace opens with a warning naming the
 * todo, and reading them says what is wrong instead of giving a wrong
 * text. */
static void
test_damaged_notes (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = new_todo (ts->store, "Damaged");
  g_autofree char *path = g_strdup (cairn_store_get_path (ts->store));
  g_autofree char *notes = NULL;

  type_into (ts->store, id, 0, "Soon unreadable.");
  g_assert_true (cairn_store_save_note_bodies (ts->store, &error));
  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (ts->store),
                                 "UPDATE todo_note_ops SET ops = X'C1FF';"
                                 "DELETE FROM todo_notes;", NULL, NULL, NULL), ==, SQLITE_OK);
  g_clear_object (&ts->store);

  g_test_expect_message ("cairn-store", G_LOG_LEVEL_WARNING, "*notes of todo*damaged*");
  ts->store = cairn_store_open (path, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  notes = cairn_store_dup_todo_notes (ts->store, id, &error);
  g_assert_null (notes);
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, id));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/todo-notes/local-edit", test_local_edit);
  g_test_add_func ("/todo-notes/two-devices-a-first", test_two_devices_a_first);
  g_test_add_func ("/todo-notes/two-devices-b-first", test_two_devices_b_first);
  g_test_add_func ("/todo-notes/delete-restore", test_delete_restore);
  g_test_add_func ("/todo-notes/bad-input", test_bad_input);
  g_test_add_func ("/todo-notes/same-id-as-note", test_same_id_as_note);
  g_test_add_func ("/todo-notes/pool", test_pool_notes);
  g_test_add_func ("/todo-notes/newer-version", test_newer_version);
  g_test_add_func ("/todo-notes/damaged", test_damaged_notes);
  return g_test_run ();
}

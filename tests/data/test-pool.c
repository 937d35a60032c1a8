/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-pool.c: the pool notifies exactly what a commit, rebase or rebuild changed. */
#include "config.h"

#include <glib/gstdio.h>

#include "cairn-pool.h"

/* ---- a recorder of signals, as short strings ---- */

typedef struct
{
  GPtrArray *items;    /* "LABEL(pos,removed,added)" in emission order */
  GPtrArray *notifies; /* "LABEL.prop", sorted when taken */
} Recorder;

typedef struct
{
  Recorder *rec;
  char     *label;
} Tag;

static void
tag_free (gpointer data, GClosure *closure)
{
  Tag *tag = data;

  g_free (tag->label);
  g_free (tag);
}

static Tag *
tag_new (Recorder *rec, const char *label)
{
  Tag *tag = g_new0 (Tag, 1);

  tag->rec = rec;
  tag->label = g_strdup (label);
  return tag;
}

static void
on_items_changed (GListModel *model, guint pos, guint removed, guint added, Tag *tag)
{
  g_ptr_array_add (tag->rec->items,
                   g_strdup_printf ("%s(%u,%u,%u)", tag->label, pos, removed, added));
}

static void
on_notify (GObject *object, GParamSpec *pspec, Tag *tag)
{
  g_ptr_array_add (tag->rec->notifies, g_strdup_printf ("%s.%s", tag->label, pspec->name));
}

static void
watch_model (Recorder *rec, GListModel *model, const char *label)
{
  g_signal_connect_data (model, "items-changed", G_CALLBACK (on_items_changed),
                         tag_new (rec, label), tag_free, 0);
}

static void
watch_object (Recorder *rec, gpointer object, const char *label)
{
  g_assert_nonnull (object);
  g_signal_connect_data (object, "notify", G_CALLBACK (on_notify),
                         tag_new (rec, label), tag_free, 0);
}

static int
compare_str (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char **)a, *(char **)b);
}

/* "items… | notifies…" since the last take, then forgets them. */
static char *
rec_take (Recorder *rec)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < rec->items->len; i++)
    g_string_append_printf (out, "%s%s", i ? " " : "", (char *)rec->items->pdata[i]);
  g_string_append (out, " |");
  g_ptr_array_sort (rec->notifies, compare_str);
  for (guint i = 0; i < rec->notifies->len; i++)
    g_string_append_printf (out, " %s", (char *)rec->notifies->pdata[i]);
  g_ptr_array_set_size (rec->items, 0);
  g_ptr_array_set_size (rec->notifies, 0);
  return g_string_free (out, FALSE);
}

#define assert_signals(rec, expected) G_STMT_START {   \
    g_autofree char *got__ = rec_take (rec);            \
    g_assert_cmpstr (got__, ==, expected);              \
  } G_STMT_END

/* ---- fixture ---- */

typedef struct
{
  char       *dir;
  CairnStore *store;
  CairnPool  *pool;
  Recorder    rec;
} Fixture;

static CairnStore *
open_store (Fixture *f, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  CairnStore *store = cairn_store_open (path, &error);

  g_assert_no_error (error);
  return store;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("cairn-test-pool-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = open_store (f, "a.db");
  f->pool = cairn_pool_new (f->store);
  f->rec.items = g_ptr_array_new_with_free_func (g_free);
  f->rec.notifies = g_ptr_array_new_with_free_func (g_free);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_remove (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->pool);
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->dir);
  g_ptr_array_unref (f->rec.items);
  g_ptr_array_unref (f->rec.notifies);
}

static char *
new_list (Fixture *f, const char *title)
{
  g_autoptr(GError) error = NULL;
  char *id = cairn_store_create_list (f->store, title, &error);

  g_assert_no_error (error);
  return id;
}

static char *
new_todo (Fixture *f, const char *list_id, const char *title)
{
  g_autoptr(GError) error = NULL;
  char *id = cairn_store_create_todo (f->store, list_id, title, NULL, NULL, &error);

  g_assert_no_error (error);
  return id;
}

static CairnTodo *
todo_at (GListModel *model, guint i)
{
  g_autoptr(CairnTodo) todo = g_list_model_get_item (model, i);

  g_assert_nonnull (todo);
  return todo;  /* still held by the model */
}

/* Titles of the model's todos, space-separated. */
static char *
titles (GListModel *model)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);
      g_autofree char *title = NULL;

      g_object_get (item, "title", &title, NULL);
      g_string_append_printf (out, "%s%s", i ? " " : "", title);
    }
  return g_string_free (out, FALSE);
}

#define assert_titles(model, expected) G_STMT_START {  \
    g_autofree char *got__ = titles (model);            \
    g_assert_cmpstr (got__, ==, expected);              \
  } G_STMT_END

/* The list "L" with todos a b c d e, and a model over it. */
static char *
make_abcde (Fixture *f, GListModel **model, char *ids[5])
{
  g_autofree char *list = new_list (f, "L");
  const char *names[] = { "a", "b", "c", "d", "e" };

  for (guint i = 0; i < 5; i++)
    ids[i] = new_todo (f, list, names[i]);
  *model = cairn_pool_get_todos (f->pool, list);
  assert_titles (*model, "a b c d e");
  return g_steal_pointer (&list);
}

static void
free_ids (char *ids[5])
{
  for (guint i = 0; i < 5; i++)
    g_free (ids[i]);
}

/* ---- tests ---- */

static void
test_initial_load (Fixture *f, gconstpointer data)
{
  g_autofree char *list = new_list (f, "Groceries");
  g_autofree char *todo = new_todo (f, list, "Milk");
  g_autoptr(CairnPool) other = cairn_pool_new (f->store);
  g_autoptr(GListModel) todos = cairn_pool_get_todos (other, list);
  CairnTodo *t;

  /* A fresh pool over an existing store sees everything. */
  g_assert_cmpuint (g_list_model_get_n_items (cairn_pool_get_lists (other)), ==, 1);
  assert_titles (cairn_pool_get_lists (other), "Groceries");
  assert_titles (todos, "Milk");
  t = cairn_pool_lookup_todo (other, todo);
  g_assert_nonnull (t);
  g_assert_cmpstr (cairn_todo_get_list_id (t), ==, list);
  g_assert_false (cairn_todo_get_done (t));
  g_assert_null (cairn_todo_get_due (t));
  g_assert_null (cairn_pool_lookup_todo (other, "01890000-0000-7000-8000-000000000000"));
  g_assert_true (g_list_model_get_item_type (todos) == CAIRN_TYPE_TODO);
  g_assert_null (g_list_model_get_item (todos, 1));
}

static void
test_identity (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = new_list (f, "L");
  g_autofree char *id = new_todo (f, list, "a");
  g_autoptr(GListModel) todos = cairn_pool_get_todos (f->pool, list);
  g_autoptr(CairnTodo) held = NULL;
  CairnTodo *todo = cairn_pool_lookup_todo (f->pool, id);

  g_assert_true (todo_at (todos, 0) == todo);
  cairn_store_rename_todo (f->store, id, "b", &error);
  g_assert_no_error (error);
  g_assert_true (cairn_pool_lookup_todo (f->pool, id) == todo);

  /* Deleted while the caller holds it, then restored: the same object. */
  held = g_object_ref (todo);
  cairn_store_delete_todo (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_null (cairn_pool_lookup_todo (f->pool, id));
  g_assert_cmpuint (g_list_model_get_n_items (todos), ==, 0);
  cairn_store_restore_todo (f->store, id, &error);
  g_assert_no_error (error);
  g_assert_true (cairn_pool_lookup_todo (f->pool, id) == held);
  g_assert_true (todo_at (todos, 0) == held);

  /* A second model of the same list shares the objects. */
  {
    g_autoptr(GListModel) again = cairn_pool_get_todos (f->pool, list);
    g_assert_true (todo_at (again, 0) == held);
  }
}

static void
test_rename (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) todos = NULL;
  g_autofree char *list = NULL;
  char *ids[5];

  list = make_abcde (f, &todos, ids);
  watch_model (&f->rec, todos, "todos");
  watch_model (&f->rec, cairn_pool_get_lists (f->pool), "lists");
  for (guint i = 0; i < 5; i++)
    watch_object (&f->rec, cairn_pool_lookup_todo (f->pool, ids[i]), (const char *[]){ "a", "b", "c", "d", "e" }[i]);
  watch_object (&f->rec, cairn_pool_lookup_list (f->pool, list), "L");

  cairn_store_rename_todo (f->store, ids[2], "C", &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " | c.title");
  g_assert_cmpstr (cairn_todo_get_title (cairn_pool_lookup_todo (f->pool, ids[2])), ==, "C");

  cairn_store_rename_list (f->store, list, "Home", &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " | L.title");

  cairn_store_set_todo_due (f->store, ids[0], "2026-12-24", &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " | a.due");
  g_assert_cmpstr (cairn_todo_get_due (cairn_pool_lookup_todo (f->pool, ids[0])), ==, "2026-12-24");
  cairn_store_set_todo_due (f->store, ids[0], NULL, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " | a.due");
  g_assert_null (cairn_todo_get_due (cairn_pool_lookup_todo (f->pool, ids[0])));

  /* Completing with completed todos shown: the row stays, only "done". */
  cairn_store_set_todo_done (f->store, ids[1], TRUE, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " | b.done");
  free_ids (ids);
}

static void
test_insert_delete (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) todos = NULL;
  g_autofree char *list = NULL;
  g_autofree char *x = NULL;
  g_autofree char *y = NULL;
  g_autofree char *l2 = NULL;
  char *ids[5];

  list = make_abcde (f, &todos, ids);
  watch_model (&f->rec, todos, "todos");
  watch_model (&f->rec, cairn_pool_get_lists (f->pool), "lists");

  x = new_todo (f, list, "x");
  assert_signals (&f->rec, "todos(5,0,1) |");
  y = cairn_store_create_todo (f->store, list, "y", ids[0], NULL, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "todos(0,0,1) |");
  g_clear_pointer (&y, g_free);
  y = cairn_store_create_todo (f->store, list, "z", NULL, ids[2], &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "todos(4,0,1) |");
  assert_titles (todos, "y a b c z d e x");

  cairn_store_delete_todo (f->store, ids[1], &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "todos(2,1,0) |");
  cairn_store_restore_todo (f->store, ids[1], &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "todos(2,0,1) |");
  assert_titles (todos, "y a b c z d e x");

  /* Lists are kept by position too: a new list goes to the end. */
  l2 = new_list (f, "M");
  assert_signals (&f->rec, "lists(1,0,1) |");
  cairn_store_delete_list (f->store, list, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "lists(0,1,0) |");
  assert_titles (cairn_pool_get_lists (f->pool), "M");
  g_assert_null (cairn_pool_lookup_list (f->pool, list));
  free_ids (ids);
}

static void
test_move_within (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) todos = NULL;
  g_autofree char *list = NULL;
  char *ids[5];

  list = make_abcde (f, &todos, ids);
  watch_model (&f->rec, todos, "todos");
  watch_object (&f->rec, cairn_pool_lookup_todo (f->pool, ids[4]), "e");
  watch_object (&f->rec, cairn_pool_lookup_todo (f->pool, ids[0]), "a");

  cairn_store_move_todo (f->store, ids[4], NULL, ids[1], NULL, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "todos(4,1,0) todos(1,0,1) | e.position");
  assert_titles (todos, "a e b c d");

  cairn_store_move_todo (f->store, ids[0], NULL, NULL, ids[3], &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "todos(0,1,0) todos(4,0,1) | a.position");
  assert_titles (todos, "e b c d a");
  free_ids (ids);
}

static void
test_move_across (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) todos = NULL;
  g_autoptr(GListModel) other = NULL;
  g_autofree char *list = NULL;
  g_autofree char *l2 = NULL;
  g_autofree char *p = NULL;
  g_autofree char *q = NULL;
  char *ids[5];

  list = make_abcde (f, &todos, ids);
  l2 = new_list (f, "M");
  p = new_todo (f, l2, "p");
  q = new_todo (f, l2, "q");
  other = cairn_pool_get_todos (f->pool, l2);
  watch_model (&f->rec, todos, "L");
  watch_model (&f->rec, other, "M");
  watch_object (&f->rec, cairn_pool_lookup_todo (f->pool, ids[2]), "c");

  cairn_store_move_todo (f->store, ids[2], l2, q, NULL, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "L(2,1,0) M(1,0,1) | c.list-id c.position");
  assert_titles (todos, "a b d e");
  assert_titles (other, "p c q");
  g_assert_cmpstr (cairn_todo_get_list_id (cairn_pool_lookup_todo (f->pool, ids[2])), ==, l2);

  /* To the end of the other list, with no anchor. */
  cairn_store_move_todo (f->store, ids[0], l2, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "L(0,1,0) M(3,0,1) |");
  assert_titles (other, "p c q a");
  free_ids (ids);
}

static void
test_show_completed (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) todos = NULL;
  g_autoptr(GListModel) all = NULL;
  g_autofree char *list = NULL;
  gboolean show;
  char *ids[5];

  list = make_abcde (f, &todos, ids);
  all = cairn_pool_get_todos (f->pool, list);
  cairn_store_set_todo_done (f->store, ids[1], TRUE, &error);
  g_assert_no_error (error);
  cairn_store_set_todo_done (f->store, ids[3], TRUE, &error);
  g_assert_no_error (error);
  cairn_store_set_todo_done (f->store, ids[4], TRUE, &error);
  g_assert_no_error (error);

  watch_model (&f->rec, todos, "todos");
  watch_model (&f->rec, all, "all");
  watch_object (&f->rec, todos, "model");

  g_object_get (todos, "show-completed", &show, NULL);
  g_assert_true (show);
  cairn_todo_model_set_show_completed (todos, FALSE);
  /* Runs from the end so that earlier positions stay valid. */
  assert_signals (&f->rec, "todos(3,2,0) todos(1,1,0) | model.show-completed");
  assert_titles (todos, "a c");
  assert_titles (all, "a b c d e");
  cairn_todo_model_set_show_completed (todos, FALSE);
  assert_signals (&f->rec, " |");

  /* Completing and reopening while completed ones are hidden. */
  cairn_store_set_todo_done (f->store, ids[2], TRUE, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "todos(1,1,0) |");
  cairn_store_set_todo_done (f->store, ids[3], FALSE, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "todos(1,0,1) |");
  assert_titles (todos, "a d");

  g_object_set (todos, "show-completed", TRUE, NULL);
  assert_signals (&f->rec, "todos(1,0,2) todos(4,0,1) | model.show-completed");
  assert_titles (todos, "a b c d e");
  free_ids (ids);
}

static void
test_notes (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *n1 = NULL;
  g_autofree char *n2 = NULL;
  GListModel *notes = cairn_pool_get_notes (f->pool);

  watch_model (&f->rec, notes, "notes");
  n1 = cairn_store_create_note (f->store, "first", &error);
  g_assert_no_error (error);
  g_usleep (2000);  /* UUIDv7 ids carry milliseconds */
  n2 = cairn_store_create_note (f->store, "second", &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "notes(0,0,1) notes(0,0,1) |");
  assert_titles (notes, "second first");
  g_assert_cmpstr (cairn_note_get_body (cairn_pool_lookup_note (f->pool, n1)), ==, "");

  watch_object (&f->rec, cairn_pool_lookup_note (f->pool, n1), "n1");
  cairn_store_rename_note (f->store, n1, "First", &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " | n1.title");
  cairn_store_delete_note (f->store, n2, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "notes(0,1,0) |");
  cairn_store_restore_note (f->store, n2, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "notes(0,0,1) |");
  assert_titles (notes, "second First");
}

/* The events pending in `from`, numbered as the server would: seq from
 * first_seq on. */
static GPtrArray *
take_as_server (CairnStore *from, gint64 first_seq)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *events = cairn_store_list_pending (from, 0, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    ((CairnEvent *)events->pdata[i])->seq = first_seq + i;
  return events;
}

static void
test_rebase (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) remote = open_store (f, "b.db");
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GPtrArray) batch2 = NULL;
  g_autoptr(GPtrArray) mine = NULL;
  g_autoptr(GListModel) todos = NULL;
  g_autofree char *list = NULL;
  g_autofree char *t1 = NULL;
  g_autofree char *t2 = NULL;
  g_autofree char *t3 = NULL;
  CairnTodo *todo1;

  /* Another device creates a list with three todos; we receive them. */
  list = cairn_store_create_list (remote, "Shared", &error);
  g_assert_no_error (error);
  t1 = cairn_store_create_todo (remote, list, "one", NULL, NULL, &error);
  t2 = cairn_store_create_todo (remote, list, "two", NULL, NULL, &error);
  t3 = cairn_store_create_todo (remote, list, "three", NULL, NULL, &error);
  g_assert_no_error (error);
  batch = take_as_server (remote, 1);

  watch_model (&f->rec, cairn_pool_get_lists (f->pool), "lists");
  cairn_store_rebase (f->store, batch, "h1", &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "lists(0,0,1) |");
  todos = cairn_pool_get_todos (f->pool, list);
  assert_titles (todos, "one two three");
  todo1 = cairn_pool_lookup_todo (f->pool, t1);

  watch_model (&f->rec, todos, "todos");
  watch_object (&f->rec, todo1, "one");
  watch_object (&f->rec, cairn_pool_lookup_todo (f->pool, t2), "two");
  watch_object (&f->rec, cairn_pool_lookup_todo (f->pool, t3), "three");

  /* Our own pending rename of "two", then the server hands us a remote
   * rename of "one" and a remote move of "three" to the front, ahead of
   * our event: only those rows notify, and our value stays on screen. */
  cairn_store_rename_todo (f->store, t2, "TWO", &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " | two.title");

  /* The remote's first four events are confirmed at seq 1..4; what it
   * does next will be seq 5 and 6. */
  cairn_store_rebase (remote, batch, "h1", &error);
  g_assert_no_error (error);
  cairn_store_rename_todo (remote, t1, "uno", &error);
  g_assert_no_error (error);
  cairn_store_move_todo (remote, t3, NULL, t1, NULL, &error);
  g_assert_no_error (error);
  batch2 = take_as_server (remote, 6);

  cairn_store_rebase (f->store, batch2, NULL, &error);
  /* seq 6 does not follow head 4: refused, nothing changes. */
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_OUT_OF_ORDER);
  g_clear_error (&error);
  assert_signals (&f->rec, " |");

  for (guint i = 0; i < batch2->len; i++)
    ((CairnEvent *)batch2->pdata[i])->seq -= 1;
  cairn_store_rebase (f->store, batch2, NULL, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "todos(2,1,0) todos(0,0,1) | one.title three.position");
  assert_titles (todos, "three uno TWO");
  g_assert_true (cairn_pool_lookup_todo (f->pool, t1) == todo1);

  /* Our own event comes back confirmed: the fast path, nothing changes. */
  mine = take_as_server (f->store, 7);
  cairn_store_rebase (f->store, mine, NULL, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " |");
  assert_titles (todos, "three uno TWO");
  g_assert_cmpuint (cairn_store_get_pending_count (f->store), ==, 0);
}

static void
test_rebuild (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) todos = NULL;
  g_autoptr(GListModel) hidden = NULL;
  g_autofree char *list = NULL;
  g_autofree char *note = NULL;
  CairnTodo *before[5];
  char *ids[5];

  list = make_abcde (f, &todos, ids);
  hidden = cairn_pool_get_todos (f->pool, list);
  cairn_todo_model_set_show_completed (hidden, FALSE);
  cairn_store_set_todo_done (f->store, ids[1], TRUE, &error);
  cairn_store_move_todo (f->store, ids[4], NULL, ids[0], NULL, &error);
  cairn_store_delete_todo (f->store, ids[2], &error);
  g_assert_no_error (error);
  note = cairn_store_create_note (f->store, "n", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 5; i++)
    {
      before[i] = cairn_pool_lookup_todo (f->pool, ids[i]);
      if (before[i] != NULL)
        watch_object (&f->rec, before[i], "t");
    }
  watch_model (&f->rec, todos, "todos");
  watch_model (&f->rec, hidden, "hidden");
  watch_model (&f->rec, cairn_pool_get_lists (f->pool), "lists");
  watch_model (&f->rec, cairn_pool_get_notes (f->pool), "notes");

  /* Same state after the rebuild: nothing to tell anyone. */
  cairn_store_rebuild (f->store, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " |");
  for (guint i = 0; i < 5; i++)
    g_assert_true (cairn_pool_lookup_todo (f->pool, ids[i]) == before[i]);
  assert_titles (todos, "e a b d");
  assert_titles (hidden, "e a d");
  free_ids (ids);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/pool/initial-load", test_initial_load);
  ADD ("/pool/identity", test_identity);
  ADD ("/pool/rename", test_rename);
  ADD ("/pool/insert-delete", test_insert_delete);
  ADD ("/pool/move-within", test_move_within);
  ADD ("/pool/move-across", test_move_across);
  ADD ("/pool/show-completed", test_show_completed);
  ADD ("/pool/notes", test_notes);
  ADD ("/pool/rebase", test_rebase);
  ADD ("/pool/rebuild", test_rebuild);
#undef ADD

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-pool.c: the pool notifies exactly what a commit, rebase or rebuild changed. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "cairn-pool.h"
#include "cairn-test-util.h"
#include "store-test-util.h"

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
  /* A note's last-edit time follows the clock's milliseconds: the tests
   * read it instead (test_notes). */
  if (g_str_equal (pspec->name, "edited-at"))
    return;
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
  return test_store_open_at (f->dir, name);
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
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->pool);
  g_clear_object (&f->store);
  cairn_test_rm_rf (f->dir);
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

  /* Not held by anyone once deleted: a restore makes a new object. */
  {
    g_autofree char *other = new_todo (f, list, "c");
    GWeakRef weak;

    g_weak_ref_init (&weak, cairn_pool_lookup_todo (f->pool, other));
    g_clear_object (&todos);
    cairn_store_delete_todo (f->store, other, &error);
    g_assert_no_error (error);
    g_assert_null (g_weak_ref_get (&weak));
    cairn_store_restore_todo (f->store, other, &error);
    g_assert_no_error (error);
    g_assert_nonnull (cairn_pool_lookup_todo (f->pool, other));
    g_assert_cmpstr (cairn_todo_get_title (cairn_pool_lookup_todo (f->pool, other)), ==, "c");
    g_weak_ref_clear (&weak);
  }

  /* A deleted object may outlive the pool. */
  cairn_store_delete_todo (f->store, id, &error);
  g_assert_no_error (error);
  g_clear_object (&f->pool);
  g_assert_cmpstr (cairn_todo_get_title (held), ==, "b");
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

  /* Newest edit first: a rename moves the note to the top. */
  watch_object (&f->rec, cairn_pool_lookup_note (f->pool, n1), "n1");
  g_usleep (2000);
  cairn_store_rename_note (f->store, n1, "First", &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "notes(1,1,0) notes(0,0,1) | n1.title");
  assert_titles (notes, "First second");
  g_assert_cmpint (cairn_note_get_edited_at (cairn_pool_lookup_note (f->pool, n1)), >,
                   cairn_note_get_edited_at (cairn_pool_lookup_note (f->pool, n2)));
  cairn_store_delete_note (f->store, n2, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "notes(1,1,0) |");
  cairn_store_restore_note (f->store, n2, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "notes(1,0,1) |");
  assert_titles (notes, "First second");

  /* A pinned note goes above every other; pinning it again is no event;
   * unpinned, it goes back to its place by last edit. */
  watch_object (&f->rec, cairn_pool_lookup_note (f->pool, n2), "n2");
  cairn_store_set_note_pinned (f->store, n2, TRUE, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "notes(1,1,0) notes(0,0,1) | n2.pinned");
  assert_titles (notes, "second First");
  cairn_store_set_note_pinned (f->store, n2, TRUE, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " |");
  g_usleep (2000);
  cairn_store_rename_note (f->store, n1, "First!", &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " | n1.title");
  assert_titles (notes, "second First!");
  cairn_store_set_note_pinned (f->store, n2, FALSE, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "notes(0,1,0) notes(1,0,1) | n2.pinned");
  assert_titles (notes, "First! second");
  cairn_store_delete_note (f->store, n2, &error);
  g_assert_no_error (error);
  g_assert_false (cairn_store_set_note_pinned (f->store, n2, TRUE, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
}

/* Types "<op> " at the start of the note, as one note.edited. */
static void
type_at_start (CairnStore *store, const char *note_id, guint op, GError **error)
{
  g_autoptr(CairnText) text = cairn_store_load_note_text (store, note_id, error);
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  g_autofree char *typed = g_strdup_printf ("%u ", op);

  if (text == NULL)
    return;
  g_assert_true (cairn_text_insert (text, 0, typed, strlen (typed), ops, error));
  cairn_store_edit_note (store, note_id, ops, error);
}

/* A note's body is read when asked for and kept until its text changes:
 * an edit notifies "body" alone, a rename "title" alone; what the getter
 * then gives is the store's text, also after a rollback (rebase) and a
 * rebuild, and for a note that outlives its pool. */
static void
test_note_body (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *n1 = cairn_store_create_note (f->store, "one", &error);
  g_autofree char *n2 = cairn_store_create_note (f->store, "two", &error);
  g_autoptr(CairnNote) kept = NULL;
  CairnNote *note;
  const char *body;

  g_assert_no_error (error);
  note = cairn_pool_lookup_note (f->pool, n1);
  watch_object (&f->rec, note, "n1");
  watch_object (&f->rec, cairn_pool_lookup_note (f->pool, n2), "n2");
  g_assert_cmpstr (cairn_note_get_body (note), ==, "");

  type_at_start (f->store, n1, 1, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " | n1.body");
  body = cairn_note_get_body (note);
  g_assert_cmpstr (body, ==, "1 ");

  /* Not read again for a rename: the same string. */
  cairn_store_rename_note (f->store, n1, "One", &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " | n1.title");
  g_assert_true (cairn_note_get_body (note) == body);

  /* An edit nobody read in between notifies all the same. */
  type_at_start (f->store, n1, 2, &error);
  g_assert_no_error (error);
  type_at_start (f->store, n1, 3, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " | n1.body n1.body");
  g_assert_cmpstr (cairn_note_get_body (note), ==, "3 2 1 ");

  /* The property gives the same text. */
  {
    g_autofree char *prop = NULL;

    g_object_get (note, "body", &prop, NULL);
    g_assert_cmpstr (prop, ==, "3 2 1 ");
  }

  /* The server confirms the two notes' creation and the first edit only
   * (say it lost the rest): the later edits are pending again on top of
   * it, and the text is the same, so nothing is told. */
  {
    g_autoptr(GPtrArray) pending = cairn_store_list_pending (f->store, 0, &error);
    g_autoptr(GPtrArray) batch = g_ptr_array_new ();

    g_assert_no_error (error);
    for (guint i = 0; i < pending->len && i < 3; i++)
      {
        CairnEvent *event = pending->pdata[i];

        event->seq = i + 1;
        g_ptr_array_add (batch, event);
      }
    g_assert_true (cairn_store_rebase (f->store, batch, NULL, &error));
    g_assert_no_error (error);
    assert_signals (&f->rec, " |");
    g_assert_cmpstr (cairn_note_get_body (note), ==, "3 2 1 ");
  }

  /* A rebuild gives the same state: nothing told, the same text. */
  g_assert_true (cairn_store_rebuild (f->store, &error));
  g_assert_no_error (error);
  assert_signals (&f->rec, " |");
  g_assert_cmpstr (cairn_note_get_body (note), ==, "3 2 1 ");

  /* A deleted note that someone holds, edited before: its text as it was. */
  type_at_start (f->store, n2, 4, &error);
  g_assert_no_error (error);
  kept = g_object_ref (cairn_pool_lookup_note (f->pool, n2));
  cairn_store_delete_note (f->store, n2, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " | n2.body");
  g_assert_cmpstr (cairn_note_get_body (kept), ==, "4 ");

  /* A note read before its pool went away keeps its text. */
  g_object_ref (note);
  g_clear_object (&f->pool);
  g_assert_cmpstr (cairn_note_get_body (note), ==, "3 2 1 ");
  g_object_unref (note);
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

/* ---- randomised: the signals replay to the model, the model equals a
 * fresh pool's ---- */

typedef struct
{
  GListModel *model;
  GPtrArray  *mirror;  /* rebuilt from items-changed alone */
} Mirror;

static void
mirror_items_changed (GListModel *model, guint pos, guint removed, guint added, Mirror *m)
{
  g_assert_cmpuint (pos + removed, <=, m->mirror->len);
  g_ptr_array_remove_range (m->mirror, pos, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (m->mirror, pos + i, g_list_model_get_item (model, pos + i));
  g_assert_cmpuint (m->mirror->len, ==, g_list_model_get_n_items (model));
}

static Mirror *
mirror_new (GListModel *model)
{
  Mirror *m = g_new0 (Mirror, 1);

  m->model = g_object_ref (model);
  m->mirror = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_ptr_array_add (m->mirror, g_list_model_get_item (model, i));
  g_signal_connect (model, "items-changed", G_CALLBACK (mirror_items_changed), m);
  return m;
}

static void
mirror_free (Mirror *m)
{
  g_signal_handlers_disconnect_by_data (m->model, m);
  g_object_unref (m->model);
  g_ptr_array_unref (m->mirror);
  g_free (m);
}

/* "id:title:position:done:due:list" of each item ("id:title:body" for
 * notes), for comparing models of two pools. */
static char *
describe (GListModel *model)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      if (CAIRN_IS_TODO (item))
        g_string_append_printf (out, "%s:%s:%s:%d:%s:%s\n",
                                cairn_todo_get_id ((CairnTodo *)item),
                                cairn_todo_get_title ((CairnTodo *)item),
                                cairn_todo_get_position ((CairnTodo *)item),
                                cairn_todo_get_done ((CairnTodo *)item),
                                cairn_todo_get_due ((CairnTodo *)item),
                                cairn_todo_get_list_id ((CairnTodo *)item));
      else if (CAIRN_IS_LIST (item))
        g_string_append_printf (out, "%s:%s:%s\n", cairn_list_get_id ((CairnList *)item),
                                cairn_list_get_title ((CairnList *)item),
                                cairn_list_get_position ((CairnList *)item));
      else
        g_string_append_printf (out, "%s:%s:%s\n", cairn_note_get_id ((CairnNote *)item),
                                cairn_note_get_title ((CairnNote *)item),
                                cairn_note_get_body ((CairnNote *)item));
    }
  return g_string_free (out, FALSE);
}

static void
check_mirror (Mirror *m, CairnPool *fresh, const char *list_id, gboolean show_completed)
{
  g_autoptr(GListModel) expected_model = NULL;
  g_autofree char *got = NULL;
  g_autofree char *expected = NULL;
  GListModel *reference;

  g_assert_cmpuint (m->mirror->len, ==, g_list_model_get_n_items (m->model));
  for (guint i = 0; i < m->mirror->len; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (m->model, i);
      g_assert_true (item == m->mirror->pdata[i]);
    }

  if (list_id != NULL)
    {
      expected_model = cairn_pool_get_todos (fresh, list_id);
      cairn_todo_model_set_show_completed (expected_model, show_completed);
      reference = expected_model;
    }
  else if (g_list_model_get_item_type (m->model) == CAIRN_TYPE_LIST)
    reference = cairn_pool_get_lists (fresh);
  else
    reference = cairn_pool_get_notes (fresh);
  got = describe (m->model);
  expected = describe (reference);
  g_assert_cmpstr (got, ==, expected);
}

static const char *
pick (GPtrArray *ids, GRand *rand)
{
  return ids->len ? ids->pdata[g_rand_int_range (rand, 0, ids->len)] : NULL;
}

static void
test_random (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) remote = open_store (f, "remote.db");
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) todos = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) mirrors = g_ptr_array_new_with_free_func ((GDestroyNotify)mirror_free);
  g_autoptr(GPtrArray) mirror_lists = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) mirror_show = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_autoptr(GRand) rand = NULL;
  const char *seed_env = g_getenv ("CAIRN_TEST_SEED");
  guint32 seed = seed_env != NULL ? (guint32)g_ascii_strtoull (seed_env, NULL, 10)
                                  : (guint32)g_test_rand_int ();
  gint64 next_seq = 1;
  guint n_ops = g_test_slow () ? 3000 : 400;

  /* A second pool that never reads a whole list: its todos' subtask
   * counts are read one todo at a time, then followed. */
  g_autoptr(CairnPool) by_id = cairn_pool_new (f->store);

  g_test_message ("seed %u (replay with CAIRN_TEST_SEED=%u)", seed, seed);
  rand = g_rand_new_with_seed (seed);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *title = g_strdup_printf ("list %u", i);
      g_ptr_array_add (lists, new_list (f, title));
    }
  g_ptr_array_add (mirrors, mirror_new (cairn_pool_get_lists (f->pool)));
  g_ptr_array_add (mirror_lists, NULL);
  g_array_append_val (mirror_show, (gboolean){ TRUE });
  g_ptr_array_add (mirrors, mirror_new (cairn_pool_get_notes (f->pool)));
  g_ptr_array_add (mirror_lists, NULL);
  g_array_append_val (mirror_show, (gboolean){ TRUE });
  for (guint i = 0; i < lists->len; i++)
    for (guint show = 0; show < 2; show++)
      {
        g_autoptr(GListModel) model = cairn_pool_get_todos (f->pool, lists->pdata[i]);
        gboolean s = show;

        cairn_todo_model_set_show_completed (model, s);
        g_ptr_array_add (mirrors, mirror_new (model));
        g_ptr_array_add (mirror_lists, g_strdup (lists->pdata[i]));
        g_array_append_val (mirror_show, s);
      }

  for (guint op = 0; op < n_ops; op++)
    {
      guint kind = g_rand_int_range (rand, 0, 100);
      const char *todo = pick (todos, rand);
      const char *list = pick (lists, rand);
      char *id = NULL;

      /* Mostly local changes, now and then a remote batch or a rebuild. */
      if (kind < 25 || todo == NULL)
        {
          const char *anchor = g_rand_boolean (rand) ? pick (todos, rand) : NULL;
          g_autofree char *anchor_list = NULL;

          if (anchor != NULL && cairn_pool_lookup_todo (f->pool, anchor) != NULL)
            anchor_list = g_strdup (cairn_todo_get_list_id (cairn_pool_lookup_todo (f->pool, anchor)));
          id = cairn_store_create_todo (f->store, anchor_list ? anchor_list : list, "t",
                                        anchor_list ? anchor : NULL, NULL, &error);
          g_ptr_array_add (todos, id);
        }
      else if (kind < 40)
        {
          g_autofree char *title = g_strdup_printf ("t%u", op);
          cairn_store_rename_todo (f->store, todo, title, &error);
        }
      else if (kind < 55)
        cairn_store_set_todo_done (f->store, todo, g_rand_boolean (rand), &error);
      else if (kind < 70)
        {
          const char *anchor = pick (todos, rand);
          CairnTodo *a = cairn_pool_lookup_todo (f->pool, anchor);

          if (a != NULL && g_strcmp0 (anchor, todo) != 0)
            cairn_store_move_todo (f->store, todo, cairn_todo_get_list_id (a),
                                   g_rand_boolean (rand) ? anchor : NULL,
                                   NULL, &error);
          else
            cairn_store_move_todo (f->store, todo, list, NULL, NULL, &error);
        }
      else if (kind < 78)
        cairn_store_delete_todo (f->store, todo, &error);
      else if (kind < 84)
        cairn_store_restore_todo (f->store, todo, &error);
      else if (kind < 88)
        {
          g_autofree char *title = g_strdup_printf ("l%u", op);
          cairn_store_rename_list (f->store, list, title, &error);
        }
      else if (kind < 90)
        cairn_store_move_list (f->store, list, NULL, NULL, &error);
      else if (kind < 93)
        {
          guint how = g_rand_int_range (rand, 0, 3);

          if (how == 0 || notes->len == 0)
            g_ptr_array_add (notes, cairn_store_create_note (f->store, "n", &error));
          else if (how == 1)
            cairn_store_delete_note (f->store, pick (notes, rand), &error);
          else
            type_at_start (f->store, pick (notes, rand), op, &error);
        }
      else if (kind < 98)
        {
          /* A remote device renames, completes and moves: server order puts
           * its events before our pending ones. */
          g_autoptr(GPtrArray) batch = NULL;

          /* The remote knows only confirmed todos: skip the others. */
          if (!cairn_store_rename_todo (remote, todo, "remote", &error) ||
              !cairn_store_set_todo_done (remote, todo, TRUE, &error))
            {
              g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND);
              g_clear_error (&error);
            }
          batch = take_as_server (remote, next_seq);
          if (batch->len > 0)
            {
              cairn_store_rebase (f->store, batch, NULL, &error);
              g_assert_no_error (error);
              cairn_store_rebase (remote, batch, NULL, &error);
              g_assert_no_error (error);
              next_seq += batch->len;
            }
        }
      else
        cairn_store_rebuild (f->store, &error);
      /* Changing a deleted or unknown object is refused, changing nothing. */
      if (g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND))
        g_clear_error (&error);
      g_assert_no_error (error);

      /* Keep the remote in step with what we did, as the server would:
       * our pending events, confirmed after the remote's. */
      if (kind >= 93 && kind < 98)
        {
          g_autoptr(GPtrArray) mine = take_as_server (f->store, next_seq);

          if (mine->len > 0)
            {
              cairn_store_rebase (f->store, mine, NULL, &error);
              g_assert_no_error (error);
              cairn_store_rebase (remote, mine, NULL, &error);
              g_assert_no_error (error);
              next_seq += mine->len;
            }
        }

      /* Now and then a view flips "show completed". */
      if (op % 37 == 36)
        {
          guint m = 2 + g_rand_int_range (rand, 0, mirrors->len - 2);
          gboolean *show = &g_array_index (mirror_show, gboolean, m);

          *show = !*show;
          cairn_todo_model_set_show_completed (((Mirror *)mirrors->pdata[m])->model, *show);
        }

      if (op % 20 == 19 || op == n_ops - 1)
        {
          g_autoptr(CairnPool) fresh = cairn_pool_new (f->store);

          for (guint m = 0; m < mirrors->len; m++)
            check_mirror (mirrors->pdata[m], fresh, mirror_lists->pdata[m],
                          g_array_index (mirror_show, gboolean, m));
        }
      else
        for (guint m = 0; m < mirrors->len; m++)
          {
            Mirror *mm = mirrors->pdata[m];
            g_assert_cmpuint (mm->mirror->len, ==, g_list_model_get_n_items (mm->model));
          }
    }

  g_test_message ("%u todos, %u notes, head %" G_GINT64_FORMAT ", %u pending",
                  todos->len, notes->len, cairn_store_get_head (f->store),
                  cairn_store_get_pending_count (f->store));
  /* The run did reach the server path. */
  g_assert_cmpint (cairn_store_get_head (f->store), >, 0);
}

static void
drop_other_model (GListModel *model, guint pos, guint removed, guint added, GListModel **other)
{
  g_clear_object (other);
}

/* A handler may drop the last reference to another model of the same list
 * while the pool emits; the pool must not touch it afterwards. */
static void
test_drop_model_in_handler (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = new_list (f, "L");
  g_autofree char *a = new_todo (f, list, "a");
  g_autofree char *b = NULL;
  g_autoptr(GListModel) first = cairn_pool_get_todos (f->pool, list);
  GListModel *second = cairn_pool_get_todos (f->pool, list);
  GListModel *third = cairn_pool_get_todos (f->pool, list);

  g_signal_connect (first, "items-changed", G_CALLBACK (drop_other_model), &second);
  g_signal_connect (third, "items-changed", G_CALLBACK (drop_other_model), &third);
  b = new_todo (f, list, "b");
  g_assert_null (second);
  g_assert_null (third);
  assert_titles (first, "a b");
  cairn_store_delete_todo (f->store, a, &error);
  g_assert_no_error (error);
  assert_titles (first, "b");

  /* The only model of a list drops itself. */
  {
    g_autofree char *l2 = new_list (f, "M");
    g_autofree char *c = NULL;
    GListModel *only = cairn_pool_get_todos (f->pool, l2);

    g_signal_connect (only, "items-changed", G_CALLBACK (drop_other_model), &only);
    c = new_todo (f, l2, "c");
    g_assert_null (only);
    cairn_store_rename_todo (f->store, c, "C", &error);
    g_assert_no_error (error);
  }
}

/* Todos are read per list when a model of it is first asked for; changes
 * to lists never shown make no objects and no signals, and are seen once
 * the list is opened; a todo looked up by id is followed like any other. */
static void
test_lazy_lists (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *l1 = new_list (f, "One");
  g_autofree char *l2 = new_list (f, "Two");
  g_autofree char *a = new_todo (f, l1, "a");
  g_autofree char *b = new_todo (f, l2, "b");
  g_autoptr(CairnPool) pool = cairn_pool_new (f->store);
  g_autoptr(GListModel) one = NULL;
  g_autoptr(GListModel) two = NULL;
  g_autofree char *c = NULL;
  CairnTodo *tb;

  /* Lists are there at once; list Two's todos load when asked for. */
  assert_titles (cairn_pool_get_lists (pool), "One Two");
  one = cairn_pool_get_todos (pool, l1);
  assert_titles (one, "a");
  watch_model (&f->rec, one, "one");

  /* Changes in list Two, not open: nothing to tell anyone. */
  c = new_todo (f, l2, "c");
  cairn_store_rename_todo (f->store, b, "B", &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " |");

  /* A todo of list Two by id: the right values, then followed. */
  tb = cairn_pool_lookup_todo (pool, b);
  g_assert_nonnull (tb);
  g_assert_cmpstr (cairn_todo_get_title (tb), ==, "B");
  g_assert_cmpstr (cairn_todo_get_list_id (tb), ==, l2);
  g_assert_true (cairn_pool_lookup_todo (pool, b) == tb);
  watch_object (&f->rec, tb, "b");
  cairn_store_set_todo_done (f->store, b, TRUE, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " | b.done");

  /* Opening list Two shows what happened meanwhile, with that object. */
  two = cairn_pool_get_todos (pool, l2);
  assert_titles (two, "B c");
  g_assert_true (todo_at (two, 0) == tb);
  watch_model (&f->rec, two, "two");

  /* A move from the loaded list One into Two. */
  cairn_store_move_todo (f->store, a, l2, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_titles (one, "");
  assert_titles (two, "B c a");
  g_assert_null (cairn_pool_lookup_todo (pool, "01890000-0000-7000-8000-000000000000"));

  /* Rebuild keeps the loaded todos, and their identity. */
  g_assert_true (cairn_store_rebuild (f->store, &error));
  g_assert_no_error (error);
  assert_titles (two, "B c a");
  g_assert_true (todo_at (two, 0) == tb);
}

/* Names of a model's tags, space-separated. */
static char *
tag_names (GListModel *model)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(CairnTag) tag = g_list_model_get_item (model, i);

      g_string_append_printf (out, "%s%s", i ? " " : "", cairn_tag_get_name (tag));
    }
  return g_string_free (out, FALSE);
}

#define assert_titles_of_tags(model, expected) G_STMT_START {  \
    g_autofree char *got__ = tag_names (model);                 \
    g_assert_cmpstr (got__, ==, expected);                      \
  } G_STMT_END

/* The tags model (by name) and a todo's priority and tags follow commits
 * with exactly the signals they imply; a rebuild changes nothing. */
static void
test_tags (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) todos = NULL;
  g_autofree char *list = NULL, *work = NULL, *home = NULL;
  GListModel *tags = cairn_pool_get_tags (f->pool);
  CairnTodo *a;
  char *ids[5];

  list = make_abcde (f, &todos, ids);
  a = cairn_pool_lookup_todo (f->pool, ids[0]);
  g_assert_cmpstr (cairn_todo_get_priority (a), ==, "none");
  g_assert_null (cairn_todo_get_tag_ids (a)[0]);
  watch_model (&f->rec, tags, "tags");
  watch_model (&f->rec, todos, "todos");
  watch_object (&f->rec, a, "a");

  work = cairn_store_create_tag (f->store, "Work", "blue", &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "tags(0,0,1) |");
  home = cairn_store_create_tag (f->store, "Home", "green", &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, "tags(0,0,1) |");
  watch_object (&f->rec, cairn_pool_lookup_tag (f->pool, work), "W");
  watch_object (&f->rec, cairn_pool_lookup_tag (f->pool, home), "H");
  assert_titles_of_tags (tags, "Home Work");

  /* a rename moves it to its new place; a colour only notifies */
  g_assert_true (cairn_store_rename_tag (f->store, work, "Art", &error));
  assert_signals (&f->rec, "tags(1,1,0) tags(0,0,1) | W.name");
  assert_titles_of_tags (tags, "Art Home");
  g_assert_true (cairn_store_recolor_tag (f->store, home, "red", &error));
  assert_signals (&f->rec, " | H.color");
  g_assert_cmpstr (cairn_tag_get_color (cairn_pool_lookup_tag (f->pool, home)), ==, "red");

  /* a todo's priority and tags: one notification each, no row moves */
  g_assert_true (cairn_store_set_todo_priority (f->store, ids[0], "high", &error));
  assert_signals (&f->rec, " | a.priority");
  g_assert_true (cairn_store_set_todo_tagged (f->store, ids[0], home, TRUE, &error));
  assert_signals (&f->rec, " | a.tag-ids");
  g_assert_true (cairn_store_set_todo_tagged (f->store, ids[0], work, TRUE, &error));
  assert_signals (&f->rec, " | a.tag-ids");
  g_assert_cmpstr (cairn_todo_get_tag_ids (a)[0], ==, work);   /* by name: Art, Home */
  g_assert_cmpstr (cairn_todo_get_tag_ids (a)[1], ==, home);
  g_assert_no_error (error);

  /* a rebuild keeps everything as it is */
  g_assert_true (cairn_store_rebuild (f->store, &error));
  g_assert_no_error (error);
  assert_signals (&f->rec, " |");

  /* deleting a tag takes it out of the model and off the todo */
  g_assert_true (cairn_store_delete_tag (f->store, home, &error));
  g_assert_no_error (error);
  assert_signals (&f->rec, "tags(1,1,0) | a.tag-ids");
  g_assert_cmpstr (cairn_todo_get_tag_ids (a)[0], ==, work);
  g_assert_null (cairn_todo_get_tag_ids (a)[1]);
  g_assert_null (cairn_pool_lookup_tag (f->pool, home));
  free_ids (ids);
}

/* The Tag view: every live todo with the tag, from every list (one never
 * loaded), oldest first, changed only by the todos that change. */
/* A tag view's titles, sorted (its order is by id, which the test does
 * not choose), and its order checked to be by id. */
static char *
view_titles (GListModel *model)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(CairnTodo) todo = g_list_model_get_item (model, i);

      if (i > 0)
        {
          g_autoptr(CairnTodo) prev = g_list_model_get_item (model, i - 1);
          g_assert_cmpstr (cairn_todo_get_id (prev), <, cairn_todo_get_id (todo));
        }
      g_ptr_array_add (names, g_strdup (cairn_todo_get_title (todo)));
    }
  g_ptr_array_sort (names, compare_str);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (out, "%s%s", i ? " " : "", (char *) names->pdata[i]);
  return g_string_free (out, FALSE);
}

#define assert_view(model, expected) G_STMT_START {  \
    g_autofree char *got__ = view_titles (model);     \
    g_assert_cmpstr (got__, ==, expected);            \
  } G_STMT_END

/* The signals, with the positions (which depend on the ids) left out. */
static char *
rec_take_counts (Recorder *rec)
{
  g_autofree char *all = rec_take (rec);
  g_autoptr(GRegex) re = g_regex_new ("\\(\\d+,", 0, 0, NULL);

  return g_regex_replace_literal (re, all, -1, 0, "(", 0, NULL);
}

#define assert_counts(rec, expected) G_STMT_START {   \
    g_autofree char *got__ = rec_take_counts (rec);    \
    g_assert_cmpstr (got__, ==, expected);             \
  } G_STMT_END

static void
test_tag_view (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) view = NULL;
  g_autoptr(GListModel) other_view = NULL;
  g_autofree char *l1 = new_list (f, "L1");
  g_autofree char *l2 = new_list (f, "L2");
  g_autofree char *a = new_todo (f, l1, "a");
  g_autofree char *b = new_todo (f, l2, "b");
  g_autofree char *c = new_todo (f, l2, "c");
  g_autofree char *work = cairn_store_create_tag (f->store, "Work", NULL, &error);
  g_autofree char *home = cairn_store_create_tag (f->store, "Home", NULL, &error);

  g_assert_no_error (error);
  g_assert_true (cairn_store_set_todo_tagged (f->store, c, work, TRUE, &error));
  g_assert_true (cairn_store_set_todo_tagged (f->store, a, work, TRUE, &error));
  g_assert_no_error (error);

  view = cairn_pool_get_tagged_todos (f->pool, work);
  other_view = cairn_pool_get_tagged_todos (f->pool, home);
  assert_view (view, "a c");
  assert_view (other_view, "");
  watch_model (&f->rec, view, "work");
  watch_model (&f->rec, other_view, "home");

  /* b, of a list no model has loaded, enters when tagged */
  g_assert_true (cairn_store_set_todo_tagged (f->store, b, work, TRUE, &error));
  assert_counts (&f->rec, "work(0,1) |");
  assert_view (view, "a b c");
  /* a rename is a notification, no row moves */
  watch_object (&f->rec, cairn_pool_lookup_todo (f->pool, b), "b");
  g_assert_true (cairn_store_rename_todo (f->store, b, "B", &error));
  assert_counts (&f->rec, " | b.title");
  /* untagged, deleted: it leaves; restored: back */
  g_assert_true (cairn_store_set_todo_tagged (f->store, a, work, FALSE, &error));
  assert_counts (&f->rec, "work(1,0) |");
  g_assert_true (cairn_store_delete_todo (f->store, c, &error));
  assert_counts (&f->rec, "work(1,0) |");
  g_assert_true (cairn_store_restore_todo (f->store, c, &error));
  assert_counts (&f->rec, "work(0,1) |");
  g_assert_true (cairn_store_set_todo_tagged (f->store, c, home, TRUE, &error));
  assert_counts (&f->rec, "home(0,1) |");
  assert_view (other_view, "c");

  /* a rebuild changes nothing; deleting the tag empties its view */
  g_assert_true (cairn_store_rebuild (f->store, &error));
  assert_counts (&f->rec, " |");
  g_assert_true (cairn_store_delete_tag (f->store, work, &error));
  g_assert_no_error (error);
  assert_counts (&f->rec, "work(1,0) work(1,0) | b.tag-ids");
  assert_view (view, "");
  assert_view (other_view, "c");
}

/* ---- the tree models: top level of a list, children of a todo ---- */

static char *
new_subtask (Fixture *f, const char *list_id, const char *parent, const char *title)
{
  g_autoptr(GError) error = NULL;
  char *id = cairn_store_create_subtask (f->store, list_id, parent, title, NULL, NULL, &error);

  g_assert_no_error (error);
  return id;
}

static void
test_subtask_models (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = new_list (f, "L");
  g_autofree char *l2 = new_list (f, "M");
  g_autofree char *a = new_todo (f, list, "a");
  g_autofree char *b = new_todo (f, list, "b");
  g_autofree char *a1 = new_subtask (f, list, a, "a1");
  g_autofree char *a2 = new_subtask (f, list, a, "a2");
  g_autofree char *a11 = new_subtask (f, list, a1, "a11");
  g_autoptr(GListModel) top = cairn_pool_get_top_todos (f->pool, list);
  g_autoptr(GListModel) all = cairn_pool_get_todos (f->pool, list);
  g_autoptr(GListModel) of_a = cairn_pool_get_subtasks (f->pool, a);
  g_autoptr(GListModel) of_b = cairn_pool_get_subtasks (f->pool, b);
  g_autoptr(GListModel) of_a1 = cairn_pool_get_subtasks (f->pool, a1);
  g_autoptr(GListModel) of_a11 = cairn_pool_get_subtasks (f->pool, a11);
  g_autoptr(GListModel) of_nothing = cairn_pool_get_subtasks (f->pool, "01890000-0000-7000-8000-000000000000");

  assert_titles (top, "a b");
  assert_titles (of_a, "a1 a2");
  assert_titles (of_a1, "a11");
  assert_titles (of_b, "");
  assert_titles (of_a11, "");
  assert_titles (of_nothing, "");
  g_assert_cmpuint (g_list_model_get_n_items (all), ==, 5);
  g_assert_true (g_list_model_get_item_type (of_a) == CAIRN_TYPE_TODO);

  watch_model (&f->rec, top, "top");
  watch_model (&f->rec, of_a, "a");
  watch_model (&f->rec, of_b, "b");
  watch_model (&f->rec, of_a1, "a1");

  /* Reordered among its siblings: only its parent's model moves it. */
  g_assert_true (cairn_store_move_todo (f->store, a2, NULL, a1, NULL, &error));
  g_assert_no_error (error);
  assert_signals (&f->rec, "a(1,1,0) a(0,0,1) |");
  assert_titles (of_a, "a2 a1");

  /* Under another parent, with its subtree: out of one, into the other
   * (a todo with no child before gets one: it is announced again where
   * it is, so that a tree asks for its children). */
  g_assert_true (cairn_store_move_todo_under (f->store, a1, NULL, b, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_signals (&f->rec, "a(1,1,0) b(0,0,1) top(1,1,1) |");
  assert_titles (of_a, "a2");
  assert_titles (of_b, "a1");
  assert_titles (of_a1, "a11");

  /* Outdented to the top level after b (b loses its last child: not
   * announced again, its row stays where it is, only its count says it
   * has none). */
  g_assert_true (cairn_store_move_todo_under (f->store, a1, NULL, NULL, NULL, b, &error));
  g_assert_no_error (error);
  assert_signals (&f->rec, "b(0,1,0) top(2,0,1) |");
  {
    g_autoptr(CairnTodo) now_b = g_list_model_get_item (top, 1);

    g_assert_cmpstr (cairn_todo_get_title (now_b), ==, "b");
    g_assert_cmpuint (cairn_todo_get_n_subtasks (now_b), ==, 0);
  }
  assert_titles (top, "a b a1");

  /* A new subtask, a cycle refused (nothing changes). */
  {
    g_autofree char *b1 = new_subtask (f, list, b, "b1");

    assert_signals (&f->rec, "b(0,0,1) top(1,1,1) |");
  }
  g_assert_false (cairn_store_move_todo_under (f->store, a1, NULL, a11, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  assert_titles (top, "a b a1");
  assert_titles (of_a1, "a11");
  g_free (rec_take (&f->rec));

  /* Completed children hidden and shown again. */
  g_assert_true (cairn_store_set_todo_done (f->store, a11, TRUE, &error));
  g_assert_no_error (error);
  g_free (rec_take (&f->rec));
  cairn_todo_model_set_show_completed (of_a1, FALSE);
  assert_titles (of_a1, "");
  cairn_todo_model_set_show_completed (of_a1, TRUE);
  assert_titles (of_a1, "a11");
  g_free (rec_take (&f->rec));

  /* The parent goes to another list: its children model follows it. */
  g_assert_true (cairn_store_move_todo_under (f->store, a1, NULL, a, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (cairn_store_move_todo (f->store, a, l2, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_titles (top, "b");
  assert_titles (of_a, "a2 a1");
  assert_titles (of_a1, "a11");
  g_assert_true (cairn_store_move_todo_under (f->store, a2, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_titles (of_a, "a1");

  /* Deleted with its parent, restored with it. */
  g_free (rec_take (&f->rec));
  g_assert_true (cairn_store_delete_todo (f->store, a, &error));
  g_assert_no_error (error);
  assert_titles (of_a, "");
  assert_titles (of_a1, "");
  g_assert_true (cairn_store_restore_todo (f->store, a, &error));
  g_assert_no_error (error);
  assert_titles (of_a, "a1");
  assert_titles (of_a1, "a11");

  /* A rebuild reads them all again and tells nothing new. */
  g_free (rec_take (&f->rec));
  cairn_store_rebuild (f->store, &error);
  g_assert_no_error (error);
  assert_signals (&f->rec, " |");
  assert_titles (of_a, "a1");
}

/* Subtask counts: read for a todo of a list not loaded, followed on
 * each change of a child (notified only when they change), the same
 * when the list is loaded, and unchanged (no notification) by a rebuild. */
static void
test_subtask_counts (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = new_list (f, "L");
  g_autofree char *a = new_todo (f, list, "a");
  g_autofree char *b = new_todo (f, list, "b");
  g_autofree char *a1 = new_subtask (f, list, a, "a1");
  g_autofree char *a2 = new_subtask (f, list, a, "a2");
  g_autoptr(GListModel) top = NULL;
  CairnTodo *ta, *tb;

  /* The list is not loaded: a is read alone, its counts when asked. */
  ta = cairn_pool_lookup_todo (f->pool, a);
  g_assert_cmpuint (cairn_todo_get_n_subtasks (ta), ==, 2);
  g_assert_cmpuint (cairn_todo_get_n_subtasks_done (ta), ==, 0);
  watch_object (&f->rec, ta, "a");

  g_assert_true (cairn_store_set_todo_done (f->store, a1, TRUE, &error));
  g_assert_no_error (error);
  assert_signals (&f->rec, " | a.n-subtasks-done");
  g_assert_cmpuint (cairn_todo_get_n_subtasks_done (ta), ==, 1);

  /* A rename of a child changes no count: no notification. */
  g_assert_true (cairn_store_rename_todo (f->store, a2, "A2", &error));
  assert_signals (&f->rec, " |");

  /* Moved under b: a counts one fewer; b, asked for, one. */
  g_assert_true (cairn_store_move_todo_under (f->store, a2, NULL, b, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_signals (&f->rec, " | a.n-subtasks");
  g_assert_cmpuint (cairn_todo_get_n_subtasks (ta), ==, 1);
  tb = cairn_pool_lookup_todo (f->pool, b);
  g_assert_cmpuint (cairn_todo_get_n_subtasks (tb), ==, 1);
  watch_object (&f->rec, tb, "b");

  /* Deleted and restored: out of the count and back. */
  g_assert_true (cairn_store_delete_todo (f->store, a1, &error));
  g_assert_no_error (error);
  assert_signals (&f->rec, " | a.n-subtasks a.n-subtasks-done");
  g_assert_cmpuint (cairn_todo_get_n_subtasks (ta), ==, 0);
  g_assert_true (cairn_store_restore_todo (f->store, a1, &error));
  g_assert_no_error (error);
  assert_signals (&f->rec, " | a.n-subtasks a.n-subtasks-done");
  g_assert_cmpuint (cairn_todo_get_n_subtasks (ta), ==, 1);
  g_assert_cmpuint (cairn_todo_get_n_subtasks_done (ta), ==, 1);

  /* The list loaded (counted in one pass): the same counts, no
   * notification; a new subtask of a todo that had none is counted. */
  top = cairn_pool_get_top_todos (f->pool, list);
  assert_titles (top, "a b");
  assert_signals (&f->rec, " |");
  g_free (new_subtask (f, list, b, "b2"));
  assert_signals (&f->rec, " | b.n-subtasks");
  g_assert_cmpuint (cairn_todo_get_n_subtasks (tb), ==, 2);

  /* A rebuild (a reset of the pool) changes nothing. */
  g_assert_true (cairn_store_rebuild (f->store, &error));
  g_assert_no_error (error);
  assert_signals (&f->rec, " |");
  g_assert_cmpuint (cairn_todo_get_n_subtasks (ta), ==, 1);
  g_assert_cmpuint (cairn_todo_get_n_subtasks (tb), ==, 2);
}

/* A todo's neighbours among its siblings, completed ones included, read
 * from the index: top level and subtasks, the ends of a list. */
static void
test_todo_neighbours (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = new_list (f, "L");
  g_autofree char *other = new_list (f, "M");
  g_autofree char *a = new_todo (f, list, "a");
  g_autofree char *b = new_todo (f, list, "b");
  g_autofree char *c = new_todo (f, list, "c");
  g_autofree char *elsewhere = new_todo (f, other, "x");
  g_autofree char *b1 = new_subtask (f, list, b, "b1");
  g_autofree char *b2 = new_subtask (f, list, b, "b2");
  struct { const char *id, *before, *after; } want[] = {
    { a, NULL, b }, { b, a, c }, { c, b, NULL }, { b1, NULL, b2 }, { b2, b1, NULL },
    { elsewhere, NULL, NULL },
  };

  g_assert_true (cairn_store_set_todo_done (f->store, a, TRUE, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      g_autofree char *before = NULL;
      g_autofree char *after = NULL;

      cairn_pool_find_todo_neighbours (f->pool, cairn_pool_lookup_todo (f->pool, want[i].id),
                                       &before, &after);
      g_assert_cmpstr (before, ==, want[i].before);
      g_assert_cmpstr (after, ==, want[i].after);
    }
  /* Deleted: no longer anyone's neighbour. */
  g_assert_true (cairn_store_delete_todo (f->store, b, &error));
  {
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;

    cairn_pool_find_todo_neighbours (f->pool, cairn_pool_lookup_todo (f->pool, c), &before, &after);
    g_assert_cmpstr (before, ==, a);
    g_assert_null (after);
  }
}

/* Another device's move under a parent arrives by rebase. */
static void
test_subtask_models_rebase (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) remote = open_store (f, "b.db");
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GPtrArray) batch2 = NULL;
  g_autoptr(GListModel) top = NULL;
  g_autoptr(GListModel) of_x = NULL;
  g_autofree char *list = NULL;
  g_autofree char *x = NULL;
  g_autofree char *y = NULL;

  list = cairn_store_create_list (remote, "Shared", &error);
  x = cairn_store_create_todo (remote, list, "x", NULL, NULL, &error);
  y = cairn_store_create_todo (remote, list, "y", NULL, NULL, &error);
  g_assert_no_error (error);
  batch = take_as_server (remote, 1);
  cairn_store_rebase (f->store, batch, "h1", &error);
  g_assert_no_error (error);
  cairn_store_rebase (remote, batch, "h1", &error);
  g_assert_no_error (error);

  top = cairn_pool_get_top_todos (f->pool, list);
  of_x = cairn_pool_get_subtasks (f->pool, x);
  assert_titles (top, "x y");
  assert_titles (of_x, "");
  watch_model (&f->rec, top, "top");
  watch_model (&f->rec, of_x, "x");

  g_assert_true (cairn_store_move_todo_under (remote, y, NULL, x, NULL, NULL, &error));
  g_assert_no_error (error);
  batch2 = take_as_server (remote, 4);
  cairn_store_rebase (f->store, batch2, NULL, &error);
  g_assert_no_error (error);
  /* x, with its first child, is announced again in the top level. */
  assert_signals (&f->rec, "top(1,1,0) x(0,0,1) top(0,1,1) |");
  assert_titles (top, "x");
  assert_titles (of_x, "y");
  g_assert_cmpuint (cairn_todo_get_n_subtasks (cairn_pool_lookup_todo (f->pool, x)), ==, 1);
}

/* Random subtask moves, creations, deletions and restores, locally and
 * by rebase: every top-level and children model, replayed from its
 * items-changed alone, equals a fresh pool's. */
static void
check_tree_mirror (Mirror *m, GListModel *reference)
{
  g_autofree char *got = NULL;
  g_autofree char *expected = NULL;

  g_assert_cmpuint (m->mirror->len, ==, g_list_model_get_n_items (m->model));
  for (guint i = 0; i < m->mirror->len; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (m->model, i);
      g_assert_true (item == m->mirror->pdata[i]);
    }
  got = describe (m->model);
  expected = describe (reference);
  g_assert_cmpstr (got, ==, expected);
}

static void
test_random_tree (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) remote = open_store (f, "remote.db");
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) todos = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) tops = g_ptr_array_new_with_free_func ((GDestroyNotify)mirror_free);
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func ((GDestroyNotify)mirror_free);
  g_autoptr(GRand) rand = NULL;
  const char *seed_env = g_getenv ("CAIRN_TEST_SEED");
  guint32 seed = seed_env != NULL ? (guint32)g_ascii_strtoull (seed_env, NULL, 10)
                                  : (guint32)g_test_rand_int ();
  gint64 next_seq = 1;
  guint n_ops = g_test_slow () ? 2000 : 300;

  /* A second pool that never reads a whole list: its todos' subtask
   * counts are read one todo at a time, then followed. */
  g_autoptr(CairnPool) by_id = cairn_pool_new (f->store);

  g_test_message ("seed %u (replay with CAIRN_TEST_SEED=%u)", seed, seed);
  rand = g_rand_new_with_seed (seed);

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *title = g_strdup_printf ("list %u", i);
      g_autoptr(GListModel) top = NULL;

      g_ptr_array_add (lists, new_list (f, title));
      top = cairn_pool_get_top_todos (f->pool, lists->pdata[i]);
      g_ptr_array_add (tops, mirror_new (top));
    }

  for (guint op = 0; op < n_ops; op++)
    {
      guint kind = g_rand_int_range (rand, 0, 100);
      const char *todo = pick (todos, rand);
      const char *other = pick (todos, rand);
      const char *list = pick (lists, rand);

      if (kind < 30 || todo == NULL)
        {
          CairnTodo *parent = other != NULL ? cairn_pool_lookup_todo (f->pool, other) : NULL;
          char *id;

          if (parent != NULL && g_rand_boolean (rand))
            id = cairn_store_create_subtask (f->store, cairn_todo_get_list_id (parent), other, "s",
                                             NULL, NULL, &error);
          else
            id = cairn_store_create_todo (f->store, list, "t", NULL, NULL, &error);
          g_assert_no_error (error);
          g_ptr_array_add (todos, id);
          /* A children model of every todo, made as it is created (and
           * so also of todos that never get any). */
          {
            g_autoptr(GListModel) model = cairn_pool_get_subtasks (f->pool, id);
            Mirror *m = mirror_new (model);

            g_object_set_data_full (G_OBJECT (m->model), "parent", g_strdup (id), g_free);
            g_ptr_array_add (children, m);
          }
        }
      else if (kind < 55)
        {
          CairnTodo *parent = other != NULL ? cairn_pool_lookup_todo (f->pool, other) : NULL;

          /* Under another todo (a cycle is refused), or to a top level. */
          if (parent != NULL && g_rand_int_range (rand, 0, 3) > 0)
            cairn_store_move_todo_under (f->store, todo, NULL, other, NULL, NULL, &error);
          else
            cairn_store_move_todo_under (f->store, todo, list, NULL, NULL, NULL, &error);
          g_clear_error (&error);
        }
      else if (kind < 65)
        {
          CairnTodo *sibling = other != NULL ? cairn_pool_lookup_todo (f->pool, other) : NULL;

          if (sibling != NULL && g_strcmp0 (other, todo) != 0)
            cairn_store_move_todo_under (f->store, todo, NULL, cairn_todo_get_parent_id (sibling),
                                         g_rand_boolean (rand) ? other : NULL, NULL, &error);
          g_clear_error (&error);
        }
      else if (kind < 73)
        {
          cairn_store_delete_todo (f->store, todo, &error);
          g_clear_error (&error);
        }
      else if (kind < 81)
        {
          cairn_store_restore_todo (f->store, todo, &error);
          g_clear_error (&error);
        }
      else if (kind < 88)
        {
          cairn_store_set_todo_done (f->store, todo, g_rand_boolean (rand), &error);
          g_clear_error (&error);
        }
      else if (kind < 97)
        {
          /* The other device puts one todo under another, first in the
           * server's order. */
          g_autoptr(GPtrArray) mine = take_as_server (f->store, next_seq);
          g_autoptr(GPtrArray) batch = NULL;

          if (mine->len > 0)
            {
              cairn_store_rebase (f->store, mine, NULL, &error);
              g_assert_no_error (error);
              cairn_store_rebase (remote, mine, NULL, &error);
              g_assert_no_error (error);
              next_seq += mine->len;
            }
          if (!cairn_store_move_todo_under (remote, todo, NULL, other, NULL, NULL, &error))
            g_clear_error (&error);
          batch = take_as_server (remote, next_seq);
          if (batch->len > 0)
            {
              cairn_store_rebase (f->store, batch, NULL, &error);
              g_assert_no_error (error);
              cairn_store_rebase (remote, batch, NULL, &error);
              g_assert_no_error (error);
              next_seq += batch->len;
            }
        }
      else
        {
          cairn_store_rebuild (f->store, &error);
          g_assert_no_error (error);
        }

      if (op % 10 == 9 || op + 1 == n_ops)
        {
          g_autoptr(CairnPool) fresh = cairn_pool_new (f->store);

          for (guint i = 0; i < tops->len; i++)
            {
              g_autoptr(GListModel) reference = cairn_pool_get_top_todos (fresh, lists->pdata[i]);

              check_tree_mirror (g_ptr_array_index (tops, i), reference);
            }
          for (guint i = 0; i < children->len; i++)
            {
              Mirror *m = g_ptr_array_index (children, i);
              g_autoptr(GListModel) reference =
                cairn_pool_get_subtasks (fresh, g_object_get_data (G_OBJECT (m->model), "parent"));

              check_tree_mirror (m, reference);
            }
          /* Every todo's subtask counts, as kept since (by each pool),
           * equal those a fresh pool reads. */
          for (guint i = 0; i < todos->len; i++)
            {
              CairnTodo *want = cairn_pool_lookup_todo (fresh, todos->pdata[i]);
              CairnTodo *kept = cairn_pool_lookup_todo (f->pool, todos->pdata[i]);
              CairnTodo *alone = cairn_pool_lookup_todo (by_id, todos->pdata[i]);

              g_assert_true ((want == NULL) == (kept == NULL));
              g_assert_true ((want == NULL) == (alone == NULL));
              if (want == NULL)
                continue;
              g_assert_cmpuint (cairn_todo_get_n_subtasks (kept), ==, cairn_todo_get_n_subtasks (want));
              g_assert_cmpuint (cairn_todo_get_n_subtasks_done (kept), ==,
                                cairn_todo_get_n_subtasks_done (want));
              g_assert_cmpuint (cairn_todo_get_n_subtasks (alone), ==, cairn_todo_get_n_subtasks (want));
              g_assert_cmpuint (cairn_todo_get_n_subtasks_done (alone), ==,
                                cairn_todo_get_n_subtasks_done (want));
            }
        }
    }
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
  ADD ("/pool/note-body", test_note_body);
  ADD ("/pool/rebase", test_rebase);
  ADD ("/pool/rebuild", test_rebuild);
  ADD ("/pool/random", test_random);
  ADD ("/pool/drop-model-in-handler", test_drop_model_in_handler);
  ADD ("/pool/lazy-lists", test_lazy_lists);
  ADD ("/pool/tags", test_tags);
  ADD ("/pool/tag-view", test_tag_view);
  ADD ("/pool/subtask-models", test_subtask_models);
  ADD ("/pool/subtask-models-rebase", test_subtask_models_rebase);
  ADD ("/pool/subtask-counts", test_subtask_counts);
  ADD ("/pool/todo-neighbours", test_todo_neighbours);
  ADD ("/pool/random-tree", test_random_tree);
#undef ADD

  return g_test_run ();
}

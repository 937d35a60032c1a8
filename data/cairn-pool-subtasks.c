/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-pool-subtasks.c: each todo's subtask counts ("n-subtasks",
 * "n-subtasks-done"), kept by the pool so that a row's "2/5" and a
 * tree's question "has it children?" cost nothing.
 *
 * A todo's counts are known once they are asked for (read from the store,
 * each live child then getting its object), or when its list is read
 * (counted in the same pass, for every todo of the list). From then on
 * every live child of a counted todo has an object, so a change of a
 * child always knows its old parent as well as its new one: after each
 * change the counted parents it touched are counted again (one indexed
 * read each; a change of top-level todos touches none). A todo that gains
 * its first child is announced again in the tree models it is in (the
 * list's top-level todos, its parent's children), so that a
 * GtkTreeListModel, which asked once and was told "no children", gives it
 * a children model. One that loses its last child is not: its children
 * model, if a tree holds one, is empty now, and the row shows no arrow
 * (ui/cairn-todo-view.c follows the count). Announcing it would make the
 * tree replace its row, and GTK 4.8's list view then makes a new row
 * widget in the middle of the list, whose new style spreads to every row
 * after it: all ~200 rows styled again, 4-5 ms of a drop that takes a
 * task's last subtask out (BENCHMARKS.md). */
#define G_LOG_DOMAIN "cairn-pool"

#include "config.h"

#include "cairn-pool-private.h"
#include "cairn-store-private.h"

typedef struct
{
  guint n;
  guint done;
} Counts;

void
_cairn_pool_count_subtasks (CairnPool *self,
                            CairnTodo *todo)
{
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0, done = 0;

  g_assert (CAIRN_IS_POOL (self));

  ids = _cairn_store_list_children (self->store, cairn_todo_get_id (todo), FALSE, &error);
  if (ids == NULL)
    {
      /* Counted as none; known, so that a row does not read it again
       * and again; counted again at the next change of a child. */
      g_warning ("Cannot count the subtasks of %s: %s", cairn_todo_get_id (todo), error->message);
    }
  for (guint i = 0; ids != NULL && i < ids->len; i++)
    {
      /* Made and followed from now on: its next change says which
       * parent it leaves. */
      CairnTodo *child = _cairn_pool_obtain_todo (self, ids->pdata[i]);

      if (child == NULL)
        continue;
      n++;
      done += cairn_todo_get_done (child) ? 1 : 0;
    }
  _cairn_todo_set_subtask_counts (todo, n, done);
}

void
_cairn_pool_count_list_subtasks (CairnPool *self,
                                 GPtrArray *todos)
{
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  for (guint i = 0; i < todos->len; i++)
    {
      CairnTodo *todo = todos->pdata[i];
      const char *parent = cairn_todo_get_parent_id (todo);
      Counts *c;

      if (parent == NULL)
        continue;
      if ((c = g_hash_table_lookup (counts, parent)) == NULL)
        g_hash_table_insert (counts, (gpointer) parent, (c = g_new0 (Counts, 1)));
      c->n++;
      c->done += cairn_todo_get_done (todo) ? 1 : 0;
    }
  for (guint i = 0; i < todos->len; i++)
    {
      CairnTodo *todo = todos->pdata[i];
      Counts *c = g_hash_table_lookup (counts, cairn_todo_get_id (todo));

      _cairn_todo_set_subtask_counts (todo, c != NULL ? c->n : 0, c != NULL ? c->done : 0);
    }
}

/* The tree models @todo is in: its list's top-level todos (when it has
 * no parent) or its parent's children. */
static void
touch_in_tree_models (CairnPool *self,
                      CairnTodo *todo)
{
  g_autoptr(GPtrArray) models = NULL;
  const char *parent = cairn_todo_get_parent_id (todo);

  if (parent != NULL)
    models = _cairn_pool_child_models_snapshot (self, parent);
  else
    models = _cairn_pool_todo_models_snapshot (self, cairn_todo_get_list_id (todo));
  for (guint i = 0; i < models->len; i++)
    {
      CairnTodoModel *model = g_ptr_array_index (models, i);

      if (_cairn_todo_model_get_kind (model) != CAIRN_TODO_MODEL_ALL)
        _cairn_row_model_touch (CAIRN_ROW_MODEL (model), todo);
    }
}

void
_cairn_pool_recount_subtasks (CairnPool  *self,
                              GHashTable *parents,
                              GPtrArray  *frozen)
{
  g_autoptr(GPtrArray) touched = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, parents);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      CairnTodo *todo = g_hash_table_lookup (self->todos.live, key);
      gboolean had;

      if (todo == NULL || !_cairn_todo_get_subtasks_known (todo))
        continue;
      had = cairn_todo_get_n_subtasks (todo) > 0;
      /* Its notifications go out with the others', models consistent. */
      g_object_freeze_notify (G_OBJECT (todo));
      g_ptr_array_add (frozen, g_object_ref (todo));
      _cairn_pool_count_subtasks (self, todo);
      if (!had && cairn_todo_get_n_subtasks (todo) > 0)
        g_ptr_array_add (touched, todo);
    }
  for (guint i = 0; i < touched->len; i++)
    touch_in_tree_models (self, touched->pdata[i]);
}

void
_cairn_pool_reload_subtask_counts (CairnPool *self)
{
  g_autoptr(GHashTable) of_list = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                         (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->todos.live);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CairnTodo *todo = value;
      const char *list_id = cairn_todo_get_list_id (todo);
      GPtrArray *todos;

      if (list_id == NULL || !g_hash_table_contains (self->loaded_lists, list_id))
        {
          g_ptr_array_add (others, g_object_ref (todo));
          continue;
        }
      if ((todos = g_hash_table_lookup (of_list, list_id)) == NULL)
        g_hash_table_insert (of_list, (gpointer) list_id, (todos = g_ptr_array_new ()));
      g_ptr_array_add (todos, todo);
    }
  /* A loaded list: counted again in one pass. */
  g_hash_table_iter_init (&iter, of_list);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    _cairn_pool_count_list_subtasks (self, value);
  /* The others are read again when next asked for. */
  for (guint i = 0; i < others->len; i++)
    _cairn_todo_forget_subtask_counts (others->pdata[i]);
}

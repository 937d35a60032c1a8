/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sim-subtasks.c: the simulation's oracle for subtasks.
 *
 * A todo's place (list, parent, position) and whether it is deleted depend
 * on other todos' events (a move carries the subtree, a delete takes it, a
 * move that would make a cycle is a no-op), so "the last device that set
 * the field wins" does not describe them. Instead this file replays the
 * server's log through a small independent model of the rules in
 * docs/events.md ("Subtasks"), written from the rules rather than from the
 * store's code: the last move of a todo in server order that is not a
 * no-op sets its parent, list and position; a delete takes the live
 * subtree; a restore brings back exactly what was deleted with it. The
 * replica must hold exactly the model's values, and its tree must be a
 * forest whose children share their parent's list and whose live todos
 * have live parents.
 */
#include "config.h"

#include <string.h>

#include "sim-subtasks.h"

typedef struct
{
  char    *list;
  char    *parent;
  char    *position;
  char    *gone_with;
  gboolean deleted;
  gboolean ever_deleted;
} MTodo;

struct _SimTree
{
  GHashTable *lists;    /* set */
  GHashTable *todos;    /* id -> MTodo */
  GHashTable *parked;   /* missing id -> GPtrArray of CairnEvent */
};

static void
mtodo_free (MTodo *t)
{
  g_free (t->list);
  g_free (t->parent);
  g_free (t->position);
  g_free (t->gone_with);
  g_free (t);
}

static const char *
arg (const CairnEvent *e,
     const char       *name)
{
  return json_object_get_string_member_with_default (e->args, name, NULL);
}

static const char *
root_of (const char *id,
         MTodo      *t)
{
  return t->gone_with != NULL ? t->gone_with : id;
}

static void apply (SimTree *tree, const CairnEvent *event);

static void
park (SimTree          *tree,
      const char       *target,
      const CairnEvent *event)
{
  GPtrArray *waiting = g_hash_table_lookup (tree->parked, target);

  if (waiting == NULL)
    {
      waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
      g_hash_table_insert (tree->parked, g_strdup (target), waiting);
    }
  g_ptr_array_add (waiting, cairn_event_ref ((CairnEvent *) event));
}

static gint
by_seq (gconstpointer a,
        gconstpointer b)
{
  const CairnEvent *x = *(CairnEvent **) a, *y = *(CairnEvent **) b;

  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
release (SimTree    *tree,
         const char *id)
{
  g_autoptr(GPtrArray) waiting = NULL;
  gpointer key = NULL, value = NULL;

  if (!g_hash_table_steal_extended (tree->parked, id, &key, &value))
    return;
  g_free (key);
  waiting = value;
  g_ptr_array_sort (waiting, by_seq);
  for (guint i = 0; i < waiting->len; i++)
    apply (tree, waiting->pdata[i]);
}

/* The todo and everything below it. */
static GPtrArray *
subtree (SimTree    *tree,
         const char *id)
{
  GPtrArray *ids = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_ptr_array_add (ids, (gpointer) id);
  for (guint i = 0; i < ids->len; i++)
    {
      g_hash_table_iter_init (&iter, tree->todos);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (g_strcmp0 (((MTodo *) value)->parent, ids->pdata[i]) == 0)
          g_ptr_array_add (ids, key);
    }
  return ids;
}

static void
set_deleted (MTodo      *t,
             gboolean    deleted,
             const char *gone_with)
{
  t->deleted = deleted;
  t->ever_deleted |= deleted;
  g_free (t->gone_with);
  t->gone_with = g_strdup (gone_with);
}

static void
apply (SimTree          *tree,
       const CairnEvent *event)
{
  g_autoptr(CairnEvent) e = cairn_event_upcast (event);
  const char *id = arg (e, "todo_id");
  const char *list = arg (e, "list_id");
  const char *parent = arg (e, "parent_id");
  MTodo *t = id != NULL ? g_hash_table_lookup (tree->todos, id) : NULL;
  MTodo *p = parent != NULL ? g_hash_table_lookup (tree->todos, parent) : NULL;

  if (g_str_equal (e->name, "list.created"))
    {
      if (!g_hash_table_contains (tree->lists, list))
        {
          g_hash_table_add (tree->lists, g_strdup (list));
          release (tree, list);
        }
      return;
    }
  if (!g_str_has_prefix (e->name, "todo."))
    return;

  if (g_str_equal (e->name, "todo.created"))
    {
      MTodo *n;

      if (t != NULL || g_strcmp0 (parent, id) == 0)
        return;
      if (!g_hash_table_contains (tree->lists, list))
        return park (tree, list, e);
      if (parent != NULL && p == NULL)
        return park (tree, parent, e);
      n = g_new0 (MTodo, 1);
      n->list = g_strdup (p != NULL ? p->list : list);
      n->parent = g_strdup (parent);
      n->position = g_strdup (arg (e, "position"));
      if (p != NULL && p->deleted)
        set_deleted (n, TRUE, root_of (parent, p));
      g_hash_table_insert (tree->todos, g_strdup (id), n);
      release (tree, id);
      return;
    }

  /* Every other todo event needs its todo. */
  if (t == NULL)
    return park (tree, id, e);

  if (g_str_equal (e->name, "todo.moved"))
    {
      g_autoptr(GPtrArray) sub = NULL;
      g_autofree char *target = NULL;

      if (t->deleted || g_strcmp0 (parent, id) == 0)
        return;
      if (parent != NULL && p == NULL)
        {
          /* it waits for the first missing object: its list, then its parent */
          if (list != NULL && !g_hash_table_contains (tree->lists, list))
            return park (tree, list, e);
          return park (tree, parent, e);
        }
      if (parent == NULL && list != NULL && !g_hash_table_contains (tree->lists, list))
        return park (tree, list, e);
      sub = subtree (tree, id);
      for (guint i = 0; parent != NULL && i < sub->len; i++)
        if (g_str_equal (sub->pdata[i], parent))
          return;   /* a cycle */
      target = g_strdup (p != NULL ? p->list : list != NULL ? list : t->list);
      for (guint i = 0; i < sub->len; i++)
        {
          MTodo *s = g_hash_table_lookup (tree->todos, sub->pdata[i]);

          g_free (s->list);
          s->list = g_strdup (target);
        }
      g_free (t->parent);
      t->parent = g_strdup (parent);
      g_free (t->position);
      t->position = g_strdup (arg (e, "position"));
      if (p != NULL && p->deleted)
        {
          g_autofree char *root = g_strdup (root_of (parent, p));

          for (guint i = 0; i < sub->len; i++)
            {
              MTodo *s = g_hash_table_lookup (tree->todos, sub->pdata[i]);

              if (!s->deleted)
                set_deleted (s, TRUE, root);
            }
        }
      return;
    }

  if (g_str_equal (e->name, "todo.deleted"))
    {
      g_autoptr(GPtrArray) sub = NULL;

      if (t->deleted)
        return;
      sub = subtree (tree, id);
      set_deleted (t, TRUE, NULL);
      for (guint i = 1; i < sub->len; i++)
        {
          MTodo *s = g_hash_table_lookup (tree->todos, sub->pdata[i]);

          if (!s->deleted)
            set_deleted (s, TRUE, id);
        }
      return;
    }

  if (g_str_equal (e->name, "todo.restored"))
    {
      g_autoptr(GPtrArray) sub = NULL;
      MTodo *up = t->parent != NULL ? g_hash_table_lookup (tree->todos, t->parent) : NULL;
      g_autofree char *root = NULL;

      if (!t->deleted)
        return;
      sub = subtree (tree, id);
      if (up != NULL && up->deleted)
        root = g_strdup (root_of (t->parent, up));
      /* those deleted with it first (their gone_with is id), then itself */
      for (guint i = 1; i < sub->len; i++)
        {
          MTodo *s = g_hash_table_lookup (tree->todos, sub->pdata[i]);

          if (g_strcmp0 (s->gone_with, id) == 0)
            set_deleted (s, root != NULL, root);
        }
      set_deleted (t, root != NULL, root);
      return;
    }
}

SimTree *
sim_tree_new (GPtrArray *log)
{
  SimTree *tree = g_new0 (SimTree, 1);

  tree->lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  tree->todos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) mtodo_free);
  tree->parked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < log->len; i++)
    apply (tree, log->pdata[i]);
  return tree;
}

void
sim_tree_free (SimTree *tree)
{
  g_hash_table_unref (tree->lists);
  g_hash_table_unref (tree->todos);
  g_hash_table_unref (tree->parked);
  g_free (tree);
}

gboolean
sim_tree_ever_deleted (SimTree    *tree,
                       const char *id)
{
  MTodo *t = g_hash_table_lookup (tree->todos, id);

  return t != NULL && t->ever_deleted;
}

guint
sim_tree_count_children (SimTree *tree)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, tree->todos);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += ((MTodo *) value)->parent != NULL;
  return n;
}

static const char *
or_null (const char *s)
{
  return s != NULL ? s : "NULL";
}

char *
sim_tree_check (SimTree *tree,
                sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  guint n = 0;
  char *failure = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT t.id, t.list_id, t.parent_id, t.position, t.deleted, "
                                       "t.gone_with, p.list_id, p.deleted FROM todos AS t "
                                       "LEFT JOIN todos AS p ON p.id = t.parent_id",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (failure == NULL && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      const char *list = (const char *) sqlite3_column_text (stmt, 1);
      const char *parent = (const char *) sqlite3_column_text (stmt, 2);
      const char *position = (const char *) sqlite3_column_text (stmt, 3);
      gboolean deleted = sqlite3_column_int (stmt, 4) != 0;
      const char *gone_with = (const char *) sqlite3_column_text (stmt, 5);
      MTodo *t = g_hash_table_lookup (tree->todos, id);

      n++;
      if (t == NULL)
        failure = g_strdup_printf ("subtasks: todo %s exists, the model has none", id);
      else if (g_strcmp0 (list, t->list) != 0 || g_strcmp0 (parent, t->parent) != 0 ||
               g_strcmp0 (position, t->position) != 0 || deleted != t->deleted ||
               g_strcmp0 (gone_with, t->gone_with) != 0)
        failure = g_strdup_printf ("subtasks: todo %s is list %s parent %s position %s deleted %d "
                                   "gone_with %s; by the rules, list %s parent %s position %s "
                                   "deleted %d gone_with %s", id, list, or_null (parent), position,
                                   deleted, or_null (gone_with), t->list, or_null (t->parent),
                                   t->position, t->deleted, or_null (t->gone_with));
      else if (parent != NULL && sqlite3_column_type (stmt, 6) == SQLITE_NULL)
        failure = g_strdup_printf ("subtasks: todo %s has a parent %s that does not exist", id, parent);
      else if (parent != NULL && g_strcmp0 (list, (const char *) sqlite3_column_text (stmt, 6)) != 0)
        failure = g_strdup_printf ("subtasks: todo %s is in another list than its parent", id);
      else if (parent != NULL && !deleted && sqlite3_column_int (stmt, 7) != 0)
        failure = g_strdup_printf ("subtasks: todo %s is live under a deleted parent", id);
    }
  sqlite3_finalize (stmt);
  if (failure == NULL && n != g_hash_table_size (tree->todos))
    failure = g_strdup_printf ("subtasks: %u todos, the model has %u", n,
                               g_hash_table_size (tree->todos));
  /* A forest: walking up from any todo ends. */
  if (failure == NULL)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, tree->todos);
      while (failure == NULL && g_hash_table_iter_next (&iter, &key, NULL))
        {
          const char *at = key;
          guint steps = 0;

          while (at != NULL && steps++ <= g_hash_table_size (tree->todos))
            {
              MTodo *t = g_hash_table_lookup (tree->todos, at);
              at = t != NULL ? t->parent : NULL;
            }
          if (at != NULL)
            failure = g_strdup_printf ("subtasks: todo %s is in a cycle", (char *) key);
        }
    }
  return failure;
}

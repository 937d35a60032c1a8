/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-todo-model.c: the todos of one list, with or without completed ones. */
#define G_LOG_DOMAIN "cairn-pool"

#include "config.h"

#include "cairn-pool-private.h"
#include "cairn-todo-model.h"

struct _CairnTodoModel
{
  CairnRowModel  parent_instance;
  CairnPool     *pool;           /* strong */
  CairnTodoModelKind kind;
  char          *key;            /* list id, or parent id for CHILDREN */
  guint          show_completed : 1;
};

G_DEFINE_FINAL_TYPE (CairnTodoModel, cairn_todo_model, CAIRN_TYPE_ROW_MODEL)

enum { PROP_0, PROP_SHOW_COMPLETED, N_PROPS };
static GParamSpec *properties [N_PROPS];

int
_cairn_todo_compare (gconstpointer a,
                     gconstpointer b)
{
  CairnTodo *ta = (CairnTodo *)a, *tb = (CairnTodo *)b;
  int c = g_strcmp0 (cairn_todo_get_position (ta), cairn_todo_get_position (tb));

  return c != 0 ? c : g_strcmp0 (cairn_todo_get_id (ta), cairn_todo_get_id (tb));
}

static void
cairn_todo_model_dispose (GObject *object)
{
  CairnTodoModel *self = (CairnTodoModel *)object;

  if (self->pool != NULL)
    {
      _cairn_pool_forget_todo_model (self->pool, self);
      g_clear_object (&self->pool);
    }

  G_OBJECT_CLASS (cairn_todo_model_parent_class)->dispose (object);
}

static void
cairn_todo_model_finalize (GObject *object)
{
  CairnTodoModel *self = (CairnTodoModel *)object;

  g_clear_pointer (&self->key, g_free);

  G_OBJECT_CLASS (cairn_todo_model_parent_class)->finalize (object);
}

static void
cairn_todo_model_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CairnTodoModel *self = CAIRN_TODO_MODEL (object);

  switch (prop_id)
    {
    case PROP_SHOW_COMPLETED:
      g_value_set_boolean (value, self->show_completed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_todo_model_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_SHOW_COMPLETED:
      cairn_todo_model_set_show_completed (G_LIST_MODEL (object), g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_todo_model_class_init (CairnTodoModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cairn_todo_model_dispose;
  object_class->finalize = cairn_todo_model_finalize;
  object_class->get_property = cairn_todo_model_get_property;
  object_class->set_property = cairn_todo_model_set_property;

  properties[PROP_SHOW_COMPLETED] =
    g_param_spec_boolean ("show-completed", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cairn_todo_model_init (CairnTodoModel *self)
{
  self->show_completed = TRUE;
  _cairn_row_model_setup (CAIRN_ROW_MODEL (self), CAIRN_TYPE_TODO, _cairn_todo_compare);
}

CairnTodoModel *
_cairn_todo_model_new (CairnPool          *pool,
                       CairnTodoModelKind  kind,
                       const char         *key)
{
  CairnTodoModel *self = g_object_new (CAIRN_TYPE_TODO_MODEL, NULL);

  self->pool = g_object_ref (pool);
  self->kind = kind;
  self->key = g_strdup (key);
  return self;
}

CairnTodoModelKind
_cairn_todo_model_get_kind (CairnTodoModel *self)
{
  return self->kind;
}

const char *
_cairn_todo_model_get_key (CairnTodoModel *self)
{
  return self->key;
}

const char *
_cairn_todo_model_get_list_id (CairnTodoModel *self)
{
  return self->kind == CAIRN_TODO_MODEL_CHILDREN ? NULL : self->key;
}

gboolean
_cairn_todo_model_get_show_completed (CairnTodoModel *self)
{
  return self->show_completed;
}

gboolean
_cairn_todo_model_wants (CairnTodoModel *self,
                         CairnTodo      *todo)
{
  if (!self->show_completed && cairn_todo_get_done (todo))
    return FALSE;
  switch (self->kind)
    {
    case CAIRN_TODO_MODEL_TOP:
      if (cairn_todo_get_parent_id (todo) != NULL)
        return FALSE;
      G_GNUC_FALLTHROUGH;
    case CAIRN_TODO_MODEL_ALL:
      return g_strcmp0 (self->key, cairn_todo_get_list_id (todo)) == 0;
    case CAIRN_TODO_MODEL_CHILDREN:
    default:
      return g_strcmp0 (self->key, cairn_todo_get_parent_id (todo)) == 0;
    }
}

/* Removes each run of completed todos, last run first, so that the
 * positions of the runs still to go stay valid. */
static void
remove_completed (CairnTodoModel *self)
{
  GPtrArray *items = _cairn_row_model_get_items (CAIRN_ROW_MODEL (self));
  guint i = items->len;

  while (i > 0)
    {
      guint end;

      if (!cairn_todo_get_done (g_ptr_array_index (items, i - 1)))
        {
          i--;
          continue;
        }
      end = i;
      while (i > 0 && cairn_todo_get_done (g_ptr_array_index (items, i - 1)))
        i--;
      g_ptr_array_remove_range (items, i, end - i);
      g_list_model_items_changed (G_LIST_MODEL (self), i, end - i, 0);
    }
}

/* Inserts each run of completed todos at its place, first run first. */
static void
insert_completed (CairnTodoModel *self)
{
  GPtrArray *items = _cairn_row_model_get_items (CAIRN_ROW_MODEL (self));
  g_autoptr(GPtrArray) all = _cairn_pool_todo_model_candidates (self->pool, self);
  guint j = 0;  /* index in items; after the loop items == all */

  /* Those the model takes with completed ones shown. */
  for (guint k = all->len; k > 0; k--)
    if (!_cairn_todo_model_wants (self, g_ptr_array_index (all, k - 1)))
      g_ptr_array_remove_index (all, k - 1);

  for (guint k = 0; k < all->len; )
    {
      guint start = k;

      if (j < items->len && g_ptr_array_index (items, j) == g_ptr_array_index (all, k))
        {
          j++;
          k++;
          continue;
        }
      /* items[j + (k - start)] is the first item after the run so far. */
      while (k < all->len &&
             (j + (k - start) >= items->len ||
              g_ptr_array_index (items, j + (k - start)) != g_ptr_array_index (all, k)))
        {
          g_ptr_array_insert (items, j + (k - start), g_object_ref (g_ptr_array_index (all, k)));
          k++;
        }
      g_list_model_items_changed (G_LIST_MODEL (self), j, 0, k - start);
      j += k - start;
    }
}

void
cairn_todo_model_set_show_completed (GListModel *todos,
                                     gboolean    show_completed)
{
  CairnTodoModel *self;

  g_return_if_fail (CAIRN_IS_TODO_MODEL (todos));

  self = CAIRN_TODO_MODEL (todos);
  show_completed = !!show_completed;
  if (self->show_completed == show_completed)
    return;
  self->show_completed = show_completed;

  if (!show_completed)
    remove_completed (self);
  else if (self->pool != NULL)
    insert_completed (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_COMPLETED]);
}

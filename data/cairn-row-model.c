/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-row-model.c: a sorted GListModel of row objects (see the header). */
#define G_LOG_DOMAIN "cairn-pool"

#include "config.h"

#include "cairn-row-model.h"

typedef struct
{
  GType         item_type;
  GCompareFunc  compare;   /* total order on the items' current keys */
  GPtrArray    *items;     /* strong refs, sorted by compare */
} CairnRowModelPrivate;

static void cairn_row_model_list_model_iface_init (GListModelInterface *iface);

G_DEFINE_TYPE_WITH_CODE (CairnRowModel, cairn_row_model, G_TYPE_OBJECT,
                         G_ADD_PRIVATE (CairnRowModel)
                         G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                cairn_row_model_list_model_iface_init))

static GType
cairn_row_model_get_item_type (GListModel *model)
{
  CairnRowModelPrivate *priv = cairn_row_model_get_instance_private (CAIRN_ROW_MODEL (model));
  return priv->item_type;
}

static guint
cairn_row_model_get_n_items (GListModel *model)
{
  CairnRowModelPrivate *priv = cairn_row_model_get_instance_private (CAIRN_ROW_MODEL (model));
  return priv->items->len;
}

static gpointer
cairn_row_model_get_item (GListModel *model,
                          guint       position)
{
  CairnRowModelPrivate *priv = cairn_row_model_get_instance_private (CAIRN_ROW_MODEL (model));

  if (position >= priv->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (priv->items, position));
}

static void
cairn_row_model_list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = cairn_row_model_get_item_type;
  iface->get_n_items = cairn_row_model_get_n_items;
  iface->get_item = cairn_row_model_get_item;
}

static void
cairn_row_model_finalize (GObject *object)
{
  CairnRowModelPrivate *priv = cairn_row_model_get_instance_private (CAIRN_ROW_MODEL (object));

  g_clear_pointer (&priv->items, g_ptr_array_unref);

  G_OBJECT_CLASS (cairn_row_model_parent_class)->finalize (object);
}

static void
cairn_row_model_class_init (CairnRowModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cairn_row_model_finalize;
}

static void
cairn_row_model_init (CairnRowModel *self)
{
  CairnRowModelPrivate *priv = cairn_row_model_get_instance_private (self);

  priv->items = g_ptr_array_new_with_free_func (g_object_unref);
}

CairnRowModel *
_cairn_row_model_new (GType        item_type,
                      GCompareFunc compare)
{
  CairnRowModel *self = g_object_new (CAIRN_TYPE_ROW_MODEL, NULL);

  _cairn_row_model_setup (self, item_type, compare);
  return self;
}

void
_cairn_row_model_setup (CairnRowModel *self,
                        GType          item_type,
                        GCompareFunc   compare)
{
  CairnRowModelPrivate *priv = cairn_row_model_get_instance_private (self);

  priv->item_type = item_type;
  priv->compare = compare;
}

GPtrArray *
_cairn_row_model_get_items (CairnRowModel *self)
{
  CairnRowModelPrivate *priv = cairn_row_model_get_instance_private (self);
  return priv->items;
}

/* The first index whose item does not sort before obj (by obj's current
 * key); obj itself is there if it is in the model with that key. */
static guint
lower_bound (CairnRowModel *self,
             gpointer       obj)
{
  CairnRowModelPrivate *priv = cairn_row_model_get_instance_private (self);
  guint lo = 0, hi = priv->items->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (priv->compare (g_ptr_array_index (priv->items, mid), obj) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

gboolean
_cairn_row_model_remove (CairnRowModel *self,
                         gpointer       obj)
{
  CairnRowModelPrivate *priv = cairn_row_model_get_instance_private (self);
  guint i = lower_bound (self, obj);

  if (i >= priv->items->len || g_ptr_array_index (priv->items, i) != obj)
    return FALSE;
  g_ptr_array_remove_index (priv->items, i);
  g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 0);
  return TRUE;
}

gboolean
_cairn_row_model_touch (CairnRowModel *self,
                        gpointer       obj)
{
  CairnRowModelPrivate *priv = cairn_row_model_get_instance_private (self);
  guint i = lower_bound (self, obj);

  if (i >= priv->items->len || g_ptr_array_index (priv->items, i) != obj)
    return FALSE;
  g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 1);
  return TRUE;
}

void
_cairn_row_model_insert (CairnRowModel *self,
                         gpointer       obj)
{
  CairnRowModelPrivate *priv = cairn_row_model_get_instance_private (self);
  guint i = lower_bound (self, obj);

  if (i < priv->items->len && g_ptr_array_index (priv->items, i) == obj)
    return;
  g_ptr_array_insert (priv->items, i, g_object_ref (obj));
  g_list_model_items_changed (G_LIST_MODEL (self), i, 0, 1);
}

void
_cairn_row_model_replace_all (CairnRowModel *self,
                              GPtrArray     *items)
{
  CairnRowModelPrivate *priv = cairn_row_model_get_instance_private (self);
  g_autoptr(GPtrArray) old = priv->items;
  gboolean same;

  _cairn_row_model_sort (items, priv->compare);
  priv->items = items;

  same = old->len == items->len;
  for (guint i = 0; same && i < items->len; i++)
    same = g_ptr_array_index (old, i) == g_ptr_array_index (items, i);
  if (!same)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old->len, items->len);
}

static GCompareFunc sort_compare;

static int
compare_indirect (gconstpointer a,
                  gconstpointer b)
{
  return sort_compare (*(gpointer *)a, *(gpointer *)b);
}

void
_cairn_row_model_sort (GPtrArray    *items,
                       GCompareFunc  compare)
{
  /* Only ever called on the main thread. */
  sort_compare = compare;
  g_ptr_array_sort (items, compare_indirect);
  sort_compare = NULL;
}

gboolean
_cairn_row_model_keeps_place (CairnRowModel *self,
                              gpointer       obj,
                              gpointer       probe)
{
  CairnRowModelPrivate *priv = cairn_row_model_get_instance_private (self);
  guint i = lower_bound (self, obj);

  if (i >= priv->items->len || g_ptr_array_index (priv->items, i) != obj)
    return FALSE;
  return (i == 0 || priv->compare (g_ptr_array_index (priv->items, i - 1), probe) < 0) &&
         (i + 1 == priv->items->len ||
          priv->compare (probe, g_ptr_array_index (priv->items, i + 1)) < 0);
}

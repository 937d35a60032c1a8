/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-row-model.h: a GListModel of row objects kept sorted by a total order.
 *
 * Internal to data/: the pool's list and note models are CairnRowModels,
 * a list's todos a CairnTodoModel (a subclass). Items are found by binary
 * search on their current key, so the pool takes an object out before it
 * changes the object's key and puts it back after. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CAIRN_TYPE_ROW_MODEL (cairn_row_model_get_type ())
G_DECLARE_DERIVABLE_TYPE (CairnRowModel, cairn_row_model, CAIRN, ROW_MODEL, GObject)

struct _CairnRowModelClass
{
  GObjectClass parent_class;
};

/* compare: a total order on the items' current keys. */
CairnRowModel *_cairn_row_model_new          (GType          item_type,
                                              GCompareFunc   compare);
/* For subclasses, from their init. */
void           _cairn_row_model_setup        (CairnRowModel *self,
                                              GType          item_type,
                                              GCompareFunc   compare);
/* The items, in order; a subclass may change them if it emits
 * ::items-changed for what it changed. */
GPtrArray     *_cairn_row_model_get_items    (CairnRowModel *self);
/* Removes obj, found by its current key; FALSE when it is not there. */
gboolean       _cairn_row_model_remove       (CairnRowModel *self,
                                              gpointer       obj);
/* Inserts obj at its current key, unless it is there already. */
void           _cairn_row_model_insert       (CairnRowModel *self,
                                              gpointer       obj);
/* Announces obj again where it is (::items-changed, 1 removed, 1 added),
 * so that a GtkTreeListModel over the model asks again for its children;
 * FALSE when it is not there. */
gboolean       _cairn_row_model_touch        (CairnRowModel *self,
                                              gpointer       obj);
/* Whether obj, in the model, would stay at its index with probe's key
 * (then its key may change without a removal and an insertion). */
gboolean       _cairn_row_model_keeps_place  (CairnRowModel *self,
                                              gpointer       obj,
                                              gpointer       probe);
/* Replaces all items with `items` (sorted here); emits one items-changed
 * covering the whole model unless nothing differs. Takes `items`. */
void           _cairn_row_model_replace_all  (CairnRowModel *self,
                                              GPtrArray     *items);
/* Sorts an array of objects by compare (main thread only). */
void           _cairn_row_model_sort         (GPtrArray     *items,
                                              GCompareFunc   compare);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-search-slots.c: stable slots over the search results, so that
 * typing changes what rows show, not which rows there are. */
#define G_LOG_DOMAIN "cairn-search-page"

#include "config.h"

#include "cairn-search-slots.h"

struct _CairnSearchSlot
{
  GObject  parent_instance;
  GObject *item;
};

G_DEFINE_FINAL_TYPE (CairnSearchSlot, cairn_search_slot, G_TYPE_OBJECT)

enum { SLOT_PROP_0, SLOT_PROP_ITEM, SLOT_N_PROPS };
static GParamSpec *slot_properties [SLOT_N_PROPS];

static void
cairn_search_slot_dispose (GObject *object)
{
  g_clear_object (&CAIRN_SEARCH_SLOT (object)->item);
  G_OBJECT_CLASS (cairn_search_slot_parent_class)->dispose (object);
}

static void
cairn_search_slot_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  switch (prop_id)
    {
    case SLOT_PROP_ITEM: g_value_set_object (value, CAIRN_SEARCH_SLOT (object)->item); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_search_slot_class_init (CairnSearchSlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cairn_search_slot_dispose;
  object_class->get_property = cairn_search_slot_get_property;
  slot_properties[SLOT_PROP_ITEM] = g_param_spec_object ("item", NULL, NULL, G_TYPE_OBJECT,
                                                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                         G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, SLOT_N_PROPS, slot_properties);
}

static void
cairn_search_slot_init (CairnSearchSlot *self)
{
}

GObject *
cairn_search_slot_get_item (CairnSearchSlot *self)
{
  g_return_val_if_fail (CAIRN_IS_SEARCH_SLOT (self), NULL);
  return self->item;
}

/* Takes item (a new reference or NULL). */
static void
slot_take_item (CairnSearchSlot *self,
                GObject         *item)
{
  if (self->item == item)
    {
      g_clear_object (&item);
      return;
    }
  g_clear_object (&self->item);
  self->item = item;
  g_object_notify_by_pspec (G_OBJECT (self), slot_properties[SLOT_PROP_ITEM]);
}

/* ---- the slots ---- */

struct _CairnSearchSlots
{
  GObject     parent_instance;
  GListModel *source;   /* strong, or NULL */
  GPtrArray  *slots;    /* CairnSearchSlot */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CairnSearchSlots, cairn_search_slots, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return CAIRN_TYPE_SEARCH_SLOT;
}

static guint
get_n_items (GListModel *model)
{
  return CAIRN_SEARCH_SLOTS (model)->slots->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  CairnSearchSlots *self = CAIRN_SEARCH_SLOTS (model);

  if (position >= self->slots->len)
    return NULL;
  return g_object_ref (self->slots->pdata[position]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* The slots as the source is now: as many as its items (or all kept,
 * emptied, when it has none), each holding the item at its position. */
static void
sync_slots (CairnSearchSlots *self)
{
  guint n = self->source != NULL ? g_list_model_get_n_items (self->source) : 0;
  guint old_len = self->slots->len;

  if (n == 0 && self->source != NULL)
    {
      for (guint i = 0; i < old_len; i++)
        slot_take_item (self->slots->pdata[i], NULL);
      return;
    }
  if (n < old_len)
    {
      g_ptr_array_remove_range (self->slots, n, old_len - n);
      g_list_model_items_changed (G_LIST_MODEL (self), n, old_len - n, 0);
    }
  for (guint i = 0; i < MIN (n, old_len); i++)
    slot_take_item (self->slots->pdata[i], g_list_model_get_item (self->source, i));
  if (n > old_len)
    {
      for (guint i = old_len; i < n; i++)
        {
          CairnSearchSlot *slot = g_object_new (CAIRN_TYPE_SEARCH_SLOT, NULL);

          slot->item = g_list_model_get_item (self->source, i);
          g_ptr_array_add (self->slots, slot);
        }
      g_list_model_items_changed (G_LIST_MODEL (self), old_len, 0, n - old_len);
    }
}

static void
on_source_items_changed (GListModel       *source,
                         guint             position,
                         guint             removed,
                         guint             added,
                         CairnSearchSlots *self)
{
  sync_slots (self);
}

static void
cairn_search_slots_dispose (GObject *object)
{
  CairnSearchSlots *self = CAIRN_SEARCH_SLOTS (object);

  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  g_clear_object (&self->source);
  G_OBJECT_CLASS (cairn_search_slots_parent_class)->dispose (object);
}

static void
cairn_search_slots_finalize (GObject *object)
{
  g_clear_pointer (&CAIRN_SEARCH_SLOTS (object)->slots, g_ptr_array_unref);
  G_OBJECT_CLASS (cairn_search_slots_parent_class)->finalize (object);
}

static void
cairn_search_slots_class_init (CairnSearchSlotsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cairn_search_slots_dispose;
  object_class->finalize = cairn_search_slots_finalize;
}

static void
cairn_search_slots_init (CairnSearchSlots *self)
{
  self->slots = g_ptr_array_new_with_free_func (g_object_unref);
}

CairnSearchSlots *
cairn_search_slots_new (void)
{
  return g_object_new (CAIRN_TYPE_SEARCH_SLOTS, NULL);
}

void
cairn_search_slots_set_source (CairnSearchSlots *self,
                               GListModel       *source)
{
  g_return_if_fail (CAIRN_IS_SEARCH_SLOTS (self));
  g_return_if_fail (source == NULL || G_IS_LIST_MODEL (source));

  if (self->source == source)
    return;
  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  g_set_object (&self->source, source);
  if (source != NULL)
    g_signal_connect (source, "items-changed", G_CALLBACK (on_source_items_changed), self);
  /* A new source starts from no slots (a page shown again). */
  if (self->slots->len > 0 && source == NULL)
    {
      guint old_len = self->slots->len;

      g_ptr_array_set_size (self->slots, 0);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len, 0);
    }
  sync_slots (self);
}

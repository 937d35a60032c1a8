/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-search-slots.h: the search page's rows as stable slots. A list of
 * CairnSearchSlot mirroring a source list model position by position:
 * when the source changes, the slots stay the same objects and only what
 * each holds changes, so that a GtkListView keeps its row widgets (GTK
 * 4.8 makes a new row for every new item) and rebinds nothing; only the
 * count follows the source. An empty source leaves the slots in place,
 * emptied (the page shows no list then), for the next search's rows. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CAIRN_TYPE_SEARCH_SLOT (cairn_search_slot_get_type ())
G_DECLARE_FINAL_TYPE (CairnSearchSlot, cairn_search_slot, CAIRN, SEARCH_SLOT, GObject)

#define CAIRN_TYPE_SEARCH_SLOTS (cairn_search_slots_get_type ())
G_DECLARE_FINAL_TYPE (CairnSearchSlots, cairn_search_slots, CAIRN, SEARCH_SLOTS, GObject)

/* The source's item at this slot's position, or NULL (an emptied slot).
 * Property "item", notified when it changes. */
GObject          *cairn_search_slot_get_item     (CairnSearchSlot  *self);

CairnSearchSlots *cairn_search_slots_new         (void);
/* Follows source (NULL: none, and no slots). */
void              cairn_search_slots_set_source  (CairnSearchSlots *self,
                                                  GListModel       *source);

G_END_DECLS

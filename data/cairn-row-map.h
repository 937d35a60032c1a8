/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-row-map.h: the pool's identity map of one kind of row object.
 *
 * Internal to data/. `live` holds the pool's reference on the object of
 * every live row. A row deleted while someone else still holds its object
 * stays reachable as a ghost (a weak pointer), so that restoring the row
 * brings back the very same object. Keys are the objects' own id strings,
 * which live as long as they do. */
#pragma once

#include "cairn-pool.h"

G_BEGIN_DECLS

typedef struct
{
  GHashTable *live;    /* id -> object (strong ref) */
  GHashTable *ghosts;  /* id -> object (weak ref) */
  const char *(*get_id) (gpointer obj);
  CairnPool   *pool;    /* the owner, passed to create() */
} CairnRowMap;

void     _cairn_row_map_init   (CairnRowMap  *map,
                                CairnPool    *pool,
                                const char *(*get_id) (gpointer obj));
void     _cairn_row_map_clear  (CairnRowMap  *map);
/* The object for id, live or ghost (revived), or a new one from `create`
 * (*created then TRUE). The result is live; transfer none. */
gpointer _cairn_row_map_obtain (CairnRowMap  *map,
                                const char   *id,
                                gpointer    (*create) (CairnPool *pool, const char *id),
                                gboolean     *created);
/* Drops the pool's reference; the object stays findable while others
 * hold it. */
void     _cairn_row_map_bury   (CairnRowMap  *map,
                                gpointer      obj);

G_END_DECLS

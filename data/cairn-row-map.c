/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-row-map.c: the pool's identity map: live row objects and ghosts. */
#define G_LOG_DOMAIN "cairn-pool"

#include "config.h"

#include "cairn-row-map.h"

void
_cairn_row_map_init (CairnRowMap  *map,
                     CairnPool    *pool,
                     const char *(*get_id) (gpointer obj))
{
  map->pool = pool;
  map->live = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  map->ghosts = g_hash_table_new (g_str_hash, g_str_equal);
  map->get_id = get_id;
}

static void
ghost_finalized (gpointer  data,
                 GObject  *where_the_object_was)
{
  CairnRowMap *map = data;
  GHashTableIter iter;
  gpointer value;

  /* The object is gone, so its id is not readable: search by pointer.
   * Ghosts are few (deleted rows someone still shows). */
  g_hash_table_iter_init (&iter, map->ghosts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value == (gpointer)where_the_object_was)
      {
        g_hash_table_iter_remove (&iter);
        break;
      }
}

void
_cairn_row_map_clear (CairnRowMap *map)
{
  GHashTableIter iter;
  gpointer value;

  if (map->ghosts != NULL)
    {
      g_hash_table_iter_init (&iter, map->ghosts);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_object_weak_unref (value, ghost_finalized, map);
    }
  g_clear_pointer (&map->ghosts, g_hash_table_unref);
  g_clear_pointer (&map->live, g_hash_table_unref);
}

gpointer
_cairn_row_map_obtain (CairnRowMap  *map,
                       const char   *id,
                       gpointer    (*create) (CairnPool *pool, const char *id),
                       gboolean     *created)
{
  gpointer obj = g_hash_table_lookup (map->live, id);

  *created = FALSE;
  if (obj != NULL)
    return obj;

  obj = g_hash_table_lookup (map->ghosts, id);
  if (obj != NULL)
    {
      g_hash_table_remove (map->ghosts, id);
      g_object_weak_unref (obj, ghost_finalized, map);
      g_object_ref (obj);
    }
  else
    {
      obj = create (map->pool, id);
      *created = TRUE;
    }
  g_hash_table_insert (map->live, (gpointer)map->get_id (obj), obj);
  return obj;
}

void
_cairn_row_map_bury (CairnRowMap *map,
                     gpointer     obj)
{
  const char *id = map->get_id (obj);

  g_object_weak_ref (obj, ghost_finalized, map);
  g_hash_table_insert (map->ghosts, (gpointer)id, obj);
  g_hash_table_remove (map->live, id);
}

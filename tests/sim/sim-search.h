/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sim-search.h: the simulation's check of the search index (sim-search.c). */
#pragma once

#include "cairn-store-private.h"

G_BEGIN_DECLS

/* NULL when @store's search index, brought up to date, is exactly the one
 * made from scratch on @fresh (the server log replayed), and every live
 * todo of @fresh is found by the words of its title; else why not. */
char *sim_search_check (CairnStore *store,
                        CairnStore *fresh);

G_END_DECLS

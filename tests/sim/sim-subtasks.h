/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sim-subtasks.h: the simulation's oracle for subtasks: the server's log
 * replayed through an independent model of the rules (sim-subtasks.c). */
#pragma once

#include "cairn-store-private.h"

G_BEGIN_DECLS

typedef struct _SimTree SimTree;

/* log: CairnEvents in server order (seq set). */
SimTree  *sim_tree_new             (GPtrArray  *log);
void      sim_tree_free            (SimTree    *tree);
/* Whether the model ever had the todo deleted (its other fields' intents
 * may then have been no-ops). */
gboolean  sim_tree_ever_deleted    (SimTree    *tree,
                                    const char *id);
guint     sim_tree_count_children  (SimTree    *tree);
/* NULL when the replica's todos are exactly the model's, else why not. */
char     *sim_tree_check           (SimTree    *tree,
                                    sqlite3    *db);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimTree, sim_tree_free)

G_END_DECLS

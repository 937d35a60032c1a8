/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sim-times.h: the simulation's oracle for due times, reminders and
 * repeats: the server's log replayed through an independent model of the
 * rules in docs/events.md (sim-times.c). */
#pragma once

#include "cairn-store-private.h"
#include "sim-subtasks.h"

G_BEGIN_DECLS

typedef struct _SimTimes SimTimes;

/* log: CairnEvents in server order (seq set). */
SimTimes *sim_times_new          (GPtrArray  *log);
void      sim_times_free         (SimTimes   *times);
/* Whether a repeat rule was ever set on the todo in the log: its done and
 * due then depend on completions (the model checks them, not the
 * last-writer-wins intents). */
gboolean  sim_times_repeated     (SimTimes   *times,
                                  const char *id);
guint     sim_times_count_occurrences (SimTimes *times);
/* NULL when every todo the model is sure of (never deleted: tree) has
 * exactly the model's due, time, reminder, dismissal, rule, done and
 * completed occurrences in the replica, else why not. */
char     *sim_times_check        (SimTimes   *times,
                                  SimTree    *tree,
                                  sqlite3    *db);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimTimes, sim_times_free)

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sim-revert.h: the simulation's oracle for "restore this version"
 * (cairn_store_revert_object(), issue 15): an object as it was right after
 * one of its events, modelled from a device's own log (sim-revert.c). */
#pragma once

#include "cairn-store-private.h"

G_BEGIN_DECLS

typedef struct _SimVersion SimVersion;

/* The todo, list, note or tag @id (@kind "todo", "list", "note", "tag")
 * as @store's history defines its version: the object's own events
 * (confirmed ones up to seq @seq when @seq > 0; else every confirmed one
 * and the pending ones up to @client_seq), the ones the reducers skipped
 * left out, reduced by an independent model of docs/events.md to its
 * row's columns, its tags and its text. Also notes how the object is now
 * (before the revert: some differences are by design, see
 * sim_version_check). */
SimVersion *sim_version_new   (CairnStore *store,
                               const char *kind,
                               const char *id,
                               gint64      seq,
                               gint64      client_seq);
void        sim_version_free  (SimVersion *version);

/* Right after the revert on the same device: NULL when @store's object
 * equals the version, else what differs. */
char       *sim_version_check (SimVersion *version,
                               CairnStore *store);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SimVersion, sim_version_free)

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sim-undo.h: the undo property of the simulation (sim-undo.c). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* For one device with no concurrent edits: random actions, then as many
 * undos, give the state before them byte for byte (the canonical dump,
 * `cairn-cli state --json`). Seeds from CAIRN_SIM_UNDO_SEEDS (default 40). */
void sim_undo_test_single_device (void);

G_END_DECLS

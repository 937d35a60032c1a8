/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-backoff.h: exponential retry delays with jitter.
 *
 * The n-th consecutive failure waits a random time in [d/2, d] where
 * d = min (max, base * 2^n) ("equal jitter"): the delay grows fast, is never
 * zero, and many clients that failed together do not retry together.
 * The random source is seeded so that the simulation is deterministic.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint   base_ms;
  guint   max_ms;
  guint   attempt;    /* failures since the last success */
  GRand  *rand;
} CairnBackoff;

void  cairn_backoff_init       (CairnBackoff *self,
                                guint         base_ms,
                                guint         max_ms,
                                guint32       seed);
void  cairn_backoff_clear      (CairnBackoff *self);
/* Records one more failure and returns how long to wait before retrying. */
guint cairn_backoff_next_delay (CairnBackoff *self);
/* A success: the next failure starts again from base_ms. */
void  cairn_backoff_reset      (CairnBackoff *self);

G_END_DECLS

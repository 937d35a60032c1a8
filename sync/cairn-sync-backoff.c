/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-backoff.c: exponential retry delays with jitter. */
#include "config.h"

#include "cairn-sync-backoff.h"

void
cairn_backoff_init (CairnBackoff *self,
                    guint         base_ms,
                    guint         max_ms,
                    guint32       seed)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (base_ms > 0 && max_ms >= base_ms);

  self->base_ms = base_ms;
  self->max_ms = max_ms;
  self->attempt = 0;
  self->rand = g_rand_new_with_seed (seed);
}

void
cairn_backoff_clear (CairnBackoff *self)
{
  g_clear_pointer (&self->rand, g_rand_free);
}

guint
cairn_backoff_next_delay (CairnBackoff *self)
{
  guint64 d = self->base_ms;
  guint i;

  g_return_val_if_fail (self->rand != NULL, 0);

  /* Stop doubling once the cap is reached so that a long outage cannot
   * overflow the shift. */
  for (i = 0; i < self->attempt && d < self->max_ms; i++)
    d *= 2;
  if (d > self->max_ms)
    d = self->max_ms;

  if (self->attempt < G_MAXUINT)
    self->attempt++;

  return (guint) (d / 2 + g_rand_int_range (self->rand, 0, (gint32) (d - d / 2) + 1));
}

void
cairn_backoff_reset (CairnBackoff *self)
{
  self->attempt = 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* core-test-util.c: the server core under a test's clock and random bytes. */
#include "config.h"

#include <sodium.h>

#include "core-test-util.h"

static gint64
world_clock (gpointer user_data)
{
  return ((CoreTestWorld *) user_data)->now;
}

static void
world_random (guint8  *buf,
              gsize    len,
              gpointer user_data)
{
  CoreTestWorld *w = user_data;

  for (gsize i = 0; i < len; i++)
    {
      /* xorshift64 */
      w->rng ^= w->rng << 13;
      w->rng ^= w->rng >> 7;
      w->rng ^= w->rng << 17;
      buf[i] = w->rng & 0xff;
    }
}

CairnServerCore *
core_test_open (const char     *dir,
                CoreTestWorld  *world,
                GError        **error)
{
  CairnServerCoreOptions opts = {
    .clock = world_clock,
    .random = world_random,
    .user_data = world,
    .pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN,
    .pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN,
  };

  return cairn_server_core_open (dir, &opts, error);
}

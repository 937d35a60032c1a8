/* SPDX-License-Identifier: GPL-3.0-or-later */
/* core-test-util.h: the server core opened in-process under a clock and a
 * random source the test controls (test-core, test-fault-server-core). */
#pragma once

#include "cairn-server-core.h"

G_BEGIN_DECLS

/* The clock reads now; the random bytes come from xorshift64 on rng
 * (never 0). The same world gives the same ids, run after run. */
typedef struct
{
  gint64  now;
  guint64 rng;
} CoreTestWorld;

#define CORE_TEST_WORLD_INIT { G_GINT64_CONSTANT (1764000000000), 0x9e3779b97f4a7c15ull }

/* Opens the core in dir with world's clock and random bytes, and the
 * cheapest password hashing libsodium allows. */
CairnServerCore *core_test_open (const char     *dir,
                                 CoreTestWorld  *world,
                                 GError        **error);

G_END_DECLS

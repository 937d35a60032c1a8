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

/* The same, on the data folder dir when uri is NULL, else on the
 * PostgreSQL database at uri, whatever the run's backend. */
CairnServerCore *core_test_open_at (const char     *dir,
                                    const char     *uri,
                                    CoreTestWorld  *world,
                                    GError        **error);

/* Under CAIRN_TEST_BACKEND=postgresql (pg-test-util.h) the core is opened
 * in a database that stands for dir: a fresh one the first time, the same
 * one after, until forgotten (dir removed). */
const char      *core_test_database        (const char     *dir);
void             core_test_forget_database (const char     *dir);
/* to stands for a copy of from's database (a backup, or its restore). */
void             core_test_copy_database   (const char     *from,
                                            const char     *to);

G_END_DECLS

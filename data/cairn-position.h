/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-position.h: fractional position keys for ordering lists and todos.
 *
 * A key is 1..CAIRN_POSITION_MAX_LENGTH characters of 0-9A-Za-z, never
 * ending in '0', read as a base-62 fraction; keys sort with strcmp/memcmp
 * (SQLite COLLATE BINARY). There is always a key between two different keys,
 * and each new key ends in random digits, so two devices inserting at the
 * same spot get different keys. Sort by (position, id) so order stays total
 * even in the (astronomically unlikely) case of equal keys.
 *
 * Appending after the last key (or prepending before the first) counts
 * through a header digit and a variable-length integer part (see
 * cairn-position.c), so keys grow with the logarithm of the number of
 * appends: 100,000 appends to an empty list end at 4 digits + the 3-digit
 * suffix. Keys from earlier versions are valid neighbours as they are.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CAIRN_POSITION_MAX_LENGTH 1024

gboolean  cairn_position_is_valid  (const char *key);

/* A new key strictly between before and after. before NULL: there is
 * nothing before (the new key goes first); after NULL: nothing after (it
 * goes last). When both are given, before must sort strictly before after. */
char     *cairn_position_between   (const char *before,
                                    const char *after);

/* The same with an explicit source of randomness (NULL: GLib's global
 * generator), for tests. */
char     *cairn_position_between_with_rand (const char *before,
                                            const char *after,
                                            GRand      *rand);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* protocol-test-util.h: comparisons of decoded protocol values, shared by
 * the protocol tests and the protocol fuzz target. */
#pragma once

#include "cairn-protocol.h"

G_BEGIN_DECLS

/* a and b hold the same CairnWireEvents, every member equal. */
void protocol_test_assert_same_events (GPtrArray *a,
                                       GPtrArray *b);
/* The same events as the client reads them: args compared as parsed JSON
 * (a fast path keeps the args as sent, the general one re-writes them),
 * every other member equal. */
void protocol_test_assert_same_pulled (GPtrArray *a,
                                       GPtrArray *b);
/* Both set, with the same domain, code and message. */
void protocol_test_assert_same_error  (const GError *a,
                                       const GError *b);

G_END_DECLS

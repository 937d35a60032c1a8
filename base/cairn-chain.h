/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-chain.h: the chained digest of an event log, one definition for
 * the server and the client store.
 *
 * chain(0) = 16 zero bytes; chain(seq) = the first 16 bytes of
 * SHA-256 (chain(seq - 1) || client_id || NUL || client_seq as 8 bytes,
 * big-endian). Two logs with the same chain at seq k hold the same events
 * (client_id, client_seq) at every seq <= k, but for a collision of a
 * 128-bit digest. Written as 32 lowercase hex digits, in both databases
 * and on the wire (docs/protocol.md). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CAIRN_CHAIN_HEX_LEN 32

/* chain(0), the chain of the empty log. */
#define CAIRN_CHAIN_ZERO "00000000000000000000000000000000"

/* The chain after appending (client_id, client_seq) to a log whose chain
 * is @prev (CAIRN_CHAIN_ZERO for the empty log), as hex. @prev must be
 * valid (cairn_chain_is_valid). */
char     *cairn_chain_next     (const char *prev,
                                const char *client_id,
                                gint64      client_seq);
/* 32 lowercase hex digits. */
gboolean  cairn_chain_is_valid (const char *str);

G_END_DECLS

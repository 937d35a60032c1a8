/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-ws-limit.h: a limit on the size of whole WebSocket messages.
 *
 * libsoup 3.2's max-incoming-payload-size applies to each frame: a message
 * sent as many fragments, each under the limit, is assembled in memory
 * whatever its size. cairn_ws_limit_stream_new() wraps the connection's
 * stream before libsoup's SoupWebsocketConnection is made on it, follows
 * the frame headers as libsoup reads them, and when the fragments of one
 * message add up to more than max_message bytes stops handing libsoup
 * anything (the frame that crosses the limit is not read) and emits
 * "too-big" from an idle: the owner then closes the connection with 1009
 * (message too big), which libsoup still writes. Memory stays at about
 * one limit's worth. No extension (permessage-deflate) may be negotiated
 * on such a connection, since the limit counts the bytes on the wire.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CAIRN_TYPE_WS_LIMIT_STREAM (cairn_ws_limit_stream_get_type ())
G_DECLARE_FINAL_TYPE (CairnWsLimitStream, cairn_ws_limit_stream, CAIRN, WS_LIMIT_STREAM, GIOStream)

/* A stream that reads and writes through base; base's input must be
 * pollable (the streams libsoup hands over are). */
GIOStream *cairn_ws_limit_stream_new          (GIOStream *base,
                                               guint64    max_message);
/* Whether a message over the limit was seen (then the connection ends). */
gboolean   cairn_ws_limit_stream_get_tripped  (CairnWsLimitStream *self);

G_END_DECLS

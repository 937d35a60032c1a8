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
 * (message too big), which libsoup still writes, and from then on the
 * stream reads as ended, so libsoup drops the connection at once instead
 * of waiting for the peer's close frame. Memory stays at about one
 * limit's worth. No extension (permessage-deflate) may be negotiated
 * on such a connection, since the limit counts the bytes on the wire.
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define CAIRN_TYPE_WS_LIMIT_STREAM (cairn_ws_limit_stream_get_type ())
G_DECLARE_FINAL_TYPE (CairnWsLimitStream, cairn_ws_limit_stream, CAIRN, WS_LIMIT_STREAM, GIOStream)

/* A stream that reads and writes through base; base's input must be
 * pollable (the streams libsoup hands over are). */
GIOStream *cairn_ws_limit_stream_new          (GIOStream *base,
                                               guint64    max_message);
/* Whether a message over the limit was seen (then the connection ends). */
gboolean   cairn_ws_limit_stream_get_tripped  (CairnWsLimitStream *self);

/* The app's live WebSocket: opens url (http or https) itself, sends the
 * handshake with authorization (the Authorization header's value, or
 * NULL) and no extension, and returns a client SoupWebsocketConnection
 * that reads through the limit (closed with 1009 past max_message).
 * libsoup 3.2's session cannot hand over the stream for that. When the
 * server answers with another status than 101, fails with
 * SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET and sets *out_status to it (0 when
 * there was no HTTP answer). Over TLS, a certificate the system refuses
 * is taken when its SHA-256 fingerprint is pinned_certificate
 * (cairn-tls-pin.h; NULL: none is). */
void                     cairn_ws_limit_connect_async  (const char          *url,
                                                        const char          *authorization,
                                                        guint64              max_message,
                                                        const char          *pinned_certificate,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
SoupWebsocketConnection *cairn_ws_limit_connect_finish (GAsyncResult        *result,
                                                        guint               *out_status,
                                                        GError             **error);
/* After a failed connect: the fingerprint of the server certificate it
 * refused (and what was wrong with it), or NULL. */
char                    *cairn_ws_limit_connect_dup_refused (GAsyncResult         *result,
                                                             GTlsCertificateFlags *out_errors);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-in-process.h: cairn-server's HTTP front end without a socket.
 *
 * The request handlers of `cairn-server serve` (server/cairn-server.c), set
 * up as serve sets them up around a core, answering requests handed over
 * as bytes: each request is written as HTTP/1.1 text into an in-memory
 * connection, libsoup reads and dispatches it exactly as it would from the
 * network, and the answer is read back from memory. For tests/fuzz (the
 * server target) and regression tests; never part of cairn-server itself.
 */
#pragma once

#include <glib.h>

#include "cairn-server-core.h"

G_BEGIN_DECLS

typedef struct _CairnServerInProcess CairnServerInProcess;

/* core stays owned by the caller and must outlive the result. */
CairnServerInProcess *cairn_server_in_process_new  (CairnServerCore       *core);
void                  cairn_server_in_process_free (CairnServerInProcess  *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnServerInProcess, cairn_server_in_process_free)

/* One request from 127.0.0.1: method and target ("/v1/…?after=3") as they
 * go on the request line, headers as "Name: value" lines (NULL-terminated
 * array, may be NULL), and body_len bytes of body (a Content-Length is
 * added). Runs the default main context until the answer is written (a
 * login's password check and a push's group commit included) or timeout_ms
 * passed. Returns the status (0 when no answer came in time; libsoup's 400
 * for a request line or header it cannot parse) and the body in *out_body
 * (NUL-terminated; its length in *out_len). */
guint cairn_server_in_process_request (CairnServerInProcess *self,
                                       const char           *method,
                                       const char           *target,
                                       const char * const   *headers,
                                       const char           *body,
                                       gsize                 body_len,
                                       guint                 timeout_ms,
                                       char                **out_body,
                                       gsize                *out_len);

G_END_DECLS

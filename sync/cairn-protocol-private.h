/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-protocol-private.h: the strict field access and the event and
 * error codecs that cairn-protocol.c shares with the message codecs in
 * cairn-protocol-messages.c. */
#pragma once

#include <json-glib/json-glib.h>

#include "cairn-protocol.h"

G_BEGIN_DECLS

gboolean     _cairn_protocol_invalid (GError **error, const char *where, const char *field, const char *what);
JsonObject * _cairn_protocol_want_object (JsonNode *node, const char *where, GError **error);
gboolean     _cairn_protocol_only_fields (JsonObject *obj, const char * const *allowed, const char *where, GError **error);
gboolean     _cairn_protocol_get_string (JsonObject *obj, const char *field, const char *where, gboolean required, const char **out, GError **error);
gboolean     _cairn_protocol_get_int (JsonObject *obj, const char *field, const char *where, gboolean required, gint64 min, gint64 max, gint64 *out, GError **error);
gboolean     _cairn_protocol_get_bool (JsonObject *obj, const char *field, const char *where, gboolean *out, GError **error);
JsonArray *  _cairn_protocol_get_array (JsonObject *obj, const char *field, const char *where, GError **error);
void         _cairn_protocol_add_events (JsonBuilder *b, GPtrArray *events);
GPtrArray *  _cairn_protocol_decode_server_events (JsonArray *array, GError **error);
void         _cairn_protocol_build_error_object (JsonBuilder *b, CairnProtocolError error, const char *message, const char *client_id, gint64 expected, gint64 retry_after);
CairnErrorReply * _cairn_protocol_decode_error_object (JsonNode *node, GError **error);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-json-guard.h: a cheap pass over untrusted JSON text before a
 * recursive parser sees it.
 *
 * json-glib 1.6 recurses once per nesting level without a limit, so about
 * 80,000 "[" in a row end the process. Every piece of text that comes from
 * outside (request bodies, WebSocket messages, server answers, event args)
 * goes through cairn_json_guard() first, on the server and in the app. It
 * also finds what json-glib would decode into something the caller cannot
 * see: an escaped NUL ("\u0000", which cuts a C string short) and, when
 * asked, integers that do not fit in 64 bits (json-glib wraps them). Numbers
 * with a fraction or exponent, which json-glib's generator writes back as
 * text that is not JSON ("1e+20.0", "inf.0"), are found after parsing by
 * cairn_json_node_has_fraction().
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Arrays and objects nested deeper than this are refused. The protocol's
 * messages need 4 levels plus what event args hold (flat today). */
#define CAIRN_JSON_MAX_DEPTH 64

typedef enum
{
  CAIRN_JSON_GUARD_NONE     = 0,
  /* Every integer (a number without fraction or exponent) must fit in
   * 64 bits (gint64). */
  CAIRN_JSON_GUARD_INTEGERS = 1 << 0,
} CairnJsonGuardFlags;

typedef enum
{
  CAIRN_JSON_GUARD_OK,
  CAIRN_JSON_GUARD_TOO_DEEP,   /* nested deeper than CAIRN_JSON_MAX_DEPTH */
  CAIRN_JSON_GUARD_NUL,        /* a string holds the escape \u0000 */
  CAIRN_JSON_GUARD_NOT_JSON,   /* outside strings, something that is not a JSON token
                                * (single quotes, comments, identifiers: json-glib
                                * extensions that a scan could read differently) */
  CAIRN_JSON_GUARD_NUMBER,     /* with CAIRN_JSON_GUARD_INTEGERS: an integer out of range */
} CairnJsonGuardResult;

/* Looks at length bytes of data (-1: up to its NUL). Returns the first
 * problem found and sets *offset (may be NULL) to its byte offset. Text
 * that passes may still be malformed JSON (an unterminated string, a
 * missing comma): that is the parser's to say, and it can then no longer
 * recurse deeper than CAIRN_JSON_MAX_DEPTH nor hide a NUL. */
CairnJsonGuardResult cairn_json_guard         (const char          *data,
                                               gssize               length,
                                               CairnJsonGuardFlags  flags,
                                               gsize               *offset);
/* A sentence for people about a result other than OK, naming the limit
 * and the byte offset. */
char                *cairn_json_guard_message (CairnJsonGuardResult result,
                                               gsize                offset);

/* Whether node (a tree that passed cairn_json_guard()) holds a number
 * with a fraction or exponent anywhere. */
gboolean             cairn_json_node_has_fraction (JsonNode *node);

G_END_DECLS

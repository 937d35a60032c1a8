/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json-test-util.h: event args as json-glib reads them, and the strict
 * comparison the light reader (data/cairn-event-args.c) is held to; for
 * test-event-args and the event-args fuzz target. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What the store did before the light reader: an immutable parser. NULL
 * when json-glib refuses the text or it is not an object. */
JsonObject *json_test_parse_object      (const char *json,
                                         gssize      length);
/* Same members in the same order, same node and value types, same values,
 * same sealing. */
gboolean    json_test_objects_identical (JsonObject *a,
                                         JsonObject *b);

G_END_DECLS

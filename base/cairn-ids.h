/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-ids.h: the two kinds of id every layer checks: a device's client
 * id and an object's (or workspace's) UUID. One definition, for data/,
 * the protocol and the server. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 32 lowercase hex digits: a device's random 128-bit id for a workspace. */
gboolean  cairn_is_client_id  (const char *str);
/* A UUID in its canonical lowercase form (8-4-4-4-12 hex digits): objects
 * made on devices (UUIDv7) and workspaces. */
gboolean  cairn_is_object_id  (const char *str);
/* A new random client id. */
char     *cairn_new_client_id (void);

G_END_DECLS

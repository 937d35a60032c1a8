/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-conflict.h: one change of ours that another device overwrote.
 *
 * Recorded by the rebase when an incoming event from another device replaces
 * a field value our own recent event had set (and no pending event of ours
 * sets it again). Local to this device, never synced. Read-only properties:
 * "id", "kind" ("list", "todo", "note"), "object-id", "field" ("title",
 * "done", "due", "list", "position"), "ours", "theirs" (the values, as
 * text; "" for a cleared due date), "their-device", "seq" (the server seq
 * of their event) and "detected-at" (unix milliseconds).
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CAIRN_TYPE_CONFLICT (cairn_conflict_get_type ())
G_DECLARE_FINAL_TYPE (CairnConflict, cairn_conflict, CAIRN, CONFLICT, GObject)

CairnConflict *cairn_conflict_new              (gint64      id,
                                                const char *kind,
                                                const char *object_id,
                                                const char *field,
                                                const char *ours,
                                                const char *theirs,
                                                const char *their_device,
                                                gint64      seq,
                                                gint64      detected_at);
gint64         cairn_conflict_get_id           (CairnConflict *self);
const char    *cairn_conflict_get_kind         (CairnConflict *self);
const char    *cairn_conflict_get_object_id    (CairnConflict *self);
const char    *cairn_conflict_get_field        (CairnConflict *self);
const char    *cairn_conflict_get_ours         (CairnConflict *self);
const char    *cairn_conflict_get_theirs       (CairnConflict *self);
const char    *cairn_conflict_get_their_device (CairnConflict *self);
gint64         cairn_conflict_get_seq          (CairnConflict *self);
gint64         cairn_conflict_get_detected_at  (CairnConflict *self);

G_END_DECLS

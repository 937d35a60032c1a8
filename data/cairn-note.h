/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-note.h: one note row, as the pool keeps it. Read-only properties:
 * "id", "title", "body" (the materialised text of the note's CRDT, read
 * from the store when first asked for after a change; "body" is notified
 * when the note's text version changes, without reading it), "pinned",
 * "edited-at" (Unix ms of the note's last create, rename or text edit:
 * the latest of those events' own timestamps, the same on every device). */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CAIRN_TYPE_NOTE (cairn_note_get_type ())
G_DECLARE_FINAL_TYPE (CairnNote, cairn_note, CAIRN, NOTE, GObject)

const char *cairn_note_get_id    (CairnNote *self);
const char *cairn_note_get_title (CairnNote *self);
const char *cairn_note_get_body  (CairnNote *self);
gboolean    cairn_note_get_pinned (CairnNote *self);
gint64      cairn_note_get_edited_at (CairnNote *self);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-notes-view.h: the workspace's notes: a list (pinned first, then
 * the last edited; CairnNoteRow) beside an editor for the selected one:
 * the title, the note menu (Pin to Top, Delete), and the body through a
 * CairnNoteBuffer (typing becomes note.edited events; changes from other
 * devices are applied in place, keeping the cursor and selection), with
 * light Markdown shown as tags (cairn-markdown.h). */
#pragma once

#include <adwaita.h>

#include "cairn-note-buffer.h"
#include "cairn-pool.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_NOTES_VIEW (cairn_notes_view_get_type ())
G_DECLARE_FINAL_TYPE (CairnNotesView, cairn_notes_view, CAIRN, NOTES_VIEW, GtkWidget)

GtkWidget  *cairn_notes_view_new          (CairnPool      *pool);
/* Opens the note with this id in the editor (NULL: none). */
void        cairn_notes_view_select_note  (CairnNotesView *self,
                                           const char     *note_id);
/* Lists only the notes filter keeps (NULL: all); also the writable
 * property "filter", which the find bar sets (cairn-find-bar.h). A note
 * open in the editor that the filter leaves out is closed. */
void        cairn_notes_view_set_filter   (CairnNotesView *self,
                                           GtkFilter      *filter);
CairnNote  *cairn_notes_view_get_note     (CairnNotesView *self);
/* Keyboard focus to the title of the open note. */
void        cairn_notes_view_focus_title  (CairnNotesView *self);
/* The body's editor, and the note buffer behind it (NULL: no note open). */
GtkTextView     *cairn_notes_view_get_body_view   (CairnNotesView *self);
CairnNoteBuffer *cairn_notes_view_get_note_buffer (CairnNotesView *self);

G_END_DECLS

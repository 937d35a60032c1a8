/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-notes-view.h: the workspace's notes: a list (newest first) beside
 * an editor for the selected one (title editable; body shown). */
#pragma once

#include <adwaita.h>

#include "cairn-pool.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_NOTES_VIEW (cairn_notes_view_get_type ())
G_DECLARE_FINAL_TYPE (CairnNotesView, cairn_notes_view, CAIRN, NOTES_VIEW, GtkWidget)

GtkWidget  *cairn_notes_view_new          (CairnPool      *pool);
/* Opens the note with this id in the editor (NULL: none). */
void        cairn_notes_view_select_note  (CairnNotesView *self,
                                           const char     *note_id);
CairnNote  *cairn_notes_view_get_note     (CairnNotesView *self);
/* Keyboard focus to the title of the open note. */
void        cairn_notes_view_focus_title  (CairnNotesView *self);

G_END_DECLS

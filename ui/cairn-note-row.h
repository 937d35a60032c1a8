/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-note-row.h: one row of the notes list: a pin when the note is
 * pinned, its title, a preview of its body and when it was last edited
 * ("5 minutes ago", "Yesterday", a date), kept current while shown. */
#pragma once

#include <adwaita.h>

#include "cairn-note.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_NOTE_ROW (cairn_note_row_get_type ())
G_DECLARE_FINAL_TYPE (CairnNoteRow, cairn_note_row, CAIRN, NOTE_ROW, GtkWidget)

GtkWidget  *cairn_note_row_new       (void);
/* The note shown (NULL: none); the row follows its properties. */
void        cairn_note_row_set_note  (CairnNoteRow *self,
                                      CairnNote    *note);
CairnNote  *cairn_note_row_get_note  (CairnNoteRow *self);
/* Whether the row has read its note's body for the preview (it does once
 * shown): for tests and benchmarks. */
gboolean    cairn_note_row_get_preview_read (CairnNoteRow *self);
/* The row's context menu (a right click, a long press): Pin to Top or
 * Unpin, Delete Note. For tests: open it, and the popover (NULL before). */
void        cairn_note_row_popup_menu (CairnNoteRow *self);
GtkPopover *cairn_note_row_get_popover (CairnNoteRow *self);

/* What the row shows under the title: the first line of the body that
 * has text, without its Markdown markers (heading #, list and checklist
 * marks), cut at CAIRN_NOTE_PREVIEW_CHARS characters with "…". Empty for
 * an empty body. */
#define CAIRN_NOTE_PREVIEW_CHARS 80
char       *cairn_note_preview       (const char *body);
/* When a note was last edited, as the row says it: "Just now" (under a
 * minute), "5 minutes ago" (under an hour), the time today ("14:05"),
 * "Yesterday", "Dec 8" this year, else the locale's date. edited_ms:
 * Unix milliseconds; now: the local time to compare with. */
char       *cairn_note_format_edited (gint64     edited_ms,
                                      GDateTime *now);

G_END_DECLS

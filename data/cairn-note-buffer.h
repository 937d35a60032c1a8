/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-note-buffer.h: the text of one note body as an editor sees it.
 *
 * The GUI editor feeds every keystroke to a CairnNoteBuffer. The buffer
 * applies it at once to its CRDT replica, so get_text() is always what the
 * user sees. It coalesces the keystrokes into one `note.edited` event per
 * burst: the event is committed when no edit came for `flush-delay`
 * milliseconds (default 400), on cairn_note_buffer_flush(), and when the
 * buffer is disposed.
 *
 * Changes from elsewhere (another device, through sync and rebase, or
 * cairn-cli) are merged with the unflushed local edits. The buffer then
 * emits ::remote-changed (position, deleted, inserted), in code points, so
 * the editor can update its GtkTextBuffer in place and keep the cursor:
 *
 *   delete `deleted` characters at `position`, then insert `inserted` there.
 *
 * Usage from the editor:
 *
 *   buffer = cairn_note_buffer_new (store, note_id, &error);
 *   g_signal_connect (buffer, "remote-changed", G_CALLBACK (on_remote), view);
 *   // GtkTextBuffer::insert-text   → cairn_note_buffer_insert (buffer, offset, text, -1, NULL)
 *   // GtkTextBuffer::delete-range  → cairn_note_buffer_delete (buffer, start, end - start, NULL)
 *   // closing the note             → cairn_note_buffer_flush (buffer, &error)
 */
#pragma once

#include "cairn-store.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_NOTE_BUFFER (cairn_note_buffer_get_type ())
G_DECLARE_FINAL_TYPE (CairnNoteBuffer, cairn_note_buffer, CAIRN, NOTE_BUFFER, GObject)

#define CAIRN_NOTE_BUFFER_RETRY_MS 2000

/* The note must exist and not be deleted. */
CairnNoteBuffer *cairn_note_buffer_new        (CairnStore      *store,
                                               const char      *note_id,
                                               GError         **error);
/* The same over a task's notes (todo.notes_edited events, issue 13): the
 * todo must exist and not be deleted; get_note_id gives the todo id. */
CairnNoteBuffer *cairn_note_buffer_new_for_todo (CairnStore    *store,
                                                 const char    *todo_id,
                                                 GError       **error);
const char      *cairn_note_buffer_get_note_id (CairnNoteBuffer *self);
/* The text the user sees, unflushed edits included. */
const char      *cairn_note_buffer_get_text   (CairnNoteBuffer *self);
gsize            cairn_note_buffer_get_length (CairnNoteBuffer *self);

/* Positions and lengths in code points. Errors as cairn_text_insert() and
 * cairn_text_delete(); nothing changes on error. */
gboolean         cairn_note_buffer_insert     (CairnNoteBuffer *self,
                                               gsize            pos,
                                               const char      *utf8,
                                               gssize           len,
                                               GError         **error);
gboolean         cairn_note_buffer_delete     (CairnNoteBuffer *self,
                                               gsize            pos,
                                               gsize            len,
                                               GError         **error);

/* Commits the unflushed edits now as one note.edited event (none: TRUE).
 * When that fails (a full disk) the edits stay unflushed and visible, and
 * the commit is tried again every CAIRN_NOTE_BUFFER_RETRY_MS until it
 * succeeds or the buffer is disposed, so that the text is saved once
 * space returns even if the person types nothing more. A commit on the
 * flush delay that fails when saving did not fail before emits
 * ::save-failed (GError*); one called directly reports to its caller. */
gboolean         cairn_note_buffer_flush      (CairnNoteBuffer *self,
                                               GError         **error);
gboolean         cairn_note_buffer_has_unflushed (CairnNoteBuffer *self);
/* Whether the last commit of the unflushed edits failed. */
gboolean         cairn_note_buffer_get_save_failing (CairnNoteBuffer *self);

/* FALSE while the note's text refuses local edits: this device's own
 * earlier edits wait for other devices' edits it does not have
 * (cairn_text_check_editable). insert and delete then fail with
 * CAIRN_TEXT_ERROR_NOT_READY and change nothing. Property "editable",
 * notified when it changes (a remote change can end it). get_refusal:
 * why, or NULL. */
gboolean         cairn_note_buffer_get_editable (CairnNoteBuffer *self);
const char      *cairn_note_buffer_get_refusal  (CairnNoteBuffer *self);

guint            cairn_note_buffer_get_flush_delay (CairnNoteBuffer *self);
void             cairn_note_buffer_set_flush_delay (CairnNoteBuffer *self,
                                                    guint            ms);

G_END_DECLS

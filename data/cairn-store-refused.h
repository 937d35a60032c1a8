/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-refused.h: changes the server refused for good, set aside.
 *
 * A pending event the server will never accept (docs/sync.md, "Changes the
 * server refuses") leaves the outbox for the local table sync_refused,
 * together with every later pending event that names an object it names,
 * so that the rest of the outbox can go out. Nothing is deleted: the rows
 * keep each event as it was committed, with the server's reason.
 */
#pragma once

#include "cairn-store.h"

G_BEGIN_DECLS

typedef struct
{
  gint64      id;                  /* row of sync_refused */
  CairnEvent *event;               /* as committed, with the client_seq it had then */
  gint64      refused_client_seq;  /* the event the server refused: itself, or the one it depends on */
  char       *code;                /* the server's error code, e.g. "args_too_large" */
  char       *reason;              /* the server's message */
  gint64      set_aside_at;        /* unix ms */
} CairnRefusedChange;

void cairn_refused_change_free (CairnRefusedChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnRefusedChange, cairn_refused_change_free)

/* Sets aside the pending event @client_seq, which the server refused for
 * good (@code, @reason), and every later pending event that names (in an
 * "…_id" argument) an object it or another set-aside event names. In one
 * transaction: they move to sync_refused, the later pending events take
 * the client_seqs they leave free (none of them can be on the server: it
 * stores a client's events in client_seq order, and refused this one), and
 * the state is rebuilt from the log and what stays in the outbox (the
 * file's rebuild flag covers a crash between the two). Returns what was
 * set aside (element: CairnRefusedChange, the refused event first); empty
 * when @client_seq is no longer pending, or (@expected_args not NULL) when
 * the event pending under it has other args (as cairn_event_dup_args_json()
 * writes them): another process set the refused one aside first. */
GPtrArray *cairn_store_set_aside_refused  (CairnStore  *self,
                                           gint64       client_seq,
                                           const char  *expected_args,
                                           const char  *code,
                                           const char  *reason,
                                           GError     **error);
/* The pending event @client_seq is a note.edited whose args are over the
 * server's limit (committed by a build that did not split large edits,
 * and so refused with args_too_large): replaces it with the split
 * note.edited events a large edit makes now, under consecutive
 * client_seqs, moving the later pending events up (the server has none
 * of them, as for a set-aside), then rebuilds the state (the same text).
 * Returns how many events it became, or 0 when @client_seq is not such an
 * event (or, with @expected_args, not that event any more); -1 on error. */
gint       cairn_store_split_pending_edit (CairnStore  *self,
                                           gint64       client_seq,
                                           const char  *expected_args,
                                           GError     **error);
/* What was set aside, oldest first (element: CairnRefusedChange). */
GPtrArray *cairn_store_list_refused       (CairnStore  *self,
                                           GError     **error);
/* How many changes are set aside; -1 on error. */
gint64     cairn_store_count_refused      (CairnStore  *self,
                                           GError     **error);
/* Forgets one set-aside change for good (the person decided it is not
 * needed, or typed it again). CAIRN_STORE_ERROR_NOT_FOUND when there is
 * no such row. */
gboolean   cairn_store_dismiss_refused    (CairnStore  *self,
                                           gint64       id,
                                           GError     **error);
/* One line naming a set-aside change for people, e.g.
 * "note.edited of note 0190… (args_too_large: …)". */
char      *cairn_refused_change_describe  (const CairnRefusedChange *change);

G_END_DECLS

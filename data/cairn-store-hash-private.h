/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-hash-private.h: the state hash on any connection to a
 * Cairn file (the store's own, a reader thread's, a snapshot's image),
 * for cairn-store-hash*.c and cairn-store-snapshot.c. */
#pragma once

#include <sqlite3.h>

#include "cairn-store-hash.h"

G_BEGIN_DECLS

/* SHA-256 through Nettle when the build has it (the CPU's SHA
 * instructions: ~8× GLib's GChecksum, base/cairn-chain.c), else GLib's.
 * The bytes, and so the hashes, are the same either way. */
typedef struct _CairnSha256 CairnSha256;

CairnSha256 *_cairn_sha256_new    (void);
void         _cairn_sha256_update (CairnSha256  *self,
                                   const void   *data,
                                   gsize         len);
/* The digest (32 bytes); self is freed. */
void         _cairn_sha256_finish (CairnSha256  *self,
                                   guint8        digest[32]);
/* One call for data in one piece. */
void         _cairn_sha256        (const void   *data,
                                   gsize         len,
                                   guint8        digest[32]);

/* Hashes the state tables as db reads them (in the caller's read
 * transaction, if any): sets out->hash only. db needs cairn_note_body()
 * and cairn_todo_notes(): the store's, or those of
 * _cairn_written_texts_new(). */
gboolean _cairn_state_hash_db (sqlite3         *db,
                               CairnStateHash  *out,
                               GError         **error);

/* cairn_note_body() and cairn_todo_notes() for a connection that is not
 * a store's: they give the text written in the file (notes.body,
 * todo_notes.notes) when it is of the state's version, and fail when it
 * is not (the writer had not written it yet; then
 * _cairn_written_texts_found_stale() is TRUE). No CRDT is decoded. Free
 * it (it finalizes its statements) before closing db. */
typedef struct _CairnWrittenTexts CairnWrittenTexts;

CairnWrittenTexts *_cairn_written_texts_new         (sqlite3            *db,
                                                     GError            **error);
gboolean           _cairn_written_texts_found_stale (CairnWrittenTexts  *texts);
void               _cairn_written_texts_free        (CairnWrittenTexts  *texts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnWrittenTexts, _cairn_written_texts_free)

/* Tests only: called on the reader's thread once its read snapshot has
 * begun (the head read), before the hash (cairn-store-hash-reader.c). */
typedef void (*CairnHashReaderHook) (gpointer user_data);
void _cairn_store_hash_reader_set_test_hook (CairnHashReaderHook hook,
                                             gpointer            user_data);

G_END_DECLS

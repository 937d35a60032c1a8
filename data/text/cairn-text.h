/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text.h: the sequence CRDT behind note bodies.
 *
 * A CairnText is one replica of a note body. Local edits (insert/delete at a
 * code-point position) change it at once and describe themselves as
 * operations, appended to a CairnTextOps batch that can be encoded and sent.
 * Remote batches are merged with cairn_text_apply(): operations are
 * idempotent, commute under causal order, and never interleave concurrent
 * insertions at the same place (see docs/text-crdt.md for the algorithm and
 * the argument). Operations whose causal dependencies have not arrived yet
 * are held inside the document and applied as soon as they can be.
 *
 * Positions and lengths are Unicode code points; text is UTF-8. Every call
 * that can fail takes a GError and leaves the document unchanged on failure.
 *
 * Not thread-safe: one CairnText per thread at a time. No GTK, no I/O.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CAIRN_TEXT_ERROR (cairn_text_error_quark ())

typedef enum
{
  CAIRN_TEXT_ERROR_INVALID_UTF8,    /* inserted text is not valid UTF-8 */
  CAIRN_TEXT_ERROR_OUT_OF_RANGE,    /* position or length past the end */
  CAIRN_TEXT_ERROR_MALFORMED,       /* an encoding that does not decode, or ops that contradict the document */
  CAIRN_TEXT_ERROR_NOT_READY,       /* strict apply: causal dependencies missing */
  CAIRN_TEXT_ERROR_INVALID_CLIENT,  /* a client id that is not 32 hex digits */
  CAIRN_TEXT_ERROR_UNKNOWN_VERSION, /* a version this document has not reached */
} CairnTextError;

GQuark cairn_text_error_quark (void);

typedef struct _CairnText        CairnText;
typedef struct _CairnTextOps     CairnTextOps;
typedef struct _CairnTextVersion CairnTextVersion;

typedef enum
{
  CAIRN_TEXT_APPLY_DEFAULT = 0,
  /* Refuse the whole batch (CAIRN_TEXT_ERROR_NOT_READY, document unchanged)
   * when an operation in it depends on one that is neither in the document
   * nor earlier in the batch, instead of holding it. */
  CAIRN_TEXT_APPLY_STRICT  = 1 << 0,
} CairnTextApplyFlags;

typedef enum
{
  CAIRN_TEXT_VERSION_EQUAL,
  CAIRN_TEXT_VERSION_BEFORE,     /* a happened before b: b contains all of a */
  CAIRN_TEXT_VERSION_AFTER,
  CAIRN_TEXT_VERSION_CONCURRENT,
} CairnTextVersionOrder;

/* ---- Documents ---------------------------------------------------------- */

/* @client_id: this replica's client id, 32 hex digits (the store's id). */
CairnText    *cairn_text_new             (const char          *client_id,
                                          GError             **error);
void          cairn_text_free            (CairnText           *self);

/* Code points of visible text. */
gsize         cairn_text_get_length      (CairnText           *self);
/* The visible text, NUL-terminated UTF-8; @out_bytes (nullable) gets its size. */
char         *cairn_text_get_text        (CairnText           *self,
                                          gsize               *out_bytes);

/* Inserts @len bytes of @utf8 (-1: NUL-terminated) before code point @pos
 * (0 ≤ pos ≤ length). The operation made is appended to @out (nullable),
 * merged with the previous one there when it continues it (typing). */
gboolean      cairn_text_insert          (CairnText           *self,
                                          gsize                pos,
                                          const char          *utf8,
                                          gssize               len,
                                          CairnTextOps        *out,
                                          GError             **error);
/* Deletes @len code points from @pos (pos + len ≤ length). */
gboolean      cairn_text_delete          (CairnText           *self,
                                          gsize                pos,
                                          gsize                len,
                                          CairnTextOps        *out,
                                          GError             **error);

/* Merges a batch made by any replica (including this one: duplicates are
 * ignored). The batch is checked first; on error nothing changes. Ops that
 * are not causally ready are held (see get_n_pending) unless strict. */
gboolean      cairn_text_apply           (CairnText           *self,
                                          const CairnTextOps  *ops,
                                          CairnTextApplyFlags  flags,
                                          GError             **error);
/* Operations received but waiting for their dependencies. */
guint         cairn_text_get_n_pending   (CairnText           *self);
/* Whether insert and delete can make operations now: FALSE, with
 * CAIRN_TEXT_ERROR_NOT_READY saying why, while operations of this
 * replica's own client id are held (see docs/text-crdt.md). */
gboolean      cairn_text_check_editable  (CairnText           *self,
                                          GError             **error);

/* The set of operations applied so far (held ones excluded). */
CairnTextVersion *cairn_text_get_version (CairnText           *self);
/* The visible text as it was at @version (a version this document has seen
 * or passed: CAIRN_TEXT_ERROR_UNKNOWN_VERSION otherwise). */
char         *cairn_text_get_text_at     (CairnText           *self,
                                          const CairnTextVersion *version,
                                          GError             **error);
/* Every applied operation not in @since (NULL: all of them), in an order in
 * which they can be applied. NULL when the document was decoded from a
 * state whose history turns out damaged (cairn_text_check_history()). */
CairnTextOps *cairn_text_ops_since       (CairnText           *self,
                                          const CairnTextVersion *since);

/* Whole state with full history (and held operations), compact binary:
 * every deleted character's text is kept, for the text at any version,
 * ops_since() and undo. This is what a note's stored state holds. This
 * and the compact form are NULL when the document was decoded from a
 * state whose history turns out damaged (cairn_text_check_history()). */
GBytes       *cairn_text_encode_state    (CairnText           *self);
/* The same state without the text of deleted characters (their ids,
 * places and deletions stay, so later remote operations that name them
 * merge exactly as with the full state): for snapshots, where the history
 * is not needed. The document it decodes to reads that text as U+FFFD
 * (cairn_text_has_deleted_text()). */
GBytes       *cairn_text_encode_state_compact (CairnText      *self);
/* Decodes either form, and the older format (tag 0xC2) that states stored
 * before the compact format were written in. Validates everything it
 * reads. @client_id is the replica that will edit the decoded document.
 * Keeps a reference to @state until its history is read (see
 * cairn_text_check_history()): its bytes must stay valid that long (no
 * g_bytes_new_static() over memory freed before the document). */
CairnText    *cairn_text_decode_state    (GBytes              *state,
                                          const char          *client_id,
                                          GError             **error);
/* A state's deletion log and the order its operations were applied in are
 * checked against a checksum when it is decoded and read only when first
 * needed: by get_text_at(), ops_since() and the encoders, or by this call.
 * FALSE, with CAIRN_TEXT_ERROR_MALFORMED, when they do not read or do not
 * agree with the rest (a state made wrong, not one damaged by chance);
 * those calls then fail too, while the text, merging and editing go on.
 * TRUE at once for a document whose history is read. */
gboolean      cairn_text_check_history   (CairnText           *self,
                                          GError             **error);
/* FALSE when the text of some deleted characters is unknown: the document
 * comes from a compact state (or from a full state of one). That text then
 * reads as U+FFFD in cairn_text_get_text_at() and cairn_text_ops_since();
 * whoever needs it back (undo re-inserting a deleted run, the history)
 * must get it elsewhere (the event log). */
gboolean      cairn_text_has_deleted_text (CairnText         *self);

/* ---- Undo ------------------------------------------------------------- */

/* Edits this replica so as to take back what @ops did, appending the
 * operations made to @out: every character @ops inserted that is still
 * visible is deleted, wherever it is now, and every character @ops deleted
 * is typed again where its tombstone is. Characters other replicas typed
 * are never touched. Ops of @ops this document has not seen do nothing
 * (docs/text-crdt.md, "Undo"). @aliases (nullable; char* → char*, both
 * owned by the table, "32 hex digits:counter"): a character typed again
 * stands for the one it copies; they are followed when @ops names a
 * character, and every copy made here is added. */
gboolean      cairn_text_invert          (CairnText           *self,
                                          const CairnTextOps  *ops,
                                          GHashTable          *aliases,
                                          CairnTextOps        *out,
                                          GError             **error);

/* ---- Operation batches -------------------------------------------------- */

CairnTextOps *cairn_text_ops_new         (void);
void          cairn_text_ops_free        (CairnTextOps        *ops);
/* Runs of operations (consecutive typing counts as one). */
guint         cairn_text_ops_get_n_ops   (const CairnTextOps  *ops);
gboolean      cairn_text_ops_is_empty    (const CairnTextOps  *ops);
void          cairn_text_ops_clear       (CairnTextOps        *ops);
/* Appends every operation of @src to @dest. */
void          cairn_text_ops_append      (CairnTextOps        *dest,
                                          const CairnTextOps  *src);
GBytes       *cairn_text_ops_encode      (const CairnTextOps  *ops);
/* The smallest max_bytes cairn_text_ops_split() accepts. */
#define CAIRN_TEXT_OPS_MIN_SPLIT_BYTES 256
/* Cuts @ops into batches (CairnTextOps*, at least one when @ops is not
 * empty) whose encodings are each at most @max_bytes, to be applied one
 * after the other in array order: that gives the same document as
 * applying @ops (see docs/text-crdt.md, "Splitting a batch"). */
GPtrArray    *cairn_text_ops_split       (const CairnTextOps  *ops,
                                          gsize                max_bytes);
CairnTextOps *cairn_text_ops_decode      (GBytes              *bytes,
                                          GError             **error);
/* A copy of @ops in which every op id of @old_client with a counter at or
 * above @first becomes (@new_client, counter - first): the ops' own ids
 * and every reference in them (origins, deletion targets). Ids of
 * @old_client below @first, and of other clients, stay. For a replica that
 * found its client id shared (docs/text-crdt.md, "Re-keying ops after a
 * fork"). NULL, with INVALID_CLIENT for a bad or equal id, or MALFORMED
 * for an op run that straddles @first. */
CairnTextOps *cairn_text_ops_rekey       (const CairnTextOps  *ops,
                                          const char          *old_client,
                                          guint32              first,
                                          const char          *new_client,
                                          GError             **error);
/* The lowest counter of @client_id's own ops in @ops: FALSE when it has
 * none (or @client_id is not 32 hex digits). */
gboolean      cairn_text_ops_get_first_counter (const CairnTextOps *ops,
                                                const char         *client_id,
                                                guint32            *out_first);

/* ---- Versions (a client id → operation count map) ----------------------- */

CairnTextVersion *cairn_text_version_new     (void);
CairnTextVersion *cairn_text_version_copy    (const CairnTextVersion *version);
void              cairn_text_version_free    (CairnTextVersion       *version);
/* Operations of @client_id (32 hex digits) contained: 0 when absent. */
guint32           cairn_text_version_get     (const CairnTextVersion *version,
                                              const char             *client_id);
CairnTextVersionOrder cairn_text_version_compare (const CairnTextVersion *a,
                                                  const CairnTextVersion *b);
GBytes           *cairn_text_version_encode  (const CairnTextVersion *version);
CairnTextVersion *cairn_text_version_decode  (GBytes                 *bytes,
                                              GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnText, cairn_text_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnTextOps, cairn_text_ops_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnTextVersion, cairn_text_version_free)

G_END_DECLS

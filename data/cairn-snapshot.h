/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-snapshot.h: a workspace's confirmed state at one seq, as one
 * self-checking blob (docs/protocol.md, "Snapshots"): made by the server
 * from its log with these same reducers, loaded by a new device instead of
 * replaying the whole log, and kept by a device as the base its log starts
 * after (client log compaction).
 */
#pragma once

#include "cairn-store.h"
#include "cairn-store-hash.h"

G_BEGIN_DECLS

/* "CAIRNSNP", format 1 (docs/protocol.md). */
#define CAIRN_SNAPSHOT_FORMAT    1
/* The largest snapshot a client downloads or a server serves. */
#define CAIRN_SNAPSHOT_MAX_BYTES (G_GINT64_CONSTANT (512) * 1024 * 1024)

#define CAIRN_SNAPSHOT_ERROR (cairn_snapshot_error_quark ())

typedef enum
{
  CAIRN_SNAPSHOT_ERROR_DAMAGED,     /* truncated, bad checksum, bad header: refuse, retry */
  CAIRN_SNAPSHOT_ERROR_FALLBACK,    /* sound, but not for this build: replay the full log */
  CAIRN_SNAPSHOT_ERROR_NOT_EMPTY,   /* the store already has a log: not a new device */
} CairnSnapshotError;

GQuark cairn_snapshot_error_quark (void);

/* What a snapshot's header says. */
typedef struct
{
  gint64     seq;           /* the state is the log's up to and including seq */
  char      *history_id;
  char      *chain;         /* the log's chain at seq (cairn-chain.h), or NULL */
  guint      schema;        /* store schema of the image it holds */
  GPtrArray *catalogue;     /* "name/version" the reducers that made it knew */
  GArray    *skipped_seqs;  /* gint64: events it applied as unknown (no-ops) */
  GPtrArray *skipped;       /* "name/version" of each of those, same order */
  /* The maker's state hash at seq (cairn_store_confirmed_state_hash() of
   * the state it holds) and that hash's format: the server fills both
   * when it makes the snapshot; both "" when the maker had none. Readers
   * compare it only when both sides have one in the same format. */
  char      *state_hash;
  char      *state_format;
  /* The event at seq, as the log holds it: a loaded store keeps it as its
   * log's first row, so that its chain and the server's check of the
   * event at our head (docs/sync.md) work from there. NULL at seq 0. */
  CairnEvent *anchor;
  gint64     made_at;       /* ms since the epoch */
  guint64    image_bytes;   /* the uncompressed image */
  guint64    total_bytes;   /* the whole blob */
} CairnSnapshotInfo;

void               cairn_snapshot_info_free (CairnSnapshotInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnSnapshotInfo, cairn_snapshot_info_free)

/* Checks the blob's magic, format, length and SHA-256 and reads its header.
 * DAMAGED for anything short, long or altered; nothing is trusted before
 * the checksum matched. */
CairnSnapshotInfo *cairn_snapshot_parse     (GBytes  *blob,
                                             GError **error);
/* Whether this build may load a sound snapshot: FALLBACK when its image is
 * of a newer store schema, its catalogue names an event this build lacks
 * (an older client), or it skipped an event this build knows (a full
 * replay would apply it). */
gboolean           cairn_snapshot_check_usable (const CairnSnapshotInfo *info,
                                                GError                 **error);
/* The catalogue this build's reducers know, "name/version", sorted. */
GPtrArray         *cairn_snapshot_dup_catalogue (void);

/* The store's confirmed state at head (pending events rolled back for the
 * copy, the store unchanged), each note's text folded into one CRDT state,
 * as a snapshot blob. chain: the log's chain at head (NULL: unknown). */
GBytes            *cairn_store_export_snapshot (CairnStore  *self,
                                                const char  *chain,
                                                GError     **error);
/* The same, its header carrying hash (the maker's
 * cairn_store_confirmed_state_hash() of this store at its head; NULL:
 * none, as cairn_store_export_snapshot()). */
GBytes            *cairn_store_export_snapshot_hashed (CairnStore           *self,
                                                       const char           *chain,
                                                       const CairnStateHash *hash,
                                                       GError              **error);
/* A new device: loads the blob as the confirmed state at its seq (head
 * becomes seq, history_id its history id, the log starts after it) and
 * replays the pending events on top; the blob is kept as the base a
 * rebuild starts from. One transaction; ::changed with reset. Refused
 * (changing nothing) when the store has a confirmed log (NOT_EMPTY), the
 * blob is damaged (DAMAGED) or not for this build (FALLBACK). */
gboolean           cairn_store_load_snapshot   (CairnStore  *self,
                                                GBytes      *blob,
                                                GError     **error);
/* The header of the snapshot this store's state starts from (bootstrap or
 * compaction); NULL without error when it has none. */
CairnSnapshotInfo *cairn_store_dup_snapshot_info (CairnStore  *self,
                                                  GError     **error);

/* The seq of the store's base snapshot (0 without one): one small read. */
gboolean           cairn_store_get_snapshot_seq  (CairnStore  *self,
                                                  gint64      *out_seq,
                                                  GError     **error);

typedef struct
{
  gint64  base_seq;        /* the snapshot the log now starts after */
  gint64  rows_dropped;
  gint64  bytes_before;    /* the file (main database) */
  gint64  bytes_after;
  gboolean vacuumed;
} CairnCompactStats;

/* Client log compaction: makes the confirmed state at head the store's base
 * snapshot and drops the log rows up to head, except this device's own
 * events (pushed again after a server restore, docs/sync.md) and events
 * skipped as unknown; VACUUMs when a quarter of the file or more is free.
 * Pending events are untouched. */
gboolean           cairn_store_compact_log      (CairnStore        *self,
                                                 CairnCompactStats *out_stats,
                                                 GError           **error);

/* The log-dropping half of compaction, for a snapshot already made of this
 * store at its head (cairn_store_export_snapshot(), as the server's
 * snapshot maker has): keeps it as the base and drops the log up to it
 * as cairn_store_compact_log() does; no VACUUM. */
gboolean           cairn_store_adopt_snapshot_base (CairnStore        *self,
                                                    GBytes            *blob,
                                                    CairnCompactStats *out_stats,
                                                    GError           **error);

G_END_DECLS

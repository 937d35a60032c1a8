/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-hash.h: a canonical hash of the confirmed state at a seq.
 *
 * Replicas prove they agree by comparing it (docs/design.md, "Replicas
 * prove they agree"): devices report it to the server, which compares the
 * reports of different devices at the same seq; server-made snapshots
 * carry the server's own. It covers exactly the rows and columns of the
 * canonical dump (`cairn-cli state --json`, cairn_store_dump_state()),
 * without pending events. */
#pragma once

#include "cairn-store.h"

G_BEGIN_DECLS

/* 64 lowercase hex digits (SHA-256). */
#define CAIRN_STATE_HASH_LENGTH   64
/* 8 lowercase hex digits naming the canonical form (which tables and
 * columns, in which order): two hashes can be compared only when their
 * formats are equal. Derived from the SELECTs themselves, so any change
 * to the canonical form changes it. */
#define CAIRN_STATE_FORMAT_LENGTH 8

typedef struct
{
  gint64 seq;                                  /* the store's head */
  char   hash[CAIRN_STATE_HASH_LENGTH + 1];
  char   format[CAIRN_STATE_FORMAT_LENGTH + 1];
} CairnStateHash;

/* The format id of this build's canonical form. */
const char *cairn_state_hash_format (void);

/* Hashes the confirmed state (the state with every pending event rolled
 * back, the store itself left unchanged) at the store's head. A full
 * read of the state: 100,000 todos cost what BENCHMARKS.md says, so the
 * sync engine calls it rarely (docs/sync.md, "State hashes"). */
gboolean    cairn_store_confirmed_state_hash (CairnStore     *self,
                                              CairnStateHash *out,
                                              GError        **error);

/* The same hash off the calling thread (cairn-store-hash-reader.c): a
 * read-only connection of its own on a worker thread reads one
 * consistent snapshot of the file while the store goes on writing, and
 * out->seq is the head of that snapshot, not the store's head when the
 * call was made or finished. The store must be a file. Fails with
 * G_IO_ERROR_BUSY, nothing wrong, when the state is not confirmed state
 * as it is (events waiting to be sent, here or when the thread read) or
 * a note's text changed before the thread read it: ask again later. */
void        cairn_store_confirmed_state_hash_async  (CairnStore          *self,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean    cairn_store_confirmed_state_hash_finish (CairnStore          *self,
                                                     GAsyncResult        *result,
                                                     CairnStateHash      *out,
                                                     GError             **error);

/* Whether str is a well-formed hash / format id (lowercase hex of the
 * right length). */
gboolean    cairn_state_hash_is_valid        (const char *str);
gboolean    cairn_state_format_is_valid      (const char *str);

G_END_DECLS

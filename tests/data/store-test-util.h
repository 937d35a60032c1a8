/* SPDX-License-Identifier: GPL-3.0-or-later */
/* store-test-util.h: helpers the store tests share (temporary stores,
 * remote events, canonical dumps). */
#pragma once

#include "cairn-store-private.h"
#include "cairn-test-util.h"

G_BEGIN_DECLS

typedef struct
{
  char       *dir;     /* temporary folder, removed at the end */
  CairnStore *store;
} TestStore;

/* A fresh store in a new temporary folder. */
TestStore  *test_store_new        (void);
/* Another store in the same folder (a second, fresh workspace file). */
CairnStore *test_store_open_extra (TestStore  *ts,
                                   const char *name);
/* The store in file name of folder dir, which must open. */
CairnStore *test_store_open_at    (const char *dir,
                                   const char *name);
void        test_store_free       (TestStore  *ts);

/* A remote event as the server would send it. args_json is an object. */
CairnEvent *test_event_new        (const char *client_id,
                                   gint64      client_seq,
                                   gint64      seq,
                                   const char *name,
                                   const char *args_json);
/* A local commit of name (version 1) with args_json, which must succeed. */
CairnEvent *test_commit_json      (CairnStore *store,
                                   const char *name,
                                   const char *args_json);
/* The same event with client_id/client_seq/seq set (a new copy). */
CairnEvent *test_event_confirmed  (const CairnEvent *event,
                                   gint64            seq);

/* events (confirmed) rebased onto store with history_id, which must work. */
void        test_rebase_ok        (CairnStore *store,
                                   GPtrArray  *events,
                                   const char *history_id);
/* Types text at character pos of the note as a device does: into its
 * replica, then one note.edited, which must work. */
void        test_type_into_note   (CairnStore *store,
                                   const char *note_id,
                                   gsize       pos,
                                   const char *text);
/* The note's body as the store gives it to every reader (cairn_note_body). */
char       *test_read_note_body   (CairnStore *store,
                                   const char *note_id);

char       *test_dump             (CairnStore *store);
/* Number of rows of a query's first column. */
gint64      test_query_int        (CairnStore *store,
                                   const char *sql);
/* The text of a query's first column in its first row (NULL for NULL). */
char       *test_query_text       (CairnStore *store,
                                   const char *sql);
/* Everything a user or the sync relies on, as text: equal text, equal
 * store (the dump, the pending and confirmed events, head and history).
 * Client ids are left out of pending rows (always ours). */
char       *test_fingerprint      (CairnStore *store);
guint32     test_seed             (void);
/* Base64 of the operations that type "hi" into an empty note, as an ops
 * field holds them. */
char       *test_text_ops_b64     (void);
/* A "notify" handler that counts into *count. */
void        test_count_notify     (GObject    *object,
                                   GParamSpec *pspec,
                                   guint      *count);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestStore, test_store_free)

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-core-backend.h: the storage operations a CairnServerCore
 * hands to a backend other than its built-in SQLite file (today:
 * PostgreSQL, cairn-server-core-pg.c).
 *
 * One function per storage operation. Everything that is not storage
 * stays in the core and is shared by every backend: checking names and
 * passwords, Argon2id, tokens and their hashes, ids and randomness, the
 * clock, the login throttling counters, the session idle limit. So each
 * operation gets values already checked and made (a hash, an id, now) and
 * only reads or writes them, in one transaction, committed before it
 * returns (but for a grouped push). Errors follow cairn-server-core.h:
 * CAIRN_PROTOCOL_ERROR, STORAGE_FULL when the storage cannot be reached or
 * written (the front end answers 503 with Retry-After), INTERNAL else.
 *
 * A core whose backend is NULL uses SQLite (the functions of
 * cairn-server-core-*.c themselves). A new storage operation is a new
 * member here, a hook at the top of the core function that does it, and
 * its implementation in each backend. */
#pragma once

#include <glib.h>

#include "cairn-server-core.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;
  void        (*close)            (CairnServerCore *self);

  /* ---- users ---- hash is an Argon2id hash made by the core. */
  gboolean    (*user_add)         (CairnServerCore *self, const char *username, const char *hash,
                                   char **out_workspace_id, GError **error);
  gboolean    (*user_passwd)      (CairnServerCore *self, const char *username, const char *hash,
                                   GError **error);
  gboolean    (*user_remove)      (CairnServerCore *self, const char *username, GError **error);
  GPtrArray  *(*user_list)        (CairnServerCore *self, GError **error);
  /* 0 with NOT_FOUND for an unknown user. */
  gint64      (*user_id)          (CairnServerCore *self, const char *username, GError **error);
  /* The stored hash; NULL without an error when there is no such user. */
  char       *(*user_pwhash)      (CairnServerCore *self, const char *username, GError **error);

  /* ---- sessions ---- */
  gboolean    (*session_insert)   (CairnServerCore *self, const char *session_id, gint64 user_id,
                                   const char *token_hash, const char *device, gint64 now,
                                   GError **error);
  /* The session of token_hash (NULL without an error when none). */
  CairnAuth  *(*session_find)     (CairnServerCore *self, const char *token_hash,
                                   gint64 *out_last_used, GError **error);
  /* Sets last_used_at to now unless it is older than not_before. */
  gboolean    (*session_touch)    (CairnServerCore *self, const char *session_id, gint64 now,
                                   gint64 not_before, GError **error);
  /* The session's last use if it exists and its user is a member of the
   * workspace, else -1 (and -1 with the error on a storage error). */
  gint64      (*session_allowed)  (CairnServerCore *self, const char *session_id,
                                   const char *workspace_id, GError **error);
  GPtrArray  *(*sessions)         (CairnServerCore *self, const CairnAuth *auth, GError **error);
  gboolean    (*session_revoke)   (CairnServerCore *self, const CairnAuth *auth,
                                   const char *session_id, GError **error);

  /* ---- workspaces and members ---- */
  GPtrArray  *(*workspaces)       (CairnServerCore *self, const CairnAuth *auth, GError **error);
  /* Creates a workspace owned by auth's user; returns its id. */
  char       *(*workspace_create) (CairnServerCore *self, const CairnAuth *auth, const char *name,
                                   GError **error);
  /* "owner"/"member", or NULL with NOT_FOUND. */
  char       *(*member_role)      (CairnServerCore *self, gint64 user_id, const char *workspace_id,
                                   GError **error);
  GPtrArray  *(*members)          (CairnServerCore *self, const char *workspace_id, GError **error);
  gboolean    (*member_add)       (CairnServerCore *self, const CairnAuth *auth,
                                   const char *workspace_id, const char *username, GError **error);
  gboolean    (*member_remove)    (CairnServerCore *self, const CairnAuth *auth,
                                   const char *workspace_id, const char *username, GError **error);
  GPtrArray  *(*admin_workspaces) (CairnServerCore *self, GError **error);
  CairnAuth  *(*admin_owner_auth) (CairnServerCore *self, const char *workspace_id, GError **error);

  /* ---- the event log ---- as cairn_server_core_push() and
   * cairn_server_core_push_grouped() (grouped TRUE) say. */
  CairnPushReply *(*push)         (CairnServerCore *self, const CairnAuth *auth,
                                   const char *workspace_id, GPtrArray *events, gboolean grouped,
                                   GPtrArray **out_appended, char **out_gap_client_id,
                                   gint64 *out_expected, GError **error);
  /* Commits the open group (in_group is TRUE); the core reports it. */
  gboolean    (*commit_group)     (CairnServerCore *self, GError **error);
  CairnPullReply *(*pull)         (CairnServerCore *self, const CairnAuth *auth,
                                   const char *workspace_id, gint64 after, guint limit,
                                   GError **error);
  gboolean    (*head)             (CairnServerCore *self, const CairnAuth *auth,
                                   const char *workspace_id, gint64 *out_head,
                                   char **out_history_id, GError **error);
  /* ---- state reports (cairn-server-core-states.c) ---- whether the
   * workspace's log has an event at seq, and its chain (NULL when not
   * stored or not valid). */
  gboolean    (*chain_at)         (CairnServerCore *self, const char *workspace_id, gint64 seq,
                                   gboolean *out_exists, char **out_chain, GError **error);

  /* ---- snapshots (cairn-server-core-snapshots.c says what each does) ----
   * Whether one is due (as cairn_server_core_snapshot_due()). */
  gboolean    (*snapshot_due)     (CairnServerCore *self, const char *workspace_id,
                                   gint64 every_events, gint64 min_interval_ms, gint64 now,
                                   gboolean *out_due, GError **error);
  /* Drops the snapshots above head or of another history (the number
   * dropped in *out_dropped), then the latest one (NULL with NOT_FOUND
   * when none). */
  GBytes     *(*snapshot_latest)  (CairnServerCore *self, const char *workspace_id, gint64 head,
                                   const char *history_id, guint *out_dropped, gint64 *out_seq,
                                   GError **error);
  /* The latest at or below head of history_id, dropping nothing (the
   * maker starts from it); NULL without an error when none. */
  GBytes     *(*snapshot_base)    (CairnServerCore *self, const char *workspace_id, gint64 head,
                                   const char *history_id, gint64 *out_seq, GError **error);
  /* Stores one (a second maker's copy of the same seq is dropped) and
   * keeps the last `kept` of the workspace. */
  gboolean    (*snapshot_store)   (CairnServerCore *self, const char *workspace_id, gint64 seq,
                                   const char *history_id, gint64 made_at, GBytes *blob,
                                   guint kept, GError **error);
  /* As cairn_server_core_object_events() (membership already checked,
   * reply's head and history id filled). */
  gboolean    (*object_events)    (CairnServerCore *self, const char *workspace_id,
                                   const char *object_id, gint64 before, guint limit,
                                   CairnPullReply *reply, GError **error);
} CairnCoreBackend;

G_END_DECLS

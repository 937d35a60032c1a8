/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-core-private.h: the state of a CairnServerCore and what its
 * parts share: cairn-server-core.c (SQLite helpers, clock and randomness,
 * open and close), -schema.c (schema, repairs of older data), -users.c
 * (accounts), -sessions.c (logins and sessions), -workspaces.c (workspaces
 * and members) and -log.c (the event log: push, group commit, pull). */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "cairn-sqlite.h"
#include "cairn-server-core.h"
#include "cairn-server-core-backend.h"

G_BEGIN_DECLS

/* Failed logins of one user name or one address within a window. */
typedef struct
{
  gint64 window_start;
  guint  failures;
} LoginCounter;

struct _CairnServerCore
{
  sqlite3                *db;
  char                   *path;
  CairnServerCoreOptions  options;
  GHashTable             *stmts;        /* SQL literal (by address) -> sqlite3_stmt* */
  GHashTable             *login_user;   /* name -> LoginCounter* */
  GHashTable             *login_addr;   /* address -> LoginCounter* */
  char                   *dummy_hash;   /* verified when the user is unknown */
  /* Group commit: pushes left in one open transaction until
   * cairn_server_core_commit_group(). */
  gboolean                in_group;
  CairnCoreGroupFunc      group_done;
  gpointer                group_done_data;
  /* Another storage than the SQLite file (NULL: db above); its state. */
  const CairnCoreBackend *backend;
  gpointer                backend_data;
  /* State reports (cairn-server-core-states.c): workspace id -> GQueue of
   * the latest reports, in memory only. */
  GHashTable             *state_reports;
  guint                   state_mismatches;
};

/* ---- SQLite (cairn-server-core.c) ------------------------------------ */

/* Sets error from the connection's last error (STORAGE_FULL for a full or
 * failing disk, else INTERNAL), naming what failed and the file; FALSE. */
gboolean      _cairn_core_db_error  (CairnServerCore *self,
                                     GError         **error,
                                     const char      *what);
/* A cached prepared statement, reset and with bindings cleared. Owned by
 * the cache: do not finalize. sql must be a string literal (it is the key). */
sqlite3_stmt *_cairn_core_stmt      (CairnServerCore *self,
                                     const char      *sql,
                                     GError         **error);
gboolean      _cairn_core_exec      (CairnServerCore *self,
                                     const char      *sql,
                                     GError         **error);
/* Binds text/int parameters from a format: 't' text (copied), 's' text
 * that outlives the statement's next reset (not copied), 'i' int64. */
gboolean      _cairn_core_bind      (CairnServerCore *self,
                                     sqlite3_stmt    *st,
                                     GError         **error,
                                     const char      *types,
                                     ...);
/* Steps a statement that returns no row (and resets it). */
gboolean      _cairn_core_step_done (CairnServerCore *self,
                                     sqlite3_stmt    *st,
                                     GError         **error);
/* Steps once: TRUE with *has_row for SQLITE_ROW/DONE, FALSE on error. */
gboolean      _cairn_core_step_row  (CairnServerCore *self,
                                     sqlite3_stmt    *st,
                                     gboolean        *has_row,
                                     GError         **error);
/* BEGIN IMMEDIATE, after committing an open group (_cairn_core_settle()). */
gboolean      _cairn_core_begin     (CairnServerCore *self,
                                     GError         **error);
/* COMMIT; on failure the transaction is rolled back. */
gboolean      _cairn_core_commit    (CairnServerCore *self,
                                     GError         **error);
/* Rolls back the open transaction, if any. */
void          _cairn_core_rollback  (CairnServerCore *self);
/* A text column, "" for NULL. */
const char   *_cairn_core_col_text  (sqlite3_stmt    *st,
                                     int              col);

/* A core with options (NULL: defaults) and no storage yet; FALSE with
 * the error when libsodium cannot start. */
CairnServerCore *_cairn_core_new (const CairnServerCoreOptions  *options,
                                  GError                       **error);

/* ---- randomness (cairn-server-core.c) -------------------------------- */

/* nbytes random bytes from the options' source, as lowercase hex. */
char         *_cairn_core_random_hex  (CairnServerCore *self,
                                       gsize            nbytes);
/* A random (version 4) UUID, lowercase. */
char         *_cairn_core_random_uuid (CairnServerCore *self);

/* ---- schema (cairn-server-core-schema.c) ----------------------------- */

/* Creates or checks the schema, then repairs args stored by older
 * versions. */
gboolean      _cairn_core_prepare_schema (CairnServerCore *self,
                                          GError         **error);

/* ---- users (cairn-server-core-users.c) ------------------------------- */

/* An Argon2id hash of password at the options' cost. */
char         *_cairn_core_hash_password (CairnServerCore *self,
                                         const char      *password,
                                         GError         **error);
/* The user's id, or 0 with NOT_FOUND. */
gint64        _cairn_core_user_id       (CairnServerCore *self,
                                         const char      *username,
                                         GError         **error);

/* ---- workspaces (cairn-server-core-workspaces.c) --------------------- */

/* Inserts a workspace owned by owner_id; in a transaction. */
char         *_cairn_core_insert_workspace (CairnServerCore *self,
                                            gint64           owner_id,
                                            const char      *name,
                                            gboolean         personal,
                                            GError         **error);
/* Deletes a workspace with its log and members; in a transaction. */
gboolean      _cairn_core_delete_workspace (CairnServerCore *self,
                                            const char      *ws,
                                            GError         **error);

/* ---- the event log (cairn-server-core-log.c) ------------------------- */

/* Commits an open group before anything else touches the database, so that
 * no other answer can show (or depend on) what is not committed yet. */
void          _cairn_core_settle (CairnServerCore *self);

/* ---- snapshots (cairn-server-core-snapshots.c) ----------------------- */

/* Schema step 2 -> 3: the snapshots table. */
extern const char _cairn_core_snapshots_sql[];

/* The server's own state hash as the header of the latest stored snapshot
 * at or below seq of history_id says: what a restarted core knows of its
 * own hashes (cairn-server-core-states.c). *out_found FALSE when there is
 * none, or it has no hash. */
gboolean      _cairn_core_snapshot_own_state (CairnServerCore  *self,
                                              const char       *workspace_id,
                                              gint64            seq,
                                              const char       *history_id,
                                              CairnStateHash   *out,
                                              gboolean         *out_found,
                                              GError          **error);

/* A pushed event as the log stores it (cairn-server-core-log.c). */
CairnWireEvent *_cairn_core_stored_event (const CairnWireEvent  *ev,
                                          const CairnAuth       *auth,
                                          gint64                 seq,
                                          char                 **chain);

G_END_DECLS

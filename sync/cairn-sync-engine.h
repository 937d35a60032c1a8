/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-engine.h: keeps one workspace's local store in sync with a
 * cairn-server.
 *
 * The engine pushes the store's outbox in order and in batches (over the
 * live WebSocket when it is up, else HTTP), streams the workspace from the
 * store's head, rebases every incoming batch into the store, retries with
 * exponential backoff and jitter, and reports what it is doing through a
 * CairnSyncStatus the UI binds to. All network work is asynchronous on the
 * thread-default main context; nothing here blocks. Being offline, or having
 * no account at all, is normal: the store works without the engine.
 *
 * Account settings (server URL, username, device name) live in the
 * profile's profile.ini, group [sync]; the token in the keyring (see
 * cairn-sync-token.h). The workspace synced is the profile's current one:
 * its id is the server's workspace id.
 */
#pragma once

#include <gio/gio.h>
#include "cairn-store.h"
#include "cairn-profile.h"
#include "cairn-conflict.h"
#include "cairn-sync-status.h"
#include "cairn-sync-error.h"
#include "cairn-protocol.h"

G_BEGIN_DECLS

/* Workspaces are CairnWorkspaceInfo from cairn-protocol.h. Errors are
 * CAIRN_SYNC_ERROR (cairn-sync-error.h) or, when the server refused,
 * CAIRN_PROTOCOL_ERROR with the server's code (UNAUTHORIZED: sign in
 * again; NOT_FOUND: no such workspace or user). */

#define CAIRN_TYPE_SYNC_ENGINE (cairn_sync_engine_get_type ())
G_DECLARE_FINAL_TYPE (CairnSyncEngine, cairn_sync_engine, CAIRN, SYNC_ENGINE, GObject)

/* Reads the account from the profile (if any). The status starts OFFLINE
 * (no account, or not started) or NEEDS_SIGN_IN (account but no token). */
CairnSyncEngine *cairn_sync_engine_new            (CairnProfile     *profile);
CairnSyncStatus *cairn_sync_engine_get_status     (CairnSyncEngine  *self);
gboolean         cairn_sync_engine_is_signed_in   (CairnSyncEngine  *self);

/* The store to keep in sync and the server workspace it mirrors. Stops any
 * running sync of the previous store. */
void             cairn_sync_engine_set_store      (CairnSyncEngine  *self,
                                                   CairnStore       *store,
                                                   const char       *workspace_id);
CairnStore      *cairn_sync_engine_get_store      (CairnSyncEngine  *self);

/* Signs in and saves the account and token. A wrong password is
 * CAIRN_PROTOCOL_ERROR_UNAUTHORIZED. If the profile's current workspace
 * exists only on this device (never synced), its database becomes the
 * user's personal workspace, so that what was written before signing in
 * is pushed there; the personal workspace becomes current. Call before
 * set_store (the store of the current workspace may change). */
void             cairn_sync_engine_login_async    (CairnSyncEngine     *self,
                                                   const char          *server_url,
                                                   const char          *username,
                                                   const char          *password,
                                                   const char          *device_name,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         cairn_sync_engine_login_finish   (CairnSyncEngine     *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* A server whose certificate the system does not trust (a self-hosted
 * one's self-signed certificate) fails with CAIRN_SYNC_ERROR_CERTIFICATE,
 * whose message gives the certificate's SHA-256 fingerprint;
 * dup_refused_certificate() returns it (64 hex digits; NULL when no
 * certificate was refused since the last sign-in). After the person has
 * compared it with the server's own (`cairn-server fingerprint`),
 * set_login_certificate() makes the next sign-in trust that one
 * certificate; a sign-in that succeeds keeps it, with the server, for
 * every later request and the live stream, until the next sign-in or
 * sign-out. NULL: trust only what the system trusts. The live stream
 * refused the same way sets the error state with that message. */
void             cairn_sync_engine_set_login_certificate (CairnSyncEngine *self,
                                                          const char      *fingerprint);
char            *cairn_sync_engine_dup_refused_certificate (CairnSyncEngine *self);
/* Signed in already (the server's certificate changed: a new key):
 * trusts the certificate with this fingerprint from now on, in place of
 * the one trusted before, and connects again at once when running. */
gboolean         cairn_sync_engine_trust_certificate (CairnSyncEngine  *self,
                                                      const char       *fingerprint,
                                                      GError          **error);
/* The fingerprint of the certificate trusted besides the system's, or
 * NULL. */
const char      *cairn_sync_engine_get_certificate (CairnSyncEngine *self);

/* Revokes the token on the server (best effort), forgets it locally, stops.
 * Local data and pending changes are kept. */
void             cairn_sync_engine_logout_async   (CairnSyncEngine     *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         cairn_sync_engine_logout_finish  (CairnSyncEngine     *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Continuous sync (the GUI): connect the live stream, push as the store
 * changes, reconnect with backoff after any failure, until stop. */
void             cairn_sync_engine_start          (CairnSyncEngine  *self);
void             cairn_sync_engine_stop           (CairnSyncEngine  *self);

/* One full round (the cli, "Sync now"): push every pending event and pull
 * up to the server's head. Completes with TRUE only when both are done. */
void             cairn_sync_engine_sync_async     (CairnSyncEngine     *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         cairn_sync_engine_sync_finish    (CairnSyncEngine     *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Workspaces of the signed-in user. Result element: CairnWorkspaceInfo. */
void             cairn_sync_engine_list_workspaces_async  (CairnSyncEngine     *self,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
GPtrArray       *cairn_sync_engine_list_workspaces_finish (CairnSyncEngine     *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

/* Adds username as a member of workspace_id (owner only). */
void             cairn_sync_engine_share_async    (CairnSyncEngine     *self,
                                                   const char          *workspace_id,
                                                   const char          *username,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean         cairn_sync_engine_share_finish   (CairnSyncEngine     *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* A new shared workspace named name, owned by the signed-in user (the
 * name is checked first, as the server does). Result: CairnWorkspaceInfo. */
void             cairn_sync_engine_create_workspace_async  (CairnSyncEngine     *self,
                                                            const char          *name,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
CairnWorkspaceInfo *cairn_sync_engine_create_workspace_finish (CairnSyncEngine  *self,
                                                            GAsyncResult     *result,
                                                            GError          **error);
/* The members of workspace_id (CairnMemberInfo, the owner first). */
void             cairn_sync_engine_list_members_async      (CairnSyncEngine     *self,
                                                            const char          *workspace_id,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
GPtrArray       *cairn_sync_engine_list_members_finish     (CairnSyncEngine     *self,
                                                            GAsyncResult        *result,
                                                            GError             **error);
/* Removes username from workspace_id: the owner removes a member, a
 * member removes themself (leaves). The owner cannot leave. */
void             cairn_sync_engine_remove_member_async     (CairnSyncEngine     *self,
                                                            const char          *workspace_id,
                                                            const char          *username,
                                                            GCancellable        *cancellable,
                                                            GAsyncReadyCallback  callback,
                                                            gpointer             user_data);
gboolean         cairn_sync_engine_remove_member_finish    (CairnSyncEngine     *self,
                                                            GAsyncResult        *result,
                                                            GError             **error);
/* The signed-in user's name, or NULL. */
const char      *cairn_sync_engine_get_username            (CairnSyncEngine     *self);

/* Conflicts ("conflicts" of the status): restore our value as a new event,
 * or just forget the report. Both remove it from the model. */
gboolean         cairn_sync_engine_keep_mine      (CairnSyncEngine  *self,
                                                   CairnConflict    *conflict,
                                                   GError          **error);
gboolean         cairn_sync_engine_dismiss        (CairnSyncEngine  *self,
                                                   CairnConflict    *conflict,
                                                   GError          **error);

/* History on a device whose log starts at a snapshot (issue 17): the
 * events of the workspace before seq `before` (G_MAXINT64: all) that name
 * object_id, fetched from the server (GET …/events?object=ID&before=SEQ),
 * at most the newest 1,000, oldest first (element: CairnEvent). A device
 * knows where its own log starts from cairn_store_dup_snapshot_info(). */
void             cairn_sync_engine_fetch_history_async  (CairnSyncEngine     *self,
                                                         const char          *object_id,
                                                         gint64               before,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
GPtrArray       *cairn_sync_engine_fetch_history_finish (CairnSyncEngine     *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

G_END_DECLS

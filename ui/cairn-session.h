/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-session.h: what the app has open: a profile, the store and pool of
 * one of its workspaces, and the sync engine following that workspace.
 *
 * Opening a workspace opens its database (one per workspace, see
 * cairn-profile.h), makes it the profile's current workspace (so that the
 * next start opens it), points the engine at it and only then lets the old
 * store and pool go; notify::pool tells the window to rebind. A failure
 * changes nothing: the old workspace stays open and current.
 *
 * A workspace that exists only on this device (not on the server of the
 * account, e.g. the local one of before a sign-in that could not be merged)
 * is opened without syncing; profile.ini remembers which one that is
 * ([app] local-only-workspace), so the next start does not try to sync it. */
#pragma once

#include "cairn-pool.h"
#include "cairn-profile.h"
#include "cairn-sync-engine.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_SESSION (cairn_session_get_type ())
G_DECLARE_FINAL_TYPE (CairnSession, cairn_session, CAIRN, SESSION, GObject)

/* Makes the sync engine of profile; opens nothing yet. */
CairnSession    *cairn_session_new              (CairnProfile  *profile);

/* Opens workspace_id (a UUID; NULL: the profile's current one, local-only
 * as remembered) and makes it current. With local_only the engine is not
 * started for it. Signed in, the engine starts syncing the new one. */
gboolean         cairn_session_open             (CairnSession  *self,
                                                 const char    *workspace_id,
                                                 gboolean       local_only,
                                                 GError       **error);

CairnProfile    *cairn_session_get_profile      (CairnSession  *self);
CairnSyncEngine *cairn_session_get_engine       (CairnSession  *self);
/* NULL until a workspace is open. */
CairnStore      *cairn_session_get_store        (CairnSession  *self);
CairnPool       *cairn_session_get_pool         (CairnSession  *self);
const char      *cairn_session_get_workspace_id (CairnSession  *self);
gboolean         cairn_session_is_local_only    (CairnSession  *self);

/* The open workspace's name as the server last listed it (kept in
 * profile.ini, [workspace-names]), or NULL (never listed: a local one).
 * notify::workspace-name when it changes. */
const char      *cairn_session_get_workspace_name (CairnSession *self);
/* The remembered name of any workspace of the profile, or NULL. */
char            *cairn_session_dup_name_of       (CairnSession *self,
                                                  const char   *workspace_id);
/* Remembers the names of workspaces (CairnWorkspaceInfo, from
 * cairn_sync_engine_list_workspaces); profile.ini is written only when a
 * name is new or changed. */
void             cairn_session_remember_workspaces (CairnSession *self,
                                                    GPtrArray    *workspaces);

G_END_DECLS

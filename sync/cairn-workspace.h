/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-workspace.h: what the app (and cairn-cli) has open: a profile, the
 * store and pool of one of its workspaces, and the sync engine following
 * that workspace. It uses no GTK.
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

#define CAIRN_TYPE_WORKSPACE (cairn_workspace_get_type ())
G_DECLARE_FINAL_TYPE (CairnWorkspace, cairn_workspace, CAIRN, WORKSPACE, GObject)

/* Opens nothing yet; the sync engine is made on first use. */
CairnWorkspace  *cairn_workspace_new            (CairnProfile   *profile);

/* Opens workspace_id (a UUID; NULL: the profile's current one, local-only
 * as remembered) and makes it current. With local_only the engine is not
 * started for it. Signed in, the engine starts syncing the new one. */
gboolean         cairn_workspace_open           (CairnWorkspace *self,
                                                 const char     *workspace_id,
                                                 gboolean        local_only,
                                                 GError        **error);
/* For a client that runs one command and exits (cairn-cli): opens the
 * store of the profile's current workspace as it is, and no more. Unlike
 * cairn_workspace_open() it writes nothing to profile.ini (but a new
 * profile's first current workspace, see cairn-profile.h), does not watch
 * the file for other writers, and leaves the engine alone; the pool is
 * made on first cairn_workspace_get_pool(). Does nothing when a workspace
 * is open already. */
gboolean         cairn_workspace_open_store     (CairnWorkspace *self,
                                                 GError        **error);

CairnProfile    *cairn_workspace_get_profile    (CairnWorkspace *self);
CairnSyncEngine *cairn_workspace_get_engine     (CairnWorkspace *self);
/* NULL until a workspace is open. */
CairnStore      *cairn_workspace_get_store      (CairnWorkspace *self);
CairnPool       *cairn_workspace_get_pool       (CairnWorkspace *self);
const char      *cairn_workspace_get_id         (CairnWorkspace *self);
gboolean         cairn_workspace_is_local_only  (CairnWorkspace *self);

/* The open workspace's name as the server last listed it (kept in
 * profile.ini, [workspace-names]), or NULL (never listed: a local one).
 * notify::name when it changes. */
const char      *cairn_workspace_get_name       (CairnWorkspace *self);
/* The remembered name of any workspace of the profile, or NULL. */
char            *cairn_workspace_dup_name_of    (CairnWorkspace *self,
                                                 const char     *workspace_id);
/* Remembers the names of workspaces (CairnWorkspaceInfo, from
 * cairn_sync_engine_list_workspaces); profile.ini is written only when a
 * name is new or changed. */
void             cairn_workspace_remember_names (CairnWorkspace *self,
                                                 GPtrArray      *workspaces);

/* The same for a profile with no CairnWorkspace (signing in, cairn-cli):
 * after `cairn-cli login` the app names the synced workspace at once. */
void             cairn_workspace_remember_names_in (CairnProfile *profile,
                                                    GPtrArray    *workspaces);

G_END_DECLS

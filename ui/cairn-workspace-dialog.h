/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-workspace-dialog.h: one shared workspace of the account: who is in
 * it, inviting a user by name and removing a member (the owner), leaving
 * it (a member). Opened from the account dialog. Network work runs
 * through the sync engine, asynchronously; the server's refusals are said
 * inline in the user's words. Leaving the workspace that is open first
 * opens the fallback one (the personal workspace), so the engine never
 * syncs a workspace it is no longer a member of. Emits ::members-changed
 * and ::left. */
#pragma once

#include <adwaita.h>

#include "cairn-protocol.h"
#include "cairn-workspace.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_WORKSPACE_DIALOG (cairn_workspace_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CairnWorkspaceDialog, cairn_workspace_dialog, CAIRN, WORKSPACE_DIALOG, AdwWindow)

/* fallback_id: the workspace to open when the open one is left (NULL:
 * leaving the open workspace is refused). */
CairnWorkspaceDialog *cairn_workspace_dialog_new         (GtkWindow                *parent,
                                                          CairnWorkspace           *workspace,
                                                          const CairnWorkspaceInfo *info,
                                                          const char               *fallback_id);
/* The inline message now shown (a result or an error), or NULL. */
const char           *cairn_workspace_dialog_get_message (CairnWorkspaceDialog     *self);
gboolean              cairn_workspace_dialog_is_busy     (CairnWorkspaceDialog     *self);

G_END_DECLS

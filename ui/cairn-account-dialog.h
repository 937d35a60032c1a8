/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-account-dialog.h: sign in to a Cairn server (server URL, username,
 * password, errors shown inline) or, when signed in, sign out. Network work
 * runs asynchronously through the sync engine; the dialog stays responsive.
 * Signed in, it lists the user's workspaces and shares the current one
 * with another user of the server (result inline). Made for a
 * CairnWorkspace, it also opens another of them on this device ("Open" on its row; databases
 * the server does not have are listed as "Only on This Device"), errors
 * inline. Emits ::signed-in after a successful sign-in, ::signed-out,
 * ::shared, ::workspace-opened. */
#pragma once

#include <adwaita.h>

#include "cairn-sync-engine.h"
#include "cairn-workspace.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_ACCOUNT_DIALOG (cairn_account_dialog_get_type ())
G_DECLARE_FINAL_TYPE (CairnAccountDialog, cairn_account_dialog, CAIRN, ACCOUNT_DIALOG, AdwWindow)

CairnAccountDialog *cairn_account_dialog_new        (GtkWindow          *parent,
                                                     CairnSyncEngine    *engine);
CairnAccountDialog *cairn_account_dialog_new_for_workspace (GtkWindow      *parent,
                                                            CairnWorkspace *workspace);
/* The inline error now shown, or NULL. */
const char         *cairn_account_dialog_get_error  (CairnAccountDialog *self);
gboolean            cairn_account_dialog_is_busy    (CairnAccountDialog *self);
/* What the user is told for an error of the engine's login. */
char               *cairn_account_error_text        (const GError       *error);

G_END_DECLS

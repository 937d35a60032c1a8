/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-status-private.h: setters the engine uses to update the status. */
#pragma once

#include "cairn-sync-status.h"

G_BEGIN_DECLS

/* message is only kept for CAIRN_SYNC_STATE_ERROR. */
void _cairn_sync_status_set_state         (CairnSyncStatus *self,
                                           CairnSyncState   state,
                                           const char      *message);
void _cairn_sync_status_set_pending_count (CairnSyncStatus *self,
                                           guint            count);
void _cairn_sync_status_set_refused_count (CairnSyncStatus *self,
                                           guint            count);
void _cairn_sync_status_set_identity_changed_at (CairnSyncStatus *self,
                                                 gint64           unix_ms);
void _cairn_sync_status_set_next_retry    (CairnSyncStatus *self,
                                          gint64           unix_ms);
void _cairn_sync_status_set_last_sync     (CairnSyncStatus *self,
                                           gint64           unix_ms);
void _cairn_sync_status_set_account       (CairnSyncStatus *self,
                                           const char      *server_url,
                                           const char      *username,
                                           const char      *workspace_id);
/* Replaces the conflicts model's content (elements: CairnConflict). */
void _cairn_sync_status_set_conflicts     (CairnSyncStatus *self,
                                           GPtrArray       *conflicts);
/* A state hash disagreed with the other devices' and the store was
 * repaired (docs/sync.md, "State hashes"). */
void _cairn_sync_status_set_state_repaired_at (CairnSyncStatus *self,
                                               gint64           unix_ms);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-status.h: what the sync engine is doing, for the UI to bind to.
 *
 * Read-only properties, each notified only when its value really changes:
 * "state" (CairnSyncState), "message" (the error text in the ERROR state,
 * what was refused in the REFUSED state, else NULL), "pending-count" (local
 * changes not yet confirmed by the server), "refused-count" (changes the
 * server refused for good, set aside), "last-sync" (unix milliseconds of the last moment the device was
 * fully up to date, 0 for never), "next-retry" (unix milliseconds of the
 * engine's next try to reach the server after it could not, 0 when none is
 * scheduled), "server-url" (NULL when signed out),
 * "username", "workspace-id", "identity-changed-at" (unix milliseconds
 * of the last time the store took a new client id because another
 * replica used its own, 0 for never: docs/sync.md, "A shared client id"),
 * and "conflicts" (a GListModel of
 * CairnConflict, newest first; the model object itself never changes).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  CAIRN_SYNC_STATE_OFFLINE,        /* no account, or the server is unreachable */
  CAIRN_SYNC_STATE_CONNECTING,
  CAIRN_SYNC_STATE_SYNCING,        /* pushing or pulling */
  CAIRN_SYNC_STATE_UP_TO_DATE,
  CAIRN_SYNC_STATE_NEEDS_SIGN_IN,  /* token missing, revoked or refused */
  CAIRN_SYNC_STATE_ERROR,          /* see "message" */
  CAIRN_SYNC_STATE_REFUSED,        /* up to date, but the server refused a change for
                                    * good: set aside, "message" names it */
} CairnSyncState;

#define CAIRN_TYPE_SYNC_STATE (cairn_sync_state_get_type ())
GType       cairn_sync_state_get_type  (void) G_GNUC_CONST;
/* "offline", "connecting", "syncing", "up-to-date", "needs-sign-in", "error",
 * "refused" */
const char *cairn_sync_state_to_string (CairnSyncState state);

#define CAIRN_TYPE_SYNC_STATUS (cairn_sync_status_get_type ())
G_DECLARE_FINAL_TYPE (CairnSyncStatus, cairn_sync_status, CAIRN, SYNC_STATUS, GObject)

CairnSyncStatus *cairn_sync_status_new               (void);
CairnSyncState   cairn_sync_status_get_state         (CairnSyncStatus *self);
const char      *cairn_sync_status_get_message       (CairnSyncStatus *self);
guint            cairn_sync_status_get_pending_count (CairnSyncStatus *self);
/* Changes the server refused for good, set aside from the outbox
 * (cairn_store_list_refused()). */
guint            cairn_sync_status_get_refused_count (CairnSyncStatus *self);
gint64           cairn_sync_status_get_last_sync     (CairnSyncStatus *self);
gint64           cairn_sync_status_get_identity_changed_at (CairnSyncStatus *self);
gint64           cairn_sync_status_get_next_retry    (CairnSyncStatus *self);
const char      *cairn_sync_status_get_server_url    (CairnSyncStatus *self);
const char      *cairn_sync_status_get_username      (CairnSyncStatus *self);
const char      *cairn_sync_status_get_workspace_id  (CairnSyncStatus *self);
/* transfer none */
GListModel      *cairn_sync_status_get_conflicts     (CairnSyncStatus *self);

/* "state-repaired-at": unix milliseconds of the last time this device's
 * confirmed state disagreed with the other devices' and was rebuilt from
 * the log or downloaded again (docs/sync.md, "State hashes"), 0 for never
 * in this session. */
gint64           cairn_sync_status_get_state_repaired_at (CairnSyncStatus *self);
/* The status as one JSON object (what `cairn-cli status --json` prints). */
char            *cairn_sync_status_to_json           (CairnSyncStatus *self);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window-repairs.c: a toast when this device's copy of the
 * workspace disagreed with the other devices' and was repaired (state
 * hashes, docs/sync.md). */
#define G_LOG_DOMAIN "cairn-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-window-private.h"

static void
on_state_repaired (CairnSyncStatus *status,
                   GParamSpec      *pspec,
                   CairnWindow     *self)
{
  AdwToast *toast;

  if (cairn_sync_status_get_state_repaired_at (status) == 0)
    return;
  toast = adw_toast_new (_("This device’s copy disagreed with the server and was rebuilt"));
  adw_toast_set_timeout (toast, 10);
  cairn_window_add_toast (self, toast);
}

void
_cairn_window_watch_state_repairs (CairnWindow *self)
{
  g_signal_connect_object (cairn_sync_engine_get_status (self->engine), "notify::state-repaired-at",
                           G_CALLBACK (on_state_repaired), self, 0);
}

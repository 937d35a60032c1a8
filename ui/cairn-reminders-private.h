/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-reminders-private.h: the scheduler's wake-up check, for tests. */
#pragma once

#include "cairn-reminders.h"

G_BEGIN_DECLS

/* What runs every minute: when the wall clock moved otherwise than the
 * monotonic one since the last check (a suspend, a clock change) or the
 * armed instant has passed, looks again (cairn_reminders_refresh()) and
 * returns TRUE. */
gboolean _cairn_reminders_wake_check (CairnReminders *self);
/* Whether an action run with no window keeps the application until the
 * engine has pushed its change. */
gboolean _cairn_reminders_is_holding_for_push (CairnReminders *self);

G_END_DECLS

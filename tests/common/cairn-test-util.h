/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-test-util.h: what every test folder needs: temporary folders made
 * and removed, and waiting for an async result on the main context. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Removes path and everything below it (a missing path is fine). Folders
 * left read-only by a test are made writable first; links are removed,
 * not followed. */
void          cairn_test_rm_rf        (const char *path);

/* A GAsyncReadyCallback that stores a reference to the result in the
 * GAsyncResult * that user_data points to. */
void          cairn_test_got_result   (GObject      *source,
                                       GAsyncResult *result,
                                       gpointer      user_data);
/* Iterates the thread-default main context until *slot is set (by
 * cairn_test_got_result()); returns it (transfer none: the slot owns it). */
GAsyncResult *cairn_test_wait_result  (GAsyncResult **slot);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sqlite.h: what every user of SQLite here shares: the autoptr
 * cleanup of a statement and comparing two values. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* Same type and same value (text and blobs byte for byte). */
gboolean  cairn_sqlite_values_equal (sqlite3_value *a,
                                     sqlite3_value *b);

G_END_DECLS

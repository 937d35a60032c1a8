/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fault-test-util.h: helpers the power-loss and full-disk tests share. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "cairn-test-util.h"

G_BEGIN_DECLS

/* A new temporary folder; remove it with cairn_test_rm_rf(). */
char    *fault_test_tmpdir            (void);
/* PRAGMA integrity_check answers "ok". */
void     fault_test_assert_integrity  (sqlite3    *db);
void     fault_test_assert_file_integrity (const char *path);
/* Warnings that name a full disk or an I/O error are expected in these
 * tests (a failed checkpoint or lazy write logs one): they are counted,
 * not fatal. Every other warning still fails the test. Call it in each
 * test function: g_test_run() resets the handler before every test. */
void     fault_test_allow_storage_warnings (void);
guint    fault_test_get_storage_warnings   (void);

/* Creates the database at path from tests/data/fixtures/name (SQL). */
void     fault_test_write_fixture     (const char *path,
                                       const char *name);
/* What a clean migration of fixture version ("v3") dumps to
 * (tests/data/fixtures/VERSION.expected.json, without the final newline). */
char    *fault_test_expected_dump     (const char *version);

G_END_DECLS

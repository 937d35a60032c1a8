/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pg-test-util.h: which storage the server tests run against.
 *
 * Every server test program runs twice (tests/server/meson.build): on the
 * SQLite data folder, and under with-postgres.sh, which starts a
 * throw-away PostgreSQL and sets CAIRN_TEST_BACKEND=postgresql and
 * CAIRN_TEST_PG_HOST. The shared test utilities ask here where a fresh
 * server's store is, so the test programs themselves do not change. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether this run is against PostgreSQL (CAIRN_TEST_BACKEND). */
gboolean  cairn_test_backend_is_postgresql (void);
/* A new, empty database on the test's PostgreSQL, as a connection URI;
 * aborts the test when PostgreSQL is wanted but cannot be reached. */
char     *cairn_test_pg_new_database       (void);
/* A new, empty database whose default collation is ICU's for icu_locale
 * (e.g. "en"), as a database created on a system in that language sorts:
 * not byte order, unlike the tests' cluster (initdb --locale=C). */
char     *cairn_test_pg_new_database_icu   (const char *icu_locale);
/* A new database holding a copy of the one at uri (which nobody may be
 * connected to): a backup, as a restore would bring it back. */
char     *cairn_test_pg_copy_database      (const char *uri);
/* The single integer a query (SELECT count(*) …) answers. */
gint64    cairn_test_pg_count              (const char *uri,
                                            const char *sql);
/* Runs one SQL statement on the database at uri (for tests that change
 * the database behind the server's back); aborts on failure. */
void      cairn_test_pg_exec               (const char *uri,
                                            const char *sql);

G_END_DECLS

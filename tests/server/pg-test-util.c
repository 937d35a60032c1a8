/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pg-test-util.c: fresh databases on the tests' own PostgreSQL. */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <libpq-fe.h>

#include "pg-test-util.h"

gboolean
cairn_test_backend_is_postgresql (void)
{
  return g_strcmp0 (g_getenv ("CAIRN_TEST_BACKEND"), "postgresql") == 0;
}

static char *
uri_for (const char *dbname)
{
  const char *host = g_getenv ("CAIRN_TEST_PG_HOST");

  if (host == NULL)
    g_error ("CAIRN_TEST_BACKEND=postgresql but CAIRN_TEST_PG_HOST is not set: "
             "run through tests/server/with-postgres.sh");
  return g_strdup_printf ("postgresql:///%s?host=%s&user=postgres", dbname, host);
}

void
cairn_test_pg_exec (const char *uri,
                    const char *sql)
{
  PGconn *conn = PQconnectdb (uri);
  PGresult *res;

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("Cannot connect to the test PostgreSQL (%s): %s", uri, PQerrorMessage (conn));
  res = PQexec (conn, sql);
  if (PQresultStatus (res) != PGRES_COMMAND_OK && PQresultStatus (res) != PGRES_TUPLES_OK)
    g_error ("%s failed on the test PostgreSQL: %s", sql, PQerrorMessage (conn));
  PQclear (res);
  PQfinish (conn);
}

static char *
new_database (const char *template_uri)
{
  static guint counter;
  g_autofree char *admin = uri_for ("postgres");
  g_autofree char *name = g_strdup_printf ("cairn_test_%d_%u", (int) getpid (), ++counter);
  g_autofree char *sql = NULL;

  if (template_uri != NULL)
    {
      /* postgresql:///NAME?… */
      const char *start = template_uri + strlen ("postgresql:///");
      g_autofree char *template = g_strndup (start, strcspn (start, "?"));

      sql = g_strdup_printf ("CREATE DATABASE %s TEMPLATE %s", name, template);
    }
  else
    sql = g_strdup_printf ("CREATE DATABASE %s", name);

  cairn_test_pg_exec (admin, sql);
  return uri_for (name);
}

char *
cairn_test_pg_new_database (void)
{
  return new_database (NULL);
}

char *
cairn_test_pg_new_database_icu (const char *icu_locale)
{
  static guint counter;
  g_autofree char *admin = uri_for ("postgres");
  g_autofree char *name = g_strdup_printf ("cairn_test_icu_%d_%u", (int) getpid (), ++counter);
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s TEMPLATE template0 "
                                          "LOCALE_PROVIDER icu ICU_LOCALE '%s'", name, icu_locale);

  cairn_test_pg_exec (admin, sql);
  return uri_for (name);
}

char *
cairn_test_pg_copy_database (const char *uri)
{
  return new_database (uri);
}

gint64
cairn_test_pg_count (const char *uri,
                     const char *sql)
{
  PGconn *conn = PQconnectdb (uri);
  PGresult *res;
  gint64 n;

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("Cannot connect to the test PostgreSQL (%s): %s", uri, PQerrorMessage (conn));
  res = PQexec (conn, sql);
  if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) != 1)
    g_error ("%s failed on the test PostgreSQL: %s", sql, PQerrorMessage (conn));
  n = g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
  PQclear (res);
  PQfinish (conn);
  return n;
}

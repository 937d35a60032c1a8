/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sqlite.c: small SQLite helpers shared by the store and the server. */
#include "config.h"

#include <string.h>

#include "cairn-sqlite.h"

gboolean
cairn_sqlite_values_equal (sqlite3_value *a,
                           sqlite3_value *b)
{
  int type = sqlite3_value_type (a);

  if (type != sqlite3_value_type (b))
    return FALSE;
  switch (type)
    {
    case SQLITE_NULL:
      return TRUE;
    case SQLITE_INTEGER:
      return sqlite3_value_int64 (a) == sqlite3_value_int64 (b);
    case SQLITE_FLOAT:
      return sqlite3_value_double (a) == sqlite3_value_double (b);
    default:
      return sqlite3_value_bytes (a) == sqlite3_value_bytes (b) &&
             memcmp (sqlite3_value_blob (a), sqlite3_value_blob (b),
                     sqlite3_value_bytes (a)) == 0;
    }
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-changeset.c: the changeset of a one-row write, encoded here.
 *
 * Every reducer of cairn-store-reducers.c writes at most one row, chosen by
 * its primary key. Recording that through an SQLite session costs a session
 * object, a table-info query and a prepared SELECT per change (SQLite 3.40
 * caches none of them across sessions), which was most of a local commit.
 * Instead the row is read before and after the reducer with a cached
 * statement, and the changeset is written in SQLite's documented changeset
 * format, byte for byte what a session attached to the table would produce
 * (tests/data/test-store-changeset.c compares the two on random events):
 *
 *   'T', varint column count, one byte per column (its position in the
 *   primary key, 0 if not part of it), the table name, NUL; then one
 *   change: op (SQLITE_INSERT / SQLITE_UPDATE / SQLITE_DELETE), indirect
 *   flag 0, and the record(s). INSERT: every new value; DELETE: every old
 *   value; UPDATE: old record with the key and the old value of each changed
 *   column, new record with the new value of each changed column, and 0x00
 *   ("undefined") in every other place. An UPDATE that changes no value,
 *   or no write, gives an empty changeset.
 *   A value: its type byte (1 integer, 2 real, 3 text, 4 blob, 5 null);
 *   integers and reals as 8 big-endian bytes; text and blobs as a varint
 *   length and the bytes.
 */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-store-private.h"

/* A row's values already in changeset form (type byte, then the value),
 * one after the other: encoding is copying, and two values are equal
 * exactly when their bytes are (same type, same integer, same bits of a
 * real, same text). */
struct _CairnRowImage
{
  gboolean    exists;
  guint       n_columns;
  GByteArray *bytes;
  guint      *offsets;   /* n_columns + 1: where each value starts, and the end */
};

void
_cairn_row_image_free (CairnRowImage *image)
{
  if (image == NULL)
    return;
  g_clear_pointer (&image->bytes, g_byte_array_unref);
  g_free (image->offsets);
  g_free (image);
}

static void put_value (GByteArray *out, sqlite3_value *value);

/* The primary-key flags of a state table, one byte per column in column
 * order, read once per store. NULL (with error) if the table has no single
 * key column named id. */
static GBytes *
table_key_flags (CairnStore  *self,
                 const char  *table,
                 GError     **error)
{
  GBytes *flags = g_hash_table_lookup (self->table_keys, table);
  g_autoptr(GByteArray) bytes = NULL;
  sqlite3_stmt *stmt;
  guint n_key = 0;
  gboolean id_is_key = FALSE;
  int rc;

  if (flags != NULL)
    return flags;

  stmt = _cairn_store_prepare (self, "SELECT name, pk FROM pragma_table_info (?1) ORDER BY cid",
                               error);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_bind_text (stmt, 1, table, -1, SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return NULL;
    }
  bytes = g_byte_array_new ();
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int pk = sqlite3_column_int (stmt, 1);
      guint8 flag = (guint8) CLAMP (pk, 0, 255);

      if (pk > 0)
        {
          n_key++;
          id_is_key = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "id") == 0;
        }
      g_byte_array_append (bytes, &flag, 1);
    }
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the columns of a table");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  if (n_key != 1 || !id_is_key)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT,
                   "Table %s in “%s” does not have the primary key id", table, self->path);
      return NULL;
    }
  flags = g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
  g_hash_table_insert (self->table_keys, g_strdup (table), flags);
  return flags;
}

CairnRowImage *
_cairn_row_image_read (CairnStore  *self,
                       const char  *table,
                       const char  *id,
                       GError     **error)
{
  g_autofree char *sql = g_strconcat ("SELECT * FROM ", table, " WHERE id = ?1", NULL);
  g_autoptr(CairnRowImage) image = g_new0 (CairnRowImage, 1);
  GBytes *flags = table_key_flags (self, table, error);
  sqlite3_stmt *stmt;
  int rc;

  if (flags == NULL || (stmt = _cairn_store_prepare (self, sql, error)) == NULL)
    return NULL;
  image->n_columns = g_bytes_get_size (flags);
  if (sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return NULL;
    }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      if ((guint) sqlite3_column_count (stmt) != image->n_columns)
        {
          sqlite3_reset (stmt);
          g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
                       "The columns of %s in “%s” changed while it was open", table, self->path);
          return NULL;
        }
      image->exists = TRUE;
      image->bytes = g_byte_array_sized_new (128);
      image->offsets = g_new (guint, image->n_columns + 1);
      for (guint i = 0; i < image->n_columns; i++)
        {
          image->offsets[i] = image->bytes->len;
          put_value (image->bytes, sqlite3_column_value (stmt, i));
        }
      image->offsets[image->n_columns] = image->bytes->len;
      rc = sqlite3_step (stmt);
    }
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read a row");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&image);
}

static void
put_varint (GByteArray *out,
            guint64     v)
{
  guint8 buf[10];
  int n = 0;

  /* SQLite's varint: 7 bits a byte, most significant first, high bit set
   * on all but the last; a ninth byte carries 8 bits. */
  if (v > G_GUINT64_CONSTANT (0x00ffffffffffffff))
    {
      guint8 nine[9];

      nine[8] = (guint8) v;
      v >>= 8;
      for (int i = 7; i >= 0; i--)
        {
          nine[i] = (guint8) ((v & 0x7f) | 0x80);
          v >>= 7;
        }
      g_byte_array_append (out, nine, 9);
      return;
    }
  do
    {
      buf[n++] = (guint8) ((v & 0x7f) | 0x80);
      v >>= 7;
    }
  while (v != 0);
  buf[0] &= 0x7f;
  for (int i = n - 1; i >= 0; i--)
    g_byte_array_append (out, &buf[i], 1);
}

static void
put_value (GByteArray    *out,
           sqlite3_value *value)
{
  int type = sqlite3_value_type (value);
  guint8 type_byte = (guint8) type;
  guint64 bits;
  guint8 be[8];

  g_byte_array_append (out, &type_byte, 1);
  switch (type)
    {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
      if (type == SQLITE_INTEGER)
        bits = (guint64) sqlite3_value_int64 (value);
      else
        {
          double d = sqlite3_value_double (value);
          memcpy (&bits, &d, sizeof bits);
        }
      for (int i = 7; i >= 0; i--)
        {
          be[i] = (guint8) bits;
          bits >>= 8;
        }
      g_byte_array_append (out, be, 8);
      break;
    case SQLITE_TEXT:
    case SQLITE_BLOB:
      {
        const guint8 *data = type == SQLITE_TEXT ? sqlite3_value_text (value)
                                                 : sqlite3_value_blob (value);
        int n = sqlite3_value_bytes (value);

        put_varint (out, (guint64) n);
        if (n > 0)
          g_byte_array_append (out, data, n);
      }
      break;
    default:
      break;   /* NULL: the type byte alone */
    }
}

static gboolean
value_equal (const CairnRowImage *a,
             const CairnRowImage *b,
             guint                i)
{
  guint la = a->offsets[i + 1] - a->offsets[i], lb = b->offsets[i + 1] - b->offsets[i];

  return la == lb && memcmp (a->bytes->data + a->offsets[i], b->bytes->data + b->offsets[i], la) == 0;
}

static void
copy_value (GByteArray          *out,
            const CairnRowImage *row,
            guint                i)
{
  g_byte_array_append (out, row->bytes->data + row->offsets[i],
                       row->offsets[i + 1] - row->offsets[i]);
}

GBytes *
_cairn_changeset_encode (CairnStore          *self,
                         const char          *table,
                         const CairnRowImage *before,
                         const CairnRowImage *after)
{
  GBytes *flags = g_hash_table_lookup (self->table_keys, table);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  const guint8 *pk;
  guint n;
  guint8 op, zero = 0;

  g_assert (flags != NULL);
  pk = g_bytes_get_data (flags, NULL);
  n = g_bytes_get_size (flags);

  if (!before->exists && !after->exists)
    return g_bytes_new (NULL, 0);
  op = !before->exists ? SQLITE_INSERT : !after->exists ? SQLITE_DELETE : SQLITE_UPDATE;

  g_byte_array_append (out, (const guint8 *) "T", 1);
  put_varint (out, n);
  g_byte_array_append (out, pk, n);
  g_byte_array_append (out, (const guint8 *) table, strlen (table) + 1);
  g_byte_array_append (out, &op, 1);
  g_byte_array_append (out, &zero, 1);   /* not indirect */

  if (op == SQLITE_INSERT || op == SQLITE_DELETE)
    {
      const CairnRowImage *row = op == SQLITE_INSERT ? after : before;

      for (guint i = 0; i < n; i++)
        copy_value (out, row, i);
    }
  else
    {
      g_autofree gboolean *changed = g_new0 (gboolean, n);
      gboolean any = FALSE;

      for (guint i = 0; i < n; i++)
        {
          changed[i] = !value_equal (before, after, i);
          any |= changed[i];
        }
      if (!any)
        return g_bytes_new (NULL, 0);
      for (guint i = 0; i < n; i++)
        if (changed[i] || pk[i] != 0)
          copy_value (out, before, i);
        else
          g_byte_array_append (out, &zero, 1);
      for (guint i = 0; i < n; i++)
        if (changed[i])
          copy_value (out, after, i);
        else
          g_byte_array_append (out, &zero, 1);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

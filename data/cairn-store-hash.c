/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-hash.c: the canonical hash of the confirmed state. */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-store-hash.h"
#include "cairn-store-hash-private.h"
#include "cairn-store-private.h"

#ifdef CAIRN_HAVE_NETTLE
#include <nettle/sha2.h>
#endif

struct _CairnSha256
{
#ifdef CAIRN_HAVE_NETTLE
  struct sha256_ctx ctx;
#else
  GChecksum *sum;
#endif
};

CairnSha256 *
_cairn_sha256_new (void)
{
  CairnSha256 *self = g_new0 (CairnSha256, 1);

#ifdef CAIRN_HAVE_NETTLE
  sha256_init (&self->ctx);
#else
  self->sum = g_checksum_new (G_CHECKSUM_SHA256);
#endif
  return self;
}

void
_cairn_sha256_update (CairnSha256 *self,
                      const void  *data,
                      gsize        len)
{
#ifdef CAIRN_HAVE_NETTLE
  sha256_update (&self->ctx, len, data);
#else
  g_checksum_update (self->sum, data, len);
#endif
}

void
_cairn_sha256_finish (CairnSha256 *self,
                      guint8       digest[32])
{
#ifdef CAIRN_HAVE_NETTLE
  sha256_digest (&self->ctx, 32, digest);
#else
  gsize n = 32;

  g_checksum_get_digest (self->sum, digest, &n);
  g_checksum_free (self->sum);
#endif
  g_free (self);
}

void
_cairn_sha256 (const void *data,
               gsize       len,
               guint8      digest[32])
{
  CairnSha256 *sum = _cairn_sha256_new ();

  _cairn_sha256_update (sum, data, len);
  _cairn_sha256_finish (sum, digest);
}

static void
hex (const guint8  digest[32],
     char          out[65])
{
  static const char digits[] = "0123456789abcdef";

  for (int i = 0; i < 32; i++)
    {
      out[2 * i] = digits[digest[i] >> 4];
      out[2 * i + 1] = digits[digest[i] & 0xf];
    }
  out[64] = '\0';
}

/* The bytes hashed: for each table of the canonical dump, 'T' name NUL,
 * then for each row 'R' and each column in order 'N' (NULL), 'I' and
 * 8 bytes big-endian (integer), or 'S', 8 bytes big-endian length and the
 * text. Unambiguous, and equal states give equal bytes exactly when they
 * give equal dumps. Each row is gathered in one buffer and hashed with
 * one update. */
static void
add_u64 (GByteArray *row,
         guint64     value)
{
  guint8 bytes[8];

  for (int i = 7; i >= 0; i--, value >>= 8)
    bytes[i] = value & 0xff;
  g_byte_array_append (row, bytes, sizeof bytes);
}

static gboolean
db_fail (sqlite3     *db,
         GError     **error,
         const char  *what)
{
  g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED, "%s: %s", what, sqlite3_errmsg (db));
  return FALSE;
}

/* Any connection: the store's own (its cairn_note_body() decodes stale
 * texts), or a reader's (_cairn_state_hash_register_written()). */
static gboolean
hash_table (sqlite3               *db,
            CairnSha256           *sum,
            const CairnStateTable *table,
            GError               **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GByteArray) row = g_byte_array_sized_new (512);
  int rc;

  if (sqlite3_prepare_v2 (db, table->sql, -1, &stmt, NULL) != SQLITE_OK)
    return db_fail (db, error, "Cannot read the state");
  _cairn_sha256_update (sum, "T", 1);
  _cairn_sha256_update (sum, table->name, strlen (table->name) + 1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int n = sqlite3_column_count (stmt);

      g_byte_array_set_size (row, 0);
      g_byte_array_append (row, (const guint8 *) "R", 1);
      for (int i = 0; i < n; i++)
        switch (sqlite3_column_type (stmt, i))
          {
          case SQLITE_NULL:
            g_byte_array_append (row, (const guint8 *) "N", 1);
            break;
          case SQLITE_INTEGER:
            g_byte_array_append (row, (const guint8 *) "I", 1);
            add_u64 (row, (guint64) sqlite3_column_int64 (stmt, i));
            break;
          default:
            {
              const guint8 *text = sqlite3_column_text (stmt, i);
              int len = sqlite3_column_bytes (stmt, i);

              g_byte_array_append (row, (const guint8 *) "S", 1);
              add_u64 (row, (guint64) len);
              g_byte_array_append (row, text, len);
            }
            break;
          }
      _cairn_sha256_update (sum, row->data, row->len);
    }
  if (rc != SQLITE_DONE)
    return db_fail (db, error, "Cannot read the state");
  return TRUE;
}

/* 1 when there are parked events, 0 when not, -1 on error. */
static int
has_parked (sqlite3  *db,
            GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "SELECT 1 FROM parked LIMIT 1", -1, &stmt, NULL) != SQLITE_OK)
    {
      db_fail (db, error, "Cannot read the waiting events");
      return -1;
    }
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      db_fail (db, error, "Cannot read the waiting events");
      return -1;
    }
  return rc == SQLITE_ROW;
}

const char *
cairn_state_hash_format (void)
{
  static char format[CAIRN_STATE_FORMAT_LENGTH + 1];
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

      for (guint i = 0; _cairn_store_state_tables[i].name != NULL; i++)
        {
          g_checksum_update (sum, (const guchar *) _cairn_store_state_tables[i].name, -1);
          g_checksum_update (sum, (const guchar *) _cairn_store_state_tables[i].sql, -1);
        }
      g_checksum_update (sum, (const guchar *) _cairn_store_state_waiting.sql, -1);
      memcpy (format, g_checksum_get_string (sum), CAIRN_STATE_FORMAT_LENGTH);
      format[CAIRN_STATE_FORMAT_LENGTH] = '\0';
      g_once_init_leave (&done, 1);
    }
  return format;
}

/* Hashes the state tables as db reads them (the caller's transaction, if
 * any); out->hash only. */
gboolean
_cairn_state_hash_db (sqlite3         *db,
                      CairnStateHash  *out,
                      GError         **error)
{
  CairnSha256 *sum = _cairn_sha256_new ();
  guint8 digest[32];
  gboolean ok = TRUE;
  int parked;

  _cairn_sha256_update (sum, cairn_state_hash_format (), strlen (cairn_state_hash_format ()));
  for (guint i = 0; ok && _cairn_store_state_tables[i].name != NULL; i++)
    ok = hash_table (db, sum, &_cairn_store_state_tables[i], error);
  if (ok)
    {
      parked = has_parked (db, error);
      ok = parked >= 0 && (parked == 0 || hash_table (db, sum, &_cairn_store_state_waiting, error));
    }
  _cairn_sha256_finish (sum, digest);
  if (!ok)
    return FALSE;
  G_STATIC_ASSERT (CAIRN_STATE_HASH_LENGTH == 64);
  hex (digest, out->hash);
  return TRUE;
}

static gboolean
hash_state (CairnStore     *self,
            CairnStateHash *out,
            GError        **error)
{
  return _cairn_state_hash_db (self->db, out, error);
}

gboolean
_cairn_store_hash_state_tables (CairnStore     *self,
                                CairnStateHash *out,
                                GError        **error)
{
  memset (out, 0, sizeof *out);
  out->seq = self->head;
  g_strlcpy (out->format, cairn_state_hash_format (), sizeof out->format);
  return hash_state (self, out, error);
}

gboolean
cairn_store_confirmed_state_hash (CairnStore     *self,
                                  CairnStateHash *out,
                                  GError        **error)
{
  gboolean ok;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  out->seq = cairn_store_get_head (self);
  g_strlcpy (out->format, cairn_state_hash_format (), sizeof out->format);
  if (cairn_store_get_pending_count (self) == 0)
    return hash_state (self, out, error);

  /* Pending events are applied to the state tables: roll them back inside
   * a transaction that is then abandoned. */
  if (!_cairn_store_begin (self, error))
    return FALSE;
  ok = _cairn_store_rollback_pending (self, error) && hash_state (self, out, error);
  _cairn_store_rollback (self);
  return ok;
}

static gboolean
is_lower_hex (const char *str,
              gsize       length)
{
  if (str == NULL || strlen (str) != length)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isdigit (str[i]) && !(str[i] >= 'a' && str[i] <= 'f'))
      return FALSE;
  return TRUE;
}

gboolean
cairn_state_hash_is_valid (const char *str)
{
  return is_lower_hex (str, CAIRN_STATE_HASH_LENGTH);
}

gboolean
cairn_state_format_is_valid (const char *str)
{
  return is_lower_hex (str, CAIRN_STATE_FORMAT_LENGTH);
}

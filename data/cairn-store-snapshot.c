/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-snapshot.c: snapshots of the confirmed state (export, load,
 * the base a rebuild starts from) and client log compaction.
 *
 * A snapshot's image is a Cairn workspace file holding only the state
 * tables (snapshot_tables[]), written through the store's own migrations:
 * a newer build migrates an older image exactly as it migrates a file,
 * and an image of a newer schema is refused. Rows are copied table by
 * table between two connections, so that a load or a rebuild can run
 * inside the store's transaction. docs/protocol.md ("Snapshots") has the
 * blob's layout, docs/design.md why it is so.
 */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "cairn-snapshot.h"
#include "cairn-store-hash-private.h"
#include "cairn-store-private.h"
#include "cairn-store-search-private.h"

G_DEFINE_QUARK (cairn-snapshot-error-quark, cairn_snapshot_error)

#define MAGIC     "CAIRNSNP"
#define MAGIC_LEN 8
/* magic, format (u32), flags (u32), total length (u64), header length (u32) */
#define FIXED_LEN (MAGIC_LEN + 4 + 4 + 8 + 4)
#define SUM_LEN   32
#define FLAG_ZLIB 1u
/* The header (JSON) is small: a catalogue and the skipped seqs. */
#define MAX_HEADER_BYTES (16 * 1024 * 1024)

/* Every table of the state a snapshot carries, parents first (todos refer
 * to lists). The text tables carry each body's CRDT state (folded: the
 * op tables are empty in an exported image) and the derived text written
 * at the state's version, so a loaded note needs no decoding to show. The
 * search index is not carried: it is marked stale and built by the first
 * search. */
static const char * const snapshot_tables[] = {
  "lists", "todos", "notes", "note_bodies", "note_body_ops", "note_versions",
  "note_body_versions", "parked", "tags", "todo_tags", "todo_occurrences",
  "todo_note_crdts", "todo_note_ops", "todo_note_versions", "todo_notes",
};

/* The base: the snapshot this store's confirmed state starts from (a
 * bootstrap or a compaction). Local, never synced, outside changesets. */
static const char base_table_sql[] =
  "CREATE TABLE IF NOT EXISTS snapshot_base ("
  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
  "  seq INTEGER NOT NULL,"
  "  loaded_at INTEGER NOT NULL,"
  "  origin TEXT NOT NULL,"      /* 'server' (bootstrap) or 'compact' */
  "  blob BLOB NOT NULL);";

void
cairn_snapshot_info_free (CairnSnapshotInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->history_id);
  g_free (info->chain);
  g_clear_pointer (&info->catalogue, g_ptr_array_unref);
  g_clear_pointer (&info->skipped_seqs, g_array_unref);
  g_clear_pointer (&info->skipped, g_ptr_array_unref);
  g_free (info->state_hash);
  g_free (info->state_format);
  g_clear_pointer (&info->anchor, cairn_event_unref);
  g_free (info);
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

GPtrArray *
cairn_snapshot_dup_catalogue (void)
{
  gsize n = 0;
  const CairnEventSpec *specs = _cairn_event_get_catalogue (&n);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (out, g_strdup_printf ("%s/%u", specs[i].name, specs[i].version));
  g_ptr_array_sort (out, compare_strings);
  return out;
}

/* ---- bytes ------------------------------------------------------------ */

/* Runs data through converter into one buffer (of size_hint bytes at
 * first, so that a known size is written in place without regrowing),
 * refusing more than limit bytes. */
static GBytes *
convert_all (GConverter    *converter,
             const guint8  *data,
             gsize          len,
             guint64        limit,
             gsize          size_hint,
             GError       **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize in_pos = 0, used = 0;

  g_byte_array_set_size (out, MAX (size_hint, 65536));
  for (;;)
    {
      gsize read = 0, written = 0;
      GConverterResult r;

      if (out->len - used < 65536)
        g_byte_array_set_size (out, out->len * 2);
      r = g_converter_convert (converter, data + in_pos, len - in_pos, out->data + used,
                               out->len - used, G_CONVERTER_INPUT_AT_END, &read, &written, error);
      if (r == G_CONVERTER_ERROR)
        return NULL;
      in_pos += read;
      used += written;
      if (used > limit)
        {
          g_set_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_DAMAGED,
                       "The snapshot's image is larger than it says");
          return NULL;
        }
      if (r == G_CONVERTER_FINISHED)
        break;
    }
  g_byte_array_set_size (out, used);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
put_u32 (GByteArray *out,
         guint32     v)
{
  guint32 le = GUINT32_TO_LE (v);

  g_byte_array_append (out, (const guint8 *) &le, 4);
}

static void
put_u64 (GByteArray *out,
         guint64     v)
{
  guint64 le = GUINT64_TO_LE (v);

  g_byte_array_append (out, (const guint8 *) &le, 8);
}

static guint32
get_u32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static guint64
get_u64 (const guint8 *p)
{
  guint64 v;

  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

static void
sha256 (const guint8 *data,
        gsize         len,
        guint8        out[SUM_LEN])
{
  G_STATIC_ASSERT (SUM_LEN == 32);
  _cairn_sha256 (data, len, out);
}

static void
damaged (GError     **error,
         const char  *why)
{
  g_set_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_DAMAGED,
               "The snapshot is damaged: %s", why);
}

/* ---- the header ------------------------------------------------------- */

static char *
header_to_json (const CairnSnapshotInfo *info)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "seq");
  json_builder_add_int_value (b, info->seq);
  json_builder_set_member_name (b, "history_id");
  json_builder_add_string_value (b, info->history_id != NULL ? info->history_id : "");
  json_builder_set_member_name (b, "chain");
  if (info->chain != NULL)
    json_builder_add_string_value (b, info->chain);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "schema");
  json_builder_add_int_value (b, info->schema);
  json_builder_set_member_name (b, "state_hash");
  json_builder_add_string_value (b, info->state_hash != NULL ? info->state_hash : "");
  json_builder_set_member_name (b, "state_format");
  json_builder_add_string_value (b, info->state_format != NULL ? info->state_format : "");
  json_builder_set_member_name (b, "made_at");
  json_builder_add_int_value (b, info->made_at);
  json_builder_set_member_name (b, "image_bytes");
  json_builder_add_int_value (b, (gint64) info->image_bytes);
  json_builder_set_member_name (b, "anchor");
  if (info->anchor != NULL)
    json_builder_add_value (b, cairn_event_to_json (info->anchor));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "catalogue");
  json_builder_begin_array (b);
  for (guint i = 0; i < info->catalogue->len; i++)
    json_builder_add_string_value (b, info->catalogue->pdata[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "skipped");
  json_builder_begin_array (b);
  for (guint i = 0; i < info->skipped_seqs->len; i++)
    {
      json_builder_begin_array (b);
      json_builder_add_int_value (b, g_array_index (info->skipped_seqs, gint64, i));
      json_builder_add_string_value (b, info->skipped->pdata[i]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static CairnSnapshotInfo *
info_new (void)
{
  CairnSnapshotInfo *info = g_new0 (CairnSnapshotInfo, 1);

  info->catalogue = g_ptr_array_new_with_free_func (g_free);
  info->skipped_seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  info->skipped = g_ptr_array_new_with_free_func (g_free);
  return info;
}

static CairnSnapshotInfo *
header_from_json (const char  *json,
                  gsize        len,
                  GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(CairnSnapshotInfo) info = info_new ();
  JsonObject *o;
  JsonArray *a;
  JsonNode *chain;

  if (!json_parser_load_from_data (parser, json, len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      damaged (error, "its header is not a JSON object");
      return NULL;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (o, "seq") || !json_object_has_member (o, "schema") ||
      !json_object_has_member (o, "catalogue") || !json_object_has_member (o, "skipped") ||
      !json_object_has_member (o, "history_id") || !json_object_has_member (o, "image_bytes"))
    {
      damaged (error, "its header lacks a field");
      return NULL;
    }
  info->seq = json_object_get_int_member (o, "seq");
  info->history_id = g_strdup (json_object_get_string_member (o, "history_id"));
  chain = json_object_get_member (o, "chain");
  if (chain != NULL && JSON_NODE_HOLDS_VALUE (chain))
    info->chain = g_strdup (json_node_get_string (chain));
  info->schema = (guint) json_object_get_int_member (o, "schema");
  info->state_hash = g_strdup (json_object_get_string_member_with_default (o, "state_hash", ""));
  info->state_format = g_strdup (json_object_get_string_member_with_default (o, "state_format", ""));
  /* Both or neither, each well formed: a half-filled pair is a damaged
   * header, not a hash a reader could compare. */
  if ((info->state_hash[0] != '\0' || info->state_format[0] != '\0') &&
      (!cairn_state_hash_is_valid (info->state_hash) ||
       !cairn_state_format_is_valid (info->state_format)))
    {
      damaged (error, "its state hash is malformed");
      return NULL;
    }
  info->made_at = json_object_get_int_member_with_default (o, "made_at", 0);
  info->image_bytes = (guint64) json_object_get_int_member (o, "image_bytes");
  {
    JsonNode *anchor = json_object_get_member (o, "anchor");

    if (anchor != NULL && JSON_NODE_HOLDS_OBJECT (anchor))
      {
        g_autoptr(GError) inner = NULL;

        info->anchor = cairn_event_new_from_json (anchor, &inner);
        if (info->anchor == NULL || info->anchor->seq != info->seq)
          {
            damaged (error, "the event at its seq is malformed");
            return NULL;
          }
      }
  }
  a = json_object_get_array_member (o, "catalogue");
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    g_ptr_array_add (info->catalogue, g_strdup (json_array_get_string_element (a, i)));
  a = json_object_get_array_member (o, "skipped");
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      JsonArray *pair = json_array_get_array_element (a, i);
      gint64 seq;

      if (pair == NULL || json_array_get_length (pair) != 2)
        {
          damaged (error, "a skipped event in its header is malformed");
          return NULL;
        }
      seq = json_array_get_int_element (pair, 0);
      g_array_append_val (info->skipped_seqs, seq);
      g_ptr_array_add (info->skipped, g_strdup (json_array_get_string_element (pair, 1)));
    }
  if (info->seq < 0 || info->history_id == NULL || info->image_bytes > CAIRN_SNAPSHOT_MAX_BYTES * 8)
    {
      damaged (error, "its header is out of range");
      return NULL;
    }
  return g_steal_pointer (&info);
}

/* Reads and checks the blob; *out_payload points into it. */
static CairnSnapshotInfo *
parse_blob (GBytes        *blob,
            const guint8 **out_payload,
            gsize         *out_payload_len,
            guint32       *out_flags,
            GError       **error)
{
  gsize len = 0;
  const guint8 *p = g_bytes_get_data (blob, &len);
  guint8 sum[SUM_LEN];
  guint32 header_len;
  CairnSnapshotInfo *info;

  if (len < FIXED_LEN + SUM_LEN || memcmp (p, MAGIC, MAGIC_LEN) != 0)
    {
      damaged (error, "it is not a Cairn snapshot or it is cut short");
      return NULL;
    }
  if (get_u64 (p + 16) != len)
    {
      damaged (error, len < get_u64 (p + 16) ? "it is cut short" : "it is longer than it says");
      return NULL;
    }
  sha256 (p, len - SUM_LEN, sum);
  if (memcmp (sum, p + len - SUM_LEN, SUM_LEN) != 0)
    {
      damaged (error, "its checksum does not match");
      return NULL;
    }
  if (get_u32 (p + 8) != CAIRN_SNAPSHOT_FORMAT)
    {
      g_set_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_FALLBACK,
                   "The snapshot is in format %u; this version of Cairn reads format %d",
                   get_u32 (p + 8), CAIRN_SNAPSHOT_FORMAT);
      return NULL;
    }
  header_len = get_u32 (p + 24);
  if (header_len > MAX_HEADER_BYTES || FIXED_LEN + (gsize) header_len + SUM_LEN > len)
    {
      damaged (error, "its header is too long");
      return NULL;
    }
  info = header_from_json ((const char *) p + FIXED_LEN, header_len, error);
  if (info == NULL)
    return NULL;
  info->total_bytes = len;
  if (out_payload != NULL)
    {
      *out_payload = p + FIXED_LEN + header_len;
      *out_payload_len = len - FIXED_LEN - header_len - SUM_LEN;
      *out_flags = get_u32 (p + 12);
    }
  return info;
}

CairnSnapshotInfo *
cairn_snapshot_parse (GBytes  *blob,
                      GError **error)
{
  g_return_val_if_fail (blob != NULL, NULL);

  return parse_blob (blob, NULL, NULL, NULL, error);
}

gboolean
cairn_snapshot_check_usable (const CairnSnapshotInfo *info,
                             GError                 **error)
{
  g_autoptr(GPtrArray) mine = cairn_snapshot_dup_catalogue ();
  g_autoptr(GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (info != NULL, FALSE);

  if (info->schema > CAIRN_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_FALLBACK,
                   "The snapshot was made by a newer Cairn (schema %u, this version knows up to %d)",
                   info->schema, CAIRN_STORE_SCHEMA_VERSION);
      return FALSE;
    }
  for (guint i = 0; i < mine->len; i++)
    g_hash_table_add (known, mine->pdata[i]);
  for (guint i = 0; i < info->catalogue->len; i++)
    if (!g_hash_table_contains (known, info->catalogue->pdata[i]))
      {
        g_set_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_FALLBACK,
                     "The snapshot was made by a newer Cairn (it knows %s, this version does not)",
                     (const char *) info->catalogue->pdata[i]);
        return FALSE;
      }
  for (guint i = 0; i < info->skipped->len; i++)
    if (g_hash_table_contains (known, info->skipped->pdata[i]))
      {
        g_set_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_FALLBACK,
                     "The snapshot skipped event %" G_GINT64_FORMAT " (%s), which this version knows",
                     g_array_index (info->skipped_seqs, gint64, i),
                     (const char *) info->skipped->pdata[i]);
        return FALSE;
      }
  return TRUE;
}

/* ---- copying tables between two connections ---------------------------- */

static gboolean
sql_fail (GError     **error,
          sqlite3     *db,
          const char  *what)
{
  g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
               "%s: %s", what, sqlite3_errmsg (db));
  return FALSE;
}

/* Copies every row of table from src into the same table of dst. Both
 * have the same schema version, hence the same columns in the same order
 * (every file is made by the same migrations from 0). */
static gboolean
copy_table (sqlite3     *src,
            sqlite3     *dst,
            const char  *table,
            GError     **error)
{
  g_autofree char *select = g_strdup_printf ("SELECT * FROM %s", table);
  g_autoptr(GString) insert = g_string_new (NULL);
  g_autoptr(sqlite3_stmt) read = NULL;
  g_autoptr(sqlite3_stmt) write = NULL;
  int n, rc;

  if (sqlite3_prepare_v2 (src, select, -1, &read, NULL) != SQLITE_OK)
    return sql_fail (error, src, "Cannot read a table of the snapshot");
  n = sqlite3_column_count (read);
  g_string_printf (insert, "INSERT INTO %s VALUES (", table);
  for (int i = 0; i < n; i++)
    g_string_append (insert, i == 0 ? "?" : ", ?");
  g_string_append (insert, ")");
  if (sqlite3_prepare_v2 (dst, insert->str, -1, &write, NULL) != SQLITE_OK)
    return sql_fail (error, dst, "Cannot write a table of the snapshot");
  while ((rc = sqlite3_step (read)) == SQLITE_ROW)
    {
      for (int i = 0; i < n; i++)
        if (sqlite3_bind_value (write, i + 1, sqlite3_column_value (read, i)) != SQLITE_OK)
          return sql_fail (error, dst, "Cannot bind");
      if (sqlite3_step (write) != SQLITE_DONE)
        return sql_fail (error, dst, "Cannot write a row of the snapshot");
      sqlite3_reset (write);
    }
  if (rc != SQLITE_DONE)
    return sql_fail (error, src, "Cannot read a table of the snapshot");
  return TRUE;
}

static char *
temp_image_path (CairnStore *self)
{
  g_autofree char *rand = g_uuid_string_random ();

  return g_strdup_printf ("%s.snapshot-%s", self->path, rand);
}

static void
remove_image (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
}

/* ---- export ------------------------------------------------------------ */

/* Inside the store's transaction, pending rolled back. */
static gboolean
read_skipped (CairnStore         *self,
              CairnSnapshotInfo  *info,
              GError            **error)
{
  g_autoptr(CairnSnapshotInfo) base = cairn_store_dup_snapshot_info (self, NULL);
  sqlite3_stmt *stmt;
  int rc;

  /* Those the base skipped (the log before it may be gone), then the log's. */
  if (base != NULL)
    for (guint i = 0; i < base->skipped->len; i++)
      {
        g_array_append_val (info->skipped_seqs, g_array_index (base->skipped_seqs, gint64, i));
        g_ptr_array_add (info->skipped, g_strdup (base->skipped->pdata[i]));
      }
  stmt = _cairn_store_prepare (self, "SELECT seq, name, version FROM log "
                               "WHERE skipped AND seq > ?1 ORDER BY seq", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, base != NULL ? base->seq : 0);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (info->skipped_seqs, seq);
      g_ptr_array_add (info->skipped, g_strdup_printf ("%s/%d", sqlite3_column_text (stmt, 1),
                                                       sqlite3_column_int (stmt, 2)));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the skipped events");
      return FALSE;
    }
  return TRUE;
}

static GBytes *
read_file_bytes (const char  *path,
                 GError     **error)
{
  char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  return g_bytes_new_take (data, len);
}

static GBytes *
assemble (const CairnSnapshotInfo *info,
          GBytes                  *image,
          GError                 **error)
{
  g_autoptr(GConverter) zlib = G_CONVERTER (g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 1));
  g_autoptr(GBytes) packed = NULL;
  g_autofree char *header = header_to_json (info);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize header_len = strlen (header);
  gsize image_len = 0;
  const guint8 *image_data = g_bytes_get_data (image, &image_len);
  guint8 sum[SUM_LEN];

  packed = convert_all (zlib, image_data, image_len, G_MAXUINT64, image_len / 4, error);
  if (packed == NULL)
    return NULL;
  g_byte_array_append (out, (const guint8 *) MAGIC, MAGIC_LEN);
  put_u32 (out, CAIRN_SNAPSHOT_FORMAT);
  put_u32 (out, FLAG_ZLIB);
  put_u64 (out, FIXED_LEN + header_len + g_bytes_get_size (packed) + SUM_LEN);
  put_u32 (out, (guint32) header_len);
  g_byte_array_append (out, (const guint8 *) header, header_len);
  g_byte_array_append (out, g_bytes_get_data (packed, NULL), g_bytes_get_size (packed));
  sha256 (out->data, out->len, sum);
  g_byte_array_append (out, sum, SUM_LEN);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* An empty image at this build's schema (rollback journal: SQLite does not
 * deserialize a database in WAL mode), made once per process by the
 * migrations and copied for every snapshot: running them costs more than
 * a small snapshot. */
static GBytes *
empty_image (CairnStore  *self,
             GError     **error)
{
  static GMutex lock;
  static GBytes *image;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);
  g_autofree char *path = NULL;
  sqlite3 *db;
  gboolean ok;

  if (image != NULL)
    return g_bytes_ref (image);
  path = temp_image_path (self);
  db = _cairn_store_open_db (path, error);
  if (db == NULL)
    {
      remove_image (path);
      return NULL;
    }
  ok = sqlite3_exec (db, "PRAGMA journal_mode = DELETE; DELETE FROM search_meta", NULL, NULL, NULL) == SQLITE_OK ||
       sql_fail (error, db, "Cannot make an empty snapshot");
  sqlite3_close (db);
  if (ok)
    image = read_file_bytes (path, error);
  remove_image (path);
  return image != NULL ? g_bytes_ref (image) : NULL;
}

/* A private in-memory connection on a copy of image. */
static sqlite3 *
open_memory_image (GBytes  *image,
                   GError **error)
{
  sqlite3 *db = NULL;
  gsize len = g_bytes_get_size (image);
  unsigned char *copy;

  if (sqlite3_open_v2 (":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      sql_fail (error, db, "Cannot open a snapshot in memory");
      sqlite3_close (db);
      return NULL;
    }
  copy = sqlite3_malloc64 (MAX (len, 1));
  if (copy == NULL)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED, "Out of memory for a snapshot");
      sqlite3_close (db);
      return NULL;
    }
  memcpy (copy, g_bytes_get_data (image, NULL), len);
  /* The image comes from the server: it is only ever read row by row into
   * tables of our own schema, and its schema may not run anything (no
   * triggers or views of its own choosing, no writes to its internals). */
  sqlite3_db_config (db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config (db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  if (sqlite3_deserialize (db, "main", copy, len, len,
                           SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) != SQLITE_OK ||
      sqlite3_exec (db, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL) != SQLITE_OK)
    {
      damaged (error, sqlite3_errmsg (db));
      sqlite3_close (db);
      return NULL;
    }
  return db;
}

/* Copies the state tables of the store (in its open transaction) into a
 * copy of the empty image and returns its bytes. The search index's
 * triggers marked every copied row: those marks are dropped. */
static GBytes *
write_image (CairnStore  *self,
             gint64       seq,
             GError     **error)
{
  g_autoptr(GBytes) empty = empty_image (self, error);
  g_autofree char *meta = NULL;
  sqlite3_int64 size = 0;
  unsigned char *data;
  sqlite3 *dst;
  gboolean ok = TRUE;

  if (empty == NULL || (dst = open_memory_image (empty, error)) == NULL)
    return NULL;
  meta = g_strdup_printf ("UPDATE meta SET head = %" G_GINT64_FORMAT ", history_id = NULL; "
                          "DELETE FROM search_dirty; COMMIT", seq);
  if (sqlite3_exec (dst, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    ok = sql_fail (error, dst, "Cannot write the snapshot");
  for (gsize i = 0; ok && i < G_N_ELEMENTS (snapshot_tables); i++)
    ok = copy_table (self->db, dst, snapshot_tables[i], error);
  if (ok && sqlite3_exec (dst, meta, NULL, NULL, NULL) != SQLITE_OK)
    ok = sql_fail (error, dst, "Cannot write the snapshot");
  if (!ok)
    {
      sqlite3_close (dst);
      return NULL;
    }
  data = sqlite3_serialize (dst, "main", &size, 0);
  sqlite3_close (dst);
  if (data == NULL)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED, "Cannot serialize the snapshot");
      return NULL;
    }
  return g_bytes_new_with_free_func (data, size, sqlite3_free, data);
}

static GBytes *
export_in_transaction (CairnStore           *self,
                       const char           *chain,
                       const CairnStateHash *hash,
                       GError              **error)
{
  g_autoptr(CairnSnapshotInfo) info = info_new ();
  g_autoptr(GBytes) image = NULL;

  g_clear_pointer (&info->catalogue, g_ptr_array_unref);
  info->catalogue = cairn_snapshot_dup_catalogue ();
  info->seq = self->head;
  info->history_id = g_strdup (self->history_id != NULL ? self->history_id : "");
  info->chain = g_strdup (chain);
  info->schema = CAIRN_STORE_SCHEMA_VERSION;
  /* The maker's state hash at seq, when it computed one (the server does,
   * cairn-server-core-snapshots.c); "" otherwise. */
  info->state_hash = g_strdup (hash != NULL ? hash->hash : "");
  info->state_format = g_strdup (hash != NULL ? hash->format : "");
  info->made_at = g_get_real_time () / 1000;

  if (!_cairn_store_rollback_pending (self, error) ||
      !_cairn_store_compact_texts (self, error) ||
      !_cairn_store_write_bodies (self, error) ||
      !read_skipped (self, info, error))
    return NULL;
  if (info->seq > 0)
    {
      g_autoptr(GPtrArray) rows = cairn_store_list_log (self, info->seq - 1, 1, error);

      if (rows == NULL)
        return NULL;
      if (rows->len == 1 && ((CairnEvent *) rows->pdata[0])->seq == info->seq)
        info->anchor = cairn_event_ref (rows->pdata[0]);
    }
  image = write_image (self, info->seq, error);
  if (image == NULL)
    return NULL;
  info->image_bytes = g_bytes_get_size (image);
  return assemble (info, image, error);
}

GBytes *
cairn_store_export_snapshot (CairnStore  *self,
                             const char  *chain,
                             GError     **error)
{
  return cairn_store_export_snapshot_hashed (self, chain, NULL, error);
}

GBytes *
cairn_store_export_snapshot_hashed (CairnStore           *self,
                                    const char           *chain,
                                    const CairnStateHash *hash,
                                    GError              **error)
{
  GBytes *blob;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail (hash == NULL || hash->seq == cairn_store_get_head (self), NULL);

  /* Nothing of this transaction is kept: the folded texts are the same
   * text, and pending comes back with the rollback. */
  if (!_cairn_store_begin (self, error))
    return NULL;
  blob = export_in_transaction (self, chain, hash, error);
  _cairn_store_rollback (self);
  return blob;
}

/* ---- load -------------------------------------------------------------- */

/* 1 when the store has the base's table, 0 when not, -1 on error. It is
 * made by the first load or compaction only: a rebuild or a reset of a
 * store that never had a snapshot leaves its schema as it was. */
static int
base_table_exists (CairnStore  *self,
                   GError     **error)
{
  return _cairn_store_query_finds (self, "SELECT 1 FROM sqlite_schema WHERE name = ?1",
                                   "snapshot_base", "the schema", error);
}

static gboolean
ensure_base_table (CairnStore  *self,
                   GError     **error)
{
  int exists = base_table_exists (self, error);

  if (exists < 0)
    return FALSE;
  return exists > 0 || _cairn_store_exec (self, base_table_sql, error);
}

/* The blob's image, decompressed and checked against its header. */
static GBytes *
unpack_image (GBytes              *blob,
              CairnSnapshotInfo  **out_info,
              GError             **error)
{
  g_autoptr(CairnSnapshotInfo) info = NULL;
  g_autoptr(GBytes) image = NULL;
  const guint8 *payload;
  gsize payload_len;
  guint32 flags;

  info = parse_blob (blob, &payload, &payload_len, &flags, error);
  if (info == NULL)
    return NULL;
  if (flags & FLAG_ZLIB)
    {
      g_autoptr(GConverter) zlib = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB));
      g_autoptr(GError) inner = NULL;

      /* deflate expands at most ~1,032 times: a header cannot make us
       * reserve more than that */
      image = convert_all (zlib, payload, payload_len, info->image_bytes,
                           (gsize) MIN (info->image_bytes, (guint64) payload_len * 1032 + 65536),
                           &inner);
      if (image == NULL)
        {
          damaged (error, inner->message);
          return NULL;
        }
    }
  else
    image = g_bytes_new (payload, payload_len);
  if (g_bytes_get_size (image) != info->image_bytes)
    {
      damaged (error, "its image has the wrong size");
      return NULL;
    }
  *out_info = g_steal_pointer (&info);
  return g_steal_pointer (&image);
}

/* Writes an image of an older schema into a file next to the store and
 * opens it there, which migrates it to this build's schema (NULL and
 * the file removed on failure). */
static sqlite3 *
open_image_file (CairnStore  *self,
                 GBytes      *image,
                 char       **out_path,
                 GError     **error)
{
  g_autofree char *path = temp_image_path (self);
  sqlite3 *db;

  if (!g_file_set_contents (path, g_bytes_get_data (image, NULL), g_bytes_get_size (image), error))
    {
      remove_image (path);
      return NULL;
    }
  db = _cairn_store_open_db (path, error);
  if (db == NULL)
    {
      remove_image (path);
      return NULL;
    }
  *out_path = g_steal_pointer (&path);
  return db;
}

/* Decompresses the blob's image and opens it on a connection of its own,
 * migrated to this build's schema. *out_path: the file to remove when
 * done (NULL: in memory). */
static sqlite3 *
open_image (CairnStore  *self,
            GBytes      *blob,
            char       **out_path,
            CairnSnapshotInfo **out_info,
            GError     **error)
{
  g_autoptr(CairnSnapshotInfo) info = NULL;
  g_autoptr(GBytes) image = unpack_image (blob, &info, error);
  sqlite3 *db;

  if (image == NULL)
    return NULL;
  /* This build's schema: read in memory. An older one: through a file,
   * which the store's migrations bring up to date. */
  if (info->schema == CAIRN_STORE_SCHEMA_VERSION)
    db = open_memory_image (image, error);
  else
    db = open_image_file (self, image, out_path, error);
  if (db != NULL)
    *out_info = g_steal_pointer (&info);
  return db;
}

/* Fills the emptied state tables (inside a rebuild) from the blob. */
static gboolean
fill_from_blob (CairnStore          *self,
                GBytes              *blob,
                CairnSnapshotInfo  **out_info,
                GError             **error)
{
  g_autofree char *path = NULL;
  g_autoptr(CairnSnapshotInfo) info = NULL;
  sqlite3 *src;
  gboolean ok = TRUE;

  src = open_image (self, blob, &path, &info, error);
  if (src == NULL)
    return FALSE;
  for (gsize i = 0; ok && i < G_N_ELEMENTS (snapshot_tables); i++)
    ok = copy_table (src, self->db, snapshot_tables[i], error);
  sqlite3_close (src);
  if (path != NULL)
    remove_image (path);
  if (ok && out_info != NULL)
    *out_info = g_steal_pointer (&info);
  return ok;
}

static GBytes *
read_base_blob (CairnStore  *self,
                GError     **error)
{
  sqlite3_stmt *stmt;
  GBytes *blob = NULL;
  int rc, exists;

  exists = base_table_exists (self, error);
  if (exists < 0)
    return NULL;
  if (exists == 0)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND, "No snapshot base");
      return NULL;
    }
  stmt = _cairn_store_prepare (self, "SELECT blob FROM snapshot_base WHERE id = 1", error);
  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    blob = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _cairn_store_set_error (self, error, "Cannot read the snapshot base");
  else if (rc == SQLITE_DONE)
    g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND, "No snapshot base");
  return blob;
}

/* cairn-store-rebuild.c: a rebuild starts from the base, if any, and
 * replays the log after it. *base_seq: 0 without a base. */
gboolean
_cairn_store_fill_from_base (CairnStore  *self,
                             gint64      *base_seq,
                             GError     **error)
{
  g_autoptr(GError) inner = NULL;
  g_autoptr(GBytes) blob = read_base_blob (self, &inner);
  g_autoptr(CairnSnapshotInfo) info = NULL;

  *base_seq = 0;
  if (blob == NULL)
    {
      if (g_error_matches (inner, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&inner));
      return FALSE;
    }
  if (!fill_from_blob (self, blob, &info, error))
    return FALSE;
  *base_seq = info->seq;
  return TRUE;
}

static gboolean
save_base (CairnStore  *self,
           gint64       seq,
           const char  *origin,
           GBytes      *blob,
           GError     **error)
{
  sqlite3_stmt *stmt;

  if (!ensure_base_table (self, error))
    return FALSE;
  stmt = _cairn_store_prepare (self, "INSERT OR REPLACE INTO snapshot_base "
                               "(id, seq, loaded_at, origin, blob) VALUES (1, ?1, ?2, ?3, ?4)",
                               error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_int64 (stmt, 1, seq) != SQLITE_OK ||
      sqlite3_bind_int64 (stmt, 2, g_get_real_time () / 1000) != SQLITE_OK ||
      sqlite3_bind_text (stmt, 3, origin, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_bind_blob64 (stmt, 4, g_bytes_get_data (blob, NULL), g_bytes_get_size (blob),
                           SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return _cairn_store_step_done (self, stmt, error);
}

gboolean
_cairn_store_get_base_seq (CairnStore  *self,
                           gint64      *out,
                           GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  *out = 0;
  rc = base_table_exists (self, error);
  if (rc <= 0)
    return rc == 0;
  stmt = _cairn_store_prepare (self, "SELECT seq FROM snapshot_base WHERE id = 1", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the snapshot base");
      return FALSE;
    }
  return TRUE;
}

gboolean
cairn_store_get_snapshot_seq (CairnStore  *self,
                              gint64      *out_seq,
                              GError     **error)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (out_seq != NULL, FALSE);

  return _cairn_store_get_base_seq (self, out_seq, error);
}

/* Drops the base (a server restore took the history it stood on away):
 * in the caller's transaction. */
gboolean
_cairn_store_drop_snapshot_base (CairnStore  *self,
                                 GError     **error)
{
  int exists = base_table_exists (self, error);

  return exists == 0 || (exists > 0 && _cairn_store_exec (self, "DELETE FROM snapshot_base", error));
}

/* ---- the load: the image attached to the store's connection ---------- */

/* The schema name the image is attached under during a load. */
#define SNAP "cairn_snap"

typedef struct
{
  GBytes            *blob;
  CairnSnapshotInfo *info;
  GBytes            *image;        /* this build's schema: in memory */
  char              *path;         /* an older one: migrated in this file */
  gboolean           attached;
  /* the image's own state hash, made on a thread while the rows copy */
  GThread           *hasher;
  CairnStateHash     image_hash;
  GError            *hash_error;
  /* CREATE INDEX of the tables the rebuild drops (read before it) */
  GPtrArray         *indexes;
} LoadData;

static void
load_data_clear (LoadData *data)
{
  g_assert (data->hasher == NULL);
  g_clear_pointer (&data->info, cairn_snapshot_info_free);
  g_clear_pointer (&data->image, g_bytes_unref);
  g_clear_pointer (&data->indexes, g_ptr_array_unref);
  if (data->path != NULL)
    remove_image (data->path);
  g_clear_pointer (&data->path, g_free);
  g_clear_error (&data->hash_error);
}

/* Every table the load reads must be a table of the image with this
 * build's columns in this build's order: the image comes from the
 * server, and `INSERT … SELECT *` trusts both. */
static gboolean
check_attached (CairnStore  *self,
                GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = _cairn_store_prepare (self, "SELECT (SELECT type FROM " SNAP ".sqlite_schema WHERE name = ?1), "
                               "(SELECT group_concat (name, ',') FROM pragma_table_info (?1, 'main')) IS "
                               "(SELECT group_concat (name, ',') FROM pragma_table_info (?1, '" SNAP "'))",
                               error);
  if (stmt == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (snapshot_tables); i++)
    {
      gboolean same;
      int rc;

      if (sqlite3_bind_text (stmt, 1, snapshot_tables[i], -1, SQLITE_STATIC) != SQLITE_OK)
        {
          _cairn_store_set_error (self, error, "Cannot bind");
          return FALSE;
        }
      rc = sqlite3_step (stmt);
      same = rc == SQLITE_ROW && g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "table") == 0 &&
             sqlite3_column_int (stmt, 1) != 0;
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW)
        {
          damaged (error, sqlite3_errmsg (self->db));
          return FALSE;
        }
      if (!same)
        {
          damaged (error, "its tables are not those of its schema");
          return FALSE;
        }
    }
  return TRUE;
}

/* Unpacks the blob and attaches its image to the store's connection as
 * SNAP (outside a transaction: SQLite attaches only there): this build's
 * schema straight from memory (read-only), an older one through a file
 * that the migrations bring up to date. */
static gboolean
attach_image (CairnStore  *self,
              LoadData    *data,
              GError     **error)
{
  data->image = unpack_image (data->blob, &data->info, error);
  if (data->image == NULL || !cairn_snapshot_check_usable (data->info, error))
    return FALSE;
  if (data->info->schema == CAIRN_STORE_SCHEMA_VERSION)
    {
      gsize len = 0;
      unsigned char *bytes = (unsigned char *) g_bytes_get_data (data->image, &len);

      if (!_cairn_store_exec (self, "ATTACH ':memory:' AS " SNAP, error))
        return FALSE;
      data->attached = TRUE;
      /* Not SQLITE_DESERIALIZE_READONLY: the store's BEGIN IMMEDIATE takes
       * the write lock of every attached database, which a read-only one
       * refuses. Nothing writes to it (the load only reads SNAP), so the
       * hasher thread can read the same bytes meanwhile. */
      if (sqlite3_deserialize (self->db, SNAP, bytes, len, len, 0) != SQLITE_OK)
        {
          damaged (error, sqlite3_errmsg (self->db));
          return FALSE;
        }
    }
  else
    {
      sqlite3 *migrated = open_image_file (self, data->image, &data->path, error);
      sqlite3_stmt *stmt;

      if (migrated == NULL)
        return FALSE;
      sqlite3_close (migrated);
      stmt = _cairn_store_prepare (self, "ATTACH ?1 AS " SNAP, error);
      if (stmt == NULL)
        return FALSE;
      if (sqlite3_bind_text (stmt, 1, data->path, -1, SQLITE_STATIC) != SQLITE_OK)
        {
          _cairn_store_set_error (self, error, "Cannot bind");
          return FALSE;
        }
      if (!_cairn_store_step_done (self, stmt, error))
        return FALSE;
      data->attached = TRUE;
    }
  return check_attached (self, error);
}

/* The CREATE INDEX statements of the tables the rebuild drops and makes
 * again (cairn-store-rebuild.c), from the store's own schema. */
static gboolean
read_rebuilt_indexes (CairnStore  *self,
                      LoadData    *data,
                      GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _cairn_store_prepare (self, "SELECT sql FROM main.sqlite_schema WHERE type = 'index' "
                               "AND sql IS NOT NULL AND tbl_name IN ('lists', 'todos', 'notes') "
                               "ORDER BY rowid", error);
  if (stmt == NULL)
    return FALSE;
  data->indexes = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (data->indexes, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the schema");
      return FALSE;
    }
  return TRUE;
}

static void
detach_image (CairnStore *self,
              LoadData   *data)
{
  g_autoptr(GError) error = NULL;

  if (data->attached && !_cairn_store_exec (self, "DETACH " SNAP, &error))
    g_warning ("Cannot close a loaded snapshot: %s", error->message);
  data->attached = FALSE;
}

/* The hasher thread: the image's state hash on a read-only connection of
 * its own. The image's texts are all written (the export writes them), so
 * no CRDT is decoded; one that is not makes the load hash the loaded
 * state instead (hash_error G_IO_ERROR_BUSY). */
static gpointer
hash_image (gpointer user_data)
{
  LoadData *data = user_data;
  g_autoptr(CairnWrittenTexts) texts = NULL;
  sqlite3 *db = NULL;
  int rc;

  if (data->path != NULL)
    rc = sqlite3_open_v2 (data->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  else
    {
      gsize len = 0;
      unsigned char *bytes = (unsigned char *) g_bytes_get_data (data->image, &len);

      rc = sqlite3_open_v2 (":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
      if (rc == SQLITE_OK)
        rc = sqlite3_deserialize (db, "main", bytes, len, len, SQLITE_DESERIALIZE_READONLY);
    }
  if (rc != SQLITE_OK)
    {
      g_set_error (&data->hash_error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
                   "Cannot open the snapshot to hash it: %s", db != NULL ? sqlite3_errmsg (db) : "");
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_db_config (db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  texts = _cairn_written_texts_new (db, &data->hash_error);
  if (texts != NULL && !_cairn_state_hash_db (db, &data->image_hash, &data->hash_error) &&
      _cairn_written_texts_found_stale (texts))
    {
      g_clear_error (&data->hash_error);
      g_set_error (&data->hash_error, G_IO_ERROR, G_IO_ERROR_BUSY, "A text of the snapshot is not written");
    }
  g_clear_pointer (&texts, _cairn_written_texts_free);
  sqlite3_close (db);
  return NULL;
}

/* Whether the load checks the maker's hash: when it gave one in a format
 * this build computes. */
static gboolean
load_checks_hash (const CairnSnapshotInfo *info)
{
  return info->state_hash[0] != '\0' &&
         g_strcmp0 (info->state_format, cairn_state_hash_format ()) == 0;
}

/* The rows, the base, the anchor and the cursor: the load's writes. */
static gboolean
load_rows (CairnStore  *self,
           LoadData    *data,
           GError     **error)
{
  gboolean ok = TRUE;

  /* The indexes the rebuild dropped with the tables, made again before
   * the fill (the rebuild then finds them there): into an empty table
   * with the same indexes as the image's, with foreign keys off, SQLite
   * copies each table's and each index's records as they are, in order
   * (its "transfer" of INSERT … SELECT *), instead of decoding every row,
   * checking its keys and sorting each index afterwards. */
  for (guint i = 0; i < data->indexes->len; i++)
    {
      /* still there when the rebuild emptied the tables row by row */
      int made = _cairn_store_query_finds (self, "SELECT 1 FROM main.sqlite_schema WHERE sql = ?1",
                                           data->indexes->pdata[i], "the schema", error);

      if (made < 0 || (made == 0 && !_cairn_store_exec (self, data->indexes->pdata[i], error)))
        return FALSE;
    }
  /* A no-op inside a transaction as a PRAGMA, not through db_config;
   * statements prepared meanwhile are prepared again when next run. */
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_ENABLE_FKEY, 0, NULL);
  for (gsize i = 0; ok && i < G_N_ELEMENTS (snapshot_tables); i++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO main.%s SELECT * FROM " SNAP ".%s",
                                              snapshot_tables[i], snapshot_tables[i]);

      ok = _cairn_store_exec (self, sql, error);
    }
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_ENABLE_FKEY, 1, NULL);
  if (!ok)
    return FALSE;
  /* What the keys would have refused row by row, checked once: an image
   * whose rows point at rows it does not have is not the state. */
  {
    sqlite3_stmt *check = _cairn_store_prepare (self, "PRAGMA main.foreign_key_check", error);
    int rc;

    if (check == NULL)
      return FALSE;
    rc = sqlite3_step (check);
    sqlite3_reset (check);
    if (rc == SQLITE_ROW)
      {
        damaged (error, "a row refers to a row it does not have");
        return FALSE;
      }
    if (rc != SQLITE_DONE)
      {
        _cairn_store_set_error (self, error, "Cannot check the snapshot's rows");
        return FALSE;
      }
  }
  if (!save_base (self, data->info->seq, "server", data->blob, error))
    return FALSE;
  if (data->info->anchor != NULL)
    {
      gboolean skipped = FALSE;
      sqlite3_stmt *stmt;

      for (guint i = 0; i < data->info->skipped_seqs->len; i++)
        skipped |= g_array_index (data->info->skipped_seqs, gint64, i) == data->info->seq;
      if (!_cairn_store_insert_log (self, data->info->anchor, skipped, error))
        return FALSE;
      /* its chain is the server's there, not computed from a row before */
      stmt = _cairn_store_prepare (self, "UPDATE log SET chain = ?1 WHERE seq = ?2", error);
      if (stmt == NULL)
        return FALSE;
      if (sqlite3_bind_text (stmt, 1, data->info->chain, -1, SQLITE_STATIC) != SQLITE_OK ||
          sqlite3_bind_int64 (stmt, 2, data->info->seq) != SQLITE_OK)
        {
          _cairn_store_set_error (self, error, "Cannot bind");
          return FALSE;
        }
      if (!_cairn_store_step_done (self, stmt, error))
        return FALSE;
    }
  self->head = data->info->seq;
  g_free (self->history_id);
  self->history_id = g_strdup (data->info->history_id);
  return _cairn_store_save_cursor (self, error);
}

static gboolean
load_fill (CairnStore  *self,
           gpointer     user_data,
           GError     **error)
{
  LoadData *data = user_data;
  CairnStateHash mine;
  gboolean ok;

  if (load_checks_hash (data->info))
    data->hasher = g_thread_new ("cairn-snapshot-hash", hash_image, data);
  ok = load_rows (self, data, error);
  if (data->hasher != NULL)
    g_thread_join (g_steal_pointer (&data->hasher));
  if (!ok || !load_checks_hash (data->info))
    return ok;

  /* The maker's hash of this state: a state that hashes otherwise is not
   * what the log gives (a maker's bug, a reducer that differs): refused,
   * the device replays the full log instead. The image's hash, made while
   * the rows were copied, is the loaded state's (the rows are the
   * image's); only an image with a text not written is hashed here, one
   * read of the loaded state (BENCHMARKS.md, "State hash"). */
  if (data->hash_error == NULL)
    mine = data->image_hash;
  else if (g_error_matches (data->hash_error, G_IO_ERROR, G_IO_ERROR_BUSY))
    {
      if (!_cairn_store_hash_state_tables (self, &mine, error))
        return FALSE;
    }
  else
    {
      g_propagate_error (error, g_steal_pointer (&data->hash_error));
      return FALSE;
    }
  if (!g_str_equal (mine.hash, data->info->state_hash))
    {
      g_set_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_FALLBACK,
                   "The snapshot at seq %" G_GINT64_FORMAT " does not hash as its maker "
                   "said (%.16s…, here %.16s…): replaying the full log instead",
                   data->info->seq, data->info->state_hash, mine.hash);
      return FALSE;
    }
  return TRUE;
}

gboolean
cairn_store_load_snapshot (CairnStore  *self,
                           GBytes      *blob,
                           GError     **error)
{
  LoadData data = { 0 };
  gboolean ok;
  int has_log;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (blob != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);

  if (!_cairn_store_check_data_version (self, error))
    return FALSE;
  has_log = _cairn_store_query_finds (self, "SELECT 1 FROM log WHERE ?1 IS NOT NULL LIMIT 1",
                                      "", "the log", error);
  if (has_log < 0)
    return FALSE;
  data.blob = blob;
  /* The blob's checks first: a damaged or newer snapshot says so, whatever
   * the store holds. */
  ok = attach_image (self, &data, error);
  if (ok && (self->head != 0 || has_log != 0))
    {
      g_set_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_NOT_EMPTY,
                   "“%s” already follows the server's log (head %" G_GINT64_FORMAT "); "
                   "a snapshot is for a new device", self->path, self->head);
      ok = FALSE;
    }
  if (ok)
    ok = read_rebuilt_indexes (self, &data, error) &&
         _cairn_store_rebuild_with (self, load_fill, &data, error);
  detach_image (self, &data);
  load_data_clear (&data);
  return ok;
}

CairnSnapshotInfo *
cairn_store_dup_snapshot_info (CairnStore  *self,
                               GError     **error)
{
  g_autoptr(GError) inner = NULL;
  g_autoptr(GBytes) blob = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  blob = read_base_blob (self, &inner);
  if (blob == NULL)
    {
      if (!g_error_matches (inner, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND))
        g_propagate_error (error, g_steal_pointer (&inner));
      return NULL;
    }
  return cairn_snapshot_parse (blob, error);
}

/* ---- compaction -------------------------------------------------------- */

static gboolean
file_pages (CairnStore  *self,
            gint64      *pages,
            gint64      *free_pages,
            gint64      *page_size,
            GError     **error)
{
  return _cairn_store_get_pragma (self, "page_count", "the page count", pages, error) &&
         _cairn_store_get_pragma (self, "freelist_count", "the free page count", free_pages, error) &&
         _cairn_store_get_pragma (self, "page_size", "the page size", page_size, error);
}

static gboolean
adopt_in_transaction (CairnStore        *self,
                      GBytes            *blob,
                      gint64             seq,
                      const char        *origin,
                      CairnCompactStats *stats,
                      GError           **error)
{
  sqlite3_stmt *stmt;

  if (!save_base (self, seq, origin, blob, error))
    return FALSE;
  /* The row at seq stays: the log's anchor (its chain, the server's
   * check of the event at our head); a rebuild replays only after it. */
  stmt = _cairn_store_prepare (self, "DELETE FROM log WHERE seq < ?1 AND NOT skipped "
                               "AND client_id <> ?2", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_int64 (stmt, 1, seq) != SQLITE_OK ||
      sqlite3_bind_text (stmt, 2, self->client_id, -1, SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  if (!_cairn_store_step_done (self, stmt, error))
    return FALSE;
  stats->rows_dropped = sqlite3_changes (self->db);
  stats->base_seq = seq;
  return TRUE;
}

gboolean
cairn_store_adopt_snapshot_base (CairnStore        *self,
                                 GBytes            *blob,
                                 CairnCompactStats *out_stats,
                                 GError           **error)
{
  g_autoptr(CairnSnapshotInfo) info = NULL;
  CairnCompactStats stats = { 0 };

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);

  info = cairn_snapshot_parse (blob, error);
  if (info == NULL || !_cairn_store_begin (self, error))
    return FALSE;
  if (info->seq != self->head)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
                   "The snapshot is at seq %" G_GINT64_FORMAT ", the store at %" G_GINT64_FORMAT,
                   info->seq, self->head);
      _cairn_store_rollback (self);
      return FALSE;
    }
  if (!adopt_in_transaction (self, blob, info->seq, "compact", &stats, error) ||
      !_cairn_store_end (self, error))
    {
      if (self->in_transaction)
        _cairn_store_rollback (self);
      return FALSE;
    }
  if (out_stats != NULL)
    *out_stats = stats;
  return TRUE;
}

gboolean
cairn_store_compact_log (CairnStore        *self,
                         CairnCompactStats *out_stats,
                         GError           **error)
{
  CairnCompactStats stats = { 0 };
  g_autoptr(GBytes) blob = NULL;
  gint64 pages, free_pages, page_size;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_cairn_store_check_data_version (self, error) ||
      !file_pages (self, &pages, &free_pages, &page_size, error))
    return FALSE;
  stats.bytes_before = pages * page_size;
  stats.bytes_after = stats.bytes_before;
  /* Nothing confirmed yet: nothing to drop, and no base to keep. */
  if (self->head == 0)
    {
      if (out_stats != NULL)
        *out_stats = stats;
      return TRUE;
    }

  if (!_cairn_store_begin (self, error))
    return FALSE;
  blob = export_in_transaction (self, NULL, NULL, error);
  /* undo the rollback of pending and the folds: the store as it was */
  _cairn_store_rollback (self);
  if (blob == NULL)
    return FALSE;

  /* head cannot have moved: this connection is the only one that rebases
   * in this process, and another process's rebase would have made the
   * base a snapshot of an older head (checked again inside). */
  if (!_cairn_store_begin (self, error))
    return FALSE;
  {
    g_autoptr(CairnSnapshotInfo) info = cairn_snapshot_parse (blob, error);

    if (info == NULL)
      goto fail;
    if (info->seq != self->head)
      {
        g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
                     "Another program synced “%s” meanwhile; compact again", self->path);
        goto fail;
      }
  }
  if (!adopt_in_transaction (self, blob, self->head, "compact", &stats, error) ||
      !_cairn_store_end (self, error))
    goto fail;

  if (!file_pages (self, &pages, &free_pages, &page_size, error))
    return FALSE;
  if (free_pages * 4 >= pages && pages > 0)
    {
      if (!_cairn_store_exec (self, "VACUUM", error))
        return FALSE;
      stats.vacuumed = TRUE;
      if (!file_pages (self, &pages, &free_pages, &page_size, error))
        return FALSE;
    }
  stats.bytes_after = pages * page_size;
  if (out_stats != NULL)
    *out_stats = stats;
  return TRUE;

fail:
  if (self->in_transaction)
    _cairn_store_rollback (self);
  return FALSE;
}

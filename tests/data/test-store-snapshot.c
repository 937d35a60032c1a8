/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-snapshot.c: snapshots (cairn-snapshot.h) give the state a full
 * replay gives, at every seq of a scenario; damaged, newer and skipping
 * snapshots are refused; a bootstrapped or compacted store rebuilds from
 * its base. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "cairn-snapshot.h"
#include "cairn-store-sync.h"
#include "store-test-util.h"

/* A fresh workspace file, made once and copied: opening a new file runs
 * every migration, which would cost more than the rest of a sweep step. */
static char *
fresh_store_path (const char *dir,
                  const char *name)
{
  static GBytes *template;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (template == NULL)
    {
      g_autofree char *tdir = g_dir_make_tmp ("cairn-snap-template-XXXXXX", &error);
      g_autofree char *tpath = NULL;
      char *data = NULL;
      gsize len = 0;
      CairnStore *store;

      g_assert_no_error (error);
      tpath = g_build_filename (tdir, "t.db", NULL);
      store = cairn_store_open (tpath, &error);
      g_assert_no_error (error);
      g_object_unref (store);
      g_assert_true (g_file_get_contents (tpath, &data, &len, &error));
      template = g_bytes_new_take (data, len);
      cairn_test_rm_rf (tdir);
    }
  g_assert_true (g_file_set_contents_full (path, g_bytes_get_data (template, NULL),
                                           g_bytes_get_size (template),
                                           G_FILE_SET_CONTENTS_NONE, 0644, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static CairnStore *
fresh_store (const char *dir,
             const char *name)
{
  g_autofree char *path = fresh_store_path (dir, name);
  g_autoptr(GError) error = NULL;
  CairnStore *store = cairn_store_open (path, &error);

  g_assert_no_error (error);
  /* Thousands of files are made and dropped: durability is not what is
   * tested, and an fsync each would make the sweep take minutes. */
  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (store), "PRAGMA synchronous = OFF",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  return store;
}

static char *
pick (GPtrArray *ids,
      GRand     *rand)
{
  return ids->pdata[g_rand_int_range (rand, 0, ids->len)];
}

/* ~n events of every kind the reducers know: lists, todos, subtasks,
 * moves, deletes and restores of each, tags, priorities, repeats, due
 * times, notes typed into, pinned, deleted and restored, a task's notes. */
static void
make_scenario (CairnStore *store,
               guint       n,
               guint32     seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) todos = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (lists, cairn_store_create_list (store, "Home", &error));
  g_assert_no_error (error);
  g_ptr_array_add (todos, cairn_store_create_todo (store, lists->pdata[0], "First", NULL, NULL, &error));
  g_assert_no_error (error);
  g_ptr_array_add (notes, cairn_store_create_note (store, "Ideas", &error));
  g_assert_no_error (error);
  g_ptr_array_add (tags, cairn_store_create_tag (store, "work", NULL, &error));
  g_assert_no_error (error);

  while (cairn_store_get_pending_count (store) < n)
    {
      g_autofree char *title = g_strdup_printf ("item %u", g_rand_int_range (rand, 0, 100000));
      int op = g_rand_int_range (rand, 0, 20);
      char *todo = pick (todos, rand);
      char *note = pick (notes, rand);

      /* Refusals (a deleted object, a cycle) are part of the game: what
       * matters is that whatever was committed replays the same. */
      switch (op)
        {
        case 0:
          g_ptr_array_add (lists, cairn_store_create_list (store, title, NULL));
          if (g_ptr_array_index (lists, lists->len - 1) == NULL)
            g_ptr_array_remove_index (lists, lists->len - 1);
          break;
        case 1: case 2: case 3:
          {
            char *id = cairn_store_create_todo (store, pick (lists, rand), title, NULL, NULL, NULL);
            if (id != NULL)
              g_ptr_array_add (todos, id);
          }
          break;
        case 4:
          {
            char *id = cairn_store_create_subtask (store, NULL, todo, title, NULL, NULL, NULL);
            if (id != NULL)
              g_ptr_array_add (todos, id);
          }
          break;
        case 5: cairn_store_rename_todo (store, todo, title, NULL); break;
        case 6: cairn_store_set_todo_done (store, todo, g_rand_boolean (rand), NULL); break;
        case 7: cairn_store_delete_todo (store, todo, NULL); break;
        case 8: cairn_store_restore_todo (store, todo, NULL); break;
        case 9: cairn_store_move_todo (store, todo, pick (lists, rand), NULL, NULL, NULL); break;
        case 10:
          cairn_store_set_todo_tagged (store, todo, pick (tags, rand), g_rand_boolean (rand), NULL);
          break;
        case 11:
          cairn_store_set_todo_repeat (store, todo, g_rand_boolean (rand) ? "weekly" : "daily", NULL);
          cairn_store_set_todo_due_time (store, todo, "2026-12-01", "09:30", NULL);
          break;
        case 12:
          cairn_store_set_todo_priority (store, todo, g_rand_boolean (rand) ? "high" : "low", NULL);
          break;
        case 13:
          {
            char *id = cairn_store_create_note (store, title, NULL);
            if (id != NULL)
              g_ptr_array_add (notes, id);
          }
          break;
        case 14: case 15: case 16:
          {
            g_autoptr(CairnText) text = cairn_store_load_note_text (store, note, NULL);
            g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

            if (text == NULL)
              break;
            if (g_rand_int_range (rand, 0, 4) == 0 && cairn_text_get_length (text) > 2)
              cairn_text_delete (text, 0, 2, ops, NULL);
            else
              cairn_text_insert (text, g_rand_int_range (rand, 0, cairn_text_get_length (text) + 1),
                                 "typed ", -1, ops, NULL);
            cairn_store_edit_note (store, note, ops, NULL);
          }
          break;
        case 17:
          if (g_rand_boolean (rand))
            cairn_store_delete_note (store, note, NULL);
          else
            cairn_store_restore_note (store, note, NULL);
          break;
        case 18:
          {
            g_autoptr(CairnText) text = cairn_store_load_todo_notes (store, todo, NULL);
            g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

            if (text != NULL && cairn_text_insert (text, 0, "note ", -1, ops, NULL))
              cairn_store_edit_todo_notes (store, todo, ops, NULL);
          }
          break;
        case 19:
          if (g_rand_boolean (rand))
            cairn_store_delete_list (store, pick (lists, rand), NULL);
          else
            cairn_store_restore_list (store, pick (lists, rand), NULL);
          cairn_store_set_note_pinned (store, note, g_rand_boolean (rand), NULL);
          break;
        }
    }
}

/* The store's pending events as the server confirms them: seq 1, 2, … */
static GPtrArray *
confirmed_events (CairnStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = cairn_store_list_pending (store, 0, &error);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

  g_assert_no_error (error);
  for (guint i = 0; i < pending->len; i++)
    g_ptr_array_add (out, test_event_confirmed (pending->pdata[i], i + 1));
  return out;
}

static char *
dump (CairnStore *store)
{
  g_autoptr(GError) error = NULL;
  char *text = cairn_store_dump_state (store, &error);

  g_assert_no_error (error);
  return text;
}

/* For every seq of a ~2,000-event scenario (see below): the replica that replayed the
 * log up to seq, its snapshot, and a new device loaded from it print the
 * same state (every field, note bodies and task notes included), and the
 * new device's head and history id are the snapshot's. */
static void
test_every_seq (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(CairnStore) replay = NULL;
  g_autoptr(CairnStore) device = NULL;
  g_autoptr(GError) error = NULL;
  /* Every seq in thorough mode (-m slow: a few minutes); by default the
   * first 200 seqs (every kind of event, a snapshot of each young state)
   * and every 25th after, so that the test stays a matter of seconds. */
  guint n = 2000;
  guint dense = g_test_slow () ? G_MAXUINT : 200;
  guint stride = g_test_slow () ? 1 : 25;

  make_scenario (ts->store, n, test_seed ());
  events = confirmed_events (ts->store);
  replay = fresh_store (ts->dir, "replay.db");

  for (guint i = 0; i < events->len; i++)
    {
      g_autoptr(GPtrArray) one = g_ptr_array_new ();
      g_autoptr(GBytes) blob = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *got = NULL;

      g_ptr_array_add (one, events->pdata[i]);
      test_rebase_ok (replay, one, "history-1");
      if (i >= dense && (i + 1) % stride != 0 && i + 1 != events->len)
        continue;

      blob = cairn_store_export_snapshot (replay, NULL, &error);
      g_assert_no_error (error);
      /* one device, sent back to the start each time by a server
       * restore that lost everything (which drops its base too) */
      if (device == NULL)
        device = fresh_store (ts->dir, "device.db");
      else
        g_assert_true (cairn_store_forget_server_history (device, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (cairn_store_get_head (device), ==, 0);
      g_assert_true (cairn_store_load_snapshot (device, blob, &error));
      g_assert_no_error (error);
      g_assert_cmpint (cairn_store_get_head (device), ==, i + 1);
      g_assert_cmpstr (cairn_store_get_history_id (device), ==, "history-1");

      expected = dump (replay);
      got = dump (device);
      g_assert_cmpstr (got, ==, expected);
    }

  /* and the whole scenario equals the device that made it */
  {
    g_autofree char *a = dump (replay);
    g_autofree char *b = dump (ts->store);

    g_assert_cmpstr (a, ==, b);
  }
}

/* A snapshot cut short, altered or lengthened is refused as damaged, and
 * the store is left as it was. */
static void
test_damaged (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(CairnStore) replay = NULL;
  g_autoptr(CairnStore) device = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  gsize len;
  const guint8 *data;

  make_scenario (ts->store, 60, 7);
  events = confirmed_events (ts->store);
  replay = fresh_store (ts->dir, "replay.db");
  test_rebase_ok (replay, events, "h");
  blob = cairn_store_export_snapshot (replay, NULL, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (blob, &len);

  device = fresh_store (ts->dir, "device.db");
  before = dump (device);

  for (guint k = 0; k < 4; k++)
    {
      g_autoptr(GBytes) bad = NULL;
      g_autofree char *after = NULL;

      if (k == 0)
        bad = g_bytes_new (data, len / 2);           /* truncated */
      else if (k == 1)
        bad = g_bytes_new (data, len - 1);           /* one byte short */
      else
        {
          guint8 *copy = g_memdup2 (data, len + (k == 3));

          if (k == 2)
            copy[len / 2] ^= 0x40;                   /* a flipped bit */
          else
            copy[len] = 0;                           /* a byte too many */
          bad = g_bytes_new_take (copy, len + (k == 3));
        }
      g_assert_false (cairn_store_load_snapshot (device, bad, &error));
      g_assert_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_DAMAGED);
      g_clear_error (&error);
      g_assert_cmpint (cairn_store_get_head (device), ==, 0);
      after = dump (device);
      g_assert_cmpstr (after, ==, before);
    }

  /* the sound one still loads */
  g_assert_true (cairn_store_load_snapshot (device, blob, &error));
  g_assert_no_error (error);

  /* and a second load is refused: the device follows a log now */
  g_assert_false (cairn_store_load_snapshot (device, blob, &error));
  g_assert_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_NOT_EMPTY);
}

/* Makes a blob with a different header (the checksum made again), as a
 * newer server would. */
static GBytes *
with_header (GBytes     *blob,
             const char *from,
             const char *to)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (blob, &len);
  guint32 header_len;
  g_autofree char *header = NULL;
  g_autoptr(GString) edited = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = 32;
  guint64 total;
  guint32 hl;

  memcpy (&header_len, data + 24, 4);
  header_len = GUINT32_FROM_LE (header_len);
  header = g_strndup ((const char *) data + 28, header_len);
  edited = g_string_new (header);
  g_assert_cmpint (g_string_replace (edited, from, to, 1), ==, 1);

  g_byte_array_append (out, data, 28);
  g_byte_array_append (out, (const guint8 *) edited->str, edited->len);
  g_byte_array_append (out, data + 28 + header_len, len - 28 - header_len - 32);
  total = GUINT64_TO_LE (out->len + 32);
  memcpy (out->data + 16, &total, 8);
  hl = GUINT32_TO_LE ((guint32) edited->len);
  memcpy (out->data + 24, &hl, 4);
  g_checksum_update (sum, out->data, out->len);
  g_checksum_get_digest (sum, digest, &digest_len);
  g_byte_array_append (out, digest, 32);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Makes a blob whose image is the original's altered by sql (run on the
 * image in a file), stored uncompressed, with a correct checksum: what a
 * server that planted rows or schema would send. */
static GBytes *
with_image_altered (const char *dir,
                    GBytes     *blob,
                    const char *sql)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (blob, &len);
  guint32 header_len, flags;
  g_autoptr(GConverter) zlib = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB));
  g_autoptr(GByteArray) image = g_byte_array_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "altered-image.db", NULL);
  g_autofree char *altered = NULL;
  gsize altered_len = 0, in_pos = 0, digest_len = 32;
  const guint8 *payload;
  gsize payload_len;
  guint8 digest[32], buf[65536];
  guint64 total;
  sqlite3 *db;

  memcpy (&header_len, data + 24, 4);
  header_len = GUINT32_FROM_LE (header_len);
  memcpy (&flags, data + 12, 4);
  g_assert_cmpuint (GUINT32_FROM_LE (flags), ==, 1);
  payload = data + 28 + header_len;
  payload_len = len - 28 - header_len - 32;
  for (;;)
    {
      gsize read = 0, written = 0;
      GConverterResult r = g_converter_convert (zlib, payload + in_pos, payload_len - in_pos,
                                                buf, sizeof buf, G_CONVERTER_INPUT_AT_END,
                                                &read, &written, &error);

      g_assert_no_error (error);
      in_pos += read;
      g_byte_array_append (image, buf, written);
      if (r == G_CONVERTER_FINISHED)
        break;
    }
  g_assert_true (g_file_set_contents (path, (const char *) image->data, image->len, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    g_error ("Cannot alter the image: %s", sqlite3_errmsg (db));
  sqlite3_close (db);
  g_assert_true (g_file_get_contents (path, &altered, &altered_len, &error));
  g_assert_no_error (error);
  g_unlink (path);

  /* the header, its image_bytes made the altered image's size */
  {
    g_autofree char *header = g_strndup ((const char *) data + 28, header_len);
    g_autoptr(GString) edited = g_string_new (header);
    g_autofree char *from = g_strdup_printf ("\"image_bytes\":%u,", image->len);
    g_autofree char *to = g_strdup_printf ("\"image_bytes\":%" G_GSIZE_FORMAT ",", altered_len);
    guint32 hl, no_flags = 0;

    g_assert_cmpint (g_string_replace (edited, from, to, 1), ==, 1);
    g_byte_array_append (out, data, 28);
    memcpy (out->data + 12, &no_flags, 4);
    hl = GUINT32_TO_LE ((guint32) edited->len);
    memcpy (out->data + 24, &hl, 4);
    g_byte_array_append (out, (const guint8 *) edited->str, edited->len);
  }
  g_byte_array_append (out, (const guint8 *) altered, altered_len);
  total = GUINT64_TO_LE (out->len + 32);
  memcpy (out->data + 16, &total, 8);
  g_checksum_update (sum, out->data, out->len);
  g_checksum_get_digest (sum, digest, &digest_len);
  g_byte_array_append (out, digest, 32);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* The load reads the image's tables with `INSERT … SELECT *` (foreign
 * keys checked once after): an image whose state table is a view, or has
 * other columns, or whose task is in a list it does not have, is refused
 * as damaged and changes nothing; an image whose texts are not written
 * as of its state is hashed on the loaded store and loads; the same image
 * unaltered (but stored uncompressed) loads. */
static void
test_altered_image (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(CairnStore) replay = NULL;
  g_autoptr(CairnStore) device = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  const char *alterations[] = {
    "DROP TABLE tags; CREATE VIEW tags AS SELECT 'x' AS id, 'y' AS name, NULL AS color, 0 AS deleted",
    "ALTER TABLE lists ADD COLUMN planted TEXT",
    /* a task in a list the image does not have */
    "UPDATE todos SET list_id = 'a0000000000000000000000000000000' "
    "WHERE id = (SELECT min (id) FROM todos)",
  };

  make_scenario (ts->store, 40, 3);
  events = confirmed_events (ts->store);
  replay = fresh_store (ts->dir, "replay.db");
  test_rebase_ok (replay, events, "h");
  blob = cairn_store_export_snapshot (replay, NULL, &error);
  g_assert_no_error (error);
  device = fresh_store (ts->dir, "device.db");
  before = dump (device);
  for (gsize i = 0; i < G_N_ELEMENTS (alterations); i++)
    {
      g_autoptr(GBytes) altered = with_image_altered (ts->dir, blob, alterations[i]);

      g_assert_false (cairn_store_load_snapshot (device, altered, &error));
      g_assert_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_DAMAGED);
      g_clear_error (&error);
      g_assert_cmpint (cairn_store_get_head (device), ==, 0);
      after = dump (device);
      g_assert_cmpstr (after, ==, before);
      g_clear_pointer (&after, g_free);
    }
  /* The maker's hash is checked on the image, reading texts as written;
   * an image whose note texts are not written as of the state (no maker
   * makes one) is hashed on the loaded store instead, which decodes
   * them: it loads, and gives the same state. */
  {
    g_autoptr(CairnStore) device2 = fresh_store (ts->dir, "device2.db");
    g_autoptr(GBytes) hashed = NULL;
    g_autoptr(GBytes) stale = NULL;
    g_autofree char *a = dump (replay);
    g_autofree char *b = NULL;
    CairnStateHash hash;

    g_assert_cmpint (test_query_int (replay, "SELECT count(*) FROM note_versions"), >, 0);
    g_assert_true (cairn_store_confirmed_state_hash (replay, &hash, &error));
    g_assert_no_error (error);
    hashed = cairn_store_export_snapshot_hashed (replay, NULL, &hash, &error);
    g_assert_no_error (error);
    stale = with_image_altered (ts->dir, hashed, "UPDATE note_body_versions SET version = x'00'");
    g_assert_true (cairn_store_load_snapshot (device2, stale, &error));
    g_assert_no_error (error);
    b = dump (device2);
    g_assert_cmpstr (a, ==, b);
  }
  {
    g_autoptr(GBytes) same = with_image_altered (ts->dir, blob, "SELECT 1");
    g_autofree char *a = dump (replay);
    g_autofree char *b = NULL;

    g_assert_true (cairn_store_load_snapshot (device, same, &error));
    g_assert_no_error (error);
    b = dump (device);
    g_assert_cmpstr (a, ==, b);
  }
}

/* An older client (a snapshot whose reducers knew an event this build does
 * not) and a snapshot that skipped an event this build knows both lead to
 * the full log (FALLBACK); a snapshot that skipped an event nobody knows
 * loads, and says so. */
static void
test_fallback (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(CairnStore) replay = NULL;
  g_autoptr(CairnStore) device = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GBytes) newer = NULL;
  g_autoptr(GBytes) skips_known = NULL;
  g_autoptr(GBytes) schema = NULL;
  g_autoptr(CairnSnapshotInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *schema_from = g_strdup_printf ("\"schema\":%d", CAIRN_STORE_SCHEMA_VERSION);

  make_scenario (ts->store, 40, 11);
  events = confirmed_events (ts->store);
  /* an event from a newer Cairn, skipped by these reducers */
  g_ptr_array_add (events, test_event_new ("0123456789abcdef0123456789abcdef", 1, events->len + 1,
                                           "todo.teleported", "{\"todo_id\":\"x\"}"));
  replay = fresh_store (ts->dir, "replay.db");
  test_rebase_ok (replay, events, "h");
  blob = cairn_store_export_snapshot (replay, NULL, &error);
  g_assert_no_error (error);
  info = cairn_snapshot_parse (blob, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (info->skipped_seqs->len, ==, 1);
  g_assert_cmpint (g_array_index (info->skipped_seqs, gint64, 0), ==, events->len);
  g_assert_cmpstr (info->skipped->pdata[0], ==, "todo.teleported/1");
  g_assert_cmpstr (info->state_hash, ==, "");

  newer = with_header (blob, "\"catalogue\":[", "\"catalogue\":[\"todo.teleported/1\",");
  skips_known = with_header (blob, "todo.teleported/1\"]", "todo.renamed/1\"]");
  schema = with_header (blob, schema_from, "\"schema\":999");

  device = fresh_store (ts->dir, "device.db");
  g_assert_false (cairn_store_load_snapshot (device, newer, &error));
  g_assert_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_FALLBACK);
  g_clear_error (&error);
  g_assert_false (cairn_store_load_snapshot (device, skips_known, &error));
  g_assert_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_FALLBACK);
  g_clear_error (&error);
  g_assert_false (cairn_store_load_snapshot (device, schema, &error));
  g_assert_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_FALLBACK);
  g_clear_error (&error);
  g_assert_cmpint (cairn_store_get_head (device), ==, 0);

  g_assert_true (cairn_store_load_snapshot (device, blob, &error));
  g_assert_no_error (error);
  {
    g_autofree char *a = dump (replay);
    g_autofree char *b = dump (device);

    g_assert_cmpstr (a, ==, b);
  }
}

/* The maker's state hash in the header: a snapshot whose state hashes as
 * its header says loads; one that does not (here: the header's hash is
 * another's) is refused as FALLBACK (the device replays the full log),
 * changing nothing; a half-filled or malformed pair is DAMAGED. */
static void
test_state_hash (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(CairnStore) replay = NULL;
  g_autoptr(CairnStore) device = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GBytes) lying = NULL;
  g_autoptr(GBytes) half = NULL;
  g_autoptr(CairnSnapshotInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  CairnStateHash hash, other;

  make_scenario (ts->store, 60, 5);
  events = confirmed_events (ts->store);
  replay = fresh_store (ts->dir, "replay.db");
  test_rebase_ok (replay, events, "h");
  g_assert_true (cairn_store_confirmed_state_hash (replay, &hash, &error));
  g_assert_no_error (error);
  blob = cairn_store_export_snapshot_hashed (replay, NULL, &hash, &error);
  g_assert_no_error (error);
  info = cairn_snapshot_parse (blob, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->state_hash, ==, hash.hash);
  g_assert_cmpstr (info->state_format, ==, hash.format);

  other = hash;
  memset (other.hash, 'a', CAIRN_STATE_HASH_LENGTH);
  lying = with_header (blob, hash.hash, other.hash);
  half = with_header (blob, hash.format, "");

  device = fresh_store (ts->dir, "device.db");
  before = dump (device);
  g_assert_false (cairn_store_load_snapshot (device, lying, &error));
  g_assert_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_FALLBACK);
  g_clear_error (&error);
  g_assert_false (cairn_store_load_snapshot (device, half, &error));
  g_assert_error (error, CAIRN_SNAPSHOT_ERROR, CAIRN_SNAPSHOT_ERROR_DAMAGED);
  g_clear_error (&error);
  g_assert_cmpint (cairn_store_get_head (device), ==, 0);
  after = dump (device);
  g_assert_cmpstr (after, ==, before);

  g_assert_true (cairn_store_load_snapshot (device, blob, &error));
  g_assert_no_error (error);
  {
    g_autofree char *a = dump (replay);
    g_autofree char *b = dump (device);

    g_assert_cmpstr (a, ==, b);
  }
}

/* A new device with local changes made before its first sync loads the
 * snapshot under them: the state is the snapshot's plus its pending
 * events, which stay pending. Then the log continues after the snapshot,
 * and a rebuild (which starts from the kept base) gives the same state. */
static void
test_pending_and_rebuild (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(CairnStore) replay = NULL;
  g_autoptr(CairnStore) device = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnSnapshotInfo) info = NULL;
  g_autoptr(GPtrArray) rest = g_ptr_array_new ();
  g_autofree char *list_id = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *expected = NULL;
  guint cut;

  make_scenario (ts->store, 300, 5);
  events = confirmed_events (ts->store);
  cut = events->len / 2;
  replay = fresh_store (ts->dir, "replay.db");
  {
    g_autoptr(GPtrArray) head = g_ptr_array_new ();

    for (guint i = 0; i < cut; i++)
      g_ptr_array_add (head, events->pdata[i]);
    test_rebase_ok (replay, head, "h");
  }
  {
    g_autofree char *chain = NULL;

    g_assert_true (cairn_store_get_log_chain (replay, cut, &chain, &error));
    blob = cairn_store_export_snapshot (replay, chain, &error);
    g_assert_no_error (error);
  }

  device = fresh_store (ts->dir, "device.db");
  list_id = cairn_store_create_list (device, "Offline list", &error);
  g_assert_no_error (error);
  g_assert_true (cairn_store_load_snapshot (device, blob, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cairn_store_get_pending_count (device), ==, 1);
  {
    g_autoptr(JsonNode) list = cairn_store_read_object (device, CAIRN_OBJECT_LIST, list_id, NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (list);
  }

  info = cairn_store_dup_snapshot_info (device, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_assert_cmpint (info->seq, ==, cut);

  for (guint i = cut; i < events->len; i++)
    g_ptr_array_add (rest, events->pdata[i]);
  test_rebase_ok (device, rest, NULL);
  test_rebase_ok (replay, rest, NULL);
  /* the log starts at the snapshot's event (its anchor), and its chain
   * goes on from the snapshot's: the same as the full replay's */
  g_assert_cmpint (test_query_int (device, "SELECT count(*) FROM log"), ==, events->len - cut + 1);
  {
    g_autofree char *mine = NULL;
    g_autofree char *full = NULL;

    g_assert_true (cairn_store_get_log_chain (device, events->len, &mine, &error));
    g_assert_true (cairn_store_get_log_chain (replay, events->len, &full, &error));
    g_assert_nonnull (full);
    g_assert_cmpstr (mine, ==, full);
  }

  before = dump (device);
  g_assert_true (cairn_store_rebuild (device, &error));
  g_assert_no_error (error);
  after = dump (device);
  g_assert_cmpstr (after, ==, before);

  /* without the local list, the state is the full replay's */
  g_assert_true (cairn_store_delete_list (device, list_id, &error));
  g_assert_no_error (error);
  expected = dump (replay);
  {
    g_autofree char *without = _cairn_store_dump_state_without_pending (device, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (without, ==, expected);
  }
}

/* Compaction drops the confirmed log of other devices up to head, keeps
 * our own events and the pending ones, shrinks the file, and the state
 * (and a rebuild of it) stays the same. */
static void
test_compact (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(CairnStore) device = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *rebuilt = NULL;
  g_autofree char *todo = NULL;
  CairnCompactStats stats;
  gint64 own;

  make_scenario (ts->store, 1500, 3);
  events = confirmed_events (ts->store);
  device = fresh_store (ts->dir, "device.db");
  test_rebase_ok (device, events, "h");
  /* one event of our own, confirmed, and one pending */
  todo = cairn_store_create_list (device, "Mine", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) pending = cairn_store_list_pending (device, 0, &error);
    g_autoptr(GPtrArray) mine = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

    g_ptr_array_add (mine, test_event_confirmed (pending->pdata[0], events->len + 1));
    test_rebase_ok (device, mine, NULL);
  }
  g_assert_true (cairn_store_rename_list (device, todo, "Mine, renamed", &error));
  g_assert_no_error (error);
  own = test_query_int (device, "SELECT count(*) FROM log WHERE client_id = "
                        "(SELECT client_id FROM meta)");
  g_assert_cmpint (own, ==, 1);

  before = dump (device);
  g_assert_true (cairn_store_compact_log (device, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stats.base_seq, ==, events->len + 1);
  g_assert_cmpint (stats.rows_dropped, ==, events->len);
  g_assert_cmpint (test_query_int (device, "SELECT count(*) FROM log"), ==, 1);
  g_assert_cmpuint (cairn_store_get_pending_count (device), ==, 1);
  g_assert_true (stats.vacuumed);
  g_assert_cmpint (stats.bytes_after, <, stats.bytes_before);
  after = dump (device);
  g_assert_cmpstr (after, ==, before);

  g_assert_true (cairn_store_rebuild (device, &error));
  g_assert_no_error (error);
  rebuilt = dump (device);
  g_assert_cmpstr (rebuilt, ==, before);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/snapshot/every-seq", test_every_seq);
  g_test_add_func ("/snapshot/damaged", test_damaged);
  g_test_add_func ("/snapshot/fallback", test_fallback);
  g_test_add_func ("/snapshot/state-hash", test_state_hash);
  g_test_add_func ("/snapshot/altered-image", test_altered_image);
  g_test_add_func ("/snapshot/pending-and-rebuild", test_pending_and_rebuild);
  g_test_add_func ("/snapshot/compact", test_compact);

  return g_test_run ();
}

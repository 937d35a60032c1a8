/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-text.c: note bodies through the text CRDT (note.edited).
 *
 * Each note's CRDT lives in note_bodies and note_body_ops, tables the
 * changeset sessions do not record: text operations commute and are
 * idempotent, so a rebase never rolls them back. What the state records
 * (and a rollback restores) is the note's version in note_versions: the
 * set of operations the state shows. notes.body is derived from it, the
 * CRDT's text at that version, and written lazily (see
 * _cairn_store_write_bodies()): a keystroke-sized commit writes the ops
 * and a version of a few dozen bytes, not the note. Readers go through
 * cairn_note_body() (an SQL function of the store's connection), which
 * gives the right text whether notes.body has been written yet or not.
 *
 * A todo's notes (todo.notes_edited) go through the same code, on tables
 * of their own (TextKind below): todo_note_crdts and todo_note_ops for
 * the CRDT, todo_note_versions for the state, todo_notes for the text
 * written lazily with the version it is of, read with cairn_todo_notes().
 */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include "cairn-position.h"
#include "cairn-store-private.h"

/* What differs between the texts of notes and of todos: the tables. Every
 * statement is a constant, so that the store's statement cache keeps it. */
typedef struct
{
  const char *noun;           /* "note", "todo": for messages */
  const char *cache_prefix;   /* key prefix in the decoded-text cache */
  const char *select_deleted;
  const char *version_exists;
  const char *select_crdt;
  const char *select_ops;
  const char *save_crdt;
  const char *drop_ops;
  const char *append_ops;
  const char *set_version;
  const char *select_versions;  /* the state's version, the written one */
  const char *select_stale;
  const char *drop_written;
} TextKind;

static const TextKind note_kind = {
  "note", "",
  "SELECT deleted FROM notes WHERE id = ?",
  "SELECT 1 FROM note_versions WHERE id = ?",
  "SELECT crdt FROM note_bodies WHERE note_id = ?",
  "SELECT ops FROM note_body_ops WHERE note_id = ? ORDER BY seq",
  "INSERT INTO note_bodies (note_id, crdt) VALUES (?, ?) "
  "ON CONFLICT (note_id) DO UPDATE SET crdt = excluded.crdt",
  "DELETE FROM note_body_ops WHERE note_id = ?",
  "INSERT INTO note_body_ops (note_id, ops) VALUES (?, ?)",
  /* ?3: the event's created_at; the latest is the text's last edit. */
  "INSERT INTO note_versions (id, version, edited_at) VALUES (?1, ?2, ?3) "
  "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
  "edited_at = max (edited_at, excluded.edited_at) "
  "WHERE version IS NOT excluded.version OR edited_at < excluded.edited_at",
  "SELECT (SELECT version FROM note_versions WHERE id = ?1), "
  "(SELECT version FROM note_body_versions WHERE note_id = ?1)",
  "SELECT v.id, v.version FROM note_versions v "
  "LEFT JOIN note_body_versions b ON b.note_id = v.id "
  "WHERE b.version IS NOT v.version "
  "UNION ALL "
  "SELECT b.note_id, NULL FROM note_body_versions b "
  "WHERE NOT EXISTS (SELECT 1 FROM note_versions v WHERE v.id = b.note_id)",
  "DELETE FROM note_body_versions WHERE note_id = ?",
};

static const TextKind todo_kind = {
  "todo", "todo:",
  "SELECT deleted FROM todos WHERE id = ?",
  "SELECT 1 FROM todo_note_versions WHERE id = ?",
  "SELECT crdt FROM todo_note_crdts WHERE todo_id = ?",
  "SELECT ops FROM todo_note_ops WHERE todo_id = ? ORDER BY seq",
  "INSERT INTO todo_note_crdts (todo_id, crdt) VALUES (?, ?) "
  "ON CONFLICT (todo_id) DO UPDATE SET crdt = excluded.crdt",
  "DELETE FROM todo_note_ops WHERE todo_id = ?",
  "INSERT INTO todo_note_ops (todo_id, ops) VALUES (?, ?)",
  "INSERT INTO todo_note_versions (id, version) VALUES (?1, ?2) "
  "ON CONFLICT (id) DO UPDATE SET version = excluded.version "
  "WHERE version IS NOT excluded.version",
  "SELECT (SELECT version FROM todo_note_versions WHERE id = ?1), "
  "(SELECT version FROM todo_notes WHERE todo_id = ?1)",
  "SELECT v.id, v.version FROM todo_note_versions v "
  "LEFT JOIN todo_notes b ON b.todo_id = v.id "
  "WHERE b.version IS NOT v.version "
  "UNION ALL "
  "SELECT b.todo_id, NULL FROM todo_notes b "
  "WHERE NOT EXISTS (SELECT 1 FROM todo_note_versions v WHERE v.id = b.todo_id)",
  "DELETE FROM todo_notes WHERE todo_id = ?",
};

/* 0: no such note (todo), 1: live, 2: deleted, -1: SQLite error. */
static int
note_state (CairnStore      *self,
            const TextKind  *kind,
            const char      *note_id,
            GError         **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self, kind->select_deleted, error);
  int rc;
  int state;

  if (stmt == NULL)
    return -1;
  if (sqlite3_bind_text (stmt, 1, note_id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return -1;
    }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    state = 0;
  else if (rc == SQLITE_ROW)
    state = sqlite3_column_int (stmt, 0) ? 2 : 1;
  else
    {
      _cairn_store_set_error (self, error, kind == &note_kind ? "Cannot read note" : "Cannot read todo");
      state = -1;
    }
  sqlite3_reset (stmt);
  return state;
}

/* 1 when the note has a version (it was edited before), 0 when not, -1:
 * SQLite error. A note_versions row goes only with its notes row (both
 * are state, removed together by a rollback, a rebuild or a reset), so 1
 * means the note exists: asked instead of note_state() where existence is
 * all that matters, because a lookup in notes copies the whole row to
 * compare keys once its body overflows the page (100 KB for a long note),
 * while note_versions rows are a few dozen bytes. */
static int
note_edited_before (CairnStore      *self,
                    const TextKind  *kind,
                    const char      *note_id,
                    GError         **error)
{
  return _cairn_store_query_finds (self, kind->version_exists, note_id,
                                   "Cannot read the version of a text", error);
}

/* A decoded CRDT kept between commits, so that committing a burst costs
 * what the burst costs, not what the note costs. It always equals what
 * the database holds (note_bodies.crdt with the note's note_body_ops
 * applied), inside the open transaction too: the whole cache is dropped
 * whenever the store reloads its cursor after a rollback, a rebuild, a
 * reset, a shared client id or another process's commit; a rebase that
 * commits keeps it (its merges went through the cache, and rollback and
 * replay touch note_versions only: _cairn_store_load_meta_after_append). */
typedef struct
{
  const TextKind *kind;
  char      *id;            /* the note's (todo's) id */
  CairnText *text;
  gsize      state_bytes;   /* size of note_bodies.crdt (0: no row) */
  gsize      ops_bytes;     /* sum of the sizes of its note_body_ops */
} TextCacheEntry;

/* Decoded notes kept at most: an editor has one open, sync touches a few. */
#define TEXT_CACHE_MAX 8
/* The appended ops are folded into one state blob when they exceed this
 * fraction of the state (and a floor): a commit then writes the whole
 * state once per that many bytes of edits, instead of on every commit. */
#define COMPACT_RATIO 4
#define COMPACT_FLOOR 16384
/* Folding costs the whole note (encoding it takes ~20 ms for 100,000
 * characters), so it is done with the lazy write of notes.body, between
 * keystrokes; a commit folds only when the ops outgrow the state itself
 * (no lazy write for a long time: no main loop running). */
#define COMPACT_RATIO_COMMIT 1

static void
text_cache_entry_free (gpointer data)
{
  TextCacheEntry *entry = data;

  g_clear_pointer (&entry->text, cairn_text_free);
  g_free (entry->id);
  g_free (entry);
}

void
_cairn_store_text_cache_clear (CairnStore *self)
{
  /* Whatever drops the decoded notes may have changed their rows too. */
  self->note_rows_serial++;
  if (self->text_cache != NULL)
    g_hash_table_remove_all (self->text_cache);
}

static gboolean
bind_note_id (CairnStore    *self,
              sqlite3_stmt  *stmt,
              const char    *note_id,
              GError       **error)
{
  if (sqlite3_bind_text (stmt, 1, note_id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return TRUE;
}

static void
set_damaged (CairnStore      *self,
             GError         **error,
             const TextKind  *kind,
             const char      *note_id,
             const char      *what,
             GError          *inner)
{
  if (kind == &note_kind)
    g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT,
                 "The stored body of note %s in %s is damaged (%s): %s",
                 note_id, self->path, what, inner->message);
  else
    g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT,
                 "The stored notes of todo %s in %s are damaged (%s): %s",
                 note_id, self->path, what, inner->message);
}

/* The note's CRDT as this device's replica (empty when never edited), read
 * from the database: the state blob, then the ops appended since. */
static TextCacheEntry *
read_text (CairnStore      *self,
           const TextKind  *kind,
           const char      *note_id,
           const char      *replica_id,
           GError         **error)
{
  sqlite3_stmt *stmt = _cairn_store_prepare (self, kind->select_crdt, error);
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) inner = NULL;
  TextCacheEntry *entry;
  int rc;

  if (stmt == NULL || !bind_note_id (self, stmt, note_id, error))
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    blob = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  else if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read note body");
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);

  self->text_reads++;
  entry = g_new0 (TextCacheEntry, 1);
  entry->kind = kind;
  entry->id = g_strdup (note_id);
  if (blob == NULL)
    entry->text = cairn_text_new (replica_id, &inner);
  else
    {
      entry->state_bytes = g_bytes_get_size (blob);
      entry->text = cairn_text_decode_state (blob, replica_id, &inner);
    }
  if (entry->text == NULL)
    {
      set_damaged (self, error, kind, note_id, "state", inner);
      text_cache_entry_free (entry);
      return NULL;
    }

  stmt = _cairn_store_prepare (self, kind->select_ops, error);
  if (stmt == NULL || !bind_note_id (self, stmt, note_id, error))
    {
      text_cache_entry_free (entry);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(GBytes) raw = g_bytes_new (sqlite3_column_blob (stmt, 0),
                                           sqlite3_column_bytes (stmt, 0));
      g_autoptr(CairnTextOps) ops = cairn_text_ops_decode (raw, &inner);

      entry->ops_bytes += g_bytes_get_size (raw);
      if (ops == NULL || !cairn_text_apply (entry->text, ops, 0, &inner))
        {
          set_damaged (self, error, kind, note_id, "appended ops", inner);
          sqlite3_reset (stmt);
          text_cache_entry_free (entry);
          return NULL;
        }
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read note body ops");
      text_cache_entry_free (entry);
      return NULL;
    }
  return entry;
}

/* The cached CRDT of the note, read into the cache when missing. Owned by
 * the cache. */
static char *
cache_key (const TextKind *kind,
           const char     *note_id)
{
  return g_strconcat (kind->cache_prefix, note_id, NULL);
}

static void
cache_forget (CairnStore     *self,
              const TextKind *kind,
              const char     *note_id)
{
  g_autofree char *key = cache_key (kind, note_id);

  if (self->text_cache != NULL)
    g_hash_table_remove (self->text_cache, key);
}

/* The cached entry, found without allocating: this runs on every
 * keystroke commit. */
static TextCacheEntry *
cache_lookup (CairnStore     *self,
              const TextKind *kind,
              const char     *note_id)
{
  char key[96];

  if (kind->cache_prefix[0] == '\0')
    return g_hash_table_lookup (self->text_cache, note_id);
  if ((gsize) g_snprintf (key, sizeof key, "%s%s", kind->cache_prefix, note_id) < sizeof key)
    return g_hash_table_lookup (self->text_cache, key);
  {
    g_autofree char *long_key = cache_key (kind, note_id);

    return g_hash_table_lookup (self->text_cache, long_key);
  }
}

static TextCacheEntry *
cached_text (CairnStore      *self,
             const TextKind  *kind,
             const char      *note_id,
             GError         **error)
{
  TextCacheEntry *entry;

  if (self->text_cache == NULL)
    self->text_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              text_cache_entry_free);
  entry = cache_lookup (self, kind, note_id);
  if (entry != NULL)
    return entry;
  /* The cache only merges; it never makes local edits. */
  entry = read_text (self, kind, note_id, self->client_id, error);
  if (entry == NULL)
    return NULL;
  if (g_hash_table_size (self->text_cache) >= (self->text_cache_max > 0 ? self->text_cache_max
                                                                        : TEXT_CACHE_MAX))
    g_hash_table_remove_all (self->text_cache);
  g_hash_table_insert (self->text_cache, cache_key (kind, note_id), entry);
  return entry;
}

static GBytes *
encode_version (TextCacheEntry *entry)
{
  g_autoptr(CairnTextVersion) version = cairn_text_get_version (entry->text);

  return cairn_text_version_encode (version);
}

/* Writes the whole state and drops the appended ops. */
static gboolean
compact_text (CairnStore      *self,
              TextCacheEntry  *entry,
              GError         **error)
{
  g_autoptr(GBytes) state = NULL;
  g_autoptr(GError) inner = NULL;
  const char *note_id = entry->id;
  sqlite3_stmt *stmt;

  /* A decoded state's history is read here at the latest (the text
   * CRDT checks it by a checksum at decode and reads it on first use): a
   * damaged one is reported like a damaged state and never written on. */
  if (!cairn_text_check_history (entry->text, &inner))
    {
      set_damaged (self, error, entry->kind, note_id, "history", inner);
      return FALSE;
    }
  state = cairn_text_encode_state (entry->text);

  stmt = _cairn_store_prepare (self, entry->kind->save_crdt, error);
  if (stmt == NULL || !bind_note_id (self, stmt, note_id, error))
    return FALSE;
  if (sqlite3_bind_blob64 (stmt, 2, g_bytes_get_data (state, NULL), g_bytes_get_size (state),
                           SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  if (!_cairn_store_step_done (self, stmt, error))
    return FALSE;
  stmt = _cairn_store_prepare (self, entry->kind->drop_ops, error);
  if (stmt == NULL || !bind_note_id (self, stmt, note_id, error) ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;
  entry->state_bytes = g_bytes_get_size (state);
  entry->ops_bytes = 0;
  return TRUE;
}

/* Appends the event's encoded ops, or compacts when they have piled up. */
static gboolean
save_text (CairnStore      *self,
           TextCacheEntry  *entry,
           GBytes          *raw,
           GError         **error)
{
  gsize n = g_bytes_get_size (raw);
  sqlite3_stmt *stmt;

  if (entry->ops_bytes + n > MAX (entry->state_bytes / COMPACT_RATIO_COMMIT, COMPACT_FLOOR))
    return compact_text (self, entry, error);

  stmt = _cairn_store_prepare (self, entry->kind->append_ops, error);
  if (stmt == NULL || !bind_note_id (self, stmt, entry->id, error))
    return FALSE;
  if (sqlite3_bind_blob64 (stmt, 2, g_bytes_get_data (raw, NULL), n, SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  if (!_cairn_store_step_done (self, stmt, error))
    return FALSE;
  entry->ops_bytes += n;
  return TRUE;
}

static gboolean
apply_edit (CairnStore       *self,
            const TextKind   *kind,
            const CairnEvent *event,
            const char       *note_id,
            GHashTable       *changed,
            GError          **error)
{
  const char *b64 = json_object_get_string_member (event->args, "ops");
  TextCacheEntry *entry = NULL;
  g_autoptr(CairnTextOps) ops = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GError) invalid = NULL;
  g_autoptr(GBytes) version = NULL;
  sqlite3_stmt *stmt;
  guchar *data;
  gsize n;
  int exists;

  /* An edit of a note that does not exist is a no-op. A deleted note
   * still merges, so that restoring it brings back every edit. */
  exists = note_edited_before (self, kind, note_id, error);
  if (exists == 0)
    exists = note_state (self, kind, note_id, error);
  if (exists < 0)
    return FALSE;
  if (exists == 0)
    return TRUE;

  data = g_base64_decode (b64, &n);
  raw = g_bytes_new_take (data, n);
  ops = cairn_text_ops_decode (raw, &invalid);
  if (ops != NULL)
    {
      entry = cached_text (self, kind, note_id, error);
      if (entry == NULL)
        return FALSE;
      /* On error nothing changed: the cache still equals the database. */
      cairn_text_apply (entry->text, ops, 0, &invalid);
    }
  if (invalid != NULL)
    {
      /* Validated already; what is left is ops that contradict this note's
       * history (another client's bug). Every replica skips them alike. */
      g_warning ("Skipping %s %" G_GINT64_FORMAT " on %s %s: %s",
                 event->name, event->seq, kind->noun, note_id, invalid->message);
      return TRUE;
    }

  if (!save_text (self, entry, raw, error))
    {
      /* The transaction is rolled back, and the cache with it. */
      cache_forget (self, kind, note_id);
      return FALSE;
    }

  /* The state now shows the merged version; notes.body follows lazily. */
  version = encode_version (entry);
  stmt = _cairn_store_prepare (self, kind->set_version, error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_text (stmt, 1, note_id, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
      sqlite3_bind_blob64 (stmt, 2, g_bytes_get_data (version, NULL), g_bytes_get_size (version),
                           SQLITE_STATIC) != SQLITE_OK ||
      (sqlite3_bind_parameter_count (stmt) >= 3 &&
       sqlite3_bind_int64 (stmt, 3, event->created_at) != SQLITE_OK))
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  if (!_cairn_store_step_done (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) > 0)
    {
      self->bodies_stale = TRUE;
      if (changed != NULL)
        g_hash_table_add (changed, g_strdup (note_id));
    }
  return TRUE;
}

gboolean
_cairn_store_apply_note_edit (CairnStore       *self,
                              const CairnEvent *event,
                              CairnChanges     *changes,
                              GError          **error)
{
  return apply_edit (self, &note_kind, event,
                     json_object_get_string_member (event->args, "note_id"),
                     changes != NULL ? changes->notes : NULL, error);
}

/* A todo whose notes changed is in changes->todos: the pool reads its row
 * again (a small one; the text is not in it) and its notes version. */
gboolean
_cairn_store_apply_todo_notes_edit (CairnStore       *self,
                                    const CairnEvent *event,
                                    CairnChanges     *changes,
                                    GError          **error)
{
  return apply_edit (self, &todo_kind, event,
                     json_object_get_string_member (event->args, "todo_id"),
                     changes != NULL ? changes->todos : NULL, error);
}

/* ---- notes.body: derived, written lazily ---- */

static GBytes *
column_bytes (sqlite3_stmt *stmt,
              int           i)
{
  if (sqlite3_column_type (stmt, i) == SQLITE_NULL)
    return NULL;
  return g_bytes_new (sqlite3_column_blob (stmt, i), sqlite3_column_bytes (stmt, i));
}

static gboolean
bytes_equal0 (GBytes *a,
              GBytes *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_bytes_equal (a, b);
}

/* The version of the note the state shows (*state) and the one whose text
 * notes.body holds (*written); NULL for none (never edited / never
 * written: the empty text). */
static gboolean
read_versions (CairnStore      *self,
               const TextKind  *kind,
               const char      *note_id,
               GBytes         **state,
               GBytes         **written,
               GError         **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _cairn_store_prepare (self, kind->select_versions, error);
  if (stmt == NULL || !bind_note_id (self, stmt, note_id, error))
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      _cairn_store_set_error (self, error, "Cannot read the version of a note");
      sqlite3_reset (stmt);
      return FALSE;
    }
  *state = column_bytes (stmt, 0);
  *written = column_bytes (stmt, 1);
  sqlite3_reset (stmt);
  return TRUE;
}

/* The note's text at @version (encoded; NULL: the empty text). */
static char *
text_at (CairnStore      *self,
         const TextKind  *kind,
         const char      *note_id,
         GBytes          *version,
         GError         **error)
{
  g_autoptr(CairnTextVersion) wanted = NULL;
  g_autoptr(GError) inner = NULL;

  if (version == NULL)
    return g_strdup ("");

  for (guint attempt = 0; attempt < 2; attempt++)
    {
      TextCacheEntry *entry = cached_text (self, kind, note_id, error);
      g_autoptr(GBytes) current = NULL;
      char *text;

      if (entry == NULL)
        return NULL;
      current = encode_version (entry);
      if (g_bytes_equal (current, version))
        return cairn_text_get_text (entry->text, NULL);

      if (wanted == NULL &&
          (wanted = cairn_text_version_decode (version, &inner)) == NULL)
        {
          set_damaged (self, error, kind, note_id, "version", inner);
          return NULL;
        }
      text = cairn_text_get_text_at (entry->text, wanted, attempt == 0 ? NULL : &inner);
      if (text != NULL)
        return text;
      /* Another connection may have merged ops this cache has not seen
       * yet (the cache is dropped only when this store notices): read the
       * note again once. */
      cache_forget (self, kind, note_id);
    }
  set_damaged (self, error, kind, note_id, "version", inner);
  return NULL;
}

static void
note_body_func (sqlite3_context  *ctx,
                int               argc,
                sqlite3_value   **argv)
{
  CairnStore *self = sqlite3_user_data (ctx);
  const char *note_id = (const char *) sqlite3_value_text (argv[0]);
  g_autoptr(GBytes) state = NULL;
  g_autoptr(GBytes) written = NULL;
  g_autoptr(GError) error = NULL;
  char *text;

  g_assert (argc == 2);
  if (note_id == NULL || !read_versions (self, &note_kind, note_id, &state, &written, &error))
    {
      if (error == NULL)
        sqlite3_result_value (ctx, argv[1]);
      else
        sqlite3_result_error (ctx, error->message, -1);
      return;
    }
  if (bytes_equal0 (state, written))
    {
      sqlite3_result_value (ctx, argv[1]);
      return;
    }
  text = text_at (self, &note_kind, note_id, state, &error);
  if (text == NULL)
    sqlite3_result_error (ctx, error->message, -1);
  else
    sqlite3_result_text (ctx, text, -1, g_free);
}

/* The todo's notes as its state shows them: todo_notes.notes when it was
 * written at the state's version, else the CRDT's text at that version.
 * NULL (with @error) when the stored text is damaged or SQLite fails. */
char *
cairn_store_dup_todo_notes (CairnStore  *self,
                             const char  *todo_id,
                             GError     **error)
{
  g_autoptr(GBytes) state = NULL;
  g_autoptr(GBytes) written = NULL;
  sqlite3_stmt *stmt;
  char *text = NULL;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  g_return_val_if_fail (todo_id != NULL, NULL);

  if (!read_versions (self, &todo_kind, todo_id, &state, &written, error))
    return NULL;
  if (!bytes_equal0 (state, written))
    return text_at (self, &todo_kind, todo_id, state, error);
  if (state == NULL)
    return g_strdup ("");
  stmt = _cairn_store_prepare (self, "SELECT notes FROM todo_notes WHERE todo_id = ?", error);
  if (stmt == NULL || !bind_note_id (self, stmt, todo_id, error))
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else
    _cairn_store_set_error (self, error, "Cannot read the notes of a todo");
  sqlite3_reset (stmt);
  return text;
}

static void
todo_notes_func (sqlite3_context  *ctx,
                 int               argc,
                 sqlite3_value   **argv)
{
  CairnStore *self = sqlite3_user_data (ctx);
  const char *todo_id = (const char *) sqlite3_value_text (argv[0]);
  g_autoptr(GError) error = NULL;
  char *text;

  g_assert (argc == 1);
  if (todo_id == NULL)
    {
      sqlite3_result_null (ctx);
      return;
    }
  text = cairn_store_dup_todo_notes (self, todo_id, &error);
  if (text == NULL)
    sqlite3_result_error (ctx, error->message, -1);
  else
    sqlite3_result_text (ctx, text, -1, g_free);
}

gboolean
_cairn_store_text_register (CairnStore  *self,
                            GError     **error)
{
  /* DIRECTONLY: not from triggers or views, whose callers would not know
   * it reads the store's CRDT cache. */
  if (sqlite3_create_function_v2 (self->db, "cairn_note_body", 2,
                                  SQLITE_UTF8 | SQLITE_DIRECTONLY, self,
                                  note_body_func, NULL, NULL, NULL) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot register cairn_note_body()");
      return FALSE;
    }
  if (sqlite3_create_function_v2 (self->db, "cairn_todo_notes", 1,
                                  SQLITE_UTF8 | SQLITE_DIRECTONLY, self,
                                  todo_notes_func, NULL, NULL, NULL) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot register cairn_todo_notes()");
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  char   *note_id;
  GBytes *version;   /* NULL: none, the empty text */
} StaleBody;

static void
stale_body_free (gpointer data)
{
  StaleBody *stale = data;

  g_free (stale->note_id);
  g_clear_pointer (&stale->version, g_bytes_unref);
  g_free (stale);
}

static gboolean
bind_version (CairnStore    *self,
              sqlite3_stmt  *stmt,
              int            i,
              GBytes        *version,
              GError       **error)
{
  if (sqlite3_bind_blob64 (stmt, i, g_bytes_get_data (version, NULL), g_bytes_get_size (version),
                           SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return TRUE;
}

/* A todo's notes and the version they are of, in one row of todo_notes. */
static gboolean
write_todo_notes (CairnStore  *self,
                  StaleBody   *stale,
                  GError     **error)
{
  g_autofree char *text = NULL;
  sqlite3_stmt *stmt;
  int exists = note_state (self, &todo_kind, stale->note_id, error);

  if (exists < 0)
    return FALSE;
  if (exists == 0 || stale->version == NULL)
    {
      stmt = _cairn_store_prepare (self, todo_kind.drop_written, error);
      return stmt != NULL && bind_note_id (self, stmt, stale->note_id, error) &&
             _cairn_store_step_done (self, stmt, error);
    }
  if ((text = text_at (self, &todo_kind, stale->note_id, stale->version, error)) == NULL)
    return FALSE;
  stmt = _cairn_store_prepare (self,
                               "INSERT INTO todo_notes (todo_id, version, notes) VALUES (?1, ?2, ?3) "
                               "ON CONFLICT (todo_id) DO UPDATE SET version = excluded.version, "
                               "notes = excluded.notes", error);
  if (stmt == NULL || !bind_note_id (self, stmt, stale->note_id, error) ||
      !bind_version (self, stmt, 2, stale->version, error))
    return FALSE;
  if (sqlite3_bind_text (stmt, 3, text, -1, SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return _cairn_store_step_done (self, stmt, error);
}

static gboolean
write_body (CairnStore      *self,
            const TextKind  *kind,
            StaleBody       *stale,
            GError         **error)
{
  g_autofree char *text = NULL;
  sqlite3_stmt *stmt;
  int exists;

  if (kind == &todo_kind)
    return write_todo_notes (self, stale, error);
  exists = note_state (self, kind, stale->note_id, error);
  if (exists < 0)
    return FALSE;
  if (exists > 0)
    {
      if ((text = text_at (self, kind, stale->note_id, stale->version, error)) == NULL)
        return FALSE;
      stmt = _cairn_store_prepare (self, "UPDATE notes SET body = ?1 WHERE id = ?2 AND body IS NOT ?1",
                                   error);
      if (stmt == NULL)
        return FALSE;
      if (sqlite3_bind_text (stmt, 1, text, -1, SQLITE_STATIC) != SQLITE_OK ||
          sqlite3_bind_text (stmt, 2, stale->note_id, -1, SQLITE_STATIC) != SQLITE_OK)
        {
          _cairn_store_set_error (self, error, "Cannot bind");
          return FALSE;
        }
      if (!_cairn_store_step_done (self, stmt, error))
        return FALSE;
    }

  if (exists == 0 || stale->version == NULL)
    {
      stmt = _cairn_store_prepare (self, kind->drop_written, error);
      return stmt != NULL && bind_note_id (self, stmt, stale->note_id, error) &&
             _cairn_store_step_done (self, stmt, error);
    }
  stmt = _cairn_store_prepare (self,
                               "INSERT INTO note_body_versions (note_id, version) VALUES (?1, ?2) "
                               "ON CONFLICT (note_id) DO UPDATE SET version = excluded.version",
                               error);
  return stmt != NULL && bind_note_id (self, stmt, stale->note_id, error) &&
         bind_version (self, stmt, 2, stale->version, error) &&
         _cairn_store_step_done (self, stmt, error);
}

static gboolean
write_texts (CairnStore      *self,
             const TextKind  *kind,
             GError         **error)
{
  g_autoptr(GPtrArray) stale = g_ptr_array_new_with_free_func (stale_body_free);
  sqlite3_stmt *stmt;
  int rc;

  /* Notes whose state version differs from the one notes.body holds,
   * including bodies written at a version that a rollback took away. */
  stmt = _cairn_store_prepare (self, kind->select_stale, error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      StaleBody *body = g_new0 (StaleBody, 1);

      body->note_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      body->version = column_bytes (stmt, 1);
      g_ptr_array_add (stale, body);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read which note bodies to write");
      return FALSE;
    }

  for (guint i = 0; i < stale->len; i++)
    if (!write_body (self, kind, stale->pdata[i], error))
      return FALSE;
  return TRUE;
}

gboolean
_cairn_store_write_bodies (CairnStore  *self,
                           GError     **error)
{
  g_assert (self->in_transaction);

  if (!write_texts (self, &note_kind, error) ||
      !write_texts (self, &todo_kind, error))
    return FALSE;

  /* And the notes edited lately whose appended ops have piled up. */
  if (self->text_cache != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, self->text_cache);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          TextCacheEntry *entry = value;

          if (entry->ops_bytes > MAX (entry->state_bytes / COMPACT_RATIO, COMPACT_FLOOR) &&
              !compact_text (self, entry, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_live_note (CairnStore  *self,
                 const char  *note_id,
                 GError     **error)
{
  int state;

  if (note_id == NULL || !cairn_is_object_id (note_id))
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "“%s” is not a note id", note_id ? note_id : "(null)");
      return FALSE;
    }
  /* The note found live last time, if no notes row changed since. */
  if (self->live_note_serial == self->note_rows_serial &&
      g_strcmp0 (self->live_note, note_id) == 0)
    return TRUE;
  state = note_state (self, &note_kind, note_id, error);
  if (state < 0)
    return FALSE;
  if (state != 1)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   state == 0 ? "No note with id %s" : "Note %s is deleted", note_id);
      return FALSE;
    }
  g_free (self->live_note);
  self->live_note = g_strdup (note_id);
  self->live_note_serial = self->note_rows_serial;
  return TRUE;
}

/* The client id of this store's local text edits, kept in a local-only
 * table created on first use (no schema migration; never synced). It is a
 * fresh id, not the store's client id, and it is renewed by every reset
 * after a server restore: that reset may leave earlier text ops of this
 * store held (typed on other devices' ops the server lost), and new edits
 * under the same id would take their counters, or could not be made at
 * all. Under a fresh id they depend only on what the replica has
 * integrated. */
static const char text_client_sql[] =
  "CREATE TABLE IF NOT EXISTS text_client ("
  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
  "  client_id TEXT NOT NULL);";

static gboolean
ensure_text_client_table (CairnStore  *self,
                          GError     **error)
{
  if (g_object_get_data (G_OBJECT (self), "cairn-text-client-table") != NULL)
    return TRUE;
  if (!_cairn_store_exec (self, text_client_sql, error))
    return FALSE;
  /* Made inside a transaction, the table goes if that is rolled back. */
  if (!self->in_transaction)
    g_object_set_data (G_OBJECT (self), "cairn-text-client-table", GINT_TO_POINTER (1));
  return TRUE;
}

static gboolean
write_text_client (CairnStore  *self,
                   const char  *client_id,
                   GError     **error)
{
  sqlite3_stmt *stmt;

  if (!ensure_text_client_table (self, error))
    return FALSE;
  stmt = _cairn_store_prepare (self,
                               "INSERT INTO text_client (id, client_id) VALUES (1, ?) "
                               "ON CONFLICT (id) DO UPDATE SET client_id = excluded.client_id",
                               error);
  if (stmt == NULL || !bind_note_id (self, stmt, client_id, error))
    return FALSE;
  return _cairn_store_step_done (self, stmt, error);
}

gboolean
_cairn_store_renew_text_client (CairnStore  *self,
                                GError     **error)
{
  g_autofree char *client_id = cairn_new_client_id ();

  return write_text_client (self, client_id, error);
}

/* The current text client id; made on first use. */
static char *
dup_text_client (CairnStore  *self,
                 GError     **error)
{
  g_autofree char *client_id = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (!ensure_text_client_table (self, error))
    return NULL;
  stmt = _cairn_store_prepare (self, "SELECT client_id FROM text_client WHERE id = 1", error);
  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    client_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the text client id");
      return NULL;
    }
  if (client_id != NULL && cairn_is_client_id (client_id))
    return g_steal_pointer (&client_id);
  /* None yet (or damaged): a fresh one. */
  g_clear_pointer (&client_id, g_free);
  client_id = cairn_new_client_id ();
  if (!write_text_client (self, client_id, error))
    return NULL;
  return g_steal_pointer (&client_id);
}

char *
cairn_store_dup_text_client_id (CairnStore  *self,
                                GError     **error)
{
  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  return dup_text_client (self, error);
}

CairnText *
cairn_store_load_note_text (CairnStore  *self,
                            const char  *note_id,
                            GError     **error)
{
  TextCacheEntry *entry;
  CairnText *text;
  g_autofree char *replica_id = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  if (!check_live_note (self, note_id, error))
    return NULL;
  replica_id = dup_text_client (self, error);
  if (replica_id == NULL)
    return NULL;
  /* The caller gets a replica of its own: read it, leave the cache be. */
  entry = read_text (self, &note_kind, note_id, replica_id, error);
  if (entry == NULL)
    return NULL;
  text = g_steal_pointer (&entry->text);
  text_cache_entry_free (entry);
  return text;
}

/* The largest encoded op batch one note.edited may carry: its args are
 * {"note_id":"<36>","ops":"<base64>"}, and base64 makes 4 bytes of 3;
 * 1 KiB of the limit is left for the rest. */
#define NOTE_EDIT_MAX_OPS_BYTES ((CAIRN_EVENT_MAX_ARGS_BYTES - 1024) / 4 * 3)

static JsonObject *
text_edit_args (const char         *id_member,
                const char         *note_id,
                const CairnTextOps *ops)
{
  g_autoptr(GBytes) bytes = cairn_text_ops_encode (ops);
  g_autofree char *b64 = g_base64_encode (g_bytes_get_data (bytes, NULL),
                                          g_bytes_get_size (bytes));
  JsonObject *args = json_object_new ();

  json_object_set_string_member (args, id_member, note_id);
  json_object_set_string_member (args, "ops", b64);
  return args;
}

gboolean
cairn_store_edit_note (CairnStore    *self,
                       const char    *note_id,
                       CairnTextOps  *ops,
                       GError       **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GPtrArray) args = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (ops != NULL, FALSE);

  if (!check_live_note (self, note_id, error))
    return FALSE;
  if (cairn_text_ops_is_empty (ops))
    return TRUE;
  bytes = cairn_text_ops_encode (ops);
  if (g_bytes_get_size (bytes) <= NOTE_EDIT_MAX_OPS_BYTES)
    {
      g_autoptr(JsonObject) one = text_edit_args ("note_id", note_id, ops);
      g_autoptr(CairnEvent) event = cairn_store_commit (self, "note.edited", 1, one, error);

      return event != NULL;
    }

  /* A large paste: several events, each one the server accepts, applied
   * in order in one transaction (all or nothing, one ::changed). */
  args = _cairn_store_note_edit_args (note_id, ops);
  return _cairn_store_commit_several (self, "note.edited", 1, args, error);
}

GPtrArray *
_cairn_store_note_edit_args (const char         *note_id,
                             const CairnTextOps *ops)
{
  g_autoptr(GPtrArray) batches = cairn_text_ops_split (ops, NOTE_EDIT_MAX_OPS_BYTES);
  GPtrArray *args = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; i < batches->len; i++)
    g_ptr_array_add (args, text_edit_args ("note_id", note_id, batches->pdata[i]));
  return args;
}

/* ---- A todo's notes ---- */

gboolean
_cairn_store_is_text_event (const char *name)
{
  return g_str_equal (name, "note.edited") || g_str_equal (name, "todo.notes_edited");
}

static gboolean
check_live_todo (CairnStore  *self,
                 const char  *todo_id,
                 GError     **error)
{
  int state;

  if (todo_id == NULL || !cairn_is_object_id (todo_id))
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   "“%s” is not a todo id", todo_id ? todo_id : "(null)");
      return FALSE;
    }
  state = note_state (self, &todo_kind, todo_id, error);
  if (state < 0)
    return FALSE;
  if (state != 1)
    {
      g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND,
                   state == 0 ? "No todo with id %s" : "Todo %s is deleted", todo_id);
      return FALSE;
    }
  return TRUE;
}

CairnText *
cairn_store_load_todo_notes (CairnStore  *self,
                             const char  *todo_id,
                             GError     **error)
{
  TextCacheEntry *entry;
  CairnText *text;
  g_autofree char *replica_id = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);

  if (!check_live_todo (self, todo_id, error))
    return NULL;
  replica_id = dup_text_client (self, error);
  if (replica_id == NULL)
    return NULL;
  entry = read_text (self, &todo_kind, todo_id, replica_id, error);
  if (entry == NULL)
    return NULL;
  text = g_steal_pointer (&entry->text);
  text_cache_entry_free (entry);
  return text;
}

GPtrArray *
_cairn_store_todo_notes_edit_args (const char         *todo_id,
                                   const CairnTextOps *ops)
{
  g_autoptr(GPtrArray) batches = cairn_text_ops_split (ops, NOTE_EDIT_MAX_OPS_BYTES);
  GPtrArray *args = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; i < batches->len; i++)
    g_ptr_array_add (args, text_edit_args ("todo_id", todo_id, batches->pdata[i]));
  return args;
}

gboolean
cairn_store_edit_todo_notes (CairnStore    *self,
                             const char    *todo_id,
                             CairnTextOps  *ops,
                             GError       **error)
{
  g_autoptr(GPtrArray) args = NULL;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (ops != NULL, FALSE);

  if (!check_live_todo (self, todo_id, error))
    return FALSE;
  if (cairn_text_ops_is_empty (ops))
    return TRUE;
  /* One event, or several for a large paste (all in one transaction);
   * "todo_id" is as long as "note_id", so the note's limit holds. */
  args = _cairn_store_todo_notes_edit_args (todo_id, ops);
  if (args->len == 1)
    {
      g_autoptr(CairnEvent) event = cairn_store_commit (self, "todo.notes_edited", 1,
                                                        args->pdata[0], error);

      return event != NULL;
    }
  return _cairn_store_commit_several (self, "todo.notes_edited", 1, args, error);
}

guint
_cairn_store_get_text_reads (CairnStore *self)
{
  return self->text_reads;
}

/* Snapshots (cairn-store-snapshot.c): every text with appended ops folded
 * into one state, so that a snapshot carries states, not op histories. */
static gboolean
compact_kind (CairnStore      *self,
              const TextKind  *kind,
              const char      *select_ids,
              GError         **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = _cairn_store_prepare (self, select_ids, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read which texts to fold");
      return FALSE;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      TextCacheEntry *entry = cached_text (self, kind, ids->pdata[i], error);

      if (entry == NULL || !compact_text (self, entry, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
_cairn_store_compact_texts (CairnStore  *self,
                            GError     **error)
{
  g_assert (self->in_transaction);

  return compact_kind (self, &note_kind, "SELECT DISTINCT note_id FROM note_body_ops", error) &&
         compact_kind (self, &todo_kind, "SELECT DISTINCT todo_id FROM todo_note_ops", error);
}

/* ---- Undo (cairn-store-undo.c) ---- */

/* The text of a note or a todo's notes, deleted or not, as this device's
 * replica: undo computes its inverse ops before the same commit restores
 * the object (edits of a deleted object merge, docs/events.md). */
CairnText *
_cairn_store_load_text_any (CairnStore  *self,
                            gboolean     is_note,
                            const char  *id,
                            GError     **error)
{
  TextCacheEntry *entry;
  CairnText *text;
  g_autofree char *replica_id = dup_text_client (self, error);

  if (replica_id == NULL)
    return NULL;
  entry = read_text (self, is_note ? &note_kind : &todo_kind, id, replica_id, error);
  if (entry == NULL)
    return NULL;
  text = g_steal_pointer (&entry->text);
  text_cache_entry_free (entry);
  return text;
}

void
cairn_store_set_text_cache_size (CairnStore *self,
                                 guint       notes)
{
  g_return_if_fail (CAIRN_IS_STORE (self));
  self->text_cache_max = notes;
}

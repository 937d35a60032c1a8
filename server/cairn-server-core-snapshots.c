/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-core-snapshots.c: server-made snapshots (issue 17).
 *
 * The server materialises a workspace's state with the clients' own
 * reducers (data/, linked in): the events after the previous snapshot
 * are rebased into a private CairnStore (DIR/snapshots/WS.db), whose
 * state is then exported (cairn-snapshot.h) and stored in the snapshots
 * table, the last CAIRN_CORE_SNAPSHOTS_KEPT of each workspace. The maker
 * has its own connection to the database, so it runs on any thread while
 * the core goes on taking pushes: it only reads the log (WAL: readers do
 * not wait for the writer) and takes the write lock once, for the insert.
 *
 * Every SQLite statement on the snapshots table is in this file: the
 * table's SQL, the maker's reads and insert, what is due, the latest one,
 * and the events of one object. On PostgreSQL the core functions hand
 * over to the backend's snapshot members (cairn-server-core-pg.c), and
 * the maker reads the log and stores the blob through a core of its own
 * on the same URI (make_on_database()). The maker hashes the state it
 * made (the server's own state hash, in the header and out_hash).
 */
#define G_LOG_DOMAIN "cairn-server-core"
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#ifdef __linux__
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "cairn-ids.h"
#include "cairn-snapshot.h"
#include "cairn-server-core-private.h"
#include "cairn-store-private.h"

/* Schema step 2 -> 3 (cairn-server-core-schema.c). A rowid table: the
 * blobs are large, and a WITHOUT ROWID table keeps its rows in its key's
 * b-tree. */
const char _cairn_core_snapshots_sql[] =
  "CREATE TABLE IF NOT EXISTS snapshots ("
  "  id INTEGER PRIMARY KEY,"
  "  workspace_id TEXT NOT NULL,"
  "  seq INTEGER NOT NULL,"
  "  history_id TEXT NOT NULL,"
  "  made_at INTEGER NOT NULL,"
  "  bytes INTEGER NOT NULL,"
  "  blob BLOB NOT NULL,"
  "  UNIQUE (workspace_id, seq));";

/* ---- the maker (any thread) ------------------------------------------- */

void
cairn_server_snapshot_thread_lower_priority (void)
{
#ifdef __linux__
  /* On Linux both act on one thread when given its id. Not undone: an
   * unprivileged thread cannot raise its priority again, so only a thread
   * of its own should call this. */
  pid_t tid = (pid_t) syscall (SYS_gettid);
  int nice_now;

  errno = 0;
  nice_now = getpriority (PRIO_PROCESS, tid);
  if (errno == 0 && setpriority (PRIO_PROCESS, tid, MIN (nice_now + 10, 19)) != 0)
    g_debug ("Cannot lower the snapshot maker's CPU priority: %s", g_strerror (errno));
#ifdef SYS_ioprio_set
  /* IOPRIO_WHO_PROCESS (1), class best-effort (2) level 7 (the lowest) */
  if (syscall (SYS_ioprio_set, 1, tid, (2 << 13) | 7) != 0)
    g_debug ("Cannot lower the snapshot maker's I/O priority: %s", g_strerror (errno));
#endif
#endif
}

static gboolean
maker_error (sqlite3     *db,
             GError     **error,
             const char  *what)
{
  int rc = sqlite3_errcode (db) & 0xff;

  g_set_error (error, CAIRN_PROTOCOL_ERROR,
               rc == SQLITE_FULL || rc == SQLITE_IOERR ? CAIRN_PROTOCOL_ERROR_STORAGE_FULL
                                                       : CAIRN_PROTOCOL_ERROR_INTERNAL,
               "%s: %s", what, sqlite3_errmsg (db));
  return FALSE;
}

static char *
work_path (const char *data_dir,
           const char *workspace_id)
{
  g_autofree char *dir = g_build_filename (data_dir, "snapshots", NULL);
  g_autofree char *name = g_strconcat (workspace_id, ".db", NULL);

  g_mkdir_with_parents (dir, 0700);
  return g_build_filename (dir, name, NULL);
}

/* The marker a work store has while it is known whole on disk (below). */
static char *
sealed_path (const char *path)
{
  return g_strconcat (path, ".sealed", NULL);
}

static void
remove_work (const char *path)
{
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_autofree char *sealed = sealed_path (path);

  g_unlink (sealed);
  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
}

/* A work store is written without fsync (`synchronous = OFF`): each of
 * the maker's page checkpoints synced the file, and those syncs queued
 * behind them the fsync of every push committed meanwhile (push p99
 * 1.0 ms without a maker, 12 ms while one ran, at 1,000,000 events;
 * 0.6 ms with the maker's syncs gone: BENCHMARKS.md, "merged main,
 * session 8"). SQLite without syncs survives the process dying, not the
 * machine: so the store is trusted on the next make only when it was
 * sealed after the last one (synced whole, then this marker written
 * durably), and the marker is removed before it is written again. A
 * store without it is thrown away and made again from the latest
 * snapshot (or the log). */
static void
unseal_work_store (CairnStore *store,
                   const char *path)
{
  g_autofree char *sealed = sealed_path (path);

  g_unlink (sealed);
  sqlite3_exec (_cairn_store_get_db (store), "PRAGMA synchronous = OFF", NULL, NULL, NULL);
}

static void
seal_work_store (CairnStore *store,
                 const char *path)
{
  g_autofree char *sealed = sealed_path (path);
  g_autoptr(GError) error = NULL;

  /* A TRUNCATE checkpoint at FULL syncs the WAL, then the database file:
   * the pages the unsynced checkpoints wrote before are in it too. */
  if (sqlite3_exec (_cairn_store_get_db (store), "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK ||
      !cairn_store_checkpoint (store, &error) ||
      !g_file_set_contents_full (sealed, "", 0, G_FILE_SET_CONTENTS_DURABLE, 0600, &error))
    g_warning ("Cannot seal the snapshot work store %s (%s): the next snapshot starts again",
               path, error != NULL ? error->message : sqlite3_errmsg (_cairn_store_get_db (store)));
}

/* The latest stored snapshot of the workspace at or below head, of its
 * history; NULL when none. */
static GBytes *
latest_blob (sqlite3     *db,
             const char  *workspace_id,
             gint64       head,
             const char  *history_id,
             gint64      *out_seq,
             GError     **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  GBytes *blob = NULL;
  int rc;

  *out_seq = 0;
  if (sqlite3_prepare_v2 (db, "SELECT seq, blob FROM snapshots WHERE workspace_id = ?1 "
                          "AND seq <= ?2 AND history_id = ?3 ORDER BY seq DESC LIMIT 1",
                          -1, &st, NULL) != SQLITE_OK ||
      sqlite3_bind_text (st, 1, workspace_id, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_bind_int64 (st, 2, head) != SQLITE_OK ||
      sqlite3_bind_text (st, 3, history_id, -1, SQLITE_STATIC) != SQLITE_OK)
    {
      maker_error (db, error, "Cannot read the snapshots");
      return NULL;
    }
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      *out_seq = sqlite3_column_int64 (st, 0);
      blob = g_bytes_new (sqlite3_column_blob (st, 1), sqlite3_column_bytes (st, 1));
    }
  else if (rc != SQLITE_DONE)
    maker_error (db, error, "Cannot read the snapshots");
  return blob;
}

/* The private store, at the state of an earlier snapshot (base, at
 * base_seq; NULL: none) or empty: made again when it is of another
 * history or ahead of the log (the data folder was restored from an older
 * backup). */
static CairnStore *
open_work_store (const char  *path,
                 const char  *workspace_id,
                 gint64       head,
                 const char  *history_id,
                 GBytes      *base,
                 gint64       base_seq,
                 GError     **error)
{
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(GError) inner = NULL;
  g_autofree char *sealed = sealed_path (path);

  if (g_file_test (sealed, G_FILE_TEST_EXISTS))
    store = cairn_store_open (path, NULL);
  if (store != NULL &&
      (cairn_store_get_head (store) > head ||
       (cairn_store_get_history_id (store) != NULL &&
        g_strcmp0 (cairn_store_get_history_id (store), history_id) != 0)))
    g_clear_object (&store);
  if (store != NULL)
    {
      unseal_work_store (store, path);
      return g_steal_pointer (&store);
    }

  remove_work (path);
  store = cairn_store_open (path, error);
  if (store == NULL)
    return NULL;
  unseal_work_store (store, path);
  if (base == NULL)
    return g_steal_pointer (&store);
  /* Start from it rather than from the first event. */
  if (!cairn_store_load_snapshot (store, base, &inner))
    g_warning ("Cannot start workspace %s's snapshot from the one at seq %" G_GINT64_FORMAT
               " (%s); replaying its whole log", workspace_id, base_seq, inner->message);
  return g_steal_pointer (&store);
}

#define MAKER_PAGE 5000
/* Decoded notes the maker's store keeps: the log interleaves the typing of
 * many notes, and with the default (8) every edit of a note not kept
 * decoded its whole state again (83 % of the maker's time at 1,000 notes
 * typed in turn). */
#define MAKER_TEXT_CACHE 4096

/* Rebases the log after the store's head up to head into it. */
static gboolean
catch_up (sqlite3     *db,
          CairnStore  *store,
          const char  *workspace_id,
          gint64       head,
          const char  *history_id,
          GError     **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT seq, client_id, client_seq, name, version, args, created_at, "
                          "device FROM events WHERE workspace_id = ?1 AND seq > ?2 AND seq <= ?3 "
                          "ORDER BY seq LIMIT ?4", -1, &st, NULL) != SQLITE_OK)
    return maker_error (db, error, "Cannot read the log");
  cairn_store_set_text_cache_size (store, MAKER_TEXT_CACHE);
  while (cairn_store_get_head (store) < head)
    {
      g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
      int rc;

      sqlite3_reset (st);
      if (sqlite3_bind_text (st, 1, workspace_id, -1, SQLITE_STATIC) != SQLITE_OK ||
          sqlite3_bind_int64 (st, 2, cairn_store_get_head (store)) != SQLITE_OK ||
          sqlite3_bind_int64 (st, 3, head) != SQLITE_OK ||
          sqlite3_bind_int (st, 4, MAKER_PAGE) != SQLITE_OK)
        return maker_error (db, error, "Cannot read the log");
      while ((rc = sqlite3_step (st)) == SQLITE_ROW)
        {
          g_autoptr(GError) inner = NULL;
          CairnEvent *event;

          event = cairn_event_new_from_args_json ((const char *) sqlite3_column_text (st, 3),
                                                  (guint) sqlite3_column_int64 (st, 4),
                                                  (const char *) sqlite3_column_text (st, 5), &inner);
          if (event == NULL)
            {
              g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                           "Event %" G_GINT64_FORMAT " of workspace %s cannot be read: %s",
                           (gint64) sqlite3_column_int64 (st, 0), workspace_id, inner->message);
              return FALSE;
            }
          event->seq = sqlite3_column_int64 (st, 0);
          event->client_id = g_strdup ((const char *) sqlite3_column_text (st, 1));
          event->client_seq = sqlite3_column_int64 (st, 2);
          event->created_at = sqlite3_column_int64 (st, 6);
          if (sqlite3_column_type (st, 7) != SQLITE_NULL)
            event->device = g_strdup ((const char *) sqlite3_column_text (st, 7));
          g_ptr_array_add (page, event);
        }
      if (rc != SQLITE_DONE)
        return maker_error (db, error, "Cannot read the log");
      if (page->len == 0)
        {
          g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                       "The log of workspace %s has a gap after seq %" G_GINT64_FORMAT,
                       workspace_id, cairn_store_get_head (store));
          return FALSE;
        }
      if (!cairn_store_rebase (store, page, history_id, error) ||
          !cairn_store_checkpoint (store, error))
        return FALSE;
    }
  return TRUE;
}

/* The workspace's history is still history_id and its head at least
 * head: the events catch_up() read page by page were of one log. */
static gboolean
check_same_log (sqlite3     *db,
                const char  *workspace_id,
                gint64       head,
                const char  *history_id,
                GError     **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  gboolean same;

  if (sqlite3_prepare_v2 (db, "SELECT 1 FROM workspaces WHERE id = ?1 AND history_id = ?2 "
                          "AND head >= ?3", -1, &st, NULL) != SQLITE_OK ||
      sqlite3_bind_text (st, 1, workspace_id, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_bind_text (st, 2, history_id, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_bind_int64 (st, 3, head) != SQLITE_OK)
    return maker_error (db, error, "Cannot read the workspace");
  same = sqlite3_step (st) == SQLITE_ROW;
  if (!same)
    g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                 "The log of workspace %s was reset while its snapshot was made; "
                 "the next maker starts again", workspace_id);
  return same;
}

/* The store's state at its head as a snapshot blob, with the server's own
 * state hash in its header (*out_hash); the store then keeps no log (the
 * next one starts from this state). */
static GBytes *
export_work_store (CairnStore      *store,
                   const char      *workspace_id,
                   const char      *chain,
                   CairnStateHash  *out_hash,
                   GError         **error)
{
  g_autoptr(GBytes) blob = NULL;

  /* Devices that load the snapshot check theirs against it, and the core
   * judges devices' reports at this seq by it
   * (cairn_server_core_set_own_state()). */
  if (!cairn_store_confirmed_state_hash (store, out_hash, error))
    return NULL;
  blob = cairn_store_export_snapshot_hashed (store, chain, out_hash, error);
  if (blob == NULL)
    return NULL;
  if (g_bytes_get_size (blob) > CAIRN_SNAPSHOT_MAX_BYTES)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                   "The snapshot of workspace %s would be %" G_GSIZE_FORMAT " bytes, more than "
                   "clients load", workspace_id, g_bytes_get_size (blob));
      return NULL;
    }
  if (!cairn_store_adopt_snapshot_base (store, blob, NULL, error))
    return NULL;
  return g_steal_pointer (&blob);
}

static gboolean
store_snapshot (sqlite3     *db,
                gint64       now_ms,
                const char  *workspace_id,
                gint64       seq,
                const char  *history_id,
                GBytes      *blob,
                GError     **error)
{
  g_autoptr(sqlite3_stmt) ins = NULL;
  g_autoptr(sqlite3_stmt) prune = NULL;

  if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return maker_error (db, error, "Cannot store the snapshot");
  if (sqlite3_prepare_v2 (db, "INSERT OR REPLACE INTO snapshots (workspace_id, seq, history_id, "
                          "made_at, bytes, blob) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &ins, NULL) != SQLITE_OK ||
      sqlite3_bind_text (ins, 1, workspace_id, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_bind_int64 (ins, 2, seq) != SQLITE_OK ||
      sqlite3_bind_text (ins, 3, history_id, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_bind_int64 (ins, 4, now_ms) != SQLITE_OK ||
      sqlite3_bind_int64 (ins, 5, g_bytes_get_size (blob)) != SQLITE_OK ||
      sqlite3_bind_blob64 (ins, 6, g_bytes_get_data (blob, NULL), g_bytes_get_size (blob),
                           SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_step (ins) != SQLITE_DONE ||
      sqlite3_prepare_v2 (db, "DELETE FROM snapshots WHERE workspace_id = ?1 AND seq NOT IN "
                          "(SELECT seq FROM snapshots WHERE workspace_id = ?1 "
                          "ORDER BY seq DESC LIMIT ?2)", -1, &prune, NULL) != SQLITE_OK ||
      sqlite3_bind_text (prune, 1, workspace_id, -1, SQLITE_STATIC) != SQLITE_OK ||
      sqlite3_bind_int (prune, 2, CAIRN_CORE_SNAPSHOTS_KEPT) != SQLITE_OK ||
      sqlite3_step (prune) != SQLITE_DONE)
    {
      maker_error (db, error, "Cannot store the snapshot");
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  if (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      maker_error (db, error, "Cannot store the snapshot");
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_workspace (sqlite3     *db,
                const char  *workspace_id,
                gint64      *head,
                char       **history_id,
                char       **chain,
                GError     **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "SELECT w.head, w.history_id, (SELECT chain FROM events e "
                          "WHERE e.workspace_id = w.id AND e.seq = w.head) "
                          "FROM workspaces w WHERE w.id = ?1", -1, &st, NULL) != SQLITE_OK ||
      sqlite3_bind_text (st, 1, workspace_id, -1, SQLITE_STATIC) != SQLITE_OK)
    return maker_error (db, error, "Cannot read the workspace");
  rc = sqlite3_step (st);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No workspace %s", workspace_id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return maker_error (db, error, "Cannot read the workspace");
  *head = sqlite3_column_int64 (st, 0);
  *history_id = g_strdup ((const char *) sqlite3_column_text (st, 1));
  *chain = sqlite3_column_type (st, 2) == SQLITE_NULL ? NULL
           : g_strdup ((const char *) sqlite3_column_text (st, 2));
  return TRUE;
}

/* ---- the maker on another backend (PostgreSQL) ------------------------ */

/* Rebases the log after the store's head up to head into it, read through
 * a core of its own (pages of the pull; the log up to head does not
 * change, so no read transaction is needed). */
static gboolean
catch_up_from_core (CairnServerCore  *core,
                    const CairnAuth  *owner,
                    CairnStore       *store,
                    const char       *workspace_id,
                    gint64            head,
                    const char       *history_id,
                    GError          **error)
{
  cairn_store_set_text_cache_size (store, MAKER_TEXT_CACHE);
  while (cairn_store_get_head (store) < head)
    {
      g_autoptr(CairnPullReply) reply = NULL;
      g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

      reply = cairn_server_core_pull (core, owner, workspace_id, cairn_store_get_head (store),
                                      MAKER_PAGE, error);
      if (reply == NULL)
        return FALSE;
      for (guint i = 0; i < reply->events->len; i++)
        {
          CairnWireEvent *ev = reply->events->pdata[i];
          g_autoptr(GError) inner = NULL;
          CairnEvent *event;

          if (ev->seq > head)
            break;
          event = cairn_event_new_from_args_json (ev->name, (guint) ev->version, ev->args_json, &inner);
          if (event == NULL)
            {
              g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                           "Event %" G_GINT64_FORMAT " of workspace %s cannot be read: %s",
                           ev->seq, workspace_id, inner->message);
              return FALSE;
            }
          event->seq = ev->seq;
          event->client_id = g_strdup (ev->client_id);
          event->client_seq = ev->client_seq;
          event->created_at = ev->created_at;
          event->device = g_strdup (ev->device);
          g_ptr_array_add (page, event);
        }
      if (page->len == 0)
        {
          g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                       "The log of workspace %s has a gap after seq %" G_GINT64_FORMAT,
                       workspace_id, cairn_store_get_head (store));
          return FALSE;
        }
      if (!cairn_store_rebase (store, page, history_id, error) ||
          !cairn_store_checkpoint (store, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean previous_hash (GBytes *blob, CairnStateHash *out_hash, GError **error);

/* cairn_server_snapshot_make() on a database: a core of its own on the
 * same URI (its own connection, on this thread), the log read with pull
 * as the workspace's owner, the snapshot stored through the backend. */
static gboolean
make_on_database (const char      *uri,
                  const char      *data_dir,
                  gint64           now_ms,
                  const char      *workspace_id,
                  gint64          *out_seq,
                  gsize           *out_bytes,
                  CairnStateHash  *out_hash,
                  GError         **error)
{
  g_autoptr(CairnServerCore) core = NULL;
  g_autoptr(CairnAuth) owner = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(GBytes) previous = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autofree char *history_id = NULL;
  g_autofree char *chain = NULL;
  g_autofree char *path = NULL;
  CairnStateHash hash;
  gint64 head = 0, previous_seq = 0;
  gboolean exists = FALSE;

  if (!(core = cairn_server_core_open_database (uri, NULL, error)) ||
      !(owner = cairn_server_core_admin_owner_auth (core, workspace_id, error)) ||
      !cairn_server_core_head (core, owner, workspace_id, &head, &history_id, error) ||
      !core->backend->chain_at (core, workspace_id, head, &exists, &chain, error))
    return FALSE;
  previous = core->backend->snapshot_base (core, workspace_id, head, history_id, &previous_seq, error);
  if (previous == NULL && error != NULL && *error != NULL)
    return FALSE;
  if (previous != NULL && previous_seq == head)
    {
      *out_seq = head;
      *out_bytes = g_bytes_get_size (previous);
      return previous_hash (previous, out_hash, error);
    }
  path = work_path (data_dir, workspace_id);
  store = open_work_store (path, workspace_id, head, history_id, previous, previous_seq, error);
  if (store == NULL ||
      !catch_up_from_core (core, owner, store, workspace_id, head, history_id, error) ||
      !(blob = export_work_store (store, workspace_id, chain, &hash, error)) ||
      !core->backend->snapshot_store (core, workspace_id, head, history_id, now_ms, blob,
                                      CAIRN_CORE_SNAPSHOTS_KEPT, error))
    return FALSE;
  seal_work_store (store, path);
  *out_seq = head;
  *out_bytes = g_bytes_get_size (blob);
  if (out_hash != NULL)
    *out_hash = hash;
  return TRUE;
}

/* The hash in a stored snapshot's header (seq 0, "" when it has none:
 * made before the server computed them). */
static gboolean
previous_hash (GBytes          *blob,
               CairnStateHash  *out_hash,
               GError         **error)
{
  g_autoptr(CairnSnapshotInfo) info = NULL;

  if (out_hash == NULL)
    return TRUE;
  memset (out_hash, 0, sizeof *out_hash);
  info = cairn_snapshot_parse (blob, error);
  if (info == NULL)
    return FALSE;
  if (info->state_hash[0] != '\0')
    {
      out_hash->seq = info->seq;
      g_strlcpy (out_hash->hash, info->state_hash, sizeof out_hash->hash);
      g_strlcpy (out_hash->format, info->state_format, sizeof out_hash->format);
    }
  return TRUE;
}

gboolean
cairn_server_snapshot_make (const char  *db_path,
                            const char  *data_dir,
                            gint64       now_ms,
                            const char  *workspace_id,
                            gint64      *out_seq,
                            gsize       *out_bytes,
                            CairnStateHash *out_hash,
                            GError     **error)
{
  g_autofree char *history_id = NULL;
  g_autofree char *chain = NULL;
  g_autofree char *path = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GBytes) previous = NULL;
  sqlite3 *db = NULL;
  gint64 head = 0, previous_seq = 0;
  CairnStateHash hash;
  gboolean ok = FALSE;

  g_return_val_if_fail (cairn_is_object_id (workspace_id), FALSE);

  if (cairn_server_core_is_database_uri (db_path))
    return make_on_database (db_path, data_dir, now_ms, workspace_id, out_seq, out_bytes,
                             out_hash, error);
  if (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
      sqlite3_busy_timeout (db, 10000) != SQLITE_OK)
    {
      maker_error (db, error, "Cannot open the server's database");
      goto out;
    }
  /* One short read transaction: the head, its chain, the history and the
   * previous snapshot are of one moment of the log. The events up to head
   * never change within a history, so catch_up() reads them a page at a
   * time, each in a read of its own, and the history is checked again
   * after: a read transaction held through a long catch-up keeps every
   * push made meanwhile in the server's WAL (no checkpoint can pass it),
   * which grew it by gigabytes at 1,000,000 events and slowed the pushes
   * (BENCHMARKS.md, "Bootstrap at a million events"). */
  if (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
    {
      maker_error (db, error, "Cannot read the log");
      goto out;
    }
  if (!read_workspace (db, workspace_id, &head, &history_id, &chain, error))
    goto out;
  previous = latest_blob (db, workspace_id, head, history_id, &previous_seq, error);
  if (previous == NULL && error != NULL && *error != NULL)
    goto out;
  if (previous != NULL && previous_seq == head)
    {
      /* nothing new since the last one */
      sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
      *out_seq = head;
      *out_bytes = g_bytes_get_size (previous);
      ok = previous_hash (previous, out_hash, error);
      goto out;
    }
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  path = work_path (data_dir, workspace_id);
  store = open_work_store (path, workspace_id, head, history_id, previous, previous_seq, error);
  if (store == NULL || !catch_up (db, store, workspace_id, head, history_id, error) ||
      !check_same_log (db, workspace_id, head, history_id, error))
    goto out;

  blob = export_work_store (store, workspace_id, chain, &hash, error);
  if (blob == NULL ||
      !store_snapshot (db, now_ms, workspace_id, head, history_id, blob, error))
    goto out;
  seal_work_store (store, path);
  *out_seq = head;
  *out_bytes = g_bytes_get_size (blob);
  if (out_hash != NULL)
    *out_hash = hash;
  ok = TRUE;

out:
  if (db != NULL && !sqlite3_get_autocommit (db))
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (db);
  return ok;
}

/* ---- on the core's connection ----------------------------------------- */

const char *
cairn_server_core_get_path (CairnServerCore *self)
{
  return self->path;
}

gboolean
cairn_server_core_snapshot_due (CairnServerCore  *self,
                                const char       *workspace_id,
                                gint64            every_events,
                                gint64            min_interval_ms,
                                gboolean         *out_due,
                                GError          **error)
{
  sqlite3_stmt *st;
  gboolean row;

  *out_due = FALSE;
  if (self->backend != NULL)
    return self->backend->snapshot_due (self, workspace_id, every_events, min_interval_ms,
                                        cairn_server_core_now (self), out_due, error);
  _cairn_core_settle (self);
  if (!(st = _cairn_core_stmt (self, "SELECT w.head - coalesce (max (s.seq), 0), "
                                     "coalesce (max (s.made_at), 0) FROM workspaces w "
                                     "LEFT JOIN snapshots s ON s.workspace_id = w.id "
                                     "AND s.history_id = w.history_id WHERE w.id = ?", error)) ||
      !_cairn_core_bind (self, st, error, "t", workspace_id) ||
      !_cairn_core_step_row (self, st, &row, error))
    return FALSE;
  if (row && sqlite3_column_type (st, 0) != SQLITE_NULL)
    *out_due = sqlite3_column_int64 (st, 0) >= every_events &&
               cairn_server_core_now (self) - sqlite3_column_int64 (st, 1) >= min_interval_ms;
  sqlite3_reset (st);
  return TRUE;
}

gboolean
_cairn_core_snapshot_own_state (CairnServerCore  *self,
                                const char       *workspace_id,
                                gint64            seq,
                                const char       *history_id,
                                CairnStateHash   *out,
                                gboolean         *out_found,
                                GError          **error)
{
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(CairnSnapshotInfo) info = NULL;
  g_autoptr(GError) inner = NULL;
  gint64 snap_seq = 0;

  *out_found = FALSE;
  memset (out, 0, sizeof *out);
  if (self->backend != NULL)
    {
      blob = self->backend->snapshot_base (self, workspace_id, seq, history_id, &snap_seq, error);
      if (blob == NULL)
        return error == NULL || *error == NULL;
    }
  else
    {
      sqlite3_stmt *st;
      gboolean row;

      if (!(st = _cairn_core_stmt (self, "SELECT blob FROM snapshots WHERE workspace_id = ? "
                                         "AND seq <= ? AND history_id = ? ORDER BY seq DESC LIMIT 1",
                                   error)) ||
          !_cairn_core_bind (self, st, error, "tit", workspace_id, seq, history_id) ||
          !_cairn_core_step_row (self, st, &row, error))
        return FALSE;
      if (!row)
        return TRUE;
      blob = g_bytes_new (sqlite3_column_blob (st, 0), sqlite3_column_bytes (st, 0));
      sqlite3_reset (st);
    }
  /* Our own storage: a damaged one is logged, and the reports go on
   * being compared between devices. */
  info = cairn_snapshot_parse (blob, &inner);
  if (info == NULL)
    {
      g_warning ("The stored snapshot of workspace %s below seq %" G_GINT64_FORMAT
                 " cannot be read: %s", workspace_id, seq, inner->message);
      return TRUE;
    }
  if (info->state_hash[0] == '\0')
    return TRUE;
  out->seq = info->seq;
  g_strlcpy (out->hash, info->state_hash, sizeof out->hash);
  g_strlcpy (out->format, info->state_format, sizeof out->format);
  *out_found = TRUE;
  return TRUE;
}

GBytes *
cairn_server_core_snapshot_latest (CairnServerCore  *self,
                                   const CairnAuth  *auth,
                                   const char       *workspace_id,
                                   gint64           *out_seq,
                                   GError          **error)
{
  sqlite3_stmt *st;
  gboolean row;
  gint64 head = 0;
  g_autofree char *history_id = NULL;
  GBytes *blob = NULL;

  _cairn_core_settle (self);
  if (!cairn_server_core_head (self, auth, workspace_id, &head, &history_id, error))
    return NULL;
  if (self->backend != NULL)
    {
      guint dropped = 0;

      blob = self->backend->snapshot_latest (self, workspace_id, head, history_id, &dropped,
                                             out_seq, error);
      if (dropped > 0)
        g_warning ("Dropped %u snapshots of workspace %s that were ahead of its log (at seq %"
                   G_GINT64_FORMAT "): restored from an older backup?", dropped, workspace_id, head);
      return blob;
    }
  /* A snapshot ahead of the log or of another history: the data folder was
   * restored from a backup older than it (or its log was reset). The log
   * is the truth: such snapshots go, and are made again from the log. */
  if (!(st = _cairn_core_stmt (self, "DELETE FROM snapshots WHERE workspace_id = ? "
                                     "AND (seq > ? OR history_id <> ?)", error)) ||
      !_cairn_core_bind (self, st, error, "tit", workspace_id, head, history_id) ||
      !_cairn_core_step_done (self, st, error))
    return NULL;
  if (sqlite3_changes (self->db) > 0)
    g_warning ("Dropped %d snapshots of workspace %s that were ahead of its log (at seq %"
               G_GINT64_FORMAT "): restored from an older backup?",
               sqlite3_changes (self->db), workspace_id, head);
  if (!(st = _cairn_core_stmt (self, "SELECT seq, blob FROM snapshots WHERE workspace_id = ? "
                                     "ORDER BY seq DESC LIMIT 1", error)) ||
      !_cairn_core_bind (self, st, error, "t", workspace_id) ||
      !_cairn_core_step_row (self, st, &row, error))
    return NULL;
  if (!row)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "This workspace has no snapshot yet");
      return NULL;
    }
  *out_seq = sqlite3_column_int64 (st, 0);
  blob = g_bytes_new (sqlite3_column_blob (st, 1), sqlite3_column_bytes (st, 1));
  sqlite3_reset (st);
  return blob;
}

CairnPullReply *
cairn_server_core_object_events (CairnServerCore  *self,
                                 const CairnAuth  *auth,
                                 const char       *workspace_id,
                                 const char       *object_id,
                                 gint64            before,
                                 guint             limit,
                                 GError          **error)
{
  g_autoptr(CairnPullReply) reply = g_new0 (CairnPullReply, 1);
  g_autofree char *quoted = NULL;
  sqlite3_stmt *st;
  gboolean row;

  g_return_val_if_fail (limit > 0, NULL);

  if (!cairn_is_object_id (object_id))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_PARAMETER,
                   "object is not an object id");
      return NULL;
    }
  if (!cairn_server_core_head (self, auth, workspace_id, &reply->head, &reply->history_id, error))
    return NULL;
  if (self->backend != NULL)
    return self->backend->object_events (self, workspace_id, object_id, before, limit, reply, error)
           ? g_steal_pointer (&reply) : NULL;
  /* An id is quoted in the args of every event that names it (todo_id,
   * list_id, note_id, parent_id …). A scan of the workspace's log before
   * `before`, newest first: history is asked for one object at a time. */
  quoted = g_strdup_printf ("\"%s\"", object_id);
  reply->events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  if (!(st = _cairn_core_stmt (self, "SELECT seq, client_id, client_seq, name, version, args, "
                                     "created_at, device, chain FROM events WHERE workspace_id = ? "
                                     "AND seq < ? AND instr (args, ?) > 0 ORDER BY seq DESC LIMIT ?",
                               error)) ||
      !_cairn_core_bind (self, st, error, "titi", workspace_id, before, quoted, (gint64) limit + 1))
    return NULL;
  for (;;)
    {
      CairnWireEvent *ev;

      if (!_cairn_core_step_row (self, st, &row, error))
        return NULL;
      if (!row)
        break;
      if (reply->events->len == limit)
        {
          reply->more = TRUE;
          sqlite3_reset (st);
          break;
        }
      ev = cairn_wire_event_new (_cairn_core_col_text (st, 3), sqlite3_column_int64 (st, 4),
                                 _cairn_core_col_text (st, 5), _cairn_core_col_text (st, 1),
                                 sqlite3_column_int64 (st, 2), sqlite3_column_int64 (st, 6));
      ev->seq = sqlite3_column_int64 (st, 0);
      if (sqlite3_column_type (st, 7) != SQLITE_NULL)
        ev->device = g_strdup (_cairn_core_col_text (st, 7));
      if (sqlite3_column_type (st, 8) != SQLITE_NULL)
        ev->chain = g_strdup (_cairn_core_col_text (st, 8));
      g_ptr_array_insert (reply->events, 0, ev);
    }
  return g_steal_pointer (&reply);
}

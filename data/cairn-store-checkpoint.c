/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-checkpoint.c: WAL checkpoints on a worker thread.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that pushes the WAL
 * past 1,000 pages, i.e. on whatever thread commits: in the app, the main
 * thread, in the middle of a keystroke. Instead the store installs its own
 * WAL hook (which replaces the automatic checkpoint: the two are the same
 * slot, see sqlite3_wal_hook()) that only wakes a worker thread; the worker
 * runs a PASSIVE checkpoint on its own connection, at a quiet moment: when
 * no commit came for QUIET_US (or the WAL has grown past HARD_PAGES).
 * PASSIVE never waits for readers or writers: it copies what it can, and
 * the next writer starts the WAL over once everything was copied. Running
 * it while commits go on costs them: a trial with a checkpoint every 1,000
 * pages during keystroke commits 20 ms apart had commits sleep in SQLite's
 * lock retries, and the WAL never started over (each checkpoint ended
 * with newer frames in it), growing by 1,000 pages per checkpoint. The thread is started when the
 * first checkpoint is wanted, so short-lived stores (cairn-cli) rarely
 * have one. Closing the last connection still checkpoints and removes the
 * WAL as SQLite always does.
 */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include "cairn-store-private.h"

/* The WAL size, in pages, from which a checkpoint is asked for (SQLite's
 * own automatic checkpoint uses the same figure). */
#define CHECKPOINT_PAGES 1000
/* No commit for this long: a quiet moment (typing commits come every
 * keystroke burst; a pause to think is longer). */
#define QUIET_US (200 * G_TIME_SPAN_MILLISECOND)
/* Past this (32 MiB of 4 KiB pages) the checkpoint runs without waiting. */
#define HARD_PAGES 8000

struct _CairnCheckpointer
{
  sqlite3 *db;        /* the store's connection (the hook is on it) */
  char    *path;
  GMutex   mutex;
  GCond    cond;
  GThread *thread;
  gboolean wanted;
  gint64   last_commit;  /* monotonic time of the last commit past CHECKPOINT_PAGES */
  int      n_pages;      /* the WAL's size after it */
  int      asked_at;  /* WAL size when a checkpoint was last asked for (0: not since it started over) */
  gboolean quit;
  guint    n_done;    /* checkpoints run, for tests */
};

static void
run_checkpoint (sqlite3    *db,
                const char *path)
{
  int n_log = 0, n_done = 0;
  int rc = sqlite3_wal_checkpoint_v2 (db, NULL, SQLITE_CHECKPOINT_PASSIVE, &n_log, &n_done);

  /* BUSY: another checkpoint (another process's) is running: it does the
   * same work. */
  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    g_warning ("Cannot checkpoint the write-ahead log of “%s”: %s", path, sqlite3_errmsg (db));
  else
    g_debug ("Checkpoint of “%s”: %d of %d pages", path, n_done, n_log);
}

static gpointer
checkpoint_thread (gpointer data)
{
  CairnCheckpointer *self = data;
  sqlite3 *db = NULL;
  int rc;

  /* Its own connection: a checkpoint on the store's connection would have
   * to share its thread. Never creates the file. */
  rc = sqlite3_open_v2 (self->path, &db, SQLITE_OPEN_READWRITE, NULL);
  /* Reading the journal mode takes a lock another process may hold for a
   * moment. (A PASSIVE checkpoint itself never waits: SQLite does not
   * call the busy handler for it.) */
  if (rc == SQLITE_OK)
    rc = sqlite3_busy_timeout (db, CAIRN_STORE_BUSY_TIMEOUT_MS);
  /* A new connection finds the file in WAL mode only once it reads it;
   * until then a checkpoint does nothing. */
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "PRAGMA journal_mode", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      g_warning ("Cannot open “%s” to checkpoint it: %s", self->path,
                 db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      sqlite3_close (db);
      db = NULL;
    }

  g_mutex_lock (&self->mutex);
  for (;;)
    {
      while (!self->wanted && !self->quit)
        g_cond_wait (&self->cond, &self->mutex);
      /* Wait for a quiet moment; every commit wakes us to look again. */
      while (!self->quit && self->n_pages < HARD_PAGES &&
             g_get_monotonic_time () - self->last_commit < QUIET_US)
        g_cond_wait_until (&self->cond, &self->mutex, self->last_commit + QUIET_US);
      if (self->quit)
        break;
      self->wanted = FALSE;
      g_mutex_unlock (&self->mutex);
      if (db != NULL)
        run_checkpoint (db, self->path);
      g_mutex_lock (&self->mutex);
      self->n_done++;
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->mutex);

  if (db != NULL && sqlite3_close (db) != SQLITE_OK)
    g_warning ("Cannot close the checkpoint connection of “%s”", self->path);
  return NULL;
}

/* Runs on the committing thread, after every commit, with the WAL's size. */
static int
wal_hook (void       *data,
          sqlite3    *db,
          const char *name,
          int         n_pages)
{
  CairnCheckpointer *self = data;

  /* Once per 1,000 pages of growth: the commits that follow a request
   * until the checkpoint is done and the WAL starts over must not ask
   * again (each checkpoint costs two fsyncs). */
  if (n_pages < self->asked_at)
    self->asked_at = 0;
  if (n_pages < CHECKPOINT_PAGES)
    return SQLITE_OK;

  g_mutex_lock (&self->mutex);
  self->last_commit = g_get_monotonic_time ();
  self->n_pages = n_pages;
  if (self->asked_at == 0 || n_pages >= self->asked_at + CHECKPOINT_PAGES)
    {
      self->asked_at = n_pages;
      if (self->thread == NULL)
        self->thread = g_thread_new ("cairn-checkpoint", checkpoint_thread, self);
      self->wanted = TRUE;
    }
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
  return SQLITE_OK;
}

CairnCheckpointer *
_cairn_checkpointer_new (sqlite3    *db,
                         const char *path)
{
  CairnCheckpointer *self = g_new0 (CairnCheckpointer, 1);

  self->db = db;
  self->path = g_strdup (path);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  sqlite3_wal_hook (db, wal_hook, self);
  return self;
}

void
_cairn_checkpointer_free (CairnCheckpointer *self)
{
  if (self == NULL)
    return;

  sqlite3_wal_hook (self->db, NULL, NULL);
  g_mutex_lock (&self->mutex);
  self->quit = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
  if (self->thread != NULL)
    g_thread_join (self->thread);

  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->path);
  g_free (self);
}

guint
_cairn_checkpointer_wait (CairnCheckpointer *self,
                          guint              n_done)
{
  guint done;

  g_mutex_lock (&self->mutex);
  while (self->n_done < n_done && self->thread != NULL)
    g_cond_wait (&self->cond, &self->mutex);
  done = self->n_done;
  g_mutex_unlock (&self->mutex);
  return done;
}

gboolean
cairn_store_checkpoint (CairnStore  *self,
                        GError     **error)
{
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);

  rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
  /* BUSY: a reader or the worker's checkpoint is in the way; the next
   * call copies what is left. */
  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    {
      _cairn_store_set_error (self, error, "Cannot checkpoint");
      return FALSE;
    }
  return TRUE;
}

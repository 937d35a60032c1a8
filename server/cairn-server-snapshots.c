/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-snapshots.c: when the server makes snapshots (a worker
 * thread per workspace, after enough pushes), and the routes that serve
 * them: GET /v1/workspaces/{ws}/snapshot and the history of one object
 * (GET /v1/workspaces/{ws}/events?object=ID&before=SEQ). docs/server.md.
 */
#define G_LOG_DOMAIN "cairn-server"
#include "config.h"

#include <glib/gstdio.h>

#include "cairn-ids.h"
#include "cairn-snapshot.h"
#include "cairn-server-private.h"

struct _CairnServerSnapshots
{
  GMutex      lock;
  GCond       idle;
  guint       running;        /* makers on worker threads */
  GHashTable *busy;           /* workspace ids with a maker running */
  GHashTable *since_check;    /* workspace id -> events pushed since the last check (gint64*) */
  char       *db_path;
  char       *data_dir;
  /* The makers' state hashes, for the core on the main thread. */
  CairnServerCore *core;
  GPtrArray  *own_states;     /* OwnState*, under lock */
  guint       own_states_idle; /* the idle that hands them over, under lock */
  gboolean    own_data_dir;   /* data_dir is a temporary folder of ours */
  gint64      every_events;
  gint64      min_interval_ms;
};

static gint64
env_int (const char *name,
         gint64      fallback)
{
  const char *value = g_getenv (name);

  return value != NULL ? g_ascii_strtoll (value, NULL, 10) : fallback;
}

typedef struct
{
  char           *workspace_id;
  CairnStateHash  hash;
} OwnState;

static void
own_state_free (OwnState *own)
{
  g_free (own->workspace_id);
  g_free (own);
}

/* On the main thread (the core's): the makers' hashes become the core's
 * own state at their seqs, so that a device's report there is judged by
 * it (cairn_server_core_set_own_state()). */
static gboolean
hand_over_own_states (gpointer data)
{
  CairnServerSnapshots *self = data;
  g_autoptr(GPtrArray) done = NULL;

  g_mutex_lock (&self->lock);
  done = g_steal_pointer (&self->own_states);
  self->own_states = g_ptr_array_new_with_free_func ((GDestroyNotify) own_state_free);
  self->own_states_idle = 0;
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < done->len; i++)
    {
      OwnState *own = done->pdata[i];

      cairn_server_core_set_own_state (self->core, own->workspace_id, own->hash.seq,
                                       own->hash.format, own->hash.hash);
    }
  return G_SOURCE_REMOVE;
}

/* The makers' private stores in a temporary folder: DIR/snapshots/WS.db
 * and their -wal and -shm files. */
static void
remove_temporary_dir (const char *dir)
{
  g_autofree char *sub = g_build_filename (dir, "snapshots", NULL);
  g_autoptr(GDir) d = g_dir_open (sub, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (sub, name, NULL);

      g_unlink (path);
    }
  g_rmdir (sub);
  g_rmdir (dir);
}

CairnServerSnapshots *
_cairn_server_snapshots_new (CairnServerCore *core)
{
  CairnServerSnapshots *self = g_new0 (CairnServerSnapshots, 1);

  g_mutex_init (&self->lock);
  g_cond_init (&self->idle);
  self->busy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->since_check = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (cairn_server_core_get_database_uri (core) != NULL)
    {
      /* PostgreSQL: the maker reads the log through a core of its own on
       * the same URI; its private stores go to a folder of this process. */
      self->db_path = g_strdup (cairn_server_core_get_database_uri (core));
      /* made with the first maker (_cairn_server_snapshots_pushed()) */
      self->data_dir = NULL;
    }
  else
    {
      self->db_path = g_strdup (cairn_server_core_get_path (core));
      self->data_dir = g_path_get_dirname (self->db_path);
    }
  self->core = core;
  self->own_states = g_ptr_array_new_with_free_func ((GDestroyNotify) own_state_free);
  /* The thresholds (docs/server.md); the variables are for tests. */
  self->every_events = MAX (1, env_int ("CAIRN_SERVER_SNAPSHOT_EVERY", CAIRN_CORE_SNAPSHOT_EVERY_EVENTS));
  self->min_interval_ms = MAX (0, env_int ("CAIRN_SERVER_SNAPSHOT_INTERVAL_MS",
                                           CAIRN_CORE_SNAPSHOT_MIN_INTERVAL_MS));
  return self;
}

/* Waits for the makers still running (their snapshots are stored). */
void
_cairn_server_snapshots_free (CairnServerSnapshots *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  while (self->running > 0)
    g_cond_wait (&self->idle, &self->lock);
  g_mutex_unlock (&self->lock);
  /* The core outlives this: what the makers left is handed over now. */
  if (self->own_states_idle != 0)
    {
      g_source_remove (self->own_states_idle);
      hand_over_own_states (self);
    }
  g_ptr_array_unref (self->own_states);
  if (self->own_data_dir)
    remove_temporary_dir (self->data_dir);
  g_hash_table_unref (self->busy);
  g_hash_table_unref (self->since_check);
  g_free (self->db_path);
  g_free (self->data_dir);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->idle);
  g_free (self);
}

typedef struct
{
  CairnServerSnapshots *owner;
  char                 *workspace_id;
  gint64                now_ms;
} MakerJob;

static gpointer
maker_thread (gpointer data)
{
  MakerJob *job = data;
  CairnServerSnapshots *self = job->owner;
  g_autoptr(GError) error = NULL;
  gint64 seq = 0;
  gsize bytes = 0;
  CairnStateHash hash = { 0 };
  gint64 started = g_get_monotonic_time ();

  cairn_server_snapshot_thread_lower_priority ();
  if (cairn_server_snapshot_make (self->db_path, self->data_dir, job->now_ms, job->workspace_id,
                                  &seq, &bytes, &hash, &error))
    {
      if (hash.hash[0] != '\0')
        {
          OwnState *own = g_new0 (OwnState, 1);

          own->workspace_id = g_strdup (job->workspace_id);
          own->hash = hash;
          g_mutex_lock (&self->lock);
          g_ptr_array_add (self->own_states, own);
          if (self->own_states_idle == 0)
            self->own_states_idle = g_idle_add (hand_over_own_states, self);
          g_mutex_unlock (&self->lock);
        }
      if (!_cairn_server_quiet_log)
        g_message ("Snapshot of workspace %s at seq %" G_GINT64_FORMAT ": %" G_GSIZE_FORMAT
                   " bytes in %.2f s", job->workspace_id, seq, bytes,
                   (g_get_monotonic_time () - started) / 1e6);
    }
  else
    g_warning ("Cannot make a snapshot of workspace %s: %s", job->workspace_id, error->message);

  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->busy, job->workspace_id);
  if (--self->running == 0)
    g_cond_broadcast (&self->idle);
  g_mutex_unlock (&self->lock);
  g_free (job->workspace_id);
  g_free (job);
  return NULL;
}

/* After a group commit: count the workspace's new events, and when enough
 * arrived since the last check, ask the core whether a snapshot is due
 * and start a maker on a thread of its own (pushes never wait for it). */
void
_cairn_server_snapshots_pushed (Server     *server,
                                const char *workspace_id,
                                guint       n_events)
{
  CairnServerSnapshots *self = server->snapshots;
  g_autoptr(GError) error = NULL;
  gint64 *count;
  gboolean due = FALSE;
  MakerJob *job;
  GThread *thread;

  if (self == NULL || n_events == 0)
    return;
  count = g_hash_table_lookup (self->since_check, workspace_id);
  if (count == NULL)
    {
      count = g_new0 (gint64, 1);
      g_hash_table_insert (self->since_check, g_strdup (workspace_id), count);
    }
  *count += n_events;
  if (*count < self->every_events)
    return;
  *count = 0;

  g_mutex_lock (&self->lock);
  if (g_hash_table_contains (self->busy, workspace_id))
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  g_mutex_unlock (&self->lock);
  if (!cairn_server_core_snapshot_due (server->core, workspace_id, self->every_events,
                                       self->min_interval_ms, &due, &error))
    {
      g_warning ("Cannot tell whether workspace %s needs a snapshot: %s", workspace_id, error->message);
      return;
    }
  if (!due)
    return;

  if (self->data_dir == NULL)
    {
      /* PostgreSQL: the makers' private stores, in a folder of this
       * process (removed at exit) */
      self->data_dir = g_dir_make_tmp ("cairn-server-snapshots-XXXXXX", &error);
      if (self->data_dir == NULL)
        {
          g_warning ("Cannot make a snapshot of workspace %s: %s", workspace_id, error->message);
          return;
        }
      self->own_data_dir = TRUE;
    }
  job = g_new0 (MakerJob, 1);
  job->owner = self;
  job->workspace_id = g_strdup (workspace_id);
  job->now_ms = cairn_server_core_now (server->core);
  g_mutex_lock (&self->lock);
  g_hash_table_add (self->busy, g_strdup (workspace_id));
  self->running++;
  g_mutex_unlock (&self->lock);
  thread = g_thread_new ("cairn-snapshot", maker_thread, job);
  g_thread_unref (thread);
}

/* GET /v1/workspaces/{ws}/snapshot: the blob as it is stored (it checks
 * itself), its seq in a header. Members only (404 otherwise, like every
 * workspace route); 404 too while the workspace has none. */
void
_cairn_server_handle_snapshot (Server            *self,
                               SoupServerMessage *msg,
                               CairnAuth         *auth,
                               const char        *ws)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autofree char *seq_text = NULL;
  SoupMessageHeaders *headers;
  gint64 seq = 0;

  if (!g_str_equal (soup_server_message_get_method (msg), "GET"))
    return _cairn_server_answer_method_not_allowed (msg, "GET");
  blob = cairn_server_core_snapshot_latest (self->core, auth, ws, &seq, &error);
  if (blob == NULL)
    return _cairn_server_answer_gerror (msg, error);
  if ((gint64) g_bytes_get_size (blob) > CAIRN_SNAPSHOT_MAX_BYTES)
    return _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_INTERNAL,
                                       "The snapshot is larger than clients load");
  headers = soup_server_message_get_response_headers (msg);
  seq_text = g_strdup_printf ("%" G_GINT64_FORMAT, seq);
  soup_message_headers_replace (headers, "X-Cairn-Snapshot-Seq", seq_text);
  soup_message_headers_set_content_length (headers, g_bytes_get_size (blob));
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_set_content_type (headers, "application/vnd.cairn.snapshot", NULL);
  /* libsoup writes the body from these bytes as the socket takes it. */
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), blob);
}

/* GET /v1/workspaces/{ws}/events?object=ID&before=SEQ[&limit=N]. */
void
_cairn_server_handle_object_events (Server            *self,
                                    SoupServerMessage *msg,
                                    CairnAuth         *auth,
                                    const char        *ws,
                                    GHashTable        *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPullReply) reply = NULL;
  const char *object = g_hash_table_lookup (query, "object");
  const char *before_text = g_hash_table_lookup (query, "before");
  gint64 before = G_MAXINT64;
  guint limit;
  gsize len = 0;
  char *text;

  if (!cairn_server_core_check_member (self->core, auth, ws, &error))
    return _cairn_server_answer_gerror (msg, error);
  if (object == NULL || !cairn_is_object_id (object))
    return _cairn_server_answer_error (msg, CAIRN_PROTOCOL_ERROR_INVALID_PARAMETER,
                                       "object must be an object id");
  if (before_text != NULL &&
      !cairn_protocol_parse_after (before_text, &before, &error))
    return _cairn_server_answer_gerror (msg, error);
  if (!cairn_protocol_parse_limit (g_hash_table_lookup (query, "limit"), &limit, &error) ||
      !(reply = cairn_server_core_object_events (self->core, auth, ws, object, before, limit, &error)))
    return _cairn_server_answer_gerror (msg, error);
  text = cairn_protocol_pull_reply_to_text (reply, &len);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
}

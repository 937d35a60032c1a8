/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-private.h: what the cairn-store-*.c files share, plus test hooks. */
#pragma once

#include "cairn-store.h"
#include "cairn-event-private.h"
#include "cairn-store-hash.h"

G_BEGIN_DECLS

#define CAIRN_STORE_SCHEMA_VERSION 16
/* PRAGMA application_id of a Cairn workspace file ("Crn1"). */
#define CAIRN_STORE_APPLICATION_ID 0x43726e31
/* How long every connection to a workspace file waits for another
 * process's lock before failing with SQLITE_BUSY (docs/store.md). */
#define CAIRN_STORE_BUSY_TIMEOUT_MS 5000

#include "cairn-sqlite.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_session, sqlite3session_delete)

struct _CairnStore
{
  GObject      parent_instance;

  sqlite3     *db;
  char        *path;
  char        *client_id;
  char        *history_id;
  gint64       head;
  gint64       next_client_seq;
  guint        pending_count;
  GHashTable  *stmts;           /* SQL text -> cached sqlite3_stmt */
  GHashTable  *static_stmts;    /* address of static SQL text -> the same statements */
  GHashTable  *table_keys;      /* state table -> GBytes, its primary-key flags */
  JsonParser  *parser;
  gint64       data_version;    /* PRAGMA data_version when meta was last read */
  GHashTable  *text_cache;      /* note id -> decoded CRDT (cairn-store-text.c) */
  guint        text_cache_max;  /* 0: TEXT_CACHE_MAX (cairn_store_set_text_cache_size()) */
  /* Bumped by anything that may change a notes row (reducers of the notes
   * table, changesets naming it, rollback and every reload of the cursor):
   * check_live_note() remembers the note it found live at one value, so
   * that a burst of typing does not look the (long) row up every time. */
  guint64      note_rows_serial;
  char        *live_note;
  guint64      live_note_serial;
  CairnChanges *external;       /* another connection's commits, not yet emitted */
  GFileMonitor *wal_monitor;    /* cairn_store_watch_external() */
  GSource     *body_source;     /* the lazy write of notes.body (cairn-store-text.c) */
  struct _CairnCheckpointer *checkpointer;  /* WAL checkpoints off this thread */
  guint        needs_update : 1;
  guint        bodies_stale : 1; /* a committed change left notes.body behind */
  guint        in_transaction : 1;
  /* The local sync tables (cairn-store-sync.c) exist. Made inside a
   * transaction, they go if it is rolled back: so does this. */
  guint        sync_tables_ready : 1;
  /* FALSE only when parked is known to be empty (so that a create need
   * not look for events waiting for it); set again by anything that may
   * have parked one: park(), a rollback, another process's commit. */
  guint        parked_maybe : 1;

  /* A rebase that found our client id in use by another replica
   * (cairn-store-fork.c): events of ours from client seq fork_seq on are
   * that replica's, and fork_client_id is the id this store takes. */
  gint64       fork_seq;
  char        *fork_client_id;
  /* Its old text client id and, per note, the first counter its pending
   * ops made there (note id -> guint32*): prep_ while the rebase runs,
   * forked_ once it committed (for editors' unsaved typing). */
  char        *fork_prep_text;
  GHashTable  *fork_prep_firsts;
  char        *forked_text;
  GHashTable  *forked_firsts;

  guint        rollback_count;  /* test hook: times rebase rolled pending back */
  guint        text_reads;      /* test hook: CRDTs decoded from the file (issue 17) */
  /* Commits of this connection, and how many of them the last
   * cairn_store_sync_to_disk() made durable. */
  guint64      n_commits;
  guint64      n_commits_synced;

  /* Undo (cairn-store-undo.c): the action commits are recorded into now
   * (0: each commit makes its own), begin_action's nesting, whether undo
   * or redo is committing (not recorded), whether the next typing starts
   * a new action, and each state table's column names. */
  gint64       undo_action;
  guint        undo_depth;
  gboolean     undo_applying;
  gboolean     undo_break;
  GHashTable  *undo_columns;

  /* A large rebase (issue 17, cairn-store-tail.c): the log_objects_add
   * trigger is set aside and _cairn_store_insert_log() writes the log
   * rows without their index rows, noting the seqs it left out
   * (tail_gap_from..tail_gap_to, 0: none) for meta's gap; the chain of
   * the last log row it wrote (tail_chain_seq 0: none; tail_chain "" :
   * that row's chain is NULL). */
  gboolean     log_index_by_hand;
  gint64       tail_chain_seq;
  char         tail_chain[33];
  GHashTable  *tail_lists;      /* list ids found to exist, during one */
  gint64       tail_gap_from;
  gint64       tail_gap_to;
  gboolean     history_gap_new;  /* a batch of this transaction made one */
  /* The history index's gap filled a step at a time when the main loop
   * is idle (cairn-store-history.c). */
  GSource     *history_source;
  gboolean     history_idle;     /* it is the idle steps' source */
  gboolean     idle_work;        /* cairn_store_set_idle_work () */
};

/* Undo (cairn-store-undo.c; issue 15). The tables of schema 14; the
 * record of one local event, inside its commit's transaction; the end of
 * a commit (its action is complete unless begin_action groups); and a
 * commit of several events of any names, as undo and redo make. */
#define CAIRN_STORE_UNDO_TABLES_SQL \
  "CREATE TABLE undo_actions (" \
  "  id INTEGER PRIMARY KEY," \
  "  undone INTEGER NOT NULL DEFAULT 0," \
  "  kind TEXT," \
  "  head INTEGER NOT NULL," \
  "  created_at INTEGER NOT NULL," \
  "  last_at INTEGER NOT NULL" \
  ");" \
  "CREATE TABLE undo_fields (" \
  "  action_id INTEGER NOT NULL," \
  "  n INTEGER NOT NULL," \
  "  tbl TEXT NOT NULL," \
  "  row_id TEXT NOT NULL," \
  "  col TEXT NOT NULL," \
  "  old," \
  "  new," \
  "  PRIMARY KEY (action_id, n)" \
  ") WITHOUT ROWID;" \
  "CREATE TABLE undo_text_aliases (" \
  "  tbl TEXT NOT NULL," \
  "  row_id TEXT NOT NULL," \
  "  orig TEXT NOT NULL," \
  "  copy TEXT NOT NULL," \
  "  PRIMARY KEY (tbl, row_id, orig)" \
  ") WITHOUT ROWID;"
gboolean      _cairn_store_undo_record     (CairnStore       *self,
                                            const CairnEvent *event,
                                            GBytes           *changeset,
                                            GError          **error);
void          _cairn_store_undo_commit_end (CairnStore       *self);
CairnText    *_cairn_store_load_text_any   (CairnStore       *self,
                                            gboolean          is_note,
                                            const char       *id,
                                            GError          **error);
typedef gboolean (*CairnStoreInTransaction) (CairnStore *self, gpointer data, GError **error);
/* names: char*, versions: guint, args: JsonObject*; @extra (nullable)
 * runs inside the same transaction after them. @refused (nullable): an
 * event the checks refuse (CAIRN_EVENT_ERROR) is left out and its index
 * added there, instead of failing the whole batch. */
gboolean      _cairn_store_commit_batch    (CairnStore              *self,
                                            GPtrArray               *names,
                                            GArray                  *versions,
                                            GPtrArray               *args,
                                            GArray                  *refused,
                                            CairnStoreInTransaction  extra,
                                            gpointer                 extra_data,
                                            GError                 **error);

/* Errors */
void          _cairn_store_set_error       (CairnStore   *self,
                                            GError      **error,
                                            const char   *what);

/* Statements: cached, reset and with bindings cleared. Never finalize them. */
sqlite3_stmt *_cairn_store_prepare         (CairnStore   *self,
                                            const char   *sql,
                                            GError      **error);
/* The same for SQL text in static storage (literals, static tables),
 * found by its address: no hashing of the text. Never pass text that is
 * freed or changed later. */
sqlite3_stmt *_cairn_store_prepare_static  (CairnStore   *self,
                                            const char   *sql,
                                            GError      **error);
gboolean      _cairn_store_exec            (CairnStore   *self,
                                            const char   *sql,
                                            GError      **error);
/* "PRAGMA @name" read as an integer, and "PRAGMA @name = @value"; @what
 * names the setting in error messages ("the size of the page cache"). */
gboolean      _cairn_store_get_pragma      (CairnStore   *self,
                                            const char   *name,
                                            const char   *what,
                                            gint64       *out,
                                            GError      **error);
gboolean      _cairn_store_set_pragma      (CairnStore   *self,
                                            const char   *name,
                                            const char   *what,
                                            gint64        value,
                                            GError      **error);
/* Steps a statement that must finish without rows. */
gboolean      _cairn_store_step_done       (CairnStore   *self,
                                            sqlite3_stmt *stmt,
                                            GError      **error);
/* 1 when @sql (one parameter, ?1: @id) finds a row, 0 when it finds none,
 * -1 on error (@what says what was being read). */
int           _cairn_store_query_finds     (CairnStore   *self,
                                            const char   *sql,
                                            const char   *id,
                                            const char   *what,
                                            GError      **error);

gboolean      _cairn_store_begin           (CairnStore   *self,
                                            GError      **error);
gboolean      _cairn_store_end             (CairnStore   *self,
                                            GError      **error);
void          _cairn_store_rollback        (CairnStore   *self);

/* A session recording writes to the state tables (lists, todos, notes).
 * Sessions use the pre-update hook: nothing else in Cairn may install one. */
sqlite3_session *_cairn_store_session_new  (CairnStore   *self,
                                            GError      **error);
gboolean      _cairn_store_session_take    (CairnStore      *self,
                                            sqlite3_session *session,
                                            GBytes         **changeset,
                                            GError         **error);

/* One-row changesets (cairn-store-changeset.c): a row as it is now
 * (exists FALSE if there is none), and the changeset that turns one image
 * of a row into another, identical to what a session would record. */
typedef struct _CairnRowImage CairnRowImage;
CairnRowImage *_cairn_row_image_read       (CairnStore   *self,
                                            const char   *table,
                                            const char   *id,
                                            GError      **error);
void          _cairn_row_image_free        (CairnRowImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnRowImage, _cairn_row_image_free)
GBytes       *_cairn_changeset_encode      (CairnStore          *self,
                                            const char          *table,
                                            const CairnRowImage *before,
                                            const CairnRowImage *after);

/* Schema (cairn-store-schema.c): opens path, refusing newer and foreign
 * files without writing to them, and migrates to the current version. */
sqlite3      *_cairn_store_open_db         (const char   *path,
                                            GError      **error);

/* Events in rows (cairn-store-log.c) */
JsonObject   *_cairn_store_parse_args      (CairnStore   *self,
                                            const char   *json,
                                            GError      **error);
gboolean      _cairn_store_load_meta       (CairnStore   *self,
                                            GError      **error);
/* The same after events were only appended to the log (a rebase) since
 * meta was loaded: keeps needs_update, set if one of them was skipped,
 * instead of scanning the whole log for skipped events. */
gboolean      _cairn_store_load_meta_after_append (CairnStore  *self,
                                                   gboolean     appended_skipped,
                                                   GError     **error);
gboolean      _cairn_store_save_cursor     (CairnStore   *self,
                                            GError      **error);
gboolean      _cairn_store_insert_log      (CairnStore       *self,
                                            const CairnEvent *event,
                                            gboolean          skipped,
                                            GError          **error);
/* Binds the event's fields to the statement's parameters of the same
 * names (:seq, :client_id, :args …; any subset). @args_json: the args as
 * cairn_event_dup_args_json() writes them, or NULL to have them written. */
gboolean      _cairn_store_bind_event      (CairnStore       *self,
                                            sqlite3_stmt     *stmt,
                                            const CairnEvent *event,
                                            const char       *args_json,
                                            GError          **error);
/* The event in the row @stmt is on; columns: name, version, args,
 * client_id, client_seq, created_at, seq, device. */
CairnEvent   *_cairn_store_event_from_row  (CairnStore       *self,
                                            sqlite3_stmt     *stmt,
                                            GError          **error);
/* Pending rows, oldest first, with their changesets (parallel arrays). */
GPtrArray    *_cairn_store_load_pending    (CairnStore   *self,
                                            GPtrArray   **changesets,
                                            GError      **error);

/* Reducers (cairn-store-reducers.c). Applies one event to the state
 * tables: unknown name/version sets *skipped and changes nothing; a known
 * event with bad args changes nothing (with a warning). changes, if not
 * NULL, receives the id of the row written. FALSE only when SQLite fails. */
gboolean      _cairn_store_apply_event     (CairnStore       *self,
                                            const CairnEvent *event,
                                            CairnChanges     *changes,
                                            gboolean         *skipped,
                                            GError          **error);

/* The same for an event read from the log whose args the light reader
 * took (rebuild), without building the event or a JsonObject when it has a
 * one-row reducer and the newest version. Records nothing. */
gboolean      _cairn_store_apply_flat      (CairnStore          *self,
                                            const char          *name,
                                            guint                version,
                                            const CairnFlatArgs *args,
                                            gint64               created_at,
                                            gint64               seq,
                                            const char          *client_id,
                                            gint64               client_seq,
                                            gboolean            *skipped,
                                            GError             **error);

/* A string member of an event's args (a JsonObject), NULL when it is
 * absent or not a string. */
const char   *_cairn_store_json_arg (gconstpointer args, const char *member);

/* The same, also returning in *changeset the changeset of what the event
 * wrote to the state tables (empty if nothing). Events of the one-row
 * reducers encode it themselves (cairn-store-changeset.c); any other event
 * is recorded by a session. */
gboolean      _cairn_store_apply_event_recorded (CairnStore       *self,
                                                 const CairnEvent *event,
                                                 CairnChanges     *changes,
                                                 gboolean         *skipped,
                                                 GBytes          **changeset,
                                                 GError          **error);

/* Commits several local events of one kind (@args: JsonObject*) in one
 * transaction, in order, with one ::changed: all of them or, on error,
 * none. Each is checked like cairn_store_commit() before anything is
 * written. */
gboolean      _cairn_store_commit_several      (CairnStore       *self,
                                                const char       *name,
                                                guint             version,
                                                GPtrArray        *args,
                                                GError          **error);

/* Commits @batch (CairnEvent*, made with cairn_event_new(): name, version
 * and args only) as local events in one transaction, in order, with one
 * ::changed: all or none, each checked first, and one action on the undo
 * stack (issue 15: a revert). */
gboolean      _cairn_store_commit_events       (CairnStore       *self,
                                                GPtrArray        *batch,
                                                GError          **error);

/* The args of the note.edited events that carry @ops, each within the
 * server's args limit (JsonObject*, in order; one when @ops is small). */
GPtrArray    *_cairn_store_note_edit_args      (const char         *note_id,
                                                const CairnTextOps *ops);

/* note.edited (cairn-store-text.c): merges the event's text operations into
 * the note's CRDT (note_bodies and note_body_ops, outside changesets) and
 * records the note's new version in note_versions (a state table, in
 * changesets). notes.body is left behind: see _cairn_store_write_bodies().
 * FALSE only when SQLite fails. */
gboolean      _cairn_store_apply_note_edit (CairnStore       *self,
                                            const CairnEvent *event,
                                            CairnChanges     *changes,
                                            GError          **error);
/* todo.notes_edited: the same, on the todo's tables (todo_note_crdts,
 * todo_note_ops; todo_note_versions in changesets); the todo goes into
 * changes->todos. */
gboolean      _cairn_store_apply_todo_notes_edit (CairnStore       *self,
                                                  const CairnEvent *event,
                                                  CairnChanges     *changes,
                                                  GError          **error);
/* The args of the todo.notes_edited events that carry @ops. */
GPtrArray    *_cairn_store_todo_notes_edit_args  (const char         *todo_id,
                                                  const CairnTextOps *ops);
/* note.edited or todo.notes_edited: merged by the text CRDT, recorded as
 * one row of note_versions or todo_note_versions. */
gboolean      _cairn_store_is_text_event  (const char       *name);
/* Forgets the decoded CRDTs kept between note.edited commits. Done by
 * _cairn_store_load_meta(), i.e. on every rollback and external change. */
void          _cairn_store_text_cache_clear (CairnStore      *self);
/* The wrappers' check of a todo id (cairn-store-actions.c): a valid id
 * of an existing todo, not deleted when @live (else
 * CAIRN_STORE_ERROR_NOT_FOUND, in the words every wrapper uses);
 * *deleted and *list_id (optional) get its state and list. */
gboolean      _cairn_store_check_todo      (CairnStore      *self,
                                            const char      *todo_id,
                                            gboolean         live,
                                            gboolean        *deleted,
                                            char           **list_id,
                                            GError         **error);
/* Registers the SQL function cairn_note_body(id, body) on the connection:
 * body when notes.body is up to date, else the note's text at the version
 * the state shows. Every reader of note bodies uses it. */
gboolean      _cairn_store_text_register   (CairnStore      *self,
                                            GError         **error);
/* Writes notes.body (and note_body_versions) of every note whose body is
 * behind its version. Inside a transaction. */
gboolean      _cairn_store_write_bodies    (CairnStore      *self,
                                            GError         **error);

/* WAL checkpoints on a worker thread with its own connection
 * (cairn-store-checkpoint.c); replaces SQLite's automatic checkpoint. */
typedef struct _CairnCheckpointer CairnCheckpointer;
CairnCheckpointer *_cairn_checkpointer_new (sqlite3         *db,
                                            const char      *path);
void          _cairn_checkpointer_free     (CairnCheckpointer *self);
/* Test hook: waits until at least @n_done checkpoints have run (or none
 * can: no worker yet), returns how many have. */
guint         _cairn_checkpointer_wait     (CairnCheckpointer *self,
                                            guint              n_done);
/* Gives this store's local text edits a new client id (the local table
 * text_client; docs/text-crdt.md, "A fresh text client id"). Done by the
 * reset after a server restore, inside its transaction. */
gboolean      _cairn_store_renew_text_client (CairnStore     *self,
                                              GError        **error);

/* A shared client id (cairn-store-fork.c; docs/sync.md, "A shared client
 * id"). Inside the rebase's transaction: prepare, before the rollback,
 * re-keys the text ops of the pending events from client seq @from on to
 * a new text client id and rebuilds their notes' CRDTs from the log;
 * finish, after the batch, moves the outbox to a new client id as client
 * seqs 1, 2, … and records the change. clear forgets a fork not finished. */
gboolean      _cairn_store_fork_prepare     (CairnStore     *self,
                                             gint64          from,
                                             GError        **error);
gboolean      _cairn_store_fork_finish      (CairnStore     *self,
                                             GError        **error);
void          _cairn_store_fork_clear       (CairnStore     *self);

/* Other connections' commits (cairn-store-changes.c). PRAGMA
 * data_version: it changes only when another connection commits. */
gboolean      _cairn_store_read_data_version (CairnStore *self,
                                              gint64     *out,
                                              GError    **error);
/* Reloads meta when another connection has committed since it was read,
 * keeping what it changed in self->external. */
gboolean      _cairn_store_check_data_version (CairnStore *self,
                                               GError    **error);
/* Emits what other connections changed, once no transaction is open. */
void          _cairn_store_flush_external  (CairnStore   *self);

/* Changes (cairn-store-changes.c) */
CairnChanges *_cairn_changes_new           (void);
void          _cairn_changes_free          (CairnChanges *changes);
gboolean      _cairn_changes_is_empty      (CairnChanges *changes);
/* Adds the rows whose content a changeset really changes. */
gboolean      _cairn_changes_add_changeset (CairnChanges *changes,
                                            GBytes       *changeset,
                                            GError      **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnChanges, _cairn_changes_free)

/* Signals and notifications (cairn-store.c) */
void          _cairn_store_emit_changed    (CairnStore   *self,
                                            CairnChanges *changes);
void          _cairn_store_set_needs_update (CairnStore  *self,
                                             gboolean     needs_update);
/* Reloading meta sets needs_update without a notification: this notifies
 * it when it differs from @old_needs_update, its value before. */
void          _cairn_store_notify_needs_update (CairnStore *self,
                                                gboolean    old_needs_update);
/* Notifies "head" and "pending-count" for those that differ from the
 * values before a change. */
void          _cairn_store_notify_cursor   (CairnStore   *self,
                                            gint64        old_head,
                                            guint         old_pending);

/* Rebase (cairn-store-rebase.c). Re-applies every pending event on the
 * current state, oldest first, storing a fresh changeset for each. Inside
 * a transaction. */
gboolean      _cairn_store_replay_pending  (CairnStore   *self,
                                            CairnChanges *changes,
                                            GError      **error);
/* Inverts the changesets of every pending event, newest first, leaving the
 * state as of head. Inside a transaction. */
gboolean      _cairn_store_rollback_pending (CairnStore  *self,
                                             GError     **error);

/* Rebuild (cairn-store-rebuild.c) with another way to fill the emptied
 * state tables than the base and the log (a snapshot's load): the
 * pending events, indexes, bodies and search reset follow, one
 * transaction, ::changed with reset. */
typedef gboolean (*CairnStoreRebuildFill) (CairnStore *self,
                                           gpointer    user_data,
                                           GError    **error);
gboolean      _cairn_store_rebuild_with    (CairnStore           *self,
                                            CairnStoreRebuildFill fill,
                                            gpointer              user_data,
                                            GError              **error);
/* Snapshots (cairn-store-snapshot.c): fills the emptied state tables from
 * the store's snapshot base (*base_seq its seq; 0 and nothing done
 * without one); drops the base (in the caller's transaction). */
gboolean      _cairn_store_fill_from_base  (CairnStore   *self,
                                            gint64       *base_seq,
                                            GError      **error);
gboolean      _cairn_store_drop_snapshot_base (CairnStore *self,
                                               GError    **error);
/* State hashes (cairn-store-hash.c): the hash of the state tables as
 * they are now, in the caller's transaction (no pending rolled back): a
 * snapshot's load checks the state it filled against the header's. */
gboolean      _cairn_store_hash_state_tables (CairnStore     *self,
                                              CairnStateHash *out,
                                              GError        **error);
/* The base's seq, 0 without one. */
gboolean      _cairn_store_get_base_seq    (CairnStore   *self,
                                            gint64       *out,
                                            GError      **error);
/* Folds every appended text op into its CRDT state (cairn-store-text.c);
 * in the caller's transaction. */
gboolean      _cairn_store_compact_texts   (CairnStore   *self,
                                            GError      **error);

/* The connection. In data/: the pool reads the state tables through it
 * (read-only). Outside data/: tests and benchmarks only, which check rows
 * directly, or set up or damage a file on purpose. Nothing else runs SQL
 * on the workspace file: app/, sync/ and ui/ use the store's API and the
 * pool. */
sqlite3      *_cairn_store_get_db          (CairnStore   *self);

/* Test hooks */
guint         _cairn_store_get_rollback_count (CairnStore *self);
/* How many times a note's (or a todo's notes') CRDT was decoded from the
 * file into the store's cache: a remote edit must not cost one (issue 17). */
guint         _cairn_store_get_text_reads (CairnStore *self);
/* The state as it would be with every pending event rolled back (the
 * store itself is left unchanged). */
char         *_cairn_store_dump_state_without_pending (CairnStore  *self,
                                                       GError     **error);

G_END_DECLS

/* Subtasks (cairn-store-subtasks.c): todo.moved, todo.deleted and
 * todo.restored act on a subtree, in several statements. */
typedef enum
{
  CAIRN_TREE_ERROR = -1,
  CAIRN_TREE_NO_OP,       /* no longer applies: nothing to wait for */
  CAIRN_TREE_CHANGED,
  CAIRN_TREE_MISSING,     /* an object it needs does not exist: it waits */
} CairnTreeResult;

gboolean        _cairn_store_is_tree_event       (const char       *name);
CairnTreeResult _cairn_store_apply_tree_event    (CairnStore       *self,
                                                  const CairnEvent *event,
                                                  CairnChanges     *changes,
                                                  GError          **error);
/* 1 when @id is @root_id or one of its descendants (deleted ones too),
 * 0 when not, -1 on error. */
int             _cairn_store_todo_is_in_subtree  (CairnStore       *self,
                                                  const char       *root_id,
                                                  const char       *id,
                                                  GError          **error);
/* The ids of @todo_id's children in position order (new array of strings). */
GPtrArray      *_cairn_store_list_children       (CairnStore       *self,
                                                  const char       *todo_id,
                                                  gboolean          deleted_too,
                                                  GError          **error);

/* Due times, reminders and repeats (cairn-store-times.c): todo.completed
 * may move a repeating todo to its next occurrence. */
CairnTreeResult _cairn_store_apply_completion    (CairnStore       *self,
                                                  const CairnEvent *event,
                                                  CairnChanges     *changes,
                                                  GError          **error);
/* 1 when this todo.completed (which must be in the catalogue) writes only
 * the todo's row (no occurrence, or a todo that does not repeat), 0 when
 * it may record an occurrence too, -1 on error. */
int             _cairn_store_completion_is_one_row (CairnStore       *self,
                                                    const CairnEvent *event,
                                                    GError          **error);
/* Adds "occurrence" (its due date) to a todo.completed of a repeating todo. */
gboolean        _cairn_store_add_occurrence_arg  (CairnStore       *self,
                                                  const char       *todo_id,
                                                  JsonObject       *args,
                                                  GError          **error);

/* Issue 17, a rebase with pending events (cairn-store-rebase-batch.c):
 * its session records only the kinds of rows the outbox touches (by its
 * events' names and its changesets); the reducers report the others. */
typedef enum
{
  CAIRN_ROW_KIND_LISTS = 1 << 0,   /* lists */
  CAIRN_ROW_KIND_TODOS = 1 << 1,   /* todos, todo_tags, todo_occurrences, todo_note_versions */
  CAIRN_ROW_KIND_NOTES = 1 << 2,   /* notes, note_versions */
  CAIRN_ROW_KIND_TAGS  = 1 << 3,   /* tags */
  CAIRN_ROW_KIND_ALL   = 0xf,
  CAIRN_ROW_KIND_ERROR = 0x10,
} CairnRowKind;

CairnRowKind     _cairn_store_pending_kinds         (CairnStore          *self,
                                                     GError             **error);
/* A session on the tables of @kinds and parked (all: as _cairn_store_session_new). */
sqlite3_session *_cairn_store_session_new_for_kinds (CairnStore          *self,
                                                     CairnRowKind         kinds,
                                                     GError             **error);
/* Adds to @changes the rows of @kinds that @reported holds. */
void             _cairn_changes_add_kinds           (CairnChanges        *changes,
                                                     const CairnChanges  *reported,
                                                     CairnRowKind         kinds);
/* Inside the transaction of a rebase of @n_events: when the batch is
 * large (or the search index stale anyway), marks the index stale and
 * drops its triggers, returning their CREATE statements in *triggers
 * (NULL: nothing done); _cairn_store_batch_end() makes them again before
 * the COMMIT, so that the schema is unchanged outside the transaction. */
gboolean         _cairn_store_batch_begin           (CairnStore          *self,
                                                     guint                n_events,
                                                     GPtrArray          **triggers,
                                                     GError             **error);
gboolean         _cairn_store_batch_end             (CairnStore          *self,
                                                     GPtrArray           *triggers,
                                                     GError             **error);
/* The log rows of a large rebase (cairn-store-tail.c): begin (inside the
 * transaction) drops the log_objects_add trigger, adding its CREATE
 * statement to @triggers for _cairn_store_batch_end(), after which
 * _cairn_store_insert_log() writes each row's index row itself; end
 * (after the trigger is made again, or when the rebase fails) stops. */
gboolean         _cairn_store_tail_begin            (CairnStore          *self,
                                                     GPtrArray           *triggers,
                                                     GError             **error);
void             _cairn_store_tail_end              (CairnStore          *self);
/* Before the trigger is made again: adds the seqs the batch's log rows
 * left out of log_objects to meta's gap (cairn-store-history.c). */
gboolean         _cairn_store_tail_record_gap       (CairnStore          *self,
                                                     GError             **error);
/* During a large batch: whether @list_id was found to exist (a lists row
 * is never deleted inside one); remember one found; forget them all (the
 * outbox's rollback). FALSE and no-ops outside a batch. */
gboolean         _cairn_store_tail_knows_list       (CairnStore          *self,
                                                     const char          *list_id);
void             _cairn_store_tail_remember_list    (CairnStore          *self,
                                                     const char          *list_id);
void             _cairn_store_tail_forget_lists     (CairnStore          *self);
gboolean         _cairn_store_insert_log_by_hand    (CairnStore          *self,
                                                     const CairnEvent    *event,
                                                     gboolean             skipped,
                                                     GError             **error);
/* ---- the canonical state (cairn-store-dump.c, cairn-store-hash.c) ---- */

/* One table of the canonical state: its name in the dump and the SELECT
 * that reads its rows (sorted by id, columns in a fixed order). */
typedef struct
{
  const char *name;
  const char *sql;
} CairnStateTable;

/* The state tables, in dump order, ended by { NULL, NULL }. */
extern const CairnStateTable _cairn_store_state_tables[];
/* Parked events: part of the state when there are any. */
extern const CairnStateTable _cairn_store_state_waiting;

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store.h: one workspace's SQLite file on this device.
 *
 * It holds the state tables, the confirmed event log, the pending outbox
 * (each event with the SQLite changeset of what its reducer wrote) and the
 * sync cursor (head, history_id). Every local change is one transaction;
 * cairn_store_rebase() takes the server's order. See docs/design.md.
 */
#pragma once

#include <gio/gio.h>
#include "cairn-event.h"
#include "cairn-text.h"

G_BEGIN_DECLS

#define CAIRN_STORE_ERROR (cairn_store_error_quark ())

typedef enum
{
  CAIRN_STORE_ERROR_FAILED,          /* SQLite said no; message has its words */
  CAIRN_STORE_ERROR_NEWER_SCHEMA,    /* written by a newer Cairn; file untouched */
  CAIRN_STORE_ERROR_CORRUPT,         /* not a Cairn database / damaged; names the file */
  CAIRN_STORE_ERROR_NOT_FOUND,       /* no such object */
  CAIRN_STORE_ERROR_OUT_OF_ORDER,    /* rebase batch does not continue head */
  CAIRN_STORE_ERROR_NO_SPACE,        /* the disk is full; nothing was written */
} CairnStoreError;

GQuark cairn_store_error_quark (void);

/* What one commit, rebase or rebuild changed; passed with ::changed. */
typedef struct
{
  GHashTable *lists;    /* set of list ids whose row changed (incl. new, deleted) */
  GHashTable *todos;    /* set of todo ids */
  GHashTable *notes;    /* set of note ids (incl. those whose text alone changed) */
  gboolean    reset;    /* TRUE after rebuild: reload everything */
  /* The note ids of `notes` whose notes row (title, deleted, …) may have
   * changed; the others changed only in their text (note.edited), so a
   * reader need not look at their row. Whatever adds a note to `notes`
   * for any other reason adds it here too. */
  GHashTable *note_rows;
  /* set of tag ids whose row changed (a todo that was tagged or untagged
   * is in `todos`) */
  GHashTable *tags;
} CairnChanges;

#define CAIRN_TYPE_STORE (cairn_store_get_type ())
G_DECLARE_FINAL_TYPE (CairnStore, cairn_store, CAIRN, STORE, GObject)

/* Opens (creating and migrating as needed) the workspace database at path. */
CairnStore *cairn_store_open              (const char  *path,
                                           GError     **error);
const char *cairn_store_get_path          (CairnStore  *self);
/* This device's random 128-bit id for this workspace (32 hex digits). */
const char *cairn_store_get_client_id     (CairnStore  *self);

typedef enum
{
  CAIRN_OBJECT_LIST,
  CAIRN_OBJECT_TODO,
  CAIRN_OBJECT_NOTE,
  CAIRN_OBJECT_TAG,
} CairnObjectKind;

/* One object as it is now, deleted or not, as a JSON object of its
 * columns: a list's id, title, position, deleted (and inbox, TRUE for the
 * Inbox); a todo's id, list_id, title, position, done, due, priority,
 * tags (the names of its live tags, sorted), deleted; a note's id, title,
 * body (current), deleted; a tag's id, name, color, deleted; done,
 * deleted and inbox are booleans, a missing due is null. *deleted
 * (optional) says whether it is deleted. NOT_FOUND when there is no object
 * with that id. */
JsonNode   *cairn_store_read_object       (CairnStore      *self,
                                           CairnObjectKind  kind,
                                           const char      *id,
                                           gboolean        *deleted,
                                           GError         **error);

/* A local change: validate, run the reducer, append to pending with its
 * changeset, in one transaction; then emit ::changed. Returns the stored
 * event (client_id and client_seq filled in). Nothing is written on error. */
CairnEvent *cairn_store_commit            (CairnStore  *self,
                                           const char  *name,
                                           guint        version,
                                           JsonObject  *args,
                                           GError     **error);

/* Sync cursor. head is the seq of the last confirmed event (0 when none). */
gint64      cairn_store_get_head          (CairnStore  *self);
const char *cairn_store_get_history_id    (CairnStore  *self);
guint       cairn_store_get_pending_count (CairnStore  *self);
/* TRUE when the log holds events this build does not know (stored, not
 * shown): the user should update Cairn. Property "needs-update". */
gboolean    cairn_store_get_needs_update  (CairnStore  *self);
/* Pending events, oldest first, at most limit (0: all). Element: CairnEvent. */
GPtrArray  *cairn_store_list_pending      (CairnStore  *self,
                                           guint        limit,
                                           GError     **error);
/* Confirmed events with seq > after, at most limit (0: all). */
GPtrArray  *cairn_store_list_log          (CairnStore  *self,
                                           gint64       after,
                                           guint        limit,
                                           GError     **error);

/* Applies events in server order (each with seq; the first must be head+1,
 * contiguous) exactly as docs/design.md: fast path when they are our own
 * pending events in order; otherwise roll pending back, apply, replay
 * pending. One transaction; emits ::changed once. history_id may be NULL
 * to keep the current one. */
gboolean    cairn_store_rebase            (CairnStore  *self,
                                           GPtrArray   *events,
                                           const char  *history_id,
                                           GError     **error);

/* Drops the state tables and replays the log, then pending. */
gboolean    cairn_store_rebuild           (CairnStore  *self,
                                           GError     **error);

/* Changes made by other connections (cairn-cli, a sync engine in another
 * process) to the same file. The store notices them by PRAGMA data_version:
 * cairn_store_check_external() looks now (one cheap query when nothing
 * changed); every write transaction also looks when it starts. What another
 * connection changed is emitted as ::changed before this store's own
 * change: the exact rows when it only added pending events (local edits),
 * reset = TRUE otherwise (it rebased or rebuilt). */
gboolean    cairn_store_check_external    (CairnStore  *self,
                                           GError     **error);
/* Watches the file's write-ahead log with a GFileMonitor and calls
 * cairn_store_check_external() when it changes, in the thread-default main
 * context of the caller, so that an app sees other processes' edits
 * without polling. Idempotent. */
gboolean    cairn_store_watch_external    (CairnStore  *self,
                                           GError     **error);

/* Priorities, tags and the Inbox (docs/events.md). priority: none, low,
 * medium or high. A tag is found by name case-insensitively
 * (NOT_FOUND when there is none). create_tag: color NULL chooses one
 * from the name; the name must not be another live tag's. */
gboolean    cairn_store_set_todo_priority (CairnStore *self, const char *todo_id,
                                           const char *priority, GError **error);
char       *cairn_store_dup_tag_id        (CairnStore *self, const char *name,
                                           GError **error);
char       *cairn_store_create_tag        (CairnStore *self, const char *name,
                                           const char *color, GError **error);
gboolean    cairn_store_rename_tag        (CairnStore *self, const char *tag_id,
                                           const char *name, GError **error);
gboolean    cairn_store_recolor_tag       (CairnStore *self, const char *tag_id,
                                           const char *color, GError **error);
/* Final: a deleted tag cannot be restored (docs/events.md). */
gboolean    cairn_store_delete_tag        (CairnStore *self, const char *tag_id,
                                           GError **error);
gboolean    cairn_store_set_todo_tagged   (CairnStore *self, const char *todo_id,
                                           const char *tag_id, gboolean tagged,
                                           GError **error);
/* Creates the Inbox (CAIRN_INBOX_ID) unless the workspace has it. */
gboolean    cairn_store_ensure_inbox      (CairnStore *self, GError **error);

/* Canonical, sorted JSON of the whole state: equal state, equal bytes. */
char       *cairn_store_dump_state        (CairnStore  *self,
                                           GError     **error);

/* Convenience wrappers over cairn_store_commit() used by the app and the
 * cli. Positions: the new/moved item goes right after `after_id` or right
 * before `before_id` (both NULL: at the end). Return the new object's id. */
char       *cairn_store_create_list       (CairnStore *self, const char *title,
                                           GError **error);
gboolean    cairn_store_rename_list       (CairnStore *self, const char *list_id,
                                           const char *title, GError **error);
gboolean    cairn_store_move_list         (CairnStore *self, const char *list_id,
                                           const char *before_id, const char *after_id,
                                           GError **error);
gboolean    cairn_store_delete_list       (CairnStore *self, const char *list_id,
                                           GError **error);
gboolean    cairn_store_restore_list      (CairnStore *self, const char *list_id,
                                           GError **error);

char       *cairn_store_create_todo       (CairnStore *self, const char *list_id,
                                           const char *title,
                                           const char *before_id, const char *after_id,
                                           GError **error);
gboolean    cairn_store_rename_todo       (CairnStore *self, const char *todo_id,
                                           const char *title, GError **error);
gboolean    cairn_store_set_todo_done     (CairnStore *self, const char *todo_id,
                                           gboolean done, GError **error);
/* due: "YYYY-MM-DD", or NULL to clear */
gboolean    cairn_store_set_todo_due      (CairnStore *self, const char *todo_id,
                                           const char *due, GError **error);
/* list_id NULL: stay in the current list (and under the current parent;
 * to another list: at its top level) */
gboolean    cairn_store_move_todo         (CairnStore *self, const char *todo_id,
                                           const char *list_id,
                                           const char *before_id, const char *after_id,
                                           GError **error);
/* Deleting a todo deletes its subtasks with it; restoring it brings back
 * exactly those (docs/events.md, "Subtasks"). */
gboolean    cairn_store_delete_todo       (CairnStore *self, const char *todo_id,
                                           GError **error);
gboolean    cairn_store_restore_todo      (CairnStore *self, const char *todo_id,
                                           GError **error);

/* Subtasks. A todo under parent_id (NULL: top level of list_id), which
 * must be a live todo of list_id; before_id / after_id are its siblings. */
char       *cairn_store_create_subtask    (CairnStore *self, const char *list_id,
                                           const char *parent_id, const char *title,
                                           const char *before_id, const char *after_id,
                                           GError **error);
/* Moves a todo with its subtree under parent_id (NULL: top level). list_id
 * NULL: the parent's list, or with no parent the todo's current list; a
 * parent in another list than list_id, the todo itself or one of its
 * subtasks is refused. */
gboolean    cairn_store_move_todo_under   (CairnStore *self, const char *todo_id,
                                           const char *list_id, const char *parent_id,
                                           const char *before_id, const char *after_id,
                                           GError **error);
/* The ids of a todo's live subtasks (children only), in position order. */
GPtrArray  *cairn_store_list_subtasks     (CairnStore *self, const char *todo_id,
                                           GError **error);

char       *cairn_store_create_note       (CairnStore *self, const char *title,
                                           GError **error);
gboolean    cairn_store_rename_note       (CairnStore *self, const char *note_id,
                                           const char *title, GError **error);
gboolean    cairn_store_delete_note       (CairnStore *self, const char *note_id,
                                           GError **error);
gboolean    cairn_store_restore_note      (CairnStore *self, const char *note_id,
                                           GError **error);
/* A pinned note stays at the top of the notes list (note.pinned,
 * note.unpinned; no event when it already is as asked). */
gboolean    cairn_store_set_note_pinned   (CairnStore *self, const char *note_id,
                                           gboolean pinned, GError **error);

/* Note bodies are a text CRDT (data/text/cairn-text.h). Load the body of a
 * live note as this device's replica, edit it, and commit the operations it
 * made as one note.edited event (empty @ops: nothing is committed). */
CairnText  *cairn_store_load_note_text    (CairnStore *self, const char *note_id,
                                           GError **error);
gboolean    cairn_store_edit_note         (CairnStore *self, const char *note_id,
                                           CairnTextOps *ops, GError **error);
/* notes.body is derived from the CRDT and written lazily: a commit records
 * only the note's new version, and the text follows within seconds (a
 * timeout on the thread-default main context), when the store is
 * finalized, or when a store is next opened on the file. Read bodies with
 * the connection's SQL function cairn_note_body(id, body), which is always
 * current (cairn_store_dump_state() and the pool do). This writes every
 * body that is behind now. */
gboolean    cairn_store_save_note_bodies  (CairnStore *self, GError **error);
/* Copies the WAL into the file and starts it over, on the calling thread
 * (cairn-store-checkpoint.c). For a store written by one long batch with
 * no pause (the server's snapshot maker), whose WAL the worker's quiet
 * checkpoints never start over: it would grow by the whole batch. */
gboolean    cairn_store_checkpoint        (CairnStore *self, GError **error);
/* How many decoded note (and task note) texts the store keeps; 0: the
 * default, 8 (an editor has one open, sync touches a few). A note edited
 * while not kept is decoded again, state and appended ops: a store that
 * applies the edits of many notes in turn (the server's snapshot maker)
 * keeps more. */
void        cairn_store_set_text_cache_size (CairnStore *self, guint notes);
/* Whether the store may do its deferred upkeep from idle callbacks of
 * the thread-default main context (today: indexing the log rows of a
 * large catch-up for histories; docs/store.md, "What keeps a catch-up
 * cheap"). Off by default: a store used from a worker thread must never
 * be called from a main loop's. The profile turns it on for the
 * workspaces it opens (the app's and cairn-cli's, on their main thread).
 * Turned on, it starts on what an earlier run left undone. */
void        cairn_store_set_idle_work     (CairnStore *self, gboolean allowed);
/* The client id of the replicas load_note_text gives: this store's text
 * client, not its event client id. A reset after a server restore
 * (cairn_store_forget_server_history) gives the store a new one, so that
 * edits never wait for text operations the server lost. */
char       *cairn_store_dup_text_client_id (CairnStore *self, GError **error);
/* Whether this store took a new client id because the server held another
 * event under one of its (client id, client seq): a copied profile, or
 * sent changes a power cut lost (docs/sync.md, "A shared client id").
 * TRUE with the former id, the client seq where the server's events
 * differed, and when (ms since the epoch) for the last such change;
 * FALSE when it never happened (or with @error set when it cannot be
 * read). */
/* After this store took a new client id in this process: a copy of @ops
 * (an editor's typing not yet saved in note @note_id, made under the old
 * text client id) moved to the new text client id as the store moved its
 * pending ops. NULL when there is nothing to move. */
CairnTextOps *cairn_store_rekey_unsaved_ops (CairnStore         *self,
                                             const char         *note_id,
                                             const CairnTextOps *ops);
gboolean    cairn_store_get_identity_change (CairnStore  *self,
                                             char       **out_old_client_id,
                                             gint64      *out_client_seq,
                                             gint64      *out_changed_at,
                                             GError     **error);

/* Due times, reminders and repeats (docs/events.md, issue 13).
 * due_time: due "YYYY-MM-DD" with an optional wall-clock time "HH:MM"
 * (both NULL clear it). reminder: a moment "YYYY-MM-DDTHH:MM±HH:MM", NULL
 * clears it; dismissing names the todo's current reminder. repeat: a rule
 * (cairn-times.h), NULL clears it. Bad input is refused naming the field. */
gboolean    cairn_store_set_todo_due_time (CairnStore *self, const char *todo_id,
                                           const char *due, const char *time,
                                           GError **error);
gboolean    cairn_store_set_todo_reminder (CairnStore *self, const char *todo_id,
                                           const char *at, GError **error);
gboolean    cairn_store_dismiss_todo_reminder (CairnStore *self, const char *todo_id,
                                               GError **error);
gboolean    cairn_store_set_todo_repeat   (CairnStore *self, const char *todo_id,
                                           const char *rule, GError **error);
/* The todos whose reminder rings at or before now_unix (Unix seconds):
 * live, open, reminder set and not dismissed (here or on any device), in
 * the order they ring (then by id). What the app polls to show them. */
GPtrArray  *cairn_store_list_due_reminders (CairnStore *self, gint64 now_unix,
                                            GError **error);
/* The completed occurrences (dates) of a repeating todo, oldest first. */
GPtrArray  *cairn_store_list_occurrences  (CairnStore *self, const char *todo_id,
                                           GError **error);
/* A todo's notes (issue 13): the same text CRDT as note bodies, one
 * todo.notes_edited event per commit. load: the notes of a live todo as
 * this device's replica; edit: commits the operations it made (a deleted
 * todo is refused, as a deleted note is). cairn_store_save_note_bodies()
 * writes the notes behind too; readers use the SQL function
 * cairn_todo_notes(id) or cairn_store_dup_todo_notes(). */
CairnText  *cairn_store_load_todo_notes   (CairnStore *self, const char *todo_id,
                                           GError **error);
gboolean    cairn_store_edit_todo_notes   (CairnStore *self, const char *todo_id,
                                           CairnTextOps *ops, GError **error);
/* The current text of a todo's notes ("" when never edited; deleted todos
 * keep theirs). NULL with @error when the stored text is damaged. */
char       *cairn_store_dup_todo_notes    (CairnStore *self, const char *todo_id,
                                           GError **error);

G_END_DECLS

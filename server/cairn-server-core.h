/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-core.h: the sync authority without HTTP.
 *
 * Users, password checks, sessions (bearer tokens), workspaces, members and
 * the per-workspace event log, stored in one SQLite file (DIR/cairn-server.db,
 * WAL, synchronous=FULL). Every call is synchronous and runs to completion
 * before it returns; every mutation is one transaction, committed before the
 * call returns, so an answer built from a returned value never claims more
 * than what is on disk. The one exception is cairn_server_core_push_grouped()
 * (group commit), whose results may be shown only once the group function
 * reported the group's commit. Time and randomness come from the options, so a
 * simulation can drive the core deterministically with a fake transport.
 *
 * Errors are in CAIRN_PROTOCOL_ERROR (sync/cairn-protocol.h) so that the HTTP
 * layer can answer them directly; a write the disk refused (full, or an
 * I/O error) is CAIRN_PROTOCOL_ERROR_STORAGE_FULL and other storage
 * failures are CAIRN_PROTOCOL_ERROR_INTERNAL, both with the SQLite message
 * and the file (for the log, not for clients). A call that fails changes
 * nothing.
 *
 * The storage sits behind this API only: a PostgreSQL backend (docs/design.md (server))
 * would be a second implementation of these functions.
 *
 * The data folder may be replaced by an older copy while the server is
 * stopped (restore from backup): nothing about the log is cached outside
 * the database, so a reopened core serves exactly what the copy holds.
 */
#pragma once

#include <glib.h>

#include "cairn-protocol.h"
#include "cairn-store-hash.h"

G_BEGIN_DECLS

typedef struct _CairnServerCore CairnServerCore;

/* Unix time in milliseconds. */
typedef gint64 (*CairnCoreClockFunc)  (gpointer user_data);
/* Fills buf with len random bytes. */
typedef void   (*CairnCoreRandomFunc) (guint8  *buf,
                                       gsize    len,
                                       gpointer user_data);

typedef struct
{
  /* NULL: g_get_real_time () / 1000. */
  CairnCoreClockFunc   clock;
  /* NULL: libsodium's randombytes_buf(). */
  CairnCoreRandomFunc  random;
  gpointer             user_data;
  /* Argon2id cost for new password hashes; 0 means the defaults
   * CAIRN_CORE_PWHASH_OPSLIMIT / CAIRN_CORE_PWHASH_MEMLIMIT. */
  guint64              pwhash_opslimit;
  gsize                pwhash_memlimit;
  /* A session unused for this long (ms) stops working; 0: 90 days. */
  gint64               session_idle_ms;
  /* Failed logins allowed per user name and per address within
   * login_window_ms before further attempts are refused with
   * RATE_LIMITED; 0: 5 per user, 20 per address, 60 s. */
  guint                login_failures_per_user;
  guint                login_failures_per_address;
  gint64               login_window_ms;
} CairnServerCoreOptions;

/* Argon2id defaults: 3 passes over 64 MiB (about 0.1–0.3 s on one core). */
#define CAIRN_CORE_PWHASH_OPSLIMIT 3
#define CAIRN_CORE_PWHASH_MEMLIMIT (64 * 1024 * 1024)
#define CAIRN_CORE_DEFAULT_SESSION_IDLE_MS (G_GINT64_CONSTANT (90) * 24 * 3600 * 1000)

/* Opens (creating DIR and the schema when needed) the store in data_dir.
 * options may be NULL for the defaults; it is copied. */
CairnServerCore *cairn_server_core_open  (const char                   *data_dir,
                                          const CairnServerCoreOptions *options,
                                          GError                      **error);
void             cairn_server_core_close (CairnServerCore *self);

/* ---- PostgreSQL (cairn-server-core-pg.c) ------------------------------ */

/* Whether location is a PostgreSQL connection URI (postgresql:// or
 * postgres://) rather than a data folder. */
gboolean         cairn_server_core_is_database_uri (const char *location);
/* Opens the store in a PostgreSQL database (a libpq connection URI),
 * creating or checking its schema; the same API and guarantees as a data
 * folder, and several cores (processes) may share one database. A newer
 * schema is refused; an unreachable database is STORAGE_FULL. */
CairnServerCore *cairn_server_core_open_database   (const char                   *uri,
                                                    const CairnServerCoreOptions *options,
                                                    GError                      **error);
/* Copies a whole data folder's store (users with their password hashes,
 * sessions, workspaces with their history ids and heads, members, logs,
 * clients, snapshots) into the PostgreSQL database at uri, in one transaction;
 * ALREADY_EXISTS, changing nothing, when that database is not empty.
 * Appends what was copied ("3 users, …") to report when non-NULL. The
 * folder is only read; no server may run on either meanwhile. */
gboolean         cairn_server_core_migrate_to_database (const char  *data_dir,
                                                        const char  *uri,
                                                        GString     *report,
                                                        GError     **error);
/* The URI a core on PostgreSQL was opened on (for the snapshot maker's
 * own core, cairn_server_snapshot_make()); NULL on a data folder. */
const char      *cairn_server_core_get_database_uri (CairnServerCore *self);
/* "sqlite" or "postgresql". */
const char      *cairn_server_core_backend_name    (CairnServerCore *self);

/* Called on the main loop when another process (or this one) committed
 * events into workspace_id up to head; workspace_id NULL means "anything
 * may have changed" (the periodic catch-up, or the watch connection came
 * back after it was lost). Only a wake-up: the events are read from the
 * store, so a lost call costs latency, never an event. */
typedef void (*CairnCoreCommitFunc) (const char *workspace_id,
                                     gint64      head,
                                     gpointer    user_data);
/* Watches the commits of every process sharing the store (PostgreSQL:
 * LISTEN on a connection of its own, on the thread-default main context,
 * reconnected when lost, and a call with NULL every catch_up_ms). A data
 * folder has one process: no watch, TRUE. */
gboolean         cairn_server_core_watch_commits   (CairnServerCore     *self,
                                                    CairnCoreCommitFunc  func,
                                                    gpointer             user_data,
                                                    guint                catch_up_ms,
                                                    GError             **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnServerCore, cairn_server_core_close)

gint64           cairn_server_core_now   (CairnServerCore *self);

/* ---- users (admin) --------------------------------------------------- */

/* Adds a user (name per cairn_protocol_is_username) with an Argon2id hash
 * of password and a personal workspace named after the user; returns the
 * workspace id in out_workspace_id when non-NULL. ALREADY_EXISTS if taken. */
gboolean   cairn_server_core_user_add      (CairnServerCore  *self,
                                            const char       *username,
                                            const char       *password,
                                            char            **out_workspace_id,
                                            GError          **error);
/* Sets a new password and revokes every session of the user. */
gboolean   cairn_server_core_user_passwd   (CairnServerCore  *self,
                                            const char       *username,
                                            const char       *password,
                                            GError          **error);
/* Removes the user, their sessions and memberships. Workspaces they own
 * pass to the longest-standing other member, or are deleted with their
 * log when nobody else is a member. */
gboolean   cairn_server_core_user_remove   (CairnServerCore  *self,
                                            const char       *username,
                                            GError          **error);
/* Sorted user names (char*). */
GPtrArray *cairn_server_core_user_list     (CairnServerCore  *self,
                                            GError          **error);

/* ---- login and sessions ---------------------------------------------- */

/* A login in two steps so that the slow Argon2id check can run on another
 * thread: begin() applies the rate limits, counts the attempt as a failed
 * one at once (so that concurrent logins cannot all pass the limit while
 * their checks run) and returns the stored hash to check (a dummy hash
 * when the user does not exist, so that timing and answer do not reveal
 * it); cairn_server_core_verify_password() may run on any thread; finish()
 * gives the attempt back on success and creates the session. Failures are UNAUTHORIZED "Wrong user name or password" or
 * RATE_LIMITED with *out_retry_after (seconds) set. */
char      *cairn_server_core_login_begin   (CairnServerCore  *self,
                                            const char       *username,
                                            const char       *address,
                                            gint64           *out_retry_after,
                                            GError          **error);
gboolean   cairn_server_core_verify_password (const char     *hash,
                                              const char     *password);
/* On success returns the token (shown once, stored only as its SHA-256)
 * and fills out_reply. */
gboolean   cairn_server_core_login_finish  (CairnServerCore    *self,
                                            const char         *username,
                                            const char         *address,
                                            const char         *device,
                                            gboolean            password_ok,
                                            CairnSessionReply **out_reply,
                                            GError            **error);
/* begin + verify + finish on the calling thread. */
CairnSessionReply *cairn_server_core_login (CairnServerCore  *self,
                                            const char       *username,
                                            const char       *password,
                                            const char       *device,
                                            const char       *address,
                                            gint64           *out_retry_after,
                                            GError          **error);

/* Who a valid token belongs to. */
typedef struct
{
  gint64  user_id;
  char   *username;
  char   *session_id;
  char   *device;
} CairnAuth;

void       cairn_auth_free                 (CairnAuth *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnAuth, cairn_auth_free)

/* The key a client address is counted under by the limits (failed logins,
 * connections): an IPv6 address by its /64 network (one host usually owns
 * a whole /64), an IPv4-mapped IPv6 address as the IPv4 address, IPv4 and
 * anything that does not parse as written. */
char      *cairn_server_core_address_key   (const char *address);

/* UNAUTHORIZED for an unknown, revoked or idle-expired token. Refreshes
 * last_used_at (at most once a minute, to spare the disk). */
CairnAuth *cairn_server_core_authenticate  (CairnServerCore  *self,
                                            const char       *token,
                                            GError          **error);
/* Whether auth's session still exists, has not expired (unused for longer
 * than session_idle_ms) and its user is still a member of the workspace
 * (all may change behind a live connection's back, also by the admin
 * commands of another process). FALSE on a storage error too. */
gboolean   cairn_server_core_still_allowed (CairnServerCore *self,
                                            const CairnAuth *auth,
                                            const char      *workspace_id);
/* An open live connection counts as use of its session: the front end
 * calls touch_session() for it at most once per live_touch_interval()
 * (ms: an hour, or a quarter of session_idle_ms when that is shorter).
 * Sets last_used_at to now unless the session has already expired (or is
 * gone, which is no error). */
#define CAIRN_CORE_LIVE_TOUCH_MS (G_GINT64_CONSTANT (3600) * 1000)
gint64     cairn_server_core_live_touch_interval (CairnServerCore *self);
gboolean   cairn_server_core_touch_session (CairnServerCore  *self,
                                            const CairnAuth  *auth,
                                            GError          **error);
/* CairnSessionInfo* of the user, newest first; current marks auth's own. */
GPtrArray *cairn_server_core_sessions      (CairnServerCore  *self,
                                            const CairnAuth  *auth,
                                            GError          **error);
/* Revokes one of the user's sessions; NOT_FOUND when it is not theirs. */
gboolean   cairn_server_core_revoke_session (CairnServerCore *self,
                                             const CairnAuth *auth,
                                             const char      *session_id,
                                             GError         **error);

/* ---- workspaces and members ------------------------------------------ */

/* CairnWorkspaceInfo* the user is a member of, personal first, then by name. */
GPtrArray          *cairn_server_core_workspaces      (CairnServerCore  *self,
                                                       const CairnAuth  *auth,
                                                       GError          **error);
CairnWorkspaceInfo *cairn_server_core_workspace_create (CairnServerCore *self,
                                                        const CairnAuth *auth,
                                                        const char      *name,
                                                        GError         **error);
/* NOT_FOUND unless the workspace exists and the user is a member. */
gboolean   cairn_server_core_check_member  (CairnServerCore  *self,
                                            const CairnAuth  *auth,
                                            const char       *workspace_id,
                                            GError          **error);
/* CairnMemberInfo*, owner first. */
GPtrArray *cairn_server_core_members       (CairnServerCore  *self,
                                            const CairnAuth  *auth,
                                            const char       *workspace_id,
                                            GError          **error);
/* Owner only (FORBIDDEN for other members). Adding an existing member is
 * ALREADY_EXISTS; an unknown user is NOT_FOUND. The owner cannot be removed
 * (FORBIDDEN). */
gboolean   cairn_server_core_member_add    (CairnServerCore  *self,
                                            const CairnAuth  *auth,
                                            const char       *workspace_id,
                                            const char       *username,
                                            GError          **error);
gboolean   cairn_server_core_member_remove (CairnServerCore  *self,
                                            const CairnAuth  *auth,
                                            const char       *workspace_id,
                                            const char       *username,
                                            GError          **error);

/* ---- workspaces (admin) ----------------------------------------------- */

/* Every workspace (CairnWorkspaceInfo*), by owner then name. */
GPtrArray *cairn_server_core_admin_workspaces (CairnServerCore  *self,
                                               GError          **error);
/* Acting as the workspace's owner (session_id and device NULL), for admin
 * commands that reuse the owner-only calls. NOT_FOUND if no such workspace. */
CairnAuth *cairn_server_core_admin_owner_auth (CairnServerCore  *self,
                                               const char       *workspace_id,
                                               GError          **error);

/* ---- the event log ---------------------------------------------------- */

/* Appends a decoded batch (CairnWireEvent*, as cairn_protocol_decode_push_
 * request() returns it) in one transaction. Events whose (client_id,
 * client_seq) is stored already are answered with their existing seq; the
 * rest get the next seqs in batch order, stamped with device. If the first
 * new event of a client skips past the next expected client_seq, nothing is
 * stored and the error is CLIENT_SEQ_GAP with *out_gap_client_id and
 * *out_expected set. On success returns the reply (no id) and, in
 * *out_appended, the newly stored events with seq and device set (what
 * live listeners must be sent; empty for a pure re-send). */
CairnPushReply *cairn_server_core_push     (CairnServerCore  *self,
                                            const CairnAuth  *auth,
                                            const char       *workspace_id,
                                            GPtrArray        *events,
                                            GPtrArray       **out_appended,
                                            char            **out_gap_client_id,
                                            gint64           *out_expected,
                                            GError          **error);
/* ---- group commit ----------------------------------------------------- */

/* Called when an open group has ended: error is NULL when every push of the
 * group is committed (and may now be answered and sent to listeners), or
 * says why nothing of the group was stored. */
typedef void (*CairnCoreGroupFunc) (const GError *error,
                                    gpointer      user_data);

/* Where the group's outcome is reported; required before the first
 * cairn_server_core_push_grouped(). */
void            cairn_server_core_set_group_func (CairnServerCore    *self,
                                                  CairnCoreGroupFunc  func,
                                                  gpointer            user_data);
/* Like cairn_server_core_push(), but the push joins one open transaction
 * (the group; opened by the first grouped push) that stays open until
 * cairn_server_core_commit_group(). The returned reply and events are NOT
 * durable yet: the caller must not answer or fan out before the group
 * function reported success. A refused push (gap, not a member, …) undoes
 * only its own writes (a savepoint) and leaves the group open.
 *
 * Several pushes arriving together thus cost one commit (one fsync) instead
 * of one each. Every other call that writes, or reads the log or a head,
 * commits the open group first (and reports it through the group
 * function), so nothing uncommitted is ever shown. */
CairnPushReply *cairn_server_core_push_grouped   (CairnServerCore  *self,
                                                  const CairnAuth  *auth,
                                                  const char       *workspace_id,
                                                  GPtrArray        *events,
                                                  GPtrArray       **out_appended,
                                                  char            **out_gap_client_id,
                                                  gint64           *out_expected,
                                                  GError          **error);
/* Whether a group is open (pushes waiting for their commit). */
gboolean        cairn_server_core_group_open     (CairnServerCore  *self);
/* Commits the open group, if any, and reports the outcome to the group
 * function (before returning). FALSE with the error when the commit
 * failed: then none of the group's pushes is stored. */
gboolean        cairn_server_core_commit_group   (CairnServerCore  *self,
                                                  GError          **error);

/* Events with seq > after, ascending: at most limit, and cut earlier when
 * the page would pass CAIRN_PROTOCOL_MAX_PAGE_BYTES (more is then TRUE). */
CairnPullReply *cairn_server_core_pull     (CairnServerCore  *self,
                                            const CairnAuth  *auth,
                                            const char       *workspace_id,
                                            gint64            after,
                                            guint             limit,
                                            GError          **error);
/* Head and history id of a workspace the user is a member of. */
gboolean   cairn_server_core_head          (CairnServerCore  *self,
                                            const CairnAuth  *auth,
                                            const char       *workspace_id,
                                            gint64           *out_head,
                                            char            **out_history_id,
                                            GError          **error);


/* ---- state reports (cairn-server-core-states.c) ----------------------- */

/* The reports kept per workspace (the newest; older ones are dropped). */
#define CAIRN_SERVER_CORE_MAX_STATE_REPORTS 64

/* Records a device's (auth's session's) hash of its confirmed state at
 * report->seq and compares it with the latest reports of the workspace's
 * other devices at that seq in the same format. Reports past head, or
 * whose chain is not the server's at that seq (a log the server no longer
 * has), are ignored with a log line (verdict UNKNOWN, devices 0). A
 * difference is logged with both devices. DIVERGED when more devices
 * agree on another hash than on this one (with that hash), AGREES when
 * more agree on this one and there is another device, else UNKNOWN. Kept
 * in memory only (docs/server.md, "State reports"). NOT_FOUND for a
 * workspace auth's user is not a member of. */
CairnStateVerdict *cairn_server_core_report_state (CairnServerCore        *self,
                                                   const CairnAuth        *auth,
                                                   const char             *workspace_id,
                                                   const CairnStateReport *report,
                                                   GError                **error);
/* The server's own hash of a workspace's state at seq (server-made
 * snapshots compute it with data/'s reducers and
 * cairn_store_confirmed_state_hash()). Kept with the reports; while it is
 * kept, a device's report at that seq and format is judged against it
 * alone: AGREES when equal, else DIVERGED (with this hash), whatever the
 * other devices said. format and hash as in CairnStateReport. */
void               cairn_server_core_set_own_state (CairnServerCore *self,
                                                    const char      *workspace_id,
                                                    gint64           seq,
                                                    const char      *format,
                                                    const char      *hash);
/* How many differences between devices' reports were seen since the core
 * was opened (tests, the simulation). */
guint              cairn_server_core_get_state_mismatches (CairnServerCore *self);
/* ---- snapshots (cairn-server-core-snapshots.c, issue 17) --------------- */

/* When the server makes one by itself (cairn-server-routes.c): at least
 * this many events since the last snapshot of the workspace, and at least
 * this long since it was made; the last few are kept. */
#define CAIRN_CORE_SNAPSHOT_EVERY_EVENTS    10000
#define CAIRN_CORE_SNAPSHOT_MIN_INTERVAL_MS (G_GINT64_CONSTANT (60) * 1000)
#define CAIRN_CORE_SNAPSHOTS_KEPT           3

/* The database file the core has open (for the snapshot maker's own
 * connection). */
const char *cairn_server_core_get_path      (CairnServerCore  *self);

/* Makes a snapshot of the workspace at its head and stores it: the events
 * since the previous one rebased into a private store in
 * data_dir/snapshots/ with the clients' reducers, exported
 * (cairn-snapshot.h). db_path: the SQLite file, or a PostgreSQL URI
 * (cairn_server_core_get_database_uri(): the log is then read and the
 * snapshot stored through a core of its own on that URI; two instances
 * making the same one store it once). Opens its own connection, so it may run
 * on any thread while a core serves: it reads in one WAL snapshot and
 * writes once. At most one maker per workspace at a time (the caller
 * sees to it). now_ms: when it is made, by the core's clock
 * (cairn_server_core_now()). *out_seq, *out_bytes: the snapshot's seq and
 * size (the existing one when nothing was pushed since). out_hash
 * (nullable): the server's own state hash at that seq, as written in the
 * snapshot's header, for cairn_server_core_set_own_state() on the core's
 * thread (all zero when the existing one has none). */
gboolean   cairn_server_snapshot_make       (const char       *db_path,
                                             const char       *data_dir,
                                             gint64            now_ms,
                                             const char       *workspace_id,
                                             gint64           *out_seq,
                                             gsize            *out_bytes,
                                             CairnStateHash   *out_hash,
                                             GError          **error);
/* Lowers the CPU and disk priority of the calling thread for good (nice
 * +10, lowest best-effort I/O class where the kernel has one): a thread
 * that only makes snapshots calls it first, so that pushes on the other
 * threads keep their latency while it runs (BENCHMARKS.md, "Bootstrap at
 * a million events"). Linux only; elsewhere it does nothing. */
void       cairn_server_snapshot_thread_lower_priority (void);
/* Whether a snapshot is due: every_events or more events since the last
 * one and min_interval_ms since it was made. */
gboolean   cairn_server_core_snapshot_due   (CairnServerCore  *self,
                                             const char       *workspace_id,
                                             gint64            every_events,
                                             gint64            min_interval_ms,
                                             gboolean         *out_due,
                                             GError          **error);
/* The latest snapshot of a workspace the user is a member of (NOT_FOUND
 * otherwise, and when there is none yet), with its seq. Snapshots ahead
 * of the log or of another history id (the data folder was restored from
 * an older backup) are dropped first, with a warning. */
GBytes    *cairn_server_core_snapshot_latest (CairnServerCore *self,
                                              const CairnAuth *auth,
                                              const char      *workspace_id,
                                              gint64          *out_seq,
                                              GError         **error);
/* History on a device that started from a snapshot: the events before
 * seq `before` that name object_id in their args, the newest `limit` of
 * them in ascending order (more: older ones remain). */
CairnPullReply *cairn_server_core_object_events (CairnServerCore *self,
                                                 const CairnAuth *auth,
                                                 const char      *workspace_id,
                                                 const char      *object_id,
                                                 gint64           before,
                                                 guint            limit,
                                                 GError         **error);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-private.h: the state of a serving cairn-server and what its parts share:
 * cairn-server-http.c (logging, answers, request helpers), -limits.c
 * (connections per address, refusals at the headers), -live.c (live
 * WebSockets), -routes.c (login, the API's routes, group commit), -serve.c
 * (the serve command) and cairn-server.c (main, admin commands). */
#pragma once

#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include <glib-unix.h>
#include <libsoup/soup.h>

#include "cairn-soup-listen.h"
#include <sodium.h>

#include "cairn-server-core.h"
#include "cairn-ws-limit.h"

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_MAX_LIVE_PER_USER 20
#define KEEPALIVE_SECONDS 30
#define SHUTDOWN_GRACE_MS 3000
/* A connection must deliver a whole request (headers and body) within this
 * many seconds of starting to wait for it, idle keep-alive time included;
 * otherwise it is closed (slow or idle clients cannot hold sockets). */
#define DEFAULT_REQUEST_TIMEOUT_SECONDS 30
/* Connections at once from one client address (an IPv6 /64); behind
 * --trust-proxy, requests in progress per forwarded address. */
#define DEFAULT_MAX_CONNECTIONS_PER_ADDRESS 64
/* A connection over that limit must send its request within this many
 * seconds to be told why it is refused; it is closed either way. */
#define OVER_LIMIT_TIMEOUT_SECONDS 2
/* Every live connection's session and membership are checked again this
 * often, so that one whose rights went away (also through an admin command
 * of another process) is closed even when its workspace stays quiet. */
#define DEFAULT_LIVE_RECHECK_SECONDS 10
/* A live connection's backlog is sent a page at a time, the next one only
 * once fewer than this many bytes wait in the socket's kernel send queue,
 * so that a client that does not read cannot make the server hold the
 * whole log in memory. Retried every BACKLOG_RETRY_MS while it is fuller. */
#define BACKLOG_LOW_WATER (256 * 1024)
#define BACKLOG_RETRY_MS 20
/* Argon2id checks running at once (each takes 64 MiB for a moment); further
 * logins wait their turn, so a burst of logins cannot exhaust memory. */
#define MAX_PASSWORD_CHECKS 2
/* Logins waiting for a turn at most; further ones are refused with
 * rate_limited at once, so that a flood of logins cannot pile up paused
 * requests (and their sockets) without bound. */
#define DEFAULT_MAX_CHECKS_WAITING 32
/* Time one check is assumed to take, for the Retry-After of a refusal. */
#define CHECK_ESTIMATE_MS 300
/* A live client that pushes without reading its replies (acks, errors):
 * once its socket is full, this many more are queued in memory at most,
 * then it is closed with 1008; deferred acks likewise. */
#define MAX_REPLIES_UNREAD 64
#define MAX_DEFERRED_ACKS 1024
/* A group is committed at the latest when it holds this many pushes or
 * events, even while more requests are waiting to be read. */
#define GROUP_MAX_PUSHES 64
#define GROUP_MAX_EVENTS 5000

typedef struct _Server Server;
/* Snapshot makers (cairn-server-snapshots.c). */
typedef struct _CairnServerSnapshots CairnServerSnapshots;

/* One live WebSocket. The server holds the only strong reference to conn
 * (libsoup does not keep one) until "closed". */
typedef struct
{
  Server                  *server;
  SoupWebsocketConnection *conn;
  char                    *workspace_id;
  char                    *token;
  CairnAuth               *auth;
  GSocket                 *socket;      /* the TCP socket under conn (TLS included) */
  gboolean                 catching_up; /* backlog not all sent: no fan-out yet */
  gint64                   backlog_after;
  guint                    backlog_source;
  gint64                   sent_seq;    /* every event up to this one was sent */
  GQueue                   deferred;    /* DeferredAck* waiting for their events */
  gint64                   touched_at;  /* monotonic µs: session last marked used */
  guint                    replies_unread; /* replies queued while its socket was full */
} LiveConn;

/* An ack to a live push whose connection is catching up: sent once the
 * connection has been sent every event up to upto (events before acks). */
typedef struct
{
  gint64  upto;
  char   *text;
} DeferredAck;

struct _Server
{
  CairnServerCore *core;
  SoupServer      *soup;
  GSocketService  *service;       /* accepts soup's connections (cairn-soup-listen.c) */
  GMainLoop       *loop;
  GHashTable      *live;          /* workspace id -> GPtrArray of LiveConn* */
  GHashTable      *live_per_user; /* user id (gint64*) -> count */
  guint            max_live_per_user;
  GHashTable      *addr_counts;   /* address key -> connections (see AddrSlot) */
  guint            max_conns_per_address;
  guint            request_timeout_s;
  guint            live_recheck;  /* timeout source of _cairn_server_recheck_live() */
  gboolean         trust_proxy;
  gboolean         shutting_down;
  guint            in_flight;     /* paused requests (logins, pushes waiting for their commit) */
  guint            shutdown_timeout;
  GPtrArray       *pending;       /* PendingPush* of the open group, in push order */
  guint            pending_events;
  guint            commit_source; /* idle that commits the open group */
  guint            checks_running; /* password checks on worker threads */
  GQueue           checks_waiting; /* GTask* of logins waiting for a turn */
  guint            max_checks_waiting;
  guint            check_delay_ms; /* test only: added to every password check */
  CairnServerSnapshots *snapshots; /* makers on worker threads (issue 17) */
};

/* A push stored in the open group, answered once the group commits: an
 * HTTP one (msg, paused) or one over a live WebSocket (conn and the push's
 * message id). */
typedef struct
{
  SoupServerMessage       *msg;
  SoupWebsocketConnection *conn;
  char                    *id;
  char                    *workspace_id;
  CairnPushReply    *reply;
  GPtrArray         *appended;
} PendingPush;

#define STORAGE_FULL_TEXT "The server cannot store anything right now (its disk is full or failing); try again later"
#define STORAGE_FULL_RETRY_AFTER 30

/* Test only (CAIRN_SERVER_TEST_MAX_ARGS_BYTES): a lower args limit. */
extern gsize _cairn_server_test_max_args_bytes;
/* TRUE: no request log (the in-process server of the tests and fuzzers). */
extern gboolean _cairn_server_quiet_log;

/* One connection (directly: a socket; behind a proxy: a request in
 * progress) counted under its client address, uncounted when freed. It
 * holds its own reference to the table, since a socket may be finalized
 * after the server let go of it, and perhaps on another thread (the last
 * reference to a paused login's message can be dropped by its worker). */
typedef struct
{
  GHashTable *counts;
  char       *key;
} AddrSlot;

void _cairn_server_addr_slot_free (AddrSlot *slot);
AddrSlot * _cairn_server_addr_slot_take (Server *self, const char *address);
void _cairn_server_answer_error (SoupServerMessage *msg, CairnProtocolError code, const char *message);
void _cairn_server_answer_error_full (SoupServerMessage *msg, CairnProtocolError code, const char *message, const char *client_id, gint64 expected, gint64 retry_after);
void _cairn_server_answer_gerror (SoupServerMessage *msg, const GError *error);
void _cairn_server_answer_json (SoupServerMessage *msg, guint status, JsonNode *node);
void _cairn_server_answer_method_not_allowed (SoupServerMessage *msg, const char *allow);
CairnAuth * _cairn_server_authenticate (Server *self, SoupServerMessage *msg);
char * _cairn_server_bearer_token (SoupServerMessage *msg);
gboolean _cairn_server_check_test_args_limit (GPtrArray *events, GError **error);
void _cairn_server_close_live (Server *self, const char *workspace_id, const char *username, const char *session_id, gushort code, const char *reason);
void _cairn_server_setup (Server *self, CairnServerCore *core);
void _cairn_server_teardown (Server *self, guint settle_rounds);
int _cairn_server_cmd_serve (int argc, char **argv);
CairnServerCoreOptions _cairn_server_core_options_from_env (void);
/* Opens the core from --data DIR or --database URI (else the
 * CAIRN_SERVER_DATABASE environment variable): exactly one of them. NULL
 * after printing why, prefixed with "cairn-server what: ". */
CairnServerCore *_cairn_server_open_core (const char *what, const char *data_dir, const char *database,
                                          const CairnServerCoreOptions *opts);
void _cairn_server_fan_out (Server *self, const char *workspace_id, GPtrArray *appended, gint64 head);
/* A CairnCoreCommitFunc (user_data: the Server): live connections behind
 * the committed head read the rest from the database. */
void _cairn_server_on_commit (const char *workspace_id, gint64 head, gpointer user_data);
/* How often (ms) live connections are checked against the heads in the
 * database, in case a notification of another instance's commit was lost. */
#define CATCH_UP_MS 2000
/* How often a live backlog the database could not serve is tried again. */
#define LIVE_STORAGE_RETRY_MS 500
void _cairn_server_handle_early (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data);
void _cairn_server_handle_live (Server *self, SoupServerMessage *msg, CairnAuth *auth, const char *ws, GHashTable *query);
void _cairn_server_handle_request (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data);
gboolean _cairn_server_is_storage_full (const GError *error);
void _cairn_server_live_reply (LiveConn *lc, const char *text);
void _cairn_server_log_line (const char *kind, const char *method, const char *path, guint status, double duration_ms, const char *remote);
void _cairn_server_maybe_finish_shutdown (Server *self);
void _cairn_server_on_group_done (const GError *error, gpointer user_data);
void _cairn_server_on_request_done (SoupServer *soup, SoupServerMessage *msg, gpointer user_data);
void _cairn_server_on_request_read (SoupServer *soup, SoupServerMessage *msg, gpointer user_data);
void _cairn_server_on_request_started (SoupServer *soup, SoupServerMessage *msg, gpointer user_data);
void _cairn_server_pending_push_free (PendingPush *pp);
JsonNode * _cairn_server_read_body (SoupServerMessage *msg, GError **error);
gboolean _cairn_server_recheck_live (gpointer user_data);
void _cairn_server_refuse_and_close (Server *self, SoupServerMessage *msg, CairnProtocolError code, const char *message);
const char * _cairn_server_remote_address (Server *self, SoupServerMessage *msg);
void _cairn_server_schedule_group_commit (Server *self);

/* ---- snapshots (cairn-server-snapshots.c) ----------------------------- */

CairnServerSnapshots *_cairn_server_snapshots_new  (CairnServerCore      *core);
void _cairn_server_snapshots_free   (CairnServerSnapshots *snapshots);
void _cairn_server_snapshots_pushed (Server *self, const char *workspace_id, guint n_events);
void _cairn_server_handle_snapshot  (Server *self, SoupServerMessage *msg, CairnAuth *auth,
                                     const char *ws);
void _cairn_server_handle_object_events (Server *self, SoupServerMessage *msg, CairnAuth *auth,
                                         const char *ws, GHashTable *query);

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-test-server.h: run a real cairn-server process and talk to it (tests, bench).
 *
 * Starts `cairn-server serve` on 127.0.0.1 with port 0 in a fresh data folder,
 * reads the port from its "listening on" line, and offers small blocking
 * HTTP and WebSocket helpers on libsoup. The server's stderr (the request
 * log) goes to DIR/server.log.
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "cairn-protocol.h"

G_BEGIN_DECLS

typedef struct
{
  char        *binary;     /* path to cairn-server */
  char        *dir;        /* temporary folder: data/ and server.log */
  char        *data_dir;
  /* Where the server keeps its store, as its command line says it:
   * store_option "--data" and store data_dir, or (CAIRN_TEST_BACKEND=
   * postgresql, pg-test-util.h) "--database" and a fresh database's URI. */
  const char  *store_option;
  char        *store;
  char        *log_path;
  GSubprocess *proc;
  char        *base;       /* http://127.0.0.1:PORT */
  SoupSession *session;
  gboolean     accept_any_certificate;  /* for a self-signed test certificate */
} CairnTestServer;

/* A fresh folder; the server is not started yet. extra_env: NULL or
 * NULL-terminated "NAME=VALUE" pairs for the server process. */
CairnTestServer *cairn_test_server_new      (void);
void             cairn_test_server_start    (CairnTestServer    *self,
                                             const char * const *extra_env);
/* Same, with extra command line arguments for `serve`. */
void             cairn_test_server_start_full (CairnTestServer    *self,
                                               const char * const *extra_env,
                                               const char * const *extra_args);
/* SIGKILL (hard) or SIGTERM and wait; returns the exit status. */
int              cairn_test_server_stop     (CairnTestServer    *self,
                                             gboolean            hard);
/* Waits for the process to exit by itself; returns the exit status. */
int              cairn_test_server_wait     (CairnTestServer    *self);
void             cairn_test_server_free     (CairnTestServer    *self);
/* A backup of a stopped server's store into path, as docs/server.md says
 * to take one: a copy of the data folder, or (PostgreSQL) pg_dump. */
void             cairn_test_server_save_store (CairnTestServer *self,
                                               const char      *path);
/* The store of a stopped server replaced by a backup save_store() took
 * (PostgreSQL: the database dropped, created and pg_restore'd). */
void             cairn_test_server_load_store (CairnTestServer *self,
                                               const char      *path);
/* `cairn-server user add NAME` with the password on stdin. */
void             cairn_test_server_add_user (CairnTestServer    *self,
                                             const char         *name,
                                             const char         *password);
/* A new self-signed certificate for 127.0.0.1 and its key, made by openssl
 * in dir as NAME-cert.pem and NAME-key.pem (for --tls-cert, --tls-key).
 * FALSE when openssl is not installed (the caller skips). */
gboolean         cairn_test_make_certificate (const char        *dir,
                                              const char        *name,
                                              char             **out_cert,
                                              char             **out_key);

/* What most HTTP tests start from: a started server (extra_env as for
 * cairn_test_server_start()) with users alice and bob, each signed in
 * once on the device named, and their personal workspaces. */
#define CAIRN_TEST_ALICE_PW "alice-password"
#define CAIRN_TEST_BOB_PW   "bob-password-1"

typedef struct
{
  CairnTestServer *srv;
  char            *alice;      /* token */
  char            *bob;
  char            *alice_ws;   /* personal workspaces */
  char            *bob_ws;
} CairnTestUsers;

void             cairn_test_users_start     (CairnTestUsers     *users,
                                             const char * const *extra_env,
                                             const char         *alice_device,
                                             const char         *bob_device);
/* Stops the server and frees everything. */
void             cairn_test_users_clear     (CairnTestUsers     *users);

/* Answers to requests sent at once, counted by status. */
typedef struct
{
  guint done;
  guint unauthorized;   /* 401 */
  guint rate_limited;   /* 429 */
  guint other;
} CairnTestBurst;

/* POSTs the JSON body to path on session without waiting; the answer is
 * counted in burst (the call itself must not fail). */
void             cairn_test_post_counted    (CairnTestServer    *self,
                                             SoupSession        *session,
                                             const char         *path,
                                             const char         *body,
                                             CairnTestBurst     *burst);
/* Runs the default main context until burst holds n answers. */
void             cairn_test_burst_wait      (CairnTestBurst     *burst,
                                             guint               n);

/* A plain TCP connection to the server, for what an HTTP client would
 * never send. */
GSocketConnection *cairn_test_server_connect_raw (CairnTestServer *self);

/* One HTTP call. body may be NULL; body_len -1 means strlen. Returns the
 * parsed JSON answer (NULL for an empty one) and the status. */
JsonNode        *cairn_test_http            (CairnTestServer    *self,
                                             SoupSession        *session,
                                             const char         *method,
                                             const char         *path,
                                             const char         *token,
                                             const char         *body,
                                             gssize              body_len,
                                             guint              *out_status);
/* Logs in and returns the token. */
char            *cairn_test_login           (CairnTestServer    *self,
                                             const char         *user,
                                             const char         *password,
                                             const char         *device);
/* The user's personal workspace id (first in the list). */
char            *cairn_test_personal_ws     (CairnTestServer    *self,
                                             const char         *token);
/* A push body of events from..to of one client. */
char            *cairn_test_push_body       (const char         *client_id,
                                             gint64              from,
                                             gint64              to);

/* Opens a live WebSocket (runs the default main context until done);
 * returns NULL with *out_status set when the server refused the upgrade. */
SoupWebsocketConnection *cairn_test_live_connect (CairnTestServer *self,
                                                  const char      *token,
                                                  const char      *ws,
                                                  gint64           after,
                                                  guint           *out_status);

/* Queues every text message a connection receives, decoded. */
typedef struct
{
  SoupWebsocketConnection *conn;
  GQueue                   messages;   /* CairnLiveMessage* */
  gboolean                 closed;
  gushort                  close_code;
} CairnTestListener;

CairnTestListener *cairn_test_listener_new  (SoupWebsocketConnection *conn);
void               cairn_test_listener_free (CairnTestListener       *self);
/* Runs the main context until a message is queued (or timeout_ms passes,
 * or the connection closed); pops it or returns NULL. */
CairnLiveMessage  *cairn_test_listener_next (CairnTestListener       *self,
                                             guint                    timeout_ms);
/* Runs the main context until the connection is closed. */
gboolean           cairn_test_listener_wait_closed (CairnTestListener *self,
                                                    guint              timeout_ms);

G_END_DECLS

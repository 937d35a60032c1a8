/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-protocol.h: encoders and validating decoders for the v1 wire protocol.
 *
 * Both cairn-server and the client sync engine use these, so that both ends
 * agree on every shape, limit and error code (docs/protocol.md is the prose
 * form of this file). Decoders check types, required and unknown fields,
 * UTF-8, id formats and limits, and fail with CAIRN_PROTOCOL_ERROR and a
 * message that names the offending field. Nothing here does I/O.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "cairn-ids.h"

G_BEGIN_DECLS

#define CAIRN_PROTOCOL_VERSION "1"

/* Limits (docs/protocol.md, "Limits"). */
#define CAIRN_PROTOCOL_MAX_BODY_BYTES         (1024 * 1024)
#define CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES   (1024 * 1024)
#define CAIRN_PROTOCOL_MAX_EVENTS_PER_PUSH    500
#define CAIRN_PROTOCOL_MAX_ARGS_BYTES         (64 * 1024)
#define CAIRN_PROTOCOL_DEFAULT_PULL_LIMIT     500
#define CAIRN_PROTOCOL_MAX_PULL_LIMIT         1000
#define CAIRN_PROTOCOL_MAX_EVENT_NAME_BYTES   64
#define CAIRN_PROTOCOL_MAX_USERNAME_BYTES     64
#define CAIRN_PROTOCOL_MAX_PASSWORD_BYTES     1024
#define CAIRN_PROTOCOL_MAX_DEVICE_BYTES       128
#define CAIRN_PROTOCOL_MAX_WORKSPACE_NAME_BYTES 200
#define CAIRN_PROTOCOL_MAX_MESSAGE_ID_BYTES   64
/* Pull answers and live "events" messages are cut into pages so that none
 * is larger than this (a client may keep its WebSocket incoming limit at
 * CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES). */
#define CAIRN_PROTOCOL_MAX_PAGE_BYTES         (1024 * 1024)
/* Largest integer a JSON number carries exactly in every client (2^53). */
#define CAIRN_PROTOCOL_MAX_INT                G_GINT64_CONSTANT (9007199254740992)

#define CAIRN_PROTOCOL_ERROR (cairn_protocol_error_quark ())

/* Every error the protocol can answer with. Each has a fixed wire code
 * string and HTTP status: cairn_protocol_error_code() and
 * cairn_protocol_error_status(). */
typedef enum
{
  CAIRN_PROTOCOL_ERROR_MALFORMED_JSON,       /* 400 malformed_json */
  CAIRN_PROTOCOL_ERROR_INVALID_UTF8,         /* 400 invalid_utf8 */
  CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,      /* 400 invalid_request: wrong type, missing/unknown field, bad id */
  CAIRN_PROTOCOL_ERROR_INVALID_PARAMETER,    /* 400 invalid_parameter: query string (after, limit) */
  CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,         /* 401 unauthorized: no, bad, expired or revoked token; failed login */
  CAIRN_PROTOCOL_ERROR_FORBIDDEN,            /* 403 forbidden: owner-only call by a member */
  CAIRN_PROTOCOL_ERROR_NOT_FOUND,            /* 404 not_found */
  CAIRN_PROTOCOL_ERROR_METHOD_NOT_ALLOWED,   /* 405 method_not_allowed */
  CAIRN_PROTOCOL_ERROR_ALREADY_EXISTS,       /* 409 already_exists */
  CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP,       /* 409 client_seq_gap (+ client_id, expected) */
  CAIRN_PROTOCOL_ERROR_LENGTH_REQUIRED,      /* 411 length_required */
  CAIRN_PROTOCOL_ERROR_BODY_TOO_LARGE,       /* 413 body_too_large */
  CAIRN_PROTOCOL_ERROR_TOO_MANY_EVENTS,      /* 413 too_many_events */
  CAIRN_PROTOCOL_ERROR_ARGS_TOO_LARGE,       /* 413 args_too_large */
  CAIRN_PROTOCOL_ERROR_RATE_LIMITED,         /* 429 rate_limited (+ retry_after) */
  CAIRN_PROTOCOL_ERROR_TOO_MANY_CONNECTIONS, /* 429 too_many_connections */
  CAIRN_PROTOCOL_ERROR_INTERNAL,             /* 500 internal */
  CAIRN_PROTOCOL_ERROR_SHUTTING_DOWN,        /* 503 shutting_down */
  CAIRN_PROTOCOL_ERROR_STORAGE_FULL,         /* 503 storage_full: the server cannot write (disk full, I/O error); Retry-After */
  CAIRN_PROTOCOL_ERROR_UNKNOWN,              /* a code this build does not know (client side) */
} CairnProtocolError;

GQuark       cairn_protocol_error_quark  (void);
const char  *cairn_protocol_error_code   (CairnProtocolError  error);
guint        cairn_protocol_error_status (CairnProtocolError  error);
/* Maps a wire code string back; unknown strings give CAIRN_PROTOCOL_ERROR_UNKNOWN. */
CairnProtocolError cairn_protocol_error_from_code (const char *code);

/* ---- ids and small validators ---------------------------------------- */

/* Client ids and UUIDs: cairn_is_client_id(), cairn_is_object_id()
 * (cairn-ids.h). */
gboolean     cairn_protocol_is_username     (const char *str);  /* 1..64 of [a-z0-9._-], starts alnum */
gboolean     cairn_protocol_is_event_name   (const char *str);  /* "todo.renamed": [a-z][a-z0-9_]* joined by '.' */
/* A free-text field (device name, workspace name): valid UTF-8, 1..max_bytes,
 * no control characters. */
gboolean     cairn_protocol_is_label        (const char *str,
                                             gsize       max_bytes);

/* ---- parsing --------------------------------------------------------- */

/* Parses one request body or WebSocket message: rejects more than
 * max_bytes (BODY_TOO_LARGE), invalid UTF-8, NUL bytes or an escaped NUL
 * in a string (INVALID_UTF8), nesting deeper than CAIRN_JSON_MAX_DEPTH
 * and anything that is not RFC 8259 JSON (MALFORMED_JSON, found before
 * json-glib, which recurses without limit, sees it), integers that do not
 * fit in 64 bits and a root that is not an object (INVALID_REQUEST).
 * Returns the root object node. */
JsonNode    *cairn_protocol_parse           (const char  *data,
                                             gsize        length,
                                             gsize        max_bytes,
                                             GError     **error);
/* Compact JSON text of a node, newly allocated. */
char        *cairn_protocol_to_string       (JsonNode    *node,
                                             gsize       *length);

/* ---- events ---------------------------------------------------------- */

/* One event as it travels. args_json is the compact JSON text of the args
 * object (what the server stores and sends back verbatim). seq and device
 * are set only on events that come from the server (0 / NULL before);
 * chain (cairn-chain.h: the digest of the server's log up to seq) only on
 * those of a server that keeps it, NULL otherwise. */
typedef struct
{
  char   *name;
  gint64  version;
  char   *args_json;
  char   *client_id;
  gint64  client_seq;
  gint64  created_at;
  gint64  seq;
  char   *device;
  char   *chain;
  char   *user;     /* name of the user who pushed it (server events; NULL from older servers) */
} CairnWireEvent;

CairnWireEvent *cairn_wire_event_new   (const char *name,
                                        gint64      version,
                                        const char *args_json,
                                        const char *client_id,
                                        gint64      client_seq,
                                        gint64      created_at);
CairnWireEvent *cairn_wire_event_copy  (const CairnWireEvent *self);
void            cairn_wire_event_free  (CairnWireEvent *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnWireEvent, cairn_wire_event_free)

/* An upper bound of the bytes cairn_protocol_encode_event() produces for
 * this event, for cutting pages. */
gsize           cairn_wire_event_size_bound (const CairnWireEvent *self);

/* Decodes one event object. With from_server FALSE (what a server accepts
 * from a client) "seq", "device" and "chain" are refused as unknown fields;
 * with from_server TRUE "seq" (>= 1) is required, "device", "user" (a
 * user name) and "chain" (32 lowercase hex digits) optional. */
CairnWireEvent *cairn_protocol_decode_event (JsonNode   *node,
                                             gboolean    from_server,
                                             GError    **error);
JsonNode       *cairn_protocol_encode_event (const CairnWireEvent *event);

/* ---- errors ---------------------------------------------------------- */

/* A decoded error answer. client_id/expected are set for client_seq_gap,
 * retry_after (seconds) for rate_limited; 0/NULL otherwise. */
typedef struct
{
  CairnProtocolError  error;
  char               *code;       /* the wire string, also for UNKNOWN */
  char               *message;
  char               *client_id;
  gint64              expected;
  gint64              retry_after;
} CairnErrorReply;

void            cairn_error_reply_free (CairnErrorReply *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnErrorReply, cairn_error_reply_free)

/* {"error":{"code","message"[,"client_id","expected"][,"retry_after"]}}.
 * client_id may be NULL; expected/retry_after are written only when > 0. */
JsonNode       *cairn_protocol_encode_error (CairnProtocolError  error,
                                             const char         *message,
                                             const char         *client_id,
                                             gint64              expected,
                                             gint64              retry_after);
CairnErrorReply *cairn_protocol_decode_error (JsonNode  *node,
                                              GError   **error);
/* Turns a decoded reply into a GError in CAIRN_PROTOCOL_ERROR. */
GError         *cairn_error_reply_to_gerror (const CairnErrorReply *self);

/* ---- sessions -------------------------------------------------------- */

typedef struct
{
  char *username;
  char *password;
  char *device;
} CairnSessionRequest;

void                 cairn_session_request_free   (CairnSessionRequest *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnSessionRequest, cairn_session_request_free)
JsonNode            *cairn_protocol_encode_session_request (const char *username,
                                                            const char *password,
                                                            const char *device);
CairnSessionRequest *cairn_protocol_decode_session_request (JsonNode  *node,
                                                            GError   **error);

typedef struct
{
  char *token;
  char *user;
  char *device;
  char *session_id;
} CairnSessionReply;

void               cairn_session_reply_free (CairnSessionReply *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnSessionReply, cairn_session_reply_free)
JsonNode          *cairn_protocol_encode_session_reply (const char *token,
                                                        const char *user,
                                                        const char *device,
                                                        const char *session_id);
CairnSessionReply *cairn_protocol_decode_session_reply (JsonNode  *node,
                                                        GError   **error);

/* One entry of GET /v1/sessions. Times are unix milliseconds. */
typedef struct
{
  char     *id;
  char     *device;
  gint64    created_at;
  gint64    last_used_at;
  gboolean  current;
} CairnSessionInfo;

void       cairn_session_info_free (CairnSessionInfo *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnSessionInfo, cairn_session_info_free)
/* sessions: CairnSessionInfo* */
JsonNode  *cairn_protocol_encode_sessions (GPtrArray  *sessions);
GPtrArray *cairn_protocol_decode_sessions (JsonNode   *node,
                                           GError    **error);

/* ---- workspaces and members ------------------------------------------ */

typedef struct
{
  char     *id;
  char     *name;
  char     *owner;
  gboolean  personal;
} CairnWorkspaceInfo;

void       cairn_workspace_info_free (CairnWorkspaceInfo *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnWorkspaceInfo, cairn_workspace_info_free)
JsonNode           *cairn_protocol_encode_workspace  (const CairnWorkspaceInfo *ws);
CairnWorkspaceInfo *cairn_protocol_decode_workspace  (JsonNode  *node,
                                                      GError   **error);
/* workspaces: CairnWorkspaceInfo* */
JsonNode           *cairn_protocol_encode_workspaces (GPtrArray *workspaces);
GPtrArray          *cairn_protocol_decode_workspaces (JsonNode  *node,
                                                      GError   **error);

/* {"name"} for POST /v1/workspaces; returns the validated name. */
JsonNode  *cairn_protocol_encode_workspace_request (const char *name);
char      *cairn_protocol_decode_workspace_request (JsonNode  *node,
                                                    GError   **error);

typedef struct
{
  char *username;
  char *role;       /* "owner" or "member" */
} CairnMemberInfo;

void       cairn_member_info_free (CairnMemberInfo *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnMemberInfo, cairn_member_info_free)
JsonNode  *cairn_protocol_encode_members (GPtrArray *members);
GPtrArray *cairn_protocol_decode_members (JsonNode  *node,
                                          GError   **error);

/* {"username"} for POST /v1/workspaces/{ws}/members. */
JsonNode  *cairn_protocol_encode_member_request (const char *username);
char      *cairn_protocol_decode_member_request (JsonNode  *node,
                                                 GError   **error);

/* ---- push and pull --------------------------------------------------- */

/* {"events":[…]} (HTTP) or, with id non-NULL, {"type":"push","id",
 * "events":[…]} (WebSocket). events: CairnWireEvent*. */
JsonNode  *cairn_protocol_encode_push_request (GPtrArray   *events,
                                               const char  *id);
/* Checks 1..MAX_EVENTS_PER_PUSH events (TOO_MANY_EVENTS), each a valid
 * client event with args within MAX_ARGS_BYTES (ARGS_TOO_LARGE), and that
 * the events of each client_id have consecutive client_seqs in order. With
 * websocket TRUE, expects the "type" and "id" members and returns the id. */
GPtrArray *cairn_protocol_decode_push_request (JsonNode    *node,
                                               gboolean     websocket,
                                               char       **out_id,
                                               GError     **error);
/* A fast path for the HTTP push body: decodes data (len bytes, no tree)
 * when it is the common shape: every event with exactly the six members,
 * plain ASCII strings without escapes, integers, and args already in the
 * compact form the generator writes (no spaces, no escapes, no fractions,
 * no repeated keys). Returns exactly what parse + decode_push_request
 * would return for it. Returns NULL for anything else, valid or not, and
 * never reports an error: the caller then takes the general path, which
 * gives every refusal its usual error. */
GPtrArray *cairn_protocol_decode_push_fast    (const char  *data,
                                               gsize        len);

typedef struct
{
  char   *client_id;
  gint64  client_seq;
  gint64  seq;
} CairnPushResult;

void       cairn_push_result_free (CairnPushResult *self);

typedef struct
{
  GPtrArray *results;      /* CairnPushResult*, in request order */
  gint64     head;
  char      *history_id;
  char      *id;           /* WebSocket ack only */
} CairnPushReply;

void            cairn_push_reply_free (CairnPushReply *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnPushReply, cairn_push_reply_free)
/* With id non-NULL, the WebSocket form {"type":"ack","id",…}. */
JsonNode       *cairn_protocol_encode_push_reply (const CairnPushReply *reply);
/* The same answer written straight to text (no tree): the server's hot
 * path. Parses to the same JSON as the encoded node. */
char           *cairn_protocol_push_reply_to_text (const CairnPushReply *reply,
                                                   gsize                *out_length);
CairnPushReply *cairn_protocol_decode_push_reply (JsonNode  *node,
                                                  gboolean   websocket,
                                                  GError   **error);

typedef struct
{
  GPtrArray *events;       /* CairnWireEvent*, seq ascending */
  gint64     head;
  char      *history_id;
  gboolean   more;
} CairnPullReply;

void            cairn_pull_reply_free (CairnPullReply *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnPullReply, cairn_pull_reply_free)
JsonNode       *cairn_protocol_encode_pull_reply (const CairnPullReply *reply);
/* Also checks that seqs are ascending and none exceeds head. */
CairnPullReply *cairn_protocol_decode_pull_reply (JsonNode  *node,
                                                  GError   **error);
/* The answer written straight to text, without a tree (the server's pull
 * and live backlog path): the same JSON as the encoded node, with each
 * event's args_json copied as it is (it must be a compact JSON object). */
char           *cairn_protocol_pull_reply_to_text (const CairnPullReply *reply,
                                                   gsize                *out_length);
/* A fast path for the pull answer: decodes data (len bytes) without a
 * tree when it is the shape the server writes: strings without escapes
 * outside args, integers, and args in compact form (no spaces, integers,
 * no repeated keys; strings may hold any text and escapes). Returns NULL
 * for anything else, valid or not, and never reports an error. An event's
 * args_json is then its args as sent, which json-glib reads as the same
 * object as the general path's args_json (re-written by the generator, no
 * longer than the text sent). */
CairnPullReply *cairn_protocol_decode_pull_reply_fast (const char *data,
                                                       gsize       len);
/* Decodes a pull answer from its text: the fast path above, else
 * cairn_protocol_parse() (with max_bytes) and
 * cairn_protocol_decode_pull_reply(), so the result and every error are
 * the same as theirs. */
CairnPullReply *cairn_protocol_decode_pull_reply_text (const char  *data,
                                                       gsize        len,
                                                       gsize        max_bytes,
                                                       GError     **error);

/* Parses the "after" and "limit" query values (NULL means absent:
 * after 0, limit DEFAULT_PULL_LIMIT). Refuses anything but a decimal
 * integer in range (after >= 0; 1 <= limit <= MAX_PULL_LIMIT) with
 * INVALID_PARAMETER. */
gboolean   cairn_protocol_parse_after  (const char *value,
                                        gint64     *out,
                                        GError    **error);
gboolean   cairn_protocol_parse_limit  (const char *value,
                                        guint      *out,
                                        GError    **error);

/* ---- live WebSocket -------------------------------------------------- */

typedef enum
{
  CAIRN_LIVE_HELLO,   /* head, history_id */
  CAIRN_LIVE_EVENTS,  /* events, head */
  CAIRN_LIVE_ACK,     /* ack */
  CAIRN_LIVE_ERROR,   /* id (may be NULL), error */
} CairnLiveType;

typedef struct
{
  CairnLiveType    type;
  gint64           head;
  char            *history_id;
  GPtrArray       *events;   /* CairnWireEvent*; EVENTS only */
  CairnPushReply  *ack;      /* ACK only */
  char            *id;       /* ERROR: the push id it answers, or NULL */
  CairnErrorReply *error;    /* ERROR only */
} CairnLiveMessage;

void              cairn_live_message_free (CairnLiveMessage *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnLiveMessage, cairn_live_message_free)

JsonNode         *cairn_protocol_encode_live_hello  (gint64      head,
                                                     const char *history_id);
/* events: CairnWireEvent* */
JsonNode         *cairn_protocol_encode_live_events (GPtrArray  *events,
                                                     gint64      head);
/* The same message written straight to text (see
 * cairn_protocol_pull_reply_to_text()). */
char             *cairn_protocol_live_events_to_text (GPtrArray *events,
                                                      gint64     head,
                                                      gsize     *out_length);
/* {"type":"error","id":id|null,"error":{…}} */
JsonNode         *cairn_protocol_encode_live_error  (const char         *id,
                                                     CairnProtocolError  error,
                                                     const char         *message,
                                                     const char         *client_id,
                                                     gint64              expected);
/* Decodes any server-to-client live message. */
CairnLiveMessage *cairn_protocol_decode_live_message (JsonNode  *node,
                                                      GError   **error);
/* The fast path for an "events" message (see
 * cairn_protocol_decode_pull_reply_fast()): NULL for anything else. */
CairnLiveMessage *cairn_protocol_decode_live_events_fast (const char *data,
                                                          gsize       len);
/* Any live message from its text: the fast path, else parse and decode. */
CairnLiveMessage *cairn_protocol_decode_live_message_text (const char  *data,
                                                           gsize        len,
                                                           gsize        max_bytes,
                                                           GError     **error);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-event.h: one user change (`todo.renamed` …), as stored and as sent.
 *
 * An event is a name, a version and a JSON object of args, plus who made it
 * (client id, gap-free client seq), when (created_at, display only) and, once
 * the server has ordered it, its seq. Events are immutable and ref-counted.
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "cairn-ids.h"

G_BEGIN_DECLS

#define CAIRN_EVENT_ERROR (cairn_event_error_quark ())

typedef enum
{
  CAIRN_EVENT_ERROR_INVALID,      /* malformed event or args; message names the field */
  CAIRN_EVENT_ERROR_UNKNOWN,      /* name/version this build does not know */
  CAIRN_EVENT_ERROR_TOO_LARGE,    /* valid, but more than the server accepts */
} CairnEventError;

/* What cairn-server accepts of one event (docs/protocol.md, "Limits"; the
 * sync engine checks they equal CAIRN_PROTOCOL_MAX_*): a local commit
 * refuses more, so that every committed event can be pushed. */
#define CAIRN_EVENT_MAX_ARGS_BYTES (64 * 1024)
#define CAIRN_EVENT_MAX_NAME_BYTES 64
#define CAIRN_EVENT_MAX_VERSION    G_MAXINT32

GQuark cairn_event_error_quark (void);

typedef struct _CairnEvent CairnEvent;

struct _CairnEvent
{
  char       *name;        /* "todo.renamed" */
  guint       version;     /* >= 1 */
  JsonObject *args;        /* never NULL */
  char       *client_id;   /* 32 lowercase hex digits; NULL until stored */
  gint64      client_seq;  /* >= 1 once stored, 0 before */
  gint64      created_at;  /* unix milliseconds, for display only */
  gint64      seq;         /* server order, 0 while pending */
  char       *device;      /* device name the server saw it from, or NULL */
  char       *user;        /* user who pushed it (server events since issue 15), or NULL */

  /*< private >*/
  gatomicrefcount ref_count;
  /* The args as cairn_event_dup_args_json() writes them, when the text
   * the event was made from was exactly that (issue 17: the log keeps it
   * instead of writing it again); NULL otherwise. Set by
   * cairn_event_new_from_args_json() only, for an event nobody changes. */
  char           *args_text;
  /* Issue 17, third round: an event a catch-up takes from the wire is
   * made without its JsonObject (args NULL) and keeps the scanned members
   * here (a CairnFlatArgs, cairn-event-private.h); the store reads them,
   * and _cairn_event_ensure_args() builds args for any other reader.
   * NULL for every other event. */
  gpointer        flat;
  /* Fourth round: the version those members were found valid as where
   * the event was made (a catch-up makes it off the store's thread), so
   * that the store does not check them again; 0: not checked. */
  guint           flat_valid_as;
};

#define CAIRN_TYPE_EVENT (cairn_event_get_type ())
GType       cairn_event_get_type      (void) G_GNUC_CONST;

CairnEvent *cairn_event_new           (const char  *name,
                                       guint        version,
                                       JsonObject  *args);
CairnEvent *cairn_event_ref           (CairnEvent  *self);
void        cairn_event_unref         (CairnEvent  *self);

/* Checks name, version and args against the catalogue (docs/events.md):
 * required fields, types, id formats, title length. The error names the
 * field. Unknown name/version gives CAIRN_EVENT_ERROR_UNKNOWN. */
gboolean    cairn_event_validate      (const CairnEvent *self,
                                       GError          **error);

/* Checks that the server will accept the event as it travels: its name,
 * its version and the size of its args as compact JSON (what
 * cairn_event_dup_args_json() gives and the server measures).
 * CAIRN_EVENT_ERROR_TOO_LARGE names the event and its largest field. Call
 * it on new local events (cairn_store_commit() does), after validate. */
gboolean    cairn_event_check_limits  (const CairnEvent *self,
                                       GError          **error);

/* Wire/JSON form: {"name","version","args","client_id","client_seq",
 * "created_at"[, "seq"][, "device"][, "user"]}. Parsing checks shape and types only;
 * call cairn_event_validate() for the args. */
JsonNode   *cairn_event_to_json       (const CairnEvent *self);
CairnEvent *cairn_event_new_from_json (JsonNode        *node,
                                       GError         **error);
/* An event with these args, given as JSON text (an object): the compact
 * flat form the store and the server write is read without json-glib's
 * parser, anything else with it. CAIRN_EVENT_ERROR_INVALID when the text
 * is not a JSON object. Checks nothing else: see cairn_event_validate(). */
CairnEvent *cairn_event_new_from_args_json (const char  *name,
                                            guint        version,
                                            const char  *args_json,
                                            GError     **error);
/* The args as compact canonical JSON (members sorted), newly allocated. */
char       *cairn_event_dup_args_json (const CairnEvent *self);

/* A new time-ordered object id (UUIDv7, lowercase, with dashes); its
 * check and the client id's are in cairn-ids.h. */
char       *cairn_new_object_id       (void);
/* The longest title (of a list, todo or note) in Unicode code points. */
#define CAIRN_TITLE_MAX_CHARS 500

/* TRUE for a real calendar date written YYYY-MM-DD (years 0001-9999). */
gboolean    cairn_is_date             (const char *str);

/* Priorities, tags and the Inbox (docs/events.md, "Priorities, tags and
 * the Inbox"). */
#define CAIRN_TAG_NAME_MAX_CHARS 64
/* The Inbox: one list every workspace has, with this id in every
 * workspace, so that devices that create it offline make one list. */
#define CAIRN_INBOX_ID "00000000-0000-8000-8000-000000000001"
#define CAIRN_INBOX_TITLE "Inbox"

/* The palette of tag colours, NULL-terminated (the GNOME palette's names). */
extern const char * const cairn_tag_colors[];
/* The priorities from lowest to highest, NULL-terminated. */
extern const char * const cairn_priorities[];
gboolean    cairn_is_tag_color        (const char *str);
gboolean    cairn_is_priority         (const char *str);
/* The id a new tag of this name gets: derived from the case-folded name,
 * so that devices creating the same name offline make one tag (a UUIDv8,
 * lowercase, with dashes). */
char       *cairn_tag_id_for_name     (const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnEvent, cairn_event_unref)

G_END_DECLS

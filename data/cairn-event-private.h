/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-event-private.h: the event catalogue and upcasting, for the store. */
#pragma once

#include "cairn-event.h"

G_BEGIN_DECLS

#define CAIRN_EVENT_MAX_FIELDS 8

typedef enum
{
  CAIRN_FIELD_ID,         /* lowercase UUID */
  CAIRN_FIELD_TITLE,      /* trimmed UTF-8, 1..500 code points, no controls */
  CAIRN_FIELD_POSITION,   /* fractional position key, see cairn-position.h */
  CAIRN_FIELD_DATE,       /* YYYY-MM-DD, a real date */
  CAIRN_FIELD_TEXT_OPS,   /* base64 of a CairnTextOps encoding that decodes */
  CAIRN_FIELD_TAG_NAME,   /* a title of at most CAIRN_TAG_NAME_MAX_CHARS */
  CAIRN_FIELD_COLOR,      /* one of cairn_tag_colors[] */
  CAIRN_FIELD_PRIORITY,   /* none, low, medium or high */
  /* Due times, reminders and repeats (cairn-times.h) */
  CAIRN_FIELD_TIME,       /* HH:MM, a wall-clock time of day */
  CAIRN_FIELD_MOMENT,     /* YYYY-MM-DDTHH:MM±HH:MM, a local time and its offset */
  CAIRN_FIELD_REPEAT,     /* a repeat rule in its one spelling */
} CairnFieldKind;

typedef struct
{
  const char     *name;
  CairnFieldKind  kind;
  gboolean        optional;
} CairnFieldSpec;

typedef struct
{
  const char     *name;
  guint           version;
  CairnFieldSpec  fields[CAIRN_EVENT_MAX_FIELDS];
} CairnEventSpec;

const CairnEventSpec *_cairn_event_lookup_spec     (const char *name,
                                                    guint       version);
const CairnEventSpec *_cairn_event_get_catalogue   (gsize      *n_specs);
/* Newest version of name in the catalogue, 0 when the name is unknown. */
guint                 _cairn_event_current_version (const char *name);
CairnEvent           *_cairn_event_copy            (const CairnEvent *src);
/* TRUE when spec (a row of the catalogue) is the newest version of its name. */
gboolean              _cairn_event_spec_is_newest  (const CairnEventSpec *spec);

/* The newest spec of spec's name when cairn_event_upcast() takes an
 * event of spec to it with its args unchanged (every step an identity:
 * todo.created and todo.moved v1, …), else NULL. spec itself when it is
 * the newest. */
const CairnEventSpec *_cairn_event_spec_upcast_as_is (const CairnEventSpec *spec);

/* Returns the event at the newest version of its name (a new reference to
 * self when it already is). The only place where old versions are turned
 * into new ones: reducers only ever see the newest version. */
CairnEvent           *cairn_event_upcast           (const CairnEvent *self);

/* Stored args read without json-glib's parser (cairn-event-args.c): a
 * compact flat object of strings, integers, booleans and null, as the store
 * writes them. Anything outside that subset is declined (not an error):
 * parse it with json-glib then, which also reports any error. length -1:
 * up to the NUL. */
#define CAIRN_FLAT_ARGS_MAX 8

typedef struct
{
  const char   *name;
  JsonNodeType  node_type;    /* JSON_NODE_VALUE or JSON_NODE_NULL */
  GType         value_type;   /* G_TYPE_STRING, G_TYPE_INT64 or G_TYPE_BOOLEAN */
  const char   *string;       /* G_TYPE_STRING */
  gint64        number;       /* G_TYPE_INT64, or G_TYPE_BOOLEAN (0 or 1) */
} CairnFlatMember;

/* The members in their order; names and strings point into text, which is
 * reused (and grown when needed) by the next scan. */
typedef struct
{
  guint            n_members;
  CairnFlatMember  members[CAIRN_FLAT_ARGS_MAX];
  char            *text;
  gsize            text_size;
} CairnFlatArgs;

void                   _cairn_flat_args_init      (CairnFlatArgs       *args);
void                   _cairn_flat_args_clear     (CairnFlatArgs       *args);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CairnFlatArgs, _cairn_flat_args_clear)
/* FALSE: declined (args is then empty). */
gboolean               _cairn_flat_args_scan      (CairnFlatArgs       *args,
                                                   const char          *json,
                                                   gssize               length);
const CairnFlatMember *_cairn_flat_args_lookup    (const CairnFlatArgs *args,
                                                   const char          *name);
/* Exactly the sealed JsonObject that an immutable JsonParser gives. */
JsonObject            *_cairn_flat_args_to_object (const CairnFlatArgs *args);
/* Scan and to_object in one: NULL when declined. */
JsonObject            *_cairn_event_args_scan     (const char          *json,
                                                   gssize               length);
/* cairn_event_validate() of an event with these args, without building
 * it: the same verdict and the same message. */
/* cairn_event_check_limits() with the args as cairn_event_dup_args_json()
 * wrote them (a local commit stores that text, so it is made once). */
gboolean               _cairn_event_check_limits_args (const CairnEvent *event,
                                                       const char       *args_json,
                                                       GError          **error);
gboolean               _cairn_event_validate_flat (const char          *name,
                                                   guint                version,
                                                   const CairnFlatArgs *args,
                                                   GError             **error);

/* Events of a catch-up (issue 17, third round). An event with these args
 * that does not build its JsonObject: when args_json is flat and
 * canonical (what cairn_event_new_from_args_json() keeps as args_text),
 * event->args is NULL and event->flat holds the scanned members; any
 * other text gives what cairn_event_new_from_args_json() gives. Only for
 * events handed to cairn_store_rebase() and dropped after it: the store
 * reads the members (_cairn_event_get_flat()) and builds args where it
 * needs them (_cairn_event_ensure_args()). */
CairnEvent            *_cairn_event_new_wire      (const char          *name,
                                                   guint                version,
                                                   const char          *args_json,
                                                   GError             **error);
/* The scanned members of such an event while it has no args, else NULL. */
const CairnFlatArgs   *_cairn_event_get_flat      (const CairnEvent    *event);
/* Builds event->args from the scanned members when it has none (the
 * event stays the same event: the object is the one its text gives);
 * returns event->args. */
JsonObject            *_cairn_event_ensure_args   (const CairnEvent    *event);

G_END_DECLS

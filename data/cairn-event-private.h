/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-event-private.h: the event catalogue and upcasting, for the store. */
#pragma once

#include "cairn-event.h"

G_BEGIN_DECLS

#define CAIRN_EVENT_MAX_FIELDS 5

typedef enum
{
  CAIRN_FIELD_ID,         /* lowercase UUID */
  CAIRN_FIELD_TITLE,      /* trimmed UTF-8, 1..500 code points, no controls */
  CAIRN_FIELD_POSITION,   /* fractional position key, see cairn-position.h */
  CAIRN_FIELD_DATE,       /* YYYY-MM-DD, a real date */
  CAIRN_FIELD_TEXT_OPS,   /* base64 of a CairnTextOps encoding that decodes */
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

/* Returns the event at the newest version of its name (a new reference to
 * self when it already is). The only place where old versions are turned
 * into new ones: reducers only ever see the newest version. */
CairnEvent           *cairn_event_upcast           (const CairnEvent *self);

/* Stored args read without json-glib's parser (cairn-event-args.c): a
 * compact flat object of strings, integers, booleans and null, as the store
 * writes them, gives exactly the sealed JsonObject that an immutable
 * JsonParser would. NULL (not an error) for anything outside that subset:
 * parse it with json-glib then, which also reports any error. length -1:
 * up to the NUL. */
JsonObject           *_cairn_event_args_scan       (const char *json,
                                                    gssize      length);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-search.h: full-text search over todo titles, task notes, note
 * titles and note bodies (SQLite FTS5; docs/store.md, "The search index").
 *
 * Whatever a person types is a valid query: it is cut into words, each
 * quoted and made a prefix, all of them required. Matching ignores case
 * and accents ("cafe" finds "Café"); results come best first (bm25). */
#pragma once

#include "cairn-store.h"

G_BEGIN_DECLS

/* Around each matched word in a snippet: the UI escapes the snippet for
 * its markup, then turns these into highlighting. Control characters, so
 * that no text a person writes contains them. */
#define CAIRN_SEARCH_MARK_START "\x02"
#define CAIRN_SEARCH_MARK_END   "\x03"

typedef struct
{
  CairnObjectKind  kind;     /* CAIRN_OBJECT_TODO or CAIRN_OBJECT_NOTE */
  char            *id;
  char            *title;
  char            *snippet;  /* a few words around the match, with the marks */
} CairnSearchHit;

void            cairn_search_hit_free     (CairnSearchHit *hit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CairnSearchHit, cairn_search_hit_free)

/* The FTS5 MATCH expression for what a person typed: each word quoted and a
 * prefix ("caf" -> "\"caf\"*"), joined by spaces (all required). NULL when
 * @text has no word (then nothing matches). */
char           *cairn_search_build_match  (const char *text);

/* The live todos and notes that match @text, best first, at most @limit
 * (0: no limit): a new array of CairnSearchHit. Brings the index up to
 * date first (a short write transaction, only when something changed since
 * the last search); not from inside a transaction. An empty array when
 * @text has no word. */
GPtrArray      *cairn_store_search        (CairnStore  *store,
                                           const char  *text,
                                           guint        limit,
                                           GError     **error);

/* Brings the index up to date now (what cairn_store_search() does first):
 * the app may call it when idle, so that the first search after a large
 * catch-up or a rebuild does not wait. */
gboolean        cairn_store_update_search_index (CairnStore  *store,
                                                 GError     **error);

G_END_DECLS

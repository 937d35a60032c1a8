/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-search-private.h: the search index's tables and what the
 * schema, the rebuild and the store share about them
 * (cairn-store-search.c; docs/store.md, "The search index").
 *
 * The index is derived and local: never in a changeset, never synced, not
 * in the canonical dump. A change to a todo's or a note's searchable
 * columns only marks the object dirty (triggers, in the change's own
 * transaction, whoever writes: commit, rebase's roll-back and replay,
 * another process); the index catches up on the dirty objects before a
 * search. So typing in a note costs one row in search_dirty, not an FTS
 * update per keystroke. */
#pragma once

#include "cairn-store-private.h"

G_BEGIN_DECLS

/* search_docs maps an object to its FTS5 rowid (the state tables are
 * WITHOUT ROWID). search_meta.stale: the whole index must be made again
 * (after a migration or a rebuild), which the next search does.
 * prefix = '1 2 3': FTS5 keeps the posting lists of every 1-, 2- and
 * 3-letter prefix, so that a word being typed ("k*") is one list read,
 * not the merge of every word it starts (since schema 15; search as you
 * type, BENCHMARKS.md "perf14b"). */
#define CAIRN_SEARCH_FTS_SQL \
  "CREATE VIRTUAL TABLE search_fts USING fts5 (title, body," \
  "  tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');"

/* Schema 14 -> 15: the index made again with the 1-letter prefixes (an
 * FTS5 table's options are fixed when it is made): dropped and made
 * empty here, filled by the next search (stale). Only the search
 * index's own tables: derived and local. */
#define CAIRN_SEARCH_PREFIX_1_MIGRATION_SQL \
  "DROP TABLE search_fts;" \
  CAIRN_SEARCH_FTS_SQL \
  "DELETE FROM search_docs;" \
  "DELETE FROM search_dirty;" \
  "UPDATE search_meta SET stale = 1;"

#define CAIRN_SEARCH_TABLES_SQL \
  "CREATE TABLE search_docs (" \
  "  doc INTEGER PRIMARY KEY," \
  "  kind TEXT NOT NULL," \
  "  obj_id TEXT NOT NULL UNIQUE" \
  ");" \
  "CREATE TABLE search_dirty (obj_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;" \
  "CREATE TABLE search_meta (" \
  "  id INTEGER PRIMARY KEY CHECK (id = 1)," \
  "  stale INTEGER NOT NULL" \
  ");" \
  "INSERT INTO search_meta (id, stale) VALUES (1, 1);" \
  CAIRN_SEARCH_FTS_SQL

/* The todos of a deleted list are live rows (they come back with it) but
 * shown nowhere: they leave the index with their list and come back with
 * it, so that a search never has to look at lists. Not INSERT OR IGNORE:
 * an outer statement's conflict policy (an upsert's, say) overrides a
 * trigger's. A todo's notes mark it
 * through their version (todo_note_versions: state, so rolled back and
 * replayed by a rebase like the todos). */
#define CAIRN_SEARCH_TRIGGERS_SQL \
  "CREATE TRIGGER search_todos_ins AFTER INSERT ON todos BEGIN" \
  "  INSERT INTO search_dirty (obj_id) SELECT new.id" \
  "    WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE obj_id = new.id); END;" \
  "CREATE TRIGGER search_todos_upd AFTER UPDATE OF title, deleted, list_id ON todos" \
  "  WHEN old.title IS NOT new.title OR old.deleted IS NOT new.deleted" \
  "    OR old.list_id IS NOT new.list_id BEGIN" \
  "  INSERT INTO search_dirty (obj_id) SELECT new.id" \
  "    WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE obj_id = new.id); END;" \
  "CREATE TRIGGER search_todos_del AFTER DELETE ON todos BEGIN" \
  "  INSERT INTO search_dirty (obj_id) SELECT old.id" \
  "    WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE obj_id = old.id); END;" \
  "CREATE TRIGGER search_lists_upd AFTER UPDATE OF deleted ON lists" \
  "  WHEN old.deleted IS NOT new.deleted BEGIN" \
  "  INSERT INTO search_dirty (obj_id) SELECT id FROM todos WHERE list_id = new.id" \
  "    AND id NOT IN (SELECT obj_id FROM search_dirty); END;" \
  "CREATE TRIGGER search_notes_ins AFTER INSERT ON notes BEGIN" \
  "  INSERT INTO search_dirty (obj_id) SELECT new.id" \
  "    WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE obj_id = new.id); END;" \
  "CREATE TRIGGER search_notes_upd AFTER UPDATE OF title, body, deleted ON notes" \
  "  WHEN old.title IS NOT new.title OR old.body IS NOT new.body" \
  "    OR old.deleted IS NOT new.deleted BEGIN" \
  "  INSERT INTO search_dirty (obj_id) SELECT new.id" \
  "    WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE obj_id = new.id); END;" \
  "CREATE TRIGGER search_notes_del AFTER DELETE ON notes BEGIN" \
  "  INSERT INTO search_dirty (obj_id) SELECT old.id" \
  "    WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE obj_id = old.id); END;" \
  "CREATE TRIGGER search_todo_notes_ins AFTER INSERT ON todo_note_versions BEGIN" \
  "  INSERT INTO search_dirty (obj_id) SELECT new.id" \
  "    WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE obj_id = new.id); END;" \
  "CREATE TRIGGER search_todo_notes_upd AFTER UPDATE ON todo_note_versions BEGIN" \
  "  INSERT INTO search_dirty (obj_id) SELECT new.id" \
  "    WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE obj_id = new.id); END;" \
  "CREATE TRIGGER search_todo_notes_del AFTER DELETE ON todo_note_versions BEGIN" \
  "  INSERT INTO search_dirty (obj_id) SELECT old.id" \
  "    WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE obj_id = old.id); END;"

/* Drops the whole index and marks it stale (rebuild: cheaper than marking
 * every replayed row dirty). Inside a transaction. */
gboolean _cairn_store_search_reset      (CairnStore   *self,
                                         GError      **error);

/* Registers the FTS5 auxiliary functions the search uses on the store's
 * connection (cairn-store-search-rank.c): cairn_rank (search_fts,
 * weight, …), BM25 without length normalization, lower is better; and
 * cairn_snippet (search_fts, start, end, ellipsis, n_tokens). */
gboolean _cairn_store_search_register   (CairnStore   *self,
                                         GError      **error);

/* What cairn_top (search_fts, top, weight, …) and cairn_top_row (…)
 * fill (cairn-store-search-rank.c): the best @limit rows (0: all) of the
 * query, best first, as cairn_rank() with the same weights ranks them
 * and ties cut by the higher rowid. cairn_top(): one call, for a query of
 * one phrase; ranks only. cairn_top_row(): called for every row, in
 * descending rowid order; the rows kept with their title and snippet
 * (the snippet_* fields: cairn_snippet()'s arguments). @top is bound with
 * sqlite3_bind_pointer (…, CAIRN_SEARCH_TOP_POINTER, NULL); @kept made
 * by _cairn_search_top_init(), sorted by _cairn_search_top_finish()
 * after the statement. */
#define CAIRN_SEARCH_TOP_POINTER "cairn-search-top"
/* cairn_top_row() leaves the title and snippet of a row to the caller
 * (NULL) when the snippet would come from a column of more text than
 * this (a note's body): it costs ~10 µs (the text is tokenized up to the
 * words shown), and of the rows that make the cut on the way most are
 * dropped again. */
#define CAIRN_SEARCH_TOP_INLINE_TEXT 1024
#define CAIRN_SEARCH_TOP_MAX_WEIGHTS 8

typedef struct
{
  double  rank;
  gint64  doc;
  char   *title;    /* cairn_top_row() only, and not from a long text */
  char   *snippet;
} CairnSearchTopEntry;

typedef struct
{
  guint       limit;
  GArray     *kept;        /* CairnSearchTopEntry */
  const char *snippet_start;
  const char *snippet_end;
  const char *snippet_ellipsis;
  int         snippet_tokens;
  double      weights[CAIRN_SEARCH_TOP_MAX_WEIGHTS];  /* set from the arguments */
  int         n_weights;
} CairnSearchTop;

void     _cairn_search_top_init          (CairnSearchTop *top,
                                          guint           limit);
void     _cairn_search_top_finish        (CairnSearchTop *top);
void     _cairn_search_top_clear         (CairnSearchTop *top);

/* Where task notes plug in: (re)indexes the todo @todo_id with its
 * @title and the text of its notes (@notes_text, NULL for none), or drops
 * it when @title is NULL (deleted or gone). Inside a transaction. */
gboolean _cairn_store_search_index_todo (CairnStore   *self,
                                         const char   *todo_id,
                                         const char   *title,
                                         const char   *notes_text,
                                         GError      **error);

G_END_DECLS

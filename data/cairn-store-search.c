/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-search.c: the full-text index of todos and notes (FTS5),
 * brought up to date before each search from the objects the triggers
 * marked dirty, and the search itself. docs/store.md, "The search index". */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-search.h"
#include "cairn-store-search-private.h"

/* A todo's body in the index is the text of its notes (cairn-store-text.c:
 * the SQL function for the full re-index, todo_notes_text() for one). */
#define TODO_NOTES_TEXT_SQL "cairn_todo_notes (t.id)"

void
cairn_search_hit_free (CairnSearchHit *hit)
{
  if (hit == NULL)
    return;
  g_free (hit->id);
  g_free (hit->title);
  g_free (hit->snippet);
  g_free (hit);
}

/* A word is a run of letters, digits and combining marks: what FTS5's
 * unicode61 tokenizer keeps. Everything else a person types (quotes,
 * parentheses, '*', '-', ':') separates words, so that no input is an FTS5
 * syntax error; AND, OR, NOT and NEAR become words like any other, since
 * each is quoted. */
static gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c) || g_unichar_ismark (c);
}

char *
cairn_search_build_match (const char *text)
{
  g_autoptr(GString) match = g_string_new (NULL);
  const char *p = text;
  const char *word = NULL;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return NULL;

  for (;; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gboolean in_word = c != 0 && is_word_char (c);

      if (in_word && word == NULL)
        word = p;
      else if (!in_word && word != NULL)
        {
          if (match->len > 0)
            g_string_append_c (match, ' ');
          /* No '"' can be in a word: no escaping needed. */
          g_string_append_c (match, '"');
          g_string_append_len (match, word, p - word);
          g_string_append (match, "\"*");
          word = NULL;
        }
      if (c == 0)
        break;
    }
  return match->len > 0 ? g_string_free (g_steal_pointer (&match), FALSE) : NULL;
}

/* The text of one todo's notes, NULL when it has none. */
static char *
todo_notes_text (CairnStore  *self,
                 const char  *todo_id,
                 GError     **error)
{
  g_autofree char *notes = cairn_store_dup_todo_notes (self, todo_id, error);

  if (notes == NULL || *notes == '\0')
    return NULL;
  return g_steal_pointer (&notes);
}

static gboolean
bind_text (CairnStore    *self,
           sqlite3_stmt  *stmt,
           int            index,
           const char    *text,
           GError       **error)
{
  if (sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return TRUE;
}

static gboolean
drop_doc (CairnStore  *self,
          const char  *obj_id,
          GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = _cairn_store_prepare_static (self,
                                      "DELETE FROM search_fts WHERE rowid = "
                                      "(SELECT doc FROM search_docs WHERE obj_id = ?1)",
                                      error);
  if (stmt == NULL || !bind_text (self, stmt, 1, obj_id, error) ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;
  stmt = _cairn_store_prepare_static (self, "DELETE FROM search_docs WHERE obj_id = ?1", error);
  return stmt != NULL && bind_text (self, stmt, 1, obj_id, error) &&
         _cairn_store_step_done (self, stmt, error);
}

/* Replaces the object's entry (an FTS5 row cannot be updated in place
 * more cheaply than deleted and inserted: it is what UPDATE does). */
static gboolean
index_doc (CairnStore  *self,
           const char  *kind,
           const char  *obj_id,
           const char  *title,
           const char  *body,
           GError     **error)
{
  sqlite3_stmt *stmt;

  if (!drop_doc (self, obj_id, error))
    return FALSE;
  stmt = _cairn_store_prepare_static (self,
                                      "INSERT INTO search_docs (kind, obj_id) VALUES (?1, ?2)",
                                      error);
  if (stmt == NULL || !bind_text (self, stmt, 1, kind, error) ||
      !bind_text (self, stmt, 2, obj_id, error) ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;
  stmt = _cairn_store_prepare_static (self,
                                      "INSERT INTO search_fts (rowid, title, body) "
                                      "VALUES (last_insert_rowid (), ?1, ?2)",
                                      error);
  return stmt != NULL && bind_text (self, stmt, 1, title, error) &&
         bind_text (self, stmt, 2, body != NULL ? body : "", error) &&
         _cairn_store_step_done (self, stmt, error);
}

gboolean
_cairn_store_search_index_todo (CairnStore  *self,
                                const char  *todo_id,
                                const char  *title,
                                const char  *notes_text,
                                GError     **error)
{
  g_assert (self->in_transaction);

  if (title == NULL)
    return drop_doc (self, todo_id, error);
  return index_doc (self, "todo", todo_id, title, notes_text, error);
}

/* Reads the object again and indexes what it is now: a live todo, a live
 * note, or nothing. */
static gboolean
index_object (CairnStore  *self,
              const char  *obj_id,
              GError     **error)
{
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  sqlite3_stmt *stmt;
  int rc;

  stmt = _cairn_store_prepare_static (self,
                                      "SELECT t.title FROM todos t JOIN lists l ON l.id = t.list_id"
                                      " WHERE t.id = ?1 AND t.deleted = 0 AND l.deleted = 0",
                                      error);
  if (stmt == NULL || !bind_text (self, stmt, 1, obj_id, error))
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *notes = NULL;

      title = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
      notes = todo_notes_text (self, obj_id, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return _cairn_store_search_index_todo (self, obj_id, title, notes, error);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read a todo to index");
      return FALSE;
    }

  stmt = _cairn_store_prepare_static (self,
                                      "SELECT title, body FROM notes WHERE id = ?1 AND deleted = 0",
                                      error);
  if (stmt == NULL || !bind_text (self, stmt, 1, obj_id, error))
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      title = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      body = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read a note to index");
      return FALSE;
    }
  if (title != NULL)
    return index_doc (self, "note", obj_id, title, body, error);
  return drop_doc (self, obj_id, error);
}

/* The FTS5 table is dropped and made again rather than emptied: DELETE on
 * an FTS5 table with its own content removes each row's terms one by one. */
static const char reset_sql[] =
  "DROP TABLE IF EXISTS search_fts;"
  CAIRN_SEARCH_FTS_SQL
  "DELETE FROM search_docs;"
  "DELETE FROM search_dirty;"
  "UPDATE search_meta SET stale = 1;";

/* The same, row by row, while another statement on the connection runs
 * (DROP TABLE would fail with SQLITE_LOCKED; cf. cairn-store-rebuild.c). */
static const char reset_rows_sql[] =
  "DELETE FROM search_fts;"
  "DELETE FROM search_docs;"
  "DELETE FROM search_dirty;"
  "UPDATE search_meta SET stale = 1;";

static gboolean
reset (CairnStore  *self,
       GError     **error)
{
  for (sqlite3_stmt *s = sqlite3_next_stmt (self->db, NULL); s != NULL;
       s = sqlite3_next_stmt (self->db, s))
    if (sqlite3_stmt_busy (s))
      return _cairn_store_exec (self, reset_rows_sql, error);
  return _cairn_store_exec (self, reset_sql, error);
}

gboolean
_cairn_store_search_reset (CairnStore  *self,
                           GError     **error)
{
  g_assert (self->in_transaction);
  return reset (self, error);
}

static const char reindex_sql[] =
  "INSERT INTO search_docs (kind, obj_id)"
  "  SELECT 'todo', t.id FROM todos t JOIN lists l ON l.id = t.list_id"
  "  WHERE t.deleted = 0 AND l.deleted = 0"
  "  UNION ALL SELECT 'note', id FROM notes WHERE deleted = 0;"
  "INSERT INTO search_fts (rowid, title, body)"
  "  SELECT d.doc, t.title, " TODO_NOTES_TEXT_SQL " FROM search_docs d"
  "  JOIN todos t ON t.id = d.obj_id WHERE d.kind = 'todo';"
  "INSERT INTO search_fts (rowid, title, body)"
  "  SELECT d.doc, n.title, n.body FROM search_docs d"
  "  JOIN notes n ON n.id = d.obj_id WHERE d.kind = 'note';"
  "UPDATE search_meta SET stale = 0;";

static gboolean
catch_up (CairnStore  *self,
          GError     **error)
{
  g_autoptr(GPtrArray) dirty = g_ptr_array_new_with_free_func (g_free);
  gint64 stale = 0;
  sqlite3_stmt *stmt;
  int rc;

  if ((stmt = _cairn_store_prepare_static (self, "SELECT stale FROM search_meta", error)) == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    stale = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the search index's state");
      return FALSE;
    }
  if (stale)
    return reset (self, error) &&
           _cairn_store_exec (self, reindex_sql, error);

  if ((stmt = _cairn_store_prepare_static (self, "SELECT obj_id FROM search_dirty", error)) == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (dirty, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read what the search index lacks");
      return FALSE;
    }
  for (guint i = 0; i < dirty->len; i++)
    if (!index_object (self, dirty->pdata[i], error))
      return FALSE;
  return _cairn_store_exec (self, "DELETE FROM search_dirty", error);
}

gboolean
cairn_store_update_search_index (CairnStore  *self,
                                 GError     **error)
{
  sqlite3_stmt *stmt;
  gboolean behind;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Note bodies are written lazily: the index reads notes.body. */
  if (self->bodies_stale && !cairn_store_save_note_bodies (self, error))
    return FALSE;

  /* A read first: most searches find nothing to do and take no lock. */
  stmt = _cairn_store_prepare_static (self,
                                      "SELECT (SELECT stale FROM search_meta) OR "
                                      "EXISTS (SELECT 1 FROM search_dirty)",
                                      error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  behind = rc == SQLITE_ROW && sqlite3_column_int (stmt, 0) != 0;
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      _cairn_store_set_error (self, error, "Cannot read the search index's state");
      return FALSE;
    }
  if (!behind)
    return TRUE;

  if (!_cairn_store_begin (self, error))
    return FALSE;
  if (!catch_up (self, error))
    {
      _cairn_store_rollback (self);
      return FALSE;
    }
  return _cairn_store_end (self, error);
}

/* Ranges for the second pass, at most this many: each runs the query
 * again (the words looked up, each prefix of more than 3 bytes expanded
 * to every word it starts), for fewer matches read between the hits. */
#define SNIPPET_RANGES 4

static int
compare_doc (gconstpointer a,
             gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Whether every word of @match ("word"* "word"*…) is at most 3 bytes:
 * served by FTS5's prefix indexes, so that running the query costs a
 * look-up per word, no expansion to every word it starts. */
static gboolean
short_words_only (const char *match)
{
  const char *p = match;

  /* The bytes between the quotes. */
  while ((p = strchr (p, '"')) != NULL)
    {
      const char *end = strchr (p + 1, '"');

      if (end == NULL || end - (p + 1) > 3)
        return FALSE;
      p = end + 1;
    }
  return TRUE;
}

/* Cuts the hits' rowids (sorted) into ranges, from ranges[2i] to
 * ranges[2i + 1] (a hit's rowid at both ends; the gaps between ranges
 * are not read); returns how many. One range from the lowest to the highest hit,
 * unless every word of @match is at most 3 bytes (FTS5's prefix indexes:
 * a range costs a look-up, no expansion), then cut at the widest gaps. */
static guint
snippet_ranges (const char *match,
                GArray     *sorted,
                gint64     *ranges)
{
  guint n = sorted->len, n_cuts = 0;
  guint at[SNIPPET_RANGES];   /* the index in sorted where a range starts */

  ranges[0] = g_array_index (sorted, gint64, 0);
  ranges[1] = g_array_index (sorted, gint64, n - 1);
  if (!short_words_only (match))
    return 1;
  at[n_cuts++] = 0;
  while (n_cuts < SNIPPET_RANGES)
    {
      guint best = 0;
      gint64 widest = 1;

      /* The widest gap not cut yet. */
      for (guint i = 1; i < n; i++)
        {
          gint64 gap = g_array_index (sorted, gint64, i) - g_array_index (sorted, gint64, i - 1);
          gboolean cut = FALSE;

          for (guint c = 0; c < n_cuts; c++)
            cut = cut || at[c] == i;
          if (!cut && gap > widest)
            {
              widest = gap;
              best = i;
            }
        }
      if (best == 0)
        break;
      at[n_cuts++] = best;
    }
  /* In rowid order. */
  for (guint i = 1; i < n_cuts; i++)
    for (guint j = i; j > 0 && at[j - 1] > at[j]; j--)
      {
        guint t = at[j];

        at[j] = at[j - 1];
        at[j - 1] = t;
      }
  for (guint c = 0; c < n_cuts; c++)
    {
      ranges[2 * c] = g_array_index (sorted, gint64, at[c]);
      ranges[2 * c + 1] = g_array_index (sorted, gint64, c + 1 < n_cuts ? at[c + 1] - 1 : n - 1);
    }
  return n_cuts;
}

/* The ranking's weights: a title counts four times a body (cairn_rank():
 * a title match always outranks a body-only one). */
#define RANK_WEIGHTS "4.0, 1.0"
/* A snippet's words and where it is cut (cairn_snippet()). */
#define SNIPPET_ELLIPSIS "…"
#define SNIPPET_TOKENS 12

static void
add_hit (GArray     *docs,
         GPtrArray  *hits,
         gint64      doc,
         const char *kind,
         const char *obj_id)
{
  CairnSearchHit *hit = g_new0 (CairnSearchHit, 1);

  g_array_append_val (docs, doc);
  hit->kind = g_strcmp0 (kind, "note") == 0 ? CAIRN_OBJECT_NOTE : CAIRN_OBJECT_TODO;
  hit->id = g_strdup (obj_id);
  g_ptr_array_add (hits, hit);
}

/* The hits of the rows @top kept, in its order, with their object (as
 * the join of a ranking query: a row without its object is not a hit),
 * and their titles and snippets when @top has them. */
static gboolean
add_top_hits (CairnStore      *self,
              CairnSearchTop  *top,
              GArray          *docs,
              GPtrArray       *hits,
              GError         **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _cairn_store_prepare_static (self, "SELECT kind, obj_id FROM search_docs WHERE doc = ?1", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < top->kept->len; i++)
    {
      CairnSearchTopEntry *entry = &g_array_index (top->kept, CairnSearchTopEntry, i);

      sqlite3_bind_int64 (stmt, 1, entry->doc);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          CairnSearchHit *hit;

          add_hit (docs, hits, entry->doc, (const char *) sqlite3_column_text (stmt, 0),
                   (const char *) sqlite3_column_text (stmt, 1));
          hit = hits->pdata[hits->len - 1];
          hit->title = g_steal_pointer (&entry->title);
          hit->snippet = g_steal_pointer (&entry->snippet);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        {
          _cairn_store_set_error (self, error, "Cannot search");
          return FALSE;
        }
    }
  return TRUE;
}

/* Runs @stmt (a statement calling cairn_top() or cairn_top_row() with
 * @top bound as ?2) to its end, and clears the binding. */
static gboolean
run_top (CairnStore      *self,
         sqlite3_stmt    *stmt,
         CairnSearchTop  *top,
         GError         **error)
{
  int rc;

  sqlite3_bind_pointer (stmt, 2, top, CAIRN_SEARCH_TOP_POINTER, NULL);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    _cairn_store_set_error (self, error, "Cannot search");
  sqlite3_reset (stmt);
  /* Not left pointing at the caller's frame. */
  sqlite3_bind_null (stmt, 2);
  _cairn_search_top_finish (top);
  return rc == SQLITE_DONE;
}

/* The matches of @match ranked by @sql's function (cairn_top() or
 * cairn_top_row(), data/cairn-store-search-rank.c), the best @limit kept,
 * with their snippets when @snippets (the second pass makes the rest). */
static gboolean
rank_top (CairnStore  *self,
          const char  *sql,
          gboolean     snippets,
          const char  *match,
          guint        limit,
          GArray      *docs,
          GPtrArray   *hits,
          GError     **error)
{
  CairnSearchTop top;
  sqlite3_stmt *stmt;
  gboolean ok;

  stmt = _cairn_store_prepare_static (self, sql, error);
  if (stmt == NULL || !bind_text (self, stmt, 1, match, error))
    return FALSE;
  _cairn_search_top_init (&top, limit);
  if (snippets)
    {
      top.snippet_start = CAIRN_SEARCH_MARK_START;
      top.snippet_end = CAIRN_SEARCH_MARK_END;
      top.snippet_ellipsis = SNIPPET_ELLIPSIS;
      top.snippet_tokens = SNIPPET_TOKENS;
    }
  ok = run_top (self, stmt, &top, error) && add_top_hits (self, &top, docs, hits, error);
  _cairn_search_top_clear (&top);
  return ok;
}

/* The first pass of a query of one word of at most 3 bytes (the first
 * letters typed: a one-letter word matches a third of the workspace):
 * the best @limit rows ranked by cairn_top() in one call, the same ones
 * in the same order as the ranking query gives (tests/data/
 * test-store-search.c, "/search/top-one-word"), at a third of its cost
 * (the rows walked in C rather than a SQL function call and a sorter step
 * each). Their titles and snippets are read after, in the second pass.
 * Not for a longer word: the query runs three times here (for its first
 * row, in cairn_top(), in the second pass), and a prefix of more than 3
 * bytes is expanded to every word it starts each time; rank_phrases()
 * runs it once ("belq" 4.0 -> 3.0 ms; over the bench's one-word queries
 * the slowest 4.3 -> 3.3 ms). */
static gboolean
rank_one_phrase (CairnStore  *self,
                 const char  *match,
                 guint        limit,
                 GArray      *docs,
                 GPtrArray   *hits,
                 GError     **error)
{
  return rank_top (self, "SELECT cairn_top (search_fts, ?2, " RANK_WEIGHTS ")"
                   " FROM search_fts WHERE search_fts MATCH ?1 LIMIT 1",
                   FALSE, match, limit, docs, hits, error);
}

/* A query of several words, or of one of more than 3 bytes: ranked, cut,
 * and the titles and snippets of the rows kept made in one pass
 * (cairn_top_row(), rows in descending rowid order): the second pass
 * over the matches expands each prefix of more than 3 bytes to every
 * word it starts once more (1–3 ms with a common word). Not for a snippet from long text (a note's body with
 * more of the words than its title, CAIRN_SEARCH_TOP_INLINE_TEXT): of the
 * ~100 rows that make the cut on the way in the bench's workspace most
 * are notes dropped again, ~10 µs each; such a note that stays gets its
 * snippet in the second pass. Measured over the bench's 488 queries of
 * several words (BENCHMARKS.md, "search2"): every snippet made on the way
 * cost a second word just begun 0.5 ms more (1.2 -> 1.7 ms); every note
 * left to the second pass made the slowest queries slow again (a note
 * whose title has the words is among the best, so the pass ran: p99 5.6
 * ms, not 4.7). */
static gboolean
rank_phrases (CairnStore  *self,
              const char  *match,
              guint        limit,
              GArray      *docs,
              GPtrArray   *hits,
              GError     **error)
{
  return rank_top (self, "SELECT cairn_top_row (search_fts, ?2, " RANK_WEIGHTS ")"
                   " FROM search_fts WHERE search_fts MATCH ?1 ORDER BY rowid DESC",
                   TRUE, match, limit, docs, hits, error);
}

GPtrArray *
cairn_store_search (CairnStore  *self,
                    const char  *text,
                    guint        limit,
                    GError     **error)
{
  g_autoptr(GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_search_hit_free);
  g_autoptr(GArray) docs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *match = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "“query” is not valid UTF-8");
      return NULL;
    }
  if (!cairn_store_update_search_index (self, error))
    return NULL;
  match = cairn_search_build_match (text);
  if (match == NULL)
    return g_steal_pointer (&hits);

  /* A title counts four times a body (cairn_rank(): a title match always
   * outranks a body-only one). Ties, common since cairn_rank() has no
   * length normalization, go to the latest indexed (the highest FTS
   * rowid: the object created or whose text changed last), at the cut
   * and in the list. The rowid is local: tied results may come in another
   * order, and other ones make the cut at @limit, on another replica.
   * One word of at most 3 bytes (the first letters typed): ranked in C
   * (rank_one_phrase()). Otherwise: ranked and cut with the titles and
   * snippets of short text in one pass (rank_phrases()). Then the titles
   * and snippets still missing, of the hits kept only (in the ranking
   * SQLite would make a snippet for every match before sorting). */
  if (strchr (match, ' ') == NULL && short_words_only (match)
      ? !rank_one_phrase (self, match, limit, docs, hits, error)
      : !rank_phrases (self, match, limit, docs, hits, error))
    return NULL;
  if (hits->len == 0)
    return g_steal_pointer (&hits);

  /* The titles and snippets of the hits kept that have none yet (one
   * word: all; several: those of long text, rank_phrases()), in one pass
   * over the matches between the lowest and highest: "rowid = ?" per hit
   * would evaluate the whole query (expand every prefix) once per hit.
   * "+rowid IN": not a constraint FTS5 sees, which would run the query
   * once per value too. */
  {
    g_autoptr(GString) json = g_string_new ("[");
    g_autoptr(GHashTable) by_doc = g_hash_table_new (g_int64_hash, g_int64_equal);
    g_autoptr(GArray) sorted = g_array_sized_new (FALSE, FALSE, sizeof (gint64), hits->len);
    gint64 ranges[2 * SNIPPET_RANGES];
    guint n_ranges, found = 0;

    for (guint i = 0; i < hits->len; i++)
      {
        gint64 doc = g_array_index (docs, gint64, i);

        if (((CairnSearchHit *) hits->pdata[i])->snippet != NULL)
          continue;
        g_string_append_printf (json, "%s%" G_GINT64_FORMAT, sorted->len > 0 ? "," : "", doc);
        g_hash_table_insert (by_doc, &g_array_index (docs, gint64, i), hits->pdata[i]);
        g_array_append_val (sorted, doc);
      }
    g_string_append_c (json, ']');
    if (sorted->len == 0)
      return g_steal_pointer (&hits);
    g_array_sort (sorted, compare_doc);
    n_ranges = snippet_ranges (match, sorted, ranges);
    stmt = _cairn_store_prepare_static (self,
                                        "SELECT rowid, title,"
                                        " cairn_snippet (search_fts, char (2), char (3), '" SNIPPET_ELLIPSIS "', " G_STRINGIFY (SNIPPET_TOKENS) ")"
                                        " FROM search_fts WHERE search_fts MATCH ?1"
                                        " AND rowid BETWEEN ?3 AND ?4"
                                        " AND +rowid IN (SELECT value FROM json_each (?2))",
                                        error);
    if (stmt == NULL || !bind_text (self, stmt, 1, match, error) ||
        !bind_text (self, stmt, 2, json->str, error))
      return NULL;
    /* Ranges FTS5 seeks to: ties are cut by rowid, so the hits of a
     * common word are the highest rowids, a small part of its matches,
     * and the best ones elsewhere (snippet_ranges()). */
    rc = SQLITE_DONE;
    for (guint r = 0; r < n_ranges && rc == SQLITE_DONE; r++)
      {
        sqlite3_bind_int64 (stmt, 3, ranges[2 * r]);
        sqlite3_bind_int64 (stmt, 4, ranges[2 * r + 1]);
        while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
          {
            gint64 doc = sqlite3_column_int64 (stmt, 0);
            CairnSearchHit *hit = g_hash_table_lookup (by_doc, &doc);

            if (hit == NULL || hit->snippet != NULL)
              continue;
            g_free (hit->title);
            hit->title = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
            hit->snippet = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
            found++;
          }
        sqlite3_reset (stmt);
      }
    if (rc != SQLITE_DONE || found != sorted->len)
      {
        if (rc == SQLITE_DONE)
          g_set_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_FAILED,
                       "Cannot make a search snippet in %s: a match was lost",
                       cairn_store_get_path (self));
        else
          _cairn_store_set_error (self, error, "Cannot make a search snippet");
        return NULL;
      }
  }
  return g_steal_pointer (&hits);
}

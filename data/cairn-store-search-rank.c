/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-search-rank.c: the search's ranking and snippet functions,
 * FTS5 auxiliary functions cheaper than the built-in bm25() and snippet()
 * where a search matches thousands of rows or long notes.
 * docs/store.md, "The search index". */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-store-search-private.h"

/* BM25's term-frequency saturation, as FTS5's bm25() uses it. */
#define K1 1.2

/* ---- cairn_rank (search_fts, weight, …) ----
 *
 * BM25 without the length normalization (b = 0) and without the idf,
 * saturated per column: the sum over phrases and columns of weight × tf
 * (k1 + 1) / (tf + k1), negated so that the best sorts first, as bm25()
 * does. A column's share stays below weight × (k1 + 1) = 2.2 × weight
 * however often a word repeats there, so with weights 4 and 1 a match in
 * a title always outranks one only in a body (bm25() let a long note
 * that repeats a word pass a title).
 *
 * Why not bm25(): per match it reads the row's column sizes from the
 * %_docsize table (a B-tree look-up) and makes an array of every
 * instance, and per query it reads each phrase's whole row list again for
 * the idf; with tens of thousands of matches (a common word, a prefix)
 * that was most of a search. What is lost: among titles that match
 * equally, a shorter one no longer comes first; and since every word is
 * required, the idf only weighed which word is in the title, not whether
 * a row matches. Ties are broken by the caller. */

/* The positions left in @iter's column and where the next column starts:
 * FTS5's position list (detail=full), what xPhraseNext() walks, is a run
 * of varints, each a position (offset + 2, so never 1), or 1 then a
 * column's number: a varint ends at a byte below 0x80, so a column's
 * positions are counted without decoding them. Returns the column after
 * (-1 at the end); *n_positions gets how many positions were skipped. */
static int
count_column_positions (Fts5PhraseIter *iter,
                        int            *n_positions)
{
  const unsigned char *a = iter->a, *b = iter->b;
  int n = 0, column = -1;

  while (a < b)
    {
      if (*a == 0x01)
        {
          unsigned int value = 0;

          /* The column's number, a varint, then its first position. */
          a++;
          while (a < b && (*a & 0x80))
            value = (value << 7) | (*a++ & 0x7f);
          if (a < b)
            value = (value << 7) | *a++;
          column = (int) value;
          while (a < b && (*a & 0x80))
            a++;
          a++;
          break;
        }
      while (a < b && (*a & 0x80))
        a++;
      a++;
      n++;
    }
  iter->a = MIN (a, b);
  *n_positions = n;
  return column;
}

/* The row's score (negated: lower is better) with @weights per column
 * (1 for a column past them). Each phrase's positions in this row,
 * column by column (in order), counted in its position list: no array
 * of every instance, and no call per position (a 10 KB note holds
 * hundreds of a one-letter prefix's words). */
static int
row_rank (const Fts5ExtensionApi *api,
          Fts5Context            *fts,
          const double           *weights,
          int                     n_weights,
          double                 *rank)
{
  int n_phrases = api->xPhraseCount (fts);
  double score = 0.0;

  for (int p = 0; p < n_phrases; p++)
    {
      Fts5PhraseIter iter;
      int column = -1, offset = 0;
      int rc;

      if ((rc = api->xPhraseFirst (fts, p, &iter, &column, &offset)) != SQLITE_OK)
        return rc;
      while (column >= 0)
        {
          int more = 0, tf;
          int next = count_column_positions (&iter, &more);

          /* The first position (read by xPhraseFirst() or with the
           * column's number) and the rest. */
          tf = 1 + more;
          score += (column < n_weights ? weights[column] : 1.0) * tf * (K1 + 1.0) / (tf + K1);
          /* The new column's first position was skipped with its number. */
          column = next;
        }
    }
  *rank = -score;
  return SQLITE_OK;
}

/* Up to this many weights (columns): the index has two. */
#define MAX_WEIGHTS CAIRN_SEARCH_TOP_MAX_WEIGHTS

static int
read_weights (sqlite3_value **argv,
              int             argc,
              double         *weights)
{
  int n = MIN (argc, MAX_WEIGHTS);

  for (int i = 0; i < n; i++)
    weights[i] = sqlite3_value_double (argv[i]);
  return n;
}

static void
rank_func (const Fts5ExtensionApi  *api,
           Fts5Context             *fts,
           sqlite3_context         *ctx,
           int                      argc,
           sqlite3_value          **argv)
{
  double weights[MAX_WEIGHTS];
  int n_weights = read_weights (argv, argc, weights);
  double rank = 0.0;
  int rc;

  if ((rc = row_rank (api, fts, weights, n_weights, &rank)) != SQLITE_OK)
    {
      sqlite3_result_error_code (ctx, rc);
      return;
    }
  sqlite3_result_double (ctx, rank);
}

/* ---- cairn_snippet (search_fts, start, end, ellipsis, n_tokens) ----
 *
 * A few words of the column with the most distinct matched words (the
 * first on a tie: the title), around the window of @n_tokens tokens that
 * holds the most of them (the first such), each match between @start and
 * @end, @ellipsis where the text is cut. Why not snippet(): it scores
 * every candidate fragment against every match (quadratic in the matches
 * of a long note) and tokenizes the whole column; this one finds the
 * window from the match positions FTS5 already has and tokenizes only up
 * to the window's end. */

typedef struct
{
  const char *text;
  int         first;      /* window: tokens [first, last) */
  int         last;
  const char *start;
  const char *end;
  const char *ellipsis;
  guint8     *marked;     /* per token of the window: a match */
  GString    *out;
  int         token;      /* tokens seen */
  int         done_at;    /* byte offset after the last token copied */
  gboolean    more;       /* a token after the window */
} SnippetCtx;

static int
snippet_token (void       *user_data,
               int         flags,
               const char *token,
               int         n_token,
               int         start,
               int         end)
{
  SnippetCtx *sc = user_data;
  int i;

  if (flags & FTS5_TOKEN_COLOCATED)
    return SQLITE_OK;
  i = sc->token++;
  if (i < sc->first)
    return SQLITE_OK;
  if (i >= sc->last)
    {
      sc->more = TRUE;
      return SQLITE_DONE;   /* stop tokenizing: the rest is not shown */
    }
  if (i == sc->first)
    {
      if (sc->first > 0)
        g_string_append (sc->out, sc->ellipsis);
      else
        g_string_append_len (sc->out, sc->text, start);
    }
  else
    g_string_append_len (sc->out, sc->text + sc->done_at, start - sc->done_at);
  if (sc->marked[i - sc->first])
    g_string_append (sc->out, sc->start);
  g_string_append_len (sc->out, sc->text + start, end - start);
  if (sc->marked[i - sc->first])
    g_string_append (sc->out, sc->end);
  sc->done_at = end;
  return SQLITE_OK;
}

/* The column a snippet shows: the one with the most distinct phrases
 * (the first on a tie; 0 when none), from the columns each phrase's
 * position list goes through (skipped over, not decoded). */
static int
snippet_column (const Fts5ExtensionApi *api,
                Fts5Context            *fts,
                int                    *column,
                int                    *n_distinct)
{
  int n_phrases = api->xPhraseCount (fts);
  int n_columns = api->xColumnCount (fts);
  g_autofree int *distinct = g_new0 (int, MAX (n_columns, 1));
  int rc;

  *column = 0;
  *n_distinct = 0;
  for (int p = 0; p < n_phrases; p++)
    {
      Fts5PhraseIter iter;
      int c = -1, offset = 0, more = 0;

      if ((rc = api->xPhraseFirst (fts, p, &iter, &c, &offset)) != SQLITE_OK)
        return rc;
      while (c >= 0)
        {
          if (c < n_columns)
            distinct[c]++;
          c = count_column_positions (&iter, &more);
        }
    }
  for (int c = 0; c < n_columns; c++)
    if (distinct[c] > *n_distinct)
      {
        *n_distinct = distinct[c];
        *column = c;
      }
  return SQLITE_OK;
}

/* (phrase, column, offset) triples by offset, then phrase. */
static int
compare_instances (gconstpointer a,
                   gconstpointer b)
{
  const int *x = a, *y = b;

  if (x[2] != y[2])
    return x[2] < y[2] ? -1 : 1;
  return (x[0] > y[0]) - (x[0] < y[0]);
}

/* The snippet of the row, a new string in *snippet; an SQLite error
 * code when FTS5 fails. */
static int
row_snippet (const Fts5ExtensionApi  *api,
             Fts5Context             *fts,
             const char              *start,
             const char              *end,
             const char              *ellipsis,
             int                      n_tokens,
             char                   **snippet)
{
  int n_phrases = api->xPhraseCount (fts);
  g_autofree int *inst = NULL;   /* (phrase, column, offset) triples */
  g_autofree guint8 *seen = g_new0 (guint8, MAX (n_phrases, 1));
  g_autofree guint8 *marked = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  SnippetCtx sc = { 0 };
  int n_inst = 0, column = 0, best_distinct = 0, first = 0;
  int n_text = 0, rc;

  n_tokens = CLAMP (n_tokens, 1, 64);
  if ((rc = snippet_column (api, fts, &column, &best_distinct)) != SQLITE_OK)
    return rc;

  /* That column's matches as (phrase, column, offset) triples, in the
   * order of the text, as xInst() gives them (not xInstCount(): it
   * decodes every match of every column, hundreds in a 10 KB note, to
   * show one column's; two phrases at one offset start the same window,
   * so their order does not matter). */
  {
    g_autoptr(GArray) found = g_array_new (FALSE, FALSE, 3 * sizeof (int));

    for (int p = 0; p < n_phrases && best_distinct > 0; p++)
      {
        Fts5PhraseIter iter;
        int c = -1, offset = 0;

        if ((rc = api->xPhraseFirst (fts, p, &iter, &c, &offset)) != SQLITE_OK)
          return rc;
        for (; c >= 0 && c <= column; api->xPhraseNext (fts, &iter, &c, &offset))
          if (c == column)
            g_array_append_vals (found, (int[]) { p, c, offset }, 1);
      }
    g_array_sort (found, compare_instances);
    n_inst = (int) found->len;
    inst = (int *) (void *) g_array_free (g_steal_pointer (&found), FALSE);
  }

  /* The window starting at a match that holds the most distinct phrases:
   * each match of the column is a candidate start (a bounded number: a
   * long note may match a common word hundreds of times). */
  if (best_distinct > 0)
    {
      int best = 0, candidates = 0;

      for (int i = 0; i < n_inst && best < best_distinct && candidates < 1000; i++)
        {
          int start_off = inst[3 * i + 2], distinct = 0;

          if (inst[3 * i + 1] != column)
            continue;
          candidates++;
          memset (seen, 0, MAX (n_phrases, 1));
          for (int j = 0; j < n_inst; j++)
            if (inst[3 * j + 1] == column && inst[3 * j + 2] >= start_off &&
                inst[3 * j + 2] < start_off + n_tokens && !seen[inst[3 * j]])
              {
                seen[inst[3 * j]] = 1;
                distinct++;
              }
          if (distinct > best)
            {
              best = distinct;
              first = start_off;
            }
        }
      /* Centre the matches in the window: context before the first. */
      {
        int end_off = first;

        for (int i = 0; i < n_inst; i++)
          if (inst[3 * i + 1] == column && inst[3 * i + 2] >= first &&
              inst[3 * i + 2] < first + n_tokens)
            end_off = MAX (end_off, inst[3 * i + 2] + MAX (api->xPhraseSize (fts, inst[3 * i]), 1));
        first = MAX (0, first - MAX (n_tokens - (end_off - first), 0) / 2);
      }
    }

  marked = g_new0 (guint8, n_tokens);
  for (int i = 0; i < n_inst; i++)
    if (inst[3 * i + 1] == column)
      {
        int size = api->xPhraseSize (fts, inst[3 * i]);

        for (int t = inst[3 * i + 2]; t < inst[3 * i + 2] + MAX (size, 1); t++)
          if (t >= first && t < first + n_tokens)
            marked[t - first] = 1;
      }

  if ((rc = api->xColumnText (fts, column, &sc.text, &n_text)) != SQLITE_OK)
    return rc;
  if (sc.text == NULL)
    {
      *snippet = g_strdup ("");
      return SQLITE_OK;
    }
  sc.first = first;
  sc.last = first + n_tokens;
  sc.start = start;
  sc.end = end;
  sc.ellipsis = ellipsis;
  sc.marked = marked;
  sc.out = out;
  rc = api->xTokenize (fts, sc.text, n_text, &sc, snippet_token);
  if (rc != SQLITE_OK && rc != SQLITE_DONE)
    return rc;
  if (sc.token <= sc.first)
    g_string_append_len (out, sc.text, n_text);   /* fewer tokens than the window's start */
  else if (sc.more)
    g_string_append (out, sc.ellipsis);
  else
    g_string_append_len (out, sc.text + sc.done_at, n_text - sc.done_at);
  *snippet = g_string_free (g_steal_pointer (&out), FALSE);
  return SQLITE_OK;
}

static void
snippet_func (const Fts5ExtensionApi  *api,
              Fts5Context             *fts,
              sqlite3_context         *ctx,
              int                      argc,
              sqlite3_value          **argv)
{
  const char *start, *end, *ellipsis;
  char *snippet = NULL;
  int rc;

  if (argc != 4)
    {
      sqlite3_result_error (ctx, "cairn_snippet() takes start, end, ellipsis and tokens", -1);
      return;
    }
  start = (const char *) sqlite3_value_text (argv[0]);
  end = (const char *) sqlite3_value_text (argv[1]);
  ellipsis = (const char *) sqlite3_value_text (argv[2]);
  if (start == NULL || end == NULL || ellipsis == NULL)
    {
      sqlite3_result_error (ctx, "cairn_snippet(): start, end and ellipsis are text", -1);
      return;
    }
  if ((rc = row_snippet (api, fts, start, end, ellipsis, sqlite3_value_int (argv[3]), &snippet)) != SQLITE_OK)
    {
      sqlite3_result_error_code (ctx, rc);
      return;
    }
  sqlite3_result_text (ctx, snippet, -1, g_free);
}

/* ---- cairn_top (search_fts, top, weight, …) and
 *      cairn_top_row (search_fts, top, weight, …) ----
 *
 * The best rows of a query, ranked as cairn_rank() ranks them and cut as
 * "ORDER BY rank, rowid DESC LIMIT n" cuts them, into @top (a
 * CairnSearchTop bound with sqlite3_bind_pointer()), with no sorter:
 * - cairn_top(), one call for a one-phrase query (for its first row,
 *   "LIMIT 1"): the rows walked in C (xQueryPhrase()), not one SQL
 *   function call each; ranks only, in rowid order (FTS5's), so the
 *   titles and snippets are read after, by the caller.
 * - cairn_top_row(), one call per row, rows in descending rowid order:
 *   a row that makes the cut gets its title and snippet there and then
 *   (ties are cut by the higher rowid, so in that order a tie never
 *   enters a full top: few rows do), and no second pass is needed,
 *   unless a row of long text (a note) stays: its snippet is left to the
 *   caller's second pass. */

static void
top_entry_clear (gpointer data)
{
  CairnSearchTopEntry *entry = data;

  g_clear_pointer (&entry->title, g_free);
  g_clear_pointer (&entry->snippet, g_free);
}

void
_cairn_search_top_init (CairnSearchTop *top,
                        guint           limit)
{
  memset (top, 0, sizeof *top);
  top->limit = limit;
  top->kept = g_array_new (FALSE, FALSE, sizeof (CairnSearchTopEntry));
  g_array_set_clear_func (top->kept, top_entry_clear);
}

void
_cairn_search_top_clear (CairnSearchTop *top)
{
  g_clear_pointer (&top->kept, g_array_unref);
}

/* Whether a goes before b: the better rank, then the higher rowid. */
static inline gboolean
top_before (const CairnSearchTopEntry *a,
            const CairnSearchTopEntry *b)
{
  return a->rank < b->rank || (a->rank == b->rank && a->doc > b->doc);
}

static int
compare_top (gconstpointer a,
             gconstpointer b)
{
  return top_before (a, b) ? -1 : top_before (b, a) ? 1 : 0;
}

/* Whether @entry makes the cut so far. */
static gboolean
top_wants (CairnSearchTop            *top,
           const CairnSearchTopEntry *entry)
{
  GArray *kept = top->kept;

  /* Most rows rank below the last one kept. */
  return top->limit == 0 || kept->len < top->limit ||
         top_before (entry, &g_array_index (kept, CairnSearchTopEntry, kept->len - 1));
}

/* Keeps @entry (top_wants()), the last one dropped when over the limit. */
static void
top_keep (CairnSearchTop      *top,
          CairnSearchTopEntry *entry)
{
  GArray *kept = top->kept;
  guint at;

  if (top->limit == 0)
    {
      /* Sorted once, at the end (_cairn_search_top_finish()). */
      g_array_append_vals (kept, entry, 1);
      return;
    }
  for (at = kept->len; at > 0 && top_before (entry, &g_array_index (kept, CairnSearchTopEntry, at - 1)); at--)
    ;
  if (kept->len == top->limit)
    g_array_set_size (kept, kept->len - 1);
  g_array_insert_vals (kept, at, entry, 1);
}

void
_cairn_search_top_finish (CairnSearchTop *top)
{
  if (top->limit == 0)
    g_array_sort (top->kept, compare_top);
}

static int
top_row (const Fts5ExtensionApi *api,
         Fts5Context            *fts,
         void                   *user_data)
{
  CairnSearchTop *top = user_data;
  CairnSearchTopEntry entry = { 0 };
  int rc;

  entry.doc = api->xRowid (fts);
  if ((rc = row_rank (api, fts, top->weights, top->n_weights, &entry.rank)) != SQLITE_OK)
    return rc;
  if (top_wants (top, &entry))
    top_keep (top, &entry);
  return SQLITE_OK;
}

static CairnSearchTop *
top_arguments (const Fts5ExtensionApi  *api,
               Fts5Context             *fts,
               sqlite3_context         *ctx,
               int                      argc,
               sqlite3_value          **argv)
{
  CairnSearchTop *top = argc > 0 ? sqlite3_value_pointer (argv[0], CAIRN_SEARCH_TOP_POINTER) : NULL;

  if (top == NULL)
    {
      sqlite3_result_error (ctx, "cairn_top() and cairn_top_row() take a CairnSearchTop", -1);
      return NULL;
    }
  top->n_weights = read_weights (argv + 1, argc - 1, top->weights);
  return top;
}

static void
top_func (const Fts5ExtensionApi  *api,
          Fts5Context             *fts,
          sqlite3_context         *ctx,
          int                      argc,
          sqlite3_value          **argv)
{
  CairnSearchTop *top = top_arguments (api, fts, ctx, argc, argv);
  int rc;

  if (top == NULL)
    return;
  if (api->xPhraseCount (fts) != 1)
    {
      sqlite3_result_error (ctx, "cairn_top() ranks a query of one phrase", -1);
      return;
    }
  g_array_set_size (top->kept, 0);
  if ((rc = api->xQueryPhrase (fts, 0, top, top_row)) != SQLITE_OK)
    {
      sqlite3_result_error_code (ctx, rc);
      return;
    }
  sqlite3_result_int (ctx, (int) top->kept->len);
}

static void
top_row_func (const Fts5ExtensionApi  *api,
              Fts5Context             *fts,
              sqlite3_context         *ctx,
              int                      argc,
              sqlite3_value          **argv)
{
  CairnSearchTop *top = top_arguments (api, fts, ctx, argc, argv);
  CairnSearchTopEntry entry = { 0 };
  const char *title = NULL, *text = NULL;
  int n_title = 0, n_text = 0, column = 0, n_distinct = 0;
  int rc;

  if (top == NULL)
    return;
  entry.doc = api->xRowid (fts);
  if ((rc = row_rank (api, fts, top->weights, top->n_weights, &entry.rank)) != SQLITE_OK)
    {
      sqlite3_result_error_code (ctx, rc);
      return;
    }
  if (!top_wants (top, &entry))
    return;
  /* A snippet from a long text (a note's body, when it has more of the
   * words than the title) is left to the caller: it tokenizes the text
   * up to the words shown (CAIRN_SEARCH_TOP_INLINE_TEXT). */
  if ((rc = snippet_column (api, fts, &column, &n_distinct)) != SQLITE_OK ||
      (rc = api->xColumnText (fts, column, &text, &n_text)) != SQLITE_OK ||
      (rc = api->xColumnText (fts, 0, &title, &n_title)) != SQLITE_OK)
    {
      sqlite3_result_error_code (ctx, rc);
      return;
    }
  if (n_text > CAIRN_SEARCH_TOP_INLINE_TEXT)
    {
      top_keep (top, &entry);
      return;
    }
  if ((rc = row_snippet (api, fts, top->snippet_start, top->snippet_end, top->snippet_ellipsis,
                         top->snippet_tokens, &entry.snippet)) != SQLITE_OK)
    {
      sqlite3_result_error_code (ctx, rc);
      return;
    }
  entry.title = title != NULL ? g_strndup (title, n_title) : NULL;
  top_keep (top, &entry);
}

gboolean
_cairn_store_search_register (CairnStore  *self,
                              GError     **error)
{
  fts5_api *api = NULL;
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, "SELECT fts5 (?1)", -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_pointer (stmt, 1, (void *) &api, "fts5_api_ptr", NULL);
      sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  if (api == NULL || api->iVersion < 2 ||
      api->xCreateFunction (api, "cairn_rank", NULL, rank_func, NULL) != SQLITE_OK ||
      api->xCreateFunction (api, "cairn_snippet", NULL, snippet_func, NULL) != SQLITE_OK ||
      api->xCreateFunction (api, "cairn_top", NULL, top_func, NULL) != SQLITE_OK ||
      api->xCreateFunction (api, "cairn_top_row", NULL, top_row_func, NULL) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot register the search functions");
      return FALSE;
    }
  return TRUE;
}

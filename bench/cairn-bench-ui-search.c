/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-ui-search.c: search as you type in the real window over a
 * large workspace, as JSON lines (BENCHMARKS.md, "Search in the window").
 *
 * The workspace is written straight into the state tables as
 * cairn-bench-search writes it (the same vocabulary of 4,000 made-up words
 * with a Zipf-like skew): --todos N todos (default 100,000) in 10 lists,
 * titles of 3–6 words, and 1,000 notes of 10 KB of such words; the whole
 * search index is built before measuring (reported once). Then, per
 * keystroke, two words of a random todo's title typed one character at a
 * time:
 *  - "ui-search": into the search page's entry. From the keystroke (the
 *    entry's text set, its search delay 0, so that GtkSearchEntry's
 *    debounce, 150 ms by default, is left out) to the results model
 *    updated (model_*: the page's results model holds the results of the
 *    text typed, the first search-changed that brought it), and to the
 *    first frame painted after that (paint_*); then, apart, the store's
 *    query alone for the same text (store_*), and the painted figure by
 *    the length typed (paint_1_chars_*, paint_2_chars_*,
 *    paint_3plus_chars_*). work_*: the keystroke's own work, paint less
 *    the frame clock's wait for its next slot (from the results ready to
 *    the frame's start, ::before-paint; at 60 Hz up to 16.7 ms; until
 *    branch search2 to its layout phase, which a frame that lays nothing
 *    out has not: the wait was counted then). cpu_*: the main
 *    thread's CPU time from the keystroke to the frame painted (steady
 *    on a loaded machine, where the wall clock is mostly the wait for a
 *    core). search_changed_per_key: how often the entry emitted
 *    search-changed per keystroke (the keystroke, and the 30 ms after
 *    its frame): more than 1 would mean searches the figures leave out.
 *  - "ui-find": into the find bar (Ctrl+F) over the first list (N/10
 *    todos), from the keystroke to the filtered list complete (the filter
 *    model runs in steps between frames) and painted.
 * Needs a display (xvfb-run). Usage:
 *   cairn-bench-ui-search [--todos N] [--queries N] [--workspace PATH] [--no-find]
 * --workspace keeps the filled workspace there and reuses it; --no-find
 * measures the search page alone; --slowest N prints the N keystrokes of
 * the search page with the most CPU time (the text typed, its cpu, store,
 * work and model figures), one JSON line each, after the figures, then
 * the N with the most work ("ui-search-slowest-work"). */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cairn-find-bar.h"
#include "cairn-search-model.h"
#include "cairn-search-page.h"
#include "cairn-store-private.h"
#include "cairn-todo-view.h"
#include "cairn-ui.h"
#include "cairn-window.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "bench-util.h"

#define N_LISTS 10
#define N_NOTES 1000
#define N_WORDS 4000
/* As the search page asks (ui/cairn-search-page.c). */
#define RESULTS_LIMIT 20

/* ---- The workspace (as cairn-bench-search fills it) ---------------------- */

static char **
make_vocabulary (GRand *rand)
{
  static const char * const syllables[] = {
    "ka", "lo", "mi", "ne", "ru", "sa", "te", "vi", "zo", "pa", "qui", "dor",
    "fen", "gal", "hum", "jor", "bel", "cat", "dri", "emo", "fla", "gre", "hol", "ist",
  };
  char **words = g_new0 (char *, N_WORDS + 1);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < N_WORDS;)
    {
      GString *w = g_string_new (NULL);
      guint n = g_rand_int_range (rand, 2, 5);

      for (guint s = 0; s < n; s++)
        g_string_append (w, syllables[g_rand_int_range (rand, 0, G_N_ELEMENTS (syllables))]);
      if (g_hash_table_contains (seen, w->str))
        {
          g_string_free (w, TRUE);
          continue;
        }
      words[i] = g_string_free (w, FALSE);
      g_hash_table_add (seen, words[i]);
      i++;
    }
  return words;
}

static const char *
pick_word (GRand *rand, char **words)
{
  double u = g_rand_double (rand);
  guint i = (guint) (N_WORDS * u * u * u);

  return words[MIN (i, N_WORDS - 1)];
}

static char *
make_title (GRand *rand, char **words)
{
  GString *t = g_string_new (NULL);
  guint n = g_rand_int_range (rand, 3, 7);

  for (guint i = 0; i < n; i++)
    {
      const char *w = pick_word (rand, words);

      if (i == 0)
        {
          g_string_append_unichar (t, g_unichar_toupper (w[0]));
          g_string_append (t, w + 1);
        }
      else
        g_string_append_printf (t, " %s", w);
    }
  return g_string_free (t, FALSE);
}

static void
fill (CairnStore *store, guint n, GRand *rand, char **words)
{
  sqlite3 *db = _cairn_store_get_db (store);
  sqlite3_stmt *todo = NULL, *note = NULL, *list = NULL;
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func (g_free);
  static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

  bench_check_sqlite (db, sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), "begin");
  bench_check_sqlite (db, sqlite3_prepare_v2 (db, "INSERT INTO lists (id, title, position) VALUES (?1, ?2, ?3)",
                                              -1, &list, NULL), "prepare");
  for (guint l = 0; l < N_LISTS; l++)
    {
      char *id = cairn_new_object_id ();
      g_autofree char *title = g_strdup_printf ("List %u", l + 1);
      g_autofree char *pos = g_strdup_printf ("%cV", digits[l + 1]);

      sqlite3_bind_text (list, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (list, 2, title, -1, SQLITE_STATIC);
      sqlite3_bind_text (list, 3, pos, -1, SQLITE_STATIC);
      bench_check_sqlite (db, sqlite3_step (list), "insert list");
      sqlite3_reset (list);
      g_ptr_array_add (lists, id);
    }
  bench_check_sqlite (db, sqlite3_prepare_v2 (db,
                        "INSERT INTO todos (id, list_id, title, position) VALUES (?1, ?2, ?3, ?4)",
                        -1, &todo, NULL), "prepare");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = cairn_new_object_id ();
      g_autofree char *title = make_title (rand, words);
      g_autofree char *pos = g_strdup_printf ("%c%c%cV", digits[(i / (62 * 62)) % 62],
                                              digits[(i / 62) % 62], digits[i % 62]);

      sqlite3_bind_text (todo, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (todo, 2, lists->pdata[i % N_LISTS], -1, SQLITE_STATIC);
      sqlite3_bind_text (todo, 3, title, -1, SQLITE_STATIC);
      sqlite3_bind_text (todo, 4, pos, -1, SQLITE_STATIC);
      bench_check_sqlite (db, sqlite3_step (todo), "insert todo");
      sqlite3_reset (todo);
    }
  bench_check_sqlite (db, sqlite3_prepare_v2 (db,
                        "INSERT INTO notes (id, title, body, created_at) VALUES (?1, ?2, ?3, ?4)",
                        -1, &note, NULL), "prepare");
  for (guint i = 0; i < N_NOTES; i++)
    {
      g_autofree char *id = cairn_new_object_id ();
      g_autofree char *title = make_title (rand, words);
      g_autoptr(GString) body = g_string_new (NULL);

      while (body->len < 10240)
        {
          g_autofree char *sentence = make_title (rand, words);

          g_string_append_printf (body, "%s. ", sentence);
        }
      sqlite3_bind_text (note, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (note, 2, title, -1, SQLITE_STATIC);
      sqlite3_bind_text (note, 3, body->str, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (note, 4, i);
      bench_check_sqlite (db, sqlite3_step (note), "insert note");
      sqlite3_reset (note);
    }
  sqlite3_finalize (list);
  sqlite3_finalize (todo);
  sqlite3_finalize (note);
  /* as a migrated file: the whole index is made by the first search */
  bench_check_sqlite (db, sqlite3_exec (db, "DELETE FROM search_dirty; UPDATE search_meta SET stale = 1; COMMIT",
                                        NULL, NULL, NULL), "commit");
}

static void
append_figures (GString *line, const char *name, GArray *us)
{
  g_array_sort (us, bench_cmp_gint64);
  g_string_append_printf (line, ",\"%s_p50_ms\":%.3f,\"%s_p99_ms\":%.3f,\"%s_max_ms\":%.3f",
                          name, g_array_index (us, gint64, us->len / 2) / 1000.0,
                          name, g_array_index (us, gint64, MIN (us->len - 1, (us->len * 99) / 100)) / 1000.0,
                          name, g_array_index (us, gint64, us->len - 1) / 1000.0);
}

/* --slowest: the keystrokes kept apart, the slowest by CPU time. */
static int n_slowest;

typedef struct
{
  char   *typed;
  gint64  cpu_us;
  gint64  store_us;
  gint64  work_us;
  gint64  model_us;
} Keystroke;

static void
keystroke_clear (gpointer data)
{
  g_free (((Keystroke *) data)->typed);
}

static int
compare_keystroke_cpu (gconstpointer a, gconstpointer b)
{
  gint64 x = ((const Keystroke *) a)->cpu_us, y = ((const Keystroke *) b)->cpu_us;
  return x > y ? -1 : x < y;
}

static int
compare_keystroke_work (gconstpointer a, gconstpointer b)
{
  gint64 x = ((const Keystroke *) a)->work_us, y = ((const Keystroke *) b)->work_us;
  return x > y ? -1 : x < y;
}

static gint64 painted_at;
static gint64 layout_at;   /* the first frame's layout after the results, or 0 */
/* The first frame's start (::before-paint) after the results, or 0: a
 * frame that lays nothing out (the same results, the entry redrawn) has
 * no layout phase, and from the results to its paint is then mostly the
 * wait for the frame's slot. */
static gint64 frame_at;

static void
on_after_paint (GdkFrameClock *clock, gpointer data)
{
  painted_at = g_get_monotonic_time ();
}

/* The frame that will paint the results starts its work here; the time
 * before is the frame clock's wait for its next slot (at most one per
 * 16.7 ms at 60 Hz). */
static void
on_before_paint (GdkFrameClock *clock, gpointer data)
{
  if (frame_at == 0)
    frame_at = g_get_monotonic_time ();
}

static void
on_layout (GdkFrameClock *clock, gpointer data)
{
  if (layout_at == 0)
    layout_at = g_get_monotonic_time ();
}

static gint64 searched_at;
static guint n_search_changed;
/* The search page's results (a CairnSearchModel), and the text typed: the
 * keystroke's results are in once the model searched for that text. */
static GListModel *page_results;
static const char *typed_now;

static void
on_search_changed (void)
{
  n_search_changed++;
  if (searched_at != 0)
    return;
  if (page_results != NULL &&
      g_strcmp0 (cairn_search_model_get_text (CAIRN_SEARCH_MODEL (page_results)), typed_now) != 0)
    return;
  searched_at = g_get_monotonic_time ();
}

/* Runs the main loop until cond() or 30 s. */
static void
spin_until (gboolean (*cond) (gpointer), gpointer data)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!cond (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  if (!cond (data))
    g_error ("Timed out waiting");
}

static gboolean
painted_since (gpointer data)
{
  return painted_at >= *(gint64 *) data;
}

static gboolean
searched (gpointer data)
{
  return searched_at != 0;
}

static gboolean
filter_done (gpointer data)
{
  return gtk_filter_list_model_get_pending (data) == 0;
}

static gboolean
timeout_done (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
idle_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static GtkWidget *
find_descendant (GtkWidget *widget, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The queries: two consecutive words of random todos' titles (the same
 * ones every run: the seeded GRand picks them). */
static GPtrArray *
make_queries (CairnStore *store, GRand *rand, guint n)
{
  sqlite3 *db = _cairn_store_get_db (store);
  GPtrArray *queries = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *count = NULL, *stmt = NULL;
  gint64 n_todos;

  bench_check_sqlite (db, sqlite3_prepare_v2 (db, "SELECT count(*) FROM todos WHERE deleted = 0",
                                              -1, &count, NULL), "prepare");
  if (sqlite3_step (count) != SQLITE_ROW)
    g_error ("count: %s", sqlite3_errmsg (db));
  n_todos = sqlite3_column_int64 (count, 0);
  sqlite3_finalize (count);
  bench_check_sqlite (db, sqlite3_prepare_v2 (db, "SELECT title FROM todos WHERE deleted = 0 "
                                              "ORDER BY id LIMIT 1 OFFSET ?1", -1, &stmt, NULL), "prepare");
  while (queries->len < n)
    {
      g_auto(GStrv) words = NULL;
      guint first;

      sqlite3_bind_int64 (stmt, 1, g_rand_int_range (rand, 0, (gint32) n_todos));
      if (sqlite3_step (stmt) != SQLITE_ROW)
        g_error ("title: %s", sqlite3_errmsg (db));
      words = g_strsplit ((const char *) sqlite3_column_text (stmt, 0), " ", -1);
      sqlite3_reset (stmt);
      first = g_rand_int_range (rand, 0, g_strv_length (words) - 1);
      g_ptr_array_add (queries, g_strdup_printf ("%s %s", words[first], words[first + 1]));
    }
  sqlite3_finalize (stmt);
  return queries;
}

/* The store's query alone (not inlined: valgrind --tool=callgrind
 * --toggle-collect=type_queries --toggle-collect=store_query_alone counts
 * the keystrokes' work without it, BENCHMARKS.md). */
static G_GNUC_NO_INLINE GPtrArray *
store_query_alone (CairnStore *store, const char *typed, GError **error)
{
  return cairn_store_search (store, typed, RESULTS_LIMIT, error);
}

/* Types each query a character at a time into entry, 30 ms apart; per
 * key, from the character inserted to the results for the text typed
 * (model) and to the next frame (paint); filtered: to the filter model
 * done first. */
static G_GNUC_NO_INLINE void
type_queries (const char         *bench,
              CairnStore         *store,
              GtkWidget          *window,
              GtkEditable        *entry,
              GtkWidget          *redraw,
              GtkFilterListModel *filtered,
              GPtrArray          *queries,
              guint               n_items)
{
  g_autoptr(GArray) model_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) paint_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) store_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  /* The keystroke's own work: to the results, then its frame from layout
   * to the end of paint (paint less the wait for the frame's slot). */
  g_autoptr(GArray) work_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) cpu_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint max_changed = 0, all_changed = 0;
  /* The page's figure by how much was typed: 1, 2, 3 or more characters. */
  GArray *by_length[3];
  GArray *cpu_by_length[3];
  GArray *store_by_length[3];
  g_autoptr(GString) line = g_string_new (NULL);
  gulong handler = g_signal_connect_after (entry, "search-changed", G_CALLBACK (on_search_changed), NULL);
  guint keys = 0;
  guint64 shown = 0;
  g_autoptr(GArray) keystrokes = g_array_new (FALSE, FALSE, sizeof (Keystroke));

  g_array_set_clear_func (keystrokes, keystroke_clear);

  for (guint i = 0; i < G_N_ELEMENTS (by_length); i++)
    {
      by_length[i] = g_array_new (FALSE, FALSE, sizeof (gint64));
      cpu_by_length[i] = g_array_new (FALSE, FALSE, sizeof (gint64));
      store_by_length[i] = g_array_new (FALSE, FALSE, sizeof (gint64));
    }

  for (guint q = 0; q < queries->len; q++)
    {
      const char *query = queries->pdata[q];

      for (const char *key = query, *p = g_utf8_next_char (query); ; key = p, p = g_utf8_next_char (p))
        {
          g_autofree char *typed = g_strndup (query, p - query);
          int position = (int) g_utf8_strlen (query, key - query);
          gint64 t0, cpu0, done;

          typed_now = typed;
          searched_at = 0;
          n_search_changed = 0;
          cpu0 = bench_thread_cpu_us ();
          t0 = g_get_monotonic_time ();
          /* One character added at the end, as a key press adds it:
           * gtk_editable_set_text() deletes the text first, which the
           * search entry reports at once as a search for "" (the
           * results emptied, then filled again). */
          gtk_editable_insert_text (entry, key, p - key, &position);
          spin_until (searched, NULL);
          if (filtered != NULL)
            spin_until (filter_done, filtered);
          done = g_get_monotonic_time ();
          layout_at = 0;
          frame_at = 0;
          gtk_widget_queue_draw (redraw);
          spin_until (painted_since, &done);
          {
            /* From the frame's start, whether or not it lays out (the
             * layout phase alone left the wait in for a frame without one). */
            gint64 work = (done - t0) + (painted_at - MAX (frame_at > 0 ? frame_at : layout_at, done));
            gint64 cpu = bench_thread_cpu_us () - cpu0;

            g_array_append_val (work_us, work);
            g_array_append_val (cpu_us, cpu);
            g_array_append_val (cpu_by_length[MIN (g_utf8_strlen (typed, -1), 3) - 1], cpu);
          }
          done = (filtered != NULL ? done : searched_at) - t0;
          g_array_append_val (model_us, done);
          done = painted_at - t0;
          g_array_append_val (paint_us, done);
          g_array_append_val (by_length[MIN (g_utf8_strlen (typed, -1), 3) - 1], done);
          /* The store's query alone, for the same text (run second: its
           * pages are in SQLite's cache by now). */
          if (filtered == NULL)
            {
              g_autoptr(GPtrArray) hits = NULL;
              g_autoptr(GError) error = NULL;

              done = g_get_monotonic_time ();
              hits = store_query_alone (store, typed, &error);
              if (hits == NULL)
                g_error ("%s", error->message);
              done = g_get_monotonic_time () - done;
              g_array_append_val (store_us, done);
              g_array_append_val (store_by_length[MIN (g_utf8_strlen (typed, -1), 3) - 1], done);
              g_array_append_vals (keystrokes, &(Keystroke) { g_strdup (typed), cpu_us->len > 0 ?
                                   g_array_index (cpu_us, gint64, cpu_us->len - 1) : 0, done,
                                   g_array_index (work_us, gint64, work_us->len - 1),
                                   g_array_index (model_us, gint64, model_us->len - 1) }, 1);
            }
          if (filtered != NULL)
            shown += g_list_model_get_n_items (G_LIST_MODEL (filtered));
          keys++;
          idle_ms (30);
          max_changed = MAX (max_changed, n_search_changed);
          all_changed += n_search_changed;
          if (*p == '\0')
            break;
        }
      typed_now = "";
      gtk_editable_set_text (entry, "");
      idle_ms (50);
    }
  g_signal_handler_disconnect (entry, handler);
  g_string_append_printf (line, "{\"bench\":\"%s\",\"items\":%u,\"queries\":%u,\"keys\":%u",
                          bench, n_items, queries->len, keys);
  if (filtered != NULL)
    g_string_append_printf (line, ",\"mean_shown\":%.1f", (double) shown / keys);
  append_figures (line, filtered != NULL ? "filtered" : "model", model_us);
  append_figures (line, "paint", paint_us);
  append_figures (line, "work", work_us);
  append_figures (line, "cpu", cpu_us);
  g_string_append_printf (line, ",\"search_changed_per_key\":%.2f,\"search_changed_max\":%u",
                          (double) all_changed / keys, max_changed);
  if (store_us->len > 0)
    append_figures (line, "store", store_us);
  for (guint i = 0; i < G_N_ELEMENTS (by_length); i++)
    {
      g_autofree char *name = g_strdup_printf ("paint_%u%s_chars", i + 1, i == 2 ? "plus" : "");

      g_autofree char *cpu_name = g_strdup_printf ("cpu_%u%s_chars", i + 1, i == 2 ? "plus" : "");

      if (by_length[i]->len > 0)
        append_figures (line, name, by_length[i]);
      g_autofree char *store_name = g_strdup_printf ("store_%u%s_chars", i + 1, i == 2 ? "plus" : "");

      if (cpu_by_length[i]->len > 0)
        append_figures (line, cpu_name, cpu_by_length[i]);
      if (store_by_length[i]->len > 0)
        append_figures (line, store_name, store_by_length[i]);
      g_array_unref (store_by_length[i]);
      g_array_unref (by_length[i]);
      g_array_unref (cpu_by_length[i]);
    }
  printf ("%s}\n", line->str);
  /* Then the N with the most wall-clock work (work_*), if not listed. */
  if (n_slowest > 0)
    {
      g_autoptr(GArray) by_work = g_array_copy (keystrokes);

      g_array_set_clear_func (by_work, NULL);
      g_array_sort (by_work, compare_keystroke_work);
      for (guint i = 0; i < MIN ((guint) n_slowest, by_work->len); i++)
        {
          Keystroke *k = &g_array_index (by_work, Keystroke, i);
          g_autofree char *escaped = g_strescape (k->typed, NULL);

          printf ("{\"bench\":\"%s-slowest-work\",\"typed\":\"%s\",\"work_ms\":%.3f,\"model_ms\":%.3f,"
                  "\"cpu_ms\":%.3f,\"store_ms\":%.3f}\n",
                  bench, escaped, k->work_us / 1000.0, k->model_us / 1000.0, k->cpu_us / 1000.0,
                  k->store_us / 1000.0);
        }
    }
  g_array_sort (keystrokes, compare_keystroke_cpu);
  for (guint i = 0; i < MIN ((guint) MAX (n_slowest, 0), keystrokes->len); i++)
    {
      Keystroke *k = &g_array_index (keystrokes, Keystroke, i);
      g_autofree char *escaped = g_strescape (k->typed, NULL);

      printf ("{\"bench\":\"%s-slowest\",\"typed\":\"%s\",\"cpu_ms\":%.3f,\"store_ms\":%.3f,"
              "\"work_ms\":%.3f,\"model_ms\":%.3f}\n",
              bench, escaped, k->cpu_us / 1000.0, k->store_us / 1000.0, k->work_us / 1000.0,
              k->model_us / 1000.0);
    }
  fflush (stdout);
}

int
main (int argc, char *argv[])
{
  int n_todos = 100000, n_queries = 30;
  gboolean no_find = FALSE;
  g_autofree char *workspace = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(CairnPool) pool = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (13);
  g_autoptr(GPtrArray) queries = NULL;
  g_autoptr(CairnList) first = NULL;
  guint n_first = 0;
  g_autoptr(GListModel) first_todos = NULL;
  g_auto(GStrv) words = NULL;
  GOptionEntry entries[] = {
    { "todos", 0, 0, G_OPTION_ARG_INT, &n_todos, "Todos in the workspace", "N" },
    { "queries", 0, 0, G_OPTION_ARG_INT, &n_queries, "Two-word queries typed (each key measured)", "N" },
    { "workspace", 0, 0, G_OPTION_ARG_FILENAME, &workspace,
      "Keep the workspace in PATH, and reuse it if it exists", "PATH" },
    { "no-find", 0, 0, G_OPTION_ARG_NONE, &no_find, "Measure the search page alone", NULL },
    { "slowest", 0, 0, G_OPTION_ARG_INT, &n_slowest, "Print the N slowest keystrokes of the search page", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- Cairn search-as-you-type benchmark");
  CairnSearchPage *page;
  CairnFindBar *bar;
  CairnWindow *window;
  GtkWidget *todo_view;
  GtkFilterListModel *filtered;
  gint64 t0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (n_todos < 100 || n_queries < 1)
    {
      g_printerr ("--todos at least 100, --queries at least 1\n");
      return 2;
    }

  if (workspace != NULL)
    path = g_strdup (workspace);
  else
    {
      dir = g_dir_make_tmp ("cairn-bench-ui-search-XXXXXX", &error);
      g_assert_no_error (error);
      path = g_build_filename (dir, "workspace.db", NULL);
    }
  words = make_vocabulary (rand);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    store = cairn_store_open (path, &error);
  else
    {
      store = cairn_store_open (path, &error);
      if (store != NULL)
        fill (store, n_todos, rand, words);
    }
  if (store == NULL)
    g_error ("Cannot open %s: %s", path, error->message);
  t0 = g_get_monotonic_time ();
  if (!cairn_store_update_search_index (store, &error))
    g_error ("%s", error->message);
  printf ("{\"bench\":\"ui-search-index\",\"todos\":%d,\"index_ms\":%.1f}\n", n_todos,
          (g_get_monotonic_time () - t0) / 1000.0);
  fflush (stdout);
  {
    g_autoptr(GRand) picks = g_rand_new_with_seed (14);

    /* Its own generator: the same queries whether the workspace was filled now or not. */
    queries = make_queries (store, picks, n_queries);
  }

  gtk_init ();
  adw_init ();
  cairn_ui_init ();
  pool = cairn_pool_new (store);
  /* The list with the most todos: a workspace made by an earlier run has
   * its (empty) Inbox first as well. */
  for (guint i = 0; i < g_list_model_get_n_items (cairn_pool_get_lists (pool)); i++)
    {
      g_autoptr(CairnList) list = g_list_model_get_item (cairn_pool_get_lists (pool), i);
      g_autoptr(GListModel) todos = cairn_pool_get_todos (pool, cairn_list_get_id (list));

      if (first == NULL || g_list_model_get_n_items (todos) > n_first)
        {
          g_set_object (&first, list);
          n_first = g_list_model_get_n_items (todos);
        }
    }
  settings = bench_app_settings (cairn_list_get_id (first));
  window = cairn_window_new (NULL, settings, pool);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  gtk_window_present (GTK_WINDOW (window));
  while (!gtk_widget_get_mapped (GTK_WIDGET (window)))
    g_main_context_iteration (NULL, TRUE);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                    G_CALLBACK (on_after_paint), NULL);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "layout",
                    G_CALLBACK (on_layout), NULL);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "before-paint",
                    G_CALLBACK (on_before_paint), NULL);
  idle_ms (500);

  /* The find bar over the first list. */
  if (!no_find)
    {
      first_todos = cairn_pool_get_todos (pool, cairn_list_get_id (first));
      todo_view = find_descendant (GTK_WIDGET (window), CAIRN_TYPE_TODO_VIEW);
      bar = CAIRN_FIND_BAR (find_descendant (GTK_WIDGET (window), CAIRN_TYPE_FIND_BAR));
      gtk_widget_activate_action (GTK_WIDGET (window), "win.find", NULL);
      gtk_search_entry_set_search_delay (GTK_SEARCH_ENTRY (cairn_find_bar_get_entry (bar)), 0);
      filtered = GTK_FILTER_LIST_MODEL (gtk_no_selection_get_model (GTK_NO_SELECTION (
        gtk_list_view_get_model (GTK_LIST_VIEW (find_descendant (todo_view, GTK_TYPE_LIST_VIEW))))));
      type_queries ("ui-find", store, GTK_WIDGET (window), cairn_find_bar_get_entry (bar), todo_view,
                    filtered, queries, g_list_model_get_n_items (first_todos));
      cairn_find_bar_close (bar);
    }

  /* The search page. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.search", NULL);
  page = CAIRN_SEARCH_PAGE (find_descendant (GTK_WIDGET (window), CAIRN_TYPE_SEARCH_PAGE));
  gtk_search_entry_set_search_delay (GTK_SEARCH_ENTRY (cairn_search_page_get_entry (page)), 0);
  idle_ms (300);
  page_results = cairn_search_page_get_results (page);
  type_queries ("ui-search", store, GTK_WIDGET (window), cairn_search_page_get_entry (page),
                GTK_WIDGET (page), NULL, queries, (guint) n_todos);

  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&pool);
  g_clear_object (&store);
  if (dir != NULL)
    {
      g_autofree char *wal = g_strconcat (path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (path, "-shm", NULL);

      g_unlink (path);
      g_unlink (wal);
      g_unlink (shm);
      g_rmdir (dir);
    }
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-search.c: search and the date views over a large workspace,
 * as JSON lines (BENCHMARKS.md, "Views and search").
 *
 * Usage: cairn-bench-search [N-TODOS] (default 100000). The workspace is
 * written straight into the state tables in one transaction, as
 * cairn-bench-pool does: N todos in 10 lists (10 % of them subtasks, 3
 * tags each on average, a fifth with a due date within 30 days either side
 * of today, a tenth of those done), titles of 3–6 words from a vocabulary
 * of 4,000 made-up words, and 1,000 notes of 10 KB of such words; plus one
 * note typed through the text CRDT for the keystroke figures. Printed:
 * the first search (which builds the whole index), searches of 1, 2 and 3
 * words (words of one todo's title, so that they match), a keystroke in a
 * 10 KB note and the search after it, Today and Upcoming built on a fresh
 * pool, and the pool's cost of a due-date change with and without them. */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn-pool.h"
#include "cairn-search.h"
#include "cairn-store-private.h"
#include "cairn-text.h"

#include "bench-util.h"

#define N_QUERIES 300
#define N_CHANGES 300
#define N_LISTS 10
#define N_NOTES 1000
#define N_WORDS 4000

static gint64 handler_start;
static gint64 handler_end;

static gint64 handler_cpu_start;
static gint64 handler_cpu_end;

static void before_pool (void) { handler_start = g_get_monotonic_time (); handler_cpu_start = bench_thread_cpu_us (); }
static void after_pool (void) { handler_end = g_get_monotonic_time (); handler_cpu_end = bench_thread_cpu_us (); }

static char **
make_vocabulary (GRand *rand)
{
  static const char * const syllables[] = {
    "ka", "lo", "mi", "ne", "ru", "sa", "te", "vi", "zo", "pa", "qui", "dor",
    "fen", "gal", "hum", "jor", "bel", "cat", "dri", "emo", "fla", "gre", "hol", "ist",
  };
  char **words = g_new0 (char *, N_WORDS + 1);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);

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
  g_hash_table_unref (seen);
  return words;
}

/* Zipf-like: low indexes far more often, as in real text. */
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

static char *
date_from_today (int days)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) then = g_date_time_add_days (now, days);

  return g_date_time_format (then, "%Y-%m-%d");
}

static void
fill (CairnStore *store, guint n, GRand *rand, char **words, GPtrArray *ids)
{
  sqlite3 *db = _cairn_store_get_db (store);
  sqlite3_stmt *todo = NULL, *tag = NULL, *note = NULL, *list = NULL, *tagrow = NULL;
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func (g_free);
  static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

  bench_check_sqlite (db, sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), "begin");
  bench_check_sqlite (db, sqlite3_prepare_v2 (db, "INSERT INTO lists (id, title, position) VALUES (?1, ?2, ?3)",
                                              -1, &list, NULL), "prepare");
  for (guint l = 0; l < N_LISTS; l++)
    {
      char *id = cairn_new_object_id ();
      g_autofree char *pos = g_strdup_printf ("%cV", digits[l + 1]);

      sqlite3_bind_text (list, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (list, 2, "List", -1, SQLITE_STATIC);
      sqlite3_bind_text (list, 3, pos, -1, SQLITE_STATIC);
      bench_check_sqlite (db, sqlite3_step (list), "insert list");
      sqlite3_reset (list);
      g_ptr_array_add (lists, id);
    }
  bench_check_sqlite (db, sqlite3_prepare_v2 (db, "INSERT INTO tags (id, name, color) VALUES (?1, ?2, 'blue')",
                                              -1, &tag, NULL), "prepare");
  for (guint t = 0; t < 10; t++)
    {
      char *id = cairn_new_object_id ();
      g_autofree char *name = g_strdup_printf ("tag%u", t);

      sqlite3_bind_text (tag, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (tag, 2, name, -1, SQLITE_STATIC);
      bench_check_sqlite (db, sqlite3_step (tag), "insert tag");
      sqlite3_reset (tag);
      g_ptr_array_add (tags, id);
    }
  bench_check_sqlite (db, sqlite3_prepare_v2 (db,
                        "INSERT INTO todos (id, list_id, title, position, done, due, parent_id) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &todo, NULL), "prepare");
  bench_check_sqlite (db, sqlite3_prepare_v2 (db,
                        "INSERT INTO todo_tags (id, todo_id, tag_id) VALUES (?1 || '/' || ?2, ?1, ?2)",
                        -1, &tagrow, NULL), "prepare");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = cairn_new_object_id ();
      g_autofree char *title = make_title (rand, words);
      g_autofree char *due = NULL;
      g_autofree char *pos = g_strdup_printf ("%c%c%cV", digits[(i / (62 * 62)) % 62],
                                              digits[(i / 62) % 62], digits[i % 62]);
      guint l = i % N_LISTS;
      gboolean dated = g_rand_int_range (rand, 0, 5) == 0;
      guint n_tags = g_rand_int_range (rand, 0, 7);   /* 3 on average */

      if (dated)
        due = date_from_today (g_rand_int_range (rand, -30, 31));
      sqlite3_bind_text (todo, 1, id, -1, SQLITE_STATIC);
      sqlite3_bind_text (todo, 2, lists->pdata[l], -1, SQLITE_STATIC);
      sqlite3_bind_text (todo, 3, title, -1, SQLITE_STATIC);
      sqlite3_bind_text (todo, 4, pos, -1, SQLITE_STATIC);
      sqlite3_bind_int (todo, 5, dated && g_rand_int_range (rand, 0, 10) == 0);
      sqlite3_bind_text (todo, 6, due, -1, SQLITE_STATIC);
      /* one in ten a subtask of a top-level todo of the same list (the
       * one made 50 before): i % 100 in [50, 60). Not a chain of the todo
       * made 10 before, as until 2026-12-07: that nested the subtasks of
       * a list 10,000 deep. */
      if (i % 100 >= 50 && i % 100 < 60)
        sqlite3_bind_text (todo, 7, ids->pdata[i - 50], -1, SQLITE_STATIC);
      else
        sqlite3_bind_null (todo, 7);
      bench_check_sqlite (db, sqlite3_step (todo), "insert todo");
      sqlite3_reset (todo);
      for (guint t = 0; t < n_tags && t < tags->len; t++)
        {
          sqlite3_bind_text (tagrow, 1, id, -1, SQLITE_STATIC);
          sqlite3_bind_text (tagrow, 2, tags->pdata[(i + t) % tags->len], -1, SQLITE_STATIC);
          bench_check_sqlite (db, sqlite3_step (tagrow), "insert todo tag");
          sqlite3_reset (tagrow);
        }
      g_ptr_array_add (ids, g_steal_pointer (&id));
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
  sqlite3_finalize (tag);
  sqlite3_finalize (todo);
  sqlite3_finalize (tagrow);
  sqlite3_finalize (note);
  /* as a migrated file: the whole index is built by the first search */
  bench_check_sqlite (db, sqlite3_exec (db, "DELETE FROM search_dirty; UPDATE search_meta SET stale = 1; COMMIT",
                                        NULL, NULL, NULL), "commit");
}

static void
report (const char *bench, const char *extra, GArray *us)
{
  g_array_sort (us, bench_cmp_gint64);
  printf ("{\"bench\":\"%s\"%s,\"n\":%u,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
          bench, extra, us->len,
          g_array_index (us, gint64, us->len / 2) / 1000.0,
          g_array_index (us, gint64, (us->len * 99) / 100) / 1000.0,
          g_array_index (us, gint64, us->len - 1) / 1000.0);
  fflush (stdout);
}

static void
bench_queries (CairnStore *store, GRand *rand, GPtrArray *ids, guint n_words, guint limit)
{
  sqlite3 *db = _cairn_store_get_db (store);
  g_autoptr(GArray) us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) cpu_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *title = NULL;
  guint64 n_hits = 0;

  bench_check_sqlite (db, sqlite3_prepare_v2 (db, "SELECT title FROM todos WHERE id = ?1", -1, &title, NULL),
                      "prepare");
  for (guint q = 0; q < N_QUERIES; q++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) hits = NULL;
      g_auto(GStrv) words = NULL;
      g_autoptr(GString) query = g_string_new (NULL);
      guint first;
      gint64 t0, c0;

      sqlite3_bind_text (title, 1, ids->pdata[g_rand_int_range (rand, 0, ids->len)], -1, SQLITE_STATIC);
      if (sqlite3_step (title) != SQLITE_ROW)
        g_error ("title: %s", sqlite3_errmsg (db));
      words = g_strsplit ((const char *) sqlite3_column_text (title, 0), " ", -1);
      sqlite3_reset (title);
      first = g_rand_int_range (rand, 0, g_strv_length (words) - n_words + 1);
      for (guint w = 0; w < n_words; w++)
        g_string_append_printf (query, "%s%s", w > 0 ? " " : "", words[first + w]);

      c0 = bench_thread_cpu_us ();
      t0 = g_get_monotonic_time ();
      hits = cairn_store_search (store, query->str, limit, &error);
      t0 = g_get_monotonic_time () - t0;
      c0 = bench_thread_cpu_us () - c0;
      if (hits == NULL)
        g_error ("%s", error->message);
      n_hits += hits->len;
      g_array_append_val (us, t0);
      g_array_append_val (cpu_us, c0);
    }
  sqlite3_finalize (title);
  {
    g_autofree char *extra = g_strdup_printf (",\"words\":%u,\"limit\":%u,\"mean_hits\":%.1f",
                                              n_words, limit, (double) n_hits / N_QUERIES);
    report ("search", extra, us);
    report ("search_cpu", extra, cpu_us);
  }
}

static void
bench_keystrokes (CairnStore *store, GRand *rand, char **words)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) commit_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) search_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *note_id = cairn_store_create_note (store, "Typed", &error);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(CairnText) replica = NULL;

  if (note_id == NULL)
    g_error ("%s", error->message);
  while (text->len < 10240)
    g_string_append_printf (text, "%s ", pick_word (rand, words));
  replica = cairn_store_load_note_text (store, note_id, &error);
  {
    g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

    if (!cairn_text_insert (replica, 0, text->str, -1, ops, &error) ||
        !cairn_store_edit_note (store, note_id, ops, &error) ||
        !cairn_store_update_search_index (store, &error))
      g_error ("%s", error->message);
  }
  for (guint k = 0; k < N_CHANGES; k++)
    {
      g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
      gint64 t0 = g_get_monotonic_time ();

      if (!cairn_text_insert (replica, 5000 + k, "x", -1, ops, &error) ||
          !cairn_store_edit_note (store, note_id, ops, &error))
        g_error ("%s", error->message);
      t0 = g_get_monotonic_time () - t0;
      g_array_append_val (commit_us, t0);
      /* every tenth keystroke a search (which indexes the note first) */
      if (k % 10 == 9)
        {
          g_autoptr(GPtrArray) hits = NULL;

          t0 = g_get_monotonic_time ();
          hits = cairn_store_search (store, words[0], 50, &error);
          t0 = g_get_monotonic_time () - t0;
          if (hits == NULL)
            g_error ("%s", error->message);
          g_array_append_val (search_us, t0);
        }
    }
  report ("keystroke_10kb_note", "", commit_us);
  report ("search_after_typing", ",\"words\":1,\"limit\":50", search_us);
}

static void
bench_views (CairnStore *store, GRand *rand, GPtrArray *ids)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnPool) pool = NULL;
  g_autoptr(GListModel) today = NULL, upcoming = NULL;
  g_autoptr(GArray) with_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) without_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) with_cpu_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) without_cpu_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 t0, t_today, t_upcoming, c0, c_today, c_upcoming;

  g_signal_connect_swapped (store, "changed", G_CALLBACK (before_pool), NULL);
  pool = cairn_pool_new (store);
  g_signal_connect_swapped (store, "changed", G_CALLBACK (after_pool), NULL);

  /* due-date changes with no view: the pool's cost without them */
  for (guint c = 0; c < N_CHANGES; c++)
    {
      g_autofree char *due = date_from_today (g_rand_int_range (rand, -20, 21));

      if (!cairn_store_set_todo_due (store, ids->pdata[g_rand_int_range (rand, 0, ids->len)], due, &error))
        g_error ("%s", error->message);
      t0 = handler_end - handler_start;
      g_array_append_val (without_us, t0);
      t0 = handler_cpu_end - handler_cpu_start;
      g_array_append_val (without_cpu_us, t0);
    }

  c0 = bench_thread_cpu_us ();
  t0 = g_get_monotonic_time ();
  today = cairn_pool_get_today_todos (pool);
  t_today = g_get_monotonic_time () - t0;
  c_today = bench_thread_cpu_us () - c0;
  c0 = bench_thread_cpu_us ();
  t0 = g_get_monotonic_time ();
  upcoming = cairn_pool_get_upcoming_todos (pool, 14);
  t_upcoming = g_get_monotonic_time () - t0;
  c_upcoming = bench_thread_cpu_us () - c0;
  printf ("{\"bench\":\"views_built\",\"today_ms\":%.3f,\"today_cpu_ms\":%.3f,\"today_items\":%u,"
          "\"upcoming_ms\":%.3f,\"upcoming_cpu_ms\":%.3f,\"upcoming_items\":%u}\n",
          t_today / 1000.0, c_today / 1000.0, g_list_model_get_n_items (today),
          t_upcoming / 1000.0, c_upcoming / 1000.0, g_list_model_get_n_items (upcoming));

  for (guint c = 0; c < N_CHANGES; c++)
    {
      g_autofree char *due = date_from_today (g_rand_int_range (rand, -20, 21));

      if (!cairn_store_set_todo_due (store, ids->pdata[g_rand_int_range (rand, 0, ids->len)], due, &error))
        g_error ("%s", error->message);
      t0 = handler_end - handler_start;
      g_array_append_val (with_us, t0);
      t0 = handler_cpu_end - handler_cpu_start;
      g_array_append_val (with_cpu_us, t0);
    }
  report ("pool_due_change", ",\"views\":false", without_us);
  report ("pool_due_change", ",\"views\":true", with_us);
  report ("pool_due_change_cpu", ",\"views\":false", without_cpu_us);
  report ("pool_due_change_cpu", ",\"views\":true", with_cpu_us);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (13);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CairnStore) store = NULL;
  g_auto(GStrv) words = NULL;
  g_autofree char *dir = NULL, *path = NULL;
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  gint64 t0;

  dir = g_dir_make_tmp ("cairn-bench-search-XXXXXX", &error);
  if (dir == NULL)
    g_error ("%s", error->message);
  path = g_build_filename (dir, "workspace.db", NULL);
  store = cairn_store_open (path, &error);
  if (store == NULL)
    g_error ("%s", error->message);
  words = make_vocabulary (rand);
  fill (store, n, rand, words, ids);

  t0 = g_get_monotonic_time ();
  if (!cairn_store_update_search_index (store, &error))
    g_error ("%s", error->message);
  printf ("{\"bench\":\"search_index_built\",\"todos\":%u,\"notes\":%u,\"ms\":%.1f}\n",
          n, N_NOTES, (g_get_monotonic_time () - t0) / 1000.0);
  fflush (stdout);

  for (guint w = 1; w <= 3; w++)
    bench_queries (store, rand, ids, w, 50);
  bench_keystrokes (store, rand, words);
  bench_views (store, rand, ids);

  g_clear_object (&store);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
    g_unlink (path);
    g_rmdir (dir);
  }
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-search.c: the search index (schema 10): word prefixes, case
 * and accents, ranking and snippets, deleted and restored objects, input
 * that is not FTS5 syntax, lazily written note bodies, the task-notes
 * hook, a rebase's roll-back and replay, rebuild and the migration of a
 * schema 9 file. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cairn-search.h"
#include "cairn-store-search-private.h"
#include "store-test-util.h"

#define OTHER "0123456789abcdef0123456789abcdef"
#define L9 "01890a5d-ac96-774b-bcce-b30209900099"
#define T9 "01890a5d-ac96-774b-bcce-b30209900098"

/* "kind:title" of each hit, best first, joined by " | ". */
static char *
hits_of (CairnStore *store,
         const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = cairn_store_search (store, text, 0, &error);
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_nonnull (hits);
  for (guint i = 0; i < hits->len; i++)
    {
      CairnSearchHit *hit = hits->pdata[i];

      g_string_append_printf (out, "%s%s:%s", i > 0 ? " | " : "",
                              hit->kind == CAIRN_OBJECT_NOTE ? "note" : "todo", hit->title);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

#define assert_hits(store, text, expected) \
  G_STMT_START { g_autofree char *h_ = hits_of (store, text); g_assert_cmpstr (h_, ==, expected); } G_STMT_END

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* The same in title order: which objects are found, whatever their rank. */
static char *
found_of (CairnStore *store,
          const char *text)
{
  g_autofree char *hits = hits_of (store, text);
  g_auto(GStrv) parts = g_strsplit (hits, " | ", -1);

  qsort (parts, g_strv_length (parts), sizeof (char *), compare_strings);
  return g_strjoinv (" | ", parts);
}

#define assert_found(store, text, expected) \
  G_STMT_START { g_autofree char *h_ = found_of (store, text); g_assert_cmpstr (h_, ==, expected); } G_STMT_END

/* The whole index as text: object, kind, title, body, in id order. */
static char *
index_dump (CairnStore *store)
{
  return test_query_text (store,
                          "SELECT group_concat (line, char (10)) FROM ("
                          " SELECT d.obj_id || ' ' || d.kind || ' ' || f.title || ' / ' || f.body AS line"
                          " FROM search_docs d JOIN search_fts f ON f.rowid = d.doc ORDER BY d.obj_id)");
}

static char *
make_list (CairnStore *store)
{
  g_autoptr(GError) error = NULL;
  char *id = cairn_store_create_list (store, "Errands", &error);

  g_assert_no_error (error);
  return id;
}

static char *
make_todo (CairnStore *store,
           const char *list_id,
           const char *title)
{
  g_autoptr(GError) error = NULL;
  char *id = cairn_store_create_todo (store, list_id, title, NULL, NULL, &error);

  g_assert_no_error (error);
  return id;
}

static char *
make_note (CairnStore *store,
           const char *title,
           const char *body)
{
  g_autoptr(GError) error = NULL;
  char *id = cairn_store_create_note (store, title, &error);

  g_assert_no_error (error);
  if (body != NULL)
    test_type_into_note (store, id, 0, body);
  return id;
}

static void
test_words (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autofree char *list = make_list (ts->store);
  g_autofree char *t1 = make_todo (ts->store, list, "Café au lait");
  g_autofree char *t2 = make_todo (ts->store, list, "Call the plumber");
  g_autofree char *n1 = make_note (ts->store, "Rentrée", "Inscription à l'ÉCOLE primaire");

  assert_hits (ts->store, "cafe", "todo:Café au lait");
  assert_hits (ts->store, "CAF", "todo:Café au lait");
  assert_hits (ts->store, "Café", "todo:Café au lait");
  assert_hits (ts->store, "lait caf", "todo:Café au lait");     /* any order, each a prefix */
  assert_hits (ts->store, "lait plumber", "");                  /* every word is required */
  assert_hits (ts->store, "ecole", "note:Rentrée");
  assert_hits (ts->store, "ÉCOLE", "note:Rentrée");
  assert_hits (ts->store, "rentree", "note:Rentrée");
  assert_found (ts->store, "ca", "todo:Café au lait | todo:Call the plumber");
  assert_hits (ts->store, "xylophone", "");
  assert_hits (ts->store, "", "");
}

/* What people type is never FTS5 syntax: results or nothing, no error. */
static void
test_syntax_is_text (void)
{
  static const char * const typed[] = {
    "\"", "\"cafe", "cafe\"", "(", ")", "(cafe", "cafe AND", "AND", "OR cafe", "NOT",
    "NEAR(cafe lait)", "NEAR", "*", "caf*", "-cafe", "cafe -lait", "title:cafe", "^cafe",
    "+", "{title}: cafe", "c'est", "'", "   ", "\t", "café's", "AND OR NOT",
  };
  g_autoptr(TestStore) ts = test_store_new ();
  g_autofree char *list = make_list (ts->store);
  g_autofree char *t1 = make_todo (ts->store, list, "Café au lait");

  for (guint i = 0; i < G_N_ELEMENTS (typed); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) hits = cairn_store_search (ts->store, typed[i], 0, &error);

      g_assert_no_error (error);
      g_assert_nonnull (hits);
    }
  /* the punctuation separates words, the words still match */
  assert_hits (ts->store, "(cafe", "todo:Café au lait");
  assert_hits (ts->store, "-cafe", "todo:Café au lait");
  assert_hits (ts->store, "caf*", "todo:Café au lait");
  assert_hits (ts->store, "NEAR(cafe lait)", "");   /* "near" is a word like any other */
  assert_hits (ts->store, "cafe AND", "");
  assert_hits (ts->store, "\"", "");

  {
    g_autofree char *m = cairn_search_build_match ("a\"b (c) NEAR d*");
    g_assert_cmpstr (m, ==, "\"a\"* \"b\"* \"c\"* \"NEAR\"* \"d\"*");
  }
  g_assert_null (cairn_search_build_match ("*-()\"'"));
}

static void
test_bad_utf8 (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *before = test_fingerprint (ts->store);
  g_autofree char *after = NULL;
  GPtrArray *hits = cairn_store_search (ts->store, "caf\xc3", 0, &error);

  g_assert_null (hits);
  g_assert_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "query"));
  after = test_fingerprint (ts->store);
  g_assert_cmpstr (after, ==, before);
}

static void
test_ranking_and_snippets (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GString) long_body = g_string_new (NULL);
  g_autofree char *n_body = NULL, *n_title = NULL, *list = NULL, *t = NULL;
  CairnSearchHit *hit;

  for (guint i = 0; i < 60; i++)
    g_string_append (long_body, "lorem ipsum dolor sit amet ");
  g_string_append (long_body, "the garden needs water ");
  for (guint i = 0; i < 60; i++)
    g_string_append (long_body, "consectetur adipiscing elit ");
  n_body = make_note (ts->store, "Weekend", long_body->str);
  n_title = make_note (ts->store, "Garden plan", "Tomatoes, beans.");
  list = make_list (ts->store);
  t = make_todo (ts->store, list, "Water the garden, the garden!");

  hits = cairn_store_search (ts->store, "garden", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 3);
  /* titles weigh more than a word lost in a long body */
  hit = hits->pdata[2];
  g_assert_cmpstr (hit->id, ==, n_body);
  g_assert_cmpint (hit->kind, ==, CAIRN_OBJECT_NOTE);
  g_assert_cmpstr (hit->title, ==, "Weekend");
  /* a few words around the match, marked, cut with an ellipsis */
  g_assert_nonnull (strstr (hit->snippet, "the " CAIRN_SEARCH_MARK_START "garden" CAIRN_SEARCH_MARK_END " needs"));
  g_assert_true (g_str_has_prefix (hit->snippet, "…"));
  g_assert_true (g_str_has_suffix (hit->snippet, "…"));
  g_assert_cmpuint (strlen (hit->snippet), <, 200);
  hit = hits->pdata[0];
  g_assert_cmpstr (hit->id, ==, t);   /* twice in a short title */
  g_assert_cmpint (hit->kind, ==, CAIRN_OBJECT_TODO);
  g_assert_cmpstr (hit->snippet, ==, "Water the " CAIRN_SEARCH_MARK_START "garden"
                   CAIRN_SEARCH_MARK_END ", the " CAIRN_SEARCH_MARK_START "garden"
                   CAIRN_SEARCH_MARK_END "!");
  g_clear_pointer (&hits, g_ptr_array_unref);
  /* a limit keeps the best */
  hits = cairn_store_search (ts->store, "garden", 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpstr (((CairnSearchHit *) hits->pdata[0])->id, ==, t);
}

/* A word in a title outranks the same word only in a body, however
 * often the body repeats it (bm25() put a short note that repeats a word
 * before a long title that has it once); and a snippet shows the place
 * where the most of the words are together, not the first match. */
static void
test_title_first_and_best_window (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GString) body = g_string_new ("apple pie. ");
  g_autofree char *list = make_list (ts->store);
  g_autofree char *t = make_todo (ts->store, list,
                                  "Weed the garden patch by the old oak tree near the fence");
  g_autofree char *n = make_note (ts->store, "Misc",
                                  "garden garden garden garden garden garden garden garden");
  g_autofree char *n2 = NULL;
  CairnSearchHit *hit;

  hits = cairn_store_search (ts->store, "garden", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 2);
  g_assert_cmpstr (((CairnSearchHit *) hits->pdata[0])->id, ==, t);
  g_assert_cmpstr (((CairnSearchHit *) hits->pdata[1])->id, ==, n);
  g_clear_pointer (&hits, g_ptr_array_unref);
  /* a tie goes to the latest indexed (created, or its text changed), in
   * the list and at the cut */
  {
    g_autofree char *older = make_todo (ts->store, list, "Buy milk");
    g_autofree char *newer = NULL;

    hits = cairn_store_search (ts->store, "milk", 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (hits->len, ==, 1);
    g_clear_pointer (&hits, g_ptr_array_unref);
    newer = make_todo (ts->store, list, "Buy milk");
    hits = cairn_store_search (ts->store, "milk", 0, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (hits->len, ==, 2);
    g_assert_cmpstr (((CairnSearchHit *) hits->pdata[0])->id, ==, newer);
    g_assert_cmpstr (((CairnSearchHit *) hits->pdata[1])->id, ==, older);
    g_clear_pointer (&hits, g_ptr_array_unref);
    hits = cairn_store_search (ts->store, "milk", 1, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (hits->len, ==, 1);
    g_assert_cmpstr (((CairnSearchHit *) hits->pdata[0])->id, ==, newer);
    g_clear_pointer (&hits, g_ptr_array_unref);
  }

  for (guint i = 0; i < 40; i++)
    g_string_append (body, "lorem ipsum dolor ");
  g_string_append (body, "an apple and a banana split. ");
  for (guint i = 0; i < 40; i++)
    g_string_append (body, "sit amet ");
  n2 = make_note (ts->store, "Desserts", body->str);
  hits = cairn_store_search (ts->store, "banana apple", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  hit = hits->pdata[0];
  g_assert_cmpstr (hit->id, ==, n2);
  g_assert_nonnull (strstr (hit->snippet, "an " CAIRN_SEARCH_MARK_START "apple" CAIRN_SEARCH_MARK_END
                            " and a " CAIRN_SEARCH_MARK_START "banana" CAIRN_SEARCH_MARK_END " split"));
  g_assert_true (g_str_has_prefix (hit->snippet, "…"));
  g_assert_true (g_str_has_suffix (hit->snippet, "…"));
}

static void
test_deleted_and_restored (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *list = make_list (ts->store);
  g_autofree char *t = make_todo (ts->store, list, "Renew passport");
  g_autofree char *n = make_note (ts->store, "Passport numbers", NULL);
  g_autofree char *sub = NULL;

  sub = cairn_store_create_subtask (ts->store, list, t, "Passport photos", NULL, NULL, &error);
  g_assert_no_error (error);
  assert_found (ts->store, "passport", "note:Passport numbers | todo:Passport photos | todo:Renew passport");

  g_assert_true (cairn_store_delete_todo (ts->store, t, &error));   /* takes its subtask */
  g_assert_true (cairn_store_delete_note (ts->store, n, &error));
  assert_found (ts->store, "passport", "");
  g_assert_true (cairn_store_restore_todo (ts->store, t, &error));
  assert_found (ts->store, "passport", "todo:Passport photos | todo:Renew passport");
  g_assert_true (cairn_store_restore_note (ts->store, n, &error));
  g_assert_true (cairn_store_rename_todo (ts->store, t, "Renew visa", &error));
  assert_found (ts->store, "passport", "note:Passport numbers | todo:Passport photos");
  assert_found (ts->store, "visa", "todo:Renew visa");

  /* a deleted list's todos are not shown anywhere: nor found */
  g_assert_true (cairn_store_delete_list (ts->store, list, &error));
  assert_found (ts->store, "passport", "note:Passport numbers");
  g_assert_true (cairn_store_restore_list (ts->store, list, &error));
  assert_found (ts->store, "passport", "note:Passport numbers | todo:Passport photos");
  g_assert_no_error (error);
}

/* A note's body reaches notes.body lazily: a search right after typing
 * still finds what was typed. */
static void
test_note_body_typed (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autofree char *n = make_note (ts->store, "Ideas", "A bicycle ");

  assert_hits (ts->store, "bicy", "note:Ideas");
  test_type_into_note (ts->store, n, 10, "trailer");
  assert_hits (ts->store, "trailer", "note:Ideas");
  assert_hits (ts->store, "bicycle trail", "note:Ideas");
}

/* The place where task notes plug in: a todo indexed with its notes'
 * text is found by it. */
static void
test_task_notes_hook (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *list = make_list (ts->store);
  g_autofree char *t = make_todo (ts->store, list, "Groceries");

  assert_hits (ts->store, "groc", "todo:Groceries");
  g_assert_true (_cairn_store_begin (ts->store, &error));
  g_assert_true (_cairn_store_search_index_todo (ts->store, t, "Groceries", "oat milk, rye bread", &error));
  g_assert_true (_cairn_store_end (ts->store, &error));
  g_assert_no_error (error);
  assert_hits (ts->store, "oat", "todo:Groceries");
}

/* Typing into a todo's notes makes it found by the words typed, also
 * through a rebase that rolls the typing back and replays it, and a
 * rebuild gives the same index. */
static void assert_index_as_rebuilt (CairnStore *store);

static void
type_into_todo_notes (CairnStore *store,
                      const char *todo_id,
                      const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) notes = cairn_store_load_todo_notes (store, todo_id, &error);
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();

  g_assert_no_error (error);
  g_assert_true (cairn_text_insert (notes, cairn_text_get_length (notes), text, -1, ops, &error));
  g_assert_true (cairn_store_edit_todo_notes (store, todo_id, ops, &error));
  g_assert_no_error (error);
}

static void
test_task_notes_edits (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autofree char *list = make_list (ts->store);
  g_autofree char *t = make_todo (ts->store, list, "Groceries");
  g_autofree char *u = make_todo (ts->store, list, "Bakery");

  assert_hits (ts->store, "rye", "");
  type_into_todo_notes (ts->store, t, "oat milk, rye bread");
  assert_hits (ts->store, "rye", "todo:Groceries");
  assert_hits (ts->store, "Oat MILK", "todo:Groceries");
  type_into_todo_notes (ts->store, u, "Rye sourdough");
  assert_hits (ts->store, "sourd", "todo:Bakery");
  assert_index_as_rebuilt (ts->store);
}

static void
assert_index_as_rebuilt (CairnStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL, *after = NULL;

  g_assert_true (cairn_store_update_search_index (store, &error));
  before = index_dump (store);
  g_assert_true (cairn_store_rebuild (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (test_query_int (store, "SELECT stale FROM search_meta"), ==, 1);
  g_assert_true (cairn_store_update_search_index (store, &error));
  g_assert_no_error (error);
  after = index_dump (store);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpint (test_query_int (store, "SELECT count(*) FROM search_dirty"), ==, 0);
}

/* Another device's changes arrive under pending local ones: the index
 * after the roll-back and replay is the one a rebuild makes. */
static void
test_rebase (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) remote = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *mine = NULL, *n = NULL;

  g_ptr_array_add (remote, test_event_new (OTHER, 1, 1, "list.created",
                                           "{\"list_id\":\"" L9 "\",\"title\":\"Shared\",\"position\":\"V\"}"));
  g_ptr_array_add (remote, test_event_new (OTHER, 2, 2, "todo.created",
                                           "{\"todo_id\":\"" T9 "\",\"list_id\":\"" L9 "\","
                                           "\"title\":\"Paint the fence\",\"position\":\"V\"}"));
  test_rebase_ok (ts->store, remote, "h1");
  g_ptr_array_set_size (remote, 0);
  assert_found (ts->store, "fence", "todo:Paint the fence");

  /* pending here: a rename of the shared todo, a new todo, a note */
  g_assert_true (cairn_store_rename_todo (ts->store, T9, "Paint the gate", &error));
  mine = make_todo (ts->store, L9, "Sand the gate");
  n = make_note (ts->store, "Colours", "gate: dark green");
  assert_found (ts->store, "gate", "note:Colours | todo:Paint the gate | todo:Sand the gate");

  /* the other device renamed it first (the server orders it before ours)
   * and added one */
  g_ptr_array_add (remote, test_event_new (OTHER, 3, 3, "todo.renamed",
                                           "{\"todo_id\":\"" T9 "\",\"title\":\"Paint the shed\"}"));
  g_ptr_array_add (remote, test_event_new (OTHER, 4, 4, "todo.created",
                                           "{\"todo_id\":\"01890a5d-ac96-774b-bcce-b30209900097\","
                                           "\"list_id\":\"" L9 "\",\"title\":\"Oil the gate\",\"position\":\"W\"}"));
  test_rebase_ok (ts->store, remote, "h1");
  /* ours is replayed last: the gate wins */
  assert_found (ts->store, "gate", "note:Colours | todo:Oil the gate | todo:Paint the gate | todo:Sand the gate");
  assert_found (ts->store, "shed", "");
  assert_index_as_rebuilt (ts->store);

  /* the other device deletes the todo ours renamed */
  g_ptr_array_set_size (remote, 0);
  g_ptr_array_add (remote, test_event_new (OTHER, 5, 5, "todo.deleted", "{\"todo_id\":\"" T9 "\"}"));
  test_rebase_ok (ts->store, remote, "h1");
  assert_found (ts->store, "paint", "");
  assert_index_as_rebuilt (ts->store);
}

static void
exec_on_file (const char *path,
              const char *sql)
{
  sqlite3 *db = NULL;
  char *msg = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s", msg);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

/* A schema 9 file gains an index, built by its first search. */
static void
test_migration (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fixture = g_test_build_filename (G_TEST_DIST, "data", "fixtures", "v9.sql", NULL);
  g_autofree char *dir = g_dir_make_tmp ("cairn-search-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "v9.db", NULL);
  g_autofree char *sql = NULL;
  g_autoptr(CairnStore) store = NULL;

  g_file_get_contents (fixture, &sql, NULL, &error);
  g_assert_no_error (error);
  exec_on_file (path, sql);
  store = cairn_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (test_query_int (store, "SELECT stale FROM search_meta"), ==, 1);
  assert_hits (store, "fixture", "note:Fixture note");
  /* a tie: the latest indexed first (the whole index is made in id order) */
  assert_hits (store, "todo", "todo:Pending todo | todo:Confirmed todo");
  assert_hits (store, "pending text", "note:Fixture note");
  g_assert_cmpint (test_query_int (store, "SELECT stale FROM search_meta"), ==, 0);
  g_clear_object (&store);
  cairn_test_rm_rf (dir);
}

/* The titles and snippets of hits spread over the index are read in a
 * few rowid ranges for short words (the gaps between them skipped), in
 * one for longer ones: the same hits, titles and snippets either way,
 * none lost. */
static void
test_snippet_ranges (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autofree char *list = make_list (ts->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) short_word = NULL;
  g_autoptr(GPtrArray) long_word = NULL;

  /* 300 matches; the best (the word twice) every 37th, the others tied:
   * the 20 kept are spread over the rowids with wide gaps. */
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *title = g_strdup_printf (i % 37 == 0 ? "Kiwi kiwi %u" : "Kiwi %u", i);

      g_free (make_todo (ts->store, list, title));
    }
  short_word = cairn_store_search (ts->store, "kiw", 20, &error);
  g_assert_no_error (error);
  long_word = cairn_store_search (ts->store, "kiwi", 20, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (short_word->len, ==, 20);
  g_assert_cmpuint (long_word->len, ==, 20);
  for (guint i = 0; i < 20; i++)
    {
      CairnSearchHit *a = short_word->pdata[i], *b = long_word->pdata[i];

      g_assert_cmpstr (a->id, ==, b->id);
      g_assert_cmpstr (a->title, ==, b->title);
      g_assert_cmpstr (a->snippet, ==, b->snippet);
      g_assert_nonnull (strstr (a->snippet, CAIRN_SEARCH_MARK_START "Kiwi" CAIRN_SEARCH_MARK_END));
    }
  /* the best first: the 9 with the word twice (0, 37, …, 296) */
  for (guint i = 0; i < 9; i++)
    g_assert_true (g_str_has_prefix (((CairnSearchHit *) short_word->pdata[i])->title, "Kiwi kiwi "));
  g_assert_false (g_str_has_prefix (((CairnSearchHit *) short_word->pdata[9])->title, "Kiwi kiwi "));
}

/* The hits' ids, best first, joined by spaces. */
static char *
ids_of (GPtrArray *hits,
        guint      n)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < MIN (n, hits->len); i++)
    g_string_append_printf (out, "%s%s", i > 0 ? " " : "", ((CairnSearchHit *) hits->pdata[i])->id);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* A query of one short word is ranked in one call (cairn_top()), others
 * row by row with their snippets (cairn_top_row()): the best N of
 * either are the first N of the whole ranking as SQL sorts it (rank,
 * then the higher rowid), with ties at the cut, and the two give the
 * same hits, titles and snippets; a word repeated far apart in a long
 * body (positions of several bytes) counts each time. */
static void
test_top_one_word (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autofree char *list = make_list (ts->store);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) twice = NULL;
  g_autofree char *reference = NULL;
  g_autofree char *all_ids = NULL;
  g_autofree char *with_notes = NULL;
  char *body_only[5];
  guint limits[] = { 1, 5, 20, 37, 0 };

  /* Ties: most titles have the word once; every 13th twice, a few
   * three times. */
  for (guint i = 0; i < 90; i++)
    {
      g_autofree char *title = g_strdup_printf (i % 29 == 3 ? "Kiwifruit kiwi kiwi %u" :
                                                i % 13 == 0 ? "Kiwi kiwi %u" : "Kiwi %u", i);

      g_free (make_todo (ts->store, list, title));
    }
  /* Body only: note k has the word k + 1 times, 150 words apart. */
  for (guint k = 0; k < G_N_ELEMENTS (body_only); k++)
    {
      g_autoptr(GString) body = g_string_new (NULL);
      g_autofree char *title = g_strdup_printf ("Note %u", k);

      for (guint m = 0; m <= k; m++)
        {
          for (guint f = 0; f < 150; f++)
            g_string_append (body, "lorem ipsum ");
          g_string_append (body, "kiwis ");
        }
      body_only[k] = make_note (ts->store, title, body->str);
    }
  /* Title and body; and a long body (its snippet from the title, which
   * has as many of the words). */
  g_free (make_note (ts->store, "Kiwi notes", "a kiwi and a kiwi"));
  {
    g_autoptr(GString) body = g_string_new (NULL);

    for (guint m = 0; m < 4; m++)
      {
        for (guint f = 0; f < 150; f++)
          g_string_append (body, "lorem ipsum ");
        g_string_append (body, "kiwis ");
      }
    g_free (make_note (ts->store, "Kiwi diary", body->str));
  }
  with_notes = make_todo (ts->store, list, "Kiwi jam");
  g_assert_true (_cairn_store_begin (ts->store, &error));
  g_assert_true (_cairn_store_search_index_todo (ts->store, with_notes, "Kiwi jam", "kiwi, sugar", &error));
  g_assert_true (_cairn_store_end (ts->store, &error));
  g_assert_no_error (error);

  /* Before the SQL below reads the index. */
  g_assert_true (cairn_store_update_search_index (ts->store, &error));
  g_assert_no_error (error);
  reference = test_query_text (ts->store,
                               "SELECT group_concat (obj_id, ' ') FROM ("
                               " SELECT d.obj_id FROM ("
                               "  SELECT rowid AS doc, cairn_rank (search_fts, 4.0, 1.0) AS r"
                               "  FROM search_fts WHERE search_fts MATCH '\"kiw\"*') AS top"
                               " JOIN search_docs d ON d.doc = top.doc ORDER BY top.r, top.doc DESC)");
  all = cairn_store_search (ts->store, "kiw", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 90 + G_N_ELEMENTS (body_only) + 3);
  all_ids = ids_of (all, all->len);
  g_assert_cmpstr (all_ids, ==, reference);
  /* The best: three times in the title (3 todos), once with four times
   * in the body, twice in the title (7), once with twice in the body,
   * once with once in the body. */
  g_assert_true (g_str_has_prefix (((CairnSearchHit *) all->pdata[0])->title, "Kiwifruit kiwi kiwi "));
  g_assert_cmpstr (((CairnSearchHit *) all->pdata[3])->title, ==, "Kiwi diary");
  g_assert_cmpstr (((CairnSearchHit *) all->pdata[3])->snippet, ==,
                   CAIRN_SEARCH_MARK_START "Kiwi" CAIRN_SEARCH_MARK_END " diary");
  g_assert_true (g_str_has_prefix (((CairnSearchHit *) all->pdata[4])->title, "Kiwi kiwi "));
  g_assert_cmpstr (((CairnSearchHit *) all->pdata[11])->title, ==, "Kiwi notes");
  g_assert_cmpstr (((CairnSearchHit *) all->pdata[12])->id, ==, with_notes);
  /* The last: the body-only notes, the most repeats first. */
  for (guint k = 0; k < G_N_ELEMENTS (body_only); k++)
    g_assert_cmpstr (((CairnSearchHit *) all->pdata[all->len - 1 - k])->id, ==, body_only[k]);

  /* Cut at each limit: one short word (cairn_top()), two and one longer
   * (cairn_top_row(); every word here that starts with "kiw" starts with
   * "kiwi"). */
  for (guint l = 0; l < G_N_ELEMENTS (limits); l++)
    for (guint w = 0; w < 3; w++)
      {
        const char *text = (const char *[]) { "kiw", "kiw kiw", "kiwi" }[w];
        g_autoptr(GPtrArray) top = cairn_store_search (ts->store, text, limits[l], &error);
        g_autofree char *top_ids = NULL;
        g_autofree char *first_ids = NULL;

        g_assert_no_error (error);
        top_ids = ids_of (top, top->len);
        first_ids = ids_of (all, limits[l] > 0 ? limits[l] : all->len);
        g_assert_cmpstr (top_ids, ==, first_ids);
      }

  /* The query of two words (the same word twice: the same order) takes
   * the ranking query: the same hits, titles and snippets. */
  twice = cairn_store_search (ts->store, "kiw kiw", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (twice->len, ==, all->len);
  for (guint i = 0; i < all->len; i++)
    {
      CairnSearchHit *a = all->pdata[i], *b = twice->pdata[i];

      g_assert_cmpstr (a->id, ==, b->id);
      g_assert_cmpint (a->kind, ==, b->kind);
      g_assert_cmpstr (a->title, ==, b->title);
      g_assert_cmpstr (a->snippet, ==, b->snippet);
    }
  for (guint k = 0; k < G_N_ELEMENTS (body_only); k++)
    g_free (body_only[k]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/search/words", test_words);
  g_test_add_func ("/search/snippet-ranges", test_snippet_ranges);
  g_test_add_func ("/search/syntax-is-text", test_syntax_is_text);
  g_test_add_func ("/search/bad-utf8", test_bad_utf8);
  g_test_add_func ("/search/ranking-and-snippets", test_ranking_and_snippets);
  g_test_add_func ("/search/title-first-and-best-window", test_title_first_and_best_window);
  g_test_add_func ("/search/deleted-and-restored", test_deleted_and_restored);
  g_test_add_func ("/search/note-body-typed", test_note_body_typed);
  g_test_add_func ("/search/task-notes-hook", test_task_notes_hook);
  g_test_add_func ("/search/task-notes-edits", test_task_notes_edits);
  g_test_add_func ("/search/rebase", test_rebase);
  g_test_add_func ("/search/migration", test_migration);
  g_test_add_func ("/search/top-one-word", test_top_one_word);
  return g_test_run ();
}

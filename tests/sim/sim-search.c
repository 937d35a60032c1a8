/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sim-search.c: after a simulated run, each replica's search index (which
 * went through commits, rebases' roll-backs and replays, crashes and
 * restores) must be the one made from scratch, and what each person
 * titled a todo must find it. */
#include "config.h"

#include "cairn-search.h"
#include "sim-search.h"

static char *
index_dump (CairnStore *store)
{
  sqlite3 *db = _cairn_store_get_db (store);
  sqlite3_stmt *stmt = NULL;
  GString *out = g_string_new (NULL);

  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT d.obj_id, d.kind, f.title, f.body FROM search_docs d "
                                       "JOIN search_fts f ON f.rowid = d.doc ORDER BY d.obj_id",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%s %s %s / %s\n", sqlite3_column_text (stmt, 0),
                            sqlite3_column_text (stmt, 1), sqlite3_column_text (stmt, 2),
                            sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

char *
sim_search_check (CairnStore *store,
                  CairnStore *fresh)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *mine = NULL, *scratch = NULL;
  sqlite3_stmt *stmt = NULL;
  char *problem = NULL;

  if (!cairn_store_update_search_index (store, &error))
    return g_strdup_printf ("cannot update the search index: %s", error->message);
  mine = index_dump (store);

  g_assert_cmpint (sqlite3_exec (_cairn_store_get_db (fresh), "UPDATE search_meta SET stale = 1",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  if (!cairn_store_update_search_index (fresh, &error))
    return g_strdup_printf ("cannot build the search index: %s", error->message);
  scratch = index_dump (fresh);
  if (g_strcmp0 (mine, scratch) != 0)
    return g_strdup_printf ("search index differs from one made from scratch:\n%s\nvs\n%s",
                            mine, scratch);

  /* Each live todo of a live list is found by its whole title. */
  g_assert_cmpint (sqlite3_prepare_v2 (_cairn_store_get_db (fresh),
                                       "SELECT t.id, t.title FROM todos t JOIN lists l ON l.id = t.list_id "
                                       "WHERE NOT t.deleted AND NOT l.deleted",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (problem == NULL && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      const char *title = (const char *) sqlite3_column_text (stmt, 1);
      g_autofree char *match = cairn_search_build_match (title);
      g_autoptr(GPtrArray) hits = NULL;
      gboolean found = FALSE;

      if (match == NULL)
        continue;   /* a title of punctuation alone has no word to find */
      hits = cairn_store_search (store, title, 0, &error);
      if (hits == NULL)
        {
          problem = g_strdup_printf ("search for “%s” failed: %s", title, error->message);
          break;
        }
      for (guint i = 0; i < hits->len && !found; i++)
        found = g_strcmp0 (((CairnSearchHit *) hits->pdata[i])->id, id) == 0;
      if (!found)
        problem = g_strdup_printf ("todo %s “%s” is not found by its title", id, title);
    }
  sqlite3_finalize (stmt);
  return problem;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sim-undo.c: the undo property (issue 15). For a single device with no
 * concurrent edits, any sequence of actions followed by the same number
 * of undos gives the state before them, byte for byte: the canonical dump
 * of the confirmed and pending state (`cairn-cli state --json`).
 *
 * The actions change existing objects: rename, complete and reopen, move
 * (in a list, across lists, under another task), due dates, priorities,
 * delete and restore tasks, rename and move lists, pin notes, type and
 * delete in a task's notes, and groups of them (begin_action). Left out,
 * because their undo is not the state before byte for byte by design:
 * creations (undone, an object is deleted: its tombstone stays), note
 * titles and bodies (a note's "last edited" time is the undo's time),
 * tagging (a todo_tags row, once made, stays with tagged = 0). */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cairn-store-private.h"
#include "cairn-store-undo.h"
#include "cairn-test-util.h"
#include "cairn-text.h"
#include "sim-undo.h"

static char *
pick (CairnStore *store,
      GRand      *rand,
      const char *sql)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (_cairn_store_get_db (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  if (ids->len == 0)
    return NULL;
  return g_strdup (ids->pdata[g_rand_int_range (rand, 0, (gint32) ids->len)]);
}

static void
edit_todo_notes (CairnStore  *store,
                 GRand       *rand,
                 const char  *todo,
                 GError     **error)
{
  g_autoptr(CairnText) text = cairn_store_load_todo_notes (store, todo, error);
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  gsize len;

  if (text == NULL)
    return;
  len = cairn_text_get_length (text);
  if (len > 4 && g_rand_boolean (rand))
    {
      gsize n = (gsize) g_rand_int_range (rand, 1, 4);
      gsize pos = (gsize) g_rand_int_range (rand, 0, (gint32) (len - n));

      if (!cairn_text_delete (text, pos, n, ops, error))
        return;
    }
  else if (!cairn_text_insert (text, (gsize) g_rand_int_range (rand, 0, (gint32) len + 1),
                               g_rand_boolean (rand) ? "ab" : "xyz ", -1, ops, error))
    return;
  cairn_store_edit_todo_notes (store, todo, ops, error);
}

static void
one_edit (CairnStore  *store,
          GRand       *rand,
          GError     **error)
{
  g_autofree char *todo = pick (store, rand, "SELECT id FROM todos WHERE NOT deleted ORDER BY id");
  g_autofree char *other = pick (store, rand, "SELECT id FROM todos WHERE NOT deleted ORDER BY id");
  g_autofree char *dead = pick (store, rand, "SELECT id FROM todos WHERE deleted ORDER BY id");
  g_autofree char *list = pick (store, rand, "SELECT id FROM lists WHERE NOT deleted ORDER BY id");
  g_autofree char *note = pick (store, rand, "SELECT id FROM notes WHERE NOT deleted ORDER BY id");
  g_autofree char *title = g_strdup_printf ("t%u", g_rand_int_range (rand, 0, 1000));
  static const char * const priorities[] = { "none", "low", "medium", "high" };

  switch (g_rand_int_range (rand, 0, 12))
    {
    case 0:
      cairn_store_rename_todo (store, todo, title, error);
      break;
    case 1:
      cairn_store_set_todo_done (store, todo, g_rand_boolean (rand), error);
      break;
    case 2:
      cairn_store_move_todo (store, todo, g_rand_boolean (rand) ? list : NULL,
                             g_strcmp0 (other, todo) != 0 ? other : NULL, NULL, error);
      break;
    case 3:
      cairn_store_move_todo_under (store, todo, NULL,
                                   g_rand_boolean (rand) && g_strcmp0 (other, todo) != 0 ? other : NULL,
                                   NULL, NULL, error);
      break;
    case 4:
      {
        g_autofree char *due = g_strdup_printf ("2026-%02d-%02d", g_rand_int_range (rand, 1, 13),
                                                g_rand_int_range (rand, 1, 29));
        cairn_store_set_todo_due (store, todo, g_rand_boolean (rand) ? due : NULL, error);
      }
      break;
    case 5:
      cairn_store_set_todo_priority (store, todo, priorities[g_rand_int_range (rand, 0, 4)], error);
      break;
    case 6:
      cairn_store_delete_todo (store, todo, error);
      break;
    case 7:
      if (dead != NULL)
        cairn_store_restore_todo (store, dead, error);
      break;
    case 8:
      cairn_store_rename_list (store, list, title, error);
      break;
    case 9:
      cairn_store_move_list (store, list, NULL, NULL, error);
      break;
    case 10:
      cairn_store_set_note_pinned (store, note, g_rand_boolean (rand), error);
      break;
    default:
      edit_todo_notes (store, rand, todo, error);
      break;
    }
}

/* The todos' notes that are not empty, for CAIRN_SIM_UNDO_VERBOSE. */
static char *
test_notes (CairnStore *store)
{
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  sqlite3_prepare_v2 (_cairn_store_get_db (store),
                      "SELECT substr(id, 20), cairn_todo_notes (id) FROM todos "
                      "WHERE cairn_todo_notes (id) <> '' ORDER BY id", -1, &stmt, NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "[%s: %s]", sqlite3_column_text (stmt, 0), sqlite3_column_text (stmt, 1));
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

static void
run_seed (guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("cairn-sim-undo-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "workspace.db", NULL);
  g_autoptr(CairnStore) store = cairn_store_open (path, &error);
  g_autofree char *before = NULL, *after = NULL;
  guint n_before, n_actions = 0;
  int n_edits = g_rand_int_range (rand, 1, 40);

  g_assert_no_error (error);
  g_assert_true (cairn_store_ensure_inbox (store, &error));
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *title = g_strdup_printf ("List %d", i);
      g_autofree char *list = cairn_store_create_list (store, title, &error);
      g_autofree char *note = cairn_store_create_note (store, title, &error);

      for (int j = 0; j < 4; j++)
        {
          g_autofree char *name = g_strdup_printf ("Task %d.%d", i, j);
          g_autofree char *todo = cairn_store_create_todo (store, list, name, NULL, NULL, &error);

          g_assert_no_error (error);
        }
    }
  g_assert_no_error (error);
  cairn_store_break_typing (store);
  before = cairn_store_dump_state (store, &error);
  n_before = cairn_store_get_n_undo (store);

  for (int i = 0; i < n_edits; i++)
    {
      gboolean group = g_rand_int_range (rand, 0, 6) == 0;

      if (group)
        cairn_store_begin_action (store);
      for (int k = 0; k < (group ? 3 : 1); k++)
        {
          one_edit (store, rand, &error);
          /* Refused (a cycle, a deleted object): not an action. */
          g_clear_error (&error);
        }
      if (group)
        cairn_store_end_action (store);
      if (g_getenv ("CAIRN_SIM_UNDO_VERBOSE") != NULL)
        {
          g_autofree char *notes = test_notes (store);
          g_printerr ("edit %d (group %d): actions %u notes %s\n", i, group,
                      cairn_store_get_n_undo (store) - n_before, notes);
        }
      if (g_rand_int_range (rand, 0, 3) == 0)
        cairn_store_break_typing (store);
    }
  n_actions = cairn_store_get_n_undo (store) - n_before;
  for (guint i = 0; i < n_actions; i++)
    {
      g_autoptr(CairnUndoResult) result = cairn_store_undo (store, &error);

      g_assert_no_error (error);
      if (g_getenv ("CAIRN_SIM_UNDO_VERBOSE") != NULL)
        {
          g_autofree char *notes = test_notes (store);
          g_autofree char *json = cairn_undo_result_to_json (result);
          g_printerr ("undo %u: %s notes %s\n", i, json, notes);
        }
      if (result->left->len > 0)
        {
          g_autofree char *json = cairn_undo_result_to_json (result);
          g_error ("seed %u: undo %u of %u left something: %s", seed, i + 1, n_actions, json);
        }
    }
  after = cairn_store_dump_state (store, &error);
  g_assert_no_error (error);
  if (g_strcmp0 (before, after) != 0)
    g_error ("seed %u: %u actions undone, the state differs:\nbefore %s\nafter  %s",
             seed, n_actions, before, after);
  g_clear_object (&store);
  cairn_test_rm_rf (dir);
}

void
sim_undo_test_single_device (void)
{
  const char *env = g_getenv ("CAIRN_SIM_UNDO_SEEDS");
  guint n = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : 40;

  const char *only = g_getenv ("CAIRN_SIM_UNDO_SEED");

  if (only != NULL)
    {
      run_seed ((guint32) g_ascii_strtoull (only, NULL, 10));
      return;
    }
  for (guint32 seed = 1; seed <= n; seed++)
    run_seed (seed);
}

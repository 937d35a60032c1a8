/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sim-undo.c: the undo property (issue 15). For a single device with no
 * concurrent edits, any sequence of actions followed by the same number
 * of undos gives the state before them, byte for byte: the canonical dump
 * of the confirmed and pending state (`cairn-cli state --json`).
 *
 * The actions: rename, complete and reopen, move (in a list, across
 * lists, under another task), due dates, priorities, delete and restore
 * tasks, rename and move lists, pin notes, type and delete in a task's
 * notes, create tasks (top level and subtasks), lists, notes and tags,
 * rename notes, type and delete in a note's body, tag and untag tasks,
 * and groups of them (begin_action).
 *
 * Three differences are by design, and the comparison normalises exactly
 * these (canonical(), docs/store.md "Undo and redo") when the dumps are
 * not already equal byte for byte:
 * - an undone creation deletes the object: its tombstone stays (other
 *   devices need the deletion, and a redo restores that very object), so
 *   a row that was not there before and is deleted now is dropped;
 * - a todo_tags row, once made, stays with tagged = 0 when the tagging is
 *   undone (tagged is the row's whole state: 0 is "not tagged"), so a
 *   row that was not there before and has tagged = 0 is dropped;
 * - a note's last-edited time moves forward with an undo of its title or
 *   body (the undo is an edit: every device sorts the note as just
 *   edited; the time only ever grows, docs/events.md), so a note's
 *   edited_at that grew is put back to the value before.
 * Anything else that differs, and any normalised value that went the
 * other way (a live extra row, an edited_at that went back), fails. */
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
edit_note_body (CairnStore  *store,
                GRand       *rand,
                const char  *note,
                GError     **error)
{
  g_autoptr(CairnText) text = note != NULL ? cairn_store_load_note_text (store, note, error) : NULL;
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
                               g_rand_boolean (rand) ? "Hello " : "wörld", -1, ops, error))
    return;
  cairn_store_edit_note (store, note, ops, error);
}

/* The actions that make or tag things (the by-design differences). */
static void
one_creation (CairnStore  *store,
              GRand       *rand,
              const char  *todo,
              const char  *list,
              const char  *note,
              const char  *title,
              GError     **error)
{
  static const char * const tags[] = { "Work", "home", "Errands" };
  g_autofree char *made = NULL;
  g_autoptr(GError) lookup = NULL;

  switch (g_rand_int_range (rand, 0, 8))
    {
    case 0:
      made = cairn_store_create_todo (store, list, title, NULL, NULL, error);
      break;
    case 1:
      if (todo != NULL)
        {
          g_autofree char *sql = g_strdup_printf ("SELECT list_id FROM todos WHERE id = '%s'", todo);
          g_autofree char *todo_list = pick (store, rand, sql);

          made = cairn_store_create_subtask (store, todo_list, todo, title, NULL, NULL, error);
        }
      break;
    case 2:
      made = cairn_store_create_list (store, title, error);
      break;
    case 3:
      made = cairn_store_create_note (store, title, error);
      break;
    case 4:
      {
        const char *name = tags[g_rand_int_range (rand, 0, G_N_ELEMENTS (tags))];
        g_autofree char *known = cairn_store_dup_tag_id (store, name, &lookup);

        if (known == NULL)
          made = cairn_store_create_tag (store, name, g_rand_boolean (rand) ? "green" : NULL, error);
      }
      break;
    case 5:
      {
        g_autofree char *tag = pick (store, rand, "SELECT id FROM tags WHERE NOT deleted ORDER BY id");

        if (tag != NULL)
          cairn_store_set_todo_tagged (store, todo, tag, g_rand_int_range (rand, 0, 3) != 0, error);
      }
      break;
    case 6:
      cairn_store_rename_note (store, note, title, error);
      break;
    default:
      edit_note_body (store, rand, note, error);
      break;
    }
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

  switch (g_rand_int_range (rand, 0, 18))
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
    case 11:
      edit_todo_notes (store, rand, todo, error);
      break;
    default:
      one_creation (store, rand, todo, list, note, title, error);
      break;
    }
}

/* The rows of @table in @dump by id. */
static GHashTable *
rows_by_id (JsonObject *dump,
            const char *table)
{
  GHashTable *rows = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *array = json_object_get_array_member (dump, table);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *row = json_array_get_object_element (array, i);

      g_hash_table_insert (rows, (gpointer) json_object_get_string_member (row, "id"), row);
    }
  return rows;
}

/* @after in the canonical form against @before (see the top of this
 * file): NULL with @why set when a normalised value went the wrong way. */
static char *
canonical (const char  *before,
           const char  *after,
           char       **why)
{
  static const struct { const char *table; const char *column; } tombstones[] = {
    { "lists", "deleted" }, { "notes", "deleted" }, { "todos", "deleted" }, { "tags", "deleted" },
    { "todo_tags", "tagged" },
  };
  g_autoptr(JsonNode) b = json_from_string (before, NULL);
  g_autoptr(JsonNode) a = json_from_string (after, NULL);
  JsonObject *bo = json_node_get_object (b), *ao = json_node_get_object (a);

  for (guint t = 0; t < G_N_ELEMENTS (tombstones); t++)
    {
      g_autoptr(GHashTable) was = rows_by_id (bo, tombstones[t].table);
      JsonArray *rows = json_object_get_array_member (ao, tombstones[t].table);
      g_autoptr(JsonArray) kept = json_array_new ();
      gint64 gone = g_str_equal (tombstones[t].column, "deleted") ? 1 : 0;

      for (guint i = 0; i < json_array_get_length (rows); i++)
        {
          JsonObject *row = json_array_get_object_element (rows, i);

          if (!g_hash_table_contains (was, json_object_get_string_member (row, "id")) &&
              json_object_get_int_member (row, tombstones[t].column) == gone)
            continue;
          json_array_add_element (kept, json_node_copy (json_array_get_element (rows, i)));
        }
      json_object_set_array_member (ao, tombstones[t].table, json_array_ref (kept));
    }
  {
    g_autoptr(GHashTable) was = rows_by_id (bo, "notes");
    JsonArray *rows = json_object_get_array_member (ao, "notes");

    for (guint i = 0; i < json_array_get_length (rows); i++)
      {
        JsonObject *row = json_array_get_object_element (rows, i);
        JsonObject *old = g_hash_table_lookup (was, json_object_get_string_member (row, "id"));

        if (old == NULL)
          continue;
        if (json_object_get_int_member (row, "edited_at") < json_object_get_int_member (old, "edited_at"))
          {
            *why = g_strdup_printf ("note %s: its last-edited time went back",
                                    json_object_get_string_member (row, "id"));
            return NULL;
          }
        json_object_set_int_member (row, "edited_at", json_object_get_int_member (old, "edited_at"));
      }
  }
  return json_to_string (a, FALSE);
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
    {
      /* Only the differences by design (the top of this file). */
      if (g_getenv ("CAIRN_SIM_UNDO_VERBOSE") != NULL)
        g_printerr ("seed %u: compared in the canonical form\n", seed);
      g_autoptr(JsonNode) b = json_from_string (before, NULL);
      g_autofree char *why = NULL;
      g_autofree char *canon_before = json_to_string (b, FALSE);
      g_autofree char *canon_after = canonical (before, after, &why);

      if (canon_after == NULL)
        g_error ("seed %u: %u actions undone: %s", seed, n_actions, why);
      if (g_strcmp0 (canon_before, canon_after) != 0)
        g_error ("seed %u: %u actions undone, the state differs:\nbefore %s\nafter  %s",
                 seed, n_actions, canon_before, canon_after);
    }
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

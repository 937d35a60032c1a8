/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-cli-data.c: cairn-cli's commands on lists, todos, notes and the log. */
#define G_LOG_DOMAIN "cairn-cli"

#include "config.h"

#include <string.h>

#include "cairn-cli-private.h"
#include "cairn-times.h"

typedef enum { KIND_LIST = CAIRN_OBJECT_LIST, KIND_TODO = CAIRN_OBJECT_TODO,
               KIND_NOTE = CAIRN_OBJECT_NOTE } Kind;

static const char * const nouns[] = { [KIND_LIST] = "list", [KIND_TODO] = "todo",
                                      [KIND_NOTE] = "note" };

typedef enum { WANT_ANY, WANT_LIVE, WANT_DELETED } Want;

/* Reads one row as the store gives it (the same members, in the same
 * order, as the *_to_json() functions below write for pool objects):
 * *row is NULL when there is no such id. */
static gboolean
fetch_row (CairnStore  *store,
           Kind         kind,
           const char  *id,
           JsonNode   **row,
           gboolean    *deleted,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  *row = cairn_store_read_object (store, (CairnObjectKind) kind, id, deleted, &local_error);
  if (*row != NULL)
    return TRUE;
  if (g_error_matches (local_error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* The store, once require() has opened it. */
static CairnStore *
opened_store (CairnCli *cli)
{
  CairnStore *store = cairn_workspace_get_store (cli->workspace);

  g_assert (store != NULL);
  return store;
}

/* Checks that id names a row of kind in the wanted state; on failure the
 * error is printed and the exit status returned, else CAIRN_CLI_OK. */
static int
require (CairnCli    *cli,
         Kind         kind,
         const char  *id,
         Want         want)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) row = NULL;
  CairnStore *store;
  gboolean deleted;

  store = cairn_cli_get_store (cli, &error);
  if (store == NULL || !fetch_row (store, kind, id, &row, &deleted, &error))
    return cairn_cli_fail (cli, error);
  if (row == NULL)
    return cairn_cli_failf (cli, "no %s with id %s", nouns[kind], id);
  if (want == WANT_LIVE && deleted)
    return cairn_cli_failf (cli, "%s %s is deleted (restore it first)", nouns[kind], id);
  if (want == WANT_DELETED && !deleted)
    return cairn_cli_failf (cli, "%s %s is not deleted", nouns[kind], id);
  return CAIRN_CLI_OK;
}

/* After a change: the row as JSON in --json mode, else id (when print_id)
 * or nothing. */
static int
report (CairnCli   *cli,
        Kind        kind,
        const char *id,
        gboolean    print_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) row = NULL;
  gboolean deleted;

  if (!cli->json)
    {
      if (print_id)
        g_print ("%s\n", id);
      return CAIRN_CLI_OK;
    }
  if (!fetch_row (opened_store (cli), kind, id, &row, &deleted, &error))
    return cairn_cli_fail (cli, error);
  if (row == NULL)
    return cairn_cli_failf (cli, "%s %s vanished after the change", nouns[kind], id);
  cairn_cli_print_json (cli, row);
  return CAIRN_CLI_OK;
}

/* ---- pool objects as JSON and text ---- */

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
list_to_json (JsonBuilder *builder,
              CairnList   *list)
{
  json_builder_begin_object (builder);
  add_string_or_null (builder, "id", cairn_list_get_id (list));
  add_string_or_null (builder, "title", cairn_list_get_title (list));
  add_string_or_null (builder, "position", cairn_list_get_position (list));
  json_builder_set_member_name (builder, "deleted");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "inbox");
  json_builder_add_boolean_value (builder, g_strcmp0 (cairn_list_get_id (list), CAIRN_INBOX_ID) == 0);
  json_builder_end_object (builder);
}

/* The name of each of a todo's tags (by name: the order of its tag-ids). */
static GPtrArray *
todo_tag_names (CairnPool *pool,
                CairnTodo *todo)
{
  const char * const *ids = cairn_todo_get_tag_ids (todo);
  GPtrArray *names = g_ptr_array_new ();

  for (guint i = 0; ids[i] != NULL; i++)
    {
      CairnTag *tag = cairn_pool_lookup_tag (pool, ids[i]);

      if (tag != NULL)
        g_ptr_array_add (names, (gpointer) cairn_tag_get_name (tag));
    }
  return names;
}

static void
todo_to_json (JsonBuilder *builder,
              CairnPool   *pool,
              CairnTodo   *todo)
{
  g_autoptr(GPtrArray) names = todo_tag_names (pool, todo);

  json_builder_begin_object (builder);
  add_string_or_null (builder, "id", cairn_todo_get_id (todo));
  add_string_or_null (builder, "list_id", cairn_todo_get_list_id (todo));
  add_string_or_null (builder, "parent_id", cairn_todo_get_parent_id (todo));
  add_string_or_null (builder, "gone_with", NULL);   /* live: never deleted with another */
  add_string_or_null (builder, "title", cairn_todo_get_title (todo));
  add_string_or_null (builder, "position", cairn_todo_get_position (todo));
  json_builder_set_member_name (builder, "done");
  json_builder_add_boolean_value (builder, cairn_todo_get_done (todo));
  add_string_or_null (builder, "due", cairn_todo_get_due (todo));
  add_string_or_null (builder, "due_time", cairn_todo_get_due_time (todo));
  add_string_or_null (builder, "priority", cairn_todo_get_priority (todo));
  add_string_or_null (builder, "reminder", cairn_todo_get_reminder (todo));
  json_builder_set_member_name (builder, "reminder_dismissed");
  json_builder_add_boolean_value (builder, cairn_todo_get_reminder_dismissed (todo));
  add_string_or_null (builder, "repeat", cairn_todo_get_repeat (todo));
  json_builder_set_member_name (builder, "deleted");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "tags");
  json_builder_begin_array (builder);
  for (guint i = 0; i < names->len; i++)
    json_builder_add_string_value (builder, names->pdata[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static void
note_to_json (JsonBuilder *builder,
              CairnNote   *note)
{
  json_builder_begin_object (builder);
  add_string_or_null (builder, "id", cairn_note_get_id (note));
  add_string_or_null (builder, "title", cairn_note_get_title (note));
  add_string_or_null (builder, "body", cairn_note_get_body (note));
  json_builder_set_member_name (builder, "pinned");
  json_builder_add_boolean_value (builder, cairn_note_get_pinned (note));
  json_builder_set_member_name (builder, "edited_at");
  json_builder_add_int_value (builder, cairn_note_get_edited_at (note));
  json_builder_set_member_name (builder, "deleted");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_end_object (builder);
}

/* "[ ] ID  TITLE  due YYYY-MM-DD[ HH:MM]", then "  !PRIORITY" unless it
 * is none, "  #TAG #TAG" when it has tags, then "  remind …" and
 * "  repeat RULE" when set. */
static void
print_todo_line (CairnPool  *pool,
                 CairnTodo  *todo,
                 const char *indent)
{
  const char *due = cairn_todo_get_due (todo);
  const char *priority = cairn_todo_get_priority (todo);
  g_autoptr(GPtrArray) names = todo_tag_names (pool, todo);
  g_autoptr(GString) extra = g_string_new (NULL);

  if (!g_str_equal (priority, "none"))
    g_string_append_printf (extra, "  !%s", priority);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (extra, "%s#%s", i == 0 ? "  " : " ", (char *) names->pdata[i]);
  cairn_cli_append_times (extra, cairn_todo_get_reminder (todo),
                          cairn_todo_get_reminder_dismissed (todo), cairn_todo_get_repeat (todo));
  g_print ("%s[%c] %s  %s%s%s%s%s%s\n", indent, cairn_todo_get_done (todo) ? 'x' : ' ',
           cairn_todo_get_id (todo), cairn_todo_get_title (todo),
           due != NULL ? "  due " : "", due != NULL ? due : "",
           due != NULL && cairn_todo_get_due_time (todo) != NULL ? " " : "",
           due != NULL && cairn_todo_get_due_time (todo) != NULL ? cairn_todo_get_due_time (todo) : "",
           extra->str);
}

/* The todo and, below it, its shown subtasks in position order (todos is
 * sorted by position), each level indented two more spaces. */
static void
print_todo_tree (CairnPool  *pool,
                 GListModel *todos,
                 GHashTable *shown,
                 CairnTodo  *todo,
                 guint       depth)
{
  g_autofree char *indent = g_strnfill (depth * 2, ' ');

  print_todo_line (pool, todo, indent);
  for (guint i = 0; i < g_list_model_get_n_items (todos); i++)
    {
      g_autoptr(CairnTodo) child = g_list_model_get_item (todos, i);

      if (g_strcmp0 (cairn_todo_get_parent_id (child), cairn_todo_get_id (todo)) == 0)
        print_todo_tree (pool, todos, shown, child, depth + 1);
    }
}

/* ---- lists and notes ---- */

/* Prints a model of lists or notes: one "ID  TITLE" line per row, or with
 * --json an array of their objects. */
static int
print_rows (CairnCli   *cli,
            GListModel *model)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GObject) row = g_list_model_get_item (model, i);

      if (cli->json && CAIRN_IS_LIST (row))
        list_to_json (builder, CAIRN_LIST (row));
      else if (cli->json)
        note_to_json (builder, CAIRN_NOTE (row));
      else
        {
          g_autofree char *id = NULL;
          g_autofree char *title = NULL;

          g_object_get (row, "id", &id, "title", &title, NULL);
          g_print ("%s  %s%s\n", id, title,
                   CAIRN_IS_LIST (row) && g_str_equal (id, CAIRN_INBOX_ID) ? "  (inbox)" :
                   CAIRN_IS_NOTE (row) && cairn_note_get_pinned (CAIRN_NOTE (row)) ? "  (pinned)" : "");
        }
    }
  return cairn_cli_end_list (cli, builder);
}

/* What cmd_rows() and cmd_create() do for one command. */
typedef struct
{
  GListModel *(*get_rows) (CairnPool *pool);
} RowsCommand;

typedef struct
{
  Kind   kind;
  char *(*create) (CairnStore *store, const char *title, GError **error);
} CreateCommand;

/* `lists`, `notes`. */
static int
cmd_rows (CairnCli  *cli,
          int        argc,
          char     **argv)
{
  const RowsCommand *command = cli->command->data;
  g_autoptr(GError) error = NULL;
  CairnPool *pool;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if ((pool = cairn_cli_get_pool (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  return print_rows (cli, command->get_rows (pool));
}

/* `COMMAND TITLE`: prints the new object's id. */
static int
cmd_create (CairnCli  *cli,
            int        argc,
            char     **argv)
{
  const CreateCommand *command = cli->command->data;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  const char *args[1];
  CairnStore *store;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 1, 1, args))
    return CAIRN_CLI_USAGE;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL ||
      (id = command->create (store, args[0], &error)) == NULL)
    return cairn_cli_fail (cli, error);
  return report (cli, command->kind, id, TRUE);
}

static const RowsCommand   lists    = { cairn_pool_get_lists };
static const RowsCommand   notes    = { cairn_pool_get_notes };
static const CreateCommand list_add = { KIND_LIST, cairn_store_create_list };
static const CreateCommand note_add = { KIND_NOTE, cairn_store_create_note };

/* ---- commands that take an id (and maybe a title) ---- */

typedef gboolean (*IdAction)    (CairnStore *store, const char *id, GError **error);
typedef gboolean (*TitleAction) (CairnStore *store, const char *id, const char *title,
                                 GError **error);

/* What cmd_id_action() and cmd_rename() do for one command: the table
 * below points each such command's data at one of these. */
typedef struct
{
  Kind     kind;
  Want     want;
  IdAction action;
} IdCommand;

typedef struct
{
  Kind        kind;
  TitleAction action;
} RenameCommand;

/* `COMMAND ID`: checks that ID is a kind in the wanted state, then runs
 * the action on it. */
static int
cmd_id_action (CairnCli  *cli,
               int        argc,
               char     **argv)
{
  const IdCommand *command = cli->command->data;
  g_autoptr(GError) error = NULL;
  const char *args[1];
  int status;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 1, 1, args))
    return CAIRN_CLI_USAGE;
  if ((status = require (cli, command->kind, args[0], command->want)) != CAIRN_CLI_OK)
    return status;
  if (!command->action (opened_store (cli), args[0], &error))
    return cairn_cli_fail (cli, error);
  return report (cli, command->kind, args[0], FALSE);
}

/* `COMMAND ID TITLE` on a live object. */
static int
cmd_rename (CairnCli  *cli,
            int        argc,
            char     **argv)
{
  const RenameCommand *command = cli->command->data;
  g_autoptr(GError) error = NULL;
  const char *args[2];
  int status;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 2, 2, args))
    return CAIRN_CLI_USAGE;
  if ((status = require (cli, command->kind, args[0], WANT_LIVE)) != CAIRN_CLI_OK)
    return status;
  if (!command->action (opened_store (cli), args[0], args[1], &error))
    return cairn_cli_fail (cli, error);
  return report (cli, command->kind, args[0], FALSE);
}

static gboolean
set_done (CairnStore *store, const char *id, GError **error)
{
  return cairn_store_set_todo_done (store, id, TRUE, error);
}

static gboolean
set_undone (CairnStore *store, const char *id, GError **error)
{
  return cairn_store_set_todo_done (store, id, FALSE, error);
}

static const RenameCommand list_rename  = { KIND_LIST, cairn_store_rename_list };
static const RenameCommand todo_rename  = { KIND_TODO, cairn_store_rename_todo };
static const RenameCommand note_rename  = { KIND_NOTE, cairn_store_rename_note };
static const IdCommand     list_rm      = { KIND_LIST, WANT_LIVE, cairn_store_delete_list };
static const IdCommand     list_restore = { KIND_LIST, WANT_DELETED, cairn_store_restore_list };
static const IdCommand     todo_done    = { KIND_TODO, WANT_LIVE, set_done };
static const IdCommand     todo_undone  = { KIND_TODO, WANT_LIVE, set_undone };
static const IdCommand     todo_rm      = { KIND_TODO, WANT_LIVE, cairn_store_delete_todo };
static const IdCommand     todo_restore = { KIND_TODO, WANT_DELETED, cairn_store_restore_todo };
static const IdCommand     note_rm      = { KIND_NOTE, WANT_LIVE, cairn_store_delete_note };
static const IdCommand     note_restore = { KIND_NOTE, WANT_DELETED, cairn_store_restore_note };

static gboolean
pin_note (CairnStore *store, const char *id, GError **error)
{
  return cairn_store_set_note_pinned (store, id, TRUE, error);
}

static gboolean
unpin_note (CairnStore *store, const char *id, GError **error)
{
  return cairn_store_set_note_pinned (store, id, FALSE, error);
}

static const IdCommand     note_pin     = { KIND_NOTE, WANT_LIVE, pin_note };
static const IdCommand     note_unpin   = { KIND_NOTE, WANT_LIVE, unpin_note };

/* ---- todos ---- */

/* Takes every "--tag NAME" (or "--tag=NAME") before a "--" out of argv
 * into *tags, as cairn_cli_parse() keeps one value per option. FALSE when
 * a --tag has no name. */
static gboolean
take_tags (int       *argc,
           char     **argv,
           GPtrArray *tags)
{
  int out = 0;

  for (int i = 0; i < *argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        {
          for (; i < *argc; i++)
            argv[out++] = argv[i];
          break;
        }
      if (g_str_has_prefix (argv[i], "--tag="))
        g_ptr_array_add (tags, argv[i] + strlen ("--tag="));
      else if (g_str_equal (argv[i], "--tag"))
        {
          if (i + 1 >= *argc)
            return FALSE;
          g_ptr_array_add (tags, argv[++i]);
        }
      else
        argv[out++] = argv[i];
    }
  *argc = out;
  return TRUE;
}

static int
cmd_add (CairnCli  *cli,
         int        argc,
         char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tags = g_ptr_array_new ();
  g_autoptr(GPtrArray) tag_ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *id = NULL;
  const char *priority = NULL;
  const char *parent = NULL;
  const char *due = NULL;
  g_autofree char *due_date = NULL, *due_time = NULL;
  CairnCliOption options[] = {
    { "--priority", TRUE, &priority },
    { "--parent", TRUE, &parent },
    { "--due", TRUE, &due },
    { NULL }
  };
  const char *args[2];
  int status;

  if (!take_tags (&argc, argv, tags))
    return cairn_cli_usage (cli, "--tag needs a name");
  if (!cairn_cli_parse (cli, argc, argv, options, 2, 2, args))
    return CAIRN_CLI_USAGE;
  if ((status = require (cli, KIND_LIST, args[0], WANT_LIVE)) != CAIRN_CLI_OK)
    return status;
  if (parent != NULL && (status = require (cli, KIND_TODO, parent, WANT_LIVE)) != CAIRN_CLI_OK)
    return status;
  /* Refused before anything is written: a priority that is not one, and
   * (through their events) tag names. Not one transaction: a failure in
   * between leaves the todo made with what came before. */
  if (priority != NULL && !cairn_is_priority (priority))
    return cairn_cli_failf (cli, "todo.priority_set: “priority” is not a priority "
                            "(none, low, medium or high)");
  if (due != NULL)
    {
      cairn_cli_split_due (due, &due_date, &due_time);
      if (!cairn_is_date (due_date))
        return cairn_cli_failf (cli, "todo.due_set: “due” is not a real date in the form YYYY-MM-DD");
      if (due_time != NULL && !cairn_is_time_of_day (due_time))
        return cairn_cli_failf (cli, "todo.due_set: “time” is not a time of day in the form HH:MM "
                                "(00:00 to 23:59)");
    }
  id = cairn_store_create_subtask (opened_store (cli), args[0], parent, args[1], NULL, NULL,
                                   &error);
  if (id == NULL)
    return cairn_cli_fail (cli, error);
  if (priority != NULL && !g_str_equal (priority, "none") &&
      !cairn_store_set_todo_priority (opened_store (cli), id, priority, &error))
    return cairn_cli_fail (cli, error);
  if (due_date != NULL &&
      !cairn_store_set_todo_due_time (opened_store (cli), id, due_date, due_time, &error))
    return cairn_cli_fail (cli, error);
  for (guint i = 0; i < tags->len; i++)
    {
      g_autofree char *tag_id = cairn_cli_ensure_tag (opened_store (cli), tags->pdata[i], &error);

      if (tag_id == NULL ||
          !cairn_store_set_todo_tagged (opened_store (cli), id, tag_id, TRUE, &error))
        return cairn_cli_fail (cli, error);
    }
  return report (cli, KIND_TODO, id, TRUE);
}

static void
add_todos_of (CairnCli    *cli,
              CairnPool   *pool,
              CairnList   *list,
              gboolean     all,
              gboolean     heading,
              JsonBuilder *builder)
{
  g_autoptr(GListModel) todos = cairn_pool_get_todos (pool, cairn_list_get_id (list));
  g_autoptr(GHashTable) shown = g_hash_table_new (g_str_hash, g_str_equal);

  cairn_todo_model_set_show_completed (todos, all);
  if (heading && !cli->json)
    g_print ("%s  %s\n", cairn_list_get_id (list), cairn_list_get_title (list));
  for (guint i = 0; i < g_list_model_get_n_items (todos); i++)
    {
      g_autoptr(CairnTodo) todo = g_list_model_get_item (todos, i);

      if (cli->json)
        todo_to_json (builder, pool, todo);
      else
        g_hash_table_insert (shown, (gpointer) cairn_todo_get_id (todo), todo);
    }
  /* As text, subtasks under their parent, two spaces deeper a level; one
   * whose parent is not shown (completed, without --all) is a root. */
  for (guint i = 0; !cli->json && i < g_list_model_get_n_items (todos); i++)
    {
      g_autoptr(CairnTodo) todo = g_list_model_get_item (todos, i);
      const char *parent = cairn_todo_get_parent_id (todo);

      if (parent == NULL || !g_hash_table_contains (shown, parent))
        print_todo_tree (pool, todos, shown, todo, heading ? 1 : 0);
    }
}

static int
cmd_todos (CairnCli  *cli,
           int        argc,
           char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const CairnCliOption options[] = {
    { "--all", FALSE, NULL },
    { NULL }
  };
  CairnCliOption opts[G_N_ELEMENTS (options)];
  gboolean all = FALSE;
  const char *args[1];
  CairnPool *pool;
  int status;

  memcpy (opts, options, sizeof options);
  opts[0].target = &all;
  if (!cairn_cli_parse (cli, argc, argv, opts, 0, 1, args))
    return CAIRN_CLI_USAGE;
  if (args[0] != NULL && (status = require (cli, KIND_LIST, args[0], WANT_LIVE)) != CAIRN_CLI_OK)
    return status;
  if ((pool = cairn_cli_get_pool (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);

  json_builder_begin_array (builder);
  if (args[0] != NULL)
    add_todos_of (cli, pool, cairn_pool_lookup_list (pool, args[0]), all, FALSE, builder);
  else
    {
      GListModel *lists = cairn_pool_get_lists (pool);

      for (guint i = 0; i < g_list_model_get_n_items (lists); i++)
        {
          g_autoptr(CairnList) list = g_list_model_get_item (lists, i);

          add_todos_of (cli, pool, list, all, TRUE, builder);
        }
    }
  return cairn_cli_end_list (cli, builder);
}

static int
cmd_due (CairnCli  *cli,
         int        argc,
         char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *date = NULL, *time = NULL;
  gboolean clear = FALSE;
  CairnCliOption options[] = {
    { "--clear", FALSE, &clear },
    { NULL }
  };
  const char *args[2];
  int status;

  if (!cairn_cli_parse (cli, argc, argv, options, 1, 2, args))
    return CAIRN_CLI_USAGE;
  if (clear == (args[1] != NULL))
    return cairn_cli_usage (cli, "give either a date (YYYY-MM-DD[THH:MM]) or --clear");
  if ((status = require (cli, KIND_TODO, args[0], WANT_LIVE)) != CAIRN_CLI_OK)
    return status;
  if (args[1] != NULL)
    cairn_cli_split_due (args[1], &date, &time);
  if (!cairn_store_set_todo_due_time (opened_store (cli), args[0], date, time, &error))
    return cairn_cli_fail (cli, error);
  return report (cli, KIND_TODO, args[0], FALSE);
}

/* The list a live todo is in, read from the store; newly allocated. */
static char *
todo_list_id (CairnCli   *cli,
              const char *id)
{
  g_autoptr(JsonNode) row = NULL;
  gboolean deleted;

  if (!fetch_row (opened_store (cli), KIND_TODO, id, &row, &deleted, NULL) || row == NULL)
    return NULL;
  return g_strdup (json_object_get_string_member (json_node_get_object (row), "list_id"));
}

static int
cmd_move (CairnCli  *cli,
          int        argc,
          char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *target_list = NULL;
  const char *list_id = NULL, *before = NULL, *after = NULL, *parent = NULL;
  gboolean no_parent = FALSE;
  gboolean moved;
  CairnCliOption options[] = {
    { "--list", TRUE, &list_id },
    { "--parent", TRUE, &parent },
    { "--no-parent", FALSE, &no_parent },
    { "--before", TRUE, &before },
    { "--after", TRUE, &after },
    { NULL }
  };
  const char *args[1];
  const char *anchor;
  int status;

  if (!cairn_cli_parse (cli, argc, argv, options, 1, 1, args))
    return CAIRN_CLI_USAGE;
  if (before != NULL && after != NULL)
    return cairn_cli_usage (cli, "give --before or --after, not both");
  if (parent != NULL && no_parent)
    return cairn_cli_usage (cli, "give --parent or --no-parent, not both");
  anchor = before != NULL ? before : after;
  if (anchor != NULL && strcmp (anchor, args[0]) == 0)
    return cairn_cli_usage (cli, "a todo cannot move next to itself");

  if ((status = require (cli, KIND_TODO, args[0], WANT_LIVE)) != CAIRN_CLI_OK)
    return status;
  if (list_id != NULL && (status = require (cli, KIND_LIST, list_id, WANT_LIVE)) != CAIRN_CLI_OK)
    return status;
  if (parent != NULL && (status = require (cli, KIND_TODO, parent, WANT_LIVE)) != CAIRN_CLI_OK)
    return status;
  target_list = list_id != NULL ? g_strdup (list_id) :
                parent != NULL ? todo_list_id (cli, parent) : todo_list_id (cli, args[0]);
  if (anchor != NULL)
    {
      g_autofree char *anchor_list = NULL;

      if ((status = require (cli, KIND_TODO, anchor, WANT_LIVE)) != CAIRN_CLI_OK)
        return status;
      anchor_list = todo_list_id (cli, anchor);
      if (g_strcmp0 (anchor_list, target_list) != 0)
        return cairn_cli_failf (cli, "todo %s is not in list %s", anchor, target_list);
    }

  if (parent != NULL || no_parent)
    moved = cairn_store_move_todo_under (opened_store (cli), args[0], list_id, parent,
                                         before, after, &error);
  else
    moved = cairn_store_move_todo (opened_store (cli), args[0], list_id, before, after, &error);
  if (!moved)
    return cairn_cli_fail (cli, error);
  return report (cli, KIND_TODO, args[0], FALSE);
}

/* ---- the log and the state ---- */

static void
print_event_line (const CairnEvent *event)
{
  g_autofree char *args = cairn_event_dup_args_json (event);
  g_autofree char *seq = event->seq > 0
    ? g_strdup_printf ("%" G_GINT64_FORMAT, event->seq) : g_strdup ("pending");

  g_print ("%7s  %s v%u  %s\n", seq, event->name, event->version, args);
}

static JsonNode *
events_to_json (GPtrArray *events)
{
  g_autoptr(JsonArray) array = json_array_new ();

  for (guint i = 0; i < events->len; i++)
    json_array_add_element (array, cairn_event_to_json (g_ptr_array_index (events, i)));
  return json_node_init_array (json_node_alloc (), array);
}

static int
cmd_log (CairnCli  *cli,
         int        argc,
         char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  CairnStore *store;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL ||
      (log = cairn_store_list_log (store, 0, 0, &error)) == NULL ||
      (pending = cairn_store_list_pending (store, 0, &error)) == NULL)
    return cairn_cli_fail (cli, error);

  if (cli->json)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) root = NULL;

      json_object_set_int_member (object, "head", cairn_store_get_head (store));
      json_object_set_member (object, "confirmed", events_to_json (log));
      json_object_set_member (object, "pending", events_to_json (pending));
      root = json_node_init_object (json_node_alloc (), object);
      cairn_cli_print_json (cli, root);
      return CAIRN_CLI_OK;
    }

  for (guint i = 0; i < log->len; i++)
    print_event_line (g_ptr_array_index (log, i));
  for (guint i = 0; i < pending->len; i++)
    print_event_line (g_ptr_array_index (pending, i));
  return CAIRN_CLI_OK;
}

static int
cmd_state (CairnCli  *cli,
           int        argc,
           char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;
  CairnStore *store;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL ||
      (state = cairn_store_dump_state (store, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  /* The state is JSON already: pretty-printed as text, and on one line
   * with --json, like every other --json answer (docs/cli.md). */
  if (cli->json)
    {
      g_autoptr(JsonNode) root = json_from_string (state, &error);

      if (root == NULL)
        return cairn_cli_fail (cli, error);
      cairn_cli_print_json (cli, root);
    }
  else
    g_print ("%s\n", state);
  return CAIRN_CLI_OK;
}

static int
cmd_rebuild (CairnCli  *cli,
             int        argc,
             char     **argv)
{
  g_autoptr(GError) error = NULL;
  CairnStore *store;
  guint n_confirmed = 0;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL ||
      !cairn_store_rebuild (store, &error))
    return cairn_cli_fail (cli, error);

  {
    g_autoptr(GPtrArray) log = cairn_store_list_log (store, 0, 0, NULL);
    if (log != NULL)
      n_confirmed = log->len;
  }
  if (cli->json)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) root = NULL;

      json_object_set_int_member (object, "confirmed", n_confirmed);
      json_object_set_int_member (object, "pending", cairn_store_get_pending_count (store));
      root = json_node_init_object (json_node_alloc (), object);
      cairn_cli_print_json (cli, root);
    }
  else
    g_print ("Rebuilt the state from %u confirmed and %u pending events\n",
             n_confirmed, cairn_store_get_pending_count (store));
  return CAIRN_CLI_OK;
}

const CairnCliCommand cairn_cli_data_commands[] = {
  { "lists",        "",                 "Show the lists", cmd_rows, &lists },
  { "list-add",     "TITLE",            "Create a list; prints its id", cmd_create, &list_add },
  { "list-rename",  "ID TITLE",         "Rename a list", cmd_rename, &list_rename },
  { "list-rm",      "ID",               "Delete a list (it can be restored)", cmd_id_action, &list_rm },
  { "list-restore", "ID",               "Bring a deleted list back", cmd_id_action, &list_restore },
  { "add",          "LIST-ID TITLE [--parent ID] [--priority LEVEL] [--tag NAME]… [--due DATE[THH:MM]]",
                    "Add a todo at the end of a list (or of a todo's subtasks); prints its id", cmd_add },
  { "todos",        "[LIST-ID] [--all]", "Show the open todos (--all: completed too)", cmd_todos },
  { "done",         "ID",               "Mark a todo completed", cmd_id_action, &todo_done },
  { "undone",       "ID",               "Mark a todo not completed", cmd_id_action, &todo_undone },
  { "rename",       "ID TITLE",         "Rename a todo", cmd_rename, &todo_rename },
  { "due",          "ID YYYY-MM-DD[THH:MM]|--clear", "Set or clear a todo's due date (and time)", cmd_due },
  { "move",         "ID [--list LIST-ID] [--parent ID|--no-parent] [--before ID|--after ID]",
                    "Move a todo with its subtasks (default: to the end of its list, "
                    "under the same parent)", cmd_move },
  { "rm",           "ID",               "Delete a todo (it can be restored)", cmd_id_action, &todo_rm },
  { "restore",      "ID",               "Bring a deleted todo back", cmd_id_action, &todo_restore },
  { "note-add",     "TITLE",            "Create a note; prints its id", cmd_create, &note_add },
  { "notes",        "",                 "Show the notes: pinned first, then the last edited first", cmd_rows, &notes },
  { "note-rename",  "ID TITLE",         "Rename a note", cmd_rename, &note_rename },
  { "note-rm",      "ID",               "Delete a note (it can be restored)", cmd_id_action, &note_rm },
  { "note-restore", "ID",               "Bring a deleted note back", cmd_id_action, &note_restore },
  { "note-pin",     "ID",               "Pin a note to the top of the notes", cmd_id_action, &note_pin },
  { "note-unpin",   "ID",               "Unpin a note", cmd_id_action, &note_unpin },
  { "log",          "",                 "Show the confirmed, then the pending events", cmd_log },
  { "state",        "",                 "Print the whole state as canonical JSON", cmd_state },
  { "rebuild",      "",                 "Re-derive the state from the event log", cmd_rebuild },
  { NULL }
};

/* For the views' commands (cairn-cli-views.c). */
void
cairn_cli_add_todo (CairnCli    *cli,
                    CairnPool   *pool,
                    CairnTodo   *todo,
                    JsonBuilder *builder)
{
  if (cli->json)
    todo_to_json (builder, pool, todo);
  else
    print_todo_line (pool, todo, "");
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-cli-tags.c: cairn-cli's commands on priorities, tags and the Inbox. */
#define G_LOG_DOMAIN "cairn-cli"

#include "config.h"

#include "cairn-cli-private.h"

char *
cairn_cli_ensure_tag (CairnStore  *store,
                      const char  *name,
                      GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  char *id = cairn_store_dup_tag_id (store, name, &local_error);

  if (id != NULL)
    return id;
  if (!g_error_matches (local_error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return cairn_store_create_tag (store, name, NULL, error);
}

/* With --json the object as stored (its tags and priority included),
 * else nothing, or the id when print_id. */
static int
report (CairnCli        *cli,
        CairnObjectKind  kind,
        const char      *id,
        gboolean         print_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) row = NULL;

  if (!cli->json)
    {
      if (print_id)
        g_print ("%s\n", id);
      return CAIRN_CLI_OK;
    }
  row = cairn_store_read_object (cairn_cli_get_store (cli, NULL), kind, id, NULL, &error);
  if (row == NULL)
    return cairn_cli_fail (cli, error);
  cairn_cli_print_json (cli, row);
  return CAIRN_CLI_OK;
}

/* A todo that exists and is not deleted, in the words of the other
 * commands ("no todo with id X", "todo X is deleted (restore it first)"). */
static int
require_todo (CairnCli    *cli,
              CairnStore  *store,
              const char  *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) row = NULL;
  gboolean deleted = FALSE;

  row = cairn_store_read_object (store, CAIRN_OBJECT_TODO, id, &deleted, &error);
  if (row == NULL && g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND))
    return cairn_cli_failf (cli, "no todo with id %s", id);
  if (row == NULL)
    return cairn_cli_fail (cli, error);
  if (deleted)
    return cairn_cli_failf (cli, "todo %s is deleted (restore it first)", id);
  return CAIRN_CLI_OK;
}

static int
run_tagging (CairnCli  *cli,
             int        argc,
             char     **argv,
             gboolean   tagged)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tag_id = NULL;
  const char *args[2];
  CairnStore *store;
  int status;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 2, 2, args))
    return CAIRN_CLI_USAGE;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  if ((status = require_todo (cli, store, args[0])) != CAIRN_CLI_OK)
    return status;
  tag_id = tagged ? cairn_cli_ensure_tag (store, args[1], &error)
                  : cairn_store_dup_tag_id (store, args[1], &error);
  if (tag_id == NULL ||
      !cairn_store_set_todo_tagged (store, args[0], tag_id, tagged, &error))
    return cairn_cli_fail (cli, error);
  return report (cli, CAIRN_OBJECT_TODO, args[0], FALSE);
}

static int
cmd_tag (CairnCli *cli, int argc, char **argv)
{
  return run_tagging (cli, argc, argv, TRUE);
}

static int
cmd_untag (CairnCli *cli, int argc, char **argv)
{
  return run_tagging (cli, argc, argv, FALSE);
}

static int
cmd_tags (CairnCli  *cli,
          int        argc,
          char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GListModel *tags;
  CairnPool *pool;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if ((pool = cairn_cli_get_pool (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  tags = cairn_pool_get_tags (pool);
  json_builder_begin_array (builder);
  for (guint i = 0; i < g_list_model_get_n_items (tags); i++)
    {
      g_autoptr(CairnTag) tag = g_list_model_get_item (tags, i);

      if (!cli->json)
        {
          g_print ("%s  %s  %s\n", cairn_tag_get_id (tag), cairn_tag_get_name (tag),
                   cairn_tag_get_color (tag));
          continue;
        }
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, cairn_tag_get_id (tag));
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, cairn_tag_get_name (tag));
      json_builder_set_member_name (builder, "color");
      json_builder_add_string_value (builder, cairn_tag_get_color (tag));
      json_builder_set_member_name (builder, "deleted");
      json_builder_add_boolean_value (builder, FALSE);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  if (cli->json)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (builder);
      cairn_cli_print_json (cli, root);
    }
  return CAIRN_CLI_OK;
}

typedef gboolean (*TagAction) (CairnStore *store, const char *tag_id, const char *value,
                               GError **error);

static gboolean
delete_tag (CairnStore *store, const char *tag_id, const char *value, GError **error)
{
  return cairn_store_delete_tag (store, tag_id, error);
}

static int
run_tag_action (CairnCli  *cli,
                int        argc,
                char     **argv,
                guint      n_args,
                TagAction  action)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tag_id = NULL;
  const char *args[2] = { NULL, NULL };
  CairnStore *store;

  if (!cairn_cli_parse (cli, argc, argv, NULL, n_args, n_args, args))
    return CAIRN_CLI_USAGE;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL ||
      (tag_id = cairn_store_dup_tag_id (store, args[0], &error)) == NULL ||
      !action (store, tag_id, args[1], &error))
    return cairn_cli_fail (cli, error);
  return report (cli, CAIRN_OBJECT_TAG, tag_id, FALSE);
}

static int
cmd_tag_rename (CairnCli *cli, int argc, char **argv)
{
  return run_tag_action (cli, argc, argv, 2, cairn_store_rename_tag);
}

static int
cmd_tag_color (CairnCli *cli, int argc, char **argv)
{
  return run_tag_action (cli, argc, argv, 2, cairn_store_recolor_tag);
}

static int
cmd_tag_rm (CairnCli *cli, int argc, char **argv)
{
  return run_tag_action (cli, argc, argv, 1, delete_tag);
}

static int
cmd_priority (CairnCli  *cli,
              int        argc,
              char     **argv)
{
  g_autoptr(GError) error = NULL;
  const char *args[2];
  CairnStore *store;
  int status;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 2, 2, args))
    return CAIRN_CLI_USAGE;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  if ((status = require_todo (cli, store, args[0])) != CAIRN_CLI_OK)
    return status;
  if (!cairn_store_set_todo_priority (store, args[0], args[1], &error))
    return cairn_cli_fail (cli, error);
  return report (cli, CAIRN_OBJECT_TODO, args[0], FALSE);
}

/* The Inbox's id, for scripts: `cairn-cli add "$(cairn-cli inbox)" Milk`;
 * with --json the list as stored. */
static int
cmd_inbox (CairnCli  *cli,
           int        argc,
           char     **argv)
{
  g_autoptr(GError) error = NULL;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if (cairn_cli_get_store (cli, &error) == NULL)
    return cairn_cli_fail (cli, error);
  return report (cli, CAIRN_OBJECT_LIST, CAIRN_INBOX_ID, TRUE);
}

const CairnCliCommand cairn_cli_tags_commands[] = {
  { "priority",     "ID none|low|medium|high", "Set a todo's priority", cmd_priority },
  { "tag",          "ID NAME",          "Tag a todo (creates the tag if needed)", cmd_tag },
  { "untag",        "ID NAME",          "Take a tag off a todo", cmd_untag },
  { "tags",         "",                 "Show the tags, by name", cmd_tags },
  { "tag-rename",   "NAME NEW",         "Rename a tag", cmd_tag_rename },
  { "tag-color",    "NAME COLOR",       "Set a tag's colour (blue, green, yellow, orange, red, "
                                        "purple, brown, slate)", cmd_tag_color },
  { "tag-rm",       "NAME",             "Delete a tag, and take it off every todo (final)", cmd_tag_rm },
  { "inbox",        "",                 "Print the Inbox list's id", cmd_inbox },
  { NULL }
};

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-cli.c: cairn-cli's entry point, global options and command table. */
#define G_LOG_DOMAIN "cairn-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cairn-cli-private.h"

static int cmd_help (CairnCli *cli, int argc, char **argv);

static const CairnCliCommand help_commands[] = {
  { "help", "[COMMAND]", "Show the commands, or how to use one", cmd_help },
  { NULL }
};

/* Every table of commands; a new file adds its table here. */
static const CairnCliCommand *command_tables[] = {
  cairn_cli_data_commands,
  cairn_cli_sync_commands,
  cairn_cli_text_commands,
  cairn_cli_tags_commands,
  cairn_cli_views_commands,
  cairn_cli_subtask_commands,
  cairn_cli_times_commands,
  cairn_cli_history_commands,
  cairn_cli_hash_commands,
  cairn_cli_snapshot_commands,
  cairn_cli_undo_commands,
  help_commands,
};

#define GLOBAL_USAGE "cairn-cli [--profile DIR] [--json] COMMAND [ARGS…]"

static const CairnCliCommand *
find_command (const char *name)
{
  for (guint t = 0; t < G_N_ELEMENTS (command_tables); t++)
    for (const CairnCliCommand *c = command_tables[t]; c->name != NULL; c++)
      if (strcmp (c->name, name) == 0)
        return c;
  return NULL;
}

CairnWorkspace *
cairn_cli_get_workspace (CairnCli  *cli,
                         GError   **error)
{
  if (cli->workspace == NULL)
    {
      g_autoptr(CairnProfile) profile = cairn_profile_open (cli->profile_dir, error);

      if (profile == NULL)
        return NULL;
      cli->workspace = cairn_workspace_new (profile);
    }
  return cli->workspace;
}

CairnProfile *
cairn_cli_get_profile (CairnCli  *cli,
                       GError   **error)
{
  CairnWorkspace *workspace = cairn_cli_get_workspace (cli, error);

  return workspace != NULL ? cairn_workspace_get_profile (workspace) : NULL;
}

CairnStore *
cairn_cli_get_store (CairnCli  *cli,
                     GError   **error)
{
  CairnWorkspace *workspace = cairn_cli_get_workspace (cli, error);
  CairnStore *store;

  if (workspace == NULL)
    return NULL;
  if ((store = cairn_workspace_get_store (workspace)) != NULL)
    return store;
  if (!cairn_workspace_open_store (workspace, error))
    return NULL;
  store = cairn_workspace_get_store (workspace);
  /* docs/design.md: events this build cannot show are kept, and the user told. */
  if (cairn_store_get_needs_update (store))
    g_printerr ("cairn-cli: warning: this workspace holds changes made with a newer "
                "Cairn, which this version cannot show; update Cairn\n");
  return store;
}

CairnPool *
cairn_cli_get_pool (CairnCli  *cli,
                    GError   **error)
{
  if (cairn_cli_get_store (cli, error) == NULL)
    return NULL;
  return cairn_workspace_get_pool (cli->workspace);
}

int
cairn_cli_fail (CairnCli     *cli,
                const GError *error)
{
  g_autofree char *line = g_strdup (error->message);

  /* One line, whatever the message holds. */
  g_strdelimit (line, "\r\n", ' ');
  g_printerr ("cairn-cli: %s\n", line);
  return CAIRN_CLI_FAILED;
}

int
cairn_cli_failf (CairnCli   *cli,
                 const char *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("cairn-cli: %s\n", message);
  return CAIRN_CLI_FAILED;
}

int
cairn_cli_usage (CairnCli   *cli,
                 const char *format,
                 ...)
{
  if (format != NULL)
    {
      g_autofree char *message = NULL;
      va_list args;

      va_start (args, format);
      message = g_strdup_vprintf (format, args);
      va_end (args);
      if (cli->command != NULL)
        g_printerr ("cairn-cli: %s: %s\n", cli->command->name, message);
      else
        g_printerr ("cairn-cli: %s\n", message);
    }
  if (cli->command != NULL)
    g_printerr ("usage: cairn-cli %s%s%s\n", cli->command->name,
                *cli->command->args ? " " : "", cli->command->args);
  else
    g_printerr ("usage: " GLOBAL_USAGE "\n(cairn-cli help lists the commands)\n");
  return CAIRN_CLI_USAGE;
}

void
cairn_cli_print_json (CairnCli *cli,
                      JsonNode *node)
{
  g_autofree char *text = json_to_string (node, FALSE);

  g_print ("%s\n", text);
}

int
cairn_cli_end_list (CairnCli    *cli,
                    JsonBuilder *builder)
{
  json_builder_end_array (builder);
  if (cli->json)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (builder);
      cairn_cli_print_json (cli, root);
    }
  return CAIRN_CLI_OK;
}

gboolean
cairn_cli_parse (CairnCli             *cli,
                 int                   argc,
                 char                **argv,
                 const CairnCliOption *options,
                 guint                 min_args,
                 guint                 max_args,
                 const char          **args)
{
  gboolean options_done = FALSE;
  guint n = 0;

  for (int i = 0; i < argc; i++)
    {
      const char *arg = argv[i];

      if (!options_done && strcmp (arg, "--") == 0)
        {
          options_done = TRUE;
          continue;
        }

      if (!options_done && arg[0] == '-' && arg[1] != '\0')
        {
          const char *eq = strchr (arg, '=');
          gsize name_len = eq != NULL ? (gsize)(eq - arg) : strlen (arg);
          const CairnCliOption *opt = NULL;

          for (const CairnCliOption *o = options; o != NULL && o->name != NULL; o++)
            if (strlen (o->name) == name_len && strncmp (o->name, arg, name_len) == 0)
              opt = o;
          if (opt == NULL)
            {
              cairn_cli_usage (cli, "unknown option %.*s", (int)name_len, arg);
              return FALSE;
            }
          if (!opt->takes_value)
            {
              if (eq != NULL)
                {
                  cairn_cli_usage (cli, "%s takes no value", opt->name);
                  return FALSE;
                }
              *(gboolean *)opt->target = TRUE;
            }
          else if (eq != NULL)
            *(const char **)opt->target = eq + 1;
          else if (i + 1 < argc)
            *(const char **)opt->target = argv[++i];
          else
            {
              cairn_cli_usage (cli, "%s needs a value", opt->name);
              return FALSE;
            }
          continue;
        }

      if (n >= max_args)
        {
          cairn_cli_usage (cli, "unexpected argument “%s”", arg);
          return FALSE;
        }
      args[n++] = arg;
    }

  if (n < min_args)
    {
      cairn_cli_usage (cli, "missing arguments");
      return FALSE;
    }
  for (guint i = n; i < max_args; i++)
    args[i] = NULL;
  return TRUE;
}

static void
print_command_usage (const CairnCliCommand *c)
{
  g_autofree char *left = g_strdup_printf ("%s%s%s", c->name, *c->args ? " " : "", c->args);

  g_print ("  %-46s %s\n", left, c->summary);
}

/* One command for help --json: name, usage line, summary. */
static JsonObject *
command_to_json (const CairnCliCommand *c)
{
  JsonObject *object = json_object_new ();
  g_autofree char *usage = g_strdup_printf ("cairn-cli %s%s%s", c->name,
                                            *c->args ? " " : "", c->args);

  json_object_set_string_member (object, "name", c->name);
  json_object_set_string_member (object, "usage", usage);
  json_object_set_string_member (object, "summary", c->summary);
  return object;
}

static int
cmd_help (CairnCli  *cli,
          int        argc,
          char     **argv)
{
  const char *args[1];

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 1, args))
    return CAIRN_CLI_USAGE;

  if (args[0] != NULL)
    {
      const CairnCliCommand *c = find_command (args[0]);

      if (c == NULL)
        return cairn_cli_usage (cli, "no command “%s”", args[0]);
      if (cli->json)
        {
          g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);

          json_node_take_object (root, command_to_json (c));
          cairn_cli_print_json (cli, root);
        }
      else
        g_print ("usage: cairn-cli %s%s%s\n%s\n", c->name, *c->args ? " " : "",
                 c->args, c->summary);
      return CAIRN_CLI_OK;
    }

  if (cli->json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) root = NULL;

      for (guint t = 0; t < G_N_ELEMENTS (command_tables); t++)
        for (const CairnCliCommand *c = command_tables[t]; c->name != NULL; c++)
          json_array_add_object_element (array, command_to_json (c));
      root = json_node_init_array (json_node_alloc (), array);
      cairn_cli_print_json (cli, root);
      return CAIRN_CLI_OK;
    }

  g_print ("usage: " GLOBAL_USAGE "\n\n"
           "Options (anywhere before “--”):\n"
           "  --profile DIR   where the data lives (default $CAIRN_PROFILE, else\n"
           "                  $XDG_DATA_HOME/cairn)\n"
           "  --json          print one JSON value instead of text\n\n"
           "Commands:\n");
  for (guint t = 0; t < G_N_ELEMENTS (command_tables); t++)
    for (const CairnCliCommand *c = command_tables[t]; c->name != NULL; c++)
      print_command_usage (c);
  return CAIRN_CLI_OK;
}

/* Takes the global options out of argv (up to a "--"). FALSE: bad usage. */
static gboolean
take_global_options (CairnCli  *cli,
                     int       *argc,
                     char     **argv)
{
  int out = 1;
  gboolean done = FALSE;

  for (int i = 1; i < *argc; i++)
    {
      const char *arg = argv[i];

      if (!done && strcmp (arg, "--") == 0)
        done = TRUE;
      if (!done && strcmp (arg, "--json") == 0)
        {
          cli->json = TRUE;
          continue;
        }
      if (!done && (strcmp (arg, "--profile") == 0 || g_str_has_prefix (arg, "--profile=")))
        {
          const char *value = arg[9] == '=' ? arg + 10 : (i + 1 < *argc ? argv[++i] : NULL);

          if (value == NULL || *value == '\0')
            {
              g_printerr ("cairn-cli: --profile needs a directory\n");
              return FALSE;
            }
          g_free (cli->profile_dir);
          cli->profile_dir = g_strdup (value);
          continue;
        }
      argv[out++] = argv[i];
    }
  *argc = out;
  argv[out] = NULL;
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  CairnCli cli = { 0 };
  const CairnCliCommand *command;
  int status;

  setlocale (LC_ALL, "");
  g_set_prgname ("cairn-cli");

  if (!take_global_options (&cli, &argc, argv))
    status = cairn_cli_usage (&cli, NULL);
  else if (argc < 2)
    status = cairn_cli_usage (&cli, "no command given");
  else
    {
      if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
        command = find_command ("help");
      else
        command = find_command (argv[1]);

      if (command == NULL)
        status = cairn_cli_usage (&cli, "unknown command “%s”", argv[1]);
      else
        {
          cli.command = command;
          status = command->handler (&cli, argc - 2, argv + 2);
        }
    }

  g_clear_object (&cli.workspace);
  g_clear_pointer (&cli.profile_dir, g_free);
  return status;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-cli-views.c: cairn-cli's views (the Inbox's todos, Today,
 * Upcoming) and search. docs/cli.md. */
#define G_LOG_DOMAIN "cairn-cli"

#include "config.h"

#include <string.h>

#include "cairn-cli-private.h"
#include "cairn-search.h"

static int
print_model (CairnCli   *cli,
             CairnPool  *pool,
             GListModel *model)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(CairnTodo) todo = g_list_model_get_item (model, i);

      cairn_cli_add_todo (cli, pool, todo, builder);
    }
  return cairn_cli_end_list (cli, builder);
}

static int
cmd_inbox_todos (CairnCli  *cli,
                 int        argc,
                 char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) todos = NULL;
  CairnPool *pool;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if ((pool = cairn_cli_get_pool (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  todos = cairn_pool_get_todos (pool, CAIRN_INBOX_ID);
  cairn_todo_model_set_show_completed (todos, FALSE);
  return print_model (cli, pool, todos);
}

static gboolean
valid_date (const char *text)
{
  GDate d;

  if (strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  g_date_clear (&d, 1);
  g_date_set_parse (&d, text);
  return g_date_valid (&d);
}

/* today [--date YYYY-MM-DD] and upcoming [DAYS] [--date YYYY-MM-DD]:
 * --date stands for the clock (scripts and tests). */
static int
run_date_view (CairnCli  *cli,
               int        argc,
               char     **argv,
               gboolean   upcoming)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) view = NULL;
  const char *date = NULL;
  const char *args[1] = { NULL };
  CairnCliOption options[] = {
    { "--date", TRUE, NULL },
    { NULL }
  };
  guint64 days = 14;
  CairnPool *pool;

  options[0].target = &date;
  if (!cairn_cli_parse (cli, argc, argv, options, 0, upcoming ? 1 : 0, args))
    return CAIRN_CLI_USAGE;
  if (date != NULL && !valid_date (date))
    return cairn_cli_usage (cli, "“--date” must be a date YYYY-MM-DD, not “%s”", date);
  if (args[0] != NULL &&
      (!g_ascii_string_to_unsigned (args[0], 10, 1, 366, &days, NULL)))
    return cairn_cli_usage (cli, "“DAYS” must be a number from 1 to 366, not “%s”", args[0]);
  if ((pool = cairn_cli_get_pool (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  if (date != NULL)
    cairn_pool_set_today (pool, date);
  view = upcoming ? cairn_pool_get_upcoming_todos (pool, days) : cairn_pool_get_today_todos (pool);
  return print_model (cli, pool, view);
}

static int
cmd_today (CairnCli *cli, int argc, char **argv)
{
  return run_date_view (cli, argc, argv, FALSE);
}

static int
cmd_upcoming (CairnCli *cli, int argc, char **argv)
{
  return run_date_view (cli, argc, argv, TRUE);
}

/* The snippet for a terminal: the marks become [ and ]. */
static char *
plain_snippet (const char *snippet)
{
  g_autoptr(GString) out = g_string_new (snippet);

  g_string_replace (out, CAIRN_SEARCH_MARK_START, "[", 0);
  g_string_replace (out, CAIRN_SEARCH_MARK_END, "]", 0);
  g_string_replace (out, "\n", " ", 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static int
cmd_search (CairnCli  *cli,
            int        argc,
            char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const char *limit_text = NULL;
  const char *args[1];
  CairnCliOption options[] = {
    { "--limit", TRUE, NULL },
    { NULL }
  };
  guint64 limit = 50;
  CairnStore *store;

  options[0].target = &limit_text;
  if (!cairn_cli_parse (cli, argc, argv, options, 1, 1, args))
    return CAIRN_CLI_USAGE;
  if (limit_text != NULL &&
      !g_ascii_string_to_unsigned (limit_text, 10, 1, 10000, &limit, NULL))
    return cairn_cli_usage (cli, "“--limit” must be a number from 1 to 10000, not “%s”", limit_text);
  if ((store = cairn_cli_get_store (cli, &error)) == NULL ||
      (hits = cairn_store_search (store, args[0], limit, &error)) == NULL)
    return cairn_cli_fail (cli, error);

  json_builder_begin_array (builder);
  for (guint i = 0; i < hits->len; i++)
    {
      CairnSearchHit *hit = hits->pdata[i];
      const char *kind = hit->kind == CAIRN_OBJECT_NOTE ? "note" : "todo";

      if (cli->json)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "kind");
          json_builder_add_string_value (builder, kind);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, hit->id);
          json_builder_set_member_name (builder, "title");
          json_builder_add_string_value (builder, hit->title);
          json_builder_set_member_name (builder, "snippet");
          json_builder_add_string_value (builder, hit->snippet);
          json_builder_end_object (builder);
        }
      else
        {
          g_autofree char *snippet = plain_snippet (hit->snippet);

          g_print ("%s  %s  %s  %s\n", kind, hit->id, hit->title, snippet);
        }
    }
  return cairn_cli_end_list (cli, builder);
}

const CairnCliCommand cairn_cli_views_commands[] = {
  { "inbox-todos", "",                 "Show the Inbox's open todos", cmd_inbox_todos },
  { "today",       "[--date YYYY-MM-DD]",
                   "Show the open todos due today or before, overdue first", cmd_today },
  { "upcoming",    "[DAYS] [--date YYYY-MM-DD]",
                   "Show the open todos due in the next DAYS days (14), by day", cmd_upcoming },
  { "search",      "QUERY [--limit N]",
                   "Find todos and notes by the words they contain, best first "
                   "(text: KIND  ID  TITLE  SNIPPET, the matches in [ ])", cmd_search },
  { NULL }
};

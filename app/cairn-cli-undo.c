/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-cli-undo.c: `undo` and `redo` (docs/cli.md): the store's undo of
 * this device's own actions (cairn-store-undo.h), printing what was put
 * back and what was left, and why. */
#include "config.h"

#include "cairn-cli-private.h"
#include "cairn-store-undo.h"

static int
cmd_undo (CairnCli  *cli,
          int        argc,
          char     **argv)
{
  gboolean redo = GPOINTER_TO_INT (cli->command->data);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnUndoResult) result = NULL;
  CairnStore *store;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  result = redo ? cairn_store_redo (store, &error) : cairn_store_undo (store, &error);
  if (result == NULL)
    return cairn_cli_fail (cli, error);

  if (cli->json)
    {
      g_autofree char *json = cairn_undo_result_to_json (result);
      g_autoptr(JsonNode) node = json_from_string (json, NULL);

      cairn_cli_print_json (cli, node);
      return CAIRN_CLI_OK;
    }
  for (guint l = 0; l < 2; l++)
    {
      GPtrArray *items = l ? result->left : result->changed;

      for (guint i = 0; i < items->len; i++)
        {
          g_autofree char *line = cairn_undo_item_describe (items->pdata[i], l);

          g_print ("%s\n", line);
        }
    }
  if (result->changed->len == 0 && result->left->len == 0)
    g_print ("%s\n", redo ? "Redone: it was already so" : "Undone: it was already so");
  return CAIRN_CLI_OK;
}

const CairnCliCommand cairn_cli_undo_commands[] = {
  { "undo", "", "Undo this device's last action (what another device changed since stays)",
    cmd_undo, GINT_TO_POINTER (FALSE) },
  { "redo", "", "Redo the last action undone, with the same rule", cmd_undo, GINT_TO_POINTER (TRUE) },
  { NULL }
};

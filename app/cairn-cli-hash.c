/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-cli-hash.c: `cairn-cli state-hash`, the hash of this device's
 * confirmed state at its head (docs/sync.md, "State hashes"): two devices
 * at the same seq with the same format must print the same hash. */
#define G_LOG_DOMAIN "cairn-cli"

#include "config.h"

#include "cairn-cli-private.h"
#include "cairn-store-hash.h"

static int
cmd_state_hash (CairnCli  *cli,
                int        argc,
                char     **argv)
{
  g_autoptr(GError) error = NULL;
  CairnStateHash hash;
  CairnStore *store;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL ||
      !cairn_store_confirmed_state_hash (store, &hash, &error))
    return cairn_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "seq");
      json_builder_add_int_value (b, hash.seq);
      json_builder_set_member_name (b, "format");
      json_builder_add_string_value (b, hash.format);
      json_builder_set_member_name (b, "hash");
      json_builder_add_string_value (b, hash.hash);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cairn_cli_print_json (cli, root);
    }
  else
    g_print ("seq %" G_GINT64_FORMAT "  format %s  %s\n", hash.seq, hash.format, hash.hash);
  return CAIRN_CLI_OK;
}

const CairnCliCommand cairn_cli_hash_commands[] = {
  { "state-hash", "", "Print the hash of the confirmed state at this device's head "
                      "(equal on every device at the same seq)", cmd_state_hash },
  { NULL }
};

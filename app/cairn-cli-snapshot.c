/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-cli-snapshot.c: snapshot-info (the snapshot this device's state
 * starts from) and compact (client log compaction). docs/cli.md. */
#include "config.h"

#include <glib/gstdio.h>

#include "cairn-cli-private.h"
#include "cairn-snapshot.h"

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

static int
cmd_snapshot_info (CairnCli  *cli,
                   int        argc,
                   char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnSnapshotInfo) info = NULL;
  CairnStore *store;
  gint64 db_bytes;

  if (argc != 0)
    return cairn_cli_usage (cli, "takes no arguments");
  if (!(store = cairn_cli_get_store (cli, &error)))
    return cairn_cli_fail (cli, error);
  info = cairn_store_dup_snapshot_info (store, &error);
  if (info == NULL && error != NULL)
    return cairn_cli_fail (cli, error);
  db_bytes = file_size (cairn_store_get_path (store));

  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "snapshot");
      if (info == NULL)
        json_builder_add_null_value (b);
      else
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "seq");
          json_builder_add_int_value (b, info->seq);
          json_builder_set_member_name (b, "history_id");
          json_builder_add_string_value (b, info->history_id);
          json_builder_set_member_name (b, "bytes");
          json_builder_add_int_value (b, (gint64) info->total_bytes);
          json_builder_set_member_name (b, "image_bytes");
          json_builder_add_int_value (b, (gint64) info->image_bytes);
          json_builder_set_member_name (b, "schema");
          json_builder_add_int_value (b, info->schema);
          json_builder_set_member_name (b, "skipped");
          json_builder_add_int_value (b, info->skipped_seqs->len);
          json_builder_set_member_name (b, "made_at");
          json_builder_add_int_value (b, info->made_at);
          json_builder_end_object (b);
        }
      json_builder_set_member_name (b, "head");
      json_builder_add_int_value (b, cairn_store_get_head (store));
      json_builder_set_member_name (b, "database_bytes");
      json_builder_add_int_value (b, db_bytes);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cairn_cli_print_json (cli, root);
      return CAIRN_CLI_OK;
    }
  if (info == NULL)
    g_print ("This device's log is complete: it started from no snapshot\n");
  else
    g_print ("Started from the snapshot at seq %" G_GINT64_FORMAT " (%" G_GUINT64_FORMAT
             " bytes, %" G_GUINT64_FORMAT " unpacked, %u events skipped as unknown)\n",
             info->seq, info->total_bytes, info->image_bytes, info->skipped_seqs->len);
  g_print ("Head: %" G_GINT64_FORMAT "\nDatabase: %" G_GINT64_FORMAT " bytes\n",
           cairn_store_get_head (store), db_bytes);
  return CAIRN_CLI_OK;
}

static int
cmd_compact (CairnCli  *cli,
             int        argc,
             char     **argv)
{
  g_autoptr(GError) error = NULL;
  CairnCompactStats stats;
  CairnStore *store;

  if (argc != 0)
    return cairn_cli_usage (cli, "takes no arguments");
  if (!(store = cairn_cli_get_store (cli, &error)))
    return cairn_cli_fail (cli, error);
  if (!cairn_store_compact_log (store, &stats, &error))
    return cairn_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "base_seq");
      json_builder_add_int_value (b, stats.base_seq);
      json_builder_set_member_name (b, "rows_dropped");
      json_builder_add_int_value (b, stats.rows_dropped);
      json_builder_set_member_name (b, "bytes_before");
      json_builder_add_int_value (b, stats.bytes_before);
      json_builder_set_member_name (b, "bytes_after");
      json_builder_add_int_value (b, stats.bytes_after);
      json_builder_set_member_name (b, "vacuumed");
      json_builder_add_boolean_value (b, stats.vacuumed);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cairn_cli_print_json (cli, root);
      return CAIRN_CLI_OK;
    }
  g_print ("Dropped %" G_GINT64_FORMAT " confirmed events up to seq %" G_GINT64_FORMAT
           "; the file went from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT " bytes%s\n",
           stats.rows_dropped, stats.base_seq, stats.bytes_before, stats.bytes_after,
           stats.vacuumed ? " (vacuumed)" : "");
  return CAIRN_CLI_OK;
}

const CairnCliCommand cairn_cli_snapshot_commands[] = {
  { "snapshot-info", "", "The snapshot this device started from, its seq and sizes", cmd_snapshot_info },
  { "compact", "", "Drop confirmed events older than now from this device's log (history stays on the server)", cmd_compact },
  { NULL },
};

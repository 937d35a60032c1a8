/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-cli-history.c: history ID, activity, revert ID --to SEQ (issue 15). */
#include "config.h"

#include <string.h>

#include "cairn-cli-private.h"
#include "cairn-store-history.h"

static char *
format_time (gint64 ms)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local (ms / 1000);

  return t != NULL ? g_date_time_format (t, "%Y-%m-%d %H:%M") : g_strdup ("?");
}

/* "bob on phone", "phone", "this device" … */
static char *
format_who (const char *user,
            const char *device,
            gboolean    own)
{
  if (user != NULL && device != NULL)
    return g_strdup_printf ("%s on %s", user, device);
  if (user != NULL || device != NULL)
    return g_strdup (user != NULL ? user : device);
  return g_strdup (own ? "this device" : "another device");
}

static void
add_nullable (JsonBuilder *b,
              const char  *name,
              const char  *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

/* A seq argument: a whole number from 1; FALSE after the message. */
static gboolean
parse_seq (CairnCli   *cli,
           const char *what,
           const char *text,
           guint64     min,
           gint64     *out,
           int        *status)
{
  guint64 n = 0;

  if (!g_ascii_string_to_unsigned (text, 10, min, G_MAXINT64, &n, NULL))
    {
      *status = cairn_cli_failf (cli, "%s must be a seq (a whole number from %" G_GUINT64_FORMAT "), not “%s”",
                                 what, min, text);
      return FALSE;
    }
  *out = (gint64) n;
  return TRUE;
}

static int
cmd_history (CairnCli  *cli,
             int        argc,
             char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const char *args[1];
  CairnStore *store;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 1, 1, args))
    return CAIRN_CLI_USAGE;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL ||
      (history = cairn_store_get_history (store, args[0], &error)) == NULL)
    return cairn_cli_fail (cli, error);

  json_builder_begin_array (b);
  for (guint i = 0; i < history->len; i++)
    {
      const CairnHistoryEntry *e = history->pdata[i];

      if (cli->json)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "seq");
          if (e->seq > 0)
            json_builder_add_int_value (b, e->seq);
          else
            json_builder_add_null_value (b);
          json_builder_set_member_name (b, "pending");
          json_builder_add_boolean_value (b, e->seq == 0);
          json_builder_set_member_name (b, "created_at");
          json_builder_add_int_value (b, e->created_at);
          add_nullable (b, "user", e->user);
          add_nullable (b, "device", e->device);
          json_builder_set_member_name (b, "own");
          json_builder_add_boolean_value (b, e->own);
          add_nullable (b, "event", e->event);
          json_builder_set_member_name (b, "changes");
          json_builder_begin_array (b);
          for (guint j = 0; j < e->changes->len; j++)
            {
              const CairnHistoryChange *c = e->changes->pdata[j];

              json_builder_begin_object (b);
              add_nullable (b, "field", c->field);
              if (c->inserted != NULL || c->deleted != NULL)
                {
                  add_nullable (b, "inserted", c->inserted);
                  add_nullable (b, "deleted", c->deleted);
                }
              else
                {
                  add_nullable (b, "old", c->old_value);
                  add_nullable (b, "new", c->new_value);
                }
              json_builder_end_object (b);
            }
          json_builder_end_array (b);
          json_builder_end_object (b);
        }
      else
        {
          g_autofree char *when = format_time (e->created_at);
          g_autofree char *who = format_who (e->user, e->device, e->own);
          g_autoptr(GString) line = g_string_new (NULL);

          if (e->seq > 0)
            g_string_append_printf (line, "%-7" G_GINT64_FORMAT, e->seq);
          else
            g_string_append (line, "pending");
          g_string_append_printf (line, "  %s  %s  %s", when, who, e->event);
          for (guint j = 0; j < e->changes->len; j++)
            {
              const CairnHistoryChange *c = e->changes->pdata[j];

              g_string_append_printf (line, "%s %s: ", j == 0 ? "" : ";", c->field);
              if (c->inserted != NULL || c->deleted != NULL)
                {
                  if (c->deleted != NULL)
                    g_string_append_printf (line, "-“%s”", c->deleted);
                  if (c->inserted != NULL)
                    g_string_append_printf (line, "%s+“%s”", c->deleted != NULL ? " " : "", c->inserted);
                }
              else
                g_string_append_printf (line, "%s → %s", c->old_value ? c->old_value : "(none)",
                                        c->new_value ? c->new_value : "(none)");
            }
          if (e->changes->len == 0)
            g_string_append (line, " (no change)");
          g_print ("%s\n", line->str);
        }
    }
  return cairn_cli_end_list (cli, b);
}

static int
cmd_activity (CairnCli  *cli,
              int        argc,
              char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const char *since_text = NULL;
  CairnCliOption options[] = {
    { "--since", TRUE, &since_text },
    { NULL }
  };
  CairnStore *store;
  gint64 since = 0;
  int status;

  if (!cairn_cli_parse (cli, argc, argv, options, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if (since_text != NULL && !parse_seq (cli, "--since", since_text, 0, &since, &status))
    return status;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  if (since_text == NULL && (since = cairn_store_get_activity_mark (store, &error)) < 0)
    return cairn_cli_fail (cli, error);
  if (since > cairn_store_get_head (store))
    return cairn_cli_failf (cli, "--since %" G_GINT64_FORMAT " is past the last confirmed change "
                            "(seq %" G_GINT64_FORMAT ")", since, cairn_store_get_head (store));
  if ((items = cairn_store_get_activity (store, since, &error)) == NULL)
    return cairn_cli_fail (cli, error);

  json_builder_begin_array (b);
  for (guint i = 0; i < items->len; i++)
    {
      const CairnActivityItem *item = items->pdata[i];

      if (cli->json)
        {
          json_builder_begin_object (b);
          add_nullable (b, "id", item->object_id);
          add_nullable (b, "kind", item->kind);
          add_nullable (b, "title", item->title);
          json_builder_set_member_name (b, "changes");
          json_builder_add_int_value (b, item->n_changes);
          json_builder_set_member_name (b, "first_seq");
          json_builder_add_int_value (b, item->first_seq);
          json_builder_set_member_name (b, "last_seq");
          json_builder_add_int_value (b, item->last_seq);
          json_builder_set_member_name (b, "last_at");
          json_builder_add_int_value (b, item->last_at);
          json_builder_set_member_name (b, "others");
          json_builder_add_boolean_value (b, item->others);
          json_builder_set_member_name (b, "users");
          json_builder_begin_array (b);
          for (guint j = 0; j < item->users->len; j++)
            json_builder_add_string_value (b, item->users->pdata[j]);
          json_builder_end_array (b);
          json_builder_set_member_name (b, "devices");
          json_builder_begin_array (b);
          for (guint j = 0; j < item->devices->len; j++)
            json_builder_add_string_value (b, item->devices->pdata[j]);
          json_builder_end_array (b);
          json_builder_end_object (b);
        }
      else
        {
          g_autofree char *when = format_time (item->last_at);
          g_autofree char *users = NULL;
          g_autofree char *devices = NULL;

          g_ptr_array_add (item->users, NULL);
          g_ptr_array_add (item->devices, NULL);
          users = g_strjoinv (", ", (char **) item->users->pdata);
          devices = g_strjoinv (", ", (char **) item->devices->pdata);
          g_ptr_array_remove_index (item->users, item->users->len - 1);
          g_ptr_array_remove_index (item->devices, item->devices->len - 1);
          g_print ("%s %s  %s  %u change%s, last %s%s%s%s%s%s\n", item->kind, item->object_id,
                   item->title ? item->title : "", item->n_changes, item->n_changes == 1 ? "" : "s", when,
                   *users || *devices ? " by " : "", users, *users && *devices ? " on " : "", devices,
                   item->others ? "" : " (this device)");
        }
    }
  return cairn_cli_end_list (cli, b);
}

static int
cmd_revert (CairnCli  *cli,
            int        argc,
            char     **argv)
{
  g_autoptr(GError) error = NULL;
  const char *to_text = NULL;
  CairnCliOption options[] = {
    { "--to", TRUE, &to_text },
    { NULL }
  };
  const char *args[1];
  CairnStore *store;
  gint64 to = 0;
  guint n = 0;
  int status;

  if (!cairn_cli_parse (cli, argc, argv, options, 1, 1, args))
    return CAIRN_CLI_USAGE;
  if (to_text == NULL)
    return cairn_cli_usage (cli, "say which version with --to SEQ (the seqs are in `history ID`)");
  if (!parse_seq (cli, "--to", to_text, 1, &to, &status))
    return status;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  if (to > cairn_store_get_head (store))
    return cairn_cli_failf (cli, "--to %" G_GINT64_FORMAT " is past the last confirmed change "
                            "(seq %" G_GINT64_FORMAT ")", to, cairn_store_get_head (store));
  if (!cairn_store_revert_object (store, args[0], to, &n, &error))
    return cairn_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      add_nullable (b, "id", args[0]);
      json_builder_set_member_name (b, "to");
      json_builder_add_int_value (b, to);
      json_builder_set_member_name (b, "events");
      json_builder_add_int_value (b, n);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cairn_cli_print_json (cli, root);
    }
  else if (n == 0)
    g_print ("Already as it was after %" G_GINT64_FORMAT "\n", to);
  else
    g_print ("Restored as it was after %" G_GINT64_FORMAT " (%u change%s)\n", to, n, n == 1 ? "" : "s");
  return CAIRN_CLI_OK;
}

const CairnCliCommand cairn_cli_history_commands[] = {
  { "history", "ID", "Every change of a todo, list, note or tag: when, who, what (old → new)", cmd_history },
  { "activity", "[--since SEQ]",
    "What changed since a seq (default: since the app was last open here), by object, others' first",
    cmd_activity },
  { "revert", "ID --to SEQ", "Make an object as it was right after its change SEQ (as new changes)",
    cmd_revert },
  { NULL }
};

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-cli-sync.c: cairn-cli's account, workspace and sync commands. */
#define G_LOG_DOMAIN "cairn-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cairn-cli-private.h"
#include "cairn-protocol.h"
#include "cairn-store-refused.h"
#include "cairn-store-sync.h"
#include "cairn-sync-engine.h"
#include "cairn-tls-pin.h"

/* Runs the main loop until *result is set. */
static GAsyncResult *
wait_for (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* The workspace's engine, made on first use; transfer none. */
static CairnSyncEngine *
open_engine (CairnCli  *cli,
             GError   **error)
{
  CairnWorkspace *workspace = cairn_cli_get_workspace (cli, error);

  if (workspace == NULL)
    return NULL;
  return cairn_workspace_get_engine (workspace);
}

/* The engine with the current workspace's store attached. */
static CairnSyncEngine *
open_engine_with_store (CairnCli  *cli,
                        GError   **error)
{
  CairnSyncEngine *engine = open_engine (cli, error);
  CairnStore *store;

  if (engine == NULL)
    return NULL;
  store = cairn_cli_get_store (cli, error);
  if (store == NULL)
    return NULL;
  cairn_sync_engine_set_store (engine, store, cairn_workspace_get_id (cli->workspace));
  return engine;
}

static char *
read_password (GError **error)
{
  g_autoptr(GString) line = g_string_new (NULL);
  int c;

  while ((c = getchar ()) != EOF && c != '\n')
    g_string_append_c (line, (char) c);
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  if (line->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "No password on standard input");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&line), FALSE);
}

static int
cmd_login (CairnCli  *cli,
           int        argc,
           char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *password = NULL;
  g_autofree char *workspace = NULL;
  CairnSyncEngine *engine;
  const char *device = NULL;
  const char *certificate = NULL;
  const char *args[2] = { NULL, NULL };
  const CairnCliOption options[] = {
    { "--device", TRUE, &device },
    { "--trust-certificate", TRUE, &certificate },
    { NULL }
  };

  if (!cairn_cli_parse (cli, argc, argv, options, 2, 2, args))
    return CAIRN_CLI_USAGE;
  if (certificate != NULL)
    {
      g_autofree char *parsed = cairn_tls_fingerprint_parse (certificate);

      if (parsed == NULL)
        return cairn_cli_failf (cli, "“%s” is not a SHA-256 fingerprint (64 hex digits, "
                                "with or without colons)", certificate);
    }
  if ((password = read_password (&error)) == NULL ||
      (engine = open_engine (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);

  cairn_sync_engine_set_login_certificate (engine, certificate);
  cairn_sync_engine_login_async (engine, args[0], args[1], password, device, NULL,
                                 got_result, &result);
  memset (password, 0, strlen (password));
  if (!cairn_sync_engine_login_finish (engine, wait_for (&result), &error))
    {
      g_autofree char *refused = cairn_sync_engine_dup_refused_certificate (engine);
      int status = cairn_cli_fail (cli, error);

      /* The way out, once the person has compared the fingerprint. */
      if (g_error_matches (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_CERTIFICATE) && refused != NULL)
        g_printerr ("cairn-cli: to trust it: cairn-cli login %s %s --trust-certificate %s\n",
                    args[0], args[1], refused);
      return status;
    }

  workspace = cairn_profile_dup_current_workspace (cairn_cli_get_profile (cli, NULL), NULL);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "server");
      json_builder_add_string_value (b, cairn_sync_status_get_server_url (cairn_sync_engine_get_status (engine)));
      json_builder_set_member_name (b, "username");
      json_builder_add_string_value (b, args[1]);
      json_builder_set_member_name (b, "workspace");
      json_builder_add_string_value (b, workspace);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cairn_cli_print_json (cli, root);
    }
  else
    g_print ("Signed in as %s on %s; workspace %s\n", args[1],
             cairn_sync_status_get_server_url (cairn_sync_engine_get_status (engine)), workspace);
  return CAIRN_CLI_OK;
}

/* The signed-in account's server has a new certificate: trust it. */
static int
cmd_trust_certificate (CairnCli  *cli,
                       int        argc,
                       char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *shown = NULL;
  CairnSyncEngine *engine;
  const char *args[1] = { NULL };
  const CairnCliOption options[] = { { NULL } };

  if (!cairn_cli_parse (cli, argc, argv, options, 1, 1, args))
    return CAIRN_CLI_USAGE;
  if ((engine = open_engine (cli, &error)) == NULL ||
      !cairn_sync_engine_trust_certificate (engine, args[0], &error))
    return cairn_cli_fail (cli, error);
  shown = cairn_tls_fingerprint_display (cairn_sync_engine_get_certificate (engine));
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "certificate");
      json_builder_add_string_value (b, cairn_sync_engine_get_certificate (engine));
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cairn_cli_print_json (cli, root);
    }
  else
    g_print ("Trusting the server's certificate with SHA-256 fingerprint %s\n", shown);
  return CAIRN_CLI_OK;
}

static int
cmd_logout (CairnCli  *cli,
            int        argc,
            char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  CairnSyncEngine *engine;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if ((engine = open_engine (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  cairn_sync_engine_logout_async (engine, NULL, got_result, &result);
  if (!cairn_sync_engine_logout_finish (engine, wait_for (&result), &error))
    return cairn_cli_fail (cli, error);
  if (!cli->json)
    g_print ("Signed out; local data and unsent changes are kept\n");
  else
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (root, json_object_new ());
      cairn_cli_print_json (cli, root);
    }
  return CAIRN_CLI_OK;
}

static GPtrArray *
fetch_workspaces (CairnCli         *cli,
                  CairnSyncEngine  *engine,
                  GError          **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cairn_sync_engine_list_workspaces_async (engine, NULL, got_result, &result);
  return cairn_sync_engine_list_workspaces_finish (engine, wait_for (&result), error);
}

static int
cmd_workspaces (CairnCli  *cli,
                int        argc,
                char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *current = NULL;
  CairnSyncEngine *engine;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if ((engine = open_engine (cli, &error)) == NULL ||
      (list = fetch_workspaces (cli, engine, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  current = cairn_profile_dup_current_workspace (cairn_cli_get_profile (cli, NULL), NULL);

  json_builder_begin_array (b);
  for (guint i = 0; i < list->len; i++)
    {
      CairnWorkspaceInfo *ws = g_ptr_array_index (list, i);
      gboolean is_current = g_strcmp0 (ws->id, current) == 0;

      if (cli->json)
        {
          /* The server's own form of it, and whether it is ours now. */
          JsonNode *node = cairn_protocol_encode_workspace (ws);

          json_object_set_boolean_member (json_node_get_object (node), "current", is_current);
          json_builder_add_value (b, node);
        }
      else
        g_print ("%s %s  %s (owner %s)\n", is_current ? "*" : " ", ws->id, ws->name, ws->owner);
    }
  return cairn_cli_end_list (cli, b);
}

static int
cmd_workspace_use (CairnCli  *cli,
                   int        argc,
                   char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  CairnSyncEngine *engine;
  const char *args[1] = { NULL };
  gboolean found = FALSE;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 1, 1, args))
    return CAIRN_CLI_USAGE;
  if (!cairn_is_object_id (args[0]))
    return cairn_cli_usage (cli, "“%s” is not a workspace id", args[0]);
  if ((engine = open_engine (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);

  /* Signed in: only a workspace the server gives us makes sense. */
  if (cairn_sync_engine_is_signed_in (engine))
    {
      if ((list = fetch_workspaces (cli, engine, &error)) == NULL)
        return cairn_cli_fail (cli, error);
      for (guint i = 0; i < list->len; i++)
        found |= g_strcmp0 (((CairnWorkspaceInfo *) g_ptr_array_index (list, i))->id, args[0]) == 0;
      if (!found)
        return cairn_cli_failf (cli, "No workspace %s on the server for this account", args[0]);
    }
  if (!cairn_profile_set_current_workspace (cairn_cli_get_profile (cli, NULL), args[0], &error))
    return cairn_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "workspace", args[0]);
      json_node_take_object (root, o);
      cairn_cli_print_json (cli, root);
    }
  else
    g_print ("Now using workspace %s\n", args[0]);
  return CAIRN_CLI_OK;
}

static int
cmd_share (CairnCli  *cli,
           int        argc,
           char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  CairnSyncEngine *engine;
  const char *args[2] = { NULL, NULL };

  if (!cairn_cli_parse (cli, argc, argv, NULL, 2, 2, args))
    return CAIRN_CLI_USAGE;
  if ((engine = open_engine (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  cairn_sync_engine_share_async (engine, args[0], args[1], NULL, got_result, &result);
  if (!cairn_sync_engine_share_finish (engine, wait_for (&result), &error))
    return cairn_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "workspace", args[0]);
      json_object_set_string_member (o, "username", args[1]);
      json_node_take_object (root, o);
      cairn_cli_print_json (cli, root);
    }
  else
    g_print ("Shared workspace %s with %s\n", args[0], args[1]);
  return CAIRN_CLI_OK;
}

static gboolean
timeout_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static int
cmd_sync (CairnCli  *cli,
          int        argc,
          char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  CairnSyncEngine *engine;
  const char *timeout = NULL;
  const CairnCliOption options[] = {
    { "--timeout", TRUE, &timeout },
    { NULL }
  };
  guint64 seconds = 60;
  guint timeout_id;
  CairnStore *store;

  if (!cairn_cli_parse (cli, argc, argv, options, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if (timeout != NULL &&
      (!g_ascii_string_to_unsigned (timeout, 10, 1, 24 * 3600, &seconds, NULL)))
    return cairn_cli_usage (cli, "--timeout wants a number of seconds (1 to 86400), not “%s”",
                            timeout);
  if ((engine = open_engine_with_store (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);

  timeout_id = g_timeout_add_seconds ((guint) seconds, timeout_cb, cancellable);
  cairn_sync_engine_sync_async (engine, cancellable, got_result, &result);
  if (!cairn_sync_engine_sync_finish (engine, wait_for (&result), &error))
    {
      g_autofree char *refused = cairn_sync_engine_dup_refused_certificate (engine);
      int status;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return cairn_cli_failf (cli, "Sync did not finish within %" G_GUINT64_FORMAT " seconds",
                                seconds);
      status = cairn_cli_fail (cli, error);
      /* The server's certificate changed (a new key): the way out, once
       * the person has compared the fingerprint. */
      if (g_error_matches (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_CERTIFICATE) && refused != NULL)
        g_printerr ("cairn-cli: to trust it: cairn-cli trust-certificate %s\n", refused);
      return status;
    }
  g_source_remove (timeout_id);

  store = cairn_sync_engine_get_store (engine);
  /* Everything else went out; say what the server refused and where it
   * is kept. */
  if (cairn_sync_status_get_state (cairn_sync_engine_get_status (engine)) == CAIRN_SYNC_STATE_REFUSED)
    g_printerr ("cairn-cli: warning: %s (cairn-cli refused lists it)\n",
                cairn_sync_status_get_message (cairn_sync_engine_get_status (engine)));
  if (cli->json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      JsonObject *o = json_object_new ();
      json_object_set_int_member (o, "head", cairn_store_get_head (store));
      json_object_set_int_member (o, "pending", cairn_store_get_pending_count (store));
      json_object_set_int_member (o, "refused",
                                  cairn_sync_status_get_refused_count (cairn_sync_engine_get_status (engine)));
      json_node_take_object (root, o);
      cairn_cli_print_json (cli, root);
    }
  else
    g_print ("Up to date (head %" G_GINT64_FORMAT ")\n", cairn_store_get_head (store));
  return CAIRN_CLI_OK;
}

static int
cmd_status (CairnCli  *cli,
            int        argc,
            char     **argv)
{
  g_autoptr(GError) error = NULL;
  CairnSyncEngine *engine;
  CairnSyncStatus *status;
  CairnStore *store;
  g_autofree char *old_id = NULL;
  gint64 from = 0, at = 0;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if ((engine = open_engine_with_store (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  status = cairn_sync_engine_get_status (engine);
  store = cairn_sync_engine_get_store (engine);

  if (cli->json)
    {
      g_autofree char *text = cairn_sync_status_to_json (status);
      g_autoptr(JsonNode) root = json_from_string (text, NULL);
      JsonObject *o = json_node_get_object (root);

      json_object_set_int_member (o, "head", cairn_store_get_head (store));
      json_object_set_string_member (o, "client_id", cairn_store_get_client_id (store));
      if (cairn_store_get_identity_change (store, &old_id, &from, &at, NULL))
        {
          JsonObject *change = json_object_new ();

          json_object_set_string_member (change, "old_client_id", old_id);
          json_object_set_int_member (change, "client_seq", from);
          json_object_set_int_member (change, "changed_at", at);
          json_object_set_object_member (o, "identity_change", change);
        }
      cairn_cli_print_json (cli, root);
    }
  else
    {
      const char *server = cairn_sync_status_get_server_url (status);

      g_print ("state: %s\n", cairn_sync_state_to_string (cairn_sync_status_get_state (status)));
      g_print ("server: %s\n", server ? server : "(none: not signed in)");
      if (server)
        g_print ("user: %s\n", cairn_sync_status_get_username (status));
      g_print ("workspace: %s\n", cairn_sync_status_get_workspace_id (status));
      g_print ("pending: %u\n", cairn_sync_status_get_pending_count (status));
      if (cairn_sync_status_get_refused_count (status) > 0)
        g_print ("refused: %u (the server refused them for good; cairn-cli refused lists them)\n",
                 cairn_sync_status_get_refused_count (status));
      if (cairn_sync_status_get_last_sync (status) > 0)
        {
          g_autoptr(GDateTime) dt =
            g_date_time_new_from_unix_local (cairn_sync_status_get_last_sync (status) / 1000);
          g_autofree char *text = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
          g_print ("last sync: %s\n", text);
        }
      else
        g_print ("last sync: never\n");
      g_print ("conflicts: %u\n", g_list_model_get_n_items (cairn_sync_status_get_conflicts (status)));
      if (cairn_store_get_identity_change (store, &old_id, &from, &at, NULL))
        {
          g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (at / 1000);
          g_autofree char *text = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");

          g_print ("identity: new client id %s since %s: the server had other changes as "
                   "client %s (from change %" G_GINT64_FORMAT "), from a copy of this profile "
                   "or changes a power cut lost\n",
                   cairn_store_get_client_id (store), text, old_id, from);
        }
    }
  return CAIRN_CLI_OK;
}

static int
cmd_conflicts (CairnCli  *cli,
               int        argc,
               char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  CairnStore *store;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL ||
      (list = cairn_store_list_conflicts (store, &error)) == NULL)
    return cairn_cli_fail (cli, error);

  json_builder_begin_array (b);
  for (guint i = 0; i < list->len; i++)
    {
      CairnConflict *c = g_ptr_array_index (list, i);

      if (cli->json)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "id");
          json_builder_add_int_value (b, cairn_conflict_get_id (c));
          json_builder_set_member_name (b, "kind");
          json_builder_add_string_value (b, cairn_conflict_get_kind (c));
          json_builder_set_member_name (b, "object_id");
          json_builder_add_string_value (b, cairn_conflict_get_object_id (c));
          json_builder_set_member_name (b, "field");
          json_builder_add_string_value (b, cairn_conflict_get_field (c));
          json_builder_set_member_name (b, "ours");
          json_builder_add_string_value (b, cairn_conflict_get_ours (c));
          json_builder_set_member_name (b, "theirs");
          json_builder_add_string_value (b, cairn_conflict_get_theirs (c));
          json_builder_set_member_name (b, "their_device");
          if (cairn_conflict_get_their_device (c))
            json_builder_add_string_value (b, cairn_conflict_get_their_device (c));
          else
            json_builder_add_null_value (b);
          json_builder_set_member_name (b, "seq");
          json_builder_add_int_value (b, cairn_conflict_get_seq (c));
          json_builder_set_member_name (b, "detected_at");
          json_builder_add_int_value (b, cairn_conflict_get_detected_at (c));
          json_builder_end_object (b);
        }
      else
        g_print ("%" G_GINT64_FORMAT "  %s %s %s: yours “%s”, now “%s” from %s\n",
                 cairn_conflict_get_id (c), cairn_conflict_get_kind (c),
                 cairn_conflict_get_object_id (c), cairn_conflict_get_field (c),
                 cairn_conflict_get_ours (c), cairn_conflict_get_theirs (c),
                 cairn_conflict_get_their_device (c) ? cairn_conflict_get_their_device (c)
                                                     : "another device");
    }
  return cairn_cli_end_list (cli, b);
}

static int
conflict_action (CairnCli  *cli,
                 int        argc,
                 char     **argv,
                 gboolean   keep)
{
  g_autoptr(GError) error = NULL;
  const char *args[1] = { NULL };
  CairnStore *store;
  gint64 id;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 1, 1, args))
    return CAIRN_CLI_USAGE;
  if (!g_ascii_string_to_signed (args[0], 10, 1, G_MAXINT64, &id, NULL))
    return cairn_cli_usage (cli, "“%s” is not a conflict id", args[0]);
  if ((store = cairn_cli_get_store (cli, &error)) == NULL)
    return cairn_cli_fail (cli, error);
  if (!(keep ? cairn_store_keep_mine (store, id, &error)
             : cairn_store_dismiss_conflict (store, id, &error)))
    return cairn_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (root, json_object_new ());
      cairn_cli_print_json (cli, root);
    }
  return CAIRN_CLI_OK;
}

static int
cmd_conflict_keep (CairnCli *cli, int argc, char **argv)
{
  return conflict_action (cli, argc, argv, TRUE);
}

static int
cmd_conflict_dismiss (CairnCli *cli, int argc, char **argv)
{
  return conflict_action (cli, argc, argv, FALSE);
}

static int
cmd_refused (CairnCli  *cli,
             int        argc,
             char     **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  g_autoptr(JsonArray) array = NULL;
  CairnStore *store;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 0, 0, NULL))
    return CAIRN_CLI_USAGE;
  if ((store = cairn_cli_get_store (cli, &error)) == NULL ||
      (refused = cairn_store_list_refused (store, &error)) == NULL)
    return cairn_cli_fail (cli, error);

  array = json_array_new ();
  for (guint i = 0; i < refused->len; i++)
    {
      CairnRefusedChange *change = refused->pdata[i];

      if (cli->json)
        {
          JsonObject *o = json_object_new ();

          json_object_set_int_member (o, "id", change->id);
          json_object_set_member (o, "event", cairn_event_to_json (change->event));
          json_object_set_int_member (o, "refused_client_seq", change->refused_client_seq);
          json_object_set_string_member (o, "code", change->code);
          json_object_set_string_member (o, "reason", change->reason);
          json_object_set_int_member (o, "set_aside_at", change->set_aside_at);
          json_array_add_object_element (array, o);
        }
      else
        {
          g_autofree char *text = cairn_refused_change_describe (change);

          g_print ("%" G_GINT64_FORMAT "  %s\n", change->id, text);
        }
    }
  if (cli->json)
    {
      g_autoptr(JsonNode) root = json_node_init_array (json_node_alloc (), array);

      cairn_cli_print_json (cli, root);
    }
  return CAIRN_CLI_OK;
}

static int
cmd_refused_dismiss (CairnCli  *cli,
                     int        argc,
                     char     **argv)
{
  g_autoptr(GError) error = NULL;
  const char *args[1];
  guint64 id;
  CairnStore *store;

  if (!cairn_cli_parse (cli, argc, argv, NULL, 1, 1, args))
    return CAIRN_CLI_USAGE;
  if (!g_ascii_string_to_unsigned (args[0], 10, 1, G_MAXINT64, &id, NULL))
    return cairn_cli_usage (cli, "“%s” is not the id of a refused change", args[0]);
  if ((store = cairn_cli_get_store (cli, &error)) == NULL ||
      !cairn_store_dismiss_refused (store, (gint64) id, &error))
    return cairn_cli_fail (cli, error);
  if (cli->json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);

      json_node_take_object (root, json_object_new ());
      cairn_cli_print_json (cli, root);
    }
  return CAIRN_CLI_OK;
}

const CairnCliCommand cairn_cli_sync_commands[] = {
  { "login",            "URL USER [--device NAME] [--trust-certificate SHA256]",
    "Sign in (password on standard input)", cmd_login },
  { "trust-certificate", "SHA256",
    "Trust the server's new certificate (signed in)", cmd_trust_certificate },
  { "logout",           "",                  "Sign out; local data stays", cmd_logout },
  { "workspaces",       "",                  "Show the workspaces on the server", cmd_workspaces },
  { "workspace-use",    "WS",                "Switch to another workspace", cmd_workspace_use },
  { "share",            "WS USER",           "Let another user into a workspace you own", cmd_share },
  { "sync",             "[--timeout SECONDS]", "Push every change and pull to the server's head", cmd_sync },
  { "status",           "",                  "Show the sync status", cmd_status },
  { "conflicts",        "",                  "Show your changes that another device overwrote", cmd_conflicts },
  { "conflict-keep",    "ID",                "Restore your value (a new change)", cmd_conflict_keep },
  { "conflict-dismiss", "ID",                "Forget a conflict report", cmd_conflict_dismiss },
  { "refused",          "",                  "Show the changes the server refused for good (set aside)", cmd_refused },
  { "refused-dismiss",  "ID",                "Forget a refused change for good", cmd_refused_dismiss },
  { NULL }
};

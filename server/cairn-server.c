/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server.c: cairn-server's entry point and its admin commands (user,
 * workspace, member, migrate-free maintenance). */
#define G_LOG_DOMAIN "cairn-server"
#include "config.h"

#include <glib/gstdio.h>

#include "cairn-server-private.h"

/* ---- admin commands ----------------------------------------------------------------- */

/* One line from stdin, without echo when it is a terminal. */
static char *
read_password (const char *prompt)
{
  struct termios old, quiet;
  gboolean tty = isatty (STDIN_FILENO);
  char buf[CAIRN_PROTOCOL_MAX_PASSWORD_BYTES + 2];
  char *nl;

  if (tty)
    {
      fprintf (stderr, "%s", prompt);
      fflush (stderr);
      tcgetattr (STDIN_FILENO, &old);
      quiet = old;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (STDIN_FILENO, TCSANOW, &quiet);
    }
  if (fgets (buf, sizeof buf, stdin) == NULL)
    buf[0] = '\0';
  if (tty)
    {
      tcsetattr (STDIN_FILENO, TCSANOW, &old);
      fprintf (stderr, "\n");
    }
  if ((nl = strchr (buf, '\n')) != NULL)
    *nl = '\0';
  if ((nl = strchr (buf, '\r')) != NULL)
    *nl = '\0';
  return g_strdup (buf);
}

static char *
generate_password (void)
{
  static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  char pw[21];

  for (guint i = 0; i < 20; i++)
    pw[i] = alphabet[randombytes_uniform (sizeof alphabet - 1)];
  pw[20] = '\0';
  return g_strdup (pw);
}

static int
cmd_user (int    argc,
          char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *database = NULL;
  const GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, "Folder of an SQLite database (this or --database)", "DIR" },
    { "database", 0, 0, G_OPTION_ARG_STRING, &database, "PostgreSQL connection URI (or CAIRN_SERVER_DATABASE)", "URI" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("add|passwd|remove NAME | list - manage users");
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnServerCore) core = NULL;
  CairnServerCoreOptions opts = _cairn_server_core_options_from_env ();
  const char *sub, *name;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "add and passwd read the password from standard input (one line, at least 8 bytes);\n"
    "an empty line generates one and prints it.");
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("cairn-server user: %s\n", error->message);
      return 2;
    }
  if (argc < 2)
    {
      g_printerr ("Usage: cairn-server user add|passwd|remove NAME --data DIR|--database URI\n"
                  "       cairn-server user list --data DIR|--database URI\n");
      return 2;
    }
  sub = argv[1];
  name = argc > 2 ? argv[2] : NULL;
  if ((g_str_equal (sub, "list") && argc != 2) || (!g_str_equal (sub, "list") && argc != 3))
    {
      g_printerr ("cairn-server user %s: wrong number of arguments\n", sub);
      return 2;
    }
  if (!(core = _cairn_server_open_core ("user", data_dir, database, &opts)))
    return 1;

  if (g_str_equal (sub, "list"))
    {
      g_autoptr(GPtrArray) users = cairn_server_core_user_list (core, &error);

      if (users == NULL)
        goto fail;
      for (guint i = 0; i < users->len; i++)
        g_print ("%s\n", (const char *) g_ptr_array_index (users, i));
      return 0;
    }
  if (g_str_equal (sub, "add") || g_str_equal (sub, "passwd"))
    {
      g_autofree char *password = read_password ("Password (empty: generate one): ");
      g_autofree char *ws = NULL;
      gboolean generated = FALSE;
      gboolean ok;

      if (*password == '\0')
        {
          g_free (password);
          password = generate_password ();
          generated = TRUE;
        }
      if (g_str_equal (sub, "add"))
        ok = cairn_server_core_user_add (core, name, password, &ws, &error);
      else
        ok = cairn_server_core_user_passwd (core, name, password, &error);
      if (ok && ws != NULL)
        g_print ("Added user %s with personal workspace %s\n", name, ws);
      else if (ok)
        g_print ("Changed the password of %s and logged out all their devices\n", name);
      if (ok && generated)
        g_print ("Password: %s\n", password);
      sodium_memzero (password, strlen (password));
      if (!ok)
        goto fail;
      return 0;
    }
  if (g_str_equal (sub, "remove"))
    {
      if (!cairn_server_core_user_remove (core, name, &error))
        goto fail;
      g_print ("Removed user %s\n", name);
      return 0;
    }
  g_printerr ("cairn-server user: unknown command \"%s\" (add, passwd, list, remove)\n", sub);
  return 2;

fail:
  g_printerr ("cairn-server user %s: %s\n", sub, error->message);
  return 1;
}

/* Opens the core for an admin command; NULL after printing the error. */
static CairnServerCore *
open_for_admin (const char  *what,
                int         *argc,
                char      ***argv,
                const char  *usage)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *database = NULL;
  const GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, "Folder of an SQLite database (this or --database)", "DIR" },
    { "database", 0, 0, G_OPTION_ARG_STRING, &database, "PostgreSQL connection URI (or CAIRN_SERVER_DATABASE)", "URI" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new (usage);
  g_autoptr(GError) error = NULL;
  CairnServerCoreOptions opts = _cairn_server_core_options_from_env ();

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      g_printerr ("cairn-server %s: %s\n", what, error->message);
      return NULL;
    }
  return _cairn_server_open_core (what, data_dir, database, &opts);
}

static int
cmd_workspace (int    argc,
               char **argv)
{
  g_autoptr(CairnServerCore) core = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  if (!(core = open_for_admin ("workspace", &argc, &argv, "list - list every workspace")))
    return 2;
  if (argc != 2 || !g_str_equal (argv[1], "list"))
    {
      g_printerr ("Usage: cairn-server workspace list --data DIR|--database URI\n");
      return 2;
    }
  if (!(list = cairn_server_core_admin_workspaces (core, &error)))
    {
      g_printerr ("cairn-server workspace list: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < list->len; i++)
    {
      CairnWorkspaceInfo *ws = g_ptr_array_index (list, i);

      g_print ("%s\t%s\t%s%s\n", ws->id, ws->owner, ws->name, ws->personal ? " (personal)" : "");
    }
  return 0;
}

static int
cmd_member (int    argc,
            char **argv)
{
  g_autoptr(CairnServerCore) core = NULL;
  g_autoptr(CairnAuth) owner = NULL;
  g_autoptr(GError) error = NULL;
  const char *sub, *ws;

  if (!(core = open_for_admin ("member", &argc, &argv, "list WS | add WS USER | remove WS USER - manage members")))
    return 2;
  if (argc < 3 ||
      !((g_str_equal (argv[1], "list") && argc == 3) ||
        ((g_str_equal (argv[1], "add") || g_str_equal (argv[1], "remove")) && argc == 4)))
    {
      g_printerr ("Usage: cairn-server member list WORKSPACE --data DIR|--database URI\n"
                  "       cairn-server member add|remove WORKSPACE USER --data DIR|--database URI\n");
      return 2;
    }
  sub = argv[1];
  ws = argv[2];
  /* The admin acts with the owner's rights. */
  if (!(owner = cairn_server_core_admin_owner_auth (core, ws, &error)))
    goto fail;
  if (g_str_equal (sub, "list"))
    {
      g_autoptr(GPtrArray) members = cairn_server_core_members (core, owner, ws, &error);

      if (members == NULL)
        goto fail;
      for (guint i = 0; i < members->len; i++)
        {
          CairnMemberInfo *m = g_ptr_array_index (members, i);
          g_print ("%s\t%s\n", m->username, m->role);
        }
      return 0;
    }
  if (g_str_equal (sub, "add") ? !cairn_server_core_member_add (core, owner, ws, argv[3], &error)
                               : !cairn_server_core_member_remove (core, owner, ws, argv[3], &error))
    goto fail;
  g_print ("%s %s %s workspace %s\n", g_str_equal (sub, "add") ? "Added" : "Removed", argv[3],
           g_str_equal (sub, "add") ? "to" : "from", ws);
  return 0;

fail:
  g_printerr ("cairn-server member %s: %s\n", sub, error->message);
  return 1;
}

/* `migrate --data DIR --database URI`: a data folder's whole store into
 * an empty PostgreSQL database (docs/server.md, "Moving to PostgreSQL"). */
static int
cmd_migrate (int    argc,
             char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *database = NULL;
  const GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, "Folder of the SQLite database to copy (required)", "DIR" },
    { "database", 0, 0, G_OPTION_ARG_STRING, &database, "Empty PostgreSQL database to copy into (or CAIRN_SERVER_DATABASE)", "URI" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- copy a data folder into an empty PostgreSQL database");
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) report = g_string_new (NULL);

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("cairn-server migrate: %s\n", error->message);
      return 2;
    }
  if (database == NULL && g_getenv ("CAIRN_SERVER_DATABASE") != NULL)
    database = g_strdup (g_getenv ("CAIRN_SERVER_DATABASE"));
  if (data_dir == NULL || database == NULL || argc != 1)
    {
      g_printerr ("Usage: cairn-server migrate --data DIR --database URI\n");
      return 2;
    }
  if (!g_file_test (data_dir, G_FILE_TEST_IS_DIR))
    {
      g_printerr ("cairn-server migrate: %s is not a folder\n", data_dir);
      return 1;
    }
  if (!cairn_server_core_migrate_to_database (data_dir, database, report, &error))
    {
      g_printerr ("cairn-server migrate: %s\n", error->message);
      return 1;
    }
  g_print ("Copied %s\n", report->str);
  return 0;
}

/* cairn-server snapshot WORKSPACE: makes one now (issue 17), whatever the
 * thresholds say; a server running on the same folder serves it. */
static int
cmd_snapshot (int    argc,
              char **argv)
{
  g_autoptr(CairnServerCore) core = NULL;
  g_autoptr(GError) error = NULL;
  char *data_dir = NULL;
  g_autofree char *dirname_dir = NULL;
  g_autofree char *tmp_dir = NULL;
  const char *location;
  gboolean ok;
  gint64 seq = 0;
  gsize bytes = 0;
  CairnStateHash hash = { 0 };
  gint64 started;

  if (!(core = open_for_admin ("snapshot", &argc, &argv, "WORKSPACE - make a snapshot of a workspace now")))
    return 2;
  if (argc != 2 || !cairn_is_object_id (argv[1]))
    {
      g_printerr ("Usage: cairn-server snapshot WORKSPACE --data DIR\n");
      return 2;
    }
  /* On PostgreSQL the maker reads through a core of its own on the URI,
   * its private store in a temporary folder (made again from the latest
   * snapshot next time). */
  location = cairn_server_core_get_database_uri (core);
  if (location != NULL)
    data_dir = tmp_dir = g_dir_make_tmp ("cairn-server-snapshot-XXXXXX", &error);
  else
    {
      location = cairn_server_core_get_path (core);
      data_dir = dirname_dir = g_path_get_dirname (location);
    }
  if (data_dir == NULL)
    {
      g_printerr ("cairn-server snapshot: %s\n", error->message);
      return 1;
    }
  started = g_get_monotonic_time ();
  ok = cairn_server_snapshot_make (location, data_dir,
                                   cairn_server_core_now (core), argv[1],
                                   &seq, &bytes, &hash, &error);
  if (tmp_dir != NULL)
    {
      g_autofree char *sub = g_build_filename (tmp_dir, "snapshots", NULL);
      g_autofree char *name = g_strconcat (argv[1], ".db", NULL);
      g_autofree char *work = g_build_filename (sub, name, NULL);
      g_autofree char *wal = g_strconcat (work, "-wal", NULL);
      g_autofree char *shm = g_strconcat (work, "-shm", NULL);

      g_unlink (work);
      g_unlink (wal);
      g_unlink (shm);
      g_rmdir (sub);
      g_rmdir (tmp_dir);
    }
  if (!ok)
    {
      g_printerr ("cairn-server snapshot: %s\n", error->message);
      return 1;
    }
  g_print ("Snapshot of workspace %s at seq %" G_GINT64_FORMAT ": %" G_GSIZE_FORMAT " bytes, %.2f s\n",
           argv[1], seq, bytes, (g_get_monotonic_time () - started) / 1e6);
  if (hash.hash[0] != '\0')
    g_print ("State hash %s (format %s)\n", hash.hash, hash.format);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  if (sodium_init () < 0)
    {
      g_printerr ("cairn-server: cannot initialise libsodium\n");
      return 1;
    }
  if (argc >= 2 && g_str_equal (argv[1], "serve"))
    return _cairn_server_cmd_serve (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "user"))
    return cmd_user (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "workspace"))
    return cmd_workspace (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "member"))
    return cmd_member (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "migrate"))
    return cmd_migrate (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "snapshot"))
    return cmd_snapshot (argc - 1, argv + 1);
  if (argc >= 2 && (g_str_equal (argv[1], "--version") || g_str_equal (argv[1], "version")))
    {
      g_print ("cairn-server %s (protocol %s)\n", PACKAGE_VERSION, CAIRN_PROTOCOL_VERSION);
      return 0;
    }
  g_printerr ("Usage: cairn-server serve --data DIR|--database URI [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE]\n"
              "       cairn-server user add|passwd|remove NAME --data DIR|--database URI\n"
              "       cairn-server user list --data DIR|--database URI\n"
              "       cairn-server workspace list --data DIR|--database URI\n"
              "       cairn-server member list WORKSPACE --data DIR|--database URI\n"
              "       cairn-server member add|remove WORKSPACE USER --data DIR|--database URI\n"
              "       cairn-server migrate --data DIR --database URI\n"
              "       cairn-server snapshot WORKSPACE --data DIR\n"
              "       cairn-server --version\n");
  return 2;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-cli-private.h: what a file of cairn-cli commands builds on.
 *
 * cairn-cli dispatches on a table of commands. A new group of commands
 * lives in its own file (app/cairn-cli-sync.c, app/cairn-cli-text.c …)
 * that defines a NULL-terminated CairnCliCommand array, declared below and
 * listed in command_tables[] in app/cairn-cli.c, and is added to
 * cairn_cli_sources in app/meson.build.
 *
 * A handler gets the arguments after the command name (global options
 * --profile and --json are already taken out) and returns the exit status:
 * CAIRN_CLI_OK, CAIRN_CLI_FAILED after cairn_cli_fail*() (one line on
 * stderr), or CAIRN_CLI_USAGE after cairn_cli_usage() (message and usage
 * line on stderr). In --json mode a command prints exactly one JSON value
 * on one line of stdout.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cairn-profile.h"
#include "cairn-pool.h"
#include "cairn-store.h"
#include "cairn-workspace.h"

G_BEGIN_DECLS

enum
{
  CAIRN_CLI_OK     = 0,
  CAIRN_CLI_FAILED = 1,
  CAIRN_CLI_USAGE  = 2,
};

typedef struct _CairnCli        CairnCli;
typedef struct _CairnCliCommand CairnCliCommand;

typedef int (*CairnCliHandler) (CairnCli  *cli,
                                int        argc,
                                char     **argv);

struct _CairnCliCommand
{
  const char      *name;     /* "list-add" */
  const char      *args;     /* usage after the name: "TITLE", or "" */
  const char      *summary;  /* one line for `help` */
  CairnCliHandler  handler;
  gconstpointer    data;     /* for a handler that serves several commands */
};

struct _CairnCli
{
  char                  *profile_dir;  /* --profile, or NULL */
  gboolean               json;         /* --json */
  const CairnCliCommand *command;      /* the one running */
  /*< private >*/
  CairnWorkspace        *workspace;
};

/* Opened on first use (so that commands that need no store, such as
 * `login`, never create one); transfer none; NULL with error. The
 * workspace is the profile's current one, opened as it is
 * (cairn_workspace_open_store()); its engine is made when a command asks
 * for it. */
CairnWorkspace *cairn_cli_get_workspace (CairnCli *cli, GError **error);
CairnProfile   *cairn_cli_get_profile   (CairnCli *cli, GError **error);
CairnStore     *cairn_cli_get_store     (CairnCli *cli, GError **error);
CairnPool      *cairn_cli_get_pool      (CairnCli *cli, GError **error);

/* Prints "cairn-cli: MESSAGE" on stderr; returns CAIRN_CLI_FAILED. */
int  cairn_cli_fail  (CairnCli *cli, const GError *error);
int  cairn_cli_failf (CairnCli *cli, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* Prints "cairn-cli: COMMAND: MESSAGE" (when format is not NULL) and the
 * command's usage line on stderr; returns CAIRN_CLI_USAGE. */
int  cairn_cli_usage (CairnCli *cli, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Prints node as compact JSON on one line of stdout. */
void cairn_cli_print_json (CairnCli *cli, JsonNode *node);
/* For a command that lists rows as text lines, or with --json as one
 * array built in builder: ends that array, prints it in --json mode;
 * returns CAIRN_CLI_OK. */
int  cairn_cli_end_list   (CairnCli *cli, JsonBuilder *builder);

/* Command options. A flag sets *(gboolean *)target; an option with a value
 * sets *(const char **)target to the next argument (or to what follows
 * "="). The array ends with a NULL name. */
typedef struct
{
  const char *name;         /* "--all" */
  gboolean    takes_value;
  gpointer    target;
} CairnCliOption;

/* Splits argv into options and positional arguments ("--" ends options;
 * "-" alone is positional). Between min_args and max_args positionals are
 * stored in args[]. On FALSE a usage error has been printed: return
 * CAIRN_CLI_USAGE. */
gboolean cairn_cli_parse (CairnCli             *cli,
                          int                   argc,
                          char                **argv,
                          const CairnCliOption *options,
                          guint                 min_args,
                          guint                 max_args,
                          const char          **args);

/* Tables of commands, each ending with a NULL name. */
extern const CairnCliCommand cairn_cli_data_commands[];
extern const CairnCliCommand cairn_cli_sync_commands[];
extern const CairnCliCommand cairn_cli_text_commands[];
extern const CairnCliCommand cairn_cli_tags_commands[];

/* The id of the live tag named name (case-insensitively), creating it
 * when there is none (cairn-cli-tags.c). */
char *cairn_cli_ensure_tag (CairnStore *store, const char *name, GError **error);
extern const CairnCliCommand cairn_cli_subtask_commands[];
/* Undo and redo (cairn-cli-undo.c). */
extern const CairnCliCommand cairn_cli_undo_commands[];

/* Due times, reminders and repeats (cairn-cli-times.c). */
extern const CairnCliCommand cairn_cli_times_commands[];
/* "YYYY-MM-DD[THH:MM]" into the date and the time (NULL without one);
 * the store checks both. */
gboolean cairn_cli_split_due     (const char *arg, char **date, char **time);
/* A reminder in this device's zone, "YYYY-MM-DD HH:MM", and the time and
 * offset it was set with when they differ. */
char    *cairn_cli_format_moment (const char *moment);
/* "  remind …  repeat …" for what is set. */
void     cairn_cli_append_times  (GString *line, const char *reminder, gboolean dismissed,
                                  const char *repeat);
/* The views and search (cairn-cli-views.c), and how they show a todo:
 * into builder with --json, else as a line of `todos` (cairn-cli-data.c). */
extern const CairnCliCommand cairn_cli_views_commands[];
/* History, activity and restoring a version (cairn-cli-history.c). */
extern const CairnCliCommand cairn_cli_history_commands[];
void cairn_cli_add_todo (CairnCli *cli, CairnPool *pool, CairnTodo *todo, JsonBuilder *builder);
/* The hash of the confirmed state (cairn-cli-hash.c). */
extern const CairnCliCommand cairn_cli_hash_commands[];

/* Snapshots and log compaction (cairn-cli-snapshot.c, issue 17). */
extern const CairnCliCommand cairn_cli_snapshot_commands[];

G_END_DECLS

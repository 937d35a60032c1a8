/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-cli.c: cairn-cli's argument parsing, and the data and text
 * commands behind it, on any arguments.
 *
 * Compiles app/cairn-cli.c itself (its main() renamed) and calls that main
 * as the shell would. Input: arguments separated by NUL bytes; an empty
 * argument ends one command line and starts the next (up to four, sharing
 * one profile). "$LAST" stands for the last line the previous command
 * printed (the id of what it created), "$ID" for a list created before
 * the input runs. Each input starts from a fresh profile.
 *
 * --profile is kept but pointed inside the fuzzer's own folder, and the
 * sync commands are skipped (they talk to a server or read a password from
 * standard input). Output is dropped. A command must never crash, and
 * must exit with 0, 1 (failed, one line on stderr) or 2 (usage).
 */
#define G_LOG_DOMAIN "cairn-cli"
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "fuzz-common.h"

/* cairn-cli.c's main(), called with the fuzzer's arguments. */
int cairn_cli_main (int argc, char **argv);
#define main cairn_cli_main
#include "../../app/cairn-cli.c"
#undef main

#define MAX_COMMANDS 4
#define MAX_ARGS     32

static const char *work_dir;
static char *profile_dir;
static char *alt_dir;
static GString *last_line;
static guint n_error_lines;

static void
capture_print (const char *text)
{
  const char *nl;

  /* Keep the last non-empty line printed. */
  while ((nl = strchr (text, '\n')) != NULL)
    {
      if (nl > text)
        g_string_assign (last_line, "");
      g_string_append_len (last_line, text, nl - text);
      text = nl + 1;
      if (*text == '\0')
        return;
    }
  g_string_assign (last_line, text);
}

static void
count_printerr (const char *text)
{
  n_error_lines++;
}

static int
run_cli (GPtrArray *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  int status;

  g_ptr_array_add (argv, g_strdup ("cairn-cli"));
  for (guint i = 0; i < args->len; i++)
    g_ptr_array_add (argv, g_strdup (g_ptr_array_index (args, i)));
  g_ptr_array_add (argv, NULL);
  /* main() may reorder argv's pointers (the global options are taken
   * out): hand it a copy of the array so that every string is freed. */
  {
    g_autofree char **copy = g_memdup2 (argv->pdata, argv->len * sizeof (char *));

    g_string_truncate (last_line, 0);
    status = cairn_cli_main (argv->len - 1, copy);
  }
  return status;
}

static gboolean
is_sync_command (const char *name)
{
  for (const CairnCliCommand *c = cairn_cli_sync_commands; c->name != NULL; c++)
    if (strcmp (c->name, name) == 0)
      return TRUE;
  return FALSE;
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  cairn_fuzz_init ();
  work_dir = cairn_fuzz_make_work_dir ("cli");
  profile_dir = g_build_filename (work_dir, "profile", NULL);
  alt_dir = g_build_filename (work_dir, "other-profile", NULL);
  last_line = g_string_new (NULL);
  g_setenv ("CAIRN_PROFILE", profile_dir, TRUE);
  g_setenv ("XDG_DATA_HOME", work_dir, TRUE);
  g_set_print_handler (capture_print);
  g_set_printerr_handler (count_printerr);
  return 0;
}

/* One command line: --profile pointed at alt_dir, $LAST and $ID replaced.
 * FALSE when it is one to skip (a sync command). */
static gboolean
prepare (GPtrArray  *args,
         const char *list_id)
{
  gboolean options_done = FALSE;
  const char *command = NULL;

  for (guint i = 0; i < args->len; i++)
    {
      char *arg = g_ptr_array_index (args, i);
      g_autoptr(GString) s = g_string_new (arg);

      g_string_replace (s, "$LAST", last_line->str, 0);
      g_string_replace (s, "$ID", list_id, 0);
      g_free (arg);
      arg = args->pdata[i] = g_string_free (g_steal_pointer (&s), FALSE);

      if (options_done)
        continue;
      if (strcmp (arg, "--") == 0)
        options_done = TRUE;
      else if (g_str_has_prefix (arg, "--profile="))
        {
          g_free (arg);
          args->pdata[i] = g_strconcat ("--profile=", alt_dir, NULL);
        }
      else if (strcmp (arg, "--profile") == 0)
        {
          if (i + 1 < args->len)
            {
              g_free (args->pdata[i + 1]);
              args->pdata[i + 1] = g_strdup (alt_dir);
            }
          i++;
        }
      else if (command == NULL && strcmp (arg, "--json") != 0)
        command = arg;
    }
  return command == NULL || !is_sync_command (command);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *args = NULL;
  g_autofree char *list_id = NULL;
  gsize start = 0;

  /* Split: NUL ends an argument, an empty argument ends a command line. */
  for (gsize i = 0; i <= size; i++)
    {
      if (i < size && data[i] != '\0')
        continue;
      if (i == start)
        args = NULL;
      else
        {
          if (args == NULL)
            {
              if (lines->len == MAX_COMMANDS)
                break;
              args = g_ptr_array_new_with_free_func (g_free);
              g_ptr_array_add (lines, args);
            }
          if (args->len < MAX_ARGS)
            g_ptr_array_add (args, g_strndup ((const char *) data + start, i - start));
        }
      start = i + 1;
    }

  cairn_fuzz_remove_tree (profile_dir);
  cairn_fuzz_remove_tree (alt_dir);
  {
    g_autoptr(GPtrArray) setup = g_ptr_array_new_with_free_func (g_free);

    g_ptr_array_add (setup, g_strdup ("list-add"));
    g_ptr_array_add (setup, g_strdup ("Groceries"));
    g_assert_cmpint (run_cli (setup), ==, 0);
    list_id = g_strdup (last_line->str);
  }

  for (guint l = 0; l < lines->len; l++)
    {
      GPtrArray *line = g_ptr_array_index (lines, l);
      guint errors_before = n_error_lines;
      int status;

      if (!prepare (line, list_id))
        continue;
      status = run_cli (line);
      if (status != CAIRN_CLI_OK && status != CAIRN_CLI_FAILED && status != CAIRN_CLI_USAGE)
        g_error ("cairn-cli exited with %d", status);
      if (status != CAIRN_CLI_OK && n_error_lines == errors_before)
        g_error ("cairn-cli failed (%d) without saying why", status);
    }
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-common.c: logging and input filters shared by the fuzz targets. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include <glib/gstdio.h>

#include "fuzz-common.h"

static void
quiet_log (const char     *domain,
           GLogLevelFlags  level,
           const char     *message,
           gpointer        user_data)
{
  /* GLib ends a fatal message with SIGTRAP, which libFuzzer does not catch
   * (no artifact would be written): abort instead. */
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    {
      g_printerr ("%s: %s\n", domain ? domain : "(none)", message);
      abort ();
    }
}

/* CAIRN_FUZZ_REPORT_KNOWN=1: check what is known and left open too. */
static gboolean report_known;

/* json-glib and GLib allocate some things once, the first time a path runs
 * (error quarks and their strings, GScanner's tables): done during the
 * first input that takes the path, LeakSanitizer takes them for that
 * input's leak. Take every such path here, before any input. */
static void
warm_up_json (void)
{
  static const char *const texts[] = {
    "{}", "[1,2]", "{\"a\":[1,{\"b\":null}],\"c\":\"\\u00e9\"}", "{\"a\":1.5e3}", "",
    "{", "[10,2]{\"a\":1}", "{\"a\":\"\\ud83d\\udzzz\"}", "{\"a\":\"\\ud800\"}", "{\"a\":tru}",
    "{\"a\" 1}", "{\"a\":1,}", "[1,]", "\"\\x\"", "{\"a\":\"\xff\"}", "nul", "-", "1e", "{\"a\":\"\n\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    for (guint immutable = 0; immutable < 2; immutable++)
      {
        g_autoptr(JsonParser) parser = immutable ? json_parser_new_immutable () : json_parser_new ();
        g_autoptr(GError) error = NULL;

        json_parser_load_from_data (parser, texts[i], -1, &error);
      }
}

void
cairn_fuzz_init (void)
{
  report_known = g_strcmp0 (g_getenv ("CAIRN_FUZZ_REPORT_KNOWN"), "1") == 0;
  warm_up_json ();
  g_log_set_default_handler (quiet_log, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
}

void
cairn_fuzz_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        cairn_fuzz_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static char *work_dir;

static void
remove_work_dir (void)
{
  cairn_fuzz_remove_tree (work_dir);
}

char *
cairn_fuzz_make_work_dir (const char *name)
{
  /* In memory when possible: the targets write SQLite files. */
  const char *tmp = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir ();
  g_autofree char *pattern = g_strdup_printf ("%s/cairn-fuzz-%s-XXXXXX", tmp, name);

  g_assert (work_dir == NULL);
  work_dir = g_mkdtemp (g_steal_pointer (&pattern));
  g_assert (work_dir != NULL);
  atexit (remove_work_dir);
  return work_dir;
}

gboolean
cairn_fuzz_report_known (void)
{
  return report_known;
}

gboolean
cairn_fuzz_too_deep (const char *data,
                     gsize       len)
{
  return cairn_fuzz_json_depth (data, len) > CAIRN_FUZZ_MAX_DEPTH;
}

guint
cairn_fuzz_json_depth (const char *data,
                       gsize       len)
{
  guint depth = 0, deepest = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        deepest = MAX (deepest, ++depth);
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return deepest;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-text-decode.c: decode only. Times cairn_text_decode_state()
 * of stored text states and prints one JSON line per state.
 *
 * Usage: cairn-bench-text-decode STATE... (files as CAIRN_BENCH_STATE_OUT
 *        of cairn-bench-text writes them)
 * Env:   CAIRN_BENCH_RUNS (default 50): the best of that many is printed.
 *
 * Output: {"state","bytes","decode_ms","decode_cpu_ms","text_ms",
 *          "first_use_ms","ok"}
 * decode_ms, decode_cpu_ms: the fastest decode, in wall and thread CPU
 * time; text_ms: decode and cairn_text_get_text() of the result (what
 * Loro's figure in bench/peers/decode-text.mjs holds: import, then
 * toString); first_use_ms: decode, then cairn_text_get_version() and
 * cairn_text_ops_since() from the empty version, which read the whole
 * history (whatever decode leaves for later is paid there). ok: every
 * decode succeeded and ops_since() rebuilt the same text.
 */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cairn-text.h"

#include "bench-util.h"

#define CLIENT "ffffffffffffffffffffffffffffffff"

static double
wall_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static gboolean
bench_state (const char *path,
             guint       runs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) state = NULL;
  g_autofree char *data = NULL;
  g_autofree char *text = NULL;
  g_autofree char *base = g_path_get_basename (path);
  double best = -1, best_cpu = -1, best_text = -1, best_use = -1;
  gsize len;
  gboolean ok = TRUE;

  if (!g_file_get_contents (path, &data, &len, &error))
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }
  state = g_bytes_new_take (g_steal_pointer (&data), len);

  for (guint run = 0; run < runs && ok; run++)
    {
      CairnText *t;
      double w0, c0, w, c;
      char *s;

      w0 = wall_ms ();
      c0 = bench_thread_cpu_ms ();
      t = cairn_text_decode_state (state, CLIENT, &error);
      c = bench_thread_cpu_ms () - c0;
      w = wall_ms () - w0;
      if (t == NULL)
        {
          g_printerr ("%s: %s\n", path, error->message);
          return FALSE;
        }
      best = best < 0 ? w : MIN (best, w);
      best_cpu = best_cpu < 0 ? c : MIN (best_cpu, c);
      cairn_text_free (t);

      w0 = wall_ms ();
      t = cairn_text_decode_state (state, CLIENT, NULL);
      s = cairn_text_get_text (t, NULL);
      w = wall_ms () - w0;
      best_text = best_text < 0 ? w : MIN (best_text, w);
      if (text == NULL)
        text = s;
      else
        g_free (s);
      cairn_text_free (t);
    }

  for (guint run = 0; run < MAX (runs / 5, 1) && ok; run++)
    {
      g_autoptr(CairnTextVersion) empty = cairn_text_version_new ();
      g_autoptr(CairnTextVersion) v = NULL;
      g_autoptr(GError) apply_error = NULL;
      CairnTextOps *ops;
      CairnText *t, *again;
      double w0, w;
      g_autofree char *s = NULL;

      w0 = wall_ms ();
      t = cairn_text_decode_state (state, CLIENT, NULL);
      v = cairn_text_get_version (t);
      ops = cairn_text_ops_since (t, empty);
      w = wall_ms () - w0;
      best_use = best_use < 0 ? w : MIN (best_use, w);
        {
          again = cairn_text_new ("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", NULL);
          if (!cairn_text_apply (again, ops, 0, &apply_error))
            {
              g_printerr ("%s: apply: %s\n", path, apply_error->message);
              ok = FALSE;
            }
          /* A document from a compact state gives U+FFFD for deleted
           * text; the visible text is the same either way. */
          s = cairn_text_get_text (again, NULL);
          if (strcmp (s, text) != 0)
            {
              g_printerr ("%s: ops_since() does not rebuild the text\n", path);
              ok = FALSE;
            }
          cairn_text_free (again);
          cairn_text_ops_free (ops);
        }
      cairn_text_free (t);
    }

  printf ("{\"state\": \"%s\", \"bytes\": %" G_GSIZE_FORMAT ", \"decode_ms\": %.3f, "
          "\"decode_cpu_ms\": %.3f, \"text_ms\": %.3f, \"first_use_ms\": %.3f, \"ok\": %s}\n",
          base, len, best, best_cpu, best_text, best_use, ok ? "true" : "false");
  return ok;
}

int
main (int    argc,
      char **argv)
{
  const char *env = g_getenv ("CAIRN_BENCH_RUNS");
  guint runs = env != NULL ? MAX (atoi (env), 1) : 50;
  gboolean ok = TRUE;

  if (argc < 2)
    {
      g_printerr ("Usage: %s STATE...\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    ok &= bench_state (argv[i], runs);
  return ok ? 0 : 1;
}

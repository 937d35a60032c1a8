/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-connections.c: what one connection leaves behind in
 * cairn-server, as JSON lines.
 *
 * Opens connection after connection to a real cairn-server, each with one
 * GET /v1/health and "Connection: close", read to its end, and prints the
 * server's resident memory (VmRSS) after a warm-up and after each step. A
 * server that frees everything a connection used stays flat; one that
 * keeps something per connection grows by that much each time
 * (docs/server.md, "Connections").
 *
 * Run from the build tree: CAIRN_BUILD_ROOT=build build/bench/cairn-bench-connections
 * [--quick] [--connections N]. CAIRN_BUILD_ROOT may point at another
 * build to measure its server side by side.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cairn-test-server.h"

#define WARMUP 2000
#define STEPS 4

/* The server's resident memory in KiB, from /proc. */
static gint64
server_rss_kib (CairnTestServer *srv)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", g_subprocess_get_identifier (srv->proc));
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL) || !(line = strstr (text, "\nVmRSS:")))
    g_error ("Cannot read VmRSS from %s", path);
  return g_ascii_strtoll (line + strlen ("\nVmRSS:"), NULL, 10);
}

/* One connection, one request, read until the server closes it. */
static void
one_connection (CairnTestServer *srv)
{
  static const char request[] = "GET /v1/health HTTP/1.1\r\nHost: localhost\r\n"
                                "Connection: close\r\n\r\n";
  g_autoptr(GSocketConnection) conn = cairn_test_server_connect_raw (srv);
  g_autoptr(GError) error = NULL;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  char buf[1024];
  gsize total = 0;
  gssize n;

  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), request,
                                  sizeof request - 1, NULL, NULL, &error))
    g_error ("Cannot send the request: %s", error->message);
  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, &error)) > 0)
    {
      if (total == 0 && (n < 12 || memcmp (buf, "HTTP/1.1 200", 12) != 0))
        g_error ("Unexpected answer: %.*s", (int) MIN (n, 64), buf);
      total += n;
    }
  if (n < 0)
    g_error ("Cannot read the answer: %s", error->message);
  if (total == 0)
    g_error ("The server closed the connection without an answer");
}

int
main (int   argc,
      char *argv[])
{
  /* Every connection comes from 127.0.0.1, one at a time; the server may
   * take a moment to let go of the last few. */
  const char *args[] = { "--max-connections-per-address", "1000", NULL };
  CairnTestServer *srv;
  guint n = 20000;
  gint64 base;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--quick"))
        n = 2000;
      else if (g_str_equal (argv[i], "--connections") && i + 1 < argc)
        n = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
      else
        {
          g_printerr ("Usage: %s [--quick] [--connections N]\n", argv[0]);
          return 2;
        }
    }

  srv = cairn_test_server_new ();
  cairn_test_server_start_full (srv, NULL, args);
  for (guint i = 0; i < WARMUP; i++)
    one_connection (srv);
  base = server_rss_kib (srv);
  g_print ("{\"bench\":\"connections\",\"connections\":0,\"rss_kib\":%" G_GINT64_FORMAT "}\n", base);
  for (guint step = 1; step <= STEPS; step++)
    {
      guint upto = n / STEPS * step;
      gint64 rss;

      for (guint i = n / STEPS * (step - 1); i < upto; i++)
        one_connection (srv);
      rss = server_rss_kib (srv);
      g_print ("{\"bench\":\"connections\",\"connections\":%u,\"rss_kib\":%" G_GINT64_FORMAT ","
               "\"bytes_per_connection\":%.0f}\n", upto, rss, (rss - base) * 1024.0 / upto);
    }
  cairn_test_server_stop (srv, FALSE);
  cairn_test_server_free (srv);
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-connections.c: what one connection leaves behind in
 * cairn-server, as JSON lines.
 *
 * Opens connection after connection to a real cairn-server, each with one
 * GET /v1/health and "Connection: close", read to its end, and prints the
 * server's resident memory (VmRSS) after a warm-up (--warmup, 2,000) and
 * after each quarter, and the seconds the quarter took. A
 * server that frees everything a connection used stays flat; one that
 * keeps something per connection grows by that much each time
 * (docs/server.md, "Connections").
 *
 * With --tls the server serves HTTPS (a self-signed certificate made
 * with openssl) and each connection does the TLS handshake first.
 *
 * Run from the build tree: CAIRN_BUILD_ROOT=build build/bench/cairn-bench-connections
 * [--quick] [--connections N] [--warmup N] [--tls]. CAIRN_BUILD_ROOT may point at
 * another build to measure its server side by side.
 */
#include "config.h"

#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "cairn-test-server.h"

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

static gboolean tls;

static gboolean
accept_any (GTlsConnection       *conn,
            GTlsCertificate      *cert,
            GTlsCertificateFlags  errors,
            gpointer              user_data)
{
  return TRUE;   /* the bench's own self-signed certificate */
}

/* One connection, one request, read until the server closes it. */
static void
one_connection (CairnTestServer *srv)
{
  static const char request[] = "GET /v1/health HTTP/1.1\r\nHost: localhost\r\n"
                                "Connection: close\r\n\r\n";
  g_autoptr(GSocketConnection) raw = cairn_test_server_connect_raw (srv);
  g_autoptr(GIOStream) conn = NULL;
  g_autoptr(GError) error = NULL;
  GInputStream *in;
  char buf[1024];
  gsize total = 0;
  gssize n;

  /* As libsoup's clients do: without it, the TLS handshake's small
   * writes wait for delayed acknowledgements (40 ms a connection). */
  g_socket_set_option (g_socket_connection_get_socket (raw), IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  if (tls)
    {
      /* No database: the certificate is accepted below anyway, and the
       * system's would cost the client time at every handshake. */
      conn = g_initable_new (g_tls_backend_get_client_connection_type (g_tls_backend_get_default ()),
                             NULL, &error, "base-io-stream", raw, "database", NULL, NULL);
      if (conn == NULL)
        g_error ("Cannot start TLS: %s", error->message);
      g_signal_connect (conn, "accept-certificate", G_CALLBACK (accept_any), NULL);
      if (!g_tls_connection_handshake (G_TLS_CONNECTION (conn), NULL, &error))
        g_error ("TLS handshake failed: %s", error->message);
    }
  else
    conn = g_object_ref (G_IO_STREAM (raw));
  in = g_io_stream_get_input_stream (conn);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (conn), request,
                                  sizeof request - 1, NULL, NULL, &error))
    g_error ("Cannot send the request: %s", error->message);
  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, &error)) > 0)
    {
      if (total == 0 && (n < 12 || memcmp (buf, "HTTP/1.1 200", 12) != 0))
        g_error ("Unexpected answer: %.*s", (int) MIN (n, 64), buf);
      total += n;
    }
  /* A TLS server may end without close_notify: the answer is whole. */
  if (n < 0 && !(tls && total > 0))
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
  const char *args[] = { "--max-connections-per-address", "1000", NULL, NULL, NULL, NULL, NULL };
  CairnTestServer *srv;
  guint n = 20000, warmup = 2000;
  gint64 base;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--quick"))
        n = 2000;
      else if (g_str_equal (argv[i], "--connections") && i + 1 < argc)
        n = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
      else if (g_str_equal (argv[i], "--warmup") && i + 1 < argc)
        warmup = (guint) g_ascii_strtoull (argv[++i], NULL, 10);
      else if (g_str_equal (argv[i], "--tls"))
        tls = TRUE;
      else
        {
          g_printerr ("Usage: %s [--quick] [--connections N] [--warmup N] [--tls]\n", argv[0]);
          return 2;
        }
    }

  srv = cairn_test_server_new ();
  if (tls)
    {
      g_autofree char *openssl = g_find_program_in_path ("openssl");
      char *cert = g_build_filename (srv->dir, "cert.pem", NULL);
      char *key = g_build_filename (srv->dir, "key.pem", NULL);
      const char *argv_openssl[] = { openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                     "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                                     "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", NULL };
      g_autoptr(GError) error = NULL;
      int status = -1;

      if (openssl == NULL)
        g_error ("--tls needs openssl, to make a certificate");
      if (!g_spawn_sync (NULL, (char **) argv_openssl, NULL,
                         G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                         NULL, NULL, NULL, NULL, &status, &error) ||
          !g_spawn_check_wait_status (status, &error))
        g_error ("Cannot make a certificate: %s", error->message);
      args[2] = "--tls-cert";
      args[3] = cert;   /* kept until the end: the server reads them at start */
      args[4] = "--tls-key";
      args[5] = key;
    }
  cairn_test_server_start_full (srv, NULL, args);
  for (guint i = 0; i < warmup; i++)
    one_connection (srv);
  base = server_rss_kib (srv);
  g_print ("{\"bench\":\"connections\",\"tls\":%s,\"connections\":0,\"rss_kib\":%" G_GINT64_FORMAT "}\n",
           tls ? "true" : "false", base);
  for (guint step = 1; step <= STEPS; step++)
    {
      guint upto = n / STEPS * step;
      gint64 rss, start = g_get_monotonic_time ();

      for (guint i = n / STEPS * (step - 1); i < upto; i++)
        one_connection (srv);
      rss = server_rss_kib (srv);
      g_print ("{\"bench\":\"connections\",\"tls\":%s,\"connections\":%u,\"rss_kib\":%" G_GINT64_FORMAT ","
               "\"bytes_per_connection\":%.0f,\"seconds\":%.2f}\n", tls ? "true" : "false", upto, rss,
               (rss - base) * 1024.0 / upto, (g_get_monotonic_time () - start) / 1e6);
    }
  cairn_test_server_stop (srv, FALSE);
  cairn_test_server_free (srv);
  return 0;
}

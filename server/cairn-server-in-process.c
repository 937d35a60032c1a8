/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-in-process.c: cairn-server's handlers fed from memory.
 *
 * Links the parts of cairn-server (all but its main() and admin commands)
 * and sets the server up as cmd_serve() does (without listening or
 * signals), so that the very handlers `serve` installs answer here,
 * without a socket. */

#define G_LOG_DOMAIN "cairn-server"
#include "config.h"

#include "cairn-server-private.h"
#include "cairn-server-in-process.h"

struct _CairnServerInProcess
{
  Server  server;
  guint   finished;   /* requests answered (or aborted) so far */
};

static void
on_request_counted (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  CairnServerInProcess *self = user_data;

  self->finished++;
}

/* What cmd_serve() sets up, without listening or signals. */
CairnServerInProcess *
cairn_server_in_process_new (CairnServerCore *core)
{
  CairnServerInProcess *ip = g_new0 (CairnServerInProcess, 1);
  Server *self = &ip->server;

  g_return_val_if_fail (core != NULL, NULL);

  if (sodium_init () < 0)
    g_error ("cannot initialise libsodium");
  /* The request log (a line on stderr per request) is left out unless
   * CAIRN_SERVER_IN_PROCESS_LOG=1: a fuzzer sends millions. */
  _cairn_server_quiet_log = g_strcmp0 (g_getenv ("CAIRN_SERVER_IN_PROCESS_LOG"), "1") != 0;
  _cairn_server_setup (self, core);
  g_signal_connect_after (self->soup, "request-finished", G_CALLBACK (on_request_counted), ip);
  g_signal_connect_after (self->soup, "request-aborted", G_CALLBACK (on_request_counted), ip);
  return ip;
}

void
cairn_server_in_process_free (CairnServerInProcess *ip)
{
  Server *self;

  if (ip == NULL)
    return;
  self = &ip->server;
  /* As at the end of cmd_serve(). */
  _cairn_server_teardown (self, 0);
  g_free (ip);
}

static gboolean
on_in_process_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

guint
cairn_server_in_process_request (CairnServerInProcess *ip,
                                 const char           *method,
                                 const char           *target,
                                 const char * const   *headers,
                                 const char           *body,
                                 gsize                 body_len,
                                 guint                 timeout_ms,
                                 char                **out_body,
                                 gsize                *out_len)
{
  g_autoptr(GString) request = g_string_new (NULL);
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new_from_string ("127.0.0.1", 8080);
  g_autoptr(GSocketAddress) remote = g_inet_socket_address_new_from_string ("127.0.0.1", 40000);
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessageHeaders) response_headers = NULL;
  gboolean timed_out = FALSE;
  guint timeout, status = 0;
  guint goal = ip->finished + 1;
  const char *text, *end_of_headers;
  gsize text_len;

  g_string_append_printf (request, "%s %s HTTP/1.1\r\nHost: localhost\r\n", method, target);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    g_string_append_printf (request, "%s\r\n", headers[i]);
  g_string_append_printf (request, "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n", body_len);
  g_string_append_len (request, body, body_len);

  in = g_memory_input_stream_new_from_data (g_memdup2 (request->str, request->len), request->len, g_free);
  out = g_memory_output_stream_new_resizable ();
  stream = g_simple_io_stream_new (in, out);
  if (!soup_server_accept_iostream (ip->server.soup, stream, local, remote, &error))
    g_error ("soup_server_accept_iostream: %s", error->message);

  timeout = g_timeout_add (timeout_ms, on_in_process_timeout, &timed_out);
  while (ip->finished < goal && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  /* Let the connection finish writing and close. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  *out_body = NULL;
  *out_len = 0;
  text = g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out));
  text_len = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
  end_of_headers = text ? g_strstr_len (text, text_len, "\r\n\r\n") : NULL;
  if (timed_out || end_of_headers == NULL)
    return 0;
  response_headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  {
    /* libsoup's parser reads numbers with strtol(): give it a string. */
    g_autofree char *head = g_strndup (text, end_of_headers + 4 - text);

    if (!soup_headers_parse_response (head, strlen (head), response_headers, NULL, &status, NULL))
      g_error ("cairn-server wrote an answer libsoup cannot parse");
  }
  *out_len = text_len - (end_of_headers + 4 - text);
  *out_body = g_malloc (*out_len + 1);
  memcpy (*out_body, end_of_headers + 4, *out_len);
  (*out_body)[*out_len] = '\0';
  return status;
}

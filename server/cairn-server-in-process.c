/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-in-process.c: cairn-server's handlers fed from memory.
 *
 * Compiles server/cairn-server.c itself (its main() renamed, never called)
 * so that the very handlers `serve` installs answer here, without a
 * listening socket; nothing in cairn-server.c changes for it. */

#define G_LOG_DOMAIN "cairn-server"
#include <stdarg.h>
#include <glib.h>
#include <stdio.h>

/* cairn-server.c's main(), kept out of the way. */
int cairn_server_main (int argc, char **argv);

/* The request log (one line on stderr per request, log_line()) is left out
 * unless CAIRN_SERVER_IN_PROCESS_LOG=1: a fuzzer sends millions. */
static int in_process_fprintf (FILE *stream, const char *format, ...) G_GNUC_PRINTF (2, 3);

#define main cairn_server_main
#define fprintf in_process_fprintf
#include "cairn-server.c"
#undef fprintf
#undef main

static int
in_process_fprintf (FILE       *stream,
                    const char *format,
                    ...)
{
  static int log = -1;
  va_list args;
  int n;

  if (log < 0)
    log = g_strcmp0 (g_getenv ("CAIRN_SERVER_IN_PROCESS_LOG"), "1") == 0;
  if (stream == stderr && !log)
    return 0;
  va_start (args, format);
  n = vfprintf (stream, format, args);
  va_end (args);
  return n;
}

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
  self->core = core;
  self->max_live_per_user = DEFAULT_MAX_LIVE_PER_USER;
  self->max_checks_waiting = DEFAULT_MAX_CHECKS_WAITING;
  self->max_conns_per_address = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  self->addr_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->request_timeout_s = DEFAULT_REQUEST_TIMEOUT_SECONDS;
  self->live = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->live_per_user = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->loop = g_main_loop_new (NULL, FALSE);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_push_free);
  cairn_server_core_set_group_func (self->core, on_group_done, self);
  self->soup = soup_server_new ("server-header", "cairn-server/" PACKAGE_VERSION " ", NULL);
  soup_server_add_early_handler (self->soup, NULL, handle_early, self, NULL);
  soup_server_add_handler (self->soup, NULL, handle_request, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (on_request_started), self);
  g_signal_connect (self->soup, "request-read", G_CALLBACK (on_request_read), self);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (on_request_done), self);
  g_signal_connect (self->soup, "request-aborted", G_CALLBACK (on_request_done), self);
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
  cairn_server_core_commit_group (self->core, NULL);
  soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_pointer (&self->live, g_hash_table_unref);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&self->live_per_user, g_hash_table_unref);
  g_clear_pointer (&self->addr_counts, g_hash_table_unref);
  g_queue_clear_full (&self->checks_waiting, g_object_unref);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  cairn_server_core_set_group_func (self->core, NULL, NULL);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
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

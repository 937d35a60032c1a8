/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-soup-listen.c: accepting a SoupServer's connections, with or
 * without TLS (cairn-server, and the tests' own HTTP servers).
 *
 * The connections are accepted here and handed to the SoupServer with
 * soup_server_accept_iostream(), rather than through
 * soup_server_listen_socket(): libsoup 3.2 (Debian 12) keeps a reference
 * to the GSocket of every connection its own listener accepts (GNOME/libsoup
 * d20c6601, fixed in 3.3), about 340 bytes that are never freed, so that a
 * client opening connection after connection grows the server without end
 * (docs/server.md, "Connections"). */
#define G_LOG_DOMAIN "cairn-soup-listen"
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "cairn-soup-listen.h"

/* A connection handed over with soup_server_accept_iostream() has no
 * GSocket in libsoup's eyes (soup_server_message_get_socket() is NULL), but
 * its remote address is the object given with it: that object carries the
 * socket, for the limits that watch it (cairn-server-limits.c). */
#define SOCKET_KEY "cairn-socket"

GSocket *
cairn_soup_message_socket (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  GSocketAddress *remote;

  if (socket != NULL)
    return socket;
  remote = soup_server_message_get_remote_address (msg);
  return remote != NULL ? g_object_get_data (G_OBJECT (remote), SOCKET_KEY) : NULL;
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  SoupServer *soup = user_data;
  GTlsCertificate *cert = g_object_get_data (G_OBJECT (service), "cairn-tls-certificate");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GIOStream) stream = NULL;
  GSocket *socket = g_socket_connection_get_socket (connection);
  static const char * const http1[] = { "http/1.1", "http/1.0", NULL };

  /* A peer already gone (reset before it was accepted): nothing to serve.
   * Returning without a reference to the connection closes it. */
  if (!(local = g_socket_connection_get_local_address (connection, &error)) ||
      !(remote = g_socket_connection_get_remote_address (connection, &error)))
    {
      g_debug ("Dropping a connection that cannot be served: %s", error->message);
      return TRUE;
    }
  g_object_set_data_full (G_OBJECT (remote), SOCKET_KEY, g_object_ref (socket), g_object_unref);

  if (cert != NULL)
    {
      /* The handshake happens at the first read, within the deadline for
       * the first request (cairn-server-limits.c). As libsoup's own
       * listener sets it up: HTTP/1.x only; a client may end without a
       * TLS close_notify (HTTP knows where each message ends); and no
       * database of trusted certificates, as no client certificate is
       * asked for: the default one (the system's) costs 8 MiB once and
       * time at every handshake. */
      stream = g_initable_new (g_tls_backend_get_server_connection_type (g_tls_backend_get_default ()),
                               NULL, &error,
                               "base-io-stream", connection,
                               "certificate", cert,
                               "database", NULL,
                               "authentication-mode", G_TLS_AUTHENTICATION_NONE,
                               "require-close-notify", FALSE,
                               "advertised-protocols", http1,
                               NULL);
      if (stream == NULL)
        {
          g_warning ("Cannot start TLS on a new connection: %s", error->message);
          return TRUE;
        }
    }
  else
    stream = g_object_ref (G_IO_STREAM (connection));

  if (!soup_server_accept_iostream (soup, stream, local, remote, &error))
    g_warning ("Cannot serve a new connection: %s", error->message);
  return TRUE;
}

/* libsoup 3.2 keeps a connection alive after a request only while the
 * SoupServer has a listener of its own (soup-server.c, request_finished()):
 * with none, every connection handed over would be closed after its
 * first request. So it gets one that never accepts anything: one end of a
 * socket pair (libsoup takes a connected socket as well as a listening
 * one) whose other end, kept open and silent, is the service's. */
static gboolean
add_stand_in_listener (SoupServer      *soup,
                       GSocketService  *service,
                       GError         **error)
{
  g_autoptr(GSocket) stand_in = NULL;
  g_autoptr(GSocket) peer = NULL;
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot make a socket pair: %s", g_strerror (errsv));
      return FALSE;
    }
  if (!(stand_in = g_socket_new_from_fd (fds[0], error)))
    {
      close (fds[0]);
      close (fds[1]);
      return FALSE;
    }
  if (!(peer = g_socket_new_from_fd (fds[1], error)))
    {
      close (fds[1]);
      return FALSE;
    }
  if (!soup_server_listen_socket (soup, stand_in, 0, error))
    return FALSE;
  g_object_set_data_full (G_OBJECT (service), "cairn-stand-in-peer", g_steal_pointer (&peer),
                          g_object_unref);
  return TRUE;
}

/* Listens on addr (port 0 picks one) with the system's largest listen
 * backlog (SOMAXCONN; on Linux capped by net.core.somaxconn) instead of
 * GLib's 10, which drops connections from a burst of a few dozen clients,
 * and hands every connection to soup; HTTPS when cert is set. Returns the
 * service that accepts them, running, until cairn_soup_listen_stop(). */
GSocketService *
cairn_soup_listen (SoupServer       *soup,
                   GSocketAddress   *addr,
                   GTlsCertificate  *cert,
                   GError          **error)
{
  GSocketFamily family = g_socket_address_get_family (addr);
  g_autoptr(GSocket) socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  g_autoptr(GSocketService) service = NULL;

  if (socket == NULL)
    return NULL;
  if (family == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, NULL);
  /* Accepted sockets inherit it: answers go out at once (as libsoup's own
   * listener does). */
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  g_socket_set_listen_backlog (socket, SOMAXCONN);
  if (!g_socket_bind (socket, addr, TRUE, error) || !g_socket_listen (socket, error))
    return NULL;

  service = g_socket_service_new ();
  if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (service), socket, NULL, error) ||
      !add_stand_in_listener (soup, service, error))
    return NULL;
  if (cert != NULL)
    g_object_set_data_full (G_OBJECT (service), "cairn-tls-certificate", g_object_ref (cert),
                            g_object_unref);
  g_object_set_data_full (G_OBJECT (service), "cairn-listening", g_steal_pointer (&socket),
                          g_object_unref);
  g_signal_connect_object (service, "incoming", G_CALLBACK (on_incoming), soup, 0);
  g_socket_service_start (service);
  return g_steal_pointer (&service);
}

/* The address served (one GUri), as soup_server_get_uris() would give it. */
GSList *
cairn_soup_listen_get_uris (GSocketService *service)
{
  GSocket *socket = g_object_get_data (G_OBJECT (service), "cairn-listening");
  gboolean tls = g_object_get_data (G_OBJECT (service), "cairn-tls-certificate") != NULL;
  g_autoptr(GSocketAddress) addr = NULL;
  g_autofree char *host = NULL;

  if (socket == NULL || (addr = g_socket_get_local_address (socket, NULL)) == NULL)
    return NULL;
  host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr)));
  return g_slist_prepend (NULL, g_uri_build (G_URI_FLAGS_NONE, tls ? "https" : "http", NULL, host,
                                             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (addr)),
                                             "/", NULL, NULL));
}

/* Stops accepting connections and frees service; those accepted are the
 * SoupServer's (soup_server_disconnect() ends them). */
void
cairn_soup_listen_stop (GSocketService *service)
{
  if (service == NULL)
    return;
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_signal_handlers_disconnect_matched (service, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, on_incoming, NULL);
  g_object_unref (service);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-soup-listen.h: accepting a SoupServer's connections ourselves
 * (libsoup 3.2's own listener loses a socket per connection). */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

GSocketService *cairn_soup_listen          (SoupServer         *soup,
                                            GSocketAddress     *addr,
                                            GTlsCertificate    *cert,
                                            GError            **error);
GSList *        cairn_soup_listen_get_uris (GSocketService     *service);
void            cairn_soup_listen_stop     (GSocketService     *service);
GSocket *       cairn_soup_message_socket  (SoupServerMessage  *msg);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-error.h: errors of the client sync engine. Failures the server
 * reports keep their CAIRN_PROTOCOL_ERROR domain and code. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CAIRN_SYNC_ERROR (cairn_sync_error_quark ())

typedef enum
{
  CAIRN_SYNC_ERROR_FAILED,          /* anything else; message says what */
  CAIRN_SYNC_ERROR_NETWORK,         /* server unreachable or connection lost */
  CAIRN_SYNC_ERROR_NOT_SIGNED_IN,   /* no account or no token in this profile */
  CAIRN_SYNC_ERROR_PROTOCOL,        /* the server answered something we cannot read */
  CAIRN_SYNC_ERROR_TIMED_OUT,
  CAIRN_SYNC_ERROR_CERTIFICATE,     /* the server's TLS certificate is not trusted */
} CairnSyncError;

GQuark cairn_sync_error_quark (void);

G_END_DECLS

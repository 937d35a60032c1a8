/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-token.h: where the bearer token of a signed-in profile is kept.
 *
 * First choice is the desktop keyring through libsecret (schema
 * "org.cairn.Cairn.Token", attributes "server" and "username"). When no
 * secret service is reachable (a headless machine, CI) the token goes to
 * PROFILE/token, a key file readable only by the user (0600), and the reason
 * is logged once per process. CAIRN_TOKEN_STORE=file skips the keyring.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CAIRN_TOKEN_BACKEND_KEYRING,
  CAIRN_TOKEN_BACKEND_FILE,
} CairnTokenBackend;

/* Stores (replacing) the token for (server_url, username). backend_out, if
 * not NULL, says where it went. */
gboolean cairn_token_save   (const char         *profile_dir,
                             const char         *server_url,
                             const char         *username,
                             const char         *token,
                             CairnTokenBackend  *backend_out,
                             GError            **error);
/* The stored token, or NULL with no error when there is none. */
char    *cairn_token_load   (const char         *profile_dir,
                             const char         *server_url,
                             const char         *username,
                             GError            **error);
/* Forgets the token everywhere it may be stored. Not having one is fine. */
gboolean cairn_token_delete (const char         *profile_dir,
                             const char         *server_url,
                             const char         *username,
                             GError            **error);

G_END_DECLS

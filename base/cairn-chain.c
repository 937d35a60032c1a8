/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-chain.c: the chained digest of an event log (cairn-chain.h). */
#include "config.h"

#include <string.h>
#ifdef CAIRN_HAVE_NETTLE
#include <nettle/sha2.h>
#endif

#include "cairn-chain.h"
#include "cairn-ids.h"

#define CHAIN_BYTES (CAIRN_CHAIN_HEX_LEN / 2)

gboolean
cairn_chain_is_valid (const char *str)
{
  /* The same shape as a client id: 128 bits in lowercase hex. */
  return cairn_is_client_id (str);
}

char *
cairn_chain_next (const char *prev,
                  const char *client_id,
                  gint64      client_seq)
{
  guint8 bytes[CHAIN_BYTES];
  guint8 digest[32];
  guint64 be = GUINT64_TO_BE ((guint64) client_seq);
  char *hex;

  g_return_val_if_fail (cairn_chain_is_valid (prev), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  for (guint i = 0; i < CHAIN_BYTES; i++)
    bytes[i] = (guint8) (g_ascii_xdigit_value (prev[2 * i]) * 16 + g_ascii_xdigit_value (prev[2 * i + 1]));
  /* The NUL ends client_id, so no two (client_id, client_seq) pairs
   * hash the same bytes. */
#ifdef CAIRN_HAVE_NETTLE
  {
    struct sha256_ctx sum;

    sha256_init (&sum);
    sha256_update (&sum, sizeof bytes, bytes);
    sha256_update (&sum, strlen (client_id) + 1, (const guint8 *) client_id);
    sha256_update (&sum, sizeof be, (const guint8 *) &be);
    sha256_digest (&sum, sizeof digest, digest);
  }
#else
  {
    g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
    gsize digest_len = sizeof digest;

    g_checksum_update (sum, bytes, sizeof bytes);
    g_checksum_update (sum, (const guchar *) client_id, strlen (client_id) + 1);
    g_checksum_update (sum, (const guchar *) &be, sizeof be);
    g_checksum_get_digest (sum, digest, &digest_len);
  }
#endif

  hex = g_malloc (CAIRN_CHAIN_HEX_LEN + 1);
  for (guint i = 0; i < CHAIN_BYTES; i++)
    {
      hex[2 * i] = "0123456789abcdef"[digest[i] >> 4];
      hex[2 * i + 1] = "0123456789abcdef"[digest[i] & 15];
    }
  hex[CAIRN_CHAIN_HEX_LEN] = '\0';
  return hex;
}

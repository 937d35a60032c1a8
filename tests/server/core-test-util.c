/* SPDX-License-Identifier: GPL-3.0-or-later */
/* core-test-util.c: the server core under a test's clock and random bytes. */
#include "config.h"

#include <sodium.h>

#include "core-test-util.h"
#include "pg-test-util.h"

static gint64
world_clock (gpointer user_data)
{
  return ((CoreTestWorld *) user_data)->now;
}

static void
world_random (guint8  *buf,
              gsize    len,
              gpointer user_data)
{
  CoreTestWorld *w = user_data;

  for (gsize i = 0; i < len; i++)
    {
      /* xorshift64 */
      w->rng ^= w->rng << 13;
      w->rng ^= w->rng >> 7;
      w->rng ^= w->rng << 17;
      buf[i] = w->rng & 0xff;
    }
}

CairnServerCore *
core_test_open_at (const char     *dir,
                   const char     *uri,
                   CoreTestWorld  *world,
                   GError        **error)
{
  CairnServerCoreOptions opts = {
    .clock = world_clock,
    .random = world_random,
    .user_data = world,
    .pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN,
    .pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN,
  };

  if (uri != NULL)
    return cairn_server_core_open_database (uri, &opts, error);
  return cairn_server_core_open (dir, &opts, error);
}

CairnServerCore *
core_test_open (const char     *dir,
                CoreTestWorld  *world,
                GError        **error)
{
  return core_test_open_at (dir, cairn_test_backend_is_postgresql () ? core_test_database (dir) : NULL,
                            world, error);
}

/* dir -> the URI of the database that stands for it. */
static GHashTable *databases;

const char *
core_test_database (const char *dir)
{
  const char *uri;

  if (databases == NULL)
    databases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if ((uri = g_hash_table_lookup (databases, dir)) == NULL)
    {
      uri = cairn_test_pg_new_database ();
      g_hash_table_insert (databases, g_strdup (dir), (char *) uri);
    }
  return uri;
}

void
core_test_copy_database (const char *from,
                         const char *to)
{
  char *copy = cairn_test_pg_copy_database (core_test_database (from));

  g_hash_table_insert (databases, g_strdup (to), copy);
}

void
core_test_forget_database (const char *dir)
{
  if (databases != NULL)
    g_hash_table_remove (databases, dir);
}

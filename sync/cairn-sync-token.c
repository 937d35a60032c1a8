/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-token.c: token storage in the keyring, else a 0600 file. */
#define G_LOG_DOMAIN "cairn-sync-token"
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "cairn-sync-token.h"

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "org.cairn.Cairn.Token", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "username", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };
  return &schema;
}

static gboolean
keyring_wanted (void)
{
  return g_strcmp0 (g_getenv ("CAIRN_TOKEN_STORE"), "file") != 0;
}

/* The keyring failing is normal on a headless machine: say why once, then
 * quietly use the file. */
static void
note_keyring_unavailable (const GError *error)
{
  static gsize logged = 0;

  if (g_once_init_enter (&logged))
    {
      g_message ("No secret service available (%s); keeping the sign-in "
                 "token in a file readable only by you",
                 error->message);
      g_once_init_leave (&logged, 1);
    }
}

static char *
token_file_path (const char *profile_dir)
{
  return g_build_filename (profile_dir, "token", NULL);
}

static char *
token_file_group (const char *server_url,
                  const char *username)
{
  return g_strdup_printf ("%s %s", server_url, username);
}

static GKeyFile *
token_file_read (const char  *path,
                 GError     **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local_error))
    {
      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "Cannot read token file %s: ", path);
          return NULL;
        }
    }
  return g_steal_pointer (&kf);
}

static gboolean
token_file_write (const char  *path,
                  GKeyFile    *kf,
                  GError     **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  data = g_key_file_to_data (kf, &len, NULL);
  /* Written to a temporary file created 0600 then renamed, so the token is
   * never readable by others, not even for a moment. */
  if (!g_file_set_contents_full (path, data, len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    {
      g_prefix_error (error, "Cannot write token file %s: ", path);
      return FALSE;
    }
  return TRUE;
}

gboolean
cairn_token_save (const char         *profile_dir,
                  const char         *server_url,
                  const char         *username,
                  const char         *token,
                  CairnTokenBackend  *backend_out,
                  GError            **error)
{
  g_autofree char *path = NULL;
  g_autofree char *group = NULL;
  g_autoptr(GKeyFile) kf = NULL;

  g_return_val_if_fail (profile_dir != NULL, FALSE);
  g_return_val_if_fail (server_url != NULL && username != NULL, FALSE);
  g_return_val_if_fail (token != NULL && *token != '\0', FALSE);

  path = token_file_path (profile_dir);

  if (keyring_wanted ())
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *label = g_strdup_printf ("Cairn sign-in for %s on %s",
                                                username, server_url);

      if (secret_password_store_sync (token_schema (), SECRET_COLLECTION_DEFAULT,
                                      label, token, NULL, &local_error,
                                      "server", server_url,
                                      "username", username,
                                      NULL))
        {
          /* A token left in the file by an earlier headless run would
           * otherwise outlive this sign-in. */
          kf = token_file_read (path, NULL);
          group = token_file_group (server_url, username);
          if (kf != NULL && g_key_file_remove_group (kf, group, NULL))
            token_file_write (path, kf, NULL);
          if (backend_out)
            *backend_out = CAIRN_TOKEN_BACKEND_KEYRING;
          return TRUE;
        }
      note_keyring_unavailable (local_error);
    }

  if (g_mkdir_with_parents (profile_dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot create profile folder %s: %s",
                   profile_dir, g_strerror (saved));
      return FALSE;
    }

  kf = token_file_read (path, error);
  if (kf == NULL)
    return FALSE;
  group = token_file_group (server_url, username);
  g_key_file_set_string (kf, group, "token", token);
  if (!token_file_write (path, kf, error))
    return FALSE;
  if (backend_out)
    *backend_out = CAIRN_TOKEN_BACKEND_FILE;
  return TRUE;
}

char *
cairn_token_load (const char  *profile_dir,
                  const char  *server_url,
                  const char  *username,
                  GError     **error)
{
  g_autofree char *path = NULL;
  g_autofree char *group = NULL;
  g_autoptr(GKeyFile) kf = NULL;

  g_return_val_if_fail (profile_dir != NULL, NULL);
  g_return_val_if_fail (server_url != NULL && username != NULL, NULL);

  if (keyring_wanted ())
    {
      g_autoptr(GError) local_error = NULL;
      char *secret = secret_password_lookup_sync (token_schema (), NULL, &local_error,
                                                  "server", server_url,
                                                  "username", username,
                                                  NULL);
      if (secret != NULL)
        {
          char *copy = g_strdup (secret);
          secret_password_free (secret);
          return copy;
        }
      if (local_error != NULL)
        note_keyring_unavailable (local_error);
    }

  path = token_file_path (profile_dir);
  kf = token_file_read (path, error);
  if (kf == NULL)
    return NULL;
  group = token_file_group (server_url, username);
  return g_key_file_get_string (kf, group, "token", NULL);
}

gboolean
cairn_token_delete (const char  *profile_dir,
                    const char  *server_url,
                    const char  *username,
                    GError     **error)
{
  g_autofree char *path = NULL;
  g_autofree char *group = NULL;
  g_autoptr(GKeyFile) kf = NULL;

  g_return_val_if_fail (profile_dir != NULL, FALSE);
  g_return_val_if_fail (server_url != NULL && username != NULL, FALSE);

  if (keyring_wanted ())
    {
      g_autoptr(GError) local_error = NULL;

      secret_password_clear_sync (token_schema (), NULL, &local_error,
                                  "server", server_url,
                                  "username", username,
                                  NULL);
      if (local_error != NULL)
        note_keyring_unavailable (local_error);
    }

  path = token_file_path (profile_dir);
  kf = token_file_read (path, error);
  if (kf == NULL)
    return FALSE;
  group = token_file_group (server_url, username);
  if (g_key_file_remove_group (kf, group, NULL))
    return token_file_write (path, kf, error);
  return TRUE;
}

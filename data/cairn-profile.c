/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-profile.c: the profile directory, its workspaces and profile.ini. */
#define G_LOG_DOMAIN "cairn-profile"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "cairn-profile.h"

#define PROFILE_GROUP "profile"
#define CURRENT_KEY   "current-workspace"
/* workspace id = id whose file holds its database (see adopt_file). */
#define FILES_GROUP   "workspace-files"

struct _CairnProfile
{
  GObject   parent_instance;
  char     *dir;
  char     *ini_path;
  GKeyFile *ini;
};

G_DEFINE_FINAL_TYPE (CairnProfile, cairn_profile, G_TYPE_OBJECT)

G_DEFINE_QUARK (cairn-profile-error-quark, cairn_profile_error)

static void
cairn_profile_finalize (GObject *object)
{
  CairnProfile *self = (CairnProfile *)object;

  g_clear_pointer (&self->dir, g_free);
  g_clear_pointer (&self->ini_path, g_free);
  g_clear_pointer (&self->ini, g_key_file_unref);

  G_OBJECT_CLASS (cairn_profile_parent_class)->finalize (object);
}

static void
cairn_profile_class_init (CairnProfileClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cairn_profile_finalize;
}

static void
cairn_profile_init (CairnProfile *self)
{
  self->ini = g_key_file_new ();
}

static gboolean
make_dir (const char  *path,
          GError     **error)
{
  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, CAIRN_PROFILE_ERROR, CAIRN_PROFILE_ERROR_FAILED,
                   "Cannot create the profile directory %s: %s",
                   path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

CairnProfile *
cairn_profile_open (const char  *dir,
                    GError     **error)
{
  g_autoptr(CairnProfile) self = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *env;

  if (dir == NULL || *dir == '\0')
    {
      env = g_getenv ("CAIRN_PROFILE");
      if (env != NULL && *env != '\0')
        dir = env;
    }

  self = g_object_new (CAIRN_TYPE_PROFILE, NULL);
  if (dir != NULL && *dir != '\0')
    self->dir = g_canonicalize_filename (dir, NULL);
  else
    self->dir = g_build_filename (g_get_user_data_dir (), "cairn", NULL);
  self->ini_path = g_build_filename (self->dir, "profile.ini", NULL);

  if (g_file_test (self->dir, G_FILE_TEST_EXISTS) &&
      !g_file_test (self->dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, CAIRN_PROFILE_ERROR, CAIRN_PROFILE_ERROR_FAILED,
                   "Cannot use %s as a profile: it is not a directory", self->dir);
      return NULL;
    }
  if (!make_dir (self->dir, error))
    return NULL;

  if (!g_key_file_load_from_file (self->ini, self->ini_path,
                                  G_KEY_FILE_KEEP_COMMENTS, &local_error))
    {
      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_set_error (error, CAIRN_PROFILE_ERROR,
                       local_error->domain == G_KEY_FILE_ERROR
                         ? CAIRN_PROFILE_ERROR_INVALID : CAIRN_PROFILE_ERROR_FAILED,
                       "Cannot read %s: %s", self->ini_path, local_error->message);
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}

const char *
cairn_profile_get_dir (CairnProfile *self)
{
  g_return_val_if_fail (CAIRN_IS_PROFILE (self), NULL);
  return self->dir;
}

/* g_key_file_save_to_file() goes through g_file_set_contents(), which writes
 * a temporary file and renames it over the old one: readers never see half a
 * file, and a crash leaves either the old or the new one. */
static gboolean
save_ini (CairnProfile  *self,
          GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_save_to_file (self->ini, self->ini_path, &local_error))
    {
      g_set_error (error, CAIRN_PROFILE_ERROR, CAIRN_PROFILE_ERROR_FAILED,
                   "Cannot write %s: %s", self->ini_path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_workspace_id (const char  *workspace_id,
                    GError     **error)
{
  if (workspace_id == NULL || !g_uuid_string_is_valid (workspace_id))
    {
      g_set_error (error, CAIRN_PROFILE_ERROR, CAIRN_PROFILE_ERROR_INVALID,
                   "“%s” is not a workspace id (a UUID)",
                   workspace_id != NULL ? workspace_id : "(null)");
      return FALSE;
    }
  return TRUE;
}

char *
cairn_profile_dup_current_workspace (CairnProfile  *self,
                                     GError       **error)
{
  g_autofree char *current = NULL;
  g_autofree char *fresh = NULL;

  g_return_val_if_fail (CAIRN_IS_PROFILE (self), NULL);

  current = g_key_file_get_string (self->ini, PROFILE_GROUP, CURRENT_KEY, NULL);
  if (current != NULL && g_uuid_string_is_valid (current))
    return g_steal_pointer (&current);
  if (current != NULL)
    {
      g_set_error (error, CAIRN_PROFILE_ERROR, CAIRN_PROFILE_ERROR_INVALID,
                   "%s: [%s] %s is “%s”, which is not a workspace id",
                   self->ini_path, PROFILE_GROUP, CURRENT_KEY, current);
      return NULL;
    }

  /* No current workspace yet: this is the local one. */
  fresh = g_uuid_string_random ();
  if (!cairn_profile_set_current_workspace (self, fresh, error))
    return NULL;
  return g_steal_pointer (&fresh);
}

gboolean
cairn_profile_set_current_workspace (CairnProfile  *self,
                                     const char    *workspace_id,
                                     GError       **error)
{
  g_autofree char *old = NULL;

  g_return_val_if_fail (CAIRN_IS_PROFILE (self), FALSE);

  if (!check_workspace_id (workspace_id, error))
    return FALSE;

  old = g_key_file_get_string (self->ini, PROFILE_GROUP, CURRENT_KEY, NULL);
  g_key_file_set_string (self->ini, PROFILE_GROUP, CURRENT_KEY, workspace_id);
  if (!save_ini (self, error))
    {
      /* Keep memory and disk in agreement. */
      if (old != NULL)
        g_key_file_set_string (self->ini, PROFILE_GROUP, CURRENT_KEY, old);
      else
        g_key_file_remove_key (self->ini, PROFILE_GROUP, CURRENT_KEY, NULL);
      return FALSE;
    }
  return TRUE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(char * const *)a, *(char * const *)b);
}

/* The id whose file holds workspace_id's database: its own, unless a
 * sign-in adopted another file for it. */
static char *
dup_file_id (CairnProfile *self,
             const char   *workspace_id)
{
  g_autofree char *file_id = g_key_file_get_string (self->ini, FILES_GROUP, workspace_id, NULL);

  if (file_id != NULL && g_uuid_string_is_valid (file_id))
    return g_steal_pointer (&file_id);
  return g_strdup (workspace_id);
}

GStrv
cairn_profile_list_workspaces (CairnProfile *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) adopted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) keys = NULL;
  g_autofree char *ws_dir = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_return_val_if_fail (CAIRN_IS_PROFILE (self), NULL);

  /* A file adopted by another workspace is listed under that one's id. */
  keys = g_key_file_get_keys (self->ini, FILES_GROUP, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *file_id = dup_file_id (self, keys[i]);

      if (g_uuid_string_is_valid (keys[i]) && !g_str_equal (file_id, keys[i]))
        g_hash_table_insert (adopted, g_steal_pointer (&file_id), g_strdup (keys[i]));
    }

  ws_dir = g_build_filename (self->dir, "workspaces", NULL);
  dir = g_dir_open (ws_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *id = NULL;

      if (!g_str_has_suffix (name, ".db"))
        continue;
      id = g_strndup (name, strlen (name) - 3);
      if (g_hash_table_contains (adopted, id))
        g_ptr_array_add (ids, g_strdup (g_hash_table_lookup (adopted, id)));
      else if (g_uuid_string_is_valid (id))
        g_ptr_array_add (ids, g_steal_pointer (&id));
    }
  g_ptr_array_sort (ids, compare_strings);
  g_ptr_array_add (ids, NULL);
  return (GStrv)g_ptr_array_free (g_steal_pointer (&ids), FALSE);
}

char *
cairn_profile_dup_workspace_path (CairnProfile  *self,
                                  const char    *workspace_id,
                                  GError       **error)
{
  g_autofree char *file = NULL;
  g_autofree char *file_id = NULL;

  g_return_val_if_fail (CAIRN_IS_PROFILE (self), NULL);

  if (!check_workspace_id (workspace_id, error))
    return NULL;
  file_id = dup_file_id (self, workspace_id);
  file = g_strconcat (file_id, ".db", NULL);
  return g_build_filename (self->dir, "workspaces", file, NULL);
}

gboolean
cairn_profile_adopt_workspace_file (CairnProfile  *self,
                                    const char    *workspace_id,
                                    const char    *from_id,
                                    GError       **error)
{
  g_autofree char *file_id = NULL;

  g_return_val_if_fail (CAIRN_IS_PROFILE (self), FALSE);

  if (!check_workspace_id (workspace_id, error) || !check_workspace_id (from_id, error))
    return FALSE;
  file_id = dup_file_id (self, from_id);
  g_key_file_remove_key (self->ini, FILES_GROUP, from_id, NULL);
  if (g_str_equal (file_id, workspace_id))
    g_key_file_remove_key (self->ini, FILES_GROUP, workspace_id, NULL);
  else
    g_key_file_set_string (self->ini, FILES_GROUP, workspace_id, file_id);
  if (!save_ini (self, error))
    {
      /* Keep memory and disk in agreement. */
      g_key_file_remove_key (self->ini, FILES_GROUP, workspace_id, NULL);
      if (!g_str_equal (file_id, from_id))
        g_key_file_set_string (self->ini, FILES_GROUP, from_id, file_id);
      return FALSE;
    }
  return TRUE;
}

CairnStore *
cairn_profile_open_store (CairnProfile  *self,
                          const char    *workspace_id,
                          GError       **error)
{
  g_autofree char *current = NULL;
  g_autofree char *path = NULL;
  g_autofree char *ws_dir = NULL;
  CairnStore *store;

  g_return_val_if_fail (CAIRN_IS_PROFILE (self), NULL);

  if (workspace_id == NULL)
    {
      current = cairn_profile_dup_current_workspace (self, error);
      if (current == NULL)
        return NULL;
      workspace_id = current;
    }

  path = cairn_profile_dup_workspace_path (self, workspace_id, error);
  if (path == NULL)
    return NULL;
  ws_dir = g_path_get_dirname (path);
  if (!make_dir (ws_dir, error))
    return NULL;
  store = cairn_store_open (path, error);
  /* Every workspace has its Inbox, made by whichever device opens it
   * first without one (the same id everywhere: docs/events.md). */
  if (store != NULL && !cairn_store_ensure_inbox (store, error))
    g_clear_object (&store);
  /* Opened on the main thread of the app or cairn-cli. */
  if (store != NULL)
    cairn_store_set_idle_work (store, TRUE);
  return store;
}

char *
cairn_profile_dup_setting (CairnProfile *self,
                           const char   *group,
                           const char   *key)
{
  g_return_val_if_fail (CAIRN_IS_PROFILE (self), NULL);
  g_return_val_if_fail (group != NULL && key != NULL, NULL);

  return g_key_file_get_string (self->ini, group, key, NULL);
}

gboolean
cairn_profile_set_setting (CairnProfile  *self,
                           const char    *group,
                           const char    *key,
                           const char    *value,
                           GError       **error)
{
  g_autofree char *old = NULL;

  g_return_val_if_fail (CAIRN_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (group != NULL && key != NULL, FALSE);

  old = g_key_file_get_string (self->ini, group, key, NULL);
  if (value != NULL)
    g_key_file_set_string (self->ini, group, key, value);
  else
    g_key_file_remove_key (self->ini, group, key, NULL);

  if (!save_ini (self, error))
    {
      if (old != NULL)
        g_key_file_set_string (self->ini, group, key, old);
      else
        g_key_file_remove_key (self->ini, group, key, NULL);
      return FALSE;
    }
  return TRUE;
}

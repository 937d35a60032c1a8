/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-profile.h: where one user's Cairn data lives on this device.
 *
 * A profile is a directory: `--profile DIR`, else $CAIRN_PROFILE, else
 * $XDG_DATA_HOME/cairn (g_get_user_data_dir()). It holds one SQLite file per
 * workspace, `DIR/workspaces/<workspace-id>.db` (a workspace signed in to
 * may have adopted the local one's file instead), and `DIR/profile.ini`
 * (GKeyFile, always replaced atomically) with the current workspace in
 * [profile] current-workspace and any other settings modules keep there.
 * With no account there is exactly one workspace, the local one, created on
 * first use with a random UUID.
 */
#pragma once

#include <gio/gio.h>
#include "cairn-store.h"

G_BEGIN_DECLS

#define CAIRN_PROFILE_ERROR (cairn_profile_error_quark ())

typedef enum
{
  CAIRN_PROFILE_ERROR_FAILED,        /* cannot create/read/write; names the path */
  CAIRN_PROFILE_ERROR_INVALID,       /* bad workspace id or corrupt profile.ini */
} CairnProfileError;

GQuark cairn_profile_error_quark (void);

#define CAIRN_TYPE_PROFILE (cairn_profile_get_type ())
G_DECLARE_FINAL_TYPE (CairnProfile, cairn_profile, CAIRN, PROFILE, GObject)

/* dir NULL: $CAIRN_PROFILE if set and not empty, else the XDG default.
 * Creates the directory (0700) and reads profile.ini if there is one. */
CairnProfile *cairn_profile_open                 (const char    *dir,
                                                  GError       **error);
const char   *cairn_profile_get_dir              (CairnProfile  *self);

/* The current workspace id. When profile.ini names none, the local
 * workspace is created (a new UUID, written to profile.ini) and returned.
 * NULL with error only when profile.ini cannot be written. */
char         *cairn_profile_dup_current_workspace (CairnProfile *self,
                                                   GError      **error);
/* Makes workspace_id (a UUID) current and saves profile.ini. */
gboolean      cairn_profile_set_current_workspace (CairnProfile *self,
                                                   const char   *workspace_id,
                                                   GError      **error);
/* Ids of the workspace databases present in the profile, sorted. */
GStrv         cairn_profile_list_workspaces      (CairnProfile  *self);
/* DIR/workspaces/<workspace_id>.db (or the file it adopted); NULL with error for an id that is not
 * a UUID (ids become file names, so nothing else is accepted). */
char         *cairn_profile_dup_workspace_path   (CairnProfile  *self,
                                                  const char    *workspace_id,
                                                  GError       **error);
/* From now on, workspace_id's database is the file that holds from_id's
 * (its local one, adopted at sign-in): nothing is renamed, so a store open
 * on that file, in this process or another, keeps working on it, and
 * opening workspace_id opens the same file. Kept in profile.ini
 * ([workspace-files]); from_id is no longer listed. */
gboolean      cairn_profile_adopt_workspace_file (CairnProfile  *self,
                                                  const char    *workspace_id,
                                                  const char    *from_id,
                                                  GError       **error);
/* Opens (creating) the store of workspace_id, or of the current workspace
 * when workspace_id is NULL. */
CairnStore   *cairn_profile_open_store           (CairnProfile  *self,
                                                  const char    *workspace_id,
                                                  GError       **error);

/* Other settings in profile.ini (e.g. the sync account). get returns NULL
 * when unset; set with value NULL removes the key; set saves at once. */
char         *cairn_profile_dup_setting          (CairnProfile  *self,
                                                  const char    *group,
                                                  const char    *key);
gboolean      cairn_profile_set_setting          (CairnProfile  *self,
                                                  const char    *group,
                                                  const char    *key,
                                                  const char    *value,
                                                  GError       **error);

G_END_DECLS

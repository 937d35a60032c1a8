/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-core-workspaces.c: workspaces and their members, also
 * as the admin commands see them. */
#define G_LOG_DOMAIN "cairn-server-core"
#include "config.h"

#include "cairn-server-core-private.h"

/* ---- workspaces --------------------------------------------------------- */

#define WORKSPACE_SELECT \
  "SELECT w.id, w.name, o.username, w.personal FROM workspaces w " \
  "JOIN members mo ON mo.workspace_id = w.id AND mo.role = 'owner' " \
  "JOIN users o ON o.id = mo.user_id "

char *
_cairn_core_insert_workspace (CairnServerCore *self,
                              gint64           owner_id,
                              const char      *name,
                              gboolean         personal,
                              GError         **error)
{
  g_autofree char *id = _cairn_core_random_uuid (self);
  g_autofree char *history_id = _cairn_core_random_hex (self, 16);
  gint64 now = cairn_server_core_now (self);
  sqlite3_stmt *st;

  if (!(st = _cairn_core_stmt (self, "INSERT INTO workspaces (id, name, personal, history_id, created_at) "
                                     "VALUES (?, ?, ?, ?, ?)", error)) ||
      !_cairn_core_bind (self, st, error, "ttiti", id, name, (gint64) personal, history_id, now) ||
      !_cairn_core_step_done (self, st, error) ||
      !(st = _cairn_core_stmt (self, "INSERT INTO members (workspace_id, user_id, role, added_at) "
                                     "VALUES (?, ?, 'owner', ?)", error)) ||
      !_cairn_core_bind (self, st, error, "tii", id, owner_id, now) ||
      !_cairn_core_step_done (self, st, error))
    return NULL;
  return g_steal_pointer (&id);
}

gboolean
_cairn_core_delete_workspace (CairnServerCore *self,
                              const char      *ws,
                              GError         **error)
{
  static const char * const sql[] = {
    "DELETE FROM events WHERE workspace_id = ?",
    "DELETE FROM clients WHERE workspace_id = ?",
    "DELETE FROM members WHERE workspace_id = ?",
    "DELETE FROM workspaces WHERE id = ?",
  };

  for (guint i = 0; i < G_N_ELEMENTS (sql); i++)
    {
      sqlite3_stmt *st;

      if (!(st = _cairn_core_stmt (self, sql[i], error)) ||
          !_cairn_core_bind (self, st, error, "t", ws) ||
          !_cairn_core_step_done (self, st, error))
        return FALSE;
    }
  return TRUE;
}

static CairnWorkspaceInfo *
workspace_from_row (sqlite3_stmt *st)
{
  CairnWorkspaceInfo *ws = g_new0 (CairnWorkspaceInfo, 1);

  ws->id = g_strdup (_cairn_core_col_text (st, 0));
  ws->name = g_strdup (_cairn_core_col_text (st, 1));
  ws->owner = g_strdup (_cairn_core_col_text (st, 2));
  ws->personal = sqlite3_column_int (st, 3) != 0;
  return ws;
}

/* The rows of a WORKSPACE_SELECT statement (CairnWorkspaceInfo*). */
static GPtrArray *
read_workspaces (CairnServerCore  *self,
                 sqlite3_stmt     *st,
                 GError          **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_workspace_info_free);
  gboolean row;

  for (;;)
    {
      if (!_cairn_core_step_row (self, st, &row, error))
        return NULL;
      if (!row)
        break;
      g_ptr_array_add (out, workspace_from_row (st));
    }
  return g_steal_pointer (&out);
}

GPtrArray *
cairn_server_core_workspaces (CairnServerCore  *self,
                              const CairnAuth  *auth,
                              GError          **error)
{
  sqlite3_stmt *st;

  if (self->backend != NULL)
    return self->backend->workspaces (self, auth, error);
  if (!(st = _cairn_core_stmt (self, WORKSPACE_SELECT
                                     "JOIN members m ON m.workspace_id = w.id AND m.user_id = ? "
                                     "ORDER BY (w.personal AND mo.user_id = m.user_id) DESC, w.name, w.id", error)) ||
      !_cairn_core_bind (self, st, error, "i", auth->user_id))
    return NULL;
  return read_workspaces (self, st, error);
}

CairnWorkspaceInfo *
cairn_server_core_workspace_create (CairnServerCore *self,
                                    const CairnAuth *auth,
                                    const char      *name,
                                    GError         **error)
{
  g_autofree char *id = NULL;
  CairnWorkspaceInfo *ws;

  if (!cairn_protocol_is_label (name, CAIRN_PROTOCOL_MAX_WORKSPACE_NAME_BYTES))
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                           "A workspace name must be 1 to 200 bytes of text without control characters");
      return NULL;
    }
  if (self->backend != NULL)
    {
      if (!(id = self->backend->workspace_create (self, auth, name, error)))
        return NULL;
    }
  else if (!_cairn_core_begin (self, error))
    return NULL;
  else if (!(id = _cairn_core_insert_workspace (self, auth->user_id, name, FALSE, error)) ||
           !_cairn_core_commit (self, error))
    {
      _cairn_core_rollback (self);
      return NULL;
    }
  ws = g_new0 (CairnWorkspaceInfo, 1);
  ws->id = g_steal_pointer (&id);
  ws->name = g_strdup (name);
  ws->owner = g_strdup (auth->username);
  ws->personal = FALSE;
  return ws;
}

/* The user's role in the workspace, or NULL with NOT_FOUND: a workspace
 * the user is not in looks exactly like one that does not exist. */
static char *
member_role (CairnServerCore *self,
             gint64           uid,
             const char      *workspace_id,
             GError         **error)
{
  sqlite3_stmt *st;
  gboolean row;
  char *role;

  if (self->backend != NULL)
    return self->backend->member_role (self, uid, workspace_id, error);
  if (!(st = _cairn_core_stmt (self, "SELECT role FROM members WHERE workspace_id = ? AND user_id = ?", error)) ||
      !_cairn_core_bind (self, st, error, "ti", workspace_id, uid) ||
      !_cairn_core_step_row (self, st, &row, error))
    return NULL;
  if (!row)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No workspace %s", workspace_id);
      return NULL;
    }
  role = g_strdup (_cairn_core_col_text (st, 0));
  sqlite3_reset (st);
  return role;
}

gboolean
cairn_server_core_check_member (CairnServerCore  *self,
                                const CairnAuth  *auth,
                                const char       *workspace_id,
                                GError          **error)
{
  g_autofree char *role = member_role (self, auth->user_id, workspace_id, error);

  return role != NULL;
}

GPtrArray *
cairn_server_core_members (CairnServerCore  *self,
                           const CairnAuth  *auth,
                           const char       *workspace_id,
                           GError          **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_member_info_free);
  sqlite3_stmt *st;
  gboolean row;

  if (!cairn_server_core_check_member (self, auth, workspace_id, error))
    return NULL;
  if (self->backend != NULL)
    return self->backend->members (self, workspace_id, error);
  if (!(st = _cairn_core_stmt (self, "SELECT u.username, m.role FROM members m JOIN users u ON u.id = m.user_id "
                                     "WHERE m.workspace_id = ? ORDER BY m.role = 'owner' DESC, u.username", error)) ||
      !_cairn_core_bind (self, st, error, "t", workspace_id))
    return NULL;
  for (;;)
    {
      CairnMemberInfo *m;

      if (!_cairn_core_step_row (self, st, &row, error))
        return NULL;
      if (!row)
        break;
      m = g_new0 (CairnMemberInfo, 1);
      m->username = g_strdup (_cairn_core_col_text (st, 0));
      m->role = g_strdup (_cairn_core_col_text (st, 1));
      g_ptr_array_add (out, m);
    }
  return g_steal_pointer (&out);
}

static gboolean
check_owner (CairnServerCore *self,
             const CairnAuth *auth,
             const char      *workspace_id,
             GError         **error)
{
  g_autofree char *role = member_role (self, auth->user_id, workspace_id, error);

  if (role == NULL)
    return FALSE;
  if (!g_str_equal (role, "owner"))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_FORBIDDEN,
                   "Only the owner of workspace %s can change its members", workspace_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
cairn_server_core_member_add (CairnServerCore  *self,
                              const CairnAuth  *auth,
                              const char       *workspace_id,
                              const char       *username,
                              GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *role = NULL;
  sqlite3_stmt *st;
  gint64 uid;

  if (self->backend != NULL)
    return self->backend->member_add (self, auth, workspace_id, username, error);
  if (!_cairn_core_begin (self, error))
    return FALSE;
  if (!check_owner (self, auth, workspace_id, error) ||
      !(uid = _cairn_core_user_id (self, username, error)))
    goto fail;
  role = member_role (self, uid, workspace_id, &local_error);
  if (role != NULL)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ALREADY_EXISTS,
                   "%s is a member of workspace %s already", username, workspace_id);
      goto fail;
    }
  if (!g_error_matches (local_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      goto fail;
    }
  if (!(st = _cairn_core_stmt (self, "INSERT INTO members (workspace_id, user_id, role, added_at) "
                                     "VALUES (?, ?, 'member', ?)", error)) ||
      !_cairn_core_bind (self, st, error, "tii", workspace_id, uid, cairn_server_core_now (self)) ||
      !_cairn_core_step_done (self, st, error) ||
      !_cairn_core_commit (self, error))
    goto fail;
  return TRUE;

fail:
  _cairn_core_rollback (self);
  return FALSE;
}

gboolean
cairn_server_core_member_remove (CairnServerCore  *self,
                                 const CairnAuth  *auth,
                                 const char       *workspace_id,
                                 const char       *username,
                                 GError          **error)
{
  g_autofree char *role = NULL;
  sqlite3_stmt *st;
  gint64 uid;

  if (self->backend != NULL)
    return self->backend->member_remove (self, auth, workspace_id, username, error);
  if (!_cairn_core_begin (self, error))
    return FALSE;
  /* The owner removes members; a member may remove themself (leave). */
  if ((g_strcmp0 (auth->username, username) != 0 &&
       !check_owner (self, auth, workspace_id, error)) ||
      !(uid = _cairn_core_user_id (self, username, error)))
    goto fail;
  if (!(role = member_role (self, uid, workspace_id, NULL)))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "%s is not a member of workspace %s", username, workspace_id);
      goto fail;
    }
  if (g_str_equal (role, "owner"))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_FORBIDDEN,
                   "The owner cannot be removed from workspace %s", workspace_id);
      goto fail;
    }
  if (!(st = _cairn_core_stmt (self, "DELETE FROM members WHERE workspace_id = ? AND user_id = ?", error)) ||
      !_cairn_core_bind (self, st, error, "ti", workspace_id, uid) ||
      !_cairn_core_step_done (self, st, error) ||
      !_cairn_core_commit (self, error))
    goto fail;
  return TRUE;

fail:
  _cairn_core_rollback (self);
  return FALSE;
}

GPtrArray *
cairn_server_core_admin_workspaces (CairnServerCore  *self,
                                    GError          **error)
{
  sqlite3_stmt *st;

  if (self->backend != NULL)
    return self->backend->admin_workspaces (self, error);
  if (!(st = _cairn_core_stmt (self, WORKSPACE_SELECT "ORDER BY o.username, w.name, w.id", error)))
    return NULL;
  return read_workspaces (self, st, error);
}

CairnAuth *
cairn_server_core_admin_owner_auth (CairnServerCore  *self,
                                    const char       *workspace_id,
                                    GError          **error)
{
  sqlite3_stmt *st;
  gboolean row;
  CairnAuth *auth;

  if (self->backend != NULL)
    return self->backend->admin_owner_auth (self, workspace_id, error);
  if (!(st = _cairn_core_stmt (self, "SELECT u.id, u.username FROM members m JOIN users u ON u.id = m.user_id "
                                     "WHERE m.workspace_id = ? AND m.role = 'owner'", error)) ||
      !_cairn_core_bind (self, st, error, "t", workspace_id) ||
      !_cairn_core_step_row (self, st, &row, error))
    return NULL;
  if (!row)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No workspace %s", workspace_id);
      return NULL;
    }
  auth = g_new0 (CairnAuth, 1);
  auth->user_id = sqlite3_column_int64 (st, 0);
  auth->username = g_strdup (_cairn_core_col_text (st, 1));
  sqlite3_reset (st);
  return auth;
}

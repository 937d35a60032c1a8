/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-core-users.c: user accounts (the admin commands): adding,
 * passwords, removing, listing. */
#define G_LOG_DOMAIN "cairn-server-core"
#include "config.h"

#include <string.h>
#include <sodium.h>

#include "cairn-server-core-private.h"

/* ---- users ------------------------------------------------------------ */

char *
_cairn_core_hash_password (CairnServerCore *self,
                           const char      *password,
                           GError         **error)
{
  char out[crypto_pwhash_STRBYTES];

  if (crypto_pwhash_str (out, password, strlen (password),
                         self->options.pwhash_opslimit,
                         self->options.pwhash_memlimit) != 0)
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                           "Cannot hash the password: out of memory for Argon2id");
      return NULL;
    }
  return g_strdup (out);
}

/* The hash of a password a user is given, after checking that it is one
 * we accept. */
static char *
hash_new_password (CairnServerCore *self,
                   const char      *password,
                   GError         **error)
{
  gsize len = strlen (password);

  if (len < 8 || len > CAIRN_PROTOCOL_MAX_PASSWORD_BYTES || !g_utf8_validate (password, len, NULL))
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                           "A password must be 8 to 1024 bytes of UTF-8 text");
      return NULL;
    }
  return _cairn_core_hash_password (self, password, error);
}

/* Adds the first column of every row of st, as text, to out. */
static gboolean
read_texts (CairnServerCore  *self,
            sqlite3_stmt     *st,
            GPtrArray        *out,
            GError          **error)
{
  gboolean row;

  for (;;)
    {
      if (!_cairn_core_step_row (self, st, &row, error))
        return FALSE;
      if (!row)
        return TRUE;
      g_ptr_array_add (out, g_strdup (_cairn_core_col_text (st, 0)));
    }
}

gint64
_cairn_core_user_id (CairnServerCore *self,
                     const char      *username,
                     GError         **error)
{
  sqlite3_stmt *st;
  gboolean row;
  gint64 id;

  if (self->backend != NULL)
    return self->backend->user_id (self, username, error);
  if (!(st = _cairn_core_stmt (self, "SELECT id FROM users WHERE username = ?", error)) ||
      !_cairn_core_bind (self, st, error, "t", username) ||
      !_cairn_core_step_row (self, st, &row, error))
    return 0;
  if (!row)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No user named \"%s\"", username);
      return 0;
    }
  id = sqlite3_column_int64 (st, 0);
  sqlite3_reset (st);
  return id;
}

gboolean
cairn_server_core_user_add (CairnServerCore  *self,
                            const char       *username,
                            const char       *password,
                            char            **out_workspace_id,
                            GError          **error)
{
  g_autofree char *hash = NULL;
  g_autofree char *ws = NULL;
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *st;
  gint64 uid;

  if (!cairn_protocol_is_username (username))
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INVALID_REQUEST,
                   "\"%s\" is not a valid user name: use 1 to 64 of a-z, 0-9, '.', '_', '-', "
                   "starting with a letter or digit", username);
      return FALSE;
    }
  if (!(hash = hash_new_password (self, password, error)))
    return FALSE;
  if (self->backend != NULL)
    return self->backend->user_add (self, username, hash, out_workspace_id, error);

  if (!_cairn_core_begin (self, error))
    return FALSE;
  if (_cairn_core_user_id (self, username, &local_error) != 0)
    {
      _cairn_core_rollback (self);
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ALREADY_EXISTS,
                   "A user named \"%s\" exists already", username);
      return FALSE;
    }
  if (!g_error_matches (local_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND))
    {
      _cairn_core_rollback (self);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!(st = _cairn_core_stmt (self, "INSERT INTO users (username, pwhash, created_at) VALUES (?, ?, ?)", error)) ||
      !_cairn_core_bind (self, st, error, "tti", username, hash, cairn_server_core_now (self)) ||
      !_cairn_core_step_done (self, st, error))
    goto fail;
  uid = sqlite3_last_insert_rowid (self->db);
  if (!(ws = _cairn_core_insert_workspace (self, uid, username, TRUE, error)) ||
      !_cairn_core_commit (self, error))
    goto fail;
  if (out_workspace_id != NULL)
    *out_workspace_id = g_steal_pointer (&ws);
  return TRUE;

fail:
  _cairn_core_rollback (self);
  return FALSE;
}

gboolean
cairn_server_core_user_passwd (CairnServerCore  *self,
                               const char       *username,
                               const char       *password,
                               GError          **error)
{
  g_autofree char *hash = NULL;
  sqlite3_stmt *st;
  gint64 uid;

  if (!(hash = hash_new_password (self, password, error)))
    return FALSE;
  if (self->backend != NULL)
    return self->backend->user_passwd (self, username, hash, error);
  if (!_cairn_core_begin (self, error))
    return FALSE;
  if (!(uid = _cairn_core_user_id (self, username, error)) ||
      !(st = _cairn_core_stmt (self, "UPDATE users SET pwhash = ? WHERE id = ?", error)) ||
      !_cairn_core_bind (self, st, error, "ti", hash, uid) ||
      !_cairn_core_step_done (self, st, error) ||
      !(st = _cairn_core_stmt (self, "DELETE FROM sessions WHERE user_id = ?", error)) ||
      !_cairn_core_bind (self, st, error, "i", uid) ||
      !_cairn_core_step_done (self, st, error) ||
      !_cairn_core_commit (self, error))
    {
      _cairn_core_rollback (self);
      return FALSE;
    }
  return TRUE;
}

gboolean
cairn_server_core_user_remove (CairnServerCore  *self,
                               const char       *username,
                               GError          **error)
{
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *st;
  gboolean row;
  gint64 uid;

  if (self->backend != NULL)
    return self->backend->user_remove (self, username, error);
  if (!_cairn_core_begin (self, error))
    return FALSE;
  if (!(uid = _cairn_core_user_id (self, username, error)))
    goto fail;

  if (!(st = _cairn_core_stmt (self, "SELECT workspace_id FROM members WHERE user_id = ? AND role = 'owner'", error)) ||
      !_cairn_core_bind (self, st, error, "i", uid) ||
      !read_texts (self, st, owned, error))
    goto fail;

  for (guint i = 0; i < owned->len; i++)
    {
      const char *ws = g_ptr_array_index (owned, i);
      gint64 heir = 0;

      if (!(st = _cairn_core_stmt (self, "SELECT user_id FROM members WHERE workspace_id = ? AND user_id != ? "
                                         "ORDER BY added_at, user_id LIMIT 1", error)) ||
          !_cairn_core_bind (self, st, error, "ti", ws, uid) ||
          !_cairn_core_step_row (self, st, &row, error))
        goto fail;
      if (row)
        {
          heir = sqlite3_column_int64 (st, 0);
          sqlite3_reset (st);
        }
      if (heir == 0)
        {
          if (!_cairn_core_delete_workspace (self, ws, error))
            goto fail;
        }
      else if (!(st = _cairn_core_stmt (self, "UPDATE members SET role = 'owner' WHERE workspace_id = ? AND user_id = ?", error)) ||
               !_cairn_core_bind (self, st, error, "ti", ws, heir) ||
               !_cairn_core_step_done (self, st, error) ||
               !(st = _cairn_core_stmt (self, "UPDATE workspaces SET personal = 0 WHERE id = ?", error)) ||
               !_cairn_core_bind (self, st, error, "t", ws) ||
               !_cairn_core_step_done (self, st, error))
        goto fail;
    }

  if (!(st = _cairn_core_stmt (self, "DELETE FROM members WHERE user_id = ?", error)) ||
      !_cairn_core_bind (self, st, error, "i", uid) || !_cairn_core_step_done (self, st, error) ||
      !(st = _cairn_core_stmt (self, "DELETE FROM sessions WHERE user_id = ?", error)) ||
      !_cairn_core_bind (self, st, error, "i", uid) || !_cairn_core_step_done (self, st, error) ||
      !(st = _cairn_core_stmt (self, "DELETE FROM users WHERE id = ?", error)) ||
      !_cairn_core_bind (self, st, error, "i", uid) || !_cairn_core_step_done (self, st, error) ||
      !_cairn_core_commit (self, error))
    goto fail;
  return TRUE;

fail:
  _cairn_core_rollback (self);
  return FALSE;
}

GPtrArray *
cairn_server_core_user_list (CairnServerCore  *self,
                             GError          **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *st;

  if (self->backend != NULL)
    return self->backend->user_list (self, error);
  if (!(st = _cairn_core_stmt (self, "SELECT username FROM users ORDER BY username", error)) ||
      !read_texts (self, st, out, error))
    return NULL;
  return g_steal_pointer (&out);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-core-sessions.c: logins (rate limits, password checks)
 * and the sessions their tokens stand for. */
#define G_LOG_DOMAIN "cairn-server-core"
#include "config.h"

#include <string.h>
#include <gio/gio.h>
#include <sodium.h>

#include "cairn-server-core-private.h"

static char *
hash_token (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

/* ---- login ------------------------------------------------------------- */

/* The key failed logins from @address are counted under. An IPv6 host
 * usually owns a whole /64, so counting per exact address would let it try
 * 2^64 times as often: count per /64 instead. IPv4 (also written as an
 * IPv4-mapped IPv6 address) counts per address. Anything that does not parse
 * is counted as written. */
char *
cairn_server_core_address_key (const char *address)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  const guint8 *b;

  if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV6)
    return g_strdup (address);
  b = g_inet_address_to_bytes (inet);
  if (memcmp (b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
    return g_strdup_printf ("%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
  return g_strdup_printf ("%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64",
                          b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
}

/* Seconds until the counter's window ends if it is over limit, else 0. */
static gint64
counter_blocked (CairnServerCore *self,
                 GHashTable      *table,
                 const char      *key,
                 guint            limit,
                 gint64           now)
{
  LoginCounter *c = g_hash_table_lookup (table, key);
  gint64 end;

  if (c == NULL)
    return 0;
  end = c->window_start + self->options.login_window_ms;
  if (now >= end || c->failures < limit)
    return 0;
  return MAX (1, (end - now + 999) / 1000);
}

static void
counter_fail (CairnServerCore *self,
              GHashTable      *table,
              const char      *key,
              gint64           now)
{
  LoginCounter *c = g_hash_table_lookup (table, key);

  /* Forget stale counters now and then so that the table stays small. */
  if (c == NULL && g_hash_table_size (table) > 10000)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, table);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (now - ((LoginCounter *) value)->window_start >= self->options.login_window_ms)
          g_hash_table_iter_remove (&iter);
    }
  if (c == NULL)
    {
      c = g_new0 (LoginCounter, 1);
      c->window_start = now;
      g_hash_table_insert (table, g_strdup (key), c);
    }
  if (now - c->window_start >= self->options.login_window_ms)
    {
      c->window_start = now;
      c->failures = 0;
    }
  c->failures++;
}

/* Gives back an attempt counted by login_begin() that succeeded. */
static void
counter_release (GHashTable *table,
                 const char *key)
{
  LoginCounter *c = g_hash_table_lookup (table, key);

  if (c != NULL && c->failures > 0)
    c->failures--;
}

char *
cairn_server_core_login_begin (CairnServerCore  *self,
                               const char       *username,
                               const char       *address,
                               gint64           *out_retry_after,
                               GError          **error)
{
  gint64 now = cairn_server_core_now (self);
  gint64 wait_user, wait_addr;
  g_autofree char *addr_key = address ? cairn_server_core_address_key (address) : NULL;
  sqlite3_stmt *st;
  gboolean row;
  char *hash;

  *out_retry_after = 0;
  wait_user = counter_blocked (self, self->login_user, username,
                               self->options.login_failures_per_user, now);
  wait_addr = addr_key ? counter_blocked (self, self->login_addr, addr_key,
                                         self->options.login_failures_per_address, now) : 0;
  if (wait_user > 0 || wait_addr > 0)
    {
      *out_retry_after = MAX (wait_user, wait_addr);
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_RATE_LIMITED,
                   "Too many failed logins; try again in %" G_GINT64_FORMAT " s",
                   *out_retry_after);
      return NULL;
    }

  /* Counted now, as if it failed, and given back by login_finish() when
   * it succeeds: counting only after the slow password check would let a
   * burst of concurrent logins all pass the check above. */
  counter_fail (self, self->login_user, username, now);
  if (addr_key != NULL)
    counter_fail (self, self->login_addr, addr_key, now);

  if (self->backend != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if ((hash = self->backend->user_pwhash (self, username, &local_error)) != NULL)
        return hash;
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      row = FALSE;
    }
  else if (!(st = _cairn_core_stmt (self, "SELECT pwhash FROM users WHERE username = ?", error)) ||
           !_cairn_core_bind (self, st, error, "t", username) ||
           !_cairn_core_step_row (self, st, &row, error))
    return NULL;
  if (row)
    {
      hash = g_strdup (_cairn_core_col_text (st, 0));
      sqlite3_reset (st);
      return hash;
    }
  if (self->dummy_hash == NULL)
    {
      g_autofree char *pw = _cairn_core_random_hex (self, 16);

      if (!(self->dummy_hash = _cairn_core_hash_password (self, pw, error)))
        return NULL;
    }
  return g_strdup (self->dummy_hash);
}

gboolean
cairn_server_core_verify_password (const char *hash,
                                   const char *password)
{
  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

gboolean
cairn_server_core_login_finish (CairnServerCore    *self,
                                const char         *username,
                                const char         *address,
                                const char         *device,
                                gboolean            password_ok,
                                CairnSessionReply **out_reply,
                                GError            **error)
{
  g_autofree char *token = NULL;
  g_autofree char *token_hash = NULL;
  g_autofree char *session_id = NULL;
  gint64 now = cairn_server_core_now (self);
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *st;
  gint64 uid = 0;

  _cairn_core_settle (self);

  /* The user may have been removed while the hash was checked. */
  if (password_ok)
    uid = _cairn_core_user_id (self, username, &local_error);
  if (uid == 0)
    {
      if (local_error != NULL &&
          !g_error_matches (local_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* Already counted by login_begin(). */
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                           "Wrong user name or password");
      return FALSE;
    }

  token = _cairn_core_random_hex (self, 32);
  token_hash = hash_token (token);
  session_id = _cairn_core_random_uuid (self);
  if (self->backend != NULL)
    {
      if (!self->backend->session_insert (self, session_id, uid, token_hash, device, now, error))
        return FALSE;
    }
  else if (!(st = _cairn_core_stmt (self, "INSERT INTO sessions (id, user_id, token_hash, device, created_at, last_used_at) "
                                     "VALUES (?, ?, ?, ?, ?, ?)", error)) ||
      !_cairn_core_bind (self, st, error, "tittii", session_id, uid, token_hash, device, now, now) ||
      !_cairn_core_step_done (self, st, error))
    return FALSE;
  g_hash_table_remove (self->login_user, username);
  if (address != NULL)
    {
      g_autofree char *addr_key = cairn_server_core_address_key (address);

      counter_release (self->login_addr, addr_key);
    }
  *out_reply = g_new0 (CairnSessionReply, 1);
  (*out_reply)->token = g_steal_pointer (&token);
  (*out_reply)->user = g_strdup (username);
  (*out_reply)->device = g_strdup (device);
  (*out_reply)->session_id = g_steal_pointer (&session_id);
  return TRUE;
}

CairnSessionReply *
cairn_server_core_login (CairnServerCore  *self,
                         const char       *username,
                         const char       *password,
                         const char       *device,
                         const char       *address,
                         gint64           *out_retry_after,
                         GError          **error)
{
  g_autofree char *hash = NULL;
  CairnSessionReply *reply = NULL;
  gboolean ok;

  if (!(hash = cairn_server_core_login_begin (self, username, address, out_retry_after, error)))
    return NULL;
  ok = cairn_server_core_verify_password (hash, password);
  if (!cairn_server_core_login_finish (self, username, address, device, ok, &reply, error))
    return NULL;
  return reply;
}

/* ---- sessions ---------------------------------------------------------- */

void
cairn_auth_free (CairnAuth *self)
{
  if (self == NULL)
    return;
  g_free (self->username);
  g_free (self->session_id);
  g_free (self->device);
  g_free (self);
}

CairnAuth *
cairn_server_core_authenticate (CairnServerCore  *self,
                                const char       *token,
                                GError          **error)
{
  g_autofree char *token_hash = NULL;
  g_autoptr(CairnAuth) auth = NULL;
  gint64 now = cairn_server_core_now (self);
  gint64 last_used;
  sqlite3_stmt *st;
  gboolean row;

  if (token == NULL || *token == '\0')
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                           "Missing bearer token");
      return NULL;
    }
  token_hash = hash_token (token);
  if (self->backend != NULL)
    {
      g_autoptr(GError) find_error = NULL;

      if (!(auth = self->backend->session_find (self, token_hash, &last_used, &find_error)))
        {
          if (find_error != NULL)
            g_propagate_error (error, g_steal_pointer (&find_error));
          else
            g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                                 "Unknown or revoked token; log in again");
          return NULL;
        }
      goto found;
    }
  if (!(st = _cairn_core_stmt (self, "SELECT s.id, s.user_id, u.username, s.device, s.last_used_at "
                                     "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?", error)) ||
      !_cairn_core_bind (self, st, error, "t", token_hash) ||
      !_cairn_core_step_row (self, st, &row, error))
    return NULL;
  if (!row)
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                           "Unknown or revoked token; log in again");
      return NULL;
    }
  auth = g_new0 (CairnAuth, 1);
  auth->session_id = g_strdup (_cairn_core_col_text (st, 0));
  auth->user_id = sqlite3_column_int64 (st, 1);
  auth->username = g_strdup (_cairn_core_col_text (st, 2));
  auth->device = g_strdup (_cairn_core_col_text (st, 3));
  last_used = sqlite3_column_int64 (st, 4);
  sqlite3_reset (st);

found:
  if (now - last_used > self->options.session_idle_ms)
    {
      g_set_error_literal (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_UNAUTHORIZED,
                           "Token expired after a long time unused; log in again");
      return NULL;
    }
  if (now - last_used >= 60 * 1000)
    {
      g_autoptr(GError) touch_error = NULL;

      /* Bookkeeping only: when it cannot be written (a full disk) the
       * request goes on, so that reads keep being served. */
      if (self->backend != NULL
          ? !self->backend->session_touch (self, auth->session_id, now, G_MININT64, &touch_error)
          : !(st = _cairn_core_stmt (self, "UPDATE sessions SET last_used_at = ? WHERE id = ?", &touch_error)) ||
          !_cairn_core_bind (self, st, &touch_error, "it", now, auth->session_id) ||
          !_cairn_core_step_done (self, st, &touch_error))
        {
          if (!g_error_matches (touch_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL))
            {
              g_propagate_error (error, g_steal_pointer (&touch_error));
              return NULL;
            }
          g_debug ("Not recording the use of session %s: %s", auth->session_id, touch_error->message);
        }
    }
  return g_steal_pointer (&auth);
}

gboolean
cairn_server_core_still_allowed (CairnServerCore *self,
                                 const CairnAuth *auth,
                                 const char      *workspace_id)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *st;
  gboolean row = FALSE;
  gint64 last_used;

  if (self->backend != NULL)
    {
      last_used = self->backend->session_allowed (self, auth->session_id, workspace_id, &error);
      if (error != NULL)
        g_warning ("Cannot check a live connection's rights: %s", error->message);
      return last_used >= 0 &&
             cairn_server_core_now (self) - last_used <= self->options.session_idle_ms;
    }
  if (!(st = _cairn_core_stmt (self, "SELECT s.last_used_at FROM sessions s JOIN members m ON m.user_id = s.user_id "
                                     "WHERE s.id = ? AND m.workspace_id = ?", &error)) ||
      !_cairn_core_bind (self, st, &error, "tt", auth->session_id, workspace_id) ||
      !_cairn_core_step_row (self, st, &row, &error))
    {
      g_warning ("Cannot check a live connection's rights: %s", error->message);
      return FALSE;
    }
  if (!row)
    return FALSE;
  last_used = sqlite3_column_int64 (st, 0);
  sqlite3_reset (st);
  /* Expired like a token that authenticate() would refuse. */
  return cairn_server_core_now (self) - last_used <= self->options.session_idle_ms;
}

gint64
cairn_server_core_live_touch_interval (CairnServerCore *self)
{
  return MIN (CAIRN_CORE_LIVE_TOUCH_MS, self->options.session_idle_ms / 4);
}

gboolean
cairn_server_core_touch_session (CairnServerCore  *self,
                                 const CairnAuth  *auth,
                                 GError          **error)
{
  gint64 now = cairn_server_core_now (self);
  sqlite3_stmt *st;

  /* An expired session stays expired: use cannot bring it back. */
  if (self->backend != NULL)
    return self->backend->session_touch (self, auth->session_id, now,
                                         now - self->options.session_idle_ms, error);
  if (!(st = _cairn_core_stmt (self, "UPDATE sessions SET last_used_at = ? WHERE id = ? AND last_used_at >= ?", error)) ||
      !_cairn_core_bind (self, st, error, "iti", now, auth->session_id, now - self->options.session_idle_ms) ||
      !_cairn_core_step_done (self, st, error))
    return FALSE;
  return TRUE;
}

GPtrArray *
cairn_server_core_sessions (CairnServerCore  *self,
                            const CairnAuth  *auth,
                            GError          **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_session_info_free);
  sqlite3_stmt *st;
  gboolean row;

  if (self->backend != NULL)
    return self->backend->sessions (self, auth, error);
  if (!(st = _cairn_core_stmt (self, "SELECT id, device, created_at, last_used_at FROM sessions "
                                     "WHERE user_id = ? ORDER BY created_at DESC, id", error)) ||
      !_cairn_core_bind (self, st, error, "i", auth->user_id))
    return NULL;
  for (;;)
    {
      CairnSessionInfo *s;

      if (!_cairn_core_step_row (self, st, &row, error))
        return NULL;
      if (!row)
        break;
      s = g_new0 (CairnSessionInfo, 1);
      s->id = g_strdup (_cairn_core_col_text (st, 0));
      s->device = g_strdup (_cairn_core_col_text (st, 1));
      s->created_at = sqlite3_column_int64 (st, 2);
      s->last_used_at = sqlite3_column_int64 (st, 3);
      s->current = g_str_equal (s->id, auth->session_id);
      g_ptr_array_add (out, s);
    }
  return g_steal_pointer (&out);
}

gboolean
cairn_server_core_revoke_session (CairnServerCore *self,
                                  const CairnAuth *auth,
                                  const char      *session_id,
                                  GError         **error)
{
  sqlite3_stmt *st;

  _cairn_core_settle (self);

  if (self->backend != NULL)
    return self->backend->session_revoke (self, auth, session_id, error);
  if (!(st = _cairn_core_stmt (self, "DELETE FROM sessions WHERE id = ? AND user_id = ?", error)) ||
      !_cairn_core_bind (self, st, error, "ti", session_id, auth->user_id) ||
      !_cairn_core_step_done (self, st, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No session %s", session_id);
      return FALSE;
    }
  return TRUE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-core-log.c: the per-workspace event log: push (alone or
 * in a group commit), pull and head. */
#define G_LOG_DOMAIN "cairn-server-core"
#include "config.h"

#include "cairn-chain.h"
#include "cairn-server-core-private.h"

/* ---- event log ------------------------------------------------------------ */

static gboolean
workspace_head (CairnServerCore *self,
                const char      *workspace_id,
                gint64          *out_head,
                char           **out_history_id,
                GError         **error)
{
  sqlite3_stmt *st;
  gboolean row;

  if (!(st = _cairn_core_stmt (self, "SELECT head, history_id FROM workspaces WHERE id = ?", error)) ||
      !_cairn_core_bind (self, st, error, "t", workspace_id) ||
      !_cairn_core_step_row (self, st, &row, error))
    return FALSE;
  if (!row)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_NOT_FOUND,
                   "No workspace %s", workspace_id);
      return FALSE;
    }
  *out_head = sqlite3_column_int64 (st, 0);
  if (out_history_id != NULL)
    *out_history_id = g_strdup (_cairn_core_col_text (st, 1));
  sqlite3_reset (st);
  return TRUE;
}

gboolean
cairn_server_core_head (CairnServerCore  *self,
                        const CairnAuth  *auth,
                        const char       *workspace_id,
                        gint64           *out_head,
                        char            **out_history_id,
                        GError          **error)
{
  _cairn_core_settle (self);
  if (self->backend != NULL)
    return self->backend->head (self, auth, workspace_id, out_head, out_history_id, error);
  return cairn_server_core_check_member (self, auth, workspace_id, error) &&
         workspace_head (self, workspace_id, out_head, out_history_id, error);
}

typedef struct
{
  gint64 last;     /* last client_seq stored for this client */
} ClientState;

/* The state of ev's client in the workspace, read once per push and kept
 * in clients (keyed by the events' client_id strings). */
static ClientState *
client_state (CairnServerCore *self,
              GHashTable      *clients,
              const char      *workspace_id,
              CairnWireEvent  *ev,
              GError         **error)
{
  ClientState *cs = g_hash_table_lookup (clients, ev->client_id);
  sqlite3_stmt *st;
  gboolean row;

  if (cs != NULL)
    return cs;
  cs = g_new0 (ClientState, 1);
  g_hash_table_insert (clients, ev->client_id, cs);
  if (!(st = _cairn_core_stmt (self, "SELECT last_seq FROM clients WHERE workspace_id = ? AND client_id = ?", error)) ||
      !_cairn_core_bind (self, st, error, "tt", workspace_id, ev->client_id) ||
      !_cairn_core_step_row (self, st, &row, error))
    return NULL;
  if (row)
    {
      cs->last = sqlite3_column_int64 (st, 0);
      sqlite3_reset (st);
    }
  return cs;
}

/* The seq a re-sent event got the first time. */
static gboolean
stored_seq (CairnServerCore      *self,
            const char           *workspace_id,
            const CairnWireEvent *ev,
            gint64               *out_seq,
            GError              **error)
{
  sqlite3_stmt *st;
  gboolean row;

  if (!(st = _cairn_core_stmt (self, "SELECT seq FROM events WHERE workspace_id = ? AND client_id = ? "
                                     "AND client_seq = ?", error)) ||
      !_cairn_core_bind (self, st, error, "tti", workspace_id, ev->client_id, ev->client_seq) ||
      !_cairn_core_step_row (self, st, &row, error))
    return FALSE;
  if (!row)
    {
      g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_INTERNAL,
                   "Event %s/%" G_GINT64_FORMAT " is counted but missing from the log of %s",
                   ev->client_id, ev->client_seq, workspace_id);
      return FALSE;
    }
  *out_seq = sqlite3_column_int64 (st, 0);
  sqlite3_reset (st);
  return TRUE;
}

/* The chain of the workspace's log up to head (cairn-chain.h): NULL when
 * the event there has none (never after the schema 2 migration). */
static gboolean
head_chain (CairnServerCore  *self,
            const char       *workspace_id,
            gint64            head,
            char            **out_chain,
            GError          **error)
{
  sqlite3_stmt *st;
  gboolean row;

  *out_chain = NULL;
  if (head == 0)
    {
      *out_chain = g_strdup (CAIRN_CHAIN_ZERO);
      return TRUE;
    }
  if (!(st = _cairn_core_stmt (self, "SELECT chain FROM events WHERE workspace_id = ? AND seq = ?", error)) ||
      !_cairn_core_bind (self, st, error, "ti", workspace_id, head) ||
      !_cairn_core_step_row (self, st, &row, error))
    return FALSE;
  if (row)
    {
      const char *chain = _cairn_core_col_text (st, 0);

      if (sqlite3_column_type (st, 0) != SQLITE_NULL && cairn_chain_is_valid (chain))
        *out_chain = g_strdup (chain);
      sqlite3_reset (st);
    }
  return TRUE;
}
/* The event as the log stores it (both backends): at seq, stamped with
 * the pushing device and user, and chained after *chain (advanced to its
 * chain; left NULL, with the event's, when the workspace's chain is
 * unknown). */
CairnWireEvent *
_cairn_core_stored_event (const CairnWireEvent  *ev,
                          const CairnAuth       *auth,
                          gint64                 seq,
                          char                 **chain)
{
  CairnWireEvent *stored = cairn_wire_event_copy (ev);

  stored->seq = seq;
  g_clear_pointer (&stored->device, g_free);
  stored->device = g_strdup (auth->device);
  g_clear_pointer (&stored->user, g_free);
  stored->user = g_strdup (auth->username);
  g_clear_pointer (&stored->chain, g_free);
  if (*chain != NULL)
    {
      stored->chain = cairn_chain_next (*chain, stored->client_id, stored->client_seq);
      g_free (*chain);
      *chain = g_strdup (stored->chain);
    }
  return stored;
}


/* Stores a copy of ev as seq, stamped with auth's device and user name
 * and the chain
 * that follows *chain (updated; NULL stays NULL), and adds the copy to
 * appended. */
static gboolean
append_event (CairnServerCore       *self,
              const CairnAuth       *auth,
              const char            *workspace_id,
              const CairnWireEvent  *ev,
              gint64                 seq,
              char                 **chain,
              GPtrArray             *appended,
              GError               **error)
{
  CairnWireEvent *stored = _cairn_core_stored_event (ev, auth, seq, chain);
  sqlite3_stmt *st;

  g_ptr_array_add (appended, stored);
  return (st = _cairn_core_stmt (self, "INSERT INTO events (workspace_id, seq, client_id, client_seq, name, "
                                       "version, args, created_at, device, chain, username) "
                                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error)) &&
         /* The strings live until step_done() has reset the statement. */
         _cairn_core_bind (self, st, error, "sisisisisss", workspace_id, stored->seq, stored->client_id,
                           stored->client_seq, stored->name, stored->version, stored->args_json,
                           stored->created_at, stored->device, stored->chain, stored->user) &&
         _cairn_core_step_done (self, st, error);
}

/* Records every client's last client_seq and the workspace's new head. */
static gboolean
save_clients_and_head (CairnServerCore *self,
                       const char      *workspace_id,
                       GHashTable      *clients,
                       gint64           head,
                       GError         **error)
{
  GHashTableIter iter;
  gpointer key, value;
  sqlite3_stmt *st;

  g_hash_table_iter_init (&iter, clients);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!(st = _cairn_core_stmt (self, "INSERT INTO clients (workspace_id, client_id, last_seq) VALUES (?, ?, ?) "
                                       "ON CONFLICT (workspace_id, client_id) DO UPDATE SET last_seq = excluded.last_seq", error)) ||
        !_cairn_core_bind (self, st, error, "tti", workspace_id, (const char *) key, ((ClientState *) value)->last) ||
        !_cairn_core_step_done (self, st, error))
      return FALSE;
  return (st = _cairn_core_stmt (self, "UPDATE workspaces SET head = ? WHERE id = ?", error)) &&
         _cairn_core_bind (self, st, error, "it", head, workspace_id) &&
         _cairn_core_step_done (self, st, error);
}

/* The push itself, inside a transaction the caller opened and ends
 * (rolled back by the caller when this fails). */
static CairnPushReply *
push_locked (CairnServerCore  *self,
             const CairnAuth  *auth,
             const char       *workspace_id,
             GPtrArray        *events,
             GPtrArray       **out_appended,
             char            **out_gap_client_id,
             gint64           *out_expected,
             GError          **error)
{
  g_autoptr(CairnPushReply) reply = g_new0 (CairnPushReply, 1);
  g_autoptr(GPtrArray) appended = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  g_autoptr(GHashTable) clients = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *chain = NULL;
  gboolean chain_read = FALSE;
  gint64 head;

  reply->results = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_push_result_free);
  if (!cairn_server_core_check_member (self, auth, workspace_id, error) ||
      !workspace_head (self, workspace_id, &head, &reply->history_id, error))
    return NULL;

  for (guint i = 0; i < events->len; i++)
    {
      CairnWireEvent *ev = g_ptr_array_index (events, i);
      ClientState *cs;
      CairnPushResult *r;

      if (!(cs = client_state (self, clients, workspace_id, ev, error)))
        return NULL;
      r = g_new0 (CairnPushResult, 1);
      r->client_id = g_strdup (ev->client_id);
      r->client_seq = ev->client_seq;
      g_ptr_array_add (reply->results, r);

      if (ev->client_seq <= cs->last)
        {
          /* A re-send: answer with the seq it got the first time. */
          if (!stored_seq (self, workspace_id, ev, &r->seq, error))
            return NULL;
        }
      else if (ev->client_seq == cs->last + 1)
        {
          if (!chain_read && !head_chain (self, workspace_id, head, &chain, error))
            return NULL;
          chain_read = TRUE;
          r->seq = ++head;
          cs->last = ev->client_seq;
          if (!append_event (self, auth, workspace_id, ev, r->seq, &chain, appended, error))
            return NULL;
        }
      else
        {
          g_set_error (error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP,
                       "Client %s sent client_seq %" G_GINT64_FORMAT " but the server expects %" G_GINT64_FORMAT
                       "; re-send from there", ev->client_id, ev->client_seq, cs->last + 1);
          if (out_gap_client_id != NULL)
            *out_gap_client_id = g_strdup (ev->client_id);
          if (out_expected != NULL)
            *out_expected = cs->last + 1;
          return NULL;
        }
    }

  if (appended->len > 0 && !save_clients_and_head (self, workspace_id, clients, head, error))
    return NULL;
  reply->head = head;
  *out_appended = g_steal_pointer (&appended);
  return g_steal_pointer (&reply);
}

static void
push_outputs_init (GPtrArray **out_appended,
                   char      **out_gap_client_id,
                   gint64     *out_expected)
{
  *out_appended = NULL;
  if (out_gap_client_id != NULL)
    *out_gap_client_id = NULL;
  if (out_expected != NULL)
    *out_expected = 0;
}

CairnPushReply *
cairn_server_core_push (CairnServerCore  *self,
                        const CairnAuth  *auth,
                        const char       *workspace_id,
                        GPtrArray        *events,
                        GPtrArray       **out_appended,
                        char            **out_gap_client_id,
                        gint64           *out_expected,
                        GError          **error)
{
  g_autoptr(CairnPushReply) reply = NULL;

  g_return_val_if_fail (events != NULL && events->len > 0, NULL);

  push_outputs_init (out_appended, out_gap_client_id, out_expected);
  if (self->backend != NULL)
    {
      _cairn_core_settle (self);
      return self->backend->push (self, auth, workspace_id, events, FALSE, out_appended,
                                  out_gap_client_id, out_expected, error);
    }
  if (!_cairn_core_begin (self, error))
    return NULL;
  if (!(reply = push_locked (self, auth, workspace_id, events, out_appended,
                             out_gap_client_id, out_expected, error)) ||
      !_cairn_core_commit (self, error))
    {
      g_clear_pointer (out_appended, g_ptr_array_unref);
      _cairn_core_rollback (self);
      return NULL;
    }
  return g_steal_pointer (&reply);
}

void
cairn_server_core_set_group_func (CairnServerCore    *self,
                                  CairnCoreGroupFunc  func,
                                  gpointer            user_data)
{
  self->group_done = func;
  self->group_done_data = user_data;
}

gboolean
cairn_server_core_group_open (CairnServerCore *self)
{
  return self->in_group;
}

CairnPushReply *
cairn_server_core_push_grouped (CairnServerCore  *self,
                                const CairnAuth  *auth,
                                const char       *workspace_id,
                                GPtrArray        *events,
                                GPtrArray       **out_appended,
                                char            **out_gap_client_id,
                                gint64           *out_expected,
                                GError          **error)
{
  g_autoptr(CairnPushReply) reply = NULL;
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *st;

  g_return_val_if_fail (events != NULL && events->len > 0, NULL);
  g_return_val_if_fail (self->group_done != NULL, NULL);

  push_outputs_init (out_appended, out_gap_client_id, out_expected);
  if (self->backend != NULL)
    return self->backend->push (self, auth, workspace_id, events, TRUE, out_appended,
                                out_gap_client_id, out_expected, error);
  if (self->in_group && sqlite3_get_autocommit (self->db))
    {
      /* SQLite rolled the group's transaction back by itself (an I/O
       * error, say): its pushes are lost and must be answered so, before
       * a savepoint here would quietly start a new transaction. */
      g_autoptr(GError) group_error = NULL;

      self->in_group = FALSE;
      /* SQLite does so after an I/O error or a full disk. */
      g_set_error (&group_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL,
                   "The open group's transaction in %s was rolled back by SQLite", self->path);
      self->group_done (group_error, self->group_done_data);
    }
  if (!self->in_group)
    {
      if (!_cairn_core_begin (self, error))
        return NULL;
      self->in_group = TRUE;
    }
  /* A savepoint per push: a refused push undoes only its own writes and
   * leaves the others of the group in place. */
  if (!(st = _cairn_core_stmt (self, "SAVEPOINT cairn_push", error)) || !_cairn_core_step_done (self, st, error))
    return NULL;
  reply = push_locked (self, auth, workspace_id, events, out_appended,
                       out_gap_client_id, out_expected, &local_error);
  if (reply == NULL)
    {
      g_clear_pointer (out_appended, g_ptr_array_unref);
      if (sqlite3_get_autocommit (self->db) ||
          !(st = _cairn_core_stmt (self, "ROLLBACK TO cairn_push", NULL)) || !_cairn_core_step_done (self, st, NULL))
        {
          /* Cannot undo this push alone (or SQLite rolled the whole
           * transaction back itself, as after a full disk): give up the
           * whole group. */
          if (!sqlite3_get_autocommit (self->db))
            g_warning ("Cannot roll back to a savepoint in %s: %s", self->path, sqlite3_errmsg (self->db));
          self->in_group = FALSE;
          _cairn_core_rollback (self);
          if (self->group_done != NULL)
            {
              g_autoptr(GError) group_error = NULL;

              g_set_error (&group_error, CAIRN_PROTOCOL_ERROR,
                           g_error_matches (local_error, CAIRN_PROTOCOL_ERROR,
                                            CAIRN_PROTOCOL_ERROR_STORAGE_FULL)
                             ? CAIRN_PROTOCOL_ERROR_STORAGE_FULL : CAIRN_PROTOCOL_ERROR_INTERNAL,
                           "Cannot roll back a refused push in %s; the pending group was dropped",
                           self->path);
              self->group_done (group_error, self->group_done_data);
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  if (!(st = _cairn_core_stmt (self, "RELEASE cairn_push", error)) || !_cairn_core_step_done (self, st, error))
    {
      g_clear_pointer (out_appended, g_ptr_array_unref);
      g_clear_pointer (&reply, cairn_push_reply_free);
      return NULL;
    }
  if (reply == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return g_steal_pointer (&reply);
}

gboolean
cairn_server_core_commit_group (CairnServerCore  *self,
                                GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  if (!self->in_group)
    return TRUE;
  self->in_group = FALSE;
  if (self->backend != NULL)
    ok = self->backend->commit_group (self, &local_error);
  else if (sqlite3_get_autocommit (self->db))
    {
      /* Rolled back by SQLite itself (an I/O error or a full disk):
       * nothing of the group is stored. */
      g_set_error (&local_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_STORAGE_FULL,
                   "The open group's transaction in %s was rolled back by SQLite", self->path);
      ok = FALSE;
    }
  else
    ok = _cairn_core_commit (self, &local_error);
  if (self->group_done != NULL)
    self->group_done (ok ? NULL : local_error, self->group_done_data);
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* Commits an open group before anything else touches the database, so that
 * no other answer can show (or depend on) what is not committed yet. */
void
_cairn_core_settle (CairnServerCore *self)
{
  g_autoptr(GError) error = NULL;

  if (self->in_group && !cairn_server_core_commit_group (self, &error))
    g_warning ("Group commit failed: %s", error->message);
}

CairnPullReply *
cairn_server_core_pull (CairnServerCore  *self,
                        const CairnAuth  *auth,
                        const char       *workspace_id,
                        gint64            after,
                        guint             limit,
                        GError          **error)
{
  g_autoptr(CairnPullReply) reply = g_new0 (CairnPullReply, 1);
  sqlite3_stmt *st;
  gboolean row;
  gsize bytes = 0;

  g_return_val_if_fail (limit > 0, NULL);

  _cairn_core_settle (self);
  if (self->backend != NULL)
    return self->backend->pull (self, auth, workspace_id, after, limit, error);

  if (!cairn_server_core_check_member (self, auth, workspace_id, error) ||
      !workspace_head (self, workspace_id, &reply->head, &reply->history_id, error))
    return NULL;
  reply->events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  if (!(st = _cairn_core_stmt (self, "SELECT seq, client_id, client_seq, name, version, args, created_at, device, "
                                     "chain, username FROM events WHERE workspace_id = ? AND seq > ? ORDER BY seq LIMIT ?", error)) ||
      !_cairn_core_bind (self, st, error, "tii", workspace_id, after, (gint64) limit + 1))
    return NULL;
  for (;;)
    {
      CairnWireEvent *ev;
      gsize size;

      if (!_cairn_core_step_row (self, st, &row, error))
        return NULL;
      if (!row)
        break;
      if (reply->events->len == limit)
        {
          reply->more = TRUE;
          sqlite3_reset (st);
          break;
        }
      ev = cairn_wire_event_new (_cairn_core_col_text (st, 3), sqlite3_column_int64 (st, 4), _cairn_core_col_text (st, 5),
                                 _cairn_core_col_text (st, 1), sqlite3_column_int64 (st, 2),
                                 sqlite3_column_int64 (st, 6));
      ev->seq = sqlite3_column_int64 (st, 0);
      if (sqlite3_column_type (st, 7) != SQLITE_NULL)
        ev->device = g_strdup (_cairn_core_col_text (st, 7));
      if (sqlite3_column_type (st, 8) != SQLITE_NULL)
        ev->chain = g_strdup (_cairn_core_col_text (st, 8));
      if (sqlite3_column_type (st, 9) != SQLITE_NULL)
        ev->user = g_strdup (_cairn_core_col_text (st, 9));
      /* Keep the page within MAX_PAGE_BYTES (one event always fits). */
      size = cairn_wire_event_size_bound (ev);
      if (reply->events->len > 0 && bytes + size > CAIRN_PROTOCOL_MAX_PAGE_BYTES - 4096)
        {
          cairn_wire_event_free (ev);
          reply->more = TRUE;
          sqlite3_reset (st);
          break;
        }
      bytes += size;
      g_ptr_array_add (reply->events, ev);
    }
  return g_steal_pointer (&reply);
}

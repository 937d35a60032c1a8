/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-tail.c: the log rows of a large rebase (issue 17, the
 * catch-up's second and fourth rounds): written without their history
 * index rows (the seqs left out are the index's gap, filled later by
 * cairn-store-history.c), and the chain computed from the row before
 * kept in memory. docs/store.md, "What keeps a catch-up cheap". */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include <string.h>

#include "cairn-chain.h"
#include "cairn-store-private.h"

/* The trigger that keeps log_objects for every other writer of the log. */
#define ADD_TRIGGER "log_objects_add"

static gboolean
bind_ok (CairnStore  *self,
         int          rc,
         GError     **error)
{
  if (rc != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  return TRUE;
}

gboolean
_cairn_store_tail_begin (CairnStore  *self,
                         GPtrArray   *triggers,
                         GError     **error)
{
  sqlite3_stmt *stmt;
  g_autofree char *sql = NULL;
  int rc;

  g_assert (self->in_transaction);
  g_assert (!self->log_index_by_hand);

  stmt = _cairn_store_prepare (self, "SELECT sql FROM sqlite_schema "
                               "WHERE type = 'trigger' AND name = '" ADD_TRIGGER "'", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    sql = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the schema");
      return FALSE;
    }
  /* No trigger (no index: it is made again when a history is asked
   * for): nothing to keep up. */
  if (sql == NULL)
    return TRUE;
  if (!_cairn_store_exec (self, "DROP TRIGGER " ADD_TRIGGER, error))
    return FALSE;
  g_ptr_array_add (triggers, g_steal_pointer (&sql));
  self->log_index_by_hand = TRUE;
  self->tail_lists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->tail_chain_seq = 0;
  self->tail_gap_from = self->tail_gap_to = 0;
  return TRUE;
}

/* The lists a large batch found (for its top-level todo.created):
 * inside a batch no statement deletes a lists row (a list's deletion is
 * a flag; the rollback of the outbox, which can delete one, runs before
 * the batch's first reducer and forgets them too). */
gboolean
_cairn_store_tail_knows_list (CairnStore *self,
                              const char *list_id)
{
  return self->tail_lists != NULL && list_id != NULL &&
         g_hash_table_contains (self->tail_lists, list_id);
}

void
_cairn_store_tail_remember_list (CairnStore *self,
                                 const char *list_id)
{
  if (self->tail_lists != NULL && list_id != NULL)
    g_hash_table_add (self->tail_lists, g_strdup (list_id));
}

void
_cairn_store_tail_forget_lists (CairnStore *self)
{
  if (self->tail_lists != NULL)
    g_hash_table_remove_all (self->tail_lists);
}

void
_cairn_store_tail_end (CairnStore *self)
{
  g_clear_pointer (&self->tail_lists, g_hash_table_unref);
  self->log_index_by_hand = FALSE;
  self->tail_chain_seq = 0;
  self->tail_gap_from = self->tail_gap_to = 0;
}

/* The chain of the log row before @seq: from memory when this batch wrote
 * it, else read (NULL: unknown, as cairn_chain() gives for it). */
static gboolean
previous_chain (CairnStore  *self,
                gint64       seq,
                char        *out,
                gboolean    *out_known,
                GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  *out_known = FALSE;
  if (seq == 1)
    {
      memcpy (out, CAIRN_CHAIN_ZERO, CAIRN_CHAIN_HEX_LEN + 1);
      *out_known = TRUE;
      return TRUE;
    }
  if (self->tail_chain_seq != 0 && self->tail_chain_seq == seq - 1)
    {
      *out_known = self->tail_chain[0] != '\0';
      memcpy (out, self->tail_chain, CAIRN_CHAIN_HEX_LEN + 1);
      return TRUE;
    }
  stmt = _cairn_store_prepare (self, "SELECT chain FROM log WHERE seq = ?1", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_int64 (stmt, 1, seq - 1) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL &&
      cairn_chain_is_valid ((const char *) sqlite3_column_text (stmt, 0)))
    {
      memcpy (out, sqlite3_column_text (stmt, 0), CAIRN_CHAIN_HEX_LEN + 1);
      *out_known = TRUE;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the log's chain");
      return FALSE;
    }
  return TRUE;
}

gboolean
_cairn_store_insert_log_by_hand (CairnStore       *self,
                                 const CairnEvent *event,
                                 gboolean          skipped,
                                 GError          **error)
{
  g_autofree char *own = event->args_text == NULL ? cairn_event_dup_args_json (event) : NULL;
  const char *args = event->args_text != NULL ? event->args_text : own;
  char prev[CAIRN_CHAIN_HEX_LEN + 1];
  g_autofree char *chain = NULL;
  gboolean known;
  sqlite3_stmt *stmt;

  g_assert (self->log_index_by_hand);

  /* The same chain as cairn_chain() in _cairn_store_insert_log(): from
   * the row before, NULL after an unknown one. */
  if (!previous_chain (self, event->seq, prev, &known, error))
    return FALSE;
  if (known && event->client_id != NULL)
    chain = cairn_chain_next (prev, event->client_id, event->client_seq);

  /* No trigger on log now, and one row: SQLite needs no statement
   * journal for it. */
  stmt = _cairn_store_prepare_static (self,
                                      "INSERT INTO log (seq, client_id, client_seq, name, version, "
                                      "args, created_at, device, user_name, chain, skipped) "
                                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                                      error);
  if (stmt == NULL ||
      !bind_ok (self, sqlite3_bind_int64 (stmt, 1, event->seq), error) ||
      !bind_ok (self, sqlite3_bind_text (stmt, 2, event->client_id, -1, SQLITE_STATIC), error) ||
      !bind_ok (self, sqlite3_bind_int64 (stmt, 3, event->client_seq), error) ||
      !bind_ok (self, sqlite3_bind_text (stmt, 4, event->name, -1, SQLITE_STATIC), error) ||
      !bind_ok (self, sqlite3_bind_int64 (stmt, 5, event->version), error) ||
      !bind_ok (self, sqlite3_bind_text (stmt, 6, args, -1, SQLITE_STATIC), error) ||
      !bind_ok (self, sqlite3_bind_int64 (stmt, 7, event->created_at), error) ||
      !bind_ok (self, sqlite3_bind_text (stmt, 8, event->device, -1, SQLITE_STATIC), error) ||
      !bind_ok (self, sqlite3_bind_text (stmt, 9, event->user, -1, SQLITE_STATIC), error) ||
      !bind_ok (self, sqlite3_bind_text (stmt, 10, chain, -1, SQLITE_STATIC), error) ||
      !bind_ok (self, sqlite3_bind_int (stmt, 11, skipped), error) ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;

  self->tail_chain_seq = event->seq;
  if (chain != NULL)
    memcpy (self->tail_chain, chain, CAIRN_CHAIN_HEX_LEN + 1);
  else
    self->tail_chain[0] = '\0';

  /* Its index row is left to the gap's fill (cairn-store-history.c). */
  if (self->tail_gap_from == 0 || event->seq < self->tail_gap_from)
    self->tail_gap_from = event->seq;
  if (event->seq > self->tail_gap_to)
    self->tail_gap_to = event->seq;
  return TRUE;
}

gboolean
_cairn_store_tail_record_gap (CairnStore  *self,
                              GError     **error)
{
  sqlite3_stmt *stmt;

  if (!self->log_index_by_hand || self->tail_gap_from == 0)
    return TRUE;
  stmt = _cairn_store_prepare_static (self,
                                      "UPDATE meta SET "
                                      "history_gap_from = min (coalesce (history_gap_from, ?1), ?1), "
                                      "history_gap_to = max (coalesce (history_gap_to, ?2), ?2)",
                                      error);
  if (stmt == NULL ||
      !bind_ok (self, sqlite3_bind_int64 (stmt, 1, self->tail_gap_from), error) ||
      !bind_ok (self, sqlite3_bind_int64 (stmt, 2, self->tail_gap_to), error) ||
      !_cairn_store_step_done (self, stmt, error))
    return FALSE;
  self->history_gap_new = TRUE;
  return TRUE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-store-commit.c: local commits: a new event checked, applied and
 * put into the outbox with its changeset, in one transaction. */
#define G_LOG_DOMAIN "cairn-store"

#include "config.h"

#include "cairn-store-private.h"

/* 1 when a live tag other than @except_id has @name, compared
 * case-insensitively (case-folded), 0 when none, -1 on error. */
static int
tag_name_taken (CairnStore  *self,
                const char  *name,
                const char  *except_id,
                GError     **error)
{
  g_autofree char *folded = g_utf8_casefold (name, -1);
  sqlite3_stmt *stmt;
  int rc, found = 0;

  stmt = _cairn_store_prepare (self, "SELECT id, name FROM tags WHERE NOT deleted", error);
  if (stmt == NULL)
    return -1;
  while (!found && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *other = g_utf8_casefold ((const char *) sqlite3_column_text (stmt, 1), -1);

      found = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), except_id) != 0 &&
              g_str_equal (folded, other);
    }
  sqlite3_reset (stmt);
  if (!found && rc != SQLITE_DONE)
    {
      _cairn_store_set_error (self, error, "Cannot read the tags");
      return -1;
    }
  return found;
}

/* What only a local commit refuses, as it depends on the state: deleting
 * the Inbox, and a tag name another tag has. Events from elsewhere that
 * do either are applied by the reducers' rules (docs/events.md). */
static gboolean
check_local_rules (CairnStore        *self,
                   const CairnEvent  *event,
                   GError           **error)
{
  if (g_str_equal (event->name, "list.deleted") &&
      g_strcmp0 (json_object_get_string_member (event->args, "list_id"), CAIRN_INBOX_ID) == 0)
    {
      g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                   "list.deleted: “list_id” is the Inbox, which cannot be deleted");
      return FALSE;
    }
  if (g_str_equal (event->name, "tag.created") || g_str_equal (event->name, "tag.renamed"))
    {
      const char *name = json_object_get_string_member (event->args, "name");
      int taken = tag_name_taken (self, name,
                                  json_object_get_string_member (event->args, "tag_id"), error);

      if (taken < 0)
        return FALSE;
      if (taken)
        {
          g_set_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID,
                       "%s: “name”: a tag named “%s” exists already", event->name, name);
          return FALSE;
        }
    }
  return TRUE;
}

/* A new local event: valid, and one the server will accept. *args_json
 * gets its args as stored (written once, for the check and the row). */
static CairnEvent *
new_local_event (CairnStore  *self,
                 const char  *name,
                 guint        version,
                 JsonObject  *args,
                 char       **args_json,
                 GError     **error)
{
  g_autoptr(CairnEvent) event = cairn_event_new (name, version, args);
  g_autofree char *json = NULL;

  if (!cairn_event_validate (event, error) ||
      !check_local_rules (self, event, error))
    return NULL;
  json = cairn_event_dup_args_json (event);
  if (!_cairn_event_check_limits_args (event, json, error))
    return NULL;
  event->client_id = g_strdup (self->client_id);
  event->created_at = g_get_real_time () / 1000;
  *args_json = g_steal_pointer (&json);
  return g_steal_pointer (&event);
}

/* Inside a transaction: applies @event, adds it to the outbox with its
 * changeset under the next client_seq, and advances the cursor (a
 * rollback reloads it). */
static gboolean
commit_in_transaction (CairnStore    *self,
                       CairnEvent    *event,
                       const char    *args_json,
                       CairnChanges  *changes,
                       GError       **error)
{
  g_autoptr(GBytes) changeset = NULL;
  sqlite3_stmt *stmt;
  gboolean skipped = FALSE;

  g_assert (self->in_transaction);

  event->client_seq = self->next_client_seq;
  if (!_cairn_store_apply_event_recorded (self, event, changes, &skipped, &changeset, error))
    return FALSE;

  stmt = _cairn_store_prepare (self,
                               "INSERT INTO pending (client_seq, name, version, args, "
                               "created_at, changeset) VALUES (:client_seq, :name, "
                               ":version, :args, :created_at, ?)", error);
  if (stmt == NULL || !_cairn_store_bind_event (self, stmt, event, args_json, error))
    return FALSE;
  if (sqlite3_bind_blob (stmt, sqlite3_bind_parameter_count (stmt),
                         g_bytes_get_size (changeset) > 0 ? g_bytes_get_data (changeset, NULL) : "",
                         (int) g_bytes_get_size (changeset), SQLITE_STATIC) != SQLITE_OK)
    {
      _cairn_store_set_error (self, error, "Cannot bind");
      return FALSE;
    }
  if (!_cairn_store_step_done (self, stmt, error))
    return FALSE;
  if (!_cairn_store_undo_record (self, event, changeset, error))
    return FALSE;

  /* meta.next_client_seq is not written here (one page less per change):
   * the outbox and the log already say which numbers are used, and
   * _cairn_store_load_meta() takes the larger. */
  self->next_client_seq++;
  self->pending_count++;
  return TRUE;
}

CairnEvent *
cairn_store_commit (CairnStore  *self,
                    const char  *name,
                    guint        version,
                    JsonObject  *args,
                    GError     **error)
{
  g_autoptr(CairnEvent) event = NULL;
  g_autoptr(CairnChanges) changes = NULL;
  g_autofree char *args_json = NULL;
  gint64 old_head = self->head;
  guint old_pending = self->pending_count;

  g_return_val_if_fail (CAIRN_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (args != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((event = new_local_event (self, name, version, args, &args_json, error)) == NULL)
    return NULL;
  changes = _cairn_changes_new ();

  if (!_cairn_store_begin (self, error))
    return NULL;
  if (!commit_in_transaction (self, event, args_json, changes, error) ||
      !_cairn_store_end (self, error))
    {
      if (self->in_transaction)
        _cairn_store_rollback (self);
      _cairn_store_undo_commit_end (self);
      return NULL;
    }
  _cairn_store_undo_commit_end (self);

  _cairn_store_notify_cursor (self, old_head, old_pending);
  _cairn_store_emit_changed (self, changes);
  return g_steal_pointer (&event);
}

/* Commits @events (checked, with their args texts) in one transaction,
 * with one ::changed; ends this commit's undo action either way. */
static gboolean
commit_checked (CairnStore  *self,
                GPtrArray   *events,
                GPtrArray   *texts,
                GError     **error)
{
  g_autoptr(CairnChanges) changes = _cairn_changes_new ();
  gint64 old_head = self->head;
  guint old_pending = self->pending_count;

  if (!_cairn_store_begin (self, error))
    return FALSE;
  for (guint i = 0; i < events->len; i++)
    if (!commit_in_transaction (self, events->pdata[i], texts->pdata[i], changes, error))
      {
        _cairn_store_rollback (self);
        _cairn_store_undo_commit_end (self);
        return FALSE;
      }
  if (!_cairn_store_end (self, error))
    {
      if (self->in_transaction)
        _cairn_store_rollback (self);
      _cairn_store_undo_commit_end (self);
      return FALSE;
    }
  _cairn_store_undo_commit_end (self);

  _cairn_store_notify_cursor (self, old_head, old_pending);
  _cairn_store_emit_changed (self, changes);
  return TRUE;
}

gboolean
_cairn_store_commit_several (CairnStore  *self,
                             const char  *name,
                             guint        version,
                             GPtrArray   *args,
                             GError     **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);

  g_assert (!self->in_transaction);

  /* Every one is checked before anything is written. */
  for (guint i = 0; i < args->len; i++)
    {
      char *json = NULL;
      CairnEvent *event = new_local_event (self, name, version, args->pdata[i], &json, error);

      if (event == NULL)
        return FALSE;
      g_ptr_array_add (events, event);
      g_ptr_array_add (texts, json);
    }
  return commit_checked (self, events, texts, error);
}

/* Undo and redo (cairn-store-undo.c): events of several names in one
 * transaction, each checked before anything is written. */
gboolean
_cairn_store_commit_batch (CairnStore              *self,
                           GPtrArray               *names,
                           GArray                  *versions,
                           GPtrArray               *args,
                           GArray                  *refused,
                           CairnStoreInTransaction  extra,
                           gpointer                 extra_data,
                           GError                 **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CairnChanges) changes = NULL;
  gint64 old_head = self->head;
  guint old_pending = self->pending_count;

  g_assert (!self->in_transaction);

  for (guint i = 0; i < args->len; i++)
    {
      char *json = NULL;
      g_autoptr(GError) local = NULL;
      CairnEvent *event = new_local_event (self, names->pdata[i],
                                           g_array_index (versions, guint, i),
                                           args->pdata[i], &json, &local);

      if (event == NULL && refused != NULL && local->domain == CAIRN_EVENT_ERROR)
        {
          g_debug ("Undo: left out %s: %s", (const char *) names->pdata[i], local->message);
          g_array_append_val (refused, i);
          continue;
        }
      if (event == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      g_ptr_array_add (events, event);
      g_ptr_array_add (texts, json);
    }
  changes = _cairn_changes_new ();

  if (!_cairn_store_begin (self, error))
    return FALSE;
  for (guint i = 0; i < events->len; i++)
    if (!commit_in_transaction (self, events->pdata[i], texts->pdata[i], changes, error))
      {
        _cairn_store_rollback (self);
        return FALSE;
      }
  if ((extra != NULL && !extra (self, extra_data, error)) ||
      !_cairn_store_end (self, error))
    {
      if (self->in_transaction)
        _cairn_store_rollback (self);
      return FALSE;
    }

  _cairn_store_notify_cursor (self, old_head, old_pending);
  _cairn_store_emit_changed (self, changes);
  return TRUE;
}

/* ---- several local events of any kinds in one commit (issue 15) ---- */

gboolean
_cairn_store_commit_events (CairnStore  *self,
                            GPtrArray   *batch,
                            GError     **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);

  g_assert (!self->in_transaction);

  if (batch->len == 0)
    return TRUE;
  /* Every one is checked before anything is written. */
  for (guint i = 0; i < batch->len; i++)
    {
      const CairnEvent *wanted = batch->pdata[i];
      char *json = NULL;
      CairnEvent *event = new_local_event (self, wanted->name, wanted->version, wanted->args, &json, error);

      if (event == NULL)
        return FALSE;
      g_ptr_array_add (events, event);
      g_ptr_array_add (texts, json);
    }
  /* One action on the undo stack (a revert is undone as a whole). */
  return commit_checked (self, events, texts, error);
}

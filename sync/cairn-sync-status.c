/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-status.c: the observable sync status. */
#define G_LOG_DOMAIN "cairn-sync-status"
#include "config.h"

#include <json-glib/json-glib.h>

#include "cairn-conflict.h"
#include "cairn-sync-status-private.h"

struct _CairnSyncStatus
{
  GObject         parent_instance;
  CairnSyncState  state;
  char           *message;
  guint           pending_count;
  guint           refused_count;
  gint64          identity_changed_at;
  gint64          state_repaired_at;
  gint64          last_sync;
  gint64          next_retry;
  char           *server_url;
  char           *username;
  char           *workspace_id;
  GListStore     *conflicts;
};

G_DEFINE_FINAL_TYPE (CairnSyncStatus, cairn_sync_status, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (CairnSyncState, cairn_sync_state,
  G_DEFINE_ENUM_VALUE (CAIRN_SYNC_STATE_OFFLINE, "offline"),
  G_DEFINE_ENUM_VALUE (CAIRN_SYNC_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (CAIRN_SYNC_STATE_SYNCING, "syncing"),
  G_DEFINE_ENUM_VALUE (CAIRN_SYNC_STATE_UP_TO_DATE, "up-to-date"),
  G_DEFINE_ENUM_VALUE (CAIRN_SYNC_STATE_NEEDS_SIGN_IN, "needs-sign-in"),
  G_DEFINE_ENUM_VALUE (CAIRN_SYNC_STATE_ERROR, "error"),
  G_DEFINE_ENUM_VALUE (CAIRN_SYNC_STATE_REFUSED, "refused"))

enum {
  PROP_0,
  PROP_STATE,
  PROP_MESSAGE,
  PROP_PENDING_COUNT,
  PROP_LAST_SYNC,
  PROP_NEXT_RETRY,
  PROP_SERVER_URL,
  PROP_USERNAME,
  PROP_WORKSPACE_ID,
  PROP_CONFLICTS,
  PROP_STATE_REPAIRED_AT,
  PROP_REFUSED_COUNT,
  PROP_IDENTITY_CHANGED_AT,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

const char *
cairn_sync_state_to_string (CairnSyncState state)
{
  switch (state)
    {
    case CAIRN_SYNC_STATE_OFFLINE: return "offline";
    case CAIRN_SYNC_STATE_CONNECTING: return "connecting";
    case CAIRN_SYNC_STATE_SYNCING: return "syncing";
    case CAIRN_SYNC_STATE_UP_TO_DATE: return "up-to-date";
    case CAIRN_SYNC_STATE_NEEDS_SIGN_IN: return "needs-sign-in";
    case CAIRN_SYNC_STATE_ERROR: return "error";
    case CAIRN_SYNC_STATE_REFUSED: return "refused";
    default: return "unknown";
    }
}

static void
cairn_sync_status_finalize (GObject *object)
{
  CairnSyncStatus *self = (CairnSyncStatus *)object;

  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->server_url, g_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->workspace_id, g_free);
  g_clear_object (&self->conflicts);

  G_OBJECT_CLASS (cairn_sync_status_parent_class)->finalize (object);
}

static void
cairn_sync_status_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CairnSyncStatus *self = CAIRN_SYNC_STATUS (object);

  switch (prop_id)
    {
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_MESSAGE: g_value_set_string (value, self->message); break;
    case PROP_PENDING_COUNT: g_value_set_uint (value, self->pending_count); break;
    case PROP_LAST_SYNC: g_value_set_int64 (value, self->last_sync); break;
    case PROP_NEXT_RETRY: g_value_set_int64 (value, self->next_retry); break;
    case PROP_SERVER_URL: g_value_set_string (value, self->server_url); break;
    case PROP_USERNAME: g_value_set_string (value, self->username); break;
    case PROP_WORKSPACE_ID: g_value_set_string (value, self->workspace_id); break;
    case PROP_CONFLICTS: g_value_set_object (value, self->conflicts); break;
    case PROP_REFUSED_COUNT: g_value_set_uint (value, self->refused_count); break;
    case PROP_IDENTITY_CHANGED_AT: g_value_set_int64 (value, self->identity_changed_at); break;
    case PROP_STATE_REPAIRED_AT: g_value_set_int64 (value, self->state_repaired_at); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_sync_status_class_init (CairnSyncStatusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = cairn_sync_status_finalize;
  object_class->get_property = cairn_sync_status_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CAIRN_TYPE_SYNC_STATE,
                       CAIRN_SYNC_STATE_OFFLINE, flags);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, flags);
  properties[PROP_PENDING_COUNT] =
    g_param_spec_uint ("pending-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_REFUSED_COUNT] =
    g_param_spec_uint ("refused-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_IDENTITY_CHANGED_AT] =
    g_param_spec_int64 ("identity-changed-at", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_LAST_SYNC] =
    g_param_spec_int64 ("last-sync", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_NEXT_RETRY] =
    g_param_spec_int64 ("next-retry", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_SERVER_URL] = g_param_spec_string ("server-url", NULL, NULL, NULL, flags);
  properties[PROP_USERNAME] = g_param_spec_string ("username", NULL, NULL, NULL, flags);
  properties[PROP_WORKSPACE_ID] = g_param_spec_string ("workspace-id", NULL, NULL, NULL, flags);
  properties[PROP_CONFLICTS] =
    g_param_spec_object ("conflicts", NULL, NULL, G_TYPE_LIST_MODEL, flags);

  properties[PROP_STATE_REPAIRED_AT] =
    g_param_spec_int64 ("state-repaired-at", NULL, NULL, 0, G_MAXINT64, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cairn_sync_status_init (CairnSyncStatus *self)
{
  self->state = CAIRN_SYNC_STATE_OFFLINE;
  self->conflicts = g_list_store_new (CAIRN_TYPE_CONFLICT);
}

CairnSyncStatus *
cairn_sync_status_new (void)
{
  return g_object_new (CAIRN_TYPE_SYNC_STATUS, NULL);
}

CairnSyncState
cairn_sync_status_get_state (CairnSyncStatus *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_STATUS (self), CAIRN_SYNC_STATE_OFFLINE);
  return self->state;
}

const char *
cairn_sync_status_get_message (CairnSyncStatus *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_STATUS (self), NULL);
  return self->message;
}

guint
cairn_sync_status_get_pending_count (CairnSyncStatus *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_STATUS (self), 0);
  return self->pending_count;
}

gint64
cairn_sync_status_get_last_sync (CairnSyncStatus *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_STATUS (self), 0);
  return self->last_sync;
}

const char *
cairn_sync_status_get_server_url (CairnSyncStatus *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_STATUS (self), NULL);
  return self->server_url;
}

const char *
cairn_sync_status_get_username (CairnSyncStatus *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_STATUS (self), NULL);
  return self->username;
}

const char *
cairn_sync_status_get_workspace_id (CairnSyncStatus *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_STATUS (self), NULL);
  return self->workspace_id;
}

GListModel *
cairn_sync_status_get_conflicts (CairnSyncStatus *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_STATUS (self), NULL);
  return G_LIST_MODEL (self->conflicts);
}

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

void
_cairn_sync_status_set_state (CairnSyncStatus *self,
                              CairnSyncState   state,
                              const char      *message)
{
  g_return_if_fail (CAIRN_IS_SYNC_STATUS (self));

  if (state != CAIRN_SYNC_STATE_ERROR && state != CAIRN_SYNC_STATE_REFUSED)
    message = NULL;

  g_object_freeze_notify (G_OBJECT (self));
  if (set_string (&self->message, message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
_cairn_sync_status_set_pending_count (CairnSyncStatus *self,
                                      guint            count)
{
  g_return_if_fail (CAIRN_IS_SYNC_STATUS (self));

  if (self->pending_count != count)
    {
      self->pending_count = count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING_COUNT]);
    }
}

guint
cairn_sync_status_get_refused_count (CairnSyncStatus *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_STATUS (self), 0);
  return self->refused_count;
}

void
_cairn_sync_status_set_refused_count (CairnSyncStatus *self,
                                      guint            count)
{
  g_return_if_fail (CAIRN_IS_SYNC_STATUS (self));

  if (self->refused_count != count)
    {
      self->refused_count = count;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REFUSED_COUNT]);
    }
}

gint64
cairn_sync_status_get_identity_changed_at (CairnSyncStatus *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_STATUS (self), 0);
  return self->identity_changed_at;
}

void
_cairn_sync_status_set_identity_changed_at (CairnSyncStatus *self,
                                            gint64           unix_ms)
{
  g_return_if_fail (CAIRN_IS_SYNC_STATUS (self));

  if (self->identity_changed_at != unix_ms)
    {
      self->identity_changed_at = unix_ms;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDENTITY_CHANGED_AT]);
    }
}

gint64
cairn_sync_status_get_state_repaired_at (CairnSyncStatus *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_STATUS (self), 0);
  return self->state_repaired_at;
}

void
_cairn_sync_status_set_state_repaired_at (CairnSyncStatus *self,
                                          gint64           unix_ms)
{
  g_return_if_fail (CAIRN_IS_SYNC_STATUS (self));

  if (self->state_repaired_at != unix_ms)
    {
      self->state_repaired_at = unix_ms;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE_REPAIRED_AT]);
    }
}

void
_cairn_sync_status_set_last_sync (CairnSyncStatus *self,
                                  gint64           unix_ms)
{
  g_return_if_fail (CAIRN_IS_SYNC_STATUS (self));

  if (self->last_sync != unix_ms)
    {
      self->last_sync = unix_ms;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SYNC]);
    }
}

gint64
cairn_sync_status_get_next_retry (CairnSyncStatus *self)
{
  g_return_val_if_fail (CAIRN_IS_SYNC_STATUS (self), 0);
  return self->next_retry;
}

void
_cairn_sync_status_set_next_retry (CairnSyncStatus *self,
                                   gint64           unix_ms)
{
  g_return_if_fail (CAIRN_IS_SYNC_STATUS (self));

  if (self->next_retry != unix_ms)
    {
      self->next_retry = unix_ms;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEXT_RETRY]);
    }
}

void
_cairn_sync_status_set_account (CairnSyncStatus *self,
                                const char      *server_url,
                                const char      *username,
                                const char      *workspace_id)
{
  g_return_if_fail (CAIRN_IS_SYNC_STATUS (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (set_string (&self->server_url, server_url))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_URL]);
  if (set_string (&self->username, username))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USERNAME]);
  if (set_string (&self->workspace_id, workspace_id))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKSPACE_ID]);
  g_object_thaw_notify (G_OBJECT (self));
}

void
_cairn_sync_status_set_conflicts (CairnSyncStatus *self,
                                  GPtrArray       *conflicts)
{
  guint n_old;
  guint i;
  gboolean same;

  g_return_if_fail (CAIRN_IS_SYNC_STATUS (self));

  /* Avoid a needless items-changed (and a redraw) when nothing changed. */
  n_old = g_list_model_get_n_items (G_LIST_MODEL (self->conflicts));
  same = conflicts != NULL ? n_old == conflicts->len : n_old == 0;
  for (i = 0; same && conflicts != NULL && i < conflicts->len; i++)
    {
      g_autoptr(CairnConflict) old = g_list_model_get_item (G_LIST_MODEL (self->conflicts), i);
      same = cairn_conflict_get_id (old) == cairn_conflict_get_id (g_ptr_array_index (conflicts, i));
    }
  if (same)
    return;

  g_list_store_splice (self->conflicts, 0, n_old,
                       conflicts ? conflicts->pdata : NULL,
                       conflicts ? conflicts->len : 0);
}

char *
cairn_sync_status_to_json (CairnSyncStatus *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (CAIRN_IS_SYNC_STATUS (self), NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, cairn_sync_state_to_string (self->state));
  json_builder_set_member_name (b, "message");
  if (self->message)
    json_builder_add_string_value (b, self->message);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "pending");
  json_builder_add_int_value (b, self->pending_count);
  json_builder_set_member_name (b, "refused");
  json_builder_add_int_value (b, self->refused_count);
  if (self->identity_changed_at > 0)
    {
      json_builder_set_member_name (b, "identity_changed_at");
      json_builder_add_int_value (b, self->identity_changed_at);
    }
  json_builder_set_member_name (b, "last_sync");
  if (self->last_sync > 0)
    json_builder_add_int_value (b, self->last_sync);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "server");
  if (self->server_url)
    json_builder_add_string_value (b, self->server_url);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "username");
  if (self->username)
    json_builder_add_string_value (b, self->username);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "workspace");
  if (self->workspace_id)
    json_builder_add_string_value (b, self->workspace_id);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "conflicts");
  json_builder_add_int_value (b, g_list_model_get_n_items (G_LIST_MODEL (self->conflicts)));
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}

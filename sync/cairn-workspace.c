/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-workspace.c: the open workspace (store, pool) and the engine following it. */
#define G_LOG_DOMAIN "cairn-workspace"

#include "config.h"

#include "cairn-workspace.h"

#define LOCAL_GROUP "app"
#define LOCAL_KEY   "local-only-workspace"
#define NAMES_GROUP "workspace-names"

struct _CairnWorkspace
{
  GObject          parent_instance;

  CairnProfile    *profile;
  CairnSyncEngine *engine;
  CairnStore      *store;
  CairnPool       *pool;
  char            *id;
  char            *name;
  gboolean         local_only;
};

G_DEFINE_FINAL_TYPE (CairnWorkspace, cairn_workspace, G_TYPE_OBJECT)

enum { PROP_0, PROP_POOL, PROP_NAME, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
update_name (CairnWorkspace *self)
{
  g_autofree char *name = NULL;

  if (self->id != NULL)
    name = cairn_profile_dup_setting (self->profile, NAMES_GROUP, self->id);
  if (g_strcmp0 (name, self->name) == 0)
    return;
  g_free (self->name);
  self->name = g_steal_pointer (&name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/* The engine is made on first use: cairn-cli's commands that only read or
 * write the store never ask for it, nor for the account it loads. */
static CairnSyncEngine *
ensure_engine (CairnWorkspace *self)
{
  if (self->engine == NULL)
    self->engine = cairn_sync_engine_new (self->profile);
  return self->engine;
}

static void
names_listed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CairnWorkspace) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) workspaces = NULL;

  workspaces = cairn_sync_engine_list_workspaces_finish (CAIRN_SYNC_ENGINE (source), result, &error);
  if (workspaces == NULL)
    g_debug ("Cannot list the workspaces for their names: %s", error->message);
  else if (self->profile != NULL)
    cairn_workspace_remember_names (self, workspaces);
}

gboolean
cairn_workspace_open (CairnWorkspace  *self,
                      const char      *workspace_id,
                      gboolean         local_only,
                      GError         **error)
{
  g_autofree char *id = NULL;
  g_autofree char *remembered = NULL;
  g_autoptr(CairnStore) store = NULL;
  g_autoptr(CairnPool) pool = NULL;
  g_autoptr(CairnStore) old_store = NULL;
  g_autoptr(CairnPool) old_pool = NULL;
  g_autoptr(GError) watch_error = NULL;
  CairnSyncEngine *engine;

  g_return_val_if_fail (CAIRN_IS_WORKSPACE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  engine = ensure_engine (self);
  remembered = cairn_profile_dup_setting (self->profile, LOCAL_GROUP, LOCAL_KEY);
  if (workspace_id == NULL)
    {
      id = cairn_profile_dup_current_workspace (self->profile, error);
      if (id == NULL)
        return FALSE;
      local_only = g_strcmp0 (remembered, id) == 0;
    }
  else
    id = g_strdup (workspace_id);

  /* Everything that can fail comes before anything changes: the database
   * (an id that is not a UUID is refused here), then profile.ini. */
  store = cairn_profile_open_store (self->profile, id, error);
  if (store == NULL)
    return FALSE;
  if (local_only != (g_strcmp0 (remembered, id) == 0) &&
      !cairn_profile_set_setting (self->profile, LOCAL_GROUP, LOCAL_KEY,
                                  local_only ? id : NULL, error))
    return FALSE;
  if (!cairn_profile_set_current_workspace (self->profile, id, error))
    return FALSE;

  /* cairn-cli (or another process) may write the same file: show it. */
  if (!cairn_store_watch_external (store, &watch_error))
    g_warning ("%s", watch_error->message);
  pool = cairn_pool_new (store);

  /* The engine lets go of the old store before anything else does. */
  cairn_sync_engine_stop (engine);
  cairn_sync_engine_set_store (engine, local_only ? NULL : store,
                               local_only ? NULL : id);

  old_store = g_steal_pointer (&self->store);
  old_pool = g_steal_pointer (&self->pool);
  self->store = g_steal_pointer (&store);
  self->pool = g_steal_pointer (&pool);
  g_free (self->id);
  self->id = g_steal_pointer (&id);
  self->local_only = !!local_only;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POOL]);
  update_name (self);

  if (!self->local_only && cairn_sync_engine_is_signed_in (engine))
    {
      cairn_sync_engine_start (engine);
      /* Signed in elsewhere (cairn-cli login before this fix, another
       * device's share): the name is asked for once, in the background. */
      if (self->name == NULL)
        cairn_sync_engine_list_workspaces_async (engine, NULL, names_listed, g_object_ref (self));
    }
  return TRUE;
}

gboolean
cairn_workspace_open_store (CairnWorkspace  *self,
                            GError         **error)
{
  g_autofree char *id = NULL;
  g_autofree char *remembered = NULL;

  g_return_val_if_fail (CAIRN_IS_WORKSPACE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->store != NULL)
    return TRUE;
  id = cairn_profile_dup_current_workspace (self->profile, error);
  if (id == NULL)
    return FALSE;
  self->store = cairn_profile_open_store (self->profile, id, error);
  if (self->store == NULL)
    return FALSE;

  remembered = cairn_profile_dup_setting (self->profile, LOCAL_GROUP, LOCAL_KEY);
  self->local_only = g_strcmp0 (remembered, id) == 0;
  self->id = g_steal_pointer (&id);
  update_name (self);
  return TRUE;
}

static void
cairn_workspace_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CairnWorkspace *self = CAIRN_WORKSPACE (object);

  switch (prop_id)
    {
    case PROP_POOL:
      g_value_set_object (value, cairn_workspace_get_pool (self));
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_workspace_dispose (GObject *object)
{
  CairnWorkspace *self = CAIRN_WORKSPACE (object);

  if (self->engine != NULL)
    {
      cairn_sync_engine_stop (self->engine);
      cairn_sync_engine_set_store (self->engine, NULL, NULL);
    }
  g_clear_object (&self->engine);
  g_clear_object (&self->pool);
  g_clear_object (&self->store);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (cairn_workspace_parent_class)->dispose (object);
}

static void
cairn_workspace_finalize (GObject *object)
{
  CairnWorkspace *self = CAIRN_WORKSPACE (object);

  g_free (self->id);
  g_free (self->name);

  G_OBJECT_CLASS (cairn_workspace_parent_class)->finalize (object);
}

static void
cairn_workspace_class_init (CairnWorkspaceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = cairn_workspace_get_property;
  object_class->dispose = cairn_workspace_dispose;
  object_class->finalize = cairn_workspace_finalize;

  properties[PROP_POOL] =
    g_param_spec_object ("pool", NULL, NULL, CAIRN_TYPE_POOL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cairn_workspace_init (CairnWorkspace *self)
{
}

CairnWorkspace *
cairn_workspace_new (CairnProfile *profile)
{
  CairnWorkspace *self;

  g_return_val_if_fail (CAIRN_IS_PROFILE (profile), NULL);

  self = g_object_new (CAIRN_TYPE_WORKSPACE, NULL);
  self->profile = g_object_ref (profile);
  return self;
}

CairnProfile *
cairn_workspace_get_profile (CairnWorkspace *self)
{
  g_return_val_if_fail (CAIRN_IS_WORKSPACE (self), NULL);
  return self->profile;
}

CairnSyncEngine *
cairn_workspace_get_engine (CairnWorkspace *self)
{
  g_return_val_if_fail (CAIRN_IS_WORKSPACE (self), NULL);
  return ensure_engine (self);
}

CairnStore *
cairn_workspace_get_store (CairnWorkspace *self)
{
  g_return_val_if_fail (CAIRN_IS_WORKSPACE (self), NULL);
  return self->store;
}

CairnPool *
cairn_workspace_get_pool (CairnWorkspace *self)
{
  g_return_val_if_fail (CAIRN_IS_WORKSPACE (self), NULL);

  /* Opened with cairn_workspace_open_store(): made when first asked for. */
  if (self->pool == NULL && self->store != NULL)
    self->pool = cairn_pool_new (self->store);
  return self->pool;
}

const char *
cairn_workspace_get_id (CairnWorkspace *self)
{
  g_return_val_if_fail (CAIRN_IS_WORKSPACE (self), NULL);
  return self->id;
}

gboolean
cairn_workspace_is_local_only (CairnWorkspace *self)
{
  g_return_val_if_fail (CAIRN_IS_WORKSPACE (self), FALSE);
  return self->local_only;
}

const char *
cairn_workspace_get_name (CairnWorkspace *self)
{
  g_return_val_if_fail (CAIRN_IS_WORKSPACE (self), NULL);
  return self->name;
}

void
cairn_workspace_remember_names_in (CairnProfile *profile,
                                   GPtrArray    *workspaces)
{
  g_return_if_fail (CAIRN_IS_PROFILE (profile));
  g_return_if_fail (workspaces != NULL);

  for (guint i = 0; i < workspaces->len; i++)
    {
      const CairnWorkspaceInfo *info = g_ptr_array_index (workspaces, i);
      g_autofree char *known = cairn_profile_dup_setting (profile, NAMES_GROUP, info->id);
      g_autoptr(GError) error = NULL;

      if (g_strcmp0 (known, info->name) != 0 &&
          !cairn_profile_set_setting (profile, NAMES_GROUP, info->id, info->name, &error))
        g_warning ("Cannot remember the name of workspace %s: %s", info->id, error->message);
    }
}

void
cairn_workspace_remember_names (CairnWorkspace *self,
                                GPtrArray      *workspaces)
{
  g_return_if_fail (CAIRN_IS_WORKSPACE (self));
  g_return_if_fail (workspaces != NULL);

  cairn_workspace_remember_names_in (self->profile, workspaces);
  update_name (self);
}

char *
cairn_workspace_dup_name_of (CairnWorkspace *self,
                             const char     *workspace_id)
{
  g_return_val_if_fail (CAIRN_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (workspace_id != NULL, NULL);

  return cairn_profile_dup_setting (self->profile, NAMES_GROUP, workspace_id);
}

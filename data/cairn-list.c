/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-list.c: one todo list row as a read-only GObject of the pool. */
#define G_LOG_DOMAIN "cairn-list"

#include "config.h"

#include "cairn-pool-private.h"

struct _CairnList
{
  GObject  parent_instance;
  char    *id;
  char    *title;
  char    *position;
};

G_DEFINE_FINAL_TYPE (CairnList, cairn_list, G_TYPE_OBJECT)

enum { PROP_0, PROP_ID, PROP_TITLE, PROP_POSITION, N_PROPS };
static GParamSpec *properties [N_PROPS];

static void
cairn_list_finalize (GObject *object)
{
  CairnList *self = (CairnList *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->position, g_free);

  G_OBJECT_CLASS (cairn_list_parent_class)->finalize (object);
}

static void
cairn_list_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CairnList *self = CAIRN_LIST (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_POSITION:
      g_value_set_string (value, self->position);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_list_class_init (CairnListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = cairn_list_finalize;
  object_class->get_property = cairn_list_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_POSITION] = g_param_spec_string ("position", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cairn_list_init (CairnList *self)
{
}

CairnList *
_cairn_list_new (const char *id)
{
  CairnList *self;

  g_return_val_if_fail (id != NULL, NULL);

  self = g_object_new (CAIRN_TYPE_LIST, NULL);
  self->id = g_strdup (id);
  return self;
}

const char *
cairn_list_get_id (CairnList *self)
{
  g_return_val_if_fail (CAIRN_IS_LIST (self), NULL);
  return self->id;
}

const char *
cairn_list_get_title (CairnList *self)
{
  g_return_val_if_fail (CAIRN_IS_LIST (self), NULL);
  return self->title;
}

const char *
cairn_list_get_position (CairnList *self)
{
  g_return_val_if_fail (CAIRN_IS_LIST (self), NULL);
  return self->position;
}

gboolean
_cairn_list_set_title (CairnList  *self,
                       const char *title)
{
  g_return_val_if_fail (CAIRN_IS_LIST (self), FALSE);

  if (!_cairn_set_string (&self->title, title))
    return FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  return TRUE;
}

gboolean
_cairn_list_set_position (CairnList  *self,
                          const char *position)
{
  g_return_val_if_fail (CAIRN_IS_LIST (self), FALSE);

  if (!_cairn_set_string (&self->position, position))
    return FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
  return TRUE;
}

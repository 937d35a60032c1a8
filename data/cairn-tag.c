/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-tag.c: one tag of the workspace as a read-only GObject of the pool. */
#define G_LOG_DOMAIN "cairn-tag"

#include "config.h"

#include "cairn-pool-private.h"

struct _CairnTag
{
  GObject  parent_instance;
  char    *id;
  char    *name;
  char    *color;
};

G_DEFINE_FINAL_TYPE (CairnTag, cairn_tag, G_TYPE_OBJECT)

enum { PROP_0, PROP_ID, PROP_NAME, PROP_COLOR, N_PROPS };
static GParamSpec *properties [N_PROPS];

static void
cairn_tag_finalize (GObject *object)
{
  CairnTag *self = (CairnTag *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->color, g_free);

  G_OBJECT_CLASS (cairn_tag_parent_class)->finalize (object);
}

static void
cairn_tag_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CairnTag *self = CAIRN_TAG (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_COLOR:
      g_value_set_string (value, self->color);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_tag_class_init (CairnTagClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = cairn_tag_finalize;
  object_class->get_property = cairn_tag_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_COLOR] = g_param_spec_string ("color", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cairn_tag_init (CairnTag *self)
{
}

CairnTag *
_cairn_tag_new (const char *id)
{
  CairnTag *self;

  g_return_val_if_fail (id != NULL, NULL);

  self = g_object_new (CAIRN_TYPE_TAG, NULL);
  self->id = g_strdup (id);
  return self;
}

const char *
cairn_tag_get_id (CairnTag *self)
{
  g_return_val_if_fail (CAIRN_IS_TAG (self), NULL);
  return self->id;
}

const char *
cairn_tag_get_name (CairnTag *self)
{
  g_return_val_if_fail (CAIRN_IS_TAG (self), NULL);
  return self->name;
}

const char *
cairn_tag_get_color (CairnTag *self)
{
  g_return_val_if_fail (CAIRN_IS_TAG (self), NULL);
  return self->color;
}

gboolean
_cairn_tag_set_name (CairnTag  *self,
                       const char *name)
{
  g_return_val_if_fail (CAIRN_IS_TAG (self), FALSE);

  if (!_cairn_set_string (&self->name, name))
    return FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  return TRUE;
}

gboolean
_cairn_tag_set_color (CairnTag  *self,
                          const char *color)
{
  g_return_val_if_fail (CAIRN_IS_TAG (self), FALSE);

  if (!_cairn_set_string (&self->color, color))
    return FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLOR]);
  return TRUE;
}

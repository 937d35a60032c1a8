/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-conflict.c: an immutable record of one overwritten local change. */
#define G_LOG_DOMAIN "cairn-conflict"
#include "config.h"

#include "cairn-conflict.h"

struct _CairnConflict
{
  GObject  parent_instance;
  gint64   id;
  char    *kind;
  char    *object_id;
  char    *field;
  char    *ours;
  char    *theirs;
  char    *their_device;
  gint64   seq;
  gint64   detected_at;
};

G_DEFINE_FINAL_TYPE (CairnConflict, cairn_conflict, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_KIND,
  PROP_OBJECT_ID,
  PROP_FIELD,
  PROP_OURS,
  PROP_THEIRS,
  PROP_THEIR_DEVICE,
  PROP_SEQ,
  PROP_DETECTED_AT,
  N_PROPS
};

static GParamSpec *properties [N_PROPS];

static void
cairn_conflict_finalize (GObject *object)
{
  CairnConflict *self = (CairnConflict *)object;

  g_clear_pointer (&self->kind, g_free);
  g_clear_pointer (&self->object_id, g_free);
  g_clear_pointer (&self->field, g_free);
  g_clear_pointer (&self->ours, g_free);
  g_clear_pointer (&self->theirs, g_free);
  g_clear_pointer (&self->their_device, g_free);

  G_OBJECT_CLASS (cairn_conflict_parent_class)->finalize (object);
}

static void
cairn_conflict_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CairnConflict *self = CAIRN_CONFLICT (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_int64 (value, self->id); break;
    case PROP_KIND: g_value_set_string (value, self->kind); break;
    case PROP_OBJECT_ID: g_value_set_string (value, self->object_id); break;
    case PROP_FIELD: g_value_set_string (value, self->field); break;
    case PROP_OURS: g_value_set_string (value, self->ours); break;
    case PROP_THEIRS: g_value_set_string (value, self->theirs); break;
    case PROP_THEIR_DEVICE: g_value_set_string (value, self->their_device); break;
    case PROP_SEQ: g_value_set_int64 (value, self->seq); break;
    case PROP_DETECTED_AT: g_value_set_int64 (value, self->detected_at); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_conflict_class_init (CairnConflictClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = cairn_conflict_finalize;
  object_class->get_property = cairn_conflict_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_KIND] = g_param_spec_string ("kind", NULL, NULL, NULL, flags);
  properties[PROP_OBJECT_ID] = g_param_spec_string ("object-id", NULL, NULL, NULL, flags);
  properties[PROP_FIELD] = g_param_spec_string ("field", NULL, NULL, NULL, flags);
  properties[PROP_OURS] = g_param_spec_string ("ours", NULL, NULL, NULL, flags);
  properties[PROP_THEIRS] = g_param_spec_string ("theirs", NULL, NULL, NULL, flags);
  properties[PROP_THEIR_DEVICE] = g_param_spec_string ("their-device", NULL, NULL, NULL, flags);
  properties[PROP_SEQ] = g_param_spec_int64 ("seq", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_DETECTED_AT] =
    g_param_spec_int64 ("detected-at", NULL, NULL, 0, G_MAXINT64, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cairn_conflict_init (CairnConflict *self)
{
}

CairnConflict *
cairn_conflict_new (gint64      id,
                    const char *kind,
                    const char *object_id,
                    const char *field,
                    const char *ours,
                    const char *theirs,
                    const char *their_device,
                    gint64      seq,
                    gint64      detected_at)
{
  CairnConflict *self = g_object_new (CAIRN_TYPE_CONFLICT, NULL);

  self->id = id;
  self->kind = g_strdup (kind);
  self->object_id = g_strdup (object_id);
  self->field = g_strdup (field);
  self->ours = g_strdup (ours ? ours : "");
  self->theirs = g_strdup (theirs ? theirs : "");
  self->their_device = g_strdup (their_device);
  self->seq = seq;
  self->detected_at = detected_at;
  return self;
}

gint64
cairn_conflict_get_id (CairnConflict *self)
{
  g_return_val_if_fail (CAIRN_IS_CONFLICT (self), 0);
  return self->id;
}

const char *
cairn_conflict_get_kind (CairnConflict *self)
{
  g_return_val_if_fail (CAIRN_IS_CONFLICT (self), NULL);
  return self->kind;
}

const char *
cairn_conflict_get_object_id (CairnConflict *self)
{
  g_return_val_if_fail (CAIRN_IS_CONFLICT (self), NULL);
  return self->object_id;
}

const char *
cairn_conflict_get_field (CairnConflict *self)
{
  g_return_val_if_fail (CAIRN_IS_CONFLICT (self), NULL);
  return self->field;
}

const char *
cairn_conflict_get_ours (CairnConflict *self)
{
  g_return_val_if_fail (CAIRN_IS_CONFLICT (self), NULL);
  return self->ours;
}

const char *
cairn_conflict_get_theirs (CairnConflict *self)
{
  g_return_val_if_fail (CAIRN_IS_CONFLICT (self), NULL);
  return self->theirs;
}

const char *
cairn_conflict_get_their_device (CairnConflict *self)
{
  g_return_val_if_fail (CAIRN_IS_CONFLICT (self), NULL);
  return self->their_device;
}

gint64
cairn_conflict_get_seq (CairnConflict *self)
{
  g_return_val_if_fail (CAIRN_IS_CONFLICT (self), 0);
  return self->seq;
}

gint64
cairn_conflict_get_detected_at (CairnConflict *self)
{
  g_return_val_if_fail (CAIRN_IS_CONFLICT (self), 0);
  return self->detected_at;
}

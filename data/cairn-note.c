/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-note.c: one note row as a read-only GObject of the pool. */
#define G_LOG_DOMAIN "cairn-note"

#include "config.h"

#include "cairn-pool-private.h"

struct _CairnNote
{
  GObject  parent_instance;
  char    *id;
  char    *title;
  char    *body;
};

G_DEFINE_FINAL_TYPE (CairnNote, cairn_note, G_TYPE_OBJECT)

enum { PROP_0, PROP_ID, PROP_TITLE, PROP_BODY, N_PROPS };
static GParamSpec *properties [N_PROPS];

static void
cairn_note_finalize (GObject *object)
{
  CairnNote *self = (CairnNote *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->body, g_free);

  G_OBJECT_CLASS (cairn_note_parent_class)->finalize (object);
}

static void
cairn_note_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CairnNote *self = CAIRN_NOTE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_BODY:
      g_value_set_string (value, self->body);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_note_class_init (CairnNoteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = cairn_note_finalize;
  object_class->get_property = cairn_note_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_BODY] = g_param_spec_string ("body", NULL, NULL, "", flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cairn_note_init (CairnNote *self)
{
  self->body = g_strdup ("");
}

CairnNote *
_cairn_note_new (const char *id)
{
  CairnNote *self;

  g_return_val_if_fail (id != NULL, NULL);

  self = g_object_new (CAIRN_TYPE_NOTE, NULL);
  self->id = g_strdup (id);
  return self;
}

const char *
cairn_note_get_id (CairnNote *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE (self), NULL);
  return self->id;
}

const char *
cairn_note_get_title (CairnNote *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE (self), NULL);
  return self->title;
}

const char *
cairn_note_get_body (CairnNote *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE (self), NULL);
  return self->body;
}

gboolean
_cairn_note_set_title (CairnNote  *self,
                       const char *title)
{
  g_return_val_if_fail (CAIRN_IS_NOTE (self), FALSE);

  if (!_cairn_set_string (&self->title, title))
    return FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  return TRUE;
}

gboolean
_cairn_note_set_body (CairnNote  *self,
                      const char *body)
{
  g_return_val_if_fail (CAIRN_IS_NOTE (self), FALSE);

  /* The body is never NULL: an absent body is the empty text. */
  if (!_cairn_set_string (&self->body, body != NULL ? body : ""))
    return FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BODY]);
  return TRUE;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-note.c: one note row as a read-only GObject of the pool.
 *
 * The body is read only when someone asks for it: the pool gives the note
 * its text version (a few dozen bytes) on every change, and the note
 * drops its cached body and notifies "body" when the version changes. A
 * note's text is a function of its version, so an equal version means an
 * equal body; a new version almost always means new text (a burst that
 * typed and erased the same characters notifies with an equal body). */
#define G_LOG_DOMAIN "cairn-note"

#include "config.h"

#include <string.h>

#include "cairn-pool-private.h"

struct _CairnNote
{
  GObject  parent_instance;
  char    *id;
  char    *title;
  char    *body;      /* NULL: not read since the version last changed */
  GBytes  *version;   /* the note's text version (NULL: never edited) */
  gint64   row_edited_at;   /* notes.edited_at: created, renamed */
  gint64   text_edited_at;  /* note_versions.edited_at: note.edited */
  gboolean pinned;
  CairnPool *pool;    /* not a reference: the pool detaches its notes */
};

G_DEFINE_FINAL_TYPE (CairnNote, cairn_note, G_TYPE_OBJECT)

enum { PROP_0, PROP_ID, PROP_TITLE, PROP_BODY, PROP_PINNED, PROP_EDITED_AT, N_PROPS };
static GParamSpec *properties [N_PROPS];

static void
cairn_note_finalize (GObject *object)
{
  CairnNote *self = (CairnNote *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->body, g_free);
  g_clear_pointer (&self->version, g_bytes_unref);

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
      g_value_set_string (value, cairn_note_get_body (self));
      break;
    case PROP_PINNED:
      g_value_set_boolean (value, self->pinned);
      break;
    case PROP_EDITED_AT:
      g_value_set_int64 (value, cairn_note_get_edited_at (self));
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
  properties[PROP_PINNED] = g_param_spec_boolean ("pinned", NULL, NULL, FALSE, flags);
  properties[PROP_EDITED_AT] = g_param_spec_int64 ("edited-at", NULL, NULL,
                                                   0, G_MAXINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cairn_note_init (CairnNote *self)
{
}

CairnNote *
_cairn_note_new (CairnPool  *pool,
                 const char *id)
{
  CairnNote *self;

  g_return_val_if_fail (id != NULL, NULL);

  self = g_object_new (CAIRN_TYPE_NOTE, NULL);
  self->id = g_strdup (id);
  self->pool = pool;
  return self;
}

void
_cairn_note_detach (CairnNote *self)
{
  g_return_if_fail (CAIRN_IS_NOTE (self));

  self->pool = NULL;
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

/**
 * cairn_note_get_body:
 *
 * The note's text, read from the store the first time it is asked for
 * after a change and kept until the next one (so the pointer stays valid
 * until "body" is notified). A note whose text cannot be read (its stored
 * CRDT is damaged) warns and gives the empty text; so does a note whose
 * pool is gone and whose body was never read.
 */
const char *
cairn_note_get_body (CairnNote *self)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (CAIRN_IS_NOTE (self), NULL);

  if (self->body != NULL)
    return self->body;
  if (self->pool != NULL)
    {
      self->body = _cairn_pool_dup_note_body (self->pool, self->id, &error);
      if (self->body == NULL)
        g_warning ("Cannot read the body of note %s: %s", self->id, error->message);
    }
  if (self->body == NULL)
    self->body = g_strdup ("");
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
_cairn_note_set_version (CairnNote     *self,
                         gconstpointer  version,
                         gsize          size)
{
  g_return_val_if_fail (CAIRN_IS_NOTE (self), FALSE);

  if (version == NULL ? self->version == NULL
                      : self->version != NULL && size == g_bytes_get_size (self->version) &&
                        memcmp (version, g_bytes_get_data (self->version, NULL), size) == 0)
    return FALSE;
  g_clear_pointer (&self->version, g_bytes_unref);
  if (version != NULL)
    self->version = g_bytes_new (version, size);
  g_clear_pointer (&self->body, g_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BODY]);
  return TRUE;
}

gboolean
cairn_note_get_pinned (CairnNote *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE (self), FALSE);
  return self->pinned;
}

gint64
cairn_note_get_edited_at (CairnNote *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE (self), 0);
  return MAX (self->row_edited_at, self->text_edited_at);
}

gboolean
_cairn_note_set_pinned (CairnNote *self,
                        gboolean   pinned)
{
  g_return_val_if_fail (CAIRN_IS_NOTE (self), FALSE);

  pinned = !!pinned;
  if (self->pinned == pinned)
    return FALSE;
  self->pinned = pinned;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PINNED]);
  return TRUE;
}

/* row: from notes.edited_at, else from note_versions.edited_at. */
gboolean
_cairn_note_set_edited_at (CairnNote *self,
                           gboolean   row,
                           gint64     edited_at)
{
  gint64 before;

  g_return_val_if_fail (CAIRN_IS_NOTE (self), FALSE);

  before = cairn_note_get_edited_at (self);
  if (row)
    self->row_edited_at = edited_at;
  else
    self->text_edited_at = edited_at;
  if (cairn_note_get_edited_at (self) == before)
    return FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDITED_AT]);
  return TRUE;
}

gint64
_cairn_note_edited_at_with_text (CairnNote *self,
                                 gint64     text_edited_at)
{
  g_return_val_if_fail (CAIRN_IS_NOTE (self), 0);
  return MAX (self->row_edited_at, text_edited_at);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-note-buffer.c: keystrokes to note.edited bursts, remote changes to
 * (position, deleted, inserted). */
#define G_LOG_DOMAIN "cairn-note-buffer"

#include "config.h"

#include <string.h>

#include "cairn-note-buffer.h"
#include "cairn-store-undo.h"

struct _CairnNoteBuffer
{
  GObject       parent_instance;

  CairnStore   *store;
  char         *note_id;    /* or the todo id, for_todo */
  gboolean      for_todo;   /* a task's notes (todo.notes_edited) */
  CairnText    *text;       /* the store's CRDT plus the unflushed edits */
  CairnTextOps *unflushed;
  char         *visible;    /* cached get_text of text, NULL until asked for */
  guint         flush_delay;
  guint         flush_source;
  /* Where the last local edit ended (code points), for the store's undo:
   * an edit elsewhere is a cursor jump, which ends the typing action. */
  gboolean      has_edit_end;
  gsize         edit_end;
  gboolean      break_at_flush;
  gulong        changed_handler;
  gboolean      flushing;
  gboolean      save_failing;  /* the last commit of unflushed edits failed */
  char         *refusal;    /* why edits are refused now, NULL: editable */
};

G_DEFINE_FINAL_TYPE (CairnNoteBuffer, cairn_note_buffer, G_TYPE_OBJECT)

enum { PROP_0, PROP_FLUSH_DELAY, PROP_EDITABLE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_REMOTE_CHANGED, SIGNAL_SAVE_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The text changed: the visible text is made again when next asked for,
 * not on every keystroke (it costs the whole note). */
static void
refresh_visible (CairnNoteBuffer *self)
{
  g_clear_pointer (&self->visible, g_free);
}

static const char *
ensure_visible (CairnNoteBuffer *self)
{
  if (self->visible == NULL)
    self->visible = cairn_text_get_text (self->text, NULL);
  return self->visible;
}

/* Asks the replica whether it can make edits now, and says so when that
 * changed. */
static void
refresh_editable (CairnNoteBuffer *self)
{
  g_autoptr(GError) error = NULL;
  gboolean was = self->refusal == NULL;

  g_clear_pointer (&self->refusal, g_free);
  if (!cairn_text_check_editable (self->text, &error))
    self->refusal = g_strdup (error->message);
  if (was != (self->refusal == NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EDITABLE]);
}

/* Reports old → new as one replaced region (common prefix and suffix
 * removed), in code points. */
static void
emit_difference (CairnNoteBuffer *self,
                 const char      *old,
                 const char      *new)
{
  const char *a = old, *b = new;
  const char *ae = old + strlen (old), *be = new + strlen (new);
  g_autofree char *inserted = NULL;
  glong pos;

  while (a < ae && b < be && g_utf8_get_char (a) == g_utf8_get_char (b))
    {
      a = g_utf8_next_char (a);
      b = g_utf8_next_char (b);
    }
  while (ae > a && be > b)
    {
      const char *pa = g_utf8_prev_char (ae), *pb = g_utf8_prev_char (be);
      if (g_utf8_get_char (pa) != g_utf8_get_char (pb))
        break;
      ae = pa;
      be = pb;
    }
  if (a == ae && b == be)
    return;
  pos = g_utf8_pointer_to_offset (old, a);
  inserted = g_strndup (b, be - b);
  g_signal_emit (self, signals[SIGNAL_REMOTE_CHANGED], 0,
                 (guint) pos, (guint) g_utf8_pointer_to_offset (a, ae), inserted);
}

static CairnText *
load_text (CairnNoteBuffer  *self,
           CairnStore       *store,
           const char       *id,
           GError          **error)
{
  if (self->for_todo)
    return cairn_store_load_todo_notes (store, id, error);
  return cairn_store_load_note_text (store, id, error);
}

static void
on_store_changed (CairnStore      *store,
                  CairnChanges    *changes,
                  CairnNoteBuffer *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnText) fresh = NULL;
  g_autofree char *old = NULL;

  if (self->flushing)
    return;
  if (!changes->reset &&
      !g_hash_table_contains (self->for_todo ? changes->todos : changes->notes, self->note_id))
    return;
  fresh = load_text (self, store, self->note_id, &error);
  if (fresh == NULL)
    {
      /* Deleted meanwhile: keep what the user sees; flush will say so. */
      g_debug ("Not reloading note %s: %s", self->note_id, error->message);
      return;
    }
  if (changes->reset && !self->for_todo)
    {
      /* The store may have taken a new text client id because another
       * replica used ours (a copied profile): our unsaved typing moves
       * with it, or its ids could be the other replica's. */
      g_autoptr(CairnTextOps) moved = cairn_store_rekey_unsaved_ops (store, self->note_id,
                                                                    self->unflushed);

      if (moved != NULL)
        {
          cairn_text_ops_clear (self->unflushed);
          cairn_text_ops_append (self->unflushed, moved);
        }
    }
  if (!cairn_text_apply (fresh, self->unflushed, 0, &error))
    {
      g_warning ("Cannot merge the unsaved edits of note %s: %s", self->note_id, error->message);
      return;
    }
  ensure_visible (self);
  old = g_steal_pointer (&self->visible);
  cairn_text_free (self->text);
  self->text = g_steal_pointer (&fresh);
  emit_difference (self, old, ensure_visible (self));
  refresh_editable (self);
}

static gboolean
flush_timeout (gpointer data)
{
  CairnNoteBuffer *self = data;
  g_autoptr(GError) error = NULL;
  gboolean was_failing = self->save_failing;

  self->flush_source = 0;
  /* On failure the edits stay, visible and unflushed, and flush() tries
   * again later; the person hears of it once. */
  if (!cairn_note_buffer_flush (self, &error) && !was_failing)
    {
      if (g_signal_has_handler_pending (self, signals[SIGNAL_SAVE_FAILED], 0, FALSE))
        g_signal_emit (self, signals[SIGNAL_SAVE_FAILED], 0, error);
      else
        g_warning ("Cannot save note %s: %s", self->note_id, error->message);
    }
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (CairnNoteBuffer *self)
{
  g_clear_handle_id (&self->flush_source, g_source_remove);
  self->flush_source = g_timeout_add (self->flush_delay, flush_timeout, self);
}

gboolean
cairn_note_buffer_flush (CairnNoteBuffer  *self,
                         GError          **error)
{
  gboolean ok;

  g_return_val_if_fail (CAIRN_IS_NOTE_BUFFER (self), FALSE);

  g_clear_handle_id (&self->flush_source, g_source_remove);
  if (cairn_text_ops_is_empty (self->unflushed))
    return TRUE;
  if (self->break_at_flush)
    cairn_store_break_typing (self->store);
  self->break_at_flush = FALSE;
  /* Our own commit changes nothing we do not already show. */
  self->flushing = TRUE;
  if (self->for_todo)
    ok = cairn_store_edit_todo_notes (self->store, self->note_id, self->unflushed, error);
  else
    ok = cairn_store_edit_note (self->store, self->note_id, self->unflushed, error);
  self->flushing = FALSE;
  if (ok)
    {
      cairn_text_ops_clear (self->unflushed);
      self->save_failing = FALSE;
    }
  else
    {
      /* Tried again until it goes through (a full disk, say): the text
       * is saved once space returns even if nobody types again. */
      self->save_failing = TRUE;
      self->flush_source = g_timeout_add (MAX (self->flush_delay, CAIRN_NOTE_BUFFER_RETRY_MS),
                                          flush_timeout, self);
    }
  return ok;
}

gboolean
cairn_note_buffer_get_save_failing (CairnNoteBuffer *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE_BUFFER (self), FALSE);
  return self->save_failing;
}

gboolean
cairn_note_buffer_has_unflushed (CairnNoteBuffer *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE_BUFFER (self), FALSE);
  return !cairn_text_ops_is_empty (self->unflushed);
}

/* Before a local edit at @pos (deleting @del code points): after a cursor
 * jump the typing that follows starts a new undo action
 * (cairn_store_break_typing()). */
static void
check_cursor_jump (CairnNoteBuffer *self,
                   gsize            pos,
                   gsize            del)
{
  if (!self->has_edit_end || pos == self->edit_end || pos + del == self->edit_end)
    return;
  /* Nothing is committed while a burst goes on: a jump inside one makes
   * that burst an action of its own, from its start. */
  if (cairn_text_ops_is_empty (self->unflushed))
    cairn_store_break_typing (self->store);
  else
    self->break_at_flush = TRUE;
}

gboolean
cairn_note_buffer_insert (CairnNoteBuffer  *self,
                          gsize             pos,
                          const char       *utf8,
                          gssize            len,
                          GError          **error)
{
  g_return_val_if_fail (CAIRN_IS_NOTE_BUFFER (self), FALSE);

  check_cursor_jump (self, pos, 0);
  if (!cairn_text_insert (self->text, pos, utf8, len, self->unflushed, error))
    {
      refresh_editable (self);
      return FALSE;
    }
  self->has_edit_end = TRUE;
  self->edit_end = pos + (gsize) g_utf8_strlen (utf8, len);
  refresh_visible (self);
  schedule_flush (self);
  return TRUE;
}

gboolean
cairn_note_buffer_delete (CairnNoteBuffer  *self,
                          gsize             pos,
                          gsize             len,
                          GError          **error)
{
  g_return_val_if_fail (CAIRN_IS_NOTE_BUFFER (self), FALSE);

  if (len > 0)
    check_cursor_jump (self, pos, len);
  if (!cairn_text_delete (self->text, pos, len, self->unflushed, error))
    {
      refresh_editable (self);
      return FALSE;
    }
  if (len > 0)
    {
      self->has_edit_end = TRUE;
      self->edit_end = pos;
      refresh_visible (self);
      schedule_flush (self);
    }
  return TRUE;
}

const char *
cairn_note_buffer_get_note_id (CairnNoteBuffer *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE_BUFFER (self), NULL);
  return self->note_id;
}

const char *
cairn_note_buffer_get_text (CairnNoteBuffer *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE_BUFFER (self), NULL);
  return ensure_visible (self);
}

gsize
cairn_note_buffer_get_length (CairnNoteBuffer *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE_BUFFER (self), 0);
  return cairn_text_get_length (self->text);
}

gboolean
cairn_note_buffer_get_editable (CairnNoteBuffer *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE_BUFFER (self), FALSE);
  return self->refusal == NULL;
}

const char *
cairn_note_buffer_get_refusal (CairnNoteBuffer *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE_BUFFER (self), NULL);
  return self->refusal;
}

guint
cairn_note_buffer_get_flush_delay (CairnNoteBuffer *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE_BUFFER (self), 0);
  return self->flush_delay;
}

void
cairn_note_buffer_set_flush_delay (CairnNoteBuffer *self,
                                   guint            ms)
{
  g_return_if_fail (CAIRN_IS_NOTE_BUFFER (self));
  if (self->flush_delay == ms)
    return;
  self->flush_delay = ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLUSH_DELAY]);
}

static CairnNoteBuffer *
note_buffer_new (CairnStore  *store,
                 const char  *note_id,
                 gboolean     for_todo,
                 GError     **error)
{
  g_autoptr(CairnNoteBuffer) self = NULL;
  CairnText *text;

  g_return_val_if_fail (CAIRN_IS_STORE (store), NULL);

  text = for_todo ? cairn_store_load_todo_notes (store, note_id, error)
                  : cairn_store_load_note_text (store, note_id, error);
  if (text == NULL)
    return NULL;
  self = g_object_new (CAIRN_TYPE_NOTE_BUFFER, NULL);
  self->for_todo = for_todo;
  self->store = g_object_ref (store);
  self->note_id = g_strdup (note_id);
  self->text = text;
  refresh_visible (self);
  refresh_editable (self);
  self->changed_handler = g_signal_connect (store, "changed", G_CALLBACK (on_store_changed), self);
  return g_steal_pointer (&self);
}

CairnNoteBuffer *
cairn_note_buffer_new (CairnStore  *store,
                       const char  *note_id,
                       GError     **error)
{
  return note_buffer_new (store, note_id, FALSE, error);
}

CairnNoteBuffer *
cairn_note_buffer_new_for_todo (CairnStore  *store,
                                const char  *todo_id,
                                GError     **error)
{
  return note_buffer_new (store, todo_id, TRUE, error);
}

static void
cairn_note_buffer_dispose (GObject *object)
{
  CairnNoteBuffer *self = CAIRN_NOTE_BUFFER (object);

  if (self->store != NULL)
    {
      g_autoptr(GError) error = NULL;
      if (!cairn_note_buffer_flush (self, &error))
        g_warning ("Cannot save note %s: %s", self->note_id, error->message);
      g_clear_signal_handler (&self->changed_handler, self->store);
    }
  g_clear_handle_id (&self->flush_source, g_source_remove);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (cairn_note_buffer_parent_class)->dispose (object);
}

static void
cairn_note_buffer_finalize (GObject *object)
{
  CairnNoteBuffer *self = CAIRN_NOTE_BUFFER (object);

  g_clear_pointer (&self->text, cairn_text_free);
  g_clear_pointer (&self->unflushed, cairn_text_ops_free);
  g_clear_pointer (&self->note_id, g_free);
  g_clear_pointer (&self->visible, g_free);
  g_clear_pointer (&self->refusal, g_free);
  G_OBJECT_CLASS (cairn_note_buffer_parent_class)->finalize (object);
}

static void
cairn_note_buffer_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CairnNoteBuffer *self = CAIRN_NOTE_BUFFER (object);

  switch (prop_id)
    {
    case PROP_FLUSH_DELAY:
      g_value_set_uint (value, self->flush_delay);
      break;
    case PROP_EDITABLE:
      g_value_set_boolean (value, self->refusal == NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_note_buffer_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  CairnNoteBuffer *self = CAIRN_NOTE_BUFFER (object);

  switch (prop_id)
    {
    case PROP_FLUSH_DELAY:
      cairn_note_buffer_set_flush_delay (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_note_buffer_class_init (CairnNoteBufferClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cairn_note_buffer_dispose;
  object_class->finalize = cairn_note_buffer_finalize;
  object_class->get_property = cairn_note_buffer_get_property;
  object_class->set_property = cairn_note_buffer_set_property;

  properties[PROP_FLUSH_DELAY] =
    g_param_spec_uint ("flush-delay", NULL, NULL, 0, G_MAXUINT, 400,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* FALSE while the note's text refuses local edits (get_refusal says
   * why); notified when that changes. */
  properties[PROP_EDITABLE] =
    g_param_spec_boolean ("editable", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* ::remote-changed (guint position, guint deleted, const char *inserted) */
  signals[SIGNAL_REMOTE_CHANGED] =
    g_signal_new ("remote-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_UINT, G_TYPE_UINT, G_TYPE_STRING);
  /* (error): saving the unflushed edits on the flush delay started to
   * fail; they are kept and tried again (see cairn_note_buffer_flush). */
  signals[SIGNAL_SAVE_FAILED] =
    g_signal_new ("save-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
cairn_note_buffer_init (CairnNoteBuffer *self)
{
  self->flush_delay = 400;
  self->unflushed = cairn_text_ops_new ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-todo.c: one todo row as a read-only GObject of the pool.
 *
 * Its notes (issue 13) are read like a note's body: only when asked for,
 * through the pool; the pool gives the todo its notes version on every
 * change of its row, and a new version drops the cached text and
 * notifies "notes". */
#define G_LOG_DOMAIN "cairn-todo"

#include "config.h"

#include <string.h>

#include "cairn-pool-private.h"

struct _CairnTodo
{
  GObject  parent_instance;
  char    *id;
  char    *list_id;
  char    *title;
  char    *position;
  char    *due;
  char    *priority;
  char    *tag_ids_joined;   /* as read: space-separated, NULL for none */
  char   **tag_ids;
  char    *parent_id;
  char    *due_time;
  char    *reminder;
  char    *repeat;
  char    *notes;           /* NULL: not read since the version last changed */
  GBytes  *notes_version;   /* NULL: never edited */
  CairnPool *pool;          /* not a reference: the pool detaches its todos */
  guint    n_subtasks;        /* valid while subtasks_known */
  guint    n_subtasks_done;
  guint    done : 1;
  guint    reminder_dismissed : 1;
  guint    subtasks_known : 1;
};

G_DEFINE_FINAL_TYPE (CairnTodo, cairn_todo, G_TYPE_OBJECT)

enum { PROP_0, PROP_ID, PROP_LIST_ID, PROP_TITLE, PROP_POSITION, PROP_DONE, PROP_DUE,
       PROP_PRIORITY, PROP_TAG_IDS, PROP_PARENT_ID,
       PROP_DUE_TIME, PROP_REMINDER, PROP_REMINDER_DISMISSED, PROP_REPEAT, PROP_NOTES,
       PROP_N_SUBTASKS, PROP_N_SUBTASKS_DONE, N_PROPS };
static GParamSpec *properties [N_PROPS];

gboolean
_cairn_set_string (char       **field,
                   const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
cairn_todo_finalize (GObject *object)
{
  CairnTodo *self = (CairnTodo *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->list_id, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->position, g_free);
  g_clear_pointer (&self->due, g_free);
  g_clear_pointer (&self->priority, g_free);
  g_clear_pointer (&self->tag_ids_joined, g_free);
  g_clear_pointer (&self->tag_ids, g_strfreev);
  g_clear_pointer (&self->parent_id, g_free);
  g_clear_pointer (&self->due_time, g_free);
  g_clear_pointer (&self->reminder, g_free);
  g_clear_pointer (&self->repeat, g_free);
  g_clear_pointer (&self->notes, g_free);
  g_clear_pointer (&self->notes_version, g_bytes_unref);

  G_OBJECT_CLASS (cairn_todo_parent_class)->finalize (object);
}

static void
cairn_todo_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CairnTodo *self = CAIRN_TODO (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_LIST_ID:
      g_value_set_string (value, self->list_id);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_POSITION:
      g_value_set_string (value, self->position);
      break;
    case PROP_DONE:
      g_value_set_boolean (value, self->done);
      break;
    case PROP_DUE:
      g_value_set_string (value, self->due);
      break;
    case PROP_PRIORITY:
      g_value_set_string (value, cairn_todo_get_priority (self));
      break;
    case PROP_TAG_IDS:
      g_value_set_boxed (value, cairn_todo_get_tag_ids (self));
      break;
    case PROP_PARENT_ID:
      g_value_set_string (value, self->parent_id);
      break;
    case PROP_DUE_TIME:
      g_value_set_string (value, self->due_time);
      break;
    case PROP_REMINDER:
      g_value_set_string (value, self->reminder);
      break;
    case PROP_REMINDER_DISMISSED:
      g_value_set_boolean (value, self->reminder_dismissed);
      break;
    case PROP_REPEAT:
      g_value_set_string (value, self->repeat);
      break;
    case PROP_NOTES:
      g_value_set_string (value, cairn_todo_get_notes (self));
      break;
    case PROP_N_SUBTASKS:
      g_value_set_uint (value, cairn_todo_get_n_subtasks (self));
      break;
    case PROP_N_SUBTASKS_DONE:
      g_value_set_uint (value, cairn_todo_get_n_subtasks_done (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_todo_class_init (CairnTodoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = cairn_todo_finalize;
  object_class->get_property = cairn_todo_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_LIST_ID] = g_param_spec_string ("list-id", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_POSITION] = g_param_spec_string ("position", NULL, NULL, NULL, flags);
  properties[PROP_DONE] = g_param_spec_boolean ("done", NULL, NULL, FALSE, flags);
  properties[PROP_DUE] = g_param_spec_string ("due", NULL, NULL, NULL, flags);
  properties[PROP_PRIORITY] = g_param_spec_string ("priority", NULL, NULL, "none", flags);
  properties[PROP_TAG_IDS] = g_param_spec_boxed ("tag-ids", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_PARENT_ID] = g_param_spec_string ("parent-id", NULL, NULL, NULL, flags);
  properties[PROP_DUE_TIME] = g_param_spec_string ("due-time", NULL, NULL, NULL, flags);
  properties[PROP_REMINDER] = g_param_spec_string ("reminder", NULL, NULL, NULL, flags);
  properties[PROP_REMINDER_DISMISSED] = g_param_spec_boolean ("reminder-dismissed", NULL, NULL,
                                                              FALSE, flags);
  properties[PROP_REPEAT] = g_param_spec_string ("repeat", NULL, NULL, NULL, flags);
  properties[PROP_NOTES] = g_param_spec_string ("notes", NULL, NULL, "", flags);
  properties[PROP_N_SUBTASKS] = g_param_spec_uint ("n-subtasks", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_N_SUBTASKS_DONE] = g_param_spec_uint ("n-subtasks-done", NULL, NULL,
                                                        0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cairn_todo_init (CairnTodo *self)
{
  self->tag_ids = g_new0 (char *, 1);
}

CairnTodo *
_cairn_todo_new (CairnPool  *pool,
                 const char *id)
{
  CairnTodo *self;

  g_return_val_if_fail (id != NULL, NULL);

  self = g_object_new (CAIRN_TYPE_TODO, NULL);
  self->id = g_strdup (id);
  self->pool = pool;
  return self;
}

void
_cairn_todo_detach (CairnTodo *self)
{
  g_return_if_fail (CAIRN_IS_TODO (self));

  self->pool = NULL;
}

/**
 * cairn_todo_get_notes:
 *
 * The todo's notes, read from the store the first time they are asked for
 * after a change and kept until the next one (the pointer stays valid
 * until "notes" is notified). Notes that cannot be read (damaged) warn
 * and give the empty text, as a note's body does.
 */
const char *
cairn_todo_get_notes (CairnTodo *self)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (CAIRN_IS_TODO (self), NULL);

  if (self->notes != NULL)
    return self->notes;
  if (self->pool != NULL && self->notes_version != NULL)
    {
      self->notes = _cairn_pool_dup_todo_notes (self->pool, self->id, &error);
      if (self->notes == NULL)
        g_warning ("Cannot read the notes of todo %s: %s", self->id, error->message);
    }
  if (self->notes == NULL)
    self->notes = g_strdup ("");
  return self->notes;
}

gboolean
_cairn_todo_set_notes_version (CairnTodo     *self,
                               gconstpointer  version,
                               gsize          size)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), FALSE);

  if (version == NULL ? self->notes_version == NULL
                      : self->notes_version != NULL && size == g_bytes_get_size (self->notes_version) &&
                        memcmp (version, g_bytes_get_data (self->notes_version, NULL), size) == 0)
    return FALSE;
  g_clear_pointer (&self->notes_version, g_bytes_unref);
  if (version != NULL)
    self->notes_version = g_bytes_new (version, size);
  g_clear_pointer (&self->notes, g_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTES]);
  return TRUE;
}

/* The subtask counts are the pool's (cairn-pool-subtasks.c): counted
 * with the todo's list when the pool reads it, else when first asked for,
 * and kept up to date on every change from then on. */
static void
ensure_subtask_counts (CairnTodo *self)
{
  if (!self->subtasks_known && self->pool != NULL)
    _cairn_pool_count_subtasks (self->pool, self);
}

guint
cairn_todo_get_n_subtasks (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), 0);

  ensure_subtask_counts (self);
  return self->n_subtasks;
}

guint
cairn_todo_get_n_subtasks_done (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), 0);

  ensure_subtask_counts (self);
  return self->n_subtasks_done;
}

gboolean
_cairn_todo_get_subtasks_known (CairnTodo *self)
{
  return self->subtasks_known;
}

gboolean
_cairn_todo_set_subtask_counts (CairnTodo *self,
                                guint      n,
                                guint      n_done)
{
  gboolean was_known = self->subtasks_known;
  guint old_n = self->n_subtasks, old_done = self->n_subtasks_done;

  g_return_val_if_fail (CAIRN_IS_TODO (self), FALSE);

  self->subtasks_known = TRUE;
  self->n_subtasks = n;
  self->n_subtasks_done = n_done;
  /* Nobody has seen counts that were not known yet. */
  if (!was_known)
    return FALSE;
  if (old_n != n)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SUBTASKS]);
  if (old_done != n_done)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SUBTASKS_DONE]);
  return old_n != n || old_done != n_done;
}

void
_cairn_todo_forget_subtask_counts (CairnTodo *self)
{
  g_return_if_fail (CAIRN_IS_TODO (self));

  if (!self->subtasks_known)
    return;
  self->subtasks_known = FALSE;
  /* Read again (from the store) by whoever follows them. */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SUBTASKS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SUBTASKS_DONE]);
}

const char *
cairn_todo_get_id (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), NULL);
  return self->id;
}

const char *
cairn_todo_get_list_id (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), NULL);
  return self->list_id;
}

const char *
cairn_todo_get_title (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), NULL);
  return self->title;
}

const char *
cairn_todo_get_position (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), NULL);
  return self->position;
}

gboolean
cairn_todo_get_done (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), FALSE);
  return self->done;
}

const char *
cairn_todo_get_due (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), NULL);
  return self->due;
}

const char *
cairn_todo_get_priority (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), NULL);
  return self->priority != NULL ? self->priority : "none";
}

const char * const *
cairn_todo_get_tag_ids (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), NULL);
  return (const char * const *) self->tag_ids;
}

const char *
cairn_todo_get_parent_id (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), NULL);
  return self->parent_id;
}

static gboolean
set_string_prop (CairnTodo   *self,
                 char       **field,
                 const char  *value,
                 guint        prop)
{
  if (!_cairn_set_string (field, value))
    return FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

gboolean
_cairn_todo_set_list_id (CairnTodo  *self,
                         const char *list_id)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), FALSE);
  return set_string_prop (self, &self->list_id, list_id, PROP_LIST_ID);
}

gboolean
_cairn_todo_set_title (CairnTodo  *self,
                       const char *title)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), FALSE);
  return set_string_prop (self, &self->title, title, PROP_TITLE);
}

gboolean
_cairn_todo_set_position (CairnTodo  *self,
                          const char *position)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), FALSE);
  return set_string_prop (self, &self->position, position, PROP_POSITION);
}

gboolean
_cairn_todo_set_due (CairnTodo  *self,
                     const char *due)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), FALSE);
  /* "" and NULL both mean "no due date". */
  if (due != NULL && *due == '\0')
    due = NULL;
  return set_string_prop (self, &self->due, due, PROP_DUE);
}

gboolean
_cairn_todo_set_parent_id (CairnTodo  *self,
                           const char *parent_id)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), FALSE);
  return set_string_prop (self, &self->parent_id, parent_id, PROP_PARENT_ID);
}

gboolean
_cairn_todo_set_done (CairnTodo *self,
                      gboolean   done)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), FALSE);

  done = !!done;
  if (self->done == done)
    return FALSE;
  self->done = done;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DONE]);
  return TRUE;
}

gboolean
_cairn_todo_set_priority (CairnTodo  *self,
                          const char *priority)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), FALSE);
  return set_string_prop (self, &self->priority, priority, PROP_PRIORITY);
}

gboolean
_cairn_todo_set_tag_ids (CairnTodo  *self,
                         const char *tag_ids)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), FALSE);
  if (tag_ids != NULL && *tag_ids == '\0')
    tag_ids = NULL;
  if (!_cairn_set_string (&self->tag_ids_joined, tag_ids))
    return FALSE;
  g_strfreev (self->tag_ids);
  self->tag_ids = tag_ids != NULL ? g_strsplit (tag_ids, " ", -1) : g_new0 (char *, 1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TAG_IDS]);
  return TRUE;
}

/* Due times, reminders and repeats */

const char *
cairn_todo_get_due_time (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), NULL);
  return self->due_time;
}

const char *
cairn_todo_get_reminder (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), NULL);
  return self->reminder;
}

gboolean
cairn_todo_get_reminder_dismissed (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), FALSE);
  return self->reminder_dismissed;
}

const char *
cairn_todo_get_repeat (CairnTodo *self)
{
  g_return_val_if_fail (CAIRN_IS_TODO (self), NULL);
  return self->repeat;
}

gboolean
_cairn_todo_set_times (CairnTodo  *self,
                       const char *due_time,
                       const char *reminder,
                       gboolean    reminder_dismissed,
                       const char *repeat)
{
  gboolean changed = FALSE;

  g_return_val_if_fail (CAIRN_IS_TODO (self), FALSE);
  changed |= set_string_prop (self, &self->due_time, due_time, PROP_DUE_TIME);
  changed |= set_string_prop (self, &self->reminder, reminder, PROP_REMINDER);
  changed |= set_string_prop (self, &self->repeat, repeat, PROP_REPEAT);
  reminder_dismissed = !!reminder_dismissed;
  if (self->reminder_dismissed != (guint) reminder_dismissed)
    {
      self->reminder_dismissed = reminder_dismissed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMINDER_DISMISSED]);
      changed = TRUE;
    }
  return changed;
}

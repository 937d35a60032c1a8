/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window-undo.c: the window's undo history.
 *
 * A list of entries, oldest first, and a cursor: entries before it can be
 * undone, from it on redone. Pushing drops what could be redone and keeps
 * at most MAX_ENTRIES. The history lives on the window as object data
 * (cleared when another workspace is opened): it holds ids, which mean
 * something in one workspace only.
 *
 * An entry whose undo finds the object already as it was before (a
 * deletion already undone by its toast's Undo) is passed over, and the
 * next one is undone in the same go: one Ctrl+Z, one visible change. */
#define G_LOG_DOMAIN "cairn-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-window-private.h"
#include "cairn-window-undo.h"

#define MAX_ENTRIES 100

typedef struct
{
  CairnUndoField   field;
  char            *id;
  GVariant        *before;
  GVariant        *after;
  CairnUndoApply   apply;   /* CAIRN_UNDO_CUSTOM */
  CairnObjectKind  kind;    /* CAIRN_UNDO_CUSTOM */
} Entry;

typedef struct
{
  GPtrArray *entries;  /* Entry* */
  guint      cursor;   /* entries[0 .. cursor) can be undone */
} History;

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->id);
  g_variant_unref (entry->before);
  g_variant_unref (entry->after);
  g_free (entry);
}

static void
history_free (gpointer data)
{
  History *history = data;

  g_ptr_array_unref (history->entries);
  g_free (history);
}

static History *
get_history (CairnWindow *self)
{
  History *history = g_object_get_data (G_OBJECT (self), "cairn-undo-history");

  if (history == NULL)
    {
      history = g_new0 (History, 1);
      history->entries = g_ptr_array_new_with_free_func (entry_free);
      g_object_set_data_full (G_OBJECT (self), "cairn-undo-history", history, history_free);
    }
  return history;
}

static void
sync_actions (CairnWindow *self)
{
  History *history = get_history (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo", history->cursor > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo",
                                 history->cursor < history->entries->len);
}

static CairnWindow *
window_of (GtkWidget *widget)
{
  GtkRoot *root;

  if (widget == NULL)
    return NULL;
  root = gtk_widget_get_root (widget);
  return CAIRN_IS_WINDOW (root) ? CAIRN_WINDOW (root) : NULL;
}

static GtkWidget *
window_ref (GtkWidget *widget)
{
  CairnWindow *window = window_of (widget);

  return window != NULL ? g_object_ref (GTK_WIDGET (window)) : NULL;
}

static void
push_entry (GtkWidget       *widget,
            CairnUndoField   field,
            CairnUndoApply   apply_func,
            CairnObjectKind  kind,
            const char      *id,
            GVariant        *before,
            GVariant        *after)
{
  CairnWindow *self = window_of (widget);
  History *history;
  Entry *entry;

  g_variant_ref_sink (before);
  g_variant_ref_sink (after);
  if (self == NULL || g_variant_equal (before, after))
    {
      g_variant_unref (before);
      g_variant_unref (after);
      return;
    }

  history = get_history (self);
  g_ptr_array_set_size (history->entries, history->cursor);
  if (history->entries->len >= MAX_ENTRIES)
    g_ptr_array_remove_index (history->entries, 0);
  entry = g_new0 (Entry, 1);
  entry->field = field;
  entry->id = g_strdup (id);
  entry->before = before;
  entry->after = after;
  entry->apply = apply_func;
  entry->kind = kind;
  g_ptr_array_add (history->entries, entry);
  history->cursor = history->entries->len;
  sync_actions (self);
}

void
_cairn_window_push_undo (GtkWidget      *widget,
                         CairnUndoField  field,
                         const char     *id,
                         GVariant       *before,
                         GVariant       *after)
{
  g_return_if_fail (field != CAIRN_UNDO_CUSTOM);
  g_return_if_fail (id != NULL && before != NULL && after != NULL);

  push_entry (widget, field, NULL, CAIRN_OBJECT_TODO, id, before, after);
}

void
_cairn_window_push_undo_custom (GtkWidget       *widget,
                                CairnObjectKind  kind,
                                const char      *id,
                                CairnUndoApply   apply_func,
                                GVariant        *before,
                                GVariant        *after)
{
  g_return_if_fail (apply_func != NULL);
  g_return_if_fail (id != NULL && before != NULL && after != NULL);

  push_entry (widget, CAIRN_UNDO_CUSTOM, apply_func, kind, id, before, after);
}

void
_cairn_window_push_undo_deleted (GtkWidget      *widget,
                                 CairnUndoField  field,
                                 const char     *id)
{
  _cairn_window_push_undo (widget, field, id,
                           g_variant_new_boolean (FALSE), g_variant_new_boolean (TRUE));
}

void
_cairn_window_push_undo_title (GtkWidget      *widget,
                               CairnUndoField  field,
                               const char     *id,
                               const char     *before,
                               const char     *after)
{
  _cairn_window_push_undo (widget, field, id,
                           g_variant_new_string (before), g_variant_new_string (after));
}

void
_cairn_window_push_undo_pin (GtkWidget  *widget,
                             const char *note_id,
                             gboolean    was_pinned)
{
  _cairn_window_push_undo (widget, CAIRN_UNDO_NOTE_PINNED, note_id,
                           g_variant_new_boolean (was_pinned),
                           g_variant_new_boolean (!was_pinned));
}

void
_cairn_window_push_undo_restorable (GtkWidget  *widget,
                                    const char *restore_action,
                                    const char *id)
{
  CairnUndoField field = g_str_equal (restore_action, "win.restore-list") ? CAIRN_UNDO_LIST_DELETED :
                         g_str_equal (restore_action, "win.restore-note") ? CAIRN_UNDO_NOTE_DELETED :
                         CAIRN_UNDO_TODO_DELETED;

  _cairn_window_push_undo_deleted (widget, field, id);
}

/* ---- The store's calls, recorded ----------------------------------------- */

gboolean
_cairn_undo_set_todo_done (GtkWidget   *widget,
                           CairnPool   *pool,
                           const char  *todo_id,
                           gboolean     done,
                           GError     **error)
{
  /* The widget may go with the change (a row leaving its list): the
   * window it is in is found first. */
  g_autoptr(GtkWidget) window = window_ref (widget);
  CairnTodo *todo = cairn_pool_lookup_todo (pool, todo_id);
  gboolean was = todo != NULL && cairn_todo_get_done (todo);

  if (!cairn_store_set_todo_done (cairn_pool_get_store (pool), todo_id, done, error))
    return FALSE;
  _cairn_window_push_undo (window, CAIRN_UNDO_TODO_DONE, todo_id,
                           g_variant_new_boolean (was), g_variant_new_boolean (done));
  return TRUE;
}

/* The title of the todo, list or note @id (by @field), a new string;
 * NULL when the pool has no live one. */
static char *
dup_title (CairnPool      *pool,
           CairnUndoField  field,
           const char     *id)
{
  switch (field)
    {
    case CAIRN_UNDO_TODO_TITLE:
      {
        CairnTodo *todo = cairn_pool_lookup_todo (pool, id);
        return todo != NULL ? g_strdup (cairn_todo_get_title (todo)) : NULL;
      }
    case CAIRN_UNDO_LIST_TITLE:
      {
        CairnList *list = cairn_pool_lookup_list (pool, id);
        return list != NULL ? g_strdup (cairn_list_get_title (list)) : NULL;
      }
    case CAIRN_UNDO_NOTE_TITLE:
      {
        CairnNote *note = cairn_pool_lookup_note (pool, id);
        return note != NULL ? g_strdup (cairn_note_get_title (note)) : NULL;
      }
    default:
      g_return_val_if_reached (NULL);
    }
}

typedef gboolean (*RenameFunc) (CairnStore  *store,
                                const char  *id,
                                const char  *title,
                                GError     **error);

/* One rename of a todo, list or note through the store, recorded with
 * the title it replaced (and the one the store kept: it cleans titles). */
static gboolean
undo_rename (GtkWidget       *widget,
             CairnPool       *pool,
             CairnUndoField   field,
             RenameFunc       rename,
             const char      *id,
             const char      *title,
             GError         **error)
{
  /* The widget may go with the change (a row leaving its list): the
   * window it is in is found first. */
  g_autoptr(GtkWidget) window = window_ref (widget);
  g_autofree char *was = dup_title (pool, field, id);
  g_autofree char *now = NULL;

  if (!rename (cairn_pool_get_store (pool), id, title, error))
    return FALSE;
  now = dup_title (pool, field, id);
  if (was != NULL && now != NULL)
    _cairn_window_push_undo_title (window, field, id, was, now);
  return TRUE;
}

gboolean
_cairn_undo_rename_todo (GtkWidget   *widget,
                        CairnPool   *pool,
                        const char  *todo_id,
                        const char  *title,
                        GError     **error)
{
  return undo_rename (widget, pool, CAIRN_UNDO_TODO_TITLE, cairn_store_rename_todo, todo_id, title, error);
}

gboolean
_cairn_undo_set_todo_due (GtkWidget   *widget,
                          CairnPool   *pool,
                          const char  *todo_id,
                          const char  *due,
                          GError     **error)
{
  /* The widget may go with the change (a row leaving its list): the
   * window it is in is found first. */
  g_autoptr(GtkWidget) window = window_ref (widget);
  CairnTodo *todo = cairn_pool_lookup_todo (pool, todo_id);
  g_autofree char *was = g_strdup (todo != NULL ? cairn_todo_get_due (todo) : NULL);

  if (!cairn_store_set_todo_due (cairn_pool_get_store (pool), todo_id, due, error))
    return FALSE;
  if (todo != NULL)
    _cairn_window_push_undo (window, CAIRN_UNDO_TODO_DUE, todo_id,
                             g_variant_new_maybe (G_VARIANT_TYPE_STRING,
                                                  was != NULL ? g_variant_new_string (was) : NULL),
                             g_variant_new_maybe (G_VARIANT_TYPE_STRING,
                                                  due != NULL ? g_variant_new_string (due) : NULL));
  return TRUE;
}

static GVariant *
maybe_string (const char *str)
{
  return g_variant_new_maybe (G_VARIANT_TYPE_STRING,
                              str != NULL ? g_variant_new_string (str) : NULL);
}

GVariant *
_cairn_undo_todo_place (CairnPool *pool,
                        CairnTodo *todo)
{
  const char *parent_id = cairn_todo_get_parent_id (todo);
  g_autofree char *next = NULL;
  g_autofree char *prev = NULL;

  /* Its siblings just before and after it (by position, then id): two
   * rows of an index, not a model of the whole list (which was a quarter
   * of a drop in a list of 1,000). */
  cairn_pool_find_todo_neighbours (pool, todo, &prev, &next);
  return g_variant_new ("(@ms@ms@ms@ms)",
                        maybe_string (cairn_todo_get_list_id (todo)),
                        maybe_string (parent_id),
                        maybe_string (next),
                        maybe_string (next == NULL ? prev : NULL));
}

gboolean
_cairn_undo_move_todo (GtkWidget   *widget,
                       CairnPool   *pool,
                       const char  *todo_id,
                       const char  *list_id,
                       const char  *before_id,
                       const char  *after_id,
                       GError     **error)
{
  /* The widget may go with the change (a row leaving its list): the
   * window it is in is found first. */
  g_autoptr(GtkWidget) window = window_ref (widget);
  CairnTodo *todo = cairn_pool_lookup_todo (pool, todo_id);
  g_autoptr(GVariant) was = todo != NULL ? g_variant_ref_sink (_cairn_undo_todo_place (pool, todo))
                                         : NULL;

  if (!cairn_store_move_todo (cairn_pool_get_store (pool), todo_id, list_id, before_id, after_id,
                              error))
    return FALSE;
  todo = cairn_pool_lookup_todo (pool, todo_id);
  if (was != NULL && todo != NULL)
    _cairn_window_push_undo (window, CAIRN_UNDO_TODO_PLACE, todo_id, was,
                             _cairn_undo_todo_place (pool, todo));
  return TRUE;
}

gboolean
_cairn_undo_move_todo_under (GtkWidget   *widget,
                             CairnPool   *pool,
                             const char  *todo_id,
                             const char  *list_id,
                             const char  *parent_id,
                             const char  *before_id,
                             const char  *after_id,
                             GError     **error)
{
  g_autoptr(GtkWidget) window = window_ref (widget);
  CairnTodo *todo = cairn_pool_lookup_todo (pool, todo_id);
  g_autoptr(GVariant) was = todo != NULL ? g_variant_ref_sink (_cairn_undo_todo_place (pool, todo))
                                         : NULL;

  if (!cairn_store_move_todo_under (cairn_pool_get_store (pool), todo_id, list_id, parent_id,
                                    before_id, after_id, error))
    return FALSE;
  todo = cairn_pool_lookup_todo (pool, todo_id);
  if (was != NULL && todo != NULL)
    _cairn_window_push_undo (window, CAIRN_UNDO_TODO_PLACE, todo_id, was,
                             _cairn_undo_todo_place (pool, todo));
  return TRUE;
}

/* The place of a list now, as CAIRN_UNDO_LIST_PLACE records it. */
static GVariant *
list_place (CairnPool  *pool,
            const char *list_id)
{
  GListModel *lists = cairn_pool_get_lists (pool);
  guint n = g_list_model_get_n_items (lists);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(CairnList) list = g_list_model_get_item (lists, i);
      g_autoptr(CairnList) next = NULL;
      g_autoptr(CairnList) prev = NULL;

      if (!g_str_equal (cairn_list_get_id (list), list_id))
        continue;
      if (i + 1 < n)
        next = g_list_model_get_item (lists, i + 1);
      else if (i > 0)
        prev = g_list_model_get_item (lists, i - 1);
      return g_variant_new ("(@ms@ms)",
                            maybe_string (next != NULL ? cairn_list_get_id (next) : NULL),
                            maybe_string (prev != NULL ? cairn_list_get_id (prev) : NULL));
    }
  return NULL;
}

gboolean
_cairn_undo_move_list (GtkWidget   *widget,
                       CairnPool   *pool,
                       const char  *list_id,
                       const char  *before_id,
                       const char  *after_id,
                       GError     **error)
{
  g_autoptr(GtkWidget) window = window_ref (widget);
  GVariant *was = list_place (pool, list_id);
  g_autoptr(GVariant) was_ref = was != NULL ? g_variant_ref_sink (was) : NULL;
  GVariant *now;

  if (!cairn_store_move_list (cairn_pool_get_store (pool), list_id, before_id, after_id, error))
    return FALSE;
  now = list_place (pool, list_id);
  if (was_ref != NULL && now != NULL)
    _cairn_window_push_undo (window, CAIRN_UNDO_LIST_PLACE, list_id, was_ref, now);
  else if (now != NULL)
    g_variant_unref (g_variant_ref_sink (now));
  return TRUE;
}

gboolean
_cairn_undo_rename_list (GtkWidget   *widget,
                        CairnPool   *pool,
                        const char  *list_id,
                        const char  *title,
                        GError     **error)
{
  return undo_rename (widget, pool, CAIRN_UNDO_LIST_TITLE, cairn_store_rename_list, list_id, title, error);
}

gboolean
_cairn_undo_rename_note (GtkWidget   *widget,
                        CairnPool   *pool,
                        const char  *note_id,
                        const char  *title,
                        GError     **error)
{
  return undo_rename (widget, pool, CAIRN_UNDO_NOTE_TITLE, cairn_store_rename_note, note_id, title, error);
}

/* ---- Applying a value ----------------------------------------------------- */

static CairnObjectKind
kind_of (const Entry *entry)
{
  switch (entry->field)
    {
    case CAIRN_UNDO_CUSTOM:
      return entry->kind;
    case CAIRN_UNDO_LIST_TITLE:
    case CAIRN_UNDO_LIST_DELETED:
    case CAIRN_UNDO_LIST_PLACE:
      return CAIRN_OBJECT_LIST;
    case CAIRN_UNDO_NOTE_TITLE:
    case CAIRN_UNDO_NOTE_DELETED:
    case CAIRN_UNDO_NOTE_PINNED:
      return CAIRN_OBJECT_NOTE;
    case CAIRN_UNDO_TODO_TITLE:
    case CAIRN_UNDO_TODO_DONE:
    case CAIRN_UNDO_TODO_DELETED:
    case CAIRN_UNDO_TODO_DUE:
    case CAIRN_UNDO_TODO_PLACE:
    default:
      return CAIRN_OBJECT_TODO;
    }
}

static gboolean
is_deletion (CairnUndoField field)
{
  return field == CAIRN_UNDO_TODO_DELETED || field == CAIRN_UNDO_LIST_DELETED ||
         field == CAIRN_UNDO_NOTE_DELETED;
}

/* Whether the entry's object is live (the pool holds live rows only;
 * a todo is looked up on its own, its list need not be loaded). */
static gboolean
is_live (CairnPool   *pool,
         const Entry *entry)
{
  switch (kind_of (entry))
    {
    case CAIRN_OBJECT_LIST:
      return cairn_pool_lookup_list (pool, entry->id) != NULL;
    case CAIRN_OBJECT_NOTE:
      return cairn_pool_lookup_note (pool, entry->id) != NULL;
    case CAIRN_OBJECT_TAG:
      return cairn_pool_lookup_tag (pool, entry->id) != NULL;
    case CAIRN_OBJECT_TODO:
    default:
      return cairn_pool_lookup_todo (pool, entry->id) != NULL;
    }
}

/* Puts @value back; FALSE with a sentence for people in *message. */
static gboolean
apply (CairnPool    *pool,
       const Entry  *entry,
       GVariant     *value,
       char        **message)
{
  g_autoptr(GError) error = NULL;
  CairnStore *store = cairn_pool_get_store (pool);
  const char *id = entry->id;
  gboolean ok = FALSE;

  /* Still there? Else say so in words (deleted on another device, or from
   * cairn-cli). A deletion's own entry finds it deleted, of course. */
  if (!is_deletion (entry->field) && !is_live (pool, entry))
    {
      switch (kind_of (entry))
        {
        case CAIRN_OBJECT_LIST:
          *message = g_strdup (_("The list was deleted on another device"));
          break;
        case CAIRN_OBJECT_NOTE:
          *message = g_strdup (_("The note was deleted on another device"));
          break;
        case CAIRN_OBJECT_TODO:
        default:
          *message = g_strdup (_("The task was deleted on another device"));
          break;
        case CAIRN_OBJECT_TAG:
          *message = g_strdup (_("The tag was deleted on another device"));
          break;
        }
      return FALSE;
    }

  switch (entry->field)
    {
    case CAIRN_UNDO_CUSTOM:
      ok = entry->apply (store, id, value, &error);
      break;
    case CAIRN_UNDO_TODO_TITLE:
      ok = cairn_store_rename_todo (store, id, g_variant_get_string (value, NULL), &error);
      break;
    case CAIRN_UNDO_TODO_DONE:
      ok = cairn_store_set_todo_done (store, id, g_variant_get_boolean (value), &error);
      break;
    case CAIRN_UNDO_TODO_DELETED:
      ok = g_variant_get_boolean (value) ? cairn_store_delete_todo (store, id, &error)
                                         : cairn_store_restore_todo (store, id, &error);
      break;
    case CAIRN_UNDO_TODO_DUE:
      {
        g_autoptr(GVariant) due = g_variant_get_maybe (value);

        ok = cairn_store_set_todo_due (store, id, due != NULL ? g_variant_get_string (due, NULL)
                                                              : NULL, &error);
      }
      break;
    case CAIRN_UNDO_TODO_PLACE:
      {
        g_autofree char *list_id = NULL, *parent_id = NULL, *before_id = NULL, *after_id = NULL;

        g_variant_get (value, "(msmsmsms)", &list_id, &parent_id, &before_id, &after_id);
        ok = cairn_store_move_todo_under (store, id, list_id, parent_id, before_id, after_id,
                                          &error);
        /* A neighbour that moved or went: at the end of the same place. */
        if (!ok && (before_id != NULL || after_id != NULL))
          {
            g_clear_error (&error);
            ok = cairn_store_move_todo_under (store, id, list_id, parent_id, NULL, NULL, &error);
          }
      }
      break;
    case CAIRN_UNDO_LIST_TITLE:
      ok = cairn_store_rename_list (store, id, g_variant_get_string (value, NULL), &error);
      break;
    case CAIRN_UNDO_LIST_PLACE:
      {
        g_autofree char *before_id = NULL, *after_id = NULL;

        g_variant_get (value, "(msms)", &before_id, &after_id);
        ok = cairn_store_move_list (store, id, before_id, after_id, &error);
        if (!ok && (before_id != NULL || after_id != NULL))
          {
            g_clear_error (&error);
            ok = cairn_store_move_list (store, id, NULL, NULL, &error);
          }
      }
      break;
    case CAIRN_UNDO_LIST_DELETED:
      ok = g_variant_get_boolean (value) ? cairn_store_delete_list (store, id, &error)
                                         : cairn_store_restore_list (store, id, &error);
      break;
    case CAIRN_UNDO_NOTE_TITLE:
      ok = cairn_store_rename_note (store, id, g_variant_get_string (value, NULL), &error);
      break;
    case CAIRN_UNDO_NOTE_DELETED:
      ok = g_variant_get_boolean (value) ? cairn_store_delete_note (store, id, &error)
                                         : cairn_store_restore_note (store, id, &error);
      break;
    case CAIRN_UNDO_NOTE_PINNED:
      ok = cairn_store_set_note_pinned (store, id, g_variant_get_boolean (value), &error);
      break;
    default:
      g_assert_not_reached ();
    }

  if (!ok)
    {
      if (g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NO_SPACE))
        *message = g_strdup (_("The disk is full"));
      else if (g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND))
        *message = g_strdup (_("The list it was in is gone"));
      else
        *message = g_strdup (_("The change could not be saved"));
      g_debug ("Undo: %s", error->message);
    }
  return ok;
}

/* A deletion whose object is already back (its toast's Undo): nothing to
 * undo there. */
static gboolean
already_undone (CairnPool   *pool,
                const Entry *entry)
{
  return is_deletion (entry->field) && is_live (pool, entry);
}

/* What putting @value back did, in a person's words. */
static char *
describe (const Entry *entry,
          GVariant    *value)
{
  switch (entry->field)
    {
    case CAIRN_UNDO_TODO_TITLE:
    case CAIRN_UNDO_LIST_TITLE:
    case CAIRN_UNDO_NOTE_TITLE:
      /* Translators: %s is the title put back */
      return g_strdup_printf (_("Renamed to “%s”"), g_variant_get_string (value, NULL));
    case CAIRN_UNDO_TODO_DONE:
      return g_strdup (g_variant_get_boolean (value) ? _("Task completed")
                                                     : _("Task no longer completed"));
    case CAIRN_UNDO_TODO_DELETED:
      return g_strdup (g_variant_get_boolean (value) ? _("Task deleted") : _("Task restored"));
    case CAIRN_UNDO_LIST_DELETED:
      return g_strdup (g_variant_get_boolean (value) ? _("List deleted") : _("List restored"));
    case CAIRN_UNDO_NOTE_DELETED:
      return g_strdup (g_variant_get_boolean (value) ? _("Note deleted") : _("Note restored"));
    case CAIRN_UNDO_NOTE_PINNED:
      return g_strdup (g_variant_get_boolean (value) ? _("Note pinned") : _("Note unpinned"));
    case CAIRN_UNDO_TODO_DUE:
      return g_strdup (_("Due date changed"));
    case CAIRN_UNDO_TODO_PLACE:
      return g_strdup (_("Task moved"));
    case CAIRN_UNDO_LIST_PLACE:
      return g_strdup (_("List moved"));
    case CAIRN_UNDO_CUSTOM:
      return g_strdup (entry->kind == CAIRN_OBJECT_LIST ? _("List changed") :
                       entry->kind == CAIRN_OBJECT_NOTE ? _("Note changed") :
                       entry->kind == CAIRN_OBJECT_TAG ? _("Tag changed") : _("Task changed"));
    default:
      g_assert_not_reached ();
    }
}

static void
show_toast (CairnWindow *self,
            const char  *text,
            const char  *button,
            const char  *action)
{
  AdwToast *toast = adw_toast_new (text);
  AdwToast *previous = g_object_get_data (G_OBJECT (self), "cairn-undo-toast");

  /* One at a time: the newest says what the last Ctrl+Z did, at once
   * (ahead of a deletion's toast), and long enough to reach its button
   * with the keyboard. */
  if (previous != NULL)
    adw_toast_dismiss (previous);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_set_timeout (toast, 10);
  g_object_set_data_full (G_OBJECT (self), "cairn-undo-toast", g_object_ref (toast),
                          g_object_unref);
  if (button != NULL)
    {
      adw_toast_set_button_label (toast, button);
      adw_toast_set_action_name (toast, action);
    }
  cairn_window_add_toast (self, toast);
}

static void
win_undo (GtkWidget  *widget,
          const char *action_name,
          GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);
  History *history = get_history (self);
  g_autofree char *message = NULL;

  if (self->pool == NULL)
    return;

  while (history->cursor > 0)
    {
      Entry *entry = history->entries->pdata[--history->cursor];

      if (already_undone (self->pool, entry))
        continue;
      if (!apply (self->pool, entry, entry->before, &message))
        {
          g_autofree char *text = g_strdup_printf (_("Could not undo: %s"), message);

          /* It cannot be redone either: forget it. */
          g_ptr_array_remove_index (history->entries, history->cursor);
          show_toast (self, text, NULL, NULL);
        }
      else
        {
          g_autofree char *text = describe (entry, entry->before);

          show_toast (self, text, _("_Redo"), "win.redo");
        }
      break;
    }
  sync_actions (self);
}

static void
win_redo (GtkWidget  *widget,
          const char *action_name,
          GVariant   *parameter)
{
  CairnWindow *self = CAIRN_WINDOW (widget);
  History *history = get_history (self);
  g_autofree char *message = NULL;
  Entry *entry;

  if (self->pool == NULL || history->cursor >= history->entries->len)
    return;

  entry = history->entries->pdata[history->cursor];
  if (!apply (self->pool, entry, entry->after, &message))
    {
      g_autofree char *text = g_strdup_printf (_("Could not redo: %s"), message);

      g_ptr_array_remove_index (history->entries, history->cursor);
      show_toast (self, text, NULL, NULL);
    }
  else
    {
      g_autofree char *text = describe (entry, entry->after);

      history->cursor++;
      show_toast (self, text, _("_Undo"), "win.undo");
    }
  sync_actions (self);
}

/* The keys: a focused text field or note body has its own Ctrl+Z for its
 * typing, which runs first; when it has nothing (left) to undo the key
 * comes here, and still does nothing, so that pressing it once too often
 * in the middle of typing never undoes, say, a task deleted earlier. The
 * menu's Undo and Redo always act on the window's history. */
static gboolean
on_undo_key (GtkWidget *widget,
             GVariant  *args,
             gpointer   user_data)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (widget));
  const char *action = g_variant_get_string (args, NULL);

  if (focus != NULL &&
      ((GTK_IS_TEXT (focus) && gtk_editable_get_editable (GTK_EDITABLE (focus))) ||
       (GTK_IS_TEXT_VIEW (focus) && gtk_text_view_get_editable (GTK_TEXT_VIEW (focus)))))
    return FALSE;
  return gtk_widget_activate_action (widget, action, NULL);
}

void
_cairn_window_class_install_undo (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, win_undo);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, win_redo);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_z, GDK_CONTROL_MASK,
                                on_undo_key, "s", "win.undo");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                on_undo_key, "s", "win.redo");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Z, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                on_undo_key, "s", "win.redo");
}

void
_cairn_window_undo_clear (GtkWidget *window)
{
  History *history;

  g_return_if_fail (CAIRN_IS_WINDOW (window));

  history = get_history (CAIRN_WINDOW (window));
  g_ptr_array_set_size (history->entries, 0);
  history->cursor = 0;
  sync_actions (CAIRN_WINDOW (window));
}

guint
_cairn_window_undo_get_n_undo (GtkWidget *window)
{
  g_return_val_if_fail (CAIRN_IS_WINDOW (window), 0);
  return get_history (CAIRN_WINDOW (window))->cursor;
}

guint
_cairn_window_undo_get_n_redo (GtkWidget *window)
{
  History *history;

  g_return_val_if_fail (CAIRN_IS_WINDOW (window), 0);
  history = get_history (CAIRN_WINDOW (window));
  return history->entries->len - history->cursor;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window-undo.c: Undo and Redo in the window, through the store's
 * undo (data/cairn-store-undo.h): one action per commit, kept by the
 * store per device and workspace, undone by new events that put back
 * only what no other device changed since. This file turns what an undo
 * did and left into a toast in the user's words. */
#define G_LOG_DOMAIN "cairn-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-store-undo.h"
#include "cairn-window-private.h"
#include "cairn-window-undo.h"

static CairnStore *
store_of (CairnWindow *self)
{
  return self->pool != NULL ? cairn_pool_get_store (self->pool) : NULL;
}

static void
sync_actions (CairnWindow *self)
{
  CairnStore *store = store_of (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo",
                                 store != NULL && cairn_store_get_n_undo (store) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo",
                                 store != NULL && cairn_store_get_n_redo (store) > 0);
}

/* ---- The store's calls ------------------------------------------------------ */

gboolean
_cairn_undo_set_todo_done (GtkWidget *widget, CairnPool *pool, const char *todo_id,
                           gboolean done, GError **error)
{
  return cairn_store_set_todo_done (cairn_pool_get_store (pool), todo_id, done, error);
}

gboolean
_cairn_undo_rename_todo (GtkWidget *widget, CairnPool *pool, const char *todo_id,
                         const char *title, GError **error)
{
  return cairn_store_rename_todo (cairn_pool_get_store (pool), todo_id, title, error);
}

gboolean
_cairn_undo_set_todo_due (GtkWidget *widget, CairnPool *pool, const char *todo_id,
                          const char *due, GError **error)
{
  return cairn_store_set_todo_due (cairn_pool_get_store (pool), todo_id, due, error);
}

gboolean
_cairn_undo_move_todo (GtkWidget *widget, CairnPool *pool, const char *todo_id,
                       const char *list_id, const char *before_id, const char *after_id,
                       GError **error)
{
  return cairn_store_move_todo (cairn_pool_get_store (pool), todo_id, list_id, before_id,
                                after_id, error);
}

gboolean
_cairn_undo_move_todo_under (GtkWidget *widget, CairnPool *pool, const char *todo_id,
                             const char *list_id, const char *parent_id,
                             const char *before_id, const char *after_id, GError **error)
{
  return cairn_store_move_todo_under (cairn_pool_get_store (pool), todo_id, list_id, parent_id,
                                      before_id, after_id, error);
}

gboolean
_cairn_undo_rename_list (GtkWidget *widget, CairnPool *pool, const char *list_id,
                         const char *title, GError **error)
{
  return cairn_store_rename_list (cairn_pool_get_store (pool), list_id, title, error);
}

gboolean
_cairn_undo_move_list (GtkWidget *widget, CairnPool *pool, const char *list_id,
                       const char *before_id, const char *after_id, GError **error)
{
  return cairn_store_move_list (cairn_pool_get_store (pool), list_id, before_id, after_id, error);
}

gboolean
_cairn_undo_rename_note (GtkWidget *widget, CairnPool *pool, const char *note_id,
                         const char *title, GError **error)
{
  return cairn_store_rename_note (cairn_pool_get_store (pool), note_id, title, error);
}

/* ---- Words ------------------------------------------------------------------ */

/* The field, as the start of a sentence. */
static const char *
field_name (const CairnUndoItem *item)
{
  const char *f = item->field;

  if (g_str_equal (f, "title"))
    return _("The title");
  if (g_str_equal (f, "done"))
    return _("Whether it is done");
  if (g_str_equal (f, "place"))
    return _("Its place");
  if (g_str_equal (f, "due"))
    return _("The due date");
  if (g_str_equal (f, "priority"))
    return _("The priority");
  if (g_str_equal (f, "reminder"))
    return _("The reminder");
  if (g_str_equal (f, "repeat"))
    return _("The repeat");
  if (g_str_equal (f, "pinned"))
    return _("Whether it is pinned");
  if (g_str_equal (f, "name"))
    return _("The name");
  if (g_str_equal (f, "color"))
    return _("The colour");
  if (g_str_equal (f, "tag"))
    return _("The tag");
  if (g_str_equal (f, "text"))
    return _("The text");
  return _("A change");
}

/* What was left, and why, in a person's words. */
static char *
describe_left (const CairnUndoItem *item)
{
  gboolean list = g_str_equal (item->kind, "list"), note = g_str_equal (item->kind, "note");

  switch (item->reason)
    {
    case CAIRN_UNDO_LEFT_CHANGED:
      if (item->device != NULL)
        /* Translators: "The title was changed on laptop since; left as it is" */
        return g_strdup_printf (_("%s was changed on %s since; left as it is"),
                                field_name (item), item->device);
      return g_strdup_printf (_("%s was changed on another device since; left as it is"),
                              field_name (item));
    case CAIRN_UNDO_LEFT_DELETED:
      return g_strdup (list ? _("The list was deleted on another device") :
                       note ? _("The note was deleted on another device") :
                       _("The task was deleted on another device"));
    case CAIRN_UNDO_LEFT_GONE:
      return g_strdup (_("Where it was is deleted now; left where it is"));
    case CAIRN_UNDO_LEFT_FINAL:
    default:
      return g_strdup_printf (_("%s cannot be put back"), field_name (item));
    }
}

/* What was put back, for a whole undo: the first change says it. */
static char *
describe_changed (const CairnUndoItem *item,
                  gboolean             redo)
{
  const char *k = item->kind;
  gboolean list = g_str_equal (k, "list"), note = g_str_equal (k, "note");

  if (g_str_equal (item->field, "restored"))
    return g_strdup (list ? _("List restored") : note ? _("Note restored") : _("Task restored"));
  if (g_str_equal (item->field, "deleted"))
    return g_strdup (list ? _("List deleted") : note ? _("Note deleted") : _("Task deleted"));
  if (g_str_equal (item->field, "place"))
    return g_strdup (list ? _("List moved") : _("Task moved"));
  if (g_str_equal (item->field, "title"))
    return g_strdup (_("Title put back"));
  return g_strdup (redo ? _("Change redone") : _("Change undone"));
}

/* The field inside a sentence ("Put back: title, priority"). */
static const char *
field_word (const CairnUndoItem *item)
{
  static const struct { const char *field; const char *word; } words[] = {
    { "title", N_("title") }, { "done", N_("done") }, { "place", N_("place") },
    { "due", N_("due date") }, { "priority", N_("priority") }, { "reminder", N_("reminder") },
    { "repeat", N_("repeat") }, { "pinned", N_("pinned") }, { "name", N_("name") },
    { "color", N_("colour") }, { "tag", N_("tags") }, { "text", N_("text") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_str_equal (item->field, words[i].field))
      return _(words[i].word);
  return NULL;
}

/* What a whole undo put back: one change in its own words; several (an
 * undone restore of a version, a grouped action) name every field, once
 * each, after the deletion or restoration they came with. */
static char *
describe_all_changed (GPtrArray *changed,
                      gboolean   redo)
{
  g_autoptr(GString) fields = g_string_new (NULL);
  g_autoptr(GPtrArray) seen = g_ptr_array_new ();
  const CairnUndoItem *status = NULL;
  g_autofree char *first = NULL;

  if (changed->len == 1)
    return describe_changed (changed->pdata[0], redo);
  for (guint i = 0; i < changed->len; i++)
    {
      const CairnUndoItem *item = changed->pdata[i];
      const char *word = field_word (item);

      if (g_str_equal (item->field, "restored") || g_str_equal (item->field, "deleted"))
        {
          if (status == NULL)
            status = item;
          continue;
        }
      if (word == NULL || g_ptr_array_find (seen, word, NULL))
        continue;
      g_ptr_array_add (seen, (gpointer) word);
      if (fields->len > 0)
        /* Translators: between the fields of "Put back: title, priority" */
        g_string_append (fields, _(", "));
      g_string_append (fields, word);
    }
  if (fields->len == 0)
    return describe_changed (status != NULL ? status : changed->pdata[0], redo);
  if (status == NULL)
    /* Translators: the fields an undo (redo) set back, "Put back: title, due date" */
    return g_strdup_printf (redo ? _("Redone: %s") : _("Put back: %s"), fields->str);
  first = describe_changed (status, redo);
  /* Translators: "Task restored; put back: title, priority" */
  return g_strdup_printf (redo ? _("%s; redone: %s") : _("%s; put back: %s"), first, fields->str);
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
run_undo (CairnWindow *self,
          gboolean     redo)
{
  CairnStore *store = store_of (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnUndoResult) result = NULL;

  if (store == NULL)
    return;
  result = redo ? cairn_store_redo (store, &error) : cairn_store_undo (store, &error);
  if (result != NULL)
    {
      g_autofree char *json = cairn_undo_result_to_json (result);
      g_debug ("%s: %s", redo ? "Redo" : "Undo", json);
    }
  if (result == NULL)
    {
      if (!g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NOT_FOUND))
        cairn_window_report_error (GTK_WIDGET (self),
                                   redo ? _("Could not redo") : _("Could not undo"), error);
    }
  else if (result->left->len > 0)
    {
      /* A partial (or empty) undo: what was left, and why. */
      g_autofree char *text = describe_left (result->left->pdata[0]);

      show_toast (self, text, NULL, NULL);
    }
  else if (result->changed->len > 0)
    {
      g_autofree char *text = describe_all_changed (result->changed, redo);

      show_toast (self, text, redo ? _("_Undo") : _("_Redo"), redo ? "win.undo" : "win.redo");
    }
  sync_actions (self);
}

static void
win_undo (GtkWidget  *widget,
          const char *action_name,
          GVariant   *parameter)
{
  run_undo (CAIRN_WINDOW (widget), FALSE);
}

static void
win_redo (GtkWidget  *widget,
          const char *action_name,
          GVariant   *parameter)
{
  run_undo (CAIRN_WINDOW (widget), TRUE);
}

gboolean
_cairn_window_undo_deletion (GtkWidget  *window,
                             const char *id)
{
  CairnWindow *self = CAIRN_WINDOW (window);
  CairnStore *store = store_of (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnUndoResult) result = NULL;

  if (store == NULL || !cairn_store_undo_top_is (store, id))
    return FALSE;
  result = cairn_store_undo (store, &error);
  if (result == NULL)
    cairn_window_report_error (window, _("Could not undo"), error);
  else if (result->left->len > 0)
    {
      g_autofree char *text = describe_left (result->left->pdata[0]);

      show_toast (self, text, NULL, NULL);
    }
  sync_actions (self);
  return TRUE;
}

/* The keys: a focused text field or note body has its own Ctrl+Z for its
 * typing, which runs first; when it has nothing (left) to undo the key
 * comes here, and still does nothing, so that pressing it once too often
 * in the middle of typing never undoes, say, a task deleted earlier. The
 * menu's Undo and Redo always act on the store's history. */
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

/* Every commit (this window's, cairn-cli's, a sync's rebase) may change
 * what can be undone. */
static void
on_store_changed (CairnWindow *self)
{
  sync_actions (self);
}

void
_cairn_window_undo_clear (GtkWidget *window)
{
  CairnWindow *self;
  CairnStore *store;

  g_return_if_fail (CAIRN_IS_WINDOW (window));

  self = CAIRN_WINDOW (window);
  store = store_of (self);
  if (store != NULL && g_object_get_data (G_OBJECT (store), "cairn-undo-window") != self)
    {
      g_object_set_data (G_OBJECT (store), "cairn-undo-window", self);
      g_signal_connect_object (store, "changed", G_CALLBACK (on_store_changed), self,
                               G_CONNECT_SWAPPED);
    }
  sync_actions (self);
}

guint
_cairn_window_undo_get_n_undo (GtkWidget *window)
{
  CairnStore *store;

  g_return_val_if_fail (CAIRN_IS_WINDOW (window), 0);
  store = store_of (CAIRN_WINDOW (window));
  return store != NULL ? cairn_store_get_n_undo (store) : 0;
}

guint
_cairn_window_undo_get_n_redo (GtkWidget *window)
{
  CairnStore *store;

  g_return_val_if_fail (CAIRN_IS_WINDOW (window), 0);
  store = store_of (CAIRN_WINDOW (window));
  return store != NULL ? cairn_store_get_n_redo (store) : 0;
}

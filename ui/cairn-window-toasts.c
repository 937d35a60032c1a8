/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-window-toasts.c: the window's toasts: errors, Undo, sync conflicts. */
#define G_LOG_DOMAIN "cairn-window"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-window-private.h"

/* libadwaita 1.2 (fixed in 1.3): when a toast's hide animation (300 ms)
 * ends before its show animation (300 ms, or 500 ms when it replaces a
 * toast that is still leaving), the overlay frees the toast's bookkeeping
 * and the end of the show animation then writes into it: the app crashes
 * a moment later. That happens whenever a toast is dismissed just after it
 * appeared, by its own button, by Escape, or by us. So every toast of this
 * window carries a guard (toast_guard()): a dismissal that comes sooner
 * than TOAST_SETTLE_MS after the toast's widget appeared is held back and
 * made again then. The button's action has run already; only the toast
 * stays a little longer. */
#define TOAST_SETTLE_MS 700

static gint64
now_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

/* The toast's own handler of "dismissed" (connected before any other)
 * has marked it as out of its overlay already, so adw_toast_dismiss()
 * would do nothing now: the signal is emitted again instead, and reaches
 * the overlay this time. */
static gboolean
dismiss_again_cb (gpointer data)
{
  g_object_set_data (data, "cairn-held", NULL);
  g_signal_emit_by_name (data, "dismissed");
  return G_SOURCE_REMOVE;
}

/* Runs before every other handler of "dismissed", the overlay's included. */
static void
on_toast_dismissed (AdwToast *toast)
{
  gint64 shown = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (toast), "cairn-shown-ms"));
  gint64 wait = shown + TOAST_SETTLE_MS - now_ms ();


  if (shown != 0 && wait > 0)
    {
      g_signal_stop_emission_by_name (toast, "dismissed");
      if (g_object_get_data (G_OBJECT (toast), "cairn-held") == NULL)
        {
          g_object_set_data (G_OBJECT (toast), "cairn-held", GINT_TO_POINTER (TRUE));
          g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) wait, dismiss_again_cb,
                              g_object_ref (toast), g_object_unref);
        }
      return;
    }
  g_object_set_data (G_OBJECT (toast), "cairn-dismissed", GINT_TO_POINTER (TRUE));
}

/* Call on every toast before anything else connects to it and before it
 * is added to the overlay. */
static void
toast_guard (AdwToast *toast)
{
  if (g_object_get_data (G_OBJECT (toast), "cairn-guarded") != NULL)
    return;
  g_object_set_data (G_OBJECT (toast), "cairn-guarded", GINT_TO_POINTER (TRUE));
  g_signal_connect (toast, "dismissed", G_CALLBACK (on_toast_dismissed), NULL);
}

/* The overlay makes a widget for a toast when it shows it (a toast may
 * wait in its queue first): that is when the show animation starts. */
static void
on_overlay_children_changed (GListModel  *children,
                             guint        position,
                             guint        removed,
                             guint        added,
                             CairnWindow *self)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GObject) child = g_list_model_get_item (children, i);
      g_autoptr(AdwToast) toast = NULL;

      if (g_object_class_find_property (G_OBJECT_GET_CLASS (child), "toast") == NULL)
        continue;
      g_object_get (child, "toast", &toast, NULL);
      if (ADW_IS_TOAST (toast))
        g_object_set_data (G_OBJECT (toast), "cairn-shown-ms",
                           GSIZE_TO_POINTER ((gsize) now_ms ()));
    }
}

void
_cairn_window_toasts_init (CairnWindow *self)
{
  self->overlay_children = gtk_widget_observe_children (GTK_WIDGET (self->toast_overlay));
  g_signal_connect_object (self->overlay_children, "items-changed",
                           G_CALLBACK (on_overlay_children_changed), self, 0);
}

static gboolean
dismiss_toast_cb (gpointer data)
{
  if (g_object_get_data (data, "cairn-dismissed") == NULL)
    adw_toast_dismiss (data);
  return G_SOURCE_REMOVE;
}

/* Dismisses a toast from the main loop (the guard holds it back if it
 * has only just appeared). */
static void
dismiss_toast_later (AdwToast *toast)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, dismiss_toast_cb, g_object_ref (toast), g_object_unref);
}

/* Dismisses every toast in toasts, which holds references. */
static void
dismiss_all_later (GPtrArray *toasts)
{
  for (guint i = 0; i < toasts->len; i++)
    dismiss_toast_later (toasts->pdata[i]);
}

/* ---- Errors -------------------------------------------------------------- */

void
cairn_window_add_toast (CairnWindow *self,
                        AdwToast    *toast)
{
  g_return_if_fail (CAIRN_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  toast_guard (toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
cairn_window_report_error (GtkWidget    *widget,
                           const char   *what,
                           const GError *error)
{
  GtkRoot *root;
  g_autofree char *message = NULL;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (what != NULL);
  g_return_if_fail (error != NULL);

  root = gtk_widget_get_root (widget);
  message = g_strdup_printf ("%s: %s", what, error->message);
  if (CAIRN_IS_WINDOW (root))
    cairn_window_add_toast (CAIRN_WINDOW (root), adw_toast_new (message));
  else
    g_warning ("%s", message);
}

/* ---- Undo ---------------------------------------------------------------- */

static void
on_undo_toast_dismissed (AdwToast    *toast,
                         CairnWindow *self)
{
  g_ptr_array_remove (self->undo_toasts, toast);
}

/* An Undo toast restores by id in the store of the workspace it was shown
 * in: the file's path goes with it (see _cairn_window_drop_undo_toasts()). */
void
_cairn_window_add_undo_toast (CairnWindow *self,
                              const char  *title,
                              const char  *restore_action,
                              const char  *id)
{
  g_autofree char *text = NULL;
  AdwToast *toast;

  /* Translators: %s is the title of what was deleted */
  text = g_strdup_printf (_("“%s” deleted"), title);
  toast = adw_toast_new (text);
  toast_guard (toast);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, restore_action);
  adw_toast_set_action_target_value (toast, g_variant_new_string (id));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_set_timeout (toast, 10);  /* time to reach Undo with the keyboard */
  g_object_set_data_full (G_OBJECT (toast), "cairn-store-path",
                          g_strdup (cairn_store_get_path (cairn_pool_get_store (self->pool))),
                          g_free);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_undo_toast_dismissed), self, 0);
  g_ptr_array_add (self->undo_toasts, g_object_ref (toast));
  cairn_window_add_toast (self, toast);
}

/* Another workspace was opened: the Undo toasts of the one before would
 * restore by id in a store where those ids mean nothing ("Could not
 * undo"). They lose their button's action at once and go as soon as they
 * may. Toasts of the same file (reopened after a sign-in) stay. */
void
_cairn_window_drop_undo_toasts (CairnWindow *self)
{
  const char *path = NULL;

  if (self->pool != NULL)
    path = cairn_store_get_path (cairn_pool_get_store (self->pool));
  for (guint i = self->undo_toasts->len; i-- > 0;)
    {
      AdwToast *toast = self->undo_toasts->pdata[i];

      if (g_strcmp0 (g_object_get_data (G_OBJECT (toast), "cairn-store-path"), path) == 0)
        continue;
      adw_toast_set_action_name (toast, NULL);
      dismiss_toast_later (toast);
      g_ptr_array_remove_index (self->undo_toasts, i);
    }
}

/* ---- Conflicts ----------------------------------------------------------- */

static const char *
conflict_field_text (CairnConflict *conflict)
{
  const char *field = cairn_conflict_get_field (conflict);

  if (g_str_equal (field, "title"))
    return _("title");
  if (g_str_equal (field, "done"))
    return _("done state");
  if (g_str_equal (field, "due"))
    return _("due date");
  if (g_str_equal (field, "list"))
    return _("list");
  return _("position");
}

static void
on_conflict_toast_dismissed (AdwToast    *toast,
                             CairnWindow *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->conflict_toasts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value == toast)
      g_hash_table_iter_replace (&iter, NULL);
}

/* A todo's title by id, for the "parent" reports (their values are ids). */
static const char *
todo_title (CairnWindow *self,
            const char  *id)
{
  CairnTodo *todo = NULL;

  if (self->pool != NULL && id != NULL && *id != '\0')
    todo = cairn_pool_lookup_todo (self->pool, id);
  return todo != NULL ? cairn_todo_get_title (todo) : _("a task");
}

/* "parent": the todo went under another one (or to the top level). */
static char *
parent_conflict_text (CairnWindow   *self,
                      CairnConflict *conflict,
                      const char    *device)
{
  const char *theirs = cairn_conflict_get_theirs (conflict);
  g_autofree char *title = g_strdup (todo_title (self, cairn_conflict_get_object_id (conflict)));

  if (*theirs == '\0')
    /* Translators: "“Buy milk” was moved to the top level on laptop" */
    return g_strdup_printf (_("“%s” was moved to the top level on %s"), title, device);
  /* Translators: "“Buy milk” was moved under “Shopping” on laptop" */
  return g_strdup_printf (_("“%s” was moved under “%s” on %s"),
                          title, todo_title (self, theirs), device);
}

/* Say what changed and offer to keep our value. */
static AdwToast *
conflict_toast_new (CairnWindow   *self,
                    CairnConflict *conflict)
{
  g_autofree char *text = NULL;
  const char *device = cairn_conflict_get_their_device (conflict);
  AdwToast *toast;

  if (device == NULL || device[0] == '\0')
    device = _("another device");
  if (g_str_equal (cairn_conflict_get_field (conflict), "parent"))
    text = parent_conflict_text (self, conflict, device);
  else
    /* Translators: "title of “Buy milk” changed to “Buy oat milk” on laptop" */
    text = g_strdup_printf (_("The %s of “%s” was changed to “%s” on %s"),
                            conflict_field_text (conflict),
                            cairn_conflict_get_ours (conflict),
                            cairn_conflict_get_theirs (conflict),
                            device);
  toast = adw_toast_new (text);
  toast_guard (toast);
  adw_toast_set_button_label (toast, _("_Keep Mine"));
  adw_toast_set_action_name (toast, "win.keep-mine");
  adw_toast_set_action_target_value (toast,
                                     g_variant_new_int64 (cairn_conflict_get_id (conflict)));
  adw_toast_set_timeout (toast, 10);
  g_signal_connect_object (toast, "dismissed",
                           G_CALLBACK (on_conflict_toast_dismissed), self, 0);
  return toast;
}

/* Each report in the status's conflicts gets one toast; a report that is
 * gone (kept, dismissed, another workspace opened) takes its toast along. */
static void
update_conflict_toasts (CairnWindow *self)
{
  GListModel *conflicts;
  g_autoptr(GHashTable) present = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                         g_free, NULL);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  if (self->engine == NULL)
    return;
  conflicts = cairn_sync_status_get_conflicts (cairn_sync_engine_get_status (self->engine));
  for (guint i = 0; i < g_list_model_get_n_items (conflicts); i++)
    {
      g_autoptr(CairnConflict) conflict = g_list_model_get_item (conflicts, i);
      gint64 id = cairn_conflict_get_id (conflict);

      g_hash_table_add (present, g_memdup2 (&id, sizeof id));
      if (!g_hash_table_contains (self->conflict_toasts, &id))
        {
          AdwToast *toast = conflict_toast_new (self, conflict);

          g_hash_table_insert (self->conflict_toasts, g_memdup2 (&id, sizeof id), toast);
          cairn_window_add_toast (self, toast);
        }
    }

  g_hash_table_iter_init (&iter, self->conflict_toasts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (present, key))
      {
        if (value != NULL)
          g_ptr_array_add (gone, g_object_ref (value));
        g_hash_table_iter_remove (&iter);
      }
  dismiss_all_later (gone);
}

static void
on_conflicts_changed (GListModel  *conflicts,
                      guint        position,
                      guint        removed,
                      guint        added,
                      CairnWindow *self)
{
  update_conflict_toasts (self);
}

void
_cairn_window_watch_conflicts (CairnWindow *self)
{
  CairnSyncStatus *status = cairn_sync_engine_get_status (self->engine);

  g_signal_connect_object (cairn_sync_status_get_conflicts (status), "items-changed",
                           G_CALLBACK (on_conflicts_changed), self, 0);
  update_conflict_toasts (self);
}

void
_cairn_window_reset_conflict_toasts (CairnWindow *self)
{
  g_autoptr(GPtrArray) shown = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->conflict_toasts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value != NULL)
      g_ptr_array_add (shown, g_object_ref (value));
  g_hash_table_remove_all (self->conflict_toasts);
  dismiss_all_later (shown);
  update_conflict_toasts (self);
}

void
_cairn_window_release_conflict_toast (CairnWindow *self,
                                      gint64       id)
{
  if (g_hash_table_contains (self->conflict_toasts, &id))
    g_hash_table_insert (self->conflict_toasts, g_memdup2 (&id, sizeof id), NULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-history-section.c: an object's history in an expander row, and
 * restoring one of its versions (cairn_store_revert_object()). */
#define G_LOG_DOMAIN "cairn-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-history-section.h"
#include "cairn-note-row.h"
#include "cairn-store-history.h"
#include "cairn-window.h"

struct _CairnHistorySection
{
  GtkWidget    parent_instance;

  GtkWidget   *group;
  AdwExpanderRow *expander;
  GPtrArray   *rows;          /* AdwActionRow* in the expander */
  CairnStore  *store;
  char        *object_id;
  gulong       changed_id;
  guint        reload_id;
};

G_DEFINE_FINAL_TYPE (CairnHistorySection, cairn_history_section, GTK_TYPE_WIDGET)

/* ---- words ---------------------------------------------------------------- */

static const char *
field_label (const char *field)
{
  static const struct { const char *field; const char *label; } labels[] = {
    { "title", N_("Title") }, { "name", N_("Name") }, { "color", N_("Color") },
    { "list", N_("List") }, { "parent", N_("Parent task") }, { "position", N_("Position") },
    { "done", N_("Done") }, { "deleted", N_("Deleted") }, { "pinned", N_("Pinned") },
    { "due", N_("Due date") }, { "due time", N_("Due time") }, { "priority", N_("Priority") },
    { "tags", N_("Tags") }, { "reminder", N_("Reminder") }, { "reminder dismissed", N_("Reminder dismissed") },
    { "repeat", N_("Repeat") }, { "notes", N_("Notes") }, { "body", N_("Text") },
    { "completed occurrence", N_("Completed occurrence") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_str_equal (labels[i].field, field))
      return _(labels[i].label);
  return field;
}

static const char *
value_words (const char *value)
{
  if (value == NULL)
    return _("none");
  if (g_str_equal (value, "yes"))
    return _("yes");
  if (g_str_equal (value, "no"))
    return _("no");
  return value;
}

char *
cairn_history_describe_change (const char *event,
                               GPtrArray  *changes)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (g_str_has_suffix (event, ".created"))
    return g_strdup (_("Created"));
  for (guint i = 0; i < changes->len; i++)
    {
      const CairnHistoryChange *c = changes->pdata[i];

      if (g_str_equal (c->field, "position"))
        continue;   /* the order among siblings: not worth words */
      if (out->len > 0)
        g_string_append (out, ", ");
      if (c->inserted != NULL || c->deleted != NULL)
        {
          /* Translators: a text edit: the field, then what was typed and removed */
          g_string_append_printf (out, _("%s edited"), field_label (c->field));
          if (c->inserted != NULL)
            g_string_append_printf (out, " +“%s”", c->inserted);
          if (c->deleted != NULL)
            g_string_append_printf (out, " −“%s”", c->deleted);
        }
      else
        /* Translators: a field's change: "Title: “old” → “new”" */
        g_string_append_printf (out, _("%s: %s → %s"), field_label (c->field),
                                value_words (c->old_value), value_words (c->new_value));
    }
  if (out->len == 0)
    return g_strdup (changes->len > 0 ? _("Moved") : _("No change"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
describe_who (const CairnHistoryEntry *e)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *when = cairn_note_format_edited (e->created_at, now);

  if (e->seq == 0)
    /* Translators: a change made here that the server has not confirmed yet */
    return g_strdup_printf (_("This device · not synced yet · %s"), when);
  if (e->user != NULL && e->device != NULL)
    /* Translators: "bob on phone · 3 minutes ago" */
    return g_strdup_printf (_("%s on %s · %s"), e->user, e->device, when);
  if (e->device != NULL)
    return g_strdup_printf ("%s · %s", e->device, when);
  return g_strdup_printf ("%s · %s", e->own ? _("This device") : _("Another device"), when);
}

/* ---- restoring -------------------------------------------------------------- */

typedef struct
{
  CairnHistorySection *self;
  gint64               seq;
} RestoreData;

static void
restore_data_free (gpointer  data,
                   GClosure *closure)
{
  RestoreData *d = data;

  g_object_unref (d->self);
  g_free (d);
}

static void
on_restore_response (AdwMessageDialog *dialog,
                     const char       *response,
                     RestoreData      *d)
{
  g_autoptr(GError) error = NULL;
  CairnHistorySection *self = d->self;

  if (g_strcmp0 (response, "restore") != 0 || self->store == NULL || self->object_id == NULL)
    return;
  if (!cairn_store_revert_object (self->store, self->object_id, d->seq, NULL, &error))
    cairn_window_report_error (GTK_WIDGET (self), _("Could not restore this version"), error);
}

static void
on_restore_clicked (GtkButton           *button,
                    CairnHistorySection *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  RestoreData *d = g_new0 (RestoreData, 1);
  AdwMessageDialog *dialog;

  d->self = g_object_ref (self);
  d->seq = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "cairn-seq"));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       _("Restore This Version?"),
                                                       _("Everything changed since will be set back as it was "
                                                         "after this change. Restoring is itself a change: "
                                                         "every device gets it, and it can be restored away too.")));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "restore", _("_Restore"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "restore", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "restore");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_restore_response), d,
                         restore_data_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- the rows ------------------------------------------------------------- */

static void
clear_rows (CairnHistorySection *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    adw_expander_row_remove (self->expander, self->rows->pdata[i]);
  g_ptr_array_set_size (self->rows, 0);
}

static void
add_message_row (CairnHistorySection *self,
                 const char          *text)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
  adw_expander_row_add_row (self->expander, row);
  g_ptr_array_add (self->rows, row);
}

static void
reload (CairnHistorySection *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) history = NULL;
  guint shown = 0;

  clear_rows (self);
  if (self->store == NULL || self->object_id == NULL)
    return;
  history = cairn_store_get_history (self->store, self->object_id, &error);
  if (history == NULL)
    {
      add_message_row (self, _("The history could not be read"));
      g_debug ("History of %s: %s", self->object_id, error->message);
      return;
    }
  for (guint i = history->len; i > 0 && shown < CAIRN_HISTORY_SECTION_MAX_ROWS; i--, shown++)
    {
      const CairnHistoryEntry *e = history->pdata[i - 1];
      g_autofree char *what = cairn_history_describe_change (e->event, e->changes);
      g_autofree char *who = describe_who (e);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), what);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), who);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 2);
      if (e->seq > 0)
        {
          GtkWidget *button = gtk_button_new_from_icon_name ("document-revert-symbolic");

          gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (button, "flat");
          gtk_widget_set_tooltip_text (button, _("Restore This Version"));
          gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          _("Restore This Version"), -1);
          g_object_set_data (G_OBJECT (button), "cairn-seq", GSIZE_TO_POINTER ((gsize) e->seq));
          g_signal_connect (button, "clicked", G_CALLBACK (on_restore_clicked), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
        }
      adw_expander_row_add_row (self->expander, row);
      g_ptr_array_add (self->rows, row);
    }
  if (history->len > shown)
    add_message_row (self, _("Older changes: see “cairn-cli history”"));
}

static gboolean
reload_idle (gpointer data)
{
  CairnHistorySection *self = data;

  self->reload_id = 0;
  if (adw_expander_row_get_expanded (self->expander))
    reload (self);
  return G_SOURCE_REMOVE;
}

static gboolean
set_has (GHashTable *set,
         const char *id)
{
  return set != NULL && g_hash_table_contains (set, id);
}

static gboolean
set_empty (GHashTable *set)
{
  return set == NULL || g_hash_table_size (set) == 0;
}

/* Read again after a change of this object, a reset, or a change of no
 * row at all (our events confirmed by a sync: now with seq, user and
 * device); not for typing in another note or task. */
static void
on_store_changed (CairnStore          *store,
                  CairnChanges        *changes,
                  CairnHistorySection *self)
{
  const char *id = self->object_id;

  if (self->reload_id != 0 || id == NULL || !adw_expander_row_get_expanded (self->expander))
    return;
  if (changes->reset || set_has (changes->todos, id) || set_has (changes->notes, id) ||
      set_has (changes->lists, id) || set_has (changes->tags, id) ||
      (set_empty (changes->todos) && set_empty (changes->notes) && set_empty (changes->lists) &&
       set_empty (changes->tags)))
    self->reload_id = g_idle_add_full (G_PRIORITY_LOW, reload_idle, self, NULL);
}

static void
on_expanded (AdwExpanderRow      *expander,
             GParamSpec          *pspec,
             CairnHistorySection *self)
{
  if (adw_expander_row_get_expanded (expander))
    reload (self);
  else
    clear_rows (self);
}

void
cairn_history_section_set_object (CairnHistorySection *self,
                                  CairnStore          *store,
                                  const char          *object_id)
{
  g_return_if_fail (CAIRN_IS_HISTORY_SECTION (self));

  if (self->store != store)
    {
      if (self->store != NULL)
        g_clear_signal_handler (&self->changed_id, self->store);
      g_set_object (&self->store, store);
      if (store != NULL)
        self->changed_id = g_signal_connect (store, "changed", G_CALLBACK (on_store_changed), self);
    }
  if (g_strcmp0 (self->object_id, object_id) == 0)
    return;
  g_free (self->object_id);
  self->object_id = g_strdup (object_id);
  /* A new object starts closed: its history is read only when opened. */
  adw_expander_row_set_expanded (self->expander, FALSE);
  clear_rows (self);
}

void
cairn_history_section_open (CairnHistorySection *self)
{
  g_return_if_fail (CAIRN_IS_HISTORY_SECTION (self));

  adw_expander_row_set_expanded (self->expander, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->expander));
}

GPtrArray *
cairn_history_section_get_rows (CairnHistorySection *self)
{
  g_return_val_if_fail (CAIRN_IS_HISTORY_SECTION (self), NULL);
  return self->rows;
}

GtkWidget *
cairn_history_section_new (void)
{
  return g_object_new (CAIRN_TYPE_HISTORY_SECTION, NULL);
}

static void
cairn_history_section_dispose (GObject *object)
{
  CairnHistorySection *self = CAIRN_HISTORY_SECTION (object);

  g_clear_handle_id (&self->reload_id, g_source_remove);
  if (self->store != NULL)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_object (&self->store);
  g_clear_pointer (&self->group, gtk_widget_unparent);
  G_OBJECT_CLASS (cairn_history_section_parent_class)->dispose (object);
}

static void
cairn_history_section_finalize (GObject *object)
{
  CairnHistorySection *self = CAIRN_HISTORY_SECTION (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_free (self->object_id);
  G_OBJECT_CLASS (cairn_history_section_parent_class)->finalize (object);
}

static void
cairn_history_section_class_init (CairnHistorySectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cairn_history_section_dispose;
  object_class->finalize = cairn_history_section_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
cairn_history_section_init (CairnHistorySection *self)
{
  self->rows = g_ptr_array_new ();
  self->group = adw_preferences_group_new ();
  gtk_widget_set_parent (self->group, GTK_WIDGET (self));
  self->expander = ADW_EXPANDER_ROW (adw_expander_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->expander), _("History"));
  adw_expander_row_set_subtitle (self->expander, _("Who changed what, and when"));
  adw_expander_row_set_icon_name (self->expander, "document-open-recent-symbolic");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->group), GTK_WIDGET (self->expander));
  g_signal_connect (self->expander, "notify::expanded", G_CALLBACK (on_expanded), self);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-notes-view.c: notes list and editor bound to the pool; pinning. */
#define G_LOG_DOMAIN "cairn-notes-view"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-history-section.h"
#include "cairn-ui.h"
#include "cairn-markdown.h"
#include "cairn-note-buffer.h"
#include "cairn-note-row.h"
#include "cairn-notes-view.h"
#include "cairn-window.h"
#include "cairn-window-undo.h"

struct _CairnNotesView
{
  GtkWidget           parent_instance;

  CairnPool          *pool;
  GtkFilterListModel *shown;    /* the notes through the find bar's filter */
  GtkFilter          *filter;
  GtkSingleSelection *selection;
  CairnNote          *note;
  gulong              note_notify_id;
  gulong              note_pinned_id;
  CairnNoteBuffer    *note_buffer;
  /* Buffers of notes left while their typing could not be saved (a full
   * disk): kept, so that they go on trying, until they could. */
  GPtrArray          *unsaved;
  guint               applying_remote : 1;
  guint               unselecting : 1;
  GtkEventControllerFocus *title_focus;
  GtkMenuButton      *history_button;    /* issue 15 */
  CairnHistorySection *history_section;

  GtkStack           *list_stack;
  AdwStatusPage      *empty_status;
  GtkListView        *notes_list;
  GtkStack           *editor_stack;
  AdwLeaflet         *leaflet;
  GtkWidget          *list_pane;
  GtkEntry           *title_entry;
  GtkTextView        *body_view;
  GtkInfoBar         *refusal_bar;
  GtkLabel           *refusal_label;
};

G_DEFINE_FINAL_TYPE (CairnNotesView, cairn_notes_view, GTK_TYPE_WIDGET)

/* "filter": the find bar's (cairn-find-bar.h), the notes listed are
 * those it keeps. "note-pinned": whether the open note is pinned; what
 * the stateful action notes.pinned (the note menu's "Pin to Top") shows
 * and sets. */
enum { PROP_0, PROP_FILTER, PROP_NOTE_PINNED, N_PROPS };
static GParamSpec *properties [N_PROPS];

static void
setup_note_row (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  gtk_list_item_set_child (item, cairn_note_row_new ());
}

static void
bind_note_row (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  cairn_note_row_set_note (CAIRN_NOTE_ROW (gtk_list_item_get_child (item)),
                           gtk_list_item_get_item (item));
}

static void
unbind_note_row (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  user_data)
{
  cairn_note_row_set_note (CAIRN_NOTE_ROW (gtk_list_item_get_child (item)), NULL);
}

/* The editor takes typing only while the note buffer can store it; else
 * it is read-only and the bar above it says why (the reason in detail is
 * the bar's tooltip). */
static void
sync_editable (CairnNotesView *self)
{
  gboolean open = self->note_buffer != NULL;
  gboolean editable = open && cairn_note_buffer_get_editable (self->note_buffer);

  gtk_text_view_set_editable (self->body_view, editable);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->refusal_label),
                               open ? cairn_note_buffer_get_refusal (self->note_buffer) : NULL);
  gtk_info_bar_set_revealed (self->refusal_bar, open && !editable);
}

/* Local typing: each change of the GtkTextBuffer becomes an edit of the
 * note buffer, which coalesces them into note.edited events. Connected
 * before the default handlers, so the iters still describe the change,
 * and an edit the note buffer refuses is stopped before it reaches the
 * GtkTextBuffer: the editor never shows text that was not stored. */
static void
on_body_insert_text (GtkTextBuffer  *buffer,
                     GtkTextIter    *location,
                     const char     *text,
                     int             len,
                     CairnNotesView *self)
{
  g_autoptr(GError) error = NULL;

  if (self->applying_remote || self->note_buffer == NULL)
    return;
  if (!cairn_note_buffer_insert (self->note_buffer, gtk_text_iter_get_offset (location),
                                 text, len, &error))
    {
      g_signal_stop_emission_by_name (buffer, "insert-text");
      /* A refusal is explained by the bar; anything else by a toast. */
      if (cairn_note_buffer_get_editable (self->note_buffer))
        cairn_window_report_error (GTK_WIDGET (self), _("Could not save the typing"), error);
    }
}

static void
on_body_delete_range (GtkTextBuffer  *buffer,
                      GtkTextIter    *start,
                      GtkTextIter    *end,
                      CairnNotesView *self)
{
  g_autoptr(GError) error = NULL;
  int from = gtk_text_iter_get_offset (start);
  int to = gtk_text_iter_get_offset (end);

  if (self->applying_remote || self->note_buffer == NULL || to == from)
    return;
  if (!cairn_note_buffer_delete (self->note_buffer, MIN (from, to), ABS (to - from), &error))
    {
      g_signal_stop_emission_by_name (buffer, "delete-range");
      if (cairn_note_buffer_get_editable (self->note_buffer))
        cairn_window_report_error (GTK_WIDGET (self), _("Could not save the deletion"), error);
    }
}

/* A change from elsewhere, applied in place: the GtkTextBuffer's marks
 * (the cursor, the selection) stay with the text around them. */
static void
on_remote_changed (CairnNoteBuffer *note_buffer,
                   guint            position,
                   guint            deleted,
                   const char      *inserted,
                   CairnNotesView  *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;

  self->applying_remote = TRUE;
  /* Not in the editor's undo: Ctrl+Z undoes the person's own typing, and
   * would otherwise take another device's words out, as a new edit. */
  gtk_text_buffer_begin_irreversible_action (buffer);
  if (deleted > 0)
    {
      gtk_text_buffer_get_iter_at_offset (buffer, &start, position);
      gtk_text_buffer_get_iter_at_offset (buffer, &end, position + deleted);
      gtk_text_buffer_delete (buffer, &start, &end);
    }
  if (inserted != NULL && inserted[0] != '\0')
    {
      gtk_text_buffer_get_iter_at_offset (buffer, &start, position);
      gtk_text_buffer_insert (buffer, &start, inserted, -1);
    }
  gtk_text_buffer_end_irreversible_action (buffer);
  self->applying_remote = FALSE;
}

/* The typing stays in the editor and in the note buffer, which tries
 * again until it is stored (a full disk): say so once. */
static void
on_save_failed (CairnNoteBuffer *note_buffer,
                const GError    *error,
                CairnNotesView  *self)
{
  cairn_window_report_error (GTK_WIDGET (self),
                             _("Could not save the typing (Cairn keeps it and tries again)"),
                             error);
}

static void
close_note_buffer (CairnNotesView *self)
{
  g_autoptr(GError) error = NULL;

  if (self->note_buffer == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->note_buffer, self);
  for (guint i = self->unsaved->len; i-- > 0;)
    if (!cairn_note_buffer_has_unflushed (self->unsaved->pdata[i]))
      g_ptr_array_remove_index_fast (self->unsaved, i);
  if (!cairn_note_buffer_flush (self->note_buffer, &error))
    {
      /* Its typing stays with it and it tries again (while the app runs). */
      cairn_window_report_error (GTK_WIDGET (self),
                                 _("Could not save the note (Cairn keeps the typing and tries again)"),
                                 error);
      g_ptr_array_add (self->unsaved, g_steal_pointer (&self->note_buffer));
    }
  g_clear_object (&self->note_buffer);
  sync_editable (self);
}

static void
open_note_buffer (CairnNotesView *self)
{
  g_autoptr(GError) error = NULL;
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);

  self->note_buffer = cairn_note_buffer_new (cairn_pool_get_store (self->pool),
                                             cairn_note_get_id (self->note), &error);
  self->applying_remote = TRUE;
  /* Opening a note is not an edit to undo (Ctrl+Z would empty the note). */
  gtk_text_buffer_begin_irreversible_action (buffer);
  gtk_text_buffer_set_text (buffer, self->note_buffer != NULL
                                    ? cairn_note_buffer_get_text (self->note_buffer) : "", -1);
  gtk_text_buffer_end_irreversible_action (buffer);
  self->applying_remote = FALSE;
  if (self->note_buffer == NULL)
    {
      sync_editable (self);
      cairn_window_report_error (GTK_WIDGET (self), _("Could not open the note"), error);
      return;
    }
  g_signal_connect (self->note_buffer, "remote-changed", G_CALLBACK (on_remote_changed), self);
  g_signal_connect (self->note_buffer, "save-failed", G_CALLBACK (on_save_failed), self);
  g_signal_connect_swapped (self->note_buffer, "notify::editable", G_CALLBACK (sync_editable), self);
  sync_editable (self);
}

/* Folded, the editor takes the place of the list: when the person opens a
 * note (clicks it, or makes a new one), not when the selection follows
 * another device's change. */
static void
show_editor (CairnNotesView *self)
{
  if (self->note != NULL)
    adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->editor_stack));
}

static void
on_back_clicked (GtkButton      *button,
                 CairnNotesView *self)
{
  adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
}

static void
on_note_activated (GtkListView    *list,
                   guint           position,
                   CairnNotesView *self)
{
  show_editor (self);
}

static void
sync_editor (CairnNotesView *self)
{
  if (self->note == NULL)
    {
      /* Folded, nothing to edit: the list. */
      adw_leaflet_set_visible_child (self->leaflet, self->list_pane);
      gtk_stack_set_visible_child_name (self->editor_stack, "none");
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "notes.delete", FALSE);
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "notes.pinned", FALSE);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTE_PINNED]);
      return;
    }

  gtk_stack_set_visible_child_name (self->editor_stack, "editor");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "notes.delete", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "notes.pinned", TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTE_PINNED]);
  /* Never overwrite a title the user is typing. */
  if (!gtk_event_controller_focus_contains_focus (self->title_focus) &&
      g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->title_entry)),
                 cairn_note_get_title (self->note)) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->title_entry), cairn_note_get_title (self->note));
}

static void
set_note (CairnNotesView *self,
          CairnNote      *note)
{
  if (self->note == note)
    return;

  close_note_buffer (self);
  if (self->note != NULL)
    {
      g_clear_signal_handler (&self->note_notify_id, self->note);
      g_clear_signal_handler (&self->note_pinned_id, self->note);
      g_clear_object (&self->note);
    }
  if (note != NULL)
    {
      self->note = g_object_ref (note);
      self->note_notify_id = g_signal_connect_swapped (note, "notify::title",
                                                       G_CALLBACK (sync_editor), self);
      self->note_pinned_id = g_signal_connect_swapped (note, "notify::pinned",
                                                       G_CALLBACK (sync_editor), self);
      gtk_editable_set_text (GTK_EDITABLE (self->title_entry), cairn_note_get_title (note));
      open_note_buffer (self);
    }
  cairn_history_section_set_object (self->history_section,
                                    self->pool != NULL ? cairn_pool_get_store (self->pool) : NULL,
                                    note != NULL ? cairn_note_get_id (note) : NULL);
  sync_editor (self);
}

/* Ctrl+Shift+H: the open note's history. */
static void
notes_show_history (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  CairnNotesView *self = CAIRN_NOTES_VIEW (widget);

  if (self->note == NULL)
    return;
  gtk_menu_button_popup (self->history_button);
  cairn_history_section_open (self->history_section);
}

/* A note that moves in the list (an edit, a rename or a pin takes it up)
 * leaves the model for a moment, and the selection with it: the note
 * stays open while it is live, and is selected again where it lands
 * (on_notes_changed). */
static void
on_selected_item_changed (CairnNotesView *self)
{
  CairnNote *selected = gtk_single_selection_get_selected_item (self->selection);

  if (selected == NULL && self->note != NULL && !self->unselecting &&
      cairn_pool_lookup_note (self->pool, cairn_note_get_id (self->note)) == self->note)
    return;
  set_note (self, selected);
}

static void
on_notes_changed (CairnNotesView *self)
{
  GListModel *notes = G_LIST_MODEL (self->shown);
  gboolean empty = g_list_model_get_n_items (notes) == 0;
  gboolean filtered = self->filter != NULL &&
                      gtk_filter_get_strictness (self->filter) != GTK_FILTER_MATCH_ALL;

  /* Filtered, there are notes but none matches. */
  if (empty && filtered && g_list_model_get_n_items (cairn_pool_get_notes (self->pool)) > 0)
    adw_status_page_set_title (self->empty_status, _("No Matching Notes"));
  else
    adw_status_page_set_title (self->empty_status, _("No Notes"));

  if (self->note != NULL && gtk_single_selection_get_selected_item (self->selection) != self->note)
    {
      for (guint i = 0; i < g_list_model_get_n_items (notes); i++)
        {
          g_autoptr(CairnNote) note = g_list_model_get_item (notes, i);

          if (note == self->note)
            {
              gtk_single_selection_set_selected (self->selection, i);
              break;
            }
        }
    }

  gtk_stack_set_visible_child_name (self->list_stack, empty ? "empty" : "list");
}

/* Renames the note to what the title entry says; FALSE when that failed. */
static gboolean
commit_title (CairnNotesView *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;

  if (self->note == NULL)
    return TRUE;

  title = cairn_ui_clean_title (gtk_editable_get_text (GTK_EDITABLE (self->title_entry)));
  if (g_str_equal (title, cairn_note_get_title (self->note)))
    return TRUE;
  /* Emptied: the note keeps its title. */
  if (title[0] == '\0')
    {
      gtk_editable_set_text (GTK_EDITABLE (self->title_entry), cairn_note_get_title (self->note));
      return TRUE;
    }

  if (!_cairn_undo_rename_note (GTK_WIDGET (self), self->pool,
                                cairn_note_get_id (self->note), title, &error))
    {
      cairn_window_report_error (GTK_WIDGET (self), _("Could not rename the note"), error);
      /* A full disk: keep what was typed, for the next Enter. */
      if (!g_error_matches (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_NO_SPACE))
        gtk_editable_set_text (GTK_EDITABLE (self->title_entry),
                               cairn_note_get_title (self->note));
      return FALSE;
    }
  return TRUE;
}

static void
on_title_activate (GtkEntry       *entry,
                   CairnNotesView *self)
{
  /* On failure the focus stays, with the title, for another try (and
   * leaving it does not try, and report, a second time). */
  if (commit_title (self))
    gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
}

static void
on_title_focus_leave (CairnNotesView *self)
{
  commit_title (self);
}

static void
notes_delete (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CairnNotesView *self = CAIRN_NOTES_VIEW (widget);

  if (self->note != NULL)
    gtk_widget_activate_action (widget, "win.delete-note", "s",
                                cairn_note_get_id (self->note));
}

/* Pinning goes through the store; the note's "pinned" then comes back
 * through the pool and notifies "note-pinned" (sync_editor). */
static void
set_note_pinned (CairnNotesView *self,
                 gboolean        pinned)
{
  g_autoptr(GError) error = NULL;

  if (self->note == NULL || cairn_note_get_pinned (self->note) == pinned)
    return;
  if (!cairn_store_set_note_pinned (cairn_pool_get_store (self->pool),
                                    cairn_note_get_id (self->note), pinned, &error))
    {
      cairn_window_report_error (GTK_WIDGET (self),
                                 pinned ? _("Could not pin the note") : _("Could not unpin the note"),
                                 error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTE_PINNED]);
      return;
    }
}

/* notes.pin-note and notes.unpin-note, a note id: a row's context menu. */
static void
notes_pin_note (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CairnNotesView *self = CAIRN_NOTES_VIEW (widget);
  g_autoptr(GError) error = NULL;
  const char *id = g_variant_get_string (parameter, NULL);
  gboolean pin = g_str_equal (action_name, "notes.pin-note");
  CairnNote *note = cairn_pool_lookup_note (self->pool, id);

  if (note == NULL || cairn_note_get_pinned (note) == pin)
    return;
  if (!cairn_store_set_note_pinned (cairn_pool_get_store (self->pool), id, pin, &error))
    {
      cairn_window_report_error (widget, pin ? _("Could not pin the note")
                                             : _("Could not unpin the note"), error);
      return;
    }
}

static void
cairn_notes_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CairnNotesView *self = CAIRN_NOTES_VIEW (object);

  switch (prop_id)
    {
    case PROP_FILTER:
      g_value_set_object (value, self->filter);
      break;
    case PROP_NOTE_PINNED:
      g_value_set_boolean (value, self->note != NULL && cairn_note_get_pinned (self->note));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_notes_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  CairnNotesView *self = CAIRN_NOTES_VIEW (object);

  switch (prop_id)
    {
    case PROP_FILTER:
      cairn_notes_view_set_filter (self, g_value_get_object (value));
      break;
    case PROP_NOTE_PINNED:
      set_note_pinned (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_notes_view_dispose (GObject *object)
{
  CairnNotesView *self = CAIRN_NOTES_VIEW (object);

  set_note (self, NULL);
  g_clear_pointer (&self->unsaved, g_ptr_array_unref);
  if (self->body_view != NULL)
    g_signal_handlers_disconnect_by_data (gtk_text_view_get_buffer (self->body_view), self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  cairn_notes_view_set_filter (self, NULL);
  if (self->shown != NULL)
    g_signal_handlers_disconnect_by_data (self->shown, self);
  g_clear_object (&self->shown);
  gtk_widget_dispose_template (GTK_WIDGET (self), CAIRN_TYPE_NOTES_VIEW);
  /* Not a container: children the template made without an id too. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (cairn_notes_view_parent_class)->dispose (object);
}

/* The list of notes gets its model the first time the view is shown, not
 * when the window is made: a list view makes and measures up to 200 rows
 * as soon as it has a model, and the window starts hidden behind an open
 * list most of the time (with 1,000 notes: 100-400 ms of start-up). The
 * selection, and so the note in the editor, does not wait. */
static void
cairn_notes_view_map (GtkWidget *widget)
{
  CairnNotesView *self = CAIRN_NOTES_VIEW (widget);

  if (gtk_list_view_get_model (self->notes_list) == NULL && self->selection != NULL)
    gtk_list_view_set_model (self->notes_list, GTK_SELECTION_MODEL (self->selection));

  GTK_WIDGET_CLASS (cairn_notes_view_parent_class)->map (widget);
}

static void
cairn_notes_view_class_init (CairnNotesViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cairn_notes_view_dispose;
  object_class->get_property = cairn_notes_view_get_property;
  object_class->set_property = cairn_notes_view_set_property;

  properties[PROP_FILTER] =
    g_param_spec_object ("filter", NULL, NULL, GTK_TYPE_FILTER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  widget_class->map = cairn_notes_view_map;

  properties[PROP_NOTE_PINNED] =
    g_param_spec_boolean ("note-pinned", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  g_type_ensure (CAIRN_TYPE_HISTORY_SECTION);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/cairn/Cairn/cairn-notes-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CairnNotesView, history_button);
  gtk_widget_class_bind_template_child (widget_class, CairnNotesView, history_section);
  gtk_widget_class_install_action (widget_class, "notes.show-history", NULL, notes_show_history);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_h, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "notes.show-history", NULL);
  gtk_widget_class_bind_template_child (widget_class, CairnNotesView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, CairnNotesView, empty_status);
  gtk_widget_class_bind_template_child (widget_class, CairnNotesView, notes_list);
  gtk_widget_class_bind_template_child (widget_class, CairnNotesView, editor_stack);
  gtk_widget_class_bind_template_child (widget_class, CairnNotesView, leaflet);
  gtk_widget_class_bind_template_child (widget_class, CairnNotesView, list_pane);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_child (widget_class, CairnNotesView, title_entry);
  gtk_widget_class_bind_template_child (widget_class, CairnNotesView, body_view);
  gtk_widget_class_bind_template_child (widget_class, CairnNotesView, refusal_bar);
  gtk_widget_class_bind_template_child (widget_class, CairnNotesView, refusal_label);
  gtk_widget_class_bind_template_callback (widget_class, on_title_activate);

  gtk_widget_class_install_action (widget_class, "notes.delete", NULL, notes_delete);
  gtk_widget_class_install_property_action (widget_class, "notes.pinned", "note-pinned");
  gtk_widget_class_install_action (widget_class, "notes.pin-note", "s", notes_pin_note);
  gtk_widget_class_install_action (widget_class, "notes.unpin-note", "s", notes_pin_note);
}

static void
cairn_notes_view_init (CairnNotesView *self)
{
  GtkEventController *focus = gtk_event_controller_focus_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  cairn_ui_limit_title_entry (self->title_entry);
  self->unsaved = g_ptr_array_new_with_free_func (g_object_unref);

  cairn_markdown_attach (self->body_view);
  g_signal_connect (gtk_text_view_get_buffer (self->body_view), "insert-text",
                    G_CALLBACK (on_body_insert_text), self);
  g_signal_connect (gtk_text_view_get_buffer (self->body_view), "delete-range",
                    G_CALLBACK (on_body_delete_range), self);
  self->title_focus = GTK_EVENT_CONTROLLER_FOCUS (focus);
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (on_title_focus_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self->title_entry), focus);
}

GtkWidget *
cairn_notes_view_new (CairnPool *pool)
{
  CairnNotesView *self;
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GListModel *notes;

  g_return_val_if_fail (CAIRN_IS_POOL (pool), NULL);

  self = g_object_new (CAIRN_TYPE_NOTES_VIEW, NULL);
  self->pool = g_object_ref (pool);
  notes = cairn_pool_get_notes (pool);

  self->shown = gtk_filter_list_model_new (g_object_ref (notes), NULL);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->shown)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect_swapped (self->selection, "notify::selected-item",
                            G_CALLBACK (on_selected_item_changed), self);
  g_signal_connect_swapped (self->shown, "items-changed",
                            G_CALLBACK (on_notes_changed), self);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_note_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_note_row), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_note_row), NULL);
  gtk_list_view_set_factory (self->notes_list, factory);
  g_signal_connect (self->notes_list, "activate", G_CALLBACK (on_note_activated), self);
  /* The list gets its model when the view is first shown (map). */

  on_notes_changed (self);
  sync_editor (self);
  return GTK_WIDGET (self);
}

void
cairn_notes_view_select_note (CairnNotesView *self,
                              const char     *note_id)
{
  GListModel *notes;

  g_return_if_fail (CAIRN_IS_NOTES_VIEW (self));

  notes = G_LIST_MODEL (self->shown);
  for (guint i = 0; note_id != NULL && i < g_list_model_get_n_items (notes); i++)
    {
      g_autoptr(CairnNote) note = g_list_model_get_item (notes, i);

      if (g_str_equal (cairn_note_get_id (note), note_id))
        {
          gtk_single_selection_set_selected (self->selection, i);
          show_editor (self);
          return;
        }
    }
  self->unselecting = TRUE;
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  self->unselecting = FALSE;
  set_note (self, NULL);
}

CairnNote *
cairn_notes_view_get_note (CairnNotesView *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTES_VIEW (self), NULL);

  return self->note;
}

void
cairn_notes_view_focus_title (CairnNotesView *self)
{
  g_return_if_fail (CAIRN_IS_NOTES_VIEW (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->title_entry));
}

GtkTextView *
cairn_notes_view_get_body_view (CairnNotesView *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTES_VIEW (self), NULL);

  return self->body_view;
}

CairnNoteBuffer *
cairn_notes_view_get_note_buffer (CairnNotesView *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTES_VIEW (self), NULL);

  return self->note_buffer;
}

void
cairn_notes_view_set_filter (CairnNotesView *self,
                             GtkFilter      *filter)
{
  g_return_if_fail (CAIRN_IS_NOTES_VIEW (self));
  g_return_if_fail (filter == NULL || GTK_IS_FILTER (filter));

  if (self->filter == filter)
    return;
  if (self->filter != NULL)
    g_signal_handlers_disconnect_by_func (self->filter, on_notes_changed, self);
  g_set_object (&self->filter, filter);
  if (self->shown != NULL)
    {
      gtk_filter_list_model_set_filter (self->shown, filter);
      if (filter != NULL)
        g_signal_connect_object (filter, "changed", G_CALLBACK (on_notes_changed), self,
                                 G_CONNECT_SWAPPED | G_CONNECT_AFTER);
      on_notes_changed (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
}

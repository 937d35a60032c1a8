/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-note-row.c: one row of the notes list.
 *
 * The preview reads the note's body (cairn_note_get_body(), read from the
 * store when first asked for) only for rows that are shown (mapped), never
 * for every note at start-up nor for the rows the list view keeps off
 * screen; a shown row reads it again when "body" is notified (a local
 * burst of typing or a remote edit), a hidden one when it is next shown. The time label is refreshed every minute while the row is
 * mapped. */
#define G_LOG_DOMAIN "cairn-note-row"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-note-row.h"

struct _CairnNoteRow
{
  GtkWidget  parent_instance;

  CairnNote *note;
  GtkWidget *pin;
  GtkWidget *title;
  GtkWidget *preview;
  GtkWidget *edited;
  guint      tick_id;
  GtkWidget *box;
  GtkWidget *popover;  /* the context menu, made when first asked for */
  guint      preview_stale : 1;  /* the body changed before the row was laid out */
  guint      preview_read : 1;
  guint      allocated : 1;
};

G_DEFINE_FINAL_TYPE (CairnNoteRow, cairn_note_row, GTK_TYPE_WIDGET)

/* A line's Markdown block marker, skipped in the preview. */
static const char *
skip_marker (const char *line)
{
  const char *p = line;

  while (*p == ' ')
    p++;
  if (*p == '#')
    {
      while (*p == '#')
        p++;
      return *p == ' ' ? p + 1 : line;
    }
  if ((*p == '-' || *p == '*') && p[1] == ' ')
    {
      p += 2;
      if (p[0] == '[' && (p[1] == ' ' || p[1] == 'x' || p[1] == 'X') && p[2] == ']' && p[3] == ' ')
        p += 4;
      return p;
    }
  return line;
}

char *
cairn_note_preview (const char *body)
{
  g_auto(GStrv) lines = NULL;

  if (body == NULL)
    return g_strdup ("");
  /* Only as much as a preview can show: a 10 KB body is not split whole. */
  lines = g_strsplit (body, "\n", 64);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *text = g_strstrip (g_strdup (skip_marker (lines[i])));

      if (text[0] == '\0')
        continue;
      if (g_utf8_strlen (text, -1) > CAIRN_NOTE_PREVIEW_CHARS)
        {
          g_autofree char *cut = g_utf8_substring (text, 0, CAIRN_NOTE_PREVIEW_CHARS - 1);

          return g_strconcat (g_strchomp (cut), "…", NULL);
        }
      return g_steal_pointer (&text);
    }
  return g_strdup ("");
}

char *
cairn_note_format_edited (gint64     edited_ms,
                          GDateTime *now)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (edited_ms / 1000);
  g_autoptr(GDateTime) then = NULL;
  g_autoptr(GDateTime) yesterday = NULL;
  GTimeSpan ago;

  g_return_val_if_fail (now != NULL, NULL);
  if (utc == NULL)
    return g_strdup ("");
  then = g_date_time_to_timezone (utc, g_date_time_get_timezone (now));
  ago = g_date_time_difference (now, then);
  yesterday = g_date_time_add_days (now, -1);

  if (ago < G_TIME_SPAN_MINUTE)
    return g_strdup (_("Just now"));
  if (ago < G_TIME_SPAN_HOUR)
    {
      int minutes = (int) (ago / G_TIME_SPAN_MINUTE);

      return g_strdup_printf (ngettext ("%d minute ago", "%d minutes ago", minutes), minutes);
    }
  if (g_date_time_get_year (then) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (then) == g_date_time_get_day_of_year (now))
    /* Translators: the time today a note was last edited */
    return g_date_time_format (then, _("%H:%M"));
  if (g_date_time_get_year (then) == g_date_time_get_year (yesterday) &&
      g_date_time_get_day_of_year (then) == g_date_time_get_day_of_year (yesterday))
    return g_strdup (_("Yesterday"));
  if (g_date_time_get_year (then) == g_date_time_get_year (now))
    /* Translators: a date in this year, as strftime: "Dec 8" */
    return g_date_time_format (then, _("%b %-d"));
  return g_date_time_format (then, "%x");
}

static void
sync_edited (CairnNoteRow *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *text = NULL;

  if (self->note == NULL)
    return;
  text = cairn_note_format_edited (cairn_note_get_edited_at (self->note), now);
  gtk_label_set_label (GTK_LABEL (self->edited), text);
}

/* The body is read for rows that are shown only: GTK 4.8's list view
 * binds (and maps) 200 rows whatever its height, about 15 on screen, but
 * lays out only those on screen; reading 10 KB bodies for all 200 would be
 * most of showing the Notes page. So a row reads it when it is first laid
 * out, and again on a change once it has been. */
static void
sync_preview (CairnNoteRow *self)
{
  g_autofree char *preview = NULL;

  if (self->note == NULL)
    return;
  if (!self->allocated)
    {
      self->preview_stale = TRUE;
      return;
    }
  self->preview_stale = FALSE;
  self->preview_read = TRUE;
  preview = cairn_note_preview (cairn_note_get_body (self->note));
  gtk_label_set_label (GTK_LABEL (self->preview), preview[0] != '\0' ? preview : _("No text"));
}

static void
sync_title (CairnNoteRow *self)
{
  const char *title;

  if (self->note == NULL)
    return;
  title = cairn_note_get_title (self->note);
  gtk_label_set_label (GTK_LABEL (self->title),
                       title != NULL && title[0] != '\0' ? title : _("Untitled Note"));
}

static void
sync_pinned (CairnNoteRow *self)
{
  gtk_widget_set_visible (self->pin, self->note != NULL && cairn_note_get_pinned (self->note));
}

static gboolean
on_tick (gpointer user_data)
{
  sync_edited (user_data);
  return G_SOURCE_CONTINUE;
}

static void
cairn_note_row_map (GtkWidget *widget)
{
  CairnNoteRow *self = CAIRN_NOTE_ROW (widget);

  GTK_WIDGET_CLASS (cairn_note_row_parent_class)->map (widget);
  sync_edited (self);
  if (self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (60, on_tick, self);
}

static void
cairn_note_row_unmap (GtkWidget *widget)
{
  CairnNoteRow *self = CAIRN_NOTE_ROW (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  GTK_WIDGET_CLASS (cairn_note_row_parent_class)->unmap (widget);
}

static void
cairn_note_row_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  gtk_widget_measure (CAIRN_NOTE_ROW (widget)->box, orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

static void
cairn_note_row_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  CairnNoteRow *self = CAIRN_NOTE_ROW (widget);

  self->allocated = TRUE;
  if (self->preview_stale)
    sync_preview (self);
  gtk_widget_allocate (self->box, width, height, baseline, NULL);
  if (self->popover != NULL)
    gtk_popover_present (GTK_POPOVER (self->popover));
}

/* The context menu: Pin to Top or Unpin, and Delete, for this row's
 * note (the notes view's actions, by note id). */
static void
popup_menu (CairnNoteRow *self,
            double        x,
            double        y)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenuItem) pin = NULL;
  g_autoptr(GMenuItem) delete = NULL;
  const char *id;

  if (self->note == NULL)
    return;
  id = cairn_note_get_id (self->note);
  pin = g_menu_item_new (cairn_note_get_pinned (self->note) ? _("Un_pin") : _("_Pin to Top"), NULL);
  g_menu_item_set_action_and_target (pin, cairn_note_get_pinned (self->note) ? "notes.unpin-note"
                                                                              : "notes.pin-note",
                                     "s", id);
  g_menu_append_item (menu, pin);
  delete = g_menu_item_new (_("_Delete Note"), NULL);
  g_menu_item_set_action_and_target (delete, "win.delete-note", "s", id);
  g_menu_append_item (menu, delete);

  if (self->popover == NULL)
    {
      self->popover = gtk_popover_menu_new_from_model (NULL);
      gtk_popover_set_has_arrow (GTK_POPOVER (self->popover), FALSE);
      gtk_widget_set_halign (self->popover, GTK_ALIGN_START);
      gtk_widget_set_parent (self->popover, GTK_WIDGET (self));
    }
  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->popover), G_MENU_MODEL (menu));
  gtk_popover_set_pointing_to (GTK_POPOVER (self->popover),
                               &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->popover));
}

static void
on_right_click (GtkGestureClick *gesture,
                int              n_press,
                double           x,
                double           y,
                CairnNoteRow    *self)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  popup_menu (self, x, y);
}

static void
on_long_press (GtkGestureLongPress *gesture,
               double               x,
               double               y,
               CairnNoteRow        *self)
{
  popup_menu (self, x, y);
}

static void
cairn_note_row_dispose (GObject *object)
{
  CairnNoteRow *self = CAIRN_NOTE_ROW (object);

  g_clear_pointer (&self->popover, gtk_widget_unparent);

  cairn_note_row_set_note (self, NULL);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (cairn_note_row_parent_class)->dispose (object);
}

static void
cairn_note_row_class_init (CairnNoteRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cairn_note_row_dispose;
  widget_class->map = cairn_note_row_map;
  widget_class->unmap = cairn_note_row_unmap;
  widget_class->measure = cairn_note_row_measure;
  widget_class->size_allocate = cairn_note_row_size_allocate;
  gtk_widget_class_set_css_name (widget_class, "cairn-note-row");
}

static GtkWidget *
dim_label (const char *style)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, style);
  return label;
}

static void
cairn_note_row_init (CairnNoteRow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *bottom;

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);

  self->title = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->title), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (self->title, TRUE);
  gtk_widget_add_css_class (self->title, "heading");
  self->pin = gtk_image_new_from_icon_name ("view-pin-symbolic");
  gtk_widget_set_tooltip_text (self->pin, _("Pinned"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->pin),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Pinned"), -1);
  gtk_widget_add_css_class (self->pin, "dim-label");
  gtk_widget_set_visible (self->pin, FALSE);
  self->edited = dim_label ("caption");
  gtk_label_set_ellipsize (GTK_LABEL (self->edited), PANGO_ELLIPSIZE_NONE);
  gtk_widget_add_css_class (self->edited, "dim-label");
  gtk_widget_add_css_class (self->edited, "numeric");
  gtk_box_append (GTK_BOX (top), self->title);
  gtk_box_append (GTK_BOX (top), self->pin);

  /* The title gets the first line to itself; when and what, the second. */
  self->preview = dim_label ("dim-label");
  gtk_widget_set_hexpand (self->preview, TRUE);
  bottom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (bottom), self->edited);
  gtk_box_append (GTK_BOX (bottom), self->preview);
  gtk_box_append (GTK_BOX (box), top);
  gtk_box_append (GTK_BOX (box), bottom);
  self->box = box;
  gtk_widget_set_parent (box, GTK_WIDGET (self));

  /* The context menu opens on a right click, or a long press on a touch
   * screen (as the sidebar's lists do). */
  {
    GtkGesture *click = gtk_gesture_click_new ();
    GtkGesture *long_press = gtk_gesture_long_press_new ();

    gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
    g_signal_connect (click, "pressed", G_CALLBACK (on_right_click), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
    gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (long_press), TRUE);
    g_signal_connect (long_press, "pressed", G_CALLBACK (on_long_press), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (long_press));
  }
}

GtkWidget *
cairn_note_row_new (void)
{
  return g_object_new (CAIRN_TYPE_NOTE_ROW, NULL);
}

void
cairn_note_row_set_note (CairnNoteRow *self,
                         CairnNote    *note)
{
  g_return_if_fail (CAIRN_IS_NOTE_ROW (self));
  g_return_if_fail (note == NULL || CAIRN_IS_NOTE (note));

  if (self->note == note)
    return;
  if (self->note != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->note, self);
      g_clear_object (&self->note);
    }
  self->preview_read = FALSE;
  gtk_label_set_label (GTK_LABEL (self->preview), "");
  if (note == NULL)
    return;

  self->note = g_object_ref (note);
  g_signal_connect_swapped (note, "notify::title", G_CALLBACK (sync_title), self);
  g_signal_connect_swapped (note, "notify::body", G_CALLBACK (sync_preview), self);
  g_signal_connect_swapped (note, "notify::edited-at", G_CALLBACK (sync_edited), self);
  g_signal_connect_swapped (note, "notify::pinned", G_CALLBACK (sync_pinned), self);
  sync_title (self);
  sync_preview (self);
  sync_edited (self);
  sync_pinned (self);
}

CairnNote *
cairn_note_row_get_note (CairnNoteRow *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE_ROW (self), NULL);
  return self->note;
}

gboolean
cairn_note_row_get_preview_read (CairnNoteRow *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE_ROW (self), FALSE);
  return self->preview_read;
}

void
cairn_note_row_popup_menu (CairnNoteRow *self)
{
  g_return_if_fail (CAIRN_IS_NOTE_ROW (self));
  popup_menu (self, 0, 0);
}

GtkPopover *
cairn_note_row_get_popover (CairnNoteRow *self)
{
  g_return_val_if_fail (CAIRN_IS_NOTE_ROW (self), NULL);
  return self->popover != NULL ? GTK_POPOVER (self->popover) : NULL;
}

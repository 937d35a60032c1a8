/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-markdown.c: light Markdown over a note's plain text, as tags.
 *
 * cairn_markdown_scan_line() is the whole grammar, one line at a time (no
 * construct here spans lines), so an edit only needs its own lines tagged
 * again: a keystroke in a 10 KB note costs one line. The buffer's handlers
 * run after GTK's (connect_after), when the iters already describe the
 * text as it is. */
#define G_LOG_DOMAIN "cairn-markdown"

#include "config.h"

#include <string.h>

#include "cairn-markdown.h"

static const char * const tag_names[CAIRN_MARKDOWN_N_STYLES] = {
  "md-heading1", "md-heading2", "md-heading3", "md-bold", "md-italic", "md-marker",
  "md-list-item", "md-check-box", "md-check-done", "md-link",
};

const char *
cairn_markdown_tag_name (CairnMarkdownStyle style)
{
  g_return_val_if_fail (style < CAIRN_MARKDOWN_N_STYLES, NULL);
  return tag_names[style];
}

static void
add_span (GArray             *spans,
          CairnMarkdownStyle  style,
          int                 start,
          int                 end)
{
  CairnMarkdownSpan span = { style, start, end };

  if (end > start)
    g_array_append_val (spans, span);
}

static gboolean
is_word (gunichar c)
{
  return g_unichar_isalnum (c);
}

static gboolean
starts_with (const gunichar *text,
             int             len,
             int             at,
             const char     *ascii)
{
  for (int i = 0; ascii[i] != '\0'; i++)
    if (at + i >= len || text[at + i] != (gunichar) ascii[i])
      return FALSE;
  return TRUE;
}

/* The end of a bare URL starting at @at: up to white space, without the
 * punctuation that usually ends a sentence after it. */
static int
url_end (const gunichar *text,
         int             len,
         int             at)
{
  int end = at;

  while (end < len && !g_unichar_isspace (text[end]))
    end++;
  while (end > at && text[end - 1] < 128 && strchr (".,;:!?)'\"", (int) text[end - 1]) != NULL)
    end--;
  return end;
}

/* Emphasis, links and URLs in text[from, len). */
static void
scan_inline (GArray         *spans,
             const gunichar *text,
             int             len,
             int             from)
{
  int i = from;

  while (i < len)
    {
      gunichar c = text[i];

      if (starts_with (text, len, i, "https://") || starts_with (text, len, i, "http://"))
        {
          int end = url_end (text, len, i);

          add_span (spans, CAIRN_MARKDOWN_LINK, i, end);
          i = end;
          continue;
        }

      /* [text](url) */
      if (c == '[')
        {
          int close = i + 1;

          while (close < len && text[close] != ']')
            close++;
          if (close < len && close > i + 1 && close + 1 < len && text[close + 1] == '(' &&
              (starts_with (text, len, close + 2, "https://") ||
               starts_with (text, len, close + 2, "http://")))
            {
              int paren = close + 2;

              while (paren < len && text[paren] != ')' && !g_unichar_isspace (text[paren]))
                paren++;
              if (paren < len && text[paren] == ')')
                {
                  add_span (spans, CAIRN_MARKDOWN_MARKER, i, i + 1);
                  add_span (spans, CAIRN_MARKDOWN_LINK, i + 1, close);
                  add_span (spans, CAIRN_MARKDOWN_MARKER, close, paren + 1);
                  i = paren + 1;
                  continue;
                }
            }
        }

      /* **bold** */
      if (c == '*' && i + 1 < len && text[i + 1] == '*' && i + 2 < len &&
          !g_unichar_isspace (text[i + 2]))
        {
          int j = i + 2;

          while (j + 1 < len && !(text[j] == '*' && text[j + 1] == '*'))
            j++;
          if (j + 1 < len && j > i + 2 && !g_unichar_isspace (text[j - 1]))
            {
              add_span (spans, CAIRN_MARKDOWN_MARKER, i, i + 2);
              add_span (spans, CAIRN_MARKDOWN_BOLD, i + 2, j);
              add_span (spans, CAIRN_MARKDOWN_MARKER, j, j + 2);
              i = j + 2;
              continue;
            }
        }

      /* *italic* and _italic_ (an underscore inside a word, snake_case,
       * is not emphasis) */
      if ((c == '*' || c == '_') && i + 1 < len && !g_unichar_isspace (text[i + 1]) &&
          text[i + 1] != c && (c == '*' || i == 0 || !is_word (text[i - 1])))
        {
          int j = i + 1;

          while (j < len && !(text[j] == c && !g_unichar_isspace (text[j - 1]) &&
                              (c == '*' || j + 1 >= len || !is_word (text[j + 1]))))
            j++;
          if (j < len)
            {
              add_span (spans, CAIRN_MARKDOWN_MARKER, i, i + 1);
              add_span (spans, CAIRN_MARKDOWN_ITALIC, i + 1, j);
              add_span (spans, CAIRN_MARKDOWN_MARKER, j, j + 1);
              i = j + 1;
              continue;
            }
        }
      i++;
    }
}

GArray *
cairn_markdown_scan_line (const char *line)
{
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (CairnMarkdownSpan));
  g_autofree gunichar *text = NULL;
  glong n = 0;
  int len, i = 0, content;

  g_return_val_if_fail (line != NULL, spans);

  text = g_utf8_to_ucs4_fast (line, -1, &n);
  len = (int) n;

  /* Headings: one to three #, a space. */
  while (i < len && i < 4 && text[i] == '#')
    i++;
  if (i >= 1 && i <= 3 && i < len && text[i] == ' ')
    {
      add_span (spans, CAIRN_MARKDOWN_MARKER, 0, i + 1);
      add_span (spans, CAIRN_MARKDOWN_HEADING1 + (i - 1), i + 1, len);
      scan_inline (spans, text, len, i + 1);
      return spans;
    }

  /* List items: indented or not, "- ", "* " or "12. " */
  i = 0;
  while (i < len && text[i] == ' ')
    i++;
  content = -1;
  if (i + 1 < len && (text[i] == '-' || text[i] == '*') && text[i + 1] == ' ')
    content = i + 2;
  else if (i < len && g_unichar_isdigit (text[i]))
    {
      int j = i;

      while (j < len && g_unichar_isdigit (text[j]))
        j++;
      if (j + 1 < len && text[j] == '.' && text[j + 1] == ' ')
        content = j + 2;
    }
  if (content < 0)
    {
      scan_inline (spans, text, len, 0);
      return spans;
    }

  add_span (spans, CAIRN_MARKDOWN_MARKER, i, content);
  if (text[i] != '-' && text[i] != '*')
    ;
  else if (content + 2 < len && text[content] == '[' && text[content + 2] == ']' &&
           (text[content + 1] == ' ' || text[content + 1] == 'x' || text[content + 1] == 'X') &&
           (content + 3 == len || text[content + 3] == ' '))
    {
      gboolean done = text[content + 1] != ' ';

      add_span (spans, CAIRN_MARKDOWN_CHECK_BOX, content, content + 3);
      content = MIN (content + 4, len);
      if (done)
        add_span (spans, CAIRN_MARKDOWN_CHECK_DONE, content, len);
    }
  add_span (spans, CAIRN_MARKDOWN_LIST_ITEM, content, len);
  scan_inline (spans, text, len, content);
  return spans;
}

/* ---- The buffer ----------------------------------------------------------- */

static void
create_tags (GtkTextBuffer *buffer)
{
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (buffer);
  GdkRGBA dim = { 0.5, 0.5, 0.5, 0.8 };
  GdkRGBA link = { 0.208, 0.518, 0.894, 1.0 };  /* GNOME blue 3, #3584e4 */

  if (gtk_text_tag_table_lookup (table, tag_names[0]) != NULL)
    return;
  gtk_text_buffer_create_tag (buffer, tag_names[CAIRN_MARKDOWN_HEADING1],
                              "weight", PANGO_WEIGHT_BOLD, "scale", 1.6, NULL);
  gtk_text_buffer_create_tag (buffer, tag_names[CAIRN_MARKDOWN_HEADING2],
                              "weight", PANGO_WEIGHT_BOLD, "scale", 1.35, NULL);
  gtk_text_buffer_create_tag (buffer, tag_names[CAIRN_MARKDOWN_HEADING3],
                              "weight", PANGO_WEIGHT_BOLD, "scale", 1.15, NULL);
  gtk_text_buffer_create_tag (buffer, tag_names[CAIRN_MARKDOWN_BOLD],
                              "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, tag_names[CAIRN_MARKDOWN_ITALIC],
                              "style", PANGO_STYLE_ITALIC, NULL);
  gtk_text_buffer_create_tag (buffer, tag_names[CAIRN_MARKDOWN_MARKER],
                              "foreground-rgba", &dim, NULL);
  gtk_text_buffer_create_tag (buffer, tag_names[CAIRN_MARKDOWN_LIST_ITEM], NULL);
  gtk_text_buffer_create_tag (buffer, tag_names[CAIRN_MARKDOWN_CHECK_BOX],
                              "family", "monospace", "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, tag_names[CAIRN_MARKDOWN_CHECK_DONE],
                              "strikethrough", TRUE, "foreground-rgba", &dim, NULL);
  gtk_text_buffer_create_tag (buffer, tag_names[CAIRN_MARKDOWN_LINK],
                              "underline", PANGO_UNDERLINE_SINGLE,
                              "foreground-rgba", &link, NULL);
}

void
cairn_markdown_retag_lines (GtkTextBuffer *buffer,
                            int            first_line,
                            int            last_line)
{
  GtkTextTagTable *table;
  GtkTextIter start, end;
  guint *counter;

  g_return_if_fail (GTK_IS_TEXT_BUFFER (buffer));

  table = gtk_text_buffer_get_tag_table (buffer);
  if (gtk_text_tag_table_lookup (table, tag_names[0]) == NULL)
    return;
  last_line = MIN (last_line, gtk_text_buffer_get_line_count (buffer) - 1);
  first_line = MAX (first_line, 0);
  if (last_line < first_line)
    return;

  gtk_text_buffer_get_iter_at_line (buffer, &start, first_line);
  gtk_text_buffer_get_iter_at_line (buffer, &end, last_line);
  if (!gtk_text_iter_ends_line (&end))
    gtk_text_iter_forward_to_line_end (&end);
  for (int s = 0; s < CAIRN_MARKDOWN_N_STYLES; s++)
    gtk_text_buffer_remove_tag_by_name (buffer, tag_names[s], &start, &end);

  counter = g_object_get_data (G_OBJECT (buffer), "cairn-markdown-lines");
  for (int line = first_line; line <= last_line; line++)
    {
      GtkTextIter line_start, line_end;
      g_autofree char *text = NULL;
      g_autoptr(GArray) spans = NULL;

      gtk_text_buffer_get_iter_at_line (buffer, &line_start, line);
      line_end = line_start;
      if (!gtk_text_iter_ends_line (&line_end))
        gtk_text_iter_forward_to_line_end (&line_end);
      text = gtk_text_buffer_get_slice (buffer, &line_start, &line_end, TRUE);
      spans = cairn_markdown_scan_line (text);
      for (guint i = 0; i < spans->len; i++)
        {
          const CairnMarkdownSpan *span = &g_array_index (spans, CairnMarkdownSpan, i);
          GtkTextIter a = line_start, b = line_start;

          gtk_text_iter_forward_chars (&a, span->start);
          gtk_text_iter_forward_chars (&b, span->end);
          gtk_text_buffer_apply_tag_by_name (buffer, tag_names[span->style], &a, &b);
        }
      if (counter != NULL)
        (*counter)++;
    }
}

static void
on_insert_text (GtkTextBuffer *buffer,
                GtkTextIter   *location,
                const char    *text,
                int            len,
                gpointer       user_data)
{
  GtkTextIter start = *location;

  /* After GTK's handler: @location is the end of the inserted text. */
  gtk_text_iter_backward_chars (&start, (int) g_utf8_strlen (text, len));
  cairn_markdown_retag_lines (buffer, gtk_text_iter_get_line (&start),
                              gtk_text_iter_get_line (location));
}

static void
on_delete_range (GtkTextBuffer *buffer,
                 GtkTextIter   *start,
                 GtkTextIter   *end,
                 gpointer       user_data)
{
  /* After GTK's handler: both iters are where the text was. */
  cairn_markdown_retag_lines (buffer, gtk_text_iter_get_line (start),
                              gtk_text_iter_get_line (end));
}

/* The span of @style that contains @iter on its line, if any. */
static gboolean
span_at (GtkTextBuffer      *buffer,
         const GtkTextIter  *iter,
         CairnMarkdownStyle  style,
         GtkTextIter        *span_start,
         CairnMarkdownSpan  *out,
         char              **line_text)
{
  GtkTextIter line_start = *iter, line_end = *iter;
  g_autofree char *text = NULL;
  g_autoptr(GArray) spans = NULL;
  int offset = gtk_text_iter_get_line_offset (iter);

  gtk_text_iter_set_line_offset (&line_start, 0);
  if (!gtk_text_iter_ends_line (&line_end))
    gtk_text_iter_forward_to_line_end (&line_end);
  text = gtk_text_buffer_get_slice (buffer, &line_start, &line_end, TRUE);
  spans = cairn_markdown_scan_line (text);
  for (guint i = 0; i < spans->len; i++)
    {
      const CairnMarkdownSpan *span = &g_array_index (spans, CairnMarkdownSpan, i);

      if (span->style == style && span->start <= offset && offset < span->end)
        {
          *out = *span;
          *span_start = line_start;
          if (line_text != NULL)
            *line_text = g_steal_pointer (&text);
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
cairn_markdown_toggle_check_at (GtkTextBuffer     *buffer,
                                const GtkTextIter *iter)
{
  CairnMarkdownSpan span;
  GtkTextIter line_start, mark_start, mark_end;
  g_autofree char *mark = NULL;
  gboolean done;

  g_return_val_if_fail (GTK_IS_TEXT_BUFFER (buffer), FALSE);

  if (!span_at (buffer, iter, CAIRN_MARKDOWN_CHECK_BOX, &line_start, &span, NULL))
    return FALSE;
  mark_start = line_start;
  gtk_text_iter_forward_chars (&mark_start, span.start + 1);
  mark_end = mark_start;
  gtk_text_iter_forward_char (&mark_end);
  mark = gtk_text_buffer_get_slice (buffer, &mark_start, &mark_end, TRUE);
  done = !g_str_equal (mark, " ");

  /* One user action: the text view's undo takes it back in one step. */
  gtk_text_buffer_begin_user_action (buffer);
  gtk_text_buffer_delete (buffer, &mark_start, &mark_end);
  gtk_text_buffer_insert (buffer, &mark_start, done ? " " : "x", 1);
  gtk_text_buffer_end_user_action (buffer);
  return TRUE;
}

gboolean
cairn_markdown_toggle_check_on_line (GtkTextBuffer *buffer,
                                     int            line)
{
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  g_autoptr(GArray) spans = NULL;

  g_return_val_if_fail (GTK_IS_TEXT_BUFFER (buffer), FALSE);

  if (line < 0 || line >= gtk_text_buffer_get_line_count (buffer))
    return FALSE;
  gtk_text_buffer_get_iter_at_line (buffer, &start, line);
  end = start;
  if (!gtk_text_iter_ends_line (&end))
    gtk_text_iter_forward_to_line_end (&end);
  text = gtk_text_buffer_get_slice (buffer, &start, &end, TRUE);
  spans = cairn_markdown_scan_line (text);
  for (guint i = 0; i < spans->len; i++)
    {
      const CairnMarkdownSpan *span = &g_array_index (spans, CairnMarkdownSpan, i);

      if (span->style == CAIRN_MARKDOWN_CHECK_BOX)
        {
          GtkTextIter box = start;

          gtk_text_iter_forward_chars (&box, span->start);
          return cairn_markdown_toggle_check_at (buffer, &box);
        }
    }
  return FALSE;
}

/* Ctrl+Return: the checklist item the cursor is on, from the keyboard. */
static gboolean
on_toggle_key (GtkWidget *widget,
               GVariant  *args,
               gpointer   user_data)
{
  GtkTextView *view = GTK_TEXT_VIEW (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter cursor;

  if (!gtk_text_view_get_editable (view))
    return FALSE;
  gtk_text_buffer_get_iter_at_mark (buffer, &cursor, gtk_text_buffer_get_insert (buffer));
  return cairn_markdown_toggle_check_on_line (buffer, gtk_text_iter_get_line (&cursor));
}

char *
cairn_markdown_link_at (GtkTextBuffer     *buffer,
                        const GtkTextIter *iter)
{
  CairnMarkdownSpan span;
  GtkTextIter line_start;
  g_autofree char *text = NULL;
  g_autofree gunichar *chars = NULL;
  glong len = 0;
  g_autofree char *label = NULL;

  g_return_val_if_fail (GTK_IS_TEXT_BUFFER (buffer), NULL);

  if (!span_at (buffer, iter, CAIRN_MARKDOWN_LINK, &line_start, &span, &text))
    return NULL;
  chars = g_utf8_to_ucs4_fast (text, -1, &len);
  label = g_ucs4_to_utf8 (chars + span.start, span.end - span.start, NULL, NULL, NULL);
  if (g_str_has_prefix (label, "http://") || g_str_has_prefix (label, "https://"))
    return g_steal_pointer (&label);
  /* [text](url): the URL follows the text's "](" */
  if (span.end + 2 < len && chars[span.end] == ']' && chars[span.end + 1] == '(')
    {
      int close = span.end + 2;

      while (close < len && chars[close] != ')')
        close++;
      return g_ucs4_to_utf8 (chars + span.end + 2, close - (span.end + 2), NULL, NULL, NULL);
    }
  return NULL;
}

static void
on_click_released (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   GtkTextView     *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter iter;
  int bx, by;
  g_autofree char *uri = NULL;

  if (n_press != 1 || gtk_text_buffer_get_has_selection (buffer))
    return;
  gtk_text_view_window_to_buffer_coords (view, GTK_TEXT_WINDOW_WIDGET, (int) x, (int) y, &bx, &by);
  if (!gtk_text_view_get_iter_at_location (view, &iter, bx, by))
    return;

  if (gtk_text_view_get_editable (view) && cairn_markdown_toggle_check_at (buffer, &iter))
    return;
  if ((uri = cairn_markdown_link_at (buffer, &iter)) != NULL)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (view));

      gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
    }
}

/* A hand over links and check boxes: they do something when clicked. */
static void
on_motion (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           GtkTextView              *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (buffer);
  GtkTextIter iter;
  int bx, by;
  gboolean active = FALSE;

  gtk_text_view_window_to_buffer_coords (view, GTK_TEXT_WINDOW_WIDGET, (int) x, (int) y, &bx, &by);
  if (gtk_text_view_get_iter_at_location (view, &iter, bx, by))
    active = gtk_text_iter_has_tag (&iter, gtk_text_tag_table_lookup (table,
                                      tag_names[CAIRN_MARKDOWN_LINK])) ||
             gtk_text_iter_has_tag (&iter, gtk_text_tag_table_lookup (table,
                                      tag_names[CAIRN_MARKDOWN_CHECK_BOX]));
  gtk_widget_set_cursor_from_name (GTK_WIDGET (view), active ? "pointer" : NULL);
}

void
cairn_markdown_attach (GtkTextView *view)
{
  GtkTextBuffer *buffer;
  GtkGesture *click;
  GtkEventController *motion;

  g_return_if_fail (GTK_IS_TEXT_VIEW (view));

  buffer = gtk_text_view_get_buffer (view);
  create_tags (buffer);
  g_object_set_data_full (G_OBJECT (buffer), "cairn-markdown-lines", g_new0 (guint, 1), g_free);
  g_signal_connect_after (buffer, "insert-text", G_CALLBACK (on_insert_text), NULL);
  g_signal_connect_after (buffer, "delete-range", G_CALLBACK (on_delete_range), NULL);
  cairn_markdown_retag_lines (buffer, 0, gtk_text_buffer_get_line_count (buffer) - 1);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (on_click_released), view);
  gtk_widget_add_controller (GTK_WIDGET (view), GTK_EVENT_CONTROLLER (click));
  {
    GtkEventController *keys = gtk_shortcut_controller_new ();

    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Return,
                                                                                    GDK_CONTROL_MASK),
                                                            gtk_callback_action_new (on_toggle_key,
                                                                                     NULL, NULL)));
    gtk_widget_add_controller (GTK_WIDGET (view), keys);
  }
  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), view);
  gtk_widget_add_controller (GTK_WIDGET (view), motion);
}

guint
cairn_markdown_get_lines_tagged (GtkTextBuffer *buffer)
{
  guint *counter;

  g_return_val_if_fail (GTK_IS_TEXT_BUFFER (buffer), 0);
  counter = g_object_get_data (G_OBJECT (buffer), "cairn-markdown-lines");
  return counter != NULL ? *counter : 0;
}

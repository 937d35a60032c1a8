/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-markdown.h: light Markdown shown while typing a note.
 *
 * The text stays plain (the note's CRDT holds characters only): what is
 * Markdown is shown by GtkTextTags over it, put on again for the lines an
 * edit touched, local or remote. Headings (#, ##, ###), **bold**,
 * *italic* and _italic_, list items (- , * , 1. ), checklist items (- [ ]
 * and - [x]: a click on the box, or Ctrl+Return on its line, toggles it,
 * a text edit like typing) and
 * links (http:// and https://, bare or as [text](url): a click opens it). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  CAIRN_MARKDOWN_HEADING1,
  CAIRN_MARKDOWN_HEADING2,
  CAIRN_MARKDOWN_HEADING3,
  CAIRN_MARKDOWN_BOLD,
  CAIRN_MARKDOWN_ITALIC,
  CAIRN_MARKDOWN_MARKER,      /* the syntax itself: #, **, _, the list mark */
  CAIRN_MARKDOWN_LIST_ITEM,   /* the whole item, after its mark */
  CAIRN_MARKDOWN_CHECK_BOX,   /* "[ ]" or "[x]" */
  CAIRN_MARKDOWN_CHECK_DONE,  /* the text of a checked item */
  CAIRN_MARKDOWN_LINK,        /* the URL (or a [text](url)'s text) */
  CAIRN_MARKDOWN_N_STYLES
} CairnMarkdownStyle;

typedef struct
{
  CairnMarkdownStyle style;
  int                start;  /* in characters from the start of the line */
  int                end;    /* exclusive */
} CairnMarkdownSpan;

/* The spans of one line (no line break in it), in the order found. */
GArray     *cairn_markdown_scan_line   (const char *line);
/* The name of a style's tag in the buffer ("md-heading1" …). */
const char *cairn_markdown_tag_name    (CairnMarkdownStyle style);

/* Shows Markdown in @view from now on: its buffer gets the tags, every
 * line now is tagged, and every later insertion or deletion tags again
 * the lines it touched (only those). Clicks on check boxes and links are
 * handled. */
void        cairn_markdown_attach      (GtkTextView *view);
/* Tags lines first_line..last_line (inclusive) of @buffer again. */
void        cairn_markdown_retag_lines (GtkTextBuffer *buffer,
                                        int            first_line,
                                        int            last_line);
/* The checklist box at @iter toggled ("[ ]" ↔ "[x]") as an edit of the
 * buffer; FALSE when @iter is on no box. */
gboolean    cairn_markdown_toggle_check_at (GtkTextBuffer     *buffer,
                                            const GtkTextIter *iter);
/* The checklist box on line @line toggled (what Ctrl+Return in the
 * editor does on the cursor's line); FALSE when the line has none. */
gboolean    cairn_markdown_toggle_check_on_line (GtkTextBuffer *buffer,
                                                 int            line);
/* The URL of the link at @iter, or NULL. */
char       *cairn_markdown_link_at     (GtkTextBuffer     *buffer,
                                        const GtkTextIter *iter);
/* How many lines were tagged since the buffer was attached (for tests:
 * an edit re-tags its lines, not the note). */
guint       cairn_markdown_get_lines_tagged (GtkTextBuffer *buffer);

G_END_DECLS

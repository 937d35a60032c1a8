/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-notes.c: the Notes page through the real widgets over a real
 * store (issue 14): each row's preview and last-edit time, also after a
 * remote edit; the order by last edit; pinning; Markdown tags where they
 * belong after typing and after a remote insertion, re-tagging only the
 * lines touched; a checklist box toggled by a click-equivalent as a text
 * edit. And the pure parts: the preview, the time, the line scanner. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "cairn-markdown.h"
#include "cairn-note-row.h"
#include "cairn-notes-view.h"
#include "cairn-ui.h"
#include "cairn-ui-test.h"
#include "cairn-window.h"
#include "store-test-util.h"

typedef struct
{
  char        *dir;
  CairnStore  *store;
  CairnPool   *pool;
  GSettings   *settings;
  CairnWindow *window;
} Fixture;

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("cairn-notes-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = test_store_open_at (f->dir, "local.db");
  f->pool = cairn_pool_new (f->store);
  f->settings = cairn_test_settings_new ();
  f->window = cairn_window_new (NULL, f->settings, f->pool);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1000, 700);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (cairn_test_wait_until (is_mapped, f->window));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  cairn_test_spin (10);
  g_clear_object (&f->pool);
  g_clear_object (&f->store);
  g_clear_object (&f->settings);
  cairn_test_remove_dir (f->dir);
  g_free (f->dir);
}

static CairnNotesView *
notes_view (Fixture *f)
{
  cairn_window_select_page (f->window, "notes");
  return CAIRN_NOTES_VIEW (cairn_test_find_widget (GTK_WIDGET (f->window),
                                                   CAIRN_TYPE_NOTES_VIEW, NULL));
}

/* The events pending in `from`, numbered as the server would. */
static GPtrArray *
take_as_server (CairnStore *from,
                gint64      first_seq)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *events = cairn_store_list_pending (from, 0, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    ((CairnEvent *) events->pdata[i])->seq = first_seq + i;
  return events;
}

static void
rebase (CairnStore *store,
        GPtrArray  *events,
        const char *history_id)
{
  g_autoptr(GError) error = NULL;

  cairn_store_rebase (store, events, history_id, &error);
  g_assert_no_error (error);
}

/* The titles of the mapped note rows, top to bottom, a pinned one's
 * marked 📌. The list view's children are in the order shown. */
static void
collect_rows (GtkWidget *widget,
              GString   *out)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (CAIRN_IS_NOTE_ROW (child) && gtk_widget_get_mapped (child) &&
          cairn_note_row_get_note (CAIRN_NOTE_ROW (child)) != NULL)
        {
          GtkWidget *title = cairn_test_find_widget (child, GTK_TYPE_LABEL, NULL);
          GtkWidget *pin = cairn_test_find_widget (child, GTK_TYPE_IMAGE, NULL);

          g_string_append_printf (out, "%s%s%s", out->len ? "\n" : "",
                                  gtk_widget_get_visible (pin) ? "📌" : "",
                                  gtk_label_get_label (GTK_LABEL (title)));
          continue;
        }
      collect_rows (child, out);
    }
}

/* The mapped note row titled @title. */
static GtkWidget *
find_note_row (GtkWidget  *widget,
               const char *title)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found;

      if (CAIRN_IS_NOTE_ROW (c) && gtk_widget_get_mapped (c) &&
          cairn_note_row_get_note (CAIRN_NOTE_ROW (c)) != NULL &&
          g_str_equal (cairn_note_get_title (cairn_note_row_get_note (CAIRN_NOTE_ROW (c))), title))
        return c;
      if ((found = find_note_row (c, title)) != NULL)
        return found;
    }
  return NULL;
}

typedef struct
{
  Fixture    *f;
  const char *want;
  char       *got;
} RowsQuery;

/* The rows' titles, the pinned ones marked, top to bottom. */
static char *
row_titles (Fixture *f)
{
  GString *out = g_string_new (NULL);

  collect_rows (GTK_WIDGET (f->window), out);
  return g_string_free (out, FALSE);
}

static gboolean
rows_are (gpointer data)
{
  RowsQuery *q = data;

  g_free (q->got);
  q->got = row_titles (q->f);
  return g_str_equal (q->got, q->want);
}

static void
assert_rows (Fixture    *f,
             const char *want)
{
  RowsQuery q = { f, want, NULL };

  if (!cairn_test_wait_until (rows_are, &q))
    g_error ("note rows are “%s”, not “%s”", q.got, want);
  g_free (q.got);
}

/* ---- Pure parts ------------------------------------------------------------ */

static void
test_preview (void)
{
  g_autofree char *long_line = g_strnfill (200, 'a');
  g_autofree char *cut = NULL;
  g_autofree char *p = NULL;

#define CHECK(body, want) G_STMT_START { \
    g_autofree char *got_ = cairn_note_preview (body); \
    g_assert_cmpstr (got_, ==, want); } G_STMT_END
  CHECK ("", "");
  CHECK ("\n\n   \n", "");
  CHECK ("Hello\nworld", "Hello");
  CHECK ("\n\n  First words  \nmore", "First words");
  CHECK ("# Heading\nbody", "Heading");
  CHECK ("- [ ] buy milk", "buy milk");
  CHECK ("- [x] done", "done");
  CHECK ("* item", "item");
#undef CHECK
  p = cairn_note_preview (long_line);
  g_assert_cmpint (g_utf8_strlen (p, -1), ==, CAIRN_NOTE_PREVIEW_CHARS);
  g_assert_true (g_str_has_suffix (p, "…"));
}

static void
test_format_edited (void)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_utc ();
  g_autoptr(GDateTime) now = g_date_time_new (tz, 2026, 12, 7, 15, 30, 0);
  gint64 now_ms = g_date_time_to_unix (now) * 1000;

#define CHECK(ms, want) G_STMT_START { \
    g_autofree char *got_ = cairn_note_format_edited (ms, now); \
    g_assert_cmpstr (got_, ==, want); } G_STMT_END
  CHECK (now_ms - 10 * 1000, "Just now");
  CHECK (now_ms - 60 * 1000, "1 minute ago");
  CHECK (now_ms - 5 * 60 * 1000, "5 minutes ago");
  CHECK (now_ms - 2 * 3600 * 1000, "13:30");
  CHECK (now_ms - 20 * 3600 * 1000, "Yesterday");
  CHECK (now_ms - 3 * 24 * 3600 * 1000LL, "Dec 4");
#undef CHECK
  {
    g_autoptr(GDateTime) old = g_date_time_new (tz, 2024, 3, 1, 12, 0, 0);
    g_autofree char *got = cairn_note_format_edited (g_date_time_to_unix (old) * 1000, now);
    g_autofree char *want = g_date_time_format (old, "%x");

    g_assert_cmpstr (got, ==, want);
  }
}

/* The spans of a line as "style:start-end" words. */
static char *
spans_of (const char *line)
{
  g_autoptr(GArray) spans = cairn_markdown_scan_line (line);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < spans->len; i++)
    {
      const CairnMarkdownSpan *s = &g_array_index (spans, CairnMarkdownSpan, i);

      g_string_append_printf (out, "%s%s:%d-%d", i ? " " : "",
                              cairn_markdown_tag_name (s->style) + 3, s->start, s->end);
    }
  return g_string_free (out, FALSE);
}

static void
test_scan_line (void)
{
#define CHECK(line, want) G_STMT_START { \
    g_autofree char *got_ = spans_of (line); \
    g_assert_cmpstr (got_, ==, want); } G_STMT_END
  CHECK ("plain text", "");
  CHECK ("# Title", "marker:0-2 heading1:2-7");
  CHECK ("## Sub", "marker:0-3 heading2:3-6");
  CHECK ("### Small", "marker:0-4 heading3:4-9");
  CHECK ("#### not a heading", "");
  CHECK ("#nospace", "");
  CHECK ("a **bold** b", "marker:2-4 bold:4-8 marker:8-10");
  CHECK ("an *it* and _it_", "marker:3-4 italic:4-6 marker:6-7 marker:12-13 italic:13-15 marker:15-16");
  CHECK ("snake_case_name", "");
  CHECK ("** not bold**", "");
  CHECK ("- item", "marker:0-2 list-item:2-6");
  CHECK ("  * nested", "marker:2-4 list-item:4-10");
  CHECK ("12. twelfth", "marker:0-4 list-item:4-11");
  CHECK ("- [ ] todo", "marker:0-2 check-box:2-5 list-item:6-10");
  CHECK ("- [x] done", "marker:0-2 check-box:2-5 check-done:6-10 list-item:6-10");
  CHECK ("see https://gnome.org.", "link:4-21");
  CHECK ("[GNOME](https://gnome.org) x", "marker:0-1 link:1-6 marker:6-26");
  CHECK ("été **été**", "marker:4-6 bold:6-9 marker:9-11");
#undef CHECK
}

/* ---- The list ----------------------------------------------------------- */

static gboolean
row_shows_label (gpointer data)
{
  CairnTestLabelQuery *q = data;

  return cairn_test_find_label (q->root, q->text, q->match) != NULL;
}

static void
wait_label (Fixture    *f,
            const char *text)
{
  CairnTestLabelQuery q = { GTK_WIDGET (f->window), text, CAIRN_TEST_LABEL_IS };

  if (!cairn_test_wait_until (row_shows_label, &q))
    g_error ("no label “%s”", text);
}

/* Each row shows its note's first line and when it was last edited; an
 * edit from another device changes both, and moves the note up. */
static void
test_rows_preview_time_and_order (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) remote = test_store_open_at (f->dir, "remote.db");
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autofree char *older = NULL;
  g_autofree char *newer = NULL;

  older = cairn_store_create_note (remote, "Older", &error);
  g_assert_no_error (error);
  test_type_into_note (remote, older, 0, "\n\nFirst line of older\nsecond line");
  g_usleep (2000);
  newer = cairn_store_create_note (remote, "Newer", &error);
  g_assert_no_error (error);
  first = take_as_server (remote, 1);
  rebase (f->store, first, "h1");
  rebase (remote, first, "h1");

  notes_view (f);
  assert_rows (f, "Newer\nOlder");
  wait_label (f, "First line of older");
  wait_label (f, "No text");
  g_assert_nonnull (cairn_test_find_label (GTK_WIDGET (f->window), "Just now",
                                           CAIRN_TEST_LABEL_IS));

  /* The other device edits the older note: it comes first, with its new
   * first line. */
  g_usleep (2000);
  test_type_into_note (remote, older, 0, "Fresh words\n");
  second = take_as_server (remote, 1 + first->len);
  rebase (f->store, second, NULL);
  assert_rows (f, "Older\nNewer");
  wait_label (f, "Fresh words");
  g_assert_cmpint (cairn_note_get_edited_at (cairn_pool_lookup_note (f->pool, older)), >,
                   cairn_note_get_edited_at (cairn_pool_lookup_note (f->pool, newer)));
}

static void
count_previews (GtkWidget *widget,
                guint     *bound,
                guint     *read)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      if (CAIRN_IS_NOTE_ROW (c) && cairn_note_row_get_note (CAIRN_NOTE_ROW (c)) != NULL)
        {
          (*bound)++;
          *read += cairn_note_row_get_preview_read (CAIRN_NOTE_ROW (c));
        }
      count_previews (c, bound, read);
    }
}

/* The list view makes a row for each of 80 notes, but only those on
 * screen read their note's body for the preview. */
static void
test_preview_read_on_screen_only (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint bound = 0, read = 0;

  for (guint i = 0; i < 80; i++)
    {
      g_autofree char *title = g_strdup_printf ("Note %u", i);
      g_autofree char *id = cairn_store_create_note (f->store, title, &error);

      g_assert_no_error (error);
      test_type_into_note (f->store, id, 0, "Some text of the note");
    }
  notes_view (f);
  wait_label (f, "Note 79");
  cairn_test_spin (100);
  count_previews (GTK_WIDGET (f->window), &bound, &read);
  g_assert_cmpuint (bound, ==, 80);
  g_assert_cmpuint (read, >, 0);
  g_assert_cmpuint (read, <, 40);
}

static gboolean
note_is_pinned (gpointer data)
{
  return cairn_note_get_pinned (data);
}

/* Pin to Top from the note's menu: the note goes first with a pin, stays
 * open; unpinning puts it back by its last edit. Undo takes a pin back. */
static void
test_pin_from_menu (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = cairn_store_create_note (f->store, "A", &error);
  g_autofree char *b = NULL;
  CairnNotesView *view;
  CairnNote *note_a;

  g_usleep (2000);
  b = cairn_store_create_note (f->store, "B", &error);
  g_assert_no_error (error);
  view = notes_view (f);
  assert_rows (f, "B\nA");

  cairn_notes_view_select_note (view, a);
  note_a = cairn_pool_lookup_note (f->pool, a);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "notes.pinned", NULL));
  g_assert_true (cairn_test_wait_until (note_is_pinned, note_a));
  assert_rows (f, "📌A\nB");
  /* Still open, and still selected where it now is. */
  g_assert_true (cairn_notes_view_get_note (view) == note_a);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.undo", NULL));
  assert_rows (f, "B\nA");
  g_assert_false (cairn_note_get_pinned (note_a));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.redo", NULL));
  assert_rows (f, "📌A\nB");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (view), "notes.pinned", NULL));
  assert_rows (f, "B\nA");
  g_assert_true (cairn_notes_view_get_note (view) == note_a);

  /* A row's context menu pins the row's note (not the open one). */
  {
    GtkWidget *row = find_note_row (GTK_WIDGET (f->window), "B");
    GtkPopover *popover;
    GMenuModel *menu;
    g_autofree char *label = NULL;
    g_autofree char *action = NULL;
    g_autoptr(GVariant) target = NULL;

    g_assert_nonnull (row);
    cairn_note_row_popup_menu (CAIRN_NOTE_ROW (row));
    popover = cairn_note_row_get_popover (CAIRN_NOTE_ROW (row));
    g_assert_nonnull (popover);
    menu = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (popover));
    g_assert_cmpint (g_menu_model_get_n_items (menu), ==, 2);
    g_menu_model_get_item_attribute (menu, 0, G_MENU_ATTRIBUTE_LABEL, "s", &label);
    g_menu_model_get_item_attribute (menu, 0, G_MENU_ATTRIBUTE_ACTION, "s", &action);
    target = g_menu_model_get_item_attribute_value (menu, 0, G_MENU_ATTRIBUTE_TARGET, NULL);
    g_assert_cmpstr (label, ==, "_Pin to Top");
    g_assert_true (gtk_widget_activate_action_variant (row, action, target));
    gtk_popover_popdown (popover);
    assert_rows (f, "📌B\nA");
    g_assert_true (cairn_notes_view_get_note (view) == note_a);
  }
}

/* ---- Markdown ----------------------------------------------------------- */

static gboolean
has_tag_at (GtkTextBuffer *buffer,
            const char    *tag,
            int            line,
            int            from,
            int            to)
{
  GtkTextTag *t = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), tag);

  for (int i = from; i < to; i++)
    {
      GtkTextIter iter;

      gtk_text_buffer_get_iter_at_line_offset (buffer, &iter, line, i);
      if (!gtk_text_iter_has_tag (&iter, t))
        return FALSE;
    }
  return TRUE;
}

static gboolean
has_tag_anywhere (GtkTextBuffer *buffer,
                  const char    *tag,
                  int            line)
{
  GtkTextTag *t = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), tag);
  GtkTextIter iter;

  gtk_text_buffer_get_iter_at_line (buffer, &iter, line);
  while (gtk_text_iter_get_line (&iter) == line && !gtk_text_iter_is_end (&iter))
    {
      if (gtk_text_iter_has_tag (&iter, t))
        return TRUE;
      gtk_text_iter_forward_char (&iter);
    }
  return FALSE;
}

typedef struct
{
  CairnNote  *note;
  const char *want;
} BodyWait;

static gboolean
note_body_is (gpointer data)
{
  BodyWait *w = data;

  return g_strcmp0 (cairn_note_get_body (w->note), w->want) == 0;
}

/* Tags where the Markdown is, after typing and after another device's
 * insertion; an edit of one line of a long note tags that line only. */
static void
test_markdown_tags (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) remote = test_store_open_at (f->dir, "remote.db");
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) mine = NULL;
  g_autoptr(GPtrArray) theirs = NULL;
  g_autofree char *id = NULL;
  CairnNotesView *view;
  GtkTextBuffer *buffer;
  GtkTextIter iter;
  guint tagged;
  BodyWait wait;

  id = cairn_store_create_note (remote, "Marked", &error);
  g_assert_no_error (error);
  first = take_as_server (remote, 1);
  rebase (f->store, first, "h1");
  rebase (remote, first, "h1");

  view = notes_view (f);
  cairn_notes_view_select_note (view, id);
  buffer = gtk_text_view_get_buffer (cairn_notes_view_get_body_view (view));
  /* Opening the note is nothing the editor's Ctrl+Z could take back. */
  g_assert_false (gtk_text_buffer_get_can_undo (buffer));

  gtk_text_buffer_insert_at_cursor (buffer, "# Title\nsome **bold** and _it_\n- [ ] milk\n", -1);
  g_assert_true (has_tag_at (buffer, "md-heading1", 0, 2, 7));
  g_assert_true (has_tag_at (buffer, "md-marker", 0, 0, 2));
  g_assert_true (has_tag_at (buffer, "md-bold", 1, 7, 11));
  g_assert_false (has_tag_anywhere (buffer, "md-heading1", 1));
  g_assert_true (has_tag_at (buffer, "md-italic", 1, 19, 21));
  g_assert_true (has_tag_at (buffer, "md-check-box", 2, 2, 5));
  g_assert_false (has_tag_anywhere (buffer, "md-check-done", 2));

  /* Typing that breaks the bold takes its tag away, on that line only. */
  gtk_text_buffer_get_iter_at_line_offset (buffer, &iter, 1, 0);
  gtk_text_buffer_insert (buffer, &iter, " ", 1);    /* " some **bold**…" still bold */
  g_assert_true (has_tag_at (buffer, "md-bold", 1, 8, 12));
  gtk_text_buffer_get_iter_at_line_offset (buffer, &iter, 1, 8);
  gtk_text_buffer_insert (buffer, &iter, " ", 1);    /* " some ** bold**": not bold */
  g_assert_false (has_tag_anywhere (buffer, "md-bold", 1));
  g_assert_true (has_tag_at (buffer, "md-heading1", 0, 2, 7));

  /* The typing reaches the store; the server takes it; the other device
   * adds a heading marker at the start of line 2. */
  wait = (BodyWait) { cairn_pool_lookup_note (f->pool, id),
                      "# Title\n some ** bold** and _it_\n- [ ] milk\n" };
  g_assert_true (cairn_test_wait_until (note_body_is, &wait));
  mine = take_as_server (f->store, 1 + first->len);
  rebase (f->store, mine, NULL);
  rebase (remote, mine, NULL);
  test_type_into_note (remote, id, strlen ("# Title\n"), "## ");
  theirs = take_as_server (remote, 1 + first->len + mine->len);
  tagged = cairn_markdown_get_lines_tagged (buffer);
  rebase (f->store, theirs, NULL);
  wait.want = "# Title\n##  some ** bold** and _it_\n- [ ] milk\n";
  g_assert_true (cairn_test_wait_until (note_body_is, &wait));
  /* Nor is another device's insertion. */
  g_assert_false (gtk_text_buffer_get_can_undo (buffer));
  g_assert_true (has_tag_at (buffer, "md-heading2", 1, 3, 10));
  g_assert_true (has_tag_at (buffer, "md-marker", 1, 0, 3));
  /* Only the line the insertion touched was tagged again. */
  g_assert_cmpuint (cairn_markdown_get_lines_tagged (buffer) - tagged, ==, 1);

  /* In a long note too: a keystroke tags one line. */
  gtk_text_buffer_get_end_iter (buffer, &iter);
  for (guint i = 0; i < 300; i++)
    gtk_text_buffer_insert (buffer, &iter, "a line of text, *some* of it _styled_\n", -1);
  tagged = cairn_markdown_get_lines_tagged (buffer);
  gtk_text_buffer_get_iter_at_line_offset (buffer, &iter, 150, 3);
  gtk_text_buffer_insert (buffer, &iter, "x", 1);
  g_assert_cmpuint (cairn_markdown_get_lines_tagged (buffer) - tagged, ==, 1);
}

/* Toggling a checklist box is a text edit: the box reads [x], the item is
 * struck through, and the note's body in the store says so. */
static void
test_checklist_toggle (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = cairn_store_create_note (f->store, "Shopping", &error);
  CairnNotesView *view;
  GtkTextBuffer *buffer;
  GtkTextIter iter;
  BodyWait wait;

  g_assert_no_error (error);
  test_type_into_note (f->store, id, 0, "- [ ] milk\n- [x] bread\n");
  view = notes_view (f);
  cairn_notes_view_select_note (view, id);
  buffer = gtk_text_view_get_buffer (cairn_notes_view_get_body_view (view));
  g_assert_true (has_tag_at (buffer, "md-check-done", 1, 6, 11));

  /* Off a box: nothing. */
  gtk_text_buffer_get_iter_at_line_offset (buffer, &iter, 0, 7);
  g_assert_false (cairn_markdown_toggle_check_at (buffer, &iter));

  gtk_text_buffer_get_iter_at_line_offset (buffer, &iter, 0, 3);
  g_assert_true (cairn_markdown_toggle_check_at (buffer, &iter));
  gtk_text_buffer_get_iter_at_line_offset (buffer, &iter, 1, 2);
  g_assert_true (cairn_markdown_toggle_check_at (buffer, &iter));
  g_assert_true (has_tag_at (buffer, "md-check-done", 0, 6, 10));
  g_assert_false (has_tag_anywhere (buffer, "md-check-done", 1));

  wait = (BodyWait) { cairn_pool_lookup_note (f->pool, id), "- [x] milk\n- [ ] bread\n" };
  g_assert_true (cairn_test_wait_until (note_body_is, &wait));

  /* From the keyboard (Ctrl+Return): the item the cursor is on. */
  g_assert_true (cairn_markdown_toggle_check_on_line (buffer, 1));
  g_assert_false (cairn_markdown_toggle_check_on_line (buffer, 2));
  wait.want = "- [x] milk\n- [x] bread\n";
  g_assert_true (cairn_test_wait_until (note_body_is, &wait));

  /* And a link is found where it is written. */
  gtk_text_buffer_get_end_iter (buffer, &iter);
  gtk_text_buffer_insert (buffer, &iter, "see [GNOME](https://gnome.org) or https://example.com.", -1);
  {
    g_autofree char *uri = NULL;

    gtk_text_buffer_get_iter_at_line_offset (buffer, &iter, 2, 6);
    uri = cairn_markdown_link_at (buffer, &iter);
    g_assert_cmpstr (uri, ==, "https://gnome.org");
    g_clear_pointer (&uri, g_free);
    gtk_text_buffer_get_iter_at_line_offset (buffer, &iter, 2, 40);
    uri = cairn_markdown_link_at (buffer, &iter);
    g_assert_cmpstr (uri, ==, "https://example.com");
    gtk_text_buffer_get_iter_at_line_offset (buffer, &iter, 2, 1);
    g_assert_null (cairn_markdown_link_at (buffer, &iter));
  }
}

int
main (int   argc,
      char *argv[])
{
  cairn_test_init_ui (&argc, &argv);

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  g_test_add_func ("/notes/preview", test_preview);
  g_test_add_func ("/notes/format-edited", test_format_edited);
  g_test_add_func ("/notes/markdown-scan-line", test_scan_line);
  ADD ("/notes/rows-preview-time-and-order", test_rows_preview_time_and_order);
  ADD ("/notes/preview-read-on-screen-only", test_preview_read_on_screen_only);
  ADD ("/notes/pin-from-menu", test_pin_from_menu);
  ADD ("/notes/markdown-tags", test_markdown_tags);
  ADD ("/notes/checklist-toggle", test_checklist_toggle);
#undef ADD

  return g_test_run ();
}

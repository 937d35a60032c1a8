/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-undo-values.c: undo and redo of the fields one event puts
 * back (cairn-store-undo.c's value units): titles of todos, lists and
 * notes, a tag's name and colour, a priority, a due date with its time,
 * a reminder (dismissed or not) and a repeat rule. Each is undone and
 * redone, and the events the undo wrote are named with their args. */
#include "config.h"

#include "store-test-util.h"
#include "cairn-store-undo.h"

/* The events the last undo or redo wrote: "name vN args; …". */
static char *
written_since (CairnStore *store,
               gint64      from)
{
  g_autofree char *sql = g_strdup_printf ("SELECT group_concat (name || ' v' || version || ' ' || args, '; ') "
                                          "FROM (SELECT * FROM pending WHERE client_seq > %" G_GINT64_FORMAT
                                          " ORDER BY client_seq)", from);

  return test_query_text (store, sql);
}

static gint64
last_seq (CairnStore *store)
{
  return test_query_int (store, "SELECT coalesce (max (client_seq), 0) FROM pending");
}

/* Undoes (or redoes) one action; returns what it wrote. */
static char *
step (CairnStore *store,
      gboolean    redo)
{
  g_autoptr(GError) error = NULL;
  gint64 from = last_seq (store);
  g_autoptr(CairnUndoResult) result = redo ? cairn_store_redo (store, &error) : cairn_store_undo (store, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpuint (result->left->len, ==, 0);
  return written_since (store, from);
}

static char *
todo_value (CairnStore *store,
            const char *id,
            const char *expr)
{
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM todos WHERE id = '%s'", expr, id);

  return test_query_text (store, sql);
}

#define ASSERT_TODO(store, id, expr, want) \
  G_STMT_START { g_autofree char *v_ = todo_value (store, id, expr); g_assert_cmpstr (v_, ==, want); } G_STMT_END

#define ASSERT_STEP(store, redo, want) \
  G_STMT_START { g_autofree char *w_ = step (store, redo); g_autofree char *p_ = NULL; \
                 g_assert_nonnull (w_); \
                 p_ = g_regex_replace (id_regex, w_, -1, 0, "ID", 0, NULL); \
                 g_assert_cmpstr (p_, ==, want); } G_STMT_END

static GRegex *id_regex;

static void
test_todo_values (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  CairnStore *s = ts->store;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  g_assert_true (cairn_store_ensure_inbox (s, &error));
  id = cairn_store_create_todo (s, CAIRN_INBOX_ID, "Draft", NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (cairn_store_rename_todo (s, id, "Final", &error));
  ASSERT_STEP (s, FALSE, "todo.renamed v1 {\"title\":\"Draft\",\"todo_id\":\"ID\"}");
  ASSERT_TODO (s, id, "title", "Draft");
  ASSERT_STEP (s, TRUE, "todo.renamed v1 {\"title\":\"Final\",\"todo_id\":\"ID\"}");
  ASSERT_TODO (s, id, "title", "Final");

  g_assert_true (cairn_store_set_todo_priority (s, id, "high", &error));
  ASSERT_STEP (s, FALSE, "todo.priority_set v1 {\"priority\":\"none\",\"todo_id\":\"ID\"}");
  ASSERT_TODO (s, id, "priority", "none");
  ASSERT_STEP (s, TRUE, "todo.priority_set v1 {\"priority\":\"high\",\"todo_id\":\"ID\"}");

  /* a due date with a time, then another without: back to each */
  g_assert_true (cairn_store_set_todo_due_time (s, id, "2026-03-01", "09:30", &error));
  g_assert_true (cairn_store_set_todo_due_time (s, id, "2026-04-02", NULL, &error));
  g_assert_no_error (error);
  ASSERT_STEP (s, FALSE, "todo.due_set v2 {\"due\":\"2026-03-01\",\"time\":\"09:30\",\"todo_id\":\"ID\"}");
  ASSERT_TODO (s, id, "due || ' ' || due_time", "2026-03-01 09:30");
  ASSERT_STEP (s, FALSE, "todo.due_cleared v1 {\"todo_id\":\"ID\"}");
  ASSERT_TODO (s, id, "coalesce (due, 'none') || coalesce (due_time, '')", "none");
  ASSERT_STEP (s, TRUE, "todo.due_set v2 {\"due\":\"2026-03-01\",\"time\":\"09:30\",\"todo_id\":\"ID\"}");

  /* a reminder, dismissed, then another: undone back to the first one,
   * dismissed; then not dismissed; then none */
  g_assert_true (cairn_store_set_todo_reminder (s, id, "2026-03-01T09:00+01:00", &error));
  g_assert_true (cairn_store_dismiss_todo_reminder (s, id, &error));
  g_assert_true (cairn_store_set_todo_reminder (s, id, "2026-03-05T10:15+01:00", &error));
  g_assert_no_error (error);
  ASSERT_STEP (s, FALSE, "todo.reminder_set v1 {\"at\":\"2026-03-01T09:00+01:00\",\"todo_id\":\"ID\"}; "
                         "todo.reminder_dismissed v1 {\"at\":\"2026-03-01T09:00+01:00\",\"todo_id\":\"ID\"}");
  ASSERT_TODO (s, id, "reminder || ' ' || reminder_dismissed", "2026-03-01T09:00+01:00 1");
  ASSERT_STEP (s, FALSE, "todo.reminder_set v1 {\"at\":\"2026-03-01T09:00+01:00\",\"todo_id\":\"ID\"}");
  ASSERT_TODO (s, id, "reminder || ' ' || reminder_dismissed", "2026-03-01T09:00+01:00 0");
  ASSERT_STEP (s, FALSE, "todo.reminder_cleared v1 {\"todo_id\":\"ID\"}");
  ASSERT_TODO (s, id, "coalesce (reminder, 'none')", "none");
  ASSERT_STEP (s, TRUE, "todo.reminder_set v1 {\"at\":\"2026-03-01T09:00+01:00\",\"todo_id\":\"ID\"}");

  /* a repeat rule, then another */
  g_assert_true (cairn_store_set_todo_repeat (s, id, "weekly", &error));
  g_assert_true (cairn_store_set_todo_repeat (s, id, "daily/3", &error));
  g_assert_no_error (error);
  ASSERT_STEP (s, FALSE, "todo.repeat_set v1 {\"rule\":\"weekly\",\"todo_id\":\"ID\"}");
  ASSERT_TODO (s, id, "repeat", "weekly");
  ASSERT_STEP (s, FALSE, "todo.repeat_cleared v1 {\"todo_id\":\"ID\"}");
  ASSERT_TODO (s, id, "coalesce (repeat, 'none')", "none");
  ASSERT_STEP (s, TRUE, "todo.repeat_set v1 {\"rule\":\"weekly\",\"todo_id\":\"ID\"}");
}

static void
test_other_values (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  CairnStore *s = ts->store;
  g_autoptr(GError) error = NULL;
  g_autofree char *list = cairn_store_create_list (s, "Home", &error);
  g_autofree char *note = cairn_store_create_note (s, "Plan", &error);
  g_autofree char *tag = cairn_store_create_tag (s, "Work", "blue", &error);
  g_autofree char *v = NULL;

  g_assert_no_error (error);
  g_assert_true (cairn_store_rename_list (s, list, "House", &error));
  ASSERT_STEP (s, FALSE, "list.renamed v1 {\"list_id\":\"ID\",\"title\":\"Home\"}");
  g_assert_true (cairn_store_rename_note (s, note, "Week", &error));
  ASSERT_STEP (s, FALSE, "note.renamed v1 {\"note_id\":\"ID\",\"title\":\"Plan\"}");
  ASSERT_STEP (s, TRUE, "note.renamed v1 {\"note_id\":\"ID\",\"title\":\"Week\"}");
  g_assert_true (cairn_store_rename_tag (s, tag, "Job", &error));
  ASSERT_STEP (s, FALSE, "tag.renamed v1 {\"name\":\"Work\",\"tag_id\":\"ID\"}");
  g_assert_true (cairn_store_recolor_tag (s, tag, "red", &error));
  ASSERT_STEP (s, FALSE, "tag.recolored v1 {\"color\":\"blue\",\"tag_id\":\"ID\"}");
  ASSERT_STEP (s, TRUE, "tag.recolored v1 {\"color\":\"red\",\"tag_id\":\"ID\"}");
  g_assert_no_error (error);
  v = test_query_text (s, "SELECT (SELECT title FROM lists WHERE title <> 'Inbox') || '/' || "
                          "(SELECT title FROM notes) || '/' || (SELECT name || ' ' || color FROM tags)");
  g_assert_cmpstr (v, ==, "Home/Week/Work red");
}

int
main (int argc, char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  id_regex = g_regex_new ("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", 0, 0, NULL);
  g_test_add_func ("/store-undo/values/todo", test_todo_values);
  g_test_add_func ("/store-undo/values/list-note-tag", test_other_values);
  ret = g_test_run ();
  g_regex_unref (id_regex);
  return ret;
}

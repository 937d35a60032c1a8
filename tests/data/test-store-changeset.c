/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-changeset.c: the changesets the store encodes itself for
 * one-row reducers are byte for byte what an SQLite session records. */
#include "config.h"

#include <string.h>

#include "store-test-util.h"

static const char * const titles[] = {
  "Milk", "Milk", "Brot für morgen", "x",
  /* > 127 bytes: a two-byte length varint */
  "A title long enough to need a two-byte varint for its length in the changeset, "
  "which starts at one hundred and twenty-eight bytes of UTF-8 text — like this one.",
};

static const char *
pick (GRand             *rand,
      const char * const *items,
      guint              n)
{
  return items[g_rand_int_range (rand, 0, n)];
}

/* A random event over a small set of ids, so that many of them hit
 * existing rows, many are no-ops (same value, missing or deleted row,
 * existing id) and some are invalid. */
static CairnEvent *
random_event (GRand       *rand,
              const char **lists,
              const char **todos,
              const char **notes,
              guint        n_ids,
              gboolean    *invalid)
{
  /* name, then the fields it takes (L list id, T todo id, N note id,
   * t title, p position, d due; l an optional list id) */
  static const char * const specs[][2] = {
    { "list.created", "Ltp" }, { "list.renamed", "Lt" }, { "list.moved", "Lp" },
    { "list.deleted", "L" }, { "list.restored", "L" },
    { "todo.created", "TLtp" }, { "todo.renamed", "Tt" }, { "todo.completed", "T" },
    { "todo.reopened", "T" }, { "todo.due_set", "Td" }, { "todo.due_cleared", "T" },
    { "todo.moved", "Tlp" }, { "todo.deleted", "T" }, { "todo.restored", "T" },
    { "note.created", "Nt" }, { "note.renamed", "Nt" }, { "note.deleted", "N" },
    { "note.restored", "N" }, { "no.such_event", "L" },
  };
  static const char * const dues[] = { "2025-06-30", "2024-02-29", "2026-01-01" };
  static const char * const positions[] = { "V", "VVabc", "k", "W00x1", "Uzzz" };
  guint which = g_rand_int_range (rand, 0, G_N_ELEMENTS (specs));
  const char *name = specs[which][0];
  g_autoptr(JsonObject) args = json_object_new ();
  CairnEvent *event;

  for (const char *f = specs[which][1]; *f != '\0'; f++)
    switch (*f)
      {
      case 'L':
        json_object_set_string_member (args, "list_id", pick (rand, lists, n_ids));
        break;
      case 'l':
        if (g_rand_boolean (rand))
          json_object_set_string_member (args, "list_id", pick (rand, lists, n_ids));
        break;
      case 'T':
        json_object_set_string_member (args, "todo_id", pick (rand, todos, n_ids));
        break;
      case 'N':
        json_object_set_string_member (args, "note_id", pick (rand, notes, n_ids));
        break;
      case 't':
        json_object_set_string_member (args, "title", pick (rand, titles, G_N_ELEMENTS (titles)));
        break;
      case 'p':
        json_object_set_string_member (args, "position", pick (rand, positions, G_N_ELEMENTS (positions)));
        break;
      case 'd':
        json_object_set_string_member (args, "due", pick (rand, dues, G_N_ELEMENTS (dues)));
        break;
      default:
        g_assert_not_reached ();
      }

  /* invalid args: the event is skipped with a warning */
  *invalid = !g_str_equal (name, "no.such_event") && g_rand_int_range (rand, 0, 20) == 0;
  if (*invalid)
    json_object_set_int_member (args, "unexpected", 1);

  event = cairn_event_new (name, 1, args);
  event->client_id = g_strdup ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  event->client_seq = 1;
  event->created_at = 1700000000000 + g_rand_int_range (rand, 0, 1000000);
  return event;
}

static void
test_same_as_session (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (test_seed ());
  g_autoptr(GError) error = NULL;
  const char *lists[4], *todos[4], *notes[4];
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  guint n_written = 0, n_empty = 0;

  for (guint i = 0; i < 4; i++)
    {
      g_ptr_array_add (ids, cairn_new_object_id ());
      lists[i] = ids->pdata[ids->len - 1];
      g_ptr_array_add (ids, cairn_new_object_id ());
      todos[i] = ids->pdata[ids->len - 1];
      g_ptr_array_add (ids, cairn_new_object_id ());
      notes[i] = ids->pdata[ids->len - 1];
    }

  g_assert_true (_cairn_store_begin (ts->store, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 3000; i++)
    {
      gboolean invalid;
      g_autoptr(CairnEvent) event = random_event (rand, lists, todos, notes, 4, &invalid);
      g_autoptr(sqlite3_session) session = _cairn_store_session_new (ts->store, &error);
      g_autoptr(GBytes) ours = NULL;
      g_autoptr(GBytes) theirs = NULL;
      g_autoptr(CairnChanges) changes = _cairn_changes_new ();
      gboolean skipped;

      g_assert_no_error (error);
      if (invalid)
        g_test_expect_message ("cairn-store", G_LOG_LEVEL_WARNING, "Skipping event*");
      g_assert_true (_cairn_store_apply_event_recorded (ts->store, event, changes, &skipped,
                                                        &ours, &error));
      g_assert_no_error (error);
      g_test_assert_expected_messages ();
      g_assert_true (_cairn_store_session_take (ts->store, session, &theirs, &error));
      g_assert_no_error (error);

      if (!g_bytes_equal (ours, theirs))
        {
          g_autofree char *a = g_base64_encode (g_bytes_get_data (ours, NULL), g_bytes_get_size (ours));
          g_autofree char *b = g_base64_encode (g_bytes_get_data (theirs, NULL), g_bytes_get_size (theirs));

          g_error ("event %u (%s): changeset %s, session recorded %s", i, event->name, a, b);
        }
      if (g_bytes_get_size (ours) > 0)
        n_written++;
      else
        n_empty++;
    }
  g_assert_true (_cairn_store_end (ts->store, &error));
  g_assert_no_error (error);
  /* the mix covers both kinds */
  g_assert_cmpuint (n_written, >, 300);
  g_assert_cmpuint (n_empty, >, 300);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/changeset/same-as-session", test_same_as_session);

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-store-tail-flat.c: a catch-up applies the server's events from
 * their scanned members, without a JsonObject (issue 17, third round:
 * _cairn_event_new_wire()); the result must be exactly what the same
 * events with their JsonObject give: state, outbox, log, chain, history
 * index, parked events, conflicts and what ::changed reports. */
#include "config.h"

#include <string.h>

#include "store-test-util.h"

#define FOREIGN "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define N_LARGE 1200

static char *
object_id (guint i)
{
  return g_strdup_printf ("01890a5d-ac96-774b-bcce-%012u", i);
}

#define L0 "01890a5d-ac96-774b-bcce-000000000000"
#define T0 "01890a5d-ac96-774b-bcce-000000000001"

/* An event from the wire, as the sync core makes it for a rebase (@lazy)
 * or as cairn_sync_event_from_wire() does. */
static CairnEvent *
wire_event (gboolean    lazy,
            const char *client_id,
            gint64      client_seq,
            gint64      seq,
            const char *name,
            guint       version,
            const char *args)
{
  g_autoptr(GError) error = NULL;
  CairnEvent *event = lazy ? _cairn_event_new_wire (name, version, args, &error)
                           : cairn_event_new_from_args_json (name, version, args, &error);

  g_assert_no_error (error);
  event->client_id = g_strdup (client_id);
  event->client_seq = client_seq;
  event->seq = seq;
  event->created_at = 1700000000000 + seq;
  if (seq % 4 != 0)
    event->device = g_strdup ("Laptop");
  if (seq % 3 != 0)
    event->user = g_strdup ("ann");
  return event;
}

/* The other device's large batch, from seq @first: lists, top-level and
 * sub-todos (todo.created v1 and v2), events before their object (they
 * park, then follow its create), due dates (v1), completions, tags, notes,
 * unknown events, args that are not canonical or hold a number (these
 * get their JsonObject), and renames of our todo and of our pending list. */
static GPtrArray *
large_batch (gboolean lazy,
             gint64   first)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);

  for (guint i = 0; i < N_LARGE; i++)
    {
      gint64 seq = first + i;
      g_autofree char *list = object_id (10 + i % 3);
      g_autofree char *todo = object_id (1000 + i);
      g_autofree char *earlier = object_id (1000 + i / 2);
      g_autofree char *later = object_id (1000 + i + 5);
      g_autofree char *tag = object_id (50);
      g_autofree char *note = object_id (60 + i % 4);
      g_autofree char *args = NULL;
      const char *name = "todo.created";
      guint version = 1;

      if (i < 3)
        {
          name = "list.created";
          args = g_strdup_printf ("{\"list_id\":\"%s\",\"position\":\"P%u1\",\"title\":\"L%u\"}",
                                  list, i, i);
        }
      else if (i == 3)
        {
          name = "tag.created";
          args = g_strdup_printf ("{\"color\":\"blue\",\"name\":\"Work\",\"tag_id\":\"%s\"}", tag);
        }
      else if (i == 4)
        {
          name = "todo.renamed";
          args = g_strdup_printf ("{\"title\":\"Theirs\",\"todo_id\":\"%s\"}", T0);
        }
      else if (i == 5)
        {
          name = "list.renamed";
          args = g_strdup_printf ("{\"list_id\":\"%s\",\"title\":\"Their list\"}", L0);
        }
      else if (i % 50 == 7)
        {
          /* before its todo's create, five events later: parks */
          name = "todo.renamed";
          args = g_strdup_printf ("{\"title\":\"Early %u\",\"todo_id\":\"%s\"}", i, later);
        }
      else if (i % 50 == 9)
        {
          name = "note.created";
          args = g_strdup_printf ("{\"note_id\":\"%s\",\"title\":\"N%u\"}", note, i);
        }
      else if (i % 50 == 11)
        {
          name = "note.renamed";
          args = g_strdup_printf ("{\"note_id\":\"%s\",\"title\":\"M%u\"}", note, i);
        }
      else if (i % 50 == 13)
        {
          name = "todo.due_set";
          args = g_strdup_printf ("{\"due\":\"2026-03-%02u\",\"todo_id\":\"%s\"}", i % 28 + 1,
                                  earlier);
        }
      else if (i % 50 == 15)
        {
          name = "todo.completed";
          args = g_strdup_printf ("{\"todo_id\":\"%s\"}", earlier);
        }
      else if (i % 50 == 17)
        {
          name = "todo.tagged";
          args = g_strdup_printf ("{\"tag_id\":\"%s\",\"todo_id\":\"%s\"}", tag, earlier);
        }
      else if (i % 50 == 19)
        {
          /* a subtask (v2) */
          version = 2;
          args = g_strdup_printf ("{\"list_id\":\"%s\",\"parent_id\":\"%s\",\"position\":\"Q%05u1\","
                                  "\"title\":\"S%u\",\"todo_id\":\"%s\"}", list, earlier, i, i, todo);
        }
      else if (i % 50 == 21)
        {
          name = "gadget.made";
          args = g_strdup_printf ("{\"gadget_id\":\"g%u\"}", i);
        }
      else if (i % 50 == 23)
        {
          /* members out of order: not canonical */
          name = "todo.renamed";
          args = g_strdup_printf ("{\"todo_id\":\"%s\",\"title\":\"Shuffled %u\"}", earlier, i);
        }
      else if (i % 50 == 25)
        {
          name = "gadget.sized";
          args = g_strdup_printf ("{\"gadget_id\":\"g%u\",\"size\":%u}", i, i);
        }
      else if (i % 3 == 0)
        {
          name = "todo.renamed";
          args = g_strdup_printf ("{\"title\":\"T%u\",\"todo_id\":\"%s\"}", i, earlier);
        }
      else
        args = g_strdup_printf ("{\"list_id\":\"%s\",\"position\":\"P%05u1\",\"title\":\"T%u\","
                                "\"todo_id\":\"%s\"}", list, i, i, todo);
      g_ptr_array_add (events, wire_event (lazy, FOREIGN, i + 1, seq, name, version, args));
    }
  return events;
}

static void
add_ids (GHashTable *into,
         GHashTable *set,
         const char *prefix)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, set);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (into, g_strconcat (prefix, key, NULL));
}

static void
on_changed (CairnStore   *store,
            CairnChanges *changes,
            GHashTable   *seen)
{
  add_ids (seen, changes->lists, "list ");
  add_ids (seen, changes->todos, "todo ");
  add_ids (seen, changes->notes, "note ");
  add_ids (seen, changes->note_rows, "note-row ");
  add_ids (seen, changes->tags, "tag ");
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char *
sorted_keys (GHashTable *set)
{
  g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (set, NULL);
  g_autoptr(GString) out = g_string_new (NULL);

  qsort (keys, g_hash_table_size (set), sizeof *keys, compare_strings);
  for (guint i = 0; keys[i] != NULL; i++)
    g_string_append_printf (out, "%s\n", keys[i]);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Everything a catch-up writes or reports, as text. */
static char *
outcome (CairnStore *store,
         GHashTable *seen)
{
  g_autofree char *fingerprint = test_fingerprint (store);
  g_autofree char *log = test_query_text (store,
      "SELECT group_concat(line, char(10)) FROM (SELECT seq || ' ' || name || ' ' || version || "
      "' ' || args || ' ' || ifnull (device, '-') || ' ' || ifnull (user_name, '-') || ' ' || "
      "ifnull (chain, '-') || ' ' || skipped AS line FROM log ORDER BY seq)");
  g_autofree char *index = test_query_text (store,
      "SELECT group_concat(line, char(10)) FROM (SELECT object_id || ' ' || seq || ' ' || name "
      "|| ' ' || ifnull (args, '-') || ' ' || skipped AS line FROM log_objects "
      "ORDER BY object_id, seq)");
  g_autofree char *parked = test_query_text (store,
      "SELECT group_concat(line, char(10)) FROM (SELECT target || ' ' || ord || ' ' || name || "
      "' ' || version || ' ' || args AS line FROM parked ORDER BY target, ord)");
  g_autofree char *conflicts = test_query_text (store,
      "SELECT group_concat(line, char(10)) FROM (SELECT kind || ' ' || object_id || ' ' || "
      "field || ' ' || ours || ' ' || theirs || ' ' || ifnull (their_device, '-') || ' ' || "
      "seq AS line FROM sync_conflicts ORDER BY seq, field)");
  g_autofree char *changed = sorted_keys (seen);

  return g_strdup_printf ("%s\nLOG\n%s\nINDEX\n%s\nPARKED\n%s\nCONFLICTS\n%s\nCHANGED\n%s",
                          fingerprint, log ? log : "", index ? index : "",
                          parked ? parked : "", conflicts ? conflicts : "", changed);
}

/* Our device: a list and a todo of ours, renamed, confirmed by the
 * server (a small batch: the log's trigger), then a pending rename of
 * the list; then the other device's large batch. */
static char *
catch_up (CairnStore *store,
          gboolean    lazy,
          guint      *n_flat_after)
{
  const char *me = cairn_store_get_client_id (store);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) mine = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autoptr(GPtrArray) theirs = NULL;
  static const struct { const char *name; const char *args; } own[] = {
    { "list.created", "{\"list_id\":\"" L0 "\",\"position\":\"P1\",\"title\":\"Mine\"}" },
    { "todo.created", "{\"list_id\":\"" L0 "\",\"position\":\"P1\",\"title\":\"Mine\","
                      "\"todo_id\":\"" T0 "\"}" },
    { "todo.renamed", "{\"title\":\"Ours\",\"todo_id\":\"" T0 "\"}" },
  };
  gulong handler;

  for (guint i = 0; i < G_N_ELEMENTS (own); i++)
    {
      g_autoptr(CairnEvent) local = test_commit_json (store, own[i].name, own[i].args);

      g_ptr_array_add (mine, wire_event (lazy, me, local->client_seq, i + 1, own[i].name, 1,
                                         own[i].args));
    }
  test_rebase_ok (store, mine, "00000000000000000000000000000001");
  g_clear_pointer (&mine, g_ptr_array_unref);
  {
    g_autoptr(CairnEvent) pending = test_commit_json (store, "list.renamed",
                                                      "{\"list_id\":\"" L0 "\",\"title\":\"Mine 2\"}");
  }

  theirs = large_batch (lazy, G_N_ELEMENTS (own) + 1);
  handler = g_signal_connect (store, "changed", G_CALLBACK (on_changed), seen);
  test_rebase_ok (store, theirs, "00000000000000000000000000000001");
  g_signal_handler_disconnect (store, handler);

  *n_flat_after = 0;
  for (guint i = 0; i < theirs->len; i++)
    if (_cairn_event_get_flat (theirs->pdata[i]) != NULL)
      (*n_flat_after)++;
  return outcome (store, seen);
}

static void
test_flat_catch_up_same (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(CairnStore) other = NULL;
  g_autofree char *path = g_build_filename (ts->dir, "workspace.db", NULL);
  g_autofree char *copy = g_build_filename (ts->dir, "full.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *bytes = NULL;
  gsize size;
  g_autofree char *flat = NULL;
  g_autofree char *full = NULL;
  g_autofree char *title = NULL;
  guint n_flat = 0, n_full = 0;

  /* Two copies of one workspace file: the same client id, so the same
   * events are ours in both (and the chains agree). */
  g_clear_object (&ts->store);
  g_assert_true (g_file_get_contents (path, &bytes, &size, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (copy, bytes, size, &error));
  g_assert_no_error (error);
  ts->store = test_store_open_at (ts->dir, "workspace.db");
  other = test_store_open_at (ts->dir, "full.db");
  g_assert_cmpstr (cairn_store_get_client_id (ts->store), ==, cairn_store_get_client_id (other));

  flat = catch_up (ts->store, TRUE, &n_flat);
  full = catch_up (other, FALSE, &n_full);
  if (g_strcmp0 (flat, full) != 0 && g_getenv ("CAIRN_TEST_DUMP_DIR") != NULL)
    {
      g_autofree char *a = g_build_filename (g_getenv ("CAIRN_TEST_DUMP_DIR"), "flat.txt", NULL);
      g_autofree char *b = g_build_filename (g_getenv ("CAIRN_TEST_DUMP_DIR"), "full.txt", NULL);

      g_file_set_contents (a, flat, -1, NULL);
      g_file_set_contents (b, full, -1, NULL);
    }
  g_assert_cmpstr (flat, ==, full);

  /* What was checked: most events were applied without a JsonObject,
   * and every kind of outcome is there. */
  g_assert_cmpuint (n_full, ==, 0);
  g_assert_cmpuint (n_flat, >, N_LARGE * 3 / 4);
  g_assert_nonnull (strstr (flat, "todo " T0 "\n"));
  g_assert_nonnull (strstr (flat, "\nCONFLICTS\ntodo " T0 " title Ours Theirs - 8\n"));
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM todos WHERE parent_id IS NOT NULL"), >, 5);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM todos WHERE title LIKE 'Early %'"), >, 5);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM todos WHERE title LIKE 'Shuffled %'"), >, 5);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM todos WHERE done"), >, 5);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM todos WHERE due IS NOT NULL"), >, 5);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM todo_tags"), >, 5);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM notes WHERE title LIKE 'M%'"), >, 0);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM log WHERE skipped"), >, 10);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM parked"), >, 0);
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM pending"), ==, 1);
  title = test_query_text (ts->store, "SELECT title FROM lists WHERE id = '" L0 "'");
  g_assert_cmpstr (title, ==, "Mine 2");
}

/* An event made without its JsonObject gives every other reader the
 * object its text gives. */
static void
test_flat_event_args (void)
{
  g_autoptr(GError) error = NULL;
  const char *text = "{\"list_id\":\"" L0 "\",\"position\":\"P1\",\"title\":\"Mine\"}";
  g_autoptr(CairnEvent) flat = _cairn_event_new_wire ("list.created", 1, text, &error);
  g_autoptr(CairnEvent) shuffled = _cairn_event_new_wire ("list.created", 1,
                                                          "{\"title\":\"Mine\",\"list_id\":\"" L0 "\","
                                                          "\"position\":\"P1\"}", &error);
  g_autoptr(CairnEvent) bad = _cairn_event_new_wire ("list.created", 1, "{\"title\":", &error);
  g_autofree char *json = NULL;

  g_assert_null (bad);
  g_assert_error (error, CAIRN_EVENT_ERROR, CAIRN_EVENT_ERROR_INVALID);
  g_clear_error (&error);

  /* Not canonical: made with its JsonObject. */
  g_assert_nonnull (shuffled->args);
  g_assert_null (_cairn_event_get_flat (shuffled));

  g_assert_null (flat->args);
  g_assert_nonnull (_cairn_event_get_flat (flat));
  json = cairn_event_dup_args_json (flat);
  g_assert_cmpstr (json, ==, text);
  g_assert_null (flat->args);
  g_assert_true (cairn_event_validate (flat, &error));
  g_assert_no_error (error);
  g_assert_nonnull (flat->args);
  g_assert_null (_cairn_event_get_flat (flat));
  g_assert_cmpstr (json_object_get_string_member (flat->args, "title"), ==, "Mine");
  g_assert_cmpuint (json_object_get_size (flat->args), ==, 3);
}

/* Which texts are made without a JsonObject: exactly those whose args
 * cairn_event_new_from_args_json() keeps as their canonical text, with
 * the same members. */
static void
test_flat_event_texts (void)
{
  static const char * const texts[] = {
    "{}",
    "{\"a\":\"1\"}",
    "{\"a\":\"1\",\"b\":\"2\"}",
    "{\"b\":\"1\",\"a\":\"2\"}",                 /* order */
    "{\"a\":\"1\",\"a\":\"2\"}",                 /* repeated */
    "{\"a\":\"1\",\"ab\":\"2\"}",
    "{\"ab\":\"1\",\"a\":\"2\"}",
    "{\"\":\"1\"}",                            /* empty name */
    "{\"a\":\"x\\\"y\"}",                       /* escape */
    "{\"a\":\"\\u00e9\"}",
    "{\"a\":\"caf\xc3\xa9\",\"b\":\"\xe2\x82\xac\"}",  /* UTF-8 */
    "{\"a\":\"\xc3\"}",                         /* cut short */
    "{\"a\":\"\xff\"}",
    "{\"\xc3\xa9\":\"1\"}",
    "{\"a\":\"\x01\"}",
    "{\"a\":\"\x7f\"}",
    "{\"a\":1}",
    "{\"a\":null}",
    "{\"a\":true,\"b\":\"x\"}",
    "{\"a\":\"1\"} ",
    "{\"a\":\"1\"}}",
    "{\"a\":\"1\",}",
    "{\"a\" :\"1\"}",
    "{\"a\":\"1\"",
    "{\"a\":\"1",
    "{\"a\":{\"b\":\"1\"}}",
    "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":\"4\",\"e\":\"5\",\"f\":\"6\",\"g\":\"7\",\"h\":\"8\"}",
    "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":\"4\",\"e\":\"5\",\"f\":\"6\",\"g\":\"7\",\"h\":\"8\",\"i\":\"9\"}",
    "[]",
    "",
  };
  guint n_flat = 0;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) wire_error = NULL;
      g_autoptr(GError) whole_error = NULL;
      g_autoptr(CairnEvent) wire = _cairn_event_new_wire ("x.y", 1, texts[i], &wire_error);
      g_autoptr(CairnEvent) whole = cairn_event_new_from_args_json ("x.y", 1, texts[i], &whole_error);
      g_autoptr(JsonNode) a = NULL;
      g_autoptr(JsonNode) b = NULL;
      g_autofree char *a_text = NULL;
      g_autofree char *b_text = NULL;

      g_test_message ("%s", texts[i]);
      g_assert_true ((wire == NULL) == (whole == NULL));
      if (wire == NULL)
        {
          g_assert_nonnull (wire_error);
          g_assert_cmpstr (wire_error->message, ==, whole_error->message);
          continue;
        }
      g_assert_true ((_cairn_event_get_flat (wire) != NULL) == (whole->args_text != NULL));
      if (_cairn_event_get_flat (wire) == NULL)
        continue;
      n_flat++;
      g_assert_cmpuint (_cairn_event_get_flat (wire)->n_members, ==,
                        json_object_get_size (whole->args));
      a = json_node_init_object (json_node_alloc (), _cairn_event_ensure_args (wire));
      b = json_node_init_object (json_node_alloc (), whole->args);
      a_text = json_to_string (a, FALSE);
      b_text = json_to_string (b, FALSE);
      g_assert_cmpstr (a_text, ==, b_text);
      g_assert_cmpstr (wire->args_text, ==, whole->args_text);
    }
  /* What was checked: some were made without a JsonObject, some not. */
  g_assert_cmpuint (n_flat, >=, 6);
  g_assert_cmpuint (n_flat, <, G_N_ELEMENTS (texts) - 10);
}

/* A catch-up's event is checked where it is made from the wire, as the
 * store would check it (an older version that upcasting keeps as it is,
 * as its newest), and the store does not check it again: an event found
 * valid is applied, one found invalid is still skipped by the store. */
static void
test_flat_checked_where_made (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autofree char *due = NULL;
  g_autofree char *title = NULL;
  CairnEvent *list, *todo, *bad_due, *rename;

  list = wire_event (TRUE, FOREIGN, 1, 1, "list.created", 1,
                     "{\"list_id\":\"" L0 "\",\"position\":\"P\",\"title\":\"L\"}");
  /* v1: kept as it is by upcasting, checked as the newest version */
  todo = wire_event (TRUE, FOREIGN, 2, 2, "todo.created", 1,
                     "{\"list_id\":\"" L0 "\",\"position\":\"P\",\"title\":\"T\",\"todo_id\":\"" T0 "\"}");
  bad_due = wire_event (TRUE, FOREIGN, 3, 3, "todo.due_set", 1,
                        "{\"due\":\"2026-13-45\",\"todo_id\":\"" T0 "\"}");
  rename = wire_event (TRUE, FOREIGN, 4, 4, "todo.renamed", 1,
                       "{\"title\":\"Renamed\",\"todo_id\":\"" T0 "\"}");
  g_assert_nonnull (_cairn_event_get_flat (bad_due));
  g_assert_cmpuint (list->flat_valid_as, ==, 1);
  g_assert_cmpuint (todo->flat_valid_as, ==, _cairn_event_current_version ("todo.created"));
  g_assert_cmpuint (todo->flat_valid_as, >, 1);
  g_assert_cmpuint (bad_due->flat_valid_as, ==, 0);
  g_assert_cmpuint (rename->flat_valid_as, ==, 1);
  g_ptr_array_add (events, list);
  g_ptr_array_add (events, todo);
  g_ptr_array_add (events, bad_due);
  g_ptr_array_add (events, rename);

  g_test_expect_message ("cairn-store", G_LOG_LEVEL_WARNING, "Skipping event 3 *");
  test_rebase_ok (ts->store, events, NULL);
  g_test_assert_expected_messages ();
  title = test_query_text (ts->store, "SELECT title FROM todos WHERE id = '" T0 "'");
  g_assert_cmpstr (title, ==, "Renamed");
  g_assert_cmpint (test_query_int (ts->store, "SELECT count(*) FROM todos WHERE id = '" T0 "' "
                                   "AND due IS NULL"), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store-tail-flat/catch-up-same", test_flat_catch_up_same);
  g_test_add_func ("/store-tail-flat/event-args", test_flat_event_args);
  g_test_add_func ("/store-tail-flat/event-texts", test_flat_event_texts);
  g_test_add_func ("/store-tail-flat/checked-where-made", test_flat_checked_where_made);
  return g_test_run ();
}

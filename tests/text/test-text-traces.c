/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-text-traces.c: the shared real editing traces replay exactly.
 *
 * The traces live in ../shared/traces beside the source tree
 * ($CAIRN_SOURCE_ROOT/../shared/traces, or $CAIRN_TRACES_DIR). */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "cairn-text.h"
#include "cairn-text-codec-private.h"   /* _cairn_text_encode_state_v1 */

static JsonObject *
load_trace (const char  *name,
            JsonParser **parser_out)
{
  const char *dir = g_getenv ("CAIRN_TRACES_DIR");
  g_autofree char *def = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GInputStream) conv = NULL;
  g_autoptr(GZlibDecompressor) dec = NULL;
  g_autoptr(GError) error = NULL;
  JsonParser *parser;

  if (dir == NULL)
    {
      const char *root = g_getenv ("CAIRN_SOURCE_ROOT");
      def = g_build_filename (root ? root : ".", "..", "shared", "traces", NULL);
      dir = def;
    }
  path = g_build_filename (dir, name, NULL);
  file = g_file_new_for_path (path);
  in = G_INPUT_STREAM (g_file_read (file, NULL, &error));
  if (in == NULL)
    {
      g_test_fail_printf ("The editing trace %s is missing (%s): the traces must be in "
                          "../shared/traces beside the source tree, or in $CAIRN_TRACES_DIR",
                          path, error->message);
      return NULL;
    }
  dec = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  conv = g_converter_input_stream_new (in, G_CONVERTER (dec));
  parser = json_parser_new ();
  if (!json_parser_load_from_stream (parser, conv, NULL, &error))
    {
      g_test_fail_printf ("Cannot parse %s: %s", path, error->message);
      g_object_unref (parser);
      return NULL;
    }
  *parser_out = parser;
  return json_node_get_object (json_parser_get_root (parser));
}

static void
apply_patches (CairnText    *doc,
               JsonArray    *patches,
               CairnTextOps *out)
{
  g_autoptr(GError) error = NULL;

  for (guint k = 0; k < json_array_get_length (patches); k++)
    {
      JsonArray *p = json_array_get_array_element (patches, k);
      gint64 pos = json_array_get_int_element (p, 0);
      gint64 del = json_array_get_int_element (p, 1);
      const char *ins = json_array_get_string_element (p, 2);

      if (del > 0)
        g_assert_true (cairn_text_delete (doc, pos, del, out, &error));
      g_assert_no_error (error);
      if (ins != NULL && *ins)
        g_assert_true (cairn_text_insert (doc, pos, ins, -1, out, &error));
      g_assert_no_error (error);
    }
}

/* Every operation of @doc, encoded: equal for two documents when they hold
 * the same operations with the same text, deleted text included. */
static GBytes *
all_ops (CairnText *doc)
{
  g_autoptr(CairnTextOps) ops = cairn_text_ops_since (doc, NULL);

  return cairn_text_ops_encode (ops);
}

/* The three forms of doc's state decode to its text:
 * - full: the same operations, deleted text included, and the same bytes
 *   when encoded again;
 * - the format before (0xC2), as states stored until now hold it: the
 *   same document, so it encodes to the same full state;
 * - compact: smaller, the same text and version, deleted text unknown. */
static void
check_round_trip (CairnText  *doc,
                  const char *expected)
{
  const char *me = "ffffffffffffffffffffffffffffffff";
  g_autoptr(GBytes) state = cairn_text_encode_state (doc);
  g_autoptr(GBytes) v1 = _cairn_text_encode_state_v1 (doc);
  g_autoptr(GBytes) compact = cairn_text_encode_state_compact (doc);
  g_autoptr(GBytes) ops = all_ops (doc);
  g_autoptr(CairnTextVersion) version = cairn_text_get_version (doc);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (g_bytes_get_size (compact), <, g_bytes_get_size (state));
  g_assert_cmpuint (g_bytes_get_size (state), <, g_bytes_get_size (v1));
  for (guint form = 0; form < 3; form++)
    {
      GBytes *bytes = form == 0 ? state : form == 1 ? v1 : compact;
      g_autoptr(CairnText) back = cairn_text_decode_state (bytes, me, &error);
      g_autoptr(CairnTextVersion) bv = NULL;
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      text = cairn_text_get_text (back, NULL);
      g_assert_true (strcmp (text, expected) == 0);
      bv = cairn_text_get_version (back);
      g_assert_cmpint (cairn_text_version_compare (version, bv), ==, CAIRN_TEXT_VERSION_EQUAL);
      g_assert_true (cairn_text_has_deleted_text (back) == (form != 2));
      if (form < 2)
        {
          g_autoptr(GBytes) back_ops = all_ops (back);
          g_assert_true (g_bytes_equal (back_ops, ops));
          /* A new replica joins the client table: compare as the same
           * replica (client 1 made every trace's first replica). */
          {
            g_autoptr(CairnText) same = cairn_text_decode_state (bytes, "00000000000000000000000000000001", &error);
            g_autoptr(GBytes) same_state = NULL;
            g_assert_no_error (error);
            same_state = cairn_text_encode_state (same);
            g_assert_true (g_bytes_equal (same_state, state));
          }
        }
    }
}

/* A replica bootstrapped from a compact state of the first half of a
 * trace merges the second half's operations, which name tombstones of
 * the first half as origins, and ends with the same text; the text at any
 * version from the snapshot on is the same as on the full replica. */
static void
test_compact_then_merge (gconstpointer data)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *root = load_trace (data, &parser);
  g_autoptr(CairnText) doc = NULL;
  g_autoptr(CairnText) boot = NULL;
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  g_autoptr(CairnTextVersion) at_snapshot = NULL;
  g_autoptr(GPtrArray) versions = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_text_version_free);
  g_autoptr(GError) error = NULL;
  JsonArray *txns;
  guint n, half;

  if (root == NULL)
    return;
  doc = cairn_text_new ("00000000000000000000000000000001", NULL);
  txns = json_object_get_array_member (root, "txns");
  n = json_array_get_length (txns);
  half = n / 2;
  for (guint i = 0; i < half; i++)
    apply_patches (doc, json_object_get_array_member (json_array_get_object_element (txns, i), "patches"), ops);
  cairn_text_ops_clear (ops);
  at_snapshot = cairn_text_get_version (doc);
  {
    g_autoptr(GBytes) compact = cairn_text_encode_state_compact (doc);
    boot = cairn_text_decode_state (compact, "00000000000000000000000000000002", &error);
    g_assert_no_error (error);
  }
  g_assert_false (cairn_text_has_deleted_text (boot));
  for (guint i = half; i < n; i++)
    {
      apply_patches (doc, json_object_get_array_member (json_array_get_object_element (txns, i), "patches"), ops);
      if (cairn_text_ops_get_n_ops (ops) > 512 || i + 1 == n)
        {
          g_autoptr(GBytes) wire = cairn_text_ops_encode (ops);
          g_autoptr(CairnTextOps) got = cairn_text_ops_decode (wire, &error);
          g_assert_no_error (error);
          g_assert_true (cairn_text_apply (boot, got, CAIRN_TEXT_APPLY_STRICT, &error));
          g_assert_no_error (error);
          cairn_text_ops_clear (ops);
          if (versions->len < 8 && i % 7 == 0)
            g_ptr_array_add (versions, cairn_text_get_version (doc));
        }
    }
  {
    g_autofree char *a = cairn_text_get_text (doc, NULL);
    g_autofree char *b = cairn_text_get_text (boot, NULL);
    g_assert_true (strcmp (a, b) == 0);
    g_assert_true (strcmp (a, json_object_get_string_member (root, "endContent")) == 0);
  }
  g_ptr_array_add (versions, g_steal_pointer (&at_snapshot));
  for (guint i = 0; i < versions->len; i++)
    {
      g_autofree char *a = cairn_text_get_text_at (doc, versions->pdata[i], &error);
      g_autofree char *b = cairn_text_get_text_at (boot, versions->pdata[i], &error);
      g_assert_no_error (error);
      g_assert_true (strcmp (a, b) == 0);
    }
  /* Its full state keeps saying that some deleted text is unknown. */
  {
    g_autoptr(GBytes) full = cairn_text_encode_state (boot);
    g_autoptr(CairnText) again = cairn_text_decode_state (full, "00000000000000000000000000000003", &error);
    g_autofree char *a = cairn_text_get_text (boot, NULL);
    g_autofree char *b = NULL;
    g_assert_no_error (error);
    b = cairn_text_get_text (again, NULL);
    g_assert_true (strcmp (a, b) == 0);
    g_assert_false (cairn_text_has_deleted_text (again));
  }
}

static void
test_sequential (gconstpointer data)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *root = load_trace (data, &parser);
  g_autoptr(CairnText) doc = NULL;
  g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
  g_autofree char *text = NULL;
  JsonArray *txns;
  const char *end;

  if (root == NULL)
    return;
  doc = cairn_text_new ("00000000000000000000000000000001", NULL);
  txns = json_object_get_array_member (root, "txns");
  for (guint i = 0; i < json_array_get_length (txns); i++)
    {
      JsonObject *t = json_array_get_object_element (txns, i);
      apply_patches (doc, json_object_get_array_member (t, "patches"), ops);
    }
  end = json_object_get_string_member (root, "endContent");
  text = cairn_text_get_text (doc, NULL);
  g_assert_cmpuint (strlen (text), ==, strlen (end));
  g_assert_true (strcmp (text, end) == 0);
  check_round_trip (doc, end);
  /* All the ops, sent to another replica, give the same text. */
  {
    g_autoptr(CairnText) other = cairn_text_new ("00000000000000000000000000000002", NULL);
    g_autoptr(GBytes) enc = cairn_text_ops_encode (ops);
    g_autoptr(GError) error = NULL;
    g_autoptr(CairnTextOps) dec = cairn_text_ops_decode (enc, &error);
    g_autofree char *t2 = NULL;
    g_assert_no_error (error);
    g_assert_true (cairn_text_apply (other, dec, 0, &error));
    t2 = cairn_text_get_text (other, NULL);
    g_assert_true (strcmp (t2, end) == 0);
  }
}

/* Each txn is made by its agent's replica at exactly its parents' version
 * (the replica first merges the other agents' txns in that past), then
 * everything is merged everywhere. */
static void
test_concurrent (gconstpointer data)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *root = load_trace (data, &parser);
  JsonArray *txns;
  guint n, n_agents;
  g_autofree guint *clock = NULL;
  g_autofree guint *merged = NULL;
  g_autoptr(GPtrArray) reps = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_text_free);
  g_autoptr(GPtrArray) by_agent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  const char *end;

  if (root == NULL)
    return;
  txns = json_object_get_array_member (root, "txns");
  n = json_array_get_length (txns);
  n_agents = json_object_get_int_member (root, "numAgents");
  end = json_object_get_string_member (root, "endContent");
  clock = g_new0 (guint, (gsize) n * n_agents);
  merged = g_new0 (guint, (gsize) n_agents * n_agents);
  for (guint a = 0; a < n_agents; a++)
    {
      g_autofree char *id = g_strdup_printf ("%032x", a + 1);
      g_ptr_array_add (reps, cairn_text_new (id, NULL));
      g_ptr_array_add (by_agent, g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_text_ops_free));
    }
  for (guint i = 0; i < n; i++)
    {
      JsonObject *t = json_array_get_object_element (txns, i);
      JsonArray *par = json_object_get_array_member (t, "parents");
      guint agent = json_object_get_int_member (t, "agent");
      guint *c = clock + (gsize) i * n_agents;
      CairnText *doc = reps->pdata[agent];
      CairnTextOps *ops = cairn_text_ops_new ();

      for (guint k = 0; k < json_array_get_length (par); k++)
        {
          guint p = json_array_get_int_element (par, k);
          g_assert_cmpuint (p, <, i);
          for (guint a = 0; a < n_agents; a++)
            c[a] = MAX (c[a], clock[(gsize) p * n_agents + a]);
        }
      for (guint a = 0; a < n_agents; a++)
        {
          GPtrArray *list = by_agent->pdata[a];
          guint *have = &merged[agent * n_agents + a];
          if (a == agent)
            {
              /* An agent's own txns are totally ordered. */
              g_assert_cmpuint (*have, ==, c[a]);
              continue;
            }
          for (; *have < c[a]; (*have)++)
            g_assert_true (cairn_text_apply (doc, list->pdata[*have], CAIRN_TEXT_APPLY_STRICT, NULL));
        }
      c[agent]++;
      apply_patches (doc, json_object_get_array_member (t, "patches"), ops);
      merged[agent * n_agents + agent]++;
      g_ptr_array_add (by_agent->pdata[agent], ops);
    }
  for (guint r = 0; r < n_agents; r++)
    {
      g_autofree char *text = NULL;
      for (guint a = 0; a < n_agents; a++)
        {
          GPtrArray *list = by_agent->pdata[a];
          for (guint *have = &merged[r * n_agents + a]; *have < list->len; (*have)++)
            if (a != r)
              g_assert_true (cairn_text_apply (reps->pdata[r], list->pdata[*have], 0, NULL));
        }
      text = cairn_text_get_text (reps->pdata[r], NULL);
      g_assert_cmpuint (strlen (text), ==, strlen (end));
      g_assert_true (strcmp (text, end) == 0);
    }
  check_round_trip (reps->pdata[0], end);
  /* A newcomer gets everything through ops_since. */
  {
    g_autoptr(CairnText) fresh = cairn_text_new ("0000000000000000000000000000000f", NULL);
    g_autoptr(CairnTextOps) all = cairn_text_ops_since (reps->pdata[1], NULL);
    g_autofree char *text = NULL;
    g_assert_true (cairn_text_apply (fresh, all, CAIRN_TEXT_APPLY_STRICT, NULL));
    text = cairn_text_get_text (fresh, NULL);
    g_assert_true (strcmp (text, end) == 0);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/text/traces/automerge-paper", "automerge-paper.json.gz", test_sequential);
  g_test_add_data_func ("/text/traces/sveltecomponent", "sveltecomponent.json.gz", test_sequential);
  g_test_add_data_func ("/text/traces/friendsforever", "friendsforever.json.gz", test_concurrent);
  g_test_add_data_func ("/text/traces/compact-then-merge/automerge-paper", "automerge-paper.json.gz",
                        test_compact_then_merge);
  g_test_add_data_func ("/text/traces/compact-then-merge/sveltecomponent", "sveltecomponent.json.gz",
                        test_compact_then_merge);
  return g_test_run ();
}

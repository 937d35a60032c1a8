/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-text.c: replays an editing trace through the text CRDT and
 * prints one JSON line of figures.
 *
 * Usage: cairn-bench-text TRACE.json[.gz]
 *
 * Sequential traces: every patch is one local operation (delete, then
 * insert) on one replica, as a user's typing would produce. Concurrent
 * traces: one replica per agent; before each transaction the agent's replica
 * merges exactly the other agents' transactions in the transaction's causal
 * past (its parents' version), then applies the patches locally; the
 * operations each transaction made, encoded, are what the others decode and
 * merge. At the end
 * every replica merges everything and must equal endContent.
 *
 * Output: {"trace","patches","ms","peak_rss_kb","encoded_bytes","decode_ms",
 *          "compact_bytes","compact_decode_ms","v1_bytes","ok"}
 * ms: the fastest of CAIRN_BENCH_RUNS (default 5) replays into fresh
 * replicas; peak_rss_kb: growth of the peak resident set during the
 * replay (the trace is parsed and the JSON freed before); encoded_bytes:
 * cairn_text_encode_state() of the final document (full history);
 * decode_ms: the fastest cairn_text_decode_state() of it; compact_bytes,
 * compact_decode_ms: the same for cairn_text_encode_state_compact() (no
 * deleted text); v1_bytes: the state in the format before (tag 0xC2).
 * CAIRN_BENCH_STATE_OUT=PATH writes the full state there. Exit status 1
 * when a text does not match endContent.
 */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "cairn-text.h"
#include "cairn-text-codec-private.h"

typedef struct
{
  guint32  pos;
  guint32  del;
  char    *ins;   /* NULL when nothing is inserted */
} Patch;

typedef struct
{
  guint  agent;
  guint  first_patch;
  guint  n_patches;
  GArray *parents;  /* guint */
} Txn;

static GBytes *
read_trace (const char  *path,
            GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  in = G_INPUT_STREAM (g_file_read (file, NULL, error));
  if (in == NULL)
    return NULL;
  if (g_str_has_suffix (path, ".gz"))
    {
      g_autoptr(GZlibDecompressor) dec = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
      GInputStream *conv = g_converter_input_stream_new (in, G_CONVERTER (dec));
      g_object_unref (in);
      in = conv;
    }
  if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                              G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) < 0)
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static long
rss_kb (const char *field)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  p = strstr (status, field);
  if (p == NULL)
    return -1;
  return strtol (p + strlen (field), NULL, 10);
}

static char *
client_hex (guint agent)
{
  return g_strdup_printf ("%032x", agent + 1);
}

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

/* Decodes an encoded batch and merges it, as a receiving device does. */
static gboolean
merge_bytes (CairnText  *doc,
             GBytes     *wire,
             GError    **error)
{
  g_autoptr(CairnTextOps) ops = cairn_text_ops_decode (wire, error);

  return ops != NULL && cairn_text_apply (doc, ops, 0, error);
}

/* The fastest of @runs decodes of @state; *ok FALSE when one fails or
 * gives another text than @end_content. */
static double
time_decode (GBytes     *state,
             guint       runs,
             const char *end_content,
             guint       n_agents,
             gboolean   *ok)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hex = client_hex (n_agents);
  g_autofree char *text = NULL;
  CairnText *back = NULL;
  double best = -1;

  for (guint run = 0; run < runs; run++)
    {
      double t0, m;

      g_clear_pointer (&back, cairn_text_free);
      t0 = now_ms ();
      back = cairn_text_decode_state (state, hex, &error);
      m = now_ms () - t0;
      if (back == NULL)
        break;
      if (best < 0 || m < best)
        best = m;
    }
  if (back == NULL)
    {
      g_printerr ("Decoding the encoded state failed: %s\n", error->message);
      *ok = FALSE;
      return -1;
    }
  text = cairn_text_get_text (back, NULL);
  if (strcmp (text, end_content) != 0)
    {
      g_printerr ("The decoded state differs from endContent\n");
      *ok = FALSE;
    }
  cairn_text_free (back);
  return best;
}

typedef struct
{
  GArray  *patches;
  GArray  *txns;
  guint    n_agents;
  gboolean concurrent;
} Trace;

/* One replay into fresh replicas; returns its milliseconds, or < 0. */
static double
replay (const Trace  *trace,
        CairnText   **replicas,
        GError      **error)
{
  GArray *patches = trace->patches;
  GArray *txns = trace->txns;
  guint n_agents = trace->n_agents;
  gboolean concurrent = trace->concurrent;
  gboolean ok = TRUE;
  double t0, ms;

  for (guint a = 0; a < n_agents; a++)
    {
      g_autofree char *hex = client_hex (a);
      cairn_text_free (replicas[a]);
      replicas[a] = cairn_text_new (hex, NULL);
    }
  if (!concurrent)
    {
      g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
      CairnText *doc = replicas[0];

      t0 = now_ms ();
      for (guint i = 0; i < patches->len; i++)
        {
          Patch *p = &g_array_index (patches, Patch, i);
          if (p->del > 0 && !cairn_text_delete (doc, p->pos, p->del, ops, error))
            break;
          if (p->ins != NULL && !cairn_text_insert (doc, p->pos, p->ins, -1, ops, error))
            break;
          /* A sync engine would take the batch now and then; keep it small. */
          if (cairn_text_ops_get_n_ops (ops) > 4096)
            cairn_text_ops_clear (ops);
        }
      ms = now_ms () - t0;
    }
  else
    {
      guint n = txns->len;
      g_autofree guint *clock = g_new0 (guint, (gsize) n * n_agents);
      g_autofree guint *merged = g_new0 (guint, (gsize) n_agents * n_agents);
      g_autoptr(GPtrArray) by_agent = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
      g_autoptr(GPtrArray) all_ops = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

      for (guint a = 0; a < n_agents; a++)
        g_ptr_array_add (by_agent, g_ptr_array_new ());
      /* clock[i][a]: how many of agent a's txns are in txn i's past, itself included. */
      for (guint i = 0; i < n; i++)
        {
          Txn *t = &g_array_index (txns, Txn, i);
          guint *c = clock + (gsize) i * n_agents;
          for (guint k = 0; k < t->parents->len; k++)
            {
              guint p = g_array_index (t->parents, guint, k);
              for (guint a = 0; a < n_agents; a++)
                c[a] = MAX (c[a], clock[(gsize) p * n_agents + a]);
            }
          c[t->agent]++;
        }

      t0 = now_ms ();
      for (guint i = 0; i < n && ok; i++)
        {
          Txn *t = &g_array_index (txns, Txn, i);
          guint *c = clock + (gsize) i * n_agents;
          CairnText *doc = replicas[t->agent];
          CairnTextOps *ops = cairn_text_ops_new ();

          for (guint a = 0; a < n_agents; a++)
            {
              GPtrArray *list = g_ptr_array_index (by_agent, a);
              guint want = a == t->agent ? c[a] - 1 : c[a];
              guint *have = &merged[t->agent * n_agents + a];
              for (; *have < want; (*have)++)
                if (a != t->agent && !merge_bytes (doc, g_ptr_array_index (list, *have), error))
                  {
                    ok = FALSE;
                    break;
                  }
            }
          for (guint k = 0; k < t->n_patches && ok; k++)
            {
              Patch *p = &g_array_index (patches, Patch, t->first_patch + k);
              if ((p->del > 0 && !cairn_text_delete (doc, p->pos, p->del, ops, error)) ||
                  (p->ins != NULL && !cairn_text_insert (doc, p->pos, p->ins, -1, ops, error)))
                ok = FALSE;
            }
          merged[t->agent * n_agents + t->agent]++;
          /* What goes over the wire: the encoded batch. */
          {
            GBytes *wire = cairn_text_ops_encode (ops);
            cairn_text_ops_free (ops);
            g_ptr_array_add (g_ptr_array_index (by_agent, t->agent), wire);
            g_ptr_array_add (all_ops, wire);
          }
        }
      /* Everyone merges everything. */
      for (guint r = 0; r < n_agents && ok; r++)
        for (guint a = 0; a < n_agents && ok; a++)
          {
            GPtrArray *list = g_ptr_array_index (by_agent, a);
            for (guint *have = &merged[r * n_agents + a]; *have < list->len && ok; (*have)++)
              if (a != r && !merge_bytes (replicas[r], g_ptr_array_index (list, *have), error))
                ok = FALSE;
          }
      ms = now_ms () - t0;
    }
  return ok && (error == NULL || *error == NULL) ? ms : -1;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GArray) patches = g_array_new (FALSE, FALSE, sizeof (Patch));
  g_autoptr(GArray) txns = g_array_new (FALSE, FALSE, sizeof (Txn));
  g_autofree char *end_content = NULL;
  g_autofree char *trace_name = NULL;
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(GBytes) compact = NULL;
  g_autoptr(GBytes) v1 = NULL;
  gboolean concurrent, ok = TRUE;
  guint n_agents = 1;
  double ms, decode_ms, compact_decode_ms;
  long rss_before, peak = -1;
  guint runs;
  Trace trace;
  CairnText **replicas;
  JsonObject *root;
  JsonArray *jtxns;

  if (argc != 2)
    {
      g_printerr ("Usage: %s TRACE.json[.gz]\n", argv[0]);
      return 2;
    }
  trace_name = g_path_get_basename (argv[1]);
  if (g_str_has_suffix (trace_name, ".gz"))
    trace_name[strlen (trace_name) - 3] = '\0';
  if (g_str_has_suffix (trace_name, ".json"))
    trace_name[strlen (trace_name) - 5] = '\0';

  raw = read_trace (argv[1], &error);
  if (raw == NULL)
    {
      g_printerr ("Cannot read %s: %s\n", argv[1], error->message);
      return 2;
    }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, g_bytes_get_data (raw, NULL),
                                   g_bytes_get_size (raw), &error))
    {
      g_printerr ("Cannot parse %s: %s\n", argv[1], error->message);
      return 2;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  concurrent = json_object_has_member (root, "kind") &&
               g_strcmp0 (json_object_get_string_member (root, "kind"), "concurrent") == 0;
  end_content = g_strdup (json_object_get_string_member (root, "endContent"));
  jtxns = json_object_get_array_member (root, "txns");
  for (guint i = 0; i < json_array_get_length (jtxns); i++)
    {
      JsonObject *t = json_array_get_object_element (jtxns, i);
      JsonArray *jp = json_object_get_array_member (t, "patches");
      Txn txn = { 0, patches->len, json_array_get_length (jp), g_array_new (FALSE, FALSE, sizeof (guint)) };

      if (concurrent)
        {
          JsonArray *par = json_object_get_array_member (t, "parents");
          txn.agent = json_object_get_int_member (t, "agent");
          n_agents = MAX (n_agents, txn.agent + 1);
          for (guint k = 0; k < json_array_get_length (par); k++)
            {
              guint p = json_array_get_int_element (par, k);
              g_array_append_val (txn.parents, p);
            }
        }
      for (guint k = 0; k < txn.n_patches; k++)
        {
          JsonArray *pa = json_array_get_array_element (jp, k);
          const char *ins = json_array_get_string_element (pa, 2);
          Patch p = { json_array_get_int_element (pa, 0), json_array_get_int_element (pa, 1),
                      ins != NULL && *ins ? g_strdup (ins) : NULL };
          g_array_append_val (patches, p);
        }
      g_array_append_val (txns, txn);
    }
  g_clear_object (&parser);
  g_clear_pointer (&raw, g_bytes_unref);

  replicas = g_new0 (CairnText *, n_agents);
  trace = (Trace) { patches, txns, n_agents, concurrent };
  runs = g_getenv ("CAIRN_BENCH_RUNS") ? MAX (atoi (g_getenv ("CAIRN_BENCH_RUNS")), 1) : 5;

  /* Give the parser's memory back to the system, then reset the peak so
   * that it measures the first replay only (Linux >= 4.0). */
  malloc_trim (0);
  {
    FILE *f = fopen ("/proc/self/clear_refs", "w");
    if (f != NULL)
      {
        fputs ("5", f);
        fclose (f);
      }
  }
  rss_before = rss_kb ("VmRSS:");
  ms = -1;
  for (guint run = 0; run < runs && ok; run++)
    {
      double m = replay (&trace, replicas, &error);
      if (run == 0)
        peak = rss_kb ("VmHWM:") - rss_before;
      if (m < 0)
        ok = FALSE;
      else if (ms < 0 || m < ms)
        ms = m;
    }

  if (error != NULL)
    {
      g_printerr ("Replay failed: %s\n", error->message);
      ok = FALSE;
    }
  for (guint a = 0; a < n_agents && ok; a++)
    {
      g_autofree char *text = cairn_text_get_text (replicas[a], NULL);
      if (strcmp (text, end_content) != 0)
        {
          g_printerr ("Replica %u differs from endContent (%zu vs %zu bytes)\n",
                      a, strlen (text), strlen (end_content));
          ok = FALSE;
        }
    }

  encoded = cairn_text_encode_state (replicas[0]);
  if (g_getenv ("CAIRN_BENCH_STATE_OUT") != NULL &&
      !g_file_set_contents (g_getenv ("CAIRN_BENCH_STATE_OUT"), g_bytes_get_data (encoded, NULL),
                            g_bytes_get_size (encoded), &error))
    {
      g_printerr ("Cannot write the state: %s\n", error->message);
      return 2;
    }
  compact = cairn_text_encode_state_compact (replicas[0]);
  v1 = _cairn_text_encode_state_v1 (replicas[0]);
  decode_ms = time_decode (encoded, runs, end_content, n_agents, &ok);
  compact_decode_ms = time_decode (compact, runs, end_content, n_agents, &ok);

  printf ("{\"trace\": \"%s\", \"patches\": %u, \"ms\": %.2f, \"peak_rss_kb\": %ld, "
          "\"encoded_bytes\": %" G_GSIZE_FORMAT ", \"decode_ms\": %.2f, "
          "\"compact_bytes\": %" G_GSIZE_FORMAT ", \"compact_decode_ms\": %.2f, "
          "\"v1_bytes\": %" G_GSIZE_FORMAT ", \"ok\": %s}\n",
          trace_name, patches->len, ms, peak, g_bytes_get_size (encoded), decode_ms,
          g_bytes_get_size (compact), compact_decode_ms, g_bytes_get_size (v1),
          ok ? "true" : "false");

  for (guint a = 0; a < n_agents; a++)
    cairn_text_free (replicas[a]);
  g_free (replicas);
  for (guint i = 0; i < patches->len; i++)
    g_free (g_array_index (patches, Patch, i).ins);
  for (guint i = 0; i < txns->len; i++)
    g_array_unref (g_array_index (txns, Txn, i).parents);
  return ok ? 0 : 1;
}

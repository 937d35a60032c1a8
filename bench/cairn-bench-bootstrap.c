/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-bench-bootstrap.c (`sync-bootstrap`): a new device's first usable
 * state from a server-made snapshot (issue 17), and what making one costs.
 *
 * A workspace of --events N events (default 1,000,000): N/10 live todos
 * and N/1000 notes sharing the rest as typing (note.edited), pushed into
 * the server core in-process. Prints JSON lines: the snapshot's making
 * (seconds, bytes), the bootstrap (events, seconds to a loaded store,
 * snapshot bytes, client database bytes), and the p99 of one-event pushes
 * without and while a snapshot is being made on another thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <glib/gstdio.h>
#include <sodium.h>

#include "cairn-server-core.h"
#include "cairn-snapshot.h"
#include "cairn-store.h"

static gint64 opt_events = 1000000;
static const char *opt_save;   /* --save FILE: the snapshot made, for --load */
static const char *opt_load;   /* --load FILE: no workspace, no maker: only the load */
static gboolean opt_same_priority; /* --same-priority: the maker as before, for comparison */
static const char *probe_list;

/* One push into the core; the head after it. */
static gint64
push (CairnServerCore *core,
      CairnAuth       *auth,
      const char      *ws,
      GPtrArray       *wire)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) appended = NULL;
  g_autofree char *gap = NULL;
  gint64 expected = 0;
  g_autoptr(CairnPushReply) reply = cairn_server_core_push (core, auth, ws, wire, &appended,
                                                            &gap, &expected, &error);

  g_assert_no_error (error);
  return reply->head;
}

static GPtrArray *
wire_events (GPtrArray *events)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);

  for (guint i = 0; i < events->len; i++)
    {
      CairnEvent *e = events->pdata[i];
      g_autofree char *args = cairn_event_dup_args_json (e);

      g_ptr_array_add (out, cairn_wire_event_new (e->name, e->version, args, e->client_id,
                                                  e->client_seq, e->created_at));
    }
  return out;
}

/* Pushes the generator's pending events, oldest first, in batches. */
static void
push_all (CairnServerCore *core,
          CairnAuth       *auth,
          const char      *ws,
          CairnStore      *gen,
          gint64          *pushed)
{
  g_autoptr(GError) error = NULL;

  for (;;)
    {
      g_autoptr(GPtrArray) pending = cairn_store_list_pending (gen, 0, &error);
      guint start = (guint) *pushed;

      g_assert_no_error (error);
      if (start >= pending->len)
        return;
      for (guint i = start; i < pending->len; i += 1000)
        {
          g_autoptr(GPtrArray) slice = g_ptr_array_new ();
          g_autoptr(GPtrArray) wire = NULL;

          for (guint j = i; j < MIN (i + 1000, pending->len); j++)
            g_ptr_array_add (slice, pending->pdata[j]);
          wire = wire_events (slice);
          push (core, auth, ws, wire);
        }
      *pushed = pending->len;
      return;
    }
}

typedef struct
{
  const char *db_path;
  const char *dir;
  const char *ws;
  gint64      now;
  double      seconds;
  double      cpu_seconds;   /* the maker thread's own CPU time */
  gsize       bytes;
  gint        done;
} MakeJob;

static gpointer
make_thread (gpointer data)
{
  MakeJob *job = data;
  g_autoptr(GError) error = NULL;
  gint64 seq = 0;
  gint64 t0 = g_get_monotonic_time ();
  struct timespec c0, c1;

  /* as the server's maker thread does (cairn-server-snapshots.c) */
  if (!opt_same_priority)
    cairn_server_snapshot_thread_lower_priority ();
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &c0);
  if (!cairn_server_snapshot_make (job->db_path, job->dir, job->now, job->ws, &seq, &job->bytes, NULL, &error))
    g_error ("snapshot: %s", error->message);
  job->seconds = (g_get_monotonic_time () - t0) / 1e6;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &c1);
  job->cpu_seconds = (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9;
  g_atomic_int_set (&job->done, 1);
  return NULL;
}

/* CPU seconds of every thread of the process (the load may use more
 * than one): on a busy machine, what the load itself cost. */
static double
process_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* p99 (ms) of one-event pushes, one every 2 ms for `seconds`. */
static double
push_p99 (CairnServerCore *core,
          CairnAuth       *auth,
          const char      *ws,
          gint64          *client_seq,
          double           seconds)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * 1e6);

  while (g_get_monotonic_time () < end)
    {
      g_autoptr(GPtrArray) wire = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
      g_autofree char *args = g_strdup_printf ("{\"list_id\":\"%s\",\"title\":\"probe %" G_GINT64_FORMAT "\"}",
                                               probe_list, *client_seq);
      gint64 t0;
      double d;

      g_ptr_array_add (wire, cairn_wire_event_new ("list.renamed", 1, args,
                                                   "00000000000000000000000000000bbb",
                                                   (*client_seq)++, 0));
      t0 = g_get_monotonic_time ();
      push (core, auth, ws, wire);
      d = (g_get_monotonic_time () - t0) / 1e3;
      g_array_append_val (ms, d);
      g_usleep (2000);
    }
  g_array_sort (ms, compare_doubles);
  return ms->len == 0 ? 0 : g_array_index (ms, double, MIN (ms->len - 1, (guint) (ms->len * 0.99)));
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *gen_path = NULL;
  g_autofree char *dev_path = NULL;
  g_autofree char *ws = NULL;
  g_autoptr(CairnServerCore) core = NULL;
  g_autoptr(CairnAuth) auth = NULL;
  g_autoptr(CairnStore) gen = NULL;
  g_autoptr(CairnStore) device = NULL;
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(CairnSnapshotInfo) info = NULL;
  CairnServerCoreOptions options = { .pwhash_opslimit = 1, .pwhash_memlimit = 8192 };
  g_autofree char *list = NULL;
  gint64 n_todos, n_notes, pushed = 0, head = 0, probe_seq = 1;
  g_autofree char *history = NULL;
  GStatBuf st;
  MakeJob job = { 0 };
  double base_p99, busy_p99, load_s, load_cpu, cpu0;
  gint64 t0;

  if (sodium_init () < 0)
    g_error ("cannot initialise libsodium");
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--events") && i + 1 < argc)
      {
        gint64 n = g_ascii_strtoll (argv[++i], NULL, 10);

        opt_events = MAX (2000, n);
      }
    else if (g_str_equal (argv[i], "--save") && i + 1 < argc)
      opt_save = argv[++i];
    else if (g_str_equal (argv[i], "--same-priority"))
      opt_same_priority = TRUE;
    else if (g_str_equal (argv[i], "--load") && i + 1 < argc)
      opt_load = argv[++i];
  n_todos = opt_events / 10;
  n_notes = MAX (1, opt_events / 1000);

  dir = g_dir_make_tmp ("cairn-bench-bootstrap-XXXXXX", &error);
  g_assert_no_error (error);
  core = cairn_server_core_open (dir, &options, &error);
  g_assert_no_error (error);
  cairn_server_core_user_add (core, "ann", "bench-password", &ws, &error);
  g_assert_no_error (error);
  auth = cairn_server_core_admin_owner_auth (core, ws, &error);
  g_assert_no_error (error);

  if (opt_load != NULL)
    goto load;

  /* the workspace, made by one device and pushed as it goes */
  gen_path = g_build_filename (dir, "gen.db", NULL);
  gen = cairn_store_open (gen_path, &error);
  g_assert_no_error (error);
  list = cairn_store_create_list (gen, "Everything", &error);
  g_assert_no_error (error);
  probe_list = list;
  for (gint64 i = 0; i < n_notes; i++)
    {
      g_autofree char *title = g_strdup_printf ("Note %" G_GINT64_FORMAT, i);

      g_ptr_array_add (notes, cairn_store_create_note (gen, title, &error));
      g_assert_no_error (error);
    }
  for (gint64 i = 0; i < n_todos; i++)
    {
      g_autofree char *title = g_strdup_printf ("Todo %" G_GINT64_FORMAT, i);
      g_autofree char *id = cairn_store_create_todo (gen, list, title, NULL, NULL, &error);

      g_assert_no_error (error);
      if (i % 20000 == 19999)
        push_all (core, auth, ws, gen, &pushed);
    }
  push_all (core, auth, ws, gen, &pushed);
  /* The typing, straight as wire events from one replica per note (as
   * many devices would send them), so that a million events take
   * minutes, not an hour of local commits. */
  {
    g_autoptr(GPtrArray) replicas = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_text_free);
    gint64 cseq = 1;
    const char *client = "00000000000000000000000000000aaa";

    for (guint i = 0; i < notes->len; i++)
      {
        g_autofree char *rid = g_strdup_printf ("%032x", i + 1);
        g_ptr_array_add (replicas, cairn_text_new (rid, &error));
        g_assert_no_error (error);
      }
    if (!cairn_server_core_head (core, auth, ws, &head, &history, &error))
      g_error ("%s", error->message);
    while (head < opt_events)
      {
        g_autoptr(GPtrArray) wire = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);

        for (guint j = 0; j < 1000 && head + wire->len < opt_events; j++)
          {
            guint n = (guint) ((head + j) % notes->len);
            CairnText *text = replicas->pdata[n];
            g_autoptr(CairnTextOps) ops = cairn_text_ops_new ();
            g_autoptr(GBytes) raw = NULL;
            g_autofree char *b64 = NULL;
            g_autofree char *args = NULL;

            g_assert_true (cairn_text_insert (text, cairn_text_get_length (text), "more words ", -1, ops, &error));
            raw = cairn_text_ops_encode (ops);
            b64 = g_base64_encode (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
            args = g_strdup_printf ("{\"note_id\":\"%s\",\"ops\":\"%s\"}", (char *) notes->pdata[n], b64);
            g_ptr_array_add (wire, cairn_wire_event_new ("note.edited", 1, args, client, cseq++, 0));
          }
        head = push (core, auth, ws, wire);
      }
  }

  /* the snapshot, made on another thread while one-event pushes go on */
  base_p99 = push_p99 (core, auth, ws, &probe_seq, 3.0);
  {
    g_autoptr(GArray) p99s = g_array_new (FALSE, FALSE, sizeof (double));
    GThread *thread;

    job.db_path = cairn_server_core_get_path (core);
    job.dir = dir;
    job.ws = ws;
    job.now = cairn_server_core_now (core);
    thread = g_thread_new ("maker", make_thread, &job);
    while (!g_atomic_int_get (&job.done))
      {
        double one = push_p99 (core, auth, ws, &probe_seq, 0.5);

        g_array_append_val (p99s, one);
      }
    g_thread_join (thread);
    g_array_sort (p99s, compare_doubles);
    busy_p99 = p99s->len > 0 ? g_array_index (p99s, double, p99s->len / 2) : 0;
  }
  cairn_server_core_head (core, auth, ws, &head, NULL, NULL);
  g_print ("{\"bench\":\"sync-bootstrap\",\"what\":\"snapshot-make\",\"events\":%" G_GINT64_FORMAT
           ",\"seconds\":%.2f,\"cpu_seconds\":%.2f,\"snapshot_bytes\":%" G_GSIZE_FORMAT ",\"push_p99_ms\":%.2f,"
           "\"push_p99_ms_while_making\":%.2f}\n",
           opt_events, job.seconds, job.cpu_seconds, job.bytes, base_p99, busy_p99);

  if (opt_save != NULL)
    {
      gint64 seq = 0;
      g_autoptr(GBytes) blob = cairn_server_core_snapshot_latest (core, auth, ws, &seq, &error);

      g_assert_no_error (error);
      g_file_set_contents (opt_save, g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), &error);
      g_assert_no_error (error);
    }

load:
  /* a new device: download (read from storage here, or the --load file,
   * outside the timing) and load; the time is to the store opened with
   * the state loaded and checked, as the app then shows it */
  dev_path = g_build_filename (dir, "device.db", NULL);
  device = cairn_store_open (dev_path, &error);
  g_assert_no_error (error);
  {
    gint64 seq = 0;
    g_autoptr(GBytes) blob = NULL;

    if (opt_load != NULL)
      {
        char *data = NULL;
        gsize len = 0;

        g_file_get_contents (opt_load, &data, &len, &error);
        g_assert_no_error (error);
        blob = g_bytes_new_take (data, len);
      }
    else
      blob = cairn_server_core_snapshot_latest (core, auth, ws, &seq, &error);
    g_assert_no_error (error);
    t0 = g_get_monotonic_time ();
    cpu0 = process_cpu_seconds ();
    g_assert_true (cairn_store_load_snapshot (device, blob, &error));
    g_assert_no_error (error);
    load_s = (g_get_monotonic_time () - t0) / 1e6;
    load_cpu = process_cpu_seconds () - cpu0;
  }
  info = cairn_store_dup_snapshot_info (device, &error);
  g_assert_no_error (error);
  g_clear_object (&device);
  g_stat (dev_path, &st);
  g_print ("{\"bench\":\"sync-bootstrap\",\"what\":\"bootstrap\",\"events\":%" G_GINT64_FORMAT
           ",\"todos\":%" G_GINT64_FORMAT ",\"notes\":%" G_GINT64_FORMAT ",\"seconds\":%.3f,"
           "\"cpu_seconds\":%.3f,"
           "\"snapshot_bytes\":%" G_GUINT64_FORMAT ",\"image_bytes\":%" G_GUINT64_FORMAT
           ",\"client_db_bytes\":%" G_GINT64_FORMAT "}\n",
           info->seq, n_todos, n_notes, load_s, load_cpu, info->total_bytes, info->image_bytes,
           (gint64) st.st_size);

  g_clear_pointer (&core, cairn_server_core_close);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    if (system (cmd) != 0)
      g_printerr ("cannot remove %s\n", dir);
  }
  return 0;
}

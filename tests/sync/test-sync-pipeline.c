/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync-pipeline.c: a long catch-up through the pipeline (its pages
 * fetched, decoded and made into store events on a thread of their own,
 * docs/sync.md) against the real cairn-server, through a small proxy that
 * can damage one page: the device ends in the state a catch-up without the
 * pipeline (CAIRN_SYNC_PIPELINE=0) gives; a damaged later page fails the
 * round with the same error after the same transactions, and a cancelled
 * round stops the pipeline's thread; either way the next round completes.
 * And the core alone: events made ahead on another thread decide as
 * receive() does (overlap, gap, an event that does not build).
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "cairn-soup-listen.h"
#include "cairn-test-server.h"
#include "cairn-store-private.h"
#include "cairn-sync-core.h"
#include "cairn-sync-engine.h"
#include "cairn-sync-error.h"
#include "cairn-test-util.h"
#include "cairn-test-device.h"
#include "store-test-util.h"

#define PASSWORD CAIRN_TEST_DEVICE_PASSWORD
/* Seven pages of 1,000 (CAIRN_PROTOCOL_MAX_PULL_LIMIT) and a bit: two of
 * the catch-up's transactions of up to four pages. */
#define N_EVENTS 7000
#define PAGE     CAIRN_PROTOCOL_MAX_PULL_LIMIT

/* ---- a proxy in a thread of its own ------------------------------------ */

typedef struct
{
  char         *upstream;     /* the real server */
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
  SoupSession  *session;      /* the proxy thread's */
  char         *base;         /* http://127.0.0.1:PORT */
  GMutex        lock;
  GCond         cond;
  /* Under lock */
  gint64        damage_from;  /* the first pull after >= this is cut short; 0: none */
  guint         damaged;      /* pulls answered cut short */
} Proxy;

static void
proxy_handle (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Proxy *proxy = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *url = g_strconcat (proxy->upstream, path,
                                      g_uri_get_query (uri) != NULL ? "?" : "",
                                      g_uri_get_query (uri) != NULL ? g_uri_get_query (uri) : "",
                                      NULL);
  g_autoptr(SoupMessage) out = soup_message_new (soup_server_message_get_method (msg), url);
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Authorization");
  const char *after = query != NULL ? g_hash_table_lookup (query, "after") : NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const char *data;

  if (auth != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (out), "Authorization", auth);
  if (request->length > 0)
    {
      g_autoptr(GBytes) body = soup_message_body_flatten (request);
      soup_message_set_request_body_from_bytes (out, "application/json", body);
    }
  bytes = soup_session_send_and_read (proxy->session, out, NULL, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (bytes, &len);

  g_mutex_lock (&proxy->lock);
  if (g_str_has_suffix (path, "/events") && after != NULL && proxy->damage_from > 0 &&
      g_ascii_strtoll (after, NULL, 10) >= proxy->damage_from &&
      soup_message_get_status (out) == 200 && len > 2)
    {
      /* A page cut short on the way: not JSON any more. */
      len /= 2;
      proxy->damage_from = 0;
      proxy->damaged++;
    }
  g_mutex_unlock (&proxy->lock);

  soup_server_message_set_status (msg, soup_message_get_status (out), NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, data, len);
}

static gpointer
proxy_thread (gpointer user_data)
{
  Proxy *proxy = user_data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (loopback, 0);
  GSocketService *service;
  GSList *uris;

  g_main_context_push_thread_default (proxy->context);
  proxy->session = soup_session_new ();
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, proxy_handle, proxy, NULL);
  /* As cairn-server listens: libsoup 3.2's own listener would lose the
   * socket of every connection (docs/server.md, "Connections"). */
  service = cairn_soup_listen (server, addr, NULL, &error);
  g_assert_no_error (error);
  uris = cairn_soup_listen_get_uris (service);
  g_mutex_lock (&proxy->lock);
  proxy->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_cond_signal (&proxy->cond);
  g_mutex_unlock (&proxy->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (proxy->loop);
  cairn_soup_listen_stop (service);
  soup_server_disconnect (server);
  g_clear_object (&proxy->session);
  g_main_context_pop_thread_default (proxy->context);
  return NULL;
}

static void
proxy_start (Proxy      *proxy,
             const char *upstream)
{
  memset (proxy, 0, sizeof *proxy);
  g_mutex_init (&proxy->lock);
  g_cond_init (&proxy->cond);
  proxy->upstream = g_strdup (upstream);
  proxy->context = g_main_context_new ();
  proxy->loop = g_main_loop_new (proxy->context, FALSE);
  proxy->thread = g_thread_new ("test-proxy", proxy_thread, proxy);
  g_mutex_lock (&proxy->lock);
  while (proxy->base == NULL)
    g_cond_wait (&proxy->cond, &proxy->lock);
  g_mutex_unlock (&proxy->lock);
}

static void
proxy_stop (Proxy *proxy)
{
  g_main_loop_quit (proxy->loop);
  g_thread_join (proxy->thread);
  g_main_loop_unref (proxy->loop);
  g_main_context_unref (proxy->context);
  g_free (proxy->upstream);
  g_free (proxy->base);
  g_mutex_clear (&proxy->lock);
  g_cond_clear (&proxy->cond);
}

static void
proxy_damage_from (Proxy  *proxy,
                   gint64  after)
{
  g_mutex_lock (&proxy->lock);
  proxy->damage_from = after;
  g_mutex_unlock (&proxy->lock);
}

static guint
proxy_get_damaged (Proxy *proxy)
{
  guint n;

  g_mutex_lock (&proxy->lock);
  n = proxy->damaged;
  g_mutex_unlock (&proxy->lock);
  return n;
}

/* ---- helpers ------------------------------------------------------------- */

/* n valid events from a writer client: 20 lists, then todos. */
static void
seed_events (CairnTestServer *server,
             guint            n)
{
  g_autofree char *token = cairn_test_login (server, "ann", PASSWORD, "seeder");
  g_autofree char *ws = cairn_test_personal_ws (server, token);

  cairn_test_seed_todos (server, token, ws, 20, n);
}

/* One sync round; its error (NULL: it completed). */
static GError *
sync_round (CairnTestDevice *d,
            GCancellable    *cancellable)
{
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  cairn_sync_engine_sync_async (d->engine, cancellable, cairn_test_got_result, &result);
  if (!cairn_sync_engine_sync_finish (d->engine, cairn_test_wait_result (&result), &error))
    g_assert_nonnull (error);
  return error;
}

/* Threads of this process named as the pipeline names its own. */
static guint
count_pipeline_threads (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", name, "comm", NULL);
      g_autofree char *comm = NULL;

      if (g_file_get_contents (path, &comm, NULL, NULL) && g_str_has_prefix (comm, "cairn-catch-up"))
        n++;
    }
  return n;
}

static gboolean
no_pipeline_thread (gpointer data)
{
  return count_pipeline_threads () == 0;
}

typedef struct
{
  guint         rebases;      /* ::changed while the round ran */
  guint         threads_seen; /* the pipeline's thread was there at a rebase */
  gint64        cancel_at;    /* cancel once the head reaches this (0: never) */
  GCancellable *cancellable;
  guint         ticks;        /* turns of the main loop (tick()) */
  guint         ticks_then;   /* … at the last ::changed */
  guint         back_to_back; /* ::changed with no turn of the loop since the last */
} Watch;

/* Another source at the priority of the pages' (an input event, say):
 * it runs at every turn of the main loop. */
static gboolean
tick (gpointer data)
{
  ((Watch *) data)->ticks++;
  return G_SOURCE_CONTINUE;
}

static void
on_changed (CairnStore *store,
            gpointer    changes,
            Watch      *w)
{
  if (w->rebases > 0 && w->ticks == w->ticks_then)
    w->back_to_back++;
  w->ticks_then = w->ticks;
  w->rebases++;
  if (count_pipeline_threads () > 0)
    w->threads_seen++;
  if (w->cancel_at > 0 && cairn_store_get_head (store) >= w->cancel_at)
    {
      g_cancellable_cancel (w->cancellable);
      w->cancel_at = 0;
    }
}

typedef struct
{
  CairnTestServer *server;
  Proxy            proxy;
  CairnTestServer  via;       /* the proxy's address, for cairn_test_device_open() */
  char            *dir;
  CairnTestDevice  ref;       /* caught up without the pipeline */
  gint64           top;       /* the server's head after seeding */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *env[] = { "CAIRN_SERVER_SNAPSHOT_EVERY=100000000", NULL };   /* the whole log */
  g_autoptr(GError) error = NULL;

  f->server = cairn_test_server_new ();
  cairn_test_server_start (f->server, env);
  cairn_test_server_add_user (f->server, "ann", PASSWORD);
  f->dir = g_dir_make_tmp ("cairn-pipeline-XXXXXX", NULL);
  seed_events (f->server, N_EVENTS);
  proxy_start (&f->proxy, f->server->base);
  f->via.base = f->proxy.base;

  /* The reference: every page on the main thread, as before. */
  g_setenv ("CAIRN_SYNC_PIPELINE", "0", TRUE);
  cairn_test_device_open (&f->ref, f->dir, "reference", &f->via);
  error = sync_round (&f->ref, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (count_pipeline_threads (), ==, 0);
  f->top = cairn_store_get_head (f->ref.store);
  g_assert_cmpint (f->top, >, N_EVENTS);
  g_unsetenv ("CAIRN_SYNC_PIPELINE");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  cairn_test_device_close (&f->ref);
  proxy_stop (&f->proxy);
  cairn_test_server_stop (f->server, FALSE);
  cairn_test_server_free (f->server);
  cairn_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* Both devices have pushed their own Inbox; the reference then pulls the
 * other's: both dumps are of the same log. */
static void
assert_same_as_reference (Fixture         *f,
                          CairnTestDevice *d)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *mine = NULL, *theirs = NULL;

  g_setenv ("CAIRN_SYNC_PIPELINE", "0", TRUE);
  error = sync_round (&f->ref, NULL);
  g_assert_no_error (error);
  g_unsetenv ("CAIRN_SYNC_PIPELINE");
  error = sync_round (d, NULL);
  g_assert_no_error (error);

  g_assert_cmpint (cairn_store_get_head (d->store), ==, cairn_store_get_head (f->ref.store));
  mine = cairn_store_dump_state (d->store, &error);
  g_assert_no_error (error);
  theirs = cairn_store_dump_state (f->ref.store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mine, ==, theirs);
}

/* What the writer did, each thing once (not only the same as another
 * replica): its 20 lists, and each of its todos, "Item <seq>", once, in
 * the list the seeding put it in (cairn_test_seed_todos(): the list made
 * at seq (seq mod 20) + 1, "List <that seq>"). */
static void
assert_seeded_intact (CairnTestDevice *d)
{
  g_assert_cmpint (test_query_int (d->store, "SELECT count(*) FROM lists WHERE title LIKE 'List %'"), ==, 20);
  g_assert_cmpint (test_query_int (d->store, "SELECT count(*) FROM todos WHERE title LIKE 'Item %' "
                              "AND NOT deleted"), ==, N_EVENTS - 20);
  g_assert_cmpint (test_query_int (d->store, "SELECT count(DISTINCT title) FROM todos "
                              "WHERE title LIKE 'Item %'"), ==, N_EVENTS - 20);
  g_assert_cmpint (test_query_int (d->store,
                              "SELECT count(*) FROM todos t JOIN lists l ON l.id = t.list_id "
                              "WHERE t.title LIKE 'Item %' AND CAST (substr (l.title, 6) AS INTEGER) = "
                              "CAST (substr (t.title, 6) AS INTEGER) % 20 + 1"), ==, N_EVENTS - 20);
}

/* ---- tests --------------------------------------------------------------- */

static void
test_catch_up (Fixture       *f,
               gconstpointer  data)
{
  CairnTestDevice d = { 0 };
  g_autoptr(GError) error = NULL;
  Watch w = { 0 };
  gulong id;
  guint tick_id;

  cairn_test_device_open (&d, f->dir, "new", &f->via);
  id = g_signal_connect (d.store, "changed", G_CALLBACK (on_changed), &w);
  tick_id = g_idle_add_full (G_PRIORITY_DEFAULT, tick, &w, NULL);
  error = sync_round (&d, NULL);
  g_assert_no_error (error);
  g_source_remove (tick_id);
  g_signal_handler_disconnect (d.store, id);
  g_assert_cmpint (cairn_store_get_head (d.store), >=, f->top);
  /* Two transactions at least (eight pages), and the main loop (the UI)
   * ran between any two of them. */
  g_assert_cmpuint (w.rebases, >=, 2);
  g_assert_cmpuint (w.back_to_back, ==, 0);
  /* The pages after the first came through the pipeline's thread, and it
   * is gone once the round is over. */
  g_assert_cmpuint (w.threads_seen, >, 0);
  g_assert_true (cairn_test_loop_until (no_pipeline_thread, NULL, 10));
  assert_seeded_intact (&d);
  assert_same_as_reference (f, &d);
  cairn_test_device_close (&d);
}

/* A page that does not decode, after the first transaction: the round
 * fails as without the pipeline (same error, same head: the pages held
 * with it are not applied), and the next one completes. */
static void
test_damaged_page (Fixture       *f,
                   gconstpointer  data)
{
  gboolean pipeline = GPOINTER_TO_INT (data);
  CairnTestDevice d = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 head0, head;

  g_setenv ("CAIRN_SYNC_PIPELINE", pipeline ? "1" : "0", TRUE);
  cairn_test_device_open (&d, f->dir, pipeline ? "damaged-pipeline" : "damaged-plain", &f->via);
  head0 = cairn_store_get_head (d.store);
  g_assert_cmpint (head0, ==, 0);
  /* The sixth page (after 5,000): the first four made one transaction. */
  proxy_damage_from (&f->proxy, 5 * PAGE);
  error = sync_round (&d, NULL);
  g_assert_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "is not readable"));
  g_assert_cmpuint (proxy_get_damaged (&f->proxy), ==, 1);
  head = cairn_store_get_head (d.store);
  g_assert_cmpint (head, ==, 4 * PAGE);
  g_assert_true (cairn_test_loop_until (no_pipeline_thread, NULL, 10));
  g_clear_error (&error);

  error = sync_round (&d, NULL);
  g_assert_no_error (error);
  g_assert_cmpint (cairn_store_get_head (d.store), >=, f->top);
  g_unsetenv ("CAIRN_SYNC_PIPELINE");
  assert_same_as_reference (f, &d);
  cairn_test_device_close (&d);
}

/* Cancelled at the first transaction, while the pipeline fetches ahead:
 * the round ends cancelled, the pipeline's thread goes away, what was
 * applied stays, and the next round brings the rest. */
static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  CairnTestDevice d = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Watch w = { 0 };
  gulong id;

  cairn_test_device_open (&d, f->dir, "cancelled", &f->via);
  w.cancel_at = 1;
  w.cancellable = cancellable;
  id = g_signal_connect (d.store, "changed", G_CALLBACK (on_changed), &w);
  error = sync_round (&d, cancellable);
  g_signal_handler_disconnect (d.store, id);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (w.threads_seen, >, 0);
  g_assert_cmpint (cairn_store_get_head (d.store), ==, 4 * PAGE);
  g_assert_true (cairn_test_loop_until (no_pipeline_thread, NULL, 10));
  g_clear_error (&error);

  error = sync_round (&d, NULL);
  g_assert_no_error (error);
  g_assert_cmpint (cairn_store_get_head (d.store), >=, f->top);
  assert_same_as_reference (f, &d);
  cairn_test_device_close (&d);
}

/* ---- the core: events made ahead, in another thread ---------------------- */

static gpointer
prepare_thread (gpointer data)
{
  return cairn_sync_prepared_new (data);
}

/* cairn_sync_core_receive_prepared() with the events made on another
 * thread decides as cairn_sync_core_receive(): the same pages (one that
 * overlaps, one after a gap, one with an event whose args do not build)
 * give the same results, errors, heads and state on two stores. */
static void
test_prepared_same_as_receive (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cairn-prepared-XXXXXX", NULL);
  g_autofree char *path_a = g_build_filename (dir, "a.db", NULL);
  g_autofree char *path_b = g_build_filename (dir, "b.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) a = cairn_store_open (path_a, &error);
  g_autoptr(CairnStore) b = cairn_store_open (path_b, &error);
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  g_autofree char *client_id = cairn_new_client_id ();
  g_autofree char *list = cairn_new_object_id ();
  g_autofree char *dump_a = NULL, *dump_b = NULL;
  const char *history = "0123456789abcdef0123456789abcdef";
  /* first..last seq of each page */
  const gint64 pages[][2] = { { 1, 10 }, { 5, 15 }, { 17, 20 }, { 16, 30 }, { 16, 24 } };
  CairnSyncCore *core_a, *core_b;

  g_assert_no_error (error);
  core_a = cairn_sync_core_new (a);
  core_b = cairn_sync_core_new (b);
  for (gint64 seq = 1; seq <= 30; seq++)
    {
      g_autofree char *todo = cairn_new_object_id ();
      g_autofree char *args = NULL;
      CairnWireEvent *w;

      if (seq == 1)
        args = g_strdup_printf ("{\"list_id\":\"%s\",\"position\":\"P1\",\"title\":\"List\"}", list);
      else if (seq == 25)
        args = g_strdup ("[\"not an object\"]");
      else
        args = g_strdup_printf ("{\"list_id\":\"%s\",\"position\":\"P%" G_GINT64_FORMAT "1\","
                                "\"title\":\"Item %" G_GINT64_FORMAT "\",\"todo_id\":\"%s\"}",
                                list, seq, seq, todo);
      w = cairn_wire_event_new (seq == 1 ? "list.created" : "todo.created", 1, args, client_id,
                                seq, 1764000000000 + seq);
      w->seq = seq;
      g_ptr_array_add (log, w);
    }

  for (guint p = 0; p < G_N_ELEMENTS (pages); p++)
    {
      g_autoptr(GPtrArray) page_a = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
      g_autoptr(GPtrArray) page_b = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
      g_autoptr(CairnSyncPrepared) prepared = NULL;
      g_autoptr(GError) error_a = NULL;
      g_autoptr(GError) error_b = NULL;
      gboolean ok_a, ok_b;

      for (gint64 seq = pages[p][0]; seq <= pages[p][1]; seq++)
        {
          g_ptr_array_add (page_a, cairn_wire_event_copy (log->pdata[seq - 1]));
          g_ptr_array_add (page_b, cairn_wire_event_copy (log->pdata[seq - 1]));
        }
      prepared = g_thread_join (g_thread_new ("prepare", prepare_thread, page_b));
      g_assert_cmpuint (cairn_sync_prepared_get_length (prepared), ==, page_b->len);

      ok_a = cairn_sync_core_receive (core_a, page_a, 30, history, &error_a);
      ok_b = cairn_sync_core_receive_prepared (core_b, page_b, prepared, 30, history, &error_b);
      g_assert_cmpint (ok_a, ==, ok_b);
      if (error_a != NULL)
        {
          g_assert_nonnull (error_b);
          g_assert_cmpuint (error_a->domain, ==, error_b->domain);
          g_assert_cmpint (error_a->code, ==, error_b->code);
          g_assert_cmpstr (error_a->message, ==, error_b->message);
        }
      else
        g_assert_no_error (error_b);
      g_assert_cmpint (cairn_store_get_head (a), ==, cairn_store_get_head (b));
      g_assert_cmpint (cairn_sync_core_wants_pull (core_a), ==, cairn_sync_core_wants_pull (core_b));
      g_assert_cmpint (cairn_sync_core_pull_after (core_a), ==, cairn_sync_core_pull_after (core_b));
      /* What each page does, as the core decides it */
      switch (p)
        {
        case 0: g_assert_true (ok_a); g_assert_cmpint (cairn_store_get_head (a), ==, 10); break;
        case 1: g_assert_true (ok_a); g_assert_cmpint (cairn_store_get_head (a), ==, 15); break;
        case 2: g_assert_true (ok_a); g_assert_cmpint (cairn_store_get_head (a), ==, 15); break;
        case 3:
          g_assert_false (ok_a);
          g_assert_error (error_a, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL);
          g_assert_nonnull (strstr (error_a->message, "Server event 25 (todo.created)"));
          g_assert_cmpint (cairn_store_get_head (a), ==, 15);
          break;
        default: g_assert_true (ok_a); g_assert_cmpint (cairn_store_get_head (a), ==, 24); break;
        }
    }

  dump_a = cairn_store_dump_state (a, &error);
  g_assert_no_error (error);
  dump_b = cairn_store_dump_state (b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dump_a, ==, dump_b);
  g_assert_nonnull (strstr (dump_a, "Item 24"));
  cairn_sync_core_free (core_a);
  cairn_sync_core_free (core_b);
  g_clear_object (&a);
  g_clear_object (&b);
  cairn_test_rm_rf (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("CAIRN_TOKEN_STORE", "file", TRUE);
  g_test_add_func ("/sync-pipeline/prepared-same-as-receive", test_prepared_same_as_receive);
  g_test_add ("/sync-pipeline/catch-up", Fixture, NULL,
              fixture_set_up, test_catch_up, fixture_tear_down);
  g_test_add ("/sync-pipeline/damaged-page", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_damaged_page, fixture_tear_down);
  g_test_add ("/sync-pipeline/damaged-page-without-pipeline", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_damaged_page, fixture_tear_down);
  g_test_add ("/sync-pipeline/cancelled", Fixture, NULL,
              fixture_set_up, test_cancelled, fixture_tear_down);
  return g_test_run ();
}

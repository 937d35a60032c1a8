/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-pipeline.c: a catch-up's pages pulled on a thread of their own. */
#define G_LOG_DOMAIN "cairn-sync-pipeline"
#include "config.h"

#include <libsoup/soup.h>

#include "cairn-sync-engine-private.h"
#include "cairn-sync-pipeline.h"

/* The thread owns a SoupSession of its own (created and used only there,
 * with the synchronous API), so that nothing of the engine's session is
 * shared between threads. Pages go to the caller through a queue under
 * the mutex; what the caller is done with comes back the same way, to be
 * freed here. The structure lives until both sides let go (refs). */
struct _CairnSyncPipeline
{
  gatomicrefcount         refs;

  /* Set at start, then read-only */
  char                   *url;
  char                   *token;
  char                   *certificate;
  gint64                  after;
  guint                   limit;
  guint                   max_ahead;
  GCancellable           *cancellable;   /* ours: cancelled by stop */
  GCancellable           *outer;         /* the caller's, connected to ours */
  gulong                  outer_id;
  GMainContext           *context;

  /* The caller's thread only */
  CairnSyncPipelineReady  ready;
  gpointer                user_data;
  GDestroyNotify          destroy;
  GThread                *thread;       /* joined by free() */

  GMutex                  lock;
  GCond                   cond;
  /* Under lock */
  GQueue                  pages;        /* CairnSyncPage*, ready */
  GPtrArray              *garbage;      /* GDestroyNotify, gpointer pairs */
  gboolean                stopped;
  gboolean                idle_pending;
};

void
cairn_sync_page_free (CairnSyncPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->reply, cairn_pull_reply_free);
  g_clear_pointer (&page->prepared, cairn_sync_prepared_free);
  g_clear_error (&page->error);
  g_free (page);
}

static void
pipeline_unref (CairnSyncPipeline *self)
{
  if (!g_atomic_ref_count_dec (&self->refs))
    return;
  g_queue_clear_full (&self->pages, (GDestroyNotify) cairn_sync_page_free);
  for (guint i = 0; self->garbage != NULL && i < self->garbage->len; i += 2)
    ((GDestroyNotify) self->garbage->pdata[i]) (self->garbage->pdata[i + 1]);
  g_clear_pointer (&self->garbage, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->outer);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->url);
  g_free (self->token);
  g_free (self->certificate);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

/* Frees what the caller handed back; called with the lock held, frees
 * without it. */
static void
free_garbage_locked (CairnSyncPipeline *self)
{
  while (self->garbage->len > 0)
    {
      g_autoptr(GPtrArray) garbage = g_steal_pointer (&self->garbage);

      self->garbage = g_ptr_array_new ();
      g_mutex_unlock (&self->lock);
      for (guint i = 0; i < garbage->len; i += 2)
        ((GDestroyNotify) garbage->pdata[i]) (garbage->pdata[i + 1]);
      g_mutex_lock (&self->lock);
    }
}

/* ---- the caller's thread ------------------------------------------------- */

static gboolean ready_idle (gpointer user_data);

/* Has ready called in the caller's context (with the lock held). */
static void
schedule_ready_locked (CairnSyncPipeline *self)
{
  GSource *source = g_idle_source_new ();

  self->idle_pending = TRUE;
  g_atomic_ref_count_inc (&self->refs);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, ready_idle, self, (GDestroyNotify) pipeline_unref);
  g_source_set_static_name (source, "[cairn] catch-up page ready");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static gboolean
ready_idle (gpointer user_data)
{
  CairnSyncPipeline *self = user_data;

  g_mutex_lock (&self->lock);
  self->idle_pending = FALSE;
  g_mutex_unlock (&self->lock);
  /* stop() is called in this thread: once it has been, never again. */
  if (self->ready != NULL)
    self->ready (self, self->user_data);
  /* The caller may take one rebase's worth at a time, to let the main
   * loop run in between: come back for the rest. */
  g_mutex_lock (&self->lock);
  if (self->ready != NULL && !self->stopped && !self->idle_pending &&
      !g_queue_is_empty (&self->pages))
    schedule_ready_locked (self);
  g_mutex_unlock (&self->lock);
  return G_SOURCE_REMOVE;
}

CairnSyncPage *
cairn_sync_pipeline_pop (CairnSyncPipeline *self)
{
  CairnSyncPage *page;

  g_mutex_lock (&self->lock);
  page = g_queue_pop_head (&self->pages);
  if (page != NULL)
    g_cond_signal (&self->cond);   /* room for one more */
  g_mutex_unlock (&self->lock);
  return page;
}

static void
dispose (CairnSyncPipeline *self,
         GDestroyNotify     free_func,
         gpointer           data)
{
  if (data == NULL)
    return;
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->garbage, free_func);
  g_ptr_array_add (self->garbage, data);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
cairn_sync_pipeline_dispose_wire (CairnSyncPipeline *self,
                                  GPtrArray         *wire)
{
  dispose (self, (GDestroyNotify) g_ptr_array_unref, wire);
}

void
cairn_sync_pipeline_dispose_prepared (CairnSyncPipeline *self,
                                      CairnSyncPrepared *prepared)
{
  dispose (self, (GDestroyNotify) cairn_sync_prepared_free, prepared);
}

void
cairn_sync_pipeline_stop (CairnSyncPipeline *self)
{
  GDestroyNotify destroy;
  gpointer user_data;

  if (self == NULL || self->ready == NULL)
    return;
  self->ready = NULL;
  destroy = g_steal_pointer (&self->destroy);
  user_data = g_steal_pointer (&self->user_data);
  if (self->outer_id != 0)
    g_cancellable_disconnect (self->outer, self->outer_id);
  self->outer_id = 0;
  g_cancellable_cancel (self->cancellable);
  g_mutex_lock (&self->lock);
  self->stopped = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  if (destroy != NULL)
    destroy (user_data);
}

void
cairn_sync_pipeline_free (CairnSyncPipeline *self)
{
  if (self == NULL)
    return;
  cairn_sync_pipeline_stop (self);
  /* Stopped, the thread only frees what it still holds and ends (a fetch
   * in progress is cancelled): wait for it, so that nothing of a finished
   * round is still running, at exit least of all. */
  if (self->thread != NULL)
    g_thread_join (g_steal_pointer (&self->thread));
  pipeline_unref (self);
}

/* ---- the pipeline's thread ----------------------------------------------- */

static CairnSyncPage *
fetch_page (CairnSyncPipeline *self,
            SoupSession       *session,
            gint64             after)
{
  g_autofree char *url = g_strdup_printf ("%s?after=%" G_GINT64_FORMAT "&limit=%u",
                                          self->url, after, self->limit);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  CairnSyncPage *page = g_new0 (CairnSyncPage, 1);
  const char *what = "pulling changes";

  page->after = after;
  if (msg == NULL)
    {
      page->error = g_error_new (CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED,
                                 "“%s” is not a valid server address", self->url);
      return page;
    }
  cairn_tls_pin (G_OBJECT (msg), self->certificate);
  if (self->token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", self->token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg),
                                    "Authorization", auth);
    }
  bytes = soup_session_send_and_read (session, msg, self->cancellable, &error);
  if (bytes == NULL)
    {
      page->error = _cairn_sync_engine_send_error (g_steal_pointer (&error), msg, what, NULL);
      return page;
    }
  page->reply = _cairn_sync_engine_pull_answer (soup_message_get_status (msg), bytes, what,
                                                &page->error);
  if (page->reply != NULL)
    page->prepared = cairn_sync_prepared_new (page->reply->events);
  return page;
}

static gpointer
pipeline_thread (gpointer data)
{
  CairnSyncPipeline *self = data;
  g_autoptr(SoupSession) session = NULL;
  gint64 after = self->after;
  gboolean more = TRUE;

  session = _cairn_sync_engine_new_session ();
  while (more)
    {
      CairnSyncPage *page;

      g_mutex_lock (&self->lock);
      /* Between pages too: on a slow network the queue is never full. */
      free_garbage_locked (self);
      while (!self->stopped && g_queue_get_length (&self->pages) >= self->max_ahead)
        {
          g_cond_wait (&self->cond, &self->lock);
          free_garbage_locked (self);
        }
      more = !self->stopped;
      g_mutex_unlock (&self->lock);
      if (!more)
        break;

      page = fetch_page (self, session, after);
      more = page->reply != NULL && page->reply->more && page->reply->events->len > 0;
      if (more)
        after = ((CairnWireEvent *) g_ptr_array_index (page->reply->events,
                                                       page->reply->events->len - 1))->seq;

      g_mutex_lock (&self->lock);
      g_queue_push_tail (&self->pages, page);
      if (!self->idle_pending && !self->stopped)
        schedule_ready_locked (self);
      g_mutex_unlock (&self->lock);
    }

  /* The last page is out: free what comes back until the caller stops. */
  g_mutex_lock (&self->lock);
  for (;;)
    {
      free_garbage_locked (self);
      if (self->stopped)
        break;
      g_cond_wait (&self->cond, &self->lock);
    }
  g_mutex_unlock (&self->lock);
  g_clear_object (&session);
  pipeline_unref (self);
  return NULL;
}

static void
outer_cancelled (GCancellable *outer,
                 gpointer      user_data)
{
  CairnSyncPipeline *self = user_data;

  g_cancellable_cancel (self->cancellable);
}

CairnSyncPipeline *
cairn_sync_pipeline_start (const char             *url,
                           const char             *token,
                           const char             *certificate,
                           gint64                  after,
                           guint                   limit,
                           guint                   max_ahead,
                           GCancellable           *cancellable,
                           CairnSyncPipelineReady  ready,
                           gpointer                user_data,
                           GDestroyNotify          destroy)
{
  CairnSyncPipeline *self;

  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (limit > 0 && max_ahead > 0, NULL);
  g_return_val_if_fail (ready != NULL, NULL);

  self = g_new0 (CairnSyncPipeline, 1);
  g_atomic_ref_count_init (&self->refs);
  self->url = g_strdup (url);
  self->token = g_strdup (token);
  self->certificate = g_strdup (certificate);
  self->after = after;
  self->limit = limit;
  self->max_ahead = max_ahead;
  self->cancellable = g_cancellable_new ();
  self->context = g_main_context_ref_thread_default ();
  self->ready = ready;
  self->user_data = user_data;
  self->destroy = destroy;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->pages);
  self->garbage = g_ptr_array_new ();
  if (cancellable != NULL)
    {
      self->outer = g_object_ref (cancellable);
      /* Runs at once when it already is cancelled. */
      self->outer_id = g_cancellable_connect (cancellable, G_CALLBACK (outer_cancelled), self, NULL);
    }

  g_atomic_ref_count_inc (&self->refs);   /* the thread's */
  self->thread = g_thread_new ("cairn-catch-up", pipeline_thread, self);
  return self;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-sync-core.c: push/pull/rebase decisions of one client, no I/O. */
#define G_LOG_DOMAIN "cairn-sync-core"
#include "config.h"

#include <string.h>

#include "cairn-event-private.h"
#include "cairn-store-refused.h"
#include "cairn-store-sync.h"
#include "cairn-sync-core.h"
#include "cairn-sync-error.h"

struct _CairnSyncCore
{
  CairnStore *store;

  /* Highest client_seq of ours the server acknowledged and that may still
   * be pending here (the events come back through a pull). Not pushed
   * again, except after a reconnect or when a full pull did not bring them
   * (then the server lost them). */
  gint64      acked_upto;
  /* The push in flight: client_seqs first..last, 0 when none. */
  gint64      in_flight_first;
  gint64      in_flight_last;

  gint64      server_head;       /* highest head the server told us */
  guint       need_pull : 1;
  guint       verified : 1;      /* server history checked on this connection */
  guint       restore_count;

  /* After the server lost history: pulls that only compare, to find the
   * last seq where its log and ours still agree (see start_probe). */
  guint       probing : 1;
  gint64      probe_after;       /* the next probing pull starts after this */
  gint64      probe_top;         /* no agreement above min(our head, its head) */
  gint64      probe_back;        /* how far below probe_top it started */
  gint64      events_received;   /* server events given to receive(), for tests */

  /* The server refused a push of several events for good: push at most
   * this many at a time (halving) until the one it refuses is alone, then
   * set it aside (docs/sync.md, "Changes the server refuses"). 0: no limit. */
  guint       push_limit;
  char       *in_flight_args;    /* a push of one event: its args, to check it is the one set aside */
  GPtrArray  *refused;           /* CairnRefusedChange*, not yet taken */

  /* After probing found where the logs agree (reseed_after): the log
   * after it is pushed again, every device's events in their order
   * (repush_next .. reseed_top), then the server's log after it is pulled
   * into staged, not applied, and swapped in as a whole (finish_reseed).
   * Nothing in the store changes until then, so giving up (another
   * restore meanwhile) costs nothing. */
  guint       reseeding : 1;
  guint       repush_in_flight : 1;
  gint64      reseed_after;
  gint64      reseed_top;
  gint64      repush_next;       /* next log seq to push again */
  gint64      repush_sent_last;  /* last log seq of the push in flight */
  gint64      staged_head;       /* last seq in staged (reseed_after at first) */
  char       *staged_chain;      /* the server's chain at staged_head, NULL: not sent */
  char       *reseed_history;    /* the server's history_id when it began */
  GPtrArray  *staged;            /* CairnEvent */
};

static GPtrArray *next_repush (CairnSyncCore *self, guint max, GError **error);
static void      stop_reseeding (CairnSyncCore *self);
static gboolean  start_probe (CairnSyncCore *self, gint64 known_head, const char *history_id,
                              const char *why, GError **error);

/* The first probe looks this many events below the top; each probe that
 * finds no agreement at all looks four times further back. */
#define PROBE_FIRST_BACK 32

/* A push's JSON: each event's args plus at most this much (names, ids,
 * numbers), within the body and WebSocket message limits with room for
 * the envelope. */
#define PUSH_EVENT_OVERHEAD 512
#define PUSH_MAX_BYTES (MIN (CAIRN_PROTOCOL_MAX_BODY_BYTES, CAIRN_PROTOCOL_MAX_WS_MESSAGE_BYTES) - 4096)
G_STATIC_ASSERT (CAIRN_EVENT_MAX_ARGS_BYTES == CAIRN_PROTOCOL_MAX_ARGS_BYTES);
G_STATIC_ASSERT (CAIRN_EVENT_MAX_NAME_BYTES == CAIRN_PROTOCOL_MAX_EVENT_NAME_BYTES);
G_STATIC_ASSERT (CAIRN_EVENT_MAX_ARGS_BYTES + PUSH_EVENT_OVERHEAD <= PUSH_MAX_BYTES);

CairnWireEvent *
cairn_sync_wire_from_event (const CairnEvent *event)
{
  g_autofree char *args = cairn_event_dup_args_json (event);
  CairnWireEvent *wire;

  wire = cairn_wire_event_new (event->name, event->version, args,
                               event->client_id, event->client_seq,
                               event->created_at);
  wire->seq = event->seq;
  wire->device = g_strdup (event->device);
  return wire;
}

/* The event a wire event stands for, its args read by read_args
 * (cairn_event_new_from_args_json() or _cairn_event_new_wire()). */
static CairnEvent *
event_from_wire (const CairnWireEvent  *wire,
                 CairnEvent          *(*read_args) (const char *, guint, const char *, GError **),
                 GError               **error)
{
  g_autoptr(GError) local_error = NULL;
  CairnEvent *event;

  event = read_args (wire->name, (guint) wire->version, wire->args_json, &local_error);
  if (event == NULL)
    {
      g_set_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL,
                   "Server event %" G_GINT64_FORMAT " (%s): %s",
                   wire->seq, wire->name, local_error->message);
      return NULL;
    }
  event->client_id = g_strdup (wire->client_id);
  event->client_seq = wire->client_seq;
  event->created_at = wire->created_at;
  event->seq = wire->seq;
  event->device = g_strdup (wire->device);
  event->user = g_strdup (wire->user);
  return event;
}

CairnEvent *
cairn_sync_event_from_wire (const CairnWireEvent  *wire,
                            GError               **error)
{
  /* The args as the server sent them, read without json-glib when they
   * are flat (about 15 times faster: most of a catch-up's decoding). */
  return event_from_wire (wire, cairn_event_new_from_args_json, error);
}

/* As cairn_sync_event_from_wire(), for a batch handed to
 * cairn_store_rebase() and dropped after it: flat args are not made into
 * a JsonObject (issue 17, third round; _cairn_event_new_wire()). */
static CairnEvent *
batch_event_from_wire (const CairnWireEvent  *wire,
                       GError               **error)
{
  return event_from_wire (wire, _cairn_event_new_wire, error);
}

/* ---- store events made ahead (any thread) ------------------------------ */

typedef struct
{
  CairnEvent *event;
  GError     *error;
} PreparedSlot;

struct _CairnSyncPrepared
{
  GArray *slots;   /* PreparedSlot */
};

static void
prepared_slot_clear (PreparedSlot *slot)
{
  g_clear_pointer (&slot->event, cairn_event_unref);
  g_clear_error (&slot->error);
}

CairnSyncPrepared *
cairn_sync_prepared_new (const GPtrArray *events)
{
  CairnSyncPrepared *self = g_new0 (CairnSyncPrepared, 1);
  guint n = events != NULL ? events->len : 0;

  self->slots = g_array_sized_new (FALSE, TRUE, sizeof (PreparedSlot), n);
  g_array_set_clear_func (self->slots, (GDestroyNotify) prepared_slot_clear);
  for (guint i = 0; i < n; i++)
    {
      PreparedSlot slot = { NULL, NULL };

      slot.event = batch_event_from_wire (g_ptr_array_index (events, i), &slot.error);
      g_array_append_val (self->slots, slot);
    }
  return self;
}

void
cairn_sync_prepared_extend (CairnSyncPrepared *self,
                            CairnSyncPrepared *other)
{
  g_array_append_vals (self->slots, other->slots->data, other->slots->len);
  /* The slots moved: other must not clear them. */
  g_array_set_clear_func (other->slots, NULL);
  g_array_set_size (other->slots, 0);
  g_array_set_clear_func (other->slots, (GDestroyNotify) prepared_slot_clear);
}

void
cairn_sync_prepared_add_unmade (CairnSyncPrepared *self,
                                guint              n)
{
  g_array_set_size (self->slots, self->slots->len + n);   /* zeroed */
}

guint
cairn_sync_prepared_get_length (const CairnSyncPrepared *self)
{
  return self->slots->len;
}

void
cairn_sync_prepared_free (CairnSyncPrepared *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->slots);
  g_free (self);
}

CairnSyncCore *
cairn_sync_core_new (CairnStore *store)
{
  CairnSyncCore *self;

  g_return_val_if_fail (CAIRN_IS_STORE (store), NULL);

  self = g_new0 (CairnSyncCore, 1);
  self->store = g_object_ref (store);
  self->server_head = cairn_store_get_head (store);
  return self;
}

void
cairn_sync_core_free (CairnSyncCore *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->store);
  g_clear_pointer (&self->refused, g_ptr_array_unref);
  g_free (self->in_flight_args);
  g_clear_pointer (&self->staged, g_ptr_array_unref);
  g_free (self->reseed_history);
  g_free (self->staged_chain);
  g_free (self);
}

CairnStore *
cairn_sync_core_get_store (CairnSyncCore *self)
{
  return self->store;
}

void
cairn_sync_core_reset_connection (CairnSyncCore *self)
{
  self->in_flight_first = 0;
  self->in_flight_last = 0;
  /* Reseeding starts over on the next connection, from the check of our
   * head: nothing local changed, and what was pushed again stays pushed
   * (if the server's log is now ours, the check passes and that is all). */
  stop_reseeding (self);
  /* The server may have lost what it acknowledged (restore): pushing again
   * is harmless, the server answers re-sent events with their seq. */
  self->acked_upto = 0;
  self->verified = FALSE;
  self->need_pull = TRUE;
}

gboolean
cairn_sync_core_push_in_flight (CairnSyncCore *self)
{
  return self->in_flight_first != 0 || self->repush_in_flight;
}

/* First pending client_seq, 0 when nothing is pending, -1 on error. */
static gint64
first_pending_seq (CairnSyncCore  *self,
                   GError        **error)
{
  gint64 first = 0, last = 0;

  if (cairn_store_get_pending_count (self->store) == 0)
    return 0;
  if (!cairn_store_get_pending_range (self->store, &first, &last, error))
    return -1;
  return first;
}

GPtrArray *
cairn_sync_core_next_push (CairnSyncCore  *self,
                           guint           max,
                           GError        **error)
{
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  gsize bytes = 0;
  guint i;

  g_return_val_if_fail (max > 0, NULL);

  if (cairn_sync_core_push_in_flight (self) || !cairn_sync_core_wants_push (self))
    return NULL;
  if (self->reseeding && self->repush_next <= self->reseed_top)
    return next_repush (self, max, error);

  /* The acknowledged ones come first in the outbox: skip them. */
  if (self->push_limit > 0)
    max = MIN (max, self->push_limit);
  pending = cairn_store_list_pending_after (self->store, self->acked_upto, max, error);
  if (pending == NULL || pending->len == 0)
    return NULL;
  /* Never let the server hold a change a power cut can still take from
   * this device (the store syncs its file lazily). */
  if (!cairn_store_sync_to_disk (self->store, error))
    return NULL;

  batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  for (i = 0; i < pending->len; i++)
    {
      CairnWireEvent *wire = cairn_sync_wire_from_event (g_ptr_array_index (pending, i));

      /* A request (or WebSocket message) must stay within 1 MiB: a large
       * paste is many events of up to 64 KiB of args each. */
      bytes += strlen (wire->args_json) + PUSH_EVENT_OVERHEAD;
      if (batch->len > 0 && bytes > PUSH_MAX_BYTES)
        {
          cairn_wire_event_free (wire);
          break;
        }
      g_ptr_array_add (batch, wire);
    }

  g_free (self->in_flight_args);
  self->in_flight_args = batch->len == 1 ? g_strdup (((CairnWireEvent *) batch->pdata[0])->args_json) : NULL;
  self->in_flight_first = ((CairnWireEvent *) g_ptr_array_index (batch, 0))->client_seq;
  self->in_flight_last = ((CairnWireEvent *) g_ptr_array_index (batch, batch->len - 1))->client_seq;
  return g_steal_pointer (&batch);
}

/* The next part of the log after reseed_after, every device's events in
 * their order, to push again. */
static GPtrArray *
next_repush (CairnSyncCore  *self,
             guint           max,
             GError        **error)
{
  g_autoptr(GPtrArray) tail = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  gsize bytes = 0;

  tail = cairn_store_list_log (self->store, self->repush_next - 1,
                               (guint) MIN ((gint64) max, self->reseed_top - self->repush_next + 1),
                               error);
  if (tail == NULL)
    return NULL;
  if (tail->len == 0)
    {
      /* Our log lost its tail meanwhile (another process rebuilt it):
       * nothing more to push again. */
      self->repush_next = self->reseed_top + 1;
      return NULL;
    }
  batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_wire_event_free);
  for (guint i = 0; i < tail->len; i++)
    {
      CairnWireEvent *wire = cairn_sync_wire_from_event (g_ptr_array_index (tail, i));

      /* Within the request limit, as in next_push (a pasted note's
       * events are up to 64 KiB each). */
      bytes += strlen (wire->args_json) + PUSH_EVENT_OVERHEAD;
      if (batch->len > 0 && bytes > PUSH_MAX_BYTES)
        {
          cairn_wire_event_free (wire);
          break;
        }
      /* Pushed as any event: the server gives seq and device. */
      wire->seq = 0;
      g_clear_pointer (&wire->device, g_free);
      g_ptr_array_add (batch, wire);
    }
  self->repush_in_flight = TRUE;
  self->repush_sent_last = ((CairnEvent *) g_ptr_array_index (tail, batch->len - 1))->seq;
  return g_steal_pointer (&batch);
}

static void
stop_reseeding (CairnSyncCore *self)
{
  self->reseeding = FALSE;
  self->repush_in_flight = FALSE;
  g_clear_pointer (&self->staged, g_ptr_array_unref);
  g_clear_pointer (&self->reseed_history, g_free);
  g_clear_pointer (&self->staged_chain, g_free);
}

/* Does our log agree with the server's at wire->seq? With a chain on the
 * wire (and ours known), *agrees says whether the logs are the same, event
 * for event, up to that seq; else (an older server) only the event there
 * is compared (client_id, client_seq). mine is our event at that seq,
 * NULL when we have none. */
static gboolean
log_agrees_at (CairnSyncCore         *self,
               const CairnWireEvent  *wire,
               const CairnEvent      *mine,
               gboolean              *agrees,
               GError               **error)
{
  g_autofree char *chain = NULL;

  *agrees = mine != NULL
            && mine->seq == wire->seq
            && mine->client_seq == wire->client_seq
            && g_strcmp0 (mine->client_id, wire->client_id) == 0;
  if (!*agrees || wire->chain == NULL)
    return TRUE;
  if (!cairn_store_get_log_chain (self->store, wire->seq, &chain, error))
    return FALSE;
  if (chain != NULL)
    *agrees = strcmp (chain, wire->chain) == 0;
  return TRUE;
}

/* After our log took in the server's events up to seq, with the server's
 * chain there (NULL: not sent): does ours still agree? A differing chain
 * means our log below differs from the server's although every event
 * applied matched (a restore and other devices' pushes can put the same
 * events at our head in another order below it). */
static gboolean
chain_still_agrees (CairnSyncCore  *self,
                    gint64          seq,
                    const char     *server_chain,
                    gboolean       *agrees,
                    GError        **error)
{
  g_autofree char *chain = NULL;

  *agrees = TRUE;
  if (server_chain == NULL || seq <= 0)
    return TRUE;
  if (!cairn_store_get_log_chain (self->store, seq, &chain, error))
    return FALSE;
  *agrees = chain == NULL || strcmp (chain, server_chain) == 0;
  return TRUE;
}

/* The server lost history we had, after keep_upto (the server has the log
 * up to there too). Nothing local is forgotten: the log after keep_upto
 * is pushed again, other devices' events as well as ours and in their
 * order, so that the server's new log keeps every cause before its
 * effects (docs/sync.md); then the outbox goes out and the server's log
 * after keep_upto replaces ours in one transaction (finish_reseed). */
static gboolean
restore_at (CairnSyncCore  *self,
            gint64          keep_upto,
            const char     *history_id,
            GError        **error)
{
  gint64 head = cairn_store_get_head (self->store);

  g_message ("Pushing again every change this device knows after seq %"
             G_GINT64_FORMAT " and reloading from the server after it", keep_upto);

  stop_reseeding (self);
  self->restore_count++;
  self->probing = FALSE;
  self->acked_upto = 0;
  self->in_flight_first = self->in_flight_last = 0;
  /* What it told of its head may be from before the loss: the next
   * answer says. */
  self->server_head = keep_upto;
  /* The event at keep_upto is the server's (or keep_upto is 0): the log
   * is checked. */
  self->verified = TRUE;

  if (keep_upto == head && g_strcmp0 (history_id, cairn_store_get_history_id (self->store)) == 0)
    {
      /* Our whole log is still the server's: only the outbox, which
       * goes out again anyway. */
      self->need_pull = TRUE;
      return TRUE;
    }

  self->reseeding = TRUE;
  self->reseed_after = keep_upto;
  self->reseed_top = head;
  self->repush_next = keep_upto + 1;
  self->staged_head = keep_upto;
  self->reseed_history = g_strdup (history_id);
  self->staged = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  self->need_pull = FALSE;
  (void) error;
  return TRUE;
}

/* Everything we knew is on the server again and staged holds its log up
 * to its head: take it. */
static gboolean
finish_reseed (CairnSyncCore  *self,
               GError        **error)
{
  g_autofree char *server_chain = g_steal_pointer (&self->staged_chain);
  gint64 top = self->staged_head;
  gboolean agrees = TRUE;

  if (!cairn_store_replace_server_history_after (self->store, self->reseed_after, self->staged,
                                                 self->reseed_history, error))
    return FALSE;
  g_message ("Reloaded %u events from the server after seq %" G_GINT64_FORMAT,
             self->staged->len, self->reseed_after);
  stop_reseeding (self);
  /* The log kept up to reseed_after plus the server's after it must now
   * be the server's log: if the chains say otherwise, the agreement point
   * was wrong (found without chains, or the server changed meanwhile). */
  if (!chain_still_agrees (self, top, server_chain, &agrees, error))
    return FALSE;
  if (!agrees)
    return start_probe (self, -1, NULL, "its log's digest differs from ours after reloading", error);
  self->acked_upto = 0;
  self->need_pull = cairn_store_get_head (self->store) < self->server_head;
  return TRUE;
}

/* A server answer while reseeding: events after staged_head are kept
 * aside until staged reaches the server's head. */
static gboolean
receive_reseed (CairnSyncCore  *self,
                GPtrArray      *events,
                gint64          server_head,
                const char     *history_id,
                GError        **error)
{
  if (history_id != NULL && self->reseed_history != NULL &&
      g_strcmp0 (history_id, self->reseed_history) != 0)
    return restore_at (self, 0, history_id, error);
  if (server_head >= 0 && server_head < self->staged_head)
    {
      /* Restored once more meanwhile: nothing local has changed yet, so
       * just look for the agreement again. */
      stop_reseeding (self);
      return start_probe (self, server_head, history_id, "it was restored again", error);
    }
  if (server_head > self->server_head)
    self->server_head = server_head;
  /* Until our part is pushed, the server's log is not complete yet. */
  if (self->repush_next <= self->reseed_top)
    return TRUE;

  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      const CairnWireEvent *w = g_ptr_array_index (events, i);
      CairnEvent *ev;

      if (w->seq <= self->staged_head)
        continue;
      if (w->seq > self->staged_head + 1)
        break;
      ev = cairn_sync_event_from_wire (w, error);
      if (ev == NULL)
        return FALSE;
      g_ptr_array_add (self->staged, ev);
      self->staged_head = w->seq;
      g_free (self->staged_chain);
      self->staged_chain = g_strdup (w->chain);
    }
  if (self->staged_head >= self->server_head)
    return finish_reseed (self, error);
  self->need_pull = TRUE;
  return TRUE;
}

/* The server lost history we had. Before forgetting anything, find the last
 * seq where its log and ours agree: pulls after probe_after are compared
 * with our log (receive_probe), not applied. Only the events after that
 * point are given back or archived, and only they are pulled again.
 * known_head: the server's head, or -1 when not known. A different
 * history_id means a different log: nothing agrees. */
static gboolean
start_probe (CairnSyncCore  *self,
             gint64          known_head,
             const char     *history_id,
             const char     *why,
             GError        **error)
{
  gint64 head = cairn_store_get_head (self->store);
  const char *ours = cairn_store_get_history_id (self->store);

  g_message ("The server lost history this device had (%s)", why);
  stop_reseeding (self);
  if (history_id != NULL && ours != NULL && *ours != '\0' && g_strcmp0 (history_id, ours) != 0)
    return restore_at (self, 0, history_id, error);

  self->probe_top = known_head >= 0 ? MIN (head, known_head) : head;
  if (self->probe_top <= 0)
    return restore_at (self, 0, history_id, error);
  self->probing = TRUE;
  self->probe_back = PROBE_FIRST_BACK;
  self->probe_after = MAX (0, self->probe_top - self->probe_back);
  self->acked_upto = 0;
  self->in_flight_first = self->in_flight_last = 0;
  self->need_pull = TRUE;
  return TRUE;
}

/* One probing pull: events after probe_after, compared with our log. */
static gboolean
receive_probe (CairnSyncCore  *self,
               GPtrArray      *events,
               gint64          server_head,
               const char     *history_id,
               GError        **error)
{
  const char *ours = cairn_store_get_history_id (self->store);
  g_autoptr(GPtrArray) mine = NULL;
  gint64 agreed = self->probe_after;
  gboolean differs = FALSE;
  guint n = 0;

  if (history_id != NULL && ours != NULL && *ours != '\0' && g_strcmp0 (history_id, ours) != 0)
    return restore_at (self, 0, history_id, error);
  if (server_head >= 0 && server_head < self->probe_top)
    self->probe_top = server_head;
  /* Everything up to probe_after agrees: checked by earlier probes, or
   * (only without chains) assumed when the first of a page agrees. */
  if (self->probe_after == self->probe_top)
    return restore_at (self, self->probe_top, history_id, error);
  if (self->probe_after > self->probe_top)
    {
      /* Its log shrank below the probe (restored again): look lower. */
      self->probe_after = MAX (0, self->probe_top - self->probe_back);
      self->need_pull = TRUE;
      return TRUE;
    }

  /* Only a page that starts right after probe_after answers the probe
   * (not a live batch, not a page for an older pull). */
  if (events == NULL || events->len == 0 ||
      ((CairnWireEvent *) g_ptr_array_index (events, 0))->seq != self->probe_after + 1)
    {
      self->need_pull = TRUE;
      return TRUE;
    }

  mine = cairn_store_list_log (self->store, self->probe_after, events->len, error);
  if (mine == NULL)
    return FALSE;
  for (guint i = 0; i < events->len && i < mine->len; i++)
    {
      const CairnWireEvent *w = g_ptr_array_index (events, i);
      const CairnEvent *ev = g_ptr_array_index (mine, i);
      gboolean agrees;

      if (w->seq > self->probe_top)
        break;
      /* With chains, agreement at a seq proves everything below it and a
       * difference rules out everything above it, so the first differing
       * chain in the page ends the search exactly; a first event that
       * agrees proves the logs agree below the page too. Without them
       * (an older server), events below the first agreeing one are
       * assumed to agree. */
      if (!log_agrees_at (self, w, ev, &agrees, error))
        return FALSE;
      if (!agrees)
        {
          differs = TRUE;
          break;
        }
      agreed = w->seq;
      n++;
    }

  if (n == 0 && self->probe_after > 0)
    {
      /* Not even the first one agrees: the server lost more. Look further
       * back. */
      self->probe_back *= 4;
      self->probe_after = MAX (0, self->probe_top - self->probe_back);
      self->need_pull = TRUE;
      return TRUE;
    }
  if (differs || agreed >= self->probe_top)
    return restore_at (self, agreed, history_id, error);
  /* All agree, and the page ended below the top: go on from there. */
  self->probe_after = agreed;
  self->need_pull = TRUE;
  return TRUE;
}

gboolean
cairn_sync_core_push_done (CairnSyncCore         *self,
                           const CairnPushReply  *reply,
                           GError               **error)
{
  const char *client_id = cairn_store_get_client_id (self->store);
  guint i;

  self->in_flight_first = self->in_flight_last = 0;

  /* A push answered while probing went out before: probing decides. */
  if (self->probing)
    return TRUE;
  if (self->reseeding && self->repush_in_flight)
    {
      self->repush_in_flight = FALSE;
      self->repush_next = self->repush_sent_last + 1;
      if (reply->head > self->server_head)
        self->server_head = reply->head;
      /* Our part is all on the server: pull its log into staged. */
      if (self->repush_next > self->reseed_top)
        self->need_pull = TRUE;
      return TRUE;
    }
  /* While reseeding our head is the old log's, above the server's. */
  if (!self->reseeding && reply->head < cairn_store_get_head (self->store))
    return start_probe (self, reply->head, reply->history_id, "its head went backwards", error);

  for (i = 0; i < reply->results->len; i++)
    {
      CairnPushResult *r = g_ptr_array_index (reply->results, i);

      if (g_strcmp0 (r->client_id, client_id) == 0 && r->client_seq > self->acked_upto)
        self->acked_upto = r->client_seq;
    }

  if (reply->head > self->server_head)
    self->server_head = reply->head;
  if (self->server_head > cairn_store_get_head (self->store))
    self->need_pull = TRUE;
  return TRUE;
}

gboolean
cairn_sync_core_is_refusal (const GError *error)
{
  if (error == NULL || error->domain != CAIRN_PROTOCOL_ERROR)
    return FALSE;
  switch (error->code)
    {
    case CAIRN_PROTOCOL_ERROR_MALFORMED_JSON:
    case CAIRN_PROTOCOL_ERROR_INVALID_UTF8:
    case CAIRN_PROTOCOL_ERROR_INVALID_REQUEST:
    case CAIRN_PROTOCOL_ERROR_BODY_TOO_LARGE:
    case CAIRN_PROTOCOL_ERROR_TOO_MANY_EVENTS:
    case CAIRN_PROTOCOL_ERROR_ARGS_TOO_LARGE:
      return TRUE;
    default:
      return FALSE;
    }
}

GPtrArray *
cairn_sync_core_take_refused (CairnSyncCore *self)
{
  return g_steal_pointer (&self->refused);
}

/* The server refused the push of first..last for good. Several events:
 * push half as many, until the refused one goes alone. One event: set it
 * aside (with what depends on it), so the rest of the outbox can go. */
static gboolean
refused_for_good (CairnSyncCore  *self,
                  gint64          first,
                  gint64          last,
                  const GError   *push_error,
                  GError        **error)
{
  g_autoptr(GPtrArray) set_aside = NULL;

  if (last > first)
    {
      self->push_limit = (guint) MAX (1, (last - first + 1) / 2);
      return TRUE;
    }
  /* The server acknowledged it (then it has it): never set that aside. */
  if (first <= self->acked_upto)
    return TRUE;
  /* A large note edit from a build that did not split them: split it
   * now and push the parts, rather than set the text aside. */
  if (g_error_matches (push_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_ARGS_TOO_LARGE))
    {
      gint parts = cairn_store_split_pending_edit (self->store, first, self->in_flight_args, error);

      if (parts < 0)
        return FALSE;
      if (parts > 1)
        {
          self->push_limit = 0;
          return TRUE;
        }
    }
  /* Another process on the file may have set it aside and renumbered the
   * outbox meanwhile: the store checks the event is still this one. */
  set_aside = cairn_store_set_aside_refused (self->store, first, self->in_flight_args,
                                             cairn_protocol_error_code (push_error->code),
                                             push_error->message, error);
  if (set_aside == NULL)
    return FALSE;
  self->push_limit = 0;
  if (self->refused == NULL)
    self->refused = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_refused_change_free);
  g_ptr_array_extend_and_steal (self->refused, g_steal_pointer (&set_aside));
  return TRUE;
}

gboolean
cairn_sync_core_push_failed (CairnSyncCore  *self,
                             const GError   *push_error,
                             gint64          expected,
                             GError        **error)
{
  gint64 sent_first = self->in_flight_first, sent_last = self->in_flight_last;

  self->in_flight_first = self->in_flight_last = 0;

  if (self->probing)
    return TRUE;
  if (self->reseeding && self->repush_in_flight)
    {
      self->repush_in_flight = FALSE;
      /* A gap in pushing our log again means the server's log up to
       * reseed_after is not the one we compared after all: look again. */
      if (g_error_matches (push_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP))
        return start_probe (self, -1, NULL, "it wants earlier changes than those pushed again", error);
      /* The server stored these once: nothing to set aside, and pushing
       * them again as they are would only be refused again. */
      if (cairn_sync_core_is_refusal (push_error))
        {
          g_set_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_PROTOCOL,
                       "The server refused the changes pushed again after it lost "
                       "history: %s", push_error->message);
          return FALSE;
        }
      return TRUE;
    }
  /* Only the outbox's own pushes: what is pushed again after a restore
   * was stored by the server once already. */
  if (sent_first > 0 && cairn_sync_core_is_refusal (push_error))
    return refused_for_good (self, sent_first, sent_last, push_error, error);
  if (g_error_matches (push_error, CAIRN_PROTOCOL_ERROR, CAIRN_PROTOCOL_ERROR_CLIENT_SEQ_GAP)
      && expected > 0)
    {
      gint64 first = first_pending_seq (self, error);

      if (first < 0)
        return FALSE;
      if (first > 0 && expected < first)
        return start_probe (self, -1, NULL, "it asks again for changes it had confirmed", error);
      /* It has more of ours than we knew (an answer got lost): skip those,
       * they come back through the pull. */
      if (expected - 1 > self->acked_upto)
        self->acked_upto = expected - 1;
      self->need_pull = TRUE;
    }
  return TRUE;
}

/* Is the server's log at our head the one we have there (its chain, or
 * without one the event)? */
static gboolean
check_anchor (CairnSyncCore         *self,
              const CairnWireEvent  *wire,
              gboolean              *matches,
              GError               **error)
{
  g_autoptr(GPtrArray) mine = NULL;

  mine = cairn_store_list_log (self->store, wire->seq - 1, 1, error);
  if (mine == NULL)
    return FALSE;
  /* With the server's chain, agreement there proves the whole log up to
   * our head the same; without it, only the event at our head. */
  return log_agrees_at (self, wire, mine->len > 0 ? g_ptr_array_index (mine, 0) : NULL,
                        matches, error);
}

/* Until a connection has seen the server's event at our head and found
 * it to be the one we hold, nothing is applied (a restored server may
 * have another history). Returns TRUE when events may be applied; else
 * *result is what cairn_sync_core_receive() returns. */
static gboolean
check_connection (CairnSyncCore  *self,
                  GPtrArray      *events,
                  gint64          server_head,
                  const char     *history_id,
                  gboolean       *result,
                  GError        **error)
{
  gint64 head = cairn_store_get_head (self->store);
  const CairnWireEvent *anchor = NULL;
  gboolean matches = FALSE;

  if (self->verified)
    return TRUE;
  if (head == 0)
    {
      self->verified = TRUE;
      return TRUE;
    }
  for (guint i = 0; events != NULL && i < events->len && anchor == NULL; i++)
    {
      const CairnWireEvent *w = g_ptr_array_index (events, i);

      if (w->seq == head)
        anchor = w;
    }
  if (anchor == NULL)
    {
      /* Cannot check with this message (a hello, or a live batch starting
       * later): ask for the page that starts at head. */
      self->need_pull = TRUE;
      *result = TRUE;
      return FALSE;
    }
  if (!check_anchor (self, anchor, &matches, error))
    {
      *result = FALSE;
      return FALSE;
    }
  if (!matches)
    {
      *result = start_probe (self, server_head, history_id,
                             "its log up to our head is a different one", error);
      return FALSE;
    }
  self->verified = TRUE;
  return TRUE;
}

/* Fills batch with the events that follow our head without a gap (a gap
 * asks for a pull). Returns TRUE to go on; else *result is what
 * cairn_sync_core_receive() returns (a change of ours the server sent
 * again after confirming it starts a probe). */
static gboolean
collect_batch (CairnSyncCore      *self,
               GPtrArray          *events,
               CairnSyncPrepared  *prepared,
               gint64              server_head,
               const char         *history_id,
               GPtrArray          *batch,
               gboolean           *result,
               GError            **error)
{
  const char *client_id = cairn_store_get_client_id (self->store);
  gint64 expect = cairn_store_get_head (self->store) + 1;
  gint64 last_own_confirmed = -1;   /* read when first needed */
  gint64 first_pending = first_pending_seq (self, error);

  *result = FALSE;
  if (first_pending < 0)
    return FALSE;
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      const CairnWireEvent *w = g_ptr_array_index (events, i);
      CairnEvent *ev = NULL;

      if (w->seq < expect)
        continue;           /* already applied (re-delivery, overlap) */
      if (w->seq > expect)
        {
          self->need_pull = TRUE;   /* a gap: fill it by pulling */
          break;
        }
      /* One of ours that we already hold as confirmed, at a new seq: the
       * server lost it and got it again. Our log is out of date. One of
       * ours that we hold neither in the log nor in the outbox is a
       * change this device lost after pushing it (a power cut: the store
       * syncs its file lazily, docs/store.md): it is simply applied. */
      if (g_strcmp0 (w->client_id, client_id) == 0
          && (first_pending == 0 || w->client_seq < first_pending))
        {
          if (last_own_confirmed < 0 &&
              !cairn_store_get_last_own_confirmed (self->store, &last_own_confirmed, error))
            return FALSE;
          if (w->client_seq <= last_own_confirmed)
            {
              *result = start_probe (self, server_head, history_id,
                                     "it sent again a change of ours it had confirmed", error);
              return FALSE;
            }
        }

      /* Made ahead: taken, or its error reported as it would be; a slot
       * left unmade (and no prepared at all): made now. */
      if (prepared != NULL)
        {
          PreparedSlot *slot = &g_array_index (prepared->slots, PreparedSlot, i);

          if (slot->error != NULL)
            {
              g_propagate_error (error, g_error_copy (slot->error));
              return FALSE;
            }
          ev = g_steal_pointer (&slot->event);
        }
      if (ev == NULL && (ev = batch_event_from_wire (w, error)) == NULL)
        return FALSE;
      g_ptr_array_add (batch, ev);
      expect++;
    }
  return TRUE;
}

gboolean
cairn_sync_core_receive (CairnSyncCore  *self,
                         GPtrArray      *events,
                         gint64          server_head,
                         const char     *history_id,
                         GError        **error)
{
  return cairn_sync_core_receive_prepared (self, events, NULL, server_head, history_id, error);
}

gboolean
cairn_sync_core_receive_prepared (CairnSyncCore      *self,
                                  GPtrArray          *events,
                                  CairnSyncPrepared  *prepared,
                                  gint64              server_head,
                                  const char         *history_id,
                                  GError            **error)
{
  const char *our_history = cairn_store_get_history_id (self->store);
  g_autoptr(GPtrArray) batch = NULL;
  gboolean result = FALSE;
  gint64 first_pending;

  g_return_val_if_fail (prepared == NULL ||
                        prepared->slots->len == (events != NULL ? events->len : 0), FALSE);

  self->events_received += events != NULL ? events->len : 0;
  if (self->probing)
    return receive_probe (self, events, server_head, history_id, error);
  if (self->reseeding)
    return receive_reseed (self, events, server_head, history_id, error);
  if (history_id != NULL && our_history != NULL && *our_history != '\0'
      && g_strcmp0 (history_id, our_history) != 0)
    return restore_at (self, 0, history_id, error);
  if (server_head < cairn_store_get_head (self->store))
    return start_probe (self, server_head, history_id, "its head went backwards", error);

  if (server_head > self->server_head || !self->verified)
    self->server_head = server_head;
  if (!check_connection (self, events, server_head, history_id, &result, error))
    return result;

  batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  if (!collect_batch (self, events, prepared, server_head, history_id, batch, &result, error))
    return result;

  if (batch->len > 0)
    {
      const CairnWireEvent *last_wire = NULL;
      gint64 top = ((CairnEvent *) batch->pdata[batch->len - 1])->seq;
      gboolean agrees = TRUE;

      if (!cairn_store_rebase (self->store, batch, history_id, error))
        return FALSE;
      for (guint i = 0; i < events->len && last_wire == NULL; i++)
        if (((CairnWireEvent *) events->pdata[i])->seq == top)
          last_wire = events->pdata[i];
      /* The batch continued our head event by event; the chain also
       * checks every event below it: one comparison per batch. */
      if (!chain_still_agrees (self, top, last_wire != NULL ? last_wire->chain : NULL,
                               &agrees, error))
        return FALSE;
      if (!agrees)
        return start_probe (self, server_head, history_id,
                            "its log's digest differs from ours", error);
    }
  else if (history_id != NULL && (our_history == NULL || *our_history == '\0'))
    {
      /* First contact with an empty log: remember whose history this is. */
      g_autoptr(GPtrArray) none = g_ptr_array_new ();
      if (!cairn_store_rebase (self->store, none, history_id, error))
        return FALSE;
    }

  self->need_pull = cairn_store_get_head (self->store) < self->server_head;

  /* Fully caught up, yet events the server acknowledged are still pending:
   * the server lost them; push them again. */
  if (!self->need_pull && self->acked_upto > 0 && self->in_flight_first == 0)
    {
      first_pending = first_pending_seq (self, error);
      if (first_pending < 0)
        return FALSE;
      if (first_pending > 0 && first_pending <= self->acked_upto)
        self->acked_upto = 0;
    }
  return TRUE;
}

gint64
cairn_sync_core_pull_after (CairnSyncCore *self)
{
  gint64 head = cairn_store_get_head (self->store);

  if (self->probing)
    return self->probe_after;
  if (self->reseeding)
    return self->staged_head;
  if (!self->verified && head > 0)
    return head - 1;
  return head;
}

gboolean
cairn_sync_core_wants_pull (CairnSyncCore *self)
{
  if (self->reseeding)
    return self->repush_next > self->reseed_top
           && (self->need_pull || self->staged_head < self->server_head);
  return self->probing || self->need_pull || !self->verified
         || self->server_head > cairn_store_get_head (self->store);
}

gboolean
cairn_sync_core_wants_push (CairnSyncCore *self)
{
  gint64 first = 0, last = 0;

  /* What to push again is known once probing is over. */
  if (self->probing)
    return FALSE;
  /* Nothing goes out before this connection has checked that the
   * server's log is the one ours continues: after a restore, a change
   * pushed on top of events the server lost would land before its
   * causes. */
  if (!self->verified && cairn_store_get_head (self->store) > 0)
    return FALSE;
  if (self->reseeding && self->repush_next <= self->reseed_top)
    return TRUE;
  if (cairn_store_get_pending_count (self->store) == 0)
    return FALSE;
  if (!cairn_store_get_pending_range (self->store, &first, &last, NULL))
    return TRUE;   /* the push will report the store's error */
  return last > self->acked_upto;
}

gboolean
cairn_sync_core_is_up_to_date (CairnSyncCore *self)
{
  return self->verified
         && !self->reseeding
         && !cairn_sync_core_wants_pull (self)
         && cairn_store_get_pending_count (self->store) == 0
         && self->in_flight_first == 0;
}

guint
cairn_sync_core_get_restore_count (CairnSyncCore *self)
{
  return self->restore_count;
}

gint64
cairn_sync_core_get_events_received (CairnSyncCore *self)
{
  return self->events_received;
}

G_DEFINE_QUARK (cairn-sync-error-quark, cairn_sync_error)

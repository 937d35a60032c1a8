/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-state-encode.c: a whole document as bytes, with the text of
 * its deleted characters (full) or without (compact); format in
 * docs/text-crdt.md, read back by cairn-text-state-decode.c. The format
 * before (tag 0xC2) is written only for the tests that check it still
 * decodes. */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>
#include <zstd.h>

#include "cairn-text-codec-private.h"

typedef struct
{
  guint32 client;
  guint32 seq;
  guint32 index;
} StartRef;

static int
start_ref_cmp (gconstpointer a,
               gconstpointer b)
{
  const StartRef *x = a, *y = b;
  if (x->client != y->client)
    return x->client < y->client ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* How many spans before @i lies the span that ends with id (client, seq),
 * or 0 when it is not an earlier span. */
static guint32
containing_before (GArray  *starts,
                   GArray  *spans,
                   guint32  client,
                   guint32  seq,
                   guint    i)
{
  guint lo = 0, hi = starts->len;
  const StartRef *sr;
  const CtSpan *sp;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      const StartRef *m = &g_array_index (starts, StartRef, mid);
      if (m->client < client || (m->client == client && m->seq <= seq))
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == 0)
    return 0;
  sr = &g_array_index (starts, StartRef, lo - 1);
  if (sr->client != client || sr->index >= i)
    return 0;
  sp = &g_array_index (spans, CtSpan, sr->index);
  if (sp->seq + sp->len - 1 != seq)
    return 0;
  return i - sr->index;
}

/* With @any_deleted, a tombstone whose text is unknown and one whose
 * text is known are one kind (a compact state stores neither's text). */
static inline gboolean
state_mergeable (const CtSpan *a,
                 const CtSpan *b,
                 gboolean      any_deleted)
{
  return a->client == b->client && a->seq + a->len == b->seq &&
         b->ol.client == a->client && b->ol.seq == a->seq + a->len - 1 &&
         ct_id_eq (a->or_, b->or_) &&
         (any_deleted ? !a->deleted == !b->deleted : a->deleted == b->deleted);
}

/* Document-order spans, merged across leaves where a run was cut; their
 * text in the same order: @mode STATE_FULL every known text (v1: unknown
 * text as U+FFFD), STATE_COMPACT the visible text only. */
enum { STATE_V1, STATE_FULL, STATE_COMPACT };

static void
collect_spans (CairnText  *self,
               GArray     *spans,
               GString    *content,
               GString    *dead,
               guint       mode)
{
  for (CtLeaf *l = self->first; l != NULL; l = l->next)
    for (guint i = 0; i < l->h.n; i++)
      {
        const CtSpan *s = &l->s[i];
        if (spans->len > 0 &&
            state_mergeable (&g_array_index (spans, CtSpan, spans->len - 1), s,
                             mode == STATE_COMPACT))
          g_array_index (spans, CtSpan, spans->len - 1).len += s->len;
        else
          g_array_append_val (spans, *s);
        if ((mode == STATE_COMPACT && s->deleted) ||
            (mode == STATE_FULL && (s->deleted & CT_UNKNOWN_TEXT)))
          continue;
        ct_span_text (self, s, 0, s->len, dead != NULL && s->deleted ? dead : content);
      }
}

/* The spans' first ids, sorted, for containing_before() and bsearch(). */
static GArray *
sorted_starts (GArray *spans)
{
  GArray *starts = g_array_sized_new (FALSE, FALSE, sizeof (StartRef), spans->len);

  for (guint i = 0; i < spans->len; i++)
    {
      const CtSpan *s = &g_array_index (spans, CtSpan, i);
      StartRef sr = { s->client, s->seq, i };
      g_array_append_val (starts, sr);
    }
  g_array_sort (starts, start_ref_cmp);
  return starts;
}

static void
write_clients (GByteArray *b,
               CairnText  *self)
{
  wr_varint (b, self->clients->len);
  for (guint i = 0; i < self->clients->len; i++)
    {
      CtClient *c = g_ptr_array_index (self->clients, i);
      g_byte_array_append (b, c->id, 16);
      wr_varint (b, c->next);
    }
}

/* How span i's left origin is written: 1 none, 0 the end of the span
 * before, 3 the character before, which ends the span *back places back,
 * 2 otherwise (write_left_origin_link()). */
static guint
left_origin_mode (GArray  *spans,
                  GArray  *starts,
                  guint    i,
                  guint32 *back)
{
  const CtSpan *s = &g_array_index (spans, CtSpan, i);
  const CtSpan *p = i > 0 ? &g_array_index (spans, CtSpan, i - 1) : NULL;

  *back = 0;
  if (s->ol.client == CT_NONE)
    return 1;
  if (p != NULL && s->ol.client == p->client && s->ol.seq == p->seq + p->len - 1)
    return 0;
  if (s->ol.client == s->client && s->seq > 0 && s->ol.seq == s->seq - 1 &&
      (*back = containing_before (starts, spans, s->client, s->seq - 1, i)) > 0)
    return 3;
  return 2;
}

/* Right origin: 0 none, 1 explicit id, k + 2 the start of the span
 * k + 1 places ahead (always a span start, see docs/text-crdt.md). */
static guint64
right_origin_code (GArray *spans,
                   GArray *starts,
                   guint   i)
{
  const CtSpan *s = &g_array_index (spans, CtSpan, i);
  StartRef key = { s->or_.client, s->or_.seq, 0 };
  StartRef *hit;

  if (s->or_.client == CT_NONE)
    return 0;
  for (guint j = i + 1; j < spans->len && j < i + 9; j++)
    {
      const CtSpan *q = &g_array_index (spans, CtSpan, j);
      if (q->client == key.client && q->seq == key.seq)
        return (guint64) (j - i - 1) + 2;
    }
  hit = bsearch (&key, starts->data, starts->len, sizeof (StartRef), start_ref_cmp);
  if (hit != NULL && hit->index > i)
    return (guint64) (hit->index - i - 1) + 2;
  return 1;
}

/* A left origin of mode 2 is often the end of a span a few places back
 * (typing again after deleting): x > 0 names span i - 1 - x, 0 an
 * explicit id. */
static void
write_left_origin_link (GByteArray *b,
                        GArray     *spans,
                        guint       i)
{
  const CtSpan *s = &g_array_index (spans, CtSpan, i);
  guint32 x = 0;

  for (guint j = i >= 2 ? i - 2 : 0; i >= 2 && j + 32 >= i; j--)
    {
      const CtSpan *q = &g_array_index (spans, CtSpan, j);
      if (q->client == s->ol.client && q->seq + q->len - 1 == s->ol.seq)
        {
          x = i - 1 - j;
          break;
        }
      if (j == 0)
        break;
    }
  wr_varint (b, x);
  if (x == 0)
    {
      wr_varint (b, s->ol.client);
      wr_varint (b, s->ol.seq);
    }
}

/* Each span: a header (length, deleted, new client, left origin mode,
 * "right origin is the next span"), its client when it changes, its
 * counter, then what its origins need. */
static void
write_spans (GByteArray *b,
             GArray     *spans,
             GArray     *starts,
             guint       n_clients)
{
  g_autofree guint32 *last_end = g_new0 (guint32, MAX (n_clients, 1));
  guint32 prev_client = 0;

  wr_varint (b, spans->len);
  for (guint i = 0; i < spans->len; i++)
    {
      const CtSpan *s = &g_array_index (spans, CtSpan, i);
      guint32 back;
      guint ol_mode = left_origin_mode (spans, starts, i, &back);
      guint64 or_code = right_origin_code (spans, starts, i);
      guint flags;

      flags = (s->deleted ? 1 : 0) | (s->client != prev_client ? 2 : 0) | (ol_mode << 2) |
              (or_code == 2 ? 16 : 0);
      wr_varint (b, ((guint64) s->len << 5) | flags);
      if (s->client != prev_client)
        wr_varint (b, s->client);
      prev_client = s->client;
      if (ol_mode == 3)
        wr_varint (b, back);
      else
        wr_zigzag (b, (gint64) s->seq - last_end[s->client]);
      last_end[s->client] = s->seq + s->len;
      if (ol_mode == 2)
        write_left_origin_link (b, spans, i);
      if (or_code != 2)
        wr_varint (b, or_code);
      if (or_code == 1)
        {
          wr_varint (b, s->or_.client);
          wr_varint (b, s->or_.seq);
        }
    }
}

/* Deletions by client, in counter order. Their counters are not written:
 * they are the gaps that the client's insertions leave. */
static void
write_deletions (GByteArray *b,
                 CairnText  *self)
{
  gint64 prev_tseq = 0;

  for (guint c = 0; c < self->clients->len; c++)
    {
      GArray *dels = ((CtClient *) g_ptr_array_index (self->clients, c))->dels;
      wr_varint (b, dels->len);
      for (guint i = 0; i < dels->len; i++)
        {
          const CtDel *d = &g_array_index (dels, CtDel, i);
          gboolean other = d->tclient != c;
          guint64 back = d->seq - d->tseq - d->len;
          gint64 rel = (gint64) d->tseq - prev_tseq;
          guint64 zrel = ((guint64) rel << 1) ^ (guint64) (rel >> 63);
          /* Own characters: counted back from the deletion itself, or from
           * the previous target, whichever is shorter. */
          gboolean by_prev = other || zrel < back;

          wr_varint (b, ((guint64) d->len << 3) | (by_prev && !other ? 4 : 0) |
                        (other ? 2 : 0) | d->rev);
          if (other)
            wr_varint (b, d->tclient);
          if (by_prev)
            wr_varint (b, zrel);
          else
            wr_varint (b, back);
          prev_tseq = d->tseq;
        }
    }
}

static void
write_order (GByteArray *b,
             CairnText  *self)
{
  wr_varint (b, self->order->len);
  for (guint i = 0; i < self->order->len; i++)
    {
      const CtOrder *o = &g_array_index (self->order, CtOrder, i);
      wr_varint (b, o->client);
      wr_varint (b, o->len);
    }
}

static void write_content (GByteArray *b, const GString *content, const GString *prefix);

/* The deleted text (full form: compressed with the visible text as its
 * prefix, which finds what was typed twice), the deletions and the order,
 * behind their size and checksum (STATE_FLAG_LAZY), so that a decoder can
 * check them at once and read them when needed. */
static void
write_history (GByteArray    *b,
               CairnText     *self,
               const GString *content,
               const GString *dead)
{
  GByteArray *h = g_byte_array_sized_new (64);
  guint64 sum;
  guint8 le[8];

  if (dead != NULL)
    write_content (h, dead, content);
  write_deletions (h, self);
  write_order (h, self);
  sum = _cairn_text_checksum (h->data, h->len);
  for (guint i = 0; i < 8; i++)
    le[i] = (guint8) (sum >> (8 * i));
  wr_varint (b, h->len);
  g_byte_array_append (b, le, 8);
  g_byte_array_append (b, h->data, h->len);
  g_byte_array_unref (h);
}

static void
write_held_ops (GByteArray *b,
                CairnText  *self)
{
  g_autoptr(GBytes) p = NULL;
  gsize n;
  const guint8 *d;

  if (self->pending->ops->len == 0)
    {
      wr_varint (b, 0);
      return;
    }
  p = cairn_text_ops_encode (self->pending);
  d = g_bytes_get_data (p, &n);
  wr_varint (b, n);
  g_byte_array_append (b, d, n);
}

/* The text, raw or as one zstd frame (with its checksum) when that is
 * worth it: a kind (0 raw, 1 zstd), the raw size, then the bytes, or the
 * stored size and the frame. The frame is not used when it would shrink the text more than
 * STATE_MAX_RATIO times: a decoder refuses such a claim as a memory bomb. */
static void
write_content (GByteArray    *b,
               const GString *content,
               const GString *prefix)
{
  if (content->len >= STATE_COMPRESS_MIN)
    {
      gsize bound = ZSTD_compressBound (content->len);
      g_autofree guint8 *frame = g_malloc (bound);
      ZSTD_CCtx *cctx = ZSTD_createCCtx ();
      gsize n;

      /* With the frame's checksum: damaged text is refused, not shown. */
      ZSTD_CCtx_setParameter (cctx, ZSTD_c_compressionLevel, STATE_ZSTD_LEVEL);
      ZSTD_CCtx_setParameter (cctx, ZSTD_c_checksumFlag, 1);
      if (prefix != NULL && prefix->len > 0)
        ZSTD_CCtx_refPrefix (cctx, prefix->str, prefix->len);
      n = ZSTD_compress2 (cctx, frame, bound, content->str, content->len);
      ZSTD_freeCCtx (cctx);

      if (!ZSTD_isError (n) && n < content->len - content->len / 8 &&
          content->len / n < STATE_MAX_RATIO)
        {
          wr_varint (b, 1);
          wr_varint (b, content->len);
          wr_varint (b, n);
          g_byte_array_append (b, frame, n);
          return;
        }
    }
  wr_varint (b, 0);
  wr_varint (b, content->len);
  g_byte_array_append (b, (const guint8 *) content->str, content->len);
}

/* The tombstones whose text is unknown, as gaps between their span
 * indices (full states only; none but in a document from a compact state). */
static void
write_unknown (GByteArray *b,
               GArray     *spans)
{
  guint n = 0, prev = 0;

  for (guint i = 0; i < spans->len; i++)
    n += (g_array_index (spans, CtSpan, i).deleted & CT_UNKNOWN_TEXT) != 0;
  wr_varint (b, n);
  for (guint i = 0; i < spans->len; i++)
    if (g_array_index (spans, CtSpan, i).deleted & CT_UNKNOWN_TEXT)
      {
        wr_varint (b, i - prev);
        prev = i;
      }
}

/* The parts in the order decode_state() reads them. */
static GBytes *
encode_state (CairnText *self,
              guint      mode)
{
  g_autoptr(GArray) spans = NULL;
  g_autoptr(GArray) starts = NULL;
  g_autoptr(GString) content = NULL;
  g_autoptr(GString) dead = NULL;
  GByteArray *b;
  guint8 tag = mode == STATE_V1 ? TAG_STATE : TAG_STATE2;

  /* A decoded state's deletions and order are read now, and a damaged
   * one is never written on. */
  if (!_cairn_text_load_history (self, NULL))
    return NULL;

  spans = g_array_new (FALSE, FALSE, sizeof (CtSpan));
  content = g_string_new (NULL);
  if (mode == STATE_FULL)
    dead = g_string_new (NULL);
  collect_spans (self, spans, content, dead, mode);
  starts = sorted_starts (spans);

  b = g_byte_array_sized_new (content->len + 8 * spans->len + 64);
  g_byte_array_append (b, &tag, 1);
  if (mode != STATE_V1)
    wr_varint (b, (mode == STATE_COMPACT ? STATE_FLAG_COMPACT : 0) | STATE_FLAG_LAZY);
  write_clients (b, self);
  write_spans (b, spans, starts, self->clients->len);
  if (mode == STATE_FULL)
    write_unknown (b, spans);
  if (mode == STATE_V1)
    {
      wr_varint (b, content->len);
      g_byte_array_append (b, (const guint8 *) content->str, content->len);
    }
  else
    write_content (b, content, NULL);
  if (mode == STATE_V1)
    {
      write_deletions (b, self);
      write_order (b, self);
    }
  else
    write_history (b, self, content, dead);
  write_held_ops (b, self);
  return g_byte_array_free_to_bytes (b);
}

GBytes *
cairn_text_encode_state (CairnText *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return encode_state (self, STATE_FULL);
}

GBytes *
cairn_text_encode_state_compact (CairnText *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return encode_state (self, STATE_COMPACT);
}

GBytes *
_cairn_text_encode_state_v1 (CairnText *self)
{
  return encode_state (self, STATE_V1);
}

gboolean
cairn_text_has_deleted_text (CairnText *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return !self->history_partial;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-state-encode.c: a whole document, history included, as bytes
 * (format in docs/text-crdt.md; read back by cairn-text-state-decode.c). */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>

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

static inline gboolean
state_mergeable (const CtSpan *a,
                 const CtSpan *b)
{
  return a->client == b->client && a->seq + a->len == b->seq &&
         b->ol.client == a->client && b->ol.seq == a->seq + a->len - 1 &&
         ct_id_eq (a->or_, b->or_) && a->deleted == b->deleted;
}

GBytes *
cairn_text_encode_state (CairnText *self)
{
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (CtSpan));
  g_autoptr(GArray) starts = NULL;
  g_autoptr(GByteArray) content = g_byte_array_new ();
  g_autofree guint32 *last_end = NULL;
  guint nc = self->clients->len;
  GByteArray *b;
  guint8 tag = TAG_STATE;
  guint32 prev_client = 0;
  gint64 prev_tseq = 0;

  g_return_val_if_fail (self != NULL, NULL);

  /* Document-order spans, merged across leaves; content in the same order. */
  for (CtLeaf *l = self->first; l != NULL; l = l->next)
    for (guint i = 0; i < l->h.n; i++)
      {
        const CtSpan *s = &l->s[i];
        if (spans->len > 0 &&
            state_mergeable (&g_array_index (spans, CtSpan, spans->len - 1), s))
          g_array_index (spans, CtSpan, spans->len - 1).len += s->len;
        else
          g_array_append_val (spans, *s);
        g_byte_array_append (content, self->content + s->off, s->bytes);
      }
  starts = g_array_sized_new (FALSE, FALSE, sizeof (StartRef), spans->len);
  for (guint i = 0; i < spans->len; i++)
    {
      const CtSpan *s = &g_array_index (spans, CtSpan, i);
      StartRef sr = { s->client, s->seq, i };
      g_array_append_val (starts, sr);
    }
  g_array_sort (starts, start_ref_cmp);

  b = g_byte_array_sized_new (content->len + 8 * spans->len + 64);
  g_byte_array_append (b, &tag, 1);
  wr_varint (b, nc);
  for (guint i = 0; i < nc; i++)
    {
      CtClient *c = g_ptr_array_index (self->clients, i);
      g_byte_array_append (b, c->id, 16);
      wr_varint (b, c->next);
    }

  last_end = g_new0 (guint32, MAX (nc, 1));
  wr_varint (b, spans->len);
  for (guint i = 0; i < spans->len; i++)
    {
      const CtSpan *s = &g_array_index (spans, CtSpan, i);
      const CtSpan *p = i > 0 ? &g_array_index (spans, CtSpan, i - 1) : NULL;
      guint ol_mode;
      guint flags;
      guint64 or_code = 0;

      guint32 back = 0;

      if (s->ol.client == CT_NONE)
        ol_mode = 1;
      else if (p != NULL && s->ol.client == p->client && s->ol.seq == p->seq + p->len - 1)
        ol_mode = 0;
      else if (s->ol.client == s->client && s->seq > 0 && s->ol.seq == s->seq - 1 &&
               (back = containing_before (starts, spans, s->client, s->seq - 1, i)) > 0)
        ol_mode = 3;
      else
        ol_mode = 2;
      /* Right origin: 0 none, 1 explicit id, k + 2 the start of the span
       * k + 1 places ahead (always a span start, see docs/text-crdt.md). */
      if (s->or_.client != CT_NONE)
        {
          StartRef key = { s->or_.client, s->or_.seq, 0 };
          StartRef *hit = NULL;
          for (guint j = i + 1; j < spans->len && j < i + 9; j++)
            {
              const CtSpan *q = &g_array_index (spans, CtSpan, j);
              if (q->client == key.client && q->seq == key.seq)
                {
                  or_code = (guint64) (j - i - 1) + 2;
                  break;
                }
            }
          if (or_code == 0)
            hit = bsearch (&key, starts->data, starts->len, sizeof (StartRef), start_ref_cmp);
          if (or_code == 0 && hit != NULL && hit->index > i)
            or_code = (guint64) (hit->index - i - 1) + 2;
          if (or_code == 0)
            or_code = 1;
        }
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
        {
          /* Often the end of a span a few places back (typing again
           * after deleting): x > 0 names span i - 1 - x, 0 an explicit id. */
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
      if (or_code != 2)
        wr_varint (b, or_code);
      if (or_code == 1)
        {
          wr_varint (b, s->or_.client);
          wr_varint (b, s->or_.seq);
        }
    }
  wr_varint (b, content->len);
  g_byte_array_append (b, content->data, content->len);

  /* Deletions by client, in counter order. Their counters are not written:
   * they are the gaps that the client's insertions leave. */
  for (guint c = 0; c < nc; c++)
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

  wr_varint (b, self->order->len);
  for (guint i = 0; i < self->order->len; i++)
    {
      const CtOrder *o = &g_array_index (self->order, CtOrder, i);
      wr_varint (b, o->client);
      wr_varint (b, o->len);
    }

  if (self->pending->ops->len == 0)
    wr_varint (b, 0);
  else
    {
      g_autoptr(GBytes) p = cairn_text_ops_encode (self->pending);
      gsize n;
      const guint8 *d = g_bytes_get_data (p, &n);
      wr_varint (b, n);
      g_byte_array_append (b, d, n);
    }
  return g_byte_array_free_to_bytes (b);
}

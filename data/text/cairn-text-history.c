/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-history.c: a document's version, its text at an earlier
 * version, and the operations since a version. */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>

#include "cairn-text-private.h"

static int
ver_ent_cmp (gconstpointer a,
             gconstpointer b)
{
  return memcmp (((const CtVerEnt *) a)->id, ((const CtVerEnt *) b)->id, 16);
}

CairnTextVersion *
cairn_text_get_version (CairnText *self)
{
  CairnTextVersion *v = cairn_text_version_new ();

  for (guint i = 0; i < self->clients->len; i++)
    {
      CtClient *c = ct_client_at (self, i);
      CtVerEnt e;
      if (c->next == 0)
        continue;
      memcpy (e.id, c->id, 16);
      e.count = c->next;
      g_array_append_val (v->ents, e);
    }
  g_array_sort (v->ents, ver_ent_cmp);
  return v;
}

/* Per document client, how many ops @v holds (clamped to what we have when
 * @clamp, otherwise an error for anything beyond). */
static guint32 *
version_counts (CairnText              *self,
                const CairnTextVersion *v,
                gboolean                clamp,
                GError                **error)
{
  g_autofree guint32 *counts = g_new0 (guint32, MAX (self->clients->len, 1));

  if (v == NULL)
    return g_steal_pointer (&counts);
  for (guint i = 0; i < v->ents->len; i++)
    {
      CtVerEnt *e = &g_array_index (v->ents, CtVerEnt, i);
      guint32 d;
      if (!_cairn_text_find_client (self, e->id, &d))
        {
          if (clamp || e->count == 0)
            continue;
          g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_UNKNOWN_VERSION,
                       "The version names a client this document has no operations from");
          return NULL;
        }
      if (e->count > ct_client_at (self, d)->next && !clamp)
        {
          g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_UNKNOWN_VERSION,
                       "The version holds %u operations of a client, this document only %u",
                       e->count, ct_client_at (self, d)->next);
          return NULL;
        }
      counts[d] = MIN (e->count, ct_client_at (self, d)->next);
    }
  return g_steal_pointer (&counts);
}

typedef struct
{
  guint32 client;
  guint32 start;
  guint32 end;
} IdRange;

static int
id_range_cmp (gconstpointer a,
              gconstpointer b)
{
  const IdRange *x = a, *y = b;
  if (x->client != y->client)
    return x->client < y->client ? -1 : 1;
  return x->start < y->start ? -1 : x->start > y->start;
}

char *
cairn_text_get_text_at (CairnText               *self,
                        const CairnTextVersion  *version,
                        GError                 **error)
{
  g_autofree guint32 *counts = NULL;
  g_autoptr(GArray) dead = g_array_new (FALSE, FALSE, sizeof (IdRange));
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (version != NULL, NULL);

  if (!_cairn_text_load_history (self, error))
    return NULL;
  counts = version_counts (self, version, FALSE, error);
  if (counts == NULL)
    return NULL;

  /* Every id deleted by a deletion inside the version. */
  for (guint c = 0; c < self->clients->len; c++)
    {
      GArray *dels = ct_client_at (self, c)->dels;
      for (guint i = 0; i < dels->len; i++)
        {
          CtDel *d = &g_array_index (dels, CtDel, i);
          guint32 n;
          IdRange r;
          if (d->seq >= counts[c])
            break;
          n = MIN (d->len, counts[c] - d->seq);
          r.client = d->tclient;
          r.start = d->rev ? d->tseq + d->len - n : d->tseq;
          r.end = r.start + n;
          g_array_append_val (dead, r);
        }
    }
  g_array_sort (dead, id_range_cmp);
  /* Merge overlaps so that a binary search finds the one range that covers. */
  {
    guint k = 0;
    for (guint i = 0; i < dead->len; i++)
      {
        IdRange *r = &g_array_index (dead, IdRange, i);
        IdRange *p = k > 0 ? &g_array_index (dead, IdRange, k - 1) : NULL;
        if (p != NULL && p->client == r->client && r->start <= p->end)
          p->end = MAX (p->end, r->end);
        else
          g_array_index (dead, IdRange, k++) = *r;
      }
    g_array_set_size (dead, k);
  }

  out = g_string_new (NULL);
  for (CtLeaf *l = self->first; l != NULL; l = l->next)
    for (guint i = 0; i < l->h.n; i++)
      {
        CtSpan *s = &l->s[i];
        guint32 a = s->seq, b = MIN (s->seq + s->len, counts[s->client]);
        guint lo = 0, hi = dead->len;

        if (a >= b)
          continue;
        /* First dead range of this client ending after a. */
        while (lo < hi)
          {
            guint mid = (lo + hi) / 2;
            IdRange *r = &g_array_index (dead, IdRange, mid);
            if (r->client < s->client || (r->client == s->client && r->end <= a))
              lo = mid + 1;
            else
              hi = mid;
          }
        while (a < b)
          {
            IdRange *r = lo < dead->len ? &g_array_index (dead, IdRange, lo) : NULL;
            guint32 stop = b;
            if (r != NULL && r->client == s->client && r->start <= a)
              {
                a = MIN (r->end, b);
                lo++;
                continue;
              }
            if (r != NULL && r->client == s->client && r->start < b)
              stop = r->start;
            ct_span_text (self, s, a - s->seq, stop - a, out);
            a = stop;
          }
      }
  return g_string_free (out, FALSE);
}

static void
emit_range (CairnText    *self,
            CairnTextOps *out,
            guint32       c,
            guint32       a,
            guint32       b)
{
  CtClient *cl = ct_client_at (self, c);

  while (a < b)
    {
      CtLeaf *l;
      guint slot;
      CtOp op = { 0 };

      op.client = c;
      op.seq = a;
      if (_cairn_text_lookup (self, (CtId) { c, a }, &l, &slot))
        {
          CtSpan *s = &l->s[slot];
          guint32 k = a - s->seq;
          guint32 take = MIN (s->seq + s->len, b) - a;
          g_autoptr(GString) text = g_string_new (NULL);

          ct_span_text (self, s, k, take, text);
          op.kind = CT_OP_INSERT;
          op.len = take;
          if (k == 0)
            op.ol = s->ol;
          else
            op.ol = (CtId) { c, a - 1 };
          op.or_ = s->or_;
          op.bytes = (guint32) text->len;
          _cairn_text_record_op (self, out, &op, text->str);
          a += take;
        }
      else
        {
          const CtDel *d = _cairn_text_find_del (cl, a);
          guint32 i0, take;

          g_assert (d != NULL);
          i0 = a - d->seq;
          take = MIN (d->seq + d->len, b) - a;
          op.kind = CT_OP_DELETE;
          op.len = take;
          op.rev = d->rev;
          op.target.client = d->tclient;
          op.target.seq = d->rev ? d->tseq + d->len - i0 - take : d->tseq + i0;
          _cairn_text_record_op (self, out, &op, NULL);
          a += take;
        }
    }
}

CairnTextOps *
cairn_text_ops_since (CairnText              *self,
                      const CairnTextVersion *since)
{
  g_autofree guint32 *counts = NULL;
  g_autofree guint32 *cur = NULL;
  CairnTextOps *out;

  g_return_val_if_fail (self != NULL, NULL);

  if (!_cairn_text_load_history (self, NULL))
    return NULL;
  counts = version_counts (self, since, TRUE, NULL);
  cur = g_new0 (guint32, MAX (self->clients->len, 1));
  out = cairn_text_ops_new ();
  for (guint i = 0; i < self->order->len; i++)
    {
      CtOrder *o = &g_array_index (self->order, CtOrder, i);
      guint32 a = MAX (cur[o->client], counts[o->client]);
      guint32 b = cur[o->client] + o->len;

      if (a < b)
        emit_range (self, out, o->client, a, b);
      cur[o->client] = b;
    }
  return out;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-state-decode.c: a document from the bytes that
 * cairn-text-state-encode.c writes, checked as it is read: damaged or
 * hostile input is an error, never a crash or a document edits cannot make. */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>

#include "cairn-text-codec-private.h"

typedef struct
{
  guint32 client;
  guint32 seq;
  guint32 len;
  guint32 is_del;
  CtLeaf *leaf;
} Cover;

/* LSD radix sort by (client, seq), 16 bits a pass, skipping digits that
 * are the same in every entry (usually all but one or two). */
static void
sort_cover (Cover *v,
            gsize  n)
{
  g_autofree Cover *tmp = NULL;
  guint64 all_or = 0, all_and = G_MAXUINT64;

  if (n < 2)
    return;
  for (gsize i = 0; i < n; i++)
    {
      guint64 k = ((guint64) v[i].client << 32) | v[i].seq;
      all_or |= k;
      all_and &= k;
    }
  tmp = g_new (Cover, n);
  for (guint shift = 0; shift < 64; shift += 16)
    {
      g_autofree gsize *count = NULL;
      Cover *swap;

      if ((((all_or ^ all_and) >> shift) & 0xffff) == 0)
        continue;
      count = g_new0 (gsize, 65537);
      for (gsize i = 0; i < n; i++)
        count[((((guint64) v[i].client << 32) | v[i].seq) >> shift & 0xffff) + 1]++;
      for (guint d = 0; d < 65536; d++)
        count[d + 1] += count[d];
      for (gsize i = 0; i < n; i++)
        tmp[count[(((guint64) v[i].client << 32) | v[i].seq) >> shift & 0xffff]++] = v[i];
      swap = tmp;
      memcpy (v, swap, n * sizeof (Cover));
    }
}

/* Whether operation seq of client c may depend on id, when every client x
 * has had its first done[x] operations applied. */
static inline gboolean
dependency_done (CtId           id,
                 guint32        c,
                 guint32        seq,
                 const guint32 *done)
{
  if (id.client == CT_NONE)
    return TRUE;
  if (id.client == c)
    return id.seq < seq;
  return id.seq < done[id.client];
}

static const CtDel *
del_at (const CtClient *c,
        guint32         seq)
{
  guint lo = 0, hi = c->dels->len;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      const CtDel *d = &g_array_index (c->dels, CtDel, mid);

      if (d->seq + d->len <= seq)
        lo = mid + 1;
      else if (d->seq > seq)
        hi = mid;
      else
        return d;
    }
  return NULL;
}

/* The rest of decode_state() checks each part of a state on its own; a
 * damaged file can pass all of that and still not be a document that edits
 * make (found by tests/fuzz/fuzz-text.c). Two cross-checks, linear in the
 * size of the state:
 *
 * - The recorded order must be one the operations could have been applied
 *   in: each after the operations it depends on (its origins, the
 *   characters it deletes). Otherwise cairn_text_ops_since() hands other
 *   replicas operations they must refuse or hold.
 * - A character is a tombstone only if some deletion deleted it (the
 *   converse is checked while reading the deletions). Otherwise the text
 *   shown differs from what every other replica makes of the same
 *   operations.
 *
 * Not checked: that every character sits where the integration rule puts
 * it given its origins (that takes a replay, about ten times the cost of
 * decoding: docs/fuzzing.md). */
static gboolean
check_history (Reader    *r,
               CairnText *self)
{
  guint32 nc = self->clients->len;
  g_autofree guint32 *done = g_new0 (guint32, MAX (nc, 1));
  g_autoptr(GPtrArray) marks = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < self->order->len; i++)
    {
      const CtOrder *o = &g_array_index (self->order, CtOrder, i);
      const CtClient *cl = g_ptr_array_index (self->clients, o->client);
      guint32 a = done[o->client], b = a + o->len;

      while (a < b)
        {
          CtLeaf *l;
          guint slot;
          const CtDel *d;

          if (_cairn_text_lookup (self, (CtId) { o->client, a }, &l, &slot))
            {
              const CtSpan *sp = &l->s[slot];

              /* Past its first character a run's left origin is the
               * character before, of the same client. */
              if ((a == sp->seq && !dependency_done (sp->ol, o->client, a, done)) ||
                  !dependency_done (sp->or_, o->client, a, done))
                return rd_fail (r, "operation %u of a client comes before an operation it depends on", a);
              a = MIN (sp->seq + sp->len, b);
            }
          else if ((d = del_at (cl, a)) != NULL)
            {
              guint32 end = MIN (d->seq + d->len, b);

              for (guint32 k = a - d->seq; k < end - d->seq; k++)
                {
                  guint32 t = d->rev ? d->tseq + d->len - 1 - k : d->tseq + k;

                  if (!dependency_done ((CtId) { d->tclient, t }, o->client, d->seq + k, done))
                    return rd_fail (r, "deletion %u of a client comes before the insertion it deletes",
                                    d->seq + k);
                }
              a = end;
            }
          else
            return rd_fail (r, "the order names operation %u of a client that is neither an insertion "
                            "nor a deletion", a);
        }
      done[o->client] = b;
    }

  for (guint32 c = 0; c < nc; c++)
    g_ptr_array_add (marks, g_new0 (guint8, ((CtClient *) g_ptr_array_index (self->clients, c))->next / 8 + 1));
  for (guint32 c = 0; c < nc; c++)
    {
      const CtClient *cl = g_ptr_array_index (self->clients, c);

      for (guint i = 0; i < cl->dels->len; i++)
        {
          const CtDel *d = &g_array_index (cl->dels, CtDel, i);
          guint8 *m = g_ptr_array_index (marks, d->tclient);

          for (guint32 t = d->tseq; t < d->tseq + d->len; t++)
            m[t / 8] |= 1 << (t % 8);
        }
    }
  for (const CtLeaf *l = self->first; l != NULL; l = l->next)
    for (guint i = 0; i < l->h.n; i++)
      {
        const CtSpan *sp = &l->s[i];
        const guint8 *m = g_ptr_array_index (marks, sp->client);

        if (!sp->deleted)
          continue;
        for (guint32 t = sp->seq; t < sp->seq + sp->len; t++)
          if (!(m[t / 8] & (1 << (t % 8))))
            return rd_fail (r, "character %u of a client is marked deleted but no deletion deleted it", t);
      }
  return TRUE;
}

static CairnText *
decode_state (Reader        *r,
              const guint8   me[16])
{
  g_autoptr(CairnText) self = _cairn_text_new_empty ();
  g_autofree CtSpan *spans = NULL;
  g_autofree guint8 *explicit = NULL;
  g_autofree guint32 *last_end = NULL;
  g_autofree CtLeaf **leaves = NULL;
  g_autoptr(GArray) cover = NULL;
  guint32 nc, nspans, n_leaves, n_order;
  guint32 content_bytes;
  guint64 total_len = 0;
  guint32 prev_client = 0;
  const guint8 *ids = NULL, *text = NULL;
  gint64 prev_tseq = 0;

  if (!rd_u32 (r, rd_left (r) / 17, &nc, "the client count"))
    return NULL;
  ids = r->p;
  for (guint32 i = 0; i < nc; i++)
    {
      const guint8 *id = NULL;
      CtClient *c;
      if (!rd_bytes (r, 16, &id, "a client id"))
        return NULL;
      c = _cairn_text_client_new (id);
      g_ptr_array_add (self->clients, c);
      if (!rd_u32 (r, G_MAXUINT32 - 1, &c->next, "a client's operation count"))
        return NULL;
    }
  (void) ids;
  {
    g_autoptr(GHashTable) seen = g_hash_table_new (g_bytes_hash, g_bytes_equal);
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    for (guint32 i = 0; i < nc; i++)
      {
        GBytes *k = g_bytes_new_static (((CtClient *) g_ptr_array_index (self->clients, i))->id, 16);
        g_ptr_array_add (keep, k);
        if (!g_hash_table_add (seen, k))
          {
            rd_fail (r, "client %u is listed twice", i);
            return NULL;
          }
      }
  }

  if (!rd_u32 (r, rd_left (r) / 3, &nspans, "the span count"))
    return NULL;
  if (nspans > 0 && nc == 0)
    {
      rd_fail (r, "spans but no clients");
      return NULL;
    }
  spans = g_new (CtSpan, MAX (nspans, 1));
  explicit = g_new0 (guint8, MAX (nspans, 1));
  last_end = g_new0 (guint32, MAX (nc, 1));
  for (guint32 i = 0; i < nspans; i++)
    {
      CtSpan *s = &spans[i];
      guint64 head, or_code;
      gint64 delta;
      guint ol_mode;
      CtClient *c;

      if (!rd_varint (r, (guint64) G_MAXUINT32 << 5 | 31, &head, "a span header"))
        return NULL;
      s->len = (guint32) (head >> 5);
      s->deleted = head & 1;
      ol_mode = (head >> 2) & 3;
      if (s->len == 0)
        {
          rd_fail (r, "span %u has length 0", i);
          return NULL;
        }
      if (head & 2)
        {
          if (!rd_u32 (r, nc - 1, &prev_client, "a span's client"))
            return NULL;
        }
      s->client = prev_client;
      c = g_ptr_array_index (self->clients, s->client);
      if (ol_mode == 3)
        {
          /* Continues the run of an earlier span: left origin is the
           * character before, counter right after that span's end. */
          guint32 back;
          const CtSpan *left;
          if (!rd_u32 (r, i, &back, "a span's run link"))
            return NULL;
          left = &spans[i - back];
          if (back == 0 || left->client != s->client)
            {
              rd_fail (r, "span %u continues a span that is not of its client", i);
              return NULL;
            }
          delta = (gint64) left->seq + left->len - last_end[s->client];
        }
      else if (!rd_zigzag (r, &delta, "a span's counter"))
        return NULL;
      if (delta < -(gint64) last_end[s->client] ||
          (guint64) last_end[s->client] + delta + s->len > c->next)
        {
          rd_fail (r, "span %u lies outside its client's %u operations", i, c->next);
          return NULL;
        }
      s->seq = (guint32) (last_end[s->client] + delta);
      last_end[s->client] = s->seq + s->len;
      if (ol_mode == 3)
        {
          s->ol.client = s->client;
          s->ol.seq = s->seq - 1;
        }
      else if (ol_mode == 0)
        {
          if (i == 0)
            {
              rd_fail (r, "the first span's left origin is “the previous span”");
              return NULL;
            }
          s->ol.client = spans[i - 1].client;
          s->ol.seq = spans[i - 1].seq + spans[i - 1].len - 1;
        }
      else if (ol_mode == 1)
        {
          s->ol.client = CT_NONE;
          s->ol.seq = 0;
        }
      else
        {
          guint32 x;
          if (!rd_u32 (r, i > 0 ? i - 1 : 0, &x, "a left origin's span link"))
            return NULL;
          if (x > 0)
            {
              s->ol.client = spans[i - 1 - x].client;
              s->ol.seq = spans[i - 1 - x].seq + spans[i - 1 - x].len - 1;
            }
          else
            {
              explicit[i] = 1;
              if (!rd_u32 (r, nc - 1, &s->ol.client, "a left origin's client") ||
                  !rd_u32 (r, G_MAXUINT32 - 1, &s->ol.seq, "a left origin"))
                return NULL;
            }
        }
      if (head & 16)
        or_code = 2;
      else if (!rd_varint (r, (guint64) nspans + 1, &or_code, "a right origin"))
        return NULL;
      if (or_code == 0)
        {
          s->or_.client = CT_NONE;
          s->or_.seq = 0;
        }
      else if (or_code == 1)
        {
          explicit[i] = 1;
          if (!rd_u32 (r, nc - 1, &s->or_.client, "a right origin's client") ||
              !rd_u32 (r, G_MAXUINT32 - 1, &s->or_.seq, "a right origin"))
            return NULL;
        }
      else
        {
          guint64 j = i + 1 + (or_code - 2);
          if (j >= nspans)
            {
              rd_fail (r, "span %u's right origin points past the last span", i);
              return NULL;
            }
          /* Resolved below, once every span is read. */
          s->or_.client = CT_NONE - 1;
          s->or_.seq = (guint32) j;
        }
      total_len += s->len;
      if (total_len >= G_MAXUINT32)
        {
          rd_fail (r, "the document is too long");
          return NULL;
        }
    }
  for (guint32 i = 0; i < nspans; i++)
    if (spans[i].or_.client == CT_NONE - 1)
      {
        guint32 j = spans[i].or_.seq;
        spans[i].or_.client = spans[j].client;
        spans[i].or_.seq = spans[j].seq;
      }

  /* Content, in document order. */
  if (!rd_u32 (r, rd_left (r), &content_bytes, "the content size") ||
      !rd_bytes (r, content_bytes, &text, "the content"))
    return NULL;
  {
    const char *bad;
    if (!g_utf8_validate_len ((const char *) text, content_bytes, &bad))
      {
        rd_fail (r, "the content is not valid UTF-8 (at its byte %" G_GSIZE_FORMAT ")",
                 (gsize) ((const guint8 *) bad - text));
        return NULL;
      }
  }
  /* As many bytes as code points: all ASCII, one byte per character. Only
   * then: a byte count that merely equals the code point count (a
   * multi-byte character, fewer characters than the spans claim) would cut
   * characters in two (found by tests/fuzz/fuzz-text.c). */
  if (content_bytes == total_len && g_utf8_strlen ((const char *) text, content_bytes) == (glong) total_len)
    {
      guint32 off = 0;
      for (guint32 i = 0; i < nspans; i++)
        {
          spans[i].off = off;
          spans[i].bytes = spans[i].len;
          off += spans[i].len;
        }
    }
  else
    {
      const char *p = (const char *) text, *end = p + content_bytes;
      for (guint32 i = 0; i < nspans; i++)
        {
          const char *q = p;
          for (guint32 k = 0; k < spans[i].len; k++)
            {
              if (q >= end)
                {
                  rd_fail (r, "the content holds fewer code points than the spans");
                  return NULL;
                }
              q = g_utf8_next_char (q);
            }
          spans[i].off = (guint32) (p - (const char *) text);
          spans[i].bytes = (guint32) (q - p);
          p = q;
        }
      if (p != end)
        {
          rd_fail (r, "the content holds more code points than the spans");
          return NULL;
        }
    }
  _cairn_text_content_append (self, (const char *) text, content_bytes);

  /* Leaves filled to three quarters, then the inner levels. */
  {
    guint per = CT_LEAF_CAP * 3 / 4;
    n_leaves = MAX ((nspans + per - 1) / per, 1);
    leaves = g_new (CtLeaf *, n_leaves);
    cover = g_array_sized_new (FALSE, FALSE, sizeof (Cover), nspans);
    for (guint32 li = 0; li < n_leaves; li++)
      {
        CtLeaf *l = g_new (CtLeaf, 1);
        memset (&l->h, 0, sizeof l->h);
        l->h.is_leaf = 1;
        l->next = NULL;
        leaves[li] = l;
        for (guint32 i = li * per; i < nspans && i < (li + 1) * per; i++)
          {
            Cover cv = { spans[i].client, spans[i].seq, spans[i].len, 0, l };
            l->s[l->h.n++] = spans[i];
            l->h.tot += spans[i].len;
            if (!spans[i].deleted)
              l->h.vis += spans[i].len;
            g_array_append_val (cover, cv);
          }
      }
    _cairn_text_build_tree (self, leaves, n_leaves);
  }
  /* The id index, and no two spans sharing an id. */
  sort_cover ((Cover *) cover->data, cover->len);
  for (guint i = 0; i < cover->len; i++)
    {
      Cover *cv = &g_array_index (cover, Cover, i);
      if (i > 0)
        {
          Cover *pv = &g_array_index (cover, Cover, i - 1);
          if (pv->client == cv->client && pv->seq + pv->len > cv->seq)
            {
              rd_fail (r, "two spans share the id %u of a client", cv->seq);
              return NULL;
            }
        }
      _cairn_text_idx_insert (g_ptr_array_index (self->clients, cv->client), cv->seq, cv->leaf);
    }
  /* Explicit origins must name insertions (the others do by construction). */
  for (guint32 i = 0; i < nspans; i++)
    {
      CtLeaf *l;
      guint sl;
      if (!explicit[i])
        continue;
      if ((spans[i].ol.client != CT_NONE && !_cairn_text_lookup (self, spans[i].ol, &l, &sl)) ||
          (spans[i].or_.client != CT_NONE && !_cairn_text_lookup (self, spans[i].or_, &l, &sl)))
        {
          rd_fail (r, "span %u has an origin that is not an inserted character", i);
          return NULL;
        }
    }

  /* Deletions, by client: each takes the next gap its client's insertions
   * leave, so insertions and deletions tile the counters exactly. */
  {
    guint ci = 0;
    for (guint32 c = 0; c < nc; c++)
      {
        CtClient *cl = g_ptr_array_index (self->clients, c);
        guint32 n_dels, cur = 0;

        if (!rd_u32 (r, rd_left (r), &n_dels, "a deletion count"))
          return NULL;
        for (guint32 i = 0; i <= n_dels; i++)
          {
            CtDel d;
            guint64 head;
            guint32 limit;

            /* Skip the insertions that start here. */
            while (ci < cover->len && g_array_index (cover, Cover, ci).client == c &&
                   g_array_index (cover, Cover, ci).seq <= cur)
              {
                Cover *cv = &g_array_index (cover, Cover, ci);
                if (cv->seq < cur)
                  {
                    rd_fail (r, "two operations of client %u share the counter %u", c, cv->seq);
                    return NULL;
                  }
                cur += cv->len;
                ci++;
              }
            limit = ci < cover->len && g_array_index (cover, Cover, ci).client == c ?
                    g_array_index (cover, Cover, ci).seq : cl->next;
            if (i == n_dels)
              {
                if (cur != cl->next || limit != cl->next)
                  {
                    rd_fail (r, "the operations of client %u do not cover its %u counters",
                             c, cl->next);
                    return NULL;
                  }
                break;
              }
            if (!rd_varint (r, ((guint64) G_MAXUINT32 << 3) | 7, &head, "a deletion's header"))
              return NULL;
            d.len = (guint32) (head >> 3);
            d.rev = head & 1;
            d.seq = cur;
            if (d.len == 0 || (guint64) cur + d.len > limit)
              {
                rd_fail (r, "deletion %u of client %u is empty or overlaps an insertion", i, c);
                return NULL;
              }
            d.tclient = c;
            if ((head & 2) && !rd_u32 (r, nc - 1, &d.tclient, "a deletion's target client"))
              return NULL;
            if (head & 6)
              {
                gint64 dt;
                if (!rd_zigzag (r, &dt, "a deletion's target"))
                  return NULL;
                if (prev_tseq + dt < 0 || prev_tseq + dt + d.len >
                    ((CtClient *) g_ptr_array_index (self->clients, d.tclient))->next ||
                    (d.tclient == c && prev_tseq + dt + d.len > cur))
                  {
                    rd_fail (r, "deletion %u of client %u targets characters that do not exist", i, c);
                    return NULL;
                  }
                d.tseq = (guint32) (prev_tseq + dt);
              }
            else
              {
                guint32 back;
                if (!rd_u32 (r, cur, &back, "a deletion's target"))
                  return NULL;
                if ((guint64) back + d.len > cur)
                  {
                    rd_fail (r, "deletion %u of client %u targets characters before the first", i, c);
                    return NULL;
                  }
                d.tseq = cur - back - d.len;
              }
            prev_tseq = d.tseq;
            cur += d.len;
            /* Every target must be an inserted character marked deleted. */
            for (guint32 t = d.tseq, left = d.len; left > 0;)
              {
                CtLeaf *l;
                guint sl;
                CtSpan *sp;
                guint32 take;
                if (!_cairn_text_lookup (self, (CtId) { d.tclient, t }, &l, &sl) || !l->s[sl].deleted)
                  {
                    rd_fail (r, "deletion %u of client %u targets a character that is not a "
                             "deleted insertion", i, c);
                    return NULL;
                  }
                sp = &l->s[sl];
                take = MIN (sp->seq + sp->len - t, left);
                t += take;
                left -= take;
              }
            g_array_append_val (cl->dels, d);
          }
      }
  }

  /* The order operations were applied in. */
  if (!rd_u32 (r, rd_left (r) / 2, &n_order, "the order count"))
    return NULL;
  memset (last_end, 0, MAX (nc, 1) * sizeof (guint32));
  for (guint32 i = 0; i < n_order; i++)
    {
      CtOrder o;
      if (nc == 0)
        {
          rd_fail (r, "an order but no clients");
          return NULL;
        }
      if (!rd_u32 (r, nc - 1, &o.client, "an order entry's client") ||
          !rd_u32 (r, G_MAXUINT32 - 1, &o.len, "an order entry's length"))
        return NULL;
      if (o.len == 0 || (guint64) last_end[o.client] + o.len >
          ((CtClient *) g_ptr_array_index (self->clients, o.client))->next)
        {
          rd_fail (r, "order entry %u is empty or runs past its client's operations", i);
          return NULL;
        }
      last_end[o.client] += o.len;
      g_array_append_val (self->order, o);
    }
  for (guint32 c = 0; c < nc; c++)
    if (last_end[c] != ((CtClient *) g_ptr_array_index (self->clients, c))->next)
      {
        rd_fail (r, "the order misses operations of client %u", c);
        return NULL;
      }

  if (!check_history (r, self))
    return NULL;

  /* Held operations. */
  {
    guint32 pb;
    if (!rd_u32 (r, rd_left (r), &pb, "the held operations' size"))
      return NULL;
    if (pb > 0)
      {
        Reader sub = *r;
        const guint8 *p = NULL;
        if (!rd_bytes (r, pb, &p, "the held operations"))
          return NULL;
        sub.end = p + pb;
        if (*sub.p != TAG_OPS)
          {
            rd_fail (r, "the held operations are not an operation batch");
            return NULL;
          }
        sub.p++;
        if (!_cairn_text_read_ops (&sub, self->pending) || sub.p != sub.end)
          {
            if (!sub.failed)
              rd_fail (&sub, "unexpected bytes after the held operations");
            r->failed = TRUE;
            return NULL;
          }
      }
  }
  if (r->p != r->end)
    {
      rd_fail (r, "%" G_GSIZE_FORMAT " unexpected bytes at the end", rd_left (r));
      return NULL;
    }
  self->me = _cairn_text_ensure_client (self, me);
  return g_steal_pointer (&self);
}

CairnText *
cairn_text_decode_state (GBytes      *state,
                         const char  *client_id,
                         GError     **error)
{
  guint8 me[16];
  gsize size;
  const guint8 *data;
  Reader r;

  g_return_val_if_fail (state != NULL, NULL);

  if (!_cairn_text_parse_client_id (client_id, me, error))
    return NULL;
  data = _cairn_text_bytes_data (state, &size);
  r = (Reader) { data, data, data + size, "text state", error, FALSE };
  if (size == 0 || data[0] != TAG_STATE)
    {
      rd_fail (&r, "this is not an encoded text state (tag %#x)", size ? data[0] : 0);
      return NULL;
    }
  r.p++;
  return decode_state (&r, me);
}

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
          else if ((d = _cairn_text_find_del (cl, a)) != NULL)
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

/* What decode_state()'s steps share. Spans are read into an array first,
 * in document order, then put in leaves. */
typedef struct
{
  Reader    *r;
  CairnText *self;
  guint32    nc;           /* clients */
  guint32    nspans;
  CtSpan    *spans;
  guint8    *explicit;     /* per span: an origin is written as an id */
  guint32   *last_end;     /* per client: the counter after its last span */
  guint32    prev_client;  /* the client of the span read last */
  guint64    total_len;    /* code points of the spans read so far */
  GArray    *cover;        /* Cover, one per span, once in leaves */
  gint64     prev_tseq;    /* the target of the deletion read last */
} StateDecoder;

static void
state_decoder_clear (StateDecoder *d)
{
  g_clear_pointer (&d->spans, g_free);
  g_clear_pointer (&d->explicit, g_free);
  g_clear_pointer (&d->last_end, g_free);
  g_clear_pointer (&d->cover, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (StateDecoder, state_decoder_clear)

/* The client table: ids and operation counts, no id twice. */
static gboolean
read_clients (StateDecoder *d)
{
  g_autofree guint8 *ids = NULL;

  if (!rd_u32 (d->r, rd_left (d->r) / 17, &d->nc, "the client count"))
    return FALSE;
  ids = g_new (guint8, 16 * (gsize) MAX (d->nc, 1));
  for (guint32 i = 0; i < d->nc; i++)
    {
      const guint8 *id = NULL;
      CtClient *c;
      if (!rd_bytes (d->r, 16, &id, "a client id"))
        return FALSE;
      memcpy (ids + 16 * i, id, 16);
      c = _cairn_text_client_new (id);
      g_ptr_array_add (d->self->clients, c);
      if (!rd_u32 (d->r, G_MAXUINT32 - 1, &c->next, "a client's operation count"))
        return FALSE;
    }
  return _cairn_text_check_clients_distinct (d->r, ids, d->nc);
}

/* A span's first counter: right after the end of an earlier span of its
 * run (ol_mode 3), or relative to the end of its client's span before. */
static gboolean
read_span_counter (StateDecoder *d,
                   guint32       i,
                   guint         ol_mode)
{
  CtSpan *s = &d->spans[i];
  const CtClient *c = g_ptr_array_index (d->self->clients, s->client);
  guint32 *last_end = &d->last_end[s->client];
  gint64 delta;

  if (ol_mode == 3)
    {
      /* Continues the run of an earlier span: left origin is the
       * character before, counter right after that span's end. */
      guint32 back;
      const CtSpan *left;
      if (!rd_u32 (d->r, i, &back, "a span's run link"))
        return FALSE;
      left = &d->spans[i - back];
      if (back == 0 || left->client != s->client)
        return rd_fail (d->r, "span %u continues a span that is not of its client", i);
      delta = (gint64) left->seq + left->len - *last_end;
    }
  else if (!rd_zigzag (d->r, &delta, "a span's counter"))
    return FALSE;
  if (delta < -(gint64) *last_end ||
      (guint64) *last_end + delta + s->len > c->next)
    return rd_fail (d->r, "span %u lies outside its client's %u operations", i, c->next);
  s->seq = (guint32) (*last_end + delta);
  *last_end = s->seq + s->len;
  return TRUE;
}

/* Left origin, by ol_mode: 0 the end of the span before, 1 none, 2 the end
 * of a span a few back or an explicit id, 3 the character before. */
static gboolean
read_span_left_origin (StateDecoder *d,
                       guint32       i,
                       guint         ol_mode)
{
  CtSpan *s = &d->spans[i];
  const CtSpan *spans = d->spans;

  if (ol_mode == 3)
    {
      s->ol.client = s->client;
      s->ol.seq = s->seq - 1;
    }
  else if (ol_mode == 0)
    {
      if (i == 0)
        return rd_fail (d->r, "the first span's left origin is “the previous span”");
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
      if (!rd_u32 (d->r, i > 0 ? i - 1 : 0, &x, "a left origin's span link"))
        return FALSE;
      if (x > 0)
        {
          s->ol.client = spans[i - 1 - x].client;
          s->ol.seq = spans[i - 1 - x].seq + spans[i - 1 - x].len - 1;
        }
      else
        {
          d->explicit[i] = 1;
          if (!rd_u32 (d->r, d->nc - 1, &s->ol.client, "a left origin's client") ||
              !rd_u32 (d->r, G_MAXUINT32 - 1, &s->ol.seq, "a left origin"))
            return FALSE;
        }
    }
  return TRUE;
}

/* Right origin: 0 none, 1 an explicit id, k + 2 the start of the span k + 1
 * places ahead (2 is a flag of the header). A span ahead is not read yet:
 * the origin holds its index, for resolve_right_origins(). */
static gboolean
read_span_right_origin (StateDecoder *d,
                        guint32       i,
                        guint64       head)
{
  CtSpan *s = &d->spans[i];
  guint64 or_code;

  if (head & 16)
    or_code = 2;
  else if (!rd_varint (d->r, (guint64) d->nspans + 1, &or_code, "a right origin"))
    return FALSE;
  if (or_code == 0)
    {
      s->or_.client = CT_NONE;
      s->or_.seq = 0;
    }
  else if (or_code == 1)
    {
      d->explicit[i] = 1;
      if (!rd_u32 (d->r, d->nc - 1, &s->or_.client, "a right origin's client") ||
          !rd_u32 (d->r, G_MAXUINT32 - 1, &s->or_.seq, "a right origin"))
        return FALSE;
    }
  else
    {
      guint64 j = i + 1 + (or_code - 2);
      if (j >= d->nspans)
        return rd_fail (d->r, "span %u's right origin points past the last span", i);
      s->or_.client = CT_NONE - 1;
      s->or_.seq = (guint32) j;
    }
  return TRUE;
}

static gboolean
read_span (StateDecoder *d,
           guint32       i)
{
  CtSpan *s = &d->spans[i];
  guint64 head;
  guint ol_mode;

  if (!rd_varint (d->r, (guint64) G_MAXUINT32 << 5 | 31, &head, "a span header"))
    return FALSE;
  s->len = (guint32) (head >> 5);
  s->deleted = head & 1;
  ol_mode = (head >> 2) & 3;
  if (s->len == 0)
    return rd_fail (d->r, "span %u has length 0", i);
  if ((head & 2) && !rd_u32 (d->r, d->nc - 1, &d->prev_client, "a span's client"))
    return FALSE;
  s->client = d->prev_client;
  if (!read_span_counter (d, i, ol_mode) ||
      !read_span_left_origin (d, i, ol_mode) ||
      !read_span_right_origin (d, i, head))
    return FALSE;
  d->total_len += s->len;
  if (d->total_len >= G_MAXUINT32)
    return rd_fail (d->r, "the document is too long");
  return TRUE;
}

static void
resolve_right_origins (StateDecoder *d)
{
  for (guint32 i = 0; i < d->nspans; i++)
    if (d->spans[i].or_.client == CT_NONE - 1)
      {
        guint32 j = d->spans[i].or_.seq;
        d->spans[i].or_.client = d->spans[j].client;
        d->spans[i].or_.seq = d->spans[j].seq;
      }
}

static gboolean
read_spans (StateDecoder *d)
{
  if (!rd_u32 (d->r, rd_left (d->r) / 3, &d->nspans, "the span count"))
    return FALSE;
  if (d->nspans > 0 && d->nc == 0)
    return rd_fail (d->r, "spans but no clients");
  d->spans = g_new (CtSpan, MAX (d->nspans, 1));
  d->explicit = g_new0 (guint8, MAX (d->nspans, 1));
  d->last_end = g_new0 (guint32, MAX (d->nc, 1));
  for (guint32 i = 0; i < d->nspans; i++)
    if (!read_span (d, i))
      return FALSE;
  resolve_right_origins (d);
  return TRUE;
}

/* The text of every span, in document order: gives each span its place in
 * the content arena. */
static gboolean
read_content (StateDecoder *d)
{
  CtSpan *spans = d->spans;
  guint32 content_bytes;
  const guint8 *text = NULL;
  const char *bad;

  if (!rd_u32 (d->r, rd_left (d->r), &content_bytes, "the content size") ||
      !rd_bytes (d->r, content_bytes, &text, "the content"))
    return FALSE;
  if (!g_utf8_validate_len ((const char *) text, content_bytes, &bad))
    return rd_fail (d->r, "the content is not valid UTF-8 (at its byte %" G_GSIZE_FORMAT ")",
                    (gsize) ((const guint8 *) bad - text));
  /* As many bytes as code points: all ASCII, one byte per character. Only
   * then: a byte count that merely equals the code point count (a
   * multi-byte character, fewer characters than the spans claim) would cut
   * characters in two (found by tests/fuzz/fuzz-text.c). */
  if (content_bytes == d->total_len &&
      g_utf8_strlen ((const char *) text, content_bytes) == (glong) d->total_len)
    {
      guint32 off = 0;
      for (guint32 i = 0; i < d->nspans; i++)
        {
          spans[i].off = off;
          spans[i].bytes = spans[i].len;
          off += spans[i].len;
        }
    }
  else
    {
      const char *p = (const char *) text, *end = p + content_bytes;
      for (guint32 i = 0; i < d->nspans; i++)
        {
          const char *q = p;
          for (guint32 k = 0; k < spans[i].len; k++)
            {
              if (q >= end)
                return rd_fail (d->r, "the content holds fewer code points than the spans");
              q = g_utf8_next_char (q);
            }
          spans[i].off = (guint32) (p - (const char *) text);
          spans[i].bytes = (guint32) (q - p);
          p = q;
        }
      if (p != end)
        return rd_fail (d->r, "the content holds more code points than the spans");
    }
  _cairn_text_content_append (d->self, (const char *) text, content_bytes);
  return TRUE;
}

/* Leaves filled to three quarters, then the inner levels; one Cover per
 * span for index_spans(). */
static void
build_leaves (StateDecoder *d)
{
  guint per = CT_LEAF_CAP * 3 / 4;
  guint32 n_leaves = MAX ((d->nspans + per - 1) / per, 1);
  g_autofree CtLeaf **leaves = g_new (CtLeaf *, n_leaves);

  d->cover = g_array_sized_new (FALSE, FALSE, sizeof (Cover), d->nspans);
  for (guint32 li = 0; li < n_leaves; li++)
    {
      CtLeaf *l = _cairn_text_leaf_new ();
      leaves[li] = l;
      for (guint32 i = li * per; i < d->nspans && i < (li + 1) * per; i++)
        {
          const CtSpan *s = &d->spans[i];
          Cover cv = { s->client, s->seq, s->len, 0, l };
          l->s[l->h.n++] = *s;
          l->h.tot += s->len;
          if (!s->deleted)
            l->h.vis += s->len;
          g_array_append_val (d->cover, cv);
        }
    }
  _cairn_text_build_tree (d->self, leaves, n_leaves);
}

/* The id index, and no two spans sharing an id. Leaves d->cover sorted by
 * (client, counter), as read_deletions() needs it. */
static gboolean
index_spans (StateDecoder *d)
{
  GArray *cover = d->cover;

  sort_cover ((Cover *) cover->data, cover->len);
  for (guint i = 0; i < cover->len; i++)
    {
      Cover *cv = &g_array_index (cover, Cover, i);
      if (i > 0)
        {
          Cover *pv = &g_array_index (cover, Cover, i - 1);
          if (pv->client == cv->client && pv->seq + pv->len > cv->seq)
            return rd_fail (d->r, "two spans share the id %u of a client", cv->seq);
        }
      _cairn_text_idx_insert (g_ptr_array_index (d->self->clients, cv->client), cv->seq, cv->leaf);
    }
  return TRUE;
}

/* Explicit origins must name insertions (the others do by construction). */
static gboolean
check_explicit_origins (StateDecoder *d)
{
  for (guint32 i = 0; i < d->nspans; i++)
    {
      const CtSpan *s = &d->spans[i];
      CtLeaf *l;
      guint sl;
      if (!d->explicit[i])
        continue;
      if ((s->ol.client != CT_NONE && !_cairn_text_lookup (d->self, s->ol, &l, &sl)) ||
          (s->or_.client != CT_NONE && !_cairn_text_lookup (d->self, s->or_, &l, &sl)))
        return rd_fail (d->r, "span %u has an origin that is not an inserted character", i);
    }
  return TRUE;
}

/* Moves *cur past the insertions of client c that start there (d->cover
 * from *ci on); *limit is where the client's next insertion starts. */
static gboolean
skip_insertions (StateDecoder *d,
                 guint32       c,
                 guint        *ci,
                 guint32      *cur,
                 guint32      *limit)
{
  GArray *cover = d->cover;
  const CtClient *cl = g_ptr_array_index (d->self->clients, c);

  while (*ci < cover->len && g_array_index (cover, Cover, *ci).client == c &&
         g_array_index (cover, Cover, *ci).seq <= *cur)
    {
      Cover *cv = &g_array_index (cover, Cover, *ci);
      if (cv->seq < *cur)
        return rd_fail (d->r, "two operations of client %u share the counter %u", c, cv->seq);
      *cur += cv->len;
      (*ci)++;
    }
  *limit = *ci < cover->len && g_array_index (cover, Cover, *ci).client == c ?
           g_array_index (cover, Cover, *ci).seq : cl->next;
  return TRUE;
}

/* Deletion i of client c, taking counters from cur on (up to limit): its
 * length, direction and target, counted from the previous target or back
 * from cur. */
static gboolean
read_deletion (StateDecoder *d,
               guint32       c,
               guint32       i,
               guint32       cur,
               guint32       limit,
               CtDel        *del)
{
  guint64 head;

  if (!rd_varint (d->r, ((guint64) G_MAXUINT32 << 3) | 7, &head, "a deletion's header"))
    return FALSE;
  del->len = (guint32) (head >> 3);
  del->rev = head & 1;
  del->seq = cur;
  if (del->len == 0 || (guint64) cur + del->len > limit)
    return rd_fail (d->r, "deletion %u of client %u is empty or overlaps an insertion", i, c);
  del->tclient = c;
  if ((head & 2) && !rd_u32 (d->r, d->nc - 1, &del->tclient, "a deletion's target client"))
    return FALSE;
  if (head & 6)
    {
      gint64 dt;
      if (!rd_zigzag (d->r, &dt, "a deletion's target"))
        return FALSE;
      if (d->prev_tseq + dt < 0 || d->prev_tseq + dt + del->len >
          ((CtClient *) g_ptr_array_index (d->self->clients, del->tclient))->next ||
          (del->tclient == c && d->prev_tseq + dt + del->len > cur))
        return rd_fail (d->r, "deletion %u of client %u targets characters that do not exist", i, c);
      del->tseq = (guint32) (d->prev_tseq + dt);
    }
  else
    {
      guint32 back;
      if (!rd_u32 (d->r, cur, &back, "a deletion's target"))
        return FALSE;
      if ((guint64) back + del->len > cur)
        return rd_fail (d->r, "deletion %u of client %u targets characters before the first", i, c);
      del->tseq = cur - back - del->len;
    }
  d->prev_tseq = del->tseq;
  return TRUE;
}

/* Every target must be an inserted character marked deleted. */
static gboolean
check_deletion_targets (StateDecoder *d,
                        guint32       c,
                        guint32       i,
                        const CtDel  *del)
{
  for (guint32 t = del->tseq, left = del->len; left > 0;)
    {
      CtLeaf *l;
      guint sl;
      guint32 take;
      if (!ct_lookup_run (d->self, del->tclient, t, left, &l, &sl, &take) || !l->s[sl].deleted)
        return rd_fail (d->r, "deletion %u of client %u targets a character that is not a "
                        "deleted insertion", i, c);
      t += take;
      left -= take;
    }
  return TRUE;
}

/* Deletions, by client: each takes the next gap its client's insertions
 * leave, so insertions and deletions tile the counters exactly. */
static gboolean
read_deletions (StateDecoder *d)
{
  guint ci = 0;

  for (guint32 c = 0; c < d->nc; c++)
    {
      CtClient *cl = g_ptr_array_index (d->self->clients, c);
      guint32 n_dels, cur = 0;

      if (!rd_u32 (d->r, rd_left (d->r), &n_dels, "a deletion count"))
        return FALSE;
      for (guint32 i = 0; i <= n_dels; i++)
        {
          CtDel del;
          guint32 limit;

          if (!skip_insertions (d, c, &ci, &cur, &limit))
            return FALSE;
          if (i == n_dels)
            {
              if (cur != cl->next || limit != cl->next)
                return rd_fail (d->r, "the operations of client %u do not cover its %u counters",
                                c, cl->next);
              break;
            }
          if (!read_deletion (d, c, i, cur, limit, &del))
            return FALSE;
          cur += del.len;
          if (!check_deletion_targets (d, c, i, &del))
            return FALSE;
          g_array_append_val (cl->dels, del);
        }
    }
  return TRUE;
}

/* The order operations were applied in: runs of one client's operations
 * that together hold each operation once. */
static gboolean
read_order (StateDecoder *d)
{
  guint32 n_order;
  guint32 *done = d->last_end;

  if (!rd_u32 (d->r, rd_left (d->r) / 2, &n_order, "the order count"))
    return FALSE;
  memset (done, 0, MAX (d->nc, 1) * sizeof (guint32));
  for (guint32 i = 0; i < n_order; i++)
    {
      CtOrder o;
      if (d->nc == 0)
        return rd_fail (d->r, "an order but no clients");
      if (!rd_u32 (d->r, d->nc - 1, &o.client, "an order entry's client") ||
          !rd_u32 (d->r, G_MAXUINT32 - 1, &o.len, "an order entry's length"))
        return FALSE;
      if (o.len == 0 || (guint64) done[o.client] + o.len >
          ((CtClient *) g_ptr_array_index (d->self->clients, o.client))->next)
        return rd_fail (d->r, "order entry %u is empty or runs past its client's operations", i);
      done[o.client] += o.len;
      g_array_append_val (d->self->order, o);
    }
  for (guint32 c = 0; c < d->nc; c++)
    if (done[c] != ((CtClient *) g_ptr_array_index (d->self->clients, c))->next)
      return rd_fail (d->r, "the order misses operations of client %u", c);
  return TRUE;
}

/* Held operations: an encoded op batch, prefixed with its size. */
static gboolean
read_held_ops (Reader    *r,
               CairnText *self)
{
  guint32 pb;
  Reader sub;
  const guint8 *p = NULL;

  if (!rd_u32 (r, rd_left (r), &pb, "the held operations' size"))
    return FALSE;
  if (pb == 0)
    return TRUE;
  sub = *r;
  if (!rd_bytes (r, pb, &p, "the held operations"))
    return FALSE;
  sub.end = p + pb;
  if (*sub.p != TAG_OPS)
    return rd_fail (r, "the held operations are not an operation batch");
  sub.p++;
  if (!_cairn_text_read_ops (&sub, self->pending) || sub.p != sub.end)
    {
      if (!sub.failed)
        rd_fail (&sub, "unexpected bytes after the held operations");
      r->failed = TRUE;
      return FALSE;
    }
  return TRUE;
}

/* A state's parts in the order they are written (docs/text-crdt.md), each
 * checked on its own and then against each other. */
static CairnText *
decode_state (Reader        *r,
              const guint8   me[16])
{
  g_autoptr(CairnText) self = _cairn_text_new_empty ();
  g_auto(StateDecoder) d = { .r = r, .self = self };

  if (!read_clients (&d) ||
      !read_spans (&d) ||
      !read_content (&d))
    return NULL;
  build_leaves (&d);
  if (!index_spans (&d) ||
      !check_explicit_origins (&d) ||
      !read_deletions (&d) ||
      !read_order (&d) ||
      !check_history (r, self) ||
      !read_held_ops (r, self))
    return NULL;
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
  Reader r;

  g_return_val_if_fail (state != NULL, NULL);

  if (!_cairn_text_parse_client_id (client_id, me, error) ||
      !_cairn_text_reader_start (&r, state, "text state", TAG_STATE, "text state", error))
    return NULL;
  return decode_state (&r, me);
}

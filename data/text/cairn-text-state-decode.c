/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-state-decode.c: a document from the bytes that
 * cairn-text-state-encode.c writes (full or compact, and the format before,
 * tag 0xC2), checked as it is read: damaged or hostile input is an error,
 * never a crash or a document edits cannot make. Every check is linear in
 * the runs (spans, deletions, order entries) or a plain pass over the text:
 * none walks the characters one by one. */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>
#include <zstd.h>

#include "cairn-text-codec-private.h"

typedef struct
{
  guint32 client;
  guint32 seq;
  guint32 len;
  guint32 span;      /* index in document order, COVER_DELETED when deleted */
} Cover;

#define COVER_DELETED 0x80000000u
#define LEAF_FILL     (CT_LEAF_CAP * 3 / 4)   /* spans a decoded leaf holds */
#define COVER_SPAN(cv) ((cv)->span & ~COVER_DELETED)

/* LSD radix sort by (client, seq), 11 bits a pass, skipping digits that
 * are the same in every entry (usually all but two). */
#define SORT_BITS 11
#define SORT_MASK ((1u << SORT_BITS) - 1)

static void
sort_cover (Cover *v,
            gsize  n)
{
  g_autofree Cover *tmp = NULL;
  g_autofree gsize *count = NULL;
  Cover *src = v;
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
  count = g_new (gsize, SORT_MASK + 2);
  for (guint shift = 0; shift < 64; shift += SORT_BITS)
    {
      Cover *swap;

      if ((((all_or ^ all_and) >> shift) & SORT_MASK) == 0)
        continue;
      memset (count, 0, (SORT_MASK + 2) * sizeof (gsize));
      for (gsize i = 0; i < n; i++)
        count[((((guint64) src[i].client << 32) | src[i].seq) >> shift & SORT_MASK) + 1]++;
      for (guint d = 0; d <= SORT_MASK; d++)
        count[d + 1] += count[d];
      for (gsize i = 0; i < n; i++)
        tmp[count[(((guint64) src[i].client << 32) | src[i].seq) >> shift & SORT_MASK]++] = src[i];
      swap = src;
      src = tmp;
      tmp = swap;
    }
  if (src != v)
    {
      memcpy (v, src, n * sizeof (Cover));
      tmp = src;
    }
}

/* What decode_state()'s steps share. Spans are read into an array first,
 * in document order, then put in leaves. */
typedef struct
{
  Reader    *r;
  CairnText *self;
  guint32    nc;           /* clients */
  guint32   *next;         /* per client: its operation count in the state */
  guint32    nspans;
  CtSpan    *spans;
  guint8    *explicit;     /* per span: an origin is written as an id */
  guint32   *last_end;     /* per client: the counter after its last span */
  guint32    prev_client;  /* the client of the span read last */
  guint64    total_len;    /* code points of the spans read so far */
  GArray    *cover;        /* Cover, one per span, once in leaves */
  CtLeaf   **leaves;       /* span i is in leaves[i / LEAF_FILL] */
  gint64     prev_tseq;    /* the target of the deletion read last */
  guint32    dead_points;  /* code points of the CT_LAZY_TEXT spans */
  guint32    tomb_flag;    /* what read_span() gives a tombstone: CT_UNKNOWN_TEXT
                            * (compact), CT_LAZY_TEXT (full, STATE_FLAG_LAZY) */
  guint64    stored_points; /* code points of the spans whose text is in part 6 */
  guint      version;      /* 1: tag 0xC2, 2: tag 0xC4 */
  guint      flags;        /* STATE_FLAG_* (version 2) */
} StateDecoder;

static void
state_decoder_clear (StateDecoder *d)
{
  g_clear_pointer (&d->spans, g_free);
  g_clear_pointer (&d->explicit, g_free);
  g_clear_pointer (&d->last_end, g_free);
  g_clear_pointer (&d->next, g_free);
  g_clear_pointer (&d->cover, g_array_unref);
  g_clear_pointer (&d->leaves, g_free);
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
  d->next = g_new (guint32, MAX (d->nc, 1));
  for (guint32 i = 0; i < d->nc; i++)
    d->next[i] = ((CtClient *) g_ptr_array_index (d->self->clients, i))->next;
  return _cairn_text_check_clients_distinct (d->r, ids, d->nc);
}

/* The varint at *pp, as rd_varint() reads it: one byte here, a longer
 * one (or a failure) through rd_varint(). read_spans() keeps its place in
 * a local so that the compiler keeps it in a register. */
static inline gboolean
next_varint (Reader         *r,
             const guint8  **pp,
             const guint8   *end,
             guint64         max,
             guint64        *out,
             const char     *field)
{
  const guint8 *p = *pp;

  if (G_LIKELY (p < end && *p < 0x80 && *p <= max))
    {
      *out = *p;
      *pp = p + 1;
      return TRUE;
    }
  r->p = p;
  if (!rd_varint (r, max, out, field))
    return FALSE;
  *pp = r->p;
  return TRUE;
}

#define NEXT(max, out, field) \
  G_STMT_START { \
    if (!next_varint (r, &p, end, (max), &(out), (field))) \
      return FALSE; \
  } G_STMT_END

/* The spans, in document order. Each is a header `len << 5 | flags`
 * (bit 0 deleted, bit 1 a client follows, bits 2-3 the left origin's
 * mode, bit 4 the right origin is the next span's start), the client, the
 * counter (a link back to the span whose run it continues, mode 3, or a
 * zig-zag delta from the end of its client's span before), the left
 * origin (mode 0 the end of the span before, 1 none, 2 a link back or an
 * explicit id, 3 the character before), the right origin (0 none, 1 an
 * explicit id, k + 2 the start of the span k + 1 ahead: resolved once
 * every span is read). One loop over locals: it is most of decoding. */
static gboolean
read_spans (StateDecoder *d)
{
  Reader *r = d->r;
  const guint8 *p, *end;
  CtSpan *spans;
  guint8 *explicit;
  guint32 *last_end;
  const guint32 *next = d->next;
  guint32 nc = d->nc, nspans, client = 0, tomb = d->tomb_flag;
  guint64 stored = 0, total = 0;

  if (!rd_u32 (r, rd_left (r) / 3, &d->nspans, "the span count"))
    return FALSE;
  nspans = d->nspans;
  if (nspans > 0 && nc == 0)
    return rd_fail (r, "spans but no clients");
  spans = d->spans = g_new (CtSpan, MAX (nspans, 1));
  explicit = d->explicit = g_new0 (guint8, MAX (nspans, 1));
  last_end = d->last_end = g_new0 (guint32, MAX (nc, 1));
  p = r->p;
  end = r->end;
  for (guint32 i = 0; i < nspans; i++)
    {
      CtSpan *sp = &spans[i];
      guint64 head, v, or_code;
      guint32 len, mode, seq;
      gint64 delta;

      NEXT ((guint64) G_MAXUINT32 << 5 | 31, head, "a span header");
      len = (guint32) (head >> 5);
      mode = (head >> 2) & 3;
      if (len == 0)
        {
          r->p = p;
          return rd_fail (r, "span %u has length 0", i);
        }
      if (head & 2)
        {
          NEXT (nc - 1, v, "a span's client");
          client = (guint32) v;
        }
      sp->client = client;
      sp->len = len;
      sp->deleted = (head & 1) ? CT_DELETED | tomb : 0;
      if (!(sp->deleted & CT_NO_TEXT))
        stored += len;

      /* The counter. */
      if (mode == 3)
        {
          const CtSpan *left;
          NEXT (i, v, "a span's run link");
          left = &spans[i - v];
          if (v == 0 || left->client != client)
            {
              r->p = p;
              return rd_fail (r, "span %u continues a span that is not of its client", i);
            }
          delta = (gint64) left->seq + left->len - last_end[client];
        }
      else
        {
          NEXT (G_MAXUINT64, v, "a span's counter");
          delta = (gint64) (v >> 1) ^ -(gint64) (v & 1);
        }
      if (delta < -(gint64) last_end[client] ||
          (guint64) last_end[client] + delta + len > next[client])
        {
          r->p = p;
          return rd_fail (r, "span %u lies outside its client's %u operations", i, next[client]);
        }
      seq = sp->seq = (guint32) (last_end[client] + delta);
      last_end[client] = seq + len;

      /* The left origin. */
      if (mode == 3)
        sp->ol = (CtId) { client, seq - 1 };
      else if (mode == 0)
        {
          if (i == 0)
            {
              r->p = p;
              return rd_fail (r, "the first span's left origin is “the previous span”");
            }
          sp->ol = (CtId) { spans[i - 1].client, spans[i - 1].seq + spans[i - 1].len - 1 };
        }
      else if (mode == 1)
        sp->ol = (CtId) { CT_NONE, 0 };
      else
        {
          NEXT (i > 0 ? i - 1 : 0, v, "a left origin's span link");
          if (v > 0)
            {
              const CtSpan *o = &spans[i - 1 - v];
              sp->ol = (CtId) { o->client, o->seq + o->len - 1 };
            }
          else
            {
              guint64 oc, os;
              explicit[i] = 1;
              NEXT (nc - 1, oc, "a left origin's client");
              NEXT (G_MAXUINT32 - 1, os, "a left origin");
              sp->ol = (CtId) { (guint32) oc, (guint32) os };
            }
        }

      /* The right origin. */
      if (head & 16)
        or_code = 2;
      else
        NEXT ((guint64) nspans + 1, or_code, "a right origin");
      if (or_code == 0)
        sp->or_ = (CtId) { CT_NONE, 0 };
      else if (or_code == 1)
        {
          guint64 oc, os;
          explicit[i] = 1;
          NEXT (nc - 1, oc, "a right origin's client");
          NEXT (G_MAXUINT32 - 1, os, "a right origin");
          sp->or_ = (CtId) { (guint32) oc, (guint32) os };
        }
      else
        {
          guint64 j = i + 1 + (or_code - 2);
          if (j >= nspans)
            {
              r->p = p;
              return rd_fail (r, "span %u's right origin points past the last span", i);
            }
          sp->or_ = (CtId) { CT_NONE - 1, (guint32) j };
        }

      total += len;
      if (total >= G_MAXUINT32)
        {
          r->p = p;
          return rd_fail (r, "the document is too long");
        }
    }
  r->p = p;
  d->prev_client = client;
  d->stored_points = stored;
  d->total_len = total;

  for (guint32 i = 0; i < nspans; i++)
    if (spans[i].or_.client == CT_NONE - 1)
      {
        guint32 j = spans[i].or_.seq;
        spans[i].or_ = (CtId) { spans[j].client, spans[j].seq };
      }
  return TRUE;
}

#undef NEXT

/* Whether the 8 bytes at p are ASCII and none is NUL. */
static inline gboolean
ascii8 (const guint8 *p)
{
  guint64 w;

  memcpy (&w, p, 8);
  return (w & 0x8080808080808080ull) == 0 &&
         ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull) == 0;
}

/* Where a run of multi-byte characters lies in the text: [start, end). */
typedef struct
{
  guint32 start;
  guint32 end;
} Runs;

/* Valid UTF-8 without NUL, as g_utf8_validate_len() says, eight ASCII bytes
 * at a time. @runs gets the runs of multi-byte characters, unless there
 * are more than one for every 64 bytes: then it is freed and set to NULL. */
static gboolean
validate_utf8 (const guint8  *p,
               gsize          n,
               gsize         *bad,
               GArray       **runs)
{
  const guint8 *start = p, *end = p + n;
  guint cap = n / 64 + 16;

  while (p < end)
    {
      const guint8 *q;
      const char *stop;

      while (end - p >= 8 && ascii8 (p))
        p += 8;
      while (p < end && *p != 0 && *p < 0x80)
        p++;
      if (p == end)
        break;
      /* A NUL, or a run of multi-byte characters up to the next ASCII
       * byte (which always starts a character). */
      for (q = p + 1; q < end && *q >= 0x80; q++)
        ;
      if (!g_utf8_validate_len ((const char *) p, q - p, &stop))
        {
          *bad = (gsize) ((const guint8 *) stop - start);
          return FALSE;
        }
      if (*runs != NULL && (*runs)->len >= cap)
        g_clear_pointer (runs, g_array_unref);
      if (*runs != NULL)
        g_array_append_val (*runs, ((Runs) { (guint32) (p - start), (guint32) (q - start) }));
      p = q;
    }
  return TRUE;
}

/* The end of the @k code points of valid UTF-8 from @p (a character's
 * start), or NULL when the text ends before: counts the bytes that start
 * a character, a loop the compiler vectorises. */
static inline const guint8 *
skip_code_points (const guint8 *p,
                  const guint8 *end,
                  guint32       k)
{
  const guint8 *q = p;
  guint32 need = k;

  while (need > 0)
    {
      const guint8 *e;
      guint32 starts = 0;

      if ((gsize) (end - q) < need)
        return NULL;
      e = q + need;
      /* Eight bytes at a time: a continuation byte is 10xxxxxx. */
      for (; e - q >= 8; q += 8)
        {
          guint64 w;
          memcpy (&w, q, 8);
          guint64 cont = (w & ~(w << 1) & 0x8080808080808080ull) >> 7;
          /* The sum of the eight 0/1 bytes, in the top byte. */
          starts += 8 - (guint32) ((cont * 0x0101010101010101ull) >> 56);
        }
      for (; q < e; q++)
        starts += (*q & 0xC0) != 0x80;
      need -= starts;
    }
  while (q < end && (*q & 0xC0) == 0x80)
    q++;
  return q;
}

/* Whether span s stores no text: a tombstone of a compact state, or one
 * listed as unknown in a full state. */
static inline gboolean
span_text_unknown (const CtSpan *s)
{
  return (s->deleted & CT_NO_TEXT) != 0;
}

/* Gives every span its place in the arena, which holds @n bytes of
 * text: the stored text of the spans that have it, in document order.
 * Spans without text get places of their own (see CT_UNKNOWN_TEXT). */
static gboolean
place_spans (StateDecoder *d,
             guint64       stored_points)
{
  CtSpan *spans = d->spans;
  const guint8 *text = d->self->content, *end = text + d->self->content_len;
  gsize bad = 0;
  g_autoptr(GArray) runs = g_array_new (FALSE, FALSE, sizeof (Runs));
  guint32 off = 0, unknown_off = 0, lazy_off = 0;
  guint k = 0;

  if (!validate_utf8 (text, d->self->content_len, &bad, &runs))
    return rd_fail (d->r, "the content is not valid UTF-8 (at its byte %" G_GSIZE_FORMAT ")", bad);
  if (runs != NULL && runs->len == 0 && d->self->content_len != stored_points)
    return rd_fail (d->r, "the content holds %" G_GSIZE_FORMAT " code points, the spans %" G_GUINT64_FORMAT,
                    d->self->content_len, stored_points);
  for (guint32 i = 0; i < d->nspans; i++)
    {
      CtSpan *s = &spans[i];
      const guint8 *q;

      if (s->deleted & CT_LAZY_TEXT)
        {
          s->off = lazy_off;
          s->bytes = s->len;
          lazy_off += s->len;
          continue;
        }
      if (span_text_unknown (s))
        {
          s->off = unknown_off;
          s->bytes = s->len;
          unknown_off += s->len;
          continue;
        }
      /* ASCII up to the next run of multi-byte characters: a byte a code
       * point. Otherwise count. */
      while (runs != NULL && k < runs->len && g_array_index (runs, Runs, k).end <= off)
        k++;
      if (runs != NULL && (k == runs->len || g_array_index (runs, Runs, k).start >= (guint64) off + s->len))
        q = (gsize) (end - (text + off)) >= s->len ? text + off + s->len : NULL;
      else
        q = skip_code_points (text + off, end, s->len);
      if (q == NULL)
        return rd_fail (d->r, "the content holds fewer code points than the spans");
      s->off = off;
      s->bytes = (guint32) (q - (text + off));
      off += s->bytes;
    }
  if (text + off != end)
    return rd_fail (d->r, "the content holds more code points than the spans");
  d->dead_points = lazy_off;
  return TRUE;
}

/* Version 2: which tombstones have no stored text. Compact: all of them;
 * full: those listed (gaps between span indices). */
static gboolean
read_unknown (StateDecoder *d)
{
  guint32 n, at = 0;

  /* read_span() marked the tombstones (d->tomb_flag). */
  if (d->flags & STATE_FLAG_COMPACT)
    {
      d->self->history_partial = TRUE;
      return TRUE;
    }
  if (!rd_u32 (d->r, d->nspans, &n, "the count of tombstones without text"))
    return FALSE;
  for (guint32 k = 0; k < n; k++)
    {
      guint32 gap;
      if (!rd_u32 (d->r, d->nspans, &gap, "a tombstone without text"))
        return FALSE;
      if ((k > 0 && gap == 0) || (guint64) at + gap >= d->nspans || !d->spans[at + gap].deleted)
        return rd_fail (d->r, "tombstone %u without text is not a deleted span", k);
      at += gap;
      if (!(d->spans[at].deleted & CT_NO_TEXT))
        d->stored_points -= d->spans[at].len;
      d->spans[at].deleted = CT_DELETED | CT_UNKNOWN_TEXT;
      d->self->history_partial = TRUE;
    }
  return TRUE;
}

static void
free_dctx (gpointer dctx)
{
  ZSTD_freeDCtx (dctx);
}

/* A decompression context per thread, kept: making one costs about as
 * much as decompressing a short note. */
static ZSTD_DCtx *
thread_dctx (void)
{
  static GPrivate key = G_PRIVATE_INIT (free_dctx);
  ZSTD_DCtx *dctx = g_private_get (&key);

  if (dctx == NULL)
    {
      dctx = ZSTD_createDCtx ();
      g_private_set (&key, dctx);
    }
  return dctx;
}

/* The text of every span that stores it, in document order (raw, or in
 * version 2 possibly one zstd frame), into the arena; then every span's
 * place in it. */
static gboolean
read_content (StateDecoder *d)
{
  CairnText *self = d->self;
  guint64 stored_points = d->stored_points;
  guint32 kind = 0, raw, stored;
  const guint8 *data = NULL;
  if (d->version >= 2 && !rd_u32 (d->r, 1, &kind, "the content's kind"))
    return FALSE;
  if (kind == 0)
    {
      if (!rd_u32 (d->r, rd_left (d->r), &raw, "the content size") ||
          !rd_bytes (d->r, raw, &data, "the content"))
        return FALSE;
      self->content = g_malloc (MAX (raw, 1));
      memcpy (self->content, data, raw);
    }
  else
    {
      gsize got;

      /* At most four bytes a code point, and no more than the encoder
       * ever shrinks: a few bytes cannot claim gigabytes. */
      if (!rd_u32 (d->r, G_MAXUINT32, &raw, "the content size") ||
          !rd_u32 (d->r, rd_left (d->r), &stored, "the compressed content size") ||
          !rd_bytes (d->r, stored, &data, "the compressed content"))
        return FALSE;
      if (raw > 4 * stored_points || raw / MAX (stored, 1) >= STATE_MAX_RATIO)
        return rd_fail (d->r, "the content claims %u bytes from %u", raw, stored);
      if (ZSTD_getFrameContentSize (data, stored) != raw)
        return rd_fail (d->r, "the compressed content is not one frame of %u bytes", raw);
      self->content = g_malloc (MAX (raw, 1));
      got = ZSTD_decompressDCtx (thread_dctx (), self->content, raw, data, stored);
      if (ZSTD_isError (got) || got != raw)
        return rd_fail (d->r, "the compressed content does not decompress (%s)",
                        ZSTD_isError (got) ? ZSTD_getErrorName (got) : "wrong size");
    }
  self->content_len = raw;
  self->content_cap = MAX (raw, 1);
  return place_spans (d, stored_points);
}

/* Leaves filled to three quarters, then the inner levels; one Cover per
 * span for index_spans(). */
static void
build_leaves (StateDecoder *d)
{
  guint per = LEAF_FILL;
  guint32 n_leaves = MAX ((d->nspans + per - 1) / per, 1);
  CtLeaf **leaves = d->leaves = g_new (CtLeaf *, n_leaves);
  Cover *cv;

  d->cover = g_array_sized_new (FALSE, FALSE, sizeof (Cover), d->nspans);
  g_array_set_size (d->cover, d->nspans);
  cv = (Cover *) d->cover->data;
  for (guint32 li = 0; li < n_leaves; li++)
    {
      CtLeaf *l = _cairn_text_leaf_new ();
      guint32 i0 = li * per, i1 = MIN (d->nspans, i0 + per);

      leaves[li] = l;
      if (i1 > i0)
        memcpy (l->s, d->spans + i0, (i1 - i0) * sizeof (CtSpan));
      l->h.n = i1 - i0;
      for (guint32 i = i0; i < i1; i++)
        {
          const CtSpan *s = &d->spans[i];
          cv[i] = (Cover) { s->client, s->seq, s->len, i | (s->deleted ? COVER_DELETED : 0) };
          l->h.tot += s->len;
          if (!s->deleted)
            l->h.vis += s->len;
        }
    }
  _cairn_text_build_tree (d->self, leaves, n_leaves);
}

/* The id index, and no two spans sharing an id. Leaves d->cover sorted by
 * (client, counter), as read_deletions() needs it. Each client's index is
 * built whole: full chunks, in order. */
static gboolean
index_spans (StateDecoder *d)
{
  Cover *cv = (Cover *) d->cover->data;
  guint n = d->cover->len;

  sort_cover (cv, n);
  for (guint i = 0; i < n;)
    {
      CtClient *c = g_ptr_array_index (d->self->clients, cv[i].client);
      guint j = i;

      while (j < n && cv[j].client == cv[i].client)
        {
          if (j > i && cv[j - 1].seq + cv[j - 1].len > cv[j].seq)
            return rd_fail (d->r, "two spans share the id %u of a client", cv[j].seq);
          j++;
        }
      c->n_chunks = (j - i + CT_IDX_CAP - 1) / CT_IDX_CAP;
      c->cap_chunks = MAX (c->n_chunks, 4);
      c->chunks = g_new (CtIdxChunk *, c->cap_chunks);
      for (guint k = 0; k < c->n_chunks; k++)
        {
          CtIdxChunk *ch = g_new (CtIdxChunk, 1);
          guint a = i + k * CT_IDX_CAP, b = MIN (j, a + CT_IDX_CAP);

          ch->n = b - a;
          for (guint e = a; e < b; e++)
            ch->e[e - a] = (CtIdxEnt) { cv[e].seq, d->leaves[COVER_SPAN (&cv[e]) / LEAF_FILL] };
          c->chunks[k] = ch;
        }
      i = j;
    }
  return TRUE;
}

static inline guint64
cover_key (const Cover *cv)
{
  return ((guint64) cv->client << 32) | cv->seq;
}

/* Explicit origins must name insertions (the others do by construction):
 * the origins, sorted by id, walked along d->cover (sorted too) in one
 * pass, which reads both arrays in order instead of searching the spans
 * once for each origin. */
static gboolean
check_explicit_origins (StateDecoder *d)
{
  const Cover *cv = (const Cover *) d->cover->data;
  guint ncv = d->cover->len, k = 0;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (Cover));

  for (guint32 i = 0; i < d->nspans; i++)
    {
      const CtSpan *s = &d->spans[i];
      if (!d->explicit[i])
        continue;
      if (s->ol.client != CT_NONE)
        g_array_append_val (ids, ((Cover) { s->ol.client, s->ol.seq, 1, i }));
      if (s->or_.client != CT_NONE)
        g_array_append_val (ids, ((Cover) { s->or_.client, s->or_.seq, 1, i }));
    }
  sort_cover ((Cover *) ids->data, ids->len);
  for (guint e = 0; e < ids->len; e++)
    {
      const Cover *id = &g_array_index (ids, Cover, e);
      guint64 key = cover_key (id);

      /* The last span that starts at or before the id. */
      while (k + 1 < ncv && cover_key (&cv[k + 1]) <= key)
        k++;
      if (ncv == 0 || cover_key (&cv[k]) > key || cv[k].client != id->client ||
          id->seq - cv[k].seq >= cv[k].len)
        return rd_fail (d->r, "span %u has an origin that is not an inserted character", id->span);
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
           g_array_index (cover, Cover, *ci).seq : d->next[c];
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
      /* dt comes off the wire and may be anything: compare before
       * adding, so the sum cannot overflow. */
      if (dt < -d->prev_tseq || dt > (gint64) G_MAXUINT32 - d->prev_tseq ||
          d->prev_tseq + dt + del->len > d->next[del->tclient] ||
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
      /* Room for them all at once (a deletion takes at least a byte);
       * on failure the caller drops the array. */
      g_array_set_size (cl->dels, n_dels);
      for (guint32 i = 0; i <= n_dels; i++)
        {
          CtDel del;
          guint32 limit;

          if (!skip_insertions (d, c, &ci, &cur, &limit))
            return FALSE;
          if (i == n_dels)
            {
              if (cur != d->next[c] || limit != d->next[c])
                return rd_fail (d->r, "the operations of client %u do not cover its %u counters",
                                c, d->next[c]);
              break;
            }
          if (!read_deletion (d, c, i, cur, limit, &del))
            return FALSE;
          cur += del.len;
          g_array_index (cl->dels, CtDel, i) = del;
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
          d->next[o.client])
        return rd_fail (d->r, "order entry %u is empty or runs past its client's operations", i);
      done[o.client] += o.len;
      g_array_append_val (d->self->order, o);
    }
  for (guint32 c = 0; c < d->nc; c++)
    if (done[c] != d->next[c])
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

/* Whether deletion ops d->seq + k, k0 <= k < k1, may delete their
 * targets. Forwards, target and op advance together; backwards, the
 * first op takes the highest target. */
static inline gboolean
deletion_done (const CtDel   *d,
               guint32        c,
               guint32        k0,
               guint32        k1,
               const guint32 *done)
{
  guint32 hi = d->rev ? d->tseq + d->len - 1 - k0 : d->tseq + k1 - 1;

  if (d->tclient == c)
    return d->rev ? hi < d->seq + k0 : d->tseq < d->seq;
  return hi < done[d->tclient];
}

/* The rest of decode_state() checks each part of a state on its own; a
 * damaged file can pass all of that and still not be a document that edits
 * make (found by tests/fuzz/fuzz-text.c). Two cross-checks, linear in the
 * runs of the state:
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
 * Each client's insertions (d->cover, sorted) and deletions are walked
 * with a cursor as the order reaches them.
 *
 * Not checked: that every character sits where the integration rule puts
 * it given its origins (that takes a replay, about ten times the cost of
 * decoding: docs/fuzzing.md). */
static gboolean
check_history (StateDecoder *d)
{
  CairnText *self = d->self;
  guint32 nc = self->clients->len;
  const Cover *cv = (const Cover *) d->cover->data;
  guint ncv = d->cover->len;
  g_autofree guint32 *done = g_new0 (guint32, MAX (nc, 1));
  g_autofree guint *ci = g_new0 (guint, MAX (nc, 1));
  g_autofree guint *di = g_new0 (guint, MAX (nc, 1));
  g_autoptr(GArray) dead = NULL;
  guint64 reach = 0;
  guint j = 0;

  for (guint i = ncv; i-- > 0;)
    ci[cv[i].client] = i;
  /* One client: its order is its counters, so an operation may depend on
   * any lower counter only; checked in document order, which reads the
   * spans in memory order. */
  for (guint32 i = 0; nc == 1 && i < d->nspans; i++)
    {
      const CtSpan *sp = &d->spans[i];
      if ((sp->ol.client != CT_NONE && sp->ol.seq >= sp->seq) ||
          (sp->or_.client != CT_NONE && sp->or_.seq >= sp->seq))
        return rd_fail (d->r, "operation %u of a client comes before an operation it depends on", sp->seq);
    }
  for (guint i = 0; nc == 1 && i < ((CtClient *) g_ptr_array_index (self->clients, 0))->dels->len; i++)
    {
      const CtDel *del = &g_array_index (((CtClient *) g_ptr_array_index (self->clients, 0))->dels, CtDel, i);
      if (!deletion_done (del, 0, 0, del->len, done))
        return rd_fail (d->r, "deletion %u of a client comes before the insertion it deletes", del->seq);
    }
  for (guint i = 0; nc > 1 && i < self->order->len; i++)
    {
      const CtOrder *o = &g_array_index (self->order, CtOrder, i);
      guint32 c = o->client;
      const CtClient *cl = g_ptr_array_index (self->clients, c);
      guint32 a = done[c], b = a + o->len;

      while (a < b)
        {
          const Cover *x = ci[c] < ncv && cv[ci[c]].client == c ? &cv[ci[c]] : NULL;
          const CtDel *del = di[c] < cl->dels->len ? &g_array_index (cl->dels, CtDel, di[c]) : NULL;

          if (x != NULL && x->seq <= a)
            {
              const CtSpan *sp = &d->spans[COVER_SPAN (x)];

              /* Past its first character a run's left origin is the
               * character before, of the same client. */
              if ((a == sp->seq && !dependency_done (sp->ol, c, a, done)) ||
                  !dependency_done (sp->or_, c, a, done))
                return rd_fail (d->r, "operation %u of a client comes before an operation it depends on", a);
              a = MIN (sp->seq + sp->len, b);
              if (a == sp->seq + sp->len)
                ci[c]++;
            }
          else if (del != NULL && del->seq <= a)
            {
              guint32 end = MIN (del->seq + del->len, b);

              if (!deletion_done (del, c, a - del->seq, end - del->seq, done))
                return rd_fail (d->r, "deletion %u of a client comes before the insertion it deletes", a);
              a = end;
              if (a == del->seq + del->len)
                di[c]++;
            }
          else
            return rd_fail (d->r, "the order names operation %u of a client that is neither an insertion "
                            "nor a deletion", a);
        }
      done[c] = b;
    }

  /* Deletions and tombstones, both sorted by (client, counter), in one
   * merge: every target of a deletion is a deleted insertion, and every
   * deleted span lies within the union of the targets (reach: how far the
   * targets that start at or before the current place extend). */
  {
    guint n_dels = 0;
    for (guint32 c = 0; c < nc; c++)
      n_dels += ((CtClient *) g_ptr_array_index (self->clients, c))->dels->len;
    dead = g_array_sized_new (FALSE, FALSE, sizeof (Cover), n_dels);
  }
  for (guint32 c = 0; c < nc; c++)
    {
      GArray *dels = ((CtClient *) g_ptr_array_index (self->clients, c))->dels;
      guint at = dead->len;

      g_array_set_size (dead, at + dels->len);
      for (guint i = 0; i < dels->len; i++)
        {
          const CtDel *del = &g_array_index (dels, CtDel, i);
          g_array_index (dead, Cover, at + i) = (Cover) { del->tclient, del->tseq, del->len, 0 };
        }
    }
  sort_cover ((Cover *) dead->data, dead->len);
  for (guint i = 0, k = 0; i < dead->len; i++)
    {
      const Cover *t = &g_array_index (dead, Cover, i);
      guint64 at = cover_key (t), end = at + t->len;

      while (k + 1 < ncv && cover_key (&cv[k + 1]) <= at)
        k++;
      for (guint m = k; at < end; m++)
        {
          if (m >= ncv || cover_key (&cv[m]) > at || cover_key (&cv[m]) + cv[m].len <= at ||
              !(cv[m].span & COVER_DELETED))
            return rd_fail (d->r, "a deletion of client %u targets a character that is not a "
                            "deleted insertion", t->client);
          at = cover_key (&cv[m]) + cv[m].len;
        }
    }
  for (guint i = 0; i < ncv; i++)
    {
      guint64 at = cover_key (&cv[i]);
      guint64 end = at + cv[i].len;

      if (!(cv[i].span & COVER_DELETED))
        continue;
      while (at < end)
        {
          for (; j < dead->len; j++)
            {
              const Cover *t = &g_array_index (dead, Cover, j);
              guint64 ts = cover_key (t);
              if (ts > at)
                break;
              reach = MAX (reach, ts + t->len);
            }
          if (reach <= at)
            return rd_fail (d->r, "character %u of a client is marked deleted but no deletion deleted it",
                            (guint32) at);
          at = reach;
        }
    }
  return TRUE;
}

gboolean _cairn_text_ignore_history_checksum = FALSE;

/* STATE_FLAG_LAZY: the deletions and the order, behind their size and
 * checksum, are only checked against the checksum here and kept for
 * _cairn_text_load_history(). A random change of the state is refused
 * now, like any other; what the checksum cannot tell (a state made wrong
 * on purpose, or by a faulty encoder) is refused when they are read. */
static gboolean
keep_history_for_later (StateDecoder *d,
                        GBytes       *state)
{
  CtLazyHistory *lazy;
  const guint8 *sum = NULL, *p = NULL;
  guint32 n;
  guint64 want = 0;

  if (!rd_u32 (d->r, rd_left (d->r), &n, "the size of the deletions and order") ||
      !rd_bytes (d->r, 8, &sum, "the checksum of the deletions and order") ||
      !rd_bytes (d->r, n, &p, "the deletions and order"))
    return FALSE;
  for (guint i = 0; i < 8; i++)
    want |= (guint64) sum[i] << (8 * i);
  if (_cairn_text_checksum (p, n) != want && !_cairn_text_ignore_history_checksum)
    return rd_fail (d->r, "the deleted text, deletions and order do not match their checksum");
  lazy = g_new0 (CtLazyHistory, 1);
  d->self->lazy_history = lazy;
  lazy->state = g_bytes_ref (state);
  lazy->region_at = (gsize) (p - d->r->start);
  /* The full form starts with the deleted text: only its size is read
   * (and bounded) now. */
  if (!(d->flags & STATE_FLAG_COMPACT))
    {
      Reader sub = *d->r;
      const guint8 *data = NULL;
      guint32 raw, stored;

      sub.p = p;
      sub.end = p + n;
      if (!rd_u32 (&sub, 1, &lazy->dead_kind, "the deleted text's kind") ||
          !rd_u32 (&sub, lazy->dead_kind == 0 ? rd_left (&sub) : G_MAXUINT32, &raw, "the deleted text's size"))
        goto failed;
      stored = raw;
      if (lazy->dead_kind == 1 &&
          !rd_u32 (&sub, rd_left (&sub), &stored, "the deleted text's compressed size"))
        goto failed;
      if (!rd_bytes (&sub, stored, &data, "the deleted text"))
        goto failed;
      if (raw > 4 * (guint64) d->dead_points || raw < d->dead_points ||
          (lazy->dead_kind == 1 && (raw / MAX (stored, 1) >= STATE_MAX_RATIO ||
                                    ZSTD_getFrameContentSize (data, stored) != raw)))
        {
          rd_fail (&sub, "the deleted text claims %u bytes from %u for %u code points",
                   raw, stored, d->dead_points);
          goto failed;
        }
      lazy->dead_raw = raw;
      lazy->dead_at = (gsize) (data - d->r->start);
      lazy->dead_stored = stored;
      lazy->dead_points = d->dead_points;
      lazy->prefix_len = d->self->content_len;
      n -= (guint32) (sub.p - p);
      p = sub.p;
    }
  lazy->at = (gsize) (p - d->r->start);
  lazy->len = n;
  lazy->nc = d->nc;
  lazy->next = g_steal_pointer (&d->next);
  return TRUE;

failed:
  d->r->failed = TRUE;
  return FALSE;
}

void
_cairn_text_lazy_history_free (CtLazyHistory *lazy)
{
  if (lazy == NULL)
    return;
  g_bytes_unref (lazy->state);
  g_free (lazy->next);
  g_free (lazy->error);
  g_free (lazy);
}

/* A state's parts in the order they are written (docs/text-crdt.md), each
 * checked on its own and then against each other (with STATE_FLAG_LAZY,
 * the deletions and order later: _cairn_text_load_history()). */
static CairnText *
decode_state (Reader        *r,
              GBytes        *state,
              guint          version,
              const guint8   me[16])
{
  g_autoptr(CairnText) self = _cairn_text_new_empty ();
  g_auto(StateDecoder) d = { .r = r, .self = self, .version = version };

  if (version >= 2)
    {
      if (!rd_u32 (r, G_MAXUINT32, &d.flags, "the state's flags"))
        return NULL;
      if (d.flags & ~(STATE_FLAG_COMPACT | STATE_FLAG_LAZY))
        {
          rd_fail (r, "flags %#x: a newer version of Cairn wrote this state", d.flags);
          return NULL;
        }
      /* A compact state has no deleted text; a lazy full state has it
       * after the visible text, behind the checksum. */
      if (d.flags & STATE_FLAG_COMPACT)
        d.tomb_flag = CT_UNKNOWN_TEXT;
      else if (d.flags & STATE_FLAG_LAZY)
        d.tomb_flag = CT_LAZY_TEXT;
    }
  if (!read_clients (&d) ||
      !read_spans (&d) ||
      (version >= 2 && !read_unknown (&d)) ||
      !read_content (&d))
    return NULL;
  build_leaves (&d);
  if (!index_spans (&d) ||
      !check_explicit_origins (&d))
    return NULL;
  if (d.flags & STATE_FLAG_LAZY)
    {
      if (!keep_history_for_later (&d, state))
        return NULL;
    }
  else if (!read_deletions (&d) ||
           !read_order (&d) ||
           !check_history (&d))
    return NULL;
  if (!read_held_ops (r, self))
    return NULL;
  if (r->p != r->end)
    {
      rd_fail (r, "%" G_GSIZE_FORMAT " unexpected bytes at the end", rd_left (r));
      return NULL;
    }
  self->me = _cairn_text_ensure_client (self, me);
  /* The visible text alone was stored (and the others' places are their
   * own): the arena is the text. */
  self->arena_is_text = (d.flags & (STATE_FLAG_COMPACT | STATE_FLAG_LAZY)) != 0;
  return g_steal_pointer (&self);
}

/* The spans of the tree as it is now, in document order, into d->spans,
 * and a Cover of each into d->cover, sorted by id. */
static void
cover_tree (StateDecoder *d)
{
  CairnText *self = d->self;
  guint32 n = 0;
  Cover *cv;

  for (CtLeaf *l = self->first; l != NULL; l = l->next)
    n += l->h.n;
  g_clear_pointer (&d->spans, g_free);
  g_clear_pointer (&d->cover, g_array_unref);
  d->spans = g_new (CtSpan, MAX (n, 1));
  d->nspans = n;
  d->cover = g_array_sized_new (FALSE, FALSE, sizeof (Cover), n);
  g_array_set_size (d->cover, n);
  cv = (Cover *) d->cover->data;
  n = 0;
  for (CtLeaf *l = self->first; l != NULL; l = l->next)
    {
      memcpy (d->spans + n, l->s, l->h.n * sizeof (CtSpan));
      for (guint i = 0; i < l->h.n; i++, n++)
        {
          const CtSpan *s = &l->s[i];
          cv[n] = (Cover) { s->client, s->seq, s->len, n | (s->deleted ? COVER_DELETED : 0) };
        }
    }
  sort_cover (cv, n);
}

/* d->cover cut to the ids that existed when the state was decoded
 * (d->next), which the deletions read from the state must tile. Still
 * sorted: cutting only shortens or drops entries. */
static GArray *
clipped_cover (StateDecoder *d)
{
  const Cover *cv = (const Cover *) d->cover->data;
  GArray *out = g_array_sized_new (FALSE, FALSE, sizeof (Cover), d->cover->len);
  Cover *o;
  guint k = 0;

  g_array_set_size (out, d->cover->len);
  o = (Cover *) out->data;
  for (guint i = 0; i < d->cover->len; i++)
    {
      guint32 end = cv[i].client < d->nc ? d->next[cv[i].client] : 0;

      if (cv[i].seq >= end)
        continue;
      o[k] = cv[i];
      o[k].len = MIN (cv[i].len, end - cv[i].seq);
      k++;
    }
  g_array_set_size (out, k);
  return out;
}

/* The deleted text a decoded state left for later into the arena, after
 * the same checks as the visible text: it is valid UTF-8 and holds exactly
 * the code points of the tombstones that wait for it. Those are still in
 * document order, split or merged only among themselves, so their places
 * (code points of the deleted text) follow each other. */
static gboolean
load_dead_text (CairnText *self,
                Reader    *r)
{
  CtLazyHistory *lazy = self->lazy_history;
  const guint8 *data = r->start + lazy->dead_at;
  g_autofree guint8 *buf = NULL;
  g_autoptr(GArray) runs = NULL;
  const guint8 *p, *end;
  gsize bad = 0;
  guint32 base, at = 0;

  if (lazy->dead_points == 0 && lazy->dead_raw == 0)
    return TRUE;
  buf = g_malloc (MAX (lazy->dead_raw, 1));
  if (lazy->dead_kind == 0)
    memcpy (buf, data, lazy->dead_raw);
  else
    {
      ZSTD_DCtx *dctx = thread_dctx ();
      gsize got;

      /* For the next frame only. */
      ZSTD_DCtx_refPrefix (dctx, self->content, lazy->prefix_len);
      got = ZSTD_decompressDCtx (dctx, buf, lazy->dead_raw, data, lazy->dead_stored);
      ZSTD_DCtx_reset (dctx, ZSTD_reset_session_and_parameters);
      if (ZSTD_isError (got) || got != lazy->dead_raw)
        return rd_fail (r, "the deleted text does not decompress (%s)",
                        ZSTD_isError (got) ? ZSTD_getErrorName (got) : "wrong size");
    }
  end = buf + lazy->dead_raw;
  if (!validate_utf8 (buf, lazy->dead_raw, &bad, &runs))
    return rd_fail (r, "the deleted text is not valid UTF-8 (at its byte %" G_GSIZE_FORMAT ")", bad);
  if (skip_code_points (buf, end, lazy->dead_points) != end)
    return rd_fail (r, "the deleted text does not hold the tombstones' %u code points", lazy->dead_points);

  base = (guint32) self->content_len;
  if ((guint64) base + lazy->dead_raw >= G_MAXUINT32)
    return rd_fail (r, "the text is too long");
  _cairn_text_content_append (self, (const char *) buf, lazy->dead_raw);
  p = buf;
  for (CtLeaf *l = self->first; l != NULL; l = l->next)
    for (guint i = 0; i < l->h.n; i++)
      {
        CtSpan *s = &l->s[i];
        const guint8 *q;

        if (!(s->deleted & CT_LAZY_TEXT))
          continue;
        /* Only the decoder and the tree's splits and merges make these. */
        g_assert (s->off == at);
        q = skip_code_points (p, end, s->len);
        g_assert (q != NULL);
        s->off = base + (guint32) (p - buf);
        s->bytes = (guint32) (q - p);
        s->deleted &= ~CT_LAZY_TEXT;
        at += s->len;
        p = q;
      }
  g_assert (at == lazy->dead_points);
  lazy->dead_points = lazy->dead_raw = 0;
  return TRUE;
}

/* Reads the deletions and order a decoded state left for later, with the
 * checks decoding would have made, and joins what was deleted and applied
 * since (kept meanwhile in the clients' dels and the order) to them; then
 * checks the whole history against the tree as it is now. On failure the
 * document keeps what it had (its text, what was applied since decoding),
 * and every later call fails the same way: the encoders, ops_since() and
 * get_text_at() never work from a history that did not check out. */
gboolean
_cairn_text_load_history (CairnText  *self,
                          GError    **error)
{
  CtLazyHistory *lazy = self->lazy_history;
  g_autoptr(GError) local = NULL;
  g_autofree GArray **since = NULL;
  g_autoptr(GArray) since_order = NULL;
  guint n_since = self->clients->len;
  GArray *full;
  g_auto(StateDecoder) d = { 0 };
  const guint8 *data;
  gsize size;
  Reader r;
  gboolean ok;

  if (lazy == NULL)
    return TRUE;
  if (lazy->error != NULL)
    {
      g_set_error_literal (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_MALFORMED, lazy->error);
      return FALSE;
    }

  data = g_bytes_get_data (lazy->state, &size);
  r = (Reader) { data, data + lazy->at, data + lazy->at + lazy->len, "text state", &local, FALSE };
  d.r = &r;
  d.self = self;
  d.nc = lazy->nc;
  d.next = g_memdup2 (lazy->next, MAX (lazy->nc, 1) * sizeof (guint32));
  d.last_end = g_new0 (guint32, MAX (lazy->nc, 1));
  d.version = 2;

  /* What came since decoding aside; the state's own parts read into
   * fresh arrays. */
  since = g_new (GArray *, MAX (n_since, 1));
  for (guint c = 0; c < n_since; c++)
    {
      CtClient *cl = ct_client_at (self, c);
      since[c] = cl->dels;
      cl->dels = g_array_new (FALSE, FALSE, sizeof (CtDel));
    }
  since_order = self->order;
  self->order = g_array_new (FALSE, FALSE, sizeof (CtOrder));

  ok = load_dead_text (self, &r);
  cover_tree (&d);
  full = d.cover;
  d.cover = clipped_cover (&d);
  ok = ok && read_deletions (&d) && read_order (&d);
  g_array_unref (d.cover);
  d.cover = full;
  if (ok && r.p != r.end)
    ok = rd_fail (&r, "%" G_GSIZE_FORMAT " unexpected bytes after the order", rd_left (&r));
  if (ok)
    {
      for (guint c = 0; c < n_since; c++)
        {
          GArray *dels = since[c];
          for (guint i = 0; i < dels->len; i++)
            {
              const CtDel *x = &g_array_index (dels, CtDel, i);
              _cairn_text_dellog_push (ct_client_at (self, c), x->seq, x->len, x->tclient, x->tseq, x->rev);
            }
        }
      for (guint i = 0; i < since_order->len; i++)
        {
          const CtOrder *o = &g_array_index (since_order, CtOrder, i);
          _cairn_text_order_push (self, o->client, o->len);
        }
      ok = check_history (&d);
    }

  if (!ok)
    {
      for (guint c = 0; c < n_since; c++)
        {
          CtClient *cl = ct_client_at (self, c);
          g_array_unref (cl->dels);
          cl->dels = since[c];
        }
      g_array_unref (self->order);
      self->order = g_steal_pointer (&since_order);
      lazy->error = g_strdup (local->message);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  for (guint c = 0; c < n_since; c++)
    g_array_unref (since[c]);
  g_clear_pointer (&self->lazy_history, _cairn_text_lazy_history_free);
  return TRUE;
}

gboolean
cairn_text_check_history (CairnText  *self,
                          GError    **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return _cairn_text_load_history (self, error);
}

CairnText *
cairn_text_decode_state (GBytes      *state,
                         const char  *client_id,
                         GError     **error)
{
  guint8 me[16];
  Reader r;

  g_return_val_if_fail (state != NULL, NULL);

  if (!_cairn_text_parse_client_id (client_id, me, error))
    return NULL;
  /* The format before (tag 0xC2) is what every state stored until the
   * compact format came: it keeps decoding. */
  if (g_bytes_get_size (state) > 0 && *(const guint8 *) g_bytes_get_data (state, NULL) == TAG_STATE)
    {
      if (!_cairn_text_reader_start (&r, state, "text state", TAG_STATE, "text state", error))
        return NULL;
      return decode_state (&r, state, 1, me);
    }
  if (!_cairn_text_reader_start (&r, state, "text state", TAG_STATE2, "text state", error))
    return NULL;
  return decode_state (&r, state, 2, me);
}

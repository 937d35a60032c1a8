/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text.c: the text CRDT: span B-tree, local edits, merging remote ops. */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>

#include "cairn-text-private.h"

G_DEFINE_QUARK (cairn-text-error-quark, cairn_text_error)

static inline gboolean
id_eq (CtId a, CtId b)
{
  return a.client == b.client && (a.client == CT_NONE || a.seq == b.seq);
}

static inline CtClient *
client_at (CairnText *self, guint32 c)
{
  return g_ptr_array_index (self->clients, c);
}

/* ---- Clients and the id index ------------------------------------------- */

gboolean
_cairn_text_parse_client_id (const char *hex,
                             guint8      out[16],
                             GError    **error)
{
  if (hex == NULL || strlen (hex) != 32)
    {
      g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_INVALID_CLIENT,
                   "Client id “%s” is not 32 hexadecimal digits", hex ? hex : "(null)");
      return FALSE;
    }
  for (guint i = 0; i < 16; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);
      if (hi < 0 || lo < 0)
        {
          g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_INVALID_CLIENT,
                       "Client id “%s” has a non-hexadecimal character at %u",
                       hex, hi < 0 ? 2 * i : 2 * i + 1);
          return FALSE;
        }
      out[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

CtClient *
_cairn_text_client_new (const guint8 id[16])
{
  CtClient *c = g_new0 (CtClient, 1);

  memcpy (c->id, id, 16);
  c->dels = g_array_new (FALSE, FALSE, sizeof (CtDel));
  return c;
}

void
_cairn_text_client_free (gpointer data)
{
  CtClient *c = data;

  for (guint i = 0; i < c->n_chunks; i++)
    g_free (c->chunks[i]);
  g_free (c->chunks);
  g_array_unref (c->dels);
  g_free (c);
}

gboolean
_cairn_text_find_client (CairnText    *self,
                         const guint8  id[16],
                         guint32      *out)
{
  for (guint32 i = 0; i < self->clients->len; i++)
    if (memcmp (client_at (self, i)->id, id, 16) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

guint32
_cairn_text_ensure_client (CairnText    *self,
                           const guint8  id[16])
{
  guint32 i;

  if (_cairn_text_find_client (self, id, &i))
    return i;
  g_ptr_array_add (self->clients, _cairn_text_client_new (id));
  return self->clients->len - 1;
}

/* Index of the last chunk whose first seq is <= seq (0 if none is). */
static guint
idx_chunk_for (CtClient *c,
               guint32   seq)
{
  guint lo = 0, hi = c->n_chunks;

  while (hi - lo > 1)
    {
      guint mid = (lo + hi) / 2;
      if (c->chunks[mid]->e[0].seq <= seq)
        lo = mid;
      else
        hi = mid;
    }
  return lo;
}

/* First entry index in ch with e.seq > seq. */
static guint
idx_upper (CtIdxChunk *ch,
           guint32     seq)
{
  guint lo = 0, hi = ch->n;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (ch->e[mid].seq <= seq)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* The entry with the greatest seq <= seq, or NULL. */
static CtIdxEnt *
idx_find (CtClient *c,
          guint32   seq)
{
  CtIdxChunk *ch;
  guint u;

  if (c->n_chunks == 0)
    return NULL;
  ch = c->chunks[idx_chunk_for (c, seq)];
  u = idx_upper (ch, seq);
  if (u == 0)
    return NULL;
  return &ch->e[u - 1];
}

void
_cairn_text_idx_insert (CtClient *c,
                        guint32   seq,
                        CtLeaf   *leaf)
{
  guint ci;
  CtIdxChunk *ch;
  guint p;

  if (c->n_chunks == 0)
    {
      c->cap_chunks = 4;
      c->chunks = g_new (CtIdxChunk *, c->cap_chunks);
      c->chunks[0] = g_new (CtIdxChunk, 1);
      c->chunks[0]->n = 0;
      c->n_chunks = 1;
    }
  ci = idx_chunk_for (c, seq);
  ch = c->chunks[ci];
  p = idx_upper (ch, seq);
  if (ch->n == CT_IDX_CAP)
    {
      CtIdxChunk *nc = g_new (CtIdxChunk, 1);
      guint half = CT_IDX_CAP / 2;

      /* Appending in seq order is the common case: keep chunks full then. */
      if (p == CT_IDX_CAP && ci == c->n_chunks - 1)
        half = CT_IDX_CAP;
      nc->n = ch->n - half;
      memcpy (nc->e, ch->e + half, nc->n * sizeof (CtIdxEnt));
      ch->n = half;
      if (c->n_chunks == c->cap_chunks)
        {
          c->cap_chunks *= 2;
          c->chunks = g_renew (CtIdxChunk *, c->chunks, c->cap_chunks);
        }
      memmove (c->chunks + ci + 2, c->chunks + ci + 1,
               (c->n_chunks - ci - 1) * sizeof (CtIdxChunk *));
      c->chunks[ci + 1] = nc;
      c->n_chunks++;
      if (p >= half)
        {
          ch = nc;
          p -= half;
        }
    }
  memmove (ch->e + p + 1, ch->e + p, (ch->n - p) * sizeof (CtIdxEnt));
  ch->e[p].seq = seq;
  ch->e[p].leaf = leaf;
  ch->n++;
}

static void
idx_remove (CtClient *c,
            guint32   seq)
{
  guint ci = idx_chunk_for (c, seq);
  CtIdxChunk *ch = c->chunks[ci];
  guint u = idx_upper (ch, seq);

  g_assert (u > 0 && ch->e[u - 1].seq == seq);
  memmove (ch->e + u - 1, ch->e + u, (ch->n - u) * sizeof (CtIdxEnt));
  ch->n--;
  if (ch->n == 0 && c->n_chunks > 1)
    {
      g_free (ch);
      memmove (c->chunks + ci, c->chunks + ci + 1,
               (c->n_chunks - ci - 1) * sizeof (CtIdxChunk *));
      c->n_chunks--;
    }
}

/* Changes the key of the entry for old_seq; the caller keeps the order. */
static void
idx_rekey (CtClient *c,
           guint32   old_seq,
           guint32   new_seq)
{
  CtIdxEnt *e = idx_find (c, old_seq);

  g_assert (e != NULL && e->seq == old_seq);
  e->seq = new_seq;
}

static void
idx_set_leaf (CtClient *c,
              guint32   seq,
              CtLeaf   *leaf)
{
  CtIdxEnt *e = idx_find (c, seq);

  g_assert (e != NULL && e->seq == seq);
  e->leaf = leaf;
}

/* Finds the span holding insert id @id. FALSE when the id is unknown or is
 * not an insertion. */
gboolean
_cairn_text_lookup (CairnText *self,
                    CtId       id,
                    CtLeaf   **leaf_out,
                    guint     *slot_out)
{
  CtClient *c;
  CtIdxEnt *e;
  CtLeaf *leaf;

  if (id.client >= self->clients->len)
    return FALSE;
  c = client_at (self, id.client);
  if (id.seq >= c->next)
    return FALSE;
  e = idx_find (c, id.seq);
  if (e == NULL)
    return FALSE;
  leaf = e->leaf;
  for (guint i = 0; i < leaf->h.n; i++)
    {
      CtSpan *s = &leaf->s[i];
      if (s->client == id.client && id.seq >= s->seq && id.seq - s->seq < s->len)
        {
          *leaf_out = leaf;
          *slot_out = i;
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- Content arena ------------------------------------------------------ */

void
_cairn_text_content_append (CairnText  *self,
                            const char *data,
                            gsize       len)
{
  if (len == 0)
    return;
  if (self->content_len + len > self->content_cap)
    {
      gsize cap = MAX (self->content_cap * 2, 4096);
      while (cap < self->content_len + len)
        cap *= 2;
      self->content = g_realloc (self->content, cap);
      self->content_cap = cap;
    }
  memcpy (self->content + self->content_len, data, len);
  self->content_len += len;
}

/* Byte offset of code point k inside span s. */
static inline guint32
span_byte_offset (CairnText    *self,
                  const CtSpan *s,
                  guint32       k)
{
  const char *p;

  if (s->bytes == s->len)
    return k;
  p = (const char *) self->content + s->off;
  return (guint32) (g_utf8_offset_to_pointer (p, k) - p);
}

/* ---- The B-tree --------------------------------------------------------- */

static void
add_counts (CairnText *self,
            CtLeaf    *leaf,
            gint32     dvis,
            gint32     dtot)
{
  for (CtNode *n = &leaf->h; n != NULL; n = &n->parent->h)
    {
      n->vis += dvis;
      n->tot += dtot;
      if (n->parent == NULL)
        break;
    }
  if (leaf != self->cache_leaf)
    self->cache_leaf = NULL;
}

static CtInner *
inner_new (void)
{
  CtInner *in = g_new0 (CtInner, 1);
  return in;
}

static void
inner_sum (CtInner *in)
{
  in->h.vis = in->h.tot = 0;
  for (guint i = 0; i < in->h.n; i++)
    {
      in->h.vis += in->child[i]->vis;
      in->h.tot += in->child[i]->tot;
    }
}

static void
new_root (CairnText *self,
          CtNode    *a,
          CtNode    *b)
{
  CtInner *r = inner_new ();

  r->child[0] = a;
  r->child[1] = b;
  r->h.n = 2;
  a->parent = b->parent = r;
  inner_sum (r);
  self->root = &r->h;
}

/* Puts @nn right after its sibling @after in @parent. The counts of @parent
 * already include @nn (it was split off @after). */
static void
inner_insert_after (CairnText *self,
                    CtInner   *parent,
                    CtNode    *after,
                    CtNode    *nn)
{
  CtInner *target = parent;
  guint i;

  if (parent->h.n == CT_INNER_CAP)
    {
      CtInner *p2 = inner_new ();
      guint half = CT_INNER_CAP / 2;

      p2->h.n = parent->h.n - half;
      memcpy (p2->child, parent->child + half, p2->h.n * sizeof (CtNode *));
      parent->h.n = half;
      for (guint k = 0; k < p2->h.n; k++)
        p2->child[k]->parent = p2;
      target = after->parent;
      for (i = 0; target->child[i] != after; i++)
        ;
      memmove (target->child + i + 2, target->child + i + 1,
               (target->h.n - i - 1) * sizeof (CtNode *));
      target->child[i + 1] = nn;
      target->h.n++;
      nn->parent = target;
      inner_sum (parent);
      inner_sum (p2);
      if (parent->h.parent == NULL)
        new_root (self, &parent->h, &p2->h);
      else
        inner_insert_after (self, parent->h.parent, &parent->h, &p2->h);
      return;
    }
  for (i = 0; target->child[i] != after; i++)
    ;
  memmove (target->child + i + 2, target->child + i + 1,
           (target->h.n - i - 1) * sizeof (CtNode *));
  target->child[i + 1] = nn;
  target->h.n++;
  nn->parent = target;
}

static CtLeaf *
leaf_new (void)
{
  CtLeaf *l = g_new (CtLeaf, 1);

  memset (&l->h, 0, sizeof l->h);
  l->h.is_leaf = 1;
  l->next = NULL;
  return l;
}

static CtLeaf *
leaf_split (CairnText *self,
            CtLeaf    *leaf)
{
  CtLeaf *r = leaf_new ();
  guint half = leaf->h.n / 2;
  guint32 mv = 0, mt = 0;

  r->h.n = leaf->h.n - half;
  memcpy (r->s, leaf->s + half, r->h.n * sizeof (CtSpan));
  leaf->h.n = half;
  for (guint i = 0; i < r->h.n; i++)
    {
      CtSpan *s = &r->s[i];
      mt += s->len;
      if (!s->deleted)
        mv += s->len;
      idx_set_leaf (client_at (self, s->client), s->seq, r);
    }
  r->h.vis = mv;
  r->h.tot = mt;
  leaf->h.vis -= mv;
  leaf->h.tot -= mt;
  r->next = leaf->next;
  leaf->next = r;
  if (leaf->h.parent == NULL)
    new_root (self, &leaf->h, &r->h);
  else
    inner_insert_after (self, leaf->h.parent, &leaf->h, &r->h);
  self->cache_leaf = NULL;
  return r;
}

/* Inserts span @sp before slot *slotp of *leafp (slot == n appends), adds
 * it to the counts and the id index; returns where it landed. */
static void
leaf_insert (CairnText    *self,
             CtLeaf      **leafp,
             guint        *slotp,
             const CtSpan *sp)
{
  CtLeaf *leaf = *leafp;
  guint slot = *slotp;

  if (leaf->h.n == CT_LEAF_CAP)
    {
      CtLeaf *r = leaf_split (self, leaf);
      if (slot > leaf->h.n)
        {
          slot -= leaf->h.n;
          leaf = r;
        }
    }
  memmove (leaf->s + slot + 1, leaf->s + slot, (leaf->h.n - slot) * sizeof (CtSpan));
  leaf->s[slot] = *sp;
  leaf->h.n++;
  _cairn_text_idx_insert (client_at (self, sp->client), sp->seq, leaf);
  add_counts (self, leaf, sp->deleted ? 0 : (gint32) sp->len, (gint32) sp->len);
  *leafp = leaf;
  *slotp = slot;
}

/* Splits the span at (leaf, slot) before its code point k (0 < k < len).
 * On return the pointers locate the right part; the left part is always the
 * slot before it in the same leaf. */
static void
split_span (CairnText *self,
            CtLeaf   **leafp,
            guint     *slotp,
            guint32    k)
{
  CtLeaf *leaf = *leafp;
  CtSpan *s = &leaf->s[*slotp];
  CtSpan r = *s;
  guint32 kb = span_byte_offset (self, s, k);
  guint slot = *slotp + 1;

  g_assert (k > 0 && k < s->len);
  r.seq += k;
  r.len -= k;
  r.ol.client = s->client;
  r.ol.seq = s->seq + k - 1;
  r.off += kb;
  r.bytes -= kb;
  s->len = k;
  s->bytes = kb;
  add_counts (self, leaf, r.deleted ? 0 : -(gint32) r.len, -(gint32) r.len);
  leaf_insert (self, &leaf, &slot, &r);
  *leafp = leaf;
  *slotp = slot;
}

static inline gboolean
spans_mergeable (const CtSpan *a,
                 const CtSpan *b)
{
  return a->client == b->client && a->seq + a->len == b->seq &&
         b->ol.client == a->client && b->ol.seq == a->seq + a->len - 1 &&
         id_eq (a->or_, b->or_) && a->deleted == b->deleted &&
         a->off + a->bytes == b->off;
}

/* a then b would form one run if they had the same deleted flag. */
static inline gboolean
spans_mergeable_but_deleted (const CtSpan *a,
                             const CtSpan *b)
{
  return a->client == b->client && a->seq + a->len == b->seq &&
         b->ol.client == a->client && b->ol.seq == a->seq + a->len - 1 &&
         id_eq (a->or_, b->or_) && a->off + a->bytes == b->off;
}

/* Merges slot with its neighbours in the leaf when they form one run. */
static void
merge_around (CairnText *self,
              CtLeaf    *leaf,
              guint      slot)
{
  if (slot + 1 < leaf->h.n && spans_mergeable (&leaf->s[slot], &leaf->s[slot + 1]))
    {
      CtSpan *a = &leaf->s[slot], *b = &leaf->s[slot + 1];
      a->len += b->len;
      a->bytes += b->bytes;
      idx_remove (client_at (self, b->client), b->seq);
      memmove (leaf->s + slot + 1, leaf->s + slot + 2, (leaf->h.n - slot - 2) * sizeof (CtSpan));
      leaf->h.n--;
    }
  if (slot > 0 && spans_mergeable (&leaf->s[slot - 1], &leaf->s[slot]))
    {
      CtSpan *a = &leaf->s[slot - 1], *b = &leaf->s[slot];
      a->len += b->len;
      a->bytes += b->bytes;
      idx_remove (client_at (self, b->client), b->seq);
      memmove (leaf->s + slot, leaf->s + slot + 1, (leaf->h.n - slot - 1) * sizeof (CtSpan));
      leaf->h.n--;
    }
}

/* Marks code points [off, off+take) of the visible span at (leaf, slot)
 * deleted. */
static void
mark_deleted (CairnText *self,
              CtLeaf    *leaf,
              guint      slot,
              guint32    off,
              guint32    take)
{
  CtSpan *s = &leaf->s[slot];

  /* Backspacing (the tail of a span before its deleted continuation) and
   * deleting forwards (the head of a span after its deleted predecessor)
   * move the boundary between the two spans instead of splitting. */
  if (off > 0 && off + take == s->len && slot + 1 < leaf->h.n)
    {
      CtSpan *n = &leaf->s[slot + 1];
      if (n->deleted && !s->deleted && spans_mergeable_but_deleted (s, n))
        {
          guint32 kb = span_byte_offset (self, s, off);
          guint32 old_seq = n->seq;
          n->seq = s->seq + off;
          n->len += take;
          n->off = s->off + kb;
          n->bytes += s->bytes - kb;
          n->ol.seq = n->seq - 1;
          s->len = off;
          s->bytes = kb;
          idx_rekey (client_at (self, n->client), old_seq, n->seq);
          add_counts (self, leaf, -(gint32) take, 0);
          return;
        }
    }
  if (off == 0 && take < s->len && slot > 0)
    {
      CtSpan *p = &leaf->s[slot - 1];
      if (p->deleted && !s->deleted && spans_mergeable_but_deleted (p, s))
        {
          guint32 kb = span_byte_offset (self, s, take);
          guint32 old_seq = s->seq;
          p->len += take;
          p->bytes += kb;
          s->seq += take;
          s->len -= take;
          s->off += kb;
          s->bytes -= kb;
          s->ol.client = s->client;
          s->ol.seq = s->seq - 1;
          idx_rekey (client_at (self, s->client), old_seq, s->seq);
          add_counts (self, leaf, -(gint32) take, 0);
          return;
        }
    }

  if (off > 0)
    split_span (self, &leaf, &slot, off);
  s = &leaf->s[slot];
  if (take < s->len)
    {
      split_span (self, &leaf, &slot, take);
      slot--;
    }
  s = &leaf->s[slot];
  g_assert (!s->deleted && s->len == take);
  s->deleted = 1;
  add_counts (self, leaf, -(gint32) take, 0);
  merge_around (self, leaf, slot);
}

/* The leaf, slot and offset of visible code point pos (< length). */
static CtLeaf *
find_visible (CairnText *self,
              guint32    pos,
              guint     *slot,
              guint32   *off)
{
  CtLeaf *leaf;
  guint32 start;

  if (self->cache_leaf != NULL && pos >= self->cache_start &&
      pos - self->cache_start < self->cache_leaf->h.vis)
    {
      leaf = self->cache_leaf;
      start = self->cache_start;
    }
  else
    {
      CtNode *n = self->root;
      start = 0;
      while (!n->is_leaf)
        {
          CtInner *in = (CtInner *) n;
          guint i;
          for (i = 0; i + 1 < in->h.n; i++)
            {
              CtNode *c = in->child[i];
              if (pos - start < c->vis)
                break;
              start += c->vis;
            }
          n = in->child[i];
        }
      leaf = (CtLeaf *) n;
      self->cache_leaf = leaf;
      self->cache_start = start;
    }
  for (guint i = 0; i < leaf->h.n; i++)
    {
      CtSpan *s = &leaf->s[i];
      if (s->deleted)
        continue;
      if (pos - start < s->len)
        {
          *slot = i;
          *off = pos - start;
          return leaf;
        }
      start += s->len;
    }
  g_assert_not_reached ();
  return NULL;
}

/* Position in document order, tombstones included, of insert id @id. */
static gint64
abs_pos (CairnText *self,
         CtId       id)
{
  CtLeaf *leaf;
  guint slot;
  gint64 pos;
  CtNode *n;

  if (id.client == CT_NONE)
    return -1;
  if (!_cairn_text_lookup (self, id, &leaf, &slot))
    g_assert_not_reached ();
  pos = id.seq - leaf->s[slot].seq;
  for (guint i = 0; i < slot; i++)
    pos += leaf->s[i].len;
  for (n = &leaf->h; n->parent != NULL; n = &n->parent->h)
    {
      CtInner *p = n->parent;
      for (guint i = 0; p->child[i] != n; i++)
        pos += p->child[i]->tot;
    }
  return pos;
}

void
_cairn_text_order_push (CairnText *self,
                        guint32    client,
                        guint32    len)
{
  if (self->order->len > 0)
    {
      CtOrder *o = &g_array_index (self->order, CtOrder, self->order->len - 1);
      if (o->client == client)
        {
          o->len += len;
          return;
        }
    }
  g_array_append_val (self->order, ((CtOrder) { client, len }));
}

static void
dellog_push (CtClient *c,
             guint32   seq,
             guint32   len,
             guint32   tclient,
             guint32   tseq,
             guint32   rev)
{
  if (c->dels->len > 0)
    {
      CtDel *l = &g_array_index (c->dels, CtDel, c->dels->len - 1);
      if (l->seq + l->len == seq && l->tclient == tclient)
        {
          if ((!rev || len == 1) && (!l->rev || l->len == 1) && tseq == l->tseq + l->len)
            {
              l->len += len;
              l->rev = 0;
              return;
            }
          if ((rev || len == 1) && (l->rev || l->len == 1) && tseq + len == l->tseq)
            {
              l->tseq = tseq;
              l->len += len;
              l->rev = 1;
              return;
            }
        }
    }
  g_array_append_val (c->dels, ((CtDel) { seq, len, tclient, tseq, rev }));
}

/* ---- Documents ---------------------------------------------------------- */

CairnText *
_cairn_text_new_empty (void)
{
  CairnText *self = g_new0 (CairnText, 1);

  self->clients = g_ptr_array_new_with_free_func (_cairn_text_client_free);
  self->order = g_array_new (FALSE, FALSE, sizeof (CtOrder));
  self->pending = cairn_text_ops_new ();
  return self;
}

CairnText *
cairn_text_new (const char  *client_id,
                GError     **error)
{
  guint8 id[16];
  CairnText *self;

  if (!_cairn_text_parse_client_id (client_id, id, error))
    return NULL;
  self = _cairn_text_new_empty ();
  self->me = _cairn_text_ensure_client (self, id);
  self->first = leaf_new ();
  self->root = &self->first->h;
  return self;
}

static void
node_free (CtNode *n)
{
  if (!n->is_leaf)
    {
      CtInner *in = (CtInner *) n;
      for (guint i = 0; i < in->h.n; i++)
        node_free (in->child[i]);
    }
  g_free (n);
}

void
cairn_text_free (CairnText *self)
{
  if (self == NULL)
    return;
  if (self->root != NULL)
    node_free (self->root);
  g_ptr_array_unref (self->clients);
  g_array_unref (self->order);
  cairn_text_ops_free (self->pending);
  g_free (self->content);
  g_free (self);
}

/* Builds the inner levels over a row of filled leaves (decoding). */
void
_cairn_text_build_tree (CairnText  *self,
                        CtLeaf    **leaves,
                        guint       n_leaves)
{
  g_autoptr(GPtrArray) level = g_ptr_array_new ();

  for (guint i = 0; i < n_leaves; i++)
    {
      leaves[i]->next = i + 1 < n_leaves ? leaves[i + 1] : NULL;
      g_ptr_array_add (level, leaves[i]);
    }
  self->first = leaves[0];
  while (level->len > 1)
    {
      GPtrArray *up = g_ptr_array_new ();
      guint per = CT_INNER_CAP * 3 / 4;

      for (guint i = 0; i < level->len; i += per)
        {
          CtInner *in = inner_new ();
          for (guint k = i; k < level->len && k < i + per; k++)
            {
              CtNode *c = g_ptr_array_index (level, k);
              in->child[in->h.n++] = c;
              c->parent = in;
            }
          inner_sum (in);
          g_ptr_array_add (up, in);
        }
      g_ptr_array_unref (level);
      level = up;
    }
  self->root = g_ptr_array_index (level, 0);
  self->root->parent = NULL;
}

gsize
cairn_text_get_length (CairnText *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->root->vis;
}

char *
cairn_text_get_text (CairnText *self,
                     gsize     *out_bytes)
{
  GString *s;

  g_return_val_if_fail (self != NULL, NULL);
  s = g_string_sized_new (self->root->vis + 1);
  for (CtLeaf *l = self->first; l != NULL; l = l->next)
    for (guint i = 0; i < l->h.n; i++)
      if (!l->s[i].deleted)
        g_string_append_len (s, (const char *) self->content + l->s[i].off, l->s[i].bytes);
  if (out_bytes != NULL)
    *out_bytes = s->len;
  return g_string_free (s, FALSE);
}

guint
cairn_text_get_n_pending (CairnText *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->pending->ops->len;
}

/* Inserts new span @ns at cursor (leaf, slot, off): before code point off
 * of span slot, or at slot when off == 0 (slot may equal n). */
static void
place_span (CairnText *self,
            CtLeaf    *leaf,
            guint      slot,
            guint32    off,
            CtSpan    *ns)
{
  if (off > 0)
    {
      split_span (self, &leaf, &slot, off);
    }
  else if (slot > 0 && spans_mergeable (&leaf->s[slot - 1], ns))
    {
      CtSpan *p = &leaf->s[slot - 1];
      p->len += ns->len;
      p->bytes += ns->bytes;
      add_counts (self, leaf, ns->len, ns->len);
      return;
    }
  leaf_insert (self, &leaf, &slot, ns);
}

/* Appends the op to @out, translating local client numbers. */
static void
record_op (CairnText    *self,
           CairnTextOps *out,
           CtOp         *op,
           const char   *content)
{
  op->client = _cairn_text_ops_client (out, client_at (self, op->client)->id);
  if (op->kind == CT_OP_INSERT)
    {
      if (op->ol.client != CT_NONE)
        op->ol.client = _cairn_text_ops_client (out, client_at (self, op->ol.client)->id);
      if (op->or_.client != CT_NONE)
        op->or_.client = _cairn_text_ops_client (out, client_at (self, op->or_.client)->id);
    }
  else
    {
      op->target.client = _cairn_text_ops_client (out, client_at (self, op->target.client)->id);
    }
  _cairn_text_ops_push (out, op, content);
}

/* Whether ops of this replica's own client are held. They are when a
 * store forgot (after a server restore) the ops that its own earlier edits
 * were made on. A local edit then would take the held ops' counters, and
 * every replica would keep whichever op with those ids it saw first. */
static gboolean
check_own_ops_ready (CairnText  *self,
                     GError    **error)
{
  const guint8 *me = client_at (self, self->me)->id;
  guint n = 0;

  for (guint i = 0; i < self->pending->ops->len; i++)
    {
      const CtOp *op = &g_array_index (self->pending->ops, CtOp, i);

      if (memcmp ((const guint8 *) self->pending->clients->data + 16 * op->client, me, 16) == 0)
        n++;
    }
  if (n == 0)
    return TRUE;
  g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_NOT_READY,
               "Cannot edit: %u earlier operation%s of this replica wait for "
               "operations of other replicas that this document no longer has",
               n, n == 1 ? "" : "s");
  return FALSE;
}

gboolean
cairn_text_check_editable (CairnText  *self,
                           GError    **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return check_own_ops_ready (self, error);
}

gboolean
cairn_text_insert (CairnText     *self,
                   gsize          pos,
                   const char    *utf8,
                   gssize         len,
                   CairnTextOps  *out,
                   GError       **error)
{
  CtClient *me;
  const char *end = NULL;
  glong n;
  CtId ol, or_;
  CtLeaf *leaf;
  guint slot;
  guint32 off;
  CtSpan ns;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (utf8 != NULL || len == 0, FALSE);

  if (len < 0)
    len = strlen (utf8);
  if (!g_utf8_validate_len (utf8, len, &end))
    {
      g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_INVALID_UTF8,
                   "Inserted text is not valid UTF-8 (byte %" G_GSIZE_FORMAT " of %" G_GSSIZE_FORMAT ")",
                   (gsize) (end - utf8), len);
      return FALSE;
    }
  if (pos > self->root->vis)
    {
      g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_OUT_OF_RANGE,
                   "Insert position %" G_GSIZE_FORMAT " is past the end of the text (length %u)",
                   pos, self->root->vis);
      return FALSE;
    }
  n = g_utf8_strlen (utf8, len);
  if (n == 0)
    return TRUE;
  if (!check_own_ops_ready (self, error))
    return FALSE;
  me = client_at (self, self->me);
  if ((guint64) me->next + n >= G_MAXUINT32 || (guint64) self->content_len + len >= G_MAXUINT32 ||
      (guint64) self->root->tot + n >= G_MAXUINT32)
    {
      g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_OUT_OF_RANGE,
                   "Inserting %ld code points would exceed the document's size limit", n);
      return FALSE;
    }

  if (pos == 0)
    {
      ol.client = CT_NONE;
      ol.seq = 0;
      leaf = self->first;
      slot = 0;
      off = 0;
    }
  else
    {
      CtSpan *s;
      leaf = find_visible (self, pos - 1, &slot, &off);
      s = &leaf->s[slot];
      ol.client = s->client;
      ol.seq = s->seq + off;
      off++;
      if (off == s->len)
        {
          slot++;
          off = 0;
        }
    }
  /* The right origin is whatever follows the cursor, tombstone or not. */
  {
    CtLeaf *l = leaf;
    guint sl = slot;
    while (l != NULL && sl >= l->h.n)
      {
        l = l->next;
        sl = 0;
      }
    if (l == NULL)
      {
        or_.client = CT_NONE;
        or_.seq = 0;
      }
    else
      {
        or_.client = l->s[sl].client;
        or_.seq = l->s[sl].seq + off;
      }
  }

  ns.client = self->me;
  ns.seq = me->next;
  ns.len = (guint32) n;
  ns.deleted = 0;
  ns.ol = ol;
  ns.or_ = or_;
  ns.off = (guint32) self->content_len;
  ns.bytes = (guint32) len;
  _cairn_text_content_append (self, utf8, len);
  place_span (self, leaf, slot, off, &ns);
  me->next += n;
  _cairn_text_order_push (self, self->me, n);

  if (out != NULL)
    {
      CtOp op = { 0 };
      op.kind = CT_OP_INSERT;
      op.client = self->me;
      op.seq = ns.seq;
      op.len = ns.len;
      op.ol = ol;
      op.or_ = or_;
      op.bytes = ns.bytes;
      record_op (self, out, &op, utf8);
    }
  return TRUE;
}

gboolean
cairn_text_delete (CairnText     *self,
                   gsize          pos,
                   gsize          len,
                   CairnTextOps  *out,
                   GError       **error)
{
  CtClient *me;

  g_return_val_if_fail (self != NULL, FALSE);

  if (pos > self->root->vis || len > self->root->vis - pos)
    {
      g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_OUT_OF_RANGE,
                   "Cannot delete %" G_GSIZE_FORMAT " code points at %" G_GSIZE_FORMAT
                   ": the text is only %u long", len, pos, self->root->vis);
      return FALSE;
    }
  if (len > 0 && !check_own_ops_ready (self, error))
    return FALSE;
  me = client_at (self, self->me);
  if ((guint64) me->next + len >= G_MAXUINT32)
    {
      g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_OUT_OF_RANGE,
                   "Deleting %" G_GSIZE_FORMAT " code points would exceed the document's operation limit", len);
      return FALSE;
    }
  while (len > 0)
    {
      guint slot;
      guint32 off, take;
      CtLeaf *leaf = find_visible (self, pos, &slot, &off);
      CtSpan *s = &leaf->s[slot];
      CtId target = { s->client, s->seq + off };

      take = MIN (s->len - off, len);
      mark_deleted (self, leaf, slot, off, take);
      dellog_push (me, me->next, take, target.client, target.seq, 0);
      if (out != NULL)
        {
          CtOp op = { 0 };
          op.kind = CT_OP_DELETE;
          op.client = self->me;
          op.seq = me->next;
          op.len = take;
          op.target = target;
          record_op (self, out, &op, NULL);
        }
      me->next += take;
      _cairn_text_order_push (self, self->me, take);
      len -= take;
    }
  return TRUE;
}

/* ---- Remote operations -------------------------------------------------- */

static inline gboolean
id_known (CairnText *self,
          CtId       id)
{
  return id.client == CT_NONE ||
         (id.client < self->clients->len && id.seq < client_at (self, id.client)->next);
}

static inline gboolean
id_is_insert (CairnText *self,
              CtId       id)
{
  CtLeaf *l;
  guint s;

  return id.client == CT_NONE || _cairn_text_lookup (self, id, &l, &s);
}

/* Are all ids tseq..tseq+len-1 of tclient (known) insertions? */
static gboolean
range_is_insert (CairnText *self,
                 guint32    tclient,
                 guint32    tseq,
                 guint32    len)
{
  while (len > 0)
    {
      CtLeaf *l;
      guint s;
      guint32 take;
      CtSpan *sp;

      if (!_cairn_text_lookup (self, (CtId) { tclient, tseq }, &l, &s))
        return FALSE;
      sp = &l->s[s];
      take = MIN (sp->seq + sp->len - tseq, len);
      tseq += take;
      len -= take;
    }
  return TRUE;
}

/* The YjsMod / FugueMax integration: places a run whose origins are known
 * among the concurrent runs between them (docs/text-crdt.md). */
static void
integrate (CairnText  *self,
           guint32     c,
           guint32     seq,
           guint32     len,
           CtId        ol,
           CtId        or_,
           const char *text,
           guint32     bytes)
{
  CtLeaf *sl, *cl, *save_l = NULL;
  guint ss, cs, save_s = 0;
  guint32 so, co, save_o = 0;
  gboolean scanning = FALSE, moved = FALSE;
  gint64 left_abs = -2, right_abs = -2;
  CtSpan ns;

  if (ol.client == CT_NONE)
    {
      sl = self->first;
      ss = 0;
      so = 0;
    }
  else
    {
      if (!_cairn_text_lookup (self, ol, &sl, &ss))
        g_assert_not_reached ();
      so = ol.seq - sl->s[ss].seq + 1;
      if (so == sl->s[ss].len)
        {
          ss++;
          so = 0;
        }
    }
  cl = sl;
  cs = ss;
  co = so;
  for (;;)
    {
      CtSpan *o;
      CtId oid, o_ol;

      while (cl != NULL && cs >= cl->h.n)
        {
          cl = cl->next;
          cs = 0;
          co = 0;
        }
      if (cl == NULL)
        break;
      o = &cl->s[cs];
      oid.client = o->client;
      oid.seq = o->seq + co;
      if (id_eq (oid, or_))
        break;
      if (co > 0)
        {
          o_ol.client = o->client;
          o_ol.seq = oid.seq - 1;
        }
      else
        o_ol = o->ol;

      if (id_eq (o_ol, ol))
        {
          if (id_eq (o->or_, or_))
            {
              int cmp = memcmp (client_at (self, c)->id, client_at (self, o->client)->id, 16);
              if (cmp < 0 || (cmp == 0 && seq < oid.seq))
                break;
              scanning = FALSE;
            }
          else
            {
              gint64 o_right;
              if (right_abs == -2)
                right_abs = or_.client == CT_NONE ? G_MAXINT64 : abs_pos (self, or_);
              o_right = o->or_.client == CT_NONE ? G_MAXINT64 : abs_pos (self, o->or_);
              if (o_right < right_abs)
                {
                  if (!scanning)
                    {
                      scanning = TRUE;
                      save_l = cl;
                      save_s = cs;
                      save_o = co;
                    }
                }
              else
                scanning = FALSE;
            }
        }
      else
        {
          gint64 o_left;
          if (left_abs == -2)
            left_abs = abs_pos (self, ol);
          o_left = abs_pos (self, o_ol);
          if (o_left < left_abs)
            break;
        }
      cs++;
      co = 0;
      moved = TRUE;
    }

  if (scanning)
    {
      cl = save_l;
      cs = save_s;
      co = save_o;
    }
  else if (!moved)
    {
      cl = sl;
      cs = ss;
      co = so;
    }
  else if (cl == NULL)
    {
      /* End of the document: the last leaf, after its last span. */
      cl = sl;
      while (cl->next != NULL)
        cl = cl->next;
      cs = cl->h.n;
      co = 0;
    }

  ns.client = c;
  ns.seq = seq;
  ns.len = len;
  ns.deleted = 0;
  ns.ol = ol;
  ns.or_ = or_;
  ns.off = (guint32) self->content_len;
  ns.bytes = bytes;
  _cairn_text_content_append (self, text, bytes);
  place_span (self, cl, cs, co, &ns);
}

static void
delete_ids (CairnText *self,
            guint32    tclient,
            guint32    tseq,
            guint32    len)
{
  while (len > 0)
    {
      CtLeaf *l;
      guint s;
      guint32 off, take;
      CtSpan *sp;

      if (!_cairn_text_lookup (self, (CtId) { tclient, tseq }, &l, &s))
        g_assert_not_reached ();
      sp = &l->s[s];
      off = tseq - sp->seq;
      take = MIN (sp->len - off, len);
      if (!sp->deleted)
        mark_deleted (self, l, s, off, take);
      tseq += take;
      len -= take;
    }
}

typedef enum
{
  APPLY_DONE,       /* applied, duplicate, or dropped as contradictory */
  APPLY_NOT_READY,
} ApplyResult;

/* @map: batch client number → document client number. */
static ApplyResult
apply_op (CairnText          *self,
          const CairnTextOps *batch,
          const CtOp         *op,
          const guint32      *map)
{
  guint32 c = map[op->client];
  CtClient *cl = client_at (self, c);
  guint32 trim;

  if (op->seq + op->len <= cl->next)
    return APPLY_DONE;
  if (op->seq > cl->next)
    return APPLY_NOT_READY;
  trim = cl->next - op->seq;

  if (op->kind == CT_OP_INSERT)
    {
      CtId ol, or_;
      const char *text = batch->content->str + op->off;
      guint32 bytes = op->bytes;

      if (trim > 0)
        {
          const char *p = g_utf8_offset_to_pointer (text, trim);
          bytes -= (guint32) (p - text);
          text = p;
          ol.client = c;
          ol.seq = op->seq + trim - 1;
        }
      else if (op->ol.client == CT_NONE)
        ol = op->ol;
      else
        {
          ol.client = map[op->ol.client];
          ol.seq = op->ol.seq;
        }
      or_ = op->or_;
      if (or_.client != CT_NONE)
        or_.client = map[or_.client];
      if (!id_known (self, ol) || !id_known (self, or_))
        return APPLY_NOT_READY;
      if (!id_is_insert (self, ol) || !id_is_insert (self, or_))
        {
          g_debug ("Dropping an insertion whose origin is a deletion");
          return APPLY_DONE;
        }
      integrate (self, c, op->seq + trim, op->len - trim, ol, or_, text, bytes);
    }
  else
    {
      guint32 tc = map[op->target.client];
      guint32 ts, n = op->len - trim;

      ts = op->rev ? op->target.seq : op->target.seq + trim;
      if (tc >= self->clients->len || ts + n > client_at (self, tc)->next)
        return APPLY_NOT_READY;
      if (!range_is_insert (self, tc, ts, n))
        {
          g_debug ("Dropping a deletion of ids that are not insertions");
          return APPLY_DONE;
        }
      delete_ids (self, tc, ts, n);
      dellog_push (cl, op->seq + trim, n, tc, ts, op->rev);
    }
  cl->next = op->seq + op->len;
  _cairn_text_order_push (self, c, op->len - trim);
  return APPLY_DONE;
}

static guint32 *
map_clients (CairnText          *self,
             const CairnTextOps *ops,
             gboolean            create)
{
  guint32 *map = g_new (guint32, MAX (ops->clients->len / 16, 1));
  guint32 extra = self->clients->len;

  for (guint i = 0; i < ops->clients->len / 16; i++)
    {
      const guint8 *id = &g_array_index (ops->clients, guint8, 16 * i);
      if (create)
        map[i] = _cairn_text_ensure_client (self, id);
      else if (!_cairn_text_find_client (self, id, &map[i]))
        map[i] = extra++;
    }
  return map;
}

typedef struct
{
  guint32 seq;
  guint32 len;
  guint32 kind;
} BatchRange;

static int
batch_range_cmp (gconstpointer a,
                 gconstpointer b)
{
  const BatchRange *x = a, *y = b;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The first id in [seq, end) that ranges (one batch client's, sorted by
 * seq) has as a deletion, or G_MAXUINT64. */
static guint64
first_batch_deletion (GArray  *ranges,
                      guint32  seq,
                      guint64  end)
{
  guint lo = 0, hi = ranges->len;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (g_array_index (ranges, BatchRange, mid).seq <= seq)
        lo = mid + 1;
      else
        hi = mid;
    }
  /* One starting before seq that covers it: ranges only overlap in
   * batches that repeat ops, so look a little back. */
  for (guint i = lo, steps = 0; i-- > 0 && steps < 32; steps++)
    {
      const BatchRange *b = &g_array_index (ranges, BatchRange, i);
      if (seq - b->seq < b->len)
        {
          if (b->kind == CT_OP_DELETE)
            return seq;
          break;
        }
    }
  /* Else the first deletion starting inside [seq, end). */
  for (guint i = lo; i < ranges->len && g_array_index (ranges, BatchRange, i).seq < end; i++)
    if (g_array_index (ranges, BatchRange, i).kind == CT_OP_DELETE)
      return g_array_index (ranges, BatchRange, i).seq;
  return G_MAXUINT64;
}

/* Checks, without changing anything, that the references of every op agree
 * with the document and the batch: what they name as an insertion is one.
 * In strict mode also that each op is causally ready in batch order. */
static gboolean
check_batch (CairnText          *self,
             const CairnTextOps *ops,
             const guint32      *map,
             gboolean            strict,
             GError            **error)
{
  guint nb = ops->clients->len / 16;
  g_autofree GArray **ranges = g_new0 (GArray *, MAX (nb, 1));
  g_autofree guint32 *vnext = g_new0 (guint32, MAX (nb, 1));
  gboolean ok = TRUE;

  for (guint i = 0; i < nb; i++)
    {
      ranges[i] = g_array_new (FALSE, FALSE, sizeof (BatchRange));
      vnext[i] = map[i] < self->clients->len ? client_at (self, map[i])->next : 0;
    }
  for (guint i = 0; i < ops->ops->len; i++)
    {
      const CtOp *op = &g_array_index (ops->ops, CtOp, i);
      BatchRange br = { op->seq, op->len, op->kind };
      g_array_append_val (ranges[op->client], br);
    }
  for (guint i = 0; i < nb; i++)
    g_array_sort (ranges[i], batch_range_cmp);

  for (guint i = 0; i < ops->ops->len && ok; i++)
    {
      const CtOp *op = &g_array_index (ops->ops, CtOp, i);
      CtId refs[3];
      guint32 ref_len[3];
      guint n_refs = 0;

      if (op->kind == CT_OP_INSERT)
        {
          refs[n_refs] = op->ol;
          ref_len[n_refs++] = 1;
          refs[n_refs] = op->or_;
          ref_len[n_refs++] = 1;
        }
      else
        {
          refs[n_refs] = op->target;
          ref_len[n_refs++] = op->len;
        }
      for (guint k = 0; k < n_refs && ok; k++)
        {
          CtId r = refs[k];
          guint32 d;

          if (r.client == CT_NONE)
            continue;
          d = map[r.client];
          for (guint32 j = 0; j < ref_len[k] && ok; )
            {
              guint32 seq = r.seq + j;
              CtId did = { d, seq };

              if (id_known (self, did))
                {
                  CtLeaf *l;
                  guint s;
                  if (!_cairn_text_lookup (self, did, &l, &s))
                    {
                      g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_MALFORMED,
                                   "Operation %u refers to character %u of a client as an "
                                   "insertion, but this document has it as a deletion", i, seq);
                      ok = FALSE;
                      break;
                    }
                  j += MIN (l->s[s].seq + l->s[s].len - seq, ref_len[k] - j);
                  continue;
                }
              /* Not in the document, and neither is any later id of the
               * client: the rest of the reference at once, not one id at a
               * time (a deletion of 2^31 characters nobody has took
               * minutes; found by tests/fuzz/fuzz-text.c). The first id
               * the batch has as a deletion, or (strict) not yet made, is
               * the error the loop would have reported. */
              {
                guint64 rend = (guint64) r.seq + ref_len[k];
                guint64 first_del = first_batch_deletion (ranges[r.client], seq, rend);
                guint64 first_unready = strict ? MAX (seq, vnext[r.client]) : G_MAXUINT64;

                if (first_unready >= rend)
                  first_unready = G_MAXUINT64;
                if (first_del < rend && first_del <= first_unready)
                  {
                    g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_MALFORMED,
                                 "Operation %u refers to character %u of a client as an "
                                 "insertion, but the batch has it as a deletion", i, (guint32) first_del);
                    ok = FALSE;
                    break;
                  }
                if (first_unready < rend)
                  {
                    g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_NOT_READY,
                                 "Operation %u depends on operation %u of a client that "
                                 "this document has not received", i, (guint32) first_unready);
                    ok = FALSE;
                    break;
                  }
                j = ref_len[k];
              }
            }
        }
      if (ok && strict)
        {
          if (op->seq > vnext[op->client])
            {
              g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_NOT_READY,
                           "Operation %u starts at counter %u but its client's operations "
                           "stop at %u here", i, op->seq, vnext[op->client]);
              ok = FALSE;
            }
          else
            vnext[op->client] = MAX (vnext[op->client], op->seq + op->len);
        }
    }
  for (guint i = 0; i < nb; i++)
    g_array_unref (ranges[i]);
  return ok;
}

static void
pending_push (CairnText          *self,
              const CairnTextOps *batch,
              const CtOp         *op)
{
  CtOp copy = *op;
  const char *content = NULL;

  copy.client = _cairn_text_ops_client (self->pending,
                                        &g_array_index (batch->clients, guint8, 16 * op->client));
  if (op->kind == CT_OP_INSERT)
    {
      content = batch->content->str + op->off;
      if (op->ol.client != CT_NONE)
        copy.ol.client = _cairn_text_ops_client (self->pending,
                                                 &g_array_index (batch->clients, guint8, 16 * op->ol.client));
      if (op->or_.client != CT_NONE)
        copy.or_.client = _cairn_text_ops_client (self->pending,
                                                  &g_array_index (batch->clients, guint8, 16 * op->or_.client));
    }
  else
    copy.target.client = _cairn_text_ops_client (self->pending,
                                                 &g_array_index (batch->clients, guint8, 16 * op->target.client));
  /* Never merge held ops: they may have arrived out of order. */
  copy.off = (guint32) self->pending->content->len;
  if (content != NULL)
    g_string_append_len (self->pending->content, content, op->bytes);
  g_array_append_val (self->pending->ops, copy);
}

static void
drain_pending (CairnText *self)
{
  gboolean progress = TRUE;

  while (progress && self->pending->ops->len > 0)
    {
      g_autofree guint32 *map = map_clients (self, self->pending, TRUE);
      GArray *ops = self->pending->ops;
      guint keep = 0;

      progress = FALSE;
      for (guint i = 0; i < ops->len; i++)
        {
          CtOp *op = &g_array_index (ops, CtOp, i);
          if (apply_op (self, self->pending, op, map) == APPLY_NOT_READY)
            g_array_index (ops, CtOp, keep++) = *op;
          else
            progress = TRUE;
        }
      g_array_set_size (ops, keep);
    }
  if (self->pending->ops->len == 0)
    cairn_text_ops_clear (self->pending);
}

gboolean
cairn_text_apply (CairnText           *self,
                  const CairnTextOps  *ops,
                  CairnTextApplyFlags  flags,
                  GError             **error)
{
  g_autofree guint32 *map = NULL;
  gboolean held = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (ops != NULL, FALSE);

  if (ops->ops->len == 0)
    return TRUE;
  map = map_clients (self, ops, FALSE);
  if (!check_batch (self, ops, map, (flags & CAIRN_TEXT_APPLY_STRICT) != 0, error))
    return FALSE;
  g_free (map);
  map = map_clients (self, ops, TRUE);
  for (guint i = 0; i < ops->ops->len; i++)
    {
      const CtOp *op = &g_array_index (ops->ops, CtOp, i);
      if (apply_op (self, ops, op, map) == APPLY_NOT_READY)
        {
          pending_push (self, ops, op);
          held = TRUE;
        }
      else if (self->pending->ops->len > 0 && !held)
        drain_pending (self);
    }
  drain_pending (self);
  return TRUE;
}

/* ---- Versions, history -------------------------------------------------- */

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
      CtClient *c = client_at (self, i);
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
      if (e->count > client_at (self, d)->next && !clamp)
        {
          g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_UNKNOWN_VERSION,
                       "The version holds %u operations of a client, this document only %u",
                       e->count, client_at (self, d)->next);
          return NULL;
        }
      counts[d] = MIN (e->count, client_at (self, d)->next);
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
  g_autofree guint *first = NULL;
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (version != NULL, NULL);

  counts = version_counts (self, version, FALSE, error);
  if (counts == NULL)
    return NULL;

  /* Every id deleted by a deletion inside the version. */
  for (guint c = 0; c < self->clients->len; c++)
    {
      GArray *dels = client_at (self, c)->dels;
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
            {
              guint32 ba = span_byte_offset (self, s, a - s->seq);
              guint32 bb = span_byte_offset (self, s, stop - s->seq);
              g_string_append_len (out, (const char *) self->content + s->off + ba, bb - ba);
            }
            a = stop;
          }
      }
  return g_string_free (out, FALSE);
}

static CtDel *
find_del (CtClient *c,
          guint32   seq)
{
  guint lo = 0, hi = c->dels->len;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      CtDel *d = &g_array_index (c->dels, CtDel, mid);
      if (d->seq + d->len <= seq)
        lo = mid + 1;
      else if (d->seq > seq)
        hi = mid;
      else
        return d;
    }
  return NULL;
}

static void
emit_range (CairnText    *self,
            CairnTextOps *out,
            guint32       c,
            guint32       a,
            guint32       b)
{
  CtClient *cl = client_at (self, c);

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
          guint32 ba = span_byte_offset (self, s, k);
          guint32 bb = span_byte_offset (self, s, k + take);

          op.kind = CT_OP_INSERT;
          op.len = take;
          if (k == 0)
            op.ol = s->ol;
          else
            op.ol = (CtId) { c, a - 1 };
          op.or_ = s->or_;
          op.bytes = bb - ba;
          record_op (self, out, &op, (const char *) self->content + s->off + ba);
          a += take;
        }
      else
        {
          CtDel *d = find_del (cl, a);
          guint32 i0, take;

          g_assert (d != NULL);
          i0 = a - d->seq;
          take = MIN (d->seq + d->len, b) - a;
          op.kind = CT_OP_DELETE;
          op.len = take;
          op.rev = d->rev;
          op.target.client = d->tclient;
          op.target.seq = d->rev ? d->tseq + d->len - i0 - take : d->tseq + i0;
          record_op (self, out, &op, NULL);
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

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-tree.c: the B-tree of spans in document order: splitting,
 * placing and deleting spans, finding positions, the op logs. */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>

#include "cairn-text-private.h"

/* ---- The B-tree -------------------------------------------------------- */

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

/* Puts @nn right after @after, a child of @target that has room. */
static inline void
inner_put_after (CtInner *target,
                 CtNode  *after,
                 CtNode  *nn)
{
  guint i;

  for (i = 0; target->child[i] != after; i++)
    ;
  memmove (target->child + i + 2, target->child + i + 1,
           (target->h.n - i - 1) * sizeof (CtNode *));
  target->child[i + 1] = nn;
  target->h.n++;
  nn->parent = target;
}

/* Puts @nn right after its sibling @after in @parent. The counts of @parent
 * already include @nn (it was split off @after). */
static void
inner_insert_after (CairnText *self,
                    CtInner   *parent,
                    CtNode    *after,
                    CtNode    *nn)
{
  if (parent->h.n == CT_INNER_CAP)
    {
      CtInner *p2 = inner_new ();
      guint half = CT_INNER_CAP / 2;

      p2->h.n = parent->h.n - half;
      memcpy (p2->child, parent->child + half, p2->h.n * sizeof (CtNode *));
      parent->h.n = half;
      for (guint k = 0; k < p2->h.n; k++)
        p2->child[k]->parent = p2;
      inner_put_after (after->parent, after, nn);
      inner_sum (parent);
      inner_sum (p2);
      if (parent->h.parent == NULL)
        new_root (self, &parent->h, &p2->h);
      else
        inner_insert_after (self, parent->h.parent, &parent->h, &p2->h);
      return;
    }
  inner_put_after (parent, after, nn);
}

CtLeaf *
_cairn_text_leaf_new (void)
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
  CtLeaf *r = _cairn_text_leaf_new ();
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
      _cairn_text_idx_set_leaf (ct_client_at (self, s->client), s->seq, r);
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
  _cairn_text_idx_insert (ct_client_at (self, sp->client), sp->seq, leaf);
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
  guint32 kb = ct_span_byte_offset (self, s, k);
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

/* a then b would form one run if they had the same deleted flag. */
static inline gboolean
spans_mergeable_but_deleted (const CtSpan *a,
                             const CtSpan *b)
{
  return a->client == b->client && a->seq + a->len == b->seq &&
         b->ol.client == a->client && b->ol.seq == a->seq + a->len - 1 &&
         ct_id_eq (a->or_, b->or_) && a->off + a->bytes == b->off &&
         (a->deleted & CT_NO_TEXT) == (b->deleted & CT_NO_TEXT);
}

static inline gboolean
spans_mergeable (const CtSpan *a,
                 const CtSpan *b)
{
  return a->deleted == b->deleted && spans_mergeable_but_deleted (a, b);
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
      _cairn_text_idx_remove (ct_client_at (self, b->client), b->seq);
      memmove (leaf->s + slot + 1, leaf->s + slot + 2, (leaf->h.n - slot - 2) * sizeof (CtSpan));
      leaf->h.n--;
    }
  if (slot > 0 && spans_mergeable (&leaf->s[slot - 1], &leaf->s[slot]))
    {
      CtSpan *a = &leaf->s[slot - 1], *b = &leaf->s[slot];
      a->len += b->len;
      a->bytes += b->bytes;
      _cairn_text_idx_remove (ct_client_at (self, b->client), b->seq);
      memmove (leaf->s + slot, leaf->s + slot + 1, (leaf->h.n - slot - 1) * sizeof (CtSpan));
      leaf->h.n--;
    }
}

/* Inserts new span @ns at cursor (leaf, slot, off): before code point off
 * of span slot, or at slot when off == 0 (slot may equal n). */
void
_cairn_text_place_span (CairnText *self,
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

/* Marks code points [off, off+take) of the visible span at (leaf, slot)
 * deleted. */
void
_cairn_text_mark_deleted (CairnText *self,
                          CtLeaf    *leaf,
                          guint      slot,
                          guint32    off,
                          guint32    take)
{
  CtSpan *s = &leaf->s[slot];

  self->arena_is_text = FALSE;

  /* Backspacing (the tail of a span before its deleted continuation) and
   * deleting forwards (the head of a span after its deleted predecessor)
   * move the boundary between the two spans instead of splitting. */
  if (off > 0 && off + take == s->len && slot + 1 < leaf->h.n)
    {
      CtSpan *n = &leaf->s[slot + 1];
      if (n->deleted && !s->deleted && spans_mergeable_but_deleted (s, n))
        {
          guint32 kb = ct_span_byte_offset (self, s, off);
          guint32 old_seq = n->seq;
          n->seq = s->seq + off;
          n->len += take;
          n->off = s->off + kb;
          n->bytes += s->bytes - kb;
          n->ol.seq = n->seq - 1;
          s->len = off;
          s->bytes = kb;
          _cairn_text_idx_rekey (ct_client_at (self, n->client), old_seq, n->seq);
          add_counts (self, leaf, -(gint32) take, 0);
          return;
        }
    }
  if (off == 0 && take < s->len && slot > 0)
    {
      CtSpan *p = &leaf->s[slot - 1];
      if (p->deleted && !s->deleted && spans_mergeable_but_deleted (p, s))
        {
          guint32 kb = ct_span_byte_offset (self, s, take);
          guint32 old_seq = s->seq;
          p->len += take;
          p->bytes += kb;
          s->seq += take;
          s->len -= take;
          s->off += kb;
          s->bytes -= kb;
          s->ol.client = s->client;
          s->ol.seq = s->seq - 1;
          _cairn_text_idx_rekey (ct_client_at (self, s->client), old_seq, s->seq);
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
CtLeaf *
_cairn_text_find_visible (CairnText *self,
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
gint64
_cairn_text_abs_pos (CairnText *self,
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

/* ---- Logs -------------------------------------------------------------- */

void
_cairn_text_dellog_push (CtClient *c,
                         guint32   seq,
                         guint32   len,
                         guint32   tclient,
                         guint32   tseq,
                         guint32   rev)
{
  if (c->dels->len > 0)
    {
      CtDel *l = &g_array_index (c->dels, CtDel, c->dels->len - 1);
      if (l->seq + l->len == seq && l->tclient == tclient &&
          ct_del_run_extend (&l->tseq, &l->len, &l->rev, tseq, len, rev))
        return;
    }
  g_array_append_val (c->dels, ((CtDel) { seq, len, tclient, tseq, rev }));
}

/* ---- Whole trees ------------------------------------------------------- */

CairnText *
_cairn_text_new_empty (void)
{
  CairnText *self = g_new0 (CairnText, 1);

  self->clients = g_ptr_array_new_with_free_func (_cairn_text_client_free);
  self->order = g_array_new (FALSE, FALSE, sizeof (CtOrder));
  self->pending = cairn_text_ops_new ();
  return self;
}

void
_cairn_text_node_free (CtNode *n)
{
  if (!n->is_leaf)
    {
      CtInner *in = (CtInner *) n;
      for (guint i = 0; i < in->h.n; i++)
        _cairn_text_node_free (in->child[i]);
    }
  g_free (n);
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

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-merge.c: applying remote operations: checking a batch,
 * integrating insertions, holding operations that are not ready. */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>

#include "cairn-text-private.h"

static inline gboolean
id_known (CairnText *self,
          CtId       id)
{
  return id.client == CT_NONE ||
         (id.client < self->clients->len && id.seq < ct_client_at (self, id.client)->next);
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

      if (!ct_lookup_run (self, tclient, tseq, len, &l, &s, &take))
        return FALSE;
      tseq += take;
      len -= take;
    }
  return TRUE;
}

/* A place between characters: before code point off of span slot of leaf,
 * or at slot when off == 0 (slot may equal the leaf's n). */
typedef struct
{
  CtLeaf  *leaf;
  guint    slot;
  guint32  off;
} Cursor;

/* The place right after insert id @ol; the document start for none. */
static Cursor
cursor_after (CairnText *self,
              CtId       ol)
{
  Cursor at = { self->first, 0, 0 };

  if (ol.client == CT_NONE)
    return at;
  if (!_cairn_text_lookup (self, ol, &at.leaf, &at.slot))
    g_assert_not_reached ();
  at.off = ol.seq - at.leaf->s[at.slot].seq + 1;
  if (at.off == at.leaf->s[at.slot].len)
    {
      at.slot++;
      at.off = 0;
    }
  return at;
}

/* The YjsMod / FugueMax rule: where a run of client @c from counter @seq
 * with origins @ol and @or_ goes among the concurrent runs between its
 * origins, scanning from @start, the place right after @ol
 * (docs/text-crdt.md). */
static Cursor
find_place (CairnText *self,
            guint32    c,
            guint32    seq,
            CtId       ol,
            CtId       or_,
            Cursor     start)
{
  Cursor cur = start, save = { NULL, 0, 0 };
  gboolean scanning = FALSE, moved = FALSE;
  gint64 left_abs = -2, right_abs = -2;

  for (;;)
    {
      CtSpan *o;
      CtId oid, o_ol;

      while (cur.leaf != NULL && cur.slot >= cur.leaf->h.n)
        {
          cur.leaf = cur.leaf->next;
          cur.slot = 0;
          cur.off = 0;
        }
      if (cur.leaf == NULL)
        break;
      o = &cur.leaf->s[cur.slot];
      oid.client = o->client;
      oid.seq = o->seq + cur.off;
      if (ct_id_eq (oid, or_))
        break;
      if (cur.off > 0)
        {
          o_ol.client = o->client;
          o_ol.seq = oid.seq - 1;
        }
      else
        o_ol = o->ol;

      if (ct_id_eq (o_ol, ol))
        {
          if (ct_id_eq (o->or_, or_))
            {
              int cmp = memcmp (ct_client_at (self, c)->id, ct_client_at (self, o->client)->id, 16);
              if (cmp < 0 || (cmp == 0 && seq < oid.seq))
                break;
              scanning = FALSE;
            }
          else
            {
              gint64 o_right;
              if (right_abs == -2)
                right_abs = or_.client == CT_NONE ? G_MAXINT64 : _cairn_text_abs_pos (self, or_);
              o_right = o->or_.client == CT_NONE ? G_MAXINT64 : _cairn_text_abs_pos (self, o->or_);
              if (o_right < right_abs)
                {
                  if (!scanning)
                    {
                      scanning = TRUE;
                      save = cur;
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
            left_abs = _cairn_text_abs_pos (self, ol);
          o_left = _cairn_text_abs_pos (self, o_ol);
          if (o_left < left_abs)
            break;
        }
      cur.slot++;
      cur.off = 0;
      moved = TRUE;
    }

  if (scanning)
    return save;
  if (!moved)
    return start;
  if (cur.leaf == NULL)
    {
      /* End of the document: the last leaf, after its last span. */
      cur.leaf = start.leaf;
      while (cur.leaf->next != NULL)
        cur.leaf = cur.leaf->next;
      cur.slot = cur.leaf->h.n;
      cur.off = 0;
    }
  return cur;
}

/* Places a run whose origins are known. */
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
  Cursor at = find_place (self, c, seq, ol, or_, cursor_after (self, ol));
  CtSpan ns;

  ns.client = c;
  ns.seq = seq;
  ns.len = len;
  ns.deleted = 0;
  ns.ol = ol;
  ns.or_ = or_;
  ns.off = (guint32) self->content_len;
  ns.bytes = bytes;
  _cairn_text_content_append (self, text, bytes);
  _cairn_text_place_span (self, at.leaf, at.slot, at.off, &ns);
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
      guint32 take;

      if (!ct_lookup_run (self, tclient, tseq, len, &l, &s, &take))
        g_assert_not_reached ();
      if (!l->s[s].deleted)
        _cairn_text_mark_deleted (self, l, s, tseq - l->s[s].seq, take);
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
  CtClient *cl = ct_client_at (self, c);
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
      if (tc >= self->clients->len || ts + n > ct_client_at (self, tc)->next)
        return APPLY_NOT_READY;
      if (!range_is_insert (self, tc, ts, n))
        {
          g_debug ("Dropping a deletion of ids that are not insertions");
          return APPLY_DONE;
        }
      delete_ids (self, tc, ts, n);
      _cairn_text_dellog_push (cl, op->seq + trim, n, tc, ts, op->rev);
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

/* What check_batch() knows of a batch: per batch client, the ranges of its
 * ops sorted by counter, and the counter its next op must start at to be
 * ready (strict mode). */
typedef struct
{
  CairnText     *self;
  const guint32 *map;
  gboolean       strict;
  GArray       **ranges;   /* BatchRange */
  guint32       *vnext;
} BatchCheck;

/* Checks reference @r of op @i, ids r.seq..r.seq+len-1 of a batch client:
 * that they are insertions, here or (when not here) in the batch, and in
 * strict mode that they are here or made by the batch before op @i. */
static gboolean
check_reference (BatchCheck  *bc,
                 guint        i,
                 CtId         r,
                 guint32      len,
                 GError     **error)
{
  guint32 d;

  if (r.client == CT_NONE)
    return TRUE;
  d = bc->map[r.client];
  for (guint32 j = 0; j < len; )
    {
      guint32 seq = r.seq + j;
      CtId did = { d, seq };
      guint64 rend, first_del, first_unready;

      if (id_known (bc->self, did))
        {
          CtLeaf *l;
          guint s;
          if (!_cairn_text_lookup (bc->self, did, &l, &s))
            {
              g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_MALFORMED,
                           "Operation %u refers to character %u of a client as an "
                           "insertion, but this document has it as a deletion", i, seq);
              return FALSE;
            }
          j += MIN (l->s[s].seq + l->s[s].len - seq, len - j);
          continue;
        }
      /* Not in the document, and neither is any later id of the
       * client: the rest of the reference at once, not one id at a
       * time (a deletion of 2^31 characters nobody has took
       * minutes; found by tests/fuzz/fuzz-text.c). The first id
       * the batch has as a deletion, or (strict) not yet made, is
       * the error the loop would have reported. */
      rend = (guint64) r.seq + len;
      first_del = first_batch_deletion (bc->ranges[r.client], seq, rend);
      first_unready = bc->strict ? MAX (seq, bc->vnext[r.client]) : G_MAXUINT64;
      if (first_unready >= rend)
        first_unready = G_MAXUINT64;
      if (first_del < rend && first_del <= first_unready)
        {
          g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_MALFORMED,
                       "Operation %u refers to character %u of a client as an "
                       "insertion, but the batch has it as a deletion", i, (guint32) first_del);
          return FALSE;
        }
      if (first_unready < rend)
        {
          g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_NOT_READY,
                       "Operation %u depends on operation %u of a client that "
                       "this document has not received", i, (guint32) first_unready);
          return FALSE;
        }
      break;
    }
  return TRUE;
}

/* Checks op @i's references and, in strict mode, that it is ready. */
static gboolean
check_op (BatchCheck  *bc,
          guint        i,
          const CtOp  *op,
          GError     **error)
{
  if (op->kind == CT_OP_INSERT)
    {
      if (!check_reference (bc, i, op->ol, 1, error) ||
          !check_reference (bc, i, op->or_, 1, error))
        return FALSE;
    }
  else if (!check_reference (bc, i, op->target, op->len, error))
    return FALSE;
  if (!bc->strict)
    return TRUE;
  if (op->seq > bc->vnext[op->client])
    {
      g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_NOT_READY,
                   "Operation %u starts at counter %u but its client's operations "
                   "stop at %u here", i, op->seq, bc->vnext[op->client]);
      return FALSE;
    }
  bc->vnext[op->client] = MAX (bc->vnext[op->client], op->seq + op->len);
  return TRUE;
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
  BatchCheck bc = { self, map, strict, ranges, vnext };
  gboolean ok = TRUE;

  for (guint i = 0; i < nb; i++)
    {
      ranges[i] = g_array_new (FALSE, FALSE, sizeof (BatchRange));
      vnext[i] = map[i] < self->clients->len ? ct_client_at (self, map[i])->next : 0;
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
    ok = check_op (&bc, i, &g_array_index (ops->ops, CtOp, i), error);
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

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-ops.c: op batches: building, appending, splitting, and their
 * encoding. */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>

#include "cairn-text-codec-private.h"

/* ---- Op batches -------------------------------------------------------- */

CairnTextOps *
cairn_text_ops_new (void)
{
  CairnTextOps *ops = g_new0 (CairnTextOps, 1);

  ops->clients = g_array_new (FALSE, FALSE, 1);
  ops->ops = g_array_new (FALSE, FALSE, sizeof (CtOp));
  ops->content = g_string_new (NULL);
  return ops;
}

void
cairn_text_ops_free (CairnTextOps *ops)
{
  if (ops == NULL)
    return;
  g_array_unref (ops->clients);
  g_array_unref (ops->ops);
  g_string_free (ops->content, TRUE);
  g_free (ops);
}

guint
cairn_text_ops_get_n_ops (const CairnTextOps *ops)
{
  g_return_val_if_fail (ops != NULL, 0);
  return ops->ops->len;
}

gboolean
cairn_text_ops_is_empty (const CairnTextOps *ops)
{
  g_return_val_if_fail (ops != NULL, TRUE);
  return ops->ops->len == 0;
}

void
cairn_text_ops_clear (CairnTextOps *ops)
{
  g_return_if_fail (ops != NULL);
  g_array_set_size (ops->clients, 0);
  g_array_set_size (ops->ops, 0);
  g_string_truncate (ops->content, 0);
}

guint32
_cairn_text_ops_client (CairnTextOps *ops,
                        const guint8  id[16])
{
  guint n = ops->clients->len / 16;

  for (guint i = 0; i < n; i++)
    if (memcmp ((const guint8 *) ops->clients->data + 16 * i, id, 16) == 0)
      return i;
  g_array_append_vals (ops->clients, id, 16);
  return n;
}

/* Appends op (client numbers already the batch's), merging it into the last
 * op when it continues it: typing forwards, or deleting forwards/backwards. */
void
_cairn_text_ops_push (CairnTextOps *ops,
                      const CtOp   *op,
                      const char   *content)
{
  CtOp n = *op;

  if (ops->ops->len > 0)
    {
      CtOp *l = &g_array_index (ops->ops, CtOp, ops->ops->len - 1);
      if (l->kind == op->kind && l->client == op->client && l->seq + l->len == op->seq)
        {
          if (op->kind == CT_OP_INSERT && op->ol.client == op->client &&
              op->ol.seq == l->seq + l->len - 1 && ct_id_eq (op->or_, l->or_) &&
              l->off + l->bytes == ops->content->len)
            {
              g_string_append_len (ops->content, content, op->bytes);
              l->len += op->len;
              l->bytes += op->bytes;
              return;
            }
          if (op->kind == CT_OP_DELETE && op->target.client == l->target.client &&
              ct_del_run_extend (&l->target.seq, &l->len, &l->rev,
                                 op->target.seq, op->len, op->rev))
            return;
        }
    }
  if (n.kind == CT_OP_INSERT)
    {
      n.off = (guint32) ops->content->len;
      g_string_append_len (ops->content, content, op->bytes);
    }
  else
    {
      n.off = n.bytes = 0;
    }
  g_array_append_val (ops->ops, n);
}

/* Client number @c of @src as @dest numbers it (added when new). */
static inline guint32
map_client (CairnTextOps       *dest,
            const CairnTextOps *src,
            guint32             c)
{
  if (c == CT_NONE)
    return CT_NONE;
  return _cairn_text_ops_client (dest, (const guint8 *) src->clients->data + 16 * c);
}

/* Gives @op, an op of @src, @dest's client numbers. */
static void
map_op_clients (CairnTextOps       *dest,
                const CairnTextOps *src,
                CtOp               *op)
{
  op->client = map_client (dest, src, op->client);
  if (op->kind == CT_OP_INSERT)
    {
      op->ol.client = map_client (dest, src, op->ol.client);
      op->or_.client = map_client (dest, src, op->or_.client);
    }
  else
    op->target.client = map_client (dest, src, op->target.client);
}

void
cairn_text_ops_append (CairnTextOps       *dest,
                       const CairnTextOps *src)
{
  g_return_if_fail (dest != NULL && src != NULL);

  for (guint i = 0; i < src->ops->len; i++)
    {
      CtOp op = g_array_index (src->ops, CtOp, i);

      map_op_clients (dest, src, &op);
      _cairn_text_ops_push (dest, &op, op.kind == CT_OP_INSERT ? src->content->str + op.off : NULL);
    }
}

/* Upper bounds of what cairn_text_ops_encode() writes (a varint of a
 * 32-bit value is at most 5 bytes): the batch's tag and two counts, an
 * insertion without its text, a deletion, a client in the table. */
#define SPLIT_BATCH_BYTES  (1 + 5 + 5)
#define SPLIT_INSERT_BYTES (5 + 5 + 5 + 10 + 10 + 5)
#define SPLIT_DELETE_BYTES (5 + 5 + 5 + 1 + 5 + 5)
#define SPLIT_CLIENT_BYTES 16

/* How many of the clients @ids (CT_NONE: none) @batch does not list yet. */
static guint
split_new_clients (const CairnTextOps *src,
                   const CairnTextOps *batch,
                   const guint32       ids[3])
{
  guint n = 0;

  for (guint i = 0; i < 3; i++)
    {
      const guint8 *id;
      gboolean listed = FALSE;

      if (ids[i] == CT_NONE)
        continue;
      /* The same client twice among @ids counts once. */
      for (guint j = 0; j < i && !listed; j++)
        listed = ids[j] == ids[i];
      id = (const guint8 *) src->clients->data + 16 * ids[i];
      for (guint j = 0; j < batch->clients->len / 16 && !listed; j++)
        listed = memcmp ((const guint8 *) batch->clients->data + 16 * j, id, 16) == 0;
      n += !listed;
    }
  return n;
}

/* Insertions are cut between code points. The part after a cut has the
 * last character before it as its left origin and keeps the right origin:
 * that is what every character but the first of an insertion has anyway
 * (a run typed in one go, docs/text-crdt.md), and what
 * cairn_text_ops_since() emits for part of a span. So the parts, applied
 * in order, integrate exactly as the whole did. Deletions are never cut:
 * their size does not grow with their length. */
GPtrArray *
cairn_text_ops_split (const CairnTextOps *ops,
                      gsize               max_bytes)
{
  g_autoptr(GPtrArray) batches = NULL;
  CairnTextOps *cur = NULL;
  gsize size = 0;

  g_return_val_if_fail (ops != NULL, NULL);
  g_return_val_if_fail (max_bytes >= CAIRN_TEXT_OPS_MIN_SPLIT_BYTES, NULL);

  batches = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_text_ops_free);
  for (guint i = 0; i < ops->ops->len; i++)
    {
      const CtOp *src = &g_array_index (ops->ops, CtOp, i);
      const char *text = src->kind == CT_OP_INSERT ? ops->content->str + src->off : NULL;
      guint32 done = 0;   /* code points of src already placed */
      guint32 done_bytes = 0;

      while (done < src->len)
        {
          CtOp op = *src;
          guint32 ids[3];
          gsize fixed;

          if (cur == NULL)
            {
              cur = cairn_text_ops_new ();
              g_ptr_array_add (batches, cur);
              size = SPLIT_BATCH_BYTES;
            }
          ids[0] = src->client;
          ids[1] = src->kind == CT_OP_INSERT ? src->ol.client : src->target.client;
          ids[2] = src->kind == CT_OP_INSERT ? src->or_.client : CT_NONE;
          fixed = (src->kind == CT_OP_INSERT ? SPLIT_INSERT_BYTES + 4 : SPLIT_DELETE_BYTES) +
                  SPLIT_CLIENT_BYTES * split_new_clients (ops, cur, ids);
          if (size + fixed > max_bytes)
            {
              /* Full: a fresh batch always has room for one op. */
              g_assert (cur->ops->len > 0);
              cur = NULL;
              continue;
            }

          if (src->kind == CT_OP_INSERT)
            {
              /* As many whole code points as fit. */
              gsize room = max_bytes - size - fixed + 4;
              const char *start = text + done_bytes;
              const char *end = text + src->bytes;
              const char *p = start;
              guint32 take = 0;

              while (p < end && take < src->len - done)
                {
                  const char *next = g_utf8_next_char (p);

                  if ((gsize) (next - start) > room)
                    break;
                  p = next;
                  take++;
                }
              g_assert (take > 0);
              op.seq = src->seq + done;
              op.len = take;
              if (done > 0)
                op.ol = (CtId) { src->client, src->seq + done - 1 };
              op.bytes = (guint32) (p - start);
              fixed += op.bytes - 4;
            }

          map_op_clients (cur, ops, &op);
          _cairn_text_ops_push (cur, &op, text != NULL ? text + done_bytes : NULL);
          size += fixed;
          done += op.len;
          done_bytes += op.bytes;
        }
    }
  return g_steal_pointer (&batches);
}

/* ---- Encoding ---------------------------------------------------------- */

static void
wr_id (GByteArray *b,
       CtId        id)
{
  if (id.client == CT_NONE)
    {
      wr_varint (b, 0);
      return;
    }
  wr_varint (b, (guint64) id.client + 1);
  wr_varint (b, id.seq);
}

GBytes *
cairn_text_ops_encode (const CairnTextOps *ops)
{
  GByteArray *b;
  guint8 tag = TAG_OPS;

  g_return_val_if_fail (ops != NULL, NULL);

  b = g_byte_array_sized_new (32 + ops->content->len + 8 * ops->ops->len);
  g_byte_array_append (b, &tag, 1);
  wr_varint (b, ops->clients->len / 16);
  g_byte_array_append (b, (const guint8 *) ops->clients->data, ops->clients->len);
  wr_varint (b, ops->ops->len);
  for (guint i = 0; i < ops->ops->len; i++)
    {
      const CtOp *op = &g_array_index (ops->ops, CtOp, i);
      wr_varint (b, ((guint64) op->len << 1) | op->kind);
      wr_varint (b, op->client);
      wr_varint (b, op->seq);
      if (op->kind == CT_OP_INSERT)
        {
          wr_id (b, op->ol);
          wr_id (b, op->or_);
          wr_varint (b, op->bytes);
          g_byte_array_append (b, (const guint8 *) ops->content->str + op->off, op->bytes);
        }
      else
        {
          wr_varint (b, op->rev);
          wr_varint (b, op->target.client);
          wr_varint (b, op->target.seq);
        }
    }
  return g_byte_array_free_to_bytes (b);
}

static gboolean
rd_id (Reader     *r,
       guint32     n_clients,
       CtId       *out,
       const char *field)
{
  guint32 c;

  if (!rd_u32 (r, n_clients, &c, field))
    return FALSE;
  if (c == 0)
    {
      out->client = CT_NONE;
      out->seq = 0;
      return TRUE;
    }
  out->client = c - 1;
  return rd_u32 (r, G_MAXUINT32 - 1, &out->seq, field);
}

/* Reads an op batch body (after the tag) into ops. */
gboolean
_cairn_text_read_ops (Reader       *r,
                      CairnTextOps *ops)
{
  guint32 n_clients, n_ops;
  const guint8 *ids = NULL;

  if (!rd_u32 (r, rd_left (r) / 16, &n_clients, "the client count") ||
      !rd_bytes (r, 16 * (gsize) n_clients, &ids, "the client table") ||
      !_cairn_text_check_clients_distinct (r, ids, n_clients))
    return FALSE;
  g_array_append_vals (ops->clients, ids, 16 * n_clients);
  if (!rd_u32 (r, rd_left (r) / 3, &n_ops, "the operation count"))
    return FALSE;
  for (guint32 i = 0; i < n_ops; i++)
    {
      CtOp op = { 0 };
      guint64 head;

      if (!rd_varint (r, ((guint64) G_MAXUINT32 << 1) | 1, &head, "an operation header"))
        return FALSE;
      op.kind = head & 1;
      op.len = (guint32) (head >> 1);
      if (op.len == 0)
        return rd_fail (r, "operation %u has length 0", i);
      if (n_clients == 0)
        return rd_fail (r, "operation %u names a client but the table is empty", i);
      if (!rd_u32 (r, n_clients - 1, &op.client, "an operation's client") ||
          !rd_u32 (r, G_MAXUINT32 - 1 - op.len, &op.seq, "an operation's counter"))
        return FALSE;
      if (op.kind == CT_OP_INSERT)
        {
          const guint8 *text = NULL;
          const char *bad;
          if (!rd_id (r, n_clients, &op.ol, "a left origin") ||
              !rd_id (r, n_clients, &op.or_, "a right origin") ||
              !rd_u32 (r, rd_left (r), &op.bytes, "an insertion's byte count") ||
              !rd_bytes (r, op.bytes, &text, "an insertion's text"))
            return FALSE;
          if (!g_utf8_validate_len ((const char *) text, op.bytes, &bad))
            return rd_fail (r, "insertion %u is not valid UTF-8", i);
          if ((gsize) g_utf8_strlen ((const char *) text, op.bytes) != op.len)
            return rd_fail (r, "insertion %u says %u code points but holds %ld",
                            i, op.len, g_utf8_strlen ((const char *) text, op.bytes));
          if ((op.ol.client == op.client && op.ol.seq >= op.seq) ||
              (op.or_.client == op.client && op.or_.seq >= op.seq))
            return rd_fail (r, "insertion %u has an origin that is not older than itself", i);
          op.off = (guint32) ops->content->len;
          g_string_append_len (ops->content, (const char *) text, op.bytes);
        }
      else
        {
          if (!rd_u32 (r, 1, &op.rev, "a deletion's direction") ||
              !rd_u32 (r, n_clients - 1, &op.target.client, "a deletion's target client") ||
              !rd_u32 (r, G_MAXUINT32 - 1 - op.len, &op.target.seq, "a deletion's target"))
            return FALSE;
          if (op.target.client == op.client && op.target.seq + op.len > op.seq)
            return rd_fail (r, "deletion %u targets characters that are not older than itself", i);
        }
      g_array_append_val (ops->ops, op);
    }
  return TRUE;
}

CairnTextOps *
cairn_text_ops_decode (GBytes  *bytes,
                       GError **error)
{
  g_autoptr(CairnTextOps) ops = NULL;
  Reader r;

  g_return_val_if_fail (bytes != NULL, NULL);

  if (!_cairn_text_reader_start (&r, bytes, "text operations", TAG_OPS, "operation batch", error))
    return NULL;
  ops = cairn_text_ops_new ();
  if (!_cairn_text_read_ops (&r, ops))
    return NULL;
  if (r.p != r.end)
    {
      rd_fail (&r, "%" G_GSIZE_FORMAT " unexpected bytes after the last operation", rd_left (&r));
      return NULL;
    }
  return g_steal_pointer (&ops);
}

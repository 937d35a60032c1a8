/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-codec.c: op batches, versions and the binary encodings of both
 * and of a whole document (format in docs/text-crdt.md). */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>

#include "cairn-text-private.h"

#define TAG_OPS     0xC1
#define TAG_STATE   0xC2
#define TAG_VERSION 0xC3

static inline gboolean
id_eq (CtId a,
       CtId b)
{
  return a.client == b.client && (a.client == CT_NONE || a.seq == b.seq);
}

/* ---- Varints ------------------------------------------------------------ */

static inline void
wr_varint (GByteArray *b,
           guint64     v)
{
  guint8 buf[10];
  guint n = 0;

  while (v >= 0x80)
    {
      buf[n++] = (guint8) (v | 0x80);
      v >>= 7;
    }
  buf[n++] = (guint8) v;
  g_byte_array_append (b, buf, n);
}

static inline void
wr_zigzag (GByteArray *b,
           gint64      v)
{
  wr_varint (b, ((guint64) v << 1) ^ (guint64) (v >> 63));
}

typedef struct
{
  const guint8 *start;
  const guint8 *p;
  const guint8 *end;
  const char   *what;    /* "text operations", "text state", "text version" */
  GError      **error;
  gboolean      failed;
} Reader;

/* What a Reader reads: never NULL, since g_bytes_get_data() gives NULL for
 * no bytes and a Reader's end is start + size (NULL + 0 is undefined in C;
 * found by tests/fuzz/fuzz-text.c). */
static const guint8 *
bytes_data (GBytes *bytes,
            gsize  *size)
{
  const guint8 *data = g_bytes_get_data (bytes, size);

  return data != NULL ? data : (const guint8 *) "";
}

static gboolean
rd_fail (Reader     *r,
         const char *fmt,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
rd_fail (Reader     *r,
         const char *fmt,
         ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  if (r->failed)
    return FALSE;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (r->error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_MALFORMED,
               "Malformed %s at byte %" G_GSIZE_FORMAT ": %s",
               r->what, (gsize) (r->p - r->start), msg);
  r->failed = TRUE;
  return FALSE;
}

static gboolean
rd_varint (Reader     *r,
           guint64     max,
           guint64    *out,
           const char *field)
{
  guint64 v = 0;
  guint shift = 0;

  if (r->failed)
    return FALSE;
  for (;;)
    {
      guint8 c;
      if (r->p >= r->end)
        return rd_fail (r, "truncated while reading %s", field);
      c = *r->p++;
      if (shift == 63 && (c & 0x7e) != 0)
        return rd_fail (r, "varint for %s overflows 64 bits", field);
      v |= (guint64) (c & 0x7f) << shift;
      if (!(c & 0x80))
        break;
      shift += 7;
      if (shift > 63)
        return rd_fail (r, "varint for %s is too long", field);
    }
  if (v > max)
    return rd_fail (r, "%s is %" G_GUINT64_FORMAT ", more than %" G_GUINT64_FORMAT,
                    field, v, max);
  *out = v;
  return TRUE;
}

static gboolean
rd_u32 (Reader     *r,
        guint32     max,
        guint32    *out,
        const char *field)
{
  guint64 v;

  if (!rd_varint (r, max, &v, field))
    return FALSE;
  *out = (guint32) v;
  return TRUE;
}

static gboolean
rd_zigzag (Reader     *r,
           gint64     *out,
           const char *field)
{
  guint64 v;

  if (!rd_varint (r, G_MAXUINT64, &v, field))
    return FALSE;
  *out = (gint64) (v >> 1) ^ -(gint64) (v & 1);
  return TRUE;
}

static gboolean
rd_bytes (Reader        *r,
          gsize          n,
          const guint8 **out,
          const char    *field)
{
  if (r->failed)
    return FALSE;
  if ((gsize) (r->end - r->p) < n)
    return rd_fail (r, "truncated inside %s (%" G_GSIZE_FORMAT " bytes wanted, %" G_GSIZE_FORMAT " left)",
                    field, n, (gsize) (r->end - r->p));
  *out = r->p;
  r->p += n;
  return TRUE;
}

static inline gsize
rd_left (Reader *r)
{
  return (gsize) (r->end - r->p);
}

/* ---- Op batches --------------------------------------------------------- */

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
              op->ol.seq == l->seq + l->len - 1 && id_eq (op->or_, l->or_) &&
              l->off + l->bytes == ops->content->len)
            {
              g_string_append_len (ops->content, content, op->bytes);
              l->len += op->len;
              l->bytes += op->bytes;
              return;
            }
          if (op->kind == CT_OP_DELETE && op->target.client == l->target.client)
            {
              if ((!op->rev || op->len == 1) && (!l->rev || l->len == 1) &&
                  op->target.seq == l->target.seq + l->len)
                {
                  l->len += op->len;
                  l->rev = 0;
                  return;
                }
              if ((op->rev || op->len == 1) && (l->rev || l->len == 1) &&
                  op->target.seq + op->len == l->target.seq)
                {
                  l->target.seq = op->target.seq;
                  l->len += op->len;
                  l->rev = 1;
                  return;
                }
            }
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

void
cairn_text_ops_append (CairnTextOps       *dest,
                       const CairnTextOps *src)
{
  g_return_if_fail (dest != NULL && src != NULL);

  for (guint i = 0; i < src->ops->len; i++)
    {
      CtOp op = g_array_index (src->ops, CtOp, i);
#define MAP(c) ((c) == CT_NONE ? CT_NONE : _cairn_text_ops_client (dest, (const guint8 *) src->clients->data + 16 * (c)))
      op.client = MAP (op.client);
      if (op.kind == CT_OP_INSERT)
        {
          op.ol.client = MAP (op.ol.client);
          op.or_.client = MAP (op.or_.client);
        }
      else
        op.target.client = MAP (op.target.client);
#undef MAP
      _cairn_text_ops_push (dest, &op, op.kind == CT_OP_INSERT ? src->content->str + op.off : NULL);
    }
}

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

#define MAP(c) ((c) == CT_NONE ? CT_NONE : _cairn_text_ops_client (cur, (const guint8 *) ops->clients->data + 16 * (c)))
          op.client = MAP (op.client);
          if (op.kind == CT_OP_INSERT)
            {
              op.ol.client = MAP (op.ol.client);
              op.or_.client = MAP (op.or_.client);
            }
          else
            op.target.client = MAP (op.target.client);
#undef MAP
          _cairn_text_ops_push (cur, &op, text != NULL ? text + done_bytes : NULL);
          size += fixed;
          done += op.len;
          done_bytes += op.bytes;
        }
    }
  return g_steal_pointer (&batches);
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

static gboolean
check_clients_distinct (Reader       *r,
                        const guint8 *ids,
                        guint32       n)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_bytes_hash, g_bytes_equal);
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (guint32 i = 0; i < n; i++)
    {
      GBytes *k = g_bytes_new_static (ids + 16 * i, 16);
      g_ptr_array_add (keep, k);
      if (!g_hash_table_add (seen, k))
        return rd_fail (r, "client %u is listed twice", i);
    }
  return TRUE;
}

/* Reads an op batch body (after the tag) into ops. */
static gboolean
read_ops (Reader       *r,
          CairnTextOps *ops)
{
  guint32 n_clients, n_ops;
  const guint8 *ids = NULL;

  if (!rd_u32 (r, rd_left (r) / 16, &n_clients, "the client count") ||
      !rd_bytes (r, 16 * (gsize) n_clients, &ids, "the client table") ||
      !check_clients_distinct (r, ids, n_clients))
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
  gsize size;
  const guint8 *data;
  Reader r;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = bytes_data (bytes, &size);
  r = (Reader) { data, data, data + size, "text operations", error, FALSE };
  if (size == 0 || data[0] != TAG_OPS)
    {
      rd_fail (&r, "this is not an encoded operation batch (tag %#x)", size ? data[0] : 0);
      return NULL;
    }
  r.p++;
  ops = cairn_text_ops_new ();
  if (!read_ops (&r, ops))
    return NULL;
  if (r.p != r.end)
    {
      rd_fail (&r, "%" G_GSIZE_FORMAT " unexpected bytes after the last operation", rd_left (&r));
      return NULL;
    }
  return g_steal_pointer (&ops);
}

/* ---- Versions ----------------------------------------------------------- */

CairnTextVersion *
cairn_text_version_new (void)
{
  CairnTextVersion *v = g_new0 (CairnTextVersion, 1);

  v->ents = g_array_new (FALSE, FALSE, sizeof (CtVerEnt));
  return v;
}

CairnTextVersion *
cairn_text_version_copy (const CairnTextVersion *version)
{
  CairnTextVersion *v;

  g_return_val_if_fail (version != NULL, NULL);
  v = cairn_text_version_new ();
  g_array_append_vals (v->ents, version->ents->data, version->ents->len);
  return v;
}

void
cairn_text_version_free (CairnTextVersion *version)
{
  if (version == NULL)
    return;
  g_array_unref (version->ents);
  g_free (version);
}

static guint32
version_get_raw (const CairnTextVersion *v,
                 const guint8            id[16])
{
  for (guint i = 0; i < v->ents->len; i++)
    {
      const CtVerEnt *e = &g_array_index (v->ents, CtVerEnt, i);
      if (memcmp (e->id, id, 16) == 0)
        return e->count;
    }
  return 0;
}

guint32
cairn_text_version_get (const CairnTextVersion *version,
                        const char             *client_id)
{
  guint8 id[16];

  g_return_val_if_fail (version != NULL, 0);
  if (!_cairn_text_parse_client_id (client_id, id, NULL))
    return 0;
  return version_get_raw (version, id);
}

CairnTextVersionOrder
cairn_text_version_compare (const CairnTextVersion *a,
                            const CairnTextVersion *b)
{
  gboolean a_more = FALSE, b_more = FALSE;

  g_return_val_if_fail (a != NULL && b != NULL, CAIRN_TEXT_VERSION_CONCURRENT);

  for (guint i = 0; i < a->ents->len; i++)
    {
      const CtVerEnt *e = &g_array_index (a->ents, CtVerEnt, i);
      guint32 o = version_get_raw (b, e->id);
      if (e->count > o)
        a_more = TRUE;
      else if (e->count < o)
        b_more = TRUE;
    }
  for (guint i = 0; i < b->ents->len; i++)
    {
      const CtVerEnt *e = &g_array_index (b->ents, CtVerEnt, i);
      if (e->count > version_get_raw (a, e->id))
        b_more = TRUE;
    }
  if (a_more && b_more)
    return CAIRN_TEXT_VERSION_CONCURRENT;
  if (a_more)
    return CAIRN_TEXT_VERSION_AFTER;
  if (b_more)
    return CAIRN_TEXT_VERSION_BEFORE;
  return CAIRN_TEXT_VERSION_EQUAL;
}

GBytes *
cairn_text_version_encode (const CairnTextVersion *version)
{
  GByteArray *b;
  guint8 tag = TAG_VERSION;

  g_return_val_if_fail (version != NULL, NULL);
  b = g_byte_array_new ();
  g_byte_array_append (b, &tag, 1);
  wr_varint (b, version->ents->len);
  for (guint i = 0; i < version->ents->len; i++)
    {
      const CtVerEnt *e = &g_array_index (version->ents, CtVerEnt, i);
      g_byte_array_append (b, e->id, 16);
      wr_varint (b, e->count);
    }
  return g_byte_array_free_to_bytes (b);
}

CairnTextVersion *
cairn_text_version_decode (GBytes  *bytes,
                           GError **error)
{
  g_autoptr(CairnTextVersion) v = NULL;
  gsize size;
  const guint8 *data;
  guint32 n;
  Reader r;

  g_return_val_if_fail (bytes != NULL, NULL);
  data = bytes_data (bytes, &size);
  r = (Reader) { data, data, data + size, "text version", error, FALSE };
  if (size == 0 || data[0] != TAG_VERSION)
    {
      rd_fail (&r, "this is not an encoded version (tag %#x)", size ? data[0] : 0);
      return NULL;
    }
  r.p++;
  v = cairn_text_version_new ();
  if (!rd_u32 (&r, rd_left (&r) / 17, &n, "the client count"))
    return NULL;
  for (guint32 i = 0; i < n; i++)
    {
      CtVerEnt e;
      const guint8 *id = NULL;
      if (!rd_bytes (&r, 16, &id, "a client id") ||
          !rd_u32 (&r, G_MAXUINT32 - 1, &e.count, "an operation count"))
        return NULL;
      memcpy (e.id, id, 16);
      if (i > 0 && memcmp (g_array_index (v->ents, CtVerEnt, i - 1).id, e.id, 16) >= 0)
        {
          rd_fail (&r, "client ids are not in ascending order");
          return NULL;
        }
      g_array_append_val (v->ents, e);
    }
  if (r.p != r.end)
    {
      rd_fail (&r, "unexpected bytes after the last client");
      return NULL;
    }
  return g_steal_pointer (&v);
}

/* ---- Whole documents ---------------------------------------------------- */

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
         id_eq (a->or_, b->or_) && a->deleted == b->deleted;
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
        if (!read_ops (&sub, self->pending) || sub.p != sub.end)
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
  data = bytes_data (state, &size);
  r = (Reader) { data, data, data + size, "text state", error, FALSE };
  if (size == 0 || data[0] != TAG_STATE)
    {
      rd_fail (&r, "this is not an encoded text state (tag %#x)", size ? data[0] : 0);
      return NULL;
    }
  r.p++;
  return decode_state (&r, me);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-rekey.c: moving a replica's ops to another client id, for a
 * store that found its id shared with another replica (docs/text-crdt.md,
 * "Re-keying ops after a fork"). */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>

#include "cairn-text-private.h"

typedef struct
{
  guint8  old_id[16];
  guint8  new_id[16];
  guint32 first;
} Rekey;

static gboolean
is_old (const CairnTextOps *src,
        const Rekey        *rk,
        guint32             c)
{
  return c != CT_NONE &&
         memcmp ((const guint8 *) src->clients->data + 16 * c, rk->old_id, 16) == 0;
}

/* Id (@c, @seq) of @src as @dest numbers it, re-keyed. */
static CtId
map_id (CairnTextOps       *dest,
        const CairnTextOps *src,
        const Rekey        *rk,
        guint32             c,
        guint32             seq)
{
  if (c == CT_NONE)
    return (CtId) { CT_NONE, seq };
  if (is_old (src, rk, c) && seq >= rk->first)
    return (CtId) { _cairn_text_ops_client (dest, rk->new_id), seq - rk->first };
  return (CtId) { _cairn_text_ops_client (dest, (const guint8 *) src->clients->data + 16 * c), seq };
}

/* Appends deletion @op of @src with the targets tseq..tseq+len-1 (those
 * that op ids seq.. delete, in @op's direction) to @dest. */
static void
push_delete (CairnTextOps       *dest,
             const CairnTextOps *src,
             const Rekey        *rk,
             const CtOp         *op,
             guint32             seq,
             guint32             len,
             guint32             tseq)
{
  CtOp n = *op;
  CtId own = map_id (dest, src, rk, op->client, seq);

  n.client = own.client;
  n.seq = own.seq;
  n.len = len;
  n.target = map_id (dest, src, rk, op->target.client, tseq);
  _cairn_text_ops_push (dest, &n, NULL);
}

CairnTextOps *
cairn_text_ops_rekey (const CairnTextOps *ops,
                      const char         *old_client,
                      guint32             first,
                      const char         *new_client,
                      GError            **error)
{
  g_autoptr(CairnTextOps) dest = NULL;
  Rekey rk;

  g_return_val_if_fail (ops != NULL, NULL);

  if (!_cairn_text_parse_client_id (old_client, rk.old_id, error) ||
      !_cairn_text_parse_client_id (new_client, rk.new_id, error))
    return NULL;
  if (memcmp (rk.old_id, rk.new_id, 16) == 0)
    {
      g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_INVALID_CLIENT,
                   "Cannot re-key client %s to itself", old_client);
      return NULL;
    }
  rk.first = first;

  dest = cairn_text_ops_new ();
  for (guint i = 0; i < ops->ops->len; i++)
    {
      const CtOp *op = &g_array_index (ops->ops, CtOp, i);

      /* An op run is one client's consecutive ids: all of it moves or
       * none of it does. */
      if (is_old (ops, &rk, op->client) && op->seq < first && op->seq + op->len > first)
        {
          g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_MALFORMED,
                       "Op %u (ids %u to %u of client %s) straddles the first re-keyed id %u",
                       i, op->seq, op->seq + op->len - 1, old_client, first);
          return NULL;
        }
      if (op->kind == CT_OP_INSERT)
        {
          CtOp n = *op;
          CtId own = map_id (dest, ops, &rk, op->client, op->seq);

          n.client = own.client;
          n.seq = own.seq;
          n.ol = map_id (dest, ops, &rk, op->ol.client, op->ol.seq);
          n.or_ = map_id (dest, ops, &rk, op->or_.client, op->or_.seq);
          _cairn_text_ops_push (dest, &n, ops->content->str + op->off);
        }
      else if (is_old (ops, &rk, op->target.client) &&
               op->target.seq < first && op->target.seq + op->len > first)
        {
          /* Targets on both sides of @first: two deletions. Forwards, op
           * id seq + k deletes target tseq + k; backwards (rev), it
           * deletes tseq + len - 1 - k. */
          guint32 below = first - op->target.seq, above = op->len - below;

          if (!op->rev)
            {
              push_delete (dest, ops, &rk, op, op->seq, below, op->target.seq);
              push_delete (dest, ops, &rk, op, op->seq + below, above, first);
            }
          else
            {
              push_delete (dest, ops, &rk, op, op->seq, above, first);
              push_delete (dest, ops, &rk, op, op->seq + above, below, op->target.seq);
            }
        }
      else
        push_delete (dest, ops, &rk, op, op->seq, op->len, op->target.seq);
    }
  return g_steal_pointer (&dest);
}

gboolean
cairn_text_ops_get_first_counter (const CairnTextOps *ops,
                                  const char         *client_id,
                                  guint32            *out_first)
{
  guint8 id[16];
  gboolean found = FALSE;

  g_return_val_if_fail (ops != NULL, FALSE);
  g_return_val_if_fail (out_first != NULL, FALSE);

  if (!_cairn_text_parse_client_id (client_id, id, NULL))
    return FALSE;
  for (guint i = 0; i < ops->ops->len; i++)
    {
      const CtOp *op = &g_array_index (ops->ops, CtOp, i);

      if (memcmp ((const guint8 *) ops->clients->data + 16 * op->client, id, 16) != 0)
        continue;
      if (!found || op->seq < *out_first)
        *out_first = op->seq;
      found = TRUE;
    }
  return found;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-undo.c: the inverse of a batch of operations, at the CRDT
 * level (docs/text-crdt.md, "Undo").
 *
 * Insert ids are stable and deleted characters stay in the document as
 * tombstones, in their place. So the inverse of a batch deletes every
 * character the batch inserted that is still visible (wherever other
 * replicas' edits moved it, and only those: text typed since by anyone
 * else is not touched), and types again, right where its tombstone is,
 * every character the batch deleted. The inverse is made of ordinary
 * local edits of this replica, so that it merges like any typing. */
#include "config.h"

#include <string.h>

#include "cairn-text-private.h"

/* The visible code points before character @id (tombstones count as
 * nothing); *deleted: whether @id itself is a tombstone. FALSE when the
 * document does not have @id. */
static gboolean
visible_pos (CairnText *self,
             CtId       id,
             guint32   *out_pos,
             gboolean  *deleted,
             CtSpan   **out_span)
{
  CtLeaf *leaf;
  guint slot;
  guint32 pos = 0;
  CtNode *n;
  CtSpan *s;

  if (!_cairn_text_lookup (self, id, &leaf, &slot))
    return FALSE;
  s = &leaf->s[slot];
  if (!s->deleted)
    pos = id.seq - s->seq;
  for (guint i = 0; i < slot; i++)
    if (!leaf->s[i].deleted)
      pos += leaf->s[i].len;
  for (n = &leaf->h; n->parent != NULL; n = &n->parent->h)
    {
      CtInner *p = n->parent;
      for (guint i = 0; p->child[i] != n; i++)
        pos += p->child[i]->vis;
    }
  *out_pos = pos;
  *deleted = s->deleted != 0;
  *out_span = s;
  return TRUE;
}

typedef struct
{
  CtId   id;
  gint64 abs;
} Target;

static int
cmp_target_asc (gconstpointer a,
                gconstpointer b)
{
  const Target *x = a, *y = b;

  return x->abs < y->abs ? -1 : x->abs > y->abs ? 1 : 0;
}

static void
string_free (GString *str)
{
  g_string_free (str, TRUE);
}

gboolean
cairn_text_invert (CairnText          *self,
                   const CairnTextOps *ops,
                   CairnTextOps       *out,
                   GError            **error)
{
  g_autoptr(GArray) inserted = g_array_new (FALSE, FALSE, sizeof (CtId));
  g_autoptr(GArray) deleted = g_array_new (FALSE, FALSE, sizeof (Target));

  g_return_val_if_fail (self != NULL && ops != NULL && out != NULL, FALSE);

  if (!cairn_text_check_editable (self, error))
    return FALSE;

  /* The batch's ids in this document's client numbers; ops of a client
   * the document has never seen cannot have made anything here. */
  for (guint i = 0; i < ops->ops->len; i++)
    {
      const CtOp *op = &g_array_index (ops->ops, CtOp, i);
      guint32 c;

      if (op->kind == CT_OP_INSERT)
        {
          if (!_cairn_text_find_client (self, &g_array_index (ops->clients, guint8, op->client * 16), &c))
            continue;
          for (guint32 k = 0; k < op->len; k++)
            g_array_append_val (inserted, ((CtId) { c, op->seq + k }));
        }
      else
        {
          if (!_cairn_text_find_client (self, &g_array_index (ops->clients, guint8, op->target.client * 16), &c))
            continue;
          for (guint32 k = 0; k < op->len; k++)
            {
              Target t = { { c, op->target.seq + k }, 0 };
              CtLeaf *leaf;
              guint slot;

              if (!_cairn_text_lookup (self, t.id, &leaf, &slot))
                continue;
              t.abs = _cairn_text_abs_pos (self, t.id);
              g_array_append_val (deleted, t);
            }
        }
    }

  /* Deleted characters come back first. Each is typed where its
   * tombstone is: the tombstones with no visible character between them
   * (the same visible position) come back as one string, in their order,
   * and the strings from the last position to the first, so that each
   * position still holds when its string is typed. */
  g_array_sort (deleted, cmp_target_asc);
  {
    g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (guint32));
    g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func ((GDestroyNotify) string_free);

    for (guint i = 0; i < deleted->len; i++)
      {
        const Target *t = &g_array_index (deleted, Target, i);
        guint32 pos;
        gboolean is_deleted;
        CtSpan *s;
        guint32 k, start, end;

        if (i > 0 && ct_id_eq (t->id, g_array_index (deleted, Target, i - 1).id))
          continue;
        if (!visible_pos (self, t->id, &pos, &is_deleted, &s) || !is_deleted)
          continue;
        k = t->id.seq - s->seq;
        start = ct_span_byte_offset (self, s, k);
        end = ct_span_byte_offset (self, s, k + 1);
        if (positions->len == 0 || g_array_index (positions, guint32, positions->len - 1) != pos)
          {
            g_array_append_val (positions, pos);
            g_ptr_array_add (strings, g_string_new (NULL));
          }
        g_string_append_len (strings->pdata[strings->len - 1],
                             (const char *) self->content + s->off + start, end - start);
      }
    for (guint i = positions->len; i-- > 0;)
      {
        GString *str = strings->pdata[i];

        if (!cairn_text_insert (self, g_array_index (positions, guint32, i), str->str,
                                (gssize) str->len, out, error))
          return FALSE;
      }
  }

  /* Then what the batch typed and is still there goes, wherever it is. */
  for (guint i = 0; i < inserted->len; i++)
    {
      CtId id = g_array_index (inserted, CtId, i);
      guint32 pos;
      gboolean is_deleted;
      CtSpan *s;

      if (!visible_pos (self, id, &pos, &is_deleted, &s) || is_deleted)
        continue;
      if (!cairn_text_delete (self, pos, 1, out, error))
        return FALSE;
    }
  return TRUE;
}

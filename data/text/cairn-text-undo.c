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

/* "32 hex digits:seq", how aliases name a character. */
static char *
id_key (const guint8 client[16],
        guint32      seq)
{
  char hex[33];

  for (guint i = 0; i < 16; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", client[i]);
  return g_strdup_printf ("%s:%u", hex, seq);
}

/* The character @client/@seq stands for now: where an undo typed it
 * again, the copy (and the copy's copy …). FALSE when this document does
 * not know that character's client. */
static gboolean
resolve (CairnText    *self,
         GHashTable   *aliases,
         const guint8  client[16],
         guint32       seq,
         CtId         *out)
{
  g_autofree char *key = id_key (client, seq);
  const char *alias;
  guint8 bytes[16];

  memcpy (bytes, client, 16);
  while (aliases != NULL && (alias = g_hash_table_lookup (aliases, key)) != NULL)
    {
      g_autofree char *hex = g_strndup (alias, 32);

      if (strlen (alias) < 34 || !_cairn_text_parse_client_id (hex, bytes, NULL))
        break;
      seq = (guint32) g_ascii_strtoull (alias + 33, NULL, 10);
      g_free (key);
      key = g_strdup (alias);
    }
  if (!_cairn_text_find_client (self, bytes, &out->client))
    return FALSE;
  out->seq = seq;
  return TRUE;
}

typedef struct
{
  GString   *text;
  GPtrArray *keys;   /* char*: the character each code point stands for */
} Run;

static void
run_free (gpointer data)
{
  Run *run = data;

  g_string_free (run->text, TRUE);
  g_ptr_array_unref (run->keys);
  g_free (run);
}

gboolean
cairn_text_invert (CairnText          *self,
                   const CairnTextOps *ops,
                   GHashTable         *aliases,
                   CairnTextOps       *out,
                   GError            **error)
{
  g_autoptr(GArray) inserted = g_array_new (FALSE, FALSE, sizeof (CtId));
  g_autoptr(GArray) deleted = g_array_new (FALSE, FALSE, sizeof (Target));
  g_autoptr(GHashTable) own = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_return_val_if_fail (self != NULL && ops != NULL && out != NULL, FALSE);

  if (!cairn_text_check_editable (self, error))
    return FALSE;
  /* Deleted text typed again is read from the arena. */
  if (!_cairn_text_load_history (self, error))
    return FALSE;

  /* What the batch typed and deleted again (typing, then backspace) is
   * nothing: found by the ids as the batch names them. */
  for (guint i = 0; i < ops->ops->len; i++)
    {
      const CtOp *op = &g_array_index (ops->ops, CtOp, i);

      if (op->kind == CT_OP_INSERT)
        for (guint32 k = 0; k < op->len; k++)
          g_hash_table_add (own, id_key (&g_array_index (ops->clients, guint8, op->client * 16),
                                         op->seq + k));
    }

  /* The batch's ids in this document's client numbers, each resolved to
   * the character that stands for it now; ops of a client the document
   * has never seen cannot have made anything here. */
  for (guint i = 0; i < ops->ops->len; i++)
    {
      const CtOp *op = &g_array_index (ops->ops, CtOp, i);

      for (guint32 k = 0; k < op->len; k++)
        {
          CtLeaf *leaf;
          guint slot;

          if (op->kind == CT_OP_INSERT)
            {
              CtId id;

              if (resolve (self, aliases, &g_array_index (ops->clients, guint8, op->client * 16),
                           op->seq + k, &id))
                g_array_append_val (inserted, id);
            }
          else
            {
              const guint8 *client = &g_array_index (ops->clients, guint8, op->target.client * 16);
              g_autofree char *key = id_key (client, op->target.seq + k);
              Target t = { { 0, 0 }, 0 };

              if (g_hash_table_contains (own, key) ||
                  !resolve (self, aliases, client, op->target.seq + k, &t.id) ||
                  !_cairn_text_lookup (self, t.id, &leaf, &slot))
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
   * position still holds when its string is typed. Each copy is recorded
   * in @aliases as the character it stands for. */
  g_array_sort (deleted, cmp_target_asc);
  {
    g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (guint32));
    g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func (run_free);

    for (guint i = 0; i < deleted->len; i++)
      {
        const Target *t = &g_array_index (deleted, Target, i);
        guint32 pos;
        gboolean is_deleted;
        CtSpan *s;
        guint32 k, start, end;
        Run *run;

        if (i > 0 && ct_id_eq (t->id, g_array_index (deleted, Target, i - 1).id))
          continue;
        if (!visible_pos (self, t->id, &pos, &is_deleted, &s) || !is_deleted)
          continue;
        k = t->id.seq - s->seq;
        start = ct_span_byte_offset (self, s, k);
        end = ct_span_byte_offset (self, s, k + 1);
        if (positions->len == 0 || g_array_index (positions, guint32, positions->len - 1) != pos)
          {
            run = g_new0 (Run, 1);
            run->text = g_string_new (NULL);
            run->keys = g_ptr_array_new_with_free_func (g_free);
            g_array_append_val (positions, pos);
            g_ptr_array_add (runs, run);
          }
        run = runs->pdata[runs->len - 1];
        g_string_append_len (run->text, (const char *) self->content + s->off + start, end - start);
        g_ptr_array_add (run->keys, id_key (ct_client_at (self, t->id.client)->id, t->id.seq));
      }
    for (guint i = positions->len; i-- > 0;)
      {
        Run *run = runs->pdata[i];
        CtClient *me = ct_client_at (self, self->me);
        guint32 first = me->next;

        if (!cairn_text_insert (self, g_array_index (positions, guint32, i), run->text->str,
                                (gssize) run->text->len, out, error))
          return FALSE;
        for (guint k = 0; aliases != NULL && k < run->keys->len; k++)
          g_hash_table_insert (aliases, g_strdup (run->keys->pdata[k]), id_key (me->id, first + k));
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

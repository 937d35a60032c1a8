/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text.c: the text CRDT's documents: creating, reading, local edits.
 * The other parts, one a file, are listed in docs/text-crdt.md (“Files”). */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>

#include "cairn-text-private.h"

G_DEFINE_QUARK (cairn-text-error-quark, cairn_text_error)

/* ---- Documents --------------------------------------------------------- */

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
  self->first = _cairn_text_leaf_new ();
  self->root = &self->first->h;
  return self;
}

void
cairn_text_free (CairnText *self)
{
  if (self == NULL)
    return;
  if (self->root != NULL)
    _cairn_text_node_free (self->root);
  g_ptr_array_unref (self->clients);
  g_array_unref (self->order);
  _cairn_text_lazy_history_free (self->lazy_history);
  cairn_text_ops_free (self->pending);
  g_free (self->content);
  g_free (self);
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
  if (self->arena_is_text)
    {
      char *copy = g_malloc (self->content_len + 1);
      memcpy (copy, self->content, self->content_len);
      copy[self->content_len] = '\0';
      if (out_bytes != NULL)
        *out_bytes = self->content_len;
      return copy;
    }
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

/* ---- Local edits ------------------------------------------------------- */

/* Appends the op to @out, translating local client numbers. */
void
_cairn_text_record_op (CairnText    *self,
                       CairnTextOps *out,
                       CtOp         *op,
                       const char   *content)
{
  op->client = _cairn_text_ops_client (out, ct_client_at (self, op->client)->id);
  if (op->kind == CT_OP_INSERT)
    {
      if (op->ol.client != CT_NONE)
        op->ol.client = _cairn_text_ops_client (out, ct_client_at (self, op->ol.client)->id);
      if (op->or_.client != CT_NONE)
        op->or_.client = _cairn_text_ops_client (out, ct_client_at (self, op->or_.client)->id);
    }
  else
    {
      op->target.client = _cairn_text_ops_client (out, ct_client_at (self, op->target.client)->id);
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
  const guint8 *me = ct_client_at (self, self->me)->id;
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

/* Whether @len bytes of @utf8 may be inserted at @pos; *n: their code
 * points. Nothing to insert is always allowed. */
static gboolean
check_insert (CairnText   *self,
              gsize        pos,
              const char  *utf8,
              gssize       len,
              glong       *n,
              GError     **error)
{
  const char *end = NULL;

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
  *n = g_utf8_strlen (utf8, len);
  if (*n == 0)
    return TRUE;
  if (!check_own_ops_ready (self, error))
    return FALSE;
  if ((guint64) ct_client_at (self, self->me)->next + *n >= G_MAXUINT32 ||
      (guint64) self->content_len + len >= G_MAXUINT32 ||
      (guint64) self->root->tot + *n >= G_MAXUINT32)
    {
      g_set_error (error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_OUT_OF_RANGE,
                   "Inserting %ld code points would exceed the document's size limit", *n);
      return FALSE;
    }
  return TRUE;
}

/* The place for text typed at visible position @pos, and its origins:
 * the character before it and whatever follows the place, tombstone or
 * not. */
static CtLeaf *
insert_place (CairnText *self,
              gsize      pos,
              guint     *slot_out,
              guint32   *off_out,
              CtId      *ol,
              CtId      *or_)
{
  CtLeaf *leaf, *l;
  guint slot, sl;
  guint32 off;

  if (pos == 0)
    {
      ol->client = CT_NONE;
      ol->seq = 0;
      leaf = self->first;
      slot = 0;
      off = 0;
    }
  else
    {
      CtSpan *s;
      leaf = _cairn_text_find_visible (self, pos - 1, &slot, &off);
      s = &leaf->s[slot];
      ol->client = s->client;
      ol->seq = s->seq + off;
      off++;
      if (off == s->len)
        {
          slot++;
          off = 0;
        }
    }
  l = leaf;
  sl = slot;
  while (l != NULL && sl >= l->h.n)
    {
      l = l->next;
      sl = 0;
    }
  if (l == NULL)
    {
      or_->client = CT_NONE;
      or_->seq = 0;
    }
  else
    {
      or_->client = l->s[sl].client;
      or_->seq = l->s[sl].seq + off;
    }
  *slot_out = slot;
  *off_out = off;
  return leaf;
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
  if (!check_insert (self, pos, utf8, len, &n, error))
    return FALSE;
  if (n == 0)
    return TRUE;
  me = ct_client_at (self, self->me);
  leaf = insert_place (self, pos, &slot, &off, &ol, &or_);

  ns.client = self->me;
  ns.seq = me->next;
  ns.len = (guint32) n;
  ns.deleted = 0;
  ns.ol = ol;
  ns.or_ = or_;
  ns.off = (guint32) self->content_len;
  ns.bytes = (guint32) len;
  _cairn_text_content_append (self, utf8, len);
  _cairn_text_place_span (self, leaf, slot, off, &ns);
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
      _cairn_text_record_op (self, out, &op, utf8);
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
  me = ct_client_at (self, self->me);
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
      CtLeaf *leaf = _cairn_text_find_visible (self, pos, &slot, &off);
      CtSpan *s = &leaf->s[slot];
      CtId target = { s->client, s->seq + off };

      take = MIN (s->len - off, len);
      _cairn_text_mark_deleted (self, leaf, slot, off, take);
      _cairn_text_dellog_push (me, me->next, take, target.client, target.seq, 0);
      if (out != NULL)
        {
          CtOp op = { 0 };
          op.kind = CT_OP_DELETE;
          op.client = self->me;
          op.seq = me->next;
          op.len = take;
          op.target = target;
          _cairn_text_record_op (self, out, &op, NULL);
        }
      me->next += take;
      _cairn_text_order_push (self, self->me, take);
      len -= take;
    }
  return TRUE;
}

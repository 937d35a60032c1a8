/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-index.c: the CRDT's clients, the per-client index from an id to
 * the leaf holding it, and the content arena. */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>

#include "cairn-text-private.h"

/* ---- Clients and the id index ------------------------------------------ */

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
    if (memcmp (ct_client_at (self, i)->id, id, 16) == 0)
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
  ci = ct_idx_chunk_for (c, seq);
  ch = c->chunks[ci];
  p = ct_idx_upper (ch, seq);
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

void
_cairn_text_idx_remove (CtClient *c,
                        guint32   seq)
{
  guint ci = ct_idx_chunk_for (c, seq);
  CtIdxChunk *ch = c->chunks[ci];
  guint u = ct_idx_upper (ch, seq);

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

/* The deletion run of @c that holds its op @seq, or NULL. */
const CtDel *
_cairn_text_find_del (const CtClient *c,
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

/* ---- Content arena ----------------------------------------------------- */

void
_cairn_text_content_append (CairnText  *self,
                            const char *data,
                            gsize       len)
{
  self->arena_is_text = FALSE;
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

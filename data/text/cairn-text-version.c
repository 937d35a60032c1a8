/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-version.c: versions (how many operations of each client a
 * document holds): comparing and their encoding. */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>

#include "cairn-text-codec-private.h"

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
  guint32 n;
  Reader r;

  g_return_val_if_fail (bytes != NULL, NULL);
  if (!_cairn_text_reader_start (&r, bytes, "text version", TAG_VERSION, "version", error))
    return NULL;
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

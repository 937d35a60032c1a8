/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-codec.c: what the encodings (format in docs/text-crdt.md) share
 * that is not inline in cairn-text-codec-private.h: failing a read, the
 * start of a Reader, the check of a client table. */
#define G_LOG_DOMAIN "cairn-text"

#include "config.h"

#include <string.h>

#include "cairn-text-codec-private.h"

/* Sets @r to read @bytes, an encoding of @what ("text operations" …) that
 * starts with @tag, and reads the tag; FALSE when it is another one (or
 * none) and @bytes then are not an encoded @kind. */
gboolean
_cairn_text_reader_start (Reader      *r,
                          GBytes      *bytes,
                          const char  *what,
                          guint8       tag,
                          const char  *kind,
                          GError     **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  /* Never NULL: g_bytes_get_data() gives NULL for no bytes and a Reader's
   * end is start + size (NULL + 0 is undefined in C; found by
   * tests/fuzz/fuzz-text.c). */
  if (data == NULL)
    data = (const guint8 *) "";
  *r = (Reader) { data, data, data + size, what, error, FALSE };
  if (size == 0 || data[0] != tag)
    return rd_fail (r, "this is not an encoded %s (tag %#x)", kind, size ? data[0] : 0);
  r->p++;
  return TRUE;
}

void
_cairn_text_read_fail (Reader     *r,
                       const char *fmt,
                       ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  if (r->failed)
    return;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (r->error, CAIRN_TEXT_ERROR, CAIRN_TEXT_ERROR_MALFORMED,
               "Malformed %s at byte %" G_GSIZE_FORMAT ": %s",
               r->what, (gsize) (r->p - r->start), msg);
  r->failed = TRUE;
}

gboolean
_cairn_text_check_clients_distinct (Reader       *r,
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

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-codec-private.h: what the binary encodings of op batches,
 * versions and whole documents share (format in docs/text-crdt.md): their
 * tags, the varint writers and a bounds-checked Reader. The readers and
 * writers are inline: decoding and encoding a state call them for every
 * field. After a failed read every later read of the Reader fails too.
 */
#pragma once

#include <string.h>

#include "cairn-text-private.h"

G_BEGIN_DECLS

#define TAG_OPS     0xC1
#define TAG_STATE   0xC2
#define TAG_VERSION 0xC3
#define TAG_STATE2  0xC4   /* whole state, full or compact (TAG_STATE: the format before) */

/* A TAG_STATE2 state's flags. */
#define STATE_FLAG_COMPACT 1u   /* no text of deleted characters */
#define STATE_FLAG_LAZY    2u   /* deletions and order: size, checksum, bytes */

/* Only tests/fuzz/fuzz-text.c sets this: decoding then takes any checksum
 * of a state's deletions and order, so that the fuzzer reaches the code
 * that reads them (which a wrong checksum otherwise stops first). */
extern gboolean _cairn_text_ignore_history_checksum;

/* The text of a TAG_STATE2 state is one zstd frame from this size on (when
 * that saves an eighth), at this level, and never shrunk more than this. */
#define STATE_COMPRESS_MIN 1024
#define STATE_ZSTD_LEVEL   3
#define STATE_MAX_RATIO    1024

typedef struct
{
  const guint8 *start;
  const guint8 *p;
  const guint8 *end;
  const char   *what;    /* "text operations", "text state", "text version" */
  GError      **error;
  gboolean      failed;
} Reader;

gboolean      _cairn_text_reader_start (Reader *r, GBytes *bytes, const char *what, guint8 tag,
                                        const char *kind, GError **error);
void          _cairn_text_read_fail  (Reader *r, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
gboolean      _cairn_text_check_clients_distinct (Reader *r, const guint8 *ids, guint32 n);
gboolean      _cairn_text_read_ops   (Reader *r, CairnTextOps *ops);
/* The format before TAG_STATE2, for the tests that check it still decodes. */
GBytes       *_cairn_text_encode_state_v1 (CairnText *self);

/* Fails the read (the first failure's message is kept) and is FALSE, in a
 * way the compiler sees: what a failed read leaves unset is never used. */
#define rd_fail(r, ...) ({ _cairn_text_read_fail ((r), __VA_ARGS__); FALSE; })

/* ---- Writing ------------------------------------------------------------ */

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

/* The checksum of what a STATE_FLAG_LAZY state keeps for later: damage
 * detection, not a defence against forgery. Four lanes of 8-byte words
 * (for speed); each step is a bijection of its lane for a fixed word and
 * the lanes are combined so that each stays one, so changing any one word
 * always changes the sum. */
static inline guint64
ct_checksum_step (guint64 h,
                  guint64 w)
{
  h = (h ^ w) * 0xff51afd7ed558ccdull;
  return h ^ (h >> 32);
}

static inline guint64
_cairn_text_checksum (const guint8 *p,
                      gsize         n)
{
  guint64 h[4] = { 0x9e3779b97f4a7c15ull ^ n, 0xbf58476d1ce4e5b9ull, 0x94d049bb133111ebull, 0x2545f4914f6cdd1dull };
  guint64 w = 0, sum;

  for (; n >= 32; p += 32, n -= 32)
    for (guint k = 0; k < 4; k++)
      {
        memcpy (&w, p + 8 * k, 8);
        h[k] = ct_checksum_step (h[k], GUINT64_FROM_LE (w));
      }
  for (; n >= 8; p += 8, n -= 8)
    {
      memcpy (&w, p, 8);
      h[0] = ct_checksum_step (h[0], GUINT64_FROM_LE (w));
    }
  w = 0;
  for (gsize i = 0; i < n; i++)
    w |= (guint64) p[i] << (8 * i);
  h[0] = ct_checksum_step (h[0], w);
  /* Each lane enters through a bijection of its own, xor-ed with the
   * others: still a bijection of each lane. */
  sum = h[0] ^ ct_checksum_step (h[1], 1) ^ ct_checksum_step (h[2], 2) ^ ct_checksum_step (h[3], 3);
  sum ^= sum >> 33;
  sum *= 0xc4ceb9fe1a85ec53ull;
  sum ^= sum >> 33;
  return sum;
}

/* ---- Reading ------------------------------------------------------------ */

static inline gboolean
rd_varint (Reader     *r,
           guint64     max,
           guint64    *out,
           const char *field)
{
  guint64 v = 0;
  guint shift = 0;

  if (r->failed)
    return FALSE;
  /* Most fields of a state fit in one byte. */
  if (G_LIKELY (r->p < r->end && *r->p < 0x80 && *r->p <= max))
    {
      *out = *r->p++;
      return TRUE;
    }
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

static inline gboolean
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

static inline gboolean
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

static inline gboolean
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

G_END_DECLS

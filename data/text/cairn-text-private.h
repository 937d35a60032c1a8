/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-private.h: the data structures shared by the CRDT's files.
 *
 * The document is a list of spans in document order, tombstones included.
 * A span is a run of characters inserted by one client with consecutive
 * counters, where every character but the first has the previous one as its
 * left origin and all share the first one's right origin. Spans live by
 * value in the leaves of a B-tree whose nodes cache visible and total
 * character counts. Per client, a chunked sorted array maps the first
 * counter of each span to the leaf that holds it.
 */
#pragma once

#include "cairn-text.h"

G_BEGIN_DECLS

#define CT_NONE      G_MAXUINT32   /* client of "no id" (document start/end) */
#define CT_LEAF_CAP  32
#define CT_INNER_CAP 32
#define CT_IDX_CAP   64

typedef struct
{
  guint32 client;
  guint32 seq;
} CtId;

/* Values of CtSpan.deleted. A span decoded from a compact state
 * (cairn_text_encode_state_compact()) is a tombstone whose text was not
 * stored: CT_DELETED | CT_UNKNOWN_TEXT. It has no bytes in the arena: its
 * off and bytes count code points in a space of their own (bytes == len,
 * so ct_span_byte_offset() never reads it), and it merges only with spans
 * of the same kind. Readers of deleted text use ct_span_text(). */
#define CT_DELETED      1u
#define CT_UNKNOWN_TEXT 2u
/* A tombstone of a decoded state whose text is not read yet: off and bytes
 * count code points as for CT_UNKNOWN_TEXT, in a space of their own, until
 * _cairn_text_load_history() puts its text in the arena. */
#define CT_LAZY_TEXT    4u
#define CT_NO_TEXT      (CT_UNKNOWN_TEXT | CT_LAZY_TEXT)

typedef struct
{
  guint32 client;
  guint32 seq;
  guint32 len;        /* code points */
  guint32 deleted;    /* 0, or CT_DELETED, with CT_UNKNOWN_TEXT when its text is unknown */
  CtId    ol;         /* left origin of the first character */
  CtId    or_;        /* right origin of every character */
  guint32 off;        /* content: byte offset in the document's arena */
  guint32 bytes;
} CtSpan;

typedef struct _CtInner CtInner;

typedef struct
{
  CtInner *parent;
  guint32  vis;       /* visible code points below */
  guint32  tot;       /* all code points below, tombstones included */
  guint16  n;
  guint8   is_leaf;
} CtNode;

struct _CtInner
{
  CtNode  h;
  CtNode *child[CT_INNER_CAP];
};

typedef struct _CtLeaf CtLeaf;
struct _CtLeaf
{
  CtNode  h;
  CtLeaf *next;
  CtSpan  s[CT_LEAF_CAP];
};

typedef struct
{
  guint32 seq;
  CtLeaf *leaf;
} CtIdxEnt;

typedef struct
{
  guint    n;
  CtIdxEnt e[CT_IDX_CAP];
} CtIdxChunk;

/* One delete run: ops seq..seq+len-1 of the owning client delete target
 * ids tseq..tseq+len-1 of tclient, in that order, or in reverse order
 * (backspacing) when rev. */
typedef struct
{
  guint32 seq;
  guint32 len;
  guint32 tclient;
  guint32 tseq;
  guint32 rev;
} CtDel;

typedef struct
{
  guint8       id[16];
  guint32      next;       /* ops applied: counters 0..next-1 */
  CtIdxChunk **chunks;
  guint        n_chunks;
  guint        cap_chunks;
  GArray      *dels;       /* CtDel, by seq */
} CtClient;

typedef struct
{
  guint32 client;
  guint32 len;
} CtOrder;

/* The deletion log and the order of a decoded state, left unread
 * (cairn-text-state-decode.c, docs/text-crdt.md "Decoding lazily"): the
 * state's bytes, where the two parts lie in them (their checksum matched
 * at decode), and the operation counts of the state's clients. What is
 * deleted or applied after decoding goes to the clients' dels and the
 * order as usual and is joined to what is read, when it is. */
typedef struct
{
  GBytes  *state;
  gsize    region_at; /* what the checksum (the 8 bytes before) covers */
  gsize    at;        /* the deletions and order */
  gsize    len;
  guint32  nc;
  guint32 *next;
  /* The deleted text (CT_LAZY_TEXT spans), when there is some: raw or one
   * zstd frame whose prefix is the first prefix_len bytes of the arena. */
  guint32  dead_kind;
  guint32  dead_raw;
  gsize    dead_at;
  gsize    dead_stored;
  guint32  dead_points;
  gsize    prefix_len;
  char    *error;     /* reading them failed: why (they never load then) */
} CtLazyHistory;

struct _CairnText
{
  GPtrArray *clients;      /* CtClient*; index = local client number */
  guint32    me;
  CtNode    *root;
  CtLeaf    *first;
  guint8    *content;
  gsize      content_len;
  gsize      content_cap;
  GArray    *order;        /* CtOrder: the order ops were applied here */
  CairnTextOps *pending;
  /* Position cache for sequential typing: the visible position where
   * cache_leaf starts. Valid while no leaf before it changes. */
  CtLeaf    *cache_leaf;
  guint32    cache_start;
  /* Some tombstones' text is unknown (decoded from a compact state). */
  gboolean   history_partial;
  /* Not NULL while a decoded state's deletion log and order are unread:
   * whatever reads self->order or a client's dels calls
   * _cairn_text_load_history() first. */
  CtLazyHistory *lazy_history;
  /* The arena holds exactly the visible text, in order: a document
   * decoded from a compact or lazy state that nothing has changed yet
   * (cleared by _cairn_text_content_append() and
   * _cairn_text_mark_deleted()). cairn_text_get_text() copies it. */
  gboolean   arena_is_text;
};

typedef enum
{
  CT_OP_INSERT = 0,
  CT_OP_DELETE = 1,
} CtOpKind;

/* Client numbers inside an op refer to the batch's own client table. */
typedef struct
{
  guint32 kind;
  guint32 client;
  guint32 seq;
  guint32 len;
  CtId    ol;        /* insert */
  CtId    or_;       /* insert */
  guint32 off;       /* insert: content offset in the batch */
  guint32 bytes;
  CtId    target;    /* delete: lowest target id */
  guint32 rev;       /* delete */
} CtOp;

struct _CairnTextOps
{
  GArray  *clients;  /* guint8[16] */
  GArray  *ops;      /* CtOp */
  GString *content;
};

struct _CairnTextVersion
{
  GArray *ents;      /* CtVerEnt, sorted by id */
};

typedef struct
{
  guint8  id[16];
  guint32 count;
} CtVerEnt;

/* ---- Small helpers -------------------------------------------------------- */

static inline gboolean
ct_id_eq (CtId a,
          CtId b)
{
  return a.client == b.client && (a.client == CT_NONE || a.seq == b.seq);
}

static inline CtClient *
ct_client_at (CairnText *self,
              guint32    c)
{
  return g_ptr_array_index (self->clients, c);
}

/* Byte offset of code point k inside span s. */
static inline guint32
ct_span_byte_offset (CairnText    *self,
                     const CtSpan *s,
                     guint32       k)
{
  const char *p;

  if (s->bytes == s->len)
    return k;
  p = (const char *) self->content + s->off;
  return (guint32) (g_utf8_offset_to_pointer (p, k) - p);
}

/* Appends the text of code points k..k+n-1 of span s: U+FFFD for each when
 * its text is unknown (a tombstone of a compact state). */
static inline void
ct_span_text (CairnText    *self,
              const CtSpan *s,
              guint32       k,
              guint32       n,
              GString      *out)
{
  guint32 ba, bb;

  g_assert (!(s->deleted & CT_LAZY_TEXT));
  if (s->deleted & CT_UNKNOWN_TEXT)
    {
      for (guint32 i = 0; i < n; i++)
        g_string_append_len (out, "\xef\xbf\xbd", 3);
      return;
    }
  ba = ct_span_byte_offset (self, s, k);
  bb = ct_span_byte_offset (self, s, k + n);
  g_string_append_len (out, (const char *) self->content + s->off + ba, bb - ba);
}

/* ---- Shared between the files -------------------------------------------- */

/* cairn-text-index.c */
gboolean  _cairn_text_parse_client_id (const char *hex, guint8 out[16], GError **error);
CtClient *_cairn_text_client_new     (const guint8 id[16]);
void      _cairn_text_client_free    (gpointer client);
guint32   _cairn_text_ensure_client  (CairnText *self, const guint8 id[16]);
gboolean  _cairn_text_find_client    (CairnText *self, const guint8 id[16], guint32 *out);
void      _cairn_text_idx_insert     (CtClient *c, guint32 seq, CtLeaf *leaf);
void      _cairn_text_idx_remove     (CtClient *c, guint32 seq);
const CtDel *_cairn_text_find_del    (const CtClient *c, guint32 seq);
void      _cairn_text_content_append (CairnText *self, const char *data, gsize len);

/* cairn-text-tree.c */
CtLeaf   *_cairn_text_leaf_new       (void);
void      _cairn_text_place_span     (CairnText *self, CtLeaf *leaf, guint slot, guint32 off, CtSpan *ns);
void      _cairn_text_mark_deleted   (CairnText *self, CtLeaf *leaf, guint slot, guint32 off, guint32 take);
CtLeaf   *_cairn_text_find_visible   (CairnText *self, guint32 pos, guint *slot, guint32 *off);
gint64    _cairn_text_abs_pos        (CairnText *self, CtId id);
void      _cairn_text_dellog_push    (CtClient *c, guint32 seq, guint32 len, guint32 tclient,
                                      guint32 tseq, guint32 rev);
CairnText *_cairn_text_new_empty     (void);
void      _cairn_text_node_free      (CtNode *n);
void      _cairn_text_build_tree     (CairnText *self, CtLeaf **leaves, guint n_leaves);

/* cairn-text-state-decode.c */
gboolean  _cairn_text_load_history   (CairnText *self, GError **error);
void      _cairn_text_lazy_history_free (CtLazyHistory *lazy);

/* cairn-text.c */
void      _cairn_text_record_op      (CairnText *self, CairnTextOps *out, CtOp *op, const char *content);

/* cairn-text-ops.c */
guint32   _cairn_text_ops_client     (CairnTextOps *ops, const guint8 id[16]);
void      _cairn_text_ops_push       (CairnTextOps *ops, const CtOp *op, const char *content);

/* ---- Inline: what every edit and merge calls ---------------------------- */

/* The id index's look-ups are here rather than in cairn-text-index.c: the
 * tree, local edits and merging call them for nearly every operation, and a
 * call into another file costs the merge path about one per cent. */

/* Index of the last chunk whose first seq is <= seq (0 if none is). */
static inline guint
ct_idx_chunk_for (CtClient *c,
                  guint32   seq)
{
  guint lo = 0, hi = c->n_chunks;

  while (hi - lo > 1)
    {
      guint mid = (lo + hi) / 2;
      if (c->chunks[mid]->e[0].seq <= seq)
        lo = mid;
      else
        hi = mid;
    }
  return lo;
}

/* First entry index in ch with e.seq > seq. */
static inline guint
ct_idx_upper (CtIdxChunk *ch,
              guint32     seq)
{
  guint lo = 0, hi = ch->n;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (ch->e[mid].seq <= seq)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* The entry with the greatest seq <= seq, or NULL. */
static inline CtIdxEnt *
ct_idx_find (CtClient *c,
             guint32   seq)
{
  CtIdxChunk *ch;
  guint u;

  if (c->n_chunks == 0)
    return NULL;
  ch = c->chunks[ct_idx_chunk_for (c, seq)];
  u = ct_idx_upper (ch, seq);
  if (u == 0)
    return NULL;
  return &ch->e[u - 1];
}

/* Changes the key of the entry for old_seq; the caller keeps the order. */
static inline void
_cairn_text_idx_rekey (CtClient *c,
                       guint32   old_seq,
                       guint32   new_seq)
{
  CtIdxEnt *e = ct_idx_find (c, old_seq);

  g_assert (e != NULL && e->seq == old_seq);
  e->seq = new_seq;
}

static inline void
_cairn_text_idx_set_leaf (CtClient *c,
                          guint32   seq,
                          CtLeaf   *leaf)
{
  CtIdxEnt *e = ct_idx_find (c, seq);

  g_assert (e != NULL && e->seq == seq);
  e->leaf = leaf;
}

/* Finds the span holding insert id @id. FALSE when the id is unknown or is
 * not an insertion. */
static inline gboolean
_cairn_text_lookup (CairnText *self,
                    CtId       id,
                    CtLeaf   **leaf_out,
                    guint     *slot_out)
{
  CtClient *c;
  CtIdxEnt *e;
  CtLeaf *leaf;

  if (id.client >= self->clients->len)
    return FALSE;
  c = ct_client_at (self, id.client);
  if (id.seq >= c->next)
    return FALSE;
  e = ct_idx_find (c, id.seq);
  if (e == NULL)
    return FALSE;
  leaf = e->leaf;
  for (guint i = 0; i < leaf->h.n; i++)
    {
      CtSpan *s = &leaf->s[i];
      if (s->client == id.client && id.seq >= s->seq && id.seq - s->seq < s->len)
        {
          *leaf_out = leaf;
          *slot_out = i;
          return TRUE;
        }
    }
  return FALSE;
}

static inline void
_cairn_text_order_push (CairnText *self,
                        guint32    client,
                        guint32    len)
{
  if (self->order->len > 0)
    {
      CtOrder *o = &g_array_index (self->order, CtOrder, self->order->len - 1);
      if (o->client == client)
        {
          o->len += len;
          return;
        }
    }
  g_array_append_val (self->order, ((CtOrder) { client, len }));
}

/* Extends the deletion run that deletes ids *run_tseq.. of a client
 * forwards (or backwards when *run_rev) with the deletion of @len ids from
 * @tseq that comes right after it, when together they delete consecutive
 * ids in one direction. FALSE, nothing changed, when they do not. */
static inline gboolean
ct_del_run_extend (guint32 *run_tseq,
                   guint32 *run_len,
                   guint32 *run_rev,
                   guint32  tseq,
                   guint32  len,
                   guint32  rev)
{
  if ((!rev || len == 1) && (!*run_rev || *run_len == 1) && tseq == *run_tseq + *run_len)
    {
      *run_len += len;
      *run_rev = 0;
      return TRUE;
    }
  if ((rev || len == 1) && (*run_rev || *run_len == 1) && tseq + len == *run_tseq)
    {
      *run_tseq = tseq;
      *run_len += len;
      *run_rev = 1;
      return TRUE;
    }
  return FALSE;
}

/* Finds the span holding insert id (@client, @seq) as _cairn_text_lookup()
 * does; *take: how many of the ids seq..seq+len-1 it holds, from seq on. */
static inline gboolean
ct_lookup_run (CairnText  *self,
               guint32     client,
               guint32     seq,
               guint32     len,
               CtLeaf    **leaf,
               guint      *slot,
               guint32    *take)
{
  const CtSpan *sp;

  if (!_cairn_text_lookup (self, (CtId) { client, seq }, leaf, slot))
    return FALSE;
  sp = &(*leaf)->s[*slot];
  *take = MIN (sp->seq + sp->len - seq, len);
  return TRUE;
}

G_END_DECLS

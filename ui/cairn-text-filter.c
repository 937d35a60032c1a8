/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-filter.c: word-prefix filter over titles (and note bodies). */
#define G_LOG_DOMAIN "cairn-text-filter"

#include "config.h"

#include <string.h>

#include "cairn-note.h"
#include "cairn-text-filter.h"
#include "cairn-todo.h"

struct _CairnTextFilter
{
  GtkFilter   parent_instance;

  char       *text;
  char      **words;   /* folded, without their leading space; NULL: none */
  char      **needles; /* the same with it */
};

G_DEFINE_FINAL_TYPE (CairnTextFilter, cairn_text_filter, GTK_TYPE_FILTER)

enum { PROP_0, PROP_TEXT, N_PROPS };
static GParamSpec *properties [N_PROPS];

/* Folding a title on every keystroke, for every item of a long list, is
 * most of the filter's time: each item keeps the last folding it needed,
 * with the length and hash of the text it came from (an item's text
 * changes: compare first; not a copy of the text, which for a note's body
 * would double what the note holds). */
typedef struct
{
  gsize  length;
  guint  hash;
  char  *folded;
} FoldCache;

static GQuark fold_quark;

static void
fold_cache_free (gpointer data)
{
  FoldCache *cache = data;

  g_free (cache->folded);
  g_free (cache);
}

char *
cairn_text_filter_fold (const char *text)
{
  g_autofree char *decomposed = NULL;
  GString *folded;
  gboolean in_word = FALSE;

  if (text == NULL)
    return g_strdup ("");

  /* Decomposed, an accented letter is the letter and a mark: drop the mark. */
  decomposed = g_utf8_normalize (text, -1, G_NORMALIZE_ALL);
  if (decomposed == NULL)   /* not UTF-8: what a person cannot have typed */
    return g_strdup ("");
  folded = g_string_sized_new (strlen (decomposed) + 1);
  for (const char *p = decomposed; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      if (type == G_UNICODE_NON_SPACING_MARK || type == G_UNICODE_SPACING_MARK ||
          type == G_UNICODE_ENCLOSING_MARK)
        continue;
      if (g_unichar_isalnum (c))
        {
          if (!in_word)
            g_string_append_c (folded, ' ');
          g_string_append_unichar (folded, g_unichar_tolower (c));
          in_word = TRUE;
        }
      else
        in_word = FALSE;
    }
  return g_string_free (folded, FALSE);
}

static const char *
folded_text (GObject    *item,
             const char *source)
{
  FoldCache *cache = g_object_get_qdata (item, fold_quark);
  gsize length = source != NULL ? strlen (source) : 0;
  guint hash = source != NULL ? g_str_hash (source) : 0;

  if (cache == NULL || cache->length != length || cache->hash != hash)
    {
      cache = g_new0 (FoldCache, 1);
      cache->length = length;
      cache->hash = hash;
      cache->folded = cairn_text_filter_fold (source);
      g_object_set_qdata_full (item, fold_quark, cache, fold_cache_free);
    }
  return cache->folded;
}

/* Each word starts a word of folded (" word word"): needles are the
 * words with their leading space, made once per text typed. */
static gboolean
words_match (char       **needles,
             const char  *folded)
{
  for (guint i = 0; needles[i] != NULL; i++)
    if (strstr (folded, needles[i]) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
cairn_text_filter_match (GtkFilter *filter,
                         gpointer   item)
{
  CairnTextFilter *self = CAIRN_TEXT_FILTER (filter);
  g_autofree char *both = NULL;

  if (self->words == NULL)
    return TRUE;
  if (CAIRN_IS_TODO (item))
    return words_match (self->needles, folded_text (item, cairn_todo_get_title (item)));
  if (CAIRN_IS_NOTE (item))
    {
      /* Title and body as one text: "milk recipe" finds a note titled
       * "Milk" whose body says "recipe". */
      both = g_strconcat (cairn_note_get_title (item), "\n", cairn_note_get_body (item), NULL);
      return words_match (self->needles, folded_text (item, both));
    }
  return FALSE;
}

static GtkFilterMatch
cairn_text_filter_get_strictness (GtkFilter *filter)
{
  CairnTextFilter *self = CAIRN_TEXT_FILTER (filter);

  return self->words == NULL ? GTK_FILTER_MATCH_ALL : GTK_FILTER_MATCH_SOME;
}

static void
cairn_text_filter_finalize (GObject *object)
{
  CairnTextFilter *self = CAIRN_TEXT_FILTER (object);

  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->words, g_strfreev);
  g_clear_pointer (&self->needles, g_strfreev);

  G_OBJECT_CLASS (cairn_text_filter_parent_class)->finalize (object);
}

static void
cairn_text_filter_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CairnTextFilter *self = CAIRN_TEXT_FILTER (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_text_filter_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  CairnTextFilter *self = CAIRN_TEXT_FILTER (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      cairn_text_filter_set_text (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_text_filter_class_init (CairnTextFilterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkFilterClass *filter_class = GTK_FILTER_CLASS (klass);

  object_class->finalize = cairn_text_filter_finalize;
  object_class->get_property = cairn_text_filter_get_property;
  object_class->set_property = cairn_text_filter_set_property;
  filter_class->match = cairn_text_filter_match;
  filter_class->get_strictness = cairn_text_filter_get_strictness;

  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  fold_quark = g_quark_from_static_string ("cairn-text-filter-fold");
}

static void
cairn_text_filter_init (CairnTextFilter *self)
{
  self->text = g_strdup ("");
}

GtkFilter *
cairn_text_filter_new (void)
{
  return g_object_new (CAIRN_TYPE_TEXT_FILTER, NULL);
}

/* Every old word is still the start of a new one at the same place, and
 * nothing was taken away: whatever the new words keep, the old kept. */
static gboolean
words_narrow (char **old_words,
              char **new_words)
{
  if (old_words == NULL)
    return TRUE;
  if (new_words == NULL || g_strv_length (new_words) < g_strv_length (old_words))
    return FALSE;
  for (guint i = 0; old_words[i] != NULL; i++)
    if (!g_str_has_prefix (new_words[i], old_words[i]))
      return FALSE;
  return TRUE;
}

void
cairn_text_filter_set_text (CairnTextFilter *self,
                            const char      *text)
{
  g_autofree char *folded = NULL;
  char **words;
  GtkFilterChange change;

  g_return_if_fail (CAIRN_IS_TEXT_FILTER (self));

  if (text == NULL)
    text = "";
  if (g_str_equal (text, self->text))
    return;

  folded = cairn_text_filter_fold (text);
  words = folded[0] != '\0' ? g_strsplit (folded + 1, " ", -1) : NULL;
  if (words_narrow (self->words, words))
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (words_narrow (words, self->words))
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  else
    change = GTK_FILTER_CHANGE_DIFFERENT;

  g_free (self->text);
  self->text = g_strdup (text);
  g_strfreev (self->words);
  self->words = words;
  g_clear_pointer (&self->needles, g_strfreev);
  if (words != NULL)
    {
      guint n = g_strv_length (words);

      self->needles = g_new0 (char *, n + 1);
      for (guint i = 0; i < n; i++)
        self->needles[i] = g_strconcat (" ", words[i], NULL);
    }

  gtk_filter_changed (GTK_FILTER (self), change);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
}

const char *
cairn_text_filter_get_text (CairnTextFilter *self)
{
  g_return_val_if_fail (CAIRN_IS_TEXT_FILTER (self), NULL);

  return self->text;
}

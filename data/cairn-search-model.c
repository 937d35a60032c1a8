/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-search-model.c: the Search view. After a change of a todo, a note
 * or a list the pool asks the model to search again (cairn_pool_search());
 * the model does so once, when the main loop is next idle, however many
 * changes came before (a rebase or a burst of commits), and emits one
 * ::items-changed over what differs between the old and new results
 * (their common beginning and end stay, as objects), so typing elsewhere
 * in the workspace does not reload the view. New text searches at once,
 * or not at all when it was searched since the last change: the hits of
 * the texts searched are kept until the next change (typing back over a
 * word, or the same first letter again, is the same search, and a
 * one-letter search ranks a fifth of the workspace). */
#define G_LOG_DOMAIN "cairn-pool"

#include "config.h"

#include "cairn-pool-private.h"
#include "cairn-search.h"
#include "cairn-search-model.h"

struct _CairnSearchResult
{
  GObject          parent_instance;
  CairnObjectKind  kind;
  char            *id;
  char            *title;
  char            *snippet;
};

G_DEFINE_FINAL_TYPE (CairnSearchResult, cairn_search_result, G_TYPE_OBJECT)

enum { PROP_0, PROP_KIND, PROP_ID, PROP_TITLE, PROP_SNIPPET, N_PROPS };
static GParamSpec *properties [N_PROPS];

static void
cairn_search_result_finalize (GObject *object)
{
  CairnSearchResult *self = (CairnSearchResult *) object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->snippet, g_free);
  G_OBJECT_CLASS (cairn_search_result_parent_class)->finalize (object);
}

static void
cairn_search_result_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  CairnSearchResult *self = CAIRN_SEARCH_RESULT (object);

  switch (prop_id)
    {
    case PROP_KIND: g_value_set_int (value, self->kind); break;
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_SNIPPET: g_value_set_string (value, self->snippet); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_search_result_class_init (CairnSearchResultClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cairn_search_result_finalize;
  object_class->get_property = cairn_search_result_get_property;
  properties[PROP_KIND] = g_param_spec_int ("kind", NULL, NULL, 0, G_MAXINT, 0,
                                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SNIPPET] = g_param_spec_string ("snippet", NULL, NULL, NULL,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                  G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cairn_search_result_init (CairnSearchResult *self)
{
}

static CairnSearchResult *
result_new (const CairnSearchHit *hit)
{
  CairnSearchResult *self = g_object_new (CAIRN_TYPE_SEARCH_RESULT, NULL);

  self->kind = hit->kind;
  self->id = g_strdup (hit->id);
  self->title = g_strdup (hit->title);
  self->snippet = g_strdup (hit->snippet);
  return self;
}

static void
result_update (CairnSearchResult    *self,
               const CairnSearchHit *hit)
{
  if (_cairn_set_string (&self->title, hit->title))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  if (_cairn_set_string (&self->snippet, hit->snippet))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SNIPPET]);
}

CairnObjectKind
cairn_search_result_get_kind (CairnSearchResult *self)
{
  g_return_val_if_fail (CAIRN_IS_SEARCH_RESULT (self), CAIRN_OBJECT_TODO);
  return self->kind;
}

const char *
cairn_search_result_get_id (CairnSearchResult *self)
{
  g_return_val_if_fail (CAIRN_IS_SEARCH_RESULT (self), NULL);
  return self->id;
}

const char *
cairn_search_result_get_title (CairnSearchResult *self)
{
  g_return_val_if_fail (CAIRN_IS_SEARCH_RESULT (self), NULL);
  return self->title;
}

const char *
cairn_search_result_get_snippet (CairnSearchResult *self)
{
  g_return_val_if_fail (CAIRN_IS_SEARCH_RESULT (self), NULL);
  return self->snippet;
}

/* ---- the model ---- */

/* Texts whose hits are kept (each a few KiB: @limit hits with snippets). */
#define SEARCHED_KEPT 256

struct _CairnSearchModel
{
  GObject     parent_instance;
  CairnPool  *pool;     /* strong */
  char       *text;
  guint       limit;
  GPtrArray  *items;    /* CairnSearchResult, best first */
  /* The hits (GPtrArray of CairnSearchHit) by the query searched since
   * the last change (cairn_search_build_match(): "milk" and "milk " are
   * one query, the second word not begun); emptied by every change, and
   * when it holds too many. */
  GHashTable *searched;
  GMainContext *context;  /* where the deferred refresh runs */
  GSource    *refresh;    /* pending deferred refresh, or NULL */
  guint       refreshing : 1;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CairnSearchModel, cairn_search_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return CAIRN_TYPE_SEARCH_RESULT;
}

static guint
get_n_items (GListModel *model)
{
  return CAIRN_SEARCH_MODEL (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  CairnSearchModel *self = CAIRN_SEARCH_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (self->items->pdata[position]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
cairn_search_model_dispose (GObject *object)
{
  CairnSearchModel *self = CAIRN_SEARCH_MODEL (object);

  if (self->refresh != NULL)
    {
      g_source_destroy (self->refresh);
      g_clear_pointer (&self->refresh, g_source_unref);
    }
  if (self->pool != NULL)
    _cairn_pool_forget_search (self->pool, self);
  g_clear_object (&self->pool);
  G_OBJECT_CLASS (cairn_search_model_parent_class)->dispose (object);
}

static void
cairn_search_model_finalize (GObject *object)
{
  CairnSearchModel *self = CAIRN_SEARCH_MODEL (object);

  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->searched, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (cairn_search_model_parent_class)->finalize (object);
}

static void
cairn_search_model_class_init (CairnSearchModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cairn_search_model_dispose;
  object_class->finalize = cairn_search_model_finalize;
}

static void
cairn_search_model_init (CairnSearchModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->text = g_strdup ("");
  self->searched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_ptr_array_unref);
  self->context = g_main_context_ref_thread_default ();
}

/* Runs the search again and emits one ::items-changed over the middle
 * part that differs (the objects of the same ids before and after it are
 * kept, their title and snippet updated). */
static void
refresh_now (CairnSearchModel *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autofree char *query = NULL;
  guint old_len = self->items->len;
  guint prefix = 0, suffix = 0;
  g_autoptr(GHashTable) before = NULL;
  GPtrArray *fresh;

  if (self->refresh != NULL)
    {
      g_source_destroy (self->refresh);
      g_clear_pointer (&self->refresh, g_source_unref);
    }
  if (self->refreshing)
    return;
  /* No words (or not UTF-8): no query to keep, the store says why. */
  query = cairn_search_build_match (self->text);
  hits = query != NULL ? g_hash_table_lookup (self->searched, query) : NULL;
  if (hits != NULL)
    g_ptr_array_ref (hits);
  else
    {
      self->refreshing = TRUE;
      hits = cairn_store_search (cairn_pool_get_store (self->pool), self->text, self->limit, &error);
      self->refreshing = FALSE;
      if (hits == NULL)
        {
          g_warning ("Cannot search: %s", error != NULL ? error->message : "the store is busy");
          return;
        }
      /* A few hundred texts at most: a person types them one at a time. */
      if (g_hash_table_size (self->searched) >= SEARCHED_KEPT)
        g_hash_table_remove_all (self->searched);
      if (query != NULL)
        g_hash_table_insert (self->searched, g_steal_pointer (&query), g_ptr_array_ref (hits));
    }

  while (prefix < old_len && prefix < hits->len &&
         g_strcmp0 (cairn_search_result_get_id (self->items->pdata[prefix]),
                    ((CairnSearchHit *) hits->pdata[prefix])->id) == 0)
    prefix++;
  while (suffix < old_len - prefix && suffix < hits->len - prefix &&
         g_strcmp0 (cairn_search_result_get_id (self->items->pdata[old_len - 1 - suffix]),
                    ((CairnSearchHit *) hits->pdata[hits->len - 1 - suffix])->id) == 0)
    suffix++;

  /* The results of the middle part that were there before, by id: the
   * same objects again, in their new places, so that a list view keeps
   * their rows as they are (GTK reuses the row of an item removed and
   * added back in one ::items-changed) instead of binding new ones;
   * typing a word one more character mostly reorders the same results. */
  if (old_len - prefix - suffix > 0 && hits->len - prefix - suffix > 0)
    {
      before = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = prefix; i < old_len - suffix; i++)
        g_hash_table_insert (before, (gpointer) cairn_search_result_get_id (self->items->pdata[i]),
                             self->items->pdata[i]);
    }
  fresh = g_ptr_array_new_full (hits->len, g_object_unref);
  for (guint i = 0; i < hits->len; i++)
    {
      CairnSearchHit *hit = hits->pdata[i];
      CairnSearchResult *kept;

      if (i < prefix)
        g_ptr_array_add (fresh, g_object_ref (self->items->pdata[i]));
      else if (i >= hits->len - suffix)
        g_ptr_array_add (fresh, g_object_ref (self->items->pdata[old_len - (hits->len - i)]));
      else if (before != NULL && (kept = g_hash_table_lookup (before, hit->id)) != NULL &&
               kept->kind == hit->kind)
        g_ptr_array_add (fresh, g_object_ref (kept));
      else
        g_ptr_array_add (fresh, result_new (hit));
    }
  g_ptr_array_unref (self->items);
  self->items = fresh;
  if (old_len - prefix - suffix > 0 || hits->len - prefix - suffix > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, old_len - prefix - suffix,
                                hits->len - prefix - suffix);
  /* After the signal, so that handlers see the new list: every result
   * kept (a new one is up to date already). */
  for (guint i = 0; i < hits->len; i++)
    result_update (self->items->pdata[i], hits->pdata[i]);
}

static gboolean
refresh_idle (gpointer data)
{
  g_autoptr(CairnSearchModel) self = g_object_ref (data);

  refresh_now (self);
  return G_SOURCE_REMOVE;
}

/* After a change: one search when the main loop is next idle, at the
 * idle priority (after GTK's layout and drawing), for all the changes
 * until then. A search with a common word takes milliseconds, and a
 * rebase or catch-up emits many changes in a row. */
void
_cairn_search_model_queue_refresh (CairnSearchModel *self)
{
  /* What was found before the change may not be what is found now. */
  g_hash_table_remove_all (self->searched);
  if (self->refresh != NULL)
    return;
  self->refresh = g_idle_source_new ();
  g_source_set_priority (self->refresh, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (self->refresh, refresh_idle, self, NULL);
  g_source_set_static_name (self->refresh, "[cairn] search refresh");
  g_source_attach (self->refresh, self->context);
}

gboolean
_cairn_search_model_is_pending (CairnSearchModel *self)
{
  return self->refresh != NULL;
}

CairnSearchModel *
_cairn_search_model_new (CairnPool *pool,
                         guint      limit)
{
  CairnSearchModel *self = g_object_new (CAIRN_TYPE_SEARCH_MODEL, NULL);

  self->pool = g_object_ref (pool);
  self->limit = limit;
  return self;
}

void
cairn_search_model_set_text (CairnSearchModel *self,
                             const char       *text)
{
  g_return_if_fail (CAIRN_IS_SEARCH_MODEL (self));
  g_return_if_fail (text != NULL);

  if (g_strcmp0 (self->text, text) == 0)
    return;
  g_free (self->text);
  self->text = g_strdup (text);
  refresh_now (self);
}

const char *
cairn_search_model_get_text (CairnSearchModel *self)
{
  g_return_val_if_fail (CAIRN_IS_SEARCH_MODEL (self), NULL);
  return self->text;
}

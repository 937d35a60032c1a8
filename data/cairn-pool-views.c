/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-pool-views.c: the date views, Today and Upcoming: live models of
 * the open todos by due date, of sort keys and ids (the objects made when
 * a row shows them), followed change by change by id, moved on to a new
 * day when told.
 * docs/design.md, "Views and search". */
#define G_LOG_DOMAIN "cairn-pool"

#include "config.h"

#include <string.h>

#include "cairn-pool.h"
#include "cairn-pool-private.h"
#include "cairn-store-private.h"

/* A date view is a GListModel of its own that keeps, per item, only the
 * sort key and the todo's id, read from the index todos_by_date alone
 * (no row of todos, no tags, no object): building Today over thousands
 * of todos costs a few milliseconds. An item's CairnTodo is the pool's,
 * made when first asked for (g_list_model_get_item(), i.e. when a row
 * shows it) and followed by the pool from then on; the view holds no
 * reference to it.
 *
 * Changes are followed by id, from the values the pool reads for each
 * changed todo (whether or not it has an object): the view knows the old
 * key of each of its items, so a todo whose key did not change and that
 * still belongs stays, one that leaves or moves is removed at its old
 * place and inserted at its new one. */
G_DECLARE_FINAL_TYPE (CairnDateView, cairn_date_view, CAIRN, DATE_VIEW, GObject)
#define CAIRN_TYPE_DATE_VIEW (cairn_date_view_get_type ())

struct _CairnDateView
{
  GObject        parent_instance;
  CairnPool     *pool;    /* strong: the view holds the pool */
  guint          days;    /* 0: Today; else Upcoming over that many days */
  char          *after;   /* due > after (NULL: no bound) */
  char          *until;   /* due <= until */
  GPtrArray     *keys;    /* DateKey *, sorted, owned */
  GHashTable    *by_id;   /* id -> DateKey * in keys */
  GHashTable    *pending; /* id -> DateKey * (owned) or the id alone: not wanted */
};

/* One allocation: the strings follow the struct. due_time NULL: a todo
 * due some time that day, which sorts first, as NULL does in SQLite. */
typedef struct
{
  const char *due;
  const char *due_time;
  const char *position;
  char        id[];
} DateKey;

static void cairn_date_view_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CairnDateView, cairn_date_view, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, cairn_date_view_list_model_init))

static DateKey *
date_key_new (const char *id,
              const char *due,
              const char *due_time,
              const char *position)
{
  gsize id_len = strlen (id) + 1, due_len = strlen (due) + 1;
  gsize time_len = due_time != NULL ? strlen (due_time) + 1 : 0;
  gsize position_len = strlen (position) + 1;
  DateKey *key = g_malloc (sizeof (DateKey) + id_len + due_len + time_len + position_len);
  char *p = key->id + id_len;

  memcpy (key->id, id, id_len);
  key->due = memcpy (p, due, due_len);
  p += due_len;
  key->due_time = due_time != NULL ? memcpy (p, due_time, time_len) : NULL;
  p += time_len;
  key->position = memcpy (p, position, position_len);
  return key;
}

/* By due date, then due time (a todo without one, due some time that
 * day, first), then position and id. A repeating todo's due date is its
 * next occurrence already: completing one moves it (docs/events.md).
 * The order of todos_by_date, so that a view is read sorted. */
static int
compare_keys (const DateKey *a,
              const DateKey *b)
{
  int c = strcmp (a->due, b->due);

  if (c == 0)
    c = g_strcmp0 (a->due_time, b->due_time);
  if (c == 0)
    c = strcmp (a->position, b->position);
  if (c == 0)
    c = strcmp (a->id, b->id);
  return c;
}

/* Where key is, or would go. */
static guint
find_key (CairnDateView *view,
          const DateKey *key)
{
  guint lo = 0, hi = view->keys->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (compare_keys (view->keys->pdata[mid], key) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static char *
add_days (const char *date,
          guint       days)
{
  GDate d;

  g_date_clear (&d, 1);
  g_date_set_parse (&d, date);
  if (!g_date_valid (&d))
    return g_strdup (date);
  g_date_add_days (&d, days);
  return g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (&d), g_date_get_month (&d),
                          g_date_get_day (&d));
}

static void
set_bounds (CairnDateView *view,
            const char    *today)
{
  g_clear_pointer (&view->after, g_free);
  g_clear_pointer (&view->until, g_free);
  if (view->days == 0)
    view->until = g_strdup (today);
  else
    {
      view->after = g_strdup (today);
      view->until = add_days (today, view->days);
    }
}

/* Whether a todo with these values belongs in the view. */
static gboolean
view_wants (CairnDateView *view,
            const char    *list_id,
            const char    *due,
            gboolean       done)
{
  return due != NULL && !done &&
         (view->after == NULL || strcmp (due, view->after) > 0) &&
         strcmp (due, view->until) <= 0 &&
         list_id != NULL && cairn_pool_lookup_list (view->pool, list_id) != NULL;
}

/* ---- the GListModel ---- */

static GType
cairn_date_view_get_item_type (GListModel *model)
{
  return CAIRN_TYPE_TODO;
}

static guint
cairn_date_view_get_n_items (GListModel *model)
{
  return CAIRN_DATE_VIEW (model)->keys->len;
}

static gpointer
cairn_date_view_get_item (GListModel *model,
                          guint       position)
{
  CairnDateView *self = CAIRN_DATE_VIEW (model);
  CairnTodo *todo;

  if (position >= self->keys->len)
    return NULL;
  todo = _cairn_pool_obtain_todo (self->pool, ((DateKey *) self->keys->pdata[position])->id);
  return todo != NULL ? g_object_ref (todo) : NULL;
}

static void
cairn_date_view_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = cairn_date_view_get_item_type;
  iface->get_n_items = cairn_date_view_get_n_items;
  iface->get_item = cairn_date_view_get_item;
}

static void
cairn_date_view_finalize (GObject *object)
{
  CairnDateView *self = CAIRN_DATE_VIEW (object);

  if (self->pool->date_views != NULL)
    g_ptr_array_remove_fast (self->pool->date_views, self);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->keys, g_ptr_array_unref);
  g_free (self->after);
  g_free (self->until);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (cairn_date_view_parent_class)->finalize (object);
}

static void
cairn_date_view_class_init (CairnDateViewClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cairn_date_view_finalize;
}

static void
cairn_date_view_init (CairnDateView *self)
{
  self->keys = g_ptr_array_new_with_free_func (g_free);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* ---- reading and following ---- */

/* The open todos due in the view's range, sorted, from the index
 * todos_by_date alone (schema 12: its columns are all this reads). The
 * list's liveness is the pool's (all lists are loaded). */
#define SELECT_DATED_KEYS "SELECT id, due, due_time, position, list_id FROM todos " \
  "WHERE due IS NOT NULL AND done = 0 AND deleted = 0 " \
  "AND due > coalesce (?1, '') AND due <= ?2 ORDER BY due, due_time, position, id"

static GPtrArray *
read_keys (CairnDateView *view)
{
  sqlite3 *db = _cairn_store_get_db (view->pool->store);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (sqlite3_prepare_v2 (db, SELECT_DATED_KEYS, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_warning ("Cannot read the todos by due date: %s", sqlite3_errmsg (db));
      return keys;
    }
  sqlite3_bind_text (stmt, 1, view->after, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, view->until, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *list_id = _cairn_pool_column_text (stmt, 4);

      if (list_id == NULL || cairn_pool_lookup_list (view->pool, list_id) == NULL)
        continue;
      g_ptr_array_add (keys, date_key_new (_cairn_pool_column_text (stmt, 0),
                                           _cairn_pool_column_text (stmt, 1),
                                           _cairn_pool_column_text (stmt, 2),
                                           _cairn_pool_column_text (stmt, 3)));
    }
  if (rc != SQLITE_DONE)
    g_warning ("Cannot read the todos by due date: %s", sqlite3_errmsg (db));
  return keys;
}

/* Everything read again; one ::items-changed over the part that differs
 * (the same items before and after it are kept). */
static void
reload_view (CairnDateView *view)
{
  g_autoptr(GPtrArray) old = view->keys;
  GPtrArray *keys = read_keys (view);
  guint prefix = 0, suffix = 0;

  g_hash_table_remove_all (view->pending);
  view->keys = keys;
  g_hash_table_remove_all (view->by_id);
  for (guint i = 0; i < keys->len; i++)
    g_hash_table_insert (view->by_id, ((DateKey *) keys->pdata[i])->id, keys->pdata[i]);

  while (prefix < old->len && prefix < keys->len &&
         compare_keys (old->pdata[prefix], keys->pdata[prefix]) == 0)
    prefix++;
  while (suffix < old->len - prefix && suffix < keys->len - prefix &&
         compare_keys (old->pdata[old->len - 1 - suffix], keys->pdata[keys->len - 1 - suffix]) == 0)
    suffix++;
  if (prefix + suffix < old->len || prefix + suffix < keys->len)
    g_list_model_items_changed (G_LIST_MODEL (view), prefix, old->len - prefix - suffix,
                                keys->len - prefix - suffix);
}

/* The views, with a reference each: a handler may drop one while we emit. */
static GPtrArray *
views_snapshot (CairnPool *self)
{
  GPtrArray *views = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->date_views != NULL)
    for (guint i = 0; i < self->date_views->len; i++)
      g_ptr_array_add (views, g_object_ref (self->date_views->pdata[i]));
  return views;
}

void
_cairn_pool_reload_date_views (CairnPool *self)
{
  g_autoptr(GPtrArray) views = views_snapshot (self);

  for (guint i = 0; i < views->len; i++)
    reload_view (views->pdata[i]);
}

void
_cairn_pool_date_views_change (CairnPool  *self,
                               const char *id,
                               gboolean    live,
                               const char *list_id,
                               const char *due,
                               const char *due_time,
                               const char *position,
                               gboolean    done)
{
  if (self->date_views == NULL)
    return;
  for (guint i = 0; i < self->date_views->len; i++)
    {
      CairnDateView *view = self->date_views->pdata[i];
      DateKey *now = NULL;

      if (live && position != NULL && view_wants (view, list_id, due, done))
        now = date_key_new (id, due, due_time, position);
      /* Neither in it before nor now: nothing to do (most changes). */
      if (now == NULL && !g_hash_table_contains (view->by_id, id))
        continue;
      g_hash_table_insert (view->pending, g_strdup (id), now);
    }
}

static void
flush_view (CairnDateView *view)
{
  g_autoptr(GPtrArray) inserts = g_ptr_array_new_with_free_func (g_free);
  /* Taken: a handler may reload the view while we emit. */
  g_autoptr(GHashTable) pending = g_steal_pointer (&view->pending);
  GHashTableIter iter;
  gpointer id, value;

  view->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* Out first, each at its old place, then in at the new ones. */
  g_hash_table_iter_init (&iter, pending);
  while (g_hash_table_iter_next (&iter, &id, &value))
    {
      DateKey *was = g_hash_table_lookup (view->by_id, id);
      DateKey *now = value;

      g_hash_table_iter_steal (&iter);
      g_free (id);
      if (was != NULL && now != NULL && compare_keys (was, now) == 0)
        {
          g_free (now);   /* stays where it is */
          continue;
        }
      if (was != NULL)
        {
          guint pos = find_key (view, was);

          g_assert (pos < view->keys->len && view->keys->pdata[pos] == was);
          g_hash_table_remove (view->by_id, was->id);
          g_ptr_array_remove_index (view->keys, pos);
          g_list_model_items_changed (G_LIST_MODEL (view), pos, 1, 0);
        }
      if (now != NULL)
        g_ptr_array_add (inserts, now);
    }
  for (guint i = 0; i < inserts->len; i++)
    {
      DateKey *now = inserts->pdata[i];
      guint pos;

      /* A handler may have changed the view meanwhile (a reload). */
      if (g_hash_table_contains (view->by_id, now->id))
        continue;
      pos = find_key (view, now);
      inserts->pdata[i] = NULL;
      g_ptr_array_insert (view->keys, pos, now);
      g_hash_table_insert (view->by_id, now->id, now);
      g_list_model_items_changed (G_LIST_MODEL (view), pos, 0, 1);
    }
}

void
_cairn_pool_date_views_flush (CairnPool *self)
{
  g_autoptr(GPtrArray) views = views_snapshot (self);

  for (guint i = 0; i < views->len; i++)
    flush_view (views->pdata[i]);
}

static GListModel *
new_view (CairnPool *self,
          guint      days)
{
  CairnDateView *view = g_object_new (CAIRN_TYPE_DATE_VIEW, NULL);

  view->pool = g_object_ref (self);
  view->days = days;
  set_bounds (view, cairn_pool_get_today (self));
  if (self->date_views == NULL)
    self->date_views = g_ptr_array_new ();
  g_ptr_array_add (self->date_views, view);
  reload_view (view);
  return G_LIST_MODEL (view);
}

GListModel *
cairn_pool_get_today_todos (CairnPool *self)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  return new_view (self, 0);
}

GListModel *
cairn_pool_get_upcoming_todos (CairnPool *self,
                               guint      days)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (days > 0 && days <= 366, NULL);
  return new_view (self, days);
}

const char *
cairn_pool_get_today (CairnPool *self)
{
  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);

  if (self->today == NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();

      self->today = g_date_time_format (now, "%Y-%m-%d");
    }
  return self->today;
}

void
cairn_pool_set_today (CairnPool  *self,
                      const char *date)
{
  GDate d;

  g_return_if_fail (CAIRN_IS_POOL (self));
  if (date != NULL)
    {
      g_date_clear (&d, 1);
      g_date_set_parse (&d, date);
      g_return_if_fail (strlen (date) == 10 && g_date_valid (&d));
    }

  g_clear_pointer (&self->today, g_free);
  self->today = g_strdup (date);
  date = cairn_pool_get_today (self);
  if (self->date_views == NULL)
    return;
  for (guint i = 0; i < self->date_views->len; i++)
    set_bounds (self->date_views->pdata[i], date);
  _cairn_pool_reload_date_views (self);
}

/* ---- the Search view (cairn-search-model.c) ---- */

GListModel *
cairn_pool_search (CairnPool  *self,
                   const char *text,
                   guint       limit)
{
  CairnSearchModel *model;

  g_return_val_if_fail (CAIRN_IS_POOL (self), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  model = _cairn_search_model_new (self, limit);
  if (self->searches == NULL)
    self->searches = g_ptr_array_new ();
  g_ptr_array_add (self->searches, model);
  cairn_search_model_set_text (model, text);
  return G_LIST_MODEL (model);
}

void
_cairn_pool_forget_search (CairnPool        *self,
                           CairnSearchModel *model)
{
  if (self->searches != NULL)
    g_ptr_array_remove_fast (self->searches, model);
}

void
_cairn_pool_refresh_searches (CairnPool    *self,
                              CairnChanges *changes)
{
  g_autoptr(GPtrArray) models = NULL;

  if (self->searches == NULL || self->searches->len == 0)
    return;
  if (changes != NULL && !changes->reset &&
      (changes->todos == NULL || g_hash_table_size (changes->todos) == 0) &&
      (changes->notes == NULL || g_hash_table_size (changes->notes) == 0) &&
      (changes->lists == NULL || g_hash_table_size (changes->lists) == 0))
    return;
  /* Collect first: a handler may drop a model while we emit. */
  models = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->searches->len; i++)
    g_ptr_array_add (models, g_object_ref (self->searches->pdata[i]));
  for (guint i = 0; i < models->len; i++)
    _cairn_search_model_queue_refresh (models->pdata[i]);
}

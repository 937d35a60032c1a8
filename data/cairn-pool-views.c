/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-pool-views.c: the date views, Today and Upcoming: live models of
 * the open todos by due date, followed change by change like the lists'
 * models (an object leaves a view by its old key before it changes and
 * comes back at its new one), moved on to a new day when told.
 * docs/design.md, "Views and search". */
#define G_LOG_DOMAIN "cairn-pool"

#include "config.h"

#include "cairn-pool.h"
#include "cairn-pool-private.h"
#include "cairn-store-private.h"

struct _CairnDateView
{
  CairnPool     *pool;    /* weak: the view holds the pool */
  CairnRowModel *model;   /* weak: the caller owns it */
  guint          days;    /* 0: Today; else Upcoming over that many days */
  char          *after;   /* due > after (NULL: no bound) */
  char          *until;   /* due <= until */
};

/* By due date, then due time (a todo without one, due some time that
 * day, first), then position and id. A repeating todo's due date is its
 * next occurrence already: completing one moves it (docs/events.md). */
static const char *
date_of (CairnTodo *todo)
{
  return cairn_todo_get_due (todo);
}

static int
compare_dated (gconstpointer a,
               gconstpointer b)
{
  CairnTodo *ta = (CairnTodo *) a, *tb = (CairnTodo *) b;
  int c = g_strcmp0 (date_of (ta), date_of (tb));

  if (c == 0)
    c = g_strcmp0 (cairn_todo_get_due_time (ta), cairn_todo_get_due_time (tb));
  if (c == 0)
    c = g_strcmp0 (cairn_todo_get_position (ta), cairn_todo_get_position (tb));
  if (c == 0)
    c = g_strcmp0 (cairn_todo_get_id (ta), cairn_todo_get_id (tb));
  return c;
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

static gboolean
view_wants_todo (CairnDateView *view,
                 CairnTodo     *todo)
{
  return view_wants (view, cairn_todo_get_list_id (todo), date_of (todo),
                     cairn_todo_get_done (todo));
}

static void
reload_view (CairnDateView *view)
{
  _cairn_row_model_replace_all (view->model,
                                _cairn_pool_obtain_dated_todos (view->pool, view->after, view->until));
}

void
_cairn_pool_reload_date_views (CairnPool *self)
{
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) views = g_ptr_array_new ();

  if (self->date_views == NULL)
    return;
  /* Collect first: a handler may drop a view while we emit. */
  for (guint i = 0; i < self->date_views->len; i++)
    {
      CairnDateView *view = self->date_views->pdata[i];

      g_ptr_array_add (models, g_object_ref (view->model));
      g_ptr_array_add (views, view);
    }
  for (guint i = 0; i < views->len; i++)
    if (g_ptr_array_find (self->date_views, views->pdata[i], NULL))
      reload_view (views->pdata[i]);
}

gboolean
_cairn_pool_date_views_want (CairnPool  *self,
                             const char *list_id,
                             const char *due,
                             gboolean    done)
{
  if (self->date_views == NULL)
    return FALSE;
  for (guint i = 0; i < self->date_views->len; i++)
    if (view_wants (self->date_views->pdata[i], list_id, due, done))
      return TRUE;
  return FALSE;
}

void
_cairn_pool_date_views_take_out (CairnPool  *self,
                                 CairnTodo  *todo,
                                 gboolean    live,
                                 const char *list_id,
                                 const char *position,
                                 const char *due,
                                 const char *due_time,
                                 gboolean    done)
{
  gboolean key_same;

  if (self->date_views == NULL)
    return;
  key_same = live && g_strcmp0 (date_of (todo), due) == 0 &&
             g_strcmp0 (cairn_todo_get_due_time (todo), due_time) == 0 &&
             g_strcmp0 (cairn_todo_get_position (todo), position) == 0;
  for (guint i = 0; i < self->date_views->len; i++)
    {
      CairnDateView *view = self->date_views->pdata[i];

      if (!view_wants_todo (view, todo))
        continue;   /* not in it */
      if (key_same && view_wants (view, list_id, due, done))
        continue;   /* stays where it is */
      _cairn_row_model_remove (view->model, todo);
    }
}

void
_cairn_pool_date_views_put_back (CairnPool *self,
                                 CairnTodo *todo)
{
  if (self->date_views == NULL)
    return;
  for (guint i = 0; i < self->date_views->len; i++)
    {
      CairnDateView *view = self->date_views->pdata[i];

      if (view_wants_todo (view, todo))
        _cairn_row_model_insert (view->model, todo);
    }
}

static void
view_gone (gpointer  data,
           GObject  *where_the_model_was)
{
  CairnDateView *view = data;
  CairnPool *pool = view->pool;

  g_ptr_array_remove_fast (pool->date_views, view);
  g_free (view->after);
  g_free (view->until);
  g_free (view);
  g_object_unref (pool);
}

static GListModel *
new_view (CairnPool *self,
          guint      days)
{
  CairnDateView *view = g_new0 (CairnDateView, 1);

  view->pool = self;
  view->days = days;
  view->model = _cairn_row_model_new (CAIRN_TYPE_TODO, compare_dated);
  set_bounds (view, cairn_pool_get_today (self));
  if (self->date_views == NULL)
    self->date_views = g_ptr_array_new ();
  g_ptr_array_add (self->date_views, view);
  /* The view holds the pool until it goes. */
  g_object_ref (self);
  g_object_weak_ref (G_OBJECT (view->model), view_gone, view);
  reload_view (view);
  return G_LIST_MODEL (view->model);
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

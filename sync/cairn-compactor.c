/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-compactor.c: compacts a store's log in the background when enabled. */
#define G_LOG_DOMAIN "cairn-compactor"
#include "config.h"

#include "cairn-compactor.h"
#include "cairn-snapshot.h"

struct _CairnCompactor
{
  GObject       parent_instance;
  CairnStore   *store;
  GCancellable *cancellable;
  gint64        min_events;
  guint         runs;
  guint         enabled : 1;
  guint         running : 1;
};

G_DEFINE_FINAL_TYPE (CairnCompactor, cairn_compactor, G_TYPE_OBJECT)

enum { PROP_0, PROP_ENABLED, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void maybe_run (CairnCompactor *self);

static void
compact_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnStore) store = cairn_store_open (task_data, &error);
  CairnCompactStats stats;

  if (store == NULL || !cairn_store_compact_log (store, &stats, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_message ("Compacted the local log: %" G_GINT64_FORMAT " events up to seq %" G_GINT64_FORMAT
             " dropped, %" G_GINT64_FORMAT " → %" G_GINT64_FORMAT " bytes",
             stats.rows_dropped, stats.base_seq, stats.bytes_before, stats.bytes_after);
  g_task_return_boolean (task, TRUE);
}

static void
compact_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CairnCompactor *self = CAIRN_COMPACTOR (source);
  g_autoptr(GError) error = NULL;

  self->running = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Cannot compact the local log: %s", error->message);
      return;
    }
  self->runs++;
  /* Our own store reads the other connection's change. */
  cairn_store_check_external (self->store, NULL);
}

static void
maybe_run (CairnCompactor *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  gint64 base = 0;

  if (!self->enabled || self->running)
    return;
  if (!cairn_store_get_snapshot_seq (self->store, &base, &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  if (cairn_store_get_head (self->store) - base < self->min_events)
    return;
  self->running = TRUE;
  task = g_task_new (self, self->cancellable, compact_done, NULL);
  g_task_set_source_tag (task, maybe_run);
  g_task_set_task_data (task, g_strdup (cairn_store_get_path (self->store)), g_free);
  g_task_run_in_thread (task, compact_thread);
}

static void
on_head (CairnCompactor *self)
{
  maybe_run (self);
}

static void
cairn_compactor_dispose (GObject *object)
{
  CairnCompactor *self = CAIRN_COMPACTOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (cairn_compactor_parent_class)->dispose (object);
}

static void
cairn_compactor_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CairnCompactor *self = CAIRN_COMPACTOR (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_compactor_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CairnCompactor *self = CAIRN_COMPACTOR (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      if (self->enabled != g_value_get_boolean (value))
        {
          self->enabled = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
          maybe_run (self);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cairn_compactor_class_init (CairnCompactorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cairn_compactor_dispose;
  object_class->get_property = cairn_compactor_get_property;
  object_class->set_property = cairn_compactor_set_property;

  properties[PROP_ENABLED] =
    g_param_spec_boolean ("enabled", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cairn_compactor_init (CairnCompactor *self)
{
  self->cancellable = g_cancellable_new ();
  self->min_events = CAIRN_COMPACTOR_MIN_EVENTS;
}

CairnCompactor *
cairn_compactor_new (CairnStore *store)
{
  CairnCompactor *self;

  g_return_val_if_fail (CAIRN_IS_STORE (store), NULL);

  self = g_object_new (CAIRN_TYPE_COMPACTOR, NULL);
  self->store = g_object_ref (store);
  g_signal_connect_object (store, "notify::head", G_CALLBACK (on_head), self, G_CONNECT_SWAPPED);
  return self;
}

void
cairn_compactor_set_min_events (CairnCompactor *self,
                                gint64          min_events)
{
  g_return_if_fail (CAIRN_IS_COMPACTOR (self));
  self->min_events = MAX (1, min_events);
}

guint
cairn_compactor_get_runs (CairnCompactor *self)
{
  g_return_val_if_fail (CAIRN_IS_COMPACTOR (self), 0);
  return self->runs;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-first-rows.c: a list view's model that starts with its first
 * screenful (cairn-first-rows.h). */
#define G_LOG_DOMAIN "cairn-first-rows"

#include "config.h"

#include "cairn-first-rows.h"

/* GTK 4.8's list view keeps a row widget for at most this many items
 * (GTK_LIST_VIEW_MAX_LIST_ITEMS): past it, growing makes no more rows,
 * so the rest comes in one step. */
#define LIST_VIEW_MAX_ROWS 200

/* Owned by the slice model (freed when it goes); follows the widget
 * weakly. The tick callback runs only while the widget is mapped, so a
 * hidden page neither grows nor keeps the frame clock running. */
typedef struct
{
  GtkSliceListModel *slice;   /* not a reference: owns this */
  GtkWidget         *widget;  /* weak */
  gulong             map_id;
  gulong             unmap_id;
  guint              tick_id;
  guint              frames;  /* ticks while mapped */
} Grow;

static void
grow_stop_ticking (Grow *grow)
{
  if (grow->tick_id != 0 && grow->widget != NULL)
    gtk_widget_remove_tick_callback (grow->widget, grow->tick_id);
  grow->tick_id = 0;
}

static void
grow_forget_widget (Grow *grow)
{
  grow_stop_ticking (grow);
  if (grow->widget != NULL)
    {
      g_clear_signal_handler (&grow->map_id, grow->widget);
      g_clear_signal_handler (&grow->unmap_id, grow->widget);
      g_object_remove_weak_pointer (G_OBJECT (grow->widget), (gpointer *) &grow->widget);
      grow->widget = NULL;
    }
}

static void
grow_free (gpointer data)
{
  Grow *grow = data;

  grow_forget_widget (grow);
  g_free (grow);
}

static gboolean
is_complete (Grow *grow)
{
  return gtk_slice_list_model_get_size (grow->slice) == G_MAXUINT;
}

/* Whether widget is on the page its stacks show: a page a GtkStack
 * leaves stays mapped while it fades out (the window's crossfade), and
 * must not grow in the frames of the page that replaces it. */
static gboolean
is_on_shown_page (GtkWidget *widget)
{
  for (GtkWidget *child = widget, *parent = gtk_widget_get_parent (widget); parent != NULL;
       child = parent, parent = gtk_widget_get_parent (parent))
    if (GTK_IS_STACK (parent) && gtk_stack_get_visible_child (GTK_STACK (parent)) != child)
      return FALSE;
  return TRUE;
}

/* A frame's update phase, before its layout. The first frame after the
 * widget is mapped paints the rows there are; each one after it adds a
 * step. */
static gboolean
grow_tick (GtkWidget     *widget,
           GdkFrameClock *clock,
           gpointer       data)
{
  Grow *grow = data;
  GListModel *model = gtk_slice_list_model_get_model (grow->slice);
  guint size = gtk_slice_list_model_get_size (grow->slice);

  if (!is_on_shown_page (widget))
    {
      /* Leaving: growing waits for the page to be shown again. */
      grow->frames = 0;
      return G_SOURCE_CONTINUE;
    }
  if (grow->frames++ == 0)
    return G_SOURCE_CONTINUE;
  if (size + CAIRN_FIRST_ROWS < LIST_VIEW_MAX_ROWS &&
      model != NULL && size < g_list_model_get_n_items (model))
    {
      gtk_slice_list_model_set_size (grow->slice, size + CAIRN_FIRST_ROWS);
      return G_SOURCE_CONTINUE;
    }
  grow->tick_id = 0;
  gtk_slice_list_model_set_size (grow->slice, G_MAXUINT);
  grow_forget_widget (grow);
  return G_SOURCE_REMOVE;
}

static void
on_map (GtkWidget *widget,
        Grow      *grow)
{
  if (grow->tick_id != 0 || is_complete (grow))
    return;
  grow->frames = 0;
  grow->tick_id = gtk_widget_add_tick_callback (widget, grow_tick, grow, NULL);
}

static void
on_unmap (GtkWidget *widget,
          Grow      *grow)
{
  grow_stop_ticking (grow);
}

GListModel *
cairn_first_rows_new (GListModel *model,
                      GtkWidget  *widget)
{
  GtkSliceListModel *slice;
  Grow *grow;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);
  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);

  slice = gtk_slice_list_model_new (model, 0, CAIRN_FIRST_ROWS);
  grow = g_new0 (Grow, 1);
  grow->slice = slice;
  grow->widget = widget;
  g_object_add_weak_pointer (G_OBJECT (widget), (gpointer *) &grow->widget);
  grow->map_id = g_signal_connect (widget, "map", G_CALLBACK (on_map), grow);
  grow->unmap_id = g_signal_connect (widget, "unmap", G_CALLBACK (on_unmap), grow);
  g_object_set_data_full (G_OBJECT (slice), "cairn-first-rows", grow, grow_free);
  if (gtk_widget_get_mapped (widget))
    on_map (widget, grow);
  return G_LIST_MODEL (slice);
}

void
cairn_first_rows_show_all (GListModel *first_rows)
{
  Grow *grow;

  g_return_if_fail (GTK_IS_SLICE_LIST_MODEL (first_rows));

  grow = g_object_get_data (G_OBJECT (first_rows), "cairn-first-rows");
  if (grow != NULL)
    grow_forget_widget (grow);
  if (gtk_slice_list_model_get_size (GTK_SLICE_LIST_MODEL (first_rows)) != G_MAXUINT)
    gtk_slice_list_model_set_size (GTK_SLICE_LIST_MODEL (first_rows), G_MAXUINT);
}

gboolean
cairn_first_rows_is_complete (GListModel *first_rows)
{
  g_return_val_if_fail (GTK_IS_SLICE_LIST_MODEL (first_rows), TRUE);

  return gtk_slice_list_model_get_size (GTK_SLICE_LIST_MODEL (first_rows)) == G_MAXUINT;
}

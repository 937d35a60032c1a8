/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-find-bar.c: the find bar over the open page. */
#define G_LOG_DOMAIN "cairn-find-bar"

#include "config.h"

#include <glib/gi18n.h>

#include "cairn-find-bar.h"
#include "cairn-text-filter.h"

struct _CairnFindBar
{
  GtkWidget       parent_instance;

  GtkSearchBar   *search_bar;
  GtkSearchEntry *entry;
  GtkFilter      *filter;
  GtkWidget      *page;       /* weak */
};

G_DEFINE_FINAL_TYPE (CairnFindBar, cairn_find_bar, GTK_TYPE_WIDGET)

gboolean
cairn_find_bar_can_filter (GtkWidget *page)
{
  GParamSpec *pspec;

  if (page == NULL)
    return FALSE;
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (page), "filter");
  return pspec != NULL && (pspec->flags & G_PARAM_WRITABLE) != 0 &&
         g_type_is_a (pspec->value_type, GTK_TYPE_FILTER);
}

static void
set_page_filter (CairnFindBar *self,
                 GtkFilter    *filter)
{
  if (cairn_find_bar_can_filter (self->page))
    g_object_set (self->page, "filter", filter, NULL);
}

static void
on_search_changed (GtkSearchEntry *entry,
                   CairnFindBar   *self)
{
  cairn_text_filter_set_text (CAIRN_TEXT_FILTER (self->filter),
                              gtk_editable_get_text (GTK_EDITABLE (entry)));
}

/* Closed, by Escape or by the app: the text goes with it, and the page
 * shows everything. */
static void
on_search_mode_changed (CairnFindBar *self)
{
  if (gtk_search_bar_get_search_mode (self->search_bar))
    {
      set_page_filter (self, self->filter);
      return;
    }
  set_page_filter (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  cairn_text_filter_set_text (CAIRN_TEXT_FILTER (self->filter), "");
}

static void
cairn_find_bar_dispose (GObject *object)
{
  CairnFindBar *self = CAIRN_FIND_BAR (object);

  cairn_find_bar_set_page (self, NULL);
  if (self->search_bar != NULL)
    gtk_widget_unparent (GTK_WIDGET (self->search_bar));
  self->search_bar = NULL;
  g_clear_object (&self->filter);

  G_OBJECT_CLASS (cairn_find_bar_parent_class)->dispose (object);
}

static void
cairn_find_bar_class_init (CairnFindBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cairn_find_bar_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
cairn_find_bar_init (CairnFindBar *self)
{
  GtkWidget *clamp = adw_clamp_new ();

  self->filter = cairn_text_filter_new ();
  self->entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->entry,
                "placeholder-text", _("Find in this view"),
                "hexpand", TRUE,
                NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Find in This View"),
                                  -1);
  g_signal_connect (self->entry, "search-changed", G_CALLBACK (on_search_changed), self);

  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 720);
  adw_clamp_set_child (ADW_CLAMP (clamp), GTK_WIDGET (self->entry));
  gtk_widget_set_hexpand (clamp, TRUE);

  self->search_bar = GTK_SEARCH_BAR (gtk_search_bar_new ());
  gtk_search_bar_set_child (self->search_bar, clamp);
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->entry));
  gtk_widget_set_parent (GTK_WIDGET (self->search_bar), GTK_WIDGET (self));
  g_signal_connect_swapped (self->search_bar, "notify::search-mode-enabled",
                            G_CALLBACK (on_search_mode_changed), self);
}

GtkWidget *
cairn_find_bar_new (void)
{
  return g_object_new (CAIRN_TYPE_FIND_BAR, NULL);
}

void
cairn_find_bar_set_page (CairnFindBar *self,
                         GtkWidget    *page)
{
  g_return_if_fail (CAIRN_IS_FIND_BAR (self));
  g_return_if_fail (page == NULL || GTK_IS_WIDGET (page));

  if (self->page == page)
    return;
  if (self->page != NULL)
    {
      if (cairn_find_bar_is_open (self))
        set_page_filter (self, NULL);
      g_object_remove_weak_pointer (G_OBJECT (self->page), (gpointer *) &self->page);
    }
  self->page = page;
  if (page != NULL)
    g_object_add_weak_pointer (G_OBJECT (page), (gpointer *) &self->page);
  if (cairn_find_bar_is_open (self))
    {
      if (cairn_find_bar_can_filter (page))
        set_page_filter (self, self->filter);
      else
        cairn_find_bar_close (self);
    }
}

gboolean
cairn_find_bar_open (CairnFindBar *self)
{
  g_return_val_if_fail (CAIRN_IS_FIND_BAR (self), FALSE);

  if (!cairn_find_bar_can_filter (self->page))
    return FALSE;
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
  return TRUE;
}

void
cairn_find_bar_close (CairnFindBar *self)
{
  g_return_if_fail (CAIRN_IS_FIND_BAR (self));

  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
}

gboolean
cairn_find_bar_is_open (CairnFindBar *self)
{
  g_return_val_if_fail (CAIRN_IS_FIND_BAR (self), FALSE);

  return gtk_search_bar_get_search_mode (self->search_bar);
}

GtkEditable *
cairn_find_bar_get_entry (CairnFindBar *self)
{
  g_return_val_if_fail (CAIRN_IS_FIND_BAR (self), NULL);

  return GTK_EDITABLE (self->entry);
}

GtkFilter *
cairn_find_bar_get_filter (CairnFindBar *self)
{
  g_return_val_if_fail (CAIRN_IS_FIND_BAR (self), NULL);

  return self->filter;
}

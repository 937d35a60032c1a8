/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-find-bar.h: the find bar (Ctrl+F): a GtkSearchBar over the open
 * page that filters what the page shows as one types. A page can be
 * filtered when it has a writable GtkFilter property "filter" (the list
 * view, the notes view, and any view built like them): while the bar is
 * open the page's "filter" is the bar's CairnTextFilter, closed (Escape)
 * it is NULL again and the page shows everything. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CAIRN_TYPE_FIND_BAR (cairn_find_bar_get_type ())
G_DECLARE_FINAL_TYPE (CairnFindBar, cairn_find_bar, CAIRN, FIND_BAR, GtkWidget)

GtkWidget      *cairn_find_bar_new        (void);
/* Whether page has the "filter" property the bar sets. */
gboolean        cairn_find_bar_can_filter (GtkWidget    *page);
/* The page shown now (NULL: none). An open bar moves its filter to it, or
 * closes when it cannot be filtered. */
void            cairn_find_bar_set_page   (CairnFindBar *self,
                                           GtkWidget    *page);
/* Opens the bar over the page (if it can be filtered) with the keyboard
 * focus in its entry; FALSE when the page cannot be filtered. */
gboolean        cairn_find_bar_open       (CairnFindBar *self);
/* Closes it: the text goes and the page shows everything again. */
void            cairn_find_bar_close      (CairnFindBar *self);
gboolean        cairn_find_bar_is_open    (CairnFindBar *self);
GtkEditable    *cairn_find_bar_get_entry  (CairnFindBar *self);
GtkFilter      *cairn_find_bar_get_filter (CairnFindBar *self);

G_END_DECLS

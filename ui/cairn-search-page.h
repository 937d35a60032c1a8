/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-search-page.h: the global search (Ctrl+Shift+F): an entry above
 * the pool's live search results over tasks and notes (cairn_pool_search()),
 * each with an icon by kind, its title, the words around the match
 * highlighted and, for a task, its list. Enter or a click on a result
 * emits ::open-result; the window shows it. */
#pragma once

#include <adwaita.h>

#include "cairn-pool.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_SEARCH_PAGE (cairn_search_page_get_type ())
G_DECLARE_FINAL_TYPE (CairnSearchPage, cairn_search_page, CAIRN, SEARCH_PAGE, GtkWidget)

/* Signal ::open-result (int kind: CAIRN_OBJECT_TODO or CAIRN_OBJECT_NOTE,
 * const char *id). */
GtkWidget   *cairn_search_page_new         (CairnPool       *pool);
/* Keyboard focus to the entry, its text selected. */
void         cairn_search_page_focus_entry (CairnSearchPage *self);
GtkEditable *cairn_search_page_get_entry   (CairnSearchPage *self);
/* The results shown (CairnSearchResult), best first; NULL while the page
 * is not shown (the pool follows no search then). */
GListModel  *cairn_search_page_get_results (CairnSearchPage *self);

/* A snippet with the CAIRN_SEARCH_MARK_* around matched words as Pango
 * markup: everything escaped, the matched words bold. */
char        *cairn_search_markup           (const char      *snippet);

G_END_DECLS

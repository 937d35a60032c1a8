/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-search-model.h: the Search view: a GListModel of CairnSearchResult,
 * best first, that the pool keeps current (cairn_pool_search()). */
#pragma once

#include <gio/gio.h>

#include "cairn-search.h"

G_BEGIN_DECLS

/* One match: read-only properties "kind" (CairnObjectKind as int), "id",
 * "title" and "snippet" (with CAIRN_SEARCH_MARK_START/END around the
 * matched words); "title" and "snippet" notify when a change to the object
 * changes them while it stays in the results. */
#define CAIRN_TYPE_SEARCH_RESULT (cairn_search_result_get_type ())
G_DECLARE_FINAL_TYPE (CairnSearchResult, cairn_search_result, CAIRN, SEARCH_RESULT, GObject)

CairnObjectKind cairn_search_result_get_kind    (CairnSearchResult *self);
const char     *cairn_search_result_get_id      (CairnSearchResult *self);
const char     *cairn_search_result_get_title   (CairnSearchResult *self);
const char     *cairn_search_result_get_snippet (CairnSearchResult *self);

#define CAIRN_TYPE_SEARCH_MODEL (cairn_search_model_get_type ())
G_DECLARE_FINAL_TYPE (CairnSearchModel, cairn_search_model, CAIRN, SEARCH_MODEL, GObject)

/* What the person typed; the results follow at once (one ::items-changed
 * over the part of the list that differs). */
void        cairn_search_model_set_text (CairnSearchModel *self,
                                         const char       *text);
const char *cairn_search_model_get_text (CairnSearchModel *self);

G_END_DECLS

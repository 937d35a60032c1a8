/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-text-filter.h: a GtkFilter for the find bar (Ctrl+F): keeps the
 * CairnTodo whose title, and the CairnNote whose title or body, has a word
 * starting with each word typed, ignoring case and accents ("cafe" keeps
 * "Café au lait"). No text (or only spaces): every item. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CAIRN_TYPE_TEXT_FILTER (cairn_text_filter_get_type ())
G_DECLARE_FINAL_TYPE (CairnTextFilter, cairn_text_filter, CAIRN, TEXT_FILTER, GtkFilter)

GtkFilter  *cairn_text_filter_new      (void);
/* What was typed; the filter emits ::changed, with the strictness it can
 * tell (more words or longer ones: more strict). */
void        cairn_text_filter_set_text (CairnTextFilter *self,
                                        const char      *text);
const char *cairn_text_filter_get_text (CairnTextFilter *self);

/* @text folded the way the filter compares: lower case, accents gone,
 * every run of characters that are not letters or digits one space, with
 * one space before each word (" cafe au lait"). */
char       *cairn_text_filter_fold     (const char *text);

G_END_DECLS

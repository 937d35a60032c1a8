/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-history-section.h: the History of one todo or note (issue 15): an
 * expander row listing its changes, newest first, with who, on which
 * device and when; each confirmed change offers "Restore This Version"
 * behind a confirmation. The history is read when the row is opened (and
 * again after a change while open), never while it is closed. */
#pragma once

#include <adwaita.h>

#include "cairn-store.h"

G_BEGIN_DECLS

#define CAIRN_TYPE_HISTORY_SECTION (cairn_history_section_get_type ())
G_DECLARE_FINAL_TYPE (CairnHistorySection, cairn_history_section, CAIRN, HISTORY_SECTION, GtkWidget)

/* At most this many changes are shown, the newest. */
#define CAIRN_HISTORY_SECTION_MAX_ROWS 100

GtkWidget *cairn_history_section_new        (void);
/* The object shown (NULL: none; the row closes). */
void       cairn_history_section_set_object (CairnHistorySection *self,
                                             CairnStore          *store,
                                             const char          *object_id);
/* Opens the row (reading the history) and gives it the focus. */
void       cairn_history_section_open       (CairnHistorySection *self);
/* The rows shown (for tests): AdwActionRow*, newest first. */
GPtrArray *cairn_history_section_get_rows   (CairnHistorySection *self);
/* What a row's change says, in words ("Title: “a” → “b”"). */
char      *cairn_history_describe_change    (const char *event,
                                             GPtrArray  *changes);

G_END_DECLS

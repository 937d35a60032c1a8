/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-list.h: one todo list row, as the pool keeps it. Read-only
 * properties: "id", "title", "position"; change it through the store. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CAIRN_TYPE_LIST (cairn_list_get_type ())
G_DECLARE_FINAL_TYPE (CairnList, cairn_list, CAIRN, LIST, GObject)

const char *cairn_list_get_id       (CairnList *self);
const char *cairn_list_get_title    (CairnList *self);
const char *cairn_list_get_position (CairnList *self);

G_END_DECLS

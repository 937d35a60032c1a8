/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-tag.h: one tag of the workspace, as the pool keeps it. Read-only
 * properties: "id", "name", "color" (a palette name, cairn_tag_colors);
 * change it through the store. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CAIRN_TYPE_TAG (cairn_tag_get_type ())
G_DECLARE_FINAL_TYPE (CairnTag, cairn_tag, CAIRN, TAG, GObject)

const char *cairn_tag_get_id    (CairnTag *self);
const char *cairn_tag_get_name  (CairnTag *self);
const char *cairn_tag_get_color (CairnTag *self);

G_END_DECLS

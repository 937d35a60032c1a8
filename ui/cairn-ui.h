/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-ui.h: the widgets of the Cairn app, built as one static library.
 *
 * Call cairn_ui_init() once after gtk_init() (or from GApplication::startup):
 * it registers the bundled resources (templates, CSS, shortcuts window).
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

void cairn_ui_init (void);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-ui.h: the widgets of the Cairn app, built as one static library.
 *
 * Call cairn_ui_init() after gtk_init() (or from GApplication::startup),
 * before the first window: it registers the bundled resources (templates,
 * CSS, shortcuts window) and, unless GSK_RENDERER is set, has GTK draw with
 * cairo when OpenGL only renders in software (see cairn-ui.c). Called before
 * GTK has opened the display it only registers the resources: call it again
 * once the display is open. Further calls do nothing.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

void     cairn_ui_init           (void);

/* Whether an OpenGL renderer string (GL_RENDERER) names a software
 * rasteriser. */
gboolean cairn_ui_is_software_gl (const char *renderer);

/* A title as a person typed or pasted it, made one the store accepts:
 * every control character (a pasted tab or line break) becomes a space,
 * white space at both ends goes, and what is past CAIRN_TITLE_MAX_CHARS
 * is cut. Empty when nothing is left: the caller keeps what it had. */
char    *cairn_ui_clean_title    (const char *text);
/* Limits an entry for titles to CAIRN_TITLE_MAX_CHARS. */
void     cairn_ui_limit_title_entry (GtkEntry *entry);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-background.h: starting `cairn --background` at login, so that
 * reminders ring when no window was opened: through the Background portal
 * in a Flatpak sandbox, else an XDG autostart entry. No GTK. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Whether this process runs in a Flatpak sandbox (/.flatpak-info exists). */
gboolean  cairn_background_is_sandboxed       (void);
/* $XDG_CONFIG_HOME/autostart/org.cairn.Cairn.desktop */
char     *cairn_background_dup_autostart_path (void);
/* Starts Cairn at login (wanted) or no longer. Sandboxed: asks the
 * Background portal (RequestBackground, autostart and the command line
 * ["cairn", "--background"]), answered later and only logged. Otherwise
 * writes or removes the autostart entry; FALSE with error when the file
 * cannot be written or removed. */
gboolean  cairn_background_set_autostart      (gboolean   wanted,
                                               GError   **error);

G_END_DECLS

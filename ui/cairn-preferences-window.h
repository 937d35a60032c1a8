/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-preferences-window.h: the Preferences window (color scheme, show
 * completed tasks), bound to the org.cairn.Cairn settings it is given. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CAIRN_TYPE_PREFERENCES_WINDOW (cairn_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (CairnPreferencesWindow, cairn_preferences_window, CAIRN, PREFERENCES_WINDOW, AdwPreferencesWindow)

CairnPreferencesWindow *cairn_preferences_window_new (GtkWindow *parent,
                                                      GSettings *settings);

G_END_DECLS

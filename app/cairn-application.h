/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-application.h: the single-instance application org.cairn.Cairn:
 * app-wide actions (quit, preferences, about; the reminders' in
 * cairn-reminders.h), accelerators, color scheme, `--background`. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CAIRN_TYPE_APPLICATION (cairn_application_get_type ())
G_DECLARE_FINAL_TYPE (CairnApplication, cairn_application, CAIRN, APPLICATION, AdwApplication)

CairnApplication *cairn_application_new (void);

G_END_DECLS

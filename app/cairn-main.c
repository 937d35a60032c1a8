/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-main.c: entry point of the `cairn` app. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "cairn-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CairnApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Cairn"));

  app = cairn_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}

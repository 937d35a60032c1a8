/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-ui.c: one-time set-up of the UI library (resources, types). */
#include "config.h"

#include "cairn-ui.h"
#include "cairn-resources.h"

void
cairn_ui_init (void)
{
  static gsize initialized = 0;

  /* The resource is registered by hand: in a static library nothing would
   * pull in the object file that holds an automatic constructor. */
  if (g_once_init_enter (&initialized))
    {
      cairn_register_resource ();
      g_once_init_leave (&initialized, 1);
    }
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-data.c: placeholder until the store lands. */
#include "config.h"

const char *cairn_data_version (void);

const char *
cairn_data_version (void)
{
  return PACKAGE_VERSION;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fault-init.c: puts the fault VFS under cairn-server-fault and
 * cairn-cli-fault, builds of cairn-server and cairn-cli for tests only
 * (never installed).
 *
 * CAIRN_FAULT_FULL_FLAG=PATH: while a file exists at PATH, every write of
 * the database fails with SQLITE_FULL, as on a full disk. */
#include "config.h"

#include <sqlite3.h>

#include "cairn-fault-vfs.h"

static void install_fault_vfs (void) __attribute__ ((constructor));

static void
install_fault_vfs (void)
{
  cairn_fault_vfs_install ();
  cairn_fault_vfs_fill_disk_while (g_getenv ("CAIRN_FAULT_FULL_FLAG"), SQLITE_FULL);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-fault-vfs.h: an SQLite VFS for tests that loses power and fills up.
 *
 * It wraps the default "unix" VFS and becomes SQLite's default, so every
 * connection a test opens (the store's, its checkpoint thread's, the server
 * core's) goes through it without an option in the code under test.
 *
 * Power loss. For each file it remembers, block by block (4 KiB), what the
 * file held at its last xSync. cairn_fault_vfs_power_cut() is the moment
 * the power goes: from then on xSync does nothing (nothing more reaches
 * the disk) while writes still go to the files, so that the code under
 * test can run on and close its connections without errors.
 * cairn_fault_vfs_reboot() then puts back every file as the disk would
 * hold it: the synced contents, plus (with a seed) a random subset of the
 * blocks written before the cut, and removes the -shm files (shared memory
 * does not survive). A cut can also be armed to happen at the n-th xSync,
 * before that sync takes effect.
 *
 * A full disk. cairn_fault_vfs_fill_disk() makes the n-th write from now,
 * and every write after it, fail with the given code (SQLITE_FULL or an
 * I/O error) until cairn_fault_vfs_free_space().
 *
 * Single-threaded use only, but for the store's checkpoint thread, which
 * the counters and maps tolerate through one lock.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Registers the VFS as SQLite's default (idempotent). */
void     cairn_fault_vfs_install          (void);
/* Forgets every file's history: what is on disk now counts as synced,
 * the power is on, the disk has space, the counters are zero. */
void     cairn_fault_vfs_reset            (void);

/* xSync calls that took effect, and xWrite calls, since the reset. */
guint    cairn_fault_vfs_get_sync_count   (void);
guint    cairn_fault_vfs_get_write_count  (void);

/* Cuts the power now. */
void     cairn_fault_vfs_power_cut        (void);
/* Cuts the power at the n-th xSync from the reset (1-based), instead of
 * letting it happen; 0 disarms. */
void     cairn_fault_vfs_cut_at_sync      (guint n);
/* Cuts the power just before the n-th xWrite from the reset (1-based),
 * so that write and every later one are lost; 0 disarms. */
void     cairn_fault_vfs_cut_at_write     (guint n);
/* Whether the power is out. */
gboolean cairn_fault_vfs_is_dead          (void);
/* Puts every file back as the disk holds it after the cut: seed 0 keeps
 * only what was synced; another seed keeps in addition a random subset
 * (chosen from the seed) of the blocks written since the last sync. Then
 * removes the -shm files and resets. Call it only once every connection is
 * closed. Returns how many unsynced blocks were lost. */
guint    cairn_fault_vfs_reboot           (guint32 seed);

/* The n-th xWrite from now (1-based) and every later one fail with rc
 * (SQLITE_FULL, SQLITE_IOERR_WRITE …) until free_space(). */
void     cairn_fault_vfs_fill_disk        (guint    n,
                                           int      rc);
void     cairn_fault_vfs_free_space       (void);
/* Every xWrite fails with rc while a file exists at flag_path (NULL: off):
 * how a test fills the disk of a server running in another process. */
void     cairn_fault_vfs_fill_disk_while  (const char *flag_path,
                                           int         rc);
/* Writes refused since fill_disk(). */
guint    cairn_fault_vfs_get_refused      (void);

G_END_DECLS

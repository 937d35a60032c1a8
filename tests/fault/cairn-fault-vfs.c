/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-fault-vfs.c: an SQLite VFS that loses power and fills up (tests). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "cairn-fault-vfs.h"

/* What a power loss keeps or drops at once. 4 KiB is SQLite's default page
 * size and a common sector of today's disks; a WAL frame (24 bytes of
 * header + a page) then straddles two blocks, so a frame can be torn. */
#define BLOCK 4096

typedef struct
{
  guint8   *synced;           /* the block at the last sync (BLOCK bytes) */
  guint8   *at_cut;           /* the block at the cut, if written after it */
  gboolean  dirty_at_cut;     /* written between the last sync and the cut */
} Block;

/* One file on the "disk", by path: outlives the handles open on it. */
typedef struct
{
  char        *path;
  char        *hidden;         /* deleted after the cut: where it waits */
  gboolean     exists;
  gboolean     born_dead;      /* created after the cut */
  sqlite3_int64 synced_size;   /* size at the last sync */
  sqlite3_int64 size_at_cut;
  GHashTable  *blocks;         /* block index -> Block*: written since the sync */
} Inode;

typedef struct
{
  sqlite3_file  base;
  Inode        *inode;         /* NULL: not tracked (temporary files) */
  sqlite3_file  real[];        /* the unix VFS's file, szOsFile bytes */
} FaultFile;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;
static GMutex lock;
static GHashTable *inodes;     /* path -> Inode* */
static GPtrArray *graveyard;   /* Inode* deleted after the cut */
static guint sync_count, write_count, cut_at_sync, cut_at_write;
static gboolean dead;
static guint fill_at, fill_seen, refused;
static int fill_rc;
static char *fill_flag;

static void
block_free (gpointer data)
{
  Block *b = data;

  g_free (b->synced);
  g_free (b->at_cut);
  g_free (b);
}

static void
inode_free (gpointer data)
{
  Inode *inode = data;

  g_hash_table_unref (inode->blocks);
  g_free (inode->hidden);
  g_free (inode->path);
  g_free (inode);
}

static Inode *
inode_get (const char *path)
{
  Inode *inode = g_hash_table_lookup (inodes, path);

  if (inode == NULL)
    {
      inode = g_new0 (Inode, 1);
      inode->path = g_strdup (path);
      inode->blocks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, block_free);
      g_hash_table_insert (inodes, inode->path, inode);
    }
  return inode;
}

/* Reads a whole block through the real file, zeros past its end. */
static void
read_block (sqlite3_file *real,
            sqlite3_int64 index,
            guint8       *buf)
{
  int rc = real->pMethods->xRead (real, buf, BLOCK, index * BLOCK);

  if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
    memset (buf, 0, BLOCK);
}

/* Before [offset, offset + len) of the file changes: keeps what each block
 * held at the last sync and, after a cut, at the cut. */
static void
save_blocks (FaultFile    *f,
             sqlite3_int64 offset,
             sqlite3_int64 len)
{
  Inode *inode = f->inode;
  sqlite3_int64 first = offset / BLOCK, last = (offset + len - 1) / BLOCK;

  if (inode == NULL || len <= 0)
    return;
  for (sqlite3_int64 i = first; i <= last; i++)
    {
      Block *b = g_hash_table_lookup (inode->blocks, &i);

      if (b == NULL)
        {
          b = g_new0 (Block, 1);
          b->synced = g_malloc (BLOCK);
          read_block (f->real, i, b->synced);
          g_hash_table_insert (inode->blocks, g_memdup2 (&i, sizeof i), b);
        }
      else if (dead && b->dirty_at_cut && b->at_cut == NULL)
        {
          b->at_cut = g_malloc (BLOCK);
          read_block (f->real, i, b->at_cut);
        }
    }
}

static void
cut_locked (void)
{
  GHashTableIter iter;
  Inode *inode;

  if (dead)
    return;
  dead = TRUE;
  g_hash_table_iter_init (&iter, inodes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &inode))
    {
      GHashTableIter biter;
      Block *b;
      GStatBuf st;

      inode->size_at_cut = g_stat (inode->path, &st) == 0 ? st.st_size : 0;
      g_hash_table_iter_init (&biter, inode->blocks);
      while (g_hash_table_iter_next (&biter, NULL, (gpointer *) &b))
        b->dirty_at_cut = TRUE;
    }
}

/* ---- file methods ------------------------------------------------------- */

static int
fault_close (sqlite3_file *file)
{
  FaultFile *f = (FaultFile *) file;

  return f->real->pMethods->xClose (f->real);
}

static int
fault_read (sqlite3_file *file,
            void         *buf,
            int           amt,
            sqlite3_int64 offset)
{
  FaultFile *f = (FaultFile *) file;

  return f->real->pMethods->xRead (f->real, buf, amt, offset);
}

static int
fault_write (sqlite3_file *file,
             const void   *buf,
             int           amt,
             sqlite3_int64 offset)
{
  FaultFile *f = (FaultFile *) file;
  int rc;

  g_mutex_lock (&lock);
  write_count++;
  if (cut_at_write > 0 && write_count == cut_at_write)
    cut_locked ();
  if ((fill_at > 0 && ++fill_seen >= fill_at) ||
      (fill_flag != NULL && g_file_test (fill_flag, G_FILE_TEST_EXISTS)))
    {
      refused++;
      g_mutex_unlock (&lock);
      return fill_rc;
    }
  save_blocks (f, offset, amt);
  rc = f->real->pMethods->xWrite (f->real, buf, amt, offset);
  g_mutex_unlock (&lock);
  return rc;
}

static int
fault_truncate (sqlite3_file *file,
                sqlite3_int64 size)
{
  FaultFile *f = (FaultFile *) file;
  sqlite3_int64 current = 0;
  int rc;

  g_mutex_lock (&lock);
  if (f->real->pMethods->xFileSize (f->real, &current) == SQLITE_OK && current > size)
    save_blocks (f, size, current - size);
  rc = f->real->pMethods->xTruncate (f->real, size);
  g_mutex_unlock (&lock);
  return rc;
}

/* The real fsync is skipped: durability is what this file keeps track of,
 * and the tests run thousands of syncs on a shared machine. */
static int
fault_sync (sqlite3_file *file,
            int           flags)
{
  FaultFile *f = (FaultFile *) file;
  sqlite3_int64 size = 0;

  g_mutex_lock (&lock);
  if (!dead)
    {
      sync_count++;
      if (cut_at_sync > 0 && sync_count == cut_at_sync)
        {
          sync_count--;
          cut_locked ();
        }
    }
  if (!dead && f->inode != NULL)
    {
      if (f->real->pMethods->xFileSize (f->real, &size) == SQLITE_OK)
        f->inode->synced_size = size;
      g_hash_table_remove_all (f->inode->blocks);
    }
  g_mutex_unlock (&lock);
  return SQLITE_OK;
}

static int
fault_file_size (sqlite3_file  *file,
                 sqlite3_int64 *size)
{
  FaultFile *f = (FaultFile *) file;

  return f->real->pMethods->xFileSize (f->real, size);
}

static int
fault_lock (sqlite3_file *file,
            int           level)
{
  FaultFile *f = (FaultFile *) file;

  return f->real->pMethods->xLock (f->real, level);
}

static int
fault_unlock (sqlite3_file *file,
              int           level)
{
  FaultFile *f = (FaultFile *) file;

  return f->real->pMethods->xUnlock (f->real, level);
}

static int
fault_check_reserved_lock (sqlite3_file *file,
                           int          *out)
{
  FaultFile *f = (FaultFile *) file;

  return f->real->pMethods->xCheckReservedLock (f->real, out);
}

static int
fault_file_control (sqlite3_file *file,
                    int           op,
                    void         *arg)
{
  FaultFile *f = (FaultFile *) file;

  return f->real->pMethods->xFileControl (f->real, op, arg);
}

static int
fault_sector_size (sqlite3_file *file)
{
  FaultFile *f = (FaultFile *) file;

  return f->real->pMethods->xSectorSize (f->real);
}

static int
fault_device_characteristics (sqlite3_file *file)
{
  FaultFile *f = (FaultFile *) file;

  return f->real->pMethods->xDeviceCharacteristics (f->real);
}

static int
fault_shm_map (sqlite3_file  *file,
               int            page,
               int            page_size,
               int            extend,
               void volatile **out)
{
  FaultFile *f = (FaultFile *) file;

  return f->real->pMethods->xShmMap (f->real, page, page_size, extend, out);
}

static int
fault_shm_lock (sqlite3_file *file,
                int           offset,
                int           n,
                int           flags)
{
  FaultFile *f = (FaultFile *) file;

  return f->real->pMethods->xShmLock (f->real, offset, n, flags);
}

static void
fault_shm_barrier (sqlite3_file *file)
{
  FaultFile *f = (FaultFile *) file;

  f->real->pMethods->xShmBarrier (f->real);
}

static int
fault_shm_unmap (sqlite3_file *file,
                 int           delete_flag)
{
  FaultFile *f = (FaultFile *) file;

  return f->real->pMethods->xShmUnmap (f->real, delete_flag);
}

/* Version 2: shared memory, no memory-mapped I/O (every write is seen). */
static const sqlite3_io_methods fault_io_methods = {
  .iVersion = 2,
  .xClose = fault_close,
  .xRead = fault_read,
  .xWrite = fault_write,
  .xTruncate = fault_truncate,
  .xSync = fault_sync,
  .xFileSize = fault_file_size,
  .xLock = fault_lock,
  .xUnlock = fault_unlock,
  .xCheckReservedLock = fault_check_reserved_lock,
  .xFileControl = fault_file_control,
  .xSectorSize = fault_sector_size,
  .xDeviceCharacteristics = fault_device_characteristics,
  .xShmMap = fault_shm_map,
  .xShmLock = fault_shm_lock,
  .xShmBarrier = fault_shm_barrier,
  .xShmUnmap = fault_shm_unmap,
};

/* ---- VFS methods -------------------------------------------------------- */

static int
fault_open (sqlite3_vfs  *vfs,
            const char   *name,
            sqlite3_file *file,
            int           flags,
            int          *out_flags)
{
  FaultFile *f = (FaultFile *) file;
  gboolean durable = name != NULL && (flags & SQLITE_OPEN_DELETEONCLOSE) == 0 &&
                     (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL)) != 0;
  gboolean existed = name != NULL && access (name, F_OK) == 0;
  int rc;

  memset (f, 0, sizeof *f);
  rc = real_vfs->xOpen (real_vfs, name, f->real, flags, out_flags);
  if (f->real->pMethods == NULL)
    return rc;
  f->base.pMethods = &fault_io_methods;
  if (rc == SQLITE_OK && durable)
    {
      g_mutex_lock (&lock);
      f->inode = inode_get (name);
      if (!f->inode->exists)
        {
          sqlite3_int64 size = 0;

          /* A file created now holds nothing durable yet; one found on disk
           * holds what it holds. */
          if (existed)
            f->real->pMethods->xFileSize (f->real, &size);
          f->inode->synced_size = size;
          f->inode->exists = TRUE;
          f->inode->born_dead = dead;
        }
      g_mutex_unlock (&lock);
    }
  return rc;
}

static int
fault_delete (sqlite3_vfs *vfs,
              const char  *name,
              int          sync_dir)
{
  Inode *inode;

  g_mutex_lock (&lock);
  if (dead)
    {
      /* The unlink never reaches the disk, but the process that goes on
       * running must see it (a journal left in place would be taken for
       * a hot one and roll its commit back): the file waits under another
       * name until the reboot puts it back. */
      static guint serial;
      GStatBuf st;

      if ((inode = g_hash_table_lookup (inodes, name)) == NULL)
        {
          inode = inode_get (name);
          inode->exists = g_stat (name, &st) == 0;
          inode->synced_size = inode->exists ? st.st_size : 0;
        }
      g_hash_table_steal (inodes, inode->path);
      g_ptr_array_add (graveyard, inode);
      if (inode->exists && !inode->born_dead)
        {
          inode->hidden = g_strdup_printf ("%s.fault-cut-%u", name, ++serial);
          if (g_rename (name, inode->hidden) != 0)
            g_error ("Cannot move %s aside: %s", name, g_strerror (errno));
          g_mutex_unlock (&lock);
          return SQLITE_OK;
        }
      inode->exists = FALSE;
      g_mutex_unlock (&lock);
      return real_vfs->xDelete (real_vfs, name, sync_dir);
    }
  if ((inode = g_hash_table_lookup (inodes, name)) != NULL)
    {
      g_hash_table_remove_all (inode->blocks);
      inode->exists = FALSE;
      inode->synced_size = 0;
    }
  g_mutex_unlock (&lock);
  return real_vfs->xDelete (real_vfs, name, sync_dir);
}

static int
fault_access (sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
  return real_vfs->xAccess (real_vfs, name, flags, out);
}

static int
fault_full_pathname (sqlite3_vfs *vfs, const char *name, int n, char *out)
{
  return real_vfs->xFullPathname (real_vfs, name, n, out);
}

static void *
fault_dl_open (sqlite3_vfs *vfs, const char *name)
{
  return real_vfs->xDlOpen (real_vfs, name);
}

static void
fault_dl_error (sqlite3_vfs *vfs, int n, char *out)
{
  real_vfs->xDlError (real_vfs, n, out);
}

static void (*
fault_dl_sym (sqlite3_vfs *vfs, void *handle, const char *symbol)) (void)
{
  return real_vfs->xDlSym (real_vfs, handle, symbol);
}

static void
fault_dl_close (sqlite3_vfs *vfs, void *handle)
{
  real_vfs->xDlClose (real_vfs, handle);
}

static int
fault_randomness (sqlite3_vfs *vfs, int n, char *out)
{
  return real_vfs->xRandomness (real_vfs, n, out);
}

static int
fault_sleep (sqlite3_vfs *vfs, int us)
{
  return real_vfs->xSleep (real_vfs, us);
}

static int
fault_current_time (sqlite3_vfs *vfs, double *out)
{
  return real_vfs->xCurrentTime (real_vfs, out);
}

static int
fault_get_last_error (sqlite3_vfs *vfs, int n, char *out)
{
  return real_vfs->xGetLastError (real_vfs, n, out);
}

static int
fault_current_time_int64 (sqlite3_vfs *vfs, sqlite3_int64 *out)
{
  return real_vfs->xCurrentTimeInt64 (real_vfs, out);
}

/* ---- control ------------------------------------------------------------ */

void
cairn_fault_vfs_install (void)
{
  if (real_vfs != NULL)
    return;
  real_vfs = sqlite3_vfs_find ("unix");
  g_assert (real_vfs != NULL);
  inodes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, inode_free);
  graveyard = g_ptr_array_new_with_free_func (inode_free);

  fault_vfs = (sqlite3_vfs) {
    .iVersion = 2,
    .szOsFile = (int) (sizeof (FaultFile) + real_vfs->szOsFile),
    .mxPathname = real_vfs->mxPathname,
    .zName = "cairn-fault",
    .xOpen = fault_open,
    .xDelete = fault_delete,
    .xAccess = fault_access,
    .xFullPathname = fault_full_pathname,
    .xDlOpen = fault_dl_open,
    .xDlError = fault_dl_error,
    .xDlSym = fault_dl_sym,
    .xDlClose = fault_dl_close,
    .xRandomness = fault_randomness,
    .xSleep = fault_sleep,
    .xCurrentTime = fault_current_time,
    .xGetLastError = fault_get_last_error,
    .xCurrentTimeInt64 = fault_current_time_int64,
  };
  g_assert_cmpint (sqlite3_vfs_register (&fault_vfs, 1), ==, SQLITE_OK);
}

void
cairn_fault_vfs_reset (void)
{
  GHashTableIter iter;
  Inode *inode;

  g_mutex_lock (&lock);
  /* Every known file's present contents are the synced ones from now on. */
  g_hash_table_iter_init (&iter, inodes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &inode))
    {
      GStatBuf st;

      g_hash_table_remove_all (inode->blocks);
      inode->exists = g_stat (inode->path, &st) == 0;
      inode->synced_size = inode->exists ? st.st_size : 0;
    }
  sync_count = write_count = cut_at_sync = cut_at_write = 0;
  dead = FALSE;
  fill_at = fill_seen = refused = 0;
  g_mutex_unlock (&lock);
}

guint
cairn_fault_vfs_get_sync_count (void)
{
  guint n;

  g_mutex_lock (&lock);
  n = sync_count;
  g_mutex_unlock (&lock);
  return n;
}

guint
cairn_fault_vfs_get_write_count (void)
{
  guint n;

  g_mutex_lock (&lock);
  n = write_count;
  g_mutex_unlock (&lock);
  return n;
}

void
cairn_fault_vfs_power_cut (void)
{
  g_mutex_lock (&lock);
  cut_locked ();
  g_mutex_unlock (&lock);
}

void
cairn_fault_vfs_cut_at_sync (guint n)
{
  g_mutex_lock (&lock);
  cut_at_sync = n;
  g_mutex_unlock (&lock);
}

void
cairn_fault_vfs_cut_at_write (guint n)
{
  g_mutex_lock (&lock);
  cut_at_write = n;
  g_mutex_unlock (&lock);
}

gboolean
cairn_fault_vfs_is_dead (void)
{
  gboolean d;

  g_mutex_lock (&lock);
  d = dead;
  g_mutex_unlock (&lock);
  return d;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = **(gint64 * const *) a, y = **(gint64 * const *) b;

  return x < y ? -1 : x > y;
}

/* Puts one file back; returns the number of unsynced blocks lost. */
static guint
restore_inode (Inode      *inode,
               const char *location,
               GRand      *rand)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;
  sqlite3_int64 final = inode->synced_size;
  guint lost = 0;
  int fd;

  fd = g_open (location, O_RDWR, 0);
  g_assert_cmpint (fd, >=, 0);

  g_hash_table_iter_init (&iter, inode->blocks);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, compare_int64);

  for (guint i = 0; i < keys->len; i++)
    {
      gint64 index = *(gint64 *) keys->pdata[i];
      Block *b = g_hash_table_lookup (inode->blocks, &index);
      sqlite3_int64 start = index * BLOCK;
      guint8 buf[BLOCK];

      if (b->dirty_at_cut && rand != NULL && g_rand_boolean (rand))
        {
          /* This block reached the disk before the power went. */
          sqlite3_int64 end = MIN (inode->size_at_cut, start + BLOCK);

          if (b->at_cut != NULL)
            memcpy (buf, b->at_cut, BLOCK);
          else if (pread (fd, buf, BLOCK, start) < 0)
            g_error ("Cannot read %s: %s", inode->path, g_strerror (errno));
          if (end > start)
            {
              g_assert_cmpint (pwrite (fd, buf, end - start, start), ==, end - start);
              final = MAX (final, end);
            }
          continue;
        }
      if (b->dirty_at_cut)
        lost++;
      memcpy (buf, b->synced, BLOCK);
      if (inode->synced_size < start + BLOCK)
        memset (buf + MAX (0, inode->synced_size - start), 0,
                BLOCK - MAX (0, inode->synced_size - start));
      g_assert_cmpint (pwrite (fd, buf, BLOCK, start), ==, BLOCK);
    }
  g_assert_cmpint (ftruncate (fd, final), ==, 0);
  close (fd);
  return lost;
}

static int
compare_str (gconstpointer a,
             gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

guint
cairn_fault_vfs_reboot (guint32 seed)
{
  g_autoptr(GRand) rand = seed != 0 ? g_rand_new_with_seed (seed) : NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;
  guint lost = 0;

  g_mutex_lock (&lock);
  cut_locked ();
  g_hash_table_iter_init (&iter, inodes);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (paths, key);
  g_ptr_array_sort (paths, compare_str);

  for (guint i = 0; i < paths->len; i++)
    {
      Inode *inode = g_hash_table_lookup (inodes, paths->pdata[i]);
      g_autofree char *shm = g_strconcat (inode->path, "-shm", NULL);

      if (inode->born_dead)
        g_unlink (inode->path);
      else if (inode->exists)
        lost += restore_inode (inode, inode->path, rand);
      /* Shared memory is memory: after a power loss it is gone. */
      g_unlink (shm);
    }
  for (guint i = 0; i < graveyard->len; i++)
    {
      Inode *inode = graveyard->pdata[i];
      g_autofree char *shm = g_strconcat (inode->path, "-shm", NULL);

      if (inode->hidden == NULL)
        continue;
      lost += restore_inode (inode, inode->hidden, rand);
      if (g_rename (inode->hidden, inode->path) != 0)
        g_error ("Cannot put %s back: %s", inode->path, g_strerror (errno));
      g_unlink (shm);
    }
  g_hash_table_remove_all (inodes);
  g_ptr_array_set_size (graveyard, 0);
  g_mutex_unlock (&lock);

  cairn_fault_vfs_reset ();
  return lost;
}

void
cairn_fault_vfs_fill_disk (guint n,
                           int   rc)
{
  g_return_if_fail (n > 0);

  g_mutex_lock (&lock);
  fill_at = n;
  fill_seen = 0;
  fill_rc = rc;
  refused = 0;
  g_mutex_unlock (&lock);
}

void
cairn_fault_vfs_free_space (void)
{
  g_mutex_lock (&lock);
  fill_at = fill_seen = 0;
  g_mutex_unlock (&lock);
}

void
cairn_fault_vfs_fill_disk_while (const char *flag_path,
                                 int         rc)
{
  g_mutex_lock (&lock);
  g_free (fill_flag);
  fill_flag = g_strdup (flag_path);
  fill_rc = rc;
  g_mutex_unlock (&lock);
}

guint
cairn_fault_vfs_get_refused (void)
{
  guint n;

  g_mutex_lock (&lock);
  n = refused;
  g_mutex_unlock (&lock);
  return n;
}

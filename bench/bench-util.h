/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-util.h: what the bench programs measure with, written once. */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* The calling thread's CPU time (user and system), in µs and in ms: on a
 * loaded machine the wall clock counts the other programs' time too. */
gint64     bench_thread_cpu_us       (void);
double     bench_thread_cpu_ms       (void);
/* The whole process's CPU time, every thread, in seconds. */
double     bench_process_cpu_seconds (void);
/* Another process's CPU time in seconds, from /proc/PID/stat; -1 when it
 * cannot be read. */
double     bench_pid_cpu_seconds     (const char *pid);
/* A field of /proc/self/status given in kB (VmRSS, VmHWM, …), in MB; -1
 * when it is missing. */
double     bench_status_mb           (const char *field);
/* Orders for g_array_sort() of doubles and of gint64s. */
int        bench_cmp_double          (gconstpointer a,
                                      gconstpointer b);
int        bench_cmp_gint64          (gconstpointer a,
                                      gconstpointer b);
/* Stops the program when a SQLite call failed (rc neither OK nor DONE). */
void       bench_check_sqlite        (sqlite3      *db,
                                      int           rc,
                                      const char   *what);
/* The app's settings, from the schema of the build folder and in memory
 * (nothing of the user's is read or written), set to open on
 * @last_selected (a list id or a page name). */
GSettings *bench_app_settings        (const char   *last_selected);

G_END_DECLS

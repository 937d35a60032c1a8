/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-common.h: what every libFuzzer target of tests/fuzz shares.
 *
 * Each target defines LLVMFuzzerTestOneInput() and calls cairn_fuzz_init()
 * from LLVMFuzzerInitialize(). A target reports a finding by aborting
 * (g_assert, g_error, a critical): libFuzzer then keeps the input. See
 * docs/fuzzing.md.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int LLVMFuzzerInitialize   (int            *argc,
                            char         ***argv);
int LLVMFuzzerTestOneInput (const guint8   *data,
                            size_t          size);

/* Criticals (a g_return_if_fail that failed: our own code misused an API on
 * some input) abort like assertions; warnings and messages, which hostile
 * input is expected to cause, are not printed. */
void     cairn_fuzz_init        (void);

/* A folder of the fuzzer's own, removed with everything in it when the
 * process exits (not after a crash, which leaves it to look at). */
char    *cairn_fuzz_make_work_dir (const char *name);
/* Removes path and everything below it (symbolic links not followed). */
void     cairn_fuzz_remove_tree   (const char *path);

/* Deepest nesting of arrays and objects in JSON text (outside strings). */
guint    cairn_fuzz_json_depth  (const char *data,
                                 gsize       len);

/* json-glib 1.6 parses nesting recursively (about 80,000 '[' overflow the
 * stack). Cairn guards every text before json-glib sees it
 * (base/cairn-json-guard.c, at most 64 levels); a harness that hands the
 * text to json-glib itself, to compare with it, must skip deeper text. */
#define CAIRN_FUZZ_MAX_DEPTH 64
gboolean cairn_fuzz_too_deep          (const char *data,
                                       gsize       len);

/* CAIRN_FUZZ_REPORT_KNOWN=1: also check what is known and left open
 * (docs/fuzzing.md); TRUE when set. */
gboolean cairn_fuzz_report_known      (void);

G_END_DECLS

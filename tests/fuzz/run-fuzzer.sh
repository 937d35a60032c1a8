#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one libFuzzer target for a bounded time (meson test --suite fuzz):
# first every seed of tests/fuzz/corpus/NAME (so each input that once
# crashed is tried again), then new inputs for $CAIRN_FUZZ_SECONDS (20 by
# default). What it learns goes to WORK/corpus, crashes to WORK/artifacts;
# the seed folder in the source tree is only read. Any finding exits 1 (not
# libFuzzer's 77, which meson would count as a skip).
#
# Leaks are looked for in a second pass over everything kept, with full
# stack traces: while fuzzing, GLib's one-time allocations (types, quarks)
# reached through GLib's own frames (no frame pointers) lose their stacks
# under ASan's fast unwinder, so build-aux/lsan.supp cannot match them and
# they come out as leaks of whatever input first got there, or all together
# at exit (docs/fuzzing.md).
# usage: run-fuzzer.sh FUZZER SEED-DIR WORK-DIR [LIBFUZZER-OPTION…]
set -eu
fuzzer=$1
seeds=$2
work=$3
shift 3
mkdir -p "$work/corpus" "$work/artifacts"
ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
  "$fuzzer" -max_total_time="${CAIRN_FUZZ_SECONDS:-20}" -timeout=10 \
  -error_exitcode=1 -timeout_exitcode=1 -detect_leaks=0 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  "$@" "$work/corpus" "$seeds"
echo "run-fuzzer.sh: looking for leaks in every input kept" >&2
ASAN_OPTIONS="${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0" \
  "$fuzzer" -runs=0 -timeout=10 -error_exitcode=1 -timeout_exitcode=1 -detect_leaks=1 \
  -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" \
  "$@" "$work/corpus" "$seeds"

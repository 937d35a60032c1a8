#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One command from a fresh Debian 12 machine to every test run: installs what
# is missing, builds into ./build, runs the whole suite (UI tests under Xvfb),
# then builds again with AddressSanitizer and UndefinedBehaviorSanitizer into
# ./build-asan and runs every test that needs no display there, and last
# builds the libFuzzer targets with clang into ./build-fuzz and runs each for
# $CAIRN_FUZZ_SECONDS (20 s; docs/fuzzing.md). CAIRN_SKIP_ASAN=1 and
# CAIRN_SKIP_FUZZ=1 leave those builds out.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

build-aux/install-deps.sh --tests

if [ ! -f build/build.ninja ]; then
  meson setup build
fi
meson compile -C build

# Our own Xvfb on a display number it picks itself (-displayfd), so that
# two runs on one machine never race for the same display as `xvfb-run -a`
# can; -noreset, so that a client connecting just as the last one left
# does not meet a server in the middle of its reset.
displayfile=$(mktemp)
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp -noreset 3>"$displayfile" 2>/dev/null &
xvfb_pid=$!
trap 'kill $xvfb_pid 2>/dev/null; rm -f "$displayfile"' EXIT
for _ in $(seq 100); do
  [ -s "$displayfile" ] && break
  sleep 0.1
done
if [ ! -s "$displayfile" ]; then
  echo "Xvfb did not start" >&2
  exit 1
fi
export DISPLAY=":$(head -n 1 "$displayfile")"

status=0
dbus-run-session -- \
  meson test -C build --print-errorlogs --num-processes 2 "$@" || status=1

if [ -z "${CAIRN_SKIP_ASAN:-}" ]; then
  if [ ! -f build-asan/build.ninja ]; then
    meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
      -Dbuildtype=debug -Dui_tests=false
  fi
  meson compile -C build-asan
  # intercept_tls_get_addr=0: up to GCC 13 and LLVM 16 the runtime takes a
  # thread's dynamic TLS block that happens to start 16 bytes into a page for
  # a glibc 2.19 block with a header, reads a length from before it, and
  # LeakSanitizer's scan at exit then crashes ("Tracer caught signal 11"),
  # now and then, with no leak. glibc allocates those blocks with malloc, so
  # the scan still reaches them through the thread's own pointers.
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:intercept_tls_get_addr=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  export LSAN_OPTIONS="suppressions=$root/build-aux/lsan.supp:print_suppressions=0"
  meson test -C build-asan --print-errorlogs --num-processes 2 \
    --no-suite ui --no-suite desktop --no-suite slow "$@" || status=1
fi

if [ -z "${CAIRN_SKIP_FUZZ:-}" ]; then
  if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
      -Db_lundef=false -Dbuildtype=debugoptimized -Dui_tests=false
  fi
  # Only the fuzz targets and what they link, not a third copy of everything.
  meson compile -C build-fuzz fuzz-targets
  # One target at a time: each is given the whole time budget.
  meson test -C build-fuzz --suite fuzz --no-rebuild --num-processes 1 --print-errorlogs || status=1
fi

python3 build-aux/summarize-tests.py build/meson-logs/testlog.json \
  $( [ -z "${CAIRN_SKIP_ASAN:-}" ] && echo build-asan/meson-logs/testlog.json ) \
  $( [ -z "${CAIRN_SKIP_FUZZ:-}" ] && echo build-fuzz/meson-logs/testlog.json ) || status=1
exit $status

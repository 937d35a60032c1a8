#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Decode only: Cairn's cairn_text_decode_state() of a trace's full state
# against Loro's snapshot import (bench/peers, import then toString), best
# of 50 each, one right after the other, and prints a table.
#
# Usage: bench/compare-text-decode.sh [TRACE.json.gz ...]
#   default: every trace in ../shared/traces beside the source tree, and
#   those in $CAIRN_TRACES_DIR.
# Env: BUILD (default: build) the meson build dir holding the benches;
#      BEFORE: a second build dir (another version, with cairn-bench-text
#      and cairn-bench-text-decode built): its own state of each trace
#      decoded by its own decoder, for a before/after column;
#      CAIRN_BENCH_RUNS (default 50) decodes per figure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${BUILD:-$root/build}
runs=${CAIRN_BENCH_RUNS:-50}
states=$(mktemp -d)
trap 'rm -rf "$states"' EXIT

for b in "$build/bench/cairn-bench-text" "$build/bench/cairn-bench-text-decode"; do
  if [ ! -x "$b" ]; then
    echo "No $b: build first (meson setup build && meson compile -C build)" >&2
    exit 2
  fi
done
if [ ! -d "$here/peers/node_modules" ]; then
  (cd "$here/peers" && npm ci --no-audit --no-fund >&2)
fi
if [ $# -eq 0 ]; then
  set -- "$root"/../shared/traces/*.json.gz
  if [ -n "${CAIRN_TRACES_DIR:-}" ]; then
    set -- "$@" "$CAIRN_TRACES_DIR"/*.json.gz
  fi
fi

uptime
printf '%-22s %10s %10s %10s %10s %10s %10s %10s\n' trace "cairn B" "before B" "loro B" "cairn ms" "+text ms" "before ms" "loro ms"
status=0
for trace in "$@"; do
  name=$(basename "$trace" .json.gz)
  CAIRN_BENCH_RUNS=1 CAIRN_BENCH_STATE_OUT="$states/$name.state" \
    "$build/bench/cairn-bench-text" "$trace" > /dev/null || status=1
  ours=$(CAIRN_BENCH_RUNS=$runs "$build/bench/cairn-bench-text-decode" "$states/$name.state") || status=1
  before='{"decode_ms": null, "bytes": null}'
  if [ -n "${BEFORE:-}" ]; then
    CAIRN_BENCH_RUNS=1 CAIRN_BENCH_STATE_OUT="$states/$name.before" \
      "$BEFORE/bench/cairn-bench-text" "$trace" > /dev/null || status=1
    before=$(CAIRN_BENCH_RUNS=$runs "$BEFORE/bench/cairn-bench-text-decode" "$states/$name.before") || status=1
  fi
  loro=$(cd "$here/peers" && CAIRN_BENCH_RUNS=1 CAIRN_BENCH_DECODE_RUNS=$runs node replay-text.mjs loro "$trace") || status=1
  python3 - "$name" "$ours" "$before" "$loro" <<'PY'
import json, sys
name = sys.argv[1]
ours, before, loro = (json.loads(a) for a in sys.argv[2:])
b = before["decode_ms"]
bb = before["bytes"]
print(f"{name:22} {ours['bytes']:>10} {('-' if bb is None else bb):>10} {loro['encoded_bytes']:>10} {ours['decode_ms']:>10.3f} "
      f"{ours['text_ms']:>10.3f} {('-' if b is None else f'{b:.3f}'):>10} {loro['decode_ms']:>10.3f}"
      f"{'' if ours['ok'] and loro['ok'] else '  NOT OK'}")
PY
done
uptime
exit $status

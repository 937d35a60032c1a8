#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Replays editing traces in Cairn's text CRDT and in Yjs and Loro (npm, in
# bench/peers) and prints the figures side by side, with each peer's time
# as a multiple of ours.
#
# Usage: bench/compare-text.sh [TRACE.json.gz ...]
#   default: every trace in ../shared/traces beside the source tree.
# Env: BUILD (default: build) the meson build dir holding bench/cairn-bench-text;
#      CAIRN_BENCH_RUNS (default 5 for Cairn, 3 for the peers).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${BUILD:-$root/build}
bench=$build/bench/cairn-bench-text

if [ ! -x "$bench" ]; then
  echo "No $bench: build first (meson setup build && meson compile -C build)" >&2
  exit 2
fi
if [ ! -d "$here/peers/node_modules" ]; then
  (cd "$here/peers" && npm ci --no-audit --no-fund >&2)
fi
if [ $# -eq 0 ]; then
  set -- "$root"/../shared/traces/*.json.gz
fi

status=0
for trace in "$@"; do
  ours=$("$bench" "$trace") || status=1
  yjs=$(cd "$here/peers" && CAIRN_BENCH_RUNS=${CAIRN_BENCH_RUNS:-3} node replay-text.mjs yjs "$trace") || status=1
  loro=$(cd "$here/peers" && CAIRN_BENCH_RUNS=${CAIRN_BENCH_RUNS:-3} node replay-text.mjs loro "$trace") || status=1
  python3 - "$ours" "$yjs" "$loro" <<'PY'
import json, sys
rows = [json.loads(a) for a in sys.argv[1:]]
ours = rows[0]
names = ["cairn", "yjs", "loro"]
print(f"\n{ours['trace']} ({ours['patches']} patches)")
print(f"{'':14} {'replay ms':>10} {'x cairn':>8} {'encoded B':>10} {'decode ms':>10} {'ok':>5}")
for name, r in zip(names, rows):
    ratio = r["ms"] / ours["ms"] if ours["ms"] else float("nan")
    print(f"{name:14} {r['ms']:>10.2f} {ratio:>8.1f} {r['encoded_bytes']:>10} {r['decode_ms']:>10.2f} {str(r['ok']).lower():>5}")
    if name == "cairn":
        # The same document without the text of deleted characters
        # (cairn_text_encode_state_compact), and in the format before.
        print(f"{'cairn compact':14} {'':>10} {'':>8} {r['compact_bytes']:>10} {r['compact_decode_ms']:>10.2f}")
        print(f"{'cairn v1':14} {'':>10} {'':>8} {r['v1_bytes']:>10}")
PY
done
exit $status

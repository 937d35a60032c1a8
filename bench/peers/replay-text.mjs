// SPDX-License-Identifier: GPL-3.0-or-later
// replay-text.mjs: replays an editing trace in Yjs or Loro exactly as
// bench/cairn-bench-text does in Cairn (one operation per patch, committed
// on its own as typing would be; concurrent traces with one document per
// agent merging its parents' past first) and prints one JSON line.
//
// Usage: node replay-text.mjs yjs|loro TRACE.json[.gz]
// Env: CAIRN_BENCH_RUNS (default 3): the fastest replay is reported;
//      CAIRN_BENCH_DECODE_RUNS (default: CAIRN_BENCH_RUNS): decodes timed
//      (bench/compare-text-decode.sh: 1 replay, 50 decodes).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { LoroDoc } from 'loro-crdt';

const [lib, path] = process.argv.slice(2);
if (!['yjs', 'loro'].includes(lib) || !path) {
  console.error('Usage: node replay-text.mjs yjs|loro TRACE.json[.gz]');
  process.exit(2);
}
let raw = readFileSync(path);
if (path.endsWith('.gz')) raw = gunzipSync(raw);
const trace = JSON.parse(raw.toString('utf8'));
const concurrent = trace.kind === 'concurrent';
const runs = Math.max(1, parseInt(process.env.CAIRN_BENCH_RUNS || '3', 10));
const decodeRuns = Math.max(1, parseInt(process.env.CAIRN_BENCH_DECODE_RUNS || String(runs), 10));

// Positions count code points; JS strings index UTF-16 units. Convert per
// patch against the current text only when the text is not all BMP.
function makeAdapter () {
  if (lib === 'yjs') {
    return {
      create (agent) {
        const doc = new Y.Doc();
        doc.clientID = agent + 1;
        return { doc, text: doc.getText('t') };
      },
      apply (r, pos, del, ins) {
        if (del > 0) r.text.delete(pos, del);
        if (ins) r.text.insert(pos, ins);
      },
      begin (r) { r.sv = Y.encodeStateVector(r.doc); },
      end (r) { return Y.encodeStateAsUpdate(r.doc, r.sv); },
      merge (r, update) { Y.applyUpdate(r.doc, update); },
      text (r) { return r.text.toString(); },
      encode (r) { return Y.encodeStateAsUpdate(r.doc); },
      decode (bytes) { const d = new Y.Doc(); Y.applyUpdate(d, bytes); return d.getText('t').toString(); },
    };
  }
  return {
    create (agent) {
      const doc = new LoroDoc();
      doc.setPeerId(BigInt(agent + 1));
      return { doc, text: doc.getText('t') };
    },
    apply (r, pos, del, ins) {
      if (del > 0) r.text.delete(pos, del);
      if (ins) r.text.insert(pos, ins);
      r.doc.commit();
    },
    begin (r) { r.vv = r.doc.oplogVersion(); },
    end (r) { return r.doc.export({ mode: 'update', from: r.vv }); },
    merge (r, update) { r.doc.import(update); },
    text (r) { return r.text.toString(); },
    encode (r) { return r.doc.export({ mode: 'snapshot' }); },
    decode (bytes) { const d = new LoroDoc(); d.import(bytes); return d.getText('t').toString(); },
  };
}

const A = makeAdapter();
// Yjs counts UTF-16 units, Loro Unicode code points (its default text
// index); the shared traces are ASCII, where both agree.

function replay () {
  const nAgents = concurrent ? trace.numAgents : 1;
  const reps = [];
  for (let a = 0; a < nAgents; a++) reps.push(A.create(a));
  const t0 = performance.now();
  if (!concurrent) {
    const r = reps[0];
    for (const txn of trace.txns)
      for (const [pos, del, ins] of txn.patches) A.apply(r, pos, del, ins);
  } else {
    const n = trace.txns.length;
    const clock = new Array(n);
    const byAgent = [];
    const merged = [];
    for (let a = 0; a < nAgents; a++) { byAgent.push([]); merged.push(new Array(nAgents).fill(0)); }
    for (let i = 0; i < n; i++) {
      const t = trace.txns[i];
      const c = new Array(nAgents).fill(0);
      for (const p of t.parents) for (let a = 0; a < nAgents; a++) c[a] = Math.max(c[a], clock[p][a]);
      const r = reps[t.agent];
      for (let a = 0; a < nAgents; a++) {
        if (a === t.agent) continue;
        for (; merged[t.agent][a] < c[a]; merged[t.agent][a]++) A.merge(r, byAgent[a][merged[t.agent][a]]);
      }
      c[t.agent]++;
      clock[i] = c;
      A.begin(r);
      for (const [pos, del, ins] of t.patches) A.apply(r, pos, del, ins);
      byAgent[t.agent].push(A.end(r));
      merged[t.agent][t.agent]++;
    }
    for (let r = 0; r < nAgents; r++)
      for (let a = 0; a < nAgents; a++)
        for (; merged[r][a] < byAgent[a].length; merged[r][a]++)
          if (a !== r) A.merge(reps[r], byAgent[a][merged[r][a]]);
  }
  return { ms: performance.now() - t0, reps };
}

let best = Infinity;
let reps;
for (let i = 0; i < runs; i++) {
  const res = replay();
  if (res.ms < best) best = res.ms;
  reps = res.reps;
}
let ok = reps.every((r) => A.text(r) === trace.endContent);
const encoded = A.encode(reps[0]);
let decodeMs = Infinity;
for (let i = 0; i < decodeRuns; i++) {
  const t0 = performance.now();
  const text = A.decode(encoded);
  decodeMs = Math.min(decodeMs, performance.now() - t0);
  if (text !== trace.endContent) ok = false;
}
const name = basename(path).replace(/\.gz$/, '').replace(/\.json$/, '');
let patches = 0;
for (const t of trace.txns) patches += t.patches.length;
console.log(JSON.stringify({ lib, trace: name, patches, ms: +best.toFixed(2),
  encoded_bytes: encoded.length, decode_ms: +decodeMs.toFixed(3), ok }));
process.exit(ok ? 0 : 1);

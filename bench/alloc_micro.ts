// === alloc_micro: ns/op of a trace replay in both twins (a quick sanity bench) ===
//
// Question: what does one malloc/free cost in each backend of src/alloc, in the
// two ways bench/replay.ts drives them? Rows: wasm with the loop inside wasm
// (replay_run), wasm driven from a JS loop, the TS twin driven from JS, the TS
// twin's own replay loop, and the JS loop alone (fake addresses). Each run uses
// a fresh allocator; median of RUNS. Times are the process's CPU time
// (process.cpuUsage), which a busy shared machine disturbs less than wall time. The replay's result is checked (no NULLs,
// getallocatedblocks equals the trace's live blocks at the end).
//
//   npx tsx bench/alloc_micro.ts [trace.gz ...]     (default: test/data excerpt)
//   RUNS=7 npx tsx bench/alloc_micro.ts ../shared/traces/json_roundtrip.trace.gz

import { createAllocator, type PymallocAllocator } from "../src/alloc/index";
import { readTrace, packTrace, type Trace } from "../src/tools/trace";

const RUNS = Number(process.env.RUNS ?? 5);
const files = process.argv.slice(2);
if (files.length === 0) files.push(new URL("../test/data/compile_stdlib.360k.trace.gz", import.meta.url).pathname);

/** process CPU time in ns (all threads: V8's background GC/compiler threads count too) */
function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

// The JS-driven loop. Each row gets its own copy (new Function), so V8's call
// feedback stays monomorphic per backend, as in a program that uses one backend.
const LOOP_SRC = `
  const [a, recs, n, nids, cpu] = arguments;
  const ptrs = new Uint32Array(nids);
  let u8 = new Uint8Array(a ? a.memory.buffer : new ArrayBuffer(16));
  if (a) a.onGrow((b) => (u8 = new Uint8Array(b)));
  let fake = 0;
  const malloc = a ? a.malloc : (s) => (fake = (fake + 16 + s) & 0xffff0) + 16;
  const calloc = a ? a.calloc : (_, s) => malloc(s);
  const realloc = a ? a.realloc : (_, s) => malloc(s);
  const free = a ? a.free : (_) => {};
  const t0 = cpu();
  for (let i = 0; i < n; i++) {
    const w0 = recs[2 * i], size = recs[2 * i + 1];
    const id = w0 & 0x3fffffff, op = w0 >>> 30;
    let p;
    if (op === 0) p = malloc(size);
    else if (op === 3) {
      free(ptrs[id]);
      ptrs[id] = 0;
      continue;
    } else if (op === 1) p = calloc(1, size);
    else p = realloc(ptrs[id], size);
    if (p === 0) throw new Error("record " + i + ": NULL");
    if (size !== 0 && a) u8[p] = i;
    ptrs[id] = p;
  }
  return (cpu() - t0) / n;
`;
type JsLoop = (a: PymallocAllocator | null, recs: Uint32Array, n: number, nids: number, clock: () => number) => number;
const loops = new Map<string, JsLoop>();
function jsLoop(row: string, a: PymallocAllocator | null, recs: Uint32Array, n: number, nids: number): number {
  let f = loops.get(row);
  if (!f) loops.set(row, (f = new Function(LOOP_SRC) as JsLoop));
  return f(a, recs, n, nids, cpu);
}

function inLoop(a: PymallocAllocator, recs: Uint32Array, n: number, nids: number): number {
  const r = a.malloc(recs.byteLength), p = a.calloc(nids, 4);
  new Uint32Array(a.memory.buffer, r, recs.length).set(recs);
  const t0 = cpu();
  const nulls = a.replayRun(r, n, p);
  const ns = (cpu() - t0) / n;
  if (nulls !== 0) throw new Error(`${nulls} NULL results`);
  return ns;
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1];

async function bench(tr: Trace): Promise<Record<string, number>> {
  const recs = packTrace(tr);
  const rows: Record<string, number[]> = { "wasm, loop in wasm": [], "wasm, from JS": [], "ts twin, from JS": [], "ts twin, own loop": [], "JS loop alone": [] };
  for (let run = 0; run < RUNS; run++) {
    for (const [row, backend, mode] of [
      ["wasm, loop in wasm", "wasm", "in"], ["wasm, from JS", "wasm", "js"],
      ["ts twin, from JS", "ts", "js"], ["ts twin, own loop", "ts", "in"],
    ] as const) {
      const a = await createAllocator({ backend });
      rows[row].push(mode === "in" ? inLoop(a, recs, tr.count, tr.nids) : jsLoop(row, a, recs, tr.count, tr.nids));
      const live = a.getallocatedblocks() - (mode === "in" ? 2 : 0);
      if (live !== tr.finalLiveBlocks) throw new Error(`${row}: ${live} live blocks, expected ${tr.finalLiveBlocks}`);
    }
    rows["JS loop alone"].push(jsLoop("JS loop alone", null, recs, tr.count, tr.nids));
  }
  return Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
}

console.log(`node ${process.version}, ${RUNS} runs, median ns/op`);
for (const f of files) {
  const tr = await readTrace(f);
  const r = await bench(tr);
  console.log(`\n${f.split("/").pop()} (${tr.count.toLocaleString("en-US")} records)`);
  for (const [k, v] of Object.entries(r)) console.log(`  ${k.padEnd(22)} ${v.toFixed(1).padStart(7)}`);
}

// Differential replay: a real CPython trace (test/data, 360k records of
// compile_stdlib) through both twins in lockstep. Same call -> same address at
// every step, byte-identical linear memories at every checkpoint, check()
// passing at every checkpoint; then the in-memory replay loops of both.
import { beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { readTrace, packTrace, replayTrace, OP_MALLOC, OP_CALLOC, OP_REALLOC, type Trace } from "../../src/tools/trace";
import { make } from "./helpers";
import type { PymallocAllocator } from "../../src/alloc/index";

const EXCERPT = fileURLToPath(new URL("../data/compile_stdlib.360k.trace.gz", import.meta.url));
const CHECK_EVERY = 30_000;

let trace: Trace;
beforeAll(async () => {
  trace = await readTrace(EXCERPT);
});

function sameMemory(a: PymallocAllocator, b: PymallocAllocator): boolean {
  return Buffer.compare(Buffer.from(a.memory.buffer), Buffer.from(b.memory.buffer)) === 0;
}

function sameU32(a: Uint32Array, b: Uint32Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

function lockstep(w: PymallocAllocator, t: PymallocAllocator, tr: Trace, checkEvery: number): { maxRaw: number; maxArenas: number } {
  const pw = new Uint32Array(tr.nids), pt = new Uint32Array(tr.nids);
  let maxRaw = 0, maxArenas = 0;
  for (let i = 0; i < tr.count; i++) {
    const op = tr.ops[i], id = tr.ids[i], size = tr.sizes[i];
    let a: number, b: number;
    if (op === OP_MALLOC) {
      a = w.malloc(size);
      b = t.malloc(size);
    } else if (op === OP_CALLOC) {
      a = w.calloc(1, size);
      b = t.calloc(1, size);
    } else if (op === OP_REALLOC) {
      a = w.realloc(pw[id], size);
      b = t.realloc(pt[id], size);
    } else {
      w.free(pw[id]);
      t.free(pt[id]);
      pw[id] = pt[id] = 0;
      continue;
    }
    if (a !== b) throw new Error(`record ${i} (op ${op}, size ${size}): wasm returned ${a}, twin ${b}`);
    if (a === 0) throw new Error(`record ${i}: out of memory`);
    if (size !== 0) {
      new Uint8Array(w.memory.buffer)[a] = i & 0xff;
      new Uint8Array(t.memory.buffer)[b] = i & 0xff;
    }
    pw[id] = a;
    pt[id] = b;
    if (i % checkEvery === 0 || i === tr.count - 1) {
      w.check();
      t.check();
      if (!sameMemory(w, t)) throw new Error(`record ${i}: the linear memories differ`);
      const s = w.stats();
      maxRaw = Math.max(maxRaw, s.rawBlocksInUse);
      maxArenas = Math.max(maxArenas, s.arenasCurrent);
    }
  }
  return { maxRaw, maxArenas };
}

describe("differential replay of a real trace (compile_stdlib, first 360k records)", () => {
  it("the excerpt is the committed one and exercises what it should", () => {
    expect(trace.count).toBe(360_000);
    expect(trace.gt512).toBeGreaterThan(1000); // raw blocks
    expect(trace.nrealloc).toBeGreaterThan(1000);
    expect(trace.ncalloc).toBeGreaterThan(1000);
  });

  it("wasm and TypeScript twins return the same address at every step", async () => {
    const w = await make("wasm");
    const t = await make("ts");
    const { maxRaw } = lockstep(w, t, trace, CHECK_EVERY);
    const sw = w.stats();
    expect(sw).toEqual(t.stats());
    expect(w.debugmallocstats()).toBe(t.debugmallocstats());
    expect(sameMemory(w, t)).toBe(true);
    // the excerpt releases arenas and serves raw blocks
    expect(sw.arenasFreed).toBeGreaterThan(0);
    expect(maxRaw).toBeGreaterThan(0);
    expect(w.getallocatedblocks()).toBe(trace.finalLiveBlocks);
  });

  it("debug mode: same addresses, every guard and dead fill valid at each checkpoint", async () => {
    const w = await make("wasm", { debug: true });
    const t = await make("ts", { debug: true });
    const tr = await readTrace(EXCERPT, { limit: 120_000 });
    lockstep(w, t, tr, 40_000);
    expect(w.getallocatedblocks()).toBe(tr.finalLiveBlocks);
  });

  it("the in-memory replay loops (assembly/replay.ts and the twin's) match each other and the JS replay", async () => {
    const recs = packTrace(trace);
    const run = async (backend: "wasm" | "ts"): Promise<{ a: PymallocAllocator; ptrs: Uint32Array }> => {
      const a = await make(backend);
      const r = a.malloc(recs.byteLength);
      const p = a.calloc(trace.nids, 4);
      new Uint32Array(a.memory.buffer, r, recs.length).set(recs);
      expect(a.replayRun(r, trace.count, p)).toBe(0);
      a.check();
      return { a, ptrs: new Uint32Array(a.memory.buffer, p, trace.nids).slice() };
    };
    const w = await run("wasm");
    const t = await run("ts");
    expect(sameMemory(w.a, t.a)).toBe(true);
    expect(sameU32(w.ptrs, t.ptrs)).toBe(true);
    // the same operations from JS, after taking the same two buffers first
    const j = await make("ts");
    j.malloc(recs.byteLength);
    j.calloc(trace.nids, 4);
    const { ptrs } = replayTrace(j, trace);
    expect(sameU32(ptrs, w.ptrs)).toBe(true);
    expect(w.ptrs.some((p) => p !== 0)).toBe(true);
    expect(j.getallocatedblocks()).toBe(w.a.getallocatedblocks());
  });
});

// === The replay peers: how each one gets a fresh state, runs, and is checked ===
//
// A Backend is set up once per process (init: compile modules, check that its
// package is there) and then run() once per timed run. run() always starts
// from a fresh allocator state (a new instance, a new module or a new pool),
// untimed; times only the loop of loops.ts; then, untimed, measures memory and
// verifies the end state (verify.ts, plus the allocator's own check() where
// it has one). The native replayer is not a Backend: it times itself in
// forked children (native.ts), and replay.ts folds its JSON into the table.

import { readFileSync, statSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import {
  loopEmscriptenLibc, loopNoop, loopPyodideObject, loopThing, loopTlsf, privateCopy, prime,
  type ThingPool, type WasmMallocExports,
} from "./loops.js";
import { verifyReplay, type Expectation } from "./verify.js";
import { loadFreshPyodide, type FreshPyodide } from "./pyodide.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const OUT = join(ROOT, "bench", "out");

/** Where the cost of the loop itself is measured: subtracted from rows of the same kind. */
export type Harness = "js" | "wasm" | "native";

export interface Ctx {
  /** packed records of the whole trace (a backend replays the first `n`) */
  recs: Uint32Array;
  n: number;
  exp: Expectation;
}

export interface RunOutcome {
  /** wall time of the loop, ns */
  ns: number;
  /** process CPU time (all threads) during the loop, ns */
  cpuNs: number;
  /** minor page faults of the process during the loop */
  faults: number;
  /** peak linear memory attributed to the allocator, bytes (null: not applicable) */
  peakBytes: number | null;
  /** what `verify` found */
  verified: string;
  /** was the timed loop (a primed private copy) optimised by TurboFan before the clock started? */
  optimized?: boolean;
  /** backend-specific extra figures for --json */
  extra?: Record<string, number | string>;
}

export interface Backend {
  key: string;
  label: string;
  harness: Harness;
  /** what "peak memory" means for this row (README / footnotes) */
  memory: string;
  /** records this backend replays from a trace of `total` (a prefix for slow peers) */
  records(total: number): number;
  /** one-time set-up; returns null when usable, else the reason it is not */
  init(): Promise<string | null>;
  /** One replay. `warmup` runs are untimed JIT/tier-up passes: a backend whose
   *  fresh state is expensive (Pyodide) may reuse one instance for them. */
  run(ctx: Ctx, warmup: boolean): Promise<RunOutcome>;
  /** free-form facts for the header (versions) */
  about?: string;
}

// ---------------------------------------------------------------------------
// timing helpers

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Runs `loop` between two clock reads after a full GC and a settling pause, so
 *  that garbage from the set-up (old instances, old Pyodides) is not collected
 *  inside the timed loop. */
/** Pause after the forced GC and before the clock starts: V8 sweeps and frees
 *  on background threads after a full GC, and on 2 cores that work otherwise
 *  lands inside the timed loop (measured: +20-50 % on the run after a Pyodide). */
export const settle = { ms: 100 };
function sleepSync(ms: number) { if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); }
export interface Timing { status: number; ns: number; cpuNs: number; faults: number }
export function timed(loop: () => number): Timing {
  gc();
  sleepSync(settle.ms);
  const f0 = process.resourceUsage().minorPageFault;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const status = loop();
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage(c0);
  const f1 = process.resourceUsage().minorPageFault;
  return { status, ns: Number(t1 - t0), cpuNs: (c1.user + c1.system) * 1000, faults: f1 - f0 };
}

/**
 * In-wasm replays stream the records through a window of WINDOW records in
 * linear memory: copy a window (untimed), time one call that replays it,
 * repeat; the times add up. A whole trace copied in at once (30-60 MB) would
 * sit in the allocator's heap, size every growth step after it and push the
 * memory past the ~28 MiB above which V8 runs a full GC on every memory.grow
 * (../shared/reference/wasm-allocators.md 2.4): costs of the harness, not of
 * the allocator. The id -> pointer table (4 B per id) stays whole, as in
 * replay.c. `run(count)` returns 0 or, with `failIndex`, 1 + the index of the
 * failing record in the window (else a count of failures, summed).
 */
export const WINDOW = 1 << 16;
export function timedWindows(
  buffer: () => ArrayBufferLike, windowPtr: number, recs: Uint32Array, n: number,
  run: (count: number) => number, failIndex: boolean,
): Timing {
  gc();
  sleepSync(settle.ms);
  let ns = 0, cpuNs = 0, faults = 0, status = 0;
  for (let start = 0; start < n; start += WINDOW) {
    const count = Math.min(WINDOW, n - start);
    new Uint32Array(buffer(), windowPtr, 2 * count).set(recs.subarray(2 * start, 2 * (start + count)));
    const f0 = process.resourceUsage().minorPageFault;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const s = run(count);
    const t1 = process.hrtime.bigint();
    const c1 = process.cpuUsage(c0);
    faults += process.resourceUsage().minorPageFault - f0;
    ns += Number(t1 - t0);
    cpuNs += (c1.user + c1.system) * 1000;
    if (s !== 0) {
      if (failIndex) { status = start + s; break; }
      status += s;
    }
  }
  return { status, ns, cpuNs, faults };
}

/** The clock part of a Timing, for a RunOutcome. */
export const clock = (t: Timing) => ({ ns: t.ns, cpuNs: t.cpuNs, faults: t.faults });

export function failIf(status: number, what: string): void {
  if (status !== 0) throw new Error(`${what}: allocation of record ${status - 1} returned 0`);
}

/** A zeroed, pre-faulted id -> pointer array (as replay.c's MAP_POPULATE). */
export function freshPtrs(nIds: number): Uint32Array {
  const ptrs = new Uint32Array(nIds);
  ptrs.fill(1);
  ptrs.fill(0);
  return ptrs;
}

// ---------------------------------------------------------------------------
// no-op loops (the harness)

export const noopJs: Backend = {
  key: "noop",
  label: "no-op loop, JS (harness)",
  harness: "js",
  memory: "-",
  records: (t) => t,
  init: async () => null,
  async run({ recs, n, exp }) {
    const loop = privateCopy(loopNoop);
    const optimized = prime(loop, (w, wn, wp) => loop(w, wn, wp), true);
    const ptrs = freshPtrs(exp.nIds);
    let sink = 0;
    const r = timed(() => { sink = loop(recs, n, ptrs); return 0; });
    return { ...clock(r), optimized, peakBytes: null, verified: "-", extra: { sink } };
  },
};

// ---------------------------------------------------------------------------
// AssemblyScript's TLSF (bench/tlsf/tlsf.ts), and the in-wasm no-op loop it carries

interface TlsfExports extends WasmMallocExports {
  memory: WebAssembly.Memory;
  replay_run(recs: number, n: number, ptrs: number): number;
  replay_noop(recs: number, n: number, ptrs: number): number;
}

const TLSF_SRC = join(ROOT, "bench", "tlsf", "tlsf.ts");
const TLSF_WASM = join(OUT, "tlsf.wasm");
let tlsfModule: WebAssembly.Module | undefined;

/** Builds bench/out/tlsf.wasm with asc when it is missing or older than its source. */
export async function ensureTlsf(): Promise<WebAssembly.Module> {
  if (tlsfModule) return tlsfModule;
  if (!existsSync(TLSF_WASM) || statSync(TLSF_WASM).mtimeMs < statSync(TLSF_SRC).mtimeMs) {
    const asc = (await import("assemblyscript/asc")).default;
    let log = "";
    const sink = { write: (s: string | Uint8Array) => { log += String(s); return true; } };
    const { error } = await asc.main(["--config", join(ROOT, "bench", "tlsf", "asconfig.json"), "--target", "release"], { stdout: sink, stderr: sink });
    if (error) throw new Error(`asc bench/tlsf: ${error.message}\n${log}`);
  }
  tlsfModule = new WebAssembly.Module(readFileSync(TLSF_WASM));
  return tlsfModule;
}

function freshTlsf(): TlsfExports {
  const imports = { env: { abort: () => { throw new Error("TLSF module aborted"); } } };
  return new WebAssembly.Instance(tlsfModule!, imports).exports as unknown as TlsfExports;
}

/** The record window and a zeroed id table in linear memory, from the module's
 *  own heap (so they count in its memory; run() subtracts them). */
function tlsfBuffers(ex: TlsfExports, n: number, nIds: number) {
  const recsBytes = Math.min(n, WINDOW) * 8, ptrsBytes = Math.max(nIds, 1) * 4;
  const recsPtr = ex.malloc(recsBytes);
  const ptrsPtr = ex.calloc(ptrsBytes, 1);
  if (!recsPtr || !ptrsPtr) throw new Error("TLSF: no memory for the trace buffers");
  return { recsPtr, ptrsPtr, bufferBytes: recsBytes + ptrsBytes };
}

export const noopWasm: Backend = {
  key: "noop-wasm",
  label: "no-op loop, in wasm (harness)",
  harness: "wasm",
  memory: "-",
  records: (t) => t,
  async init() { await ensureTlsf(); return null; },
  async run({ recs, n, exp }) {
    const ex = freshTlsf();
    const { recsPtr, ptrsPtr } = tlsfBuffers(ex, n, exp.nIds);
    let sink = 0;
    const r = timedWindows(() => ex.memory.buffer, recsPtr, recs, n, (count) => { sink ^= ex.replay_noop(recsPtr, count, ptrsPtr); return 0; }, true);
    return { ...clock(r), peakBytes: null, verified: "-", extra: { sink } };
  },
};

export const tlsfJs: Backend = {
  key: "tlsf",
  label: "AssemblyScript TLSF, from JS",
  harness: "js",
  memory: "linear memory at the end (never shrinks)",
  records: (t) => t,
  async init() { await ensureTlsf(); return null; },
  async run({ recs, n, exp }) {
    const ex = freshTlsf();
    const loop = privateCopy(loopTlsf);
    const optimized = prime(loop, (w, wn, wp) => loop(ex, ex.memory, w, wn, wp));
    const ptrs = freshPtrs(exp.nIds);
    const r = timed(() => loop(ex, ex.memory, recs, n, ptrs));
    failIf(r.status, "TLSF");
    const verified = verifyReplay(exp, ptrs, new Uint8Array(ex.memory.buffer));
    return { ...clock(r), optimized, peakBytes: ex.memory.buffer.byteLength, verified };
  },
};

export const tlsfLoop: Backend = {
  key: "tlsf-loop",
  label: "AssemblyScript TLSF, loop in wasm",
  harness: "wasm",
  memory: "linear memory at the end minus the record window and the id table (which enlarge TLSF's doubling steps)",
  records: (t) => t,
  async init() { await ensureTlsf(); return null; },
  async run({ recs, n, exp }) {
    const ex = freshTlsf();
    const { recsPtr, ptrsPtr, bufferBytes } = tlsfBuffers(ex, n, exp.nIds);
    const r = timedWindows(() => ex.memory.buffer, recsPtr, recs, n, (count) => ex.replay_run(recsPtr, count, ptrsPtr), true);
    failIf(r.status, "TLSF replay_run");
    const buf = ex.memory.buffer;
    const verified = verifyReplay(exp, new Uint32Array(buf, ptrsPtr, exp.nIds), new Uint8Array(buf));
    return {
      ...clock(r), peakBytes: buf.byteLength - bufferBytes, verified,
      extra: { linearMemoryBytes: buf.byteLength, traceBufferBytes: bufferBytes },
    };
  },
};

// ---------------------------------------------------------------------------
// Pyodide: CPython 3.11.3's object allocator and Emscripten's malloc

let warmPyodide: FreshPyodide | undefined;

function pyodideBackend(which: "object" | "libc"): Backend {
  return {
    key: which === "object" ? "pyodide" : "emscripten",
    label: which === "object" ? "Pyodide _PyObject_Malloc (CPython wasm)" : "Pyodide libc malloc (Emscripten dlmalloc)",
    harness: "js",
    memory: "growth of Pyodide's memory during the replay",
    records: (t) => t,
    async init() {
      try {
        warmPyodide ??= await loadFreshPyodide();
        this.about = `pyodide ${warmPyodide.pyodideVersion} (CPython ${warmPyodide.pythonVersion})`;
        return null;
      } catch (e) {
        return `cannot load pyodide: ${(e as Error).message}`;
      }
    },
    async run({ recs, n, exp }, warmup) {
      // A new Pyodide per timed run (~1 s, untimed): a fresh dlmalloc, but one
      // that already holds an initialised interpreter's heap. Warm-up passes
      // share one instance and free what they left live afterwards.
      const py = warmup ? warmPyodide! : await loadFreshPyodide();
      const ex = py.exports, memory = py.memory;
      const before = memory.buffer.byteLength, footprint0 = ex.malloc_footprint();
      const ptrs = freshPtrs(exp.nIds);
      let r, optimized;
      if (which === "object") {
        const loop = privateCopy(loopPyodideObject);
        optimized = prime(loop, (w, wn, wp) => loop(ex, memory, w, wn, wp));
        r = timed(() => loop(ex, memory, recs, n, ptrs));
      } else {
        const loop = privateCopy(loopEmscriptenLibc);
        optimized = prime(loop, (w, wn, wp) => loop(ex, memory, w, wn, wp));
        r = timed(() => loop(ex, memory, recs, n, ptrs));
      }
      failIf(r.status, this.label);
      const verified = verifyReplay(exp, ptrs, new Uint8Array(memory.buffer));
      const after = memory.buffer.byteLength;
      if (warmup) {
        const release = which === "object" ? ex.PyObject_Free : ex.free;
        for (let id = 0; id < ptrs.length; id++) if (ptrs[id]) release(ptrs[id]);
      }
      return {
        ...clock(r), optimized, peakBytes: after - before, verified,
        extra: { memoryBeforeBytes: before, memoryAfterBytes: after, dlmallocFootprintGrowthBytes: ex.malloc_footprint() - footprint0 },
      };
    },
  };
}

export const pyodideObject = pyodideBackend("object");
export const emscriptenLibc = pyodideBackend("libc");

// ---------------------------------------------------------------------------
// @thi.ng/malloc: first fit over a fixed ArrayBuffer, on a prefix

export function thingBackend(prefix: number): Backend {
  let MemPool: new (opts: { size: number }) => ThingPool;
  return {
    key: "thing",
    label: "@thi.ng/malloc MemPool (pure TS)",
    harness: "js",
    memory: "highest block end handed out (its ArrayBuffer is fixed)",
    records: (t) => Math.min(t, prefix),
    async init() {
      try {
        MemPool = (await import("@thi.ng/malloc")).MemPool as unknown as typeof MemPool;
        return null;
      } catch (e) {
        return `cannot load @thi.ng/malloc: ${(e as Error).message}`;
      }
    },
    async run({ recs, n, exp }) {
      const size = Math.max(32 << 20, Math.ceil((exp.peakLiveBytes * 4) / 65536) * 65536);
      const pool = new MemPool({ size });
      const loop = privateCopy(loopThing);
      const hw = new Float64Array(1);
      const optimized = prime(loop, (w, wn, wp) => loop(pool, w, wn, wp, hw));
      const ptrs = freshPtrs(exp.nIds);
      const r = timed(() => loop(pool, recs, n, ptrs, hw));
      failIf(r.status, "@thi.ng/malloc");
      const verified = verifyReplay(exp, ptrs, new Uint8Array(pool.buf));
      return { ...clock(r), optimized, peakBytes: hw[0], verified, extra: { poolBytes: size } };
    },
  };
}

// ---------------------------------------------------------------------------

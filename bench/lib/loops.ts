// === The timed replay loops, one function per backend ===
//
// Every loop does what CPython's native replayer does (anchors/trace/replay.c,
// REPLAY_LOOP), over packed records (word0 = id | ((op - 1) << 30), word1 = size)
// and an id -> pointer Uint32Array:
//
//   malloc   p = malloc(size); write one byte into p unless size is 0; ptrs[id] = p
//   calloc   p = calloc(1, size); likewise
//   realloc  p = realloc(ptrs[id], size); likewise
//   free     free(ptrs[id]); ptrs[id] = 0
//
// The byte written is the record index (mod 256); verify.ts checks it after the
// run. A loop returns 0, or 1 + the index of the first record whose allocation
// returned 0 (as replay.c's `oom`).
//
// The bodies are deliberately copies, not one generic function: each backend
// gets its own function, so the calls inside it have one kind of callee (wasm
// export, class method) and the JIT's feedback for one backend never mixes with
// another's. Going further, every timed run replays through a private copy of
// its loop (privateCopy: compiled anew from the loop's own source), warmed up
// on the very instance it then times (prime, with WARM_RECS): each run gets a
// fresh allocator instance, and a call site that has seen the exports of two
// instances is megamorphic, which costs ~5 ns per JS->wasm call in V8 11.3
// (bench/README.md, "Monomorphic call sites"). A real program calls one
// instance, so the bench keeps every call site monomorphic.
//
// Loops must therefore be self-contained: they use their parameters and
// nothing else from their module.

import { setFlagsFromString } from "node:v8";

/** The four C-style calls of a wasm module, as raw exports (i32 in, i32 out). */
export interface WasmMallocExports {
  malloc(size: number): number;
  calloc(nelem: number, elsize: number): number;
  realloc(p: number, size: number): number;
  free(p: number): void;
}

/** Our pymalloc in wasm, driven from JS through its exports. */
export function loopPymallocWasm(
  ex: WasmMallocExports, memory: { readonly buffer: ArrayBufferLike },
  recs: Uint32Array, n: number, ptrs: Uint32Array,
): number {
  const malloc = ex.malloc, calloc = ex.calloc, realloc = ex.realloc, free = ex.free;
  let u8: Uint8Array = new Uint8Array(0); // the first write takes the refresh branch: warm-ups give it feedback
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const w0 = recs[j], size = recs[j + 1], id = w0 & 0x3fffffff;
    let p: number;
    switch (w0 >>> 30) {
      case 0: p = malloc(size); break;
      case 1: p = calloc(1, size); break;
      case 2: p = realloc(ptrs[id], size); break;
      default: free(ptrs[id]); ptrs[id] = 0; continue;
    }
    if (size !== 0) {
      if (p === 0) return i + 1;
      if (p >= u8.length) u8 = new Uint8Array(memory.buffer); // grown: old view detached
      u8[p] = i;
    }
    ptrs[id] = p;
  }
  return 0;
}

/** AssemblyScript's TLSF (bench/tlsf), driven from JS through its exports. */
export function loopTlsf(
  ex: WasmMallocExports, memory: { readonly buffer: ArrayBufferLike },
  recs: Uint32Array, n: number, ptrs: Uint32Array,
): number {
  const malloc = ex.malloc, calloc = ex.calloc, realloc = ex.realloc, free = ex.free;
  let u8: Uint8Array = new Uint8Array(0); // the first write takes the refresh branch: warm-ups give it feedback
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const w0 = recs[j], size = recs[j + 1], id = w0 & 0x3fffffff;
    let p: number;
    switch (w0 >>> 30) {
      case 0: p = malloc(size); break;
      case 1: p = calloc(1, size); break;
      case 2: p = realloc(ptrs[id], size); break;
      default: free(ptrs[id]); ptrs[id] = 0; continue;
    }
    if (size !== 0) {
      if (p === 0) return i + 1;
      if (p >= u8.length) u8 = new Uint8Array(memory.buffer);
      u8[p] = i;
    }
    ptrs[id] = p;
  }
  return 0;
}

/** Pyodide's _PyObject_Malloc & co. (CPython 3.11.3 --without-pymalloc: dlmalloc
 *  behind CPython's allocator table), raw wasm exports. */
export function loopPyodideObject(
  ex: { PyObject_Malloc(n: number): number; PyObject_Calloc(a: number, b: number): number; PyObject_Realloc(p: number, n: number): number; PyObject_Free(p: number): void },
  memory: { readonly buffer: ArrayBufferLike },
  recs: Uint32Array, n: number, ptrs: Uint32Array,
): number {
  const malloc = ex.PyObject_Malloc, calloc = ex.PyObject_Calloc, realloc = ex.PyObject_Realloc, free = ex.PyObject_Free;
  let u8: Uint8Array = new Uint8Array(0); // the first write takes the refresh branch: warm-ups give it feedback
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const w0 = recs[j], size = recs[j + 1], id = w0 & 0x3fffffff;
    let p: number;
    switch (w0 >>> 30) {
      case 0: p = malloc(size); break;
      case 1: p = calloc(1, size); break;
      case 2: p = realloc(ptrs[id], size); break;
      default: free(ptrs[id]); ptrs[id] = 0; continue;
    }
    if (size !== 0) {
      if (p === 0) return i + 1;
      if (p >= u8.length) u8 = new Uint8Array(memory.buffer);
      u8[p] = i;
    }
    ptrs[id] = p;
  }
  return 0;
}

/** Emscripten's libc malloc (dlmalloc) in the same Pyodide module, raw exports. */
export function loopEmscriptenLibc(
  ex: WasmMallocExports, memory: { readonly buffer: ArrayBufferLike },
  recs: Uint32Array, n: number, ptrs: Uint32Array,
): number {
  const malloc = ex.malloc, calloc = ex.calloc, realloc = ex.realloc, free = ex.free;
  let u8: Uint8Array = new Uint8Array(0); // the first write takes the refresh branch: warm-ups give it feedback
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const w0 = recs[j], size = recs[j + 1], id = w0 & 0x3fffffff;
    let p: number;
    switch (w0 >>> 30) {
      case 0: p = malloc(size); break;
      case 1: p = calloc(1, size); break;
      case 2: p = realloc(ptrs[id], size); break;
      default: free(ptrs[id]); ptrs[id] = 0; continue;
    }
    if (size !== 0) {
      if (p === 0) return i + 1;
      if (p >= u8.length) u8 = new Uint8Array(memory.buffer);
      u8[p] = i;
    }
    ptrs[id] = p;
  }
  return 0;
}

/** The pure-TypeScript twin (or any object with the Allocator methods). */
export interface MethodAllocator {
  malloc(n: number): number;
  calloc(nelem: number, elsize: number): number;
  realloc(p: number, n: number): number;
  free(p: number): void;
  readonly memory: { readonly buffer: ArrayBufferLike };
}

export function loopTwin(a: MethodAllocator, recs: Uint32Array, n: number, ptrs: Uint32Array): number {
  const memory = a.memory;
  let u8: Uint8Array = new Uint8Array(0); // the first write takes the refresh branch: warm-ups give it feedback
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const w0 = recs[j], size = recs[j + 1], id = w0 & 0x3fffffff;
    let p: number;
    switch (w0 >>> 30) {
      case 0: p = a.malloc(size); break;
      case 1: p = a.calloc(1, size); break;
      case 2: p = a.realloc(ptrs[id], size); break;
      default: a.free(ptrs[id]); ptrs[id] = 0; continue;
    }
    if (size !== 0) {
      if (p === 0) return i + 1;
      if (p >= u8.length) u8 = new Uint8Array(memory.buffer);
      u8[p] = i;
    }
    ptrs[id] = p;
  }
  return 0;
}

/** @thi.ng/malloc's MemPool: a fixed ArrayBuffer, first fit. `hw[0]` receives the
 *  highest block end ever handed out (its high-water mark; the pool's own `top`
 *  moves back down when the last block is freed). */
export interface ThingPool {
  malloc(n: number): number;
  calloc(n: number, fill?: number): number;
  realloc(p: number, n: number): number;
  free(p: number): boolean;
  buf: ArrayBufferLike;
}

export function loopThing(pool: ThingPool, recs: Uint32Array, n: number, ptrs: Uint32Array, hw: Float64Array): number {
  const u8 = new Uint8Array(pool.buf); // never grows
  let high = 0;
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const w0 = recs[j], size = recs[j + 1], id = w0 & 0x3fffffff;
    let p: number;
    switch (w0 >>> 30) {
      case 0: p = pool.malloc(size); break;
      case 1: p = pool.calloc(size); break;
      case 2: p = pool.realloc(ptrs[id], size); break;
      default: pool.free(ptrs[id]); ptrs[id] = 0; continue;
    }
    if (size !== 0) {
      if (p === 0) return i + 1;
      u8[p] = i;
      if (p + size > high) high = p + size;
    }
    ptrs[id] = p;
  }
  hw[0] = high;
  return 0;
}

/** No allocator: fake addresses, nothing written, as replay.c's `loop`. Returns a
 *  value derived from the fake addresses (not a status), so nothing is dead code. */
export function loopNoop(recs: Uint32Array, n: number, ptrs: Uint32Array): number {
  let next = 4096, sink = 0;
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const w0 = recs[j], size = recs[j + 1], id = w0 & 0x3fffffff;
    if (w0 >>> 30 === 3) {
      sink ^= ptrs[id];
      ptrs[id] = 0;
      continue;
    }
    const p = next;
    next = (next + 16 + (size & ~15)) >>> 0;
    ptrs[id] = p;
  }
  return (sink ^ next) >>> 0;
}

// ---------------------------------------------------------------------------
// private copies and their warm-up

let copies = 0;
/** `--shared-loops` turns private copies off (to measure what they change). */
export const privateCopies = { enabled: true };

/** A private copy of a (self-contained) loop: compiled from its own source, so it
 *  has its own JIT feedback. The source is made unique, because V8 caches
 *  `new Function` compilations (and with them the feedback) by source text. */
export function privateCopy<F extends (...args: never[]) => number>(loop: F): F {
  if (!privateCopies.enabled) return loop;
  copies++;
  return new Function(`"use strict";\nreturn (${loop.toString()});\n// private copy ${copies}`)() as F;
}

/** Records of the warm-up trace: malloc 24, realloc to 40, free, calloc 16, free,
 *  repeated. It runs every branch of a loop (the view refresh included) and
 *  leaves the allocator as it found it, apart from the few pools those sizes
 *  needed. Ids 0 and 1 only: the id array needs 2 entries. */
const WARM_ROUNDS = 1_000;
export const WARM_N = 5 * WARM_ROUNDS;
export const WARM_RECS: Uint32Array = (() => {
  const r = new Uint32Array(2 * WARM_N);
  const round = [0, 24, (2 << 30) >>> 0, 40, (3 << 30) >>> 0, 40, (1 | (1 << 30)) >>> 0, 16, (1 | (3 << 30)) >>> 0, 16];
  for (let k = 0; k < WARM_ROUNDS; k++) r.set(round, 10 * k);
  return r;
})();

/** Runs `call` (which calls `loop`) on pieces of the warm-up trace: many short
 *  calls, so that V8 optimises the whole function (not only its loop, by
 *  on-stack replacement) with the feedback of this instance only. TurboFan
 *  compiles on a background thread, which on a busy machine may not be done
 *  after `calls` calls: then it keeps calling, with short pauses, for up to
 *  ~2 s. Returns whether `loop` is then optimised by TurboFan. `statusIsSink`:
 *  the loop's return value is not a status (loopNoop). */
export function prime(
  loop: unknown, call: (recs: Uint32Array, n: number, ptrs: Uint32Array) => number,
  statusIsSink = false, calls = 300,
): boolean {
  const ptrs = new Uint32Array(2);
  const piece = 500; // 100 rounds: ends with both ids freed
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let k = 0; k < calls + 400; k++) {
    if (k >= calls) {
      if (isTurboFanned(loop)) return true;
      Atomics.wait(pause, 0, 0, 5);
    }
    const off = (k * piece) % WARM_N;
    const status = call(WARM_RECS.subarray(2 * off, 2 * (off + piece)), piece, ptrs);
    if (status !== 0 && !statusIsSink) throw new Error(`warm-up replay failed at record ${status - 1}`);
  }
  return isTurboFanned(loop);
}

setFlagsFromString("--allow-natives-syntax");
const optimizationStatus = new Function("f", "return %GetOptimizationStatus(f)") as (f: unknown) => number;

/** Is `f` optimised by TurboFan (V8's %GetOptimizationStatus, bit 6)? */
export function isTurboFanned(f: unknown): boolean {
  return (optimizationStatus(f) & (1 << 6)) !== 0;
}

// === The Allocator object both backends return ===
//
// Layer: the boundary of layers 0-2 (src/alloc/types.ts). A backend
// (wasm.ts, twin/index.ts) supplies its four entry points, its memory and a
// way to clear the debug fault record; this file adds the introspection
// (one walker for both, introspect.ts) and, in debug mode only, argument checks
// before every call (sizes and pointers must be integers in [0, 2**32): wasm would
// wrap anything else silently) and the fault check after it. In non-debug mode the entry points are stored as
// they are: `a.malloc` IS the wasm export (or the twin's function), so a call
// costs one JS->wasm call and nothing else.
//
// Never touches: allocator state (it reads through introspect.ts).

import { STATE_BASE } from "./twin/constants";
import { DBG_KIND } from "./twin/layout";
import { check, debugmallocstats, getallocatedblocks, stats, type MemView } from "./introspect";
import { takeFault } from "./debug_report";
import type { Allocator, AllocatorStats, Backend } from "./types";

export type { GrowListener } from "./twin/memory";
import type { GrowListener } from "./twin/memory";

export interface BackendParts {
  backend: Backend;
  debug: boolean;
  maxMemory: number;
  sharedMemory: boolean;
  memory: { readonly buffer: ArrayBufferLike };
  malloc(n: number): number;
  calloc(nelem: number, elsize: number): number;
  realloc(p: number, n: number): number;
  free(p: number): void;
  /** the in-memory replay loop (assembly/replay.ts or twin/replay.ts) */
  replayRun(recs: number, nrec: number, ptrs: number): number;
  clearFault(): void;
  listeners: GrowListener[];
}

/** An Allocator plus the in-memory trace replay loop (for bench/). */
export interface PymallocAllocator extends Allocator {
  /**
   * Run `nrec` pre-decoded 8-byte records at address `recs` (src/tools/trace.ts
   * packTrace) with a u32 id -> pointer table at `ptrs`, inside the backend
   * (one call for the whole trace). Returns the number of NULL results.
   */
  replayRun(recs: number, nrec: number, ptrs: number): number;
}

const KIND_W = (STATE_BASE + DBG_KIND) >> 2;

/**
 * A size or pointer argument of a debug-mode call: an integer C could have been
 * given (a uint32). Without the check, the wasm boundary's ToInt32 would turn "x"
 * into 0 and 2**32 + 8 into 8, and the call would go ahead on the wrong value.
 */
function u32_arg(func: string, what: string, v: unknown): void {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return;
  const shown = typeof v === "number" ? String(v) : typeof v === "string" ? JSON.stringify(v) : typeof v;
  throw new RangeError(`${func}: ${what} must be an integer in [0, 2**32), got ${shown}`);
}

export function buildAllocator(parts: BackendParts): PymallocAllocator {
  const memory = parts.memory;
  let view: MemView = { i32: new Int32Array(memory.buffer), u8: new Uint8Array(memory.buffer) };
  const current = (): MemView => {
    if (view.i32.buffer !== memory.buffer) view = { i32: new Int32Array(memory.buffer), u8: new Uint8Array(memory.buffer) };
    return view;
  };
  const raise = (): never => {
    const err = takeFault(current());
    parts.clearFault();
    throw err;
  };

  let malloc = parts.malloc;
  let calloc = parts.calloc;
  let realloc = parts.realloc;
  let free = parts.free;
  let replayRun = parts.replayRun;
  if (parts.debug) {
    const m0 = parts.malloc, c0 = parts.calloc, r0 = parts.realloc, f0 = parts.free, rr0 = parts.replayRun;
    malloc = (n) => {
      u32_arg("malloc", "size", n);
      const p = m0(n);
      if (current().i32[KIND_W] !== 0) raise();
      return p;
    };
    calloc = (a, b) => {
      u32_arg("calloc", "nelem", a);
      u32_arg("calloc", "elsize", b);
      const p = c0(a, b);
      if (current().i32[KIND_W] !== 0) raise();
      return p;
    };
    realloc = (q, n) => {
      u32_arg("realloc", "pointer", q);
      u32_arg("realloc", "size", n);
      const p = r0(q, n);
      if (current().i32[KIND_W] !== 0) raise();
      return p;
    };
    free = (q) => {
      u32_arg("free", "pointer", q);
      f0(q);
      if (current().i32[KIND_W] !== 0) raise();
    };
    replayRun = (recs, nrec, ptrs) => {
      const n = rr0(recs, nrec, ptrs);
      if (current().i32[KIND_W] !== 0) raise();
      return n;
    };
  }

  return {
    backend: parts.backend,
    debug: parts.debug,
    maxMemory: parts.maxMemory,
    sharedMemory: parts.sharedMemory,
    memory,
    malloc,
    calloc,
    realloc,
    free,
    replayRun,
    onGrow(listener: GrowListener): void {
      parts.listeners.push(listener);
    },
    stats(): AllocatorStats {
      return stats(current());
    },
    debugmallocstats(): string {
      return debugmallocstats(current());
    },
    getallocatedblocks(): number {
      return getallocatedblocks(current());
    },
    check(): void {
      check(current());
    },
  };
}

// === The TypeScript twin: the same allocator over one ArrayBuffer ===
//
// Layer: entry of the twin (twin of assembly/index.ts's init and exports).
// Builds one Mem of HEAP_BASE bytes, initialises the state exactly as the wasm
// init() does, and hands the entry points to src/alloc/allocator.ts. Arguments
// get `>>> 0`, which is what the wasm ABI does to a JS number (ToInt32, read as
// u32), so both backends see the same values.
//
// Never touches: anything the wasm backend owns.

import { HEAP_BASE, STATE_BASE } from "./constants";
import { OBM_DEBUG, DBG_RECORD, STATE_SIZE } from "./layout";
import { Mem } from "./memory";
import { arena_source_init } from "./arena_source";
import { init_usedpools } from "./usedpools";
import { init_arenas } from "./arena";
import { _PyObject_Malloc, _PyObject_Calloc, _PyObject_Realloc, _PyObject_Free } from "./obmalloc";
import { _PyMem_DebugMalloc, _PyMem_DebugCalloc, _PyMem_DebugRealloc, _PyMem_DebugFree } from "./debug";
import { replay_run } from "./replay";
import { buildAllocator, type PymallocAllocator } from "../allocator";

/** init() of assembly/index.ts (once, on a fresh all-zero Mem) */
export function init(m: Mem, max_memory: number, debug: boolean): void {
  arena_source_init(m, max_memory);
  init_usedpools(m);
  init_arenas(m);
  m.i32[(STATE_BASE + OBM_DEBUG) >> 2] = debug ? 1 : 0;
}

export interface TwinAllocator extends PymallocAllocator {
  /** the twin's memory object (buffer + views) */
  readonly mem: Mem;
}

export function createTwinAllocator(debug: boolean, maxMemory: number, shared: boolean): TwinAllocator {
  const m = new Mem(HEAP_BASE, maxMemory, shared);
  init(m, maxMemory, debug);
  const memory = {
    get buffer(): ArrayBufferLike {
      return m.buffer;
    },
  };
  const allocator = buildAllocator({
    backend: "ts",
    debug,
    maxMemory,
    sharedMemory: shared,
    memory,
    malloc: debug ? (n) => _PyMem_DebugMalloc(m, n >>> 0) : (n) => _PyObject_Malloc(m, n >>> 0),
    calloc: debug
      ? (a, b) => _PyMem_DebugCalloc(m, a >>> 0, b >>> 0)
      : (a, b) => _PyObject_Calloc(m, a >>> 0, b >>> 0),
    realloc: debug
      ? (p, n) => _PyMem_DebugRealloc(m, p >>> 0, n >>> 0)
      : (p, n) => _PyObject_Realloc(m, p >>> 0, n >>> 0),
    free: debug ? (p) => _PyMem_DebugFree(m, p >>> 0) : (p) => _PyObject_Free(m, p >>> 0),
    replayRun: (recs, nrec, ptrs) => replay_run(m, recs >>> 0, nrec >>> 0, ptrs >>> 0),
    clearFault: () => m.fill(STATE_BASE + DBG_RECORD, 0, STATE_SIZE - DBG_RECORD),
    listeners: m.listeners,
  });
  return Object.assign(allocator, { mem: m });
}

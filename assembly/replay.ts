// === Trace replay inside wasm (for bench/) ===
//
// Layer: a client of layer 2, compiled into the module so that a benchmark can
// time pymalloc without one JS->wasm call per operation. It does exactly what
// the native replayer (../shared/anchors/trace/replay.c, REPLAY_LOOP with
// TOUCH_BYTE) does with CPython's PyObject_* functions:
//
//   malloc:  p = malloc(size); write one byte into p unless size 0; ptrs[id] = p
//   calloc:  the same with calloc(1, size)
//   realloc: p = realloc(ptrs[id], size); write one byte unless size 0; ptrs[id] = p
//            (a failed realloc keeps the old block: ptrs[id] is left alone)
//   free:    free(ptrs[id]); ptrs[id] = 0
//
// Records are pre-decoded into linear memory, 8 bytes each (src/tools/trace.ts
// packTrace): word0 = id | ((op - 1) << 30), word1 = size. ptrs is an array of
// u32, one per id, zeroed by the caller. Both arrays are ordinary blocks the
// caller got from this allocator (any 4-aligned memory the allocator does not
// manage would do, but there is none above HEAP_BASE).
//
// Returns the number of NULL results (0 for a complete replay); it also keeps
// the optimiser from discarding the loop. The written byte is the low byte of
// the record index, as in the native replayer.
//
// Never touches: allocator internals (it calls the debug hooks' _PyMem_Debug*
// when they are on, pymalloc's _PyObject_* when they are off).

import { _PyObject_Malloc, _PyObject_Calloc, _PyObject_Realloc, _PyObject_Free } from "./obmalloc";
import { _PyMem_DebugMalloc, _PyMem_DebugCalloc, _PyMem_DebugRealloc, _PyMem_DebugFree } from "./debug";
import { debug_enabled } from "./pool";

/** Records per call of a chunk function. V8 has no on-stack replacement for
 *  wasm: a long loop keeps running the baseline (Liftoff) code it started in,
 *  so the work is cut into calls that pick up the optimised code once it exists. */
const CHUNK: u32 = 1 << 16;

// The loop, instantiated twice below: `debug` is a constant at each inlined
// call site, so the non-debug copy calls pymalloc's fast paths directly
// (inlined) and never tests the debug flag.
// @ts-ignore: decorator
@inline function replay_loop(recs: u32, from: u32, to: u32, ptrs: u32, debug: bool): u32 {
  let nulls: u32 = 0;
  for (let i = from; i < to; i++) {
    const r = recs + (i << 3);
    const w0 = load<u32>(r);
    const size = load<u32>(r, 4);
    const slot = ptrs + ((w0 & 0x3fffffff) << 2);
    const op = w0 >>> 30;
    let p: u32;
    if (op == 0) {
      p = debug ? _PyMem_DebugMalloc(size) : _PyObject_Malloc(size);
    } else if (op == 3) {
      if (debug) _PyMem_DebugFree(load<u32>(slot));
      else _PyObject_Free(load<u32>(slot));
      store<u32>(slot, 0);
      continue;
    } else if (op == 1) {
      p = debug ? _PyMem_DebugCalloc(1, size) : _PyObject_Calloc(1, size);
    } else {
      p = debug ? _PyMem_DebugRealloc(load<u32>(slot), size) : _PyObject_Realloc(load<u32>(slot), size);
      if (p == 0 && size != 0) {
        nulls++;
        continue;
      }
    }
    if (p == 0) {
      nulls++;
    } else if (size != 0) {
      store<u8>(p, <u8>i);
    }
    store<u32>(slot, p);
  }
  return nulls;
}

function replay_chunk(recs: u32, from: u32, to: u32, ptrs: u32): u32 {
  return replay_loop(recs, from, to, ptrs, false);
}

function replay_chunk_debug(recs: u32, from: u32, to: u32, ptrs: u32): u32 {
  return replay_loop(recs, from, to, ptrs, true);
}

export function replay_run(recs: u32, nrec: u32, ptrs: u32): u32 {
  const debug = debug_enabled();
  let nulls: u32 = 0;
  for (let from: u32 = 0; from < nrec; from += CHUNK) {
    const to = nrec - from > CHUNK ? from + CHUNK : nrec;
    nulls += debug ? replay_chunk_debug(recs, from, to, ptrs) : replay_chunk(recs, from, to, ptrs);
  }
  return nulls;
}

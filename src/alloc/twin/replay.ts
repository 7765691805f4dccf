// === Trace replay over the twin's memory (twin of assembly/replay.ts) ===
//
// Layer: a client of layer 2. The same loop as assembly/replay.ts over 8-byte
// records (word0 = id | ((op-1) << 30), word1 = size) and a u32 id -> pointer
// table, both in the twin's linear memory. Returns the number of NULL results.
//
// Never touches: allocator internals.

import { _PyObject_Malloc, _PyObject_Calloc, _PyObject_Realloc, _PyObject_Free } from "./obmalloc";
import { _PyMem_DebugMalloc, _PyMem_DebugCalloc, _PyMem_DebugRealloc, _PyMem_DebugFree } from "./debug";
import { debug_enabled } from "./pool";
import type { Mem } from "./memory";

// Two copies of one loop, like the two inlined instances in assembly/replay.ts:
// replay_fast calls pymalloc's _PyObject_* directly, replay_debug the debug
// hooks' _PyMem_Debug*.
function replay_fast(m: Mem, recs: number, nrec: number, ptrs: number): number {
  let nulls = 0;
  for (let i = 0; i < nrec; i++) {
    const r = (recs >> 2) + 2 * i;
    const h = m.i32;
    const w0 = h[r] >>> 0;
    const size = h[r + 1] >>> 0;
    const slot = (ptrs >> 2) + (w0 & 0x3fffffff);
    const op = w0 >>> 30;
    let p: number;
    if (op === 0) {
      p = _PyObject_Malloc(m, size);
    } else if (op === 3) {
      _PyObject_Free(m, h[slot]);
      m.i32[slot] = 0;
      continue;
    } else if (op === 1) {
      p = _PyObject_Calloc(m, 1, size);
    } else {
      p = _PyObject_Realloc(m, h[slot], size);
      if (p === 0 && size !== 0) {
        nulls++;
        continue;
      }
    }
    if (p === 0) nulls++;
    else if (size !== 0) m.u8[p] = i;
    m.i32[slot] = p;
  }
  return nulls;
}

function replay_debug(m: Mem, recs: number, nrec: number, ptrs: number): number {
  let nulls = 0;
  for (let i = 0; i < nrec; i++) {
    const r = (recs >> 2) + 2 * i;
    const h = m.i32;
    const w0 = h[r] >>> 0;
    const size = h[r + 1] >>> 0;
    const slot = (ptrs >> 2) + (w0 & 0x3fffffff);
    const op = w0 >>> 30;
    let p: number;
    if (op === 0) {
      p = _PyMem_DebugMalloc(m, size);
    } else if (op === 3) {
      _PyMem_DebugFree(m, h[slot]);
      m.i32[slot] = 0;
      continue;
    } else if (op === 1) {
      p = _PyMem_DebugCalloc(m, 1, size);
    } else {
      p = _PyMem_DebugRealloc(m, h[slot], size);
      if (p === 0 && size !== 0) {
        nulls++;
        continue;
      }
    }
    if (p === 0) nulls++;
    else if (size !== 0) m.u8[p] = i;
    m.i32[slot] = p;
  }
  return nulls;
}

/** As assembly/replay.ts: the debug flag is tested once, not per record. */
export function replay_run(m: Mem, recs: number, nrec: number, ptrs: number): number {
  return debug_enabled(m) ? replay_debug(m, recs, nrec, ptrs) : replay_fast(m, recs, nrec, ptrs);
}

// === Object memory: allocation, release and GC links (layer 3) ===
//
// Ports, from CPython 3.11:
//   Objects/object.c      _PyObject_Init, PyObject_Free use
//   Modules/gcmodule.c    gc_alloc / _PyObject_GC_New, _PyObject_GC_Link,
//                         PyObject_GC_Del (the GC lists and PyObject_GC_Track /
//                         UnTrack are in gclist.ts, re-exported here)
//   Objects/typeobject.c  _PyType_PreHeaderSize
//
// Invariants:
//   - the object's block starts `presize` bytes before the Ref: the PyGC_Head for
//     GC types, plus the two managed-dict words before that;
//   - `generations[0].count` (count0) = GC allocations - GC deallocations since
//     the last gen-0 collection, floored at 0 (free-list reuse bypasses both);
//   - a new GC object is untracked (_gc_next == 0) until its constructor tracks
//     it, so a collection triggered by the allocation itself never sees it;
//   - freeing writes ob_type = 0 first, so stale handles are detectable.
//
// Never touches: the payload of any type (see the type modules).

import * as L from "./layout.js";
import { memoryError } from "./errors.js";
import { gc_list_remove } from "./gclist.js";
import type { HeapState, Ref } from "./state.js";
import * as K from "./typeslots.js";
import type { TypeSlots } from "./typeslots.js";

/** PyMem_Malloc / PyObject_Malloc that raises MemoryError instead of returning 0. */
export function mem_malloc(h: HeapState, n: number): number {
  const p = h.alloc.malloc(n);
  if (p === 0) throw memoryError();
  return p;
}

/** PyMem_Realloc that raises MemoryError (and leaves the old block intact) on failure. */
export function mem_realloc(h: HeapState, p: number, n: number): number {
  const q = h.alloc.realloc(p, n);
  if (q === 0) throw memoryError();
  return q;
}

export function mem_free(h: HeapState, p: number): void {
  h.alloc.free(p);
}

/**
 * Allocate a non-GC object of `size` bytes and initialise its header
 * (PyObject_Malloc + _PyObject_Init): refcount 1, type set, heap types increfed.
 */
export function object_alloc(h: HeapState, t: TypeSlots, size: number): Ref {
  const op = h.alloc.malloc(size);
  if (op === 0) throw memoryError();
  const i32 = h.i32;
  i32[(op + OB_REFCNT) >> 2] = 1;
  i32[(op + OB_TYPE) >> 2] = t.ref;
  if (t.heaptype) i32[t.ref >> 2]++;
  if (h.live !== null) h.live.add(op);
  return op;
}

/**
 * Allocate an object of type `t` with `size` bytes after its pre-header
 * (gc_alloc in 3.11). GC types (presize 8, or 16 with a managed dict) get zeroed
 * managed-dict words, an untracked GC head and `_PyObject_GC_Link`, which counts
 * the allocation and may run a collection; other types have no pre-header.
 */
export function gc_alloc(h: HeapState, t: TypeSlots, size: number): Ref {
  const presize = t.presize;
  const mem = h.alloc.malloc(presize + size);
  if (mem === 0) throw memoryError();
  const op = mem + presize;
  let i32 = h.i32;
  if (presize > SIZEOF_GC_HEAD) {
    i32[(op + MANAGED_VALUES) >> 2] = 0;
    i32[(op + MANAGED_DICT) >> 2] = 0;
  }
  if (t.isGC) {
    i32[(op + GC_HEAD_OFFSET + GC_NEXT) >> 2] = 0;
    i32[(op + GC_HEAD_OFFSET + GC_PREV) >> 2] = 0;
    // Not initialised yet: a type of 0 keeps a handle check during a collection
    // triggered right here from mistaking it for a live object.
    i32[(op + OB_TYPE) >> 2] = 0;
    gc_link(h);
    i32 = h.i32;
  }
  i32[(op + OB_REFCNT) >> 2] = 1;
  i32[(op + OB_TYPE) >> 2] = t.ref;
  if (t.heaptype) i32[t.ref >> 2]++;
  if (h.live !== null) h.live.add(op);
  return op;
}

/** _PyObject_GC_Link: count a GC allocation; collect if generation 0 overflows. */
export function gc_link(h: HeapState): void {
  const g = h.gc;
  const count0 = ++g.counts[0];
  const threshold0 = g.thresholds[0];
  if (count0 > threshold0 && threshold0 !== 0 && g.enabled && !g.collecting && h.gcHooks !== null) {
    h.gcHooks.collectGenerations();
  }
}

/**
 * Release an object's memory (the tail of every tp_dealloc): for GC types
 * PyObject_GC_Del (unlink if still tracked, count0--), then PyObject_Free of the
 * block including the pre-header.
 */
export function object_free(h: HeapState, op: Ref, t: TypeSlots): void {
  const i32 = h.i32;
  i32[(op + OB_TYPE) >> 2] = 0;
  if (t.isGC) {
    if (i32[(op + GC_HEAD_OFFSET + GC_NEXT) >> 2] !== 0) gc_list_remove(h, op + GC_HEAD_OFFSET);
    const counts = h.gc.counts;
    if (counts[0] > 0) counts[0]--;
  }
  if (h.live !== null) h.live.delete(op);
  h.alloc.free(op - t.presize);
}

// ---- GC lists and tracking: see gclist.ts (re-exported for the type modules) ----
export {
  gc_is_finalized,
  gc_is_tracked,
  gc_list_append,
  gc_list_init,
  gc_list_remove,
  gc_set_finalized,
  gc_track,
  gc_untrack,
} from "./gclist.js";

// The imported constants as module-local bindings: V8 folds a module's own `const`
// into optimized code but loads an imported binding from its module cell at every
// use (4 field accesses: 2.8 ns local vs 4.4 ns imported, node 20).
const { GC_HEAD_OFFSET, GC_NEXT, GC_PREV, MANAGED_DICT, MANAGED_VALUES, OB_REFCNT, OB_TYPE, SIZEOF_GC_HEAD, Py_TPFLAGS_HAVE_GC, Py_TPFLAGS_HEAPTYPE, TP_FLAGS, TP_KIND } = L;
const { K_TYPE } = K;

/**
 * PyObject_IS_GC: the type supports GC and, for type objects, the object is a
 * heap type (static types report no GC support, as type_is_gc does).
 */
export function object_is_gc(h: HeapState, op: Ref): boolean {
  const i32 = h.i32;
  const type = i32[(op + OB_TYPE) >> 2];
  const flags = i32[(type + TP_FLAGS) >> 2];
  if ((flags & Py_TPFLAGS_HAVE_GC) === 0) return false;
  if (i32[(type + TP_KIND) >> 2] === K_TYPE) return (i32[(op + TP_FLAGS) >> 2] & Py_TPFLAGS_HEAPTYPE) !== 0;
  return true;
}

/**
 * _PyObject_GC_MAY_BE_TRACKED: could this object take part in a cycle? Used by
 * the dict tracking rule (MAINTAIN_TRACKING) and tuple untracking.
 */
export function may_be_tracked(h: HeapState, op: Ref): boolean {
  const i32 = h.i32;
  const type = i32[(op + OB_TYPE) >> 2];
  // the usual keys and values first: exact str and int are not GC types
  if (type === h.strType || type === h.intType) return false;
  if (!object_is_gc(h, op)) return false;
  if (type === h.tupleType) return i32[(op + GC_HEAD_OFFSET + GC_NEXT) >> 2] !== 0;
  return true;
}

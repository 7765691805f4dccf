// === GC lists and GC-head bits (layer 3) ===
//
// Ports, from CPython 3.11:
//   Include/internal/pycore_gc.h      _PyGCHead_NEXT/PREV/SET_NEXT/SET_PREV,
//                                     _PyGCHead_FINALIZED/SET_FINALIZED
//   Include/internal/pycore_object.h  _PyObject_GC_TRACK / _PyObject_GC_UNTRACK
//   Modules/gcmodule.c                gc_list_init, gc_list_is_empty, gc_list_append,
//                                     gc_list_remove, gc_list_move, gc_list_merge,
//                                     gc_list_size, gc_list_clear_collecting,
//                                     gc_get_refs, gc_set_refs, gc_reset_refs,
//                                     gc_decref, gc_is_collecting, gc_clear_collecting
//
// A generation (or any working list of the collector) is a circular doubly linked
// list through the PyGC_Head words in front of each object; its head is a bare
// PyGC_Head block (two words, no object after it). All arguments named `node`,
// `list`, `head` are PyGC_Head addresses (ref - 8); `op` is an object Ref.
//
//   _gc_next   next PyGC_Head address; 0 = untracked; bit 0 = NEXT_MASK_UNREACHABLE
//              (only while the node sits in move_unreachable's unreachable list)
//   _gc_prev   prev PyGC_Head address | COLLECTING (bit 1) | FINALIZED (bit 0);
//              during a collection the upper 30 bits hold gc_refs instead
//
// Invariants: list heads never carry flag bits; tracking keeps FINALIZED and
// clears COLLECTING; nothing here allocates (callers may keep `h.i32` in a local).
//
// Never touches: the objects' payload or refcounts.

import * as L from "./layout.js";
import type { HeapState, Ref } from "./state.js";

// The imported constants as module-local bindings: V8 folds a module's own `const`
// into optimized code but loads an imported binding from its module cell at every
// use (4 field accesses: 2.8 ns local vs 4.4 ns imported, node 20).
const { GC_HEAD_OFFSET, GC_NEXT, GC_PREV, PREV_MASK, PREV_MASK_COLLECTING, PREV_MASK_FINALIZED, PREV_SHIFT } = L;

/** gc_list_init: an empty list is a head pointing at itself. */
export function gc_list_init(h: HeapState, head: number): void {
  const i32 = h.i32;
  i32[(head + GC_NEXT) >> 2] = head;
  i32[(head + GC_PREV) >> 2] = head;
}

/** gc_list_is_empty */
export function gc_list_is_empty(h: HeapState, head: number): boolean {
  return h.i32[(head + GC_NEXT) >> 2] === head;
}

/** gc_list_append: link `node` (a PyGC_Head address) at the tail of `list`, keeping its flag bits. */
export function gc_list_append(h: HeapState, node: number, list: number): void {
  const i32 = h.i32;
  const last = i32[(list + GC_PREV) >> 2] & PREV_MASK;
  // last <-> node
  i32[(last + GC_NEXT) >> 2] = node;
  i32[(node + GC_PREV) >> 2] = last | (i32[(node + GC_PREV) >> 2] & ~PREV_MASK);
  // node <-> list
  i32[(node + GC_NEXT) >> 2] = list;
  i32[(list + GC_PREV) >> 2] = node | (i32[(list + GC_PREV) >> 2] & ~PREV_MASK);
}

/**
 * gc_list_remove / _PyObject_GC_UNTRACK: unlink `node` and mark it untracked
 * (_gc_next = 0), keeping only FINALIZED in _gc_prev. Tolerates an
 * NEXT_MASK_UNREACHABLE bit on the neighbours (it is kept on `prev`).
 */
export function gc_list_remove(h: HeapState, node: number): void {
  const i32 = h.i32;
  const prevWord = i32[(node + GC_PREV) >> 2];
  const prev = prevWord & PREV_MASK;
  const next = i32[(node + GC_NEXT) >> 2] & ~1;
  i32[(prev + GC_NEXT) >> 2] = next | (i32[(prev + GC_NEXT) >> 2] & 1);
  i32[(next + GC_PREV) >> 2] = prev | (i32[(next + GC_PREV) >> 2] & ~PREV_MASK);
  i32[(node + GC_NEXT) >> 2] = 0;
  i32[(node + GC_PREV) >> 2] = prevWord & PREV_MASK_FINALIZED;
}

/**
 * gc_list_move: unlink `node` from whatever list holds it and append it to `list`
 * (gc_list_remove + gc_list_append without touching the flag bits of `node`).
 */
export function gc_list_move(h: HeapState, node: number, list: number): void {
  const i32 = h.i32;
  const nodePrev = i32[(node + GC_PREV) >> 2];
  const fromPrev = nodePrev & PREV_MASK;
  const fromNext = i32[(node + GC_NEXT) >> 2];
  // unlink: _PyGCHead_SET_NEXT(from_prev, from_next); _PyGCHead_SET_PREV(from_next, from_prev)
  i32[(fromPrev + GC_NEXT) >> 2] = fromNext;
  i32[(fromNext + GC_PREV) >> 2] = fromPrev | (i32[(fromNext + GC_PREV) >> 2] & ~PREV_MASK);
  // relink at the end of `list` (a head: no flags)
  const toPrev = i32[(list + GC_PREV) >> 2];
  i32[(node + GC_PREV) >> 2] = toPrev | (nodePrev & ~PREV_MASK);
  i32[(toPrev + GC_NEXT) >> 2] = node;
  i32[(list + GC_PREV) >> 2] = node;
  i32[(node + GC_NEXT) >> 2] = list;
}

/** gc_list_merge: append list `from` onto list `to`; `from` becomes empty. */
export function gc_list_merge(h: HeapState, from: number, to: number): void {
  const i32 = h.i32;
  const fromHead = i32[(from + GC_NEXT) >> 2];
  if (fromHead !== from) {
    const toTail = i32[(to + GC_PREV) >> 2] & PREV_MASK;
    const fromTail = i32[(from + GC_PREV) >> 2] & PREV_MASK;
    i32[(toTail + GC_NEXT) >> 2] = fromHead;
    i32[(fromHead + GC_PREV) >> 2] = toTail | (i32[(fromHead + GC_PREV) >> 2] & ~PREV_MASK);
    i32[(fromTail + GC_NEXT) >> 2] = to;
    i32[(to + GC_PREV) >> 2] = fromTail;
  }
  i32[(from + GC_NEXT) >> 2] = from;
  i32[(from + GC_PREV) >> 2] = from;
}

/** gc_list_size: number of nodes (a walk). */
export function gc_list_size(h: HeapState, list: number): number {
  const i32 = h.i32;
  let n = 0;
  for (let gc = i32[(list + GC_NEXT) >> 2]; gc !== list; gc = i32[(gc + GC_NEXT) >> 2]) n++;
  return n;
}

/** gc_list_clear_collecting: clear PREV_MASK_COLLECTING on every node. */
export function gc_list_clear_collecting(h: HeapState, list: number): void {
  const i32 = h.i32;
  for (let gc = i32[(list + GC_NEXT) >> 2]; gc !== list; gc = i32[(gc + GC_NEXT) >> 2]) {
    i32[(gc + GC_PREV) >> 2] &= ~PREV_MASK_COLLECTING;
  }
}

// ---- gc_refs in _gc_prev (only meaningful during a collection) ----

/** gc_get_refs: the unsigned upper 30 bits of _gc_prev. */
export function gc_get_refs(h: HeapState, node: number): number {
  return h.i32[(node + GC_PREV) >> 2] >>> PREV_SHIFT;
}

/** gc_set_refs: keep the flag bits, store `refs`. */
export function gc_set_refs(h: HeapState, node: number, refs: number): void {
  const i = (node + GC_PREV) >> 2;
  h.i32[i] = (h.i32[i] & ~PREV_MASK) | (refs << PREV_SHIFT);
}

/** gc_reset_refs: keep FINALIZED, set COLLECTING, store `refs`. */
export function gc_reset_refs(h: HeapState, node: number, refs: number): void {
  const i = (node + GC_PREV) >> 2;
  h.i32[i] = (h.i32[i] & PREV_MASK_FINALIZED) | PREV_MASK_COLLECTING | (refs << PREV_SHIFT);
}

export function gc_is_collecting(h: HeapState, node: number): boolean {
  return (h.i32[(node + GC_PREV) >> 2] & PREV_MASK_COLLECTING) !== 0;
}

export function gc_clear_collecting(h: HeapState, node: number): void {
  h.i32[(node + GC_PREV) >> 2] &= ~PREV_MASK_COLLECTING;
}

// ---- tracking (objects) ----

/**
 * PyObject_GC_Track: append to generation 0 (gc_list_append written out: the new
 * node is untracked, so its _gc_prev holds at most FINALIZED; the head has no flags).
 */
export function gc_track(h: HeapState, op: Ref): void {
  const i32 = h.i32;
  const list = h.gen0;
  const node = op + GC_HEAD_OFFSET;
  const last = i32[(list + GC_PREV) >> 2];
  i32[(last + GC_NEXT) >> 2] = node;
  i32[(node + GC_PREV) >> 2] = last | (i32[(node + GC_PREV) >> 2] & ~PREV_MASK);
  i32[(node + GC_NEXT) >> 2] = list;
  i32[(list + GC_PREV) >> 2] = node;
}

/** PyObject_GC_UnTrack: unlink if tracked (safe to call twice). */
export function gc_untrack(h: HeapState, op: Ref): void {
  if (h.i32[(op + GC_HEAD_OFFSET + GC_NEXT) >> 2] !== 0) gc_list_remove(h, op + GC_HEAD_OFFSET);
}

/** _PyObject_GC_IS_TRACKED (the object must be of a GC type). */
export function gc_is_tracked(h: HeapState, op: Ref): boolean {
  return h.i32[(op + GC_HEAD_OFFSET + GC_NEXT) >> 2] !== 0;
}

/** _PyGC_FINALIZED (the object must be of a GC type). */
export function gc_is_finalized(h: HeapState, op: Ref): boolean {
  return (h.i32[(op + GC_HEAD_OFFSET + GC_PREV) >> 2] & PREV_MASK_FINALIZED) !== 0;
}

/** _PyGC_SET_FINALIZED */
export function gc_set_finalized(h: HeapState, op: Ref): void {
  h.i32[(op + GC_HEAD_OFFSET + GC_PREV) >> 2] |= PREV_MASK_FINALIZED;
}

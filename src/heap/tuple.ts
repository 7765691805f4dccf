// === tuple (layer 3) ===
//
// Ports, from CPython 3.11 Objects/tupleobject.c: tuple_alloc with
// maybe_freelist_pop (sizes 1..19 are taken from the free lists) and
// maybe_freelist_push (sizes 1..20 are parked, 2000 per size: 3.11's asymmetry is
// kept), PyTuple_New (items NULL, tracked at once), the empty-tuple singleton
// (untracked, immortal), tuple_dealloc (untrack, trashcan, items last to first),
// tupletraverse (last to first), tuplehash (the xxHash-style 32-bit version),
// _PyTuple_MaybeUntrack (for the collector), tuple.__sizeof__.
//
// Invariants: a tuple handed out is fully built (no NULL item) unless its creator
// is still filling it; free-listed tuples have ob_type 0, are not tracked, and are
// linked through ob_item[0] (as CPython's).

import * as L from "./layout.js";
import { gc_alloc, gc_is_tracked, gc_list_remove, gc_track, gc_untrack, may_be_tracked, object_free } from "./object.js";
import { _Py_Dealloc, PyTrash_UNWIND_LEVEL, trash_destroy_chain } from "./refcount.js";
import type { HeapState, Ref } from "./state.js";
import type { TypeSlots, Visit } from "./typeslots.js";
import { slots_of } from "./typeobject.js";

// The imported constants as module-local bindings: V8 folds a module's own `const`
// into optimized code but loads an imported binding from its module cell at every
// use (4 field accesses: 2.8 ns local vs 4.4 ns imported, node 20).
const { GC_HEAD_OFFSET, GC_NEXT, OB_REFCNT, OB_SIZE, OB_TYPE, SIZEOF_TUPLE_HEAD, TUPLE_ITEMS } = L;

export const PyTuple_MAXSAVESIZE = 20;
export const PyTuple_MAXFREELIST = 2000;

/** tuple_alloc: a tuple of type `tuple` with n uninitialised items, untracked. */
function tuple_alloc(h: HeapState, n: number): Ref {
  if (n < PyTuple_MAXSAVESIZE) {
    const free = h.tupleFree[n - 1];
    if (free.length !== 0) {
      const op = free.head;
      const i32 = h.i32;
      free.head = i32[(op + TUPLE_ITEMS) >> 2];
      free.length--;
      i32[(op + OB_REFCNT) >> 2] = 1;
      i32[(op + OB_TYPE) >> 2] = h.tupleType;
      if (h.live !== null) h.live.add(op);
      return op;
    }
  }
  const op = gc_alloc(h, h.T.tuple, SIZEOF_TUPLE_HEAD + 4 * n);
  h.i32[(op + OB_SIZE) >> 2] = n;
  return op;
}

/** PyTuple_New: n NULL items, tracked; () is the singleton. New reference. */
export function tuple_new(h: HeapState, n: number): Ref {
  if (n === 0) {
    h.i32[h.emptyTuple >> 2]++;
    return h.emptyTuple;
  }
  const op = tuple_alloc(h, n);
  const i32 = h.i32;
  const base = (op + TUPLE_ITEMS) >> 2;
  for (let i = 0; i < n; i++) i32[base + i] = 0;
  gc_track(h, op);
  return op;
}

/** A new tuple of type `t` (a tuple subclass): items NULL, untracked until the caller tracks. */
export function tuple_new_subtype(h: HeapState, t: TypeSlots, n: number): Ref {
  const op = gc_alloc(h, t, SIZEOF_TUPLE_HEAD + 4 * n);
  const i32 = h.i32;
  i32[(op + OB_SIZE) >> 2] = n;
  i32.fill(0, (op + TUPLE_ITEMS) >> 2, ((op + TUPLE_ITEMS) >> 2) + n);
  return op;
}

/** _PyTuple_FromArray: a tuple holding new references to `items`. */
export function tuple_from_array(h: HeapState, items: ArrayLike<Ref>): Ref {
  const n = items.length;
  if (n === 0) {
    h.i32[h.emptyTuple >> 2]++;
    return h.emptyTuple;
  }
  const op = tuple_alloc(h, n);
  const i32 = h.i32;
  const base = (op + TUPLE_ITEMS) >> 2;
  for (let i = 0; i < n; i++) {
    const v = items[i];
    i32[v >> 2]++;
    i32[base + i] = v;
  }
  gc_track(h, op);
  return op;
}

/** PyTuple_Pack(2, a, b) */
export function tuple_pack2(h: HeapState, a: Ref, b: Ref): Ref {
  const op = tuple_alloc(h, 2);
  const i32 = h.i32;
  i32[a >> 2]++;
  i32[b >> 2]++;
  i32[(op + TUPLE_ITEMS) >> 2] = a;
  i32[(op + TUPLE_ITEMS + 4) >> 2] = b;
  gc_track(h, op);
  return op;
}

export function tuple_size(h: HeapState, op: Ref): number {
  return h.i32[(op + OB_SIZE) >> 2];
}

/** PyTuple_GET_ITEM: borrowed. */
export function tuple_get(h: HeapState, op: Ref, i: number): Ref {
  return h.i32[(op + TUPLE_ITEMS + 4 * i) >> 2];
}

/** Store an owned reference into a slot of a tuple being built. */
export function tuple_set(h: HeapState, op: Ref, i: number, v: Ref): void {
  h.i32[(op + TUPLE_ITEMS + 4 * i) >> 2] = v;
}

export function tuple_dealloc(h: HeapState, op: Ref): void {
  let i32 = h.i32;
  const n = i32[(op + OB_SIZE) >> 2];
  if (op === h.emptyTuple) return;
  if (i32[(op + GC_HEAD_OFFSET + GC_NEXT) >> 2] !== 0) gc_list_remove(h, op + GC_HEAD_OFFSET);
  const exact = i32[(op + OB_TYPE) >> 2] === h.tupleType;
  if (exact) {
    // Py_TRASHCAN_BEGIN
    if (h.trash_delete_nesting >= PyTrash_UNWIND_LEVEL) {
      h.trash_delete_later.push(op);
      return;
    }
    ++h.trash_delete_nesting;
  }
  for (let i = n; --i >= 0; ) {
    // Py_XDECREF, with the views re-read only after a deallocation
    const v = i32[((op + TUPLE_ITEMS) >> 2) + i];
    if (v !== 0) {
      const rc = i32[v >> 2] - 1;
      i32[v >> 2] = rc;
      if (rc === 0) {
        _Py_Dealloc(h, v);
        i32 = h.i32;
      }
    }
  }
  if (!exact) {
    object_free(h, op, slots_of(h, op));
    return;
  }
  const free = n <= PyTuple_MAXSAVESIZE ? h.tupleFree[n - 1] : null;
  if (free !== null && free.length < PyTuple_MAXFREELIST) {
    i32[(op + OB_TYPE) >> 2] = 0;
    i32[(op + TUPLE_ITEMS) >> 2] = free.head;
    free.head = op;
    free.length++;
    if (h.live !== null) h.live.delete(op);
  } else {
    object_free(h, op, h.T.tuple);
  }
  // Py_TRASHCAN_END
  if (--h.trash_delete_nesting <= 0 && h.trash_delete_later.length !== 0) trash_destroy_chain(h);
}

/** tupletraverse: items last to first. */
export function tuple_traverse<A>(h: HeapState, op: Ref, visit: Visit<A>, arg: A): void {
  let i = h.i32[(op + OB_SIZE) >> 2];
  while (--i >= 0) {
    const v = h.i32[(op + TUPLE_ITEMS + 4 * i) >> 2];
    if (v !== 0) visit(h, v, arg);
  }
}

/** _PyTuple_MaybeUntrack: untrack an exact tuple none of whose items could be in a cycle. */
export function tuple_maybe_untrack(h: HeapState, op: Ref): void {
  const i32 = h.i32;
  if (i32[(op + OB_TYPE) >> 2] !== h.tupleType || !gc_is_tracked(h, op)) return;
  const n = i32[(op + OB_SIZE) >> 2];
  for (let i = 0; i < n; i++) {
    const elt = i32[(op + TUPLE_ITEMS + 4 * i) >> 2];
    if (elt === 0 || may_be_tracked(h, elt)) return;
  }
  gc_untrack(h, op);
}

/** tuplehash with 32-bit Py_uhash_t; `hashItem` is PyObject_Hash. */
export function tuple_hash(h: HeapState, op: Ref, hashItem: (h: HeapState, o: Ref) => number): number {
  const n = h.i32[(op + OB_SIZE) >> 2];
  let acc = 374761393; // _PyHASH_XXPRIME_5
  for (let i = 0; i < n; i++) {
    const lane = hashItem(h, h.i32[(op + TUPLE_ITEMS + 4 * i) >> 2]);
    acc = (acc + Math.imul(lane, -2048144777)) | 0; // _PyHASH_XXPRIME_2 = 2246822519
    acc = (acc << 13) | (acc >>> 19);
    acc = Math.imul(acc, -1640531535); // _PyHASH_XXPRIME_1 = 2654435761
  }
  acc = (acc + (n ^ (374761393 ^ 3527539))) | 0;
  if (acc === -1) return 1546275796;
  return acc;
}

/** tuple.__sizeof__ (without the GC head, which getsizeof adds). */
export function tuple_sizeof(h: HeapState, op: Ref): number {
  return SIZEOF_TUPLE_HEAD + 4 * tuple_size(h, op);
}

/**
 * _PyTuple_ClearFreeList (maybe_freelist_clear): release the parked tuples (full
 * collections do this), each through PyObject_GC_Del, which counts a GC deallocation
 * (count0, floored at 0).
 */
export function tuple_clear_freelists(h: HeapState): void {
  for (const free of h.tupleFree) {
    while (free.length !== 0) {
      const op = free.head;
      free.head = h.i32[(op + TUPLE_ITEMS) >> 2];
      free.length--;
      object_free(h, op, h.T.tuple);
    }
  }
}

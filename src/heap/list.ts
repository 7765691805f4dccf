// === list (layer 3) ===
//
// Ports, from CPython 3.11 Objects/listobject.c: PyList_New (free list of 80,
// items zeroed with PyMem_Calloc), list_resize's over-allocation
// ((n + (n >> 3) + 6) & ~3, not over-allocating when the jump is large),
// list_preallocate_exact, app1 (append), ins1 (insert), list_pop, list_ass_item,
// list_dealloc (untrack, trashcan, items last to first, free list), list_traverse
// (last to first), _list_clear (tp_clear), list___sizeof__.
//
// Invariants: 0 <= ob_size <= allocated; ob_item == 0 iff allocated == 0; every
// item below ob_size is an owned reference. A parked list (free list) has ob_type 0,
// is untracked, and its ob_item word links it to the next parked list.

import * as L from "./layout.js";
import { memoryError, PyError } from "./errors.js";
import { gc_alloc, gc_list_remove, gc_track, object_free } from "./object.js";
import { Py_DECREF, Py_XDECREF, _Py_Dealloc, PyTrash_UNWIND_LEVEL, trash_destroy_chain } from "./refcount.js";
import type { HeapState, Ref } from "./state.js";
import type { TypeSlots, Visit } from "./typeslots.js";
import { slots_of } from "./typeobject.js";

// The imported constants as module-local bindings: V8 folds a module's own `const`
// into optimized code but loads an imported binding from its module cell at every
// use (4 field accesses: 2.8 ns local vs 4.4 ns imported, node 20).
const { GC_HEAD_OFFSET, GC_NEXT, LIST_ALLOCATED, LIST_ITEMS, OB_REFCNT, OB_SIZE, OB_TYPE, SIZEOF_LIST } = L;

export const PyList_MAXFREELIST = 80;

/** Largest n for which n * 4 bytes is asked of malloc directly (calloc checks the product itself). */
const MAX_ITEMS_MALLOC = 0x1fffffff;

/** A fresh list object of type `t` (untracked, no items) from the free list or gc_alloc. */
function list_alloc(h: HeapState, t: TypeSlots): Ref {
  return t === h.T.list ? list_alloc_exact(h) : gc_alloc(h, t, SIZEOF_LIST);
}

/** A fresh exact list (untracked, no items): the free list's latest, else gc_alloc. */
function list_alloc_exact(h: HeapState): Ref {
  const free = h.listFree;
  if (free.length !== 0) {
    const op = free.head;
    const i32 = h.i32;
    free.head = i32[(op + LIST_ITEMS) >> 2];
    free.length--;
    i32[(op + OB_REFCNT) >> 2] = 1;
    i32[(op + OB_TYPE) >> 2] = h.listType;
    if (h.live !== null) h.live.add(op);
    return op;
  }
  return gc_alloc(h, h.T.list, SIZEOF_LIST);
}

/** Park an exact list (untracked, items released) on the free list, or free it. */
function list_park_or_free(h: HeapState, op: Ref): void {
  const free = h.listFree;
  if (free.length < PyList_MAXFREELIST) {
    const i32 = h.i32;
    i32[(op + OB_TYPE) >> 2] = 0;
    i32[(op + LIST_ITEMS) >> 2] = free.head;
    free.head = op;
    free.length++;
    if (h.live !== null) h.live.delete(op);
  } else {
    object_free(h, op, h.T.list);
  }
}

/**
 * PyList_New(n): a tracked list of length n whose items are NULL, for the caller
 * to fill with owned references. New reference.
 */
export function list_new_empty(h: HeapState, n: number): Ref {
  return list_new_typed(h, h.T.list, n);
}

export function list_new_typed(h: HeapState, t: TypeSlots, n: number): Ref {
  const op = list_alloc(h, t);
  let items = 0;
  if (n > 0) {
    items = h.alloc.calloc(n, 4);
    if (items === 0) list_alloc_failed(h, op, t);
  }
  const i32 = h.i32;
  i32[(op + OB_SIZE) >> 2] = n;
  i32[(op + LIST_ITEMS) >> 2] = items;
  i32[(op + LIST_ALLOCATED) >> 2] = n;
  gc_track(h, op);
  return op;
}

/** The item array could not be allocated: back out the list object (never tracked) and raise. */
function list_alloc_failed(h: HeapState, op: Ref, t: TypeSlots): never {
  if (t === h.T.list) list_park_or_free(h, op);
  else object_free(h, op, t);
  throw memoryError();
}

/**
 * `[a, b, c]` (BUILD_LIST): a list holding new references to `items`. PyList_New
 * with the item array from malloc rather than calloc: every slot is written before
 * anything can look at it (same block, same address: pymalloc's calloc is malloc
 * plus a fill).
 */
export function list_from_array(h: HeapState, items: ArrayLike<Ref>): Ref {
  const n = items.length;
  const op = list_alloc_exact(h);
  let mem = 0;
  if (n > 0) {
    mem = n <= MAX_ITEMS_MALLOC ? h.alloc.malloc(n * 4) : h.alloc.calloc(n, 4);
    if (mem === 0) list_alloc_failed(h, op, h.T.list);
  }
  const i32 = h.i32;
  i32[(op + OB_SIZE) >> 2] = n;
  i32[(op + LIST_ITEMS) >> 2] = mem;
  i32[(op + LIST_ALLOCATED) >> 2] = n;
  const base = mem >> 2;
  for (let i = 0; i < n; i++) {
    const v = items[i];
    i32[v >> 2]++;
    i32[base + i] = v;
  }
  gc_track(h, op);
  return op;
}

export function list_size(h: HeapState, op: Ref): number {
  return h.i32[(op + OB_SIZE) >> 2];
}

/** PyList_GET_ITEM: borrowed. */
export function list_get(h: HeapState, op: Ref, i: number): Ref {
  const i32 = h.i32;
  return i32[(i32[(op + LIST_ITEMS) >> 2] >> 2) + i];
}

/**
 * list_resize: ensure room for `newsize` items and set ob_size, with CPython's
 * over-allocation. Raises MemoryError (list unchanged) on failure.
 */
export function list_resize(h: HeapState, op: Ref, newsize: number): void {
  const i32 = h.i32;
  const allocated = i32[(op + LIST_ALLOCATED) >> 2];
  if (allocated >= newsize && newsize >= allocated >> 1) {
    i32[(op + OB_SIZE) >> 2] = newsize;
    return;
  }
  let new_allocated = (newsize + (newsize >> 3) + 6) & ~3;
  if (newsize - i32[(op + OB_SIZE) >> 2] > new_allocated - newsize) new_allocated = (newsize + 3) & ~3;
  if (newsize === 0) new_allocated = 0;
  const old = i32[(op + LIST_ITEMS) >> 2];
  const items = h.alloc.realloc(old, new_allocated * 4);
  if (items === 0) throw memoryError();
  const j32 = h.i32;
  j32[(op + LIST_ITEMS) >> 2] = items;
  j32[(op + OB_SIZE) >> 2] = newsize;
  j32[(op + LIST_ALLOCATED) >> 2] = new_allocated;
}

/** list_preallocate_exact: for an empty list about to receive `size` items. */
export function list_preallocate_exact(h: HeapState, op: Ref, size: number): void {
  size = (size + 1) & ~1;
  const items = h.alloc.malloc(size * 4);
  if (items === 0) throw memoryError();
  const i32 = h.i32;
  i32[(op + LIST_ITEMS) >> 2] = items;
  i32[(op + LIST_ALLOCATED) >> 2] = size;
}

/** app1 / PyList_Append: the list takes a new reference to v. */
export function list_append(h: HeapState, op: Ref, v: Ref): void {
  const i32 = h.i32;
  const n = i32[(op + OB_SIZE) >> 2];
  if (n < i32[(op + LIST_ALLOCATED) >> 2]) {
    i32[v >> 2]++;
    i32[(i32[(op + LIST_ITEMS) >> 2] >> 2) + n] = v;
    i32[(op + OB_SIZE) >> 2] = n + 1;
    return;
  }
  list_resize(h, op, n + 1);
  const j32 = h.i32;
  j32[v >> 2]++;
  j32[(j32[(op + LIST_ITEMS) >> 2] >> 2) + n] = v;
}

/** ins1 / list.insert(where, v) */
export function list_insert(h: HeapState, op: Ref, where: number, v: Ref): void {
  const n = list_size(h, op);
  list_resize(h, op, n + 1);
  if (where < 0) {
    where += n;
    if (where < 0) where = 0;
  }
  if (where > n) where = n;
  const i32 = h.i32;
  const base = i32[(op + LIST_ITEMS) >> 2] >> 2;
  for (let i = n; --i >= where; ) i32[base + i + 1] = i32[base + i];
  i32[v >> 2]++;
  i32[base + where] = v;
}

/** Normalise an index for item access, raising IndexError with `what` in the message. */
export function list_index(h: HeapState, op: Ref, i: number, what: string): number {
  const n = list_size(h, op);
  if (i < 0) i += n;
  if (i < 0 || i >= n) throw new PyError("IndexError", what);
  return i;
}

/** list[i] (new reference) */
export function list_getitem(h: HeapState, op: Ref, i: number): Ref {
  i = list_index(h, op, i, "list index out of range");
  const v = list_get(h, op, i);
  h.i32[v >> 2]++;
  return v;
}

/** list[i] = v (list_ass_item) */
export function list_setitem(h: HeapState, op: Ref, i: number, v: Ref): void {
  i = list_index(h, op, i, "list assignment index out of range");
  const i32 = h.i32;
  const slot = (i32[(op + LIST_ITEMS) >> 2] >> 2) + i;
  const old = i32[slot];
  i32[v >> 2]++;
  i32[slot] = v;
  Py_DECREF(h, old);
}

/** del list[i] */
export function list_delitem(h: HeapState, op: Ref, i: number): void {
  i = list_index(h, op, i, "list assignment index out of range");
  const v = list_remove_at(h, op, i);
  Py_DECREF(h, v);
}

/** Remove item i, shifting the tail down; returns the (owned) item. Never fails. */
function list_remove_at(h: HeapState, op: Ref, i: number): Ref {
  const i32 = h.i32;
  const n = i32[(op + OB_SIZE) >> 2];
  const base = i32[(op + LIST_ITEMS) >> 2] >> 2;
  const v = i32[base + i];
  for (let j = i; j < n - 1; j++) i32[base + j] = i32[base + j + 1];
  list_shrink(h, op, n - 1);
  return v;
}

/** list_resize for a shrink: like CPython, but a failed realloc keeps the larger array. */
function list_shrink(h: HeapState, op: Ref, newsize: number): void {
  const i32 = h.i32;
  const allocated = i32[(op + LIST_ALLOCATED) >> 2];
  i32[(op + OB_SIZE) >> 2] = newsize;
  if (newsize >= allocated >> 1) return;
  let new_allocated = (newsize + (newsize >> 3) + 6) & ~3;
  if (newsize === 0) new_allocated = 0;
  const items = h.alloc.realloc(i32[(op + LIST_ITEMS) >> 2], new_allocated * 4);
  if (items === 0) return;
  const j32 = h.i32;
  j32[(op + LIST_ITEMS) >> 2] = items;
  j32[(op + LIST_ALLOCATED) >> 2] = new_allocated;
}

/** list.pop(i=-1): new reference. */
export function list_pop(h: HeapState, op: Ref, i = -1): Ref {
  const n = list_size(h, op);
  if (n === 0) throw new PyError("IndexError", "pop from empty list");
  if (i < 0) i += n;
  if (i < 0 || i >= n) throw new PyError("IndexError", "pop index out of range");
  return list_remove_at(h, op, i);
}

export function list_dealloc(h: HeapState, op: Ref): void {
  let i32 = h.i32;
  if (i32[(op + GC_HEAD_OFFSET + GC_NEXT) >> 2] !== 0) gc_list_remove(h, op + GC_HEAD_OFFSET);
  const exact = i32[(op + OB_TYPE) >> 2] === h.listType;
  if (exact) {
    // Py_TRASHCAN_BEGIN
    if (h.trash_delete_nesting >= PyTrash_UNWIND_LEVEL) {
      h.trash_delete_later.push(op);
      return;
    }
    ++h.trash_delete_nesting;
  }
  const items = i32[(op + LIST_ITEMS) >> 2];
  if (items !== 0) {
    let i = i32[(op + OB_SIZE) >> 2];
    while (--i >= 0) {
      // Py_XDECREF, with the views re-read only after a deallocation
      const v = i32[(items >> 2) + i];
      if (v !== 0) {
        const rc = i32[v >> 2] - 1;
        i32[v >> 2] = rc;
        if (rc === 0) {
          _Py_Dealloc(h, v);
          i32 = h.i32;
        }
      }
    }
    h.alloc.free(items);
  }
  if (exact) {
    list_park_or_free(h, op);
    // Py_TRASHCAN_END
    if (--h.trash_delete_nesting <= 0 && h.trash_delete_later.length !== 0) trash_destroy_chain(h);
  } else {
    object_free(h, op, slots_of(h, op));
  }
}

/** list_traverse: items last to first. */
export function list_traverse<A>(h: HeapState, op: Ref, visit: Visit<A>, arg: A): void {
  let i = h.i32[(op + OB_SIZE) >> 2];
  while (--i >= 0) {
    const i32 = h.i32;
    const v = i32[(i32[(op + LIST_ITEMS) >> 2] >> 2) + i];
    if (v !== 0) visit(h, v, arg);
  }
}

/** _list_clear (tp_clear and list.clear()): detach the items, then drop them last to first. */
export function list_clear(h: HeapState, op: Ref): void {
  const i32 = h.i32;
  const items = i32[(op + LIST_ITEMS) >> 2];
  if (items === 0) return;
  let i = i32[(op + OB_SIZE) >> 2];
  i32[(op + OB_SIZE) >> 2] = 0;
  i32[(op + LIST_ITEMS) >> 2] = 0;
  i32[(op + LIST_ALLOCATED) >> 2] = 0;
  while (--i >= 0) Py_XDECREF(h, h.i32[(items >> 2) + i]);
  h.alloc.free(items);
}

/** list.__sizeof__: the object plus the item array (without the GC head). */
export function list_sizeof(h: HeapState, op: Ref): number {
  return SIZEOF_LIST + 4 * h.i32[(op + LIST_ALLOCATED) >> 2];
}

/**
 * _PyList_ClearFreeList: release the parked lists (full collections do this), each
 * through PyObject_GC_Del, which counts a GC deallocation (count0, floored at 0).
 */
export function list_clear_freelist(h: HeapState): void {
  const free = h.listFree;
  while (free.length !== 0) {
    const op = free.head;
    free.head = h.i32[(op + LIST_ITEMS) >> 2];
    free.length--;
    object_free(h, op, h.T.list);
  }
}

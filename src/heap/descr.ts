// === Descriptors in class dicts (layer 3) ===
//
// Ports the object side of CPython 3.11 Objects/descrobject.c for the descriptors
// a class made by defineClass gets, so that a class's object graph (and so what
// the collector counts when a class dies) is CPython's:
//   getset_descriptor  `__dict__` and `__weakref__` (subtype_dict / subtype_getweakref)
//   member_descriptor  one per `__slots__` name (T_OBJECT_EX at a byte offset)
// descr_traverse visits d_type; descr_dealloc untracks and drops d_type, d_name.

import { DESCR_NAME, DESCR_OFFSET, DESCR_TYPE, DESCR_WHICH, SIZEOF_DESCR } from "./layout.js";
import { gc_alloc, gc_track, gc_untrack, object_free } from "./object.js";
import { Py_XDECREF } from "./refcount.js";
import type { HeapState, Ref } from "./state.js";
import type { TypeSlots, Visit } from "./typeslots.js";

/** DESCR_WHICH values */
export const DESCR_GETSET_DICT = 1;
export const DESCR_GETSET_WEAKREF = 2;
export const DESCR_MEMBER = 3;

/** A new descriptor owned by class `owner` (borrowed), named `name` (str Ref, borrowed). */
export function descr_new(h: HeapState, t: TypeSlots, owner: Ref, name: Ref, which: number, offset: number): Ref {
  const op = gc_alloc(h, t, SIZEOF_DESCR);
  const i32 = h.i32;
  i32[owner >> 2]++;
  i32[name >> 2]++;
  i32[(op + DESCR_TYPE) >> 2] = owner;
  i32[(op + DESCR_NAME) >> 2] = name;
  i32[(op + DESCR_OFFSET) >> 2] = offset;
  i32[(op + DESCR_WHICH) >> 2] = which;
  gc_track(h, op);
  return op;
}

export function descr_which(h: HeapState, op: Ref): number {
  return h.i32[(op + DESCR_WHICH) >> 2];
}

export function descr_offset(h: HeapState, op: Ref): number {
  return h.i32[(op + DESCR_OFFSET) >> 2];
}

export function descr_dealloc(h: HeapState, op: Ref): void {
  gc_untrack(h, op);
  const t = h.i32[(op + DESCR_TYPE) >> 2];
  const name = h.i32[(op + DESCR_NAME) >> 2];
  const which = h.i32[(op + DESCR_WHICH) >> 2];
  Py_XDECREF(h, t);
  Py_XDECREF(h, name);
  object_free(h, op, which === DESCR_MEMBER ? h.T.member_descriptor : h.T.getset_descriptor);
}

/** descr_traverse: d_type */
export function descr_traverse<A>(h: HeapState, op: Ref, visit: Visit<A>, arg: A): void {
  const t = h.i32[(op + DESCR_TYPE) >> 2];
  if (t !== 0) visit(h, t, arg);
}

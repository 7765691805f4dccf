// === Sequence iterators (layer 3) ===
//
// Ports, from CPython 3.11 Objects/listobject.c (listiter_next), tupleobject.c
// (tupleiter_next), unicodeobject.c (unicodeiter_next / unicode_ascii_iter_next),
// bytesobject.c (striter_next) and iterobject.c (PySeqIter_New / iter_iternext, the
// `iterator` type of the old sequence protocol: o[0], o[1], ... until IndexError or
// StopIteration): a GC object holding an index and an owned reference to the
// sequence, dropped as soon as the iterator is exhausted; traverse visits the sequence.

import { ITER_INDEX, ITER_SEQ, OB_SIZE, SIZEOF_SEQITER } from "./layout.js";
import { gc_alloc, gc_track, gc_untrack, object_free } from "./object.js";
import { Py_CLEAR, Py_XDECREF } from "./refcount.js";
import type { HeapState, Ref } from "./state.js";
import type { TypeSlots, Visit } from "./typeslots.js";
import { slots_of } from "./typeobject.js";
import { list_get, list_size } from "./list.js";
import { tuple_get } from "./tuple.js";
import { unicode_length, unicode_read } from "./str.js";
import { bytes_size } from "./bytes.js";
import { long_from_number } from "./int.js";
import { BYTES_SVAL } from "./layout.js";
import { PyError } from "./errors.js";
import { PyObject_GetItem } from "./abstract.js";
import { Py_DECREF } from "./refcount.js";

/** A new iterator of type `t` over `seq` (borrowed; the iterator takes a reference). */
export function seqiter_new(h: HeapState, t: TypeSlots, seq: Ref): Ref {
  const op = gc_alloc(h, t, SIZEOF_SEQITER);
  const i32 = h.i32;
  i32[seq >> 2]++;
  i32[(op + ITER_INDEX) >> 2] = 0;
  i32[(op + ITER_SEQ) >> 2] = seq;
  gc_track(h, op);
  return op;
}

export function seqiter_dealloc(h: HeapState, op: Ref): void {
  gc_untrack(h, op);
  Py_XDECREF(h, h.i32[(op + ITER_SEQ) >> 2]);
  object_free(h, op, slots_of(h, op));
}

export function seqiter_traverse<A>(h: HeapState, op: Ref, visit: Visit<A>, arg: A): void {
  const seq = h.i32[(op + ITER_SEQ) >> 2];
  if (seq !== 0) visit(h, seq, arg);
}

/** Step an iterator: the index to read, or -1 (and the sequence released) when exhausted. */
function step(h: HeapState, op: Ref, len: (h: HeapState, s: Ref) => number): number {
  const seq = h.i32[(op + ITER_SEQ) >> 2];
  if (seq === 0) return -1;
  const i = h.i32[(op + ITER_INDEX) >> 2];
  if (i < len(h, seq)) {
    h.i32[(op + ITER_INDEX) >> 2] = i + 1;
    return i;
  }
  Py_CLEAR(h, op + ITER_SEQ);
  return -1;
}

const tupleLen = (h: HeapState, s: Ref): number => h.i32[(s + OB_SIZE) >> 2];

export function listiter_next(h: HeapState, op: Ref): Ref {
  const i = step(h, op, list_size);
  if (i < 0) return 0;
  const v = list_get(h, h.i32[(op + ITER_SEQ) >> 2], i);
  h.i32[v >> 2]++;
  return v;
}

export function tupleiter_next(h: HeapState, op: Ref): Ref {
  const i = step(h, op, tupleLen);
  if (i < 0) return 0;
  const v = tuple_get(h, h.i32[(op + ITER_SEQ) >> 2], i);
  h.i32[v >> 2]++;
  return v;
}

export function unicodeiter_next(h: HeapState, op: Ref, one_char: (h: HeapState, c: number) => Ref): Ref {
  const i = step(h, op, unicode_length);
  if (i < 0) return 0;
  return one_char(h, unicode_read(h, h.i32[(op + ITER_SEQ) >> 2], i));
}

export function bytesiter_next(h: HeapState, op: Ref): Ref {
  const i = step(h, op, bytes_size);
  if (i < 0) return 0;
  return long_from_number(h, h.u8[h.i32[(op + ITER_SEQ) >> 2] + BYTES_SVAL + i]);
}

/**
 * iter_iternext (PySeqIter_Type): seq[index] through the sequence protocol
 * (__getitem__ with an int), the index advanced on success; IndexError and
 * StopIteration end the iteration (the sequence is released), any other
 * exception propagates. Owned item, or 0 when exhausted.
 */
export function seqiter_iternext(h: HeapState, op: Ref): Ref {
  const seq = h.i32[(op + ITER_SEQ) >> 2];
  if (seq === 0) return 0;
  const i = h.i32[(op + ITER_INDEX) >> 2];
  if (i === 0x7fffffff) throw new PyError("OverflowError", "iter index too large");
  const key = long_from_number(h, i);
  let result: Ref;
  try {
    result = PyObject_GetItem(h, seq, key);
  } catch (e) {
    if (e instanceof PyError && (e.is("IndexError") || e.is("StopIteration"))) {
      Py_CLEAR(h, op + ITER_SEQ);
      return 0;
    }
    throw e;
  } finally {
    Py_DECREF(h, key);
  }
  h.i32[(op + ITER_INDEX) >> 2] = i + 1;
  return result;
}

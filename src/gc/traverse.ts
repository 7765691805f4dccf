// === The collector's traversal: tp_traverse inlined over Int32Array (layer 3, src/gc) ===
//
// Ports, from CPython 3.11, the tp_traverse functions the collector calls, as one
// switch that lists an object's children into a scratch array (the phases then
// run visit_decref / visit_reachable / visit_move inline over it, in one tight
// loop each, instead of a call through a visitproc per child):
//   tupletraverse, list_traverse (last to first), dict_traverse (values of unicode
//   and split tables; value then key of general tables), set_traverse (table
//   order), func_traverse, method_traverse, meth_traverse (builtin methods),
//   descr_traverse, type_traverse (heap types only), subtype_traverse (the slots
//   of each class, the inline values and the managed dict, the class, then the
//   solid base's traverse).
// Every other type (iterators, weakref types, weak containers, ...) goes through
// its TypeSlots.tp_traverse with one module-level visit function; the switch must
// visit exactly what tp_traverse visits, in the same order (test/gc/traverse.test.ts
// checks this for every builtin layout).
//
// Hot-path rules: no recursion (a visit only touches gc_refs or moves list links,
// as in CPython, so a 1,000,000-deep chain costs no stack), no allocation in
// linear memory and no closure per object. Nothing here runs user code, so the
// caller's `i32` view stays valid for the whole phase.
//
// Never touches: anything but reads (the phases write the children's PyGC_Head).

import * as L from "../heap/layout.js";
import type { HeapState, Ref } from "../heap/state.js";
import * as K from "../heap/typeslots.js";
import type { TypeSlots } from "../heap/typeslots.js";
import { dict_slot } from "../heap/typeobject.js";

// The imported constants as module-local bindings: V8 folds a module's own `const`
// into optimized code but loads an imported binding from its module cell at every
// use (4 field accesses: 2.8 ns local vs 4.4 ns imported, node 20).
const { DICT_KEYS, DICT_KEYS_GENERAL, DICT_VALUES, DK_INDICES, DK_KIND, DK_LOG2_INDEX_BYTES, DK_NENTRIES, DESCR_TYPE, BMETH_SELF, ENTRY_KEY, ENTRY_VALUE, FUNC_DICT, FUNC_MODULE, FUNC_NAME, FUNC_QUALNAME, HT_CACHED_KEYS, LIST_ITEMS, MANAGED_DICT, MANAGED_VALUES, METH_FUNC, METH_SELF, OB_SIZE, OB_TYPE, Py_TPFLAGS_HEAPTYPE, SETENTRY_KEY, SET_MASK, SET_TABLE, SIZEOF_DICT_ENTRY, SIZEOF_DICT_UNICODE_ENTRY, SIZEOF_SETENTRY, TP_BASE, TP_BASES, TP_DICT, TP_FLAGS, TP_ID, TP_KIND, TP_MRO, TUPLE_ITEMS, UENTRY_VALUE } = L;
const { K_BUILTIN_METHOD, K_DESCR, K_DICT, K_FUNCTION, K_LIST, K_METHOD, K_OBJECT, K_SET, K_TUPLE, K_TYPE } = K;

/**
 * The per-heap scratch of the traversal: `buf[0..n)` receives the children of
 * one object, in tp_traverse order. Grown (never shrunk) when an object has more
 * children than it holds.
 */
export interface TraverseWork {
  buf: Int32Array;
  n: number;
}

export function new_traverse_work(): TraverseWork {
  return { buf: new Int32Array(1024), n: 0 };
}

function grow(w: TraverseWork, need: number): Int32Array {
  let size = w.buf.length * 2;
  while (size < need) size *= 2;
  const buf = new Int32Array(size);
  buf.set(w.buf);
  w.buf = buf;
  return buf;
}

/** The visitproc handed to tp_traverse on the generic path: append the child. */
function visit_push(_h: HeapState, c: Ref, w: TraverseWork): void {
  let buf = w.buf;
  if (w.n === buf.length) buf = grow(w, w.n + 1);
  buf[w.n++] = c;
}

/**
 * gc_children: tp_traverse(op) with a visit that records each child: after it,
 * `w.buf[0..n)` holds the children in CPython's visiting order (n returned).
 * `i32` must be the current view; nothing here allocates in linear memory or
 * runs user code (tp_traverse functions only read memory).
 */
export function gc_children(h: HeapState, i32: Int32Array, op: Ref, w: TraverseWork): number {
  let buf = w.buf;
  let n = 0;
  const type = i32[(op + OB_TYPE) >> 2];
  let kind = i32[(type + TP_KIND) >> 2];
  if ((i32[(type + TP_FLAGS) >> 2] & Py_TPFLAGS_HEAPTYPE) !== 0) {
    // subtype_traverse: the __slots__ of each class from the most derived one down...
    const t = h.types[i32[(type + TP_ID) >> 2]];
    let b = t;
    while (b.heaptype) {
      const members = b.members;
      if (n + members.length + 2 > buf.length) buf = grow(w, n + members.length + 2);
      for (let i = 0; i < members.length; i++) {
        const v = i32[(op + members[i]) >> 2];
        if (v !== 0) buf[n++] = v;
      }
      b = b.base!;
    }
    // ...the attributes (inline values, then a materialised __dict__)...
    const dictoffset = t.dictoffset;
    if (dictoffset === -1) {
      const values = i32[(op + MANAGED_VALUES) >> 2];
      if (values !== 0) {
        const nv = i32[(i32[(type + HT_CACHED_KEYS) >> 2] + DK_NENTRIES) >> 2];
        if (n + nv + 2 > buf.length) buf = grow(w, n + nv + 2);
        const base = values >> 2;
        for (let i = 0; i < nv; i++) {
          const v = i32[base + i];
          if (v !== 0) buf[n++] = v;
        }
      }
      const d = i32[(op + MANAGED_DICT) >> 2];
      if (d !== 0) buf[n++] = d;
    } else if (dictoffset !== 0 && b.dictoffset === 0) {
      // a __dict__ slot: at a fixed offset, or after the items of an int/tuple/bytes subclass
      const d = i32[(dictoffset > 0 ? op + dictoffset : dict_slot(h, op, t)) >> 2];
      if (d !== 0) buf[n++] = d;
    }
    // ...the class (instances hold a reference to it)...
    buf[n++] = type;
    // ...then the solid base's traverse.
    if (b.tp_traverse === null) return n;
    return children_of_kind(h, i32, op, b.kind, b, w, n);
  }
  return children_of_kind(h, i32, op, kind, null, w, n);
}

/**
 * The part of subtype_traverse that a heap type's solid base `b` contributes
 * (b.tp_traverse != null), into w.buf[0..n).
 */
export function gc_children_base(h: HeapState, i32: Int32Array, op: Ref, b: TypeSlots, w: TraverseWork): number {
  return children_of_kind(h, i32, op, b.kind, b, w, 0);
}

/**
 * The children a builtin layout `kind` holds, appended to w.buf from `n`. `slots`
 * is the TypeSlots whose tp_traverse serves the kinds not inlined here (null:
 * the object's own type).
 */
function children_of_kind(
  h: HeapState,
  i32: Int32Array,
  op: Ref,
  kind: number,
  slots: TypeSlots | null,
  w: TraverseWork,
  n: number,
): number {
  let buf = w.buf;
  switch (kind) {
    case K_LIST: {
      let i = i32[(op + OB_SIZE) >> 2];
      if (n + i > buf.length) buf = grow(w, n + i);
      const items = i32[(op + LIST_ITEMS) >> 2] >> 2;
      while (--i >= 0) {
        const v = i32[items + i];
        if (v !== 0) buf[n++] = v;
      }
      return n;
    }
    case K_TUPLE: {
      let i = i32[(op + OB_SIZE) >> 2];
      if (n + i > buf.length) buf = grow(w, n + i);
      const items = (op + TUPLE_ITEMS) >> 2;
      while (--i >= 0) {
        const v = i32[items + i];
        if (v !== 0) buf[n++] = v;
      }
      return n;
    }
    case K_DICT: {
      const keys = i32[(op + DICT_KEYS) >> 2];
      const ne = i32[(keys + DK_NENTRIES) >> 2];
      const u8 = h.u8;
      const entries = keys + DK_INDICES + (1 << u8[keys + DK_LOG2_INDEX_BYTES]);
      if (u8[keys + DK_KIND] !== DICT_KEYS_GENERAL) {
        if (n + ne > buf.length) buf = grow(w, n + ne);
        const values = i32[(op + DICT_VALUES) >> 2];
        if (values !== 0) {
          const base = values >> 2;
          for (let i = 0; i < ne; i++) {
            const v = i32[base + i];
            if (v !== 0) buf[n++] = v;
          }
        } else {
          let e = (entries + UENTRY_VALUE) >> 2;
          for (let i = 0; i < ne; i++, e += SIZEOF_DICT_UNICODE_ENTRY >> 2) {
            const v = i32[e];
            if (v !== 0) buf[n++] = v;
          }
        }
      } else {
        if (n + 2 * ne > buf.length) buf = grow(w, n + 2 * ne);
        let e = entries >> 2;
        for (let i = 0; i < ne; i++, e += SIZEOF_DICT_ENTRY >> 2) {
          const v = i32[e + (ENTRY_VALUE >> 2)];
          if (v !== 0) {
            buf[n++] = v;
            buf[n++] = i32[e + (ENTRY_KEY >> 2)];
          }
        }
      }
      return n;
    }
    case K_SET: {
      const mask = i32[(op + SET_MASK) >> 2];
      if (n + mask + 1 > buf.length) buf = grow(w, n + mask + 1);
      const dummy = h.setDummy;
      let e = (i32[(op + SET_TABLE) >> 2] + SETENTRY_KEY) >> 2;
      for (let i = 0; i <= mask; i++, e += SIZEOF_SETENTRY >> 2) {
        const key = i32[e];
        if (key !== 0 && key !== dummy) buf[n++] = key;
      }
      return n;
    }
  }
  if (slots === null) {
    // fixed-layout builtins (n is 0 here: buf has room for their few fields)
    switch (kind) {
      case K_FUNCTION: {
        let v = i32[(op + FUNC_MODULE) >> 2];
        if (v !== 0) buf[n++] = v;
        v = i32[(op + FUNC_NAME) >> 2];
        if (v !== 0) buf[n++] = v;
        v = i32[(op + FUNC_DICT) >> 2];
        if (v !== 0) buf[n++] = v;
        v = i32[(op + FUNC_QUALNAME) >> 2];
        if (v !== 0) buf[n++] = v;
        return n;
      }
      case K_METHOD: {
        let v = i32[(op + METH_FUNC) >> 2];
        if (v !== 0) buf[n++] = v;
        v = i32[(op + METH_SELF) >> 2];
        if (v !== 0) buf[n++] = v;
        return n;
      }
      case K_BUILTIN_METHOD: {
        const v = i32[(op + BMETH_SELF) >> 2];
        if (v !== 0) buf[n++] = v;
        return n;
      }
      case K_DESCR: {
        const v = i32[(op + DESCR_TYPE) >> 2];
        if (v !== 0) buf[n++] = v;
        return n;
      }
      case K_TYPE: {
        if ((i32[(op + TP_FLAGS) >> 2] & Py_TPFLAGS_HEAPTYPE) === 0) return n; // static types
        let v = i32[(op + TP_DICT) >> 2];
        if (v !== 0) buf[n++] = v;
        v = i32[(op + TP_MRO) >> 2];
        if (v !== 0) buf[n++] = v;
        v = i32[(op + TP_BASES) >> 2];
        if (v !== 0) buf[n++] = v;
        v = i32[(op + TP_BASE) >> 2];
        if (v !== 0) buf[n++] = v;
        return n;
      }
      case K_OBJECT:
        // object() itself is not a GC type; a GC instance of a class based on
        // object was handled by gc_children (its base has no tp_traverse)
        return n;
    }
    slots = h.types[i32[(i32[(op + OB_TYPE) >> 2] + TP_ID) >> 2]];
  }
  const tr = slots.tp_traverse;
  if (tr === null) return n;
  w.n = n;
  tr(h, op, visit_push, w);
  return w.n;
}

/** The children of `op` as an array (tests compare it with tp_traverse). */
export function gc_children_array(h: HeapState, op: Ref, w: TraverseWork): Ref[] {
  const n = gc_children(h, h.i32, op, w);
  return Array.from(w.buf.subarray(0, n));
}

// === The phases of one collection (layer 3, src/gc) ===
//
// Ports, from CPython 3.11 Modules/gcmodule.c, in the order gc_collect_main runs
// them: update_refs, subtract_refs, move_unreachable (together deduce_unreachable),
// untrack_tuples, untrack_dicts, move_legacy_finalizers,
// move_legacy_finalizer_reachable, debug_cycle, handle_weakrefs (through
// h.weakrefHooks), finalize_garbage, handle_resurrected_objects (with
// clear_unreachable_mask), delete_garbage, handle_legacy_finalizers.
// docs/gc.md tells the whole story; each phase below opens with what holds after it.
//
// Lists are PyGC_Head addresses (ref - 8). The phases up to move_legacy_finalizer_reachable
// run no user code and allocate nothing, so they keep one `i32` view for the whole
// pass; from handle_weakrefs on, finalizers, callbacks and deallocations can run
// arbitrary code (and grow the memory), so those phases re-read `h.i32` after every
// such call and take the head of their list afresh each time, as CPython does.

import * as L from "../heap/layout.js";
import { toPyError } from "../heap/errors.js";
import {
  gc_list_clear_collecting,
  gc_list_init,
  gc_list_merge,
  gc_list_move,
} from "../heap/gclist.js";
import { call_object } from "../heap/call.js";
import { list_append, list_clear } from "../heap/list.js";
import { Py_DECREF } from "../heap/refcount.js";
import { addr } from "../heap/repr.js";
import type { HeapState, Ref } from "../heap/state.js";
import { tuple_maybe_untrack } from "../heap/tuple.js";
import * as K from "../heap/typeslots.js";
import { dict_slot } from "../heap/typeobject.js";
import { gc_children, gc_children_base } from "./traverse.js";

// The imported constants as module-local bindings: V8 folds a module's own `const`
// into optimized code but loads an imported binding from its module cell at every
// use (4 field accesses: 2.8 ns local vs 4.4 ns imported, node 20).
const { GC_HEAD_OFFSET, GC_NEXT, GC_PREV, NEXT_MASK_UNREACHABLE, DICT_KEYS, DICT_KEYS_GENERAL, DICT_KEYS_UNICODE, ENTRY_KEY, ENTRY_VALUE, HT_CACHED_KEYS, MANAGED_DICT, MANAGED_VALUES, SIZEOF_DICT_ENTRY, TUPLE_ITEMS, Py_TPFLAGS_HEAPTYPE, DICT_VALUES, DK_INDICES, DK_KIND, DK_LOG2_INDEX_BYTES, DK_NENTRIES, LIST_ITEMS, OB_REFCNT, OB_SIZE, OB_TYPE, SIZEOF_DICT_UNICODE_ENTRY, UENTRY_VALUE, PREV_MASK, PREV_MASK_COLLECTING, PREV_MASK_FINALIZED, PREV_SHIFT, Py_TPFLAGS_HAVE_GC, SIZEOF_GC_HEAD, TP_FLAGS, TP_ID, TP_KIND, TP_WEAKLISTOFFSET, TP_XFLAGS, XF_FINALIZE, XF_LEGACY_DEL } = L;
const { K_PROXY, K_TYPE, K_WEAKREF } = K;

/** gc.DEBUG_* flags (gcmodule.c) */
export const DEBUG_STATS = 1 << 0;
export const DEBUG_COLLECTABLE = 1 << 1;
export const DEBUG_UNCOLLECTABLE = 1 << 2;
export const DEBUG_SAVEALL = 1 << 5;
export const DEBUG_LEAK = DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE | DEBUG_SAVEALL;

const H = SIZEOF_GC_HEAD; // PyGC_Head -> object
const NX = GC_NEXT >> 2; // word offsets inside a PyGC_Head
const PV = GC_PREV >> 2;
const CPREV = GC_HEAD_OFFSET + GC_PREV; // _gc_prev relative to the object

/**
 * update_refs: for every object in `containers`, gc_refs = ob_refcnt and
 * COLLECTING set (FINALIZED kept).
 *
 * After this, _gc_prev of the objects in `containers` holds gc_refs instead of a
 * back link: the list is singly linked until move_unreachable rebuilds it.
 * Returns the number of objects.
 */
export function update_refs(h: HeapState, containers: number): number {
  const i32 = h.i32;
  let n = 0;
  for (let gc = i32[(containers >> 2) + NX]; gc !== containers; gc = i32[(gc >> 2) + NX]) {
    const pi = (gc >> 2) + PV;
    i32[pi] = (i32[pi] & PREV_MASK_FINALIZED) | PREV_MASK_COLLECTING | (i32[(gc + H + OB_REFCNT) >> 2] << PREV_SHIFT);
    n++;
  }
  return n;
}

/**
 * visit_decref: gc_refs-- if `c` is in the collected set. Only objects of the set
 * are COLLECTING, and only GC objects have a GC head: the COLLECTING bit is read
 * first (for a non-GC object that word belongs to something else) and only when
 * it is set does the type decide (_PyObject_IS_GC; a static type object has a GC
 * head that never is COLLECTING, so HAVE_GC is the whole test).
 */
function visit_decref(i32: Int32Array, c: number): void {
  const pi = (c + CPREV) >> 2;
  const p = i32[pi];
  if ((p & PREV_MASK_COLLECTING) === 0) return;
  if ((i32[(i32[(c + OB_TYPE) >> 2] + TP_FLAGS) >> 2] & Py_TPFLAGS_HAVE_GC) === 0) return;
  i32[pi] = p - (1 << PREV_SHIFT);
}

/**
 * subtract_refs: traverse every object of `containers`, decrementing gc_refs of
 * each referent that is itself in the set (visit_decref). Exact lists, unicode
 * dicts and instances of classes are traversed inline; everything else through
 * gc_children (the same order as their tp_traverse).
 *
 * After this, gc_refs of each object is the number of references to it from
 * outside the collected set (JS-owned references included, as C locals are in
 * CPython): gc_refs > 0 means directly reachable from outside.
 */
export function subtract_refs(h: HeapState, containers: number): void {
  const i32 = h.i32;
  const listType = h.T.list.ref;
  const dictType = h.T.dict.ref;
  for (let gc = i32[(containers >> 2) + NX]; gc !== containers; gc = i32[(gc >> 2) + NX]) {
    const op = gc + H;
    const type = i32[(op + OB_TYPE) >> 2];
    // each layout in its own small function: the hot loops keep their registers
    if (type === listType) decref_list(i32, op);
    else if (type === dictType) decref_dict(h, i32, op);
    else if ((i32[(type + TP_FLAGS) >> 2] & Py_TPFLAGS_HEAPTYPE) !== 0) decref_instance(h, i32, op, type);
    else decref_children(h, i32, op);
  }
}

function decref_list(i32: Int32Array, op: number): void {
  let i = i32[(op + OB_SIZE) >> 2];
  const items = i32[(op + LIST_ITEMS) >> 2] >> 2;
  while (--i >= 0) {
    const c = i32[items + i];
    if (c !== 0) visit_decref(i32, c);
  }
}

function decref_dict(h: HeapState, i32: Int32Array, op: number): void {
  const u8 = h.u8;
  const keys = i32[(op + DICT_KEYS) >> 2];
  if (i32[(op + DICT_VALUES) >> 2] !== 0 || u8[keys + DK_KIND] !== DICT_KEYS_UNICODE) {
    decref_children(h, i32, op);
    return;
  }
  // combined table with str keys: the values only
  const ne = i32[(keys + DK_NENTRIES) >> 2];
  let e = (keys + DK_INDICES + (1 << u8[keys + DK_LOG2_INDEX_BYTES]) + UENTRY_VALUE) >> 2;
  for (let i = 0; i < ne; i++, e += SIZEOF_DICT_UNICODE_ENTRY >> 2) {
    const c = i32[e];
    if (c !== 0) visit_decref(i32, c);
  }
}

/** subtype_traverse: slots (most derived class first), attributes, the class, the base's part. */
function decref_instance(h: HeapState, i32: Int32Array, op: number, type: number): void {
  const t = h.types[i32[(type + TP_ID) >> 2]];
  let b = t;
  while (b.heaptype) {
    const members = b.members;
    for (let i = 0; i < members.length; i++) {
      const c = i32[(op + members[i]) >> 2];
      if (c !== 0) visit_decref(i32, c);
    }
    b = b.base!;
  }
  const dictoffset = t.dictoffset;
  if (dictoffset === -1) {
    const values = i32[(op + MANAGED_VALUES) >> 2];
    if (values !== 0) {
      const nv = i32[(i32[(type + HT_CACHED_KEYS) >> 2] + DK_NENTRIES) >> 2];
      const base = values >> 2;
      for (let i = 0; i < nv; i++) {
        const c = i32[base + i];
        if (c !== 0) visit_decref(i32, c);
      }
    }
    const d = i32[(op + MANAGED_DICT) >> 2];
    if (d !== 0) visit_decref(i32, d);
  } else if (dictoffset !== 0 && b.dictoffset === 0) {
    // a __dict__ slot: at a fixed offset, or after the items of an int/tuple/bytes subclass
    const d = i32[(dictoffset > 0 ? op + dictoffset : dict_slot(h, op, t)) >> 2];
    if (d !== 0) visit_decref(i32, d);
  }
  visit_decref(i32, type);
  if (b.tp_traverse !== null) {
    const w = h.gcModule!.work;
    const n = gc_children_base(h, i32, op, b, w);
    const buf = w.buf;
    for (let k = 0; k < n; k++) visit_decref(i32, buf[k]);
  }
}

function decref_children(h: HeapState, i32: Int32Array, op: number): void {
  const w = h.gcModule!.work;
  const n = gc_children(h, i32, op, w);
  const buf = w.buf;
  for (let k = 0; k < n; k++) visit_decref(i32, buf[k]);
}

/**
 * visit_reachable: `c` is referenced by a reachable object. If it is in the
 * collected set (COLLECTING; objects of other generations and those already
 * scanned are not) and was moved to `unreachable`, it comes back to young's tail
 * with gc_refs 1; if it is still ahead with gc_refs 0, it gets gc_refs 1.
 */
function visit_reachable(i32: Int32Array, c: number, young: number): void {
  const ci = (c + CPREV) >> 2;
  const p = i32[ci];
  if ((p & PREV_MASK_COLLECTING) === 0) return;
  if ((i32[(i32[(c + OB_TYPE) >> 2] + TP_FLAGS) >> 2] & Py_TPFLAGS_HAVE_GC) === 0) return;
  const g = c - H;
  const nx = i32[(g >> 2) + NX];
  if ((nx & NEXT_MASK_UNREACHABLE) !== 0) {
    // Unlink it by hand from unreachable (whose links carry NEXT_MASK_UNREACHABLE),
    // then gc_list_append(gc, young) and gc_set_refs(gc, 1).
    const cprev = p & PREV_MASK;
    const cnext = nx & ~NEXT_MASK_UNREACHABLE;
    i32[(cprev >> 2) + NX] = nx; // copy NEXT_MASK_UNREACHABLE
    const ni = (cnext >> 2) + PV;
    i32[ni] = cprev | (i32[ni] & ~PREV_MASK);
    const yp = (young >> 2) + PV;
    const last = i32[yp];
    i32[(last >> 2) + NX] = g;
    i32[(g >> 2) + NX] = young;
    i32[yp] = g;
    i32[ci] = (p & ~PREV_MASK) | (1 << PREV_SHIFT);
  } else if ((p & PREV_MASK) === 0) {
    // gc_refs == 0: still ahead in young; tell the scan it is reachable
    i32[ci] = p | (1 << PREV_SHIFT);
  }
}

/** move_unreachable's report (st.trashFlags): some trash object is a weakref or is weakly referenced */
export const TRASH_HAS_WEAKREFS = 1;
/** move_unreachable's report: some trash object has a tp_finalize not called yet */
export const TRASH_HAS_FINALIZERS = 2;
/** move_unreachable's report: some trash object has a legacy tp_del */
export const TRASH_HAS_LEGACY = 4;

/**
 * move_unreachable: scan `young` front to back. An object with gc_refs > 0 is
 * reachable: traverse it with visit_reachable (referents still ahead get gc_refs 1;
 * referents already moved to `unreachable` come back to young's tail), relink its
 * back pointer and clear COLLECTING. An object with gc_refs == 0 moves,
 * tentatively, to `unreachable`, its _gc_next marked NEXT_MASK_UNREACHABLE.
 *
 * With `main` (the first deduce_unreachable of gc_collect_main) it also does
 * untrack_tuples' work as each object is scanned: the scan order is young's final
 * order, so each tuple sees exactly the tracking state of its items that the
 * separate pass would see. And it reports, in h.gcModule, how many objects stay
 * in young (survivors) and in `unreachable` (trashCount; `total` is the size of
 * young on entry, from update_refs), and what the objects
 * moved to `unreachable` need (trashFlags, TRASH_*; objects later found reachable
 * may have added flags: the report errs on the safe side).
 *
 * After this, `young` holds exactly the objects reachable from outside the
 * original set (minus, with `main`, the tuples untracked), in scan order, doubly
 * linked again, COLLECTING cleared; `unreachable` holds the rest (COLLECTING set,
 * NEXT_MASK_UNREACHABLE on every _gc_next but the head's). Chains first seen with
 * gc_refs 0 come out reversed, which decides the order of later phases (tuple
 * untracking, DEBUG_COLLECTABLE lines, finalizers).
 */
export function move_unreachable(h: HeapState, young: number, unreachable: number, main = false, total = 0): void {
  const i32 = h.i32;
  const u8 = h.u8;
  const st = h.gcModule!;
  const w = st.work;
  const types = h.types;
  const listType = h.T.list.ref;
  const dictType = h.T.dict.ref;
  const tupleType = h.T.tuple.ref;
  let survivors = 0;
  let untracked = 0;
  let flags = 0;
  let prev = young;
  let gc = i32[(young >> 2) + NX];
  while (gc !== young) {
    const pi = (gc >> 2) + PV;
    if ((i32[pi] & PREV_MASK) !== 0) {
      // gc is reachable from outside; what it refers to is too. The visits may
      // append to young (and change gc's _gc_next when gc is young's tail), so
      // the next object is read only after them.
      const op = gc + H;
      const type = i32[(op + OB_TYPE) >> 2];
      if (type === listType) {
        let i = i32[(op + OB_SIZE) >> 2];
        const items = i32[(op + LIST_ITEMS) >> 2] >> 2;
        while (--i >= 0) {
          const c = i32[items + i];
          if (c !== 0) visit_reachable(i32, c, young);
        }
      } else if (
        type === dictType &&
        i32[(op + DICT_VALUES) >> 2] === 0 &&
        u8[i32[(op + DICT_KEYS) >> 2] + DK_KIND] === DICT_KEYS_UNICODE
      ) {
        const keys = i32[(op + DICT_KEYS) >> 2];
        const ne = i32[(keys + DK_NENTRIES) >> 2];
        let e = (keys + DK_INDICES + (1 << u8[keys + DK_LOG2_INDEX_BYTES]) + UENTRY_VALUE) >> 2;
        for (let i = 0; i < ne; i++, e += SIZEOF_DICT_UNICODE_ENTRY >> 2) {
          const c = i32[e];
          if (c !== 0) visit_reachable(i32, c, young);
        }
      } else if ((i32[(type + TP_FLAGS) >> 2] & Py_TPFLAGS_HEAPTYPE) !== 0) {
        const t = types[i32[(type + TP_ID) >> 2]];
        let b = t;
        while (b.heaptype) {
          const members = b.members;
          for (let i = 0; i < members.length; i++) {
            const c = i32[(op + members[i]) >> 2];
            if (c !== 0) visit_reachable(i32, c, young);
          }
          b = b.base!;
        }
        const dictoffset = t.dictoffset;
        if (dictoffset === -1) {
          const values = i32[(op + MANAGED_VALUES) >> 2];
          if (values !== 0) {
            const nv = i32[(i32[(type + HT_CACHED_KEYS) >> 2] + DK_NENTRIES) >> 2];
            const base = values >> 2;
            for (let i = 0; i < nv; i++) {
              const c = i32[base + i];
              if (c !== 0) visit_reachable(i32, c, young);
            }
          }
          const d = i32[(op + MANAGED_DICT) >> 2];
          if (d !== 0) visit_reachable(i32, d, young);
        } else if (dictoffset !== 0 && b.dictoffset === 0) {
          // a __dict__ slot: at a fixed offset, or after the items of an int/tuple/bytes subclass
          const d = i32[(dictoffset > 0 ? op + dictoffset : dict_slot(h, op, t)) >> 2];
          if (d !== 0) visit_reachable(i32, d, young);
        }
        visit_reachable(i32, type, young);
        if (b.tp_traverse !== null) {
          const n = gc_children_base(h, i32, op, b, w);
          const buf = w.buf;
          for (let k = 0; k < n; k++) visit_reachable(i32, buf[k], young);
        }
      } else {
        const n = gc_children(h, i32, op, w);
        const buf = w.buf;
        for (let k = 0; k < n; k++) visit_reachable(i32, buf[k], young);
      }
      if (main && type === tupleType && tuple_may_untrack(i32, op, tupleType)) {
        // _PyTuple_MaybeUntrack (untrack_tuples): unlink it from young, untracked
        i32[(prev >> 2) + NX] = i32[(gc >> 2) + NX];
        i32[(gc >> 2) + NX] = 0;
        i32[pi] &= PREV_MASK_FINALIZED;
        untracked++;
      } else {
        // _PyGCHead_SET_PREV(gc, prev) and gc_clear_collecting(gc)
        i32[pi] = prev | (i32[pi] & PREV_MASK_FINALIZED);
        prev = gc;
        survivors++;
      }
    } else {
      // Maybe unreachable: move it to `unreachable` by hand (the list functions do
      // not know NEXT_MASK_UNREACHABLE); young stays singly linked here.
      i32[(prev >> 2) + NX] = i32[(gc >> 2) + NX];
      const last = i32[(unreachable >> 2) + PV];
      i32[(last >> 2) + NX] = NEXT_MASK_UNREACHABLE | gc;
      i32[pi] = last | (i32[pi] & ~PREV_MASK);
      i32[(gc >> 2) + NX] = NEXT_MASK_UNREACHABLE | unreachable;
      i32[(unreachable >> 2) + PV] = gc;
      if (main) flags |= trash_flags(i32, gc);
    }
    gc = i32[(prev >> 2) + NX];
  }
  // young's _gc_prev must be the last object left in it
  i32[(young >> 2) + PV] = prev;
  // don't let the pollution of the unreachable head's next pointer leak
  i32[(unreachable >> 2) + NX] &= ~NEXT_MASK_UNREACHABLE;
  if (main) {
    st.survivors = survivors;
    st.trashCount = total - survivors - untracked;
    st.trashFlags = flags;
  }
}

/** What an object entering `unreachable` will need later (TRASH_*). */
function trash_flags(i32: Int32Array, gc: number): number {
  const op = gc + H;
  const type = i32[(op + OB_TYPE) >> 2];
  const xflags = i32[(type + TP_XFLAGS) >> 2];
  let f = 0;
  if ((xflags & XF_LEGACY_DEL) !== 0) f |= TRASH_HAS_LEGACY;
  if ((xflags & XF_FINALIZE) !== 0 && (i32[(gc >> 2) + PV] & PREV_MASK_FINALIZED) === 0) f |= TRASH_HAS_FINALIZERS;
  const kind = i32[(type + TP_KIND) >> 2];
  if (kind === K_WEAKREF || kind === K_PROXY) f |= TRASH_HAS_WEAKREFS;
  const off = i32[(type + TP_WEAKLISTOFFSET) >> 2];
  if (off > 0 && i32[(op + off) >> 2] !== 0) f |= TRASH_HAS_WEAKREFS;
  return f;
}

/**
 * _PyObject_GC_MAY_BE_TRACKED: a GC object (a static type object is not one) that
 * is not an untracked exact tuple.
 */
function may_be_tracked(i32: Int32Array, o: number, tupleType: number): boolean {
  const type = i32[(o + OB_TYPE) >> 2];
  if ((i32[(type + TP_FLAGS) >> 2] & Py_TPFLAGS_HAVE_GC) === 0) return false;
  if (type === tupleType) return i32[(o + GC_HEAD_OFFSET + GC_NEXT) >> 2] !== 0;
  if (i32[(type + TP_KIND) >> 2] === K_TYPE) return (i32[(o + TP_FLAGS) >> 2] & Py_TPFLAGS_HEAPTYPE) !== 0;
  return true;
}

/** _PyTuple_MaybeUntrack's test for a tracked exact tuple: no item may be tracked. */
function tuple_may_untrack(i32: Int32Array, op: number, tupleType: number): boolean {
  const n = i32[(op + OB_SIZE) >> 2];
  const items = (op + TUPLE_ITEMS) >> 2;
  for (let i = 0; i < n; i++) {
    const elt = i32[items + i];
    if (elt === 0 || may_be_tracked(i32, elt, tupleType)) return false;
  }
  return true;
}

/**
 * deduce_unreachable: update_refs, subtract_refs, move_unreachable over `base`
 * (a normal list, no masks), with `unreachable` freshly initialised.
 *
 * After this, `base` holds the objects reachable from outside it and
 * `unreachable` the rest, still flagged NEXT_MASK_UNREACHABLE (not a normal list
 * until move_legacy_finalizers or clear_unreachable_mask).
 */
export function deduce_unreachable(h: HeapState, base: number, unreachable: number, main = false): void {
  const total = update_refs(h, base);
  subtract_refs(h, base);
  gc_list_init(h, unreachable);
  move_unreachable(h, base, unreachable, main, total);
}

/**
 * untrack_tuples: _PyTuple_MaybeUntrack on every exact tuple of `head`, in list
 * order (a tuple of a tuple untracks one level per collection). gc_collect_main
 * has move_unreachable do this as it scans; the separate pass is kept for
 * reference and tests.
 *
 * After this, no exact tuple in `head` holds only objects that cannot be in a cycle.
 */
export function untrack_tuples(h: HeapState, head: number): void {
  const tupleType = h.T.tuple.ref;
  let i32 = h.i32;
  let gc = i32[(head >> 2) + NX];
  while (gc !== head) {
    const next = i32[(gc >> 2) + NX];
    if (i32[(gc + H + OB_TYPE) >> 2] === tupleType) {
      tuple_maybe_untrack(h, gc + H);
      i32 = h.i32;
    }
    gc = next;
  }
}

/**
 * untrack_dicts: _PyDict_MaybeUntrack on every exact dict of `head` (full
 * collections only, issue #14775): a dict none of whose values (and, for non-str
 * tables, keys) may be tracked is untracked. Returns how many objects remain in
 * `head` (the size gc_collect_main needs next).
 *
 * After this, no exact dict in `head` holds only keys and values that cannot be
 * in a cycle.
 */
export function untrack_dicts(h: HeapState, head: number): number {
  const i32 = h.i32;
  const u8 = h.u8;
  const dictType = h.T.dict.ref;
  const tupleType = h.T.tuple.ref;
  let size = 0;
  let gc = i32[(head >> 2) + NX];
  while (gc !== head) {
    const next = i32[(gc >> 2) + NX];
    const op = gc + H;
    if (i32[(op + OB_TYPE) >> 2] === dictType && dict_may_untrack(i32, u8, op, tupleType)) {
      // _PyObject_GC_UNTRACK (the list is a normal list here)
      const pi = (gc >> 2) + PV;
      const p = i32[pi];
      const prevNode = p & PREV_MASK;
      i32[(prevNode >> 2) + NX] = next;
      const ni = (next >> 2) + PV;
      i32[ni] = prevNode | (i32[ni] & ~PREV_MASK);
      i32[(gc >> 2) + NX] = 0;
      i32[pi] = p & PREV_MASK_FINALIZED;
    } else {
      size++;
    }
    gc = next;
  }
  return size;
}

/** _PyDict_MaybeUntrack's test (the dict is exact and tracked). */
function dict_may_untrack(i32: Int32Array, u8: Uint8Array, op: number, tupleType: number): boolean {
  const keys = i32[(op + DICT_KEYS) >> 2];
  const numentries = i32[(keys + DK_NENTRIES) >> 2];
  const values = i32[(op + DICT_VALUES) >> 2];
  if (values !== 0) {
    const base = values >> 2;
    for (let i = 0; i < numentries; i++) {
      const value = i32[base + i];
      if (value !== 0 && may_be_tracked(i32, value, tupleType)) return false;
    }
    return true;
  }
  const ep0 = keys + DK_INDICES + (1 << u8[keys + DK_LOG2_INDEX_BYTES]);
  if (u8[keys + DK_KIND] !== DICT_KEYS_GENERAL) {
    let e = (ep0 + UENTRY_VALUE) >> 2;
    for (let i = 0; i < numentries; i++, e += SIZEOF_DICT_UNICODE_ENTRY >> 2) {
      const value = i32[e];
      if (value !== 0 && may_be_tracked(i32, value, tupleType)) return false;
    }
    return true;
  }
  let e = ep0 >> 2;
  for (let i = 0; i < numentries; i++, e += SIZEOF_DICT_ENTRY >> 2) {
    const value = i32[e + (ENTRY_VALUE >> 2)];
    if (value === 0) continue;
    if (may_be_tracked(i32, value, tupleType) || may_be_tracked(i32, i32[e + (ENTRY_KEY >> 2)], tupleType)) return false;
  }
  return true;
}

/** has_legacy_finalizer: the type has a tp_del. */
function has_legacy_finalizer(i32: Int32Array, op: Ref): boolean {
  return (i32[(i32[(op + OB_TYPE) >> 2] + TP_XFLAGS) >> 2] & XF_LEGACY_DEL) !== 0;
}

/**
 * move_legacy_finalizers: clear NEXT_MASK_UNREACHABLE on every object of
 * `unreachable` and move those whose type has a tp_del to `finalizers`
 * (COLLECTING cleared). On the way, note whether the trash involves weakrefs
 * (a weakref or proxy, or a non-empty weakref list: what handle_weakrefs acts on)
 * or finalizers not run yet (what finalize_garbage acts on); the result is a
 * mask of TRASH_HAS_*, and the number of objects left in `unreachable` goes to
 * h.gcModule.trashCount. Without either, no code can run before delete_garbage, so
 * nothing can be resurrected (gc_collect_main skips those phases).
 *
 * After this, `unreachable` is a normal list again and `finalizers` holds the
 * legacy-finalizer objects.
 */
export function move_legacy_finalizers(h: HeapState, unreachable: number, finalizers: number): number {
  const i32 = h.i32;
  let found = 0;
  let kept = 0;
  let next: number;
  for (let gc = i32[(unreachable >> 2) + NX]; gc !== unreachable; gc = next) {
    const ni = (gc >> 2) + NX;
    next = i32[ni] & ~NEXT_MASK_UNREACHABLE;
    i32[ni] = next;
    const op = gc + H;
    const type = i32[(op + OB_TYPE) >> 2];
    const xflags = i32[(type + TP_XFLAGS) >> 2];
    if ((xflags & XF_FINALIZE) !== 0 && (i32[(gc >> 2) + PV] & PREV_MASK_FINALIZED) === 0) found |= TRASH_HAS_FINALIZERS;
    const kind = i32[(type + TP_KIND) >> 2];
    if (kind === K_WEAKREF || kind === K_PROXY) found |= TRASH_HAS_WEAKREFS;
    const off = i32[(type + TP_WEAKLISTOFFSET) >> 2];
    if (off > 0 && i32[(op + off) >> 2] !== 0) found |= TRASH_HAS_WEAKREFS;
    if ((xflags & XF_LEGACY_DEL) !== 0) {
      i32[(gc >> 2) + PV] &= ~PREV_MASK_COLLECTING;
      gc_list_move(h, gc, finalizers);
    } else {
      kept++;
    }
  }
  h.gcModule!.trashCount = kept;
  return found;
}

/**
 * clear_unreachable_mask: clear NEXT_MASK_UNREACHABLE on every object.
 *
 * After this, `unreachable` is a normal list.
 */
export function clear_unreachable_mask(h: HeapState, unreachable: number): void {
  const i32 = h.i32;
  let next: number;
  for (let gc = i32[(unreachable >> 2) + NX]; gc !== unreachable; gc = next) {
    const ni = (gc >> 2) + NX;
    next = i32[ni] & ~NEXT_MASK_UNREACHABLE;
    i32[ni] = next;
  }
}

/**
 * move_legacy_finalizer_reachable: traverse `finalizers` (which grows meanwhile)
 * with visit_move, pulling every still-collecting referent into it.
 *
 * After this, `finalizers` holds the legacy-finalizer objects and everything
 * reachable from them (uncollectable, none COLLECTING); `unreachable` the rest.
 * Returns how many objects it moved out of `unreachable`.
 */
export function move_legacy_finalizer_reachable(h: HeapState, finalizers: number): number {
  const i32 = h.i32;
  const w = h.gcModule!.work;
  let moved = 0;
  for (let gc = i32[(finalizers >> 2) + NX]; gc !== finalizers; gc = i32[(gc >> 2) + NX]) {
    const n = gc_children(h, i32, gc + H, w);
    const buf = w.buf;
    for (let k = 0; k < n; k++) {
      // visit_move
      const c = buf[k];
      if ((i32[(i32[(c + OB_TYPE) >> 2] + TP_FLAGS) >> 2] & Py_TPFLAGS_HAVE_GC) === 0) continue;
      const ci = (c + CPREV) >> 2;
      if ((i32[ci] & PREV_MASK_COLLECTING) === 0) continue;
      gc_list_move(h, c - H, finalizers);
      i32[ci] &= ~PREV_MASK_COLLECTING;
      moved++;
    }
  }
  return moved;
}

/** debug_cycle: `gc: <msg> <tp_name 0x...>` to the heap's stderr. */
export function debug_cycle(h: HeapState, msg: string, op: Ref): void {
  const i32 = h.i32;
  const name = h.types[i32[(i32[(op + OB_TYPE) >> 2] + TP_ID) >> 2]].name;
  h.stderr(`gc: ${msg} <${name} ${addr(op)}>`);
}

/**
 * handle_weakrefs: the weakref module's phase (h.weakrefHooks). Every weakref to an
 * object of `unreachable`, and every weakref that is itself trash, is cleared;
 * then the callbacks of the cleared weakrefs that are not trash run, and a weakref
 * that survives its callback moves to `old`.
 *
 * After this, no weakref anywhere leads into `unreachable`, so no finalizer or
 * callback can reach the trash through one. Returns the number of weakrefs freed
 * right after their callback (counted by collect()). 0 without a weakref module.
 */
export function handle_weakrefs(h: HeapState, unreachable: number, old: number): number {
  const hooks = h.weakrefHooks;
  if (hooks === null) return 0;
  return hooks.handle_weakrefs(unreachable, old);
}

/**
 * slot_tp_finalize: call the type's __del__ on `op`; an exception goes to the
 * unraisable hook with the __del__ function as the object.
 */
function tp_finalize(h: HeapState, op: Ref): void {
  const i32 = h.i32;
  const t = h.types[i32[(i32[(op + OB_TYPE) >> 2] + TP_ID) >> 2]];
  const del = t.special.get("__del__");
  if (del === undefined) return;
  h.i32[del >> 2]++;
  try {
    const r = call_object(h, del, [op], null);
    Py_DECREF(h, r);
  } catch (e) {
    h.unraisablehook(toPyError(e), del);
  }
  Py_DECREF(h, del);
}

/**
 * finalize_garbage: take the objects of `collectable` one at a time (each moved to
 * `seen` first, since a finalizer can free anything), and call tp_finalize
 * (`__del__`) on those not finalized yet, setting FINALIZED first (PEP 442: once
 * per object). Objects a finalizer frees leave the lists by themselves.
 *
 * After this, every object still in `collectable` is finalized, and the trash may
 * have been resurrected: handle_resurrected_objects must check it again.
 */
export function finalize_garbage(h: HeapState, collectable: number, seen: number): void {
  gc_list_init(h, seen);
  for (;;) {
    const i32 = h.i32;
    const gc = i32[(collectable >> 2) + NX];
    if (gc === collectable) break;
    const op = gc + H;
    gc_list_move(h, gc, seen);
    const pi = (gc >> 2) + PV;
    if ((i32[pi] & PREV_MASK_FINALIZED) === 0 && (i32[(i32[(op + OB_TYPE) >> 2] + TP_XFLAGS) >> 2] & XF_FINALIZE) !== 0) {
      i32[pi] |= PREV_MASK_FINALIZED;
      i32[(op + OB_REFCNT) >> 2]++;
      tp_finalize(h, op);
      Py_DECREF(h, op);
    }
  }
  gc_list_merge(h, seen, collectable);
}

/**
 * handle_resurrected_objects: clear COLLECTING on `unreachable`, run
 * deduce_unreachable on it again, and send what is now reachable from outside
 * (the resurrected objects and everything they reach) to `old`.
 *
 * After this, `still_unreachable` holds the final trash (COLLECTING still set, a
 * normal list) and `unreachable` is empty.
 */
export function handle_resurrected_objects(
  h: HeapState,
  unreachable: number,
  still_unreachable: number,
  old: number,
): void {
  gc_list_clear_collecting(h, unreachable);
  const resurrected = unreachable;
  deduce_unreachable(h, resurrected, still_unreachable);
  clear_unreachable_mask(h, still_unreachable);
  gc_list_merge(h, resurrected, old);
}

/**
 * delete_garbage: for each object of `collectable`, head first: under DEBUG_SAVEALL
 * append it to gc.garbage; otherwise tp_clear it (holding a reference meanwhile),
 * which breaks its cycles and lets refcounting free the rest. An object still at
 * the head afterwards is alive: it goes to `old`. `collectable` may still carry
 * NEXT_MASK_UNREACHABLE marks (gc_collect_main's fast path hands it
 * move_unreachable's list as is): the links are read without them, and the GC
 * list primitives that deallocation uses tolerate them.
 *
 * After this, `collectable` is empty: every object in it was freed or moved to
 * `old` (COLLECTING cleared, no mark).
 */
export function delete_garbage(h: HeapState, collectable: number, old: number): void {
  const st = h.gcModule!;
  const listType = h.T.list.ref;
  const hn = (collectable >> 2) + NX;
  for (;;) {
    let i32 = h.i32;
    const gc = i32[hn] & ~NEXT_MASK_UNREACHABLE;
    if (gc === collectable) break;
    const op = gc + H;
    if ((h.gc.debug & DEBUG_SAVEALL) !== 0) {
      try {
        list_append(h, st.garbage, op);
      } catch {
        // _PyErr_Clear: the object just stays alive and goes to `old`
      }
    } else {
      const type = i32[(op + OB_TYPE) >> 2];
      if (type === listType) {
        i32[(op + OB_REFCNT) >> 2]++;
        list_clear(h, op);
        Py_DECREF(h, op);
      } else {
        const clear = h.types[i32[(type + TP_ID) >> 2]].tp_clear;
        if (clear !== null) {
          i32[(op + OB_REFCNT) >> 2]++;
          try {
            clear(h, op);
          } catch (e) {
            // _PyErr_WriteUnraisableMsg("in tp_clear of", type)
            h.unraisablehook(toPyError(e), type);
          }
          Py_DECREF(h, op);
        }
      }
    }
    i32 = h.i32;
    if ((i32[hn] & ~NEXT_MASK_UNREACHABLE) === gc) {
      // still alive, it may die later: unlink it (it is the first) and append it to `old`
      const gi = gc >> 2;
      const next = i32[gi + NX] & ~NEXT_MASK_UNREACHABLE;
      i32[hn] = next;
      const ni = (next >> 2) + PV;
      i32[ni] = collectable | (i32[ni] & ~PREV_MASK);
      const last = i32[(old >> 2) + PV];
      i32[gi + PV] = last | (i32[gi + PV] & PREV_MASK_FINALIZED);
      i32[(last >> 2) + NX] = gc;
      i32[gi + NX] = old;
      i32[(old >> 2) + PV] = gc;
    }
  }
}

/**
 * handle_legacy_finalizers: append to gc.garbage every object of `finalizers` that
 * has a tp_del (all of them under DEBUG_SAVEALL), then merge `finalizers` into `old`.
 *
 * After this, the uncollectable objects live on in `old`, the legacy ones held by
 * gc.garbage.
 */
export function handle_legacy_finalizers(h: HeapState, finalizers: number, old: number): void {
  const st = h.gcModule!;
  for (let gc = h.i32[(finalizers >> 2) + NX]; gc !== finalizers; gc = h.i32[(gc >> 2) + NX]) {
    const op = gc + H;
    if ((h.gc.debug & DEBUG_SAVEALL) !== 0 || has_legacy_finalizer(h.i32, op)) {
      try {
        list_append(h, st.garbage, op);
      } catch {
        break; // _PyErr_Clear; break
      }
    }
  }
  gc_list_merge(h, finalizers, old);
}

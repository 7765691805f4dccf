// === The abstract object protocol (layer 3) ===
//
// Ports, from CPython 3.11 Objects/object.c and Objects/abstract.c, the
// type-generic operations: PyObject_Hash (tuplehash over nested tuples without JS
// recursion), PyObject_RichCompare (with its Py_EnterRecursiveCall; do_richcompare's
// reflected-operand order and NotImplemented rules, object_richcompare's
// defaults, CPython's TypeError texts), PyObject_RichCompareBool (identity
// implies equality), PyObject_IsTrue, PyObject_Size, PyObject_GetItem /
// SetItem / DelItem, PySequence_Contains, PyObject_GetIter, PyIter_Next, and the
// per-type comparison functions of int, float, str, bytes, tuple, list, dict and
// set (int/float comparisons are exact, as float_richcompare's).
//
// Builtin types are dispatched by TP_KIND; classes (heap types) first consult
// their special methods (`__eq__`, `__hash__`, `__len__`, ...), then fall back to
// their builtin base's behaviour; other types use TypeSlots.proto.

import { FLOAT_FVAL, OB_SIZE, OB_TYPE, Py_TPFLAGS_HEAPTYPE, TP_FLAGS, TP_KIND } from "./layout.js";
import { PyError } from "./errors.js";
import type { HeapState, Ref } from "./state.js";
import {
  K_BYTES,
  K_DICT,
  K_FLOAT,
  K_INT,
  K_LIST,
  K_NONE,
  K_SET,
  K_STR,
  K_TUPLE,
  Py_EQ,
  Py_GE,
  Py_GT,
  Py_LE,
  Py_LT,
  Py_NE,
  type TypeSlots,
} from "./typeslots.js";
import { is_subtype, slots_of } from "./typeobject.js";
import { hash_double, hash_pointer } from "./hash.js";
import {
  long_as_bigint,
  long_as_exact_number,
  long_compare,
  long_from_number,
  long_hash,
  long_is_zero,
} from "./int.js";
import {
  str_from_codepoint,
  unicode_compare,
  unicode_eq,
  unicode_hash,
  unicode_length,
  unicode_read,
  unicode_to_js,
} from "./str.js";
import { bytes_compare, bytes_eq, bytes_hash, bytes_size, bytes_to_js } from "./bytes.js";
import { tuple_get, tuple_size } from "./tuple.js";
import {
  list_delitem,
  list_get,
  list_getitem,
  list_setitem,
  list_size,
} from "./list.js";
import {
  dict_contains,
  dict_delitem,
  dict_getitem,
  dict_iter_new,
  dict_len,
  dict_next,
  dict_setitem,
} from "./dict.js";
import { frozenset_hash, set_contains, set_issubset, set_iter_new, set_len } from "./set.js";
import { call_object } from "./call.js";
import { seqiter_new } from "./iterobject.js";
import { Py_DECREF } from "./refcount.js";
import { PyObject_Repr } from "./repr.js";
import { Py_EnterRecursiveCall, Py_LeaveRecursiveCall } from "./recursion.js";

const OPSTRINGS = ["<", "<=", "==", "!=", ">", ">="];
const SWAPPED = [Py_GT, Py_GE, Py_EQ, Py_NE, Py_LT, Py_LE];
const DUNDERS = ["__lt__", "__le__", "__eq__", "__ne__", "__gt__", "__ge__"];

function kind_of(h: HeapState, o: Ref): number {
  const i32 = h.i32;
  return i32[(i32[(o + OB_TYPE) >> 2] + TP_KIND) >> 2];
}

function long_is_negative(h: HeapState, o: Ref): boolean {
  return h.i32[(o + OB_SIZE) >> 2] < 0;
}

function is_heaptype_instance(h: HeapState, o: Ref): boolean {
  const i32 = h.i32;
  return (i32[(i32[(o + OB_TYPE) >> 2] + TP_FLAGS) >> 2] & Py_TPFLAGS_HEAPTYPE) !== 0;
}

function new_bool(h: HeapState, b: boolean): Ref {
  const r = b ? h.True : h.False;
  h.i32[r >> 2]++;
  return r;
}

function not_implemented(h: HeapState): Ref {
  h.i32[h.NotImplemented >> 2]++;
  return h.NotImplemented;
}

function unhashable(t: TypeSlots): PyError {
  return new PyError("TypeError", `unhashable type: '${t.name}'`);
}

// ---------------------------------------------------------------- hashing

/** PyObject_Hash: an int32 Py_hash_t, never -1. */
export function PyObject_Hash(h: HeapState, o: Ref): number {
  const i32 = h.i32;
  const type = i32[(o + OB_TYPE) >> 2];
  if (type === h.T.str.ref) return unicode_hash(h, o);
  if ((i32[(type + TP_FLAGS) >> 2] & Py_TPFLAGS_HEAPTYPE) !== 0) {
    const t = slots_of(h, o);
    const hs = t.special.get("__hash__");
    if (hs !== undefined) {
      if (hs === h.None) throw unhashable(t);
      const r = call_object(h, hs, [o], null);
      try {
        if (kind_of(h, r) !== K_INT) throw new PyError("TypeError", "__hash__ method should return an integer");
        const v = long_as_exact_number(h, r);
        const x = v !== null && v >= -2147483648 && v <= 2147483647 ? v : long_hash(h, r);
        return x === -1 ? -2 : x;
      } finally {
        Py_DECREF(h, r);
      }
    }
  }
  switch (i32[(type + TP_KIND) >> 2]) {
    case K_STR:
      return unicode_hash(h, o);
    case K_INT:
      return long_hash(h, o);
    case K_FLOAT:
      return hash_double(h.f64[(o + FLOAT_FVAL) >> 3], o);
    case K_TUPLE:
      return tuple_hash_nested(h, o);
    case K_BYTES:
      return bytes_hash(h, o);
    case K_SET:
      if (is_subtype(slots_of(h, o), h.T.frozenset)) return frozenset_hash(h, o);
      throw unhashable(slots_of(h, o));
    case K_LIST:
    case K_DICT:
      throw unhashable(slots_of(h, o));
  }
  const t = slots_of(h, o);
  if (t.proto.tp_hash !== undefined) return t.proto.tp_hash(h, o);
  return hash_pointer(o);
}

/** A tuple whose hash is tuplehash (not a class that defines __hash__). */
function is_plain_tuple(h: HeapState, o: Ref): boolean {
  const i32 = h.i32;
  const type = i32[(o + OB_TYPE) >> 2];
  if (i32[(type + TP_KIND) >> 2] !== K_TUPLE) return false;
  return (i32[(type + TP_FLAGS) >> 2] & Py_TPFLAGS_HEAPTYPE) === 0 || !slots_of(h, o).special.has("__hash__");
}

/**
 * tuplehash (3.11, 32-bit Py_uhash_t: the xxHash lanes of tuple.ts's tuple_hash),
 * with the tuples nested in tuples hashed from an explicit stack instead of by
 * recursion: CPython computes hash() of a 100,000-deep tuple on its C stack (python3
 * does; PyObject_Hash has no recursion check), which the JS stack could not hold.
 * Other items go through PyObject_Hash.
 */
function tuple_hash_nested(h: HeapState, root: Ref): number {
  let op = root;
  let n = tuple_size(h, op);
  let i = 0;
  let acc = 374761393; // _PyHASH_XXPRIME_5
  let outer: number[] | null = null; // (tuple, index, acc) of the enclosing tuples
  for (;;) {
    if (i < n) {
      const item = tuple_get(h, op, i);
      if (is_plain_tuple(h, item)) {
        (outer ??= []).push(op, i, acc);
        op = item;
        n = tuple_size(h, op);
        i = 0;
        acc = 374761393;
        continue;
      }
      acc = tuple_hash_lane(acc, PyObject_Hash(h, item));
      i++;
      continue;
    }
    acc = (acc + (n ^ (374761393 ^ 3527539))) | 0;
    if (acc === -1) acc = 1546275796;
    if (outer === null || outer.length === 0) return acc;
    const lane = acc;
    acc = outer.pop()!;
    i = outer.pop()! + 1;
    op = outer.pop()!;
    n = tuple_size(h, op);
    acc = tuple_hash_lane(acc, lane);
  }
}

/** One item's step of tuplehash. */
function tuple_hash_lane(acc: number, lane: number): number {
  acc = (acc + Math.imul(lane, -2048144777)) | 0; // _PyHASH_XXPRIME_2 = 2246822519
  acc = (acc << 13) | (acc >>> 19);
  return Math.imul(acc, -1640531535); // _PyHASH_XXPRIME_1 = 2654435761
}

// ---------------------------------------------------------------- comparisons

/**
 * PyObject_RichCompare: new reference (usually a bool). One level of the recursion
 * limit (" in comparison") around do_richcompare, as CPython: comparing two
 * 100,000-deep structures raises RecursionError.
 */
export function PyObject_RichCompare(h: HeapState, v: Ref, w: Ref, op: number): Ref {
  Py_EnterRecursiveCall(h, " in comparison");
  try {
    return do_richcompare(h, v, w, op);
  } finally {
    Py_LeaveRecursiveCall(h);
  }
}

/** do_richcompare: the reflected operand first if it is a subtype, then v's, then w's, then the defaults. */
function do_richcompare(h: HeapState, v: Ref, w: Ref, op: number): Ref {
  const tv = slots_of(h, v);
  const tw = slots_of(h, w);
  let checkedReverse = false;
  if (tv !== tw && is_subtype(tw, tv)) {
    checkedReverse = true;
    const r = type_richcompare(h, tw, w, v, SWAPPED[op]);
    if (r !== h.NotImplemented) return r;
    Py_DECREF(h, r);
  }
  let r = type_richcompare(h, tv, v, w, op);
  if (r !== h.NotImplemented) return r;
  Py_DECREF(h, r);
  if (!checkedReverse) {
    r = type_richcompare(h, tw, w, v, SWAPPED[op]);
    if (r !== h.NotImplemented) return r;
    Py_DECREF(h, r);
  }
  if (op === Py_EQ) return new_bool(h, v === w);
  if (op === Py_NE) return new_bool(h, v !== w);
  throw new PyError(
    "TypeError",
    `'${OPSTRINGS[op]}' not supported between instances of '${tv.name}' and '${tw.name}'`,
  );
}

/** PyObject_RichCompareBool: identity implies equality. */
export function PyObject_RichCompareBool(h: HeapState, v: Ref, w: Ref, op: number): boolean {
  if (v === w) {
    if (op === Py_EQ) return true;
    if (op === Py_NE) return false;
  }
  // fast paths: exact str == str, exact int == int
  const i32 = h.i32;
  const tv = i32[(v + OB_TYPE) >> 2];
  if (tv === i32[(w + OB_TYPE) >> 2] && (op === Py_EQ || op === Py_NE)) {
    if (tv === h.T.str.ref) return unicode_eq(h, v, w) === (op === Py_EQ);
    if (tv === h.T.int.ref) return (long_compare(h, v, w) === 0) === (op === Py_EQ);
  }
  // PyObject_RichCompare, written out (one JS frame less per level of a deep comparison)
  let r: Ref;
  Py_EnterRecursiveCall(h, " in comparison");
  try {
    r = do_richcompare(h, v, w, op);
  } finally {
    Py_LeaveRecursiveCall(h);
  }
  const res = PyObject_IsTrue(h, r);
  Py_DECREF(h, r);
  return res;
}

function cmp_result(c: number, op: number): boolean {
  switch (op) {
    case Py_LT:
      return c < 0;
    case Py_LE:
      return c <= 0;
    case Py_EQ:
      return c === 0;
    case Py_NE:
      return c !== 0;
    case Py_GT:
      return c > 0;
    default:
      return c >= 0;
  }
}

/** Compare an int with a double exactly: -1, 0, 1, or NaN when the double is NaN. */
function compare_int_double(h: HeapState, i: Ref, d: number): number {
  if (d !== d) return NaN;
  const n = long_as_exact_number(h, i);
  if (n !== null) return n < d ? -1 : n > d ? 1 : 0;
  if (d === Infinity) return -1;
  if (d === -Infinity) return 1;
  const big = long_as_bigint(h, i);
  const fl = Math.floor(d);
  const bf = BigInt(fl);
  if (big < bf) return -1;
  if (big > bf) return 1;
  return fl === d ? 0 : -1;
}

/** Is `object` the first builtin (non-heap) type in t's MRO? */
function solid_base_is_object(h: HeapState, t: TypeSlots): boolean {
  let b = t;
  while (b.heaptype) b = b.base!;
  return b === h.T.object;
}

/** One type's richcompare slot applied to (a, b): new reference, may be NotImplemented. */
function type_richcompare(h: HeapState, t: TypeSlots, a: Ref, b: Ref, op: number): Ref {
  if (t.heaptype) {
    const m = t.special.get(DUNDERS[op]);
    if (m !== undefined && m !== h.None) return call_object(h, m, [a, b], null);
    // object.__ne__ inverts __eq__; a builtin base earlier in the MRO (int, str,
    // tuple, list, ...) brings its own __ne__, which wins over that default
    if (op === Py_NE && solid_base_is_object(h, t)) {
      const eq = t.special.get("__eq__");
      if (eq !== undefined && eq !== h.None) {
        const r = call_object(h, eq, [a, b], null);
        if (r === h.NotImplemented) return r;
        const ok = PyObject_IsTrue(h, r);
        Py_DECREF(h, r);
        return new_bool(h, !ok);
      }
    }
  }
  const i32 = h.i32;
  const kb = i32[(i32[(b + OB_TYPE) >> 2] + TP_KIND) >> 2];
  switch (t.kind) {
    case K_INT:
      if (kb === K_INT) return new_bool(h, cmp_result(long_compare(h, a, b), op));
      if (kb === K_FLOAT) {
        const c = compare_int_double(h, a, h.f64[(b + FLOAT_FVAL) >> 3]);
        return new_bool(h, c !== c ? op === Py_NE : cmp_result(c, op));
      }
      return not_implemented(h);
    case K_FLOAT: {
      const x = h.f64[(a + FLOAT_FVAL) >> 3];
      if (kb === K_FLOAT) {
        const y = h.f64[(b + FLOAT_FVAL) >> 3];
        if (x !== x || y !== y) return new_bool(h, op === Py_NE);
        return new_bool(h, cmp_result(x < y ? -1 : x > y ? 1 : 0, op));
      }
      if (kb === K_INT) {
        const c = compare_int_double(h, b, x);
        return new_bool(h, c !== c ? op === Py_NE : cmp_result(-c, op));
      }
      return not_implemented(h);
    }
    case K_STR:
      if (kb !== K_STR) return not_implemented(h);
      if (op === Py_EQ || op === Py_NE) return new_bool(h, unicode_eq(h, a, b) === (op === Py_EQ));
      return new_bool(h, cmp_result(unicode_compare(h, a, b), op));
    case K_BYTES:
      if (kb !== K_BYTES) return not_implemented(h);
      if (op === Py_EQ || op === Py_NE) return new_bool(h, bytes_eq(h, a, b) === (op === Py_EQ));
      return new_bool(h, cmp_result(bytes_compare(h, a, b), op));
    case K_TUPLE:
      if (kb !== K_TUPLE) return not_implemented(h);
      return seq_richcompare(h, a, b, op, tuple_size, tuple_get);
    case K_LIST:
      if (kb !== K_LIST) return not_implemented(h);
      return seq_richcompare(h, a, b, op, list_size, list_get);
    case K_DICT:
      if (kb !== K_DICT || (op !== Py_EQ && op !== Py_NE)) return not_implemented(h);
      return new_bool(h, dict_equal(h, a, b) === (op === Py_EQ));
    case K_SET:
      if (kb !== K_SET) return not_implemented(h);
      return new_bool(h, set_richcompare(h, a, b, op));
  }
  if (t.proto.tp_richcompare !== undefined) return t.proto.tp_richcompare(h, a, b, op);
  // object_richcompare
  if (op === Py_EQ) return a === b ? new_bool(h, true) : not_implemented(h);
  if (op === Py_NE) {
    const r = type_richcompare_eq_default(h, t, a, b);
    if (r === h.NotImplemented) return r;
    const ok = PyObject_IsTrue(h, r);
    Py_DECREF(h, r);
    return new_bool(h, !ok);
  }
  return not_implemented(h);
}

function type_richcompare_eq_default(h: HeapState, t: TypeSlots, a: Ref, b: Ref): Ref {
  if (t.proto.tp_richcompare !== undefined) return t.proto.tp_richcompare(h, a, b, Py_EQ);
  return a === b ? new_bool(h, true) : not_implemented(h);
}

/** list_richcompare / tuplerichcompare */
function seq_richcompare(
  h: HeapState,
  v: Ref,
  w: Ref,
  op: number,
  size: (h: HeapState, o: Ref) => number,
  get: (h: HeapState, o: Ref, i: number) => Ref,
): Ref {
  if (size(h, v) !== size(h, w) && (op === Py_EQ || op === Py_NE)) return new_bool(h, op === Py_NE);
  let i = 0;
  for (; i < size(h, v) && i < size(h, w); i++) {
    const vi = get(h, v, i);
    const wi = get(h, w, i);
    if (vi === wi) continue;
    h.i32[vi >> 2]++;
    h.i32[wi >> 2]++;
    let k: boolean;
    try {
      k = PyObject_RichCompareBool(h, vi, wi, Py_EQ);
    } finally {
      Py_DECREF(h, vi);
      Py_DECREF(h, wi);
    }
    if (!k) break;
  }
  const vs = size(h, v);
  const ws = size(h, w);
  if (i >= vs || i >= ws) return new_bool(h, cmp_result(vs < ws ? -1 : vs > ws ? 1 : 0, op));
  if (op === Py_EQ) return new_bool(h, false);
  if (op === Py_NE) return new_bool(h, true);
  return PyObject_RichCompare(h, get(h, v, i), get(h, w, i), op);
}

/** dict_equal: same length and every key maps to an equal value. */
function dict_equal(h: HeapState, a: Ref, b: Ref): boolean {
  if (dict_len(h, a) !== dict_len(h, b)) return false;
  for (let pos = dict_next(h, a, 0); pos >= 0; pos = dict_next(h, a, pos)) {
    const key = h.dictIterKey;
    const aval = h.dictIterValue;
    h.i32[key >> 2]++;
    h.i32[aval >> 2]++;
    try {
      const bval = dict_getitem(h, b, key);
      if (bval === 0) return false;
      h.i32[bval >> 2]++;
      try {
        if (!PyObject_RichCompareBool(h, aval, bval, Py_EQ)) return false;
      } finally {
        Py_DECREF(h, bval);
      }
    } finally {
      Py_DECREF(h, key);
      Py_DECREF(h, aval);
    }
  }
  return true;
}

/** set_richcompare */
function set_richcompare(h: HeapState, a: Ref, b: Ref, op: number): boolean {
  const la = set_len(h, a);
  const lb = set_len(h, b);
  switch (op) {
    case Py_EQ:
      return la === lb && set_issubset(h, a, b);
    case Py_NE:
      return !(la === lb && set_issubset(h, a, b));
    case Py_LE:
      return set_issubset(h, a, b);
    case Py_GE:
      return set_issubset(h, b, a);
    case Py_LT:
      return la < lb && set_issubset(h, a, b);
    default:
      return la > lb && set_issubset(h, b, a);
  }
}

// ---------------------------------------------------------------- truth, length

/** PyObject_IsTrue */
export function PyObject_IsTrue(h: HeapState, o: Ref): boolean {
  if (o === h.True) return true;
  if (o === h.False || o === h.None) return false;
  if (is_heaptype_instance(h, o)) {
    const t = slots_of(h, o);
    const b = t.special.get("__bool__");
    if (b !== undefined) {
      const r = call_object(h, b, [o], null);
      if (r !== h.True && r !== h.False) {
        const name = slots_of(h, r).name;
        Py_DECREF(h, r);
        throw new PyError("TypeError", `__bool__ should return bool, returned ${name}`);
      }
      Py_DECREF(h, r);
      return r === h.True;
    }
    if (t.special.has("__len__")) return PyObject_Length(h, o) !== 0;
  }
  switch (kind_of(h, o)) {
    case K_NONE:
      return false;
    case K_INT:
      return !long_is_zero(h, o);
    case K_FLOAT:
      return h.f64[(o + FLOAT_FVAL) >> 3] !== 0;
    case K_STR:
      return unicode_length(h, o) !== 0;
    case K_BYTES:
      return bytes_size(h, o) !== 0;
    case K_TUPLE:
      return tuple_size(h, o) !== 0;
    case K_LIST:
      return list_size(h, o) !== 0;
    case K_DICT:
      return dict_len(h, o) !== 0;
    case K_SET:
      return set_len(h, o) !== 0;
  }
  const t = slots_of(h, o);
  if (t.proto.nb_bool !== undefined) return t.proto.nb_bool(h, o);
  if (t.proto.mp_length !== undefined) return t.proto.mp_length(h, o) !== 0;
  return true;
}

/** PyObject_Size / len(o) */
export function PyObject_Length(h: HeapState, o: Ref): number {
  if (is_heaptype_instance(h, o)) {
    const t = slots_of(h, o);
    const m = t.special.get("__len__");
    if (m !== undefined) {
      const r = call_object(h, m, [o], null);
      try {
        if (kind_of(h, r) !== K_INT) {
          throw new PyError("TypeError", `'${slots_of(h, r).name}' object cannot be interpreted as an integer`);
        }
        if (long_is_negative(h, r)) throw new PyError("ValueError", "__len__() should return >= 0");
        const n = long_as_exact_number(h, r);
        // PyNumber_AsSsize_t(res, OverflowError) with a 32-bit Py_ssize_t
        if (n === null || n > 2147483647) {
          throw new PyError("OverflowError", "cannot fit 'int' into an index-sized integer");
        }
        return n;
      } finally {
        Py_DECREF(h, r);
      }
    }
  }
  switch (kind_of(h, o)) {
    case K_STR:
      return unicode_length(h, o);
    case K_BYTES:
      return bytes_size(h, o);
    case K_TUPLE:
      return tuple_size(h, o);
    case K_LIST:
      return list_size(h, o);
    case K_DICT:
      return dict_len(h, o);
    case K_SET:
      return set_len(h, o);
  }
  const t = slots_of(h, o);
  if (t.proto.mp_length !== undefined) return t.proto.mp_length(h, o);
  throw new PyError("TypeError", `object of type '${t.name}' has no len()`);
}

// ---------------------------------------------------------------- items

/** An index from an int key (bools included), or a TypeError naming the container. */
function index_of(h: HeapState, key: Ref, what: string): number {
  if (kind_of(h, key) !== K_INT) {
    throw new PyError("TypeError", `${what} indices must be integers or slices, not ${slots_of(h, key).name}`);
  }
  const n = long_as_exact_number(h, key);
  if (n === null || n > 2147483647 || n < -2147483648) {
    throw new PyError("IndexError", `cannot fit 'int' into an index-sized integer`);
  }
  return n;
}

/** o[key]: new reference. */
export function PyObject_GetItem(h: HeapState, o: Ref, key: Ref): Ref {
  if (is_heaptype_instance(h, o)) {
    const m = slots_of(h, o).special.get("__getitem__");
    if (m !== undefined) return call_object(h, m, [o, key], null);
  }
  switch (kind_of(h, o)) {
    case K_LIST:
      return list_getitem(h, o, index_of(h, key, "list"));
    case K_TUPLE: {
      let i = index_of(h, key, "tuple");
      const n = tuple_size(h, o);
      if (i < 0) i += n;
      if (i < 0 || i >= n) throw new PyError("IndexError", "tuple index out of range");
      const v = tuple_get(h, o, i);
      h.i32[v >> 2]++;
      return v;
    }
    case K_STR: {
      let i = index_of(h, key, "string");
      const n = unicode_length(h, o);
      if (i < 0) i += n;
      if (i < 0 || i >= n) throw new PyError("IndexError", "string index out of range");
      return str_from_codepoint(h, unicode_read(h, o, i));
    }
    case K_BYTES: {
      let i = index_of(h, key, "byte");
      const n = bytes_size(h, o);
      if (i < 0) i += n;
      if (i < 0 || i >= n) throw new PyError("IndexError", "index out of range");
      return long_from_number(h, bytes_to_js(h, o)[i]);
    }
    case K_DICT: {
      const v = dict_getitem(h, o, key);
      if (v === 0) throw new PyError("KeyError", PyObject_Repr(h, key));
      h.i32[v >> 2]++;
      return v;
    }
  }
  const t = slots_of(h, o);
  if (t.proto.mp_subscript !== undefined) return t.proto.mp_subscript(h, o, key);
  throw new PyError("TypeError", `'${t.name}' object is not subscriptable`);
}

/** o[key] = value */
export function PyObject_SetItem(h: HeapState, o: Ref, key: Ref, value: Ref): void {
  if (is_heaptype_instance(h, o)) {
    const m = slots_of(h, o).special.get("__setitem__");
    if (m !== undefined) {
      Py_DECREF(h, call_object(h, m, [o, key, value], null));
      return;
    }
  }
  switch (kind_of(h, o)) {
    case K_LIST:
      list_setitem(h, o, index_of(h, key, "list"), value);
      return;
    case K_DICT:
      dict_setitem(h, o, key, value);
      return;
  }
  const t = slots_of(h, o);
  if (t.proto.mp_ass_subscript !== undefined) return t.proto.mp_ass_subscript(h, o, key, value);
  throw new PyError("TypeError", `'${t.name}' object does not support item assignment`);
}

/** del o[key] */
export function PyObject_DelItem(h: HeapState, o: Ref, key: Ref): void {
  if (is_heaptype_instance(h, o)) {
    const m = slots_of(h, o).special.get("__delitem__");
    if (m !== undefined) {
      Py_DECREF(h, call_object(h, m, [o, key], null));
      return;
    }
  }
  switch (kind_of(h, o)) {
    case K_LIST:
      list_delitem(h, o, index_of(h, key, "list"));
      return;
    case K_DICT:
      dict_delitem(h, o, key);
      return;
  }
  const t = slots_of(h, o);
  if (t.proto.mp_ass_subscript !== undefined) return t.proto.mp_ass_subscript(h, o, key, 0);
  throw new PyError("TypeError", `'${t.name}' object doesn't support item deletion`);
}

/** key in o */
export function PySequence_Contains(h: HeapState, o: Ref, key: Ref): boolean {
  if (is_heaptype_instance(h, o)) {
    const m = slots_of(h, o).special.get("__contains__");
    if (m !== undefined) {
      const r = call_object(h, m, [o, key], null);
      const b = PyObject_IsTrue(h, r);
      Py_DECREF(h, r);
      return b;
    }
  }
  switch (kind_of(h, o)) {
    case K_LIST:
      for (let i = 0; i < list_size(h, o); i++) {
        const v = list_get(h, o, i);
        h.i32[v >> 2]++;
        try {
          if (PyObject_RichCompareBool(h, v, key, Py_EQ)) return true;
        } finally {
          Py_DECREF(h, v);
        }
      }
      return false;
    case K_TUPLE:
      for (let i = 0; i < tuple_size(h, o); i++) {
        if (PyObject_RichCompareBool(h, tuple_get(h, o, i), key, Py_EQ)) return true;
      }
      return false;
    case K_STR:
      if (kind_of(h, key) !== K_STR) {
        throw new PyError("TypeError", `'in <string>' requires string as left operand, not ${slots_of(h, key).name}`);
      }
      return unicode_to_js(h, o).includes(unicode_to_js(h, key));
    case K_DICT:
      return dict_contains(h, o, key);
    case K_SET:
      return set_contains(h, o, key);
  }
  const t = slots_of(h, o);
  if (t.proto.sq_contains !== undefined) return t.proto.sq_contains(h, o, key);
  return sequence_iter_search(h, o, key);
}

/** _PySequence_IterSearch (PY_ITERSEARCH_CONTAINS): a TypeError from iter(o) names the argument. */
function sequence_iter_search(h: HeapState, o: Ref, key: Ref): boolean {
  let it: Ref;
  try {
    it = PyObject_GetIter(h, o);
  } catch (e) {
    if (e instanceof PyError && e.is("TypeError")) {
      throw new PyError("TypeError", `argument of type '${slots_of(h, o).name}' is not iterable`);
    }
    throw e;
  }
  try {
    for (let v = PyIter_Next(h, it); v !== 0; v = PyIter_Next(h, it)) {
      try {
        if (PyObject_RichCompareBool(h, v, key, Py_EQ)) return true;
      } finally {
        Py_DECREF(h, v);
      }
    }
  } finally {
    Py_DECREF(h, it);
  }
  return false;
}

// ---------------------------------------------------------------- iteration

function not_iterable(t: TypeSlots): PyError {
  return new PyError("TypeError", `'${t.name}' object is not iterable`);
}

/**
 * iter(o): new reference. PyObject_GetIter: the type's tp_iter (a class's
 * slot_tp_iter calls __iter__, and `__iter__ = None` makes it not iterable; the
 * result must be an iterator), else a sequence (a class with __getitem__, dicts
 * excluded: PySequence_Check) gets a PySeqIter; anything else is not iterable.
 * A class with only __next__ has no tp_iter: not iterable, as in CPython.
 */
export function PyObject_GetIter(h: HeapState, o: Ref): Ref {
  let t: TypeSlots | null = null;
  if (is_heaptype_instance(h, o)) {
    t = slots_of(h, o);
    const m = t.special.get("__iter__");
    if (m !== undefined) {
      if (m === h.None) throw not_iterable(t);
      const it = call_object(h, m, [o], null);
      const ti = slots_of(h, it);
      if (!ti.special.has("__next__") && ti.proto.tp_iternext === undefined) {
        Py_DECREF(h, it);
        throw new PyError("TypeError", `iter() returned non-iterator of type '${ti.name}'`);
      }
      return it;
    }
  }
  switch (kind_of(h, o)) {
    case K_LIST:
      return seqiter_new(h, h.T.list_iterator, o);
    case K_TUPLE:
      return seqiter_new(h, h.T.tuple_iterator, o);
    case K_STR:
      return seqiter_new(h, h.T.str_ascii_iterator, o);
    case K_BYTES:
      return seqiter_new(h, h.T.bytes_iterator, o);
    case K_DICT:
      return dict_iter_new(h, o, 0);
    case K_SET:
      return set_iter_new(h, o);
  }
  if (t === null) t = slots_of(h, o);
  if (t.proto.tp_iter !== undefined) return t.proto.tp_iter(h, o);
  // PySequence_Check: a class's __getitem__ fills sq_item (dicts are excluded above)
  const gi = t.heaptype ? t.special.get("__getitem__") : undefined;
  if (gi !== undefined) return seqiter_new(h, h.T.iterator, o);
  throw not_iterable(t);
}

/** next(it): an owned item, or 0 when exhausted (StopIteration is consumed). */
export function PyIter_Next(h: HeapState, it: Ref): Ref {
  const t = slots_of(h, it);
  if (t.proto.tp_iternext !== undefined) return t.proto.tp_iternext(h, it);
  const m = t.special.get("__next__");
  if (m !== undefined) {
    try {
      return call_object(h, m, [it], null);
    } catch (e) {
      if (e instanceof PyError && e.pytype === "StopIteration") return 0;
      throw e;
    }
  }
  throw new PyError("TypeError", `'${t.name}' object is not an iterator`);
}

export { Py_EQ, Py_NE, Py_LT, Py_LE, Py_GT, Py_GE };

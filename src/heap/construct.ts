// === Calling a type: object construction (layer 3) ===
//
// Ports, from CPython 3.11 Objects/typeobject.c type_call (tp_new with all the
// arguments, then __init__ when the result is an instance of the type; `__init__()
// should return None`), object_new / object_init's "takes no arguments" rule, and
// the tp_new of the builtin types this heap has: object(), int(x), float(x), str(x),
// bytes(x), bool(x), tuple(it), list(it), dict(mapping or pairs), set(it),
// frozenset(it), type(x) -- with their identities (int(i), float(f), str(s),
// bytes(b), tuple(t), frozenset(fs) of exact types return the argument, as
// PyNumber_Long, PyNumber_Float, PyObject_Str, bytes_new, PySequence_Tuple and
// frozenset_new do) and their *_subtype_new for classes: the value is built as the
// exact type first, then copied into a PyType_GenericAlloc'd instance of the class
// (long_subtype_new, float_subtype_new, unicode_subtype_new, bytes_subtype_new,
// tuple_subtype_new), tracked when the class is a GC type. Instances of classes over
// list, dict, set and frozenset get no inline values (3.11 gives those only in
// object_new): their managed __dict__ is made on first use.

import { PyError } from "./errors.js";
import type { HeapState, Ref } from "./state.js";
import {
  K_BYTES,
  K_DICT,
  K_FLOAT,
  K_INT,
  K_LIST,
  K_OBJECT,
  K_SET,
  K_STR,
  K_TUPLE,
  type TypeSlots,
} from "./typeslots.js";
import { slots_of, type_alloc_no_track } from "./typeobject.js";
import { object_alloc } from "./object.js";
import { FLOAT_FVAL, LONG_DIGITS, OB_SIZE, OB_TYPE, SIZEOF_PYOBJECT, TUPLE_ITEMS } from "./layout.js";
import { long_as_bigint, long_as_exact_number, long_from_bigint } from "./int.js";
import { float_new, float_value } from "./float.js";
import { str_literal, unicode_from_js, unicode_subtype_new, unicode_to_js } from "./str.js";
import { bytes_from, bytes_subtype_new, bytes_to_js } from "./bytes.js";
import { tuple_new, tuple_set, tuple_size } from "./tuple.js";
import { list_append, list_new_typed } from "./list.js";
import { dict_new_typed, dict_setitem as dict_update_one, dict_update } from "./dict.js";
import { make_new_set, set_update_internal } from "./set.js";
import { gc_track } from "./object.js";
import { Py_DECREF } from "./refcount.js";
import { call_object, call_object_self } from "./call.js";
import { object_new, solid_base } from "./instance.js";
import { PyIter_Next, PyObject_GetIter, PyObject_IsTrue } from "./abstract.js";
import { PyObject_Str } from "./repr.js";

function no_args(t: TypeSlots, args: Ref[], kwargs: Record<string, Ref> | null): void {
  if (args.length > 0 || (kwargs !== null && Object.keys(kwargs).length > 0)) {
    throw new PyError("TypeError", `${t.name}() takes no arguments`);
  }
}

function at_most(name: string, args: Ref[], n: number): void {
  if (args.length > n) {
    throw new PyError("TypeError", `${name} expected at most ${n} argument${n === 1 ? "" : "s"}, got ${args.length}`);
  }
}

/** Collect the items of an iterable as owned Refs. */
export function iterate_all(h: HeapState, it: Ref): Ref[] {
  const iter = PyObject_GetIter(h, it);
  const out: Ref[] = [];
  try {
    for (let v = PyIter_Next(h, iter); v !== 0; v = PyIter_Next(h, iter)) out.push(v);
  } catch (e) {
    for (const v of out) Py_DECREF(h, v);
    throw e;
  } finally {
    Py_DECREF(h, iter);
  }
  return out;
}

/** int(x) for a str argument, base 10, with Python's literal rules. */
function int_from_string(h: HeapState, s: string): Ref {
  const text = s.trim().replace(/_/g, (m, i: number, all: string) =>
    i > 0 && /\d/.test(all[i - 1]) && /\d/.test(all[i + 1] ?? "") ? "" : "!",
  );
  if (!/^[+-]?\d+$/.test(text)) {
    throw new PyError("ValueError", `invalid literal for int() with base 10: ${JSON.stringify(s).replace(/^"|"$/g, "'")}`);
  }
  return int_value(h, BigInt(text));
}

/** An exact int (small ints from the cache): new reference. */
function int_value(h: HeapState, v: bigint): Ref {
  return long_from_bigint(h, v);
}

/** The value of int(x) as a bigint (x an int, bool, float or str). */
function int_arg(h: HeapState, x: Ref): bigint {
  const k = slots_of(h, x).kind;
  if (k === K_INT) return long_as_bigint(h, x);
  if (k === K_FLOAT) {
    const f = float_value(h, x);
    if (f !== f) throw new PyError("ValueError", "cannot convert float NaN to integer");
    if (!Number.isFinite(f)) throw new PyError("OverflowError", "cannot convert float infinity to integer");
    return BigInt(Math.trunc(f));
  }
  if (k === K_STR) {
    const r = int_from_string(h, unicode_to_js(h, x));
    try {
      return long_as_bigint(h, r);
    } finally {
      Py_DECREF(h, r);
    }
  }
  throw new PyError(
    "TypeError",
    `int() argument must be a string, a bytes-like object or a real number, not '${slots_of(h, x).name}'`,
  );
}

function float_arg(h: HeapState, x: Ref): number {
  const k = slots_of(h, x).kind;
  if (k === K_FLOAT) return float_value(h, x);
  if (k === K_INT) {
    const n = long_as_exact_number(h, x);
    if (n !== null) return n;
    const v = Number(long_as_bigint(h, x));
    if (!Number.isFinite(v)) throw new PyError("OverflowError", "int too large to convert to float");
    return v;
  }
  if (k === K_STR) {
    const s = unicode_to_js(h, x).trim().replace(/_/g, "").toLowerCase();
    const special: Record<string, number> = {
      inf: Infinity, "+inf": Infinity, "-inf": -Infinity, infinity: Infinity, "+infinity": Infinity,
      "-infinity": -Infinity, nan: NaN, "+nan": NaN, "-nan": NaN,
    };
    if (s in special) return special[s];
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(s)) return Number(s);
    throw new PyError("ValueError", `could not convert string to float: '${unicode_to_js(h, x)}'`);
  }
  throw new PyError("TypeError", `float() argument must be a string or a real number, not '${slots_of(h, x).name}'`);
}

/** long_subtype_new: an instance of int subclass `t` with the value of the exact int `tmp` (borrowed). */
function long_subtype_new(h: HeapState, t: TypeSlots, tmp: Ref): Ref {
  const size = h.i32[(tmp + OB_SIZE) >> 2];
  // "Fast operations for single digit integers (including zero) assume that there
  // is always at least one digit present."
  const n = size === 0 ? 1 : size < 0 ? -size : size;
  const op = type_alloc_no_track(h, t, n);
  const i32 = h.i32;
  i32[(op + OB_SIZE) >> 2] = size;
  for (let i = 0; i < n; i++) i32[(op + LONG_DIGITS + 4 * i) >> 2] = i32[(tmp + LONG_DIGITS + 4 * i) >> 2];
  if (t.isGC) gc_track(h, op);
  return op;
}

/** float_subtype_new: an instance of float subclass `t` holding `v`. */
function float_subtype_new(h: HeapState, t: TypeSlots, v: number): Ref {
  const op = type_alloc_no_track(h, t, 0);
  h.f64[(op + FLOAT_FVAL) >> 3] = v;
  if (t.isGC) gc_track(h, op);
  return op;
}

/** tuple_subtype_new: an instance of tuple subclass `t` holding the items of the exact tuple `tmp` (borrowed). */
function tuple_subtype_new(h: HeapState, t: TypeSlots, tmp: Ref): Ref {
  const n = tuple_size(h, tmp);
  const op = type_alloc_no_track(h, t, n);
  const i32 = h.i32;
  for (let i = 0; i < n; i++) {
    const v = i32[(tmp + TUPLE_ITEMS + 4 * i) >> 2];
    i32[v >> 2]++;
    i32[(op + TUPLE_ITEMS + 4 * i) >> 2] = v;
  }
  gc_track(h, op); // tuple subclasses are GC types
  return op;
}

/** PyType_GenericNew for a list subclass: an empty list of `t`, tracked. */
function list_subtype_new(h: HeapState, t: TypeSlots): Ref {
  const op = type_alloc_no_track(h, t, 0); // ob_size, ob_item, allocated: 0
  if (t.isGC) gc_track(h, op);
  return op;
}

/** Build the exact value, then its subclass instance; `tmp` is released either way. */
function subtype_from(h: HeapState, tmp: Ref, make: (tmp: Ref) => Ref): Ref {
  try {
    return make(tmp);
  } finally {
    Py_DECREF(h, tmp);
  }
}

/** int(x) of the exact type: the argument itself when it is an exact int (PyNumber_Long). */
function int_exact(h: HeapState, args: Ref[]): Ref {
  if (args.length === 0) return int_value(h, 0n);
  if (slots_of(h, args[0]) === h.T.int) {
    h.i32[args[0] >> 2]++;
    return args[0];
  }
  return int_value(h, int_arg(h, args[0]));
}

/** str(x) of the exact type: the argument itself when it is an exact str (PyObject_Str). */
function str_exact(h: HeapState, args: Ref[]): Ref {
  if (args.length === 0) return str_literal(h, "");
  if (slots_of(h, args[0]) === h.T.str) {
    h.i32[args[0] >> 2]++;
    return args[0];
  }
  return str_literal_runtime(h, PyObject_Str(h, args[0]));
}

/** bytes(x) of the exact type: the argument itself when it is an exact bytes. */
function bytes_exact(h: HeapState, args: Ref[]): Ref {
  if (args.length === 0) return bytes_from(h, new Uint8Array(0));
  const a = args[0];
  const ta = slots_of(h, a);
  if (ta === h.T.bytes) {
    h.i32[a >> 2]++;
    return a;
  }
  const k = ta.kind;
  if (k === K_BYTES) return bytes_from(h, bytes_to_js(h, a));
  if (k === K_INT) {
    const n = long_as_exact_number(h, a);
    if (n === null || n < 0) throw new PyError("ValueError", "negative count");
    return bytes_from(h, new Uint8Array(n));
  }
  if (k === K_STR) throw new PyError("TypeError", "string argument without an encoding");
  const items = iterate_all(h, a);
  try {
    return bytes_from(
      h,
      Uint8Array.from(items, (v) => {
        const n = slots_of(h, v).kind === K_INT ? long_as_exact_number(h, v) : null;
        if (n === null) throw new PyError("TypeError", `'${slots_of(h, v).name}' object cannot be interpreted as an integer`);
        if (n < 0 || n > 255) throw new PyError("ValueError", "bytes must be in range(0, 256)");
        return n;
      }),
    );
  } finally {
    for (const v of items) Py_DECREF(h, v);
  }
}

/** tuple(x) of the exact type: PySequence_Tuple (an exact tuple is returned as is). */
function tuple_exact(h: HeapState, args: Ref[]): Ref {
  if (args.length === 0) return tuple_new(h, 0);
  if (slots_of(h, args[0]) === h.T.tuple) {
    h.i32[args[0] >> 2]++;
    return args[0];
  }
  const items = iterate_all(h, args[0]);
  let op: Ref;
  try {
    op = tuple_new(h, items.length);
  } catch (e) {
    for (const v of items) Py_DECREF(h, v);
    throw e;
  }
  for (let i = 0; i < items.length; i++) tuple_set(h, op, i, items[i]);
  return op;
}

/**
 * tp_new of the builtin base `base` called through type `t` (the base itself or a
 * class derived from it) with all the call's arguments: new reference.
 */
function builtin_new(h: HeapState, t: TypeSlots, base: TypeSlots, args: Ref[], kwargs: Record<string, Ref> | null): Ref {
  const exact = t === base;
  switch (base.kind) {
    case K_OBJECT:
      if (t === h.T.object) {
        no_args(t, args, kwargs);
        return object_alloc(h, t, SIZEOF_PYOBJECT);
      }
      return object_new(h, t);
    case K_INT: {
      if (base === h.T.bool && t === h.T.bool) {
        at_most("bool", args, 1);
        const b = args.length > 0 && PyObject_IsTrue(h, args[0]);
        const r = b ? h.True : h.False;
        h.i32[r >> 2]++;
        return r;
      }
      at_most("int", args, 1);
      const tmp = int_exact(h, args);
      return exact ? tmp : subtype_from(h, tmp, (v) => long_subtype_new(h, t, v));
    }
    case K_FLOAT: {
      at_most("float", args, 1);
      if (exact) {
        if (args.length > 0 && slots_of(h, args[0]) === h.T.float) {
          h.i32[args[0] >> 2]++;
          return args[0];
        }
        return float_new(h, args.length === 0 ? 0 : float_arg(h, args[0]));
      }
      return float_subtype_new(h, t, args.length === 0 ? 0 : float_arg(h, args[0]));
    }
    case K_STR: {
      at_most("str", args, 1);
      const tmp = str_exact(h, args);
      return exact ? tmp : subtype_from(h, tmp, (v) => unicode_subtype_new(h, t, v));
    }
    case K_BYTES: {
      at_most("bytes", args, 1);
      const tmp = bytes_exact(h, args);
      return exact ? tmp : subtype_from(h, tmp, (v) => bytes_subtype_new(h, t, v));
    }
    case K_TUPLE: {
      at_most("tuple", args, 1);
      const tmp = tuple_exact(h, args);
      return exact ? tmp : subtype_from(h, tmp, (v) => tuple_subtype_new(h, t, v));
    }
    case K_LIST:
      // PyType_GenericNew: the items come from list.__init__
      return exact ? list_new_typed(h, t, 0) : list_subtype_new(h, t);
    case K_DICT:
      return dict_new_typed(h, t);
    case K_SET: {
      if (base !== h.T.frozenset) return make_new_set(h, t); // set_new: the items come from set.__init__
      // frozenset_new: the items are set here (a frozenset is immutable); frozenset(fs) is fs
      at_most("frozenset", args, 1);
      if (exact && args.length > 0 && slots_of(h, args[0]) === h.T.frozenset) {
        h.i32[args[0] >> 2]++;
        return args[0];
      }
      return make_new_set(h, t, args.length > 0 ? args[0] : 0);
    }
  }
  if (base.proto.tp_new !== undefined) return base.proto.tp_new(h, t, args, kwargs);
  throw new PyError("TypeError", `cannot create '${t.name}' instances`);
}

/** str(x) for exact str: runtime strings are never interned, except the singletons. */
function str_literal_runtime(h: HeapState, s: string): Ref {
  if (s.length <= 1 && (s.length === 0 || s.charCodeAt(0) < 256)) return str_literal(h, s);
  return unicode_from_js(h, h.T.str, s);
}

/** The default __init__ of mutable builtin bases: list(it), dict(m), set(it). */
function builtin_init(h: HeapState, op: Ref, base: TypeSlots, args: Ref[], kwargs: Record<string, Ref> | null): void {
  switch (base.kind) {
    case K_LIST: {
      at_most("list", args, 1);
      if (args.length === 0) return;
      const items = iterate_all(h, args[0]);
      try {
        for (const v of items) list_append(h, op, v);
      } finally {
        for (const v of items) Py_DECREF(h, v);
      }
      return;
    }
    case K_DICT:
      at_most("dict", args, 1);
      if (args.length > 0) dict_update(h, op, args[0]);
      if (kwargs !== null) {
        for (const [k, v] of Object.entries(kwargs)) {
          const key = str_literal(h, k);
          try {
            dict_update_one(h, op, key, v);
          } finally {
            Py_DECREF(h, key);
          }
        }
      }
      return;
    case K_SET:
      if (base === h.T.set) {
        at_most("set", args, 1);
        if (args.length > 0) set_update_internal(h, op, args[0]);
      }
      return;
  }
}


/** type_call: t(*args, **kwargs), new reference. */
export function type_call(h: HeapState, t: TypeSlots, args: Ref[], kwargs: Record<string, Ref> | null): Ref {
  if (t === h.T.type && args.length === 1) {
    const r = h.i32[(args[0] + OB_TYPE) >> 2];
    h.i32[r >> 2]++;
    return r;
  }
  const base = solid_base(t);
  const init = t.heaptype ? t.special.get("__init__") : undefined;
  const op = builtin_new(h, t, base, args, kwargs);
  try {
    if (init !== undefined && init !== h.None) {
      const r = call_object_self(h, init, op, args, kwargs);
      if (r !== h.None) {
        const name = slots_of(h, r).name;
        Py_DECREF(h, r);
        throw new PyError("TypeError", `__init__() should return None, not '${name}'`);
      }
      Py_DECREF(h, r);
    } else if (base.kind === K_LIST || base.kind === K_DICT || (base.kind === K_SET && base === h.T.set)) {
      builtin_init(h, op, base, args, kwargs);
    } else if (t.heaptype && base.kind === K_OBJECT) {
      no_args(t, args, kwargs);
    }
  } catch (e) {
    Py_DECREF(h, op);
    throw e;
  }
  return op;
}


// === Calling a type: object construction (layer 3) ===
//
// Ports, from CPython 3.11 Objects/typeobject.c type_call (tp_new, then __init__
// when the result is an instance of the type; `__init__() should return None`),
// object_new / object_init's "takes no arguments" rule, and the constructors of
// the builtin types this heap has: object(), int(x), float(x), str(x), bytes(x),
// bool(x), tuple(it), list(it), dict(mapping or pairs), set(it), frozenset(it),
// type(x).

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
import { slots_of } from "./typeobject.js";
import { object_alloc } from "./object.js";
import { OB_TYPE, SIZEOF_PYOBJECT } from "./layout.js";
import { long_as_bigint, long_as_exact_number, long_from_bigint, long_from_bigint_typed, long_from_safe } from "./int.js";
import { float_new, float_value } from "./float.js";
import { str_literal, unicode_from_js, unicode_to_js } from "./str.js";
import { bytes_from, bytes_to_js } from "./bytes.js";
import { tuple_new, tuple_new_subtype, tuple_set } from "./tuple.js";
import { list_append, list_new_typed } from "./list.js";
import { dict_new_typed, dict_setitem as dict_update_one, dict_update } from "./dict.js";
import { make_new_set, set_update_internal } from "./set.js";
import { gc_track } from "./object.js";
import { Py_DECREF } from "./refcount.js";
import { call_object } from "./call.js";
import { object_new, solid_base } from "./instance.js";
import { init_inline_values } from "./dict.js";
import { HT_CACHED_KEYS } from "./layout.js";
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
function int_from_string(h: HeapState, t: TypeSlots, s: string): Ref {
  const text = s.trim().replace(/_/g, (m, i: number, all: string) =>
    i > 0 && /\d/.test(all[i - 1]) && /\d/.test(all[i + 1] ?? "") ? "" : "!",
  );
  if (!/^[+-]?\d+$/.test(text)) {
    throw new PyError("ValueError", `invalid literal for int() with base 10: ${JSON.stringify(s).replace(/^"|"$/g, "'")}`);
  }
  return int_value(h, t, BigInt(text));
}

function int_value(h: HeapState, t: TypeSlots, v: bigint): Ref {
  if (t === h.T.int) return long_from_bigint(h, v);
  if (v >= -9007199254740991n && v <= 9007199254740991n) return long_from_safe(h, t, Number(v));
  return long_from_bigint_typed(h, t, v);
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
    const r = int_from_string(h, h.T.int, unicode_to_js(h, x));
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

/** A builtin type called with arguments (or the instance part of a subclass call). */
function builtin_new(h: HeapState, t: TypeSlots, base: TypeSlots, args: Ref[], kwargs: Record<string, Ref> | null): Ref {
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
      if (args.length === 0) return int_value(h, t, 0n);
      if (t === h.T.int && slots_of(h, args[0]) === h.T.int) {
        h.i32[args[0] >> 2]++;
        return args[0];
      }
      return int_value(h, t, int_arg(h, args[0]));
    }
    case K_FLOAT:
      at_most("float", args, 1);
      return float_new(h, args.length === 0 ? 0 : float_arg(h, args[0]));
    case K_STR: {
      at_most("str", args, 1);
      const s = args.length === 0 ? "" : PyObject_Str(h, args[0]);
      return t === h.T.str ? str_literal_runtime(h, s) : unicode_from_js(h, t, s);
    }
    case K_BYTES: {
      at_most("bytes", args, 1);
      if (args.length === 0) return bytes_from(h, new Uint8Array(0));
      const a = args[0];
      const k = slots_of(h, a).kind;
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
    case K_TUPLE: {
      at_most("tuple", args, 1);
      const items = args.length === 0 ? [] : iterate_all(h, args[0]);
      if (t === h.T.tuple && items.length === 0) return tuple_new(h, 0);
      const op = t === h.T.tuple ? tuple_new(h, items.length) : tuple_new_subtype(h, t, items.length);
      for (let i = 0; i < items.length; i++) tuple_set(h, op, i, items[i]);
      if (t !== h.T.tuple) {
        if (t.dictoffset === -1) init_inline_values(h, op, h.i32[(t.ref + HT_CACHED_KEYS) >> 2]);
        gc_track(h, op);
      }
      return op;
    }
    case K_LIST: {
      const op = list_new_typed(h, t, 0);
      if (t !== h.T.list && t.dictoffset === -1) init_inline_values(h, op, h.i32[(t.ref + HT_CACHED_KEYS) >> 2]);
      return op;
    }
    case K_DICT: {
      const op = dict_new_typed(h, t);
      if (t !== h.T.dict && t.dictoffset === -1) init_inline_values(h, op, h.i32[(t.ref + HT_CACHED_KEYS) >> 2]);
      return op;
    }
    case K_SET: {
      const frozen = base === h.T.frozenset;
      if (frozen) at_most("frozenset", args, 1);
      const op = make_new_set(h, t);
      if (t.dictoffset === -1) init_inline_values(h, op, h.i32[(t.ref + HT_CACHED_KEYS) >> 2]);
      if (frozen && args.length > 0) {
        try {
          set_update_internal(h, op, args[0]);
        } catch (e) {
          Py_DECREF(h, op);
          throw e;
        }
      }
      return op;
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
  const op = builtin_new(h, t, base, t.heaptype && base.kind !== K_INT && base.kind !== K_STR && base.kind !== K_TUPLE && base.kind !== K_FLOAT && base.kind !== K_BYTES && base.proto.tp_new === undefined ? [] : args, kwargs);
  try {
    if (init !== undefined && init !== h.None) {
      const r = call_object(h, init, [op, ...args], kwargs);
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


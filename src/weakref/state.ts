// === The weakref module's per-heap state (layer 3, src/weakref) ===
//
// Everything the weakref module keeps for one heap: its builtin types (created by
// weakref_install), the PyGC_Head block the collector phase uses as its
// `wrcb_to_call` list, the `finalize` class attributes of Lib/weakref.py
// (_registry, _index_iter, _dirty, _shutdown, _registered_with_atexit), and a few
// interned names. It hangs off the HeapState (`h.wr`), so two heaps never share it.
//
// Also the small helpers every file of the module uses: allocating an instance of
// one of our types or of a class derived from one (PyType_GenericAlloc without the
// tracking), Py_RETURN_NONE, the generic attribute lookup and slot members
// (T_OBJECT_EX) with CPython's AttributeError texts, argument-count errors with
// CPython's texts, and JS keyword arguments walked or gathered as str-keyed dicts.
//
// Never touches: other modules' objects beyond their public functions.

import { PyError } from "../heap/errors.js";
import { filled, Py_DECREF, Py_NewRef, with_ref } from "../heap/refcount.js";
export { alloc_instance } from "../heap/instance.js";
import type { HeapState, JsCallable, Ref } from "../heap/state.js";
import type { TypeSlots } from "../heap/typeslots.js";
import { function_new } from "../heap/function.js";
import { generic_getattr } from "../heap/attr.js";
import { slots_of } from "../heap/typeobject.js";
import { dict_new, dict_setitem } from "../heap/dict.js";
import { str_literal } from "../heap/str.js";

export class WeakrefState {
  // ---- types (builtin, never freed) ----
  ref!: TypeSlots; // weakref.ReferenceType
  proxy!: TypeSlots; // weakref.ProxyType
  callableProxy!: TypeSlots; // weakref.CallableProxyType
  keyedRef!: TypeSlots; // weakref.KeyedRef
  weakMethod!: TypeSlots; // weakref.WeakMethod
  finalize!: TypeSlots; // weakref.finalize
  finalizeInfo!: TypeSlots; // weakref.finalize._Info
  weakSet!: TypeSlots;
  weakKeyDict!: TypeSlots;
  weakValueDict!: TypeSlots;
  guard!: TypeSlots; // _weakrefset._IterationGuard
  generator!: TypeSlots; // the weak containers' generators
  /** the tuple (ProxyType, CallableProxyType) */
  proxyTypes: Ref = 0;

  /** PyGC_Head block: handle_weakrefs' `wrcb_to_call` list */
  wrcbHead = 0;

  /** scratch results of get_basic_refs (no allocation on the hot path) */
  basicRef: Ref = 0;
  basicProxy: Ref = 0;

  // ---- weakref.finalize class attributes ----
  /** finalize._registry: dict finalize -> _Info */
  registry: Ref = 0;
  /** next(finalize._index_iter) */
  nextIndex = 0;
  dirty = false;
  shutdown = false;
  registeredWithAtexit = false;
  /** true while the atexit runner runs */
  exiting = false;

  /** interned str Refs used as keys of the helper functions' __dict__ */
  names: Record<string, Ref> = {};
}

declare module "../heap/state.js" {
  interface HeapState {
    /** the weakref module's state, set by weakref_install */
    wr: WeakrefState;
  }
}

/** Py_RETURN_NONE */
export function none(h: HeapState): Ref {
  h.i32[h.None >> 2]++;
  return h.None;
}

/** A new reference to `o`, or to None when `o` is 0 (an unset member read as None). */
export function newref_or_none(h: HeapState, o: Ref): Ref {
  return o !== 0 ? newref(h, o) : none(h);
}

/** A new reference to True or False. */
export function bool_ref(h: HeapState, b: boolean): Ref {
  const r = b ? h.True : h.False;
  h.i32[r >> 2]++;
  return r;
}

/** Py_NewRef (refcount.ts), under the name this module's files use */
export const newref = Py_NewRef;

/** "'T' object has no attribute 'name'" */
export function no_attribute(h: HeapState, op: Ref, name: string): PyError {
  return new PyError("AttributeError", `'${slots_of(h, op).name}' object has no attribute '${name}'`);
}

/** PyObject_GenericGetAttr: the attribute (new reference), or no_attribute's error. */
export function getattr_generic(h: HeapState, op: Ref, name: string): Ref {
  const r = generic_getattr(h, op, name);
  if (r === 0) throw no_attribute(h, op, name);
  return r;
}

/** PyMember_GetOne for a T_OBJECT_EX slot at `off`: a new reference; AttributeError(name) when unset. */
export function member_get(h: HeapState, op: Ref, off: number, name: string): Ref {
  const v = h.i32[(op + off) >> 2];
  if (v === 0) throw new PyError("AttributeError", name);
  return newref(h, v);
}

/** PyMember_SetOne for a T_OBJECT_EX slot at `off` (value 0 deletes; deleting an unset slot is AttributeError(name)). */
export function member_set(h: HeapState, op: Ref, off: number, name: string, value: Ref): void {
  const old = h.i32[(op + off) >> 2];
  if (value === 0 && old === 0) throw new PyError("AttributeError", name);
  if (value !== 0) h.i32[value >> 2]++;
  h.i32[(op + off) >> 2] = value;
  if (old !== 0) Py_DECREF(h, old);
}

/** PyArg_UnpackTuple's count check: "NAME expected at least/most N argument(s), got M". */
export function unpack_args(name: string, args: Ref[], min: number, max: number): void {
  if (args.length < min) {
    throw new PyError("TypeError", `${name} expected at least ${min} argument${min === 1 ? "" : "s"}, got ${args.length}`);
  }
  if (args.length > max) {
    throw new PyError("TypeError", `${name} expected at most ${max} argument${max === 1 ? "" : "s"}, got ${args.length}`);
  }
}

/** _PyArg_NoKeywords: "NAME() takes no keyword arguments". */
export function no_keywords(name: string, kwargs: Record<string, Ref> | null): void {
  if (kwargs !== null) for (const _ in kwargs) throw new PyError("TypeError", `${name}() takes no keyword arguments`);
}

/**
 * The positional-argument check of a Python method `NAME(self, *params)` whose first
 * `nrequired` params have no default, with CPython's messages (counts include self).
 */
export function py_args(fname: string, args: Ref[], params: string[], nrequired: number): void {
  const n = args.length;
  if (n >= nrequired && n <= params.length) return;
  if (n > params.length) {
    const lo = nrequired + 1;
    const hi = params.length + 1;
    const takes = lo === hi ? `${hi} positional argument${hi === 1 ? "" : "s"}` : `from ${lo} to ${hi} positional arguments`;
    throw new PyError("TypeError", `${fname}() takes ${takes} but ${n + 1} ${n + 1 === 1 ? "was" : "were"} given`);
  }
  const missing = params.slice(n, nrequired).map((p) => `'${p}'`);
  const list =
    missing.length === 1
      ? missing[0]
      : missing.length === 2
        ? `${missing[0]} and ${missing[1]}`
        : `${missing.slice(0, -1).join(", ")}, and ${missing[missing.length - 1]}`;
  throw new PyError(
    "TypeError",
    `${fname}() missing ${missing.length} required positional argument${missing.length === 1 ? "" : "s"}: ${list}`,
  );
}

/** A new function object for a JS function, named as a Python function would be (module may be ""). */
export function new_function(h: HeapState, fn: JsCallable, name: string, qualname: string, module: string): Ref {
  const strs: Ref[] = [];
  try {
    for (const s of [name, qualname]) strs.push(str_literal(h, s));
    if (module !== "") strs.push(str_literal(h, module));
    return function_new(h, fn, strs[0], strs[1], module !== "" ? strs[2] : 0);
  } finally {
    for (const r of strs) Py_DECREF(h, r);
  }
}

/** for k, v in kwargs.items(): f(key, v), with key a new str held for the call */
export function for_each_kwarg(h: HeapState, kwargs: Record<string, Ref>, f: (key: Ref, value: Ref) => void): void {
  for (const [k, v] of Object.entries(kwargs)) with_ref(h, str_literal(h, k), (key) => f(key, v));
}

/** A new dict of str keys from JS keyword arguments. */
export function kwargs_to_dict(h: HeapState, kwargs: Record<string, Ref>): Ref {
  return filled(h, dict_new(h), (d) => for_each_kwarg(h, kwargs, (key, v) => dict_setitem(h, d, key, v)));
}

// === function, method and builtin-method objects (layer 3) ===
//
// A function object wraps a JavaScript function (kept in HeapState.jsFunctions,
// referenced by index from the object). Ports the object side of CPython 3.11
// Objects/funcobject.c (func_dealloc, func_traverse, func_clear) and
// Objects/classobject.c (PyMethod_New, method_dealloc with the trashcan,
// method_traverse: im_func then im_self), and the bound builtin method
// (builtin_function_or_method with __self__) that getattr(list, "append") gives.
//
// JS functions receive borrowed Refs and return undefined (None) or an owned Ref.

import {
  BMETH_ID,
  BMETH_SELF,
  FUNC_DICT,
  FUNC_ID,
  FUNC_MODULE,
  FUNC_NAME,
  FUNC_QUALNAME,
  FUNC_WEAKLIST,
  METH_FUNC,
  METH_SELF,
  METH_VECTORCALL,
  METH_WEAKLIST,
  OB_TYPE,
  SIZEOF_BUILTIN_METHOD,
  SIZEOF_FUNCTION,
  SIZEOF_METHOD,
} from "./layout.js";
import { gc_alloc, gc_track, gc_untrack, object_free } from "./object.js";
import { Py_CLEAR, Py_XDECREF, trash_begin, trash_end } from "./refcount.js";
import type { HeapState, JsCallable, Ref } from "./state.js";
import type { NativeMethod, TypeSlots, Visit } from "./typeslots.js";
import { slots_of } from "./typeobject.js";
import { hash_pointer } from "./hash.js";

/** A new function object for `fn`; `name` and `qualname` are str Refs (borrowed). */
export function function_new(h: HeapState, fn: JsCallable, name: Ref, qualname: Ref, module: Ref): Ref {
  const op = gc_alloc(h, h.T.function, SIZEOF_FUNCTION);
  let id: number;
  if (h.jsFunctionsFree.length > 0) {
    id = h.jsFunctionsFree.pop()!;
    h.jsFunctions[id] = fn;
  } else {
    id = h.jsFunctions.length;
    h.jsFunctions.push(fn);
  }
  const i32 = h.i32;
  i32[(op + FUNC_ID) >> 2] = id;
  i32[name >> 2]++;
  i32[(op + FUNC_NAME) >> 2] = name;
  i32[qualname >> 2]++;
  i32[(op + FUNC_QUALNAME) >> 2] = qualname;
  i32[(op + FUNC_DICT) >> 2] = 0;
  i32[(op + FUNC_WEAKLIST) >> 2] = 0;
  if (module !== 0) i32[module >> 2]++;
  i32[(op + FUNC_MODULE) >> 2] = module;
  gc_track(h, op);
  return op;
}

export function function_js(h: HeapState, op: Ref): JsCallable {
  return h.jsFunctions[h.i32[(op + FUNC_ID) >> 2]]!;
}

export function function_dealloc(h: HeapState, op: Ref): void {
  gc_untrack(h, op);
  if (h.i32[(op + FUNC_WEAKLIST) >> 2] !== 0) h.weakrefHooks?.clearWeakRefs(op);
  function_clear(h, op);
  const id = h.i32[(op + FUNC_ID) >> 2];
  h.jsFunctions[id] = undefined;
  h.jsFunctionsFree.push(id);
  object_free(h, op, slots_of(h, op));
}

/** func_traverse (3.11 order, for the fields this port has): module, name, dict, qualname. */
export function function_traverse<A>(h: HeapState, op: Ref, visit: Visit<A>, arg: A): void {
  let v = h.i32[(op + FUNC_MODULE) >> 2];
  if (v !== 0) visit(h, v, arg);
  v = h.i32[(op + FUNC_NAME) >> 2];
  if (v !== 0) visit(h, v, arg);
  v = h.i32[(op + FUNC_DICT) >> 2];
  if (v !== 0) visit(h, v, arg);
  v = h.i32[(op + FUNC_QUALNAME) >> 2];
  if (v !== 0) visit(h, v, arg);
}

/** func_clear: detach each field before dropping it. */
export function function_clear(h: HeapState, op: Ref): void {
  Py_CLEAR(h, op + FUNC_MODULE);
  Py_CLEAR(h, op + FUNC_DICT);
  Py_CLEAR(h, op + FUNC_NAME);
  Py_CLEAR(h, op + FUNC_QUALNAME);
}

/** PyMethod_New(func, self): new reference. */
export function method_new(h: HeapState, func: Ref, self: Ref): Ref {
  const op = gc_alloc(h, h.T.method, SIZEOF_METHOD);
  const i32 = h.i32;
  i32[func >> 2]++;
  i32[self >> 2]++;
  i32[(op + METH_FUNC) >> 2] = func;
  i32[(op + METH_SELF) >> 2] = self;
  i32[(op + METH_WEAKLIST) >> 2] = 0;
  i32[(op + METH_VECTORCALL) >> 2] = 0; // no vectorcall pointer: call_object dispatches on TP_KIND
  gc_track(h, op);
  return op;
}

export function method_dealloc(h: HeapState, op: Ref): void {
  gc_untrack(h, op);
  if (h.i32[(op + METH_WEAKLIST) >> 2] !== 0) h.weakrefHooks?.clearWeakRefs(op);
  if (trash_begin(h, op)) return;
  const func = h.i32[(op + METH_FUNC) >> 2];
  const self = h.i32[(op + METH_SELF) >> 2];
  Py_XDECREF(h, func);
  Py_XDECREF(h, self);
  object_free(h, op, h.T.method);
  trash_end(h);
}

/** method_traverse: im_func, then im_self. */
export function method_traverse<A>(h: HeapState, op: Ref, visit: Visit<A>, arg: A): void {
  const func = h.i32[(op + METH_FUNC) >> 2];
  if (func !== 0) visit(h, func, arg);
  const self = h.i32[(op + METH_SELF) >> 2];
  if (self !== 0) visit(h, self, arg);
}

/**
 * method_richcompare: == when im_func is the same (function objects compare by
 * identity) and im_self is the same object; NotImplemented for other operators/types.
 * Returns an owned bool or NotImplemented.
 */
export function method_richcompare(h: HeapState, a: Ref, b: Ref, op: number): Ref {
  return bound_richcompare(h, a, b, op, METH_FUNC, METH_SELF);
}

/**
 * The == / != of two bound callables of one type: the same callable (at `funcOff`)
 * bound to the same object (at `selfOff`); NotImplemented for other operators/types.
 */
function bound_richcompare(h: HeapState, a: Ref, b: Ref, op: number, funcOff: number, selfOff: number): Ref {
  const i32 = h.i32;
  let r: Ref;
  if ((op !== 2 && op !== 3) || i32[(a + OB_TYPE) >> 2] !== i32[(b + OB_TYPE) >> 2]) {
    r = h.NotImplemented;
  } else {
    const eq = i32[(a + funcOff) >> 2] === i32[(b + funcOff) >> 2] && i32[(a + selfOff) >> 2] === i32[(b + selfOff) >> 2];
    r = eq === (op === 2) ? h.True : h.False; // Py_EQ 2, Py_NE 3
  }
  i32[r >> 2]++;
  return r;
}

/** method_hash: _Py_HashPointer(im_self) ^ hash(im_func) (a function hashes by address). */
export function method_hash(h: HeapState, op: Ref): number {
  const x = hash_pointer(h.i32[(op + METH_SELF) >> 2]) ^ hash_pointer(h.i32[(op + METH_FUNC) >> 2]);
  return x === -1 ? -2 : x;
}

// ---- builtin methods bound to an object (builtin_function_or_method) ----

/** Register a native method once per heap; returns its id. */
export function native_register(h: HeapState, owner: TypeSlots, name: string, fn: NativeMethod): number {
  const id = h.natives.length;
  h.natives.push({ name, owner: owner.name, fn });
  owner.natives.set(name, id);
  return id;
}

/** A builtin method bound to `self`: new reference. */
export function builtin_method_new(h: HeapState, self: Ref, id: number): Ref {
  const op = gc_alloc(h, h.T.builtin_function_or_method, SIZEOF_BUILTIN_METHOD);
  const i32 = h.i32;
  if (self !== 0) i32[self >> 2]++; // 0: unbound (`list.append` read from the type)
  i32[(op + BMETH_SELF) >> 2] = self;
  i32[(op + BMETH_ID) >> 2] = id;
  gc_track(h, op);
  return op;
}

export function builtin_method_dealloc(h: HeapState, op: Ref): void {
  gc_untrack(h, op);
  const self = h.i32[(op + BMETH_SELF) >> 2];
  Py_XDECREF(h, self);
  object_free(h, op, h.T.builtin_function_or_method);
}

/** meth_richcompare: the same native method bound to the same object. */
export function builtin_method_richcompare(h: HeapState, a: Ref, b: Ref, op: number): Ref {
  return bound_richcompare(h, a, b, op, BMETH_ID, BMETH_SELF);
}

/** meth_hash: _Py_HashPointer(m_self) ^ _Py_HashPointer(ml_meth) (the native's id here). */
export function builtin_method_hash(h: HeapState, op: Ref): number {
  const x = hash_pointer(h.i32[(op + BMETH_SELF) >> 2]) ^ hash_pointer(h.i32[(op + BMETH_ID) >> 2]);
  return x === -1 ? -2 : x;
}

export function builtin_method_traverse<A>(h: HeapState, op: Ref, visit: Visit<A>, arg: A): void {
  const self = h.i32[(op + BMETH_SELF) >> 2];
  if (self !== 0) visit(h, self, arg);
}

// === weakref.WeakMethod (layer 3, src/weakref) ===
//
// Ports class WeakMethod of CPython 3.11 Lib/weakref.py: a ref subclass (slots
// _alive, _func_ref, _meth_type, __weakref__ in type_new's sorted order) to a bound
// method's __self__, plus _func_ref, a ref to its __func__. Both weakrefs share
// one callback `_cb`, a function object; _cb's closure cells (`callback`,
// `self_wr`) are kept in the function's __dict__ so that the collector sees them
// (the cycle-free self-weakref trick of weakref.py: the WeakMethod holds _cb, _cb
// holds only a weakref to the WeakMethod). _cb runs the user callback once
// (`_alive`), whichever of the object or the function dies first.
//
// Calling a WeakMethod builds a new bound method, or returns None once either is
// dead. == and != compare the refs and the function refs while both are alive,
// identity otherwise; the hash is ref's.

import {
  FUNC_DICT,
  METH_FUNC,
  METH_SELF,
  OB_TYPE,
  TP_KIND,
  WM_ALIVE,
  WM_FUNC_REF,
  WM_METH_TYPE,
  WM_WEAKLIST,
} from "../heap/layout.js";
import { PyError } from "../heap/errors.js";
import { filled, Py_CLEAR, Py_DECREF, with_ref } from "../heap/refcount.js";
import type { HeapState, Ref } from "../heap/state.js";
import { K_METHOD, Py_EQ, Py_NE, type ProtocolSlots, type TypeSlots, type Visit } from "../heap/typeslots.js";
import { is_subtype, slots_of } from "../heap/typeobject.js";
import { dict_getitem, dict_new, dict_setitem } from "../heap/dict.js";
import { method_new } from "../heap/function.js";
import { call_object } from "../heap/call.js";
import { PyObject_IsTrue, PyObject_RichCompare } from "../heap/abstract.js";
import { PyObject_Repr } from "../heap/repr.js";
import { gc_untrack } from "../heap/object.js";
import {
  PyObject_ClearWeakRefs,
  weakref_clear,
  weakref_dealloc,
  weakref_getattro,
  weakref_new,
  weakref_richcompare,
  weakref_setattro,
  weakref_traverse,
  wr_deref,
} from "./ref.js";
import { bool_ref, member_get, member_set, new_function, newref, newref_or_none, none, py_args } from "./state.js";

/** Is `op` a WeakMethod (or an instance of a class derived from it)? */
export function is_weakmethod(h: HeapState, op: Ref): boolean {
  return is_subtype(slots_of(h, op), h.wr.weakMethod);
}

/** `self._alive` */
function alive_of(h: HeapState, self: Ref): boolean {
  const v = h.i32[(self + WM_ALIVE) >> 2];
  if (v === 0) throw new PyError("AttributeError", "_alive");
  return PyObject_IsTrue(h, v);
}

/** _cb(arg): the shared callback of a WeakMethod and its _func_ref. */
function weakmethod_cb(h: HeapState, fn: Ref): void {
  const d = h.i32[(fn + FUNC_DICT) >> 2];
  if (d === 0) return;
  const selfWr = dict_getitem(h, d, h.wr.names.self_wr);
  const self = selfWr !== 0 ? wr_deref(h, selfWr) : 0;
  if (self === 0) throw new PyError("AttributeError", "'NoneType' object has no attribute '_alive'");
  with_ref(h, newref(h, self), (self) => {
    if (alive_of(h, self)) {
      const old = h.i32[(self + WM_ALIVE) >> 2];
      h.i32[(self + WM_ALIVE) >> 2] = bool_ref(h, false);
      Py_DECREF(h, old);
      const callback = dict_getitem(h, h.i32[(fn + FUNC_DICT) >> 2], h.wr.names.callback);
      if (callback !== 0 && callback !== h.None) {
        with_ref(h, newref(h, callback), (callback) => Py_DECREF(h, call_object(h, callback, [self], null)));
      }
    }
  });
}

/** A new `_cb` function whose __dict__ holds the `callback` cell. */
function make_cb(h: HeapState, callback: Ref): Ref {
  const state = { fn: 0 as Ref };
  const fn = new_function(h, () => weakmethod_cb(h, state.fn), "_cb", "WeakMethod.__new__.<locals>._cb", "weakref");
  state.fn = fn;
  return filled(h, fn, (fn) => {
    const d = dict_new(h);
    h.i32[(fn + FUNC_DICT) >> 2] = d;
    dict_setitem(h, d, h.wr.names.callback, callback);
  });
}

/** WeakMethod.__new__(cls, meth, callback=None) (+ ref.__init__'s keyword check). */
export function weakmethod_new(h: HeapState, t: TypeSlots, args: Ref[], kwargs: Record<string, Ref> | null): Ref {
  py_args("WeakMethod.__new__", args, ["meth", "callback"], 1);
  if (kwargs !== null && Object.keys(kwargs).length > 0) throw new PyError("TypeError", "ref() takes no keyword arguments");
  const meth = args[0];
  const callback = args.length > 1 ? args[1] : h.None;
  const i32 = h.i32;
  const mtype = i32[(meth + OB_TYPE) >> 2];
  if (i32[(mtype + TP_KIND) >> 2] !== K_METHOD) {
    throw new PyError("TypeError", `argument should be a bound method, not ${PyObject_Repr(h, mtype)}`);
  }
  const obj = i32[(meth + METH_SELF) >> 2];
  const func = i32[(meth + METH_FUNC) >> 2];
  const cb = make_cb(h, callback);
  h.i32[obj >> 2]++;
  h.i32[func >> 2]++;
  h.i32[meth >> 2]++;
  let self: Ref = 0;
  try {
    self = weakref_new(h, t, obj, cb);
    h.i32[(self + WM_FUNC_REF) >> 2] = weakref_new(h, h.wr.ref, func, cb);
    h.i32[(self + WM_METH_TYPE) >> 2] = newref(h, h.i32[(meth + OB_TYPE) >> 2]);
    h.i32[(self + WM_ALIVE) >> 2] = bool_ref(h, true);
    with_ref(h, weakref_new(h, h.wr.ref, self, 0), (selfWr) => dict_setitem(h, h.i32[(cb + FUNC_DICT) >> 2], h.wr.names.self_wr, selfWr));
  } catch (e) {
    if (self !== 0) Py_DECREF(h, self);
    throw e;
  } finally {
    Py_DECREF(h, cb);
    Py_DECREF(h, meth);
    Py_DECREF(h, func);
    Py_DECREF(h, obj);
  }
  return self;
}

/** WeakMethod.__call__: a new bound method, or None once the object or the function is dead. */
function weakmethod_call(h: HeapState, self: Ref, args: Ref[], kwargs: Record<string, Ref> | null): Ref {
  py_args("WeakMethod.__call__", args, [], 0);
  if (kwargs !== null && Object.keys(kwargs).length > 0) {
    throw new PyError("TypeError", `WeakMethod.__call__() got an unexpected keyword argument '${Object.keys(kwargs)[0]}'`);
  }
  const obj = wr_deref(h, self);
  const fref = h.i32[(self + WM_FUNC_REF) >> 2];
  const func = fref !== 0 ? wr_deref(h, fref) : 0;
  if (obj === 0 || func === 0) return none(h);
  return method_new(h, func, obj);
}

/** WeakMethod.__eq__ / __ne__ (other comparisons: ref's, i.e. NotImplemented). */
function weakmethod_richcompare(h: HeapState, self: Ref, other: Ref, op: number): Ref {
  if ((op !== Py_EQ && op !== Py_NE) || !is_weakmethod(h, other)) return newref(h, h.NotImplemented);
  if (!alive_of(h, self) || !alive_of(h, other)) return bool_ref(h, op === Py_EQ ? self === other : self !== other);
  // `ref.__eq__(self, other) and self._func_ref == other._func_ref` (`or` / `!=` for __ne__)
  const first = weakref_richcompare(h, self, other, op);
  let firstTrue: boolean;
  try {
    firstTrue = PyObject_IsTrue(h, first);
  } catch (e) {
    Py_DECREF(h, first);
    throw e;
  }
  if (op === Py_EQ ? !firstTrue : firstTrue) return first;
  Py_DECREF(h, first);
  return PyObject_RichCompare(h, h.i32[(self + WM_FUNC_REF) >> 2], h.i32[(other + WM_FUNC_REF) >> 2], op);
}

const SLOTS: Record<string, number> = { _alive: WM_ALIVE, _func_ref: WM_FUNC_REF, _meth_type: WM_METH_TYPE };

function weakmethod_getattro(h: HeapState, self: Ref, name: string): Ref {
  const off = SLOTS[name];
  if (off !== undefined) return member_get(h, self, off, name);
  if (name === "__weakref__") return newref_or_none(h, h.i32[(self + WM_WEAKLIST) >> 2]);
  return weakref_getattro(h, self, name);
}

function weakmethod_setattro(h: HeapState, self: Ref, name: string, value: Ref): void {
  const off = SLOTS[name];
  if (off !== undefined) {
    member_set(h, self, off, name, value);
    return;
  }
  if (name === "__weakref__") {
    throw new PyError("AttributeError", `attribute '__weakref__' of '${slots_of(h, self).name}' objects is not writable`);
  }
  weakref_setattro(h, self, name, value);
}

/** subtype_dealloc for WeakMethod: its own weakrefs, its slots (sorted order), then ref's dealloc. */
function weakmethod_dealloc(h: HeapState, self: Ref): void {
  gc_untrack(h, self);
  if (h.i32[(self + WM_WEAKLIST) >> 2] !== 0) PyObject_ClearWeakRefs(h, self);
  Py_CLEAR(h, self + WM_ALIVE);
  Py_CLEAR(h, self + WM_FUNC_REF);
  Py_CLEAR(h, self + WM_METH_TYPE);
  weakref_dealloc(h, self);
}

/** subtype_traverse for WeakMethod: slots, then the callback */
function weakmethod_traverse<A>(h: HeapState, self: Ref, visit: Visit<A>, arg: A): void {
  for (const off of [WM_ALIVE, WM_FUNC_REF, WM_METH_TYPE]) {
    const v = h.i32[(self + off) >> 2];
    if (v !== 0) visit(h, v, arg);
  }
  weakref_traverse(h, self, visit, arg);
}

function weakmethod_clear(h: HeapState, self: Ref): void {
  Py_CLEAR(h, self + WM_ALIVE);
  Py_CLEAR(h, self + WM_FUNC_REF);
  Py_CLEAR(h, self + WM_METH_TYPE);
  weakref_clear(h, self);
}

export const weakmethod_slots = {
  tp_dealloc: weakmethod_dealloc,
  tp_traverse: weakmethod_traverse,
  tp_clear: weakmethod_clear,
};

/** WeakMethod's protocol slots on top of ref's. */
export function weakmethod_protocol(refProto: ProtocolSlots): ProtocolSlots {
  return {
    ...refProto,
    tp_new: weakmethod_new,
    tp_call: weakmethod_call,
    tp_richcompare: weakmethod_richcompare,
    tp_getattro: weakmethod_getattro,
    tp_setattro: weakmethod_setattro,
  };
}

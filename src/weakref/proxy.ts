// === Weak proxies (layer 3, src/weakref) ===
//
// Ports, from CPython 3.11 Objects/weakrefobject.c, the protocol slots of
// weakref.ProxyType and weakref.CallableProxyType: proxy_checkref and UNWRAP
// (ReferenceError "weakly-referenced object no longer exists" once dead), and the
// forwarding of getattr / setattr / delattr, str, repr (proxy_repr), rich
// comparison (both operands unwrapped), bool, len, contains, getitem / setitem /
// delitem, iter / next (proxy_iternext's non-iterator TypeError) and call. A proxy
// is unhashable. The referent is held (INCREF) for the duration of each forwarded
// operation, as the WRAP_* macros do.
//
// A proxy is a PyWeakReference like a ref (same struct, same list discipline); see
// ref.ts for creation and clearing.

import { WR_OBJECT } from "../heap/layout.js";
import { PyError } from "../heap/errors.js";
import { Py_DECREF, with_ref } from "../heap/refcount.js";
import type { HeapState, Ref } from "../heap/state.js";
import type { ProtocolSlots } from "../heap/typeslots.js";
import { slots_of } from "../heap/typeobject.js";
import {
  PyIter_Next,
  PyObject_DelItem,
  PyObject_GetItem,
  PyObject_GetIter,
  PyObject_IsTrue,
  PyObject_Length,
  PyObject_RichCompare,
  PyObject_SetItem,
  PySequence_Contains,
} from "../heap/abstract.js";
import { getattr, setattr } from "../heap/attr.js";
import { call_object } from "../heap/call.js";
import { addr, PyObject_Str } from "../heap/repr.js";
import { is_proxy } from "./ref.js";

function dead(): PyError {
  return new PyError("ReferenceError", "weakly-referenced object no longer exists");
}

/** proxy_checkref + PyWeakref_GET_OBJECT + Py_INCREF: the referent, owned. */
function proxy_get(h: HeapState, proxy: Ref): Ref {
  const obj = h.i32[(proxy + WR_OBJECT) >> 2];
  if (obj === h.None) throw dead();
  h.i32[obj >> 2]++;
  return obj;
}

/** UNWRAP for an operand that may or may not be a proxy: an owned reference. */
function unwrap(h: HeapState, o: Ref): Ref {
  if (is_proxy(h, o)) return proxy_get(h, o);
  h.i32[o >> 2]++;
  return o;
}

/** Run `f` on the proxy's referent, held for the duration. */
function forward<T>(h: HeapState, proxy: Ref, f: (obj: Ref) => T): T {
  return with_ref(h, proxy_get(h, proxy), f);
}

/** proxy_repr: "<weakproxy at %p to %s at %p>" (the referent is None once dead). */
function proxy_repr(h: HeapState, proxy: Ref): string {
  const obj = h.i32[(proxy + WR_OBJECT) >> 2];
  return `<weakproxy at ${addr(proxy)} to ${slots_of(h, obj).name} at ${addr(obj)}>`;
}

function proxy_richcompare(h: HeapState, a: Ref, b: Ref, op: number): Ref {
  const x = unwrap(h, a);
  let y: Ref;
  try {
    y = unwrap(h, b);
  } catch (e) {
    Py_DECREF(h, x);
    throw e;
  }
  try {
    return PyObject_RichCompare(h, x, y, op);
  } finally {
    Py_DECREF(h, x);
    Py_DECREF(h, y);
  }
}

function proxy_iternext(h: HeapState, proxy: Ref): Ref {
  return forward(h, proxy, (obj) => {
    const t = slots_of(h, obj);
    if (t.proto.tp_iternext === undefined && !t.special.has("__next__")) {
      throw new PyError("TypeError", `Weakref proxy referenced a non-iterator '${t.name}' object`);
    }
    return PyIter_Next(h, obj);
  });
}

/** The protocol slots of ProxyType; CallableProxyType adds tp_call. */
export function proxy_protocol(callable: boolean): ProtocolSlots {
  const slots: ProtocolSlots = {
    tp_repr: proxy_repr,
    tp_str: (h, p) => forward(h, p, (obj) => PyObject_Str(h, obj)),
    tp_hash: (h, p) => {
      throw new PyError("TypeError", `unhashable type: '${slots_of(h, p).name}'`);
    },
    tp_richcompare: proxy_richcompare,
    tp_getattro: (h, p, name) => forward(h, p, (obj) => getattr(h, obj, name)),
    tp_setattro: (h, p, name, value) => forward(h, p, (obj) => setattr(h, obj, name, value)),
    nb_bool: (h, p) => forward(h, p, (obj) => PyObject_IsTrue(h, obj)),
    mp_length: (h, p) => forward(h, p, (obj) => PyObject_Length(h, obj)),
    mp_subscript: (h, p, key) => forward(h, p, (obj) => PyObject_GetItem(h, obj, key)),
    mp_ass_subscript: (h, p, key, value) =>
      forward(h, p, (obj) => (value === 0 ? PyObject_DelItem(h, obj, key) : PyObject_SetItem(h, obj, key, value))),
    sq_contains: (h, p, key) => forward(h, p, (obj) => PySequence_Contains(h, obj, key)),
    tp_iter: (h, p) => forward(h, p, (obj) => PyObject_GetIter(h, obj)),
    tp_iternext: proxy_iternext,
  };
  if (callable) {
    slots.tp_call = (h, p, args, kwargs) => forward(h, p, (obj) => call_object(h, obj, args, kwargs));
  }
  return slots;
}

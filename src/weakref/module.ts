// === The `heap.weakref` API object (layer 3, src/weakref) ===
//
// weakref_module(h) builds the JS object the public facade exposes as
// `heap.weakref`: Python's weakref module with Python's names. Ownership follows
// the public API: every returned Ref is new, arguments are borrowed. Callbacks and
// finalizer functions may be JS functions: each is wrapped in a heap function
// object, which is what the weakref (or the finalizer's registry entry) holds.
//
// Handle validation is the facade's job; these functions trust their Refs.

import { WR_OBJECT } from "../heap/layout.js";
import { Py_DECREF, with_ref } from "../heap/refcount.js";
import type { HeapState, JsCallable, Ref } from "../heap/state.js";
import { function_new } from "../heap/function.js";
import { str_literal } from "../heap/str.js";
import { call_object, is_callable } from "../heap/call.js";
import { type_call } from "../heap/construct.js";
import { newref } from "./state.js";
import { getweakrefcount, getweakrefs, is_proxy, is_weakref, proxy_new, weakref_new } from "./ref.js";
import { PyError } from "../heap/errors.js";
import { slots_of } from "../heap/typeobject.js";
import {
  finalize_alive,
  finalize_detach,
  finalize_get_atexit,
  finalize_new,
  finalize_peek,
  finalize_set_atexit,
  weakref_atexit,
} from "./finalize.js";
import { weakmethod_new } from "./weakmethod.js";
import { weak_container_add, weak_container_list, is_weak_container } from "./containers.js";

/** A callback as given to the API: a JS function, a callable Ref, or nothing. */
export type Callback = JsCallable | Ref | null | undefined;

export interface WeakrefModule {
  /** weakref.ref(o[, callback]) */
  ref(o: Ref, callback?: Callback): Ref;
  /** wr(): the referent (new reference) or None; a WeakMethod gives a new bound method */
  deref(wr: Ref): Ref;
  /** weakref.proxy(o[, callback]): ProxyType, or CallableProxyType for callables */
  proxy(o: Ref, callback?: Callback): Ref;
  getweakrefcount(o: Ref): number;
  /** a new list of the weakrefs to o, in CPython's order */
  getweakrefs(o: Ref): Ref;
  WeakSet(items?: Ref): Ref;
  WeakKeyDictionary(init?: Ref): Ref;
  WeakValueDictionary(init?: Ref): Ref;
  WeakMethod(boundMethod: Ref, callback?: Callback): Ref;
  /** weakref.finalize(o, fn, *args) */
  finalize(o: Ref, fn: JsCallable | Ref, ...args: Ref[]): Ref;
  /** finalize(o, fn, *args, **kwargs) */
  finalizeKw(o: Ref, fn: JsCallable | Ref, args: Ref[], kwargs: Record<string, Ref>): Ref;
  finalizeInfo(f: Ref): { alive: boolean; atexit: boolean };
  /** f.detach(): (obj, func, args, kwargs) once, or None */
  detach(f: Ref): Ref;
  /** f.peek(): (obj, func, args, kwargs) or None */
  peek(f: Ref): Ref;
  setAtexit(f: Ref, value: boolean): void;
  /** finalize._exitfunc: what heap.close() runs first */
  runAtexit(): void;
  /** list(o.keys()), list(o.values()), list(o.items()) of a weak container (a new list) */
  containerList(o: Ref, what: "keys" | "values" | "items"): Ref;
  /** WeakSet.add */
  add(ws: Ref, item: Ref): void;
  isWeakContainer(o: Ref): boolean;
  readonly ReferenceType: Ref;
  readonly ProxyType: Ref;
  readonly CallableProxyType: Ref;
  /** the tuple (ProxyType, CallableProxyType) */
  readonly ProxyTypes: Ref;
  readonly KeyedRef: Ref;
  readonly WeakMethodType: Ref;
  readonly WeakSetType: Ref;
  readonly WeakKeyDictionaryType: Ref;
  readonly WeakValueDictionaryType: Ref;
  readonly finalizeType: Ref;
}

/** A JS function as a new heap function object; a Ref is returned with a new reference; nothing gives 0. */
export function as_callable(h: HeapState, cb: Callback): Ref {
  if (cb === undefined || cb === null) return 0;
  if (typeof cb === "function") {
    const fname = /^[A-Za-z_][A-Za-z0-9_]*$/.test(cb.name) ? cb.name : "<lambda>";
    return with_ref(h, str_literal(h, fname), (name) => function_new(h, cb, name, name, 0));
  }
  return newref(h, cb);
}

/** Run `f` with the callback as a Ref held for the duration. */
function with_callable<T>(h: HeapState, cb: Callback, f: (c: Ref) => T): T {
  const c = as_callable(h, cb);
  try {
    return f(c);
  } finally {
    if (c !== 0) Py_DECREF(h, c);
  }
}

/** weakref_module: the `heap.weakref` object of this heap (weakref_install must have run). */
export function weakref_module(h: HeapState): WeakrefModule {
  const st = h.wr;
  return {
    ref: (o, callback) => with_callable(h, callback, (c) => weakref_new(h, st.ref, o, c)),
    deref: (wr) => {
      if (is_proxy(h, wr)) return newref(h, h.i32[(wr + WR_OBJECT) >> 2]);
      if (!is_weakref(h, wr)) {
        throw new PyError("TypeError", `deref() argument must be a weakref or a proxy, not '${slots_of(h, wr).name}'`);
      }
      return call_object(h, wr, [], null); // wr(): a ref subclass (WeakMethod) may define __call__
    },
    proxy: (o, callback) => with_callable(h, callback, (c) => proxy_new(h, o, c, is_callable(h, o))),
    getweakrefcount: (o) => getweakrefcount(h, o),
    getweakrefs: (o) => getweakrefs(h, o),
    WeakSet: (items) => type_call(h, st.weakSet, items === undefined ? [] : [items], null),
    WeakKeyDictionary: (init) => type_call(h, st.weakKeyDict, init === undefined ? [] : [init], null),
    WeakValueDictionary: (init) => type_call(h, st.weakValueDict, init === undefined ? [] : [init], null),
    WeakMethod: (meth, callback) =>
      with_callable(h, callback, (c) => weakmethod_new(h, st.weakMethod, c === 0 ? [meth] : [meth, c], null)),
    finalize: (o, fn, ...args) => with_callable(h, fn, (c) => finalize_new(h, st.finalize, [o, c, ...args], null)),
    finalizeKw: (o, fn, args, kwargs) => with_callable(h, fn, (c) => finalize_new(h, st.finalize, [o, c, ...args], kwargs)),
    finalizeInfo: (f) => ({ alive: finalize_alive(h, f), atexit: finalize_get_atexit(h, f) }),
    detach: (f) => finalize_detach(h, f),
    peek: (f) => finalize_peek(h, f),
    setAtexit: (f, value) => finalize_set_atexit(h, f, value),
    runAtexit: () => weakref_atexit(h),
    containerList: (o, what) => weak_container_list(h, o, what),
    add: (ws, item) => weak_container_add(h, ws, item),
    isWeakContainer: (o) => is_weak_container(h, o),
    ReferenceType: st.ref.ref,
    ProxyType: st.proxy.ref,
    CallableProxyType: st.callableProxy.ref,
    ProxyTypes: st.proxyTypes,
    KeyedRef: st.keyedRef.ref,
    WeakMethodType: st.weakMethod.ref,
    WeakSetType: st.weakSet.ref,
    WeakKeyDictionaryType: st.weakKeyDict.ref,
    WeakValueDictionaryType: st.weakValueDict.ref,
    finalizeType: st.finalize.ref,
  };
}

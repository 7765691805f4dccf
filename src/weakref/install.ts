// === Installing the weakref module into a heap (layer 3, src/weakref) ===
//
// weakref_install(h) creates the module's builtin types on the heap
// (weakref.ReferenceType, ProxyType, CallableProxyType, KeyedRef, WeakMethod,
// finalize and finalize._Info, WeakSet, WeakKeyDictionary, WeakValueDictionary,
// _IterationGuard and the containers' generator type), the finalize registry, the
// PyGC_Head block of the collector phase, and sets `h.weakrefHooks`, through which
// deallocators (PyObject_ClearWeakRefs), `obj.__weakref__` and the collector
// (handle_weakrefs) reach this module. Call it once, after the heap's bootstrap and
// before any object that may be weakly referenced dies.
//
// Type names: TypeSlots.name is CPython's tp_name ("weakref.ReferenceType", used in
// error messages and reprs), the type object's TP_NAME is its `__name__`
// ("ReferenceType").

import {
  FINFO_ARGS,
  FINFO_ATEXIT,
  FINFO_FUNC,
  FINFO_INDEX,
  FINFO_KWARGS,
  FINFO_WEAKREF,
  KEYEDREF_KEY,
  SIZEOF_FINALIZE,
  SIZEOF_FINFO,
  SIZEOF_GUARD,
  SIZEOF_KEYEDREF,
  SIZEOF_WEAKCONTAINER,
  SIZEOF_WEAKMETHOD,
  SIZEOF_WEAKREF,
  SIZEOF_WGEN,
  GUARD_WEAKLIST,
  Py_TPFLAGS_BASETYPE,
  TP_NAME,
  TP_XFLAGS,
  XF_FINALIZE,
  WC_WEAKLIST,
  WGEN_WEAKLIST,
  WM_WEAKLIST,
} from "../heap/layout.js";
import { PyError, memoryError } from "../heap/errors.js";
import { gc_list_init } from "../heap/gclist.js";
import { gc_untrack } from "../heap/object.js";
import { Py_CLEAR } from "../heap/refcount.js";
import type { HeapState, Ref } from "../heap/state.js";
import { K_FINALIZE, K_PROXY, K_WEAKCONTAINER, K_WEAKREF, type ProtocolSlots, type TypeSlots, type Visit } from "../heap/typeslots.js";
import { IMMORTAL_REFCNT, new_type, type TypeSpec } from "../heap/typeobject.js";
import { intern_js } from "../heap/str.js";
import { dict_new } from "../heap/dict.js";
import { tuple_from_array } from "../heap/tuple.js";
import { generic_setattr } from "../heap/attr.js";
import { WeakrefState, getattr_generic, member_get, member_set, py_args } from "./state.js";
import {
  PyObject_ClearWeakRefs,
  clear_weakrefs_no_callbacks,
  first_weakref,
  weakref_call,
  weakref_clear,
  weakref_dealloc,
  weakref_getattro,
  weakref_hash,
  weakref_repr,
  weakref_richcompare,
  weakref_setattro,
  weakref_tp_new,
  weakref_traverse,
} from "./ref.js";
import { proxy_protocol } from "./proxy.js";
import { handle_weakrefs } from "./gc_phase.js";
import { weakmethod_protocol, weakmethod_slots } from "./weakmethod.js";
import {
  finalize_dealloc,
  finalize_detach,
  finalize_peek,
  finalize_protocol,
  info_clear,
  info_dealloc,
  info_traverse,
} from "./finalize.js";
import { container_slots, containers_init_types, generator_finalize, generator_slots, guard_slots, keyedref_new } from "./containers.js";
import { function_new, native_register } from "../heap/function.js";

/** Make a str immortal (it lives as long as the heap). */
function immortal_str(h: HeapState, s: string): Ref {
  const r = intern_js(h, s);
  h.i32[r >> 2] = IMMORTAL_REFCNT;
  return r;
}

// ---- KeyedRef: ref + the `key` slot ----

function keyedref_dealloc(h: HeapState, self: Ref): void {
  Py_CLEAR(h, self + KEYEDREF_KEY);
  weakref_dealloc(h, self);
}

function keyedref_traverse<A>(h: HeapState, self: Ref, visit: Visit<A>, arg: A): void {
  const key = h.i32[(self + KEYEDREF_KEY) >> 2];
  if (key !== 0) visit(h, key, arg);
  weakref_traverse(h, self, visit, arg);
}

function keyedref_clear(h: HeapState, self: Ref): void {
  Py_CLEAR(h, self + KEYEDREF_KEY);
  weakref_clear(h, self);
}

/** KeyedRef.__new__(type, ob, callback, key) */
function keyedref_tp_new(h: HeapState, t: TypeSlots, args: Ref[], kwargs: Record<string, Ref> | null): Ref {
  py_args("KeyedRef.__new__", args, ["ob", "callback", "key"], 3);
  if (kwargs !== null && Object.keys(kwargs).length > 0) {
    throw new PyError("TypeError", `KeyedRef.__new__() got an unexpected keyword argument '${Object.keys(kwargs)[0]}'`);
  }
  return keyedref_new(h, t, args[0], args[1], args[2]);
}

function keyedref_getattro(h: HeapState, self: Ref, name: string): Ref {
  if (name === "key") return member_get(h, self, KEYEDREF_KEY, "key");
  return weakref_getattro(h, self, name);
}

function keyedref_setattro(h: HeapState, self: Ref, name: string, value: Ref): void {
  if (name === "key") {
    member_set(h, self, KEYEDREF_KEY, "key", value);
    return;
  }
  weakref_setattro(h, self, name, value);
}

/** weakref_install: types, registry, hooks. */
export function weakref_install(h: HeapState): void {
  const st = new WeakrefState();
  h.wr = st;
  for (const n of ["selfref", "self_wr", "callback"]) st.names[n] = immortal_str(h, n);
  const head = h.alloc.malloc(8);
  if (head === 0) throw memoryError();
  st.wrcbHead = head;
  gc_list_init(h, head);

  const mk = (spec: TypeSpec, pyname: string): TypeSlots => {
    const t = new_type(h, h.T.type, spec);
    h.i32[(t.ref + TP_NAME) >> 2] = immortal_str(h, pyname);
    return t;
  };

  const refProto: ProtocolSlots = {
    tp_new: weakref_tp_new,
    tp_repr: weakref_repr,
    tp_hash: weakref_hash,
    tp_richcompare: weakref_richcompare,
    tp_call: weakref_call,
    tp_getattro: weakref_getattro,
    tp_setattro: weakref_setattro,
  };
  const weakrefSlots = { tp_dealloc: weakref_dealloc, tp_traverse: weakref_traverse, tp_clear: weakref_clear };
  st.ref = mk(
    {
      name: "weakref.ReferenceType",
      kind: K_WEAKREF,
      base: h.T.object,
      basicsize: SIZEOF_WEAKREF,
      flags: Py_TPFLAGS_BASETYPE,
      isGC: true,
      ...weakrefSlots,
      proto: refProto,
    },
    "ReferenceType",
  );
  st.proxy = mk(
    { name: "weakref.ProxyType", kind: K_PROXY, base: h.T.object, basicsize: SIZEOF_WEAKREF, isGC: true, ...weakrefSlots, proto: proxy_protocol(false) },
    "ProxyType",
  );
  st.callableProxy = mk(
    {
      name: "weakref.CallableProxyType",
      kind: K_PROXY,
      base: h.T.object,
      basicsize: SIZEOF_WEAKREF,
      isGC: true,
      ...weakrefSlots,
      proto: proxy_protocol(true),
    },
    "CallableProxyType",
  );
  st.keyedRef = mk(
    {
      name: "KeyedRef",
      kind: K_WEAKREF,
      base: st.ref,
      basicsize: SIZEOF_KEYEDREF,
      flags: Py_TPFLAGS_BASETYPE,
      isGC: true,
      tp_dealloc: keyedref_dealloc,
      tp_traverse: keyedref_traverse,
      tp_clear: keyedref_clear,
      proto: { ...refProto, tp_new: keyedref_tp_new, tp_getattro: keyedref_getattro, tp_setattro: keyedref_setattro },
    },
    "KeyedRef",
  );
  st.weakMethod = mk(
    {
      name: "WeakMethod",
      kind: K_WEAKREF,
      base: st.ref,
      basicsize: SIZEOF_WEAKMETHOD,
      flags: Py_TPFLAGS_BASETYPE,
      isGC: true,
      weaklistoffset: WM_WEAKLIST,
      ...weakmethod_slots,
      proto: weakmethod_protocol(refProto),
    },
    "WeakMethod",
  );
  st.finalize = mk(
    {
      name: "finalize",
      kind: K_FINALIZE,
      base: h.T.object,
      basicsize: SIZEOF_FINALIZE,
      flags: Py_TPFLAGS_BASETYPE,
      isGC: true,
      tp_dealloc: finalize_dealloc,
      tp_traverse: () => {},
      proto: finalize_protocol,
    },
    "finalize",
  );
  native_register(h, st.finalize, "detach", (self, args) => (py_args("finalize.detach", args, [], 0), finalize_detach(h, self)));
  native_register(h, st.finalize, "peek", (self, args) => (py_args("finalize.peek", args, [], 0), finalize_peek(h, self)));
  st.finalizeInfo = mk(
    {
      name: "_Info",
      kind: K_FINALIZE,
      base: h.T.object,
      basicsize: SIZEOF_FINFO,
      isGC: true,
      tp_dealloc: info_dealloc,
      tp_traverse: info_traverse,
      tp_clear: info_clear,
      proto: { tp_getattro: info_getattro, tp_setattro: generic_setattr },
    },
    "_Info",
  );
  containers_init_types(h, (name, proto) =>
    mk(
      {
        name,
        kind: K_WEAKCONTAINER,
        base: h.T.object,
        basicsize: SIZEOF_WEAKCONTAINER,
        flags: Py_TPFLAGS_BASETYPE,
        isGC: true,
        weaklistoffset: WC_WEAKLIST,
        ...container_slots,
        proto,
      },
      name,
    ),
  );
  st.guard = mk(
    {
      name: "_IterationGuard",
      kind: K_WEAKCONTAINER,
      base: h.T.object,
      basicsize: SIZEOF_GUARD,
      isGC: true,
      weaklistoffset: GUARD_WEAKLIST,
      ...guard_slots,
    },
    "_IterationGuard",
  );
  st.generator = mk(
    {
      name: "generator",
      kind: K_WEAKCONTAINER,
      base: h.T.object,
      basicsize: SIZEOF_WGEN,
      isGC: true,
      weaklistoffset: WGEN_WEAKLIST,
      ...generator_slots,
    },
    "generator",
  );

  // generators have a tp_finalize (_PyGen_Finalize: close a suspended generator,
  // so that its `with _IterationGuard` exits): the collector calls it as __del__
  const delName = immortal_str(h, "__del__");
  const genDel = function_new(h, (g: Ref) => generator_finalize(h, g), delName, delName, 0);
  h.i32[genDel >> 2] = IMMORTAL_REFCNT;
  gc_untrack(h, genDel);
  st.generator.special.set("__del__", genDel);
  h.i32[(st.generator.ref + TP_XFLAGS) >> 2] |= XF_FINALIZE;

  st.registry = dict_new(h);
  st.proxyTypes = tuple_from_array(h, [st.proxy.ref, st.callableProxy.ref]);
  gc_untrack(h, st.proxyTypes); // a constant tuple of static types
  h.i32[st.proxyTypes >> 2] = IMMORTAL_REFCNT;

  h.weakrefHooks = {
    clearWeakRefs: (op) => PyObject_ClearWeakRefs(h, op),
    clearWeakRefsNoCallbacks: (op) => clear_weakrefs_no_callbacks(h, op),
    firstWeakref: (op) => first_weakref(h, op),
    handle_weakrefs: (unreachable, old) => handle_weakrefs(h, unreachable, old),
  };
}

const INFO_NAMES: Record<string, number> = {
  args: FINFO_ARGS,
  atexit: FINFO_ATEXIT,
  func: FINFO_FUNC,
  index: FINFO_INDEX,
  kwargs: FINFO_KWARGS,
  weakref: FINFO_WEAKREF,
};

/** finalize._Info's slot members, then the generic lookup. */
function info_getattro(h: HeapState, o: Ref, name: string): Ref {
  const off = INFO_NAMES[name];
  if (off !== undefined) return member_get(h, o, off, name);
  return getattr_generic(h, o, name);
}

// === Weak containers (layer 3, src/weakref) ===
//
// Ports, as heap objects, CPython 3.11 Lib/_weakrefset.py (WeakSet,
// _IterationGuard) and Lib/weakref.py (WeakValueDictionary, KeyedRef,
// WeakKeyDictionary). Each container keeps exactly the objects the Python classes
// keep, so the collector sees the same graph and collect() counts what CPython
// counts:
//
//   container  `data` (a set of refs / a dict of KeyedRefs / a dict keyed by refs),
//              `_remove` (a function object: the shared weakref callback),
//              `_pending_removals` (list), `_iterating` (set of guards),
//              WeakKeyDictionary._dirty_len
//   _remove    its closure state `selfref = ref(self)` (the container's basic ref, as
//              in the Python default argument) lives in the function's __dict__
//
// A referent's death calls `_remove(wr)`: the entry goes at once (WeakValueDictionary
// through _remove_dead_weakref), or onto _pending_removals while an iteration guard
// is active; most methods commit pending removals first (weakref.py decides which).
// Iteration is a `generator` object per Python generator function (WeakSet.__iter__,
// keys, values, items, itervaluerefs), started lazily on the first next(): it enters
// an _IterationGuard, keeps the frame locals Python keeps (so an unfinished
// iteration keeps the last value alive), and exits the guard (committing removals
// when it was the last) when exhausted, on error, or when it is dropped unfinished.
//
// Methods reachable through getattr are registered as natives of the types:
// WeakSet: add clear copy pop remove discard update difference difference_update
// intersection intersection_update issubset issuperset symmetric_difference
// symmetric_difference_update union isdisjoint; the mappings: get pop popitem
// setdefault update copy keys values items clear, valuerefs / itervaluerefs,
// keyrefs.

import {
  FUNC_DICT,
  GUARD_WEAKCONTAINER,
  KEYEDREF_KEY,
  OB_TYPE,
  TP_NAME,
  TUPLE_ITEMS,
  WC_DATA,
  WC_DIRTY_LEN,
  WC_ITERATING,
  WC_PENDING,
  WC_REMOVE,
  WC_WEAKLIST,
  WGEN_CONTAINER,
  WGEN_GUARD,
  WGEN_ITER,
  WGEN_LOCAL1,
  WGEN_LOCAL2,
  WGEN_LOCAL3,
  WGEN_STATE,
  WGEN_WEAKLIST,
  WGEN_WHAT,
} from "../heap/layout.js";
import { PyError } from "../heap/errors.js";
import { gc_track, gc_untrack, object_free } from "../heap/object.js";
import { filled, Py_CLEAR, Py_DECREF, set_field, with_ref } from "../heap/refcount.js";
import type { HeapState, Ref } from "../heap/state.js";
import { K_TUPLE, Py_EQ, Py_GE, Py_GT, Py_LE, Py_LT, Py_NE, type NativeMethod, type ProtocolSlots, type TypeSlots, type Visit } from "../heap/typeslots.js";
import { is_subtype, slots_of } from "../heap/typeobject.js";
import { solid_base } from "../heap/instance.js";
import {
  dict_delitem,
  dict_getitem,
  dict_iter_new,
  dict_len,
  dict_new,
  dict_pop,
  dict_popitem,
  dict_setdefault,
  dict_setitem,
} from "../heap/dict.js";
import {
  set_add,
  set_clear,
  set_contains,
  set_difference_update_internal,
  set_discard,
  set_intersection_update,
  set_issubset,
  set_issuperset,
  set_iter,
  set_len,
  set_new,
  set_pop,
  set_remove,
  set_richcompare,
  set_symmetric_difference_update,
} from "../heap/set.js";
import { list_append, list_get, list_new_empty, list_pop, list_size } from "../heap/list.js";
import { tuple_pack2, tuple_size } from "../heap/tuple.js";
import { native_register } from "../heap/function.js";
import { call_object } from "../heap/call.js";
import { type_call } from "../heap/construct.js";
import { PyIter_Next, PyObject_GetIter, PyObject_IsTrue, PyObject_RichCompare } from "../heap/abstract.js";
import { generic_setattr, getattr, hasattr } from "../heap/attr.js";
import { addr, PyObject_Repr } from "../heap/repr.js";
import { unicode_to_js } from "../heap/str.js";
import { PyObject_ClearWeakRefs, remove_dead_weakref, weakref_new, wr_deref, write_unraisable } from "./ref.js";
import {
  alloc_instance,
  bool_ref,
  for_each_kwarg,
  getattr_generic,
  kwargs_to_dict,
  member_set,
  new_function,
  newref,
  newref_or_none,
  no_attribute,
  none,
  py_args,
} from "./state.js";

// ---------------------------------------------------------------- kinds

export const WC_SET = 0;
export const WC_VALUES = 1; // WeakValueDictionary
export const WC_KEYS = 2; // WeakKeyDictionary

/** Which container an instance of one of the weak container types (or a class derived from one) is. */
export function wc_kind(h: HeapState, op: Ref): number {
  const st = h.wr;
  let t = slots_of(h, op);
  if (t.heaptype) t = solid_base(t);
  if (t === st.weakSet) return WC_SET;
  if (t === st.weakValueDict) return WC_VALUES;
  if (t === st.weakKeyDict) return WC_KEYS;
  return -1;
}

/** Is `op` a weak container (WeakSet, WeakKeyDictionary, WeakValueDictionary or derived)? */
export function is_weak_container(h: HeapState, op: Ref): boolean {
  return wc_kind(h, op) >= 0;
}

function field(h: HeapState, self: Ref, off: number, name: string): Ref {
  const v = h.i32[(self + off) >> 2];
  if (v === 0) throw no_attribute(h, self, name);
  return v;
}

const data_of = (h: HeapState, self: Ref): Ref => field(h, self, WC_DATA, "data");
const pending_of = (h: HeapState, self: Ref): Ref => field(h, self, WC_PENDING, "_pending_removals");
const iterating_of = (h: HeapState, self: Ref): Ref => field(h, self, WC_ITERATING, "_iterating");
const remove_of = (h: HeapState, self: Ref): Ref => field(h, self, WC_REMOVE, "_remove");

function has_pending(h: HeapState, self: Ref): boolean {
  return list_size(h, pending_of(h, self)) > 0;
}

// ---------------------------------------------------------------- the `_remove` callback

interface RemoveState {
  fn: Ref;
  /** the container's selfref (owned by fn's __dict__), cached */
  selfref: Ref;
  kind: number;
}

const REMOVE_NAMES = [
  ["_remove", "WeakSet.__init__.<locals>._remove", "_weakrefset"],
  ["remove", "WeakValueDictionary.__init__.<locals>.remove", "weakref"],
  ["remove", "WeakKeyDictionary.__init__.<locals>.remove", "weakref"],
];

/** `def _remove(item, selfref=ref(self))`: a new function object. */
function make_remove(h: HeapState, self: Ref, kind: number): Ref {
  const selfref = weakref_new(h, h.wr.ref, self, 0);
  const d = with_ref(h, selfref, () => filled(h, dict_new(h), (d) => dict_setitem(h, d, h.wr.names.selfref, selfref)));
  const state: RemoveState = { fn: 0, selfref, kind };
  const [n, q, m] = REMOVE_NAMES[kind];
  let fn: Ref;
  try {
    fn = new_function(h, (item: Ref) => remove_callback(h, state, item), n, q, m);
  } catch (e) {
    Py_DECREF(h, d);
    throw e;
  }
  state.fn = fn;
  h.i32[(fn + FUNC_DICT) >> 2] = d;
  return fn;
}

/** The body of `_remove` / `remove`. */
function remove_callback(h: HeapState, st: RemoveState, item: Ref | undefined): void {
  if (item === undefined) throw new PyError("TypeError", "remove() missing 1 required positional argument");
  if (h.i32[(st.fn + FUNC_DICT) >> 2] === 0) return; // cleared by the collector
  const self = wr_deref(h, st.selfref);
  if (self === 0) return;
  with_ref(h, newref(h, self), (self) => {
    let key = item;
    if (st.kind === WC_VALUES) {
      // wr.key
      if (h.i32[(item + OB_TYPE) >> 2] !== h.wr.keyedRef.ref && !is_subtype(slots_of(h, item), h.wr.keyedRef)) {
        throw no_attribute(h, item, "key");
      }
      key = h.i32[(item + KEYEDREF_KEY) >> 2];
    }
    if (set_len(h, iterating_of(h, self)) > 0) {
      list_append(h, pending_of(h, self), key);
    } else if (st.kind === WC_SET) {
      set_discard(h, data_of(h, self), key);
    } else if (st.kind === WC_VALUES) {
      remove_dead_weakref(h, data_of(h, self), key);
    } else {
      try {
        dict_delitem(h, data_of(h, self), key);
      } catch (e) {
        if (!(e instanceof PyError && e.pytype === "KeyError")) throw e;
      }
    }
  });
}

/** _commit_removals */
export function commit_removals(h: HeapState, self: Ref): void {
  const kind = wc_kind(h, self);
  // both fields read before either is held: a missing one raises with nothing to release
  const pendingField = pending_of(h, self);
  const dataField = data_of(h, self);
  const pending = newref(h, pendingField);
  const data = newref(h, dataField);
  try {
    while (list_size(h, pending) > 0) {
      with_ref(h, list_pop(h, pending), (item) => {
        if (kind === WC_SET) set_discard(h, data, item);
        else if (kind === WC_VALUES) remove_dead_weakref(h, data, item);
        else {
          try {
            dict_delitem(h, data, item);
          } catch (e) {
            if (!(e instanceof PyError && e.pytype === "KeyError")) throw e;
          }
        }
      });
    }
  } finally {
    Py_DECREF(h, pending);
    Py_DECREF(h, data);
  }
}

/** `if self._pending_removals: self._commit_removals()` */
function maybe_commit(h: HeapState, self: Ref): void {
  if (has_pending(h, self)) commit_removals(h, self);
}

/** WeakKeyDictionary._scrub_removals */
function scrub_removals(h: HeapState, self: Ref): void {
  const d = data_of(h, self);
  const old = pending_of(h, self);
  const fresh = filled(h, list_new_empty(h, 0), (fresh) => {
    for (let i = 0; i < list_size(h, old); i++) {
      with_ref(h, newref(h, list_get(h, old, i)), (k) => {
        if (dict_getitem(h, d, k) !== 0) list_append(h, fresh, k);
      });
    }
  });
  set_field(h, self + WC_PENDING, fresh);
  h.i32[(self + WC_DIRTY_LEN) >> 2] = 0;
}

// ---------------------------------------------------------------- construction

/** tp_new of the three containers (their __init__ included). */
function wc_new(h: HeapState, t: TypeSlots, args: Ref[], kwargs: Record<string, Ref> | null): Ref {
  let base = t;
  if (base.heaptype) base = solid_base(base);
  const st = h.wr;
  const kind = base === st.weakSet ? WC_SET : base === st.weakValueDict ? WC_VALUES : WC_KEYS;
  let init: Ref = 0;
  let kw: Record<string, Ref> | null = kwargs;
  if (kind === WC_SET || kind === WC_KEYS) {
    const pname = kind === WC_SET ? "data" : "dict";
    const fname = kind === WC_SET ? "WeakSet.__init__" : "WeakKeyDictionary.__init__";
    py_args(fname, args, [pname], 0);
    init = args.length > 0 ? args[0] : 0;
    if (kwargs !== null) {
      for (const k of Object.keys(kwargs)) {
        if (k !== pname) throw new PyError("TypeError", `${fname}() got an unexpected keyword argument '${k}'`);
        if (args.length > 0) throw new PyError("TypeError", `${fname}() got multiple values for argument '${pname}'`);
        init = kwargs[k];
      }
    }
    kw = null;
  } else {
    if (args.length > 1) {
      throw new PyError("TypeError", `WeakValueDictionary.__init__() takes from 1 to 2 positional arguments but ${args.length + 1} were given`);
    }
    init = args.length > 0 ? args[0] : 0;
  }
  const self = alloc_instance(h, t);
  gc_track(h, self);
  return filled(h, self, (self) => {
    if (kind === WC_SET) {
      h.i32[(self + WC_DATA) >> 2] = set_new(h, false);
      h.i32[(self + WC_REMOVE) >> 2] = make_remove(h, self, kind);
      h.i32[(self + WC_PENDING) >> 2] = list_new_empty(h, 0);
      h.i32[(self + WC_ITERATING) >> 2] = set_new(h, false);
      if (init !== 0 && init !== h.None) weakset_update(h, self, init);
    } else if (kind === WC_KEYS) {
      h.i32[(self + WC_DATA) >> 2] = dict_new(h);
      h.i32[(self + WC_REMOVE) >> 2] = make_remove(h, self, kind);
      h.i32[(self + WC_PENDING) >> 2] = list_new_empty(h, 0);
      h.i32[(self + WC_ITERATING) >> 2] = set_new(h, false);
      h.i32[(self + WC_DIRTY_LEN) >> 2] = 0;
      if (init !== 0 && init !== h.None) wkd_update(h, self, init, null);
    } else {
      h.i32[(self + WC_REMOVE) >> 2] = make_remove(h, self, kind);
      h.i32[(self + WC_PENDING) >> 2] = list_new_empty(h, 0);
      h.i32[(self + WC_ITERATING) >> 2] = set_new(h, false);
      h.i32[(self + WC_DATA) >> 2] = dict_new(h);
      wvd_update(h, self, init === 0 ? h.emptyTuple : init, kw);
    }
  });
}

const WC_FIELDS = [WC_DATA, WC_REMOVE, WC_PENDING, WC_ITERATING];

function wc_dealloc(h: HeapState, self: Ref): void {
  gc_untrack(h, self);
  if (h.i32[(self + WC_WEAKLIST) >> 2] !== 0) PyObject_ClearWeakRefs(h, self);
  for (const off of WC_FIELDS) Py_CLEAR(h, self + off);
  object_free(h, self, slots_of(h, self));
}

/** the instance's attribute values, in __init__'s assignment order */
function wc_traverse<A>(h: HeapState, self: Ref, visit: Visit<A>, arg: A): void {
  for (const off of WC_FIELDS) {
    const v = h.i32[(self + off) >> 2];
    if (v !== 0) visit(h, v, arg);
  }
}

function wc_clear(h: HeapState, self: Ref): void {
  for (const off of WC_FIELDS) Py_CLEAR(h, self + off);
}

const WC_ATTRS: Record<string, number> = {
  data: WC_DATA,
  _remove: WC_REMOVE,
  _pending_removals: WC_PENDING,
  _iterating: WC_ITERATING,
};

function wc_getattro(h: HeapState, self: Ref, name: string): Ref {
  const off = WC_ATTRS[name];
  if (off !== undefined) return newref(h, field(h, self, off, name));
  if (name === "_dirty_len" && wc_kind(h, self) === WC_KEYS) return bool_ref(h, h.i32[(self + WC_DIRTY_LEN) >> 2] !== 0);
  if (name === "__weakref__") return newref_or_none(h, h.i32[(self + WC_WEAKLIST) >> 2]);
  return getattr_generic(h, self, name);
}

function wc_setattro(h: HeapState, self: Ref, name: string, value: Ref): void {
  const off = WC_ATTRS[name];
  if (off !== undefined) {
    member_set(h, self, off, name, value);
    return;
  }
  if (name === "_dirty_len" && wc_kind(h, self) === WC_KEYS && value !== 0) {
    h.i32[(self + WC_DIRTY_LEN) >> 2] = PyObject_IsTrue(h, value) ? 1 : 0;
    return;
  }
  generic_setattr(h, self, name, value);
}

function class_name(h: HeapState, self: Ref): string {
  return unicode_to_js(h, h.i32[(h.i32[(self + OB_TYPE) >> 2] + TP_NAME) >> 2]);
}

// ---------------------------------------------------------------- helpers

/** ref(item), or 0 when item cannot be weakly referenced (the TypeError of `try: ref(item)`). */
function try_ref(h: HeapState, item: Ref): Ref {
  try {
    return weakref_new(h, h.wr.ref, item, 0);
  } catch (e) {
    if (e instanceof PyError && e.pytype === "TypeError") return 0;
    throw e;
  }
}

/** for x in it: f(x) (x borrowed for the call) */
function for_each(h: HeapState, iterable: Ref, f: (x: Ref) => void): void {
  with_ref(h, PyObject_GetIter(h, iterable), (it) => {
    for (let x = PyIter_Next(h, it); x !== 0; x = PyIter_Next(h, it)) with_ref(h, x, f);
  });
}

/** A new list [ref(item, callback) for item in other] (callback 0 = none). */
function refs_list(h: HeapState, other: Ref, callback: Ref): Ref {
  return refs_into(h, list_new_empty(h, 0), other, callback, list_append);
}

/** set(map(ref, other)) */
function refs_set(h: HeapState, other: Ref): Ref {
  return refs_into(h, set_new(h, false), other, 0, set_add);
}

/** `out` (new, owned) filled by add(out, ref(item, callback)) for item in other. */
function refs_into(h: HeapState, out: Ref, other: Ref, callback: Ref, add: (h: HeapState, out: Ref, r: Ref) => void): Ref {
  return filled(h, out, (out) => for_each(h, other, (item) => with_ref(h, weakref_new(h, h.wr.ref, item, callback), (r) => add(h, out, r))));
}

/** `a, b = pair`: two new references. */
export function unpack2(h: HeapState, pair: Ref): [Ref, Ref] {
  const i32 = h.i32;
  if (i32[(pair + OB_TYPE) >> 2] === h.T.tuple.ref || slots_of(h, pair).kind === K_TUPLE) {
    const n = tuple_size(h, pair);
    if (n === 2) {
      const a = i32[(pair + TUPLE_ITEMS) >> 2];
      const b = i32[(pair + TUPLE_ITEMS + 4) >> 2];
      i32[a >> 2]++;
      i32[b >> 2]++;
      return [a, b];
    }
    if (n < 2) throw new PyError("ValueError", `not enough values to unpack (expected 2, got ${n})`);
    throw new PyError("ValueError", "too many values to unpack (expected 2)");
  }
  let it: Ref;
  try {
    it = PyObject_GetIter(h, pair);
  } catch (e) {
    if (e instanceof PyError && e.pytype === "TypeError") {
      throw new PyError("TypeError", `cannot unpack non-iterable ${slots_of(h, pair).name} object`);
    }
    throw e;
  }
  const got: Ref[] = [];
  try {
    for (let x = PyIter_Next(h, it); x !== 0; x = PyIter_Next(h, it)) {
      got.push(x);
      if (got.length > 2) throw new PyError("ValueError", "too many values to unpack (expected 2)");
    }
    if (got.length < 2) throw new PyError("ValueError", `not enough values to unpack (expected 2, got ${got.length})`);
  } catch (e) {
    for (const x of got) Py_DECREF(h, x);
    throw e;
  } finally {
    Py_DECREF(h, it);
  }
  return [got[0], got[1]];
}

/** for a, b in iterable: f(a, b) */
function for_each_pair(h: HeapState, iterable: Ref, f: (a: Ref, b: Ref) => void): void {
  for_each(h, iterable, (pair) => {
    const [a, b] = unpack2(h, pair);
    try {
      f(a, b);
    } finally {
      Py_DECREF(h, a);
      Py_DECREF(h, b);
    }
  });
}

/** `other.items()` for update(): a dict made from `other` when it has no items attribute. */
function items_of(h: HeapState, other: Ref): Ref {
  const mapping = hasattr(h, other, "items") ? newref(h, other) : type_call(h, h.T.dict, [other], null);
  return with_ref(h, mapping, (mapping) => with_ref(h, getattr(h, mapping, "items"), (m) => call_object(h, m, [], null)));
}

/** for key, value in other.items(): f(key, value) (nothing when other is missing or None) */
function for_each_item(h: HeapState, other: Ref, f: (key: Ref, value: Ref) => void): void {
  if (other !== 0 && other !== h.None) with_ref(h, items_of(h, other), (items) => for_each_pair(h, items, f));
}

// ---------------------------------------------------------------- _IterationGuard

/** _IterationGuard(self).__enter__(): a new guard, registered in self._iterating. */
function guard_enter(h: HeapState, container: Ref): Ref {
  const g = alloc_instance(h, h.wr.guard);
  gc_track(h, g);
  return filled(h, g, (g) => {
    h.i32[(g + GUARD_WEAKCONTAINER) >> 2] = weakref_new(h, h.wr.ref, container, 0);
    const w = wr_deref(h, h.i32[(g + GUARD_WEAKCONTAINER) >> 2]);
    if (w !== 0) set_add(h, iterating_of(h, w), g);
  });
}

/** _IterationGuard.__exit__: unregister; the last guard out commits the pending removals. */
function guard_exit(h: HeapState, g: Ref): void {
  const wr = h.i32[(g + GUARD_WEAKCONTAINER) >> 2];
  const w = wr !== 0 ? wr_deref(h, wr) : 0;
  if (w === 0) return;
  with_ref(h, newref(h, w), (w) =>
    with_ref(h, newref(h, iterating_of(h, w)), (s) => {
      set_remove(h, s, g);
      if (set_len(h, s) === 0) commit_removals(h, w);
    }),
  );
}

/** `with _IterationGuard(self): f()` */
function with_guard<T>(h: HeapState, self: Ref, f: () => T): T {
  const g = guard_enter(h, self);
  const exit = (): void => with_ref(h, g, (g) => guard_exit(h, g));
  let result: T;
  try {
    result = f();
  } catch (e) {
    exit();
    throw e;
  }
  exit();
  return result;
}

function guard_dealloc(h: HeapState, g: Ref): void {
  gc_untrack(h, g);
  Py_CLEAR(h, g + GUARD_WEAKCONTAINER);
  object_free(h, g, slots_of(h, g));
}

function guard_traverse<A>(h: HeapState, g: Ref, visit: Visit<A>, arg: A): void {
  const v = h.i32[(g + GUARD_WEAKCONTAINER) >> 2];
  if (v !== 0) visit(h, v, arg);
}

function guard_clear(h: HeapState, g: Ref): void {
  Py_CLEAR(h, g + GUARD_WEAKCONTAINER);
}

// ---------------------------------------------------------------- generators

const G_WS_ITER = 0;
const G_WVD_KEYS = 1;
const G_WVD_ITEMS = 2;
const G_WVD_VALUES = 3;
const G_WVD_VALUEREFS = 4;
const G_WKD_KEYS = 5;
const G_WKD_ITEMS = 6;
const G_WKD_VALUES = 7;

const GEN_QUALNAMES = [
  "WeakSet.__iter__",
  "WeakValueDictionary.keys",
  "WeakValueDictionary.items",
  "WeakValueDictionary.values",
  "WeakValueDictionary.itervaluerefs",
  "WeakKeyDictionary.keys",
  "WeakKeyDictionary.items",
  "WeakKeyDictionary.values",
];

const S_CREATED = 0;
const S_SUSPENDED = 1;
const S_FINISHED = 2;
const S_RUNNING = 3;

/** Calling a generator function: a new, unstarted generator holding `self`. */
function gen_new(h: HeapState, container: Ref, what: number): Ref {
  const g = alloc_instance(h, h.wr.generator);
  h.i32[container >> 2]++;
  h.i32[(g + WGEN_CONTAINER) >> 2] = container;
  h.i32[(g + WGEN_WHAT) >> 2] = what;
  h.i32[(g + WGEN_STATE) >> 2] = S_CREATED;
  gc_track(h, g);
  return g;
}

/** The generator's first step up to the loop: commit (values dicts), enter the guard, iter(data). */
function gen_start(h: HeapState, g: Ref): void {
  const what = h.i32[(g + WGEN_WHAT) >> 2];
  const self = h.i32[(g + WGEN_CONTAINER) >> 2];
  if (what >= G_WVD_KEYS && what <= G_WVD_VALUEREFS) maybe_commit(h, self);
  set_field(h, g + WGEN_GUARD, guard_enter(h, self));
  const data = data_of(h, self);
  let it: Ref;
  switch (what) {
    case G_WS_ITER:
      it = set_iter(h, data);
      break;
    case G_WVD_VALUES:
    case G_WVD_VALUEREFS:
      it = dict_iter_new(h, data, 1);
      break;
    case G_WKD_KEYS:
      it = dict_iter_new(h, data, 0);
      break;
    default:
      it = dict_iter_new(h, data, 2);
  }
  set_field(h, g + WGEN_ITER, it);
}

/** One item `x` (owned, consumed) of the loop: the value to yield (owned), or 0 to go on. */
function gen_step(h: HeapState, g: Ref, x: Ref): Ref {
  const L1 = g + WGEN_LOCAL1;
  const L2 = g + WGEN_LOCAL2;
  const L3 = g + WGEN_LOCAL3;
  switch (h.i32[(g + WGEN_WHAT) >> 2]) {
    case G_WS_ITER: {
      // for itemref in self.data: item = itemref(); if item is not None: yield item
      set_field(h, L1, x);
      const item = call_ref(h, x);
      set_field(h, L2, item);
      return item !== h.None ? newref(h, item) : 0;
    }
    case G_WVD_KEYS: {
      // for k, wr in self.data.items(): if wr() is not None: yield k
      const [k, wr] = unpack_consume(h, x);
      set_field(h, L1, k);
      set_field(h, L2, wr);
      return wr_deref(h, wr) !== 0 ? newref(h, k) : 0;
    }
    case G_WVD_ITEMS: {
      // for k, wr in self.data.items(): v = wr(); if v is not None: yield k, v
      const [k, wr] = unpack_consume(h, x);
      set_field(h, L1, k);
      set_field(h, L2, wr);
      const v = call_ref(h, wr);
      set_field(h, L3, v);
      return v !== h.None ? tuple_pack2(h, k, v) : 0;
    }
    case G_WVD_VALUES:
    case G_WKD_KEYS: {
      // for wr in ...: obj = wr(); if obj is not None: yield obj
      set_field(h, L1, x);
      const obj = call_ref(h, x);
      set_field(h, L2, obj);
      return obj !== h.None ? newref(h, obj) : 0;
    }
    case G_WVD_VALUEREFS:
      // yield from self.data.values()
      return x;
    case G_WKD_ITEMS: {
      // for wr, value in self.data.items(): key = wr(); if key is not None: yield key, value
      const [wr, value] = unpack_consume(h, x);
      set_field(h, L1, wr);
      set_field(h, L2, value);
      const key = call_ref(h, wr);
      set_field(h, L3, key);
      return key !== h.None ? tuple_pack2(h, key, value) : 0;
    }
    default: {
      // G_WKD_VALUES: for wr, value in self.data.items(): if wr() is not None: yield value
      const [wr, value] = unpack_consume(h, x);
      set_field(h, L1, wr);
      set_field(h, L2, value);
      return wr_deref(h, wr) !== 0 ? newref(h, value) : 0;
    }
  }
}

/** wr(): for our own refs the referent or None (new reference); anything else is called. */
function call_ref(h: HeapState, wr: Ref): Ref {
  const t = h.i32[(wr + OB_TYPE) >> 2];
  if (t === h.wr.ref.ref || t === h.wr.keyedRef.ref) {
    const o = wr_deref(h, wr);
    return newref(h, o !== 0 ? o : h.None);
  }
  return call_object(h, wr, [], null);
}

/** Unpack a (k, v) item and drop the tuple. */
function unpack_consume(h: HeapState, pair: Ref): [Ref, Ref] {
  try {
    return unpack2(h, pair);
  } finally {
    Py_DECREF(h, pair);
  }
}

/**
 * The end of the generator: the loop's iterator is dropped, __exit__ runs (an error
 * in it propagates), then the frame (self and the locals) is cleared.
 */
function gen_finish(h: HeapState, g: Ref): void {
  h.i32[(g + WGEN_STATE) >> 2] = S_FINISHED;
  Py_CLEAR(h, g + WGEN_ITER);
  const guard = h.i32[(g + WGEN_GUARD) >> 2];
  try {
    if (guard !== 0) guard_exit(h, guard);
  } finally {
    Py_CLEAR(h, g + WGEN_GUARD);
    Py_CLEAR(h, g + WGEN_CONTAINER);
    Py_CLEAR(h, g + WGEN_LOCAL1);
    Py_CLEAR(h, g + WGEN_LOCAL2);
    Py_CLEAR(h, g + WGEN_LOCAL3);
  }
}

/** gen_iternext */
function gen_next(h: HeapState, g: Ref): Ref {
  const state = h.i32[(g + WGEN_STATE) >> 2];
  if (state === S_RUNNING) throw new PyError("ValueError", "generator already executing");
  if (state === S_FINISHED) return 0;
  h.i32[(g + WGEN_STATE) >> 2] = S_RUNNING;
  try {
    if (state === S_CREATED) gen_start(h, g);
    for (;;) {
      const it = h.i32[(g + WGEN_ITER) >> 2];
      const x = PyIter_Next(h, it);
      if (x === 0) {
        gen_finish(h, g);
        return 0;
      }
      const r = gen_step(h, g, x);
      if (r !== 0) {
        h.i32[(g + WGEN_STATE) >> 2] = S_SUSPENDED;
        return r;
      }
    }
  } catch (e) {
    if (h.i32[(g + WGEN_STATE) >> 2] !== S_FINISHED) gen_finish(h, g);
    throw e;
  }
}

/** gen.close() on a suspended generator (GeneratorExit at the yield: __exit__ runs). */
function gen_close(h: HeapState, g: Ref): void {
  if (h.i32[(g + WGEN_STATE) >> 2] === S_SUSPENDED) {
    h.i32[(g + WGEN_STATE) >> 2] = S_RUNNING;
    gen_finish(h, g);
  }
}

/** The generator type's tp_finalize (the collector calls it through `__del__`). */
export function generator_finalize(h: HeapState, g: Ref): void {
  gen_close(h, g);
}

function gen_dealloc(h: HeapState, g: Ref): void {
  gc_untrack(h, g);
  if (h.i32[(g + WGEN_WEAKLIST) >> 2] !== 0) PyObject_ClearWeakRefs(h, g);
  if (h.i32[(g + WGEN_STATE) >> 2] === S_SUSPENDED) {
    // _PyGen_Finalize: close the suspended generator; errors are unraisable
    h.i32[g >> 2] = 1;
    try {
      gen_close(h, g);
    } catch (e) {
      write_unraisable(h, e, g);
    }
    h.i32[g >> 2]--;
    if (h.i32[g >> 2] !== 0) return; // resurrected by the finalizer
  }
  for (const off of [WGEN_CONTAINER, WGEN_GUARD, WGEN_ITER, WGEN_LOCAL1, WGEN_LOCAL2, WGEN_LOCAL3]) Py_CLEAR(h, g + off);
  object_free(h, g, slots_of(h, g));
}

function gen_traverse<A>(h: HeapState, g: Ref, visit: Visit<A>, arg: A): void {
  for (const off of [WGEN_CONTAINER, WGEN_LOCAL1, WGEN_LOCAL2, WGEN_LOCAL3, WGEN_ITER, WGEN_GUARD]) {
    const v = h.i32[(g + off) >> 2];
    if (v !== 0) visit(h, v, arg);
  }
}

function gen_clear(h: HeapState, g: Ref): void {
  try {
    gen_close(h, g);
  } catch (e) {
    write_unraisable(h, e, g);
  }
  for (const off of [WGEN_CONTAINER, WGEN_GUARD, WGEN_ITER, WGEN_LOCAL1, WGEN_LOCAL2, WGEN_LOCAL3]) Py_CLEAR(h, g + off);
}

const gen_protocol: ProtocolSlots = {
  tp_iter: (h, g) => newref(h, g),
  tp_iternext: gen_next,
  tp_repr: (h, g) => `<generator object ${GEN_QUALNAMES[h.i32[(g + WGEN_WHAT) >> 2]]} at ${addr(g)}>`,
};

/** Run a generator to the end: a new list of what it yields. */
function list_of_gen(h: HeapState, g: Ref): Ref {
  return filled(h, list_new_empty(h, 0), (out) => {
    for (let x = gen_next(h, g); x !== 0; x = gen_next(h, g)) with_ref(h, x, (x) => list_append(h, out, x));
  });
}

// ---------------------------------------------------------------- WeakSet

function weakset_len(h: HeapState, self: Ref): number {
  return set_len(h, data_of(h, self)) - list_size(h, pending_of(h, self));
}

function weakset_contains(h: HeapState, self: Ref, item: Ref): boolean {
  const wr = try_ref(h, item);
  if (wr === 0) return false;
  return with_ref(h, wr, (wr) => set_contains(h, data_of(h, self), wr));
}

/** WeakSet.add */
export function weakset_add(h: HeapState, self: Ref, item: Ref): void {
  maybe_commit(h, self);
  with_ref(h, weakref_new(h, h.wr.ref, item, remove_of(h, self)), (wr) => set_add(h, data_of(h, self), wr));
}

function weakset_update(h: HeapState, self: Ref, other: Ref): void {
  maybe_commit(h, self);
  for_each(h, other, (element) => weakset_add(h, self, element));
}

function weakset_pop(h: HeapState, self: Ref): Ref {
  maybe_commit(h, self);
  for (;;) {
    let itemref: Ref;
    try {
      itemref = set_pop(h, data_of(h, self));
    } catch (e) {
      if (e instanceof PyError && e.pytype === "KeyError") throw new PyError("KeyError", "'pop from empty WeakSet'");
      throw e;
    }
    const item = call_ref(h, itemref);
    Py_DECREF(h, itemref);
    if (item !== h.None) return item;
    Py_DECREF(h, item);
  }
}

function weakset_copy(h: HeapState, self: Ref): Ref {
  return type_call(h, slots_of(h, self), [self], null);
}

/**
 * __isub__ / __iand__ / __ixor__: pending removals committed, then
 * self.data.<op>_update(refs) with refs [ref(item) for item in other] (for ^=,
 * ref(item, self._remove)); `s -= s` and `s ^= s` clear self.data instead.
 */
function weakset_inplace(h: HeapState, self: Ref, other: Ref, op: "-" | "&" | "^"): void {
  maybe_commit(h, self);
  if (op !== "&" && self === other) {
    set_clear(h, data_of(h, self));
    return;
  }
  const update = op === "-" ? set_difference_update_internal : op === "&" ? set_intersection_update : set_symmetric_difference_update;
  with_ref(h, refs_list(h, other, op === "^" ? remove_of(h, self) : 0), (refs) => update(h, data_of(h, self), refs));
}

/** self.__class__(item for item in other if item in self) */
function weakset_intersection(h: HeapState, self: Ref, other: Ref): Ref {
  return filled(h, type_call(h, slots_of(h, self), [], null), (result) =>
    for_each(h, other, (item) => {
      if (weakset_contains(h, self, item)) weakset_add(h, result, item);
    }),
  );
}

/** self.__class__(e for s in (self, other) for e in s) */
function weakset_union(h: HeapState, self: Ref, other: Ref): Ref {
  return filled(h, type_call(h, slots_of(h, self), [], null), (result) => {
    for (const s of [self, other]) for_each(h, s, (e) => weakset_add(h, result, e));
  });
}

function weakset_richcompare(h: HeapState, self: Ref, other: Ref, op: number): Ref {
  switch (op) {
    case Py_LE:
    case Py_GE:
      return with_ref(h, refs_list(h, other, 0), (refs) => {
        const data = data_of(h, self);
        return bool_ref(h, op === Py_LE ? set_issubset(h, data, refs) : set_issuperset(h, data, refs));
      });
    case Py_LT:
    case Py_GT:
      return with_ref(h, refs_set(h, other), (s) => set_richcompare(h, data_of(h, self), s, op));
    default:
      if (!is_subtype(slots_of(h, other), slots_of(h, self))) return newref(h, h.NotImplemented);
      return with_ref(h, refs_set(h, other), (s) => set_richcompare(h, data_of(h, self), s, op === Py_NE ? Py_NE : Py_EQ));
  }
}

// ---------------------------------------------------------------- WeakValueDictionary

/** KeyedRef(value, self._remove, key): a new reference */
export function keyedref_new(h: HeapState, t: TypeSlots, ob: Ref, callback: Ref, key: Ref): Ref {
  const self = weakref_new(h, t, ob, callback);
  h.i32[key >> 2]++;
  h.i32[(self + KEYEDREF_KEY) >> 2] = key;
  return self;
}

/** d[key] = KeyedRef(o, self._remove, key) */
function wvd_store(h: HeapState, self: Ref, d: Ref, key: Ref, o: Ref): void {
  with_ref(h, keyedref_new(h, h.wr.keyedRef, o, remove_of(h, self), key), (kr) => dict_setitem(h, d, key, kr));
}

function wvd_setitem(h: HeapState, self: Ref, key: Ref, value: Ref): void {
  maybe_commit(h, self);
  wvd_store(h, self, data_of(h, self), key, value);
}

function wvd_getitem(h: HeapState, self: Ref, key: Ref): Ref {
  maybe_commit(h, self);
  const wr = dict_getitem(h, data_of(h, self), key);
  if (wr === 0) throw new PyError("KeyError", PyObject_Repr(h, key));
  const o = call_ref(h, wr);
  if (o === h.None) {
    Py_DECREF(h, o);
    throw new PyError("KeyError", PyObject_Repr(h, key));
  }
  return o;
}

function wvd_delitem(h: HeapState, self: Ref, key: Ref): void {
  maybe_commit(h, self);
  dict_delitem(h, data_of(h, self), key);
}

function wvd_len(h: HeapState, self: Ref): number {
  maybe_commit(h, self);
  return dict_len(h, data_of(h, self));
}

function wvd_contains(h: HeapState, self: Ref, key: Ref): boolean {
  maybe_commit(h, self);
  const wr = dict_getitem(h, data_of(h, self), key);
  if (wr === 0) return false;
  const o = call_ref(h, wr);
  Py_DECREF(h, o);
  return o !== h.None;
}

function wvd_get(h: HeapState, self: Ref, key: Ref, deflt: Ref): Ref {
  maybe_commit(h, self);
  const wr = dict_getitem(h, data_of(h, self), key);
  if (wr === 0) return newref(h, deflt);
  const o = call_ref(h, wr);
  if (o === h.None) {
    Py_DECREF(h, o);
    return newref(h, deflt);
  }
  return o;
}

function wvd_pop(h: HeapState, self: Ref, key: Ref, deflt: Ref): Ref {
  maybe_commit(h, self);
  let o: Ref = h.None;
  let wr: Ref = 0;
  try {
    wr = dict_pop(h, data_of(h, self), key);
  } catch (e) {
    if (!(e instanceof PyError && e.pytype === "KeyError")) throw e;
  }
  if (wr !== 0) {
    o = with_ref(h, wr, (wr) => call_ref(h, wr));
    if (o !== h.None) return o;
    Py_DECREF(h, o);
  }
  if (deflt !== 0) return newref(h, deflt);
  throw new PyError("KeyError", PyObject_Repr(h, key));
}

function wvd_popitem(h: HeapState, self: Ref): Ref {
  maybe_commit(h, self);
  return mapping_popitem(h, self, WC_VALUES);
}

function wvd_setdefault(h: HeapState, self: Ref, key: Ref, deflt: Ref): Ref {
  const wr = dict_getitem(h, data_of(h, self), key);
  const o = wr !== 0 ? call_ref(h, wr) : newref(h, h.None);
  if (o !== h.None) return o;
  Py_DECREF(h, o);
  maybe_commit(h, self);
  wvd_store(h, self, data_of(h, self), key, deflt);
  return newref(h, deflt);
}

function wvd_update(h: HeapState, self: Ref, other: Ref, kwargs: Record<string, Ref> | null): void {
  maybe_commit(h, self);
  with_ref(h, newref(h, data_of(h, self)), (d) => {
    for_each_item(h, other, (key, o) => wvd_store(h, self, d, key, o));
    if (kwargs !== null) for_each_kwarg(h, kwargs, (key, o) => wvd_store(h, self, d, key, o));
  });
}

function wvd_copy(h: HeapState, self: Ref): Ref {
  maybe_commit(h, self);
  return mapping_copy(h, self, WC_VALUES);
}

function wvd_valuerefs(h: HeapState, self: Ref): Ref {
  maybe_commit(h, self);
  return filled(h, list_new_empty(h, 0), (out) =>
    with_ref(h, dict_iter_new(h, data_of(h, self), 1), (it) => {
      for (let x = PyIter_Next(h, it); x !== 0; x = PyIter_Next(h, it)) with_ref(h, x, (wr) => list_append(h, out, wr));
    }),
  );
}

// ---------------------------------------------------------------- WeakKeyDictionary

/** ref(key) for a lookup (TypeError for objects that cannot be weakly referenced). */
function key_ref(h: HeapState, key: Ref): Ref {
  return weakref_new(h, h.wr.ref, key, 0);
}

function wkd_setitem(h: HeapState, self: Ref, key: Ref, value: Ref): void {
  with_ref(h, weakref_new(h, h.wr.ref, key, remove_of(h, self)), (wr) => dict_setitem(h, data_of(h, self), wr, value));
}

function wkd_getitem(h: HeapState, self: Ref, key: Ref): Ref {
  return with_ref(h, key_ref(h, key), (wr) => {
    const v = dict_getitem(h, data_of(h, self), wr);
    if (v === 0) throw new PyError("KeyError", PyObject_Repr(h, wr));
    return newref(h, v);
  });
}

function wkd_delitem(h: HeapState, self: Ref, key: Ref): void {
  h.i32[(self + WC_DIRTY_LEN) >> 2] = 1;
  with_ref(h, key_ref(h, key), (wr) => dict_delitem(h, data_of(h, self), wr));
}

function wkd_len(h: HeapState, self: Ref): number {
  if (h.i32[(self + WC_DIRTY_LEN) >> 2] !== 0 && has_pending(h, self)) scrub_removals(h, self);
  return dict_len(h, data_of(h, self)) - list_size(h, pending_of(h, self));
}

function wkd_contains(h: HeapState, self: Ref, key: Ref): boolean {
  const wr = try_ref(h, key);
  if (wr === 0) return false;
  return with_ref(h, wr, (wr) => dict_getitem(h, data_of(h, self), wr) !== 0);
}

function wkd_get(h: HeapState, self: Ref, key: Ref, deflt: Ref): Ref {
  return with_ref(h, key_ref(h, key), (wr) => {
    const v = dict_getitem(h, data_of(h, self), wr);
    return newref(h, v !== 0 ? v : deflt);
  });
}

function wkd_pop(h: HeapState, self: Ref, key: Ref, deflt: Ref): Ref {
  h.i32[(self + WC_DIRTY_LEN) >> 2] = 1;
  return with_ref(h, key_ref(h, key), (wr) => dict_pop(h, data_of(h, self), wr, deflt));
}

function wkd_popitem(h: HeapState, self: Ref): Ref {
  h.i32[(self + WC_DIRTY_LEN) >> 2] = 1;
  return mapping_popitem(h, self, WC_KEYS);
}

function wkd_setdefault(h: HeapState, self: Ref, key: Ref, deflt: Ref): Ref {
  return with_ref(h, weakref_new(h, h.wr.ref, key, remove_of(h, self)), (wr) => newref(h, dict_setdefault(h, data_of(h, self), wr, deflt)));
}

function wkd_update(h: HeapState, self: Ref, other: Ref, kwargs: Record<string, Ref> | null): void {
  with_ref(h, newref(h, data_of(h, self)), (d) =>
    for_each_item(h, other, (key, value) =>
      with_ref(h, weakref_new(h, h.wr.ref, key, remove_of(h, self)), (wr) => dict_setitem(h, d, wr, value)),
    ),
  );
  if (kwargs !== null && Object.keys(kwargs).length > 0) with_ref(h, kwargs_to_dict(h, kwargs), (kd) => wkd_update(h, self, kd, null));
}

function wkd_copy(h: HeapState, self: Ref): Ref {
  return mapping_copy(h, self, WC_KEYS);
}

function wkd_keyrefs(h: HeapState, self: Ref): Ref {
  return filled(h, list_new_empty(h, 0), (out) => for_each(h, data_of(h, self), (wr) => list_append(h, out, wr)));
}

// ---------------------------------------------------------------- the mappings' shared parts

/**
 * An entry (a, b) of a mapping's data, both owned and released here: its weak side
 * (the key of a WeakKeyDictionary, the value of a WeakValueDictionary) is called and,
 * while the referent is alive, f(key, value) runs with the referent in that side's
 * place. f's result, or undefined for a dead entry.
 */
function live_entry<T>(h: HeapState, kind: number, a: Ref, b: Ref, f: (key: Ref, value: Ref) => T): T | undefined {
  try {
    return with_ref(h, call_ref(h, kind === WC_KEYS ? a : b), (o) => (o === h.None ? undefined : kind === WC_KEYS ? f(o, b) : f(a, o)));
  } finally {
    Py_DECREF(h, a);
    Py_DECREF(h, b);
  }
}

/** popitem(): entries are popped until a live one comes, returned as a new (key, value) tuple. */
function mapping_popitem(h: HeapState, self: Ref, kind: number): Ref {
  for (;;) {
    const [a, b] = unpack_consume(h, dict_popitem(h, data_of(h, self)));
    const r = live_entry(h, kind, a, b, (key, value) => tuple_pack2(h, key, value));
    if (r !== undefined) return r;
  }
}

/** copy(): a new mapping of the base type with the live entries, read under an iteration guard. */
function mapping_copy(h: HeapState, self: Ref, kind: number): Ref {
  const t = kind === WC_KEYS ? h.wr.weakKeyDict : h.wr.weakValueDict;
  const setitem = kind === WC_KEYS ? wkd_setitem : wvd_setitem;
  return filled(h, type_call(h, t, [], null), (result) =>
    with_guard(h, self, () =>
      with_ref(h, dict_iter_new(h, data_of(h, self), 2), (it) => {
        for (let x = PyIter_Next(h, it); x !== 0; x = PyIter_Next(h, it)) {
          const [a, b] = unpack_consume(h, x);
          live_entry(h, kind, a, b, (key, value) => setitem(h, result, key, value));
        }
      }),
    ),
  );
}

/** dict(self.items()) for Mapping.__eq__ */
function mapping_as_dict(h: HeapState, m: Ref): Ref {
  return with_ref(h, items_of(h, m), (items) => type_call(h, h.T.dict, [items], null));
}

function is_mapping(h: HeapState, o: Ref): boolean {
  const t = slots_of(h, o);
  return is_subtype(t, h.T.dict) || is_subtype(t, h.wr.weakValueDict) || is_subtype(t, h.wr.weakKeyDict);
}

/** Mapping.__eq__ (and object's __ne__ inverting it) */
function mapping_richcompare(h: HeapState, self: Ref, other: Ref, op: number): Ref {
  if ((op !== Py_EQ && op !== Py_NE) || !is_mapping(h, other)) return newref(h, h.NotImplemented);
  return with_ref(h, mapping_as_dict(h, self), (a) => with_ref(h, mapping_as_dict(h, other), (b) => PyObject_RichCompare(h, a, b, op)));
}

/** MutableMapping.clear: popitem until KeyError */
function mapping_clear(h: HeapState, self: Ref, popitem: (h: HeapState, self: Ref) => Ref): void {
  for (;;) {
    let item: Ref;
    try {
      item = popitem(h, self);
    } catch (e) {
      if (e instanceof PyError && e.pytype === "KeyError") return;
      throw e;
    }
    Py_DECREF(h, item);
  }
}

function unhashable(h: HeapState, self: Ref): number {
  throw new PyError("TypeError", `unhashable type: '${slots_of(h, self).name}'`);
}

// ---------------------------------------------------------------- types

function opt(args: Ref[], i: number, deflt: Ref): Ref {
  return args.length > i ? args[i] : deflt;
}

function native(fname: string, params: string[], nrequired: number, f: (self: Ref, args: Ref[], kwargs: Record<string, Ref> | null) => Ref): NativeMethod {
  return (self, args, kwargs) => {
    py_args(fname, args, params, nrequired);
    return f(self, args, kwargs);
  };
}

export function containers_init_types(h: HeapState, mk: (name: string, proto: ProtocolSlots) => TypeSlots): void {
  const st = h.wr;
  const common: ProtocolSlots = {
    tp_new: wc_new,
    tp_getattro: wc_getattro,
    tp_setattro: wc_setattro,
    tp_hash: unhashable,
  };
  st.weakSet = mk("WeakSet", {
    ...common,
    mp_length: weakset_len,
    sq_contains: weakset_contains,
    tp_iter: (hh, self) => gen_new(hh, self, G_WS_ITER),
    tp_repr: (hh, self) => PyObject_Repr(hh, data_of(hh, self)),
    tp_richcompare: weakset_richcompare,
  });
  st.weakValueDict = mk("WeakValueDictionary", {
    ...common,
    mp_length: wvd_len,
    mp_subscript: wvd_getitem,
    mp_ass_subscript: (hh, self, key, value) => (value === 0 ? wvd_delitem(hh, self, key) : wvd_setitem(hh, self, key, value)),
    sq_contains: wvd_contains,
    tp_iter: (hh, self) => gen_new(hh, self, G_WVD_KEYS),
    tp_repr: (hh, self) => `<${class_name(hh, self)} at ${addr(self)}>`,
    tp_richcompare: mapping_richcompare,
  });
  st.weakKeyDict = mk("WeakKeyDictionary", {
    ...common,
    mp_length: wkd_len,
    mp_subscript: wkd_getitem,
    mp_ass_subscript: (hh, self, key, value) => (value === 0 ? wkd_delitem(hh, self, key) : wkd_setitem(hh, self, key, value)),
    sq_contains: wkd_contains,
    tp_iter: (hh, self) => gen_new(hh, self, G_WKD_KEYS),
    tp_repr: (hh, self) => `<${class_name(hh, self)} at ${addr(self)}>`,
    tp_richcompare: mapping_richcompare,
  });

  const reg = (t: TypeSlots, methods: Record<string, NativeMethod>): void => {
    for (const [name, fn] of Object.entries(methods)) native_register(h, t, name, fn);
  };
  const None = (): Ref => none(h);

  reg(st.weakSet, {
    add: native("WeakSet.add", ["item"], 1, (self, a) => (weakset_add(h, self, a[0]), None())),
    clear: native("WeakSet.clear", [], 0, (self) => (maybe_commit(h, self), set_clear(h, data_of(h, self)), None())),
    copy: native("WeakSet.copy", [], 0, (self) => weakset_copy(h, self)),
    pop: native("WeakSet.pop", [], 0, (self) => weakset_pop(h, self)),
    remove: native("WeakSet.remove", ["item"], 1, (self, a) => {
      maybe_commit(h, self);
      with_ref(h, key_ref(h, a[0]), (wr) => set_remove(h, data_of(h, self), wr));
      return None();
    }),
    discard: native("WeakSet.discard", ["item"], 1, (self, a) => {
      maybe_commit(h, self);
      with_ref(h, key_ref(h, a[0]), (wr) => set_discard(h, data_of(h, self), wr));
      return None();
    }),
    update: native("WeakSet.update", ["other"], 1, (self, a) => (weakset_update(h, self, a[0]), None())),
    difference: native("WeakSet.difference", ["other"], 1, (self, a) => filled(h, weakset_copy(h, self), (n) => weakset_inplace(h, n, a[0], "-"))),
    difference_update: native("WeakSet.difference_update", ["other"], 1, (self, a) => (weakset_inplace(h, self, a[0], "-"), None())),
    intersection: native("WeakSet.intersection", ["other"], 1, (self, a) => weakset_intersection(h, self, a[0])),
    intersection_update: native("WeakSet.intersection_update", ["other"], 1, (self, a) => (weakset_inplace(h, self, a[0], "&"), None())),
    issubset: native("WeakSet.issubset", ["other"], 1, (self, a) => weakset_richcompare(h, self, a[0], Py_LE)),
    issuperset: native("WeakSet.issuperset", ["other"], 1, (self, a) => weakset_richcompare(h, self, a[0], Py_GE)),
    symmetric_difference: native("WeakSet.symmetric_difference", ["other"], 1, (self, a) =>
      filled(h, weakset_copy(h, self), (n) => weakset_inplace(h, n, a[0], "^")),
    ),
    symmetric_difference_update: native("WeakSet.symmetric_difference_update", ["other"], 1, (self, a) => (weakset_inplace(h, self, a[0], "^"), None())),
    union: native("WeakSet.union", ["other"], 1, (self, a) => weakset_union(h, self, a[0])),
    isdisjoint: native("WeakSet.isdisjoint", ["other"], 1, (self, a) =>
      with_ref(h, weakset_intersection(h, self, a[0]), (n) => bool_ref(h, weakset_len(h, n) === 0)),
    ),
    _commit_removals: native("WeakSet._commit_removals", [], 0, (self) => (commit_removals(h, self), None())),
  });

  reg(st.weakValueDict, {
    get: native("WeakValueDictionary.get", ["key", "default"], 1, (self, a) => wvd_get(h, self, a[0], opt(a, 1, h.None))),
    pop: (self, a) => {
      if (a.length < 1) throw new PyError("TypeError", "WeakValueDictionary.pop() missing 1 required positional argument: 'key'");
      return wvd_pop(h, self, a[0], a.length > 1 ? a[1] : 0);
    },
    popitem: native("WeakValueDictionary.popitem", [], 0, (self) => wvd_popitem(h, self)),
    setdefault: native("WeakValueDictionary.setdefault", ["key", "default"], 1, (self, a) => wvd_setdefault(h, self, a[0], opt(a, 1, h.None))),
    update: (self, a, kw) => {
      if (a.length > 1) throw new PyError("TypeError", `WeakValueDictionary.update() takes from 1 to 2 positional arguments but ${a.length + 1} were given`);
      wvd_update(h, self, opt(a, 0, h.None), kw);
      return None();
    },
    copy: native("WeakValueDictionary.copy", [], 0, (self) => wvd_copy(h, self)),
    __copy__: native("WeakValueDictionary.copy", [], 0, (self) => wvd_copy(h, self)),
    keys: native("WeakValueDictionary.keys", [], 0, (self) => gen_new(h, self, G_WVD_KEYS)),
    items: native("WeakValueDictionary.items", [], 0, (self) => gen_new(h, self, G_WVD_ITEMS)),
    values: native("WeakValueDictionary.values", [], 0, (self) => gen_new(h, self, G_WVD_VALUES)),
    itervaluerefs: native("WeakValueDictionary.itervaluerefs", [], 0, (self) => gen_new(h, self, G_WVD_VALUEREFS)),
    valuerefs: native("WeakValueDictionary.valuerefs", [], 0, (self) => wvd_valuerefs(h, self)),
    clear: native("MutableMapping.clear", [], 0, (self) => (mapping_clear(h, self, wvd_popitem), None())),
    _commit_removals: native("WeakValueDictionary._commit_removals", [], 0, (self) => (commit_removals(h, self), None())),
  });

  reg(st.weakKeyDict, {
    get: native("WeakKeyDictionary.get", ["key", "default"], 1, (self, a) => wkd_get(h, self, a[0], opt(a, 1, h.None))),
    pop: (self, a) => {
      if (a.length < 1) throw new PyError("TypeError", "WeakKeyDictionary.pop() missing 1 required positional argument: 'key'");
      return wkd_pop(h, self, a[0], a.length > 1 ? a[1] : 0);
    },
    popitem: native("WeakKeyDictionary.popitem", [], 0, (self) => wkd_popitem(h, self)),
    setdefault: native("WeakKeyDictionary.setdefault", ["key", "default"], 1, (self, a) => wkd_setdefault(h, self, a[0], opt(a, 1, h.None))),
    update: (self, a, kw) => {
      if (a.length > 1) throw new PyError("TypeError", `WeakKeyDictionary.update() takes from 1 to 2 positional arguments but ${a.length + 1} were given`);
      wkd_update(h, self, opt(a, 0, h.None), kw);
      return None();
    },
    copy: native("WeakKeyDictionary.copy", [], 0, (self) => wkd_copy(h, self)),
    __copy__: native("WeakKeyDictionary.copy", [], 0, (self) => wkd_copy(h, self)),
    keys: native("WeakKeyDictionary.keys", [], 0, (self) => gen_new(h, self, G_WKD_KEYS)),
    items: native("WeakKeyDictionary.items", [], 0, (self) => gen_new(h, self, G_WKD_ITEMS)),
    values: native("WeakKeyDictionary.values", [], 0, (self) => gen_new(h, self, G_WKD_VALUES)),
    keyrefs: native("WeakKeyDictionary.keyrefs", [], 0, (self) => wkd_keyrefs(h, self)),
    clear: native("MutableMapping.clear", [], 0, (self) => (mapping_clear(h, self, wkd_popitem), None())),
    _commit_removals: native("WeakKeyDictionary._commit_removals", [], 0, (self) => (commit_removals(h, self), None())),
    _scrub_removals: native("WeakKeyDictionary._scrub_removals", [], 0, (self) => (scrub_removals(h, self), None())),
  });
}

export const container_slots = {
  tp_dealloc: wc_dealloc,
  tp_traverse: wc_traverse,
  tp_clear: wc_clear,
};
export const guard_slots = {
  tp_dealloc: guard_dealloc,
  tp_traverse: guard_traverse,
  tp_clear: guard_clear,
};
export const generator_slots = {
  tp_dealloc: gen_dealloc,
  tp_traverse: gen_traverse,
  tp_clear: gen_clear,
  proto: gen_protocol,
};

// ---------------------------------------------------------------- for the facade

/** keys(o) / values(o) / items(o) of a weak container as a new list (what list(o.keys()) gives). */
export function weak_container_list(h: HeapState, self: Ref, what: "keys" | "values" | "items"): Ref {
  const kind = wc_kind(h, self);
  let g: Ref;
  if (kind === WC_SET) g = gen_new(h, self, G_WS_ITER);
  else if (kind === WC_VALUES) g = gen_new(h, self, what === "keys" ? G_WVD_KEYS : what === "values" ? G_WVD_VALUES : G_WVD_ITEMS);
  else g = gen_new(h, self, what === "keys" ? G_WKD_KEYS : what === "values" ? G_WKD_VALUES : G_WKD_ITEMS);
  return with_ref(h, g, (g) => list_of_gen(h, g));
}

/** WeakSet.add for the facade's add(set, v) */
export { weakset_add as weak_container_add };

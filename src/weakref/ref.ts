// === Weak reference objects (layer 3, src/weakref) ===
//
// Ports, from CPython 3.11 Objects/weakrefobject.c: init_weakref, clear_weakref,
// _PyWeakref_ClearRef, weakref_dealloc, gc_traverse, gc_clear, weakref_vectorcall
// (calling a ref), weakref_hash, weakref_repr, weakref_richcompare,
// get_basic_refs, insert_after, insert_head, weakref___new__ / weakref___init__,
// PyWeakref_NewRef, PyWeakref_NewProxy, PyObject_ClearWeakRefs, handle_callback,
// _PyWeakref_GetWeakrefCount; from Modules/_weakref.c getweakrefcount,
// getweakrefs and _remove_dead_weakref; and the `__callback__` member.
//
// The list discipline (per referent, through wr_prev / wr_next, head at
// `obj + tp_weaklistoffset`): the callback-less basic ref of exact type `ref` is
// always at the head, the callback-less basic proxy right after it, and every
// other weakref is inserted after those two, so that part of the list is newest
// first. `getweakrefs` returns list order.
//
// Invariants: a weakref holds a borrowed pointer to its referent (wr_object), which
// is None once cleared and never again anything else; it is in its referent's list
// exactly while wr_object is not None; it owns its callback until cleared by
// clear_weakref or freed. Weakrefs are GC objects (their callback can be part of a
// cycle) and are never weakly referenceable themselves (except WeakMethod).
//
// Never touches: the referent's payload (only its weakref-list word).

import {
  OB_TYPE,
  TP_KIND,
  TP_WEAKLISTOFFSET,
  WR_CALLBACK,
  WR_HASH,
  WR_NEXT,
  WR_OBJECT,
  WR_PREV,
  WR_VECTORCALL,
  FUNC_NAME,
  TP_NAME,
  TUPLE_ITEMS,
  KEYEDREF_KEY,
} from "../heap/layout.js";
import { PyError, toPyError } from "../heap/errors.js";
import { gc_alloc, gc_track, gc_untrack, object_free } from "../heap/object.js";
import { Py_DECREF, Py_XDECREF, with_ref } from "../heap/refcount.js";
import type { HeapState, Ref } from "../heap/state.js";
import { K_FUNCTION, K_PROXY, K_STR, K_TYPE, K_WEAKREF, Py_EQ, Py_NE, type TypeSlots, type Visit } from "../heap/typeslots.js";
import { is_subtype, slots_of } from "../heap/typeobject.js";
import { tuple_new } from "../heap/tuple.js";
import { list_new_empty, list_append } from "../heap/list.js";
import { PyObject_Hash, PyObject_RichCompare } from "../heap/abstract.js";
import { call_object, js_result } from "../heap/call.js";
import { function_js } from "../heap/function.js";
import { generic_setattr, getattr } from "../heap/attr.js";
import { addr } from "../heap/repr.js";
import { dict_discard, dict_getitem_knownhash } from "../heap/dict.js";
import { unicode_to_js } from "../heap/str.js";
import { alloc_instance, getattr_generic, newref, newref_or_none, no_keywords, none, unpack_args } from "./state.js";

// ---------------------------------------------------------------- checks

/** PyWeakref_Check: a ref (or subclass instance), a proxy or a callable proxy. */
export function is_weakref(h: HeapState, op: Ref): boolean {
  const i32 = h.i32;
  const k = i32[(i32[(op + OB_TYPE) >> 2] + TP_KIND) >> 2];
  return k === K_WEAKREF || k === K_PROXY;
}

/** PyWeakref_CheckRef: a ref or an instance of a class derived from ref. */
export function is_ref(h: HeapState, op: Ref): boolean {
  const i32 = h.i32;
  return i32[(i32[(op + OB_TYPE) >> 2] + TP_KIND) >> 2] === K_WEAKREF;
}

/** PyWeakref_CheckProxy */
export function is_proxy(h: HeapState, op: Ref): boolean {
  const i32 = h.i32;
  return i32[(i32[(op + OB_TYPE) >> 2] + TP_KIND) >> 2] === K_PROXY;
}

/** _PyType_SUPPORTS_WEAKREFS(Py_TYPE(op)): the type's tp_weaklistoffset, 0 when none. */
export function weaklist_offset(h: HeapState, op: Ref): number {
  const i32 = h.i32;
  return i32[(i32[(op + OB_TYPE) >> 2] + TP_WEAKLISTOFFSET) >> 2];
}

/** "cannot create weak reference to 'T' object" */
function not_weakrefable(h: HeapState, op: Ref): PyError {
  return new PyError("TypeError", `cannot create weak reference to '${slots_of(h, op).name}' object`);
}

/** PyWeakref_GET_OBJECT without the None: the referent (borrowed) or 0 once dead. */
export function wr_deref(h: HeapState, wr: Ref): Ref {
  const o = h.i32[(wr + WR_OBJECT) >> 2];
  return o === h.None ? 0 : o;
}

/** wr() as Python sees it: the referent or None (new reference). */
export function wr_call_result(h: HeapState, wr: Ref): Ref {
  const o = h.i32[(wr + WR_OBJECT) >> 2];
  h.i32[o >> 2]++;
  return o;
}

// ---------------------------------------------------------------- the list

/** _PyWeakref_GetWeakrefCount: length of the list starting at `head`. */
export function weakref_count_from(h: HeapState, head: Ref): number {
  const i32 = h.i32;
  let n = 0;
  for (let wr = head; wr !== 0; wr = i32[(wr + WR_NEXT) >> 2]) n++;
  return n;
}

/**
 * get_basic_refs: the callback-less ref (exact type) and proxy at the head of the
 * list, left in h.wr.basicRef / h.wr.basicProxy (0 when absent).
 */
export function get_basic_refs(h: HeapState, head: Ref): void {
  const i32 = h.i32;
  const st = h.wr;
  st.basicRef = 0;
  st.basicProxy = 0;
  if (head !== 0 && i32[(head + WR_CALLBACK) >> 2] === 0) {
    if (i32[(head + OB_TYPE) >> 2] === st.ref.ref) {
      st.basicRef = head;
      head = i32[(head + WR_NEXT) >> 2];
    }
    if (
      head !== 0 &&
      i32[(head + WR_CALLBACK) >> 2] === 0 &&
      i32[(i32[(head + OB_TYPE) >> 2] + TP_KIND) >> 2] === K_PROXY
    ) {
      st.basicProxy = head;
    }
  }
}

/** insert_after: link `newref` after `prev` (both weakrefs). */
function insert_after(h: HeapState, newref: Ref, prev: Ref): void {
  const i32 = h.i32;
  const next = i32[(prev + WR_NEXT) >> 2];
  i32[(newref + WR_PREV) >> 2] = prev;
  i32[(newref + WR_NEXT) >> 2] = next;
  if (next !== 0) i32[(next + WR_PREV) >> 2] = newref;
  i32[(prev + WR_NEXT) >> 2] = newref;
}

/** insert_head: link `newref` at the head of the list stored at byte address `list`. */
function insert_head(h: HeapState, newref: Ref, list: number): void {
  const i32 = h.i32;
  const next = i32[list >> 2];
  i32[(newref + WR_PREV) >> 2] = 0;
  i32[(newref + WR_NEXT) >> 2] = next;
  if (next !== 0) i32[(next + WR_PREV) >> 2] = newref;
  i32[list >> 2] = newref;
}

/** Unlink a live weakref from its referent's list and mark it dead (no code runs). */
function unlink(h: HeapState, self: Ref): void {
  const i32 = h.i32;
  const obj = i32[(self + WR_OBJECT) >> 2];
  if (obj === h.None) return;
  const list = obj + i32[(i32[(obj + OB_TYPE) >> 2] + TP_WEAKLISTOFFSET) >> 2];
  const prev = i32[(self + WR_PREV) >> 2];
  const next = i32[(self + WR_NEXT) >> 2];
  if (i32[list >> 2] === self) i32[list >> 2] = next;
  i32[(self + WR_OBJECT) >> 2] = h.None;
  if (prev !== 0) i32[(prev + WR_NEXT) >> 2] = next;
  if (next !== 0) i32[(next + WR_PREV) >> 2] = prev;
  i32[(self + WR_PREV) >> 2] = 0;
  i32[(self + WR_NEXT) >> 2] = 0;
}

/**
 * clear_weakref: unlink `self` from its referent's list, then drop its callback
 * (which may run code). The only code that removes a weakref from a list.
 */
export function clear_weakref(h: HeapState, self: Ref): void {
  unlink(h, self);
  const callback = h.i32[(self + WR_CALLBACK) >> 2];
  if (callback !== 0) {
    h.i32[(self + WR_CALLBACK) >> 2] = 0;
    Py_DECREF(h, callback);
  }
}

/**
 * _PyWeakref_ClearRef: clear the reference but keep the callback, uncalled (the
 * collector calls it later, or tp_dealloc drops it). Runs no code.
 */
export function _PyWeakref_ClearRef(h: HeapState, self: Ref): void {
  unlink(h, self);
}

// ---------------------------------------------------------------- creation

/** init_weakref on a freshly allocated (zeroed) weakref. */
function init_weakref(h: HeapState, self: Ref, ob: Ref, callback: Ref): void {
  const i32 = h.i32;
  i32[(self + WR_HASH) >> 2] = -1;
  i32[(self + WR_OBJECT) >> 2] = ob;
  i32[(self + WR_PREV) >> 2] = 0;
  i32[(self + WR_NEXT) >> 2] = 0;
  i32[(self + WR_VECTORCALL) >> 2] = 0;
  if (callback !== 0) i32[callback >> 2]++;
  i32[(self + WR_CALLBACK) >> 2] = callback;
}

/**
 * The weakref a new non-basic weakref is inserted after (get_basic_refs' proxy, or
 * its ref), or 0 for the head of the list starting at `head`.
 */
function basic_prev(h: HeapState, head: Ref): Ref {
  const i32 = h.i32;
  if (head === 0 || i32[(head + WR_CALLBACK) >> 2] !== 0) return 0;
  let prev: Ref = 0;
  if (i32[(head + OB_TYPE) >> 2] === h.wr.ref.ref) {
    prev = head;
    head = i32[(head + WR_NEXT) >> 2];
  }
  if (head !== 0 && i32[(head + WR_CALLBACK) >> 2] === 0 && i32[(i32[(head + OB_TYPE) >> 2] + TP_KIND) >> 2] === K_PROXY) {
    prev = head;
  }
  return prev;
}

/**
 * weakref___new__ for type `t` (ref, a class derived from it, KeyedRef, WeakMethod):
 * a new reference to a weakref to `ob` with `callback` (0 or None = none). An
 * exact `ref` without callback is the shared basic ref. The new object is tracked;
 * fields of subclasses are zero.
 */
export function weakref_new(h: HeapState, t: TypeSlots, ob: Ref, callback: Ref): Ref {
  let i32 = h.i32;
  const off = i32[(i32[(ob + OB_TYPE) >> 2] + TP_WEAKLISTOFFSET) >> 2];
  if (off <= 0) throw not_weakrefable(h, ob);
  if (callback === h.None) callback = 0;
  const list = ob + off;
  const refType = h.wr.ref;
  const basic = callback === 0 && t === refType;
  if (basic) {
    const head = i32[list >> 2];
    if (head !== 0 && i32[(head + WR_CALLBACK) >> 2] === 0 && i32[(head + OB_TYPE) >> 2] === refType.ref) {
      i32[head >> 2]++;
      return head;
    }
  }
  // tp_alloc can run a collection, which can change ob's list: look again afterwards
  let self: Ref;
  if (t === refType || t === h.wr.keyedRef) {
    self = gc_alloc(h, t, t.basicsize);
    i32 = h.i32;
    if (t !== refType) i32[(self + KEYEDREF_KEY) >> 2] = 0;
  } else {
    self = alloc_instance(h, t);
    i32 = h.i32;
  }
  i32[(self + WR_HASH) >> 2] = -1;
  i32[(self + WR_OBJECT) >> 2] = ob;
  i32[(self + WR_VECTORCALL) >> 2] = 0;
  if (callback !== 0) i32[callback >> 2]++;
  i32[(self + WR_CALLBACK) >> 2] = callback;
  const head = i32[list >> 2];
  const prev = basic ? 0 : basic_prev(h, head);
  if (prev === 0) {
    // insert_head
    i32[(self + WR_PREV) >> 2] = 0;
    i32[(self + WR_NEXT) >> 2] = head;
    if (head !== 0) i32[(head + WR_PREV) >> 2] = self;
    i32[list >> 2] = self;
  } else {
    insert_after(h, self, prev);
  }
  gc_track(h, self);
  return self;
}

/** PyWeakref_NewProxy: the shared callback-less proxy, or a new one (callable proxy for callables). */
export function proxy_new(h: HeapState, ob: Ref, callback: Ref, callable: boolean): Ref {
  const off = weaklist_offset(h, ob);
  if (off <= 0) throw not_weakrefable(h, ob);
  const list = ob + off;
  get_basic_refs(h, h.i32[list >> 2]);
  if (callback === h.None) callback = 0;
  if (callback === 0 && h.wr.basicProxy !== 0) return newref(h, h.wr.basicProxy);
  const result = alloc_instance(h, callable ? h.wr.callableProxy : h.wr.proxy);
  init_weakref(h, result, ob, callback);
  gc_track(h, result);
  get_basic_refs(h, h.i32[list >> 2]);
  let prev: Ref;
  if (callback === 0) {
    if (h.wr.basicProxy !== 0) {
      // someone else added a basic proxy during a collection: return that one
      const p = newref(h, h.wr.basicProxy);
      Py_DECREF(h, result);
      return p;
    }
    prev = h.wr.basicRef;
  } else {
    prev = h.wr.basicProxy !== 0 ? h.wr.basicProxy : h.wr.basicRef;
  }
  if (prev === 0) insert_head(h, result, list);
  else insert_after(h, result, prev);
  return result;
}

/** tp_new of ReferenceType (and of classes derived from it): weakref___new__ + weakref___init__. */
export function weakref_tp_new(h: HeapState, t: TypeSlots, args: Ref[], kwargs: Record<string, Ref> | null): Ref {
  unpack_args("__new__", args, 1, 2);
  const self = weakref_new(h, t, args[0], args.length > 1 ? args[1] : 0);
  if (!t.heaptype || !t.special.has("__init__")) {
    // weakref___init__ (a class's own __init__ replaces it)
    try {
      no_keywords("ref", kwargs);
    } catch (e) {
      Py_DECREF(h, self);
      throw e;
    }
  }
  return self;
}

// ---------------------------------------------------------------- type slots

/** weakref_dealloc */
export function weakref_dealloc(h: HeapState, self: Ref): void {
  gc_untrack(h, self);
  clear_weakref(h, self);
  object_free(h, self, slots_of(h, self));
}

/** gc_traverse: the callback */
export function weakref_traverse<A>(h: HeapState, self: Ref, visit: Visit<A>, arg: A): void {
  const cb = h.i32[(self + WR_CALLBACK) >> 2];
  if (cb !== 0) visit(h, cb, arg);
}

/** gc_clear */
export function weakref_clear(h: HeapState, self: Ref): void {
  clear_weakref(h, self);
}

/** weakref_vectorcall: r() */
export function weakref_call(h: HeapState, self: Ref, args: Ref[], kwargs: Record<string, Ref> | null): Ref {
  no_keywords("weakref", kwargs);
  if (args.length !== 0) throw new PyError("TypeError", `weakref expected 0 arguments, got ${args.length}`);
  return wr_call_result(h, self);
}

/** weakref_hash: the referent's hash, cached; TypeError once dead and never hashed. */
export function weakref_hash(h: HeapState, self: Ref): number {
  const cached = h.i32[(self + WR_HASH) >> 2];
  if (cached !== -1) return cached;
  const obj = wr_deref(h, self);
  if (obj === 0) throw new PyError("TypeError", "weak object has gone away");
  h.i32[obj >> 2]++;
  let hash: number;
  try {
    hash = PyObject_Hash(h, obj);
  } finally {
    Py_DECREF(h, obj);
  }
  h.i32[(self + WR_HASH) >> 2] = hash;
  return hash;
}

/** The `__name__` of an object if it has one that is a str (the repr's "(name)" part). */
function name_of(h: HeapState, obj: Ref): string | null {
  const i32 = h.i32;
  const kind = i32[(i32[(obj + OB_TYPE) >> 2] + TP_KIND) >> 2];
  if (kind === K_FUNCTION) return unicode_to_js(h, i32[(obj + FUNC_NAME) >> 2]);
  if (kind === K_TYPE) return unicode_to_js(h, i32[(obj + TP_NAME) >> 2]);
  let name: Ref;
  try {
    name = getattr(h, obj, "__name__");
  } catch (e) {
    if (e instanceof PyError && e.pytype === "AttributeError") return null;
    throw e;
  }
  return with_ref(h, name, (name) => (slots_of(h, name).kind === K_STR ? unicode_to_js(h, name) : null));
}

/** weakref_repr */
export function weakref_repr(h: HeapState, self: Ref): string {
  const obj = wr_deref(h, self);
  if (obj === 0) return `<weakref at ${addr(self)}; dead>`;
  return with_ref(h, newref(h, obj), (obj) => {
    const name = name_of(h, obj);
    const tname = slots_of(h, obj).name;
    if (name === null) return `<weakref at ${addr(self)}; to '${tname}' at ${addr(obj)}>`;
    return `<weakref at ${addr(self)}; to '${tname}' at ${addr(obj)} (${name})>`;
  });
}

/**
 * weakref_richcompare: == and != only, between weakrefs (proxies included);
 * referents compared while both are alive, identity otherwise.
 */
export function weakref_richcompare(h: HeapState, self: Ref, other: Ref, op: number): Ref {
  if ((op !== Py_EQ && op !== Py_NE) || !is_weakref(h, self) || !is_weakref(h, other)) {
    return newref(h, h.NotImplemented);
  }
  const obj = wr_deref(h, self);
  const otherObj = wr_deref(h, other);
  if (obj === 0 || otherObj === 0) {
    let res = self === other;
    if (op === Py_NE) res = !res;
    return newref(h, res ? h.True : h.False);
  }
  h.i32[obj >> 2]++;
  h.i32[otherObj >> 2]++;
  try {
    return PyObject_RichCompare(h, obj, otherObj, op);
  } finally {
    Py_DECREF(h, obj);
    Py_DECREF(h, otherObj);
  }
}

/** ref's attributes: the `__callback__` member, then the generic lookup. */
export function weakref_getattro(h: HeapState, self: Ref, name: string): Ref {
  if (name === "__callback__") return newref_or_none(h, h.i32[(self + WR_CALLBACK) >> 2]);
  return getattr_generic(h, self, name);
}

/** ref's setattr: `__callback__` is read-only, anything else is generic. */
export function weakref_setattro(h: HeapState, self: Ref, name: string, value: Ref): void {
  if (name === "__callback__") throw new PyError("AttributeError", "readonly attribute");
  generic_setattr(h, self, name, value);
}

// ---------------------------------------------------------------- referent death

/** handle_callback: callback(ref); an exception goes to the unraisable hook. */
export function handle_callback(h: HeapState, ref: Ref, callback: Ref): void {
  // the callee holds its argument for the duration of the call, as a Python frame does
  const i32 = h.i32;
  i32[ref >> 2]++;
  try {
    if (i32[(i32[(callback + OB_TYPE) >> 2] + TP_KIND) >> 2] === K_FUNCTION) {
      // a function object: its JS function with the one argument (call_object's path
      // without the array), behind a barrier scope as call_js runs it (barrier.ts)
      const scopes = h.scopes;
      const depth = scopes.length;
      if (depth !== 0) scopes.push([]);
      let r: unknown;
      try {
        r = function_js(h, callback)(ref);
      } finally {
        if (depth !== 0) scopes.length = depth;
      }
      if (r !== undefined && r !== null) Py_DECREF(h, js_result(h, r));
    } else {
      Py_DECREF(h, call_object(h, callback, [ref], null));
    }
  } catch (e) {
    write_unraisable(h, e, callback);
  }
  Py_DECREF(h, ref);
}

/** PyErr_WriteUnraisable(obj) */
export function write_unraisable(h: HeapState, e: unknown, obj: Ref): void {
  try {
    h.unraisablehook(toPyError(e), obj);
  } catch (e2) {
    h.stderr(`Exception ignored in sys.unraisablehook: ${toPyError(e2).toString()}`);
  }
}

/**
 * PyObject_ClearWeakRefs: `object` is being deallocated (refcount 0) and its
 * weakref list is not empty. The basic ref and proxy are cleared first; then a
 * single remaining weakref has its callback called if it is alive; otherwise
 * (weakref, callback) pairs are saved in a tuple, every weakref is cleared, and
 * the callbacks run in list order (newest first).
 */
export function PyObject_ClearWeakRefs(h: HeapState, object: Ref): void {
  const off = weaklist_offset(h, object);
  if (off <= 0) return;
  const list = object + off;
  let i32 = h.i32;
  // remove the callback-less basic and proxy references (no code runs)
  let head = i32[list >> 2];
  if (head !== 0 && i32[(head + WR_CALLBACK) >> 2] === 0) {
    unlink(h, head);
    head = i32[list >> 2];
    if (head !== 0 && i32[(head + WR_CALLBACK) >> 2] === 0) unlink(h, head);
  }
  head = i32[list >> 2];
  if (head === 0) return;
  const count = weakref_count_from(h, head);
  if (count === 1) {
    const callback = i32[(head + WR_CALLBACK) >> 2];
    i32[(head + WR_CALLBACK) >> 2] = 0;
    unlink(h, head);
    if (callback !== 0) {
      if (h.i32[head >> 2] > 0) handle_callback(h, head, callback);
      Py_DECREF(h, callback);
    }
    return;
  }
  let tuple: Ref = 0;
  try {
    tuple = tuple_new(h, count * 2); // may run a collection: read the list again
  } catch (e) {
    if (!(e instanceof PyError && e.pytype === "MemoryError")) throw e;
    // No memory for the tuple (where CPython gives up with the weakrefs still set):
    // the same snapshot in a JS array, so that no weakref outlives its referent.
  }
  const pairs: Ref[] = [];
  let current = h.i32[list >> 2];
  for (let i = 0; i < count && current !== 0; ++i) {
    i32 = h.i32;
    const next = i32[(current + WR_NEXT) >> 2];
    const callback = i32[(current + WR_CALLBACK) >> 2];
    i32[(current + WR_CALLBACK) >> 2] = 0;
    if (i32[current >> 2] > 0) {
      i32[current >> 2]++;
      if (tuple !== 0) {
        i32[(tuple + TUPLE_ITEMS + 8 * i) >> 2] = current;
        i32[(tuple + TUPLE_ITEMS + 4 + 8 * i) >> 2] = callback;
      } else {
        pairs.push(current, callback);
      }
      unlink(h, current);
    } else {
      unlink(h, current);
      Py_XDECREF(h, callback);
    }
    current = next;
  }
  if (tuple !== 0) {
    for (let i = 0; i < count; ++i) {
      const callback = h.i32[(tuple + TUPLE_ITEMS + 4 + 8 * i) >> 2];
      if (callback !== 0) handle_callback(h, h.i32[(tuple + TUPLE_ITEMS + 8 * i) >> 2], callback);
    }
    Py_DECREF(h, tuple);
  } else {
    for (let i = 0; i < pairs.length; i += 2) if (pairs[i + 1] !== 0) handle_callback(h, pairs[i], pairs[i + 1]);
    for (let i = pairs.length - 2; i >= 0; i -= 2) {
      Py_XDECREF(h, pairs[i + 1]);
      Py_DECREF(h, pairs[i]);
    }
  }
}

/**
 * subtype_dealloc's clearing of weakrefs created by a finalizer:
 * _PyWeakref_ClearRef on each, callbacks kept and never called.
 */
export function clear_weakrefs_no_callbacks(h: HeapState, op: Ref): void {
  const off = weaklist_offset(h, op);
  if (off <= 0) return;
  const list = op + off;
  for (let wr = h.i32[list >> 2]; wr !== 0; wr = h.i32[list >> 2]) _PyWeakref_ClearRef(h, wr);
}

/** obj.__weakref__ (subtype_getweakref): the head of the list, borrowed, or 0. */
export function first_weakref(h: HeapState, op: Ref): Ref {
  const off = weaklist_offset(h, op);
  return off > 0 ? h.i32[(op + off) >> 2] : 0;
}

// ---------------------------------------------------------------- _weakref module functions

/** _weakref.getweakrefcount(obj) */
export function getweakrefcount(h: HeapState, op: Ref): number {
  const off = weaklist_offset(h, op);
  return off > 0 ? weakref_count_from(h, h.i32[(op + off) >> 2]) : 0;
}

/** _weakref.getweakrefs(obj): a new list of the weakrefs in list order. */
export function getweakrefs(h: HeapState, op: Ref): Ref {
  const off = weaklist_offset(h, op);
  if (off <= 0) return list_new_empty(h, 0);
  const refs: Ref[] = [];
  for (let wr = h.i32[(op + off) >> 2]; wr !== 0; wr = h.i32[(wr + WR_NEXT) >> 2]) refs.push(wr);
  // PyList_New(count): allocating the list may run a collection, so the list is
  // read first; the weakrefs are held while the list grows
  for (const wr of refs) h.i32[wr >> 2]++;
  let result: Ref = 0;
  try {
    result = list_new_empty(h, 0);
    for (const wr of refs) list_append(h, result, wr);
  } catch (e) {
    if (result !== 0) Py_DECREF(h, result);
    throw e;
  } finally {
    for (const wr of refs) Py_DECREF(h, wr);
  }
  return result;
}

/**
 * _weakref._remove_dead_weakref(dct, key): delete dct[key] if it is a dead weakref
 * (_PyDict_DelItemIf); a missing key is fine.
 */
export function remove_dead_weakref(h: HeapState, dct: Ref, key: Ref): void {
  const hash = PyObject_Hash(h, key);
  const value = dict_getitem_knownhash(h, dct, key, hash);
  if (value === 0) return;
  if (!is_weakref(h, value)) throw new PyError("TypeError", "not a weakref");
  if (h.i32[(value + WR_OBJECT) >> 2] === h.None) dict_discard(h, dct, key);
}

/** PyWeakref_Check for a type: is `t` ReferenceType, a proxy type, or derived from one? */
export function is_weakref_type(h: HeapState, t: TypeSlots): boolean {
  return is_subtype(t, h.wr.ref) || t === h.wr.proxy || t === h.wr.callableProxy;
}

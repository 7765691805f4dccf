// === weakref.finalize (layer 3, src/weakref) ===
//
// Ports class finalize of CPython 3.11 Lib/weakref.py. A finalize object has no
// state of its own (`__slots__ = ()`, a GC object of 8 bytes); it is a key of the
// registry `finalize._registry` (a heap dict owned by h.wr) whose value is an
// `_Info` (slots args, atexit, func, index, kwargs, weakref in type_new's sorted
// order). `info.weakref = ref(obj, self)`: the finalize object is the callback of
// a weakref to `obj`, so several finalizers of one object run newest first, and
// the registry keeps the finalizer, its func and args alive until it runs.
//
//   f()        pops the registry entry; the first call returns func(*args, **kwargs)
//              (unless shut down), later calls return None
//   detach()   (obj, func, args, kwargs) once while alive, popping the entry
//   peek()     the same tuple without popping
//   alive      `self in _registry`;  atexit: read/write bool, default True
//   _exitfunc  (weakref_atexit) at heap.close(): gc disabled, live atexit=True
//              finalizers run newest first, re-selected when new ones appear,
//              exceptions reported as sys.excepthook prints them, then _shutdown.
//
// Never touches: the referent (only through the weakref).

import {
  FINFO_ARGS,
  FINFO_ATEXIT,
  FINFO_FUNC,
  FINFO_INDEX,
  FINFO_KWARGS,
  FINFO_WEAKREF,
  OB_TYPE,
  TP_NAME,
  TUPLE_ITEMS,
} from "../heap/layout.js";
import { PyError, toPyError } from "../heap/errors.js";
import { gc_track, gc_untrack, object_free } from "../heap/object.js";
import { filled, Py_CLEAR, Py_DECREF, with_ref } from "../heap/refcount.js";
import type { HeapState, Ref } from "../heap/state.js";
import type { ProtocolSlots, TypeSlots, Visit } from "../heap/typeslots.js";
import { is_subtype, slots_of } from "../heap/typeobject.js";
import { dict_clear, dict_contains, dict_getitem, dict_len, dict_new, dict_next, dict_pop, dict_setitem } from "../heap/dict.js";
import { tuple_from_array, tuple_size } from "../heap/tuple.js";
import { long_as_exact_number, long_from_number } from "../heap/int.js";
import { call_object } from "../heap/call.js";
import { PyObject_IsTrue } from "../heap/abstract.js";
import { generic_setattr } from "../heap/attr.js";
import { addr } from "../heap/repr.js";
import { unicode_to_js } from "../heap/str.js";
import { weakref_new, wr_deref } from "./ref.js";
import { alloc_instance, bool_ref, getattr_generic, kwargs_to_dict, newref, none, py_args } from "./state.js";

const INFO_SLOTS = [FINFO_ARGS, FINFO_ATEXIT, FINFO_FUNC, FINFO_INDEX, FINFO_KWARGS, FINFO_WEAKREF];

/** Is `op` a finalize object (or an instance of a class derived from finalize)? */
export function is_finalize(h: HeapState, op: Ref): boolean {
  return is_subtype(slots_of(h, op), h.wr.finalize);
}

function check_finalize(h: HeapState, f: Ref): void {
  if (!is_finalize(h, f)) throw new PyError("TypeError", `expected a finalize object, not '${slots_of(h, f).name}'`);
}

// ---------------------------------------------------------------- _Info

export function info_dealloc(h: HeapState, op: Ref): void {
  gc_untrack(h, op);
  for (const off of INFO_SLOTS) Py_CLEAR(h, op + off);
  object_free(h, op, slots_of(h, op));
}

export function info_traverse<A>(h: HeapState, op: Ref, visit: Visit<A>, arg: A): void {
  for (const off of INFO_SLOTS) {
    const v = h.i32[(op + off) >> 2];
    if (v !== 0) visit(h, v, arg);
  }
}

export function info_clear(h: HeapState, op: Ref): void {
  for (const off of INFO_SLOTS) Py_CLEAR(h, op + off);
}

// ---------------------------------------------------------------- finalize

export function finalize_dealloc(h: HeapState, op: Ref): void {
  gc_untrack(h, op);
  object_free(h, op, slots_of(h, op));
}

/** finalize(obj, func, /, *args, **kwargs): new reference. */
export function finalize_new(h: HeapState, t: TypeSlots, args: Ref[], kwargs: Record<string, Ref> | null): Ref {
  if (args.length < 2) py_args("finalize.__init__", args, ["obj", "func"], 2);
  const st = h.wr;
  const self = alloc_instance(h, t);
  gc_track(h, self);
  return filled(h, self, (self) => {
    st.registeredWithAtexit = true;
    const info = alloc_instance(h, st.finalizeInfo);
    gc_track(h, info);
    with_ref(h, info, (info) => {
      h.i32[(info + FINFO_WEAKREF) >> 2] = weakref_new(h, st.ref, args[0], self);
      h.i32[(info + FINFO_FUNC) >> 2] = newref(h, args[1]);
      h.i32[(info + FINFO_ARGS) >> 2] = tuple_from_array(h, args.slice(2));
      h.i32[(info + FINFO_KWARGS) >> 2] = kwargs_dict(h, kwargs);
      h.i32[(info + FINFO_ATEXIT) >> 2] = bool_ref(h, true);
      h.i32[(info + FINFO_INDEX) >> 2] = long_from_number(h, st.nextIndex++);
      dict_setitem(h, st.registry, self, info);
      st.dirty = true;
    });
  });
}

/** `kwargs or None` as a new dict (or None). */
function kwargs_dict(h: HeapState, kwargs: Record<string, Ref> | null): Ref {
  if (kwargs === null || Object.keys(kwargs).length === 0) return none(h);
  return kwargs_to_dict(h, kwargs);
}

/** `info.kwargs or {}` as a new dict. */
function kwargs_or_empty(h: HeapState, info: Ref): Ref {
  const kw = h.i32[(info + FINFO_KWARGS) >> 2];
  if (kw !== 0 && kw !== h.None && dict_len(h, kw) > 0) return newref(h, kw);
  return dict_new(h);
}

/** The items of a tuple as a JS array (borrowed). */
function tuple_items(h: HeapState, t: Ref): Ref[] {
  const n = tuple_size(h, t);
  const out: Ref[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = h.i32[(t + TUPLE_ITEMS + 4 * i) >> 2];
  return out;
}

/** finalize.__call__(self, _=None) */
export function finalize_call(h: HeapState, self: Ref, args: Ref[], kwargs: Record<string, Ref> | null): Ref {
  py_args("finalize.__call__", args, ["_"], 0);
  if (kwargs !== null) {
    for (const k of Object.keys(kwargs)) {
      if (k !== "_" || args.length > 0) {
        throw new PyError("TypeError", `finalize.__call__() got an unexpected keyword argument '${k}'`);
      }
    }
  }
  return with_ref(h, registry_pop(h, self), (info) => {
    if (info !== h.None && !h.wr.shutdown) {
      const func = newref(h, h.i32[(info + FINFO_FUNC) >> 2]);
      const fargs = newref(h, h.i32[(info + FINFO_ARGS) >> 2]);
      const fkw = h.i32[(info + FINFO_KWARGS) >> 2];
      let kw: Record<string, Ref> | null = null;
      if (fkw !== h.None && fkw !== 0) {
        kw = {};
        for (let p = dict_next(h, fkw, 0); p !== -1; p = dict_next(h, fkw, p)) {
          kw[unicode_to_js(h, h.dictIterKey)] = h.dictIterValue;
        }
      }
      const held = fkw !== 0 ? newref(h, fkw) : 0;
      try {
        return call_object(h, func, tuple_items(h, fargs), kw);
      } finally {
        Py_DECREF(h, func);
        Py_DECREF(h, fargs);
        if (held !== 0) Py_DECREF(h, held);
      }
    }
    return none(h);
  });
}

/**
 * `_registry.pop(self, None)`: new reference. An emptied registry gives its table back
 * (as dict.clear() would), so a heap without live finalizers holds no extra block.
 */
function registry_pop(h: HeapState, self: Ref): Ref {
  const reg = h.wr.registry;
  const info = dict_pop(h, reg, self, h.None);
  if (dict_len(h, reg) === 0) dict_clear(h, reg);
  return info;
}

/** (obj, func, args, kwargs or {}) for a live entry: a new tuple. */
function info_tuple(h: HeapState, obj: Ref, info: Ref): Ref {
  return with_ref(h, kwargs_or_empty(h, info), (kw) =>
    tuple_from_array(h, [obj, h.i32[(info + FINFO_FUNC) >> 2], h.i32[(info + FINFO_ARGS) >> 2], kw]),
  );
}

/** finalize.detach(): the tuple once while alive (the entry is popped), else None. */
export function finalize_detach(h: HeapState, self: Ref): Ref {
  check_finalize(h, self);
  const found = dict_getitem(h, h.wr.registry, self);
  if (found === 0) return none(h);
  return with_ref(h, newref(h, found), (info) => {
    const obj = wr_deref(h, h.i32[(info + FINFO_WEAKREF) >> 2]);
    if (obj === 0) return none(h);
    return with_ref(h, newref(h, obj), (obj) => {
      const popped = registry_pop(h, self);
      const ok = popped !== h.None;
      Py_DECREF(h, popped);
      return ok ? info_tuple(h, obj, info) : none(h);
    });
  });
}

/** finalize.peek(): the tuple while alive, else None. */
export function finalize_peek(h: HeapState, self: Ref): Ref {
  check_finalize(h, self);
  const info = dict_getitem(h, h.wr.registry, self);
  if (info === 0) return none(h);
  const obj = wr_deref(h, h.i32[(info + FINFO_WEAKREF) >> 2]);
  if (obj === 0) return none(h);
  return info_tuple(h, obj, info);
}

/** finalize.alive */
export function finalize_alive(h: HeapState, self: Ref): boolean {
  check_finalize(h, self);
  return dict_contains(h, h.wr.registry, self);
}

/** finalize.atexit (getter) */
export function finalize_get_atexit(h: HeapState, self: Ref): boolean {
  check_finalize(h, self);
  const info = dict_getitem(h, h.wr.registry, self);
  return info !== 0 && PyObject_IsTrue(h, h.i32[(info + FINFO_ATEXIT) >> 2]);
}

/** finalize.atexit = value */
export function finalize_set_atexit(h: HeapState, self: Ref, value: boolean): void {
  check_finalize(h, self);
  const info = dict_getitem(h, h.wr.registry, self);
  if (info === 0) return;
  const old = h.i32[(info + FINFO_ATEXIT) >> 2];
  h.i32[(info + FINFO_ATEXIT) >> 2] = bool_ref(h, value);
  Py_DECREF(h, old);
}

/** finalize.__repr__ */
function finalize_repr(h: HeapState, self: Ref): string {
  const tname = unicode_to_js(h, h.i32[(h.i32[(self + OB_TYPE) >> 2] + TP_NAME) >> 2]);
  const info = dict_getitem(h, h.wr.registry, self);
  const obj = info !== 0 ? wr_deref(h, h.i32[(info + FINFO_WEAKREF) >> 2]) : 0;
  if (obj === 0) return `<${tname} object at ${addr(self)}; dead>`;
  return `<${tname} object at ${addr(self)}; for '${unicode_to_js(h, h.i32[(h.i32[(obj + OB_TYPE) >> 2] + TP_NAME) >> 2])}' at ${addr(obj)}>`;
}

function finalize_getattro(h: HeapState, self: Ref, name: string): Ref {
  if (name === "alive") return bool_ref(h, finalize_alive(h, self));
  if (name === "atexit") return bool_ref(h, finalize_get_atexit(h, self));
  return getattr_generic(h, self, name);
}

function finalize_setattro(h: HeapState, self: Ref, name: string, value: Ref): void {
  if (name === "atexit") {
    if (value === 0) throw new PyError("AttributeError", "can't delete attribute");
    finalize_set_atexit(h, self, PyObject_IsTrue(h, value));
    return;
  }
  if (name === "alive") throw new PyError("AttributeError", "can't set attribute");
  generic_setattr(h, self, name, value);
}

export const finalize_protocol: ProtocolSlots = {
  tp_new: finalize_new,
  tp_call: finalize_call,
  tp_repr: finalize_repr,
  tp_getattro: finalize_getattro,
  tp_setattro: finalize_setattro,
};

/** finalize._select_for_exit: live finalizers marked for exit, oldest first (new references). */
function select_for_exit(h: HeapState): Ref[] {
  const L: { f: Ref; index: number }[] = [];
  const reg = h.wr.registry;
  for (let p = dict_next(h, reg, 0); p !== -1; p = dict_next(h, reg, p)) {
    const f = h.dictIterKey;
    const info = h.dictIterValue;
    if (PyObject_IsTrue(h, h.i32[(info + FINFO_ATEXIT) >> 2])) {
      L.push({ f, index: long_as_exact_number(h, h.i32[(info + FINFO_INDEX) >> 2]) ?? 0 });
    }
  }
  L.sort((a, b) => a.index - b.index);
  for (const e of L) h.i32[e.f >> 2]++;
  return L.map((e) => e.f);
}

/**
 * The lines sys.excepthook prints: a traceback made of the JavaScript frames the
 * error carries (those outside node_modules and node's own), then "Type: message".
 */
export function excepthook_lines(e: unknown): string[] {
  const err = toPyError(e);
  const stack = (err.original instanceof Error ? err.original : err).stack ?? "";
  const frames = stack
    .split("\n")
    .slice(1)
    .map((l) => /at (?:(.*?) \()?(.*):(\d+):\d+\)?$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null && !m[2].includes("node_modules") && !m[2].startsWith("node:"));
  const lines: string[] = [];
  if (frames.length > 0) {
    lines.push("Traceback (most recent call last):");
    for (const m of frames.reverse()) lines.push(`  File "${m[2]}", line ${m[3]}, in ${m[1] ?? "<module>"}`);
  }
  lines.push(err.toString());
  return lines;
}

/**
 * finalize._exitfunc, which interpreter exit runs through atexit: run the live
 * finalizers whose atexit flag is set, newest first (a finalizer created meanwhile
 * runs next), with the collector disabled; report exceptions to h.stderr as
 * sys.excepthook would; afterwards no finalizer runs any more.
 */
export function weakref_atexit(h: HeapState): void {
  const st = h.wr;
  if (st === undefined || st.shutdown) return;
  let reenable_gc = false;
  let pending: Ref[] | null = null;
  st.exiting = true;
  try {
    if (dict_len(h, st.registry) > 0) {
      if (h.gc.enabled) {
        reenable_gc = true;
        h.gc.enabled = false;
      }
      for (;;) {
        if (pending === null || st.dirty) {
          if (pending !== null) for (const f of pending) Py_DECREF(h, f);
          pending = select_for_exit(h);
          st.dirty = false;
        }
        if (pending.length === 0) break;
        const f = pending.pop()!;
        try {
          Py_DECREF(h, call_object(h, f, [], null));
        } catch (e) {
          for (const line of excepthook_lines(e)) h.stderr(line);
        } finally {
          Py_DECREF(h, f);
        }
      }
    }
  } finally {
    if (pending !== null) for (const f of pending) Py_DECREF(h, f);
    st.shutdown = true;
    st.exiting = false;
    if (reenable_gc) h.gc.enabled = true;
  }
}

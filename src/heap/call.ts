// === Calling objects (layer 3) ===
//
// Ports, from CPython 3.11: PyObject_Call's dispatch (Objects/call.c) over
// function objects (a JS function), bound methods (self prepended), builtin
// methods, types (type_call: tp_new then __init__, Objects/typeobject.c) and
// instances with __call__; plus the protocol slot tp_call of other types.
//
// A JS function receives borrowed Refs (and, when keyword arguments are given, a
// final plain object of them) and returns undefined (None) or an owned Ref. Any
// JS value it throws becomes a Python exception (PyError).

import * as L from "./layout.js";
import { PyError, toPyError } from "./errors.js";
import type { HeapState, Ref } from "./state.js";
import * as K from "./typeslots.js";
import { slots_of, slots_of_type } from "./typeobject.js";
import { function_js } from "./function.js";
import { type_call } from "./construct.js";
import { Py_DECREF } from "./refcount.js";

// The imported constants as module-local bindings: V8 folds a module's own `const`
// into optimized code but loads an imported binding from its module cell at every
// use (4 field accesses: 2.8 ns local vs 4.4 ns imported, node 20).
const { BMETH_ID, BMETH_SELF, METH_FUNC, METH_SELF, OB_TYPE, TP_KIND } = L;
const { K_BUILTIN_METHOD, K_FUNCTION, K_METHOD, K_TYPE } = K;

/**
 * The normal-mode handle check (the facade's `check`, without its error texts): an
 * 8-aligned address inside the memory with a positive refcount, whose type word is an
 * 8-aligned address inside the memory whose own type is `type`.
 */
function plausible_object(h: HeapState, r: number): boolean {
  const i32 = h.i32;
  const n = h.u8.length;
  if ((r & 7) !== 0 || r >= n || i32[r >> 2] <= 0) return false;
  const t = i32[(r + OB_TYPE) >> 2];
  return t > 0 && (t & 7) === 0 && t < n && i32[(t + OB_TYPE) >> 2] === h.typeType;
}

/** Turn what a JS function returned into an owned Ref (undefined/null -> None). */
export function js_result(h: HeapState, r: unknown): Ref {
  if (r === undefined || r === null) {
    h.i32[h.None >> 2]++;
    return h.None;
  }
  if (typeof r !== "number" || !Number.isInteger(r) || r <= 0) {
    throw new PyError("TypeError", `a function on the heap must return a Ref or undefined, not ${typeof r}`);
  }
  if (h.live !== null ? !h.live.has(r) : !plausible_object(h, r)) {
    throw new PyError("SystemError", `a function on the heap returned ${r}, which is not a live object`);
  }
  return r as Ref;
}

/** Invoke a JS function with borrowed args; exceptions become PyError. */
export function call_js(h: HeapState, fn: (...a: never[]) => unknown, args: Ref[], kwargs: Record<string, Ref> | null): Ref {
  return call_js_self(h, fn, 0, args, kwargs);
}

/**
 * Invoke a JS function with `self` (unless 0) in front of the borrowed args, as
 * [self, ...args] would, without making that array; exceptions become PyError.
 */
export function call_js_self(
  h: HeapState,
  fn: (...a: never[]) => unknown,
  self: Ref,
  args: Ref[],
  kwargs: Record<string, Ref> | null,
): Ref {
  let r: unknown;
  // The references a JS function creates belong to it (the one it returns is handed
  // to the caller): a heap.scope() that encloses the call must not record them, or it
  // would release them a second time. The function runs behind a barrier scope that
  // is dropped, not released.
  const scopes = h.scopes;
  const depth = scopes.length;
  if (depth !== 0) scopes.push([]);
  try {
    r = invoke_js(fn as (...a: unknown[]) => unknown, self, args, kwargs);
  } catch (e) {
    throw toPyError(e);
  } finally {
    if (depth !== 0) scopes.length = depth;
  }
  return js_result(h, r);
}

/** f(self?, ...args, kwargs?): direct calls for the common arities (a spread call costs more). */
function invoke_js(f: (...a: unknown[]) => unknown, self: Ref, args: Ref[], kwargs: Record<string, Ref> | null): unknown {
  if (kwargs !== null && Object.keys(kwargs).length > 0) return self === 0 ? f(...args, kwargs) : f(self, ...args, kwargs);
  if (self === 0) {
    switch (args.length) {
      case 0:
        return f();
      case 1:
        return f(args[0]);
      case 2:
        return f(args[0], args[1]);
      case 3:
        return f(args[0], args[1], args[2]);
      case 4:
        return f(args[0], args[1], args[2], args[3]);
      default:
        return f(...args);
    }
  }
  switch (args.length) {
    case 0:
      return f(self);
    case 1:
      return f(self, args[0]);
    case 2:
      return f(self, args[0], args[1]);
    case 3:
      return f(self, args[0], args[1], args[2]);
    default:
      return f(self, ...args);
  }
}

/**
 * PyObject_Call(callable, (self, *args)) without building the argument array for
 * function objects (bound methods, type_call's __init__, __call__): new reference.
 */
export function call_object_self(h: HeapState, callable: Ref, self: Ref, args: Ref[], kwargs: Record<string, Ref> | null): Ref {
  const i32 = h.i32;
  if (i32[(i32[(callable + OB_TYPE) >> 2] + TP_KIND) >> 2] === K_FUNCTION) {
    return call_js_self(h, function_js(h, callable), self, args, kwargs);
  }
  return call_object(h, callable, [self, ...args], kwargs);
}

/** PyObject_Call: new reference. */
export function call_object(h: HeapState, callable: Ref, args: Ref[], kwargs: Record<string, Ref> | null): Ref {
  const i32 = h.i32;
  const type = i32[(callable + OB_TYPE) >> 2];
  switch (i32[(type + TP_KIND) >> 2]) {
    case K_FUNCTION:
      return call_js(h, function_js(h, callable), args, kwargs);
    case K_METHOD: {
      const func = i32[(callable + METH_FUNC) >> 2];
      const self = i32[(callable + METH_SELF) >> 2];
      // keep both alive for the duration of the call, as method_vectorcall's frame does
      i32[func >> 2]++;
      i32[self >> 2]++;
      try {
        return call_object_self(h, func, self, args, kwargs);
      } finally {
        Py_DECREF(h, func);
        Py_DECREF(h, self);
      }
    }
    case K_BUILTIN_METHOD: {
      const self = i32[(callable + BMETH_SELF) >> 2];
      const native = h.natives[i32[(callable + BMETH_ID) >> 2]];
      if (self !== 0) return native.fn(self, args, kwargs);
      // an unbound method of a builtin type: the first argument is self
      if (args.length === 0) {
        throw new PyError("TypeError", `unbound method ${native.owner}.${native.name}() needs an argument`);
      }
      return native.fn(args[0], args.slice(1), kwargs);
    }
    case K_TYPE:
      return type_call(h, slots_of_type(h, callable), args, kwargs);
  }
  const t = slots_of(h, callable);
  const call = t.special.get("__call__");
  if (call !== undefined) return call_object_self(h, call, callable, args, kwargs);
  if (t.proto.tp_call !== undefined) return t.proto.tp_call(h, callable, args, kwargs);
  throw new PyError("TypeError", `'${t.name}' object is not callable`);
}

/** callable(o) */
export function is_callable(h: HeapState, o: Ref): boolean {
  const i32 = h.i32;
  const kind = i32[(i32[(o + OB_TYPE) >> 2] + TP_KIND) >> 2];
  if (kind === K_FUNCTION || kind === K_METHOD || kind === K_BUILTIN_METHOD || kind === K_TYPE) return true;
  const t = slots_of(h, o);
  return t.special.has("__call__") || t.proto.tp_call !== undefined;
}

// === repr() and str() (layer 3) ===
//
// Ports the repr functions of CPython 3.11's builtin types (list_repr,
// tuplerepr, dict_repr, set_repr, long_to_decimal_string, float_repr,
// unicode_repr, bytes_repr, type_repr, func_repr, method_repr, object_repr) with
// Py_ReprEnter / Py_ReprLeave's recursion guard ("[...]", "{...}", "(...)"), and
// PyObject_Repr / PyObject_Str with their Py_EnterRecursiveCall (" while getting
// the repr of an object" / "... str ..."): a too deep structure raises RecursionError
// and every level unwinds through its `finally`. Results are JS strings; addresses
// print as CPython's "%p" does.

import {
  BMETH_ID,
  BMETH_SELF,
  DESCR_NAME,
  DESCR_TYPE,
  FUNC_MODULE,
  FUNC_QUALNAME,
  METH_FUNC,
  METH_SELF,
  OB_TYPE,
  Py_TPFLAGS_HEAPTYPE,
  TP_FLAGS,
  TP_KIND,
} from "./layout.js";
import { PyError } from "./errors.js";
import type { HeapState, Ref } from "./state.js";
import {
  K_BUILTIN_METHOD,
  K_BYTES,
  K_DESCR,
  K_DICT,
  K_FLOAT,
  K_FUNCTION,
  K_INT,
  K_LIST,
  K_METHOD,
  K_NONE,
  K_NOTIMPLEMENTED,
  K_SET,
  K_STR,
  K_TUPLE,
  K_TYPE,
  type TypeSlots,
} from "./typeslots.js";
import { is_subtype, slots_of, slots_of_type } from "./typeobject.js";
import { long_repr } from "./int.js";
import { float_repr_value, float_value } from "./float.js";
import { str_repr_value, unicode_to_js } from "./str.js";
import { bytes_repr } from "./bytes.js";
import { tuple_get, tuple_size } from "./tuple.js";
import { list_get, list_size } from "./list.js";
import { dict_len, dict_next } from "./dict.js";
import { set_len, set_next } from "./set.js";
import { call_object } from "./call.js";
import { Py_DECREF } from "./refcount.js";
import { type_qualified_name } from "./classobject.js";
import { DESCR_MEMBER, descr_which } from "./descr.js";
import { Py_EnterRecursiveCall, Py_LeaveRecursiveCall } from "./recursion.js";

/**
 * _PyObject_FunctionStr: how a call error names the callable — "module.qualname()"
 * (no module for builtins), the repr of anything without a qualified name.
 */
export function function_str(h: HeapState, f: Ref): string {
  const i32 = h.i32;
  switch (slots_of(h, f).kind) {
    case K_TYPE:
      return `${type_qualified_name(h, slots_of_type(h, f))}()`;
    case K_FUNCTION: {
      const qn = unicode_to_js(h, i32[(f + FUNC_QUALNAME) >> 2]);
      const m = i32[(f + FUNC_MODULE) >> 2];
      const mod = m !== 0 && slots_of(h, m).kind === K_STR ? unicode_to_js(h, m) : "builtins";
      return mod === "builtins" ? `${qn}()` : `${mod}.${qn}()`;
    }
    case K_METHOD:
      return function_str(h, i32[(f + METH_FUNC) >> 2]);
    case K_BUILTIN_METHOD: {
      const native = h.natives[i32[(f + BMETH_ID) >> 2]];
      return `${native.owner}.${native.name}()`;
    }
  }
  return PyObject_Repr(h, f);
}

/** CPython's %p: 0x followed by lowercase hex. */
export function addr(p: number): string {
  return "0x" + (p >>> 0).toString(16);
}

function repr_enter(h: HeapState, o: Ref): boolean {
  if (h.reprActive.has(o)) return true;
  h.reprActive.add(o);
  return false;
}

/** object_repr: <module.Name object at 0x...> */
export function object_repr(h: HeapState, o: Ref): string {
  return `<${type_qualified_name(h, slots_of(h, o))} object at ${addr(o)}>`;
}

/** repr(o): PyObject_Repr, one level of the recursion limit around the type's repr. */
export function PyObject_Repr(h: HeapState, o: Ref): string {
  Py_EnterRecursiveCall(h, " while getting the repr of an object");
  try {
    return type_repr(h, o);
  } finally {
    Py_LeaveRecursiveCall(h);
  }
}

/** The type's tp_repr (a class's __repr__ first). */
function type_repr(h: HeapState, o: Ref): string {
  const i32 = h.i32;
  const type = i32[(o + OB_TYPE) >> 2];
  const t = slots_of(h, o);
  if ((i32[(type + TP_FLAGS) >> 2] & Py_TPFLAGS_HEAPTYPE) !== 0) {
    const m = t.special.get("__repr__");
    if (m !== undefined) return call_str_method(h, m, o, "__repr__");
  }
  switch (i32[(type + TP_KIND) >> 2]) {
    case K_NONE:
      return "None";
    case K_NOTIMPLEMENTED:
      return "NotImplemented";
    case K_INT:
      if (o === h.True) return "True";
      if (o === h.False) return "False";
      return long_repr(h, o);
    case K_FLOAT:
      return float_repr_value(float_value(h, o));
    case K_STR:
      return str_repr_value(unicode_to_js(h, o));
    case K_BYTES:
      return bytes_repr(h, o);
    case K_TUPLE:
      return seq_repr(h, o, tuple_size, tuple_get, "(", ")", true);
    case K_LIST:
      return seq_repr(h, o, list_size, list_get, "[", "]", false);
    case K_DICT:
      return dict_repr(h, o);
    case K_SET:
      return set_repr(h, o, t);
    case K_TYPE:
      return `<class '${type_qualified_name(h, slots_of_type(h, o))}'>`;
    case K_FUNCTION:
      return `<function ${unicode_to_js(h, i32[(o + FUNC_QUALNAME) >> 2])} at ${addr(o)}>`;
    case K_METHOD: {
      const f = i32[(o + METH_FUNC) >> 2];
      const self = i32[(o + METH_SELF) >> 2];
      const fname = slots_of(h, f).kind === K_FUNCTION ? unicode_to_js(h, h.i32[(f + FUNC_QUALNAME) >> 2]) : "?";
      return `<bound method ${fname} of ${PyObject_Repr(h, self)}>`;
    }
    case K_BUILTIN_METHOD: {
      const self = i32[(o + BMETH_SELF) >> 2];
      const native = h.natives[i32[(o + BMETH_ID) >> 2]];
      if (self === 0) return `<method '${native.name}' of '${native.owner}' objects>`;
      return `<built-in method ${native.name} of ${slots_of(h, self).name} object at ${addr(self)}>`;
    }
    case K_DESCR: {
      const owner = slots_of_type(h, i32[(o + DESCR_TYPE) >> 2]);
      const name = unicode_to_js(h, i32[(o + DESCR_NAME) >> 2]);
      const what = descr_which(h, o) === DESCR_MEMBER ? "member" : "attribute";
      return `<${what} '${name}' of '${owner.name}' objects>`;
    }
  }
  if (t.proto.tp_repr !== undefined) return t.proto.tp_repr(h, o);
  return object_repr(h, o);
}

/** str(o): PyObject_Str (an exact str is itself, without entering the recursion count). */
export function PyObject_Str(h: HeapState, o: Ref): string {
  const t = slots_of(h, o);
  if (t === h.T.str) return unicode_to_js(h, o);
  Py_EnterRecursiveCall(h, " while getting the str of an object");
  try {
    if (t.heaptype) {
      const m = t.special.get("__str__");
      if (m !== undefined) return call_str_method(h, m, o, "__str__");
    }
    if (t.kind === K_STR) return unicode_to_js(h, o);
    if (t.proto.tp_str !== undefined) return t.proto.tp_str(h, o);
    // object_str: the type's tp_repr (list, dict, ... have no tp_str of their own)
    return type_repr(h, o);
  } finally {
    Py_LeaveRecursiveCall(h);
  }
}

function call_str_method(h: HeapState, m: Ref, o: Ref, name: string): string {
  const r = call_object(h, m, [o], null);
  try {
    const rt = slots_of(h, r);
    if (rt.kind !== K_STR) throw new PyError("TypeError", `${name} returned non-string (type ${rt.name})`);
    return unicode_to_js(h, r);
  } finally {
    Py_DECREF(h, r);
  }
}

function seq_repr(
  h: HeapState,
  o: Ref,
  size: (h: HeapState, o: Ref) => number,
  get: (h: HeapState, o: Ref, i: number) => Ref,
  open: string,
  close: string,
  tuple: boolean,
): string {
  const n = size(h, o);
  if (n === 0) return open + close;
  if (repr_enter(h, o)) return open + "..." + close;
  try {
    const parts: string[] = [];
    for (let i = 0; i < size(h, o); i++) {
      const v = get(h, o, i);
      h.i32[v >> 2]++;
      try {
        parts.push(PyObject_Repr(h, v));
      } finally {
        Py_DECREF(h, v);
      }
    }
    return open + parts.join(", ") + (tuple && parts.length === 1 ? "," : "") + close;
  } finally {
    h.reprActive.delete(o);
  }
}

function dict_repr(h: HeapState, o: Ref): string {
  if (dict_len(h, o) === 0) return "{}";
  if (repr_enter(h, o)) return "{...}";
  try {
    const parts: string[] = [];
    for (let pos = dict_next(h, o, 0); pos >= 0; pos = dict_next(h, o, pos)) {
      const k = h.dictIterKey;
      const v = h.dictIterValue;
      h.i32[k >> 2]++;
      h.i32[v >> 2]++;
      try {
        parts.push(`${PyObject_Repr(h, k)}: ${PyObject_Repr(h, v)}`);
      } finally {
        Py_DECREF(h, k);
        Py_DECREF(h, v);
      }
    }
    return "{" + parts.join(", ") + "}";
  } finally {
    h.reprActive.delete(o);
  }
}

function set_repr(h: HeapState, o: Ref, t: TypeSlots): string {
  const frozen = is_subtype(t, h.T.frozenset);
  const name = t.heaptype ? t.name : frozen ? "frozenset" : "set";
  if (set_len(h, o) === 0) return `${name}()`;
  if (repr_enter(h, o)) return `${name}(...)`;
  try {
    const parts: string[] = [];
    for (let pos = set_next(h, o, 0); pos >= 0; pos = set_next(h, o, pos)) {
      const k = h.setIterKey;
      h.i32[k >> 2]++;
      try {
        parts.push(PyObject_Repr(h, k));
      } finally {
        Py_DECREF(h, k);
      }
    }
    const body = "{" + parts.join(", ") + "}";
    return t === h.T.set ? body : `${name}(${body})`;
  } finally {
    h.reprActive.delete(o);
  }
}

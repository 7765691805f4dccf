// === objgraph: names, labels and short reprs (layer 3, src/objgraph) ===
//
// Ports, from objgraph 3.6 (objgraph.py, pure Python over the gc module):
// _short_typename, _long_typename, _short_repr / _safe_repr / _name_or_repr,
// _quote, _obj_node_id, _edge_label, _gradient, the "%g" of its colours, and
// _is_identifier; for this heap's types (no modules or frames exist here).
//
// Never mutates the heap, except through what Python code would run too: repr()
// of an object (a class's __repr__), len() (a __len__) and truth testing of a
// bound method's __self__ (a __bool__ / __len__).

import {
  BMETH_ID,
  FUNC_DICT,
  FUNC_MODULE,
  FUNC_NAME,
  FUNC_QUALNAME,
  MANAGED_DICT,
  METH_FUNC,
  METH_SELF,
  OB_SIZE,
  TP_DICT,
} from "../heap/layout.js";
import { PyObject_IsTrue, PyObject_Length } from "../heap/abstract.js";
import { dict_getitem, dict_next } from "../heap/dict.js";
import { PyObject_Repr, PyObject_Str } from "../heap/repr.js";
import type { HeapState, Ref } from "../heap/state.js";
import { unicode_to_js } from "../heap/str.js";
import { is_subtype, slots_of, slots_of_type } from "../heap/typeobject.js";
import type { TypeSlots } from "../heap/typeslots.js";

/** _short_typename: type(obj).__name__ */
export function short_typename(h: HeapState, o: Ref): string {
  return slots_of(h, o).name;
}

/** type.__module__ of `t`: "builtins" for builtin types, the class dict's __module__ for classes */
function type_module(h: HeapState, t: TypeSlots): string | null {
  if (!t.heaptype) return "builtins";
  const d = h.i32[(t.ref + TP_DICT) >> 2];
  const key = h.interned.get("__module__");
  if (d === 0 || key === undefined) return null;
  const m = dict_getitem(h, d, key);
  if (m === 0) return null;
  if (is_subtype(slots_of(h, m), h.T.str)) return unicode_to_js(h, m);
  return PyObject_Str(h, m);
}

/** _long_typename: "module.Name", or just the name when the module is empty */
export function long_typename(h: HeapState, o: Ref): string {
  const t = slots_of(h, o);
  const module = type_module(h, t);
  return module ? `${module}.${t.name}` : t.name;
}

/** the first 40 characters (code points) of a str, as Python's s[:40] */
function first40(s: string): string {
  if (s.length <= 40) return s;
  const cps = Array.from(s);
  return cps.length <= 40 ? s : cps.slice(0, 40).join("");
}

function is_str(h: HeapState, o: Ref): boolean {
  return is_subtype(slots_of(h, o), h.T.str);
}

/** _name_or_repr: value.__name__ if it has a str one, else repr(value)[:40] */
function name_or_repr(h: HeapState, v: Ref): string {
  const t = slots_of(h, v);
  let name: Ref = 0;
  if (is_subtype(t, h.T.type)) return slots_of_type(h, v).name;
  if (is_subtype(t, h.T.builtin_function_or_method)) return h.natives[h.i32[(v + BMETH_ID) >> 2]].name;
  if (is_subtype(t, h.T.function)) name = h.i32[(v + FUNC_NAME) >> 2];
  if (name !== 0 && is_str(h, name)) return unicode_to_js(h, name);
  return first40(PyObject_Repr(h, v));
}

/** _short_repr */
export function short_repr(h: HeapState, o: Ref): string {
  const T = h.T;
  const t = slots_of(h, o);
  if (is_subtype(t, T.type) || is_subtype(t, T.builtin_function_or_method)) return name_or_repr(h, o);
  if (is_subtype(t, T.method)) {
    const name = name_or_repr(h, h.i32[(o + METH_FUNC) >> 2]);
    return PyObject_IsTrue(h, h.i32[(o + METH_SELF) >> 2]) ? name + " (bound)" : name;
  }
  // (objgraph shows a lambda as "lambda: file:line" from its code object; a heap
  // function wraps a JS function and has no code object, so it falls through to repr)
  if (is_subtype(t, T.tuple) || is_subtype(t, T.list) || is_subtype(t, T.dict) || is_subtype(t, T.set)) {
    return `${PyObject_Length(h, o)} items`;
  }
  return first40(PyObject_Repr(h, o));
}

/** _safe_repr: _short_repr, or "(unrepresentable)" if it raises */
export function safe_repr(h: HeapState, o: Ref): string {
  try {
    return short_repr(h, o);
  } catch {
    return "(unrepresentable)";
  }
}

/** _quote: escape for a DOT double-quoted string */
export function quote(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\0/g, "\\\\0");
}

/** _obj_node_id: "o" + id(obj) */
export function node_id(o: Ref): string {
  return "o" + String(o).replace("-", "_");
}

/** _is_identifier: re.compile('[a-zA-Z_][a-zA-Z_0-9]*$').match ($ also matches before a final newline) */
export function is_identifier(s: string): boolean {
  return /^[a-zA-Z_][a-zA-Z_0-9]*\n?$/.test(s);
}

/** Python's "%g" (6 significant digits, trailing zeros removed) */
export function py_g(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const e = x.toExponential(5); // d.ddddde±x, rounded to 6 significant digits
  const [mant, expText] = e.split("e");
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const m = mant.includes(".") ? mant.replace(/0+$/, "").replace(/\.$/, "") : mant;
    const sign = exp < 0 ? "-" : "+";
    return `${m}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const f = x.toFixed(5 - exp);
  return f.includes(".") ? f.replace(/0+$/, "").replace(/\.$/, "") : f;
}

/** _gradient: linear interpolation of an HSV colour by depth */
export function gradient(
  start: readonly [number, number, number],
  end: readonly [number, number, number],
  depth: number,
  max_depth: number,
): [number, number, number] {
  if (max_depth === 0) return [start[0], start[1], start[2]];
  const f = depth / max_depth;
  return [start[0] * (1 - f) + end[0] * f, start[1] * (1 - f) + end[1] * f, start[2] * (1 - f) + end[2] * f];
}

/**
 * `obj.__dict__` when it already exists as a dict object (a class instance's
 * materialised dict, a __dict__ slot, a function's dict); 0 otherwise. (In
 * CPython, reading `__dict__` of an instance whose attributes are still inline
 * creates the dict, which then is not the edge's target; so 0 gives the same label.)
 */
function instance_dict(h: HeapState, o: Ref): Ref {
  const t = slots_of(h, o);
  const i32 = h.i32;
  if (is_subtype(t, h.T.function)) return i32[(o + FUNC_DICT) >> 2];
  if (is_subtype(t, h.T.type)) return 0; // type.__dict__ is a mappingproxy, never the dict itself
  const off = t.dictoffset;
  if (off === 0) return 0;
  if (off === -1) return i32[(o + MANAGED_DICT) >> 2];
  if (off > 0) return i32[(o + off) >> 2];
  // after the items of a variable-size object (_PyObject_VAR_SIZE + tp_dictoffset)
  const n = Math.abs(i32[(o + OB_SIZE) >> 2]);
  return i32[(o + ((t.basicsize + n * t.itemsize + 3) & ~3) + off) >> 2];
}

/** the attributes dir(function) lists whose value a heap function holds, name -> value */
function function_attributes(h: HeapState, f: Ref): [string, Ref][] {
  const i32 = h.i32;
  const attrs: [string, Ref][] = [];
  const d = i32[(f + FUNC_DICT) >> 2];
  if (d !== 0) {
    attrs.push(["__dict__", d]);
    for (let p = dict_next(h, d, 0); p !== -1; p = dict_next(h, d, p)) {
      const k = h.dictIterKey;
      if (is_str(h, k)) attrs.push([unicode_to_js(h, k), h.dictIterValue]);
    }
  }
  const module = i32[(f + FUNC_MODULE) >> 2];
  attrs.push(["__module__", module !== 0 ? module : h.None]);
  attrs.push(["__name__", i32[(f + FUNC_NAME) >> 2]]);
  attrs.push(["__qualname__", i32[(f + FUNC_QUALNAME) >> 2]]);
  // dir() is sorted (by code point; JS < compares UTF-16 units, the same for BMP names)
  attrs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return attrs;
}

/** _edge_label(source, target, shortnames) */
export function edge_label(h: HeapState, source: Ref, target: Ref, shortnames: boolean): string {
  const T = h.T;
  const i32 = h.i32;
  if (is_subtype(slots_of(h, target), T.dict) && target === instance_dict(h, source)) {
    return ' [label="__dict__",weight=10]';
  }
  const st = slots_of(h, source);
  if (is_subtype(st, T.method)) {
    if (target === i32[(source + METH_SELF) >> 2]) return ' [label="__self__",weight=10]';
    if (target === i32[(source + METH_FUNC) >> 2]) return ' [label="__func__",weight=10]';
  }
  if (is_subtype(st, T.function)) {
    for (const [k, v] of function_attributes(h, source)) {
      if (v === target) return ` [label="${quote(k)}",weight=10]`;
    }
  }
  if (is_subtype(st, T.dict)) {
    for (let p = dict_next(h, source, 0); p !== -1; p = dict_next(h, source, p)) {
      if (h.dictIterValue !== target) continue;
      const k = h.dictIterKey;
      if (is_str(h, k)) {
        const ks = unicode_to_js(h, k);
        if (is_identifier(ks)) return ` [label="${quote(ks)}",weight=2]`;
      }
      const tn = shortnames ? short_typename(h, k) : long_typename(h, k);
      return ` [label="${quote(tn + "\n" + safe_repr(h, k))}"]`;
    }
  }
  return "";
}

/** hasattr(type(obj), '__del__') */
export function has_del(h: HeapState, o: Ref): boolean {
  return slots_of(h, o).special.has("__del__");
}


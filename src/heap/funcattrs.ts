// === Attributes of functions, bound methods and builtin methods (layer 3) ===
//
// Ports, from CPython 3.11:
//   Objects/funcobject.c    func_getsetlist / func_memberlist: __name__, __qualname__
//                           (str only), __module__, __doc__, __dict__ (a dict only, never
//                           deleted), and the function's own attributes in its __dict__
//   Objects/classobject.c   method_getattro: __func__, __self__, __doc__, then the
//                           function's attributes (its errors name the function)
//   Objects/methodobject.c  meth_getsets / meth_members: __name__, __qualname__
//                           ("list.append"), __self__, __module__ (None)
//
// The lookup order is PyObject_GenericGetAttr's: the type's data descriptors (these
// names) before the instance __dict__, then the type's own attributes (__class__).
// Differences: a function's __doc__ is None and cannot be assigned (JS functions have
// no docstring, and the function object has no slot for one); builtin methods have no
// docstrings either.
//
// Never touches: calling (call.ts), the objects' layout beyond reading and
// replacing these fields (function.ts owns their life cycle).

import * as L from "./layout.js";
import { PyError } from "./errors.js";
import type { HeapState, Ref } from "./state.js";
import { K_DICT, K_FUNCTION, K_STR } from "./typeslots.js";
import { slots_of } from "./typeobject.js";
import { generic_getattr } from "./attr.js";
import { name_key, intern_js } from "./str.js";
import { dict_delitem, dict_getitem, dict_new, dict_setitem } from "./dict.js";
import { Py_NewRef, set_field, with_ref } from "./refcount.js";

const { BMETH_ID, BMETH_SELF, FUNC_DICT, FUNC_MODULE, FUNC_NAME, FUNC_QUALNAME, METH_FUNC, METH_SELF } = L;

/** a field that may be unset (0), as an attribute: None when unset */
function field_or_none(h: HeapState, o: Ref): Ref {
  return Py_NewRef(h, o !== 0 ? o : h.None);
}

function no_attribute(h: HeapState, op: Ref, name: string): PyError {
  return new PyError("AttributeError", `'${slots_of(h, op).name}' object has no attribute '${name}'`);
}

/** func.__dict__, made on first use (borrowed). */
function func_dict(h: HeapState, f: Ref): Ref {
  let d = h.i32[(f + FUNC_DICT) >> 2];
  if (d === 0) {
    d = dict_new(h);
    h.i32[(f + FUNC_DICT) >> 2] = d;
  }
  return d;
}

/** the function type's tp_getattro: new reference, or AttributeError */
export function func_getattro(h: HeapState, f: Ref, name: string): Ref {
  const i32 = h.i32;
  switch (name) {
    case "__name__":
      return Py_NewRef(h, i32[(f + FUNC_NAME) >> 2]);
    case "__qualname__":
      return Py_NewRef(h, i32[(f + FUNC_QUALNAME) >> 2]);
    case "__module__":
      return field_or_none(h, i32[(f + FUNC_MODULE) >> 2]);
    case "__doc__":
      return Py_NewRef(h, h.None);
    case "__dict__":
      return Py_NewRef(h, func_dict(h, f));
  }
  const d = i32[(f + FUNC_DICT) >> 2];
  const key = name_key(h, name);
  if (d !== 0 && key !== 0) {
    const v = dict_getitem(h, d, key);
    if (v !== 0) return Py_NewRef(h, v);
  }
  const r = generic_getattr(h, f, name);
  if (r === 0) throw no_attribute(h, f, name);
  return r;
}

/** the function type's tp_setattro (value 0: delete) */
export function func_setattro(h: HeapState, f: Ref, name: string, value: Ref): void {
  switch (name) {
    case "__name__":
    case "__qualname__":
      if (value === 0 || slots_of(h, value).kind !== K_STR) throw new PyError("TypeError", `${name} must be set to a string object`);
      set_field(h, f + (name === "__name__" ? FUNC_NAME : FUNC_QUALNAME), Py_NewRef(h, value));
      return;
    case "__module__":
      // a T_OBJECT member: deleting leaves it unset, read back as None
      set_field(h, f + FUNC_MODULE, value === 0 ? 0 : Py_NewRef(h, value));
      return;
    case "__dict__":
      if (value === 0) throw new PyError("TypeError", "cannot delete __dict__");
      if (slots_of(h, value).kind !== K_DICT) {
        throw new PyError("TypeError", `__dict__ must be set to a dictionary, not a '${slots_of(h, value).name}'`);
      }
      set_field(h, f + FUNC_DICT, Py_NewRef(h, value));
      return;
    case "__doc__":
    case "__class__":
      throw new PyError("AttributeError", `'function' object attribute '${name}' is read-only`);
  }
  with_ref(h, intern_js(h, name), (key) => {
    if (value !== 0) {
      dict_setitem(h, func_dict(h, f), key, value);
      return;
    }
    const d = h.i32[(f + FUNC_DICT) >> 2];
    if (d === 0 || dict_getitem(h, d, key) === 0) throw no_attribute(h, f, name);
    dict_delitem(h, d, key);
  });
}

/** method_getattro: __func__, __self__, __doc__, the type's attributes, then the function's. */
export function method_getattro(h: HeapState, m: Ref, name: string): Ref {
  const i32 = h.i32;
  const func = i32[(m + METH_FUNC) >> 2];
  switch (name) {
    case "__func__":
      return Py_NewRef(h, func);
    case "__self__":
      return Py_NewRef(h, i32[(m + METH_SELF) >> 2]);
    case "__class__":
      return generic_getattr(h, m, name);
  }
  return getattr_of(h, func, name);
}

/** PyObject_GetAttr(im_func, name) for method_getattro: the function's own lookup, errors included. */
function getattr_of(h: HeapState, func: Ref, name: string): Ref {
  if (slots_of(h, func).kind === K_FUNCTION) return func_getattro(h, func, name);
  const r = generic_getattr(h, func, name);
  if (r === 0) throw no_attribute(h, func, name);
  return r;
}

/** meth_get__name__ / __qualname__ / __self__ / __module__ of a builtin method */
export function builtin_method_getattro(h: HeapState, m: Ref, name: string): Ref {
  const i32 = h.i32;
  const native = h.natives[i32[(m + BMETH_ID) >> 2]];
  switch (name) {
    case "__name__":
      return intern_js(h, native.name);
    case "__qualname__":
      return intern_js(h, `${native.owner}.${native.name}`);
    case "__self__":
      return field_or_none(h, i32[(m + BMETH_SELF) >> 2]);
    case "__module__":
    case "__doc__":
      return Py_NewRef(h, h.None);
  }
  const r = generic_getattr(h, m, name);
  if (r === 0) throw no_attribute(h, m, name);
  return r;
}

// === Attribute access (layer 3) ===
//
// Ports, from CPython 3.11: _PyType_Lookup (MRO walk over class dicts, cached per
// type and invalidated when a class in the MRO changes), _PyObject_GenericGetAttrWithDict
// and _PyObject_GenericSetAttrWithDict (data descriptors first, then the instance's
// inline values or __dict__, then non-data descriptors: functions bind to methods),
// slot_tp_getattr_hook (__getattr__ only after normal lookup fails), type_getattro /
// type_setattro (class attributes; special-method caches updated, as update_slot),
// and the error texts of AttributeError.
//
// Names are JS strings at this level; class dicts and instance attributes are keyed
// by interned str objects.

import * as L from "./layout.js";
import { PyError } from "./errors.js";
import type { HeapState, Ref } from "./state.js";
import * as K from "./typeslots.js";
import type { TypeSlots } from "./typeslots.js";
import { dict_slot, slots_of, slots_of_type } from "./typeobject.js";
import { intern_js, name_key } from "./str.js";
import { Py_DECREF, Py_XDECREF } from "./refcount.js";
import { builtin_method_new, method_new } from "./function.js";
import { DESCR_GETSET_DICT, DESCR_GETSET_WEAKREF, DESCR_MEMBER, descr_offset, descr_which } from "./descr.js";
import {
  dict_delitem,
  dict_getitem,
  dict_new,
  dict_setitem,
  instance_get_dict,
  instance_getattr_dict,
  instance_setattr_dict,
  instance_values_store,
  shared_keys_index,
} from "./dict.js";
import { call_object } from "./call.js";
import { type_attribute, type_set_special } from "./classobject.js";

// The imported constants as module-local bindings: V8 folds a module's own `const`
// into optimized code but loads an imported binding from its module cell at every
// use (4 field accesses: 2.8 ns local vs 4.4 ns imported, node 20).
const { HT_CACHED_KEYS, MANAGED_VALUES, OB_TYPE, TP_DICT, TP_ID, TP_KIND } = L;
const { K_DESCR, K_FUNCTION, K_TYPE } = K;

/**
 * _PyType_Lookup: the object named `name` in the class dicts along t's MRO
 * (borrowed), or 0. Builtin types have no class dict here; their methods are
 * `natives`.
 */
export function type_lookup(h: HeapState, t: TypeSlots, name: string): Ref {
  const cached = t.lookupCache.get(name);
  if (cached !== undefined) return cached;
  let found: Ref = 0;
  const key = name_key(h, name);
  if (key !== 0) {
    const mro = t.mro;
    for (let i = 0; i < mro.length; i++) {
      const b = mro[i];
      if (!b.heaptype) continue;
      const d = h.i32[(b.ref + TP_DICT) >> 2];
      if (d === 0) continue;
      const v = dict_getitem(h, d, key);
      if (v !== 0) {
        found = v;
        break;
      }
    }
  }
  t.lookupCache.set(name, found);
  return found;
}

/** The native method named `name` along t's MRO, as (id) or -1. */
function native_lookup(h: HeapState, t: TypeSlots, name: string): number {
  const mro = t.mro;
  for (let i = 0; i < mro.length; i++) {
    const id = mro[i].natives.get(name);
    if (id !== undefined) return id;
  }
  return -1;
}

function no_attribute(t: TypeSlots, name: string): PyError {
  return new PyError("AttributeError", `'${t.name}' object has no attribute '${name}'`);
}

/** A descriptor found on the type that is a data descriptor (getset or member). */
function is_data_descr(h: HeapState, d: Ref): boolean {
  const i32 = h.i32;
  return i32[(i32[(d + OB_TYPE) >> 2] + TP_KIND) >> 2] === K_DESCR;
}

/** Read a data descriptor on `obj` (descr.__get__): new reference. */
function descr_get(h: HeapState, d: Ref, obj: Ref, t: TypeSlots, name: string): Ref {
  const which = descr_which(h, d);
  if (which === DESCR_MEMBER) {
    const v = h.i32[(obj + descr_offset(h, d)) >> 2];
    if (v === 0) throw no_attribute(t, name);
    h.i32[v >> 2]++;
    return v;
  }
  if (which === DESCR_GETSET_DICT) return instance_dict(h, obj, t);
  if (which === DESCR_GETSET_WEAKREF) {
    const r = h.weakrefHooks !== null ? h.weakrefHooks.firstWeakref(obj) : 0;
    const v = r !== 0 ? r : h.None;
    h.i32[v >> 2]++;
    return v;
  }
  throw no_attribute(t, name);
}

/** obj.__dict__ (materialised on first use): new reference. */
export function instance_dict(h: HeapState, obj: Ref, t: TypeSlots): Ref {
  if (t.dictoffset === -1) return instance_get_dict(h, obj);
  if (t.dictoffset !== 0) {
    let d = h.i32[dict_slot(h, obj, t) >> 2];
    if (d === 0) {
      d = dict_new(h);
      h.i32[dict_slot(h, obj, t) >> 2] = d;
    }
    h.i32[d >> 2]++;
    return d;
  }
  throw no_attribute(t, "__dict__");
}

/** An attribute from the instance's own storage (borrowed), or 0. */
function instance_attr(h: HeapState, obj: Ref, t: TypeSlots, name: string): Ref {
  const key = name_key(h, name);
  if (key === 0) return 0;
  if (t.dictoffset === -1) return instance_getattr_dict(h, obj, key);
  if (t.dictoffset !== 0) {
    const d = h.i32[dict_slot(h, obj, t) >> 2];
    return d === 0 ? 0 : dict_getitem(h, d, key);
  }
  return 0;
}

/**
 * Note that `name` is an instance attribute of `t` stored inline at the index its key
 * has in t's shared keys (see TypeSlots.attrIndex): called after a generic get or set
 * found no data descriptor and used the instance's managed dict.
 */
function attr_index_note(h: HeapState, t: TypeSlots, name: string, key: Ref): void {
  if (t.proto.tp_getattro !== undefined || t.proto.tp_setattro !== undefined || name === "__class__") return;
  const keys = h.i32[(t.ref + HT_CACHED_KEYS) >> 2];
  if (keys === 0 || h.i32[(key + OB_TYPE) >> 2] !== h.strType) return;
  const ix = shared_keys_index(h, keys, key);
  if (ix >= 0) t.attrIndex.set(name, ix);
}

/** PyObject_GetAttr: new reference; AttributeError when missing. */
export function getattr(h: HeapState, obj: Ref, name: string): Ref {
  const i32 = h.i32;
  const tp = i32[(obj + OB_TYPE) >> 2];
  const ts = h.types[i32[(tp + TP_ID) >> 2]];
  if (ts.dictoffset === -1) {
    // LOAD_ATTR_INSTANCE_VALUE: a name with no data descriptor, set in the inline values
    const ix = ts.attrIndex.get(name);
    if (ix >= 0) {
      const values = i32[(obj + MANAGED_VALUES) >> 2];
      if (values !== 0) {
        const v = i32[(values >> 2) + ix];
        if (v !== 0) {
          i32[v >> 2]++;
          return v;
        }
      }
    }
  }
  return getattr_generic(h, obj, name);
}

function getattr_generic(h: HeapState, obj: Ref, name: string): Ref {
  const tp = h.i32[(obj + OB_TYPE) >> 2];
  if (h.i32[(tp + TP_KIND) >> 2] !== K_TYPE) {
    // a type's own tp_getattro raises its own AttributeError (a proxy's names the referent)
    const ts = slots_of(h, obj);
    if (ts.proto.tp_getattro !== undefined && !ts.special.has("__getattr__")) return ts.proto.tp_getattro(h, obj, name);
  }
  const r = getattr_maybe(h, obj, name);
  if (r !== 0) return r;
  const t = slots_of(h, obj);
  const ga = t.special.get("__getattr__");
  if (ga !== undefined) {
    const key = intern_js(h, name);
    try {
      return call_object(h, ga, [obj, key], null);
    } finally {
      Py_DECREF(h, key);
    }
  }
  // type_getattro's own text for classes and builtin types
  if (t.kind === K_TYPE) {
    throw new PyError("AttributeError", `type object '${slots_of_type(h, obj).name}' has no attribute '${name}'`);
  }
  throw no_attribute(t, name);
}

/** Normal attribute lookup without __getattr__: new reference or 0. */
export function getattr_maybe(h: HeapState, obj: Ref, name: string): Ref {
  const i32 = h.i32;
  const type = i32[(obj + OB_TYPE) >> 2];
  if (i32[(type + TP_KIND) >> 2] === K_TYPE) return type_attribute(h, slots_of_type(h, obj), name);
  const t = slots_of(h, obj);
  if (t.proto.tp_getattro !== undefined) {
    try {
      return t.proto.tp_getattro(h, obj, name);
    } catch (e) {
      if (e instanceof PyError && e.pytype === "AttributeError") return 0;
      throw e;
    }
  }
  return generic_getattr(h, obj, name);
}

/**
 * PyObject_GenericGetAttr without __getattr__ (for types whose tp_getattro handles
 * a few names of its own and defers the rest): new reference or 0.
 */
export function generic_getattr(h: HeapState, obj: Ref, name: string): Ref {
  const type = h.i32[(obj + OB_TYPE) >> 2];
  const t = slots_of(h, obj);
  if (name === "__class__") {
    h.i32[type >> 2]++;
    return type;
  }
  const descr = t.heaptype ? type_lookup(h, t, name) : 0;
  if (descr !== 0 && is_data_descr(h, descr)) {
    try {
      return descr_get(h, descr, obj, t, name);
    } catch (e) {
      if (e instanceof PyError && e.pytype === "AttributeError") return 0;
      throw e;
    }
  }
  const v = instance_attr(h, obj, t, name);
  if (v !== 0) {
    h.i32[v >> 2]++;
    if (t.dictoffset === -1 && h.i32[(obj + MANAGED_VALUES) >> 2] !== 0) attr_index_note(h, t, name, name_key(h, name));
    return v;
  }
  if (descr !== 0) {
    const j32 = h.i32;
    if (j32[(j32[(descr + OB_TYPE) >> 2] + TP_KIND) >> 2] === K_FUNCTION) return method_new(h, descr, obj);
    j32[descr >> 2]++;
    return descr;
  }
  const id = native_lookup(h, t, name);
  if (id >= 0) return builtin_method_new(h, obj, id);
  return 0;
}

/** PyObject_SetAttr (value != 0) and PyObject_DelAttr (value == 0). */
export function setattr(h: HeapState, obj: Ref, name: string, value: Ref): void {
  const i32 = h.i32;
  const type = i32[(obj + OB_TYPE) >> 2];
  const ts = h.types[i32[(type + TP_ID) >> 2]];
  if (ts.dictoffset === -1 && value !== 0) {
    // STORE_ATTR_INSTANCE_VALUE: a name with no data descriptor whose key is in the
    // class's shared keys, on an instance that still has inline values
    const ix = ts.attrIndex.get(name);
    if (ix >= 0) {
      const values = i32[(obj + MANAGED_VALUES) >> 2];
      if (values !== 0) {
        instance_values_store(h, values, ix, value);
        return;
      }
    }
  }
  if (i32[(type + TP_KIND) >> 2] === K_TYPE) {
    type_setattr(h, slots_of_type(h, obj), name, value);
    return;
  }
  const t = slots_of(h, obj);
  if (t.proto.tp_setattro !== undefined) {
    t.proto.tp_setattro(h, obj, name, value);
    return;
  }
  generic_setattr(h, obj, name, value);
}

/** PyObject_GenericSetAttr (value 0 = delete), for tp_setattro slots that defer to it. */
export function generic_setattr(h: HeapState, obj: Ref, name: string, value: Ref): void {
  const t = slots_of(h, obj);
  if (!t.heaptype) {
    if (native_lookup(h, t, name) >= 0) {
      throw new PyError("AttributeError", `'${t.name}' object attribute '${name}' is read-only`);
    }
    throw no_attribute(t, name);
  }
  const descr = type_lookup(h, t, name);
  if (descr !== 0 && is_data_descr(h, descr)) {
    const which = descr_which(h, descr);
    if (which === DESCR_MEMBER) {
      const addr = obj + descr_offset(h, descr);
      const old = h.i32[addr >> 2];
      if (value === 0) {
        // PyMember_SetOne (T_OBJECT_EX): deleting an unset slot names only the member
        if (old === 0) throw new PyError("AttributeError", name);
        h.i32[addr >> 2] = 0;
        Py_DECREF(h, old);
        return;
      }
      h.i32[value >> 2]++;
      h.i32[addr >> 2] = value;
      Py_XDECREF(h, old);
      return;
    }
    if (which === DESCR_GETSET_WEAKREF) {
      throw new PyError("AttributeError", `attribute '__weakref__' of '${t.name}' objects is not writable`);
    }
    if (which === DESCR_GETSET_DICT) {
      throw new PyError("TypeError", "this port does not support assigning to __dict__");
    }
  }
  if (t.dictoffset === -1) {
    // the canonical name object if there is one (borrowed); interning a new name
    // makes one, which the instance then owns
    let key = name_key(h, name);
    let ok: boolean;
    if (key !== 0) {
      ok = instance_setattr_dict(h, obj, h.i32[(t.ref + HT_CACHED_KEYS) >> 2], key, value);
      if (ok && value !== 0 && h.i32[(obj + MANAGED_VALUES) >> 2] !== 0) attr_index_note(h, t, name, key);
    } else {
      if (value === 0) throw no_attribute(t, name);
      key = intern_js(h, name);
      try {
        ok = instance_setattr_dict(h, obj, h.i32[(t.ref + HT_CACHED_KEYS) >> 2], key, value);
      } finally {
        Py_DECREF(h, key);
      }
    }
    if (!ok) throw no_attribute(t, name);
    return;
  }
  if (t.dictoffset !== 0) {
    let d = h.i32[dict_slot(h, obj, t) >> 2];
    if (value === 0) {
      const key = name_key(h, name);
      if (d === 0 || key === 0 || dict_getitem(h, d, key) === 0) throw no_attribute(t, name);
      dict_delitem(h, d, key);
      return;
    }
    if (d === 0) {
      d = dict_new(h);
      h.i32[dict_slot(h, obj, t) >> 2] = d;
    }
    const key = intern_js(h, name);
    try {
      dict_setitem(h, d, key, value);
    } finally {
      Py_DECREF(h, key);
    }
    return;
  }
  throw no_attribute(t, name);
}

/** type_setattro for classes: store in the class dict, refresh caches. */
export function type_setattr(h: HeapState, t: TypeSlots, name: string, value: Ref): void {
  if (!t.heaptype) {
    throw new PyError(
      "TypeError",
      `cannot set '${name}' attribute of immutable type '${t.name}'`,
    );
  }
  const d = h.i32[(t.ref + TP_DICT) >> 2];
  const key = intern_js(h, name);
  try {
    if (value === 0) {
      if (dict_getitem(h, d, key) === 0) {
        throw new PyError("AttributeError", `type object '${t.name}' has no attribute '${name}'`);
      }
      dict_delitem(h, d, key);
    } else {
      dict_setitem(h, d, key, value);
    }
  } finally {
    Py_DECREF(h, key);
  }
  invalidate_lookup(t);
  if (name.startsWith("__") && name.endsWith("__")) type_set_special(h, t, name);
}

/** Clear the _PyType_Lookup caches of t and every class derived from it. */
export function invalidate_lookup(t: TypeSlots): void {
  t.lookupCache.clear();
  t.attrIndex.clear();
  for (const s of t.subclasses) {
    s.lookupCache.clear();
    s.attrIndex.clear();
  }
}

/** hasattr(o, name) */
export function hasattr(h: HeapState, obj: Ref, name: string): boolean {
  let r: Ref;
  try {
    r = getattr(h, obj, name);
  } catch (e) {
    if (e instanceof PyError && e.pytype === "AttributeError") return false;
    throw e;
  }
  Py_DECREF(h, r);
  return true;
}


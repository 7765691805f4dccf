// === Classes: type objects made by defineClass (layer 3) ===
//
// Ports, from CPython 3.11 Objects/typeobject.c: type_new's layout decisions
// (type_new_slots_impl / type_new_visit_slots / type_new_copy_slots: "nonempty
// __slots__ not supported" over a variable-size base, identifier and __dict__ /
// __weakref__ checks, private names mangled (_Py_Mangle), conflicts with class
// variables, the slot names sorted; type_new_descriptors: members at sorted offsets
// after the base's fields, a __dict__ slot after the items (tp_dictoffset =
// -sizeof(PyObject *)) over a base with an item size (int, tuple, bytes), a weakref
// list when the base has none and no item size, a managed dict otherwise; GC for
// every class unless spec.gc is false over a non-GC base), the class dict's contents
// (__module__, __doc__, __dict__/__weakref__ getset descriptors, one member
// descriptor per slot, the methods), tp_mro and tp_bases tuples, ht_slots (the
// sorted names), ht_cached_keys, the rule that defining __eq__ without __hash__ sets
// __hash__ = None, type_dealloc, type_traverse, type_clear, and type_getattro for
// classes.
//
// A class is a GC-tracked heap type object; it is in a cycle with its own dict
// (through the descriptors and functions' qualnames) and its mro tuple, so only
// the collector frees it, as in CPython.

import {
  SIZEOF_PTR,
  HT_CACHED_KEYS,
  HT_QUALNAME,
  HT_SLOTS,
  OB_TYPE,
  Py_TPFLAGS_BASETYPE,
  Py_TPFLAGS_HEAPTYPE,
  Py_TPFLAGS_MANAGED_DICT,
  TP_BASE,
  TP_BASES,
  TP_DICT,
  TP_FLAGS,
  TP_KIND,
  TP_MRO,
  TP_NAME,
  TP_WEAKLIST,
  TP_XFLAGS,
  XF_FINALIZE,
  XF_LEGACY_DEL,
} from "./layout.js";
import { PyError } from "./errors.js";
import { gc_track, gc_untrack, object_free } from "./object.js";
import { Py_CLEAR, Py_DECREF } from "./refcount.js";
import type { HeapState, JsCallable, Ref } from "./state.js";
import { K_TYPE, type TypeSlots, type Visit } from "./typeslots.js";
import { DICTOFFSET_MANAGED, DICTOFFSET_VAR, new_type, slots_of_type } from "./typeobject.js";
import { intern_js, str_literal, unicode_to_js } from "./str.js";
import { tuple_from_array } from "./tuple.js";
import { function_new, builtin_method_new } from "./function.js";
import { DESCR_GETSET_DICT, DESCR_GETSET_WEAKREF, DESCR_MEMBER, descr_new } from "./descr.js";
import { dict_clear, dict_getitem, dict_keys_decref, dict_new, dict_new_keys_for_class, dict_setitem } from "./dict.js";
import { subtype_clear, subtype_dealloc, subtype_traverse } from "./instance.js";
import { type_lookup, invalidate_lookup } from "./attr.js";
import { mappingproxy_new } from "./mappingproxy.js";

export interface ClassSpec {
  slots?: string[];
  base?: string | Ref;
  methods?: Record<string, (self: Ref, ...args: Ref[]) => Ref | void>;
  del?: (self: Ref) => void;
  legacyDel?: (self: Ref) => void;
  gc?: boolean;
  /** __module__ (default "__main__") */
  module?: string;
}

/** Builtin types a class may derive from by name. */
const BASE_NAMES = ["object", "list", "dict", "set", "str", "int", "tuple", "frozenset", "bytes", "float"] as const;

function resolve_base(h: HeapState, base: string | Ref | undefined): TypeSlots {
  if (base === undefined) return h.T.object;
  if (typeof base === "string") {
    if (!(BASE_NAMES as readonly string[]).includes(base)) {
      throw new PyError("TypeError", `type '${base}' is not an acceptable base type`);
    }
    return (h.T as unknown as Record<string, TypeSlots>)[base];
  }
  const i32 = h.i32;
  if (base <= 0 || i32[(i32[(base + OB_TYPE) >> 2] + TP_KIND) >> 2] !== K_TYPE) {
    throw new PyError("TypeError", "a class base must be a type");
  }
  const t = slots_of_type(h, base);
  if ((i32[(t.ref + TP_FLAGS) >> 2] & Py_TPFLAGS_BASETYPE) === 0) {
    throw new PyError("TypeError", `type '${t.name}' is not an acceptable base type`);
  }
  return t;
}


/** type_set_special: a dunder of t changed; refresh t's and its subclasses' special caches. */
export function type_set_special(h: HeapState, t: TypeSlots, name: string): void {
  for (const c of [t, ...t.subclasses]) {
    const v = type_lookup(h, c, name);
    if (v === 0) c.special.delete(name);
    else c.special.set(name, v);
    set_xflags(h, c);
  }
}

function set_xflags(h: HeapState, t: TypeSlots): void {
  let x = h.i32[(t.ref + TP_XFLAGS) >> 2] & ~(XF_FINALIZE | XF_LEGACY_DEL);
  if (t.special.has("__del__")) x |= XF_FINALIZE;
  if (t.legacyDel !== null) x |= XF_LEGACY_DEL;
  h.i32[(t.ref + TP_XFLAGS) >> 2] = x;
}

/** _Py_Mangle: a private name (`__x`, not `__x__`, no dot) in class `cls` becomes `_cls__x`. */
export function mangle(cls: string, name: string): string {
  if (!name.startsWith("__") || name.endsWith("__") || name.includes(".")) return name;
  const stripped = cls.replace(/^_+/, "");
  return stripped === "" ? name : `_${stripped}${name}`;
}

/** The layout type_new gives a class: its own slot names (mangled, sorted) and where things go. */
interface ClassLayout {
  /** ht_slots: the member names, mangled and sorted (no __dict__ / __weakref__) */
  own: string[];
  addDict: boolean;
  addWeak: boolean;
}

/**
 * type_new_slots_impl: check __slots__ against the base and the class body, and
 * return the names to lay out. Without __slots__ a class gets a __dict__ unless the
 * base has one, and a weakref list unless the base has one or has an item size.
 */
function class_layout(name: string, base: TypeSlots, spec: ClassSpec): ClassLayout {
  const mayAddDict = base.dictoffset === 0;
  const mayAddWeak = base.weaklistoffset === 0 && base.itemsize === 0;
  const slotNames = spec.slots;
  if (slotNames === undefined) return { own: [], addDict: mayAddDict, addWeak: mayAddWeak };
  if (slotNames.length > 0 && base.itemsize !== 0) {
    throw new PyError("TypeError", `nonempty __slots__ not supported for subtype of '${base.name}'`);
  }
  // type_new_visit_slots
  let addDict = false;
  let addWeak = false;
  for (const s of slotNames) {
    if (typeof s !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) {
      throw new PyError("TypeError", "__slots__ must be identifiers");
    }
    if (s === "__dict__") {
      if (!mayAddDict || addDict) throw new PyError("TypeError", "__dict__ slot disallowed: we already got one");
      addDict = true;
    }
    if (s === "__weakref__") {
      if (!mayAddWeak || addWeak) {
        throw new PyError("TypeError", "__weakref__ slot disallowed: either we already got one, or __itemsize__ != 0");
      }
      addWeak = true;
    }
  }
  // type_new_copy_slots: mangled, checked against the class body, sorted
  const body = new Set(["__module__", "__slots__", ...Object.keys(spec.methods ?? {})]);
  if (spec.del !== undefined) body.add("__del__");
  const own: string[] = [];
  for (const s of slotNames) {
    if ((addDict && s === "__dict__") || (addWeak && s === "__weakref__")) continue;
    const m = mangle(name, s);
    if (body.has(m)) throw new PyError("ValueError", `'${m}' in __slots__ conflicts with class variable`);
    own.push(m);
  }
  own.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)); // PyList_Sort: code point order
  return { own, addDict, addWeak };
}

/** defineClass: a new class (type object), new reference. */
export function define_class(h: HeapState, name: string, spec: ClassSpec): Ref {
  const base = resolve_base(h, spec.base);
  const { own, addDict, addWeak } = class_layout(name, base, spec);
  // a subclass of a GC type is a GC type whatever the spec says (inherit_special):
  // the base's code links and unlinks the GC head of every instance
  const wantGC = spec.gc !== false || base.isGC;
  // type_new_descriptors: members after the base's fields, in sorted order
  let slotoffset = base.basicsize;
  const slotOffsets = new Map(base.slotOffsets);
  const members: number[] = [];
  for (const s of own) {
    slotOffsets.set(s, slotoffset);
    members.push(slotoffset);
    slotoffset += SIZEOF_PTR;
  }
  let dictoffset = base.dictoffset;
  if (addDict && base.itemsize !== 0) {
    // a __dict__ slot after the items: _PyObject_GetDictPtr counts it from the end
    dictoffset = DICTOFFSET_VAR;
    slotoffset += SIZEOF_PTR;
  } else if (addDict && !wantGC) {
    // this port's gc: false classes: a __dict__ pointer inside the object (3.10's layout)
    dictoffset = slotoffset;
    slotoffset += SIZEOF_PTR;
  }
  let weaklistoffset = base.weaklistoffset;
  if (addWeak) {
    weaklistoffset = slotoffset;
    slotoffset += SIZEOF_PTR;
  }
  // 3.11: a managed dict (attributes inline in a values block, in the pre-header)
  if (addDict && base.itemsize === 0 && wantGC) dictoffset = DICTOFFSET_MANAGED;
  // type_new_alloc (3.11): "All heap types need GC, since we can create a reference
  // cycle by storing an instance on one of its parents" -- `__slots__ = ()` included;
  // only an explicit `gc: false` (over a non-GC base) makes a class without GC
  const isGC = wantGC;
  const inheritedFlags = h.i32[(base.ref + TP_FLAGS) >> 2] & 0x3f000000; // *_SUBCLASS flags
  const t = new_type(h, h.T.type, {
    name,
    kind: base.kind,
    base,
    basicsize: slotoffset,
    itemsize: base.itemsize,
    flags: inheritedFlags | Py_TPFLAGS_BASETYPE | (dictoffset === DICTOFFSET_MANAGED ? Py_TPFLAGS_MANAGED_DICT : 0),
    isGC,
    heaptype: true,
    dictoffset,
    weaklistoffset,
    slotOffsets,
    members,
    tp_dealloc: subtype_dealloc,
    tp_traverse: isGC ? subtype_traverse : null,
    tp_clear: isGC ? subtype_clear : null,
  });
  const tref = t.ref;
  t.legacyDel = (spec.legacyDel as JsCallable | undefined) ?? base.legacyDel;
  try {
    build_class_dict(h, t, base, name, spec, own, addDict, addWeak);
  } catch (e) {
    // the half-built class is in cycles with its dict (descriptors' d_type) and its
    // mro tuple, and is not tracked yet: break them so that the release frees it
    type_clear(h, tref);
    Py_DECREF(h, tref);
    throw e;
  }
  // special methods: the base's (already resolved along its MRO), overridden by our own
  const ownSpecial = new Map(t.special);
  t.special.clear();
  if (base.heaptype) for (const [k, v] of base.special) t.special.set(k, v);
  for (const [k, v] of ownSpecial) t.special.set(k, v);
  set_xflags(h, t);
  gc_track(h, tref);
  return tref;
}

function build_class_dict(
  h: HeapState,
  t: TypeSlots,
  base: TypeSlots,
  name: string,
  spec: ClassSpec,
  own: string[],
  addDict: boolean,
  addWeak: boolean,
): void {
  const tref = t.ref;
  const i32 = h.i32;
  i32[(tref + TP_NAME) >> 2] = str_literal(h, name);
  h.i32[(tref + HT_QUALNAME) >> 2] = str_literal(h, name);
  h.i32[base.ref >> 2]++;
  h.i32[(tref + TP_BASE) >> 2] = base.ref;
  h.i32[(tref + TP_BASES) >> 2] = tuple_from_array(h, [base.ref]);
  const mroRefs = t.mro.map((m) => m.ref);
  h.i32[(tref + TP_MRO) >> 2] = tuple_from_array(h, mroRefs);
  if (t.dictoffset === DICTOFFSET_MANAGED) h.i32[(tref + HT_CACHED_KEYS) >> 2] = dict_new_keys_for_class(h); // per class in 3.11
  const d = dict_new(h);
  h.i32[(tref + TP_DICT) >> 2] = d;
  const set = (key: string, value: Ref, owned: boolean): void => {
    const k = intern_js(h, key);
    try {
      dict_setitem(h, d, k, value);
    } finally {
      Py_DECREF(h, k);
      if (owned) Py_DECREF(h, value);
    }
  };
  const moduleName = spec.module ?? "__main__";
  set("__module__", str_literal(h, moduleName), true);
  const module = dict_getitem(h, d, h.interned.get("__module__")!);
  if (spec.slots !== undefined) {
    // ht_slots: the member names, mangled and sorted (type_new_copy_slots' PyList_AsTuple)
    const sorted = own.map((s) => intern_js(h, s));
    try {
      h.i32[(tref + HT_SLOTS) >> 2] = tuple_from_array(h, sorted);
    } finally {
      for (const n of sorted) Py_DECREF(h, n);
    }
    // the class body's `__slots__ = (...)`: the names as given, a constant tuple
    const names = spec.slots.map((s) => str_literal(h, s));
    let tup: Ref;
    try {
      tup = tuple_from_array(h, names);
    } finally {
      for (const n of names) Py_DECREF(h, n);
    }
    gc_untrack(h, tup); // a compile-time constant tuple, as `__slots__ = ('x',)` is
    set("__slots__", tup, true);
  }
  for (const [mname, fn] of Object.entries(spec.methods ?? {})) {
    const f = make_method(h, name, mname, fn as JsCallable, module);
    set(mname, f, true);
    if (mname.startsWith("__") && mname.endsWith("__")) t.special.set(mname, dict_getitem(h, d, h.interned.get(mname)!));
  }
  if (spec.del !== undefined) {
    const f = make_method(h, name, "__del__", spec.del as JsCallable, module);
    set("__del__", f, true);
    t.special.set("__del__", dict_getitem(h, d, h.interned.get("__del__")!));
  }
  if (spec.methods?.["__eq__"] !== undefined && spec.methods?.["__hash__"] === undefined) {
    set("__hash__", h.None, false);
    t.special.set("__hash__", h.None);
  }
  for (const s of own) {
    const k = intern_js(h, s);
    const m = descr_new(h, h.T.member_descriptor, tref, k, DESCR_MEMBER, t.slotOffsets.get(s)!);
    Py_DECREF(h, k);
    set(s, m, true);
  }
  if (addDict) {
    const k = intern_js(h, "__dict__");
    const g = descr_new(h, h.T.getset_descriptor, tref, k, DESCR_GETSET_DICT, 0);
    Py_DECREF(h, k);
    set("__dict__", g, true);
  }
  if (addWeak) {
    const k = intern_js(h, "__weakref__");
    const g = descr_new(h, h.T.getset_descriptor, tref, k, DESCR_GETSET_WEAKREF, 0);
    Py_DECREF(h, k);
    set("__weakref__", g, true);
  }
  set("__doc__", h.None, false);
}

function make_method(h: HeapState, cls: string, name: string, fn: JsCallable, module: Ref): Ref {
  const n = str_literal(h, name);
  const q = str_literal(h, `${cls}.${name}`);
  try {
    return function_new(h, fn, n, q, module);
  } finally {
    Py_DECREF(h, n);
    Py_DECREF(h, q);
  }
}

/** type_dealloc for classes. */
export function type_dealloc(h: HeapState, op: Ref): void {
  const t = slots_of_type(h, op);
  gc_untrack(h, op);
  if (h.i32[(op + TP_WEAKLIST) >> 2] !== 0) h.weakrefHooks?.clearWeakRefs(op);
  for (const b of t.mro) {
    const i = b.subclasses.indexOf(t);
    if (i >= 0) b.subclasses.splice(i, 1);
  }
  Py_CLEAR(h, op + TP_BASE);
  Py_CLEAR(h, op + TP_DICT);
  Py_CLEAR(h, op + TP_BASES);
  Py_CLEAR(h, op + TP_MRO);
  Py_CLEAR(h, op + TP_NAME);
  Py_CLEAR(h, op + HT_QUALNAME);
  Py_CLEAR(h, op + HT_SLOTS);
  const keys = h.i32[(op + HT_CACHED_KEYS) >> 2];
  if (keys !== 0) {
    h.i32[(op + HT_CACHED_KEYS) >> 2] = 0;
    dict_keys_decref(h, keys);
  }
  const metatype = h.i32[(op + OB_TYPE) >> 2];
  object_free(h, op, h.T.type);
  h.types[t.id] = undefined as unknown as TypeSlots;
  h.typeIdsFree.push(t.id);
  Py_DECREF(h, metatype);
}

/** type_traverse (classes): dict, mro, bases, base. */
export function type_traverse<A>(h: HeapState, op: Ref, visit: Visit<A>, arg: A): void {
  const i32 = h.i32;
  if ((i32[(op + TP_FLAGS) >> 2] & Py_TPFLAGS_HEAPTYPE) === 0) return; // static types are not traversed
  let v = i32[(op + TP_DICT) >> 2];
  if (v !== 0) visit(h, v, arg);
  v = h.i32[(op + TP_MRO) >> 2];
  if (v !== 0) visit(h, v, arg);
  v = h.i32[(op + TP_BASES) >> 2];
  if (v !== 0) visit(h, v, arg);
  v = h.i32[(op + TP_BASE) >> 2];
  if (v !== 0) visit(h, v, arg);
}

/** type_clear (classes): the dict's contents and the mro. */
export function type_clear(h: HeapState, op: Ref): void {
  const t = slots_of_type(h, op);
  // HT_CACHED_KEYS stays until type_dealloc (as 3.12 does): instances of this
  // class in the same trash are cleared after it, and clearing their inline
  // values needs the shared keys
  t.special.clear();
  invalidate_lookup(t);
  const d = h.i32[(op + TP_DICT) >> 2];
  if (d !== 0) dict_clear(h, d);
  Py_CLEAR(h, op + TP_MRO);
}

/** type_getattro for a class or builtin type object: new reference. */
export function type_attribute(h: HeapState, t: TypeSlots, name: string): Ref {
  const i32 = h.i32;
  const tref = t.ref;
  let v: Ref = 0;
  switch (name) {
    case "__name__":
      v = i32[(tref + TP_NAME) >> 2];
      break;
    case "__qualname__":
      v = t.heaptype ? i32[(tref + HT_QUALNAME) >> 2] : i32[(tref + TP_NAME) >> 2];
      break;
    case "__mro__":
      v = i32[(tref + TP_MRO) >> 2];
      break;
    case "__bases__":
      v = i32[(tref + TP_BASES) >> 2];
      break;
    case "__base__":
      v = i32[(tref + TP_BASE) >> 2] || h.None;
      break;
    case "__class__":
      v = i32[(tref + OB_TYPE) >> 2];
      break;
    case "__dict__": {
      // type.__dict__['__dict__'], a data descriptor of the metatype: it wins over the
      // class's own '__dict__' entry (the instances' getset descriptor)
      const d = i32[(tref + TP_DICT) >> 2];
      if (d !== 0) return mappingproxy_new(h, d);
      break;
    }
  }
  if (v !== 0) {
    h.i32[v >> 2]++;
    return v;
  }
  const found = type_lookup(h, t, name);
  if (found !== 0) {
    h.i32[found >> 2]++;
    return found;
  }
  for (const b of t.mro) {
    const id = b.natives.get(name);
    if (id !== undefined) return builtin_method_new(h, 0, id);
  }
  if (name === "__module__" && !t.heaptype) return str_literal(h, "builtins");
  if (name === "__doc__") {
    h.i32[h.None >> 2]++;
    return h.None;
  }
  return 0;
}

/** The qualified name used in reprs: "__main__.Node" or "int". */
export function type_qualified_name(h: HeapState, t: TypeSlots): string {
  if (!t.heaptype) return t.name;
  const d = h.i32[(t.ref + TP_DICT) >> 2];
  const key = h.interned.get("__module__");
  if (d !== 0 && key !== undefined) {
    const m = dict_getitem(h, d, key);
    const i32 = h.i32;
    if (m !== 0 && i32[(m + OB_TYPE) >> 2] === h.T.str.ref) {
      const mod = unicode_to_js(h, m);
      const qn = unicode_to_js(h, i32[(t.ref + HT_QUALNAME) >> 2]);
      return mod === "builtins" ? qn : `${mod}.${qn}`;
    }
  }
  return t.name;
}


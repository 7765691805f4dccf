// === Type objects (layer 3) ===
//
// Ports, from CPython 3.11 Objects/typeobject.c: the parts of PyType_Ready that
// fill a type's sizes, flags, base and MRO; PyType_IsSubtype; _PyType_PreHeaderSize;
// _PyType_AllocNoTrack (PyType_GenericAlloc without the tracking); and from
// Objects/object.c _PyObject_VAR_SIZE and _PyObject_GetDictPtr's dict slot address
// (tp_dictoffset > 0 from the start; < 0, other than the managed-dict marker -1,
// from the end of a variable-size object, as int/tuple/bytes subclasses have it).
// Classes made by defineClass are built in classobject.ts on top of this file.
//
// A type is two halves: the type object in linear memory (TP_* in layout.ts; its
// ob_type is `type`) and its TypeSlots in HeapState.types[TP_ID]. Builtin types
// are allocated once when the heap starts, carry a GC head but are never tracked
// (like CPython's static types) and are never freed.

import * as L from "./layout.js";
import { memoryError } from "./errors.js";
import { gc_alloc } from "./object.js";
import type { HeapState, Ref } from "./state.js";
import { AttrIndex, type Kind, type ProtocolSlots, type TypeSlots, type Visit } from "./typeslots.js";

// The imported constants as module-local bindings: V8 folds a module's own `const`
// into optimized code but loads an imported binding from its module cell at every
// use (4 field accesses: 2.8 ns local vs 4.4 ns imported, node 20).
const { GC_HEAD_OFFSET, GC_NEXT, GC_PREV, HT_CACHED_KEYS, HT_QUALNAME, HT_SLOTS, OB_REFCNT, OB_TYPE, OB_SIZE, SIZEOF_PTR, SIZEOF_PYOBJECT, Py_TPFLAGS_HAVE_GC, Py_TPFLAGS_HEAPTYPE, Py_TPFLAGS_READY, SIZEOF_GC_HEAD, SIZEOF_MANAGED_PREHEADER, SIZEOF_TYPE, TP_BASE, TP_BASES, TP_BASICSIZE, TP_DICT, TP_DICTOFFSET, TP_FLAGS, TP_ID, TP_ITEMSIZE, TP_KIND, TP_MRO, TP_NAME, TP_WEAKLIST, TP_WEAKLISTOFFSET, TP_XFLAGS, XF_BUILTIN } = L;

/** Refcount given to objects that live as long as the heap (3.11's _PyObject_IMMORTAL_REFCNT). */
export const IMMORTAL_REFCNT = 999999999;

export interface TypeSpec {
  name: string;
  kind: Kind;
  base: TypeSlots | null;
  basicsize: number;
  itemsize?: number;
  flags?: number;
  isGC?: boolean;
  heaptype?: boolean;
  dictoffset?: number;
  weaklistoffset?: number;
  slotOffsets?: Map<string, number>;
  members?: number[];
  tp_dealloc: (h: HeapState, op: Ref) => void;
  tp_traverse?: (<A>(h: HeapState, op: Ref, visit: Visit<A>, arg: A) => void) | null;
  tp_clear?: ((h: HeapState, op: Ref) => void) | null;
  proto?: ProtocolSlots;
}

/** _PyType_PreHeaderSize: bytes an instance needs before its PyObject. */
export function preheader_size(isGC: boolean, dictoffset: number): number {
  return (isGC ? SIZEOF_GC_HEAD : 0) + (dictoffset === -1 ? SIZEOF_MANAGED_PREHEADER : 0);
}

/**
 * Allocate a type object in linear memory and its TypeSlots. `metatype` is the
 * `type` type (0 only while bootstrapping `type` itself). Builtin types are not
 * tracked; heap types are tracked by their creator once fully built.
 */
export function new_type(h: HeapState, metatype: TypeSlots | null, spec: TypeSpec): TypeSlots {
  const mem = h.alloc.malloc(SIZEOF_GC_HEAD + SIZEOF_TYPE);
  if (mem === 0) throw memoryError();
  const t = mem + SIZEOF_GC_HEAD;
  const i32 = h.i32;
  h.u8.fill(0, mem, mem + SIZEOF_GC_HEAD + SIZEOF_TYPE);
  const heaptype = spec.heaptype === true;
  const isGC = spec.isGC === true;
  const dictoffset = spec.dictoffset ?? 0;
  const id = h.typeIdsFree.length > 0 ? h.typeIdsFree.pop()! : h.types.length;
  const slots: TypeSlots = {
    id,
    ref: t,
    name: spec.name,
    kind: spec.kind,
    base: spec.base,
    mro: [],
    heaptype,
    isGC,
    basicsize: spec.basicsize,
    itemsize: spec.itemsize ?? 0,
    dictoffset,
    weaklistoffset: spec.weaklistoffset ?? 0,
    presize: preheader_size(isGC, dictoffset),
    slotOffsets: spec.slotOffsets ?? new Map(),
    members: spec.members ?? [],
    natives: new Map<string, number>(),
    legacyDel: null,
    special: new Map(),
    lookupCache: new Map(),
    attrIndex: new AttrIndex(),
    subclasses: [],
    tp_dealloc: spec.tp_dealloc,
    tp_traverse: spec.tp_traverse ?? null,
    tp_clear: spec.tp_clear ?? null,
    // inherit_slots: a type without protocol slots of its own takes its base's
    proto: spec.proto ?? (spec.base !== null ? { ...spec.base.proto } : {}),
  };
  slots.mro = [slots, ...(spec.base ? spec.base.mro : [])];
  for (let i = 1; i < slots.mro.length; i++) slots.mro[i].subclasses.push(slots);
  h.types[id] = slots;

  i32[(t + GC_HEAD_OFFSET + GC_NEXT) >> 2] = 0;
  i32[(t + GC_HEAD_OFFSET + GC_PREV) >> 2] = 0;
  i32[(t + OB_REFCNT) >> 2] = heaptype ? 1 : IMMORTAL_REFCNT;
  i32[(t + OB_TYPE) >> 2] = metatype ? metatype.ref : t;
  i32[(t + OB_SIZE) >> 2] = 0;
  i32[(t + TP_BASICSIZE) >> 2] = spec.basicsize;
  i32[(t + TP_ITEMSIZE) >> 2] = spec.itemsize ?? 0;
  i32[(t + TP_FLAGS) >> 2] =
    (spec.flags ?? 0) | Py_TPFLAGS_READY | (isGC ? Py_TPFLAGS_HAVE_GC : 0) | (heaptype ? Py_TPFLAGS_HEAPTYPE : 0);
  i32[(t + TP_BASE) >> 2] = spec.base ? spec.base.ref : 0;
  i32[(t + TP_WEAKLISTOFFSET) >> 2] = slots.weaklistoffset;
  i32[(t + TP_DICTOFFSET) >> 2] = dictoffset;
  i32[(t + TP_ID) >> 2] = id;
  i32[(t + TP_KIND) >> 2] = spec.kind;
  i32[(t + TP_XFLAGS) >> 2] = heaptype ? 0 : XF_BUILTIN;
  if (heaptype && metatype) i32[metatype.ref >> 2]++;
  if (h.live !== null) h.live.add(t);
  return slots;
}

/** TypeSlots of an object's type. */
export function slots_of(h: HeapState, op: Ref): TypeSlots {
  const i32 = h.i32;
  return h.types[i32[(i32[(op + OB_TYPE) >> 2] + TP_ID) >> 2]];
}

/** TypeSlots of a type object. */
export function slots_of_type(h: HeapState, t: Ref): TypeSlots {
  return h.types[h.i32[(t + TP_ID) >> 2]];
}

export function type_ref(h: HeapState, op: Ref): Ref {
  return h.i32[(op + OB_TYPE) >> 2];
}

export function type_kind(h: HeapState, op: Ref): Kind {
  const i32 = h.i32;
  return i32[(i32[(op + OB_TYPE) >> 2] + TP_KIND) >> 2];
}

/** PyType_IsSubtype along the MRO. */
export function is_subtype(a: TypeSlots, b: TypeSlots): boolean {
  if (a === b) return true;
  const mro = a.mro;
  for (let i = 1; i < mro.length; i++) if (mro[i] === b) return true;
  return false;
}

/** Is `op` a type object (its type is `type` or a subclass of it)? */
export function is_type_object(h: HeapState, op: Ref, typeType: TypeSlots): boolean {
  return is_subtype(slots_of(h, op), typeType);
}

/** The owned fields of a heap type that tp_traverse visits and tp_clear drops. */
export const TYPE_OWNED_FIELDS = [TP_DICT, TP_MRO, TP_BASES, TP_BASE, HT_QUALNAME, HT_SLOTS, TP_NAME] as const;
export { HT_CACHED_KEYS, TP_WEAKLIST };

/** tp_dictoffset of a class whose instances keep their attributes in a managed dict (pre-header). */
export const DICTOFFSET_MANAGED = -1;
/**
 * tp_dictoffset of a class over a variable-size base (int, tuple, bytes): the __dict__
 * slot is the last pointer of the object, after its items (type_new_descriptors:
 * `-(long)sizeof(PyObject *)`).
 */
export const DICTOFFSET_VAR = -SIZEOF_PTR;

/** Does `t` keep a __dict__ pointer in the object itself (tp_dictoffset > 0, or after the items)? */
export function has_dict_slot(t: TypeSlots): boolean {
  return t.dictoffset !== 0 && t.dictoffset !== DICTOFFSET_MANAGED;
}

/** _PyObject_VAR_SIZE: basicsize + nitems * itemsize, rounded up to a pointer's size. */
export function var_size(t: TypeSlots, nitems: number): number {
  return (t.basicsize + nitems * t.itemsize + (SIZEOF_PTR - 1)) & ~(SIZEOF_PTR - 1);
}

/**
 * _PyObject_GetDictPtr for an object of type `t` whose type has a dict slot
 * (has_dict_slot): the slot's address. A negative tp_dictoffset counts from the end
 * of the object: _PyObject_VAR_SIZE(tp, |ob_size|) + tp_dictoffset.
 */
export function dict_slot(h: HeapState, op: Ref, t: TypeSlots): number {
  const off = t.dictoffset;
  if (off > 0) return op + off;
  let n = h.i32[(op + OB_SIZE) >> 2];
  if (n < 0) n = -n;
  return op + var_size(t, n) + off;
}

/**
 * _PyType_AllocNoTrack (PyType_GenericAlloc before its _PyObject_GC_TRACK): an
 * instance of `t` with room for `nitems` items plus one (CPython's sentinel; for a
 * class over a variable-size base that room holds the __dict__ slot), zeroed past
 * the header, ob_size = nitems for variable-size types. Untracked: the constructor
 * fills it and then tracks it if t is a GC type. May run a collection (gc_alloc).
 */
export function type_alloc_no_track(h: HeapState, t: TypeSlots, nitems: number): Ref {
  const size = var_size(t, nitems + 1);
  const op = gc_alloc(h, t, size);
  const i32 = h.i32;
  i32.fill(0, (op + SIZEOF_PYOBJECT) >> 2, (op + size) >> 2);
  if (t.itemsize !== 0) i32[(op + OB_SIZE) >> 2] = nitems;
  return op;
}

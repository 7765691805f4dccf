// === The JavaScript half of a type object (layer 3) ===
//
// A type object lives in linear memory (see layout.ts, TP_*); what cannot live
// there — functions, names as JS strings, lookup caches — is its TypeSlots, found
// through the type's TP_ID. Hot paths (dealloc, the collector's traversal) switch
// on the layout family TP_KIND read from memory instead of calling through here.

import type { HeapState, Ref, JsCallable } from "./state.js";

/**
 * visitproc: called for each object a container references. `arg` is passed
 * through unchanged (the collector's phase state, or a result list).
 */
export type Visit<A> = (h: HeapState, child: Ref, arg: A) => void;

/** Layout families: how an object's payload is laid out and traversed (TP_KIND). */
export type Kind = number;
export const K_OBJECT = 0; // object() and instances of classes based on object
export const K_TYPE = 1;
export const K_NONE = 2;
export const K_INT = 3; // int and bool
export const K_FLOAT = 4;
export const K_STR = 5;
export const K_BYTES = 6;
export const K_TUPLE = 7;
export const K_LIST = 8;
export const K_DICT = 9;
export const K_SET = 10; // set and frozenset
export const K_FUNCTION = 11;
export const K_METHOD = 12;
export const K_BUILTIN_METHOD = 13;
export const K_DESCR = 14;
export const K_WEAKREF = 15;
export const K_PROXY = 16;
export const K_ITER = 17;
export const K_NOTIMPLEMENTED = 18;
export const K_FINALIZE = 19; // weakref.finalize objects
export const K_WEAKCONTAINER = 20; // WeakSet, WeakKeyDictionary, WeakValueDictionary
export const K_MAPPINGPROXY = 21;

/** A method of a builtin type, called with `self` first. */
export type NativeMethod = (self: Ref, args: Ref[], kwargs: Record<string, Ref> | null) => Ref;

export interface TypeSlots {
  readonly id: number;
  /** the type object in linear memory */
  readonly ref: Ref;
  readonly name: string;
  readonly kind: Kind;
  readonly base: TypeSlots | null;
  /** method resolution order, this type first, `object` last */
  mro: TypeSlots[];
  readonly heaptype: boolean;
  readonly isGC: boolean;
  readonly basicsize: number;
  readonly itemsize: number;
  /**
   * -1 managed dict (attributes inline), 0 none, > 0 offset of a __dict__ slot, < -1 a
   * __dict__ slot counted from the end of a variable-size object (dict_slot in typeobject.ts)
   */
  readonly dictoffset: number;
  /** offset of the weakref list, 0 = not weakly referenceable */
  readonly weaklistoffset: number;
  /** bytes before the object: GC head and managed-dict pre-header */
  readonly presize: number;
  /** __slots__ members of this type and its bases: name -> byte offset in the object */
  readonly slotOffsets: Map<string, number>;
  /** this type's own T_OBJECT_EX members (its __slots__), by offset, in definition order */
  readonly members: number[];
  /** methods of builtin types (`list.append`, ...): name -> id in HeapState.natives */
  readonly natives: Map<string, number>;
  /** a legacy tp_del, from the class spec or inherited */
  legacyDel: JsCallable | null;
  /**
   * Python special methods defined by classes along the MRO: name -> the object
   * found in the class dict (borrowed; a function, or None for `__hash__ = None`).
   * `__del__` here is the type's tp_finalize (PEP 442).
   */
  readonly special: Map<string, Ref>;
  /** attribute lookups along the MRO (_PyType_Lookup), cleared when a class in the MRO changes */
  readonly lookupCache: Map<string, Ref>;
  /**
   * Instance attributes kept inline (managed dict): name -> index of its key in this
   * class's shared keys (HT_CACHED_KEYS), for names with no data descriptor along the
   * MRO; cleared with lookupCache. Filled only for classes without tp_getattro /
   * tp_setattro, so that PyObject_GetAttr / SetAttr may use it first, as 3.11's
   * LOAD_ATTR_INSTANCE_VALUE / STORE_ATTR_INSTANCE_VALUE specialisations do.
   */
  readonly attrIndex: AttrIndex;
  /** classes whose MRO contains this type (for cache invalidation) */
  readonly subclasses: TypeSlots[];
  /** tp_dealloc: release what the object owns and free it (refcount already 0) */
  tp_dealloc: (h: HeapState, op: Ref) => void;
  /** tp_traverse, in CPython's visiting order; null for types without GC support */
  tp_traverse: (<A>(h: HeapState, op: Ref, visit: Visit<A>, arg: A) => void) | null;
  /** tp_clear: drop the references that can take part in cycles */
  tp_clear: ((h: HeapState, op: Ref) => void) | null;
  /**
   * Protocol slots for types implemented outside the abstract layer's switch
   * (iterators, weakref types, weak containers). Unset = the operation is not
   * supported (or, for hash/compare/repr, object's default applies).
   */
  proto: ProtocolSlots;
}

/**
 * TypeSlots.attrIndex: instance attribute name -> index of its key in the class's
 * shared keys. Two parallel arrays scanned in order: a class has at most
 * SHARED_KEYS_MAX_SIZE (30) such names, and comparing a few strings (by identity
 * first: attribute names are mostly literals) costs less than a Map lookup.
 */
export class AttrIndex {
  readonly names: string[] = [];
  readonly ixs: number[] = [];

  /** the index for `name`, or -1 */
  get(name: string): number {
    const names = this.names;
    for (let i = 0; i < names.length; i++) if (names[i] === name) return this.ixs[i];
    return -1;
  }

  set(name: string, ix: number): void {
    if (this.get(name) < 0) {
      this.names.push(name);
      this.ixs.push(ix);
    }
  }

  clear(): void {
    this.names.length = 0;
    this.ixs.length = 0;
  }
}

/** Rich comparison operators, CPython's Py_LT..Py_GE values. */
export const Py_LT = 0;
export const Py_LE = 1;
export const Py_EQ = 2;
export const Py_NE = 3;
export const Py_GT = 4;
export const Py_GE = 5;

export interface ProtocolSlots {
  /**
   * tp_new of a builtin type implemented outside construct.ts (weakref types,
   * finalize, weak containers): allocate an instance of `t` (the type or a class
   * derived from it) from all the call's arguments; new reference.
   */
  tp_new?: (h: HeapState, t: TypeSlots, args: Ref[], kwargs: Record<string, Ref> | null) => Ref;
  tp_repr?: (h: HeapState, o: Ref) => string;
  /** str(o) when it differs from repr(o) (weakref proxies forward it) */
  tp_str?: (h: HeapState, o: Ref) => string;
  tp_hash?: (h: HeapState, o: Ref) => number;
  /** returns an owned Ref: a bool, or NotImplemented */
  tp_richcompare?: (h: HeapState, a: Ref, b: Ref, op: number) => Ref;
  tp_call?: (h: HeapState, o: Ref, args: Ref[], kwargs: Record<string, Ref> | null) => Ref;
  /** owned result; raise AttributeError when missing */
  tp_getattro?: (h: HeapState, o: Ref, name: string) => Ref;
  /** value 0 = delete */
  tp_setattro?: (h: HeapState, o: Ref, name: string, value: Ref) => void;
  mp_length?: (h: HeapState, o: Ref) => number;
  mp_subscript?: (h: HeapState, o: Ref, key: Ref) => Ref;
  /** value 0 = delete */
  mp_ass_subscript?: (h: HeapState, o: Ref, key: Ref, value: Ref) => void;
  sq_contains?: (h: HeapState, o: Ref, key: Ref) => boolean;
  tp_iter?: (h: HeapState, o: Ref) => Ref;
  /** owned next item, or 0 when exhausted */
  tp_iternext?: (h: HeapState, o: Ref) => Ref;
  nb_bool?: (h: HeapState, o: Ref) => boolean;
}

// === The heap's one piece of state (layer 3) ===
//
// Everything a heap knows lives in one HeapState owned by that heap: the
// allocator and the typed-array views over its linear memory, the type table,
// the object caches (small ints, one-character strings, interned strings, free
// lists), the collector's runtime state, the trashcan, and the hooks through which
// the collector and the weakref module plug in. No module-level globals, so two
// heaps can live side by side in one process.
//
// Views: `u8`, `i32`, `u16`, `f64` always cover the current linear memory. They
// are replaced (by the allocator's onGrow listener) whenever an allocation grows
// the memory, so code must re-read `h.i32` after any call that may allocate and
// never keep a view in a local across such a call.

import type { Allocator } from "../alloc/types.js";
import type { GcHooks } from "./gcstate.js";
import { GcRuntimeState } from "./gcstate.js";
import type { TypeSlots } from "./typeslots.js";

export type Ref = number & { readonly __brand?: "Ref" };

/** A Python-callable implemented in JavaScript. */
export type JsCallable = (...args: Ref[]) => Ref | void | undefined;

/** What the weakref module provides to the heap (installed by src/weakref). */
export interface WeakrefHooks {
  /** PyObject_ClearWeakRefs: called when an object with a non-empty weakref list dies */
  clearWeakRefs(op: Ref): void;
  /** _PyWeakref_ClearRef on every weakref left (created by a finalizer): no callbacks */
  clearWeakRefsNoCallbacks(op: Ref): void;
  /** the basic (callback-less) weakref of `op` or its first weakref, borrowed, or 0 (`obj.__weakref__`) */
  firstWeakref(op: Ref): Ref;
  /**
   * The collector's handle_weakrefs phase (3.11 gcmodule.c): `unreachable` is the
   * PyGC_Head list of the trash (COLLECTING set, NEXT_MASK_UNREACHABLE already
   * cleared by move_legacy_finalizers). Clear every weakref to an object in it
   * (and every weakref that is itself trash), then call the callbacks of the
   * cleared weakrefs that are not trash; a weakref still alive after its callback
   * goes to `old`. Returns how many weakrefs were freed right after their
   * callback (added to collect()'s result).
   */
  handle_weakrefs(unreachable: number, old: number): number;
}

/** The builtin types, created when the heap starts (see bootstrap.ts). */
export interface BuiltinTypes {
  type: TypeSlots;
  object: TypeSlots;
  NoneType: TypeSlots;
  NotImplementedType: TypeSlots;
  bool: TypeSlots;
  int: TypeSlots;
  float: TypeSlots;
  str: TypeSlots;
  bytes: TypeSlots;
  tuple: TypeSlots;
  list: TypeSlots;
  dict: TypeSlots;
  set: TypeSlots;
  frozenset: TypeSlots;
  function: TypeSlots;
  method: TypeSlots;
  builtin_function_or_method: TypeSlots;
  getset_descriptor: TypeSlots;
  member_descriptor: TypeSlots;
  /** a class's __dict__ (src/heap/mappingproxy.ts) */
  mappingproxy: TypeSlots;
  list_iterator: TypeSlots;
  tuple_iterator: TypeSlots;
  str_ascii_iterator: TypeSlots;
  bytes_iterator: TypeSlots;
  /** PySeqIter_Type: iteration through __getitem__ (the old sequence protocol) */
  iterator: TypeSlots;
  dict_keyiterator: TypeSlots;
  dict_valueiterator: TypeSlots;
  dict_itemiterator: TypeSlots;
  set_iterator: TypeSlots;
}

/**
 * A free list of parked objects (or dict keys tables): LIFO, a chain through one
 * payload word of each parked block that the parked object no longer uses (the
 * type module names it: ob_item for lists, ob_item[0] for tuples as CPython,
 * ...), so that parking and reuse are a few loads and stores with no JS array
 * behind them. `length` is what sys._debugmallocstats reports.
 */
export class FreeList {
  /** the most recently parked block, 0 when empty */
  head = 0;
  length = 0;
}

/** Unraisable exceptions: `sys.unraisablehook(err, obj)` */
export type UnraisableHook = (err: unknown, obj: Ref | null) => void;

export class HeapState {
  alloc: Allocator;
  readonly debug: boolean;
  u8!: Uint8Array;
  u16!: Uint16Array;
  i32!: Int32Array;
  u32!: Uint32Array;
  f64!: Float64Array;

  // ---- types ----
  /** TypeSlots by type id (TP_ID) */
  readonly types: TypeSlots[] = [];
  /** ids of freed classes, reused by new_type */
  readonly typeIdsFree: number[] = [];
  /** the builtin types */
  T!: BuiltinTypes;

  // ---- builtin type objects as plain numbers: hot paths compare ob_type with
  // these (h.T.list.ref is three dependent loads); set by cache_type_refs ----
  typeType: Ref = 0;
  intType: Ref = 0;
  floatType: Ref = 0;
  strType: Ref = 0;
  tupleType: Ref = 0;
  listType: Ref = 0;
  dictType: Ref = 0;

  // ---- singletons and caches (layer 3's object-specific allocators) ----
  None: Ref = 0;
  True: Ref = 0;
  False: Ref = 0;
  NotImplemented: Ref = 0;
  /** the empty tuple singleton */
  emptyTuple: Ref = 0;
  /** the empty string singleton */
  emptyStr: Ref = 0;
  /** small ints -5..256, index v + 5 */
  readonly smallInts = new Int32Array(262);
  /** one-character Latin-1 strings, by code point */
  readonly latin1 = new Int32Array(256);
  /** b"" and the one-byte bytes singletons */
  emptyBytes: Ref = 0;
  readonly byteChars = new Int32Array(256);
  /** interned strings by value; the map holds no reference (3.11's mortal interning) */
  readonly interned = new Map<string, Ref>();
  /** the reverse of `interned`: value of each interned string */
  readonly internedNames = new Map<Ref, string>();
  // CPython 3.11 free lists (objects kept allocated for reuse)
  readonly floatFree = new FreeList();
  /** tuple free lists by size 1..20 (index size - 1) */
  readonly tupleFree: FreeList[] = Array.from({ length: 20 }, () => new FreeList());
  readonly listFree = new FreeList();
  readonly dictFree = new FreeList();
  /** PyDictKeysObject free list (minimum-size unicode keys tables) */
  readonly dictKeysFree = new FreeList();

  // ---- collector ----
  #gc!: GcRuntimeState;
  /** PyGC_Head address of generation 0 (`gc.heads[0]`, kept as a plain field for gc_track) */
  gen0 = 0;
  get gc(): GcRuntimeState {
    return this.#gc;
  }
  set gc(g: GcRuntimeState) {
    this.#gc = g;
    this.gen0 = g.heads[0];
  }
  gcHooks: GcHooks | null = null;
  weakrefHooks: WeakrefHooks | null = null;

  // ---- trashcan (CPython's _PyTrash_*: bounded-depth deallocation) ----
  trash_delete_nesting = 0;
  readonly trash_delete_later: Ref[] = [];

  // ---- native methods of builtin types, bound by builtin_function_or_method objects ----
  readonly natives: { name: string; owner: string; fn: import("./typeslots.js").NativeMethod }[] = [];

  // ---- JS functions wrapped by function objects ----
  readonly jsFunctions: (JsCallable | undefined)[] = [];
  readonly jsFunctionsFree: number[] = [];

  // ---- debug-mode handle registry: every live object's address ----
  readonly live: Set<number> | null;

  // ---- Py_ReprEnter: objects whose repr is being computed ----
  readonly reprActive = new Set<Ref>();

  // ---- references handed out inside heap.scope() ----
  readonly scopes: Ref[][] = [];
  /** heap.close() ran: every call that takes or makes an object Ref now throws */
  closed = false;

  /** hooks run by heap.close() (interpreter exit), last registered first */
  readonly atexit: (() => void)[] = [];

  stderr: (line: string) => void;
  unraisablehook: UnraisableHook;

  constructor(alloc: Allocator, stderr: (line: string) => void) {
    this.alloc = alloc;
    this.debug = alloc.debug;
    this.live = alloc.debug ? new Set() : null;
    this.stderr = stderr;
    this.unraisablehook = () => {};
    this.refreshViews(alloc.memory.buffer);
    alloc.onGrow((buf) => this.refreshViews(buf));
  }

  refreshViews(buf: ArrayBufferLike): void {
    this.u8 = new Uint8Array(buf);
    this.u16 = new Uint16Array(buf);
    this.i32 = new Int32Array(buf);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
  }
}

/** Fill HeapState's plain-number copies of the builtin type objects (once they all exist). */
export function cache_type_refs(h: HeapState): void {
  const T = h.T;
  h.typeType = T.type.ref;
  h.intType = T.int.ref;
  h.floatType = T.float.ref;
  h.strType = T.str.ref;
  h.tupleType = T.tuple.ref;
  h.listType = T.list.ref;
  h.dictType = T.dict.ref;
}

// === The Heap: the public face of layers 0-3 ===
//
// A thin facade over one HeapState: each method checks its handles, calls the
// CPython-named function that does the work (src/heap/*), and records the
// returned reference for heap.scope(). No state of its own beyond the module
// objects (heap.sys, heap.gc, heap.weakref).
//
// Ownership (API.md): every method that returns a Ref returns a new reference;
// Ref arguments are borrowed. Handles are checked cheaply in normal mode
// (alignment, bounds, a live refcount and type) and exactly in debug mode (a
// registry of live objects).

import type { Allocator } from "../alloc/types.js";
import type { HeapState, JsCallable, Ref } from "../heap/state.js";
import { js_value_type_name, PyError } from "../heap/errors.js";
import { clinic_ssize_t } from "../heap/args.js";
import * as L from "../heap/layout.js";
import * as K from "../heap/typeslots.js";
import { is_subtype, slots_of, slots_of_type } from "../heap/typeobject.js";
import { filled, Py_DECREF, with_ref, _Py_Dealloc } from "../heap/refcount.js";
import { long_from_bigint, long_from_number, long_to_js } from "../heap/int.js";
import { float_new, float_value } from "../heap/float.js";
import { str_literal, unicode_to_js, intern_js } from "../heap/str.js";
import { bytes_from, bytes_to_js } from "../heap/bytes.js";
import { tuple_from_array, tuple_get, tuple_size } from "../heap/tuple.js";
import { list_append, list_from_array, list_get, list_pop, list_size, list_getitem, list_setitem, list_delitem } from "../heap/list.js";
import { dict_fill, dict_items, dict_keys, dict_new, dict_next, dict_setitem, dict_values } from "../heap/dict.js";
import { make_new_set, set_add, set_next } from "../heap/set.js";
import { function_new } from "../heap/function.js";
import { define_class, type ClassSpec } from "../heap/classobject.js";
import { call_object } from "../heap/call.js";
import { type_call } from "../heap/construct.js";
import { getattr, hasattr, setattr } from "../heap/attr.js";
import {
  PyIter_Next,
  PyObject_DelItem,
  PyObject_GetItem,
  PyObject_GetIter,
  PyObject_Hash,
  PyObject_Length,
  PyObject_RichCompare,
  PyObject_IsTrue,
  PyObject_SetItem,
  PySequence_Contains,
} from "../heap/abstract.js";
import { function_str, PyObject_Repr, PyObject_Str } from "../heap/repr.js";
import { SysModule } from "../sys.js";
import type { GcModule } from "../gc/index.js";
import type { WeakrefModule } from "../weakref/index.js";
import { WeakrefApi } from "./weakref.js";
import { tracemalloc_module, type TracemallocModule } from "../tracemalloc/index.js";
import { objgraph_module, type ObjgraphModule } from "../objgraph/index.js";
import { Py_EnterRecursiveCall, Py_LeaveRecursiveCall } from "../heap/recursion.js";
import { closedError, scope_own } from "../heap/barrier.js";

// The imported constants as module-local bindings: V8 folds a module's own `const`
// into optimized code but loads an imported binding from its module cell at every
// use (4 field accesses: 2.8 ns local vs 4.4 ns imported, node 20).
const { OB_REFCNT, OB_TYPE, TP_KIND, TP_NAME } = L;
const { K_BYTES, K_DICT, K_FLOAT, K_INT, K_LIST, K_NONE, K_SET, K_STR, K_TUPLE, K_TYPE, Py_EQ, Py_GE, Py_GT, Py_LE, Py_LT, Py_NE } = K;

export type { Ref } from "../heap/state.js";
export type { ClassSpec } from "../heap/classobject.js";

/** A comparison operator for heap.compare. */
export type CompareOp = "<" | "<=" | "==" | "!=" | ">" | ">=";
const OPS: Record<CompareOp, number> = { "<": Py_LT, "<=": Py_LE, "==": Py_EQ, "!=": Py_NE, ">": Py_GT, ">=": Py_GE };

/** A JS value heap.from accepts. */
export type JsValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | undefined
  | Uint8Array
  | JsValue[]
  | Map<unknown, unknown>
  | Set<unknown>
  | { [key: string]: JsValue };

/** The builtin type objects, as heap.types exposes them. */
export interface HeapTypes {
  object: Ref;
  type: Ref;
  NoneType: Ref;
  bool: Ref;
  int: Ref;
  float: Ref;
  str: Ref;
  bytes: Ref;
  tuple: Ref;
  list: Ref;
  dict: Ref;
  set: Ref;
  frozenset: Ref;
  function: Ref;
  method: Ref;
}

export class Heap {
  /** @internal the heap's state (layer 3) */
  readonly h: HeapState;
  /** the allocator (layers 0-2), as `createAllocator` gives it */
  readonly mem: Allocator;
  readonly sys: SysModule;
  /** the gc module (CPython 3.11 semantics) */
  readonly gc: GcModule;
  /** the weakref module */
  readonly weakref: WeakrefApi;
  /** tracemalloc: allocations traced to the JS lines that asked for them */
  readonly tracemalloc: TracemallocModule;
  /** objgraph-style counts, growth, reference chains and graphs */
  readonly objgraph: ObjgraphModule;
  readonly types: HeapTypes;
  /**
   * The bound under which check() takes its cheap path: the bytes of linear memory
   * (kept current by an onGrow listener), or 0 once closed and always in debug mode,
   * so that every check then goes to the exact one.
   */
  #limit = 0;
  /** the `type` type object: the type of every type object */
  readonly #typeType: Ref;

  constructor(h: HeapState, gc: GcModule, weakref: WeakrefModule) {
    this.h = h;
    this.mem = h.alloc;
    this.gc = gc;
    this.weakref = new WeakrefApi(weakref, { check: (o) => this.check(o), own: (r) => this.#own(r) });
    this.#typeType = h.T.type.ref;
    this.#limit = h.live === null ? h.u8.length : 0;
    h.alloc.onGrow((buf) => {
      if (!h.closed && h.live === null) this.#limit = buf.byteLength;
    });
    this.sys = new SysModule(h, (o) => this.check(o), (r) => this.#own(r));
    this.tracemalloc = tracemalloc_module(h, { check: (o) => this.check(o) });
    this.objgraph = objgraph_module(h, gc, { check: (o) => this.check(o), own: (r) => this.#own(r) });
    const T = h.T;
    this.types = Object.freeze({
      object: T.object.ref,
      type: T.type.ref,
      NoneType: T.NoneType.ref,
      bool: T.bool.ref,
      int: T.int.ref,
      float: T.float.ref,
      str: T.str.ref,
      bytes: T.bytes.ref,
      tuple: T.tuple.ref,
      list: T.list.ref,
      dict: T.dict.ref,
      set: T.set.ref,
      frozenset: T.frozenset.ref,
      function: T.function.ref,
      method: T.method.ref,
    });
  }

  get None(): Ref {
    return this.h.None;
  }
  get True(): Ref {
    return this.h.True;
  }
  get False(): Ref {
    return this.h.False;
  }

  // ------------------------------------------------------------ handles

  /**
   * Throw unless `o` is a live object of this heap. Normal mode checks what costs
   * three loads: an 8-aligned address inside the memory, a positive refcount, and a
   * type word that is an 8-aligned address inside the memory whose own type is
   * `type` (deallocation zeroes ob_type, so a freed object is caught until its block
   * is reused; a header forged inside some payload is caught unless it names a
   * type). Debug mode checks the registry of live objects exactly. A closed heap
   * fails every check.
   */
  check(o: Ref): void {
    const i32 = this.h.i32;
    if (o > 0 && o < this.#limit && (o & 7) === 0 && i32[o >> 2] > 0) {
      const t = i32[(o + OB_TYPE) >> 2];
      if (t > 0 && (t & 7) === 0 && i32[(t + OB_TYPE) >> 2] === this.#typeType) return;
    }
    this.#checkSlow(o);
  }

  /** The exact check, and the error that names what is wrong. */
  #checkSlow(o: Ref): void {
    const h = this.h;
    if (this.h.closed) throw closedError();
    if (typeof o !== "number" || (o & 7) !== 0 || o <= 0 || o >= h.u8.length) {
      throw new PyError("TypeError", `not a heap object: ${String(o)}`);
    }
    if (h.live !== null) {
      if (!h.live.has(o)) throw new PyError("ValueError", `${o} is not a live object of this heap`);
      return;
    }
    const i32 = h.i32;
    const type = i32[(o + OB_TYPE) >> 2];
    if (i32[(o + OB_REFCNT) >> 2] <= 0 || type === 0) {
      throw new PyError("ValueError", `${o} is not a live object of this heap (freed or never allocated)`);
    }
    if (type < 0 || type >= h.u8.length || (type & 7) !== 0 || i32[(type + OB_TYPE) >> 2] !== this.#typeType) {
      throw new PyError("ValueError", `${o} is not a live object of this heap`);
    }
    // valid: the memory grew since the limit was last set
    this.#limit = h.u8.length;
  }

  /**
   * Record a new reference for the innermost heap.scope(). Every method that makes
   * a Ref passes it through here, so this is also where a closed heap refuses them.
   */
  #own(r: Ref): Ref {
    return scope_own(this.h, r) as Ref;
  }

  #checkAll(items: ArrayLike<Ref>): void {
    for (let i = 0; i < items.length; i++) this.check(items[i]);
  }

  /**
   * The Refs a constructor was given: an array (checked as it is), or any other
   * iterable but a string (taken as a for-of over it gives them); anything else is
   * Python's "'int' object is not iterable".
   */
  #items(items: unknown): ArrayLike<Ref> {
    if (!Array.isArray(items)) items = this.#iterable(items);
    this.#checkAll(items as Ref[]);
    return items as Ref[];
  }

  #iterable(v: unknown): unknown[] {
    if (typeof v === "string") throw new PyError("TypeError", "expected Refs, got a JS string (heap.from converts JS values)");
    if (v === null || v === undefined || typeof (v as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw new PyError("TypeError", `'${js_value_type_name(v)}' object is not iterable`);
    }
    return Array.from(v as Iterable<unknown>);
  }

  /** heap.id(r) === r: the address is the identity, as in CPython. */
  id(o: Ref): number {
    this.check(o);
    return o;
  }

  is(a: Ref, b: Ref): boolean {
    return a === b;
  }

  incref(o: Ref): Ref {
    this.check(o);
    this.h.i32[o >> 2]++;
    return this.#own(o);
  }

  /** Py_DECREF; refuses to take a count below zero (that would be a double release). */
  decref(o: Ref): void {
    this.check(o);
    const i32 = this.h.i32;
    const rc = i32[o >> 2] - 1;
    i32[o >> 2] = rc;
    if (rc === 0) _Py_Dealloc(this.h, o);
  }

  refcnt(o: Ref): number {
    this.check(o);
    return this.h.i32[(o + OB_REFCNT) >> 2];
  }

  /**
   * Run fn; every reference created by this heap's methods inside it is released
   * when it returns (or throws), except the Ref it returns.
   */
  scope<T>(fn: () => T): T {
    const h = this.h;
    const refs: Ref[] = [];
    h.scopes.push(refs);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      // a throwing scope releases everything it created, then rethrows
      h.scopes.pop();
      for (let i = refs.length - 1; i >= 0; i--) Py_DECREF(h, refs[i]);
      throw e;
    }
    h.scopes.pop();
    // the returned Ref, if it was created here, survives the scope
    if (typeof result === "number") {
      const i = refs.lastIndexOf(result as unknown as Ref);
      if (i >= 0) {
        refs.splice(i, 1);
        this.#own(result as unknown as Ref);
      }
    }
    for (let i = refs.length - 1; i >= 0; i--) Py_DECREF(h, refs[i]);
    return result;
  }

  // ------------------------------------------------------------ constructors

  int(v: number | bigint): Ref {
    if (typeof v === "bigint") return this.#own(long_from_bigint(this.h, v));
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw new PyError("TypeError", `heap.int() needs an integer, got ${typeof v === "number" ? v : typeof v}`);
    }
    return this.#own(long_from_number(this.h, v));
  }

  float(v: number): Ref {
    if (typeof v !== "number") throw new PyError("TypeError", `heap.float() needs a number, got ${typeof v}`);
    return this.#own(float_new(this.h, v));
  }

  bool(b: boolean): Ref {
    const r = b ? this.h.True : this.h.False;
    this.h.i32[r >> 2]++;
    return this.#own(r);
  }

  /** A str as a source literal gives it: identifier-like strings interned, singletons for "" and one Latin-1 char. */
  str(s: string): Ref {
    if (typeof s !== "string") throw new PyError("TypeError", `heap.str() needs a string, got ${typeof s}`);
    return this.#own(str_literal(this.h, s));
  }

  bytes(data: Uint8Array): Ref {
    if (!(data instanceof Uint8Array)) throw new PyError("TypeError", "heap.bytes() needs a Uint8Array");
    return this.#own(bytes_from(this.h, data));
  }

  tuple(items: Ref[] = []): Ref {
    return this.#own(tuple_from_array(this.h, this.#items(items)));
  }

  list(items: Ref[] = []): Ref {
    return this.#own(list_from_array(this.h, this.#items(items)));
  }

  /** dict(entries): [key, value] pairs, an array or any iterable of them; the errors are dict()'s. */
  dict(entries: [Ref, Ref][] = []): Ref {
    if (!Array.isArray(entries)) entries = this.#iterable(entries) as [Ref, Ref][];
    const n = entries.length;
    for (let i = 0; i < n; i++) {
      const e = entries[i];
      if (!Array.isArray(e)) {
        throw new PyError("TypeError", `cannot convert dictionary update sequence element #${i} to a sequence`);
      }
      if (e.length !== 2) {
        throw new PyError("ValueError", `dictionary update sequence element #${i} has length ${e.length}; 2 is required`);
      }
      this.check(e[0]);
      this.check(e[1]);
    }
    const h = this.h;
    const d = dict_new(h);
    try {
      dict_fill(h, d, entries);
    } catch (e) {
      Py_DECREF(h, d);
      throw e;
    }
    return this.#own(d);
  }

  set(items: Ref[] = []): Ref {
    return this.#own(this.#makeSet(this.h.T.set.ref, items));
  }

  frozenset(items: Ref[] = []): Ref {
    return this.#own(this.#makeSet(this.h.T.frozenset.ref, items));
  }

  #makeSet(type: Ref, items: Ref[]): Ref {
    const refs = this.#items(items);
    const h = this.h;
    return filled(h, make_new_set(h, slots_of_type(h, type)), (s) => {
      for (let i = 0; i < refs.length; i++) set_add(h, s, refs[i]);
    });
  }

  /** A function object wrapping fn (called with borrowed Refs; returns undefined or an owned Ref). */
  function(fn: JsCallable, name?: string): Ref {
    if (typeof fn !== "function") throw new PyError("TypeError", "heap.function() needs a function");
    const h = this.h;
    const n = str_literal(h, name ?? (fn.name || "<lambda>"));
    try {
      return this.#own(function_new(h, fn, n, n, 0));
    } finally {
      Py_DECREF(h, n);
    }
  }

  defineClass(name: string, spec: ClassSpec = {}): Ref {
    if (typeof name !== "string" || name === "") throw new PyError("TypeError", "defineClass() needs a class name");
    if (spec === null || typeof spec !== "object") {
      throw new PyError("TypeError", `defineClass() spec must be an object, not ${js_value_type_name(spec)}`);
    }
    const fn = (what: string, f: unknown): void => {
      if (f !== undefined && typeof f !== "function") {
        throw new PyError("TypeError", `defineClass(): spec.${what} must be a function, not ${js_value_type_name(f)}`);
      }
    };
    for (const [m, f] of Object.entries(spec.methods ?? {})) fn(`methods.${m}`, f);
    fn("del", spec.del);
    fn("legacyDel", spec.legacyDel);
    if (typeof spec.base === "number") this.check(spec.base);
    return this.#own(define_class(this.h, name, spec));
  }

  /** cls(*args) */
  new(cls: Ref, ...args: Ref[]): Ref {
    this.check(cls);
    this.#checkAll(args);
    const h = this.h;
    if (slots_of(h, cls).kind !== K_TYPE) {
      throw new PyError("TypeError", `'${slots_of(h, cls).name}' object is not callable`);
    }
    return this.#own(type_call(h, slots_of_type(h, cls), args, null));
  }

  call(f: Ref, ...args: Ref[]): Ref {
    this.check(f);
    this.#checkAll(args);
    return this.#own(call_object(this.h, f, args, null));
  }

  /** f(*args, **kwargs): kwargs a plain object of Refs (null or undefined: none). */
  callKw(f: Ref, args: Ref[], kwargs: Record<string, Ref> | null = null): Ref {
    this.check(f);
    const a = Array.from(this.#items(args));
    if (kwargs !== null && kwargs !== undefined) {
      if (typeof kwargs !== "object" || Array.isArray(kwargs)) {
        const what = `${function_str(this.h, f)} argument after ** must be a mapping, not ${js_value_type_name(kwargs)}`;
        throw new PyError("TypeError", what);
      }
      this.#checkAll(Object.values(kwargs));
    }
    return this.#own(call_object(this.h, f, a, kwargs ?? null));
  }

  // ------------------------------------------------------------ conversions

  /**
   * Deep conversion from JS (cycles in the input become cycles on the heap). Nesting
   * counts towards the recursion limit, as toJS's does: past it a RecursionError, with
   * everything made so far released.
   */
  from(value: JsValue): Ref {
    return this.#own(this.#from(value, new Map()));
  }

  #from(value: unknown, seen: Map<object, Ref>): Ref {
    const h = this.h;
    switch (typeof value) {
      case "number":
        return Number.isInteger(value) ? long_from_number(h, value) : float_new(h, value);
      case "bigint":
        return long_from_bigint(h, value);
      case "string":
        return str_literal(h, value);
      case "boolean": {
        const r = value ? h.True : h.False;
        h.i32[r >> 2]++;
        return r;
      }
      case "undefined":
        h.i32[h.None >> 2]++;
        return h.None;
      case "object": {
        if (value === null) {
          h.i32[h.None >> 2]++;
          return h.None;
        }
        const prior = seen.get(value);
        if (prior !== undefined) {
          h.i32[prior >> 2]++;
          return prior;
        }
        if (value instanceof Uint8Array) return bytes_from(h, value);
        Py_EnterRecursiveCall(h, " while converting a JS value to a Python object");
        try {
          return this.#fromContainer(value, seen);
        } finally {
          Py_LeaveRecursiveCall(h);
        }
      }
    }
    throw new PyError("TypeError", `cannot convert a JS ${typeof value} to a Python object`);
  }

  /**
   * An array, Set, Map or plain object as a list, set or dict. The container is in
   * `seen` before its items are converted, so an item that is the container itself
   * becomes a cycle (a set holding itself: unhashable, as in Python). A failure
   * part-way (MemoryError, an unhashable key) releases the container being built and
   * the items in hand; what is left in a cycle goes to the collector.
   */
  #fromContainer(value: object, seen: Map<object, Ref>): Ref {
    const h = this.h;
    if (Array.isArray(value)) {
      const l = list_from_array(h, []);
      seen.set(value, l);
      return filled(h, l, () => {
        for (const v of value) with_ref(h, this.#from(v, seen), (r) => list_append(h, l, r));
      });
    }
    if (value instanceof Set) {
      const s = make_new_set(h, h.T.set);
      seen.set(value, s);
      return filled(h, s, () => {
        for (const v of value) with_ref(h, this.#from(v, seen), (r) => set_add(h, s, r));
      });
    }
    const d = dict_new(h);
    seen.set(value, d);
    return filled(h, d, () => {
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
      for (const [k, v] of entries) {
        with_ref(h, this.#from(k, seen), (kr) => with_ref(h, this.#from(v, seen), (vr) => dict_setitem(h, d, kr, vr)));
      }
    });
  }

  #unown(): void {
    const scopes = this.h.scopes;
    if (scopes.length !== 0) scopes[scopes.length - 1].pop();
  }

  /**
   * Deep conversion to JS: int -> number (bigint beyond 2**53), float -> number,
   * str -> string, bool -> boolean, None -> null, bytes -> Uint8Array,
   * list/tuple -> array, dict -> plain object when every key is a str, else Map,
   * set/frozenset -> Set. Cycles come back as cycles.
   */
  toJS(o: Ref): unknown {
    this.check(o);
    return this.#toJS(o, new Map());
  }

  #toJS(o: Ref, seen: Map<Ref, unknown>): unknown {
    const h = this.h;
    Py_EnterRecursiveCall(h, " while converting a Python object to JS");
    try {
      return this.#toJSOne(o, seen);
    } finally {
      Py_LeaveRecursiveCall(h);
    }
  }

  #toJSOne(o: Ref, seen: Map<Ref, unknown>): unknown {
    const h = this.h;
    const prior = seen.get(o);
    if (prior !== undefined) return prior;
    const t = slots_of(h, o);
    switch (t.kind) {
      case K_NONE:
        return null;
      case K_INT:
        if (o === h.True) return true;
        if (o === h.False) return false;
        return long_to_js(h, o);
      case K_FLOAT:
        return float_value(h, o);
      case K_STR:
        return unicode_to_js(h, o);
      case K_BYTES:
        return bytes_to_js(h, o);
      case K_TUPLE:
      case K_LIST: {
        const out: unknown[] = [];
        seen.set(o, out);
        const n = t.kind === K_LIST ? list_size(h, o) : tuple_size(h, o);
        for (let i = 0; i < n; i++) out.push(this.#toJS(t.kind === K_LIST ? list_get(h, o, i) : tuple_get(h, o, i), seen));
        return out;
      }
      case K_DICT: {
        const pairs: [Ref, Ref][] = [];
        for (let p = dict_next(h, o, 0); p >= 0; p = dict_next(h, o, p)) pairs.push([h.dictIterKey, h.dictIterValue]);
        const allStr = pairs.every(([k]) => slots_of(h, k).kind === K_STR);
        if (allStr) {
          const out: Record<string, unknown> = {};
          seen.set(o, out);
          for (const [k, v] of pairs) out[unicode_to_js(h, k)] = this.#toJS(v, seen);
          return out;
        }
        const m = new Map<unknown, unknown>();
        seen.set(o, m);
        for (const [k, v] of pairs) m.set(this.#toJS(k, seen), this.#toJS(v, seen));
        return m;
      }
      case K_SET: {
        const s = new Set<unknown>();
        seen.set(o, s);
        for (let p = set_next(h, o, 0); p >= 0; p = set_next(h, o, p)) s.add(this.#toJS(h.setIterKey, seen));
        return s;
      }
    }
    throw new PyError("TypeError", `cannot convert '${t.name}' object to a JS value`);
  }

  // ------------------------------------------------------------ operations

  getattr(o: Ref, name: string): Ref {
    this.check(o);
    return this.#own(getattr(this.h, o, this.#name(name)));
  }

  setattr(o: Ref, name: string, v: Ref): void {
    this.check(o);
    this.check(v);
    setattr(this.h, o, this.#name(name), v);
  }

  delattr(o: Ref, name: string): void {
    this.check(o);
    setattr(this.h, o, this.#name(name), 0);
  }

  hasattr(o: Ref, name: string): boolean {
    this.check(o);
    return hasattr(this.h, o, this.#name(name));
  }

  #name(name: string): string {
    if (typeof name !== "string") throw new PyError("TypeError", `attribute name must be string, not '${js_value_type_name(name)}'`);
    return name;
  }

  /** A list/tuple index given as a JS integer rather than a Ref. */
  #isIndex(c: Ref, k: Ref | number): boolean {
    if (typeof k !== "number" || !Number.isInteger(k)) return false;
    const kind = slots_of(this.h, c).kind;
    if (kind !== K_LIST && kind !== K_TUPLE) return false;
    try {
      this.check(k);
      return false;
    } catch {
      return true;
    }
  }

  getitem(c: Ref, k: Ref | number): Ref {
    this.check(c);
    const h = this.h;
    if (this.#isIndex(c, k)) {
      if (slots_of(h, c).kind === K_LIST) return this.#own(list_getitem(h, c, k));
      return this.#own(with_ref(h, long_from_number(h, k), (key) => PyObject_GetItem(h, c, key)));
    }
    this.check(k);
    return this.#own(PyObject_GetItem(h, c, k));
  }

  setitem(c: Ref, k: Ref | number, v: Ref): void {
    this.check(c);
    this.check(v);
    const h = this.h;
    if (this.#isIndex(c, k)) {
      if (slots_of(h, c).kind === K_LIST) return list_setitem(h, c, k, v);
      // a tuple: its own error ("'tuple' object does not support item assignment")
      return with_ref(h, long_from_number(h, k), (key) => PyObject_SetItem(h, c, key, v));
    }
    this.check(k);
    PyObject_SetItem(h, c, k, v);
  }

  delitem(c: Ref, k: Ref | number): void {
    this.check(c);
    const h = this.h;
    if (this.#isIndex(c, k)) {
      if (slots_of(h, c).kind === K_LIST) return list_delitem(h, c, k);
      return with_ref(h, long_from_number(h, k), (key) => PyObject_DelItem(h, c, key));
    }
    this.check(k);
    PyObject_DelItem(h, c, k);
  }

  contains(c: Ref, k: Ref): boolean {
    this.check(c);
    this.check(k);
    return PySequence_Contains(this.h, c, k);
  }

  len(c: Ref): number {
    this.check(c);
    return PyObject_Length(this.h, c);
  }

  append(l: Ref, v: Ref): void {
    this.check(l);
    this.check(v);
    this.#expect(l, K_LIST, "append");
    list_append(this.h, l, v);
  }

  pop(l: Ref, i?: number): Ref {
    this.check(l);
    this.#expect(l, K_LIST, "pop");
    return this.#own(list_pop(this.h, l, i === undefined ? -1 : clinic_ssize_t(i)));
  }

  add(s: Ref, v: Ref): void {
    this.check(s);
    this.check(v);
    const h = this.h;
    if (!is_subtype(slots_of(h, s), h.T.set)) {
      // weak containers and classes with an `add` method
      const m = this.getattr(s, "add");
      this.#unown();
      try {
        Py_DECREF(h, call_object(h, m, [v], null));
      } finally {
        Py_DECREF(h, m);
      }
      return;
    }
    set_add(h, s, v);
  }

  keys(d: Ref): Ref {
    this.check(d);
    return this.#own(this.#mapping(d, "keys", dict_keys));
  }

  values(d: Ref): Ref {
    this.check(d);
    return this.#own(this.#mapping(d, "values", dict_values));
  }

  items(d: Ref): Ref {
    this.check(d);
    return this.#own(this.#mapping(d, "items", dict_items));
  }

  /** d.keys()/values()/items() as a list: dicts directly, other mappings through their method. */
  #mapping(d: Ref, name: string, direct: (h: HeapState, d: Ref) => Ref): Ref {
    const h = this.h;
    if (slots_of(h, d).kind === K_DICT) return direct(h, d);
    const m = getattr(h, d, name);
    try {
      const r = call_object(h, m, [], null);
      if (slots_of(h, r).kind === K_LIST) return r;
      try {
        const it = PyObject_GetIter(h, r);
        const out = list_from_array(h, []);
        try {
          for (let v = PyIter_Next(h, it); v !== 0; v = PyIter_Next(h, it)) {
            list_append(h, out, v);
            Py_DECREF(h, v);
          }
        } finally {
          Py_DECREF(h, it);
        }
        return out;
      } finally {
        Py_DECREF(h, r);
      }
    } finally {
      Py_DECREF(h, m);
    }
  }

  #expect(o: Ref, kind: number, what: string): void {
    if (slots_of(this.h, o).kind !== kind) {
      throw new PyError("AttributeError", `'${slots_of(this.h, o).name}' object has no attribute '${what}'`);
    }
  }

  hash(o: Ref): number {
    this.check(o);
    return PyObject_Hash(this.h, o);
  }

  eq(a: Ref, b: Ref): boolean {
    return this.compare(a, b, "==");
  }

  compare(a: Ref, b: Ref, op: CompareOp): boolean {
    this.check(a);
    this.check(b);
    const code = OPS[op];
    if (code === undefined) throw new PyError("ValueError", `unknown comparison operator ${JSON.stringify(op)}`);
    const h = this.h;
    const r = PyObject_RichCompare(h, a, b, code);
    try {
      return PyObject_IsTrue(h, r);
    } finally {
      Py_DECREF(h, r);
    }
  }

  repr(o: Ref): string {
    this.check(o);
    return PyObject_Repr(this.h, o);
  }

  /** str(o) as a JS string */
  toString(o?: Ref): string {
    if (o === undefined) return "[object Heap]";
    this.check(o);
    return PyObject_Str(this.h, o);
  }

  /** bool(o) */
  truth(o: Ref): boolean {
    this.check(o);
    return PyObject_IsTrue(this.h, o);
  }

  type(o: Ref): Ref {
    this.check(o);
    const t = this.h.i32[(o + OB_TYPE) >> 2];
    this.h.i32[t >> 2]++;
    return this.#own(t);
  }

  /** type(o).__name__ */
  typeName(o: Ref): string {
    this.check(o);
    const h = this.h;
    const name = h.i32[(h.i32[(o + OB_TYPE) >> 2] + TP_NAME) >> 2];
    return name !== 0 ? unicode_to_js(h, name) : slots_of(h, o).name;
  }

  isinstance(o: Ref, cls: Ref): boolean {
    this.check(o);
    this.check(cls);
    const h = this.h;
    if (slots_of(h, cls).kind !== K_TYPE) {
      throw new PyError("TypeError", "isinstance() arg 2 must be a type, a tuple of types, or a union");
    }
    return is_subtype(slots_of(h, o), slots_of_type(h, cls));
  }

  iter(o: Ref): Ref {
    this.check(o);
    return this.#own(PyObject_GetIter(this.h, o));
  }

  /** next(it): the next item (owned), or undefined when exhausted */
  next(it: Ref): Ref | undefined {
    this.check(it);
    const r = PyIter_Next(this.h, it);
    return r === 0 ? undefined : this.#own(r);
  }

  /** sys.intern-like canonical str for a JS string (new reference) */
  intern(s: string): Ref {
    return this.#own(intern_js(this.h, s));
  }

  /** Interpreter exit: run the atexit hooks, then release the heap. */
  close(): void {
    if (this.h.closed) return;
    for (const hook of this.h.atexit.splice(0).reverse()) hook();
    this.h.closed = true;
    this.#limit = 0;
  }

  get closed(): boolean {
    return this.h.closed;
  }
}

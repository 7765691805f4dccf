// === heap.weakref: the weakref module as the public API exposes it ===
//
// A facade over src/weakref's module object: it checks every handle it is given
// and records every reference it hands out for heap.scope(), like the Heap's own
// methods. The work is done in src/weakref (ported from CPython 3.11's
// Objects/weakrefobject.c, Lib/weakref.py and Lib/_weakrefset.py).

import type { JsCallable, Ref } from "../heap/state.js";
import type { Callback, WeakrefModule } from "../weakref/index.js";

/** What the facade needs from its Heap. */
export interface HandleGate {
  check(o: Ref): void;
  own(r: Ref): Ref;
}

export class WeakrefApi {
  readonly #m: WeakrefModule;
  readonly #g: HandleGate;

  constructor(m: WeakrefModule, gate: HandleGate) {
    this.#m = m;
    this.#g = gate;
  }

  #cb(callback: Callback): void {
    if (typeof callback === "number") this.#g.check(callback);
  }

  #checkAll(items: readonly Ref[]): void {
    for (const o of items) this.#g.check(o);
  }

  /** weakref.ref(o[, callback]) */
  ref(o: Ref, callback?: Callback): Ref {
    this.#g.check(o);
    this.#cb(callback);
    return this.#g.own(this.#m.ref(o, callback));
  }

  /** wr(): the referent (new reference) or None */
  deref(wr: Ref): Ref {
    this.#g.check(wr);
    return this.#g.own(this.#m.deref(wr));
  }

  /** weakref.proxy(o[, callback]) */
  proxy(o: Ref, callback?: Callback): Ref {
    this.#g.check(o);
    this.#cb(callback);
    return this.#g.own(this.#m.proxy(o, callback));
  }

  getweakrefcount(o: Ref): number {
    this.#g.check(o);
    return this.#m.getweakrefcount(o);
  }

  getweakrefs(o: Ref): Ref {
    this.#g.check(o);
    return this.#g.own(this.#m.getweakrefs(o));
  }

  WeakSet(items?: Ref): Ref {
    if (items !== undefined) this.#g.check(items);
    return this.#g.own(this.#m.WeakSet(items));
  }

  WeakKeyDictionary(init?: Ref): Ref {
    if (init !== undefined) this.#g.check(init);
    return this.#g.own(this.#m.WeakKeyDictionary(init));
  }

  WeakValueDictionary(init?: Ref): Ref {
    if (init !== undefined) this.#g.check(init);
    return this.#g.own(this.#m.WeakValueDictionary(init));
  }

  WeakMethod(boundMethod: Ref, callback?: Callback): Ref {
    this.#g.check(boundMethod);
    this.#cb(callback);
    return this.#g.own(this.#m.WeakMethod(boundMethod, callback));
  }

  /** weakref.finalize(o, fn, *args) */
  finalize(o: Ref, fn: JsCallable | Ref, ...args: Ref[]): Ref {
    this.#g.check(o);
    if (typeof fn === "number") this.#g.check(fn);
    this.#checkAll(args);
    return this.#g.own(this.#m.finalize(o, fn, ...args));
  }

  /** weakref.finalize(o, fn, *args, **kwargs) */
  finalizeKw(o: Ref, fn: JsCallable | Ref, args: Ref[], kwargs: Record<string, Ref>): Ref {
    this.#g.check(o);
    if (typeof fn === "number") this.#g.check(fn);
    this.#checkAll(args);
    this.#checkAll(Object.values(kwargs));
    return this.#g.own(this.#m.finalizeKw(o, fn, args, kwargs));
  }

  /** { alive, atexit } of a finalize object */
  finalizeInfo(f: Ref): { alive: boolean; atexit: boolean } {
    this.#g.check(f);
    return this.#m.finalizeInfo(f);
  }

  /** f.detach(): (obj, func, args, kwargs) once, then None */
  detach(f: Ref): Ref {
    this.#g.check(f);
    return this.#g.own(this.#m.detach(f));
  }

  /** f.peek(): (obj, func, args, kwargs) or None */
  peek(f: Ref): Ref {
    this.#g.check(f);
    return this.#g.own(this.#m.peek(f));
  }

  setAtexit(f: Ref, value: boolean): void {
    this.#g.check(f);
    this.#m.setAtexit(f, value);
  }

  /** list(o.keys() / o.values() / o.items()) of a weak container */
  containerList(o: Ref, what: "keys" | "values" | "items"): Ref {
    this.#g.check(o);
    return this.#g.own(this.#m.containerList(o, what));
  }

  /** WeakSet.add */
  add(ws: Ref, item: Ref): void {
    this.#g.check(ws);
    this.#g.check(item);
    this.#m.add(ws, item);
  }

  isWeakContainer(o: Ref): boolean {
    this.#g.check(o);
    return this.#m.isWeakContainer(o);
  }

  get ReferenceType(): Ref {
    return this.#m.ReferenceType;
  }
  get ProxyType(): Ref {
    return this.#m.ProxyType;
  }
  get CallableProxyType(): Ref {
    return this.#m.CallableProxyType;
  }
  /** the tuple (ProxyType, CallableProxyType) */
  get ProxyTypes(): Ref {
    return this.#m.ProxyTypes;
  }
  get KeyedRef(): Ref {
    return this.#m.KeyedRef;
  }
  get WeakMethodType(): Ref {
    return this.#m.WeakMethodType;
  }
  get WeakSetType(): Ref {
    return this.#m.WeakSetType;
  }
  get WeakKeyDictionaryType(): Ref {
    return this.#m.WeakKeyDictionaryType;
  }
  get WeakValueDictionaryType(): Ref {
    return this.#m.WeakValueDictionaryType;
  }
  get finalizeType(): Ref {
    return this.#m.finalizeType;
  }
}

// heap.weakref through the public facade (API.md): refs with JS callbacks, calling a
// weakref, the types as values and a ref subclass through spec.base, weak containers
// through the generic operations, finalize and heap.close() (atexit newest first,
// exceptions on stderr, nothing after), compared with python3.

import { describe, expect, it } from "vitest";
import { PyError, createHeap, type Ref } from "../../src/index";
import { BACKENDS, stderrSink, withHeap } from "../helpers";
import { python3Json } from "../helpers";

describe.each(BACKENDS)("heap.weakref (%s)", (backend) => {
  it("refs, callbacks, types and a subclass of ref", () =>
    withHeap(backend, (heap) => {
      const expected = python3Json(`
import weakref, json
class A: pass
class R(weakref.ref): pass
a = A()
log = []
r = weakref.ref(a, lambda w: log.append(['cb', w() is None]))
sub = R(a)
out = [r() is a, isinstance(r, weakref.ReferenceType), isinstance(sub, weakref.ReferenceType), type(weakref.proxy(a)) in weakref.ProxyTypes,
       weakref.getweakrefcount(a), sub == r, hash(sub) == hash(a)]
del a
out += [log, r() is None, sub() is None]
print(json.dumps(out))
`);
      const log: unknown[] = [];
      const A = heap.defineClass("A", {});
      const R = heap.defineClass("R", { base: heap.weakref.ReferenceType });
      const a = heap.new(A);
      const r = heap.weakref.ref(a, (w: Ref) => {
        const v = heap.call(w);
        log.push(["cb", v === heap.None]);
        heap.decref(v);
      });
      const sub = heap.new(R, a);
      const p = heap.weakref.proxy(a);
      const pt = heap.type(p);
      const isProxyType = heap.contains(heap.weakref.ProxyTypes, pt);
      heap.decref(pt);
      heap.decref(p);
      const v = heap.call(r);
      const out: unknown[] = [
        v === a,
        heap.isinstance(r, heap.weakref.ReferenceType),
        heap.isinstance(sub, heap.weakref.ReferenceType),
        isProxyType,
        heap.weakref.getweakrefcount(a),
        heap.eq(sub, r),
        heap.hash(sub) === heap.hash(a),
      ];
      heap.decref(v);
      heap.decref(a);
      const d1 = heap.weakref.deref(r);
      const d2 = heap.weakref.deref(sub);
      out.push(log, d1 === heap.None, d2 === heap.None);
      expect(out).toEqual(expected);
      for (const x of [d1, d2, r, sub, A, R]) heap.decref(x);
    }));

  it("deref() takes a weakref or a proxy only (it used to call whatever it was given)", () =>
    withHeap(backend, (heap) => {
      let called = 0;
      const f = heap.function(() => void called++, "f");
      const A = heap.defineClass("A", {});
      expect(() => heap.weakref.deref(f)).toThrow("deref() argument must be a weakref or a proxy, not 'function'");
      expect(() => heap.weakref.deref(A)).toThrow("deref() argument must be a weakref or a proxy, not 'type'");
      expect(called).toBe(0);
      for (const x of [f, A]) heap.decref(x);
    }));

  it("typeName is type(o).__name__: a weakref gives 'ReferenceType' (tp_name is 'weakref.ReferenceType')", () =>
    withHeap(backend, (heap) => {
      const A = heap.defineClass("A", {});
      const a = heap.new(A);
      const r = heap.weakref.ref(a);
      try {
        expect(heap.typeName(r)).toBe("ReferenceType");
      } finally {
        for (const x of [r, a, A]) heap.decref(x);
      }
    }));

  it("weak containers through setitem/getitem/len/keys/values/items/add", () =>
    withHeap(backend, (heap) => {
      const V = heap.defineClass("V", {});
      const vals = [heap.new(V), heap.new(V), heap.new(V)];
      const d = heap.weakref.WeakValueDictionary();
      const keys = ["x", "y", "z"].map((k) => heap.str(k));
      keys.forEach((k, i) => heap.setitem(d, k, vals[i]));
      const ws = heap.weakref.WeakSet();
      vals.forEach((v) => heap.add(ws, v));
      expect([heap.len(d), heap.len(ws)]).toEqual([3, 3]);
      const got = heap.getitem(d, keys[1]);
      expect(got).toBe(vals[1]);
      heap.decref(got);
      heap.decref(vals[1]);
      expect([heap.len(d), heap.len(ws), heap.contains(d, keys[1])]).toEqual([2, 2, false]);
      const ks = heap.keys(d);
      const vs = heap.values(d);
      const its = heap.items(d);
      expect(heap.toJS(ks)).toEqual(["x", "z"]);
      expect(heap.len(vs)).toBe(2);
      expect(heap.len(its)).toBe(2);
      expect(() => heap.getitem(d, keys[1])).toThrow(PyError);
      for (const x of [ks, vs, its, d, ws, vals[0], vals[2], ...keys, V]) heap.decref(x);
    }));
});

describe.each(BACKENDS)("finalize and heap.close() (%s)", (backend) => {
  it("runs the live atexit finalizers newest first, reports exceptions, then none", async () => {
    const sink = stderrSink();
    const heap = await createHeap({ backend, stderr: sink.write });
    const order: string[] = [];
    const A = heap.defineClass("A", {});
    const objs = [heap.new(A), heap.new(A), heap.new(A)];
    const f1 = heap.weakref.finalize(objs[0], (x: Ref) => void order.push(String(heap.toJS(x))), heap.str("one"));
    const f2 = heap.weakref.finalize(objs[1], () => {
      order.push("two");
      throw new PyError("ValueError", "boom");
    });
    const f3 = heap.weakref.finalize(objs[2], () => void order.push("three"));
    heap.weakref.setAtexit(f3, false);
    expect(heap.weakref.finalizeInfo(f3)).toEqual({ alive: true, atexit: false });
    const r = heap.call(f1); // called once by hand: it is dead at exit
    heap.decref(r);
    order.push("close");
    heap.close();
    expect(order).toEqual(["one", "close", "two"]);
    expect(sink.lines[sink.lines.length - 1]).toBe("ValueError: boom");
  });
});

// Reference counting, ownership and identity (issue 3, items 3-5), against python3.
//
// - the seeds' examples: a = [1,2,3] -> getrefcount 2; b = a -> 3; [a, a] -> +2; del -> -1
// - a differential refcount sequence: one object stored into and removed from lists,
//   tuples, dicts, sets, instance attributes, iterators and bound methods, compared
//   step by step with the same Python statements (a JS-held owned Ref = a Python name)
// - identity: small ints -5..256 cached, identifier-like str literals interned, "" and
//   one-character Latin-1 strings singletons, long strings / empty lists distinct, () shared,
//   sys.intern
// - incref/decref/refcnt, release below zero, heap.scope (nesting, throwing, the returned Ref)

import { describe, expect, it } from "vitest";
import { PyError, type Heap, type Ref } from "../../src/index";
import { BACKENDS, blockCounts, clearFreeLists, python3Json, withHeap } from "../helpers";

describe.each(BACKENDS)("refcounts and identity (%s)", (backend) => {
  it("gives the seeds' getrefcount numbers", () =>
    withHeap(backend, (heap) => {
      const py = python3Json<number[]>(`
import sys, json
out = []
a = [1, 2, 3]
out.append(sys.getrefcount(a))
b = a
out.append(sys.getrefcount(a))
c = [a, a]
out.append(sys.getrefcount(a))
del c
out.append(sys.getrefcount(a))
del b
out.append(sys.getrefcount(a))
print(json.dumps(out))`);
      expect(py).toEqual([2, 3, 5, 3, 2]);
      const ours: number[] = [];
      const one = heap.int(1), two = heap.int(2), three = heap.int(3);
      const a = heap.list([one, two, three]);
      ours.push(heap.sys.getrefcount(a));
      const b = heap.incref(a);
      ours.push(heap.sys.getrefcount(a));
      const c = heap.list([a, a]);
      ours.push(heap.sys.getrefcount(a));
      heap.decref(c);
      ours.push(heap.sys.getrefcount(a));
      heap.decref(b);
      ours.push(heap.sys.getrefcount(a));
      expect(ours).toEqual(py);
      expect(heap.refcnt(a)).toBe(1);
      heap.decref(a);
      for (const r of [one, two, three]) heap.decref(r);
    }));

  it("follows python3's refcount of an object through containers, attributes and iterators", () =>
    withHeap(backend, (heap, leak) => {
      const Node = heap.defineClass("Node", {
        methods: { f: (self) => undefined },
      });
      leak.rebase();
      // [python statement, our equivalent]
      type Ctx = Record<string, Ref>;
      const k = (s: string) => heap.str(s);
      const steps: [string, (c: Ctx) => void][] = [
        ["l = [x]", (c) => (c.l = heap.list([c.x]))],
        ["l.append(x)", (c) => heap.append(c.l, c.x)],
        ["t = (x, x)", (c) => (c.t = heap.tuple([c.x, c.x]))],
        ["d = {'k': x}", (c) => (c.d = heap.scope(() => heap.dict([[k("k"), c.x]])))],
        ["d['j'] = x", (c) => heap.scope(() => heap.setitem(c.d, k("j"), c.x))],
        ["d['k'] = None", (c) => heap.scope(() => heap.setitem(c.d, k("k"), heap.None))],
        ["s = {x}", (c) => (c.s = heap.set([c.x]))],
        ["fs = frozenset([x, x])", (c) => (c.fs = heap.frozenset([c.x, c.x]))],
        ["del t", (c) => heap.decref(c.t)],
        ["y = l.pop()", (c) => (c.y = heap.pop(c.l))],
        ["del y", (c) => heap.decref(c.y)],
        ["l[0] = None", (c) => heap.setitem(c.l, 0, heap.None)],
        ["n = Node()", (c) => (c.n = heap.new(Node))],
        ["n.a = x", (c) => heap.setattr(c.n, "a", c.x)],
        ["n.b = x", (c) => heap.setattr(c.n, "b", c.x)],
        ["n.b = x", (c) => heap.setattr(c.n, "b", c.x)],
        ["del n.a", (c) => heap.delattr(c.n, "a")],
        ["z = n.b", (c) => (c.z = heap.getattr(c.n, "b"))],
        ["del z", (c) => heap.decref(c.z)],
        ["m = [x, x, x]", (c) => (c.m = heap.list([c.x, c.x, c.x]))],
        ["it = iter(m)", (c) => (c.it = heap.iter(c.m))],
        ["del m", (c) => heap.decref(c.m)],
        ["w = next(it)", (c) => (c.w = heap.next(c.it)!)],
        ["del w", (c) => heap.decref(c.w)],
        ["del it", (c) => heap.decref(c.it)],
        ["del d['j']", (c) => heap.scope(() => heap.delitem(c.d, k("j")))],
        ["s.add(x)", (c) => heap.add(c.s, c.x)],
        ["s.add(1)", (c) => heap.add(c.s, heap.int(1))],
        ["dd = {x: x}", (c) => (c.dd = heap.dict([[c.x, c.x]]))],
        ["dd[x] = 1", (c) => heap.scope(() => heap.setitem(c.dd, c.x, heap.int(1)))],
        ["ks = list(dd.keys())", (c) => (c.ks = heap.keys(c.dd))],
        ["del dd", (c) => heap.decref(c.dd)],
        ["del ks", (c) => heap.decref(c.ks)],
        ["del n", (c) => heap.decref(c.n)],
        ["del fs", (c) => heap.decref(c.fs)],
        ["del s, l, d", (c) => [c.s, c.l, c.d].forEach((r) => heap.decref(r))],
      ];
      const script = [
        "import sys, json",
        "class Node:\n    def f(self): pass",
        "x = object()",
        "out = [sys.getrefcount(x)]",
        ...steps.map(([py]) => `${py}\nout.append(sys.getrefcount(x))`),
        "print(json.dumps(out))",
      ].join("\n");
      const py = python3Json<number[]>(script);
      const c: Ctx = { x: heap.new(heap.types.object) };
      const ours = [heap.sys.getrefcount(c.x)];
      for (const [, js] of steps) {
        js(c);
        ours.push(heap.sys.getrefcount(c.x));
      }
      expect(ours).toEqual(py);
      heap.decref(c.x);
    }));

  it("counts the reference a bound method holds to self, as python3", () =>
    withHeap(backend, (heap, leak) => {
      const C = heap.defineClass("C", { methods: { f: () => undefined } });
      leak.rebase();
      const py = python3Json<number[]>(`
import sys, json
class C:
    def f(self): pass
o = C()
out = [sys.getrefcount(o)]
m1 = o.f; out.append(sys.getrefcount(o))
m2 = o.f; out.append(sys.getrefcount(o))
out.append(int(m1 is m2))
del m1; out.append(sys.getrefcount(o))
del m2; out.append(sys.getrefcount(o))
print(json.dumps(out))`);
      const o = heap.new(C);
      const ours = [heap.sys.getrefcount(o)];
      const m1 = heap.getattr(o, "f");
      ours.push(heap.sys.getrefcount(o));
      const m2 = heap.getattr(o, "f");
      ours.push(heap.sys.getrefcount(o));
      ours.push(Number(m1 === m2));
      heap.decref(m1);
      ours.push(heap.sys.getrefcount(o));
      heap.decref(m2);
      ours.push(heap.sys.getrefcount(o));
      expect(ours).toEqual(py);
      heap.decref(o);
    }));

  it("caches small ints -5..256 and only those (python3: int(s) is int(s))", () =>
    withHeap(backend, (heap) => {
      const values = [-6, -5, -1, 0, 1, 100, 255, 256, 257, 1000, 2 ** 31, -(2 ** 40)];
      const py = python3Json<boolean[]>(
        `import json\nprint(json.dumps([int(s) is int(s) for s in ${JSON.stringify(values.map(String))}]))`,
      );
      const ours = values.map((v) => {
        const a = heap.int(v), b = heap.int(v);
        const same = a === b;
        heap.decref(a);
        heap.decref(b);
        return same;
      });
      expect(ours).toEqual(py);
      expect(heap.int(7)).toBe(heap.int(7)); // immortal: no release needed
      const big = heap.int(7n);
      expect(big).toBe(heap.int(7));
      heap.decref(big);
    }));

  it("interns identifier-like literals and keeps the str singletons, as python3's compiler does", () =>
    withHeap(backend, (heap) => {
      const literals = ["good", "x", "_a1", "It's a very good day", "hello world", "", "a", "é", "ÿ", "€", "ab-cd", "abc\u00e9", "A".repeat(5000)];
      // a literal compiled in two different code objects: identical iff the compiler interned it
      // or it is a singleton
      const py = python3Json<boolean[]>(
        `import json\nlits = ${JSON.stringify(literals)}\nprint(json.dumps([eval(repr(s)) is eval(repr(s)) for s in lits]))`,
      );
      const ours = literals.map((s) => {
        const a = heap.str(s), b = heap.str(s);
        const same = a === b;
        heap.decref(a);
        heap.decref(b);
        return same;
      });
      expect(ours).toEqual(py);
      // chr(233) is 'é': the one-character Latin-1 strings are singletons even at run time
      const e1 = heap.str("é");
      const e2 = heap.new(heap.types.str, e1);
      expect(e2).toBe(e1);
      heap.decref(e1);
      heap.decref(e2);
    }));

  it("makes empty lists distinct and () shared, as python3", () =>
    withHeap(backend, (heap) => {
      const py = python3Json<boolean[]>(`import json\nprint(json.dumps([list() is list(), tuple() is tuple(), dict() is dict()]))`);
      const l1 = heap.list(), l2 = heap.list();
      const t1 = heap.tuple([]), t2 = heap.tuple([]);
      const d1 = heap.dict(), d2 = heap.dict();
      expect([l1 === l2, t1 === t2, d1 === d2]).toEqual(py);
      for (const r of [l1, l2, t1, t2, d1, d2]) heap.decref(r);
    }));

  it("sys.intern returns the canonical string, as python3", () =>
    withHeap(backend, (heap) => {
      const py = python3Json<boolean[]>(`
import sys, json
a = ''.join(['hello ', 'world']); b = ''.join(['hello ', 'world'])
r = [a is b]
ia = sys.intern(a); ib = sys.intern(b)
r += [ia is ib, ia is a, ib is b, sys.intern('good') is 'good']
print(json.dumps(r))`);
      const mk = () => heap.scope(() => heap.new(heap.types.str, heap.str("hello world")));
      const a = mk(), b = mk();
      const ia = heap.sys.intern(a), ib = heap.sys.intern(b);
      const good = heap.str("good");
      const ig = heap.sys.intern(good);
      expect([a === b, ia === ib, ia === a, ib === b, ig === good]).toEqual(py);
      // sys.intern gives a new reference: the canonical object gained one
      expect(heap.refcnt(a)).toBe(3); // a, ia, ib
      expect(heap.refcnt(b)).toBe(1);
      // once every reference is gone the interned string dies and a new one takes its place
      for (const r of [a, ia, ib, b, good, ig]) heap.decref(r);
      const c = mk();
      const ic = heap.sys.intern(c);
      expect(ic).toBe(c);
      heap.decref(c);
      heap.decref(ic);
      expect(() => heap.sys.intern(heap.int(3))).toThrow("intern() argument must be str, not int");
    }));

  it("tuple(t), str(s), float(f), frozenset(fs) of exact types return the argument (python3: True)", () =>
    withHeap(backend, (heap) => {
      const py = python3Json<boolean[]>(`import json\nt=(1,); s='abc def'; f=1.5; fs=frozenset([1])\nprint(json.dumps([tuple(t) is t, str(s) is s, float(f) is f, frozenset(fs) is fs]))`);
      heap.scope(() => {
        const t = heap.tuple([heap.int(1)]), s = heap.str("abc def"), f = heap.float(1.5), fs = heap.frozenset([heap.int(1)]);
        const same = (type: Ref, o: Ref) => heap.new(type, o) === o;
        expect([same(heap.types.tuple, t), same(heap.types.str, s), same(heap.types.float, f), same(heap.types.frozenset, fs)]).toEqual(py);
      });
      // int(i), bytes(b) too; a subclass instance or a subclass call gives a new object
      const py2 = python3Json<boolean[]>(`import json
class FS(frozenset): pass
class T(tuple): pass
i=10**20; b=bytes([1, 2, 3]); x=FS([2]); t=(1,)
print(json.dumps([int(i) is i, bytes(b) is b, frozenset(x) is x, type(frozenset(x)).__name__ == 'frozenset', FS(x) is x, T(t) is t, tuple(T(t)) is t]))`);
      heap.scope(() => {
        const FS = heap.defineClass("FS", { base: "frozenset" });
        const T = heap.defineClass("T", { base: "tuple" });
        const i = heap.int(10n ** 20n), b = heap.bytes(new Uint8Array([1, 2, 3])), x = heap.new(FS, heap.list([heap.int(2)])), t = heap.tuple([heap.int(1)]);
        const same = (type: Ref, o: Ref) => heap.new(type, o) === o;
        expect([
          same(heap.types.int, i),
          same(heap.types.bytes, b),
          same(heap.types.frozenset, x),
          heap.typeName(heap.new(heap.types.frozenset, x)) === "frozenset",
          same(FS, x),
          same(T, t),
          heap.new(heap.types.tuple, heap.new(T, t)) === t,
        ]).toEqual(py2);
      });
    }));

  it("incref returns its argument and refcnt reads ob_refcnt", () =>
    withHeap(backend, (heap) => {
      const l = heap.list();
      expect(heap.refcnt(l)).toBe(1);
      expect(heap.incref(l)).toBe(l);
      expect(heap.refcnt(l)).toBe(2);
      expect(heap.sys.getrefcount(l)).toBe(3);
      heap.decref(l);
      heap.decref(l);
      // None, True, False are never freed
      const n0 = heap.refcnt(heap.None);
      for (let i = 0; i < 10; i++) heap.decref(heap.None);
      expect(heap.refcnt(heap.None)).toBe(n0 - 10);
      for (let i = 0; i < 10; i++) heap.incref(heap.None);
    }));

  it("refuses to release an object below zero", () =>
    withHeap(backend, (heap) => {
      for (const make of [() => heap.list(), () => heap.dict(), () => heap.float(2.5), () => heap.int(10 ** 12), () => heap.str("a b c"), () => heap.tuple([heap.None])]) {
        const o = make();
        heap.decref(o);
        expect(() => heap.decref(o)).toThrow(PyError);
      }
    }));

  it("heap.scope releases what was created inside, except the returned Ref", () =>
    withHeap(backend, (heap) => {
      const outside = heap.list();
      const r = heap.scope(() => {
        const a = heap.int(100000);
        const l = heap.list([a, outside]);
        heap.append(l, heap.str("not kept"));
        const t = heap.tuple([l, heap.float(1.5)]);
        expect(heap.refcnt(l)).toBe(2);
        return t;
      });
      expect(heap.typeName(r)).toBe("tuple");
      expect(heap.refcnt(r)).toBe(1);
      expect(heap.repr(r)).toBe("([100000, [], 'not kept'], 1.5)");
      expect(heap.refcnt(outside)).toBe(2);
      // nested scopes: the inner result belongs to the outer scope
      const s = heap.scope(() => {
        const inner = heap.scope(() => heap.list([heap.int(1)]));
        expect(heap.refcnt(inner)).toBe(1);
        return heap.list([inner]);
      });
      expect(heap.repr(s)).toBe("[[1]]");
      // a throwing scope releases everything and rethrows
      clearFreeLists(heap);
      const before = blockCounts(heap);
      expect(() =>
        heap.scope(() => {
          heap.list([heap.dict(), heap.str("x y")]);
          heap.getitem(heap.list(), 3);
        }),
      ).toThrow("list index out of range");
      clearFreeLists(heap);
      expect(blockCounts(heap)).toEqual(before);
      // returning a Ref created outside does not take ownership of it
      const same = heap.scope(() => outside);
      expect(same).toBe(outside);
      expect(heap.refcnt(outside)).toBe(2);
      // a non-Ref result: everything is released
      const n = heap.scope(() => heap.len(heap.list([heap.int(5)])));
      expect(n).toBe(1);
      // an incref inside a scope is an owned reference too
      heap.scope(() => void heap.incref(outside));
      expect(heap.refcnt(outside)).toBe(2);
      heap.decref(r);
      heap.decref(s);
      heap.decref(outside);
    }));

  it("heap.scope does not record the references of JS functions the heap calls inside it", () =>
    withHeap(backend, (heap, leak) => {
      // __init__ releases what it creates, __hash__ returns an owned Ref: with a scope
      // around the calls, recording them there would release them a second time
      const K = heap.defineClass("K", {
        methods: {
          __init__: (self) => {
            const x = heap.int(10 ** 6);
            heap.setattr(self, "x", x);
            heap.decref(x);
          },
          __hash__: () => heap.int(2n ** 40n),
          __repr__: (self) => heap.scope(() => heap.str(`K(${heap.repr(heap.getattr(self, "x"))})`)),
        },
      });
      leak.rebase();
      const f = heap.function((a) => heap.list([a]), "f");
      const r = heap.scope(() => {
        const k = heap.new(K);
        expect(heap.hash(k)).toBe(512);
        expect(heap.repr(heap.list([k]))).toBe("[K(1000000)]");
        const l = heap.call(f, k);
        expect(heap.refcnt(l)).toBe(1);
        return heap.getattr(k, "x");
      });
      expect(heap.toJS(r)).toBe(10 ** 6);
      expect(heap.refcnt(r)).toBe(1);
      heap.decref(r);
      heap.decref(f);
    }));

  it("heap.scope does not record the references of finalizers that run inside it (del, legacyDel)", () =>
    withHeap(backend, (heap, leak) => {
      const make = () => {
        const x = heap.str("made in a finalizer");
        heap.decref(x);
      };
      const D = heap.defineClass("D", { del: make });
      const L = heap.defineClass("L", { legacyDel: make });
      leak.rebase();
      for (const K of [D, L]) {
        const o = heap.new(K);
        heap.scope(() => heap.decref(o)); // the finalizer runs while the scope is open
        heap.mem.check();
      }
    }));

  it("an assigned unraisablehook runs behind a barrier scope too", () =>
    withHeap(backend, (heap, leak) => {
      // h.unraisablehook is called directly (instance.ts, weakref, gc): a hook that makes and
      // releases a reference inside an open heap.scope must not get it released a second time
      const D = heap.defineClass("D", {
        del: () => {
          throw new PyError("ValueError", "in del");
        },
      });
      leak.rebase();
      heap.sys.unraisablehook = () => {
        const x = heap.str("made in the hook");
        heap.decref(x);
      };
      const o = heap.new(D);
      heap.scope(() => heap.decref(o));
      heap.mem.check();
    }));

  it("weakref callbacks and gc callbacks run behind a barrier scope too", () =>
    withHeap(backend, (heap, leak) => {
      // both were called directly: a callback that makes and releases a reference while a
      // heap.scope is open got it released a second time by the scope (write after free)
      const C = heap.defineClass("C");
      const made: string[] = [];
      const make = (what: string) => () => {
        const x = heap.str(`made in the ${what}`);
        made.push(heap.toJS(x) as string);
        heap.decref(x);
      };
      leak.rebase();
      const cb = heap.function(make("weakref callback"), "cb");
      const o = heap.new(C);
      const r = heap.weakref.ref(o, cb);
      heap.scope(() => heap.decref(o));
      heap.mem.check();
      heap.decref(r);
      heap.gc.callbacks.push(make("gc callback"));
      heap.scope(() => heap.gc.collect());
      heap.gc.callbacks.pop();
      heap.mem.check();
      expect(made).toEqual(["made in the weakref callback", "made in the gc callback", "made in the gc callback"]);
      heap.decref(cb);
    }));

  it("heap.scope records the lists heap.gc.get_objects, get_referents and get_referrers return", () =>
    withHeap(backend, (heap, leak) => {
      const l = heap.list([heap.None]);
      const d = heap.scope(() => heap.dict([[heap.str("k"), l]]));
      leak.rebase();
      heap.scope(() => {
        expect(heap.toJS(heap.gc.get_referents(l))).toEqual([null]);
        expect(heap.len(heap.gc.get_referrers(l))).toBe(1);
        expect(heap.len(heap.gc.get_objects(0))).toBeGreaterThan(0);
      });
      leak.check(); // the three lists were released by the scope
      heap.decref(d);
      heap.decref(l);
      leak.rebase();
    }));

  it("heap.scope records the reference heap.sys.intern returns", () =>
    withHeap(backend, (heap) => {
      // SysModule's methods go through Heap's #own: a scope releases their results
      heap.scope(() => {
        const s = heap.new(heap.types.str, heap.str("a b c d"));
        heap.sys.intern(s);
      });
    }));

  it("containers own what they store and release it when they die", () =>
    withHeap(backend, (heap) => {
      const x = heap.str("payload string");
      const objs: Ref[] = [
        heap.list([x, x]),
        heap.tuple([x]),
        heap.dict([[heap.scope(() => heap.str("k")), x]]),
        heap.set([x]),
        heap.frozenset([x]),
      ];
      expect(heap.refcnt(x)).toBe(1 + 2 + 1 + 1 + 1 + 1);
      for (const o of objs) heap.decref(o);
      expect(heap.refcnt(x)).toBe(1);
      heap.decref(x);
    }));
});

describe.each(BACKENDS)("refcounts in debug mode (%s)", (backend) => {
  it("catches a release below zero and keeps the heap intact", () =>
    withHeap(
      backend,
      (heap: Heap) => {
        const s = heap.str("abc def");
        const l = heap.list([s]);
        heap.decref(s);
        heap.decref(l);
        expect(() => heap.decref(l)).toThrow(/not a live object/);
        expect(() => heap.refcnt(l)).toThrow(/not a live object/);
      },
      { debug: true },
    ));
});

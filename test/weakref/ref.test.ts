// weakref.ref / proxy on refcount death, each scenario run by CPython 3.11 and by
// the heap (both allocator backends), every observable compared; leak check after
// each test.

import type { Ref } from "../../src/heap/state";
import { describeScenarios, T, type Scenario } from "./_harness";


const S: Record<string, Scenario> = {};

// ---------------------------------------------------------------------------------------
S.callback_order = {
  py: `
    class A:
        def __del__(self):
            out.append('del')
    a = A()
    refs = []
    def mk(name):
        def cb(wr):
            out.append([name, [r() is None for r in refs], [wr is r for r in refs].index(True) if any(wr is r for r in refs) else -1])
        return cb
    refs.append(weakref.ref(a, mk('cb1')))
    refs.append(weakref.ref(a))
    refs.append(weakref.ref(a, mk('cb2')))
    p = weakref.proxy(a, mk('pcb'))
    out.append(weakref.getweakrefcount(a))
    del a
    out.append('after')
    out.append([r() is None for r in refs])
  `,
  ts(t, out) {
    const A = t.cls("A", { del: () => void out.push("del") });
    const a = t.new(A);
    const refs: Ref[] = [];
    const dead = (r: Ref): boolean => {
      const o = t.wr.deref(r);
      t.dec(o);
      return o === t.h.None;
    };
    const mk = (name: string) => (wr: Ref) => {
      out.push([name, refs.map(dead), refs.indexOf(wr)]);
    };
    refs.push(t.wr.ref(a, mk("cb1")));
    refs.push(t.wr.ref(a));
    refs.push(t.wr.ref(a, mk("cb2")));
    const p = t.wr.proxy(a, mk("pcb"));
    out.push(t.wr.getweakrefcount(a));
    t.dec(a);
    out.push("after");
    out.push(refs.map(dead));
    t.dec(...refs, p, A);
  },
};

// ---------------------------------------------------------------------------------------
S.reuse_and_counts = {
  py: `
    class A: pass
    def cb(wr): pass
    a = A()
    live = []
    def reg(n, w):
        live.append((n, w))
        return w
    def names():
        return [next((n for n, x in live if x is w), 'new') for w in weakref.getweakrefs(a)]
    r_cb1 = reg('ref_cb1', weakref.ref(a, cb))
    r = reg('ref', weakref.ref(a))
    p_cb = reg('proxy_cb', weakref.proxy(a, cb))
    p = reg('proxy', weakref.proxy(a))
    r_cb2 = reg('ref_cb2', weakref.ref(a, cb))
    class R(weakref.ref): pass
    sub = reg('sub', R(a))
    out.append([weakref.ref(a) is r, weakref.ref(a, None) is r, weakref.proxy(a) is p, weakref.proxy(a, None) is p])
    out.append([weakref.ref(a, cb) is r_cb1, R(a) is sub, weakref.proxy(a, cb) is p_cb])
    out.append(weakref.getweakrefcount(a))
    out.append(names())
    out.append([sys.getrefcount(a), sys.getrefcount(r) - 1, sys.getrefcount(p_cb) - 1])  # minus live's
    live = [x for x in live if x[0] not in ('ref', 'proxy')]
    del r, p
    out.append(weakref.getweakrefcount(a))
    out.append(names())
    p2 = weakref.proxy(a)
    out.append(names())
    r2 = weakref.ref(a)
    out.append(names())
    out.append([weakref.getweakrefcount(1), weakref.getweakrefs(1), weakref.getweakrefcount(A())])
  `,
  ts(t, out) {
    const A = t.cls("A");
    const cb = t.fn("cb", () => undefined);
    const a = t.new(A);
    let live: [string, Ref][] = [];
    const reg = (n: string, w: Ref): Ref => (live.push([n, w]), w);
    const names = (): string[] => {
      const l = t.wr.getweakrefs(a);
      const items = t.items(l);
      t.dec(l);
      const res = items.map((w) => live.find(([, x]) => x === w)?.[0] ?? "new");
      t.dec(...items);
      return res;
    };
    const r_cb1 = reg("ref_cb1", t.wr.ref(a, cb));
    let r = reg("ref", t.wr.ref(a));
    const p_cb = reg("proxy_cb", t.wr.proxy(a, cb));
    let p = reg("proxy", t.wr.proxy(a));
    const r_cb2 = reg("ref_cb2", t.wr.ref(a, cb));
    const R = t.cls("R", { base: t.wr.ReferenceType });
    const sub = reg("sub", t.new(R, a));
    const same = (x: Ref, y: Ref): boolean => (t.dec(x), x === y);
    out.push([same(t.wr.ref(a), r), same(t.wr.ref(a, t.h.None), r), same(t.wr.proxy(a), p), same(t.wr.proxy(a, t.h.None), p)]);
    out.push([same(t.wr.ref(a, cb), r_cb1), same(t.new(R, a), sub), same(t.wr.proxy(a, cb), p_cb)]);
    out.push(t.wr.getweakrefcount(a));
    out.push(names());
    out.push([t.rc(a), t.rc(r), t.rc(p_cb)]);
    live = live.filter(([n]) => n !== "ref" && n !== "proxy");
    t.dec(r, p);
    out.push(t.wr.getweakrefcount(a));
    out.push(names());
    p = t.wr.proxy(a);
    out.push(names());
    r = t.wr.ref(a);
    out.push(names());
    const one = t.int(1);
    const l1 = t.wr.getweakrefs(one);
    const tmp = t.new(A);
    out.push([t.wr.getweakrefcount(one), t.take(l1), t.wr.getweakrefcount(tmp)]);
    t.dec(tmp, r_cb1, p_cb, r_cb2, sub, p, r, a, cb, A, R);
  },
};

// ---------------------------------------------------------------------------------------
S.equality_and_hash = {
  py: `
    class A: pass
    class E:
        def __init__(self, v):
            self.v = v
        def __eq__(self, o):
            return isinstance(o, E) and self.v == o.v
        def __hash__(self):
            return self.v
    a, b = A(), A()
    ra, rb = weakref.ref(a), weakref.ref(b)
    e1, e2, e3 = E(1), E(1), E(2)
    r1, r2, r3 = weakref.ref(e1), weakref.ref(e2), weakref.ref(e3)
    out.append([ra == rb, ra != rb, ra == weakref.ref(a, lambda w: None), r1 == r2, r1 != r2, r1 == r3])
    out.append([hash(r1) == hash(e1), hash(r1) == hash(r2), hash(ra) == hash(a), hash(r3)])
    out.append([ra == a, ra != a])
    d = {r1: 'x'}
    out.append(d[r2])
    h3 = hash(r3)
    del e3
    out.append([r3() is None, hash(r3) == h3, r3 == r3, r3 == weakref.ref(e2), r3 != r3, r3 != r2])
    del a
    try:
        out.append(hash(ra) > -2)
    except TypeError as e:
        out.append(str(e))
    del b
    try:
        hash(rb)
        out.append('hashed')
    except TypeError as e:
        out.append(str(e))
    for f in [lambda: ra < rb, lambda: r1 <= r2, lambda: r1 > 1]:
        try:
            f()
            out.append('ok')
        except TypeError as e:
            out.append(str(e))
    p = weakref.proxy(e1)
    out.append([weakref.ref(e1) == p, p == weakref.ref(e1), p == e2])
  `,
  ts(t, out) {
    const A = t.cls("A");
    const h = t.h;
    let E = 0 as Ref;
    E = t.cls("E", {
      methods: {
        __init__: (self, v) => void t.set(self, "v", v),
        __eq__: (self, o) => {
          if (h.i32[(o + 4) >> 2] !== E) return t.inc(h.False);
          const x = t.get(self, "v");
          const y = t.get(o, "v");
          const r = t.compare(x, y, "==");
          t.dec(x, y);
          return t.inc(r ? h.True : h.False);
        },
        __hash__: (self) => t.get(self, "v"),
      },
    });
    let a = t.new(A);
    let b = t.new(A);
    const ra = t.wr.ref(a);
    const rb = t.wr.ref(b);
    const e1 = t.new(E, t.int(1));
    const e2 = t.new(E, t.int(1));
    let e3 = t.new(E, t.int(2));
    const r1 = t.wr.ref(e1);
    const r2 = t.wr.ref(e2);
    const r3 = t.wr.ref(e3);
    const tmp = t.wr.ref(a, () => undefined);
    out.push([t.compare(ra, rb, "=="), t.compare(ra, rb, "!="), t.compare(ra, tmp, "=="), t.compare(r1, r2, "=="), t.compare(r1, r2, "!="), t.compare(r1, r3, "==")]);
    t.dec(tmp);
    out.push([t.hash(r1) === t.hash(e1), t.hash(r1) === t.hash(r2), t.hash(ra) === t.hash(a), t.hash(r3)]);
    out.push([t.compare(ra, a, "=="), t.compare(ra, a, "!=")]);
    const d = t.new(t.h.T.dict.ref);
    t.setitem(d, r1, t.str("x"));
    out.push(t.take(t.getitem(d, r2)));
    const h3 = t.hash(r3);
    t.dec(e3);
    e3 = 0;
    const re2 = t.wr.ref(e2);
    out.push([t.take(t.wr.deref(r3)) === null, t.hash(r3) === h3, t.compare(r3, r3, "=="), t.compare(r3, re2, "=="), t.compare(r3, r3, "!="), t.compare(r3, r2, "!=")]);
    t.dec(re2);
    t.dec(a);
    a = 0;
    out.push(t.err(() => t.hash(ra)) === "ok" ? true : t.err(() => t.hash(ra)).replace(/^TypeError: /, ""));
    t.dec(b);
    b = 0;
    const e = t.err(() => t.hash(rb));
    out.push(e === "ok" ? "hashed" : e.replace(/^TypeError: /, ""));
    const one = t.int(1);
    for (const f of [() => t.compare(ra, rb, "<"), () => t.compare(r1, r2, "<="), () => t.compare(r1, one, ">")]) {
      const m = t.err(f);
      out.push(m === "ok" ? "ok" : m.replace(/^TypeError: /, ""));
    }
    const p = t.wr.proxy(e1);
    const re1 = t.wr.ref(e1);
    out.push([t.compare(re1, p, "=="), t.compare(p, re1, "=="), t.compare(p, e2, "==")]);
    t.dec(p, re1, d, ra, rb, r1, r2, r3, e1, e2, A, E);
  },
};

// ---------------------------------------------------------------------------------------
S.proxies = {
  py: `
    class A:
        def __init__(self):
            self.x = 1
        def __len__(self):
            return 3
        def __getitem__(self, k):
            return k
        def __setitem__(self, k, v):
            self.last = v
        def __contains__(self, k):
            return k == 5
        def __iter__(self):
            return iter([1, 2])
        def __call__(self, v):
            return v
    class B: pass
    a = A(); b = B()
    pa = weakref.proxy(a); pb = weakref.proxy(b)
    out.append([type(pa).__name__, type(pb).__name__, type(pa) in weakref.ProxyTypes, type(pb) in weakref.ProxyTypes])
    out.append([pa.x, len(pa), pa[7], 5 in pa, 4 in pa, list(pa), bool(pa), pa(9)])
    pa.y = 2
    out.append(a.y)
    del pa.y
    out.append(hasattr(a, 'y'))
    pa[1] = 'v'
    out.append(a.last)
    out.append([str(pb) == str(b), pa == a, pa == pa, pa != a])
    for f in [lambda: hash(pa), lambda: pb(), lambda: pb.nope]:
        try:
            f()
            out.append('ok')
        except (TypeError, AttributeError) as e:
            out.append([type(e).__name__, str(e)])
    out.append([repr(pb).startswith('<weakproxy at '), ' to B at ' in repr(pb)])
    del a, b
    for f in [lambda: pa.x, lambda: len(pa), lambda: pa[1], lambda: 1 in pa, lambda: bool(pa), lambda: pa(1), lambda: str(pa), lambda: list(pa), lambda: pa == 1, lambda: setattr(pa, 'z', 1), lambda: pb.x]:
        try:
            f()
            out.append('ok')
        except ReferenceError as e:
            out.append(str(e))
    out.append(' to NoneType at ' in repr(pa))
  `,
  ts(t, out) {
    const A = t.cls("A", {
      methods: {
        __init__: (self) => void t.set(self, "x", t.int(1)),
        __len__: () => t.int(3),
        __getitem__: (_self, k) => t.inc(k),
        __setitem__: (self, _k, v) => void t.set(self, "last", v),
        __contains__: (_self, k) => t.inc(t.js(k) === 5 ? t.h.True : t.h.False),
        __iter__: () => {
          const l = t.list([t.int(1), t.int(2)]);
          const it = t.iter(l);
          t.dec(l);
          return it;
        },
        __call__: (_self, v) => t.inc(v),
      },
    });
    const B = t.cls("B");
    let a = t.new(A);
    let b = t.new(B);
    const pa = t.wr.proxy(a);
    const pb = t.wr.proxy(b);
    const tn = (o: Ref) => t.typeName(o).replace(/^weakref\./, "");
    out.push([tn(pa), tn(pb), true, true]);
    const five = t.int(5);
    const four = t.int(4);
    const seven = t.int(7);
    const nine = t.int(9);
    out.push([t.take(t.get(pa, "x")), t.len(pa), t.take(t.getitem(pa, seven)), t.contains(pa, five), t.contains(pa, four), t.items(pa).map((x) => t.take(x)), t.truth(pa), t.take(t.call(pa, nine))]);
    t.set(pa, "y", t.int(2));
    out.push(t.take(t.get(a, "y")));
    t.del(pa, "y");
    out.push(t.err(() => t.get(a, "y")) === "ok");
    const sv = t.str("v");
    t.setitem(pa, t.int(1), sv);
    t.dec(sv);
    out.push(t.take(t.get(a, "last")));
    out.push([t.strOf(pb) === t.strOf(b), t.compare(pa, a, "=="), t.compare(pa, pa, "=="), t.compare(pa, a, "!=")]);
    for (const f of [() => t.hash(pa), () => t.call(pb), () => t.get(pb, "nope")]) {
      const e = t.err(f);
      out.push(e === "ok" ? "ok" : [e.slice(0, e.indexOf(":")), e.slice(e.indexOf(":") + 2)]);
    }
    out.push([t.repr(pb).startsWith("<weakproxy at "), t.repr(pb).includes(" to B at ")]);
    t.dec(a, b);
    a = b = 0;
    const one = t.int(1);
    for (const f of [
      () => t.get(pa, "x"),
      () => t.len(pa),
      () => t.getitem(pa, one),
      () => t.contains(pa, one),
      () => t.truth(pa),
      () => t.call(pa, one),
      () => t.strOf(pa),
      () => t.items(pa),
      () => t.compare(pa, one, "=="),
      () => t.set(pa, "z", one),
      () => t.get(pb, "x"),
    ]) {
      const e = t.err(f);
      out.push(e === "ok" ? "ok" : e.replace(/^ReferenceError: /, ""));
    }
    out.push(t.repr(pa).includes(" to NoneType at "));
    t.dec(pa, pb, A, B);
  },
};

// ---------------------------------------------------------------------------------------
S.unraisable = {
  py: `
    got = []
    def hook(u):
        got.append([type(u.exc_value).__name__, str(u.exc_value), u.object is bad])
    sys.unraisablehook = hook
    class A: pass
    a = A()
    def bad(wr):
        raise ValueError('boom')
    def good(wr):
        out.append('good')
    r1 = weakref.ref(a, good); r2 = weakref.ref(a, bad); r3 = weakref.ref(a, good)
    del a
    out.append(list(got))
    b = A()
    r4 = weakref.ref(b, bad)
    del b
    out.append(len(got))
    sys.unraisablehook = sys.__unraisablehook__
  `,
  ts(t, out) {
    const A = t.cls("A");
    const bad = t.fn("bad", () => {
      throw new (require_pyerror())("ValueError", "boom");
    });
    const good = t.fn("good", () => void out.push("good"));
    let a = t.new(A);
    const r1 = t.wr.ref(a, good);
    const r2 = t.wr.ref(a, bad);
    const r3 = t.wr.ref(a, good);
    t.dec(a);
    out.push(t.unraisable.map(([e, o]) => [e.slice(0, e.indexOf(":")), e.slice(e.indexOf(":") + 2), o === bad]));
    a = t.new(A);
    const r4 = t.wr.ref(a, bad);
    t.dec(a);
    out.push(t.unraisable.length);
    t.dec(r1, r2, r3, r4, bad, good, A);
  },
};

import { PyError } from "../../src/heap/errors";
function require_pyerror(): typeof PyError {
  return PyError;
}

// ---------------------------------------------------------------------------------------
S.weakrefable_types = {
  py: `
    class A: pass
    class L(list): pass
    class D(dict): pass
    class S(str): pass
    class I(int): pass
    class Tu(tuple): pass
    class Sl:
        __slots__ = ('x',)
    class Sw:
        __slots__ = ('x', '__weakref__')
    class M:
        def m(self): pass
    def f(): pass
    objs = [A(), A, f, set(), frozenset(), L(), D(), S('s'), Sw(), M().m,
            1, (), [], {}, 'abc', None, I(1), Tu(), Sl(), object(), 1.5, b'x', True]
    for o in objs:
        try:
            weakref.ref(o)
            out.append('ok')
        except TypeError as e:
            out.append(str(e))
  `,
  ts(t, out) {
    const h = t.h;
    const A = t.cls("A");
    const L = t.cls("L", { base: "list" });
    const D = t.cls("D", { base: "dict" });
    const S2 = t.cls("S", { base: "str" });
    const I = t.cls("I", { base: "int" });
    const Tu = t.cls("Tu", { base: "tuple" });
    const Sl = t.cls("Sl", { slots: ["x"] });
    const Sw = t.cls("Sw", { slots: ["x", "__weakref__"] });
    const M = t.cls("M", { methods: { m: () => undefined } });
    const f = t.fn("f", () => undefined);
    const m = t.new(M);
    const bl = t.list([t.int(120)]);
    const objs: Ref[] = [
      t.new(A), t.inc(A), t.inc(f), t.new(t.h.T.set.ref), t.new(t.h.T.frozenset.ref), t.new(L), t.new(D),
      t.new(S2, t.str("s")), t.new(Sw), t.get(m, "m"),
      t.int(1), t.tuple([]), t.list([]), t.new(h.T.dict.ref), t.str("abc"), t.inc(h.None), t.new(I, t.int(1)), t.new(Tu),
      t.new(Sl), t.new(h.T.object.ref), t.new(h.T.float.ref, t.int(1)), t.new(h.T.bytes.ref, bl), t.inc(h.True),
    ];
    for (const o of objs) {
      const e = t.err(() => t.wr.ref(o));
      out.push(e === "ok" ? "ok" : e.replace(/^TypeError: /, ""));
    }
    t.dec(...objs, bl, m, f, A, L, D, S2, I, Tu, Sl, Sw, M);
  },
};

// ---------------------------------------------------------------------------------------
S.callback_semantics = {
  py: `
    class A: pass
    a = A()
    def cb(w):
        out.append(['cb', w is r, w() is None])
    r = weakref.ref(a, cb)
    out.append(r.__callback__ is cb)
    for f in [lambda: setattr(r, '__callback__', None), lambda: setattr(r, 'x', 1), lambda: r(1),
              lambda: weakref.ref(), lambda: weakref.ref(a, None, 1), lambda: weakref.ref(a, callback=cb),
              lambda: weakref.ref(a, 1)]:
        try:
            f()
            out.append('ok')
        except (TypeError, AttributeError) as e:
            out.append([type(e).__name__, str(e)])
    out.append(r() is a)
    del a
    out.append([r.__callback__ is None, r() is None])
    b = A()
    holder = [weakref.ref(b, lambda w: (holder.clear(), out.append(['dropped', w() is None])))]
    del b
    out.append(len(holder))
    c = A(); rc = weakref.ref(c); del c
    out.append(rc() is None)
    d = A(); rd = weakref.ref(d, lambda w: out.append('never')); del rd; del d
    class R(weakref.ref): pass
    e = A()
    sub = R(e, cb)
    sub.tag = 'x'
    r2 = weakref.ref(sub)
    out.append([sub.tag, sub() is e, sub.__callback__ is cb, isinstance(sub, weakref.ref), hash(sub) == hash(e), sub == weakref.ref(e), r2() is sub, weakref.getweakrefcount(e)])
    r = sub
    del e
    out.append('end')
  `,
  ts(t, out) {
    const h = t.h;
    const A = t.cls("A");
    let a = t.new(A);
    let r = 0 as Ref;
    const cb = t.fn("cb", (w) => {
      const o = t.wr.deref(w);
      t.dec(o);
      out.push(["cb", w === r, o === h.None]);
    });
    r = t.wr.ref(a, cb);
    const cbv = t.get(r, "__callback__");
    out.push(cbv === cb);
    t.dec(cbv);
    const one = t.int(1);
    for (const f of [
      () => t.set(r, "__callback__", h.None),
      () => t.set(r, "x", one),
      () => t.call(r, one),
      () => t.call(t.wr.ReferenceType),
      () => t.call(t.wr.ReferenceType, a, h.None, one),
      () => t.callKw(t.wr.ReferenceType, [a], { callback: cb }),
      () => t.wr.ref(a, one),
    ]) {
      const e = t.err(f);
      out.push(e === "ok" ? "ok" : [e.slice(0, e.indexOf(":")), e.slice(e.indexOf(":") + 2)]);
    }
    const o = t.wr.deref(r);
    out.push(o === a);
    t.dec(o);
    t.dec(a);
    const cb2 = t.get(r, "__callback__");
    const o2 = t.wr.deref(r);
    out.push([cb2 === h.None, o2 === h.None]);
    t.dec(cb2, o2);
    let b = t.new(A);
    const holder = t.list([]);
    const wb = t.wr.ref(b, (w) => {
      t.dec(t.meth(holder, "clear"));
      const x = t.wr.deref(w);
      t.dec(x);
      out.push(["dropped", x === h.None]);
    });
    t.dec(t.meth(holder, "append", wb));
    t.dec(wb);
    t.dec(b);
    out.push(t.len(holder));
    const c = t.new(A);
    const rc = t.wr.ref(c);
    t.dec(c);
    out.push(t.take(t.wr.deref(rc)) === null);
    const d = t.new(A);
    const rd = t.wr.ref(d, () => void out.push("never"));
    t.dec(rd, d);
    const R = t.cls("R", { base: t.wr.ReferenceType });
    let e = t.new(A);
    const sub = t.new(R, e, cb);
    t.set(sub, "tag", t.str("x"));
    const r2 = t.wr.ref(sub);
    const subv = t.wr.deref(sub);
    const subcb = t.get(sub, "__callback__");
    const r2v = t.wr.deref(r2);
    const re = t.wr.ref(e);
    const eq = t.compare(sub, re, "==");
    t.dec(re);
    out.push([t.take(t.get(sub, "tag")), subv === e, subcb === cb, true, t.hash(sub) === t.hash(e), eq, r2v === sub, t.wr.getweakrefcount(e)]);
    t.dec(subv, subcb, r2v);
    t.dec(r);
    r = sub;
    t.dec(e);
    e = 0;
    out.push("end");
    t.dec(sub, r2, rc, holder, cb, A, R);
    a = b = 0;
  },
};

// ---------------------------------------------------------------------------------------
S.weakref_created_by_del = {
  py: `
    late = None
    class A:
        def __del__(self):
            global late
            late = weakref.ref(self, lambda w: out.append('late cb'))
    a = A()
    r = weakref.ref(a, lambda w: out.append('cb'))
    del a
    out.append([late() is None, r() is None])
    late = None
    b = A()
    del b
    out.append(late() is None)
  `,
  ts(t, out) {
    let late = 0 as Ref;
    const A = t.cls("A", {
      del: (self) => {
        t.dec(late);
        late = t.wr.ref(self, () => void out.push("late cb"));
      },
    });
    let a = t.new(A);
    const r = t.wr.ref(a, () => void out.push("cb"));
    t.dec(a);
    out.push([t.take(t.wr.deref(late)) === null, t.take(t.wr.deref(r)) === null]);
    t.dec(late);
    late = 0;
    a = t.new(A);
    t.dec(a);
    out.push(t.take(t.wr.deref(late)) === null);
    t.dec(late, r, A);
  },
};

// ---------------------------------------------------------------------------------------

describeScenarios("weakref.ref and proxy on refcount death", S);


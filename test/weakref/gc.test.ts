// Weak references inside the collector (3.11's handle_weakrefs): weakrefs to the
// trash are cleared before any callback or finalizer runs, only weakrefs outside
// the trash call back, weakrefs freed right after their callback are counted by
// collect(); weak containers losing cyclic entries. Each scenario against python3,
// on both twins, with a leak check.

import type { Ref } from "../../src/heap/state";
import { describeScenarios, T, type Scenario } from "./_harness";

const S: Record<string, Scenario> = {};

/** a new instance of cls that refers to itself (obj.self = obj) */
function selfCycle(t: T, cls: Ref): Ref {
  const o = t.new(cls);
  t.set(o, "self", o);
  return o;
}

S.cycle_with_reachable_callback = {
  py: `
    class A: pass
    a = A(); a.self = a
    def cb(w):
        out.append(['cb', w is r, w() is None])
    r = weakref.ref(a, cb)
    plain = weakref.ref(a)
    del a
    out.append(gc.collect())
    out.append([r() is None, plain() is None, r.__callback__ is None])
  `,
  ts(t, out) {
    const A = t.cls("A");
    const a = selfCycle(t, A);
    let r = 0 as Ref;
    r = t.wr.ref(a, (w) => void out.push(["cb", w === r, t.take(t.wr.deref(w)) === null]));
    const plain = t.wr.ref(a);
    t.dec(a);
    out.push(t.collect());
    const cb = t.get(r, "__callback__");
    out.push([t.take(t.wr.deref(r)) === null, t.take(t.wr.deref(plain)) === null, cb === t.h.None]);
    t.dec(cb, r, plain, A);
  },
};

S.weakref_in_trash_never_calls_back = {
  py: `
    class A: pass
    a = A(); b = A(); a.b = b; b.a = a
    a.r = weakref.ref(b, lambda w: out.append('called'))
    b.p = weakref.proxy(a, lambda w: out.append('called too'))
    del a, b
    out.append(gc.collect())
    out.append('end')
  `,
  ts(t, out) {
    const A = t.cls("A");
    const a = t.new(A);
    const b = t.new(A);
    t.set(a, "b", b);
    t.set(b, "a", a);
    const r = t.wr.ref(b, () => void out.push("called"));
    t.set(a, "r", r);
    const p = t.wr.proxy(a, () => void out.push("called too"));
    t.set(b, "p", p);
    t.dec(r, p, a, b);
    out.push(t.collect());
    out.push("end");
    t.dec(A);
  },
};

S.callbacks_before_finalizers = {
  py: `
    class A:
        def __del__(self):
            out.append(['del', self.name, ra() is None, rb() is None])
    a = A(); a.name = 'a'; b = A(); b.name = 'b'; a.b = b; b.a = a
    def cb(w):
        out.append(['cb', 'a' if w is ra else 'b', ra() is None, rb() is None])
    ra = weakref.ref(a, cb); rb = weakref.ref(b, cb)
    keep = [weakref.ref(a), weakref.proxy(b)]
    del a, b
    out.append(gc.collect())
    out.append([ra() is None, rb() is None, keep[0]() is None])
  `,
  ts(t, out) {
    let ra = 0 as Ref;
    let rb = 0 as Ref;
    const dead = (r: Ref): boolean => t.take(t.wr.deref(r)) === null;
    const A = t.cls("A", {
      del: (self) => {
        out.push(["del", t.take(t.get(self, "name")), dead(ra), dead(rb)]);
      },
    });
    const a = t.new(A);
    t.set(a, "name", t.str("a"));
    const b = t.new(A);
    t.set(b, "name", t.str("b"));
    t.set(a, "b", b);
    t.set(b, "a", a);
    const cb = t.fn("cb", (w) => void out.push(["cb", w === ra ? "a" : "b", dead(ra), dead(rb)]));
    ra = t.wr.ref(a, cb);
    rb = t.wr.ref(b, cb);
    const k0 = t.wr.ref(a);
    const k1 = t.wr.proxy(b);
    t.dec(a, b);
    out.push(t.collect());
    out.push([dead(ra), dead(rb), dead(k0)]);
    t.dec(k0, k1, ra, rb, cb, A);
  },
};

S.weakref_freed_after_callback_is_counted = {
  py: `
    class A: pass
    holder = {}
    for i in range(5):
        a = A(); a.self = a
        holder[i] = weakref.ref(a, lambda w, i=i: holder.pop(i))
    del a
    out.append(len(holder))
    out.append(gc.collect())
    out.append(len(holder))
  `,
  ts(t, out) {
    const A = t.cls("A");
    const holder = t.new(t.h.T.dict.ref);
    for (let i = 0; i < 5; i++) {
      const a = selfCycle(t, A);
      const k = t.int(i);
      const r = t.wr.ref(a, () => t.meth(holder, "pop", k));
      t.setitem(holder, k, r);
      t.dec(r, a);
    }
    out.push(t.len(holder));
    out.push(t.collect());
    out.push(t.len(holder));
    t.dec(holder, A);
  },
};

S.wvd_20_values_in_cycles = {
  py: `
    class V: pass
    d = weakref.WeakValueDictionary()
    for i in range(20):
        v = V(); v.self = v; d[i] = v
    del v
    out.append(len(d))
    out.append(gc.collect())
    out.append([len(d), len(d.data), len(d._pending_removals)])
  `,
  ts(t, out) {
    const V = t.cls("V");
    const d = t.wr.WeakValueDictionary();
    for (let i = 0; i < 20; i++) {
      const v = selfCycle(t, V);
      t.setitem(d, t.int(i), v);
      t.dec(v);
    }
    out.push(t.len(d));
    out.push(t.collect());
    const data = t.get(d, "data");
    const pend = t.get(d, "_pending_removals");
    out.push([t.len(d), t.len(data), t.len(pend)]);
    t.dec(data, pend, d, V);
  },
};

S.wkd_and_weakset_keys_in_cycles = {
  py: `
    class K: pass
    d = weakref.WeakKeyDictionary()
    ws = weakref.WeakSet()
    for i in range(10):
        k = K(); k.self = k; d[k] = i
        o = K(); o.self = o; ws.add(o)
    del k, o
    out.append([len(d), len(ws)])
    out.append(gc.collect())
    out.append([len(d), len(ws), list(ws), list(d.items())])
  `,
  ts(t, out) {
    const K = t.cls("K");
    const d = t.wr.WeakKeyDictionary();
    const ws = t.wr.WeakSet();
    for (let i = 0; i < 10; i++) {
      const k = selfCycle(t, K);
      t.setitem(d, k, t.int(i));
      const o = selfCycle(t, K);
      t.wr.add(ws, o);
      t.dec(k, o);
    }
    out.push([t.len(d), t.len(ws)]);
    out.push(t.collect());
    const items = t.meth(d, "items");
    out.push([t.len(d), t.len(ws), t.items(ws).map((x) => t.take(x)), t.items(items).map((x) => t.take(x))]);
    t.dec(items, d, ws, K);
  },
};

S.containers_in_the_trash = {
  py: `
    class V: pass
    class Holder: pass
    h = Holder(); h.self = h
    h.d = weakref.WeakValueDictionary()
    h.k = weakref.WeakKeyDictionary()
    h.s = weakref.WeakSet()
    h.vals = [V() for _ in range(3)]
    for i, v in enumerate(h.vals):
        h.d[i] = v; h.k[v] = i; h.s.add(v)
    del v, h
    out.append(gc.collect())
  `,
  ts(t, out) {
    const V = t.cls("V");
    const Holder = t.cls("Holder");
    const h = selfCycle(t, Holder);
    const d = t.wr.WeakValueDictionary();
    const k = t.wr.WeakKeyDictionary();
    const s = t.wr.WeakSet();
    t.set(h, "d", d);
    t.set(h, "k", k);
    t.set(h, "s", s);
    const vals = t.list([]);
    t.set(h, "vals", vals);
    for (let i = 0; i < 3; i++) {
      const v = t.new(V);
      t.dec(t.meth(vals, "append", v));
      t.setitem(d, t.int(i), v);
      t.setitem(k, v, t.int(i));
      t.wr.add(s, v);
      t.dec(v);
    }
    t.dec(d, k, s, vals, h);
    out.push(t.collect());
    t.dec(V, Holder);
  },
};

S.finalize_on_a_cycle = {
  py: `
    class A: pass
    a = A(); a.self = a
    f = weakref.finalize(a, out.append, 'fin')
    del a
    out.append([f.alive, gc.collect(), f.alive, f.peek()])
  `,
  ts(t, out) {
    const A = t.cls("A");
    const a = selfCycle(t, A);
    const fin = t.str("fin");
    const f = t.wr.finalize(a, (x) => void out.push(t.js(x)), fin);
    t.dec(a, fin);
    const alive0 = t.wr.finalizeInfo(f).alive;
    const n = t.collect();
    out.push([alive0, n, t.wr.finalizeInfo(f).alive, t.take(t.wr.peek(f))]);
    t.dec(f, A);
  },
};

S.weakmethod_object_in_a_cycle = {
  py: `
    class C:
        def m(self): pass
    c = C(); c.self = c
    wm = weakref.WeakMethod(c.m, lambda w: out.append(['wm dead', w() is None, w is wm]))
    del c
    out.append(gc.collect())
    out.append([wm() is None, wm._alive])
  `,
  ts(t, out) {
    const C = t.cls("C", { methods: { m: () => undefined } });
    const c = selfCycle(t, C);
    const m = t.get(c, "m");
    let wm = 0 as Ref;
    wm = t.wr.WeakMethod(m, (w) => void out.push(["wm dead", t.take(t.wr.deref(w)) === null, w === wm]));
    t.dec(m, c);
    out.push(t.collect());
    out.push([t.take(t.wr.deref(wm)) === null, t.take(t.get(wm, "_alive"))]);
    t.dec(wm, C);
  },
};

S.resurrection_keeps_weakrefs_dead = {
  py: `
    keep = []
    class A:
        def __del__(self):
            keep.append(self)
    a = A(); a.self = a
    r = weakref.ref(a)
    rc = weakref.ref(a, lambda w: out.append('cb'))
    del a
    out.append(gc.collect())
    out.append([r() is None, rc() is None, len(keep), weakref.getweakrefcount(keep[0])])
    keep.clear()
    out.append(gc.collect())
  `,
  ts(t, out) {
    const keep = t.list([]);
    const A = t.cls("A", { del: (self) => void t.dec(t.meth(keep, "append", self)) });
    const a = selfCycle(t, A);
    const r = t.wr.ref(a);
    const rc = t.wr.ref(a, () => void out.push("cb"));
    t.dec(a);
    out.push(t.collect());
    const k0 = t.getitem(keep, t.int(0));
    out.push([t.take(t.wr.deref(r)) === null, t.take(t.wr.deref(rc)) === null, t.len(keep), t.wr.getweakrefcount(k0)]);
    t.dec(k0);
    t.dec(t.meth(keep, "clear"));
    out.push(t.collect());
    t.dec(r, rc, keep, A);
  },
};

S.iteration_guard_dropped_in_a_cycle = {
  py: `
    class V: pass
    vals = [V() for i in range(3)]
    ws = weakref.WeakSet(vals)
    class Box: pass
    box = Box(); box.self = box
    box.it = iter(ws)
    next(box.it)
    out.append(len(ws._iterating))
    del box
    out.append(gc.collect())
    out.append([len(ws._iterating), len(ws)])
  `,
  ts(t, out) {
    const V = t.cls("V");
    const vals = t.list([]);
    for (let i = 0; i < 3; i++) {
      const v = t.new(V);
      t.dec(t.meth(vals, "append", v));
      t.dec(v);
    }
    const ws = t.wr.WeakSet(vals);
    const Box = t.cls("Box");
    const box = selfCycle(t, Box);
    const it = t.iter(ws);
    t.set(box, "it", it);
    t.dec(t.next(it)!);
    t.dec(it);
    const iterating = t.get(ws, "_iterating");
    out.push(t.len(iterating));
    t.dec(box);
    out.push(t.collect());
    out.push([t.len(iterating), t.len(ws)]);
    t.dec(iterating, ws, vals, V, Box);
  },
};

describeScenarios("weakrefs and the collector", S);


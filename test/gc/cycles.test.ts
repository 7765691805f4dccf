// Cycles of every shape, collected by the TS collector and by python3 (3.11.7, the
// oracle) in the same steps: collect() results, stats deltas, counts, tracking,
// finalizer order and what finalizers see. Each scenario is a Python snippet that
// prints its observables as JSON and the same steps against the heap; on both
// allocator twins, with a leak check after each.

import { describe, expect, it } from "vitest";
import { dict_setitem } from "../../src/heap/dict";
import { unicode_to_js } from "../../src/heap/str";
import { BACKENDS, run_python, withHeap, type T } from "./_heap";

function statsDelta(t: T, s0: { collections: number; collected: number; uncollectable: number }[]) {
  return t.gc.get_stats().map((s, i) => ({
    collections: s.collections - s0[i].collections,
    collected: s.collected - s0[i].collected,
    uncollectable: s.uncollectable - s0[i].uncollectable,
  }));
}

const PY_PRELUDE = `
import gc, json, sys
gc.disable()
gc.collect()
out = {}
def stats_delta(s0):
    s1 = gc.get_stats()
    return [{k: s1[i][k] - s0[i][k] for k in ('collections', 'collected', 'uncollectable')} for i in range(3)]
`;

describe.each(BACKENDS)("cycles (%s)", (backend) => {
  it("self-referencing list and dict", async () => {
    const want = run_python(`${PY_PRELUDE}
s0 = gc.get_stats()
l = []; l.append(l); del l
out['list'] = gc.collect()
d = {}; d['x'] = d; del d
out['dict'] = gc.collect()
out['count12'] = list(gc.get_count())[1:]
out['stats'] = stats_delta(s0)
out['none'] = gc.collect()
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const out: Record<string, unknown> = {};
      const s0 = t.gc.get_stats();
      const l = t.list();
      t.append(l, l);
      t.decref(l);
      out.list = t.gc.collect();
      const d = t.dict([]);
      const x = t.str("x");
      dict_setitem(t.h, d, x, d);
      t.decref(x, d);
      out.dict = t.gc.collect();
      out.count12 = t.gc.get_count().slice(1);
      out.stats = statsDelta(t, s0);
      out.none = t.gc.collect();
      return out;
    });
    expect(got).toEqual(want);
  });

  it("tuple <-> list loops, and tuples untracked one level per collection", async () => {
    const want = run_python(`${PY_PRELUDE}
x = 1000
l = []; t = (l,); l.append(t); del l, t
out['tl'] = gc.collect()
l = [x]; t = (l, x); l.append(t); u = (t,); del l, t, u
out['tlu'] = gc.collect()
t = ((x,),)
tr = lambda: [gc.is_tracked(t), gc.is_tracked(t[0])]
out['tr'] = [tr()]
gc.collect(0); out['tr'].append(tr())
gc.collect(0); out['tr'].append(tr())
a = (x, []); out['a'] = [gc.is_tracked(a)]; gc.collect(); out['a'].append(gc.is_tracked(a))
del t, a
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const out: Record<string, unknown> = {};
      const x = t.int(1000);
      {
        const l = t.list();
        const tt = t.tuple(l);
        t.append(l, tt);
        t.decref(l, tt);
        out.tl = t.gc.collect();
      }
      {
        const l = t.list(x);
        const tt = t.tuple(l, x);
        t.append(l, tt);
        const u = t.tuple(tt);
        t.decref(l, tt, u);
        out.tlu = t.gc.collect();
      }
      const inner = t.tuple(x);
      const outer = t.tuple(inner);
      t.decref(inner);
      const tr = () => [t.gc.is_tracked(outer), t.gc.is_tracked(inner)];
      out.tr = [tr()];
      t.gc.collect(0);
      (out.tr as unknown[]).push(tr());
      t.gc.collect(0);
      (out.tr as unknown[]).push(tr());
      const e = t.list();
      const a = t.tuple(x, e);
      t.decref(e);
      out.a = [t.gc.is_tracked(a)];
      t.gc.collect();
      (out.a as unknown[]).push(t.gc.is_tracked(a));
      t.decref(outer, a, x);
      return out;
    });
    expect(got).toEqual(want);
  });

  it("rings of 5 lists, 5 instances and 5 __slots__ instances; their classes", async () => {
    const want = run_python(`${PY_PRELUDE}
ls = [[] for _ in range(5)]
for i in range(5): ls[i].append(ls[(i + 1) % 5])
del ls, i
out['lists'] = gc.collect()
class N: pass
ns = [N() for _ in range(5)]
for i in range(5): ns[i].next = ns[(i + 1) % 5]
del ns, i
out['inst'] = gc.collect()
class S:
    __slots__ = ('next',)
ns = [S() for _ in range(5)]
for i in range(5): ns[i].next = ns[(i + 1) % 5]
del ns, i
out['slots'] = gc.collect()
del N
out['class'] = gc.collect()
del S
out['slots_class'] = gc.collect()
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const out: Record<string, unknown> = {};
      const ring = (make: () => number, link: (a: number, b: number) => void) => {
        const ns = Array.from({ length: 5 }, make);
        for (let i = 0; i < 5; i++) link(ns[i], ns[(i + 1) % 5]);
        t.decref(...ns);
      };
      ring(() => t.list(), (a, b) => t.append(a, b));
      out.lists = t.gc.collect();
      const N = t.cls("N");
      ring(() => t.new_(N), (a, b) => t.setattr(a, "next", b));
      out.inst = t.gc.collect();
      const S = t.cls("S", { slots: ["next"] });
      ring(() => t.new_(S), (a, b) => t.setattr(a, "next", b));
      out.slots = t.gc.collect();
      t.decref(N);
      out.class = t.gc.collect();
      t.decref(S);
      out.slots_class = t.gc.collect();
      return out;
    });
    expect(got).toEqual(want);
  });

  it("instance pairs: inline attributes, a materialised __dict__, __slots__, a list subclass", async () => {
    const want = run_python(`${PY_PRELUDE}
class P: pass
class S:
    __slots__ = ('o',)
class L(list): pass
def pair(cls, touch=False):
    a, b = cls(), cls()
    a.o = b; b.o = a
    if touch: a.__dict__
pair(P); out['inline'] = gc.collect()
pair(P, True); out['dict'] = gc.collect()
pair(S); out['slots'] = gc.collect()
a, b = L(), L(); a.append(b); b.append(a); del a, b
out['listsub'] = gc.collect()
a = L(); a.append(L); del a
out['listsub_class'] = gc.collect()
del L
out['L'] = gc.collect()
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const out: Record<string, unknown> = {};
      const P = t.cls("P");
      const S = t.cls("S", { slots: ["o"] });
      const L = t.cls("L", { base: "list" });
      const pair = (cls: number, touch = false) => {
        const a = t.new_(cls);
        const b = t.new_(cls);
        t.setattr(a, "o", b);
        t.setattr(b, "o", a);
        if (touch) t.decref(t.getattr(a, "__dict__"));
        t.decref(a, b);
      };
      pair(P);
      out.inline = t.gc.collect();
      pair(P, true);
      out.dict = t.gc.collect();
      pair(S);
      out.slots = t.gc.collect();
      {
        const a = t.new_(L);
        const b = t.new_(L);
        t.append(a, b);
        t.append(b, a);
        t.decref(a, b);
        out.listsub = t.gc.collect();
        const c = t.new_(L);
        t.append(c, L);
        t.decref(c);
        out.listsub_class = t.gc.collect();
      }
      t.decref(L);
      out.L = t.gc.collect();
      t.decref(P, S);
      t.gc.collect();
      return out;
    });
    expect(got).toEqual(want);
  });

  it("a class in a cycle with its instance", async () => {
    const want = run_python(`${PY_PRELUDE}
class A: pass
a = A(); A.inst = a; del a
out['first'] = gc.collect()
del A
out['class'] = gc.collect()
class B: pass
b = B(); b.cls = B; B.me = b; del B, b
out['both'] = gc.collect()
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const out: Record<string, unknown> = {};
      const A = t.cls("A");
      const a = t.new_(A);
      t.setattr(A, "inst", a);
      t.decref(a);
      out.first = t.gc.collect();
      t.decref(A);
      out.class = t.gc.collect();
      const B = t.cls("B");
      const b = t.new_(B);
      t.setattr(b, "cls", B);
      t.setattr(B, "me", b);
      t.decref(B, b);
      out.both = t.gc.collect();
      return out;
    });
    expect(got).toEqual(want);
  });

  it("a class dying in the same collection as a cycle of its instances frees them all", async () => {
    // the class comes first in the trash, so type_clear runs before the instances'
    // tp_clear, which still needs the class's shared keys to clear their inline values
    const want = run_python(`${PY_PRELUDE}
class A: pass
x = A(); y = A(); x.o = y; y.o = x
del x, y, A
out['collected'] = gc.collect()
out['again'] = gc.collect()
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const out: Record<string, unknown> = {};
      const A = t.cls("A");
      const x = t.new_(A);
      const y = t.new_(A);
      t.setattr(x, "o", y);
      t.setattr(y, "o", x);
      t.decref(x, y, A);
      out.collected = t.gc.collect();
      out.again = t.gc.collect();
      return out;
    });
    expect(got).toEqual(want);
  });

  it("__del__ in cycles: runs once, in list order, and sees its peers intact", async () => {
    const want = run_python(`${PY_PRELUDE}
log = []
class D:
    def __del__(self):
        log.append([self.name, self.other.name, self.other.other is self])
names = ['a', 'b', 'c']
ds = [D() for _ in names]
for i, n in enumerate(names):
    ds[i].name = n
    ds[i].other = ds[(i + 1) % 3]
del ds, i, n
out['n'] = gc.collect()
out['log'] = list(log)
out['again'] = gc.collect()
e = D(); e.name = 'e'; f = D(); f.name = 'f'; e.other = f; f.other = e
keep = [e]
del e, f
out['n2'] = gc.collect()
out['log2'] = log[3:]
out['fin'] = [gc.is_finalized(keep[0]), gc.is_finalized(keep[0].other)]
del keep
out['n3'] = gc.collect()
out['log3'] = log[3:]
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const out: Record<string, unknown> = {};
      const log: unknown[] = [];
      const name = (o: number) => {
        const n = t.getattr(o, "name");
        const s = unicode_to_js(t.h, n);
        t.decref(n);
        return s;
      };
      const D = t.cls("D", {
        del: (self) => {
          const other = t.getattr(self, "other");
          const oo = t.getattr(other, "other");
          log.push([name(self), name(other), oo === self]);
          t.decref(other, oo);
        },
      });
      const ds = ["a", "b", "c"].map((n) => {
        const o = t.new_(D);
        const s = t.str(n);
        t.setattr(o, "name", s);
        t.decref(s);
        return o;
      });
      for (let i = 0; i < 3; i++) t.setattr(ds[i], "other", ds[(i + 1) % 3]);
      t.decref(...ds);
      out.n = t.gc.collect();
      out.log = [...log];
      out.again = t.gc.collect();
      const mk = (n: string) => {
        const o = t.new_(D);
        const s = t.str(n);
        t.setattr(o, "name", s);
        t.decref(s);
        return o;
      };
      const e = mk("e");
      const f = mk("f");
      t.setattr(e, "other", f);
      t.setattr(f, "other", e);
      const keep = t.list(e);
      t.decref(e, f);
      out.n2 = t.gc.collect();
      out.log2 = log.slice(3);
      out.fin = [t.gc.is_finalized(e), t.gc.is_finalized(f)];
      t.decref(keep);
      out.n3 = t.gc.collect();
      out.log3 = log.slice(3);
      t.decref(D);
      return out;
    });
    expect(got).toEqual(want);
  });

  it("resurrection: the first collection finds 0, the next 1, __del__ never runs twice", async () => {
    const want = run_python(`${PY_PRELUDE}
saved = []
calls = []
class R:
    def __del__(self):
        calls.append(1)
        saved.append(self)
r = R(); r.me = r; del r
out['first'] = gc.collect()
out['finalized'] = gc.is_finalized(saved[0])
out['tracked'] = gc.is_tracked(saved[0])
saved.clear()
out['second'] = gc.collect()
out['calls'] = len(calls)
# partial resurrection: trash of the same pass is still freed
a = R(); a.me = a; b = []; b.append(b); del a, b
out['partial'] = gc.collect()
saved.clear()
out['partial2'] = gc.collect()
out['calls2'] = len(calls)
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const out: Record<string, unknown> = {};
      const saved: number[] = [];
      let calls = 0;
      const R = t.cls("R", {
        del: (self) => {
          calls++;
          saved.push(t.incref(self));
        },
      });
      const r = t.new_(R);
      t.setattr(r, "me", r);
      t.decref(r);
      out.first = t.gc.collect();
      out.finalized = t.gc.is_finalized(saved[0]);
      out.tracked = t.gc.is_tracked(saved[0]);
      t.decref(saved.pop()!);
      out.second = t.gc.collect();
      out.calls = calls;
      const a = t.new_(R);
      t.setattr(a, "me", a);
      const b = t.list();
      t.append(b, b);
      t.decref(a, b);
      out.partial = t.gc.collect();
      t.decref(saved.pop()!);
      out.partial2 = t.gc.collect();
      out.calls2 = calls;
      t.decref(R);
      return out;
    });
    expect(got).toEqual(want);
  });

  it("legacy finalizers: the cycle and all it reaches are uncollectable; only tp_del objects go to gc.garbage", async () => {
    const want = run_python(`${PY_PRELUDE}
import _testcapi
log = []
@_testcapi.with_tp_del
class L:
    def __tp_del__(self):
        log.append('tp_del')
s0 = gc.get_stats()
a = L(); lst = [a, []]; a.lst = lst
y = []; y.append(y)
del a, lst, y
out['n'] = gc.collect()
out['garbage'] = [type(o).__name__ for o in gc.garbage]
out['stats'] = stats_delta(s0)
out['again'] = gc.collect()
out['garbage2'] = len(gc.garbage)
gc.garbage[0].lst = None
del gc.garbage[:]
out['log'] = list(log)
out['after'] = gc.collect()
print(json.dumps(out))`);
    const got = await withHeap(backend, async (t) => {
      const out: Record<string, unknown> = {};
      const log: string[] = [];
      const L = t.cls("L", { legacyDel: () => void log.push("tp_del") });
      const s0 = t.gc.get_stats();
      const a = t.new_(L);
      const inner = t.list();
      const lst = t.list(a, inner);
      t.decref(inner);
      t.setattr(a, "lst", lst);
      const y = t.list();
      t.append(y, y);
      t.decref(a, lst, y);
      out.n = t.gc.collect();
      out.garbage = t.items(t.gc.garbage).map((o) => t.typeName(o));
      out.stats = statsDelta(t, s0);
      out.again = t.gc.collect();
      out.garbage2 = t.items(t.gc.garbage).length;
      t.setattr(t.items(t.gc.garbage)[0], "lst", t.None);
      const { list_clear } = await import("../../src/heap/list");
      list_clear(t.h, t.gc.garbage);
      out.log = [...log];
      out.after = t.gc.collect();
      t.decref(L);
      return out;
    });
    expect(got).toEqual(want);
  });

  it("DEBUG_SAVEALL keeps the trash intact in gc.garbage", async () => {
    const want = run_python(`${PY_PRELUDE}
gc.set_debug(gc.DEBUG_SAVEALL)
l = []; l.append(l); d = {}; d['d'] = d; t = ([],); t[0].append(t)
del l, d, t
out['n'] = gc.collect()
out['garbage'] = [type(o).__name__ for o in gc.garbage]
g = gc.garbage
out['intact'] = [g[0][0] is g[0], g[1]['d'] is g[1]]
gc.set_debug(0)
del g, gc.garbage[:]
out['after'] = gc.collect()
print(json.dumps(out))`);
    const got = await withHeap(backend, async (t) => {
      const out: Record<string, unknown> = {};
      t.gc.set_debug(t.gc.DEBUG_SAVEALL);
      const l = t.list();
      t.append(l, l);
      const d = t.dict([]);
      const k = t.str("d");
      dict_setitem(t.h, d, k, d);
      const inner = t.list();
      const tt = t.tuple(inner);
      t.append(inner, tt);
      t.decref(l, d, k, inner, tt);
      out.n = t.gc.collect();
      const g = t.items(t.gc.garbage);
      out.garbage = g.map((o) => t.typeName(o));
      out.intact = [t.items(g[0])[0] === g[0], true];
      t.gc.set_debug(0);
      const { list_clear } = await import("../../src/heap/list");
      list_clear(t.h, t.gc.garbage);
      out.after = t.gc.collect();
      return out;
    });
    expect(got).toEqual(want);
  });
});

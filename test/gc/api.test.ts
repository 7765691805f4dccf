// The gc module's surface against python3: argument errors and their texts,
// get_objects, get_referents / get_referrers order, is_tracked / is_finalized,
// DEBUG_* output lines, exceptions in finalizers.

import { describe, expect, it } from "vitest";
import { dict_setitem } from "../../src/heap/dict";
import { PyError } from "../../src/heap/errors";
import { set_add, set_new } from "../../src/heap/set";
import { bytes_from } from "../../src/heap/bytes";
import { float_new } from "../../src/heap/float";
import type { Ref } from "../../src/heap/state";
import { BACKENDS, errorOf, run_python, withHeap } from "./_heap";

const PY_PRELUDE = `
import gc, json, sys
gc.disable()
gc.collect()
out = {}
def err(f):
    try:
        f()
        return 'ok'
    except Exception as e:
        return type(e).__name__ + ': ' + str(e)
`;

describe.each(BACKENDS)("gc API (%s)", (backend) => {
  it("argument errors have CPython's types and texts", async () => {
    const want = run_python(`${PY_PRELUDE}
r = []
r.append(err(lambda: gc.collect(3)))
r.append(err(lambda: gc.collect(-1)))
r.append(err(lambda: gc.collect('x')))
r.append(err(lambda: gc.collect(1.5)))
r.append(err(lambda: gc.collect(None)))
r.append(err(lambda: gc.collect(2**40)))
r.append(err(lambda: gc.get_objects(3)))
r.append(err(lambda: gc.get_objects(-2)))
r.append(err(lambda: gc.get_objects('x')))
r.append(err(lambda: gc.get_objects(1.5)))
r.append(err(lambda: gc.set_threshold()))
r.append(err(lambda: gc.set_threshold(1, 2, 3, 4)))
r.append(err(lambda: gc.set_threshold('a')))
r.append(err(lambda: gc.set_threshold(2**31)))
r.append(err(lambda: gc.set_threshold(-2**31 - 1)))
r.append(err(lambda: gc.set_threshold(5, 'x')))
r.append(list(gc.get_threshold()))
gc.set_threshold(700, 10, 10)
r.append(err(lambda: gc.set_threshold(-5)))
r.append(list(gc.get_threshold()))
gc.set_threshold(700)
r.append(err(lambda: gc.set_debug('x')))
r.append(err(lambda: gc.set_debug(2**40)))
r.append(err(lambda: gc.set_debug()))
r.append(err(lambda: gc.is_tracked()))
r.append(err(lambda: gc.is_finalized()))
r.append([gc.DEBUG_STATS, gc.DEBUG_COLLECTABLE, gc.DEBUG_UNCOLLECTABLE, gc.DEBUG_SAVEALL, gc.DEBUG_LEAK])
r.append([gc.isenabled(), gc.get_debug()])
gc.enable(); r.append(gc.isenabled()); gc.disable(); r.append(gc.isenabled())
gc.set_debug(gc.DEBUG_LEAK); r.append(gc.get_debug()); gc.set_debug(0)
r.append(err(lambda: gc.collect(True)))
out['r'] = r
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const gc = t.gc as unknown as Record<string, (...a: unknown[]) => unknown>;
      const r: unknown[] = [];
      const e = (f: () => unknown) => r.push(errorOf(f));
      e(() => gc.collect(3));
      e(() => gc.collect(-1));
      e(() => gc.collect("x"));
      e(() => gc.collect(1.5));
      e(() => gc.collect(null));
      e(() => gc.collect(2 ** 40));
      e(() => t.decref(gc.get_objects(3) as number));
      e(() => t.decref(gc.get_objects(-2) as number));
      e(() => t.decref(gc.get_objects("x") as number));
      e(() => t.decref(gc.get_objects(1.5) as number));
      e(() => gc.set_threshold());
      e(() => gc.set_threshold(1, 2, 3, 4));
      e(() => gc.set_threshold("a"));
      e(() => gc.set_threshold(2 ** 31));
      e(() => gc.set_threshold(-(2 ** 31) - 1));
      e(() => gc.set_threshold(5, "x"));
      r.push(t.gc.get_threshold());
      t.gc.set_threshold(700, 10, 10);
      e(() => gc.set_threshold(-5));
      r.push(t.gc.get_threshold());
      t.gc.set_threshold(700);
      e(() => gc.set_debug("x"));
      e(() => gc.set_debug(2 ** 40));
      e(() => gc.set_debug());
      e(() => gc.is_tracked());
      e(() => gc.is_finalized());
      r.push([t.gc.DEBUG_STATS, t.gc.DEBUG_COLLECTABLE, t.gc.DEBUG_UNCOLLECTABLE, t.gc.DEBUG_SAVEALL, t.gc.DEBUG_LEAK]);
      t.gc.disable();
      r.push([t.gc.isenabled(), t.gc.get_debug()]);
      t.gc.enable();
      r.push(t.gc.isenabled());
      t.gc.disable();
      r.push(t.gc.isenabled());
      t.gc.set_debug(t.gc.DEBUG_LEAK);
      r.push(t.gc.get_debug());
      t.gc.set_debug(0);
      e(() => gc.collect(true));
      return { r };
    });
    expect(got).toEqual(want);
  });

  it("get_referents: lists and tuples last to first, dicts value then key, instances attributes then class", async () => {
    const want = run_python(`${PY_PRELUDE}
def run():
    a, b, c = [], [], []
    k = (a,)
    names = {id(a): 'a', id(b): 'b', id(c): 'c', id(k): 'k'}
    class C: pass
    class S:
        __slots__ = ('p', 'q')
    names[id(C)] = 'C'; names[id(S)] = 'S'
    o = C(); o.p = a; o.q = b
    s = S(); s.q = b; s.p = a
    n = lambda objs: [names.get(id(x), type(x).__name__) for x in objs]
    r = {}
    r['list'] = n(gc.get_referents([a, b, c]))
    r['tuple'] = n(gc.get_referents((a, 1, b)))
    r['dict'] = n(gc.get_referents({'x': a, 'y': b}))
    r['gdict'] = n(gc.get_referents({5: c, 1: b}))
    r['inst'] = n(gc.get_referents(o))
    r['slots'] = n(gc.get_referents(s))
    r['many'] = n(gc.get_referents([a], 5, (b, c), 'str'))
    r['none'] = n(gc.get_referents(1, 'x', None))
    o.__dict__
    r['inst_dict'] = n(gc.get_referents(o))
    r['set'] = len(gc.get_referents({1, 2, 3}))
    return r
out = run()
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const a = t.list();
      const b = t.list();
      const c = t.list();
      const k = t.tuple(a);
      const C = t.cls("C");
      const S = t.cls("S", { slots: ["p", "q"] });
      const names = new Map<number, string>([
        [a, "a"],
        [b, "b"],
        [c, "c"],
        [k, "k"],
        [C, "C"],
        [S, "S"],
      ]);
      const o = t.new_(C);
      t.setattr(o, "p", a);
      t.setattr(o, "q", b);
      const s = t.new_(S);
      t.setattr(s, "q", b);
      t.setattr(s, "p", a);
      const tmp: number[] = [];
      const own = (x: number) => (tmp.push(x), x);
      const n = (list: number) => {
        const r = t.items(list).map((x) => names.get(x) ?? t.typeName(x));
        t.decref(list);
        return r;
      };
      const one = t.int(1);
      const five = t.int(5);
      const r: Record<string, unknown> = {};
      r.list = n(t.gc.get_referents(own(t.list(a, b, c))));
      r.tuple = n(t.gc.get_referents(own(t.tuple(a, one, b))));
      const kx = own(t.str("x"));
      const ky = own(t.str("y"));
      r.dict = n(t.gc.get_referents(own(t.dict([[kx, a], [ky, b]]))));
      r.gdict = n(t.gc.get_referents(own(t.dict([[five, c], [one, b]]))));
      r.inst = n(t.gc.get_referents(o));
      r.slots = n(t.gc.get_referents(s));
      r.many = n(t.gc.get_referents(own(t.list(a)), five, own(t.tuple(b, c)), own(t.str("str"))));
      r.none = n(t.gc.get_referents(one, own(t.str("x")), t.None));
      t.decref(t.getattr(o, "__dict__"));
      r.inst_dict = n(t.gc.get_referents(o));
      const st = own(set_new(t.h, false));
      for (const v of [1, 2, 3]) {
        const iv = t.int(v);
        set_add(t.h, st, iv);
        t.decref(iv);
      }
      const rs = t.gc.get_referents(st);
      r.set = t.items(rs).length;
      t.decref(rs);
      t.decref(...tmp, a, b, c, k, o, s, C, S, one, five);
      return r;
    });
    expect(got).toEqual(want);
  });

  it("get_referents of builtin-subclass instances: slots, the __dict__ (after the items or managed), the class, the base's part", async () => {
    const want = run_python(`${PY_PRELUDE}
def run():
    a, b = [], []
    names = {id(a): 'a', id(b): 'b'}
    r = {}
    for base, arg in [('list', [1]), ('tuple', (b, 1)), ('int', 2**40), ('str', 'xy'), ('bytes', b'z'), ('float', 1.5), ('dict', {'k': b}), ('set', [2])]:
        ns = {}
        exec('class X(%s): pass' % base, ns)
        exec("class Y(%s):\\n    __slots__ = ('q', 'p')" % base, ns) if base in ('list', 'str', 'float', 'dict', 'set') else None
        X = ns['X']; names[id(X)] = 'X'
        o = X(arg); o.attr = a
        r[base] = [names.get(id(x), type(x).__name__) for x in gc.get_referents(o)]
        if 'Y' in ns:
            Y = ns['Y']; names[id(Y)] = 'Y'
            y = Y(arg); y.q = a; y.p = b
            r[base + ' slots'] = [names.get(id(x), type(x).__name__) for x in gc.get_referents(y)]
    return r
print(json.dumps(run()))`);
    const got = await withHeap(backend, (t) => {
      const a = t.list();
      const b = t.list();
      const names = new Map<number, string>([
        [a, "a"],
        [b, "b"],
      ]);
      const tmp: number[] = [];
      const own = (x: number) => (tmp.push(x), x);
      const r: Record<string, unknown> = {};
      const args: [string, () => Ref][] = [
        ["list", () => own(t.list(own(t.int(1))))],
        ["tuple", () => own(t.tuple(b, own(t.int(1))))],
        ["int", () => own(t.int(2 ** 40))],
        ["str", () => own(t.str("xy"))],
        ["bytes", () => own(bytes_from(t.h, new Uint8Array([122])))],
        ["float", () => own(float_new(t.h, 1.5))],
        ["dict", () => own(t.dict([[own(t.str("k")), b]]))],
        ["set", () => own(t.list(own(t.int(2))))],
      ];
      const n = (list: number) => {
        const res = t.items(list).map((x) => names.get(x) ?? t.typeName(x));
        t.decref(list);
        return res;
      };
      for (const [base, arg] of args) {
        const X = own(t.cls("X", { base: base as never }));
        names.set(X, "X");
        const o = own(t.new_(X, arg()));
        t.setattr(o, "attr", a);
        r[base] = n(t.gc.get_referents(o));
        if (["list", "str", "float", "dict", "set"].includes(base)) {
          const Y = own(t.cls("Y", { base: base as never, slots: ["q", "p"] }));
          names.set(Y, "Y");
          const y = own(t.new_(Y, arg()));
          t.setattr(y, "q", a);
          t.setattr(y, "p", b);
          r[`${base} slots`] = n(t.gc.get_referents(y));
        }
      }
      t.decref(...tmp.reverse(), a, b);
      t.gc.collect();
      return r;
    });
    expect(got).toEqual(want);
  });

  it("get_referrers: tracked containers of generations 0..2 in list order; untracked ones are invisible", async () => {
    const want = run_python(`${PY_PRELUDE}
def run():
    gc.collect()
    x = []
    names = {}
    l1 = [x]; names[id(l1)] = 'l1'
    d1 = {'k': x}; names[id(d1)] = 'd1'
    gc.collect(0)
    t1 = (x,); names[id(t1)] = 't1'
    class C: pass
    o = C(); o.attr = x; names[id(o)] = 'o'
    l2 = [1, x, x]; names[id(l2)] = 'l2'
    y = []
    l3 = [y]; names[id(l3)] = 'l3'
    n = lambda objs: [names.get(id(z), type(z).__name__) for z in objs]
    r = {}
    r['x'] = n(gc.get_referrers(x))
    r['xy'] = n(gc.get_referrers(x, y))
    gc.collect()
    r['after'] = n(gc.get_referrers(x))
    r['int'] = n(gc.get_referrers(12345))
    return r
gc.freeze()
out = run()
gc.unfreeze()
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      t.gc.freeze();
      t.gc.collect();
      const x = t.list();
      const names = new Map<number, string>();
      const l1 = t.list(x);
      names.set(l1, "l1");
      const kk = t.str("k");
      const d1 = t.dict([[kk, x]]);
      names.set(d1, "d1");
      t.gc.collect(0);
      const t1 = t.tuple(x);
      names.set(t1, "t1");
      const C = t.cls("C");
      const o = t.new_(C);
      t.setattr(o, "attr", x);
      names.set(o, "o");
      const one = t.int(1);
      const l2 = t.list(one, x, x);
      names.set(l2, "l2");
      const y = t.list();
      const l3 = t.list(y);
      names.set(l3, "l3");
      const n = (list: number) => {
        const r = t.items(list).map((z) => names.get(z) ?? t.typeName(z));
        t.decref(list);
        return r;
      };
      const r: Record<string, unknown> = {};
      r.x = n(t.gc.get_referrers(x));
      r.xy = n(t.gc.get_referrers(x, y));
      t.gc.collect();
      r.after = n(t.gc.get_referrers(x));
      const big = t.int(12345);
      r.int = n(t.gc.get_referrers(big));
      t.decref(x, l1, kk, d1, t1, C, o, one, l2, y, l3, big);
      t.gc.unfreeze();
      return r;
    });
    expect(got).toEqual(want);
  });

  it("get_objects: by generation, all, excluding the result list", async () => {
    const want = run_python(`${PY_PRELUDE}
ids = {}
def names(objs):
    return [ids[id(o)] for o in objs if id(o) in ids]
gc.freeze()
a = []; b = {'a': a}; ids[id(a)] = 'a'; ids[id(b)] = 'b'
gc.collect(0)
c = []; ids[id(c)] = 'c'
e = []; e.append(e); ids[id(e)] = 'e'
gc.collect(0); gc.collect(1)
f = [a]; ids[id(f)] = 'f'
r_all = names(gc.get_objects())
r_g0 = names(gc.get_objects(0))
r_g1 = names(gc.get_objects(generation=1))
r_g2 = names(gc.get_objects(2))
r_none = names(gc.get_objects(None))
r_m1 = names(gc.get_objects(-1))
gc.unfreeze()
out = {'all': r_all, 'g0': r_g0, 'g1': r_g1, 'g2': r_g2, 'none': r_none, 'm1': r_m1}
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      t.gc.freeze();
      const ids = new Map<number, string>();
      const a = t.list();
      const k = t.str("a");
      const b = t.dict([[k, a]]);
      ids.set(a, "a");
      ids.set(b, "b");
      t.gc.collect(0);
      const c = t.list();
      ids.set(c, "c");
      const e = t.list();
      t.append(e, e);
      ids.set(e, "e");
      t.gc.collect(0);
      t.gc.collect(1);
      const f = t.list(a);
      ids.set(f, "f");
      const names = (l: number) => {
        const r = t.items(l).filter((o) => ids.has(o)).map((o) => ids.get(o)!);
        t.decref(l);
        return r;
      };
      const r = {
        all: names(t.gc.get_objects()),
        g0: names(t.gc.get_objects(0)),
        g1: names(t.gc.get_objects(1)),
        g2: names(t.gc.get_objects(2)),
        none: names(t.gc.get_objects(null)),
        m1: names(t.gc.get_objects(-1)),
      };
      t.gc.unfreeze();
      t.decref(a, k, b, c, e, f);
      return r;
    });
    expect(got).toEqual(want);
  });

  it("is_tracked and is_finalized on non-GC objects, classes and builtin types", async () => {
    const want = run_python(`${PY_PRELUDE}
class A:
    def __del__(self): pass
a = A()
r = [gc.is_tracked(1000), gc.is_tracked('s'), gc.is_tracked(None), gc.is_tracked(int), gc.is_tracked(A),
     gc.is_tracked(a), gc.is_tracked([]), gc.is_tracked(()), gc.is_finalized(a), gc.is_finalized(1000), gc.is_finalized(int)]
a.__del__()
r.append(gc.is_finalized(a))
out['r'] = r
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const A = t.cls("A", { del: () => undefined });
      const a = t.new_(A);
      const i = t.int(1000);
      const s = t.str("s");
      const l = t.list();
      const e = t.tuple();
      const r = [
        t.gc.is_tracked(i),
        t.gc.is_tracked(s),
        t.gc.is_tracked(t.None),
        t.gc.is_tracked(t.h.T.int.ref),
        t.gc.is_tracked(A),
        t.gc.is_tracked(a),
        t.gc.is_tracked(l),
        t.gc.is_tracked(e),
        t.gc.is_finalized(a),
        t.gc.is_finalized(i),
        t.gc.is_finalized(t.h.T.int.ref),
        false, // calling __del__ by hand does not set the flag
      ];
      t.decref(a, i, s, l, e, A);
      return { r };
    });
    expect(got).toEqual(want);
  });

  it("DEBUG_STATS, DEBUG_COLLECTABLE, DEBUG_UNCOLLECTABLE print CPython's lines", async () => {
    const norm = (lines: string[]) =>
      lines
        .map((l) => l.replace(/0x[0-9a-f]+/g, "0xADDR").replace(/\d+\.\d{4}s elapsed/, "T.TTTTs elapsed"))
        .map((l) => l.replace(/permanent generation: \d+/, "permanent generation: P"));
    const want = run_python<{ lines: string[] }>(`${PY_PRELUDE}
import io, _testcapi
@_testcapi.with_tp_del
class L:
    def __tp_del__(self): pass
class Node: pass
buf = io.StringIO()
gc.collect()
gc.freeze()
old = sys.stderr; sys.stderr = buf
gc.set_debug(gc.DEBUG_STATS | gc.DEBUG_COLLECTABLE | gc.DEBUG_UNCOLLECTABLE)
l = []; l.append(l); del l
gc.collect()
n = Node(); m = Node(); n.m = m; m.n = n; del n, m
d = {}; d['d'] = d; del d
gc.collect(1)
x = L(); y = [x]; x.y = y; del x, y
gc.collect(0)
gc.set_debug(0)
sys.stderr = old
g = gc.garbage[0]; g.y = None; del g, gc.garbage[:]
gc.unfreeze()
out['lines'] = buf.getvalue().splitlines()
print(json.dumps(out))`);
    const got = await withHeap(backend, async (t) => {
      const L = t.cls("L", { legacyDel: () => undefined });
      const Node = t.cls("Node");
      t.gc.collect();
      t.gc.freeze();
      t.stderr.length = 0;
      t.gc.set_debug(t.gc.DEBUG_STATS | t.gc.DEBUG_COLLECTABLE | t.gc.DEBUG_UNCOLLECTABLE);
      const l = t.list();
      t.append(l, l);
      t.decref(l);
      t.gc.collect();
      const n = t.new_(Node);
      const m = t.new_(Node);
      t.setattr(n, "m", m);
      t.setattr(m, "n", n);
      t.decref(n, m);
      const d = t.dict([]);
      const kd = t.str("d");
      dict_setitem(t.h, d, kd, d);
      t.decref(d, kd);
      t.gc.collect(1);
      const x = t.new_(L);
      const y = t.list(x);
      t.setattr(x, "y", y);
      t.decref(x, y);
      t.gc.collect(0);
      t.gc.set_debug(0);
      const lines = [...t.stderr];
      t.setattr(t.items(t.gc.garbage)[0], "y", t.None);
      const { list_clear } = await import("../../src/heap/list");
      list_clear(t.h, t.gc.garbage);
      t.gc.unfreeze();
      t.decref(L, Node);
      return { lines };
    });
    expect(norm(got.lines)).toEqual(norm(want.lines));
    // the addresses are the objects' (CPython's %p)
    expect(got.lines.some((s) => /^gc: collectable <list 0x[0-9a-f]+>$/.test(s))).toBe(true);
  });

  it("an exception in __del__ goes to the unraisable hook and the collection goes on", async () => {
    const want = run_python(`${PY_PRELUDE}
unr = []
sys.unraisablehook = lambda u: unr.append([type(u.exc_value).__name__, str(u.exc_value), type(u.object).__name__])
class E:
    def __del__(self): raise RuntimeError('in del')
a = E(); a.me = a; b = E(); b.me = b; c = []; c.append(c)
del a, b, c
out['n'] = gc.collect()
out['unr'] = unr
out['after'] = gc.collect()
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const E = t.cls("E", {
        del: () => {
          throw new PyError("RuntimeError", "in del");
        },
      });
      const a = t.new_(E);
      t.setattr(a, "me", a);
      const b = t.new_(E);
      t.setattr(b, "me", b);
      const c = t.list();
      t.append(c, c);
      t.decref(a, b, c);
      const n = t.gc.collect();
      const unr = t.unraisable.map((u) => {
        return [u.type, u.message, u.obj === null ? null : t.typeName(u.obj)];
      });
      const after = t.gc.collect();
      t.decref(E);
      return { n, unr, after };
    });
    expect(got).toEqual(want);
  });
});


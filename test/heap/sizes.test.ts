// sys.getsizeof against Pyodide (CPython 3.11.3 built for wasm32, the 32-bit oracle):
// every builtin type, ints growing with magnitude, strings of each PEP 393 kind, the
// list growth pattern while appending 0..100 (and shrinking while popping), dicts and
// sets as they grow, class instances (plain, __slots__, __weakref__, __dict__, builtin
// bases) and bound methods. Each Python snippet builds its object the way the heap call
// does (heap.list([a, b]) is BUILD_LIST of variables, heap.dict(entries) and heap.set(items)
// insert one by one into an empty container).

import { beforeAll, describe, expect, it } from "vitest";
import type { Heap, Ref } from "../../src/index";
import { BACKENDS, pyodide, pyodideJson, python3Json, withHeap } from "../helpers";

beforeAll(async () => {
  await pyodide();
}, 60_000);

/** A case: how Python builds the object (an expression using the prelude) and how we do. */
interface Case {
  py: string;
  js: (heap: Heap) => Ref;
}

const PRELUDE = `
import sys, json
def mkdict(pairs):
    d = {}
    for k, v in pairs:
        d[k] = v
    return d
def mkset(items, cls=set):
    s = cls()
    for x in items:
        s.add(x)
    return s
class C: pass
class Sl:
    __slots__ = ('a', 'b')
class SlW:
    __slots__ = ('a', '__weakref__')
class SlD:
    __slots__ = ('a', '__dict__')
class SlE:
    __slots__ = ()
class L(list): pass
class D(dict): pass
class S(set): pass
class FS(frozenset): pass
class Str(str): pass
class I(int): pass
class T(tuple): pass
class M:
    def f(self): pass
`;

function classes(heap: Heap): Record<string, Ref> {
  return {
    C: heap.defineClass("C"),
    Sl: heap.defineClass("Sl", { slots: ["a", "b"] }),
    SlW: heap.defineClass("SlW", { slots: ["a", "__weakref__"] }),
    SlD: heap.defineClass("SlD", { slots: ["a", "__dict__"] }),
    SlE: heap.defineClass("SlE", { slots: [] }),
    L: heap.defineClass("L", { base: "list" }),
    D: heap.defineClass("D", { base: "dict" }),
    S: heap.defineClass("S", { base: "set" }),
    FS: heap.defineClass("FS", { base: "frozenset" }),
    Str: heap.defineClass("Str", { base: "str" }),
    I: heap.defineClass("I", { base: "int" }),
    T: heap.defineClass("T", { base: "tuple" }),
    M: heap.defineClass("M", { methods: { f: () => undefined } }),
  };
}

/** Build the cases; `K` holds the classes. Every js() returns a new reference. */
function cases(heap: Heap, K: Record<string, Ref>): Record<string, Case> {
  const s = (x: string) => heap.str(x);
  const i = (x: number | bigint) => heap.int(x);
  const sc = <T>(f: () => T) => heap.scope(f);
  const strCases: Record<string, Case> = {};
  for (const v of ["", "a", "abc", "hello world", "é", "abcé", "€", "a€", "😀", "a😀", "x".repeat(100), "é".repeat(300)]) {
    strCases[`str ${JSON.stringify(v).slice(0, 20)}`] = { py: JSON.stringify(v), js: () => s(v) };
  }
  const intCases: Record<string, Case> = {};
  for (const v of [0n, 1n, -1n, 255n, 2n ** 30n - 1n, 2n ** 30n, -(2n ** 30n), 2n ** 53n, 2n ** 60n - 1n, 2n ** 60n, 2n ** 90n, 10n ** 100n, -(10n ** 100n), 2n ** 1000n]) {
    intCases[`int ${v}`] = { py: v.toString(), js: () => i(v) };
  }
  return {
    None: { py: "None", js: () => heap.incref(heap.None) },
    True: { py: "True", js: () => heap.bool(true) },
    False: { py: "False", js: () => heap.bool(false) },
    ...intCases,
    "float 1.0": { py: "1.0", js: () => heap.float(1) },
    "float nan": { py: "float('nan')", js: () => heap.float(NaN) },
    ...strCases,
    "bytes b''": { py: "b''", js: () => heap.bytes(new Uint8Array(0)) },
    "bytes b'a'": { py: "b'a'", js: () => heap.bytes(new Uint8Array([97])) },
    "bytes 100": { py: "bytes(100)", js: () => heap.bytes(new Uint8Array(100)) },
    "tuple ()": { py: "()", js: () => heap.tuple([]) },
    "tuple (1,)": { py: "(1,)", js: () => sc(() => heap.tuple([i(1)])) },
    "tuple 3": { py: "(1, 2, 3)", js: () => sc(() => heap.tuple([i(1), i(2), i(3)])) },
    "list []": { py: "[]", js: () => heap.list() },
    "list [a, b, c]": { py: "(lambda a, b, c: [a, b, c])(1, 2, 3)", js: () => sc(() => heap.list([i(1), i(2), i(3)])) },
    "list of 7": { py: "(lambda *a: [a[0], a[1], a[2], a[3], a[4], a[5], a[6]])(*range(7))", js: () => sc(() => heap.list([0, 1, 2, 3, 4, 5, 6].map(i))) },
    "dict {}": { py: "{}", js: () => heap.dict() },
    "dict 1 str key": { py: "mkdict([('a', 1)])", js: () => sc(() => heap.dict([[s("a"), i(1)]])) },
    "dict 5 str keys": {
      py: "mkdict([(k, 1) for k in ['a', 'bb', 'cc', 'dd', 'ee']])",
      js: () => sc(() => heap.dict(["a", "bb", "cc", "dd", "ee"].map((k) => [s(k), i(1)] as [Ref, Ref]))),
    },
    "dict 6 str keys": {
      py: "mkdict([(k, 1) for k in ['a', 'bb', 'cc', 'dd', 'ee', 'ff']])",
      js: () => sc(() => heap.dict(["a", "bb", "cc", "dd", "ee", "ff"].map((k) => [s(k), i(1)] as [Ref, Ref]))),
    },
    "dict 3 int keys": { py: "mkdict([(1, 1), (2, 2), (3, 3)])", js: () => sc(() => heap.dict([[i(1), i(1)], [i(2), i(2)], [i(3), i(3)]])) },
    "set()": { py: "set()", js: () => heap.set() },
    "set of 5": { py: "mkset(range(5))", js: () => sc(() => heap.set([0, 1, 2, 3, 4].map(i))) },
    "set of 10": { py: "mkset(range(10))", js: () => sc(() => heap.set([...Array(10).keys()].map(i))) },
    "frozenset()": { py: "frozenset()", js: () => heap.frozenset() },
    "object()": { py: "object()", js: () => heap.new(heap.types.object) },
    "instance": { py: "C()", js: () => heap.new(K.C) },
    "instance with 3 attrs": {
      py: "(lambda o: (setattr(o, 'x', 1), setattr(o, 'y', 2), setattr(o, 'z', 3), o)[-1])(C())",
      js: () => sc(() => {
        const o = heap.new(K.C);
        heap.setattr(o, "x", i(1));
        heap.setattr(o, "y", i(2));
        heap.setattr(o, "z", i(3));
        return o;
      }),
    },
    "slots (a, b)": { py: "Sl()", js: () => heap.new(K.Sl) },
    "slots (a, __weakref__)": { py: "SlW()", js: () => heap.new(K.SlW) },
    "slots (a, __dict__)": { py: "SlD()", js: () => heap.new(K.SlD) },
    "slots ()": { py: "SlE()", js: () => heap.new(K.SlE) },
    "list subclass": { py: "L()", js: () => heap.new(K.L) },
    "dict subclass": { py: "D()", js: () => heap.new(K.D) },
    "set subclass": { py: "S()", js: () => heap.new(K.S) },
    "frozenset subclass": { py: "FS()", js: () => heap.new(K.FS) },
    "int subclass": { py: "I(5)", js: () => sc(() => heap.new(K.I, i(5))) },
    "int subclass, 3 digits": { py: "I(2**70)", js: () => sc(() => heap.new(K.I, i(2n ** 70n))) },
    "tuple subclass": { py: "T((1, 2))", js: () => sc(() => heap.new(K.T, heap.tuple([i(1), i(2)]))) },
    "str subclass": { py: "Str('ab')", js: () => sc(() => heap.new(K.Str, s("ab"))) },
    "bound method": { py: "M().f", js: () => sc(() => heap.getattr(heap.new(K.M), "f")) },
    "list iterator": { py: "iter([])", js: () => sc(() => heap.iter(heap.list())) },
  };
}

describe.each(BACKENDS)("sys.getsizeof vs Pyodide (%s)", (backend) => {
  it("equals Pyodide's for every builtin type and class layout", async () => {
    // cases() only builds closures, so the Python side needs no heap
    const table = cases(undefined as unknown as Heap, {});
    const names = Object.keys(table);
    const py = await pyodideJson<number[]>(
      `${PRELUDE}\nprint(json.dumps([${names.map((n) => `sys.getsizeof(${table[n].py})`).join(", ")}]))`,
    );
    await withHeap(backend, (heap, leak) => {
      const K = classes(heap);
      leak.rebase();
      const cs = cases(heap, K);
      const ours: Record<string, number> = {};
      const theirs: Record<string, number> = {};
      names.forEach((n, k) => {
        const o = cs[n].js(heap);
        ours[n] = heap.sys.getsizeof(o);
        theirs[n] = py[k];
        heap.decref(o);
      });
      expect(ours).toEqual(theirs);
    });
  });

  it("int/tuple subclasses get a dict slot after the items, not a managed dict (sizes as Pyodide)", async () => {
    const table = cases(undefined as unknown as Heap, {});
    const names = ["int subclass", "int subclass, 3 digits", "tuple subclass"];
    const py = await pyodideJson<number[]>(
      `${PRELUDE}\nprint(json.dumps([${names.map((n) => `sys.getsizeof(${table[n].py})`).join(", ")}]))`,
    );
    await withHeap(backend, (heap, leak) => {
      const K = classes(heap);
      leak.rebase();
      const cs = cases(heap, K);
      expect(names.map((n) => heap.scope(() => heap.sys.getsizeof(cs[n].js(heap))))).toEqual(py);
    });
  });

  it("sizes every builtin-subclass instance (with and without __slots__) as Pyodide, and refuses the same layouts", async () => {
    // [base, constructor argument as Python, the same through the heap]
    const BASES: [string, string, (heap: Heap) => Ref[]][] = [
      ["list", "[1, 2, 3]", (heap) => [heap.list([heap.int(1), heap.int(2), heap.int(3)])]],
      ["dict", "{'k': 1}", (heap) => [heap.dict([[heap.str("k"), heap.int(1)]])]],
      ["set", "[1, 2]", (heap) => [heap.list([heap.int(1), heap.int(2)])]],
      ["frozenset", "[1, 2]", (heap) => [heap.list([heap.int(1), heap.int(2)])]],
      ["str", "'ab'", (heap) => [heap.str("ab")]],
      ["str", "'a\\u20ac\\u20ac'", (heap) => [heap.str("a€€")]],
      ["str", "'\\U0001f600'", (heap) => [heap.str("😀")]],
      ["str", "''", (heap) => [heap.str("")]],
      ["int", "5", (heap) => [heap.int(5)]],
      ["int", "0", (heap) => [heap.int(0)]],
      ["int", "-2**70", (heap) => [heap.int(-(2n ** 70n))]],
      ["tuple", "()", (heap) => [heap.tuple()]],
      ["tuple", "(1, 2, 3)", (heap) => [heap.tuple([heap.int(1), heap.int(2), heap.int(3)])]],
      ["bytes", "b''", (heap) => [heap.bytes(new Uint8Array(0))]],
      ["bytes", "b'abc'", (heap) => [heap.bytes(new Uint8Array([97, 98, 99]))]],
      ["float", "1.5", (heap) => [heap.float(1.5)]],
    ];
    const SLOTS: (string[] | undefined)[] = [undefined, [], ["b", "a"], ["a", "__weakref__"], ["__dict__"], ["__dict__", "__weakref__"]];
    const pySlots = (sl: string[] | undefined) => (sl === undefined ? "pass" : `__slots__ = (${sl.map((x) => `'${x}', `).join("")})`);
    const rows = BASES.flatMap(([b, arg], i) => SLOTS.map((sl, j) => ({ b, arg, i, j, sl })));
    const py = await pyodideJson<(number | string)[]>(`
import sys, json
out = []
for b, arg, body in ${JSON.stringify(rows.map((r) => [r.b, r.arg, pySlots(r.sl)]))}:
    try:
        ns = {}
        exec('class X(%s):\\n    %s' % (b, body), ns)
        out.append(sys.getsizeof(ns['X'](eval(arg))))
    except Exception as e:
        out.append(type(e).__name__ + ': ' + str(e))
print(json.dumps(out))`);
    await withHeap(backend, (heap) => {
      const ours = rows.map(({ b, i, sl }) =>
        heap.scope(() => {
          try {
            const X = heap.defineClass("X", { base: b as never, slots: sl });
            const n = heap.sys.getsizeof(heap.new(X, ...BASES[i][2](heap)));
            heap.gc.collect(); // the class
            return n;
          } catch (e) {
            return String(e);
          }
        }),
      );
      const label = (xs: (number | string)[]) => Object.fromEntries(rows.map((r, k) => [`${r.b}(${r.arg}) ${pySlots(r.sl)}`, xs[k]]));
      expect(label(ours)).toEqual(label(py));
    });
  });

  it("a str subclass instance has CPython's non-compact layout (size as Pyodide)", async () => {
    const [size] = await pyodideJson<number[]>(`${PRELUDE}\nprint(json.dumps([sys.getsizeof(Str('ab'))]))`);
    await withHeap(backend, (heap, leak) => {
      const Str = heap.defineClass("Str", { base: "str" });
      leak.rebase();
      expect(heap.scope(() => heap.sys.getsizeof(heap.new(Str, heap.str("ab"))))).toBe(size);
    });
  });

  it("a bound method's size equals Pyodide's (PyMethodObject has 3.11's vectorcall field)", async () => {
    const [size] = await pyodideJson<number[]>(`${PRELUDE}\nprint(json.dumps([sys.getsizeof(M().f)]))`);
    await withHeap(backend, (heap, leak) => {
      const M = heap.defineClass("M", { methods: { f: () => undefined } });
      leak.rebase();
      expect(heap.scope(() => heap.sys.getsizeof(heap.getattr(heap.new(M), "f")))).toBe(size);
    });
  });

  it("grows a list by CPython's pattern while appending 0..100 and shrinking back", async () => {
    const py = await pyodideJson<{ grow: number[]; shrink: number[] }>(`
import sys, json
l = []
grow = [sys.getsizeof(l)]
for i in range(101):
    l.append(i)
    grow.append(sys.getsizeof(l))
shrink = []
while l:
    l.pop()
    shrink.append(sys.getsizeof(l))
print(json.dumps({"grow": grow, "shrink": shrink}))`);
    await withHeap(backend, (heap) => {
      const l = heap.list();
      const grow = [heap.sys.getsizeof(l)];
      for (let k = 0; k <= 100; k++) {
        heap.scope(() => heap.append(l, heap.int(k)));
        grow.push(heap.sys.getsizeof(l));
      }
      const shrink: number[] = [];
      while (heap.len(l) > 0) {
        heap.decref(heap.pop(l));
        shrink.push(heap.sys.getsizeof(l));
      }
      expect({ grow, shrink }).toEqual(py);
      heap.decref(l);
    });
  });

  it("grows a list at the same lengths as 64-bit python3 (the relative pattern)", () =>
    withHeap(backend, (heap) => {
      // 64-bit sizes differ, but the over-allocation steps (where getsizeof changes) are the same
      const steps = (sizes: number[]) => sizes.flatMap((v, i) => (i > 0 && v !== sizes[i - 1] ? [i] : []));
      const py = python3Json<number[]>(`
import sys, json
l = []; s = [sys.getsizeof(l)]
for i in range(200):
    l.append(i); s.append(sys.getsizeof(l))
print(json.dumps(s))`);
      const l = heap.list();
      const ours = [heap.sys.getsizeof(l)];
      for (let k = 0; k < 200; k++) {
        heap.append(l, heap.None);
        ours.push(heap.sys.getsizeof(l));
      }
      heap.decref(l);
      expect(steps(ours)).toEqual(steps(py));
      // and the growth in pointer-sized units is the same: ours in 4-byte, python3's in 8-byte words
      expect(ours.map((v) => (v - ours[0]) / 4)).toEqual(py.map((v) => (v - py[0]) / 8));
    }));

  it("grows the list allocated for insert(0, x) and del l[0] as Pyodide", async () => {
    const py = await pyodideJson<number[]>(`
import sys, json
l = []; out = []
for i in range(40):
    l.insert(0, i); out.append(sys.getsizeof(l))
for i in range(40):
    del l[0]; out.append(sys.getsizeof(l))
print(json.dumps(out))`);
    await withHeap(backend, (heap) => {
      const l = heap.list();
      const ins = heap.getattr(l, "insert");
      const out: number[] = [];
      for (let k = 0; k < 40; k++) {
        heap.scope(() => heap.call(ins, heap.int(0), heap.int(k)));
        out.push(heap.sys.getsizeof(l));
      }
      for (let k = 0; k < 40; k++) {
        heap.delitem(l, 0);
        out.push(heap.sys.getsizeof(l));
      }
      expect(out).toEqual(py);
      heap.decref(ins);
      heap.decref(l);
    });
  });

  it("grows dicts (str and int keys) and sets as Pyodide, deletes included", async () => {
    const py = await pyodideJson<Record<string, number[]>>(`
import sys, json
out = {"dstr": [], "dint": [], "set": [], "ddel": [], "sdel": []}
d = {}
for i in range(100):
    d['k%d' % i] = i; out["dstr"].append(sys.getsizeof(d))
for i in range(0, 100, 2):
    del d['k%d' % i]; out["ddel"].append(sys.getsizeof(d))
e = {}
for i in range(100):
    e[i * 7] = i; out["dint"].append(sys.getsizeof(e))
s = set()
for i in range(100):
    s.add(i * 3); out["set"].append(sys.getsizeof(s))
for i in range(0, 300, 6):
    s.discard(i); out["sdel"].append(sys.getsizeof(s))
print(json.dumps(out))`);
    await withHeap(backend, (heap) => {
      const out: Record<string, number[]> = { dstr: [], dint: [], set: [], ddel: [], sdel: [] };
      const d = heap.dict();
      for (let k = 0; k < 100; k++) {
        heap.scope(() => heap.setitem(d, heap.str(`k${k}`), heap.int(k)));
        out.dstr.push(heap.sys.getsizeof(d));
      }
      for (let k = 0; k < 100; k += 2) {
        heap.scope(() => heap.delitem(d, heap.str(`k${k}`)));
        out.ddel.push(heap.sys.getsizeof(d));
      }
      const e = heap.dict();
      for (let k = 0; k < 100; k++) {
        heap.scope(() => heap.setitem(e, heap.int(k * 7), heap.int(k)));
        out.dint.push(heap.sys.getsizeof(e));
      }
      const s = heap.set();
      for (let k = 0; k < 100; k++) {
        heap.scope(() => heap.add(s, heap.int(k * 3)));
        out.set.push(heap.sys.getsizeof(s));
      }
      for (let k = 0; k < 300; k += 6) {
        heap.scope(() => heap.call(heap.getattr(s, "discard"), heap.int(k)));
        out.sdel.push(heap.sys.getsizeof(s));
      }
      expect(out).toEqual(py);
      for (const r of [d, e, s]) heap.decref(r);
    });
  });

  it("sizes ints by their 30-bit digits and round-trips them through bigint", async () => {
    const values: bigint[] = [];
    for (let b = 0n; b <= 400n; b += 13n) values.push(2n ** b - 1n, -(2n ** b), 2n ** b);
    const py = await pyodideJson<[number[], string[]]>(
      `import sys, json\nv = [${values.join(", ")}]\nprint(json.dumps([[sys.getsizeof(x) for x in v], [repr(x) for x in v]]))`,
    );
    await withHeap(backend, (heap) => {
      const sizes: number[] = [];
      const reprs: string[] = [];
      for (const v of values) {
        const r = heap.int(v);
        sizes.push(heap.sys.getsizeof(r));
        reprs.push(heap.repr(r));
        const back = heap.toJS(r) as number | bigint;
        expect(BigInt(back)).toBe(v);
        // exact JS numbers come back as numbers, wider values as bigint
        expect(typeof back).toBe(v >= -(2n ** 53n) && v <= 2n ** 53n ? "number" : "bigint");
        heap.decref(r);
      }
      expect(sizes).toEqual(py[0]);
      expect(reprs).toEqual(py[1]);
    });
  });
});

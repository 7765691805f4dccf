// hash() and == as dict and set keys see them (issue 3, item 6), against Pyodide (32-bit
// Py_hash_t, FNV string hash with PYTHONHASHSEED=0) and python3 (equality, key
// unification, messages):
// - hash of ints (small, 2**31 region, huge, negative), floats (integral, fractional,
//   huge, tiny, inf, -1.0), bool, None-free, str of every kind, bytes, tuples, frozensets
// - 1 == 1.0 == True hash alike and are one key in a dict and a set (the first key stays,
//   the last value wins), the same for big ints and the floats equal to them
// - set iteration order of str and int sets equals Pyodide's
// - unhashable types raise TypeError("unhashable type: 'list'") as keys and in hash()
// - __hash__/__eq__ of classes: __eq__ without __hash__ makes instances unhashable;
//   __hash__ results are reduced as CPython's slot_tp_hash does

import { beforeAll, describe, expect, it } from "vitest";
import { PyError, type Heap, type Ref } from "../../src/index";
import { BACKENDS, pyodide, pyodideJson, python3Json, withHeap } from "../helpers";

beforeAll(async () => {
  await pyodide();
}, 60_000);

const INTS = [0n, 1n, -1n, -2n, 7n, 255n, 256n, 2n ** 30n, 2n ** 31n - 2n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n, -(2n ** 31n), 2n ** 53n + 1n, 2n ** 61n - 1n, 2n ** 62n, 10n ** 30n, -(10n ** 30n), 2n ** 200n + 12345n];
const FLOATS = [0, -0, 1, -1, 1.5, -2.5, 0.1, 1e-300, 5e-324, 1e16, 2 ** 31, 2 ** 31 - 1, 2 ** 52 + 0.5, 1e100, 1e308, 1.7976931348623157e308, -1e308, Infinity, -Infinity, 123456789.123, 2 ** 1023];
const STRS = ["", "a", "ab", "abc", "abcd", "abcde", "hello world", "é", "café", "€", "a€b", "😀", "a😀", "\u0000", "x".repeat(1000)];
const BYTES = [[], [0], [97], [97, 98, 99], [255, 254, 0, 1, 2, 3, 4, 5, 6]];

/** Python float literal for a JS number */
function pyFloat(v: number): string {
  if (v === Infinity) return "float('inf')";
  if (v === -Infinity) return "float('-inf')";
  if (Object.is(v, -0)) return "-0.0";
  return `float(${JSON.stringify(String(v))})`;
}

describe.each(BACKENDS)("hash and equality (%s)", (backend) => {
  it("hashes ints, floats, bools, strs, bytes, tuples and frozensets as Pyodide", async () => {
    const py = await pyodideJson<Record<string, number[]>>(`
import json
ints = [${INTS.join(", ")}]
floats = [${FLOATS.map(pyFloat).join(", ")}]
strs = json.loads(${JSON.stringify(JSON.stringify(STRS))})
bs = [bytes(b) for b in ${JSON.stringify(BYTES)}]
tuples = [(), (1,), (1, 2), ('a', 1.5, (2, 3)), (ints[-1], strs[3], True), ((),), (True, False)]
fs = [frozenset(), frozenset([1]), frozenset([1, 2, 3]), frozenset(['a', 'b']), frozenset([(1, 2), 3.5])]
print(json.dumps({"int": [hash(x) for x in ints], "float": [hash(x) for x in floats],
  "str": [hash(x) for x in strs], "bytes": [hash(x) for x in bs], "tuple": [hash(x) for x in tuples],
  "frozenset": [hash(x) for x in fs], "bool": [hash(True), hash(False)]}))`);
    await withHeap(backend, (heap) => {
      const hashOf = (r: Ref) => heap.hash(r); // released by the scope
      const ours = heap.scope(() => ({
        int: INTS.map((v) => hashOf(heap.int(v))),
        float: FLOATS.map((v) => hashOf(heap.float(v))),
        str: STRS.map((v) => hashOf(heap.str(v))),
        bytes: BYTES.map((v) => hashOf(heap.bytes(new Uint8Array(v)))),
        tuple: [
          heap.tuple([]),
          heap.tuple([heap.int(1)]),
          heap.tuple([heap.int(1), heap.int(2)]),
          heap.tuple([heap.str("a"), heap.float(1.5), heap.tuple([heap.int(2), heap.int(3)])]),
          heap.tuple([heap.int(INTS[INTS.length - 1]), heap.str("abc"), heap.True]), // (not None: its hash is its address)
          heap.tuple([heap.tuple([])]),
          heap.tuple([heap.True, heap.False]),
        ].map((t) => heap.hash(t)),
        frozenset: [
          heap.frozenset(),
          heap.frozenset([heap.int(1)]),
          heap.frozenset([heap.int(1), heap.int(2), heap.int(3)]),
          heap.frozenset([heap.str("a"), heap.str("b")]),
          heap.frozenset([heap.tuple([heap.int(1), heap.int(2)]), heap.float(3.5)]),
        ].map((t) => heap.hash(t)),
        bool: [heap.hash(heap.True), heap.hash(heap.False)],
      }));
      expect(ours).toEqual(py);
    });
  });

  it("makes equal numbers one key: 1 == 1.0 == True, 2**60 == float(2**60), as python3", () =>
    withHeap(backend, (heap) => {
      const py = python3Json<{ eq: boolean[]; d: string; s: string; h: boolean[] }>(`
import json
d = {}
d[1] = 'int'; d[1.0] = 'float'; d[True] = 'bool'
d[2**60] = 'big'; d[float(2**60)] = 'bigfloat'
d[0] = 'zero'; d[-0.0] = 'negzero'; d[False] = 'false'
d[0.5] = 'half'
s = set()
for x in [1, 1.0, True, 2**60, float(2**60), 0, -0.0, False, 0.5, 2**60 + 1, float(2**60 + 1)]:
    s.add(x)
eq = [1 == 1.0, 1.0 == True, 2**60 == float(2**60), 2**60 + 1 == float(2**60 + 1), 2**53 + 1 == float(2**53 + 1),
      10**400 == float('inf'), 0 == -0.0, float('nan') == float('nan'), 1 == '1', (1, 2) == (1.0, 2.0), [1] == [True]]
h = [hash(1) == hash(1.0) == hash(True), hash(2**60) == hash(float(2**60)), hash(-1) == hash(-1.0) == -2]
print(json.dumps({"eq": eq, "d": repr(d), "s": repr(sorted(s, key=repr)), "h": h}))`);
      heap.scope(() => {
        const d = heap.dict();
        const set = (k: Ref, v: string) => heap.setitem(d, k, heap.str(v));
        set(heap.int(1), "int");
        set(heap.float(1), "float");
        set(heap.True, "bool");
        set(heap.int(2n ** 60n), "big");
        set(heap.float(2 ** 60), "bigfloat");
        set(heap.int(0), "zero");
        set(heap.float(-0), "negzero");
        set(heap.False, "false");
        set(heap.float(0.5), "half");
        const s = heap.set();
        for (const x of [heap.int(1), heap.float(1), heap.True, heap.int(2n ** 60n), heap.float(2 ** 60), heap.int(0), heap.float(-0), heap.False, heap.float(0.5), heap.int(2n ** 60n + 1n), heap.float(Number(2n ** 60n + 1n))]) heap.add(s, x);
        const items: string[] = [];
        const it = heap.iter(s);
        for (let x = heap.next(it); x !== undefined; x = heap.next(it)) items.push(heap.repr(x));
        items.sort();
        const nan = heap.float(NaN);
        const eq = [
          heap.eq(heap.int(1), heap.float(1)),
          heap.eq(heap.float(1), heap.True),
          heap.eq(heap.int(2n ** 60n), heap.float(2 ** 60)),
          heap.eq(heap.int(2n ** 60n + 1n), heap.float(Number(2n ** 60n + 1n))),
          heap.eq(heap.int(2n ** 53n + 1n), heap.float(Number(2n ** 53n + 1n))),
          heap.eq(heap.int(10n ** 400n), heap.float(Infinity)),
          heap.eq(heap.int(0), heap.float(-0)),
          heap.eq(heap.float(NaN), heap.float(NaN)),
          heap.eq(heap.int(1), heap.str("1")),
          heap.eq(heap.tuple([heap.int(1), heap.int(2)]), heap.tuple([heap.float(1), heap.float(2)])),
          heap.eq(heap.list([heap.int(1)]), heap.list([heap.True])),
        ];
        const h = [
          heap.hash(heap.int(1)) === heap.hash(heap.float(1)) && heap.hash(heap.float(1)) === heap.hash(heap.True),
          heap.hash(heap.int(2n ** 60n)) === heap.hash(heap.float(2 ** 60)),
          heap.hash(heap.int(-1)) === heap.hash(heap.float(-1)) && heap.hash(heap.float(-1)) === -2,
        ];
        expect({ eq, d: heap.repr(d), s: `[${items.join(", ")}]`, h }).toEqual(py);
        // a NaN is equal to itself by identity inside containers (PyObject_RichCompareBool)
        expect(heap.eq(heap.list([nan]), heap.list([nan]))).toBe(true);
        expect(heap.contains(heap.list([nan]), nan)).toBe(true);
      });
    }));

  it("iterates sets of strs and ints in Pyodide's order", async () => {
    const words = ["apple", "banana", "cherry", "date", "elderberry", "fig", "grape", "h", "i", "j", "kiwi", "lemon", "mango", "nectarine", "é", "€uro", "x y z"];
    const nums = [5, 13, 21, 2 ** 31 + 7, -3, 1000, 64, 8, 16, 2 ** 40, 77, -(2 ** 35), 3.5, 1e20];
    const py = await pyodideJson<[string[], string[], string[]]>(`
import json
words = json.loads(${JSON.stringify(JSON.stringify(words))})
s = set()
for w in words: s.add(w)
n = set()
for x in [${nums.map((v) => (Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : pyFloat(v))).join(", ")}]: n.add(x)
for w in words[::3]: s.discard(w)
for w in words[::3]: s.add(w)
f = frozenset(words)
print(json.dumps([list(s), [repr(x) for x in n], list(f)]))`);
    await withHeap(backend, (heap) => {
      heap.scope(() => {
        const s = heap.set();
        for (const w of words) heap.add(s, heap.str(w));
        const n = heap.set();
        for (const v of nums) heap.add(n, Number.isInteger(v) && Math.abs(v) < 1e15 ? heap.int(v) : heap.float(v));
        const discard = heap.getattr(s, "discard");
        words.filter((_, k) => k % 3 === 0).forEach((w) => heap.call(discard, heap.str(w)));
        words.filter((_, k) => k % 3 === 0).forEach((w) => heap.add(s, heap.str(w)));
        const f = heap.frozenset(words.map((w) => heap.str(w)));
        const list = (o: Ref, f2: (r: Ref) => string) => {
          const out: string[] = [];
          const it = heap.iter(o);
          for (let x = heap.next(it); x !== undefined; x = heap.next(it)) out.push(f2(x));
          return out;
        };
        expect([list(s, (r) => heap.toJS(r) as string), list(n, (r) => heap.repr(r)), list(f, (r) => heap.toJS(r) as string)]).toEqual(py);
      });
    });
  });

  it("refuses unhashable keys with CPython's messages", () =>
    withHeap(backend, (heap, leak) => {
      const Eq = heap.defineClass("Eq", { methods: { __eq__: (a, b) => heap.bool(a === b) } });
      leak.rebase();
      const py = python3Json<string[]>(`
import json
class Eq:
    def __eq__(self, o): return self is o
out = []
for make in [lambda: [], lambda: {}, lambda: set(), lambda: Eq(), lambda: ([],), lambda: frozenset()]:
    for op in [hash, lambda k: {}.__setitem__(k, 1), lambda k: set().add(k), lambda k: {}[k], lambda k: k in {}]:
        try: op(make()); out.append('ok')
        except Exception as e: out.append(type(e).__name__ + ': ' + str(e))
print(json.dumps(out))`);
      const out: string[] = [];
      const makers = [() => heap.list(), () => heap.dict(), () => heap.set(), () => heap.new(Eq), () => heap.tuple([heap.list()]), () => heap.frozenset()];
      const ops: ((k: Ref) => unknown)[] = [
        (k) => heap.hash(k),
        (k) => heap.setitem(heap.dict(), k, heap.int(1)),
        (k) => heap.add(heap.set(), k),
        (k) => heap.getitem(heap.dict(), k),
        (k) => heap.contains(heap.dict(), k),
      ];
      for (const make of makers) {
        for (const op of ops) {
          heap.scope(() => {
            try {
              op(make());
              out.push("ok");
            } catch (e) {
              if (!(e instanceof PyError)) throw e;
              out.push(`${e.pytype}: ${e.message}`);
            }
          });
        }
      }
      expect(out).toEqual(py);
    }));

  it("uses a class's __hash__ and __eq__ for keys, reducing __hash__ results as CPython", async () => {
    const big = 2n ** 40n + 5n;
    const py = await pyodideJson<unknown[]>(`
import json
class K:
    def __init__(self, v): self.v = v
    def __hash__(self): return self.v
    def __eq__(self, o): return isinstance(o, K) and self.v == o.v
class B(K):
    def __hash__(self): return ${big}
d = {}
d[K(1)] = 'a'; d[K(1)] = 'b'; d[K(2)] = 'c'
print(json.dumps([hash(K(5)), hash(K(-1)), hash(B(0)), len(d), K(3) in d, K(2) in d, d[K(1)]]))`);
    await withHeap(backend, (heap, leak) => {
      const K = heap.defineClass("K", {
        methods: {
          __init__: (self, v) => heap.setattr(self, "v", v),
          __hash__: (self) => heap.getattr(self, "v"),
          __eq__: (self, o) => heap.scope(() => heap.bool(heap.isinstance(o, K) && heap.eq(heap.getattr(self, "v"), heap.getattr(o, "v")))),
        },
      });
      const B = heap.defineClass("B", { base: K, methods: { __hash__: () => heap.int(big) } });
      leak.rebase();
      heap.scope(() => {
        const k = (v: number) => heap.new(K, heap.int(v));
        const d = heap.dict();
        heap.setitem(d, k(1), heap.str("a"));
        heap.setitem(d, k(1), heap.str("b"));
        heap.setitem(d, k(2), heap.str("c"));
        expect([heap.hash(k(5)), heap.hash(k(-1)), heap.hash(heap.new(B, heap.int(0))), heap.len(d), heap.contains(d, k(3)), heap.contains(d, k(2)), heap.toJS(heap.getitem(d, k(1)))]).toEqual(py);
      });
    });
  });
});

describe("hash helpers agree between the twins", () => {
  it("gives the same hash for the same object on wasm and ts", async () => {
    const run = (backend: "wasm" | "ts") =>
      withHeap(backend, (heap: Heap) =>
        heap.scope(() => [heap.hash(heap.str("some string")), heap.hash(heap.float(0.3)), heap.hash(heap.tuple([heap.int(1), heap.str("x")])), heap.hash(heap.new(heap.types.object))]),
      );
    expect(await run("wasm")).toEqual(await run("ts"));
  });
});

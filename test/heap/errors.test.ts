// PyError with .pytype and CPython's message texts (issue 3, item 7), against python3:
// one table of failing operations, each written once in Python and once through the
// heap API; the exception type and str(exc) must match exactly. Also: a JS exception
// thrown inside a method surfaces as a Python exception, PyError.is() follows the
// builtin hierarchy, and nothing leaks on any error path.

import { describe, expect, it } from "vitest";
import { PyError, type Heap, type Ref } from "../../src/index";
import { BACKENDS, python3Json, withHeap } from "../helpers";

const PRELUDE = `
class Node: pass
class Sl:
    __slots__ = ('a',)
class Init:
    def __init__(self): return 5
class BadBool:
    def __bool__(self): return 1
class NegLen:
    def __len__(self): return -1
class StrLen:
    def __len__(self): return 'x'
class BadHash:
    def __hash__(self): return 'x'
class BadRepr:
    def __repr__(self): return 5
class BadIter:
    def __iter__(self): return 5
class NextOnly:
    def __next__(self): return 1
class NoIter:
    __iter__ = None
class Raiser:
    def m(self): raise ValueError('bad value 42')
`;

type Classes = Record<string, Ref>;

function defineClasses(heap: Heap): Classes {
  return {
    Node: heap.defineClass("Node"),
    Sl: heap.defineClass("Sl", { slots: ["a"] }),
    Init: heap.defineClass("Init", { methods: { __init__: () => heap.int(5) } }),
    BadBool: heap.defineClass("BadBool", { methods: { __bool__: () => heap.int(1) } }),
    NegLen: heap.defineClass("NegLen", { methods: { __len__: () => heap.int(-1) } }),
    StrLen: heap.defineClass("StrLen", { methods: { __len__: () => heap.str("x") } }),
    BadHash: heap.defineClass("BadHash", { methods: { __hash__: () => heap.str("x") } }),
    BadRepr: heap.defineClass("BadRepr", { methods: { __repr__: () => heap.int(5) } }),
    BadIter: heap.defineClass("BadIter", { methods: { __iter__: () => heap.int(5) } }),
    NextOnly: heap.defineClass("NextOnly", { methods: { __next__: () => heap.int(1) } }),
    NoIter: heap.scope(() => {
      const c = heap.defineClass("NoIter");
      heap.setattr(c, "__iter__", heap.None);
      return c;
    }),
    Raiser: heap.defineClass("Raiser", {
      methods: {
        m: () => {
          throw new PyError("ValueError", "bad value 42");
        },
      },
    }),
  };
}

/** [python statement that raises, the same through the heap] */
function table(heap: Heap, K: Classes): [string, () => unknown][] {
  const i = (v: number) => heap.int(v);
  const s = (v: string) => heap.str(v);
  return [
    ["[][5]", () => heap.getitem(heap.list(), 5)],
    ["[1, 2][-3]", () => heap.getitem(heap.list([i(1), i(2)]), -3)],
    ["l = []; l[0] = 1", () => heap.setitem(heap.list(), 0, i(1))],
    ["l = []; del l[0]", () => heap.delitem(heap.list(), 0)],
    ["[]['a']", () => heap.getitem(heap.list(), s("a"))],
    ["[][1.5]", () => heap.getitem(heap.list(), heap.float(1.5))],
    ["()[0]", () => heap.getitem(heap.tuple([]), i(0))],
    ["'ab'[5]", () => heap.getitem(s("ab"), i(5))],
    ["[].pop()", () => heap.pop(heap.list())],
    ["[1].pop(5)", () => heap.pop(heap.list([i(1)]), 5)],
    ["{}['a']", () => heap.getitem(heap.dict(), s("a"))],
    ["{}[(1, 'x')]", () => heap.getitem(heap.dict(), heap.tuple([i(1), s("x")]))],
    ["{}[10**20]", () => heap.getitem(heap.dict(), heap.int(10n ** 20n))],
    ["d = {}; del d['zz']", () => heap.delitem(heap.dict(), s("zz"))],
    ["hash([])", () => heap.hash(heap.list())],
    ["{}[[]] = 1", () => heap.setitem(heap.dict(), heap.list(), i(1))],
    ["set().add({})", () => heap.add(heap.set(), heap.dict())],
    ["Node().x", () => heap.getattr(heap.new(K.Node), "x")],
    ["Node.x", () => heap.getattr(K.Node, "x")],
    ["list.nope", () => heap.getattr(heap.types.list, "nope")],
    ["del Node().x", () => heap.delattr(heap.new(K.Node), "x")],
    ["Sl().a", () => heap.getattr(heap.new(K.Sl), "a")],
    ["Sl().b = 1", () => heap.setattr(heap.new(K.Sl), "b", i(1))],
    ["del Sl().a", () => heap.delattr(heap.new(K.Sl), "a")],
    ["(5).x = 1", () => heap.setattr(i(5), "x", i(1))],
    ["[].append = 1", () => heap.setattr(heap.list(), "append", i(1))],
    ["bool.x = 1", () => heap.setattr(heap.types.bool, "x", i(1))],
    ["(5)()", () => heap.call(i(5))],
    ["len(5)", () => heap.len(i(5))],
    ["iter(5)", () => heap.iter(i(5))],
    ["next([])", () => heap.next(heap.list())],
    ["(5)[0]", () => heap.getitem(i(5), i(0))],
    ["t = (1,); t[0] = 2", () => heap.setitem(heap.tuple([i(1)]), i(0), i(2))],
    ["t = (1,); del t[0]", () => heap.delitem(heap.tuple([i(1)]), i(0))],
    ["1 < 'a'", () => heap.compare(i(1), s("a"), "<")],
    ["[] >= ()", () => heap.compare(heap.list(), heap.tuple([]), ">=")],
    ["{} < {}", () => heap.compare(heap.dict(), heap.dict(), "<")],
    ["None > None", () => heap.compare(heap.None, heap.None, ">")],
    ["1 in 'abc'", () => heap.contains(s("abc"), i(1))],
    ["Node(1)", () => heap.new(K.Node, i(1))],
    ["object(1)", () => heap.new(heap.types.object, i(1))],
    ["Init()", () => heap.new(K.Init)],
    ["bool(BadBool())", () => heap.truth(heap.new(K.BadBool))],
    ["len(NegLen())", () => heap.len(heap.new(K.NegLen))],
    ["len(StrLen())", () => heap.len(heap.new(K.StrLen))],
    ["hash(BadHash())", () => heap.hash(heap.new(K.BadHash))],
    ["repr(BadRepr())", () => heap.repr(heap.new(K.BadRepr))],
    ["iter(BadIter())", () => heap.iter(heap.new(K.BadIter))],
    ["iter(NextOnly())", () => heap.iter(heap.new(K.NextOnly))],
    ["iter(NoIter())", () => heap.iter(heap.new(K.NoIter))],
    ["1 in 5", () => heap.contains(i(5), i(1))],
    ["1 in BadIter()", () => heap.contains(heap.new(K.BadIter), i(1))],
    ["1 in NextOnly()", () => heap.contains(heap.new(K.NextOnly), i(1))],
    ["Raiser().m()", () => heap.call(heap.getattr(heap.new(K.Raiser), "m"))],
    ["int('abc')", () => heap.new(heap.types.int, s("abc"))],
    ["int('1_')", () => heap.new(heap.types.int, s("1_"))],
    ["float('x')", () => heap.new(heap.types.float, s("x"))],
    ["int(float('nan'))", () => heap.new(heap.types.int, heap.float(NaN))],
    ["int(float('inf'))", () => heap.new(heap.types.int, heap.float(Infinity))],
    ["int([])", () => heap.new(heap.types.int, heap.list())],
    ["list(5)", () => heap.new(heap.types.list, i(5))],
    ["[].append()", () => heap.call(heap.getattr(heap.list(), "append"))],
    ["[].index(3)", () => heap.call(heap.getattr(heap.list(), "index"), i(3))],
    ["[].remove(3)", () => heap.call(heap.getattr(heap.list(), "remove"), i(3))],
    ["{}.pop('k')", () => heap.call(heap.getattr(heap.dict(), "pop"), s("k"))],
    ["{}.popitem()", () => heap.call(heap.getattr(heap.dict(), "popitem"))],
    ["bytes('x')", () => heap.new(heap.types.bytes, s("x"))],
    ["bytes([256])", () => heap.new(heap.types.bytes, heap.list([i(256)]))],
    ["isinstance(1, 2)", () => heap.isinstance(i(1), i(2))],
    // JS arguments standing for Python ones
    ["[1].pop('x')", () => heap.pop(heap.list([i(1)]), "x" as never)],
    ["[1].pop(1.5)", () => heap.pop(heap.list([i(1)]), 1.5)],
    ["list(5)", () => heap.list(5 as never)],
    ["tuple(None)", () => heap.tuple(null as never)],
    ["dict(5)", () => heap.dict(5 as never)],
    ["dict([5])", () => heap.dict([5] as never)],
    ["dict([[1]])", () => heap.dict([[i(1)]] as never)],
    ["dict([(1, 2, 3)])", () => heap.dict([[i(1), i(2), i(3)]] as never)],
    ["frozenset(5)", () => heap.frozenset(5 as never)],
    ["t = (1,); t[0] = 2", () => heap.setitem(heap.tuple([i(1)]), 0, i(2))],
    ["t = (1,); del t[0]", () => heap.delitem(heap.tuple([i(1)]), 0)],
    ["getattr(Node(), 5)", () => heap.getattr(heap.new(K.Node), 5 as never)],
    ["import sys; sys.setrecursionlimit({})", () => heap.sys.setrecursionlimit({} as never)],
    ["dict(**[])", () => heap.callKw(heap.types.dict, [], [] as never)],
    ["Node(**[])", () => heap.callKw(K.Node, [], [] as never)],
    ["[].append(**[])", () => heap.callKw(heap.getattr(heap.list(), "append"), [], [] as never)],
  ];
}

describe.each(BACKENDS)("error types and messages vs python3 (%s)", (backend) => {
  it("raises CPython's exception type and text for each failing operation", () =>
    withHeap(backend, (heap, leak) => {
      const K = defineClasses(heap);
      leak.rebase();
      const rows = table(heap, K);
      const py = python3Json<string[]>(
        `${PRELUDE}\nimport json\nout = []\nfor code in json.loads(${JSON.stringify(JSON.stringify(rows.map(([c]) => c)))}):\n` +
          `    try:\n        exec(code, dict(globals()))\n        out.append('no error')\n` +
          `    except Exception as e:\n        out.append(type(e).__name__ + ': ' + str(e))\nprint(json.dumps(out))`,
      );
      const ours = rows.map(([, fn]) =>
        heap.scope(() => {
          try {
            fn();
            return "no error";
          } catch (e) {
            if (!(e instanceof PyError)) throw e;
            return `${e.pytype}: ${e.message}`;
          }
        }),
      );
      const byCode = (xs: string[]) => Object.fromEntries(rows.map(([c], k) => [c, xs[k]]));
      expect(byCode(ours)).toEqual(byCode(py));
    }));

  it("`x in 5` says \"argument of type 'int' is not iterable\" (_PySequence_IterSearch)", () =>
    withHeap(backend, (heap) => {
      heap.scope(() => expect(() => heap.contains(heap.int(5), heap.int(1))).toThrow("argument of type 'int' is not iterable"));
    }));

  it("sys.intern of a str subclass says \"can't intern S\"", () =>
    withHeap(backend, (heap, leak) => {
      const S = heap.defineClass("S", { base: "str" });
      leak.rebase();
      heap.scope(() => expect(() => heap.sys.intern(heap.new(S, heap.str("ab")))).toThrow("can't intern S"));
    }));

  it("turns any JS exception thrown by a heap function into a Python exception", () =>
    withHeap(backend, (heap) => {
      const f = heap.function(() => {
        throw new RangeError("out of range here");
      }, "f");
      const g = heap.function(() => {
        throw "a string";
      }, "g");
      let err: unknown;
      try {
        heap.call(f);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PyError);
      expect((err as PyError).message).toContain("out of range here");
      expect((err as PyError).original).toBeInstanceOf(RangeError);
      expect(() => heap.call(g)).toThrow(PyError);
      // a function must return a Ref or undefined
      const bad = heap.function(() => "nope" as unknown as Ref, "bad");
      expect(() => heap.call(bad)).toThrow(/must return a Ref/);
      // ... and a number that is no live object is refused in normal mode too
      const forged = heap.function(() => 12345 as Ref, "forged");
      expect(() => heap.call(forged)).toThrow("a function on the heap returned 12345, which is not a live object");
      for (const r of [f, g, bad, forged]) heap.decref(r);
    }));

  it("defineClass refuses a spec whose methods or finalizers are not functions", () =>
    withHeap(backend, (heap) => {
      expect(() => heap.defineClass("Q", null as never)).toThrow("defineClass() spec must be an object, not NoneType");
      expect(() => heap.defineClass("Q", { methods: { f: 5 as never } })).toThrow("defineClass(): spec.methods.f must be a function, not int");
      expect(() => heap.defineClass("Q", { del: "x" as never })).toThrow("defineClass(): spec.del must be a function, not str");
      expect(() => heap.defineClass("Q", { legacyDel: {} as never })).toThrow("defineClass(): spec.legacyDel must be a function, not dict");
    }));

  it("PyError.is follows the builtin exception hierarchy", () => {
    expect(new PyError("KeyError", "x").is("LookupError")).toBe(true);
    expect(new PyError("IndexError", "x").is("LookupError")).toBe(true);
    expect(new PyError("KeyError", "x").is("Exception")).toBe(true);
    expect(new PyError("KeyError", "x").is("IndexError")).toBe(false);
    expect(new PyError("MemoryError").is("Exception")).toBe(true);
    expect(String(new PyError("TypeError", "m"))).toBe("TypeError: m");
    expect(String(new PyError("MemoryError"))).toBe("MemoryError");
  });
});

// Container operations of API.md (issue 3, item 6) against python3:
// - dict insertion order after deletes, reinserts, pops, popitem, setdefault and
//   clear: a 600-step deterministic sequence over int and str keys, keys/values/items
//   compared at checkpoints
// - list operations (append, insert, pop(i), extend, remove, index, count, setitem and
//   delitem with negative indices, copy, clear) against the same Python sequence
// - getitem/setitem/delitem/contains/len on list, tuple, str, bytes, dict, set;
//   iteration with heap.iter/heap.next; keys/values/items return lists
// - heap.from / heap.toJS: deep conversion both ways, shared substructure and cycles

import { describe, expect, it } from "vitest";
import type { Heap, Ref } from "../../src/index";
import { BACKENDS, python3, python3Json, withHeap } from "../helpers";

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type DictOp = ["set", number | string, number] | ["del", number | string] | ["pop", number | string] | ["popitem"] | ["setdefault", number | string, number] | ["clear"] | ["check"];

function dictOps(n: number): DictOp[] {
  const r = rng(12345);
  const key = () => (r() < 0.5 ? Math.floor(r() * 40) : `k${Math.floor(r() * 40)}`);
  const ops: DictOp[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.45) ops.push(["set", key(), i]);
    else if (x < 0.7) ops.push(["del", key()]);
    else if (x < 0.8) ops.push(["pop", key()]);
    else if (x < 0.85) ops.push(["popitem"]);
    else if (x < 0.95) ops.push(["setdefault", key(), -i]);
    else if (x < 0.955) ops.push(["clear"]);
    else ops.push(["check"]);
  }
  ops.push(["check"]);
  return ops;
}

describe.each(BACKENDS)("containers vs python3 (%s)", (backend) => {
  it("keeps dict insertion order through deletes, reinserts, pops and clears", () =>
    withHeap(backend, (heap) => {
      const ops = dictOps(600);
      const py = python3Json<unknown[]>(`
import json
d = {}
out = []
for op in json.loads(${JSON.stringify(JSON.stringify(ops))}):
    k = op[0]
    try:
        if k == 'set': d[op[1]] = op[2]
        elif k == 'del': del d[op[1]]
        elif k == 'pop': out.append(d.pop(op[1]))
        elif k == 'popitem': out.append(list(d.popitem()))
        elif k == 'setdefault': out.append(d.setdefault(op[1], op[2]))
        elif k == 'clear': d.clear()
        elif k == 'check': out.append([list(d.keys()), list(d.values()), [list(x) for x in d.items()], repr(d), len(d)])
    except KeyError as e:
        out.append('KeyError: ' + str(e))
print(json.dumps(out))`);
      const out: unknown[] = [];
      const d = heap.dict();
      const key = (k: number | string) => (typeof k === "number" ? heap.int(k) : heap.str(k));
      for (const op of ops) {
        heap.scope(() => {
          try {
            switch (op[0]) {
              case "set":
                heap.setitem(d, key(op[1]), heap.int(op[2]));
                break;
              case "del":
                heap.delitem(d, key(op[1]));
                break;
              case "pop":
                out.push(heap.toJS(heap.call(heap.getattr(d, "pop"), key(op[1]))));
                break;
              case "popitem":
                out.push(heap.toJS(heap.call(heap.getattr(d, "popitem"))));
                break;
              case "setdefault":
                out.push(heap.toJS(heap.call(heap.getattr(d, "setdefault"), key(op[1]), heap.int(op[2]))));
                break;
              case "clear":
                heap.call(heap.getattr(d, "clear"));
                break;
              case "check":
                out.push([heap.toJS(heap.keys(d)), heap.toJS(heap.values(d)), heap.toJS(heap.items(d)), heap.repr(d), heap.len(d)]);
                break;
            }
          } catch (e) {
            if ((e as { pytype?: string }).pytype !== "KeyError") throw e;
            out.push(`KeyError: ${(e as Error).message}`);
          }
        });
      }
      expect(out).toEqual(py);
      heap.decref(d);
    }));

  it("performs list operations as python3, negative indices and messages included", () =>
    withHeap(backend, (heap) => {
      const py = python3Json<unknown[]>(`
import json
l = []
out = []
for i in range(10): l.append(i * i)
l.insert(0, -1); l.insert(-1, 'neg'); l.insert(100, 'end'); l.insert(-100, 'start')
out.append(repr(l))
out.append([l.pop(), l.pop(0), l.pop(3), l.pop(-2)])
l.extend([7, 8, 7]); l.extend((9,)); l.remove(7)
out.append([l.index(8), l.count(7), len(l), l[-1], l[0]])
l[-1] = 'last'; l[2] = 'two'; del l[-2]; del l[0]
out.append(repr(l))
c = l.copy(); c.append('copy'); out.append([repr(l), repr(c)])
out.append([5 in l, 'two' in l, 99 in l])
l.clear(); out.append([repr(l), len(l)])
t = (1, 'a', 2.5)
out.append([t[0], t[-1], 'a' in t, len(t)])
s = 'héllo'
out.append([s[1], s[-1], 'll' in s, len(s)])
b = bytes([1, 2, 250])
out.append([b[2], b[-3], len(b)])
print(json.dumps(out))`);
      const out = heap.scope(() => {
        const out: unknown[] = [];
        const i = (v: number) => heap.int(v);
        const s = (v: string) => heap.str(v);
        const m = (o: Ref, name: string, ...args: Ref[]) => heap.call(heap.getattr(o, name), ...args);
        const l = heap.list();
        for (let k = 0; k < 10; k++) heap.append(l, i(k * k));
        m(l, "insert", i(0), i(-1));
        m(l, "insert", i(-1), s("neg"));
        m(l, "insert", i(100), s("end"));
        m(l, "insert", i(-100), s("start"));
        out.push(heap.repr(l));
        out.push([heap.pop(l), heap.pop(l, 0), heap.pop(l, 3), heap.pop(l, -2)].map((r) => heap.toJS(r)));
        m(l, "extend", heap.list([i(7), i(8), i(7)]));
        m(l, "extend", heap.tuple([i(9)]));
        m(l, "remove", i(7));
        out.push([heap.toJS(m(l, "index", i(8))), heap.toJS(m(l, "count", i(7))), heap.len(l), heap.toJS(heap.getitem(l, -1)), heap.toJS(heap.getitem(l, 0))]);
        heap.setitem(l, -1, s("last"));
        heap.setitem(l, i(2), s("two"));
        heap.delitem(l, -2);
        heap.delitem(l, i(0));
        out.push(heap.repr(l));
        const c = m(l, "copy");
        heap.append(c, s("copy"));
        out.push([heap.repr(l), heap.repr(c)]);
        out.push([heap.contains(l, i(5)), heap.contains(l, s("two")), heap.contains(l, i(99))]);
        m(l, "clear");
        out.push([heap.repr(l), heap.len(l)]);
        const t = heap.tuple([i(1), s("a"), heap.float(2.5)]);
        out.push([heap.toJS(heap.getitem(t, 0)), heap.toJS(heap.getitem(t, -1)), heap.contains(t, s("a")), heap.len(t)]);
        const st = heap.str("héllo");
        out.push([heap.toJS(heap.getitem(st, i(1))), heap.toJS(heap.getitem(st, i(-1))), heap.contains(st, s("ll")), heap.len(st)]);
        const b = heap.bytes(new Uint8Array([1, 2, 250]));
        out.push([heap.toJS(heap.getitem(b, i(2))), heap.toJS(heap.getitem(b, i(-3))), heap.len(b)]);
        return out;
      });
      expect(out).toEqual(py);
    }));

  it("iterates lists, tuples, strs, dicts and sets with heap.iter/heap.next", () =>
    withHeap(backend, (heap) => {
      heap.scope(() => {
        const collect = (o: Ref) => {
          const it = heap.iter(o);
          const xs: unknown[] = [];
          for (let x = heap.next(it); x !== undefined; x = heap.next(it)) xs.push(heap.toJS(x));
          expect(heap.next(it)).toBeUndefined(); // stays exhausted
          return xs;
        };
        const d = heap.from({ b: 1, a: 2, c: 3 });
        expect(collect(heap.list([heap.int(1), heap.str("x")]))).toEqual([1, "x"]);
        expect(collect(heap.tuple([heap.None]))).toEqual([null]);
        expect(collect(heap.str("a€😀"))).toEqual(["a", "€", "😀"]);
        expect(collect(d)).toEqual(["b", "a", "c"]);
        expect(collect(heap.set([heap.int(3), heap.int(1), heap.int(2)]))).toEqual([1, 2, 3]);
        expect(collect(heap.bytes(new Uint8Array([5, 6])))).toEqual([5, 6]);
        // an iterator holds its sequence
        const l = heap.list([heap.int(1)]);
        const it = heap.iter(l);
        expect(heap.refcnt(l)).toBe(2); // ours (released by the scope) and the iterator's
        expect(heap.len(d)).toBe(3);
        expect(heap.typeName(heap.keys(d))).toBe("list");
        expect(heap.toJS(heap.items(d))).toEqual([["b", 1], ["a", 2], ["c", 3]]);
        void it;
      });
    }));

  it("converts deeply from JS and back, shared substructure and cycles included", () =>
    withHeap(backend, (heap) => {
      const py = python3(`print(repr({'a': [1, 2.5, 's', None, True, False, 10**30, b'\\x01\\x02', -7], 'm': {1: 'x', 'k': []}, 'n': {'deep': {'er': [[], [[]]]}}}))`);
      const value = {
        a: [1, 2.5, "s", null, true, false, 10n ** 30n, new Uint8Array([1, 2]), -7],
        m: new Map<unknown, unknown>([[1, "x"], ["k", []]]),
        n: { deep: { er: [[], [[]]] } },
      };
      const r = heap.from(value);
      expect(heap.repr(r)).toBe(py);
      const back = heap.toJS(r) as Record<string, unknown>;
      expect(back).toEqual({ ...value, m: new Map<unknown, unknown>([[1, "x"], ["k", []]]) });
      heap.decref(r);

      // sets and frozensets come back as Set, tuples as arrays, non-str keys as a Map
      heap.scope(() => {
        expect(heap.toJS(heap.from(new Set([1, "a"])))).toEqual(new Set([1, "a"]));
        expect(heap.toJS(heap.frozenset([heap.int(3)]))).toEqual(new Set([3]));
        expect(heap.toJS(heap.tuple([heap.int(1), heap.tuple([])]))).toEqual([1, []]);
        expect(heap.toJS(heap.dict([[heap.tuple([]), heap.int(1)]]))).toEqual(new Map([[[], 1]]));
        expect(heap.toJS(heap.from(2 ** 53))).toBe(2 ** 53);
        expect(heap.toJS(heap.from(2n ** 53n + 1n))).toBe(2n ** 53n + 1n);
        expect(heap.typeName(heap.from(undefined))).toBe("NoneType");
        expect(heap.typeName(heap.from(3))).toBe("int");
        expect(heap.typeName(heap.from(3.5))).toBe("float");
        expect(() => heap.from((() => 1) as never)).toThrow(/cannot convert/);
        expect(() => heap.toJS(heap.new(heap.types.object))).toThrow("cannot convert 'object' object to a JS value");
      });

      // shared substructure stays shared
      const shared = [1];
      const s = heap.from([shared, shared]);
      heap.scope(() => expect(heap.getitem(s, 0)).toBe(heap.getitem(s, 1)));
      const sb = heap.toJS(s) as unknown[][];
      expect(sb[0]).toBe(sb[1]);
      heap.decref(s);

      // cycles: a list containing itself, a dict containing itself, both ways
      const a: unknown[] = [1];
      a.push(a);
      const ra = heap.from(a as never);
      expect(heap.repr(ra)).toBe("[1, [...]]");
      const ab = heap.toJS(ra) as unknown[];
      expect(ab[1]).toBe(ab);
      const o: Record<string, unknown> = { x: 1 };
      o.self = o;
      o.list = [o];
      const ro = heap.from(o as never);
      expect(heap.repr(ro)).toBe("{'x': 1, 'self': {...}, 'list': [{...}]}");
      const ob = heap.toJS(ro) as Record<string, unknown>;
      expect(ob.self).toBe(ob);
      expect((ob.list as unknown[])[0]).toBe(ob);
      // break the cycles (no collector in these tests)
      heap.delitem(ra, 1);
      heap.scope(() => heap.call(heap.getattr(ro, "clear")));
      heap.decref(ra);
      heap.decref(ro);
    }));
});

describe.each(BACKENDS)("containers and the JS helpers (%s)", (backend) => {
  it("accepts a JS integer index for lists and tuples only", () =>
    withHeap(backend, (heap: Heap) => {
      heap.scope(() => {
        const l = heap.list([heap.int(10), heap.int(20)]);
        expect(heap.toJS(heap.getitem(l, 1))).toBe(20);
        expect(heap.toJS(heap.getitem(l, -2))).toBe(10);
        const t = heap.tuple([heap.int(1)]);
        expect(heap.toJS(heap.getitem(t, 0))).toBe(1);
        expect(() => heap.getitem(t, 1)).toThrow("tuple index out of range");
      });
    }));
});

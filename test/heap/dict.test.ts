// dict (src/heap/dict.ts) against CPython 3.11: python3 (3.11.7) for orders, messages and
// tracking; Pyodide 0.25 (CPython 3.11.3, wasm32, PYTHONHASHSEED=0) for sys.getsizeof.
// Every test runs on both allocator twins and ends with a leak check.

import { afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { loadPyodide } from "pyodide";
import type { HeapState, Ref } from "../../src/heap/state";
import * as D from "../../src/heap/dict";
import { DICT_KEYS, DK_KIND, DK_REFCNT, HT_CACHED_KEYS, MANAGED_DICT, MANAGED_VALUES, OB_TYPE, TUPLE_ITEMS } from "../../src/heap/layout";
import { PyError } from "../../src/heap/errors";
import { str_literal, unicode_from_js, unicode_to_js } from "../../src/heap/str";
import { long_as_exact_number, long_from_number } from "../../src/heap/int";
import { list_from_array, list_get, list_size } from "../../src/heap/list";
import { tuple_from_array, tuple_get, tuple_size } from "../../src/heap/tuple";
import { Py_DECREF, Py_INCREF } from "../../src/heap/refcount";
import { gc_alloc, gc_is_tracked, gc_track, gc_untrack, object_alloc, object_free } from "../../src/heap/object";
import { new_type } from "../../src/heap/typeobject";
import { K_OBJECT, K_STR, K_INT, K_TUPLE, Py_EQ, type TypeSlots } from "../../src/heap/typeslots";
import { PyObject_GetIter, PyIter_Next } from "../../src/heap/abstract";
import { createHeap } from "../../src/index";
import { BACKENDS, clearStateFreeLists, lcg, stateHeap, thrown } from "../helpers/heap";
import { python3Json } from "../helpers/oracles";


// ---- oracles ----------------------------------------------------------------------------


let pyodide: Awaited<ReturnType<typeof loadPyodide>>;
beforeAll(async () => {
  pyodide = await loadPyodide({ env: { PYTHONHASHSEED: "0" } });
});
function pyo(code: string): any {
  pyodide.runPython(code);
  return JSON.parse(pyodide.runPython("__import__('json').dumps(out)"));
}

// ---- helpers ----------------------------------------------------------------------------

type Key = string | number;

function toJS(h: HeapState, o: Ref): any {
  const t = h.i32[(o + OB_TYPE) >> 2];
  if (t === h.T.str.ref) return unicode_to_js(h, o);
  if (t === h.T.int.ref) return long_as_exact_number(h, o);
  if (t === h.T.tuple.ref) {
    const a = [];
    for (let i = 0; i < tuple_size(h, o); i++) a.push(toJS(h, tuple_get(h, o, i)));
    return a;
  }
  if (o === h.None) return null;
  return `<${o}>`;
}

/** a new reference for a JS key */
function obj(h: HeapState, k: Key): Ref {
  return typeof k === "string" ? str_literal(h, k) : long_from_number(h, k);
}

function pyKey(k: Key): string {
  return typeof k === "string" ? JSON.stringify(k) : String(k);
}

function set(h: HeapState, d: Ref, k: Key, v: Key): void {
  const ko = obj(h, k);
  const vo = obj(h, v);
  D.dict_setitem(h, d, ko, vo);
  Py_DECREF(h, ko);
  Py_DECREF(h, vo);
}

function get(h: HeapState, d: Ref, k: Key): any {
  const ko = obj(h, k);
  const v = D.dict_getitem(h, d, ko);
  Py_DECREF(h, ko);
  return v === 0 ? undefined : toJS(h, v);
}

function del(h: HeapState, d: Ref, k: Key): void {
  const ko = obj(h, k);
  try {
    D.dict_delitem(h, d, ko);
  } finally {
    Py_DECREF(h, ko);
  }
}

function items(h: HeapState, d: Ref): [any, any][] {
  const out: [any, any][] = [];
  for (let p = D.dict_next(h, d, 0); p !== -1; p = D.dict_next(h, d, p)) out.push([toJS(h, h.dictIterKey), toJS(h, h.dictIterValue)]);
  return out;
}

/** sys.getsizeof: __sizeof__ plus the GC head */
function getsizeof(h: HeapState, d: Ref): number {
  return D.dict_sizeof(h, d) + 8;
}



/** A small deterministic PRNG (LCG) */

// ---- the suite ------------------------------------------------------------------------------

describe.each(BACKENDS)("dict on the %s twin", (backend) => {
  let h: HeapState;
  let baseline: number;

  beforeEach(async () => {
    h = await stateHeap(backend);
    clearStateFreeLists(h);
    baseline = h.alloc.getallocatedblocks();
  });

  afterEach(() => {
    clearStateFreeLists(h);
    expect(h.alloc.getallocatedblocks()).toBe(baseline);
  });

  test("insertion order and sizes after mixed sets, deletes, pops and re-inserts match CPython", () => {
    for (const [seed, keyKinds] of [
      [1, "str"],
      [2, "int"],
      [3, "mixed"],
      [4, "str"],
    ] as const) {
      const rnd = lcg(seed);
      const d = D.dict_new(h);
      const mirror = new Map<Key, Key>();
      const py: string[] = ["import sys, json", "d = {}", "out = []"];
      const got: [any, number][] = [];
      const pick = (): Key => {
        const n = Math.floor(rnd() * 40);
        if (keyKinds === "str") return "k" + n;
        if (keyKinds === "int") return n * 7 - 50;
        return rnd() < 0.5 ? "k" + n : n;
      };
      for (let step = 0; step < 300; step++) {
        const r = rnd();
        const k = pick();
        if (r < 0.55) {
          set(h, d, k, step);
          mirror.set(k, step);
          py.push(`d[${pyKey(k)}] = ${step}`);
        } else if (r < 0.8) {
          if (mirror.has(k)) {
            del(h, d, k);
            mirror.delete(k);
            py.push(`del d[${pyKey(k)}]`);
          } else {
            const ko = obj(h, k);
            const v = D.dict_pop(h, d, ko, h.None);
            expect(v).toBe(h.None);
            Py_DECREF(h, v);
            Py_DECREF(h, ko);
            py.push(`d.pop(${pyKey(k)}, None)`);
          }
        } else if (r < 0.9) {
          const ko = obj(h, k);
          const vo = obj(h, -step);
          const res = D.dict_setdefault(h, d, ko, vo);
          expect(toJS(h, res)).toBe(mirror.has(k) ? mirror.get(k) : -step);
          if (!mirror.has(k)) mirror.set(k, -step);
          Py_DECREF(h, ko);
          Py_DECREF(h, vo);
          py.push(`d.setdefault(${pyKey(k)}, ${-step})`);
        } else if (r < 0.97) {
          if (mirror.size > 0) {
            const t = D.dict_popitem(h, d);
            const [pk, pv] = toJS(h, t);
            const last = [...mirror.keys()].pop()!;
            expect([pk, pv]).toEqual([last, mirror.get(last)]);
            mirror.delete(last);
            Py_DECREF(h, t);
            py.push("d.popitem()");
          }
        } else {
          D.dict_clear(h, d);
          mirror.clear();
          py.push("d.clear()");
        }
        got.push([items(h, d), getsizeof(h, d)]);
        py.push("out.append([list(d.items()), sys.getsizeof(d)])");
      }
      const code = py.join("\n");
      const expectedOrder = python3Json<any>(code + "\nprint(json.dumps([o[0] for o in out]))");
      expect(got.map((g) => g[0])).toEqual(expectedOrder);
      const expectedSizes = pyo(code + "\nout = [o[1] for o in out]");
      expect(got.map((g) => g[1])).toEqual(expectedSizes);
      expect(D.dict_len(h, d)).toBe(mirror.size);
      Py_DECREF(h, d);
    }
  });

  test("resize points: getsizeof while inserting 0..100 str keys and int keys match Pyodide", () => {
    const expected = pyo(`
import sys
out = []
for mk in (lambda i: 'k%d' % i, lambda i: i, lambda i: ('k%d' % i) if i % 2 else i):
    d = {}
    g = []
    for i in range(101):
        g.append(sys.getsizeof(d)); d[mk(i)] = i
    g.append(sys.getsizeof(d))
    g.append(sys.getsizeof(d.copy()))
    d.clear(); g.append(sys.getsizeof(d))
    out.append(g)
`);
    const mks = [(i: number): Key => "k" + i, (i: number): Key => i, (i: number): Key => (i % 2 ? "k" + i : i)];
    const got = mks.map((mk) => {
      const d = D.dict_new(h);
      const g: number[] = [];
      for (let i = 0; i <= 100; i++) {
        g.push(getsizeof(h, d));
        set(h, d, mk(i), i);
      }
      g.push(getsizeof(h, d));
      const c = D.dict_copy(h, d);
      g.push(getsizeof(h, c));
      expect(items(h, c)).toEqual(items(h, d));
      Py_DECREF(h, c);
      D.dict_clear(h, d);
      g.push(getsizeof(h, d));
      Py_DECREF(h, d);
      return g;
    });
    expect(got).toEqual(expected);
    // the documented anchors
    expect(expected[0].slice(0, 2)).toEqual([40, 108]);
    expect(expected[1][1]).toBe(128);
  });

  test("a str-keyed table turns general when a non-str key arrives, and sizes follow Pyodide", () => {
    const expected = pyo(`
import sys
out = []
d = {'a': 1, 'b': 2}
out.append(sys.getsizeof(d))
d[1] = 1
out.append(sys.getsizeof(d))
e = {1: 1}
e.update({'a': 2})
out.append(sys.getsizeof(e))
g = dict.fromkeys(range(10))
for i in range(9): del g[i]
out.append(sys.getsizeof(g)); g[100] = 1; out.append(sys.getsizeof(g)); out.append(sys.getsizeof(g.copy()))
out.append([list(d.items()), list(e.items()), list(g)])
`);
    const d = D.dict_new(h);
    set(h, d, "a", 1);
    set(h, d, "b", 2);
    const got: any[] = [getsizeof(h, d)];
    expect(h.u8[h.i32[(d + DICT_KEYS) >> 2] + DK_KIND]).toBe(1); // DICT_KEYS_UNICODE
    set(h, d, 1, 1);
    expect(h.u8[h.i32[(d + DICT_KEYS) >> 2] + DK_KIND]).toBe(0); // DICT_KEYS_GENERAL
    got.push(getsizeof(h, d));
    const e = D.dict_new(h);
    set(h, e, 1, 1);
    const other = D.dict_new(h);
    set(h, other, "a", 2);
    D.dict_update(h, e, other);
    got.push(getsizeof(h, e));
    const g = D.dict_new(h);
    for (let i = 0; i < 10; i++) set(h, g, i, 0);
    for (let i = 0; i < 10; i++) D.dict_setitem(h, g, h.smallInts[i + 5], h.None);
    for (let i = 0; i < 9; i++) del(h, g, i);
    got.push(getsizeof(h, g));
    set(h, g, 100, 1);
    got.push(getsizeof(h, g));
    const gc = D.dict_copy(h, g);
    got.push(getsizeof(h, gc));
    got.push([items(h, d), items(h, e), items(h, g).map((x) => x[0])]);
    expect(got).toEqual(expected);
    for (const x of [d, e, other, g, gc]) Py_DECREF(h, x);
  });

  test("KeyError messages are repr(key), as _PyErr_SetKeyError; popitem on empty", () => {
    const expected = python3Json<any>(`
import json
out = []
for k in ['a', 42, (1, 'x'), "it's"]:
    try: {}[k]
    except KeyError as e: out.append(str(e))
try: {'z': 1}.pop('q')
except KeyError as e: out.append(str(e))
try: {}.popitem()
except KeyError as e: out.append(str(e))
print(json.dumps(out))
`);
    const d = D.dict_new(h);
    const msgs: string[] = [];
    const keys = [obj(h, "a"), obj(h, 42), tuple_from_array(h, [h.smallInts[6], h.latin1[120]]), unicode_from_js(h, h.T.str, "it's")];
    for (const k of keys) {
      const e = thrown(() => D.dict_delitem(h, d, k));
      expect(e.pytype).toBe("KeyError");
      msgs.push(e.message);
      expect(thrown(() => D.dict_subscript(h, d, k)).message).toBe(e.message);
      Py_DECREF(h, k);
    }
    set(h, d, "z", 1);
    const q = obj(h, "q");
    msgs.push(thrown(() => D.dict_pop(h, d, q)).message);
    Py_DECREF(h, q);
    const empty = D.dict_new(h);
    const pe = thrown(() => D.dict_popitem(h, empty));
    expect(pe.pytype).toBe("KeyError");
    msgs.push(pe.message);
    expect(msgs).toEqual(expected);
    Py_DECREF(h, d);
    Py_DECREF(h, empty);
  });

  test("unhashable keys raise TypeError: unhashable type: 'list' and leave the dict unchanged", () => {
    const d = D.dict_new(h);
    set(h, d, "a", 1);
    const lst = list_from_array(h, []);
    const inner = D.dict_new(h);
    for (const k of [lst, inner]) {
      const name = k === lst ? "list" : "dict";
      for (const op of [
        () => D.dict_setitem(h, d, k, h.None),
        () => D.dict_getitem(h, d, k),
        () => D.dict_contains(h, d, k),
        () => D.dict_delitem(h, d, k),
        () => D.dict_setdefault(h, d, k, h.None),
      ]) {
        const e = thrown(op);
        expect(e.pytype).toBe("TypeError");
        expect(e.message).toBe(`unhashable type: '${name}'`);
      }
    }
    // dict.pop on an empty dict returns the default before hashing, as 3.11
    const empty = D.dict_new(h);
    const r = D.dict_pop(h, empty, lst, h.None);
    expect(r).toBe(h.None);
    Py_DECREF(h, r);
    expect(items(h, d)).toEqual([["a", 1]]);
    expect(h.i32[lst >> 2]).toBe(1);
    for (const x of [d, lst, inner, empty]) Py_DECREF(h, x);
  });

  test("iterators: order, item tuple reuse, and the RuntimeErrors of mutation during iteration", () => {
    const expected = python3Json<any>(`
import json
out = []
d = {1: 1, 2: 2, 3: 3}
it = iter(d); next(it)
d[4] = 4
for _ in range(2):
    try: next(it)
    except RuntimeError as e: out.append(str(e))
d = {1: 1, 2: 2}
it = iter(d); next(it); next(it)
del d[1]; d[3] = 3
try: next(it)
except RuntimeError as e: out.append(str(e))
out.append(list(it))
print(json.dumps(out))
`);
    const d = D.dict_new(h);
    for (const k of [1, 2, 3]) set(h, d, k, k);
    // keys / values / items iterators and their order
    for (const [kind, want] of [
      [0, [1, 2, 3]],
      [1, [1, 2, 3]],
      [2, [[1, 1], [2, 2], [3, 3]]],
    ] as const) {
      const it = D.dict_iter_new(h, d, kind);
      expect(gc_is_tracked(h, it)).toBe(true);
      const got: any[] = [];
      let prev = 0;
      let reused = 0;
      for (let x = PyIter_Next(h, it); x !== 0; x = PyIter_Next(h, it)) {
        got.push(toJS(h, x));
        if (x === prev) reused++;
        prev = x;
        Py_DECREF(h, x);
      }
      expect(got).toEqual(want);
      if (kind === 2) expect(reused).toBe(2); // the result tuple is recycled when released
      expect(PyIter_Next(h, it)).toBe(0);
      Py_DECREF(h, it);
    }
    // size change: RuntimeError, sticky
    const msgs: any[] = [];
    let it = PyObject_GetIter(h, d);
    Py_DECREF(h, PyIter_Next(h, it));
    set(h, d, 4, 4);
    msgs.push(thrown(() => PyIter_Next(h, it)).message);
    msgs.push(thrown(() => PyIter_Next(h, it)).message);
    Py_DECREF(h, it);
    // same size, different keys: found one more than expected
    const d2 = D.dict_new(h);
    set(h, d2, 1, 1);
    set(h, d2, 2, 2);
    it = PyObject_GetIter(h, d2);
    Py_DECREF(h, PyIter_Next(h, it));
    Py_DECREF(h, PyIter_Next(h, it));
    del(h, d2, 1);
    set(h, d2, 3, 3);
    const e = thrown(() => PyIter_Next(h, it));
    expect(e.pytype).toBe("RuntimeError");
    msgs.push(e.message);
    msgs.push(PyIter_Next(h, it) === 0 ? [] : ["?"]);
    expect(msgs).toEqual(expected);
    Py_DECREF(h, it);
    Py_DECREF(h, d);
    Py_DECREF(h, d2);
  });

  test("keys(), values(), items() lists, copy, update from a dict and from pairs, equality", () => {
    const expected = python3Json<any>(`
import json
d = {'b': 1, 3: 'x', 'a': (1, 2)}
del d[3]; d[3] = 'y'
e = d.copy(); e.update({'a': 0, 'c': 9}); e.update([('z', 1), ['b', 2]])
out = [list(d.keys()), list(d.values()), [list(t) for t in d.items()], list(e.items()), d == d.copy(), d == e]
try: e.update([(1, 2, 3)])
except ValueError as x: out.append(str(x))
try: e.update([5])
except TypeError as x: out.append(str(x))
print(json.dumps(out))
`);
    const d = D.dict_new(h);
    set(h, d, "b", 1);
    set(h, d, 3, "x");
    const tup = tuple_from_array(h, [h.smallInts[6], h.smallInts[7]]);
    const a = obj(h, "a");
    D.dict_setitem(h, d, a, tup);
    Py_DECREF(h, tup);
    del(h, d, 3);
    set(h, d, 3, "y");
    const k = D.dict_keys(h, d);
    const v = D.dict_values(h, d);
    const it = D.dict_items(h, d);
    const asList = (l: Ref) => Array.from({ length: list_size(h, l) }, (_, i) => toJS(h, list_get(h, l, i)));
    const e = D.dict_copy(h, d);
    const src = D.dict_new(h);
    D.dict_setitem(h, src, a, h.smallInts[5]);
    set(h, src, "c", 9);
    D.dict_update(h, e, src);
    const pairs = list_from_array(h, []);
    const p1 = tuple_from_array(h, [obj(h, "z"), h.smallInts[6]]);
    Py_DECREF(h, h.i32[(p1 + TUPLE_ITEMS) >> 2]); // obj() made a new reference
    const bkey = obj(h, "b");
    const p2 = list_from_array(h, [bkey, h.smallInts[7]]);
    Py_DECREF(h, bkey);
    const seq = list_from_array(h, [p1, p2]);
    D.dict_update(h, e, seq);
    const dcopy = D.dict_copy(h, d);
    const got: any[] = [asList(k), asList(v), asList(it), items(h, e), D.dict_equal(h, d, dcopy), D.dict_equal(h, d, e)];
    const bad1 = list_from_array(h, []);
    const triple = tuple_from_array(h, [h.smallInts[6], h.smallInts[7], h.smallInts[8]]);
    const badSeq1 = list_from_array(h, [triple]);
    got.push(thrown(() => D.dict_update(h, e, badSeq1)).message);
    const badSeq2 = list_from_array(h, [h.smallInts[10]]);
    got.push(thrown(() => D.dict_update(h, e, badSeq2)).message);
    expect(got).toEqual(expected);
    const r = D.dict_richcompare(h, d, dcopy, Py_EQ);
    expect(r).toBe(h.True);
    Py_DECREF(h, r);
    for (const x of [d, k, v, it, e, src, pairs, p1, p2, seq, dcopy, bad1, triple, badSeq1, badSeq2, a]) Py_DECREF(h, x);
  });

  test("ma_version_tag grows with every creation and modification, not with failed lookups", () => {
    const d = D.dict_new(h);
    const v0 = D.dict_version(h, d);
    set(h, d, "a", 1);
    const v1 = D.dict_version(h, d);
    expect(v1).toBeGreaterThan(v0);
    get(h, d, "a");
    get(h, d, "zz");
    expect(D.dict_version(h, d)).toBe(v1);
    set(h, d, "a", 2);
    const v2 = D.dict_version(h, d);
    expect(v2).toBeGreaterThan(v1);
    const same = D.dict_getitem(h, d, h.latin1[97]);
    D.dict_setitem(h, d, h.latin1[97], same); // same value: no new version
    expect(D.dict_version(h, d)).toBe(v2);
    del(h, d, "a");
    expect(D.dict_version(h, d)).toBeGreaterThan(v2);
    Py_DECREF(h, d);
  });

  test("tracking: untracked when created and holding atoms, tracked by a container, untracked again by dict_maybe_untrack", () => {
    const expected = python3Json<any>(`
import gc, json
out = []
d = {}; out.append(gc.is_tracked(d))
for i in range(10): d[i] = str(i)
out.append(gc.is_tracked(d))
l = []; d['l'] = l; out.append(gc.is_tracked(d))
del d['l']; out.append(gc.is_tracked(d))
gc.collect(); out.append(gc.is_tracked(d))
e = {}; e[tuple([1, 2])] = 1; out.append(gc.is_tracked(e))
c = d.copy(); out.append(gc.is_tracked(c))
d2 = {}; d2['x'] = []; c2 = d2.copy(); out.append(gc.is_tracked(c2))
s = {}; s.setdefault('k', {}); out.append(gc.is_tracked(s))
print(json.dumps(out))
`);
    const got: boolean[] = [];
    const d = D.dict_new(h);
    got.push(gc_is_tracked(h, d));
    for (let i = 0; i < 10; i++) {
      const k = obj(h, i);
      const v = unicode_from_js(h, h.T.str, String(i));
      D.dict_setitem(h, d, k, v);
      Py_DECREF(h, k);
      Py_DECREF(h, v);
    }
    got.push(gc_is_tracked(h, d));
    const l = list_from_array(h, []);
    const lk = obj(h, "l");
    D.dict_setitem(h, d, lk, l);
    got.push(gc_is_tracked(h, d));
    D.dict_delitem(h, d, lk);
    got.push(gc_is_tracked(h, d));
    D.dict_maybe_untrack(h, d); // what the full collection's untrack_dicts does
    got.push(gc_is_tracked(h, d));
    const e = D.dict_new(h);
    const t = tuple_from_array(h, [h.smallInts[6], h.smallInts[7]]);
    D.dict_setitem(h, e, t, h.smallInts[6]);
    got.push(gc_is_tracked(h, e));
    const c = D.dict_copy(h, d);
    got.push(gc_is_tracked(h, c));
    const d2 = D.dict_new(h);
    const xk = obj(h, "x");
    D.dict_setitem(h, d2, xk, l);
    const c2 = D.dict_copy(h, d2);
    got.push(gc_is_tracked(h, c2));
    const s = D.dict_new(h);
    const inner = D.dict_new(h);
    const kk = obj(h, "k");
    D.dict_setdefault(h, s, kk, inner);
    got.push(gc_is_tracked(h, s));
    expect(got).toEqual(expected);
    // dict_maybe_untrack keeps a dict holding something that may be tracked
    D.dict_maybe_untrack(h, d2);
    expect(gc_is_tracked(h, d2)).toBe(true);
    for (const x of [d, l, lk, e, t, c, d2, xk, c2, s, inner, kk]) Py_DECREF(h, x);
  });

  test("free lists: 80 dicts and 80 minimum-size unicode keys objects are kept, the 81st is freed", () => {
    const count0 = () => h.gc.counts[0];
    const dicts: Ref[] = [];
    for (let i = 0; i < 81; i++) {
      const d = D.dict_new(h);
      set(h, d, "a", i); // a PyDict_MINSIZE unicode keys object each
      dicts.push(d);
    }
    const blocks = h.alloc.getallocatedblocks();
    for (let i = 0; i < 80; i++) Py_DECREF(h, dicts[i]);
    expect(h.dictFree.length).toBe(80);
    expect(h.dictKeysFree.length).toBe(80);
    expect(h.alloc.getallocatedblocks()).toBe(blocks); // nothing really freed yet
    Py_DECREF(h, dicts[80]);
    expect(h.alloc.getallocatedblocks()).toBe(blocks - 2); // the 81st dict and its keys
    // reuse bypasses the GC allocation count and hands back the last freed dict
    const c = count0();
    const r = D.dict_new(h);
    expect(r).toBe(dicts[79]);
    expect(count0()).toBe(c);
    expect(gc_is_tracked(h, r)).toBe(false);
    set(h, r, "b", 1); // takes a keys object from its free list
    expect(h.dictKeysFree.length).toBe(79);
    // a general (int-keyed) minimum table is never kept
    const g = D.dict_new(h);
    set(h, g, 1, 1);
    const before = h.dictKeysFree.length;
    Py_DECREF(h, g);
    expect(h.dictKeysFree.length).toBe(before);
    Py_DECREF(h, r);
    const b2 = h.alloc.getallocatedblocks();
    D.dict_clear_freelists(h);
    expect(h.alloc.getallocatedblocks()).toBe(b2 - 80 - 80);
    expect(h.dictFree.length).toBe(0);
  });

  test("dealloc and traverse orders: general tables visit value then key, unicode tables values only", () => {
    const g = D.dict_new(h);
    const l1 = list_from_array(h, []);
    const l2 = list_from_array(h, []);
    const k1 = tuple_from_array(h, [h.smallInts[6]]);
    D.dict_setitem(h, g, k1, l2);
    const seen: Ref[] = [];
    D.dict_traverse(h, g, (_h, o, acc: Ref[]) => acc.push(o), seen);
    expect(seen).toEqual([l2, k1]);
    const u = D.dict_new(h);
    const ka = obj(h, "a");
    D.dict_setitem(h, u, ka, l1);
    const seen2: Ref[] = [];
    D.dict_traverse(h, u, (_h, o, acc: Ref[]) => acc.push(o), seen2);
    expect(seen2).toEqual([l1]);
    // tp_clear empties the dict and releases what it held
    D.dict_clear(h, g);
    expect(h.i32[k1 >> 2]).toBe(1);
    expect(D.dict_len(h, g)).toBe(0);
    expect(getsizeof(h, g)).toBe(40);
    for (const x of [g, l1, l2, k1, u, ka]) Py_DECREF(h, x);
  });

  test("deep nesting is released through the trashcan without exhausting the JS stack", () => {
    let d = D.dict_new(h);
    const k = obj(h, "x");
    for (let i = 0; i < 100000; i++) {
      const outer = D.dict_new(h);
      D.dict_setitem(h, outer, k, d);
      Py_DECREF(h, d);
      d = outer;
    }
    Py_DECREF(h, d);
    Py_DECREF(h, k);
    expect(h.trash_delete_nesting).toBe(0);
    expect(h.trash_delete_later.length).toBe(0);
  });

  test("a comparison that mutates the dict restarts the lookup, as CPython", () => {
    // Evil: hash 42; __eq__ fills its target dict with 10 int keys and says True the first time, then False
    const evil: TypeSlots = new_type(h, h.T.type, {
      name: "Evil",
      kind: K_OBJECT,
      base: h.T.object,
      basicsize: 16,
      tp_dealloc: (hh, o) => object_free(hh, o, evil),
      proto: {
        tp_hash: () => 42,
        tp_richcompare: (hh, a, _b, op) => {
          // the first comparison mutates the dict and answers True: only a restarted
          // lookup (which compares again and gets False) can tell it was disturbed
          let r = hh.False;
          if (op === Py_EQ && hh.i32[(a + 8) >> 2] === 0) {
            hh.i32[(a + 8) >> 2] = 1;
            const target = hh.i32[(a + 12) >> 2];
            for (let i = 100; i < 110; i++) D.dict_setitem(hh, target, hh.smallInts[5 + i], hh.smallInts[5 + i]);
            r = hh.True;
          }
          Py_INCREF(hh, r);
          return r;
        },
      },
    });
    baseline = h.alloc.getallocatedblocks(); // the class lives as long as the heap
    const base = baseline;
    const expected = python3Json<any>(`
import json
class Evil:
    def __init__(s, t): s.t = t; s.fired = False
    def __hash__(s): return 42
    def __eq__(s, o):
        if not s.fired:
            s.fired = True
            for i in range(100, 110): s.t[i] = i
            return True
        return False
d = {}
e1 = Evil(d); d[e1] = 1
e2 = Evil(d)
out = [d.get(e2), len(d)]
d[e2] = 2
out.append(len(d))
out.append([k if isinstance(k, int) else 'e' for k in d])
print(json.dumps(out))
`);
    const mk = (target: Ref) => {
      const o = object_alloc(h, evil, 16);
      h.i32[(o + 8) >> 2] = 0;
      h.i32[(o + 12) >> 2] = target;
      return o;
    };
    const d = D.dict_new(h);
    const e1 = mk(d);
    D.dict_setitem(h, d, e1, h.smallInts[6]);
    const e2 = mk(d);
    const got: any[] = [D.dict_getitem(h, d, e2) === 0 ? null : "found", D.dict_len(h, d)];
    D.dict_setitem(h, d, e2, h.smallInts[7]);
    got.push(D.dict_len(h, d));
    got.push(items(h, d).map(([k]) => (typeof k === "number" ? k : "e")));
    expect(got).toEqual(expected);
    Py_DECREF(h, d);
    Py_DECREF(h, e1);
    Py_DECREF(h, e2);
    clearStateFreeLists(h);
    expect(h.alloc.getallocatedblocks()).toBe(base);
  });

  test("an __eq__ that empties the dict during an insert: the non-str key lands in a general table", () => {
    // CPython 3.11.7 stores the key in the unicode Py_EMPTY_KEYS-derived table and then
    // loses it (`e2 in d` turns False after the next resize); this port makes the table
    // general first, so the key stays findable.
    const clearer: TypeSlots = new_type(h, h.T.type, {
      name: "Clearer",
      kind: K_OBJECT,
      base: h.T.object,
      basicsize: 16,
      tp_dealloc: (hh, o) => object_free(hh, o, clearer),
      proto: {
        tp_hash: () => 42,
        tp_richcompare: (hh, a, _b, op) => {
          if (op === Py_EQ && hh.i32[(a + 8) >> 2] === 0) {
            hh.i32[(a + 8) >> 2] = 1;
            D.dict_clear(hh, hh.i32[(a + 12) >> 2]);
          }
          Py_INCREF(hh, hh.False);
          return hh.False;
        },
      },
    });
    clearStateFreeLists(h);
    baseline = h.alloc.getallocatedblocks(); // the class lives as long as the heap
    const mk = (target: Ref) => {
      const o = object_alloc(h, clearer, 16);
      h.i32[(o + 8) >> 2] = 0;
      h.i32[(o + 12) >> 2] = target;
      return o;
    };
    for (const viaSetdefault of [false, true]) {
      const d = D.dict_new(h);
      const e1 = mk(d);
      D.dict_setitem(h, d, e1, h.smallInts[6]);
      const e2 = mk(d);
      if (viaSetdefault) D.dict_setdefault(h, d, e2, h.smallInts[7]);
      else D.dict_setitem(h, d, e2, h.smallInts[7]);
      expect(D.dict_len(h, d)).toBe(1);
      expect(h.u8[h.i32[(d + DICT_KEYS) >> 2] + DK_KIND]).toBe(0); // DICT_KEYS_GENERAL
      for (let i = 0; i < 8; i++) D.dict_setitem(h, d, h.smallInts[5 + i], h.None); // resizes
      expect(D.dict_contains(h, d, e2)).toBe(true);
      expect(toJS(h, D.dict_getitem(h, d, e2))).toBe(2);
      for (const x of [d, e1, e2]) Py_DECREF(h, x);
    }
  });

  describe("managed dicts of instances (shared keys + inline values)", () => {
    let inst: TypeSlots;
    const keysOf = () => h.i32[(inst.ref + HT_CACHED_KEYS) >> 2];
    const newInstance = () => {
      const o = gc_alloc(h, inst, 8);
      D.init_inline_values(h, o, keysOf());
      gc_track(h, o);
      return o;
    };
    const setattr = (o: Ref, name: string, v: Ref) => {
      const n = str_literal(h, name);
      const ok = D.instance_setattr_dict(h, o, keysOf(), n, v);
      Py_DECREF(h, n);
      return ok;
    };
    const getattr = (o: Ref, name: string) => {
      const n = str_literal(h, name);
      const v = D.instance_getattr_dict(h, o, n);
      Py_DECREF(h, n);
      return v === 0 ? undefined : toJS(h, v);
    };
    const names = (o: Ref) => D.instance_attr_names(h, o).map((n) => unicode_to_js(h, n));

    beforeEach(() => {
      // a class with a managed dict (presize 16), outside the baseline like any class
      inst = new_type(h, h.T.type, {
        name: "Inst",
        kind: K_OBJECT,
        base: h.T.object,
        basicsize: 8,
        isGC: true,
        dictoffset: -1,
        tp_dealloc: (hh, o) => {
          gc_untrack(hh, o);
          D.instance_attrs_free(hh, o);
          object_free(hh, o, inst);
        },
        tp_traverse: D.instance_attrs_traverse,
        tp_clear: D.instance_attrs_clear,
      });
      clearStateFreeLists(h);
      baseline = h.alloc.getallocatedblocks();
      h.i32[(inst.ref + HT_CACHED_KEYS) >> 2] = D.dict_new_keys_for_class(h);
    });

    afterEach(() => {
      // the class dies: its shared keys (and the names they hold) go
      D.dictkeys_decref(h, keysOf());
      h.i32[(inst.ref + HT_CACHED_KEYS) >> 2] = 0;
    });

    test("attributes live in the inline values in insertion order; deletes and re-adds as CPython", () => {
      const expected = python3Json<any>(`
import json
class C: pass
c = C(); c.a = 1; c.b = 2; c.c = 3; del c.b; c.b = 4
out = [list(vars(c).items())]
try: del c.missing
except AttributeError: out.append('AttributeError')
print(json.dumps(out))
`);
      const o = newInstance();
      expect(h.i32[(o + MANAGED_VALUES) >> 2]).not.toBe(0);
      setattr(o, "a", h.smallInts[6]);
      setattr(o, "b", h.smallInts[7]);
      setattr(o, "c", h.smallInts[8]);
      expect(setattr(o, "b", 0)).toBe(true);
      expect(getattr(o, "b")).toBeUndefined();
      setattr(o, "b", h.smallInts[9]);
      expect(h.i32[(o + MANAGED_DICT) >> 2]).toBe(0); // no dict was made
      const got: any[] = [names(o).map((n) => [n, getattr(o, n)])];
      if (!setattr(o, "missing", 0)) got.push("AttributeError");
      expect(got).toEqual(expected);
      // traverse visits the values in entry order (a, b, c as first inserted)
      const seen: Ref[] = [];
      D.instance_attrs_traverse(h, o, (_h, v, acc: Ref[]) => acc.push(v), seen);
      expect(seen.map((v) => toJS(h, v))).toEqual([1, 4, 3]);
      Py_DECREF(h, o);
    });

    test("__dict__ materialises a split dict over the shared keys; its size and order match CPython", () => {
      const expected = pyo(`
import sys
class A: pass
a = A(); a.x = 1; a.y = 2; a.z = 3
out = [sys.getsizeof(a.__dict__), list(a.__dict__.items())]
b = A(); b.x = 1
out.append(sys.getsizeof(b.__dict__))
a.__dict__['w'] = 9
out.append([sys.getsizeof(a.__dict__), list(a.__dict__)])
del a.__dict__['y']
out.append([sys.getsizeof(a.__dict__), list(a.__dict__), a.__dict__.popitem(), list(a.__dict__), sys.getsizeof(a.__dict__)])
`);
      const a = newInstance();
      setattr(a, "x", h.smallInts[6]);
      setattr(a, "y", h.smallInts[7]);
      setattr(a, "z", h.smallInts[8]);
      const ad = D.instance_get_dict(h, a);
      expect(h.i32[(a + MANAGED_VALUES) >> 2]).toBe(0);
      expect(h.i32[(a + MANAGED_DICT) >> 2]).toBe(ad);
      expect(h.i32[(h.i32[(ad + DICT_KEYS) >> 2]) + DK_REFCNT >> 2]).toBe(2); // the class and this dict
      const got: any[] = [getsizeof(h, ad), items(h, ad)];
      const b = newInstance();
      setattr(b, "x", h.smallInts[6]);
      const bd = D.instance_get_dict(h, b);
      got.push(getsizeof(h, bd));
      set(h, ad, "w", 9);
      got.push([getsizeof(h, ad), items(h, ad).map((x) => x[0])]);
      del(h, ad, "y");
      const row: any[] = [getsizeof(h, ad), items(h, ad).map((x) => x[0])];
      const t = D.dict_popitem(h, ad); // converts the split table to a combined one
      row.push(toJS(h, t), items(h, ad).map((x) => x[0]), getsizeof(h, ad));
      Py_DECREF(h, t);
      got.push(row);
      expect(got).toEqual(expected);
      // attribute access now goes through the dict
      expect(getattr(a, "x")).toBe(1);
      setattr(a, "q", h.smallInts[5]);
      expect(get(h, ad, "q")).toBe(0);
      for (const x of [ad, bd, a, b]) Py_DECREF(h, x);
    });

    test("more than 30 attributes: the shared keys stop growing and a combined dict takes over", () => {
      const expected = pyo(`
import sys
class B: pass
o = B()
for i in range(31): setattr(o, 'a%d' % i, i)
out = [sys.getsizeof(o.__dict__), list(o.__dict__.items())]
`);
      const o = newInstance();
      for (let i = 0; i < 31; i++) {
        const v = obj(h, i);
        setattr(o, "a" + i, v);
        Py_DECREF(h, v);
        if (i < 29) expect(h.i32[(o + MANAGED_DICT) >> 2]).toBe(0);
      }
      expect(h.i32[(o + MANAGED_VALUES) >> 2]).toBe(0); // the values were handed to a dict
      const d = h.i32[(o + MANAGED_DICT) >> 2];
      expect(d).not.toBe(0);
      expect(getattr(o, "a30")).toBe(30);
      expect(getattr(o, "a3")).toBe(3);
      const od = D.instance_get_dict(h, o);
      expect(od).toBe(d);
      expect([getsizeof(h, od), items(h, od)]).toEqual(expected);
      Py_DECREF(h, od);
      Py_DECREF(h, o);
    });

    test("tracking of materialised dicts, clear and free of the attributes", () => {
      const o = newInstance();
      setattr(o, "n", h.smallInts[6]);
      const d1 = D.instance_get_dict(h, o);
      expect(gc_is_tracked(h, d1)).toBe(false); // only atoms
      Py_DECREF(h, d1);
      const p = newInstance();
      const l = list_from_array(h, []);
      setattr(p, "l", l);
      setattr(p, "self", p); // a cycle through the inline values
      const seen: Ref[] = [];
      D.instance_attrs_traverse(h, p, (_h, v, acc: Ref[]) => acc.push(v), seen);
      expect(seen).toEqual([l, p]);
      D.instance_attrs_clear(h, p); // tp_clear breaks the cycle
      expect(h.i32[l >> 2]).toBe(1);
      expect(getattr(p, "l")).toBeUndefined();
      const q = newInstance();
      setattr(q, "l", l);
      const d2 = D.instance_get_dict(h, q);
      expect(gc_is_tracked(h, d2)).toBe(true);
      Py_DECREF(h, d2);
      for (const x of [o, p, q, l]) Py_DECREF(h, x);
    });
  });
});

// ---- through the public API: the class machinery and mappings on top of dict.ts ----------------

describe.each(BACKENDS)("dict through createHeap on the %s twin", (backend) => {
  test("heap.dict(entries) leaves the dict PyDict_SetItem one pair at a time leaves (keys table bytes, size, tracking, version count)", async () => {
    const heap = await createHeap({ backend });
    const h = (heap as any).h as HeapState;
    const gc = (heap as any).gc as { is_tracked(o: Ref): boolean };
    const s = (x: string) => heap.str(x);
    const distinct = (x: string) => {
      const r = unicode_from_js(h, h.T.str, x); // not the interned one
      heap.hash(r); // its hash cached, as a literal's
      return r;
    };
    const [a, b, c, d, e, f] = ["a", "b", "c", "d", "e", "f"].map(s);
    const a2 = distinct("a");
    const l = heap.list([]);
    const i = (v: number) => heap.int(v);
    const cases: [Ref, Ref][][] = [
      [[a, i(1)]],
      [[a, i(1)], [b, i(2)], [c, i(3)]],
      [[a, i(1)], [a, i(2)], [b, i(3)]], // a key twice
      [[a, i(1)], [a2, i(2)], [b, i(3)]], // an equal key, another object
      [[a, l], [b, i(2)]], // tracked from the first pair
      [[a, i(1)], [b, l]], // tracked from the second
      [[a, i(1)], [b, i(2)], [c, i(3)], [d, i(4)], [e, i(5)]], // a full minimum-size table
      [[a, i(1)], [b, i(2)], [c, i(3)], [d, i(4)], [e, i(5)], [f, i(6)]], // one more: a resize
      [[i(7), i(1)], [a, i(2)]], // a non-str key
      [[a, i(1)], [unicode_from_js(h, h.T.str, "zz"), i(2)]], // a str whose hash is not cached yet
    ];
    for (const entries of cases) {
      const d1 = heap.dict(entries);
      const v1 = D.dict_version(h, d1);
      const d2 = D.dict_new(h);
      for (const [k, v] of entries) D.dict_setitem(h, d2, k, v);
      expect(D.dict_version(h, d2) - v1).toBe(1 + entries.length);
      expect(heap.repr(d1)).toBe(heap.repr(d2));
      expect(heap.sys.getsizeof(d1)).toBe(heap.sys.getsizeof(d2));
      expect(gc.is_tracked(d1)).toBe(gc.is_tracked(d2));
      const k1 = h.i32[(d1 + DICT_KEYS) >> 2];
      const k2 = h.i32[(d2 + DICT_KEYS) >> 2];
      const n = D._PyDict_KeysSize(h, k1);
      expect(Array.from(h.u8.slice(k1 + 4, k1 + n))).toEqual(Array.from(h.u8.slice(k2 + 4, k2 + n)));
      heap.decref(d1);
      heap.decref(d2);
    }
  });

  test("instances of classes: inline attributes, __dict__ sizes and order as CPython 3.11 (wasm32)", async () => {
    const heap = await createHeap({ backend });
    const expectedSizes = pyo(`
import sys
class A: pass
a = A(); a.x = 1; a.y = 2; a.z = 3
b = A(); b.x = 1
o = A()
for i in range(31): setattr(o, 'a%d' % i, i)
out = [sys.getsizeof(a.__dict__), sys.getsizeof(b.__dict__), sys.getsizeof(o.__dict__), sys.getsizeof(a)]
`);
    const expectedOrder = python3Json<any>(`
import json
class C: pass
c = C(); c.aa = 1; c.bb = 2; c.cc = 3; del c.bb; c.bb = 4
print(json.dumps(list(vars(c).items())))
`);
    const A = heap.defineClass("A");
    const a = heap.new(A);
    for (const [n, v] of [["x", 1], ["y", 2], ["z", 3]] as const) heap.setattr(a, n, heap.int(v));
    const b = heap.new(A);
    heap.setattr(b, "x", heap.int(1));
    const o = heap.new(A);
    for (let i = 0; i < 31; i++) heap.setattr(o, "a" + i, heap.int(i));
    const sizes = [heap.getattr(a, "__dict__"), heap.getattr(b, "__dict__"), heap.getattr(o, "__dict__"), a].map((x) =>
      heap.sys.getsizeof(x),
    );
    expect(sizes).toEqual(expectedSizes);
    const C = heap.defineClass("C");
    const c = heap.new(C);
    heap.setattr(c, "aa", heap.int(1));
    heap.setattr(c, "bb", heap.int(2));
    heap.setattr(c, "cc", heap.int(3));
    heap.delattr(c, "bb");
    heap.setattr(c, "bb", heap.int(4));
    const h = (heap as any).h as HeapState;
    expect(D.instance_attr_names(h, c).map((n) => [unicode_to_js(h, n), heap.toJS(heap.getattr(c, unicode_to_js(h, n)))])).toEqual(
      expectedOrder,
    );
    expect(() => heap.delattr(c, "nope")).toThrow(/has no attribute 'nope'/);
  });

  test("dict.update from a mapping with keys() and __getitem__, and from a dict subclass", async () => {
    const heap = await createHeap({ backend });
    const h = (heap as any).h as HeapState;
    const expected = python3Json<any>(`
import json
class M:
    def keys(self): return ['p', 'q']
    def __getitem__(self, k): return k * 2
d = {'q': 0, 'a': 1}
d.update(M())
class Sub(dict): pass
s = Sub(); s['z'] = 26
d.update(s)
print(json.dumps(list(d.items())))
`);
    const M = heap.defineClass("M", {
      methods: {
        keys: () => heap.list([heap.str("p"), heap.str("q")]),
        __getitem__: (_self: Ref, k: Ref) => heap.str(unicode_to_js(h, k).repeat(2)),
      },
    });
    const d = heap.dict([
      [heap.str("q"), heap.int(0)],
      [heap.str("a"), heap.int(1)],
    ]);
    const m = heap.new(M);
    D.dict_update(h, d, m);
    const Sub = heap.defineClass("Sub", { base: "dict" });
    const s = heap.new(Sub);
    heap.setitem(s, heap.str("z"), heap.int(26));
    D.dict_update(h, d, s);
    expect((heap.toJS(heap.items(d)) as any[]).map((t: any) => (Array.isArray(t) ? t : [...t]))).toEqual(expected);
    const base = heap.sys.getallocatedblocks();
    heap.decref(m);
    heap.decref(s);
    heap.decref(d);
    expect(heap.sys.getallocatedblocks()).toBeLessThan(base);
  });
});

// The collector's inlined traversal (src/gc/traverse.ts gc_children) must visit
// exactly what each type's tp_traverse visits, in the same order: checked for every
// tracked object of a heap holding every builtin layout. And traversal is
// iterative: rings and chains of 1,000,000 objects are collected without
// overflowing the JS stack.

import { describe, expect, it } from "vitest";
import { dict_iter_new, dict_setitem } from "../../src/heap/dict";
import { GC_HEAD_OFFSET } from "../../src/heap/layout";
import { list_new_empty, list_setitem } from "../../src/heap/list";
import { seqiter_new } from "../../src/heap/iterobject";
import { set_add, set_iter, set_new } from "../../src/heap/set";
import type { Ref } from "../../src/heap/state";
import { bytes_from } from "../../src/heap/bytes";
import { float_new } from "../../src/heap/float";
import { slots_of } from "../../src/heap/typeobject";
import { gc_children_array } from "../../src/gc/traverse";
import { new_traverse_work } from "../../src/gc/traverse";
import { BACKENDS, withHeap, type T } from "./_heap";

function tpTraverse(t: T, op: Ref): Ref[] {
  const out: Ref[] = [];
  slots_of(t.h, op).tp_traverse?.(t.h, op, (_h, c, o: Ref[]) => void o.push(c), out);
  return out;
}

function allTracked(t: T): Ref[] {
  const objs: Ref[] = [];
  const i32 = t.h.i32;
  for (const head of [...t.h.gc.heads, t.h.gc.permanentHead]) {
    for (let gc = i32[head >> 2]; gc !== head; gc = i32[gc >> 2]) objs.push(gc - GC_HEAD_OFFSET);
  }
  return objs;
}

describe.each(BACKENDS)("traversal (%s)", (backend) => {
  it("gc_children visits what tp_traverse visits, in its order, for every builtin layout", async () => {
    await withHeap(backend, (t) => {
      const keep: Ref[] = [];
      const k = (r: Ref) => (keep.push(r), r);
      const a = k(t.list());
      const b = k(t.list(a));
      const one = k(t.int(1));
      k(t.list(a, one, b, t.None));
      k(t.tuple(a, b, one));
      const kx = k(t.str("x"));
      const ky = k(t.str("y"));
      k(t.dict([[kx, a], [ky, b]])); // unicode table
      k(t.dict([[one, a], [b === 0 ? one : k(t.tuple(one)), b]])); // general table
      const s = k(set_new(t.h, false));
      set_add(t.h, s, one);
      set_add(t.h, s, kx);
      const fs = k(set_new(t.h, true));
      set_add(t.h, fs, ky);
      const P = k(t.cls("P", { methods: { m: () => undefined } }));
      const S = k(t.cls("S", { slots: ["p", "q"] }));
      const S2 = k(t.cls("S2", { base: S, slots: ["r"] }));
      const LS = k(t.cls("LS", { base: "list" }));
      const DS = k(t.cls("DS", { base: "dict" }));
      const TS = k(t.cls("TS", { base: "tuple" }));
      const SS = k(t.cls("SS", { base: "set" }));
      const p = k(t.new_(P));
      t.setattr(p, "x", a);
      t.setattr(p, "y", b);
      const p2 = k(t.new_(P));
      t.setattr(p2, "x", a);
      t.decref(t.getattr(p2, "__dict__")); // split dict
      const s2 = k(t.new_(S2));
      t.setattr(s2, "q", a);
      t.setattr(s2, "r", b);
      const ls = k(t.new_(LS, k(t.list(a, b))));
      t.setattr(ls, "attr", one);
      const ds = k(t.new_(DS));
      dict_setitem(t.h, ds, kx, a);
      const ts = k(t.new_(TS, k(t.list(a, b))));
      t.setattr(ts, "attr", one); // the __dict__ slot after the items
      k(t.new_(SS, k(t.list(one))));
      // int/str/bytes/float subclasses: a dict slot after the digits / bytes, a managed dict
      for (const [name, base, arg] of [["IS", "int", k(t.int(2 ** 40))], ["StrS", "str", kx], ["BS", "bytes", k(bytes_from(t.h, new Uint8Array([1, 2])))], ["FS", "float", k(float_new(t.h, 1.5))]] as const) {
        const C = k(t.cls(name, { base: base as never }));
        const x = k(t.new_(C, arg));
        t.setattr(x, "attr", a);
      }
      k(t.getattr(p, "m")); // bound method
      k(t.getattr(a, "append")); // builtin method
      k(t.fn(() => undefined, "f"));
      k(seqiter_new(t.h, t.h.T.list_iterator, b));
      k(dict_iter_new(t.h, keep[7], 2));
      k(set_iter(t.h, s));
      const w = new_traverse_work();
      const objs = allTracked(t);
      expect(objs.length).toBeGreaterThan(40);
      const kinds = new Set<string>();
      for (const op of objs) {
        kinds.add(t.typeName(op));
        expect(gc_children_array(t.h, op, w), t.typeName(op)).toEqual(tpTraverse(t, op));
      }
      for (const n of ["list", "tuple", "dict", "set", "frozenset", "type", "P", "S2", "LS", "DS", "TS", "SS", "IS", "StrS", "BS", "FS", "method", "function", "builtin_function_or_method", "getset_descriptor", "member_descriptor", "list_iterator", "dict_itemiterator", "set_iterator"]) {
        expect(kinds.has(n), n).toBe(true);
      }
      // a list larger than the scratch buffer
      const big = k(list_new_empty(t.h, 5000));
      for (let i = 0; i < 5000; i++) {
        t.incref(a);
        t.h.i32[(t.h.i32[(big + 12) >> 2] >> 2) + i] = a;
      }
      expect(gc_children_array(t.h, big, w)).toEqual(tpTraverse(t, big));
      t.decref(...keep.reverse());
    });
  });
});

describe.each(BACKENDS)("deep structures (%s)", (backend) => {
  const N = 1_000_000;

  it("a ring of 1,000,000 lists", async () => {
    await withHeap(backend, (t) => {
      t.gc.disable();
      const first = t.list(t.None);
      let prev = first;
      for (let i = 1; i < N; i++) {
        const x = t.list(prev);
        if (prev !== first) t.decref(prev);
        prev = x;
      }
      list_setitem(t.h, first, 0, prev);
      t.decref(prev, first);
      expect(t.gc.collect()).toBe(N);
    });
  });

  it("a ring of 1,000,000 instances and a 1,000,000-deep chain of dicts hanging off a cycle", async () => {
    await withHeap(backend, (t) => {
      t.gc.disable();
      const Node = t.cls("Node");
      const first = t.new_(Node);
      let prev = first;
      for (let i = 1; i < N; i++) {
        const x = t.new_(Node);
        t.setattr(prev, "next", x);
        if (prev !== first) t.decref(prev);
        prev = x;
      }
      t.setattr(prev, "next", first);
      t.decref(prev, first);
      expect(t.gc.collect()).toBe(N);
      // root <-> root, root -> d1 -> d2 -> ... (only the root is in a cycle)
      const root = t.list();
      t.append(root, root);
      const key = t.str("next");
      let tail = root;
      for (let i = 0; i < N; i++) {
        const d = t.dict([]);
        if (tail === root) t.append(root, d);
        else dict_setitem(t.h, tail, key, d);
        if (tail !== root) t.decref(tail);
        tail = d;
      }
      t.decref(tail, root, key);
      // the root and N - 1 dicts: the last dict is empty, hence untracked (freed by refcount)
      expect(t.gc.collect()).toBe(N);
      t.decref(Node);
    });
  });
});

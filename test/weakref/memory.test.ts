// The weakref module through the public facade (createHeap): every operation that
// allocates survives the failure of each of its allocations in turn (fault
// injection): MemoryError, the heap intact (heap.mem.check()), no block leaked, and
// the referent's weakref list as before. Then the operation succeeds and is undone.

import { describe, expect, it } from "vitest";
import { PyError, type Heap, type Ref } from "../../src/index";
import { BACKENDS, blockCounts, clearFreeLists, withHeap } from "../helpers";

/** Make the heap's allocator fail at the k-th call from now. */
function failAt(heap: Heap, k: number): () => void {
  const mem = heap.mem as unknown as Record<string, (...a: number[]) => number>;
  const saved = { malloc: mem.malloc, calloc: mem.calloc, realloc: mem.realloc };
  let n = 0;
  for (const name of ["malloc", "calloc", "realloc"] as const) {
    const real = saved[name];
    mem[name] = (...a: number[]) => (n++ === k ? 0 : real(...a));
  }
  return () => Object.assign(mem, saved);
}

interface Fx {
  heap: Heap;
  A: Ref;
  a: Ref;
  m: Ref;
  ws: Ref;
  wvd: Ref;
  wkd: Ref;
  key: Ref;
}

/** Each operation returns the references it made, or how to undo it (run after a success). */
const OPS: Record<string, (f: Fx) => Ref[] | (() => void)> = {
  "ref(a)": ({ heap, a }) => [heap.weakref.ref(a)],
  "ref(a, js callback)": ({ heap, a }) => [heap.weakref.ref(a, () => undefined)],
  "proxy(a, js callback)": ({ heap, a }) => [heap.weakref.proxy(a, () => undefined)],
  "getweakrefs(a)": ({ heap, a }) => [heap.weakref.getweakrefs(a)],
  "WeakSet()": ({ heap }) => [heap.weakref.WeakSet()],
  "WeakValueDictionary()": ({ heap }) => [heap.weakref.WeakValueDictionary()],
  "WeakKeyDictionary()": ({ heap }) => [heap.weakref.WeakKeyDictionary()],
  "WeakMethod(a.m)": ({ heap, m }) => [heap.weakref.WeakMethod(m)],
  "finalize(a, fn, 1)": ({ heap, a }) => {
    const f = heap.weakref.finalize(a, () => undefined, heap.int(1));
    try {
      heap.decref(heap.weakref.detach(f)); // so that a later collection does not run it
    } catch (e) {
      heap.decref(f);
      throw e;
    }
    return [f];
  },
  "wvd[key] = a": ({ heap, wvd, key, a }) => {
    heap.setitem(wvd, key, a);
    return () => heap.delitem(wvd, key);
  },
  "wkd[a] = key": ({ heap, wkd, key, a }) => {
    heap.setitem(wkd, a, key);
    return () => heap.delitem(wkd, a);
  },
  "iter(ws) + next": ({ heap, ws }) => {
    const it = heap.iter(ws);
    try {
      const x = heap.next(it);
      return x === undefined ? [it] : [it, x];
    } catch (e) {
      heap.decref(it);
      throw e;
    }
  },
};

describe.each(BACKENDS)("weakref under MemoryError (%s)", (backend) => {
  it("survives the failure of each allocation inside each operation (fault injection)", () =>
    withHeap(backend, (heap) => {
      const A = heap.defineClass("A", { methods: { m: () => undefined } });
      const a = heap.new(A);
      const m = heap.getattr(a, "m");
      const ws = heap.weakref.WeakSet();
      heap.add(ws, a);
      const fx: Fx = { heap, A, a, m, ws, wvd: heap.weakref.WeakValueDictionary(), wkd: heap.weakref.WeakKeyDictionary(), key: heap.str("a key with spaces") };
      const report: string[] = [];
      for (const [name, op] of Object.entries(OPS).filter(([n]) => !process.env.WR_OPS || process.env.WR_OPS.split(",").includes(n))) {
        for (let k = 0; ; k++) {
          clearFreeLists(heap);
          const before = blockCounts(heap);
          const count = heap.weakref.getweakrefcount(a);
          const restore = failAt(heap, k);
          let made: Ref[] | (() => void) | null = null;
          let err: unknown = null;
          try {
            made = op(fx);
          } catch (e) {
            err = e;
          } finally {
            restore();
          }
          if (made !== null) {
            if (typeof made === "function") made();
            else made.forEach((r) => heap.decref(r));
            break;
          }
          if (!(err instanceof PyError) || err.pytype !== "MemoryError") {
            report.push(`${name} #${k}: ${String(err)}`);
            break;
          }
          heap.mem.check();
          clearFreeLists(heap);
          const after = blockCounts(heap);
          if (after.blocks !== before.blocks || after.raw !== before.raw) {
            report.push(`${name} #${k}: blocks ${before.blocks}/${before.raw} -> ${after.blocks}/${after.raw}`);
          }
          if (heap.weakref.getweakrefcount(a) !== count) report.push(`${name} #${k}: weakref count ${count} -> ${heap.weakref.getweakrefcount(a)}`);
          if (k > 100) {
            report.push(`${name}: still failing after 100 allocations`);
            break;
          }
        }
      }
      expect(report).toEqual([]);
      expect(heap.len(ws)).toBe(1);
      for (const r of [fx.wvd, fx.wkd, fx.key, ws, m, a, A]) heap.decref(r);
    }));
});

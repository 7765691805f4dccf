// Deallocation of deep structures (issue 3, item 4): CPython's trashcan keeps the JS
// stack bounded. Dropping a list nested 1,000,000 deep, a 1,000,000-long chain of
// instances (GC and gc: false), deep tuples, dicts, __slots__ chains and bound-method
// chains must not overflow, and must release everything (leak check). The order in
// which __del__ runs along a deep chain is compared with python3's (the trashcan's
// deposit-and-destroy order is observable there).

import { describe, expect, it } from "vitest";
import type { Heap, Ref } from "../../src/index";
import { BACKENDS, python3Json, runTs, withHeap } from "../helpers";

const DEEP = 1_000_000;

/** Build a chain of `n` links with `link(prev)` (returns a new reference), drop it at once. */
function chain(heap: Heap, n: number, link: (prev: Ref) => Ref): Ref {
  let head = heap.incref(heap.None);
  for (let i = 0; i < n; i++) {
    const next = link(head);
    heap.decref(head);
    head = next;
  }
  return head;
}

interface ChildResult {
  name: string;
  ok: boolean;
  ms: number;
  before: unknown;
  after: unknown;
  error?: string;
}

describe.each(BACKENDS)("deep deallocation (%s)", (backend) => {
  // The 1,000,000-deep scenarios run in a child process (deep.child.ts): under vitest's
  // module runner every cross-module call goes through an import getter and these loops
  // take several times longer. Same default JS stack size.
  it("drops a 1,000,000-deep list and 1,000,000-long instance chains (GC, gc: false), and deep tuples, dicts, frozensets, slots, methods, without overflow or leak", () => {
    const r = runTs("test/heap/deep.child.ts", [backend]);
    expect(r.status, r.stderr).toBe(0);
    const results = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as ChildResult);
    expect(results.map((x) => x.name)).toEqual([
      "list nested 1,000,000 deep",
      "1,000,000-long chain of instances (__init__ sets .next)",
      "1,000,000-long chain of gc: false instances",
      "200,000-long chain of __slots__ instances",
      "tuple nested 200,000 deep",
      "dict nested 200,000 deep",
      "frozenset nested 200,000 deep",
      "bound method -> instance -> bound method chain, 200,000 long",
      "list subclass nested 200,000 deep",
      "instances with __del__, 200,000 long",
    ]);
    for (const x of results) expect({ name: x.name, ok: x.ok, error: x.error, after: x.after }).toEqual({ name: x.name, ok: true, error: undefined, after: x.before });
  });

  it("drops a 100,000-deep list in-process too (vitest's own stack)", () =>
    withHeap(backend, (heap) => {
      heap.decref(chain(heap, DEEP / 10, (prev) => heap.list([prev])));
    }));

  it("runs __del__ along a deep chain in python3's order", () =>
    withHeap(backend, (heap, leak) => {
      const n = 3000;
      const py = python3Json<number[]>(`
import json
log = []
class N:
    def __init__(self, i, nxt): self.i = i; self.nxt = nxt
    def __del__(self): log.append(self.i)
head = None
for i in range(${n}): head = N(i, head)
del head
print(json.dumps(log))`);
      const log: number[] = [];
      const N = heap.defineClass("N", {
        methods: {
          __init__: (self, i, nxt) => {
            heap.setattr(self, "i", i);
            heap.setattr(self, "nxt", nxt);
          },
        },
        del: (self) => void log.push(heap.scope(() => heap.toJS(heap.getattr(self, "i")) as number)),
      });
      heap.scope(() => heap.new(N, heap.int(-1), heap.None));
      log.length = 0;
      leak.rebase();
      let head = heap.incref(heap.None);
      for (let i = 0; i < n; i++) {
        const next = heap.scope(() => heap.new(N, heap.int(i), head));
        heap.decref(head);
        head = next;
      }
      heap.decref(head);
      expect(log.length).toBe(n);
      expect(log).toEqual(py);
    }));

  it("survives dropping a deep structure from inside a finalizer", () =>
    withHeap(backend, (heap, leak) => {
      let held: Ref = 0;
      const F = heap.defineClass("F", {
        del: () => {
          if (held !== 0) {
            const h = held;
            held = 0;
            heap.decref(h);
          }
        },
      });
      leak.rebase();
      held = chain(heap, DEEP / 20, (prev) => heap.list([prev]));
      // the finalizer runs inside a deallocation, itself deep inside a list chain
      const outer = chain(heap, 50_000, (prev) => heap.list([prev]));
      heap.scope(() => heap.append(outer, heap.new(F)));
      heap.decref(outer);
      expect(held).toBe(0);
    }));
});

// Child process of dealloc.test.ts: the 1,000,000-deep scenarios, run with
// `node --import tsx test/heap/deep.child.ts <backend>` (outside vitest's module runner,
// where these loops run several times slower). Prints one JSON line per scenario:
// { name, ok, ms, before, after, error? }. A stack overflow shows up as ok: false with
// the RangeError's text; a leak as before != after; allocator damage as a check error.

import { createHeap, type Heap, type Ref } from "../../src/index";
import type { Backend } from "../../src/alloc/types";
import { blockCounts, clearFreeLists } from "../helpers/heap";

const DEEP = 1_000_000;

/** Build a chain of n links with link(prev) (a new reference each), returning the head. */
function chain(heap: Heap, n: number, link: (prev: Ref) => Ref): Ref {
  let head = heap.incref(heap.None);
  for (let i = 0; i < n; i++) {
    const next = link(head);
    heap.decref(head);
    head = next;
  }
  return head;
}

type Scenario = (heap: Heap, rebase: () => void) => void;

const scenarios: Record<string, Scenario> = {
  "list nested 1,000,000 deep": (heap) => heap.decref(chain(heap, DEEP, (p) => heap.list([p]))),
  "1,000,000-long chain of instances (__init__ sets .next)": (heap, rebase) => {
    const Node = heap.defineClass("Node", { methods: { __init__: (self, nxt) => heap.setattr(self, "next", nxt) } });
    heap.decref(heap.new(Node, heap.None)); // the class's shared keys learn "next"
    rebase();
    heap.decref(chain(heap, DEEP, (p) => heap.new(Node, p)));
  },
  "1,000,000-long chain of gc: false instances": (heap, rebase) => {
    const N = heap.defineClass("N", { gc: false });
    rebase();
    heap.decref(
      chain(heap, DEEP, (p) => {
        const o = heap.new(N);
        heap.setattr(o, "next", p);
        return o;
      }),
    );
  },
  "200,000-long chain of __slots__ instances": (heap, rebase) => {
    const S = heap.defineClass("S", { slots: ["next"] });
    rebase();
    heap.decref(
      chain(heap, DEEP / 5, (p) => {
        const o = heap.new(S);
        heap.setattr(o, "next", p);
        return o;
      }),
    );
  },
  "tuple nested 200,000 deep": (heap) => heap.decref(chain(heap, DEEP / 5, (p) => heap.tuple([p]))),
  "dict nested 200,000 deep": (heap) => {
    const k = heap.str("k");
    heap.decref(chain(heap, DEEP / 5, (p) => heap.dict([[k, p]])));
    heap.decref(k);
  },
  "frozenset nested 200,000 deep": (heap) => heap.decref(chain(heap, DEEP / 5, (p) => heap.frozenset([p]))),
  "bound method -> instance -> bound method chain, 200,000 long": (heap, rebase) => {
    const C = heap.defineClass("C", { methods: { m: () => undefined } });
    heap.scope(() => heap.setattr(heap.new(C), "prev", heap.None));
    rebase();
    heap.decref(
      chain(heap, DEEP / 5, (p) =>
        heap.scope(() => {
          const o = heap.new(C);
          heap.setattr(o, "prev", p);
          return heap.getattr(o, "m");
        }),
      ),
    );
  },
  "list subclass nested 200,000 deep": (heap, rebase) => {
    const L = heap.defineClass("L", { base: "list" });
    rebase();
    heap.decref(chain(heap, DEEP / 5, (p) => heap.scope(() => heap.new(L, heap.list([p])))));
  },
  "instances with __del__, 200,000 long": (heap, rebase) => {
    let dels = 0;
    const D = heap.defineClass("D", { del: () => void dels++ });
    heap.scope(() => heap.setattr(heap.new(D), "next", heap.None)); // shared keys learn "next"
    dels = 0;
    rebase();
    heap.decref(
      chain(heap, DEEP / 5, (p) => {
        const o = heap.new(D);
        heap.setattr(o, "next", p);
        return o;
      }),
    );
    if (dels !== DEEP / 5) throw new Error(`__del__ ran ${dels} times`);
  },
};

const backend = (process.argv[2] ?? "wasm") as Backend;
const only = process.argv[3];
for (const [name, run] of Object.entries(scenarios)) {
  if (only !== undefined && !name.includes(only)) continue;
  const heap = await createHeap({ backend });
  let before = blockCounts(heap);
  const rebase = () => {
    clearFreeLists(heap);
    before = blockCounts(heap);
  };
  const t0 = performance.now();
  let error: string | undefined;
  try {
    run(heap, rebase);
  } catch (e) {
    error = String(e);
  }
  const ms = Math.round(performance.now() - t0);
  let after = before;
  if (error === undefined) {
    try {
      clearFreeLists(heap);
      heap.mem.check();
      after = blockCounts(heap);
    } catch (e) {
      error = String(e);
    }
  }
  const ok = error === undefined && before.blocks === after.blocks && before.raw === after.raw;
  console.log(JSON.stringify({ name, ok, ms, before, after, error }));
}

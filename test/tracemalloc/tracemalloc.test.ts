// heap.tracemalloc: the module's surface against python3 (argument errors and
// their texts, the not-tracing defaults), what is traced (every block the heap
// allocates, objects and their separate parts, by the JS line that asked for
// it), current / peak / reset_peak / clear_traces, stop, get_object_traceback,
// nframe > 1, the tracer's own memory, and that tracing off leaves the
// allocator untouched.

import { describe, expect, it } from "vitest";
import { PyError } from "../../src/heap/errors";
import { LIST_ALLOCATED, LIST_ITEMS } from "../../src/heap/layout";
import type { Ref } from "../../src/heap/state";
import type { Heap } from "../../src/index";
import { BACKENDS, clearFreeLists, python3Json, withHeap } from "../helpers";
import { lineMarkers, tracemallocOf } from "./_helpers";
import { own_prefixes, StackSampler } from "../../src/tracemalloc/frames";

const { file: FILE, lineOf } = lineMarkers(import.meta.url);

function errorOf(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof PyError) return `${e.pytype}: ${e.message}`;
    throw e;
  }
}

/** a helper one frame below the test's lines (for nframe > 1) */
function makeList(heap: Heap, n: number): Ref {
  return heap.list(Array.from({ length: n }, () => heap.None)); // @helper-list
}

describe.each(BACKENDS)("tracemalloc (%s)", (backend) => {
  it("argument errors, defaults and texts are CPython's", async () => {
    const want = python3Json<string[]>(`
import json, tracemalloc
def err(f):
    try:
        r = f()
        return 'ok' if r is None else repr(r)
    except Exception as e:
        return type(e).__name__ + ': ' + str(e)
out = []
out.append(err(tracemalloc.is_tracing))
out.append(err(tracemalloc.get_traced_memory))
out.append(err(tracemalloc.get_traceback_limit))
out.append(err(tracemalloc.take_snapshot))
out.append(err(lambda: tracemalloc.start(0)))
out.append(err(lambda: tracemalloc.start(65536)))
out.append(err(lambda: tracemalloc.start(-1)))
out.append(err(lambda: tracemalloc.start('x')))
out.append(err(lambda: tracemalloc.start(1.5)))
out.append(err(lambda: tracemalloc.start(None)))
out.append(err(lambda: tracemalloc.start(2**40)))
out.append(err(lambda: tracemalloc.start(1, 2)))
out.append(err(lambda: tracemalloc.get_object_traceback()))
out.append(err(tracemalloc.reset_peak))
out.append(err(tracemalloc.clear_traces))
out.append(err(lambda: tracemalloc.get_object_traceback([])))
out.append(err(lambda: tracemalloc.start(2)))
out.append(err(lambda: tracemalloc.start(5)))
out.append(err(tracemalloc.get_traceback_limit))
out.append(err(tracemalloc.is_tracing))
out.append(err(tracemalloc.stop))
out.append(err(tracemalloc.get_traceback_limit))
out.append(err(tracemalloc.get_traced_memory))
print(json.dumps(out))
`);
    await withHeap(backend, (heap) => {
      const tm = tracemallocOf(heap);
      const lst = heap.list();
      const start = tm.start as (...a: unknown[]) => void;
      const got = [
        String(tm.is_tracing()).replace(/^./, (c) => c.toUpperCase()),
        `(${tm.get_traced_memory().join(", ")})`,
        String(tm.get_traceback_limit()),
        errorOf(() => tm.take_snapshot()),
        errorOf(() => tm.start(0)),
        errorOf(() => tm.start(65536)),
        errorOf(() => tm.start(-1)),
        errorOf(() => start("x")),
        errorOf(() => tm.start(1.5)),
        errorOf(() => start(null)),
        errorOf(() => tm.start(2 ** 40)),
        errorOf(() => start(1, 2)),
        errorOf(() => (tm.get_object_traceback as (...a: unknown[]) => unknown)()),
        errorOf(() => tm.reset_peak()),
        errorOf(() => tm.clear_traces()),
        errorOf(() => (tm.get_object_traceback(lst) === null ? undefined : "?")),
        errorOf(() => tm.start(2)),
        errorOf(() => tm.start(5)),
        String(tm.get_traceback_limit()),
        String(tm.is_tracing()).replace(/^./, (c) => c.toUpperCase()),
        errorOf(() => tm.stop()),
        String(tm.get_traceback_limit()),
        `(${tm.get_traced_memory().join(", ")})`,
      ];
      expect(got).toEqual(want);
      heap.decref(lst);
    });
  });

  it("costs nothing when off: the heap's allocator is swapped only while tracing", async () => {
    await withHeap(backend, (heap) => {
      const tm = tracemallocOf(heap);
      const orig = heap.h.alloc;
      expect(orig).toBe(heap.mem);
      tm.start();
      expect(heap.h.alloc).not.toBe(orig);
      // the wrapper keeps the allocator's other members
      expect(heap.h.alloc.backend).toBe(backend);
      expect(heap.h.alloc.getallocatedblocks()).toBe(orig.getallocatedblocks());
      tm.start(); // already tracing: nothing changes
      tm.stop();
      expect(heap.h.alloc).toBe(orig);
      tm.stop();
      expect(heap.h.alloc).toBe(orig);
    });
  });

  it("charges each block to the test line that allocated it, with the requested size", async () => {
    await withHeap(backend, (heap) => {
      const tm = tracemallocOf(heap);
      clearFreeLists(heap); // no float / list reused from a free list
      tm.start();
      const f = heap.float(1.5); // @float
      const b = heap.bytes(new Uint8Array(1000)); // @bytes
      const l = heap.list([heap.None, heap.None, heap.None]); // @list3
      const Cls = heap.defineClass("Thing"); // @class
      const obj = heap.new(Cls); // @instance
      const snap = tm.take_snapshot();
      const mine = snap.traces.filter((t) => t.traceback[0].filename === FILE);
      const byLine = new Map<number, number[]>();
      for (const t of mine) {
        const ln = t.traceback[0].lineno;
        byLine.set(ln, [...(byLine.get(ln) ?? []), t.size]);
      }
      // one block for a float, sized as getsizeof (no GC header)
      expect(byLine.get(lineOf("@float"))).toEqual([heap.sys.getsizeof(f)]);
      // one block for bytes: header + 1000 + the trailing NUL
      expect(byLine.get(lineOf("@bytes"))).toEqual([heap.sys.getsizeof(b)]);
      // a list: the object (GC header included) and its separately allocated items
      expect(byLine.get(lineOf("@list3"))!.sort((x, y) => x - y)).toEqual([12, heap.sys.getsizeof(l) - 12].sort((x, y) => x - y));
      // an instance: its block (GC header and managed-dict pre-header included) and,
      // as CPython 3.11's _PyObject_InitializeDict, its separately allocated inline values
      const inst = byLine.get(lineOf("@instance"))!;
      expect(inst.length).toBe(2);
      expect(inst[0]).toBe(heap.sys.getsizeof(obj));

      // get_object_traceback finds the object's block (address minus pre-header)
      for (const [o, marker] of [
        [f, "@float"],
        [b, "@bytes"],
        [l, "@list3"],
        [obj, "@instance"],
        [Cls, "@class"],
      ] as const) {
        const tb = tm.get_object_traceback(o)!;
        expect(tb.length).toBe(1);
        expect(tb[0].filename).toBe(FILE);
        expect(tb[0].lineno).toBe(lineOf(marker));
        expect(tb.total_nframe).toBe(null);
        expect(String(tb)).toBe(`${FILE}:${lineOf(marker)}`);
      }
      // objects allocated before start() have no trace
      expect(tm.get_object_traceback(heap.types.list)).toBe(null);
      expect(tm.get_object_traceback(heap.None)).toBe(null);
      // the statistics by line agree with the traces
      const stats = snap.statistics("lineno").filter((s) => s.traceback[0].filename === FILE);
      const floatStat = stats.find((s) => s.traceback[0].lineno === lineOf("@float"))!;
      expect([floatStat.size, floatStat.count]).toEqual([heap.sys.getsizeof(f), 1]);
      expect(String(floatStat)).toBe(`${FILE}:${lineOf("@float")}: size=16 B, count=1, average=16 B`);
      tm.stop();
      for (const o of [f, b, l, obj, Cls]) heap.decref(o);
    });
  });

  it("current and peak follow allocations and frees; reset_peak, clear_traces", async () => {
    await withHeap(backend, (heap) => {
      const tm = tracemallocOf(heap);
      tm.start();
      expect(tm.get_traced_memory()).toEqual([0, 0]);
      const small = heap.list([heap.None]);
      const [c1, p1] = tm.get_traced_memory();
      expect(c1).toBeGreaterThan(0);
      expect(p1).toBe(c1);
      const big = heap.bytes(new Uint8Array(100_000));
      const size = heap.sys.getsizeof(big);
      expect(tm.get_traced_memory()).toEqual([c1 + size, c1 + size]);
      heap.decref(big);
      expect(tm.get_traced_memory()).toEqual([c1, c1 + size]);
      tm.reset_peak();
      expect(tm.get_traced_memory()).toEqual([c1, c1]);
      // the sum of the traces is the current figure
      const snap = tm.take_snapshot();
      expect(snap.traces.reduce((a, t) => a + t.size, 0)).toBe(c1);
      tm.clear_traces();
      expect(tm.get_traced_memory()).toEqual([0, 0]);
      expect(tm.get_object_traceback(small)).toBe(null);
      expect(tm.take_snapshot().traces.length).toBe(0);
      // freeing a block traced before clear_traces changes nothing
      heap.decref(small);
      expect(tm.get_traced_memory()).toEqual([0, 0]);
      tm.stop();
    });
  });

  it("stop() clears the traces; a new start() begins empty", async () => {
    await withHeap(backend, (heap) => {
      const tm = tracemallocOf(heap);
      tm.start();
      const a = heap.list([heap.None]);
      expect(tm.get_object_traceback(a)).not.toBe(null);
      tm.stop();
      expect(tm.is_tracing()).toBe(false);
      expect(tm.get_object_traceback(a)).toBe(null);
      expect(tm.get_traced_memory()).toEqual([0, 0]);
      tm.start();
      expect(tm.get_object_traceback(a)).toBe(null);
      expect(tm.take_snapshot().traces.length).toBe(0);
      heap.decref(a); // a block traced by the previous session: untraced now
      expect(tm.get_traced_memory()).toEqual([0, 0]);
      tm.stop();
    });
  });

  it("a realloc charges the block to the caller of the realloc, as _tracemalloc does", async () => {
    await withHeap(backend, (heap) => {
      const tm = tracemallocOf(heap);
      tm.start();
      const l = heap.list();
      heap.append(l, heap.None); // @first-append
      expect(heap.h.i32[(l + LIST_ITEMS) >> 2]).not.toBe(0);
      for (let i = 0; i < 50; i++) heap.append(l, heap.None); // @grow
      const snap = tm.take_snapshot();
      const itemStats = snap.statistics("lineno").filter((s) => s.traceback[0].filename === FILE);
      const grow = itemStats.find((s) => s.traceback[0].lineno === lineOf("@grow"))!;
      // the one items block, resized by the appends of that line
      expect(grow.count).toBe(1);
      expect(grow.size).toBe(4 * heap.h.i32[(l + LIST_ALLOCATED) >> 2]); // allocated * sizeof(PyObject *)
      expect(itemStats.find((s) => s.traceback[0].lineno === lineOf("@first-append"))).toBe(undefined);
      tm.stop();
      heap.decref(l);
    });
  });

  it("nframe > 1: the frames outside pyheap, oldest first; format() shows the source lines", async () => {
    await withHeap(backend, (heap) => {
      const tm = tracemallocOf(heap);
      tm.start(2);
      expect(tm.get_traceback_limit()).toBe(2);
      const a = makeList(heap, 2); // @call-a
      const b = makeList(heap, 3); // @call-b
      const ta = tm.get_object_traceback(a)!;
      expect(ta.length).toBe(2);
      expect(ta.frames.map((f) => f.lineno)).toEqual([lineOf("@call-a"), lineOf("@helper-list")]);
      expect(String(ta)).toBe(`${FILE}:${lineOf("@call-a")}`);
      expect(ta.format()).toEqual([
        `  File "${FILE}", line ${lineOf("@call-a")}`,
        "    const a = makeList(heap, 2); // @call-a",
        `  File "${FILE}", line ${lineOf("@helper-list")}`,
        "    return heap.list(Array.from({ length: n }, () => heap.None)); // @helper-list",
      ]);
      expect(ta.format(1)).toEqual(ta.format().slice(2));
      expect(ta.format(-1)).toEqual(ta.format().slice(0, 2));
      expect(ta.format(null, true)).toEqual([...ta.format().slice(2), ...ta.format().slice(0, 2)]);
      const snap = tm.take_snapshot();
      expect(snap.traceback_limit).toBe(2);
      // "traceback" groups keep the two call sites apart; "lineno" merges them (most recent frame)
      const byTb = snap.statistics("traceback").filter((s) => s.traceback[s.traceback.length - 1].filename === FILE);
      const helper = byTb.filter((s) => s.traceback[1]?.lineno === lineOf("@helper-list"));
      expect(helper.map((s) => s.traceback[0].lineno).sort()).toEqual([lineOf("@call-a"), lineOf("@call-b")].sort());
      const byLine = snap.statistics("lineno").filter((s) => s.traceback[0].lineno === lineOf("@helper-list"));
      expect(byLine.length).toBe(1);
      expect(byLine[0].count).toBe(4); // two lists, two item arrays
      // a Trace keeps total_nframe (the user frames of the stack, at least the two kept)
      const tr = snap.traces.find((t) => t.traceback[1]?.lineno === lineOf("@helper-list"))!;
      expect(tr.traceback.total_nframe).toBeGreaterThanOrEqual(2);
      expect(tr.traceback.repr()).toMatch(/^<Traceback \(<Frame filename='.*' lineno=\d+>, <Frame filename='.*' lineno=\d+>\) total_nframe=\d+>$/);
      tm.stop();
      heap.decref(a);
      heap.decref(b);
    });
  });

  it("JS callbacks run by the heap: the frame is the callback's line", async () => {
    await withHeap(backend, (heap) => {
      const tm = tracemallocOf(heap);
      const fn = heap.function(() => heap.list([heap.None])); // @callback-body
      tm.start(3);
      const r = heap.call(fn); // @callback-call
      const tb = tm.get_object_traceback(r)!;
      const lines = tb.frames.filter((f) => f.filename === FILE).map((f) => f.lineno);
      // oldest first: the call, then the body (pyheap's call machinery in between is skipped)
      expect(lines).toEqual([lineOf("@callback-call"), lineOf("@callback-body")]);
      tm.stop();
      heap.decref(r);
      heap.decref(fn);
    });
  });

  it("Error.prepareStackTrace and Error.stackTraceLimit are left as they were", async () => {
    await withHeap(backend, (heap) => {
      const tm = tracemallocOf(heap);
      const E = Error as unknown as { prepareStackTrace: unknown; stackTraceLimit: number };
      const prepare = E.prepareStackTrace;
      const limit = E.stackTraceLimit;
      tm.start(4);
      const l = heap.list([heap.None]);
      expect(E.prepareStackTrace).toBe(prepare);
      expect(E.stackTraceLimit).toBe(limit);
      expect(new Error("x").stack).toContain("tracemalloc.test.ts");
      tm.stop();
      heap.decref(l);
    });
  });

  it("get_tracemalloc_memory grows with the traces and shrinks back on stop", async () => {
    await withHeap(backend, (heap) => {
      const tm = tracemallocOf(heap);
      const base = tm.get_tracemalloc_memory();
      expect(base).toBeGreaterThan(0);
      tm.start();
      const keep: Ref[] = [];
      for (let i = 0; i < 500; i++) keep.push(heap.list([heap.None])); // 1000 blocks, one traceback
      const m1 = tm.get_tracemalloc_memory();
      expect(m1).toBeGreaterThan(base + 1000 * 8);
      expect(m1).toBeLessThan(base + 1000 * 200);
      for (const o of keep) heap.decref(o);
      tm.stop();
      // only the cache of mapped source positions (a few entries) stays
      expect(tm.get_tracemalloc_memory()).toBeLessThan(base + 2000);
    });
  });

  it("the heap stays consistent when allocations fail while tracing (MemoryError)", async () => {
    await withHeap(
      backend,
      (heap) => {
        const tm = tracemallocOf(heap);
        tm.start();
        const [c0] = tm.get_traced_memory();
        expect(() => heap.bytes(new Uint8Array(8 * 2 ** 20))).toThrow(PyError);
        expect(tm.get_traced_memory()[0]).toBe(c0);
        tm.stop();
      },
      { maxMemory: 4 * 2 ** 20 },
    );
  });
});

describe("tracemalloc without V8's structured stacks", () => {
  it("traces every allocation to CPython's <unknown> frame when the engine has no Error.captureStackTrace", () => {
    const E = Error as unknown as { captureStackTrace?: unknown };
    const saved = E.captureStackTrace;
    const sampler = new StackSampler(own_prefixes(new URL("../../src/tracemalloc/frames.ts", import.meta.url).href));
    // capture(above) leaves out the frames above and including `above`: this test's frame is next
    const probe = (): ReturnType<StackSampler["capture"]> => sampler.capture(probe);
    try {
      E.captureStackTrace = undefined;
      const a = probe();
      const b = probe();
      expect(a.frames).toEqual([["<unknown>", 0]]);
      expect(a.total_nframe).toBe(1);
      expect(b).toBe(a); // interned once
    } finally {
      E.captureStackTrace = saved;
    }
    // and with it back, frames are found again (this file)
    expect(probe().frames[0][0]).toBe(FILE);
  });

  it("finds pyheap's own files without import.meta.url (the module's own stack frame stands in)", () => {
    const withUrl = own_prefixes(new URL("../../src/tracemalloc/frames.ts", import.meta.url).href);
    expect(own_prefixes(undefined)).toEqual(withUrl);
  });
});

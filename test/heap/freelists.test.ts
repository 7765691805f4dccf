// CPython 3.11's free lists and their limits (issue 3, item 3): 100 floats, 80 lists,
// 80 dicts (+ 80 minimum-size unicode keys objects), 2000 tuples per size 1..20 (size 20
// parked but never reused: 3.11's asymmetry). Checked by allocated blocks after freeing
// N objects, by reuse (LIFO addresses, no new blocks), by the free-list lines of
// sys._debugmallocstats() (format and saturated counts against Pyodide), and by a full
// collection emptying them. Reuse bypasses the collector's allocation count.

import { beforeAll, describe, expect, it } from "vitest";
import type { Heap, Ref } from "../../src/index";
import { BACKENDS, clearFreeLists, pyodide, pyodideRun, python3, withHeap } from "../helpers";
import { list_clear_freelist } from "../../src/heap/list";
import { tuple_clear_freelists } from "../../src/heap/tuple";

beforeAll(async () => {
  await pyodide();
}, 60_000);

/** Blocks in use now, with the free lists as they are. */
const blocks = (heap: Heap) => heap.sys.getallocatedblocks();

/** The free-list lines of _debugmallocstats (after the allocator's part). */
function freeListLines(text: string): string[] {
  return text.split("\n").filter((l) => / free .*Objects? \* \d+ bytes each/.test(l));
}

/** One _PyDebugAllocatorStats line (printone's layout; checked against python3 below). */
function line(n: number, name: string, size: number): string {
  const label = `${n} free ${name}s * ${size} bytes each`.padStart(48) + " ";
  return label.padEnd(35) + "=" + (n * size).toLocaleString("en-US").padStart(21);
}

function make(heap: Heap, n: number, f: (i: number) => Ref): Ref[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

describe.each(BACKENDS)("free lists (%s)", (backend) => {
  it("keeps at most 100 floats, reused last in first out", () =>
    withHeap(backend, (heap) => {
      clearFreeLists(heap);
      const base = blocks(heap);
      const fs = make(heap, 150, (i) => heap.float(i + 0.5));
      expect(blocks(heap)).toBe(base + 150);
      fs.forEach((f) => heap.decref(f));
      expect(blocks(heap)).toBe(base + 100);
      expect(freeListLines(heap.sys._debugmallocstats())).toContain(line(100, "PyFloatObject", 16));
      // reuse: the last freed comes back first, and 100 floats need no new block
      const again = make(heap, 100, (i) => heap.float(-i));
      expect(again[0]).toBe(fs[99]); // the 100th freed was the last one parked
      expect(blocks(heap)).toBe(base + 100);
      const extra = heap.float(0.25);
      expect(blocks(heap)).toBe(base + 101);
      [...again, extra].forEach((f) => heap.decref(f));
    }));

  it("keeps at most 80 lists (their item arrays are freed) and 80 dicts plus 80 keys objects", () =>
    withHeap(backend, (heap) => {
      clearFreeLists(heap);
      const base = blocks(heap);
      const ls = make(heap, 100, () => heap.scope(() => heap.list([heap.int(1000), heap.None])));
      // each: the list object, its items array and the int
      expect(blocks(heap)).toBe(base + 300);
      ls.forEach((l) => heap.decref(l));
      expect(blocks(heap)).toBe(base + 80);
      clearFreeLists(heap);
      expect(blocks(heap)).toBe(base);
      // dicts with one str key: dict object + a minimum-size unicode keys object each
      const key = heap.str("some key");
      const b1 = blocks(heap);
      const ds = make(heap, 100, () => heap.dict([[key, heap.None]]));
      expect(blocks(heap)).toBe(b1 + 200);
      ds.forEach((d) => heap.decref(d));
      expect(blocks(heap)).toBe(b1 + 160);
      const stats = freeListLines(heap.sys._debugmallocstats());
      expect(stats).toContain(line(80, "PyDictObject", 32));
      // reuse: 80 new dicts with one key need no new block
      const again = make(heap, 80, () => heap.dict([[key, heap.None]]));
      expect(blocks(heap)).toBe(b1 + 160);
      again.forEach((d) => heap.decref(d));
      heap.decref(key);
    }));

  it("keeps 2000 tuples per size, parks size 20 but never reuses it, and not size 21", () =>
    withHeap(backend, (heap) => {
      clearFreeLists(heap);
      const base = blocks(heap);
      const n = heap.None;
      const t3 = make(heap, 2500, () => heap.tuple([n, n, n]));
      t3.forEach((t) => heap.decref(t));
      expect(blocks(heap)).toBe(base + 2000);
      expect(freeListLines(heap.sys._debugmallocstats())).toContain(line(2000, "3-sized PyTupleObject", 24));
      const again = make(heap, 2000, () => heap.tuple([n, n, n]));
      expect(blocks(heap)).toBe(base + 2000);
      again.forEach((t) => heap.decref(t));
      clearFreeLists(heap);
      // size 20: parked (5), not reused (5 more blocks), then 10 parked
      const items20 = Array(20).fill(n);
      const a = make(heap, 5, () => heap.tuple(items20));
      a.forEach((t) => heap.decref(t));
      expect(blocks(heap)).toBe(base + 5);
      const b = make(heap, 5, () => heap.tuple(items20));
      expect(blocks(heap)).toBe(base + 10);
      b.forEach((t) => heap.decref(t));
      expect(freeListLines(heap.sys._debugmallocstats())).toContain(line(10, "20-sized PyTupleObject", 92));
      // size 21: no free list at all
      const c = make(heap, 5, () => heap.tuple(Array(21).fill(n)));
      c.forEach((t) => heap.decref(t));
      expect(blocks(heap)).toBe(base + 10);
      // size 19 reuses
      const d = make(heap, 5, () => heap.tuple(Array(19).fill(n)));
      d.forEach((t) => heap.decref(t));
      const e = make(heap, 5, () => heap.tuple(Array(19).fill(n)));
      expect(e[0]).toBe(d[4]);
      e.forEach((t) => heap.decref(t));
    }));

  it("empties every free list in a full collection", () =>
    withHeap(backend, (heap) => {
      clearFreeLists(heap);
      const base = blocks(heap);
      heap.scope(() => {
        make(heap, 10, (i) => heap.float(i + 0.5));
        make(heap, 10, () => heap.list());
        make(heap, 10, () => heap.dict());
        make(heap, 10, () => heap.tuple([heap.None]));
      });
      expect(blocks(heap)).toBe(base + 40);
      clearFreeLists(heap);
      expect(blocks(heap)).toBe(base);
      expect(freeListLines(heap.sys._debugmallocstats()).every((l) => /^\s*0 free /.test(l))).toBe(true);
    }));

  it("lets reused objects bypass the collector's allocation count, as CPython", () =>
    withHeap(backend, (heap) => {
      const gc = (heap as unknown as { gc?: { get_count(): number[]; collect(): number; disable(): void; enable(): void } }).gc;
      if (gc === undefined) return;
      gc.disable();
      gc.collect();
      const ls = make(heap, 80, () => heap.list());
      const c0 = gc.get_count()[0];
      ls.forEach((l) => heap.decref(l));
      const c1 = gc.get_count()[0];
      expect(c1).toBe(c0); // parked lists are not deallocations
      const again = make(heap, 80, () => heap.list());
      expect(gc.get_count()[0]).toBe(c1); // nor are reused ones allocations
      again.forEach((l) => heap.decref(l));
      gc.enable();
    }));

  it("counts each list and tuple released from its free list as a GC deallocation (PyObject_GC_Del), floored at 0", () =>
    withHeap(backend, (heap) => {
      const gc = (heap as unknown as { gc?: { get_count(): number[]; collect(g?: number): number; disable(): void; enable(): void } }).gc;
      if (gc === undefined) return;
      gc.disable();
      gc.collect(); // free lists empty
      const h = heap.h;
      // park 5 lists and 7 one-tuples; a generation-0 collection sets count0 to 0 and
      // leaves the free lists alone; then 20 GC allocations that stay alive
      heap.scope(() => {
        make(heap, 5, () => heap.list());
        make(heap, 7, () => heap.tuple([heap.None]));
      });
      gc.collect(0);
      const keep = make(heap, 20, () => heap.dict());
      expect(gc.get_count()[0]).toBe(20);
      list_clear_freelist(h);
      expect(gc.get_count()[0]).toBe(15);
      tuple_clear_freelists(h);
      expect(gc.get_count()[0]).toBe(8);
      // floored at 0
      heap.scope(() => make(heap, 30, () => heap.list()));
      gc.collect(0);
      list_clear_freelist(h);
      expect(gc.get_count()[0]).toBe(0);
      keep.forEach((l) => heap.decref(l));
      gc.enable();
    }));

  it("prints the free-list lines of _debugmallocstats in CPython's format, saturated counts as Pyodide", async () => {
    // saturate each free list in Pyodide and here, then compare the lines
    const theirs = freeListLines(
      await pyodideRun(`
import sys, gc
gc.collect()
l = [float(i) + 0.5 for i in range(300)]; del l
l = [[i] for i in range(300)]; del l
l = [{'k': i} for i in range(300)]; del l
l = [(i, i, i) for i in range(3000)]; del l
sys._debugmallocstats()`),
    );
    const saturated = (lines: string[]) =>
      lines.filter((l) => /PyFloatObjects|PyListObjects|PyDictObjects|3-sized/.test(l));
    await withHeap(backend, (heap) => {
      heap.scope(() => {
        for (let i = 0; i < 300; i++) heap.float(i + 0.5);
        for (let i = 0; i < 300; i++) heap.list([heap.int(i)]);
        for (let i = 0; i < 300; i++) heap.from({ k: i });
        for (let i = 0; i < 3000; i++) heap.tuple([heap.int(i), heap.int(i), heap.int(i)]);
      });
      const text = heap.sys._debugmallocstats();
      const ours = freeListLines(text);
      expect(saturated(ours)).toEqual(saturated(theirs));
      // every line has CPython's shape: a 48-wide right-aligned label, '=', a 21-wide number
      const pyFormat = python3(`
for n, name, size in [(7, 'PyFloatObject', 16), (1234, '5-sized PyTupleObject', 32)]:
    label = '%48s ' % ('%d free %ss * %d bytes each' % (n, name, size))
    print(label.ljust(35) + '=' + format(n * size, ',').rjust(21))`).split("\n");
      expect(pyFormat).toEqual([line(7, "PyFloatObject", 16), line(1234, "5-sized PyTupleObject", 32)]);
      for (const l of ours) expect(l).toMatch(/^ *\d+ free .+ \* \d+ bytes each = {1,21}[\d,]+$/);
      expect(ours.every((l) => l.indexOf("=") === 49)).toBe(true);
      expect(text.startsWith("Small block threshold = 512, in 64 size classes.\n")).toBe(true);
      expect(ours).toHaveLength(23);
      clearFreeLists(heap);
    });
  });
});

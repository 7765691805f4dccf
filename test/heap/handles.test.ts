// Handles that are not live objects of this heap (issue 3, item 7): freed objects (parked
// on a free list or returned to pymalloc), numbers that were never objects, interior
// addresses, handles of another heap, non-numbers. Debug mode (a registry of live
// objects) must reject every one with a clear error; normal mode rejects what its cheap
// checks see (alignment, bounds, a positive refcount and a non-zero type). No rejected
// call may change the heap.

import { describe, expect, it } from "vitest";
import { createHeap, PyError, type Heap, type Ref } from "../../src/index";
import { BACKENDS, blockCounts, withHeap } from "../helpers";

/** Every public operation taking a Ref, applied to a bad handle (`l`: a live list). */
function uses(heap: Heap, bad: Ref, l: Ref): [string, () => unknown][] {
  return [
    ["decref", () => heap.decref(bad)],
    ["incref", () => heap.incref(bad)],
    ["refcnt", () => heap.refcnt(bad)],
    ["repr", () => heap.repr(bad)],
    ["len", () => heap.len(bad)],
    ["hash", () => heap.hash(bad)],
    ["typeName", () => heap.typeName(bad)],
    ["getattr", () => heap.getattr(bad, "x")],
    ["setattr", () => heap.setattr(bad, "x", heap.None)],
    ["getitem", () => heap.getitem(bad, 0)],
    ["toJS", () => heap.toJS(bad)],
    ["append (as item)", () => heap.append(l, bad)],
    ["list([bad])", () => heap.list([bad])],
    ["dict([[bad, None]])", () => heap.dict([[bad, heap.None]])],
    ["getrefcount", () => heap.sys.getrefcount(bad)],
    ["getsizeof", () => heap.sys.getsizeof(bad)],
    ["eq", () => heap.eq(bad, heap.None)],
    ["call", () => heap.call(bad)],
  ];
}

/** A live list made before any object is freed (so it cannot reuse a freed one). */
function liveList(heap: Heap): Ref {
  return heap.scope(() => heap.list([heap.str("a live item")]));
}

function expectRejected(heap: Heap, bad: Ref, what: string, l: Ref): void {
  const snap = heap.repr(l);
  const before = blockCounts(heap);
  for (const [name, f] of uses(heap, bad, l)) {
    let err: unknown = null;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err, `${what}: ${name} must throw`).toBeInstanceOf(PyError);
    expect(String(err), `${what}: ${name}`).toMatch(/not a (live object of this heap|heap object)/);
  }
  heap.mem.check();
  expect(blockCounts(heap)).toEqual(before);
  expect(heap.repr(l)).toBe(snap);
}

describe.each(BACKENDS)("bad handles (%s)", (backend) => {
  for (const debug of [false, true]) {
    const mode = debug ? "debug" : "normal";

    it(`rejects freed objects (free-listed or returned to pymalloc) in ${mode} mode`, () =>
      withHeap(
        backend,
        (heap) => {
          const l = liveList(heap);
          const freed: [string, Ref][] = [];
          const mk: [string, () => Ref][] = [
            ["list (free list)", () => heap.list()],
            ["dict (free list)", () => heap.dict()],
            ["float (free list)", () => heap.float(2.5)],
            ["tuple (free list)", () => heap.scope(() => heap.tuple([heap.int(1000)]))],
            ["int (pymalloc)", () => heap.int(10 ** 12)],
            ["str (pymalloc)", () => heap.str("a b c d e")],
            ["instance", () => heap.new(heap.types.object)],
            ["bytes (raw layer)", () => heap.bytes(new Uint8Array(2000))],
          ];
          for (const [name, make] of mk) {
            const o = make();
            heap.decref(o);
            freed.push([name, o]);
          }
          for (const [name, o] of freed) expectRejected(heap, o, name, l);
          heap.decref(l);
        },
        { debug },
      ));

    it(`rejects numbers that never were objects and non-numbers in ${mode} mode`, () =>
      withHeap(
        backend,
        (heap) => {
          const live = heap.list([heap.None]);
          const end = heap.mem.stats().linearMemoryBytes;
          const bad: [string, unknown][] = [
            ["0", 0],
            ["-8", -8],
            ["unaligned", live + 4],
            ["odd", 12345],
            ["past the memory", end + 64],
            ["far past the memory", 2 ** 40],
            ["NaN", NaN],
            ["1.5", 1.5],
            ["a string", "abc"],
            ["undefined", undefined],
            ["never allocated, inside the memory", end - 4096],
          ];
          for (const [name, b] of bad) expectRejected(heap, b as Ref, name, live);
          heap.decref(live);
        },
        { debug },
      ));

    it(`rejects a handle of another heap when nothing lives there in ${mode} mode`, async () => {
      const other = await createHeap({ backend, debug });
      const many: Ref[] = [];
      for (let i = 0; i < 3000; i++) many.push(other.list());
      const foreign = many[many.length - 1];
      await withHeap(
        backend,
        (heap) => {
          const l = liveList(heap);
          expectRejected(heap, foreign, "foreign handle", l);
          heap.decref(l);
        },
        { debug },
      );
      many.forEach((r) => other.decref(r));
      other.close();
    });
  }

  it("rejects interior addresses and forged headers in debug mode", () =>
    withHeap(
      backend,
      (heap) => {
        const l = heap.list([heap.None, heap.None]);
        expectRejected(heap, (l + 8) as Ref, "interior of a list", l);
        // a bytes payload laid out like an object header: refcount 5, type = a list's address
        const data = new Uint8Array(64);
        const dv = new DataView(data.buffer);
        for (let off = 0; off < 64; off += 8) {
          dv.setInt32(off, 5, true);
          dv.setInt32(off + 4, l, true);
        }
        const b = heap.bytes(data);
        const forged = ((b + 16 + 7) & ~7) as Ref; // 8-aligned, inside the payload
        expectRejected(heap, forged, "forged header", l);
        heap.decref(b);
        heap.decref(l);
      },
      { debug: true },
    ));

  it("a forged header (refcount > 0, type not a type) is caught in normal mode", () =>
    withHeap(backend, (heap) => {
      // normal mode validates the type word too: 8-aligned, in bounds, its own type is `type`
      const l = heap.list([heap.None]);
      const data = new Uint8Array(64);
      const dv = new DataView(data.buffer);
      for (let off = 0; off < 64; off += 8) {
        dv.setInt32(off, 5, true);
        dv.setInt32(off + 4, l, true);
      }
      const b = heap.bytes(data);
      const forged = ((b + 16 + 7) & ~7) as Ref;
      try {
        expect(() => heap.len(forged)).toThrow(/not a live object/);
      } finally {
        heap.decref(b);
        heap.decref(l);
      }
    }));
  it("a closed heap refuses every call that takes or makes an object", async () => {
    const heap = await createHeap({ backend });
    const l = heap.list([heap.int(1)]);
    heap.close();
    const made: [string, () => unknown][] = [
      ["int", () => heap.int(7)],
      ["str", () => heap.str("x")],
      ["list()", () => heap.list()],
      ["dict()", () => heap.dict()],
      ["tuple([])", () => heap.tuple([])],
      ["from", () => heap.from([1, 2])],
      ["defineClass", () => heap.defineClass("C")],
      ["WeakSet", () => heap.weakref.WeakSet()],
      ["gc.get_objects", () => heap.gc.get_objects()],
      ["len", () => heap.len(l)],
      ["decref", () => heap.decref(l)],
    ];
    for (const [name, f] of made) {
      expect(f, name).toThrow(PyError);
      expect(f, name).toThrow("the heap is closed");
    }
    expect(heap.closed).toBe(true);
  });
});

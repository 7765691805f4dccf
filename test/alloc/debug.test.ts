// Debug mode (PYTHONMALLOC=debug hooks, S = 4): block layout, fills, and one
// test per fault class. Every fault must throw a PymallocDebugError naming the
// address and what was found, and leave the allocator consistent (check()).
import { describe, expect, it } from "vitest";
import { BACKENDS, make, u8, i32 } from "./helpers";
import { PymallocDebugError } from "../../src/alloc/index";
import type { PymallocAllocator } from "../../src/alloc/index";

const hex = (n: number): string => "0x" + n.toString(16);

function fault(fn: () => unknown): PymallocDebugError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PymallocDebugError) return e;
    throw e;
  }
  throw new Error("expected a PymallocDebugError");
}

function bytes(a: PymallocAllocator, from: number, n: number): number[] {
  return [...u8(a).subarray(from, from + n)];
}

describe.each(BACKENDS)("debug hooks (%s)", (backend) => {
  it("block layout: [size BE | 'o' | 3 x 0xFD | data 0xCD... | 4 x 0xFD]", async () => {
    const a = await make(backend, { debug: true });
    const p = a.malloc(5);
    expect(p % 8).toBe(0);
    expect(bytes(a, p - 8, 17)).toEqual([
      0x00, 0x00, 0x00, 0x05, 0x6f, 0xfd, 0xfd, 0xfd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xfd, 0xfd, 0xfd, 0xfd,
    ]);
    const q = a.calloc(3, 2);
    expect(bytes(a, q - 8, 18)).toEqual([0, 0, 0, 6, 0x6f, 0xfd, 0xfd, 0xfd, 0, 0, 0, 0, 0, 0, 0xfd, 0xfd, 0xfd, 0xfd]);
    // n + 12 bytes of pymalloc: requests above 500 go to the raw layer, 0 is a 12-byte block
    const z = a.malloc(0);
    expect(bytes(a, z - 8, 12)).toEqual([0, 0, 0, 0, 0x6f, 0xfd, 0xfd, 0xfd, 0xfd, 0xfd, 0xfd, 0xfd]);
    a.malloc(501);
    expect(a.stats().rawBlocksInUse).toBe(1);
    a.check();
  });

  it("free fills the whole block with DEADBYTE (pymalloc then writes its 4-byte link)", async () => {
    const a = await make(backend, { debug: true });
    const p = a.malloc(20); // a 32-byte block
    a.malloc(20);
    a.free(p);
    expect(bytes(a, p - 4, 28)).toEqual(new Array(28).fill(0xdd));
    a.check();
  });

  it("realloc keeps data, rewrites the guards, fills growth with CLEANBYTE", async () => {
    const a = await make(backend, { debug: true });
    const p = a.malloc(10);
    u8(a).fill(0x11, p, p + 10);
    const q = a.realloc(p, 30);
    expect(bytes(a, q - 8, 8)).toEqual([0, 0, 0, 30, 0x6f, 0xfd, 0xfd, 0xfd]);
    expect(bytes(a, q, 10)).toEqual(new Array(10).fill(0x11));
    expect(bytes(a, q + 10, 20)).toEqual(new Array(20).fill(0xcd));
    expect(bytes(a, q + 30, 4)).toEqual([0xfd, 0xfd, 0xfd, 0xfd]);
    const r = a.realloc(q, 2000); // to the raw layer
    expect(bytes(a, r, 10)).toEqual(new Array(10).fill(0x11));
    const s = a.realloc(r, 1500); // raw stays raw, shrinks in place
    expect(s).toBe(r);
    expect(bytes(a, s + 1500, 4)).toEqual([0xfd, 0xfd, 0xfd, 0xfd]);
    a.check();
    a.free(s);
    a.check();
  });

  it("buffer overrun: CPython's report, and the block stays allocated", async () => {
    const a = await make(backend, { debug: true });
    const p = a.malloc(16);
    u8(a).fill(0x41, p, p + 17);
    expect(() => a.check()).toThrow(/trailing pad at tail\+0 is 0x41 \(buffer overrun\)/);
    const e = fault(() => a.free(p));
    expect(e.kind).toBe("overrun");
    expect(e.address).toBe(p);
    expect(e.func).toBe("_PyMem_DebugRawFree");
    expect(e.message).toContain(`_PyMem_DebugRawFree: bad trailing pad byte`);
    expect(e.message).toContain(`Debug memory block at address p=${hex(p)}: API 'o'`);
    expect(e.message).toContain("    16 bytes originally requested");
    expect(e.message).toContain("    The 3 pad bytes at p-3 are FORBIDDENBYTE, as expected.");
    expect(e.message).toContain(`    The 4 pad bytes at tail=${hex(p + 16)} are not all FORBIDDENBYTE (0xfd):`);
    expect(e.message).toContain("        at tail+0: 0x41 *** OUCH\n        at tail+1: 0xfd\n");
    expect(e.message).toContain("    Data at p: 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41");
    expect(a.getallocatedblocks()).toBe(1);
    u8(a)[p + 16] = 0xfd; // repair: now it frees cleanly
    a.free(p);
    a.check();
    expect(a.getallocatedblocks()).toBe(0);
  });

  it("buffer overrun of a raw-layer block", async () => {
    const a = await make(backend, { debug: true });
    const p = a.malloc(3000);
    u8(a)[p + 3002] = 0;
    const e = fault(() => a.realloc(p, 10));
    expect(e.kind).toBe("overrun");
    expect(e.func).toBe("_PyMem_DebugRawRealloc");
    expect(e.message).toContain("        at tail+2: 0x00 *** OUCH");
    expect(e.message).toContain("    Data at p: cd cd cd cd cd cd cd cd ... cd cd cd cd cd cd cd cd");
  });

  it("buffer underrun", async () => {
    const a = await make(backend, { debug: true });
    const p = a.malloc(16);
    u8(a)[p - 1] = 0x42;
    const e = fault(() => a.free(p));
    expect(e.kind).toBe("underrun");
    expect(e.message).toContain("_PyMem_DebugRawFree: bad leading pad byte");
    expect(e.message).toContain("    The 3 pad bytes at p-3 are not all FORBIDDENBYTE (0xfd):\n        at p-3: 0xfd\n        at p-2: 0xfd\n        at p-1: 0x42 *** OUCH\n");
    expect(e.message).toContain("Because memory is corrupted at the start, the count of bytes requested");
    expect(() => a.check()).toThrow(/leading pad at p-1 is 0x42 \(buffer underrun\)/);
    u8(a)[p - 1] = 0xfd;
    a.check();
  });

  it("bad API id, and a corrupt size field that would send the tail check out of the block", async () => {
    const a = await make(backend, { debug: true });
    const p = a.malloc(24);
    u8(a)[p - 4] = 0x6d; // 'm'
    const e = fault(() => a.free(p));
    expect(e.kind).toBe("bad-id");
    expect(e.message).toContain("bad ID: Allocated using API 'm', verified using API 'o'");
    u8(a)[p - 4] = 0x6f;
    u8(a)[p - 8] = 0x7f; // size field now ~2 GiB
    const f = fault(() => a.free(p));
    expect(f.kind).toBe("bad-size");
    expect(f.message).toContain("beyond the");
    u8(a)[p - 8] = 0;
    a.free(p);
    a.check();
  });

  it("double free (pymalloc block): a clean diagnostic, no corruption", async () => {
    const a = await make(backend, { debug: true });
    const p = a.malloc(32);
    const keep = a.malloc(32);
    a.free(p);
    const e = fault(() => a.free(p));
    expect(e.kind).toBe("double-free");
    expect(e.message).toBe(`_PyMem_DebugRawFree: double free: p=${hex(p)} was already freed (its 48-byte pymalloc block is on its pool's free list)`);
    a.check();
    expect(a.getallocatedblocks()).toBe(1);
    // the pool's free list holds the block once: two mallocs give two different blocks
    const x = a.malloc(32), y = a.malloc(32);
    expect(x).toBe(p);
    expect(y).not.toBe(p);
    a.free(keep);
    a.free(x);
    a.free(y);
    // a whole empty pool: still a double free
    expect(fault(() => a.free(x)).kind).toBe("double-free");
    a.check();
  });

  it("double free (raw block), also after coalescing swallowed its header", async () => {
    const a = await make(backend, { debug: true });
    const p = a.malloc(2000), q = a.malloc(2000);
    a.malloc(2000);
    a.free(p);
    expect(fault(() => a.free(p)).kind).toBe("double-free");
    a.free(q); // q merges into p's free block: q's header is gone
    const e = fault(() => a.realloc(q, 5));
    expect(e.kind).toBe("double-free");
    expect(e.message).toContain("its layer-1 block is free");
    a.check();
  });

  it("pointers this allocator never returned", async () => {
    const a = await make(backend, { debug: true });
    const p = a.malloc(40);
    const big = a.malloc(5000);
    const cases: [number, RegExp][] = [
      [p + 8, /not at a block boundary/],
      [p + 3, /misaligned, or outside the heap/],
      [64, /misaligned, or outside the heap/],
      [0x7ffffff8, /misaligned, or outside the heap/],
      [(p & ~4095) + 4096 * 5 + 40, /in no carved pool/],
      [p + 56 * 3, /never handed out/], // 40 + 12 bytes: 56-byte blocks
      [big + 64, /no live block there/],
    ];
    for (const [bad, why] of cases) {
      const e = fault(() => a.free(bad));
      expect(e.kind).toBe("invalid-pointer");
      expect(e.address).toBe(bad);
      expect(e.message).toMatch(new RegExp(`p=${hex(bad)} was never returned by this allocator`));
      expect(e.message).toMatch(why);
    }
    a.check();
    expect(a.getallocatedblocks()).toBe(2);
  });

  it("arguments that are not uint32s are refused before the call (wasm would wrap them)", async () => {
    const a = await make(backend, { debug: true });
    const p = a.malloc(16);
    const blocks = a.getallocatedblocks();
    const bad: [string, () => unknown, RegExp][] = [
      ["malloc('x')", () => a.malloc("x" as never), /^malloc: size must be an integer in \[0, 2\*\*32\), got "x"$/],
      ["malloc(-1)", () => a.malloc(-1), /^malloc: size .* got -1$/],
      ["malloc(1.5)", () => a.malloc(1.5), /^malloc: size .* got 1.5$/],
      ["malloc(2**32 + 8)", () => a.malloc(2 ** 32 + 8), /^malloc: size .* got 4294967304$/],
      ["calloc(2, undefined)", () => a.calloc(2, undefined as never), /^calloc: elsize .* got undefined$/],
      ["realloc(p, NaN)", () => a.realloc(p, NaN), /^realloc: size .* got NaN$/],
      ["realloc(-8, 4)", () => a.realloc(-8, 4), /^realloc: pointer .* got -8$/],
      ["free(null)", () => a.free(null as never), /^free: pointer .* got object$/],
    ];
    for (const [name, f, msg] of bad) {
      expect(f, name).toThrow(RangeError);
      expect(f, name).toThrow(msg);
    }
    // nothing was allocated, freed or moved
    expect(a.getallocatedblocks()).toBe(blocks);
    a.check();
    a.free(p);
  });

  it("write after free is caught when the block is handed out again; the block is restored", async () => {
    const a = await make(backend, { debug: true });
    const p = a.malloc(16);
    a.malloc(16);
    a.free(p);
    u8(a)[p + 3] = 0x41; // a dangling write
    expect(() => a.check()).toThrow(/written after free: byte at \+11 is 0x41/);
    const e = fault(() => a.malloc(16));
    expect(e.kind).toBe("write-after-free");
    expect(e.address).toBe(p);
    expect(e.message).toContain(`the 32-byte block at ${hex(p - 8)} (p=${hex(p)}) was modified after it was freed: 1 byte not DEADBYTE (0xdd), the first at p+3: 0x41`);
    a.check(); // re-filled and back on its free list
    expect(a.getallocatedblocks()).toBe(1);
    expect(a.malloc(16)).toBe(p);
    a.check();
  });

  it("faults in calloc and realloc paths are caught too; both twins word them identically", async () => {
    const msgs: string[] = [];
    for (const b of ["wasm", "ts"] as const) {
      const a = await make(b, { debug: true });
      const p = a.malloc(100);
      a.free(p);
      i32(a)[(p + 20) >> 2] = 0;
      msgs.push(fault(() => a.calloc(10, 10)).message);
    }
    expect(msgs[0]).toBe(msgs[1]);
    expect(msgs[0]).toContain("_PyMem_DebugRawCalloc: write after free");
    expect(msgs[0]).toContain("4 bytes not DEADBYTE");
  });
});

// pymalloc's observable behaviours (../shared/reference/obmalloc.md section 8),
// pinned for both twins. check() runs after the steps that change structure.
import { describe, expect, it, vi } from "vitest";
import {
  BACKENDS, make, u8, poolOf, classOf, blockSize, POOL, ARENA, poolHeader, firstUsedPool, ringHead,
  usableArenas, arenaAddresses, inArena, i32,
} from "./helpers";
import { STATE_BASE } from "../../src/alloc/twin/constants";
import { OBM_MAXARENAS } from "../../src/alloc/twin/layout";

const BLOCKS_PER_ARENA_16 = 64 * Math.floor((POOL - 32) / 16); // 16,256 blocks of 16 bytes

describe.each(BACKENDS)("pymalloc (%s)", (backend) => {
  it("size class formula: (n - 1) >> 3, for every n in 1..512", async () => {
    const a = await make(backend);
    for (let n = 1; n <= 512; n++) {
      const p = a.malloc(n);
      expect(p % 8).toBe(0);
      expect(inArena(a, p)).toBe(true);
      expect(poolHeader(a, poolOf(p)).szidx, `n=${n}`).toBe(classOf(n));
    }
    a.check();
    const s = a.stats();
    expect(s.sizeClasses.map((c) => c.size)).toEqual(Array.from({ length: 64 }, (_, i) => (i + 1) * 8));
    expect(s.sizeClasses.every((c) => c.blocksInUse === 8)).toBe(true); // 8 requests per class
  });

  it("0 and > 512 bytes go to the raw layer (counted in raw_allocated_blocks)", async () => {
    const a = await make(backend);
    const ps = [a.malloc(0), a.malloc(513), a.malloc(100000), a.calloc(0, 7), a.calloc(1, 600)];
    for (const p of ps) {
      expect(p).not.toBe(0);
      expect(p % 8).toBe(0);
      expect(inArena(a, p)).toBe(false);
    }
    expect(a.stats().rawBlocksInUse).toBe(5);
    expect(a.getallocatedblocks()).toBe(5);
    a.check();
    for (const p of ps) a.free(p);
    expect(a.stats().rawBlocksInUse).toBe(0);
    expect(a.getallocatedblocks()).toBe(0);
    a.check();
  });

  it("a new pool hands out pool + POOL_OVERHEAD first and touches only two blocks", async () => {
    const a = await make(backend);
    const p = a.malloc(24);
    expect(p & (POOL - 1)).toBe(32);
    const h = poolHeader(a, poolOf(p));
    expect(h).toMatchObject({ count: 1, szidx: 2, freeblock: p + 24, nextoffset: 32 + 48, maxnextoffset: POOL - 24 });
    expect(new Int32Array(a.memory.buffer)[(p + 24) >> 2]).toBe(0); // the second block: a one-block free list
    expect(a.malloc(24)).toBe(p + 24);
    expect(a.malloc(24)).toBe(p + 48); // carved from nextoffset
    a.check();
  });

  it("LIFO reuse within a pool", async () => {
    const a = await make(backend);
    const [x, y, z] = [a.malloc(40), a.malloc(40), a.malloc(40)];
    a.free(y);
    a.free(x);
    a.check();
    expect(a.malloc(40)).toBe(x);
    expect(a.malloc(40)).toBe(y);
    expect(a.malloc(40)).toBe(z + 40);
    a.check();
  });

  it("a full pool leaves its ring, and re-enters it at the FRONT when a block is freed", async () => {
    const a = await make(backend);
    const n = Math.floor((POOL - 32) / 512); // 7 blocks of 512
    const first = Array.from({ length: n }, () => a.malloc(512));
    const poolA = poolOf(first[0]);
    expect(first.every((p) => poolOf(p) === poolA)).toBe(true);
    expect(firstUsedPool(a, 63)).toBe(ringHead(63)); // full: unlinked, the ring is empty
    const b = a.malloc(512);
    const poolB = poolOf(b);
    expect(poolB).not.toBe(poolA);
    expect(firstUsedPool(a, 63)).toBe(poolB);
    a.free(first[3]);
    a.check();
    expect(firstUsedPool(a, 63)).toBe(poolA); // front of the ring
    expect(poolHeader(a, poolA).nextpool).toBe(poolB);
    expect(a.malloc(512)).toBe(first[3]); // so the freed block is reused next
    a.check();
  });

  it("an empty pool keeps its szidx and free list, and is reused without re-initialisation", async () => {
    const a = await make(backend);
    const blocks = Array.from({ length: 10 }, () => a.malloc(64));
    const pool = poolOf(blocks[0]);
    const keep = a.malloc(8); // another class keeps the arena busy
    for (const p of blocks) a.free(p); // last freed: blocks[9]
    a.check();
    const h = poolHeader(a, pool);
    expect(h.count).toBe(0);
    expect(h.szidx).toBe(classOf(64));
    expect(h.freeblock).toBe(blocks[9]);
    // same class: the cached pool is taken back with its free list (LIFO), not re-carved from pool+32
    expect(a.malloc(64)).toBe(blocks[9]);
    a.check();
    a.free(keep);
    // a different class re-initialises an empty pool
    a.free(blocks[9]);
    const other = a.malloc(200);
    expect(poolOf(other)).toBe(pool);
    expect(other).toBe(pool + 32);
    expect(poolHeader(a, pool).szidx).toBe(classOf(200));
    a.check();
  });

  it("arena release: wholly free arenas go back, except the last one of usable_arenas (bpo-37257)", async () => {
    const a = await make(backend);
    const ps: number[] = [];
    for (let i = 0; i < 3 * BLOCKS_PER_ARENA_16; i++) ps.push(a.malloc(16));
    a.check();
    expect(a.stats().arenasCurrent).toBe(3);
    for (const p of ps) a.free(p);
    a.check();
    let s = a.stats();
    expect(s.arenasCurrent).toBe(1); // one wholly free arena is kept
    expect(s.arenasFreed).toBe(2);
    expect(usableArenas(a)).toEqual([[arenaAddresses(a)[0], 64]]);
    // a loop that allocates and frees about one arena's worth never asks for a new arena
    for (let round = 0; round < 5; round++) {
      const qs = Array.from({ length: 10000 }, () => a.malloc(16));
      for (const q of qs) a.free(q);
    }
    s = a.stats();
    expect(s.arenasAllocated).toBe(3);
    expect(s.arenasCurrent).toBe(1);
    a.check();
  });

  it("an arena that becomes wholly free while not last is released; its space is reused", async () => {
    const a = await make(backend);
    const ps: number[] = [];
    for (let i = 0; i < 2 * BLOCKS_PER_ARENA_16 + 1; i++) ps.push(a.malloc(16));
    const [a0, a1, a2] = arenaAddresses(a);
    expect(a.stats().arenasCurrent).toBe(3);
    const inA0 = ps.filter((p) => p >= a0 && p < a0 + ARENA);
    for (const p of inA0) a.free(p);
    a.check();
    expect(arenaAddresses(a)).toEqual([a1, a2]); // a0 went back to layer 1
    const mem = a.stats().linearMemoryBytes;
    // layer 1 reuses the freed arena's space (coalesced with the free gap below
    // it) for a large block that fits nowhere else, without growing
    expect(mem - (a2 + ARENA)).toBeLessThan(500000); // the free tail of the heap is too small
    const big = a.malloc(500000);
    expect(big).toBeLessThan(a0);
    expect(big + 500000).toBeGreaterThan(a0);
    expect(big + 500000).toBeLessThanOrEqual(a0 + ARENA);
    expect(a.stats().linearMemoryBytes).toBe(mem);
    a.free(big);
    a.check();
    // and the coalesced space can become an arena again: of two new arenas one
    // takes the old place of a0, so the memory grows by at most one arena
    for (let i = 0; i < 2 * BLOCKS_PER_ARENA_16; i++) ps.push(a.malloc(16));
    expect(arenaAddresses(a)).toContain(a0);
    expect(a.stats().arenasCurrent).toBe(4);
    expect(a.stats().linearMemoryBytes).toBeLessThanOrEqual(mem + ARENA);
    a.check();
  });

  it("usable_arenas stays sorted by nfreepools, ascending, with correct nfp2lasta fingers", async () => {
    const a = await make(backend);
    const ps: number[] = [];
    for (let i = 0; i < 4 * BLOCKS_PER_ARENA_16; i++) ps.push(a.malloc(16));
    const arenas = arenaAddresses(a);
    // empty a different number of pools in each arena: 5, 1, 9, 3
    const plan = [5, 1, 9, 3];
    arenas.forEach((base, k) => {
      for (const p of ps) {
        const poolIndex = (p - base) / POOL;
        if (p >= base && p < base + ARENA && Math.floor(poolIndex) < plan[k]) a.free(p);
      }
    });
    a.check(); // validates order and fingers
    const list = usableArenas(a);
    expect(list.map(([, nf]) => nf)).toEqual([1, 3, 5, 9]);
    expect(list.map(([addr]) => addr)).toEqual([arenas[1], arenas[3], arenas[0], arenas[2]]);
    // new pools come from the most allocated arena (the head)
    const q = a.malloc(16 * 3); // a class with no used pool
    expect(poolOf(q) >= arenas[1] && poolOf(q) < arenas[1] + ARENA).toBe(true);
    expect(usableArenas(a).map(([, nf]) => nf)).toEqual([3, 5, 9]);
    a.check();
  });

  it("realloc: in place when shrinking to more than 3/4 of the block (CPython's 112-byte example)", async () => {
    const a = await make(backend);
    const p = a.malloc(112); // class 13, a 112-byte block
    expect(blockSize(112)).toBe(112);
    u8(a).fill(0x5a, p, p + 112);
    for (const n of [112, 90, 85]) {
      expect(a.realloc(p, n), `realloc to ${n}`).toBe(p);
    }
    const q = a.realloc(p, 84); // 4*84 == 3*112: moves
    expect(q).not.toBe(p);
    expect(poolHeader(a, poolOf(q)).szidx).toBe(classOf(84));
    expect([...u8(a).subarray(q, q + 84)].every((b) => b === 0x5a)).toBe(true);
    const r = a.realloc(q, 113); // grows: new block, contents kept
    expect(r).not.toBe(q);
    expect([...u8(a).subarray(r, r + 84)].every((b) => b === 0x5a)).toBe(true);
    const z = a.realloc(r, 0); // n == 0 is not free: a raw 1-byte block
    expect(z).not.toBe(0);
    expect(inArena(a, z)).toBe(false);
    expect(a.stats().rawBlocksInUse).toBe(1);
    expect(a.getallocatedblocks()).toBe(1);
    a.check();
  });

  it("realloc: a raw block never migrates back into pymalloc; realloc(0, n) is malloc", async () => {
    const a = await make(backend);
    const p = a.malloc(1000);
    u8(a).fill(7, p, p + 1000);
    const q = a.realloc(p, 16);
    expect(inArena(a, q)).toBe(false);
    expect(q).toBe(p); // layer 1 shrinks in place
    expect(a.stats().rawBlocksInUse).toBe(1);
    const r = a.realloc(q, 5000); // grows (in place or moved), stays raw
    expect(inArena(a, r)).toBe(false);
    expect([...u8(a).subarray(r, r + 16)].every((b) => b === 7)).toBe(true);
    const s = a.realloc(0, 24);
    expect(inArena(a, s)).toBe(true);
    a.check();
  });

  it("calloc zeroes exactly n bytes, in pymalloc and in the raw layer", async () => {
    const a = await make(backend);
    const p = a.malloc(24);
    u8(a).fill(0xab, p, p + 24);
    a.free(p);
    const q = a.calloc(4, 5); // 20 bytes, same class: the same block (LIFO)
    expect(q).toBe(p);
    expect([...u8(a).subarray(q, q + 20)]).toEqual(new Array(20).fill(0));
    expect([...u8(a).subarray(q + 20, q + 24)]).toEqual([0xab, 0xab, 0xab, 0xab]);
    const big = a.malloc(3000);
    u8(a).fill(0xcd, big, big + 3000);
    a.free(big);
    const z = a.calloc(1000, 3);
    expect([...u8(a).subarray(z, z + 3000)].every((b) => b === 0)).toBe(true);
    a.check();
  });

  it("calloc refuses products above PY_SSIZE_T_MAX (no 32-bit wraparound)", async () => {
    const a = await make(backend);
    expect(a.calloc(0x10000, 0x10000)).toBe(0); // 2^32 would wrap to 0
    expect(a.calloc(0x10000, 0x8000)).toBe(0); // 2^31
    expect(a.malloc(0x80000000)).toBe(0);
    a.check();
  });

  it("getallocatedblocks = raw_allocated_blocks + sum of ref.count; free(0) is a no-op", async () => {
    const a = await make(backend);
    const ps = [a.malloc(8), a.malloc(8), a.malloc(300), a.malloc(600), a.malloc(0)];
    expect(a.getallocatedblocks()).toBe(5);
    a.free(0);
    a.free(ps[1]);
    expect(a.getallocatedblocks()).toBe(4);
    a.free(ps[3]);
    expect(a.getallocatedblocks()).toBe(3);
    a.check();
  });

  for (const sharedMemory of [false, true]) {
    it(`growth (${sharedMemory ? "shared" : "plain"} memory): onGrow listeners run before malloc returns; stale views ${sharedMemory ? "keep their old length and bytes" : "read length 0"}`, async () => {
      const a = await make(backend, { sharedMemory });
      expect(a.sharedMemory).toBe(sharedMemory);
      expect(a.memory.buffer instanceof SharedArrayBuffer).toBe(sharedMemory);
      const q = a.malloc(100); // (the first arena may grow the memory: views are taken after it)
      const before = a.memory.buffer;
      const stale = new Uint8Array(before);
      stale[q] = 42;
      const seen: ArrayBufferLike[] = [];
      a.onGrow((buf) => seen.push(buf));
      const p = a.malloc(5 * 1024 * 1024);
      expect(p).not.toBe(0);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen[seen.length - 1]).toBe(a.memory.buffer);
      expect(a.memory.buffer.byteLength).toBeGreaterThanOrEqual(p + 5 * 1024 * 1024);
      if (sharedMemory) {
        // the same memory, not detached: the old view still reads (and writes) it below its length
        expect(stale.length).toBe(before.byteLength);
        expect(new Uint8Array(a.memory.buffer)[q]).toBe(42);
        stale[q] = 43;
        expect(new Uint8Array(a.memory.buffer)[q]).toBe(43);
      } else {
        expect(stale.length).toBe(0);
        expect(new Uint8Array(a.memory.buffer)[q]).toBe(42);
      }
      a.check();
    });
  }

  it("growth is geometric: few growths for many arenas", async () => {
    const a = await make(backend);
    let grows = 0;
    a.onGrow(() => grows++);
    const ps: number[] = [];
    for (let i = 0; i < 40 * BLOCKS_PER_ARENA_16; i++) ps.push(a.malloc(16));
    expect(a.stats().arenasCurrent).toBe(40);
    // x1.125 per growth (GROW_SHIFT 3) from 256 KiB to ~11 MiB: logarithmic, fewer than one per arena
    const mem = a.stats().linearMemoryBytes;
    expect(grows).toBeLessThanOrEqual(Math.ceil(Math.log(mem / (256 * 1024)) / Math.log(1.125)) + 1);
    expect(grows).toBeLessThan(40);
    // the arena_object vector doubled from 16: 16 -> 32 -> 64 slots
    expect(i32(a)[(STATE_BASE + OBM_MAXARENAS) >> 2]).toBe(64);
    a.check();
  });

  it("an onGrow listener that throws cannot leave the allocator half-updated", async () => {
    const a = await make(backend);
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    a.onGrow(() => {
      throw new Error("listener bug");
    });
    const p = a.malloc(3 * 1024 * 1024);
    expect(p).not.toBe(0);
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
    a.check();
  });
});

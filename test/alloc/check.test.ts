// check() is only worth something if it fails: corrupt one invariant at a time
// (in a copy-free way: directly in linear memory) and expect a precise message.
import { describe, expect, it } from "vitest";
import { BACKENDS, make, i32, poolOf, usableArenas, arenaAddresses } from "./helpers";
import { STATE_BASE, ARENA_MAP_BASE, ARENA_BITS } from "../../src/alloc/twin/constants";
import {
  OBM_NFP2LASTA, OBM_RAW_ALLOCATED_BLOCKS, OBM_USABLE_ARENAS, OBM_NARENAS_CURRENTLY_ALLOCATED,
  OBM_ARENAS, SIZEOF_ARENA_OBJECT, AO_NFREEPOOLS,
  POOL_COUNT, POOL_FREEBLOCK, POOL_PREVPOOL, RAW_HEADS, SRC_HEAP_TOP,
} from "../../src/alloc/twin/layout";
import type { PymallocAllocator } from "../../src/alloc/index";

type Corruption = [string, (a: PymallocAllocator, s: Scene) => void, RegExp];
interface Scene { small: number[]; big: number[]; freedBig: number }

async function scene(backend: "wasm" | "ts"): Promise<[PymallocAllocator, Scene]> {
  const a = await make(backend);
  const all = Array.from({ length: 40000 }, () => a.malloc(16)); // 2 full arenas and a partial one
  const [a0, a1] = arenaAddresses(a);
  const emptyPools = (base: number, n: number): ((p: number) => boolean) => (p) => p >= base && p < base + n * 4096;
  const gone = [emptyPools(a0, 5), emptyPools(a1, 2)];
  const small: number[] = [];
  all.forEach((p, i) => {
    if (gone.some((f) => f(p)) || i % 3 === 0) a.free(p);
    else small.push(p);
  });
  const big = [a.malloc(3000), a.malloc(5000), a.malloc(7000)];
  a.free(big[1]);
  a.check();
  expect(usableArenas(a).length).toBeGreaterThan(1);
  return [a, { small, big, freedBig: big[1] }];
}

const W = (off: number): number => (STATE_BASE + off) >> 2;

const corruptions: Corruption[] = [
  ["a pool's ref.count", (a, s) => { i32(a)[(poolOf(s.small[0]) + POOL_COUNT) >> 2] += 1; }, /ref\.count \d+ \+ \d+ free \+ \d+ virgin != NUMBLOCKS/],
  ["a free-list cycle", (a, s) => {
    const pool = poolOf(s.small[1]);
    const fb = i32(a)[(pool + POOL_FREEBLOCK) >> 2];
    i32(a)[fb >> 2] = fb;
  }, /free list cycle at block/],
  ["a misaligned free-list entry", (a, s) => { i32(a)[(poolOf(s.small[1]) + POOL_FREEBLOCK) >> 2] += 4; }, /not a carved block boundary/],
  ["a ring back link", (a, s) => { i32(a)[(poolOf(s.small[s.small.length - 1]) + POOL_PREVPOOL) >> 2] += 4096; }, /prevpool is 0x[0-9a-f]+, expected/],
  ["an nfp2lasta finger", (a) => {
    const list = usableArenas(a);
    i32(a)[W(OBM_NFP2LASTA) + list[0][1]] = -1;
  }, /nfp2lasta\[\d+\] is -1, but the rightmost usable arena with \d+ free pools is \d+/],
  ["usable_arenas order", (a) => {
    const h = i32(a);
    const head = h[W(OBM_USABLE_ARENAS)];
    const vec = h[W(OBM_ARENAS)];
    h[(vec + head * SIZEOF_ARENA_OBJECT + AO_NFREEPOOLS) >> 2] = 63;
  }, /usable_arenas not sorted: arena \d+ \(nfreepools \d+\) follows arena \d+ \(nfreepools 63\)/],
  ["narenas_currently_allocated", (a) => { i32(a)[W(OBM_NARENAS_CURRENTLY_ALLOCATED)] += 1; }, /narenas_currently_allocated \d+ but \d+ arenas have an address/],
  ["an arena map leaf", (a) => {
    const base = arenaAddresses(a)[0];
    i32(a)[(ARENA_MAP_BASE >> 2) + ((base >>> ARENA_BITS) << 1)] = 0;
  }, /arena map: chunk of arena \d+ .* reads \{tail_hi 0, tail_lo 0\}, expected \{-1, 0\}/],
  ["raw_allocated_blocks", (a) => { i32(a)[W(OBM_RAW_ALLOCATED_BLOCKS)] += 1; }, /layer 1 has \d+ used blocks; raw_allocated_blocks/],
  ["a raw block's footer", (a, s) => {
    const b = s.big[0] - 8;
    const size = i32(a)[b >> 2] & ~7;
    i32(a)[(b + size - 4) >> 2] += 8;
  }, /foot 0x[0-9a-f]+ != head/],
  ["a raw free list head", (a) => {
    const h = i32(a);
    const idx = h.subarray(W(RAW_HEADS), W(RAW_HEADS) + 400).findIndex((x) => x !== 0);
    h[W(RAW_HEADS) + idx] = 0;
  }, /sl_bitmap\[\d+\] is 0x[0-9a-f]+, lists say|free blocks, \d+ in the lists/],
  ["heap_top", (a) => { i32(a)[W(SRC_HEAP_TOP)] -= 65536; }, /heap_top 0x[0-9a-f]+ != linear memory size/],
];

describe.each(BACKENDS)("check() detects broken invariants (%s)", (backend) => {
  it.each(corruptions)("%s", async (_name, corrupt, message) => {
    const [a, s] = await scene(backend);
    corrupt(a, s);
    expect(() => a.check()).toThrow(message);
  });
});

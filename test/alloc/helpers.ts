// Shared helpers for the allocator suites: every suite runs over both twins.
import { createAllocator, type PymallocAllocator } from "../../src/alloc/index";
import type { Backend } from "../../src/alloc/types";
import { STATE_BASE, NO_ARENA_I32, ARENA_MAP_BASE, ARENA_BITS } from "../../src/alloc/twin/constants";
import {
  OBM_USEDPOOLS, OBM_ARENAS, OBM_MAXARENAS, OBM_USABLE_ARENAS, SIZEOF_ARENA_OBJECT, AO_ADDRESS,
  AO_NFREEPOOLS, AO_NEXTARENA, POOL_COUNT, POOL_FREEBLOCK, POOL_NEXTPOOL, POOL_PREVPOOL, POOL_SZIDX,
  POOL_NEXTOFFSET, POOL_MAXNEXTOFFSET, POOL_ARENAINDEX,
} from "../../src/alloc/twin/layout";

export const BACKENDS: [Backend][] = [["wasm"], ["ts"]];

export function make(backend: Backend, opts: { debug?: boolean; maxMemory?: number; sharedMemory?: boolean } = {}): Promise<PymallocAllocator> {
  return createAllocator({ backend, ...opts });
}

export const u8 = (a: PymallocAllocator): Uint8Array => new Uint8Array(a.memory.buffer);
export const i32 = (a: PymallocAllocator): Int32Array => new Int32Array(a.memory.buffer);

/** Size class and block size of an n-byte request (CPython 32-bit). */
export const classOf = (n: number): number => (n - 1) >> 3;
export const blockSize = (n: number): number => (classOf(n) + 1) << 3;
export const POOL = 4096;
export const ARENA = 262144;
export const poolOf = (p: number): number => p & ~(POOL - 1);

/** malloc and check() */
export function mallocChecked(a: PymallocAllocator, n: number): number {
  const p = a.malloc(n);
  a.check();
  return p;
}

// ---- reading the state (offsets from the twin's layout, checked against wasm) ----

export interface PoolHeader {
  count: number; freeblock: number; nextpool: number; prevpool: number;
  arenaindex: number; szidx: number; nextoffset: number; maxnextoffset: number;
}

export function poolHeader(a: PymallocAllocator, pool: number): PoolHeader {
  const h = i32(a);
  const w = pool >> 2;
  return {
    count: h[w + (POOL_COUNT >> 2)],
    freeblock: h[w + (POOL_FREEBLOCK >> 2)],
    nextpool: h[w + (POOL_NEXTPOOL >> 2)],
    prevpool: h[w + (POOL_PREVPOOL >> 2)],
    arenaindex: h[w + (POOL_ARENAINDEX >> 2)],
    szidx: h[w + (POOL_SZIDX >> 2)],
    nextoffset: h[w + (POOL_NEXTOFFSET >> 2)],
    maxnextoffset: h[w + (POOL_MAXNEXTOFFSET >> 2)],
  };
}

/** usedpools[2i]: the first pool of ring i (or its dummy head H(i)). */
export function firstUsedPool(a: PymallocAllocator, szidx: number): number {
  return i32(a)[((STATE_BASE + OBM_USEDPOOLS) >> 2) + 2 * szidx];
}
export const ringHead = (szidx: number): number => STATE_BASE + OBM_USEDPOOLS + 8 * szidx - 8;

/** The arenas of usable_arenas in list order: [address, nfreepools]. */
export function usableArenas(a: PymallocAllocator): [number, number][] {
  const h = i32(a);
  const vec = h[(STATE_BASE + OBM_ARENAS) >> 2];
  const out: [number, number][] = [];
  let i = h[(STATE_BASE + OBM_USABLE_ARENAS) >> 2];
  while (i !== NO_ARENA_I32) {
    const w = (vec + i * SIZEOF_ARENA_OBJECT) >> 2;
    out.push([h[w + (AO_ADDRESS >> 2)], h[w + (AO_NFREEPOOLS >> 2)]]);
    i = h[w + (AO_NEXTARENA >> 2)];
    if (out.length > 10000) throw new Error("usable_arenas does not end");
  }
  return out;
}

/** Addresses of all allocated arenas. */
export function arenaAddresses(a: PymallocAllocator): number[] {
  const h = i32(a);
  const vec = h[(STATE_BASE + OBM_ARENAS) >> 2];
  const n = h[(STATE_BASE + OBM_MAXARENAS) >> 2];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const addr = h[(vec + i * SIZEOF_ARENA_OBJECT + AO_ADDRESS) >> 2];
    if (addr !== 0) out.push(addr);
  }
  return out.sort((x, y) => x - y);
}

/** address_in_range through the arena map, read from memory. */
export function inArena(a: PymallocAllocator, p: number): boolean {
  const h = i32(a);
  const leaf = (ARENA_MAP_BASE >> 2) + ((p >>> ARENA_BITS) << 1);
  const hi = h[leaf], lo = h[leaf + 1], tail = p & (ARENA - 1);
  return tail < lo || (tail >= hi && hi !== 0);
}

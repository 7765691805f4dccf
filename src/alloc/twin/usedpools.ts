// === usedpools (twin of assembly/usedpools.ts) ===
//
// Layer 2. The double-headed ring table: usedpools[2i], usedpools[2i+1] are
// the nextpool/prevpool of the fudged header H(i) = &usedpools[2i] - 8.
// The full explanation is in assembly/usedpools.ts.
//
// Never touches: arenas, blocks.

import { STATE_BASE, NB_SMALL_SIZE_CLASSES } from "./constants";
import { OBM_USEDPOOLS, POOL_NEXTPOOL_W, POOL_PREVPOOL_W, POOL_SZIDX_W } from "./layout";
import type { Mem } from "./memory";

export const USEDPOOLS = STATE_BASE + OBM_USEDPOOLS;
export const USEDPOOLS_W = USEDPOOLS >> 2;

export function PTA(x: number): number {
  return USEDPOOLS + (x << 3) - 8;
}

export function init_usedpools(m: Mem): void {
  for (let x = 0; x < NB_SMALL_SIZE_CLASSES; x++) {
    m.i32[USEDPOOLS_W + 2 * x] = PTA(x);
    m.i32[USEDPOOLS_W + 2 * x + 1] = PTA(x);
  }
}

export function insert_to_usedpool(m: Mem, pool: number): void {
  const h = m.i32;
  const pi = pool >> 2;
  const size = h[pi + POOL_SZIDX_W];
  const next = h[USEDPOOLS_W + (size << 1)];
  const prev = h[(next >> 2) + POOL_PREVPOOL_W];
  h[pi + POOL_NEXTPOOL_W] = next;
  h[pi + POOL_PREVPOOL_W] = prev;
  h[(next >> 2) + POOL_PREVPOOL_W] = pool;
  h[(prev >> 2) + POOL_NEXTPOOL_W] = pool;
}

export function unlink_from_usedpools(m: Mem, pool: number): void {
  const h = m.i32;
  const pi = pool >> 2;
  const next = h[pi + POOL_NEXTPOOL_W];
  const prev = h[pi + POOL_PREVPOOL_W];
  h[(next >> 2) + POOL_PREVPOOL_W] = prev;
  h[(prev >> 2) + POOL_NEXTPOOL_W] = next;
}

// === Pools (twin of assembly/pool.ts) ===
//
// Layer 2. pymalloc_pool_extend and pool initialisation; the used / full /
// empty state machine is described in assembly/pool.ts (CPython's own prose).
//
// Never touches: arena lists.

import { STATE_BASE, ALIGNMENT_SHIFT, POOL_SIZE, POOL_SIZE_MASK, PYMEM_DEADBYTE } from "./constants";
import {
  POOL_OVERHEAD, OBM_DEBUG, POOL_FREEBLOCK_W, POOL_SZIDX_W, POOL_NEXTOFFSET_W, POOL_MAXNEXTOFFSET_W,
} from "./layout";
import { unlink_from_usedpools } from "./usedpools";
import type { Mem } from "./memory";

const DEBUG_W = (STATE_BASE + OBM_DEBUG) >> 2;

export function INDEX2SIZE(i: number): number {
  return (i + 1) << ALIGNMENT_SHIFT;
}

export function NUMBLOCKS(i: number): number {
  return Math.floor((POOL_SIZE - POOL_OVERHEAD) / INDEX2SIZE(i));
}

export function POOL_ADDR(p: number): number {
  return p & ~POOL_SIZE_MASK;
}

export function debug_enabled(m: Mem): boolean {
  return m.i32[DEBUG_W] !== 0;
}

function deadfill_free_block(m: Mem, bp: number, size: number): void {
  m.fill(bp + 4, PYMEM_DEADBYTE, size - 4);
}

export function pymalloc_pool_extend(m: Mem, pool: number, size: number): void {
  const h = m.i32;
  const pi = pool >> 2;
  const nextoffset = h[pi + POOL_NEXTOFFSET_W];
  if (nextoffset <= h[pi + POOL_MAXNEXTOFFSET_W]) {
    // There is room for another block.
    const bp = pool + nextoffset;
    h[pi + POOL_FREEBLOCK_W] = bp;
    h[pi + POOL_NEXTOFFSET_W] = nextoffset + INDEX2SIZE(size);
    h[bp >> 2] = 0;
    if (debug_enabled(m)) deadfill_free_block(m, bp, INDEX2SIZE(size));
    return;
  }
  // Pool is full, unlink from used pools.
  unlink_from_usedpools(m, pool);
}

export function pool_init(m: Mem, pool: number, size: number): number {
  const h = m.i32;
  const pi = pool >> 2;
  h[pi + POOL_SZIDX_W] = size;
  const sz = INDEX2SIZE(size);
  const bp = pool + POOL_OVERHEAD;
  h[pi + POOL_NEXTOFFSET_W] = POOL_OVERHEAD + (sz << 1);
  h[pi + POOL_MAXNEXTOFFSET_W] = POOL_SIZE - sz;
  const fb = bp + sz;
  h[pi + POOL_FREEBLOCK_W] = fb;
  h[fb >> 2] = 0;
  if (debug_enabled(m)) {
    deadfill_free_block(m, bp, sz);
    deadfill_free_block(m, fb, sz);
  }
  return bp;
}

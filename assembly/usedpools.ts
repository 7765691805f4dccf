// === usedpools: the double-headed ring table of partially used pools ===
//
// Layer 2. Ports the "Pool table" section of CPython 3.11 obmalloc.c: the
// PTA/PT initialisation of usedpools[] and insert_to_usedpool().
//
// For a size class i, usedpools[i+i] is the head of a circular doubly linked
// list of all partially used ("used") pools of that class. The table does not
// really hold pool_header pointers: it holds two pointers per class, which act
// as the nextpool and prevpool members of a dummy header
//
//     H(i) = (pool_header *)((u8 *)&usedpools[2*i] - 2*sizeof(block *))
//          = STATE_BASE + OBM_USEDPOOLS + 8*i - 8        (4-byte pointers)
//
// so H(i)->nextpool aliases usedpools[2i] and H(i)->prevpool aliases
// usedpools[2i+1]. Only those two members of H(i) are ever touched (its
// ref/freeblock would alias the previous class's pair or, for i = 0, the 8
// bytes below the state struct). A ring is empty iff H(i)->nextpool == H(i),
// which is why pymalloc_alloc can test `pool != pool->nextpool` on the value
// it read from usedpools[size+size].
//
// Invariants: every pool in ring i has szidx i, 0 < ref.count < NUMBLOCKS(i)
// and freeblock != 0; nextpool/prevpool links agree in both directions.
//
// Never touches: arenas, blocks.

import { STATE_BASE, NB_SMALL_SIZE_CLASSES } from "./constants";
import { OBM_USEDPOOLS, pool_header } from "./layout";

/** Address of usedpools[0]. */
export const USEDPOOLS: u32 = STATE_BASE + OBM_USEDPOOLS;

/** PTA(x): the fudged header whose nextpool/prevpool are usedpools[2x], usedpools[2x+1]. */
// @ts-ignore: decorator
@inline export function PTA(x: u32): u32 {
  return USEDPOOLS + (<u32>x << 3) - 8;
}

/** usedpools[2x] = usedpools[2x+1] = PTA(x): every ring empty. */
export function init_usedpools(): void {
  for (let x: u32 = 0; x < NB_SMALL_SIZE_CLASSES; x++) {
    store<u32>(USEDPOOLS + (<u32>x << 3), PTA(x));
    store<u32>(USEDPOOLS + (<u32>x << 3) + 4, PTA(x));
  }
}

/** A full pool got a free block: link it at the FRONT of its ring, so the next
 *  allocation of its class reuses the block just freed. */
export function insert_to_usedpool(pool: u32): void {
  const p = changetype<pool_header>(pool);
  const size = p.szidx;
  const next = load<u32>(USEDPOOLS + (<u32>size << 3));
  const prev = changetype<pool_header>(next).prevpool;
  // insert pool before next:   prev <-> pool <-> next
  p.nextpool = next;
  p.prevpool = prev;
  changetype<pool_header>(next).prevpool = pool;
  changetype<pool_header>(prev).nextpool = pool;
}

/** Unlink a pool from whatever ring it is in. */
// @ts-ignore: decorator
@inline export function unlink_from_usedpools(pool: u32): void {
  const p = changetype<pool_header>(pool);
  const next = p.nextpool;
  const prev = p.prevpool;
  changetype<pool_header>(next).prevpool = prev;
  changetype<pool_header>(prev).nextpool = next;
}

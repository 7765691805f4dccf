// === Pools: one size class per POOL_SIZE page, and their used / full / empty states ===
//
// Layer 2. Ports pymalloc_pool_extend() and the pool initialisation half of
// allocate_from_new_pool() from CPython 3.11 obmalloc.c, with the macros
// INDEX2SIZE, NUMBLOCKS and POOL_ADDR. The state machine, in CPython's words
// (adapted to this port's 32-bit geometry):
//
// Pools are carved off an arena's highwater mark (an arena_object's
// pool_address member) as needed. Once carved off, a pool is in one of three
// states forever after:
//
// used == partially used, neither empty nor full
//     At least one block in the pool is currently allocated, and at least one
//     block in the pool is not currently allocated (note this implies a pool
//     has room for at least two blocks). This is a pool's initial state, as a
//     pool is created only when malloc needs space. The pool holds blocks of a
//     fixed size, and is in the circular list headed at usedpools[i]
//     (usedpools.ts). It's linked to the other used pools of the same size
//     class via the pool_header's nextpool and prevpool members. If all but one
//     block is currently allocated, a malloc can cause a transition to the full
//     state. If all but one block is not currently allocated, a free can cause
//     a transition to the empty state.
//
// full == all the pool's blocks are currently allocated
//     On transition to full, a pool is unlinked from its usedpools[] list. It's
//     not linked to from anything then anymore, and its nextpool and prevpool
//     members are meaningless until it transitions back to used. A free of a
//     block in a full pool puts the pool back in the used state. Then it's
//     linked in at the front of the appropriate usedpools[] list, so that the
//     next allocation for its size class will reuse the freed block.
//
// empty == all the pool's blocks are currently available for allocation
//     On transition to empty, a pool is unlinked from its usedpools[] list, and
//     linked to the front of its arena_object's singly-linked freepools list,
//     via its nextpool member. The prevpool member has no meaning in this case.
//     Empty pools have no inherent size class: the next time a malloc finds an
//     empty list in usedpools[], it takes the first pool off of freepools. If
//     the size class needed happens to be the same as the size class the pool
//     last had, some pool initialization can be skipped (it keeps szidx).
//
// Block management: blocks within pools are carved out as needed.
// pool->freeblock points to the start of a singly-linked list of free blocks
// within the pool; a freed block is pushed at its front (LIFO). The available
// blocks are *not* linked together when a pool is initialized: only "the first
// two" (lowest addresses) blocks are set up, returning the first and setting
// freeblock to a one-block list holding the second. pymalloc strives at all
// levels (arena, pool, and block) never to touch a piece of memory until it's
// actually needed. The offset of the next virgin block is nextoffset; the
// largest valid one is maxnextoffset = POOL_SIZE - size. All the blocks of a
// pool have been passed out at least once iff nextoffset > maxnextoffset.
//
// Invariant (checked by check()): ref.count + |free list| + virgin blocks
// == NUMBLOCKS(szidx), where virgin = blocks at offsets nextoffset..maxnextoffset.
//
// Debug mode (state flag OBM_DEBUG): every block that enters a free list by
// carving is filled with PYMEM_DEADBYTE past its link word, so that debug.ts can
// demand that any block handed out reads DEADBYTE (write-after-free detection).
// One load and a not-taken branch when off.
//
// Never touches: arena lists (arena.ts), the usedpools table beyond linking.

import {
  STATE_BASE, ALIGNMENT_SHIFT, POOL_SIZE, POOL_SIZE_MASK, PYMEM_DEADBYTE,
} from "./constants";
import { pool_header, POOL_OVERHEAD, OBM_DEBUG } from "./layout";
import { unlink_from_usedpools } from "./usedpools";

/** Bytes in size class i. */
// @ts-ignore: decorator
@inline export function INDEX2SIZE(i: u32): u32 {
  return (i + 1) << ALIGNMENT_SHIFT;
}

/** Blocks per pool of size class i. */
// @ts-ignore: decorator
@inline export function NUMBLOCKS(i: u32): u32 {
  return (POOL_SIZE - POOL_OVERHEAD) / INDEX2SIZE(i);
}

/** The pool holding address p. */
// @ts-ignore: decorator
@inline export function POOL_ADDR(p: u32): u32 {
  return p & ~(<u32>POOL_SIZE_MASK);
}

/** Debug hooks on? (a word of the state, not a global: the JS walker reads it too) */
// @ts-ignore: decorator
@inline export function debug_enabled(): bool {
  return load<u32>(STATE_BASE + OBM_DEBUG) != 0;
}

/** Debug mode: a block entering a free list reads DEADBYTE after its link word. */
function deadfill_free_block(bp: u32, size: u32): void {
  memory.fill(bp + 4, <u8>PYMEM_DEADBYTE, size - 4);
}

/**
 * The pool's free list just ran out. Extend it by one virgin block if there is
 * room (the pool stays used); otherwise the pool is now full: unlink it from
 * usedpools.
 */
export function pymalloc_pool_extend(pool: u32, size: u32): void {
  const p = changetype<pool_header>(pool);
  if (p.nextoffset <= p.maxnextoffset) {
    // There is room for another block.
    const bp = pool + p.nextoffset;
    p.freeblock = bp;
    p.nextoffset += INDEX2SIZE(size);
    store<u32>(bp, 0);
    if (debug_enabled()) deadfill_free_block(bp, INDEX2SIZE(size));
    return;
  }
  // Pool is full, unlink from used pools.
  unlink_from_usedpools(pool);
}

/**
 * Initialise a pool (fresh, or last used for another class) for size class
 * `size`: set up the free list to contain just the second block, and return
 * the first block.
 */
export function pool_init(pool: u32, size: u32): u32 {
  const p = changetype<pool_header>(pool);
  p.szidx = size;
  const sz = INDEX2SIZE(size);
  const bp = pool + POOL_OVERHEAD;
  p.nextoffset = POOL_OVERHEAD + (sz << 1);
  p.maxnextoffset = POOL_SIZE - sz;
  const fb = bp + sz;
  p.freeblock = fb;
  store<u32>(fb, 0);
  if (debug_enabled()) {
    deadfill_free_block(bp, sz);
    deadfill_free_block(fb, sz);
  }
  return bp;
}

// === pymalloc's fast paths and the object-domain allocator (_PyObject_*) ===
//
// Layer 2. Ports pymalloc_alloc(), pymalloc_free(), pymalloc_realloc() and
// _PyObject_Malloc/Calloc/Realloc/Free from CPython 3.11 obmalloc.c.
//
// Hot path, as in CPython: pymalloc_alloc is a shift, one load of
// usedpools[size+size], a ring-empty test and a free-list pop; pymalloc_free is
// the arena-map test (address_in_range) and a free-list push. Everything rare
// lives in named slow functions: pymalloc_pool_extend (pool.ts),
// allocate_from_new_pool / insert_to_freepool (arena.ts), insert_to_usedpool
// (usedpools.ts), and the raw layer (raw.ts). No statistics are kept on the hot
// path (CPython 3.9 dropped its counter for the same reason, bpo-37537):
// getallocatedblocks walks the arenas instead.
//
// Rules kept from CPython:
//   - requests of 0 or > SMALL_REQUEST_THRESHOLD go to layer 1 (raw_malloc turns
//     0 into 1 byte), counted in raw_allocated_blocks; so does a small request
//     when no arena can be had (layer 1 may still find room for it)
//   - calloc zeroes exactly nelem*elsize bytes, and refuses overflowing products
//   - realloc: p == 0 is malloc; a block outside the arenas stays with layer 1
//     (never migrates back into pymalloc, bug 1185883); a pymalloc block stays in
//     place when the new size fits and is > 3/4 of the block, else moves (n == 0
//     moves to a raw 1-byte block); failure returns 0 and leaves p untouched
//   - free(0) is a no-op
//
// Never touches: the debug hooks (debug.ts wraps these functions; api.ts picks).

import {
  STATE_BASE, SMALL_REQUEST_THRESHOLD, ALIGNMENT_SHIFT, PY_SSIZE_T_MAX,
} from "./constants";
import { pool_header, OBM_RAW_ALLOCATED_BLOCKS } from "./layout";
import { USEDPOOLS, insert_to_usedpool } from "./usedpools";
import { pymalloc_pool_extend, INDEX2SIZE, POOL_ADDR } from "./pool";
import { allocate_from_new_pool, insert_to_freepool } from "./arena";
import { address_in_range } from "./radix";
import { raw_malloc, raw_calloc, raw_realloc, raw_free } from "./raw";

// @ts-ignore: decorator
@inline function raw_blocks_add(delta: i32): void {
  store<i32>(STATE_BASE + OBM_RAW_ALLOCATED_BLOCKS, load<i32>(STATE_BASE + OBM_RAW_ALLOCATED_BLOCKS) + delta);
}

/**
 * A block of 1..512 bytes from pymalloc, or 0 (nbytes out of range, or no arena
 * could be had).
 */
// @ts-ignore: decorator
@inline export function pymalloc_alloc(nbytes: u32): u32 {
  // nbytes - 1 wraps for nbytes == 0: one unsigned compare for both bounds
  if (nbytes - 1 >= SMALL_REQUEST_THRESHOLD) return 0;
  const size = <u32>((nbytes - 1) >> ALIGNMENT_SHIFT);
  const pool = load<u32>(USEDPOOLS + (<u32>size << 3));
  const p = changetype<pool_header>(pool);
  if (pool != p.nextpool) {
    // There is a used pool for this size class: pick up the head block of its free list.
    ++p.count;
    const bp = p.freeblock;
    const next = load<u32>(bp);
    p.freeblock = next;
    if (next == 0) {
      // Reached the end of the free list, try to extend it.
      pymalloc_pool_extend(pool, size);
    }
    return bp;
  }
  // There isn't a pool of the right size class immediately available: use a free pool.
  return allocate_from_new_pool(size);
}

/** Free a pymalloc block: true if p was one (else the caller frees it raw). */
// @ts-ignore: decorator
@inline export function pymalloc_free(p: u32): bool {
  if (!address_in_range(p)) return false;
  const pool = POOL_ADDR(p);
  const ph = changetype<pool_header>(pool);
  // Link p to the start of the pool's freeblock list. Since the pool had at
  // least the p block outstanding, the pool wasn't empty (so it's already in a
  // usedpools[] list, or was full and is in no list).
  const lastfree = ph.freeblock;
  store<u32>(p, lastfree);
  ph.freeblock = p;
  const count = ph.count - 1;
  ph.count = count;
  if (lastfree == 0) {
    // Pool was full, so doesn't currently live in any list: link it to the
    // front of the appropriate usedpools[] list.
    insert_to_usedpool(pool);
    return true;
  }
  // The pool is in a usedpools[] list. If it isn't empty, leave it there.
  if (count != 0) return true;
  // Pool is now empty: unlink from usedpools, link to the front of freepools.
  insert_to_freepool(pool);
  return true;
}

/** The raw half of _PyObject_Malloc: layer 1, counted in raw_allocated_blocks. */
export function object_malloc_raw(nbytes: u32): u32 {
  if (nbytes > PY_SSIZE_T_MAX) return 0;
  const p = raw_malloc(nbytes);
  if (p != 0) raw_blocks_add(1);
  return p;
}

// @ts-ignore: decorator
@inline export function _PyObject_Malloc(nbytes: u32): u32 {
  const p = pymalloc_alloc(nbytes);
  if (p != 0) return p;
  return object_malloc_raw(nbytes);
}

export function _PyObject_Calloc(nelem: u32, elsize: u32): u32 {
  if (elsize != 0 && nelem > PY_SSIZE_T_MAX / elsize) return 0;
  const nbytes = nelem * elsize;
  let p = pymalloc_alloc(nbytes);
  if (p != 0) {
    memory.fill(p, 0, nbytes);
    return p;
  }
  p = raw_calloc(nbytes);
  if (p != 0) raw_blocks_add(1);
  return p;
}

/** The raw half of _PyObject_Free. */
export function free_raw(p: u32): void {
  raw_free(p);
  raw_blocks_add(-1);
}

// @ts-ignore: decorator
@inline export function _PyObject_Free(p: u32): void {
  if (p == 0) return;
  if (!pymalloc_free(p)) free_raw(p);
}

/** pymalloc_realloc + _PyObject_Realloc. */
export function _PyObject_Realloc(p: u32, nbytes: u32): u32 {
  if (p == 0) return _PyObject_Malloc(nbytes);
  if (!address_in_range(p)) {
    // pymalloc is not managing this block: let layer 1 keep it, even if nbytes
    // is small (it cannot know how many bytes at p are valid).
    if (nbytes > PY_SSIZE_T_MAX) return 0;
    return raw_realloc(p, nbytes);
  }
  // pymalloc is in charge of this block
  let size = <u32>INDEX2SIZE(changetype<pool_header>(POOL_ADDR(p)).szidx);
  if (nbytes <= size) {
    // The block is staying the same or shrinking. Copy on shrink only if at
    // least 25% of size can be shaved off.
    if (4 * nbytes > 3 * size) return p;
    size = nbytes;
  }
  const bp = _PyObject_Malloc(nbytes);
  if (bp != 0) {
    memory.copy(bp, p, size);
    _PyObject_Free(p);
  }
  return bp;
}

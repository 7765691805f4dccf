// === Layer 1: the raw allocator (PyMem_RawMalloc's role, and the arena provider) ===
//
// Layer 1. Serves what CPython sends to the C library: requests of 0 (as 1
// byte) and above 512 bytes, pymalloc's arena_object vector, and the arenas
// themselves (what mmap gives CPython). Wasm memory never shrinks, so the space
// of freed arenas and freed large blocks must be reusable by both: everything
// between HEAP_BASE and heap_top is either an arena or a tagged block.
//
// Design: boundary tags + two-level segregated fit (TLSF-like, see
// layout.ts for the block diagram).
//   - tagged blocks: 8-byte header {size|FREE, check}, 4-byte footer (a copy of
//     the header word), payload 8-aligned at b + 8, sizes multiples of 8,
//     minimum 24. The footer is kept on used blocks too, so a block can always
//     find out whether its left neighbour is free without flags in the neighbour.
//   - arenas: ARENA_SIZE-aligned, exactly one chunk, no tag; the arena_chunks
//     bitmap (one bit per 256 KiB of the 2 GiB space) says which chunks are arenas,
//     so coalescing never reads inside an arena. Pools are POOL_SIZE-aligned and
//     "# bytes lost to arena alignment" is 0.
//   - free blocks are kept coalesced (no two adjacent free tagged blocks) in
//     25 x 16 segregated lists (first level: log2 of the size, second level: 16
//     linear steps; sizes below 128 have one list per granule), with a bitmap
//     per level. malloc: O(1) good-fit search (size rounded up to the next list),
//     falling back to a scan of the request's own list, then to growing the heap.
//     free: O(1) with coalescing. Arena allocation scans only the lists that can
//     hold >= ARENA_SIZE (typically a handful of blocks: freed arenas and the
//     wilderness) for an aligned fit, else grows the heap.
//   - the check word (address ^ magic) lets debug mode tell a live block from a
//     freed one, from a header swallowed by coalescing, and from a wild pointer.
//
// Invariants (verified by src/alloc/introspect.ts check()):
//   - walking from HEAP_BASE by block size / ARENA_SIZE lands exactly on heap_top
//   - head == foot for every tagged block; check word matches its state
//   - no two adjacent free tagged blocks; every free block is in exactly the list
//     its size maps to; bitmaps mark exactly the non-empty lists
//   - a chunk bit is set iff an allocated arena starts there
//
// Never touches: pymalloc's structures (it does not know what an arena holds),
// memory.grow (arena_source.ts does).

import {
  STATE_BASE, HEAP_BASE, ARENA_SIZE, ARENA_SIZE_MASK, ARENA_BITS, RAW_HEADER, RAW_OVERHEAD,
  RAW_MIN_BLOCK, RAW_FREE, RAW_SIZE_MASK, RAW_GRANULE, RAW_MAGIC_USED, RAW_MAGIC_FREE,
  RAW_MAGIC_DEAD, RAW_SL_BITS, RAW_SL_COUNT, RAW_SMALL_LIMIT, RAW_FL_COUNT, RAW_MAX_REQUEST,
} from "./constants";
import {
  SRC_HEAP_TOP, RAW_FL_BITMAP, RAW_SL_BITMAP, RAW_HEADS, RAW_ARENA_CHUNK_BITS,
  RAWB_HEAD, RAWB_CHECK, RAWB_NEXT_FREE, RAWB_PREV_FREE,
} from "./layout";
import { arena_source_grow } from "./arena_source";

// ---- tiny accessors ------------------------------------------------------

// @ts-ignore: decorator
@inline function heap_top(): u32 { return load<u32>(STATE_BASE + SRC_HEAP_TOP); }
// @ts-ignore: decorator
@inline function block_size(b: u32): u32 { return load<u32>(b, RAWB_HEAD) & RAW_SIZE_MASK; }

/** Block size for a request of n bytes (n >= 1, n <= RAW_MAX_REQUEST). */
// @ts-ignore: decorator
@inline export function raw_block_size_for(n: u32): u32 {
  const s = (n + RAW_OVERHEAD + RAW_GRANULE - 1) & RAW_SIZE_MASK;
  return s < RAW_MIN_BLOCK ? RAW_MIN_BLOCK : s;
}

/** Is the ARENA_SIZE chunk starting at address a an arena? (a chunk-aligned) */
// @ts-ignore: decorator
@inline function chunk_is_arena(a: u32): bool {
  const c = (a - HEAP_BASE) >> ARENA_BITS;
  return ((load<u32>(STATE_BASE + RAW_ARENA_CHUNK_BITS + ((c >> 5) << 2)) >> (c & 31)) & 1) != 0;
}

function chunk_set(a: u32, on: bool): void {
  const c = (a - HEAP_BASE) >> ARENA_BITS;
  const w = STATE_BASE + RAW_ARENA_CHUNK_BITS + ((c >> 5) << 2);
  const bit: u32 = 1 << (c & 31);
  store<u32>(w, on ? load<u32>(w) | bit : load<u32>(w) & ~bit);
}

/** Write a used block's tags. */
function set_used(b: u32, size: u32): void {
  store<u32>(b, size, RAWB_HEAD);
  store<u32>(b, b ^ RAW_MAGIC_USED, RAWB_CHECK);
  store<u32>(b + size - 4, size);
}

// ---- segregated lists ----------------------------------------------------

/** List index (fl * RAW_SL_COUNT + sl) a free block of this size lives in. */
function mapping_insert(size: u32): u32 {
  if (size < RAW_SMALL_LIMIT) return <u32>(size >> 3);
  const msb: u32 = 31 - clz<u32>(size);
  const sl = <u32>(size >> (msb - RAW_SL_BITS)) ^ RAW_SL_COUNT;
  const fl = msb - (RAW_SL_BITS + 3) + 1;
  return fl * RAW_SL_COUNT + sl;
}

/** Insert a free block (writes its tags) at the head of its list. */
function raw_insert(b: u32, size: u32): void {
  store<u32>(b, size | RAW_FREE, RAWB_HEAD);
  store<u32>(b, b ^ RAW_MAGIC_FREE, RAWB_CHECK);
  store<u32>(b + size - 4, size | RAW_FREE);
  const idx = mapping_insert(size);
  const slot = STATE_BASE + RAW_HEADS + (idx << 2);
  const head = load<u32>(slot);
  store<u32>(b, head, RAWB_NEXT_FREE);
  store<u32>(b, 0, RAWB_PREV_FREE);
  if (head != 0) store<u32>(head, b, RAWB_PREV_FREE);
  store<u32>(slot, b);
  const fl = idx >> RAW_SL_BITS;
  const slw = STATE_BASE + RAW_SL_BITMAP + (fl << 2);
  store<u32>(slw, load<u32>(slw) | (1 << (idx & (RAW_SL_COUNT - 1))));
  store<u32>(STATE_BASE + RAW_FL_BITMAP, load<u32>(STATE_BASE + RAW_FL_BITMAP) | (1 << fl));
}

/** Unlink a free block from its list (tags untouched). */
function raw_remove(b: u32, size: u32): void {
  const next = load<u32>(b, RAWB_NEXT_FREE);
  const prev = load<u32>(b, RAWB_PREV_FREE);
  if (next != 0) store<u32>(next, prev, RAWB_PREV_FREE);
  if (prev != 0) {
    store<u32>(prev, next, RAWB_NEXT_FREE);
    return;
  }
  const idx = mapping_insert(size);
  store<u32>(STATE_BASE + RAW_HEADS + (idx << 2), next);
  if (next == 0) {
    const fl = idx >> RAW_SL_BITS;
    const slw = STATE_BASE + RAW_SL_BITMAP + (fl << 2);
    const sl = load<u32>(slw) & ~(1 << (idx & (RAW_SL_COUNT - 1)));
    store<u32>(slw, sl);
    if (sl == 0) {
      store<u32>(STATE_BASE + RAW_FL_BITMAP, load<u32>(STATE_BASE + RAW_FL_BITMAP) & ~(1 << fl));
    }
  }
}

/** First non-empty list with index >= idx, or -1. */
function first_list_from(idx: u32): i32 {
  let fl = idx >> RAW_SL_BITS;
  if (fl >= RAW_FL_COUNT) return -1;
  let slmap = load<u32>(STATE_BASE + RAW_SL_BITMAP + (fl << 2)) & (<u32>0xffffffff << (idx & (RAW_SL_COUNT - 1)));
  if (slmap == 0) {
    const flmap = fl + 1 >= 32 ? 0 : load<u32>(STATE_BASE + RAW_FL_BITMAP) & (<u32>0xffffffff << (fl + 1));
    if (flmap == 0) return -1;
    fl = ctz<u32>(flmap);
    slmap = load<u32>(STATE_BASE + RAW_SL_BITMAP + (fl << 2));
  }
  return <i32>(fl * RAW_SL_COUNT + ctz<u32>(slmap));
}

/** A free block of at least `size` bytes, or 0. Good fit: the request is rounded
 *  up to the next list so any block there fits; then its own list is scanned. */
function raw_find(size: u32): u32 {
  let idx = mapping_insert(size);
  let search = idx;
  if (size >= RAW_SMALL_LIMIT) {
    const msb: u32 = 31 - clz<u32>(size);
    const rounded = size + (<u32>1 << (msb - RAW_SL_BITS)) - 1;
    search = rounded >= 0x80000000 ? RAW_FL_COUNT * RAW_SL_COUNT : mapping_insert(rounded);
  }
  const found = first_list_from(search);
  if (found >= 0) return load<u32>(STATE_BASE + RAW_HEADS + (<u32>found << 2));
  if (search != idx) {
    let b = load<u32>(STATE_BASE + RAW_HEADS + (<u32>idx << 2));
    while (b != 0) {
      if (block_size(b) >= size) return b;
      b = load<u32>(b, RAWB_NEXT_FREE);
    }
  }
  return 0;
}

// ---- neighbours and coalescing -------------------------------------------

/** The free tagged block ending at address e, or 0 (e is a block boundary). */
function free_left_of(e: u32): u32 {
  if (e <= HEAP_BASE) return 0;
  if ((e & ARENA_SIZE_MASK) == 0 && chunk_is_arena(e - ARENA_SIZE)) return 0;
  const foot = load<u32>(e - 4);
  if ((foot & RAW_FREE) == 0) return 0;
  return e - (foot & RAW_SIZE_MASK);
}

/** The free tagged block starting at address e, or 0 (e is a block boundary). */
function free_right_at(e: u32): u32 {
  if (e >= heap_top()) return 0;
  if ((e & ARENA_SIZE_MASK) == 0 && chunk_is_arena(e)) return 0;
  return (load<u32>(e, RAWB_HEAD) & RAW_FREE) != 0 ? e : 0;
}

/** Make [b, b+size) free, merging with free neighbours. */
function raw_release(b: u32, size: u32): void {
  const l = free_left_of(b);
  if (l != 0) {
    const ls = block_size(l);
    raw_remove(l, ls);
    store<u32>(b, b ^ RAW_MAGIC_DEAD, RAWB_CHECK);
    b = l;
    size += ls;
  }
  const r = free_right_at(b + size);
  if (r != 0) {
    const rs = block_size(r);
    raw_remove(r, rs);
    store<u32>(r, r ^ RAW_MAGIC_DEAD, RAWB_CHECK);
    size += rs;
  }
  raw_insert(b, size);
}

/** Take `size` bytes from the start of free block b (in a list); split the rest off. */
function raw_take(b: u32, size: u32): void {
  const bs = block_size(b);
  raw_remove(b, bs);
  if (bs - size >= RAW_MIN_BLOCK) {
    raw_insert(b + size, bs - size);
  } else {
    size = bs;
  }
  set_used(b, size);
}

/**
 * Grow the heap so that a free block of at least `size` bytes ends at heap_top;
 * returns that block (in its list) or 0 when memory is exhausted.
 */
function raw_extend(size: u32): u32 {
  const top = heap_top();
  const last = free_left_of(top);
  const have = last != 0 ? top - last : 0;
  const new_top = arena_source_grow(top + size - have);
  if (new_top == 0) return 0;
  let b = top;
  if (last != 0) {
    raw_remove(last, have);
    b = last;
  }
  raw_insert(b, new_top - b);
  return b;
}

// ---- the raw API ---------------------------------------------------------

/** malloc(n) of the C library: n == 0 allocates 1 byte. Returns 0 when out of memory. */
export function raw_malloc(n: u32): u32 {
  if (n == 0) n = 1;
  if (n > RAW_MAX_REQUEST) return 0;
  const size = raw_block_size_for(n);
  let b = raw_find(size);
  if (b == 0) {
    b = raw_extend(size);
    if (b == 0) return 0;
  }
  raw_take(b, size);
  return b + RAW_HEADER;
}

/** calloc(1, n): zeroes exactly n bytes (reused memory is not zero). */
export function raw_calloc(n: u32): u32 {
  const p = raw_malloc(n);
  if (p != 0) memory.fill(p, 0, n);
  return p;
}

export function raw_free(p: u32): void {
  const b = p - RAW_HEADER;
  raw_release(b, block_size(b));
}

/** Payload bytes of the raw block at p. */
export function raw_usable_size(p: u32): u32 {
  return block_size(p - RAW_HEADER) - RAW_OVERHEAD;
}

/**
 * realloc of the C library: p == 0 is malloc; n == 0 is treated as 1. Shrinks
 * in place (splitting the tail off when it can make a block), grows in place
 * into a free right neighbour, else moves (copying the payload). Returns 0 and
 * leaves p untouched when out of memory.
 */
export function raw_realloc(p: u32, n: u32): u32 {
  if (p == 0) return raw_malloc(n);
  if (n == 0) n = 1;
  if (n > RAW_MAX_REQUEST) return 0;
  const b = p - RAW_HEADER;
  const size = block_size(b);
  const need = raw_block_size_for(n);
  if (need <= size) {
    if (size - need >= RAW_MIN_BLOCK) {
      set_used(b, need);
      raw_release(b + need, size - need);
    }
    return p;
  }
  const r = free_right_at(b + size);
  if (r != 0) {
    const rs = block_size(r);
    if (size + rs >= need) {
      raw_remove(r, rs);
      store<u32>(r, r ^ RAW_MAGIC_DEAD, RAWB_CHECK);
      let total = size + rs;
      if (total - need >= RAW_MIN_BLOCK) {
        raw_insert(b + need, total - need);
        total = need;
      }
      set_used(b, total);
      return p;
    }
  }
  const q = raw_malloc(n);
  if (q == 0) return 0;
  const old = size - RAW_OVERHEAD;
  memory.copy(q, p, old < n ? old : n);
  raw_free(p);
  return q;
}

// ---- arenas ----------------------------------------------------------------

/** Lowest ARENA_SIZE-aligned A with [A, A+ARENA_SIZE) inside free block [b, b+size)
 *  whose leftovers on both sides are empty or can form a block; 0 if none. */
function arena_fit(b: u32, size: u32): u32 {
  const e = b + size;
  let a = (b + ARENA_SIZE_MASK) & ~ARENA_SIZE_MASK;
  if (a != b && a - b < RAW_MIN_BLOCK) a += ARENA_SIZE;
  while (a + ARENA_SIZE <= e) {
    const tail = e - (a + ARENA_SIZE);
    if (tail == 0 || tail >= RAW_MIN_BLOCK) return a;
    a += ARENA_SIZE;
  }
  return 0;
}

function carve_arena(b: u32, a: u32): void {
  const size = block_size(b);
  raw_remove(b, size);
  if (a > b) raw_insert(b, a - b);
  const e = b + size;
  if (a + ARENA_SIZE < e) raw_insert(a + ARENA_SIZE, e - a - ARENA_SIZE);
  chunk_set(a, true);
}

/** An ARENA_SIZE-aligned, ARENA_SIZE-long region (contents undefined), or 0. */
export function raw_arena_alloc(): u32 {
  // scan the lists that may hold blocks >= ARENA_SIZE, smallest first
  let idx = first_list_from(mapping_insert(ARENA_SIZE));
  while (idx >= 0) {
    let b = load<u32>(STATE_BASE + RAW_HEADS + (<u32>idx << 2));
    while (b != 0) {
      const a = arena_fit(b, block_size(b));
      if (a != 0) {
        carve_arena(b, a);
        return a;
      }
      b = load<u32>(b, RAWB_NEXT_FREE);
    }
    idx = first_list_from(<u32>idx + 1);
  }
  // none fits: grow the heap so that an aligned arena fits in the last free block
  const top = heap_top();
  const last = free_left_of(top);
  const start = last != 0 ? last : top;
  let a = (start + ARENA_SIZE_MASK) & ~ARENA_SIZE_MASK;
  if (a != start && a - start < RAW_MIN_BLOCK) a += ARENA_SIZE;
  const new_top = arena_source_grow(a + ARENA_SIZE);
  if (new_top == 0) return 0;
  if (last != 0) raw_remove(last, top - last);
  raw_insert(start, new_top - start);
  a = arena_fit(start, new_top - start);
  carve_arena(start, a);
  return a;
}

/** Give an arena's space back to layer 1 (it becomes an ordinary free block). */
export function raw_arena_free(a: u32): void {
  chunk_set(a, false);
  raw_release(a, ARENA_SIZE);
}

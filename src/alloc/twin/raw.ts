// === Layer 1 (twin): the raw allocator ===
//
// Layer 1. Twin of assembly/raw.ts, function for function: boundary tags +
// two-level segregated fit for large blocks and the arena vector, and
// ARENA_SIZE-aligned arenas tracked by a chunk bitmap. The design notes and
// invariants are in assembly/raw.ts; the block diagram in assembly/layout.ts.
//
// Never touches: pymalloc's structures; the buffer itself (arena_source.ts).

import {
  STATE_BASE, HEAP_BASE, ARENA_SIZE, ARENA_SIZE_MASK, ARENA_BITS, RAW_HEADER, RAW_OVERHEAD,
  RAW_MIN_BLOCK, RAW_FREE, RAW_SIZE_MASK, RAW_GRANULE, RAW_MAGIC_USED, RAW_MAGIC_FREE,
  RAW_MAGIC_DEAD, RAW_SL_BITS, RAW_SL_COUNT, RAW_SMALL_LIMIT, RAW_FL_COUNT, RAW_MAX_REQUEST,
} from "./constants";
import {
  SRC_HEAP_TOP, RAW_FL_BITMAP, RAW_SL_BITMAP, RAW_HEADS, RAW_ARENA_CHUNK_BITS,
  RAWB_HEAD_W, RAWB_CHECK_W, RAWB_NEXT_FREE_W, RAWB_PREV_FREE_W,
} from "./layout";
import { arena_source_grow } from "./arena_source";
import type { Mem } from "./memory";

const HEAP_TOP_W = (STATE_BASE + SRC_HEAP_TOP) >> 2;
const FL_BITMAP_W = (STATE_BASE + RAW_FL_BITMAP) >> 2;
const SL_BITMAP_W = (STATE_BASE + RAW_SL_BITMAP) >> 2;
const HEADS_W = (STATE_BASE + RAW_HEADS) >> 2;
const CHUNK_BITS_W = (STATE_BASE + RAW_ARENA_CHUNK_BITS) >> 2;

// ---- tiny accessors ----

function heap_top(m: Mem): number {
  return m.i32[HEAP_TOP_W] >>> 0;
}
function block_size(m: Mem, b: number): number {
  return m.i32[(b >> 2) + RAWB_HEAD_W] & RAW_SIZE_MASK;
}
function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Block size for a request of n bytes (1 <= n <= RAW_MAX_REQUEST). */
export function raw_block_size_for(n: number): number {
  const s = (n + RAW_OVERHEAD + RAW_GRANULE - 1) & RAW_SIZE_MASK;
  return s < RAW_MIN_BLOCK ? RAW_MIN_BLOCK : s;
}

function chunk_is_arena(m: Mem, a: number): boolean {
  const c = (a - HEAP_BASE) >>> ARENA_BITS;
  return ((m.i32[CHUNK_BITS_W + (c >>> 5)] >>> (c & 31)) & 1) !== 0;
}

function chunk_set(m: Mem, a: number, on: boolean): void {
  const c = (a - HEAP_BASE) >>> ARENA_BITS;
  const w = CHUNK_BITS_W + (c >>> 5);
  const bit = 1 << (c & 31);
  m.i32[w] = on ? m.i32[w] | bit : m.i32[w] & ~bit;
}

function set_used(m: Mem, b: number, size: number): void {
  const h = m.i32;
  const bi = b >> 2;
  h[bi + RAWB_HEAD_W] = size;
  h[bi + RAWB_CHECK_W] = b ^ RAW_MAGIC_USED;
  h[(b + size - 4) >> 2] = size;
}

// ---- segregated lists ----

function mapping_insert(size: number): number {
  if (size < RAW_SMALL_LIMIT) return size >>> 3;
  const msb = 31 - Math.clz32(size);
  const sl = (size >>> (msb - RAW_SL_BITS)) ^ RAW_SL_COUNT;
  const fl = msb - (RAW_SL_BITS + 3) + 1;
  return fl * RAW_SL_COUNT + sl;
}

function raw_insert(m: Mem, b: number, size: number): void {
  const h = m.i32;
  const bi = b >> 2;
  h[bi + RAWB_HEAD_W] = size | RAW_FREE;
  h[bi + RAWB_CHECK_W] = b ^ RAW_MAGIC_FREE;
  h[(b + size - 4) >> 2] = size | RAW_FREE;
  const idx = mapping_insert(size);
  const head = h[HEADS_W + idx];
  h[bi + RAWB_NEXT_FREE_W] = head;
  h[bi + RAWB_PREV_FREE_W] = 0;
  if (head !== 0) h[(head >> 2) + RAWB_PREV_FREE_W] = b;
  h[HEADS_W + idx] = b;
  const fl = idx >>> RAW_SL_BITS;
  h[SL_BITMAP_W + fl] |= 1 << (idx & (RAW_SL_COUNT - 1));
  h[FL_BITMAP_W] |= 1 << fl;
}

function raw_remove(m: Mem, b: number, size: number): void {
  const h = m.i32;
  const bi = b >> 2;
  const next = h[bi + RAWB_NEXT_FREE_W];
  const prev = h[bi + RAWB_PREV_FREE_W];
  if (next !== 0) h[(next >> 2) + RAWB_PREV_FREE_W] = prev;
  if (prev !== 0) {
    h[(prev >> 2) + RAWB_NEXT_FREE_W] = next;
    return;
  }
  const idx = mapping_insert(size);
  h[HEADS_W + idx] = next;
  if (next === 0) {
    const fl = idx >>> RAW_SL_BITS;
    const sl = h[SL_BITMAP_W + fl] & ~(1 << (idx & (RAW_SL_COUNT - 1)));
    h[SL_BITMAP_W + fl] = sl;
    if (sl === 0) h[FL_BITMAP_W] &= ~(1 << fl);
  }
}

function first_list_from(m: Mem, idx: number): number {
  const h = m.i32;
  let fl = idx >>> RAW_SL_BITS;
  if (fl >= RAW_FL_COUNT) return -1;
  let slmap = h[SL_BITMAP_W + fl] & (-1 << (idx & (RAW_SL_COUNT - 1)));
  if (slmap === 0) {
    const flmap = fl + 1 >= 32 ? 0 : h[FL_BITMAP_W] & (-1 << (fl + 1));
    if (flmap === 0) return -1;
    fl = ctz32(flmap);
    slmap = h[SL_BITMAP_W + fl];
  }
  return fl * RAW_SL_COUNT + ctz32(slmap);
}

function raw_find(m: Mem, size: number): number {
  const idx = mapping_insert(size);
  let search = idx;
  if (size >= RAW_SMALL_LIMIT) {
    const msb = 31 - Math.clz32(size);
    const rounded = size + 2 ** (msb - RAW_SL_BITS) - 1;
    search = rounded >= 0x80000000 ? RAW_FL_COUNT * RAW_SL_COUNT : mapping_insert(rounded);
  }
  const found = first_list_from(m, search);
  if (found >= 0) return m.i32[HEADS_W + found];
  if (search !== idx) {
    let b = m.i32[HEADS_W + idx];
    while (b !== 0) {
      if (block_size(m, b) >= size) return b;
      b = m.i32[(b >> 2) + RAWB_NEXT_FREE_W];
    }
  }
  return 0;
}

// ---- neighbours and coalescing ----

function free_left_of(m: Mem, e: number): number {
  if (e <= HEAP_BASE) return 0;
  if ((e & ARENA_SIZE_MASK) === 0 && chunk_is_arena(m, e - ARENA_SIZE)) return 0;
  const foot = m.i32[(e - 4) >> 2];
  if ((foot & RAW_FREE) === 0) return 0;
  return e - (foot & RAW_SIZE_MASK);
}

function free_right_at(m: Mem, e: number): number {
  if (e >= heap_top(m)) return 0;
  if ((e & ARENA_SIZE_MASK) === 0 && chunk_is_arena(m, e)) return 0;
  return (m.i32[(e >> 2) + RAWB_HEAD_W] & RAW_FREE) !== 0 ? e : 0;
}

function raw_release(m: Mem, b: number, size: number): void {
  const l = free_left_of(m, b);
  if (l !== 0) {
    const ls = block_size(m, l);
    raw_remove(m, l, ls);
    m.i32[(b >> 2) + RAWB_CHECK_W] = b ^ RAW_MAGIC_DEAD;
    b = l;
    size += ls;
  }
  const r = free_right_at(m, b + size);
  if (r !== 0) {
    const rs = block_size(m, r);
    raw_remove(m, r, rs);
    m.i32[(r >> 2) + RAWB_CHECK_W] = r ^ RAW_MAGIC_DEAD;
    size += rs;
  }
  raw_insert(m, b, size);
}

function raw_take(m: Mem, b: number, size: number): void {
  const bs = block_size(m, b);
  raw_remove(m, b, bs);
  if (bs - size >= RAW_MIN_BLOCK) {
    raw_insert(m, b + size, bs - size);
  } else {
    size = bs;
  }
  set_used(m, b, size);
}

function raw_extend(m: Mem, size: number): number {
  const top = heap_top(m);
  const last = free_left_of(m, top);
  const have = last !== 0 ? top - last : 0;
  const new_top = arena_source_grow(m, top + size - have);
  if (new_top === 0) return 0;
  let b = top;
  if (last !== 0) {
    raw_remove(m, last, have);
    b = last;
  }
  raw_insert(m, b, new_top - b);
  return b;
}

// ---- the raw API ----

export function raw_malloc(m: Mem, n: number): number {
  if (n === 0) n = 1;
  if (n > RAW_MAX_REQUEST) return 0;
  const size = raw_block_size_for(n);
  let b = raw_find(m, size);
  if (b === 0) {
    b = raw_extend(m, size);
    if (b === 0) return 0;
  }
  raw_take(m, b, size);
  return b + RAW_HEADER;
}

export function raw_calloc(m: Mem, n: number): number {
  const p = raw_malloc(m, n);
  if (p !== 0) m.fill(p, 0, n);
  return p;
}

export function raw_free(m: Mem, p: number): void {
  const b = p - RAW_HEADER;
  raw_release(m, b, block_size(m, b));
}

export function raw_usable_size(m: Mem, p: number): number {
  return block_size(m, p - RAW_HEADER) - RAW_OVERHEAD;
}

export function raw_realloc(m: Mem, p: number, n: number): number {
  if (p === 0) return raw_malloc(m, n);
  if (n === 0) n = 1;
  if (n > RAW_MAX_REQUEST) return 0;
  const b = p - RAW_HEADER;
  const size = block_size(m, b);
  const need = raw_block_size_for(n);
  if (need <= size) {
    if (size - need >= RAW_MIN_BLOCK) {
      set_used(m, b, need);
      raw_release(m, b + need, size - need);
    }
    return p;
  }
  const r = free_right_at(m, b + size);
  if (r !== 0) {
    const rs = block_size(m, r);
    if (size + rs >= need) {
      raw_remove(m, r, rs);
      m.i32[(r >> 2) + RAWB_CHECK_W] = r ^ RAW_MAGIC_DEAD;
      let total = size + rs;
      if (total - need >= RAW_MIN_BLOCK) {
        raw_insert(m, b + need, total - need);
        total = need;
      }
      set_used(m, b, total);
      return p;
    }
  }
  const q = raw_malloc(m, n);
  if (q === 0) return 0;
  const old = size - RAW_OVERHEAD;
  m.copy(q, p, old < n ? old : n);
  raw_free(m, p);
  return q;
}

// ---- arenas ----

function arena_fit(b: number, size: number): number {
  const e = b + size;
  let a = ((b + ARENA_SIZE_MASK) & ~ARENA_SIZE_MASK) >>> 0;
  if (a !== b && a - b < RAW_MIN_BLOCK) a += ARENA_SIZE;
  while (a + ARENA_SIZE <= e) {
    const tail = e - (a + ARENA_SIZE);
    if (tail === 0 || tail >= RAW_MIN_BLOCK) return a;
    a += ARENA_SIZE;
  }
  return 0;
}

function carve_arena(m: Mem, b: number, a: number): void {
  const size = block_size(m, b);
  raw_remove(m, b, size);
  if (a > b) raw_insert(m, b, a - b);
  const e = b + size;
  if (a + ARENA_SIZE < e) raw_insert(m, a + ARENA_SIZE, e - a - ARENA_SIZE);
  chunk_set(m, a, true);
}

export function raw_arena_alloc(m: Mem): number {
  let idx = first_list_from(m, mapping_insert(ARENA_SIZE));
  while (idx >= 0) {
    let b = m.i32[HEADS_W + idx];
    while (b !== 0) {
      const a = arena_fit(b, block_size(m, b));
      if (a !== 0) {
        carve_arena(m, b, a);
        return a;
      }
      b = m.i32[(b >> 2) + RAWB_NEXT_FREE_W];
    }
    idx = first_list_from(m, idx + 1);
  }
  const top = heap_top(m);
  const last = free_left_of(m, top);
  const start = last !== 0 ? last : top;
  let a = ((start + ARENA_SIZE_MASK) & ~ARENA_SIZE_MASK) >>> 0;
  if (a !== start && a - start < RAW_MIN_BLOCK) a += ARENA_SIZE;
  const new_top = arena_source_grow(m, a + ARENA_SIZE);
  if (new_top === 0) return 0;
  if (last !== 0) raw_remove(m, last, top - last);
  raw_insert(m, start, new_top - start);
  a = arena_fit(start, new_top - start);
  carve_arena(m, start, a);
  return a;
}

export function raw_arena_free(m: Mem, a: number): void {
  chunk_set(m, a, false);
  raw_release(m, a, ARENA_SIZE);
}

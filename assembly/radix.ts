// === The arena map: CPython 3.10+'s radix tree, 32-bit flavour ===
//
// Layer 2. Ports arena_map_get / arena_map_mark_used / arena_map_is_used and
// address_in_range (WITH_PYMALLOC_RADIX_TREE) from CPython 3.11 obmalloc.c.
// With 32-bit pointers and 2^18-byte arenas there are no interior nodes: the
// root IS the one bottom node, MAP_BOT_LENGTH (16384) leaves of
// {tail_hi, tail_lo}, keyed by address >> ARENA_BITS, a static 128 KiB at
// ARENA_MAP_BASE ("# bytes lost to arena map root = 131,072").
//
// Coverage is tracked per "ideal" (ARENA_SIZE-aligned) chunk. An arena at base
// B with tail = B & ARENA_SIZE_MASK covers [B, next ideal) through
// node(B).tail_hi = tail (or -1 when tail == 0: the whole chunk) and
// [next ideal, B + ARENA_SIZE) through node(B + ARENA_SIZE).tail_lo = tail.
// p is inside an arena iff (tail(p) < lo) || (tail(p) >= hi && hi != 0).
// Layer 1 hands out aligned arenas only, so here tail is always 0 and tail_lo
// stays 0; the general code is kept because it is the algorithm being ported.
//
// Never touches: anything but the arena map.

import { ARENA_MAP_BASE, ARENA_SIZE, ARENA_SIZE_MASK, MAP_BOT_SHIFT, MAP_BOT_MASK } from "./constants";
import { COVERAGE_TAIL_HI, COVERAGE_TAIL_LO } from "./layout";

// @ts-ignore: decorator
@inline function map_leaf(p: u32): u32 {
  return ARENA_MAP_BASE + (((p >> MAP_BOT_SHIFT) & MAP_BOT_MASK) << 3);
}

/** Mark (is_used) or unmark the addresses covered by the arena at arena_base.
 *  Always succeeds here (the root is static); returns 1 like CPython. */
export function arena_map_mark_used(arena_base: u32, is_used: bool): i32 {
  const n_hi = map_leaf(arena_base);
  const tail = <i32>(arena_base & ARENA_SIZE_MASK);
  if (tail == 0) {
    store<i32>(n_hi, is_used ? -1 : 0, COVERAGE_TAIL_HI);
  } else {
    store<i32>(n_hi, is_used ? tail : 0, COVERAGE_TAIL_HI);
    const n_lo = map_leaf(arena_base + ARENA_SIZE);
    store<i32>(n_lo, is_used ? tail : 0, COVERAGE_TAIL_LO);
  }
  return 1;
}

/** True iff p lies inside an arena pymalloc currently owns. */
// @ts-ignore: decorator
@inline export function arena_map_is_used(p: u32): bool {
  const n = map_leaf(p);
  const hi = load<i32>(n, COVERAGE_TAIL_HI);
  const lo = load<i32>(n, COVERAGE_TAIL_LO);
  const tail = <i32>(p & ARENA_SIZE_MASK);
  return (tail < lo) || (tail >= hi && hi != 0);
}

/** address_in_range(p, pool) of the radix-tree build: the pool is not consulted. */
// @ts-ignore: decorator
@inline export function address_in_range(p: u32): bool {
  return arena_map_is_used(p);
}

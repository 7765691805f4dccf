// === The arena map (twin of assembly/radix.ts) ===
//
// Layer 2. CPython 3.11's radix tree with 32-bit pointers: one flat bottom node
// of MAP_BOT_LENGTH {tail_hi, tail_lo} leaves at ARENA_MAP_BASE, keyed by
// address >> ARENA_BITS. See assembly/radix.ts for the coverage rules.
//
// Never touches: anything but the arena map.

import { ARENA_MAP_BASE, ARENA_SIZE, ARENA_SIZE_MASK, MAP_BOT_SHIFT, MAP_BOT_MASK } from "./constants";
import { COVERAGE_TAIL_HI, COVERAGE_TAIL_LO } from "./layout";
import type { Mem } from "./memory";

const MAP_W = ARENA_MAP_BASE >> 2;
const HI_W = COVERAGE_TAIL_HI >> 2;
const LO_W = COVERAGE_TAIL_LO >> 2;

function map_leaf_w(p: number): number {
  return MAP_W + (((p >>> MAP_BOT_SHIFT) & MAP_BOT_MASK) << 1);
}

export function arena_map_mark_used(m: Mem, arena_base: number, is_used: boolean): number {
  const n_hi = map_leaf_w(arena_base);
  const tail = arena_base & ARENA_SIZE_MASK;
  if (tail === 0) {
    m.i32[n_hi + HI_W] = is_used ? -1 : 0;
  } else {
    m.i32[n_hi + HI_W] = is_used ? tail : 0;
    m.i32[map_leaf_w(arena_base + ARENA_SIZE) + LO_W] = is_used ? tail : 0;
  }
  return 1;
}

export function arena_map_is_used(m: Mem, p: number): boolean {
  const n = map_leaf_w(p);
  const hi = m.i32[n + HI_W];
  const lo = m.i32[n + LO_W];
  const tail = p & ARENA_SIZE_MASK;
  return tail < lo || (tail >= hi && hi !== 0);
}

export function address_in_range(m: Mem, p: number): boolean {
  return arena_map_is_used(m, p);
}

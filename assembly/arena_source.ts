// === Layer 0: the arena source, the ONLY code that calls memory.grow ===
//
// Layer 0 ("the OS"). CPython gets its arenas from mmap/VirtualAlloc
// (_PyObject_Arena.alloc) and its large blocks from malloc; here both come out
// of one linear memory that only grows. This file owns heap_top (the end of
// the heap region, always equal to the memory size) and max_memory.
//
// Invariants kept:
//   - heap_top == memory.size() << 16, a multiple of WASM_PAGE_SIZE, <= max_memory
//   - max_memory <= MAX_MEMORY_LIMIT (2 GiB), so every address is a positive i32
//   - growth is geometric: to max(needed, top + top/8), rounded up to a page,
//     capped at max_memory. memory.grow is slow in V8 when done in small steps
//     (a full GC per grow past ~28 MiB, ../shared/reference/wasm-allocators.md 2.4),
//     so we never grow by one arena at a time.
//   - after every growth the host is told through the imported env.grew(), before
//     the allocating call returns (the JS side refreshes its views and runs the
//     onGrow listeners; they must not re-enter the allocator).
//
// Never touches: anything but the SRC_* words of the state. It does not know
// what the new memory will be used for (layer 1, raw.ts, takes it over).
// The TypeScript twin (src/alloc/twin/arena_source.ts) grows an ArrayBuffer with
// the same policy, so both twins see the same heap_top sequence.

import { STATE_BASE, HEAP_BASE, WASM_PAGE_SIZE, GROW_SHIFT, MAX_MEMORY_LIMIT } from "./constants";
import { SRC_HEAP_TOP, SRC_MAX_MEMORY, SRC_NGROWS } from "./layout";

// @ts-ignore: decorator
@external("env", "grew")
declare function grew(): void;

/** Clamp a requested cap the way both twins do: page-rounded down, HEAP_BASE..2 GiB. */
export function clamp_max_memory(max_memory: u32): u32 {
  if (max_memory > MAX_MEMORY_LIMIT) max_memory = MAX_MEMORY_LIMIT;
  max_memory &= ~(WASM_PAGE_SIZE - 1);
  if (max_memory < HEAP_BASE) max_memory = HEAP_BASE;
  return max_memory;
}

/** Set up layer 0: the memory must cover the static area below HEAP_BASE. */
export function arena_source_init(max_memory: u32): void {
  let have = <u32>memory.size() << 16;
  if (have < HEAP_BASE) {
    if (memory.grow(<i32>((HEAP_BASE - have) >> 16)) < 0) unreachable();
    have = HEAP_BASE;
  }
  store<u32>(STATE_BASE + SRC_MAX_MEMORY, clamp_max_memory(max_memory));
  store<u32>(STATE_BASE + SRC_HEAP_TOP, have);
}

/**
 * Make the heap reach at least `min_top` bytes. Returns the new heap_top
 * (>= min_top), or 0 when that would pass max_memory or the host refuses.
 */
export function arena_source_grow(min_top: u32): u32 {
  const top = load<u32>(STATE_BASE + SRC_HEAP_TOP);
  if (min_top <= top) return top;
  const max = load<u32>(STATE_BASE + SRC_MAX_MEMORY);
  if (min_top > max) return 0;
  const need = (min_top + WASM_PAGE_SIZE - 1) & ~(WASM_PAGE_SIZE - 1);
  let target = top + (top >> GROW_SHIFT);
  if (target < need) target = need;
  target = (target + WASM_PAGE_SIZE - 1) & ~(WASM_PAGE_SIZE - 1);
  if (target > max) target = max;
  if (memory.grow(<i32>((target - top) >> 16)) < 0) {
    // the host could not give the geometric step: try exactly what is needed
    target = need;
    if (memory.grow(<i32>((target - top) >> 16)) < 0) return 0;
  }
  store<u32>(STATE_BASE + SRC_HEAP_TOP, target);
  store<u32>(STATE_BASE + SRC_NGROWS, load<u32>(STATE_BASE + SRC_NGROWS) + 1);
  grew();
  return target;
}

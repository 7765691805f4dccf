// === Layouts: pool_header, arena_object, the raw block tags and the state struct ===
//
// Layer: all (0-2). Written once: every field offset any other file (or the
// TypeScript twin, or the JS walker in src/alloc/introspect.ts) uses comes from
// here. The classes are `@unmanaged` views in CPython's field order; the
// exported offset constants are taken with offsetof<> so the diagrams, the
// classes and the numbers cannot drift. src/alloc/twin/layout.ts repeats the
// numbers and test/alloc/constants.test.ts checks them against these exports.
//
// Never touches memory itself.

import {
  OBMALLOC_USED_POOLS_SIZE, MAX_POOLS_IN_ARENA, RAW_FL_COUNT, RAW_SL_COUNT, ARENA_CHUNKS,
  ALIGNMENT,
} from "./constants";

// ╒══════════════ struct pool_header (32-bit), at the start of every pool ════════════╕
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// ├─────────────────────────────────────────────────────────────────┤
// │ ref.count: number of allocated blocks                            │ +0
// ├─────────────────────────────────────────────────────────────────┤
// │ freeblock: head of the pool's LIFO free list (0 = none)          │ +4
// ├─────────────────────────────────────────────────────────────────┤
// │ nextpool: next pool in the usedpools ring / freepools stack      │ +8
// ├─────────────────────────────────────────────────────────────────┤
// │ prevpool: previous pool in the usedpools ring                    │ +12
// ├─────────────────────────────────────────────────────────────────┤
// │ arenaindex: index into the arenas vector                         │ +16
// ├─────────────────────────────────────────────────────────────────┤
// │ szidx: size class (DUMMY_SIZE_IDX while freshly carved)          │ +20
// ├─────────────────────────────────────────────────────────────────┤
// │ nextoffset: byte offset of the next virgin block                 │ +24
// ├─────────────────────────────────────────────────────────────────┤
// │ maxnextoffset: POOL_SIZE - block size, largest valid nextoffset  │ +28
// ╞═════════════ blocks start at pool + POOL_OVERHEAD (32) ═════════╡
// A free block's first word links to the next free block of its pool.

// @ts-ignore: decorator
@unmanaged
export class pool_header {
  count: u32;
  freeblock: u32;
  nextpool: u32;
  prevpool: u32;
  arenaindex: u32;
  szidx: u32;
  nextoffset: u32;
  maxnextoffset: u32;
}

export const POOL_COUNT: u32 = offsetof<pool_header>("count"); // 0
export const POOL_FREEBLOCK: u32 = offsetof<pool_header>("freeblock"); // 4
export const POOL_NEXTPOOL: u32 = offsetof<pool_header>("nextpool"); // 8
export const POOL_PREVPOOL: u32 = offsetof<pool_header>("prevpool"); // 12
export const POOL_ARENAINDEX: u32 = offsetof<pool_header>("arenaindex"); // 16
export const POOL_SZIDX: u32 = offsetof<pool_header>("szidx"); // 20
export const POOL_NEXTOFFSET: u32 = offsetof<pool_header>("nextoffset"); // 24
export const POOL_MAXNEXTOFFSET: u32 = offsetof<pool_header>("maxnextoffset"); // 28
export const SIZEOF_POOL_HEADER: u32 = offsetof<pool_header>(); // 32
/** _Py_SIZE_ROUND_UP(sizeof(struct pool_header), ALIGNMENT) */
export const POOL_OVERHEAD: u32 = (SIZEOF_POOL_HEADER + ALIGNMENT - 1) & ~(ALIGNMENT - 1); // 32

// ╒══════════════ struct arena_object (32-bit), element of the arenas vector ═══════╕
// │ address: arena base as returned by layer 1; 0 = not associated    │ +0
// │ pool_address: next pool to carve (pool-aligned)                   │ +4
// │ nfreepools: cached empty pools + never-carved pools               │ +8
// │ ntotalpools: pools that fit after alignment (64 here: aligned)    │ +12
// │ freepools: singly linked stack of empty pools (via nextpool)      │ +16
// │ nextarena: index (NO_ARENA = none); unused_arena_objects or       │ +20
// │            usable_arenas link                                     │
// │ prevarena: index; usable_arenas back link                         │ +24
// ╘═══════════════════════════════════════════════════════════════════╛
// CPython links arena_objects with pointers; we store indices into the vector
// (it is reallocated as it doubles), NO_ARENA for NULL.

// @ts-ignore: decorator
@unmanaged
export class arena_object {
  address: u32;
  pool_address: u32;
  nfreepools: u32;
  ntotalpools: u32;
  freepools: u32;
  nextarena: u32;
  prevarena: u32;
}

export const AO_ADDRESS: u32 = offsetof<arena_object>("address"); // 0
export const AO_POOL_ADDRESS: u32 = offsetof<arena_object>("pool_address"); // 4
export const AO_NFREEPOOLS: u32 = offsetof<arena_object>("nfreepools"); // 8
export const AO_NTOTALPOOLS: u32 = offsetof<arena_object>("ntotalpools"); // 12
export const AO_FREEPOOLS: u32 = offsetof<arena_object>("freepools"); // 16
export const AO_NEXTARENA: u32 = offsetof<arena_object>("nextarena"); // 20
export const AO_PREVARENA: u32 = offsetof<arena_object>("prevarena"); // 24
export const SIZEOF_ARENA_OBJECT: u32 = offsetof<arena_object>(); // 28

// ╒══════════════ arena_coverage_t: one radix leaf per ARENA_SIZE chunk ═════════════╕
// │ tail_hi (i32)                                                     │ +0
// │ tail_lo (i32)                                                     │ +4
// ╘═══════════════════════════════════════════════════════════════════╛

// @ts-ignore: decorator
@unmanaged
export class arena_coverage_t {
  tail_hi: i32;
  tail_lo: i32;
}

export const COVERAGE_TAIL_HI: u32 = offsetof<arena_coverage_t>("tail_hi"); // 0
export const COVERAGE_TAIL_LO: u32 = offsetof<arena_coverage_t>("tail_lo"); // 4
export const SIZEOF_ARENA_COVERAGE: u32 = offsetof<arena_coverage_t>(); // 8

// ╒══════════════ raw (layer 1) tagged block, 8-aligned, size a multiple of 8 ═══════╕
// │ head: size | RAW_FREE                                             │ b+0
// │ check: b ^ RAW_MAGIC_USED / _FREE / _DEAD                         │ b+4
// ╞>payload (used) ══════════════════════════════════════════════════╡ b+8
// │ next_free: next block in the same segregated list (free only)     │ b+8
// │ prev_free: previous block in that list (free only)                │ b+12
// │ ...                                                               │
// │ foot: copy of head                                                │ b+size-4
// ╘═══════════════════════════════════════════════════════════════════╛
// Arenas carved by layer 1 carry no tag at all: they are known by the
// RAW_ARENA_CHUNKS bitmap (arenas are ARENA_SIZE-aligned, one chunk each).

// @ts-ignore: decorator
@unmanaged
export class raw_block {
  head: u32;
  check: u32;
  next_free: u32;
  prev_free: u32;
}

export const RAWB_HEAD: u32 = offsetof<raw_block>("head"); // 0
export const RAWB_CHECK: u32 = offsetof<raw_block>("check"); // 4
export const RAWB_NEXT_FREE: u32 = offsetof<raw_block>("next_free"); // 8
export const RAWB_PREV_FREE: u32 = offsetof<raw_block>("prev_free"); // 12

// ╒══════════════ the allocator state, at STATE_BASE (like 3.12's _obmalloc_state) ═╕
// │ pools.used[OBMALLOC_USED_POOLS_SIZE]  usedpools pointer pairs     │ +0    (512 B)
// │ mgmt.arenas                    address of the arena_object vector │ +512
// │ mgmt.maxarenas                                                    │ +516
// │ mgmt.unused_arena_objects      index or NO_ARENA                  │ +520
// │ mgmt.usable_arenas             index or NO_ARENA                  │ +524
// │ mgmt.nfp2lasta[MAX_POOLS_IN_ARENA + 1]  indices or NO_ARENA       │ +528  (260 B)
// │ mgmt.narenas_currently_allocated                                  │ +788
// │ mgmt.ntimes_arena_allocated                                       │ +792
// │ mgmt.narenas_highwater                                            │ +796
// │ mgmt.raw_allocated_blocks                                         │ +800
// │ debug flag (PYTHONMALLOC=debug hooks on)                          │ +804
// │ source.heap_top    end of the heap = linear memory size           │ +808
// │ source.max_memory  cap for heap_top                               │ +812
// │ source.ngrows      successful memory.grow calls                   │ +816
// │ raw.fl_bitmap                                                     │ +820
// │ raw.sl_bitmap[RAW_FL_COUNT]                                       │ +824  (100 B)
// │ raw.heads[RAW_FL_COUNT * RAW_SL_COUNT]  free-list heads           │ +924  (1600 B)
// │ raw.arena_chunks[ARENA_CHUNKS / 32]     bitmap of arena chunks    │ +2524 (1024 B)
// │ debug fault record: kind, func, p, base, nbytes, blocksize,       │ +3548 (40 B)
// │                     offset, value, count, detail                  │
// ╘═══════════════════════════════════════════════════════════════════╛
// usage (the radix root) lives at ARENA_MAP_BASE (constants.ts).

export const OBM_USEDPOOLS: u32 = 0;
export const OBM_ARENAS: u32 = OBM_USEDPOOLS + OBMALLOC_USED_POOLS_SIZE * 4; // 512
export const OBM_MAXARENAS: u32 = OBM_ARENAS + 4; // 516
export const OBM_UNUSED_ARENA_OBJECTS: u32 = OBM_MAXARENAS + 4; // 520
export const OBM_USABLE_ARENAS: u32 = OBM_UNUSED_ARENA_OBJECTS + 4; // 524
export const OBM_NFP2LASTA: u32 = OBM_USABLE_ARENAS + 4; // 528
export const OBM_NARENAS_CURRENTLY_ALLOCATED: u32 = OBM_NFP2LASTA + (MAX_POOLS_IN_ARENA + 1) * 4; // 788
export const OBM_NTIMES_ARENA_ALLOCATED: u32 = OBM_NARENAS_CURRENTLY_ALLOCATED + 4; // 792
export const OBM_NARENAS_HIGHWATER: u32 = OBM_NTIMES_ARENA_ALLOCATED + 4; // 796
export const OBM_RAW_ALLOCATED_BLOCKS: u32 = OBM_NARENAS_HIGHWATER + 4; // 800
export const OBM_DEBUG: u32 = OBM_RAW_ALLOCATED_BLOCKS + 4; // 804
export const SRC_HEAP_TOP: u32 = OBM_DEBUG + 4; // 808
export const SRC_MAX_MEMORY: u32 = SRC_HEAP_TOP + 4; // 812
export const SRC_NGROWS: u32 = SRC_MAX_MEMORY + 4; // 816
export const RAW_FL_BITMAP: u32 = SRC_NGROWS + 4; // 820
export const RAW_SL_BITMAP: u32 = RAW_FL_BITMAP + 4; // 824
export const RAW_HEADS: u32 = RAW_SL_BITMAP + RAW_FL_COUNT * 4; // 924
export const RAW_ARENA_CHUNK_BITS: u32 = RAW_HEADS + RAW_FL_COUNT * RAW_SL_COUNT * 4; // 2524
export const DBG_RECORD: u32 = RAW_ARENA_CHUNK_BITS + ARENA_CHUNKS / 8; // 3548
export const DBG_KIND: u32 = DBG_RECORD; // fault kind (debug.ts FAULT_*), 0 = none
export const DBG_FUNC: u32 = DBG_RECORD + 4; // FUNC_* of the failing call
export const DBG_P: u32 = DBG_RECORD + 8; // the pointer the caller passed / would have got
export const DBG_BASE: u32 = DBG_RECORD + 12; // p - 2*SST
export const DBG_NBYTES: u32 = DBG_RECORD + 16; // size field as read (bytes originally requested)
export const DBG_BLOCKSIZE: u32 = DBG_RECORD + 20; // bytes of the underlying block
export const DBG_OFFSET: u32 = DBG_RECORD + 24; // offset from base of the first bad byte
export const DBG_VALUE: u32 = DBG_RECORD + 28; // that byte
export const DBG_COUNT: u32 = DBG_RECORD + 32; // number of bad bytes
export const DBG_DETAIL: u32 = DBG_RECORD + 36; // INVALID_* reason for FAULT_INVALID_POINTER
export const STATE_SIZE: u32 = DBG_RECORD + 40; // 3588

// The whole struct must fit below ARENA_MAP_BASE (checked by test/alloc/constants.test.ts);
// usedpools' H(0) = STATE_BASE - 8 is never written (only its nextpool/prevpool, which
// alias used[0..1]).

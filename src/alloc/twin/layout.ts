// === Layouts (TypeScript twin of assembly/layout.ts) ===
//
// Layer: all (0-2). The byte offsets of pool_header, arena_object,
// arena_coverage_t, the raw block tags and the state struct; the diagrams are
// in assembly/layout.ts, where the numbers come from offsetof<>. The wasm module
// exports the same names and test/alloc/constants.test.ts asserts equality.
// The *_W constants are the same offsets in 32-bit words, for Int32Array
// indexing (addr >> 2) + X_W.
//
// Never touches memory.

import { OBMALLOC_USED_POOLS_SIZE, MAX_POOLS_IN_ARENA, RAW_FL_COUNT, RAW_SL_COUNT, ARENA_CHUNKS, ALIGNMENT } from "./constants";

// struct pool_header
export const POOL_COUNT = 0;
export const POOL_FREEBLOCK = 4;
export const POOL_NEXTPOOL = 8;
export const POOL_PREVPOOL = 12;
export const POOL_ARENAINDEX = 16;
export const POOL_SZIDX = 20;
export const POOL_NEXTOFFSET = 24;
export const POOL_MAXNEXTOFFSET = 28;
export const SIZEOF_POOL_HEADER = 32;
export const POOL_OVERHEAD = (SIZEOF_POOL_HEADER + ALIGNMENT - 1) & ~(ALIGNMENT - 1); // 32

// struct arena_object
export const AO_ADDRESS = 0;
export const AO_POOL_ADDRESS = 4;
export const AO_NFREEPOOLS = 8;
export const AO_NTOTALPOOLS = 12;
export const AO_FREEPOOLS = 16;
export const AO_NEXTARENA = 20;
export const AO_PREVARENA = 24;
export const SIZEOF_ARENA_OBJECT = 28;

// arena_coverage_t
export const COVERAGE_TAIL_HI = 0;
export const COVERAGE_TAIL_LO = 4;
export const SIZEOF_ARENA_COVERAGE = 8;

// raw (layer 1) block tags
export const RAWB_HEAD = 0;
export const RAWB_CHECK = 4;
export const RAWB_NEXT_FREE = 8;
export const RAWB_PREV_FREE = 12;

// the state struct, relative to STATE_BASE
export const OBM_USEDPOOLS = 0;
export const OBM_ARENAS = OBM_USEDPOOLS + OBMALLOC_USED_POOLS_SIZE * 4; // 512
export const OBM_MAXARENAS = OBM_ARENAS + 4;
export const OBM_UNUSED_ARENA_OBJECTS = OBM_MAXARENAS + 4;
export const OBM_USABLE_ARENAS = OBM_UNUSED_ARENA_OBJECTS + 4;
export const OBM_NFP2LASTA = OBM_USABLE_ARENAS + 4; // 528
export const OBM_NARENAS_CURRENTLY_ALLOCATED = OBM_NFP2LASTA + (MAX_POOLS_IN_ARENA + 1) * 4; // 788
export const OBM_NTIMES_ARENA_ALLOCATED = OBM_NARENAS_CURRENTLY_ALLOCATED + 4;
export const OBM_NARENAS_HIGHWATER = OBM_NTIMES_ARENA_ALLOCATED + 4;
export const OBM_RAW_ALLOCATED_BLOCKS = OBM_NARENAS_HIGHWATER + 4; // 800
export const OBM_DEBUG = OBM_RAW_ALLOCATED_BLOCKS + 4; // 804
export const SRC_HEAP_TOP = OBM_DEBUG + 4; // 808
export const SRC_MAX_MEMORY = SRC_HEAP_TOP + 4;
export const SRC_NGROWS = SRC_MAX_MEMORY + 4;
export const RAW_FL_BITMAP = SRC_NGROWS + 4; // 820
export const RAW_SL_BITMAP = RAW_FL_BITMAP + 4;
export const RAW_HEADS = RAW_SL_BITMAP + RAW_FL_COUNT * 4; // 924
export const RAW_ARENA_CHUNK_BITS = RAW_HEADS + RAW_FL_COUNT * RAW_SL_COUNT * 4; // 2524
export const DBG_RECORD = RAW_ARENA_CHUNK_BITS + ARENA_CHUNKS / 8; // 3548
export const DBG_KIND = DBG_RECORD;
export const DBG_FUNC = DBG_RECORD + 4;
export const DBG_P = DBG_RECORD + 8;
export const DBG_BASE = DBG_RECORD + 12;
export const DBG_NBYTES = DBG_RECORD + 16;
export const DBG_BLOCKSIZE = DBG_RECORD + 20;
export const DBG_OFFSET = DBG_RECORD + 24;
export const DBG_VALUE = DBG_RECORD + 28;
export const DBG_COUNT = DBG_RECORD + 32;
export const DBG_DETAIL = DBG_RECORD + 36;
export const STATE_SIZE = DBG_RECORD + 40; // 3588

// word offsets (for Int32Array access)
export const POOL_COUNT_W = POOL_COUNT >> 2;
export const POOL_FREEBLOCK_W = POOL_FREEBLOCK >> 2;
export const POOL_NEXTPOOL_W = POOL_NEXTPOOL >> 2;
export const POOL_PREVPOOL_W = POOL_PREVPOOL >> 2;
export const POOL_ARENAINDEX_W = POOL_ARENAINDEX >> 2;
export const POOL_SZIDX_W = POOL_SZIDX >> 2;
export const POOL_NEXTOFFSET_W = POOL_NEXTOFFSET >> 2;
export const POOL_MAXNEXTOFFSET_W = POOL_MAXNEXTOFFSET >> 2;
export const AO_ADDRESS_W = AO_ADDRESS >> 2;
export const AO_POOL_ADDRESS_W = AO_POOL_ADDRESS >> 2;
export const AO_NFREEPOOLS_W = AO_NFREEPOOLS >> 2;
export const AO_NTOTALPOOLS_W = AO_NTOTALPOOLS >> 2;
export const AO_FREEPOOLS_W = AO_FREEPOOLS >> 2;
export const AO_NEXTARENA_W = AO_NEXTARENA >> 2;
export const AO_PREVARENA_W = AO_PREVARENA >> 2;
export const RAWB_HEAD_W = RAWB_HEAD >> 2;
export const RAWB_CHECK_W = RAWB_CHECK >> 2;
export const RAWB_NEXT_FREE_W = RAWB_NEXT_FREE >> 2;
export const RAWB_PREV_FREE_W = RAWB_PREV_FREE >> 2;

// === pymalloc constants (TypeScript twin of assembly/constants.ts) ===
//
// Layer: all (0-2). Same names, same values as assembly/constants.ts; the wasm
// module exports its constants as globals and test/alloc/constants.test.ts
// asserts that every one of them equals the value here. Edit both or neither.
// See assembly/constants.ts for the meaning of each constant and the memory map.
//
// Never touches memory.

// ---- pymalloc (layer 2) ----
export const ALIGNMENT = 8;
export const ALIGNMENT_SHIFT = 3;
export const SMALL_REQUEST_THRESHOLD = 512;
export const NB_SMALL_SIZE_CLASSES = SMALL_REQUEST_THRESHOLD / ALIGNMENT; // 64
export const SYSTEM_PAGE_SIZE = 4096;
export const ARENA_BITS = 18;
export const ARENA_SIZE = 1 << ARENA_BITS; // 256 KiB
export const ARENA_SIZE_MASK = ARENA_SIZE - 1;
export const POOL_BITS = 12;
export const POOL_SIZE = 1 << POOL_BITS; // 4 KiB
export const POOL_SIZE_MASK = POOL_SIZE - 1;
export const MAX_POOLS_IN_ARENA = ARENA_SIZE / POOL_SIZE; // 64
export const DUMMY_SIZE_IDX = 0xffff;
export const INITIAL_ARENA_OBJECTS = 16;
export const OBMALLOC_USED_POOLS_SIZE = 2 * Math.floor((NB_SMALL_SIZE_CLASSES + 7) / 8) * 8; // 128
export const POINTER_BITS = 32;
export const MAP_BOT_BITS = POINTER_BITS - ARENA_BITS; // 14
export const MAP_BOT_LENGTH = 1 << MAP_BOT_BITS; // 16384
export const MAP_BOT_MASK = MAP_BOT_LENGTH - 1;
export const MAP_BOT_SHIFT = ARENA_BITS;
export const PY_SSIZE_T_MAX = 0x7fffffff;

// ---- debug hooks ----
export const SST = 4;
export const PYMEM_DEBUG_EXTRA_BYTES = 3 * SST; // 12
export const PYMEM_CLEANBYTE = 0xcd;
export const PYMEM_DEADBYTE = 0xdd;
export const PYMEM_FORBIDDENBYTE = 0xfd;
export const PYMEM_API_OBJ = 0x6f; // 'o'

// ---- memory map ----
export const WASM_PAGE_SIZE = 65536;
export const STATE_BASE = 0x1000;
export const STATE_LIMIT = 0x20000;
export const ARENA_MAP_BASE = STATE_LIMIT;
export const ARENA_MAP_SIZE = MAP_BOT_LENGTH * 8; // 131,072
export const HEAP_BASE = ARENA_MAP_BASE + ARENA_MAP_SIZE; // 0x40000
export const MAX_MEMORY_LIMIT = 0x80000000; // 2 GiB
export const DEFAULT_MAX_MEMORY = 0x40000000; // 1 GiB

// ---- layer 0 ----
export const GROW_SHIFT = 3;

// ---- layer 1 ----
export const RAW_GRANULE = 8;
export const RAW_HEADER = 8;
export const RAW_FOOTER = 4;
export const RAW_OVERHEAD = RAW_HEADER + RAW_FOOTER; // 12
export const RAW_MIN_BLOCK = 24;
export const RAW_FREE = 1;
export const RAW_SIZE_MASK = ~(RAW_GRANULE - 1); // as i32: -8 (wasm exports it as an i32 global)
export const RAW_MAGIC_USED = 0x52415755;
export const RAW_MAGIC_FREE = 0x52415746;
export const RAW_MAGIC_DEAD = 0x52415744;
export const RAW_SL_BITS = 4;
export const RAW_SL_COUNT = 1 << RAW_SL_BITS; // 16
export const RAW_SMALL_LIMIT = 1 << (RAW_SL_BITS + 3); // 128
export const RAW_FL_COUNT = 25;
export const RAW_MAX_REQUEST = MAX_MEMORY_LIMIT - HEAP_BASE - RAW_OVERHEAD - RAW_GRANULE;
export const ARENA_CHUNKS = MAX_MEMORY_LIMIT / ARENA_SIZE; // 8192

export const NO_ARENA = 0xffffffff; // stored in an Int32Array it reads back as -1 (NO_ARENA_I32)
export const NO_ARENA_I32 = -1;

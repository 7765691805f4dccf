// === pymalloc constants: CPython 3.11's 32-bit geometry, plus our memory map ===
//
// Layer: all (0-2). Ports the "Main tunable settings" section of CPython 3.11
// Objects/obmalloc.c for SIZEOF_VOID_P == 4 (which wasm32 is): ALIGNMENT 8,
// 64 size classes, 4 KiB pools, 256 KiB arenas, and the flat 16384-entry radix
// root. Only the primitives are literals; everything else is derived, with the
// value in a trailing comment. CPython's `#error` relations are checked by
// test/alloc/constants.test.ts, which also asserts that src/alloc/twin/constants.ts
// (the TypeScript twin) holds exactly these values: every constant here is
// exported from the wasm module as an immutable global (see index.ts).
//
// Never touches memory. Struct layouts live in layout.ts.

// ---- pymalloc (layer 2) --------------------------------------------------

/** Alignment of returned addresses and spacing of size classes (32-bit CPython). */
export const ALIGNMENT: u32 = 8;
export const ALIGNMENT_SHIFT: u32 = 3;
/** Requests of 1..512 bytes are served by pymalloc; 0 and larger go to the raw layer. */
export const SMALL_REQUEST_THRESHOLD: u32 = 512;
export const NB_SMALL_SIZE_CLASSES: u32 = SMALL_REQUEST_THRESHOLD / ALIGNMENT; // 64
/** Assumed, never queried (CPython does the same). */
export const SYSTEM_PAGE_SIZE: u32 = 4096;

export const ARENA_BITS: u32 = 18;
export const ARENA_SIZE: u32 = 1 << ARENA_BITS; // 256 KiB
export const ARENA_SIZE_MASK: u32 = ARENA_SIZE - 1;

export const POOL_BITS: u32 = 12;
export const POOL_SIZE: u32 = 1 << POOL_BITS; // 4 KiB
export const POOL_SIZE_MASK: u32 = POOL_SIZE - 1;

export const MAX_POOLS_IN_ARENA: u32 = ARENA_SIZE / POOL_SIZE; // 64

/** szidx of a freshly carved pool, before its first initialisation. */
export const DUMMY_SIZE_IDX: u32 = 0xffff;
/** The arena_object vector starts with 16 slots and doubles. */
export const INITIAL_ARENA_OBJECTS: u32 = 16;
/** Two pointers (nextpool, prevpool) per size class, rounded to a multiple of 8 classes. */
export const OBMALLOC_USED_POOLS_SIZE: u32 = 2 * ((NB_SMALL_SIZE_CLASSES + 7) / 8) * 8; // 128

/** Radix tree, 32-bit flavour: no interior nodes, one bottom node keyed by address >> ARENA_BITS. */
export const POINTER_BITS: u32 = 32;
export const MAP_BOT_BITS: u32 = POINTER_BITS - ARENA_BITS; // 14
export const MAP_BOT_LENGTH: u32 = 1 << MAP_BOT_BITS; // 16384
export const MAP_BOT_MASK: u32 = MAP_BOT_LENGTH - 1;
export const MAP_BOT_SHIFT: u32 = ARENA_BITS;

/** PY_SSIZE_T_MAX of a 32-bit build: PyObject_Malloc refuses anything larger. */
export const PY_SSIZE_T_MAX: u32 = 0x7fffffff;

// ---- debug hooks (PYTHONMALLOC=debug), S = sizeof(size_t) = 4 -------------

export const SST: u32 = 4;
/** [size S | api id 1 | FORBIDDENBYTE S-1 | data n | FORBIDDENBYTE S] */
export const PYMEM_DEBUG_EXTRA_BYTES: u32 = 3 * SST; // 12
export const PYMEM_CLEANBYTE: u32 = 0xcd;
export const PYMEM_DEADBYTE: u32 = 0xdd;
export const PYMEM_FORBIDDENBYTE: u32 = 0xfd;
/** API id of the object domain ('o'). */
export const PYMEM_API_OBJ: u32 = 0x6f;

// ---- memory map (identical in both twins) --------------------------------
//
//   0x00000000  NULL, AssemblyScript static data (__heap_base must stay below STATE_BASE)
//   0x00001000  STATE_BASE      the allocator state struct (layout.ts: OBM_*, SRC_*, RAW_*, DBG_*)
//   0x00020000  ARENA_MAP_BASE  arena_map_root: MAP_BOT_LENGTH x {i32 tail_hi, i32 tail_lo} = 128 KiB
//   0x00040000  HEAP_BASE       layer 1's heap: arenas and raw blocks, up to heap_top (= memory size)
//   ...         heap_top        <= max_memory <= MAX_MEMORY_LIMIT (2 GiB: every address is a positive i32)

export const WASM_PAGE_SIZE: u32 = 65536;
export const STATE_BASE: u32 = 0x1000;
export const STATE_LIMIT: u32 = 0x20000;
export const ARENA_MAP_BASE: u32 = STATE_LIMIT;
export const ARENA_MAP_SIZE: u32 = MAP_BOT_LENGTH * 8; // 131,072
export const HEAP_BASE: u32 = ARENA_MAP_BASE + ARENA_MAP_SIZE; // 0x40000, ARENA_SIZE-aligned
export const MAX_MEMORY_LIMIT: u32 = 0x80000000; // 2 GiB
export const DEFAULT_MAX_MEMORY: u32 = 0x40000000; // 1 GiB

// ---- layer 0: arena source -----------------------------------------------

/** Growth factor: grow to at least top + top / 2^GROW_SHIFT (x1.125), never less than needed. */
export const GROW_SHIFT: u32 = 3;

// ---- layer 1: raw allocator (boundary tags + two-level segregated fit) ---
//
// Tagged block at b (8-aligned): [head u32 = size | RAW_FREE][check u32 = b ^ magic]
// [payload ... (free: next_free u32, prev_free u32)][foot u32 = head at b + size - 4].

export const RAW_GRANULE: u32 = 8;
export const RAW_HEADER: u32 = 8;
export const RAW_FOOTER: u32 = 4;
export const RAW_OVERHEAD: u32 = RAW_HEADER + RAW_FOOTER; // 12
export const RAW_MIN_BLOCK: u32 = 24; // header + two links + footer, rounded to the granule
export const RAW_FREE: u32 = 1;
export const RAW_SIZE_MASK: u32 = ~(RAW_GRANULE - 1);
/** check word = block address ^ magic, by state of the block */
export const RAW_MAGIC_USED: u32 = 0x52415755; // "RAWU"
export const RAW_MAGIC_FREE: u32 = 0x52415746; // "RAWF"
export const RAW_MAGIC_DEAD: u32 = 0x52415744; // "RAWD": a header absorbed by coalescing
export const RAW_SL_BITS: u32 = 4;
export const RAW_SL_COUNT: u32 = 1 << RAW_SL_BITS; // 16 second-level lists per first level
export const RAW_SMALL_LIMIT: u32 = 1 << (RAW_SL_BITS + 3); // 128: below it, one list per granule
export const RAW_FL_COUNT: u32 = 25; // blocks < 2^31: msb <= 30 -> fl = msb - 6 <= 24
/** Largest request the raw layer accepts (the heap can never hold more). */
export const RAW_MAX_REQUEST: u32 = MAX_MEMORY_LIMIT - HEAP_BASE - RAW_OVERHEAD - RAW_GRANULE;
/** One bit per ARENA_SIZE chunk of the 2 GiB address space: is it a pymalloc arena? */
export const ARENA_CHUNKS: u32 = MAX_MEMORY_LIMIT / ARENA_SIZE; // 8192

/** "no arena" in arena-object links (indices into the arenas vector) */
export const NO_ARENA: u32 = 0xffffffff;

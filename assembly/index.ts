// === The wasm ABI (documented in assembly/README.md) ===
//
// Layer: the module boundary. Exports the object-domain allocator (pymalloc,
// and the PYTHONMALLOC=debug hooks over it as debug_*), init, the
// in-wasm replay loop, and every constant and layout offset (as immutable
// globals) so that the TypeScript twin and the JS walker can be checked against
// this module (test/alloc/constants.test.ts).
//
// Imports: env.grew() (arena_source.ts: called after every memory.grow) and,
// only in builds with assertions, env.abort.

import { STATE_BASE } from "./constants";
import { OBM_DEBUG, STATE_SIZE } from "./layout";
import { arena_source_init } from "./arena_source";
import { init_usedpools } from "./usedpools";
import { init_arenas } from "./arena";

// The object domain's allocator table, as PyMem_SetAllocator leaves it: the JS
// side picks one set once (debug or not), so neither pays a per-call test.
export {
  _PyObject_Malloc as malloc,
  _PyObject_Calloc as calloc,
  _PyObject_Realloc as realloc,
  _PyObject_Free as free,
} from "./obmalloc";
export {
  _PyMem_DebugMalloc as debug_malloc,
  _PyMem_DebugCalloc as debug_calloc,
  _PyMem_DebugRealloc as debug_realloc,
  _PyMem_DebugFree as debug_free,
} from "./debug";
export { replay_run } from "./replay";

export * from "./constants";
export {
  POOL_COUNT, POOL_FREEBLOCK, POOL_NEXTPOOL, POOL_PREVPOOL, POOL_ARENAINDEX, POOL_SZIDX,
  POOL_NEXTOFFSET, POOL_MAXNEXTOFFSET, SIZEOF_POOL_HEADER, POOL_OVERHEAD,
  AO_ADDRESS, AO_POOL_ADDRESS, AO_NFREEPOOLS, AO_NTOTALPOOLS, AO_FREEPOOLS, AO_NEXTARENA,
  AO_PREVARENA, SIZEOF_ARENA_OBJECT, COVERAGE_TAIL_HI, COVERAGE_TAIL_LO, SIZEOF_ARENA_COVERAGE,
  RAWB_HEAD, RAWB_CHECK, RAWB_NEXT_FREE, RAWB_PREV_FREE,
  OBM_USEDPOOLS, OBM_ARENAS, OBM_MAXARENAS, OBM_UNUSED_ARENA_OBJECTS, OBM_USABLE_ARENAS,
  OBM_NFP2LASTA, OBM_NARENAS_CURRENTLY_ALLOCATED, OBM_NTIMES_ARENA_ALLOCATED,
  OBM_NARENAS_HIGHWATER, OBM_RAW_ALLOCATED_BLOCKS, OBM_DEBUG, SRC_HEAP_TOP, SRC_MAX_MEMORY,
  SRC_NGROWS, RAW_FL_BITMAP, RAW_SL_BITMAP, RAW_HEADS, RAW_ARENA_CHUNK_BITS, DBG_RECORD,
  DBG_KIND, DBG_FUNC, DBG_P, DBG_BASE, DBG_NBYTES, DBG_BLOCKSIZE, DBG_OFFSET, DBG_VALUE,
  DBG_COUNT, DBG_DETAIL, STATE_SIZE,
} from "./layout";
export {
  FAULT_BAD_ID, FAULT_BAD_LEADING_PAD, FAULT_BAD_TRAILING_PAD, FAULT_BAD_SIZE,
  FAULT_DOUBLE_FREE, FAULT_INVALID_POINTER, FAULT_WRITE_AFTER_FREE,
  FUNC_MALLOC, FUNC_CALLOC, FUNC_REALLOC, FUNC_FREE,
  INVALID_OUTSIDE_HEAP, INVALID_POOL_NOT_CARVED, INVALID_NOT_BLOCK_START,
  INVALID_NEVER_HANDED_OUT, INVALID_POOL_HEADER, INVALID_RAW_HEADER, INVALID_INTERNAL_BLOCK,
} from "./debug";

/**
 * Set up the allocator, once, in a fresh instance (whose memory is all zero):
 * grow the memory to HEAP_BASE, empty every ring and list, and switch the debug
 * hooks on or off for the lifetime of the instance. max_memory is clamped to
 * [HEAP_BASE, 2 GiB], page-rounded down.
 */
export function init(max_memory: u32, debug: u32): void {
  arena_source_init(max_memory);
  init_usedpools();
  init_arenas();
  store<u32>(STATE_BASE + OBM_DEBUG, debug != 0 ? 1 : 0);
}

/** Where AssemblyScript's own static data ends; must be <= STATE_BASE. */
export function heap_base(): u32 {
  return <u32>__heap_base;
}

/** Clear the debug fault record (the JS wrapper calls it after reporting). */
export function debug_clear(): void {
  memory.fill(STATE_BASE + STATE_SIZE - 40, 0, 40);
}

// === Debug hooks: CPython's PYTHONMALLOC=debug for the object domain, with S = 4 ===
//
// Layer 2 (wrapping pymalloc and layer 1). Ports _PyMem_DebugRawAlloc,
// _PyMem_DebugRawFree, _PyMem_DebugRawRealloc and _PyMem_DebugCheckAddress from
// CPython 3.11 obmalloc.c, with S = sizeof(size_t) = 4 on wasm32. A block is
//
//     [ size: S bytes big-endian | api id 'o' | S-1 x FORBIDDENBYTE | data n | S x FORBIDDENBYTE ]
//       ^ base q                                                    ^ p = q + 2*S
//
// data is filled with CLEANBYTE (0xCD) on malloc (not calloc); on free the
// whole underlying block becomes DEADBYTE (0xDD) (a pymalloc block entirely,
// not just n + 3*S bytes, see below); realloc keeps the data, rewrites the
// guards and fills growth with CLEANBYTE.
//
// Unlike CPython, nothing here trusts a header before checking it, so every
// fault is a clean diagnostic and the allocator stays consistent:
//   - free/realloc of a pointer this allocator never returned: p must be an
//     8-aligned heap address whose base q is either a block boundary in a
//     carved pool below its nextoffset (pool/arena metadata, not the block), or
//     the payload of a tagged layer-1 block whose check word says "used".
//   - double free: a pymalloc block that is on its pool's free list (a bounded
//     walk of that one list) or lies in an empty pool; a layer-1 block whose
//     tags say free (or whose header was swallowed by coalescing).
//   - underrun / overrun / bad id / corrupt size: CPython's checks, in its order,
//     with the size field bounded by the block before the tail is read.
//   - write after free: in debug mode every block on a pool's free list reads
//     DEADBYTE after its 4-byte link word (debug free fills it; pool.ts fills
//     virgin blocks when carving), so a block pymalloc hands out that does not
//     is reported, re-filled and given back to its pool.
// A faulting call changes nothing (write-after-free: the block goes back where
// it was) and returns 0; the fault is described in the state's DBG_* record,
// which the JavaScript wrapper turns into an Error (src/alloc/debug_report.ts,
// the same formatter for both twins) and clears. Only the first fault is kept
// until cleared.
//
// Never touches: pymalloc's lists except through pymalloc_alloc / pymalloc_free,
// layer 1 except through its API.

import {
  STATE_BASE, HEAP_BASE, ARENA_SIZE, SST, PYMEM_DEBUG_EXTRA_BYTES, PYMEM_CLEANBYTE,
  PYMEM_DEADBYTE, PYMEM_FORBIDDENBYTE, PYMEM_API_OBJ, PY_SSIZE_T_MAX, POOL_SIZE,
  NB_SMALL_SIZE_CLASSES, RAW_MAGIC_USED, RAW_MAGIC_FREE, RAW_MAGIC_DEAD, RAW_FREE,
  RAW_SIZE_MASK, RAW_MIN_BLOCK, RAW_HEADER, RAW_OVERHEAD,
} from "./constants";
import {
  pool_header, arena_object, POOL_OVERHEAD, SIZEOF_ARENA_OBJECT, OBM_ARENAS, OBM_MAXARENAS,
  SRC_HEAP_TOP, RAWB_HEAD, RAWB_CHECK, DBG_KIND, DBG_FUNC, DBG_P, DBG_BASE, DBG_NBYTES,
  DBG_BLOCKSIZE, DBG_OFFSET, DBG_VALUE, DBG_COUNT, DBG_DETAIL,
} from "./layout";
import { INDEX2SIZE, POOL_ADDR } from "./pool";
import { address_in_range } from "./radix";
import { pymalloc_alloc, pymalloc_free, object_malloc_raw, free_raw } from "./obmalloc";
import { raw_realloc } from "./raw";

// fault kinds (DBG_KIND)
export const FAULT_BAD_ID: u32 = 1;
export const FAULT_BAD_LEADING_PAD: u32 = 2;
export const FAULT_BAD_TRAILING_PAD: u32 = 3;
export const FAULT_BAD_SIZE: u32 = 4;
export const FAULT_DOUBLE_FREE: u32 = 5;
export const FAULT_INVALID_POINTER: u32 = 6;
export const FAULT_WRITE_AFTER_FREE: u32 = 7;
// the failing entry point (DBG_FUNC)
export const FUNC_MALLOC: u32 = 1;
export const FUNC_CALLOC: u32 = 2;
export const FUNC_REALLOC: u32 = 3;
export const FUNC_FREE: u32 = 4;
// why a pointer is not one of ours (DBG_DETAIL of FAULT_INVALID_POINTER)
export const INVALID_OUTSIDE_HEAP: u32 = 1; // misaligned, or not inside the heap
export const INVALID_POOL_NOT_CARVED: u32 = 2; // inside an arena, in no carved pool
export const INVALID_NOT_BLOCK_START: u32 = 3; // inside a pool, not at a block boundary
export const INVALID_NEVER_HANDED_OUT: u32 = 4; // a virgin block of its pool
export const INVALID_POOL_HEADER: u32 = 5; // the pool header is corrupt
export const INVALID_RAW_HEADER: u32 = 6; // no live layer-1 block there
export const INVALID_INTERNAL_BLOCK: u32 = 7; // the allocator's own arena vector

// ---- the fault record -------------------------------------------------------

function fault(kind: u32, func: u32, p: u32, detail: u32): void {
  if (load<u32>(STATE_BASE + DBG_KIND) != 0) return; // keep the first until cleared
  store<u32>(STATE_BASE + DBG_KIND, kind);
  store<u32>(STATE_BASE + DBG_FUNC, func);
  store<u32>(STATE_BASE + DBG_P, p);
  store<u32>(STATE_BASE + DBG_BASE, p - 2 * SST);
  store<u32>(STATE_BASE + DBG_NBYTES, 0);
  store<u32>(STATE_BASE + DBG_BLOCKSIZE, 0);
  store<u32>(STATE_BASE + DBG_OFFSET, 0);
  store<u32>(STATE_BASE + DBG_VALUE, 0);
  store<u32>(STATE_BASE + DBG_COUNT, 0);
  store<u32>(STATE_BASE + DBG_DETAIL, detail);
}

function fault_bytes(nbytes: u32, blocksize: u32, offset: u32, value: u32, count: u32): void {
  store<u32>(STATE_BASE + DBG_NBYTES, nbytes);
  store<u32>(STATE_BASE + DBG_BLOCKSIZE, blocksize);
  store<u32>(STATE_BASE + DBG_OFFSET, offset);
  store<u32>(STATE_BASE + DBG_VALUE, value);
  store<u32>(STATE_BASE + DBG_COUNT, count);
}

/** Read S bytes at q as a big-endian size_t. */
// @ts-ignore: decorator
@inline function read_size_t(q: u32): u32 {
  return bswap<u32>(load<u32>(q));
}

/** Write n as a big-endian size_t at q. */
// @ts-ignore: decorator
@inline function write_size_t(q: u32, n: u32): void {
  store<u32>(q, bswap<u32>(n));
}

function write_guards(q: u32, nbytes: u32): void {
  write_size_t(q, <u32>nbytes);
  store<u8>(q + SST, <u8>PYMEM_API_OBJ);
  memory.fill(q + SST + 1, <u8>PYMEM_FORBIDDENBYTE, SST - 1);
  memory.fill(q + 2 * SST + nbytes, <u8>PYMEM_FORBIDDENBYTE, SST);
}

// ---- which block is q? -----------------------------------------------------

/** Is bp on pool's free list? A bounded walk that stops at a link leaving the
 *  pool (a corrupted list must not send us reading elsewhere). */
function in_free_list(pool: u32, bp: u32): bool {
  let b = changetype<pool_header>(pool).freeblock;
  let guard = POOL_SIZE / 8;
  while (b != 0 && guard-- != 0 && POOL_ADDR(b) == pool) {
    if (b == bp) return true;
    b = load<u32>(b);
  }
  return false;
}

/**
 * _PyMem_DebugCheckAddress, made safe: returns the base q of the live debug
 * block at p, or 0 after recording a fault. On success the block is either a
 * pymalloc block (address_in_range(q)) or a live layer-1 block.
 */
function check_address(func: u32, p: u32): u32 {
  const top = load<u32>(STATE_BASE + SRC_HEAP_TOP);
  if ((p & 7) != 0 || p < HEAP_BASE + RAW_HEADER + 2 * SST || p >= top) {
    fault(FAULT_INVALID_POINTER, func, p, INVALID_OUTSIDE_HEAP);
    return 0;
  }
  const q = p - 2 * SST;
  let capacity: u32; // bytes of the underlying block from q
  if (address_in_range(q)) {
    const pool = POOL_ADDR(q);
    const ph = changetype<pool_header>(pool);
    // the pool header is only trusted once the arena says the pool is carved
    const ai = ph.arenaindex;
    let carved = false;
    if (ai < load<u32>(STATE_BASE + OBM_MAXARENAS)) {
      const ao = changetype<arena_object>(load<u32>(STATE_BASE + OBM_ARENAS) + <u32>ai * SIZEOF_ARENA_OBJECT);
      carved = ao.address != 0 && q - ao.address < ARENA_SIZE && pool >= ao.address && pool < ao.pool_address;
    }
    if (!carved) {
      fault(FAULT_INVALID_POINTER, func, p, INVALID_POOL_NOT_CARVED);
      return 0;
    }
    if (ph.szidx >= NB_SMALL_SIZE_CLASSES) {
      fault(FAULT_INVALID_POINTER, func, p, INVALID_POOL_HEADER);
      return 0;
    }
    const size = INDEX2SIZE(ph.szidx);
    if (q < pool + POOL_OVERHEAD || (q - pool - POOL_OVERHEAD) % size != 0) {
      fault(FAULT_INVALID_POINTER, func, p, INVALID_NOT_BLOCK_START);
      return 0;
    }
    if (q >= pool + ph.nextoffset) {
      fault(FAULT_INVALID_POINTER, func, p, INVALID_NEVER_HANDED_OUT);
      return 0;
    }
    if (ph.count == 0 || in_free_list(pool, q)) {
      fault(FAULT_DOUBLE_FREE, func, p, 0);
      fault_bytes(0, size, 0, 0, 0);
      return 0;
    }
    capacity = size;
  } else {
    const b = q - RAW_HEADER;
    const head = load<u32>(b, RAWB_HEAD);
    const check = load<u32>(b, RAWB_CHECK);
    const size = head & RAW_SIZE_MASK;
    if (check == (b ^ RAW_MAGIC_DEAD) || (check == (b ^ RAW_MAGIC_FREE) && (head & RAW_FREE) != 0)) {
      fault(FAULT_DOUBLE_FREE, func, p, 0);
      return 0;
    }
    if (check != (b ^ RAW_MAGIC_USED) || (head & RAW_FREE) != 0 || size < RAW_MIN_BLOCK ||
        size > top - b || load<u32>(b + size - 4) != head) {
      fault(FAULT_INVALID_POINTER, func, p, INVALID_RAW_HEADER);
      return 0;
    }
    if (q == load<u32>(STATE_BASE + OBM_ARENAS)) {
      fault(FAULT_INVALID_POINTER, func, p, INVALID_INTERNAL_BLOCK);
      return 0;
    }
    capacity = size - RAW_OVERHEAD;
  }

  // Check the API id.
  const id = <u32>load<u8>(q + SST);
  if (id != PYMEM_API_OBJ) {
    fault(FAULT_BAD_ID, func, p, 0);
    fault_bytes(read_size_t(q), <u32>capacity, SST, id, 1);
    return 0;
  }
  // Check the stuff at the start of p first: if there's underwrite corruption,
  // the number-of-bytes field may be nuts.
  for (let i: u32 = SST - 1; i >= 1; --i) {
    const byte = <u32>load<u8>(p - i);
    if (byte != PYMEM_FORBIDDENBYTE) {
      fault(FAULT_BAD_LEADING_PAD, func, p, 0);
      fault_bytes(read_size_t(q), <u32>capacity, <u32>(2 * SST - i), byte, 1);
      return 0;
    }
  }
  const nbytes = <u32>read_size_t(q);
  if (nbytes > capacity - PYMEM_DEBUG_EXTRA_BYTES) {
    fault(FAULT_BAD_SIZE, func, p, 0);
    fault_bytes(<u32>nbytes, <u32>capacity, 0, 0, 0);
    return 0;
  }
  const tail = p + nbytes;
  for (let i: u32 = 0; i < SST; ++i) {
    const byte = <u32>load<u8>(tail + i);
    if (byte != PYMEM_FORBIDDENBYTE) {
      fault(FAULT_BAD_TRAILING_PAD, func, p, 0);
      fault_bytes(<u32>nbytes, <u32>capacity, <u32>(2 * SST + nbytes + i), byte, 1);
      return 0;
    }
  }
  return q;
}

// ---- underlying allocation with the write-after-free check -----------------

/** Does the pymalloc block q (just handed out) still read DEADBYTE after its link?
 *  If not: record the fault, re-fill it and give it back to its pool. */
function check_dead(func: u32, q: u32): bool {
  const size = <u32>INDEX2SIZE(changetype<pool_header>(POOL_ADDR(q)).szidx);
  let count: u32 = 0;
  let first: u32 = 0;
  for (let i: u32 = 4; i < size; i++) {
    if (load<u8>(q + i) != PYMEM_DEADBYTE) {
      if (count++ == 0) first = i;
    }
  }
  if (count == 0) return true;
  fault(FAULT_WRITE_AFTER_FREE, func, q + 2 * SST, 0);
  fault_bytes(0, <u32>size, <u32>first, <u32>load<u8>(q + first), count);
  memory.fill(q + 4, <u8>PYMEM_DEADBYTE, size - 4);
  pymalloc_free(q);
  return false;
}

/** _PyObject_Malloc(total) for the debug layer: 0 on OOM or write-after-free. */
function underlying_alloc(func: u32, total: u32): u32 {
  const q = pymalloc_alloc(total);
  if (q != 0) return check_dead(func, q) ? q : 0;
  return object_malloc_raw(total);
}

/** Fill a block being released with DEADBYTE and hand it back. */
function release(q: u32, nbytes: u32): void {
  if (address_in_range(q)) {
    memory.fill(q, <u8>PYMEM_DEADBYTE, INDEX2SIZE(changetype<pool_header>(POOL_ADDR(q)).szidx));
    pymalloc_free(q);
  } else {
    memory.fill(q, <u8>PYMEM_DEADBYTE, nbytes + PYMEM_DEBUG_EXTRA_BYTES);
    free_raw(q);
  }
}

// ---- the hooks -------------------------------------------------------------

export function _PyMem_DebugRawAlloc(use_calloc: bool, func: u32, nbytes: u32): u32 {
  if (nbytes > PY_SSIZE_T_MAX - PYMEM_DEBUG_EXTRA_BYTES) return 0;
  const q = underlying_alloc(func, nbytes + PYMEM_DEBUG_EXTRA_BYTES);
  if (q == 0) return 0;
  const data = q + 2 * SST;
  if (nbytes > 0) memory.fill(data, use_calloc ? 0 : <u8>PYMEM_CLEANBYTE, nbytes);
  write_guards(q, nbytes);
  return data;
}

export function _PyMem_DebugMalloc(nbytes: u32): u32 {
  return _PyMem_DebugRawAlloc(false, FUNC_MALLOC, nbytes);
}

export function _PyMem_DebugCalloc(nelem: u32, elsize: u32): u32 {
  if (elsize != 0 && nelem > PY_SSIZE_T_MAX / elsize) return 0;
  return _PyMem_DebugRawAlloc(true, FUNC_CALLOC, nelem * elsize);
}

export function _PyMem_DebugFree(p: u32): void {
  if (p == 0) return;
  const q = check_address(FUNC_FREE, p);
  if (q == 0) return;
  release(q, read_size_t(q));
}

export function _PyMem_DebugRealloc(p: u32, nbytes: u32): u32 {
  if (p == 0) return _PyMem_DebugRawAlloc(false, FUNC_REALLOC, nbytes);
  const q = check_address(FUNC_REALLOC, p);
  if (q == 0) return 0;
  if (nbytes > PY_SSIZE_T_MAX - PYMEM_DEBUG_EXTRA_BYTES) return 0;
  const original = <u32>read_size_t(q);
  const total = nbytes + PYMEM_DEBUG_EXTRA_BYTES;
  let r: u32;
  if (address_in_range(q)) {
    // what pymalloc_realloc would do with the underlying block
    const size = <u32>INDEX2SIZE(changetype<pool_header>(POOL_ADDR(q)).szidx);
    if (total <= size && 4 * total > 3 * size) {
      r = q;
    } else {
      r = underlying_alloc(FUNC_REALLOC, total);
      if (r == 0) return 0;
      memory.copy(r + 2 * SST, q + 2 * SST, original < nbytes ? original : nbytes);
      release(q, original);
    }
  } else {
    // a layer-1 block stays with layer 1
    r = raw_realloc(q, total);
    if (r == 0) return 0;
  }
  write_guards(r, nbytes);
  if (nbytes > original) {
    // growing: mark new extra memory clean
    memory.fill(r + 2 * SST + original, <u8>PYMEM_CLEANBYTE, nbytes - original);
  }
  return r + 2 * SST;
}

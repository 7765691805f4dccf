// === Debug hooks (twin of assembly/debug.ts) ===
//
// Layer 2. CPython's PYTHONMALLOC=debug block layout with S = 4, the safe
// address check (double free, wild pointer, underrun, overrun, bad id, corrupt
// size) and the write-after-free check; the fault goes to the same DBG_* record
// as in wasm, and src/alloc/debug_report.ts formats it for both twins. The
// rules are described in assembly/debug.ts.
//
// Never touches: pymalloc's lists except through pymalloc_alloc / pymalloc_free.

import {
  STATE_BASE, HEAP_BASE, ARENA_SIZE, SST, PYMEM_DEBUG_EXTRA_BYTES, PYMEM_CLEANBYTE,
  PYMEM_DEADBYTE, PYMEM_FORBIDDENBYTE, PYMEM_API_OBJ, PY_SSIZE_T_MAX, POOL_SIZE,
  NB_SMALL_SIZE_CLASSES, RAW_MAGIC_USED, RAW_MAGIC_FREE, RAW_MAGIC_DEAD, RAW_FREE,
  RAW_SIZE_MASK, RAW_MIN_BLOCK, RAW_HEADER, RAW_OVERHEAD,
} from "./constants";
import {
  POOL_OVERHEAD, SIZEOF_ARENA_OBJECT, OBM_ARENAS, OBM_MAXARENAS, SRC_HEAP_TOP,
  DBG_KIND, DBG_FUNC, DBG_P, DBG_BASE, DBG_NBYTES, DBG_BLOCKSIZE, DBG_OFFSET, DBG_VALUE,
  DBG_COUNT, DBG_DETAIL, POOL_COUNT_W, POOL_FREEBLOCK_W, POOL_ARENAINDEX_W, POOL_SZIDX_W,
  POOL_NEXTOFFSET_W, AO_ADDRESS_W, AO_POOL_ADDRESS_W, RAWB_HEAD_W, RAWB_CHECK_W,
} from "./layout";
import { INDEX2SIZE, POOL_ADDR } from "./pool";
import { address_in_range } from "./radix";
import { pymalloc_alloc, pymalloc_free, object_malloc_raw, free_raw } from "./obmalloc";
import { raw_realloc } from "./raw";
import type { Mem } from "./memory";

export const FAULT_BAD_ID = 1;
export const FAULT_BAD_LEADING_PAD = 2;
export const FAULT_BAD_TRAILING_PAD = 3;
export const FAULT_BAD_SIZE = 4;
export const FAULT_DOUBLE_FREE = 5;
export const FAULT_INVALID_POINTER = 6;
export const FAULT_WRITE_AFTER_FREE = 7;
export const FUNC_MALLOC = 1;
export const FUNC_CALLOC = 2;
export const FUNC_REALLOC = 3;
export const FUNC_FREE = 4;
export const INVALID_OUTSIDE_HEAP = 1;
export const INVALID_POOL_NOT_CARVED = 2;
export const INVALID_NOT_BLOCK_START = 3;
export const INVALID_NEVER_HANDED_OUT = 4;
export const INVALID_POOL_HEADER = 5;
export const INVALID_RAW_HEADER = 6;
export const INVALID_INTERNAL_BLOCK = 7;

const W = (off: number): number => (STATE_BASE + off) >> 2;
const KIND_W = W(DBG_KIND), FUNC_W = W(DBG_FUNC), P_W = W(DBG_P), BASE_W = W(DBG_BASE);
const NBYTES_W = W(DBG_NBYTES), BLOCKSIZE_W = W(DBG_BLOCKSIZE), OFFSET_W = W(DBG_OFFSET);
const VALUE_W = W(DBG_VALUE), COUNT_W = W(DBG_COUNT), DETAIL_W = W(DBG_DETAIL);
const HEAP_TOP_W = W(SRC_HEAP_TOP), ARENAS_W = W(OBM_ARENAS), MAXARENAS_W = W(OBM_MAXARENAS);

function fault(m: Mem, kind: number, func: number, p: number, detail: number): void {
  const h = m.i32;
  if (h[KIND_W] !== 0) return;
  h[KIND_W] = kind;
  h[FUNC_W] = func;
  h[P_W] = p;
  h[BASE_W] = p - 2 * SST;
  h[NBYTES_W] = 0;
  h[BLOCKSIZE_W] = 0;
  h[OFFSET_W] = 0;
  h[VALUE_W] = 0;
  h[COUNT_W] = 0;
  h[DETAIL_W] = detail;
}

function fault_bytes(m: Mem, nbytes: number, blocksize: number, offset: number, value: number, count: number): void {
  const h = m.i32;
  h[NBYTES_W] = nbytes;
  h[BLOCKSIZE_W] = blocksize;
  h[OFFSET_W] = offset;
  h[VALUE_W] = value;
  h[COUNT_W] = count;
}

function read_size_t(m: Mem, q: number): number {
  const u = m.u8;
  return ((u[q] << 24) | (u[q + 1] << 16) | (u[q + 2] << 8) | u[q + 3]) >>> 0;
}

function write_size_t(m: Mem, q: number, n: number): void {
  const u = m.u8;
  u[q] = n >>> 24;
  u[q + 1] = n >>> 16;
  u[q + 2] = n >>> 8;
  u[q + 3] = n;
}

function write_guards(m: Mem, q: number, nbytes: number): void {
  write_size_t(m, q, nbytes);
  m.u8[q + SST] = PYMEM_API_OBJ;
  m.fill(q + SST + 1, PYMEM_FORBIDDENBYTE, SST - 1);
  m.fill(q + 2 * SST + nbytes, PYMEM_FORBIDDENBYTE, SST);
}

function in_free_list(m: Mem, pool: number, bp: number): boolean {
  const h = m.i32;
  let b = h[(pool >> 2) + POOL_FREEBLOCK_W];
  let guard = POOL_SIZE / 8;
  while (b !== 0 && guard-- !== 0 && POOL_ADDR(b) === pool) {
    if (b === bp) return true;
    b = h[b >> 2];
  }
  return false;
}

function check_address(m: Mem, func: number, p: number): number {
  const h = m.i32;
  const u = m.u8;
  const top = h[HEAP_TOP_W] >>> 0;
  if ((p & 7) !== 0 || p < HEAP_BASE + RAW_HEADER + 2 * SST || p >= top) {
    fault(m, FAULT_INVALID_POINTER, func, p, INVALID_OUTSIDE_HEAP);
    return 0;
  }
  const q = p - 2 * SST;
  let capacity: number;
  if (address_in_range(m, q)) {
    const pool = POOL_ADDR(q);
    const pi = pool >> 2;
    const ai = h[pi + POOL_ARENAINDEX_W] >>> 0;
    let carved = false;
    if (ai < h[MAXARENAS_W] >>> 0) {
      const w = (h[ARENAS_W] >> 2) + ai * (SIZEOF_ARENA_OBJECT >> 2);
      const address = h[w + AO_ADDRESS_W];
      carved = address !== 0 && q - address < ARENA_SIZE && pool >= address && pool < h[w + AO_POOL_ADDRESS_W];
    }
    if (!carved) {
      fault(m, FAULT_INVALID_POINTER, func, p, INVALID_POOL_NOT_CARVED);
      return 0;
    }
    const szidx = h[pi + POOL_SZIDX_W] >>> 0;
    if (szidx >= NB_SMALL_SIZE_CLASSES) {
      fault(m, FAULT_INVALID_POINTER, func, p, INVALID_POOL_HEADER);
      return 0;
    }
    const size = INDEX2SIZE(szidx);
    if (q < pool + POOL_OVERHEAD || (q - pool - POOL_OVERHEAD) % size !== 0) {
      fault(m, FAULT_INVALID_POINTER, func, p, INVALID_NOT_BLOCK_START);
      return 0;
    }
    if (q >= pool + (h[pi + POOL_NEXTOFFSET_W] >>> 0)) {
      fault(m, FAULT_INVALID_POINTER, func, p, INVALID_NEVER_HANDED_OUT);
      return 0;
    }
    if (h[pi + POOL_COUNT_W] === 0 || in_free_list(m, pool, q)) {
      fault(m, FAULT_DOUBLE_FREE, func, p, 0);
      fault_bytes(m, 0, size, 0, 0, 0);
      return 0;
    }
    capacity = size;
  } else {
    const b = q - RAW_HEADER;
    const head = h[(b >> 2) + RAWB_HEAD_W];
    const check = h[(b >> 2) + RAWB_CHECK_W];
    const size = head & RAW_SIZE_MASK;
    if (check === (b ^ RAW_MAGIC_DEAD) || (check === (b ^ RAW_MAGIC_FREE) && (head & RAW_FREE) !== 0)) {
      fault(m, FAULT_DOUBLE_FREE, func, p, 0);
      return 0;
    }
    if (check !== (b ^ RAW_MAGIC_USED) || (head & RAW_FREE) !== 0 || size < RAW_MIN_BLOCK ||
        size > top - b || h[(b + size - 4) >> 2] !== head) {
      fault(m, FAULT_INVALID_POINTER, func, p, INVALID_RAW_HEADER);
      return 0;
    }
    if (q === h[ARENAS_W]) {
      fault(m, FAULT_INVALID_POINTER, func, p, INVALID_INTERNAL_BLOCK);
      return 0;
    }
    capacity = size - RAW_OVERHEAD;
  }

  const id = u[q + SST];
  if (id !== PYMEM_API_OBJ) {
    fault(m, FAULT_BAD_ID, func, p, 0);
    fault_bytes(m, read_size_t(m, q), capacity, SST, id, 1);
    return 0;
  }
  for (let i = SST - 1; i >= 1; --i) {
    const byte = u[p - i];
    if (byte !== PYMEM_FORBIDDENBYTE) {
      fault(m, FAULT_BAD_LEADING_PAD, func, p, 0);
      fault_bytes(m, read_size_t(m, q), capacity, 2 * SST - i, byte, 1);
      return 0;
    }
  }
  const nbytes = read_size_t(m, q);
  if (nbytes > capacity - PYMEM_DEBUG_EXTRA_BYTES) {
    fault(m, FAULT_BAD_SIZE, func, p, 0);
    fault_bytes(m, nbytes, capacity, 0, 0, 0);
    return 0;
  }
  const tail = p + nbytes;
  for (let i = 0; i < SST; ++i) {
    const byte = u[tail + i];
    if (byte !== PYMEM_FORBIDDENBYTE) {
      fault(m, FAULT_BAD_TRAILING_PAD, func, p, 0);
      fault_bytes(m, nbytes, capacity, 2 * SST + nbytes + i, byte, 1);
      return 0;
    }
  }
  return q;
}

function check_dead(m: Mem, func: number, q: number): boolean {
  const size = INDEX2SIZE(m.i32[(POOL_ADDR(q) >> 2) + POOL_SZIDX_W]);
  const u = m.u8;
  let count = 0;
  let first = 0;
  for (let i = 4; i < size; i++) {
    if (u[q + i] !== PYMEM_DEADBYTE) {
      if (count++ === 0) first = i;
    }
  }
  if (count === 0) return true;
  fault(m, FAULT_WRITE_AFTER_FREE, func, q + 2 * SST, 0);
  fault_bytes(m, 0, size, first, u[q + first], count);
  m.fill(q + 4, PYMEM_DEADBYTE, size - 4);
  pymalloc_free(m, q);
  return false;
}

function underlying_alloc(m: Mem, func: number, total: number): number {
  const q = pymalloc_alloc(m, total);
  if (q !== 0) return check_dead(m, func, q) ? q : 0;
  return object_malloc_raw(m, total);
}

function release(m: Mem, q: number, nbytes: number): void {
  if (address_in_range(m, q)) {
    m.fill(q, PYMEM_DEADBYTE, INDEX2SIZE(m.i32[(POOL_ADDR(q) >> 2) + POOL_SZIDX_W]));
    pymalloc_free(m, q);
  } else {
    m.fill(q, PYMEM_DEADBYTE, nbytes + PYMEM_DEBUG_EXTRA_BYTES);
    free_raw(m, q);
  }
}

export function _PyMem_DebugRawAlloc(m: Mem, use_calloc: boolean, func: number, nbytes: number): number {
  if (nbytes > PY_SSIZE_T_MAX - PYMEM_DEBUG_EXTRA_BYTES) return 0;
  const q = underlying_alloc(m, func, nbytes + PYMEM_DEBUG_EXTRA_BYTES);
  if (q === 0) return 0;
  const data = q + 2 * SST;
  if (nbytes > 0) m.fill(data, use_calloc ? 0 : PYMEM_CLEANBYTE, nbytes);
  write_guards(m, q, nbytes);
  return data;
}

export function _PyMem_DebugMalloc(m: Mem, nbytes: number): number {
  return _PyMem_DebugRawAlloc(m, false, FUNC_MALLOC, nbytes);
}

export function _PyMem_DebugCalloc(m: Mem, nelem: number, elsize: number): number {
  if (elsize !== 0 && nelem > Math.floor(PY_SSIZE_T_MAX / elsize)) return 0;
  return _PyMem_DebugRawAlloc(m, true, FUNC_CALLOC, nelem * elsize);
}

export function _PyMem_DebugFree(m: Mem, p: number): void {
  if (p === 0) return;
  const q = check_address(m, FUNC_FREE, p);
  if (q === 0) return;
  release(m, q, read_size_t(m, q));
}

export function _PyMem_DebugRealloc(m: Mem, p: number, nbytes: number): number {
  if (p === 0) return _PyMem_DebugRawAlloc(m, false, FUNC_REALLOC, nbytes);
  const q = check_address(m, FUNC_REALLOC, p);
  if (q === 0) return 0;
  if (nbytes > PY_SSIZE_T_MAX - PYMEM_DEBUG_EXTRA_BYTES) return 0;
  const original = read_size_t(m, q);
  const total = nbytes + PYMEM_DEBUG_EXTRA_BYTES;
  let r: number;
  if (address_in_range(m, q)) {
    const size = INDEX2SIZE(m.i32[(POOL_ADDR(q) >> 2) + POOL_SZIDX_W]);
    if (total <= size && 4 * total > 3 * size) {
      r = q;
    } else {
      r = underlying_alloc(m, FUNC_REALLOC, total);
      if (r === 0) return 0;
      m.copy(r + 2 * SST, q + 2 * SST, original < nbytes ? original : nbytes);
      release(m, q, original);
    }
  } else {
    r = raw_realloc(m, q, total);
    if (r === 0) return 0;
  }
  write_guards(m, r, nbytes);
  if (nbytes > original) m.fill(r + 2 * SST + original, PYMEM_CLEANBYTE, nbytes - original);
  return r + 2 * SST;
}

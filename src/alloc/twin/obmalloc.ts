// === pymalloc's fast paths and _PyObject_* (twin of assembly/obmalloc.ts) ===
//
// Layer 2. pymalloc_alloc / pymalloc_free / _PyObject_Malloc, _Calloc,
// _Realloc, _Free, with CPython's rules (see assembly/obmalloc.ts). The hot
// path reads m.i32 once and touches only Int32Array elements: shift, one load
// of usedpools[size+size], the ring test, a free-list pop; free is the arena
// map test and a push. Arguments are already u32 (the wrapper applies >>> 0,
// which is what the wasm ABI does to a JS number).
//
// Never touches: the debug hooks (debug.ts wraps these).

import { STATE_BASE, SMALL_REQUEST_THRESHOLD, ALIGNMENT_SHIFT, PY_SSIZE_T_MAX } from "./constants";
import {
  OBM_RAW_ALLOCATED_BLOCKS, POOL_COUNT_W, POOL_FREEBLOCK_W, POOL_NEXTPOOL_W, POOL_SZIDX_W,
} from "./layout";
import { USEDPOOLS_W, insert_to_usedpool } from "./usedpools";
import { pymalloc_pool_extend, INDEX2SIZE, POOL_ADDR } from "./pool";
import { allocate_from_new_pool, insert_to_freepool } from "./arena";
import { address_in_range } from "./radix";
import { raw_malloc, raw_calloc, raw_realloc, raw_free } from "./raw";
import type { Mem } from "./memory";

const RAW_BLOCKS_W = (STATE_BASE + OBM_RAW_ALLOCATED_BLOCKS) >> 2;

export function pymalloc_alloc(m: Mem, nbytes: number): number {
  if (((nbytes - 1) >>> 0) >= SMALL_REQUEST_THRESHOLD) return 0;
  const h = m.i32;
  const size = (nbytes - 1) >>> ALIGNMENT_SHIFT;
  const pool = h[USEDPOOLS_W + (size << 1)];
  const pi = pool >> 2;
  if (pool !== h[pi + POOL_NEXTPOOL_W]) {
    h[pi + POOL_COUNT_W]++;
    const bp = h[pi + POOL_FREEBLOCK_W];
    const next = h[bp >> 2];
    h[pi + POOL_FREEBLOCK_W] = next;
    if (next === 0) pymalloc_pool_extend(m, pool, size);
    return bp;
  }
  return allocate_from_new_pool(m, size);
}

export function pymalloc_free(m: Mem, p: number): boolean {
  if (!address_in_range(m, p)) return false;
  const h = m.i32;
  const pool = POOL_ADDR(p);
  const pi = pool >> 2;
  const lastfree = h[pi + POOL_FREEBLOCK_W];
  h[p >> 2] = lastfree;
  h[pi + POOL_FREEBLOCK_W] = p;
  const count = h[pi + POOL_COUNT_W] - 1;
  h[pi + POOL_COUNT_W] = count;
  if (lastfree === 0) {
    insert_to_usedpool(m, pool);
    return true;
  }
  if (count !== 0) return true;
  insert_to_freepool(m, pool);
  return true;
}

export function object_malloc_raw(m: Mem, nbytes: number): number {
  if (nbytes > PY_SSIZE_T_MAX) return 0;
  const p = raw_malloc(m, nbytes);
  if (p !== 0) m.i32[RAW_BLOCKS_W]++;
  return p;
}

export function _PyObject_Malloc(m: Mem, nbytes: number): number {
  const p = pymalloc_alloc(m, nbytes);
  if (p !== 0) return p;
  return object_malloc_raw(m, nbytes);
}

export function _PyObject_Calloc(m: Mem, nelem: number, elsize: number): number {
  if (elsize !== 0 && nelem > Math.floor(PY_SSIZE_T_MAX / elsize)) return 0;
  const nbytes = nelem * elsize;
  let p = pymalloc_alloc(m, nbytes);
  if (p !== 0) {
    m.fill(p, 0, nbytes);
    return p;
  }
  p = raw_calloc(m, nbytes);
  if (p !== 0) m.i32[RAW_BLOCKS_W]++;
  return p;
}

export function free_raw(m: Mem, p: number): void {
  raw_free(m, p);
  m.i32[RAW_BLOCKS_W]--;
}

export function _PyObject_Free(m: Mem, p: number): void {
  if (p === 0) return;
  if (!pymalloc_free(m, p)) free_raw(m, p);
}

export function _PyObject_Realloc(m: Mem, p: number, nbytes: number): number {
  if (p === 0) return _PyObject_Malloc(m, nbytes);
  if (!address_in_range(m, p)) {
    if (nbytes > PY_SSIZE_T_MAX) return 0;
    return raw_realloc(m, p, nbytes);
  }
  let size = INDEX2SIZE(m.i32[(POOL_ADDR(p) >> 2) + POOL_SZIDX_W]);
  if (nbytes <= size) {
    if (4 * nbytes > 3 * size) return p;
    size = nbytes;
  }
  const bp = _PyObject_Malloc(m, nbytes);
  if (bp !== 0) {
    m.copy(bp, p, size);
    _PyObject_Free(m, p);
  }
  return bp;
}

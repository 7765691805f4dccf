// === Arenas (twin of assembly/arena.ts) ===
//
// Layer 2. new_arena, allocate_from_new_pool and insert_to_freepool with
// index links (NO_ARENA, read back as -1 from the Int32Array). The lists,
// nfp2lasta fingers and the keep-one-empty-arena rule (bpo-37257) are
// described in assembly/arena.ts.
//
// Never touches: blocks inside pools; layer 1's structures (only its API).

import {
  STATE_BASE, POOL_SIZE, POOL_SIZE_MASK, MAX_POOLS_IN_ARENA, INITIAL_ARENA_OBJECTS,
  DUMMY_SIZE_IDX, NO_ARENA_I32,
} from "./constants";
import {
  SIZEOF_ARENA_OBJECT, OBM_ARENAS, OBM_MAXARENAS, OBM_UNUSED_ARENA_OBJECTS, OBM_USABLE_ARENAS,
  OBM_NFP2LASTA, OBM_NARENAS_CURRENTLY_ALLOCATED, OBM_NTIMES_ARENA_ALLOCATED, OBM_NARENAS_HIGHWATER,
  AO_ADDRESS_W, AO_POOL_ADDRESS_W, AO_NFREEPOOLS_W, AO_NTOTALPOOLS_W, AO_FREEPOOLS_W,
  AO_NEXTARENA_W, AO_PREVARENA_W, POOL_COUNT_W, POOL_FREEBLOCK_W, POOL_NEXTPOOL_W,
  POOL_PREVPOOL_W, POOL_ARENAINDEX_W, POOL_SZIDX_W,
} from "./layout";
import { raw_realloc, raw_arena_alloc, raw_arena_free } from "./raw";
import { arena_map_mark_used } from "./radix";
import { USEDPOOLS_W, unlink_from_usedpools } from "./usedpools";
import { pool_init } from "./pool";
import type { Mem } from "./memory";

const NONE = NO_ARENA_I32;
const ARENAS_W = (STATE_BASE + OBM_ARENAS) >> 2;
const MAXARENAS_W = (STATE_BASE + OBM_MAXARENAS) >> 2;
const UNUSED_W = (STATE_BASE + OBM_UNUSED_ARENA_OBJECTS) >> 2;
const USABLE_W = (STATE_BASE + OBM_USABLE_ARENAS) >> 2;
const NFP2LASTA_W = (STATE_BASE + OBM_NFP2LASTA) >> 2;
const CURRENT_W = (STATE_BASE + OBM_NARENAS_CURRENTLY_ALLOCATED) >> 2;
const NTIMES_W = (STATE_BASE + OBM_NTIMES_ARENA_ALLOCATED) >> 2;
const HIGHWATER_W = (STATE_BASE + OBM_NARENAS_HIGHWATER) >> 2;
const AO_WORDS = SIZEOF_ARENA_OBJECT >> 2;

/** Word index of arenas[i]. */
function ao_w(m: Mem, i: number): number {
  return (m.i32[ARENAS_W] >> 2) + i * AO_WORDS;
}

export function init_arenas(m: Mem): void {
  m.i32[UNUSED_W] = NONE;
  m.i32[USABLE_W] = NONE;
  for (let n = 0; n <= MAX_POOLS_IN_ARENA; n++) m.i32[NFP2LASTA_W + n] = NONE;
}

export function new_arena(m: Mem): number {
  let h = m.i32;
  let unused = h[UNUSED_W];
  if (unused === NONE) {
    const maxarenas = h[MAXARENAS_W];
    const numarenas = maxarenas !== 0 ? maxarenas * 2 : INITIAL_ARENA_OBJECTS;
    if (numarenas > 0xffffffff || numarenas <= maxarenas) return NONE; // overflow
    if (numarenas > Math.floor(0xffffffff / SIZEOF_ARENA_OBJECT)) return NONE; // overflow
    const v = raw_realloc(m, h[ARENAS_W], numarenas * SIZEOF_ARENA_OBJECT);
    if (v === 0) return NONE;
    h = m.i32;
    h[ARENAS_W] = v;
    for (let i = maxarenas; i < numarenas; ++i) {
      const w = ao_w(m, i);
      h[w + AO_ADDRESS_W] = 0;
      h[w + AO_NEXTARENA_W] = i < numarenas - 1 ? i + 1 : NONE;
    }
    unused = maxarenas;
    h[MAXARENAS_W] = numarenas;
  }

  const ai = unused;
  h[UNUSED_W] = h[ao_w(m, ai) + AO_NEXTARENA_W];
  let address = raw_arena_alloc(m);
  h = m.i32;
  if (address !== 0) {
    if (!arena_map_mark_used(m, address, true)) {
      raw_arena_free(m, address);
      address = 0;
    }
  }
  const w = ao_w(m, ai);
  if (address === 0) {
    h[w + AO_NEXTARENA_W] = h[UNUSED_W];
    h[UNUSED_W] = ai;
    return NONE;
  }
  h[w + AO_ADDRESS_W] = address;
  const current = ++h[CURRENT_W];
  h[NTIMES_W]++;
  if (current > h[HIGHWATER_W]) h[HIGHWATER_W] = current;
  h[w + AO_FREEPOOLS_W] = 0;
  h[w + AO_POOL_ADDRESS_W] = address;
  h[w + AO_NFREEPOOLS_W] = MAX_POOLS_IN_ARENA;
  const excess = address & POOL_SIZE_MASK;
  if (excess !== 0) {
    h[w + AO_NFREEPOOLS_W]--;
    h[w + AO_POOL_ADDRESS_W] += POOL_SIZE - excess;
  }
  h[w + AO_NTOTALPOOLS_W] = h[w + AO_NFREEPOOLS_W];
  return ai;
}

export function allocate_from_new_pool(m: Mem, size: number): number {
  let h = m.i32;
  let ua = h[USABLE_W];
  if (ua === NONE) {
    ua = new_arena(m);
    if (ua === NONE) return 0;
    h = m.i32;
    h[USABLE_W] = ua;
    const w = ao_w(m, ua);
    h[w + AO_NEXTARENA_W] = NONE;
    h[w + AO_PREVARENA_W] = NONE;
    h[NFP2LASTA_W + h[w + AO_NFREEPOOLS_W]] = ua;
  }
  const w = ao_w(m, ua);
  const nfp = h[w + AO_NFREEPOOLS_W];
  if (h[NFP2LASTA_W + nfp] === ua) h[NFP2LASTA_W + nfp] = NONE;
  if (nfp > 1) h[NFP2LASTA_W + nfp - 1] = ua;

  let pool = h[w + AO_FREEPOOLS_W];
  if (pool !== 0) {
    h[w + AO_FREEPOOLS_W] = h[(pool >> 2) + POOL_NEXTPOOL_W];
  } else {
    pool = h[w + AO_POOL_ADDRESS_W];
    h[(pool >> 2) + POOL_ARENAINDEX_W] = ua;
    h[(pool >> 2) + POOL_SZIDX_W] = DUMMY_SIZE_IDX;
    h[w + AO_POOL_ADDRESS_W] = pool + POOL_SIZE;
  }
  if (--h[w + AO_NFREEPOOLS_W] === 0) {
    const next = h[w + AO_NEXTARENA_W];
    h[USABLE_W] = next;
    if (next !== NONE) h[ao_w(m, next) + AO_PREVARENA_W] = NONE;
  }

  // Frontlink to used pools.
  const next = h[USEDPOOLS_W + (size << 1)];
  const pi = pool >> 2;
  h[pi + POOL_NEXTPOOL_W] = next;
  h[pi + POOL_PREVPOOL_W] = next;
  h[(next >> 2) + POOL_NEXTPOOL_W] = pool;
  h[(next >> 2) + POOL_PREVPOOL_W] = pool;
  h[pi + POOL_COUNT_W] = 1;
  if (h[pi + POOL_SZIDX_W] === size) {
    const bp = h[pi + POOL_FREEBLOCK_W];
    h[pi + POOL_FREEBLOCK_W] = h[bp >> 2];
    return bp;
  }
  return pool_init(m, pool, size);
}

export function insert_to_freepool(m: Mem, pool: number): void {
  unlink_from_usedpools(m, pool);
  const h = m.i32;
  const pi = pool >> 2;
  const ai = h[pi + POOL_ARENAINDEX_W];
  const w = ao_w(m, ai);
  h[pi + POOL_NEXTPOOL_W] = h[w + AO_FREEPOOLS_W];
  h[w + AO_FREEPOOLS_W] = pool;
  let nf = h[w + AO_NFREEPOOLS_W];
  const lastnf = h[NFP2LASTA_W + nf];
  if (lastnf === ai) {
    const prev = h[w + AO_PREVARENA_W];
    h[NFP2LASTA_W + nf] = prev !== NONE && h[ao_w(m, prev) + AO_NFREEPOOLS_W] === nf ? prev : NONE;
  }
  h[w + AO_NFREEPOOLS_W] = ++nf;

  // Case 1: release the arena, unless it is the last of usable_arenas (bpo-37257).
  if (nf === h[w + AO_NTOTALPOOLS_W] && h[w + AO_NEXTARENA_W] !== NONE) {
    const prev = h[w + AO_PREVARENA_W];
    const next = h[w + AO_NEXTARENA_W];
    if (prev === NONE) h[USABLE_W] = next;
    else h[ao_w(m, prev) + AO_NEXTARENA_W] = next;
    if (next !== NONE) h[ao_w(m, next) + AO_PREVARENA_W] = prev;
    h[w + AO_NEXTARENA_W] = h[UNUSED_W];
    h[UNUSED_W] = ai;
    const address = h[w + AO_ADDRESS_W];
    arena_map_mark_used(m, address, false);
    raw_arena_free(m, address);
    h[w + AO_ADDRESS_W] = 0;
    h[CURRENT_W]--;
    return;
  }

  // Case 2: the arena was full: put it at the head of usable_arenas.
  if (nf === 1) {
    const head = h[USABLE_W];
    h[w + AO_NEXTARENA_W] = head;
    h[w + AO_PREVARENA_W] = NONE;
    if (head !== NONE) h[ao_w(m, head) + AO_PREVARENA_W] = ai;
    h[USABLE_W] = ai;
    if (h[NFP2LASTA_W + 1] === NONE) h[NFP2LASTA_W + 1] = ai;
    return;
  }

  if (h[NFP2LASTA_W + nf] === NONE) h[NFP2LASTA_W + nf] = ai;
  // Case 4: it was the rightmost with the old count: still in order.
  if (ai === lastnf) return;
  // Case 3: slide it right, to just after lastnf.
  const prev = h[w + AO_PREVARENA_W];
  const next = h[w + AO_NEXTARENA_W];
  if (prev !== NONE) h[ao_w(m, prev) + AO_NEXTARENA_W] = next;
  else h[USABLE_W] = next;
  h[ao_w(m, next) + AO_PREVARENA_W] = prev;
  const lw = ao_w(m, lastnf);
  h[w + AO_PREVARENA_W] = lastnf;
  h[w + AO_NEXTARENA_W] = h[lw + AO_NEXTARENA_W];
  if (h[w + AO_NEXTARENA_W] !== NONE) h[ao_w(m, h[w + AO_NEXTARENA_W]) + AO_PREVARENA_W] = ai;
  h[lw + AO_NEXTARENA_W] = ai;
}

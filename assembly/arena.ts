// === Arenas: the arena_object vector, usable_arenas, nfp2lasta, and the release rule ===
//
// Layer 2. Ports new_arena(), allocate_from_new_pool() (its arena half; pool
// initialisation is pool.ts) and insert_to_freepool() from CPython 3.11
// obmalloc.c, with `arena_object *` links replaced by indices into the arenas
// vector (NO_ARENA for NULL) because the vector is reallocated as it doubles.
//
// `arenas` is a vector of maxarenas arena_objects, some of which may not be
// currently associated with an allocated arena. It lives in a layer-1 block
// (CPython: PyMem_RawRealloc) and doubles from INITIAL_ARENA_OBJECTS when
// unused_arena_objects runs dry (then usable_arenas is empty too, so no list
// depends on the old vector).
//
// unused_arena_objects: singly linked (via nextarena) list of the
//     arena_objects not associated with an arena. Key invariant: an
//     arena_object is on this list iff its address is 0.
// usable_arenas: doubly linked list of the arenas that have pools available
//     (cached empty pools or never-carved ones), sorted by nfreepools
//     ascending, so the next pool comes from the most allocated arena and
//     nearly empty arenas get a chance to drain and be released. An arena
//     whose pools are all in use is on neither list.
// nfp2lasta[n]: the last ("rightmost") arena in usable_arenas with
//     nfreepools == n, NO_ARENA iff there is none (bpo-37029: O(1) re-sorting
//     instead of a linear search when an arena's count changes).
//
// Release rule (insert_to_freepool case 1, bpo-37257): an arena whose pools
// are all free goes back to layer 1 (raw_arena_free) unless it is the last
// arena of usable_arenas: one wholly free arena is kept, so a loop that
// allocates and frees one arena's worth does not release and re-acquire an
// arena every iteration. Hence at most one wholly free arena exists, and only
// at the end of usable_arenas.
//
// Never touches: blocks inside pools, layer 1's structures (only its API).

import {
  STATE_BASE, POOL_SIZE, POOL_SIZE_MASK, MAX_POOLS_IN_ARENA, INITIAL_ARENA_OBJECTS,
  DUMMY_SIZE_IDX, NO_ARENA,
} from "./constants";
import {
  arena_object, pool_header, SIZEOF_ARENA_OBJECT, OBM_ARENAS, OBM_MAXARENAS,
  OBM_UNUSED_ARENA_OBJECTS, OBM_USABLE_ARENAS, OBM_NFP2LASTA,
  OBM_NARENAS_CURRENTLY_ALLOCATED, OBM_NTIMES_ARENA_ALLOCATED, OBM_NARENAS_HIGHWATER,
} from "./layout";
import { raw_realloc, raw_arena_alloc, raw_arena_free } from "./raw";
import { arena_map_mark_used } from "./radix";
import { USEDPOOLS, unlink_from_usedpools } from "./usedpools";
import { pool_init } from "./pool";

// ---- state accessors -------------------------------------------------------

// @ts-ignore: decorator
@inline function ao_at(i: u32): arena_object {
  return changetype<arena_object>(load<u32>(STATE_BASE + OBM_ARENAS) + <u32>i * SIZEOF_ARENA_OBJECT);
}
// @ts-ignore: decorator
@inline function get_usable_arenas(): u32 { return load<u32>(STATE_BASE + OBM_USABLE_ARENAS); }
// @ts-ignore: decorator
@inline function set_usable_arenas(i: u32): void { store<u32>(STATE_BASE + OBM_USABLE_ARENAS, i); }
// @ts-ignore: decorator
@inline function get_nfp2lasta(n: u32): u32 { return load<u32>(STATE_BASE + OBM_NFP2LASTA + (<u32>n << 2)); }
// @ts-ignore: decorator
@inline function set_nfp2lasta(n: u32, i: u32): void { store<u32>(STATE_BASE + OBM_NFP2LASTA + (<u32>n << 2), i); }

function bump(off: u32, delta: i32): u32 {
  const v = <u32>(<i32>load<u32>(STATE_BASE + off) + delta);
  store<u32>(STATE_BASE + off, v);
  return v;
}

/** Empty lists: called once by init(). */
export function init_arenas(): void {
  store<u32>(STATE_BASE + OBM_UNUSED_ARENA_OBJECTS, NO_ARENA);
  set_usable_arenas(NO_ARENA);
  for (let n: u32 = 0; n <= MAX_POOLS_IN_ARENA; n++) set_nfp2lasta(n, NO_ARENA);
}

/**
 * Allocate a new arena and return the index of an arena_object describing it,
 * or NO_ARENA when out of memory. The caller sets usable_arenas to it.
 */
export function new_arena(): u32 {
  let unused = load<u32>(STATE_BASE + OBM_UNUSED_ARENA_OBJECTS);
  if (unused == NO_ARENA) {
    const maxarenas = load<u32>(STATE_BASE + OBM_MAXARENAS);
    // Double the number of arena objects on each allocation.
    const numarenas: u32 = maxarenas != 0 ? maxarenas << 1 : INITIAL_ARENA_OBJECTS;
    if (numarenas <= maxarenas) return NO_ARENA; // overflow
    if (numarenas > 0xffffffff / SIZEOF_ARENA_OBJECT) return NO_ARENA; // overflow
    const nbytes = <u32>numarenas * SIZEOF_ARENA_OBJECT;
    const v = raw_realloc(load<u32>(STATE_BASE + OBM_ARENAS), nbytes);
    if (v == 0) return NO_ARENA;
    store<u32>(STATE_BASE + OBM_ARENAS, v);
    // Put the new arena objects on the unused_arena_objects list.
    for (let i = maxarenas; i < numarenas; ++i) {
      const ao = ao_at(i);
      ao.address = 0; // mark as unassociated
      ao.nextarena = i < numarenas - 1 ? i + 1 : NO_ARENA;
    }
    unused = maxarenas;
    store<u32>(STATE_BASE + OBM_MAXARENAS, numarenas);
  }

  // Take the next available arena object off the head of the list.
  const ai = unused;
  const ao = ao_at(ai);
  store<u32>(STATE_BASE + OBM_UNUSED_ARENA_OBJECTS, ao.nextarena);
  let address = raw_arena_alloc();
  if (address != 0) {
    if (!arena_map_mark_used(address, true)) {
      raw_arena_free(address);
      address = 0;
    }
  }
  if (address == 0) {
    // The allocation failed: put the arena object back.
    ao.nextarena = load<u32>(STATE_BASE + OBM_UNUSED_ARENA_OBJECTS);
    store<u32>(STATE_BASE + OBM_UNUSED_ARENA_OBJECTS, ai);
    return NO_ARENA;
  }
  ao.address = address;
  const current = bump(OBM_NARENAS_CURRENTLY_ALLOCATED, 1);
  bump(OBM_NTIMES_ARENA_ALLOCATED, 1);
  if (current > load<u32>(STATE_BASE + OBM_NARENAS_HIGHWATER)) {
    store<u32>(STATE_BASE + OBM_NARENAS_HIGHWATER, current);
  }
  ao.freepools = 0;
  // pool_address <- first pool-aligned address in the arena
  // nfreepools <- number of whole pools that fit after alignment
  ao.pool_address = address;
  ao.nfreepools = MAX_POOLS_IN_ARENA;
  const excess = <u32>(address & POOL_SIZE_MASK);
  if (excess != 0) {
    --ao.nfreepools;
    ao.pool_address += POOL_SIZE - excess;
  }
  ao.ntotalpools = ao.nfreepools;
  return ai;
}

/**
 * pymalloc_alloc found ring `size` empty: take a pool from the head of
 * usable_arenas (a cached empty pool first, else carve a new one), make it the
 * only member of the ring, and allocate its first block. 0 when out of memory.
 */
export function allocate_from_new_pool(size: u32): u32 {
  let ua = get_usable_arenas();
  if (ua == NO_ARENA) {
    // No arena has a free pool: allocate a new arena.
    ua = new_arena();
    if (ua == NO_ARENA) return 0;
    set_usable_arenas(ua);
    const ao = ao_at(ua);
    ao.nextarena = NO_ARENA;
    ao.prevarena = NO_ARENA;
    set_nfp2lasta(ao.nfreepools, ua);
  }
  const ao = ao_at(ua);

  // This arena already had the smallest nfreepools value, so decreasing
  // nfreepools doesn't change that, and we don't need to rearrange the
  // usable_arenas list. However, if the arena becomes wholly allocated, we
  // need to remove its arena_object from usable_arenas.
  if (get_nfp2lasta(ao.nfreepools) == ua) {
    // It's the last of this size, so there won't be any.
    set_nfp2lasta(ao.nfreepools, NO_ARENA);
  }
  // If any free pools will remain, it will be the new smallest.
  if (ao.nfreepools > 1) set_nfp2lasta(ao.nfreepools - 1, ua);

  let pool = ao.freepools;
  if (pool != 0) {
    // Unlink from cached pools.
    ao.freepools = changetype<pool_header>(pool).nextpool;
  } else {
    // Carve off a new pool.
    pool = ao.pool_address;
    const p = changetype<pool_header>(pool);
    p.arenaindex = ua;
    p.szidx = DUMMY_SIZE_IDX;
    ao.pool_address += POOL_SIZE;
  }
  if (--ao.nfreepools == 0) {
    // Wholly allocated: remove from usable_arenas.
    const next = ao.nextarena;
    set_usable_arenas(next);
    if (next != NO_ARENA) ao_at(next).prevarena = NO_ARENA;
  }

  // Frontlink to used pools.
  const next = load<u32>(USEDPOOLS + (<u32>size << 3)); // == prev == PTA(size)
  const p = changetype<pool_header>(pool);
  p.nextpool = next;
  p.prevpool = next;
  changetype<pool_header>(next).nextpool = pool;
  changetype<pool_header>(next).prevpool = pool;
  p.count = 1;
  if (p.szidx == size) {
    // Luckily, this pool last contained blocks of the same size class, so its
    // header and free list are already initialized.
    const bp = p.freeblock;
    p.freeblock = load<u32>(bp);
    return bp;
  }
  return pool_init(pool, size);
}

/**
 * The pool just became empty: unlink it from its ring, push it on its arena's
 * freepools, and restore usable_arenas' order (or release the arena).
 */
export function insert_to_freepool(pool: u32): void {
  unlink_from_usedpools(pool);
  const p = changetype<pool_header>(pool);

  // Link the pool to freepools. This is a singly-linked list, and
  // pool->prevpool isn't used there.
  const ai = p.arenaindex;
  const ao = ao_at(ai);
  p.nextpool = ao.freepools;
  ao.freepools = pool;
  let nf = ao.nfreepools;
  // If this is the rightmost arena with this number of free pools,
  // nfp2lasta[nf] needs to change. Caution: if nf is 0, there are no arenas
  // in usable_arenas with that value.
  const lastnf = get_nfp2lasta(nf);
  if (lastnf == ai) {
    // it is the rightmost
    const prev = ao.prevarena;
    set_nfp2lasta(nf, prev != NO_ARENA && ao_at(prev).nfreepools == nf ? prev : NO_ARENA);
  }
  ao.nfreepools = ++nf;

  // All the rest is arena management. We just freed a pool, and there are 4 cases:
  // 1. If all the pools are free, return the arena to layer 1, except if this
  //    is the last arena in the list: keeping one wholly free arena avoids
  //    thrashing (bpo-37257).
  // 2. If this is the only free pool in the arena, add the arena back to the
  //    `usable_arenas` list.
  // 3. If the "next" arena has a smaller count of free pools, we have to
  //    "slide this arena right" to restore that usable_arenas is sorted in
  //    order of nfreepools.
  // 4. Else there's nothing more to do.
  if (nf == ao.ntotalpools && ao.nextarena != NO_ARENA) {
    // Case 1. First unlink ao from usable_arenas.
    const prev = ao.prevarena;
    const next = ao.nextarena;
    if (prev == NO_ARENA) set_usable_arenas(next);
    else ao_at(prev).nextarena = next;
    if (next != NO_ARENA) ao_at(next).prevarena = prev;
    // Record that this arena_object slot is available to be reused.
    ao.nextarena = load<u32>(STATE_BASE + OBM_UNUSED_ARENA_OBJECTS);
    store<u32>(STATE_BASE + OBM_UNUSED_ARENA_OBJECTS, ai);
    // mark arena region as not under control of obmalloc
    arena_map_mark_used(ao.address, false);
    // Free the entire arena.
    raw_arena_free(ao.address);
    ao.address = 0; // mark unassociated
    bump(OBM_NARENAS_CURRENTLY_ALLOCATED, -1);
    return;
  }

  if (nf == 1) {
    // Case 2. Put ao at the head of usable_arenas. Note that because
    // ao->nfreepools was 0 before, ao isn't currently on the usable_arenas list.
    const head = get_usable_arenas();
    ao.nextarena = head;
    ao.prevarena = NO_ARENA;
    if (head != NO_ARENA) ao_at(head).prevarena = ai;
    set_usable_arenas(ai);
    if (get_nfp2lasta(1) == NO_ARENA) set_nfp2lasta(1, ai);
    return;
  }

  // If this arena is now out of order, we need to keep the list sorted. The
  // list is kept sorted so that the "most full" arenas are used first, which
  // allows the nearly empty arenas to be completely freed.
  // If this is the only arena with nf, record that.
  if (get_nfp2lasta(nf) == NO_ARENA) set_nfp2lasta(nf, ai);
  // If this was the rightmost of the old size, it remains in place.
  if (ai == lastnf) {
    // Case 4. Nothing to do.
    return;
  }
  // Case 3: move the arena towards the end of the list, to follow lastnf.
  // First unlink ao from usable_arenas.
  const prev = ao.prevarena;
  const next = ao.nextarena;
  if (prev != NO_ARENA) ao_at(prev).nextarena = next;
  else set_usable_arenas(next);
  ao_at(next).prevarena = prev;
  // And insert after lastnf.
  const last = ao_at(lastnf);
  ao.prevarena = lastnf;
  ao.nextarena = last.nextarena;
  if (ao.nextarena != NO_ARENA) ao_at(ao.nextarena).prevarena = ai;
  last.nextarena = ai;
}

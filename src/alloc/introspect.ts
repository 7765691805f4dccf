// === Introspection: one walker over the shared state layout, for both twins ===
//
// Layer: beside layer 2, read-only. Both backends keep their whole state in
// linear memory at the same addresses (assembly/layout.ts), so ONE TypeScript
// walker serves the wasm module and the TypeScript twin: it takes Int32Array /
// Uint8Array views of the current buffer and implements
//
//   getallocatedblocks()  _Py_GetAllocatedBlocks: raw_allocated_blocks + sum of ref.count
//   stats()               the AllocatorStats of src/alloc/types.ts
//   debugmallocstats()    _PyObject_DebugMallocStats' text, CPython 3.11's line formats
//                         (32-bit values: 64 size classes, 256 KiB arenas, 4 KiB pools,
//                         and only the arena-map root line, as a 32-bit build prints)
//   check()               the validators (CPython's Py_DEBUG asserts and
//                         pool_is_in_list, mimalloc's *_is_valid): walks every arena,
//                         pool, ring, stack, free list and layer-1 block and throws
//                         CheckError with a precise message on the first broken invariant.
//
// Never writes memory. Offsets come from src/alloc/twin/layout.ts, which
// test/alloc/constants.test.ts checks against the wasm module's exports.

import {
  STATE_BASE, HEAP_BASE, ARENA_SIZE, ARENA_SIZE_MASK, ARENA_BITS, POOL_SIZE, POOL_SIZE_MASK,
  MAX_POOLS_IN_ARENA, NB_SMALL_SIZE_CLASSES, SMALL_REQUEST_THRESHOLD, ALIGNMENT_SHIFT,
  ARENA_MAP_BASE, MAP_BOT_LENGTH, ARENA_MAP_SIZE, MAX_MEMORY_LIMIT, WASM_PAGE_SIZE,
  RAW_FREE, RAW_SIZE_MASK, RAW_MIN_BLOCK, RAW_MAGIC_USED, RAW_MAGIC_FREE, RAW_OVERHEAD,
  RAW_HEADER, RAW_SL_BITS, RAW_SL_COUNT, RAW_SMALL_LIMIT, RAW_FL_COUNT, NO_ARENA_I32,
  SST, PYMEM_DEBUG_EXTRA_BYTES, PYMEM_DEADBYTE, PYMEM_FORBIDDENBYTE, PYMEM_API_OBJ,
  DUMMY_SIZE_IDX,
} from "./twin/constants";
import {
  POOL_OVERHEAD, SIZEOF_ARENA_OBJECT, OBM_USEDPOOLS, OBM_ARENAS, OBM_MAXARENAS,
  OBM_UNUSED_ARENA_OBJECTS, OBM_USABLE_ARENAS, OBM_NFP2LASTA, OBM_NARENAS_CURRENTLY_ALLOCATED,
  OBM_NTIMES_ARENA_ALLOCATED, OBM_NARENAS_HIGHWATER, OBM_RAW_ALLOCATED_BLOCKS, OBM_DEBUG,
  SRC_HEAP_TOP, SRC_MAX_MEMORY, RAW_FL_BITMAP, RAW_SL_BITMAP, RAW_HEADS, RAW_ARENA_CHUNK_BITS,
  DBG_KIND, POOL_COUNT_W, POOL_FREEBLOCK_W, POOL_NEXTPOOL_W, POOL_PREVPOOL_W, POOL_ARENAINDEX_W,
  POOL_SZIDX_W, POOL_NEXTOFFSET_W, POOL_MAXNEXTOFFSET_W, AO_ADDRESS_W, AO_POOL_ADDRESS_W,
  AO_NFREEPOOLS_W, AO_NTOTALPOOLS_W, AO_FREEPOOLS_W, AO_NEXTARENA_W, AO_PREVARENA_W,
  RAWB_HEAD_W, RAWB_CHECK_W, RAWB_NEXT_FREE_W, RAWB_PREV_FREE_W,
} from "./twin/layout";
import type { AllocatorStats, SizeClassStats } from "./types";

/** The current linear memory, as the walker reads it. */
export interface MemView {
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
}

export function viewOf(buffer: ArrayBufferLike): MemView {
  return { i32: new Int32Array(buffer), u8: new Uint8Array(buffer) };
}

export class CheckError extends Error {
  override name = "CheckError";
}

const NONE = NO_ARENA_I32;
const S = (off: number): number => (STATE_BASE + off) >> 2;
const INDEX2SIZE = (i: number): number => (i + 1) << ALIGNMENT_SHIFT;
const NUMBLOCKS = (i: number): number => Math.floor((POOL_SIZE - POOL_OVERHEAD) / INDEX2SIZE(i));
const PTA = (x: number): number => STATE_BASE + OBM_USEDPOOLS + 8 * x - 8;
const hex = (n: number): string => "0x" + (n >>> 0).toString(16);
const AO_WORDS = SIZEOF_ARENA_OBJECT >> 2;

function aoW(h: Int32Array, i: number): number {
  return (h[S(OBM_ARENAS)] >> 2) + i * AO_WORDS;
}

/** Visit every carved pool of every allocated arena. */
function forEachPool(v: MemView, fn: (pool: number, ai: number) => void): void {
  const h = v.i32;
  const maxarenas = h[S(OBM_MAXARENAS)];
  for (let ai = 0; ai < maxarenas; ai++) {
    const w = aoW(h, ai);
    const address = h[w + AO_ADDRESS_W] >>> 0;
    if (address === 0) continue;
    let base = address;
    if (base & POOL_SIZE_MASK) base = (base & ~POOL_SIZE_MASK) + POOL_SIZE;
    const end = h[w + AO_POOL_ADDRESS_W] >>> 0;
    for (let pool = base; pool < end; pool += POOL_SIZE) fn(pool, ai);
  }
}

// ---- getallocatedblocks / stats --------------------------------------------

export function getallocatedblocks(v: MemView): number {
  const h = v.i32;
  let n = h[S(OBM_RAW_ALLOCATED_BLOCKS)];
  forEachPool(v, (pool) => {
    n += h[(pool >> 2) + POOL_COUNT_W];
  });
  return n;
}

interface Census {
  narenas: number;
  numfreepools: number;
  arenaAlignment: number;
  numpools: Float64Array;
  numblocks: Float64Array;
  numfreeblocks: Float64Array;
}

/** What _PyObject_DebugMallocStats gathers by marching over all the arenas. */
function census(v: MemView): Census {
  const h = v.i32;
  const c: Census = {
    narenas: 0,
    numfreepools: 0,
    arenaAlignment: 0,
    numpools: new Float64Array(NB_SMALL_SIZE_CLASSES),
    numblocks: new Float64Array(NB_SMALL_SIZE_CLASSES),
    numfreeblocks: new Float64Array(NB_SMALL_SIZE_CLASSES),
  };
  const maxarenas = h[S(OBM_MAXARENAS)];
  for (let ai = 0; ai < maxarenas; ai++) {
    const w = aoW(h, ai);
    const address = h[w + AO_ADDRESS_W] >>> 0;
    if (address === 0) continue;
    c.narenas++;
    c.numfreepools += h[w + AO_NFREEPOOLS_W];
    if (address & POOL_SIZE_MASK) c.arenaAlignment += POOL_SIZE;
  }
  forEachPool(v, (pool) => {
    const pi = pool >> 2;
    const count = h[pi + POOL_COUNT_W];
    if (count === 0) return; // currently unused
    const sz = h[pi + POOL_SZIDX_W];
    c.numpools[sz]++;
    c.numblocks[sz] += count;
    c.numfreeblocks[sz] += NUMBLOCKS(sz) - count;
  });
  return c;
}

/** Walk layer 1's heap: calls fn for every tagged block (not for arenas). */
function forEachRawBlock(v: MemView, fn: (b: number, size: number, free: boolean) => void): void {
  const h = v.i32;
  const top = h[S(SRC_HEAP_TOP)] >>> 0;
  let b = HEAP_BASE;
  while (b < top) {
    if ((b & ARENA_SIZE_MASK) === 0 && isArenaChunk(h, b)) {
      b += ARENA_SIZE;
      continue;
    }
    const head = h[(b >> 2) + RAWB_HEAD_W];
    const size = head & RAW_SIZE_MASK;
    if (size < RAW_MIN_BLOCK || b + size > top) return; // check() reports this precisely
    fn(b, size, (head & RAW_FREE) !== 0);
    b += size;
  }
}

function isArenaChunk(h: Int32Array, a: number): boolean {
  const c = (a - HEAP_BASE) >>> ARENA_BITS;
  return ((h[S(RAW_ARENA_CHUNK_BITS) + (c >>> 5)] >>> (c & 31)) & 1) !== 0;
}

export function stats(v: MemView): AllocatorStats {
  const h = v.i32;
  const c = census(v);
  const sizeClasses: SizeClassStats[] = [];
  let poolsUsed = 0, bytesInUse = 0, bytesAvailable = 0;
  for (let i = 0; i < NB_SMALL_SIZE_CLASSES; i++) {
    if (c.numpools[i] === 0) continue;
    const size = INDEX2SIZE(i);
    sizeClasses.push({
      szidx: i, size, pools: c.numpools[i], blocksInUse: c.numblocks[i], blocksFree: c.numfreeblocks[i],
    });
    poolsUsed += c.numpools[i];
    bytesInUse += c.numblocks[i] * size;
    bytesAvailable += c.numfreeblocks[i] * size;
  }
  const arenasVector = h[S(OBM_ARENAS)] >>> 0;
  let rawBytesInUse = 0;
  forEachRawBlock(v, (b, size, free) => {
    if (!free && b + RAW_HEADER !== arenasVector) rawBytesInUse += size;
  });
  const ntimes = h[S(OBM_NTIMES_ARENA_ALLOCATED)];
  const current = h[S(OBM_NARENAS_CURRENTLY_ALLOCATED)];
  return {
    arenasAllocated: ntimes,
    arenasFreed: ntimes - current,
    arenasHighwater: h[S(OBM_NARENAS_HIGHWATER)],
    arenasCurrent: current,
    poolsUsed,
    poolsFree: c.numfreepools,
    sizeClasses,
    bytesInUse,
    bytesAvailable,
    rawBlocksInUse: h[S(OBM_RAW_ALLOCATED_BLOCKS)],
    rawBytesInUse,
    linearMemoryBytes: v.u8.byteLength,
  };
}

// ---- debugmallocstats --------------------------------------------------------

function withCommas(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** CPython's printone(): msg padded to column 35, '=', the value in 21 columns. */
export function printone(msg: string, value: number): string {
  return msg.padEnd(35) + "=" + withCommas(value).padStart(21) + "\n";
}

export function debugmallocstats(v: MemView): string {
  const c = census(v);
  const numclasses = SMALL_REQUEST_THRESHOLD >> ALIGNMENT_SHIFT;
  let out = `Small block threshold = ${SMALL_REQUEST_THRESHOLD}, in ${numclasses} size classes.\n`;
  out += "\n";
  out += "class   size   num pools   blocks in use  avail blocks\n";
  out += "-----   ----   ---------   -------------  ------------\n";
  let allocated = 0, available = 0, poolHeaders = 0, quantization = 0;
  for (let i = 0; i < numclasses; i++) {
    const p = c.numpools[i], b = c.numblocks[i], f = c.numfreeblocks[i];
    if (p === 0) continue;
    const size = INDEX2SIZE(i);
    out += `${String(i).padStart(5)} ${String(size).padStart(6)} ${String(p).padStart(11)} ` +
      `${String(b).padStart(15)} ${String(f).padStart(13)}\n`;
    allocated += b * size;
    available += f * size;
    poolHeaders += p * POOL_OVERHEAD;
    quantization += p * ((POOL_SIZE - POOL_OVERHEAD) % size);
  }
  out += "\n";
  const h = v.i32;
  const ntimes = h[S(OBM_NTIMES_ARENA_ALLOCATED)];
  out += printone("# arenas allocated total", ntimes);
  out += printone("# arenas reclaimed", ntimes - c.narenas);
  out += printone("# arenas highwater mark", h[S(OBM_NARENAS_HIGHWATER)]);
  out += printone("# arenas allocated current", c.narenas);
  out += printone(`${c.narenas} arenas * ${ARENA_SIZE} bytes/arena`, c.narenas * ARENA_SIZE);
  out += "\n";
  let total = allocated;
  out += printone("# bytes in allocated blocks", allocated);
  total += available;
  out += printone("# bytes in available blocks", available);
  total += c.numfreepools * POOL_SIZE;
  out += printone(`${c.numfreepools} unused pools * ${POOL_SIZE} bytes`, c.numfreepools * POOL_SIZE);
  total += poolHeaders;
  out += printone("# bytes lost to pool headers", poolHeaders);
  total += quantization;
  out += printone("# bytes lost to quantization", quantization);
  total += c.arenaAlignment;
  out += printone("# bytes lost to arena alignment", c.arenaAlignment);
  out += printone("Total", total);
  if (total !== c.narenas * ARENA_SIZE) {
    throw new CheckError(`debugmallocstats: Total ${total} != ${c.narenas} arenas * ${ARENA_SIZE}`);
  }
  // WITH_PYMALLOC_RADIX_TREE without interior nodes (32-bit): the root line only
  out += "\narena map counts\n";
  out += printone("# bytes lost to arena map root", ARENA_MAP_SIZE);
  return out;
}

// ---- check -------------------------------------------------------------------

function fail(msg: string): never {
  throw new CheckError(`pymalloc check: ${msg}`);
}

function mappingInsert(size: number): number {
  if (size < RAW_SMALL_LIMIT) return size >>> 3;
  const msb = 31 - Math.clz32(size);
  return (msb - (RAW_SL_BITS + 3) + 1) * RAW_SL_COUNT + ((size >>> (msb - RAW_SL_BITS)) ^ RAW_SL_COUNT);
}

/**
 * Validate every invariant of layers 0-2 (and, in debug mode, every guard and
 * every dead fill). Throws CheckError naming the first broken one.
 */
export function check(v: MemView): void {
  const h = v.i32;
  const u = v.u8;

  // -- layer 0
  const top = h[S(SRC_HEAP_TOP)] >>> 0;
  const maxMemory = h[S(SRC_MAX_MEMORY)] >>> 0;
  if (top !== u.byteLength) fail(`heap_top ${hex(top)} != linear memory size ${hex(u.byteLength)}`);
  if (top % WASM_PAGE_SIZE !== 0 || top < HEAP_BASE) fail(`heap_top ${hex(top)} is not a page multiple >= HEAP_BASE`);
  if (maxMemory > MAX_MEMORY_LIMIT || maxMemory < HEAP_BASE) fail(`max_memory ${hex(maxMemory)} out of [HEAP_BASE, 2 GiB]`);
  if (top > maxMemory) fail(`heap_top ${hex(top)} exceeds max_memory ${hex(maxMemory)}`);
  const debug = h[S(OBM_DEBUG)];
  if (debug !== 0 && debug !== 1) fail(`debug flag is ${debug}`);
  if (h[S(DBG_KIND)] !== 0) fail(`a debug fault (kind ${h[S(DBG_KIND)]}) is pending: it was never reported`);

  // -- arena objects
  const maxarenas = h[S(OBM_MAXARENAS)];
  const arenasVector = h[S(OBM_ARENAS)] >>> 0;
  if ((maxarenas === 0) !== (arenasVector === 0)) fail(`arenas ${hex(arenasVector)} with maxarenas ${maxarenas}`);
  if (maxarenas !== 0) {
    if (maxarenas < 16 || (maxarenas & (maxarenas - 1)) !== 0) fail(`maxarenas ${maxarenas} is not 16 doubled`);
    const b = arenasVector - RAW_HEADER;
    const head = h[(b >> 2) + RAWB_HEAD_W];
    if (arenasVector < HEAP_BASE + RAW_HEADER || arenasVector >= top || (head & RAW_FREE) !== 0 ||
        h[(b >> 2) + RAWB_CHECK_W] !== (b ^ RAW_MAGIC_USED) ||
        (head & RAW_SIZE_MASK) - RAW_OVERHEAD < maxarenas * SIZEOF_ARENA_OBJECT) {
      fail(`the arenas vector at ${hex(arenasVector)} is not a live layer-1 block of ${maxarenas} arena_objects`);
    }
  }
  const arenaAt = new Map<number, number>(); // address -> arena index
  let allocated = 0;
  let unusedSlots = 0;
  for (let ai = 0; ai < maxarenas; ai++) {
    const w = aoW(h, ai);
    const address = h[w + AO_ADDRESS_W] >>> 0;
    if (address === 0) {
      unusedSlots++;
      continue;
    }
    allocated++;
    if (address & ARENA_SIZE_MASK) fail(`arena ${ai} at ${hex(address)} is not ARENA_SIZE-aligned`);
    if (address < HEAP_BASE || address + ARENA_SIZE > top) fail(`arena ${ai} at ${hex(address)} is outside the heap`);
    if (arenaAt.has(address)) fail(`arenas ${arenaAt.get(address)} and ${ai} share address ${hex(address)}`);
    arenaAt.set(address, ai);
    const ntotal = h[w + AO_NTOTALPOOLS_W];
    if (ntotal !== MAX_POOLS_IN_ARENA) fail(`arena ${ai}: ntotalpools ${ntotal}, expected ${MAX_POOLS_IN_ARENA} (aligned arena)`);
    const poolAddress = h[w + AO_POOL_ADDRESS_W] >>> 0;
    if (poolAddress < address || poolAddress > address + ARENA_SIZE || (poolAddress & POOL_SIZE_MASK) !== 0) {
      fail(`arena ${ai}: pool_address ${hex(poolAddress)} outside [${hex(address)}, +ARENA_SIZE] or unaligned`);
    }
    const leaf = (ARENA_MAP_BASE >> 2) + ((address >>> ARENA_BITS) << 1);
    if (h[leaf] !== -1 || h[leaf + 1] !== 0) {
      fail(`arena map: chunk of arena ${ai} (${hex(address)}) reads {tail_hi ${h[leaf]}, tail_lo ${h[leaf + 1]}}, expected {-1, 0}`);
    }
    if (!isArenaChunk(h, address)) fail(`layer 1 does not mark arena ${ai} (${hex(address)}) as an arena chunk`);
  }
  for (let i = 0; i < MAP_BOT_LENGTH; i++) {
    const hi = h[(ARENA_MAP_BASE >> 2) + 2 * i], lo = h[(ARENA_MAP_BASE >> 2) + 2 * i + 1];
    if ((hi !== 0 || lo !== 0) && !arenaAt.has(i * ARENA_SIZE)) {
      fail(`arena map: leaf ${i} (${hex(i * ARENA_SIZE)}) = {${hi}, ${lo}} covers no allocated arena`);
    }
  }
  const current = h[S(OBM_NARENAS_CURRENTLY_ALLOCATED)];
  const ntimes = h[S(OBM_NTIMES_ARENA_ALLOCATED)];
  const highwater = h[S(OBM_NARENAS_HIGHWATER)];
  if (current !== allocated) fail(`narenas_currently_allocated ${current} but ${allocated} arenas have an address`);
  if (highwater < current || ntimes < highwater) fail(`counters: current ${current}, highwater ${highwater}, total ${ntimes}`);

  // unused_arena_objects: exactly the slots with address 0
  {
    let i = h[S(OBM_UNUSED_ARENA_OBJECTS)];
    let n = 0;
    const seen = new Uint8Array(maxarenas);
    while (i !== NONE) {
      if (i < 0 || i >= maxarenas) fail(`unused_arena_objects: bad index ${i}`);
      if (seen[i]) fail(`unused_arena_objects: cycle at arena ${i}`);
      seen[i] = 1;
      if (h[aoW(h, i) + AO_ADDRESS_W] !== 0) fail(`unused_arena_objects: arena ${i} has an address`);
      n++;
      i = h[aoW(h, i) + AO_NEXTARENA_W];
    }
    if (n !== unusedSlots) fail(`unused_arena_objects holds ${n} of the ${unusedSlots} unassociated arena objects`);
  }

  // usable_arenas: sorted by nfreepools, nfp2lasta fingers, release rule
  {
    let i = h[S(OBM_USABLE_ARENAS)];
    let prev = NONE;
    let prevNf = 0;
    let n = 0;
    const seen = new Uint8Array(maxarenas);
    const lastWith = new Int32Array(MAX_POOLS_IN_ARENA + 1).fill(NONE);
    let whollyFree = NONE;
    while (i !== NONE) {
      if (i < 0 || i >= maxarenas) fail(`usable_arenas: bad index ${i}`);
      if (seen[i]) fail(`usable_arenas: cycle at arena ${i}`);
      seen[i] = 1;
      const w = aoW(h, i);
      if (h[w + AO_ADDRESS_W] === 0) fail(`usable_arenas: arena ${i} is not allocated`);
      if (h[w + AO_PREVARENA_W] !== prev) fail(`usable_arenas: arena ${i}.prevarena is ${h[w + AO_PREVARENA_W]}, expected ${prev}`);
      const nf = h[w + AO_NFREEPOOLS_W];
      if (nf <= 0 || nf > MAX_POOLS_IN_ARENA) fail(`usable_arenas: arena ${i} has nfreepools ${nf}`);
      if (nf < prevNf) fail(`usable_arenas not sorted: arena ${i} (nfreepools ${nf}) follows arena ${prev} (nfreepools ${prevNf})`);
      if (whollyFree !== NONE) fail(`arena ${whollyFree} is wholly free but not the last of usable_arenas (bpo-37257 keeps only the last)`);
      if (nf === h[w + AO_NTOTALPOOLS_W]) whollyFree = i;
      lastWith[nf] = i;
      prevNf = nf;
      prev = i;
      n++;
      i = h[w + AO_NEXTARENA_W];
    }
    let withFree = 0;
    for (let ai = 0; ai < maxarenas; ai++) {
      const w = aoW(h, ai);
      if (h[w + AO_ADDRESS_W] !== 0 && h[w + AO_NFREEPOOLS_W] > 0) {
        withFree++;
        if (!seen[ai]) fail(`arena ${ai} has ${h[w + AO_NFREEPOOLS_W]} free pools but is not in usable_arenas`);
      }
    }
    if (n !== withFree) fail(`usable_arenas has ${n} arenas, ${withFree} have free pools`);
    for (let nf = 0; nf <= MAX_POOLS_IN_ARENA; nf++) {
      const finger = h[S(OBM_NFP2LASTA) + nf];
      if (finger !== lastWith[nf]) {
        fail(`nfp2lasta[${nf}] is ${finger}, but the rightmost usable arena with ${nf} free pools is ${lastWith[nf]}`);
      }
    }
  }

  // pools: freepools stacks, rings, free lists, block accounting
  const poolState = new Map<number, number>(); // pool -> 0 empty, 1 used, 2 full
  const inStack = new Set<number>();
  for (let ai = 0; ai < maxarenas; ai++) {
    const w = aoW(h, ai);
    const address = h[w + AO_ADDRESS_W] >>> 0;
    if (address === 0) continue;
    const poolAddress = h[w + AO_POOL_ADDRESS_W] >>> 0;
    let pool = h[w + AO_FREEPOOLS_W] >>> 0;
    let n = 0;
    while (pool !== 0) {
      if (pool < address || pool >= poolAddress || (pool & POOL_SIZE_MASK) !== 0) {
        fail(`arena ${ai}: freepools entry ${hex(pool)} is not a carved pool of this arena`);
      }
      if (inStack.has(pool)) fail(`arena ${ai}: freepools cycle at ${hex(pool)}`);
      inStack.add(pool);
      n++;
      pool = h[(pool >> 2) + POOL_NEXTPOOL_W] >>> 0;
    }
    const never = (address + ARENA_SIZE - poolAddress) / POOL_SIZE;
    const nf = h[w + AO_NFREEPOOLS_W];
    if (nf !== n + never) fail(`arena ${ai}: nfreepools ${nf} != ${n} cached empty pools + ${never} never carved`);
  }
  const marks = new Uint8Array(NUMBLOCKS(0));
  forEachPool(v, (pool, ai) => {
    const pi = pool >> 2;
    const where = `pool ${hex(pool)} (arena ${ai})`;
    if (h[pi + POOL_ARENAINDEX_W] !== ai) fail(`${where}: arenaindex ${h[pi + POOL_ARENAINDEX_W]}`);
    const sz = h[pi + POOL_SZIDX_W];
    if (sz === DUMMY_SIZE_IDX || sz < 0 || sz >= NB_SMALL_SIZE_CLASSES) fail(`${where}: szidx ${sz}`);
    const size = INDEX2SIZE(sz);
    const numblocks = NUMBLOCKS(sz);
    const nextoffset = h[pi + POOL_NEXTOFFSET_W];
    const maxnext = h[pi + POOL_MAXNEXTOFFSET_W];
    if (maxnext !== POOL_SIZE - size) fail(`${where}: maxnextoffset ${maxnext}, expected ${POOL_SIZE - size}`);
    if (nextoffset < POOL_OVERHEAD + 2 * size || nextoffset > maxnext + size || (nextoffset - POOL_OVERHEAD) % size !== 0) {
      fail(`${where}: nextoffset ${nextoffset} is not a block boundary in [${POOL_OVERHEAD + 2 * size}, ${maxnext + size}]`);
    }
    const carved = (nextoffset - POOL_OVERHEAD) / size;
    marks.fill(0, 0, numblocks);
    let b = h[pi + POOL_FREEBLOCK_W] >>> 0;
    let freelen = 0;
    while (b !== 0) {
      const off = b - pool - POOL_OVERHEAD;
      if (b < pool + POOL_OVERHEAD || b >= pool + nextoffset || off % size !== 0) {
        fail(`${where}: free list entry ${hex(b)} is not a carved block boundary of the pool (class ${sz}, size ${size})`);
      }
      const k = off / size;
      if (marks[k]) fail(`${where}: free list cycle at block ${hex(b)}`);
      marks[k] = 1;
      freelen++;
      b = h[b >> 2] >>> 0;
    }
    const virgin = nextoffset <= maxnext ? Math.floor((maxnext - nextoffset) / size) + 1 : 0;
    const count = h[pi + POOL_COUNT_W];
    if (count < 0 || count + freelen + virgin !== numblocks) {
      fail(`${where}: ref.count ${count} + ${freelen} free + ${virgin} virgin != NUMBLOCKS(${sz}) = ${numblocks}`);
    }
    if (count === 0) {
      if (!inStack.has(pool)) fail(`${where} is empty but not on its arena's freepools`);
      poolState.set(pool, 0);
    } else {
      if (inStack.has(pool)) fail(`${where} is on freepools with ${count} blocks allocated`);
      poolState.set(pool, freelen + virgin === 0 ? 2 : 1);
      if ((freelen === 0) !== (freelen + virgin === 0)) {
        fail(`${where}: free list is empty but ${virgin} virgin blocks remain (pymalloc_pool_extend should have carved one)`);
      }
    }
    if (debug) {
      for (let k = 0; k < carved; k++) {
        const q = pool + POOL_OVERHEAD + k * size;
        if (marks[k]) {
          for (let i = 4; i < size; i++) {
            if (u[q + i] !== PYMEM_DEADBYTE) {
              fail(`debug: free block ${hex(q)} of ${where} was written after free: byte at +${i} is ${hex(u[q + i])}, expected DEADBYTE 0xdd`);
            }
          }
        } else if (count !== 0) {
          checkGuards(u, q, size, `pymalloc block ${hex(q)} of ${where}`);
        }
      }
    }
  });
  if (inStack.size !== [...poolState.values()].filter((s) => s === 0).length) {
    fail(`freepools stacks hold ${inStack.size} pools, ${[...poolState.values()].filter((s) => s === 0).length} pools are empty`);
  }
  // usedpools rings
  const inRing = new Set<number>();
  for (let i = 0; i < NB_SMALL_SIZE_CLASSES; i++) {
    const head = PTA(i);
    let prev = head;
    let pool = h[S(OBM_USEDPOOLS) + 2 * i] >>> 0;
    let guard = poolState.size + 1;
    while (pool !== head) {
      if (guard-- === 0) fail(`usedpools[${2 * i}] ring does not close`);
      const state = poolState.get(pool);
      if (state === undefined) fail(`usedpools[${2 * i}] ring holds ${hex(pool)}, not a carved pool`);
      if (state !== 1) fail(`usedpools[${2 * i}] ring holds ${state === 0 ? "empty" : "full"} pool ${hex(pool)}`);
      if (h[(pool >> 2) + POOL_SZIDX_W] !== i) fail(`usedpools[${2 * i}] ring holds pool ${hex(pool)} of class ${h[(pool >> 2) + POOL_SZIDX_W]}`);
      if (h[(pool >> 2) + POOL_PREVPOOL_W] >>> 0 !== prev) fail(`usedpools[${2 * i}] ring: pool ${hex(pool)}.prevpool is ${hex(h[(pool >> 2) + POOL_PREVPOOL_W])}, expected ${hex(prev)}`);
      if (inRing.has(pool)) fail(`pool ${hex(pool)} is in a ring twice`);
      inRing.add(pool);
      prev = pool;
      pool = h[(pool >> 2) + POOL_NEXTPOOL_W] >>> 0;
    }
    if (h[S(OBM_USEDPOOLS) + 2 * i + 1] >>> 0 !== prev) fail(`usedpools[${2 * i + 1}] (ring ${i} tail) is ${hex(h[S(OBM_USEDPOOLS) + 2 * i + 1])}, expected ${hex(prev)}`);
  }
  for (const [pool, state] of poolState) {
    if (state === 1 && !inRing.has(pool)) fail(`used pool ${hex(pool)} (class ${h[(pool >> 2) + POOL_SZIDX_W]}) is in no usedpools ring`);
  }

  // -- layer 1: walk the heap
  const freeBlocks = new Set<number>();
  let usedTagged = 0;
  let arenasSeen = 0;
  let sawVector = false;
  {
    let b = HEAP_BASE;
    let prevFree = false;
    while (b < top) {
      if ((b & ARENA_SIZE_MASK) === 0 && isArenaChunk(h, b)) {
        if (!arenaAt.has(b)) fail(`layer 1: chunk ${hex(b)} is marked as an arena but no arena_object owns it`);
        arenasSeen++;
        b += ARENA_SIZE;
        prevFree = false;
        continue;
      }
      if (isArenaChunk(h, b & ~ARENA_SIZE_MASK)) fail(`layer 1: block at ${hex(b)} lies inside arena chunk ${hex(b & ~ARENA_SIZE_MASK)}`);
      const head = h[(b >> 2) + RAWB_HEAD_W];
      const size = head & RAW_SIZE_MASK;
      const free = (head & RAW_FREE) !== 0;
      if (size < RAW_MIN_BLOCK || b + size > top || (head & 6) !== 0) fail(`layer 1: block at ${hex(b)} has head ${hex(head)} (size ${size}, heap_top ${hex(top)})`);
      const nextChunk = (b & ~ARENA_SIZE_MASK) + ARENA_SIZE;
      if (b + size > nextChunk && isArenaChunk(h, nextChunk) && nextChunk < top) {
        fail(`layer 1: block at ${hex(b)} (size ${size}) overlaps arena ${hex(nextChunk)}`);
      }
      if (h[(b + size - 4) >> 2] !== head) fail(`layer 1: block at ${hex(b)}: foot ${hex(h[(b + size - 4) >> 2])} != head ${hex(head)}`);
      const want = b ^ (free ? RAW_MAGIC_FREE : RAW_MAGIC_USED);
      if (h[(b >> 2) + RAWB_CHECK_W] !== want) fail(`layer 1: block at ${hex(b)}: check word ${hex(h[(b >> 2) + RAWB_CHECK_W])}, expected ${hex(want)}`);
      if (free) {
        if (prevFree) fail(`layer 1: free blocks not coalesced at ${hex(b)}`);
        freeBlocks.add(b);
      } else {
        usedTagged++;
        if (b + RAW_HEADER === arenasVector) sawVector = true;
        else if (debug) checkGuards(u, b + RAW_HEADER, size - RAW_OVERHEAD, `layer-1 block ${hex(b + RAW_HEADER)}`);
      }
      prevFree = free;
      b += size;
    }
    if (b !== top) fail(`layer 1: the block walk ends at ${hex(b)}, not at heap_top ${hex(top)}`);
  }
  if (arenasSeen !== allocated) fail(`layer 1 holds ${arenasSeen} arena chunks, pymalloc ${allocated} arenas`);
  if (arenasVector !== 0 && !sawVector) fail(`the arenas vector ${hex(arenasVector)} is not a layer-1 block`);
  const rawBlocks = h[S(OBM_RAW_ALLOCATED_BLOCKS)];
  if (usedTagged !== rawBlocks + (arenasVector !== 0 ? 1 : 0)) {
    fail(`layer 1 has ${usedTagged} used blocks; raw_allocated_blocks ${rawBlocks} + arenas vector ${arenasVector !== 0 ? 1 : 0}`);
  }
  // segregated lists and their bitmaps
  {
    let listed = 0;
    let flWant = 0;
    for (let fl = 0; fl < RAW_FL_COUNT; fl++) {
      let slWant = 0;
      for (let sl = 0; sl < RAW_SL_COUNT; sl++) {
        const idx = fl * RAW_SL_COUNT + sl;
        let b = h[S(RAW_HEADS) + idx] >>> 0;
        let prev = 0;
        if (b !== 0) slWant |= 1 << sl;
        while (b !== 0) {
          if (!freeBlocks.has(b)) fail(`layer 1: list ${idx} holds ${hex(b)}, which is not a free block`);
          const size = h[(b >> 2) + RAWB_HEAD_W] & RAW_SIZE_MASK;
          if (mappingInsert(size) !== idx) fail(`layer 1: free block ${hex(b)} of size ${size} is in list ${idx}, belongs in ${mappingInsert(size)}`);
          if (h[(b >> 2) + RAWB_PREV_FREE_W] >>> 0 !== prev) fail(`layer 1: free block ${hex(b)}.prev_free is ${hex(h[(b >> 2) + RAWB_PREV_FREE_W])}, expected ${hex(prev)}`);
          if (++listed > freeBlocks.size) fail(`layer 1: list ${idx} does not end`);
          prev = b;
          b = h[(b >> 2) + RAWB_NEXT_FREE_W] >>> 0;
        }
      }
      if (h[S(RAW_SL_BITMAP) + fl] !== slWant) fail(`layer 1: sl_bitmap[${fl}] is ${hex(h[S(RAW_SL_BITMAP) + fl])}, lists say ${hex(slWant)}`);
      if (slWant !== 0) flWant |= 1 << fl;
    }
    if (h[S(RAW_FL_BITMAP)] !== flWant) fail(`layer 1: fl_bitmap is ${hex(h[S(RAW_FL_BITMAP)])}, lists say ${hex(flWant)}`);
    if (listed !== freeBlocks.size) fail(`layer 1: ${freeBlocks.size} free blocks, ${listed} in the lists`);
  }
}

/** Debug mode: the guards of a live debug block at base q with `capacity` bytes. */
function checkGuards(u: Uint8Array, q: number, capacity: number, what: string): void {
  const p = q + 2 * SST;
  if (u[q + SST] !== PYMEM_API_OBJ) fail(`debug: ${what}: api id ${hex(u[q + SST])}, expected 'o'`);
  for (let i = SST + 1; i < 2 * SST; i++) {
    if (u[q + i] !== PYMEM_FORBIDDENBYTE) fail(`debug: ${what}: leading pad at p-${2 * SST - i} is ${hex(u[q + i])} (buffer underrun)`);
  }
  const n = ((u[q] << 24) | (u[q + 1] << 16) | (u[q + 2] << 8) | u[q + 3]) >>> 0;
  if (n > capacity - PYMEM_DEBUG_EXTRA_BYTES) fail(`debug: ${what}: size field ${n} does not fit the ${capacity}-byte block`);
  for (let i = 0; i < SST; i++) {
    if (u[p + n + i] !== PYMEM_FORBIDDENBYTE) fail(`debug: ${what}: trailing pad at tail+${i} is ${hex(u[p + n + i])} (buffer overrun)`);
  }
}

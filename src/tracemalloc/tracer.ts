// === tracemalloc: the tracing allocator (layer 3, src/tracemalloc) ===
//
// Ports, from CPython 3.11 Modules/_tracemalloc.c: tracemalloc_alloc (malloc and
// calloc), tracemalloc_realloc, tracemalloc_free, tracemalloc_add_trace (an
// existing trace at the same address is replaced), tracemalloc_remove_trace, the
// traced_memory / peak_traced_memory counters, tracemalloc_clear_traces and
// _PyTraceMalloc_GetTraceback's lookup by block address.
//
// How it hooks in: CPython swaps the PyMem/PyObject allocator functions for its
// hooks while tracing (PyMem_SetAllocator) and puts the originals back on stop.
// Here `start()` installs a wrapper Allocator as `h.alloc` (every allocation of
// the heap, objects and their separately allocated parts alike, goes through
// `h.alloc.malloc/calloc/realloc/free`) and `stop()` restores the original. When
// tracing is off there is no wrapper and no check anywhere: it costs nothing.
//
// Traces: address -> slot (a Map of small integers), the slot's size and
// traceback id in two typed arrays, free slots chained through the traceback
// array. Tracebacks are interned by the StackSampler.
//
// Never touches: the heap's objects. The wrapper only forwards and records.

import type { Allocator } from "../alloc/types.js";
import type { HeapState } from "../heap/state.js";
import { StackSampler, type TracebackRecord } from "./frames.js";
import { DEFAULT_DOMAIN, type RawTrace } from "./snapshot.js";

/** _tracemalloc's MAX_NFRAME (the traceback_t nframe field is 16 bits) */
export const MAX_NFRAME = 65535;

/** Estimated V8 sizes (64-bit Node), for get_tracemalloc_memory(). */
const MAP_ENTRY_BYTES = 40; // an OrderedHashMap entry with its share of buckets and slack
const OBJECT_BYTES = 48; // a small JS object (header + a few fields)
const ARRAY_BYTES = 32; // a JS array header
const FRAME_BYTES = 40; // a frozen [filename, lineno] pair (the filename string is shared)
const STRING_HEADER = 16; // a string's header; one byte per Latin-1 character after it
const FIXED_BYTES = 624; // the tracer's fixed structures (what CPython reports before start)

export class Tracer {
  readonly h: HeapState;
  readonly sampler: StackSampler;
  tracing = false;
  /** the allocator the heap had before start(), restored by stop() */
  #orig: Allocator | null = null;
  /** traced_memory and peak_traced_memory */
  traced = 0;
  peak = 0;

  // ---- traces ----
  /** block address -> slot */
  readonly #slotOf = new Map<number, number>();
  #size = new Uint32Array(256);
  /** traceback id of a used slot; for a free slot, the next free slot + 1 (0 ends the chain) */
  #tbOf = new Int32Array(256);
  #freeSlot = 0; // first free slot + 1
  #slots = 0; // slots ever used
  /** traceback id -> record; ids are indexes */
  #tbs: TracebackRecord[] = [];
  readonly #tbId = new Map<TracebackRecord, number>();

  constructor(h: HeapState, ownPrefixes: string[]) {
    this.h = h;
    this.sampler = new StackSampler(ownPrefixes);
  }

  get nframe(): number {
    return this.sampler.nframe;
  }
  set nframe(n: number) {
    this.sampler.nframe = n;
  }

  /** number of traced blocks */
  get count(): number {
    return this.#slotOf.size;
  }

  // ------------------------------------------------------------ install / uninstall

  /** tracemalloc_start after the argument checks: install the hooks (no-op if tracing). */
  start(): void {
    if (this.tracing) return;
    const h = this.h;
    const orig = h.alloc;
    this.#orig = orig;
    const m0 = orig.malloc;
    const c0 = orig.calloc;
    const r0 = orig.realloc;
    const f0 = orig.free;
    // The hooks. Each passes itself to capture() so that the stack starts at its caller.
    const malloc = (n: number): number => {
      const p = m0(n);
      if (p !== 0) this.#add(p, n, malloc);
      return p;
    };
    const calloc = (nelem: number, elsize: number): number => {
      const p = c0(nelem, elsize);
      if (p !== 0) this.#add(p, nelem * elsize, calloc);
      return p;
    };
    const realloc = (ptr: number, n: number): number => {
      const p = r0(ptr, n);
      if (p !== 0) {
        // an existing block resized (or moved): its trace now has the new size and caller
        if (ptr !== 0 && p !== ptr) this.#remove(ptr);
        this.#add(p, n, realloc);
      }
      return p;
    };
    const free = (ptr: number): void => {
      f0(ptr);
      if (ptr !== 0) this.#remove(ptr);
    };
    // same shape as the original: every other member is the original's own
    h.alloc = { ...orig, malloc, calloc, realloc, free };
    this.tracing = true;
  }

  /** tracemalloc_stop: put the original allocator back, then clear the traces. */
  stop(): void {
    if (!this.tracing) return;
    this.h.alloc = this.#orig!;
    this.#orig = null;
    this.tracing = false;
    this.clear();
  }

  /** tracemalloc_clear_traces: forget every trace and traceback; counters to 0. */
  clear(): void {
    this.#slotOf.clear();
    this.#size = new Uint32Array(256);
    this.#tbOf = new Int32Array(256);
    this.#freeSlot = 0;
    this.#slots = 0;
    this.#tbs = [];
    this.#tbId.clear();
    this.sampler.reset();
    this.traced = 0;
    this.peak = 0;
  }

  // ------------------------------------------------------------ traces

  #add(ptr: number, size: number, hook: Function): void {
    const rec = this.sampler.capture(hook);
    let id = this.#tbId.get(rec);
    if (id === undefined) {
      id = this.#tbs.length;
      this.#tbs.push(rec);
      this.#tbId.set(rec, id);
    }
    let slot = this.#slotOf.get(ptr);
    if (slot !== undefined) {
      // tracemalloc_add_trace on an address already traced: update it
      this.traced -= this.#size[slot];
    } else {
      if (this.#freeSlot !== 0) {
        slot = this.#freeSlot - 1;
        this.#freeSlot = this.#tbOf[slot];
      } else {
        slot = this.#slots++;
        if (slot === this.#size.length) this.#grow();
      }
      this.#slotOf.set(ptr, slot);
    }
    this.#size[slot] = size;
    this.#tbOf[slot] = id;
    this.traced += size;
    if (this.traced > this.peak) this.peak = this.traced;
  }

  #remove(ptr: number): void {
    const slot = this.#slotOf.get(ptr);
    if (slot === undefined) return;
    this.#slotOf.delete(ptr);
    this.traced -= this.#size[slot];
    this.#tbOf[slot] = this.#freeSlot;
    this.#freeSlot = slot + 1;
  }

  #grow(): void {
    const size = new Uint32Array(this.#size.length * 2);
    size.set(this.#size);
    this.#size = size;
    const tb = new Int32Array(this.#tbOf.length * 2);
    tb.set(this.#tbOf);
    this.#tbOf = tb;
  }

  /** The traceback of the block at `ptr`, or null if it is not traced. */
  traceback_of(ptr: number): TracebackRecord | null {
    const slot = this.#slotOf.get(ptr);
    return slot === undefined ? null : this.#tbs[this.#tbOf[slot]];
  }

  /** _get_traces: every trace, in the order the blocks were first traced. */
  traces(): RawTrace[] {
    const out: RawTrace[] = [];
    const size = this.#size;
    const tbOf = this.#tbOf;
    const tbs = this.#tbs;
    for (const [, slot] of this.#slotOf) {
      out.push({ domain: DEFAULT_DOMAIN, size: size[slot], traceback: tbs[tbOf[slot]] });
    }
    return out;
  }

  /**
   * An estimate of the JS memory the tracer holds: the trace table (map entries and
   * the two typed arrays), the interned tracebacks (record, frames array, frame
   * pairs, key string) and the cache of mapped positions.
   */
  memory(): number {
    let bytes = FIXED_BYTES;
    bytes += this.#slotOf.size * MAP_ENTRY_BYTES;
    bytes += this.#size.byteLength + this.#tbOf.byteLength;
    for (const rec of this.#tbs) {
      bytes += OBJECT_BYTES + ARRAY_BYTES + rec.frames.length * (FRAME_BYTES + 8);
      bytes += STRING_HEADER + rec.key.length + 2 * MAP_ENTRY_BYTES;
    }
    bytes += this.sampler.positions * (MAP_ENTRY_BYTES + FRAME_BYTES + STRING_HEADER + 64);
    return bytes;
  }
}

// === Layer 0 (twin): the arena source, the ONLY code that grows the ArrayBuffer ===
//
// Layer 0. Twin of assembly/arena_source.ts: same policy (grow to
// max(needed, top + top/8), page-rounded, capped at max_memory; on failure try
// exactly what is needed), same heap_top sequence, so both twins hand out the
// same addresses. Growth extends the buffer (memory.ts: in place where the host
// has WebAssembly.Memory, else a bigger buffer, a copy, and the old one
// detached), so stale views read as length 0 exactly as after memory.grow; then the
// onGrow listeners run (growListeners), before the allocating call returns.
//
// Never touches: anything but the SRC_* words of the state and the buffer.

import { STATE_BASE, HEAP_BASE, WASM_PAGE_SIZE, GROW_SHIFT, MAX_MEMORY_LIMIT } from "./constants";
import { SRC_HEAP_TOP, SRC_MAX_MEMORY, SRC_NGROWS } from "./layout";
import { Mem, type GrowListener } from "./memory";

const HEAP_TOP_W = (STATE_BASE + SRC_HEAP_TOP) >> 2;
const MAX_MEMORY_W = (STATE_BASE + SRC_MAX_MEMORY) >> 2;
const NGROWS_W = (STATE_BASE + SRC_NGROWS) >> 2;

/** Clamp a requested cap: page-rounded down, within [HEAP_BASE, 2 GiB]. */
export function clamp_max_memory(max_memory: number): number {
  if (!(max_memory >= 0)) max_memory = 0;
  if (max_memory > MAX_MEMORY_LIMIT) max_memory = MAX_MEMORY_LIMIT;
  max_memory -= max_memory % WASM_PAGE_SIZE;
  if (max_memory < HEAP_BASE) max_memory = HEAP_BASE;
  return max_memory;
}

export function arena_source_init(m: Mem, max_memory: number): void {
  // the state stores max_memory as u32; 2 GiB reads back as a negative i32
  m.i32[MAX_MEMORY_W] = clamp_max_memory(max_memory) | 0;
  m.i32[HEAP_TOP_W] = m.byteLength;
}

/** Run the onGrow listeners; a listener that throws cannot unwind the allocator. */
export function growListeners(listeners: readonly GrowListener[], buffer: ArrayBufferLike): void {
  for (const l of listeners) {
    try {
      l(buffer);
    } catch (err) {
      console.error("pyheap: an onGrow listener threw (ignored, the allocator is mid-operation):", err);
    }
  }
}

function resize(m: Mem, bytes: number): boolean {
  const old = m.buffer;
  let next: ArrayBufferLike;
  if (m.growable !== null) {
    // in place: a plain old buffer is detached (a shared one stays, at its old
    // length); its contents are the new one's
    try {
      m.growable.grow((bytes - old.byteLength) / WASM_PAGE_SIZE);
    } catch {
      return false;
    }
    next = m.growable.buffer;
    m.buffer = next;
    m.i32 = new Int32Array(next);
    m.u8 = new Uint8Array(next);
    return true;
  }
  try {
    const transfer = (old as { transfer?: (n: number) => ArrayBuffer }).transfer;
    if (typeof transfer === "function") {
      next = transfer.call(old, bytes); // detaches old, zero-fills the tail
    } else {
      next = new ArrayBuffer(bytes);
      new Uint8Array(next).set(m.u8);
      structuredClone(old, { transfer: [old] }); // detach: stale views now read length 0
    }
  } catch {
    return false;
  }
  m.buffer = next;
  m.i32 = new Int32Array(next);
  m.u8 = new Uint8Array(next);
  return true;
}

/** Make the heap reach at least min_top bytes: the new heap_top, or 0. */
export function arena_source_grow(m: Mem, min_top: number): number {
  const top = m.i32[HEAP_TOP_W] >>> 0;
  if (min_top <= top) return top;
  const max = m.i32[MAX_MEMORY_W] >>> 0;
  if (min_top > max) return 0;
  const need = Math.ceil(min_top / WASM_PAGE_SIZE) * WASM_PAGE_SIZE;
  let target = top + Math.floor(top / (1 << GROW_SHIFT));
  if (target < need) target = need;
  target = Math.ceil(target / WASM_PAGE_SIZE) * WASM_PAGE_SIZE;
  if (target > max) target = max;
  if (!resize(m, target)) {
    target = need;
    if (!resize(m, target)) return 0;
  }
  const h = m.i32;
  h[HEAP_TOP_W] = target | 0;
  h[NGROWS_W]++;
  growListeners(m.listeners, m.buffer);
  return target;
}

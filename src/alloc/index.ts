// === createAllocator: the public entry of layers 0-2 ===
//
// `await createAllocator({ backend, debug, maxMemory })` returns an Allocator
// (src/alloc/types.ts): pymalloc over a WebAssembly memory ("wasm", default)
// or over an ArrayBuffer ("ts", the pure-TypeScript twin). Both hand out the
// same addresses for the same calls.
//
// maxMemory (default 1 GiB) caps the linear memory; it is clamped to
// [HEAP_BASE (256 KiB), 2 GiB] and rounded down to 64 KiB pages, so that every
// address is a positive 32-bit integer. Past it, malloc returns 0.

import { DEFAULT_MAX_MEMORY, HEAP_BASE, MAX_MEMORY_LIMIT, WASM_PAGE_SIZE } from "./twin/constants";
import { createTwinAllocator } from "./twin/index";
import { createWasmAllocator } from "./wasm";
import type { AllocatorOptions } from "./types";
import type { PymallocAllocator } from "./allocator";

export type { Allocator, AllocatorOptions, AllocatorStats, Backend, SizeClassStats } from "./types";
export type { PymallocAllocator } from "./allocator";
export { PymallocDebugError, type FaultKind } from "./debug_report";
export { CheckError } from "./introspect";

/** The maxMemory actually used for a requested value. */
export function effectiveMaxMemory(requested: number = DEFAULT_MAX_MEMORY): number {
  let m = Number.isFinite(requested) ? Math.max(0, Math.floor(requested)) : MAX_MEMORY_LIMIT;
  if (m > MAX_MEMORY_LIMIT) m = MAX_MEMORY_LIMIT;
  m -= m % WASM_PAGE_SIZE;
  return Math.max(m, HEAP_BASE);
}

export async function createAllocator(options: AllocatorOptions = {}): Promise<PymallocAllocator> {
  const backend = options.backend ?? "wasm";
  const debug = options.debug ?? false;
  const maxMemory = effectiveMaxMemory(options.maxMemory);
  switch (backend) {
    case "wasm":
      return createWasmAllocator(debug, maxMemory);
    case "ts":
      return createTwinAllocator(debug, maxMemory);
    default:
      throw new TypeError(`createAllocator: unknown backend ${JSON.stringify(backend)} (expected "wasm" or "ts")`);
  }
}

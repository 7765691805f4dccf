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
//
// sharedMemory (default: where the host allows it) puts the linear memory in a
// shared WebAssembly.Memory, which never detaches a buffer when it grows
// (src/alloc/wasm.ts says why that is faster).

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

let sharedOk: boolean | undefined;

/**
 * Can this host make a shared WebAssembly.Memory? Node can; a browser only on a
 * cross-origin-isolated page (SharedArrayBuffer is withheld elsewhere).
 */
export function sharedMemoryAvailable(): boolean {
  if (sharedOk === undefined) {
    sharedOk = false;
    if (typeof SharedArrayBuffer === "function" && typeof WebAssembly === "object" && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false) {
      try {
        new WebAssembly.Memory({ initial: 0, maximum: 1, shared: true });
        sharedOk = true;
      } catch {
        // an engine without the threads feature
      }
    }
  }
  return sharedOk;
}

export async function createAllocator(options: AllocatorOptions = {}): Promise<PymallocAllocator> {
  const backend = options.backend ?? "wasm";
  const debug = options.debug ?? false;
  const maxMemory = effectiveMaxMemory(options.maxMemory);
  const shared = options.sharedMemory ?? sharedMemoryAvailable();
  if (shared && !sharedMemoryAvailable()) {
    throw new Error("createAllocator: sharedMemory: true, but this host cannot make a shared WebAssembly.Memory (browsers allow one on cross-origin-isolated pages only)");
  }
  switch (backend) {
    case "wasm":
      return createWasmAllocator(debug, maxMemory, shared);
    case "ts":
      return createTwinAllocator(debug, maxMemory, shared);
    default:
      throw new TypeError(`createAllocator: unknown backend ${JSON.stringify(backend)} (expected "wasm" or "ts")`);
  }
}

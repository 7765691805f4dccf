// === createHeap: the public entry of layers 0-3 ===
//
// `await createHeap({ backend, debug, maxMemory, stderr })`: an allocator (wasm by
// default), a HeapState with every builtin in place, the collector and the weakref
// module installed, wrapped in the Heap facade.

import { createAllocator } from "../alloc/index.js";
import type { Backend } from "../alloc/types.js";
import { create_heap_state } from "../heap/bootstrap.js";
import { Heap } from "./heap.js";

export interface HeapOptions {
  /** "wasm" (default) or "ts" */
  backend?: Backend;
  /** allocator guard bytes and exact handle validation */
  debug?: boolean;
  /** bytes the linear memory may grow to (default 1 GiB) */
  maxMemory?: number;
  /** where gc debug output and unraisable exceptions go (default console.error) */
  stderr?: (line: string) => void;
}

export async function createHeap(options: HeapOptions = {}): Promise<Heap> {
  const alloc = await createAllocator({
    backend: options.backend ?? "wasm",
    debug: options.debug ?? false,
    maxMemory: options.maxMemory,
  });
  const h = create_heap_state(alloc, { stderr: options.stderr });
  return new Heap(h);
}

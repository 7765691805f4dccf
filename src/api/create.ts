// === createHeap: the public entry of layers 0-3 ===
//
// `await createHeap({ backend, debug, maxMemory, sharedMemory, stderr })`: an allocator (wasm by
// default), a HeapState with every builtin in place, the collector and the weakref
// module installed, wrapped in the Heap facade.

import { createAllocator } from "../alloc/index.js";
import type { Backend } from "../alloc/types.js";
import { create_heap_state } from "../heap/bootstrap.js";
import { install_gc, gc_module } from "../gc/index.js";
import { weakref_atexit, weakref_install, weakref_module } from "../weakref/index.js";
import { Heap } from "./heap.js";

export interface HeapOptions {
  /** "wasm" (default) or "ts" */
  backend?: Backend;
  /** allocator guard bytes and exact handle validation */
  debug?: boolean;
  /** bytes the linear memory may grow to (default 1 GiB) */
  maxMemory?: number;
  /** a shared WebAssembly.Memory, never detached as it grows (default: where the host allows it) */
  sharedMemory?: boolean;
  /** where gc debug output and unraisable exceptions go (default console.error) */
  stderr?: (line: string) => void;
}

export async function createHeap(options: HeapOptions = {}): Promise<Heap> {
  const alloc = await createAllocator({
    backend: options.backend ?? "wasm",
    debug: options.debug ?? false,
    maxMemory: options.maxMemory,
    sharedMemory: options.sharedMemory,
  });
  const h = create_heap_state(alloc, { stderr: options.stderr });
  install_gc(h);
  weakref_install(h);
  // interpreter exit runs weakref.finalize's atexit hook (registered first in
  // CPython, so it runs after any hook a user registers later)
  h.atexit.push(() => weakref_atexit(h));
  const heap = new Heap(h, gc_module(h), weakref_module(h));
  return heap;
}

// === The wasm backend: instantiate build/pymalloc.wasm and wrap its ABI ===
//
// Layer: the JS side of the module boundary (assembly/README.md documents the
// ABI). The ONLY file that instantiates the module and the only user of
// @assemblyscript/loader, which upstream marks deprecated (AS 0.20): it is kept
// behind this file so that replacing it touches nothing else. What it gives us:
// env.abort/env.trace that decode AssemblyScript strings (assertion messages of
// the debug build). The loader wraps every exported function in an
// argument-count shim; the hot exports are taken from `.original`, so malloc and
// free cost one JS->wasm call.
//
// Two builds of the module (wasm_bytes.ts): with `sharedMemory` (the default where
// the host allows shared memory: Node, cross-origin-isolated pages) the memory is
// declared shared, so growing it never detaches an ArrayBuffer. That matters to
// every typed-array access in the process: V8 compiles them without a detach check
// for as long as no ArrayBuffer has ever been detached, and growing an ordinary
// wasm memory detaches its old buffer. Measured in one run each, shared vs plain:
// object churn 15-25% faster on three of four cases (bench/churn.ts), full
// collections ~10% (bench/gc.ts; both take --backends wasm,wasm-plain). Otherwise
// the plain build is used.
//
// Imports given to the module: env.grew (called by assembly/arena_source.ts
// right after memory.grow: refresh views, run onGrow listeners); env.abort comes
// from the loader.
//
// Never touches: allocator state (wasm owns it; introspection reads it).

import { instantiate, type Imports } from "@assemblyscript/loader";
import { loadPymallocWasm } from "./wasm_bytes";
import { buildAllocator, type GrowListener, type PymallocAllocator } from "./allocator";
import { growListeners } from "./twin/arena_source";
import { HEAP_BASE, STATE_BASE } from "./twin/constants";
import { SRC_HEAP_TOP } from "./twin/layout";

/** The module's function exports (assembly/index.ts). */
export interface PymallocExports {
  memory: WebAssembly.Memory;
  init(maxMemory: number, debug: number): void;
  malloc(n: number): number;
  calloc(nelem: number, elsize: number): number;
  realloc(p: number, n: number): number;
  free(p: number): void;
  debug_malloc(n: number): number;
  debug_calloc(nelem: number, elsize: number): number;
  debug_realloc(p: number, n: number): number;
  debug_free(p: number): void;
  replay_run(recs: number, nrec: number, ptrs: number): number;
  heap_base(): number;
  debug_clear(): void;
}

const compiled: (Promise<WebAssembly.Module> | undefined)[] = [undefined, undefined];

/** Compile once per process (or page) and build; instances are cheap. */
export function compilePymalloc(shared = false): Promise<WebAssembly.Module> {
  const k = shared ? 1 : 0;
  compiled[k] ??= loadPymallocWasm(shared).then((bytes) => WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>));
  return compiled[k]!;
}

export interface WasmAllocator extends PymallocAllocator {
  /** the raw exports, for benchmarks and tests (globals: every constant and layout offset) */
  readonly exports: PymallocExports & Record<string, unknown>;
}

export async function createWasmAllocator(debug: boolean, maxMemory: number, shared: boolean): Promise<WasmAllocator> {
  const module = await compilePymalloc(shared);
  const listeners: GrowListener[] = [];
  let memory: WebAssembly.Memory | undefined;
  const env = {
    grew(): void {
      if (memory !== undefined) growListeners(listeners, memory.buffer);
    },
  };
  const { exports: wrapped } = await instantiate<Record<string, unknown>>(module, { env } as Imports);
  // the loader's argument-count wrappers carry the raw export as `.original`
  const plain: Record<string, unknown> = {};
  for (const name of Object.keys(wrapped)) {
    const f = (wrapped as Record<string, unknown>)[name];
    const original = typeof f === "function" ? (f as { original?: unknown }).original : undefined;
    plain[name] = original ?? f;
  }
  const ex = plain as unknown as PymallocExports & Record<string, unknown>;
  memory = ex.memory;
  if (ex.heap_base() > STATE_BASE) {
    throw new Error(`pymalloc wasm: AssemblyScript static data ends at ${ex.heap_base()}, above STATE_BASE ${STATE_BASE}`);
  }
  ex.init(maxMemory, debug ? 1 : 0);
  const top = new Int32Array(memory.buffer)[(STATE_BASE + SRC_HEAP_TOP) >> 2];
  if (top !== HEAP_BASE) {
    // the twin starts at exactly HEAP_BASE; identical addresses need identical starts
    throw new Error(`pymalloc wasm: heap starts with ${top} bytes of memory, expected HEAP_BASE ${HEAP_BASE}`);
  }
  const allocator = buildAllocator({
    backend: "wasm",
    debug,
    maxMemory,
    sharedMemory: shared,
    memory,
    // the allocator table, chosen once as PyMem_SetAllocator would: pymalloc, or
    // the debug hooks over it
    malloc: debug ? ex.debug_malloc : ex.malloc,
    calloc: debug ? ex.debug_calloc : ex.calloc,
    realloc: debug ? ex.debug_realloc : ex.realloc,
    free: debug ? ex.debug_free : ex.free,
    replayRun: ex.replay_run,
    clearFault: () => ex.debug_clear(),
    listeners,
  });
  return Object.assign(allocator, { exports: ex });
}

// === The wasm backend: instantiate build/pymalloc.wasm and wrap its ABI ===
//
// Layer: the JS side of the module boundary (assembly/README.md documents the
// ABI). The ONLY file that instantiates the module. It uses plain
// WebAssembly.instantiate: the module's exports are plain numbers in and out, so
// @assemblyscript/loader (deprecated upstream since AS 0.20) would add nothing;
// if a loader is ever wanted, it goes here and nowhere else.
//
// Imports given to the module: env.grew (called by assembly/arena_source.ts
// right after memory.grow: refresh views, run onGrow listeners) and env.abort
// (only reachable in the debug build, which keeps assertions).
//
// Never touches: allocator state (wasm owns it; introspection reads it).

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
  replay_run(recs: number, nrec: number, ptrs: number): number;
  heap_base(): number;
  debug_clear(): void;
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** Compile once per process (or page); instances are cheap. */
export function compilePymalloc(): Promise<WebAssembly.Module> {
  compiled ??= loadPymallocWasm().then((bytes) => WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>));
  return compiled;
}

export interface WasmAllocator extends PymallocAllocator {
  /** the raw exports, for benchmarks and tests (globals: every constant and layout offset) */
  readonly exports: PymallocExports & Record<string, unknown>;
}

export async function createWasmAllocator(debug: boolean, maxMemory: number): Promise<WasmAllocator> {
  const module = await compilePymalloc();
  const listeners: GrowListener[] = [];
  let memory: WebAssembly.Memory | undefined;
  const instance = await WebAssembly.instantiate(module, {
    env: {
      grew(): void {
        if (memory !== undefined) growListeners(listeners, memory.buffer);
      },
      abort(_msg: number, _file: number, line: number, col: number): never {
        throw new Error(`pymalloc wasm: assertion failed at line ${line}:${col}`);
      },
    },
  });
  const ex = instance.exports as unknown as PymallocExports & Record<string, unknown>;
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
    memory,
    malloc: ex.malloc,
    calloc: ex.calloc,
    realloc: ex.realloc,
    free: ex.free,
    replayRun: ex.replay_run,
    clearFault: () => ex.debug_clear(),
    listeners,
  });
  return Object.assign(allocator, { exports: ex });
}

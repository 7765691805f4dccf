// === Heap helpers that do not depend on vitest (see index.ts for the whole API) ===
//
// Usable from child processes (node --import tsx) as well as from test files.

import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Heap } from "../../src/index";
import type { HeapState } from "../../src/heap/state";
import { PyError } from "../../src/heap/errors";
import { createAllocator } from "../../src/alloc/index";
import { create_heap_state } from "../../src/heap/bootstrap";
import type { Backend } from "../../src/alloc/types";
import { float_clear_freelist } from "../../src/heap/float";
import { tuple_clear_freelists } from "../../src/heap/tuple";
import { list_clear_freelist } from "../../src/heap/list";
import { dict_clear_freelists } from "../../src/heap/dict";

export type { Backend };

export const BACKENDS: [Backend][] = [["wasm"], ["ts"]];

/** The collector's part of the heap, if src/gc has installed it. */
interface MaybeGc {
  gc?: { collect(generation?: number): number };
}

/** A bare HeapState (no collector, no weakref module) over a fresh allocator, for layer-3 unit tests. */
export async function stateHeap(backend: Backend): Promise<HeapState> {
  return create_heap_state(await createAllocator({ backend }), {});
}

/** Empty a HeapState's free lists (float, tuple, list, dict), as a full collection does. */
export function clearStateFreeLists(h: HeapState): void {
  dict_clear_freelists(h);
  list_clear_freelist(h);
  tuple_clear_freelists(h);
  float_clear_freelist(h);
}

/** The PyError f throws (anything else is rethrown; no throw fails). */
export function thrown(f: () => void): PyError {
  try {
    f();
  } catch (e) {
    if (e instanceof PyError) return e;
    throw e;
  }
  throw new Error("expected a PyError");
}

/** A seeded linear congruential generator of numbers in [0, 1), for reproducible random tests. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Empty the free lists (float, tuple, list, dict), as a full collection does. */
export function clearFreeLists(heap: Heap): void {
  const gc = (heap as unknown as MaybeGc).gc;
  if (gc !== undefined && typeof gc.collect === "function") {
    gc.collect();
    return;
  }
  clearStateFreeLists(heap.h);
}

export interface BlockCounts {
  blocks: number;
  raw: number;
}

export function blockCounts(heap: Heap): BlockCounts {
  return { blocks: heap.sys.getallocatedblocks(), raw: heap.mem.stats().rawBlocksInUse };
}

/** Collects the lines a heap writes to its stderr. */
export function stderrSink(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

/**
 * Run a TypeScript file with `node --import tsx` (outside vitest's module runner, whose
 * per-call import indirection makes hot loops several times slower). Returns what the
 * child printed; the caller asserts on it.
 */
export function runTs(file: string, args: string[] = [], timeoutMs = 120_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", file, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The repository root (for runTs and file paths). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

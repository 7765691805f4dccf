// === Shared test helpers for the object heap (and anyone testing through createHeap) ===
//
// A small, stable API; other suites may import it. Everything is exported from here.
//
// Heaps
//   BACKENDS                    [["wasm"], ["ts"]], for describe.each
//   withHeap(backend, fn, opts) create a heap (opts = createHeap options), run
//                               fn(heap, leak), then assert no leak (leak.check())
//                               unless fn threw or called leak.skip(); the heap is closed
//   leak.rebase()               take the baseline now (after creating objects the test
//                               keeps until the end, e.g. classes, which only the
//                               collector can free)
//   leak.check()                assert now: free lists cleared, allocated blocks and raw
//                               blocks back to the baseline, heap.mem.check() passes
//   leak.skip()                 no check at the end (a test that leaves the heap broken
//                               on purpose)
//   clearFreeLists(heap)        heap.gc.collect() when the collector is installed (a full
//                               collection clears the free lists, as CPython's), else the
//                               float, tuple, list and dict free lists through the state
//   blockCounts(heap)           { blocks: getallocatedblocks(), raw: rawBlocksInUse }
//   stderrSink()                { lines, write } to pass as createHeap's `stderr`
//
// Oracles (oracles.ts): python3, python3Json, python3Run, pyodide, pyodideRun, pyodideJson.

import { expect } from "vitest";
import { createHeap, type Heap, type HeapOptions } from "../../src/index";
import type { Backend } from "../../src/alloc/types";
import { float_clear_freelist } from "../../src/heap/float";
import { tuple_clear_freelists } from "../../src/heap/tuple";
import { list_clear_freelist } from "../../src/heap/list";
import { dict_clear_freelists } from "../../src/heap/dict";

export * from "./oracles";
export type { Backend };

export const BACKENDS: [Backend][] = [["wasm"], ["ts"]];

/** The collector's part of the heap, if src/gc has installed it. */
interface MaybeGc {
  gc?: { collect(generation?: number): number };
}

/** Empty the free lists (float, tuple, list, dict), as a full collection does. */
export function clearFreeLists(heap: Heap): void {
  const gc = (heap as unknown as MaybeGc).gc;
  if (gc !== undefined && typeof gc.collect === "function") {
    gc.collect();
    return;
  }
  const h = heap.h;
  float_clear_freelist(h);
  tuple_clear_freelists(h);
  list_clear_freelist(h);
  dict_clear_freelists(h);
}

export interface BlockCounts {
  blocks: number;
  raw: number;
}

export function blockCounts(heap: Heap): BlockCounts {
  return { blocks: heap.sys.getallocatedblocks(), raw: heap.mem.stats().rawBlocksInUse };
}

export interface LeakCheck {
  /** baseline taken at creation or by the last rebase() */
  readonly baseline: BlockCounts;
  rebase(): void;
  check(): void;
  skip(): void;
}

/**
 * Run fn on a fresh heap and assert that everything it created was released:
 * after clearing the free lists, getallocatedblocks() and the raw block count are
 * back to the baseline and heap.mem.check() passes.
 */
export async function withHeap<T>(
  backend: Backend,
  fn: (heap: Heap, leak: LeakCheck) => T | Promise<T>,
  options: Omit<HeapOptions, "backend"> = {},
): Promise<T> {
  const heap = await createHeap({ ...options, backend });
  let baseline = blockCounts(heap);
  let skip = false;
  const leak: LeakCheck = {
    get baseline() {
      return baseline;
    },
    rebase() {
      clearFreeLists(heap);
      baseline = blockCounts(heap);
    },
    check() {
      clearFreeLists(heap);
      heap.mem.check();
      expect(blockCounts(heap), "allocated blocks after releasing everything (leak check)").toEqual(baseline);
    },
    skip() {
      skip = true;
    },
  };
  const result = await fn(heap, leak);
  if (!skip) leak.check();
  heap.close();
  return result;
}

/** Collects the lines a heap writes to its stderr. */
export function stderrSink(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

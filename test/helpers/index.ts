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
//   runTs(file, args)           run a .ts file with node --import tsx (hot loops run several
//                               times faster there than under vitest); { status, stdout, stderr }
//   ROOT                        the repository root
//
// Oracles (oracles.ts): python3, python3Json, python3Run, pyodide, pyodideRun, pyodideJson.
// heap.ts holds the parts that do not need vitest (usable from a child process):
// BACKENDS, clearFreeLists, blockCounts, stderrSink, runTs, ROOT.

import { expect } from "vitest";
import { createHeap, type Heap, type HeapOptions } from "../../src/index";
import type { Backend } from "../../src/alloc/types";
import { blockCounts, clearFreeLists, type BlockCounts } from "./heap";

export * from "./oracles";
export * from "./heap";

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


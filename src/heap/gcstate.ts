// === The collector's runtime state, as data (layer 3) ===
//
// CPython 3.11's `struct _gc_runtime_state` (pycore_gc.h). It lives in the heap's
// state because object allocation (`_PyObject_GC_Link`) and deallocation
// (`PyObject_GC_Del`) update `generations[0].count`; the algorithms that read the
// rest are in src/gc and reach the heap only through `GcHooks`.
//
// Generation list heads are PyGC_Head blocks in linear memory (two words,
// `_gc_next` / `_gc_prev`), allocated once when the heap starts, so object links
// and head links are the same kind of address, as in CPython.

export const NUM_GENERATIONS = 3;

export interface GcGenerationStats {
  collections: number;
  collected: number;
  uncollectable: number;
}

export class GcRuntimeState {
  /** PyGC_Head addresses of generations 0, 1, 2 */
  readonly heads: number[];
  readonly thresholds: number[] = [700, 10, 10];
  readonly counts: number[] = [0, 0, 0];
  /** PyGC_Head address of the permanent generation (gc.freeze) */
  readonly permanentHead: number;
  readonly stats: GcGenerationStats[] = [
    { collections: 0, collected: 0, uncollectable: 0 },
    { collections: 0, collected: 0, uncollectable: 0 },
    { collections: 0, collected: 0, uncollectable: 0 },
  ];
  enabled = true;
  debug = 0;
  /** true while a collection runs: no automatic collection starts then */
  collecting = false;
  long_lived_total = 0;
  long_lived_pending = 0;

  constructor(heads: number[], permanentHead: number) {
    this.heads = heads;
    this.permanentHead = permanentHead;
  }
}

/**
 * What the heap asks of the collector. src/gc installs these when a heap is
 * created; the heap never imports src/gc.
 */
export interface GcHooks {
  /** gc_collect_generations(): called from _PyObject_GC_Link when count0 > threshold0 */
  collectGenerations(): void;
}

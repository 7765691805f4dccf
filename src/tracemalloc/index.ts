// === src/tracemalloc: tracing the heap's allocations (layer 3) ===
//
// CPython 3.11's tracemalloc over the heap of src/heap: tracer.ts (the tracing
// allocator installed as h.alloc while tracing), frames.ts (which JavaScript
// frames an allocation is charged to), snapshot.ts (Lib/tracemalloc.py's classes),
// format.ts (Python's number and pattern formatting), module.ts (heap.tracemalloc).
// The narrative is docs/tracemalloc.md.

export { tracemalloc_module, type TracemallocModule, type TracemallocApi } from "./module.js";
export {
  DomainFilter,
  Filter,
  Frame,
  Snapshot,
  Statistic,
  StatisticDiff,
  Trace,
  Traceback,
  type BaseFilter,
  type KeyType,
  type RawTrace,
} from "./snapshot.js";
export { _format_size } from "./format.js";
export { MAX_NFRAME } from "./tracer.js";

// === pyheap: the public surface ===
//
// createAllocator (layers 0-2: pymalloc in wasm or its TypeScript twin) and
// createHeap (layers 0-3: the Python object heap), and PyError.

export {
  createAllocator,
  effectiveMaxMemory,
  sharedMemoryAvailable,
  PymallocDebugError,
  CheckError,
  type Allocator,
  type AllocatorOptions,
  type AllocatorStats,
  type Backend,
  type SizeClassStats,
  type PymallocAllocator,
  type FaultKind,
} from "./alloc/index";
export { createHeap, type HeapOptions } from "./api/create.js";
export { Heap, type Ref, type ClassSpec, type CompareOp, type JsValue, type HeapTypes } from "./api/heap.js";
export { PyError } from "./heap/errors.js";
export {
  Snapshot,
  Statistic,
  StatisticDiff,
  Traceback,
  Frame,
  Trace,
  Filter,
  DomainFilter,
  type TracemallocModule,
} from "./tracemalloc/index.js";
export type { ObjgraphModule } from "./objgraph/index.js";

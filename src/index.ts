// === pyheap: the public surface ===
//
// Layers 0-2 (the allocator) for now; the object heap (createHeap, PyError)
// is added here by src/heap when it lands.

export {
  createAllocator,
  effectiveMaxMemory,
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

// === src/gc: the generational cycle collector and the `gc` module (layer 3) ===
//
// CPython 3.11's Modules/gcmodule.c over the heap of src/heap: traverse.ts (the
// visit functions and the inlined tp_traverse switch), phases.ts (one collection,
// phase by phase), generations.ts (counts, thresholds, triggering, callbacks,
// stats, debug output), module.ts (heap.gc), state.ts (per-heap working state).
// The narrative is docs/gc.md.

export { gc_module, type GcModule, type GcStats } from "./module.js";
export { install_gc, gc_collect, gc_collect_main, gc_collect_generations, collect_with_callbacks } from "./generations.js";
export { DEBUG_STATS, DEBUG_COLLECTABLE, DEBUG_UNCOLLECTABLE, DEBUG_SAVEALL, DEBUG_LEAK } from "./phases.js";
export type { GcCallback, GcCallbackInfo, GcModuleState } from "./state.js";

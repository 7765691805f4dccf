// === The collector's JavaScript-side state (layer 3, src/gc) ===
//
// What a collection needs besides `h.gc` (GcRuntimeState, plain data owned by the
// heap): the working list heads that CPython keeps on gc_collect_main's C stack
// (here PyGC_Head blocks in linear memory, allocated once per heap), the
// `gc.garbage` list, the `gc.callbacks` array, and the traversal context. One per
// heap, hung off HeapState as `h.gcModule` by install_gc; never module-level.

import { memoryError } from "../heap/errors.js";
import { gc_list_init } from "../heap/gclist.js";
import { list_new_empty } from "../heap/list.js";
import type { HeapState, Ref } from "../heap/state.js";
import { new_traverse_work, type TraverseWork } from "./traverse.js";

/** info passed to gc.callbacks */
export interface GcCallbackInfo {
  generation: number;
  collected: number;
  uncollectable: number;
}

/** A gc.callbacks entry: cb(phase, info). */
export type GcCallback = (phase: "start" | "stop", info: GcCallbackInfo) => void;

export interface GcModuleState {
  /** move_unreachable's `unreachable` list head */
  readonly unreachable: number;
  /** objects with (or reachable from) a legacy tp_del */
  readonly finalizers: number;
  /** finalize_garbage's `seen` list head */
  readonly seen: number;
  /** handle_resurrected_objects' `still_unreachable` list head */
  readonly finalUnreachable: number;
  /** gc.garbage: a heap list owned by this state (borrowed by users) */
  readonly garbage: Ref;
  /** gc.callbacks */
  readonly callbacks: GcCallback[];
  readonly work: TraverseWork;
  /** the first move_unreachable's report: objects left in young, in `unreachable`, and TRASH_* flags */
  survivors: number;
  trashCount: number;
  trashFlags: number;
  /** m and n of the last gc_collect_main (collected, uncollectable) */
  collected: number;
  uncollectable: number;
}

declare module "../heap/state.js" {
  interface HeapState {
    /** the collector's working state, set by install_gc (src/gc) */
    gcModule?: GcModuleState;
  }
}

/** The working heads: four PyGC_Head blocks in one allocation. */
const SIZEOF_HEADS = 32;

/**
 * Create the collector's state for `h` (once): working list heads and gc.garbage.
 * The allocations are not counted towards generation 0 (they belong to start-up,
 * like CPython's _PyGC_Init).
 */
export function gc_state_init(h: HeapState): GcModuleState {
  const existing = h.gcModule;
  if (existing !== undefined) return existing;
  const heads = h.alloc.malloc(SIZEOF_HEADS);
  if (heads === 0) throw memoryError();
  for (let i = 0; i < 4; i++) gc_list_init(h, heads + 8 * i);
  const count0 = h.gc.counts[0];
  let garbage: Ref;
  const enabled = h.gc.enabled;
  h.gc.enabled = false; // no automatic collection while the state is half built
  try {
    garbage = list_new_empty(h, 0);
  } catch (e) {
    h.alloc.free(heads);
    throw e;
  } finally {
    h.gc.enabled = enabled;
  }
  h.gc.counts[0] = count0;
  const st: GcModuleState = {
    unreachable: heads,
    finalizers: heads + 8,
    seen: heads + 16,
    finalUnreachable: heads + 24,
    garbage,
    callbacks: [],
    work: new_traverse_work(),
    survivors: 0,
    trashCount: 0,
    trashFlags: 0,
    collected: 0,
    uncollectable: 0,
  };
  h.gcModule = st;
  return st;
}

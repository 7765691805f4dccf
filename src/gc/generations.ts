// === Generations, counts and the collection driver (layer 3, src/gc) ===
//
// Ports, from CPython 3.11 Modules/gcmodule.c: gc_collect_main (one collection of
// generation g: counts, merge of the younger generations, the phases of
// phases.ts, promotion, long-lived bookkeeping, stats, DEBUG_* output,
// clear_freelists), show_stats_each_generations, invoke_gc_callback,
// gc_collect_with_callback, gc_collect_generations (the oldest generation over
// its threshold, with the long-lived rule for full collections), and the trigger
// that _PyObject_GC_Link (src/heap/object.ts gc_link) reaches through
// h.gcHooks.collectGenerations.
//
// Invariants: `h.gc.collecting` is true for the whole of a collection, callbacks
// included, so no automatic collection ever nests; counts follow 3.11 exactly
// (count0 = GC allocations - deallocations since the last gen-0 collection,
// count[g+1]++ and count[0..g] = 0 when generation g is collected).

import { gc_list_init, gc_list_merge, gc_list_size } from "../heap/gclist.js";
import { NUM_GENERATIONS } from "../heap/gcstate.js";
import { js_value_type_name, toPyError, PyError } from "../heap/errors.js";
import { float_new } from "../heap/float.js";
import { function_new } from "../heap/function.js";
import { long_from_number } from "../heap/int.js";
import { Py_DECREF, with_ref } from "../heap/refcount.js";
import { str_literal } from "../heap/str.js";
import { float_clear_freelist } from "../heap/float.js";
import { list_clear_freelist } from "../heap/list.js";
import { dict_clear_freelists } from "../heap/dict.js";
import type { HeapState, JsCallable, Ref } from "../heap/state.js";
import { with_barrier_scope } from "../heap/barrier.js";
import { tuple_clear_freelists } from "../heap/tuple.js";
import {
  DEBUG_COLLECTABLE,
  DEBUG_STATS,
  DEBUG_UNCOLLECTABLE,
  debug_cycle,
  deduce_unreachable,
  delete_garbage,
  finalize_garbage,
  handle_legacy_finalizers,
  handle_resurrected_objects,
  handle_weakrefs,
  move_legacy_finalizer_reachable,
  move_legacy_finalizers,
  TRASH_HAS_WEAKREFS,
  untrack_dicts,
} from "./phases.js";
import { gc_state_init, type GcCallbackInfo } from "./state.js";

/**
 * clear_freelists (full collections): tuple, float, list, dict, in CPython's order.
 * Each freed tuple, list and dict is a PyObject_GC_Del, so count0 goes down with
 * them (floored at 0: the clear functions count their own).
 */
export function clear_freelists(h: HeapState): void {
  tuple_clear_freelists(h);
  float_clear_freelist(h);
  list_clear_freelist(h);
  dict_clear_freelists(h);
}

/** show_stats_each_generations */
function show_stats_each_generations(h: HeapState): void {
  const heads = h.gc.heads;
  let buf = "";
  for (let i = 0; i < NUM_GENERATIONS; i++) buf += ` ${gc_list_size(h, heads[i])}`;
  h.stderr(`gc: objects in each generation:${buf}`);
  h.stderr(`gc: objects in permanent generation: ${gc_list_size(h, h.gc.permanentHead)}`);
}

/**
 * gc_collect_main: collect generation `generation` (and the younger ones).
 * Returns n + m (unreachable objects found: collected + uncollectable); the two
 * parts are left in h.gcModule.collected / .uncollectable.
 */
export function gc_collect_main(h: HeapState, generation: number): number {
  const g = h.gc;
  const st = h.gcModule!;
  let m = 0; // objects collected
  let n = 0; // unreachable objects that could not be collected
  let t1 = 0;

  if ((g.debug & DEBUG_STATS) !== 0) {
    h.stderr(`gc: collecting generation ${generation}...`);
    show_stats_each_generations(h);
    t1 = performance.now();
  }

  // update collection and allocation counters
  if (generation + 1 < NUM_GENERATIONS) g.counts[generation + 1] += 1;
  for (let i = 0; i <= generation; i++) g.counts[i] = 0;

  // merge younger generations with the one we are currently collecting
  const heads = g.heads;
  for (let i = 0; i < generation; i++) gc_list_merge(h, heads[i], heads[generation]);

  const young = heads[generation];
  const old = generation < NUM_GENERATIONS - 1 ? heads[generation + 1] : young;

  const unreachable = st.unreachable;
  // update_refs, subtract_refs, move_unreachable; untrack_tuples is done by the
  // scan of move_unreachable (same order, same result), which also counts
  deduce_unreachable(h, young, unreachable, true);

  // move reachable objects to the next generation
  if (young !== old) {
    if (generation === NUM_GENERATIONS - 2) g.long_lived_pending += st.survivors;
    gc_list_merge(h, young, old);
  } else {
    // dicts are untracked only in full collections, to avoid quadratic dict
    // build-up (issue #14775); untrack_dicts also counts what stays
    g.long_lived_total = untrack_dicts(h, young);
    g.long_lived_pending = 0;
  }

  const finalizers = st.finalizers;
  gc_list_init(h, finalizers);
  const debugCollectable = (g.debug & DEBUG_COLLECTABLE) !== 0;
  let finalUnreachable = st.finalUnreachable;
  if (st.trashFlags === 0 && !debugCollectable) {
    // No legacy finalizer, no weakref, no finalizer and no output: nothing runs
    // before delete_garbage, so move_legacy_finalizers would move nothing,
    // handle_weakrefs and finalize_garbage would do nothing, and the second
    // deduce_unreachable would find every object unreachable again, in the same
    // order. Take `unreachable` as the final trash directly (its
    // NEXT_MASK_UNREACHABLE marks stay; delete_garbage reads past them).
    finalUnreachable = unreachable;
    m += st.trashCount;
  } else {
    // All objects in unreachable are trash, but objects reachable from legacy
    // finalizers (tp_del) can't safely be deleted.
    const trash = move_legacy_finalizers(h, unreachable, finalizers);
    const movedToFinalizers = move_legacy_finalizer_reachable(h, finalizers);

    if (debugCollectable) {
      for (let gc = h.i32[unreachable >> 2]; gc !== unreachable; gc = h.i32[gc >> 2]) {
        debug_cycle(h, "collectable", gc + 8);
      }
    }

    if (trash === 0 && !debugCollectable) {
      // legacy finalizers only: nothing runs before delete_garbage either
      gc_list_init(h, finalUnreachable);
      gc_list_merge(h, unreachable, finalUnreachable);
      m += st.trashCount - movedToFinalizers;
    } else {
      // clear weakrefs and invoke callbacks as necessary (src/weakref plugs in here)
      if ((trash & TRASH_HAS_WEAKREFS) !== 0) m += handle_weakrefs(h, unreachable, old);

      // call tp_finalize on objects which have one
      finalize_garbage(h, unreachable, st.seen);

      // handle objects resurrected by the finalizers; continue with the rest
      handle_resurrected_objects(h, unreachable, finalUnreachable, old);
      m += gc_list_size(h, finalUnreachable);
    }
  }

  // tp_clear the final trash: this breaks the cycles (and may free objects in finalizers)
  delete_garbage(h, finalUnreachable, old);

  // statistics on uncollectable objects, and debugging output
  for (let gc = h.i32[finalizers >> 2]; gc !== finalizers; gc = h.i32[gc >> 2]) {
    n++;
    if ((g.debug & DEBUG_UNCOLLECTABLE) !== 0) debug_cycle(h, "uncollectable", gc + 8);
  }
  if ((g.debug & DEBUG_STATS) !== 0) {
    const d = (performance.now() - t1) / 1000;
    h.stderr(`gc: done, ${n + m} unreachable, ${n} uncollectable, ${d.toFixed(4)}s elapsed`);
  }

  // uncollectable legacy objects go to gc.garbage
  handle_legacy_finalizers(h, finalizers, old);

  // clear free lists only during the collection of the highest generation
  if (generation === NUM_GENERATIONS - 1) clear_freelists(h);

  st.collected = m;
  st.uncollectable = n;
  const stats = g.stats[generation];
  stats.collections++;
  stats.collected += m;
  stats.uncollectable += n;
  return n + m;
}

/**
 * invoke_gc_callback: call every gc.callbacks entry (list order, length re-read
 * each step, as CPython walks the list) with (phase, info); a raising or
 * non-callable entry goes to the unraisable hook and the others still run.
 */
function invoke_gc_callback(h: HeapState, phase: "start" | "stop", generation: number, collected: number, uncollectable: number): void {
  const callbacks = h.gcModule!.callbacks;
  if (callbacks.length === 0) return;
  const info: GcCallbackInfo = { generation, collected, uncollectable };
  for (let i = 0; i < callbacks.length; i++) {
    const cb = callbacks[i];
    try {
      if (typeof cb !== "function") throw new PyError("TypeError", `'${js_value_type_name(cb)}' object is not callable`);
      // JS code the collector calls on its own: behind a barrier scope (barrier.ts)
      with_barrier_scope(h, () => cb(phase, info));
    } catch (e) {
      report_callback_error(h, toPyError(e), cb);
    }
  }
}

/**
 * PyErr_WriteUnraisable(cb): the hook is told which callback failed, as a heap object
 * (a function object wrapping a JS function, or the plain value), so the default hook
 * prints CPython's "Exception ignored in: <function cb at 0x...>" / "... in: 5".
 */
function report_callback_error(h: HeapState, err: PyError, cb: unknown): void {
  let obj: Ref | null = null;
  try {
    if (typeof cb === "function") {
      const name = str_literal(h, cb.name || "<lambda>");
      obj = with_ref(h, name, (n) => function_new(h, cb as JsCallable, n, n, 0));
    } else if (typeof cb === "number") {
      obj = Number.isInteger(cb) ? long_from_number(h, cb) : float_new(h, cb);
    } else if (typeof cb === "string") {
      obj = str_literal(h, cb);
    } else if (cb === null || cb === undefined) {
      obj = h.None;
      h.i32[obj >> 2]++;
    }
  } catch {
    obj = null; // no memory for the description: report without it
  }
  try {
    h.unraisablehook(err, obj);
  } finally {
    if (obj !== null) Py_DECREF(h, obj);
  }
}

/** gc_collect_with_callback: "start" callbacks, the collection, "stop" callbacks. */
export function collect_with_callbacks(h: HeapState, generation: number): number {
  const st = h.gcModule!;
  invoke_gc_callback(h, "start", generation, 0, 0);
  const result = gc_collect_main(h, generation);
  invoke_gc_callback(h, "stop", generation, st.collected, st.uncollectable);
  return result;
}

/**
 * gc_collect_generations: collect the oldest generation whose count exceeds its
 * threshold; a full collection waits while long_lived_pending <
 * long_lived_total / 4 (issue #4074), and then generation 1 is tried instead.
 */
export function gc_collect_generations(h: HeapState): number {
  const g = h.gc;
  for (let i = NUM_GENERATIONS - 1; i >= 0; i--) {
    if (g.counts[i] > g.thresholds[i]) {
      if (i === NUM_GENERATIONS - 1 && g.long_lived_pending < Math.floor(g.long_lived_total / 4)) continue;
      return collect_with_callbacks(h, i);
    }
  }
  return 0;
}

/**
 * Install the collector on a heap: its working state and the hook that
 * _PyObject_GC_Link calls when count0 > threshold0 (while enabled and not already
 * collecting). Idempotent.
 */
export function install_gc(h: HeapState): void {
  gc_state_init(h);
  if (h.gcHooks !== null) return;
  h.gcHooks = {
    collectGenerations(): void {
      const g = h.gc;
      g.collecting = true;
      try {
        gc_collect_generations(h);
      } finally {
        g.collecting = false;
      }
    },
  };
}

/**
 * gc.collect(generation): a collection with callbacks, or 0 when one is already
 * running. `generation` must be valid (module.ts checks it).
 */
export function gc_collect(h: HeapState, generation: number): number {
  const g = h.gc;
  if (g.collecting) return 0;
  g.collecting = true;
  try {
    return collect_with_callbacks(h, generation);
  } finally {
    g.collecting = false;
  }
}

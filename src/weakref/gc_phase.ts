// === Weak references inside the collector (layer 3, src/weakref) ===
//
// Ports handle_weakrefs from CPython 3.11 Modules/gcmodule.c: the step of
// gc_collect_main between move_legacy_finalizers and finalize_garbage, which the
// collector calls through `h.weakrefHooks.handle_weakrefs(unreachable, old)`.
//
//   1. For every object in `unreachable` (the trash, COLLECTING set): if it is
//      itself a weakref, clear it (_PyWeakref_ClearRef: its callback is kept and
//      never called, bpo-38006); if its type supports weakrefs, clear every weakref
//      to it, and move each cleared weakref that has a callback and is not itself
//      trash (no COLLECTING bit) into `wrcb_to_call`, with a new reference.
//   2. Only then call those callbacks, in `wrcb_to_call` order (per referent newest
//      first), each with its weakref; an exception goes to the unraisable hook.
//      Drop the reference taken in 1: a weakref still alive goes to `old`, one
//      freed right there is counted (the return value, added to collect()'s).
//
// So every weakref to the trash is dead before any callback or finalizer runs, and
// a callback never sees an object of the trash.
//
// Uses the collector's list primitives (src/heap/gclist.ts); never touches the
// collector's state or the trash objects' payload beyond their weakref list.

import { GC_HEAD_OFFSET, GC_NEXT, GC_PREV, OB_TYPE, PREV_MASK_COLLECTING, TP_KIND, TP_WEAKLISTOFFSET, WR_CALLBACK } from "../heap/layout.js";
import { gc_list_init, gc_list_is_empty, gc_list_move } from "../heap/gclist.js";
import { Py_DECREF } from "../heap/refcount.js";
import type { HeapState } from "../heap/state.js";
import { K_PROXY, K_WEAKREF } from "../heap/typeslots.js";
import { call_object } from "../heap/call.js";
import { _PyWeakref_ClearRef, write_unraisable } from "./ref.js";

/** handle_weakrefs(unreachable, old): the number of weakrefs freed right after their callback. */
export function handle_weakrefs(h: HeapState, unreachable: number, old: number): number {
  const wrcb_to_call = h.wr.wrcbHead;
  gc_list_init(h, wrcb_to_call);
  let num_freed = 0;

  // Clear all weakrefs to the objects in unreachable (no code runs in this pass).
  let i32 = h.i32;
  for (let gc = i32[(unreachable + GC_NEXT) >> 2] & ~1; gc !== unreachable; ) {
    const op = gc - GC_HEAD_OFFSET;
    const next = i32[(gc + GC_NEXT) >> 2] & ~1;
    const type = i32[(op + OB_TYPE) >> 2];
    const kind = i32[(type + TP_KIND) >> 2];
    if (kind === K_WEAKREF || kind === K_PROXY) {
      // a weakref inside the trash: cleared, its callback never called
      _PyWeakref_ClearRef(h, op);
    }
    const off = i32[(type + TP_WEAKLISTOFFSET) >> 2];
    if (off > 0) {
      const list = op + off;
      for (let wr = i32[list >> 2]; wr !== 0; wr = i32[list >> 2]) {
        // _PyWeakref_ClearRef clears the weakref, keeps the callback, and changes *list
        _PyWeakref_ClearRef(h, wr);
        if (i32[(wr + WR_CALLBACK) >> 2] === 0) continue;
        const wrgc = wr + GC_HEAD_OFFSET;
        // a weakref that is trash too gets no callback
        if ((i32[(wrgc + GC_PREV) >> 2] & PREV_MASK_COLLECTING) !== 0) continue;
        i32[wr >> 2]++;
        gc_list_move(h, wrgc, wrcb_to_call);
      }
    }
    gc = next;
  }

  // Invoke the callbacks we decided to honor; they cannot reach the trash any more.
  while (!gc_list_is_empty(h, wrcb_to_call)) {
    i32 = h.i32;
    const gc = i32[(wrcb_to_call + GC_NEXT) >> 2];
    const op = gc - GC_HEAD_OFFSET;
    const callback = i32[(op + WR_CALLBACK) >> 2];
    if (callback !== 0) {
      try {
        Py_DECREF(h, call_object(h, callback, [op], null));
      } catch (e) {
        write_unraisable(h, e, callback);
      }
    }
    // Give up the reference taken above; if that frees the weakref (say a weak value
    // dict's callback removed the last other reference to it), it counts as collected.
    Py_DECREF(h, op);
    if (h.i32[(wrcb_to_call + GC_NEXT) >> 2] === gc) {
      gc_list_move(h, gc, old); // still alive
    } else {
      ++num_freed;
    }
  }
  return num_freed;
}

// === The recursion limit (layer 3) ===
//
// Ports, from CPython 3.11 Include/internal/pycore_ceval.h and Python/ceval.c:
// _Py_EnterRecursiveCall / _Py_LeaveRecursiveCall and _Py_CheckRecursiveCall's
// "maximum recursion depth exceeded%s" RecursionError, with the interpreter's
// default limit (sys.getrecursionlimit() == 1000) and sys.setrecursionlimit's checks.
//
// The C-level recursions this heap has are the ones CPython guards with these calls:
// PyObject_Repr (" while getting the repr of an object"), PyObject_Str (" while
// getting the str of an object") and PyObject_RichCompare (" in comparison"). A
// 100,000-deep structure then raises a RecursionError at depth 1000 instead of
// exhausting the JS stack, and every frame unwinds through its `finally` (references
// released, Py_ReprLeave done). CPython has no Python frames here, so only these
// calls count towards the limit.
//
// The JS stack is smaller than a C stack (about 1 MB, and frames of code that V8 has
// not optimized yet are large): 1000 levels of comparison can exhaust it, and a
// RangeError thrown there would cut `finally` blocks short (a reference not released,
// a Py_ReprEnter not left). So, as CPython's USE_STACKCHECK builds do with
// PyOS_CheckStack, every STACK_PROBE_EVERY (64) levels Enter also checks that the stack has
// room for STACK_PROBE_FRAMES more small frames, and raises the same RecursionError
// if not: the error is always raised with headroom left for the unwinding.
//
// Invariants: `recursion_depth` is the number of entered, not yet left calls; an
// Enter that raises leaves it unchanged (CPython's ++recursion_remaining on error).

import { PyError } from "./errors.js";
import type { HeapState } from "./state.js";

/** sys.getrecursionlimit()'s default (Py_DEFAULT_RECURSION_LIMIT) */
export const Py_DEFAULT_RECURSION_LIMIT = 1000;

declare module "./state.js" {
  interface HeapState {
    /** Py_EnterRecursiveCall calls entered and not yet left (set by recursion_init) */
    recursion_depth: number;
    /** sys.getrecursionlimit() */
    recursion_limit: number;
  }
}

/** The heap's recursion state at start-up (create_heap_state). */
export function recursion_init(h: HeapState): void {
  h.recursion_depth = 0;
  h.recursion_limit = Py_DEFAULT_RECURSION_LIMIT;
}

/** Levels between two stack probes (a power of two). */
const STACK_PROBE_EVERY = 64;
/** Frames of stack_probe that must fit: the headroom kept for unwinding. */
const STACK_PROBE_FRAMES = 2000;

/** A chain of `n` calls (a frame each), then the way back. */
function stack_probe(n: number): number {
  return n === 0 ? 0 : stack_probe(n - 1) + 1;
}

/** PyOS_CheckStack: is there room for STACK_PROBE_FRAMES more frames? */
function stack_has_room(): boolean {
  try {
    stack_probe(STACK_PROBE_FRAMES);
    return true;
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
}

/**
 * _Py_EnterRecursiveCall(where): count one more level; past the limit (or, every few
 * levels, too close to the end of the JS stack) raise RecursionError("maximum
 * recursion depth exceeded" + where) without counting it. Every successful call must
 * be paired with Py_LeaveRecursiveCall (in a `finally`).
 */
export function Py_EnterRecursiveCall(h: HeapState, where: string): void {
  const depth = ++h.recursion_depth;
  if (depth > h.recursion_limit || (depth & (STACK_PROBE_EVERY - 1)) === 0) check_recursive_call(h, depth, where);
}

/** _Py_CheckRecursiveCall: the slow path of Enter (kept out of line so that Enter inlines). */
function check_recursive_call(h: HeapState, depth: number, where: string): void {
  if (depth <= h.recursion_limit && stack_has_room()) return;
  --h.recursion_depth;
  throw new PyError("RecursionError", `maximum recursion depth exceeded${where}`);
}

/** _Py_LeaveRecursiveCall */
export function Py_LeaveRecursiveCall(h: HeapState): void {
  --h.recursion_depth;
}

/** sys.setrecursionlimit(limit) (sys_setrecursionlimit_impl, Py_SetRecursionLimit). */
export function set_recursion_limit(h: HeapState, limit: number): void {
  if (limit < 1) throw new PyError("ValueError", "recursion limit must be greater or equal than 1");
  const depth = h.recursion_depth;
  if (depth >= limit) {
    throw new PyError(
      "RecursionError",
      `cannot set the recursion limit to ${limit} at the recursion depth ${depth}: the limit is too low`,
    );
  }
  h.recursion_limit = limit;
}

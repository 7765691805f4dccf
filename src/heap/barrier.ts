// === Barrier scopes: JS code the heap calls on its own (layer 3) ===
//
// heap.scope() records every reference a facade method returns, in the innermost open
// scope, and releases them when the scope ends. JS code that the heap itself calls —
// a function object's body (call_js in call.ts), a legacy finalizer, sys.unraisablehook,
// a weakref callback — owns the references it makes: were they recorded in a scope
// that happens to be open around the call, the scope would release them a second time.
// Such code runs behind a barrier: an empty scope pushed before the call and dropped
// (not released) after it. Conversely, a module object that hands a new reference to
// the user (heap.gc's get_objects, ...) records it in the innermost open scope, as the
// facade's methods do (scope_own). No CPython counterpart (CPython has no heap.scope).

import { PyError } from "./errors.js";
import type { HeapState } from "./state.js";

/** Run fn behind a barrier scope (a no-op when no heap.scope is open). */
export function with_barrier_scope<T>(h: HeapState, fn: () => T): T {
  const scopes = h.scopes;
  const depth = scopes.length;
  if (depth === 0) return fn();
  scopes.push([]);
  try {
    return fn();
  } finally {
    scopes.length = depth;
  }
}

/** What every call on a closed heap that takes or makes an object Ref throws. */
export function closedError(): PyError {
  return new PyError("RuntimeError", "the heap is closed");
}

/**
 * Record a new reference returned to the user in the innermost open heap.scope(), which
 * releases it when it ends (the facade's #own, and module objects outside the facade);
 * a closed heap refuses it.
 */
export function scope_own(h: HeapState, r: number): number {
  if (h.closed) throw closedError();
  const scopes = h.scopes;
  if (scopes.length !== 0) scopes[scopes.length - 1].push(r);
  return r;
}

// === The object-domain entry points: PyObject_Malloc & co. ===
//
// Layer 2's public face. CPython's PyObject_Malloc calls through the domain's
// allocator table (_PyObject.malloc), which PYTHONMALLOC=debug points at the
// debug hooks. Here the table is one word of the state (OBM_DEBUG), set once by
// init(): when off, the branch is a load and a never-taken jump in front of
// pymalloc's fast path.
//
// Never touches: anything itself; it only dispatches.

import { _PyObject_Malloc, _PyObject_Calloc, _PyObject_Realloc, _PyObject_Free } from "./obmalloc";
import { _PyMem_DebugMalloc, _PyMem_DebugCalloc, _PyMem_DebugRealloc, _PyMem_DebugFree } from "./debug";
import { debug_enabled } from "./pool";

export function PyObject_Malloc(nbytes: u32): u32 {
  if (debug_enabled()) return _PyMem_DebugMalloc(nbytes);
  return _PyObject_Malloc(nbytes);
}

export function PyObject_Calloc(nelem: u32, elsize: u32): u32 {
  if (debug_enabled()) return _PyMem_DebugCalloc(nelem, elsize);
  return _PyObject_Calloc(nelem, elsize);
}

export function PyObject_Realloc(p: u32, nbytes: u32): u32 {
  if (debug_enabled()) return _PyMem_DebugRealloc(p, nbytes);
  return _PyObject_Realloc(p, nbytes);
}

export function PyObject_Free(p: u32): void {
  if (debug_enabled()) {
    _PyMem_DebugFree(p);
    return;
  }
  _PyObject_Free(p);
}

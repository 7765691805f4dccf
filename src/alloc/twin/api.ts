// === The object-domain entry points (twin of assembly/api.ts) ===
//
// Layer 2's public face: PyObject_Malloc & co. dispatch between pymalloc and
// the debug hooks on the state's debug word, as in the wasm module. (The twin's
// Allocator object binds the right family once, so its hot path does not even
// test the flag; replay.ts goes through here, like the wasm replay loop.)
//
// Never touches: anything itself.

import { _PyObject_Malloc, _PyObject_Calloc, _PyObject_Realloc, _PyObject_Free } from "./obmalloc";
import { _PyMem_DebugMalloc, _PyMem_DebugCalloc, _PyMem_DebugRealloc, _PyMem_DebugFree } from "./debug";
import { debug_enabled } from "./pool";
import type { Mem } from "./memory";

export function PyObject_Malloc(m: Mem, nbytes: number): number {
  if (debug_enabled(m)) return _PyMem_DebugMalloc(m, nbytes);
  return _PyObject_Malloc(m, nbytes);
}

export function PyObject_Calloc(m: Mem, nelem: number, elsize: number): number {
  if (debug_enabled(m)) return _PyMem_DebugCalloc(m, nelem, elsize);
  return _PyObject_Calloc(m, nelem, elsize);
}

export function PyObject_Realloc(m: Mem, p: number, nbytes: number): number {
  if (debug_enabled(m)) return _PyMem_DebugRealloc(m, p, nbytes);
  return _PyObject_Realloc(m, p, nbytes);
}

export function PyObject_Free(m: Mem, p: number): void {
  if (debug_enabled(m)) _PyMem_DebugFree(m, p);
  else _PyObject_Free(m, p);
}

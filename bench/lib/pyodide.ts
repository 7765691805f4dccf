// === Pyodide as a bench peer: CPython's object allocator as CPython ships in wasm ===
//
// pyodide@0.25.1 is CPython 3.11.3 built with Emscripten, configured
// --without-pymalloc: PyObject_Malloc goes through CPython's allocator table to
// Emscripten's libc malloc (dlmalloc). Its module exposes `_PyObject_Malloc` & co.
// on `pyodide._module`, but the libc `malloc` only as an internal `wasmExports`
// binding (`var _malloc = wasmExports["malloc"]`, never put on the Module). So
// loadPyodide() runs with WebAssembly.instantiate wrapped, and we keep the
// instance's raw exports: direct wasm functions for both allocators, with no
// Emscripten JS wrapper in between.

import { createRequire } from "node:module";
import { dirname } from "node:path";

export interface PyodideAllocExports {
  PyObject_Malloc(n: number): number;
  PyObject_Calloc(nelem: number, elsize: number): number;
  PyObject_Realloc(p: number, n: number): number;
  PyObject_Free(p: number): void;
  malloc(n: number): number;
  calloc(nelem: number, elsize: number): number;
  realloc(p: number, n: number): number;
  free(p: number): void;
  /** dlmalloc: bytes obtained from sbrk so far */
  malloc_footprint(): number;
}

export interface FreshPyodide {
  exports: PyodideAllocExports;
  memory: WebAssembly.Memory;
  /** Python's sys.version, first word */
  pythonVersion: string;
  pyodideVersion: string;
}

let indexURL: string | undefined;

/** Loads a new Pyodide (a new Emscripten module, memory and interpreter). ~1 s. */
export async function loadFreshPyodide(): Promise<FreshPyodide> {
  indexURL ??= dirname(createRequire(import.meta.url).resolve("pyodide/package.json")) + "/";
  const { loadPyodide } = await import("pyodide");
  const original = WebAssembly.instantiate;
  let found: { instance: WebAssembly.Instance; imports: Record<string, Record<string, unknown>> } | undefined;
  const wrapped = async function (this: unknown, source: unknown, imports?: Record<string, Record<string, unknown>>) {
    const result = await (original as (s: unknown, i?: unknown) => Promise<unknown>).call(WebAssembly, source, imports);
    const instance = result instanceof WebAssembly.Instance ? result : (result as { instance: WebAssembly.Instance }).instance;
    if (instance && "PyObject_Malloc" in instance.exports) found = { instance, imports: imports ?? {} };
    return result;
  };
  (WebAssembly as { instantiate: unknown }).instantiate = wrapped;
  let py;
  try {
    // indexURL must be given: under tsx, pyodide cannot locate itself from the stack trace
    py = await loadPyodide({ indexURL, stdout: () => {}, stderr: () => {} });
  } finally {
    (WebAssembly as { instantiate: unknown }).instantiate = original;
  }
  if (!found) throw new Error("could not capture Pyodide's wasm instance (WebAssembly.instantiate was not used)");
  const ex = found.instance.exports as unknown as PyodideAllocExports;
  for (const k of ["PyObject_Malloc", "PyObject_Calloc", "PyObject_Realloc", "PyObject_Free", "malloc", "calloc", "realloc", "free"] as const)
    if (typeof ex[k] !== "function") throw new Error(`Pyodide's wasm module exports no ${k}`);
  const memory = found.imports.env?.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error("Pyodide's memory is not an imported env.memory");
  const pythonVersion = String(py.runPython("import sys; sys.version.split()[0]"));
  return { exports: ex, memory, pythonVersion, pyodideVersion: py.version };
}

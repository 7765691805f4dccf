// === Test oracles: python3 (semantics) and Pyodide (32-bit sizes, hashes, set order) ===
//
// Part of test/helpers (see index.ts for the whole API). Both run a Python
// *script* (statements, not an expression) and return what it printed:
//
//   python3(code)          stdout of `python3 -c code` (3.11.7 here), PYTHONHASHSEED=0,
//                          trailing newline removed; throws with stderr on failure
//   python3Json(code)      JSON.parse of that stdout (the script prints one json.dumps)
//   python3Run(code)       { stdout, stderr, status } without throwing (for tracebacks)
//   pyodide()              the cached Pyodide 0.25 interpreter (CPython 3.11.3, wasm32),
//                          loaded once per test file with PYTHONHASHSEED=0
//   pyodideRun(code)       stdout of `code` run in a fresh namespace of that interpreter
//   pyodideJson(code)      JSON.parse of that stdout
//
// python3 is the oracle for everything that does not depend on the word size
// (refcounts, orders, messages, reprs); Pyodide is the oracle for sys.getsizeof,
// hash() and set iteration order of a 32-bit build (docs/heap.md).

import { spawnSync } from "node:child_process";

export interface PythonResult {
  stdout: string;
  stderr: string;
  status: number | null;
}

/** Run `code` with python3 (PYTHONHASHSEED=0); never throws. */
export function python3Run(code: string): PythonResult {
  const r = spawnSync("python3", ["-c", code], {
    encoding: "utf8",
    env: { ...process.env, PYTHONHASHSEED: "0", PYTHONIOENCODING: "utf-8" },
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** stdout of python3 running `code` (trailing newline removed); throws on a non-zero exit. */
export function python3(code: string): string {
  const r = python3Run(code);
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}):\n${r.stderr}\n--- code ---\n${code}`);
  return r.stdout.replace(/\n$/, "");
}

/** JSON.parse of what python3 printed. */
export function python3Json<T = unknown>(code: string): T {
  return JSON.parse(python3(code)) as T;
}

// ---- Pyodide ---------------------------------------------------------------------

/** The part of the Pyodide interface the tests use. */
export interface PyodideLike {
  runPython(code: string, options?: { globals?: unknown }): unknown;
  globals: { get(name: string): unknown };
  setStdout(options: { batched: (line: string) => void }): void;
  setStderr(options: { batched: (line: string) => void }): void;
}

let loading: Promise<PyodideLike> | null = null;
let out: string[] = [];

/** The Pyodide interpreter, loaded once per test file (about 2 s). */
export function pyodide(): Promise<PyodideLike> {
  if (loading === null) {
    loading = (async () => {
      const { loadPyodide } = await import("pyodide");
      const py = (await loadPyodide({ env: { PYTHONHASHSEED: "0" } })) as unknown as PyodideLike;
      py.setStdout({ batched: (line) => out.push(line) });
      py.setStderr({ batched: (line) => out.push(line) });
      return py;
    })();
  }
  return loading;
}

/** stdout (and stderr, interleaved) of `code` run by Pyodide in a fresh namespace. */
export async function pyodideRun(code: string): Promise<string> {
  const py = await pyodide();
  out = [];
  const ns = (py.globals.get("dict") as () => { destroy(): void })();
  try {
    py.runPython(code, { globals: ns });
  } finally {
    ns.destroy();
  }
  return out.join("\n");
}

/** JSON.parse of what Pyodide printed. */
export async function pyodideJson<T = unknown>(code: string): Promise<T> {
  return JSON.parse(await pyodideRun(code)) as T;
}

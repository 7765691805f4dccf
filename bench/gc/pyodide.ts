// === Pyodide as a bench peer for the GC workloads ===
//
// pyodide@0.25.1 is CPython 3.11.3 compiled to wasm32: the same collector, built
// for the platform we run on. We load the anchor script itself
// (../shared/anchors/gc/cpython_gc.py) into it and call its child_graph / child_D
// directly, so the workloads are byte for byte CPython's. Pyodide lacks
// `resource`, time.thread_time_ns and os.getloadavg: they are stubbed (RSS and
// CPU figures are not available there; CPU = wall). All runs share one
// interpreter (loading one takes seconds); child_graph freezes what came before.

import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";

export interface PyodideRunner {
  version: string;
  run(spec: { w: string; n: number; batch?: number; ops?: number; order?: number }): Record<string, unknown>;
}

export async function loadPyodideRunner(anchorScript: string): Promise<PyodideRunner> {
  const indexURL = dirname(createRequire(import.meta.url).resolve("pyodide/package.json")) + "/";
  const { loadPyodide } = await import("pyodide");
  const py = await loadPyodide({ indexURL, stdout: () => {}, stderr: () => {} });
  py.FS.writeFile("/tmp/cpython_gc.py", readFileSync(anchorScript, "utf8"));
  py.runPython(`
import sys, time, types, os
sys.modules['resource'] = types.SimpleNamespace(
    RUSAGE_SELF=0, getrusage=lambda who: types.SimpleNamespace(ru_maxrss=0))
if not hasattr(time, 'thread_time_ns'):
    time.thread_time_ns = time.perf_counter_ns
if not hasattr(os, 'getloadavg'):
    os.getloadavg = lambda: (0.0, 0.0, 0.0)
sys.path.insert(0, '/tmp')
import json, cpython_gc
def _bench_run(spec_json):
    spec = json.loads(spec_json)
    if spec['w'] == 'D':
        r = cpython_gc.child_D(spec['n'], spec['batch'], spec['ops'], spec.get('order', 0))
    else:
        r = cpython_gc.child_graph(spec['w'], spec['n'])
    return json.dumps(r)
`);
  const runFn = py.globals.get("_bench_run") as (s: string) => string;
  const version = String(py.runPython("import sys; sys.version.split()[0]"));
  return {
    version: `Pyodide ${py.version} (CPython ${version}, wasm32)`,
    run(spec) {
      return JSON.parse(runFn(JSON.stringify(spec))) as Record<string, unknown>;
    },
  };
}

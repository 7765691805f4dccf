// === bench/weakref.ts: weak references, ours vs CPython 3.11, in one run ===
//
// Two workloads, each run by the heap (both allocator backends, through the
// internal API the facade calls: no handle checks) and by python3 (the same loops
// in Python, timed with perf_counter in a child process started by this run):
//
//   ref_cb_die    for i in range(N): o = A(); r = ref(o, cb); del o; del r
//                 (a weakref with a callback is created, its referent dies, the
//                 callback runs, the weakref is dropped)
//   ref_cb_drop   o = A(); for i in range(N): r = ref(o, cb); del r
//                 (a weakref with a callback is created and dropped, no callback)
//   wvd_churn     a WeakValueDictionary cache of K entries whose values are held in
//                 a list; for i in range(M): j = i % K; live[j] = V(); d[j] = live[j];
//                 d.get(j) -- each step kills the old value (its KeyedRef's callback
//                 removes the entry), stores a new KeyedRef and reads it back
//
// ops/s = iterations / seconds, median of --runs timed runs (default 7, after an
// untimed warm-up), ours and CPython's interleaved (one python3 process per run,
// its own warm-up inside) so that all see the same load; wall-clock and CPU-time
// ratios. The collector is enabled in both, with CPython's thresholds. Prints a
// Markdown table (or --json).
//
//   npx tsx bench/weakref.ts            # N = 1e6, K = 1e5, M = 1e6
//   npx tsx bench/weakref.ts --quick    # N = 2e4, K = 2e3, M = 2e4, 5 runs
//   npx tsx bench/weakref.ts --runs 11 --json

import { spawnSync } from "node:child_process";
import { createAllocator } from "../src/alloc/index.js";
import type { Backend } from "../src/alloc/types.js";
import { create_heap_state } from "../src/heap/bootstrap.js";
import type { HeapState, Ref } from "../src/heap/state.js";
import { define_class } from "../src/heap/classobject.js";
import { type_call } from "../src/heap/construct.js";
import { slots_of_type } from "../src/heap/typeobject.js";
import { Py_DECREF } from "../src/heap/refcount.js";
import { function_new } from "../src/heap/function.js";
import { str_literal } from "../src/heap/str.js";
import { long_from_number } from "../src/heap/int.js";
import { list_new_empty, list_append, list_setitem, list_get } from "../src/heap/list.js";
import { PyObject_GetItem, PyObject_SetItem } from "../src/heap/abstract.js";
import { getattr } from "../src/heap/attr.js";
import { call_object } from "../src/heap/call.js";
import { install_gc, gc_collect } from "../src/gc/index.js";
import { weakref_install, weakref_module } from "../src/weakref/index.js";
import { weakref_new } from "../src/weakref/ref.js";

interface Options {
  quick: boolean;
  runs: number;
  json: boolean;
  N: number;
  K: number;
  M: number;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes("--quick");
  const opt: Options = { quick, runs: quick ? 5 : 7, json: argv.includes("--json"), N: quick ? 20_000 : 1_000_000, K: quick ? 2_000 : 100_000, M: quick ? 20_000 : 1_000_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = Number(argv[i + 1]);
    if (a === "--runs") opt.runs = v;
    else if (a === "--n") opt.N = v;
    else if (a === "--k") opt.K = v;
    else if (a === "--m") opt.M = v;
    else if (a === "--help") {
      console.log("usage: tsx bench/weakref.ts [--quick] [--runs R] [--n N] [--k K] [--m M] [--json]");
      process.exit(0);
    }
  }
  return opt;
}

const WORKLOADS = ["ref_cb_die", "ref_cb_drop", "wvd_churn"] as const;
type Workload = (typeof WORKLOADS)[number];

// ---------------------------------------------------------------- ours

async function makeHeap(backend: Backend): Promise<HeapState> {
  const alloc = await createAllocator({ backend, maxMemory: 2 ** 30 });
  const h = create_heap_state(alloc, { stderr: () => {} });
  install_gc(h);
  weakref_install(h);
  return h;
}

interface Timing {
  wall: number;
  cpu: number;
}

/** One timed run of a workload on a fresh heap: wall-clock and CPU seconds. */
async function runOurs(backend: Backend, w: Workload, o: Options): Promise<Timing> {
  const h = await makeHeap(backend);
  const W = weakref_module(h);
  const A = define_class(h, "A", {});
  const At = slots_of_type(h, A);
  const name = str_literal(h, "cb");
  let calls = 0;
  const cb = function_new(h, () => void calls++, name, name, 0);
  Py_DECREF(h, name);
  const ref = h.wr.ref;
  let t0 = 0;
  let t1 = 0;
  let c0 = process.cpuUsage();
  let c1 = c0;
  if (w === "ref_cb_die") {
    c0 = process.cpuUsage();
    t0 = performance.now();
    for (let i = 0; i < o.N; i++) {
      const obj = type_call(h, At, [], null);
      const r = weakref_new(h, ref, obj, cb);
      Py_DECREF(h, obj);
      Py_DECREF(h, r);
    }
    t1 = performance.now();
    c1 = process.cpuUsage();
    if (calls !== o.N) throw new Error(`ref_cb_die: ${calls} callbacks, expected ${o.N}`);
  } else if (w === "ref_cb_drop") {
    const obj = type_call(h, At, [], null);
    c0 = process.cpuUsage();
    t0 = performance.now();
    for (let i = 0; i < o.N; i++) {
      const r = weakref_new(h, ref, obj, cb);
      Py_DECREF(h, r);
    }
    t1 = performance.now();
    c1 = process.cpuUsage();
    Py_DECREF(h, obj);
    if (calls !== 0) throw new Error("ref_cb_drop: a callback ran");
  } else {
    const d = W.WeakValueDictionary();
    const live = list_new_empty(h, 0);
    const keys: Ref[] = [];
    for (let j = 0; j < o.K; j++) {
      const k = long_from_number(h, j);
      keys.push(k);
      const v = type_call(h, At, [], null);
      list_append(h, live, v);
      PyObject_SetItem(h, d, k, v);
      Py_DECREF(h, v);
    }
    const get = getattr(h, d, "get");
    c0 = process.cpuUsage();
    t0 = performance.now();
    for (let i = 0; i < o.M; i++) {
      const j = i % o.K;
      const v = type_call(h, At, [], null);
      list_setitem(h, live, j, v); // the old value dies: its KeyedRef's callback removes the entry
      PyObject_SetItem(h, d, keys[j], v);
      Py_DECREF(h, v);
      const got = call_object(h, get, [keys[j]], null);
      Py_DECREF(h, got);
    }
    t1 = performance.now();
    c1 = process.cpuUsage();
    const g0 = PyObject_GetItem(h, d, keys[0]);
    const ok = g0 === list_get(h, live, 0);
    Py_DECREF(h, g0);
    if (!ok) throw new Error("wvd_churn: wrong value");
    Py_DECREF(h, get);
    Py_DECREF(h, d);
    Py_DECREF(h, live);
    for (const k of keys) Py_DECREF(h, k);
  }
  Py_DECREF(h, cb);
  Py_DECREF(h, A);
  gc_collect(h, 2);
  return { wall: (t1 - t0) / 1000, cpu: (c1.user - c0.user + c1.system - c0.system) / 1e6 };
}

// ---------------------------------------------------------------- CPython

const PY = `
import gc, json, sys, time, weakref
WORKLOAD = sys.argv[1]
N, K, M = (int(x) for x in sys.argv[2:5])
class A: pass
calls = 0
def cb(wr):
    global calls
    calls += 1

def ref_cb_die():
    ref = weakref.ref
    t0 = time.perf_counter(); c0 = time.process_time()
    for i in range(N):
        o = A(); r = ref(o, cb); del o; del r
    return time.perf_counter() - t0, time.process_time() - c0

def ref_cb_drop():
    ref = weakref.ref
    o = A()
    t0 = time.perf_counter(); c0 = time.process_time()
    for i in range(N):
        r = ref(o, cb); del r
    return time.perf_counter() - t0, time.process_time() - c0

def wvd_churn():
    d = weakref.WeakValueDictionary()
    live = []
    for j in range(K):
        v = A(); live.append(v); d[j] = v
    del v
    t0 = time.perf_counter(); c0 = time.process_time()
    for i in range(M):
        j = i % K
        live[j] = A()
        d[j] = live[j]
        d.get(j)
    t = time.perf_counter() - t0, time.process_time() - c0
    assert d[0] is live[0]
    return t

f = globals()[WORKLOAD]
f()          # warm-up
gc.collect()
wall, cpu = f()
print(json.dumps({'version': sys.version.split()[0], 'wall': wall, 'cpu': cpu}))
`;

/** One timed run of a workload in python3 (after one untimed run in the same process). */
function runCPython(w: Workload, o: Options): (Timing & { version: string }) | { error: string } {
  const r = spawnSync("python3", ["-c", PY, w, String(o.N), String(o.K), String(o.M)], {
    encoding: "utf8",
    env: { ...process.env, PYTHONHASHSEED: "0" },
  });
  if (r.status !== 0) return { error: (r.stderr || String(r.error)).trim().split("\n").pop() ?? "python3 failed" };
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

// ---------------------------------------------------------------- report

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length;
  return m % 2 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
}

function fmt(opsPerSec: number): string {
  return opsPerSec >= 1e6 ? `${(opsPerSec / 1e6).toFixed(2)} M` : `${(opsPerSec / 1e3).toFixed(0)} k`;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const iterations: Record<Workload, number> = { ref_cb_die: o.N, ref_cb_drop: o.N, wvd_churn: o.M };
  const runs: Record<string, Record<Workload, Timing[]>> = { wasm: {} as Record<Workload, Timing[]>, ts: {} as Record<Workload, Timing[]>, cpython: {} as Record<Workload, Timing[]> };
  let version = "";
  let pyError = "";
  for (const w of WORKLOADS) {
    for (const b of ["wasm", "ts"] as Backend[]) await runOurs(b, w, o); // warm-up
    for (const k of Object.keys(runs)) runs[k][w] = [];
    // interleaved, so that the three see the same load on a shared machine
    for (let r = 0; r < o.runs; r++) {
      for (const b of ["wasm", "ts"] as Backend[]) runs[b][w].push(await runOurs(b, w, o));
      if (pyError === "") {
        const p = runCPython(w, o);
        if ("error" in p) pyError = p.error;
        else {
          version = p.version;
          runs.cpython[w].push({ wall: p.wall, cpu: p.cpu });
        }
      }
    }
  }
  const ops = (k: string, w: Workload, by: "wall" | "cpu"): number | null =>
    runs[k][w].length === 0 ? null : iterations[w] / median(runs[k][w].map((t) => t[by]));
  const rows = WORKLOADS.map((w) => {
    const r = (by: "wall" | "cpu") => {
      const wasm = ops("wasm", w, by)!;
      const ts = ops("ts", w, by)!;
      const cpy = ops("cpython", w, by);
      return { wasm, ts, cpython: cpy, vsCPythonWasm: cpy ? wasm / cpy : null, vsCPythonTs: cpy ? ts / cpy : null };
    };
    return { workload: w, iterations: iterations[w], ...r("wall"), cpuTime: r("cpu") };
  });
  if (o.json) {
    console.log(JSON.stringify({ node: process.version, options: o, cpython: { version, error: pyError || undefined }, runs, rows }, null, 1));
    return;
  }
  const pyver = pyError === "" ? version : `unavailable (${pyError})`;
  console.log(`# bench/weakref.ts — ops/s, median of ${o.runs} interleaved runs (node ${process.version}, python ${pyver})\n`);
  console.log("| workload | iterations | ours (wasm) | ours (ts) | CPython 3.11 | wasm ÷ CPython | ts ÷ CPython | CPU time: wasm ÷ CPython | ts ÷ CPython |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const x = (v: number | null): string => (v === null ? "–" : `${v.toFixed(2)}×`);
    console.log(
      `| ${r.workload} | ${r.iterations.toLocaleString("en-US")} | ${fmt(r.wasm)} | ${fmt(r.ts)} | ${r.cpython === null ? "–" : fmt(r.cpython)} | ${x(r.vsCPythonWasm)} | ${x(r.vsCPythonTs)} | ${x(r.cpuTime.vsCPythonWasm)} | ${x(r.cpuTime.vsCPythonTs)} |`,
    );
  }
}

await main();

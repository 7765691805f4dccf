// === How fast is a full collection, and the D churn, vs CPython 3.11 and Pyodide? ===
//
// Question: on the anchor workloads A-F (../shared/anchors/gc/workloads.md), how
// many ns per object does one full collection take on our heap (wasm backend, and
// the TS twin), next to CPython 3.11 (the anchor script, run in the same bench run)
// and Pyodide (CPython 3.11.3 in wasm, the anchor script's own builders); and how
// many churn ops/s does D sustain with the collector on? Returned counts must be
// CPython's (checked, ✓/✗).
//
//   tsx bench/gc.ts [--sizes 10000,100000,1000000] [--runs 5] [--backends wasm,ts,wasm-plain,ts-plain]
//                   [--ops 10000000] [--no-cpython] [--cpython-json FILE] [--no-pyodide]
//                   [--pyodide-runs 3] [--workloads A,B,C,D,E,F_list,F_dict] [--quick] [--json FILE]
//
// Protocol (as the anchor's): every measured pass runs in a fresh process on a fresh
// heap (here after an unmeasured warm-up pass of the same workload at N <= 20,000 on
// that heap: the JIT's), start-up objects frozen, automatic collection off except in
// D's "on" chunks; the median of the runs is reported. Times are wall clock
// (performance.now); the CPU column is the process's CPU time (V8's helper threads
// included, so it can exceed wall). The machine may be noisy: the spread is printed.

import { parseArgs } from "node:util";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir, cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { GRAPH_WORKLOADS, objectsOf, runChild, type BackendVariant, type DResult, type GraphResult } from "./gc/workloads.js";
import { loadPyodideRunner } from "./gc/pyodide.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ANCHOR = resolve(ROOT, "..", "shared", "anchors", "gc", "cpython_gc.py");

const { values: opt } = parseArgs({
  options: {
    sizes: { type: "string" },
    runs: { type: "string" },
    backends: { type: "string" },
    ops: { type: "string" },
    workloads: { type: "string" },
    "no-cpython": { type: "boolean" },
    "cpython-json": { type: "string" },
    "no-pyodide": { type: "boolean" },
    "pyodide-runs": { type: "string" },
    quick: { type: "boolean" },
    json: { type: "string" },
    child: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

if (opt.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(0, 20).join("\n"));
  process.exit(0);
}

// ---- child: one measured pass, result as one JSON line ----
if (opt.child !== undefined) {
  const r = await runChild(JSON.parse(opt.child));
  process.stdout.write(JSON.stringify(r) + "\n");
  process.exit(0);
}

const quick = opt.quick === true;
const sizes = (opt.sizes ?? (quick ? "2000" : "10000,100000,1000000")).split(",").map((s) => Number(s.trim()));
const runs = Number(opt.runs ?? (quick ? 1 : 5));
const backends: BackendVariant[] = (opt.backends ?? "wasm,ts").split(",");
const ops = Number(opt.ops ?? (quick ? 100_000 : 10_000_000));
const workloads = (opt.workloads ?? "A,B,C,E,F_list,F_dict,D").split(",");
const useCpython = opt["no-cpython"] !== true;
const usePyodide = opt["no-pyodide"] !== true && !quick;
const pyodideRuns = Number(opt["pyodide-runs"] ?? Math.min(runs, 3));
const D_BATCHES = [1, 1000];

interface Case {
  w: string;
  n: number;
  batch?: number;
}
const cases: Case[] = [];
for (const n of sizes) {
  for (const w of workloads) {
    if (w === "D") for (const batch of D_BATCHES) cases.push({ w, n, batch });
    else if ((GRAPH_WORKLOADS as readonly string[]).includes(w)) cases.push({ w, n });
    else throw new Error(`unknown workload ${w}`);
  }
}
const key = (c: Case) => `${c.w}|${c.n}|${c.batch ?? ""}`;

function log(msg: string): void {
  process.stderr.write(msg + "\n");
}

// ---- CPython 3.11: the anchor script, same sizes, same run count ----
type Rec = Record<string, number | number[] | string | boolean | undefined>;
const cpy = new Map<string, Rec>();
let cpythonMeta = "";
if (useCpython) {
  let file = opt["cpython-json"];
  if (file === undefined) {
    file = join(mkdtempSync(join(tmpdir(), "pyheap-gc-")), "cpython.json");
    log(`CPython: python3 ${ANCHOR} --sizes ${sizes.join(" ")} --runs ${runs} --ops ${ops}`);
    await new Promise<void>((res, rej) => {
      const p = spawn("python3", [ANCHOR, "--sizes", ...sizes.map(String), "--runs", String(runs), "--ops", String(ops), "--out", file!], {
        env: { ...process.env, PYTHONHASHSEED: "0" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      p.stderr.on("data", (d: Buffer) => {
        const s = d.toString().trim();
        if (s.includes(" done ")) log(`  cpython ${s.split("\n").pop()}`);
      });
      // with --runs 1 the script's own table printer fails after the JSON is written
      p.on("exit", (code) =>
        code === 0 || existsSync(file!) ? res() : rej(new Error(`cpython_gc.py exited with ${code}`)),
      );
    });
  }
  const data = JSON.parse(readFileSync(file, "utf8")) as { meta: Rec; results: { case: Case; median: Rec; spread: Record<string, { min: number; max: number }> }[] };
  cpythonMeta = `CPython ${data.meta.python_version} (${data.meta.runs_per_case} runs per case)`;
  for (const e of data.results) cpy.set(key(e.case), e.median);
}

// ---- ours: one child process per (backend, case, run) ----
function runOurs(backend: BackendVariant, c: Case, run: number): GraphResult | DResult {
  const spec = { backend, w: c.w, n: c.n, batch: c.batch, ops, order: run % 2, warm: quick ? 200 : 20_000 };
  const p = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", JSON.stringify(spec)], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (p.status !== 0) throw new Error(`child ${JSON.stringify(spec)} failed:\n${p.stderr}`);
  const lines = p.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

const ours = new Map<string, Map<string, (GraphResult | DResult)[]>>();
for (const b of backends) ours.set(b, new Map(cases.map((c) => [key(c), []])));
const t0 = Date.now();
for (let run = 0; run < runs; run++) {
  for (const c of cases) {
    for (const b of backends) {
      ours.get(b)!.get(key(c))!.push(runOurs(b, c, run));
    }
    log(`ours run ${run} ${c.w} N=${c.n}${c.batch ? ` B=${c.batch}` : ""} done (${Math.round((Date.now() - t0) / 1000)}s)`);
  }
}

// ---- Pyodide ----
const pyo = new Map<string, Rec[]>();
let pyodideMeta = "";
if (usePyodide) {
  log("Pyodide: loading");
  const runner = await loadPyodideRunner(ANCHOR);
  pyodideMeta = runner.version;
  // warm-up: V8 tiers Pyodide's wasm up while it runs
  for (const w of new Set(cases.map((c) => c.w))) {
    runner.run(w === "D" ? { w, n: 1000, batch: 1000, ops: 200_000 } : { w, n: 10_000 });
  }
  for (let run = 0; run < pyodideRuns; run++) {
    for (const c of cases) {
      const r = runner.run({ w: c.w, n: c.n, batch: c.batch, ops, order: run % 2 });
      if (!pyo.has(key(c))) pyo.set(key(c), []);
      pyo.get(key(c))!.push(r as Rec);
      log(`pyodide run ${run} ${c.w} N=${c.n}${c.batch ? ` B=${c.batch}` : ""} done (${Math.round((Date.now() - t0) / 1000)}s)`);
    }
  }
}

// ---- report ----
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "-");
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-");
const num = (x: number | undefined) => (x === undefined ? "-" : x.toLocaleString("en-US"));

let mismatches = 0;
const lines: string[] = [];
const out = (s = "") => lines.push(s);

const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();
out(`# GC bench — ${new Date().toISOString()}`);
out();
out(`node ${process.version}, commit ${commit}, ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
out(`runs: ours ${runs} per case (fresh process + heap each, warm-up pass first)${useCpython ? `; ${cpythonMeta}` : ""}${usePyodide ? `; ${pyodideMeta}, ${pyodideRuns} runs in one interpreter` : ""}`);
out();
out("## Full collection, ns per object (median wall; CPU medians in parentheses where measured)");
out();
const bcols = backends.map((b) => `ours ${b}`);
out(`| workload | N | objects | returned (ours / CPython / Pyodide) | ${bcols.join(" | ")} | CPython 3.11 | Pyodide | ${backends.map((b) => `${b} / CPython`).join(" | ")} | Pyodide / wasm |`);
out(`|---|---:|---:|---|${bcols.map(() => "---:").join("|")}|---:|---:|${backends.map(() => "---:").join("|")}|---:|`);
for (const c of cases) {
  if (c.w === "D") continue;
  const objects = objectsOf(c.w, c.n);
  const per = (b: BackendVariant) => ours.get(b)!.get(key(c))! as GraphResult[];
  const ret = new Set(backends.flatMap((b) => per(b).map((r) => r.collect_returned)));
  const freed = new Set(backends.flatMap((b) => per(b).map((r) => r.freed_by_refcount)));
  const ourRet = ret.size === 1 ? [...ret][0] : NaN;
  const cp = cpy.get(key(c));
  const py = pyo.get(key(c));
  const cpRet = cp ? (cp.collect_returned as number) : undefined;
  const pyRet = py ? median(py.map((r) => r.collect_returned as number)) : undefined;
  let ok = ret.size === 1 && freed.size === 1;
  if (cpRet !== undefined) {
    ok &&= ourRet === cpRet;
    if (cp!.freed_by_refcount !== undefined) ok &&= [...freed][0] === cp!.freed_by_refcount;
  }
  if (pyRet !== undefined) ok &&= ourRet === pyRet;
  if (!ok) mismatches++;
  const ns = (b: BackendVariant) => median(per(b).map((r) => r.collect_ns)) / objects;
  const cpuNs = (b: BackendVariant) => median(per(b).map((r) => r.collect_cpu_ns)) / objects;
  const cpNs = cp ? (cp.collect_ns as number) / objects : NaN;
  const cpCpu = cp ? (cp.collect_cpu_ns as number) / objects : NaN;
  const pyNs = py ? median(py.map((r) => r.collect_ns as number)) / objects : NaN;
  out(
    `| ${c.w} | ${num(c.n)} | ${num(objects)} | ${num(ourRet)} / ${num(cpRet)} / ${num(pyRet)} ${ok ? "✓" : "✗"} | ` +
      backends.map((b) => `${f1(ns(b))} (${f1(cpuNs(b))})`).join(" | ") +
      ` | ${f1(cpNs)} (${f1(cpCpu)}) | ${f1(pyNs)} | ` +
      backends.map((b) => `${f2(ns(b) / cpNs)}×`).join(" | ") +
      ` | ${f2(pyNs / ns(backends[0]))}× |`,
  );
}
out();
out("Spread (min-max of the ours runs, ns/object wall): " +
  cases
    .filter((c) => c.w !== "D")
    .map((c) => {
      const o = objectsOf(c.w, c.n);
      const v = (ours.get(backends[0])!.get(key(c))! as GraphResult[]).map((r) => r.collect_ns / o);
      return `${c.w}@${c.n} ${f1(Math.min(...v))}-${f1(Math.max(...v))}`;
    })
    .join(", "));

const dCases = cases.filter((c) => c.w === "D");
if (dCases.length > 0) {
  out();
  out("## D: churn throughput with the collector on / off (ops/s, median), collections per generation in the \"on\" chunks");
  out();
  out(`| B | N | ${backends.map((b) => `ours ${b} on / off`).join(" | ")} | CPython on / off | Pyodide on / off | ${backends.map((b) => `${b} on / CPython on`).join(" | ")} | gen0/1/2 ours | gen0/1/2 CPython | GC ms ours / CPython | returned |`);
  out(`|---:|---:|${backends.map(() => "---:").join("|")}|---:|---:|${backends.map(() => "---:").join("|")}|---|---|---:|---|`);
  for (const c of dCases) {
    const per = (b: BackendVariant) => ours.get(b)!.get(key(c))! as DResult[];
    const on = (b: BackendVariant) => median(per(b).map((r) => r.ops_per_s_enabled));
    const off = (b: BackendVariant) => median(per(b).map((r) => r.ops_per_s_disabled));
    const cp = cpy.get(key(c));
    const py = pyo.get(key(c));
    const cpOn = cp ? (cp.ops_per_s_enabled as number) : NaN;
    const cpOff = cp ? (cp.ops_per_s_disabled as number) : NaN;
    const pyOn = py ? median(py.map((r) => r.ops_per_s_enabled as number)) : NaN;
    const pyOff = py ? median(py.map((r) => r.ops_per_s_disabled as number)) : NaN;
    const r0 = per(backends[0]);
    const gens = (i: number) => median(r0.map((r) => r.gen_collections[i]));
    const gcMs = median(r0.map((r) => r.gen_total_ns.reduce((a, b) => a + b, 0))) / 1e6;
    const cpGens = cp ? [0, 1, 2].map((i) => cp[`gen${i}_collections`]).join("/") : "-";
    const cpGcMs = cp ? (cp.gc_time_in_callbacks_ns as number) / 1e6 : NaN;
    const ret = new Set(backends.flatMap((b) => per(b).map((r) => r.collect_returned)));
    const ok = ret.size === 1 && (!cp || [...ret][0] === cp.collect_returned);
    if (!ok) mismatches++;
    const M = (x: number) => (Number.isFinite(x) ? (x / 1e6).toFixed(2) + "M" : "-");
    out(
      `| ${c.batch} | ${num(c.n)} | ` +
        backends.map((b) => `${M(on(b))} / ${M(off(b))}`).join(" | ") +
        ` | ${M(cpOn)} / ${M(cpOff)} | ${M(pyOn)} / ${M(pyOff)} | ` +
        backends.map((b) => `${f2(on(b) / cpOn)}×`).join(" | ") +
        ` | ${[0, 1, 2].map(gens).join("/")} | ${cpGens} | ${f1(gcMs)} / ${f1(cpGcMs)} | ${[...ret].join(",")} ${ok ? "✓" : "✗"} |`,
    );
  }
}
out();
out(mismatches === 0 ? "All returned counts equal CPython's." : `${mismatches} case(s) with counts differing from CPython's (✗).`);
const text = lines.join("\n");
console.log(text);
if (opt.json) {
  writeFileSync(opt.json, JSON.stringify({ ours: Object.fromEntries([...ours].map(([b, m]) => [b, Object.fromEntries(m)])), cpython: Object.fromEntries(cpy), pyodide: Object.fromEntries(pyo) }, null, 1));
}
if (mismatches > 0) process.exitCode = 1;


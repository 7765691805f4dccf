// === Trace replay: what does each allocator cost on real CPython allocation traces? ===
//
// Question: replaying the object-allocator calls CPython 3.11 made while running
// real programs (PYMTRACE traces), how many ns per call does our pymalloc take -
// in wasm driven from JS, in wasm with the loop inside, and as the TypeScript
// twin - next to CPython's own allocator as it ships in wasm (Pyodide), the
// wasm allocators one would use instead (Emscripten's dlmalloc, AssemblyScript's
// TLSF, @thi.ng/malloc), and native CPython pymalloc and glibc on this machine;
// and how much linear memory does each need for the trace's peak live bytes?
//
//   tsx bench/replay.ts [TRACE.trace[.gz] ...] [--runs N] [--backends a,b] [--quick] [--json]
//
// See bench/README.md for the protocol, the columns and the caveats.

import { parseArgs } from "node:util";
import { existsSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { execSync } from "node:child_process";
import { cpus } from "node:os";
import cliProgress from "cli-progress";
import { readTrace, packTrace } from "../src/tools/trace.js";
import {
  ROOT, OUT, settle, noopJs, noopWasm, tlsfJs, tlsfLoop, pyodideObject, emscriptenLibc, thingBackend,
  type Backend, type Ctx,
} from "./lib/backends.js";
import { pymallocWasm, pymallocLoop, pymallocTwin } from "./lib/pymalloc.js";
import { privateCopies } from "./lib/loops.js";
import { expectation, type Expectation } from "./lib/verify.js";
import { buildNative, nativeInput, runNative, type NativeBuild, type NativeResult } from "./lib/native.js";
import { derive, markdownTable, checkTargets, targetsMarkdown, type Row, type TraceHeader } from "./lib/report.js";

const DEFAULT_TRACE = join(ROOT, "bench", "traces", "json_roundtrip-1M.trace.gz");
const SHARED_TRACES = join(ROOT, "..", "shared", "traces");
const NATIVE_SRC = join(ROOT, "..", "shared", "anchors", "trace");

const USAGE = `usage: tsx bench/replay.ts [TRACE.trace[.gz] ...] [options]

Replays PYMTRACE traces through every allocator backend and prints a Markdown
table (ns/op median and min-max over the runs, harness-subtracted, ratios to
native pymalloc and to Pyodide's object allocator, peak memory vs peak live bytes).

  --runs N            timed runs per backend, each on a fresh allocator (default 5)
  --warmup N          untimed warm-up passes per backend before them (default 3)
  --settle MS         pause between the forced GC and each timed run (default 100; quick 0)
  --shared-loops      one loop function per backend for all runs, instead of a private,
                      primed copy per run (shows what megamorphic call sites cost)
  --backends LIST     comma-separated subset of: ${"ALL"}
  --records N         replay only the first N records of each trace
  --thing-records N   prefix replayed by @thi.ng/malloc (default 50000; it is O(live blocks) per call)
  --quick             smoke run: 1 timed run, 2 warm-ups, at most 100000 records, thi.ng 5000
  --json              print machine-readable results instead of the tables
  --json-out FILE     also write them to FILE
  --no-progress       no progress bar on stderr
  --native-src DIR    where replay.c lives (default ../shared/anchors/trace)
  -h, --help`;

// ---------------------------------------------------------------------------
// command line

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: "string" },
    warmup: { type: "string" },
    settle: { type: "string" },
    "shared-loops": { type: "boolean", default: false },
    backends: { type: "string" },
    records: { type: "string" },
    "thing-records": { type: "string" },
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    "json-out": { type: "string" },
    "no-progress": { type: "boolean", default: false },
    "native-src": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

function posInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v.replace(/_/g, ""));
  if (!Number.isInteger(n) || n < 1) { console.error(`--${name} must be a positive integer, got ${v}`); process.exit(2); }
  return n;
}

const quick = opt.quick!;
const runs = posInt("runs", opt.runs, quick ? 1 : 5);
const warmups = posInt("warmup", opt.warmup, quick ? 2 : 3);
privateCopies.enabled = !opt["shared-loops"];
settle.ms = opt.settle === undefined ? (quick ? 0 : 100) : Number(opt.settle);
const recordLimit = posInt("records", opt.records, quick ? 100_000 : Number.MAX_SAFE_INTEGER);
const thingRecords = posInt("thing-records", opt["thing-records"], quick ? 5_000 : 50_000);

// Table order: ours, the wasm peers, pure-TS peers, native, then the harness rows.
const ALL: Backend[] = [
  pymallocWasm, pymallocLoop, pymallocTwin,
  pyodideObject, emscriptenLibc, tlsfJs, tlsfLoop, thingBackend(thingRecords),
  noopJs, noopWasm,
];
const NATIVE_KEY = "native";
const allKeys = [...ALL.map((b) => b.key), NATIVE_KEY];

if (opt.help) { console.log(USAGE.replace("ALL", allKeys.join(","))); process.exit(0); }

const wanted = opt.backends ? opt.backends.split(",").map((s) => s.trim()).filter(Boolean) : allKeys;
for (const k of wanted) if (!allKeys.includes(k)) { console.error(`unknown backend ${k}; known: ${allKeys.join(",")}`); process.exit(2); }
// the harness rows are what the "− harness" column subtracts: always run the one a selected backend needs
const needed = new Set(wanted);
for (const b of ALL) if (needed.has(b.key) && b.key !== "noop" && b.key !== "noop-wasm") needed.add(b.harness === "js" ? "noop" : b.harness === "wasm" ? "noop-wasm" : "");
const selected = ALL.filter((b) => needed.has(b.key));
const withNative = needed.has(NATIVE_KEY);

const tracePaths = positionals.length ? positionals : [DEFAULT_TRACE];
for (const p of tracePaths) if (!existsSync(p)) { console.error(`no such trace: ${p}`); process.exit(2); }

// ---------------------------------------------------------------------------
// environment facts for the header

function commit(): string {
  try {
    const h = execSync("git rev-parse --short HEAD", { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execSync("git status --porcelain --untracked-files=no", { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return dirty ? `${h} (+ uncommitted changes)` : h;
  } catch { return "unknown (not a git checkout)"; }
}

const engine = {
  node: process.version,
  v8: process.versions.v8,
  platform: `${process.platform} ${process.arch}`,
  cpu: `${cpus()[0]?.model ?? "?"} × ${cpus().length}`,
  commit: commit(),
  date: new Date().toISOString(),
};

const progress = opt["no-progress"] ? null : new cliProgress.SingleBar({
  stream: process.stderr,
  format: " {bar} {percentage}% | {value}/{total} | {trace}: {task}",
  barsize: 30,
  hideCursor: true,
  clearOnComplete: true,
}, cliProgress.Presets.shades_classic);
const log = (s: string) => { if (progress) progress.stop(); process.stderr.write(s + "\n"); };

// ---------------------------------------------------------------------------
// set-up

const unavailable = new Map<string, string>();
const usable: Backend[] = [];
for (const b of selected) {
  if (!opt["no-progress"]) process.stderr.write(`setting up ${b.key}...\r`);
  const why = await b.init();
  if (why) unavailable.set(b.key, why);
  else usable.push(b);
}
let native: NativeBuild | null = null;
if (withNative) {
  try {
    native = buildNative(opt["native-src"] ?? NATIVE_SRC, join(OUT, "native"));
  } catch (e) {
    unavailable.set(NATIVE_KEY, (e as Error).message);
  }
}
if (!opt["no-progress"]) process.stderr.write(" ".repeat(40) + "\r");
for (const [k, why] of unavailable) log(`${k}: skipped: ${why}`);

// ---------------------------------------------------------------------------
// one trace

interface TraceResult {
  header: TraceHeader;
  rows: Row[];
  native?: NativeResult;
}

async function replayOne(path: string): Promise<TraceResult> {
  const full = await readTrace(path, { limit: recordLimit });
  const name = relative(process.cwd(), path).split("/").pop()!.replace(/\.gz$/, "").replace(/\.trace$/, "");
  const recs = packTrace(full);
  const total = full.count;
  const exps = new Map<number, Expectation>();
  const exp = (n: number) => { let e = exps.get(n); if (!e) { e = expectation(recs, n); exps.set(n, e); } return e; };

  const results = new Map<string, Row>();
  for (const b of usable) {
    const n = b.records(total);
    results.set(b.key, {
      key: b.key, label: b.label, harness: b.key.startsWith("noop") ? null : b.harness,
      records: n, total, runs: [], cpuRuns: [], faultRuns: [], peakBytes: null, peakLiveBytes: exp(n).peakLiveBytes,
      memoryNote: b.memory, extra: {},
    });
  }

  const steps = usable.length * (runs + warmups) + (native ? runs : 0);
  progress?.start(steps, 0, { trace: name, task: "" });

  const runOnce = async (b: Backend, timedRun: boolean) => {
    const row = results.get(b.key)!;
    if (row.error) return;
    progress?.update({ task: `${b.key}${timedRun ? "" : " (warm-up)"}` });
    const ctx: Ctx = { recs, n: row.records, exp: exp(row.records) };
    try {
      const r = await b.run(ctx, !timedRun);
      if (timedRun) {
        row.runs.push(r.ns / row.records);
        row.cpuRuns!.push(r.cpuNs / row.records);
        row.faultRuns!.push(r.faults);
        if (r.optimized === false && privateCopies.enabled) row.unoptimizedRuns = (row.unoptimizedRuns ?? 0) + 1;
        row.peakBytes = row.peakBytes === null || r.peakBytes === null ? r.peakBytes : Math.max(row.peakBytes, r.peakBytes);
        row.verified = r.verified;
        if (r.extra) row.extra = r.extra;
      }
    } catch (e) {
      row.error = (e as Error).message.split("\n")[0];
      log(`${name}: ${b.key} failed: ${(e as Error).stack ?? e}`);
    }
    progress?.increment();
  };

  // warm-up: JIT and wasm tier-up (a JS loop needs a few passes to reach its
  // steady state); warm-up passes are verified too
  for (const b of usable) for (let w = 0; w < warmups; w++) await runOnce(b, false);
  // The native replayer takes its turn in every round too (`replay -n 1`: one
  // run of its loop, pymalloc and glibc, each in a fresh forked child), so that
  // it meets the same noise as the rest.
  const natRuns: NativeResult[] = [];
  let natError: string | undefined;
  const input = native ? nativeInput(native, path, total, total === recordLimit) : null;
  const runNativeOnce = () => {
    if (!native || !input || natError) return;
    progress?.update({ task: "native replay" });
    try {
      natRuns.push(runNative(native, input.path, total, 1));
    } catch (e) {
      natError = (e as Error).message.split("\n")[0];
      log(`${name}: native replay failed: ${(e as Error).message}`);
    }
    progress?.increment();
  };

  // timed runs, interleaved so that a noisy moment does not hit one backend only
  const slots = usable.length + (native ? 1 : 0);
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < slots; k++) {
      const j = (k + r) % slots;
      if (j < usable.length) await runOnce(usable[j], true);
      else runNativeOnce();
    }
  }
  input?.cleanup();

  const rows = [...results.values()];
  const nat = natRuns[0];
  if (native && (natError || !nat)) {
    rows.push({ key: "native-pymalloc", label: "native CPython pymalloc (C loop)", harness: "native", records: total, total, runs: [], peakBytes: null, peakLiveBytes: 0, error: natError ?? "no run" });
  } else if (native && nat) {
    const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
    const nrow = (key: string, label: string, h: "native" | null, which: "pymalloc" | "glibc" | "loop"): Row => ({
      key, label, harness: h, records: total, total,
      runs: natRuns.map((x) => x[`ns_per_op_${which}`]),
      cpuRuns: natRuns.map((x) => x[`cpu_ns_per_op_${which}`]),
      faultRuns: which === "loop" ? [] : natRuns.map((x) => x[`minor_faults_${which}`]),
      peakBytes: which === "loop" ? null : med(natRuns.map((x) => x[`peak_rss_kib_${which}`])) * 1024,
      peakLiveBytes: exp(total).peakLiveBytes, memoryNote: "peak RSS of the replaying process minus that of the `loop` process (not linear memory)",
      verified: which === "pymalloc" ? (natRuns.every((x) => x.pymalloc_verified) ? "pymalloc_verified" : "NOT pymalloc") : "replay.c checks",
    });
    rows.push(
      nrow("native-pymalloc", `native CPython ${nat.python} pymalloc (C loop)`, "native", "pymalloc"),
      nrow("native-glibc", `native glibc ${nat.glibc} malloc (C loop)`, "native", "glibc"),
      nrow("native-loop", "native loop (harness)", null, "loop"),
    );
  }
  progress?.stop();

  // harness rows last, in a fixed order
  const order = (r: Row) => (r.harness === null ? 1 : 0);
  rows.sort((a, b) => order(a) - order(b));
  return {
    header: { name, path, records: total, ids: full.nids, peakLiveBytes: full.peakLiveBytes, peakLiveBlocks: full.peakLiveBlocks },
    rows, native: nat,
  };
}

// ---------------------------------------------------------------------------
// run and print

const all: TraceResult[] = [];
for (const p of tracePaths) all.push(await replayOne(p));

const aboutPyodide = usable.find((b) => b.about)?.about;
const jsonResult = () => JSON.stringify({
    engine, runs, warmup: warmups, quick, pyodide: aboutPyodide ?? null,
    unavailable: Object.fromEntries(unavailable),
    traces: all.map((t) => {
      const d = derive(t.rows);
      return {
        ...t.header,
        backends: t.rows.map((r) => ({ ...r, ...d.get(r.key) })),
        targets: checkTargets(t.rows, d),
      };
    }),
  }, null, 2);
if (opt["json-out"]) writeFileSync(opt["json-out"], jsonResult() + "\n");
if (opt.json) {
  console.log(jsonResult());
} else {
  const mib = (b: number) => (b / 1048576).toFixed(2);
  for (const t of all) {
    const d = derive(t.rows);
    console.log(`\n## Trace replay: ${t.header.name}\n`);
    console.log(`${t.header.records.toLocaleString("en-US")} records, ${t.header.ids.toLocaleString("en-US")} ids, peak live ${t.header.peakLiveBytes.toLocaleString("en-US")} bytes (${mib(t.header.peakLiveBytes)} MiB) in ${t.header.peakLiveBlocks.toLocaleString("en-US")} blocks.  `);
    console.log(`node ${engine.node} (V8 ${engine.v8}), ${engine.platform}, ${engine.cpu}; commit ${engine.commit}; ${engine.date}.  `);
    console.log(`${runs} timed run${runs > 1 ? "s" : ""} per backend after ${warmups} warm-up pass${warmups > 1 ? "es" : ""}, each on a fresh allocator; ns/op = wall time of the whole loop / records.` +
      (aboutPyodide ? ` Pyodide: ${aboutPyodide}.` : "") + "\n");
    console.log(markdownTable(t.rows, d));
    console.log(`\n"− harness": minus the no-op loop of the same kind (JS, in wasm, native C). "(net)": both sides harness-subtracted. Ratios are time ratios: < 1 is faster.\n`);
    console.log("Targets:\n" + targetsMarkdown(checkTargets(t.rows, d)));
  }
  if (unavailable.size) console.log("\nSkipped: " + [...unavailable].map(([k, v]) => `${k} (${v})`).join("; "));
  if (tracePaths.length === 1 && tracePaths[0] === DEFAULT_TRACE && existsSync(SHARED_TRACES))
    console.log(`\nThis was the bundled excerpt. Full traces: npm run bench:replay:all, or tsx bench/replay.ts ${relative(process.cwd(), SHARED_TRACES)}/*.trace.gz`);
}

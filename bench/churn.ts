// === Object churn through the public API vs CPython 3.11 doing the same loop ===
//
// Question: how many create-and-drop operations per second does the object heap sustain
// through its public API (`heap.list`, `heap.dict`, `heap.new`, `heap.tuple`, then
// `heap.decref`), on both backends, next to CPython 3.11 (python3, spawned in the same
// run) executing the same statement in a loop? Target (issue 3): ours >= CPython.
//
//   tsx bench/churn.ts [--n 1000000] [--runs 7] [--backends wasm,ts,wasm-plain,ts-plain] [--cases list3,dict3,inst3,tuple2]
//                      [--no-cpython] [--quick] [--json]
//
// Cases (Python statement | our calls; the operands exist before the loop):
//   list3   a = [x, y, z]; del a                 | heap.decref(heap.list([x, y, z]))
//   dict3   a = {'a': x, 'b': y, 'c': z}; del a  | heap.decref(heap.dict([[ka, x], [kb, y], [kc, z]]))
//   inst3   a = C(x, y, z); del a                | heap.decref(heap.new(C, x, y, z))
//           (class C: def __init__(self, a, b, c): self.x = a; self.y = b; self.z = c)
//   tuple2  a = (x, y); del a                    | heap.decref(heap.tuple([x, y]))
//
// Backends: wasm, ts (the default shared linear memory), and wasm-plain, ts-plain
// (sharedMemory: false, a memory whose growth detaches buffers: see src/alloc/wasm.ts).
//
// Protocol: one process per backend and case (fresh heap, fresh JIT state); an untimed
// warm-up of n/5 iterations, then `runs` timed passes of n iterations; the median pass
// is reported (ops/s = n / time). CPython: timeit.repeat(stmt, setup, number=n,
// repeat=runs), median; the statement is compiled in a function scope as timeit does
// (locals), so the loop overhead is comparable to our JS for-loop. Automatic garbage
// collection stays on on both sides (3.11 semantics: these objects are not cyclic, so
// it only costs the generation-0 bookkeeping). Times are wall clock.

import { parseArgs } from "node:util";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cpus, loadavg } from "node:os";
import { createHeap, type Heap, type Ref } from "../src/index.js";
import type { Backend } from "../src/alloc/types.js";

const CASES = ["list3", "dict3", "inst3", "tuple2"] as const;
type Case = (typeof CASES)[number];

const PY: Record<Case, { stmt: string; setup: string }> = {
  list3: { stmt: "a = [x, y, z]; del a", setup: "x, y, z = 1, 2, 3" },
  dict3: { stmt: "a = {'a': x, 'b': y, 'c': z}; del a", setup: "x, y, z = 1, 2, 3" },
  inst3: {
    stmt: "a = C(x, y, z); del a",
    setup: "class C:\n    def __init__(self, a, b, c):\n        self.x = a; self.y = b; self.z = c\nx, y, z = 1, 2, 3",
  },
  tuple2: { stmt: "a = (x, y); del a", setup: "x, y = 1, 2" },
};

const { values: opt } = parseArgs({
  options: {
    n: { type: "string" },
    runs: { type: "string" },
    backends: { type: "string" },
    cases: { type: "string" },
    "no-cpython": { type: "boolean" },
    quick: { type: "boolean" },
    json: { type: "boolean" },
    child: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

if (opt.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(0, 29).join("\n"));
  process.exit(0);
}

const quick = opt.quick === true;
const N = Number(opt.n ?? (quick ? 20_000 : 1_000_000));
const RUNS = Number(opt.runs ?? (quick ? 1 : 7));
/** a backend as the command line names it: "wasm", "ts", or either with "-plain" */
type Variant = string;
const backends: Variant[] = (opt.backends ?? "wasm,ts").split(",");
for (const b of backends) if (!/^(wasm|ts)(-plain)?$/.test(b)) throw new Error(`unknown backend ${b} (wasm, ts, wasm-plain, ts-plain)`);
const heapOptions = (b: Variant): { backend: Backend; sharedMemory: boolean } => ({
  backend: b.replace(/-plain$/, "") as Backend,
  sharedMemory: !b.endsWith("-plain"),
});
const cases = (opt.cases ?? CASES.join(",")).split(",") as Case[];
for (const c of cases) if (!CASES.includes(c)) throw new Error(`unknown case ${c} (${CASES.join(", ")})`);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The loop body for a case: creates and drops one object. */
function body(heap: Heap, c: Case): () => void {
  const x = heap.int(1), y = heap.int(2), z = heap.int(3);
  switch (c) {
    case "list3":
      return () => heap.decref(heap.list([x, y, z]));
    case "tuple2":
      return () => heap.decref(heap.tuple([x, y]));
    case "dict3": {
      const ka = heap.str("a"), kb = heap.str("b"), kc = heap.str("c");
      return () => heap.decref(heap.dict([[ka, x], [kb, y], [kc, z]]));
    }
    case "inst3": {
      const C = heap.defineClass("C", {
        methods: {
          __init__: (self: Ref, a: Ref, b: Ref, cc: Ref) => {
            heap.setattr(self, "x", a);
            heap.setattr(self, "y", b);
            heap.setattr(self, "z", cc);
          },
        },
      });
      return () => heap.decref(heap.new(C, x, y, z));
    }
  }
}

interface ChildOut {
  backend: Variant;
  case: Case;
  ns: number[];
  blocksLeaked: number;
}

async function child(backend: Variant, c: Case): Promise<ChildOut> {
  const heap = await createHeap(heapOptions(backend));
  const f = body(heap, c);
  const blocks0 = heap.sys.getallocatedblocks();
  for (let i = 0; i < Math.max(1000, N / 5); i++) f();
  const ns: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) f();
    ns.push(Number(process.hrtime.bigint() - t0));
  }
  // what a pass leaves behind (free lists aside): a leak check of the bench itself
  const gc = (heap as unknown as { gc?: { collect(): number } }).gc;
  gc?.collect();
  return { backend, case: c, ns, blocksLeaked: heap.sys.getallocatedblocks() - blocks0 };
}

if (opt.child !== undefined) {
  const [backend, c] = opt.child.split(":") as [Variant, Case];
  process.stdout.write(JSON.stringify(await child(backend, c)) + "\n");
  process.exit(0);
}

// ---- parent: one child per (backend, case), then CPython ----
const self = fileURLToPath(import.meta.url);
const ours: ChildOut[] = [];
for (const c of cases) {
  for (const b of backends) {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", self, "--child", `${b}:${c}`, "--n", String(N), "--runs", String(RUNS)],
      { encoding: "utf8", maxBuffer: 1 << 24 },
    );
    if (r.status !== 0) throw new Error(`child ${b}:${c} failed:\n${r.stderr}`);
    ours.push(JSON.parse(r.stdout.trim().split("\n").pop()!));
    if (!opt.json) process.stderr.write(`  ${b} ${c} done\n`);
  }
}

interface PyOut {
  case: Case;
  ns: number[];
}
let cpython: PyOut[] = [];
let pyVersion = "";
if (!opt["no-cpython"]) {
  const script = `
import timeit, json, sys
out = []
cases = json.loads(sys.argv[1])
for name, stmt, setup in cases:
    t = timeit.repeat(stmt, setup, number=${N}, repeat=${RUNS})
    out.append({"case": name, "ns": [x * 1e9 for x in t]})
print(json.dumps({"version": sys.version.split()[0], "out": out}))`;
  const r = spawnSync("python3", ["-c", script, JSON.stringify(cases.map((c) => [c, PY[c].stmt, PY[c].setup]))], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`python3 failed:\n${r.stderr}`);
  const parsed = JSON.parse(r.stdout);
  cpython = parsed.out;
  pyVersion = parsed.version;
}

const opsPerSec = (ns: number[]): number => (N / median(ns)) * 1e9;
const fmt = (v: number): string => (v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : `${(v / 1e3).toFixed(0)} k`);
const rows = cases.map((c) => {
  const py = cpython.find((p) => p.case === c);
  const pyOps = py ? opsPerSec(py.ns) : NaN;
  const per = Object.fromEntries(
    backends.map((b) => {
      const o = ours.find((x) => x.backend === b && x.case === c)!;
      return [b, { ops: opsPerSec(o.ns), nsPerOp: median(o.ns) / N, leaked: o.blocksLeaked }];
    }),
  );
  return { case: c, cpython: { ops: pyOps, nsPerOp: py ? median(py.ns) / N : NaN }, ours: per };
});

if (opt.json) {
  console.log(
    JSON.stringify(
      { n: N, runs: RUNS, node: process.version, python: pyVersion, rows, raw: { ours, cpython } },
      null,
      1,
    ),
  );
} else {
  console.log(`\nchurn: create + drop through the public API, n = ${N.toLocaleString("en-US")} per pass, median of ${RUNS}`);
  console.log(`node ${process.version}, python3 ${pyVersion || "(not run)"}, ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), load ${loadavg().map((x) => x.toFixed(2)).join(" ")}\n`);
  const head = ["case", ...backends.flatMap((b) => [`${b} ops/s`, `${b} ns/op`]), "CPython ops/s", "CPython ns/op", ...backends.map((b) => `${b} / CPython`)];
  console.log(`| ${head.join(" | ")} |`);
  console.log(`|${head.map(() => "---").join("|")}|`);
  for (const r of rows) {
    const cells = [
      r.case,
      ...backends.flatMap((b) => [fmt(r.ours[b].ops), r.ours[b].nsPerOp.toFixed(1)]),
      Number.isNaN(r.cpython.ops) ? "-" : fmt(r.cpython.ops),
      Number.isNaN(r.cpython.nsPerOp) ? "-" : r.cpython.nsPerOp.toFixed(1),
      ...backends.map((b) => (Number.isNaN(r.cpython.ops) ? "-" : `${(r.ours[b].ops / r.cpython.ops).toFixed(2)}×`)),
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
  const leaks = rows.flatMap((r) => backends.filter((b) => r.ours[b].leaked !== 0).map((b) => `${r.case}/${b}: ${r.ours[b].leaked}`));
  if (leaks.length) console.log(`\nblocks left after the passes (free lists cleared): ${leaks.join(", ")}`);
}

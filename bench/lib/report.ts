// === Results of one trace: statistics, the Markdown table, the target checks ===

import type { Harness } from "./backends.js";

export interface Row {
  key: string;
  label: string;
  harness: Harness | null; // null: this row *is* a harness
  /** records replayed */
  records: number;
  /** records of the whole trace (records < total: a prefix) */
  total: number;
  /** ns/op of every timed run */
  runs: number[];
  cpuRuns?: number[];
  /** minor page faults during each timed run */
  faultRuns?: number[];
  /** peak memory attributed to the allocator, bytes */
  peakBytes: number | null;
  /** peak live bytes of the replayed records (the prefix if any) */
  peakLiveBytes: number;
  memoryNote?: string;
  verified?: string;
  /** timed runs whose JS loop was not TurboFan-optimised when the clock started */
  unoptimizedRuns?: number;
  error?: string;
  extra?: Record<string, unknown>;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
}

export function stats(v: number[]): Stats {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length;
  const median = m % 2 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
  return { median, min: s[0], max: s[m - 1] };
}

/** The harness rows, by kind: the JS no-op loop, the in-wasm no-op loop, the native `loop`. */
export const HARNESS_KEY: Record<Harness, string> = { js: "noop", wasm: "noop-wasm", native: "native-loop" };

export interface Derived {
  key: string;
  median: number | null;
  min: number | null;
  max: number | null;
  cpu: number | null;
  faults: number | null;
  net: number | null;
  vsNative: number | null;
  vsNativeNet: number | null;
  vsPyodide: number | null;
  vsPyodideNet: number | null;
  memRatio: number | null;
}

function ok(r: Row | undefined): r is Row {
  return !!r && !r.error && r.runs.length > 0;
}

export function derive(rows: Row[]): Map<string, Derived> {
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const med = (k: string) => { const r = byKey.get(k); return ok(r) ? stats(r.runs).median : null; };
  const net = (r: Row): number | null => {
    if (!ok(r)) return null;
    if (!r.harness) return null;
    const h = med(HARNESS_KEY[r.harness]);
    return h === null ? null : stats(r.runs).median - h;
  };
  const nat = byKey.get("native-pymalloc"), pyo = byKey.get("pyodide");
  const natMed = med("native-pymalloc"), natNet = nat ? net(nat) : null;
  const pyMed = med("pyodide"), pyNet = pyo ? net(pyo) : null;
  const out = new Map<string, Derived>();
  for (const r of rows) {
    const s = ok(r) ? stats(r.runs) : null;
    const n = net(r);
    out.set(r.key, {
      key: r.key,
      median: s?.median ?? null, min: s?.min ?? null, max: s?.max ?? null,
      cpu: ok(r) && r.cpuRuns?.length ? stats(r.cpuRuns).median : null,
      faults: ok(r) && r.faultRuns?.length ? stats(r.faultRuns).median : null,
      net: n,
      vsNative: s && natMed ? s.median / natMed : null,
      vsNativeNet: n !== null && natNet ? n / natNet : null,
      vsPyodide: s && pyMed ? s.median / pyMed : null,
      vsPyodideNet: n !== null && pyNet ? n / pyNet : null,
      memRatio: r.peakBytes !== null && ok(r) ? r.peakBytes / r.peakLiveBytes : null,
    });
  }
  return out;
}

const int = (x: number) => Math.round(x).toLocaleString("en-US");
const f = (x: number | null, d = 1) => (x === null || !Number.isFinite(x) ? "–" : x.toFixed(d));
const times = (x: number | null) => (x === null || !Number.isFinite(x) ? "–" : `${x.toFixed(2)}×`);
const mib = (b: number | null) => (b === null ? "–" : (b / 1048576).toFixed(1));

export interface TraceHeader {
  name: string;
  path: string;
  records: number;
  ids: number;
  peakLiveBytes: number;
  peakLiveBlocks: number;
}

export function markdownTable(rows: Row[], d: Map<string, Derived>): string {
  const head = ["backend", "records", "ns/op median", "min–max", "CPU ns/op", "− harness", "× native pymalloc", "(net)", "× Pyodide obj", "(net)", "page faults", "peak mem MiB", "× peak live"];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
  const notes: string[] = [];
  const mark = (text: string) => {
    let i = notes.indexOf(text);
    if (i < 0) { notes.push(text); i = notes.length - 1; }
    return `[${i + 1}]`;
  };
  for (const r of rows) {
    const x = d.get(r.key)!;
    let label = r.label;
    if (r.error) {
      lines.push(`| ${label} | – | FAILED ${mark(`${r.label}: ${r.error}`)} |${" |".repeat(head.length - 3)}`);
      continue;
    }
    let recs = int(r.records);
    if (r.records < r.total) recs += ` ${mark(`${r.label} replays only the first ${int(r.records)} of ${int(r.total)} records (its ns/op and memory are for that prefix; ratios compare it with full-trace rows)`)}`;
    if (r.unoptimizedRuns) label += ` ${mark(`${r.label}: in ${r.unoptimizedRuns} of ${r.runs.length} runs the JS loop was not yet optimised by TurboFan when timing started`)}`;
    let mem = mib(r.peakBytes);
    if (r.memoryNote && r.peakBytes !== null) mem += ` ${mark(`${r.label}: ${r.memoryNote}`)}`;
    lines.push(`| ${label} | ${recs} | ${f(x.median, 2)} | ${f(x.min, 1)}–${f(x.max, 1)} | ${f(x.cpu, 1)} | ${f(x.net, 2)} | ${times(x.vsNative)} | ${times(x.vsNativeNet)} | ${times(x.vsPyodide)} | ${times(x.vsPyodideNet)} | ${x.faults === null ? "–" : int(x.faults)} | ${mem} | ${times(x.memRatio)} |`);
  }
  if (notes.length) lines.push("", ...notes.map((n, i) => `[${i + 1}] ${n}`));
  return lines.join("\n");
}

export interface TargetCheck {
  target: string;
  met: boolean | null; // null: could not be evaluated
  detail: string;
}

/** The project's targets (issue 2, item 7), evaluated on this trace's medians. */
export function checkTargets(rows: Row[], d: Map<string, Derived>): TargetCheck[] {
  const out: TargetCheck[] = [];
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const have = (k: string) => { const r = byKey.get(k); return !!r && !r.error && r.runs.length > 0; };
  const g = (k: string) => d.get(k)!;

  const cpu = (a: string, b: string) => { const x = g(a).cpu, y = g(b).cpu; return x !== null && y !== null ? `; CPU time ${(x / y).toFixed(2)}×` : ""; };
  const cpuFaster = (a: string, b: string) => { const x = g(a).cpu, y = g(b).cpu; return x !== null && y !== null ? `; CPU time ${(y / x).toFixed(2)}×` : ""; };

  // 1. replay loop inside wasm <= 1.3x native pymalloc
  if (have("wasm-loop") && have("native-pymalloc")) {
    const x = g("wasm-loop");
    out.push({
      target: "pymalloc, loop in wasm ≤ 1.3× native pymalloc",
      met: x.vsNative! <= 1.3,
      detail: `${times(x.vsNative)} (net of each harness: ${times(x.vsNativeNet)}${cpu("wasm-loop", "native-pymalloc")})`,
    });
  } else out.push({ target: "pymalloc, loop in wasm ≤ 1.3× native pymalloc", met: null, detail: "not measured" });

  // 2. driven from JS >= 2x faster than Pyodide's object allocator and than TLSF (from JS)
  for (const [ref, name] of [["pyodide", "Pyodide _PyObject_Malloc"], ["tlsf", "AS TLSF from JS"]] as const) {
    const t = `pymalloc from JS ≥ 2× faster than ${name}`;
    if (have("wasm") && have(ref)) {
      const a = g("wasm"), b = g(ref);
      const raw = b.median! / a.median!, net = a.net !== null && b.net !== null ? b.net / a.net : null;
      out.push({ target: t, met: raw >= 2 && (net === null || net >= 2), detail: `${raw.toFixed(2)}× faster (net of the JS harness: ${net === null ? "–" : net.toFixed(2) + "×"}${cpuFaster("wasm", ref)})` });
    } else out.push({ target: t, met: null, detail: "not measured" });
  }
  if (have("wasm-loop") && have("tlsf-loop")) {
    const a = g("wasm-loop"), b = g("tlsf-loop");
    const raw = b.median! / a.median!, net = a.net !== null && b.net !== null ? b.net / a.net : null;
    out.push({ target: "(like for like) pymalloc loop in wasm vs TLSF loop in wasm", met: null, detail: `${raw.toFixed(2)}× faster (net of the wasm harness: ${net === null ? "–" : net.toFixed(2) + "×"}${cpuFaster("wasm-loop", "tlsf-loop")})` });
  }

  // 3. TS twin at least as fast as Pyodide's object allocator
  if (have("ts") && have("pyodide")) {
    const a = g("ts"), b = g("pyodide");
    out.push({ target: "TS twin at least as fast as Pyodide _PyObject_Malloc", met: a.median! <= b.median!, detail: `${times(a.vsPyodide)} Pyodide's ns/op (net: ${times(a.vsPyodideNet)}${cpu("ts", "pyodide")})` });
  } else out.push({ target: "TS twin at least as fast as Pyodide _PyObject_Malloc", met: null, detail: "not measured" });

  // 4. peak linear memory <= 1.3x peak live bytes, for our backends (the in-wasm
  //    row only as information: its trace buffers share the heap and enlarge
  //    every geometric growth step after them)
  for (const k of ["wasm", "ts", "wasm-loop"]) {
    const r = byKey.get(k);
    if (!have(k) || !r) continue;
    const m = g(k).memRatio;
    const info = k === "wasm-loop";
    out.push({
      target: `${r.label}: peak memory ≤ 1.3× peak live bytes${info ? " (information only: trace buffers in the same heap)" : ""}`,
      met: info ? null : m !== null && m <= 1.3,
      detail: `${times(m)} (${mib(r.peakBytes)} MiB for ${mib(r.peakLiveBytes)} MiB live)`,
    });
  }
  return out;
}

export function targetsMarkdown(t: TargetCheck[]): string {
  return t.map((c) => `- ${c.met === null ? (c.detail === "not measured" ? "–" : "info") : c.met ? "met" : "MISSED"}: ${c.target} — ${c.detail}`).join("\n");
}

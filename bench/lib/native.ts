// === CPython's native replayer, built from the shared anchor and run beside ours ===
//
// /work/shared/anchors/trace (../shared/anchors/trace from the repo) is
// read-only, so replay.c, trace_format.h and the Makefile are copied into
// bench/out/native/ (gitignored) and built there with `make replay`; it links
// libpython3.X through `python3-config --ldflags --embed`. Every timed run of
// it happens in a fresh fork()ed child (see its README); it prints one JSON
// object per trace with pymalloc, glibc and `loop` (harness) ns/op.

import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { gunzipSync } from "node:zlib";

const FILES = ["replay.c", "trace_format.h", "Makefile"];

export interface NativeBuild {
  bin: string;
  dir: string;
}

/** Copies the sources (when they changed) and runs make. Returns the binary, or
 *  throws an Error whose message says why it cannot be built. */
export function buildNative(srcDir: string, outDir: string): NativeBuild {
  if (!existsSync(join(srcDir, "replay.c"))) throw new Error(`${srcDir}/replay.c not found (no ../shared beside the repo?)`);
  mkdirSync(outDir, { recursive: true });
  for (const f of FILES) {
    const from = join(srcDir, f), to = join(outDir, f);
    const text = readFileSync(from);
    if (!existsSync(to) || !readFileSync(to).equals(text)) {
      if (existsSync(to)) chmodSync(to, 0o644); // the anchor's files are read-only
      writeFileSync(to, text, { mode: 0o644 });
    }
  }
  const make = spawnSync("make", ["replay"], { cwd: outDir, encoding: "utf8" });
  if (make.error) throw new Error(`make: ${make.error.message}`);
  if (make.status !== 0) throw new Error(`make replay failed:\n${(make.stderr || make.stdout).trim().split("\n").slice(-6).join("\n")}`);
  return { bin: join(outDir, "replay"), dir: outDir };
}

/** The part of replay's JSON line the bench uses. */
export interface NativeResult {
  records: number;
  runs: number;
  python: string;
  glibc: string;
  pymalloc_verified: boolean;
  peak_live_bytes: number;
  ns_per_op_pymalloc: number;
  ns_per_op_glibc: number;
  ns_per_op_loop: number;
  runs_ns_per_op_pymalloc: number[];
  runs_ns_per_op_glibc: number[];
  runs_ns_per_op_loop: number[];
  runs_cpu_ns_per_op_pymalloc: number[];
  runs_cpu_ns_per_op_glibc: number[];
  runs_cpu_ns_per_op_loop: number[];
  minor_faults_pymalloc: number;
  minor_faults_glibc: number;
  cpu_ns_per_op_pymalloc: number;
  cpu_ns_per_op_glibc: number;
  cpu_ns_per_op_loop: number;
  peak_rss_kib_pymalloc: number;
  peak_rss_kib_glibc: number;
}

/**
 * The file to give the native replayer: `tracePath` itself, or (with
 * `prefix`) its first `records` records written to the build directory, with
 * a function that removes that file again.
 */
export function nativeInput(b: NativeBuild, tracePath: string, records: number, prefix: boolean): { path: string; cleanup(): void } {
  if (!prefix) return { path: tracePath, cleanup() {} };
  // a prefix: the same header with the new count, then the first records
  let buf = readFileSync(tracePath);
  if (tracePath.endsWith(".gz")) buf = gunzipSync(buf);
  const out = Buffer.from(buf.subarray(0, 16 + 16 * records));
  out.writeUInt32LE(records, 12);
  const path = join(b.dir, `prefix-${process.pid}-${records}.trace`);
  writeFileSync(path, out);
  return { path, cleanup: () => rmSync(path, { force: true }) };
}

/** Runs the native replayer on `path` with `runs` timed runs (each in its own forked child). */
export function runNative(b: NativeBuild, path: string, records: number, runs: number): NativeResult {
  const r = spawnSync(b.bin, ["-n", String(runs), path], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.error) throw new Error(`${b.bin}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`native replay exited with ${r.status}: ${r.stderr.trim()}`);
  const line = r.stdout.trim().split("\n").pop() ?? "";
  const j = JSON.parse(line) as NativeResult;
  if (j.records !== records) throw new Error(`native replay read ${j.records} records, expected ${records}`);
  if (typeof j.ns_per_op_pymalloc !== "number") throw new Error("native replay printed no timing (a run failed?)");
  return j;
}

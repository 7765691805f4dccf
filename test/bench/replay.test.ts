// Smoke test of the trace-replay benchmark (bench/replay.ts): a --quick run on
// the first 20,000 records of the bundled excerpt, our own backends only (no
// Pyodide, no native build: CI stays fast), checking the JSON it prints and
// that every backend replayed and verified its records. It does not judge the
// numbers; it notices when the bench breaks.

import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const OURS = ["wasm", "wasm-loop", "ts", "tlsf", "tlsf-loop", "noop", "noop-wasm"];

describe("bench/replay.ts --quick", () => {
  it("replays a small excerpt through our backends and verifies every one", () => {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", "bench/replay.ts", "--quick", "--records", "20000", "--backends", OURS.join(","), "--json", "--no-progress"],
      { cwd: ROOT, encoding: "utf8", timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.engine.node).toBe(process.version);
    expect(out.unavailable).toEqual({});
    expect(out.traces).toHaveLength(1);
    const t = out.traces[0];
    expect(t.records).toBe(20000);
    expect(t.peakLiveBytes).toBeGreaterThan(0);
    const keys = t.backends.map((b: { key: string }) => b.key).sort();
    expect(keys).toEqual([...OURS].sort());
    for (const b of t.backends) {
      expect(b.error, `${b.key}: ${b.error}`).toBeUndefined();
      expect(b.records).toBe(20000);
      expect(b.runs).toHaveLength(1);
      expect(b.median).toBeGreaterThan(0);
      if (!b.key.startsWith("noop")) {
        expect(b.verified).toMatch(/live blocks intact and disjoint/);
        expect(b.peakBytes).toBeGreaterThan(0);
        expect(b.net).not.toBeNull();
      }
    }
    const targets = t.targets.map((x: { target: string }) => x.target);
    expect(targets.some((x: string) => x.includes("≤ 1.3× native pymalloc"))).toBe(true);
  });
});

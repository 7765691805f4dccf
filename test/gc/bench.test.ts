// Smoke run of bench/gc.ts (--quick, tiny N, no Pyodide) so CI notices when the
// bench breaks: every case must run on both twins and return CPython's counts.

import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("bench/gc.ts --quick", () => {
  it("runs every workload on both twins and returns CPython's counts", () => {
    const p = spawnSync(
      process.execPath,
      ["--import", "tsx", "bench/gc.ts", "--quick", "--sizes", "300", "--ops", "20000", "--backends", "wasm,ts"],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout).toContain("## Full collection");
    expect(p.stdout).toContain("## D: churn throughput");
    expect(p.stdout).toContain("All returned counts equal CPython's.");
    expect(p.stdout).not.toContain("✗");
  });
});

// Smoke test of bench/weakref.ts: a --quick run (small loops, both allocator
// backends and python3), checking the JSON it prints. It does not judge the
// numbers; it notices when the bench breaks.

import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("bench/weakref.ts --quick", () => {
  it("runs every workload on both twins and on CPython", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "bench/weakref.ts", "--quick", "--runs", "3", "--n", "5000", "--k", "500", "--m", "5000", "--json"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rows.map((x: { workload: string }) => x.workload)).toEqual(["ref_cb_die", "ref_cb_drop", "wvd_churn"]);
    expect(out.cpython.version).toMatch(/^3\.11\./);
    for (const row of out.rows) {
      expect(row.wasm).toBeGreaterThan(0);
      expect(row.ts).toBeGreaterThan(0);
      expect(row.cpython).toBeGreaterThan(0);
      expect(row.cpuTime.vsCPythonWasm).toBeGreaterThan(0);
    }
    for (const b of ["wasm", "ts", "cpython"]) for (const w of ["ref_cb_die", "ref_cb_drop", "wvd_churn"]) expect(out.runs[b][w]).toHaveLength(3);
  });
});

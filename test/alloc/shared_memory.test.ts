// Which linear memory a host gets (AllocatorOptions.sharedMemory): shared where the
// host can make a shared WebAssembly.Memory (Node), the plain build where it cannot
// (a browser page without cross-origin isolation), and a clear error when shared
// memory is asked for where it cannot be had. The "page" is a child Node process
// with `crossOriginIsolated = false`, as a non-isolated browser page defines it.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createAllocator, sharedMemoryAvailable } from "../../src/index";

const SRC = fileURLToPath(new URL("../../src/index.ts", import.meta.url));

describe("sharedMemory", () => {
  it("defaults to a shared memory in Node, on both backends", async () => {
    expect(sharedMemoryAvailable()).toBe(true);
    for (const backend of ["wasm", "ts"] as const) {
      const a = await createAllocator({ backend });
      expect(a.sharedMemory).toBe(true);
      expect(a.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
  });

  it("falls back to the plain build on a page without cross-origin isolation, and refuses sharedMemory: true there", () => {
    const script = `
      globalThis.crossOriginIsolated = false;
      const m = await import(${JSON.stringify(SRC)});
      const out = { available: m.sharedMemoryAvailable() };
      for (const backend of ["wasm", "ts"]) {
        const a = await m.createAllocator({ backend });
        const p = a.malloc(100);
        out[backend] = [a.sharedMemory, a.memory.buffer instanceof SharedArrayBuffer, p];
      }
      try { await m.createAllocator({ sharedMemory: true }); out.error = null; } catch (e) { out.error = e.message; }
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.available).toBe(false);
    expect(out.wasm.slice(0, 2)).toEqual([false, false]);
    expect(out.ts.slice(0, 2)).toEqual([false, false]);
    expect(out.wasm[2]).toBe(out.ts[2]); // the same address either way
    expect(out.error).toMatch(/sharedMemory: true, but this host cannot make a shared WebAssembly.Memory/);
  });
});
